//! The timeouts the upload side and interest add, and the redundant-connection rule.

use super::*;

#[test]
fn an_unchoked_peer_that_requests_nothing_times_out() {
    let config = WireConfig::default();
    let mut pair = seeding_pair(config.clone());
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    pair.events_b();
    pair.advance(config.no_request_timeout - Duration::from_secs(1));
    assert!(!pair.b.is_closed());
    pair.advance(Duration::from_secs(2));
    let events = pair.events_b();
    assert_eq!(
        events,
        [WireEvent::Closed(DisconnectReason::TimedOutNoRequest)]
    );
    assert_eq!(
        DisconnectReason::TimedOutNoRequest.code_name(),
        Some("timed_out_no_request")
    );
}

#[test]
fn mutual_disinterest_times_out_only_at_the_connection_limit() {
    let config = WireConfig::default();
    let mut pair = Pair::handshaken(config.clone());
    pair.a.set_at_connection_limit(true);
    pair.advance(config.inactivity_timeout - Duration::from_secs(1));
    assert!(!pair.a.is_closed() && !pair.b.is_closed());
    pair.advance(Duration::from_secs(2));
    assert_eq!(
        pair.events_a(),
        [WireEvent::Closed(DisconnectReason::TimedOutNoInterest)]
    );
    assert!(!pair.b.is_closed(), "b is not at its limit");
}

#[test]
fn interest_resets_the_no_interest_clock() {
    let config = WireConfig::default();
    let mut pair = Pair::handshaken(config.clone());
    pair.a.set_at_connection_limit(true);
    pair.advance(config.inactivity_timeout / 2);
    pair.a.set_interested(pair.now, true);
    pair.advance(Duration::from_secs(1));
    pair.a.set_interested(pair.now, false);
    pair.advance(config.inactivity_timeout - Duration::from_secs(5));
    assert!(!pair.a.is_closed());
    pair.advance(Duration::from_secs(10));
    assert!(pair.a.is_closed());
}

#[test]
fn two_seeds_close_as_redundant() {
    let mut pair = Pair::new(WireConfig::default());
    for connection in [&mut pair.a, &mut pair.b] {
        connection
            .set_our_pieces(Bitfield::with_all_set(16))
            .expect("before");
    }
    pair.advance(Duration::from_millis(50));
    let events = pair.events_a();
    assert_eq!(
        events.last(),
        Some(&WireEvent::Closed(DisconnectReason::UploadUploadConnection)),
        "{events:?}"
    );
    assert_eq!(DisconnectReason::UploadUploadConnection.code(), Some(37));
}
