//! Odd inputs (each checked against the libtorrent 2.1.1 Python binding) and the make → parse
//! round trip. The fixture vectors run in `tests/magnet_vectors.rs`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

use lt_core::{InfoHash, Sha1Hash, Sha256Hash};
use proptest::prelude::*;

use super::*;

const HASH: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

fn parse_with(parameters: &str) -> Result<Magnet, MagnetError> {
    parse_magnet(&format!("magnet:?xt=urn:btih:{HASH}&{parameters}"))
}

fn parsed(parameters: &str) -> Magnet {
    match parse_with(parameters) {
        Ok(magnet) => magnet,
        Err(error) => panic!("{parameters}: {error}"),
    }
}

#[test]
fn a_name_runs_to_the_first_equals_sign() {
    let uri = format!("magnet:?foo&xt=urn:btih:{HASH}");
    assert_eq!(parse_magnet(&uri), Err(MagnetError::MissingInfoHashInUri));
    let uri = format!("magnet:?&&xt=urn:btih:{HASH}&");
    assert_eq!(parse_magnet(&uri), Err(MagnetError::MissingInfoHashInUri));
    // A quote is an ordinary character.
    assert_eq!(parsed("dn=\"a&b\"").name.as_deref(), Some("\"a"));
}

#[test]
fn parameter_name_suffixes_and_case() {
    assert!(parse_magnet(&format!("magnet:?xt.1=urn:btih:{HASH}")).is_ok());
    assert!(parse_magnet(&format!("magnet:?xt.=urn:btih:{HASH}")).is_ok());
    assert_eq!(
        parse_magnet(&format!("magnet:?.1=urn:btih:{HASH}")),
        Err(MagnetError::MissingInfoHashInUri)
    );
    let magnet = parsed("DHT=x:1&X.PE=1.2.3.4:5&So=1&TR=http://a&x.pe.1=1.2.3.4:6");
    assert_eq!(magnet.dht_nodes, [("x".to_owned(), 1)]);
    assert_eq!(magnet.peers, ["1.2.3.4:5".parse::<SocketAddr>().unwrap()]);
    assert_eq!(magnet.file_priorities, [0, 4]);
    assert_eq!(magnet.trackers, [("http://a".to_owned(), 0)]);
}

#[test]
fn scheme_is_exact() {
    for uri in [
        "Magnet:?xt=urn:btih:",
        "magnet:",
        "",
        "magnet?xt=",
        " magnet:?",
    ] {
        assert_eq!(
            parse_magnet(uri),
            Err(MagnetError::UnsupportedUrlProtocol),
            "{uri}"
        );
    }
}

#[test]
fn xt_errors_are_fatal_and_carry_the_offset() {
    let uri = format!("magnet:?xt=urn:btih:zz&xt=urn:btih:{HASH}");
    assert_eq!(
        parse_magnet(&uri),
        Err(MagnetError::InvalidInfoHash { offset: 11 })
    );
    assert_eq!(
        parse_with("xt=urn:btih:%zz"),
        Err(MagnetError::InvalidEscapedString { offset: 64 })
    );
    assert!(parse_with("xt=urn:btmh:1220zz").is_err());
    // Decoded when it holds a '%', and then '+' is a space.
    let uri = "magnet:?xt=urn:btih:+dcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdc%64";
    assert_eq!(
        parse_magnet(uri),
        Err(MagnetError::InvalidInfoHash { offset: 11 })
    );
    // An '=' in the value is part of it.
    assert!(parse_magnet(&format!("magnet:?xt=urn:btih:{HASH}=x")).is_err());
}

#[test]
fn base32_hashes() {
    let magnet = parse_magnet("magnet:?xt=urn:btih:1IIIIIIIIIIIIIIIIIIIIIIIIIIIIIII").unwrap();
    let expected: Sha1Hash = "4210842108421084210842108421084210842108".parse().unwrap();
    assert_eq!(magnet.info_hashes, InfoHash::v1(expected));
    for hash in ["=".repeat(32), format!("{}==", "A".repeat(30))] {
        let uri = format!("magnet:?xt=urn:btih:{hash}");
        assert_eq!(
            parse_magnet(&uri),
            Err(MagnetError::InvalidInfoHash { offset: 11 })
        );
    }
}

#[test]
fn names_take_what_decodes() {
    assert_eq!(parsed("dn=foo%").name.as_deref(), Some("foo"));
    assert_eq!(parsed("dn=foo%zzbar").name.as_deref(), Some("foo"));
    assert_eq!(parsed("dn=%41%").name.as_deref(), Some("A"));
    assert_eq!(parsed("dn=a+b%2B").name.as_deref(), Some("a b+"));
    assert_eq!(parsed("dn=x&dn=%").name, None);
    assert_eq!(parsed("dn=%C3%A9&dn=").name, None);
    assert_eq!(parsed("dn=%ff").name.as_deref(), Some("\u{fffd}"));
}

#[test]
fn web_seeds_and_trackers() {
    let magnet = parsed("ws=a+b&ws=%zz&ws=&tr=&tr=http://a&tr=http://b%&tr=http://a%20b");
    assert_eq!(magnet.url_seeds, ["a b", ""]);
    assert_eq!(magnet.trackers, [("http://a".to_owned(), 0)]);
    let magnet =
        parsed("tr=http://a/%ff%C3%A9&tr=http://a%C3%A9/&tr=http://a/%7F&tr=https://x.i2p");
    assert_eq!(
        magnet.trackers,
        [
            ("http://a/%ff\u{e9}".to_owned(), 0),
            ("https://x.i2p".to_owned(), 1)
        ]
    );
    assert!(magnet.is_i2p);
    assert!(!parsed("tr=http://X.I2P/").is_i2p);
}

#[test]
fn dht_nodes() {
    let magnet = parsed("dht=a:43abc&dht=b: 44&dht=c:+45&dht=d:4294967339&dht=b:0043&dht=:45");
    assert_eq!(
        magnet.dht_nodes,
        [
            ("a".to_owned(), 43),
            ("b".to_owned(), 43),
            (String::new(), 45)
        ]
    );
    let magnet = parsed("dht=a:-5&dht=c:&dht=d:65535&dht=e:1&dht=a%3Ab:6&dht=a b:7&dht=[::1]:5");
    let hosts: Vec<&str> = magnet
        .dht_nodes
        .iter()
        .map(|(host, _)| host.as_str())
        .collect();
    assert_eq!(hosts, ["e", "a%3Ab", "a b", "[::1]"]);
}

#[test]
fn select_only_edge_cases() {
    for (value, priorities) in [
        ("1-2-3", &[0, 4, 4][..]),
        ("0--", &[]),
        ("0-", &[]),
        ("2--3", &[]),
        ("-", &[]),
        ("00003,0-0", &[4, 0, 0, 4]),
        ("10001", &[]),
        ("4294967301", &[]),
        ("3,1", &[0, 4, 0, 4]),
    ] {
        let magnet = parsed(&format!("so={value}"));
        assert_eq!(magnet.file_priorities, priorities, "so={value}");
        assert!(magnet.default_dont_download, "so={value}");
    }
    let magnet = parsed("so=10000");
    assert_eq!(magnet.file_priorities.len(), 10_001);
    assert_eq!(magnet.file_priorities.last(), Some(&4));
    assert!(!parsed("so=1%2C2").default_dont_download);
}

#[test]
fn odd_input_never_panics() {
    for uri in [
        "magnet:?",
        "magnet:?=",
        "magnet:?==&&==",
        "magnet:?xt",
        "magnet:?xt=",
        "magnet:?xt=%",
        "magnet:?xt=urn:btih:",
        "magnet:?xt=urn:btmh:",
        "magnet:?xt=urn:btmh:1220",
        "magnet:?xt=urn:btih:\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        "magnet:?so=,-,--,9999999999999999999999-1",
        "magnet:?x.pe=[&x.pe=]&x.pe=[]:&x.pe=:&dht=:&dht=&tr=http://[",
        "magnet:?tr=http://@&tr=http://[]&tr=udp://a:99999999999999999999&dn=%",
    ] {
        let _ = parse_magnet(uri);
    }
}

#[test]
fn peers_print_as_libtorrent_does() {
    let scoped = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 8, 0, 7));
    let mut magnet = Magnet::new(InfoHash::v2(Sha256Hash::from_bytes([1; 32])));
    magnet.peers = vec![scoped, "[::ffff:1.2.3.4]:6".parse().unwrap()];
    let uri = make_magnet(&magnet);
    assert!(
        uri.ends_with("&x.pe=[::1%7]:8&x.pe=[::ffff:1.2.3.4]:6"),
        "{uri}"
    );
    assert_eq!(parse_magnet(&uri).unwrap().peers, magnet.peers);
}

fn any_info_hash() -> impl Strategy<Value = InfoHash> {
    let v1 = proptest::option::of(any::<[u8; 20]>().prop_map(Sha1Hash::from_bytes));
    let v2 = proptest::option::of(any::<[u8; 32]>().prop_map(Sha256Hash::from_bytes));
    (v1, v2)
        .prop_filter("needs a hash", |(v1, v2)| v1.is_some() || v2.is_some())
        .prop_map(|(v1, v2)| InfoHash { v1, v2 })
}

fn any_peer() -> impl Strategy<Value = SocketAddr> {
    let ip = prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ];
    (ip, 1..=u16::MAX, any::<u32>()).prop_map(|(ip, port, scope_id)| match ip {
        IpAddr::V4(ip) => SocketAddr::new(IpAddr::V4(ip), port),
        IpAddr::V6(ip) => SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope_id)),
    })
}

/// File priorities that `so=` can express: 0 and 4, ending with a selected file, with at least
/// one 0 (or none at all).
fn any_selection() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<bool>(), 0..40).prop_map(|selected| {
        let mut priorities: Vec<u8> = selected
            .into_iter()
            .map(|is_selected| if is_selected { 4 } else { 0 })
            .collect();
        while priorities.last() == Some(&0) {
            priorities.pop();
        }
        // Without an unselected file there is no `so=`, so nothing comes back.
        if !priorities.contains(&0) {
            priorities.clear();
        }
        priorities
    })
}

/// Magnets in the shape `parse_magnet` gives, which must survive make → parse unchanged.
fn any_canonical_magnet() -> impl Strategy<Value = Magnet> {
    let name = proptest::option::of(".{1,20}");
    let trackers = proptest::collection::vec(
        "(http|https|udp|HTTP)://[a-z0-9-]{1,10}(\\.[a-z]{2,4})?(:[1-9][0-9]{0,3})?(/[!-~]{0,10})?",
        0..4,
    );
    let url_seeds = proptest::collection::vec(".{0,20}", 0..3);
    let dht_nodes = proptest::collection::vec(("[a-zA-Z0-9._~*()!-]{0,12}", 1..u16::MAX), 0..3);
    let peers = proptest::collection::vec(any_peer(), 0..3);
    (
        any_info_hash(),
        name,
        trackers,
        url_seeds,
        dht_nodes,
        peers,
        any_selection(),
    )
        .prop_map(
            |(info_hashes, name, trackers, url_seeds, dht_nodes, peers, file_priorities)| Magnet {
                info_hashes,
                name,
                trackers: trackers.into_iter().zip(0..).collect(),
                url_seeds,
                peers,
                dht_nodes,
                default_dont_download: file_priorities.contains(&0),
                file_priorities,
                is_i2p: false,
            },
        )
}

proptest! {
    #[test]
    fn make_then_parse_round_trips(magnet in any_canonical_magnet()) {
        let uri = make_magnet(&magnet);
        prop_assert_eq!(parse_magnet(&uri), Ok(magnet), "{}", uri);
    }

    #[test]
    fn parse_never_panics_and_remake_keeps_the_hashes(uri in "magnet:\\?[ -~]{0,80}") {
        if let Ok(magnet) = parse_magnet(&uri) {
            let again = parse_magnet(&make_magnet(&magnet));
            prop_assert_eq!(again.map(|magnet| magnet.info_hashes), Ok(magnet.info_hashes));
        }
    }
}
