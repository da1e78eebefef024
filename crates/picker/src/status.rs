//! Figures for `torrent_status`, the download queue and the statistics counters: pieces had,
//! piece states, availability, distributed copies, partial pieces with their blocks, memory.

use lt_core::{Bitfield, PieceIndex};

use crate::blocks::BlockState;
use crate::error::PickerError;
use crate::geometry::Block;
use crate::peers::PeerKey;
use crate::picker::Picker;
use crate::piece::Stage;

/// Where a piece is, as libtorrent's picker tells it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PieceState {
    /// Not had, nothing requested.
    Open,
    /// Some blocks requested or received, some still free.
    Downloading,
    /// Every block requested, written or finished; some still only requested.
    Full,
    /// Every block received (writing or finished): waiting for the disk and the hash check.
    Finished,
    /// Had: passed its hash check.
    Have,
}

/// One block of a partial piece, as libtorrent's `block_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// The block's state.
    pub state: BlockState,
    /// The (first) peer it is requested from, or the peer that sent it.
    pub peer: Option<PeerKey>,
    /// How many peers it is requested from.
    pub num_peers: u32,
    /// The block's size in bytes.
    pub block_bytes: u32,
    /// Bytes received: the block's size once written or finished, else 0.
    pub bytes_progress: u32,
}

/// A partial piece, as libtorrent's `partial_piece_info` (`get_download_queue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialPieceInfo {
    /// The piece.
    pub piece: PieceIndex,
    /// Blocks in the piece.
    pub blocks_in_piece: u32,
    /// Blocks requested.
    pub requested: u32,
    /// Blocks being written.
    pub writing: u32,
    /// Blocks finished.
    pub finished: u32,
    /// Every block, in order.
    pub blocks: Vec<BlockInfo>,
}

/// libtorrent's distributed copies: how many complete copies the connected swarm (us included)
/// holds, plus the fraction of pieces held more often than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DistributedCopies {
    /// Copies of the rarest piece (`distributed_full_copies`).
    pub full_copies: u32,
    /// Thousandths of pieces with more copies than that (`distributed_fraction`).
    pub fraction_thousandths: u32,
}

impl DistributedCopies {
    /// Both as one number (`distributed_copies`).
    #[must_use]
    pub fn as_f32(&self) -> f32 {
        self.full_copies as f32 + self.fraction_thousandths as f32 / 1000.0
    }
}

/// Work counters named after libtorrent's `piece_picker_*_loops` statistics: pieces or blocks
/// examined per strategy, plus calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PickerCounters {
    /// [`Picker::pick`] calls.
    pub picks: u64,
    /// Calls that went on to look for end-game duplicates.
    pub end_game_picks: u64,
    /// Partial pieces examined (`piece_picker_partial_loops`).
    pub partial_loops: u64,
    /// Suggested pieces examined (`piece_picker_suggest_loops`).
    pub suggest_loops: u64,
    /// Pieces examined in sequential mode (`piece_picker_sequential_loops`).
    pub sequential_loops: u64,
    /// Pieces examined most-common-first (`piece_picker_reverse_rare_loops`).
    pub reverse_rare_loops: u64,
    /// Pieces examined rarest-first (`piece_picker_rare_loops`).
    pub rare_loops: u64,
    /// Random probes below the initial threshold (`piece_picker_rand_start_loops`).
    pub rand_start_loops: u64,
    /// Blocks examined for end-game duplicates (`piece_picker_busy_loops`).
    pub busy_loops: u64,
}

/// Heap bytes held by a [`Picker`], by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Per-piece state: the piece words, the ordered array and positions, our have bitfield.
    pub pieces: usize,
    /// Download records of partial pieces and their blocks.
    pub partials: usize,
    /// The peer table: bitfields, request lists.
    pub peers: usize,
}

impl MemoryUsage {
    /// Everything.
    #[must_use]
    pub fn total(&self) -> usize {
        self.pieces + self.partials + self.peers
    }
}

impl Picker {
    /// The number of pieces in the torrent.
    #[must_use]
    pub fn num_pieces(&self) -> u32 {
        self.geometry.num_pieces()
    }

    /// Pieces had (`torrent_status::num_pieces`).
    #[must_use]
    pub fn num_have(&self) -> u32 {
        self.num_have
    }

    /// Our bitfield: what to send in a `bitfield` message.
    #[must_use]
    pub fn have_pieces(&self) -> &Bitfield {
        &self.have
    }

    /// Whether we have `piece`.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn has_piece(&self, piece: PieceIndex) -> Result<bool, PickerError> {
        Ok(self.have.get(self.check_piece(piece)? as usize))
    }

    /// Wanted pieces not had yet (priority above 0).
    #[must_use]
    pub fn num_want_left(&self) -> u32 {
        self.wanted_left
    }

    /// Whether every wanted piece is had (the torrent is finished, maybe not a seed).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.wanted_left == 0
    }

    /// Partial pieces (the download queue's length).
    #[must_use]
    pub fn num_partial_pieces(&self) -> usize {
        self.partials.len()
    }

    /// Peers tracked.
    #[must_use]
    pub fn num_peers(&self) -> usize {
        self.peers.len()
    }

    /// Peers that have every piece.
    #[must_use]
    pub fn num_seeds(&self) -> u32 {
        self.seeds
    }

    /// The state of `piece`.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_state(&self, piece: PieceIndex) -> Result<PieceState, PickerError> {
        let piece = self.check_piece(piece)?;
        Ok(match self.pieces[piece as usize].stage() {
            Stage::Open { .. } => PieceState::Open,
            Stage::Have { .. } => PieceState::Have,
            Stage::Partial { slot } => {
                let record = self.partials.record(slot);
                if record.free_blocks() > 0 {
                    PieceState::Downloading
                } else if record.requested > 0 {
                    PieceState::Full
                } else {
                    PieceState::Finished
                }
            }
        })
    }

    /// How many connected peers have `piece`, seeds included (`piece_availability`).
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn availability(&self, piece: PieceIndex) -> Result<u32, PickerError> {
        Ok(self.peer_count(self.check_piece(piece)?) + self.seeds)
    }

    /// [`availability`](Self::availability) of every piece.
    #[must_use]
    pub fn piece_availability(&self) -> Vec<u32> {
        (0..self.geometry.num_pieces())
            .map(|piece| self.peer_count(piece) + self.seeds)
            .collect()
    }

    /// Distributed copies as libtorrent computes them: we count as one more copy of each piece
    /// we have; the rarest piece's count gives the whole copies (seeds included) and the share
    /// of pieces above it the thousandths. O(pieces).
    #[must_use]
    pub fn distributed_copies(&self) -> DistributedCopies {
        let num_pieces = self.geometry.num_pieces();
        let mut min = u32::MAX;
        let (mut at_min, mut above) = (0u64, 0u64);
        for piece in 0..num_pieces {
            let copies = self.peer_count(piece) + u32::from(self.pieces[piece as usize].is_have());
            if copies < min {
                above += at_min;
                at_min = 1;
                min = copies;
            } else if copies == min {
                at_min += 1;
            } else {
                above += 1;
            }
        }
        DistributedCopies {
            full_copies: min + self.seeds,
            // Lossless: at most 1000.
            fraction_thousandths: (above * 1000 / u64::from(num_pieces)) as u32,
        }
    }

    /// Every partial piece with its blocks, by piece index (`get_download_queue`).
    #[must_use]
    pub fn download_queue(&self) -> Vec<PartialPieceInfo> {
        let mut queue: Vec<PartialPieceInfo> = self
            .partials
            .slots()
            .map(|slot| self.partial_info(slot))
            .collect();
        queue.sort_unstable_by_key(|info| info.piece);
        queue
    }

    /// The download record of `piece`, if it is partial.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn partial_piece(
        &self,
        piece: PieceIndex,
    ) -> Result<Option<PartialPieceInfo>, PickerError> {
        Ok(
            match self.pieces[self.check_piece(piece)? as usize].stage() {
                Stage::Partial { slot } => Some(self.partial_info(slot)),
                _ => None,
            },
        )
    }

    /// The state of one block (a had piece's blocks are finished, an open piece's are none).
    ///
    /// # Errors
    /// Index errors.
    pub fn block_info(&self, block: Block) -> Result<BlockInfo, PickerError> {
        let block = self.geometry.check_block(block)?;
        let block_bytes = self.geometry.block_bytes_unchecked(block);
        let plain = |state| BlockInfo {
            state,
            peer: None,
            num_peers: 0,
            block_bytes,
            bytes_progress: if state == BlockState::Finished {
                block_bytes
            } else {
                0
            },
        };
        Ok(match self.pieces[block.piece.as_usize()].stage() {
            Stage::Open { .. } => plain(BlockState::None),
            Stage::Have { .. } => plain(BlockState::Finished),
            Stage::Partial { slot } => self.block_info_in(slot, block),
        })
    }

    fn block_info_in(&self, slot: u32, block: Block) -> BlockInfo {
        let entry = self.partials.blocks(slot)[block.index as usize];
        let block_bytes = self.geometry.block_bytes_unchecked(block);
        let received = matches!(entry.state, BlockState::Writing | BlockState::Finished);
        BlockInfo {
            state: entry.state,
            peer: entry.peer,
            num_peers: u32::from(entry.requesters),
            block_bytes,
            bytes_progress: if received { block_bytes } else { 0 },
        }
    }

    fn partial_info(&self, slot: u32) -> PartialPieceInfo {
        let record = self.partials.record(slot);
        let piece = PieceIndex::new(record.piece);
        PartialPieceInfo {
            piece,
            blocks_in_piece: record.blocks,
            requested: record.requested,
            writing: record.writing,
            finished: record.finished,
            blocks: (0..record.blocks)
                .map(|index| self.block_info_in(slot, Block::new(piece, index)))
                .collect(),
        }
    }

    /// The work counters.
    #[must_use]
    pub fn counters(&self) -> &PickerCounters {
        &self.counters
    }

    /// Heap bytes held, by part. Per piece this is 4 bytes of packed state, 8 of ordered array
    /// and position, and one bit of our bitfield.
    #[must_use]
    pub fn memory_usage(&self) -> MemoryUsage {
        MemoryUsage {
            pieces: self.pieces.capacity() * 4
                + self.order.memory_bytes()
                + self.have.len().div_ceil(64) * 8
                + self.deadlines.capacity() * size_of::<(std::time::Instant, PieceIndex)>(),
            partials: self.partials.memory_bytes(),
            peers: self.peers.capacity() * (size_of::<crate::peers::PeerEntry>() + 8)
                + self
                    .peers
                    .values()
                    .map(crate::peers::PeerEntry::memory_bytes)
                    .sum::<usize>(),
        }
    }
}
