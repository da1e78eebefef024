//! Decoding errors and soft (non-canonical) errors, worded as libtorrent words them.

use std::fmt;

/// What went wrong while decoding; the `Display` text is libtorrent's message for the same error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BdecodeErrorKind {
    /// A string length or a dictionary key did not start with a digit, or an integer held a
    /// character that is not a digit.
    ExpectedDigit,
    /// A string length prefix was not followed by `:`.
    ExpectedColon,
    /// The input ended before the value was complete.
    UnexpectedEof,
    /// A byte that cannot start a value (or an `e` where a dictionary value belongs).
    ExpectedValue,
    /// Lists and dictionaries were nested deeper than the depth limit.
    DepthExceeded,
    /// The input held more tokens than the token limit, or was longer than the size limit.
    LimitExceeded,
    /// An integer or a string length did not fit in 64 bits, or had more than 20 digits.
    Overflow,
    /// Strict mode only: a soft error (non-canonical encoding) made fatal.
    NonCanonical(SoftErrorKind),
    /// Strict mode only: bytes after the end of the root value.
    TrailingData,
}

impl BdecodeErrorKind {
    /// The message libtorrent uses for this error (for the strict-mode kinds, our own wording).
    pub fn message(self) -> &'static str {
        match self {
            Self::ExpectedDigit => "expected digit in bencoded string",
            Self::ExpectedColon => "expected colon in bencoded string",
            Self::UnexpectedEof => "unexpected end of file in bencoded string",
            Self::ExpectedValue => "expected value (list, dict, int or string) in bencoded string",
            Self::DepthExceeded => "bencoded nesting depth exceeded",
            Self::LimitExceeded => "bencoded item count limit exceeded",
            Self::Overflow => "integer overflow",
            Self::NonCanonical(soft) => soft.message(),
            Self::TrailingData => "trailing data after the bencoded value",
        }
    }

    /// libtorrent's `bdecode_errors` enum name for this error (`"expected_digit"`, …); the
    /// strict-mode kinds have names of our own.
    pub fn code_name(self) -> &'static str {
        match self {
            Self::ExpectedDigit => "expected_digit",
            Self::ExpectedColon => "expected_colon",
            Self::UnexpectedEof => "unexpected_eof",
            Self::ExpectedValue => "expected_value",
            Self::DepthExceeded => "depth_exceeded",
            Self::LimitExceeded => "limit_exceeded",
            Self::Overflow => "overflow",
            Self::NonCanonical(_) => "non_canonical",
            Self::TrailingData => "trailing_data",
        }
    }
}

impl fmt::Display for BdecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A decoding failure: what went wrong and the byte offset where the decoder stopped.
///
/// The offset is the one libtorrent reports through `error_pos` for the same input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct BdecodeError {
    /// What went wrong.
    pub kind: BdecodeErrorKind,
    /// Byte offset into the input where decoding stopped.
    pub offset: usize,
}

impl BdecodeError {
    pub(crate) const fn new(kind: BdecodeErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }
}

/// A way the input is valid but not canonical bencoding. libtorrent accepts these and reports
/// them through `bdecode_node::has_soft_error()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SoftErrorKind {
    /// A dictionary key sorts before the key in front of it (raw byte order).
    UnsortedKey,
    /// A dictionary key equals the key in front of it.
    DuplicateKey,
    /// An integer with a leading zero (`i01e`), including after a minus sign (`i-01e`).
    LeadingZeroInteger,
    /// Negative zero (`i-0e`). libtorrent does not flag this one; canonical bencoding forbids it.
    NegativeZero,
    /// A string length with a leading zero (`06:foobar`).
    LeadingZeroStringLength,
}

impl SoftErrorKind {
    /// libtorrent's wording for the soft error (negative zero has our own).
    pub fn message(self) -> &'static str {
        match self {
            Self::UnsortedKey => "unsorted dictionary key",
            Self::DuplicateKey => "duplicate dictionary key",
            Self::LeadingZeroInteger => "leading zero in integer",
            Self::NegativeZero => "negative zero in integer",
            Self::LeadingZeroStringLength => "leading zero in string length",
        }
    }
}

impl fmt::Display for SoftErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The first non-canonical construct found in a decoded value, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct SoftError {
    /// What is not canonical.
    pub kind: SoftErrorKind,
    /// Byte offset of the offending key, integer or string in the input.
    pub offset: usize,
}
