//! Encoding messages into a send buffer.

use bytes::BufMut;

use crate::error::ApiMisuse;
use crate::extension::{self, ExtensionIds};
use crate::message::{BlockRequest, HashRequest, Message, MessageId};

impl Message {
    /// Appends the message, length prefix included, to `out`.
    ///
    /// Extended messages are written under the ids the peer advertised (`remote`, built with
    /// [`ExtensionIds::from_handshake`]); other messages ignore it.
    ///
    /// # Errors
    /// [`ApiMisuse::ExtensionNotSupported`] for an extension message the peer did not advertise,
    /// [`ApiMisuse::MessageTooLarge`] for a message over 4 GiB. `out` is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use lt_wire::{ExtendedMessage, ExtensionIds, ExtensionKind, Message};
    ///
    /// let mut remote = ExtensionIds::none();
    /// remote.set(ExtensionKind::DontHave, 7);
    /// let mut out = Vec::new();
    /// Message::Extended(ExtendedMessage::DontHave { piece: 3 }).encode(&remote, &mut out)?;
    /// assert_eq!(out, [0, 0, 0, 6, 20, 7, 0, 0, 0, 3]);
    /// # Ok::<(), lt_wire::ApiMisuse>(())
    /// ```
    pub fn encode(&self, remote: &ExtensionIds, out: &mut Vec<u8>) -> Result<(), ApiMisuse> {
        let start = out.len();
        let result = self.encode_frame(remote, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn encode_frame(&self, remote: &ExtensionIds, out: &mut Vec<u8>) -> Result<(), ApiMisuse> {
        let start = out.len();
        out.put_u32(0);
        if let Some(id) = self.id() {
            out.put_u8(id.as_u8());
        }
        match self {
            Message::KeepAlive
            | Message::Choke
            | Message::Unchoke
            | Message::Interested
            | Message::NotInterested
            | Message::HaveAll
            | Message::HaveNone => {}
            Message::Have { piece }
            | Message::Suggest { piece }
            | Message::AllowedFast { piece } => out.put_u32(*piece),
            Message::Bitfield(bits) => out.extend_from_slice(bits),
            Message::Request(request) | Message::Cancel(request) | Message::Reject(request) => {
                put_block_request(request, out);
            }
            Message::Piece {
                piece,
                offset,
                data,
            } => {
                out.put_u32(*piece);
                out.put_u32(*offset);
                out.extend_from_slice(data);
            }
            Message::Port(port) => out.put_u16(*port),
            Message::HashRequest(request) | Message::HashReject(request) => {
                put_hash_request(request, out);
            }
            Message::Hashes { request, hashes } => {
                put_hash_request(request, out);
                for hash in hashes {
                    out.extend_from_slice(hash.as_bytes());
                }
            }
            Message::Extended(message) => extension::encode(message, remote, out)?,
        }
        let length = out.len() - start - 4;
        let prefix = u32::try_from(length).map_err(|_| ApiMisuse::MessageTooLarge { length })?;
        if let Some(slot) = out.get_mut(start..start + 4) {
            slot.copy_from_slice(&prefix.to_be_bytes());
        }
        Ok(())
    }
}

fn put_block_request(request: &BlockRequest, out: &mut Vec<u8>) {
    out.put_u32(request.piece);
    out.put_u32(request.offset);
    out.put_u32(request.length);
}

fn put_hash_request(request: &HashRequest, out: &mut Vec<u8>) {
    out.extend_from_slice(request.pieces_root.as_bytes());
    out.put_u32(request.base_layer);
    out.put_u32(request.index);
    out.put_u32(request.count);
    out.put_u32(request.proof_layers);
}

/// The 13 bytes that precede a block's data in a `piece` message, for a sender that writes the
/// data from its own buffer (vectored I/O) instead of copying it behind the header.
///
/// # Errors
/// [`ApiMisuse::MessageTooLarge`] when the data does not fit a 32-bit length prefix.
///
/// # Examples
/// ```
/// let header = lt_wire::piece_header(1, 16384, 16384)?;
/// assert_eq!(header, [0, 0, 0x40, 9, 7, 0, 0, 0, 1, 0, 0, 0x40, 0]);
/// # Ok::<(), lt_wire::ApiMisuse>(())
/// ```
pub fn piece_header(piece: u32, offset: u32, data_len: usize) -> Result<[u8; 13], ApiMisuse> {
    let length = data_len
        .checked_add(9)
        .and_then(|length| u32::try_from(length).ok())
        .ok_or(ApiMisuse::MessageTooLarge { length: data_len })?;
    let mut header = [0u8; 13];
    let mut cursor = &mut header[..];
    cursor.put_u32(length);
    cursor.put_u8(MessageId::Piece.as_u8());
    cursor.put_u32(piece);
    cursor.put_u32(offset);
    Ok(header)
}
