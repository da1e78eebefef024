//! Resume data and file priorities, between two lt sessions on 127.0.0.1: resume data saved
//! after a download loads back (through lt-metainfo's libtorrent-format writer and reader)
//! and its pieces are trusted without reading the files, unless a file is missing; a file at
//! priority 0 is never created and the torrent ends `Finished`, not `Seeding`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lt_metainfo::{read_resume_data, write_resume_data_buf, LoadTorrentLimits, TorrentInfo};
use lt_session::{AddTorrentParams, Session, SessionParams, TorrentHandle, TorrentState};

mod common;
use common::{loopback, make_multi_file_torrent, params, test_bytes, TempDir};

const FILES: &[(&str, usize)] = &[
    ("a.bin", 100_000),
    ("skip/b.bin", 200_000),
    ("c.bin", 70_000),
];

/// A session seeding `info` from `dir/src`, and its address.
async fn seed(info: &Arc<TorrentInfo>, dir: &Path) -> (Session, SocketAddr) {
    let seeder = Session::new(SessionParams::new(loopback())).expect("seed session");
    let addr = seeder.listen_addrs()[0];
    let handle = seeder
        .add_torrent(params(info, &dir.join("src"), Vec::new()))
        .expect("add the seed");
    handle.wait_finished().await.expect("checked");
    (seeder, addr)
}

async fn finish(handle: &TorrentHandle) -> lt_session::TorrentStatus {
    tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .unwrap_or_else(|_| panic!("no finish in 20 s: {:?}", handle.status()))
        .expect("finished")
}

/// `params` through libtorrent's resume format and back, with the metadata set again.
fn round_trip(params: &AddTorrentParams, info: &Arc<TorrentInfo>) -> AddTorrentParams {
    let bytes = write_resume_data_buf(params);
    let mut loaded = read_resume_data(&bytes, &LoadTorrentLimits::default()).expect("loads");
    loaded.ti = Some(Arc::clone(info));
    loaded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_data_is_trusted_while_the_files_are_there() {
    let dir = TempDir::new("resume-trusted");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let out = dir.0.join("out");
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let handle = session
        .add_torrent(params(&info, &out, vec![seed_addr]))
        .expect("add");
    finish(&handle).await;
    let resume = handle.save_resume_data().await.expect("resume data");
    assert_eq!(resume.have_pieces.count_ones(), info.num_pieces() as usize);
    assert_eq!(resume.info_hashes, info.info_hashes());
    assert_eq!(resume.save_path, out.to_str().expect("utf-8"));
    drop(session);

    // Same size, different bytes: resume data is believed (no piece is read), as in libtorrent.
    let a = out.join("multi/a.bin");
    std::fs::write(&a, vec![0u8; 100_000]).expect("overwrite");
    let again = Session::new(SessionParams::new(loopback())).expect("session");
    let handle = again
        .add_torrent(round_trip(&resume, &info))
        .expect("add from resume data");
    let status = finish(&handle).await;
    assert_eq!(status.state, TorrentState::Seeding);
    assert_eq!(status.total_payload_download, 0);
    drop(again);

    // A file missing: the claim cannot hold, every piece is hashed, and what is missing (or
    // wrong) is downloaded again.
    std::fs::remove_file(out.join("multi/c.bin")).expect("remove");
    let third = Session::new(SessionParams::new(loopback())).expect("session");
    let mut params = round_trip(&resume, &info);
    params.peers = vec![seed_addr];
    let handle = third.add_torrent(params).expect("add from resume data");
    let status = finish(&handle).await;
    assert_eq!(status.state, TorrentState::Seeding);
    assert!(status.total_payload_download >= 170_000, "{status:?}");
    for (index, (name, size)) in FILES.iter().enumerate() {
        let bytes = std::fs::read(out.join("multi").join(name)).expect("read");
        assert!(
            bytes == test_bytes(index as u32 + 1, *size),
            "{name} differs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_at_priority_zero_is_not_created() {
    let dir = TempDir::new("priority-zero");
    let info = make_multi_file_torrent(&dir.0, FILES);
    let (_seeder, seed_addr) = seed(&info, &dir.0).await;
    let out = dir.0.join("out");
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let mut add = params(&info, &out, vec![seed_addr]);
    // Files are sorted by path in the torrent: a.bin, c.bin, skip/b.bin.
    let skipped = info
        .files()
        .files()
        .iter()
        .position(|file| file.path().ends_with("b.bin"))
        .expect("b.bin is in the torrent");
    add.file_priorities = vec![4; info.num_files()];
    add.file_priorities[skipped] = 0;
    let handle = session.add_torrent(add).expect("add");
    let status = finish(&handle).await;
    assert_eq!(status.state, TorrentState::Finished);
    assert!(status.total_wanted < info.total_size());
    assert_eq!(status.progress, 1.0);
    assert!(
        !out.join("multi/skip/b.bin").exists(),
        "the skipped file was created"
    );
    for (index, (name, size)) in FILES.iter().enumerate() {
        if name.ends_with("b.bin") {
            continue;
        }
        let bytes = std::fs::read(out.join("multi").join(name)).expect("read");
        assert!(
            bytes == test_bytes(index as u32 + 1, *size),
            "{name} differs"
        );
    }
    let resume = handle.save_resume_data().await.expect("resume data");
    assert_eq!(resume.file_priorities[skipped], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_of_unfinished_pieces_are_not_downloaded_again() {
    let dir = TempDir::new("resume-unfinished");
    let (data, info) = common::make_torrent(&dir.0, 6 * common::PIECE as usize);
    let (_seeder, seed_addr) = {
        let seeder = Session::new(SessionParams::new(loopback())).expect("seed session");
        let addr = seeder.listen_addrs()[0];
        let handle = seeder
            .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
            .expect("add the seed");
        handle.wait_finished().await.expect("checked");
        (seeder, addr)
    };
    // On disk: pieces 0, 1, 4, 5 and the first 16 KiB block of piece 2; zeros elsewhere.
    let piece = common::PIECE as usize;
    let out = dir.0.join("out");
    std::fs::create_dir_all(&out).expect("out dir");
    let mut partial = vec![0u8; data.len()];
    for range in [
        0..2 * piece,
        4 * piece..6 * piece,
        2 * piece..2 * piece + 16384,
    ] {
        partial[range.clone()].copy_from_slice(&data[range]);
    }
    std::fs::write(out.join("data.bin"), &partial).expect("write");

    let mut resume = lt_metainfo::AddTorrentParams {
        info_hashes: info.info_hashes(),
        save_path: out.to_str().expect("utf-8").to_owned(),
        have_pieces: lt_core::Bitfield::new(6),
        ..lt_metainfo::AddTorrentParams::default()
    };
    for have in [0, 1, 4, 5] {
        resume.have_pieces.set(have);
    }
    let mut first_block = lt_core::Bitfield::new(2);
    first_block.set(0);
    resume
        .unfinished_pieces
        .insert(lt_core::PieceIndex::new(2), first_block);
    let mut add = round_trip(&resume, &info);
    add.peers = vec![seed_addr];
    add.flags = lt_metainfo::TorrentFlags::DEFAULT - lt_metainfo::TorrentFlags::AUTO_MANAGED;
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let handle = session.add_torrent(add).expect("add from resume data");
    // Paused after the check: its own resume data lists the same unfinished block.
    tokio::time::timeout(Duration::from_secs(10), async {
        while handle.status().state == TorrentState::CheckingFiles {
            handle.status_changed().await.expect("running");
        }
    })
    .await
    .expect("checked");
    let saved = handle.save_resume_data().await.expect("resume data");
    assert_eq!(
        saved.unfinished_pieces, resume.unfinished_pieces,
        "{:?}",
        saved.unfinished_pieces
    );
    handle.resume().expect("resume");
    let status = finish(&handle).await;
    assert_eq!(status.state, TorrentState::Seeding);
    // Piece 3 and the second block of piece 2: nothing else.
    assert_eq!(status.total_payload_download, (piece + 16384) as u64);
    assert_eq!(std::fs::read(out.join("data.bin")).expect("read"), data);
}
