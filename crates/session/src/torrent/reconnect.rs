//! Reconnecting to peers we dialed (libtorrent's peer list retries): a peer whose connection
//! failed is tried again after `min_reconnect_time` times its fail count, until it failed
//! `max_failcount` times in a row; one that closed after a handshake is tried again after
//! `min_reconnect_time` while we still want pieces. A handshake resets the count.

use std::net::SocketAddr;

use super::{now, Torrent};

impl Torrent {
    /// Our connection to `addr` (dialed by us) ended; `failed` when it never got through.
    pub(super) fn schedule_reconnect(&mut self, addr: SocketAddr, failed: bool) {
        if self.is_banned(&addr) || self.picker.is_finished() || self.error.is_some() {
            return;
        }
        let settings = &self.config.settings;
        let fails = self.failcount.entry(addr).or_insert(0);
        if failed {
            *fails += 1;
            if *fails >= settings.max_failcount {
                return;
            }
        }
        let delay = settings
            .min_reconnect_time
            .checked_mul((*fails).max(1))
            .unwrap_or(std::time::Duration::MAX);
        if !self.reconnects.iter().any(|(_, queued)| *queued == addr) {
            self.reconnects
                .push((super::choking::later(now(), delay), addr));
        }
    }

    /// The handshake with `addr` went through: its fail count starts over.
    pub(super) fn connected_to(&mut self, addr: SocketAddr) {
        self.failcount.remove(&addr);
    }

    /// Connects the peers whose reconnect time has come (called every tick).
    pub(super) fn reconnect_due(&mut self) {
        if self.reconnects.is_empty() || self.paused || self.picker.is_finished() {
            return;
        }
        let now = now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reconnects)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.reconnects = later;
        for (_, addr) in due {
            self.connect_peer(addr);
        }
    }
}
