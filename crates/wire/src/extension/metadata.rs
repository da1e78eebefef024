//! ut_metadata (BEP 9): the info dictionary in 16 KiB pieces, requested from peers.

use bytes::Bytes;
use lt_bencode::{Dict, Value};

use super::Rejected;
use crate::error::InvalidMessage;
use crate::reader;

/// The size of a metadata piece; only the last piece may be shorter (BEP 9).
pub const METADATA_PIECE_SIZE: u32 = 16 * 1024;

/// libtorrent's default `max_metadata_size`: the largest info dictionary it accepts
/// (3 × 1024 × 10240 bytes = 30 MiB).
pub const MAX_METADATA_SIZE: u64 = 3 * 1024 * 10240;

/// A ut_metadata message. A `data` message carries its piece after the bencoded dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataMessage {
    /// `msg_type` 0: asks for a piece.
    Request {
        /// The metadata piece index.
        piece: u32,
    },
    /// `msg_type` 1: a piece of the metadata.
    Data {
        /// The metadata piece index.
        piece: u32,
        /// `total_size`: the size of the whole info dictionary (0 when missing or negative).
        total_size: u64,
        /// The piece's bytes (16 KiB except the last), sharing the receive buffer.
        data: Bytes,
    },
    /// `msg_type` 2: the sender will not send this piece.
    Reject {
        /// The metadata piece index.
        piece: u32,
    },
}

impl MetadataMessage {
    /// Decodes a ut_metadata payload as libtorrent does: a payload that is not a dictionary or
    /// lacks an integer `msg_type` or `piece` is fatal; an unknown `msg_type` or a piece number
    /// outside `u32` is ignored.
    pub(crate) fn decode(payload: &Bytes) -> Result<Self, Rejected> {
        let invalid = |reason| Rejected::Fatal(InvalidMessage::InvalidMetadataMessage { reason });
        let document = lt_bencode::bdecode(payload).map_err(|_| invalid("not a dictionary"))?;
        let root = document.root();
        if !root.is_dict() {
            return Err(invalid("not a dictionary"));
        }
        let msg_type = root
            .dict_find_int("msg_type")
            .and_then(|node| node.as_int());
        let piece = root.dict_find_int("piece").and_then(|node| node.as_int());
        let (Some(msg_type), Some(piece)) = (msg_type, piece) else {
            return Err(invalid("missing or invalid keys"));
        };
        let piece =
            u32::try_from(piece).map_err(|_| Rejected::Ignore("metadata piece out of range"))?;
        match msg_type {
            0 => Ok(MetadataMessage::Request { piece }),
            1 => {
                let total_size = root
                    .dict_find_int("total_size")
                    .and_then(|node| node.as_int())
                    .and_then(|size| u64::try_from(size).ok())
                    .unwrap_or(0);
                let data = reader::tail(payload, document.consumed())
                    .ok_or(invalid("dictionary longer than the message"))?;
                Ok(MetadataMessage::Data {
                    piece,
                    total_size,
                    data,
                })
            }
            2 => Ok(MetadataMessage::Reject { piece }),
            _ => Err(Rejected::Ignore("unknown ut_metadata msg_type")),
        }
    }

    /// Appends the bencoded dictionary (and, for `data`, the piece's bytes).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let (msg_type, piece) = match self {
            MetadataMessage::Request { piece } => (0, piece),
            MetadataMessage::Data { piece, .. } => (1, piece),
            MetadataMessage::Reject { piece } => (2, piece),
        };
        let mut dict = Dict::new();
        dict.insert(b"msg_type".to_vec(), Value::Int(msg_type));
        dict.insert(b"piece".to_vec(), Value::Int(i64::from(*piece)));
        if let MetadataMessage::Data { total_size, .. } = self {
            let total_size = i64::try_from(*total_size).unwrap_or(i64::MAX);
            dict.insert(b"total_size".to_vec(), Value::Int(total_size));
        }
        Value::Dict(dict).encode_into(out);
        if let MetadataMessage::Data { data, .. } = self {
            out.extend_from_slice(data);
        }
    }
}

/// How many 16 KiB pieces metadata of `total_size` bytes has.
///
/// # Examples
/// ```
/// assert_eq!(lt_wire::metadata_piece_count(16384), 1);
/// assert_eq!(lt_wire::metadata_piece_count(16385), 2);
/// assert_eq!(lt_wire::metadata_piece_count(0), 0);
/// ```
#[must_use]
pub fn metadata_piece_count(total_size: u64) -> u64 {
    total_size.div_ceil(u64::from(METADATA_PIECE_SIZE))
}

/// libtorrent's answer to a metadata request when we have the info dictionary `metadata`: the
/// piece, or a reject when the piece is out of range (libtorrent rejects, it does not
/// disconnect).
///
/// # Examples
/// ```
/// use bytes::Bytes;
/// use lt_wire::{serve_metadata_piece, MetadataMessage};
///
/// let metadata = Bytes::from(vec![7u8; 20_000]);
/// let MetadataMessage::Data { data, total_size, .. } = serve_metadata_piece(&metadata, 1) else {
///     panic!("piece 1 exists");
/// };
/// assert_eq!((data.len(), total_size), (20_000 - 16384, 20_000));
/// assert_eq!(serve_metadata_piece(&metadata, 2), MetadataMessage::Reject { piece: 2 });
/// ```
#[must_use]
pub fn serve_metadata_piece(metadata: &Bytes, piece: u32) -> MetadataMessage {
    let piece_size = METADATA_PIECE_SIZE as usize;
    let data = (piece as usize)
        .checked_mul(piece_size)
        .filter(|start| *start < metadata.len())
        .and_then(|start| {
            let end = start.saturating_add(piece_size).min(metadata.len());
            reader::range(metadata, start, end)
        });
    match data {
        Some(data) => MetadataMessage::Data {
            piece,
            total_size: metadata.len() as u64,
            data,
        },
        None => MetadataMessage::Reject { piece },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<MetadataMessage, String> {
        MetadataMessage::decode(&Bytes::copy_from_slice(bytes)).map_err(|rejected| match rejected {
            Rejected::Ignore(reason) => format!("ignore: {reason}"),
            Rejected::Fatal(error) => format!("fatal: {error}"),
        })
    }

    #[test]
    fn layouts_match_bep_9() {
        let mut out = Vec::new();
        MetadataMessage::Request { piece: 0 }.encode(&mut out);
        assert_eq!(out, b"d8:msg_typei0e5:piecei0ee");
        out.clear();
        MetadataMessage::Data {
            piece: 0,
            total_size: 3,
            data: Bytes::from_static(b"abc"),
        }
        .encode(&mut out);
        assert_eq!(out, b"d8:msg_typei1e5:piecei0e10:total_sizei3eeabc");
        assert_eq!(
            decode(&out),
            Ok(MetadataMessage::Data {
                piece: 0,
                total_size: 3,
                data: Bytes::from_static(b"abc")
            })
        );
    }

    #[test]
    fn libtorrent_leniency() {
        assert_eq!(
            decode(b"d8:msg_typei2e5:piecei1e10:total_sizei2092ee"),
            Ok(MetadataMessage::Reject { piece: 1 })
        );
        assert_eq!(
            decode(b"d8:msg_typei9e5:piecei1ee"),
            Err("ignore: unknown ut_metadata msg_type".into())
        );
        assert_eq!(
            decode(b"d8:msg_typei0e5:piecei-1ee"),
            Err("ignore: metadata piece out of range".into())
        );
        assert_eq!(
            decode(b"d8:msg_typei0ee"),
            Err("fatal: invalid metadata message (missing or invalid keys)".into())
        );
        assert_eq!(
            decode(b"i0e"),
            Err("fatal: invalid metadata message (not a dictionary)".into())
        );
    }
}
