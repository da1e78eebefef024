//! The mmap backend: each file mapped whole (memmap2); reads and writes are memory copies.
//!
//! Mapped pages count in the process's resident memory, and touching a page past the end of a
//! file that shrank underneath the mapping raises SIGBUS. So before every access the file's
//! size is checked with `fstat` on the open handle, and an access past it is a
//! [`StorageError::FileTooShort`] instead. (A truncation between that check and the copy is
//! still fatal: see the `unsafe` notes below.)
//!
//! A full disk is the other SIGBUS hazard: touching a hole of a mapped file needs a new block
//! (on tmpfs even a read does). So a file is mapped only when it has no holes (its allocated
//! blocks cover its length: a finished download, or any file in [`StorageMode::Allocate`]);
//! sparse files use positioned I/O until they are reopened complete. Writes go through the map
//! only in [`StorageMode::Allocate`]; in sparse mode they use `pwrite` (libtorrent's
//! `always_pwrite`), which reports `ENOSPC` as a `Write` error. (Copy-on-write file systems
//! such as btrfs allocate on every write; use the pread backend there.) The page cache is
//! shared, so both paths see the same bytes.
//!
//! Files of unknown size (the part file) are not mapped; they use positioned I/O.
#![allow(unsafe_code)]

use std::fs::File;
use std::sync::{Arc, RwLock};

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::error::{FileOperation, StorageError};
use crate::io::disk::{self, disk_fs_ops, Access};
use crate::io::pool::FilePool;
use crate::io::{slot_file, FileIo, FileRef, Slot};
use crate::params::StorageMode;

#[derive(Debug)]
enum Map {
    /// Empty file, or a file of unknown size: positioned I/O on the handle.
    None,
    ReadOnly(Mmap),
    /// Writers take the lock exclusively for their copy; readers share it.
    ReadWrite(RwLock<MmapMut>),
}

#[derive(Debug)]
struct Mapped {
    file: File,
    map: Map,
}

/// Memory-mapped files through a pool of mappings.
#[derive(Debug)]
pub(crate) struct MmapIo {
    mode: StorageMode,
    pool: FilePool<Mapped>,
}

impl MmapIo {
    pub(crate) fn new(mode: StorageMode, pool_size: usize) -> Self {
        Self {
            mode,
            pool: FilePool::new(pool_size),
        }
    }

    fn handle(&self, file: &FileRef<'_>, writable: bool) -> Result<Arc<Mapped>, StorageError> {
        self.pool.get(file.slot, writable, |writable| {
            let access = if writable {
                Access::ReadWrite
            } else {
                Access::ReadOnly
            };
            let handle = disk::open(file, access, self.mode)?;
            map(file, handle, writable)
        })
    }
}

/// Maps the first `min(size on disk, size in the torrent)` bytes of `handle`.
fn map(file: &FileRef<'_>, handle: File, writable: bool) -> Result<Mapped, StorageError> {
    let Some(size) = file.size else {
        return Ok(Mapped {
            file: handle,
            map: Map::None,
        });
    };
    let meta = handle
        .metadata()
        .map_err(|error| file.error(FileOperation::Stat, error))?;
    if has_holes(&meta) {
        return Ok(Mapped {
            file: handle,
            map: Map::None,
        });
    }
    let len = usize::try_from(size.min(meta.len())).map_err(|_| {
        file.error(
            FileOperation::Mmap,
            std::io::Error::from(std::io::ErrorKind::OutOfMemory),
        )
    })?;
    if len == 0 {
        return Ok(Mapped {
            file: handle,
            map: Map::None,
        });
    }
    let mut options = MmapOptions::new();
    options.len(len);
    let map = if writable {
        // SAFETY: memmap2 requires that the mapped file is not truncated or modified outside
        // this mapping while it lives. We cannot stop other processes from doing so; what we
        // do is (1) map at most the file's current length, (2) check the length with fstat
        // before every access (`check_len`) so that a file that shrank gives FileTooShort, and
        // (3) never truncate a file ourselves while it is mapped (the pool is released before
        // any rename, move or delete). Concurrent writes through the map are serialized by the
        // RwLock around it.
        let map = unsafe { options.map_mut(&handle) }
            .map_err(|error| file.error(FileOperation::Mmap, error))?;
        Map::ReadWrite(RwLock::new(map))
    } else {
        // SAFETY: as above; this mapping is read-only, and our own writes to the file go
        // through a read-write handle that replaces this one in the pool first.
        let map = unsafe { options.map(&handle) }
            .map_err(|error| file.error(FileOperation::Mmap, error))?;
        Map::ReadOnly(map)
    };
    Ok(Mapped { file: handle, map })
}

/// Whether the file has unallocated ranges: fewer 512-byte blocks than its length needs.
/// Touching a hole through a mapping may need a block (tmpfs allocates even on a read fault),
/// and a full disk then raises SIGBUS instead of returning an error.
fn has_holes(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.blocks().saturating_mul(512) < meta.len()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Fails with [`StorageError::FileTooShort`] unless the file on disk still covers `end`.
fn check_len(file: &FileRef<'_>, mapped: &Mapped, end: u64) -> Result<(), StorageError> {
    let on_disk = mapped
        .file
        .metadata()
        .map_err(|error| file.error(FileOperation::Stat, error))?
        .len();
    if on_disk >= end {
        Ok(())
    } else {
        Err(disk::too_short(file, &mapped.file, end))
    }
}

fn range(offset: u64, len: usize) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(offset).ok()?;
    Some(start..start.checked_add(len)?)
}

impl FileIo for MmapIo {
    fn read(&self, file: &FileRef<'_>, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let mapped = self.handle(file, false)?;
        let end = offset + buf.len() as u64;
        let copied = match &mapped.map {
            Map::None => None,
            Map::ReadOnly(map) => {
                check_len(file, &mapped, end)?;
                range(offset, buf.len())
                    .and_then(|range| map.get(range))
                    .map(|source| buf.copy_from_slice(source))
            }
            Map::ReadWrite(map) => {
                check_len(file, &mapped, end)?;
                let map = map
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                range(offset, buf.len())
                    .and_then(|range| map.get(range))
                    .map(|source| buf.copy_from_slice(source))
            }
        };
        match copied {
            Some(()) => Ok(()),
            None => disk::read_exact_at(file, &mapped.file, buf, offset),
        }
    }

    fn write(&self, file: &FileRef<'_>, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        let mapped = self.handle(file, true)?;
        let end = offset + data.len() as u64;
        if let (StorageMode::Allocate, Map::ReadWrite(map)) = (self.mode, &mapped.map) {
            if let Some(range) = range(offset, data.len()) {
                if check_len(file, &mapped, end).is_ok() {
                    let mut map = map
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some(target) = map.get_mut(range) {
                        target.copy_from_slice(data);
                        return Ok(());
                    }
                }
            }
        }
        disk::write_all_at(&mapped.file, data, offset)
            .map_err(|error| file.error(FileOperation::Write, error))
    }

    fn allocate(&self, file: &FileRef<'_>) -> Result<(), StorageError> {
        self.pool.release(Some(file.slot));
        disk::allocate(file)
    }

    fn create(&self, file: &FileRef<'_>) -> Result<(), StorageError> {
        self.handle(file, true).map(drop)
    }

    fn release(&self, slot: Option<Slot>) {
        self.pool.release(slot);
    }

    fn flush(&self) -> Result<(), StorageError> {
        for (slot, mapped) in self.pool.writable_handles() {
            let flushed = match &mapped.map {
                Map::ReadWrite(map) => map
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .flush(),
                // Written with pwrite.
                Map::None | Map::ReadOnly(_) => mapped.file.sync_data(),
            };
            flushed.map_err(|error| {
                StorageError::io(FileOperation::Flush, slot_file(slot), None, error)
            })?;
        }
        Ok(())
    }

    disk_fs_ops!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use lt_core::FileIndex;

    #[test]
    fn maps_files_without_holes_and_not_sparse_ones() {
        let dir = std::env::temp_dir().join(format!("lt-mmap-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let full = dir.join("full.bin");
        std::fs::write(&full, vec![5u8; 100_000]).unwrap();
        let sparse = dir.join("sparse.bin");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(1 << 20)
            .unwrap();
        let io = MmapIo::new(StorageMode::Sparse, 4);
        let file_ref = |index, path| FileRef {
            slot: Slot::File(FileIndex::new(index)),
            path,
            save_path: &dir,
            size: Some(std::fs::metadata(path).unwrap().len()),
            executable: false,
        };
        let full_ref = file_ref(0, &full);
        let mut buf = [0u8; 10];
        io.read(&full_ref, 99_990, &mut buf).unwrap();
        assert_eq!(buf, [5; 10]);
        assert!(matches!(
            io.handle(&full_ref, false).unwrap().map,
            Map::ReadOnly(_)
        ));
        let sparse_ref = file_ref(1, &sparse);
        io.read(&sparse_ref, 0, &mut buf).unwrap();
        assert!(matches!(
            io.handle(&sparse_ref, false).unwrap().map,
            Map::None
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
