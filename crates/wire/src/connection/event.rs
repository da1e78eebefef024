//! What a peer connection reports to its owner, and why it closed.

use bytes::Bytes;
use lt_core::PeerId;

use crate::error::WireError;
use crate::extension::ExtendedHandshake;
use crate::handshake::ReservedBits;
use crate::message::{BlockRequest, Message};
use crate::validate::Block;

/// Something that happened on a [`PeerConnection`](crate::PeerConnection); drain them with
/// [`poll_event`](crate::PeerConnection::poll_event).
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
    /// The peer asks for a block, while we do not choke it.
    Requested(Block),
    /// The peer sent a request outside the torrent (libtorrent's `invalid_request_alert`; the
    /// connection stays up).
    InvalidRequest(BlockRequest),
    /// Any other message, for the owner to act on (have, bitfield, cancel, suggest, extension
    /// messages, …), after the checks the connection makes.
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
        match self {
            DisconnectReason::Error(error) => error.code_name(),
            DisconnectReason::TimedOutNoHandshake => Some("timed_out_no_handshake"),
            DisconnectReason::TimedOutInactivity => Some("timed_out_inactivity"),
            DisconnectReason::Eof | DisconnectReason::Closed => None,
        }
    }
}
