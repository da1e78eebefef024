//! The bdecode parser: one pass over the input, one flat token array out.

use crate::error::{BdecodeError, BdecodeErrorKind};
use crate::node::Node;
use crate::token::{Token, TokenKind, MAX_PAYLOAD};

/// Limits and strictness for [`bdecode_with`] and [`Decoder`].
///
/// The defaults are libtorrent's: nesting depth 100, 2,000,000 tokens, inputs up to
/// 2<sup>29</sup> − 1 bytes, lenient about non-canonical encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Decoding fails with "bencoded nesting depth exceeded" once this many lists and
    /// dictionaries are open and another item follows (libtorrent's `depth_limit`).
    pub depth_limit: usize,
    /// Decoding fails with "bencoded item count limit exceeded" at the item after this many
    /// (every value and every closing `e` counts; libtorrent's `token_limit`).
    pub token_limit: usize,
    /// Inputs longer than this fail at once with "bencoded item count limit exceeded". Values
    /// above `u32::MAX - 1` are treated as `u32::MAX - 1`.
    pub max_buffer_size: usize,
    /// Reject what libtorrent only reports as a soft error (unsorted or duplicate dictionary
    /// keys, leading zeros, negative zero), and bytes after the root value.
    pub strict: bool,
}

impl DecodeOptions {
    /// libtorrent's default nesting depth limit.
    pub const DEFAULT_DEPTH_LIMIT: usize = 100;
    /// libtorrent's default token limit.
    pub const DEFAULT_TOKEN_LIMIT: usize = 2_000_000;
    /// libtorrent's largest input (its token offsets have 29 bits).
    pub const DEFAULT_MAX_BUFFER_SIZE: usize = (1 << 29) - 1;

    /// The defaults, but rejecting non-canonical input and trailing bytes.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            depth_limit: Self::DEFAULT_DEPTH_LIMIT,
            token_limit: Self::DEFAULT_TOKEN_LIMIT,
            max_buffer_size: Self::DEFAULT_MAX_BUFFER_SIZE,
            strict: false,
        }
    }
}

/// A decoded input: the borrowed bytes and the token array that indexes them.
///
/// Get at the values through [`Document::root`]. Nothing is copied out of the input.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    buffer: &'a [u8],
    tokens: Vec<Token>,
}

impl<'a> Document<'a> {
    /// The root value.
    pub fn root(&self) -> Node<'_> {
        Node::new(self.buffer, &self.tokens, 0)
    }

    /// The input the document was decoded from (including any bytes after the root value).
    pub fn buffer(&self) -> &'a [u8] {
        self.buffer
    }

    /// How many bytes the root value takes; bytes after it were ignored.
    pub fn consumed(&self) -> usize {
        self.tokens.last().map_or(0, |t| t.offset as usize)
    }

    /// How many tokens (values plus closing `e`s, plus one) the document holds; each is 8 bytes.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }
}

/// What [`bdecode_partial`] returns when decoding fails part way.
#[derive(Debug, Clone)]
pub struct PartialDocument<'a> {
    /// Everything decoded before the failure, with open lists and dictionaries closed, as
    /// libtorrent returns it: a dictionary key whose value failed gets an empty dictionary.
    /// `None` when the root value itself failed.
    pub document: Option<Document<'a>>,
    /// Why decoding stopped.
    pub error: BdecodeError,
}

/// Decodes bencoded bytes with libtorrent's default limits.
///
/// Bytes after the first complete value are ignored, as libtorrent does. Non-canonical input
/// (unsorted keys, leading zeros) decodes and is reported by [`Node::soft_error`].
///
/// # Errors
/// A [`BdecodeError`] with libtorrent's message and the byte offset where decoding stopped.
///
/// # Examples
/// ```
/// let doc = lt_bencode::bdecode(b"d3:cow3:moo4:spam4:eggse")?;
/// let root = doc.root();
/// assert_eq!(root.dict_find_str("spam"), Some("eggs"));
/// assert_eq!(root.dict_size(), 2);
///
/// let err = lt_bencode::bdecode(b"d1000").unwrap_err();
/// assert_eq!(err.to_string(), "expected colon in bencoded string (at byte 5)");
/// # Ok::<(), lt_bencode::BdecodeError>(())
/// ```
pub fn bdecode(buffer: &[u8]) -> Result<Document<'_>, BdecodeError> {
    bdecode_with(buffer, &DecodeOptions::default())
}

/// Decodes bencoded bytes with the given limits and strictness.
///
/// # Errors
/// As [`bdecode`]; in strict mode also [`BdecodeErrorKind::NonCanonical`] and
/// [`BdecodeErrorKind::TrailingData`].
pub fn bdecode_with<'a>(
    buffer: &'a [u8],
    options: &DecodeOptions,
) -> Result<Document<'a>, BdecodeError> {
    let mut tokens = Vec::new();
    let mut stack = Vec::new();
    parse(buffer, options, &mut tokens, &mut stack).map_err(|failure| failure.error)?;
    let document = Document { buffer, tokens };
    if options.strict {
        check_strict(&document.root(), buffer.len())?;
    }
    Ok(document)
}

/// Decodes like [`bdecode_with`], but on failure also returns what was decoded before it.
///
/// # Errors
/// A [`PartialDocument`] with the error and the partial tree.
pub fn bdecode_partial<'a>(
    buffer: &'a [u8],
    options: &DecodeOptions,
) -> Result<Document<'a>, PartialDocument<'a>> {
    let mut tokens = Vec::new();
    let mut stack = Vec::new();
    match parse(buffer, options, &mut tokens, &mut stack) {
        Ok(()) => {
            let document = Document { buffer, tokens };
            if options.strict {
                if let Err(error) = check_strict(&document.root(), buffer.len()) {
                    return Err(PartialDocument {
                        document: Some(document),
                        error,
                    });
                }
            }
            Ok(document)
        }
        Err(failure) => {
            let document = close_partial(&mut tokens, &stack, failure.resume_offset)
                .then_some(Document { buffer, tokens });
            Err(PartialDocument {
                document,
                error: failure.error,
            })
        }
    }
}

/// A reusable decoder: keeps its token and stack allocations between inputs, which is what
/// makes decoding many small messages (DHT, extension messages) cheap.
///
/// # Examples
/// ```
/// let mut decoder = lt_bencode::Decoder::default();
/// for message in [&b"d1:q4:ping1:t2:aa1:y1:qe"[..], b"d1:t2:aa1:y1:re"] {
///     let root = decoder.decode(message)?;
///     assert_eq!(root.dict_find_str("t"), Some("aa"));
/// }
/// # Ok::<(), lt_bencode::BdecodeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    options: DecodeOptions,
    tokens: Vec<Token>,
    stack: Vec<Frame>,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            options,
            tokens: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// The limits this decoder applies.
    pub fn options(&self) -> &DecodeOptions {
        &self.options
    }

    /// Decodes `buffer`; the returned root borrows the decoder until the next call.
    ///
    /// # Errors
    /// As [`bdecode_with`].
    pub fn decode<'a>(&'a mut self, buffer: &'a [u8]) -> Result<Node<'a>, BdecodeError> {
        parse(buffer, &self.options, &mut self.tokens, &mut self.stack)
            .map_err(|failure| failure.error)?;
        let root = Node::new(buffer, &self.tokens, 0);
        if self.options.strict {
            check_strict(&root, buffer.len())?;
        }
        Ok(root)
    }
}

fn check_strict(root: &Node<'_>, buffer_len: usize) -> Result<(), BdecodeError> {
    if let Some(soft) = root.soft_error() {
        return Err(BdecodeError::new(
            BdecodeErrorKind::NonCanonical(soft.kind),
            soft.offset,
        ));
    }
    let end = root.data_offset() + root.data_section().len();
    if end != buffer_len {
        return Err(BdecodeError::new(BdecodeErrorKind::TrailingData, end));
    }
    Ok(())
}

/// What the innermost open container expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Any value: at the root or inside a list.
    Value,
    /// A dictionary key (a string) or the dictionary's closing `e`.
    Key,
    /// The value for the dictionary key just read.
    DictValue,
}

impl Expect {
    /// What comes after one complete item.
    #[inline(always)]
    fn after_item(self) -> Expect {
        match self {
            Expect::Value => Expect::Value,
            Expect::Key => Expect::DictValue,
            Expect::DictValue => Expect::Key,
        }
    }
}

/// An open list or dictionary while parsing.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Index of the container's token.
    token: u32,
    /// What the container expects next (while it is not the innermost one, what its parent
    /// expects once it closes).
    expect: Expect,
}

impl Frame {
    fn is_dict_waiting_for_value(&self, tokens: &[Token]) -> bool {
        self.expect == Expect::DictValue
            && tokens
                .get(self.token as usize)
                .is_some_and(|t| t.kind() == TokenKind::Dict)
    }
}

struct Failure {
    error: BdecodeError,
    /// Where the last complete token ended: the offset the partial tree is closed at.
    resume_offset: usize,
}

/// Parses `buffer` into `tokens`. On failure `tokens` holds every complete token and `stack`
/// the containers still open (each with what it expects next).
fn parse(
    buffer: &[u8],
    options: &DecodeOptions,
    tokens: &mut Vec<Token>,
    stack: &mut Vec<Frame>,
) -> Result<(), Failure> {
    tokens.clear();
    stack.clear();
    let max_len = options.max_buffer_size.min(u32::MAX as usize - 1);
    if buffer.len() > max_len {
        return Err(Failure {
            error: BdecodeError::new(BdecodeErrorKind::LimitExceeded, 0),
            resume_offset: 0,
        });
    }
    // Most inputs average well over eight bytes a token; one doubling covers the rest.
    let estimate = (buffer.len() / 8 + 2).min(options.token_limit.saturating_add(2));
    if tokens.capacity() < estimate {
        tokens.reserve(estimate);
    }
    let depth_limit = options.depth_limit;
    let mut budget = options.token_limit;
    let mut pos = 0usize;
    // What the innermost open container expects; the stack holds the containers' tokens and,
    // for each, what its parent expects once it closes.
    let mut expect = Expect::Value;
    let result = loop {
        let Some(&byte) = buffer.get(pos) else {
            break Err(BdecodeError::new(BdecodeErrorKind::UnexpectedEof, pos));
        };
        if stack.len() >= depth_limit {
            break Err(BdecodeError::new(BdecodeErrorKind::DepthExceeded, pos));
        }
        if budget == 0 {
            break Err(BdecodeError::new(BdecodeErrorKind::LimitExceeded, pos));
        }
        budget -= 1;
        if expect == Expect::Key && !byte.is_ascii_digit() && byte != b'e' {
            break Err(BdecodeError::new(BdecodeErrorKind::ExpectedDigit, pos));
        }
        // `pos` fits in u32: the buffer length was checked against u32::MAX - 1 above.
        let offset = pos as u32;
        match byte {
            b'd' | b'l' => {
                stack.push(Frame {
                    token: tokens.len() as u32,
                    expect: expect.after_item(),
                });
                let kind = if byte == b'd' {
                    TokenKind::Dict
                } else {
                    TokenKind::List
                };
                tokens.push(Token::new(offset, kind, 0));
                expect = if byte == b'd' {
                    Expect::Key
                } else {
                    Expect::Value
                };
                pos += 1;
                continue;
            }
            b'e' => {
                if expect == Expect::DictValue {
                    break Err(BdecodeError::new(BdecodeErrorKind::ExpectedValue, pos));
                }
                let Some(&frame) = stack.last() else {
                    break Err(BdecodeError::new(BdecodeErrorKind::UnexpectedEof, pos));
                };
                tokens.push(Token::new(offset, TokenKind::End, 0));
                let skip = tokens.len() - frame.token as usize;
                if skip > MAX_PAYLOAD as usize {
                    tokens.pop();
                    break Err(BdecodeError::new(BdecodeErrorKind::LimitExceeded, pos));
                }
                if let Some(token) = tokens.get_mut(frame.token as usize) {
                    token.set_payload(skip as u32);
                }
                stack.pop();
                expect = frame.expect;
                pos += 1;
            }
            b'i' => match scan_integer(buffer, pos + 1) {
                Ok(end) => {
                    tokens.push(Token::new(offset, TokenKind::Integer, 0));
                    pos = end + 1;
                    expect = expect.after_item();
                }
                Err(error) => break Err(error),
            },
            b'0'..=b'9' => match scan_string(buffer, pos) {
                Ok((header, end)) => {
                    tokens.push(Token::new(offset, TokenKind::String, header));
                    pos = end;
                    expect = expect.after_item();
                }
                Err(error) => break Err(error),
            },
            _ => break Err(BdecodeError::new(BdecodeErrorKind::ExpectedValue, pos)),
        }
        if stack.is_empty() {
            break Ok(());
        }
    };
    match result {
        Ok(()) => {
            tokens.push(Token::new(pos as u32, TokenKind::End, 0));
            Ok(())
        }
        Err(error) => {
            // For closing the partial tree each frame must say what its own container expects:
            // that is what the next frame recorded for its parent, and `expect` for the top.
            for index in 1..stack.len() {
                stack[index - 1].expect = stack[index].expect;
            }
            if let Some(top) = stack.last_mut() {
                top.expect = expect;
            }
            Err(Failure {
                error,
                resume_offset: pos,
            })
        }
    }
}

/// Checks the integer whose digits start at `pos` (just after the `i`) and returns the offset
/// of its closing `e`. Error offsets are libtorrent's.
#[inline]
pub(crate) fn scan_integer(buffer: &[u8], mut pos: usize) -> Result<usize, BdecodeError> {
    let eof = |at| BdecodeError::new(BdecodeErrorKind::UnexpectedEof, at);
    match buffer.get(pos) {
        None => return Err(eof(pos)),
        Some(b'-') => {
            pos += 1;
            if pos >= buffer.len() {
                return Err(eof(pos));
            }
        }
        Some(_) => {}
    }
    let mut digits = 0usize;
    let mut error = None;
    loop {
        match buffer.get(pos) {
            Some(byte) if byte.is_ascii_digit() => {}
            _ => {
                error = Some(BdecodeErrorKind::ExpectedDigit);
                break;
            }
        }
        pos += 1;
        digits += 1;
        match buffer.get(pos) {
            None => {
                error = Some(BdecodeErrorKind::UnexpectedEof);
                break;
            }
            Some(b'e') => break,
            Some(_) => {}
        }
    }
    if digits > 20 {
        error = Some(BdecodeErrorKind::Overflow);
    }
    match error {
        Some(kind) => Err(BdecodeError::new(kind, pos)),
        None => Ok(pos),
    }
}

/// Checks the string whose length prefix starts at `start` and returns the header length
/// (digits and colon) and the offset just past the string. Error offsets are libtorrent's.
#[inline]
pub(crate) fn scan_string(buffer: &[u8], start: usize) -> Result<(u32, usize), BdecodeError> {
    let err = BdecodeError::new;
    let first = buffer.get(start).copied().unwrap_or(b'0');
    let mut length = u64::from(first.wrapping_sub(b'0'));
    let mut pos = start + 1;
    if pos >= buffer.len() {
        return Err(err(BdecodeErrorKind::UnexpectedEof, pos));
    }
    const MAX: u64 = i64::MAX as u64;
    loop {
        match buffer.get(pos) {
            None => return Err(err(BdecodeErrorKind::ExpectedColon, pos)),
            Some(b':') => break,
            Some(&byte) if byte.is_ascii_digit() => {
                let digit = u64::from(byte - b'0');
                if length > MAX / 10 || length * 10 > MAX - digit {
                    return Err(err(BdecodeErrorKind::Overflow, pos));
                }
                length = length * 10 + digit;
                pos += 1;
            }
            Some(_) => return Err(err(BdecodeErrorKind::ExpectedDigit, pos)),
        }
    }
    // `pos` is the colon; the string is the `length` bytes after it.
    let remaining = (buffer.len() - pos - 1) as u64;
    if length > remaining {
        return Err(err(BdecodeErrorKind::UnexpectedEof, pos));
    }
    let header = pos + 1 - start;
    if header > MAX_PAYLOAD as usize {
        return Err(err(BdecodeErrorKind::LimitExceeded, start));
    }
    // length <= remaining < buffer.len(), so the sum stays in range.
    Ok((header as u32, pos + 1 + length as usize))
}

/// Closes the containers left open by a failed parse so the tokens form a valid tree, the way
/// libtorrent does: a dictionary waiting for a value gets an empty dictionary as that value.
/// Returns false when no value was decoded at all.
fn close_partial(tokens: &mut Vec<Token>, stack: &[Frame], resume_offset: usize) -> bool {
    if tokens.is_empty() {
        return false;
    }
    let offset = resume_offset as u32;
    for frame in stack.iter().rev() {
        if frame.is_dict_waiting_for_value(tokens) {
            tokens.push(Token::new(offset, TokenKind::Dict, 2));
            tokens.push(Token::new(offset, TokenKind::End, 0));
        }
        tokens.push(Token::new(offset, TokenKind::End, 0));
        let skip = (tokens.len() - frame.token as usize).min(MAX_PAYLOAD as usize);
        if let Some(token) = tokens.get_mut(frame.token as usize) {
            token.set_payload(skip as u32);
        }
    }
    tokens.push(Token::new(offset, TokenKind::End, 0));
    true
}
