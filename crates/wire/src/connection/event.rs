//! What a peer connection reports to its owner, and why it closed.

use bytes::Bytes;
use lt_core::{Bitfield, PeerId, PieceIndex};

use crate::error::WireError;
use crate::extension::ExtendedHandshake;
use crate::handshake::ReservedBits;
use crate::message::{BlockRequest, Message};
use crate::validate::Block;

/// Something that happened on a [`PeerConnection`](crate::PeerConnection); drain them with
/// [`poll_event`](crate::PeerConnection::poll_event).
///
/// Piece-set events map one to one onto the picker's calls (`peer_has`, `peer_bitfield`,
/// `peer_has_all`, `peer_has_none`, `peer_dont_have`, `peer_suggests`, `peer_allows_fast`).
/// For a torrent without metadata they are held back and come out when
/// [`set_metadata`](crate::PeerConnection::set_metadata) gives the piece count.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireEvent {
    /// The peer's handshake arrived and names our torrent.
    HandshakeReceived {
        /// The peer's id.
        peer_id: PeerId,
        /// The peer's reserved bits.
        reserved: ReservedBits,
    },
    /// The peer's extension handshake arrived (it may send more than one).
    ExtensionHandshake(ExtendedHandshake),
    /// The peer choked us.
    Choked,
    /// The peer unchoked us.
    Unchoked,
    /// The peer became interested in us.
    Interested,
    /// The peer is no longer interested in us.
    NotInterested,
    /// The peer has this piece now (`have`).
    PeerHave(PieceIndex),
    /// The peer's pieces (`bitfield`), unless it has every piece.
    PeerBitfield(Bitfield),
    /// The peer has every piece (`have all`, or a full `bitfield`, as libtorrent counts it).
    PeerHaveAll,
    /// The peer has no piece (`have none`).
    PeerHaveNone,
    /// The peer no longer has this piece (`lt_donthave`).
    PeerDontHave(PieceIndex),
    /// The peer suggests this piece (BEP 6); the latest suggestion is the best.
    Suggested(PieceIndex),
    /// The peer lets us request this piece while it chokes us (BEP 6).
    AllowedFast(PieceIndex),
    /// A block we requested arrived.
    BlockReceived {
        /// The block.
        block: Block,
        /// Its bytes, a slice of the receive buffer.
        data: Bytes,
    },
    /// A valid block arrived that we had not requested (or had given up on).
    UnwantedBlock {
        /// The block.
        block: Block,
        /// Its bytes.
        data: Bytes,
    },
    /// The peer will not serve this request: a `reject`, an empty `piece`, or a choke from a
    /// peer without the fast extension. The block should be requested again elsewhere.
    RequestRejected(Block),
    /// This request went unanswered past the request timeout; it is no longer outstanding.
    RequestTimedOut(Block),
    /// The peer let a request time out (libtorrent's "snubbed"); cleared by the next block.
    Snubbed,
    /// Read this block and hand it to [`serve`](crate::PeerConnection::serve) (or
    /// [`reject_request`](crate::PeerConnection::reject_request) if it cannot be read). Only
    /// as many reads are handed out as keep the send buffer under its watermark; the rest wait
    /// in the connection's upload queue.
    Requested(Block),
    /// The peer sent a request outside the torrent or for a piece we do not have
    /// (libtorrent's `invalid_request_alert`; it is rejected and the connection stays up).
    InvalidRequest(BlockRequest),
    /// A ut_metadata piece we asked for with
    /// [`request_metadata`](crate::PeerConnection::request_metadata); feed it to a
    /// [`MetadataAssembler`](crate::MetadataAssembler).
    MetadataPiece {
        /// The metadata piece index.
        piece: u32,
        /// The `total_size` the peer gave.
        total_size: u64,
        /// The piece's bytes.
        data: Bytes,
    },
    /// The peer will not send this ut_metadata piece.
    MetadataRejected {
        /// The metadata piece index.
        piece: u32,
    },
    /// Any other message, for the owner to act on (port, ut_pex, upload_only, share_mode,
    /// ut_holepunch, hash messages, ignored extension messages), after the checks the
    /// connection makes.
    Message(Message),
    /// The connection is closed; the owner should flush what
    /// [`poll_transmit`](crate::PeerConnection::poll_transmit) still gives and drop it.
    Closed(DisconnectReason),
}

/// Why a connection closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The peer broke the protocol or cannot be used.
    #[error(transparent)]
    Error(#[from] WireError),
    /// The peer did not complete its handshake in time.
    #[error("timed out: no handshake")]
    TimedOutNoHandshake,
    /// The peer said nothing for the inactivity timeout.
    #[error("timed out: inactivity")]
    TimedOutInactivity,
    /// Neither side was interested for the inactivity timeout while the owner was at its
    /// connection limit.
    #[error("timed out: no interest")]
    TimedOutNoInterest,
    /// We seed and unchoked the peer, which asked for nothing for the no-request timeout.
    #[error("timed out: no request")]
    TimedOutNoRequest,
    /// The peer kept requesting pieces after we choked it, or took more than three pieces'
    /// worth of blocks of an allowed-fast piece while choked.
    #[error("too many piece requests while choked")]
    TooManyRequestsWhenChoked,
    /// Both sides are seeds (or upload-only): nothing to exchange.
    #[error("upload to upload connection")]
    UploadUploadConnection,
    /// The peer closed the stream.
    #[error("connection closed by the peer")]
    Eof,
    /// Our owner closed the connection.
    #[error("connection closed")]
    Closed,
}

impl DisconnectReason {
    /// libtorrent's `errors::error_code_enum` name, where it has one.
    #[must_use]
    pub fn code_name(&self) -> Option<&'static str> {
        self.libtorrent_code().map(|(name, _)| name)
    }

    /// libtorrent's value for [`code_name`](Self::code_name).
    #[must_use]
    pub fn code(&self) -> Option<i32> {
        match self {
            DisconnectReason::Error(error) => error.code(),
            _ => self.libtorrent_code().map(|(_, value)| value),
        }
    }

    fn libtorrent_code(&self) -> Option<(&'static str, i32)> {
        Some(match self {
            DisconnectReason::Error(error) => return error.code_name().map(|name| (name, 0)),
            DisconnectReason::UploadUploadConnection => ("upload_upload_connection", 37),
            DisconnectReason::TooManyRequestsWhenChoked => ("too_many_requests_when_choked", 43),
            DisconnectReason::TimedOutNoInterest => ("timed_out_no_interest", 49),
            DisconnectReason::TimedOutInactivity => ("timed_out_inactivity", 50),
            DisconnectReason::TimedOutNoHandshake => ("timed_out_no_handshake", 51),
            DisconnectReason::TimedOutNoRequest => ("timed_out_no_request", 52),
            DisconnectReason::Eof | DisconnectReason::Closed => return None,
        })
    }
}
