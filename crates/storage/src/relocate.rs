//! The structural operations that change where files are: renaming one file, moving the whole
//! storage to a new save path, deleting the files.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use lt_core::FileIndex;

use crate::error::{FileOperation, StorageError};
use crate::io::{parents_below, Found, Slot};
use crate::layout::check_relative;
use crate::params::{DeleteMode, MoveFlags};
use crate::storage::Storage as _;
use crate::torrent_storage::TorrentStorage;

fn io_error(
    operation: FileOperation,
    file: Option<FileIndex>,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::io(operation, file, Some(path.to_path_buf()), source)
}

/// Files that exist on disk in some form: regular files and symlinks, not pad files.
fn on_disk_files(storage: &TorrentStorage) -> Vec<FileIndex> {
    storage
        .layout
        .file_indices()
        .filter(|&file| !storage.layout.is_pad(file))
        .collect()
}

/// Removes the directories between each path and `root` that are left empty, deepest first.
fn remove_empty_dirs(
    storage: &TorrentStorage,
    paths: &[PathBuf],
    root: &Path,
) -> Result<(), StorageError> {
    let mut dirs = BTreeSet::new();
    for path in paths {
        dirs.extend(parents_below(path, root));
    }
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    for dir in dirs {
        storage.io.remove_dir_if_empty(&dir).map_err(io_error(
            FileOperation::Remove,
            None,
            &dir,
        ))?;
    }
    Ok(())
}

/// Renames `from` to `to` for file `file`, creating `to`'s directory.
fn move_file(
    storage: &TorrentStorage,
    file: Option<FileIndex>,
    from: &Path,
    to: &Path,
) -> Result<(), StorageError> {
    if let Some(parent) = to.parent() {
        storage
            .io
            .create_dir_all(parent)
            .map_err(io_error(FileOperation::Mkdir, file, parent))?;
    }
    storage.io.rename(from, to).map_err(|(operation, source)| {
        StorageError::io(operation, file, Some(from.to_path_buf()), source)
    })
}

pub(crate) fn rename_file(
    storage: &mut TorrentStorage,
    file: FileIndex,
    new_path: &str,
) -> Result<(), StorageError> {
    if file.as_usize() >= storage.layout.num_files() {
        return Err(StorageError::InvalidFile(file));
    }
    check_relative(file, new_path)?;
    let old = storage.file_path(file);
    let mut new = storage.save_path.clone();
    new.extend(new_path.split('/'));
    storage.io.release(Some(Slot::File(file)));
    if old != new && storage.stat(file)? != Found::Missing {
        move_file(storage, Some(file), &old, &new)?;
        remove_empty_dirs(storage, &[old], &storage.save_path)?;
    }
    storage.layout.rename(file, new_path)
}

pub(crate) fn move_storage(
    storage: &mut TorrentStorage,
    save_path: &Path,
    flags: MoveFlags,
) -> Result<(), StorageError> {
    if save_path == storage.save_path {
        return Ok(());
    }
    storage.release_files()?;
    let files = on_disk_files(storage);
    let exists = |path: &Path| -> Result<bool, StorageError> {
        let found = storage
            .io
            .stat(path)
            .map_err(io_error(FileOperation::Stat, None, path))?;
        Ok(found != Found::Missing)
    };
    if flags == MoveFlags::FailIfExist {
        for &file in &files {
            let destination = storage.layout.full_path(save_path, file);
            if exists(&destination)? {
                return Err(StorageError::FileExists {
                    file: Some(file),
                    path: destination,
                });
            }
        }
    }
    storage.io.create_dir_all(save_path).map_err(io_error(
        FileOperation::Mkdir,
        None,
        save_path,
    ))?;
    let mut moved = Vec::new();
    for &file in &files {
        let source = storage.file_path(file);
        if !exists(&source)? {
            continue;
        }
        let destination = storage.layout.full_path(save_path, file);
        if flags == MoveFlags::DontReplace && exists(&destination)? {
            storage.io.remove_file(&source).map_err(io_error(
                FileOperation::Remove,
                Some(file),
                &source,
            ))?;
        } else {
            move_file(storage, Some(file), &source, &destination)?;
        }
        moved.push(source);
    }
    let io = storage.io.as_ref();
    storage.part_file.move_to(io, save_path)?;
    let old_save_path = std::mem::replace(&mut storage.save_path, save_path.to_path_buf());
    remove_empty_dirs(storage, &moved, &old_save_path)
}

pub(crate) fn delete_files(
    storage: &mut TorrentStorage,
    mode: DeleteMode,
) -> Result<(), StorageError> {
    storage.io.release(None);
    if mode == DeleteMode::Files {
        let mut removed = Vec::new();
        for file in on_disk_files(storage) {
            let path = storage.file_path(file);
            match storage.io.remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(error) if error.kind() == ErrorKind::NotFound => removed.push(path),
                Err(error) => {
                    return Err(io_error(FileOperation::Remove, Some(file), &path)(error))
                }
            }
        }
        storage.part_file.delete(storage.io.as_ref())?;
        return remove_empty_dirs(storage, &removed, &storage.save_path);
    }
    storage.part_file.delete(storage.io.as_ref())?;
    // The files that kept their data in the part file now have none: they read as missing.
    Ok(())
}
