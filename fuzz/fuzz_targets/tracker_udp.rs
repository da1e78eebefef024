//! UDP tracker packets on arbitrary bytes: the response and request readers, and a
//! `UdpTracker` core fed the bytes as its tracker's answers (with a matching transaction id, so
//! they get past the first check). Never panics; a request ends in exactly one event.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use lt_core::{PeerId, Sha1Hash};
use lt_tracker::internal::udp_packet;
use lt_tracker::{AnnounceRequest, UdpTracker, UdpTrackerConfig, UdpTrackerEvent};

fuzz_target!(|data: &[u8]| {
    let _ = udp_packet::read_response_header(data);
    let _ = udp_packet::read_announce_response(data, false);
    let _ = udp_packet::read_announce_response(data, true);
    let _ = udp_packet::read_scrape_response(
        data,
        usize::from(data.first().copied().unwrap_or(0)) % 75,
    );
    let _ = udp_packet::read_error_response(data);
    if let Some(udp_packet::UdpRequest::Announce {
        connection_id,
        transaction_id,
        request,
        url_data,
    }) = udp_packet::read_request(data)
    {
        // Re-encoding what was read gives a packet that reads back the same.
        let mut again = Vec::new();
        udp_packet::write_announce(
            &mut again,
            connection_id,
            transaction_id,
            &request,
            &url_data,
        );
        let Some(udp_packet::UdpRequest::Announce {
            request: read,
            url_data: read_data,
            ..
        }) = udp_packet::read_request(&again)
        else {
            panic!("re-encoded announce does not read back");
        };
        assert_eq!(read, request);
        assert_eq!(read_data, url_data);
    }

    // The core: answers split at 0xff bytes, each patched to the outstanding transaction id.
    let remote: SocketAddr = if data.len() % 2 == 0 {
        "127.0.0.1:6969"
    } else {
        "[::1]:6969"
    }
    .parse()
    .unwrap();
    let mut now = Instant::now();
    let mut core = UdpTracker::new(UdpTrackerConfig::default(), remote, 1);
    let request = AnnounceRequest::new(
        Sha1Hash::from_bytes([1; 20]),
        PeerId::from_bytes([2; 20]),
        3,
    );
    core.announce(now, request, b"/announce");
    let mut events = 0;
    let mut buffer = Vec::new();
    let mut transaction_id = [0; 4];
    for answer in data.split(|&byte| byte == 0xff) {
        while core.poll_transmit(now, &mut buffer).is_some() {
            if let Some(id) = buffer.get(12..16) {
                transaction_id.copy_from_slice(id);
            }
            buffer.clear();
        }
        let mut answer = answer.to_vec();
        if answer.len() >= 8 {
            answer[4..8].copy_from_slice(&transaction_id);
        }
        core.handle_datagram(now, remote, &answer);
        while let Some(event) = core.poll_event() {
            events += 1;
            if let UdpTrackerEvent::Announced { response, .. } = event {
                assert!(response.peers4.is_empty() || response.peers6.is_empty());
            }
        }
        now += Duration::from_secs(1);
        core.handle_timeout(now);
    }
    while core.poll_event().is_some() {
        events += 1;
    }
    assert!(events <= 1);
    assert_eq!(events == 1, core.is_idle());
});
