//! Property tests: canonical round trips, no panics on arbitrary input, serde round trips.

use std::collections::BTreeMap;

use lt_bencode::{bdecode, bdecode_with, from_bytes, to_bytes, DecodeOptions, Value};
use proptest::prelude::*;

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            proptest::collection::btree_map(
                proptest::collection::vec(any::<u8>(), 0..8),
                inner,
                0..8
            )
            .prop_map(Value::Dict),
        ]
    })
}

/// Bytes that look a lot like bencoding, so the decoder gets deep into its states.
fn bencode_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b'd'),
            Just(b'l'),
            Just(b'e'),
            Just(b'i'),
            Just(b':'),
            Just(b'-'),
            (b'0'..=b'9'),
            any::<u8>(),
        ],
        0..64,
    )
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Peer {
    ip: String,
    port: u16,
    #[serde(rename = "peer id", default, skip_serializing_if = "Option::is_none")]
    peer_id: Option<Vec<u8>>,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Response {
    interval: u32,
    complete: Option<i64>,
    peers: Vec<Peer>,
    tags: BTreeMap<String, i64>,
    flags: (bool, u8),
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Kind {
    Plain,
    Sized(u64),
    Pair(i32, String),
    Named { name: String },
}

fn any_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Plain),
        any::<u64>().prop_map(Kind::Sized),
        (any::<i32>(), "[a-z]{0,6}").prop_map(|(n, s)| Kind::Pair(n, s)),
        "[a-z]{0,6}".prop_map(|name| Kind::Named { name }),
    ]
}

fn any_response() -> impl Strategy<Value = Response> {
    let peer = (
        "[0-9.]{1,15}",
        any::<u16>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 20)),
    )
        .prop_map(|(ip, port, peer_id)| Peer { ip, port, peer_id });
    (
        any::<u32>(),
        proptest::option::of(any::<i64>()),
        proptest::collection::vec(peer, 0..4),
        proptest::collection::btree_map("\\PC{0,6}", any::<i64>(), 0..4),
        (any::<bool>(), any::<u8>()),
        any_kind(),
    )
        .prop_map(|(interval, complete, peers, tags, flags, kind)| Response {
            interval,
            complete,
            peers,
            tags,
            flags,
            kind,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_encoding_round_trips_byte_for_byte(value in any_value()) {
        let encoded = value.to_bytes();
        let document = bdecode_with(&encoded, &DecodeOptions::strict()).unwrap();
        prop_assert!(!document.root().has_soft_error());
        prop_assert_eq!(document.root().data_section(), &encoded[..]);
        let decoded = document.root().to_value().unwrap();
        prop_assert_eq!(decoded.to_bytes(), encoded);
        prop_assert_eq!(decoded, value);
    }

    #[test]
    fn bdecode_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = bdecode(&bytes).map(|d| d.root().to_value());
        let _ = lt_bencode::bdecode_partial(&bytes, &DecodeOptions::default());
        let _ = from_bytes::<Value>(&bytes);
    }

    #[test]
    fn bdecode_never_panics_on_bencode_like_bytes(bytes in bencode_like_bytes()) {
        if let Ok(document) = bdecode(&bytes) {
            let root = document.root();
            let _ = root.soft_error();
            let _ = lt_bencode::print_entry(&root, false, 0);
            // Whatever bdecode accepts, the serde path agrees on (up to trailing bytes).
            let consumed = document.consumed();
            let via_serde = from_bytes::<Value>(&bytes[..consumed]);
            match root.to_value() {
                Ok(value) => prop_assert_eq!(via_serde.unwrap(), value),
                Err(_) => prop_assert!(via_serde.is_err()),
            }
        } else {
            prop_assert!(from_bytes::<Value>(&bytes).is_err());
        }
        let partial = lt_bencode::bdecode_partial(&bytes, &DecodeOptions::default());
        if let Err(partial) = partial {
            if let Some(document) = partial.document {
                let _ = lt_bencode::print_entry(&document.root(), true, 0);
            }
        }
    }

    #[test]
    fn value_serde_round_trips(value in any_value()) {
        let encoded = to_bytes(&value).unwrap();
        prop_assert_eq!(&encoded, &value.to_bytes());
        let decoded: Value = from_bytes(&encoded).unwrap();
        prop_assert_eq!(decoded, value);
    }

    #[test]
    fn derived_types_round_trip(response in any_response()) {
        let encoded = to_bytes(&response).unwrap();
        // Serde output is canonical bencoding.
        let document = bdecode_with(&encoded, &DecodeOptions::strict()).unwrap();
        prop_assert_eq!(document.consumed(), encoded.len());
        let decoded: Response = from_bytes(&encoded).unwrap();
        prop_assert_eq!(decoded, response);
    }
}
