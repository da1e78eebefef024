//! The pread/pwrite backend: `FileExt::read_at`/`write_at` on pooled `std::fs::File`s.

use std::fs::File;

use crate::error::{FileOperation, StorageError};
use crate::io::disk::{self, disk_fs_ops, Access};
use crate::io::pool::FilePool;
use crate::io::{slot_file, FileIo, FileRef, Slot};
use crate::params::StorageMode;

/// Positioned reads and writes through a pool of open files.
#[derive(Debug)]
pub(crate) struct PreadIo {
    mode: StorageMode,
    pool: FilePool<File>,
}

impl PreadIo {
    pub(crate) fn new(mode: StorageMode, pool_size: usize) -> Self {
        Self {
            mode,
            pool: FilePool::new(pool_size),
        }
    }

    fn handle(
        &self,
        file: &FileRef<'_>,
        writable: bool,
    ) -> Result<std::sync::Arc<File>, StorageError> {
        self.pool.get(file.slot, writable, |writable| {
            let access = if writable {
                Access::ReadWrite
            } else {
                Access::ReadOnly
            };
            disk::open(file, access, self.mode)
        })
    }
}

impl FileIo for PreadIo {
    fn read(&self, file: &FileRef<'_>, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let handle = self.handle(file, false)?;
        disk::read_exact_at(file, &handle, buf, offset)
    }

    fn write(&self, file: &FileRef<'_>, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        let handle = self.handle(file, true)?;
        disk::write_all_at(&handle, data, offset)
            .map_err(|error| file.error(FileOperation::Write, error))
    }

    /// One `pwritev` where there is one; elsewhere the trait's write per buffer.
    #[cfg(unix)]
    fn write_vectored(
        &self,
        file: &FileRef<'_>,
        offset: u64,
        bufs: &[&[u8]],
    ) -> Result<(), StorageError> {
        let handle = self.handle(file, true)?;
        disk::write_all_vectored_at(&handle, bufs, offset)
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
        // pwrite hands data to the page cache; flushing means fsync, which the session asks
        // for only where durability matters (it is slow). Report errors with the file.
        for (slot, handle) in self.pool.writable_handles() {
            handle.sync_data().map_err(|error| {
                StorageError::io(FileOperation::Flush, slot_file(slot), None, error)
            })?;
        }
        Ok(())
    }

    disk_fs_ops!();
}
