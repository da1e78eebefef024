//! Creating `.torrent` files (libtorrent's `create_torrent`, `add_files` and `set_piece_hashes`).
//!
//! The info dictionary we write is the one libtorrent 2.x writes for the same files and options,
//! so the info-hashes agree: files are listed in directory order for v1 torrents, and in
//! canonical order with pad files between them for v2 and hybrid torrents; the piece size is
//! chosen by libtorrent's table unless given.

mod generate;
mod hash;
mod scan;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use lt_bencode::Value;
use lt_core::{InfoHash, Sha1Hash, Sha256Hash};

use self::scan::SourceFile;

/// Which hashes the torrent carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TorrentKind {
    /// BEP 3 only: SHA-1 piece hashes.
    V1,
    /// BEP 52 only: per-file SHA-256 merkle trees.
    V2,
    /// Both, describing the same (padded) data.
    #[default]
    Hybrid,
}

/// Why creating a torrent failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CreateError {
    /// Reading a file or directory failed.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A file got shorter while it was being hashed.
    #[error("a file was unexpectedly small: {}", .0.display())]
    FileTooShort(PathBuf),
    /// A file name is not valid UTF-8 (or the path has no file name).
    #[error("invalid file name: {}", .0.display())]
    InvalidPath(PathBuf),
    /// There is nothing to put in the torrent.
    #[error("no files in torrent")]
    NoFiles,
    /// All files are empty.
    #[error("invalid length of torrent")]
    EmptyTorrent,
    /// The piece size is not a power of two of at least 16 KiB (v2 and hybrid), or not a
    /// multiple of 16 KiB (v1).
    #[error("invalid piece size {0}")]
    InvalidPieceSize(u32),
    /// A v2 file tree would need a file and a directory of the same name.
    #[error("the v1 and v2 file metadata does not match")]
    InconsistentFiles,
    /// [`CreateTorrent::generate`] was called before the pieces were hashed.
    #[error("the piece hashes have not been computed")]
    MissingHashes,
    /// Hashing was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// A torrent being created: the files, the options, and (after hashing) the piece hashes.
///
/// # Examples
/// ```no_run
/// use lt_metainfo::{CreateTorrent, TorrentKind};
///
/// let mut torrent = CreateTorrent::from_path("some/dir", TorrentKind::Hybrid, None)?;
/// torrent.add_tracker("udp://tracker.example:6969/announce", 0);
/// torrent.hash_pieces(|done, total| eprintln!("{done}/{total}"))?;
/// std::fs::write("dir.torrent", torrent.generate_bytes()?).unwrap();
/// # Ok::<(), lt_metainfo::CreateError>(())
/// ```
#[derive(Debug)]
pub struct CreateTorrent {
    files: Vec<SourceFile>,
    kind: TorrentKind,
    piece_length: u32,
    trackers: Vec<(String, u32)>,
    url_seeds: Vec<String>,
    http_seeds: Vec<String>,
    nodes: Vec<(String, u16)>,
    comment: String,
    creator: String,
    source: String,
    /// `None`: the time of generation; `Some(None)`: left out.
    creation_date: Option<Option<i64>>,
    private: bool,
    include_mtime: bool,
    include_symlinks: bool,
    similar: Vec<Sha1Hash>,
    collections: Vec<String>,
    root_cert: Vec<u8>,
    hashes: Option<hash::PieceHashes>,
}

impl CreateTorrent {
    /// Collects the files under `path` (a file or a directory).
    ///
    /// `piece_length` of `None` picks libtorrent's automatic size.
    ///
    /// # Errors
    /// [`CreateError::Io`] when the path cannot be read, [`CreateError::NoFiles`] or
    /// [`CreateError::EmptyTorrent`] when there is nothing to share,
    /// [`CreateError::InvalidPieceSize`] for a piece length the kind does not allow.
    pub fn from_path(
        path: impl AsRef<Path>,
        kind: TorrentKind,
        piece_length: Option<u32>,
    ) -> Result<Self, CreateError> {
        Self::from_path_with(path, kind, piece_length, false)
    }

    /// As [`CreateTorrent::from_path`]; with `keep_symlinks`, symbolic links are stored as links
    /// (libtorrent's `create_flags::symlinks`) instead of being followed.
    ///
    /// # Errors
    /// As [`CreateTorrent::from_path`].
    pub fn from_path_with(
        path: impl AsRef<Path>,
        kind: TorrentKind,
        piece_length: Option<u32>,
        keep_symlinks: bool,
    ) -> Result<Self, CreateError> {
        let files = scan::scan(path.as_ref(), keep_symlinks)?;
        if files.is_empty() {
            return Err(CreateError::NoFiles);
        }
        let total: u64 = files.iter().map(|f| f.size).sum();
        if total == 0 {
            return Err(CreateError::EmptyTorrent);
        }
        let mut piece_length = piece_length.unwrap_or_else(|| scan::auto_piece_size(total));
        if kind == TorrentKind::V1 {
            if piece_length == 0
                || !piece_length.is_multiple_of(lt_core::BLOCK_SIZE)
                    && !piece_length.is_power_of_two()
            {
                return Err(CreateError::InvalidPieceSize(piece_length));
            }
        } else {
            piece_length = piece_length.max(lt_core::BLOCK_SIZE);
            if !piece_length.is_power_of_two() {
                return Err(CreateError::InvalidPieceSize(piece_length));
            }
        }
        let files = scan::layout(files, kind, piece_length);
        Ok(Self {
            files,
            kind,
            piece_length,
            trackers: Vec::new(),
            url_seeds: Vec::new(),
            http_seeds: Vec::new(),
            nodes: Vec::new(),
            comment: String::new(),
            creator: String::new(),
            source: String::new(),
            creation_date: None,
            private: false,
            include_mtime: false,
            include_symlinks: keep_symlinks,
            similar: Vec::new(),
            collections: Vec::new(),
            root_cert: Vec::new(),
            hashes: None,
        })
    }

    /// The piece length in bytes.
    pub fn piece_length(&self) -> u32 {
        self.piece_length
    }

    /// Number of pieces.
    pub fn num_pieces(&self) -> u32 {
        self.total_size().div_ceil(u64::from(self.piece_length)) as u32
    }

    /// Total size in bytes, pad files included.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Number of files, pad files included.
    pub fn num_files(&self) -> usize {
        self.files.len()
    }

    /// The kind of torrent being made.
    pub fn kind(&self) -> TorrentKind {
        self.kind
    }

    /// Adds a tracker in `tier` (lower tiers are tried first); a URL already added is ignored.
    pub fn add_tracker(&mut self, url: impl Into<String>, tier: u32) {
        let url = url.into();
        if url.is_empty() || self.trackers.iter().any(|(known, _)| *known == url) {
            return;
        }
        self.trackers.push((url, tier));
        self.trackers.sort_by_key(|(_, tier)| *tier);
    }

    /// Adds a BEP 19 web seed.
    pub fn add_url_seed(&mut self, url: impl Into<String>) {
        self.url_seeds.push(url.into());
    }

    /// Adds a BEP 17 HTTP seed.
    pub fn add_http_seed(&mut self, url: impl Into<String>) {
        self.http_seeds.push(url.into());
    }

    /// Adds a DHT bootstrap node.
    pub fn add_node(&mut self, host: impl Into<String>, port: u16) {
        self.nodes.push((host.into(), port));
    }

    /// Sets the comment.
    pub fn set_comment(&mut self, comment: impl Into<String>) {
        self.comment = comment.into();
    }

    /// Sets the creator (`created by`).
    pub fn set_creator(&mut self, creator: impl Into<String>) {
        self.creator = creator.into();
    }

    /// Sets the `source` key of the info dictionary (used by private trackers to make a
    /// torrent's info-hash unique to them); empty leaves it out.
    pub fn set_source(&mut self, source: impl Into<String>) {
        self.source = source.into();
    }

    /// Sets the creation date (POSIX seconds); `None` leaves it out. The default is the time
    /// [`CreateTorrent::generate`] runs.
    pub fn set_creation_date(&mut self, date: Option<i64>) {
        self.creation_date = Some(date);
    }

    /// Marks the torrent private (trackers only: no DHT, PEX or LSD).
    pub fn set_private(&mut self, private: bool) {
        self.private = private;
    }

    /// Includes file modification times (off by default: they change the info-hash).
    pub fn set_include_mtime(&mut self, include: bool) {
        self.include_mtime = include;
    }

    /// Adds a BEP 38 similar torrent.
    pub fn add_similar_torrent(&mut self, info_hash: Sha1Hash) {
        self.similar.push(info_hash);
    }

    /// Adds a BEP 38 collection.
    pub fn add_collection(&mut self, collection: impl Into<String>) {
        self.collections.push(collection.into());
    }

    /// Makes this an SSL torrent with the given root certificate (PEM).
    pub fn set_root_cert(&mut self, pem: impl Into<Vec<u8>>) {
        self.root_cert = pem.into();
    }

    /// Reads and hashes every piece on all cores, calling `progress(done, total)` as pieces
    /// finish.
    ///
    /// # Errors
    /// [`CreateError::Io`] or [`CreateError::FileTooShort`] when reading fails.
    pub fn hash_pieces(&mut self, progress: impl Fn(u32, u32) + Sync) -> Result<(), CreateError> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        self.hash_pieces_with(threads, &progress, &AtomicBool::new(false))
    }

    /// Hashes with `threads` workers; setting `cancel` stops early with
    /// [`CreateError::Cancelled`].
    ///
    /// # Errors
    /// As [`CreateTorrent::hash_pieces`], plus [`CreateError::Cancelled`].
    pub fn hash_pieces_with(
        &mut self,
        threads: usize,
        progress: &(dyn Fn(u32, u32) + Sync),
        cancel: &AtomicBool,
    ) -> Result<(), CreateError> {
        self.hashes = Some(hash::hash_pieces(
            &self.files,
            self.piece_length,
            self.kind,
            threads,
            progress,
            cancel,
        )?);
        Ok(())
    }

    /// The `.torrent` as a bencoded value.
    ///
    /// # Errors
    /// [`CreateError::MissingHashes`] before [`CreateTorrent::hash_pieces`];
    /// [`CreateError::InconsistentFiles`] when a v2 file tree cannot hold the paths.
    pub fn generate(&self) -> Result<Value, CreateError> {
        generate::generate(self)
    }

    /// The `.torrent` file's bytes.
    ///
    /// # Errors
    /// As [`CreateTorrent::generate`].
    pub fn generate_bytes(&self) -> Result<Vec<u8>, CreateError> {
        Ok(self.generate()?.to_bytes())
    }

    /// The info-hashes the generated torrent will have.
    ///
    /// # Errors
    /// As [`CreateTorrent::generate`].
    pub fn info_hashes(&self) -> Result<InfoHash, CreateError> {
        let torrent = self.generate()?;
        let info = torrent.get("info").map(Value::to_bytes).unwrap_or_default();
        Ok(InfoHash {
            v1: (self.kind != TorrentKind::V2).then(|| Sha1Hash::digest(&info)),
            v2: (self.kind != TorrentKind::V1).then(|| Sha256Hash::digest(&info)),
        })
    }
}
