//! Two lt sessions on 127.0.0.1: one seeds from files on disk and accepts incoming peers, the
//! other downloads from it. The seed unchokes its interested peer at once (a free upload
//! slot), serves every block from disk, and the connection runs plaintext or MSE as the
//! encryption settings say.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lt_metainfo::TorrentInfo;
use lt_session::{EncLevel, EncPolicy, Session, SessionParams, Settings, TorrentState};

mod common;
use common::{loopback, make_torrent, params, TempDir, PIECE};

/// Seeds `info` from `dir/src` in a session with `seed_settings`, downloads it into `dir/out`
/// in a session with `download_settings`; checks the bytes and both sides' counters.
async fn seed_to_download(
    name: &str,
    seed_settings: Settings,
    download_settings: Settings,
) -> (TempDir, Arc<TorrentInfo>) {
    let dir = TempDir::new(name);
    let (data, info) = make_torrent(&dir.0, 25 * PIECE as usize + 777);
    let seeder = Session::new(SessionParams::new(seed_settings)).expect("seed session");
    assert!(
        seeder.listen_errors().is_empty(),
        "{:?}",
        seeder.listen_errors()
    );
    let seed_addr: SocketAddr = *seeder.listen_addrs().first().expect("listening");
    let seed = seeder
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add the seed");
    let seeding = tokio::time::timeout(Duration::from_secs(10), seed.wait_finished())
        .await
        .expect("checked in time")
        .expect("checked");
    assert_eq!(seeding.state, TorrentState::Seeding);

    let downloader = Session::new(SessionParams::new(download_settings)).expect("session");
    let save = dir.0.join("out");
    let handle = downloader
        .add_torrent(params(&info, &save, vec![seed_addr]))
        .expect("add the download");
    let done = tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished");
    assert_eq!(done.state, TorrentState::Seeding);
    assert_eq!(done.num_hash_failures, 0);
    assert_eq!(
        std::fs::read(save.join("data.bin")).expect("read"),
        data,
        "the download differs"
    );
    // The seed counted what it served (its status is published every 250 ms).
    let wanted = info.total_size();
    let mut status = seed.status();
    for _ in 0..20 {
        if status.total_payload_upload >= wanted {
            break;
        }
        status = seed.status_changed().await.expect("seed running");
    }
    assert!(status.total_payload_upload >= wanted, "{status:?}");
    (dir, info)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_to_an_incoming_peer_with_default_encryption() {
    // pe_enabled both sides: MSE handshake, plaintext stream (neither prefers RC4).
    seed_to_download("seed-default", loopback(), loopback()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_over_rc4_when_both_force_it() {
    let mut forced = loopback();
    forced.in_enc_policy = EncPolicy::Forced;
    forced.out_enc_policy = EncPolicy::Forced;
    forced.allowed_enc_level = EncLevel::Rc4;
    seed_to_download("seed-rc4", forced.clone(), forced).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_in_plaintext_when_encryption_is_disabled() {
    let mut plain = loopback();
    plain.in_enc_policy = EncPolicy::Disabled;
    plain.out_enc_policy = EncPolicy::Disabled;
    seed_to_download("seed-plain", plain.clone(), plain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_only_seed_is_reached_after_the_mse_attempt_fails() {
    // The downloader tries MSE first (pe_enabled), the seed refuses encrypted connections,
    // and the downloader retries in plaintext, as libtorrent does.
    let mut plain_seed = loopback();
    plain_seed.in_enc_policy = EncPolicy::Disabled;
    seed_to_download("seed-retry", plain_seed, loopback()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_downloader_cannot_reach_a_plaintext_only_seed() {
    let dir = TempDir::new("seed-refused");
    let (_, info) = make_torrent(&dir.0, 4 * PIECE as usize);
    let mut plain_seed = loopback();
    plain_seed.in_enc_policy = EncPolicy::Disabled;
    let seeder = Session::new(SessionParams::new(plain_seed)).expect("seed session");
    let seed_addr = seeder.listen_addrs()[0];
    let seed = seeder
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add the seed");
    seed.wait_finished().await.expect("checked");
    let mut forced = loopback();
    forced.out_enc_policy = EncPolicy::Forced;
    let downloader = Session::new(SessionParams::new(forced)).expect("session");
    let handle = downloader
        .add_torrent(params(&info, &dir.0.join("out"), vec![seed_addr]))
        .expect("add");
    let status = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let status = handle.status();
            if status.state == TorrentState::Downloading && status.last_peer_error.is_some() {
                break status;
            }
            handle.status_changed().await.expect("running");
        }
    })
    .await
    .expect("the failure is reported");
    assert_eq!(status.num_pieces, 0);
    assert_eq!(status.num_peers + status.num_connecting, 0, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_reports_what_it_cannot_listen_on() {
    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0,[::1]:0".to_owned();
    let first = Session::new(SessionParams::new(settings)).expect("session");
    let port = first.listen_port().expect("bound");
    let mut clash = Settings::default();
    clash.listen_interfaces = format!("127.0.0.1:{port}");
    let second = Session::new(SessionParams::new(clash)).expect("session");
    assert_eq!(second.listen_port(), None);
    assert_eq!(
        second.listen_errors().len(),
        1,
        "{:?}",
        second.listen_errors()
    );
    let mut bad = Settings::default();
    bad.listen_interfaces = "eth0:6881".to_owned();
    assert!(Session::new(SessionParams::new(bad)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_unchokes_no_more_peers_than_its_slots() {
    let dir = TempDir::new("seed-slots");
    let (data, info) = make_torrent(&dir.0, 40 * PIECE as usize);
    let mut one_slot = loopback();
    one_slot.unchoke_slots_limit = 1;
    let seeder = Session::new(SessionParams::new(one_slot)).expect("seed session");
    let seed_addr = seeder.listen_addrs()[0];
    let seed = seeder
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add the seed");
    seed.wait_finished().await.expect("checked");

    let mut downloads = Vec::new();
    let mut sessions = Vec::new();
    for name in ["a", "b"] {
        let session = Session::new(SessionParams::new(loopback())).expect("session");
        let handle = session
            .add_torrent(params(&info, &dir.0.join(name), vec![seed_addr]))
            .expect("add");
        downloads.push((name, handle));
        sessions.push(session);
    }
    // While both download, the seed never unchokes more than one of them; once the first is
    // done (and no longer interested) its slot goes to the other.
    let watch = async {
        loop {
            let status = seed.status();
            assert!(status.num_uploads <= 1, "{status:?}");
            if downloads
                .iter()
                .all(|(_, handle)| handle.status().is_finished())
            {
                return;
            }
            seed.status_changed().await.expect("seeding");
        }
    };
    tokio::time::timeout(Duration::from_secs(30), watch)
        .await
        .expect("both finish");
    for (name, _) in &downloads {
        assert_eq!(
            std::fs::read(dir.0.join(name).join("data.bin")).expect("read"),
            data
        );
    }
}

/// A peer driven by lt-wire that connects to `addr`, announces `listen_port` in its extension
/// handshake, has no piece and asks for nothing; its events come out of the receiver.
async fn observer(
    addr: SocketAddr,
    info: &TorrentInfo,
    listen_port: u16,
    id: u8,
) -> tokio::sync::mpsc::Receiver<lt_wire::driver::DriverEvent> {
    use lt_wire::{Handshake, PeerConnection, PieceGeometry, ReservedBits, WireConfig};
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let geometry = PieceGeometry::new(info.total_size(), info.piece_length()).expect("geometry");
    let mut config = WireConfig::default();
    config.listen_port = Some(listen_port);
    let handshake = Handshake {
        reserved: ReservedBits::lt_default(),
        info_hash: info.info_hashes().get_best(),
        peer_id: lt_core::PeerId::from_bytes([id; 20]),
    };
    let now = tokio::time::Instant::now().into_std();
    let connection = PeerConnection::new(config, handshake, geometry, now);
    let (commands, command_receiver) = tokio::sync::mpsc::channel(16);
    let (events, receiver) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        let _keep_open = commands;
        let _ = lt_wire::driver::run(connection, stream, command_receiver, events).await;
    });
    receiver
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_hear_of_each_other_over_pex() {
    use lt_wire::driver::DriverEvent;
    use lt_wire::{ExtendedMessage, Message, WireEvent};

    let dir = TempDir::new("seed-pex");
    let (_, info) = make_torrent(&dir.0, 8 * PIECE as usize);
    let seeder = Session::new(SessionParams::new(loopback())).expect("seed session");
    let seed_addr = seeder.listen_addrs()[0];
    let seed = seeder
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add the seed");
    seed.wait_finished().await.expect("checked");

    let mut first = observer(seed_addr, &info, 40001, 1).await;
    let _second = observer(seed_addr, &info, 40002, 2).await;
    // The seed tells the first peer where the second one listens (its address with the port
    // from its extension handshake), a second or so after the handshake.
    let expected: SocketAddr = "127.0.0.1:40002".parse().expect("address");
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = first.recv().await {
            if let DriverEvent::Wire(WireEvent::Message(Message::Extended(ExtendedMessage::Pex(
                pex,
            )))) = event
            {
                if pex.added.iter().any(|peer| peer.address == expected) {
                    return true;
                }
            }
        }
        false
    })
    .await
    .expect("a ut_pex message in time");
    assert!(heard);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_is_cut_short() {
    use tokio::io::AsyncReadExt;
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let addr = session.listen_addrs()[0];
    let mut sockets = Vec::new();
    for _ in 0..130 {
        sockets.push(tokio::net::TcpStream::connect(addr).await.expect("connect"));
    }
    // At most 100 wait in their handshake; the others (the last ones) are closed at once.
    let mut closed = 0;
    for socket in sockets.iter_mut().rev().take(30) {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(3), socket.read(&mut byte)).await;
        if matches!(read, Ok(Ok(0)) | Ok(Err(_))) {
            closed += 1;
        }
    }
    assert_eq!(closed, 30, "only {closed} of the last 30 closed");
}
