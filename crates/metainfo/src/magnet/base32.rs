//! Base32 decoding (RFC 4648 alphabet) with libtorrent's leniency (`base32decode` in its
//! `src/escape_string.cpp`), for 32-character `xt=urn:btih:` hashes.
//!
//! The input is read in groups of eight characters, each giving up to five bytes:
//!
//! - letters of either case and the digits `2`–`7` are the alphabet; the digit `1` is read as
//!   the letter `I`; `=` is padding (and counts as a zero);
//! - any other byte makes the whole result invalid;
//! - a short last group gives as many bytes as its characters cover (`MY` → `f`), so padding is
//!   optional;
//! - in a full group, the position of the first `=` decides how many bytes it gives (`MY======`
//!   → `f`). libtorrent keeps "no padding seen" and "padding at position 0" in one variable, so
//!   a group starting with `=` is counted from its second `=`, or as five bytes if there is none.

/// Bytes a group of eight characters gives, by the position padding starts at (0: none).
const BYTES_BY_PADDING_START: [usize; 8] = [5, 1, 1, 2, 2, 3, 4, 4];

/// The 5-bit value of one base32 character, with libtorrent's extras (`1` as `I`, `=` as 0).
fn symbol_value(character: u8) -> Option<u8> {
    match character.to_ascii_uppercase() {
        letter @ b'A'..=b'Z' => Some(letter - b'A'),
        digit @ b'2'..=b'7' => Some(digit - b'2' + 26),
        b'1' => Some(b'I' - b'A'),
        b'=' => Some(0),
        _ => None,
    }
}

/// Decodes base32 as libtorrent does; `None` when a byte is outside the alphabet (libtorrent
/// returns an empty string then).
///
/// # Examples
/// ```
/// use lt_metainfo::magnet_internal::base32_decode;
/// assert_eq!(base32_decode(b"MZXW6YTBOI======").as_deref(), Some(&b"foobar"[..]));
/// assert_eq!(base32_decode(b"mzxw6ytbo1").as_deref(), Some(&b"foobar"[..]));
/// assert_eq!(base32_decode(b"MZXW6{"), None);
/// ```
#[must_use]
pub fn base32_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 5 / 8 + 5);
    for group in input.chunks(8) {
        let mut padding_start = if group.len() < 8 { group.len() } else { 0 };
        let mut bits: u64 = 0;
        for (position, &character) in group.iter().enumerate() {
            if character == b'=' && padding_start == 0 {
                padding_start = position;
            }
            bits = bits << 5 | u64::from(symbol_value(character)?);
        }
        // A short group is zero-filled on the right.
        for _ in group.len()..8 {
            bits <<= 5;
        }
        let byte_count = BYTES_BY_PADDING_START
            .get(padding_start)
            .copied()
            .unwrap_or(5);
        // The 40 bits sit in the low five of the eight big-endian bytes.
        let bytes = bits.to_be_bytes();
        out.extend(bytes.iter().skip(3).take(byte_count));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &str) -> Option<Vec<u8>> {
        base32_decode(input.as_bytes())
    }

    #[test]
    fn rfc_4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("MY======", "f"),
            ("MZXQ====", "fo"),
            ("MZXW6===", "foo"),
            ("MZXW6YQ=", "foob"),
            ("MZXW6YTB", "fooba"),
            ("MZXW6YTBOI======", "foobar"),
        ] {
            assert_eq!(decode(input), Some(output.as_bytes().to_vec()), "{input}");
        }
    }

    #[test]
    fn leading_padding_quirk() {
        // '=' at position 0 does not count as padding; the second '=' does.
        assert_eq!(decode("========"), Some(vec![0]));
        assert_eq!(decode("=AAAAAAA"), Some(vec![0; 5]));
        assert_eq!(decode(&"=".repeat(32)).map(|bytes| bytes.len()), Some(4));
    }

    #[test]
    fn short_groups_and_bad_bytes() {
        assert_eq!(decode("MY="), Some(vec![b'f', 0]));
        assert_eq!(decode("M"), Some(vec![0x60]));
        assert_eq!(decode("MZXW60"), None);
        assert_eq!(base32_decode(b"MZXW\x80"), None);
    }
}
