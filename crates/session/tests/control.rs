//! The handle's calls on a running torrent, between two lt sessions on 127.0.0.1: pause and
//! resume, remove with and without deleting files, force recheck, file priorities at run time,
//! file progress, peer info, move storage and rename file, each with its alerts.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lt_metainfo::{TorrentFlags, TorrentInfo};
use lt_session::{
    AlertCategory, Session, SessionParams, TorrentHandle, TorrentState, TorrentStatus,
};

mod common;
use common::{loopback, make_multi_file_torrent, params, test_bytes, TempDir, PIECE};

const FILES: &[(&str, usize)] = &[("one.bin", 90_000), ("two/two.bin", 150_000)];

fn everything() -> lt_session::Settings {
    let mut settings = loopback();
    settings.alert_mask = AlertCategory::ALL;
    settings
}

async fn seed(info: &Arc<TorrentInfo>, dir: &Path) -> (Session, SocketAddr) {
    let seeder = Session::new(SessionParams::new(loopback())).expect("seed session");
    let addr = seeder.listen_addrs()[0];
    let handle = seeder
        .add_torrent(params(info, &dir.join("src"), Vec::new()))
        .expect("add the seed");
    handle.wait_finished().await.expect("checked");
    (seeder, addr)
}

/// Waits (10 s at most) for a status that satisfies `done`.
async fn until(handle: &TorrentHandle, done: impl Fn(&TorrentStatus) -> bool) -> TorrentStatus {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let status = handle.status();
            if done(&status) {
                return status;
            }
            handle.status_changed().await.expect("running");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("condition not met: {:?}", handle.status()))
}

fn has_alert(session: &Session, what: &str) -> bool {
    session
        .pop_alerts()
        .iter()
        .any(|alert| alert.what() == what)
}

fn check_files(out: &Path) {
    for (index, (name, size)) in FILES.iter().enumerate() {
        let bytes = std::fs::read(out.join("multi").join(name)).expect("read");
        assert!(
            bytes == test_bytes(index as u32 + 1, *size),
            "{name} differs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_torrent_waits_until_resumed() {
    let dir = TempDir::new("control-pause");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let mut add = params(&info, &dir.0.join("out"), vec![seed_addr]);
    add.flags = TorrentFlags::DEFAULT - TorrentFlags::AUTO_MANAGED;
    let handle = session.add_torrent(add).expect("add paused");
    let status = until(&handle, |status| status.state == TorrentState::Downloading).await;
    assert!(status.paused);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = handle.status();
    assert_eq!((status.num_pieces, status.num_peers), (0, 0), "{status:?}");

    handle.resume().expect("resume");
    until(&handle, |status| status.state == TorrentState::Seeding).await;
    assert!(has_alert(&session, "torrent_resumed"));
    check_files(&dir.0.join("out"));

    handle.pause().expect("pause");
    let status = until(&handle, |status| status.paused).await;
    assert_eq!(status.num_peers + status.num_connecting, 0);
    assert!(has_alert(&session, "torrent_paused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_torrent_can_delete_the_files() {
    let dir = TempDir::new("control-remove");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let out = dir.0.join("out");
    let handle = session
        .add_torrent(params(&info, &out, vec![seed_addr]))
        .expect("add");
    handle.wait_finished().await.expect("finished");
    session
        .remove_torrent(&handle, true)
        .await
        .expect("removed");
    assert!(session
        .find_torrent(&info.info_hashes().get_best())
        .is_none());
    assert!(!out.join("multi/one.bin").exists());
    assert!(!out.join("multi/two/two.bin").exists());
    let names: Vec<_> = session.pop_alerts().iter().map(|a| a.what()).collect();
    assert!(names.contains(&"torrent_removed"), "{names:?}");
    assert!(names.contains(&"torrent_deleted"), "{names:?}");
    assert!(handle.pause().is_err(), "the handle is dead");

    // Without deleting, the files stay; the torrent can be added again.
    let handle = session
        .add_torrent(params(&info, &out, vec![seed_addr]))
        .expect("add again");
    handle.wait_finished().await.expect("finished");
    session
        .remove_torrent(&handle, false)
        .await
        .expect("removed");
    check_files(&out);
    assert!(session.remove_torrent(&handle, false).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_recheck_finds_a_damaged_piece_and_fetches_it_again() {
    let dir = TempDir::new("control-recheck");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let out = dir.0.join("out");
    let handle = session
        .add_torrent(params(&info, &out, vec![seed_addr]))
        .expect("add");
    let first = handle.wait_finished().await.expect("finished");
    // Damage the first byte of one.bin (piece 0).
    let path = out.join("multi/one.bin");
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[0] ^= 0xff;
    std::fs::write(&path, bytes).expect("write");
    handle.force_recheck().expect("recheck");
    let status = until(&handle, |status| {
        status.state == TorrentState::Seeding
            && status.total_payload_download > first.total_payload_download
    })
    .await;
    assert_eq!(
        status.total_payload_download,
        first.total_payload_download + u64::from(PIECE)
    );
    check_files(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_progress_peers_move_and_rename() {
    let dir = TempDir::new("control-misc");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let out = dir.0.join("out");
    let mut add = params(&info, &out, vec![seed_addr]);
    let index_of = |name: &str| {
        info.files()
            .files()
            .iter()
            .position(|file| file.path().ends_with(name))
            .expect("in the torrent")
    };
    let (one, two) = (index_of("one.bin"), index_of("two.bin"));
    let mut priorities = vec![4; 2];
    priorities[two] = 0;
    add.file_priorities = priorities.clone();
    let handle = session.add_torrent(add).expect("add");
    let status = handle.wait_finished().await.expect("finished");
    assert_eq!(status.state, TorrentState::Finished);
    assert!(!out.join("multi/two/two.bin").exists());
    let progress = handle.file_progress().await.expect("progress");
    assert_eq!(progress[one], 90_000);
    assert!(progress[two] < 150_000);
    assert_eq!(
        handle.get_file_priorities().await.expect("priorities"),
        priorities
    );

    let peers = handle.get_peer_info().await.expect("peers");
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].ip, seed_addr);
    assert!(peers[0].seed && !peers[0].incoming);
    assert!(peers[0].total_download >= 90_000);
    assert!(!peers[0].client.is_empty(), "{peers:?}");

    // Wanting the second file again downloads it.
    handle.prioritize_files(vec![4, 4]).expect("prioritize");
    until(&handle, |status| status.state == TorrentState::Seeding).await;
    check_files(&out);
    let progress = handle.file_progress().await.expect("progress");
    assert_eq!((progress[one], progress[two]), (90_000, 150_000));

    let moved = dir.0.join("moved");
    handle
        .move_storage(&moved, lt_storage::MoveFlags::AlwaysReplaceFiles)
        .expect("move");
    until(&handle, |status| status.save_path == moved).await;
    check_files(&moved);
    assert!(!out.join("multi/one.bin").exists());
    assert!(has_alert(&session, "storage_moved"));

    handle
        .rename_file(lt_core::FileIndex::new(one as u32), "multi/renamed.bin")
        .expect("rename");
    tokio::time::timeout(Duration::from_secs(10), async {
        while !moved.join("multi/renamed.bin").exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("renamed in time");
    assert!(!moved.join("multi/one.bin").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_error_pauses_and_resume_recovers() {
    let dir = TempDir::new("control-disk-error");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    // The save path is a regular file: nothing can be created under it.
    let out = dir.0.join("out");
    std::fs::write(&out, b"in the way").expect("write");
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let handle = session
        .add_torrent(params(&info, &out, vec![seed_addr]))
        .expect("add");
    let status = until(&handle, |status| status.error.is_some()).await;
    assert!(status.paused, "{status:?}");
    let names: Vec<_> = session.pop_alerts().iter().map(|a| a.what()).collect();
    assert!(names.contains(&"torrent_error"), "{names:?}");
    assert!(names.contains(&"torrent_paused"), "{names:?}");

    // Fixed: resume clears the error, checks again and downloads.
    std::fs::remove_file(&out).expect("remove");
    handle.resume().expect("resume");
    until(&handle, |status| status.error.is_none()).await;
    let status = tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished after resume");
    assert_eq!(status.state, TorrentState::Seeding);
    assert!(!status.paused && status.error.is_none());
    check_files(&out);
}
