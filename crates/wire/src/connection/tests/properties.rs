//! Properties of one connection fed arbitrary peer messages: however the bytes are split,
//! the same events and replies come out; every timer deadline moves on once handled.

use std::time::Instant;

use bytes::BytesMut;
use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::{BlockRequest, ExtensionIds, PeerConnection};

fn message() -> impl Strategy<Value = Message> {
    let piece = 0u32..20;
    let request = (
        0u32..20,
        0u32..17,
        prop_oneof![Just(BLOCK_SIZE), 1u32..20_000],
    )
        .prop_map(|(piece, block, length)| BlockRequest {
            piece,
            offset: block * BLOCK_SIZE,
            length,
        });
    prop_oneof![
        Just(Message::KeepAlive),
        Just(Message::Choke),
        Just(Message::Unchoke),
        Just(Message::Interested),
        Just(Message::NotInterested),
        Just(Message::HaveAll),
        Just(Message::HaveNone),
        piece.clone().prop_map(|piece| Message::Have { piece }),
        piece.clone().prop_map(|piece| Message::Suggest { piece }),
        piece.prop_map(|piece| Message::AllowedFast { piece }),
        vec(any::<u8>(), 2).prop_map(|bits| Message::Bitfield(bits.into())),
        request.clone().prop_map(Message::Request),
        request.clone().prop_map(Message::Cancel),
        request.prop_map(Message::Reject),
    ]
}

/// A seed that knows the peer's address, fed `stream` in the pieces `splits` cut it into;
/// returns its events and what it sent.
fn feed(
    stream: &[u8],
    splits: &[usize],
    now: Instant,
) -> (PeerConnection, Vec<WireEvent>, Vec<u8>) {
    let mut seed = PeerConnection::new(
        WireConfig::default(),
        Pair::hello(b'a'),
        Pair::geometry(),
        now,
    );
    let mut pieces = Bitfield::with_all_set(16);
    pieces.clear_bit(3);
    seed.set_our_pieces(pieces).expect("before the handshake");
    seed.set_peer_address(IpAddr::from(ADDRESS_B));
    let mut inbound = BytesMut::new();
    let mut at = 0;
    for cut in splits.iter().copied().chain([stream.len()]) {
        let cut = cut.clamp(at, stream.len());
        inbound.extend_from_slice(&stream[at..cut]);
        seed.handle_read(now, &mut inbound);
        at = cut;
    }
    let events = std::iter::from_fn(|| seed.poll_event()).collect();
    let mut sent = Vec::new();
    let mut chunk = Vec::new();
    while seed.poll_transmit(&mut chunk) > 0 {
        sent.append(&mut chunk);
    }
    (seed, events, sent)
}

proptest! {
    #[test]
    fn events_do_not_depend_on_how_the_bytes_are_split(
        messages in vec(message(), 0..40),
        mut splits in vec(0usize..2000, 0..12),
    ) {
        let mut stream = Vec::new();
        Pair::hello(b'b').encode(&mut stream);
        for message in &messages {
            message.encode(&ExtensionIds::none(), &mut stream).expect("encodes");
        }
        splits.sort_unstable();
        let now = Instant::now();
        let (_, whole_events, whole_sent) = feed(&stream, &[], now);
        let (mut split, split_events, split_sent) = feed(&stream, &splits, now);
        prop_assert_eq!(&whole_events, &split_events);
        prop_assert_eq!(whole_sent, split_sent);

        // Every deadline is handled, never repeated: no busy loop for a driver.
        for _ in 0..20 {
            let Some(at) = split.poll_timeout() else { break };
            split.handle_timeout(at);
            let mut out = Vec::new();
            while split.poll_transmit(&mut out) > 0 {
                out.clear();
            }
            while split.poll_event().is_some() {}
            prop_assert!(split.poll_timeout().is_none_or(|next| next > at));
        }
    }
}
