//! What the picker knows per peer: which pieces it has (or that it is a seed), the blocks
//! requested from it, and the pieces it suggested or allowed us while choked (BEP 6).
//!
//! The caller names peers with a [`PeerKey`] of its choosing. Keeping the peer's bitfield here,
//! rather than having the caller pass it to each call, is what lets [`Picker::remove_peer`]
//! undo exactly what the peer added, so the availability counts cannot drift.
//!
//! [`Picker::remove_peer`]: crate::Picker::remove_peer

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use lt_core::{Bitfield, PieceIndex};

use crate::geometry::Block;

/// Suggestions kept per peer; older ones are dropped (libtorrent's `max_suggest_pieces`).
pub(crate) const MAX_SUGGESTED: usize = 16;
/// Allowed-fast pieces kept per peer; more are ignored (a peer cannot make us keep a list the
/// size of the torrent).
pub(crate) const MAX_ALLOWED_FAST: usize = 64;

/// The caller's name for a peer connection: any `u32` it likes, unique among the peers added to
/// one picker at a time (a connection slot or a counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerKey(pub u32);

/// `#n`.
impl fmt::Display for PeerKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "#{}", self.0)
    }
}

/// Which pieces a peer has.
#[derive(Debug, Clone)]
pub(crate) enum PeerHave {
    /// All of them (`have_all`, or a full bitfield): counted in the seed counter, never per
    /// piece.
    Seed,
    /// Those set in `bits`; `count` of them. `bits` is empty until the first piece arrives.
    Pieces { bits: Bitfield, count: u32 },
}

/// One peer.
#[derive(Debug, Clone)]
pub(crate) struct PeerEntry {
    pub(crate) have: PeerHave,
    /// Blocks requested from this peer and not yet received, cancelled or rejected.
    pub(crate) requests: Vec<Block>,
    /// BEP 6 `suggest_piece`, newest last.
    pub(crate) suggested: Vec<PieceIndex>,
    /// BEP 6 `allowed_fast`, in arrival order.
    pub(crate) allowed_fast: Vec<PieceIndex>,
}

impl PeerEntry {
    pub(crate) fn new() -> Self {
        Self {
            have: PeerHave::Pieces {
                bits: Bitfield::new(0),
                count: 0,
            },
            requests: Vec::new(),
            suggested: Vec::new(),
            allowed_fast: Vec::new(),
        }
    }

    /// Whether the peer has `piece`.
    pub(crate) fn has(&self, piece: u32) -> bool {
        match &self.have {
            PeerHave::Seed => true,
            PeerHave::Pieces { bits, .. } => bits.get(piece as usize),
        }
    }

    /// Forgets a request for `block`; returns whether there was one. Blocks usually arrive in
    /// request order, so the search starts at the front.
    pub(crate) fn remove_request(&mut self, block: Block) -> bool {
        match self.requests.iter().position(|&request| request == block) {
            Some(index) => {
                self.requests.remove(index);
                true
            }
            None => false,
        }
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        let bits = match &self.have {
            PeerHave::Seed => 0,
            PeerHave::Pieces { bits, .. } => bits.len().div_ceil(64) * 8,
        };
        bits + self.requests.capacity() * size_of::<Block>()
            + (self.suggested.capacity() + self.allowed_fast.capacity()) * 4
    }
}

/// A multiplicative hash of a [`PeerKey`]: keys are the caller's small integers, not attacker
/// input, and std's default hasher would also bring a random seed the picker must not have.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PeerKeyHasher(u64);

impl Hasher for PeerKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = (self.0 ^ u64::from(value)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
    }
}

/// The peer table.
pub(crate) type PeerMap = HashMap<PeerKey, PeerEntry, BuildHasherDefault<PeerKeyHasher>>;
