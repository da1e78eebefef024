//! Property tests of the codec: every message survives encode → decode, arbitrary bytes never
//! panic the decoder, and decoding gives the same result however the stream is split.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use lt_core::{PeerId, Sha1Hash, Sha256Hash, BLOCK_SIZE};
use proptest::collection::vec;
use proptest::prelude::*;

use crate::{
    check_negotiated, BlockRequest, ExtendedHandshake, ExtendedMessage, ExtensionIds, Handshake,
    HashRequest, HolepunchError, HolepunchMessage, InvalidMessage, Message, MessageDecoder,
    MessageId, MetadataMessage, PexFlags, PexMessage, PexPeer, PieceGeometry, ReservedBits,
};

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

fn block_request() -> impl Strategy<Value = BlockRequest> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(piece, offset, length)| BlockRequest {
        piece,
        offset,
        length,
    })
}

fn hash_request() -> impl Strategy<Value = HashRequest> {
    (
        any::<[u8; 32]>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(root, base_layer, index, count, proof_layers)| HashRequest {
                pieces_root: Sha256Hash::from_bytes(root),
                base_layer,
                index,
                count,
                proof_layers,
            },
        )
}

fn hashes() -> impl Strategy<Value = Message> {
    (hash_request(), 0u32..=9, 1u32..=20, 0u32..=12).prop_flat_map(
        |(request, power, odd_count, proof_layers)| {
            let count = if power == 0 { odd_count } else { 1 << power };
            let request = HashRequest {
                count,
                proof_layers,
                ..request
            };
            let hash_count = request.reply_hash_count().unwrap_or(0) as usize;
            vec(any::<[u8; 32]>(), hash_count).prop_map(move |hashes| Message::Hashes {
                request,
                hashes: hashes.into_iter().map(Sha256Hash::from_bytes).collect(),
            })
        },
    )
}

fn v4() -> impl Strategy<Value = SocketAddr> {
    (any::<u32>(), any::<u16>()).prop_map(|(ip, port)| (Ipv4Addr::from(ip), port).into())
}

fn v6() -> impl Strategy<Value = SocketAddr> {
    (any::<u128>(), any::<u16>()).prop_map(|(ip, port)| (Ipv6Addr::from(ip), port).into())
}

fn address() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![v4(), v6()]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|ip| IpAddr::from(Ipv4Addr::from(ip))),
        any::<u128>().prop_map(|ip| IpAddr::from(Ipv6Addr::from(ip))),
    ]
}

fn extended_handshake() -> impl Strategy<Value = ExtendedHandshake> {
    let keys = (
        proptest::collection::btree_map("[a-z_]{1,12}", any::<u8>(), 0..6),
        proptest::option::of(1u16..),
        proptest::option::of(".{0,24}"),
        proptest::option::of(1u32..),
        proptest::option::of(ip()),
        proptest::option::of(any::<u32>().prop_map(Ipv4Addr::from)),
    );
    let more = (
        proptest::option::of(any::<u128>().prop_map(Ipv6Addr::from)),
        proptest::option::of(1..=i64::MAX as u64),
        any::<bool>(),
        proptest::option::of((0..=i64::MAX as u64).prop_map(Duration::from_secs)),
        any::<bool>(),
    );
    (keys, more).prop_map(
        |(
            (extensions, listen_port, client, max_queued_requests, your_ip, ipv4),
            (ipv6, metadata_size, upload_only, complete_ago, share_mode),
        )| ExtendedHandshake {
            extensions: extensions.into_iter().collect::<BTreeMap<_, _>>(),
            listen_port,
            client,
            max_queued_requests,
            your_ip,
            ipv4,
            ipv6,
            metadata_size,
            upload_only,
            complete_ago,
            share_mode,
        },
    )
}

fn metadata() -> impl Strategy<Value = MetadataMessage> {
    prop_oneof![
        any::<u32>().prop_map(|piece| MetadataMessage::Request { piece }),
        any::<u32>().prop_map(|piece| MetadataMessage::Reject { piece }),
        (any::<u32>(), 0..=i64::MAX as u64, bytes(200)).prop_map(|(piece, total_size, data)| {
            MetadataMessage::Data {
                piece,
                total_size,
                data,
            }
        }),
    ]
}

fn pex() -> impl Strategy<Value = PexMessage> {
    let peers = |addresses: BoxedStrategy<SocketAddr>| {
        vec((addresses, any::<u8>()), 0..8).prop_map(|peers| {
            peers
                .into_iter()
                .map(|(address, flags)| PexPeer {
                    address,
                    flags: PexFlags(flags),
                })
                .collect::<Vec<_>>()
        })
    };
    (
        peers(v4().boxed()),
        peers(v6().boxed()),
        vec(v4(), 0..8),
        vec(v6(), 0..8),
    )
        .prop_map(|(mut added, added6, mut dropped, dropped6)| {
            added.extend(added6);
            dropped.extend(dropped6);
            PexMessage { added, dropped }
        })
}

fn holepunch() -> impl Strategy<Value = HolepunchMessage> {
    prop_oneof![
        address().prop_map(HolepunchMessage::Rendezvous),
        address().prop_map(HolepunchMessage::Connect),
        (address(), any::<u32>()).prop_map(|(address, code)| HolepunchMessage::Error {
            address,
            error: HolepunchError::from_code(code),
        }),
    ]
}

fn extended() -> impl Strategy<Value = ExtendedMessage> {
    let known_ids = ExtensionIds::default();
    prop_oneof![
        extended_handshake().prop_map(ExtendedMessage::Handshake),
        metadata().prop_map(ExtendedMessage::Metadata),
        pex().prop_map(ExtendedMessage::Pex),
        any::<bool>().prop_map(ExtendedMessage::UploadOnly),
        any::<bool>().prop_map(ExtendedMessage::ShareMode),
        any::<u32>().prop_map(|piece| ExtendedMessage::DontHave { piece }),
        holepunch().prop_map(ExtendedMessage::Holepunch),
        (1u8.., bytes(64))
            .prop_filter("a free extended id", move |(id, _)| known_ids
                .kind_of(*id)
                .is_none())
            .prop_map(|(id, payload)| ExtendedMessage::Unknown { id, payload }),
    ]
}

/// Every kind of message, with data sizes inside the default limits.
fn message() -> impl Strategy<Value = Message> {
    let piece_data = prop_oneof![
        bytes(64),
        vec(any::<u8>(), BLOCK_SIZE as usize).prop_map(Bytes::from)
    ];
    prop_oneof![
        Just(Message::KeepAlive),
        Just(Message::Choke),
        Just(Message::Unchoke),
        Just(Message::Interested),
        Just(Message::NotInterested),
        Just(Message::HaveAll),
        Just(Message::HaveNone),
        any::<u32>().prop_map(|piece| Message::Have { piece }),
        any::<u32>().prop_map(|piece| Message::Suggest { piece }),
        any::<u32>().prop_map(|piece| Message::AllowedFast { piece }),
        bytes(64).prop_map(Message::Bitfield),
        block_request().prop_map(Message::Request),
        block_request().prop_map(Message::Cancel),
        block_request().prop_map(Message::Reject),
        (any::<u32>(), any::<u32>(), piece_data).prop_map(|(piece, offset, data)| {
            Message::Piece {
                piece,
                offset,
                data,
            }
        }),
        any::<u16>().prop_map(Message::Port),
        hash_request().prop_map(Message::HashRequest),
        hash_request().prop_map(Message::HashReject),
        hashes(),
        extended().prop_map(Message::Extended),
    ]
}

/// Frames with a valid length prefix and a plausible id but random payloads: they reach the
/// per-message parsers, which random bytes alone rarely do.
fn framed_noise() -> impl Strategy<Value = Vec<u8>> {
    let ids = prop_oneof![
        (0u8..=25).prop_map(|id| vec![id]),
        (any::<u8>(), 0u8..=9).prop_map(|(extended_id, id)| vec![20, extended_id % 10, id]),
    ];
    vec((ids, vec(any::<u8>(), 0..80)), 1..6).prop_map(|frames| {
        let mut stream = Vec::new();
        for (head, payload) in frames {
            let length = (head.len() + payload.len()) as u32;
            stream.extend(length.to_be_bytes());
            stream.extend(head);
            stream.extend(payload);
        }
        stream
    })
}

/// Feeds `stream` in the chunks that `cuts` marks and decodes after each; returns the messages
/// and the first error.
fn decode_in_chunks(stream: &[u8], cuts: &[usize]) -> (Vec<Message>, Option<InvalidMessage>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (stream.len() + 1)).collect();
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut decoder = MessageDecoder::default();
    let mut buffer = BytesMut::new();
    let mut messages = Vec::new();
    let mut fed = 0;
    for cut in cuts {
        buffer.extend_from_slice(&stream[fed..cut]);
        fed = cut;
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(message)) => messages.push(message),
                Ok(None) => break,
                Err(error) => return (messages, Some(error)),
            }
        }
    }
    (messages, None)
}

/// Runs the checks a connection would run on a decoded message; none may panic.
fn validate_everything(message: &Message) {
    let ours = ReservedBits::lt_default();
    let _ = check_negotiated(message, &ours, &ours, false);
    let Ok(geometry) = PieceGeometry::new(1_000_000, 16384) else {
        return;
    };
    match message {
        Message::Have { piece } | Message::Suggest { piece } | Message::AllowedFast { piece } => {
            let _ = geometry.piece_index(MessageId::Have, *piece);
        }
        Message::Bitfield(bits) => {
            let _ = geometry.bitfield(bits);
        }
        Message::Request(request) | Message::Cancel(request) | Message::Reject(request) => {
            let _ = geometry.block(MessageId::Request, request);
        }
        Message::Piece {
            piece,
            offset,
            data,
        } => {
            let _ = geometry.piece_block(*piece, *offset, data.len() as u32);
        }
        Message::Extended(ExtendedMessage::DontHave { piece }) => {
            let _ = geometry.dont_have(*piece);
        }
        _ => {}
    }
}

proptest! {
    #[test]
    fn every_message_round_trips(message in message()) {
        let ids = ExtensionIds::default();
        let mut wire = Vec::new();
        prop_assert_eq!(message.encode(&ids, &mut wire), Ok(()));
        let mut buffer = BytesMut::from(&wire[..]);
        let mut decoder = MessageDecoder::default();
        prop_assert_eq!(decoder.decode(&mut buffer), Ok(Some(message)));
        prop_assert!(buffer.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic(stream in vec(any::<u8>(), 0..600), cuts in vec(any::<usize>(), 0..4)) {
        let (messages, _) = decode_in_chunks(&stream, &cuts);
        messages.iter().for_each(validate_everything);
    }

    #[test]
    fn framed_noise_never_panics_and_splits_alike(stream in framed_noise(), cuts in vec(any::<usize>(), 0..8)) {
        let whole = decode_in_chunks(&stream, &[]);
        whole.0.iter().for_each(validate_everything);
        prop_assert_eq!(decode_in_chunks(&stream, &cuts), whole);
    }

    #[test]
    fn split_anywhere_gives_the_same_messages(
        messages in vec(message(), 1..8),
        cuts in vec(any::<usize>(), 0..12),
    ) {
        let ids = ExtensionIds::default();
        let mut stream = Vec::new();
        for message in &messages {
            prop_assert_eq!(message.encode(&ids, &mut stream), Ok(()));
        }
        prop_assert_eq!(decode_in_chunks(&stream, &cuts), (messages, None));
    }

    #[test]
    fn handshakes_round_trip_in_any_split(
        reserved in any::<[u8; 8]>(),
        info_hash in any::<[u8; 20]>(),
        peer_id in any::<[u8; 20]>(),
        cut in 0usize..=68,
    ) {
        let handshake = Handshake {
            reserved: ReservedBits(reserved),
            info_hash: Sha1Hash::from_bytes(info_hash),
            peer_id: PeerId::from_bytes(peer_id),
        };
        let mut wire = Vec::new();
        handshake.encode(&mut wire);
        let mut buffer = BytesMut::from(&wire[..cut]);
        let first = Handshake::decode(&mut buffer);
        prop_assert_eq!(first, Ok((cut == 68).then_some(handshake)));
        if cut < 68 {
            buffer.extend_from_slice(&wire[cut..]);
            prop_assert_eq!(Handshake::decode(&mut buffer), Ok(Some(handshake)));
        }
    }

    #[test]
    fn handshake_decoding_never_panics(stream in vec(any::<u8>(), 0..100), prefix in 0usize..=20) {
        let mut bytes = crate::PROTOCOL[..prefix].to_vec();
        bytes.extend(stream);
        let _ = Handshake::decode(&mut BytesMut::from(&bytes[..]));
        let _ = crate::HandshakeHeader::decode(&mut BytesMut::from(&bytes[..]));
        let _ = crate::is_plaintext_handshake(&bytes);
    }
}
