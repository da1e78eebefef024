//! Every applicable case of `tests/fixtures/tracker-vectors.json` and
//! `tests/fixtures/http-parser-vectors.json` (facts from libtorrent's own tests, checked against
//! libtorrent 2.1.1).
//!
//! Skipped, with the reason:
//! - `response_cases` of kind `announce_i2p` (2 cases): lt has no i2p support.
//! - `response_cases` fields about the running session (`fails`, `next_announce_in_s`,
//!   `min_announce_in_s`, `peers_in_resume_data`): they need a session around the tracker list;
//!   the parse-level facts of those cases are checked here, and the tracker list's fail and
//!   interval rules in its unit tests.
//! - `announce_request_facts`: prose; the checkable facts (parameter order, key format,
//!   escaping) are tested below and in `src/request.rs`.
//! - `http-parser-vectors.json` `url.split_url`, `url.same_origin`, `url.is_ok_status`,
//!   `url.is_redirect`, `strings.maybe_url_encode`, `strings.need_encoding`,
//!   `strings.parse_decimal`, `strings.format_host_for_connect`: helpers the tracker client does
//!   not use (web seeds may want some later).
//! - `strings.format_host_header` cases with port -1 or 70000: our function takes a `u16` port.
//! - `feed_cases` `header_as_duration_seconds`: no `header_duration` helper (no user yet).
//! - `is_valid_tracker_url` is lt-metainfo's (and tested there); here the same cases check that
//!   [`TrackerUrl::parse`] plus libtorrent's scheme and control-character rules agree.

use std::net::IpAddr;

use lt_core::{PeerId, Sha1Hash};
use lt_tracker::internal::{
    format_host_header, parse_chunk_header, parse_peer_entry, resolve_redirect_location, udp_packet,
};
use lt_tracker::{
    announce_url, has_tracker_query_string, is_idna, parse_announce_response,
    parse_scrape_response, scrape_request_url, scrape_url, ssrf_blocks, AnnounceEntry,
    AnnounceRequest, AnnounceResponse, HttpParser, TrackerError, TrackerList, TrackerUrl,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A byte string of the fixtures: plain text, or `{"x": hex}`.
fn bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.as_bytes().to_vec(),
        Value::Object(object) => hex(object["x"].as_str().unwrap()),
        other => panic!("not a byte string: {other}"),
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).unwrap())
        .collect()
}

fn hash(text: &str) -> Sha1Hash {
    Sha1Hash::try_from(hex(text).as_slice()).unwrap()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks an error against `{error, error_value, error_message}`.
fn check_error(error: &TrackerError, expect: &Value, context: &str) {
    assert_eq!(error.code_name(), expect["error"], "{context}");
    if let Some(value) = expect["error_value"].as_i64() {
        assert_eq!(error.code_value(), Some(value as i32), "{context}");
    }
    assert_eq!(error.message(), expect["error_message"], "{context}");
}

fn count(expect: &Value, key: &str) -> Option<u32> {
    expect[key]
        .as_i64()
        .and_then(|value| u32::try_from(value).ok())
}

fn check_announce(response: &AnnounceResponse, expect: &Value, name: &str) {
    if let Some(peers) = expect["peers"].as_array() {
        if peers.first().is_some_and(Value::is_object) {
            assert_eq!(response.peers.len(), peers.len(), "{name}");
            for (peer, expected) in response.peers.iter().zip(peers) {
                assert_eq!(peer.hostname, expected["hostname"], "{name}");
                assert_eq!(i64::from(peer.port), expected["port"], "{name}");
                assert_eq!(
                    to_hex(peer.peer_id.as_bytes()),
                    expected["peer_id"],
                    "{name}"
                );
            }
        } else {
            let mut got: Vec<String> = response.peer_addrs().map(|addr| addr.to_string()).collect();
            let mut want: Vec<String> = peers
                .iter()
                .map(|peer| peer.as_str().unwrap().to_owned())
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{name}");
        }
    }
    for (key, list) in [
        (
            "peers4",
            response
                .peers4
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        ),
        (
            "peers6",
            response.peers6.iter().map(ToString::to_string).collect(),
        ),
    ] {
        if let Some(expected) = expect[key].as_array() {
            assert_eq!(list, *expected, "{name} {key}");
        }
    }
    if let Some(interval) = expect["interval"].as_u64() {
        assert_eq!(response.interval.as_secs(), interval, "{name}");
    }
    if let Some(min_interval) = expect["min_interval"].as_u64() {
        assert_eq!(response.min_interval.as_secs(), min_interval, "{name}");
    }
    if let Some(warning) = expect["warning_message"].as_str() {
        assert_eq!(response.warning_message.as_deref(), Some(warning), "{name}");
    }
    if let Some(external_ip) = expect["external_ip"].as_str() {
        let expected: IpAddr = external_ip.parse().unwrap();
        assert_eq!(response.external_ip, Some(expected), "{name}");
    }
    for (key, value) in [
        ("complete", response.complete),
        ("incomplete", response.incomplete),
        ("scrape_complete", response.complete),
        ("scrape_incomplete", response.incomplete),
        ("scrape_downloaded", response.downloaded),
    ] {
        if expect.get(key).is_some() {
            assert_eq!(value, count(expect, key), "{name} {key}");
        }
    }
    if let Some(tracker_id) = expect["trackerid"].as_str() {
        assert_eq!(
            response.tracker_id.as_deref(),
            Some(tracker_id.as_bytes()),
            "{name}"
        );
    }
    if let Some(message) = expect["endpoint_message"].as_str() {
        let shown = response.warning_message.as_deref().unwrap_or_default();
        assert_eq!(shown, message, "{name}");
    }
}

/// The parse-level outcome of an HTTP tracker answer, as the HTTP driver computes it.
fn http_answer(raw: &[u8]) -> Result<AnnounceResponse, TrackerError> {
    let mut parser = HttpParser::new();
    parser.feed(raw)?;
    if !parser.is_finished() {
        parser.finish()?;
    }
    let status = parser.status_code().unwrap_or(0);
    if status != 200 {
        return Err(TrackerError::HttpStatus {
            status,
            reason: parser.reason().to_owned(),
        });
    }
    parse_announce_response(&parser.body())
}

#[test]
fn response_cases() {
    let vectors = load("tracker-vectors.json");
    let mut checked = 0;
    for case in vectors["response_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let body = bytes(&case["response"]);
        match case["kind"].as_str().unwrap() {
            "announce_i2p" => continue,
            "announce" => match parse_announce_response(&body) {
                Ok(response) => {
                    assert_eq!(expect["ok"], true, "{name}: parsed but should fail");
                    check_announce(&response, expect, name);
                }
                Err(error) => {
                    assert_eq!(expect["ok"], false, "{name}: {error}");
                    check_error(&error, expect, name);
                    if let Some(reason) = expect["failure_reason"].as_str() {
                        assert_eq!(error.tracker_message(), Some(reason), "{name}");
                    }
                }
            },
            "scrape" => {
                let info_hash = hash(case["scrape_info_hash"].as_str().unwrap());
                let scrape = parse_scrape_response(&body, &info_hash).unwrap();
                assert_eq!(expect["ok"], true);
                assert_eq!(scrape.complete, count(expect, "complete"), "{name}");
                assert_eq!(scrape.incomplete, count(expect, "incomplete"), "{name}");
                assert_eq!(scrape.downloaded, count(expect, "downloaded"), "{name}");
                assert_eq!(scrape.downloaders, count(expect, "downloaders"), "{name}");
            }
            "scrape_session" => {
                let announce = case["announce_url"].as_str().unwrap();
                assert_eq!(scrape_url(announce).unwrap(), case["scrape_url_requested"]);
                let info_hash = Sha1Hash::from_bytes(*b"abababababababababab");
                let scrape = parse_scrape_response(&body, &info_hash).unwrap();
                assert_eq!(scrape.complete, count(expect, "scrape_complete"), "{name}");
                assert_eq!(
                    scrape.incomplete,
                    count(expect, "scrape_incomplete"),
                    "{name}"
                );
                assert_eq!(
                    scrape.downloaded,
                    count(expect, "scrape_downloaded"),
                    "{name}"
                );
            }
            "announce_session" => check_session_case(case, &body),
            other => panic!("unknown kind {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 21);
}

fn check_session_case(case: &Value, body: &[u8]) {
    let name = case["name"].as_str().unwrap();
    let expect = &case["expect"];
    if let Some(status) = case["http_status"].as_u64() {
        let raw = format!(
            "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n\r\n",
            case["http_reason"].as_str().unwrap(),
            body.len()
        );
        let error = http_answer(raw.as_bytes()).unwrap_err();
        assert_eq!(expect["last_error"]["category"], "http");
        assert_eq!(
            error.code_value().map(i64::from),
            expect["last_error"]["value"].as_i64()
        );
        assert_eq!(
            error.tracker_message(),
            expect["endpoint_message"].as_str(),
            "{name}"
        );
        assert_eq!(error.message(), case["python_session"]["error"]["message"]);
        return;
    }
    if let Some(url) = case["announce_url"].as_str() {
        let request = AnnounceRequest::new(Sha1Hash::from_bytes([b'a'; 20]), PeerId::generate(), 1);
        let full = announce_url(url, &request, true).unwrap();
        let path = TrackerUrl::parse(&full).unwrap().path;
        assert!(path.starts_with(&format!("{}?", case["request_path"].as_str().unwrap())));
        assert_eq!(expect["url_kept"], url);
    }
    match parse_announce_response(body) {
        Ok(response) => {
            assert!(expect["last_error"].is_null(), "{name}");
            check_announce(&response, expect, name);
        }
        Err(error) => {
            let last_error = &expect["last_error"];
            if last_error["category"] == "bdecode" {
                assert_eq!(error.code_name(), last_error["name"], "{name}");
                assert_eq!(error.message(), last_error["message"], "{name}");
            } else {
                check_error(&error, last_error, name);
            }
            let shown = error.tracker_message().unwrap_or_default();
            assert_eq!(shown, expect["endpoint_message"], "{name}");
        }
    }
}

#[test]
fn peer_entry_cases() {
    let vectors = load("tracker-vectors.json");
    for case in vectors["peer_entry_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let whole = parse_announce_response(&bytes(&case["harness_response"]));
        match parse_peer_entry(&bytes(&case["peer_entry"])) {
            Ok(peer) => {
                assert_eq!(expect["ok"], true, "{name}");
                assert_eq!(peer.hostname, expect["hostname"], "{name}");
                assert_eq!(i64::from(peer.port), expect["port"], "{name}");
                assert_eq!(to_hex(peer.peer_id.as_bytes()), expect["peer_id"], "{name}");
                assert_eq!(whole.unwrap().peers, [peer], "{name}");
            }
            Err(error) => {
                assert_eq!(expect["ok"], false, "{name}");
                check_error(&error, expect, name);
                // A list whose every entry is bad fails with that entry's error.
                check_error(&whole.unwrap_err(), expect, name);
            }
        }
    }
}

/// Whether libtorrent would send the request: the URL passes `announce_url`'s query check and,
/// with SSRF mitigation on, its host does not resolve to loopback with a non-`/announce` path.
fn reaches_tracker(url: &str, ssrf_mitigation: bool) -> Result<(), TrackerError> {
    let request = AnnounceRequest::new(Sha1Hash::from_bytes([1; 20]), PeerId::generate(), 1);
    announce_url(url, &request, ssrf_mitigation)?;
    let parts = TrackerUrl::parse(url)?;
    let address: IpAddr = match parts.host.as_str() {
        "localhost" => "127.0.0.1".parse().unwrap(),
        host => host
            .parse()
            .unwrap_or_else(|_| "192.0.2.7".parse().unwrap()),
    };
    if ssrf_mitigation && ssrf_blocks(address, &parts.path) {
        return Err(TrackerError::SsrfMitigation);
    }
    Ok(())
}

#[test]
fn ssrf_cases() {
    let vectors = load("tracker-vectors.json");
    let cases = vectors["ssrf_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 18);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let url = case["tracker_url"].as_str().unwrap();
        let result = reaches_tracker(url, case["ssrf_mitigation"].as_bool().unwrap());
        assert_eq!(
            result.is_ok(),
            case["expect_request_reaches_tracker"],
            "{name}"
        );
        if let (Err(error), Some(python)) = (&result, case["python_error"].as_object()) {
            assert_eq!(
                error.code_value().map(i64::from),
                python["value"].as_i64(),
                "{name}"
            );
            assert_eq!(error.message(), python["message"], "{name}");
        }
    }
}

#[test]
fn query_string_and_idna_cases() {
    let vectors = load("tracker-vectors.json");
    for case in vectors["has_tracker_query_string"]["cases"]
        .as_array()
        .unwrap()
    {
        let query = case[0].as_str().unwrap();
        assert_eq!(has_tracker_query_string(query), case[1], "{query:?}");
    }
    let idna = vectors["is_idna"]["cases"].as_array().unwrap();
    assert_eq!(idna.len(), 37);
    for case in idna {
        let host = case[0].as_str().unwrap();
        assert_eq!(is_idna(host), case[1], "{host:?}");
    }
    for case in vectors["idna_session_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let allow_idna = case["allow_idna"].as_bool().unwrap();
        let hosts = [&case["tracker_url"], &case["redirect_to"]]
            .into_iter()
            .filter_map(Value::as_str)
            .map(|url| TrackerUrl::parse(url).unwrap().host)
            .collect::<Vec<_>>();
        let blocked = !allow_idna && hosts.iter().any(|host| is_idna(host));
        assert_eq!(!blocked, case["expect_request_reaches_tracker"], "{name}");
        if blocked {
            let error = TrackerError::BlockedByIdna;
            if let Some(expect) = case.get("expect_error_if_blocked") {
                check_error(&error, expect, name);
            }
            assert_eq!(error.message(), case["python_session"]["error"]["message"]);
        }
    }
}

#[test]
fn tracker_url_agrees_with_is_valid_tracker_url() {
    let vectors = load("tracker-vectors.json");
    for case in vectors["is_valid_tracker_url"]["cases"].as_array().unwrap() {
        let url = case[0].as_str().unwrap();
        let has_bad_byte = url.bytes().any(|byte| byte <= 0x20 || byte == 0x7f);
        let scheme_ok = ["http://", "https://", "udp://"].iter().any(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        });
        let valid = !url.is_empty() && !has_bad_byte && scheme_ok && TrackerUrl::parse(url).is_ok();
        assert_eq!(valid, case[1], "{url:?}");
    }
}

#[test]
fn scrape_url_cases() {
    let vectors = load("tracker-vectors.json");
    let hash = Sha1Hash::from_bytes(*b"abababababababababab");
    for case in vectors["scrape_url"]["cases"].as_array().unwrap() {
        let announce = case["announce"].as_str().unwrap();
        match scrape_url(announce) {
            Ok(scrape) => {
                assert_eq!(scrape, case["scrape"], "{announce}");
                // The request carries only info_hash, after '&' when the URL has a query.
                let request = scrape_request_url(announce, &[hash], true).unwrap();
                let separator = if scrape.contains('?') { '&' } else { '?' };
                assert_eq!(
                    request,
                    format!("{scrape}{separator}info_hash=abababababababababab")
                );
            }
            Err(error) => {
                assert!(case["scrape"].is_null(), "{announce}");
                check_error(&error, &case["error"], announce);
            }
        }
    }
}

#[test]
fn udp_tracker_packets() {
    let vectors = load("tracker-vectors.json");
    let udp = &vectors["udp_tracker"];
    let response = bytes(&udp["announce"]["test_server_response_v4"]);
    assert_eq!(
        udp_packet::read_response_header(&response),
        Some((1, 0x0102_0304))
    );
    let answer = udp_packet::read_announce_response(&response, false).unwrap();
    assert_eq!(
        answer.peers4[0].to_string(),
        udp["announce"]["expected_peer_v4"]
    );
    assert_eq!(answer.interval.as_secs(), 1800);
    assert_eq!(answer.min_interval.as_secs(), 60);
    assert_eq!((answer.complete, answer.incomplete), (Some(1), Some(1)));

    // The same answer over IPv6 carries an 18-byte peer.
    let mut v6 = response[..20].to_vec();
    v6.extend_from_slice(&"::1".parse::<std::net::Ipv6Addr>().unwrap().octets());
    v6.extend_from_slice(&1337u16.to_be_bytes());
    let answer = udp_packet::read_announce_response(&v6, true).unwrap();
    assert_eq!(
        answer.peers6[0].to_string(),
        udp["announce"]["expected_peer_v6"]
    );

    // What libtorrent sent: a 16-byte connect, then a 109-byte announce ending in URLData.
    for session in ["python_session_v4", "python_session_v6"] {
        let packets = udp[session]["packets"].as_array().unwrap();
        let mut connect = Vec::new();
        udp_packet::write_connect(&mut connect, 5);
        assert_eq!(connect.len() as u64, packets[0]["length"].as_u64().unwrap());
        assert_eq!(
            format!("{:#x}", udp_packet::PROTOCOL_ID),
            packets[0]["connection_id"]
        );
        let expected = &packets[1];
        let mut request = AnnounceRequest::new(
            hash(expected["info_hash"].as_str().unwrap()),
            PeerId::generate(),
            6881,
        );
        request.event = lt_tracker::Event::Started;
        request.left = expected["left"].as_u64().unwrap();
        let mut announce = Vec::new();
        udp_packet::write_announce(&mut announce, 0xa, 9, &request, b"/announce");
        assert_eq!(announce.len() as u64, expected["length"].as_u64().unwrap());
        assert_eq!(
            announce[98..],
            bytes(&expected["extensions_after_98_bytes"])
        );
        let Some(udp_packet::UdpRequest::Announce {
            connection_id,
            request: read,
            ..
        }) = udp_packet::read_request(&announce)
        else {
            panic!("not an announce");
        };
        assert_eq!(format!("{connection_id:#x}"), expected["connection_id"]);
        assert_eq!(i64::from(read.event.udp_code()), expected["event"]);
        assert_eq!(i64::from(read.num_want), expected["numwant"]);
        assert_eq!(read.downloaded, expected["downloaded"].as_u64().unwrap());
        assert_eq!(read.uploaded, expected["uploaded"].as_u64().unwrap());
        assert_eq!(read.announce_ip, None);
    }
}

#[test]
fn announce_request_facts() {
    let mut request = AnnounceRequest::new(
        Sha1Hash::from_bytes([b'a'; 20]),
        PeerId::from_bytes(*b"-LT2110-\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"),
        6881,
    );
    request.key = 0xdead_beef;
    request.ipv6 = vec!["ffff::1337".parse().unwrap()];
    let url = announce_url("http://t/announce", &request, true).unwrap();
    let query = url.split_once('?').unwrap().1;
    let names: Vec<&str> = query
        .split('&')
        .map(|argument| argument.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "info_hash",
            "peer_id",
            "port",
            "uploaded",
            "downloaded",
            "left",
            "corrupt",
            "key",
            "numwant",
            "compact",
            "no_peer_id",
            "ipv6"
        ]
    );
    assert!(query.contains("info_hash=aaaaaaaaaaaaaaaaaaaa&"));
    assert!(query.contains("peer_id=-LT2110-%00%01%02%03%04%05%06%07%08%09%0a%0b&"));
    assert!(query.contains("&key=DEADBEEF&"));
    assert!(query.ends_with("&ipv6=ffff%3a%3a1337"));
}

// ---- http-parser-vectors.json -----------------------------------------------------------------

/// Feeds `input` in slices of `step` bytes; returns the parser and whether any call failed.
fn feed_in_steps(input: &[u8], step: usize) -> (HttpParser, bool) {
    let mut parser = HttpParser::new();
    let mut failed = false;
    for slice in input.chunks(step) {
        failed |= parser.feed(slice).is_err();
    }
    (parser, failed)
}

#[test]
fn feed_cases() {
    let vectors = load("http-parser-vectors.json");
    let cases = vectors["feed_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 26);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = bytes(&case["input"]);
        assert_eq!(
            input.len() as u64,
            case["input_length"].as_u64().unwrap(),
            "{name}"
        );
        let expect = &case["expect"];
        for step in 1..=69 {
            let (parser, failed) = feed_in_steps(&input, step);
            if expect["no_crash"] == true {
                continue;
            }
            assert_eq!(failed, expect["error"], "{name} (step {step})");
            if failed {
                continue;
            }
            check_feed(&parser, expect, &input, &format!("{name} (step {step})"));
        }
    }
}

fn check_feed(parser: &HttpParser, expect: &Value, input: &[u8], context: &str) {
    if let Some(payload) = expect["payload"].as_u64() {
        assert_eq!(parser.payload_bytes() as u64, payload, "{context} payload");
    }
    if let Some(protocol) = expect["protocol"].as_u64() {
        assert_eq!(
            parser.protocol_bytes() as u64,
            protocol,
            "{context} protocol"
        );
    }
    if let Some(finished) = expect["finished"].as_bool() {
        assert_eq!(parser.is_finished(), finished, "{context}");
    }
    if let Some(body) = expect["body"].as_str() {
        assert_eq!(&*parser.body(), body.as_bytes(), "{context}");
    }
    if let Some(headers) = expect["headers"].as_object() {
        for (name, value) in headers {
            assert_eq!(parser.header(name), value.as_str(), "{context} {name}");
        }
    }
    if let Some(close) = expect["connection_close"].as_bool() {
        assert_eq!(parser.connection_close(), close, "{context}");
    }
    if let Some(chunked) = expect["chunked_encoding"].as_bool() {
        assert_eq!(parser.is_chunked(), chunked, "{context}");
    }
    if let Some(chunks) = expect["chunks"].as_array() {
        let expected: Vec<(u64, u64)> = chunks
            .iter()
            .map(|range| (range[0].as_u64().unwrap(), range[1].as_u64().unwrap()))
            .collect();
        assert_eq!(parser.chunks(), expected, "{context}");
    }
    if let Some(body_raw) = expect["body_raw"].as_str() {
        let end = parser.chunks().last().unwrap().1 as usize;
        assert_eq!(
            &input[parser.body_start()..end],
            body_raw.as_bytes(),
            "{context}"
        );
    }
    if let Some(range) = expect["content_range"].as_array() {
        let expected = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        assert_eq!(parser.content_range(), Some(expected), "{context}");
    }
    if let Some(length) = expect["content_length"].as_u64() {
        assert_eq!(parser.content_length(), Some(length), "{context}");
    }
    if let Some(method) = expect["method"].as_str() {
        assert_eq!(parser.method(), method, "{context}");
        assert_eq!(parser.path(), expect["path"], "{context}");
    }
}

#[test]
fn chunk_header_cases() {
    let vectors = load("http-parser-vectors.json");
    for case in vectors["chunk_header_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let header = parse_chunk_header(case["input"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(header.is_some(), expect["complete"], "{name}");
        let Some(header) = header else { continue };
        assert_eq!(
            header.size,
            expect["chunk_size"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            header.length as u64,
            expect["header_size"].as_u64().unwrap(),
            "{name}"
        );
        if let Some(headers) = expect["headers"].as_object() {
            for (key, value) in headers {
                let found = header.trailers.iter().find(|(name, _)| name == key);
                assert_eq!(
                    found.map(|(_, value)| value.as_str()),
                    value.as_str(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn collapse_cases() {
    let vectors = load("http-parser-vectors.json");
    for case in vectors["collapse_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut input = case["response_prefix"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec();
        input.extend_from_slice(case["chunked_body"].as_str().unwrap().as_bytes());
        let mut parser = HttpParser::new();
        let failed = parser.feed(&input).is_err();
        let well_formed = case["expect_parse_incomplete_or_error"] == false;
        if !failed {
            let total = parser.protocol_bytes() + parser.payload_bytes();
            assert!(
                parser.protocol_bytes() > 0 && parser.payload_bytes() > 0,
                "{name}"
            );
            if well_formed {
                assert_eq!(total, input.len(), "{name}");
                assert!(parser.is_finished(), "{name}");
            } else {
                assert!(total <= input.len(), "{name}");
            }
        } else {
            assert!(!well_formed, "{name}");
        }
        let collapsed = case["expect_collapsed"].as_str().unwrap();
        assert_eq!(String::from_utf8_lossy(&parser.body()), collapsed, "{name}");
    }
}

#[test]
fn parse_url_components_cases() {
    let vectors = load("http-parser-vectors.json");
    let cases = vectors["url"]["parse_url_components"]["cases"]
        .as_array()
        .unwrap();
    for case in cases {
        let url = case[0].as_str().unwrap();
        let expect = &case[1];
        match TrackerUrl::parse(url) {
            Ok(parts) => {
                let expect = expect
                    .as_array()
                    .unwrap_or_else(|| panic!("{url:?} should fail"));
                assert_eq!(parts.scheme, expect[0], "{url:?}");
                assert_eq!(parts.userinfo, expect[1], "{url:?}");
                assert_eq!(parts.host, expect[2], "{url:?}");
                let port = parts.port.map_or(-1, i64::from);
                assert_eq!(port, expect[3], "{url:?}");
                assert_eq!(parts.path, expect[4], "{url:?}");
            }
            Err(error) => check_error(&error, &expect["error"], url),
        }
    }
}

#[test]
fn redirect_location_cases() {
    let vectors = load("http-parser-vectors.json");
    let cases = vectors["url"]["resolve_redirect_location"]["cases"]
        .as_array()
        .unwrap();
    for case in cases {
        let (referrer, location) = (case[0].as_str().unwrap(), case[1].as_str().unwrap());
        assert_eq!(
            resolve_redirect_location(referrer, location),
            case[2],
            "{referrer} + {location}"
        );
    }
}

#[test]
fn host_header_cases() {
    let vectors = load("http-parser-vectors.json");
    for case in vectors["strings"]["format_host_header"]["cases"]
        .as_array()
        .unwrap()
    {
        let Ok(port) = u16::try_from(case[1].as_i64().unwrap()) else {
            continue; // -1 and 70000 do not fit our u16 port
        };
        let default_port = u16::try_from(case[2].as_i64().unwrap()).unwrap();
        let host = case[0].as_str().unwrap();
        assert_eq!(
            format_host_header(host, port, default_port),
            case[3],
            "{case}"
        );
    }
}

#[test]
fn session_checks() {
    let vectors = load("http-parser-vectors.json");
    for case in vectors["session_checks"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let result = http_answer(&bytes(&case["raw_response"]));
        assert_eq!(
            result.is_ok(),
            case["expect_accepted"],
            "{name}: {result:?}"
        );
        let first = &case["python_first_result"];
        match result {
            Ok(response) => {
                assert_eq!(
                    response.num_peers() as u64,
                    first["num_peers"].as_u64().unwrap()
                );
            }
            Err(error) => {
                assert_eq!(
                    error.code_value().map(i64::from),
                    first["error_value"].as_i64()
                );
                assert_eq!(error.message(), first["error_message"], "{name}");
            }
        }
    }
}

#[test]
fn tracker_list_cases() {
    let vectors = load("tracker-vectors.json");
    let urls = |list: &TrackerList| -> Vec<String> {
        list.trackers()
            .iter()
            .map(|entry| entry.url.clone())
            .collect()
    };
    let as_strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|url| url.as_str().unwrap().to_owned())
            .collect()
    };
    let cases = vectors["tracker_list"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    for case in cases {
        let op = case["op"].as_str().unwrap();
        let entries: Vec<AnnounceEntry> = case["input"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let tier = u8::try_from(pair[1].as_u64().unwrap()).unwrap();
                AnnounceEntry::new(pair[0].as_str().unwrap()).with_tier(tier)
            })
            .collect();
        let mut list = TrackerList::new();
        if op.starts_with("replace") {
            list.replace(entries);
        } else {
            for entry in entries {
                list.add_tracker(entry);
            }
        }
        if let Some(before) = case.get("before") {
            assert_eq!(urls(&list), as_strings(before), "{op}");
        }
        if op.contains("prioritize_udp_trackers") {
            list.prioritize_udp_trackers();
        }
        if op.contains("deprioritize first") {
            list.deprioritize_tracker(0);
            if let Some(after_first) = case.get("after_first") {
                assert_eq!(urls(&list), as_strings(after_first), "{op}");
            }
        }
        if op.contains("deprioritize second") {
            list.deprioritize_tracker(1);
        }
        assert_eq!(urls(&list), as_strings(&case["result"]), "{op}");
    }
}
