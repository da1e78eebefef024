//! The fast extension both ways: the allowed-fast set we offer and the one we honour, rejects,
//! suggestions.

use super::*;
use crate::allowed_fast_set;

fn offered_to_a() -> Vec<u32> {
    allowed_fast_set(IpAddr::from(ADDRESS_A), &Pair::info_hash(), 16, 5, |_| {
        false
    })
}

#[test]
fn the_allowed_fast_set_is_offered_when_the_peer_becomes_interested() {
    let mut pair = seeding_pair(WireConfig::default());
    assert_eq!(
        pair.b.offered_allowed_fast().count(),
        0,
        "not before interest"
    );
    pair.a.set_interested(pair.now, true);
    settle(&mut pair);
    let expected = offered_to_a();
    assert_eq!(expected.len(), 5);
    let offered: Vec<u32> = pair.b.offered_allowed_fast().map(PieceIndex::get).collect();
    assert_eq!(offered, expected);
    let events = pair.events_a();
    let announced: Vec<u32> = events
        .iter()
        .filter_map(|event| match event {
            WireEvent::AllowedFast(piece) => Some(piece.get()),
            _ => None,
        })
        .collect();
    assert_eq!(announced, expected);
    let honoured: Vec<u32> = pair.a.allowed_fast_pieces().map(PieceIndex::get).collect();
    assert_eq!(honoured, expected);

    // While choked, a requests an allowed-fast block and b serves it.
    let piece = expected[0];
    pair.a
        .request(pair.now, block(piece, 0))
        .expect("allowed fast");
    settle(&mut pair);
    let reads = pair.events_b();
    assert_eq!(
        reads,
        [WireEvent::Interested, WireEvent::Requested(block(piece, 0))]
    );
    serve_all(&mut pair, &reads);
    settle(&mut pair);
    assert!(matches!(
        pair.events_a().as_slice(),
        [WireEvent::BlockReceived { block: got, .. }] if *got == block(piece, 0)
    ));
}

#[test]
fn no_allowed_fast_set_without_the_peers_address_or_for_a_seed() {
    let mut pair = Pair::new(WireConfig::default());
    pair.b
        .set_our_pieces(Bitfield::with_all_set(16))
        .expect("before");
    pair.establish();
    pair.a.set_interested(pair.now, true);
    settle(&mut pair);
    assert_eq!(pair.b.offered_allowed_fast().count(), 0);

    let mut pair = Pair::new(WireConfig::default());
    pair.a
        .set_our_pieces(Bitfield::with_all_set(16))
        .expect("before");
    pair.b.set_peer_address(IpAddr::from(ADDRESS_A));
    pair.establish();
    pair.a.set_interested(pair.now, true);
    settle(&mut pair);
    assert_eq!(pair.b.offered_allowed_fast().count(), 0, "a is a seed");
}

/// Fixture `rejected_allowed_fast_not_rerequested`: a piece rejected while we are choked
/// leaves the allowed-fast set, so it cannot be requested again.
#[test]
fn a_rejected_allowed_fast_piece_is_not_requested_again() {
    let mut pair = seeding_pair(WireConfig::default());
    pair.a.set_interested(pair.now, true);
    settle(&mut pair);
    pair.events_a();
    pair.events_b();
    let allowed = offered_to_a();
    for piece in &allowed {
        pair.a
            .request(pair.now, block(*piece, 0))
            .expect("allowed fast");
    }
    settle(&mut pair);
    // b's owner cannot read any of them (b hands the reads out one by one).
    let mut rejected = 0;
    for _ in 0..10 {
        for event in pair.events_b() {
            if let WireEvent::Requested(wanted) = event {
                pair.b
                    .reject_request(pair.now, wanted)
                    .expect("a pending read");
            }
        }
        settle(&mut pair);
        rejected += pair
            .events_a()
            .into_iter()
            .filter(|event| matches!(event, WireEvent::RequestRejected(_)))
            .count();
    }
    assert_eq!(rejected, allowed.len());
    assert_eq!(pair.a.allowed_fast_pieces().count(), 0);
    for piece in &allowed {
        assert_eq!(
            pair.a.request(pair.now, block(*piece, 1)),
            Err(crate::ApiMisuse::NotAllowedFast { piece: *piece })
        );
    }
}

/// Fixture `suggest_order`: suggestions 0, 1, 2, 3 are kept latest first.
#[test]
fn suggestions_are_kept_latest_first() {
    let mut pair = seeding_pair(WireConfig::default());
    for piece in 0..4 {
        pair.b.suggest_piece(pair.now, PieceIndex::new(piece));
    }
    settle(&mut pair);
    let events = pair.events_a();
    let in_order: Vec<WireEvent> = (0..4)
        .map(|piece| WireEvent::Suggested(PieceIndex::new(piece)))
        .collect();
    assert_eq!(events, in_order);
    let suggested: Vec<u32> = pair.a.suggested_pieces().map(PieceIndex::get).collect();
    assert_eq!(suggested, [3, 2, 1, 0]);
}

/// Fixture `reject_suggest`: a suggested piece whose request is rejected leaves the list, so
/// it is not requested in a loop; fixture `invalid_suggest`: a negative index is ignored.
#[test]
fn rejected_and_invalid_suggestions_are_dropped() {
    let mut pair = seeding_pair(WireConfig::default());
    pair.b.suggest_piece(pair.now, PieceIndex::new(7));
    pair.b
        .send(
            pair.now,
            &Message::Suggest {
                piece: (-234i32) as u32,
            },
        )
        .expect("encodes");
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    let events = pair.events_a();
    assert!(events.contains(&WireEvent::Suggested(PieceIndex::new(7))));
    assert!(!pair.a.is_closed());
    assert_eq!(pair.a.suggested_pieces().count(), 1);
    pair.events_b();
    pair.a.request(pair.now, block(7, 0)).expect("unchoked");
    settle(&mut pair);
    for event in pair.events_b() {
        if let WireEvent::Requested(wanted) = event {
            pair.b.reject_request(pair.now, wanted).expect("pending");
        }
    }
    settle(&mut pair);
    assert_eq!(pair.events_a(), [WireEvent::RequestRejected(block(7, 0))]);
    assert_eq!(pair.a.suggested_pieces().count(), 0);
    // Announcing a piece drops it from both lists too.
    pair.b.suggest_piece(pair.now, PieceIndex::new(8));
    settle(&mut pair);
    pair.a.announce_piece(pair.now, PieceIndex::new(8));
    assert_eq!(pair.a.suggested_pieces().count(), 0);
}

#[test]
fn an_allowed_fast_piece_taken_three_times_over_while_choked_closes() {
    let mut pair = seeding_pair(WireConfig::default());
    pair.a.set_interested(pair.now, true);
    settle(&mut pair);
    let piece = offered_to_a()[0];
    let blocks_per_piece = 16;
    for round in 0..=3 * blocks_per_piece {
        let request = crate::BlockRequest {
            piece,
            offset: (round % blocks_per_piece) * BLOCK_SIZE,
            length: BLOCK_SIZE,
        };
        pair.a
            .send(pair.now, &Message::Request(request))
            .expect("encodes");
    }
    settle(&mut pair);
    let events = pair.events_b();
    let Some(WireEvent::Closed(reason)) = events.last() else {
        panic!("{events:?}");
    };
    assert_eq!(*reason, DisconnectReason::TooManyRequestsWhenChoked);
    assert_eq!(reason.code(), Some(43));
}

#[test]
fn choking_rejects_the_queue_but_keeps_allowed_fast_requests() {
    let config = WireConfig {
        send_buffer_low_watermark: 0,
        send_buffer_watermark: 0,
        ..WireConfig::default()
    };
    let mut pair = seeding_pair(config);
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    pair.events_a();
    let fast = offered_to_a()[0];
    let other = (0..16)
        .find(|piece| !offered_to_a().contains(piece))
        .expect("one");
    pair.a.request(pair.now, block(fast, 0)).expect("unchoked");
    pair.a.request(pair.now, block(other, 0)).expect("unchoked");
    settle(&mut pair);
    assert_eq!(
        pair.b.upload_queue_len(),
        2,
        "a zero watermark hands out no read"
    );
    pair.b.choke(pair.now);
    assert_eq!(pair.b.upload_queue_len(), 1);
    settle(&mut pair);
    assert_eq!(
        pair.events_a(),
        [
            WireEvent::Choked,
            WireEvent::RequestRejected(block(other, 0))
        ]
    );
    assert_eq!(pair.a.outstanding_requests(), 1);
}
