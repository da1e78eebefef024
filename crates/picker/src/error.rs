//! [`PickerError`]: what the caller got wrong.
//!
//! The picker never panics on a bad index, a bitfield of the wrong length or an unknown peer; it
//! returns one of these, carrying the values needed to log the mistake. Most of them come from a
//! peer's message passed through unchecked, so the session usually answers by disconnecting the
//! peer that sent it.

use lt_core::PieceIndex;

use crate::blocks::BlockState;
use crate::peers::PeerKey;

/// A call the picker refused; its state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PickerError {
    /// [`Geometry::new`](crate::Geometry::new) got a piece size of 0 or above 1 GiB.
    #[error("invalid piece size {piece_bytes}")]
    InvalidPieceSize {
        /// The piece size passed in.
        piece_bytes: u32,
    },
    /// [`Geometry::new`](crate::Geometry::new) got a total size of 0, or one that needs more
    /// than `u32::MAX` pieces.
    #[error("invalid torrent size {total_bytes} for piece size {piece_bytes}")]
    InvalidTotalSize {
        /// The total size passed in.
        total_bytes: u64,
        /// The piece size passed in.
        piece_bytes: u32,
    },
    /// A piece index at or past the number of pieces.
    #[error("piece index {piece} out of range (the torrent has {num_pieces} pieces)")]
    PieceOutOfRange {
        /// The index passed in.
        piece: u32,
        /// How many pieces the torrent has.
        num_pieces: u32,
    },
    /// A block index at or past the number of blocks of its piece.
    #[error(
        "block {block} of piece {piece} out of range (the piece has {blocks_in_piece} blocks)"
    )]
    BlockOutOfRange {
        /// The piece.
        piece: PieceIndex,
        /// The block index passed in.
        block: u32,
        /// How many blocks the piece has.
        blocks_in_piece: u32,
    },
    /// A `request`, `piece`, `cancel` or `reject` whose offset and length are not one block.
    #[error("invalid request: piece {piece}, offset {offset}, length {length} is not a block")]
    InvalidRequest {
        /// The piece named by the message.
        piece: PieceIndex,
        /// The byte offset inside the piece.
        offset: u32,
        /// The length in bytes.
        length: u32,
    },
    /// A bitfield whose length is not the number of pieces.
    #[error("bitfield of invalid size ({got} bits, the torrent has {expected} pieces)")]
    BitfieldSize {
        /// The bitfield's length in bits.
        got: usize,
        /// The number of pieces.
        expected: u32,
    },
    /// A priority above 7.
    #[error("invalid priority {0} (priorities are 0 to 7)")]
    InvalidPriority(u8),
    /// A list of piece priorities whose length is not the number of pieces.
    #[error("{got} piece priorities for {expected} pieces")]
    PiecePriorityCount {
        /// The list's length.
        got: usize,
        /// The number of pieces.
        expected: u32,
    },
    /// More file priorities than files.
    #[error("{priorities} file priorities for {files} files")]
    FilePriorityCount {
        /// The number of priorities passed in.
        priorities: usize,
        /// The number of files.
        files: usize,
    },
    /// File sizes that do not add up to the torrent's size.
    #[error("file sizes add up to {sum} bytes, the torrent has {total_bytes}")]
    FileSizeMismatch {
        /// The sum of the file sizes passed in.
        sum: u64,
        /// The torrent's size.
        total_bytes: u64,
    },
    /// A [`PeerKey`] that was never added, or was removed.
    #[error("unknown peer {0}")]
    UnknownPeer(PeerKey),
    /// [`Picker::add_peer`](crate::Picker::add_peer) with a key already in use.
    #[error("peer {0} was already added")]
    DuplicatePeer(PeerKey),
    /// More peers without all pieces than the availability counters hold (2^24 − 1).
    #[error("too many peers")]
    TooManyPeers,
    /// A block event that does not fit the block's state, such as finishing a block that is
    /// still only requested.
    #[error("block {block} of piece {piece} is {state}; cannot mark it {wanted}")]
    BlockTransition {
        /// The piece.
        piece: PieceIndex,
        /// The block index.
        block: u32,
        /// The block's current state.
        state: BlockState,
        /// The state asked for.
        wanted: BlockState,
    },
}
