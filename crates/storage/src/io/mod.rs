//! The backends under [`TorrentStorage`](crate::TorrentStorage): positioned I/O on one file at a
//! time, plus the file-system operations the structural calls need.
//!
//! A backend knows files by [`FileRef`] (an index for the pool, a full path, a size); it knows
//! nothing of pieces, priorities or the part file.

mod discard;
mod disk;
mod memory;
mod mmap;
mod pool;
mod pread;

use std::fmt;
use std::path::{Path, PathBuf};

use lt_core::FileIndex;

use crate::error::{FileOperation, StorageError};
use crate::params::{Backend, StorageMode};

/// Which open handle a request is for: one of the torrent's files or the part file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Slot {
    File(FileIndex),
    PartFile,
}

/// A file as a backend sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileRef<'a> {
    pub(crate) slot: Slot,
    /// The full path.
    pub(crate) path: &'a Path,
    /// The save path: directories below it are created on demand, never the save path itself.
    pub(crate) save_path: &'a Path,
    /// The file's size in the torrent; `None` for files that grow (the part file), which are
    /// never mapped or pre-sized.
    pub(crate) size: Option<u64>,
    /// Create it with the executable bit.
    pub(crate) executable: bool,
}

impl FileRef<'_> {
    /// The torrent's file index, for errors.
    pub(crate) fn index(&self) -> Option<FileIndex> {
        slot_file(self.slot)
    }

    /// An I/O error about this file.
    pub(crate) fn error(&self, operation: FileOperation, source: std::io::Error) -> StorageError {
        StorageError::io(
            operation,
            self.index(),
            Some(self.path.to_path_buf()),
            source,
        )
    }
}

/// What `stat` found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Missing,
    File { len: u64 },
    Dir,
    Other,
}

/// Positioned I/O and file-system operations. Every method may be called from many threads.
pub(crate) trait FileIo: Send + Sync + fmt::Debug {
    /// Fills `buf` from `offset`. A file that ends early gives
    /// [`StorageError::FileTooShort`]; a missing file gives an `Open` error with `NotFound`.
    fn read(&self, file: &FileRef<'_>, offset: u64, buf: &mut [u8]) -> Result<(), StorageError>;

    /// Writes `data` at `offset`, creating the file (and directories below the save path).
    fn write(&self, file: &FileRef<'_>, offset: u64, data: &[u8]) -> Result<(), StorageError>;

    /// Writes `bufs` one after the other from `offset`, as [`FileIo::write`] would each.
    fn write_vectored(
        &self,
        file: &FileRef<'_>,
        offset: u64,
        bufs: &[&[u8]],
    ) -> Result<(), StorageError> {
        let mut offset = offset;
        for buf in bufs {
            self.write(file, offset, buf)?;
            offset += buf.len() as u64;
        }
        Ok(())
    }

    /// Gives the file its full size with blocks allocated ([`StorageMode::Allocate`]).
    fn allocate(&self, file: &FileRef<'_>) -> Result<(), StorageError>;

    /// Creates the file if missing, at its full size in sparse mode (empty files, and
    /// files created up front).
    fn create(&self, file: &FileRef<'_>) -> Result<(), StorageError>;

    /// Closes open handles: of one slot, or all of them.
    fn release(&self, slot: Option<Slot>);

    /// Pushes written data to the device.
    fn flush(&self) -> Result<(), StorageError>;

    /// What is at `path`.
    fn stat(&self, path: &Path) -> std::io::Result<Found>;

    /// Creates `path` and its parents.
    fn create_dir_all(&self, path: &Path) -> std::io::Result<()>;

    /// Removes a file (or a symlink).
    fn remove_file(&self, path: &Path) -> std::io::Result<()>;

    /// Removes `path` if it is an empty directory; `Ok(false)` if it is not empty.
    fn remove_dir_if_empty(&self, path: &Path) -> std::io::Result<bool>;

    /// Renames `from` to `to`, replacing `to`. Across file systems, copies then removes.
    fn rename(&self, from: &Path, to: &Path) -> Result<(), (FileOperation, std::io::Error)>;

    /// Creates a symbolic link at `link` pointing at `target` (relative to the link's dir).
    fn symlink(&self, target: &Path, link: &Path) -> std::io::Result<()>;
}

/// The torrent's file index of a slot (`None` for the part file).
pub(crate) fn slot_file(slot: Slot) -> Option<FileIndex> {
    match slot {
        Slot::File(index) => Some(index),
        Slot::PartFile => None,
    }
}

/// The backend for `backend`.
pub(crate) fn new_backend(
    backend: Backend,
    mode: StorageMode,
    pool_size: usize,
) -> Box<dyn FileIo> {
    match backend {
        Backend::Pread => Box::new(pread::PreadIo::new(mode, pool_size)),
        Backend::Mmap => Box::new(mmap::MmapIo::new(mode, pool_size)),
        Backend::Memory => Box::new(memory::MemoryIo::default()),
        Backend::Discard => Box::new(discard::DiscardIo),
    }
}

/// The parent directories of `path` from `save_path` down, for removing emptied directories.
pub(crate) fn parents_below(path: &Path, save_path: &Path) -> Vec<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(save_path) && *dir != save_path)
        .map(Path::to_path_buf)
        .collect()
}
