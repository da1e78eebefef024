//! The flat token array a decoded document is made of.
//!
//! Every value in the input becomes one token (8 bytes); every list and dictionary also gets an
//! `End` token for its closing `e`, and the array ends with one more `End` token whose offset is
//! the end of the root value. A token records where its value starts in the input; where it ends
//! is the offset of the token that follows it, so no lengths are stored. A list or dictionary
//! token also records how many tokens to skip to reach its next sibling, which makes skipping a
//! child O(1).

/// The kind of a token, kept in the low three bits of [`Token::word`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum TokenKind {
    Dict = 1,
    List = 2,
    String = 3,
    Integer = 4,
    End = 5,
}

const KIND_BITS: u32 = 3;
const KIND_MASK: u32 = (1 << KIND_BITS) - 1;

/// The largest payload (skip distance or string header length) a token can hold.
pub(crate) const MAX_PAYLOAD: u32 = u32::MAX >> KIND_BITS;

/// One decoded item: where it starts and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    /// Byte offset of the item in the input.
    pub(crate) offset: u32,
    /// Kind in the low bits; above them the skip distance (containers) or the header length
    /// (strings: the length digits and the colon).
    word: u32,
}

impl Token {
    #[inline(always)]
    pub(crate) const fn new(offset: u32, kind: TokenKind, payload: u32) -> Self {
        Self {
            offset,
            word: (payload << KIND_BITS) | kind as u32,
        }
    }

    #[inline(always)]
    pub(crate) fn kind(self) -> TokenKind {
        match self.word & KIND_MASK {
            1 => TokenKind::Dict,
            2 => TokenKind::List,
            3 => TokenKind::String,
            4 => TokenKind::Integer,
            _ => TokenKind::End,
        }
    }

    #[inline(always)]
    pub(crate) const fn payload(self) -> u32 {
        self.word >> KIND_BITS
    }

    #[inline(always)]
    pub(crate) fn set_payload(&mut self, payload: u32) {
        self.word = (payload << KIND_BITS) | (self.word & KIND_MASK);
    }

    /// How many tokens to step over to reach the item after this one (at the same depth).
    #[inline(always)]
    pub(crate) fn skip(self) -> usize {
        match self.kind() {
            TokenKind::Dict | TokenKind::List => self.payload() as usize,
            _ => 1,
        }
    }
}
