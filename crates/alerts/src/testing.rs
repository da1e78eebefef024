//! Test helpers: one sample alert of every type.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use lt_core::{FileIndex, InfoHash, PeerId, PieceIndex};

use crate::{
    AlertError, AlertKind, AlertType, AlertTypeSet, AnnounceEvent, Operation, PeerDirection,
    TorrentId, TorrentRef, TorrentState, TransferStats,
};

/// A torrent named "sample".
pub(crate) fn torrent() -> TorrentRef {
    TorrentRef::new(TorrentId(1), InfoHash::default(), "sample")
}

/// A sample payload of `alert_type`.
pub(crate) fn sample_kind(alert_type: AlertType) -> AlertKind {
    let torrent = torrent();
    let endpoint = SocketAddr::from(([127, 0, 0, 1], 6881));
    let peer_id = Some(PeerId::with_prefix(*b"-LT0100-", [7; 12]));
    let error = AlertError::new("timed_out", "timed out");
    let path = PathBuf::from("dir/file.bin");
    let file = FileIndex::new(2);
    let piece = PieceIndex::new(5);
    let tracker_url = String::from("http://tracker.example/announce");
    match alert_type {
        AlertType::TorrentAdded => AlertKind::TorrentAdded { torrent },
        AlertType::TorrentRemoved => AlertKind::TorrentRemoved { torrent },
        AlertType::AddTorrent => AlertKind::AddTorrent {
            torrent: Some(TorrentId(1)),
            info_hash: InfoHash::default(),
            name: "sample".into(),
            save_path: "/downloads".into(),
            error: None,
        },
        AlertType::StateChanged => AlertKind::StateChanged {
            torrent,
            state: TorrentState::Downloading,
            prev_state: TorrentState::CheckingFiles,
        },
        AlertType::TorrentFinished => AlertKind::TorrentFinished { torrent },
        AlertType::PieceFinished => AlertKind::PieceFinished { torrent, piece },
        AlertType::HashFailed => AlertKind::HashFailed { torrent, piece },
        AlertType::FileCompleted => AlertKind::FileCompleted { torrent, file },
        AlertType::FileError => AlertKind::FileError {
            torrent,
            file,
            path,
            operation: Operation::FileWrite,
            error,
        },
        AlertType::TrackerAnnounce => AlertKind::TrackerAnnounce {
            torrent,
            tracker_url,
            event: AnnounceEvent::Started,
        },
        AlertType::TrackerReply => AlertKind::TrackerReply {
            torrent,
            tracker_url,
            num_peers: 12,
        },
        AlertType::TrackerError => AlertKind::TrackerError {
            torrent,
            tracker_url,
            times_in_row: 3,
            error: AlertError::new("tracker_failure", "tracker sent a failure message"),
            failure_reason: "unregistered torrent".into(),
        },
        AlertType::TrackerWarning => AlertKind::TrackerWarning {
            torrent,
            tracker_url,
            message: "slow down".into(),
        },
        AlertType::PeerConnect => AlertKind::PeerConnect {
            torrent,
            endpoint,
            peer_id,
            direction: PeerDirection::Outgoing,
        },
        AlertType::PeerDisconnected => AlertKind::PeerDisconnected {
            torrent,
            endpoint,
            peer_id: None,
            operation: Operation::SockRead,
            reason: error,
        },
        AlertType::PeerError => AlertKind::PeerError {
            torrent,
            endpoint,
            peer_id,
            operation: Operation::Bittorrent,
            error,
        },
        AlertType::PeerBan => AlertKind::PeerBan {
            torrent,
            endpoint,
            peer_id,
        },
        AlertType::SaveResumeData => AlertKind::SaveResumeData {
            torrent,
            resume_data: b"d4:infoi1ee".to_vec(),
        },
        AlertType::SaveResumeDataFailed => AlertKind::SaveResumeDataFailed {
            torrent,
            error: AlertError::new("resume_data_not_modified", "resume data not modified"),
        },
        AlertType::TorrentPaused => AlertKind::TorrentPaused { torrent },
        AlertType::TorrentResumed => AlertKind::TorrentResumed { torrent },
        AlertType::TorrentChecked => AlertKind::TorrentChecked { torrent },
        AlertType::TorrentError => AlertKind::TorrentError {
            torrent,
            path: Some(path),
            error,
        },
        AlertType::StorageMoved => AlertKind::StorageMoved {
            torrent,
            old_path: "/old".into(),
            storage_path: "/new".into(),
        },
        AlertType::StorageMovedFailed => AlertKind::StorageMovedFailed {
            torrent,
            file_path: path,
            operation: Operation::FileRename,
            error,
        },
        AlertType::FileRenamed => AlertKind::FileRenamed {
            torrent,
            file,
            old_name: "a".into(),
            new_name: "b".into(),
        },
        AlertType::FileRenameFailed => AlertKind::FileRenameFailed {
            torrent,
            file,
            error,
        },
        AlertType::TorrentDeleted => AlertKind::TorrentDeleted { torrent },
        AlertType::TorrentDeleteFailed => AlertKind::TorrentDeleteFailed { torrent, error },
        AlertType::FastresumeRejected => AlertKind::FastresumeRejected {
            torrent,
            path: None,
            operation: Operation::CheckResume,
            error,
        },
        AlertType::MetadataReceived => AlertKind::MetadataReceived { torrent },
        AlertType::MetadataFailed => AlertKind::MetadataFailed { torrent, error },
        AlertType::CacheFlushed => AlertKind::CacheFlushed { torrent },
        AlertType::ListenSucceeded => AlertKind::ListenSucceeded { address: endpoint },
        AlertType::ListenFailed => AlertKind::ListenFailed {
            listen_interface: "0.0.0.0:6881".into(),
            address: endpoint,
            operation: Operation::SockBind,
            error,
        },
        AlertType::Stats => AlertKind::Stats {
            torrent,
            transferred: TransferStats {
                upload_payload_bytes: 1,
                upload_protocol_bytes: 2,
                download_payload_bytes: 3,
                download_protocol_bytes: 4,
            },
            interval: Duration::from_secs(1),
        },
        AlertType::SessionStats => AlertKind::SessionStats {
            counters: vec![1, -2, 3],
        },
        AlertType::AlertsDropped => AlertKind::AlertsDropped {
            dropped: [AlertType::Stats, AlertType::PieceFinished]
                .into_iter()
                .collect::<AlertTypeSet>(),
        },
    }
}
