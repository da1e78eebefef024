//! Checks of decoded messages against the torrent's dimensions and the negotiated features.
//!
//! Decoding only knows the bytes; here a peer's raw `u32`s become [`PieceIndex`]es and
//! [`Block`]s that are in range, and the errors carry libtorrent's codes. Whether an error ends
//! the connection is the caller's policy; each [`PeerMisbehaved`] variant says what libtorrent
//! does.

use lt_core::{Bitfield, PieceIndex, BLOCK_SIZE};

use crate::error::{ApiMisuse, PeerMisbehaved};
use crate::handshake::ReservedBits;
use crate::message::{BlockRequest, Message, MessageId};

/// A byte range of one piece that is inside the torrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block {
    /// The piece, below the piece count.
    pub piece: PieceIndex,
    /// The offset inside the piece.
    pub offset: u32,
    /// The length, at least 1, and `offset + length` within the piece.
    pub length: u32,
}

/// The dimensions of a torrent that the wire protocol checks messages against: its total size
/// and piece length, hence its piece count and the size of the last piece.
///
/// # Examples
/// ```
/// use lt_wire::{BlockRequest, MessageId, PieceGeometry};
///
/// let geometry = PieceGeometry::new(40_000, 16384)?; // 3 pieces, the last of 7232 bytes
/// assert_eq!(geometry.piece_count(), 3);
/// let last = BlockRequest { piece: 2, offset: 0, length: 7232 };
/// assert!(geometry.block(MessageId::Request, &last).is_ok());
/// let past_the_end = BlockRequest { piece: 2, offset: 0, length: 16384 };
/// let error = geometry.block(MessageId::Request, &past_the_end).unwrap_err();
/// assert_eq!(error.code_name(), "invalid_request");
/// # Ok::<(), lt_wire::ApiMisuse>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PieceGeometry {
    total_length: u64,
    piece_length: u32,
    piece_count: u32,
}

impl PieceGeometry {
    /// The geometry of a torrent of `total_length` bytes in pieces of `piece_length`.
    ///
    /// # Errors
    /// [`ApiMisuse::InvalidGeometry`] when either is 0 or the piece count exceeds `u32`.
    pub fn new(total_length: u64, piece_length: u32) -> Result<Self, ApiMisuse> {
        let invalid = |reason| ApiMisuse::InvalidGeometry { reason };
        if piece_length == 0 {
            return Err(invalid("piece length is 0"));
        }
        if total_length == 0 {
            return Err(invalid("total length is 0"));
        }
        let piece_count = u32::try_from(total_length.div_ceil(u64::from(piece_length)))
            .map_err(|_| invalid("more than 2^32 - 1 pieces"))?;
        Ok(Self {
            total_length,
            piece_length,
            piece_count,
        })
    }

    /// The number of pieces.
    #[must_use]
    pub fn piece_count(&self) -> u32 {
        self.piece_count
    }

    /// The nominal piece length.
    #[must_use]
    pub fn piece_length(&self) -> u32 {
        self.piece_length
    }

    /// The torrent's size in bytes.
    #[must_use]
    pub fn total_length(&self) -> u64 {
        self.total_length
    }

    /// The size of `piece`: the piece length, except for the last piece; 0 past the end.
    #[must_use]
    pub fn piece_size(&self, piece: PieceIndex) -> u32 {
        let start = u64::from(piece.get()) * u64::from(self.piece_length);
        let remaining = self.total_length.saturating_sub(start);
        u32::try_from(remaining.min(u64::from(self.piece_length))).unwrap_or(self.piece_length)
    }

    /// The peer's index as a [`PieceIndex`], if it is below the piece count.
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidPieceIndex`] with the code libtorrent uses for `message`.
    pub fn piece_index(
        &self,
        message: MessageId,
        piece: u32,
    ) -> Result<PieceIndex, PeerMisbehaved> {
        if piece < self.piece_count {
            Ok(PieceIndex::new(piece))
        } else {
            Err(PeerMisbehaved::InvalidPieceIndex {
                message,
                piece,
                piece_count: self.piece_count,
            })
        }
    }

    /// An `lt_donthave` index as a [`PieceIndex`].
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidDontHave`] when it is out of range.
    pub fn dont_have(&self, piece: u32) -> Result<PieceIndex, PeerMisbehaved> {
        self.piece_index(MessageId::Have, piece)
            .map_err(|_| PeerMisbehaved::InvalidDontHave {
                piece,
                piece_count: self.piece_count,
            })
    }

    /// A `bitfield` payload as a [`Bitfield`] of the torrent's piece count. Spare bits in the
    /// last byte are ignored, as libtorrent ignores them.
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidBitfieldSize`] unless the payload has `ceil(piece_count / 8)`
    /// bytes.
    pub fn bitfield(&self, payload: &[u8]) -> Result<Bitfield, PeerMisbehaved> {
        let piece_count = self.piece_count as usize;
        let expected_bytes = piece_count.div_ceil(8);
        let size_error = PeerMisbehaved::InvalidBitfieldSize {
            expected_bytes,
            actual_bytes: payload.len(),
        };
        if payload.len() != expected_bytes {
            return Err(size_error);
        }
        let mut bytes = payload.to_vec();
        let spare_bits = expected_bytes * 8 - piece_count;
        if let Some(last) = bytes.last_mut() {
            *last &= 0xffu8 << spare_bits;
        }
        Bitfield::from_wire(&bytes, piece_count).map_err(|_| size_error)
    }

    /// The range of a `request`, `cancel` or `reject` (`message`) as a [`Block`]: inside its
    /// piece, not empty, and at most one 16 KiB block.
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidRequest`] with the code libtorrent uses for `message`.
    pub fn block(
        &self,
        message: MessageId,
        request: &BlockRequest,
    ) -> Result<Block, PeerMisbehaved> {
        let invalid = PeerMisbehaved::InvalidRequest {
            message,
            request: *request,
        };
        let piece = self
            .piece_index(message, request.piece)
            .map_err(|_| invalid.clone())?;
        let end = u64::from(request.offset) + u64::from(request.length);
        if request.length == 0
            || request.length > BLOCK_SIZE
            || end > u64::from(self.piece_size(piece))
        {
            return Err(invalid);
        }
        Ok(Block {
            piece,
            offset: request.offset,
            length: request.length,
        })
    }

    /// The block of a `piece` message, which must be one we could have requested: aligned to
    /// 16 KiB and exactly one block long (shorter only at the end of the piece), as libtorrent's
    /// `verify_piece` requires. An empty block passes (libtorrent treats it as a reject).
    ///
    /// # Errors
    /// [`PeerMisbehaved::InvalidPiece`] otherwise.
    pub fn piece_block(
        &self,
        piece: u32,
        offset: u32,
        length: u32,
    ) -> Result<Block, PeerMisbehaved> {
        let invalid = PeerMisbehaved::InvalidPiece {
            piece,
            offset,
            length,
        };
        let index = self
            .piece_index(MessageId::Piece, piece)
            .map_err(|_| invalid.clone())?;
        let piece_size = self.piece_size(index);
        let expected = piece_size.saturating_sub(offset).min(BLOCK_SIZE);
        if !offset.is_multiple_of(BLOCK_SIZE)
            || offset >= piece_size
            || (length != expected && length != 0)
        {
            return Err(invalid);
        }
        Ok(Block {
            piece: index,
            offset,
            length,
        })
    }
}

/// Checks that `message` is allowed by what the two handshakes negotiated: fast-extension
/// messages need the fast bit in both (`ours` and `theirs`), v2 hash messages need the v2
/// protocol (`uses_v2`). libtorrent disconnects for both.
///
/// # Errors
/// [`PeerMisbehaved::FastExtensionNotNegotiated`] or [`PeerMisbehaved::V2NotNegotiated`].
///
/// # Examples
/// ```
/// use lt_wire::{check_negotiated, Message, ReservedBits};
///
/// let plain = ReservedBits::default();
/// let error = check_negotiated(&Message::HaveAll, &ReservedBits::lt_default(), &plain, false);
/// assert_eq!(error.unwrap_err().code_name(), "invalid_have_all");
/// ```
pub fn check_negotiated(
    message: &Message,
    ours: &ReservedBits,
    theirs: &ReservedBits,
    uses_v2: bool,
) -> Result<(), PeerMisbehaved> {
    let Some(id) = message.id() else {
        return Ok(());
    };
    if id.is_fast_extension() && !(ours.supports_fast() && theirs.supports_fast()) {
        return Err(PeerMisbehaved::FastExtensionNotNegotiated { message: id });
    }
    if id.is_v2() && !uses_v2 {
        return Err(PeerMisbehaved::V2NotNegotiated { message: id });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> PieceGeometry {
        PieceGeometry::new(40_000, 16384).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn geometry_needs_pieces() {
        assert!(PieceGeometry::new(0, 16384).is_err());
        assert!(PieceGeometry::new(1, 0).is_err());
        assert!(PieceGeometry::new(u64::MAX, 1).is_err());
        assert_eq!(
            geometry().piece_size(PieceIndex::new(2)),
            40_000 - 2 * 16384
        );
        assert_eq!(geometry().piece_size(PieceIndex::new(3)), 0);
    }

    #[test]
    fn bitfield_size_and_spare_bits() {
        let geometry = PieceGeometry::new(10, 1).unwrap_or_else(|error| panic!("{error}"));
        let bits = geometry
            .bitfield(&[0x80, 0x7f])
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(bits.iter_ones().collect::<Vec<_>>(), [0, 9]);
        for wrong in [&[0x80][..], &[0x80, 0x40, 0]] {
            let error = geometry.bitfield(wrong).map(|_| ());
            assert!(matches!(
                error,
                Err(PeerMisbehaved::InvalidBitfieldSize { .. })
            ));
        }
    }

    #[test]
    fn requests_stay_inside_their_piece() {
        let geometry = geometry();
        let request = |piece, offset, length| BlockRequest {
            piece,
            offset,
            length,
        };
        assert!(geometry
            .block(MessageId::Request, &request(0, 100, 16000))
            .is_ok());
        for bad in [
            request(3, 0, 1),
            request(0, 0, 0),
            request(0, 0, 16385),
            request(1, 16000, 400),
            request(0, u32::MAX, 16),
        ] {
            let error = geometry.block(MessageId::Cancel, &bad).map(|_| ());
            assert_eq!(
                error.map_err(|error| error.code_name()),
                Err("invalid_cancel")
            );
        }
    }

    #[test]
    fn piece_blocks_must_be_requestable() {
        let geometry = geometry();
        assert!(geometry.piece_block(2, 0, 7232).is_ok());
        assert!(geometry.piece_block(0, 0, 0).is_ok());
        assert!(geometry.piece_block(0, 16, 16368).is_err());
        assert!(geometry.piece_block(2, 0, 16384).is_err());
        assert!(geometry.piece_block(2, 16384, 1).is_err());
        assert!(geometry.piece_block(9, 0, 16384).is_err());
    }
}
