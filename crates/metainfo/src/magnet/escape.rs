//! Percent-escaping as libtorrent does it (`escape_string`, `escape_path`, `unescape_string` in
//! its `src/escape_string.cpp`).
//!
//! Escaping leaves ASCII letters, digits and `- _ ! . ~ * ( )` alone and writes every other byte
//! as `%xx` with lower-case hex; the apostrophe is escaped on purpose, since some trackers choke
//! on it. Unescaping turns `+` into a space and `%xx` (either case) into its byte, and stops at
//! the first bad escape.

use std::fmt;

/// Lower-case hex digits, as libtorrent writes escapes.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Whether `byte` is left as is by [`escape_string`].
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-_!.~*()".contains(&byte)
}

/// Appends `byte` as `%xx`.
fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    for nibble in [byte >> 4, byte & 0x0f] {
        out.push(char::from(HEX_DIGITS[usize::from(nibble)]));
    }
}

/// Escapes every byte except ASCII letters, digits and `- _ ! . ~ * ( )` as `%xx` (lower-case
/// hex). `make_magnet` uses it for `dn`, `tr`, `ws` and the `dht` host.
///
/// # Examples
/// ```
/// use lt_metainfo::magnet_internal::escape_string;
/// assert_eq!(escape_string(b"a b&c/d"), "a%20b%26c%2fd");
/// ```
#[must_use]
pub fn escape_string(input: &[u8]) -> String {
    escape(input, false)
}

/// [`escape_string`], except that `/` is left alone too.
#[must_use]
pub fn escape_path(input: &[u8]) -> String {
    escape(input, true)
}

fn escape(input: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for &byte in input {
        if is_unreserved(byte) || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            push_escaped(&mut out, byte);
        }
    }
    out
}

/// A `%` that does not start a valid escape: it is last, or one of the two characters after it
/// is not a hex digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEscape {
    /// Byte offset of the bad `%` in the input.
    pub offset: usize,
    /// What was decoded before it. libtorrent returns this part on error, and `dn=` uses it.
    pub decoded_prefix: Vec<u8>,
}

impl fmt::Display for InvalidEscape {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "invalid escaped string (at byte {})",
            self.offset
        )
    }
}

impl std::error::Error for InvalidEscape {}

/// The value of one hex digit of either case.
fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Decodes `%xx` escapes (either case) and turns `+` into a space; every other byte is copied.
///
/// # Errors
/// [`InvalidEscape`] at the first `%` that is not followed by two hex digits; it carries the
/// bytes decoded before that point.
///
/// # Examples
/// ```
/// use lt_metainfo::magnet_internal::unescape_string;
/// assert_eq!(unescape_string(b"Ubuntu+11.04+%28Final%29").unwrap(), b"Ubuntu 11.04 (Final)");
/// assert_eq!(unescape_string(b"ab%4").unwrap_err().decoded_prefix, b"ab");
/// ```
pub fn unescape_string(input: &[u8]) -> Result<Vec<u8>, InvalidEscape> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let escape = match tail {
                    [high, low, ..] => hex_value(*high).zip(hex_value(*low)),
                    _ => None,
                };
                let Some((high, low)) = escape else {
                    return Err(InvalidEscape {
                        offset: input.len() - rest.len(),
                        decoded_prefix: out,
                    });
                };
                out.push(high << 4 | low);
                rest = tail.get(2..).unwrap_or_default();
                continue;
            }
            _ => out.push(byte),
        }
        rest = tail;
    }
    Ok(out)
}

/// Turns decoded URL bytes into a `String`, writing any bytes that are not UTF-8 back as `%xx`
/// escapes, so that the URL still names the same resource. libtorrent keeps such bytes raw in
/// its `std::string`; a Rust `String` cannot.
pub(super) fn url_from_bytes(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(url) => url,
        Err(error) => {
            let bytes = error.into_bytes();
            let mut url = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                url.push_str(chunk.valid());
                for &byte in chunk.invalid() {
                    push_escaped(&mut url, byte);
                }
            }
            url
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_but_unreserved() {
        assert_eq!(escape_string(b"AZaz09-_!.~*()"), "AZaz09-_!.~*()");
        assert_eq!(escape_string(b"'\0\xff/"), "%27%00%ff%2f");
        assert_eq!(escape_path(b"a/b c"), "a/b%20c");
        assert_eq!(escape_string("é".as_bytes()), "%c3%a9");
    }

    #[test]
    fn unescape_round_trips_escape() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let escaped = escape_string(&every_byte);
        assert_eq!(unescape_string(escaped.as_bytes()), Ok(every_byte));
    }

    #[test]
    fn bad_escapes_keep_the_prefix() {
        let cases: [(&[u8], usize, &[u8]); 6] = [
            (b"%", 0, b""),
            (b"a%0", 1, b"a"),
            (b"a+b%GE", 3, b"a b"),
            (b"%41%eg", 3, b"A"),
            (b"%%41", 0, b""),
            (b"x%\xf7A80", 1, b"x"),
        ];
        for (input, offset, decoded_prefix) in cases {
            assert_eq!(
                unescape_string(input),
                Err(InvalidEscape {
                    offset,
                    decoded_prefix: decoded_prefix.to_vec()
                }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_in_urls_is_re_escaped() {
        assert_eq!(url_from_bytes(b"http://a/b".to_vec()), "http://a/b");
        assert_eq!(
            url_from_bytes(b"http://a/\xff\xc3\xa9\xc3".to_vec()),
            "http://a/%ff\u{e9}%c3"
        );
    }
}
