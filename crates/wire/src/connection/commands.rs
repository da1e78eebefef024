//! The commands an owner gives a connection: choke and interest, requests and cancels, what we
//! have, suggestions, metadata, and raw messages. (Serving requests is in `upload.rs`.)

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use lt_core::{Bitfield, PieceIndex};

use super::upload::block_request;
use super::{DisconnectReason, PeerConnection};
use crate::error::ApiMisuse;
use crate::extension::{ExtendedMessage, MetadataMessage};
use crate::message::Message;
use crate::validate::{Block, PieceGeometry};

impl PeerConnection {
    /// Chokes the peer (nothing is sent if we already do). Queued requests are rejected, except
    /// those for pieces of the allowed-fast set we offered; reads already handed out are still
    /// served.
    pub fn choke(&mut self, now: Instant) {
        self.tick(now);
        if !self.am_choking && !self.is_closed() {
            self.am_choking = true;
            self.send_now(now, &Message::Choke);
            self.on_choking(now);
        }
    }

    /// Unchokes the peer (nothing is sent if we already do).
    pub fn unchoke(&mut self, now: Instant) {
        self.tick(now);
        if self.am_choking && !self.is_closed() {
            self.am_choking = false;
            self.send_now(now, &Message::Unchoke);
            self.upload.on_unchoke(now);
            self.fill_send_buffer(now);
        }
    }

    /// Tells the peer whether we are interested (only a change is sent).
    pub fn set_interested(&mut self, now: Instant, interested: bool) {
        self.tick(now);
        if self.am_interested != interested && !self.is_closed() {
            self.am_interested = interested;
            let message = if interested {
                Message::Interested
            } else {
                self.became_uninteresting = now;
                Message::NotInterested
            };
            self.send_now(now, &message);
        }
    }

    /// Requests a block; it counts as outstanding until it arrives, is rejected or times out.
    /// While the peer chokes us only pieces of its allowed-fast set may be requested.
    ///
    /// # Errors
    /// [`ApiMisuse::MetadataUnknown`] before [`set_metadata`](Self::set_metadata),
    /// [`ApiMisuse::NotAllowedFast`] when the peer chokes us and the piece is not in its
    /// allowed-fast set.
    pub fn request(&mut self, now: Instant, block: Block) -> Result<(), ApiMisuse> {
        self.tick(now);
        if self.is_closed() {
            return Ok(());
        }
        if self.geometry.is_none() {
            return Err(ApiMisuse::MetadataUnknown);
        }
        if self.peer_choking && !self.offers.is_allowed_fast(block.piece.get()) {
            return Err(ApiMisuse::NotAllowedFast {
                piece: block.piece.get(),
            });
        }
        self.pipeline.push(block, now);
        self.send_now(now, &Message::Request(block_request(&block)));
        Ok(())
    }

    /// Withdraws an outstanding request (nothing is sent if it is not outstanding).
    pub fn cancel(&mut self, now: Instant, block: Block) {
        self.tick(now);
        if self.pipeline.remove(&block) {
            self.send_now(now, &Message::Cancel(block_request(&block)));
        }
    }

    /// Sends any message as it is, e.g. a ut_pex message or a `port`. Prefer the commands for
    /// what they cover (`have`, `bitfield`, `piece`, …): they keep the connection's state.
    ///
    /// # Errors
    /// [`ApiMisuse::ExtensionNotSupported`] for an extension the peer did not advertise.
    pub fn send(&mut self, now: Instant, message: &Message) -> Result<(), ApiMisuse> {
        self.tick(now);
        if self.is_closed() {
            return Ok(());
        }
        let remote = self.remote_extensions();
        message.encode(&remote, self.send_buffer.tail())?;
        self.last_sent = now;
        Ok(())
    }

    /// Closes the connection; [`WireEvent::Closed`](super::WireEvent::Closed) follows.
    pub fn close_now(&mut self) {
        self.close(DisconnectReason::Closed);
    }

    // ----- our pieces -----

    /// The pieces we have, told to the peer right after the handshakes: `have all` or
    /// `have none` with the fast extension, else a `bitfield` (nothing when we have none).
    ///
    /// # Errors
    /// [`ApiMisuse::BitfieldAlreadySent`] once the peer's handshake was processed (announce
    /// pieces one by one after that), [`ApiMisuse::MetadataUnknown`] without the metadata,
    /// [`ApiMisuse::InvalidGeometry`] when `pieces` is not one bit per piece.
    pub fn set_our_pieces(&mut self, pieces: Bitfield) -> Result<(), ApiMisuse> {
        if self.bitfield_sent {
            return Err(ApiMisuse::BitfieldAlreadySent);
        }
        let geometry = self.geometry.ok_or(ApiMisuse::MetadataUnknown)?;
        if pieces.len() != geometry.piece_count() as usize {
            return Err(ApiMisuse::InvalidGeometry {
                reason: "the bitfield does not have one bit per piece",
            });
        }
        self.ours.set(pieces);
        Ok(())
    }

    /// We have `piece` now and it passed its hash check: `have` is sent, requests for it can be
    /// served, and it leaves the peer's suggested and allowed-fast lists.
    pub fn announce_piece(&mut self, now: Instant, piece: PieceIndex) {
        self.tick(now);
        if self.is_closed() || !self.is_in_range(piece) {
            return;
        }
        self.ours.add(piece);
        self.offers.drop_suggestion(piece.get());
        self.offers.revoke_allowed_fast(piece.get());
        if self.bitfield_sent {
            self.send_now(now, &Message::Have { piece: piece.get() });
        }
        self.close_if_redundant();
        self.fill_send_buffer(now);
    }

    /// Announces `piece` before its hash check (libtorrent's predictive piece announce):
    /// `have` is sent, the peer's requests for it are accepted but held until
    /// [`announce_piece`](Self::announce_piece) or rejected by
    /// [`reject_piece`](Self::reject_piece).
    pub fn announce_predictive_piece(&mut self, now: Instant, piece: PieceIndex) {
        self.tick(now);
        if self.is_closed() || !self.is_in_range(piece) || self.ours.has(piece) {
            return;
        }
        self.ours.add_predictive(piece);
        if self.bitfield_sent {
            self.send_now(now, &Message::Have { piece: piece.get() });
        }
    }

    /// We no longer have `piece`: `lt_donthave` is sent when the peer supports it, and its
    /// requests for the piece are rejected from now on.
    pub fn dont_have(&mut self, now: Instant, piece: PieceIndex) {
        self.tick(now);
        if self.is_closed() || !self.is_in_range(piece) {
            return;
        }
        self.reject_piece(now, piece);
        let message = Message::Extended(ExtendedMessage::DontHave { piece: piece.get() });
        // Without lt_donthave the peer just gets rejects.
        let _ = self.send(now, &message);
    }

    /// Suggests a piece to the peer (BEP 6; nothing is sent without the fast extension).
    pub fn suggest_piece(&mut self, now: Instant, piece: PieceIndex) {
        self.tick(now);
        if self.is_in_range(piece) {
            self.send_fast(now, &Message::Suggest { piece: piece.get() });
        }
    }

    fn is_in_range(&self, piece: PieceIndex) -> bool {
        self.geometry
            .is_some_and(|geometry| piece.get() < geometry.piece_count())
    }

    // ----- metadata -----

    /// The metadata arrived (for a connection made
    /// [`without_metadata`](Self::without_metadata)): what the peer said about its pieces,
    /// suggestions and allowed-fast pieces is checked against the piece count and comes out
    /// as events. A bitfield of the wrong size closes the connection (`invalid_bitfield_size`);
    /// early `have`s out of range are dropped.
    ///
    /// # Errors
    /// [`ApiMisuse::MetadataKnown`] when the connection already has it.
    pub fn set_metadata(&mut self, now: Instant, geometry: PieceGeometry) -> Result<(), ApiMisuse> {
        self.tick(now);
        if self.geometry.is_some() {
            return Err(ApiMisuse::MetadataKnown);
        }
        self.geometry = Some(geometry);
        self.ours = super::OurPieces::new(geometry.piece_count());
        self.resolve_pending(geometry.piece_count());
        Ok(())
    }

    /// The info dictionary to serve over ut_metadata (BEP 9). Set it before the peer's
    /// handshake arrives to advertise its size in our extension handshake; until it is set,
    /// metadata requests are rejected.
    pub fn set_metadata_source(&mut self, info: Bytes) {
        self.metadata_source = Some(info);
    }

    /// Asks the peer for a ut_metadata piece; the answer comes as
    /// [`WireEvent::MetadataPiece`](super::WireEvent::MetadataPiece) or
    /// [`WireEvent::MetadataRejected`](super::WireEvent::MetadataRejected). libtorrent keeps at
    /// most two such requests outstanding per peer
    /// ([`metadata_requests_outstanding`](Self::metadata_requests_outstanding)).
    ///
    /// # Errors
    /// [`ApiMisuse::ExtensionNotSupported`] when the peer did not advertise ut_metadata.
    pub fn request_metadata(&mut self, now: Instant, piece: u32) -> Result<(), ApiMisuse> {
        let request = MetadataMessage::Request { piece };
        self.send(now, &Message::Extended(ExtendedMessage::Metadata(request)))?;
        if !self.is_closed() && !self.metadata_requests.contains(&piece) {
            self.metadata_requests.push(piece);
        }
        Ok(())
    }

    // ----- context -----

    /// The peer's IP address: it seeds the allowed-fast set we offer (BEP 6) and is sent back
    /// as `yourip`. Without it we offer no allowed-fast pieces.
    pub fn set_peer_address(&mut self, address: IpAddr) {
        self.peer_address = Some(address);
    }

    /// Whether the owner is at its connection limit: then a connection where neither side was
    /// interested for `inactivity_timeout` closes with `timed_out_no_interest` (libtorrent only
    /// drops such peers when it needs the slot).
    pub fn set_at_connection_limit(&mut self, at_limit: bool) {
        self.at_connection_limit = at_limit;
    }
}
