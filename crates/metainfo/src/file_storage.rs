//! `FileStorage`: the files of a torrent laid end to end, and the piece arithmetic over them.

use std::fmt;

use lt_core::{FileIndex, PieceIndex, Sha1Hash, Sha256Hash, BLOCK_SIZE};

/// Attributes of a file (BEP 47 `attr`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FileFlags(u8);

impl FileFlags {
    /// No attributes.
    pub const NONE: FileFlags = FileFlags(0);
    /// A pad file: zeros that align the next file to a piece boundary; never written to disk.
    pub const PAD_FILE: FileFlags = FileFlags(1);
    /// The file is hidden.
    pub const HIDDEN: FileFlags = FileFlags(2);
    /// The file is executable.
    pub const EXECUTABLE: FileFlags = FileFlags(4);
    /// The file is a symbolic link (see [`FileStorage::symlink`]); it takes no payload bytes.
    pub const SYMLINK: FileFlags = FileFlags(8);

    /// Whether every flag in `other` is set here.
    pub const fn contains(self, other: FileFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags plus `other`.
    #[must_use]
    pub const fn with(self, other: FileFlags) -> FileFlags {
        FileFlags(self.0 | other.0)
    }

    /// These flags without `other`.
    #[must_use]
    pub const fn without(self, other: FileFlags) -> FileFlags {
        FileFlags(self.0 & !other.0)
    }

    /// Flags from a BEP 47 `attr` string (`p`, `h`, `x`, `l`; other letters are ignored).
    pub fn from_attr(attr: &[u8]) -> FileFlags {
        attr.iter()
            .fold(FileFlags::NONE, |flags, letter| match letter {
                b'p' => flags.with(FileFlags::PAD_FILE),
                b'h' => flags.with(FileFlags::HIDDEN),
                b'x' => flags.with(FileFlags::EXECUTABLE),
                b'l' => flags.with(FileFlags::SYMLINK),
                _ => flags,
            })
    }

    /// The BEP 47 `attr` string for these flags (empty when none are set).
    pub fn to_attr(self) -> String {
        [
            (FileFlags::PAD_FILE, 'p'),
            (FileFlags::HIDDEN, 'h'),
            (FileFlags::EXECUTABLE, 'x'),
            (FileFlags::SYMLINK, 'l'),
        ]
        .iter()
        .filter(|(flag, _)| self.contains(*flag))
        .map(|(_, letter)| *letter)
        .collect()
    }
}

impl fmt::Debug for FileFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileFlags({:?})", self.to_attr())
    }
}

/// One file of a torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub(crate) path: String,
    pub(crate) size: u64,
    pub(crate) offset: u64,
    pub(crate) flags: FileFlags,
    pub(crate) mtime: i64,
    /// Link target, relative to the torrent's root directory.
    pub(crate) symlink: Option<String>,
    pub(crate) root: Option<Sha256Hash>,
    pub(crate) sha1: Option<Sha1Hash>,
}

impl FileEntry {
    /// The file's path, `/`-separated, starting with the torrent's name for multi-file torrents.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The last path component.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Size in bytes (0 for symlinks).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Offset of the file's first byte in the torrent's byte stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The file's attributes.
    pub fn flags(&self) -> FileFlags {
        self.flags
    }

    /// Whether this is a pad file.
    pub fn is_pad(&self) -> bool {
        self.flags.contains(FileFlags::PAD_FILE)
    }

    /// Modification time (POSIX seconds), 0 if the torrent does not say.
    pub fn mtime(&self) -> i64 {
        self.mtime
    }

    /// The v2 merkle root of the file (`pieces root`), if the torrent is v2 and the file is not
    /// empty.
    pub fn root(&self) -> Option<Sha256Hash> {
        self.root
    }

    /// The optional SHA-1 of the whole file (`sha1` key).
    pub fn sha1(&self) -> Option<Sha1Hash> {
        self.sha1
    }
}

/// Where a range of a piece lands in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSlice {
    /// The file.
    pub file_index: FileIndex,
    /// Offset within the file.
    pub offset: u64,
    /// Number of bytes.
    pub size: u64,
}

/// A range inside one piece, as requested from a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerRequest {
    /// The piece.
    pub piece: PieceIndex,
    /// Offset within the piece.
    pub start: u32,
    /// Number of bytes.
    pub length: u32,
}

/// The files of a torrent in order, their offsets, and the piece layout over them
/// (libtorrent's `file_storage`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStorage {
    pub(crate) name: String,
    pub(crate) piece_length: u32,
    pub(crate) num_pieces: u32,
    pub(crate) total_size: u64,
    pub(crate) files: Vec<FileEntry>,
    /// Files carry v2 roots: every file starts on a piece boundary.
    pub(crate) v2: bool,
    /// Multi-file layout: paths start with the torrent name as a directory.
    pub(crate) root_dir: bool,
}

/// libtorrent's largest piece: 32767 blocks of 16 KiB.
pub const MAX_PIECE_SIZE: u64 = 32767 * BLOCK_SIZE as u64;
/// libtorrent's limit on a file's size: (2^30 − 1) blocks of 16 KiB; a file this large or
/// larger is rejected (its merkle tree would overflow libtorrent's indices).
pub const MAX_FILE_SIZE: u64 = ((1u64 << 30) - 1) * BLOCK_SIZE as u64;
/// libtorrent's largest offset of a byte in a torrent: 2^48 − 1.
pub const MAX_FILE_OFFSET: u64 = (1u64 << 48) - 1;

impl FileStorage {
    /// An empty storage with the given piece length.
    pub fn new(piece_length: u32) -> Self {
        Self {
            piece_length,
            ..Self::default()
        }
    }

    /// The torrent's name: the root directory of a multi-file torrent, or the file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of files, pad files included.
    pub fn num_files(&self) -> usize {
        self.files.len()
    }

    /// The files in order.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// The file at `index`.
    pub fn file(&self, index: FileIndex) -> Option<&FileEntry> {
        self.files.get(index.as_usize())
    }

    /// The path of the file at `index` (empty if out of range).
    pub fn file_path(&self, index: FileIndex) -> &str {
        self.file(index).map_or("", FileEntry::path)
    }

    /// The size of the file at `index` (0 if out of range).
    pub fn file_size(&self, index: FileIndex) -> u64 {
        self.file(index).map_or(0, FileEntry::size)
    }

    /// The offset of the file at `index` (0 if out of range).
    pub fn file_offset(&self, index: FileIndex) -> u64 {
        self.file(index).map_or(0, FileEntry::offset)
    }

    /// The flags of the file at `index`.
    pub fn file_flags(&self, index: FileIndex) -> FileFlags {
        self.file(index).map_or(FileFlags::NONE, FileEntry::flags)
    }

    /// Whether the file at `index` is a pad file.
    pub fn pad_file_at(&self, index: FileIndex) -> bool {
        self.file(index).is_some_and(FileEntry::is_pad)
    }

    /// The full target path of a symlink (with the torrent name in front for multi-file
    /// torrents), `None` for other files.
    pub fn symlink(&self, index: FileIndex) -> Option<String> {
        let target = self.file(index)?.symlink.as_ref()?;
        Some(if self.has_root_dir() {
            format!("{}/{}", self.name, target)
        } else {
            target.clone()
        })
    }

    /// The piece length in bytes.
    pub fn piece_length(&self) -> u32 {
        self.piece_length
    }

    /// Number of pieces.
    pub fn num_pieces(&self) -> u32 {
        self.num_pieces
    }

    /// Total bytes covered by the pieces, pad files included.
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// Whether the files carry v2 roots (and so start on piece boundaries).
    pub fn is_v2(&self) -> bool {
        self.v2
    }

    /// The size of piece `index`: the piece length, except for a shorter last piece.
    pub fn piece_size(&self, index: PieceIndex) -> u32 {
        let start = u64::from(index.get()) * u64::from(self.piece_length);
        let remaining = self.total_size.saturating_sub(start);
        remaining.min(u64::from(self.piece_length)) as u32
    }

    /// Number of 16 KiB blocks in a full piece.
    pub fn blocks_per_piece(&self) -> u32 {
        self.piece_length.div_ceil(BLOCK_SIZE)
    }

    /// Whether the paths start with the torrent name as a directory (multi-file layout).
    pub(crate) fn has_root_dir(&self) -> bool {
        self.root_dir
    }

    /// The file containing byte `offset` of the torrent (zero-size files never contain bytes).
    pub fn file_index_at_offset(&self, offset: u64) -> Option<FileIndex> {
        if offset >= self.total_size {
            return None;
        }
        // The last file whose offset is <= `offset`, then skip back over empty files.
        let after = self.files.partition_point(|f| f.offset <= offset);
        let mut index = after.checked_sub(1)?;
        while self
            .files
            .get(index)
            .is_some_and(|f| f.size == 0 || f.offset + f.size <= offset)
        {
            index += 1;
        }
        (index < self.files.len()).then(|| FileIndex::new(index as u32))
    }

    /// The files (with offsets and sizes) that bytes `[offset, offset + size)` of `piece` fall in.
    /// Empty when the range is outside the torrent.
    pub fn map_block(&self, piece: PieceIndex, offset: u32, size: u64) -> Vec<FileSlice> {
        let mut slices = Vec::new();
        let start = u64::from(piece.get()) * u64::from(self.piece_length) + u64::from(offset);
        let Some(end) = start
            .checked_add(size)
            .filter(|&end| end <= self.total_size)
        else {
            return slices;
        };
        let Some(first) = self.file_index_at_offset(start) else {
            return slices;
        };
        let mut position = start;
        for (index, file) in self.files.iter().enumerate().skip(first.as_usize()) {
            if position >= end {
                break;
            }
            if file.size == 0 {
                continue;
            }
            let file_end = file.offset + file.size;
            if file_end <= position {
                continue;
            }
            let take = file_end.min(end) - position;
            slices.push(FileSlice {
                file_index: FileIndex::new(index as u32),
                offset: position - file.offset,
                size: take,
            });
            position += take;
        }
        slices
    }

    /// The piece, offset and length that bytes `[offset, offset + size)` of file `index` start at
    /// (the length is capped to what is left of the torrent).
    pub fn map_file(&self, index: FileIndex, offset: u64, size: u32) -> Option<PeerRequest> {
        let file = self.file(index)?;
        let absolute = file.offset.checked_add(offset)?;
        if absolute >= self.total_size || self.piece_length == 0 {
            return None;
        }
        let piece_length = u64::from(self.piece_length);
        let length = (u64::from(size)).min(self.total_size - absolute) as u32;
        Some(PeerRequest {
            piece: PieceIndex::new((absolute / piece_length) as u32),
            start: (absolute % piece_length) as u32,
            length,
        })
    }

    /// The pieces that overlap file `index` (half-open range), empty for empty files.
    pub fn file_piece_range(&self, index: FileIndex) -> std::ops::Range<u32> {
        let Some(file) = self.file(index) else {
            return 0..0;
        };
        if file.size == 0 || self.piece_length == 0 {
            return 0..0;
        }
        let piece_length = u64::from(self.piece_length);
        let first = file.offset / piece_length;
        let last = (file.offset + file.size - 1) / piece_length;
        first as u32..last as u32 + 1
    }

    /// Number of pieces of a v2 file (counted from its own start).
    pub fn file_num_pieces(&self, index: FileIndex) -> u32 {
        let size = self.file_size(index);
        if self.piece_length == 0 {
            return 0;
        }
        size.div_ceil(u64::from(self.piece_length)) as u32
    }

    /// Number of 16 KiB blocks of a v2 file.
    pub fn file_num_blocks(&self, index: FileIndex) -> u64 {
        self.file_size(index).div_ceil(u64::from(BLOCK_SIZE))
    }

    /// The v2 index of the file whose `pieces root` is `root`.
    pub fn file_index_for_root(&self, root: &Sha256Hash) -> Option<FileIndex> {
        self.files
            .iter()
            .position(|f| f.root.as_ref() == Some(root))
            .map(|i| FileIndex::new(i as u32))
    }

    /// Appends a file. `path` is the full path (torrent name first for multi-file torrents).
    /// With `v2`, a pad file is appended after it when it does not end on a piece boundary.
    pub(crate) fn push_file(
        &mut self,
        mut entry: FileEntry,
        v2_padding: bool,
    ) -> Result<(), crate::MetainfoError> {
        if self.files.is_empty() && self.name.is_empty() {
            self.name = entry.path.split('/').next().unwrap_or_default().to_string();
        }
        entry.offset = self.total_size;
        self.total_size = self
            .total_size
            .checked_add(entry.size)
            .filter(|&total| total <= MAX_FILE_OFFSET)
            .ok_or(crate::MetainfoError::InvalidLength)?;
        self.files.push(entry);
        let piece_length = u64::from(self.piece_length);
        if v2_padding && piece_length > 0 && !self.total_size.is_multiple_of(piece_length) {
            let pad_size = piece_length - self.total_size % piece_length;
            let pad = FileEntry {
                path: format!("{}/.pad/{pad_size}", self.name),
                size: pad_size,
                offset: self.total_size,
                flags: FileFlags::PAD_FILE,
                mtime: 0,
                symlink: None,
                root: None,
                sha1: None,
            };
            self.total_size = self
                .total_size
                .checked_add(pad_size)
                .filter(|&total| total <= MAX_FILE_OFFSET)
                .ok_or(crate::MetainfoError::InvalidLength)?;
            self.files.push(pad);
        }
        Ok(())
    }

    /// Drops a trailing pad file (after the last non-empty file), for hybrid torrents made by
    /// libtorrent 2.0.0–2.0.7, whose v1 file lists have no tail padding.
    pub(crate) fn remove_tail_padding(&mut self) {
        let Some(last) = self.files.iter().rposition(|f| f.size > 0) else {
            return;
        };
        if !self.files.get(last).is_some_and(FileEntry::is_pad) {
            return;
        }
        let pad = self.files.remove(last);
        self.total_size -= pad.size;
        for file in self.files.iter_mut().skip(last) {
            file.offset = self.total_size;
        }
    }

    /// Renames the file at `index` (its new full path).
    pub fn rename_file(&mut self, index: FileIndex, new_path: String) {
        if let Some(file) = self.files.get_mut(index.as_usize()) {
            file.path = new_path;
        }
    }

    /// The path of a file relative to the torrent's root directory.
    pub(crate) fn internal_path<'s>(&self, file: &'s FileEntry) -> &'s str {
        match file
            .path
            .strip_prefix(self.name.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
        {
            Some(rest) if self.has_root_dir() => rest,
            _ => &file.path,
        }
    }
}
