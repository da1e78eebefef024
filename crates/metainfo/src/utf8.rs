//! UTF-8 decoding with libtorrent's error recovery: [`parse_utf8_codepoint`] reads one code
//! point and says how many bytes a bad sequence spans, and [`verify_encoding`] repairs a string
//! field (`comment`, `created by`) by replacing each bad sequence with one `_`.
//!
//! Validity is RFC 3629's, the same as [`std::str::from_utf8`]: overlong forms, surrogates,
//! code points above U+10FFFF and 5- and 6-byte forms are rejected. What std does not give us
//! is libtorrent's resynchronisation rule, which decides how many `_` a repaired string holds
//! (libtorrent `src/utf8.cpp`, `parse_utf8_codepoint`):
//!
//! - a byte that cannot start a sequence (`0x80..=0xBF`, `0xFC..=0xFF`) is one bad sequence of
//!   one byte;
//! - a 5-byte lead (`0xF8..=0xFB`) swallows five bytes (or what is left), whatever they are;
//! - a 2-, 3- or 4-byte lead with too few bytes left swallows the rest of the input;
//! - otherwise the lead's full length is consumed, even when a continuation byte is wrong or
//!   the value is overlong, a surrogate or above U+10FFFF.

// TorrentInfo (name, paths, comment, created by) uses this next; its author removes this line.

/// The largest Unicode scalar value.
const MAX_CODE_POINT: u32 = 0x10_FFFF;

/// The UTF-16 surrogate range, which RFC 3629 forbids in UTF-8.
const SURROGATES: std::ops::RangeInclusive<u32> = 0xD800..=0xDFFF;

/// The length of the sequence a lead byte announces: 1 to 4 for well-formed leads, 5 for the
/// obsolete 5-byte form (skipped as a whole), `None` for a byte that cannot start a sequence.
fn sequence_length(lead: u8) -> Option<usize> {
    match lead {
        0x00..=0x7F => Some(1),
        0xC0..=0xDF => Some(2),
        0xE0..=0xEF => Some(3),
        0xF0..=0xF7 => Some(4),
        0xF8..=0xFB => Some(5),
        _ => None,
    }
}

/// Decodes the code point at the start of `bytes` as libtorrent's `parse_utf8_codepoint` does.
///
/// Returns the code point, or `None` when the sequence is invalid (overlong, a surrogate, above
/// U+10FFFF, a bad continuation byte, truncated, or a 5- or 6-byte form), and the number of
/// bytes the sequence spans. That count is at least 1 and at most `bytes.len()` for non-empty
/// input, so a caller stepping by it always makes progress; empty input gives `(None, 0)`.
/// The module docs give the rule for how far an invalid sequence reaches.
pub(crate) fn parse_utf8_codepoint(bytes: &[u8]) -> (Option<u32>, usize) {
    let Some(&lead) = bytes.first() else {
        return (None, 0);
    };
    let Some(length) = sequence_length(lead) else {
        return (None, 1);
    };
    if length == 1 {
        return (Some(u32::from(lead)), 1);
    }
    if length > 4 {
        return (None, length.min(bytes.len()));
    }
    let Some(sequence) = bytes.get(..length) else {
        return (None, bytes.len());
    };

    // The lead keeps 7 - length payload bits; each continuation byte adds six.
    let lead_bits = u32::from(lead) & (0x7F >> length);
    let mut code_point = lead_bits;
    for &continuation in sequence.iter().skip(1) {
        if continuation & 0xC0 != 0x80 {
            return (None, length);
        }
        code_point = (code_point << 6) | u32::from(continuation & 0x3F);
    }

    // The smallest value each length may encode; anything below is an overlong form.
    let shortest_form_minimum = match length {
        2 => 0x80,
        3 => 0x800,
        _ => 0x1_0000,
    };
    if code_point < shortest_form_minimum
        || code_point > MAX_CODE_POINT
        || SURROGATES.contains(&code_point)
    {
        return (None, length);
    }
    (Some(code_point), length)
}

/// Repairs a string field that should be UTF-8 (`comment`, `created by`), as libtorrent's
/// `verify_encoding` does: each invalid sequence becomes one `_`; everything else, control
/// characters included, is kept.
///
/// Returns the repaired string and whether the input was already valid UTF-8 (in which case the
/// string holds exactly the input bytes).
pub(crate) fn verify_encoding(bytes: &[u8]) -> (String, bool) {
    if let Ok(valid) = std::str::from_utf8(bytes) {
        return (valid.to_owned(), true);
    }
    let mut repaired = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (code_point, consumed) = parse_utf8_codepoint(rest);
        repaired.push(code_point.and_then(char::from_u32).unwrap_or('_'));
        rest = rest.get(consumed.max(1)..).unwrap_or_default();
    }
    (repaired, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path_sanitize::tests::{fixture, fixture_bytes};
    use proptest::prelude::*;

    #[test]
    fn fixture_utf8_codepoint_valid_round_trip() {
        let section = &fixture()["utf8_codepoint"];
        let cases = section["valid_roundtrip"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(cases.len(), 6);
        for case in cases {
            let bytes = fixture_bytes(case);
            let (code_point, consumed) = parse_utf8_codepoint(&bytes);
            assert_eq!(consumed, bytes.len(), "{bytes:02x?}");
            let decoded = code_point.and_then(char::from_u32);
            let mut encoded = [0; 4];
            let encoded = decoded.map(|c| c.encode_utf8(&mut encoded).as_bytes().to_vec());
            assert_eq!(encoded.as_deref(), Some(&bytes[..]), "{bytes:02x?}");
        }
    }

    #[test]
    fn fixture_utf8_codepoint_invalid() {
        let section = &fixture()["utf8_codepoint"];
        let cases = section["invalid"].as_array().map_or(&[][..], Vec::as_slice);
        assert_eq!(cases.len(), 28);
        for case in cases {
            let bytes = fixture_bytes(case);
            let (code_point, consumed) = parse_utf8_codepoint(&bytes);
            assert_eq!(code_point, None, "{bytes:02x?}");
            assert!(
                (1..=bytes.len()).contains(&consumed),
                "{bytes:02x?}: {consumed}"
            );
        }
    }

    #[test]
    fn invalid_sequence_lengths_follow_libtorrent() {
        let cases: &[(&[u8], usize)] = &[
            (b"\x80abc", 1),                  // stray continuation byte
            (b"\xffabc", 1),                  // never a lead
            (b"\xfc\x80\x80\x80\x80\xaf", 1), // 6-byte lead: one byte
            (b"\xf8\x80\x80\x80\xaf\x20", 5), // 5-byte lead: five bytes
            (b"\xf8abcdef", 5),               // ... whatever they are
            (b"\xf8\x80", 2),                 // ... or what is left
            (b"\xc2A", 2),                    // bad continuation: the lead's whole length
            (b"\xe2\x9f", 2),                 // truncated: the rest of the input
            (b"\xc0\xaf", 2),                 // overlong
            (b"\xed\xb8\x88", 3),             // surrogate
            (b"\xf4\x90\x80\x80", 4),         // above U+10FFFF
        ];
        for &(bytes, expected) in cases {
            assert_eq!(
                parse_utf8_codepoint(bytes),
                (None, expected),
                "{bytes:02x?}"
            );
        }
        assert_eq!(parse_utf8_codepoint(b""), (None, 0));
    }

    #[test]
    fn every_scalar_value_round_trips() {
        let mut buffer = [0; 4];
        for c in (0..=MAX_CODE_POINT).filter_map(char::from_u32) {
            let encoded = c.encode_utf8(&mut buffer).as_bytes();
            assert_eq!(
                parse_utf8_codepoint(encoded),
                (Some(u32::from(c)), encoded.len())
            );
        }
    }

    #[test]
    fn fixture_verify_encoding() {
        let section = &fixture()["verify_encoding"];
        let cases = section["cases"].as_array().map_or(&[][..], Vec::as_slice);
        assert_eq!(cases.len(), 14);
        for case in cases {
            let input = fixture_bytes(&case["input"]);
            let (output, was_valid) = verify_encoding(&input);
            assert_eq!(
                output.as_bytes(),
                fixture_bytes(&case["output"]),
                "{input:02x?}"
            );
            assert_eq!(Some(was_valid), case["valid"].as_bool(), "{input:02x?}");
        }
    }

    proptest! {
        #[test]
        fn verify_encoding_agrees_with_std(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let (repaired, was_valid) = verify_encoding(&bytes);
            let std_valid = std::str::from_utf8(&bytes).is_ok();
            prop_assert_eq!(was_valid, std_valid);
            if std_valid {
                prop_assert_eq!(repaired.as_bytes(), &bytes[..]);
            } else {
                prop_assert!(repaired.contains('_'));
            }
        }

        #[test]
        fn parse_agrees_with_std(bytes in proptest::collection::vec(any::<u8>(), 1..8)) {
            let (code_point, consumed) = parse_utf8_codepoint(&bytes);
            prop_assert!((1..=bytes.len()).contains(&consumed));
            let std_first = match std::str::from_utf8(&bytes) {
                Ok(text) => text.chars().next(),
                Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()])
                    .ok()
                    .and_then(|text| text.chars().next()),
            };
            prop_assert_eq!(code_point.and_then(char::from_u32), std_first);
            if let Some(c) = std_first {
                prop_assert_eq!(consumed, c.len_utf8());
            }
        }
    }
}
