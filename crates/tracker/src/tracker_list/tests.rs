//! The tracker list's announce decisions on a virtual clock.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::error::TrackerError;
use crate::request::Event;
use crate::response::AnnounceResponse;

fn endpoint() -> SocketAddr {
    "0.0.0.0:6881".parse().unwrap()
}

fn list(trackers: &[(&str, u8)]) -> TrackerList {
    let mut list = TrackerList::new();
    for &(url, tier) in trackers {
        assert!(list.add_tracker(AnnounceEntry::new(url).with_tier(tier)));
    }
    list
}

struct Torrent {
    list: TrackerList,
    settings: TrackerListSettings,
    now: Instant,
    is_seed: bool,
    endpoints: Vec<SocketAddr>,
    versions: Vec<ProtocolVersion>,
}

impl Torrent {
    fn new(trackers: &[(&str, u8)]) -> Self {
        Self {
            list: list(trackers),
            settings: TrackerListSettings::default(),
            now: Instant::now(),
            is_seed: false,
            endpoints: vec![endpoint()],
            versions: vec![ProtocolVersion::V1],
        }
    }

    fn plan(&mut self, event: Event) -> Vec<PlannedAnnounce> {
        let context = AnnounceContext {
            event,
            is_seed: self.is_seed,
            local_endpoints: &self.endpoints,
            versions: &self.versions,
        };
        self.list.plan_announces(self.now, &context, &self.settings)
    }

    fn next(&self) -> Option<Instant> {
        let context = AnnounceContext {
            event: Event::None,
            is_seed: self.is_seed,
            local_endpoints: &self.endpoints,
            versions: &self.versions,
        };
        self.list.next_announce(self.now, &context, &self.settings)
    }

    fn succeed(&mut self, announce: &PlannedAnnounce) {
        let response = AnnounceResponse {
            interval: Duration::from_secs(1800),
            min_interval: Duration::from_secs(30),
            ..AnnounceResponse::default()
        };
        self.list
            .announce_succeeded(self.now, announce, &response, &self.settings);
    }

    fn fail(&mut self, announce: &PlannedAnnounce, error: &TrackerError) {
        self.list
            .announce_failed(self.now, announce, error, Duration::ZERO, &self.settings);
    }

    fn urls(planned: &[PlannedAnnounce]) -> Vec<&str> {
        planned
            .iter()
            .map(|announce| announce.url.as_str())
            .collect()
    }
}

#[test]
fn first_working_tracker_of_the_first_tier_only() {
    let mut torrent = Torrent::new(&[
        ("http://a/announce", 0),
        ("http://b/announce", 0),
        ("http://c/announce", 1),
    ]);
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://a/announce"]);
    assert_eq!(planned[0].event, Event::Started);
    // While it is outstanding nothing else goes out.
    assert!(torrent.plan(Event::None).is_empty());
    torrent.succeed(&planned[0]);
    assert!(torrent.plan(Event::None).is_empty());
    let entry = &torrent.list.trackers()[0];
    assert!(entry.verified);
    let state = entry
        .endpoint(endpoint())
        .unwrap()
        .info_hash(ProtocolVersion::V1);
    assert!(state.start_sent && !state.updating);
    assert_eq!(torrent.list.last_working_url(), Some("http://a/announce"));
    // The next announce is due after the interval, without `started`.
    assert_eq!(
        torrent.next(),
        Some(torrent.now + Duration::from_secs(1800))
    );
    torrent.now += Duration::from_secs(1800);
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://a/announce"]);
    assert_eq!(planned[0].event, Event::None);
}

#[test]
fn a_failing_tracker_moves_to_the_end_of_its_tier_and_the_next_is_tried() {
    let mut torrent = Torrent::new(&[
        ("http://a/announce", 0),
        ("http://b/announce", 0),
        ("http://c/announce", 1),
    ]);
    let planned = torrent.plan(Event::None);
    torrent.fail(&planned[0], &TrackerError::TimedOut);
    let order: Vec<&str> = torrent
        .list
        .trackers()
        .iter()
        .map(|entry| entry.url.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "http://b/announce",
            "http://a/announce",
            "http://c/announce"
        ]
    );
    let state = torrent.list.trackers()[1]
        .endpoint(endpoint())
        .unwrap()
        .info_hash(ProtocolVersion::V1);
    assert_eq!(state.fails, 1);
    assert_eq!(state.last_error.as_ref().unwrap().code, "timed_out");
    assert_eq!(
        state.next_announce,
        Some(torrent.now + Duration::from_secs(17))
    );
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://b/announce"]);
    torrent.fail(&planned[0], &TrackerError::TimedOut);
    // Both of tier 0 failed: tier 1 is next.
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://c/announce"]);
    // The earliest retry is a's back-off.
    torrent.succeed(&planned[0]);
    assert_eq!(torrent.next(), Some(torrent.now + Duration::from_secs(17)));
}

#[test]
fn all_tiers_and_all_trackers() {
    let trackers = [
        ("http://a/announce", 0),
        ("http://b/announce", 0),
        ("http://c/announce", 1),
        ("http://d/announce", 2),
    ];
    let mut torrent = Torrent::new(&trackers);
    torrent.settings.announce_to_all_tiers = true;
    let planned = torrent.plan(Event::None);
    assert_eq!(
        Torrent::urls(&planned),
        [
            "http://a/announce",
            "http://c/announce",
            "http://d/announce"
        ]
    );

    // All trackers means all trackers of the tier in use (libtorrent's meaning).
    let mut torrent = Torrent::new(&trackers);
    torrent.settings.announce_to_all_trackers = true;
    let planned = torrent.plan(Event::None);
    assert_eq!(
        Torrent::urls(&planned),
        ["http://a/announce", "http://b/announce"]
    );

    let mut torrent = Torrent::new(&trackers);
    torrent.settings.announce_to_all_trackers = true;
    torrent.settings.announce_to_all_tiers = true;
    assert_eq!(torrent.plan(Event::None).len(), 4);
}

#[test]
fn completed_is_sent_once() {
    let mut torrent = Torrent::new(&[("http://a/announce", 0), ("http://b/announce", 1)]);
    let planned = torrent.plan(Event::None);
    torrent.succeed(&planned[0]);

    torrent.is_seed = true;
    torrent.list.completed(torrent.now);
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://a/announce"]);
    assert_eq!(planned[0].event, Event::Completed);
    torrent.succeed(&planned[0]);
    assert!(torrent.list.is_complete_sent());
    torrent.list.completed(torrent.now);
    assert!(
        torrent.plan(Event::None).is_empty(),
        "completed was already sent"
    );

    // When a fails later, b takes over: `started`, but never `completed` again.
    torrent.now += Duration::from_secs(1800);
    let planned = torrent.plan(Event::None);
    assert_eq!(planned[0].event, Event::None);
    torrent.fail(&planned[0], &TrackerError::TimedOut);
    let planned = torrent.plan(Event::None);
    assert_eq!(Torrent::urls(&planned), ["http://b/announce"]);
    assert_eq!(planned[0].event, Event::Started);
    torrent.succeed(&planned[0]);
    // Later a (retried after its back-off, still not working) and b are both used.
    torrent.now += Duration::from_secs(1800);
    let planned = torrent.plan(Event::None);
    assert_eq!(
        Torrent::urls(&planned),
        ["http://a/announce", "http://b/announce"]
    );
    assert!(planned.iter().all(|announce| announce.event == Event::None));
}

#[test]
fn stopped_only_where_started_was_accepted() {
    let mut torrent = Torrent::new(&[("http://a/announce", 0), ("http://b/announce", 0)]);
    torrent.settings.announce_to_all_trackers = true;
    let planned = torrent.plan(Event::None);
    assert_eq!(planned.len(), 2);
    torrent.succeed(&planned[0]);
    torrent.fail(&planned[1], &TrackerError::TimedOut);
    torrent.list.stop_announcing(torrent.now);
    let planned = torrent.plan(Event::Stopped);
    assert_eq!(
        Torrent::urls(&planned),
        ["http://a/announce"],
        "b never accepted started"
    );
    assert_eq!(planned[0].event, Event::Stopped);
}

#[test]
fn status_410_means_never_again() {
    let mut torrent = Torrent::new(&[("http://a/announce", 0)]);
    let planned = torrent.plan(Event::None);
    let gone = TrackerError::HttpStatus {
        status: 410,
        reason: "Not A Tracker".into(),
    };
    torrent.fail(&planned[0], &gone);
    let entry = &torrent.list.trackers()[0];
    assert_eq!(entry.fail_limit, 1);
    let state = entry
        .endpoint(endpoint())
        .unwrap()
        .info_hash(ProtocolVersion::V1);
    assert_eq!(state.message, "Not A Tracker");
    torrent.now += Duration::from_secs(7200);
    assert!(torrent.plan(Event::None).is_empty());
    assert_eq!(torrent.next(), None);
}

#[test]
fn every_endpoint_and_version_has_its_own_state() {
    let mut torrent = Torrent::new(&[("http://a/announce", 0)]);
    torrent.endpoints = vec![endpoint(), "[::]:6881".parse().unwrap()];
    torrent.versions = ProtocolVersion::ALL.to_vec();
    let planned = torrent.plan(Event::None);
    assert_eq!(planned.len(), 4);
    for announce in &planned {
        torrent.succeed(announce);
    }
    // A listen socket that went away loses its state.
    torrent.endpoints.pop();
    torrent.now += Duration::from_secs(1800);
    assert_eq!(torrent.plan(Event::None).len(), 2);
    assert_eq!(torrent.list.trackers()[0].endpoints.len(), 1);
}

#[test]
fn intervals_and_warning_and_tracker_id() {
    let mut torrent = Torrent::new(&[("http://a/announce", 0)]);
    let planned = torrent.plan(Event::None);
    let response = AnnounceResponse {
        interval: Duration::from_secs(60),
        min_interval: Duration::from_secs(30),
        warning_message: Some("slow down".into()),
        tracker_id: Some(b"id".to_vec()),
        complete: Some(4),
        ..AnnounceResponse::default()
    };
    torrent
        .list
        .announce_succeeded(torrent.now, &planned[0], &response, &torrent.settings);
    let entry = &torrent.list.trackers()[0];
    assert_eq!(entry.tracker_id.as_deref(), Some(b"id".as_slice()));
    let state = entry
        .endpoint(endpoint())
        .unwrap()
        .info_hash(ProtocolVersion::V1);
    assert_eq!(state.message, "slow down");
    assert_eq!(state.scrape_complete, Some(4));
    // The interval is raised to min_announce_interval (300 s).
    assert_eq!(
        state.next_announce,
        Some(torrent.now + Duration::from_secs(300))
    );
    assert_eq!(
        state.min_announce,
        Some(torrent.now + Duration::from_secs(30))
    );
    torrent.now += Duration::from_secs(300);
    assert_eq!(
        torrent.plan(Event::None)[0].tracker_id.as_deref(),
        Some(b"id".as_slice())
    );
}

#[test]
fn shuffle_keeps_tiers_together() {
    let urls: Vec<String> = (0..8)
        .map(|index| format!("http://t{index}/announce"))
        .collect();
    let mut list = TrackerList::new();
    for (index, url) in urls.iter().enumerate() {
        list.add_tracker(AnnounceEntry::new(url.as_str()).with_tier(u8::from(index >= 4)));
    }
    list.shuffle_tiers(7);
    let tiers: Vec<u8> = list.trackers().iter().map(|entry| entry.tier).collect();
    assert_eq!(tiers, [0, 0, 0, 0, 1, 1, 1, 1]);
    let mut first: Vec<&str> = list.trackers()[..4]
        .iter()
        .map(|entry| entry.url.as_str())
        .collect();
    first.sort_unstable();
    assert_eq!(
        first,
        urls[..4].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let mut again = TrackerList::new();
    for (index, url) in urls.iter().enumerate() {
        again.add_tracker(AnnounceEntry::new(url.as_str()).with_tier(u8::from(index >= 4)));
    }
    again.shuffle_tiers(7);
    assert_eq!(again, list);
}

#[test]
fn sources_merge_on_duplicates() {
    let mut list = TrackerList::new();
    let mut entry = AnnounceEntry::new("http://a/announce");
    entry.source = TrackerSource::TORRENT;
    assert!(list.add_tracker(entry));
    let mut again = AnnounceEntry::new("http://a/announce");
    again.source = TrackerSource::MAGNET_LINK;
    assert!(!list.add_tracker(again));
    let source = list.trackers()[0].source;
    assert!(source.contains(TrackerSource::TORRENT) && source.contains(TrackerSource::MAGNET_LINK));
    assert!(list.add_tracker(AnnounceEntry::new("http://b/announce")));
    assert_eq!(list.trackers()[1].source, TrackerSource::CLIENT);
}
