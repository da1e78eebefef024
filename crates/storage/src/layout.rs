//! Where a torrent's bytes live: checked piece requests mapped to file slices, and every file's
//! path joined under the save path from validated relative components.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lt_core::{FileIndex, PieceIndex};
use lt_metainfo::{FileFlags, FileSlice, TorrentInfo};

use crate::error::StorageError;

/// The torrent's layout plus the current relative path of every file (renames change them).
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    info: Arc<TorrentInfo>,
    /// Relative paths, `/`-separated, validated by [`check_relative`].
    paths: Vec<String>,
}

impl Layout {
    /// The layout of `info`, with every path checked.
    pub(crate) fn new(info: Arc<TorrentInfo>) -> Result<Self, StorageError> {
        let files = info.files();
        let mut paths = Vec::with_capacity(files.num_files());
        for (index, entry) in files.files().iter().enumerate() {
            let file = FileIndex::new(index as u32);
            if !entry.is_pad() {
                check_relative(file, entry.path())?;
            }
            paths.push(entry.path().to_owned());
        }
        Ok(Self { info, paths })
    }

    pub(crate) fn info(&self) -> &TorrentInfo {
        &self.info
    }

    pub(crate) fn num_files(&self) -> usize {
        self.paths.len()
    }

    /// Every file index, in order.
    pub(crate) fn file_indices(&self) -> impl Iterator<Item = FileIndex> {
        (0..self.paths.len() as u32).map(FileIndex::new)
    }

    pub(crate) fn size(&self, file: FileIndex) -> u64 {
        self.info.files().file_size(file)
    }

    pub(crate) fn flags(&self, file: FileIndex) -> FileFlags {
        self.info.files().file_flags(file)
    }

    pub(crate) fn is_pad(&self, file: FileIndex) -> bool {
        self.info.files().pad_file_at(file)
    }

    /// Whether the file holds payload on disk: not a pad file, not a symlink.
    pub(crate) fn is_regular(&self, file: FileIndex) -> bool {
        let flags = self.flags(file);
        !flags.contains(FileFlags::PAD_FILE) && !flags.contains(FileFlags::SYMLINK)
    }

    /// The file's current relative path.
    pub(crate) fn relative_path(&self, file: FileIndex) -> Option<&str> {
        self.paths.get(file.as_usize()).map(String::as_str)
    }

    /// The file's full path under `save_path`.
    pub(crate) fn full_path(&self, save_path: &Path, file: FileIndex) -> PathBuf {
        let mut path = save_path.to_path_buf();
        if let Some(relative) = self.relative_path(file) {
            path.extend(relative.split('/'));
        }
        path
    }

    /// Renames a file (a new relative path), after checking it.
    pub(crate) fn rename(&mut self, file: FileIndex, new_path: &str) -> Result<(), StorageError> {
        check_relative(file, new_path)?;
        let slot = self
            .paths
            .get_mut(file.as_usize())
            .ok_or(StorageError::InvalidFile(file))?;
        new_path.clone_into(slot);
        Ok(())
    }

    /// The size of `piece`, or an error for a piece past the end.
    pub(crate) fn piece_size(&self, piece: PieceIndex) -> Result<u32, StorageError> {
        if piece.get() >= self.info.num_pieces() {
            return Err(StorageError::InvalidRequest {
                piece,
                offset: 0,
                length: 0,
            });
        }
        Ok(self.info.piece_size(piece))
    }

    /// The file slices of bytes `offset .. offset + length` of `piece`, checked to lie inside it.
    pub(crate) fn slices(
        &self,
        piece: PieceIndex,
        offset: u32,
        length: usize,
    ) -> Result<Vec<FileSlice>, StorageError> {
        let invalid = || StorageError::InvalidRequest {
            piece,
            offset,
            length: length as u64,
        };
        let piece_size = self.piece_size(piece).map_err(|_| invalid())?;
        let end = u64::from(offset) + length as u64;
        if end > u64::from(piece_size) {
            return Err(invalid());
        }
        if length == 0 {
            return Ok(Vec::new());
        }
        let slices = self.info.map_block(piece, offset, length as u64);
        let covered: u64 = slices.iter().map(|slice| slice.size).sum();
        if covered != length as u64 {
            return Err(invalid());
        }
        Ok(slices)
    }
}

/// Checks that `path` is a plain relative path: `/`-separated non-empty components, none of
/// them `.`, `..`, or holding a NUL or a backslash-free drive prefix.
pub(crate) fn check_relative(file: FileIndex, path: &str) -> Result<(), StorageError> {
    let invalid = || StorageError::InvalidPath {
        file,
        name: path.to_owned(),
    };
    if path.is_empty() || path.starts_with('/') {
        return Err(invalid());
    }
    for component in path.split('/') {
        if component.is_empty()
            || component == "."
            || component == ".."
            || component.contains('\0')
            || (cfg!(windows) && (component.contains('\\') || component.contains(':')))
        {
            return Err(invalid());
        }
    }
    Ok(())
}

/// The path of a symlink's target relative to the link's own directory: both are relative to
/// the save path, so climb out of the link's directory and descend to the target.
pub(crate) fn relative_link_target(link: &str, target: &str) -> PathBuf {
    let link_dirs: Vec<&str> = link.split('/').collect();
    let link_dirs = link_dirs
        .split_last()
        .map_or(&[][..], |(_, dirs)| dirs)
        .to_vec();
    let target_parts: Vec<&str> = target.split('/').filter(|part| !part.is_empty()).collect();
    let common = link_dirs
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in common..link_dirs.len() {
        relative.push("..");
    }
    for part in target_parts.iter().skip(common) {
        relative.push(part);
    }
    relative
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_paths_that_leave_the_save_path() {
        let file = FileIndex::new(0);
        for bad in ["", "/etc/passwd", "a/../../b", "a//b", "./a", "a/\0"] {
            assert!(check_relative(file, bad).is_err(), "{bad:?}");
        }
        for good in ["a", "dir/sub/file.bin", "..a/b..", ".hidden"] {
            assert!(check_relative(file, good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn link_targets_are_relative_to_the_link() {
        assert_eq!(
            relative_link_target("t/a/link", "t/b/file"),
            Path::new("../b/file")
        );
        assert_eq!(relative_link_target("t/link", "t/file"), Path::new("file"));
        assert_eq!(relative_link_target("link", "t/x/y"), Path::new("t/x/y"));
        assert_eq!(
            relative_link_target("t/a/b/link", "t/c"),
            Path::new("../../c")
        );
    }
}
