//! End-game: once every block of every wanted piece that someone has is requested, idle peers
//! are given duplicate requests for blocks others are still downloading, at most
//! [`PickerConfig::max_block_requesters`] peers per block, never in a piece reserved for a peer
//! on parole (so a hash failure there still names one peer). When a block arrives,
//! [`Picker::block_received`] names the other requesters so the caller can cancel them.
//!
//! [`PickerConfig::max_block_requesters`]: crate::PickerConfig::max_block_requesters

use lt_core::PieceIndex;

use crate::blocks::BlockState;
use crate::geometry::Block;
use crate::pick::Take;
use crate::picker::Picker;

impl Picker {
    /// Whether the torrent is in end-game: pieces are still wanted, but every block of them
    /// that a connected peer could send is requested, being written or done.
    #[must_use]
    pub fn is_end_game(&self) -> bool {
        self.wanted_left > 0 && self.free_available() == 0
    }

    /// Unrequested blocks of wanted pieces that some connected peer has; end-game starts when
    /// this reaches 0.
    #[must_use]
    pub fn num_free_blocks(&self) -> u64 {
        self.free_available()
    }

    /// Duplicate requests for `take.peer`: blocks requested from the fewest other peers first,
    /// while the peer has fewer outstanding requests than `end_game_request_limit`. Returns the
    /// number taken. O(partial pieces × blocks per piece) per block.
    pub(crate) fn take_busy(&mut self, take: &mut Take, out: &mut Vec<Block>) -> usize {
        let cap = self.config.max_block_requesters.max(1);
        let limit = self.config.end_game_request_limit as usize;
        let mut duplicates = 0;
        while take.remaining > 0 {
            let Some(entry) = self.peers.get(&take.peer) else {
                break;
            };
            if entry.requests.len() >= limit {
                break;
            }
            let capacity = self.partials.capacity();
            let start = self.rng.below(capacity);
            let mut best: Option<(u8, u32, u32)> = None;
            for offset in 0..capacity {
                // Lossless: slots are capped below 2^24.
                let slot = ((start + offset) % capacity) as u32;
                if !self.partials.in_use(slot) {
                    continue;
                }
                let record = self.partials.record(slot);
                if record.requested == 0
                    || !self.pieces[record.piece as usize].is_wanted()
                    || !entry.has(record.piece)
                    || record.owner.is_some_and(|owner| owner != take.peer)
                {
                    continue;
                }
                for (index, block) in self.partials.blocks(slot).iter().enumerate() {
                    self.counters.busy_loops += 1;
                    // Lossless: a piece has at most 65,536 blocks.
                    let index = index as u32;
                    if block.state != BlockState::Requested
                        || block.requesters >= cap
                        || best.is_some_and(|(fewest, ..)| block.requesters >= fewest)
                        || self.partials.is_requester(slot, index, take.peer)
                    {
                        continue;
                    }
                    best = Some((block.requesters, slot, index));
                }
            }
            let Some((_, slot, index)) = best else {
                break;
            };
            let piece = self.partials.record(slot).piece;
            self.partials.add_requester(slot, index, take.peer);
            let block = Block::new(PieceIndex::new(piece), index);
            if let Some(entry) = self.peers.get_mut(&take.peer) {
                entry.requests.push(block);
            }
            out.push(block);
            take.remaining -= 1;
            take.picked += 1;
            duplicates += 1;
        }
        duplicates
    }
}
