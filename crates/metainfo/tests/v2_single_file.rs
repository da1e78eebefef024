//! A single-file v2 torrent: libtorrent models its alignment as a tail pad file `NAME/.pad/N`
//! after the file `NAME`, and the file keeps its name (a pad file's directory is no directory
//! of the torrent).

use lt_core::FileIndex;
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};

#[test]
fn the_file_keeps_its_name_next_to_its_tail_pad() {
    let dir = std::env::temp_dir().join(format!("lt-metainfo-v2-single-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("data.bin");
    std::fs::write(&file, vec![7u8; 100_000]).expect("write");
    let mut create =
        CreateTorrent::from_path(&file, TorrentKind::V2, Some(32 * 1024)).expect("create");
    create.hash_pieces(|_, _| {}).expect("hash");
    let info = TorrentInfo::from_bytes(&create.generate_bytes().expect("generate")).expect("load");
    let files = info.files();
    assert_eq!(files.num_files(), 2);
    assert_eq!(files.file_path(FileIndex::new(0)), "data.bin");
    assert_eq!(files.file_size(FileIndex::new(0)), 100_000);
    assert_eq!(files.file_path(FileIndex::new(1)), "data.bin/.pad/31072");
    assert_eq!(info.total_size(), 4 * 32 * 1024);
    let _ = std::fs::remove_dir_all(dir);
}
