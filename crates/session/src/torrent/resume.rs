//! Resume data and file priorities: what the torrent starts from (pieces claimed by resume
//! data, checked against the files without reading them; priority-0 files never created), and
//! the [`AddTorrentParams`] it saves (libtorrent's `save_resume_data`), which loads back through
//! `Session::add_torrent`.

use std::collections::BTreeMap;

use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_metainfo::AddTorrentParams;
use lt_picker::{BlockState, PeerKey, Priority};

use super::Torrent;

/// What a torrent takes from its [`AddTorrentParams`] beyond the metadata.
#[derive(Debug, Clone, Default)]
pub(super) struct StartState {
    /// Pieces resume data claims (checked against the files' sizes before they are trusted);
    /// `None` without resume data, which means a full check.
    pub(super) resume_have: Option<Bitfield>,
    /// File priorities, 0 to 7 (missing entries: 4).
    pub(super) file_priorities: Vec<u8>,
    /// The params' trackers and tiers, saved back in resume data.
    pub(super) trackers: Vec<String>,
    pub(super) tracker_tiers: Vec<u32>,
    /// Blocks of pieces not complete yet that resume data says are on disk (used only when
    /// the resume data is trusted).
    pub(super) unfinished: BTreeMap<PieceIndex, Bitfield>,
}

impl StartState {
    /// Takes what matters from `params` for a torrent of `num_pieces` pieces: a non-empty
    /// `have_pieces` is resume data (libtorrent's format pads it to whole bytes; bits past the
    /// last piece are ignored).
    pub(super) fn from_params(params: &AddTorrentParams, num_pieces: u32) -> Self {
        let resume_have = (!params.have_pieces.is_empty()).then(|| {
            let mut have = Bitfield::new(num_pieces as usize);
            for piece in params
                .have_pieces
                .iter_ones()
                .take_while(|&piece| piece < num_pieces as usize)
            {
                have.set(piece);
            }
            have
        });
        Self {
            resume_have,
            file_priorities: params.file_priorities.iter().map(|&p| p.min(7)).collect(),
            trackers: params.trackers.clone(),
            tracker_tiers: params.tracker_tiers.clone(),
            unfinished: params.unfinished_pieces.clone(),
        }
    }
}

/// The picker key that stands for "resume data" while unfinished blocks are restored.
const RESUME_KEY: PeerKey = PeerKey(u32::MAX);

impl Torrent {
    /// Gives the picker the file priorities (priority-0 files' pieces are not wanted).
    pub(super) fn apply_file_priorities(&mut self) -> Result<(), String> {
        if self.start.file_priorities.is_empty() {
            return Ok(());
        }
        let files = self.info.files();
        let sizes: Vec<u64> = (0..files.num_files())
            .map(|index| files.file_size(FileIndex::new(index as u32)))
            .collect();
        let priorities: Vec<Priority> = self
            .start
            .file_priorities
            .iter()
            .map(|&value| Priority::new(value).unwrap_or(Priority::DEFAULT))
            .collect();
        self.picker
            .set_file_priorities(&sizes, &priorities)
            .map_err(|error| error.to_string())
    }

    /// Marks the blocks resume data lists for pieces not complete yet as finished (on disk), so
    /// they are not downloaded again; such a piece's other blocks are written as they come
    /// and the piece is hashed from the disk. Returns the pieces that turn out complete.
    pub(super) fn restore_unfinished(&mut self) -> Vec<PieceIndex> {
        let unfinished = std::mem::take(&mut self.start.unfinished);
        if unfinished.is_empty() || self.picker.add_peer(RESUME_KEY).is_err() {
            return Vec::new();
        }
        let mut complete = Vec::new();
        for (piece, blocks) in unfinished {
            if self.picker.has_piece(piece).unwrap_or(true) {
                continue;
            }
            let count = self.picker.geometry().blocks_in_piece(piece).unwrap_or(0);
            let mut restored = false;
            for index in blocks
                .iter_ones()
                .take_while(|&index| index < count as usize)
            {
                let block = lt_picker::Block::new(piece, index as u32);
                let finished = self
                    .picker
                    .mark_requested(RESUME_KEY, block)
                    .and_then(|()| self.picker.block_received(RESUME_KEY, block))
                    .and_then(|_| self.picker.block_finished(block));
                restored |= finished.is_ok();
                if matches!(finished, Ok(true)) {
                    complete.push(piece);
                }
            }
            if restored {
                self.buffers.write_through(piece);
            }
        }
        let _ = self.picker.remove_peer(RESUME_KEY);
        complete
    }

    /// The blocks on disk of pieces not complete yet (resume data's `unfinished`).
    fn unfinished_on_disk(&self) -> BTreeMap<PieceIndex, Bitfield> {
        let mut unfinished = BTreeMap::new();
        for partial in self.picker.download_queue() {
            let mut blocks = Bitfield::new(partial.blocks_in_piece as usize);
            for (index, block) in partial.blocks.iter().enumerate() {
                if block.state == BlockState::Finished {
                    blocks.set(index);
                }
            }
            if blocks.count_ones() > 0 {
                unfinished.insert(partial.piece, blocks);
            }
        }
        unfinished
    }

    /// Bytes of the wanted pieces (priority above 0).
    pub(super) fn wanted_bytes(&self) -> u64 {
        if self.start.file_priorities.is_empty() {
            return self.info.total_size();
        }
        self.picker
            .piece_priorities()
            .iter()
            .enumerate()
            .filter(|(_, priority)| priority.is_wanted())
            .map(|(piece, _)| u64::from(self.info.piece_size(PieceIndex::new(piece as u32))))
            .sum()
    }

    /// The torrent's resume data (libtorrent's `save_resume_data`): info-hashes, name, save
    /// path, the pieces had, file priorities, trackers and transfer totals.
    pub(super) fn resume_data(&self) -> AddTorrentParams {
        let mut have = Bitfield::new(self.info.num_pieces() as usize);
        for piece in self.picker.have_pieces().iter_ones() {
            have.set(piece);
        }
        let mut trackers = Vec::new();
        let mut tiers = Vec::new();
        for entry in self.info.trackers() {
            trackers.push(entry.url.clone());
            tiers.push(u32::from(entry.tier));
        }
        let mut tier = 0;
        for (index, url) in self.start.trackers.iter().enumerate() {
            tier = self.start.tracker_tiers.get(index).copied().unwrap_or(tier);
            if !trackers.contains(url) {
                trackers.push(url.clone());
                tiers.push(tier);
            }
        }
        AddTorrentParams {
            info_hashes: self.info.info_hashes(),
            name: Some(self.info.name().to_owned()),
            save_path: self.config.save_path.to_string_lossy().into_owned(),
            have_pieces: have,
            unfinished_pieces: self.unfinished_on_disk(),
            file_priorities: self.start.file_priorities.clone(),
            trackers,
            tracker_tiers: tiers,
            banned_peers: self.banned.clone(),
            total_uploaded: i64::try_from(self.stats.uploaded).unwrap_or(i64::MAX),
            total_downloaded: i64::try_from(self.stats.downloaded).unwrap_or(i64::MAX),
            ..AddTorrentParams::default()
        }
    }
}
