//! The peer's pieces: have, bitfield, have all / none, lt_donthave, and what a seed sends first;
//! and what arrives before the metadata.

use super::*;
use crate::{PeerConnection, PieceGeometry};

fn bits(pieces: &[usize]) -> Bitfield {
    let mut bits = Bitfield::new(16);
    for piece in pieces {
        bits.set(*piece);
    }
    bits
}

#[test]
fn the_peers_pieces_come_out_as_events_and_state() {
    let mut pair = Pair::new(WireConfig::default());
    pair.b
        .set_our_pieces(bits(&[1, 3]))
        .expect("before the handshake");
    pair.advance(Duration::from_millis(50));
    let events = pair.events_a();
    assert!(
        events.contains(&WireEvent::PeerBitfield(bits(&[1, 3]))),
        "{events:?}"
    );
    assert_eq!(pair.a.peer_pieces(), Some(&bits(&[1, 3])));
    assert!(!pair.a.is_peer_seed());

    pair.b.announce_piece(pair.now, PieceIndex::new(5));
    pair.b.dont_have(pair.now, PieceIndex::new(3));
    settle(&mut pair);
    assert_eq!(
        pair.events_a(),
        [
            WireEvent::PeerHave(PieceIndex::new(5)),
            WireEvent::PeerDontHave(PieceIndex::new(3))
        ]
    );
    assert_eq!(pair.a.peer_pieces(), Some(&bits(&[1, 5])));
    assert_eq!(pair.b.our_pieces(), &bits(&[1, 5]));
}

/// Fixture `lt_donthave`: a seed that sends lt_donthave(3) stops being a seed.
#[test]
fn lt_donthave_turns_a_seed_into_a_peer() {
    let mut pair = seeding_pair(WireConfig::default());
    assert!(pair.a.is_peer_seed());
    pair.b.dont_have(pair.now, PieceIndex::new(3));
    settle(&mut pair);
    assert_eq!(
        pair.events_a(),
        [WireEvent::PeerDontHave(PieceIndex::new(3))]
    );
    assert!(!pair.a.is_peer_seed());
    let peer = pair.a.peer_pieces().expect("metadata");
    assert_eq!(peer.count_ones(), 15);
    assert!(!peer.get(3) && peer.get(2));
    // Requests for the piece are rejected from now on: b's owner sees an invalid request.
    pair.b.unchoke(pair.now);
    settle(&mut pair);
    pair.a.request(pair.now, block(3, 0)).expect("unchoked");
    settle(&mut pair);
    assert!(pair
        .events_b()
        .iter()
        .any(|event| matches!(event, WireEvent::InvalidRequest(_))));
    assert!(pair
        .events_a()
        .contains(&WireEvent::RequestRejected(block(3, 0))));
}

/// Fixture `have_all_from_seed`: after the handshake a seed sends its extension handshake
/// (0x14) and then have all (0x0e), never a bitfield; without the fast bit, a full bitfield.
#[test]
fn a_seed_sends_have_all_after_the_extension_handshake() {
    for fast in [true, false] {
        let mut hello = Pair::hello(b's');
        hello.reserved.set(crate::ReservedBits::FAST, fast);
        let now = std::time::Instant::now();
        let mut seed = PeerConnection::new(WireConfig::default(), hello, Pair::geometry(), now);
        seed.set_our_pieces(Bitfield::with_all_set(16))
            .expect("before the handshake");
        let mut peer_hello = Vec::new();
        Pair::hello(b'p').encode(&mut peer_hello);
        seed.handle_read(now, &mut bytes::BytesMut::from(&peer_hello[..]));
        let mut out = Vec::new();
        seed.poll_transmit(&mut out);
        let mut inbound = bytes::BytesMut::from(&out[crate::Handshake::LEN..]);
        let mut decoder = crate::MessageDecoder::default();
        let mut ids = Vec::new();
        while let Some(message) = decoder.decode(&mut inbound).expect("valid") {
            ids.push(message.id().map(crate::MessageId::as_u8));
        }
        if fast {
            assert_eq!(ids, [Some(0x14), Some(0x0e)]);
        } else {
            assert_eq!(ids, [Some(0x14), Some(0x05)]);
        }
    }
}

#[test]
fn several_piece_set_messages_in_a_row_keep_the_last() {
    let mut pair = Pair::handshaken(WireConfig::default());
    let stream = [
        Message::Bitfield(Bytes::from_static(&[0x80, 0x40])),
        Message::HaveAll,
        Message::HaveNone,
        Message::HaveAll,
        Message::Bitfield(Bytes::from_static(&[0x80, 0x40])),
    ];
    for message in &stream {
        pair.b.send(pair.now, message).expect("encodes");
    }
    settle(&mut pair);
    assert_eq!(
        pair.events_a(),
        [
            WireEvent::PeerBitfield(bits(&[0, 9])),
            WireEvent::PeerHaveAll,
            WireEvent::PeerHaveNone,
            WireEvent::PeerHaveAll,
            WireEvent::PeerBitfield(bits(&[0, 9])),
        ]
    );
    assert!(!pair.a.is_closed());
}

#[test]
fn a_have_out_of_range_closes_the_connection() {
    let mut pair = Pair::handshaken(WireConfig::default());
    pair.b
        .send(pair.now, &Message::Have { piece: 16 })
        .expect("encodes");
    settle(&mut pair);
    let events = pair.events_a();
    let [WireEvent::Closed(reason)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(reason.code_name(), Some("invalid_have"));
}

/// A magnet connection: `a` has no metadata until `set_metadata`.
fn magnet_pair() -> Pair {
    let mut pair = Pair::new(WireConfig::default());
    pair.a = PeerConnection::without_metadata(WireConfig::default(), Pair::hello(b'a'), pair.now);
    pair.b.set_peer_address(IpAddr::from(ADDRESS_A));
    pair.establish();
    pair
}

/// Fixtures `allowed_fast_before_metadata` and `suggest_before_metadata`: what arrives before
/// the metadata is remembered; after it the allowed-fast piece can be requested while choked
/// and the last suggestion is first.
#[test]
fn piece_messages_before_the_metadata_are_applied_after_it() {
    let mut pair = magnet_pair();
    for message in [
        Message::Bitfield(Bytes::from_static(&[0xff, 0xfe])),
        Message::Have { piece: 15 },
        Message::AllowedFast { piece: 4 },
        Message::Suggest { piece: 2 },
        Message::Suggest { piece: 15 },
        Message::AllowedFast { piece: 99 },
    ] {
        pair.b.send(pair.now, &message).expect("encodes");
    }
    settle(&mut pair);
    assert!(pair.events_a().is_empty(), "held until the metadata");
    assert_eq!(
        pair.a.request(pair.now, block(4, 0)),
        Err(crate::ApiMisuse::MetadataUnknown)
    );

    pair.a
        .set_metadata(pair.now, Pair::geometry())
        .expect("first time");
    assert_eq!(
        pair.events_a(),
        [
            WireEvent::PeerBitfield(bits(&(0..15).collect::<Vec<_>>())),
            WireEvent::PeerHave(PieceIndex::new(15)),
            WireEvent::AllowedFast(PieceIndex::new(4)),
            WireEvent::Suggested(PieceIndex::new(2)),
            WireEvent::Suggested(PieceIndex::new(15)),
        ]
    );
    assert!(pair.a.is_peer_seed());
    let suggested: Vec<u32> = pair.a.suggested_pieces().map(PieceIndex::get).collect();
    assert_eq!(suggested, [15, 2], "the last suggestion first");
    // Still choked, the allowed-fast piece may be requested, and nothing else.
    assert!(pair.a.peer_choking());
    pair.a.request(pair.now, block(4, 0)).expect("allowed fast");
    assert!(pair.a.request(pair.now, block(5, 0)).is_err());
    settle(&mut pair);
    let requests = pair.events_b();
    assert!(
        requests.contains(&WireEvent::InvalidRequest(crate::BlockRequest {
            piece: 4,
            offset: 0,
            length: BLOCK_SIZE
        })),
        "b has nothing, but the request went out: {requests:?}"
    );
    assert_eq!(
        pair.a.set_metadata(pair.now, Pair::geometry()),
        Err(crate::ApiMisuse::MetadataKnown)
    );
}

#[test]
fn a_bitfield_of_the_wrong_size_before_the_metadata_closes_after_it() {
    let mut pair = magnet_pair();
    pair.b
        .send(pair.now, &Message::Bitfield(Bytes::from_static(&[0xff; 3])))
        .expect("encodes");
    settle(&mut pair);
    assert!(!pair.a.is_closed());
    let geometry = PieceGeometry::new(4 << 20, 256 << 10).expect("geometry");
    pair.a.set_metadata(pair.now, geometry).expect("first time");
    let events = pair.events_a();
    let [WireEvent::Closed(reason)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(reason.code_name(), Some("invalid_bitfield_size"));
}

#[test]
fn requests_before_the_metadata_are_rejected() {
    let mut pair = magnet_pair();
    // b (which has the metadata) asks the magnet side for a block.
    let request = crate::BlockRequest {
        piece: 0,
        offset: 0,
        length: BLOCK_SIZE,
    };
    pair.b.unchoke(pair.now);
    pair.b
        .send(pair.now, &Message::Request(request))
        .expect("encodes");
    settle(&mut pair);
    assert!(pair
        .events_a()
        .iter()
        .all(|event| !matches!(event, WireEvent::Requested(_))));
    assert!(!pair.a.is_closed());
}
