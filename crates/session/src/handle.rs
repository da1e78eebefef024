//! [`TorrentHandle`]: a cheap, cloneable reference to a torrent in a session.

use std::net::SocketAddr;
use std::path::PathBuf;

use lt_core::{FileIndex, InfoHash, PieceIndex};
use lt_metainfo::AddTorrentParams;
use lt_storage::MoveFlags;
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::SessionError;
use crate::peer_info::PeerInfo;
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
    info_hashes: InfoHash,
}

impl TorrentHandle {
    pub(crate) fn new(
        commands: mpsc::UnboundedSender<TorrentCommand>,
        status: watch::Receiver<TorrentStatus>,
        info_hashes: InfoHash,
    ) -> Self {
        Self {
            commands,
            status,
            info_hashes,
        }
    }

    /// The torrent's info-hashes (libtorrent's `info_hashes()`).
    #[must_use]
    pub fn info_hashes(&self) -> InfoHash {
        self.info_hashes
    }

    fn send(&self, command: TorrentCommand) -> Result<(), SessionError> {
        self.commands
            .send(command)
            .map_err(|_| SessionError::TorrentRemoved)
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> TorrentCommand,
    ) -> Result<T, SessionError> {
        let (reply, answer) = oneshot::channel();
        self.send(command(reply))?;
        answer.await.map_err(|_| SessionError::TorrentRemoved)
    }

    /// Pauses the torrent: its peers are disconnected and its trackers told `stopped`
    /// (`torrent_paused` alert).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`] when the torrent's task is gone (as for every call
    /// below).
    pub fn pause(&self) -> Result<(), SessionError> {
        self.send(TorrentCommand::Pause)
    }

    /// Resumes a paused torrent (`torrent_resumed` alert).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn resume(&self) -> Result<(), SessionError> {
        self.send(TorrentCommand::Resume)
    }

    /// Forgets every piece and checks the files again (libtorrent's `force_recheck`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn force_recheck(&self) -> Result<(), SessionError> {
        self.send(TorrentCommand::ForceRecheck)
    }

    /// Announces to the trackers now (libtorrent's `force_reannounce`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn force_reannounce(&self) -> Result<(), SessionError> {
        self.send(TorrentCommand::ForceReannounce)
    }

    /// Sets every file's priority, 0 (do not download; the file is not created) to 7
    /// (libtorrent's `prioritize_files`). Missing entries mean 4.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn prioritize_files(&self, priorities: Vec<u8>) -> Result<(), SessionError> {
        self.send(TorrentCommand::SetFilePriorities(priorities))
    }

    /// The file priorities (libtorrent's `get_file_priorities`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub async fn get_file_priorities(&self) -> Result<Vec<u8>, SessionError> {
        self.ask(TorrentCommand::FilePriorities).await
    }

    /// Sets one piece's priority, 0 to 7 (libtorrent's `piece_priority`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn piece_priority(&self, piece: PieceIndex, priority: u8) -> Result<(), SessionError> {
        self.send(TorrentCommand::SetPiecePriority(piece, priority))
    }

    /// Bytes had of each file, counted in whole pieces (libtorrent's `file_progress` with
    /// `piece_granularity`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub async fn file_progress(&self) -> Result<Vec<u64>, SessionError> {
        self.ask(TorrentCommand::FileProgress).await
    }

    /// The torrent's peers (libtorrent's `get_peer_info`).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub async fn get_peer_info(&self) -> Result<Vec<PeerInfo>, SessionError> {
        self.ask(TorrentCommand::PeerInfo).await
    }

    /// Moves the files to `save_path` (libtorrent's `move_storage`); `storage_moved` or
    /// `storage_moved_failed` follows.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn move_storage(
        &self,
        save_path: impl Into<PathBuf>,
        flags: MoveFlags,
    ) -> Result<(), SessionError> {
        self.send(TorrentCommand::MoveStorage(save_path.into(), flags))
    }

    /// Renames file `file` to `name`, relative to the save path (libtorrent's `rename_file`);
    /// `file_renamed` or `file_rename_failed` follows.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn rename_file(
        &self,
        file: FileIndex,
        name: impl Into<String>,
    ) -> Result<(), SessionError> {
        self.send(TorrentCommand::RenameFile(file, name.into()))
    }

    /// Writes what is queued for the disk (libtorrent's `flush_cache`); `cache_flushed`
    /// follows.
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`].
    pub fn flush_cache(&self) -> Result<(), SessionError> {
        self.send(TorrentCommand::FlushCache)
    }

    /// Tells the torrent's task to stop (the session is going away); nobody waits for it.
    pub(crate) fn stop_without_waiting(&self) {
        let (done, _) = oneshot::channel();
        // A task that is gone already has stopped.
        let _ = self.send(TorrentCommand::Remove {
            delete_files: false,
            done,
        });
    }

    /// Stops the torrent's task (after `remove_torrent` took it out of the session).
    pub(crate) async fn remove(&self, delete_files: bool) -> Result<(), SessionError> {
        self.ask(|done| TorrentCommand::Remove { delete_files, done })
            .await
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
        self.send(TorrentCommand::ConnectPeer(addr))
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
        self.ask(TorrentCommand::SaveResumeData).await
    }

    /// Hands an accepted connection that named this torrent to its task.
    pub(crate) fn attach_incoming(
        &self,
        stream: BoxedStream,
        addr: SocketAddr,
    ) -> Result<(), SessionError> {
        self.send(TorrentCommand::Incoming { stream, addr })
    }

    /// Resolves once every wanted piece is verified and written to the files (handed to the
    /// OS: a killed process loses none of it; call [`flush_cache`](Self::flush_cache) to sync
    /// to the device), with the torrent's final status.
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
