//! The synchronous [`Storage`] trait: one torrent's files, as the disk threads use them.

use std::path::Path;

use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::TorrentInfo;

use crate::error::StorageError;
use crate::params::{DeleteMode, MoveFlags};

/// The files of one torrent, read and written by piece and offset (libtorrent's storage
/// interface, minus the caching and threading that [`DiskIo`](crate::DiskIo) adds).
///
/// Synchronous by design: the OS's file calls block anyway, positioned I/O needs no seek
/// state, and a thread pool above turns it into the async [`DiskIo`](crate::DiskIo) surface.
/// Data methods take `&self` and may run on many threads at once; structural methods take
/// `&mut self`, so the compiler guarantees that no read or write runs while files are moved,
/// renamed, deleted or re-prioritized.
///
/// [`TorrentStorage`](crate::TorrentStorage) implements it over the pread, mmap, in-memory and
/// discard backends; implement it to put a torrent's data elsewhere.
pub trait Storage: Send + Sync {
    /// The torrent whose files these are.
    fn info(&self) -> &TorrentInfo;

    /// Prepares the files when a torrent is added: creates the save path, empty files,
    /// symlinks and (in allocate mode) every wanted file at its full size.
    ///
    /// # Errors
    /// The first file operation that fails.
    fn initialize(&self) -> Result<(), StorageError>;

    /// Reads `buf.len()` bytes of `piece` from `offset`. Pad files read as zeros; data of
    /// priority-0 files comes from the part file.
    ///
    /// # Errors
    /// [`StorageError::InvalidRequest`] outside the piece, [`StorageError::FileTooShort`] or a
    /// `NotFound` open error where the data is not on disk, or what the OS says.
    fn read(&self, piece: PieceIndex, offset: u32, buf: &mut [u8]) -> Result<(), StorageError>;

    /// Writes `data` into `piece` at `offset`. Pad file bytes are dropped.
    ///
    /// # Errors
    /// [`StorageError::InvalidRequest`] outside the piece, or what the OS says (a full disk is
    /// a `Write` error with `StorageFull`).
    fn write(&self, piece: PieceIndex, offset: u32, data: &[u8]) -> Result<(), StorageError>;

    /// Writes `blocks` one after the other into `piece` from `offset`, as [`Storage::write`]
    /// would each. A backend may write them in fewer system calls (the default storage writes
    /// a range that lies in one file with one vectored write).
    ///
    /// # Errors
    /// As [`Storage::write`]; blocks before the failing one may be on disk.
    fn write_blocks(
        &self,
        piece: PieceIndex,
        offset: u32,
        blocks: &[&[u8]],
    ) -> Result<(), StorageError> {
        write_each(self, piece, offset, blocks)
    }

    /// Compares the files on disk with resume data that claims the pieces in `have`
    /// (libtorrent's `check_fastresume`): every file holding a claimed piece must exist and be
    /// long enough. Touches no data.
    ///
    /// # Errors
    /// Only when the OS refuses to say what is on disk (not for missing files).
    fn check_files(&self, have: &Bitfield) -> Result<CheckFilesOutcome, StorageError>;

    /// Forgets the part-file copy of `piece` after it failed its hash check.
    ///
    /// # Errors
    /// Writing the part file's header.
    fn clear_piece(&self, piece: PieceIndex) -> Result<(), StorageError>;

    /// Pushes written data to the device (`fsync` / `msync`).
    ///
    /// # Errors
    /// What the OS says.
    fn flush(&self) -> Result<(), StorageError>;

    /// Closes every open file; they reopen on the next access.
    ///
    /// # Errors
    /// Flushing mapped files.
    fn release_files(&self) -> Result<(), StorageError>;

    /// Sets file priorities (0 to 7; missing entries mean the default, 4). A file going to
    /// priority 0 that does not exist yet gets its data in the part file from now on; a file
    /// leaving priority 0 gets its data moved from the part file into the file.
    ///
    /// # Errors
    /// Moving data out of the part file; the priorities of files not yet moved are unchanged.
    fn set_file_priorities(&mut self, priorities: &[u8]) -> Result<(), StorageError>;

    /// Renames file `file` to `new_path`, relative to the save path (`/`-separated), moving it
    /// on disk if it exists.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for a path that is absolute or climbs out with `..`;
    /// the rename's OS error.
    fn rename_file(&mut self, file: FileIndex, new_path: &str) -> Result<(), StorageError>;

    /// Moves every file (and the part file) under `save_path`, which becomes the new save
    /// path (libtorrent's `move_storage`).
    ///
    /// # Errors
    /// [`StorageError::FileExists`] with [`MoveFlags::FailIfExist`] (before anything moved);
    /// otherwise the first failing operation. Files already moved stay moved and the save path
    /// is unchanged, so a retry finishes the job.
    fn move_storage(&mut self, save_path: &Path, flags: MoveFlags) -> Result<(), StorageError>;

    /// Deletes the torrent's files and the part file, or only the part file.
    ///
    /// # Errors
    /// The first file that could not be removed (missing files are fine).
    fn delete_files(&mut self, mode: DeleteMode) -> Result<(), StorageError>;
}

/// What [`Storage::check_files`] found (libtorrent's `status_t`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckFilesOutcome {
    /// Whether the resume data can be trusted.
    pub status: FastResumeStatus,
    /// Files larger on disk than in the torrent (libtorrent's `oversized_file` flag).
    pub oversized_files: Vec<FileIndex>,
}

/// Whether resume data matches the files (libtorrent's `no_error` / `need_full_check`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FastResumeStatus {
    /// Every claimed piece has a file long enough to hold it.
    #[default]
    Ok,
    /// Some claimed piece cannot be on disk: recheck.
    NeedFullCheck {
        /// The first file that made it so.
        file: FileIndex,
        /// What is wrong with it.
        reason: MismatchReason,
    },
}

/// Why a file cannot hold the pieces resume data claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MismatchReason {
    /// The file does not exist.
    Missing,
    /// Something other than a regular file (a directory…) is at its path.
    NotAFile,
    /// The file ends before the last claimed byte.
    TooShort {
        /// Bytes on disk.
        actual: u64,
        /// Bytes needed.
        needed: u64,
    },
    /// A claimed piece should be in the part file and is not.
    NotInPartFile(PieceIndex),
}

/// Writes `blocks` one [`Storage::write`] each, one after the other from `offset`.
pub(crate) fn write_each<S: Storage + ?Sized>(
    storage: &S,
    piece: PieceIndex,
    offset: u32,
    blocks: &[&[u8]],
) -> Result<(), StorageError> {
    let mut offset = offset;
    for block in blocks {
        storage.write(piece, offset, block)?;
        let length = u32::try_from(block.len()).map_err(|_| StorageError::InvalidRequest {
            piece,
            offset,
            length: block.len() as u64,
        })?;
        offset = offset.saturating_add(length);
    }
    Ok(())
}
