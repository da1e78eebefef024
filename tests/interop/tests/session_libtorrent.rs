//! lt-session downloads from libtorrent 2.x (its Python binding) seeding on 127.0.0.1, over
//! plaintext TCP: a generated multi-file torrent, v1 and hybrid (pad files), must come out
//! byte-identical; a second run on the same directory finds every piece on disk and downloads
//! nothing.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lt_interop::{make_test_torrent, start_libtorrent_seed, LibtorrentProcess, TempDir};
use lt_metainfo::{TorrentInfo, TorrentKind};
use lt_session::{AddTorrentParams, Session, SessionParams, TorrentState};

/// The files of the generated torrent: (path under the torrent's directory, size).
const FILES: &[(&str, usize)] = &[
    ("a.bin", 1_500_000),
    ("sub/b.bin", 2 * 1024 * 1024 + 100),
    ("sub/deeper/c.bin", 300_000),
    ("z.txt", 17),
];

/// Writes the files under `root/payload` and makes a torrent of them in 64 KiB pieces.
fn make_torrent(root: &Path, kind: TorrentKind) -> (TorrentInfo, String) {
    let torrent = make_test_torrent(root, FILES, 91, kind, 64 * 1024, &[]);
    (torrent.info, torrent.path)
}

fn start_seed(torrent: &str, save: &Path) -> (LibtorrentProcess, u16) {
    start_libtorrent_seed(torrent, save, 0)
}

fn params(info: &TorrentInfo, save: &Path, peers: Vec<SocketAddr>) -> AddTorrentParams {
    AddTorrentParams {
        ti: Some(Arc::new(info.clone())),
        save_path: save.to_str().expect("utf-8 path").to_owned(),
        peers,
        ..AddTorrentParams::default()
    }
}

async fn download_from_libtorrent(kind: TorrentKind, name: &str) {
    let dir = TempDir::new(name);
    let seed_dir = dir.path().join("seed");
    let download_dir = dir.path().join("download");
    let (info, torrent) = make_torrent(&seed_dir, kind);
    let (_libtorrent, port) = start_seed(&torrent, &seed_dir);

    let started = Instant::now();
    let session = Session::new(SessionParams::default()).expect("a session");
    let peer = SocketAddr::from(([127, 0, 0, 1], port));
    let handle = session
        .add_torrent(params(&info, &download_dir, vec![peer]))
        .expect("add the torrent");
    let status = tokio::time::timeout(Duration::from_secs(30), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 30 s: {:?}", handle.status()))
        .expect("the download finishes");
    let elapsed = started.elapsed();
    assert_eq!(status.state, TorrentState::Seeding);
    assert_eq!(status.num_pieces, info.num_pieces());
    assert_eq!(status.num_hash_failures, 0);
    let total: usize = FILES.iter().map(|(_, size)| size).sum();
    for (relative, _) in FILES {
        let ours = std::fs::read(download_dir.join("payload").join(relative)).expect("our file");
        let theirs = std::fs::read(seed_dir.join("payload").join(relative)).expect("the seed's");
        assert!(ours == theirs, "{relative} differs");
    }
    eprintln!(
        "{name}: {total} bytes in {} pieces from libtorrent in {elapsed:?} ({} payload bytes)",
        info.num_pieces(),
        status.total_payload_download
    );

    // A second run over the same files finds every piece and downloads nothing.
    let again = Session::new(SessionParams::default()).expect("a session");
    let handle = again
        .add_torrent(params(&info, &download_dir, Vec::new()))
        .expect("add the torrent again");
    let status = tokio::time::timeout(Duration::from_secs(10), handle.wait_finished())
        .await
        .expect("the check finishes")
        .expect("every piece is found on disk");
    assert_eq!(status.num_pieces, info.num_pieces());
    assert_eq!(status.total_payload_download, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_v1_multi_file_from_libtorrent() {
    download_from_libtorrent(TorrentKind::V1, "session-v1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_hybrid_multi_file_from_libtorrent() {
    download_from_libtorrent(TorrentKind::Hybrid, "session-hybrid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_v2_multi_file_from_libtorrent() {
    download_from_libtorrent(TorrentKind::V2, "session-v2").await;
}

/// A file at priority 0 is not downloaded and not created; the others come out identical and
/// the torrent ends `Finished` (not `Seeding`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_at_priority_zero_is_skipped() {
    let dir = TempDir::new("session-priority-zero");
    let seed_dir = dir.path().join("seed");
    let download_dir = dir.path().join("download");
    let (info, torrent) = make_torrent(&seed_dir, TorrentKind::V1);
    let (_libtorrent, port) = start_seed(&torrent, &seed_dir);
    let skipped = info
        .files()
        .files()
        .iter()
        .position(|file| file.path().ends_with("sub/b.bin"))
        .expect("sub/b.bin is in the torrent");
    let mut add = params(
        &info,
        &download_dir,
        vec![SocketAddr::from(([127, 0, 0, 1], port))],
    );
    add.file_priorities = vec![4; info.num_files()];
    add.file_priorities[skipped] = 0;
    let session = Session::new(SessionParams::default()).expect("a session");
    let handle = session.add_torrent(add).expect("add the torrent");
    let status = tokio::time::timeout(Duration::from_secs(30), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 30 s: {:?}", handle.status()))
        .expect("the download finishes");
    assert_eq!(status.state, TorrentState::Finished);
    assert!(status.total_payload_download < info.total_size());
    assert!(
        !download_dir.join("payload/sub/b.bin").exists(),
        "the skipped file exists"
    );
    for (relative, _) in FILES.iter().filter(|(path, _)| *path != "sub/b.bin") {
        let ours = std::fs::read(download_dir.join("payload").join(relative)).expect("our file");
        let theirs = std::fs::read(seed_dir.join("payload").join(relative)).expect("the seed's");
        assert!(ours == theirs, "{relative} differs");
    }
}
