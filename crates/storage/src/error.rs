//! [`StorageError`]: what failed, on which file, and why; [`FileOperation`]: the failing step.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use lt_core::{FileIndex, PieceIndex};

/// The file operation that failed (libtorrent's `operation_t`, the file subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileOperation {
    /// Opening or creating a file (`file_open`).
    Open,
    /// Reading (`file_read`).
    Read,
    /// Writing (`file_write`).
    Write,
    /// Giving a file its full size (`file_fallocate`).
    Allocate,
    /// Asking a file's size or kind (`file_stat`).
    Stat,
    /// Renaming or moving (`file_rename`).
    Rename,
    /// Copying a file to another file system (`file_copy`).
    Copy,
    /// Creating a directory (`mkdir`).
    Mkdir,
    /// Deleting a file or directory (`file_remove`).
    Remove,
    /// Changing a file's size (`file_truncate`).
    Truncate,
    /// Mapping a file into memory (`file_mmap`).
    Mmap,
    /// Writing dirty pages or buffers to the device (`file`).
    Flush,
    /// Creating a symbolic link (`symlink`).
    Symlink,
    /// Setting a file's permission bits (`file`).
    SetPermissions,
    /// Reading the part file (`partfile_read`).
    PartFileRead,
    /// Writing the part file (`partfile_write`).
    PartFileWrite,
    /// Moving data between the part file and a real file (`partfile_move`).
    PartFileMove,
    /// Comparing files on disk with resume data (`check_resume`).
    CheckResume,
}

impl FileOperation {
    /// libtorrent's `operation_name()` for this operation.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(lt_storage::FileOperation::Write.libtorrent_name(), "file_write");
    /// ```
    pub fn libtorrent_name(self) -> &'static str {
        match self {
            FileOperation::Open => "file_open",
            FileOperation::Read => "file_read",
            FileOperation::Write => "file_write",
            FileOperation::Allocate => "file_fallocate",
            FileOperation::Stat => "file_stat",
            FileOperation::Rename => "file_rename",
            FileOperation::Copy => "file_copy",
            FileOperation::Mkdir => "mkdir",
            FileOperation::Remove => "file_remove",
            FileOperation::Truncate => "file_truncate",
            FileOperation::Mmap => "file_mmap",
            FileOperation::Flush | FileOperation::SetPermissions => "file",
            FileOperation::Symlink => "symlink",
            FileOperation::PartFileRead => "partfile_read",
            FileOperation::PartFileWrite => "partfile_write",
            FileOperation::PartFileMove => "partfile_move",
            FileOperation::CheckResume => "check_resume",
        }
    }
}

impl fmt::Display for FileOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileOperation::Open => "open",
            FileOperation::Read => "read",
            FileOperation::Write => "write",
            FileOperation::Allocate => "allocate",
            FileOperation::Stat => "stat",
            FileOperation::Rename => "rename",
            FileOperation::Copy => "copy",
            FileOperation::Mkdir => "mkdir",
            FileOperation::Remove => "remove",
            FileOperation::Truncate => "truncate",
            FileOperation::Mmap => "mmap",
            FileOperation::Flush => "flush",
            FileOperation::Symlink => "symlink",
            FileOperation::SetPermissions => "chmod",
            FileOperation::PartFileRead => "part file read",
            FileOperation::PartFileWrite => "part file write",
            FileOperation::PartFileMove => "part file move",
            FileOperation::CheckResume => "check resume",
        })
    }
}

/// Names the file an error is about: `file 3 (/save/dir/a.bin)`, `the part file (…)`, or a bare
/// path for directories.
struct Subject<'a> {
    file: Option<FileIndex>,
    path: Option<&'a Path>,
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file, self.path) {
            (Some(file), Some(path)) => write!(f, "file {file} ({})", path.display()),
            (Some(file), None) => write!(f, "file {file}"),
            (None, Some(path)) => write!(f, "{}", path.display()),
            (None, None) => f.write_str("the storage"),
        }
    }
}

fn subject(file: Option<FileIndex>, path: &Option<PathBuf>) -> Subject<'_> {
    Subject {
        file,
        path: path.as_deref(),
    }
}

/// Everything that can go wrong in a torrent's storage (libtorrent's `storage_error`).
///
/// I/O failures are [`StorageError::File`]: the operation, the torrent's file index (`None` for
/// the part file and directories) with its full path, and the OS error. The other variants are
/// failures found without the OS saying so.
///
/// # Examples
/// ```
/// use lt_storage::{FileOperation, StorageError};
///
/// let error = StorageError::io(
///     FileOperation::Write,
///     Some(lt_core::FileIndex::new(3)),
///     Some("/downloads/album/03.flac".into()),
///     std::io::Error::from_raw_os_error(28),
/// );
/// assert!(error.to_string().starts_with("write failed on file 3 (/downloads/album/03.flac): "));
/// assert_eq!(error.operation(), Some(FileOperation::Write));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The OS refused an operation on a file or directory.
    #[error("{operation} failed on {}: {source}", subject(*.file, .path))]
    File {
        /// The torrent's file, if the path is one of its files.
        file: Option<FileIndex>,
        /// The full path operated on.
        path: Option<PathBuf>,
        /// What was being done.
        operation: FileOperation,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A file on disk ends before data that should be in it (libtorrent's `file_too_short`):
    /// it was truncated, or replaced, underneath us.
    #[error("file too short: {} has {actual} bytes, {needed} needed for {operation}", subject(Some(*.file), &Some(.path.clone())))]
    FileTooShort {
        /// The torrent's file.
        file: FileIndex,
        /// Its full path.
        path: PathBuf,
        /// What was being done.
        operation: FileOperation,
        /// The size on disk.
        actual: u64,
        /// The size the operation needed.
        needed: u64,
    },
    /// `move_storage` with [`MoveFlags::FailIfExist`](crate::MoveFlags::FailIfExist) found a
    /// file at the destination (libtorrent's `file_exists`).
    #[error("file exists: {}", .path.display())]
    FileExists {
        /// The torrent's file that would be overwritten.
        file: Option<FileIndex>,
        /// The existing path.
        path: PathBuf,
    },
    /// A read or write outside the piece, or of a piece the torrent does not have.
    #[error("invalid piece request: piece {piece}, offset {offset}, length {length}")]
    InvalidRequest {
        /// The piece.
        piece: PieceIndex,
        /// Offset within the piece.
        offset: u32,
        /// Number of bytes.
        length: u64,
    },
    /// A file index past the torrent's last file.
    #[error("invalid file index {0}")]
    InvalidFile(FileIndex),
    /// A file name that would leave the save path or is not a plain relative path.
    #[error("invalid file name for file {file}: {name:?}")]
    InvalidPath {
        /// The file.
        file: FileIndex,
        /// The rejected name.
        name: String,
    },
    /// The part file's header is damaged.
    #[error("part file corrupt ({}): {reason}", .path.display())]
    PartFileCorrupt {
        /// The part file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// A piece read in seed mode failed its hash check (libtorrent's `failed_hash_check`).
    #[error("a piece did not match its piece hash: piece {0}")]
    HashFailed(PieceIndex),
    /// The caller cancelled the operation.
    #[error("operation cancelled")]
    Cancelled,
    /// The disk I/O threads are gone (libtorrent's `session_is_closing`).
    #[error("operation not permitted, session shutting down")]
    ShuttingDown,
}

impl StorageError {
    /// An I/O error on `path`, during `operation`.
    pub fn io(
        operation: FileOperation,
        file: Option<FileIndex>,
        path: Option<PathBuf>,
        source: io::Error,
    ) -> Self {
        StorageError::File {
            file,
            path,
            operation,
            source,
        }
    }

    /// The failing operation, where there is one.
    pub fn operation(&self) -> Option<FileOperation> {
        match self {
            StorageError::File { operation, .. } | StorageError::FileTooShort { operation, .. } => {
                Some(*operation)
            }
            StorageError::FileExists { .. } => Some(FileOperation::Rename),
            StorageError::PartFileCorrupt { .. } => Some(FileOperation::PartFileRead),
            _ => None,
        }
    }

    /// The torrent's file the error is about, where there is one.
    pub fn file(&self) -> Option<FileIndex> {
        match self {
            StorageError::File { file, .. } | StorageError::FileExists { file, .. } => *file,
            StorageError::FileTooShort { file, .. }
            | StorageError::InvalidFile(file)
            | StorageError::InvalidPath { file, .. } => Some(*file),
            _ => None,
        }
    }

    /// The path the error is about, where there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StorageError::File { path, .. } => path.as_deref(),
            StorageError::FileTooShort { path, .. }
            | StorageError::FileExists { path, .. }
            | StorageError::PartFileCorrupt { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The OS error kind of a [`StorageError::File`].
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            StorageError::File { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    /// Whether the error means "the data is not there" (a missing or short file), which a
    /// recheck counts as a piece we do not have rather than a failure.
    pub fn is_missing_data(&self) -> bool {
        match self {
            StorageError::FileTooShort { .. } => true,
            StorageError::File {
                source, operation, ..
            } => {
                source.kind() == io::ErrorKind::NotFound
                    && matches!(
                        operation,
                        FileOperation::Open | FileOperation::Read | FileOperation::Stat
                    )
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_operation_file_path_and_os_error() {
        let error = StorageError::io(
            FileOperation::Open,
            Some(FileIndex::new(2)),
            Some(PathBuf::from("/s/t/b")),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(
            error.to_string(),
            "open failed on file 2 (/s/t/b): permission denied"
        );
        let error = StorageError::io(
            FileOperation::Mkdir,
            None,
            Some(PathBuf::from("/s/t")),
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(error.to_string(), "mkdir failed on /s/t: entity not found");
        assert_eq!(error.file(), None);
        assert_eq!(error.path(), Some(Path::new("/s/t")));
        let short = StorageError::FileTooShort {
            file: FileIndex::new(0),
            path: "/s/a".into(),
            operation: FileOperation::Read,
            actual: 10,
            needed: 20,
        };
        assert_eq!(
            short.to_string(),
            "file too short: file 0 (/s/a) has 10 bytes, 20 needed for read"
        );
        assert!(short.is_missing_data());
        assert_eq!(
            FileOperation::PartFileMove.libtorrent_name(),
            "partfile_move"
        );
    }
}
