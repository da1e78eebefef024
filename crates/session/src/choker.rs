//! The choker, sans-I/O: which interested peers we upload to (libtorrent's `fixed_slots_choker`
//! with tit-for-tat while downloading and `round_robin` while seeding, plus optimistic
//! unchokes). It is plain functions over snapshots of the peers; the torrent's task applies the
//! answer and decides when to ask (every `unchoke_interval`, at once when a slot is free).

use std::time::{Duration, Instant};

use lt_picker::PeerKey;

/// One peer as the choker sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) key: PeerKey,
    /// The peer is interested in us (only interested peers are unchoked).
    pub(crate) interested: bool,
    /// We unchoke it now.
    pub(crate) unchoked: bool,
    /// Its current unchoke is an optimistic one.
    pub(crate) optimistic: bool,
    /// Payload bytes per second it sends us.
    pub(crate) download_rate: f64,
    /// Payload bytes per second we send it.
    pub(crate) upload_rate: f64,
    /// Payload bytes we sent it since its current unchoke (0 while choked).
    pub(crate) uploaded_since_unchoke: u64,
    /// When its current unchoke began (while unchoked).
    pub(crate) unchoked_since: Option<Instant>,
    /// When it was last unchoked at all (`None`: never).
    pub(crate) last_unchoked: Option<Instant>,
}

/// How the regular slots are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Downloading: peers that send us most first (tit-for-tat).
    TitForTat,
    /// Seeding (libtorrent's `round_robin`): a peer keeps its slot until it got its quota or
    /// its time, then peers that waited longest come first.
    RoundRobin {
        /// Bytes a peer may take per unchoke before it yields its slot.
        quota: u64,
        /// The longest one unchoke lasts before it yields its slot.
        turn: Duration,
    },
}

/// The choker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChokerConfig {
    /// libtorrent's `unchoke_slots_limit` (regular plus optimistic).
    pub(crate) slots: usize,
    /// Optimistic unchoke slots (libtorrent's `num_optimistic_unchoke_slots`; 0 means a fifth
    /// of the slots, at least one).
    pub(crate) optimistic_slots: usize,
    /// How the regular slots are ranked.
    pub(crate) mode: Mode,
}

impl ChokerConfig {
    /// Optimistic slots in effect.
    pub(crate) fn optimistic(&self) -> usize {
        let automatic = (self.slots / 5).max(1);
        let wanted = if self.optimistic_slots == 0 {
            automatic
        } else {
            self.optimistic_slots
        };
        wanted.min(self.slots.saturating_sub(1))
    }

    /// Regular (non-optimistic) slots.
    pub(crate) fn regular(&self) -> usize {
        self.slots - self.optimistic()
    }
}

/// The peers to unchoke regularly at a rechoke: the best-ranked interested peers that are not
/// optimistically unchoked, at most `config.regular()` of them.
pub(crate) fn regular_unchokes(
    candidates: &[Candidate],
    config: &ChokerConfig,
    now: Instant,
) -> Vec<PeerKey> {
    let mut ranked: Vec<&Candidate> = candidates
        .iter()
        .filter(|peer| peer.interested && !peer.optimistic)
        .collect();
    match config.mode {
        Mode::TitForTat => ranked.sort_by(|a, b| {
            b.download_rate
                .total_cmp(&a.download_rate)
                .then(b.unchoked.cmp(&a.unchoked))
                .then(b.upload_rate.total_cmp(&a.upload_rate))
                .then(a.key.0.cmp(&b.key.0))
        }),
        Mode::RoundRobin { quota, turn } => {
            let keeps_turn = |peer: &Candidate| {
                peer.unchoked
                    && peer.uploaded_since_unchoke < quota
                    && peer
                        .unchoked_since
                        .is_some_and(|since| now.saturating_duration_since(since) < turn)
            };
            ranked.sort_by(|a, b| {
                keeps_turn(b)
                    .cmp(&keeps_turn(a))
                    .then(a.last_unchoked.cmp(&b.last_unchoked))
                    .then(a.key.0.cmp(&b.key.0))
            });
        }
    }
    ranked
        .into_iter()
        .take(config.regular())
        .map(|peer| peer.key)
        .collect()
}

/// The peers to unchoke optimistically: interested peers outside `regular`, those unchoked
/// longest ago (or never) first, at most `config.optimistic()` of them.
pub(crate) fn optimistic_unchokes(
    candidates: &[Candidate],
    regular: &[PeerKey],
    config: &ChokerConfig,
) -> Vec<PeerKey> {
    let mut waiting: Vec<&Candidate> = candidates
        .iter()
        .filter(|peer| peer.interested && !regular.contains(&peer.key))
        .collect();
    waiting.sort_by(|a, b| {
        a.last_unchoked
            .cmp(&b.last_unchoked)
            .then(a.key.0.cmp(&b.key.0))
    });
    waiting
        .into_iter()
        .take(config.optimistic())
        .map(|peer| peer.key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interested, choked peer that never was unchoked and moves no data.
    fn candidate(key: u32) -> Candidate {
        Candidate {
            key: PeerKey(key),
            interested: true,
            unchoked: false,
            optimistic: false,
            download_rate: 0.0,
            upload_rate: 0.0,
            uploaded_since_unchoke: 0,
            unchoked_since: None,
            last_unchoked: None,
        }
    }

    const TIT_FOR_TAT: ChokerConfig = ChokerConfig {
        slots: 4,
        optimistic_slots: 0,
        mode: Mode::TitForTat,
    };

    #[test]
    fn optimistic_slots_are_a_fifth_at_least_one() {
        assert_eq!(TIT_FOR_TAT.optimistic(), 1);
        assert_eq!(TIT_FOR_TAT.regular(), 3);
        let eight = ChokerConfig {
            slots: 8,
            ..TIT_FOR_TAT
        };
        assert_eq!(eight.optimistic(), 1);
        let twenty = ChokerConfig {
            slots: 20,
            ..TIT_FOR_TAT
        };
        assert_eq!(twenty.optimistic(), 4);
        let one = ChokerConfig {
            slots: 1,
            ..TIT_FOR_TAT
        };
        assert_eq!((one.regular(), one.optimistic()), (1, 0));
    }

    #[test]
    fn tit_for_tat_unchokes_the_fastest_senders() {
        let now = Instant::now();
        let peers: Vec<Candidate> = (0..6)
            .map(|key| Candidate {
                download_rate: f64::from(key) * 1000.0,
                ..candidate(key)
            })
            .collect();
        assert_eq!(
            regular_unchokes(&peers, &TIT_FOR_TAT, now),
            vec![PeerKey(5), PeerKey(4), PeerKey(3)]
        );
    }

    #[test]
    fn uninterested_and_optimistic_peers_get_no_regular_slot() {
        let now = Instant::now();
        let mut peers: Vec<Candidate> = (0..4).map(candidate).collect();
        peers[0].interested = false;
        peers[1].optimistic = true;
        peers[1].unchoked = true;
        assert_eq!(
            regular_unchokes(&peers, &TIT_FOR_TAT, now),
            vec![PeerKey(2), PeerKey(3)]
        );
    }

    #[test]
    fn optimistic_goes_to_who_waited_longest() {
        let now = Instant::now();
        let early = now.checked_sub(Duration::from_secs(100)).unwrap_or(now);
        let late = now.checked_sub(Duration::from_secs(10)).unwrap_or(now);
        let mut peers: Vec<Candidate> = (0..4).map(candidate).collect();
        peers[0].last_unchoked = Some(late);
        peers[1].last_unchoked = Some(early);
        peers[2].last_unchoked = Some(late);
        peers[3].last_unchoked = Some(early);
        let regular = [PeerKey(3)];
        assert_eq!(
            optimistic_unchokes(&peers, &regular, &TIT_FOR_TAT),
            vec![PeerKey(1)]
        );
        // Never unchoked beats unchoked long ago.
        peers[2].last_unchoked = None;
        assert_eq!(
            optimistic_unchokes(&peers, &regular, &TIT_FOR_TAT),
            vec![PeerKey(2)]
        );
    }

    #[test]
    fn round_robin_rotates_peers_that_had_their_quota() {
        let now = Instant::now();
        let before = |secs| now.checked_sub(Duration::from_secs(secs)).unwrap_or(now);
        let config = ChokerConfig {
            slots: 3,
            optimistic_slots: 1,
            mode: Mode::RoundRobin {
                quota: 1 << 20,
                turn: Duration::from_secs(60),
            },
        };
        // 0 and 1 hold the two regular slots; 0 got its quota; 2 and 3 wait, 3 longest.
        let mut peers: Vec<Candidate> = (0..4).map(candidate).collect();
        for (peer, uploaded) in peers.iter_mut().zip([2 << 20, 1000]) {
            peer.unchoked = true;
            peer.uploaded_since_unchoke = uploaded;
            peer.unchoked_since = Some(before(20));
            peer.last_unchoked = Some(before(20));
        }
        peers[2].last_unchoked = Some(before(40));
        peers[3].last_unchoked = Some(before(90));
        assert_eq!(
            regular_unchokes(&peers, &config, now),
            vec![PeerKey(1), PeerKey(3)]
        );
        // Once 1's turn is over too, both waiting peers get the slots.
        peers[1].unchoked_since = Some(before(61));
        assert_eq!(
            regular_unchokes(&peers, &config, now),
            vec![PeerKey(3), PeerKey(2)]
        );
    }
}
