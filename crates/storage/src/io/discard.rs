//! The discard backend: writes are dropped and reads return zeros (libtorrent's
//! `disabled_disk_io`), for benchmarks of everything above the disk.

use std::path::Path;

use crate::error::{FileOperation, StorageError};
use crate::io::{FileIo, FileRef, Found, Slot};

/// Drops writes, reads zeros, and pretends every file operation succeeded.
#[derive(Debug, Default)]
pub(crate) struct DiscardIo;

impl FileIo for DiscardIo {
    fn read(&self, _: &FileRef<'_>, _: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        buf.fill(0);
        Ok(())
    }

    fn write(&self, _: &FileRef<'_>, _: u64, _: &[u8]) -> Result<(), StorageError> {
        Ok(())
    }

    fn allocate(&self, _: &FileRef<'_>) -> Result<(), StorageError> {
        Ok(())
    }

    fn create(&self, _: &FileRef<'_>) -> Result<(), StorageError> {
        Ok(())
    }

    fn release(&self, _: Option<Slot>) {}

    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn stat(&self, _: &Path) -> std::io::Result<Found> {
        Ok(Found::Missing)
    }

    fn create_dir_all(&self, _: &Path) -> std::io::Result<()> {
        Ok(())
    }

    fn remove_file(&self, _: &Path) -> std::io::Result<()> {
        Ok(())
    }

    fn remove_dir_if_empty(&self, _: &Path) -> std::io::Result<bool> {
        Ok(true)
    }

    fn rename(&self, _: &Path, _: &Path) -> Result<(), (FileOperation, std::io::Error)> {
        Ok(())
    }

    fn symlink(&self, _: &Path, _: &Path) -> std::io::Result<()> {
        Ok(())
    }
}
