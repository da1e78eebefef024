//! Piece and block arithmetic: [`Geometry`] (sizes, counts, the short last piece and block) and
//! [`Block`] (one 16 KiB request), and the checks that turn a peer's raw numbers into them.

use std::fmt;

use lt_core::{PieceIndex, BLOCK_SIZE};

use crate::error::PickerError;

/// The largest piece the picker accepts: 1 GiB, 65,536 blocks (libtorrent stops at 128 MiB).
const MAX_PIECE_BYTES: u32 = 1 << 30;

/// One block: a 16 KiB slice of a piece (shorter only at the end of the last piece), the unit of
/// `request`, `piece` and `cancel` messages.
///
/// Its fields are public for matching and printing; every [`Picker`](crate::Picker) method
/// checks a block against the torrent before using it, and [`Geometry::block_at`] makes one
/// from a message's offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Block {
    /// The piece the block belongs to.
    pub piece: PieceIndex,
    /// The block's index inside the piece (its byte offset divided by 16 KiB).
    pub index: u32,
}

impl Block {
    /// Block `index` of `piece` (not checked here).
    #[must_use]
    pub const fn new(piece: PieceIndex, index: u32) -> Self {
        Self { piece, index }
    }

    /// The byte offset of the block inside its piece.
    #[must_use]
    pub const fn offset(self) -> u32 {
        self.index * BLOCK_SIZE
    }
}

/// `piece:index`, as in logs.
impl fmt::Display for Block {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.piece, self.index)
    }
}

/// The sizes of a torrent's pieces and blocks: every piece is `piece_bytes` long except the last,
/// and every block is [`BLOCK_SIZE`] long except the last one of each piece.
///
/// # Examples
/// ```
/// use lt_core::PieceIndex;
/// use lt_picker::Geometry;
///
/// // 1 MiB + 1,000 bytes in 256 KiB pieces: 5 pieces, the last one 1,000 bytes in one block.
/// let geometry = Geometry::new((1 << 20) + 1000, 256 * 1024)?;
/// assert_eq!(geometry.num_pieces(), 5);
/// assert_eq!(geometry.blocks_in_piece(PieceIndex::new(0))?, 16);
/// assert_eq!(geometry.piece_bytes(PieceIndex::new(4))?, 1000);
/// assert_eq!(geometry.blocks_in_piece(PieceIndex::new(4))?, 1);
/// # Ok::<(), lt_picker::PickerError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    total_bytes: u64,
    piece_bytes: u32,
    num_pieces: u32,
    blocks_per_piece: u32,
    last_piece_bytes: u32,
}

impl Geometry {
    /// The geometry of a torrent of `total_bytes` in pieces of `piece_bytes`.
    ///
    /// # Errors
    /// [`PickerError::InvalidPieceSize`] for a piece size of 0 or above 1 GiB;
    /// [`PickerError::InvalidTotalSize`] for a total of 0 or one needing more than `u32::MAX`
    /// pieces.
    pub fn new(total_bytes: u64, piece_bytes: u32) -> Result<Self, PickerError> {
        if piece_bytes == 0 || piece_bytes > MAX_PIECE_BYTES {
            return Err(PickerError::InvalidPieceSize { piece_bytes });
        }
        let invalid_total = PickerError::InvalidTotalSize {
            total_bytes,
            piece_bytes,
        };
        let num_pieces = total_bytes.div_ceil(u64::from(piece_bytes));
        let num_pieces = u32::try_from(num_pieces).map_err(|_| invalid_total.clone())?;
        if num_pieces == 0 {
            return Err(invalid_total);
        }
        let full_pieces_bytes = u64::from(num_pieces - 1) * u64::from(piece_bytes);
        // Lossless: the remainder is at most `piece_bytes`.
        let last_piece_bytes = (total_bytes - full_pieces_bytes) as u32;
        Ok(Self {
            total_bytes,
            piece_bytes,
            num_pieces,
            blocks_per_piece: piece_bytes.div_ceil(BLOCK_SIZE),
            last_piece_bytes,
        })
    }

    /// The torrent's size in bytes.
    #[must_use]
    pub const fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// The number of pieces.
    #[must_use]
    pub const fn num_pieces(&self) -> u32 {
        self.num_pieces
    }

    /// The size of every piece but the last.
    #[must_use]
    pub const fn nominal_piece_bytes(&self) -> u32 {
        self.piece_bytes
    }

    /// The number of blocks in every piece but (perhaps) the last.
    #[must_use]
    pub const fn blocks_per_piece(&self) -> u32 {
        self.blocks_per_piece
    }

    /// Checks a raw piece index from a peer or the user.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`] at or past the number of pieces.
    pub fn piece(&self, raw: u32) -> Result<PieceIndex, PickerError> {
        if raw < self.num_pieces {
            Ok(PieceIndex::new(raw))
        } else {
            Err(PickerError::PieceOutOfRange {
                piece: raw,
                num_pieces: self.num_pieces,
            })
        }
    }

    /// The size of `piece` in bytes.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_bytes(&self, piece: PieceIndex) -> Result<u32, PickerError> {
        self.piece(piece.get())?;
        Ok(self.piece_bytes_unchecked(piece.get()))
    }

    /// The number of blocks in `piece`.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn blocks_in_piece(&self, piece: PieceIndex) -> Result<u32, PickerError> {
        self.piece(piece.get())?;
        Ok(self.blocks_in(piece.get()))
    }

    /// Checks `block` against the torrent.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`] or [`PickerError::BlockOutOfRange`].
    pub fn check_block(&self, block: Block) -> Result<Block, PickerError> {
        let blocks_in_piece = self.blocks_in_piece(block.piece)?;
        if block.index < blocks_in_piece {
            Ok(block)
        } else {
            Err(PickerError::BlockOutOfRange {
                piece: block.piece,
                block: block.index,
                blocks_in_piece,
            })
        }
    }

    /// The size of `block` in bytes: 16 KiB, or less for the last block of a piece.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`] or [`PickerError::BlockOutOfRange`].
    pub fn block_bytes(&self, block: Block) -> Result<u32, PickerError> {
        let block = self.check_block(block)?;
        Ok(self.block_bytes_unchecked(block))
    }

    /// The block a `request`, `piece`, `cancel` or `reject` message names, from its raw piece
    /// index, byte offset and length.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`], or [`PickerError::InvalidRequest`] when the offset is
    /// not on a block boundary or the length is not that block's size.
    pub fn block_at(&self, piece: u32, offset: u32, length: u32) -> Result<Block, PickerError> {
        let piece = self.piece(piece)?;
        let invalid = PickerError::InvalidRequest {
            piece,
            offset,
            length,
        };
        if !offset.is_multiple_of(BLOCK_SIZE) || offset / BLOCK_SIZE >= self.blocks_in(piece.get())
        {
            return Err(invalid);
        }
        let block = Block::new(piece, offset / BLOCK_SIZE);
        if self.block_bytes_unchecked(block) == length {
            Ok(block)
        } else {
            Err(invalid)
        }
    }

    /// The size of piece `piece` (< `num_pieces`).
    pub(crate) fn piece_bytes_unchecked(&self, piece: u32) -> u32 {
        if piece + 1 == self.num_pieces {
            self.last_piece_bytes
        } else {
            self.piece_bytes
        }
    }

    /// The number of blocks of piece `piece` (< `num_pieces`).
    pub(crate) fn blocks_in(&self, piece: u32) -> u32 {
        if piece + 1 == self.num_pieces {
            self.last_piece_bytes.div_ceil(BLOCK_SIZE)
        } else {
            self.blocks_per_piece
        }
    }

    /// The size of a block already checked.
    pub(crate) fn block_bytes_unchecked(&self, block: Block) -> u32 {
        let piece_bytes = self.piece_bytes_unchecked(block.piece.get());
        (piece_bytes - block.offset()).min(BLOCK_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_last_piece_and_block() {
        let geometry = Geometry::new(3 * 32768 + 20000, 32768).unwrap();
        assert_eq!(geometry.num_pieces(), 4);
        assert_eq!(geometry.blocks_per_piece(), 2);
        let last = PieceIndex::new(3);
        assert_eq!(geometry.piece_bytes(last).unwrap(), 20000);
        assert_eq!(geometry.blocks_in_piece(last).unwrap(), 2);
        assert_eq!(
            geometry.block_bytes(Block::new(last, 1)).unwrap(),
            20000 - 16384
        );
        assert_eq!(
            geometry
                .block_bytes(Block::new(PieceIndex::new(0), 1))
                .unwrap(),
            16384
        );
        assert!(geometry.block_bytes(Block::new(last, 2)).is_err());
        assert!(geometry.blocks_in_piece(PieceIndex::new(4)).is_err());
    }

    #[test]
    fn pieces_smaller_than_a_block() {
        let geometry = Geometry::new(10_000, 4096).unwrap();
        assert_eq!(geometry.num_pieces(), 3);
        assert_eq!(geometry.blocks_per_piece(), 1);
        assert_eq!(
            geometry.block_bytes(Block::new(PieceIndex::new(2), 0)),
            Ok(10_000 - 8192)
        );
    }

    #[test]
    fn rejects_bad_sizes() {
        assert_eq!(
            Geometry::new(100, 0),
            Err(PickerError::InvalidPieceSize { piece_bytes: 0 })
        );
        assert!(Geometry::new(0, 16384).is_err());
        assert!(Geometry::new(u64::MAX, 1).is_err());
        assert!(Geometry::new(100, (1 << 30) + 1).is_err());
    }

    #[test]
    fn block_at_checks_offset_and_length() {
        let geometry = Geometry::new(65536 + 100, 65536).unwrap();
        assert_eq!(
            geometry.block_at(0, 16384, 16384),
            Ok(Block::new(PieceIndex::new(0), 1))
        );
        assert_eq!(
            geometry.block_at(1, 0, 100),
            Ok(Block::new(PieceIndex::new(1), 0))
        );
        assert!(geometry.block_at(1, 0, 16384).is_err());
        assert!(geometry.block_at(0, 100, 16384).is_err());
        assert!(geometry.block_at(0, 65536, 16384).is_err());
        assert!(geometry.block_at(2, 0, 16384).is_err());
        assert_eq!(
            geometry.piece(7),
            Err(PickerError::PieceOutOfRange {
                piece: 7,
                num_pieces: 2
            })
        );
    }
}
