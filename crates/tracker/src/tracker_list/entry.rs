//! One tracker of a torrent and its state per local endpoint and info-hash version, as
//! libtorrent's `announce_entry`, `announce_endpoint` and `announce_infohash` keep it.

use std::net::SocketAddr;
use std::ops::BitOr;
use std::time::{Duration, Instant};

use crate::error::TrackerError;

/// The shortest wait before retrying a failed tracker (libtorrent's `tracker_retry_delay_min`).
const RETRY_DELAY_MIN: Duration = Duration::from_secs(5);
/// The longest wait before retrying a failed tracker (libtorrent's `tracker_retry_delay_max`).
const RETRY_DELAY_MAX: Duration = Duration::from_secs(60 * 60);

/// Which info-hash of a torrent an announce is for: v1 (SHA-1) or v2 (SHA-256, truncated on the
/// wire). A hybrid torrent announces both, each with its own state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// The v1 info-hash.
    V1,
    /// The v2 info-hash.
    V2,
}

impl ProtocolVersion {
    /// Both versions, v1 first.
    pub const ALL: [Self; 2] = [Self::V1, Self::V2];

    fn index(self) -> usize {
        match self {
            Self::V1 => 0,
            Self::V2 => 1,
        }
    }
}

/// Where a tracker came from (libtorrent's `announce_entry::source` bits); several may be set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TrackerSource(u8);

impl TrackerSource {
    /// The .torrent file.
    pub const TORRENT: Self = Self(1);
    /// Added by the client (`add_tracker`); the default for trackers with no source.
    pub const CLIENT: Self = Self(2);
    /// A magnet link.
    pub const MAGNET_LINK: Self = Self(4);
    /// Tracker exchange (`lt_tex`).
    pub const TEX: Self = Self(8);

    /// The raw bits.
    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether every bit of `other` is set here.
    #[must_use]
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no bit is set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for TrackerSource {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// The last error of an announce, kept for display (libtorrent's `last_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    /// libtorrent's name for it ([`TrackerError::code_name`]).
    pub code: &'static str,
    /// Its message.
    pub message: String,
}

impl From<&TrackerError> for LastError {
    fn from(error: &TrackerError) -> Self {
        Self {
            code: error.code_name(),
            message: error.to_string(),
        }
    }
}

/// The announce state of one info-hash version on one endpoint of one tracker (libtorrent's
/// `announce_infohash`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnounceInfoHash {
    /// The tracker's warning or failure text from the last answer.
    pub message: String,
    /// Why the last announce failed; `None` after a success.
    pub last_error: Option<LastError>,
    /// When the next regular announce is due; `None` for "now".
    pub next_announce: Option<Instant>,
    /// The earliest time another announce is allowed; `None` for "now".
    pub min_announce: Option<Instant>,
    /// Leechers, as the tracker last said.
    pub scrape_incomplete: Option<u32>,
    /// Seeders, as the tracker last said.
    pub scrape_complete: Option<u32>,
    /// Completed downloads, as the tracker last said.
    pub scrape_downloaded: Option<u32>,
    /// Consecutive failures.
    pub fails: u8,
    /// An announce is outstanding.
    pub updating: bool,
    /// The tracker accepted our `started` event (it is not sent again).
    pub start_sent: bool,
    /// The tracker accepted our `completed` event.
    pub complete_sent: bool,
}

impl AnnounceInfoHash {
    /// Whether the last announce did not fail.
    #[must_use]
    pub fn is_working(&self) -> bool {
        self.fails == 0
    }

    /// Whether an announce may go out now: the next announce is due (with a second of slack),
    /// the minimum interval has passed (unless a seed still owes `completed`), the fail limit is
    /// not reached (0 = no limit) and nothing is outstanding.
    #[must_use]
    pub fn can_announce(&self, now: Instant, is_seed: bool, fail_limit: u8) -> bool {
        let need_send_complete = is_seed && !self.complete_sent;
        let due = self
            .next_announce
            .is_none_or(|next| now + Duration::from_secs(1) >= next);
        let past_minimum = self.min_announce.is_none_or(|min| now >= min);
        due && (past_minimum || need_send_complete)
            && (fail_limit == 0 || self.fails < fail_limit)
            && !self.updating
    }

    /// Records a failure: one more fail, and the next try after
    /// `max(retry_interval, min(60 min, 5 s + fails² · 5 s · backoff_percent / 100))`.
    pub(crate) fn failed(&mut self, now: Instant, backoff_percent: u32, retry_interval: Duration) {
        self.fails = self.fails.saturating_add(1).min(127);
        let fails = u64::from(self.fails);
        let backoff_secs = (RETRY_DELAY_MIN.as_secs() * fails * fails)
            .saturating_mul(u64::from(backoff_percent))
            / 100;
        let backoff = Duration::from_secs(backoff_secs);
        let delay = retry_interval.max(RETRY_DELAY_MAX.min(RETRY_DELAY_MIN + backoff));
        self.next_announce = Some(now + delay);
        self.updating = false;
    }

    /// Forgets that `started` was sent and allows an announce at once.
    pub(crate) fn reset(&mut self) {
        self.start_sent = false;
        self.next_announce = None;
        self.min_announce = None;
    }
}

/// One tracker as seen from one local endpoint (listen socket), with a state per info-hash
/// version (libtorrent's `announce_endpoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceEndpoint {
    /// The local endpoint announces go out from.
    pub local_endpoint: SocketAddr,
    /// False when announcing from this endpoint is pointless (the tracker is unreachable from
    /// it).
    pub enabled: bool,
    /// The state per info-hash version ([`ProtocolVersion::V1`] first).
    pub info_hashes: [AnnounceInfoHash; 2],
}

impl AnnounceEndpoint {
    pub(crate) fn new(local_endpoint: SocketAddr) -> Self {
        Self {
            local_endpoint,
            enabled: true,
            info_hashes: Default::default(),
        }
    }

    /// The state for `version`.
    #[must_use]
    pub fn info_hash(&self, version: ProtocolVersion) -> &AnnounceInfoHash {
        &self.info_hashes[version.index()]
    }

    pub(crate) fn info_hash_mut(&mut self, version: ProtocolVersion) -> &mut AnnounceInfoHash {
        &mut self.info_hashes[version.index()]
    }
}

/// A tracker of a torrent (libtorrent's `announce_entry`).
///
/// # Examples
/// ```
/// let entry = lt_tracker::AnnounceEntry::new("udp://tracker.example:6969/announce").with_tier(1);
/// assert_eq!(entry.tier, 1);
/// assert!(!entry.verified);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceEntry {
    /// The announce URL.
    pub url: String,
    /// The `tracker id` the tracker gave, sent back as `trackerid`.
    pub tracker_id: Option<Vec<u8>>,
    /// The tier (BEP 12): lower tiers are tried first.
    pub tier: u8,
    /// Consecutive failures after which the tracker is no longer tried; 0 means no limit.
    pub fail_limit: u8,
    /// Where the tracker came from.
    pub source: TrackerSource,
    /// Whether the tracker has answered an announce at least once.
    pub verified: bool,
    /// The state per local endpoint.
    pub endpoints: Vec<AnnounceEndpoint>,
}

impl AnnounceEntry {
    /// A tracker in tier 0 with no fail limit and no source yet.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            tracker_id: None,
            tier: 0,
            fail_limit: 0,
            source: TrackerSource::default(),
            verified: false,
            endpoints: Vec::new(),
        }
    }

    /// The same tracker in `tier`.
    #[must_use]
    pub fn with_tier(mut self, tier: u8) -> Self {
        self.tier = tier;
        self
    }

    /// Whether any endpoint's last announce (for a version in `versions`) did not fail.
    #[must_use]
    pub fn is_working(&self, versions: &[ProtocolVersion]) -> bool {
        self.endpoints.iter().any(|endpoint| {
            versions
                .iter()
                .any(|&version| endpoint.info_hash(version).is_working())
        })
    }

    /// The state for `local_endpoint`, if it has one.
    #[must_use]
    pub fn endpoint(&self, local_endpoint: SocketAddr) -> Option<&AnnounceEndpoint> {
        self.endpoints
            .iter()
            .find(|endpoint| endpoint.local_endpoint == local_endpoint)
    }

    pub(crate) fn endpoint_mut(
        &mut self,
        local_endpoint: SocketAddr,
    ) -> Option<&mut AnnounceEndpoint> {
        self.endpoints
            .iter_mut()
            .find(|endpoint| endpoint.local_endpoint == local_endpoint)
    }

    /// Keeps the state of the endpoints in `local_endpoints`, adds fresh state for new ones and
    /// drops the rest, in the order given.
    pub(crate) fn sync_endpoints(&mut self, local_endpoints: &[SocketAddr]) {
        let mut old = std::mem::take(&mut self.endpoints);
        for &local_endpoint in local_endpoints {
            let endpoint = match old
                .iter()
                .position(|endpoint| endpoint.local_endpoint == local_endpoint)
            {
                Some(index) => old.swap_remove(index),
                None => AnnounceEndpoint::new(local_endpoint),
            };
            self.endpoints.push(endpoint);
        }
    }

    pub(crate) fn reset(&mut self) {
        for endpoint in &mut self.endpoints {
            for info_hash in &mut endpoint.info_hashes {
                info_hash.reset();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_the_square_of_the_fails_and_is_capped() {
        let now = Instant::now();
        let mut state = AnnounceInfoHash::default();
        let mut delays = Vec::new();
        for _ in 0..20 {
            state.failed(now, 250, Duration::ZERO);
            delays.push((state.next_announce.unwrap() - now).as_secs());
        }
        assert_eq!(&delays[..4], [17, 55, 117, 205]);
        assert_eq!(delays[19], 3600);
        state.failed(now, 250, Duration::from_secs(1800));
        assert_eq!(
            state.next_announce.unwrap() - now,
            Duration::from_secs(3600)
        );
        let mut fresh = AnnounceInfoHash::default();
        fresh.failed(now, 250, Duration::from_secs(1800));
        assert_eq!(
            fresh.next_announce.unwrap() - now,
            Duration::from_secs(1800)
        );
    }

    #[test]
    fn can_announce_rules() {
        let now = Instant::now();
        let mut state = AnnounceInfoHash::default();
        assert!(state.can_announce(now, false, 0));
        state.next_announce = Some(now + Duration::from_millis(500));
        assert!(state.can_announce(now, false, 0), "a second of slack");
        state.min_announce = Some(now + Duration::from_secs(10));
        assert!(!state.can_announce(now, false, 0));
        assert!(state.can_announce(now, true, 0), "a seed owes `completed`");
        state.min_announce = None;
        state.fails = 3;
        assert!(!state.can_announce(now, false, 3));
        assert!(state.can_announce(now, false, 0));
        state.updating = true;
        assert!(!state.can_announce(now, false, 0));
    }
}
