//! [`Picker::check_invariants`]: recomputes every derived count from scratch and compares. Tests
//! and simulations call it after each step; it is O(pieces × peers) and not for production.

use std::collections::HashMap;

use crate::blocks::BlockState;
use crate::peers::{PeerHave, PeerKey};
use crate::picker::{level_of, Picker};
use crate::piece::Stage;

impl Picker {
    /// Checks that the counters, the bucket order, the download records and the peers' request
    /// lists agree with each other; describes the first disagreement.
    ///
    /// # Errors
    /// A description of what is inconsistent (a bug in this crate).
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        self.order.check(|piece| self.sort_key(piece))?;
        self.partials.check()?;
        self.check_pieces()?;
        self.check_peers()?;
        self.check_counters()
    }

    fn check_pieces(&self) -> Result<(), String> {
        let mut availability = vec![0u32; self.geometry.num_pieces() as usize];
        let mut seeds = 0;
        for entry in self.peers.values() {
            match &entry.have {
                PeerHave::Seed => seeds += 1,
                PeerHave::Pieces { bits, count } => {
                    if bits.count_ones() != *count as usize {
                        return Err("a peer's piece count is off".to_owned());
                    }
                    for piece in bits.iter_ones() {
                        availability[piece] += 1;
                    }
                }
            }
        }
        if seeds != self.seeds {
            return Err(format!("{seeds} seeds, counter says {}", self.seeds));
        }
        for (piece, &expected) in availability.iter().enumerate() {
            // Lossless: piece < num_pieces, a u32.
            let piece = piece as u32;
            let word = self.pieces[piece as usize];
            if self.peer_count(piece) != expected {
                return Err(format!(
                    "piece {piece}: availability {}, peers say {expected}",
                    self.peer_count(piece)
                ));
            }
            if word.is_have() != self.have.get(piece as usize) {
                return Err(format!("piece {piece}: have bit disagrees"));
            }
            if let Stage::Partial { slot } = word.stage() {
                if self.partials.record(slot).piece != piece {
                    return Err(format!("piece {piece}: record {slot} is another piece's"));
                }
                let level = level_of(word.priority())
                    .filter(|_| self.partials.record(slot).free_blocks() > 0);
                if self.partials.listed_level(slot) != level {
                    return Err(format!("piece {piece}: listed on the wrong level"));
                }
            }
            if word.is_have() && word.has_deadline() {
                return Err(format!("piece {piece}: had but has a deadline"));
            }
        }
        let num_pieces = self.geometry.num_pieces() as usize;
        let missing = |range: std::ops::Range<usize>| range.into_iter().any(|p| !self.have.get(p));
        if missing(0..self.cursor as usize) || missing(self.reverse_cursor as usize..num_pieces) {
            return Err("sequential cursors out of place".to_owned());
        }
        let flagged = self
            .pieces
            .iter()
            .filter(|word| word.has_deadline())
            .count();
        if flagged != self.deadlines.len() || !self.deadlines.is_sorted() {
            return Err("deadline list out of step".to_owned());
        }
        Ok(())
    }

    fn check_peers(&self) -> Result<(), String> {
        let mut requests: HashMap<(PeerKey, u32, u32), u32> = HashMap::new();
        for (&key, entry) in &self.peers {
            for block in &entry.requests {
                *requests
                    .entry((key, block.piece.get(), block.index))
                    .or_default() += 1;
            }
        }
        if let Some(((key, piece, block), _)) = requests.iter().find(|(_, &count)| count > 1) {
            return Err(format!("peer {key} lists block {piece}:{block} twice"));
        }
        let mut requesters = 0;
        for slot in self.partials.slots() {
            let record = self.partials.record(slot);
            if let Some(owner) = record.owner.filter(|owner| !self.peers.contains_key(owner)) {
                return Err(format!("piece {} owned by departed {owner}", record.piece));
            }
            for (index, block) in self.partials.blocks(slot).iter().enumerate() {
                // Lossless: at most 65,536 blocks per piece.
                for peer in self.partials.requesters(slot, index as u32) {
                    requesters += 1;
                    if !requests.contains_key(&(peer, record.piece, index as u32)) {
                        return Err(format!(
                            "block {}:{index} requested from {peer}, not in its list",
                            record.piece
                        ));
                    }
                }
                if block.state == BlockState::Requested
                    && !self.pieces[record.piece as usize].is_wanted()
                    && block.requesters == 0
                {
                    return Err("requested block without requesters".to_owned());
                }
            }
        }
        if requesters != requests.len() {
            return Err(format!(
                "{} listed requests, {requesters} requesters in the records",
                requests.len()
            ));
        }
        Ok(())
    }

    fn check_counters(&self) -> Result<(), String> {
        let ours = (
            self.num_have,
            self.wanted_left,
            self.free_blocks,
            self.free_blocks_unavailable,
        );
        let fresh = self.counted();
        if ours != fresh {
            return Err(format!(
                "(have, wanted, free, free unavailable) = {ours:?}, recounted {fresh:?}"
            ));
        }
        Ok(())
    }
}
