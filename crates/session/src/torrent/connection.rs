//! The task of one peer connection: connect over TCP (MSE first when `out_enc_policy` says
//! so, with libtorrent's plaintext retry under `pe_enabled`) or take an accepted stream, run
//! lt-wire's driver on it, and forward its events to the torrent's task, tagged with the
//! peer's key.

use std::net::SocketAddr;
use std::time::Duration;

use lt_core::Bitfield;
use lt_picker::PeerKey;
use lt_wire::driver::{self, Command, DriverEvent};
use lt_wire::mse::{EncPolicy, EncryptionSettings, OutgoingHandshake};
use lt_wire::mse_stream::mse_connect;
use lt_wire::{Handshake, PeerConnection, PieceGeometry, WireConfig};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::stream::BoxedStream;

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

/// Where a peer's stream comes from.
pub(super) enum Origin {
    /// We connect to the peer's address.
    Outgoing,
    /// The peer connected to us; its handshake named this torrent.
    Incoming(BoxedStream),
}

/// Everything a peer task needs to open its connection.
pub(super) struct PeerSetup {
    pub(super) key: PeerKey,
    pub(super) addr: SocketAddr,
    pub(super) origin: Origin,
    pub(super) handshake: Handshake,
    pub(super) geometry: PieceGeometry,
    pub(super) our_pieces: Bitfield,
    pub(super) connect_timeout: Duration,
    /// Our listen port, for the extension handshake (`p`).
    pub(super) listen_port: Option<u16>,
    /// The info dictionary to serve over ut_metadata, if any.
    pub(super) metadata: Option<bytes::Bytes>,
    /// The torrent is v2-only: the connection speaks BEP 52's hash messages.
    pub(super) uses_v2: bool,
    pub(super) handshake_timeout: Duration,
    pub(super) encryption: EncryptionSettings,
    /// Draws the MSE key and pads.
    pub(super) mse_seed: [u8; 32],
    pub(super) events: mpsc::Sender<(PeerKey, PeerMessage)>,
}

/// Runs one connection until it closes, then reports [`PeerMessage::Ended`].
pub(super) async fn run_peer(setup: PeerSetup, commands: mpsc::Receiver<Command>) {
    let events = setup.events.clone();
    let key = setup.key;
    let result = connect_and_drive(setup, commands).await;
    let _ = events.send((key, PeerMessage::Ended(result.err()))).await;
}

/// Opens an outgoing connection: MSE first unless `out_enc_policy` says plaintext; a failed
/// MSE attempt is retried in plaintext on a new connection under `pe_enabled`.
async fn connect(setup: &PeerSetup) -> Result<BoxedStream, String> {
    let tcp = || async {
        let stream = tokio::time::timeout(setup.connect_timeout, TcpStream::connect(setup.addr))
            .await
            .map_err(|_| format!("connecting to {} timed out", setup.addr))?
            .map_err(|error| format!("connecting to {}: {error}", setup.addr))?;
        // Requests and haves are small: send them at once.
        let _ = stream.set_nodelay(true);
        Ok::<_, String>(stream)
    };
    if setup.encryption.outgoing_handshake(true) == OutgoingHandshake::Encrypted {
        let stream = tcp().await?;
        let config = setup.encryption.mse_config();
        let info_hash = setup.handshake.info_hash;
        let attempt = tokio::time::timeout(
            setup.handshake_timeout,
            mse_connect(stream, &config, info_hash, setup.mse_seed),
        )
        .await;
        let error = match attempt {
            Ok(Ok(stream)) => return Ok(Box::new(stream)),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "the encrypted handshake timed out".to_owned(),
        };
        if setup.encryption.out_enc_policy == EncPolicy::Forced {
            return Err(format!("{}: {error}", setup.addr));
        }
    }
    Ok(Box::new(tcp().await?))
}

async fn connect_and_drive(
    mut setup: PeerSetup,
    commands: mpsc::Receiver<Command>,
) -> Result<(), String> {
    let stream = match std::mem::replace(&mut setup.origin, Origin::Outgoing) {
        Origin::Incoming(stream) => stream,
        Origin::Outgoing => connect(&setup).await?,
    };
    let now = tokio::time::Instant::now().into_std();
    let mut config = WireConfig::default();
    config.listen_port = setup.listen_port;
    config.uses_v2 = setup.uses_v2;
    let mut connection = PeerConnection::new(config, setup.handshake, setup.geometry, now);
    connection
        .set_our_pieces(setup.our_pieces)
        .map_err(|error| error.to_string())?;
    connection.set_peer_address(setup.addr.ip());
    // Peers that came from a magnet link fetch the info dictionary from us (ut_metadata);
    // private torrents keep it to the peers that have the .torrent (BEP 27 spirit).
    if let Some(info) = setup.metadata {
        connection.set_metadata_source(info);
    }

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
