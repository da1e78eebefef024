//! `CreateTorrent` gives the same info-hashes as libtorrent 2.x's `create_torrent` (Python
//! binding) for the same files and options: v1, v2 and hybrid, on several trees.

use std::path::Path;

use lt_interop::{run_libtorrent_python, seeded_bytes, TempDir};
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};

const MAKE_WITH_LIBTORRENT: &str = r#"
import libtorrent as lt, sys, os
path, mode, piece = sys.argv[1], sys.argv[2], int(sys.argv[3])
fs = lt.file_storage()
lt.add_files(fs, path)
flags = {'v1': lt.create_torrent.v1_only, 'v2': lt.create_torrent.v2_only, 'hybrid': 0}[mode]
ct = lt.create_torrent(fs, piece, flags)
lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
ti = lt.torrent_info(ct.generate())
ih = ti.info_hashes()
print(str(ih.v1) if ih.has_v1() else '-', str(ih.v2) if ih.has_v2() else '-', ti.piece_length(), ti.num_files())
"#;

fn write(root: &Path, relative: &str, size: usize, seed: u64) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, seeded_bytes(seed, size)).unwrap();
}

/// (libtorrent's v1 hash, v2 hash, piece length, file count) for `path`.
fn libtorrent_hashes(path: &Path, kind: TorrentKind, piece: u32) -> String {
    let mode = match kind {
        TorrentKind::V1 => "v1",
        TorrentKind::V2 => "v2",
        TorrentKind::Hybrid => "hybrid",
    };
    run_libtorrent_python(
        MAKE_WITH_LIBTORRENT,
        &[path.to_str().unwrap(), mode, &piece.to_string()],
    )
    .trim()
    .to_string()
}

fn our_hashes(path: &Path, kind: TorrentKind, piece: u32) -> String {
    let mut torrent = CreateTorrent::from_path(path, kind, (piece != 0).then_some(piece)).unwrap();
    torrent.hash_pieces(|_, _| {}).unwrap();
    let loaded = TorrentInfo::from_bytes(&torrent.generate_bytes().unwrap()).unwrap();
    let hashes = loaded.info_hashes();
    format!(
        "{} {} {} {}",
        hashes.v1.map_or("-".to_string(), |h| h.to_string()),
        hashes.v2.map_or("-".to_string(), |h| h.to_string()),
        loaded.piece_length(),
        loaded.num_files()
    )
}

fn compare_all_kinds(path: &Path, piece_sizes: &[u32]) {
    for &piece in piece_sizes {
        for kind in [TorrentKind::V1, TorrentKind::V2, TorrentKind::Hybrid] {
            let theirs = libtorrent_hashes(path, kind, piece);
            let ours = our_hashes(path, kind, piece);
            assert_eq!(
                ours,
                theirs,
                "{} as {kind:?} with piece size {piece}",
                path.display()
            );
        }
    }
}

#[test]
fn one_file() {
    let dir = TempDir::new("create-one");
    write(dir.path(), "single.bin", 100_000, 1);
    compare_all_kinds(&dir.path().join("single.bin"), &[0, 32768]);
}

#[test]
fn a_file_exactly_one_piece_long() {
    let dir = TempDir::new("create-exact");
    write(dir.path(), "exact.bin", 16384, 2);
    compare_all_kinds(&dir.path().join("exact.bin"), &[0]);
    let tree = TempDir::new("create-exact-tree");
    write(tree.path(), "t/a.bin", 32768, 3);
    write(tree.path(), "t/b.bin", 32768, 4);
    compare_all_kinds(&tree.path().join("t"), &[32768]);
}

#[test]
fn nested_folders_empty_files_and_a_trailing_empty_file() {
    let dir = TempDir::new("create-nested");
    let root = dir.path().join("tree");
    write(&root, "a.bin", 100_000, 5);
    write(&root, "sub/exact.bin", 16384, 6);
    write(&root, "sub/empty.txt", 0, 0);
    write(&root, "sub/deeper/z.dat", 5000, 7);
    write(&root, "sub/deeper/more/w", 70_000, 8);
    write(&root, "zz_trailing_empty", 0, 0);
    compare_all_kinds(&root, &[0, 16384, 65536]);
}

#[test]
fn executable_files_and_many_pieces() {
    let dir = TempDir::new("create-exec");
    let root = dir.path().join("exec");
    write(&root, "run.sh", 3000, 9);
    write(&root, "big.bin", 1_300_000, 10);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("run.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    compare_all_kinds(&root, &[0, 262_144]);
}
