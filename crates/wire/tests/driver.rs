//! `driver::run` over `tokio::io::duplex`, in paused tokio time: two driven connections
//! exchange a block; timers fire in virtual time; the end of a stream and a dropped command
//! channel close the connection.

use std::time::Duration;

use bytes::Bytes;
use lt_core::{Bitfield, PeerId, PieceIndex, Sha1Hash};
use lt_wire::driver::{run, Command, DriverError, DriverEvent};
use lt_wire::{
    Block, DisconnectReason, Handshake, PeerConnection, PieceGeometry, ReservedBits, WireConfig,
    WireEvent,
};
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
    fn spawn(connection: PeerConnection, stream: tokio::io::DuplexStream) -> Driven {
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

fn pair() -> (Driven, Driven) {
    let now = tokio::time::Instant::now().into_std();
    let (left, right) = tokio::io::duplex(64 * 1024);
    let a = PeerConnection::new(WireConfig::default(), hello(b'a'), geometry(), now);
    let mut b = PeerConnection::new(WireConfig::default(), hello(b'b'), geometry(), now);
    b.set_our_pieces(Bitfield::with_all_set(8))
        .expect("before the handshake");
    (Driven::spawn(a, left), Driven::spawn(b, right))
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
