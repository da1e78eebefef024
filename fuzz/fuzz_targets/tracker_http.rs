//! The HTTP side of lt-tracker on arbitrary bytes: the response parser (fed whole and in
//! slices, which must agree), announce and scrape bodies, gzip, and tracker URLs. Never panics;
//! byte counts never exceed what was received.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lt_core::Sha1Hash;
use lt_tracker::internal::inflate_gzip;
use lt_tracker::{
    parse_announce_response, parse_scrape_response, scrape_url, HttpParser, TrackerUrl,
};

/// What a parse ended with, for comparing two ways of feeding the same bytes.
fn outcome(parser: &HttpParser, failed: bool) -> (bool, Option<u16>, bool, Vec<u8>, usize, usize) {
    (
        failed,
        parser.status_code(),
        parser.is_finished(),
        parser.body().into_owned(),
        parser.protocol_bytes(),
        parser.payload_bytes(),
    )
}

fuzz_target!(|data: &[u8]| {
    let Some((&step, message)) = data.split_first() else {
        return;
    };
    let mut whole = HttpParser::new();
    let whole_failed = whole.feed(message).is_err();
    let mut sliced = HttpParser::new();
    let mut sliced_failed = false;
    for slice in message.chunks(usize::from(step).max(1)) {
        sliced_failed |= sliced.feed(slice).is_err();
    }
    assert_eq!(
        outcome(&whole, whole_failed),
        outcome(&sliced, sliced_failed)
    );
    if !whole_failed {
        assert!(whole.protocol_bytes() + whole.payload_bytes() <= message.len());
        let _ = whole.finish();
    }

    if let Ok(response) = parse_announce_response(message) {
        assert_eq!(
            response.num_peers(),
            response.peers.len() + response.peers4.len() + response.peers6.len()
        );
        assert!(response.peer_addrs().count() <= response.num_peers());
    }
    let _ = parse_scrape_response(message, &Sha1Hash::from_bytes([b'a'; 20]));
    if let Ok(inflated) = inflate_gzip(message, 1 << 16) {
        assert!(inflated.len() <= 1 << 16);
    }
    if let Ok(text) = std::str::from_utf8(message) {
        if let Ok(url) = TrackerUrl::parse(text) {
            assert!(!url.host.is_empty());
            assert!(!url.path.is_empty());
        }
        if let Ok(scrape) = scrape_url(text) {
            assert_eq!(scrape.len() + 2, text.len());
        }
    }
});
