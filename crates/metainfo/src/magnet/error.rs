//! [`MagnetError`]: why a magnet link did not parse, in libtorrent's words.

/// A magnet link that [`parse_magnet`](crate::parse_magnet) rejected.
///
/// Each variant is one of libtorrent's `errors::error_code_enum` values and displays
/// libtorrent's message for it; [`code_name`](Self::code_name) and
/// [`code_value`](Self::code_value) give the enum name and number. Everything else a magnet link
/// can get wrong (a bad tracker URL, peer or `so=` range) is skipped silently, as in libtorrent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MagnetError {
    /// The URI does not start with exactly `magnet:?`.
    #[error("unsupported URL protocol")]
    UnsupportedUrlProtocol,
    /// An `xt` value holds a `%` that does not start a valid escape (`%` and two hex digits).
    #[error("invalid escaped string")]
    InvalidEscapedString {
        /// Byte offset of the `xt` value in the URI.
        offset: usize,
    },
    /// An `xt` value names a `urn:btih:` or `urn:btmh:` hash that does not decode: not 40 hex
    /// or 32 base32 characters for v1, not `1220` and 64 hex characters for v2.
    #[error("invalid info-hash")]
    InvalidInfoHash {
        /// Byte offset of the `xt` value in the URI.
        offset: usize,
    },
    /// No `xt` names a v1 or v2 info-hash.
    #[error("missing info-hash from URI")]
    MissingInfoHashInUri,
}

impl MagnetError {
    /// libtorrent's name for this error (`errors::missing_info_hash_in_uri`, …).
    #[must_use]
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::UnsupportedUrlProtocol => "unsupported_url_protocol",
            Self::InvalidEscapedString { .. } => "invalid_escaped_string",
            Self::InvalidInfoHash { .. } => "invalid_info_hash",
            Self::MissingInfoHashInUri => "missing_info_hash_in_uri",
        }
    }

    /// libtorrent's number for this error in its `libtorrent` error category.
    #[must_use]
    pub fn code_value(&self) -> i32 {
        match self {
            Self::InvalidEscapedString { .. } => 17,
            Self::MissingInfoHashInUri => 22,
            Self::UnsupportedUrlProtocol => 24,
            Self::InvalidInfoHash { .. } => 39,
        }
    }
}
