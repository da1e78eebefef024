//! The messages of the peer wire protocol after the handshake: BEP 3, the DHT port (BEP 5), the
//! fast extension (BEP 6), the v2 hash messages (BEP 52) and the extension protocol (BEP 10).

use std::fmt;

use bytes::Bytes;
use lt_core::Sha256Hash;

use crate::extension::ExtendedMessage;

/// The id byte that follows a message's length prefix.
///
/// Every id libtorrent 2.x understands; a message with any other id is
/// [`InvalidMessage::UnknownMessage`](crate::InvalidMessage::UnknownMessage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MessageId {
    /// `choke` (BEP 3).
    Choke = 0,
    /// `unchoke` (BEP 3).
    Unchoke = 1,
    /// `interested` (BEP 3).
    Interested = 2,
    /// `not interested` (BEP 3).
    NotInterested = 3,
    /// `have` (BEP 3).
    Have = 4,
    /// `bitfield` (BEP 3).
    Bitfield = 5,
    /// `request` (BEP 3).
    Request = 6,
    /// `piece` (BEP 3).
    Piece = 7,
    /// `cancel` (BEP 3).
    Cancel = 8,
    /// `port`, the sender's DHT port (BEP 5).
    Port = 9,
    /// `suggest piece` (BEP 6).
    Suggest = 13,
    /// `have all` (BEP 6).
    HaveAll = 14,
    /// `have none` (BEP 6).
    HaveNone = 15,
    /// `reject request` (BEP 6).
    Reject = 16,
    /// `allowed fast` (BEP 6).
    AllowedFast = 17,
    /// `extended`, the extension protocol (BEP 10).
    Extended = 20,
    /// `hash request` (BEP 52).
    HashRequest = 21,
    /// `hashes` (BEP 52).
    Hashes = 22,
    /// `hash reject` (BEP 52).
    HashReject = 23,
}

impl MessageId {
    /// Every message id, in numeric order.
    pub const ALL: [MessageId; 19] = [
        MessageId::Choke,
        MessageId::Unchoke,
        MessageId::Interested,
        MessageId::NotInterested,
        MessageId::Have,
        MessageId::Bitfield,
        MessageId::Request,
        MessageId::Piece,
        MessageId::Cancel,
        MessageId::Port,
        MessageId::Suggest,
        MessageId::HaveAll,
        MessageId::HaveNone,
        MessageId::Reject,
        MessageId::AllowedFast,
        MessageId::Extended,
        MessageId::HashRequest,
        MessageId::Hashes,
        MessageId::HashReject,
    ];

    /// The message id for a raw byte, or `None` for an id no BEP defines.
    #[must_use]
    pub fn from_u8(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.as_u8() == id)
    }

    /// The id byte.
    #[must_use]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The message's name as libtorrent's `peer_log` and the fixture files spell it
    /// (`"not_interested"`, `"dht_port"`, `"suggest_piece"`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            MessageId::Choke => "choke",
            MessageId::Unchoke => "unchoke",
            MessageId::Interested => "interested",
            MessageId::NotInterested => "not_interested",
            MessageId::Have => "have",
            MessageId::Bitfield => "bitfield",
            MessageId::Request => "request",
            MessageId::Piece => "piece",
            MessageId::Cancel => "cancel",
            MessageId::Port => "dht_port",
            MessageId::Suggest => "suggest_piece",
            MessageId::HaveAll => "have_all",
            MessageId::HaveNone => "have_none",
            MessageId::Reject => "reject_request",
            MessageId::AllowedFast => "allowed_fast",
            MessageId::Extended => "extended",
            MessageId::HashRequest => "hash_request",
            MessageId::Hashes => "hashes",
            MessageId::HashReject => "hash_reject",
        }
    }

    /// The payload length (after the id byte) of a fixed-size message, or `None` for
    /// `bitfield`, `piece`, `extended` and `hashes`, whose length varies.
    #[must_use]
    pub const fn fixed_payload_len(self) -> Option<u32> {
        match self {
            MessageId::Choke
            | MessageId::Unchoke
            | MessageId::Interested
            | MessageId::NotInterested
            | MessageId::HaveAll
            | MessageId::HaveNone => Some(0),
            MessageId::Have | MessageId::Suggest | MessageId::AllowedFast => Some(4),
            MessageId::Request | MessageId::Cancel | MessageId::Reject => Some(12),
            MessageId::Port => Some(2),
            MessageId::HashRequest | MessageId::HashReject => Some(HashRequest::WIRE_LEN),
            MessageId::Bitfield | MessageId::Piece | MessageId::Extended | MessageId::Hashes => {
                None
            }
        }
    }

    /// Whether the message belongs to the fast extension (BEP 6) and may only be sent when both
    /// handshakes set its reserved bit.
    #[must_use]
    pub const fn is_fast_extension(self) -> bool {
        matches!(
            self,
            MessageId::Suggest
                | MessageId::HaveAll
                | MessageId::HaveNone
                | MessageId::Reject
                | MessageId::AllowedFast
        )
    }

    /// Whether the message belongs to BitTorrent v2 (BEP 52) and may only be sent on a
    /// connection that uses the v2 protocol.
    #[must_use]
    pub const fn is_v2(self) -> bool {
        matches!(
            self,
            MessageId::HashRequest | MessageId::Hashes | MessageId::HashReject
        )
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The payload of `request`, `cancel` and `reject request`: a byte range of one piece.
///
/// The fields are the peer's raw numbers; [`PieceGeometry::block`](crate::PieceGeometry::block)
/// checks them against the torrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockRequest {
    /// The piece index.
    pub piece: u32,
    /// The byte offset inside the piece (`begin` in BEP 3).
    pub offset: u32,
    /// The number of bytes.
    pub length: u32,
}

/// The payload of `hash request` and `hash reject`, and the header of `hashes` (BEP 52).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashRequest {
    /// The root of the file's merkle tree (`pieces root`).
    pub pieces_root: Sha256Hash,
    /// How many layers above the leaves the requested hashes are (0: the leaf hashes).
    pub base_layer: u32,
    /// The offset, in hashes, of the first requested hash in the base layer.
    pub index: u32,
    /// How many hashes of the base layer are requested (`length` in BEP 52).
    pub count: u32,
    /// How many ancestor layers of uncle hashes to include.
    pub proof_layers: u32,
}

impl HashRequest {
    /// The bytes a hash request takes after the message id: the 32-byte root and four integers.
    pub const WIRE_LEN: u32 = 32 + 4 * 4;

    /// How many hashes a `hashes` reply to this request carries: `count` base-layer hashes plus
    /// one uncle per proof layer, less the `log2(count) - 1` layers that the base hashes already
    /// cover (BEP 52). `None` when `count` is 0 or the total overflows.
    #[must_use]
    pub fn reply_hash_count(&self) -> Option<u32> {
        if self.count == 0 {
            return None;
        }
        let leaf_layers = self.count.checked_next_power_of_two()?.trailing_zeros();
        let covered_layers = leaf_layers.saturating_sub(1);
        let uncles = self.proof_layers.saturating_sub(covered_layers);
        self.count.checked_add(uncles)
    }
}

/// One message of the peer wire protocol (everything after the handshake).
///
/// Piece indices are the peer's raw `u32`s: a [`PieceGeometry`](crate::PieceGeometry) turns them
/// into [`PieceIndex`](lt_core::PieceIndex)es once they are checked against the torrent.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use lt_wire::{BlockRequest, ExtensionIds, Message, MessageDecoder};
///
/// let request = Message::Request(BlockRequest { piece: 1, offset: 0, length: 16384 });
/// let mut wire = Vec::new();
/// request.encode(&ExtensionIds::default(), &mut wire)?;
/// assert_eq!(wire, [0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0]);
///
/// let mut decoder = MessageDecoder::default();
/// let mut inbound = BytesMut::from(&wire[..]);
/// assert_eq!(decoder.decode(&mut inbound)?, Some(request));
/// # Ok::<(), lt_wire::WireError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A zero-length message: the connection is alive.
    KeepAlive,
    /// The sender will not serve our requests.
    Choke,
    /// The sender will serve our requests.
    Unchoke,
    /// The sender wants pieces we have.
    Interested,
    /// The sender wants nothing we have.
    NotInterested,
    /// The sender completed and checked a piece.
    Have {
        /// The piece index.
        piece: u32,
    },
    /// The pieces the sender has: bit `i` (from the high bit of the first byte) is piece `i`.
    /// Its length is checked against the torrent by
    /// [`PieceGeometry::bitfield`](crate::PieceGeometry::bitfield).
    Bitfield(Bytes),
    /// Asks for a block.
    Request(BlockRequest),
    /// A block of piece data. `data` is a slice of the receive buffer, not a copy.
    Piece {
        /// The piece index.
        piece: u32,
        /// The byte offset of the block inside the piece.
        offset: u32,
        /// The block's bytes.
        data: Bytes,
    },
    /// Withdraws a request.
    Cancel(BlockRequest),
    /// The UDP port of the sender's DHT node (BEP 5).
    Port(u16),
    /// The sender suggests downloading this piece from it (BEP 6).
    Suggest {
        /// The piece index.
        piece: u32,
    },
    /// The sender has every piece; replaces `bitfield` (BEP 6).
    HaveAll,
    /// The sender has no piece; replaces `bitfield` (BEP 6).
    HaveNone,
    /// The sender will not serve this request (BEP 6).
    Reject(BlockRequest),
    /// The sender serves requests for this piece even while it chokes us (BEP 6).
    AllowedFast {
        /// The piece index.
        piece: u32,
    },
    /// Asks for merkle tree hashes (BEP 52).
    HashRequest(HashRequest),
    /// Merkle tree hashes answering a `hash request` (BEP 52).
    Hashes {
        /// The request this answers.
        request: HashRequest,
        /// The base-layer hashes followed by the uncle hashes, as BEP 52 orders them.
        hashes: Vec<Sha256Hash>,
    },
    /// The sender will not serve this hash request (BEP 52).
    HashReject(HashRequest),
    /// A message of the extension protocol (BEP 10), id 20.
    Extended(ExtendedMessage),
}

impl Message {
    /// The message's id byte, or `None` for a keep-alive, which has none.
    #[must_use]
    pub fn id(&self) -> Option<MessageId> {
        Some(match self {
            Message::KeepAlive => return None,
            Message::Choke => MessageId::Choke,
            Message::Unchoke => MessageId::Unchoke,
            Message::Interested => MessageId::Interested,
            Message::NotInterested => MessageId::NotInterested,
            Message::Have { .. } => MessageId::Have,
            Message::Bitfield(_) => MessageId::Bitfield,
            Message::Request(_) => MessageId::Request,
            Message::Piece { .. } => MessageId::Piece,
            Message::Cancel(_) => MessageId::Cancel,
            Message::Port(_) => MessageId::Port,
            Message::Suggest { .. } => MessageId::Suggest,
            Message::HaveAll => MessageId::HaveAll,
            Message::HaveNone => MessageId::HaveNone,
            Message::Reject(_) => MessageId::Reject,
            Message::AllowedFast { .. } => MessageId::AllowedFast,
            Message::HashRequest(_) => MessageId::HashRequest,
            Message::Hashes { .. } => MessageId::Hashes,
            Message::HashReject(_) => MessageId::HashReject,
            Message::Extended(_) => MessageId::Extended,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for id in MessageId::ALL {
            assert_eq!(MessageId::from_u8(id.as_u8()), Some(id));
        }
        for raw in [10, 11, 12, 18, 19, 24, 0xff] {
            assert_eq!(MessageId::from_u8(raw), None);
        }
    }

    #[test]
    fn reply_hash_count_follows_bep_52() {
        let request = |count, proof_layers| HashRequest {
            pieces_root: Sha256Hash::default(),
            base_layer: 0,
            index: 0,
            count,
            proof_layers,
        };
        // 512 hashes cover 9 layers; the first 8 proof layers are omitted.
        assert_eq!(request(512, 10).reply_hash_count(), Some(514));
        assert_eq!(request(512, 8).reply_hash_count(), Some(512));
        assert_eq!(request(2, 3).reply_hash_count(), Some(5));
        assert_eq!(request(0, 3).reply_hash_count(), None);
        assert_eq!(request(u32::MAX, 0).reply_hash_count(), None);
    }
}
