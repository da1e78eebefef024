//! BitTorrent tracker clients with libtorrent's rules: HTTP announce and scrape (BEP 3, 7, 23,
//! 48) and UDP trackers (BEP 15, 41).
//!
//! - **Requests**: [`AnnounceRequest`] and [`Event`]; [`announce_url`] and
//!   [`scrape_request_url`] build HTTP request URLs exactly as libtorrent does (parameter order,
//!   escaping, `key` in upper-case hex), and [`scrape_url`] derives the scrape URL by replacing
//!   the first `announce`.
//! - **Responses**: [`parse_announce_response`] and [`parse_scrape_response`] read bencoded
//!   bodies into [`AnnounceResponse`] and [`ScrapeResponse`], with libtorrent's defaults and
//!   errors ([`TrackerError`], whose [`code_name`](TrackerError::code_name) is libtorrent's).
//! - **Safety**: [`ssrf_blocks`] and [`has_tracker_query_string`] (SSRF mitigation),
//!   [`is_idna`] (the IDNA ban), [`TrackerUrl`] (libtorrent's URL parsing), and size and time
//!   limits in [`TrackerSettings`].
//! - **HTTP**: [`HttpParser`], an incremental HTTP/1.x response parser with libtorrent's
//!   leniency (bare LF, `100 Continue`, chunked with trailers) and errors.
//! - **UDP**: [`UdpTracker`] is sans-I/O: datagrams and `now` in; datagrams, a deadline and
//!   [`UdpTrackerEvent`]s out. It connects, keeps the connection id for a minute, retries after
//!   15·2ⁿ s and checks transaction ids.
//! - **Tracker list**: [`TrackerList`] keeps a torrent's trackers in tiers (BEP 12) with
//!   libtorrent's per-endpoint state ([`AnnounceEntry`]) and decides which announces go out and
//!   when: one tier at a time or all of them, `started` and `completed` once, back-off on
//!   failure.
//! - **Drivers** ([`driver`], feature `tokio`): one announce or scrape over tokio sockets, with
//!   a small HTTP/1.1 client of our own (redirects, time-outs, size limit, gzip) that speaks
//!   `https://` through rustls: certificates checked against Mozilla's roots (webpki-roots) plus
//!   [`TrackerSettings::extra_root_certificates_pem`], unless
//!   [`TrackerSettings::validate_https_trackers`] is off.
//!
//! Left out for now: i2p trackers, proxies; see `docs/tracker.md`.
//!
//! # Feature flags
//! - `tokio` (off by default): the [`driver`] module, HTTPS included (tokio-rustls with the
//!   `ring` provider, webpki-roots).
//!
//! # Examples
//! ```
//! use lt_core::{PeerId, Sha1Hash};
//! use lt_tracker::{announce_url, parse_announce_response, AnnounceRequest, Event};
//!
//! let mut request = AnnounceRequest::new(Sha1Hash::from_bytes([0x61; 20]), PeerId::generate(), 6881);
//! request.event = Event::Started;
//! let url = announce_url("http://tracker.example/announce", &request, true)?;
//! assert!(url.contains("&event=started&numwant=200&compact=1&no_peer_id=1"));
//!
//! // What the tracker answered:
//! let response = parse_announce_response(b"d8:intervali1800e5:peers6:\x7f\x00\x00\x01\x1a\xe1e")?;
//! assert_eq!(response.peers4[0].to_string(), "127.0.0.1:6881");
//! # Ok::<(), lt_tracker::TrackerError>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod escape;
mod http;
mod request;
mod response;
mod safety;
mod settings;
mod tracker_list;
mod udp;
mod url;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod driver;

pub use crate::{
    error::{TlsFailure, TrackerError},
    escape::{escape, escape_into},
    http::parser::HttpParser,
    request::{announce_url, scrape_request_url, AnnounceRequest, Event},
    response::{
        parse_announce_response, parse_scrape_response, AnnounceResponse, PeerEntry,
        ScrapeResponse, DEFAULT_INTERVAL, DEFAULT_MIN_INTERVAL, UDP_MIN_INTERVAL,
    },
    safety::{has_tracker_query_string, is_idna, ssrf_blocks},
    settings::{TrackerSettings, UdpTrackerConfig},
    tracker_list::{
        AnnounceContext, AnnounceEndpoint, AnnounceEntry, AnnounceInfoHash, LastError,
        PlannedAnnounce, ProtocolVersion, TrackerList, TrackerListSettings, TrackerSource,
    },
    udp::{RequestId, Transmit, UdpTracker, UdpTrackerEvent},
    url::{scrape_url, TrackerUrl},
};

/// Entry points for tests, fuzzing and test trackers; not a stable API.
#[doc(hidden)]
pub mod internal {
    pub use crate::http::inflate::inflate_gzip;
    pub use crate::http::parser::{parse_chunk_header, ChunkHeader};
    pub use crate::response::parse_peer_entry;
    pub use crate::udp::packet as udp_packet;
    pub use crate::url::{format_host_header, resolve_redirect_location};
}
