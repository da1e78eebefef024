//! Loading arbitrary bytes as a .torrent: never panics, and whatever loads is safe to store:
//! every path is relative, with no empty, `.` or `..` component, and the layout adds up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lt_core::{FileIndex, PieceIndex};
use lt_metainfo::{LoadTorrentLimits, TorrentInfo};

fuzz_target!(|data: &[u8]| {
    let limits = LoadTorrentLimits { max_pieces: 1 << 16, ..LoadTorrentLimits::default() };
    let Ok(torrent) = TorrentInfo::from_bytes_with(data, &limits) else { return };
    let files = torrent.files();
    let mut offset = 0u64;
    for (index, file) in files.files().iter().enumerate() {
        let path = std::path::Path::new(file.path());
        assert!(!file.path().is_empty());
        assert!(
            path.components().all(|c| matches!(c, std::path::Component::Normal(_))),
            "unsafe path {:?}",
            file.path()
        );
        assert!(!file.path().contains('\0'));
        assert_eq!(file.offset(), offset);
        offset += file.size();
        if let Some(target) = files.symlink(FileIndex::new(index as u32)) {
            let target = std::path::Path::new(&target);
            assert!(target.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }
    assert_eq!(offset, torrent.total_size());
    assert!(torrent.total_size() > 0);
    let pieces = torrent.num_pieces();
    assert_eq!(u64::from(pieces), torrent.total_size().div_ceil(u64::from(torrent.piece_length())));
    let last = PieceIndex::new(pieces - 1);
    let mapped: u64 = torrent.map_block(last, 0, u64::from(torrent.piece_size(last))).iter().map(|s| s.size).sum();
    assert_eq!(mapped, u64::from(torrent.piece_size(last)));
    // v1 torrents always carry piece hashes (hybrids may leave them to the v2 layers).
    if torrent.is_v1() && !torrent.is_v2() {
        assert!(torrent.hash_for_piece(last).is_some());
    }
});
