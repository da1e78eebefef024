//! [`SeedModeStorage`]: seed mode's lazy verification — every piece is checked against its
//! hash the first time it is read, instead of rechecking everything up front.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::TorrentInfo;

use crate::error::StorageError;
use crate::params::{DeleteMode, MoveFlags};
use crate::storage::{CheckFilesOutcome, Storage};
use crate::verify::PieceVerifier;

/// Wraps a [`Storage`] whose files are assumed complete (libtorrent's `seed_mode`): the first
/// read of each piece reads and verifies the whole piece; a piece that fails gives
/// [`StorageError::HashFailed`], upon which the session leaves seed mode and rechecks.
///
/// # Examples
/// ```no_run
/// # fn demo(storage: lt_storage::TorrentStorage) -> Result<(), lt_storage::StorageError> {
/// use lt_storage::{SeedModeStorage, Storage};
/// let seeding = SeedModeStorage::new(storage);
/// let mut block = vec![0; 16384];
/// seeding.read(lt_core::PieceIndex::new(0), 0, &mut block)?; // verifies piece 0 first
/// assert_eq!(seeding.verified_pieces().count_ones(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SeedModeStorage<S> {
    inner: S,
    verifier: PieceVerifier,
    verified: Mutex<Bitfield>,
}

impl<S: Storage> SeedModeStorage<S> {
    /// Seed mode over `inner`, with no piece verified yet.
    pub fn new(inner: S) -> Self {
        let verifier = PieceVerifier::new(inner.info());
        let verified = Mutex::new(Bitfield::new(inner.info().num_pieces() as usize));
        Self {
            inner,
            verifier,
            verified,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Bitfield> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The pieces verified so far (libtorrent's `verified_pieces`).
    pub fn verified_pieces(&self) -> Bitfield {
        self.lock().clone()
    }

    /// The wrapped storage.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Storage> Storage for SeedModeStorage<S> {
    fn info(&self) -> &TorrentInfo {
        self.inner.info()
    }

    fn initialize(&self) -> Result<(), StorageError> {
        self.inner.initialize()
    }

    fn read(&self, piece: PieceIndex, offset: u32, buf: &mut [u8]) -> Result<(), StorageError> {
        if self.lock().get(piece.as_usize()) {
            return self.inner.read(piece, offset, buf);
        }
        let size = crate::hash::piece_size(self.info(), piece)?;
        let start = offset as usize;
        let end = start.saturating_add(buf.len());
        if end > size as usize {
            return Err(StorageError::InvalidRequest {
                piece,
                offset,
                length: buf.len() as u64,
            });
        }
        let mut whole = vec![0u8; size as usize];
        self.inner.read(piece, 0, &mut whole)?;
        if !self.verifier.verify(self.info(), piece, &whole) {
            return Err(StorageError::HashFailed(piece));
        }
        self.lock().set(piece.as_usize());
        buf.copy_from_slice(whole.get(start..end).unwrap_or_default());
        Ok(())
    }

    fn write(&self, piece: PieceIndex, offset: u32, data: &[u8]) -> Result<(), StorageError> {
        if piece.get() < self.info().num_pieces() {
            self.lock().clear_bit(piece.as_usize());
        }
        self.inner.write(piece, offset, data)
    }

    fn write_blocks(
        &self,
        piece: PieceIndex,
        offset: u32,
        blocks: &[&[u8]],
    ) -> Result<(), StorageError> {
        if piece.get() < self.info().num_pieces() {
            self.lock().clear_bit(piece.as_usize());
        }
        self.inner.write_blocks(piece, offset, blocks)
    }

    fn check_files(&self, have: &Bitfield) -> Result<CheckFilesOutcome, StorageError> {
        self.inner.check_files(have)
    }

    fn clear_piece(&self, piece: PieceIndex) -> Result<(), StorageError> {
        if piece.get() < self.info().num_pieces() {
            self.lock().clear_bit(piece.as_usize());
        }
        self.inner.clear_piece(piece)
    }

    fn flush(&self) -> Result<(), StorageError> {
        self.inner.flush()
    }

    fn release_files(&self) -> Result<(), StorageError> {
        self.inner.release_files()
    }

    fn set_file_priorities(&mut self, priorities: &[u8]) -> Result<(), StorageError> {
        self.inner.set_file_priorities(priorities)
    }

    fn rename_file(&mut self, file: FileIndex, new_path: &str) -> Result<(), StorageError> {
        self.inner.rename_file(file, new_path)
    }

    fn move_storage(&mut self, save_path: &Path, flags: MoveFlags) -> Result<(), StorageError> {
        self.inner.move_storage(save_path, flags)
    }

    fn delete_files(&mut self, mode: DeleteMode) -> Result<(), StorageError> {
        self.lock().clear_all();
        self.inner.delete_files(mode)
    }
}
