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
    /// A peer that says nothing for this long is dropped (`inactivity_timeout`, 600 s). Also
    /// how long neither side may be interested before `timed_out_no_interest`, when the owner
    /// says it is at its connection limit.
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
    /// The connection is for a torrent's v2 info-hash (a v2-only torrent): BEP 52's hash
    /// request, hashes and hash reject messages are allowed (otherwise they close the
    /// connection as not negotiated).
    pub uses_v2: bool,
    /// The port we accept connections on, sent as `p` in the extension handshake so that a
    /// peer that reached us from another port (or learns of us over ut_pex) can connect back.
    pub listen_port: Option<u16>,
    /// How many pieces we offer a peer as allowed fast (BEP 6) when it becomes interested
    /// (`allowed_fast_set_size`, 5; 0 offers none).
    pub allowed_fast_set_size: usize,
    /// How many of the peer's suggestions we keep, newest first (`max_suggest_pieces`, 16).
    pub max_suggest_pieces: usize,
    /// The send buffer may hold at most this much before we stop handing out reads
    /// (`send_buffer_watermark`, 500 KiB).
    pub send_buffer_watermark: usize,
    /// The send buffer may always hold this much (`send_buffer_low_watermark`, 10 KiB).
    pub send_buffer_low_watermark: usize,
    /// Between the two, the watermark is this percentage of one second's upload
    /// (`send_buffer_watermark_factor`, 50).
    pub send_buffer_watermark_factor: u32,
    /// We seed, the peer is unchoked and interested but has asked for nothing for this long:
    /// `timed_out_no_request` (60 s in libtorrent).
    pub no_request_timeout: Duration,
    /// A peer that keeps requesting (pieces outside its allowed-fast set) this long after we
    /// choked it is dropped with `too_many_requests_when_choked` (2 s in libtorrent).
    pub choked_request_grace: Duration,
    /// Close a connection between two seeds (`close_redundant_connections`, true):
    /// `upload_upload_connection`.
    pub close_redundant_connections: bool,
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
            listen_port: None,
            uses_v2: false,
            allowed_fast_set_size: crate::fast::ALLOWED_FAST_SET_SIZE,
            max_suggest_pieces: 16,
            send_buffer_watermark: 500 * 1024,
            send_buffer_low_watermark: 10 * 1024,
            send_buffer_watermark_factor: 50,
            no_request_timeout: Duration::from_secs(60),
            choked_request_grace: Duration::from_secs(2),
            close_redundant_connections: true,
        }
    }
}
