//! lt-session against seeds written here with lt-wire's driver (no software from outside):
//! a download from two seeds, a piece corrupted once (hash failure, downloaded again), and a
//! download that resumes from data already on disk.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lt_core::{Bitfield, PeerId};
use lt_metainfo::{TorrentInfo, TorrentKind};
use lt_session::{Session, SessionParams, TorrentState, TorrentStatus};
use lt_wire::driver::{run, Command, DriverEvent};

mod common;
use common::{make_torrent, make_torrent_of_kind, params, TempDir, PIECE};
use lt_wire::{
    ExtendedMessage, Handshake, Message, PeerConnection, PexFlags, PexMessage, PexPeer,
    PieceGeometry, ReservedBits, WireConfig, WireEvent,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A seed on 127.0.0.1 that unchokes whoever is interested and serves `data` from memory.
/// With `corrupt`, the first block of that piece is sent once with a flipped byte; with
/// `u32::MAX`, the first block of every piece, every time.
async fn start_seed(info: &TorrentInfo, data: Arc<Vec<u8>>, corrupt: Option<u32>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    start_seed_on(listener, info, data, corrupt, None)
}

/// [`start_seed`] on `listener`; with `tell`, each peer also hears of that address over
/// ut_pex once its extension handshake is in.
fn start_seed_on(
    listener: TcpListener,
    info: &TorrentInfo,
    data: Arc<Vec<u8>>,
    corrupt: Option<u32>,
    tell: Option<SocketAddr>,
) -> SocketAddr {
    let addr = listener.local_addr().expect("address");
    let info_hash = info.info_hashes().get_best();
    let geometry = PieceGeometry::new(info.total_size(), info.piece_length()).expect("geometry");
    let corrupted = Arc::new(AtomicBool::new(corrupt.is_none()));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handshake = Handshake {
                reserved: ReservedBits::lt_default(),
                info_hash,
                peer_id: PeerId::from_bytes(*b"-XX0000-session-seed"),
            };
            tokio::spawn(serve(
                stream,
                handshake,
                geometry,
                Arc::clone(&data),
                corrupt,
                Arc::clone(&corrupted),
                tell,
            ));
        }
    });
    addr
}

async fn serve(
    stream: TcpStream,
    handshake: Handshake,
    geometry: PieceGeometry,
    data: Arc<Vec<u8>>,
    corrupt: Option<u32>,
    corrupted: Arc<AtomicBool>,
    tell: Option<SocketAddr>,
) {
    let now = tokio::time::Instant::now().into_std();
    let mut connection = PeerConnection::new(WireConfig::default(), handshake, geometry, now);
    let mut all = Bitfield::new(geometry.piece_count() as usize);
    for piece in 0..geometry.piece_count() as usize {
        all.set(piece);
    }
    connection.set_our_pieces(all).expect("our pieces");
    let (commands, command_receiver) = mpsc::channel(4096);
    let (event_sender, mut events) = mpsc::channel(64);
    tokio::spawn(run(connection, stream, command_receiver, event_sender));
    while let Some(event) = events.recv().await {
        let command = match event {
            DriverEvent::Wire(WireEvent::Interested) => Command::Unchoke,
            DriverEvent::Wire(WireEvent::ExtensionHandshake(_)) if tell.is_some() => {
                let added = tell
                    .into_iter()
                    .map(|address| PexPeer {
                        address,
                        flags: PexFlags::SEED,
                    })
                    .collect();
                Command::Send(Message::Extended(ExtendedMessage::Pex(PexMessage {
                    added,
                    dropped: Vec::new(),
                })))
            }
            DriverEvent::Wire(WireEvent::Requested(block)) => {
                let start =
                    u64::from(block.piece.get()) * u64::from(PIECE) + u64::from(block.offset);
                // Past the data (a v2 torrent's tail pad) the bytes are zeros.
                let start = (start as usize).min(data.len());
                let end = start + block.length as usize;
                let mut bytes = data[start..end.min(data.len())].to_vec();
                bytes.resize(block.length as usize, 0);
                let always = corrupt == Some(u32::MAX);
                let once = corrupt == Some(block.piece.get())
                    && !always
                    && block.offset == 0
                    && !corrupted.swap(true, Ordering::SeqCst);
                if (always && block.offset == 0) || once {
                    bytes[0] ^= 0xff;
                }
                Command::Serve {
                    block,
                    data: Bytes::from(bytes),
                }
            }
            DriverEvent::Wire(WireEvent::Closed(_)) => break,
            _ => continue,
        };
        if commands.send(command).await.is_err() {
            break;
        }
    }
}

async fn download(info: &Arc<TorrentInfo>, save: &Path, peers: Vec<SocketAddr>) -> TorrentStatus {
    let session = Session::new(SessionParams::default()).expect("session");
    let handle = session
        .add_torrent(params(info, save, peers))
        .expect("add torrent");
    tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_from_two_seeds() {
    let dir = TempDir::new("two-seeds");
    let (data, info) = make_torrent(&dir.0, 40 * PIECE as usize + 1234);
    let data = Arc::new(data);
    let first = start_seed(&info, Arc::clone(&data), None).await;
    let second = start_seed(&info, Arc::clone(&data), None).await;
    let save = dir.0.join("out");
    let status = download(&info, &save, vec![first, second]).await;
    assert_eq!(status.state, TorrentState::Seeding);
    assert_eq!(status.num_pieces, 41);
    assert_eq!(status.progress, 1.0);
    assert_eq!(status.num_hash_failures, 0);
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_piece_is_downloaded_again() {
    let dir = TempDir::new("corrupt");
    let (data, info) = make_torrent(&dir.0, 10 * PIECE as usize);
    let data = Arc::new(data);
    let seed = start_seed(&info, Arc::clone(&data), Some(3)).await;
    let save = dir.0.join("out");
    let status = download(&info, &save, vec![seed]).await;
    assert_eq!(status.num_hash_failures, 1);
    assert_eq!(status.total_failed_bytes, u64::from(PIECE));
    assert_eq!(status.total_payload_download, 11 * u64::from(PIECE));
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pieces_on_disk_are_not_downloaded_again() {
    let dir = TempDir::new("resume");
    let (data, info) = make_torrent(&dir.0, 12 * PIECE as usize + 99);
    let data = Arc::new(data);
    let save = dir.0.join("out");
    std::fs::create_dir_all(&save).expect("create out");
    // Everything but piece 5 (zeroed) is already there.
    let mut partial = (*data).clone();
    let five = 5 * PIECE as usize;
    partial[five..five + PIECE as usize].fill(0);
    std::fs::write(save.join("data.bin"), &partial).expect("write partial");
    let seed = start_seed(&info, Arc::clone(&data), None).await;
    let started = Instant::now();
    let status = download(&info, &save, vec![seed]).await;
    assert_eq!(status.total_payload_download, u64::from(PIECE));
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_reported() {
    let dir = TempDir::new("refused");
    let (_, info) = make_torrent(&dir.0, 3 * PIECE as usize);
    // Bound and dropped: nothing listens there now.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address");
    let session = Session::new(SessionParams::default()).expect("session");
    let handle = session
        .add_torrent(params(&info, &dir.0.join("out"), vec![addr]))
        .expect("add torrent");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = handle.status();
        if status.state == TorrentState::Downloading
            && status.num_peers + status.num_connecting == 0
        {
            let error = status.last_peer_error.expect("a reason");
            assert!(error.contains("refused"), "{error}");
            break;
        }
        assert!(Instant::now() < deadline, "{status:?}");
        handle.status_changed().await.expect("running");
    }
    assert!(session
        .add_torrent(params(&info, &dir.0, Vec::new()))
        .is_err());
    assert!(session
        .find_torrent(&info.info_hashes().get_best())
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_keeps_sending_corrupt_data_is_banned() {
    let dir = TempDir::new("ban");
    let (data, info) = make_torrent(&dir.0, 30 * PIECE as usize);
    let data = Arc::new(data);
    let liar = start_seed(&info, Arc::clone(&data), Some(u32::MAX)).await;
    let honest = start_seed(&info, Arc::clone(&data), None).await;
    let mut settings = lt_session::Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    settings.alert_mask = lt_session::AlertCategory::ALL;
    let session = Session::new(SessionParams::new(settings)).expect("session");
    let save = dir.0.join("out");
    // The liar alone first: it is banned once its corrupt pieces cost it its trust.
    let handle = session
        .add_torrent(params(&info, &save, vec![liar]))
        .expect("add torrent");
    let mut banned: Vec<SocketAddr> = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while banned.is_empty() {
            banned.extend(
                session
                    .pop_alerts()
                    .iter()
                    .filter_map(|alert| match alert.kind {
                        lt_session::AlertKind::PeerBan { endpoint, .. } => Some(endpoint),
                        _ => None,
                    }),
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the liar was never banned: {:?}", handle.status()));
    assert_eq!(banned, [liar]);
    // The honest seed delivers everything; the liar is never dialed again.
    handle.connect_peer(honest).expect("connect");
    handle
        .connect_peer(liar)
        .expect("connect (refused: banned)");
    let status = tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished");
    assert!(status.num_hash_failures >= 4, "{status:?}");
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
    assert!(session
        .pop_alerts()
        .iter()
        .all(|alert| !matches!(alert.kind, lt_session::AlertKind::PeerBan { .. })));
    let resume = handle.save_resume_data().await.expect("resume data");
    assert_eq!(resume.banned_peers, banned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_piece_of_a_v2_torrent_fails_its_merkle_check() {
    let dir = TempDir::new("corrupt-v2");
    let (data, info) = make_torrent_of_kind(&dir.0, 10 * PIECE as usize + 300, TorrentKind::V2);
    assert!(!info.is_v1());
    let data = Arc::new(data);
    let seed = start_seed(&info, Arc::clone(&data), Some(4)).await;
    let save = dir.0.join("out");
    let status = download(&info, &save, vec![seed]).await;
    assert_eq!(status.num_hash_failures, 1);
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_refused_is_tried_again_later() {
    let dir = TempDir::new("reconnect");
    let (data, info) = make_torrent(&dir.0, 8 * PIECE as usize);
    let data = Arc::new(data);
    // Nothing listens there yet.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address");
    let mut settings = lt_session::Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    settings.min_reconnect_time = Duration::from_millis(300);
    // A loaded machine may take a while to bind the seed: keep trying.
    settings.max_failcount = 20;
    let session = Session::new(SessionParams::new(settings)).expect("session");
    let save = dir.0.join("out");
    let handle = session
        .add_torrent(params(&info, &save, vec![addr]))
        .expect("add torrent");
    tokio::time::timeout(Duration::from_secs(5), async {
        while handle.status().last_peer_error.is_none() {
            handle.status_changed().await.expect("running");
        }
    })
    .await
    .expect("the first attempt fails");
    // The seed comes up at that address; the retry finds it.
    let listener = TcpListener::bind(addr).await.expect("bind again");
    start_seed_on(listener, &info, Arc::clone(&data), None, None);
    let status = tokio::time::timeout(Duration::from_secs(10), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 10 s: {:?}", handle.status()))
        .expect("finished");
    assert_eq!(status.num_pieces, 8);
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_learned_over_pex_is_connected() {
    let dir = TempDir::new("pex-in");
    let (data, info) = make_torrent(&dir.0, 60 * PIECE as usize);
    let data = Arc::new(data);
    let hidden = start_seed(&info, Arc::clone(&data), None).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let teller = start_seed_on(listener, &info, Arc::clone(&data), None, Some(hidden));
    let mut settings = lt_session::Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    settings.alert_mask = lt_session::AlertCategory::ALL;
    let session = Session::new(SessionParams::new(settings)).expect("session");
    let save = dir.0.join("out");
    let handle = session
        .add_torrent(params(&info, &save, vec![teller]))
        .expect("add torrent");
    tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished");
    let connected: Vec<SocketAddr> = session
        .pop_alerts()
        .iter()
        .filter_map(|alert| match alert.kind {
            lt_session::AlertKind::PeerConnect { endpoint, .. } => Some(endpoint),
            _ => None,
        })
        .collect();
    assert!(connected.contains(&hidden), "{connected:?}");
    assert_eq!(std::fs::read(save.join("data.bin")).expect("read"), *data);
}
