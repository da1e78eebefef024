//! Collecting the files of a torrent to create: walking a directory the way libtorrent's
//! `add_files` does, and laying the files out (canonical order and pad files for v2).

use std::path::{Path, PathBuf};

use crate::create::{CreateError, TorrentKind};
use crate::file_storage::FileFlags;

/// One file to put in a new torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceFile {
    /// Path elements inside the torrent, the torrent name first.
    pub(crate) elements: Vec<String>,
    /// Where the data is on disk (`None` for pad files).
    pub(crate) disk_path: Option<PathBuf>,
    pub(crate) size: u64,
    pub(crate) flags: FileFlags,
    pub(crate) mtime: i64,
    /// Link target as path elements relative to the torrent root (symlinks only).
    pub(crate) symlink: Option<Vec<String>>,
}

impl SourceFile {
    pub(crate) fn is_pad(&self) -> bool {
        self.flags.contains(FileFlags::PAD_FILE)
    }
}

/// Walks `path` (a file or a directory) in directory-listing order, as libtorrent's
/// `add_files` does: `.` and `..` are skipped, the executable bit becomes the `x` attribute, and
/// symlinks are followed unless `keep_symlinks` (then they are stored as links).
pub(crate) fn scan(path: &Path, keep_symlinks: bool) -> Result<Vec<SourceFile>, CreateError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CreateError::InvalidPath(path.to_path_buf()))?
        .to_string();
    let mut files = Vec::new();
    walk(path, vec![name], keep_symlinks, &mut files)?;
    Ok(files)
}

fn walk(
    path: &Path,
    elements: Vec<String>,
    keep_symlinks: bool,
    files: &mut Vec<SourceFile>,
) -> Result<(), CreateError> {
    let io_error = |source| CreateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let link_metadata = std::fs::symlink_metadata(path).map_err(io_error)?;
    let is_link = link_metadata.file_type().is_symlink();
    let metadata = if is_link && !keep_symlinks {
        std::fs::metadata(path).map_err(io_error)?
    } else {
        link_metadata
    };
    if metadata.is_dir() && !(is_link && keep_symlinks) {
        for entry in std::fs::read_dir(path).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let leaf = entry.file_name();
            let leaf = leaf
                .to_str()
                .ok_or_else(|| CreateError::InvalidPath(entry.path()))?
                .to_string();
            let mut child = elements.clone();
            child.push(leaf);
            walk(&entry.path(), child, keep_symlinks, files)?;
        }
        return Ok(());
    }
    let mut flags = FileFlags::NONE;
    if is_executable(&metadata) {
        flags = flags.with(FileFlags::EXECUTABLE);
    }
    let mtime = modification_time(&metadata);
    if is_link && keep_symlinks {
        let target = std::fs::read_link(path).map_err(io_error)?;
        let target: Vec<String> = target
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(part) => part.to_str().map(String::from),
                _ => None,
            })
            .collect();
        files.push(SourceFile {
            elements,
            disk_path: None,
            size: 0,
            flags: flags.with(FileFlags::SYMLINK),
            mtime,
            symlink: Some(target),
        });
    } else {
        files.push(SourceFile {
            elements,
            disk_path: Some(path.to_path_buf()),
            size: metadata.len(),
            flags,
            mtime,
            symlink: None,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn modification_time(metadata: &std::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs() as i64)
}

/// libtorrent's automatic piece size: the smallest power of two from 16 KiB to 8 MiB for which
/// the piece list stays near twice the square root of the total size.
pub(crate) fn auto_piece_size(total_size: u64) -> u32 {
    const SIZE_TABLE: [u64; 10] = [
        2_684_355,
        10_737_418,
        42_949_673,
        171_798_692,
        687_194_767,
        2_748_779_069,
        10_995_116_278,
        43_980_465_111,
        175_921_860_444,
        703_687_441_777,
    ];
    let steps = SIZE_TABLE
        .iter()
        .take_while(|&&limit| limit < total_size)
        .count();
    lt_core::BLOCK_SIZE << steps
}

/// Lays the files out for `kind`: v2 and hybrid torrents sort files into canonical order
/// (path element by element, as a v2 file tree is ordered) and, with more than one file, pad
/// every non-empty file to a piece boundary. v1 torrents keep the listing order, unpadded.
pub(crate) fn layout(
    mut files: Vec<SourceFile>,
    kind: TorrentKind,
    piece_length: u32,
) -> Vec<SourceFile> {
    if kind == TorrentKind::V1 {
        return files;
    }
    files.retain(|f| !f.is_pad());
    files.sort_by(|a, b| {
        a.elements
            .iter()
            .map(String::as_bytes)
            .cmp(b.elements.iter().map(String::as_bytes))
    });
    if files.len() <= 1 {
        return files;
    }
    let name = files
        .first()
        .and_then(|f| f.elements.first())
        .cloned()
        .unwrap_or_default();
    let piece_length = u64::from(piece_length);
    let mut padded = Vec::with_capacity(files.len() * 2);
    let mut offset = 0u64;
    for file in files {
        offset += file.size;
        let needs_pad = file.size > 0 && !offset.is_multiple_of(piece_length);
        padded.push(file);
        if needs_pad {
            let pad_size = piece_length - offset % piece_length;
            offset += pad_size;
            padded.push(SourceFile {
                elements: vec![name.clone(), ".pad".to_string(), pad_size.to_string()],
                disk_path: None,
                size: pad_size,
                flags: FileFlags::PAD_FILE,
                mtime: 0,
                symlink: None,
            });
        }
    }
    padded
}
