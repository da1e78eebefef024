//! Helpers shared by the session's integration tests: temporary directories, generated
//! torrents and add-torrent parameters.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};
use lt_session::AddTorrentParams;

pub const PIECE: u32 = 32 * 1024;

/// A fresh directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("lt-session-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `dir/src/data.bin` of `length` pseudo-random bytes and its v1 torrent in 32 KiB pieces.
pub fn make_torrent(dir: &Path, length: usize) -> (Vec<u8>, Arc<TorrentInfo>) {
    make_torrent_of_kind(dir, length, TorrentKind::V1)
}

/// [`make_torrent`] as a v1, v2 or hybrid torrent.
pub fn make_torrent_of_kind(
    dir: &Path,
    length: usize,
    kind: TorrentKind,
) -> (Vec<u8>, Arc<TorrentInfo>) {
    let mut state = 0x1234_5678_u32;
    let data: Vec<u8> = (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let source = dir.join("src");
    std::fs::create_dir_all(&source).expect("create src");
    let file = source.join("data.bin");
    std::fs::write(&file, &data).expect("write the data");
    let mut torrent = CreateTorrent::from_path(&file, kind, Some(PIECE)).expect("create");
    torrent.hash_pieces(|_, _| {}).expect("hash");
    let bytes = torrent.generate_bytes().expect("generate");
    (
        data,
        Arc::new(TorrentInfo::from_bytes(&bytes).expect("load")),
    )
}

pub fn params(info: &Arc<TorrentInfo>, save: &Path, peers: Vec<SocketAddr>) -> AddTorrentParams {
    AddTorrentParams {
        ti: Some(Arc::clone(info)),
        save_path: save.to_str().expect("utf-8").to_owned(),
        peers,
        ..AddTorrentParams::default()
    }
}

/// Deterministic bytes for test files.
pub fn test_bytes(seed: u32, length: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// `dir/src/multi/<name>` for each of `files` (name, size) and their v1 torrent in 32 KiB
/// pieces (the torrent's directory is `multi`).
pub fn make_multi_file_torrent(dir: &Path, files: &[(&str, usize)]) -> Arc<TorrentInfo> {
    let root = dir.join("src").join("multi");
    for (index, (name, size)) in files.iter().enumerate() {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(&path, test_bytes(index as u32 + 1, *size)).expect("write");
    }
    let mut torrent =
        CreateTorrent::from_path(&root, TorrentKind::V1, Some(PIECE)).expect("create");
    torrent.hash_pieces(|_, _| {}).expect("hash");
    let bytes = torrent.generate_bytes().expect("generate");
    Arc::new(TorrentInfo::from_bytes(&bytes).expect("load"))
}

/// Settings that listen on a free loopback port only.
pub fn loopback() -> lt_session::Settings {
    let mut settings = lt_session::Settings::default();
    settings.listen_interfaces = "127.0.0.1:0".to_owned();
    settings
}
