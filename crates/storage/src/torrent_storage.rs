//! [`TorrentStorage`]: the [`Storage`] of one torrent over a backend, routing each byte range to
//! its file, to the part file, or (pad files) nowhere.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::{FileFlags, FileSlice, TorrentInfo};

use crate::error::{FileOperation, StorageError};
use crate::io::{new_backend, FileIo, FileRef, Found, Slot};
use crate::layout::{relative_link_target, Layout};
use crate::params::{
    DeleteMode, MoveFlags, StorageMode, StorageParams, DEFAULT_PRIORITY, DONT_DOWNLOAD,
};
use crate::part_file::PartFile;
use crate::storage::{CheckFilesOutcome, Storage};

/// A torrent's files under a save path, through one of the [`Backend`](crate::Backend)s.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use lt_core::PieceIndex;
/// use lt_storage::{Backend, Storage, StorageParams, TorrentStorage};
///
/// # let dir = std::env::temp_dir().join(format!("lt-storage-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("data"))?;
/// # std::fs::write(dir.join("data/a.bin"), vec![7u8; 40_000])?;
/// # let mut create = lt_metainfo::CreateTorrent::from_path(dir.join("data"), lt_metainfo::TorrentKind::V1, None)?;
/// # create.hash_pieces(|_, _| {})?;
/// # let torrent_bytes = create.generate_bytes()?;
/// let info = Arc::new(lt_metainfo::TorrentInfo::from_bytes(&torrent_bytes)?);
/// let params = StorageParams { backend: Backend::Memory, ..StorageParams::new("/downloads") };
/// let storage = TorrentStorage::new(info, params)?;
/// storage.initialize()?;
/// storage.write(PieceIndex::new(0), 0, &[1; 16384])?;
/// let mut block = [0; 16384];
/// storage.read(PieceIndex::new(0), 0, &mut block)?;
/// assert_eq!(block, [1; 16384]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TorrentStorage {
    pub(crate) layout: Layout,
    pub(crate) save_path: PathBuf,
    pub(crate) mode: StorageMode,
    pub(crate) io: Box<dyn FileIo>,
    /// By file index; every file has an entry.
    pub(crate) priorities: Vec<u8>,
    /// By file index: the file's data goes to the part file.
    pub(crate) use_part_file: Vec<bool>,
    pub(crate) part_file: PartFile,
}

impl TorrentStorage {
    /// The storage of `info` as `params` say. Opens no file but the part file's header; files
    /// at priority 0 that do not exist yet keep their data in the part file.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for a file path that is not a plain relative path;
    /// [`StorageError::PartFileCorrupt`] for a damaged part file; what the OS says while
    /// looking at them.
    pub fn new(info: Arc<TorrentInfo>, params: StorageParams) -> Result<Self, StorageError> {
        let layout = Layout::new(Arc::clone(&info))?;
        let io = new_backend(params.backend, params.mode, params.file_pool_size);
        let part_name = params.part_file_name.unwrap_or_else(|| {
            let hashes = info.info_hashes();
            let hash = hashes
                .v1
                .or_else(|| hashes.v2.map(|v2| v2.truncated()))
                .unwrap_or_default();
            format!(".{hash}.parts")
        });
        let part_file = PartFile::open(
            io.as_ref(),
            &params.save_path,
            &part_name,
            info.num_pieces(),
            info.piece_length(),
        )?;
        let mut priorities = params.file_priorities;
        priorities.resize(layout.num_files(), DEFAULT_PRIORITY);
        let mut storage = Self {
            use_part_file: vec![false; layout.num_files()],
            layout,
            save_path: params.save_path,
            mode: params.mode,
            io,
            priorities,
            part_file,
        };
        for file in storage.layout.file_indices() {
            if storage.priority(file) == DONT_DOWNLOAD && storage.layout.is_regular(file) {
                let exists = !matches!(storage.stat(file)?, Found::Missing);
                storage.set_use_part_file(file, !exists);
            }
        }
        Ok(storage)
    }

    /// Whether any of the torrent's files is on disk with data in it, or the part file holds
    /// a piece. A torrent without any can skip its full check: it has nothing (libtorrent
    /// skips the check the same way).
    ///
    /// # Errors
    /// When the OS refuses to say what is at a file's path (not for missing files).
    pub fn has_any_data(&self) -> Result<bool, StorageError> {
        if !self.part_file.pieces().is_empty() {
            return Ok(true);
        }
        for file in self.layout.file_indices() {
            if self.layout.is_regular(file)
                && !matches!(self.stat(file)?, Found::Missing | Found::File { len: 0 })
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The directory the files are under.
    pub fn save_path(&self) -> &Path {
        &self.save_path
    }

    /// The full path of file `file` (after renames).
    pub fn file_path(&self, file: FileIndex) -> PathBuf {
        self.layout.full_path(&self.save_path, file)
    }

    /// The current priority of each file.
    pub fn file_priorities(&self) -> &[u8] {
        &self.priorities
    }

    /// The pieces that have data in the part file.
    pub fn part_file_pieces(&self) -> Vec<PieceIndex> {
        self.part_file.pieces()
    }

    /// Where the part file is (it exists only while it holds data).
    pub fn part_file_path(&self) -> &Path {
        self.part_file.path()
    }

    pub(crate) fn priority(&self, file: FileIndex) -> u8 {
        self.priorities
            .get(file.as_usize())
            .copied()
            .unwrap_or(DEFAULT_PRIORITY)
    }

    pub(crate) fn uses_part_file(&self, file: FileIndex) -> bool {
        self.use_part_file
            .get(file.as_usize())
            .copied()
            .unwrap_or(false)
    }

    pub(crate) fn set_use_part_file(&mut self, file: FileIndex, value: bool) {
        if let Some(slot) = self.use_part_file.get_mut(file.as_usize()) {
            *slot = value;
        }
    }

    pub(crate) fn file_ref<'a>(&'a self, file: FileIndex, path: &'a Path) -> FileRef<'a> {
        FileRef {
            slot: Slot::File(file),
            path,
            save_path: &self.save_path,
            size: Some(self.layout.size(file)),
            executable: self.layout.flags(file).contains(FileFlags::EXECUTABLE),
        }
    }

    /// What is on disk at file `file`'s path.
    pub(crate) fn stat(&self, file: FileIndex) -> Result<Found, StorageError> {
        let path = self.file_path(file);
        self.io
            .stat(&path)
            .map_err(|error| StorageError::io(FileOperation::Stat, Some(file), Some(path), error))
    }

    /// Runs `action` on each slice of `piece` at `offset .. offset + len`, with the slice's
    /// position in the requested range.
    fn for_each_slice(
        &self,
        piece: PieceIndex,
        offset: u32,
        len: usize,
        mut action: impl FnMut(&FileSlice, usize, u32) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let mut position = 0usize;
        for slice in self.layout.slices(piece, offset, len)? {
            let in_piece = offset + position as u32;
            action(&slice, position, in_piece)?;
            position += slice.size as usize;
        }
        Ok(())
    }
}

impl Storage for TorrentStorage {
    fn info(&self) -> &TorrentInfo {
        self.layout.info()
    }

    fn initialize(&self) -> Result<(), StorageError> {
        self.io.create_dir_all(&self.save_path).map_err(|error| {
            StorageError::io(
                FileOperation::Mkdir,
                None,
                Some(self.save_path.clone()),
                error,
            )
        })?;
        for file in self.layout.file_indices() {
            if self.layout.is_pad(file) {
                continue;
            }
            if let Some(target) = self.layout.info().files().symlink(file) {
                self.create_symlink(file, &target)?;
                continue;
            }
            let wanted = self.priority(file) != DONT_DOWNLOAD && !self.uses_part_file(file);
            let size = self.layout.size(file);
            if !wanted || (size > 0 && self.mode == StorageMode::Sparse) {
                continue;
            }
            let path = self.file_path(file);
            let file_ref = self.file_ref(file, &path);
            if size == 0 {
                self.io.create(&file_ref)?;
            } else {
                self.io.allocate(&file_ref)?;
            }
        }
        Ok(())
    }

    fn read(&self, piece: PieceIndex, offset: u32, buf: &mut [u8]) -> Result<(), StorageError> {
        self.for_each_slice(piece, offset, buf.len(), |slice, position, in_piece| {
            let target = buf
                .get_mut(position..position + slice.size as usize)
                .unwrap_or_default();
            let file = slice.file_index;
            if self.layout.is_pad(file) {
                target.fill(0);
            } else if self.uses_part_file(file) {
                self.part_file
                    .read(self.io.as_ref(), piece, in_piece, target)?;
            } else {
                let path = self.file_path(file);
                let file_ref = self.file_ref(file, &path);
                self.io.read(&file_ref, slice.offset, target)?;
            }
            Ok(())
        })
    }

    fn write(&self, piece: PieceIndex, offset: u32, data: &[u8]) -> Result<(), StorageError> {
        self.for_each_slice(piece, offset, data.len(), |slice, position, in_piece| {
            let source = data
                .get(position..position + slice.size as usize)
                .unwrap_or_default();
            let file = slice.file_index;
            if self.layout.is_pad(file) {
                Ok(())
            } else if self.uses_part_file(file) {
                self.part_file
                    .write(self.io.as_ref(), piece, in_piece, source)
            } else {
                let path = self.file_path(file);
                let file_ref = self.file_ref(file, &path);
                self.io.write(&file_ref, slice.offset, source)
            }
        })
    }

    fn write_blocks(
        &self,
        piece: PieceIndex,
        offset: u32,
        blocks: &[&[u8]],
    ) -> Result<(), StorageError> {
        let length = blocks.iter().map(|block| block.len()).sum();
        // The common case, a range inside one regular file, is one vectored write.
        if let [slice] = self.layout.slices(piece, offset, length)?[..] {
            let file = slice.file_index;
            if !self.layout.is_pad(file) && !self.uses_part_file(file) {
                let path = self.file_path(file);
                let file_ref = self.file_ref(file, &path);
                return self.io.write_vectored(&file_ref, slice.offset, blocks);
            }
        }
        crate::storage::write_each(self, piece, offset, blocks)
    }

    fn check_files(&self, have: &Bitfield) -> Result<CheckFilesOutcome, StorageError> {
        crate::resume_check::check_files(self, have)
    }

    fn clear_piece(&self, piece: PieceIndex) -> Result<(), StorageError> {
        self.part_file.free(self.io.as_ref(), piece)
    }

    fn flush(&self) -> Result<(), StorageError> {
        self.io.flush()
    }

    fn release_files(&self) -> Result<(), StorageError> {
        let flushed = self.io.flush();
        self.io.release(None);
        flushed
    }

    fn set_file_priorities(&mut self, priorities: &[u8]) -> Result<(), StorageError> {
        crate::priorities::set_file_priorities(self, priorities)
    }

    fn rename_file(&mut self, file: FileIndex, new_path: &str) -> Result<(), StorageError> {
        crate::relocate::rename_file(self, file, new_path)
    }

    fn move_storage(&mut self, save_path: &Path, flags: MoveFlags) -> Result<(), StorageError> {
        crate::relocate::move_storage(self, save_path, flags)
    }

    fn delete_files(&mut self, mode: DeleteMode) -> Result<(), StorageError> {
        crate::relocate::delete_files(self, mode)
    }
}

impl TorrentStorage {
    /// Creates the symlink of file `file` pointing at `target` (relative to the save path),
    /// unless something is already there.
    fn create_symlink(&self, file: FileIndex, target: &str) -> Result<(), StorageError> {
        let link = self.file_path(file);
        let error = |operation, path: &Path, source| {
            StorageError::io(operation, Some(file), Some(path.to_path_buf()), source)
        };
        if !matches!(
            self.io
                .stat(&link)
                .map_err(|e| error(FileOperation::Stat, &link, e))?,
            Found::Missing
        ) {
            return Ok(());
        }
        if let Some(parent) = link.parent() {
            self.io
                .create_dir_all(parent)
                .map_err(|e| error(FileOperation::Mkdir, parent, e))?;
        }
        let relative = self.layout.relative_path(file).unwrap_or_default();
        let target = relative_link_target(relative, target);
        self.io
            .symlink(&target, &link)
            .map_err(|e| error(FileOperation::Symlink, &link, e))
    }

    /// The part-file state of `piece`: whether any file in it keeps its data there.
    pub(crate) fn piece_uses_part_file(&self, piece: PieceIndex) -> bool {
        let size = self.layout.info().piece_size(piece);
        self.layout
            .slices(piece, 0, size as usize)
            .map(|slices| {
                slices
                    .iter()
                    .any(|slice| self.uses_part_file(slice.file_index))
            })
            .unwrap_or(false)
    }
}
