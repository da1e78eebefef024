//! Percent-escaping of announce parameters, libtorrent's `escape_string`.

/// Appends `bytes` to `out` percent-escaped the way libtorrent escapes announce parameters:
/// ASCII letters, digits and `-_!.~*()` stay as they are, every other byte becomes `%xx` with
/// lower-case hex digits. (libtorrent leaves `'` out of the unreserved set because some trackers
/// choke on it.)
///
/// # Examples
/// ```
/// let mut out = String::new();
/// lt_tracker::escape_into(&mut out, b"a b\x00\xff~");
/// assert_eq!(out, "a%20b%00%ff~");
/// ```
pub fn escape_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-_!.~*()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// `bytes` percent-escaped as by [`escape_into`].
#[must_use]
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    escape_into(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_address_as_libtorrent_sends_it() {
        assert_eq!(escape(b"ffff::1337"), "ffff%3a%3a1337");
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let escaped = escape(&all);
        let mut decoded = Vec::new();
        let mut bytes = escaped.bytes();
        while let Some(byte) = bytes.next() {
            if byte == b'%' {
                let high = bytes.next().unwrap();
                let low = bytes.next().unwrap();
                let text = [high, low];
                let hex = std::str::from_utf8(&text).unwrap();
                decoded.push(u8::from_str_radix(hex, 16).unwrap());
            } else {
                decoded.push(byte);
            }
        }
        assert_eq!(decoded, all);
    }
}
