//! Blocks to disk and pieces through their hash check: a received block is queued for writing
//! (stopping peer events while the write queue is over budget); once every block of a piece is
//! on disk it is hashed and checked against the torrent (SHA-1, and the merkle tree for hybrid
//! torrents); a passing piece is had and announced, a failing one is downloaded again. Reads
//! for peers' requests are served from the disk too.

use bytes::Bytes;
use lt_alerts::AlertKind;
use lt_core::PieceIndex;
use lt_picker::{PeerKey, Received};
use lt_storage::{DiskIo, PieceHashes, StorageError};
use lt_wire::driver::Command;
use lt_wire::Block as WireBlock;

use super::buffers::Placed;
use super::checking::Checked;
use super::peers::to_picker;
use super::Torrent;
use crate::status::TorrentState;

/// A disk job finished (or the write queue drained); sent by the job's task to the torrent.
pub(super) enum DiskEvent {
    /// The start-up check finished.
    Checked(Result<Box<Checked>, StorageError>),
    /// A block write finished.
    Written {
        block: lt_picker::Block,
        result: Result<(), StorageError>,
    },
    /// The write queue drained below half its budget.
    Space,
    /// A buffered piece was written and hashed in one job.
    PieceWritten {
        piece: PieceIndex,
        result: Result<PieceHashes, StorageError>,
    },
    /// A piece was hashed.
    Hashed {
        piece: PieceIndex,
        result: Result<PieceHashes, StorageError>,
    },
    /// A block was read for a peer.
    Read {
        peer: PeerKey,
        block: WireBlock,
        result: Result<Bytes, StorageError>,
    },
}

impl Torrent {
    pub(super) fn on_disk_event(&mut self, event: DiskEvent) {
        match event {
            DiskEvent::Checked(checked) => self.on_checked(checked),
            DiskEvent::Written { block, result } => self.on_written(block, result),
            DiskEvent::Space => self.disk_blocked = false,
            DiskEvent::PieceWritten { piece, result } => self.on_piece_written(piece, result),
            DiskEvent::Hashed { piece, result } => self.on_hashed(piece, result),
            DiskEvent::Read {
                peer,
                block,
                result,
            } => {
                if let Some(connection) = self.peers.get_mut(&peer) {
                    let command = match result {
                        Ok(data) => {
                            self.stats.uploaded += data.len() as u64;
                            connection.sent += data.len() as u64;
                            Command::Serve { block, data }
                        }
                        Err(_) => Command::RejectRequest(block),
                    };
                    let _ = connection.send(command);
                }
            }
        }
    }

    /// A block arrived from `key`: count it, cancel it elsewhere, queue its write.
    pub(super) fn on_block(&mut self, key: PeerKey, block: WireBlock, data: Bytes) {
        let length = data.len() as u64;
        self.stats.downloaded += length;
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.outstanding = peer.outstanding.saturating_sub(1);
            peer.received += length;
            peer.queue_size.on_block();
        }
        let picker_block = to_picker(block);
        let cancel = match self.picker.block_received(key, picker_block) {
            Ok(Received::New { cancel }) => cancel,
            Ok(Received::Redundant) | Err(_) => {
                self.stats.redundant += length;
                return;
            }
        };
        for other in cancel {
            self.cancel_request(other, picker_block);
        }
        let senders = self.piece_senders.entry(block.piece).or_default();
        if !senders.contains(&key) {
            senders.push(key);
        }
        let Some(disk) = self.disk.clone() else {
            return;
        };
        let piece = block.piece;
        let piece_size = self.info.piece_size(piece);
        match self
            .buffers
            .place(piece, piece_size, block.offset, data.clone())
        {
            Placed::Kept => return,
            Placed::Complete(blocks) => {
                let hashed = disk.write_piece(piece, blocks, self.verifier.kinds());
                let events = self.disk_sender.clone();
                tokio::spawn(async move {
                    let result = hashed.await;
                    let _ = events.send(DiskEvent::PieceWritten { piece, result });
                });
            }
            Placed::WriteThrough => {
                let written = disk.write_block(piece, block.offset, data);
                let events = self.disk_sender.clone();
                tokio::spawn(async move {
                    let result = written.await;
                    let _ = events.send(DiskEvent::Written {
                        block: picker_block,
                        result,
                    });
                });
            }
        }
        if !self.disk_blocked && disk.queue_full() {
            self.disk_blocked = true;
            let space = disk.wait_for_space();
            let events = self.disk_sender.clone();
            tokio::spawn(async move {
                space.await;
                let _ = events.send(DiskEvent::Space);
            });
        }
    }

    fn on_written(&mut self, block: lt_picker::Block, result: Result<(), StorageError>) {
        if let Err(error) = result {
            let _ = self.picker.write_failed(block);
            return self.fail_storage(&error);
        }
        if matches!(self.picker.block_finished(block), Ok(true)) {
            self.hash_from_disk(block.piece);
        }
    }

    /// Every block of `piece` is on disk: hash it from there.
    pub(super) fn hash_from_disk(&mut self, piece: PieceIndex) {
        let Some(disk) = self.disk.as_ref() else {
            return;
        };
        let hashed = disk.hash_piece(piece, self.verifier.kinds());
        let events = self.disk_sender.clone();
        tokio::spawn(async move {
            let result = hashed.await;
            let _ = events.send(DiskEvent::Hashed { piece, result });
        });
    }

    /// A buffered piece is on disk and hashed: its blocks are finished in the picker, then its
    /// hashes are checked.
    fn on_piece_written(&mut self, piece: PieceIndex, result: Result<PieceHashes, StorageError>) {
        let blocks = self.picker.geometry().blocks_in_piece(piece).unwrap_or(0);
        for index in 0..blocks {
            let block = lt_picker::Block::new(piece, index);
            if result.is_err() {
                let _ = self.picker.write_failed(block);
            } else {
                let _ = self.picker.block_finished(block);
            }
        }
        self.on_hashed(piece, result);
    }

    fn on_hashed(&mut self, piece: PieceIndex, result: Result<PieceHashes, StorageError>) {
        self.buffers.forget(piece);
        let hashes = match result {
            Ok(hashes) => hashes,
            Err(error) => return self.fail_storage(&error),
        };
        if !self.verifier.verify_hashes(&self.info, piece, &hashes) {
            self.stats.hash_failures += 1;
            self.stats.failed += u64::from(self.info.piece_size(piece));
            tracing::warn!(piece = piece.get(), "piece failed its hash check");
            self.post(AlertKind::HashFailed {
                torrent: self.torrent_ref(),
                piece,
            });
            // The blocks are free again; whoever sent them loses trust.
            let senders = self.picker.piece_failed(piece).unwrap_or_default();
            self.piece_senders.remove(&piece);
            self.penalize_senders(&senders);
            if let Some(disk) = self.disk.as_ref() {
                // Dropping the future does not cancel the job.
                drop(disk.clear_piece(piece));
            }
            self.request_from_all();
            return;
        }
        let dropped = self.picker.piece_passed(piece).unwrap_or_default();
        if let Some(senders) = self.piece_senders.remove(&piece) {
            self.reward_senders(&senders);
        }
        self.post(AlertKind::PieceFinished {
            torrent: self.torrent_ref(),
            piece,
        });
        for (key, block) in dropped {
            self.cancel_request(key, block);
        }
        for peer in self.peers.values() {
            if peer.connected {
                let _ = peer.send(Command::AnnouncePiece(piece));
            }
        }
        if self.picker.is_finished() {
            // Every wanted piece is written (hashing waited for its writes): finished. As in
            // libtorrent there is no fsync here; a killed process loses nothing the kernel
            // has, and syncing a GiB costs seconds (`flush_cache` syncs on request).
            if self.state == TorrentState::Downloading {
                self.set_finished();
                self.announce_completed();
            }
        } else {
            self.request_from_all();
        }
    }

    /// Reads `block` for peer `key`, which asked for it.
    pub(super) fn serve(&mut self, key: PeerKey, block: WireBlock) {
        let Some(disk) = self.disk.as_ref() else {
            return;
        };
        let read = disk.read_block(block.piece, block.offset, block.length);
        let events = self.disk_sender.clone();
        tokio::spawn(async move {
            let result = read.await;
            let _ = events.send(DiskEvent::Read {
                peer: key,
                block,
                result,
            });
        });
    }
}
