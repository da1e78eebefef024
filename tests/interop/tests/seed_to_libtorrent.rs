//! libtorrent 2.x (its Python binding) downloads from an lt-session seeding on 127.0.0.1: our
//! session checks the files, accepts libtorrent's incoming connection, unchokes it and serves
//! every block from disk. Plaintext, and with libtorrent forcing RC4 (MSE responder on our
//! side). libtorrent's files must hash like the seed's.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lt_interop::{make_test_torrent, seeded_bytes, LibtorrentProcess, TempDir};
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};
use lt_session::{AddTorrentParams, Session, SessionParams, Settings, TorrentState};

/// Downloads `argv[1]` (a .torrent, or a magnet link: the metadata then comes from the peer)
/// into `argv[2]` from the peer `127.0.0.1:argv[3]` with
/// the encryption policy `argv[4]` (`plain` or `rc4`); prints `done BYTES` once it is a seed,
/// then hashes nothing itself (the test compares the files). Never lives past 60 s.
const DOWNLOAD_SCRIPT: &str = r#"
import sys, time
import libtorrent as lt

policy = sys.argv[4]
settings = {
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    "allow_multiple_connections_per_ip": True,
}
if policy == "rc4":
    settings["out_enc_policy"] = int(lt.enc_policy.pe_forced)
    settings["in_enc_policy"] = int(lt.enc_policy.pe_forced)
    settings["allowed_enc_level"] = int(lt.enc_level.pe_rc4)
    settings["prefer_rc4"] = True
else:
    settings["out_enc_policy"] = int(lt.enc_policy.pe_disabled)
    settings["in_enc_policy"] = int(lt.enc_policy.pe_disabled)
ses = lt.session(settings)
if sys.argv[1].startswith("magnet:"):
    atp = lt.parse_magnet_uri(sys.argv[1])
else:
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(sys.argv[1])
atp.save_path = sys.argv[2]
atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
atp.flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
h = ses.add_torrent(atp)
h.connect_peer(("127.0.0.1", int(sys.argv[3])))
deadline = time.time() + 60
while time.time() < deadline:
    s = h.status()
    if s.is_seeding:
        print("done", s.total_payload_download, flush=True)
        break
    time.sleep(0.05)
else:
    print("timeout", h.status().progress, flush=True)
time.sleep(0.2)
"#;

/// The files of the generated torrent: (path under the torrent's directory, size).
const FILES: &[(&str, usize)] = &[
    ("one.bin", 1_234_567),
    ("dir/two.bin", 700_001),
    ("dir/three.txt", 3),
];

/// Writes the files under `root/payload` and makes a torrent of them in 32 KiB pieces.
fn make_torrent(root: &Path, kind: TorrentKind) -> (TorrentInfo, String) {
    let torrent = make_test_torrent(root, FILES, 17, kind, 32 * 1024, &[]);
    (torrent.info, torrent.path)
}

/// Waits for `DOWNLOAD_SCRIPT`'s `done` (or `timeout`) line, then for the process to exit, so
/// that libtorrent's files are written and closed when the test reads them.
fn finished(mut libtorrent: LibtorrentProcess) -> Option<String> {
    let line = libtorrent.wait_for_line(
        |line| line.starts_with("done ") || line.starts_with("timeout"),
        Duration::from_secs(70),
    )?;
    assert!(
        libtorrent.wait_for_exit(Duration::from_secs(20)),
        "libtorrent did not exit after `{line}`"
    );
    Some(line)
}

async fn seed_to_libtorrent(kind: TorrentKind, policy: &str, name: &str) {
    seed_to(kind, policy, name, false).await;
}

/// libtorrent downloads from our seed, given the .torrent or (`magnet`) only its magnet link.
async fn seed_to(kind: TorrentKind, policy: &str, name: &str, magnet: bool) {
    let dir = TempDir::new(name);
    let seed_dir = dir.path().join("seed");
    let download_dir = dir.path().join("libtorrent");
    let (info, torrent) = make_torrent(&seed_dir, kind);
    let torrent = if magnet {
        lt_metainfo::make_magnet(&info.to_magnet())
    } else {
        torrent
    };

    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    let session = Session::new(SessionParams::new(settings)).expect("a session");
    let port = session.listen_port().expect("listening").to_string();
    let handle = session
        .add_torrent(AddTorrentParams {
            ti: Some(Arc::new(info.clone())),
            save_path: seed_dir.to_str().expect("utf-8").to_owned(),
            ..AddTorrentParams::default()
        })
        .expect("add the torrent");
    let status = tokio::time::timeout(Duration::from_secs(10), handle.wait_finished())
        .await
        .expect("checked in time")
        .expect("checked");
    assert_eq!(status.state, TorrentState::Seeding);

    let download = download_dir.to_str().expect("utf-8");
    let libtorrent =
        LibtorrentProcess::start(DOWNLOAD_SCRIPT, &[&torrent, download, &port, policy]);
    let line = tokio::task::spawn_blocking(move || finished(libtorrent))
        .await
        .expect("the waiting thread")
        .expect("libtorrent reports");
    assert!(
        line.starts_with("done "),
        "libtorrent: {line}; ours: {:?}",
        handle.status()
    );
    for (relative, _) in FILES {
        let theirs = std::fs::read(download_dir.join("payload").join(relative)).expect("theirs");
        let ours = std::fs::read(seed_dir.join("payload").join(relative)).expect("ours");
        assert!(theirs == ours, "{relative} differs");
    }
    let total: u64 = FILES.iter().map(|(_, size)| *size as u64).sum();
    let mut status = handle.status();
    for _ in 0..20 {
        if status.total_payload_upload >= total {
            break;
        }
        status = handle.status_changed().await.expect("running");
    }
    assert!(status.total_payload_upload >= total, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_downloads_v1_from_our_seed() {
    seed_to_libtorrent(TorrentKind::V1, "plain", "seed-lt-v1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_downloads_hybrid_from_our_seed() {
    seed_to_libtorrent(TorrentKind::Hybrid, "plain", "seed-lt-hybrid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_downloads_over_rc4_from_our_seed() {
    seed_to_libtorrent(TorrentKind::V1, "rc4", "seed-lt-rc4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_downloads_v2_from_our_seed() {
    seed_to_libtorrent(TorrentKind::V2, "plain", "seed-lt-v2").await;
}

/// A single-file v2 torrent has a tail pad file (`NAME/.pad/N`) in libtorrent's model; the
/// file keeps its name on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_downloads_a_single_file_v2_torrent_from_our_seed() {
    let dir = TempDir::new("seed-lt-v2-single");
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir).expect("seed dir");
    let file = seed_dir.join("data.bin");
    std::fs::write(&file, seeded_bytes(77, 327_980)).expect("write");
    let mut create =
        CreateTorrent::from_path(&file, TorrentKind::V2, Some(32 * 1024)).expect("create");
    create.hash_pieces(|_, _| {}).expect("hash");
    let bytes = create.generate_bytes().expect("generate");
    let torrent = dir.path().join("single.torrent");
    std::fs::write(&torrent, &bytes).expect("write the .torrent");
    let info = TorrentInfo::from_bytes(&bytes).expect("loads");
    assert_eq!(
        info.files().file_path(lt_core::FileIndex::new(0)),
        "data.bin"
    );

    let mut settings = Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    let session = Session::new(SessionParams::new(settings)).expect("a session");
    let port = session.listen_port().expect("listening").to_string();
    let handle = session
        .add_torrent(AddTorrentParams {
            ti: Some(Arc::new(info)),
            save_path: seed_dir.to_str().expect("utf-8").to_owned(),
            ..AddTorrentParams::default()
        })
        .expect("add the torrent");
    let status = handle.wait_finished().await.expect("checked");
    assert_eq!(status.state, TorrentState::Seeding);

    let download_dir = dir.path().join("libtorrent");
    let libtorrent = LibtorrentProcess::start(
        DOWNLOAD_SCRIPT,
        &[
            torrent.to_str().expect("utf-8"),
            download_dir.to_str().expect("utf-8"),
            &port,
            "plain",
        ],
    );
    let line = tokio::task::spawn_blocking(move || finished(libtorrent))
        .await
        .expect("the waiting thread")
        .expect("libtorrent reports");
    assert!(line.starts_with("done "), "libtorrent: {line}");
    assert!(
        std::fs::read(download_dir.join("data.bin")).expect("theirs")
            == std::fs::read(&file).expect("ours")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_fetches_the_metadata_from_our_seed_given_a_magnet_link() {
    seed_to(TorrentKind::V1, "plain", "seed-lt-magnet", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_fetches_a_hybrid_torrents_metadata_from_our_seed() {
    seed_to(TorrentKind::Hybrid, "plain", "seed-lt-magnet-hybrid", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libtorrent_fetches_a_v2_torrents_metadata_and_hashes_from_our_seed() {
    seed_to(TorrentKind::V2, "plain", "seed-lt-magnet-v2", true).await;
}
