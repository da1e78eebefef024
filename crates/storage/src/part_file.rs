//! The part file: whole-piece slots for the data of pieces that overlap files nobody wants
//! (priority 0), so that those files are never created (libtorrent's `part_file`).
//!
//! Layout, all integers big-endian:
//!
//! ```text
//! u32 num_pieces | u32 piece_length | num_pieces × u32 slot (0xffff_ffff: none) | zero padding
//! to a multiple of 1024 | slot 0 (piece_length bytes) | slot 1 | …
//! ```
//!
//! The header is rewritten whenever a slot is taken or freed, so a crash loses no mapping. A
//! part file with no slot in use is deleted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use lt_core::PieceIndex;

use crate::error::{FileOperation, StorageError};
use crate::io::{FileIo, FileRef, Found, Slot};

const NO_SLOT: u32 = u32::MAX;
const HEADER_ALIGN: u64 = 1024;

#[derive(Debug, Default)]
struct Slots {
    /// Piece → slot.
    pieces: BTreeMap<PieceIndex, u32>,
    /// Slots freed and not reused yet.
    free: Vec<u32>,
    /// Slots ever handed out (the next new one).
    next: u32,
}

/// A torrent's part file.
#[derive(Debug)]
pub(crate) struct PartFile {
    path: PathBuf,
    save_path: PathBuf,
    num_pieces: u32,
    piece_length: u32,
    slots: Mutex<Slots>,
}

impl PartFile {
    /// The part file `name` in `save_path`, loading its header if it exists.
    pub(crate) fn open(
        io: &dyn FileIo,
        save_path: &Path,
        name: &str,
        num_pieces: u32,
        piece_length: u32,
    ) -> Result<Self, StorageError> {
        let part = Self {
            path: save_path.join(name),
            save_path: save_path.to_path_buf(),
            num_pieces,
            piece_length,
            slots: Mutex::new(Slots::default()),
        };
        part.load(io)?;
        Ok(part)
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        // Slot maps are updated by single inserts and removes; a panic cannot tear them.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn file_ref(&self) -> FileRef<'_> {
        FileRef {
            slot: Slot::PartFile,
            path: &self.path,
            save_path: &self.save_path,
            size: None,
            executable: false,
        }
    }

    fn header_len(&self) -> u64 {
        (8 + 4 * u64::from(self.num_pieces)).div_ceil(HEADER_ALIGN) * HEADER_ALIGN
    }

    fn slot_offset(&self, slot: u32, offset: u32) -> u64 {
        self.header_len() + u64::from(slot) * u64::from(self.piece_length) + u64::from(offset)
    }

    fn corrupt(&self, reason: &'static str) -> StorageError {
        StorageError::PartFileCorrupt {
            path: self.path.clone(),
            reason,
        }
    }

    fn load(&self, io: &dyn FileIo) -> Result<(), StorageError> {
        let found = io
            .stat(&self.path)
            .map_err(|error| self.file_ref().error(FileOperation::Stat, error))?;
        match found {
            Found::Missing => return Ok(()),
            Found::File { len } if len >= self.header_len() => {}
            Found::File { .. } => return Err(self.corrupt("shorter than its header")),
            Found::Dir | Found::Other => return Err(self.corrupt("not a regular file")),
        }
        let mut header = vec![0u8; self.header_len() as usize];
        io.read(&self.file_ref(), 0, &mut header)
            .map_err(|error| retag(error, FileOperation::PartFileRead))?;
        let mut words = header
            .chunks_exact(4)
            .map(|word| u32::from_be_bytes([word[0], word[1], word[2], word[3]]));
        if words.next() != Some(self.num_pieces) || words.next() != Some(self.piece_length) {
            return Err(self.corrupt("header is for another torrent"));
        }
        let mut slots = self.lock();
        let mut used = std::collections::BTreeSet::new();
        for piece in 0..self.num_pieces {
            let slot = words.next().unwrap_or(NO_SLOT);
            if slot == NO_SLOT {
                continue;
            }
            if slot >= self.num_pieces || !used.insert(slot) {
                return Err(self.corrupt("invalid or duplicate slot"));
            }
            slots.pieces.insert(PieceIndex::new(piece), slot);
        }
        slots.next = used.last().map_or(0, |last| last + 1);
        slots.free = (0..slots.next)
            .filter(|slot| !used.contains(slot))
            .collect();
        Ok(())
    }

    /// Writes the header for `slots`, or deletes the file when no slot is in use.
    fn save(&self, io: &dyn FileIo, slots: &Slots) -> Result<(), StorageError> {
        if slots.pieces.is_empty() {
            io.release(Some(Slot::PartFile));
            return match io.remove_file(&self.path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(self.file_ref().error(FileOperation::Remove, error))
                }
                _ => Ok(()),
            };
        }
        let mut header = Vec::with_capacity(self.header_len() as usize);
        header.extend_from_slice(&self.num_pieces.to_be_bytes());
        header.extend_from_slice(&self.piece_length.to_be_bytes());
        for piece in 0..self.num_pieces {
            let slot = slots
                .pieces
                .get(&PieceIndex::new(piece))
                .copied()
                .unwrap_or(NO_SLOT);
            header.extend_from_slice(&slot.to_be_bytes());
        }
        header.resize(self.header_len() as usize, 0);
        io.write(&self.file_ref(), 0, &header)
            .map_err(|error| retag(error, FileOperation::PartFileWrite))
    }

    /// Whether `piece` has a slot.
    pub(crate) fn has_piece(&self, piece: PieceIndex) -> bool {
        self.lock().pieces.contains_key(&piece)
    }

    /// The pieces with a slot.
    pub(crate) fn pieces(&self) -> Vec<PieceIndex> {
        self.lock().pieces.keys().copied().collect()
    }

    /// Writes bytes at `offset` of `piece`'s slot, taking a slot if it has none.
    pub(crate) fn write(
        &self,
        io: &dyn FileIo,
        piece: PieceIndex,
        offset: u32,
        data: &[u8],
    ) -> Result<(), StorageError> {
        let mut slots = self.lock();
        let slot = match slots.pieces.get(&piece) {
            Some(&slot) => slot,
            None => {
                let slot = match slots.free.pop() {
                    Some(slot) => slot,
                    None => {
                        slots.next += 1;
                        slots.next - 1
                    }
                };
                slots.pieces.insert(piece, slot);
                if let Err(error) = self.save(io, &slots) {
                    slots.pieces.remove(&piece);
                    slots.free.push(slot);
                    return Err(error);
                }
                slot
            }
        };
        io.write(&self.file_ref(), self.slot_offset(slot, offset), data)
            .map_err(|error| retag(error, FileOperation::PartFileWrite))
    }

    /// Reads bytes at `offset` of `piece`'s slot; zeros (and `false`) if it has none.
    pub(crate) fn read(
        &self,
        io: &dyn FileIo,
        piece: PieceIndex,
        offset: u32,
        buf: &mut [u8],
    ) -> Result<bool, StorageError> {
        let slots = self.lock();
        let Some(&slot) = slots.pieces.get(&piece) else {
            buf.fill(0);
            return Ok(false);
        };
        match io.read(&self.file_ref(), self.slot_offset(slot, offset), buf) {
            Ok(()) => Ok(true),
            // The last slot, written only partly, ends the file early: read it block by block
            // so the blocks written are kept and only the ones never written read as zeros.
            Err(StorageError::File {
                operation: FileOperation::PartFileRead,
                ..
            }) => {
                let len = buf.len();
                let mut at = 0usize;
                while at < len {
                    // Up to the next block boundary of the slot.
                    let in_slot = offset as usize + at;
                    let block = lt_core::BLOCK_SIZE as usize;
                    let end = (in_slot / block + 1) * block - offset as usize;
                    let chunk = &mut buf[at..end.min(len)];
                    let position = self.slot_offset(slot, offset + at as u32);
                    if io.read(&self.file_ref(), position, chunk).is_err() {
                        chunk.fill(0);
                    }
                    at += chunk.len();
                }
                Ok(true)
            }
            Err(error) => Err(retag(error, FileOperation::PartFileRead)),
        }
    }

    /// Frees `piece`'s slot.
    pub(crate) fn free(&self, io: &dyn FileIo, piece: PieceIndex) -> Result<(), StorageError> {
        let mut slots = self.lock();
        if let Some(slot) = slots.pieces.remove(&piece) {
            slots.free.push(slot);
            self.save(io, &slots)?;
        }
        Ok(())
    }

    /// Deletes the file and forgets every slot.
    pub(crate) fn delete(&self, io: &dyn FileIo) -> Result<(), StorageError> {
        let mut slots = self.lock();
        *slots = Slots::default();
        self.save(io, &slots)
    }

    /// Moves the part file into `save_path` (if it exists) and points at it there.
    pub(crate) fn move_to(
        &mut self,
        io: &dyn FileIo,
        save_path: &Path,
    ) -> Result<(), StorageError> {
        let name = self.path.file_name().map(PathBuf::from).unwrap_or_default();
        let destination = save_path.join(name);
        io.release(Some(Slot::PartFile));
        if !self.lock().pieces.is_empty() {
            io.rename(&self.path, &destination).map_err(|(_, error)| {
                StorageError::io(
                    FileOperation::PartFileMove,
                    None,
                    Some(self.path.clone()),
                    error,
                )
            })?;
        }
        self.path = destination;
        self.save_path = save_path.to_path_buf();
        Ok(())
    }
}

/// Re-labels a backend error as a part-file operation.
fn retag(error: StorageError, operation: FileOperation) -> StorageError {
    match error {
        StorageError::File {
            file, path, source, ..
        } => StorageError::File {
            file,
            path,
            operation,
            source,
        },
        other => other,
    }
}
