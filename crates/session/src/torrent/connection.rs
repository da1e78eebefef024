//! The task of one peer connection: connect over TCP, run lt-wire's driver on the stream, and
//! forward its events to the torrent's task, tagged with the peer's key.

use std::net::SocketAddr;
use std::time::Duration;

use lt_core::Bitfield;
use lt_picker::PeerKey;
use lt_wire::driver::{self, Command, DriverEvent};
use lt_wire::{Handshake, PeerConnection, PieceGeometry, WireConfig};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Events a driver may queue before it waits for the forwarder.
const DRIVER_EVENT_QUEUE: usize = 64;

/// What a peer task reports to its torrent.
#[derive(Debug)]
pub(super) enum PeerMessage {
    /// An event of the driven connection.
    Event(DriverEvent),
    /// The task ended: the connection closed (`None`; its reason came as a `Closed` event) or
    /// could not be made or failed (the reason).
    Ended(Option<String>),
}

/// Everything a peer task needs to open its connection.
pub(super) struct PeerSetup {
    pub(super) key: PeerKey,
    pub(super) addr: SocketAddr,
    pub(super) handshake: Handshake,
    pub(super) geometry: PieceGeometry,
    pub(super) our_pieces: Bitfield,
    pub(super) connect_timeout: Duration,
    pub(super) events: mpsc::Sender<(PeerKey, PeerMessage)>,
}

/// Runs one outgoing connection until it closes, then reports [`PeerMessage::Ended`].
pub(super) async fn run_peer(setup: PeerSetup, commands: mpsc::Receiver<Command>) {
    let events = setup.events.clone();
    let key = setup.key;
    let result = connect_and_drive(setup, commands).await;
    let _ = events.send((key, PeerMessage::Ended(result.err()))).await;
}

async fn connect_and_drive(
    setup: PeerSetup,
    commands: mpsc::Receiver<Command>,
) -> Result<(), String> {
    let stream = tokio::time::timeout(setup.connect_timeout, TcpStream::connect(setup.addr))
        .await
        .map_err(|_| format!("connecting to {} timed out", setup.addr))?
        .map_err(|error| format!("connecting to {}: {error}", setup.addr))?;
    // Requests and haves are small: send them at once.
    let _ = stream.set_nodelay(true);
    let now = tokio::time::Instant::now().into_std();
    let mut connection =
        PeerConnection::new(WireConfig::default(), setup.handshake, setup.geometry, now);
    connection
        .set_our_pieces(setup.our_pieces)
        .map_err(|error| error.to_string())?;
    connection.set_peer_address(setup.addr.ip());

    let (driver_events, mut forwarded) = mpsc::channel(DRIVER_EVENT_QUEUE);
    let key = setup.key;
    let torrent = setup.events;
    let forward = async move {
        while let Some(event) = forwarded.recv().await {
            // Waiting here when the torrent is busy stops the driver's reading: back-pressure.
            if torrent
                .send((key, PeerMessage::Event(event)))
                .await
                .is_err()
            {
                break;
            }
        }
    };
    let (driven, ()) = tokio::join!(
        driver::run(connection, stream, commands, driver_events),
        forward
    );
    driven.map_err(|error| error.to_string())
}
