//! Why resume data failed to load, in libtorrent's words.

use lt_bencode::BdecodeError;

use crate::MetainfoError;

/// Resume data that could not be read.
///
/// Each variant is one of libtorrent's error codes and displays libtorrent's message for it;
/// [`ResumeError::code_name`] gives the enum name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The bytes are not valid bencoding (libtorrent's bdecode message and offset).
    #[error(transparent)]
    Bdecode(#[from] BdecodeError),
    /// The top level is not a dictionary.
    #[error("not a dictionary")]
    NotADictionary,
    /// `file-format` is not `libtorrent resume file`, or `file-version` is not 1 or 2.
    #[error("invalid file format tag")]
    InvalidFileTag,
    /// Neither a 20-byte `info-hash` nor a 32-byte `info-hash2`.
    #[error("missing info-hash")]
    MissingInfoHash,
    /// The `info` dictionary does not hash to the `info-hash` or `info-hash2` given.
    #[error("mismatching info-hash")]
    MismatchingInfoHash,
    /// The `info` dictionary is not a valid torrent (libtorrent's message for why).
    #[error(transparent)]
    Metainfo(#[from] MetainfoError),
}

impl ResumeError {
    /// libtorrent's name for the error (`errors::` or `bdecode_errors::` enum name).
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::Bdecode(error) => error.kind.code_name(),
            Self::NotADictionary => "not_a_dictionary",
            Self::InvalidFileTag => "invalid_file_tag",
            Self::MissingInfoHash => "missing_info_hash",
            Self::MismatchingInfoHash => "mismatching_info_hash",
            Self::Metainfo(error) => error.code_name(),
        }
    }

    /// The message libtorrent shows for this error (without our byte offsets).
    pub fn libtorrent_message(&self) -> String {
        match self {
            Self::Bdecode(error) => error.kind.message().to_owned(),
            Self::Metainfo(error) => error.libtorrent_message(),
            other => other.to_string(),
        }
    }
}
