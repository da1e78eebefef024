//! Download records of partial pieces: each block's state and requesters, and the per-level lists
//! of partial pieces that still have unrequested blocks.
//!
//! Records live in slots that are reused, and the blocks of slot `s` are
//! `blocks[s * stride .. s * stride + blocks_in_piece]` of one shared array, so starting a piece
//! allocates nothing once the picker has warmed up. The first requester of a block is stored in
//! the block; further requesters (end-game duplicates) go to the record's small `extra` list.

use std::fmt;

use crate::buckets::LEVELS;
use crate::peers::PeerKey;
use crate::piece::MAX_PAYLOAD;

/// The state of one block, as in libtorrent's `block_info::state`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BlockState {
    /// Not requested from anyone.
    #[default]
    None,
    /// Requested from one or more peers, not yet received.
    Requested,
    /// Received and handed to the disk layer.
    Writing,
    /// Written to disk.
    Finished,
}

/// Lowercase, as libtorrent's names: `none`, `requested`, `writing`, `finished`.
impl fmt::Display for BlockState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::None => "none",
            Self::Requested => "requested",
            Self::Writing => "writing",
            Self::Finished => "finished",
        })
    }
}

/// One block of a partial piece.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BlockEntry {
    /// The first requester while `Requested`; the peer that sent it while `Writing` or
    /// `Finished`.
    pub(crate) peer: Option<PeerKey>,
    pub(crate) state: BlockState,
    /// How many peers it is requested from (0 unless `Requested`).
    pub(crate) requesters: u8,
}

/// The download record of one partial piece.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// The piece; `u32::MAX` while the slot is free.
    pub(crate) piece: u32,
    /// How many connected peers that are not seeds have the piece.
    pub(crate) availability: u32,
    /// Blocks in the piece.
    pub(crate) blocks: u32,
    pub(crate) requested: u32,
    pub(crate) writing: u32,
    pub(crate) finished: u32,
    /// A peer on parole that took the whole piece: nobody else joins it.
    pub(crate) owner: Option<PeerKey>,
    /// `(level, index)` in [`Partials::list`] while listed.
    listed: Option<(usize, usize)>,
    /// Requesters after a block's first one: `(block index, peer)`.
    pub(crate) extra: Vec<(u32, PeerKey)>,
}

impl Record {
    /// Blocks in state `None`.
    pub(crate) fn free_blocks(&self) -> u32 {
        self.blocks - self.requested - self.writing - self.finished
    }

    /// Whether no block is requested, written or finished: the piece is open again.
    pub(crate) fn is_idle(&self) -> bool {
        self.requested + self.writing + self.finished == 0
    }

    /// Adjusts the state counters for a block moving from `from` to `to`.
    pub(crate) fn count_move(&mut self, from: BlockState, to: BlockState) {
        for (state, delta) in [(from, u32::MAX), (to, 1)] {
            let counter = match state {
                BlockState::None => continue,
                BlockState::Requested => &mut self.requested,
                BlockState::Writing => &mut self.writing,
                BlockState::Finished => &mut self.finished,
            };
            *counter = counter.wrapping_add(delta);
        }
    }
}

/// All download records.
#[derive(Debug, Clone)]
pub(crate) struct Partials {
    records: Vec<Record>,
    blocks: Vec<BlockEntry>,
    /// Blocks reserved per slot: the torrent's blocks per piece.
    stride: usize,
    free_slots: Vec<u32>,
    in_use: u32,
    /// Per level, the slots of wanted partial pieces with at least one free block.
    lists: [Vec<u32>; LEVELS],
}

impl Partials {
    pub(crate) fn new(blocks_per_piece: u32) -> Self {
        Self {
            records: Vec::new(),
            blocks: Vec::new(),
            stride: blocks_per_piece as usize,
            free_slots: Vec::new(),
            in_use: 0,
            lists: Default::default(),
        }
    }

    /// Opens a record for `piece`; `None` when every slot the piece word can name is taken.
    pub(crate) fn allocate(&mut self, piece: u32, blocks: u32, availability: u32) -> Option<u32> {
        if self.in_use >= MAX_PAYLOAD {
            return None;
        }
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                self.records.push(Record::default());
                self.blocks
                    .resize(self.blocks.len() + self.stride, BlockEntry::default());
                // Lossless: capped by MAX_PAYLOAD above.
                (self.records.len() - 1) as u32
            }
        };
        self.in_use += 1;
        let record = &mut self.records[slot as usize];
        let extra = std::mem::take(&mut record.extra);
        *record = Record {
            piece,
            availability,
            blocks,
            extra,
            ..Record::default()
        };
        Some(slot)
    }

    /// Frees `slot` (already unlisted and idle or abandoned).
    pub(crate) fn release(&mut self, slot: u32) {
        self.set_listing(slot, None);
        let range = self.block_range(slot);
        self.blocks[range].fill(BlockEntry::default());
        let record = &mut self.records[slot as usize];
        record.piece = u32::MAX;
        record.extra.clear();
        record.owner = None;
        self.free_slots.push(slot);
        self.in_use -= 1;
    }

    fn block_range(&self, slot: u32) -> std::ops::Range<usize> {
        let first = slot as usize * self.stride;
        first..first + self.records[slot as usize].blocks as usize
    }

    pub(crate) fn record(&self, slot: u32) -> &Record {
        &self.records[slot as usize]
    }

    pub(crate) fn record_mut(&mut self, slot: u32) -> &mut Record {
        &mut self.records[slot as usize]
    }

    /// The blocks of `slot`'s piece.
    pub(crate) fn blocks(&self, slot: u32) -> &[BlockEntry] {
        &self.blocks[self.block_range(slot)]
    }

    /// One block and its record, for changing both.
    pub(crate) fn block_mut(&mut self, slot: u32, index: u32) -> (&mut Record, &mut BlockEntry) {
        let at = slot as usize * self.stride + index as usize;
        (&mut self.records[slot as usize], &mut self.blocks[at])
    }

    /// The number of records in use.
    pub(crate) fn len(&self) -> usize {
        self.in_use as usize
    }

    /// The slots in use, in slot order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.records
            .iter()
            .enumerate()
            .filter(|(_, record)| record.piece != u32::MAX)
            // Lossless: slots are capped by MAX_PAYLOAD.
            .map(|(slot, _)| slot as u32)
    }

    /// Whether `slot` holds a record.
    pub(crate) fn in_use(&self, slot: u32) -> bool {
        self.records
            .get(slot as usize)
            .is_some_and(|record| record.piece != u32::MAX)
    }

    /// The number of slots ever opened (in use or free).
    pub(crate) fn capacity(&self) -> usize {
        self.records.len()
    }

    /// The wanted partial pieces of `level` with free blocks.
    pub(crate) fn list(&self, level: usize) -> &[u32] {
        &self.lists[level]
    }

    /// Puts `slot` on the list of `level`, or on none.
    pub(crate) fn set_listing(&mut self, slot: u32, level: Option<usize>) {
        let current = self.records[slot as usize].listed;
        if current.map(|(listed_level, _)| listed_level) == level {
            return;
        }
        if let Some((old_level, index)) = current {
            let list = &mut self.lists[old_level];
            list.swap_remove(index);
            if let Some(&moved) = list.get(index) {
                self.records[moved as usize].listed = Some((old_level, index));
            }
        }
        self.records[slot as usize].listed = level.map(|level| {
            self.lists[level].push(slot);
            (level, self.lists[level].len() - 1)
        });
    }

    /// The level `slot` is listed on.
    pub(crate) fn listed_level(&self, slot: u32) -> Option<usize> {
        self.records[slot as usize].listed.map(|(level, _)| level)
    }

    /// Adds `peer` as a requester of block `index` (state `None` or `Requested`).
    pub(crate) fn add_requester(&mut self, slot: u32, index: u32, peer: PeerKey) {
        let (record, block) = self.block_mut(slot, index);
        if block.state == BlockState::Requested {
            record.extra.push((index, peer));
        } else {
            record.count_move(block.state, BlockState::Requested);
            block.state = BlockState::Requested;
            block.peer = Some(peer);
        }
        block.requesters = block.requesters.saturating_add(1);
    }

    /// Removes `peer` as a requester of block `index`; the block returns to `None` when it was
    /// the last one. Returns whether `peer` was a requester.
    pub(crate) fn remove_requester(&mut self, slot: u32, index: u32, peer: PeerKey) -> bool {
        let (record, block) = self.block_mut(slot, index);
        if block.state != BlockState::Requested {
            return false;
        }
        if block.peer == Some(peer) {
            let promoted = record.extra.iter().position(|&(at, _)| at == index);
            block.peer = promoted.map(|found| record.extra.swap_remove(found).1);
        } else if let Some(found) = record
            .extra
            .iter()
            .position(|&(at, other)| at == index && other == peer)
        {
            record.extra.swap_remove(found);
        } else {
            return false;
        }
        block.requesters -= 1;
        if block.requesters == 0 {
            record.count_move(BlockState::Requested, BlockState::None);
            block.state = BlockState::None;
            block.peer = None;
        }
        true
    }

    /// Whether `peer` is among the requesters of block `index`.
    pub(crate) fn is_requester(&self, slot: u32, index: u32, peer: PeerKey) -> bool {
        let block = &self.blocks(slot)[index as usize];
        block.state == BlockState::Requested
            && (block.peer == Some(peer)
                || self.records[slot as usize]
                    .extra
                    .iter()
                    .any(|&(at, other)| at == index && other == peer))
    }

    /// Every requester of block `index`, first one first.
    pub(crate) fn requesters(&self, slot: u32, index: u32) -> Vec<PeerKey> {
        let block = &self.blocks(slot)[index as usize];
        if block.state != BlockState::Requested {
            return Vec::new();
        }
        let extra = self.records[slot as usize]
            .extra
            .iter()
            .filter(|&&(at, _)| at == index)
            .map(|&(_, peer)| peer);
        block.peer.into_iter().chain(extra).collect()
    }

    /// Moves block `index` out of `Requested` (dropping every requester) or `None` into
    /// `Writing`/`Finished` from `sender`, or back to `None`.
    pub(crate) fn set_state(
        &mut self,
        slot: u32,
        index: u32,
        state: BlockState,
        sender: Option<PeerKey>,
    ) {
        let (record, block) = self.block_mut(slot, index);
        if block.state == BlockState::Requested {
            record.extra.retain(|&(at, _)| at != index);
        }
        record.count_move(block.state, state);
        *block = BlockEntry {
            peer: sender,
            state,
            requesters: 0,
        };
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        let extra: usize = self
            .records
            .iter()
            .map(|record| record.extra.capacity() * size_of::<(u32, PeerKey)>())
            .sum();
        self.records.capacity() * size_of::<Record>()
            + self.blocks.capacity() * size_of::<BlockEntry>()
            + self.free_slots.capacity() * 4
            + self
                .lists
                .iter()
                .map(|list| list.capacity() * 4)
                .sum::<usize>()
            + extra
    }

    /// Checks every record's counters and list position.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut in_use = 0;
        for slot in self.slots() {
            in_use += 1;
            let record = self.record(slot);
            let mut counts = [0u32; 4];
            for (index, block) in self.blocks(slot).iter().enumerate() {
                counts[block.state as usize] += 1;
                let requesters = self.requesters(slot, index as u32).len();
                let expected = usize::from(block.requesters);
                if requesters != expected
                    || (block.state == BlockState::Requested) != (expected > 0)
                {
                    return Err(format!(
                        "piece {} block {index}: {requesters} requesters, counter {expected}",
                        record.piece
                    ));
                }
            }
            if counts[1..] != [record.requested, record.writing, record.finished] {
                return Err(format!("piece {}: block counters {counts:?}", record.piece));
            }
            if record.is_idle() {
                return Err(format!("piece {} has an idle record", record.piece));
            }
            if let Some((level, index)) = record.listed {
                if self.lists[level].get(index) != Some(&slot) {
                    return Err(format!("piece {}: list position wrong", record.piece));
                }
            }
        }
        let listed: usize = self.lists.iter().map(Vec::len).sum();
        let marked = self
            .slots()
            .filter(|&slot| self.listed_level(slot).is_some());
        if in_use != self.in_use || listed != marked.count() {
            return Err("partial piece lists out of step".to_owned());
        }
        Ok(())
    }
}
