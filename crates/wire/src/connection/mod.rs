//! The sans-I/O peer connection: handshakes, choke and interest both ways, the peer's pieces,
//! the fast extension both ways, the request pipeline, the upload side with its send-buffer
//! watermark, ut_metadata, keep-alives and timeouts. Bytes and `now` go in; bytes to send,
//! events and a wake-up time come out.
//!
//! The struct, its getters, the `handle_*` inputs, the `poll_*` outputs and the message
//! dispatch are here; the commands are in `commands.rs`, the peer's pieces and offers in
//! `peer_pieces.rs`, the upload side in `upload.rs`, the timers in `timers.rs`.

mod commands;
mod config;
mod event;
mod our_pieces;
mod peer_pieces;
mod pipeline;
mod rate;
mod send_buffer;
#[cfg(test)]
mod tests;
mod timers;
mod upload;

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use lt_core::{Bitfield, PieceIndex};

pub use self::config::WireConfig;
pub use self::event::{DisconnectReason, WireEvent};
use self::our_pieces::OurPieces;
use self::peer_pieces::{PeerOffers, PeerPieces};
use self::pipeline::Pipeline;
use self::send_buffer::{SendBuffer, TRANSMIT_BATCH_BYTES};
use self::upload::Upload;
use crate::decode::{DecodeLimits, MessageDecoder};
use crate::error::{PeerIncompatible, PeerMisbehaved, WireError};
use crate::extension::{
    serve_metadata_piece, ExtendedHandshake, ExtendedMessage, ExtensionIds, MetadataMessage,
};
use crate::handshake::Handshake;
use crate::message::{Message, MessageId};
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
/// (bytes read, a timer, the end of the stream); commands (`choke`, `request`, `serve`, …); and
/// `poll_*` for what the owner must do next. After each input, drain in this order:
/// [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
/// [`poll_timeout`](Self::poll_timeout). A misbehaving peer ends the connection through
/// [`WireEvent::Closed`], never through an `Err` from `handle_*`.
///
/// Both sides send their handshake at once (the connection is made for a known torrent), then
/// the extension handshake when both set the extension-protocol bit, then `have all`,
/// `have none` or `bitfield` for the pieces given to [`set_our_pieces`](Self::set_our_pieces).
/// The peer's pieces, suggestions and allowed-fast pieces come out as events (and getters);
/// its requests come out as [`WireEvent::Requested`] reads that the owner answers with
/// [`serve`](Self::serve), paced by the send-buffer watermark.
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
    /// `None` while the torrent's metadata is unknown (a magnet link).
    geometry: Option<PieceGeometry>,
    local: Handshake,
    state: State,
    decoder: MessageDecoder,
    send_buffer: SendBuffer,
    events: VecDeque<WireEvent>,
    ours: OurPieces,
    /// Our first piece-set message went out (it follows the extension handshake).
    bitfield_sent: bool,
    peer: PeerPieces,
    offers: PeerOffers,
    /// The peer said `upload_only` (BEP 21).
    peer_upload_only: bool,
    pipeline: Pipeline,
    upload: Upload,
    /// The info dictionary we serve over ut_metadata.
    metadata_source: Option<Bytes>,
    /// ut_metadata pieces we asked the peer for.
    metadata_requests: Vec<u32>,
    peer_address: Option<IpAddr>,
    at_connection_limit: bool,
    am_choking: bool,
    am_interested: bool,
    peer_choking: bool,
    peer_interested: bool,
    snubbed: bool,
    started: Instant,
    /// The latest `now` any input or command gave (for work `poll_transmit` triggers).
    clock: Instant,
    last_received: Instant,
    last_sent: Instant,
    /// When the peer last said `not interested` (the start until then).
    became_uninterested: Instant,
    /// When we last said `not interested` (the start until then).
    became_uninteresting: Instant,
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
        Self::build(config, local, Some(geometry), now)
    }

    /// A connection for a torrent whose metadata we do not have yet (a magnet link): the
    /// peer's piece-set messages, suggestions and allowed-fast pieces are kept until
    /// [`set_metadata`](Self::set_metadata); its requests are rejected; the metadata itself
    /// comes over ut_metadata ([`request_metadata`](Self::request_metadata)).
    #[must_use]
    pub fn without_metadata(config: WireConfig, local: Handshake, now: Instant) -> Self {
        Self::build(config, local, None, now)
    }

    fn build(
        config: WireConfig,
        local: Handshake,
        geometry: Option<PieceGeometry>,
        now: Instant,
    ) -> Self {
        let mut send_buffer = SendBuffer::default();
        local.encode(send_buffer.tail());
        let piece_count = geometry.map(|geometry| geometry.piece_count());
        let pipeline = Pipeline::new(now, config.request_queue_time, config.max_out_request_queue);
        Self {
            geometry,
            local,
            state: State::AwaitHandshake,
            decoder: MessageDecoder::new(DecodeLimits::default(), ExtensionIds::default()),
            send_buffer,
            events: VecDeque::new(),
            ours: OurPieces::new(piece_count.unwrap_or(0)),
            bitfield_sent: false,
            peer: PeerPieces::new(piece_count),
            offers: PeerOffers::new(config.max_suggest_pieces),
            peer_upload_only: false,
            pipeline,
            upload: Upload::new(now),
            metadata_source: None,
            metadata_requests: Vec::new(),
            peer_address: None,
            at_connection_limit: false,
            am_choking: true,
            am_interested: false,
            peer_choking: true,
            peer_interested: false,
            snubbed: false,
            started: now,
            clock: now,
            last_received: now,
            last_sent: now,
            became_uninterested: now,
            became_uninteresting: now,
            config,
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

    /// The torrent's dimensions, once the metadata is known.
    #[must_use]
    pub fn geometry(&self) -> Option<PieceGeometry> {
        self.geometry
    }

    /// Whether both sides set the fast-extension bit (false before the peer's handshake).
    #[must_use]
    pub fn supports_fast(&self) -> bool {
        matches!(&self.state, State::Established(established) if established.fast)
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

    /// The peer's pieces, once the metadata is known.
    #[must_use]
    pub fn peer_pieces(&self) -> Option<&Bitfield> {
        self.peer.bits()
    }

    /// Whether the peer has `piece`.
    #[must_use]
    pub fn peer_has(&self, piece: PieceIndex) -> bool {
        self.peer.has(piece)
    }

    /// Whether the peer has every piece.
    #[must_use]
    pub fn is_peer_seed(&self) -> bool {
        self.peer.is_seed()
    }

    /// Whether the peer will download nothing: a seed, or it said `upload_only`.
    #[must_use]
    pub fn is_peer_upload_only(&self) -> bool {
        self.peer_upload_only || self.peer.is_seed()
    }

    /// The pieces the peer lets us request while it chokes us, in the order it sent them. A
    /// piece leaves the set when the peer rejects a request for it while choking us (libtorrent
    /// does not ask again) or when we announce it.
    pub fn allowed_fast_pieces(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.offers.allowed_fast()
    }

    /// The pieces the peer suggests, newest first (at most `max_suggest_pieces`). A piece
    /// leaves the list when the peer rejects a request for it or when we announce it.
    pub fn suggested_pieces(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.offers.suggested()
    }

    /// The pieces we offered the peer as allowed fast.
    pub fn offered_allowed_fast(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.upload.offered_fast()
    }

    /// The pieces we told the peer we have.
    #[must_use]
    pub fn our_pieces(&self) -> &Bitfield {
        self.ours.bits()
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

    /// The peer's requests we accepted and have not handed out as reads yet.
    #[must_use]
    pub fn upload_queue_len(&self) -> usize {
        self.upload.queued_len()
    }

    /// The reads handed out as [`WireEvent::Requested`] and not yet served.
    #[must_use]
    pub fn pending_reads(&self) -> usize {
        self.upload.reading_len()
    }

    /// The bytes encoded and not yet taken by [`poll_transmit`](Self::poll_transmit).
    #[must_use]
    pub fn send_buffer_len(&self) -> usize {
        self.send_buffer.len()
    }

    /// The send-buffer watermark now: half a second of upload (`send_buffer_watermark_factor`),
    /// between `send_buffer_low_watermark` and `send_buffer_watermark`. Reads are handed out
    /// while the send buffer plus the pending reads stay below it.
    #[must_use]
    pub fn send_buffer_watermark(&self, now: Instant) -> usize {
        self.upload.watermark(now, &self.config)
    }

    /// How many ut_metadata requests we have outstanding with this peer.
    #[must_use]
    pub fn metadata_requests_outstanding(&self) -> usize {
        self.metadata_requests.len()
    }

    // ----- inputs -----

    /// Feeds bytes read from the peer. Every complete message is consumed; a partial one stays
    /// in `inbound` for the next read.
    pub fn handle_read(&mut self, now: Instant, inbound: &mut BytesMut) {
        if self.is_closed() || inbound.is_empty() {
            return;
        }
        self.tick(now);
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

    // ----- poll -----

    /// Moves bytes to send into `out`, topping it up to 64 KiB: what `out` cannot take stays
    /// in the connection's send buffer, which the upload watermark counts. Returns how many
    /// bytes were moved; call again once some of `out` is written.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let moved = self.send_buffer.take_into(out, TRANSMIT_BATCH_BYTES);
        if moved > 0 && !self.is_closed() {
            self.fill_send_buffer(self.clock);
        }
        moved
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<WireEvent> {
        self.events.pop_front()
    }

    // ----- internals -----

    /// Moves the connection's notion of the time forward.
    fn tick(&mut self, now: Instant) {
        self.clock = self.clock.max(now);
    }

    fn established(&self) -> Option<&Established> {
        match &self.state {
            State::Established(established) => Some(established),
            _ => None,
        }
    }

    fn remote_extensions(&self) -> ExtensionIds {
        self.established()
            .map_or(ExtensionIds::none(), |established| {
                established.remote_extensions
            })
    }

    /// Encodes a message that every peer supports.
    fn send_now(&mut self, now: Instant, message: &Message) {
        if self.send(now, message).is_err() {
            debug_assert!(false, "core messages always encode");
        }
    }

    /// Sends a fast-extension message, or nothing without the fast extension.
    fn send_fast(&mut self, now: Instant, message: &Message) {
        if self.supports_fast() {
            self.send_now(now, message);
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
                listen_port: self.config.listen_port,
                max_queued_requests: Some(self.config.max_allowed_in_request_queue),
                your_ip: self.peer_address,
                metadata_size: self.metadata_source.as_ref().map(|info| info.len() as u64),
                ..ExtendedHandshake::default()
            };
            self.decoder.extensions().advertise(&mut ours);
            let message = Message::Extended(ExtendedMessage::Handshake(ours));
            self.send_now(now, &message);
        }
        if let Some(first) = self.ours.first_message(fast) {
            self.send_now(now, &first);
        }
        self.bitfield_sent = true;
    }

    fn on_message(&mut self, now: Instant, message: Message) {
        let Some(established) = self.established() else {
            return;
        };
        let ours = self.local.reserved;
        let uses_v2 = self.config.uses_v2;
        if let Err(error) = check_negotiated(&message, &ours, &established.peer.reserved, uses_v2) {
            return self.close_with(error.into());
        }
        match message {
            Message::KeepAlive => {}
            Message::Choke => self.on_choke(),
            Message::Unchoke => {
                self.peer_choking = false;
                self.events.push_back(WireEvent::Unchoked);
            }
            Message::Interested => self.on_interested(now),
            Message::NotInterested => {
                self.peer_interested = false;
                self.became_uninterested = now;
                self.events.push_back(WireEvent::NotInterested);
            }
            Message::Have { piece } => self.on_have(piece),
            Message::Bitfield(bytes) => self.on_bitfield(bytes),
            Message::HaveAll => self.on_have_all(),
            Message::HaveNone => self.on_have_none(),
            Message::Suggest { piece } => self.on_suggest(piece),
            Message::AllowedFast { piece } => self.on_allowed_fast(piece),
            Message::Piece {
                piece,
                offset,
                data,
            } => self.on_piece(now, piece, offset, data),
            Message::Reject(request) => self.on_reject(request),
            Message::Request(request) => self.on_request(now, request),
            Message::Cancel(request) => self.on_cancel(now, request),
            Message::Extended(message) => self.on_extended(now, message),
            other => self.events.push_back(WireEvent::Message(other)),
        }
    }

    fn on_extended(&mut self, now: Instant, message: ExtendedMessage) {
        match message {
            ExtendedMessage::Handshake(handshake) => {
                if let State::Established(established) = &mut self.state {
                    established.remote_extensions = ExtensionIds::from_handshake(&handshake);
                }
                if let Some(reqq) = handshake.max_queued_requests {
                    self.pipeline
                        .set_peer_limit(usize::try_from(reqq).unwrap_or(usize::MAX));
                }
                self.peer_upload_only = handshake.upload_only;
                self.events
                    .push_back(WireEvent::ExtensionHandshake(handshake));
                self.close_if_redundant();
            }
            ExtendedMessage::Metadata(message) => self.on_metadata_message(now, message),
            ExtendedMessage::DontHave { piece } => self.on_dont_have(piece),
            ExtendedMessage::UploadOnly(upload_only) => {
                self.peer_upload_only = upload_only;
                let message = Message::Extended(ExtendedMessage::UploadOnly(upload_only));
                self.events.push_back(WireEvent::Message(message));
                self.close_if_redundant();
            }
            ExtendedMessage::Unknown { id, .. } => {
                self.close_with(PeerMisbehaved::UnknownExtension { id }.into());
            }
            other => self
                .events
                .push_back(WireEvent::Message(Message::Extended(other))),
        }
    }

    fn on_choke(&mut self) {
        self.peer_choking = true;
        self.events.push_back(WireEvent::Choked);
        if !self.supports_fast() {
            // Without the fast extension a choke drops every request (libtorrent).
            let dropped: Vec<Block> = self.pipeline.drain().collect();
            self.events
                .extend(dropped.into_iter().map(WireEvent::RequestRejected));
        }
    }

    fn on_interested(&mut self, now: Instant) {
        self.offer_allowed_fast(now);
        if !self.peer_interested {
            self.peer_interested = true;
            self.events.push_back(WireEvent::Interested);
        }
    }

    // ----- the download side -----

    fn on_piece(&mut self, now: Instant, piece: u32, offset: u32, data: Bytes) {
        let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let Some(geometry) = self.geometry else {
            let error = PeerMisbehaved::InvalidPiece {
                piece,
                offset,
                length,
            };
            return self.close_with(error.into());
        };
        let block = match geometry.piece_block(piece, offset, length) {
            Ok(block) => block,
            Err(error) => return self.close_with(error.into()),
        };
        if length == 0 {
            // An empty piece is a reject (libtorrent, for BitComet).
            let full = geometry.piece_block(piece, offset, block_length(&geometry, &block));
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

    fn on_reject(&mut self, request: crate::message::BlockRequest) {
        let Some(geometry) = self.geometry else {
            return;
        };
        if let Ok(block) = geometry.block(MessageId::Reject, &request) {
            if self.pipeline.remove(&block) {
                self.events.push_back(WireEvent::RequestRejected(block));
            }
        }
        // libtorrent does not ask again for a piece rejected while it was allowed fast (we
        // are choked) or suggested (we are not).
        if self.peer_choking {
            self.offers.revoke_allowed_fast(request.piece);
        } else {
            self.offers.drop_suggestion(request.piece);
        }
    }

    // ----- ut_metadata -----

    fn on_metadata_message(&mut self, now: Instant, message: MetadataMessage) {
        match message {
            MetadataMessage::Request { piece } => {
                let reply = match &self.metadata_source {
                    Some(info) => serve_metadata_piece(info, piece),
                    None => MetadataMessage::Reject { piece },
                };
                // A peer that did not advertise ut_metadata gets no answer (libtorrent).
                let _ = self.send(now, &Message::Extended(ExtendedMessage::Metadata(reply)));
            }
            MetadataMessage::Data {
                piece,
                total_size,
                data,
            } => {
                if self.take_metadata_request(piece) {
                    self.events.push_back(WireEvent::MetadataPiece {
                        piece,
                        total_size,
                        data,
                    });
                }
            }
            MetadataMessage::Reject { piece } => {
                if self.take_metadata_request(piece) {
                    self.events.push_back(WireEvent::MetadataRejected { piece });
                }
            }
        }
    }

    fn take_metadata_request(&mut self, piece: u32) -> bool {
        let position = self.metadata_requests.iter().position(|p| *p == piece);
        position
            .map(|at| self.metadata_requests.remove(at))
            .is_some()
    }
}

/// The length a full request for the block at `block.offset` has.
fn block_length(geometry: &PieceGeometry, block: &Block) -> u32 {
    geometry
        .piece_size(block.piece)
        .saturating_sub(block.offset)
        .min(lt_core::BLOCK_SIZE)
}
