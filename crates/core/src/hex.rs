//! Lowercase hex encoding and case-insensitive decoding of fixed-size byte arrays.

use std::fmt;

use crate::error::HexError;

/// Writes `bytes` as lowercase hex, two digits per byte.
pub(crate) fn write_hex(formatter: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for byte in bytes {
        write!(formatter, "{byte:02x}")?;
    }
    Ok(())
}

/// Decodes exactly `2 * N` hex digits of either case into `N` bytes.
pub(crate) fn decode_hex<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return Err(HexError::InvalidLength {
            expected: 2 * N,
            actual: digits.len(),
        });
    }
    let mut bytes = [0u8; N];
    for (offset, &digit) in digits.iter().enumerate() {
        let value = hex_digit_value(digit).ok_or(HexError::InvalidDigit { offset })?;
        if let Some(byte) = bytes.get_mut(offset / 2) {
            *byte = (*byte << 4) | value;
        }
    }
    Ok(bytes)
}

/// The value of one hex digit of either case.
pub(crate) fn hex_digit_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_either_case() {
        assert_eq!(decode_hex::<2>("aBCd"), Ok([0xab, 0xcd]));
        assert_eq!(decode_hex::<0>(""), Ok([]));
    }

    #[test]
    fn rejects_bad_length_and_digits() {
        assert_eq!(
            decode_hex::<2>("abc"),
            Err(HexError::InvalidLength {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(
            decode_hex::<2>("abcg"),
            Err(HexError::InvalidDigit { offset: 3 })
        );
        // A multi-byte character changes the byte length, never panics.
        assert!(decode_hex::<2>("ab\u{e9}").is_err());
        assert_eq!(
            decode_hex::<1>("\u{e9}"),
            Err(HexError::InvalidDigit { offset: 0 })
        );
    }
}
