//! What a storage is built from ([`StorageParams`], [`Backend`]) and the modes of its structural
//! operations ([`MoveFlags`], [`DeleteMode`]).

use std::path::PathBuf;

pub use lt_metainfo::StorageMode;

/// libtorrent's default number of open file handles (`file_pool_size`).
pub const DEFAULT_FILE_POOL_SIZE: usize = 40;

/// The priority of a file nobody wants (libtorrent's `dont_download`): its data goes to the
/// part file, never to the file itself.
pub const DONT_DOWNLOAD: u8 = 0;

/// libtorrent's default file priority.
pub const DEFAULT_PRIORITY: u8 = 4;

/// How a storage reaches the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Positioned reads and writes (`pread`/`pwrite`) on a pool of open files. The default:
    /// see `docs/storage.md` for the measurements behind the choice.
    #[default]
    Pread,
    /// Files mapped into memory (memmap2); reads and writes are memory copies. Mapped pages
    /// count in the process's resident memory.
    Mmap,
    /// Files kept in memory, keyed by path; nothing touches the disk (for tests).
    Memory,
    /// Writes are dropped and reads return zeros (for benchmarks; libtorrent's
    /// `disabled_disk_io`).
    Discard,
}

/// Everything a [`TorrentStorage`](crate::TorrentStorage) needs besides the torrent.
///
/// # Examples
/// ```
/// use lt_storage::{Backend, StorageMode, StorageParams};
///
/// let params = StorageParams {
///     backend: Backend::Mmap,
///     mode: StorageMode::Allocate,
///     ..StorageParams::new("/downloads")
/// };
/// assert_eq!(params.file_pool_size, 40);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageParams {
    /// The directory the torrent's files go under.
    pub save_path: PathBuf,
    /// How files reach the disk.
    pub backend: Backend,
    /// Sparse files (the default) or full allocation up front.
    pub mode: StorageMode,
    /// At most this many files are open at once (at least 1).
    pub file_pool_size: usize,
    /// File priorities by file index, 0 to 7; files past the end get [`DEFAULT_PRIORITY`].
    /// Data of pieces that overlap priority-0 files goes to the part file.
    pub file_priorities: Vec<u8>,
    /// The part file's name in the save path; by default `.<info-hash hex>.parts`.
    pub part_file_name: Option<String>,
}

impl StorageParams {
    /// Defaults with `save_path`: pread backend, sparse files, 40 open files, every file at
    /// the default priority.
    pub fn new(save_path: impl Into<PathBuf>) -> Self {
        Self {
            save_path: save_path.into(),
            backend: Backend::default(),
            mode: StorageMode::Sparse,
            file_pool_size: DEFAULT_FILE_POOL_SIZE,
            file_priorities: Vec::new(),
            part_file_name: None,
        }
    }
}

/// What `move_storage` does with files already at the destination (libtorrent's
/// `move_flags_t`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MoveFlags {
    /// Replace any file at the destination (the default).
    #[default]
    AlwaysReplaceFiles,
    /// Fail with [`StorageError::FileExists`](crate::StorageError::FileExists) before moving
    /// anything if any destination file exists.
    FailIfExist,
    /// Keep the files already at the destination (and delete the sources); the caller should
    /// recheck, since they may differ.
    DontReplace,
}

/// What `delete_files` removes (libtorrent's `remove_flags_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteMode {
    /// The torrent's files, the part file and the directories they leave empty.
    Files,
    /// Only the part file.
    PartFile,
}

/// Which hashes `hash_piece` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashKinds {
    /// SHA-1 of the piece (v1).
    V1,
    /// SHA-256 of each 16 KiB block of the piece's file data (v2).
    V2,
    /// Both (hybrid torrents).
    Both,
}

impl HashKinds {
    /// The kinds a torrent's pieces are checked with.
    pub fn for_torrent(info: &lt_metainfo::TorrentInfo) -> Self {
        match (info.is_v1(), info.is_v2()) {
            (true, true) => HashKinds::Both,
            (false, true) => HashKinds::V2,
            _ => HashKinds::V1,
        }
    }

    /// Whether SHA-1 is computed.
    pub fn has_v1(self) -> bool {
        matches!(self, HashKinds::V1 | HashKinds::Both)
    }

    /// Whether block SHA-256s are computed.
    pub fn has_v2(self) -> bool {
        matches!(self, HashKinds::V2 | HashKinds::Both)
    }
}
