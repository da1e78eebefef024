//! Peers and what they have: `have`, `bitfield`, `have_all`, `have_none`, `lt_donthave`,
//! suggestions and allowed-fast pieces, and peers leaving.
//!
//! A change in a piece's availability moves it one bucket in [`Order`](crate::buckets::Order):
//! one swap. Seeds (`have_all`, or a bitfield or run of `have`s that completes) are only
//! counted in [`Picker::num_seeds`]; connecting or dropping one touches no piece.

use std::mem;

use lt_core::{Bitfield, PieceIndex};

use crate::error::PickerError;
use crate::geometry::Block;
use crate::peers::{PeerEntry, PeerHave, PeerKey, MAX_ALLOWED_FAST, MAX_SUGGESTED};
use crate::picker::{level_of, Picker};
use crate::piece::{Stage, MAX_PAYLOAD};

impl Picker {
    /// Starts tracking peer `key`, which has no pieces yet.
    ///
    /// # Errors
    /// [`PickerError::DuplicatePeer`] if `key` is in use; [`PickerError::TooManyPeers`] past
    /// 2^24 − 1 peers.
    pub fn add_peer(&mut self, key: PeerKey) -> Result<(), PickerError> {
        if self.peers.contains_key(&key) {
            return Err(PickerError::DuplicatePeer(key));
        }
        if self.peers.len() >= MAX_PAYLOAD as usize {
            return Err(PickerError::TooManyPeers);
        }
        self.peers.insert(key, PeerEntry::new());
        Ok(())
    }

    /// The peer is gone: its outstanding requests are released (their blocks can be picked
    /// again), what it had no longer counts, and pieces it held alone on parole are freed.
    /// O(its pieces + its requests); O(its requests) for a seed.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn remove_peer(&mut self, key: PeerKey) -> Result<(), PickerError> {
        let entry = self
            .peers
            .remove(&key)
            .ok_or(PickerError::UnknownPeer(key))?;
        for &block in &entry.requests {
            self.drop_request(key, block);
        }
        let owned: Vec<u32> = self
            .partials
            .slots()
            .filter(|&slot| self.partials.record(slot).owner == Some(key))
            .collect();
        for slot in owned {
            self.partials.record_mut(slot).owner = None;
        }
        self.forget_have(entry.have);
        Ok(())
    }

    /// The peer announced `piece` (`have`). Announcing a piece twice is harmless. A peer whose
    /// `have`s complete the torrent becomes a seed (one O(pieces) pass).
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], [`PickerError::PieceOutOfRange`].
    pub fn peer_has(&mut self, key: PeerKey, piece: PieceIndex) -> Result<(), PickerError> {
        let piece = self.check_piece(piece)?;
        let num_pieces = self.geometry.num_pieces();
        let entry = self.peer_mut(key)?;
        let PeerHave::Pieces { bits, count } = &mut entry.have else {
            return Ok(());
        };
        if bits.len() != num_pieces as usize {
            bits.resize(num_pieces as usize);
        }
        if bits.get(piece as usize) {
            return Ok(());
        }
        bits.set(piece as usize);
        *count += 1;
        let complete = *count == num_pieces;
        self.increment(piece);
        if complete {
            self.peer_has_all(key)?;
        }
        Ok(())
    }

    /// The peer no longer has `piece` (`lt_donthave`). A seed stops being one (one O(pieces)
    /// pass).
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], [`PickerError::PieceOutOfRange`].
    pub fn peer_dont_have(&mut self, key: PeerKey, piece: PieceIndex) -> Result<(), PickerError> {
        let piece = self.check_piece(piece)?;
        let num_pieces = self.geometry.num_pieces() as usize;
        if matches!(self.peer(key)?.have, PeerHave::Seed) {
            let mut bits = Bitfield::with_all_set(num_pieces);
            bits.clear_bit(piece as usize);
            return self.set_have(key, bits);
        }
        let entry = self.peer_mut(key)?;
        let PeerHave::Pieces { bits, count } = &mut entry.have else {
            return Ok(());
        };
        if !bits.get(piece as usize) {
            return Ok(());
        }
        bits.clear_bit(piece as usize);
        *count -= 1;
        self.decrement(piece);
        Ok(())
    }

    /// The peer's `bitfield` message; replaces whatever it had announced. A full bitfield makes
    /// it a seed, counted without touching any piece.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`]; [`PickerError::BitfieldSize`] unless `bits` has one bit
    /// per piece.
    pub fn peer_bitfield(&mut self, key: PeerKey, bits: Bitfield) -> Result<(), PickerError> {
        let num_pieces = self.geometry.num_pieces();
        if bits.len() != num_pieces as usize {
            return Err(PickerError::BitfieldSize {
                got: bits.len(),
                expected: num_pieces,
            });
        }
        self.set_have(key, bits)
    }

    /// The peer has every piece (`have_all`, BEP 6): it is counted as a seed. O(1) for a peer
    /// that had announced nothing.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn peer_has_all(&mut self, key: PeerKey) -> Result<(), PickerError> {
        let entry = self.peer_mut(key)?;
        let old = mem::replace(&mut entry.have, PeerHave::Seed);
        self.seeds += 1;
        self.forget_have(old);
        Ok(())
    }

    /// The peer has no piece (`have_none`, BEP 6); replaces whatever it had announced.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn peer_has_none(&mut self, key: PeerKey) -> Result<(), PickerError> {
        self.set_have(key, Bitfield::new(0))
    }

    /// The peer suggests `piece` (`suggest_piece`, BEP 6). Suggested pieces the peer has are
    /// picked right after deadline pieces; the newest 16 are kept.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], [`PickerError::PieceOutOfRange`].
    pub fn peer_suggests(&mut self, key: PeerKey, piece: PieceIndex) -> Result<(), PickerError> {
        self.check_piece(piece)?;
        let suggested = &mut self.peer_mut(key)?.suggested;
        if !suggested.contains(&piece) {
            if suggested.len() == MAX_SUGGESTED {
                suggested.remove(0);
            }
            suggested.push(piece);
        }
        Ok(())
    }

    /// The peer lets us request `piece` while it chokes us (`allowed_fast`, BEP 6). The first
    /// 64 are kept.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], [`PickerError::PieceOutOfRange`].
    pub fn peer_allows_fast(&mut self, key: PeerKey, piece: PieceIndex) -> Result<(), PickerError> {
        self.check_piece(piece)?;
        let allowed = &mut self.peer_mut(key)?.allowed_fast;
        if !allowed.contains(&piece) && allowed.len() < MAX_ALLOWED_FAST {
            allowed.push(piece);
        }
        Ok(())
    }

    /// Whether the peer has `piece`.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], [`PickerError::PieceOutOfRange`].
    pub fn peer_has_piece(&self, key: PeerKey, piece: PieceIndex) -> Result<bool, PickerError> {
        let piece = self.check_piece(piece)?;
        Ok(self.peer(key)?.has(piece))
    }

    /// Whether the peer is counted as a seed.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn is_peer_seed(&self, key: PeerKey) -> Result<bool, PickerError> {
        Ok(matches!(self.peer(key)?.have, PeerHave::Seed))
    }

    /// Whether the peer has a piece we want and don't have: whether to be interested in it.
    /// O(1) for a seed, O(its pieces) otherwise.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn is_interesting(&self, key: PeerKey) -> Result<bool, PickerError> {
        Ok(match &self.peer(key)?.have {
            PeerHave::Seed => self.wanted_left > 0,
            PeerHave::Pieces { bits, .. } => {
                bits.iter_ones().any(|piece| self.pieces[piece].is_wanted())
            }
        })
    }

    /// The blocks requested from the peer and not yet received, cancelled or rejected, oldest
    /// first.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    pub fn peer_requests(&self, key: PeerKey) -> Result<&[Block], PickerError> {
        Ok(&self.peer(key)?.requests)
    }

    /// Replaces what the peer has with `bits` (a seed when all are set).
    fn set_have(&mut self, key: PeerKey, bits: Bitfield) -> Result<(), PickerError> {
        self.peer(key)?;
        let num_pieces = self.geometry.num_pieces() as usize;
        if bits.len() == num_pieces && bits.all_set() {
            return self.peer_has_all(key);
        }
        let count = bits.count_ones() as u32;
        for piece in bits.iter_ones() {
            // Lossless: a bitfield longer than u32::MAX pieces was rejected above.
            self.increment(piece as u32);
        }
        let entry = self.peer_mut(key)?;
        let old = mem::replace(&mut entry.have, PeerHave::Pieces { bits, count });
        self.forget_have(old);
        Ok(())
    }

    /// Takes back the availability `have` added.
    fn forget_have(&mut self, have: PeerHave) {
        match have {
            PeerHave::Seed => self.seeds -= 1,
            PeerHave::Pieces { bits, .. } => {
                for piece in bits.iter_ones() {
                    self.decrement(piece as u32);
                }
            }
        }
    }

    /// One more non-seed peer has `piece`.
    pub(crate) fn increment(&mut self, piece: u32) {
        let word = self.pieces[piece as usize];
        let (availability, free) = match word.stage() {
            Stage::Open { availability } => {
                if let Some(level) = level_of(word.priority()) {
                    self.order.increment(piece, level, availability);
                }
                self.pieces[piece as usize].set_stage(Stage::Open {
                    availability: availability + 1,
                });
                (availability, self.geometry.blocks_in(piece))
            }
            Stage::Partial { slot } => {
                let record = self.partials.record_mut(slot);
                record.availability += 1;
                (record.availability - 1, record.free_blocks())
            }
            Stage::Have { availability } => {
                self.pieces[piece as usize].set_stage(Stage::Have {
                    availability: availability + 1,
                });
                return;
            }
        };
        if availability == 0 && word.is_wanted() {
            self.free_blocks_unavailable -= u64::from(free);
        }
    }

    /// One fewer non-seed peer has `piece`.
    pub(crate) fn decrement(&mut self, piece: u32) {
        let word = self.pieces[piece as usize];
        let (availability, free) = match word.stage() {
            Stage::Open { availability } if availability > 0 => {
                if let Some(level) = level_of(word.priority()) {
                    self.order.decrement(piece, level, availability);
                }
                self.pieces[piece as usize].set_stage(Stage::Open {
                    availability: availability - 1,
                });
                (availability, self.geometry.blocks_in(piece))
            }
            Stage::Partial { slot } if self.partials.record(slot).availability > 0 => {
                let record = self.partials.record_mut(slot);
                record.availability -= 1;
                (record.availability + 1, record.free_blocks())
            }
            Stage::Have { availability } if availability > 0 => {
                self.pieces[piece as usize].set_stage(Stage::Have {
                    availability: availability - 1,
                });
                return;
            }
            // Unreachable while the counts are consistent: every decrement undoes an increment.
            _ => return,
        };
        if availability == 1 && word.is_wanted() {
            self.free_blocks_unavailable += u64::from(free);
        }
    }
}
