//! What [`TorrentHandle::get_peer_info`](crate::TorrentHandle::get_peer_info) returns: one
//! connected peer as libtorrent's `peer_info` describes it (the fields that exist so far).

use std::net::SocketAddr;

use lt_core::PeerId;

/// One peer of a torrent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PeerInfo {
    /// Its address (`ip`).
    pub ip: SocketAddr,
    /// Its peer id, once its handshake arrived (`pid`).
    pub pid: Option<PeerId>,
    /// The client its peer id names, e.g. `libtorrent 2.1.1` (`client`), empty if unknown.
    pub client: String,
    /// It connected to us (libtorrent's `incoming` connection flag).
    pub incoming: bool,
    /// The handshake is done.
    pub connected: bool,
    /// We are interested in it (`interesting`).
    pub interesting: bool,
    /// It chokes us (`choked`).
    pub choked: bool,
    /// It is interested in us (`remote_interested`).
    pub remote_interested: bool,
    /// We choke it (`remote_choked`).
    pub remote_choked: bool,
    /// It is unchoked optimistically (`optimistic_unchoke`).
    pub optimistic_unchoke: bool,
    /// It has every piece (`seed`).
    pub seed: bool,
    /// Payload bytes per second it sends us (`payload_down_speed`).
    pub payload_down_speed: u64,
    /// Payload bytes per second we send it (`payload_up_speed`).
    pub payload_up_speed: u64,
    /// Payload bytes received from it (`total_download`).
    pub total_download: u64,
    /// Payload bytes sent to it (`total_upload`).
    pub total_upload: u64,
    /// Requests we have out to it (`download_queue_length`).
    pub download_queue_length: usize,
}
