//! One body per behaviour, run over every backend (pread, mmap, in-memory).

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use common::{each_backend, multi_file, BACKENDS, DISK_BACKENDS};
use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::TorrentKind;
use lt_storage::{
    check_pieces, hash_block_v2, hash_piece, Backend, CheckOptions, DeleteMode, FastResumeStatus,
    HashKinds, MismatchReason, MoveFlags, SeedModeStorage, Storage, StorageError, StorageMode,
    StorageParams, DONT_DOWNLOAD,
};

fn all_set(have: &Bitfield) -> bool {
    have.all_set()
}

fn check(storage: &dyn Storage) -> Bitfield {
    check_pieces(storage, &CheckOptions::default()).unwrap()
}

#[test]
fn writes_read_back_and_recheck_passes_for_every_kind() {
    for kind in [TorrentKind::V1, TorrentKind::V2, TorrentKind::Hybrid] {
        let fixture = multi_file(kind);
        each_backend(&BACKENDS, |backend, save| {
            let storage = fixture.storage(backend, save);
            storage.initialize().unwrap();
            fixture.write_all(&storage);
            fixture.assert_reads_back(&storage);
            let have = check(&storage);
            assert!(all_set(&have), "{kind:?} {backend:?}: {have:?}");
            if backend != Backend::Memory {
                // Pad files never reach the disk.
                let pads = save.join("multi/.pad");
                assert!(!pads.exists(), "{kind:?}: pad files on disk");
                assert_eq!(
                    std::fs::read(save.join("multi/sub/b.bin")).unwrap(),
                    std::fs::read(fixture.source.path().join("multi/sub/b.bin")).unwrap()
                );
            }
        });
    }
}

/// Writes every piece with `write_blocks`: 16 KiB blocks, the first split unevenly.
fn write_all_as_blocks(fixture: &common::Fixture, storage: &dyn Storage) {
    for piece in 0..fixture.num_pieces() {
        let data = fixture.piece(piece);
        let (head, tail) = data.split_at(1000.min(data.len()));
        let mut blocks = vec![head];
        blocks.extend(tail.chunks(16 * 1024));
        storage
            .write_blocks(PieceIndex::new(piece), 0, &blocks)
            .unwrap();
    }
}

#[test]
fn blocks_written_together_read_back_for_every_kind() {
    // Pieces inside one file take the vectored write; pieces across files, pad files and
    // priority-0 files (the part file) take the block-by-block path.
    for kind in [TorrentKind::V1, TorrentKind::V2, TorrentKind::Hybrid] {
        let fixture = multi_file(kind);
        for priorities in [vec![4, 4, 4], vec![4, DONT_DOWNLOAD, 4]] {
            each_backend(&BACKENDS, |backend, save| {
                let storage = fixture.storage_with(StorageParams {
                    backend,
                    file_priorities: priorities.clone(),
                    ..StorageParams::new(save)
                });
                write_all_as_blocks(&fixture, &storage);
                fixture.assert_reads_back(&storage);
                assert!(check(&storage).all_set(), "{kind:?} {backend:?}");
                if backend != Backend::Memory && priorities[1] == 4 {
                    assert_eq!(
                        std::fs::read(save.join("multi/sub/b.bin")).unwrap(),
                        std::fs::read(fixture.source.path().join("multi/sub/b.bin")).unwrap()
                    );
                }
            });
        }
    }
}

#[test]
fn blocks_past_the_piece_are_refused() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        let block = vec![0u8; 16 * 1024];
        let error = storage
            .write_blocks(PieceIndex::new(0), 16 * 1024, &[&block, &block])
            .unwrap_err();
        assert!(
            matches!(error, StorageError::InvalidRequest { .. }),
            "{backend:?}: {error:?}"
        );
    });
}

#[test]
fn recheck_finds_the_corrupt_piece_and_keeps_the_rest() {
    // Every piece in turn: pieces are checked two at a time where SHA-1 pairs pay, so this
    // covers a bad first and a bad second of a pair, and the last piece alone.
    for kind in [TorrentKind::V1, TorrentKind::V2, TorrentKind::Hybrid] {
        let fixture = multi_file(kind);
        for bad_piece in 0..fixture.num_pieces() {
            each_backend(&BACKENDS, |backend, save| {
                let storage = fixture.storage(backend, save);
                fixture.write_all(&storage);
                let mut bad = fixture.piece(bad_piece).to_vec();
                bad[3] ^= 0xff;
                let piece = PieceIndex::new(bad_piece);
                storage
                    .write(piece, 0, &bad[..bad.len().min(16384)])
                    .unwrap();
                let have = check(&storage);
                assert!(!have.get(bad_piece as usize), "{kind:?} {bad_piece}");
                assert_eq!(have.count_ones() as u32, fixture.num_pieces() - 1);
            });
        }
    }
}

#[test]
fn unaligned_reads_and_out_of_range_requests() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        let mut buffer = vec![0u8; 1000];
        storage.read(PieceIndex::new(1), 7000, &mut buffer).unwrap();
        assert_eq!(buffer, fixture.piece(1)[7000..8000]);
        let last = fixture.num_pieces() - 1;
        let size = fixture.piece(last).len() as u32;
        for (piece, offset, len) in [(last + 1, 0, 1), (last, size, 1), (0, 32 * 1024 - 10, 11)] {
            let mut buffer = vec![0u8; len];
            let error = storage
                .read(PieceIndex::new(piece), offset, &mut buffer)
                .unwrap_err();
            assert!(
                matches!(error, StorageError::InvalidRequest { .. }),
                "{error}"
            );
            let error = storage
                .write(PieceIndex::new(piece), offset, &buffer)
                .unwrap_err();
            assert!(
                matches!(error, StorageError::InvalidRequest { .. }),
                "{error}"
            );
        }
    });
}

#[test]
fn hashes_pieces_and_v2_blocks() {
    let fixture = multi_file(TorrentKind::Hybrid);
    each_backend(&BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        for piece in 0..fixture.num_pieces() {
            let piece = PieceIndex::new(piece);
            let hashes = hash_piece(&storage, piece, HashKinds::Both).unwrap();
            assert_eq!(hashes.v1, fixture.info.hash_for_piece(piece));
            assert!(!hashes.v2_blocks.is_empty());
            assert_eq!(
                hash_block_v2(&storage, piece, 0).unwrap(),
                hashes.v2_blocks[0]
            );
        }
    });
}

#[test]
fn part_file_keeps_unwanted_files_off_disk_until_wanted() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            file_priorities: vec![4, DONT_DOWNLOAD, 4],
            ..StorageParams::new(save)
        };
        let mut storage = fixture.storage_with(params);
        storage.initialize().unwrap();
        fixture.write_all(&storage);
        let b = storage.file_path(FileIndex::new(1));
        if backend != Backend::Memory {
            assert!(!b.exists(), "priority-0 file was created");
            assert!(storage.part_file_path().exists());
        }
        // Pieces 1..=3 overlap b.bin (offsets 40000..110000 with 32 KiB pieces).
        assert_eq!(storage.part_file_pieces().len(), 3);
        fixture.assert_reads_back(&storage);
        assert!(check(&storage).all_set());
        // Resume data claiming everything is consistent with the part file.
        let all = Bitfield::with_all_set(fixture.num_pieces() as usize);
        assert_eq!(
            storage.check_files(&all).unwrap().status,
            FastResumeStatus::Ok
        );

        storage.set_file_priorities(&[4, 4, 4]).unwrap();
        assert!(storage.part_file_pieces().is_empty());
        if backend != Backend::Memory {
            assert!(
                !storage.part_file_path().exists(),
                "empty part file left behind"
            );
            assert_eq!(
                std::fs::read(&b).unwrap(),
                std::fs::read(fixture.source.path().join("multi/sub/b.bin")).unwrap()
            );
        }
        fixture.assert_reads_back(&storage);
        assert!(check(&storage).all_set());
    });
}

#[test]
fn a_partly_written_last_part_file_slot_keeps_its_written_blocks() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            file_priorities: vec![4, DONT_DOWNLOAD, 4],
            ..StorageParams::new(save)
        };
        let mut storage = fixture.storage_with(params);
        storage.initialize().unwrap();
        // Pieces 1 and 3 complete, then only the first block of piece 2 (all of it in b.bin,
        // offsets 65536..98304): piece 2 gets the last slot, which ends the part file early.
        for piece in [1u32, 3] {
            storage
                .write(PieceIndex::new(piece), 0, fixture.piece(piece))
                .unwrap();
        }
        let two = fixture.piece(2);
        storage.write(PieceIndex::new(2), 0, &two[..16384]).unwrap();
        // b.bin becomes wanted: the part file's data moves into it, the written block too.
        storage.set_file_priorities(&[4, 4, 4]).unwrap();
        let mut block = vec![0u8; 16384];
        storage.read(PieceIndex::new(2), 0, &mut block).unwrap();
        assert!(block == two[..16384], "the written block was lost");
        let mut rest = vec![1u8; 16384];
        storage.read(PieceIndex::new(2), 16384, &mut rest).unwrap();
        assert!(rest.iter().all(|&byte| byte == 0), "never written: zeros");
    });
}

#[test]
fn priority_zero_on_an_existing_file_keeps_writing_it() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let mut storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        storage.set_file_priorities(&[DONT_DOWNLOAD, 4, 4]).unwrap();
        fixture.write_piece(&storage, 0);
        assert!(storage.part_file_pieces().is_empty());
        fixture.assert_reads_back(&storage);
    });
}

#[test]
fn rename_move_and_delete() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&BACKENDS, |backend, save| {
        let mut storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        storage
            .rename_file(FileIndex::new(0), "multi/renamed/a.bin")
            .unwrap();
        assert!(storage
            .file_path(FileIndex::new(0))
            .ends_with("multi/renamed/a.bin"));
        fixture.assert_reads_back(&storage);
        for bad in ["../escape", "/abs", "multi/../../x"] {
            let error = storage.rename_file(FileIndex::new(0), bad).unwrap_err();
            assert!(matches!(error, StorageError::InvalidPath { .. }), "{error}");
        }
        let moved = save.with_file_name("moved");
        storage
            .move_storage(&moved, MoveFlags::AlwaysReplaceFiles)
            .unwrap();
        assert_eq!(storage.save_path(), moved);
        fixture.assert_reads_back(&storage);
        assert!(check(&storage).all_set());
        if backend != Backend::Memory {
            assert!(!save.join("multi").exists(), "old directories left behind");
            assert!(moved.join("multi/renamed/a.bin").exists());
        }
        storage.delete_files(DeleteMode::Files).unwrap();
        if backend != Backend::Memory {
            assert!(!moved.join("multi").exists());
        }
        assert!(check(&storage).none_set());
    });
}

#[test]
fn move_storage_flags() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let target = save.with_file_name("target");
        std::fs::create_dir_all(target.join("multi")).unwrap();
        std::fs::write(target.join("multi/a.bin"), b"theirs").unwrap();

        let mut storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        let error = storage
            .move_storage(&target, MoveFlags::FailIfExist)
            .unwrap_err();
        assert!(
            matches!(error, StorageError::FileExists { file: Some(_), .. }),
            "{error}"
        );
        assert_eq!(storage.save_path(), save, "nothing moved");
        fixture.assert_reads_back(&storage);

        storage
            .move_storage(&target, MoveFlags::DontReplace)
            .unwrap();
        assert_eq!(
            std::fs::read(target.join("multi/a.bin")).unwrap(),
            b"theirs"
        );
        assert!(!save.join("multi/a.bin").exists(), "source kept");
        let have = check(&storage);
        assert!(!have.get(0) && have.get(fixture.num_pieces() as usize - 1));

        let back = save.with_file_name("back");
        storage
            .move_storage(&back, MoveFlags::AlwaysReplaceFiles)
            .unwrap();
        fixture.write_all(&storage);
        storage
            .move_storage(&target, MoveFlags::AlwaysReplaceFiles)
            .unwrap();
        assert!(check(&storage).all_set());
    });
}

#[test]
fn fast_resume_check_finds_missing_short_and_oversized_files() {
    let fixture = multi_file(TorrentKind::V1);
    let all = Bitfield::with_all_set(fixture.num_pieces() as usize);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        assert_eq!(
            storage
                .check_files(&Bitfield::new(fixture.num_pieces() as usize))
                .unwrap()
                .status,
            FastResumeStatus::Ok
        );
        let outcome = storage.check_files(&all).unwrap();
        assert_eq!(
            outcome.status,
            FastResumeStatus::NeedFullCheck {
                file: FileIndex::new(0),
                reason: MismatchReason::Missing
            }
        );
        fixture.write_all(&storage);
        storage.release_files().unwrap();
        assert_eq!(storage.check_files(&all).unwrap(), Default::default());

        let b = storage.file_path(FileIndex::new(1));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&b)
            .unwrap()
            .set_len(1000)
            .unwrap();
        let outcome = storage.check_files(&all).unwrap();
        assert_eq!(
            outcome.status,
            FastResumeStatus::NeedFullCheck {
                file: FileIndex::new(1),
                reason: MismatchReason::TooShort {
                    actual: 1000,
                    needed: 70_000
                }
            }
        );
        std::fs::OpenOptions::new()
            .write(true)
            .open(&b)
            .unwrap()
            .set_len(80_000)
            .unwrap();
        let outcome = storage.check_files(&all).unwrap();
        assert_eq!(outcome.status, FastResumeStatus::Ok);
        assert_eq!(outcome.oversized_files, [FileIndex::new(1)]);
    });
}

#[test]
fn recheck_reports_progress_and_can_be_cancelled() {
    let fixture = common::fixture("many", &[("x.bin", 64 * 16384 + 3)], TorrentKind::V1, 16384);
    each_backend(&BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        let calls = AtomicU32::new(0);
        let last = AtomicU32::new(0);
        let progress = |done: u32, total: u32| {
            calls.fetch_add(1, Ordering::Relaxed);
            last.fetch_max(done, Ordering::Relaxed);
            assert_eq!(total, 65);
        };
        let options = CheckOptions {
            threads: 3,
            progress: Some(&progress),
            cancel: None,
        };
        assert!(check_pieces(&storage, &options).unwrap().all_set());
        assert_eq!(
            (calls.load(Ordering::Relaxed), last.load(Ordering::Relaxed)),
            (65, 65)
        );

        let cancel = AtomicBool::new(false);
        let stop_early = |done: u32, _: u32| {
            if done >= 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        };
        let options = CheckOptions {
            threads: 2,
            progress: Some(&stop_early),
            cancel: Some(&cancel),
        };
        assert!(matches!(
            check_pieces(&storage, &options),
            Err(StorageError::Cancelled)
        ));
    });
}

#[test]
fn seed_mode_verifies_each_piece_on_first_read() {
    let fixture = multi_file(TorrentKind::Hybrid);
    each_backend(&BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        let mut bad = fixture.piece(2).to_vec();
        bad[5] ^= 1;
        storage.write(PieceIndex::new(2), 0, &bad).unwrap();
        let seeding = SeedModeStorage::new(storage);
        let mut block = vec![0u8; 100];
        seeding.read(PieceIndex::new(0), 50, &mut block).unwrap();
        assert_eq!(block, fixture.piece(0)[50..150]);
        assert!(seeding.verified_pieces().get(0));
        let error = seeding.read(PieceIndex::new(2), 0, &mut block).unwrap_err();
        assert!(
            matches!(error, StorageError::HashFailed(piece) if piece.get() == 2),
            "{error}"
        );
        assert_eq!(seeding.verified_pieces().count_ones(), 1);
    });
}

#[test]
fn allocate_mode_gives_files_their_full_size_up_front() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            mode: StorageMode::Allocate,
            ..StorageParams::new(save)
        };
        let storage = fixture.storage_with(params);
        storage.initialize().unwrap();
        let b = storage.file_path(FileIndex::new(1));
        let meta = std::fs::metadata(&b).unwrap();
        assert_eq!(meta.len(), 70_000);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert!(
                meta.blocks() * 512 >= 70_000,
                "not allocated: {} blocks",
                meta.blocks()
            );
        }
        fixture.write_all(&storage);
        fixture.assert_reads_back(&storage);
        assert!(check(&storage).all_set());
    });
}

#[test]
fn sparse_mode_writes_only_what_arrives() {
    let fixture = common::fixture("sparse", &[("big.bin", 4 << 20)], TorrentKind::V1, 1 << 20);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        storage.initialize().unwrap();
        fixture.write_piece(&storage, 3);
        storage.flush().unwrap();
        let meta = std::fs::metadata(save.join("sparse/big.bin")).unwrap();
        assert_eq!(meta.len(), 4 << 20);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert!(
                meta.blocks() * 512 < 3 << 20,
                "not sparse: {} blocks",
                meta.blocks()
            );
        }
        let have = check(&storage);
        assert_eq!(have.iter_ones().collect::<Vec<_>>(), [3]);
    });
}

#[cfg(unix)]
#[test]
fn executable_bits_and_symlinks_come_from_the_torrent() {
    use std::os::unix::fs::PermissionsExt;
    let source = common::TempDir::new("exec-src");
    let root = source.path().join("tool");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("run.sh"), common::data(1, 20_000)).unwrap();
    std::fs::set_permissions(root.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(root.join("data.bin"), common::data(2, 30_000)).unwrap();
    std::os::unix::fs::symlink("data.bin", root.join("link")).unwrap();
    let mut create =
        lt_metainfo::CreateTorrent::from_path_with(&root, TorrentKind::V1, Some(16384), true)
            .unwrap();
    create.hash_pieces(|_, _| {}).unwrap();
    let info = std::sync::Arc::new(
        lt_metainfo::TorrentInfo::from_bytes(&create.generate_bytes().unwrap()).unwrap(),
    );
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = lt_storage::TorrentStorage::new(
            info.clone(),
            StorageParams {
                backend,
                ..StorageParams::new(save)
            },
        )
        .unwrap();
        storage.initialize().unwrap();
        for piece in 0..info.num_pieces() {
            let piece = PieceIndex::new(piece);
            let mut data = vec![0u8; info.piece_size(piece) as usize];
            // Read the source through a storage over the source directory.
            let source_storage =
                lt_storage::TorrentStorage::new(info.clone(), StorageParams::new(source.path()))
                    .unwrap();
            source_storage.read(piece, 0, &mut data).unwrap();
            storage.write(piece, 0, &data).unwrap();
        }
        let mode = std::fs::metadata(save.join("tool/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111 & !umask(), "mode {mode:o}");
        let data_mode = std::fs::metadata(save.join("tool/data.bin"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(data_mode & 0o111, 0);
        let link = std::fs::read_link(save.join("tool/link")).unwrap();
        assert_eq!(link, std::path::Path::new("data.bin"));
        assert!(check(&storage).all_set());
    });
}

#[cfg(unix)]
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))
        .and_then(|mask| u32::from_str_radix(mask.trim(), 8).ok())
        .unwrap_or(0o022)
}

#[test]
fn a_small_file_pool_still_serves_many_files() {
    let files: Vec<(String, usize)> = (0..12)
        .map(|i| (format!("f{i:02}.bin"), 5000 + i * 977))
        .collect();
    let files: Vec<(&str, usize)> = files
        .iter()
        .map(|(path, size)| (path.as_str(), *size))
        .collect();
    let fixture = common::fixture("pool", &files, TorrentKind::V1, 16384);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            file_pool_size: 2,
            ..StorageParams::new(save)
        };
        let storage = fixture.storage_with(params);
        fixture.write_all(&storage);
        fixture.assert_reads_back(&storage);
        assert!(check(&storage).all_set());
    });
}

#[test]
fn discard_backend_drops_writes_and_reads_zeros() {
    let fixture = multi_file(TorrentKind::V1);
    let dir = common::TempDir::new("discard");
    let storage = fixture.storage(Backend::Discard, dir.path());
    storage.initialize().unwrap();
    fixture.write_all(&storage);
    let mut block = vec![1u8; 16384];
    storage.read(PieceIndex::new(0), 0, &mut block).unwrap();
    assert!(block.iter().all(|&byte| byte == 0));
    assert!(check(&storage).none_set());
    assert!(!dir.path().join("multi").exists());
}

#[test]
fn files_over_4_gib_use_64_bit_offsets() {
    // A hand-made torrent: one 5 GiB file, 16 MiB pieces, fake hashes (only the written pieces
    // are compared, by reading them back).
    let size: u64 = 5 << 30;
    let piece_length: u64 = 16 << 20;
    let pieces = size.div_ceil(piece_length);
    let mut torrent = format!(
        "d4:infod6:lengthi{size}e4:name7:big.bin12:piece lengthi{piece_length}e6:pieces{}:",
        pieces * 20
    )
    .into_bytes();
    torrent.extend(std::iter::repeat_n(7u8, (pieces * 20) as usize));
    torrent.extend(b"ee");
    let info = std::sync::Arc::new(lt_metainfo::TorrentInfo::from_bytes(&torrent).unwrap());
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = lt_storage::TorrentStorage::new(
            info.clone(),
            StorageParams {
                backend,
                ..StorageParams::new(save)
            },
        )
        .unwrap();
        storage.initialize().unwrap();
        let last = PieceIndex::new(pieces as u32 - 1);
        let beyond = PieceIndex::new((4u64 << 30).div_ceil(piece_length) as u32 + 3);
        for (piece, seed) in [(last, 1), (beyond, 2)] {
            let block = common::data(seed, 16384);
            storage
                .write(piece, (piece_length - 16384) as u32, &block)
                .unwrap();
            let mut back = vec![0u8; 16384];
            storage
                .read(piece, (piece_length - 16384) as u32, &mut back)
                .unwrap();
            assert_eq!(back, block);
        }
        storage.release_files().unwrap();
        let meta = std::fs::metadata(save.join("big.bin")).unwrap();
        assert_eq!(meta.len(), size);
        let fixture_check = |file: &std::fs::File| {
            let mut back = vec![0u8; 16384];
            std::os::unix::fs::FileExt::read_exact_at(file, &mut back, size - 16384).unwrap();
            assert_eq!(back, common::data(1, 16384));
        };
        fixture_check(&std::fs::File::open(save.join("big.bin")).unwrap());
    });
}

#[test]
fn a_fresh_sparse_download_has_no_data_to_check() {
    let fixture = multi_file(TorrentKind::V1);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        // Only the empty file exists: nothing to hash, so the session skips the full check.
        assert!(!storage.has_any_data().unwrap(), "{backend:?}");
        storage
            .write(PieceIndex::new(1), 0, &fixture.piece(1)[..16384])
            .unwrap();
        assert!(storage.has_any_data().unwrap(), "{backend:?}");
    });
}

/// A v1 torrent, 16 KiB pieces: `a` (one piece of 1s), a 32 KiB pad file (two pieces of
/// zeros, as some creators pad), then `b` (one piece of 2s).
fn torrent_with_a_long_pad_file() -> std::sync::Arc<lt_metainfo::TorrentInfo> {
    let piece = 16384;
    let pieces = [
        vec![1u8; piece],
        vec![0u8; piece],
        vec![0u8; piece],
        vec![2u8; piece],
    ];
    let mut hashes = Vec::new();
    for data in &pieces {
        hashes.extend_from_slice(lt_core::Sha1Hash::digest(data).as_bytes());
    }
    let mut bytes = b"d4:infod5:filesld6:lengthi16384e4:pathl1:aeed4:attr1:p6:lengthi32768e\
        4:pathl4:.pad5:32768eed6:lengthi16384e4:pathl1:beee4:name3:pad12:piece lengthi16384e\
        6:pieces80:"
        .to_vec();
    bytes.extend_from_slice(&hashes);
    bytes.extend_from_slice(b"ee");
    std::sync::Arc::new(lt_metainfo::TorrentInfo::from_bytes(&bytes).unwrap())
}

#[test]
fn pieces_wholly_in_pad_files_are_had_without_any_file() {
    let info = torrent_with_a_long_pad_file();
    let dir = common::TempDir::new("pad-pieces");
    let storage =
        lt_storage::TorrentStorage::new(info, StorageParams::new(dir.path().join("save"))).unwrap();
    assert!(!storage.has_any_data().unwrap());
    let expected: Vec<usize> = vec![1, 2];
    let pad_only = lt_storage::check_pad_pieces(&storage).unwrap();
    assert_eq!(pad_only.iter_ones().collect::<Vec<_>>(), expected);
    // What the full check finds, without reading a file.
    let full = check(&storage);
    assert_eq!(full.iter_ones().collect::<Vec<_>>(), expected);
}
