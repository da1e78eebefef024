//! The async boundary: the [`DiskIo`] trait the session talks to, and [`ThreadPoolDiskIo`],
//! which runs a synchronous [`Storage`] on tokio's blocking threads with a bounded write
//! queue.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bytes::Bytes;
use lt_core::{Bitfield, FileIndex, PieceIndex, Sha256Hash};
use tokio::runtime::Handle;
use tokio::sync::{oneshot, Notify, Semaphore};

use crate::error::StorageError;
use crate::hash::{hash_block_v2, hash_piece, PieceHashes};
use crate::params::{DeleteMode, HashKinds, MoveFlags};
use crate::piece_writes::{write_and_hash, PieceJob, PieceQueue};
use crate::read_cache::{ReadCache, LINE};
use crate::storage::{CheckFilesOutcome, Storage};

/// A boxed future of a disk job's result.
pub type DiskFuture<T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'static>>;

/// libtorrent's default `max_queued_disk_bytes`: 1 MiB.
pub const DEFAULT_MAX_QUEUED_BYTES: u64 = 1 << 20;

/// The disk operations of one torrent as the session sees them (libtorrent's
/// `disk_interface`, per storage). Every method queues its job when called and returns a
/// future of the result; dropping the future does not cancel the job.
///
/// Object safe: the session holds an `Arc<dyn DiskIo>`; implement it to replace the whole
/// disk layer, or implement the synchronous [`Storage`] and wrap it in [`ThreadPoolDiskIo`].
pub trait DiskIo: Send + Sync {
    /// Queues a block write. The data counts against the write queue until it is written;
    /// check [`queue_full`](Self::queue_full) afterwards and stop reading from peers until
    /// [`wait_for_space`](Self::wait_for_space) resolves.
    fn write_block(&self, piece: PieceIndex, offset: u32, data: Bytes) -> DiskFuture<()>;

    /// Whether queued writes exceed the budget (libtorrent's `async_write` returning true).
    fn queue_full(&self) -> bool;

    /// Resolves once the write queue has drained below half its budget (libtorrent's
    /// `disk_observer::on_disk`).
    fn wait_for_space(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

    /// Bytes waiting to be written.
    fn queued_bytes(&self) -> u64;

    /// Reads `length` bytes of `piece` at `offset`, from a queued write when one holds them.
    fn read_block(&self, piece: PieceIndex, offset: u32, length: u32) -> DiskFuture<Bytes>;

    /// Hashes a piece once its queued writes are on disk (libtorrent's `async_hash`).
    fn hash_piece(&self, piece: PieceIndex, kinds: HashKinds) -> DiskFuture<PieceHashes>;

    /// Writes a whole piece given as its blocks in order (`blocks[i]` at offset `i` × 16 KiB)
    /// and hashes those same buffers in one job: the data hashed is the data written, and
    /// nothing is read back. The blocks count against the write queue until written, and
    /// reads of them are served from it meanwhile.
    ///
    /// The default queues each block with [`write_block`](Self::write_block), then
    /// [`hash_piece`](Self::hash_piece).
    fn write_piece(
        &self,
        piece: PieceIndex,
        blocks: Vec<Bytes>,
        kinds: HashKinds,
    ) -> DiskFuture<PieceHashes> {
        let mut offset = 0u32;
        let writes: Vec<DiskFuture<()>> = blocks
            .into_iter()
            .map(|block| {
                let len = u32::try_from(block.len()).unwrap_or(u32::MAX);
                let write = self.write_block(piece, offset, block);
                offset = offset.saturating_add(len);
                write
            })
            .collect();
        let hashed = self.hash_piece(piece, kinds);
        Box::pin(async move {
            for write in writes {
                write.await?;
            }
            hashed.await
        })
    }

    /// SHA-256 of one 16 KiB block (libtorrent's `async_hash2`).
    fn hash_block_v2(&self, piece: PieceIndex, offset: u32) -> DiskFuture<Sha256Hash>;

    /// Checks resume data against the files (libtorrent's `async_check_files`).
    fn check_files(&self, have: Bitfield) -> DiskFuture<CheckFilesOutcome>;

    /// Moves the storage to `save_path`, after every job in flight.
    fn move_storage(&self, save_path: PathBuf, flags: MoveFlags) -> DiskFuture<()>;

    /// Renames one file, after every job in flight.
    fn rename_file(&self, file: FileIndex, new_path: String) -> DiskFuture<()>;

    /// Deletes the files or only the part file, after every job in flight.
    fn delete_files(&self, mode: DeleteMode) -> DiskFuture<()>;

    /// Closes every file, after every job in flight.
    fn release_files(&self) -> DiskFuture<()>;

    /// Changes file priorities, moving data to or from the part file.
    fn set_file_priorities(&self, priorities: Vec<u8>) -> DiskFuture<()>;

    /// Forgets a piece that failed its hash check, once no job touches it.
    fn clear_piece(&self, piece: PieceIndex) -> DiskFuture<()>;

    /// Writes everything queued so far, then flushes the files.
    fn flush(&self) -> DiskFuture<()>;
}

/// Queued writes by (piece, offset), and their total size.
#[derive(Debug, Default)]
struct Pending {
    blocks: BTreeMap<(PieceIndex, u32), (u64, Bytes)>,
    bytes: u64,
    next_id: u64,
}

impl Pending {
    /// Queues `data` as the block at `offset` of `piece` (replacing an older queued write of
    /// it); returns the write's id.
    fn queue(&mut self, piece: PieceIndex, offset: u32, data: Bytes) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let len = data.len() as u64;
        if let Some((_, old)) = self.blocks.insert((piece, offset), (id, data)) {
            self.bytes -= old.len() as u64;
        }
        self.bytes += len;
        id
    }

    /// Takes the write `id` of that block out once it is done, unless a newer write of the
    /// same block was queued meanwhile (that one stays).
    fn done(&mut self, piece: PieceIndex, offset: u32, id: u64) {
        if self.blocks.get(&(piece, offset)).map(|(queued, _)| *queued) == Some(id) {
            if let Some((_, data)) = self.blocks.remove(&(piece, offset)) {
                self.bytes -= data.len() as u64;
            }
        }
    }
}

#[derive(Debug)]
struct Shared<S> {
    storage: RwLock<S>,
    pending: Mutex<Pending>,
    /// Woken whenever a queued write completes.
    written: Notify,
    max_queued_bytes: u64,
    /// Limits the blocking threads busy with this storage.
    threads: Arc<Semaphore>,
    /// Buffered pieces waiting for a disk thread.
    pieces: PieceQueue,
    /// Taken around each buffered piece's writes: the disk threads write one at a time.
    write_turn: Mutex<()>,
    /// Lines of pieces read for peers.
    cache: ReadCache,
    /// The torrent's piece length and total size, for the lines' extent.
    piece_length: u64,
    total_size: u64,
}

impl<S> Shared<S> {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // Single map operations only: a poisoned queue is consistent.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn piece_pending(&self, piece: PieceIndex) -> bool {
        self.pending()
            .blocks
            .range((piece, 0)..=(piece, u32::MAX))
            .next()
            .is_some()
    }

    /// On a disk thread: writes and hashes the next queued piece (two side by side when they
    /// pair), then takes their blocks off the write queue and replies.
    fn write_pieces(&self)
    where
        S: Storage,
    {
        let jobs = self.pieces.take();
        if jobs.is_empty() {
            return;
        }
        let results = {
            let storage = self
                .storage
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            write_and_hash(&*storage, &self.write_turn, &jobs)
        };
        for job in &jobs {
            self.cache.forget_piece(job.piece);
        }
        {
            let mut pending = self.pending();
            for job in &jobs {
                for &(offset, id) in &job.queued {
                    pending.done(job.piece, offset, id);
                }
            }
        }
        self.written.notify_waiters();
        for (job, result) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

/// [`DiskIo`] over a synchronous [`Storage`]: jobs run on tokio's blocking threads, at most
/// `threads` at a time. Data jobs share a read lock on the storage; structural jobs (move,
/// rename, delete, priorities, release, clear) take the write lock, so they wait for every job
/// in flight and no job runs during them.
///
/// Reads are served from the write queue when a queued block covers them, else through a read
/// cache of 256 KiB lines (one disk read per line, however many requests wait for it; a line
/// goes once all of it was served). Buffered pieces ([`DiskIo::write_piece`]) waiting together
/// are hashed two at a time.
///
/// # Examples
/// ```no_run
/// # async fn demo(storage: lt_storage::TorrentStorage) -> Result<(), lt_storage::StorageError> {
/// use lt_storage::{DiskIo, ThreadPoolDiskIo};
/// let disk = ThreadPoolDiskIo::new(storage, 2, lt_storage::DEFAULT_MAX_QUEUED_BYTES);
/// let written = disk.write_block(lt_core::PieceIndex::new(0), 0, bytes::Bytes::from(vec![1; 16384]));
/// if disk.queue_full() {
///     disk.wait_for_space().await; // stop reading from peers meanwhile
/// }
/// written.await?;
/// let block = disk.read_block(lt_core::PieceIndex::new(0), 0, 16384).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ThreadPoolDiskIo<S> {
    shared: Arc<Shared<S>>,
    runtime: Handle,
}

impl<S: Storage + 'static> ThreadPoolDiskIo<S> {
    /// Wraps `storage`, running at most `threads` jobs at once (0: one per core) and queueing
    /// at most about `max_queued_bytes` of writes before [`DiskIo::queue_full`] says stop.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(storage: S, threads: usize, max_queued_bytes: u64) -> Self {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            threads => threads,
        };
        let (piece_length, total_size) = (
            u64::from(storage.info().piece_length()),
            storage.info().total_size(),
        );
        Self {
            shared: Arc::new(Shared {
                storage: RwLock::new(storage),
                pending: Mutex::new(Pending::default()),
                written: Notify::new(),
                max_queued_bytes,
                threads: Arc::new(Semaphore::new(threads)),
                pieces: PieceQueue::default(),
                write_turn: Mutex::new(()),
                cache: ReadCache::default(),
                piece_length,
                total_size,
            }),
            runtime: Handle::current(),
        }
    }

    /// Runs `job` on a blocking thread once a thread slot is free.
    fn spawn<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Shared<S>) -> Result<T, StorageError> + Send + 'static,
    ) -> DiskFuture<T> {
        self.spawn_after(async {}, job)
    }

    /// Runs `job` on a blocking thread once `before` resolved and a thread slot is free. The
    /// job is queued now, whether or not the returned future is polled.
    fn spawn_after<T: Send + 'static>(
        &self,
        before: impl Future<Output = ()> + Send + 'static,
        job: impl FnOnce(&Shared<S>) -> Result<T, StorageError> + Send + 'static,
    ) -> DiskFuture<T> {
        let shared = Arc::clone(&self.shared);
        let runtime = self.runtime.clone();
        let task = self.runtime.spawn(async move {
            before.await;
            let permit = Arc::clone(&shared.threads)
                .acquire_owned()
                .await
                .map_err(|_| StorageError::ShuttingDown)?;
            let result = runtime
                .spawn_blocking(move || {
                    let result = job(&shared);
                    drop(permit);
                    result
                })
                .await;
            result.map_err(|_| StorageError::ShuttingDown)?
        });
        Box::pin(async move { task.await.map_err(|_| StorageError::ShuttingDown)? })
    }

    /// A data job under the read lock.
    fn with_storage<T: Send + 'static>(
        &self,
        job: impl FnOnce(&S) -> Result<T, StorageError> + Send + 'static,
    ) -> DiskFuture<T> {
        self.spawn(move |shared| {
            let storage = shared
                .storage
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            job(&storage)
        })
    }

    /// A structural job under the write lock.
    fn with_storage_mut<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut S) -> Result<T, StorageError> + Send + 'static,
    ) -> DiskFuture<T> {
        self.shared.cache.clear();
        self.spawn(move |shared| {
            let mut storage = shared
                .storage
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let result = job(&mut storage);
            // The files changed: lines read meanwhile may hold what was there before.
            shared.cache.clear();
            result
        })
    }

    /// A data job under the read lock that starts once `before` resolves.
    fn with_storage_after<T: Send + 'static>(
        &self,
        before: impl Future<Output = ()> + Send + 'static,
        job: impl FnOnce(&S) -> Result<T, StorageError> + Send + 'static,
    ) -> DiskFuture<T> {
        self.spawn_after(before, move |shared| {
            let storage = shared
                .storage
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            job(&storage)
        })
    }

    /// Reads just `length` bytes of `piece` at `offset`.
    fn read_alone(&self, piece: PieceIndex, offset: u32, length: u32) -> DiskFuture<Bytes> {
        self.with_storage(move |storage| {
            let mut buffer = vec![0u8; length as usize];
            storage.read(piece, offset, &mut buffer)?;
            Ok(Bytes::from(buffer))
        })
    }

    /// Reads `length` bytes of `piece` at `offset` from the cache line that holds them, reading
    /// the line first when it is not cached (a failed line read falls back to reading just
    /// the bytes asked for). `None` when the range is not inside one line of the piece.
    fn read_through_cache(
        &self,
        piece: PieceIndex,
        offset: u32,
        length: u32,
    ) -> Option<DiskFuture<Bytes>> {
        let shared = &self.shared;
        let piece_start = u64::from(piece.get()).checked_mul(shared.piece_length)?;
        let piece_size = shared
            .total_size
            .checked_sub(piece_start)?
            .min(shared.piece_length);
        let line_start = offset / LINE * LINE;
        let line_end = (u64::from(line_start) + u64::from(LINE)).min(piece_size);
        let end = u64::from(offset) + u64::from(length);
        if length == 0 || end > line_end {
            return None;
        }
        let line_len = (line_end - u64::from(line_start)) as u32;
        let line = shared.cache.line(piece, line_start);
        let this = self.clone_handle();
        Some(Box::pin(async move {
            let from = (offset - line_start) as usize;
            let to = from + length as usize;
            let read_line = || this.read_alone(piece, line_start, line_len);
            match line.bytes.get_or_try_init(read_line).await {
                Ok(bytes) if to <= bytes.len() => {
                    let block = bytes.slice(from..to);
                    this.shared
                        .cache
                        .served(piece, line_start, &line, u64::from(length));
                    Ok(block)
                }
                _ => this.read_alone(piece, offset, length).await,
            }
        }))
    }

    /// Another handle on the same storage and queues.
    fn clone_handle(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            runtime: self.runtime.clone(),
        }
    }

    /// Waits until `piece` has no queued write (all of them, when `None`).
    fn settled(&self, piece: Option<PieceIndex>) -> impl Future<Output = ()> + Send + 'static {
        let shared = Arc::clone(&self.shared);
        async move {
            loop {
                let notified = shared.written.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let busy = match piece {
                    Some(piece) => shared.piece_pending(piece),
                    None => !shared.pending().blocks.is_empty(),
                };
                if !busy {
                    return;
                }
                notified.await;
            }
        }
    }
}

impl<S: Storage + 'static> DiskIo for ThreadPoolDiskIo<S> {
    fn write_block(&self, piece: PieceIndex, offset: u32, data: Bytes) -> DiskFuture<()> {
        let id = self.shared.pending().queue(piece, offset, data.clone());
        self.shared.cache.forget_piece(piece);
        self.spawn(move |shared| {
            let result = shared
                .storage
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .write(piece, offset, &data);
            shared.cache.forget_piece(piece);
            shared.pending().done(piece, offset, id);
            shared.written.notify_waiters();
            result
        })
    }

    fn queue_full(&self) -> bool {
        self.shared.pending().bytes >= self.shared.max_queued_bytes
    }

    fn wait_for_space(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            loop {
                let notified = shared.written.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if shared.pending().bytes < shared.max_queued_bytes / 2 {
                    return;
                }
                notified.await;
            }
        })
    }

    fn queued_bytes(&self) -> u64 {
        self.shared.pending().bytes
    }

    fn read_block(&self, piece: PieceIndex, offset: u32, length: u32) -> DiskFuture<Bytes> {
        let end = u64::from(offset) + u64::from(length);
        let queued = {
            let pending = self.shared.pending();
            pending
                .blocks
                .range((piece, 0)..=(piece, offset))
                .next_back()
                .and_then(|((_, start), (_, data))| {
                    let from = (offset - start) as usize;
                    let covers = u64::from(*start) + data.len() as u64 >= end;
                    covers.then(|| data.slice(from..from + length as usize))
                })
        };
        if let Some(block) = queued {
            return Box::pin(async move { Ok(block) });
        }
        if let Some(read) = self.read_through_cache(piece, offset, length) {
            return read;
        }
        self.read_alone(piece, offset, length)
    }

    fn hash_piece(&self, piece: PieceIndex, kinds: HashKinds) -> DiskFuture<PieceHashes> {
        let settled = self.settled(Some(piece));
        self.with_storage_after(settled, move |storage| hash_piece(storage, piece, kinds))
    }

    fn write_piece(
        &self,
        piece: PieceIndex,
        blocks: Vec<Bytes>,
        kinds: HashKinds,
    ) -> DiskFuture<PieceHashes> {
        let mut queued = Vec::with_capacity(blocks.len());
        {
            let mut pending = self.shared.pending();
            let mut offset = 0u32;
            for block in &blocks {
                queued.push((offset, pending.queue(piece, offset, block.clone())));
                offset = offset.saturating_add(u32::try_from(block.len()).unwrap_or(u32::MAX));
            }
        }
        self.shared.cache.forget_piece(piece);
        let (reply, result) = oneshot::channel();
        let job = PieceJob {
            piece,
            blocks,
            queued,
            kinds,
            reply,
        };
        self.shared.pieces.push(job);
        // Queued now; the result arrives through `reply`.
        let _queued = self.spawn(|shared| {
            shared.write_pieces();
            Ok(())
        });
        Box::pin(async move { result.await.map_err(|_| StorageError::ShuttingDown)? })
    }

    fn hash_block_v2(&self, piece: PieceIndex, offset: u32) -> DiskFuture<Sha256Hash> {
        let settled = self.settled(Some(piece));
        self.with_storage_after(settled, move |storage| {
            hash_block_v2(storage, piece, offset)
        })
    }

    fn check_files(&self, have: Bitfield) -> DiskFuture<CheckFilesOutcome> {
        self.with_storage(move |storage| storage.check_files(&have))
    }

    fn move_storage(&self, save_path: PathBuf, flags: MoveFlags) -> DiskFuture<()> {
        self.with_storage_mut(move |storage| storage.move_storage(&save_path, flags))
    }

    fn rename_file(&self, file: FileIndex, new_path: String) -> DiskFuture<()> {
        self.with_storage_mut(move |storage| storage.rename_file(file, &new_path))
    }

    fn delete_files(&self, mode: DeleteMode) -> DiskFuture<()> {
        self.with_storage_mut(move |storage| storage.delete_files(mode))
    }

    fn release_files(&self) -> DiskFuture<()> {
        self.with_storage_mut(|storage| storage.release_files())
    }

    fn set_file_priorities(&self, priorities: Vec<u8>) -> DiskFuture<()> {
        self.with_storage_mut(move |storage| storage.set_file_priorities(&priorities))
    }

    fn clear_piece(&self, piece: PieceIndex) -> DiskFuture<()> {
        self.shared.cache.forget_piece(piece);
        let settled = self.settled(Some(piece));
        self.spawn_after(settled, move |shared| {
            let storage = shared
                .storage
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            storage.clear_piece(piece)
        })
    }

    fn flush(&self) -> DiskFuture<()> {
        let settled = self.settled(None);
        self.with_storage_after(settled, |storage| storage.flush())
    }
}
