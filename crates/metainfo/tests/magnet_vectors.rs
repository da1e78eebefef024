//! Every case of `tests/fixtures/magnet-vectors.json` (libtorrent's magnet tests as data): the
//! parse cases, the make cases and the string helpers, each against what its `expect` says and
//! against what the libtorrent 2.1.1 Python binding returned. Also the `is_valid_tracker_url`
//! cases of `tracker-vectors.json`, which decide which `tr=` values a magnet link keeps.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

use lt_core::{InfoHash, Sha1Hash, Sha256Hash};
use lt_metainfo::magnet_internal::{
    base32_decode, escape_path, escape_string, is_valid_tracker_url, unescape_string,
};
use lt_metainfo::{make_magnet, parse_magnet, Magnet, MagnetError};
use serde_json::{Map, Value};

const MAGNET_VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/magnet-vectors.json"
));
const TRACKER_VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/tracker-vectors.json"
));

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is valid JSON")
}

fn cases<'a>(fixture: &'a Value, key: &str) -> &'a [Value] {
    fixture[key]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("no {key} array"))
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| text(item).to_owned())
        .collect()
}

fn integer(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("expected an integer, got {value}"))
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex"))
        .collect()
}

/// A fixture byte string: plain text, or `{"x": hex}` for bytes that are not printable.
fn fixture_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.as_bytes().to_vec(),
        Value::Object(object) => hex_bytes(text(&object["x"])),
        other => panic!("not a byte string: {other}"),
    }
}

/// The input of a parse case. Our parser takes `&str`; the two inputs with a stray 0xF7 byte
/// become U+FFFD, which is no more a hex digit after `%` than 0xF7 is, so the outcome is the
/// same.
fn case_uri(case: &Value) -> String {
    match (&case["uri"], &case["uri_hex"]) {
        (Value::String(uri), _) => uri.clone(),
        (_, Value::String(hex)) => String::from_utf8_lossy(&hex_bytes(hex)).into_owned(),
        _ => panic!("case without uri: {case}"),
    }
}

fn flag(magnet: &Magnet, name: &str) -> bool {
    match name {
        "i2p_torrent" => magnet.is_i2p,
        "default_dont_download" => magnet.default_dont_download,
        other => panic!("unknown flag {other}"),
    }
}

/// Checks every field `expected` names (the `expect` of a case or the binding's output) against
/// `magnet`, and fails on a field it does not know, so that no assertion is skipped silently.
fn check_fields(case: &str, magnet: &Magnet, expected: &Map<String, Value>) {
    let tracker_urls: Vec<&str> = magnet
        .trackers
        .iter()
        .map(|(url, _)| url.as_str())
        .collect();
    for (key, want) in expected {
        let context = format!("{case}: {key}");
        match key.as_str() {
            "ok" => assert_eq!(want, &Value::Bool(true), "{context}"),
            "info_hash_v1" => assert_eq!(
                magnet.info_hashes.v1.map(|hash| hash.to_string()),
                want.as_str().map(str::to_owned),
                "{context}"
            ),
            "info_hash_v2" => assert_eq!(
                magnet.info_hashes.v2.map(|hash| hash.to_string()),
                want.as_str().map(str::to_owned),
                "{context}"
            ),
            "name" => assert_eq!(
                magnet.name.as_deref().unwrap_or(""),
                text(want),
                "{context}"
            ),
            // The parser is libtorrent without WebRTC (no ws:// or wss:// trackers).
            "trackers" | "trackers_without_webrtc" => {
                assert_eq!(tracker_urls, strings(want), "{context}");
            }
            "trackers_with_webrtc" => {}
            "tracker_tiers" => {
                let tiers: Vec<i64> = magnet
                    .trackers
                    .iter()
                    .map(|(_, tier)| (*tier).into())
                    .collect();
                let want: Vec<i64> = want.as_array().expect("list").iter().map(integer).collect();
                assert_eq!(tiers, want, "{context}");
            }
            "session_trackers_after_add" => {
                // Adding to a session drops duplicate URLs; the parser keeps them.
                let distinct: BTreeSet<&str> = tracker_urls.iter().copied().collect();
                let want: BTreeSet<String> = strings(want).into_iter().collect();
                assert!(
                    distinct.iter().copied().eq(want.iter().map(String::as_str)),
                    "{context}"
                );
            }
            "url_seeds" => assert_eq!(magnet.url_seeds, strings(want), "{context}"),
            "peers" => {
                let peers: Vec<String> = magnet.peers.iter().map(ToString::to_string).collect();
                assert_eq!(peers, strings(want), "{context}");
            }
            "dht_nodes" => {
                let want: Vec<(String, u16)> = want
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|node| {
                        let port = u16::try_from(integer(&node[1])).expect("port");
                        (text(&node[0]).to_owned(), port)
                    })
                    .collect();
                assert_eq!(magnet.dht_nodes, want, "{context}");
            }
            "file_priorities" => {
                let want: Vec<i64> = want.as_array().expect("list").iter().map(integer).collect();
                let have: Vec<i64> = magnet.file_priorities.iter().map(|&p| p.into()).collect();
                assert_eq!(have, want, "{context}");
            }
            "flags_set" => {
                for name in strings(want) {
                    assert!(flag(magnet, &name), "{context}: {name}");
                }
            }
            "flags_not_set" => {
                for name in strings(want) {
                    assert!(!flag(magnet, &name), "{context}: {name}");
                }
            }
            "flags_beyond_default" => {
                let want: BTreeSet<String> = strings(want).into_iter().collect();
                for name in ["i2p_torrent", "default_dont_download"] {
                    assert_eq!(flag(magnet, name), want.contains(name), "{context}: {name}");
                }
            }
            other => panic!("{case}: unknown expectation {other}"),
        }
    }
}

/// The binding's output with the ws:// and wss:// trackers a WebRTC build keeps removed and the
/// tiers renumbered, to compare with a parser that has no WebRTC.
fn without_webrtc_trackers(binding: &Map<String, Value>) -> Map<String, Value> {
    let mut binding = binding.clone();
    if let Some(trackers) = binding.get("trackers").cloned() {
        let kept: Vec<Value> = strings(&trackers)
            .into_iter()
            .filter(|url| !url.starts_with("ws://") && !url.starts_with("wss://"))
            .map(Value::String)
            .collect();
        let tiers: Vec<Value> = (0..kept.len())
            .map(|tier| Value::from(tier as u64))
            .collect();
        binding.insert("trackers".to_owned(), Value::Array(kept));
        binding.insert("tracker_tiers".to_owned(), Value::Array(tiers));
    }
    binding
}

/// Checks an error against `error` (libtorrent enum name), `error_value` and `error_message`,
/// where present.
fn check_error(case: &str, error: &MagnetError, expected: &Value) {
    if let Some(name) = expected["error"]
        .as_str()
        .filter(|name| !name.starts_with('('))
    {
        assert_eq!(error.code_name(), name, "{case}");
    }
    if let Some(value) = expected["error_value"].as_i64() {
        assert_eq!(i64::from(error.code_value()), value, "{case}");
    }
    if let Some(message) = expected["error_message"].as_str() {
        assert_eq!(error.to_string(), message, "{case}");
    }
}

#[test]
fn parse_cases() {
    let vectors = fixture(MAGNET_VECTORS);
    let parse_cases = cases(&vectors, "parse_cases");
    assert_eq!(parse_cases.len(), 59);
    for case in parse_cases {
        let name = text(&case["name"]);
        let expect = &case["expect"];
        let result = parse_magnet(&case_uri(case));
        match (expect["ok"].as_bool(), &result) {
            (Some(true), Ok(magnet)) => {
                check_fields(name, magnet, expect.as_object().expect("expect object"));
                if let Some(binding) = case["python_binding"].as_object() {
                    check_fields(name, magnet, &without_webrtc_trackers(binding));
                }
            }
            (Some(false), Err(error)) => {
                check_error(name, error, expect);
                check_error(name, error, &expect["likely"]);
                check_error(name, error, &case["python_binding"]);
            }
            (ok, result) => panic!("{name}: expected ok={ok:?}, got {result:?}"),
        }
    }
}

/// The parameters of a make case as a [`Magnet`].
fn magnet_from_params(params: &Value) -> Magnet {
    let params = params.as_object().expect("params object");
    let mut magnet = Magnet::default();
    for (key, value) in params {
        match key.as_str() {
            "v1" => magnet.info_hashes.v1 = Some(text(value).parse::<Sha1Hash>().expect("v1")),
            "v2" => magnet.info_hashes.v2 = Some(text(value).parse::<Sha256Hash>().expect("v2")),
            "name" => magnet.name = Some(text(value).to_owned()),
            "trackers" => magnet.trackers = strings(value).into_iter().zip(0..).collect(),
            "url_seeds" => magnet.url_seeds = strings(value),
            "peers" | "dht_nodes" => {
                for pair in value.as_array().expect("list") {
                    let host = text(&pair[0]);
                    let port = u16::try_from(integer(&pair[1])).expect("port");
                    if key == "peers" {
                        let ip: IpAddr = host.parse().expect("peer address");
                        magnet.peers.push(SocketAddr::new(ip, port));
                    } else {
                        magnet.dht_nodes.push((host.to_owned(), port));
                    }
                }
            }
            "file_priorities" => {
                magnet.file_priorities = value
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|priority| u8::try_from(integer(priority)).expect("priority"))
                    .collect();
            }
            other => panic!("unknown make parameter {other}"),
        }
    }
    magnet
}

/// A make case that names its fields: the URI must match, and parsing it back must give what
/// the binding gave (and, for the round-trip cases, the same fields as the input).
fn check_make_from_params(name: &str, case: &Value) {
    let magnet = magnet_from_params(&case["params"]);
    let uri = make_magnet(&magnet);
    for key in ["expect_uri", "python_binding_uri"] {
        if let Some(expected) = case[key].as_str() {
            assert_eq!(uri, expected, "{name}: {key}");
        }
    }
    if let Some(binding) = case["round_trip_python"].as_object() {
        let parsed = parse_magnet(&uri).unwrap_or_else(|error| panic!("{name}: {error}"));
        check_fields(name, &parsed, binding);
        if name == "round_trip" {
            // What libtorrent's round_trip test compares.
            assert_eq!(parsed.info_hashes, magnet.info_hashes, "{name}");
            assert_eq!(parsed.trackers, magnet.trackers, "{name}");
            assert_eq!(parsed.url_seeds, magnet.url_seeds, "{name}");
            assert_eq!(parsed.peers, magnet.peers, "{name}");
            assert_eq!(parsed.dht_nodes, magnet.dht_nodes, "{name}");
            assert_eq!(parsed.file_priorities, magnet.file_priorities, "{name}");
            assert_eq!(parsed.name, magnet.name, "{name}");
        }
    }
}

/// A make case given as a bencoded torrent. Loading torrents belongs to `TorrentInfo`; here the
/// test reads just what `make_magnet_uri` uses with `lt_bencode`: the v1 hash of the info dict,
/// the name (`name.utf-8` first), the announce-list and the url-list.
fn check_make_from_torrent(name: &str, case: &Value) {
    let bytes = hex_bytes(text(&case["torrent_bencoded_hex"]));
    let document = lt_bencode::bdecode(&bytes).expect("torrent decodes");
    let root = document.root();
    let info = root.dict_find_dict("info").expect("info dict");
    let info_hash = Sha1Hash::digest(info.data_section());
    if let Some(expected) = case["torrent_sha1_of_info"].as_str() {
        assert_eq!(info_hash.to_string(), expected, "{name}");
    }
    let trackers: Vec<String> = root
        .dict_find_list("announce-list")
        .map(|tiers| {
            tiers
                .list_iter()
                .flat_map(|tier| {
                    tier.list_iter()
                        .filter_map(|url| url.as_str().map(str::to_owned))
                })
                .collect()
        })
        .unwrap_or_default();
    for key in ["expect", "python_binding_num_trackers"] {
        let expected = match key {
            "expect" => case["expect"]["num_trackers_loaded"].as_u64(),
            _ => case[key].as_u64(),
        };
        if let Some(expected) = expected {
            assert_eq!(trackers.len() as u64, expected, "{name}: {key}");
        }
    }
    let url_seeds: Vec<String> = match root.dict_find("url-list") {
        Some(list) if list.is_list() => list
            .list_iter()
            .filter_map(|url| url.as_str().map(str::to_owned))
            .collect(),
        Some(url) => url.as_str().map(str::to_owned).into_iter().collect(),
        None => Vec::new(),
    };
    let torrent_name = info
        .dict_find_str("name.utf-8")
        .or_else(|| info.dict_find_str("name"));

    // make_magnet_uri(torrent_info) in 2.1.1: the hash and the name only.
    let mut from_torrent_info = Magnet::new(InfoHash::v1(info_hash));
    from_torrent_info.name = torrent_name.map(str::to_owned);
    if let Some(expected) = case["python_binding_uri_from_torrent_info"].as_str() {
        assert_eq!(
            make_magnet(&from_torrent_info),
            expected,
            "{name}: from torrent_info"
        );
    }
    // make_magnet_uri(load_torrent_buffer(...)): the name stays in `ti`; trackers and web seeds
    // are in the add_torrent_params.
    let mut from_params = Magnet::new(InfoHash::v1(info_hash));
    from_params.trackers = trackers.into_iter().zip(0..).collect();
    from_params.url_seeds = url_seeds;
    let uri = make_magnet(&from_params);
    if let Some(expected) = case["python_binding_uri_from_add_torrent_params"].as_str() {
        assert_eq!(uri, expected, "{name}: from add_torrent_params");
    }
    if name == "torrent_with_url_list" {
        assert!(
            uri.contains("&ws=http%3a%2f%2ffoo.com%2fbar"),
            "{name}: {uri}"
        );
    }
}

/// `make_magnet_uri` of v2-only, hybrid and v1-only torrents names the matching `xt` kinds.
fn check_xt_kinds() {
    let v1 = Sha1Hash::from_bytes([0x61; 20]);
    let v2 = Sha256Hash::from_bytes([0x62; 32]);
    for (info_hashes, has_btih, has_btmh) in [
        (InfoHash::v2(v2), false, true),
        (InfoHash::hybrid(v1, v2), true, true),
        (InfoHash::v1(v1), true, false),
    ] {
        let uri = make_magnet(&Magnet::new(info_hashes));
        assert_eq!(uri.contains("xt=urn:btih:"), has_btih, "{uri}");
        assert_eq!(uri.contains("xt=urn:btmh:1220"), has_btmh, "{uri}");
    }
}

#[test]
fn make_cases() {
    let vectors = fixture(MAGNET_VECTORS);
    let make_cases = cases(&vectors, "make_cases");
    assert_eq!(make_cases.len(), 28);
    for case in make_cases {
        let name = text(&case["name"]);
        if case.get("params").is_some() {
            check_make_from_params(name, case);
        } else if case.get("torrent_bencoded_hex").is_some() {
            check_make_from_torrent(name, case);
        } else if name == "created_torrent_contains_xt_kinds" {
            check_xt_kinds();
        } else {
            panic!("{name}: unknown make case shape");
        }
    }
}

#[test]
fn helper_base32decode() {
    let vectors = fixture(MAGNET_VECTORS);
    let helper_cases = cases(&vectors["helpers"]["base32decode"], "cases");
    assert_eq!(helper_cases.len(), 14);
    for case in helper_cases {
        let input = fixture_bytes(&case[0]);
        let expected = fixture_bytes(&case[1]);
        // libtorrent returns "" for input outside the alphabet; we return None.
        assert_eq!(
            base32_decode(&input).unwrap_or_default(),
            expected,
            "{case}"
        );
    }
}

#[test]
fn helper_unescape_string() {
    let vectors = fixture(MAGNET_VECTORS);
    let helper_cases = cases(&vectors["helpers"]["unescape_string"], "cases");
    assert_eq!(helper_cases.len(), 7);
    for case in helper_cases {
        let result = unescape_string(text(&case["in"]).as_bytes());
        match (case["out"].as_str(), case["error"].as_str()) {
            (Some(out), None) => assert_eq!(result.as_deref(), Ok(out.as_bytes()), "{case}"),
            (None, Some("invalid_escaped_string")) => assert!(result.is_err(), "{case}"),
            _ => panic!("unknown unescape case {case}"),
        }
    }
}

#[test]
fn helper_escape_string() {
    let vectors = fixture(MAGNET_VECTORS);
    let helper_cases = cases(&vectors["helpers"]["escape_string"], "cases");
    assert_eq!(helper_cases.len(), 1);
    for case in helper_cases {
        let input = text(&case["in"]).as_bytes();
        assert_eq!(escape_string(input), text(&case["escape_string"]), "{case}");
        assert_eq!(escape_path(input), text(&case["escape_path"]), "{case}");
    }
}

#[test]
fn tracker_vectors_is_valid_tracker_url() {
    let vectors = fixture(TRACKER_VECTORS);
    let url_cases = cases(&vectors["is_valid_tracker_url"], "cases");
    assert_eq!(url_cases.len(), 23);
    for case in url_cases {
        let url = text(&case[0]);
        let is_valid = case[1].as_bool().expect("bool");
        assert_eq!(is_valid_tracker_url(url.as_bytes()), is_valid, "{url:?}");
        // The binding kept exactly the valid ones as magnet tr= values.
        let kept = case[2]["python_binding_kept_in_magnet"]
            .as_bool()
            .expect("bool");
        let magnet = format!(
            "magnet:?xt=urn:btih:{}&tr={}",
            "ab".repeat(20),
            escape_string(url.as_bytes())
        );
        let trackers = parse_magnet(&magnet).expect("parses").trackers;
        assert_eq!(trackers.len() == 1, kept, "{url:?}");
    }
}
