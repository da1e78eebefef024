//! What the peer says it has (`have`, `bitfield`, `have all`, `have none`, `lt_donthave`) and
//! what it offers (`allowed fast`, `suggest`), including what arrives before the torrent's
//! metadata, which is kept and applied once the piece count is known (libtorrent does the same:
//! `allowed_fast_survives_metadata`, `suggested_piece_survives_metadata`).

use std::collections::VecDeque;

use bytes::Bytes;
use lt_core::{Bitfield, PieceIndex};

use super::{DisconnectReason, PeerConnection, WireEvent};
use crate::message::MessageId;

/// How many `have`s we keep for a peer while the piece count is unknown.
const MAX_PENDING_HAVES: usize = 1 << 16;

/// How many `allowed fast` pieces we keep from one peer.
const MAX_ALLOWED_FAST: usize = 64;

/// A piece-set message that arrived before the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    Bitfield(Bytes),
    HaveAll,
    HaveNone,
    Have(u32),
}

/// The peer's pieces.
#[derive(Debug, Clone)]
pub(crate) enum PeerPieces {
    /// No metadata yet: the messages to apply once it arrives. A `bitfield`, `have all` or
    /// `have none` replaces everything before it.
    Pending(Vec<Pending>),
    /// One bit per piece.
    Known {
        bits: Bitfield,
        /// A `bitfield`, `have all` or `have none` arrived (libtorrent's `m_bitfield_received`).
        received: bool,
    },
}

impl PeerPieces {
    /// Nothing known, for a torrent of `piece_count` pieces (or of unknown size).
    pub(crate) fn new(piece_count: Option<u32>) -> Self {
        match piece_count {
            Some(count) => PeerPieces::Known {
                bits: Bitfield::new(count as usize),
                received: false,
            },
            None => PeerPieces::Pending(Vec::new()),
        }
    }

    /// Remembers a message that needs the piece count (past `MAX_PENDING_HAVES` distinct
    /// `have`s, more are dropped).
    pub(crate) fn defer(&mut self, message: Pending) {
        let PeerPieces::Pending(pending) = self else {
            return;
        };
        match message {
            Pending::Have(piece) => {
                let known = pending.contains(&Pending::Have(piece));
                if !known && pending.len() < MAX_PENDING_HAVES {
                    pending.push(Pending::Have(piece));
                }
            }
            base => {
                pending.clear();
                pending.push(base);
            }
        }
    }

    /// Switches to one bit per piece and returns the deferred messages, in order.
    pub(crate) fn resolve(&mut self, piece_count: u32) -> Vec<Pending> {
        let previous = std::mem::replace(self, PeerPieces::new(Some(piece_count)));
        match previous {
            PeerPieces::Pending(pending) => pending,
            PeerPieces::Known { .. } => Vec::new(),
        }
    }

    /// The bits, once the piece count is known.
    pub(crate) fn bits(&self) -> Option<&Bitfield> {
        match self {
            PeerPieces::Known { bits, .. } => Some(bits),
            PeerPieces::Pending(_) => None,
        }
    }

    /// Whether the peer has `piece` (false while the piece count is unknown).
    pub(crate) fn has(&self, piece: PieceIndex) -> bool {
        self.bits().is_some_and(|bits| bits.get(piece.as_usize()))
    }

    /// Whether the peer has every piece.
    pub(crate) fn is_seed(&self) -> bool {
        match self {
            PeerPieces::Known { bits, received } => *received && bits.all_set(),
            PeerPieces::Pending(pending) => pending.first() == Some(&Pending::HaveAll),
        }
    }

    /// Replaces the set (`bitfield`, `have all`, `have none`).
    pub(crate) fn replace(&mut self, new_bits: Bitfield) {
        if let PeerPieces::Known { bits, received } = self {
            *bits = new_bits;
            *received = true;
        }
    }

    /// Adds a piece; `true` if the peer did not have it.
    pub(crate) fn add(&mut self, piece: PieceIndex) -> bool {
        let PeerPieces::Known { bits, received } = self else {
            return false;
        };
        // A `have` before any bitfield means the bitfield was omitted: have none (libtorrent).
        *received = true;
        let new = !bits.get(piece.as_usize());
        bits.set(piece.as_usize());
        new
    }

    /// Removes a piece; `true` if the peer had it.
    pub(crate) fn remove(&mut self, piece: PieceIndex) -> bool {
        let PeerPieces::Known { bits, .. } = self else {
            return false;
        };
        let had = bits.get(piece.as_usize());
        bits.clear_bit(piece.as_usize());
        had
    }
}

/// The pieces the peer lets us request while it chokes us, and the pieces it suggests (newest
/// first, as libtorrent's picker prefers the latest suggestion). Before the metadata they are
/// raw indices, checked once the piece count is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerOffers {
    allowed_fast: Vec<u32>,
    suggested: VecDeque<u32>,
    max_suggested: usize,
}

impl PeerOffers {
    pub(crate) fn new(max_suggested: usize) -> Self {
        Self {
            max_suggested,
            ..Self::default()
        }
    }

    /// Adds an allowed-fast piece; `true` if it is new.
    pub(crate) fn allow_fast(&mut self, piece: u32) -> bool {
        if self.allowed_fast.contains(&piece) || self.allowed_fast.len() >= MAX_ALLOWED_FAST {
            return false;
        }
        self.allowed_fast.push(piece);
        true
    }

    /// Adds a suggestion at the front, dropping the oldest past the limit; `true` if new.
    pub(crate) fn suggest(&mut self, piece: u32) -> bool {
        if self.max_suggested == 0 {
            return false;
        }
        let new = !self.suggested.contains(&piece);
        self.suggested.retain(|suggested| *suggested != piece);
        self.suggested.truncate(self.max_suggested - 1);
        self.suggested.push_front(piece);
        new
    }

    pub(crate) fn is_allowed_fast(&self, piece: u32) -> bool {
        self.allowed_fast.contains(&piece)
    }

    pub(crate) fn allowed_fast(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.allowed_fast
            .iter()
            .map(|piece| PieceIndex::new(*piece))
    }

    pub(crate) fn suggested(&self) -> impl Iterator<Item = PieceIndex> + '_ {
        self.suggested.iter().map(|piece| PieceIndex::new(*piece))
    }

    /// Forgets `piece` in the allowed-fast set (it was rejected while we were choked).
    pub(crate) fn revoke_allowed_fast(&mut self, piece: u32) {
        self.allowed_fast.retain(|allowed| *allowed != piece);
    }

    /// Forgets a suggestion (rejected, or we have the piece now).
    pub(crate) fn drop_suggestion(&mut self, piece: u32) {
        self.suggested.retain(|suggested| *suggested != piece);
    }

    /// Drops what is out of range now that the piece count is known, and returns what is left,
    /// oldest first: allowed-fast pieces, then suggestions.
    pub(crate) fn resolve(&mut self, piece_count: u32) -> (Vec<u32>, Vec<u32>) {
        self.allowed_fast.retain(|piece| *piece < piece_count);
        self.suggested.retain(|piece| *piece < piece_count);
        let suggested = self.suggested.iter().rev().copied().collect();
        (self.allowed_fast.clone(), suggested)
    }
}

/// The peer's piece-set and fast-extension messages, as the connection handles them.
impl PeerConnection {
    pub(super) fn on_have(&mut self, piece: u32) {
        let Some(geometry) = self.geometry else {
            return self.peer.defer(Pending::Have(piece));
        };
        match geometry.piece_index(MessageId::Have, piece) {
            Ok(piece) => {
                if self.peer.add(piece) {
                    self.events.push_back(WireEvent::PeerHave(piece));
                    self.close_if_redundant();
                }
            }
            Err(error) => self.close_with(error.into()),
        }
    }

    pub(super) fn on_bitfield(&mut self, bytes: Bytes) {
        let Some(geometry) = self.geometry else {
            return self.peer.defer(Pending::Bitfield(bytes));
        };
        match geometry.bitfield(&bytes) {
            Ok(bits) if bits.all_set() => self.on_have_all(),
            Ok(bits) => {
                self.peer.replace(bits.clone());
                self.events.push_back(WireEvent::PeerBitfield(bits));
            }
            Err(error) => self.close_with(error.into()),
        }
    }

    pub(super) fn on_have_all(&mut self) {
        let Some(geometry) = self.geometry else {
            return self.peer.defer(Pending::HaveAll);
        };
        let all = Bitfield::with_all_set(geometry.piece_count() as usize);
        self.peer.replace(all);
        self.events.push_back(WireEvent::PeerHaveAll);
        self.close_if_redundant();
    }

    pub(super) fn on_have_none(&mut self) {
        let Some(geometry) = self.geometry else {
            return self.peer.defer(Pending::HaveNone);
        };
        self.peer
            .replace(Bitfield::new(geometry.piece_count() as usize));
        self.events.push_back(WireEvent::PeerHaveNone);
    }

    pub(super) fn on_dont_have(&mut self, piece: u32) {
        // Out of range, or before the metadata: ignored, as libtorrent's first check does.
        let Some(piece) = self.piece_in_range(piece) else {
            return;
        };
        if self.peer.remove(piece) {
            self.events.push_back(WireEvent::PeerDontHave(piece));
        }
    }

    /// `piece` as a [`PieceIndex`] if the metadata is known and it is in range.
    pub(super) fn piece_in_range(&self, piece: u32) -> Option<PieceIndex> {
        let geometry = self.geometry?;
        (piece < geometry.piece_count()).then(|| PieceIndex::new(piece))
    }

    pub(super) fn on_suggest(&mut self, piece: u32) {
        // libtorrent reads the index as signed and ignores a negative one, an out-of-range one
        // and one for a piece we have.
        if i32::try_from(piece).is_err() {
            return;
        }
        if self.geometry.is_none() {
            self.offers.suggest(piece);
            return;
        }
        let Some(index) = self.piece_in_range(piece) else {
            return;
        };
        if !self.ours.has(index) {
            self.offers.suggest(piece);
            self.events.push_back(WireEvent::Suggested(index));
        }
    }

    pub(super) fn on_allowed_fast(&mut self, piece: u32) {
        if i32::try_from(piece).is_err() {
            return;
        }
        if self.geometry.is_none() {
            self.offers.allow_fast(piece);
            return;
        }
        let Some(index) = self.piece_in_range(piece) else {
            return;
        };
        if !self.ours.has(index) && self.offers.allow_fast(piece) {
            self.events.push_back(WireEvent::AllowedFast(index));
        }
    }

    /// Applies what arrived before the metadata, now that the piece count is known.
    pub(super) fn resolve_pending(&mut self, piece_count: u32) {
        for pending in self.peer.resolve(piece_count) {
            if self.is_closed() {
                return;
            }
            match pending {
                Pending::Bitfield(bytes) => self.on_bitfield(bytes),
                Pending::HaveAll => self.on_have_all(),
                Pending::HaveNone => self.on_have_none(),
                // libtorrent grows its bitfield for early `have`s and cuts it to the piece
                // count once it knows it, dropping what is out of range.
                Pending::Have(piece) if piece < piece_count => self.on_have(piece),
                Pending::Have(_) => {}
            }
        }
        let (allowed_fast, suggested) = self.offers.resolve(piece_count);
        for piece in allowed_fast {
            self.events
                .push_back(WireEvent::AllowedFast(PieceIndex::new(piece)));
        }
        for piece in suggested {
            self.events
                .push_back(WireEvent::Suggested(PieceIndex::new(piece)));
        }
    }

    /// libtorrent's `disconnect_if_redundant`: two seeds have nothing to exchange.
    pub(super) fn close_if_redundant(&mut self) {
        if self.config.close_redundant_connections
            && self.geometry.is_some()
            && self.ours.is_seed()
            && self.is_peer_upload_only()
        {
            self.close(DisconnectReason::UploadUploadConnection);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_messages_collapse_to_the_last_base_and_its_haves() {
        let mut pieces = PeerPieces::new(None);
        pieces.defer(Pending::Have(3));
        pieces.defer(Pending::HaveAll);
        pieces.defer(Pending::Have(1));
        pieces.defer(Pending::Have(1));
        assert!(pieces.is_seed());
        assert_eq!(pieces.resolve(8), [Pending::HaveAll, Pending::Have(1)]);
        assert!(!pieces.is_seed(), "nothing applied yet");
        assert_eq!(pieces.bits().map(Bitfield::len), Some(8));
    }

    #[test]
    fn suggestions_are_newest_first_and_bounded() {
        let mut offers = PeerOffers::new(3);
        for piece in [0, 1, 2, 3, 1] {
            offers.suggest(piece);
        }
        let order: Vec<u32> = offers.suggested().map(PieceIndex::get).collect();
        assert_eq!(order, [1, 3, 2]);
        offers.drop_suggestion(3);
        assert_eq!(offers.resolve(2), (vec![], vec![1]));
    }
}
