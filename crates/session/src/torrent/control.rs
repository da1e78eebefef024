//! The handle's calls that change a running torrent: pause and resume, force recheck and
//! reannounce, priorities, move storage, rename, flush, remove (optionally deleting the
//! files), and the read-outs peer info and file progress.

use std::path::PathBuf;

use lt_alerts::AlertKind;
use lt_core::{FileIndex, PieceIndex};
use lt_picker::{Picker, PickerConfig};
use lt_storage::{DeleteMode, DiskIo, MoveFlags, Storage, StorageParams, TorrentStorage};
use lt_tracker::Event;
use tokio::sync::oneshot;

use super::alerts::storage_alert_error;
use super::Torrent;
use crate::peer_info::PeerInfo;
use crate::status::TorrentState;

/// How long a removed torrent waits for its `stopped` announces (libtorrent's
/// `stop_tracker_timeout`).
const STOP_TRACKER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a finished structural disk job reports back to the torrent.
pub(super) enum ControlEvent {
    /// `move_storage` finished.
    Moved {
        old_path: PathBuf,
        new_path: PathBuf,
        result: Result<(), lt_storage::StorageError>,
    },
    /// `rename_file` finished.
    Renamed {
        file: FileIndex,
        old_name: String,
        new_name: String,
        result: Result<(), lt_storage::StorageError>,
    },
}

impl Torrent {
    /// Closes every peer connection; outgoing ones are remembered to reconnect later.
    fn disconnect_all(&mut self) {
        let keys: Vec<_> = self.peers.keys().copied().collect();
        for key in keys {
            if let Some(peer) = self.peers.get(&key) {
                if !peer.is_incoming() && !self.waiting_peers.contains(&peer.addr) {
                    self.waiting_peers.push(peer.addr);
                }
            }
            self.drop_peer(key);
        }
    }

    /// Pauses: peers are disconnected, trackers get `stopped`, nothing is connected or
    /// accepted until [`resume`](Self::resume). Posts `torrent_paused`.
    pub(super) fn pause(&mut self) {
        if self.paused {
            return;
        }
        self.paused = true;
        self.disconnect_all();
        // The announces report back to the task; nothing waits for them.
        drop(self.announce_stopped());
        self.post(AlertKind::TorrentPaused {
            torrent: self.torrent_ref(),
        });
        self.publish();
    }

    /// Resumes a paused torrent: the remembered peers are connected again and trackers get
    /// `started`. Posts `torrent_resumed`.
    pub(super) fn resume(&mut self) {
        if !self.paused {
            return;
        }
        self.paused = false;
        self.post(AlertKind::TorrentResumed {
            torrent: self.torrent_ref(),
        });
        if self.error.is_some() {
            // Stopped by an error: start over from the files (libtorrent's clear_error).
            self.error = None;
            self.restart_check();
            return;
        }
        if self.disk.is_some() {
            for addr in std::mem::take(&mut self.waiting_peers) {
                self.connect_peer(addr);
            }
            if !self.picker.is_finished() {
                self.reconnect_known_peers();
            }
            self.restart_announcing();
        }
        self.publish();
    }

    /// Forgets every piece and checks the files again (libtorrent's `force_recheck`).
    pub(super) fn force_recheck(&mut self) {
        if self.disk.is_none() && self.error.is_none() {
            // Still checking.
            return;
        }
        self.restart_check();
    }

    /// A torrent error stops it: peers closed (outgoing ones remembered), trackers told
    /// `stopped`, paused (`torrent_paused`).
    pub(super) fn stop_for_error(&mut self) {
        self.disconnect_all();
        if !self.paused {
            self.paused = true;
            drop(self.announce_stopped());
            self.post(AlertKind::TorrentPaused {
                torrent: self.torrent_ref(),
            });
        }
    }

    /// Forgets every piece and checks the files again.
    fn restart_check(&mut self) {
        self.disconnect_all();
        self.disk = None;
        self.buffers.clear();
        self.piece_senders.clear();
        self.error = None;
        self.picker = Picker::new(
            *self.picker.geometry(),
            PickerConfig {
                seed: self.config.picker_seed,
                ..PickerConfig::default()
            },
        );
        self.checked_pieces
            .store(0, std::sync::atomic::Ordering::Relaxed);
        self.start.resume_have = None;
        self.set_state(TorrentState::CheckingFiles);
        self.start_check();
        self.publish();
    }

    /// Sets file priorities (0 to 7): the picker's wanted pieces and the storage's part file
    /// follow; a torrent that finished may be downloading again.
    pub(super) fn set_file_priorities(&mut self, priorities: Vec<u8>) {
        self.start.file_priorities = priorities.iter().map(|&p| p.min(7)).collect();
        if self.disk.is_none() {
            // The check applies them when it finishes.
            return;
        }
        if let Err(error) = self.apply_file_priorities() {
            return self.fail(error);
        }
        self.wanted_bytes = self.wanted_bytes();
        if let Some(disk) = &self.disk {
            drop(disk.set_file_priorities(self.start.file_priorities.clone()));
        }
        self.after_priority_change();
    }

    /// Sets one piece's priority (0 to 7).
    pub(super) fn set_piece_priority(&mut self, piece: PieceIndex, priority: u8) {
        let priority = lt_picker::Priority::new(priority.min(7)).unwrap_or_default();
        if self.picker.set_piece_priority(piece, priority).is_err() {
            return;
        }
        self.wanted_bytes = self.wanted_bytes();
        self.after_priority_change();
    }

    fn after_priority_change(&mut self) {
        if self.picker.is_finished() {
            if matches!(self.state, TorrentState::Downloading) {
                self.set_finished();
            }
        } else if self.state != TorrentState::CheckingFiles {
            self.set_state(TorrentState::Downloading);
            if !self.paused {
                self.reconnect_known_peers();
            }
            let keys: Vec<_> = self.peers.keys().copied().collect();
            for key in keys {
                self.update_interest(key);
            }
            self.request_from_all();
        }
        self.publish();
    }

    /// Reports how many bytes of each file are had (libtorrent's `file_progress` with
    /// piece granularity).
    pub(super) fn file_progress(&self) -> Vec<u64> {
        let mut progress = vec![0u64; self.info.num_files()];
        for piece in self.picker.have_pieces().iter_ones() {
            let piece = PieceIndex::new(piece as u32);
            let size = u64::from(self.info.piece_size(piece));
            for slice in self.info.map_block(piece, 0, size) {
                if let Some(done) = progress.get_mut(slice.file_index.get() as usize) {
                    *done += slice.size;
                }
            }
        }
        progress
    }

    /// Every peer, as libtorrent's `get_peer_info` describes them.
    pub(super) fn peer_info(&self) -> Vec<PeerInfo> {
        self.peers.values().map(super::peers::Peer::info).collect()
    }

    /// Moves the files to `path` (libtorrent's `move_storage`); `storage_moved` or
    /// `storage_moved_failed` follows.
    pub(super) fn move_storage(&mut self, path: PathBuf, flags: MoveFlags) {
        let Some(disk) = self.disk.clone() else {
            return;
        };
        let old_path = self.config.save_path.clone();
        let moved = disk.move_storage(path.clone(), flags);
        let events = self.control_sender.clone();
        tokio::spawn(async move {
            let result = moved.await;
            let _ = events.send(ControlEvent::Moved {
                old_path,
                new_path: path,
                result,
            });
        });
    }

    /// Renames file `file` to `name` (relative to the save path); `file_renamed` or
    /// `file_rename_failed` follows.
    pub(super) fn rename_file(&mut self, file: FileIndex, name: String) {
        let Some(disk) = self.disk.clone() else {
            return;
        };
        let old_name = self.info.files().file_path(file).to_owned();
        let renamed = disk.rename_file(file, name.clone());
        let events = self.control_sender.clone();
        tokio::spawn(async move {
            let result = renamed.await;
            let _ = events.send(ControlEvent::Renamed {
                file,
                old_name,
                new_name: name,
                result,
            });
        });
    }

    pub(super) fn on_control_event(&mut self, event: ControlEvent) {
        match event {
            ControlEvent::Moved {
                old_path,
                new_path,
                result: Ok(()),
            } => {
                self.config.save_path.clone_from(&new_path);
                self.post(AlertKind::StorageMoved {
                    torrent: self.torrent_ref(),
                    old_path,
                    storage_path: new_path,
                });
                self.publish();
            }
            ControlEvent::Moved {
                new_path,
                result: Err(error),
                ..
            } => self.post(AlertKind::StorageMovedFailed {
                torrent: self.torrent_ref(),
                file_path: error.path().map_or(new_path, ToOwned::to_owned),
                operation: super::alerts::file_operation(error.operation()),
                error: storage_alert_error(&error),
            }),
            ControlEvent::Renamed {
                file,
                old_name,
                new_name,
                result: Ok(()),
            } => self.post(AlertKind::FileRenamed {
                torrent: self.torrent_ref(),
                file,
                old_name: old_name.into(),
                new_name: new_name.into(),
            }),
            ControlEvent::Renamed {
                file,
                result: Err(error),
                ..
            } => self.post(AlertKind::FileRenameFailed {
                torrent: self.torrent_ref(),
                file,
                error: storage_alert_error(&error),
            }),
        }
    }

    /// Flushes written blocks to the files (libtorrent's `flush_cache`); `cache_flushed`
    /// follows.
    pub(super) fn flush_cache(&self) {
        let Some(disk) = self.disk.clone() else {
            return;
        };
        let flushed = disk.flush();
        let queue = self.config.alerts.queue.clone();
        let torrent = self.torrent_ref();
        tokio::spawn(async move {
            if flushed.await.is_ok() {
                queue.post(lt_alerts::Alert::new(AlertKind::CacheFlushed { torrent }));
            }
        });
    }

    /// Stops the torrent for good: peers are closed, trackers get `stopped`, and with
    /// `delete_files` its files and part file are deleted (`torrent_deleted` or
    /// `torrent_delete_failed`). `torrent_removed` is posted, then `done` answered.
    pub(super) fn remove(&mut self, delete_files: bool, done: oneshot::Sender<()>) {
        let keys: Vec<_> = self.peers.keys().copied().collect();
        for key in keys {
            self.drop_peer(key);
        }
        let announces = if self.paused {
            Vec::new()
        } else {
            self.announce_stopped()
        };
        let stop_tracker_timeout = STOP_TRACKER_TIMEOUT;
        self.post(AlertKind::TorrentRemoved {
            torrent: self.torrent_ref(),
        });
        let disk = self.disk.take();
        let info = std::sync::Arc::clone(&self.info);
        let mut params = StorageParams::new(self.config.save_path.clone());
        params.file_priorities = self.start.file_priorities.clone();
        let queue = self.config.alerts.queue.clone();
        let torrent = self.torrent_ref();
        tokio::spawn(async move {
            if delete_files {
                let result = match disk {
                    Some(disk) => disk.delete_files(DeleteMode::Files).await,
                    None => tokio::task::spawn_blocking(move || {
                        TorrentStorage::new(info, params)?.delete_files(DeleteMode::Files)
                    })
                    .await
                    .unwrap_or(Err(lt_storage::StorageError::Cancelled)),
                };
                let kind = match result {
                    Ok(()) => AlertKind::TorrentDeleted { torrent },
                    Err(error) => AlertKind::TorrentDeleteFailed {
                        torrent,
                        error: storage_alert_error(&error),
                    },
                };
                queue.post(lt_alerts::Alert::new(kind));
            } else {
                // Dropping the storage closes its files without syncing them (as libtorrent):
                // what was written is with the OS. `release_files` would sync first.
                drop(disk);
            }
            // Trackers get a moment to hear `stopped` before the caller goes on (and maybe
            // exits).
            let _ = tokio::time::timeout(stop_tracker_timeout, async {
                for announce in announces {
                    let _ = announce.await;
                }
            })
            .await;
            let _ = done.send(());
        });
    }

    /// Sends `stopped` to the trackers that got `started`, and stops announcing; returns the
    /// announce tasks.
    fn announce_stopped(&mut self) -> Vec<tokio::task::JoinHandle<()>> {
        let announces = self.announce_event_now(Event::Stopped);
        self.trackers_stop();
        announces
    }
}
