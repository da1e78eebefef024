//! Reading the v1 file list (`files`, or the single file described by the info dictionary) and
//! the v2 file tree into a [`FileStorage`], with libtorrent's checks and path sanitizing.

use lt_bencode::Node;
use lt_core::{Sha1Hash, Sha256Hash};

use crate::file_storage::{FileEntry, FileFlags, FileStorage, MAX_FILE_SIZE};
use crate::path_sanitize::sanitize_append_path_element;
use crate::MetainfoError;

/// The size a file entry declares: 0 for symlinks, else `length`, checked against libtorrent's
/// limits.
fn file_size(dict: &Node<'_>, flags: FileFlags) -> Result<u64, MetainfoError> {
    if flags.contains(FileFlags::SYMLINK) {
        return Ok(0);
    }
    let length = dict
        .dict_find_int("length")
        .and_then(|n| n.as_int())
        .unwrap_or(-1);
    u64::try_from(length)
        .ok()
        .filter(|&size| size < MAX_FILE_SIZE)
        .ok_or(MetainfoError::InvalidLength)
}

/// Appends each element of a path list, sanitized, to `path`. Every element must be a string.
fn append_path_list(
    path: &mut String,
    list: &Node<'_>,
    max_depth: usize,
) -> Result<(), MetainfoError> {
    if list.list_size() > max_depth {
        return Err(MetainfoError::DirectoryTooDeep);
    }
    for element in list.list_iter() {
        let bytes = element.as_bytes().ok_or(MetainfoError::InvalidName)?;
        sanitize_append_path_element(path, bytes, true);
    }
    Ok(())
}

/// The target of a symlink entry (`symlink path`), relative to the torrent's root directory;
/// `None` when the entry has none (then it is not treated as a symlink).
fn symlink_target(dict: &Node<'_>, max_depth: usize) -> Result<Option<String>, MetainfoError> {
    let Some(list) = dict.dict_find_list("symlink path") else {
        return Ok(None);
    };
    let mut target = String::new();
    append_path_list(&mut target, &list, max_depth)?;
    Ok(Some(target))
}

/// The BEP 47 attributes of a file entry; the entry must be a dictionary.
fn attributes(dict: &Node<'_>) -> Result<FileFlags, MetainfoError> {
    if !dict.is_dict() {
        return Err(MetainfoError::FileParseFailed);
    }
    Ok(dict
        .dict_find_string_value("attr")
        .map_or(FileFlags::NONE, FileFlags::from_attr))
}

/// The link target of a symlink entry; an entry marked as a link without a target is treated as
/// a regular file (libtorrent clears the flag).
fn link(
    dict: &Node<'_>,
    flags: &mut FileFlags,
    max_depth: usize,
) -> Result<Option<String>, MetainfoError> {
    if !flags.contains(FileFlags::SYMLINK) {
        return Ok(None);
    }
    let target = symlink_target(dict, max_depth)?;
    if target.is_none() {
        *flags = flags.without(FileFlags::SYMLINK);
    }
    Ok(target)
}

fn mtime(dict: &Node<'_>) -> i64 {
    dict.dict_find_int_value("mtime").unwrap_or(0)
}

/// Reads one entry of a v1 `files` list (`top_level == false`) or the single-file info
/// dictionary itself (`top_level == true`) and appends it to `files`.
pub(crate) fn add_v1_file(
    files: &mut FileStorage,
    dict: &Node<'_>,
    root_dir: &str,
    top_level: bool,
    max_depth: usize,
) -> Result<(), MetainfoError> {
    let mut flags = attributes(dict)?;
    let size = file_size(dict, flags)?;
    let mut path = String::from(root_dir);
    if top_level {
        let name = dict
            .dict_find_string("name.utf-8")
            .or_else(|| dict.dict_find_string("name"))
            .and_then(|n| n.as_bytes())
            .filter(|name| !name.is_empty())
            .ok_or(MetainfoError::MissingName)?;
        sanitize_append_path_element(&mut path, name, false);
        if path.is_empty() {
            return Err(MetainfoError::MissingName);
        }
    } else {
        let list = dict
            .dict_find_list("path.utf-8")
            .or_else(|| dict.dict_find_list("path"))
            .filter(|list| list.list_size() > 0);
        match list {
            Some(list) => {
                let before = path.len();
                append_path_list(&mut path, &list, max_depth)?;
                if path.len() == before {
                    path.push_str("/_");
                }
            }
            None if flags.contains(FileFlags::PAD_FILE) => path = format!(".pad/{size}"),
            None => return Err(MetainfoError::MissingName),
        }
    }
    // BitComet's pad files carry no attribute, only this name.
    if path.contains("_____padding_file_") {
        flags = flags.with(FileFlags::PAD_FILE);
    }
    let sha1 = dict
        .dict_find_string_value("sha1")
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .map(Sha1Hash::from_bytes);
    let symlink = link(dict, &mut flags, max_depth)?;
    let entry = FileEntry {
        path,
        size,
        offset: 0,
        flags,
        mtime: mtime(dict),
        symlink,
        root: None,
        sha1,
    };
    files.push_file(entry, false)
}

/// Reads a v2 `file tree` dictionary (recursively) into `files`.
///
/// `has_v1_files` says whether the info dictionary also has a v1 `files` list; without one, a
/// tree holding exactly one file describes a single-file torrent (no root directory).
pub(crate) fn add_v2_tree(
    files: &mut FileStorage,
    tree: &Node<'_>,
    root_dir: &str,
    has_v1_files: bool,
    depth: usize,
    max_depth: usize,
) -> Result<(), MetainfoError> {
    if !tree.is_dict() {
        return Err(MetainfoError::FileParseFailed);
    }
    if depth > max_depth {
        return Err(MetainfoError::DirectoryTooDeep);
    }
    for (key, value) in tree.dict_iter() {
        if !value.is_dict() || key.is_empty() {
            return Err(MetainfoError::FileParseFailed);
        }
        let leaf = match value.dict_at(0) {
            Some((b"", file)) if value.dict_size() == 1 => Some(file),
            _ => None,
        };
        let single_file = depth == 0 && is_single_file_tree(tree, has_v1_files);
        let mut path = if single_file {
            String::new()
        } else {
            String::from(root_dir)
        };
        sanitize_append_path_element(&mut path, key, true);
        match leaf {
            Some(file) => add_v2_file(files, &file, path, max_depth)?,
            None => add_v2_tree(files, &value, &path, true, depth + 1, max_depth)?,
        }
    }
    Ok(())
}

/// Whether a v2 file tree describes a single-file torrent: one file at the top and no v1 file
/// list beside it.
pub(crate) fn is_single_file_tree(tree: &Node<'_>, has_v1_files: bool) -> bool {
    !has_v1_files
        && tree.dict_size() == 1
        && tree.dict_at(0).is_some_and(|(_, value)| {
            value.dict_size() == 1 && value.dict_at(0).is_some_and(|(key, _)| key.is_empty())
        })
}

/// Reads the dictionary under a v2 file tree leaf's empty key.
fn add_v2_file(
    files: &mut FileStorage,
    dict: &Node<'_>,
    path: String,
    max_depth: usize,
) -> Result<(), MetainfoError> {
    let mut flags = attributes(dict)?;
    if flags.contains(FileFlags::PAD_FILE) {
        return Err(MetainfoError::InvalidPadFile);
    }
    let size = file_size(dict, flags)?;
    let symlink = link(dict, &mut flags, max_depth)?;
    let mut root = None;
    if symlink.as_deref().is_none_or(str::is_empty) && size > 0 {
        let bytes = dict
            .dict_find_string_value("pieces root")
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(MetainfoError::MissingPiecesRoot)?;
        let hash = Sha256Hash::from_bytes(bytes);
        if hash.is_zero() {
            return Err(MetainfoError::MissingPiecesRoot);
        }
        root = Some(hash);
    }
    let entry = FileEntry {
        path,
        size,
        offset: 0,
        flags,
        mtime: mtime(dict),
        symlink,
        root,
        sha1: None,
    };
    // Empty files and symlinks take no space, so they need no padding after them.
    let padded = size > 0;
    files.push_file(entry, padded)
}

/// Whether the v2 and v1 descriptions of a hybrid torrent describe the same data
/// (libtorrent's `files_compatible`): same file count, total size and piece length, and at every
/// index either both entries are irrelevant (pad files, empty files) or both are the same file —
/// same path, size, offset, and link target for symlinks. Attributes and times are not compared.
pub(crate) fn compatible_layouts(v2: &FileStorage, v1: &FileStorage) -> bool {
    let relevant =
        |f: &FileEntry| !f.is_pad() && (f.size > 0 || f.flags.contains(FileFlags::SYMLINK));
    v2.piece_length == v1.piece_length
        && v2.total_size == v1.total_size
        && v2.files.len() == v1.files.len()
        && v2
            .files
            .iter()
            .zip(&v1.files)
            .all(|(a, b)| match (relevant(a), relevant(b)) {
                (false, false) => true,
                (true, true) => {
                    a.size == b.size
                        && a.path == b.path
                        && a.offset == b.offset
                        && a.flags.contains(FileFlags::SYMLINK)
                            == b.flags.contains(FileFlags::SYMLINK)
                        && a.symlink == b.symlink
                }
                _ => false,
            })
}
