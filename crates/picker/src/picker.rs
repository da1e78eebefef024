//! [`Picker`]: the state shared by every concern, its constructor and configuration, and the
//! few transitions (open ⇄ partial → have) the other files build on.
//!
//! The public methods are spread over the files of their concern: `availability.rs` (peers and
//! what they have), `priority.rs` (priorities and deadlines), `pick.rs` and `endgame.rs`
//! (choosing blocks), `events.rs` (requests, arrivals, hash results) and `status.rs` (figures).

use std::time::Instant;

use lt_core::{Bitfield, PieceIndex};

use crate::blocks::Partials;
use crate::buckets::{Order, SortKey, LEVELS};
use crate::error::PickerError;
use crate::geometry::Geometry;
use crate::peers::{PeerEntry, PeerKey, PeerMap};
use crate::piece::{PieceWord, Stage};
use crate::priority::Priority;
use crate::rng::Rng;
use crate::status::PickerCounters;

/// Settings of a [`Picker`]; [`Default`] gives libtorrent's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerConfig {
    /// Seed of the picker's random tie-breaks. The same seed and the same calls give the same
    /// picks; the session should pass a fresh random value per torrent.
    pub seed: u64,
    /// libtorrent's `strict_end_game_mode` (default true): hand out duplicate requests only once
    /// every block of every wanted piece that some peer has is requested. When false, a peer
    /// that found nothing else to request may duplicate right away.
    pub strict_end_game: bool,
    /// The most peers one block is requested from at a time in end-game (default 3).
    pub max_block_requesters: u8,
    /// In end-game, a peer is given a duplicate request only while it has fewer outstanding
    /// requests than this (default 1: libtorrent requests a busy block only from a peer with an
    /// empty queue).
    pub end_game_request_limit: u32,
    /// While we have fewer pieces than this, rarest-first picks random pieces instead
    /// (libtorrent's `initial_picker_threshold`, default 4), to have something to trade sooner.
    pub initial_picker_threshold: u32,
}

impl Default for PickerConfig {
    fn default() -> Self {
        Self {
            seed: 0x6c74_2d70_6963_6b72,
            strict_end_game: true,
            max_block_requesters: 3,
            end_game_request_limit: 1,
            initial_picker_threshold: 4,
        }
    }
}

/// The piece picker of one torrent: which blocks to request from which peer.
///
/// It is a sans-I/O core: it owns no socket, reads no clock (deadlines are `Instant`s from the
/// caller's clock, used only for ordering) and draws random numbers from
/// [`PickerConfig::seed`]. The caller feeds it what peers have ([`peer_has`](Self::peer_has),
/// [`peer_bitfield`](Self::peer_bitfield), …), asks it for blocks ([`pick`](Self::pick)) and
/// reports what happened to them ([`block_received`](Self::block_received),
/// [`piece_passed`](Self::piece_passed), …). Every method checks its indices and returns a
/// [`PickerError`] instead of panicking.
///
/// # Examples
/// ```
/// use lt_core::PieceIndex;
/// use lt_picker::{Block, Geometry, PeerKey, PickOptions, Picker, PickerConfig, Received};
///
/// // 4 pieces of 32 KiB: two blocks each.
/// let mut picker = Picker::new(Geometry::new(4 * 32768, 32768)?, PickerConfig::default());
/// let seed = PeerKey(1);
/// picker.add_peer(seed)?;
/// picker.peer_has_all(seed)?;
///
/// let mut blocks = Vec::new();
/// let picked = picker.pick(seed, 2, PickOptions::default(), &mut blocks)?;
/// assert_eq!(picked.blocks, 2);
/// assert_eq!(blocks[0].piece, blocks[1].piece); // partial pieces are finished first
///
/// for &block in &blocks {
///     // The block arrived; nobody else was asked for it, so there is nothing to cancel.
///     assert_eq!(picker.block_received(seed, block)?, Received::New { cancel: vec![] });
///     picker.block_finished(block)?;
/// }
/// picker.piece_passed(blocks[0].piece)?;
/// assert_eq!(picker.num_have(), 1);
/// # Ok::<(), lt_picker::PickerError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Picker {
    pub(crate) geometry: Geometry,
    pub(crate) config: PickerConfig,
    /// One packed word per piece.
    pub(crate) pieces: Vec<PieceWord>,
    pub(crate) order: Order,
    pub(crate) partials: Partials,
    pub(crate) peers: PeerMap,
    /// Peers that have every piece; never counted per piece.
    pub(crate) seeds: u32,
    pub(crate) have: Bitfield,
    pub(crate) num_have: u32,
    /// Pieces not had with priority above 0.
    pub(crate) wanted_left: u32,
    /// Blocks in state `None` of wanted pieces (whole open pieces included).
    pub(crate) free_blocks: u64,
    /// The part of `free_blocks` in pieces no non-seed peer has.
    pub(crate) free_blocks_unavailable: u64,
    /// Pieces with a deadline, earliest first.
    pub(crate) deadlines: Vec<(Instant, PieceIndex)>,
    /// Every piece below `cursor` is had.
    pub(crate) cursor: u32,
    /// Every piece at or above `reverse_cursor` is had.
    pub(crate) reverse_cursor: u32,
    pub(crate) rng: Rng,
    pub(crate) counters: PickerCounters,
}

/// The ordered-region level of a priority: 7 → 0 … 1 → 6; `None` for 0.
pub(crate) fn level_of(priority: Priority) -> Option<usize> {
    let value = usize::from(priority.get());
    (value > 0).then(|| LEVELS - value)
}

impl Picker {
    /// A picker for a torrent of `geometry` where we have nothing, no peer is known and every
    /// piece has the default priority 4.
    #[must_use]
    pub fn new(geometry: Geometry, config: PickerConfig) -> Self {
        let num_pieces = geometry.num_pieces();
        let mut picker = Self {
            geometry,
            pieces: vec![PieceWord::new(Priority::DEFAULT); num_pieces as usize],
            order: Order::new(num_pieces),
            partials: Partials::new(geometry.blocks_per_piece()),
            peers: PeerMap::default(),
            seeds: 0,
            have: Bitfield::new(num_pieces as usize),
            num_have: 0,
            wanted_left: num_pieces,
            free_blocks: 0,
            free_blocks_unavailable: 0,
            deadlines: Vec::new(),
            cursor: 0,
            reverse_cursor: num_pieces,
            rng: Rng::new(config.seed),
            counters: PickerCounters::default(),
            config,
        };
        picker.recount();
        picker.rebuild_order();
        picker
    }

    /// The torrent's piece and block sizes.
    #[must_use]
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The configuration the picker was made with.
    #[must_use]
    pub fn config(&self) -> &PickerConfig {
        &self.config
    }

    /// Checks a piece index; returns it as a slice index.
    pub(crate) fn check_piece(&self, piece: PieceIndex) -> Result<u32, PickerError> {
        Ok(self.geometry.piece(piece.get())?.get())
    }

    pub(crate) fn peer(&self, key: PeerKey) -> Result<&PeerEntry, PickerError> {
        self.peers.get(&key).ok_or(PickerError::UnknownPeer(key))
    }

    pub(crate) fn peer_mut(&mut self, key: PeerKey) -> Result<&mut PeerEntry, PickerError> {
        self.peers
            .get_mut(&key)
            .ok_or(PickerError::UnknownPeer(key))
    }

    /// Where `piece` belongs in [`Order`]: open pieces of priority 1–7 only.
    pub(crate) fn sort_key(&self, piece: u32) -> SortKey {
        let word = self.pieces[piece as usize];
        match (word.stage(), level_of(word.priority())) {
            (Stage::Open { availability }, Some(level)) => Some((level, availability)),
            _ => None,
        }
    }

    /// How many non-seed peers have `piece`.
    pub(crate) fn peer_count(&self, piece: u32) -> u32 {
        match self.pieces[piece as usize].stage() {
            Stage::Open { availability } | Stage::Have { availability } => availability,
            Stage::Partial { slot } => self.partials.record(slot).availability,
        }
    }

    /// Blocks of `piece` in state `None` (all of them for an open piece).
    pub(crate) fn none_blocks(&self, piece: u32) -> u32 {
        match self.pieces[piece as usize].stage() {
            Stage::Open { .. } => self.geometry.blocks_in(piece),
            Stage::Partial { slot } => self.partials.record(slot).free_blocks(),
            Stage::Have { .. } => 0,
        }
    }

    /// Adds `delta` free blocks of a wanted piece with `peer_count` non-seed peers to the
    /// end-game counters.
    pub(crate) fn add_free(&mut self, peer_count: u32, delta: i64) {
        self.free_blocks = self.free_blocks.saturating_add_signed(delta);
        if peer_count == 0 {
            self.free_blocks_unavailable =
                self.free_blocks_unavailable.saturating_add_signed(delta);
        }
    }

    /// Unrequested blocks of wanted pieces that some connected peer has.
    pub(crate) fn free_available(&self) -> u64 {
        if self.seeds > 0 {
            self.free_blocks
        } else {
            self.free_blocks - self.free_blocks_unavailable
        }
    }

    /// Recomputes the counters (have, wanted, free blocks) from the piece words.
    pub(crate) fn recount(&mut self) {
        (
            self.num_have,
            self.wanted_left,
            self.free_blocks,
            self.free_blocks_unavailable,
        ) = self.counted();
    }

    /// (pieces had, wanted left, free blocks, free blocks nobody has), counted from scratch.
    pub(crate) fn counted(&self) -> (u32, u32, u64, u64) {
        let (mut num_have, mut wanted_left, mut free, mut unavailable) = (0, 0, 0u64, 0u64);
        for piece in 0..self.geometry.num_pieces() {
            let word = self.pieces[piece as usize];
            if word.is_have() {
                num_have += 1;
            } else if word.is_wanted() {
                wanted_left += 1;
                let blocks = u64::from(self.none_blocks(piece));
                free += blocks;
                if self.peer_count(piece) == 0 {
                    unavailable += blocks;
                }
            }
        }
        (num_have, wanted_left, free, unavailable)
    }

    /// Lays the ordered region out again from the piece words.
    pub(crate) fn rebuild_order(&mut self) {
        let keys: Vec<SortKey> = (0..self.geometry.num_pieces())
            .map(|piece| self.sort_key(piece))
            .collect();
        self.order
            .rebuild(|piece| keys[piece as usize], &mut self.rng);
    }

    /// Puts partial `slot` on the list its priority and free blocks call for.
    pub(crate) fn relist(&mut self, slot: u32) {
        let record = self.partials.record(slot);
        let word = self.pieces[record.piece as usize];
        let level = level_of(word.priority()).filter(|_| record.free_blocks() > 0);
        self.partials.set_listing(slot, level);
    }

    /// Turns open `piece` into a partial one; `None` when no record slot is left.
    pub(crate) fn start_partial(&mut self, piece: u32) -> Option<u32> {
        let word = self.pieces[piece as usize];
        let Stage::Open { availability } = word.stage() else {
            return None;
        };
        let blocks = self.geometry.blocks_in(piece);
        let slot = self.partials.allocate(piece, blocks, availability)?;
        if let Some(level) = level_of(word.priority()) {
            self.order.remove(piece, level, availability);
        }
        self.pieces[piece as usize].set_stage(Stage::Partial { slot });
        Some(slot)
    }

    /// After a block of partial `slot` changed: back to open if nothing is left in flight,
    /// otherwise onto the right list.
    pub(crate) fn settle_partial(&mut self, slot: u32) {
        let record = self.partials.record(slot);
        if !record.is_idle() {
            self.relist(slot);
            return;
        }
        let (piece, availability) = (record.piece, record.availability);
        self.partials.release(slot);
        self.pieces[piece as usize].set_stage(Stage::Open { availability });
        if let Some(level) = level_of(self.pieces[piece as usize].priority()) {
            self.order.insert(piece, level, availability);
        }
    }

    /// Moves the sequential cursors past had pieces.
    pub(crate) fn advance_cursors(&mut self) {
        let num_pieces = self.geometry.num_pieces();
        while self.cursor < num_pieces && self.have.get(self.cursor as usize) {
            self.cursor += 1;
        }
        while self.reverse_cursor > 0 && self.have.get(self.reverse_cursor as usize - 1) {
            self.reverse_cursor -= 1;
        }
    }
}
