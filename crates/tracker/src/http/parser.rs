//! [`HttpParser`]: an incremental HTTP/1.x response parser with libtorrent's leniency and
//! errors (its `http_parser`), for tracker and (later) web-seed responses.

use std::borrow::Cow;

use crate::error::TrackerError;

/// The default limit on the status line and headers together.
pub(crate) const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Status,
    Headers,
    Body,
    Failed(&'static str),
}

/// An incremental HTTP/1.x message parser that keeps the whole message ("bottled", as
/// libtorrent's tracker connections are).
///
/// Feed it bytes as they arrive with [`feed`](Self::feed); it reads the status line, the
/// headers and the body (`Content-Length`, `Content-Range`, chunked, or up to the end of the
/// connection, which [`finish`](Self::finish) reports). It follows libtorrent's `http_parser`:
///
/// - lines may end in CRLF or a bare LF; header names are matched without case; the space after
///   `:` is optional; a line without `:` ends the header block;
/// - a `100 Continue` response and its empty line are skipped;
/// - a status line must have a decimal status code; the reason phrase may be missing. A first
///   token that does not start with `HTTP/` makes the message a request (method lower-cased);
/// - `Transfer-Encoding: chunked` wins over `Content-Length`; chunk extensions after `;` are
///   ignored and trailer headers join the headers; `HTTP/1.0` or `Connection: close` set
///   [`connection_close`](Self::connection_close);
/// - a negative or overflowing `Content-Length`, a malformed or reversed `Content-Range`, a chunk
///   size that is not hex or would overflow, and an empty status line are errors
///   ([`TrackerError::HttpParse`], libtorrent's "Invalid HTTP header").
///
/// # Examples
/// ```
/// let mut parser = lt_tracker::HttpParser::new();
/// parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nd5:p")?;
/// assert!(!parser.is_finished());
/// parser.feed(b"\r\n7\r\neers0:e\r\n0\r\n\r\n")?;
/// assert!(parser.is_finished());
/// assert_eq!(parser.status_code(), Some(200));
/// assert_eq!(&*parser.body(), b"d5:peers0:e");
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HttpParser {
    buffer: Vec<u8>,
    /// How far the status line and header block have been read.
    position: usize,
    state: State,
    max_header_bytes: usize,
    header_start: usize,
    status_code: Option<u16>,
    reason: String,
    protocol: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    content_length: Option<u64>,
    content_range: Option<(u64, u64)>,
    is_chunked: bool,
    connection_close: bool,
    body_start: usize,
    /// Start of the next chunk header (absolute offset), once in a chunked body.
    next_chunk_header: u64,
    chunks: Vec<(u64, u64)>,
    is_finished: bool,
    protocol_bytes: usize,
}

impl Default for HttpParser {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpParser {
    /// A parser that accepts up to 64 KiB of status line and headers.
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_header_bytes(DEFAULT_MAX_HEADER_BYTES)
    }

    /// A parser that fails once the status line and headers exceed `max_header_bytes`.
    #[must_use]
    pub fn with_max_header_bytes(max_header_bytes: usize) -> Self {
        Self {
            buffer: Vec::new(),
            position: 0,
            state: State::Status,
            max_header_bytes,
            header_start: 0,
            status_code: None,
            reason: String::new(),
            protocol: String::new(),
            method: String::new(),
            path: String::new(),
            headers: Vec::new(),
            content_length: None,
            content_range: None,
            is_chunked: false,
            connection_close: false,
            body_start: 0,
            next_chunk_header: 0,
            chunks: Vec::new(),
            is_finished: false,
            protocol_bytes: 0,
        }
    }

    /// Adds received bytes and parses as far as they go.
    ///
    /// # Errors
    /// [`TrackerError::HttpParse`] when the message is malformed; every later call returns the
    /// same error.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), TrackerError> {
        if let State::Failed(detail) = self.state {
            return Err(TrackerError::HttpParse { detail });
        }
        self.buffer.extend_from_slice(data);
        if let Err(detail) = self.advance() {
            self.state = State::Failed(detail);
            return Err(TrackerError::HttpParse { detail });
        }
        Ok(())
    }

    /// Tells the parser the connection was closed: a body without length ends here.
    ///
    /// # Errors
    /// [`TrackerError::HttpParse`] when the message stopped before the end of its header block,
    /// its `Content-Length` or its last chunk.
    pub fn finish(&mut self) -> Result<(), TrackerError> {
        let detail = match self.state {
            State::Failed(detail) => detail,
            State::Status | State::Headers => "connection closed inside the header block",
            State::Body if self.is_finished => return Ok(()),
            State::Body if self.is_chunked => "connection closed inside a chunked body",
            State::Body if self.content_length.is_some() => {
                "connection closed before the end of the body"
            }
            State::Body => {
                self.is_finished = true;
                return Ok(());
            }
        };
        Err(TrackerError::HttpParse { detail })
    }

    fn advance(&mut self) -> Result<(), &'static str> {
        loop {
            match self.state {
                State::Status => {
                    let Some(line_end) = self.find_newline(self.position) else {
                        return self.check_header_limit();
                    };
                    if line_end == self.position {
                        return Err("empty status line");
                    }
                    let line = self.take_line(line_end);
                    self.parse_status_line(&line)?;
                    self.state = State::Headers;
                }
                State::Headers => {
                    let Some(line_end) = self.find_newline(self.position) else {
                        return self.check_header_limit();
                    };
                    let line = self.take_line(line_end);
                    match line.iter().position(|&byte| byte == b':') {
                        Some(colon) => self.add_header(&line, colon)?,
                        None if self.status_code == Some(100) => {
                            // The interim response is over; the real one follows.
                            self.status_code = None;
                            self.state = State::Status;
                        }
                        None => {
                            self.state = State::Body;
                            self.body_start = self.position;
                            self.next_chunk_header = self.position as u64;
                        }
                    }
                }
                State::Body => return self.advance_body(),
                State::Failed(detail) => return Err(detail),
            }
        }
    }

    fn check_header_limit(&self) -> Result<(), &'static str> {
        if self.buffer.len().saturating_sub(self.header_start) > self.max_header_bytes {
            Err("header section too long")
        } else {
            Ok(())
        }
    }

    fn find_newline(&self, from: usize) -> Option<usize> {
        let tail = self.buffer.get(from..)?;
        tail.iter()
            .position(|&byte| byte == b'\n')
            .map(|offset| from + offset)
    }

    /// Consumes the line ending at the `\n` at `line_end` and returns it without CR/LF.
    fn take_line(&mut self, line_end: usize) -> Vec<u8> {
        let mut line = self
            .buffer
            .get(self.position..line_end)
            .unwrap_or_default()
            .to_vec();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        self.protocol_bytes += line_end + 1 - self.position;
        self.position = line_end + 1;
        line
    }

    fn parse_status_line(&mut self, line: &[u8]) -> Result<(), &'static str> {
        let text = String::from_utf8_lossy(line);
        let mut parts = text.splitn(3, ' ');
        let first = parts.next().unwrap_or_default();
        let second = parts.next().unwrap_or_default();
        let rest = parts.next().unwrap_or_default();
        if first.starts_with("HTTP/") {
            if second.is_empty() || !second.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err("invalid status code");
            }
            let code = second.parse::<u16>().map_err(|_| "invalid status code")?;
            self.status_code = Some(code);
            self.reason = rest.to_owned();
            self.protocol = first.to_owned();
            if first == "HTTP/1.0" {
                self.connection_close = true;
            }
        } else {
            // A request line: "METHOD path protocol". Requests have no body unless they say so.
            self.method = first.to_ascii_lowercase();
            self.path = second.to_owned();
            self.protocol = rest.split(' ').next().unwrap_or_default().to_owned();
            self.status_code = None;
            self.content_length = Some(0);
        }
        Ok(())
    }

    fn add_header(&mut self, line: &[u8], colon: usize) -> Result<(), &'static str> {
        let (name, value) = split_header(line, colon);
        match name.as_str() {
            "content-length" => {
                let (parsed, _) = parse_leading_i64(value.as_bytes());
                let length = parsed
                    .filter(|&length| length >= 0 && length != i64::MAX)
                    .ok_or("invalid Content-Length")?;
                self.content_length = u64::try_from(length).ok();
            }
            "connection" => self.connection_close = starts_with_no_case(&value, "close"),
            "content-range" => {
                let (first, last) = parse_content_range(&value).ok_or("invalid Content-Range")?;
                self.content_range = Some((first, last));
                self.content_length = Some(last - first + 1);
            }
            "transfer-encoding" => self.is_chunked = starts_with_no_case(&value, "chunked"),
            _ => {}
        }
        self.headers.push((name, value));
        Ok(())
    }

    fn advance_body(&mut self) -> Result<(), &'static str> {
        if !self.is_chunked {
            if let Some(length) = self.content_length {
                if self.received_body_bytes() >= length {
                    self.is_finished = true;
                }
            }
            return Ok(());
        }
        while !self.is_finished {
            let Ok(header_start) = usize::try_from(self.next_chunk_header) else {
                break;
            };
            let Some(tail) = self.buffer.get(header_start..) else {
                break; // still inside a chunk's data
            };
            let Some(header) = parse_chunk_header(tail)? else {
                break;
            };
            let data_start = self.next_chunk_header + header.length as u64;
            let data_end = i64::try_from(data_start)
                .ok()
                .and_then(|start| start.checked_add(i64::try_from(header.size).ok()?))
                .ok_or("chunk size overflows")?;
            let data_end = data_end.unsigned_abs();
            if header.size > 0 {
                self.chunks.push((data_start, data_end));
            }
            self.protocol_bytes += header.length;
            self.headers.extend(header.trailers);
            self.next_chunk_header = data_end;
            if header.size == 0 {
                self.is_finished = true;
            }
        }
        Ok(())
    }

    fn received_body_bytes(&self) -> u64 {
        self.buffer.len().saturating_sub(self.body_start) as u64
    }

    /// Whether the status line and all headers have been read.
    #[must_use]
    pub fn is_header_finished(&self) -> bool {
        matches!(self.state, State::Body)
    }

    /// Whether the whole message has been read.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.is_finished
    }

    /// The status code of a response, once its status line is read.
    #[must_use]
    pub fn status_code(&self) -> Option<u16> {
        self.status_code
    }

    /// The reason phrase (may be empty).
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The protocol (`HTTP/1.1`).
    #[must_use]
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// The lower-cased method of a request (empty for responses).
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path of a request (empty for responses).
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The first value of header `name` (compared without case), trailers included.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// All headers in the order received, names lower-cased.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The body length from `Content-Length` or `Content-Range`.
    #[must_use]
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The `Content-Range` as `(first, last)`, inclusive.
    #[must_use]
    pub fn content_range(&self) -> Option<(u64, u64)> {
        self.content_range
    }

    /// Whether the body is chunked.
    #[must_use]
    pub fn is_chunked(&self) -> bool {
        self.is_chunked
    }

    /// Whether the server will close the connection after this message.
    #[must_use]
    pub fn connection_close(&self) -> bool {
        self.connection_close
    }

    /// The chunks of a chunked body as `[start, end)` offsets from the start of the message.
    #[must_use]
    pub fn chunks(&self) -> &[(u64, u64)] {
        &self.chunks
    }

    /// Offset of the body's first byte in the message.
    #[must_use]
    pub fn body_start(&self) -> usize {
        self.body_start
    }

    /// Every byte received so far.
    #[must_use]
    pub fn received(&self) -> &[u8] {
        &self.buffer
    }

    /// Bytes of status lines, headers, chunk headers and trailers read so far.
    #[must_use]
    pub fn protocol_bytes(&self) -> usize {
        self.protocol_bytes
    }

    /// Body bytes received so far: chunk data for a chunked body, else up to the content
    /// length.
    #[must_use]
    pub fn payload_bytes(&self) -> usize {
        if !self.is_header_finished() {
            return 0;
        }
        let received = self.buffer.len() as u64;
        let bytes = if self.is_chunked {
            self.chunks
                .iter()
                .map(|&(start, end)| end.min(received).saturating_sub(start))
                .sum()
        } else {
            let body = self.received_body_bytes();
            self.content_length.map_or(body, |length| body.min(length))
        };
        usize::try_from(bytes).unwrap_or(usize::MAX)
    }

    /// The body received so far, with chunk headers removed: for a chunked body the data of
    /// every chunk that has fully arrived, up to the first one that has not; otherwise the bytes
    /// after the headers, up to the content length. Empty after an error.
    #[must_use]
    pub fn body(&self) -> Cow<'_, [u8]> {
        if !self.is_header_finished() {
            return Cow::Borrowed(&[]);
        }
        if !self.is_chunked {
            let length = self.payload_bytes();
            let end = self.body_start.saturating_add(length);
            return Cow::Borrowed(self.buffer.get(self.body_start..end).unwrap_or_default());
        }
        let mut body = Vec::new();
        for &(start, end) in &self.chunks {
            let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
            match range.and_then(|(start, end)| self.buffer.get(start..end)) {
                Some(data) => body.extend_from_slice(data),
                None => break,
            }
        }
        Cow::Owned(body)
    }
}

/// `name: value` split at `colon`: the name lower-cased, spaces and tabs after the colon
/// skipped.
fn split_header(line: &[u8], colon: usize) -> (String, String) {
    let name = String::from_utf8_lossy(line.get(..colon).unwrap_or_default()).to_ascii_lowercase();
    let value = line.get(colon + 1..).unwrap_or_default();
    let skip = value
        .iter()
        .take_while(|&&byte| byte == b' ' || byte == b'\t')
        .count();
    let value = String::from_utf8_lossy(value.get(skip..).unwrap_or_default()).into_owned();
    (name, value)
}

fn starts_with_no_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// C's `strtoll(text, &end, 10)`: leading whitespace, an optional sign, then digits. Returns the
/// value (`None` on overflow; 0 when there are no digits) and the index after the last digit
/// (0 when there are none).
fn parse_leading_i64(text: &[u8]) -> (Option<i64>, usize) {
    let mut index = text
        .iter()
        .take_while(|byte| byte.is_ascii_whitespace())
        .count();
    let negative = match text.get(index) {
        Some(b'-') => {
            index += 1;
            true
        }
        Some(b'+') => {
            index += 1;
            false
        }
        _ => false,
    };
    let digits_start = index;
    let mut value: Option<i64> = Some(0);
    while let Some(digit) = text.get(index).filter(|byte| byte.is_ascii_digit()) {
        let digit = i64::from(digit - b'0');
        value = value
            .and_then(|value| value.checked_mul(10))
            .and_then(|value| {
                if negative {
                    value.checked_sub(digit)
                } else {
                    value.checked_add(digit)
                }
            });
        index += 1;
    }
    if index == digits_start {
        return (Some(0), 0);
    }
    (value, index)
}

/// `bytes first-last[/total]` (the unit is optional and matched without case).
fn parse_content_range(value: &str) -> Option<(u64, u64)> {
    let mut text = value.as_bytes();
    if starts_with_no_case(value, "bytes ") {
        text = text.get(6..)?;
    }
    let (first, end) = parse_leading_i64(text);
    let first = u64::try_from(first.filter(|&first| first != i64::MAX)?).ok()?;
    if end == 0 || text.get(end) != Some(&b'-') {
        return None;
    }
    let text = text.get(end + 1..)?;
    let (last, end) = parse_leading_i64(text);
    let last = u64::try_from(last.filter(|&last| last != i64::MAX)?).ok()?;
    (end != 0 && last >= first).then_some((first, last))
}

/// A parsed chunk header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHeader {
    /// The chunk's size; 0 for the last chunk.
    pub size: u64,
    /// Bytes of the header: an optional CRLF ending the previous chunk, the size line, and for
    /// the last chunk its trailer headers and the empty line.
    pub length: usize,
    /// Trailer headers after the last chunk (names lower-cased).
    pub trailers: Vec<(String, String)>,
}

/// Parses the chunk header at the start of `buffer` (libtorrent's `parse_chunk_header`):
/// `Ok(None)` when more bytes are needed.
///
/// # Errors
/// A message when the size is not hex or does not fit in 63 bits.
pub fn parse_chunk_header(buffer: &[u8]) -> Result<Option<ChunkHeader>, &'static str> {
    let mut position = 0;
    if buffer.first() == Some(&b'\r') {
        position += 1;
    }
    if buffer.get(position) == Some(&b'\n') {
        position += 1;
    }
    let Some(tail) = buffer.get(position..).filter(|tail| !tail.is_empty()) else {
        return Ok(None);
    };
    let Some(newline) = tail.iter().position(|&byte| byte == b'\n') else {
        return Ok(None);
    };
    let line_end = position + newline + 1;
    let mut size: i64 = 0;
    for &byte in tail.get(..=newline).unwrap_or_default() {
        match byte {
            b'\r' | b'\n' => continue,
            b';' => break,
            _ => {}
        }
        let digit = char::from(byte).to_digit(16).ok_or("invalid chunk size")?;
        if size >= i64::MAX / 16 {
            return Err("chunk size overflows");
        }
        size = size * 16 + i64::from(digit);
    }
    let size = size.unsigned_abs();
    if size != 0 {
        return Ok(Some(ChunkHeader {
            size,
            length: line_end,
            trailers: Vec::new(),
        }));
    }
    let mut trailers = Vec::new();
    let mut line_start = line_end;
    loop {
        let Some(rest) = buffer.get(line_start..) else {
            return Ok(None);
        };
        let Some(newline) = rest.iter().position(|&byte| byte == b'\n') else {
            return Ok(None);
        };
        let mut line = rest.get(..newline).unwrap_or_default();
        if line.last() == Some(&b'\r') {
            line = line.get(..line.len() - 1).unwrap_or_default();
        }
        line_start += newline + 1;
        match line.iter().position(|&byte| byte == b':') {
            Some(colon) => trailers.push(split_header(line, colon)),
            None => {
                return Ok(Some(ChunkHeader {
                    size: 0,
                    length: line_start,
                    trailers,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoll_like_parsing() {
        assert_eq!(parse_leading_i64(b" 42abc"), (Some(42), 3));
        assert_eq!(parse_leading_i64(b"-7"), (Some(-7), 2));
        assert_eq!(parse_leading_i64(b"x"), (Some(0), 0));
        assert_eq!(parse_leading_i64(b"99999999999999999999").0, None);
    }

    #[test]
    fn header_limit() {
        let mut parser = HttpParser::with_max_header_bytes(32);
        parser.feed(b"HTTP/1.1 200 OK\r\n").unwrap();
        assert!(parser.feed(b"X-Long: aaaaaaaaaaaaaaaa").is_err());
        assert!(parser.feed(b"\r\n").is_err());
    }

    #[test]
    fn body_until_close() {
        let mut parser = HttpParser::new();
        parser.feed(b"HTTP/1.1 200 OK\r\n\r\nabc").unwrap();
        assert!(!parser.is_finished());
        parser.finish().unwrap();
        assert!(parser.is_finished());
        assert_eq!(&*parser.body(), b"abc");
    }

    #[test]
    fn truncated_content_length_is_an_error_at_close() {
        let mut parser = HttpParser::new();
        parser
            .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc")
            .unwrap();
        assert!(parser.finish().is_err());
    }
}
