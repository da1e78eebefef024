//! Small payload types of alerts: torrent references, errors, operations, states.

use std::{fmt, sync::Arc};

use lt_core::InfoHash;

/// An opaque torrent id, assigned by the session when a torrent is added and never reused within
/// a session. Alerts name torrents by it so that this crate depends on no session type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TorrentId(pub u64);

impl fmt::Display for TorrentId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "#{}", self.0)
    }
}

/// The torrent an alert is about (libtorrent's `torrent_alert` base: handle and
/// `torrent_name()`). The torrent may already be gone when the alert is read.
///
/// The name is an `Arc<str>` so a torrent posting many alerts shares one copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TorrentRef {
    /// The session's id of the torrent.
    pub id: TorrentId,
    /// The torrent's info-hash(es).
    pub info_hash: InfoHash,
    /// The torrent's name; empty while a magnet link has no metadata.
    pub name: Arc<str>,
}

impl TorrentRef {
    /// A reference to torrent `id` with this info-hash and name.
    #[must_use]
    pub fn new(id: TorrentId, info_hash: InfoHash, name: impl Into<Arc<str>>) -> Self {
        Self {
            id,
            info_hash,
            name: name.into(),
        }
    }
}

/// The name, or the info-hash when the name is empty (as libtorrent's `torrent_name()`).
impl fmt::Display for TorrentRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            fmt::Display::fmt(&self.info_hash, formatter)
        } else {
            formatter.write_str(&self.name)
        }
    }
}

/// An error carried by an alert, flattened so that no higher crate's error type is named: a
/// stable code name in libtorrent's style (`"timed_out"`, `"tracker_failure"`,
/// `"resume_data_not_modified"`) and the human message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AlertError {
    /// A stable, machine-readable name for the error, e.g. `"no_such_file_or_directory"`.
    pub code_name: &'static str,
    /// The human-readable message, lowercase, without a final period.
    pub message: String,
}

impl AlertError {
    /// An error with this code name and message.
    #[must_use]
    pub fn new(code_name: &'static str, message: impl Into<String>) -> Self {
        Self {
            code_name,
            message: message.into(),
        }
    }

    /// An error from any `Display` type, e.g. a higher crate's error enum.
    #[must_use]
    pub fn from_display(code_name: &'static str, error: &dyn fmt::Display) -> Self {
        Self::new(code_name, error.to_string())
    }
}

impl fmt::Display for AlertError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for AlertError {}

/// The operation that failed (libtorrent's `operation_t`; `name()` is its `operation_name()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Unknown or unrecorded.
    Unknown,
    /// The BitTorrent protocol itself.
    Bittorrent,
    /// Reading a peer socket.
    SockRead,
    /// Writing a peer socket.
    SockWrite,
    /// Opening a socket.
    SockOpen,
    /// Binding a socket.
    SockBind,
    /// Listening on a socket.
    SockListen,
    /// Accepting a connection.
    SockAccept,
    /// Connecting to a peer.
    Connect,
    /// The BitTorrent handshake.
    Handshake,
    /// Protocol encryption (MSE).
    Encryption,
    /// Resolving a host name.
    HostnameLookup,
    /// Opening a file.
    FileOpen,
    /// Reading a file.
    FileRead,
    /// Writing a file.
    FileWrite,
    /// Another file operation.
    File,
    /// `stat` on a file.
    FileStat,
    /// Copying a file.
    FileCopy,
    /// Renaming a file.
    FileRename,
    /// Removing a file.
    FileRemove,
    /// Truncating or extending a file.
    FileTruncate,
    /// Creating a directory.
    Mkdir,
    /// Checking resume data against the files.
    CheckResume,
    /// Moving a part file.
    PartfileMove,
    /// A timer.
    Timer,
}

impl Operation {
    /// libtorrent's `operation_name()`, e.g. `"file_write"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Bittorrent => "bittorrent",
            Self::SockRead => "sock_read",
            Self::SockWrite => "sock_write",
            Self::SockOpen => "sock_open",
            Self::SockBind => "sock_bind",
            Self::SockListen => "sock_listen",
            Self::SockAccept => "sock_accept",
            Self::Connect => "connect",
            Self::Handshake => "handshake",
            Self::Encryption => "encryption",
            Self::HostnameLookup => "hostname_lookup",
            Self::FileOpen => "file_open",
            Self::FileRead => "file_read",
            Self::FileWrite => "file_write",
            Self::File => "file",
            Self::FileStat => "file_stat",
            Self::FileCopy => "file_copy",
            Self::FileRename => "file_rename",
            Self::FileRemove => "file_remove",
            Self::FileTruncate => "file_truncate",
            Self::Mkdir => "mkdir",
            Self::CheckResume => "check_resume",
            Self::PartfileMove => "partfile_move",
            Self::Timer => "timer",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A torrent's state (libtorrent's `torrent_status::state_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TorrentState {
    /// Checking the files on disk.
    CheckingFiles,
    /// Fetching the metadata of a magnet link.
    DownloadingMetadata,
    /// Downloading.
    Downloading,
    /// Every wanted piece is downloaded, but not all pieces.
    Finished,
    /// Every piece is downloaded.
    Seeding,
    /// Checking resume data against the files.
    CheckingResumeData,
}

impl TorrentState {
    /// libtorrent's name, e.g. `"downloading_metadata"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::CheckingFiles => "checking_files",
            Self::DownloadingMetadata => "downloading_metadata",
            Self::Downloading => "downloading",
            Self::Finished => "finished",
            Self::Seeding => "seeding",
            Self::CheckingResumeData => "checking_resume_data",
        }
    }
}

impl fmt::Display for TorrentState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The event of an announce (libtorrent's `event_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnounceEvent {
    /// A regular announce.
    None,
    /// The download completed.
    Completed,
    /// The torrent started.
    Started,
    /// The torrent stopped.
    Stopped,
    /// The torrent was paused (BEP 21).
    Paused,
}

impl AnnounceEvent {
    /// libtorrent's name, e.g. `"started"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Completed => "completed",
            Self::Started => "started",
            Self::Stopped => "stopped",
            Self::Paused => "paused",
        }
    }
}

impl fmt::Display for AnnounceEvent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Who opened a peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerDirection {
    /// The peer connected to us.
    Incoming,
    /// We connected to the peer.
    Outgoing,
}

impl fmt::Display for PeerDirection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
        })
    }
}

/// Bytes transferred by a torrent over one interval (libtorrent's `stats_alert::transferred`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TransferStats {
    /// Piece data sent.
    pub upload_payload_bytes: u64,
    /// Protocol overhead sent.
    pub upload_protocol_bytes: u64,
    /// Piece data received.
    pub download_payload_bytes: u64,
    /// Protocol overhead received.
    pub download_protocol_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torrent_ref_falls_back_to_info_hash() {
        let info_hash = InfoHash::default();
        assert_eq!(
            TorrentRef::new(TorrentId(1), info_hash, "a.iso").to_string(),
            "a.iso"
        );
        assert_eq!(
            TorrentRef::new(TorrentId(1), info_hash, "").to_string(),
            info_hash.to_string()
        );
    }

    #[test]
    fn names() {
        assert_eq!(Operation::FileWrite.to_string(), "file_write");
        assert_eq!(TorrentState::Seeding.to_string(), "seeding");
        assert_eq!(AnnounceEvent::Started.to_string(), "started");
        assert_eq!(TorrentId(7).to_string(), "#7");
        let error = AlertError::from_display("timed_out", &"timed out");
        assert_eq!(error.to_string(), "timed out");
        assert_eq!(error.code_name, "timed_out");
    }
}
