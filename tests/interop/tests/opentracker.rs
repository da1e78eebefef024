//! lt-tracker against a real opentracker on 127.0.0.1, over HTTP and UDP: announces (two peers
//! see each other, `stopped` removes one), scrapes, opentracker's refusal of a torrent that is
//! not on its whitelist, and a tracker list that falls through a dead tracker to opentracker.

use std::net::SocketAddr;

use lt_core::{PeerId, Sha1Hash};
use lt_interop::Opentracker;
use lt_tracker::{
    driver, AnnounceContext, AnnounceEntry, AnnounceRequest, Event, ProtocolVersion, TrackerError,
    TrackerList, TrackerListSettings, TrackerSettings,
};

const HASH: &str = "c9e15763f722f23e98a29decdfae341b98d53056";
const OTHER_HASH: &str = "0123456789abcdef0123456789abcdef01234567";

fn info_hash() -> Sha1Hash {
    HASH.parse().unwrap()
}

fn request(port: u16, event: Event, left: u64) -> AnnounceRequest {
    let mut request = AnnounceRequest::new(info_hash(), PeerId::generate(), port);
    request.event = event;
    request.left = left;
    request
}

fn peer(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Two peers announce; each sees the other; a `stopped` announce takes the first one out; a
/// scrape counts the seeder and the leecher.
async fn two_peers_meet(url: &str) {
    let settings = TrackerSettings::default();
    let first = driver::announce(url, &request(7001, Event::Started, 1000), &settings)
        .await
        .unwrap_or_else(|error| panic!("{url}: {error}"));
    assert!(first.interval.as_secs() > 0);

    let second = driver::announce(url, &request(7002, Event::Started, 0), &settings)
        .await
        .unwrap();
    let peers: Vec<SocketAddr> = second.peer_addrs().collect();
    assert!(peers.contains(&peer(7001)), "{url}: {peers:?}");
    assert_eq!(
        (second.complete, second.incomplete),
        (Some(1), Some(1)),
        "{url}"
    );

    let again = driver::announce(url, &request(7001, Event::None, 1000), &settings)
        .await
        .unwrap();
    assert!(again.peer_addrs().any(|addr| addr == peer(7002)), "{url}");

    // The scrape URL is /scrape, which SSRF mitigation refuses on a loopback address.
    let unguarded = TrackerSettings {
        ssrf_mitigation: false,
        ..TrackerSettings::default()
    };
    let scrape = driver::scrape(url, info_hash(), &unguarded).await.unwrap();
    assert_eq!(
        (scrape.complete, scrape.incomplete),
        (Some(1), Some(1)),
        "{url}"
    );

    driver::announce(url, &request(7001, Event::Stopped, 1000), &settings)
        .await
        .unwrap();
    let last = driver::announce(url, &request(7003, Event::Started, 1000), &settings)
        .await
        .unwrap();
    let peers: Vec<SocketAddr> = last.peer_addrs().collect();
    assert!(
        !peers.contains(&peer(7001)),
        "{url}: stopped peer still listed: {peers:?}"
    );
    assert!(peers.contains(&peer(7002)), "{url}: {peers:?}");
}

#[tokio::test]
async fn http_announce_and_scrape() {
    let tracker = Opentracker::start(&[HASH]);
    two_peers_meet(&tracker.http_url()).await;
}

#[tokio::test]
async fn udp_announce_and_scrape() {
    let tracker = Opentracker::start(&[HASH]);
    two_peers_meet(&tracker.udp_url()).await;
}

#[tokio::test]
async fn a_torrent_off_the_whitelist_is_refused() {
    let tracker = Opentracker::start(&[HASH]);
    let mut request = request(7001, Event::Started, 1000);
    request.info_hash = OTHER_HASH.parse().unwrap();
    let error = driver::announce(&tracker.http_url(), &request, &TrackerSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, TrackerError::TrackerFailure { .. }),
        "{error}"
    );
    let reason = error.tracker_message().unwrap_or_default();
    assert!(reason.contains("not authorized"), "{reason}");
    // Over UDP opentracker answers with an empty announce packet, which is too short.
    let error = driver::announce(&tracker.udp_url(), &request, &TrackerSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, TrackerError::InvalidTrackerResponseLength),
        "{error}"
    );
}

#[tokio::test]
async fn the_tracker_list_falls_through_a_dead_tracker() {
    let tracker = Opentracker::start(&[HASH]);
    // Nothing listens on this port: the first tracker of the tier fails to connect.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!(
        "http://127.0.0.1:{}/announce",
        dead.local_addr().unwrap().port()
    );
    drop(dead);
    let mut list = TrackerList::new();
    list.add_tracker(AnnounceEntry::new(dead_url.as_str()));
    list.add_tracker(AnnounceEntry::new(tracker.udp_url()));
    let list_settings = TrackerListSettings::default();
    let settings = TrackerSettings::default();
    let endpoints = [SocketAddr::from(([0, 0, 0, 0], 7001))];
    let context = AnnounceContext {
        event: Event::None,
        is_seed: false,
        local_endpoints: &endpoints,
        versions: &[ProtocolVersion::V1],
    };
    let mut answered = None;
    for _ in 0..2 {
        let now = std::time::Instant::now();
        for planned in list.plan_announces(now, &context, &list_settings) {
            let mut request = request(7001, planned.event, 1000);
            request.tracker_id = planned.tracker_id.clone();
            match driver::announce(&planned.url, &request, &settings).await {
                Ok(response) => {
                    list.announce_succeeded(now, &planned, &response, &list_settings);
                    answered = Some(planned.url.clone());
                }
                Err(error) => {
                    let retry = std::time::Duration::ZERO;
                    list.announce_failed(now, &planned, &error, retry, &list_settings);
                }
            }
        }
    }
    assert_eq!(answered.as_deref(), Some(tracker.udp_url().as_str()));
    assert_eq!(list.last_working_url(), Some(tracker.udp_url().as_str()));
    // The dead tracker went to the end of the tier, with its error kept.
    let dead_entry = &list.trackers()[1];
    assert_eq!(dead_entry.url, dead_url);
    let state = dead_entry.endpoints[0].info_hash(ProtocolVersion::V1);
    assert_eq!(state.fails, 1);
    assert_eq!(
        state.last_error.as_ref().map(|error| error.code),
        Some("io_error")
    );
    let working = list.trackers()[0].endpoints[0].info_hash(ProtocolVersion::V1);
    assert!(working.start_sent && working.is_working());
}
