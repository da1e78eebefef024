//! The sans-I/O peer connection: handshake, choke and interest both ways, the request pipeline,
//! keep-alives and timeouts. Bytes and `now` go in; bytes to send, events and a wake-up time
//! come out.

mod config;
mod event;
mod pipeline;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::BytesMut;

pub use self::config::WireConfig;
pub use self::event::{DisconnectReason, WireEvent};
use self::pipeline::Pipeline;
use crate::decode::{DecodeLimits, MessageDecoder};
use crate::error::{ApiMisuse, PeerIncompatible, WireError};
use crate::extension::{ExtendedHandshake, ExtendedMessage, ExtensionIds};
use crate::handshake::Handshake;
use crate::message::{BlockRequest, Message, MessageId};
use crate::validate::{check_negotiated, Block, PieceGeometry};

/// What we know once the peer's handshake is in.
#[derive(Debug, Clone)]
struct Established {
    peer: Handshake,
    /// Both sides set the fast-extension bit.
    fast: bool,
    /// The ids the peer receives extension messages under.
    remote_extensions: ExtensionIds,
}

#[derive(Debug, Clone)]
enum State {
    AwaitHandshake,
    Established(Box<Established>),
    Closed,
}

/// One peer connection, as a state machine that owns no socket and reads no clock.
///
/// Its methods come in quinn-proto's four kinds: getters; `handle_*(now, …)` for what happened
/// (bytes read, a timer, the end of the stream); commands (`choke`, `request`, …); and `poll_*`
/// for what the owner must do next. After each input, drain in this order:
/// [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
/// [`poll_timeout`](Self::poll_timeout). A misbehaving peer ends the connection through
/// [`WireEvent::Closed`], never through an `Err` from `handle_*`.
///
/// Both sides send their handshake at once (the connection is made for a known torrent), then
/// the extension handshake when both set the extension-protocol bit. Messages the connection
/// does not act on itself reach the owner as [`WireEvent::Message`].
///
/// # Examples
/// ```
/// use std::time::Instant;
/// use bytes::BytesMut;
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_wire::{Handshake, PeerConnection, PieceGeometry, ReservedBits, WireConfig, WireEvent};
///
/// let now = Instant::now();
/// let info_hash = Sha1Hash::from_bytes([1; 20]);
/// let hello = |id| Handshake { reserved: ReservedBits::lt_default(), info_hash, peer_id: PeerId::from_bytes([id; 20]) };
/// let geometry = PieceGeometry::new(1 << 20, 1 << 16)?;
/// let mut a = PeerConnection::new(WireConfig::default(), hello(1), geometry, now);
/// let mut b = PeerConnection::new(WireConfig::default(), hello(2), geometry, now);
///
/// let mut wire = Vec::new();
/// a.poll_transmit(&mut wire);
/// b.handle_read(now, &mut BytesMut::from(&wire[..]));
/// assert!(matches!(b.poll_event(), Some(WireEvent::HandshakeReceived { .. })));
/// # Ok::<(), lt_wire::ApiMisuse>(())
/// ```
#[derive(Debug, Clone)]
pub struct PeerConnection {
    config: WireConfig,
    geometry: PieceGeometry,
    local: Handshake,
    state: State,
    decoder: MessageDecoder,
    outbound: Vec<u8>,
    events: VecDeque<WireEvent>,
    pipeline: Pipeline,
    am_choking: bool,
    am_interested: bool,
    peer_choking: bool,
    peer_interested: bool,
    snubbed: bool,
    started: Instant,
    last_received: Instant,
    last_sent: Instant,
}

impl PeerConnection {
    /// A connection for the torrent of `local`'s info-hash, whose dimensions are `geometry`.
    /// Our handshake is queued at once.
    #[must_use]
    pub fn new(
        config: WireConfig,
        local: Handshake,
        geometry: PieceGeometry,
        now: Instant,
    ) -> Self {
        let mut outbound = Vec::with_capacity(Handshake::LEN);
        local.encode(&mut outbound);
        let pipeline = Pipeline::new(now, config.request_queue_time, config.max_out_request_queue);
        Self {
            config,
            geometry,
            local,
            state: State::AwaitHandshake,
            decoder: MessageDecoder::new(DecodeLimits::default(), ExtensionIds::default()),
            outbound,
            events: VecDeque::new(),
            pipeline,
            am_choking: true,
            am_interested: false,
            peer_choking: true,
            peer_interested: false,
            snubbed: false,
            started: now,
            last_received: now,
            last_sent: now,
        }
    }

    // ----- getters -----

    /// Whether the connection is closed (flush [`poll_transmit`](Self::poll_transmit), then drop).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Whether both handshakes are done.
    #[must_use]
    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Established(_))
    }

    /// Whether we choke the peer.
    #[must_use]
    pub fn am_choking(&self) -> bool {
        self.am_choking
    }

    /// Whether we are interested in the peer.
    #[must_use]
    pub fn am_interested(&self) -> bool {
        self.am_interested
    }

    /// Whether the peer chokes us.
    #[must_use]
    pub fn peer_choking(&self) -> bool {
        self.peer_choking
    }

    /// Whether the peer is interested in us.
    #[must_use]
    pub fn peer_interested(&self) -> bool {
        self.peer_interested
    }

    /// Whether the peer let a request time out and has sent no block since.
    #[must_use]
    pub fn is_snubbed(&self) -> bool {
        self.snubbed
    }

    /// How many of our requests are outstanding.
    #[must_use]
    pub fn outstanding_requests(&self) -> usize {
        self.pipeline.len()
    }

    /// How many requests we want outstanding now: download rate × `request_queue_time` /
    /// 16 KiB, capped by `max_out_request_queue` and the peer's `reqq`.
    #[must_use]
    pub fn queue_target(&self, now: Instant) -> usize {
        self.pipeline.queue_target(now)
    }

    /// How many more requests to make now: the queue target less what is outstanding.
    #[must_use]
    pub fn request_slots(&self, now: Instant) -> usize {
        self.queue_target(now).saturating_sub(self.pipeline.len())
    }

    // ----- inputs -----

    /// Feeds bytes read from the peer. Every complete message is consumed; a partial one stays
    /// in `inbound` for the next read.
    pub fn handle_read(&mut self, now: Instant, inbound: &mut BytesMut) {
        if self.is_closed() || inbound.is_empty() {
            return;
        }
        self.last_received = now;
        if let State::AwaitHandshake = self.state {
            match Handshake::decode(inbound) {
                Ok(Some(peer)) => self.on_handshake(now, peer),
                Ok(None) => return,
                Err(error) => return self.close_with(error.into()),
            }
        }
        while !self.is_closed() {
            match self.decoder.decode(inbound) {
                Ok(Some(message)) => self.on_message(now, message),
                Ok(None) => break,
                Err(error) => self.close_with(error.into()),
            }
        }
    }

    /// The peer closed its end of the stream.
    pub fn handle_eof(&mut self, _now: Instant) {
        self.close(DisconnectReason::Eof);
    }

    /// The time from [`poll_timeout`](Self::poll_timeout) has come; an early call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Closed => return,
            State::AwaitHandshake if now >= self.started + self.config.handshake_timeout => {
                return self.close(DisconnectReason::TimedOutNoHandshake);
            }
            _ => {}
        }
        if now >= self.last_received + self.config.inactivity_timeout {
            return self.close(DisconnectReason::TimedOutInactivity);
        }
        if self.is_established() && now >= self.last_sent + self.config.keepalive_interval {
            self.send_now(now, &Message::KeepAlive);
        }
        if self
            .pipeline
            .oldest()
            .is_some_and(|sent| now >= sent + self.config.request_timeout)
        {
            self.snubbed = true;
            self.events.push_back(WireEvent::Snubbed);
            let timed_out: Vec<Block> = self.pipeline.drain().collect();
            self.events
                .extend(timed_out.into_iter().map(WireEvent::RequestTimedOut));
        }
    }

    // ----- commands -----

    /// Chokes the peer (nothing is sent if we already do).
    pub fn choke(&mut self, now: Instant) {
        if !self.am_choking {
            self.am_choking = true;
            self.send_now(now, &Message::Choke);
        }
    }

    /// Unchokes the peer (nothing is sent if we already do).
    pub fn unchoke(&mut self, now: Instant) {
        if self.am_choking {
            self.am_choking = false;
            self.send_now(now, &Message::Unchoke);
        }
    }

    /// Tells the peer whether we are interested (only a change is sent).
    pub fn set_interested(&mut self, now: Instant, interested: bool) {
        if self.am_interested != interested {
            self.am_interested = interested;
            let message = if interested {
                Message::Interested
            } else {
                Message::NotInterested
            };
            self.send_now(now, &message);
        }
    }

    /// Requests a block; it counts as outstanding until it arrives, is rejected or times out.
    pub fn request(&mut self, now: Instant, block: Block) {
        if self.is_closed() {
            return;
        }
        self.pipeline.push(block, now);
        self.send_now(now, &Message::Request(block_request(&block)));
    }

    /// Withdraws an outstanding request (nothing is sent if it is not outstanding).
    pub fn cancel(&mut self, now: Instant, block: Block) {
        if self.pipeline.remove(&block) {
            self.send_now(now, &Message::Cancel(block_request(&block)));
        }
    }

    /// Sends any message, e.g. `have`, `bitfield` or an extension message.
    ///
    /// # Errors
    /// [`ApiMisuse::ExtensionNotSupported`] for an extension the peer did not advertise.
    pub fn send(&mut self, now: Instant, message: &Message) -> Result<(), ApiMisuse> {
        if self.is_closed() {
            return Ok(());
        }
        let remote = self.remote_extensions();
        message.encode(&remote, &mut self.outbound)?;
        self.last_sent = now;
        Ok(())
    }

    /// Closes the connection; [`WireEvent::Closed`] follows.
    pub fn close_now(&mut self) {
        self.close(DisconnectReason::Closed);
    }

    // ----- poll -----

    /// Appends the bytes to send to `out`; returns how many.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let length = self.outbound.len();
        out.append(&mut self.outbound);
        length
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<WireEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let inactivity = self.last_received + self.config.inactivity_timeout;
        match &self.state {
            State::Closed => None,
            State::AwaitHandshake => {
                Some(inactivity.min(self.started + self.config.handshake_timeout))
            }
            State::Established(_) => {
                let keepalive = self.last_sent + self.config.keepalive_interval;
                let request = self
                    .pipeline
                    .oldest()
                    .map(|sent| sent + self.config.request_timeout);
                Some(
                    request
                        .map_or(inactivity, |at| at.min(inactivity))
                        .min(keepalive),
                )
            }
        }
    }

    // ----- internals -----

    fn remote_extensions(&self) -> ExtensionIds {
        match &self.state {
            State::Established(established) => established.remote_extensions,
            _ => ExtensionIds::none(),
        }
    }

    /// Encodes a message that every peer supports.
    fn send_now(&mut self, now: Instant, message: &Message) {
        if self.send(now, message).is_err() {
            debug_assert!(false, "core messages always encode");
        }
    }

    fn close(&mut self, reason: DisconnectReason) {
        if !self.is_closed() {
            self.state = State::Closed;
            self.events.push_back(WireEvent::Closed(reason));
        }
    }

    fn close_with(&mut self, error: WireError) {
        self.close(DisconnectReason::Error(error));
    }

    fn on_handshake(&mut self, now: Instant, peer: Handshake) {
        if peer.info_hash != self.local.info_hash {
            let error = PeerIncompatible::UnknownInfoHash {
                info_hash: peer.info_hash,
            };
            return self.close_with(error.into());
        }
        if let Err(error) = peer.check_peer_id(&self.local.peer_id) {
            return self.close_with(error.into());
        }
        let fast = self.local.reserved.supports_fast() && peer.reserved.supports_fast();
        let extensions = self.local.reserved.supports_extension_protocol()
            && peer.reserved.supports_extension_protocol();
        self.state = State::Established(Box::new(Established {
            peer,
            fast,
            remote_extensions: ExtensionIds::none(),
        }));
        self.events.push_back(WireEvent::HandshakeReceived {
            peer_id: peer.peer_id,
            reserved: peer.reserved,
        });
        if extensions {
            let mut ours = ExtendedHandshake {
                client: Some(self.config.client_version.clone()),
                max_queued_requests: Some(self.config.max_allowed_in_request_queue),
                ..ExtendedHandshake::default()
            };
            self.decoder.extensions().advertise(&mut ours);
            let message = Message::Extended(ExtendedMessage::Handshake(ours));
            self.send_now(now, &message);
        }
    }

    fn on_message(&mut self, now: Instant, message: Message) {
        let State::Established(established) = &self.state else {
            return;
        };
        let ours = self.local.reserved;
        if let Err(error) = check_negotiated(&message, &ours, &established.peer.reserved, false) {
            return self.close_with(error.into());
        }
        let fast = established.fast;
        match message {
            Message::KeepAlive => {}
            Message::Choke => {
                self.peer_choking = true;
                self.events.push_back(WireEvent::Choked);
                if !fast {
                    // Without the fast extension a choke drops every request (libtorrent).
                    let dropped: Vec<Block> = self.pipeline.drain().collect();
                    self.events
                        .extend(dropped.into_iter().map(WireEvent::RequestRejected));
                }
            }
            Message::Unchoke => {
                self.peer_choking = false;
                self.events.push_back(WireEvent::Unchoked);
            }
            Message::Interested => {
                self.peer_interested = true;
                self.events.push_back(WireEvent::Interested);
            }
            Message::NotInterested => {
                self.peer_interested = false;
                self.events.push_back(WireEvent::NotInterested);
            }
            Message::Piece {
                piece,
                offset,
                data,
            } => self.on_piece(now, piece, offset, data),
            Message::Reject(request) => {
                if let Ok(block) = self.geometry.block(MessageId::Reject, &request) {
                    if self.pipeline.remove(&block) {
                        self.events.push_back(WireEvent::RequestRejected(block));
                    }
                }
            }
            Message::Request(request) => self.on_request(now, fast, request),
            Message::Extended(ExtendedMessage::Handshake(handshake)) => {
                if let State::Established(established) = &mut self.state {
                    established.remote_extensions = ExtensionIds::from_handshake(&handshake);
                }
                if let Some(reqq) = handshake.max_queued_requests {
                    self.pipeline
                        .set_peer_limit(usize::try_from(reqq).unwrap_or(usize::MAX));
                }
                self.events
                    .push_back(WireEvent::ExtensionHandshake(handshake));
            }
            Message::Extended(ExtendedMessage::Unknown { id, .. }) => {
                let error = crate::PeerMisbehaved::UnknownExtension { id };
                self.close_with(error.into());
            }
            other => self.events.push_back(WireEvent::Message(other)),
        }
    }

    fn on_piece(&mut self, now: Instant, piece: u32, offset: u32, data: bytes::Bytes) {
        let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let block = match self.geometry.piece_block(piece, offset, length) {
            Ok(block) => block,
            Err(error) => return self.close_with(error.into()),
        };
        if length == 0 {
            // An empty piece is a reject (libtorrent, for BitComet).
            let full = self
                .geometry
                .piece_block(piece, offset, self.block_length(&block));
            if let Ok(requested) = full {
                if self.pipeline.remove(&requested) {
                    self.events.push_back(WireEvent::RequestRejected(requested));
                }
            }
            return;
        }
        if self.pipeline.complete(&block, now) {
            self.snubbed = false;
            self.events
                .push_back(WireEvent::BlockReceived { block, data });
        } else {
            self.events
                .push_back(WireEvent::UnwantedBlock { block, data });
        }
    }

    /// The length a full request for the block at `block.offset` has.
    fn block_length(&self, block: &Block) -> u32 {
        self.geometry
            .piece_size(block.piece)
            .saturating_sub(block.offset)
            .min(lt_core::BLOCK_SIZE)
    }

    fn on_request(&mut self, now: Instant, fast: bool, request: BlockRequest) {
        let block = match self.geometry.block(MessageId::Request, &request) {
            Ok(block) => block,
            Err(_) => return self.events.push_back(WireEvent::InvalidRequest(request)),
        };
        if self.am_choking {
            // A choked peer's request is rejected with the fast extension, dropped without.
            if fast {
                self.send_now(now, &Message::Reject(request));
            }
            return;
        }
        self.events.push_back(WireEvent::Requested(block));
    }
}

fn block_request(block: &Block) -> BlockRequest {
    BlockRequest {
        piece: block.piece.get(),
        offset: block.offset,
        length: block.length,
    }
}
