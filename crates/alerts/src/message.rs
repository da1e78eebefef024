//! The human-readable messages of alerts: `Display` for [`AlertKind`].

use std::fmt;

use lt_core::PeerId;

use crate::AlertKind;

/// Formats `peer_id` for a message: its Debug form, or `-` when unknown.
struct OptionalPeer<'a>(&'a Option<PeerId>);

impl fmt::Display for OptionalPeer<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(peer_id) => fmt::Display::fmt(peer_id, formatter),
            None => formatter.write_str("-"),
        }
    }
}

/// The human-readable message, in the spirit of libtorrent's `message()`.
impl fmt::Display for AlertKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TorrentAdded { torrent } => write!(formatter, "{torrent}: torrent added"),
            Self::TorrentRemoved { torrent } => write!(formatter, "{torrent}: torrent removed"),
            Self::AddTorrent {
                torrent,
                info_hash,
                name,
                error,
                ..
            } => {
                let label: &dyn fmt::Display = if name.is_empty() { info_hash } else { name };
                match (torrent, error) {
                    (_, Some(error)) => {
                        write!(formatter, "failed to add torrent \"{label}\": {error}")
                    }
                    (Some(id), None) => write!(formatter, "added torrent: {label} ({id})"),
                    (None, None) => write!(formatter, "added torrent: {label}"),
                }
            }
            Self::StateChanged {
                torrent,
                state,
                prev_state,
            } => write!(
                formatter,
                "{torrent}: state changed to: {state} (from {prev_state})"
            ),
            Self::TorrentFinished { torrent } => {
                write!(formatter, "{torrent}: torrent finished downloading")
            }
            Self::PieceFinished { torrent, piece } => {
                write!(formatter, "{torrent}: piece {piece} finished downloading")
            }
            Self::HashFailed { torrent, piece } => {
                write!(formatter, "{torrent}: hash for piece {piece} failed")
            }
            Self::FileCompleted { torrent, file } => {
                write!(formatter, "{torrent}: file {file} finished downloading")
            }
            Self::FileError {
                torrent,
                file,
                path,
                operation,
                error,
            } => write!(
                formatter,
                "{torrent}: file ({file}) {} error: {operation}: {error}",
                path.display()
            ),
            Self::TrackerAnnounce {
                torrent,
                tracker_url,
                event,
            } => write!(
                formatter,
                "{torrent} ({tracker_url}): sending announce ({event})"
            ),
            Self::TrackerReply {
                torrent,
                tracker_url,
                num_peers,
            } => write!(
                formatter,
                "{torrent} ({tracker_url}): received peers: {num_peers}"
            ),
            Self::TrackerError {
                torrent,
                tracker_url,
                times_in_row,
                error,
                failure_reason,
            } => {
                write!(formatter, "{torrent} ({tracker_url}): {error}")?;
                if !failure_reason.is_empty() {
                    write!(formatter, " \"{failure_reason}\"")?;
                }
                write!(formatter, " ({times_in_row} times in a row)")
            }
            Self::TrackerWarning {
                torrent,
                tracker_url,
                message,
            } => write!(formatter, "{torrent} ({tracker_url}): warning: {message}"),
            Self::PeerConnect {
                torrent,
                endpoint,
                peer_id,
                direction,
            } => write!(
                formatter,
                "{torrent}: peer ({endpoint}, {}) connecting ({direction})",
                OptionalPeer(peer_id)
            ),
            Self::PeerDisconnected {
                torrent,
                endpoint,
                peer_id,
                operation,
                reason,
            } => write!(
                formatter,
                "{torrent}: peer ({endpoint}, {}) disconnecting ({operation}) [{}]: {reason}",
                OptionalPeer(peer_id),
                reason.code_name
            ),
            Self::PeerError {
                torrent,
                endpoint,
                peer_id,
                operation,
                error,
            } => write!(
                formatter,
                "{torrent}: peer ({endpoint}, {}) peer error [{operation}]: {error}",
                OptionalPeer(peer_id)
            ),
            Self::PeerBan {
                torrent,
                endpoint,
                peer_id,
            } => write!(
                formatter,
                "{torrent}: peer ({endpoint}, {}) banned peer",
                OptionalPeer(peer_id)
            ),
            Self::SaveResumeData {
                torrent,
                resume_data,
            } => write!(
                formatter,
                "{torrent}: resume data generated ({} bytes)",
                resume_data.len()
            ),
            Self::SaveResumeDataFailed { torrent, error } => {
                write!(
                    formatter,
                    "{torrent}: resume data was not generated: {error}"
                )
            }
            Self::TorrentPaused { torrent } => write!(formatter, "{torrent}: paused"),
            Self::TorrentResumed { torrent } => write!(formatter, "{torrent}: resumed"),
            Self::TorrentChecked { torrent } => write!(formatter, "{torrent}: checked"),
            Self::TorrentError {
                torrent,
                path,
                error,
            } => match path {
                Some(path) => write!(formatter, "{torrent}: error {error}: {}", path.display()),
                None => write!(formatter, "{torrent}: error {error}"),
            },
            Self::StorageMoved {
                torrent,
                old_path,
                storage_path,
            } => write!(
                formatter,
                "{torrent}: moved storage from \"{}\" to: \"{}\"",
                old_path.display(),
                storage_path.display()
            ),
            Self::StorageMovedFailed {
                torrent,
                file_path,
                operation,
                error,
            } => write!(
                formatter,
                "{torrent}: storage move failed. {operation} ({}): {error}",
                file_path.display()
            ),
            Self::FileRenamed {
                torrent,
                file,
                old_name,
                new_name,
            } => write!(
                formatter,
                "{torrent}: file {file} renamed from \"{}\" to \"{}\"",
                old_name.display(),
                new_name.display()
            ),
            Self::FileRenameFailed {
                torrent,
                file,
                error,
            } => write!(
                formatter,
                "{torrent}: failed to rename file {file}: {error}"
            ),
            Self::TorrentDeleted { torrent } => write!(formatter, "{torrent}: deleted"),
            Self::TorrentDeleteFailed { torrent, error } => {
                write!(formatter, "{torrent}: torrent deletion failed: {error}")
            }
            Self::FastresumeRejected {
                torrent,
                path,
                operation,
                error,
            } => {
                write!(formatter, "{torrent}: fast resume rejected. {operation}")?;
                if let Some(path) = path {
                    write!(formatter, "({})", path.display())?;
                }
                write!(formatter, ": {error}")
            }
            Self::MetadataReceived { torrent } => {
                write!(formatter, "{torrent}: metadata successfully received")
            }
            Self::MetadataFailed { torrent, error } => {
                write!(formatter, "{torrent}: invalid metadata received: {error}")
            }
            Self::CacheFlushed { torrent } => write!(formatter, "{torrent}: cache flushed"),
            Self::ListenSucceeded { address } => {
                write!(formatter, "successfully listening on [TCP] {address}")
            }
            Self::ListenFailed {
                listen_interface,
                address,
                operation,
                error,
            } => write!(
                formatter,
                "listening on {listen_interface} ({address}) failed: [{operation}] {error}"
            ),
            Self::Stats {
                torrent,
                transferred,
                interval,
            } => write!(
                formatter,
                "{torrent}: [{} ms] up {} + {} bytes, down {} + {} bytes (payload + protocol)",
                interval.as_millis(),
                transferred.upload_payload_bytes,
                transferred.upload_protocol_bytes,
                transferred.download_payload_bytes,
                transferred.download_protocol_bytes
            ),
            Self::SessionStats { counters } => {
                write!(formatter, "session stats ({} values)", counters.len())
            }
            Self::AlertsDropped { dropped } => {
                formatter.write_str("dropped alerts: ")?;
                for (position, alert_type) in dropped.iter().enumerate() {
                    if position > 0 {
                        formatter.write_str(" ")?;
                    }
                    formatter.write_str(alert_type.what())?;
                }
                Ok(())
            }
        }
    }
}
