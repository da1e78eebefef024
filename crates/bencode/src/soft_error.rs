//! Finding non-canonical encodings that decode fine (libtorrent's `has_soft_error()`).

use std::cmp::Ordering;

use crate::error::{SoftError, SoftErrorKind};
use crate::node::Node;
use crate::token::TokenKind;

impl<'a> Node<'a> {
    /// The first non-canonical construct in this value, in input order: an unsorted or
    /// duplicate dictionary key, a leading zero in an integer or a string length, or a negative
    /// zero.
    ///
    /// libtorrent's `has_soft_error()` reports the same constructs except `i-0e` and `i-01e`,
    /// which it lets pass.
    ///
    /// # Examples
    /// ```
    /// let doc = lt_bencode::bdecode(b"d1:bi1e1:ai2ee")?;
    /// let soft = doc.root().soft_error().unwrap();
    /// assert_eq!(soft.kind.message(), "unsorted dictionary key");
    /// assert_eq!(soft.offset, 7);
    /// # Ok::<(), lt_bencode::BdecodeError>(())
    /// ```
    pub fn soft_error(&self) -> Option<SoftError> {
        let buffer = self.buffer();
        let byte_at = |at: usize| buffer.get(at).copied();
        for index in self.token_range() {
            let token = *self.tokens().get(index)?;
            let offset = token.offset as usize;
            let found = match token.kind() {
                TokenKind::Integer => match (byte_at(offset + 1), byte_at(offset + 2)) {
                    (Some(b'0'), Some(next)) if next != b'e' => {
                        Some(SoftErrorKind::LeadingZeroInteger)
                    }
                    (Some(b'-'), Some(b'0')) => Some(if byte_at(offset + 3) == Some(b'e') {
                        SoftErrorKind::NegativeZero
                    } else {
                        SoftErrorKind::LeadingZeroInteger
                    }),
                    _ => None,
                },
                TokenKind::String => match (byte_at(offset), byte_at(offset + 1)) {
                    (Some(b'0'), Some(next)) if next != b':' => {
                        Some(SoftErrorKind::LeadingZeroStringLength)
                    }
                    _ => None,
                },
                TokenKind::Dict => {
                    if let Some(error) = key_order_error(&self.node_at(index)) {
                        return Some(error);
                    }
                    None
                }
                TokenKind::List | TokenKind::End => None,
            };
            if let Some(kind) = found {
                return Some(SoftError { kind, offset });
            }
        }
        None
    }

    /// Whether [`Node::soft_error`] finds anything.
    pub fn has_soft_error(&self) -> bool {
        self.soft_error().is_some()
    }
}

/// The first key of `dict` that does not sort strictly after the key in front of it.
fn key_order_error(dict: &Node<'_>) -> Option<SoftError> {
    let mut previous: Option<&[u8]> = None;
    for (key, _) in dict.dict_node_iter() {
        let bytes = key.as_bytes().unwrap_or_default();
        if let Some(previous) = previous {
            let kind = match previous.cmp(bytes) {
                Ordering::Less => None,
                Ordering::Equal => Some(SoftErrorKind::DuplicateKey),
                Ordering::Greater => Some(SoftErrorKind::UnsortedKey),
            };
            if let Some(kind) = kind {
                return Some(SoftError {
                    kind,
                    offset: key.data_offset(),
                });
            }
        }
        previous = Some(bytes);
    }
    None
}
