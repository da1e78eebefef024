//! lt-session with Transmission 3.00 (`transmission-cli`) and aria2 1.36 (`aria2c`), each way,
//! peers found only through a real opentracker on 127.0.0.1 (neither client can be given a
//! peer by hand). v1 torrents: Transmission 3.00 refuses hybrid torrents and aria2 1.36 gets a
//! hybrid's info-hash wrong (../shared/anchors/PEERS.md). Transmission never dials a 127.x peer,
//! so it is started first and our side dials it.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lt_interop::{
    compare_files, free_port, make_test_torrent, spawn_client, KillOnDrop, Opentracker, TempDir,
    TestTorrent,
};
use lt_metainfo::TorrentKind;
use lt_session::{AddTorrentParams, Session, SessionParams, Settings, TorrentHandle, TorrentState};

const FILES: &[(&str, usize)] = &[("x.bin", 1_100_000), ("y/z.bin", 250_001)];

/// A tracker for a v1 torrent of [`FILES`] made from `seed`, and the torrent (under
/// `dir/seed`) announcing to it over HTTP.
fn tracked_torrent(dir: &Path, seed: u64) -> (Opentracker, TestTorrent) {
    lt_interop::tracked_test_torrent(&dir.join("seed"), FILES, seed, false)
}

fn loopback_session() -> Session {
    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    Session::new(SessionParams::new(settings)).expect("a session")
}

fn add(session: &Session, torrent: &TestTorrent, save: &Path) -> TorrentHandle {
    session
        .add_torrent(AddTorrentParams {
            ti: Some(Arc::new(torrent.info.clone())),
            save_path: save.to_str().expect("utf-8").to_owned(),
            ..AddTorrentParams::default()
        })
        .expect("add the torrent")
}

async fn finish(handle: &TorrentHandle, seconds: u64) {
    let status = tokio::time::timeout(Duration::from_secs(seconds), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in {seconds} s: {:?}", handle.status()))
        .expect("finished");
    assert_eq!(status.state, TorrentState::Seeding);
}

/// Waits until `path` exists (a client's "done" marker).
async fn wait_for_file(path: &Path, seconds: u64, what: &str, ours: &TorrentHandle) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{what} did not finish in {seconds} s; our side: {:?}",
            ours.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ----- Transmission -----

/// `transmission-cli` on 127.0.0.1 with DHT, LPD, PEX, uTP, port mapping and queues off (its
/// CLI has no flags for them: settings.json carries them). It writes `dir/done` when the
/// torrent finishes.
fn start_transmission(dir: &Path, torrent: &str, download_dir: &Path, verify: bool) -> KillOnDrop {
    let config = dir.join("transmission-config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::create_dir_all(download_dir).expect("download dir");
    let port = free_port();
    let settings = format!(
        r#"{{
  "bind-address-ipv4": "127.0.0.1",
  "bind-address-ipv6": "::1",
  "peer-port": {port},
  "peer-port-random-on-start": false,
  "dht-enabled": false,
  "lpd-enabled": false,
  "pex-enabled": false,
  "utp-enabled": false,
  "port-forwarding-enabled": false,
  "rpc-enabled": false,
  "download-queue-enabled": false,
  "seed-queue-enabled": false,
  "queue-stalled-enabled": false,
  "ratio-limit-enabled": false,
  "idle-seeding-limit-enabled": false,
  "encryption": 1
}}"#
    );
    std::fs::write(config.join("settings.json"), settings).expect("settings.json");
    let done = dir.join("done");
    let script = dir.join("done.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch '{}'\n", done.display())).expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let mut args: Vec<String> = vec![
        "-g".into(),
        config.display().to_string(),
        "-p".into(),
        port.to_string(),
        "-w".into(),
        download_dir.display().to_string(),
        "-M".into(),
        "-B".into(),
        "-D".into(),
        "-U".into(),
        "-ep".into(),
        "-f".into(),
        script.display().to_string(),
    ];
    if verify {
        args.push("-v".into());
    }
    args.push(torrent.to_owned());
    spawn_client("transmission-cli", "transmission-cli", &args, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transmission_downloads_from_our_seed() {
    let dir = TempDir::new("transmission-down");
    let (tracker, torrent) = tracked_torrent(dir.path(), 21);
    let hash = torrent.info.info_hashes().v1.expect("v1");
    let client_dir = dir.path().join("transmission");
    std::fs::create_dir_all(&client_dir).expect("client dir");
    let out = client_dir.join("out");
    let _transmission = start_transmission(&client_dir, &torrent.path, &out, false);
    tracker.wait_for_swarm(hash, 0, 1).await;

    let session = loopback_session();
    let seed = add(&session, &torrent, &dir.path().join("seed"));
    finish(&seed, 10).await;
    wait_for_file(&client_dir.join("done"), 90, "transmission", &seed).await;
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
    assert!(seed.status().total_payload_upload > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_download_from_a_transmission_seed() {
    let dir = TempDir::new("transmission-up");
    let (tracker, torrent) = tracked_torrent(dir.path(), 23);
    let hash = torrent.info.info_hashes().v1.expect("v1");
    let client_dir = dir.path().join("transmission");
    std::fs::create_dir_all(&client_dir).expect("client dir");
    let _transmission =
        start_transmission(&client_dir, &torrent.path, &dir.path().join("seed"), true);
    tracker.wait_for_swarm(hash, 1, 0).await;

    let session = loopback_session();
    let out = dir.path().join("out");
    let handle = add(&session, &torrent, &out);
    finish(&handle, 90).await;
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

// ----- aria2 -----

/// `aria2c` on 127.0.0.1 with DHT, LPD and PEX off. As a downloader it exits once done
/// (`--seed-time=0`); as a seeder (`seed`) it checks the files and seeds until killed.
fn start_aria2(dir: &Path, torrent: &str, data_dir: &Path, seed: bool) -> KillOnDrop {
    start_aria2_on(dir, torrent, data_dir, seed, free_port(), true)
}

/// [`start_aria2`] on `port`; with `verify` false a seeder serves its files unchecked.
fn start_aria2_on(
    dir: &Path,
    torrent: &str,
    data_dir: &Path,
    seed: bool,
    port: u16,
    verify: bool,
) -> KillOnDrop {
    std::fs::create_dir_all(data_dir).expect("data dir");
    let mut args: Vec<String> = [
        "--no-conf",
        "--interface=127.0.0.1",
        "--disable-ipv6=true",
        "--enable-dht=false",
        "--enable-dht6=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--file-allocation=none",
        "--auto-save-interval=0",
        "--console-log-level=warn",
        "--summary-interval=0",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    args.push(format!("--listen-port={port}"));
    args.push(format!("--dir={}", data_dir.display()));
    if seed && verify {
        args.push("--check-integrity=true".into());
        args.push("--bt-hash-check-seed=true".into());
        args.push("--seed-ratio=0.0".into());
    } else if seed {
        args.push("--check-integrity=false".into());
        args.push("--bt-seed-unverified=true".into());
        args.push("--seed-ratio=0.0".into());
    } else {
        args.push("--seed-time=0".into());
        let done = dir.join("done");
        let hook = dir.join("done.sh");
        std::fs::write(&hook, format!("#!/bin/sh\ntouch '{}'\n", done.display())).expect("hook");
        std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        args.push(format!("--on-bt-download-complete={}", hook.display()));
    }
    args.push(torrent.to_owned());
    spawn_client("aria2c", "aria2", &args, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aria2_downloads_from_our_seed() {
    let dir = TempDir::new("aria2-down");
    let (tracker, torrent) = tracked_torrent(dir.path(), 31);
    let session = loopback_session();
    let seed = add(&session, &torrent, &dir.path().join("seed"));
    finish(&seed, 10).await;
    // Our seed's `started` must have reached the tracker.
    tracker
        .wait_for_swarm(torrent.info.info_hashes().v1.expect("v1"), 1, 0)
        .await;
    let client_dir = dir.path().join("aria2");
    std::fs::create_dir_all(&client_dir).expect("client dir");
    let out = client_dir.join("out");
    let _aria2 = start_aria2(&client_dir, &torrent.path, &out, false);
    wait_for_file(&client_dir.join("done"), 60, "aria2", &seed).await;
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_download_from_an_aria2_seed() {
    let dir = TempDir::new("aria2-up");
    let (tracker, torrent) = tracked_torrent(dir.path(), 33);
    let hash = torrent.info.info_hashes().v1.expect("v1");
    let client_dir = dir.path().join("aria2");
    std::fs::create_dir_all(&client_dir).expect("client dir");
    let _aria2 = start_aria2(&client_dir, &torrent.path, &dir.path().join("seed"), true);
    tracker.wait_for_swarm(hash, 1, 0).await;

    let session = loopback_session();
    let out = dir.path().join("out");
    let handle = add(&session, &torrent, &out);
    finish(&handle, 60).await;
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

// ----- a seeder that sends corrupt data -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_aria2_seed_is_banned_and_the_download_still_correct() {
    let dir = TempDir::new("corrupt-seed");
    let torrent = make_test_torrent(
        &dir.path().join("seed"),
        FILES,
        51,
        TorrentKind::V1,
        32 * 1024,
        &[],
    );
    // aria2 serves a copy with one byte flipped in every piece, unverified.
    let bad_dir = dir.path().join("bad");
    for (relative, _) in FILES {
        let mut bytes = std::fs::read(torrent.payload.join(relative)).expect("read");
        for offset in (0..bytes.len()).step_by(32 * 1024) {
            bytes[offset] ^= 0x5a;
        }
        let path = bad_dir.join("payload").join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, bytes).expect("write");
    }
    let client_dir = dir.path().join("aria2");
    std::fs::create_dir_all(&client_dir).expect("client dir");
    let aria2_port = free_port();
    let _aria2 = start_aria2_on(
        &client_dir,
        &torrent.path,
        &bad_dir,
        true,
        aria2_port,
        false,
    );
    let (_libtorrent, port) =
        lt_interop::start_libtorrent_seed(&torrent.path, &dir.path().join("seed"), 0);
    let honest = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let liar = std::net::SocketAddr::from(([127, 0, 0, 1], aria2_port));
    // Wait until aria2 listens (it starts slowly on a busy machine).
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(liar).await.is_err() {
        assert!(Instant::now() < deadline, "aria2 never listened on {liar}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    settings.alert_mask = lt_session::AlertCategory::ALL;
    settings.min_reconnect_time = Duration::from_secs(1);
    let session = Session::new(SessionParams::new(settings)).expect("a session");
    let out = dir.path().join("out");
    // aria2 alone first: its corrupt pieces cost it its trust, and it is banned.
    let handle = session
        .add_torrent(AddTorrentParams {
            ti: Some(Arc::new(torrent.info.clone())),
            save_path: out.to_str().expect("utf-8").to_owned(),
            peers: vec![liar],
            ..AddTorrentParams::default()
        })
        .expect("add the torrent");
    let mut alerts = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while !alerts
            .iter()
            .any(|alert: &lt_session::Alert| alert.what() == "peer_ban")
        {
            alerts.extend(session.pop_alerts());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("aria2 was never banned: {:?}", handle.status()));
    // Then the honest libtorrent seed delivers everything.
    handle.connect_peer(honest).expect("connect");
    let status = tokio::time::timeout(Duration::from_secs(60), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 60 s: {:?}", handle.status()))
        .expect("finished");
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
    alerts.extend(session.pop_alerts());
    let failures = alerts.iter().filter(|a| a.what() == "hash_failed").count();
    let banned: Vec<_> = alerts
        .iter()
        .filter_map(|alert| match alert.kind {
            lt_session::AlertKind::PeerBan { endpoint, .. } => Some(endpoint),
            _ => None,
        })
        .collect();
    assert_eq!(failures as u32, status.num_hash_failures);
    assert!(failures >= 4, "{failures} hash failures");
    assert_eq!(banned, [liar]);
}
