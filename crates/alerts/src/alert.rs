//! [`Alert`] and its payload, [`AlertKind`]: what happened, when, and how to describe it.

use std::{
    fmt,
    net::SocketAddr,
    path::PathBuf,
    time::{Duration, Instant},
};

use lt_core::{FileIndex, InfoHash, PeerId, PieceIndex};

use crate::{
    AlertCategory, AlertError, AlertType, AlertTypeSet, AnnounceEvent, Operation, PeerDirection,
    TorrentId, TorrentRef, TorrentState, TransferStats,
};

/// One alert: what happened ([`AlertKind`]) and when (the [`Instant`] it was made).
///
/// # Examples
/// ```
/// use lt_alerts::{Alert, AlertCategory, AlertKind, TorrentId, TorrentRef};
/// use lt_core::{InfoHash, PieceIndex};
///
/// let torrent = TorrentRef::new(TorrentId(1), InfoHash::default(), "debian.iso");
/// let alert = Alert::new(AlertKind::PieceFinished { torrent, piece: PieceIndex::new(7) });
/// assert_eq!(alert.what(), "piece_finished");
/// assert_eq!(alert.category(), AlertCategory::PIECE_PROGRESS);
/// assert_eq!(alert.to_string(), "debian.iso: piece 7 finished downloading");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// When the alert was made.
    pub timestamp: Instant,
    /// What happened.
    pub kind: AlertKind,
}

impl Alert {
    /// An alert made now.
    #[must_use]
    pub fn new(kind: AlertKind) -> Self {
        Self::with_timestamp(kind, Instant::now())
    }

    /// An alert made at `timestamp` (for callers with their own clock, and tests).
    #[must_use]
    pub fn with_timestamp(kind: AlertKind, timestamp: Instant) -> Self {
        Self { timestamp, kind }
    }

    /// The alert's type (libtorrent's `type()`).
    #[must_use]
    pub fn alert_type(&self) -> AlertType {
        self.kind.alert_type()
    }

    /// libtorrent's name without `_alert`, e.g. `"torrent_finished"`.
    #[must_use]
    pub fn what(&self) -> &'static str {
        self.alert_type().what()
    }

    /// The alert's categories.
    #[must_use]
    pub fn category(&self) -> AlertCategory {
        self.alert_type().category()
    }

    /// A human-readable description, for logs (not for localisation).
    #[must_use]
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// The torrent the alert is about, if any.
    #[must_use]
    pub fn torrent(&self) -> Option<&TorrentRef> {
        self.kind.torrent()
    }
}

/// [`Self::message`].
impl fmt::Display for Alert {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, formatter)
    }
}

/// What an alert reports: one variant per [`AlertType`], named as libtorrent's `*_alert` without
/// the suffix, with its payload in lt-core and std types.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlertKind {
    /// A torrent joined the session (libtorrent deprecates it for `add_torrent`).
    TorrentAdded {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A torrent was removed; other alerts about it (e.g. `save_resume_data`) may follow.
    TorrentRemoved {
        /// The torrent, whose id is no longer valid.
        torrent: TorrentRef,
    },
    /// The result of adding a torrent.
    AddTorrent {
        /// The id assigned to the torrent, `None` if adding failed.
        torrent: Option<TorrentId>,
        /// The info-hash from the add parameters (or the metadata).
        info_hash: InfoHash,
        /// The torrent's name, possibly empty.
        name: String,
        /// Where its files are.
        save_path: PathBuf,
        /// Why adding failed, if it did.
        error: Option<AlertError>,
    },
    /// A torrent changed state.
    StateChanged {
        /// The torrent.
        torrent: TorrentRef,
        /// The new state.
        state: TorrentState,
        /// The previous state.
        prev_state: TorrentState,
    },
    /// A torrent became a seed (posted once per download).
    TorrentFinished {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A piece was downloaded and passed its hash check (it may not be flushed yet).
    PieceFinished {
        /// The torrent.
        torrent: TorrentRef,
        /// The piece.
        piece: PieceIndex,
    },
    /// A downloaded piece failed its hash check and will be downloaded again.
    HashFailed {
        /// The torrent.
        torrent: TorrentRef,
        /// The piece.
        piece: PieceIndex,
    },
    /// A file is complete.
    FileCompleted {
        /// The torrent.
        torrent: TorrentRef,
        /// The file.
        file: FileIndex,
    },
    /// A file read or write failed; the torrent is paused.
    FileError {
        /// The torrent.
        torrent: TorrentRef,
        /// The file.
        file: FileIndex,
        /// The file's path.
        path: PathBuf,
        /// The operation that failed.
        operation: Operation,
        /// What went wrong.
        error: AlertError,
    },
    /// An announce was sent.
    TrackerAnnounce {
        /// The torrent.
        torrent: TorrentRef,
        /// The tracker.
        tracker_url: String,
        /// The announce's event.
        event: AnnounceEvent,
    },
    /// An announce succeeded.
    TrackerReply {
        /// The torrent.
        torrent: TorrentRef,
        /// The tracker.
        tracker_url: String,
        /// The number of peers in the reply.
        num_peers: usize,
    },
    /// An announce failed.
    TrackerError {
        /// The torrent.
        torrent: TorrentRef,
        /// The tracker.
        tracker_url: String,
        /// Consecutive failures of this tracker.
        times_in_row: u32,
        /// What went wrong (`tracker_failure` when the tracker sent a failure reason).
        error: AlertError,
        /// The tracker's `failure reason`, empty if it sent none.
        failure_reason: String,
    },
    /// An announce succeeded with a warning message.
    TrackerWarning {
        /// The torrent.
        torrent: TorrentRef,
        /// The tracker.
        tracker_url: String,
        /// The tracker's `warning message`.
        message: String,
    },
    /// A peer connection was established.
    PeerConnect {
        /// The torrent.
        torrent: TorrentRef,
        /// The peer's address.
        endpoint: SocketAddr,
        /// The peer's id, once known.
        peer_id: Option<PeerId>,
        /// Who connected.
        direction: PeerDirection,
    },
    /// A peer connection closed.
    PeerDisconnected {
        /// The torrent.
        torrent: TorrentRef,
        /// The peer's address.
        endpoint: SocketAddr,
        /// The peer's id, once known.
        peer_id: Option<PeerId>,
        /// The operation that failed or closed the connection.
        operation: Operation,
        /// Why it closed.
        reason: AlertError,
    },
    /// A peer sent invalid data and will be disconnected.
    PeerError {
        /// The torrent.
        torrent: TorrentRef,
        /// The peer's address.
        endpoint: SocketAddr,
        /// The peer's id, once known.
        peer_id: Option<PeerId>,
        /// The operation that failed.
        operation: Operation,
        /// What went wrong.
        error: AlertError,
    },
    /// A peer was banned for sending corrupt data.
    PeerBan {
        /// The torrent.
        torrent: TorrentRef,
        /// The peer's address.
        endpoint: SocketAddr,
        /// The peer's id, once known.
        peer_id: Option<PeerId>,
    },
    /// Resume data is ready.
    SaveResumeData {
        /// The torrent.
        torrent: TorrentRef,
        /// The bencoded resume data.
        resume_data: Vec<u8>,
    },
    /// Resume data could not be produced.
    SaveResumeDataFailed {
        /// The torrent.
        torrent: TorrentRef,
        /// Why (`resume_data_not_modified` when nothing changed).
        error: AlertError,
    },
    /// A torrent finished pausing: disk I/O is done and its files are closed.
    TorrentPaused {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A torrent went from paused to active.
    TorrentResumed {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A torrent left the checking state.
    TorrentChecked {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A torrent entered the error state.
    TorrentError {
        /// The torrent.
        torrent: TorrentRef,
        /// The file involved, if any.
        path: Option<PathBuf>,
        /// What went wrong.
        error: AlertError,
    },
    /// `move_storage` succeeded.
    StorageMoved {
        /// The torrent.
        torrent: TorrentRef,
        /// The old save path.
        old_path: PathBuf,
        /// The new save path.
        storage_path: PathBuf,
    },
    /// `move_storage` failed.
    StorageMovedFailed {
        /// The torrent.
        torrent: TorrentRef,
        /// The path involved.
        file_path: PathBuf,
        /// The operation that failed.
        operation: Operation,
        /// What went wrong.
        error: AlertError,
    },
    /// `rename_file` succeeded.
    FileRenamed {
        /// The torrent.
        torrent: TorrentRef,
        /// The file.
        file: FileIndex,
        /// Its old path, relative to the save path.
        old_name: PathBuf,
        /// Its new path, relative to the save path.
        new_name: PathBuf,
    },
    /// `rename_file` failed.
    FileRenameFailed {
        /// The torrent.
        torrent: TorrentRef,
        /// The file.
        file: FileIndex,
        /// What went wrong.
        error: AlertError,
    },
    /// A removed torrent's files were deleted.
    TorrentDeleted {
        /// The torrent, whose id is no longer valid.
        torrent: TorrentRef,
    },
    /// Deleting a removed torrent's files failed.
    TorrentDeleteFailed {
        /// The torrent, whose id is no longer valid.
        torrent: TorrentRef,
        /// What went wrong.
        error: AlertError,
    },
    /// Resume data did not match the files on disk; the torrent is checked instead.
    FastresumeRejected {
        /// The torrent.
        torrent: TorrentRef,
        /// The file involved, if any.
        path: Option<PathBuf>,
        /// The operation that failed.
        operation: Operation,
        /// What did not match.
        error: AlertError,
    },
    /// A torrent added without metadata received it.
    MetadataReceived {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// Metadata from a peer did not match the info-hash; it is fetched again.
    MetadataFailed {
        /// The torrent.
        torrent: TorrentRef,
        /// What went wrong.
        error: AlertError,
    },
    /// `flush_cache` finished.
    CacheFlushed {
        /// The torrent.
        torrent: TorrentRef,
    },
    /// A listen socket was opened.
    ListenSucceeded {
        /// The address listened on.
        address: SocketAddr,
    },
    /// A listen socket could not be opened.
    ListenFailed {
        /// The interface as configured in `listen_interfaces`.
        listen_interface: String,
        /// The address tried.
        address: SocketAddr,
        /// The operation that failed.
        operation: Operation,
        /// What went wrong.
        error: AlertError,
    },
    /// Transfer statistics of a torrent over the last interval.
    Stats {
        /// The torrent.
        torrent: TorrentRef,
        /// Bytes transferred over the interval.
        transferred: TransferStats,
        /// The interval's length.
        interval: Duration,
    },
    /// A snapshot of the session's counters.
    SessionStats {
        /// The counter values, indexed as the session's metric list.
        counters: Vec<i64>,
    },
    /// Alerts were dropped because the queue was full.
    AlertsDropped {
        /// The types of the dropped alerts.
        dropped: AlertTypeSet,
    },
}

impl AlertKind {
    /// The type of this alert.
    #[must_use]
    pub fn alert_type(&self) -> AlertType {
        match self {
            Self::TorrentAdded { .. } => AlertType::TorrentAdded,
            Self::TorrentRemoved { .. } => AlertType::TorrentRemoved,
            Self::AddTorrent { .. } => AlertType::AddTorrent,
            Self::StateChanged { .. } => AlertType::StateChanged,
            Self::TorrentFinished { .. } => AlertType::TorrentFinished,
            Self::PieceFinished { .. } => AlertType::PieceFinished,
            Self::HashFailed { .. } => AlertType::HashFailed,
            Self::FileCompleted { .. } => AlertType::FileCompleted,
            Self::FileError { .. } => AlertType::FileError,
            Self::TrackerAnnounce { .. } => AlertType::TrackerAnnounce,
            Self::TrackerReply { .. } => AlertType::TrackerReply,
            Self::TrackerError { .. } => AlertType::TrackerError,
            Self::TrackerWarning { .. } => AlertType::TrackerWarning,
            Self::PeerConnect { .. } => AlertType::PeerConnect,
            Self::PeerDisconnected { .. } => AlertType::PeerDisconnected,
            Self::PeerError { .. } => AlertType::PeerError,
            Self::PeerBan { .. } => AlertType::PeerBan,
            Self::SaveResumeData { .. } => AlertType::SaveResumeData,
            Self::SaveResumeDataFailed { .. } => AlertType::SaveResumeDataFailed,
            Self::TorrentPaused { .. } => AlertType::TorrentPaused,
            Self::TorrentResumed { .. } => AlertType::TorrentResumed,
            Self::TorrentChecked { .. } => AlertType::TorrentChecked,
            Self::TorrentError { .. } => AlertType::TorrentError,
            Self::StorageMoved { .. } => AlertType::StorageMoved,
            Self::StorageMovedFailed { .. } => AlertType::StorageMovedFailed,
            Self::FileRenamed { .. } => AlertType::FileRenamed,
            Self::FileRenameFailed { .. } => AlertType::FileRenameFailed,
            Self::TorrentDeleted { .. } => AlertType::TorrentDeleted,
            Self::TorrentDeleteFailed { .. } => AlertType::TorrentDeleteFailed,
            Self::FastresumeRejected { .. } => AlertType::FastresumeRejected,
            Self::MetadataReceived { .. } => AlertType::MetadataReceived,
            Self::MetadataFailed { .. } => AlertType::MetadataFailed,
            Self::CacheFlushed { .. } => AlertType::CacheFlushed,
            Self::ListenSucceeded { .. } => AlertType::ListenSucceeded,
            Self::ListenFailed { .. } => AlertType::ListenFailed,
            Self::Stats { .. } => AlertType::Stats,
            Self::SessionStats { .. } => AlertType::SessionStats,
            Self::AlertsDropped { .. } => AlertType::AlertsDropped,
        }
    }

    /// The torrent this alert is about, if any.
    #[must_use]
    pub fn torrent(&self) -> Option<&TorrentRef> {
        match self {
            Self::TorrentAdded { torrent }
            | Self::TorrentRemoved { torrent }
            | Self::StateChanged { torrent, .. }
            | Self::TorrentFinished { torrent }
            | Self::PieceFinished { torrent, .. }
            | Self::HashFailed { torrent, .. }
            | Self::FileCompleted { torrent, .. }
            | Self::FileError { torrent, .. }
            | Self::TrackerAnnounce { torrent, .. }
            | Self::TrackerReply { torrent, .. }
            | Self::TrackerError { torrent, .. }
            | Self::TrackerWarning { torrent, .. }
            | Self::PeerConnect { torrent, .. }
            | Self::PeerDisconnected { torrent, .. }
            | Self::PeerError { torrent, .. }
            | Self::PeerBan { torrent, .. }
            | Self::SaveResumeData { torrent, .. }
            | Self::SaveResumeDataFailed { torrent, .. }
            | Self::TorrentPaused { torrent }
            | Self::TorrentResumed { torrent }
            | Self::TorrentChecked { torrent }
            | Self::TorrentError { torrent, .. }
            | Self::StorageMoved { torrent, .. }
            | Self::StorageMovedFailed { torrent, .. }
            | Self::FileRenamed { torrent, .. }
            | Self::FileRenameFailed { torrent, .. }
            | Self::TorrentDeleted { torrent }
            | Self::TorrentDeleteFailed { torrent, .. }
            | Self::FastresumeRejected { torrent, .. }
            | Self::MetadataReceived { torrent }
            | Self::MetadataFailed { torrent, .. }
            | Self::CacheFlushed { torrent }
            | Self::Stats { torrent, .. } => Some(torrent),
            Self::AddTorrent { .. }
            | Self::ListenSucceeded { .. }
            | Self::ListenFailed { .. }
            | Self::SessionStats { .. }
            | Self::AlertsDropped { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_kind;

    #[test]
    fn every_type_has_a_matching_variant_and_a_message() {
        for &alert_type in AlertType::ALL {
            let alert = Alert::new(sample_kind(alert_type));
            assert_eq!(alert.alert_type(), alert_type);
            assert_eq!(alert.what(), alert_type.what());
            assert_eq!(alert.category(), alert_type.category());
            let message = alert.message();
            assert!(!message.is_empty(), "{alert_type}");
            assert_eq!(alert.to_string(), message);
            if let Some(torrent) = alert.torrent() {
                assert!(message.contains(&*torrent.name), "{message}");
            }
        }
    }

    #[test]
    fn messages() {
        let message = |alert_type| sample_kind(alert_type).to_string();
        assert_eq!(
            message(AlertType::StateChanged),
            "sample: state changed to: downloading (from checking_files)"
        );
        assert_eq!(
            message(AlertType::HashFailed),
            "sample: hash for piece 5 failed"
        );
        assert_eq!(
            message(AlertType::FileError),
            "sample: file (2) dir/file.bin error: file_write: timed out"
        );
        assert_eq!(
            message(AlertType::TrackerError),
            "sample (http://tracker.example/announce): tracker sent a failure message \
             \"unregistered torrent\" (3 times in a row)"
        );
        assert_eq!(
            message(AlertType::PeerDisconnected),
            "sample: peer (127.0.0.1:6881, -) disconnecting (sock_read) [timed_out]: timed out"
        );
        assert_eq!(
            message(AlertType::AlertsDropped),
            "dropped alerts: piece_finished stats"
        );
        assert_eq!(message(AlertType::AddTorrent), "added torrent: sample (#1)");
        let failed = AlertKind::AddTorrent {
            torrent: None,
            info_hash: InfoHash::default(),
            name: String::new(),
            save_path: PathBuf::new(),
            error: Some(AlertError::new("duplicate_torrent", "duplicate torrent")),
        };
        assert!(failed.to_string().starts_with("failed to add torrent"));
        assert_eq!(failed.torrent(), None);
    }

    #[test]
    fn timestamp_is_kept() {
        let at = Instant::now();
        let alert = Alert::with_timestamp(sample_kind(AlertType::TorrentPaused), at);
        assert_eq!(alert.timestamp, at);
    }
}
