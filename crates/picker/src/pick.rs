//! Choosing blocks for a peer: [`Picker::pick`] and its options.
//!
//! Order of preference for an unchoked peer, each step only over pieces the peer has:
//!
//! 1. pieces with a deadline, earliest first;
//! 2. pieces the peer suggested;
//! 3. per priority level, 7 down to 1: partial pieces with free blocks (finishing pieces keeps
//!    their number low), then open pieces, rarest first with a random tie-break (or most
//!    common first, or random while we have fewer than `initial_picker_threshold` pieces);
//!    in sequential mode, level 7 as above and then everything else by index;
//! 4. end-game: duplicate requests for blocks already requested from others (`endgame.rs`).
//!
//! A peer that chokes us is only given pieces from its allowed-fast set.

use lt_core::PieceIndex;

use crate::blocks::BlockState;
use crate::buckets::LEVELS;
use crate::error::PickerError;
use crate::geometry::Block;
use crate::peers::{PeerHave, PeerKey};
use crate::picker::{level_of, Picker};
use crate::piece::{Stage, MAX_PAYLOAD};

/// A peer whose pieces number less than 1/`SPARSE_RATIO` of the ordered pieces is served by
/// walking its bitfield instead of the buckets.
const SPARSE_RATIO: usize = 16;
/// Random probes per level while below `initial_picker_threshold`.
const RANDOM_PROBES: usize = 32;

/// In which order open pieces are taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PickOrder {
    /// Fewest peers first, random among equals (the default).
    #[default]
    RarestFirst,
    /// Most peers first: libtorrent's `reverse` picking, which it uses for snubbed peers so
    /// that their slow requests land on pieces others can easily supply too.
    MostCommonFirst,
    /// Lowest index first (`sequential_download`); priority-7 pieces still come first.
    Sequential,
    /// Highest index first.
    ReverseSequential,
}

/// How to pick for one peer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PickOptions {
    /// The order for open pieces.
    pub order: PickOrder,
    /// Take every free block of each piece picked, even past the number asked for, so that a
    /// fast peer completes pieces on its own (libtorrent's whole-piece mode for peers that
    /// download a piece within `whole_pieces_threshold`).
    pub prefer_whole_pieces: bool,
    /// The peer sent data for a piece that failed its hash check: give it only whole pieces
    /// that no other peer has touched, so a second failure proves it guilty (smart-ban). Such
    /// pieces are reserved for it while it has requests out in them, and it never gets
    /// end-game duplicates.
    pub on_parole: bool,
    /// The peer chokes us: only pieces from its allowed-fast set (BEP 6) may be requested.
    pub choked_by_peer: bool,
}

/// What one [`Picker::pick`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Picked {
    /// Blocks appended to the output, duplicates included.
    pub blocks: usize,
    /// How many of them are end-game duplicates of requests to other peers.
    pub duplicates: usize,
    /// The peer could not be given as many free blocks as asked for because everything it has
    /// is requested already (libtorrent's `peer_info::endgame_mode`).
    pub end_game: bool,
}

/// The running state of one pick.
#[derive(Debug)]
pub(crate) struct Take {
    pub(crate) peer: PeerKey,
    /// Blocks still wanted.
    pub(crate) remaining: usize,
    /// Blocks taken so far.
    pub(crate) picked: usize,
    whole: bool,
    parole: bool,
}

/// Where [`Picker::take_listed`] reads pieces from.
#[derive(Debug, Clone, Copy)]
enum Listed {
    Deadlines,
    Suggested,
    AllowedFast,
}

impl Picker {
    /// Picks up to `want` blocks to request from `peer`, appends them to `out` and marks them
    /// requested by it. In whole-piece and parole mode the last piece is taken whole, so more
    /// than `want` blocks may come back.
    ///
    /// Cost: O(blocks returned) plus the pieces examined: with a random bitfield of density
    /// *d*, about 1/*d* probes per piece; never a pass over all pieces except in sequential
    /// mode, whose walk starts at the first piece we miss.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`].
    ///
    /// # Examples
    /// ```
    /// use lt_core::{Bitfield, PieceIndex};
    /// use lt_picker::{Geometry, PeerKey, PickOptions, PickOrder, Picker, PickerConfig};
    ///
    /// let mut picker = Picker::new(Geometry::new(8 * 16384, 16384)?, PickerConfig::default());
    /// let (a, b) = (PeerKey(1), PeerKey(2));
    /// picker.add_peer(a)?;
    /// picker.add_peer(b)?;
    /// picker.peer_bitfield(a, Bitfield::with_all_set(8))?;
    /// let mut some = Bitfield::new(8);
    /// some.set(5);
    /// picker.peer_bitfield(b, some)?;
    ///
    /// // Piece 5 is the only one two peers have; the others are rarer and go first.
    /// let mut blocks = Vec::new();
    /// let _ = picker.pick(a, 7, PickOptions::default(), &mut blocks)?;
    /// assert!(blocks.iter().all(|block| block.piece != PieceIndex::new(5)));
    ///
    /// let sequential = PickOptions { order: PickOrder::Sequential, ..PickOptions::default() };
    /// blocks.clear();
    /// let _ = picker.pick(b, 1, sequential, &mut blocks)?;
    /// assert_eq!(blocks[0].piece, PieceIndex::new(5));
    /// # Ok::<(), lt_picker::PickerError>(())
    /// ```
    pub fn pick(
        &mut self,
        peer: PeerKey,
        want: usize,
        options: PickOptions,
        out: &mut Vec<Block>,
    ) -> Result<Picked, PickerError> {
        self.peer(peer)?;
        self.counters.picks += 1;
        let mut take = Take {
            peer,
            remaining: want,
            picked: 0,
            whole: options.prefer_whole_pieces || options.on_parole,
            parole: options.on_parole,
        };
        if want == 0 || self.wanted_left == 0 {
            return Ok(Picked::default());
        }
        if options.choked_by_peer {
            self.take_listed(&mut take, Listed::AllowedFast, out);
            return Ok(Picked {
                blocks: take.picked,
                ..Picked::default()
            });
        }
        self.take_listed(&mut take, Listed::Deadlines, out);
        self.take_listed(&mut take, Listed::Suggested, out);
        match options.order {
            PickOrder::Sequential | PickOrder::ReverseSequential => {
                self.take_partials(&mut take, 0, out);
                self.take_open(&mut take, 0, PickOrder::RarestFirst, out);
                let reverse = options.order == PickOrder::ReverseSequential;
                self.take_sequential(&mut take, reverse, out);
            }
            order => {
                let mut sparse = self.sparse_candidates(peer, want, order);
                let mut next_sparse = 0;
                for level in 0..LEVELS {
                    self.take_partials(&mut take, level, out);
                    if let Some(candidates) = &mut sparse {
                        self.take_sparse(&mut take, level, candidates, &mut next_sparse, out);
                    } else {
                        self.take_open(&mut take, level, order, out);
                    }
                }
            }
        }
        let mut picked = Picked {
            blocks: take.picked,
            duplicates: 0,
            end_game: take.remaining > 0,
        };
        if picked.end_game
            && !take.parole
            && (!self.config.strict_end_game || self.free_available() == 0)
        {
            picked.duplicates = self.take_busy(&mut take, out);
            picked.blocks = take.picked;
            self.counters.end_game_picks += 1;
        }
        Ok(picked)
    }

    /// Takes free blocks of `piece` (wanted, the peer has it) for `take.peer`.
    pub(crate) fn take_piece(&mut self, take: &mut Take, piece: u32, out: &mut Vec<Block>) {
        let word = self.pieces[piece as usize];
        if !word.is_wanted() || take.remaining == 0 {
            return;
        }
        let slot = match word.stage() {
            Stage::Open { .. } => match self.start_partial(piece) {
                Some(slot) => {
                    if take.parole {
                        self.partials.record_mut(slot).owner = Some(take.peer);
                    }
                    slot
                }
                None => return,
            },
            Stage::Partial { slot } => {
                let record = self.partials.record(slot);
                if record.free_blocks() == 0
                    || record.owner.is_some_and(|owner| owner != take.peer)
                    || (take.parole && !self.touched_only_by(slot, take.peer))
                {
                    return;
                }
                slot
            }
            Stage::Have { .. } => return,
        };
        let Some(entry) = self.peers.get_mut(&take.peer) else {
            return;
        };
        let (blocks, availability) = {
            let record = self.partials.record(slot);
            (record.blocks, record.availability)
        };
        let mut taken = 0;
        for index in 0..blocks {
            if !take.whole && taken == take.remaining {
                break;
            }
            if self.partials.blocks(slot)[index as usize].state != BlockState::None {
                continue;
            }
            self.partials.add_requester(slot, index, take.peer);
            let block = Block::new(PieceIndex::new(piece), index);
            entry.requests.push(block);
            out.push(block);
            taken += 1;
        }
        take.remaining = take.remaining.saturating_sub(taken);
        take.picked += taken;
        self.add_free(availability, -(taken as i64));
        self.settle_partial(slot);
    }

    /// Whether every block of `slot` that is not free belongs to `peer` alone.
    fn touched_only_by(&self, slot: u32, peer: PeerKey) -> bool {
        self.partials.blocks(slot).iter().all(|block| {
            block.state == BlockState::None || (block.peer == Some(peer) && block.requesters <= 1)
        })
    }

    /// Whether `take.peer` has `piece`.
    fn taker_has(&self, take: &Take, piece: u32) -> bool {
        self.peers
            .get(&take.peer)
            .is_some_and(|entry| entry.has(piece))
    }

    /// Deadline pieces, suggestions or allowed-fast pieces, in list order.
    fn take_listed(&mut self, take: &mut Take, source: Listed, out: &mut Vec<Block>) {
        let mut index = 0;
        while take.remaining > 0 {
            let piece = match source {
                Listed::Deadlines => self.deadlines.get(index).map(|&(_, piece)| piece),
                Listed::Suggested | Listed::AllowedFast => {
                    self.peers.get(&take.peer).and_then(|entry| match source {
                        Listed::Suggested => entry.suggested.get(index).copied(),
                        _ => entry.allowed_fast.get(index).copied(),
                    })
                }
            };
            let Some(piece) = piece else { break };
            index += 1;
            if matches!(source, Listed::Suggested) {
                self.counters.suggest_loops += 1;
            }
            if self.taker_has(take, piece.get()) {
                self.take_piece(take, piece.get(), out);
            }
        }
    }

    /// Partial pieces of `level` with free blocks.
    fn take_partials(&mut self, take: &mut Take, level: usize, out: &mut Vec<Block>) {
        let mut index = 0;
        while take.remaining > 0 {
            let Some(&slot) = self.partials.list(level).get(index) else {
                break;
            };
            self.counters.partial_loops += 1;
            let piece = self.partials.record(slot).piece;
            if self.taker_has(take, piece) {
                self.take_piece(take, piece, out);
            }
            // A piece that became full left the list and another slot took its place.
            if self.partials.list(level).get(index) == Some(&slot) {
                index += 1;
            }
        }
    }

    /// Open pieces of `level`, bucket by bucket.
    fn take_open(&mut self, take: &mut Take, level: usize, order: PickOrder, out: &mut Vec<Block>) {
        if take.remaining == 0 {
            return;
        }
        if order == PickOrder::RarestFirst && self.num_have < self.config.initial_picker_threshold {
            self.take_random(take, level, out);
        }
        let first = u32::from(self.seeds == 0);
        let per_piece = self.geometry.blocks_per_piece() as usize;
        let mut candidates = Vec::new();
        let descending = order == PickOrder::MostCommonFirst;
        let mut next = if descending {
            self.order.next_bucket_down(level, u32::MAX, first)
        } else {
            self.order.next_bucket_up(level, first)
        };
        while let Some(availability) = next {
            next = if descending {
                availability
                    .checked_sub(1)
                    .and_then(|below| self.order.next_bucket_down(level, below, first))
            } else {
                self.order.next_bucket_up(level, availability + 1)
            };
            loop {
                if take.remaining == 0 {
                    return;
                }
                let range = self.order.bucket_range(level, availability);
                let len = range.len();
                if len == 0 {
                    break;
                }
                let need = take.remaining.div_ceil(per_piece);
                let start = self.rng.below(len);
                let mut scanned = 0usize;
                for offset in 0..len {
                    let piece = self.order.piece_at(range.start + (start + offset) % len);
                    scanned += 1;
                    if self.taker_has(take, piece) {
                        candidates.push(piece);
                        if candidates.len() >= need {
                            break;
                        }
                    }
                }
                match order {
                    PickOrder::MostCommonFirst => {
                        self.counters.reverse_rare_loops += scanned as u64
                    }
                    _ => self.counters.rare_loops += scanned as u64,
                }
                let before = take.picked;
                for piece in candidates.drain(..) {
                    self.take_piece(take, piece, out);
                }
                if scanned == len || take.picked == before {
                    break;
                }
            }
        }
    }

    /// Random pieces of `level`, for the first few pieces of a download.
    fn take_random(&mut self, take: &mut Take, level: usize, out: &mut Vec<Block>) {
        for _ in 0..RANDOM_PROBES {
            let range = self.order.level_range(level);
            if take.remaining == 0 || range.is_empty() {
                return;
            }
            self.counters.rand_start_loops += 1;
            let piece = self
                .order
                .piece_at(range.start + self.rng.below(range.len()));
            let available = self.seeds > 0 || self.peer_count(piece) > 0;
            if available && self.taker_has(take, piece) {
                self.take_piece(take, piece, out);
            }
        }
    }

    /// Pieces by index from the first one we miss (or back from the last one).
    fn take_sequential(&mut self, take: &mut Take, reverse: bool, out: &mut Vec<Block>) {
        let mut piece = if reverse {
            self.reverse_cursor
        } else {
            self.cursor
        };
        let num_pieces = self.geometry.num_pieces();
        while take.remaining > 0 {
            if reverse {
                if piece == 0 {
                    break;
                }
                piece -= 1;
            } else if piece >= num_pieces {
                break;
            }
            self.counters.sequential_loops += 1;
            if self.pieces[piece as usize].is_wanted() && self.taker_has(take, piece) {
                self.take_piece(take, piece, out);
            }
            if !reverse {
                piece += 1;
            }
        }
    }

    /// For a peer with few pieces, the best `want` of its open wanted pieces, sorted by
    /// (level, availability, random): O(pieces / 64 + its pieces) instead of a bucket scan
    /// that would mostly probe pieces it lacks.
    fn sparse_candidates(
        &mut self,
        peer: PeerKey,
        want: usize,
        order: PickOrder,
    ) -> Option<Vec<(u64, u32)>> {
        let entry = self.peers.get(&peer)?;
        let PeerHave::Pieces { bits, count } = &entry.have else {
            return None;
        };
        if *count as usize * SPARSE_RATIO >= self.order.ordered_range().len() {
            return None;
        }
        let mut candidates = Vec::new();
        for piece in bits.iter_ones() {
            let word = self.pieces[piece];
            let (Stage::Open { availability }, Some(level)) =
                (word.stage(), level_of(word.priority()))
            else {
                continue;
            };
            if availability == 0 && self.seeds == 0 {
                continue;
            }
            let rank = match order {
                PickOrder::MostCommonFirst => MAX_PAYLOAD - availability,
                _ => availability,
            };
            let key = (level as u64) << 56 | u64::from(rank) << 32 | u64::from(self.rng.next_u32());
            // Lossless: bitfields have one bit per piece, a u32 count.
            candidates.push((key, piece as u32));
        }
        self.counters.rare_loops += *count as u64;
        if want < candidates.len() {
            candidates.select_nth_unstable(want);
            candidates.truncate(want);
        }
        candidates.sort_unstable();
        Some(candidates)
    }

    /// The sparse candidates of `level`.
    fn take_sparse(
        &mut self,
        take: &mut Take,
        level: usize,
        candidates: &[(u64, u32)],
        next: &mut usize,
        out: &mut Vec<Block>,
    ) {
        while let Some(&(key, piece)) = candidates.get(*next) {
            if take.remaining == 0 || (key >> 56) as usize != level {
                return;
            }
            *next += 1;
            self.take_piece(take, piece, out);
        }
    }
}
