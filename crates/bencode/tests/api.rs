//! The public API, case by case.

use std::collections::BTreeMap;

use lt_bencode::{
    bdecode, bdecode_partial, bdecode_with, from_bytes, print_entry, to_bytes, BdecodeErrorKind,
    DecodeOptions, Decoder, EncodeError, Encoder, Error, NodeType, SoftErrorKind, Value,
};

#[test]
fn node_accessors_follow_bdecode_node() {
    let doc = bdecode(b"d4:listli1e3:twoli3eed1:xi9eee3:inti-42e3:str5:hello4:yes!0:e").unwrap();
    let root = doc.root();
    assert_eq!(root.node_type(), NodeType::Dict);
    assert_eq!(root.dict_size(), 4);
    let list = root.dict_find_list("list").unwrap();
    assert_eq!(list.list_size(), 4);
    assert_eq!(list.list_int_value_at(0, -1), 1);
    assert_eq!(list.list_int_value_at(1, -1), -1, "not an int");
    assert_eq!(list.list_string_value_at(1), Some(&b"two"[..]));
    assert_eq!(list.list_at(2).unwrap().list_size(), 1);
    assert_eq!(list.list_at(3).unwrap().dict_find_int_value("x"), Some(9));
    assert!(list.list_at(4).is_none());
    assert_eq!(root.dict_find_int_value("int"), Some(-42));
    assert_eq!(root.dict_find_int_value_or("missing", 7), 7);
    assert_eq!(root.dict_find_str("str"), Some("hello"));
    assert_eq!(root.dict_find_string_value_or("nope", b"dflt"), b"dflt");
    assert!(root.dict_find_dict("str").is_none());
    assert!(root.dict_find_string("int").is_none());
    assert!(root.dict_find_int("int").is_some());
    assert_eq!(root.dict_find_string_value("yes!"), Some(&b""[..]));
    let (key, value) = root.dict_at(1).unwrap();
    assert_eq!((key, value.int_value()), (&b"int"[..], -42));
    let (key_node, _) = root.dict_at_node(3).unwrap();
    assert_eq!(key_node.string_offset(), Some(key_node.data_offset() + 2));
    // Accessors of another type give empty answers rather than panicking.
    let int = root.dict_find("int").unwrap();
    assert_eq!(int.list_size(), 0);
    assert_eq!(int.dict_size(), 0);
    assert!(int.dict_find("x").is_none());
    assert!(int.as_bytes().is_none());
    assert_eq!(int.string_length(), 0);
    assert_eq!(list.as_int(), None);
    assert_eq!(list.int_value(), 0);
    assert_eq!(int.data_section(), b"i-42e");
}

#[test]
fn data_section_covers_exactly_the_value() {
    let input = b"d8:announce3:url4:infod6:lengthi1e4:name1:xee";
    let doc = bdecode(input).unwrap();
    let info = doc.root().dict_find_dict("info").unwrap();
    assert_eq!(info.data_section(), b"d6:lengthi1e4:name1:xe");
    assert_eq!(info.data_offset(), 22);
    assert_eq!(doc.root().data_section(), &input[..]);
}

#[test]
fn bytes_after_the_root_are_ignored_unless_strict() {
    let doc = bdecode(b"i1egarbage").unwrap();
    assert_eq!(doc.root().as_int(), Some(1));
    assert_eq!(doc.consumed(), 3);
    let error = bdecode_with(b"i1egarbage", &DecodeOptions::strict()).unwrap_err();
    assert_eq!(
        (error.kind, error.offset),
        (BdecodeErrorKind::TrailingData, 3)
    );
}

#[test]
fn soft_errors_are_reported_and_strict_mode_rejects_them() {
    let cases: &[(&[u8], SoftErrorKind, usize)] = &[
        (b"d1:bi1e1:ai2ee", SoftErrorKind::UnsortedKey, 7),
        (b"d1:ai1e1:ai2ee", SoftErrorKind::DuplicateKey, 7),
        (b"li1ei007ee", SoftErrorKind::LeadingZeroInteger, 4),
        (b"i-0e", SoftErrorKind::NegativeZero, 0),
        (b"i-01e", SoftErrorKind::LeadingZeroInteger, 0),
        (b"l03:abce", SoftErrorKind::LeadingZeroStringLength, 1),
    ];
    for &(input, kind, offset) in cases {
        let doc = bdecode(input).unwrap();
        let soft = doc.root().soft_error().unwrap();
        assert_eq!((soft.kind, soft.offset), (kind, offset), "{input:?}");
        let error = bdecode_with(input, &DecodeOptions::strict()).unwrap_err();
        assert_eq!(error.kind, BdecodeErrorKind::NonCanonical(kind));
        assert_eq!(error.offset, offset);
    }
    // Soft errors are found in a subtree only when they are in it.
    let doc = bdecode(b"d1:ad1:ai1ee1:bd1:bi1e1:ai1eee").unwrap();
    assert!(!doc.root().dict_find("a").unwrap().has_soft_error());
    assert!(doc.root().dict_find("b").unwrap().has_soft_error());
    for canonical in [&b"i0e"[..], b"i-1e", b"0:", b"d1:ai0e1:bi0ee", b"le", b"de"] {
        assert!(bdecode_with(canonical, &DecodeOptions::strict()).is_ok());
    }
}

#[test]
fn integers_outside_i64_decode_lazily() {
    let doc = bdecode(b"i18446744073709551615e").unwrap();
    assert_eq!(doc.root().as_int(), None);
    assert_eq!(doc.root().int_value(), 0);
    assert_eq!(doc.root().int_text(), Some(&b"18446744073709551615"[..]));
    assert_eq!(
        doc.root().to_value().unwrap_err().kind,
        BdecodeErrorKind::Overflow
    );
    assert_eq!(
        bdecode(b"i-9223372036854775808e").unwrap().root().as_int(),
        Some(i64::MIN)
    );
    assert_eq!(
        bdecode(b"i9223372036854775808e").unwrap().root().as_int(),
        None
    );
}

#[test]
fn decoder_reuses_its_buffers() {
    let mut decoder = Decoder::new(DecodeOptions {
        depth_limit: 3,
        ..DecodeOptions::default()
    });
    assert_eq!(decoder.decode(b"li1ee").unwrap().list_size(), 1);
    assert_eq!(
        decoder
            .decode(b"d1:xi2ee")
            .unwrap()
            .dict_find_int_value("x"),
        Some(2)
    );
    let error = decoder.decode(b"llllee").unwrap_err();
    assert_eq!(
        (error.kind, error.offset),
        (BdecodeErrorKind::DepthExceeded, 3)
    );
    assert_eq!(decoder.decode(b"3:abc").unwrap().as_str(), Some("abc"));
}

#[test]
fn partial_decode_returns_what_was_parsed() {
    let partial = bdecode_partial(b"l3:foo3:ba", &DecodeOptions::default()).unwrap_err();
    assert_eq!(partial.error.kind, BdecodeErrorKind::UnexpectedEof);
    let document = partial.document.unwrap();
    assert_eq!(print_entry(&document.root(), true, 0), "[ 'foo' ]");
    // Nothing decoded at all: no document.
    let partial = bdecode_partial(b"x", &DecodeOptions::default()).unwrap_err();
    assert!(partial.document.is_none());
    // An integer error closes the tree where the integer started.
    let partial = bdecode_partial(b"l3:fooi12x", &DecodeOptions::default()).unwrap_err();
    assert_eq!(partial.error.offset, 9);
    assert_eq!(
        print_entry(&partial.document.unwrap().root(), true, 0),
        "[ 'foo' ]"
    );
}

#[test]
fn multi_line_printing_splits_long_containers() {
    let long: Vec<u8> = b"l"
        .iter()
        .chain(b"10:0123456789".repeat(20).iter())
        .chain(b"e")
        .copied()
        .collect();
    let doc = bdecode(&long).unwrap();
    let text = print_entry(&doc.root(), false, 0);
    assert!(text.starts_with("[\n  '0123456789',\n"), "{text}");
    assert!(text.ends_with("'0123456789'\n]"), "{text}");
    assert_eq!(print_entry(&doc.root(), true, 0).lines().count(), 1);
    let doc = bdecode(b"d1:x0:e").unwrap();
    assert_eq!(print_entry(&doc.root(), false, 0), "{ 'x': '' }");
    assert_eq!(print_entry(&bdecode(b"le").unwrap().root(), false, 0), "[]");
    let binary = bdecode(b"3:\x00\x01\xff").unwrap();
    assert_eq!(print_entry(&binary.root(), true, 0), "0x0001ff");
    let long_text = bdecode(b"40:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN").unwrap();
    assert_eq!(
        print_entry(&long_text.root(), true, 0),
        "'abcdefghijkl...CDEFGHIJKLMN'"
    );
}

#[test]
fn value_display_matches_print_entry() {
    let value = Value::decode(b"d1:ai1e1:bl1:xee").unwrap();
    assert_eq!(value.to_string(), "{ 'a': 1, 'b': [ 'x' ] }");
    assert_eq!(value.get("a"), Some(&Value::Int(1)));
    assert_eq!(
        value.get("b").and_then(Value::as_list).map(<[Value]>::len),
        Some(1)
    );
}

#[test]
fn value_decoding_keeps_the_last_of_duplicate_keys() {
    let value = Value::decode(b"d1:ai1e1:ai2ee").unwrap();
    assert_eq!(value.to_bytes(), b"d1:ai2ee");
}

#[test]
fn encoder_enforces_canonical_order_and_balance() {
    let mut encoder = Encoder::new(Vec::new());
    encoder.begin_dict().unwrap();
    encoder.key(b"b").unwrap();
    encoder.int(1).unwrap();
    assert!(matches!(encoder.key(b"a"), Err(EncodeError::UnsortedKey)));
    assert!(matches!(encoder.key(b"b"), Err(EncodeError::UnsortedKey)));
    assert!(matches!(encoder.int(2), Err(EncodeError::ExpectedKey)));
    encoder.key(b"c").unwrap();
    assert!(matches!(encoder.end(), Err(EncodeError::ExpectedValue)));
    encoder.value(&Value::List(vec![Value::from("x")])).unwrap();
    encoder.end().unwrap();
    assert!(matches!(encoder.end(), Err(EncodeError::Unbalanced)));
    assert!(matches!(encoder.int(3), Err(EncodeError::Unbalanced)));
    assert_eq!(encoder.finish().unwrap(), b"d1:bi1e1:cl1:xee");

    let mut open = Encoder::new(Vec::new());
    open.begin_list().unwrap();
    assert!(matches!(
        open.finish(),
        Err(EncodeError::Incomplete { open: 1 })
    ));
    assert!(matches!(
        Encoder::new(Vec::new()).finish(),
        Err(EncodeError::Incomplete { open: 0 })
    ));
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Announce<'a> {
    #[serde(borrow)]
    url: &'a str,
    #[serde(borrow, with = "borrowed_bytes")]
    info_hash: &'a [u8],
    left: u64,
    event: Option<&'a str>,
    key: Vec<u8>,
}

/// `&[u8]` fields need `serialize_bytes` (what the serde_bytes crate gives).
mod borrowed_bytes {
    pub(super) fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }
    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<&'de [u8], D::Error> {
        <&[u8]>::deserialize(d)
    }
    use serde::Deserialize;
}

#[test]
fn serde_borrows_from_the_input_and_skips_none() {
    let announce = Announce {
        url: "http://t/a",
        info_hash: &[0xff; 4],
        left: u64::MAX,
        event: None,
        key: vec![1, 2],
    };
    let bytes = to_bytes(&announce).unwrap();
    assert_eq!(bytes, b"d9:info_hash4:\xff\xff\xff\xff3:keyli1ei2ee4:lefti18446744073709551615e3:url10:http://t/ae");
    let back: Announce<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(back, announce);
    assert_eq!(
        back.url.as_ptr(),
        bytes[bytes.len() - 11..].as_ptr(),
        "borrowed, not copied"
    );
    // A byte string is also accepted where a Vec<u8> is expected.
    let from_string: Announce<'_> =
        from_bytes(b"d9:info_hash0:3:key2:\x01\x024:lefti0e3:url0:5:event7:startede").unwrap();
    assert_eq!(from_string.key, vec![1, 2]);
    assert_eq!(from_string.event, Some("started"));
}

#[test]
fn serde_map_keys_may_be_integers() {
    let mut map = BTreeMap::new();
    map.insert(10u32, "ten".to_string());
    map.insert(2u32, "two".to_string());
    let bytes = to_bytes(&map).unwrap();
    assert_eq!(bytes, b"d2:103:ten1:23:twoe", "sorted as byte strings");
    let back: BTreeMap<u32, String> = from_bytes(&bytes).unwrap();
    assert_eq!(back, map);
}

#[test]
fn serde_errors_say_what_and_where() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Needs {
        port: u16,
    }
    let error = from_bytes::<Needs>(b"d4:porti70000ee").unwrap_err();
    assert!(
        matches!(error, Error::Mismatch { offset: 7, .. }),
        "{error}"
    );
    let error = from_bytes::<Needs>(b"de").unwrap_err();
    assert!(
        error.to_string().contains("missing field `port`"),
        "{error}"
    );
    let error = from_bytes::<Needs>(b"d4:port").unwrap_err();
    assert_eq!(
        error.to_string(),
        "unexpected end of file in bencoded string (at byte 7)"
    );
    let error = from_bytes::<i64>(b"i1ex").unwrap_err();
    assert!(
        matches!(error, Error::Decode(e) if e.kind == BdecodeErrorKind::TrailingData && e.offset == 3)
    );
    let error = from_bytes::<String>(b"2:\xff\xfe").unwrap_err();
    assert!(
        matches!(error, Error::Mismatch { offset: 0, .. }),
        "{error}"
    );
    let deep = [b"l".repeat(150), b"e".repeat(150)].concat();
    let error = from_bytes::<Value>(&deep).unwrap_err();
    assert!(matches!(error, Error::Decode(e) if e.kind == BdecodeErrorKind::DepthExceeded));
    assert!(matches!(to_bytes(&1.5f64), Err(Error::Unsupported(_))));
    assert!(matches!(
        to_bytes(&vec![Some(1), None]),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(to_bytes(&None::<i64>), Err(Error::Unsupported(_))));
    let mut bad_keys = BTreeMap::new();
    bad_keys.insert(vec![1u8], 1);
    assert!(matches!(to_bytes(&bad_keys), Err(Error::KeyMustBeString)));
}

#[test]
fn serde_ignores_unknown_fields_but_checks_them() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Small {
        a: i64,
    }
    assert_eq!(
        from_bytes::<Small>(b"d1:ai1e1:bld1:xi1eeee").unwrap(),
        Small { a: 1 }
    );
    let error = from_bytes::<Small>(b"d1:ai1e1:bli1-eee").unwrap_err();
    assert!(matches!(error, Error::Decode(e) if e.kind == BdecodeErrorKind::ExpectedDigit));
}
