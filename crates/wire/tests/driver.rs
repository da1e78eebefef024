//! `driver::run` over `tokio::io::duplex`, in paused tokio time: two driven connections
//! exchange a block; timers fire in virtual time; the end of a stream and a dropped command
//! channel close the connection; queued commands leave in one write.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use lt_core::{Bitfield, PeerId, PieceIndex, Sha1Hash};
use lt_wire::driver::{run, Command, DriverError, DriverEvent};
use lt_wire::{
    Block, DisconnectReason, Handshake, PeerConnection, PieceGeometry, ReservedBits, WireConfig,
    WireEvent,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

fn hello(id: u8) -> Handshake {
    Handshake {
        reserved: ReservedBits::lt_default(),
        info_hash: Sha1Hash::from_bytes([3; 20]),
        peer_id: PeerId::from_bytes([id; 20]),
    }
}

fn geometry() -> PieceGeometry {
    PieceGeometry::new(8 * 16384, 16384).expect("geometry")
}

struct Driven {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<DriverEvent>,
    task: JoinHandle<Result<(), DriverError>>,
}

impl Driven {
    fn spawn<S>(connection: PeerConnection, stream: S) -> Driven
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (commands, command_receiver) = mpsc::channel(16);
        let (event_sender, events) = mpsc::channel(16);
        let task = tokio::spawn(run(connection, stream, command_receiver, event_sender));
        Driven {
            commands,
            events,
            task,
        }
    }

    /// The next connection event matching `wanted`, skipping others.
    async fn wait_for(&mut self, wanted: impl Fn(&WireEvent) -> bool) -> WireEvent {
        loop {
            match self.events.recv().await.expect("the driver is running") {
                DriverEvent::Wire(event) if wanted(&event) => return event,
                DriverEvent::Wire(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    async fn command(&self, command: Command) {
        self.commands
            .send(command)
            .await
            .expect("the driver is running");
    }
}

/// A stream that counts the writes made on it.
struct CountingWrites {
    inner: DuplexStream,
    writes: Arc<AtomicUsize>,
}

impl AsyncRead for CountingWrites {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingWrites {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(count)) if count > 0) {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Two driven connections, `b` a seed; also how many writes `a` has made.
fn counted_pair() -> (Driven, Driven, Arc<AtomicUsize>) {
    let now = tokio::time::Instant::now().into_std();
    let (left, right) = tokio::io::duplex(64 * 1024);
    let a = PeerConnection::new(WireConfig::default(), hello(b'a'), geometry(), now);
    let mut b = PeerConnection::new(WireConfig::default(), hello(b'b'), geometry(), now);
    b.set_our_pieces(Bitfield::with_all_set(8))
        .expect("before the handshake");
    let writes = Arc::new(AtomicUsize::new(0));
    let left = CountingWrites {
        inner: left,
        writes: Arc::clone(&writes),
    };
    (Driven::spawn(a, left), Driven::spawn(b, right), writes)
}

fn pair() -> (Driven, Driven) {
    let (a, b, _) = counted_pair();
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn a_block_goes_from_one_driver_to_the_other() {
    let (mut a, mut b) = pair();
    a.wait_for(|event| *event == WireEvent::PeerHaveAll).await;
    a.command(Command::SetInterested(true)).await;
    b.wait_for(|event| *event == WireEvent::Interested).await;
    b.command(Command::Unchoke).await;
    a.wait_for(|event| *event == WireEvent::Unchoked).await;
    let wanted = Block {
        piece: PieceIndex::new(5),
        offset: 0,
        length: 16384,
    };
    a.command(Command::Request(wanted)).await;
    let WireEvent::Requested(read) = b
        .wait_for(|event| matches!(event, WireEvent::Requested(_)))
        .await
    else {
        unreachable!()
    };
    assert_eq!(read, wanted);
    let data = Bytes::from(vec![0xab; 16384]);
    b.command(Command::Serve {
        block: read,
        data: data.clone(),
    })
    .await;
    let received = a
        .wait_for(|event| matches!(event, WireEvent::BlockReceived { .. }))
        .await;
    assert_eq!(
        received,
        WireEvent::BlockReceived {
            block: wanted,
            data
        }
    );

    // Closing one side: its driver returns, the other sees the end of the stream.
    a.command(Command::Close).await;
    assert!(a.task.await.expect("joins").is_ok());
    let closed = b
        .wait_for(|event| matches!(event, WireEvent::Closed(_)))
        .await;
    assert_eq!(closed, WireEvent::Closed(DisconnectReason::Eof));
    assert!(b.task.await.expect("joins").is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_refused_request_comes_back() {
    let (mut a, _b) = pair();
    a.wait_for(|event| *event == WireEvent::PeerHaveAll).await;
    let wanted = Block {
        piece: PieceIndex::new(1),
        offset: 0,
        length: 16384,
    };
    a.command(Command::Request(wanted)).await;
    match a.events.recv().await {
        Some(DriverEvent::RequestRefused(block, _)) => assert_eq!(block, wanted),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_peer_times_out_in_virtual_time() {
    let now = tokio::time::Instant::now();
    let (left, _right) = tokio::io::duplex(1024);
    let connection = PeerConnection::new(
        WireConfig::default(),
        hello(b'a'),
        geometry(),
        now.into_std(),
    );
    let mut a = Driven::spawn(connection, left);
    let closed = a
        .wait_for(|event| matches!(event, WireEvent::Closed(_)))
        .await;
    assert_eq!(
        closed,
        WireEvent::Closed(DisconnectReason::TimedOutNoHandshake)
    );
    assert_eq!(now.elapsed(), WireConfig::default().handshake_timeout);
    assert!(a.task.await.expect("joins").is_ok());
}

#[tokio::test(start_paused = true)]
async fn keepalives_hold_an_idle_pair_for_an_hour() {
    let (mut a, b) = pair();
    a.wait_for(|event| *event == WireEvent::PeerHaveAll).await;
    let start = tokio::time::Instant::now();
    let quiet = tokio::time::timeout(Duration::from_secs(3600), a.events.recv()).await;
    assert!(quiet.is_err(), "nothing happened for an hour: {quiet:?}");
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert!(!a.task.is_finished() && !b.task.is_finished());
}

#[tokio::test(start_paused = true)]
async fn dropping_the_commands_closes_the_connection() {
    let (a, mut b) = pair();
    let Driven { commands, task, .. } = a;
    b.wait_for(|event| matches!(event, WireEvent::HandshakeReceived { .. }))
        .await;
    drop(commands);
    // a's events are dropped with it too, so its driver ends one way or the other.
    let _ = task.await.expect("joins");
    let closed = b
        .wait_for(|event| matches!(event, WireEvent::Closed(_)))
        .await;
    assert_eq!(closed, WireEvent::Closed(DisconnectReason::Eof));
}

#[tokio::test(start_paused = true)]
async fn queued_requests_leave_in_one_write() {
    let (mut a, mut b, writes) = counted_pair();
    a.wait_for(|event| *event == WireEvent::PeerHaveAll).await;
    a.command(Command::SetInterested(true)).await;
    b.wait_for(|event| *event == WireEvent::Interested).await;
    b.command(Command::Unchoke).await;
    a.wait_for(|event| *event == WireEvent::Unchoked).await;
    let before = writes.load(Ordering::SeqCst);
    // Queued without yielding: a's driver finds all eight waiting at once.
    for piece in 0..8 {
        let block = Block {
            piece: PieceIndex::new(piece),
            offset: 0,
            length: 16384,
        };
        a.commands.try_send(Command::Request(block)).expect("room");
    }
    // b hands out reads as its send buffer drains: serve each to get the next.
    for _ in 0..8 {
        let WireEvent::Requested(block) = b
            .wait_for(|event| matches!(event, WireEvent::Requested(_)))
            .await
        else {
            unreachable!()
        };
        let data = Bytes::from(vec![0xcd; 16384]);
        b.command(Command::Serve { block, data }).await;
        a.wait_for(|event| matches!(event, WireEvent::BlockReceived { .. }))
            .await;
    }
    assert_eq!(writes.load(Ordering::SeqCst) - before, 1);
}
