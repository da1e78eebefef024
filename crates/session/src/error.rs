//! The errors of the session's calls.

/// Why a session call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// [`Session::new`](crate::Session::new) was called outside a tokio runtime.
    #[error("the session must be created inside a tokio runtime")]
    NoRuntime,
    /// A setting has a value the session cannot use; the message says which.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// The torrent has no metadata (a magnet link); downloading metadata is not supported yet.
    #[error("the torrent has no metadata (magnet links are not supported yet)")]
    NoMetadata,
    /// The torrent's geometry is unusable (no pieces, or a piece size the picker refuses).
    #[error("invalid torrent: {0}")]
    InvalidTorrent(String),
    /// A torrent with the same info-hash is in the session already (libtorrent's
    /// `duplicate_torrent`).
    #[error("the torrent is already in the session")]
    DuplicateTorrent,
    /// The torrent stopped with an error (a disk error, say); the message says which.
    #[error("{0}")]
    Torrent(String),
    /// The torrent's task is gone (the session was dropped, or the task ended).
    #[error("the torrent was removed")]
    TorrentRemoved,
}
