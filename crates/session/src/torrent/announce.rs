//! The torrent's trackers: lt-tracker's sans-I/O `TrackerList` says which announces to send
//! and when (tiers, `started` once the files are checked, `completed` when the download
//! finishes, intervals and back-off); each announce runs in a task of its own over lt-tracker's
//! driver and reports back to the torrent's task, which records the outcome and connects to
//! the peers it returned (never to ourselves: trackers list the announcer too).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use lt_metainfo::{AddTorrentParams, TorrentInfo};
use lt_tracker::{
    driver, AnnounceContext, AnnounceEntry, AnnounceRequest, AnnounceResponse, Event,
    PlannedAnnounce, ProtocolVersion, TrackerError, TrackerList, TrackerListSettings,
    TrackerSettings,
};

use super::alerts::announce_event;
use super::{now, Torrent};
use lt_alerts::{AlertError, AlertKind};

/// A finished announce, sent back to the torrent's task.
pub(super) struct Announced {
    pub(super) planned: PlannedAnnounce,
    pub(super) result: Result<AnnounceResponse, TrackerError>,
}

/// The torrent's trackers and when to look at them next.
pub(super) struct Trackers {
    list: TrackerList,
    list_settings: TrackerListSettings,
    settings: Arc<TrackerSettings>,
    versions: Vec<ProtocolVersion>,
    /// Where peers reach us: the endpoint the announces are made for (its port is announced).
    local_endpoint: SocketAddr,
    /// The key trackers recognise us by.
    key: u32,
    /// When to plan again; `None` while nothing is due (or no tracker is left).
    next: Option<Instant>,
    /// Announcing started (the files are checked).
    started: bool,
    /// The message of the last failed announce, cleared by a successful one.
    pub(super) last_error: Option<String>,
    /// The URL of the last tracker that answered.
    pub(super) current: Option<String>,
}

impl Trackers {
    /// The trackers of `info` followed by those of `params` (duplicates dropped), with tiers.
    pub(super) fn new(
        info: &TorrentInfo,
        params: &AddTorrentParams,
        local_endpoint: SocketAddr,
        key: u32,
    ) -> Self {
        let (params_trackers, params_tiers) = (&params.trackers, &params.tracker_tiers);
        let mut list = TrackerList::new();
        for entry in info.trackers() {
            list.add_tracker(AnnounceEntry::new(entry.url.clone()).with_tier(entry.tier));
        }
        let mut tier = 0u32;
        for (index, url) in params_trackers.iter().enumerate() {
            tier = params_tiers.get(index).copied().unwrap_or(tier);
            let tier = u8::try_from(tier).unwrap_or(u8::MAX);
            list.add_tracker(AnnounceEntry::new(url.clone()).with_tier(tier));
        }
        let mut versions = Vec::new();
        let hashes = info.info_hashes();
        if hashes.v1.is_some() {
            versions.push(ProtocolVersion::V1);
        }
        if hashes.v2.is_some() {
            versions.push(ProtocolVersion::V2);
        }
        Self {
            list,
            list_settings: TrackerListSettings::default(),
            settings: Arc::new(TrackerSettings::default()),
            versions,
            local_endpoint,
            key,
            next: None,
            started: false,
            last_error: None,
            current: None,
        }
    }

    /// Whether the torrent has any tracker.
    pub(super) fn is_empty(&self) -> bool {
        self.list.trackers().is_empty()
    }
}

impl Torrent {
    /// The files are checked: announcing starts (`started` goes out).
    pub(super) fn start_announcing(&mut self) {
        self.trackers.started = true;
        self.trackers.next = Some(now());
        self.announce_due();
    }

    /// Makes every tracker due now (libtorrent's `force_reannounce`).
    pub(super) fn announce_now(&mut self) {
        if !self.trackers.started {
            return;
        }
        let now = now();
        self.trackers.list.stop_announcing(now);
        self.trackers.next = Some(now);
        self.announce_due();
    }

    /// Announcing starts again after a pause: every tracker gets `started`.
    pub(super) fn restart_announcing(&mut self) {
        self.trackers.list.reset();
        self.start_announcing();
    }

    /// Stops announcing (until [`restart_announcing`](Self::restart_announcing)).
    pub(super) fn trackers_stop(&mut self) {
        self.trackers.started = false;
        self.trackers.next = None;
    }

    /// Sends `event` (`stopped`) now to the trackers the tier rules pick; returns the
    /// announce tasks (a removed torrent waits for them a little, as libtorrent does with
    /// `stop_tracker_timeout`).
    pub(super) fn announce_event_now(&mut self, event: Event) -> Vec<tokio::task::JoinHandle<()>> {
        if !self.trackers.started || self.trackers.is_empty() {
            return Vec::new();
        }
        let now = now();
        self.trackers.list.stop_announcing(now);
        let local = [self.trackers.local_endpoint];
        let versions = self.trackers.versions.clone();
        let context = AnnounceContext {
            event,
            is_seed: self.picker.is_finished(),
            local_endpoints: &local,
            versions: &versions,
        };
        let settings = self.trackers.list_settings.clone();
        self.trackers
            .list
            .plan_announces(now, &context, &settings)
            .into_iter()
            .filter_map(|announce| self.send_announce(announce))
            .collect()
    }

    /// The download finished: trackers not told yet get `completed` now.
    pub(super) fn announce_completed(&mut self) {
        let now = now();
        self.trackers.list.completed(now);
        self.trackers.next = Some(now);
        self.announce_due();
    }

    /// Sends the announces that are due (called every tick).
    pub(super) fn announce_due(&mut self) {
        if !self.trackers.started || self.paused || self.error.is_some() || self.trackers.is_empty()
        {
            return;
        }
        let now = now();
        if self.trackers.next.is_none_or(|next| next > now) {
            return;
        }
        let (event, is_seed) = (Event::None, self.picker.is_finished());
        let local = [self.trackers.local_endpoint];
        let versions = self.trackers.versions.clone();
        let context = AnnounceContext {
            event,
            is_seed,
            local_endpoints: &local,
            versions: &versions,
        };
        let settings = self.trackers.list_settings.clone();
        let planned = self.trackers.list.plan_announces(now, &context, &settings);
        for announce in planned {
            // The task reports back; nothing waits for it here.
            drop(self.send_announce(announce));
        }
        self.trackers.next = self.trackers.list.next_announce(now, &context, &settings);
    }

    fn send_announce(&self, planned: PlannedAnnounce) -> Option<tokio::task::JoinHandle<()>> {
        let hashes = self.info.info_hashes();
        let info_hash = match planned.version {
            ProtocolVersion::V1 => hashes.v1,
            ProtocolVersion::V2 => hashes.v2.map(|hash| hash.truncated()),
        };
        let info_hash = info_hash?;
        let total_done = self.total_done();
        let wanted = self.info.total_size();
        let mut request = AnnounceRequest::new(
            info_hash,
            self.config.peer_id,
            self.trackers.local_endpoint.port(),
        );
        request.event = planned.event;
        request.uploaded = self.stats.uploaded;
        request.downloaded = self.stats.downloaded;
        request.left = wanted.saturating_sub(total_done);
        request.corrupt = u64::from(self.stats.hash_failures) * u64::from(self.info.piece_length());
        request.key = self.trackers.key;
        request.tracker_id = planned.tracker_id.clone();
        request.support_crypto =
            self.config.settings.in_enc_policy != lt_wire::mse::EncPolicy::Disabled;
        self.post(AlertKind::TrackerAnnounce {
            torrent: self.torrent_ref(),
            tracker_url: planned.url.clone(),
            event: announce_event(planned.event),
        });
        let settings = Arc::clone(&self.trackers.settings);
        let events = self.tracker_sender.clone();
        Some(tokio::spawn(async move {
            let result = driver::announce(&planned.url, &request, &settings).await;
            let _ = events.send(Announced { planned, result });
        }))
    }

    /// An announce finished: record it, and connect to the peers it gave.
    pub(super) fn on_announced(&mut self, announced: Announced) {
        let now = now();
        let settings = self.trackers.list_settings.clone();
        match announced.result {
            Ok(response) => {
                self.trackers.list.announce_succeeded(
                    now,
                    &announced.planned,
                    &response,
                    &settings,
                );
                tracing::debug!(
                    url = %announced.planned.url,
                    peers = response.num_peers(),
                    "announce answered"
                );
                self.trackers.last_error = None;
                self.trackers.current = Some(announced.planned.url.clone());
                self.post(AlertKind::TrackerReply {
                    torrent: self.torrent_ref(),
                    tracker_url: announced.planned.url.clone(),
                    num_peers: response.num_peers(),
                });
                if let Some(message) = &response.warning_message {
                    self.post(AlertKind::TrackerWarning {
                        torrent: self.torrent_ref(),
                        tracker_url: announced.planned.url.clone(),
                        message: message.clone(),
                    });
                }
                for addr in response.peer_addrs() {
                    if self.peers.len() >= self.config.settings.connections_limit {
                        break;
                    }
                    // Trackers list the announcer too.
                    if !self.is_ourselves(addr, response.external_ip) {
                        self.connect_peer(addr);
                    }
                }
            }
            Err(error) => {
                // No retry interval from the tracker: the back-off alone decides.
                let retry = std::time::Duration::ZERO;
                self.trackers.list.announce_failed(
                    now,
                    &announced.planned,
                    &error,
                    retry,
                    &settings,
                );
                tracing::debug!(url = %announced.planned.url, %error, "announce failed");
                self.trackers.last_error = Some(format!("{}: {error}", announced.planned.url));
                let times_in_row = self
                    .trackers
                    .list
                    .find(&announced.planned.url)
                    .and_then(|index| self.trackers.list.trackers().get(index))
                    .and_then(|entry| entry.endpoint(announced.planned.local_endpoint))
                    .map_or(1, |endpoint| {
                        u32::from(endpoint.info_hash(announced.planned.version).fails)
                    });
                self.post(AlertKind::TrackerError {
                    torrent: self.torrent_ref(),
                    tracker_url: announced.planned.url.clone(),
                    times_in_row,
                    error: AlertError::from_display(error.code_name(), &error),
                    failure_reason: error.tracker_message().unwrap_or_default().to_owned(),
                });
            }
        }
        // The next tracker in the tier may be due at once after a failure.
        self.trackers.next = Some(now);
        self.announce_due();
    }
}
