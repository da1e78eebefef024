//! `Content-Encoding: gzip` and `deflate` bodies, inflated with miniz_oxide under a size limit.

use miniz_oxide::inflate::{self, TINFLStatus};

use crate::error::TrackerError;

const GZIP_TEXT: u8 = 0x01;
const GZIP_HEADER_CRC: u8 = 0x02;
const GZIP_EXTRA: u8 = 0x04;
const GZIP_NAME: u8 = 0x08;
const GZIP_COMMENT: u8 = 0x10;
const GZIP_RESERVED: u8 = !(GZIP_TEXT | GZIP_HEADER_CRC | GZIP_EXTRA | GZIP_NAME | GZIP_COMMENT);

/// The body decoded according to `content_encoding` (the `Content-Encoding` header):
/// `gzip`/`x-gzip` (RFC 1952), `deflate` (zlib-wrapped as RFC 9110 says, or raw deflate as
/// some servers send it), anything else returned as is.
///
/// # Errors
/// [`TrackerError::HttpFailedDecompress`] when the data does not inflate and
/// [`TrackerError::ResponseTooLarge`] when it inflates to more than `limit_bytes`.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn decode_body(
    content_encoding: Option<&str>,
    body: Vec<u8>,
    limit_bytes: usize,
) -> Result<Vec<u8>, TrackerError> {
    let encoding = content_encoding.map(str::trim).unwrap_or_default();
    if encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip") {
        inflate_gzip(&body, limit_bytes)
    } else if encoding.eq_ignore_ascii_case("deflate") {
        inflate::decompress_to_vec_zlib_with_limit(&body, limit_bytes)
            .or_else(|_| inflate::decompress_to_vec_with_limit(&body, limit_bytes))
            .map_err(|error| inflate_error(error.status, limit_bytes))
    } else {
        Ok(body)
    }
}

/// Inflates a gzip member (RFC 1952): the header with its optional fields, then raw deflate
/// data. The trailer (CRC-32 and length) is not checked, as libtorrent does not check it.
///
/// # Errors
/// [`TrackerError::HttpFailedDecompress`] for a bad header or bad deflate data and
/// [`TrackerError::ResponseTooLarge`] past `limit_bytes`.
pub fn inflate_gzip(data: &[u8], limit_bytes: usize) -> Result<Vec<u8>, TrackerError> {
    let deflate_start = gzip_header_length(data).ok_or(TrackerError::HttpFailedDecompress {
        detail: "invalid gzip header",
    })?;
    let deflate = data.get(deflate_start..).unwrap_or_default();
    inflate::decompress_to_vec_with_limit(deflate, limit_bytes)
        .map_err(|error| inflate_error(error.status, limit_bytes))
}

fn inflate_error(status: TINFLStatus, limit_bytes: usize) -> TrackerError {
    match status {
        TINFLStatus::HasMoreOutput => TrackerError::ResponseTooLarge { limit_bytes },
        TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
            TrackerError::HttpFailedDecompress {
                detail: "data did not terminate",
            }
        }
        TINFLStatus::Adler32Mismatch => TrackerError::HttpFailedDecompress {
            detail: "checksum mismatch",
        },
        _ => TrackerError::HttpFailedDecompress {
            detail: "invalid deflate data",
        },
    }
}

/// The length of the gzip header at the start of `data`, or `None` when it is not one.
fn gzip_header_length(data: &[u8]) -> Option<usize> {
    let fixed = data.get(..10)?;
    let (magic, method, flags) = (fixed.get(..2)?, *fixed.get(2)?, *fixed.get(3)?);
    if magic != [0x1f, 0x8b] || method != 8 || flags & GZIP_RESERVED != 0 {
        return None;
    }
    let mut position = 10;
    if flags & GZIP_EXTRA != 0 {
        let length = data.get(position..position + 2)?;
        position += 2 + usize::from(u16::from_le_bytes([*length.first()?, *length.get(1)?]));
    }
    for flag in [GZIP_NAME, GZIP_COMMENT] {
        if flags & flag != 0 {
            let terminator = data.get(position..)?.iter().position(|&byte| byte == 0)?;
            position += terminator + 1;
        }
    }
    if flags & GZIP_HEADER_CRC != 0 {
        position += 2;
    }
    (position <= data.len()).then_some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/libtorrent-misc/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn zeroes_inflate_to_zeroes() {
        let data = inflate_gzip(&fixture("zeroes.gz"), 1 << 20).unwrap();
        assert_eq!(data.len(), 512_000);
        assert!(data.iter().all(|&byte| byte == 0));
    }

    #[test]
    fn limit_is_enforced() {
        assert!(matches!(
            inflate_gzip(&fixture("zeroes.gz"), 1000),
            Err(TrackerError::ResponseTooLarge { limit_bytes: 1000 })
        ));
    }

    #[test]
    fn corrupt_invalid_and_empty_inputs_fail() {
        for data in [fixture("corrupt.gz"), fixture("invalid1.gz"), Vec::new()] {
            assert!(matches!(
                inflate_gzip(&data, 1 << 20),
                Err(TrackerError::HttpFailedDecompress { .. })
            ));
        }
    }

    #[test]
    fn deflate_accepts_zlib_and_raw() {
        let raw = miniz_oxide::deflate::compress_to_vec(b"d5:peers0:e", 6);
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(b"d5:peers0:e", 6);
        for body in [raw, zlib] {
            let decoded = decode_body(Some("deflate"), body, 100).unwrap();
            assert_eq!(decoded, b"d5:peers0:e");
        }
        assert_eq!(decode_body(None, b"x".to_vec(), 1).unwrap(), b"x");
    }
}
