//! The async boundary: queued writes, reads served from the queue, back-pressure, hashing
//! after writes, structural jobs after data jobs.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use bytes::Bytes;
use common::multi_file;
use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::{TorrentInfo, TorrentKind};
use lt_storage::{
    Backend, CheckFilesOutcome, DeleteMode, DiskIo, HashKinds, MoveFlags, Storage, StorageError,
    ThreadPoolDiskIo, TorrentStorage,
};

/// A storage whose writes wait until the gate opens, and which counts its reads.
struct Gated {
    inner: TorrentStorage,
    gate: Arc<(Mutex<bool>, Condvar)>,
    reads: Arc<AtomicUsize>,
}

impl Storage for Gated {
    fn info(&self) -> &TorrentInfo {
        self.inner.info()
    }
    fn initialize(&self) -> Result<(), StorageError> {
        self.inner.initialize()
    }
    fn read(&self, piece: PieceIndex, offset: u32, buf: &mut [u8]) -> Result<(), StorageError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.read(piece, offset, buf)
    }
    fn write(&self, piece: PieceIndex, offset: u32, data: &[u8]) -> Result<(), StorageError> {
        let (open, wake) = &*self.gate;
        let mut open = open.lock().unwrap();
        while !*open {
            open = wake.wait(open).unwrap();
        }
        drop(open);
        self.inner.write(piece, offset, data)
    }
    fn check_files(&self, have: &Bitfield) -> Result<CheckFilesOutcome, StorageError> {
        self.inner.check_files(have)
    }
    fn clear_piece(&self, piece: PieceIndex) -> Result<(), StorageError> {
        self.inner.clear_piece(piece)
    }
    fn flush(&self) -> Result<(), StorageError> {
        self.inner.flush()
    }
    fn release_files(&self) -> Result<(), StorageError> {
        self.inner.release_files()
    }
    fn set_file_priorities(&mut self, priorities: &[u8]) -> Result<(), StorageError> {
        self.inner.set_file_priorities(priorities)
    }
    fn rename_file(&mut self, file: FileIndex, new_path: &str) -> Result<(), StorageError> {
        self.inner.rename_file(file, new_path)
    }
    fn move_storage(&mut self, save_path: &Path, flags: MoveFlags) -> Result<(), StorageError> {
        self.inner.move_storage(save_path, flags)
    }
    fn delete_files(&mut self, mode: DeleteMode) -> Result<(), StorageError> {
        self.inner.delete_files(mode)
    }
}

fn blocks(fixture: &common::Fixture) -> Vec<(PieceIndex, u32, Bytes)> {
    (0..fixture.num_pieces())
        .flat_map(|piece| {
            fixture
                .piece(piece)
                .chunks(16384)
                .enumerate()
                .map(move |(index, block)| {
                    (
                        PieceIndex::new(piece),
                        (index * 16384) as u32,
                        Bytes::copy_from_slice(block),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_then_reads_hashes_and_moves() {
    let fixture = multi_file(TorrentKind::Hybrid);
    let dir = common::TempDir::new("disk-io");
    let storage = fixture.storage(Backend::Pread, &dir.path().join("save"));
    let disk = ThreadPoolDiskIo::new(storage, 2, 1 << 20);
    let writes: Vec<_> = blocks(&fixture)
        .into_iter()
        .map(|(piece, offset, data)| disk.write_block(piece, offset, data))
        .collect();
    // Hashing waits for the piece's queued writes.
    for piece in 0..fixture.num_pieces() {
        let piece = PieceIndex::new(piece);
        let hashes = disk.hash_piece(piece, HashKinds::Both).await.unwrap();
        assert_eq!(hashes.v1, fixture.info.hash_for_piece(piece));
    }
    for write in writes {
        write.await.unwrap();
    }
    assert_eq!(disk.queued_bytes(), 0);
    let moved = dir.path().join("moved");
    disk.move_storage(moved.clone(), MoveFlags::AlwaysReplaceFiles)
        .await
        .unwrap();
    assert!(moved.join("multi/a.bin").exists());
    let block = disk
        .read_block(PieceIndex::new(1), 100, 1000)
        .await
        .unwrap();
    assert_eq!(block, fixture.piece(1)[100..1100]);
    disk.flush().await.unwrap();
    let error = disk
        .read_block(PieceIndex::new(99), 0, 10)
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::InvalidRequest { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_pressure_and_reads_from_the_write_queue() {
    let fixture = multi_file(TorrentKind::V1);
    let dir = common::TempDir::new("disk-io-gate");
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let storage = Gated {
        inner: fixture.storage(Backend::Memory, &dir.path().join("save")),
        gate: gate.clone(),
        reads: Arc::default(),
    };
    let disk = ThreadPoolDiskIo::new(storage, 2, 3 * 16384);
    let all = blocks(&fixture);
    let mut writes = Vec::new();
    for (piece, offset, data) in all.iter().take(4).cloned() {
        writes.push(disk.write_block(piece, offset, data));
    }
    assert!(disk.queue_full());
    assert_eq!(disk.queued_bytes(), 4 * 16384);
    // The block is still queued: the read is served from the queue.
    let (piece, offset, data) = &all[2];
    let block = disk.read_block(*piece, *offset + 10, 100).await.unwrap();
    assert_eq!(block, data.slice(10..110));
    let space = tokio::spawn(disk.wait_for_space());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(!space.is_finished(), "woke while the queue was full");
    {
        let (open, wake) = &*gate;
        *open.lock().unwrap() = true;
        wake.notify_all();
    }
    space.await.unwrap();
    for write in writes {
        write.await.unwrap();
    }
    assert!(!disk.queue_full());
    assert_eq!(disk.queued_bytes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structural_jobs_run_after_data_jobs() {
    let fixture = multi_file(TorrentKind::V1);
    let dir = common::TempDir::new("disk-io-structure");
    let save = dir.path().join("save");
    let params = lt_storage::StorageParams {
        file_priorities: vec![4, 0, 4],
        ..lt_storage::StorageParams::new(&save)
    };
    let disk = ThreadPoolDiskIo::new(fixture.storage_with(params), 0, 1 << 20);
    let writes: Vec<_> = blocks(&fixture)
        .into_iter()
        .map(|(piece, offset, data)| disk.write_block(piece, offset, data))
        .collect();
    // Runs between the writes: what reached the part file so far moves into b.bin, later
    // writes go to b.bin directly; either way b.bin ends up complete.
    disk.set_file_priorities(vec![4, 4, 4]).await.unwrap();
    for write in writes {
        write.await.unwrap();
    }
    disk.set_file_priorities(vec![4, 4, 4]).await.unwrap();
    assert_eq!(
        std::fs::read(save.join("multi/sub/b.bin")).unwrap(),
        std::fs::read(fixture.source.path().join("multi/sub/b.bin")).unwrap()
    );
    disk.rename_file(FileIndex::new(2), "multi/c2.txt".into())
        .await
        .unwrap();
    assert!(save.join("multi/c2.txt").exists());
    disk.clear_piece(PieceIndex::new(0)).await.unwrap();
    disk.release_files().await.unwrap();
    let outcome = disk
        .check_files(Bitfield::with_all_set(fixture.num_pieces() as usize))
        .await
        .unwrap();
    assert_eq!(outcome, CheckFilesOutcome::default());
    disk.delete_files(DeleteMode::Files).await.unwrap();
    assert!(!save.join("multi").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_piece_hashes_the_buffers_it_writes() {
    // All pieces are queued at once, so the disk threads hash most of them in pairs (on CPUs
    // with SHA-NI); the last piece is shorter than the others.
    for kind in [TorrentKind::V1, TorrentKind::Hybrid] {
        write_every_piece_at_once(kind).await;
    }
}

async fn write_every_piece_at_once(kind: TorrentKind) {
    let fixture = multi_file(kind);
    let dir = common::TempDir::new("disk-io-write-piece");
    let storage = fixture.storage(Backend::Pread, &dir.path().join("save"));
    let disk = ThreadPoolDiskIo::new(storage, 2, 1 << 20);
    let mut by_piece: Vec<Vec<Bytes>> = vec![Vec::new(); fixture.num_pieces() as usize];
    for (piece, _, data) in blocks(&fixture) {
        by_piece[piece.get() as usize].push(data);
    }
    let verifier = lt_storage::PieceVerifier::new(&fixture.info);
    let kinds = match kind {
        TorrentKind::V1 => HashKinds::V1,
        _ => HashKinds::Both,
    };
    let jobs: Vec<_> = by_piece
        .into_iter()
        .enumerate()
        .map(|(piece, blocks)| {
            let piece = PieceIndex::new(piece as u32);
            (piece, disk.write_piece(piece, blocks, kinds))
        })
        .collect();
    for (piece, job) in jobs {
        let hashes = job.await.unwrap();
        assert_eq!(hashes.v1, fixture.info.hash_for_piece(piece));
        assert!(
            verifier.verify_hashes(&fixture.info, piece, &hashes),
            "{piece:?}"
        );
    }
    assert_eq!(disk.queued_bytes(), 0);
    // What was hashed is what is on disk.
    for piece in 0..fixture.num_pieces() {
        let piece = PieceIndex::new(piece);
        let from_disk = disk.hash_piece(piece, kinds).await.unwrap();
        assert_eq!(from_disk.v1, fixture.info.hash_for_piece(piece));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_for_peers_go_through_cache_lines_and_writes_drop_them() {
    let fixture = multi_file(TorrentKind::V1);
    let dir = common::TempDir::new("disk-io-cache");
    let reads = Arc::new(AtomicUsize::new(0));
    let storage = Gated {
        inner: fixture.storage(Backend::Memory, &dir.path().join("save")),
        gate: Arc::new((Mutex::new(true), Condvar::new())),
        reads: Arc::clone(&reads),
    };
    let disk = ThreadPoolDiskIo::new(storage, 2, 1 << 20);
    for (piece, offset, data) in blocks(&fixture) {
        disk.write_block(piece, offset, data).await.unwrap();
    }
    let before = reads.load(Ordering::Relaxed);
    // Every block of every piece asked for at once, as a peer's requests come: one read of
    // each piece's line (32 KiB pieces, one line each, the last piece shorter).
    let asked: Vec<_> = blocks(&fixture)
        .into_iter()
        .map(|(piece, offset, data)| (disk.read_block(piece, offset, data.len() as u32), data))
        .collect();
    for (read, data) in asked {
        assert_eq!(read.await.unwrap(), data);
    }
    assert_eq!(
        reads.load(Ordering::Relaxed) - before,
        fixture.num_pieces() as usize
    );
    // A write to piece 1 drops its line: the next read sees the new bytes.
    let new = Bytes::from(vec![7u8; 16384]);
    disk.write_block(PieceIndex::new(1), 0, new.clone())
        .await
        .unwrap();
    let read = disk.read_block(PieceIndex::new(1), 0, 16384).await.unwrap();
    assert_eq!(read, new);
    // A piece past the end is still an invalid request (not a cache line).
    let error = disk
        .read_block(PieceIndex::new(99), 0, 10)
        .await
        .unwrap_err();
    assert!(
        matches!(error, StorageError::InvalidRequest { .. }),
        "{error}"
    );
}
