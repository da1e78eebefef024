//! [`TrackerList`]: a torrent's trackers in tier order (BEP 12) with libtorrent's per-endpoint
//! announce state, and the operations on the list itself.

mod entry;
mod schedule;

use std::time::{Duration, Instant};

pub use self::entry::{
    AnnounceEndpoint, AnnounceEntry, AnnounceInfoHash, LastError, ProtocolVersion, TrackerSource,
};
pub use self::schedule::{AnnounceContext, PlannedAnnounce};

use crate::url::TrackerUrl;

/// The libtorrent settings that decide which trackers are announced to and how often.
///
/// # Examples
/// ```
/// let settings = lt_tracker::TrackerListSettings::default();
/// assert!(!settings.announce_to_all_tiers && !settings.announce_to_all_trackers);
/// assert_eq!(settings.min_announce_interval.as_secs(), 300);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerListSettings {
    /// Announce to one tracker in every tier, not just the first tier that works
    /// (`announce_to_all_tiers`, off).
    pub announce_to_all_tiers: bool,
    /// Announce to every tracker (`announce_to_all_trackers`, off).
    pub announce_to_all_trackers: bool,
    /// The shortest re-announce interval, whatever the tracker says (`min_announce_interval`,
    /// 300 s).
    pub min_announce_interval: Duration,
    /// How steeply retries back off after failures, in percent (`tracker_backoff`, 250).
    pub tracker_backoff: u32,
}

impl Default for TrackerListSettings {
    fn default() -> Self {
        Self {
            announce_to_all_tiers: false,
            announce_to_all_trackers: false,
            min_announce_interval: Duration::from_secs(300),
            tracker_backoff: 250,
        }
    }
}

/// A torrent's trackers, sorted by tier, each with its announce state per local endpoint and
/// info-hash version (libtorrent's `tracker_list` and the announce logic of its `torrent`).
///
/// It is sans-I/O, like the rest of the crate: [`plan_announces`](Self::plan_announces) says
/// which announces to send now (one per tier by default, falling through to the next tracker
/// when one fails, `started` first and `completed` exactly once),
/// [`next_announce`](Self::next_announce) says when to ask again, and the caller reports each
/// outcome with [`announce_succeeded`](Self::announce_succeeded) or
/// [`announce_failed`](Self::announce_failed).
///
/// # Examples
/// ```
/// use std::time::Instant;
/// use lt_tracker::{AnnounceContext, AnnounceEntry, Event, ProtocolVersion, TrackerList,
///     TrackerListSettings};
///
/// let mut list = TrackerList::new();
/// list.add_tracker(AnnounceEntry::new("http://a.example/announce"));
/// list.add_tracker(AnnounceEntry::new("http://b.example/announce").with_tier(1));
/// let context = AnnounceContext {
///     event: Event::None,
///     is_seed: false,
///     local_endpoints: &["0.0.0.0:6881".parse()?],
///     versions: &[ProtocolVersion::V1],
/// };
/// let planned = list.plan_announces(Instant::now(), &context, &TrackerListSettings::default());
/// // Only the first tier is tried, with `started` since nothing was sent yet.
/// assert_eq!(planned.len(), 1);
/// assert_eq!(planned[0].url, "http://a.example/announce");
/// assert_eq!(planned[0].event, Event::Started);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerList {
    trackers: Vec<AnnounceEntry>,
    last_working: Option<String>,
    /// A `completed` event was accepted by some tracker; none is sent again.
    complete_sent: bool,
    /// The info-hash versions of the last plan (which states count for "working").
    versions: Vec<ProtocolVersion>,
}

impl TrackerList {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The trackers, in the order they are tried.
    #[must_use]
    pub fn trackers(&self) -> &[AnnounceEntry] {
        &self.trackers
    }

    /// The index of the tracker with this URL.
    #[must_use]
    pub fn find(&self, url: &str) -> Option<usize> {
        self.trackers.iter().position(|entry| entry.url == url)
    }

    /// The URL of the tracker that last answered an announce.
    #[must_use]
    pub fn last_working_url(&self) -> Option<&str> {
        self.last_working.as_deref()
    }

    /// Whether some tracker has answered an announce.
    #[must_use]
    pub fn any_verified(&self) -> bool {
        self.trackers.iter().any(|entry| entry.verified)
    }

    /// Whether a `completed` event has been accepted by some tracker.
    #[must_use]
    pub fn is_complete_sent(&self) -> bool {
        self.complete_sent
    }

    /// Adds a tracker after the others of its tier. An empty URL is ignored; a URL already in
    /// the list only adds its source bits. Returns whether the tracker was added. A tracker with
    /// no source counts as added by the client.
    pub fn add_tracker(&mut self, mut entry: AnnounceEntry) -> bool {
        if entry.url.is_empty() {
            return false;
        }
        if let Some(index) = self.find(&entry.url) {
            if let Some(existing) = self.trackers.get_mut(index) {
                existing.source = existing.source | entry.source;
            }
            return false;
        }
        if entry.source.is_empty() {
            entry.source = TrackerSource::CLIENT;
        }
        let position = self
            .trackers
            .iter()
            .rposition(|existing| existing.tier <= entry.tier)
            .map_or(0, |index| index + 1);
        self.trackers.insert(position, entry);
        true
    }

    /// Replaces the whole list: empty URLs are skipped, a repeated URL only adds its source
    /// bits to the first, and the result is sorted by tier (stable).
    pub fn replace(&mut self, entries: impl IntoIterator<Item = AnnounceEntry>) {
        self.trackers.clear();
        self.last_working = None;
        for mut entry in entries {
            if entry.url.is_empty() {
                continue;
            }
            if let Some(existing) = self.trackers.iter_mut().find(|e| e.url == entry.url) {
                existing.source = existing.source | entry.source;
                continue;
            }
            if entry.source.is_empty() {
                entry.source = TrackerSource::CLIENT;
            }
            self.trackers.push(entry);
        }
        self.trackers.sort_by_key(|entry| entry.tier);
    }

    /// Moves each `udp://` tracker ahead of an earlier non-UDP tracker on the same host, by
    /// swapping the two (libtorrent's `prefer_udp_trackers`), even across tiers.
    pub fn prioritize_udp_trackers(&mut self) {
        let host = |url: &str| {
            TrackerUrl::parse(url)
                .map(|parts| parts.host)
                .unwrap_or_default()
        };
        let is_udp = |url: &str| url.starts_with("udp://");
        for index in 0..self.trackers.len() {
            let Some(udp) = self.trackers.get(index).filter(|entry| is_udp(&entry.url)) else {
                continue;
            };
            let udp_host = host(&udp.url);
            let earlier = self
                .trackers
                .iter()
                .take(index)
                .position(|entry| !is_udp(&entry.url) && host(&entry.url) == udp_host);
            if let Some(earlier) = earlier {
                self.trackers.swap(earlier, index);
            }
        }
    }

    /// Moves the tracker at `index` to the end of its tier (after a failure, so the next one
    /// is tried first).
    pub fn deprioritize_tracker(&mut self, index: usize) {
        if index >= self.trackers.len() {
            return;
        }
        let entry = self.trackers.remove(index);
        let tier = entry.tier;
        let position = index
            + self
                .trackers
                .iter()
                .skip(index)
                .take_while(|other| other.tier == tier)
                .count();
        self.trackers.insert(position, entry);
    }

    /// Shuffles the trackers within each tier, as BEP 12 asks for a torrent's `announce-list`.
    /// `rng_seed` makes the order reproducible.
    pub fn shuffle_tiers(&mut self, rng_seed: u64) {
        let mut state = rng_seed;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut mixed = state;
            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            mixed ^ (mixed >> 31)
        };
        let mut start = 0;
        while start < self.trackers.len() {
            let tier = self.trackers.get(start).map_or(0, |entry| entry.tier);
            let end = start
                + self
                    .trackers
                    .iter()
                    .skip(start)
                    .take_while(|entry| entry.tier == tier)
                    .count();
            // Fisher-Yates over [start, end).
            for index in (start + 1..end).rev() {
                let span = (index - start + 1) as u64;
                let pick = start + usize::try_from(next() % span).unwrap_or(0);
                self.trackers.swap(index, pick);
            }
            start = end;
        }
    }

    /// Forgets that `started` was sent and allows every tracker an announce at once (the torrent
    /// starts announcing again; libtorrent's `start_announcing`).
    pub fn reset(&mut self) {
        for entry in &mut self.trackers {
            entry.reset();
        }
    }

    /// Makes every tracker due at once, before a `stopped` announce
    /// (libtorrent's `stop_announcing`).
    pub fn stop_announcing(&mut self, now: Instant) {
        self.make_due(now, |_| true);
    }

    /// The download finished: every tracker that has not been told is due at once, so
    /// `completed` goes out.
    pub fn completed(&mut self, now: Instant) {
        self.make_due(now, |state| !state.complete_sent);
    }

    fn make_due(&mut self, now: Instant, applies: impl Fn(&AnnounceInfoHash) -> bool) {
        for entry in &mut self.trackers {
            for endpoint in entry
                .endpoints
                .iter_mut()
                .filter(|endpoint| endpoint.enabled)
            {
                for state in endpoint
                    .info_hashes
                    .iter_mut()
                    .filter(|state| applies(state))
                {
                    state.next_announce = Some(now);
                    state.min_announce = Some(now);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
