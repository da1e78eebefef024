//! Transfer counters, rates, and the status the task publishes.

use std::time::Duration;

use super::{Torrent, TICK};
use crate::status::{TorrentState, TorrentStatus};

/// How much of a new rate sample goes into the average each tick (about a 1 s time constant
/// at 250 ms ticks).
const SMOOTHING: f64 = 0.25;

/// A smoothed bytes-per-second rate of a growing total.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rate {
    last_total: u64,
    per_second: f64,
}

impl Rate {
    /// Takes a sample: the total is now `total`, `elapsed` after the last sample.
    pub(super) fn update(&mut self, total: u64, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64().max(1e-3);
        let sample = total.saturating_sub(self.last_total) as f64 / seconds;
        self.last_total = total;
        self.per_second += (sample - self.per_second) * SMOOTHING;
    }

    /// Bytes per second.
    pub(super) fn per_second(&self) -> f64 {
        self.per_second
    }
}

/// The torrent's counters.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) downloaded: u64,
    pub(super) uploaded: u64,
    /// Bytes received that were not needed (duplicates, pieces had).
    pub(super) redundant: u64,
    pub(super) hash_failures: u32,
    /// Bytes of the pieces that failed their hash check.
    pub(super) failed: u64,
    pub(super) last_peer_error: Option<String>,
    pub(super) download_rate: Rate,
    pub(super) upload_rate: Rate,
    /// Ticks since the last `stats` alert, and the totals it reported.
    ticks_since_stats: u32,
    reported: (u64, u64),
}

impl Torrent {
    /// A tick passed: update every rate.
    pub(super) fn update_rates(&mut self) {
        self.stats.download_rate.update(self.stats.downloaded, TICK);
        self.stats.upload_rate.update(self.stats.uploaded, TICK);
        for peer in self.peers.values_mut() {
            let (received, sent) = (peer.received, peer.sent);
            peer.rate.update(received, TICK);
            peer.queue_size.on_tick(received);
            peer.upload_rate.update(sent, TICK);
        }
    }

    /// Posts a `stats` alert once a second (libtorrent's `stats_alert`, category `stats`): the
    /// payload moved since the last one.
    pub(super) fn post_stats(&mut self) {
        self.stats.ticks_since_stats += 1;
        let interval = TICK * self.stats.ticks_since_stats;
        if interval < Duration::from_secs(1) {
            return;
        }
        self.stats.ticks_since_stats = 0;
        let (down, up) = (self.stats.downloaded, self.stats.uploaded);
        let (last_down, last_up) = std::mem::replace(&mut self.stats.reported, (down, up));
        self.post(lt_alerts::AlertKind::Stats {
            torrent: self.torrent_ref(),
            transferred: lt_alerts::TransferStats {
                upload_payload_bytes: up.saturating_sub(last_up),
                upload_protocol_bytes: 0,
                download_payload_bytes: down.saturating_sub(last_down),
                download_protocol_bytes: 0,
            },
            interval,
        });
    }

    /// Bytes of the pieces had.
    pub(super) fn total_done(&self) -> u64 {
        self.picker
            .have_pieces()
            .iter_ones()
            .map(|piece| u64::from(self.info.piece_size(lt_core::PieceIndex::new(piece as u32))))
            .sum()
    }

    /// Bytes of the wanted pieces had.
    fn total_wanted_done(&self) -> u64 {
        if self.wanted_bytes == self.info.total_size() {
            return self.total_done();
        }
        let priorities = self.picker.piece_priorities();
        self.picker
            .have_pieces()
            .iter_ones()
            .filter(|&piece| priorities.get(piece).is_some_and(|p| p.is_wanted()))
            .map(|piece| u64::from(self.info.piece_size(lt_core::PieceIndex::new(piece as u32))))
            .sum()
    }

    /// Publishes the current status to the handles.
    pub(super) fn publish(&self) {
        let total_pieces = self.info.num_pieces();
        let num_pieces = self.picker.num_have();
        let total_done = self.total_done();
        let total_wanted = self.wanted_bytes;
        let progress = match self.state {
            TorrentState::CheckingFiles => self.check_progress(),
            _ if total_wanted == 0 => 1.0,
            _ => (self.total_wanted_done() as f64 / total_wanted as f64) as f32,
        };
        let num_peers = self.peers.values().filter(|peer| peer.connected).count() as u32;
        let status = TorrentStatus {
            name: self.info.name().to_owned(),
            save_path: self.config.save_path.clone(),
            state: self.state,
            paused: self.paused,
            error: self.error.clone(),
            progress,
            num_pieces,
            total_pieces,
            total_done,
            total_wanted,
            total_payload_download: self.stats.downloaded,
            total_payload_upload: self.stats.uploaded,
            download_payload_rate: self.stats.download_rate.per_second() as u64,
            upload_payload_rate: self.stats.upload_rate.per_second() as u64,
            num_peers,
            num_seeds: self
                .peers
                .values()
                .filter(|peer| peer.connected && peer.seed)
                .count() as u32,
            num_connecting: self.peers.len() as u32 - num_peers,
            num_uploads: self
                .peers
                .values()
                .filter(|peer| peer.upload.unchoked)
                .count() as u32,
            num_hash_failures: self.stats.hash_failures,
            total_redundant_bytes: self.stats.redundant,
            total_failed_bytes: self.stats.failed,
            last_peer_error: self.stats.last_peer_error.clone(),
            current_tracker: self.trackers.current.clone(),
            last_tracker_error: self.trackers.last_error.clone(),
        };
        self.status.send_replace(status);
    }
}
