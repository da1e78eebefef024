//! The error type of the serde serializer and deserializer.

use std::fmt;

use crate::error::{BdecodeError, BdecodeErrorKind};

/// An error from [`to_bytes`](crate::to_bytes), [`from_bytes`](crate::from_bytes) and friends.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not valid bencoding (libtorrent's message and the byte offset).
    #[error(transparent)]
    Decode(#[from] BdecodeError),
    /// The input is valid bencoding but not what the type expects, at `offset`.
    #[error("{message} (at byte {offset})")]
    Mismatch {
        /// What was expected and what was found.
        message: String,
        /// Byte offset of the value that did not fit.
        offset: usize,
    },
    /// A Rust type bencoding cannot represent (floats, `()`, `None` inside a list, …).
    #[error("bencode cannot represent {0}")]
    Unsupported(&'static str),
    /// A map key that is neither a string, bytes, nor an integer.
    #[error("dictionary keys must be strings, bytes or integers")]
    KeyMustBeString,
    /// A map or struct gave the same key twice.
    #[error("duplicate dictionary key {0:?}")]
    DuplicateKey(String),
    /// A message from a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
    /// Writing the output failed.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn decode(kind: BdecodeErrorKind, offset: usize) -> Self {
        Error::Decode(BdecodeError::new(kind, offset))
    }

    /// The byte offset the error refers to, for decoding errors.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Error::Decode(error) => Some(error.offset),
            Error::Mismatch { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::Custom(message.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::Custom(message.to_string())
    }
}
