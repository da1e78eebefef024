//! Bounds-checked reads from peer bytes: every accessor returns `None` instead of panicking.

use bytes::Bytes;

/// The big-endian `u32` at `at`, if four bytes are there.
pub(crate) fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    array::<4>(bytes, at).map(u32::from_be_bytes)
}

/// The big-endian `u16` at `at`, if two bytes are there.
pub(crate) fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    array::<2>(bytes, at).map(u16::from_be_bytes)
}

/// The `N` bytes at `at`, if they are there.
pub(crate) fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    bytes.get(at..end)?.try_into().ok()
}

/// The bytes from `at` to the end, sharing `bytes`' buffer (no copy), if `at` is in range.
pub(crate) fn tail(bytes: &Bytes, at: usize) -> Option<Bytes> {
    (at <= bytes.len()).then(|| bytes.slice(at..))
}

/// The bytes in `start..end`, sharing `bytes`' buffer, if the range is valid.
pub(crate) fn range(bytes: &Bytes, start: usize, end: usize) -> Option<Bytes> {
    (start <= end && end <= bytes.len()).then(|| bytes.slice(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end() {
        let bytes = Bytes::from_static(&[0, 0, 1, 2, 3]);
        assert_eq!(be_u32(&bytes, 0), Some(0x0102));
        assert_eq!(be_u32(&bytes, 2), None);
        assert_eq!(be_u32(&bytes, usize::MAX), None);
        assert_eq!(be_u16(&bytes, 3), Some(0x0203));
        assert_eq!(tail(&bytes, 5).map(|rest| rest.len()), Some(0));
        assert_eq!(tail(&bytes, 6), None);
        assert_eq!(range(&bytes, 2, 1), None);
        assert_eq!(range(&bytes, 1, 3).as_deref(), Some(&[0, 1][..]));
    }
}
