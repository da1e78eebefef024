//! The two ways libtorrent reads an integer out of a magnet link.
//!
//! - [`leading_int`], like C++ `std::from_chars` into an `int`: ports of `x.pe` and `dht`, and
//!   `so=` indices. An optional `-`, at least one digit, and whatever follows the digits is
//!   ignored (`43abc` is 43); no leading space or `+`; too large is an error.
//! - [`c_atoi`], like glibc's `atoi`: the scope id of an IPv6 `x.pe` address (asio reads it so).
//!   Leading spaces and a sign are skipped, no digits gives 0, and the value wraps to 32 bits.
//!
//! The libtorrent 2.1.1 Python binding behaves this way for every example in the tests below.

/// Reads an optional `-` and a run of ASCII digits from the start of `text`, ignoring what
/// follows; `None` if there is no digit or the value does not fit an `i32`.
pub(super) fn leading_int(text: &[u8]) -> Option<i32> {
    let (is_negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let digit_count = digits
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if digit_count == 0 {
        return None;
    }
    let mut magnitude: i64 = 0;
    for &digit in digits.iter().take(digit_count) {
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(i64::from(digit - b'0'))?;
    }
    let value = if is_negative { -magnitude } else { magnitude };
    i32::try_from(value).ok()
}

/// C's `atoi` as glibc computes it (`(int) strtol(text, NULL, 10)`): skips leading white space,
/// takes an optional sign and the digits after it, saturates at the `long` range and keeps the
/// low 32 bits. No digits gives 0.
pub(super) fn c_atoi(text: &[u8]) -> i32 {
    let start = text
        .iter()
        .position(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .unwrap_or(text.len());
    let text = text.get(start..).unwrap_or_default();
    let (is_negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for &digit in digits.iter().take_while(|byte| byte.is_ascii_digit()) {
        let digit = i64::from(digit - b'0');
        value = if is_negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    // The cast to `int`: keep the low 32 bits.
    value as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_int_is_from_chars() {
        assert_eq!(leading_int(b"43"), Some(43));
        assert_eq!(leading_int(b"0043"), Some(43));
        assert_eq!(leading_int(b"43abc"), Some(43));
        assert_eq!(leading_int(b"5:6"), Some(5));
        assert_eq!(leading_int(b"-3"), Some(-3));
        assert_eq!(leading_int(b"2147483647"), Some(i32::MAX));
        for rejected in [
            &b""[..],
            b"-",
            b"--3",
            b"+5",
            b" 5",
            b"abc",
            b"2147483648",
            b"4294967339",
            b"99999999999999999999999",
        ] {
            assert_eq!(leading_int(rejected), None, "{rejected:?}");
        }
    }

    #[test]
    fn c_atoi_wraps_like_glibc() {
        assert_eq!(c_atoi(b"7abc"), 7);
        assert_eq!(c_atoi(b" \t+7"), 7);
        assert_eq!(c_atoi(b"abc"), 0);
        assert_eq!(c_atoi(b""), 0);
        assert_eq!(c_atoi(b"-3"), -3);
        assert_eq!(c_atoi(b"4294967296"), 0);
        assert_eq!(c_atoi(b"4294967303"), 7);
        assert_eq!(c_atoi(b"99999999999999999999999"), -1);
    }
}
