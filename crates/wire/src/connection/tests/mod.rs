//! Two connections driven against each other by [`Pair`], in virtual time. This file has the
//! basics; the other files one concern each.

mod fast;
mod metadata;
mod pieces;
mod properties;
mod timers;
mod upload;

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use lt_core::{Bitfield, PieceIndex, BLOCK_SIZE};

use crate::testing::Pair;
use crate::{Block, DisconnectReason, Message, WireConfig, WireEvent};

/// `a`'s address as `b` sees it, and the reverse.
const ADDRESS_A: [u8; 4] = [10, 0, 0, 1];
const ADDRESS_B: [u8; 4] = [10, 0, 0, 2];

/// A pair in which `b` seeds and knows `a`'s address (so it offers allowed-fast pieces), and
/// `a` knows `b`'s; both handshakes delivered.
fn seeding_pair(config: WireConfig) -> Pair {
    let mut pair = Pair::new(config);
    pair.b
        .set_our_pieces(Bitfield::with_all_set(16))
        .expect("before the handshake");
    pair.b.set_peer_address(IpAddr::from(ADDRESS_A));
    pair.a.set_peer_address(IpAddr::from(ADDRESS_B));
    pair.establish();
    pair
}

/// Delivers what is in flight (one latency and a bit).
fn settle(pair: &mut Pair) {
    pair.advance(pair.latency * 3);
}

/// `b` answers every read it was handed with bytes of the block's piece index.
fn serve_all(pair: &mut Pair, events: &[WireEvent]) -> usize {
    let mut served = 0;
    for event in events {
        if let WireEvent::Requested(wanted) = event {
            let data = Bytes::from(vec![wanted.piece.get() as u8; wanted.length as usize]);
            pair.b
                .serve(pair.now, *wanted, data)
                .expect("a pending read");
            served += 1;
        }
    }
    served
}

fn block(piece: u32, index: u32) -> Block {
    Block {
        piece: PieceIndex::new(piece),
        offset: index * BLOCK_SIZE,
        length: BLOCK_SIZE,
    }
}

#[test]
fn handshakes_and_extension_handshakes() {
    let mut pair = Pair::new(WireConfig::default());
    pair.advance(Duration::from_millis(50));
    let events = pair.events_a();
    assert!(matches!(
        events.first(),
        Some(WireEvent::HandshakeReceived { .. })
    ));
    let Some(WireEvent::ExtensionHandshake(theirs)) = events.get(1) else {
        panic!("expected the extension handshake, got {events:?}");
    };
    assert_eq!(theirs.max_queued_requests, Some(2000));
    assert_eq!(theirs.extensions.get("ut_metadata"), Some(&2));
}

#[test]
fn choke_and_interest_both_ways() {
    let mut pair = Pair::handshaken(WireConfig::default());
    let now = pair.now;
    pair.a.set_interested(now, true);
    pair.b.unchoke(now);
    pair.advance(Duration::from_millis(20));
    assert_eq!(pair.events_b(), [WireEvent::Interested]);
    assert_eq!(pair.events_a(), [WireEvent::Unchoked]);
    assert!(pair.b.peer_interested() && !pair.a.peer_choking());

    let now = pair.now;
    pair.a.set_interested(now, false);
    pair.a.set_interested(now, false); // no change, nothing sent
    pair.b.choke(now);
    pair.advance(Duration::from_millis(20));
    assert_eq!(pair.events_b(), [WireEvent::NotInterested]);
    assert_eq!(pair.events_a(), [WireEvent::Choked]);
}

#[test]
fn a_requested_block_is_served_and_arrives() {
    let mut pair = seeding_pair(WireConfig::default());
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    assert!(pair.events_a().contains(&WireEvent::Unchoked));
    let now = pair.now;
    pair.a.request(now, block(1, 2)).expect("unchoked");
    assert_eq!(pair.a.outstanding_requests(), 1);
    settle(&mut pair);
    let requested = pair.events_b();
    assert!(
        requested.contains(&WireEvent::Requested(block(1, 2))),
        "{requested:?}"
    );
    assert_eq!(serve_all(&mut pair, &requested), 1);
    settle(&mut pair);
    let events = pair.events_a();
    assert!(
        matches!(
            events.as_slice(),
            [WireEvent::BlockReceived { block: got, data }]
                if *got == block(1, 2) && data.len() == BLOCK_SIZE as usize && data[0] == 1
        ),
        "{events:?}"
    );
    assert_eq!(pair.a.outstanding_requests(), 0);
    assert_eq!(pair.b.pending_reads(), 0);
}

#[test]
fn requests_while_choked_are_rejected_with_the_fast_extension() {
    let mut pair = seeding_pair(WireConfig::default());
    // a may not request while choked (no allowed-fast piece yet) ...
    let refused = pair.a.request(pair.now, block(0, 0));
    assert_eq!(refused, Err(crate::ApiMisuse::NotAllowedFast { piece: 0 }));
    // ... so a misbehaving a sends the message itself: b rejects it.
    let request = crate::BlockRequest {
        piece: 0,
        offset: 0,
        length: BLOCK_SIZE,
    };
    pair.a
        .send(pair.now, &Message::Request(request))
        .expect("encodes");
    settle(&mut pair);
    let events = pair.events_b();
    assert!(
        !events
            .iter()
            .any(|event| matches!(event, WireEvent::Requested(_))),
        "{events:?}"
    );
    assert!(
        !pair.b.is_closed(),
        "within the grace after the (initial) choke"
    );
    assert_eq!(pair.b.upload_queue_len(), 0);
}

#[test]
fn silent_peer_is_snubbed() {
    let config = WireConfig::default();
    let mut pair = Pair::handshaken(config.clone());
    pair.b.unchoke(pair.now);
    pair.advance(Duration::from_millis(20));
    pair.events_a();
    pair.a.request(pair.now, block(0, 0)).expect("unchoked");
    pair.lose_b_to_a = true;
    pair.advance(config.request_timeout + Duration::from_secs(1));
    assert_eq!(
        pair.events_a(),
        [WireEvent::Snubbed, WireEvent::RequestTimedOut(block(0, 0))]
    );
    assert!(pair.a.is_snubbed());
}

#[test]
fn keepalives_keep_an_idle_connection_open() {
    let config = WireConfig::default();
    let mut pair = Pair::handshaken(config.clone());
    pair.advance(config.inactivity_timeout * 3);
    assert!(!pair.a.is_closed() && !pair.b.is_closed());
    assert!(pair.events_a().is_empty());
}

#[test]
fn a_silent_peer_times_out() {
    let config = WireConfig::default();
    let mut pair = Pair::handshaken(config.clone());
    pair.lose_b_to_a = true;
    pair.advance(config.inactivity_timeout + Duration::from_secs(1));
    assert_eq!(
        pair.events_a(),
        [WireEvent::Closed(DisconnectReason::TimedOutInactivity)]
    );
    assert!(pair.a.is_closed());
}

#[test]
fn no_handshake_times_out() {
    let config = WireConfig::default();
    let mut pair = Pair::new(config.clone());
    pair.lose_b_to_a = true;
    pair.advance(config.handshake_timeout + Duration::from_secs(1));
    let events = pair.events_a();
    assert_eq!(
        events,
        [WireEvent::Closed(DisconnectReason::TimedOutNoHandshake)]
    );
    let Some(WireEvent::Closed(reason)) = events.first() else {
        unreachable!()
    };
    assert_eq!(reason.code_name(), Some("timed_out_no_handshake"));
}

#[test]
fn queue_target_grows_with_the_download_rate() {
    let mut pair = seeding_pair(WireConfig::default());
    pair.a.set_interested(pair.now, true);
    pair.b.unchoke(pair.now);
    pair.advance(Duration::from_millis(20));
    pair.events_a();
    assert_eq!(pair.a.queue_target(pair.now), 4);
    // b serves every read at once; a keeps its queue full for ten seconds.
    let mut next = 0;
    for _ in 0..1000 {
        let now = pair.now;
        while pair.a.request_slots(now) > 0 {
            pair.a
                .request(now, block(next % 16, next / 16 % 16))
                .expect("unchoked");
            next += 1;
        }
        pair.advance(Duration::from_millis(10));
        let events = pair.events_b();
        serve_all(&mut pair, &events);
        pair.advance(Duration::from_millis(0));
        pair.events_a();
    }
    let target = pair.a.queue_target(pair.now);
    assert!(target > 4 && target <= 500, "queue target {target}");
}

#[test]
fn a_piece_outside_the_torrent_closes_the_connection() {
    let mut pair = Pair::handshaken(WireConfig::default());
    let bogus = Message::Piece {
        piece: 99,
        offset: 0,
        data: Bytes::from_static(b"x"),
    };
    pair.b.send(pair.now, &bogus).expect("encodes");
    pair.advance(Duration::from_millis(20));
    let events = pair.events_a();
    let [WireEvent::Closed(reason)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(reason.code_name(), Some("invalid_piece"));
}

/// A BEP 52 hash request from `a` to `b`.
fn hash_request() -> Message {
    Message::HashRequest(crate::HashRequest {
        pieces_root: lt_core::Sha256Hash::from_bytes([7; 32]),
        base_layer: 1,
        index: 0,
        count: 2,
        proof_layers: 0,
    })
}

#[test]
fn hash_messages_pass_on_a_v2_connection() {
    let config = WireConfig {
        uses_v2: true,
        listen_port: Some(6881),
        ..WireConfig::default()
    };
    let mut pair = Pair::new(config);
    pair.establish();
    let _ = pair.events_b();
    pair.a.send(pair.now, &hash_request()).expect("send");
    settle(&mut pair);
    let events = pair.events_b();
    assert!(
        events
            .iter()
            .any(|event| *event == WireEvent::Message(hash_request())),
        "{events:?}"
    );
    assert!(!pair.b.is_closed());
}

#[test]
fn hash_messages_close_a_v1_connection() {
    let mut pair = Pair::new(WireConfig::default());
    pair.establish();
    let _ = pair.events_b();
    pair.a.send(pair.now, &hash_request()).expect("send");
    settle(&mut pair);
    let events = pair.events_b();
    assert!(
        events
            .iter()
            .any(|event| matches!(event, WireEvent::Closed(DisconnectReason::Error(_)))),
        "{events:?}"
    );
    assert!(pair.b.is_closed());
}

#[test]
fn the_extension_handshake_carries_our_listen_port() {
    let config = WireConfig {
        listen_port: Some(51413),
        ..WireConfig::default()
    };
    let mut pair = Pair::new(config);
    pair.advance(Duration::from_millis(50));
    let listen_port = pair.events_a().into_iter().find_map(|event| match event {
        WireEvent::ExtensionHandshake(theirs) => theirs.listen_port,
        _ => None,
    });
    assert_eq!(listen_port, Some(51413));
}
