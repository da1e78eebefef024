//! The std::fs operations the disk backends (pread and mmap) share: opening with directory
//! creation below the save path, sizing and allocating, and the file-system calls.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::Path;

use crate::error::{FileOperation, StorageError};
use crate::io::{FileRef, Found};
use crate::params::StorageMode;

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    ReadOnly,
    ReadWrite,
}

/// Opens `file`. For writing, creates it (and missing directories below the save path; never
/// the save path itself, which may be an unmounted drive) and, for files of known size, grows
/// it to that size: sparse, or fully allocated in [`StorageMode::Allocate`]. A file larger than
/// the torrent says is left alone.
pub(super) fn open(
    file: &FileRef<'_>,
    access: Access,
    mode: StorageMode,
) -> Result<File, StorageError> {
    let mut options = OpenOptions::new();
    options.read(true);
    if access == Access::ReadWrite {
        options.write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if file.executable { 0o777 } else { 0o666 });
        }
    }
    let handle = match options.open(file.path) {
        Ok(handle) => handle,
        Err(error) if error.kind() == ErrorKind::NotFound && access == Access::ReadWrite => {
            create_parents(file)?;
            options
                .open(file.path)
                .map_err(|error| file.error(FileOperation::Open, error))?
        }
        Err(error) => return Err(file.error(FileOperation::Open, error)),
    };
    if access == Access::ReadWrite {
        if let Some(size) = file.size {
            grow(file, &handle, size, mode)?;
        }
    }
    Ok(handle)
}

/// Creates the directories between the save path and the file.
fn create_parents(file: &FileRef<'_>) -> Result<(), StorageError> {
    let save_path_error = |error| {
        StorageError::io(
            FileOperation::Open,
            file.index(),
            Some(file.path.to_path_buf()),
            error,
        )
    };
    match fs::metadata(file.save_path) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(save_path_error(io::Error::from(ErrorKind::NotADirectory))),
        Err(error) => return Err(save_path_error(error)),
    }
    if let Some(parent) = file.path.parent() {
        fs::create_dir_all(parent).map_err(|error| {
            StorageError::io(
                FileOperation::Mkdir,
                file.index(),
                Some(parent.to_path_buf()),
                error,
            )
        })?;
    }
    Ok(())
}

/// Grows `handle` to `size`: sparse (`set_len`), or by writing zeros in allocate mode.
fn grow(
    file: &FileRef<'_>,
    handle: &File,
    size: u64,
    mode: StorageMode,
) -> Result<(), StorageError> {
    let meta = handle
        .metadata()
        .map_err(|error| file.error(FileOperation::Stat, error))?;
    let len = meta.len();
    // Never shrink a file (an oversized file is reported, not cut), and leave devices alone.
    if len >= size || !meta.is_file() {
        return Ok(());
    }
    match mode {
        StorageMode::Sparse => handle
            .set_len(size)
            .map_err(|error| file.error(FileOperation::Truncate, error)),
        StorageMode::Allocate => fill_zeros(file, handle, len, size),
    }
}

/// Writes zeros over `from .. to`: allocation without `fallocate` (std has none), so the disk
/// space is really reserved and a full disk shows up now rather than mid-download.
fn fill_zeros(file: &FileRef<'_>, handle: &File, from: u64, to: u64) -> Result<(), StorageError> {
    const CHUNK: u64 = 1 << 20;
    let zeros = vec![0u8; CHUNK as usize];
    let mut position = from;
    while position < to {
        let take = (to - position).min(CHUNK) as usize;
        write_all_at(handle, zeros.get(..take).unwrap_or_default(), position)
            .map_err(|error| file.error(FileOperation::Allocate, error))?;
        position += take as u64;
    }
    Ok(())
}

/// Allocates `file` fully: opens it for writing in allocate mode.
pub(super) fn allocate(file: &FileRef<'_>) -> Result<(), StorageError> {
    open(file, Access::ReadWrite, StorageMode::Allocate).map(drop)
}

/// The most buffers one `pwritev` takes (Linux's `IOV_MAX`).
#[cfg(unix)]
const MAX_IOVECS: usize = 1024;

/// Positioned write of all of `bufs`, one after the other from `offset`: one `pwritev` per
/// 1024 buffers (a whole group of blocks in one system call).
#[cfg(unix)]
pub(super) fn write_all_vectored_at(handle: &File, bufs: &[&[u8]], offset: u64) -> io::Result<()> {
    let mut offset = offset;
    for group in bufs.chunks(MAX_IOVECS) {
        let mut slices: Vec<io::IoSlice<'_>> =
            group.iter().map(|buf| io::IoSlice::new(buf)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match rustix::io::pwritev(handle, rest, offset) {
                Ok(0) => return Err(io::Error::from(ErrorKind::WriteZero)),
                Ok(written) => {
                    offset += written as u64;
                    io::IoSlice::advance_slices(&mut rest, written);
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

/// Positioned write of all of `data`.
pub(super) fn write_all_at(handle: &File, data: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(handle, data, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0usize;
        while done < data.len() {
            let rest = data.get(done..).unwrap_or_default();
            let written =
                std::os::windows::fs::FileExt::seek_write(handle, rest, offset + done as u64)?;
            if written == 0 {
                return Err(io::Error::from(ErrorKind::WriteZero));
            }
            done += written;
        }
        Ok(())
    }
}

/// Positioned read into `buf`; returns how many bytes were read before end of file.
pub(super) fn read_at_most(handle: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0usize;
    while done < buf.len() {
        let rest = buf.get_mut(done..).unwrap_or_default();
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(handle, rest, offset + done as u64);
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(handle, rest, offset + done as u64);
        match read {
            Ok(0) => break,
            Ok(read) => done += read,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(done)
}

/// Reads all of `buf` at `offset` from `handle`, or says the file is too short.
pub(super) fn read_exact_at(
    file: &FileRef<'_>,
    handle: &File,
    buf: &mut [u8],
    offset: u64,
) -> Result<(), StorageError> {
    let read = read_at_most(handle, buf, offset)
        .map_err(|error| file.error(FileOperation::Read, error))?;
    if read == buf.len() {
        return Ok(());
    }
    Err(too_short(file, handle, offset + buf.len() as u64))
}

/// [`StorageError::FileTooShort`] for `file`, with its size from `handle`.
pub(super) fn too_short(file: &FileRef<'_>, handle: &File, needed: u64) -> StorageError {
    let actual = handle.metadata().map(|meta| meta.len()).unwrap_or(0);
    match file.index() {
        Some(index) => StorageError::FileTooShort {
            file: index,
            path: file.path.to_path_buf(),
            operation: FileOperation::Read,
            actual,
            needed,
        },
        None => file.error(
            FileOperation::PartFileRead,
            io::Error::new(ErrorKind::UnexpectedEof, "part file too short"),
        ),
    }
}

pub(super) fn stat(path: &Path) -> io::Result<Found> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Found::File { len: meta.len() }),
        Ok(meta) if meta.is_dir() => Ok(Found::Dir),
        Ok(_) => Ok(Found::Other),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(Found::Missing),
        Err(error) => Err(error),
    }
}

pub(super) fn remove_dir_if_empty(path: &Path) -> io::Result<bool> {
    match fs::remove_dir(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(true),
        Err(error) if error.kind() == ErrorKind::DirectoryNotEmpty => Ok(false),
        Err(error) => Err(error),
    }
}

/// Renames, copying then removing when the destination is on another file system.
pub(super) fn rename(from: &Path, to: &Path) -> Result<(), (FileOperation, io::Error)> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::CrossesDevices => {
            fs::copy(from, to).map_err(|error| (FileOperation::Copy, error))?;
            fs::remove_file(from).map_err(|error| (FileOperation::Remove, error))
        }
        Err(error) => Err((FileOperation::Rename, error)),
    }
}

pub(super) fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, link)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::symlink_file(target, link)
    }
}

/// The file-system half of [`FileIo`](crate::io::FileIo), shared by the disk backends.
macro_rules! disk_fs_ops {
    () => {
        fn stat(&self, path: &std::path::Path) -> std::io::Result<crate::io::Found> {
            crate::io::disk::stat(path)
        }

        fn create_dir_all(&self, path: &std::path::Path) -> std::io::Result<()> {
            std::fs::create_dir_all(path)
        }

        fn remove_file(&self, path: &std::path::Path) -> std::io::Result<()> {
            std::fs::remove_file(path)
        }

        fn remove_dir_if_empty(&self, path: &std::path::Path) -> std::io::Result<bool> {
            crate::io::disk::remove_dir_if_empty(path)
        }

        fn rename(
            &self,
            from: &std::path::Path,
            to: &std::path::Path,
        ) -> Result<(), (crate::error::FileOperation, std::io::Error)> {
            crate::io::disk::rename(from, to)
        }

        fn symlink(&self, target: &std::path::Path, link: &std::path::Path) -> std::io::Result<()> {
            crate::io::disk::symlink(target, link)
        }
    };
}
pub(super) use disk_fs_ops;
