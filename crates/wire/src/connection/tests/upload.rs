//! The upload side: reads under the send-buffer watermark, cancels, invalid requests,
//! too many requests while choked, predictive pieces.

use super::*;

fn unchoked_seeding_pair(config: WireConfig) -> Pair {
    let mut pair = seeding_pair(config);
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    pair.events_a();
    pair.events_b();
    pair
}

#[test]
fn reads_are_handed_out_under_the_send_buffer_watermark() {
    let mut pair = unchoked_seeding_pair(WireConfig::default());
    for index in 0..32 {
        pair.a
            .request(pair.now, block(index / 16, index % 16))
            .expect("unchoked");
    }
    settle(&mut pair);
    // Nothing uploaded yet: the watermark is the low one, 10 KiB, so one read at a time.
    let now = pair.now;
    assert_eq!(pair.b.send_buffer_watermark(now), 10 * 1024);
    assert_eq!(pair.b.pending_reads(), 1);
    assert_eq!(pair.b.upload_queue_len(), 31);
    let mut served = 0;
    let mut received = 0;
    for _ in 0..200 {
        let events = pair.events_b();
        // Invariant: a read is handed out only while the buffer and reads are under it.
        let watermark = pair.b.send_buffer_watermark(pair.now);
        let in_flight = pair.b.send_buffer_len() + pair.b.pending_reads() * BLOCK_SIZE as usize;
        assert!(
            in_flight < watermark + BLOCK_SIZE as usize,
            "{in_flight} vs {watermark}"
        );
        served += serve_all(&mut pair, &events);
        pair.advance(Duration::from_millis(5));
        received += pair
            .events_a()
            .iter()
            .filter(|event| matches!(event, WireEvent::BlockReceived { .. }))
            .count();
    }
    assert_eq!((served, received), (32, 32));
    assert!(
        pair.b.send_buffer_watermark(pair.now) > 10 * 1024,
        "the upload rate raised it"
    );
}

#[test]
fn a_poll_transmit_caller_that_stops_reading_stops_the_reads() {
    let mut pair = unchoked_seeding_pair(WireConfig::default());
    for index in 0..8 {
        pair.a.request(pair.now, block(0, index)).expect("unchoked");
    }
    settle(&mut pair);
    // Serve without letting the pair take b's bytes: the send buffer fills and no more
    // reads come.
    for _ in 0..8 {
        let events = pair.events_b();
        serve_all(&mut pair, &events);
    }
    assert!(pair.b.send_buffer_len() >= BLOCK_SIZE as usize);
    assert_eq!(pair.b.pending_reads(), 0);
    assert_eq!(pair.b.upload_queue_len(), 7);
    // Taking the bytes lets the next read out.
    let mut out = Vec::new();
    while pair.b.poll_transmit(&mut out) > 0 {
        out.clear();
    }
    assert!(matches!(pair.b.poll_event(), Some(WireEvent::Requested(_))));
}

#[test]
fn a_cancel_of_a_queued_request_is_answered_with_a_reject() {
    let config = WireConfig {
        send_buffer_low_watermark: 0,
        send_buffer_watermark: 0,
        ..WireConfig::default()
    };
    let mut pair = unchoked_seeding_pair(config);
    pair.a.request(pair.now, block(2, 0)).expect("unchoked");
    pair.a.request(pair.now, block(2, 1)).expect("unchoked");
    settle(&mut pair);
    assert_eq!(pair.b.upload_queue_len(), 2);
    pair.a.cancel(pair.now, block(2, 0));
    assert_eq!(pair.a.outstanding_requests(), 1);
    settle(&mut pair);
    assert_eq!(pair.b.upload_queue_len(), 1);
    assert!(
        pair.events_a().is_empty(),
        "the reject is for a request a dropped"
    );
}

/// Fixture `invalid_request`: interested, then a request for piece 1 block 0 that we lack:
/// reported with the request, rejected, and the connection stays.
#[test]
fn a_request_for_a_piece_we_lack_is_reported_and_rejected() {
    let mut pair = Pair::new(WireConfig::default());
    let mut ours = Bitfield::new(16);
    ours.set(0);
    pair.b.set_our_pieces(ours).expect("before");
    pair.establish();
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    pair.events_b();
    pair.a.request(pair.now, block(1, 0)).expect("unchoked");
    settle(&mut pair);
    let request = crate::BlockRequest {
        piece: 1,
        offset: 0,
        length: 16384,
    };
    assert_eq!(pair.events_b(), [WireEvent::InvalidRequest(request)]);
    assert!(!pair.b.is_closed());
    assert!(pair
        .events_a()
        .contains(&WireEvent::RequestRejected(block(1, 0))));
}

#[test]
fn requests_long_after_a_choke_close_the_connection() {
    let mut pair = unchoked_seeding_pair(WireConfig::default());
    pair.b.choke(pair.now);
    settle(&mut pair);
    let request = crate::BlockRequest {
        piece: 9,
        offset: 0,
        length: BLOCK_SIZE,
    };
    // Within two seconds of the choke: rejected only.
    pair.a
        .send(pair.now, &Message::Request(request))
        .expect("encodes");
    settle(&mut pair);
    assert!(!pair.b.is_closed());
    pair.advance(Duration::from_secs(3));
    pair.a
        .send(pair.now, &Message::Request(request))
        .expect("encodes");
    settle(&mut pair);
    let events = pair.events_b();
    assert_eq!(
        events.last(),
        Some(&WireEvent::Closed(
            DisconnectReason::TooManyRequestsWhenChoked
        ))
    );
}

/// Fixture `predictive_piece_rejects`: requests for a piece announced before its hash check
/// wait; if the piece fails they are rejected and none stays queued.
#[test]
fn requests_for_a_predictive_piece_wait_and_are_rejected_if_it_fails() {
    for passes in [false, true] {
        let mut pair = Pair::handshaken(WireConfig::default());
        pair.a.set_interested(pair.now, true);
        pair.b.unchoke(pair.now);
        pair.b
            .announce_predictive_piece(pair.now, PieceIndex::new(3));
        settle(&mut pair);
        assert!(pair
            .events_a()
            .contains(&WireEvent::PeerHave(PieceIndex::new(3))));
        pair.events_b();
        for index in 0..4 {
            pair.a.request(pair.now, block(3, index)).expect("unchoked");
        }
        settle(&mut pair);
        assert!(pair.events_b().is_empty(), "held, not handed out");
        assert_eq!(pair.b.upload_queue_len(), 4);
        if passes {
            pair.b.announce_piece(pair.now, PieceIndex::new(3));
            assert!(matches!(pair.b.poll_event(), Some(WireEvent::Requested(_))));
        } else {
            pair.b.reject_piece(pair.now, PieceIndex::new(3));
            assert_eq!(pair.b.upload_queue_len(), 0);
            settle(&mut pair);
            let rejected = pair
                .events_a()
                .into_iter()
                .filter(|event| matches!(event, WireEvent::RequestRejected(_)))
                .count();
            assert_eq!(rejected, 4);
        }
    }
}

#[test]
fn serve_checks_the_block_and_its_data() {
    let mut pair = unchoked_seeding_pair(WireConfig::default());
    let unrequested = pair.b.serve(
        pair.now,
        block(0, 0),
        Bytes::from(vec![0; BLOCK_SIZE as usize]),
    );
    assert!(matches!(
        unrequested,
        Err(crate::ApiMisuse::BlockNotRequested { .. })
    ));
    pair.a.request(pair.now, block(0, 0)).expect("unchoked");
    settle(&mut pair);
    assert_eq!(pair.events_b(), [WireEvent::Requested(block(0, 0))]);
    let short = pair
        .b
        .serve(pair.now, block(0, 0), Bytes::from_static(b"short"));
    assert!(matches!(
        short,
        Err(crate::ApiMisuse::BlockDataLength { .. })
    ));
    let data = Bytes::from(vec![7; BLOCK_SIZE as usize]);
    pair.b
        .serve(pair.now, block(0, 0), data.clone())
        .expect("pending");
    assert!(
        pair.b.serve(pair.now, block(0, 0), data).is_err(),
        "served once"
    );
}
