//! What [`TorrentHandle::status`](crate::TorrentHandle::status) returns.

use std::path::PathBuf;

/// The state of a torrent (libtorrent's `torrent_status::state_t`, the states used so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TorrentState {
    /// Reading the files already on disk to find the pieces we have.
    #[default]
    CheckingFiles,
    /// Downloading pieces.
    Downloading,
    /// Every wanted piece is verified and written, but not every piece is had.
    Finished,
    /// Every piece is verified and written.
    Seeding,
}

/// A snapshot of a torrent (libtorrent's `torrent_status`, the fields that exist so far).
/// Published by the torrent's task about four times a second and on every state change.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct TorrentStatus {
    /// The torrent's name.
    pub name: String,
    /// Where its files go.
    pub save_path: PathBuf,
    /// Its state.
    pub state: TorrentState,
    /// Paused by [`TorrentHandle::pause`](crate::TorrentHandle::pause) (or added paused and not
    /// auto-managed).
    pub paused: bool,
    /// Why it stopped (a disk error, say), if it did (libtorrent's `errc`).
    pub error: Option<String>,
    /// Done / wanted, 0.0 to 1.0 (while checking: the fraction checked).
    pub progress: f32,
    /// Pieces had (verified and written).
    pub num_pieces: u32,
    /// Pieces in the torrent.
    pub total_pieces: u32,
    /// Bytes of the pieces had (libtorrent's `total_done`).
    pub total_done: u64,
    /// Bytes of the wanted pieces (libtorrent's `total_wanted`).
    pub total_wanted: u64,
    /// Payload bytes received this session (libtorrent's `total_payload_download`).
    pub total_payload_download: u64,
    /// Payload bytes sent this session (libtorrent's `total_payload_upload`).
    pub total_payload_upload: u64,
    /// Payload download rate, bytes per second.
    pub download_payload_rate: u64,
    /// Payload upload rate, bytes per second.
    pub upload_payload_rate: u64,
    /// Connected peers (handshake done).
    pub num_peers: u32,
    /// Connected peers that have every piece.
    pub num_seeds: u32,
    /// Outgoing connections being made.
    pub num_connecting: u32,
    /// Peers we unchoke, optimistic unchokes included (libtorrent's `num_uploads`).
    pub num_uploads: u32,
    /// Pieces that failed their hash check this session.
    pub num_hash_failures: u32,
    /// Payload bytes received that were not needed: blocks had already, or received twice
    /// (libtorrent's `total_redundant_bytes`).
    pub total_redundant_bytes: u64,
    /// Bytes of pieces that failed their hash check (libtorrent's `total_failed_bytes`).
    pub total_failed_bytes: u64,
    /// Why the last peer connection ended (or failed to open), if one did.
    pub last_peer_error: Option<String>,
    /// The URL of the tracker that last answered an announce (libtorrent's
    /// `current_tracker`).
    pub current_tracker: Option<String>,
    /// The last announce failure (tracker URL and message), cleared by a successful announce.
    pub last_tracker_error: Option<String>,
}

impl TorrentStatus {
    /// Whether every wanted piece is verified and written (libtorrent's `is_finished`).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, TorrentState::Finished | TorrentState::Seeding)
    }

    /// Whether every piece is had (libtorrent's `is_seeding`).
    #[must_use]
    pub fn is_seeding(&self) -> bool {
        self.state == TorrentState::Seeding
    }
}
