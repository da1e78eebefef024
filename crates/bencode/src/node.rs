//! `Node`: a zero-copy view of one decoded value, with libtorrent's `bdecode_node` accessors.

use std::fmt;

use crate::token::{Token, TokenKind};

/// The type of a decoded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// A dictionary (`d…e`).
    Dict,
    /// A list (`l…e`).
    List,
    /// A byte string (`4:spam`).
    String,
    /// An integer (`i42e`).
    Int,
}

/// A view of one value inside a decoded [`Document`](crate::Document).
///
/// `Node` is `Copy` and borrows the input and the token array: strings come back as slices of
/// the input, and stepping over a child list or dictionary costs O(1). Accessors that expect a
/// type (`list_size`, `dict_find`, …) return an empty result on a node of another type instead
/// of panicking.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    buffer: &'a [u8],
    tokens: &'a [Token],
    index: usize,
}

const EMPTY: &[u8] = &[];

impl<'a> Node<'a> {
    pub(crate) fn new(buffer: &'a [u8], tokens: &'a [Token], index: usize) -> Self {
        Self {
            buffer,
            tokens,
            index,
        }
    }

    #[inline(always)]
    fn token(&self) -> Token {
        self.tokens
            .get(self.index)
            .copied()
            .unwrap_or(Token::new(0, TokenKind::End, 0))
    }

    #[inline(always)]
    fn offset_of(&self, index: usize) -> usize {
        self.tokens
            .get(index)
            .map_or(self.buffer.len(), |t| t.offset as usize)
    }

    #[inline(always)]
    fn at(&self, index: usize) -> Node<'a> {
        Node {
            buffer: self.buffer,
            tokens: self.tokens,
            index,
        }
    }

    #[inline(always)]
    fn kind(&self) -> TokenKind {
        self.token().kind()
    }

    /// The value's type.
    pub fn node_type(&self) -> NodeType {
        match self.kind() {
            TokenKind::Dict => NodeType::Dict,
            TokenKind::List => NodeType::List,
            TokenKind::String => NodeType::String,
            // End tokens are never handed out as nodes.
            TokenKind::Integer | TokenKind::End => NodeType::Int,
        }
    }

    /// Whether this is a dictionary.
    pub fn is_dict(&self) -> bool {
        self.kind() == TokenKind::Dict
    }

    /// Whether this is a list.
    pub fn is_list(&self) -> bool {
        self.kind() == TokenKind::List
    }

    /// Whether this is a byte string.
    pub fn is_string(&self) -> bool {
        self.kind() == TokenKind::String
    }

    /// Whether this is an integer.
    pub fn is_int(&self) -> bool {
        self.kind() == TokenKind::Integer
    }

    /// The raw encoded bytes of this value (what an info-hash is computed over).
    pub fn data_section(&self) -> &'a [u8] {
        let start = self.token().offset as usize;
        let end = self.offset_of(self.index + self.token().skip());
        self.buffer.get(start..end).unwrap_or(EMPTY)
    }

    /// Byte offset of this value in the input.
    pub fn data_offset(&self) -> usize {
        self.token().offset as usize
    }

    /// The whole input this node was decoded from.
    pub fn buffer(&self) -> &'a [u8] {
        self.buffer
    }

    // ----- strings -----

    /// The bytes of a string; `None` for other types.
    #[inline]
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        let token = self.token();
        if token.kind() != TokenKind::String {
            return None;
        }
        let start = token.offset as usize + token.payload() as usize;
        let end = self.offset_of(self.index + 1);
        self.buffer.get(start..end)
    }

    /// A string as UTF-8 text; `None` for other types and for strings that are not UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        self.as_bytes()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// Byte offset of a string's first byte (after its length prefix); `None` for other types.
    pub fn string_offset(&self) -> Option<usize> {
        let token = self.token();
        (token.kind() == TokenKind::String)
            .then(|| token.offset as usize + token.payload() as usize)
    }

    /// Length of a string in bytes; 0 for other types.
    pub fn string_length(&self) -> usize {
        self.as_bytes().map_or(0, <[u8]>::len)
    }

    // ----- integers -----

    /// The integer's digits as written (with any sign); `None` for other types.
    pub fn int_text(&self) -> Option<&'a [u8]> {
        let token = self.token();
        if token.kind() != TokenKind::Integer {
            return None;
        }
        let start = token.offset as usize + 1;
        let end = self.offset_of(self.index + 1).saturating_sub(1);
        self.buffer.get(start..end)
    }

    /// The integer's value; `None` for other types and for integers outside `i64` (libtorrent's
    /// `int_value()` returns 0 for those; see [`Node::int_value`]).
    pub fn as_int(&self) -> Option<i64> {
        parse_i64(self.int_text()?)
    }

    /// The integer's value the way libtorrent's `int_value()` gives it: 0 for integers outside
    /// `i64` and for nodes that are not integers.
    pub fn int_value(&self) -> i64 {
        self.as_int().unwrap_or(0)
    }

    // ----- lists -----

    /// Number of items in a list; 0 for other types.
    pub fn list_size(&self) -> usize {
        if self.is_list() {
            self.children().count()
        } else {
            0
        }
    }

    /// The item at `index` of a list (O(index): each skipped item costs O(1)).
    pub fn list_at(&self, index: usize) -> Option<Node<'a>> {
        if !self.is_list() {
            return None;
        }
        self.children().nth(index)
    }

    /// The string at `index` of a list, if it is a string.
    pub fn list_string_value_at(&self, index: usize) -> Option<&'a [u8]> {
        self.list_at(index)?.as_bytes()
    }

    /// The integer at `index` of a list, or `default` if there is none there.
    pub fn list_int_value_at(&self, index: usize, default: i64) -> i64 {
        self.list_at(index)
            .and_then(|n| n.as_int())
            .unwrap_or(default)
    }

    /// The items of a list in order; empty for other types.
    pub fn list_iter(&self) -> ListIter<'a> {
        ListIter {
            children: if self.is_list() {
                self.children()
            } else {
                self.no_children()
            },
        }
    }

    // ----- dictionaries -----

    /// Number of key/value pairs in a dictionary; 0 for other types.
    pub fn dict_size(&self) -> usize {
        if self.is_dict() {
            self.children().count() / 2
        } else {
            0
        }
    }

    /// The key and value at position `index` (buffer order) of a dictionary.
    pub fn dict_at(&self, index: usize) -> Option<(&'a [u8], Node<'a>)> {
        self.dict_iter().nth(index)
    }

    /// The key (as a node) and value at position `index` of a dictionary.
    pub fn dict_at_node(&self, index: usize) -> Option<(Node<'a>, Node<'a>)> {
        self.dict_node_iter().nth(index)
    }

    /// The key/value pairs of a dictionary in buffer order; empty for other types.
    pub fn dict_iter(&self) -> DictIter<'a> {
        DictIter {
            inner: self.dict_node_iter(),
        }
    }

    /// The key/value pairs of a dictionary with the keys as nodes (for their offsets).
    pub fn dict_node_iter(&self) -> DictNodeIter<'a> {
        DictNodeIter {
            children: if self.is_dict() {
                self.children()
            } else {
                self.no_children()
            },
        }
    }

    /// The value under `key` in a dictionary (the first one, if the key repeats).
    pub fn dict_find(&self, key: impl AsRef<[u8]>) -> Option<Node<'a>> {
        let key = key.as_ref();
        self.dict_node_iter()
            .find(|(k, _)| k.as_bytes() == Some(key))
            .map(|(_, value)| value)
    }

    /// The value under `key` if it is a dictionary.
    pub fn dict_find_dict(&self, key: impl AsRef<[u8]>) -> Option<Node<'a>> {
        self.dict_find(key).filter(Node::is_dict)
    }

    /// The value under `key` if it is a list.
    pub fn dict_find_list(&self, key: impl AsRef<[u8]>) -> Option<Node<'a>> {
        self.dict_find(key).filter(Node::is_list)
    }

    /// The value under `key` if it is a string.
    pub fn dict_find_string(&self, key: impl AsRef<[u8]>) -> Option<Node<'a>> {
        self.dict_find(key).filter(Node::is_string)
    }

    /// The value under `key` if it is an integer.
    pub fn dict_find_int(&self, key: impl AsRef<[u8]>) -> Option<Node<'a>> {
        self.dict_find(key).filter(Node::is_int)
    }

    /// The bytes of the string under `key`.
    pub fn dict_find_string_value(&self, key: impl AsRef<[u8]>) -> Option<&'a [u8]> {
        self.dict_find(key)?.as_bytes()
    }

    /// The string under `key` as UTF-8 text.
    pub fn dict_find_str(&self, key: impl AsRef<[u8]>) -> Option<&'a str> {
        self.dict_find(key)?.as_str()
    }

    /// The integer under `key` (`None` if missing, not an integer, or outside `i64`).
    pub fn dict_find_int_value(&self, key: impl AsRef<[u8]>) -> Option<i64> {
        self.dict_find(key)?.as_int()
    }

    /// The integer under `key`, or `default` (libtorrent's `dict_find_int_value(key, default)`).
    pub fn dict_find_int_value_or(&self, key: impl AsRef<[u8]>, default: i64) -> i64 {
        self.dict_find_int_value(key).unwrap_or(default)
    }

    /// The string under `key`, or `default` (libtorrent's `dict_find_string_value(key, default)`).
    pub fn dict_find_string_value_or(&self, key: impl AsRef<[u8]>, default: &'a [u8]) -> &'a [u8] {
        self.dict_find_string_value(key).unwrap_or(default)
    }

    // ----- traversal -----

    /// The direct children of a list or dictionary (keys and values alike).
    #[inline]
    fn children(&self) -> Children<'a> {
        let token = self.token();
        let end = match token.kind() {
            // The container's own End token sits just before the next sibling.
            TokenKind::Dict | TokenKind::List => self.index + token.skip() - 1,
            _ => self.index + 1,
        };
        Children {
            buffer: self.buffer,
            tokens: self.tokens,
            next: self.index + 1,
            end,
        }
    }

    fn no_children(&self) -> Children<'a> {
        Children {
            buffer: self.buffer,
            tokens: self.tokens,
            next: 0,
            end: 0,
        }
    }

    /// Every token index of this value and its descendants, for whole-subtree walks.
    pub(crate) fn token_range(&self) -> std::ops::Range<usize> {
        self.index..self.index + self.token().skip()
    }

    pub(crate) fn tokens(&self) -> &'a [Token] {
        self.tokens
    }

    pub(crate) fn node_at(&self, index: usize) -> Node<'a> {
        self.at(index)
    }
}

/// Parses the digits of an integer (libtorrent's lazy `int_value`, but reporting overflow).
fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate as a negative number so i64::MIN parses.
    let mut value: i64 = 0;
    for &byte in digits {
        let digit = i64::from(byte.wrapping_sub(b'0'));
        if !(0..=9).contains(&digit) {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(digit)?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// Iterator over the direct children of a container.
#[derive(Clone)]
struct Children<'a> {
    buffer: &'a [u8],
    tokens: &'a [Token],
    next: usize,
    end: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = Node<'a>;

    #[inline]
    fn next(&mut self) -> Option<Node<'a>> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        let skip = self.tokens.get(index)?.skip();
        self.next = index + skip;
        Some(Node {
            buffer: self.buffer,
            tokens: self.tokens,
            index,
        })
    }
}

/// Iterator over a list's items, from [`Node::list_iter`].
#[derive(Clone)]
pub struct ListIter<'a> {
    children: Children<'a>,
}

impl<'a> Iterator for ListIter<'a> {
    type Item = Node<'a>;

    #[inline]
    fn next(&mut self) -> Option<Node<'a>> {
        self.children.next()
    }
}

/// Iterator over a dictionary's pairs with keys as nodes, from [`Node::dict_node_iter`].
#[derive(Clone)]
pub struct DictNodeIter<'a> {
    children: Children<'a>,
}

impl<'a> Iterator for DictNodeIter<'a> {
    type Item = (Node<'a>, Node<'a>);

    #[inline]
    fn next(&mut self) -> Option<(Node<'a>, Node<'a>)> {
        let key = self.children.next()?;
        let value = self.children.next()?;
        Some((key, value))
    }
}

/// Iterator over a dictionary's pairs, from [`Node::dict_iter`].
#[derive(Clone)]
pub struct DictIter<'a> {
    inner: DictNodeIter<'a>,
}

impl<'a> Iterator for DictIter<'a> {
    type Item = (&'a [u8], Node<'a>);

    #[inline]
    fn next(&mut self) -> Option<(&'a [u8], Node<'a>)> {
        let (key, value) = self.inner.next()?;
        Some((key.as_bytes().unwrap_or(EMPTY), value))
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::print_entry(self, true, 0))
    }
}

impl fmt::Display for Node<'_> {
    /// The value as libtorrent's `print_entry` shows it on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::print_entry(self, true, 0))
    }
}
