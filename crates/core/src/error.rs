//! The error types of lt-core, one per concern.

/// A hex string did not decode to a hash.
///
/// Returned by the `FromStr` implementations of [`Sha1Hash`](crate::Sha1Hash) and
/// [`Sha256Hash`](crate::Sha256Hash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HexError {
    /// The string does not have exactly the number of hex digits the hash needs.
    #[error("expected {expected} hex digits, got {actual} characters")]
    InvalidLength {
        /// Hex digits the hash needs: 40 for SHA-1, 64 for SHA-256.
        expected: usize,
        /// Bytes in the string that was given.
        actual: usize,
    },
    /// A character is not one of `0-9`, `a-f` or `A-F`.
    #[error("invalid hex digit at byte {offset}")]
    InvalidDigit {
        /// Byte offset of the offending character in the string.
        offset: usize,
    },
}

/// A byte slice had the wrong length for the fixed-size value it should become.
///
/// Returned by the `TryFrom<&[u8]>` implementations of the hash and peer id types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} bytes, got {actual}")]
#[non_exhaustive]
pub struct LengthError {
    /// Bytes the value needs.
    pub expected: usize,
    /// Bytes that were given.
    pub actual: usize,
}

impl LengthError {
    pub(crate) fn new(expected: usize, actual: usize) -> Self {
        Self { expected, actual }
    }
}

/// A bitfield received from the wire (or read from resume data) does not fit the torrent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BitfieldError {
    /// The byte length is not `ceil(piece_count / 8)`.
    #[error("bitfield of invalid size (expected {expected_bytes} bytes, got {actual_bytes})")]
    InvalidSize {
        /// Bytes a bitfield of this bit count takes.
        expected_bytes: usize,
        /// Bytes that were given.
        actual_bytes: usize,
    },
    /// One of the padding bits after the last valid bit in the final byte is set.
    #[error("bitfield has spare bits set")]
    SpareBitsSet,
}

/// A string did not parse as a [`PeerId`](crate::PeerId).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerIdParseError {
    /// The string is neither 40 hex digits nor 20 bytes once escapes are decoded.
    #[error("peer id must be 20 bytes or 40 hex digits, got {actual_bytes} bytes")]
    InvalidLength {
        /// Bytes the string decoded to.
        actual_bytes: usize,
    },
    /// A backslash is not followed by `\` or `xNN` with two hex digits.
    #[error("invalid escape sequence at byte {offset}")]
    InvalidEscape {
        /// Byte offset of the backslash in the string.
        offset: usize,
    },
}
