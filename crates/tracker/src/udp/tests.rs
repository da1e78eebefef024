//! The UDP core against a scripted tracker, on a virtual clock.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lt_core::{PeerId, Sha1Hash};

use super::packet::{self, UdpRequest};
use super::*;
use crate::request::Event;

const CONNECTION_ID: u64 = 0x0102_0304_0506_0708;

/// A tracker that answers what it is sent, with switches for the failure cases.
#[derive(Default)]
struct FakeTracker {
    received: Vec<UdpRequest>,
    /// Drop this many incoming datagrams before answering.
    drop: usize,
    /// Answer announces with this instead of a valid response.
    announce_reply: Option<Vec<u8>>,
    peers: Vec<SocketAddr>,
}

impl FakeTracker {
    fn answer(&mut self, datagram: &[u8]) -> Option<Vec<u8>> {
        let request = packet::read_request(datagram).expect("a well-formed request");
        self.received.push(request.clone());
        if self.drop > 0 {
            self.drop -= 1;
            return None;
        }
        let mut out = Vec::new();
        match request {
            UdpRequest::Connect { transaction_id } => {
                packet::write_connect_response(&mut out, transaction_id, CONNECTION_ID);
            }
            UdpRequest::Announce {
                transaction_id,
                connection_id,
                ..
            } => {
                assert_eq!(connection_id, CONNECTION_ID);
                match &self.announce_reply {
                    Some(reply) => {
                        out.extend_from_slice(&packet::ACTION_ANNOUNCE.to_be_bytes());
                        out.extend_from_slice(&transaction_id.to_be_bytes());
                        out.extend_from_slice(reply);
                    }
                    None => packet::write_announce_response(
                        &mut out,
                        transaction_id,
                        1800,
                        3,
                        4,
                        &self.peers,
                    ),
                }
            }
            UdpRequest::Scrape {
                transaction_id,
                info_hashes,
                ..
            } => {
                out.extend_from_slice(&packet::ACTION_SCRAPE.to_be_bytes());
                out.extend_from_slice(&transaction_id.to_be_bytes());
                for (index, _) in info_hashes.iter().enumerate() {
                    let base = u32::try_from(index).unwrap() * 10;
                    for value in [base + 1, base + 2, base + 3] {
                        out.extend_from_slice(&value.to_be_bytes());
                    }
                }
            }
        }
        Some(out)
    }
}

struct Harness {
    core: UdpTracker,
    tracker: FakeTracker,
    now: Instant,
    remote: SocketAddr,
    sent_lengths: Vec<usize>,
}

impl Harness {
    fn new(remote: &str) -> Self {
        let remote: SocketAddr = remote.parse().unwrap();
        Self {
            core: UdpTracker::new(UdpTrackerConfig::default(), remote, 7),
            tracker: FakeTracker::default(),
            now: Instant::now(),
            remote,
            sent_lengths: Vec::new(),
        }
    }

    /// Delivers everything due, both ways, until the core is quiet.
    fn exchange(&mut self) {
        let mut buffer = Vec::new();
        while let Some(transmit) = self.core.poll_transmit(self.now, &mut buffer) {
            assert_eq!(transmit.destination, self.remote);
            self.sent_lengths.push(transmit.len);
            let datagram = std::mem::take(&mut buffer);
            if let Some(reply) = self.tracker.answer(&datagram) {
                assert!(self.core.handle_datagram(self.now, self.remote, &reply));
            }
        }
    }

    /// Moves the clock to the core's next deadline and fires it.
    fn advance_to_timeout(&mut self) -> Duration {
        let deadline = self.core.poll_timeout().expect("a deadline");
        let waited = deadline - self.now;
        self.now = deadline;
        self.core.handle_timeout(self.now);
        waited
    }

    fn announce(&mut self) -> RequestId {
        let request = AnnounceRequest {
            event: Event::Started,
            left: 16384,
            ..AnnounceRequest::new(
                Sha1Hash::from_bytes([b'a'; 20]),
                PeerId::from_bytes(*b"-LR0100-000000000000"),
                6881,
            )
        };
        self.core.announce(self.now, request, b"/announce")
    }
}

#[test]
fn connect_then_announce_like_libtorrent() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.tracker.peers = vec!["127.0.0.2:1337".parse().unwrap()];
    let id = harness.announce();
    harness.exchange();
    assert_eq!(harness.sent_lengths, [16, 109]);
    let Some(UdpTrackerEvent::Announced { request, response }) = harness.core.poll_event() else {
        panic!("no answer");
    };
    assert_eq!(request, id);
    assert_eq!(response.peers4, ["127.0.0.2:1337".parse().unwrap()]);
    assert_eq!(response.interval, Duration::from_secs(1800));
    assert_eq!(response.min_interval, Duration::from_secs(60));
    assert_eq!((response.incomplete, response.complete), (Some(3), Some(4)));
    let UdpRequest::Announce {
        request, url_data, ..
    } = &harness.tracker.received[1]
    else {
        panic!("second packet is not an announce");
    };
    assert_eq!(request.event, Event::Started);
    assert_eq!(request.left, 16384);
    assert_eq!(request.num_want, 200);
    assert_eq!(url_data, b"/announce");
    assert!(harness.core.is_idle());
    assert_eq!(harness.core.poll_timeout(), None);
}

#[test]
fn ipv6_tracker_gives_ipv6_peers() {
    let mut harness = Harness::new("[::1]:6969");
    harness.tracker.peers = vec!["[::1]:1337".parse().unwrap()];
    harness.announce();
    harness.exchange();
    let Some(UdpTrackerEvent::Announced { response, .. }) = harness.core.poll_event() else {
        panic!("no answer");
    };
    assert_eq!(response.peers6, ["[::1]:1337".parse().unwrap()]);
}

#[test]
fn connection_id_is_reused_for_a_minute() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.announce();
    harness.exchange();
    harness.now += Duration::from_secs(59);
    harness.announce();
    harness.exchange();
    assert_eq!(harness.sent_lengths, [16, 109, 109]);
    harness.now += Duration::from_secs(1);
    harness.announce();
    harness.exchange();
    assert_eq!(harness.sent_lengths, [16, 109, 109, 16, 109]);
}

#[test]
fn retransmits_after_15_times_2_to_the_n_seconds_then_times_out() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.tracker.drop = usize::MAX;
    let id = harness.announce();
    harness.exchange();
    let mut waits = Vec::new();
    while harness.core.poll_event().is_none() {
        waits.push(harness.advance_to_timeout().as_secs());
        harness.exchange();
    }
    assert_eq!(waits, [15, 30, 60, 120, 240, 480, 960, 1920, 3840]);
    assert_eq!(harness.sent_lengths, [16; 9]);
    assert!(harness.core.is_idle());
    let _ = id;
}

#[test]
fn a_lost_connect_is_sent_again_and_the_exchange_completes() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.tracker.drop = 1;
    harness.announce();
    harness.exchange();
    assert_eq!(harness.advance_to_timeout(), Duration::from_secs(15));
    harness.exchange();
    assert_eq!(harness.sent_lengths, [16, 16, 109]);
    assert!(matches!(
        harness.core.poll_event(),
        Some(UdpTrackerEvent::Announced { .. })
    ));
}

#[test]
fn an_expired_connection_id_is_fetched_again_on_retransmission() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.announce();
    harness.tracker.drop = 0;
    let mut buffer = Vec::new();
    let connect = harness
        .core
        .poll_transmit(harness.now, &mut buffer)
        .unwrap();
    assert_eq!(connect.len, 16);
    let reply = harness.tracker.answer(&buffer).unwrap();
    assert!(harness
        .core
        .handle_datagram(harness.now, harness.remote, &reply));
    harness.tracker.drop = 3;
    harness.exchange(); // announce at 0 s, lost
    harness.advance_to_timeout(); // 15 s
    harness.exchange(); // lost
    harness.advance_to_timeout(); // 45 s: the id (good until 60 s) is still used
    harness.exchange(); // lost
    harness.advance_to_timeout(); // 105 s: the id has expired, connect again
    harness.exchange();
    assert_eq!(harness.sent_lengths, [109, 109, 109, 16, 109]);
    assert!(matches!(
        harness.core.poll_event(),
        Some(UdpTrackerEvent::Announced { .. })
    ));
}

#[test]
fn foreign_datagrams_are_ignored() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.announce();
    let mut buffer = Vec::new();
    let _ = harness
        .core
        .poll_transmit(harness.now, &mut buffer)
        .unwrap();
    let reply = harness.tracker.answer(&buffer).unwrap();
    let elsewhere: SocketAddr = "127.0.0.1:6970".parse().unwrap();
    assert!(!harness.core.handle_datagram(harness.now, elsewhere, &reply));
    let mut wrong_transaction = reply.clone();
    wrong_transaction[7] ^= 0xff;
    assert!(!harness
        .core
        .handle_datagram(harness.now, harness.remote, &wrong_transaction));
    assert!(!harness
        .core
        .handle_datagram(harness.now, harness.remote, &reply[..7]));
    assert!(harness.core.poll_event().is_none());
    assert!(harness
        .core
        .handle_datagram(harness.now, harness.remote, &reply));
}

fn failure_of(reply: Vec<u8>) -> TrackerError {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.tracker.announce_reply = Some(reply);
    harness.announce();
    harness.exchange();
    match harness.core.poll_event() {
        Some(UdpTrackerEvent::Failed { error, .. }) => error,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn malformed_announce_responses_fail_with_libtorrent_errors() {
    assert!(matches!(
        failure_of(vec![0; 11]),
        TrackerError::InvalidTrackerResponseLength
    ));
    assert!(matches!(
        failure_of(vec![0; 12 + 7]),
        TrackerError::InvalidTrackerResponseLength
    ));
}

#[test]
fn error_action_and_wrong_action() {
    let mut harness = Harness::new("127.0.0.1:6969");
    harness.announce();
    let mut buffer = Vec::new();
    let _ = harness
        .core
        .poll_transmit(harness.now, &mut buffer)
        .unwrap();
    let UdpRequest::Connect { transaction_id } = packet::read_request(&buffer).unwrap() else {
        panic!();
    };
    let mut error = Vec::new();
    packet::write_error_response(&mut error, transaction_id, "torrent not registered");
    assert!(harness
        .core
        .handle_datagram(harness.now, harness.remote, &error));
    let Some(UdpTrackerEvent::Failed { error, .. }) = harness.core.poll_event() else {
        panic!();
    };
    assert_eq!(error.tracker_message(), Some("torrent not registered"));

    harness.announce();
    buffer.clear();
    let _ = harness
        .core
        .poll_transmit(harness.now, &mut buffer)
        .unwrap();
    let UdpRequest::Connect { transaction_id } = packet::read_request(&buffer).unwrap() else {
        panic!();
    };
    let mut wrong = Vec::new();
    packet::write_announce_response(&mut wrong, transaction_id, 1, 1, 1, &[]);
    assert!(harness
        .core
        .handle_datagram(harness.now, harness.remote, &wrong));
    assert!(matches!(
        harness.core.poll_event(),
        Some(UdpTrackerEvent::Failed {
            error: TrackerError::InvalidTrackerAction,
            ..
        })
    ));
}

#[test]
fn scrape_returns_one_entry_per_hash() {
    let mut harness = Harness::new("127.0.0.1:6969");
    let hashes = [Sha1Hash::from_bytes([1; 20]), Sha1Hash::from_bytes([2; 20])];
    harness.core.scrape(harness.now, &hashes);
    harness.exchange();
    assert_eq!(harness.sent_lengths, [16, 16 + 40]);
    let Some(UdpTrackerEvent::Scraped { response, .. }) = harness.core.poll_event() else {
        panic!();
    };
    assert_eq!(response.len(), 2);
    assert_eq!(response[1].complete, Some(11));
    assert_eq!(response[1].downloaded, Some(12));
    assert_eq!(response[1].incomplete, Some(13));
}

#[test]
fn concurrent_requests_share_one_connection() {
    let mut harness = Harness::new("127.0.0.1:6969");
    let first = harness.announce();
    let second = harness.announce();
    harness.exchange();
    // The first connect is answered at once and moves both requests on to their announces.
    let announces = harness
        .tracker
        .received
        .iter()
        .filter(|request| matches!(request, UdpRequest::Announce { .. }))
        .count();
    assert_eq!(announces, 2);
    let mut answered = Vec::new();
    while let Some(event) = harness.core.poll_event() {
        if let UdpTrackerEvent::Announced { request, .. } = event {
            answered.push(request);
        }
    }
    answered.sort();
    assert_eq!(answered, [first, second]);
}

#[test]
fn cancel_forgets_the_request() {
    let mut harness = Harness::new("127.0.0.1:6969");
    let id = harness.announce();
    assert!(harness.core.cancel(id));
    assert!(!harness.core.cancel(id));
    let mut buffer = Vec::new();
    assert!(harness
        .core
        .poll_transmit(harness.now, &mut buffer)
        .is_none());
}
