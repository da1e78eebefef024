//! The upload side: the peer's requests (checked as libtorrent's `incoming_request` checks
//! them), the queue they wait in, the reads handed to the owner under the send-buffer
//! watermark, the allowed-fast set we offer, cancels, and the rejects a choke sends.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;
use lt_core::{PieceIndex, BLOCK_SIZE};

use super::rate::RateMeter;
use super::{DisconnectReason, PeerConnection, WireConfig, WireEvent};
use crate::error::ApiMisuse;
use crate::fast::allowed_fast_set;
use crate::message::{BlockRequest, Message, MessageId};
use crate::validate::Block;

/// The upload side's state (libtorrent's `m_requests`, `m_reading_bytes`, `m_accept_fast`).
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// Accepted requests not yet handed out as reads, in arrival order.
    queued: VecDeque<Block>,
    /// Reads handed out as [`WireEvent::Requested`] and not yet served.
    reading: Vec<Block>,
    reading_bytes: usize,
    /// The allowed-fast set we offered, with how many blocks of each the peer asked for while
    /// choked.
    offered_fast: Vec<(PieceIndex, u32)>,
    /// We offered (or decided not to offer) the allowed-fast set.
    offered: bool,
    last_choke: Instant,
    last_unchoke: Instant,
    last_request: Instant,
    last_payload: Instant,
    invalid_requests: u32,
    rate: RateMeter,
}

impl Upload {
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            queued: VecDeque::new(),
            reading: Vec::new(),
            reading_bytes: 0,
            offered_fast: Vec::new(),
            offered: false,
            last_choke: now,
            last_unchoke: now,
            last_request: now,
            last_payload: now,
            invalid_requests: 0,
            rate: RateMeter::new(now),
        }
    }

    pub(crate) fn queued_len(&self) -> usize {
        self.queued.len()
    }

    pub(crate) fn reading_len(&self) -> usize {
        self.reading.len()
    }

    pub(crate) fn offered_fast(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.offered_fast.iter().map(|(piece, _)| *piece)
    }

    /// No request waits and no read is out.
    pub(crate) fn is_idle(&self) -> bool {
        self.queued.is_empty() && self.reading.is_empty()
    }

    /// The last time the upload side did something: an unchoke, a request, a read.
    pub(crate) fn last_activity(&self) -> Instant {
        self.last_unchoke
            .max(self.last_request)
            .max(self.last_payload)
    }

    pub(crate) fn on_unchoke(&mut self, now: Instant) {
        self.last_unchoke = now;
    }

    /// libtorrent's `fill_send_buffer` watermark: upload rate × factor / 100, at least the low
    /// watermark and at most the high one.
    pub(crate) fn watermark(&self, now: Instant, config: &WireConfig) -> usize {
        let rate = usize::try_from(self.rate.bytes_per_second(now)).unwrap_or(usize::MAX);
        let by_rate = rate.saturating_mul(config.send_buffer_watermark_factor as usize) / 100;
        by_rate
            .max(config.send_buffer_low_watermark)
            .min(config.send_buffer_watermark)
    }

    fn offered_index(&self, piece: PieceIndex) -> Option<usize> {
        self.offered_fast
            .iter()
            .position(|(offered, _)| *offered == piece)
    }
}

impl PeerConnection {
    // ----- commands -----

    /// Answers a [`WireEvent::Requested`] read with the block's bytes: the `piece` message is
    /// queued and more reads may be handed out. A read the peer no longer wants is dropped.
    ///
    /// # Errors
    /// [`ApiMisuse::BlockNotRequested`] when `block` was not handed out as a read (or was
    /// served already), [`ApiMisuse::BlockDataLength`] when `data` is not `block.length` bytes.
    pub fn serve(&mut self, now: Instant, block: Block, data: Bytes) -> Result<(), ApiMisuse> {
        self.tick(now);
        if self.is_closed() {
            return Ok(());
        }
        if data.len() != block.length as usize {
            return Err(ApiMisuse::BlockDataLength {
                expected: block.length,
                actual: data.len(),
            });
        }
        self.take_read(&block)?;
        let message = Message::Piece {
            piece: block.piece.get(),
            offset: block.offset,
            data,
        };
        self.send_now(now, &message);
        self.upload.rate.record(now, u64::from(block.length));
        self.upload.last_payload = now;
        self.fill_send_buffer(now);
        Ok(())
    }

    /// Gives up on a [`WireEvent::Requested`] read that cannot be served (a disk error): the
    /// peer gets a `reject` (with the fast extension).
    ///
    /// # Errors
    /// [`ApiMisuse::BlockNotRequested`] when `block` was not handed out as a read.
    pub fn reject_request(&mut self, now: Instant, block: Block) -> Result<(), ApiMisuse> {
        self.tick(now);
        if self.is_closed() {
            return Ok(());
        }
        self.take_read(&block)?;
        self.reject(now, block_request(&block));
        self.fill_send_buffer(now);
        Ok(())
    }

    /// A piece we announced predictively failed its hash check: every queued request for it
    /// is rejected and it no longer counts as ours (libtorrent's `reject_piece`). Send
    /// [`dont_have`](Self::dont_have) too if the peer should forget it.
    pub fn reject_piece(&mut self, now: Instant, piece: PieceIndex) {
        self.tick(now);
        if self.is_closed() {
            return;
        }
        self.ours.remove(piece);
        let (rejected, kept): (Vec<Block>, Vec<Block>) = std::mem::take(&mut self.upload.queued)
            .into_iter()
            .partition(|block| block.piece == piece);
        self.upload.queued = kept.into();
        for block in rejected {
            self.reject(now, block_request(&block));
        }
    }

    fn take_read(&mut self, block: &Block) -> Result<(), ApiMisuse> {
        let position = self.upload.reading.iter().position(|read| read == block);
        let Some(position) = position else {
            return Err(ApiMisuse::BlockNotRequested {
                piece: block.piece.get(),
                offset: block.offset,
                length: block.length,
            });
        };
        self.upload.reading.swap_remove(position);
        self.upload.reading_bytes = self
            .upload
            .reading_bytes
            .saturating_sub(block.length as usize);
        Ok(())
    }

    // ----- from the peer -----

    /// libtorrent's `incoming_request`, check for check.
    pub(super) fn on_request(&mut self, now: Instant, request: BlockRequest) {
        let Some(geometry) = self.geometry else {
            // No metadata, no pieces: rejected, not an error.
            return self.reject(now, request);
        };
        if self.upload.queued.len() > self.config.max_allowed_in_request_queue as usize {
            return self.reject(now, request);
        }
        if !self.peer_interested {
            // libtorrent is lenient: a request means interest.
            self.peer_interested = true;
            self.events.push_back(WireEvent::Interested);
        }
        let valid = geometry
            .block(MessageId::Request, &request)
            .ok()
            .filter(|block| self.ours.has(block.piece) || self.ours.is_predictive(block.piece));
        let Some(block) = valid else {
            self.reject(now, request);
            self.upload.invalid_requests = self.upload.invalid_requests.saturating_add(1);
            self.events.push_back(WireEvent::InvalidRequest(request));
            return;
        };
        let offered = self.upload.offered_index(block.piece);
        if self.am_choking {
            match offered {
                Some(index) => {
                    let blocks_per_piece = geometry.piece_length().div_ceil(BLOCK_SIZE);
                    let taken = self.upload.offered_fast.get(index).map_or(0, |(_, n)| *n);
                    if taken >= blocks_per_piece.saturating_mul(3) {
                        return self.close(DisconnectReason::TooManyRequestsWhenChoked);
                    }
                }
                None => {
                    self.reject(now, request);
                    // A request may cross our choke; one sent well after it is abuse.
                    if now > self.upload.last_choke + self.config.choked_request_grace {
                        self.close(DisconnectReason::TooManyRequestsWhenChoked);
                    }
                    return;
                }
            }
        }
        if let Some((_, taken)) = offered.and_then(|index| self.upload.offered_fast.get_mut(index))
        {
            *taken = taken.saturating_add(1);
        }
        self.upload.queued.push_back(block);
        self.upload.last_request = now;
        self.fill_send_buffer(now);
    }

    /// A cancel of a request still in the queue is answered with a reject (libtorrent's
    /// `incoming_cancel`); a read already handed out is served anyway.
    pub(super) fn on_cancel(&mut self, now: Instant, request: BlockRequest) {
        let position = self
            .upload
            .queued
            .iter()
            .position(|block| block_request(block) == request);
        if let Some(position) = position {
            self.upload.queued.remove(position);
            self.reject(now, request);
        }
    }

    /// Hands out reads while the send buffer and the reads in flight stay under the watermark;
    /// requests for a predictive piece wait for it to pass, requests for a piece we lost are
    /// rejected (libtorrent's `fill_send_buffer`).
    pub(super) fn fill_send_buffer(&mut self, now: Instant) {
        let watermark = self.upload.watermark(now, &self.config);
        let mut index = 0;
        while index < self.upload.queued.len()
            && self.send_buffer.len() + self.upload.reading_bytes < watermark
        {
            let Some(block) = self.upload.queued.get(index).copied() else {
                break;
            };
            if !self.ours.has(block.piece) {
                if self.ours.is_predictive(block.piece) {
                    index += 1;
                    continue;
                }
                self.upload.queued.remove(index);
                self.reject(now, block_request(&block));
                continue;
            }
            self.upload.queued.remove(index);
            self.upload.reading.push(block);
            self.upload.reading_bytes += block.length as usize;
            self.upload.last_payload = now;
            self.events.push_back(WireEvent::Requested(block));
        }
    }

    /// Sends our allowed-fast set the first time the peer says it is interested (libtorrent
    /// defers it until then to leave out what the peer has): not to a seed or upload-only
    /// peer, not without the metadata or the peer's address.
    pub(super) fn offer_allowed_fast(&mut self, now: Instant) {
        if self.upload.offered || !self.supports_fast() {
            return;
        }
        self.upload.offered = true;
        let (Some(geometry), Some(address)) = (self.geometry, self.peer_address) else {
            return;
        };
        if self.is_peer_upload_only() {
            return;
        }
        let peer = &self.peer;
        let set = allowed_fast_set(
            address,
            &self.local.info_hash,
            geometry.piece_count(),
            self.config.allowed_fast_set_size,
            |piece| peer.has(PieceIndex::new(piece)),
        );
        for piece in set {
            self.upload.offered_fast.push((PieceIndex::new(piece), 0));
            self.send_now(now, &Message::AllowedFast { piece });
        }
    }

    /// What `choke` does to the upload queue: every queued request is rejected except those
    /// for pieces in the allowed-fast set we offered (libtorrent's `send_choke`).
    pub(super) fn on_choking(&mut self, now: Instant) {
        self.upload.last_choke = now;
        self.upload.invalid_requests = 0;
        let offered: Vec<PieceIndex> = self.upload.offered_fast().collect();
        let (kept, rejected): (Vec<Block>, Vec<Block>) = std::mem::take(&mut self.upload.queued)
            .into_iter()
            .partition(|block| offered.contains(&block.piece));
        self.upload.queued = kept.into();
        for block in rejected {
            self.reject(now, block_request(&block));
        }
    }

    /// A `reject` with the fast extension; without it a request is dropped silently.
    fn reject(&mut self, now: Instant, request: BlockRequest) {
        self.send_fast(now, &Message::Reject(request));
    }
}

pub(super) fn block_request(block: &Block) -> BlockRequest {
    BlockRequest {
        piece: block.piece.get(),
        offset: block.offset,
        length: block.length,
    }
}
