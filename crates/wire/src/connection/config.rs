//! The settings of a peer connection, with libtorrent's defaults.

use std::time::Duration;

/// How a [`PeerConnection`](crate::PeerConnection) paces requests and when it gives up.
///
/// The defaults are libtorrent 2.x's settings of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WireConfig {
    /// The peer must complete its handshake this soon after the connection starts
    /// (`handshake_timeout`, 10 s).
    pub handshake_timeout: Duration,
    /// A peer that says nothing for this long is dropped (`inactivity_timeout`, 600 s).
    pub inactivity_timeout: Duration,
    /// We send a keep-alive when we have sent nothing for this long (120 s).
    pub keepalive_interval: Duration,
    /// A request unanswered for this long marks the peer snubbed (`request_timeout`, 60 s).
    pub request_timeout: Duration,
    /// The request queue holds this many seconds of the download rate (`request_queue_time`,
    /// 3 s): the queue target is rate × this / 16 KiB.
    pub request_queue_time: Duration,
    /// The most requests we keep outstanding (`max_out_request_queue`, 500).
    pub max_out_request_queue: usize,
    /// The most requests we accept from the peer, advertised as `reqq`
    /// (`max_allowed_in_request_queue`, 2000).
    pub max_allowed_in_request_queue: u32,
    /// Our client name, advertised as `v` in the extension handshake.
    pub client_version: String,
}

impl Default for WireConfig {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(10),
            inactivity_timeout: Duration::from_secs(600),
            keepalive_interval: Duration::from_secs(120),
            request_timeout: Duration::from_secs(60),
            request_queue_time: Duration::from_secs(3),
            max_out_request_queue: 500,
            max_allowed_in_request_queue: 2000,
            client_version: concat!("lt/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
