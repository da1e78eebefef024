//! Errors, grouped by who is at fault: bytes that do not parse ([`InvalidMessage`]), a peer that
//! breaks the protocol or the torrent's bounds ([`PeerMisbehaved`]), a connection that cannot be
//! used ([`PeerIncompatible`]) and our caller's mistakes ([`ApiMisuse`]).
//!
//! Each peer-side error names its libtorrent `errors::error_code_enum` value ([`code_name`],
//! [`code`]) and its message starts with libtorrent's text for that code.
//!
//! [`code_name`]: InvalidMessage::code_name
//! [`code`]: InvalidMessage::code

use crate::extension::ExtensionKind;
use crate::message::{BlockRequest, MessageId};

/// A libtorrent error code: its `errors::error_code_enum` name, value and message.
type Code = (&'static str, i32, &'static str);

/// `code_name()` and `code()` of error types that know their libtorrent code through a
/// `libtorrent_code() -> Code` method.
macro_rules! libtorrent_code_accessors {
    ($($error:ty),+ $(,)?) => {$(
        impl $error {
            /// libtorrent's `errors::error_code_enum` name for this error.
            #[must_use]
            pub fn code_name(&self) -> &'static str {
                self.libtorrent_code().0
            }

            /// libtorrent's numeric value for this error in its error category.
            #[must_use]
            pub fn code(&self) -> i32 {
                self.libtorrent_code().1
            }
        }
    )+};
}
pub(crate) use libtorrent_code_accessors;

libtorrent_code_accessors!(InvalidMessage, PeerMisbehaved, PeerIncompatible);

const PACKET_TOO_LARGE: Code = ("packet_too_large", 81, "packet too large");
const INVALID_MESSAGE: Code = ("invalid_message", 68, "invalid message");
const INVALID_INFO_HASH: Code = ("invalid_info_hash", 39, "invalid info-hash");
const INVALID_PIECE_SIZE: Code = ("invalid_piece_size", 48, "invalid piece size");
const INVALID_EXTENDED: Code = ("invalid_extended", 67, "invalid extended message");
const INVALID_HASHES: Code = ("invalid_hashes", 118, "invalid hashes");
const INVALID_METADATA_MESSAGE: Code =
    ("invalid_metadata_message", 104, "invalid metadata message");
const PEX_MESSAGE_TOO_LARGE: Code = ("pex_message_too_large", 105, "pex message too large");
const INVALID_PEX_MESSAGE: Code = ("invalid_pex_message", 106, "invalid pex message");
const INVALID_BITFIELD_SIZE: Code = ("invalid_bitfield_size", 42, "bitfield of invalid size");
const INVALID_PIECE: Code = ("invalid_piece", 44, "invalid piece packet");
const INVALID_DONT_HAVE: Code = ("invalid_dont_have", 110, "invalid dont-have message");
const METADATA_TOO_LARGE: Code = ("metadata_too_large", 100, "metadata too large");
const INVALID_METADATA_SIZE: Code = ("invalid_metadata_size", 102, "invalid metadata size");
const SELF_CONNECTION: Code = ("self_connection", 47, "connected to ourselves");
const DUPLICATE_PEER_ID: Code = ("duplicate_peer_id", 79, "duplicate peer-id");

/// The code libtorrent disconnects with when a message with this id is malformed or its piece
/// index is out of range.
const fn message_code(id: MessageId) -> Code {
    match id {
        MessageId::Choke => ("invalid_choke", 53, "invalid choke message"),
        MessageId::Unchoke => ("invalid_unchoke", 54, "invalid unchoke message"),
        MessageId::Interested => ("invalid_interested", 55, "invalid interested message"),
        MessageId::NotInterested => (
            "invalid_not_interested",
            56,
            "invalid not-interested message",
        ),
        MessageId::Have => (
            "invalid_have",
            41,
            "'have'-message with higher index than the number of pieces",
        ),
        MessageId::Bitfield => INVALID_BITFIELD_SIZE,
        MessageId::Request => ("invalid_request", 57, "invalid request message"),
        MessageId::Piece => INVALID_PIECE,
        MessageId::Cancel => ("invalid_cancel", 60, "invalid cancel message"),
        MessageId::Port => ("invalid_dht_port", 61, "invalid dht-port message"),
        MessageId::Suggest => ("invalid_suggest", 62, "invalid suggest piece message"),
        MessageId::HaveAll => ("invalid_have_all", 63, "invalid have-all message"),
        MessageId::HaveNone => ("invalid_have_none", 64, "invalid have-none message"),
        MessageId::Reject => ("invalid_reject", 65, "invalid reject message"),
        MessageId::AllowedFast => ("invalid_allow_fast", 66, "invalid allow-fast message"),
        MessageId::Extended => INVALID_EXTENDED,
        MessageId::HashRequest => ("invalid_hash_request", 117, "invalid hash request"),
        MessageId::Hashes => INVALID_HASHES,
        MessageId::HashReject => ("invalid_hash_reject", 119, "invalid hash reject"),
    }
}

/// Any error of this crate.
///
/// [`WireError::code_name`] gives libtorrent's name for it, so callers can report peer errors
/// the way libtorrent's `peer_error_alert` and `peer_disconnected_alert` do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The peer's bytes did not parse.
    #[error(transparent)]
    InvalidMessage(#[from] InvalidMessage),
    /// The peer's message parsed but broke the protocol or the torrent's bounds.
    #[error(transparent)]
    PeerMisbehaved(#[from] PeerMisbehaved),
    /// The connection cannot be used (wrong protocol or torrent, ourselves, a duplicate).
    #[error(transparent)]
    PeerIncompatible(#[from] PeerIncompatible),
    /// Our caller asked for something impossible.
    #[error(transparent)]
    ApiMisuse(#[from] ApiMisuse),
    /// The MSE/PE handshake failed, or the connection's kind is not allowed.
    #[error(transparent)]
    Mse(#[from] crate::mse::MseError),
}

impl WireError {
    /// libtorrent's `errors::error_code_enum` name, e.g. `"packet_too_large"`; `None` for
    /// [`ApiMisuse`], which libtorrent has no code for.
    #[must_use]
    pub fn code_name(&self) -> Option<&'static str> {
        self.libtorrent_code().map(|(name, _, _)| name)
    }

    /// libtorrent's numeric value for [`code_name`](Self::code_name) in its error category.
    #[must_use]
    pub fn code(&self) -> Option<i32> {
        self.libtorrent_code().map(|(_, value, _)| value)
    }

    fn libtorrent_code(&self) -> Option<Code> {
        match self {
            WireError::InvalidMessage(error) => Some(error.libtorrent_code()),
            WireError::PeerMisbehaved(error) => Some(error.libtorrent_code()),
            WireError::PeerIncompatible(error) => Some(error.libtorrent_code()),
            WireError::ApiMisuse(_) => None,
            WireError::Mse(error) => Some((error.code_name(), error.code(), "")),
        }
    }
}

/// The peer's bytes do not form a valid message. The connection cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidMessage {
    /// The length prefix is above the limit (libtorrent: 1 MiB).
    #[error("packet too large (length prefix {length}, limit {limit})")]
    PacketTooLarge {
        /// The announced message length.
        length: u32,
        /// The largest length accepted.
        limit: u32,
    },
    /// A `piece` message carries more than one block.
    #[error("packet too large (piece message with {length} data bytes, limit {limit})")]
    BlockTooLarge {
        /// Data bytes after the 8-byte piece header.
        length: u32,
        /// The largest block accepted (16 KiB).
        limit: u32,
    },
    /// The id byte is not a message libtorrent knows.
    #[error("invalid message (message id {id})")]
    UnknownMessage {
        /// The id byte.
        id: u8,
    },
    /// A message's payload has the wrong size for its id.
    #[error("{} ({message} message with a {length}-byte payload)", length_message(*.message))]
    WrongLength {
        /// The message id.
        message: MessageId,
        /// The payload's length (after the id byte).
        length: u32,
    },
    /// A `hashes` message whose hash list does not fit its header.
    #[error("invalid hashes ({reason})")]
    InvalidHashes {
        /// What is wrong.
        reason: &'static str,
    },
    /// A ut_metadata message is too long, not a dictionary, or lacks `msg_type` or `piece`.
    #[error("invalid metadata message ({reason})")]
    InvalidMetadataMessage {
        /// What is wrong.
        reason: &'static str,
    },
    /// A ut_pex message is above the limit (libtorrent: 500 KiB).
    #[error("pex message too large ({length} bytes, limit {limit})")]
    PexMessageTooLarge {
        /// The message's payload length.
        length: u32,
        /// The largest length accepted.
        limit: u32,
    },
    /// A ut_pex message is not a bencoded dictionary.
    #[error("invalid pex message ({reason})")]
    InvalidPexMessage {
        /// What is wrong.
        reason: &'static str,
    },
}

/// The text for [`InvalidMessage::WrongLength`]: libtorrent's, except for `have`, whose
/// libtorrent text speaks of the index.
fn length_message(message: MessageId) -> &'static str {
    match message {
        MessageId::Have => "invalid have message",
        MessageId::Piece => INVALID_PIECE_SIZE.2,
        other => message_code(other).2,
    }
}

impl InvalidMessage {
    fn libtorrent_code(&self) -> Code {
        match self {
            InvalidMessage::PacketTooLarge { .. } | InvalidMessage::BlockTooLarge { .. } => {
                PACKET_TOO_LARGE
            }
            InvalidMessage::UnknownMessage { .. } => INVALID_MESSAGE,
            InvalidMessage::WrongLength {
                message: MessageId::Piece,
                ..
            } => INVALID_PIECE_SIZE,
            InvalidMessage::WrongLength { message, .. } => message_code(*message),
            InvalidMessage::InvalidHashes { .. } => INVALID_HASHES,
            InvalidMessage::InvalidMetadataMessage { .. } => INVALID_METADATA_MESSAGE,
            InvalidMessage::PexMessageTooLarge { .. } => PEX_MESSAGE_TOO_LARGE,
            InvalidMessage::InvalidPexMessage { .. } => INVALID_PEX_MESSAGE,
        }
    }
}

/// The peer's message parsed but breaks the protocol, the negotiated features or the torrent's
/// bounds. libtorrent disconnects for most; the docs of each variant say where it does not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A piece index is not below the torrent's piece count. libtorrent disconnects for `have`
    /// (`invalid_have`) and ignores it in `suggest`, `allowed fast` and `reject`.
    #[error("{} (piece {piece} in {message} message, torrent has {piece_count} pieces)", message_code(*.message).2)]
    InvalidPieceIndex {
        /// The message that carried the index.
        message: MessageId,
        /// The peer's index.
        piece: u32,
        /// The torrent's piece count.
        piece_count: u32,
    },
    /// An `lt_donthave` piece index is out of range.
    #[error("invalid dont-have message (piece {piece}, torrent has {piece_count} pieces)")]
    InvalidDontHave {
        /// The peer's index.
        piece: u32,
        /// The torrent's piece count.
        piece_count: u32,
    },
    /// A `bitfield` does not have `ceil(piece_count / 8)` bytes.
    #[error("bitfield of invalid size (expected {expected_bytes} bytes, got {actual_bytes})")]
    InvalidBitfieldSize {
        /// The size a bitfield of this torrent has.
        expected_bytes: usize,
        /// The size the peer sent.
        actual_bytes: usize,
    },
    /// A `request`, `cancel` or `reject` names bytes outside its piece, no bytes, or more than
    /// one block. libtorrent reports a bad `request` with `invalid_request_alert` and keeps the
    /// connection.
    #[error(
        "{} (piece {}, offset {}, length {})",
        message_code(*.message).2, .request.piece, .request.offset, .request.length
    )]
    InvalidRequest {
        /// The message that carried the range.
        message: MessageId,
        /// The peer's range.
        request: BlockRequest,
    },
    /// A `piece` message whose block is not one we could have requested: outside the piece, or
    /// not aligned to 16 KiB blocks.
    #[error("invalid piece packet (piece {piece}, offset {offset}, length {length})")]
    InvalidPiece {
        /// The peer's piece index.
        piece: u32,
        /// The peer's offset.
        offset: u32,
        /// The block's length.
        length: u32,
    },
    /// A fast-extension message (BEP 6) from a peer whose handshake did not set the fast bit.
    #[error("{} (fast extension not negotiated)", message_code(*.message).2)]
    FastExtensionNotNegotiated {
        /// The message.
        message: MessageId,
    },
    /// A v2 hash message (BEP 52) on a connection that does not use the v2 protocol.
    #[error("invalid message ({message} without the v2 protocol)")]
    V2NotNegotiated {
        /// The message.
        message: MessageId,
    },
    /// An extension message with an id we did not advertise in our extension handshake.
    #[error("invalid message (extension message id {id} was not advertised)")]
    UnknownExtension {
        /// The extended message id.
        id: u8,
    },
    /// The peer announced metadata (`metadata_size`, `total_size`) above our limit.
    #[error("metadata too large ({size} bytes, limit {limit})")]
    MetadataTooLarge {
        /// The announced size.
        size: u64,
        /// The largest size accepted.
        limit: u64,
    },
    /// The peer announced a metadata size of zero, or changed it between messages.
    #[error("invalid metadata size ({size} bytes)")]
    InvalidMetadataSize {
        /// The announced size.
        size: u64,
    },
}

impl PeerMisbehaved {
    fn libtorrent_code(&self) -> Code {
        match self {
            PeerMisbehaved::InvalidPieceIndex { message, .. }
            | PeerMisbehaved::InvalidRequest { message, .. }
            | PeerMisbehaved::FastExtensionNotNegotiated { message } => message_code(*message),
            PeerMisbehaved::InvalidDontHave { .. } => INVALID_DONT_HAVE,
            PeerMisbehaved::InvalidBitfieldSize { .. } => INVALID_BITFIELD_SIZE,
            PeerMisbehaved::InvalidPiece { .. } => INVALID_PIECE,
            PeerMisbehaved::V2NotNegotiated { .. } | PeerMisbehaved::UnknownExtension { .. } => {
                INVALID_MESSAGE
            }
            PeerMisbehaved::MetadataTooLarge { .. } => METADATA_TOO_LARGE,
            PeerMisbehaved::InvalidMetadataSize { .. } => INVALID_METADATA_SIZE,
        }
    }
}

/// The connection cannot be used, though the peer may be well-behaved: it speaks another
/// protocol, wants a torrent we do not have, is ourselves, or is a peer we already talk to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerIncompatible {
    /// The first bytes are not `\x13BitTorrent protocol` (libtorrent closes an outgoing or
    /// already encrypted connection with `invalid_info_hash`; an incoming one may be MSE).
    #[error("invalid info-hash (not a BitTorrent handshake: byte {offset} differs)")]
    UnknownProtocol {
        /// The first byte that differs from the protocol string.
        offset: usize,
    },
    /// The handshake names a torrent we do not have.
    #[error("invalid info-hash (the peer asked for {info_hash})")]
    UnknownInfoHash {
        /// The info-hash in the peer's handshake.
        info_hash: lt_core::Sha1Hash,
    },
    /// The peer set the v2 upgrade bit for a torrent that has no v2 info-hash.
    #[error("invalid info-hash (the peer claims v2 for a v1-only torrent)")]
    V2ForV1Torrent,
    /// The peer id in the handshake is our own.
    #[error("connected to ourselves")]
    SelfConnection,
    /// We already have a connection to a peer with this id (the session decides which to keep).
    #[error("duplicate peer-id")]
    DuplicatePeerId,
}

impl PeerIncompatible {
    fn libtorrent_code(&self) -> Code {
        match self {
            PeerIncompatible::UnknownProtocol { .. }
            | PeerIncompatible::UnknownInfoHash { .. }
            | PeerIncompatible::V2ForV1Torrent => INVALID_INFO_HASH,
            PeerIncompatible::SelfConnection => SELF_CONNECTION,
            PeerIncompatible::DuplicatePeerId => DUPLICATE_PEER_ID,
        }
    }
}

/// Our caller asked for something the protocol cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// An extension message for an extension the peer did not advertise.
    #[error("the peer does not support the {} extension", .extension.name())]
    ExtensionNotSupported {
        /// The extension.
        extension: ExtensionKind,
    },
    /// A message longer than a 32-bit length prefix can say.
    #[error("message of {length} bytes does not fit the 32-bit length prefix")]
    MessageTooLarge {
        /// The message's length.
        length: usize,
    },
    /// An MSE initial payload longer than `len(IA)` may say (libtorrent reads it as signed).
    #[error("initial payload of {length} bytes, limit {limit}")]
    InitialPayloadTooLarge {
        /// The payload's length.
        length: usize,
        /// The longest accepted.
        limit: usize,
    },
    /// Torrent dimensions that describe no pieces.
    #[error("invalid torrent geometry: {reason}")]
    InvalidGeometry {
        /// What is wrong.
        reason: &'static str,
    },
    /// A request while the peer chokes us, for a piece outside its allowed-fast set.
    #[error("the peer chokes us and piece {piece} is not in its allowed-fast set")]
    NotAllowedFast {
        /// The piece.
        piece: u32,
    },
    /// A command that needs the torrent's metadata, on a connection without it.
    #[error("the torrent's metadata is not known yet")]
    MetadataUnknown,
    /// `set_metadata` on a connection that has the metadata.
    #[error("the torrent's metadata is already known")]
    MetadataKnown,
    /// Our pieces, after the first piece-set message went out.
    #[error("our bitfield was already sent; announce pieces one by one")]
    BitfieldAlreadySent,
    /// Data for a block that is not a pending read of the peer's.
    #[error("block (piece {piece}, offset {offset}, length {length}) is not a pending read")]
    BlockNotRequested {
        /// The piece.
        piece: u32,
        /// The offset in the piece.
        offset: u32,
        /// The block's length.
        length: u32,
    },
    /// Block data of the wrong length.
    #[error("block data of {actual} bytes for a block of {expected}")]
    BlockDataLength {
        /// The block's length.
        expected: u32,
        /// The data's length.
        actual: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_start_with_libtorrents_text() {
        let error = WireError::from(InvalidMessage::PacketTooLarge {
            length: 2_000_000,
            limit: 1 << 20,
        });
        assert_eq!(error.code_name(), Some("packet_too_large"));
        assert_eq!(error.code(), Some(81));
        assert!(error.to_string().starts_with("packet too large"));

        let error = InvalidMessage::WrongLength {
            message: MessageId::Choke,
            length: 3,
        };
        assert_eq!(error.code_name(), "invalid_choke");
        assert_eq!(
            error.to_string(),
            "invalid choke message (choke message with a 3-byte payload)"
        );

        let error = PeerMisbehaved::InvalidBitfieldSize {
            expected_bytes: 2,
            actual_bytes: 1,
        };
        assert_eq!(
            (error.code_name(), error.code()),
            ("invalid_bitfield_size", 42)
        );
        assert!(error.to_string().starts_with("bitfield of invalid size"));
    }

    #[test]
    fn every_message_id_has_a_code() {
        for id in MessageId::ALL {
            let error = InvalidMessage::WrongLength {
                message: id,
                length: 0,
            };
            assert!(error.code_name().starts_with("invalid_"), "{id}");
            assert!(!error.to_string().is_empty());
        }
    }
}
