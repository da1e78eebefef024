//! Pieces kept in memory until complete: a piece's blocks wait here, then go to the disk in one
//! job that hashes the same buffers it writes (`DiskIo::write_piece`) — one disk job per piece
//! instead of one per 16 KiB block plus a read-back to hash. Memory is bounded: a piece gets a
//! buffer only while the buffers' reserved size (a whole piece each) stays within
//! [`BUFFER_BUDGET`]; past it, a piece's blocks are written as they come and the piece is hashed
//! from the disk (the write-through path in `pieces.rs`).

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use lt_core::{PieceIndex, BLOCK_SIZE};

/// The most bytes reserved by piece buffers at once.
pub(super) const BUFFER_BUDGET: u64 = 16 << 20;

/// One piece's blocks as they arrive.
#[derive(Debug)]
struct PieceBuffer {
    blocks: Vec<Option<Bytes>>,
    missing: usize,
    /// Bytes reserved for it (the piece's size).
    reserved: u64,
}

/// Where a received block goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Placed {
    /// Kept; the piece is not complete yet.
    Kept,
    /// The piece is complete: its blocks, in order.
    Complete(Vec<Bytes>),
    /// Not buffered: write it through.
    WriteThrough,
}

/// The torrent's piece buffers.
#[derive(Debug, Default)]
pub(super) struct PieceBuffers {
    pieces: HashMap<PieceIndex, PieceBuffer>,
    reserved: u64,
    /// Pieces whose blocks are written as they come.
    write_through: HashSet<PieceIndex>,
}

impl PieceBuffers {
    /// Places `data`, the block at `offset` of `piece` (`piece_size` bytes long).
    pub(super) fn place(
        &mut self,
        piece: PieceIndex,
        piece_size: u32,
        offset: u32,
        data: Bytes,
    ) -> Placed {
        if self.write_through.contains(&piece) {
            return Placed::WriteThrough;
        }
        let size = u64::from(piece_size);
        if !self.pieces.contains_key(&piece) {
            if self.reserved + size > BUFFER_BUDGET {
                self.write_through.insert(piece);
                return Placed::WriteThrough;
            }
            let count = piece_size.div_ceil(BLOCK_SIZE) as usize;
            self.reserved += size;
            self.pieces.insert(
                piece,
                PieceBuffer {
                    blocks: vec![None; count],
                    missing: count,
                    reserved: size,
                },
            );
        }
        let Some(buffer) = self.pieces.get_mut(&piece) else {
            return Placed::WriteThrough;
        };
        let Some(slot) = buffer.blocks.get_mut((offset / BLOCK_SIZE) as usize) else {
            return Placed::WriteThrough;
        };
        if slot.is_none() {
            buffer.missing -= 1;
        }
        *slot = Some(data);
        if buffer.missing > 0 {
            return Placed::Kept;
        }
        let Some(buffer) = self.pieces.remove(&piece) else {
            return Placed::Kept;
        };
        self.reserved -= buffer.reserved;
        Placed::Complete(buffer.blocks.into_iter().flatten().collect())
    }

    /// From now on `piece`'s blocks are written as they come (some are on disk already).
    pub(super) fn write_through(&mut self, piece: PieceIndex) {
        if let Some(buffer) = self.pieces.remove(&piece) {
            self.reserved -= buffer.reserved;
        }
        self.write_through.insert(piece);
    }

    /// `piece` is done with (passed, failed or given up): forget it.
    pub(super) fn forget(&mut self, piece: PieceIndex) {
        if let Some(buffer) = self.pieces.remove(&piece) {
            self.reserved -= buffer.reserved;
        }
        self.write_through.remove(&piece);
    }

    /// Forgets everything (a recheck).
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(byte: u8) -> Bytes {
        Bytes::from(vec![byte; BLOCK_SIZE as usize])
    }

    #[test]
    fn a_piece_is_handed_out_complete_and_in_order() {
        let mut buffers = PieceBuffers::default();
        let piece = PieceIndex::new(3);
        let size = 3 * BLOCK_SIZE;
        assert_eq!(
            buffers.place(piece, size, 2 * BLOCK_SIZE, block(2)),
            Placed::Kept
        );
        assert_eq!(buffers.place(piece, size, 0, block(0)), Placed::Kept);
        // A duplicate does not count twice.
        assert_eq!(buffers.place(piece, size, 0, block(0)), Placed::Kept);
        assert_eq!(
            buffers.place(piece, size, BLOCK_SIZE, block(1)),
            Placed::Complete(vec![block(0), block(1), block(2)])
        );
        assert_eq!(buffers.reserved, 0);
    }

    #[test]
    fn past_the_budget_pieces_are_written_through() {
        let mut buffers = PieceBuffers::default();
        let size = 4 << 20;
        let fits = (BUFFER_BUDGET / u64::from(size)) as u32;
        for piece in 0..fits {
            assert_eq!(
                buffers.place(PieceIndex::new(piece), size, 0, block(1)),
                Placed::Kept
            );
        }
        let over = PieceIndex::new(fits);
        assert_eq!(buffers.place(over, size, 0, block(1)), Placed::WriteThrough);
        // Once written through, always written through, even with room again.
        buffers.forget(PieceIndex::new(0));
        assert_eq!(
            buffers.place(over, size, BLOCK_SIZE, block(1)),
            Placed::WriteThrough
        );
        buffers.forget(over);
        assert_eq!(buffers.place(over, size, 0, block(1)), Placed::Kept);
    }
}
