//! Which announces a [`TrackerList`] sends and when (libtorrent's `announce_with_tracker` and
//! `update_tracker_timer`), and what their outcomes change.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::entry::{AnnounceInfoHash, LastError, ProtocolVersion};
use super::{TrackerList, TrackerListSettings};
use crate::error::TrackerError;
use crate::request::Event;
use crate::response::{AnnounceResponse, ScrapeResponse};

/// What the torrent is doing, for planning its announces.
#[derive(Debug, Clone, Copy)]
pub struct AnnounceContext<'a> {
    /// The event to send; with [`Event::None`] a tracker that has not accepted `started` gets
    /// `started`, and a seed whose `completed` no tracker has accepted gets `completed`.
    pub event: Event,
    /// Whether we have the whole torrent.
    pub is_seed: bool,
    /// The local endpoints (listen sockets) to announce from; each gets its own state.
    pub local_endpoints: &'a [SocketAddr],
    /// The info-hash versions the torrent has (both for a hybrid torrent).
    pub versions: &'a [ProtocolVersion],
}

/// One announce to send: to `url`, from `local_endpoint`, for the `version` info-hash, with
/// `event`. Report its outcome with [`TrackerList::announce_succeeded`] or
/// [`TrackerList::announce_failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAnnounce {
    /// The tracker's announce URL.
    pub url: String,
    /// The local endpoint to send from.
    pub local_endpoint: SocketAddr,
    /// Which info-hash to announce.
    pub version: ProtocolVersion,
    /// The event to send.
    pub event: Event,
    /// The tracker id to send back, if the tracker gave one.
    pub tracker_id: Option<Vec<u8>>,
}

/// Progress through the tiers for one local endpoint and version.
#[derive(Debug, Clone, Copy)]
struct TierState {
    /// The tier of the first working tracker found; `None` until then.
    tier: Option<u8>,
    sent_announce: bool,
    done: bool,
}

impl TierState {
    const START: Self = Self {
        tier: None,
        sent_announce: false,
        done: false,
    };
}

impl TrackerList {
    /// The announces to send now, marking each as outstanding.
    ///
    /// For each local endpoint and version separately, trackers are walked in order: by default
    /// the first tracker that works (or, while none has worked yet, the next untried one) gets
    /// the announce and the walk stops; `announce_to_all_tiers` continues with one tracker per
    /// later tier, `announce_to_all_trackers` with every tracker. A tracker that may not announce
    /// yet (interval, minimum interval, fail limit, outstanding request) but works still counts
    /// as the tier's announce. `stopped` is only sent where `started` was accepted.
    pub fn plan_announces(
        &mut self,
        now: Instant,
        context: &AnnounceContext<'_>,
        settings: &TrackerListSettings,
    ) -> Vec<PlannedAnnounce> {
        let all_tiers = settings.announce_to_all_tiers;
        let all_trackers = settings.announce_to_all_trackers;
        let mut states: HashMap<(SocketAddr, ProtocolVersion), TierState> = HashMap::new();
        let mut planned = Vec::new();
        let complete_sent = self.complete_sent;
        self.versions = context.versions.to_vec();
        for entry in &mut self.trackers {
            entry.sync_endpoints(context.local_endpoints);
            let (tier, fail_limit) = (entry.tier, entry.fail_limit);
            for endpoint in entry
                .endpoints
                .iter_mut()
                .filter(|endpoint| endpoint.enabled)
            {
                for &version in context.versions {
                    let key = (endpoint.local_endpoint, version);
                    let state = states.entry(key).or_insert(TierState::START);
                    let info_hash = endpoint.info_hash_mut(version);
                    if state.done || (context.event == Event::Stopped && !info_hash.start_sent) {
                        continue;
                    }
                    let below_found_tier = state.tier.is_some_and(|found| tier <= found);
                    if all_tiers && !all_trackers && state.sent_announce && below_found_tier {
                        continue;
                    }
                    let above_found_tier = state.tier.is_some_and(|found| tier > found);
                    if above_found_tier && state.sent_announce && !all_tiers {
                        continue;
                    }
                    if info_hash.is_working() {
                        state.tier = Some(tier);
                        state.sent_announce = false;
                    }
                    let stop_after_working = !all_trackers && !all_tiers;
                    if !info_hash.can_announce(now, context.is_seed, fail_limit) {
                        if info_hash.is_working() {
                            state.sent_announce = true;
                            state.done |= stop_after_working;
                        }
                        continue;
                    }
                    let event = match context.event {
                        Event::None if !info_hash.start_sent => Event::Started,
                        Event::None
                            if context.is_seed && !complete_sent && !info_hash.complete_sent =>
                        {
                            Event::Completed
                        }
                        event => event,
                    };
                    planned.push(PlannedAnnounce {
                        url: entry.url.clone(),
                        local_endpoint: key.0,
                        version,
                        event,
                        tracker_id: entry.tracker_id.clone(),
                    });
                    info_hash.updating = true;
                    info_hash.next_announce = Some(now);
                    info_hash.min_announce = Some(now);
                    state.sent_announce = true;
                    if info_hash.is_working() && stop_after_working {
                        state.done = true;
                    }
                }
            }
            let every_state_done = states.len()
                == context.local_endpoints.len() * context.versions.len()
                && states.values().all(|state| state.done);
            if every_state_done {
                break;
            }
        }
        planned
    }

    /// When [`plan_announces`](Self::plan_announces) should next be called: the earliest time
    /// a tracker that the tier rules would use becomes due (never before `now`), or `None` when
    /// no tracker will ever be due (none left, or all over their fail limit).
    #[must_use]
    pub fn next_announce(
        &self,
        now: Instant,
        context: &AnnounceContext<'_>,
        settings: &TrackerListSettings,
    ) -> Option<Instant> {
        let all_tiers = settings.announce_to_all_tiers;
        let all_trackers = settings.announce_to_all_trackers;
        let mut states: HashMap<(SocketAddr, ProtocolVersion), (Option<u8>, bool, bool)> =
            HashMap::new();
        let mut next: Option<Instant> = None;
        for entry in &self.trackers {
            for &local_endpoint in context.local_endpoints {
                let endpoint = entry.endpoint(local_endpoint);
                if endpoint.is_some_and(|endpoint| !endpoint.enabled) {
                    continue;
                }
                for &version in context.versions {
                    let fresh = AnnounceInfoHash::default();
                    let info_hash = endpoint.map_or(&fresh, |endpoint| endpoint.info_hash(version));
                    let (found_tier, found_working, done) = states
                        .entry((local_endpoint, version))
                        .or_insert((None, false, false));
                    if *done {
                        continue;
                    }
                    let within_found = found_tier.is_some_and(|found| entry.tier <= found);
                    if all_tiers && *found_working && within_found {
                        continue;
                    }
                    if found_tier.is_some_and(|found| entry.tier > found) && !all_tiers {
                        *done = true;
                        continue;
                    }
                    if info_hash.is_working() {
                        *found_tier = Some(entry.tier);
                        *found_working = false;
                    }
                    let over_limit = entry.fail_limit != 0 && info_hash.fails >= entry.fail_limit;
                    if over_limit {
                        continue;
                    }
                    if info_hash.updating {
                        *found_working = true;
                    } else {
                        let due = info_hash
                            .next_announce
                            .max(info_hash.min_announce)
                            .unwrap_or(now);
                        if !*found_working || info_hash.is_working() {
                            next = Some(next.map_or(due, |next| next.min(due)));
                        }
                    }
                    if info_hash.is_working() {
                        *found_working = true;
                    }
                    if *found_working && !all_trackers && !all_tiers {
                        *done = true;
                    }
                }
            }
        }
        next.map(|next| next.max(now))
    }

    fn state_mut(&mut self, announce: &PlannedAnnounce) -> Option<(usize, &mut AnnounceInfoHash)> {
        let index = self.find(&announce.url)?;
        let entry = self.trackers.get_mut(index)?;
        let endpoint = entry.endpoint_mut(announce.local_endpoint)?;
        Some((index, endpoint.info_hash_mut(announce.version)))
    }

    /// Records an answer: the interval (at least `min_announce_interval`) and minimum interval
    /// set the next announce, `started`/`completed` are marked as accepted, the fail count and
    /// error are cleared, the warning (or nothing) becomes the message, scrape figures and the
    /// tracker id are kept. An announce for a tracker no longer in the list is ignored.
    pub fn announce_succeeded(
        &mut self,
        now: Instant,
        announce: &PlannedAnnounce,
        response: &AnnounceResponse,
        settings: &TrackerListSettings,
    ) {
        let interval = response.interval.max(settings.min_announce_interval);
        let Some((index, state)) = self.state_mut(announce) else {
            return;
        };
        if let Some(incomplete) = response.incomplete {
            state.scrape_incomplete = Some(incomplete);
        }
        if let Some(complete) = response.complete {
            state.scrape_complete = Some(complete);
        }
        if let Some(downloaded) = response.downloaded {
            state.scrape_downloaded = Some(downloaded);
        }
        let mut completed_now = false;
        match announce.event {
            Event::Started => state.start_sent = true,
            Event::Completed if !state.complete_sent => {
                state.complete_sent = true;
                completed_now = true;
            }
            _ => {}
        }
        state.next_announce = Some(now + interval);
        state.min_announce = Some(now + response.min_interval);
        state.updating = false;
        state.fails = 0;
        state.last_error = None;
        state.message = response.warning_message.clone().unwrap_or_default();
        self.complete_sent |= completed_now;
        if let Some(entry) = self.trackers.get_mut(index) {
            entry.verified = true;
            if let Some(tracker_id) = response.tracker_id.as_ref().filter(|id| !id.is_empty()) {
                entry.tracker_id = Some(tracker_id.clone());
            }
            self.last_working = Some(entry.url.clone());
        }
    }

    /// Records a failure: one more fail with back-off (at least `retry_interval`, the interval
    /// a failing tracker asked for), the error and the tracker's message kept. A `410` status
    /// means "never again" (fail limit 1). When no endpoint of the tracker works any more, it
    /// moves to the end of its tier. Call [`plan_announces`](Self::plan_announces) afterwards
    /// to try the next tracker.
    pub fn announce_failed(
        &mut self,
        now: Instant,
        announce: &PlannedAnnounce,
        error: &TrackerError,
        retry_interval: Duration,
        settings: &TrackerListSettings,
    ) {
        let Some((index, state)) = self.state_mut(announce) else {
            return;
        };
        state.failed(now, settings.tracker_backoff, retry_interval);
        state.last_error = Some(LastError::from(error));
        state.message = error.tracker_message().unwrap_or_default().to_owned();
        let Some(entry) = self.trackers.get_mut(index) else {
            return;
        };
        if matches!(error, TrackerError::HttpStatus { status: 410, .. }) {
            entry.fail_limit = 1;
        }
        if !entry.is_working(&self.versions) {
            self.deprioritize_tracker(index);
        }
    }

    /// Records a scrape answer from `url` for `local_endpoint` and `version`.
    pub fn scrape_succeeded(
        &mut self,
        url: &str,
        local_endpoint: SocketAddr,
        version: ProtocolVersion,
        response: &ScrapeResponse,
    ) {
        let announce = PlannedAnnounce {
            url: url.to_owned(),
            local_endpoint,
            version,
            event: Event::None,
            tracker_id: None,
        };
        if let Some((_, state)) = self.state_mut(&announce) {
            if let Some(complete) = response.complete {
                state.scrape_complete = Some(complete);
            }
            if let Some(incomplete) = response.incomplete {
                state.scrape_incomplete = Some(incomplete);
            }
            if let Some(downloaded) = response.downloaded {
                state.scrape_downloaded = Some(downloaded);
            }
        }
    }
}
