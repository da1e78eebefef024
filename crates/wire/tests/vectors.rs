//! Every case of `tests/fixtures/peer-wire-vectors.json` (libtorrent's peer-wire facts as data):
//! the allowed-fast sets, the message layouts, the extension handshake, ut_metadata, and the
//! peer-protocol behaviours: those the codec decides, and those of the connection state machine
//! (driven by two `PeerConnection`s over an in-memory link). What of a behaviour belongs to the
//! picker or the session is listed in `SESSION_OWNED`; a new fixture case cannot pass unnoticed.

use std::net::IpAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use lt_bencode::{Dict, Value};
use lt_core::{Bitfield, PieceIndex, Sha1Hash, Sha256Hash};
use lt_wire::{
    allowed_fast_set, allowed_fast_set_bep6, check_negotiated, serve_metadata_piece, ApiMisuse,
    Block, BlockRequest, ExtendedHandshake, ExtendedMessage, ExtensionIds, ExtensionKind,
    Handshake, HandshakeHeader, HashRequest, InvalidMessage, Message, MessageDecoder, MessageId,
    MetadataMessage, PeerConnection, PeerIncompatible, PieceGeometry, ReservedBits, WireConfig,
    WireError, WireEvent,
};
use serde_json::Value as Json;

fn fixture() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/peer-wire-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("read peer-wire-vectors.json");
    serde_json::from_str(&text).expect("parse peer-wire-vectors.json")
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text}");
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex digit"))
        .collect()
}

fn sha1(text: &str) -> Sha1Hash {
    text.parse().expect("40 hex digits")
}

fn u32s(json: &Json) -> Vec<u32> {
    json.as_array()
        .expect("array")
        .iter()
        .map(|value| u32::try_from(value.as_u64().expect("number")).expect("u32"))
        .collect()
}

fn decode_one(bytes: &[u8], ids: ExtensionIds) -> Result<Message, WireError> {
    let mut decoder = MessageDecoder::new(Default::default(), ids);
    let mut buffer = BytesMut::from(bytes);
    let message = decoder.decode(&mut buffer)?.expect("a complete message");
    assert!(buffer.is_empty(), "bytes left after one message");
    Ok(message)
}

fn encode(message: &Message, ids: &ExtensionIds) -> Vec<u8> {
    let mut out = Vec::new();
    message.encode(ids, &mut out).expect("encodable");
    out
}

#[test]
fn allowed_fast_bep6_examples() {
    let fixture = fixture();
    let cases = fixture["allowed_fast"]["bep6_example"]
        .as_array()
        .expect("cases");
    assert_eq!(cases.len(), 2);
    for case in cases {
        let ip: std::net::Ipv4Addr = case["ip"].as_str().expect("ip").parse().expect("ipv4");
        let info_hash = sha1(case["info_hash"].as_str().expect("hash"));
        let pieces = u32::try_from(case["num_pieces"].as_u64().expect("n")).expect("u32");
        let k = usize::try_from(case["k"].as_u64().expect("k")).expect("usize");
        let expect = u32s(&case["expect"]);
        assert_eq!(allowed_fast_set_bep6(ip, &info_hash, pieces, k), expect);
        // libtorrent's loop with the address masked to its /24 gives the same list.
        let masked = IpAddr::from(std::net::Ipv4Addr::from(u32::from(ip) & 0xffff_ff00));
        assert_eq!(
            allowed_fast_set(masked, &info_hash, pieces, k, |_| false),
            expect
        );
    }
}

#[test]
fn allowed_fast_as_libtorrent_computes_it() {
    let fixture = fixture();
    let differs = &fixture["allowed_fast"]["libtorrent_differs"];

    let same = &differs["same_example_in_libtorrent"];
    let ip: IpAddr = same["ip"].as_str().expect("ip").parse().expect("ip");
    let info_hash = sha1(&"aa".repeat(20));
    let pieces = u32::try_from(same["num_pieces"].as_u64().expect("n")).expect("u32");
    let k = usize::try_from(same["k"].as_u64().expect("k")).expect("usize");
    assert_eq!(
        allowed_fast_set(ip, &info_hash, pieces, k, |_| false),
        u32s(&same["python_model_of_libtorrent"])
    );

    let live = &differs["confirmed_with_libtorrent_2_1_1"];
    let ip: IpAddr = live["peer_ip"].as_str().expect("ip").parse().expect("ip");
    let info_hash = sha1(live["info_hash"].as_str().expect("hash"));
    let pieces = u32::try_from(live["num_pieces"].as_u64().expect("n")).expect("u32");
    let k = usize::try_from(live["allowed_fast_set_size"].as_u64().expect("k")).expect("k");
    assert_eq!(
        allowed_fast_set(ip, &info_hash, pieces, k, |_| false),
        u32s(&live["received_allowed_fast"]),
        "what libtorrent 2.1.1 sent"
    );
    let IpAddr::V4(ipv4) = ip else {
        panic!("IPv4 expected")
    };
    assert_eq!(
        allowed_fast_set_bep6(ipv4, &info_hash, pieces, k),
        u32s(&live["bep6_canonical_would_be"])
    );
}

#[test]
fn handshake_reserved_bits() {
    let fixture = fixture();
    let handshake = &fixture["wire"]["handshake"];
    let bits = |text: &str| ReservedBits(hex(text).try_into().expect("8 bytes"));

    let test_sends = bits(handshake["test_sends_reserved"].as_str().expect("hex"));
    assert!(test_sends.supports_extension_protocol() && test_sends.supports_fast());
    assert!(!test_sends.supports_dht() && !test_sends.supports_v2_upgrade());

    let observed = handshake["python_observed_libtorrent_reserved"]
        .as_str()
        .expect("hex");
    assert_eq!(ReservedBits::lt_default(), bits(observed));
    assert_eq!(ReservedBits::lt_default().to_string(), observed);

    // The layout: 19, the protocol string, 8 reserved bytes, info-hash, peer id (68 bytes).
    let ours = Handshake {
        reserved: test_sends,
        info_hash: Sha1Hash::from_bytes([0x11; 20]),
        peer_id: lt_core::PeerId::from_bytes([0x22; 20]),
    };
    let mut wire = Vec::new();
    ours.encode(&mut wire);
    assert_eq!(wire.len(), 68);
    assert_eq!(&wire[..20], b"\x13BitTorrent protocol");
    assert_eq!(&wire[20..28], &hex("0000000000100004")[..]);
    assert_eq!(
        Handshake::decode(&mut BytesMut::from(&wire[..])),
        Ok(Some(ours))
    );
}

/// The message each named layout in the fixture must decode to.
fn expected_message(name: &str) -> Message {
    let request = BlockRequest {
        piece: 1,
        offset: 0,
        length: 16384,
    };
    match name {
        "keepalive" => Message::KeepAlive,
        "choke" => Message::Choke,
        "unchoke" => Message::Unchoke,
        "interested" => Message::Interested,
        "not_interested" => Message::NotInterested,
        "request(piece 1, begin 0, length 16384)" => Message::Request(request),
        "dht_port(6881)" => Message::Port(6881),
        "suggest_piece(3)" => Message::Suggest { piece: 3 },
        "have_all" => Message::HaveAll,
        "have_none" => Message::HaveNone,
        "reject_request(piece 1, begin 0, length 16384)" => Message::Reject(request),
        "allowed_fast(3)" => Message::AllowedFast { piece: 3 },
        "bitfield for 10 pieces '1000000001'" => {
            Message::Bitfield(Bytes::from_static(&[0x80, 0x40]))
        }
        "extended handshake (empty dict)" => {
            Message::Extended(ExtendedMessage::Handshake(ExtendedHandshake::default()))
        }
        "lt_donthave(3) with remote id 7" => {
            Message::Extended(ExtendedMessage::DontHave { piece: 3 })
        }
        other => panic!("no expectation for fixture message {other:?}"),
    }
}

#[test]
fn message_layouts() {
    let fixture = fixture();
    let messages = fixture["wire"]["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 15);
    for case in messages {
        let name = case["name"].as_str().expect("name");
        let bytes = hex(case["hex"].as_str().expect("hex"));
        // lt_donthave travels under the receiver's id (7, libtorrent's): decode with 7 as ours,
        // encode with 7 as the peer's.
        let ids = ExtensionIds::default();
        assert_eq!(ids.get(ExtensionKind::DontHave), Some(7));
        let expected = expected_message(name);
        assert_eq!(decode_one(&bytes, ids).as_ref(), Ok(&expected), "{name}");
        assert_eq!(encode(&expected, &ids), bytes, "{name}");
    }
    // The bitfield is 10 pieces with the first and last set.
    let geometry = PieceGeometry::new(10, 1).expect("geometry");
    let bits = geometry.bitfield(&[0x80, 0x40]).expect("valid size");
    assert_eq!(bits.iter_ones().collect::<Vec<_>>(), [0, 9]);
}

#[test]
fn message_ids() {
    let fixture = fixture();
    let ids = fixture["wire"]["message_ids"].as_object().expect("ids");
    assert_eq!(ids.len(), MessageId::ALL.len());
    for (id, name) in ids {
        let id: u8 = id.parse().expect("numeric id");
        let message = MessageId::from_u8(id).unwrap_or_else(|| panic!("id {id} unknown"));
        assert_eq!(message.name(), name.as_str().expect("name"), "id {id}");
    }
}

/// Bencodes the fixture's JSON description of libtorrent's handshake (`v`, `yourip` are hex).
fn observed_handshake(observed: &Json) -> Vec<u8> {
    let mut dict = Dict::new();
    let m = observed["m"]
        .as_object()
        .expect("m")
        .iter()
        .map(|(name, id)| {
            (
                name.as_bytes().to_vec(),
                Value::Int(id.as_i64().expect("id")),
            )
        })
        .collect();
    dict.insert(b"m".to_vec(), Value::Dict(m));
    for (key, value) in observed["other_keys"].as_object().expect("other keys") {
        let value = match (key.as_str(), value) {
            ("v" | "yourip", Json::String(text)) => Value::Bytes(hex(text)),
            (_, Json::Number(number)) => Value::Int(number.as_i64().expect("int")),
            (key, value) => panic!("unexpected key {key}: {value}"),
        };
        dict.insert(key.as_bytes().to_vec(), value);
    }
    Value::Dict(dict).to_bytes()
}

#[test]
fn extension_handshake() {
    let fixture = fixture();
    let protocol = &fixture["extension_protocol"];

    // libtorrent's handshake, as observed from 2.1.1.
    let observed = &protocol["python_observed_handshake"];
    let mut body = vec![0u8];
    body.extend(observed_handshake(observed));
    let mut frame = u32::try_from(body.len() + 1)
        .expect("len")
        .to_be_bytes()
        .to_vec();
    frame.push(20);
    frame.extend(&body);
    let Ok(Message::Extended(ExtendedMessage::Handshake(theirs))) =
        decode_one(&frame, ExtensionIds::default())
    else {
        panic!("not a handshake");
    };
    assert_eq!(theirs.client.as_deref(), Some("libtorrent/2.1.1.0"));
    assert_eq!(theirs.your_ip, Some(IpAddr::from([127, 0, 0, 1])));
    assert_eq!(theirs.max_queued_requests, Some(2000));
    assert_eq!(theirs.metadata_size, Some(26354));
    assert_eq!(theirs.complete_ago, None, "-1 means never");
    assert!(!theirs.upload_only && !theirs.share_mode);
    let remote = ExtensionIds::from_handshake(&theirs);

    // Our ids are libtorrent's, so they equal what 2.1.1 advertised, and every extension the
    // fixture requires is nonzero.
    assert_eq!(remote, ExtensionIds::default());
    let mut ours = ExtendedHandshake::default();
    ExtensionIds::default().advertise(&mut ours);
    for name in protocol["libtorrent_handshake_must_have_nonzero_m"]
        .as_array()
        .expect("names")
    {
        let name = name.as_str().expect("name");
        assert!(
            ours.extensions.get(name).is_some_and(|id| *id != 0),
            "{name}"
        );
    }

    // The fake peer's handshake in the simulation.
    let simulation = &protocol["ut_metadata"]["simulation_messages"];
    let text = simulation["extended_handshake"].as_str().expect("text");
    let text = text.replace("<N>", "26354");
    let mut frame = u32::try_from(text.len() + 2)
        .expect("len")
        .to_be_bytes()
        .to_vec();
    frame.extend([20, 0]);
    frame.extend(text.as_bytes());
    let Ok(Message::Extended(ExtendedMessage::Handshake(fake))) =
        decode_one(&frame, ExtensionIds::default())
    else {
        panic!("not a handshake");
    };
    assert_eq!(fake.metadata_size, Some(26354));
    assert_eq!(
        ExtensionIds::from_handshake(&fake).get(ExtensionKind::Metadata),
        Some(2)
    );
}

fn metadata_frame(message: MetadataMessage) -> Vec<u8> {
    encode(
        &Message::Extended(ExtendedMessage::Metadata(message)),
        &ExtensionIds::default(),
    )
}

#[test]
fn ut_metadata() {
    let fixture = fixture();
    let metadata = &fixture["extension_protocol"]["ut_metadata"];

    // Layouts: the request and data dictionaries, byte for byte.
    let request = metadata["request"]
        .as_str()
        .expect("request")
        .replace("<n>", "5");
    let frame = metadata_frame(MetadataMessage::Request { piece: 5 });
    assert_eq!(&frame[6..], request.as_bytes());
    let data_layout = metadata["data"].as_str().expect("data");
    let prefix = data_layout
        .split(' ')
        .next()
        .expect("dictionary")
        .replace("<n>", "0")
        .replace("<size>", "3");
    let frame = metadata_frame(MetadataMessage::Data {
        piece: 0,
        total_size: 3,
        data: Bytes::from_static(b"abc"),
    });
    assert_eq!(&frame[6..], format!("{prefix}abc").as_bytes());

    // libtorrent's replies, as observed, decode; its reject carries total_size too.
    for reply in metadata["python_observed"].as_array().expect("replies") {
        let mut body = reply["raw_prefix"]
            .as_str()
            .expect("prefix")
            .as_bytes()
            .to_vec();
        let trailing = reply["trailing_bytes"].as_u64().expect("n") as usize;
        body.extend(std::iter::repeat_n(b'x', trailing));
        let mut frame = u32::try_from(body.len() + 2)
            .expect("len")
            .to_be_bytes()
            .to_vec();
        frame.extend([20, 2]);
        frame.extend(&body);
        let decoded = decode_one(&frame, ExtensionIds::default()).expect("decodes");
        let piece = reply["piece"].as_u64().expect("piece") as u32;
        let expected = match reply["msg_type"].as_u64() {
            Some(1) => MetadataMessage::Data {
                piece,
                total_size: reply["total_size"].as_u64().expect("size"),
                data: Bytes::from(vec![b'x'; trailing]),
            },
            Some(2) => MetadataMessage::Reject { piece },
            other => panic!("msg_type {other:?}"),
        };
        assert_eq!(
            decoded,
            Message::Extended(ExtendedMessage::Metadata(expected))
        );
    }

    // The test case: one 16 KiB piece; a request for piece 1 is rejected, piece 0 served.
    let case = &metadata["test_case"];
    let info = Bytes::from(vec![b'i'; 16384]);
    let answers: Vec<MetadataMessage> = [1, 0]
        .into_iter()
        .map(|piece| serve_metadata_piece(&info, piece))
        .collect();
    let expect = case["expect"].as_array().expect("expect");
    for (answer, expected) in answers.iter().zip(expect) {
        let piece = expected["piece"].as_u64().expect("piece") as u32;
        match (expected["msg_type"].as_u64(), answer) {
            (Some(2), MetadataMessage::Reject { piece: got }) => assert_eq!(*got, piece),
            (
                Some(1),
                MetadataMessage::Data {
                    piece: got, data, ..
                },
            ) => assert_eq!((*got, data.len()), (piece, 16384)),
            (expected, got) => panic!("expected msg_type {expected:?}, got {got:?}"),
        }
    }
}

/// The parts of fixture behaviours that belong above the wire layer. Every behaviour's wire
/// part is checked below (`connection_behaviour`); these are what the picker and the session
/// must add, kept here so the fixture stays fully accounted for.
const SESSION_OWNED: [(&str, &str); 4] = [
    (
        "suggest_order",
        "requesting 3, 2, 1, 0: the picker must take suggestions in PeerConnection::suggested_pieces \
         order (newest first)",
    ),
    (
        "suggest_before_metadata",
        "the suggested piece as the first request, even with sequential download: picker order",
    ),
    (
        "allowed_fast_before_metadata",
        "deciding to request the allowed-fast piece after set_metadata: the session's picker",
    ),
    (
        "predictive_piece_rejects",
        "announcing predictively and calling reject_piece when the hash check fails: session",
    ),
];

/// The behaviours whose wire part `connection_behaviour` checks.
const CONNECTION_BEHAVIOURS: [&str; 9] = [
    "rejected_allowed_fast_not_rerequested",
    "allowed_fast_before_metadata",
    "suggest_before_metadata",
    "suggest_order",
    "reject_suggest",
    "predictive_piece_rejects",
    "lt_donthave",
    "have_all_from_seed",
    "invalid_request",
];

/// Two connections joined by an in-memory wire at one instant (these behaviours need no
/// timers).
struct Link {
    a: PeerConnection,
    b: PeerConnection,
    now: Instant,
    inbound_a: BytesMut,
    inbound_b: BytesMut,
}

impl Link {
    const PIECES: u32 = 100;

    fn geometry() -> PieceGeometry {
        PieceGeometry::new(u64::from(Self::PIECES) * 16384, 16384).expect("geometry")
    }

    fn hello(id: u8) -> Handshake {
        Handshake {
            reserved: ReservedBits::lt_default(),
            info_hash: Sha1Hash::from_bytes([9; 20]),
            peer_id: lt_core::PeerId::from_bytes([id; 20]),
        }
    }

    /// `a` (with or without metadata) and `b`, a seed unless `b_pieces` says otherwise; `b`
    /// knows `a`'s address, so it offers allowed-fast pieces. Nothing delivered yet.
    fn new(a_has_metadata: bool, b_pieces: Bitfield) -> Self {
        let now = Instant::now();
        let a = if a_has_metadata {
            PeerConnection::new(
                WireConfig::default(),
                Self::hello(b'a'),
                Self::geometry(),
                now,
            )
        } else {
            PeerConnection::without_metadata(WireConfig::default(), Self::hello(b'a'), now)
        };
        let mut b = PeerConnection::new(
            WireConfig::default(),
            Self::hello(b'b'),
            Self::geometry(),
            now,
        );
        b.set_our_pieces(b_pieces).expect("before the handshake");
        b.set_peer_address([10, 0, 0, 1].into());
        Link {
            a,
            b,
            now,
            inbound_a: BytesMut::new(),
            inbound_b: BytesMut::new(),
        }
    }

    fn seed() -> Bitfield {
        Bitfield::with_all_set(Self::PIECES as usize)
    }

    /// Moves bytes both ways until neither side has any.
    fn flush(&mut self) {
        loop {
            let mut moved = false;
            let mut out = Vec::new();
            while self.a.poll_transmit(&mut out) > 0 {}
            if !out.is_empty() {
                self.inbound_b.extend_from_slice(&out);
                self.b.handle_read(self.now, &mut self.inbound_b);
                moved = true;
            }
            out.clear();
            while self.b.poll_transmit(&mut out) > 0 {}
            if !out.is_empty() {
                self.inbound_a.extend_from_slice(&out);
                self.a.handle_read(self.now, &mut self.inbound_a);
                moved = true;
            }
            if !moved {
                break;
            }
        }
    }

    fn events_a(&mut self) -> Vec<WireEvent> {
        std::iter::from_fn(|| self.a.poll_event()).collect()
    }

    fn events_b(&mut self) -> Vec<WireEvent> {
        std::iter::from_fn(|| self.b.poll_event()).collect()
    }

    /// `b`'s owner rejects every read it is handed until none is left; returns how many.
    fn b_rejects_every_read(&mut self) -> usize {
        let mut rejected = 0;
        loop {
            let reads: Vec<Block> = self
                .events_b()
                .into_iter()
                .filter_map(|event| match event {
                    WireEvent::Requested(block) => Some(block),
                    _ => None,
                })
                .collect();
            if reads.is_empty() {
                return rejected;
            }
            for read in reads {
                self.b
                    .reject_request(self.now, read)
                    .expect("a pending read");
                rejected += 1;
            }
            self.flush();
        }
    }
}

fn first_block(piece: u32) -> Block {
    Block {
        piece: PieceIndex::new(piece),
        offset: 0,
        length: 16384,
    }
}

fn rejected_count(events: &[WireEvent]) -> usize {
    events
        .iter()
        .filter(|event| matches!(event, WireEvent::RequestRejected(_)))
        .count()
}

/// The wire part of a fixture behaviour that needs the connection state machine.
fn connection_behaviour(name: &str, case: &Json) {
    match name {
        "rejected_allowed_fast_not_rerequested" => {
            let mut link = Link::new(true, Link::seed());
            link.flush();
            link.a.set_interested(link.now, true);
            link.flush();
            let allowed: Vec<u32> = link.a.allowed_fast_pieces().map(PieceIndex::get).collect();
            assert_eq!(allowed.len(), lt_wire::ALLOWED_FAST_SET_SIZE);
            for piece in &allowed {
                link.a
                    .request(link.now, first_block(*piece))
                    .expect("allowed fast");
            }
            link.flush();
            assert_eq!(link.b_rejects_every_read(), allowed.len());
            assert_eq!(rejected_count(&link.events_a()), allowed.len());
            for piece in allowed {
                let again = link.a.request(link.now, first_block(piece));
                assert_eq!(again, Err(ApiMisuse::NotAllowedFast { piece }), "{name}");
            }
        }
        "allowed_fast_before_metadata" | "suggest_before_metadata" => {
            let mut link = Link::new(false, Link::seed());
            link.flush();
            let last = Link::PIECES - 1;
            let early = if name == "allowed_fast_before_metadata" {
                Message::AllowedFast { piece: 4 }
            } else {
                Message::Suggest { piece: last }
            };
            link.b.send(link.now, &early).expect("encodes");
            link.flush();
            assert!(link.events_a().iter().all(|event| !matches!(
                event,
                WireEvent::AllowedFast(_) | WireEvent::Suggested(_)
            )));
            link.a
                .set_metadata(link.now, Link::geometry())
                .expect("first time");
            let events = link.events_a();
            assert!(
                events.contains(&WireEvent::PeerHaveAll),
                "{name}: {events:?}"
            );
            if name == "allowed_fast_before_metadata" {
                assert!(events.contains(&WireEvent::AllowedFast(PieceIndex::new(4))));
                assert!(link.a.peer_choking());
                link.a
                    .request(link.now, first_block(4))
                    .expect("allowed while choked");
                assert_eq!(link.a.outstanding_requests(), 1);
            } else {
                assert!(events.contains(&WireEvent::Suggested(PieceIndex::new(last))));
                assert_eq!(
                    link.a.suggested_pieces().next(),
                    Some(PieceIndex::new(last))
                );
            }
        }
        "suggest_order" => {
            let mut link = Link::new(true, Link::seed());
            link.flush();
            for piece in 0..4 {
                link.b.suggest_piece(link.now, PieceIndex::new(piece));
            }
            link.flush();
            let order: Vec<u32> = link.a.suggested_pieces().map(PieceIndex::get).collect();
            assert_eq!(order, [3, 2, 1, 0], "{name}");
        }
        "reject_suggest" => {
            let mut link = Link::new(true, Link::seed());
            link.flush();
            link.b.suggest_piece(link.now, PieceIndex::new(7));
            link.a.set_interested(link.now, true);
            link.b.unchoke(link.now);
            link.flush();
            link.a.request(link.now, first_block(7)).expect("unchoked");
            link.flush();
            assert_eq!(link.b_rejects_every_read(), 1);
            assert_eq!(rejected_count(&link.events_a()), 1);
            assert_eq!(
                link.a.suggested_pieces().count(),
                0,
                "{name}: not suggested again"
            );
        }
        "predictive_piece_rejects" => {
            let mut link = Link::new(true, Bitfield::new(Link::PIECES as usize));
            link.flush();
            link.a.set_interested(link.now, true);
            link.b.unchoke(link.now);
            link.b
                .announce_predictive_piece(link.now, PieceIndex::new(3));
            link.flush();
            link.a.request(link.now, first_block(3)).expect("unchoked");
            link.flush();
            assert_eq!(link.b.upload_queue_len(), 1, "held until the hash check");
            link.b.reject_piece(link.now, PieceIndex::new(3));
            link.flush();
            assert_eq!(
                link.b.upload_queue_len() + link.b.pending_reads(),
                0,
                "{name}"
            );
            assert_eq!(rejected_count(&link.events_a()), 1);
        }
        "lt_donthave" => {
            let mut link = Link::new(true, Link::seed());
            link.flush();
            let before = &case["python_before"];
            let count = |link: &Link| link.a.peer_pieces().expect("metadata").count_ones();
            assert_eq!(Some(link.a.is_peer_seed()), before["seed_flag"].as_bool());
            assert_eq!(Some(count(&link) as u64), before["pieces_count"].as_u64());
            link.b.dont_have(link.now, PieceIndex::new(3));
            link.flush();
            let after = &case["python"];
            let pieces = link.a.peer_pieces().expect("metadata");
            assert_eq!(Some(link.a.is_peer_seed()), after["seed_flag"].as_bool());
            assert_eq!(Some(count(&link) as u64), after["pieces_count"].as_u64());
            assert_eq!(Some(pieces.get(3)), after["piece3"].as_bool());
            assert_eq!(Some(pieces.get(2)), after["piece2"].as_bool());
        }
        "have_all_from_seed" => {
            let mut link = Link::new(true, Link::seed());
            let mut hello = Vec::new();
            Link::hello(b'a').encode(&mut hello);
            link.b
                .handle_read(link.now, &mut BytesMut::from(&hello[..]));
            let mut out = Vec::new();
            while link.b.poll_transmit(&mut out) > 0 {}
            let mut inbound = BytesMut::from(&out[Handshake::LEN..]);
            let mut decoder = MessageDecoder::default();
            let mut ids = Vec::new();
            while let Some(message) = decoder.decode(&mut inbound).expect("valid") {
                ids.push(format!(
                    "{:02x}",
                    message.id().expect("not a keep-alive").as_u8()
                ));
            }
            let expected: Vec<&str> = case["python_first_messages_after_handshake"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|id| id.as_str().expect("hex"))
                .collect();
            assert_eq!(ids, expected, "{name}");
        }
        "invalid_request" => {
            let mut ours = Bitfield::new(Link::PIECES as usize);
            ours.set(0);
            let mut link = Link::new(true, ours);
            link.flush();
            link.a.set_interested(link.now, true);
            link.b.unchoke(link.now);
            link.flush();
            link.events_b();
            link.a.request(link.now, first_block(1)).expect("unchoked");
            link.flush();
            let request = BlockRequest {
                piece: 1,
                offset: 0,
                length: 16384,
            };
            assert_eq!(
                link.events_b(),
                [WireEvent::InvalidRequest(request)],
                "{name}"
            );
            assert!(!link.b.is_closed() && !link.a.is_closed());
        }
        other => panic!("no connection check for {other}"),
    }
}

#[test]
fn behaviours() {
    let fixture = fixture();
    let behaviours = fixture["behaviour"].as_array().expect("behaviours");
    let mut checked = Vec::new();
    for case in behaviours {
        let name = case["name"].as_str().expect("name");
        let expect = &case["expect"];
        let check_code = |error: &WireError| {
            assert_eq!(error.code_name(), expect["error"].as_str(), "{name}");
            assert_eq!(
                error.code().map(i64::from),
                expect["error_value"].as_i64(),
                "{name}"
            );
            let message = expect["error_message"].as_str().expect("message");
            assert!(error.to_string().starts_with(message), "{name}: {error}");
        };
        match name {
            "large_message" => {
                let error = decode_one(&2_000_000u32.to_be_bytes(), ExtensionIds::default());
                let error = error.expect_err("too large");
                assert!(matches!(
                    error,
                    WireError::InvalidMessage(InvalidMessage::PacketTooLarge { .. })
                ));
                check_code(&error);
            }
            "invalid_message_id" => {
                let error = decode_one(&[0, 0, 0, 1, 0xff], ExtensionIds::default());
                check_code(&error.expect_err("unknown id"));
                // After have_all, too (have_all_invalid_msg).
                let mut decoder = MessageDecoder::default();
                let mut buffer = BytesMut::from(&[0, 0, 0, 1, 14, 0, 0, 0, 1, 0xff][..]);
                assert_eq!(decoder.decode(&mut buffer), Ok(Some(Message::HaveAll)));
                check_code(&decoder.decode(&mut buffer).expect_err("unknown id").into());
            }
            "bitfield_size" => {
                // A piece count where both one fewer and nine more pieces change the byte count.
                let geometry = PieceGeometry::new(97, 1).expect("geometry");
                for pieces in [96, 106] {
                    let bytes = vec![0xffu8; (pieces as usize).div_ceil(8)];
                    let error = geometry.bitfield(&bytes).expect_err("wrong size");
                    check_code(&WireError::from(error));
                }
            }
            "unknown_info_hash" => {
                let ours = lt_core::InfoHash::v1(Sha1Hash::from_bytes([1; 20]));
                let header = HandshakeHeader {
                    reserved: ReservedBits::lt_default(),
                    info_hash: Sha1Hash::from_bytes([2; 20]),
                };
                let error = header.check_info_hash(&ours).expect_err("unknown");
                assert!(matches!(error, PeerIncompatible::UnknownInfoHash { .. }));
                check_code(&WireError::from(error));
            }
            "v2_hash_messages_need_v2" => {
                // 32-byte root + 4 big-endian int32 (base, index, count, proof_layers).
                let mut frame = vec![0, 0, 0, 49, 21];
                frame.extend([0xab; 32]);
                for field in [0u32, 0, 2, 1] {
                    frame.extend(field.to_be_bytes());
                }
                let message = decode_one(&frame, ExtensionIds::default()).expect("decodes");
                assert_eq!(
                    message,
                    Message::HashRequest(HashRequest {
                        pieces_root: Sha256Hash::from_bytes([0xab; 32]),
                        base_layer: 0,
                        index: 0,
                        count: 2,
                        proof_layers: 1,
                    })
                );
                let ours = ReservedBits::lt_default();
                let mut claims_v2 = ours;
                claims_v2.set(ReservedBits::V2_UPGRADE, true);
                for theirs in [ours, claims_v2] {
                    let error = check_negotiated(&message, &ours, &theirs, false)
                        .expect_err("v1-only torrent");
                    assert_eq!(error.code_name(), "invalid_message");
                }
                assert_eq!(check_negotiated(&message, &ours, &claims_v2, true), Ok(()));
            }
            "multiple_bitfields_and_have_all" => {
                // Several bitfield / have_all / have_none in a row decode without an error.
                let mut stream = hex("00000003058040");
                stream.extend(hex("000000010e000000010f000000010e00000003058040"));
                let mut decoder = MessageDecoder::default();
                let mut buffer = BytesMut::from(&stream[..]);
                let mut count = 0;
                while let Some(message) = decoder.decode(&mut buffer).expect("no error") {
                    let theirs = ReservedBits::lt_default();
                    assert_eq!(check_negotiated(&message, &theirs, &theirs, false), Ok(()));
                    count += 1;
                }
                assert_eq!(count, 5);
            }
            "invalid_suggest" => {
                // suggest_piece(-234) decodes; its index is out of range, so it is ignored.
                let frame = [&[0, 0, 0, 5, 13][..], &(-234i32).to_be_bytes()].concat();
                let Ok(Message::Suggest { piece }) = decode_one(&frame, ExtensionIds::default())
                else {
                    panic!("a suggest");
                };
                let geometry = PieceGeometry::new(100 * 16384, 16384).expect("geometry");
                let error = geometry.piece_index(MessageId::Suggest, piece);
                assert_eq!(
                    error.map_err(|error| error.code_name()),
                    Err("invalid_suggest")
                );
            }
            name if CONNECTION_BEHAVIOURS.contains(&name) => connection_behaviour(name, case),
            other => panic!("fixture behaviour {other:?} is not checked"),
        }
        checked.push(name);
    }
    assert_eq!(checked.len(), behaviours.len());
    for (name, _) in SESSION_OWNED {
        assert!(checked.contains(&name), "{name} is not a fixture behaviour");
    }
}
