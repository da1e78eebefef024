//! Disk I/O for a torrent: its files read and written by piece and offset, the backends, the
//! part file, and checking (libtorrent's storage layer).
//!
//! - [`Storage`]: the synchronous trait for one torrent's files. [`TorrentStorage`] implements
//!   it over a [`Backend`]: pread/pwrite with a file pool (the default), mmap, in-memory (tests)
//!   and discard (benchmarks). Sparse files or full allocation ([`StorageMode`]); pad files
//!   never touch the disk; priority-0 files keep their data in a part file; executable bits and
//!   symlinks come from the torrent; every path is joined under the save path from checked
//!   relative components.
//! - [`DiskIo`]: the async boundary the session uses; [`ThreadPoolDiskIo`] runs a [`Storage`] on
//!   tokio's blocking threads with a bounded write queue (back-pressure) and serves reads from
//!   queued writes.
//! - Checking: [`Storage::check_files`] compares resume data with the files;
//!   [`check_pieces`] rechecks everything on all cores (v1 SHA-1, v2 merkle trees);
//!   [`SeedModeStorage`] verifies each piece the first time it is read.
//! - [`StorageError`] says which [`FileOperation`] failed on which file and path, and why.
//!
//! Leaves out: a block cache (the OS page cache serves), piece download state (lt-picker),
//! alerts and retries (lt-session).
//!
//! # Examples
//! ```
//! use std::sync::Arc;
//! use lt_core::{PieceIndex, Sha1Hash};
//! use lt_storage::{check_pieces, Backend, CheckOptions, Storage, StorageParams, TorrentStorage};
//!
//! // A one-file torrent of two 16 KiB pieces.
//! let data: Vec<u8> = (0..32768u32).map(|i| (i % 251) as u8).collect();
//! let mut torrent = b"d4:infod6:lengthi32768e4:name5:a.bin12:piece lengthi16384e6:pieces40:".to_vec();
//! for piece in data.chunks(16384) {
//!     torrent.extend_from_slice(Sha1Hash::digest(piece).as_bytes());
//! }
//! torrent.extend_from_slice(b"ee");
//! let info = Arc::new(lt_metainfo::TorrentInfo::from_bytes(&torrent)?);
//!
//! let params = StorageParams { backend: Backend::Memory, ..StorageParams::new("/downloads") };
//! let storage = TorrentStorage::new(info, params)?;
//! storage.initialize()?;
//! storage.write(PieceIndex::new(1), 0, &data[16384..])?;
//! let have = check_pieces(&storage, &CheckOptions::default())?;
//! assert_eq!(have.iter_ones().collect::<Vec<_>>(), [1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(unsafe_code)]

mod disk_io;
mod error;
mod hash;
mod io;
mod layout;
mod params;
mod part_file;
mod piece_writes;
mod priorities;
mod read_cache;
mod recheck;
mod relocate;
mod resume_check;
mod seed_mode;
mod storage;
mod torrent_storage;
mod verify;

pub use crate::disk_io::{DiskFuture, DiskIo, ThreadPoolDiskIo, DEFAULT_MAX_QUEUED_BYTES};
pub use crate::error::{FileOperation, StorageError};
pub use crate::hash::{hash_block_v2, hash_piece, PieceHashes};
pub use crate::params::{
    Backend, DeleteMode, HashKinds, MoveFlags, StorageMode, StorageParams, DEFAULT_FILE_POOL_SIZE,
    DEFAULT_PRIORITY, DONT_DOWNLOAD,
};
pub use crate::recheck::{check_pad_pieces, check_pieces, CheckOptions};
pub use crate::seed_mode::SeedModeStorage;
pub use crate::storage::{CheckFilesOutcome, FastResumeStatus, MismatchReason, Storage};
pub use crate::torrent_storage::TorrentStorage;
pub use crate::verify::PieceVerifier;
