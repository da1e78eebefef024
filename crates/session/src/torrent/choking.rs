//! The torrent's upload slots: applying the choker (`crate::choker`) to its peers. A peer
//! that becomes interested while a slot is free is unchoked at once (as libtorrent does);
//! every `unchoke_interval` the regular slots are re-ranked (tit-for-tat while downloading,
//! round-robin while seeding) and every `optimistic_unchoke_interval` the optimistic slots move
//! to the peers that waited longest.

use std::time::Instant;

use lt_picker::PeerKey;
use lt_wire::driver::Command;

use super::{now, Torrent};
use crate::choker::{self, Candidate, ChokerConfig, Mode};

/// When the choker runs next.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChokeTimers {
    next_rechoke: Instant,
    next_optimistic: Instant,
}

impl ChokeTimers {
    pub(super) fn new(now: Instant) -> Self {
        Self {
            next_rechoke: now,
            next_optimistic: now,
        }
    }
}

/// `now + interval`, or about a year from now when a setting asks for longer than the clock
/// can hold.
pub(super) fn later(now: Instant, interval: std::time::Duration) -> Instant {
    const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
    now.checked_add(interval.min(YEAR)).unwrap_or(now)
}

impl Torrent {
    fn choker_config(&self) -> ChokerConfig {
        let settings = &self.config.settings;
        let mode = if self.picker.is_finished() {
            Mode::RoundRobin {
                quota: u64::from(self.info.piece_length()).max(256 * 1024),
                turn: settings.unchoke_interval.saturating_mul(4),
            }
        } else {
            Mode::TitForTat
        };
        ChokerConfig {
            slots: settings.unchoke_slots_limit,
            optimistic_slots: settings.num_optimistic_unchoke_slots,
            mode,
        }
    }

    fn candidates(&self) -> Vec<Candidate> {
        self.peers
            .iter()
            .filter(|(_, peer)| peer.connected)
            .map(|(&key, peer)| Candidate {
                key,
                interested: peer.upload.peer_interested,
                unchoked: peer.upload.unchoked,
                optimistic: peer.upload.optimistic,
                download_rate: peer.rate.per_second(),
                upload_rate: peer.upload_rate.per_second(),
                uploaded_since_unchoke: peer.sent.saturating_sub(peer.upload.sent_at_unchoke),
                unchoked_since: peer.upload.unchoked_since,
                last_unchoked: peer.upload.last_unchoked,
            })
            .collect()
    }

    /// Chokes or unchokes `key` (optimistically or not), if that changes anything.
    fn set_unchoked(&mut self, key: PeerKey, unchoke: bool, optimistic: bool, now: Instant) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        peer.upload.optimistic = unchoke && optimistic;
        if peer.upload.unchoked == unchoke {
            return;
        }
        let command = if unchoke {
            Command::Unchoke
        } else {
            Command::Choke
        };
        if !peer.send(command) {
            return;
        }
        peer.upload.unchoked = unchoke;
        if unchoke {
            peer.upload.unchoked_since = Some(now);
            peer.upload.last_unchoked = Some(now);
            peer.upload.sent_at_unchoke = peer.sent;
        } else {
            peer.upload.unchoked_since = None;
        }
    }

    /// The peer `key` became interested in us, or stopped being.
    pub(super) fn on_peer_interest(&mut self, key: PeerKey, interested: bool) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        peer.upload.peer_interested = interested;
        if interested {
            self.fill_upload_slots();
        } else if peer.upload.unchoked {
            self.set_unchoked(key, false, false, now());
            self.fill_upload_slots();
        }
    }

    /// Unchokes interested peers while slots are free, those that waited longest first.
    pub(super) fn fill_upload_slots(&mut self) {
        if self.error.is_some() {
            return;
        }
        let config = self.choker_config();
        let candidates = self.candidates();
        let used = candidates.iter().filter(|peer| peer.unchoked).count();
        let free = config.slots.saturating_sub(used);
        if free == 0 {
            return;
        }
        let mut waiting: Vec<&Candidate> = candidates
            .iter()
            .filter(|peer| peer.interested && !peer.unchoked)
            .collect();
        waiting.sort_by(|a, b| {
            a.last_unchoked
                .cmp(&b.last_unchoked)
                .then(a.key.0.cmp(&b.key.0))
        });
        let chosen: Vec<PeerKey> = waiting.iter().take(free).map(|peer| peer.key).collect();
        let now = now();
        for key in chosen {
            self.set_unchoked(key, true, false, now);
        }
    }

    /// Runs the choker when its intervals are up (called every tick).
    pub(super) fn choke_tick(&mut self) {
        let now = now();
        let settings = std::sync::Arc::clone(&self.config.settings);
        let rotate = now >= self.choke_timers.next_optimistic;
        if rotate {
            self.choke_timers.next_optimistic = later(now, settings.optimistic_unchoke_interval);
        }
        if rotate || now >= self.choke_timers.next_rechoke {
            self.choke_timers.next_rechoke = later(now, settings.unchoke_interval);
            self.rechoke(rotate, now);
        }
    }

    /// Re-ranks the regular slots; with `rotate`, the optimistic slots move on too.
    fn rechoke(&mut self, rotate: bool, now: Instant) {
        if self.error.is_some() {
            return;
        }
        let config = self.choker_config();
        let mut candidates = self.candidates();
        if rotate {
            for peer in &mut candidates {
                peer.optimistic = false;
            }
        }
        let regular = choker::regular_unchokes(&candidates, &config, now);
        let optimistic: Vec<PeerKey> = if rotate {
            choker::optimistic_unchokes(&candidates, &regular, &config)
        } else {
            candidates
                .iter()
                .filter(|peer| peer.optimistic && peer.interested)
                .map(|peer| peer.key)
                .collect()
        };
        for peer in &candidates {
            let is_optimistic = optimistic.contains(&peer.key);
            let unchoke = is_optimistic || regular.contains(&peer.key);
            self.set_unchoked(peer.key, unchoke, is_optimistic, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_intervals_do_not_overflow_the_clock() {
        let now = Instant::now();
        assert!(later(now, std::time::Duration::MAX) > now);
        assert_eq!(
            later(now, std::time::Duration::from_secs(2)),
            now + std::time::Duration::from_secs(2)
        );
    }

    #[test]
    fn timers_start_due() {
        let now = Instant::now();
        let timers = ChokeTimers::new(now);
        assert!(timers.next_rechoke <= now && timers.next_optimistic <= now);
    }
}
