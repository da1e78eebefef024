//! Incremental decoding: complete messages out of a receive buffer, partial ones left in place.

use bytes::{Buf, Bytes, BytesMut};
use lt_core::{Sha256Hash, BLOCK_SIZE};

use crate::error::InvalidMessage;
use crate::extension::{self, ExtensionIds};
use crate::message::{BlockRequest, HashRequest, Message, MessageId};
use crate::reader;

/// The size limits a [`MessageDecoder`] enforces. The defaults are libtorrent's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The largest length prefix accepted (libtorrent: 1 MiB); above it,
    /// [`InvalidMessage::PacketTooLarge`].
    pub max_message_len: u32,
    /// The most data bytes in one `piece` message (16 KiB); above it,
    /// [`InvalidMessage::BlockTooLarge`].
    pub max_block_len: u32,
    /// The longest ut_metadata payload (libtorrent: 17 KiB); above it,
    /// [`InvalidMessage::InvalidMetadataMessage`].
    pub max_metadata_message_len: u32,
    /// The longest ut_pex payload (libtorrent: 500 KiB); above it,
    /// [`InvalidMessage::PexMessageTooLarge`].
    pub max_pex_message_len: u32,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_message_len: 1024 * 1024,
            max_block_len: BLOCK_SIZE,
            max_metadata_message_len: 17 * 1024,
            max_pex_message_len: 500 * 1024,
        }
    }
}

/// Takes messages off the front of a receive buffer.
///
/// [`decode`](Self::decode) consumes one complete message and leaves a partial one in place, so
/// a caller appends whatever the socket gives and calls it until it returns `Ok(None)`. A piece
/// message's data is split off the buffer and frozen: it is handed out as [`Bytes`] without a
/// copy.
///
/// Limits are checked as soon as the bytes that decide them arrive (the length prefix, the id,
/// the extended id), so an oversized message is refused before it is buffered. Extended messages
/// are decoded with *our* extension ids (the ones we advertised); see [`ExtensionIds`].
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use lt_wire::{Message, MessageDecoder};
///
/// let mut decoder = MessageDecoder::default();
/// let mut inbound = BytesMut::new();
/// inbound.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]); // keep-alive, then half a message
/// assert_eq!(decoder.decode(&mut inbound)?, Some(Message::KeepAlive));
/// assert_eq!(decoder.decode(&mut inbound)?, None);
/// inbound.extend_from_slice(&[1]); // the rest of `unchoke`
/// assert_eq!(decoder.decode(&mut inbound)?, Some(Message::Unchoke));
/// assert!(inbound.is_empty());
/// # Ok::<(), lt_wire::InvalidMessage>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageDecoder {
    limits: DecodeLimits,
    extensions: ExtensionIds,
}

/// The bytes of the length prefix.
const PREFIX_LEN: usize = 4;

impl MessageDecoder {
    /// A decoder with the given limits that decodes extended messages with `extensions`, the ids
    /// we advertised.
    #[must_use]
    pub fn new(limits: DecodeLimits, extensions: ExtensionIds) -> Self {
        Self { limits, extensions }
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &DecodeLimits {
        &self.limits
    }

    /// The extension ids extended messages are decoded with.
    #[must_use]
    pub fn extensions(&self) -> &ExtensionIds {
        &self.extensions
    }

    /// Changes the extension ids, e.g. after sending a second extension handshake.
    pub fn set_extensions(&mut self, extensions: ExtensionIds) {
        self.extensions = extensions;
    }

    /// Takes the next complete message off the front of `buffer`.
    ///
    /// Returns `Ok(None)` when `buffer` holds no complete message; the partial one stays in
    /// place.
    ///
    /// # Errors
    /// An [`InvalidMessage`] as soon as the bytes received show the message cannot be valid. The
    /// buffer is left as it was; the connection should be closed.
    pub fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Message>, InvalidMessage> {
        let Some(length) = reader::be_u32(buffer, 0) else {
            return Ok(None);
        };
        if length > self.limits.max_message_len {
            return Err(InvalidMessage::PacketTooLarge {
                length,
                limit: self.limits.max_message_len,
            });
        }
        if length == 0 {
            buffer.advance(PREFIX_LEN);
            return Ok(Some(Message::KeepAlive));
        }
        let Some(&id) = buffer.get(PREFIX_LEN) else {
            return Ok(None);
        };
        let payload_len = length - 1;
        let id = self.check_header(id, payload_len, buffer.get(PREFIX_LEN + 1).copied())?;
        let frame_len = usize::try_from(length)
            .ok()
            .and_then(|length| length.checked_add(PREFIX_LEN))
            .ok_or(InvalidMessage::PacketTooLarge {
                length,
                limit: self.limits.max_message_len,
            })?;
        if buffer.len() < frame_len {
            return Ok(None);
        }
        let frame = buffer.split_to(frame_len).freeze();
        let payload = reader::tail(&frame, PREFIX_LEN + 1).unwrap_or_default();
        self.parse(id, &payload).map(Some)
    }

    /// Checks what the length prefix, the id and (for extended messages) the extended id allow
    /// to check before the payload arrives.
    fn check_header(
        &self,
        id: u8,
        payload_len: u32,
        extended_id: Option<u8>,
    ) -> Result<MessageId, InvalidMessage> {
        let message = MessageId::from_u8(id).ok_or(InvalidMessage::UnknownMessage { id })?;
        let wrong_length = InvalidMessage::WrongLength {
            message,
            length: payload_len,
        };
        if let Some(fixed) = message.fixed_payload_len() {
            return if payload_len == fixed {
                Ok(message)
            } else {
                Err(wrong_length)
            };
        }
        match message {
            MessageId::Piece => {
                let data_len = payload_len.checked_sub(8).ok_or(wrong_length)?;
                if data_len > self.limits.max_block_len {
                    return Err(InvalidMessage::BlockTooLarge {
                        length: data_len,
                        limit: self.limits.max_block_len,
                    });
                }
            }
            MessageId::Extended => {
                let extended_len = payload_len.checked_sub(1).ok_or(wrong_length)?;
                if let Some(extended_id) = extended_id {
                    extension::check_length(
                        extended_id,
                        extended_len,
                        &self.extensions,
                        &self.limits,
                    )?;
                }
            }
            MessageId::Hashes => {
                let hashes_len = payload_len.checked_sub(HashRequest::WIRE_LEN).ok_or(
                    InvalidMessage::InvalidHashes {
                        reason: "shorter than its header",
                    },
                )?;
                if hashes_len % 32 != 0 {
                    return Err(InvalidMessage::InvalidHashes {
                        reason: "hash list is not a multiple of 32 bytes",
                    });
                }
            }
            _ => {}
        }
        Ok(message)
    }

    /// Parses a complete payload whose length [`check_header`](Self::check_header) accepted.
    fn parse(&self, id: MessageId, payload: &Bytes) -> Result<Message, InvalidMessage> {
        let wrong_length = || InvalidMessage::WrongLength {
            message: id,
            length: u32::try_from(payload.len()).unwrap_or(u32::MAX),
        };
        let piece = || reader::be_u32(payload, 0).ok_or_else(wrong_length);
        let block = || block_request(payload).ok_or_else(wrong_length);
        Ok(match id {
            MessageId::Choke => Message::Choke,
            MessageId::Unchoke => Message::Unchoke,
            MessageId::Interested => Message::Interested,
            MessageId::NotInterested => Message::NotInterested,
            MessageId::HaveAll => Message::HaveAll,
            MessageId::HaveNone => Message::HaveNone,
            MessageId::Have => Message::Have { piece: piece()? },
            MessageId::Suggest => Message::Suggest { piece: piece()? },
            MessageId::AllowedFast => Message::AllowedFast { piece: piece()? },
            MessageId::Bitfield => Message::Bitfield(payload.clone()),
            MessageId::Request => Message::Request(block()?),
            MessageId::Cancel => Message::Cancel(block()?),
            MessageId::Reject => Message::Reject(block()?),
            MessageId::Piece => Message::Piece {
                piece: piece()?,
                offset: reader::be_u32(payload, 4).ok_or_else(wrong_length)?,
                data: reader::tail(payload, 8).ok_or_else(wrong_length)?,
            },
            MessageId::Port => Message::Port(reader::be_u16(payload, 0).ok_or_else(wrong_length)?),
            MessageId::HashRequest => {
                Message::HashRequest(hash_request(payload).ok_or_else(wrong_length)?)
            }
            MessageId::HashReject => {
                Message::HashReject(hash_request(payload).ok_or_else(wrong_length)?)
            }
            MessageId::Hashes => hashes(payload)?,
            MessageId::Extended => Message::Extended(extension::decode(payload, &self.extensions)?),
        })
    }
}

fn block_request(payload: &[u8]) -> Option<BlockRequest> {
    Some(BlockRequest {
        piece: reader::be_u32(payload, 0)?,
        offset: reader::be_u32(payload, 4)?,
        length: reader::be_u32(payload, 8)?,
    })
}

fn hash_request(payload: &[u8]) -> Option<HashRequest> {
    Some(HashRequest {
        pieces_root: Sha256Hash::from_bytes(reader::array::<32>(payload, 0)?),
        base_layer: reader::be_u32(payload, 32)?,
        index: reader::be_u32(payload, 36)?,
        count: reader::be_u32(payload, 40)?,
        proof_layers: reader::be_u32(payload, 44)?,
    })
}

fn hashes(payload: &[u8]) -> Result<Message, InvalidMessage> {
    let invalid = |reason| InvalidMessage::InvalidHashes { reason };
    let request = hash_request(payload).ok_or(invalid("shorter than its header"))?;
    let list = payload
        .get(HashRequest::WIRE_LEN as usize..)
        .ok_or(invalid("shorter than its header"))?;
    let expected = request
        .reply_hash_count()
        .ok_or(invalid("invalid hash count"))?;
    if list.len() / 32 != expected as usize || list.len() % 32 != 0 {
        return Err(invalid("hash count does not match the request"));
    }
    let hashes = list
        .chunks_exact(32)
        .filter_map(|chunk| reader::array::<32>(chunk, 0).map(Sha256Hash::from_bytes))
        .collect();
    Ok(Message::Hashes { request, hashes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<Vec<Message>, InvalidMessage> {
        let mut decoder = MessageDecoder::default();
        let mut buffer = BytesMut::from(bytes);
        let mut messages = Vec::new();
        while let Some(message) = decoder.decode(&mut buffer)? {
            messages.push(message);
        }
        Ok(messages)
    }

    #[test]
    fn oversized_messages_fail_on_their_prefix() {
        // libtorrent's large_message test: a length prefix of 2,000,000 and nothing else.
        let error = decode_all(&2_000_000u32.to_be_bytes());
        assert_eq!(
            error,
            Err(InvalidMessage::PacketTooLarge {
                length: 2_000_000,
                limit: 1 << 20
            })
        );
        // A piece with one byte more than a block fails on its id byte.
        let mut piece = (9 + BLOCK_SIZE + 1).to_be_bytes().to_vec();
        piece.push(7);
        assert!(matches!(
            decode_all(&piece),
            Err(InvalidMessage::BlockTooLarge { length: 16385, .. })
        ));
        // A ut_metadata message over 17 KiB fails on its extended id.
        let mut metadata = (2 + 17 * 1024 + 1u32).to_be_bytes().to_vec();
        metadata.extend([20, 2]);
        assert!(matches!(
            decode_all(&metadata),
            Err(InvalidMessage::InvalidMetadataMessage { .. })
        ));
    }

    #[test]
    fn wrong_sizes_use_libtorrents_codes() {
        let cases: [(&[u8], &str); 6] = [
            (&[0, 0, 0, 2, 0, 0], "invalid_choke"),
            (&[0, 0, 0, 4, 4, 0, 0, 0], "invalid_have"),
            (&[0, 0, 0, 2, 14, 0], "invalid_have_all"),
            (&[0, 0, 0, 1, 20], "invalid_extended"),
            (&[0, 0, 0, 5, 7, 0, 0, 0, 0], "invalid_piece_size"),
            (&[0, 0, 0, 1, 0xff], "invalid_message"),
        ];
        for (bytes, code) in cases {
            assert_eq!(
                decode_all(bytes).map_err(|error| error.code_name()),
                Err(code)
            );
        }
    }

    #[test]
    fn piece_data_shares_the_receive_buffer() {
        let mut bytes = vec![0, 0, 0, 12, 7, 0, 0, 0, 1, 0, 0, 0x40, 0];
        bytes.extend_from_slice(b"abc");
        let mut buffer = BytesMut::from(&bytes[..]);
        let start = buffer.as_ptr() as usize;
        let message = MessageDecoder::default().decode(&mut buffer);
        let Ok(Some(Message::Piece {
            piece,
            offset,
            data,
        })) = message
        else {
            panic!("expected a piece, got {message:?}");
        };
        assert_eq!((piece, offset, &data[..]), (1, 0x4000, &b"abc"[..]));
        assert_eq!(data.as_ptr() as usize, start + 13, "the data was copied");
    }

    #[test]
    fn hashes_must_match_their_request() {
        let mut bytes = Vec::new();
        let body_len = 1 + 48 + 2 * 32;
        bytes.extend_from_slice(&(body_len as u32).to_be_bytes());
        bytes.push(22);
        bytes.extend_from_slice(&[0; 32]);
        for field in [0u32, 0, 2, 0] {
            bytes.extend_from_slice(&field.to_be_bytes());
        }
        bytes.extend_from_slice(&[1; 64]);
        let messages = decode_all(&bytes);
        assert!(
            matches!(&messages, Ok(list) if matches!(&list[..], [Message::Hashes { hashes, .. }] if hashes.len() == 2))
        );
        // Claim one proof layer more than the hashes sent.
        let proof_layers_at = 4 + 1 + 32 + 12;
        bytes[proof_layers_at + 3] = 1;
        assert!(matches!(
            decode_all(&bytes),
            Err(InvalidMessage::InvalidHashes { .. })
        ));
    }
}
