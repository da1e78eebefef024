//! What happened to requested blocks and finished pieces: requests made, cancelled or
//! rejected, blocks received and written, hash checks passed and failed.
//!
//! Block life: `None` → `Requested` (by one peer, or several in end-game) → `Writing` (received,
//! at the disk layer) → `Finished` (on disk). A piece whose blocks are all finished is hashed
//! by the caller, then [`Picker::piece_passed`] or [`Picker::piece_failed`].

use lt_core::PieceIndex;

use crate::blocks::BlockState;
use crate::error::PickerError;
use crate::geometry::Block;
use crate::peers::PeerKey;
use crate::picker::{level_of, Picker};
use crate::piece::Stage;

/// What [`Picker::block_received`] made of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Received {
    /// The block is new; it is now `Writing`. `cancel` lists the other peers it was requested
    /// from (end-game): send them `cancel`. Their requests are already forgotten.
    New {
        /// Peers to send a `cancel` for this block.
        cancel: Vec<PeerKey>,
    },
    /// The block was received before, or its piece is had: its bytes are wasted (libtorrent's
    /// `total_redundant_bytes`).
    Redundant,
}

impl Picker {
    /// Records a request for `block` sent to `peer` outside [`pick`](Self::pick) (a re-request,
    /// or a deliberate duplicate). A block already written or finished is refused; a had piece
    /// is ignored.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`], index errors, and [`PickerError::BlockTransition`] for a
    /// block past `Requested`.
    pub fn mark_requested(&mut self, peer: PeerKey, block: Block) -> Result<(), PickerError> {
        let block = self.geometry.check_block(block)?;
        self.peer(peer)?;
        let piece = block.piece.get();
        let word = self.pieces[piece as usize];
        let slot = match word.stage() {
            Stage::Have { .. } => return Ok(()),
            Stage::Partial { slot } => slot,
            Stage::Open { .. } => match self.start_partial(piece) {
                Some(slot) => slot,
                None => return Ok(()),
            },
        };
        let state = self.partials.blocks(slot)[block.index as usize].state;
        match state {
            BlockState::Writing | BlockState::Finished => {
                return Err(PickerError::BlockTransition {
                    piece: block.piece,
                    block: block.index,
                    state,
                    wanted: BlockState::Requested,
                });
            }
            BlockState::Requested if self.partials.is_requester(slot, block.index, peer) => {
                return Ok(());
            }
            BlockState::Requested => {}
            BlockState::None => {
                if word.is_wanted() {
                    let availability = self.partials.record(slot).availability;
                    self.add_free(availability, -1);
                }
            }
        }
        self.partials.add_requester(slot, block.index, peer);
        self.peer_mut(peer)?.requests.push(block);
        self.settle_partial(slot);
        Ok(())
    }

    /// The request for `block` to `peer` is gone: we cancelled it, it timed out, the peer
    /// rejected it or choked us. The block can be picked again unless someone else has it
    /// requested. Returns whether there was such a request.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`] and index errors.
    pub fn cancel_request(&mut self, peer: PeerKey, block: Block) -> Result<bool, PickerError> {
        let block = self.geometry.check_block(block)?;
        let listed = self.peer_mut(peer)?.remove_request(block);
        let dropped = self.drop_request(peer, block);
        Ok(listed || dropped)
    }

    /// `peer` sent `block`. A new block becomes `Writing` and the answer names the other peers
    /// it was requested from; a block already received, or of a had piece, is
    /// [`Received::Redundant`]. Unrequested blocks are accepted.
    ///
    /// # Errors
    /// [`PickerError::UnknownPeer`] and index errors.
    pub fn block_received(&mut self, peer: PeerKey, block: Block) -> Result<Received, PickerError> {
        let block = self.geometry.check_block(block)?;
        self.peer_mut(peer)?.remove_request(block);
        let piece = block.piece.get();
        let word = self.pieces[piece as usize];
        let slot = match word.stage() {
            Stage::Have { .. } => return Ok(Received::Redundant),
            Stage::Partial { slot } => slot,
            Stage::Open { .. } => match self.start_partial(piece) {
                Some(slot) => slot,
                None => return Ok(Received::Redundant),
            },
        };
        let cancel = match self.partials.blocks(slot)[block.index as usize].state {
            BlockState::Writing | BlockState::Finished => return Ok(Received::Redundant),
            BlockState::None => {
                if word.is_wanted() {
                    let availability = self.partials.record(slot).availability;
                    self.add_free(availability, -1);
                }
                Vec::new()
            }
            BlockState::Requested => {
                let mut others = self.partials.requesters(slot, block.index);
                others.retain(|&other| other != peer);
                for other in &others {
                    if let Some(entry) = self.peers.get_mut(other) {
                        entry.remove_request(block);
                    }
                }
                others
            }
        };
        self.partials
            .set_state(slot, block.index, BlockState::Writing, Some(peer));
        self.settle_partial(slot);
        Ok(Received::New { cancel })
    }

    /// `block` is on disk. Returns whether every block of its piece is now finished, so the
    /// piece can be hash-checked. Also restores finished blocks from resume data (a `None`
    /// block may be finished directly).
    ///
    /// # Errors
    /// Index errors, and [`PickerError::BlockTransition`] for a block only requested.
    pub fn block_finished(&mut self, block: Block) -> Result<bool, PickerError> {
        let block = self.geometry.check_block(block)?;
        let piece = block.piece.get();
        let word = self.pieces[piece as usize];
        let slot = match word.stage() {
            Stage::Have { .. } => return Ok(false),
            Stage::Partial { slot } => slot,
            Stage::Open { .. } => match self.start_partial(piece) {
                Some(slot) => slot,
                None => return Ok(false),
            },
        };
        let entry = self.partials.blocks(slot)[block.index as usize];
        match entry.state {
            BlockState::Requested => {
                return Err(PickerError::BlockTransition {
                    piece: block.piece,
                    block: block.index,
                    state: entry.state,
                    wanted: BlockState::Finished,
                });
            }
            BlockState::None => {
                if word.is_wanted() {
                    let availability = self.partials.record(slot).availability;
                    self.add_free(availability, -1);
                }
            }
            BlockState::Writing | BlockState::Finished => {}
        }
        self.partials
            .set_state(slot, block.index, BlockState::Finished, entry.peer);
        let record = self.partials.record(slot);
        let complete = record.finished == record.blocks;
        self.settle_partial(slot);
        Ok(complete)
    }

    /// Writing `block` to disk failed: it is `None` again and will be requested anew.
    ///
    /// # Errors
    /// Index errors, and [`PickerError::BlockTransition`] unless the block is `Writing`.
    pub fn write_failed(&mut self, block: Block) -> Result<(), PickerError> {
        let block = self.geometry.check_block(block)?;
        let piece = block.piece.get();
        let word = self.pieces[piece as usize];
        let transition = |state| PickerError::BlockTransition {
            piece: block.piece,
            block: block.index,
            state,
            wanted: BlockState::None,
        };
        let Stage::Partial { slot } = word.stage() else {
            return Err(transition(if word.is_have() {
                BlockState::Finished
            } else {
                BlockState::None
            }));
        };
        let state = self.partials.blocks(slot)[block.index as usize].state;
        if state != BlockState::Writing {
            return Err(transition(state));
        }
        self.partials
            .set_state(slot, block.index, BlockState::None, None);
        if word.is_wanted() {
            let availability = self.partials.record(slot).availability;
            self.add_free(availability, 1);
        }
        self.settle_partial(slot);
        Ok(())
    }

    /// `piece` passed its hash check (or was found on disk): it is had. Requests still out for
    /// its blocks are forgotten and returned, to be cancelled.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_passed(
        &mut self,
        piece: PieceIndex,
    ) -> Result<Vec<(PeerKey, Block)>, PickerError> {
        let index = self.check_piece(piece)?;
        let word = self.pieces[index as usize];
        let free = self.none_blocks(index);
        let mut dropped = Vec::new();
        let availability = match word.stage() {
            Stage::Have { .. } => return Ok(dropped),
            Stage::Open { availability } => {
                if let Some(level) = level_of(word.priority()) {
                    self.order.remove(index, level, availability);
                }
                availability
            }
            Stage::Partial { slot } => {
                for block_index in 0..self.partials.record(slot).blocks {
                    let block = Block::new(piece, block_index);
                    for peer in self.partials.requesters(slot, block_index) {
                        if let Some(entry) = self.peers.get_mut(&peer) {
                            entry.remove_request(block);
                        }
                        dropped.push((peer, block));
                    }
                }
                let availability = self.partials.record(slot).availability;
                self.partials.release(slot);
                availability
            }
        };
        if word.is_wanted() {
            self.wanted_left -= 1;
            self.add_free(availability, -i64::from(free));
        }
        self.pieces[index as usize].set_stage(Stage::Have { availability });
        self.have.set(index as usize);
        self.num_have += 1;
        self.drop_deadline(index);
        self.advance_cursors();
        Ok(dropped)
    }

    /// `piece` failed its hash check: its received blocks are `None` again, and the peers that
    /// sent them are returned (sorted, once each) for the caller to put on parole or ban.
    /// Blocks still requested stay requested. An open or had piece names nobody.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_failed(&mut self, piece: PieceIndex) -> Result<Vec<PeerKey>, PickerError> {
        let index = self.check_piece(piece)?;
        let word = self.pieces[index as usize];
        let Stage::Partial { slot } = word.stage() else {
            return Ok(Vec::new());
        };
        let mut senders = Vec::new();
        let mut reset = 0;
        for block_index in 0..self.partials.record(slot).blocks {
            let block = self.partials.blocks(slot)[block_index as usize];
            if matches!(block.state, BlockState::Writing | BlockState::Finished) {
                senders.extend(block.peer);
                self.partials
                    .set_state(slot, block_index, BlockState::None, None);
                reset += 1;
            }
        }
        let record = self.partials.record_mut(slot);
        record.owner = None;
        let availability = record.availability;
        if word.is_wanted() {
            self.add_free(availability, reset);
        }
        self.settle_partial(slot);
        senders.sort_unstable();
        senders.dedup();
        Ok(senders)
    }

    /// We lost `piece` (a recheck or a deleted file): it is open again.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn we_dont_have(&mut self, piece: PieceIndex) -> Result<(), PickerError> {
        let index = self.check_piece(piece)?;
        let word = self.pieces[index as usize];
        let Stage::Have { availability } = word.stage() else {
            return Ok(());
        };
        self.pieces[index as usize].set_stage(Stage::Open { availability });
        self.have.clear_bit(index as usize);
        self.num_have -= 1;
        if let Some(level) = level_of(word.priority()) {
            self.order.insert(index, level, availability);
            self.wanted_left += 1;
            self.add_free(availability, i64::from(self.geometry.blocks_in(index)));
        }
        self.cursor = self.cursor.min(index);
        self.reverse_cursor = self.reverse_cursor.max(index + 1);
        Ok(())
    }

    /// Removes `peer` as a requester of `block` in the piece records (not from the peer's own
    /// list); returns whether it was one.
    pub(crate) fn drop_request(&mut self, peer: PeerKey, block: Block) -> bool {
        let word = self.pieces[block.piece.as_usize()];
        let Stage::Partial { slot } = word.stage() else {
            return false;
        };
        if !self.partials.remove_requester(slot, block.index, peer) {
            return false;
        }
        // A parole peer that no longer waits for any block of its piece (choked, timed out,
        // rejected) releases it, so the piece cannot stall behind it.
        let still_waiting = self
            .partials
            .blocks(slot)
            .iter()
            .any(|entry| entry.state == BlockState::Requested && entry.peer == Some(peer));
        let record = self.partials.record_mut(slot);
        if record.owner == Some(peer) && !still_waiting {
            record.owner = None;
        }
        let now_free = self.partials.blocks(slot)[block.index as usize].state == BlockState::None;
        if now_free && word.is_wanted() {
            let availability = self.partials.record(slot).availability;
            self.add_free(availability, 1);
        }
        self.settle_partial(slot);
        true
    }
}
