//! Storage under bad conditions: a full disk, permission denied, a file replaced by a
//! directory, a file truncated underneath us, a missing save path, a read-only file system.
//! Each must give a typed error naming the operation and the file, never panic, and leave the
//! pieces already written readable.
//!
//! The full-disk and read-only cases mount a tmpfs (root only); without one, the full-disk case
//! falls back to `/dev/full` and the read-only case is skipped with a message.

mod common;

use std::io::ErrorKind;

use common::{each_backend, Fixture, Tmpfs, DISK_BACKENDS};
use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::TorrentKind;
use lt_storage::{
    check_pieces, CheckOptions, FastResumeStatus, FileOperation, MismatchReason, Storage,
    StorageError, StorageMode, StorageParams, TorrentStorage,
};

fn two_files() -> Fixture {
    common::fixture(
        "two",
        &[("a.bin", 40_000), ("b.bin", 100_000)],
        TorrentKind::V1,
        16_384,
    )
}

fn have(storage: &dyn Storage) -> Bitfield {
    check_pieces(storage, &CheckOptions::default()).unwrap()
}

/// Pieces 0..=1 lie wholly in a.bin (40,000 bytes, 16 KiB pieces).
const IN_A: [u32; 2] = [0, 1];

#[test]
fn a_full_disk_is_a_write_error_and_keeps_what_was_written() {
    let fixture = two_files();
    let Some(tmpfs) = Tmpfs::mount("64k") else {
        eprintln!("cannot mount a tmpfs (not root?): testing a full disk through /dev/full");
        return full_disk_through_dev_full(&fixture);
    };
    for backend in DISK_BACKENDS {
        let save = tmpfs.path().join(format!("{backend:?}"));
        let storage = fixture.storage(backend, &save);
        let mut written = Vec::new();
        let mut failure = None;
        for piece in 0..fixture.num_pieces() {
            match storage.write(PieceIndex::new(piece), 0, fixture.piece(piece)) {
                Ok(()) => written.push(piece),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let error = failure.expect("64 KiB cannot hold 140,000 bytes");
        assert_eq!(error.operation(), Some(FileOperation::Write), "{error}");
        assert_eq!(error.io_kind(), Some(ErrorKind::StorageFull), "{error}");
        assert!(error.file().is_some() && error.path().is_some(), "{error}");
        assert!(
            error.to_string().starts_with("write failed on file "),
            "{error}"
        );
        let have = have(&storage);
        for piece in &written {
            assert!(
                have.get(*piece as usize),
                "{backend:?}: written piece {piece} lost"
            );
        }
        drop(storage);
        std::fs::remove_dir_all(&save).unwrap();
    }
    // Full allocation finds the full disk up front.
    let save = tmpfs.path().join("allocate");
    let params = StorageParams {
        mode: StorageMode::Allocate,
        ..StorageParams::new(&save)
    };
    let storage = TorrentStorage::new(fixture.info.clone(), params).unwrap();
    let error = storage.initialize().unwrap_err();
    assert_eq!(error.operation(), Some(FileOperation::Allocate), "{error}");
    assert_eq!(error.io_kind(), Some(ErrorKind::StorageFull), "{error}");
}

fn full_disk_through_dev_full(fixture: &Fixture) {
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        std::fs::create_dir_all(save.join("two")).unwrap();
        std::os::unix::fs::symlink("/dev/full", save.join("two/b.bin")).unwrap();
        fixture.write_piece(&storage, 0);
        let error = storage
            .write(PieceIndex::new(5), 0, fixture.piece(5))
            .unwrap_err();
        assert_eq!(error.operation(), Some(FileOperation::Write), "{error}");
        assert_eq!(error.io_kind(), Some(ErrorKind::StorageFull), "{error}");
        assert_eq!(error.file(), Some(FileIndex::new(1)));
        assert!(have(&storage).get(0));
    });
}

#[test]
fn permission_denied_names_the_file_and_reads_go_on() {
    let fixture = two_files();
    let root = common::euid() == Some(0);
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        storage.release_files().unwrap();
        let a = storage.file_path(FileIndex::new(0));
        // Root ignores permission bits; the immutable attribute stops root too (EPERM).
        let locked = if root {
            std::process::Command::new("chattr")
                .arg("+i")
                .arg(&a)
                .status()
                .is_ok_and(|status| status.success())
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o444)).is_ok()
        };
        if !locked {
            eprintln!("running as root on a file system without chattr +i: skipped");
            return;
        }
        let result = storage.write(PieceIndex::new(0), 0, fixture.piece(0));
        if root {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&a)
                .status();
        }
        let error = result.unwrap_err();
        assert_eq!(error.operation(), Some(FileOperation::Open), "{error}");
        assert_eq!(
            error.io_kind(),
            Some(ErrorKind::PermissionDenied),
            "{error}"
        );
        assert_eq!(error.file(), Some(FileIndex::new(0)));
        assert_eq!(error.path(), Some(a.as_path()));
        assert!(have(&storage).all_set(), "{backend:?}: verified data lost");
    });
}

#[test]
fn a_file_replaced_by_a_directory_is_an_error_not_a_panic() {
    let fixture = two_files();
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        storage.release_files().unwrap();
        let b = storage.file_path(FileIndex::new(1));
        std::fs::remove_file(&b).unwrap();
        std::fs::create_dir(&b).unwrap();
        let mut buffer = vec![0u8; 16_384];
        let error = storage
            .read(PieceIndex::new(4), 0, &mut buffer)
            .unwrap_err();
        assert_eq!(
            error.file(),
            Some(FileIndex::new(1)),
            "{backend:?}: {error}"
        );
        assert!(error.to_string().contains("b.bin"), "{error}");
        let error = storage.write(PieceIndex::new(4), 0, &buffer).unwrap_err();
        assert_eq!(error.operation(), Some(FileOperation::Open), "{error}");
        assert_eq!(error.io_kind(), Some(ErrorKind::IsADirectory), "{error}");
        let all = Bitfield::with_all_set(fixture.num_pieces() as usize);
        assert_eq!(
            storage.check_files(&all).unwrap().status,
            FastResumeStatus::NeedFullCheck {
                file: FileIndex::new(1),
                reason: MismatchReason::NotAFile
            }
        );
        let error = check_pieces(&storage, &CheckOptions::default()).unwrap_err();
        assert_eq!(error.file(), Some(FileIndex::new(1)), "{error}");
        for piece in IN_A {
            storage
                .read(PieceIndex::new(piece), 0, &mut buffer)
                .unwrap();
            assert_eq!(buffer, fixture.piece(piece));
        }
        assert!(b.is_dir(), "the directory was touched");
    });
}

#[test]
fn a_file_truncated_underneath_us_reads_as_too_short() {
    let fixture = two_files();
    each_backend(&DISK_BACKENDS, |backend, save| {
        let storage = fixture.storage(backend, save);
        fixture.write_all(&storage);
        // Reopen: a file without holes is mapped by the mmap backend, which must not touch
        // pages past the new end (SIGBUS).
        storage.release_files().unwrap();
        let mut buffer = vec![0u8; 16_384];
        // Open (and with mmap, map) b.bin before it shrinks.
        storage.read(PieceIndex::new(5), 0, &mut buffer).unwrap();
        let b = storage.file_path(FileIndex::new(1));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&b)
            .unwrap()
            .set_len(30_000)
            .unwrap();
        let error = storage
            .read(PieceIndex::new(5), 0, &mut buffer)
            .unwrap_err();
        match &error {
            StorageError::FileTooShort {
                file,
                actual,
                needed,
                operation,
                ..
            } => {
                assert_eq!(
                    (*file, *actual, *operation),
                    (FileIndex::new(1), 30_000, FileOperation::Read)
                );
                assert!(*needed > 30_000);
            }
            other => panic!("{backend:?}: {other}"),
        }
        assert!(
            error.to_string().starts_with("file too short: file 1 ("),
            "{error}"
        );
        // The pieces before the cut (a.bin, and b.bin's first 30,000 bytes) still check out.
        let have = have(&storage);
        let expected: Vec<usize> = (0..fixture.num_pieces() as usize)
            .filter(|&piece| (piece as u64 + 1) * 16_384 <= 40_000 + 30_000)
            .collect();
        assert_eq!(
            have.iter_ones().collect::<Vec<_>>(),
            expected,
            "{backend:?}"
        );
    });
}

#[test]
fn a_missing_save_path_is_reported_and_not_recreated() {
    let fixture = two_files();
    each_backend(&DISK_BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            ..StorageParams::new(save)
        };
        let storage = TorrentStorage::new(fixture.info.clone(), params).unwrap();
        let error = storage
            .write(PieceIndex::new(0), 0, fixture.piece(0))
            .unwrap_err();
        assert_eq!(error.operation(), Some(FileOperation::Open), "{error}");
        assert_eq!(error.io_kind(), Some(ErrorKind::NotFound), "{error}");
        assert_eq!(error.file(), Some(FileIndex::new(0)));
        assert!(!save.exists(), "the save path was recreated");
        let mut buffer = vec![0u8; 100];
        let error = storage
            .read(PieceIndex::new(0), 0, &mut buffer)
            .unwrap_err();
        assert!(error.is_missing_data(), "{error}");
        let all = Bitfield::with_all_set(fixture.num_pieces() as usize);
        assert!(matches!(
            storage.check_files(&all).unwrap().status,
            FastResumeStatus::NeedFullCheck {
                reason: MismatchReason::Missing,
                ..
            }
        ));
        assert!(have(&storage).none_set());
        storage.initialize().unwrap();
        fixture.write_all(&storage);
        assert!(have(&storage).all_set());
    });
}

#[test]
fn a_read_only_file_system_refuses_writes_and_keeps_serving_reads() {
    let fixture = two_files();
    let Some(tmpfs) = Tmpfs::mount("4m") else {
        eprintln!("cannot mount a tmpfs (not root?): read-only file system test skipped");
        return;
    };
    let storages: Vec<_> = DISK_BACKENDS
        .iter()
        .map(|&backend| {
            let storage = fixture.storage(backend, &tmpfs.path().join(format!("{backend:?}")));
            fixture.write_all(&storage);
            storage.release_files().unwrap();
            storage
        })
        .collect();
    assert!(tmpfs.remount_read_only(), "remount,ro failed");
    for storage in &storages {
        let error = storage
            .write(PieceIndex::new(3), 0, fixture.piece(3))
            .unwrap_err();
        assert_eq!(error.operation(), Some(FileOperation::Open), "{error}");
        assert_eq!(
            error.io_kind(),
            Some(ErrorKind::ReadOnlyFilesystem),
            "{error}"
        );
        assert_eq!(error.file(), Some(FileIndex::new(1)), "{error}");
        fixture.assert_reads_back(storage);
        assert!(have(storage).all_set());
    }
}

#[test]
fn a_damaged_part_file_is_a_typed_error() {
    let fixture = two_files();
    each_backend(&DISK_BACKENDS, |backend, save| {
        let params = StorageParams {
            backend,
            file_priorities: vec![4, 0],
            ..StorageParams::new(save)
        };
        let storage = TorrentStorage::new(fixture.info.clone(), params.clone()).unwrap();
        storage.initialize().unwrap();
        fixture.write_all(&storage);
        let part = storage.part_file_path().to_path_buf();
        drop(storage);
        let mut header = std::fs::read(&part).unwrap();
        header[..4].copy_from_slice(&9999u32.to_be_bytes());
        std::fs::write(&part, &header).unwrap();
        let error = TorrentStorage::new(fixture.info.clone(), params).unwrap_err();
        assert!(
            matches!(&error, StorageError::PartFileCorrupt { path, .. } if *path == part),
            "{error}"
        );
        assert!(
            error.to_string().starts_with("part file corrupt ("),
            "{error}"
        );
    });
}
