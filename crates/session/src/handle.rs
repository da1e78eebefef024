//! [`TorrentHandle`]: a cheap, cloneable reference to a torrent in a session.

use std::net::SocketAddr;

use lt_metainfo::AddTorrentParams;
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::SessionError;
use crate::status::TorrentStatus;
use crate::stream::BoxedStream;
use crate::torrent::TorrentCommand;

/// A torrent in a [`Session`](crate::Session) (libtorrent's `torrent_handle`): cheap to clone,
/// `Send + Sync`. Calls go to the torrent's task over a channel; [`status`](Self::status)
/// reads the latest snapshot the task published.
#[derive(Debug, Clone)]
pub struct TorrentHandle {
    commands: mpsc::UnboundedSender<TorrentCommand>,
    status: watch::Receiver<TorrentStatus>,
}

impl TorrentHandle {
    pub(crate) fn new(
        commands: mpsc::UnboundedSender<TorrentCommand>,
        status: watch::Receiver<TorrentStatus>,
    ) -> Self {
        Self { commands, status }
    }

    /// The torrent's latest status (published about four times a second and on every state
    /// change).
    #[must_use]
    pub fn status(&self) -> TorrentStatus {
        self.status.borrow().clone()
    }

    /// Whether the torrent's task is still running.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.commands.is_closed()
    }

    /// Connects to the peer at `addr` (over TCP, plaintext), once the files are checked.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`] when the torrent's task is gone.
    pub fn connect_peer(&self, addr: SocketAddr) -> Result<(), SessionError> {
        self.commands
            .send(TorrentCommand::ConnectPeer(addr))
            .map_err(|_| SessionError::TorrentRemoved)
    }

    /// The torrent's resume data (libtorrent's `save_resume_data`): save it with
    /// [`lt_metainfo::save_resume_data_file`] (atomically) and give it back to
    /// [`Session::add_torrent`](crate::Session::add_torrent) (with `ti` set) to start where
    /// the torrent left off: the pieces it claims are trusted once the files are there and
    /// long enough, without reading them.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`] when the torrent's task is gone.
    pub async fn save_resume_data(&self) -> Result<AddTorrentParams, SessionError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(TorrentCommand::SaveResumeData(reply))
            .map_err(|_| SessionError::TorrentRemoved)?;
        answer.await.map_err(|_| SessionError::TorrentRemoved)
    }

    /// Hands an accepted connection that named this torrent to its task.
    pub(crate) fn attach_incoming(
        &self,
        stream: BoxedStream,
        addr: SocketAddr,
    ) -> Result<(), SessionError> {
        self.commands
            .send(TorrentCommand::Incoming { stream, addr })
            .map_err(|_| SessionError::TorrentRemoved)
    }

    /// Resolves once every wanted piece is verified and written to disk (and the files are
    /// flushed), with the torrent's final status.
    ///
    /// # Errors
    /// [`SessionError::Torrent`] when the torrent stops with an error (a disk error, say),
    /// [`SessionError::TorrentRemoved`] when its task ends first.
    pub async fn wait_finished(&self) -> Result<TorrentStatus, SessionError> {
        let mut status = self.status.clone();
        let done = status
            .wait_for(|status| status.is_finished() || status.error.is_some())
            .await
            .map_err(|_| SessionError::TorrentRemoved)?
            .clone();
        match done.error {
            Some(error) => Err(SessionError::Torrent(error)),
            None => Ok(done),
        }
    }

    /// Resolves at the next status the task publishes (about every 250 ms).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`] when its task is gone.
    pub async fn status_changed(&self) -> Result<TorrentStatus, SessionError> {
        let mut status = self.status.clone();
        status.mark_unchanged();
        status
            .changed()
            .await
            .map_err(|_| SessionError::TorrentRemoved)?;
        let snapshot = status.borrow().clone();
        Ok(snapshot)
    }
}
