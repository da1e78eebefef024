//! Peers found through a real opentracker on 127.0.0.1, never given by hand: lt-session
//! announces (`started` once its files are checked, `completed` when it finishes) and dials
//! the peers the tracker returns, skipping itself. Our seed to our downloader over HTTP and UDP
//! announces; a libtorrent 2.1.1 seeder to our downloader, and to `lt download` given no
//! peer; our seed to a libtorrent downloader.

use std::sync::Arc;
use std::time::Duration;

use lt_interop::{compare_files, LibtorrentProcess, Opentracker, TempDir, TestTorrent};
use lt_session::{AddTorrentParams, Session, SessionParams, Settings, TorrentHandle, TorrentState};

const FILES: &[(&str, usize)] = &[("a.bin", 900_000), ("b/c.bin", 333_333)];

fn loopback_session() -> Session {
    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    Session::new(SessionParams::new(settings)).expect("a session")
}

fn add(
    session: &Session,
    info: &lt_metainfo::TorrentInfo,
    save: &std::path::Path,
) -> TorrentHandle {
    session
        .add_torrent(AddTorrentParams {
            ti: Some(Arc::new(info.clone())),
            save_path: save.to_str().expect("utf-8").to_owned(),
            ..AddTorrentParams::default()
        })
        .expect("add the torrent")
}

async fn finish(handle: &TorrentHandle, seconds: u64) -> lt_session::TorrentStatus {
    tokio::time::timeout(Duration::from_secs(seconds), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in {seconds} s: {:?}", handle.status()))
        .expect("finished")
}

/// Our seed announces first, then our downloader, which learns the seed from the tracker.
async fn ours_to_ours(udp: bool, name: &str) {
    let dir = TempDir::new(name);
    let (tracker, torrent) =
        lt_interop::tracked_test_torrent(&dir.path().join("seed"), FILES, 5, udp);
    let url = if udp {
        tracker.udp_url()
    } else {
        tracker.http_url()
    };

    let seeder = loopback_session();
    let seed = add(&seeder, &torrent.info, &dir.path().join("seed"));
    finish(&seed, 10).await;
    // Wait until the seed's `started` was accepted, so the tracker knows it.
    // Our seed's `started` must have reached the tracker.
    tracker
        .wait_for_swarm(torrent.info.info_hashes().v1.expect("v1"), 1, 0)
        .await;
    let status = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let status = seed.status();
            if status.current_tracker.is_some() {
                return status;
            }
            seed.status_changed().await.expect("seeding");
        }
    })
    .await
    .expect("the seed's status names its tracker");
    assert_eq!(status.current_tracker.as_deref(), Some(url.as_str()));

    let downloader = loopback_session();
    let out = dir.path().join("out");
    let handle = add(&downloader, &torrent.info, &out);
    let status = finish(&handle, 30).await;
    assert_eq!(status.state, TorrentState::Seeding);
    assert_eq!(status.current_tracker.as_deref(), Some(url.as_str()));
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_downloader_finds_our_seed_through_an_http_tracker() {
    ours_to_ours(false, "swarm-http").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_downloader_finds_our_seed_through_a_udp_tracker() {
    ours_to_ours(true, "swarm-udp").await;
}

/// libtorrent with the tracker only: seeds (`seed`) or downloads (`download`) `argv[2]` with
/// save path `argv[3]`; prints `ready` once checked and `done` once a seed. Never lives past
/// 60 s.
const LIBTORRENT_SCRIPT: &str = r#"
import sys, time
import libtorrent as lt

ses = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    "allow_multiple_connections_per_ip": True,
    "announce_to_all_trackers": True,
})
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(sys.argv[2])
atp.save_path = sys.argv[3]
atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
atp.flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
h = ses.add_torrent(atp)
deadline = time.time() + 60
ready = False
while time.time() < deadline:
    s = h.status()
    if not ready and s.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data):
        ready = True
        print("ready", flush=True)
    if s.is_seeding and sys.argv[1] == "download":
        print("done", flush=True)
        break
    time.sleep(0.05)
time.sleep(0.2)
"#;

/// A test torrent under `dir/seed` (data from `seed`) on a fresh opentracker, seeded by
/// libtorrent (`LIBTORRENT_SCRIPT`), returned once libtorrent's `started` announce reached the
/// tracker. Both processes end when their values are dropped.
async fn libtorrent_seed_on_tracker(
    dir: &TempDir,
    seed: u64,
) -> (Opentracker, TestTorrent, LibtorrentProcess) {
    let seed_dir = dir.path().join("seed");
    let (tracker, torrent) = lt_interop::tracked_test_torrent(&seed_dir, FILES, seed, false);
    let seed_path = seed_dir.to_str().expect("utf-8").to_owned();
    let libtorrent =
        LibtorrentProcess::start(LIBTORRENT_SCRIPT, &["seed", &torrent.path, &seed_path]);
    libtorrent
        .wait_for_line(|line| line == "ready", Duration::from_secs(20))
        .expect("libtorrent checked its files");
    tracker
        .wait_for_swarm(torrent.info.info_hashes().v1.expect("v1"), 1, 0)
        .await;
    (tracker, torrent, libtorrent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_downloader_finds_a_libtorrent_seed_through_the_tracker() {
    let dir = TempDir::new("swarm-lt-seed");
    let (_tracker, torrent, _libtorrent) = libtorrent_seed_on_tracker(&dir, 9).await;

    let session = loopback_session();
    let out = dir.path().join("out");
    let handle = add(&session, &torrent.info, &out);
    finish(&handle, 30).await;
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_libtorrent_downloader_finds_our_seed_through_the_tracker() {
    let dir = TempDir::new("swarm-lt-download");
    let seed_dir = dir.path().join("seed");
    let (tracker, torrent) = lt_interop::tracked_test_torrent(&seed_dir, FILES, 13, false);
    let session = loopback_session();
    let seed = add(&session, &torrent.info, &seed_dir);
    finish(&seed, 10).await;
    // Our seed's `started` must have reached the tracker.
    tracker
        .wait_for_swarm(torrent.info.info_hashes().v1.expect("v1"), 1, 0)
        .await;

    let out = dir.path().join("libtorrent");
    let out_path = out.to_str().expect("utf-8").to_owned();
    let mut libtorrent =
        LibtorrentProcess::start(LIBTORRENT_SCRIPT, &["download", &torrent.path, &out_path]);
    // libtorrent's files are complete once it has exited, not when it says it is a seed.
    let done = tokio::task::spawn_blocking(move || {
        let done = libtorrent.wait_for_line(|line| line == "done", Duration::from_secs(60));
        done.filter(|_| libtorrent.wait_for_exit(Duration::from_secs(20)))
    })
    .await
    .expect("the waiting thread");
    assert!(
        done.is_some(),
        "libtorrent did not finish; our seed: {:?}",
        seed.status()
    );
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lt_download_finds_a_libtorrent_seed_through_the_tracker_alone() {
    let dir = TempDir::new("swarm-cli");
    let (_tracker, torrent, _libtorrent) = libtorrent_seed_on_tracker(&dir, 17).await;

    // No --peer: the torrent's tracker is the only way to the seed.
    let out = dir.path().join("out");
    let child = std::process::Command::new(lt_interop::lt_binary())
        .args(["download", &torrent.path, "--listen", "127.0.0.1:0", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.txt")).expect("a log file"))
        .spawn()
        .expect("start lt download");
    let mut child = lt_interop::KillOnDrop(child);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait for lt") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "lt download did not finish in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
    assert!(status.success(), "lt download failed: {stderr}");
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("identical");
}
