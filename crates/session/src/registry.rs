//! The session's torrents by info-hash, shared by the session's calls and its listeners (which
//! look up the torrent an incoming connection names). The lock is held for a look-up or a push
//! only, never across an `.await`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lt_core::{InfoHash, Sha1Hash};
use lt_wire::mse::StreamKeys;

use crate::error::SessionError;
use crate::handle::TorrentHandle;

/// One torrent of the session.
#[derive(Debug, Clone)]
struct Entry {
    info_hashes: InfoHash,
    handle: TorrentHandle,
}

/// The session's torrents; clones share them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry(Arc<Mutex<Vec<Entry>>>);

impl Registry {
    fn entries(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the torrent `start` makes, unless one with an info-hash in common is there.
    ///
    /// # Errors
    /// [`SessionError::DuplicateTorrent`], or `start`'s error.
    pub(crate) fn add(
        &self,
        info_hashes: InfoHash,
        start: impl FnOnce() -> Result<TorrentHandle, SessionError>,
    ) -> Result<TorrentHandle, SessionError> {
        let mut entries = self.entries();
        let clash = entries.iter().any(|entry| {
            info_hashes
                .wire_hashes()
                .any(|hash| entry.info_hashes.matches_wire_hash(&hash))
        });
        if clash {
            return Err(SessionError::DuplicateTorrent);
        }
        let handle = start()?;
        entries.push(Entry {
            info_hashes,
            handle: handle.clone(),
        });
        Ok(handle)
    }

    /// Takes the torrent with `info_hashes` out; says whether it was there.
    pub(crate) fn remove(&self, info_hashes: &InfoHash) -> bool {
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|entry| entry.info_hashes != *info_hashes);
        entries.len() != before
    }

    /// The torrent known on the wire by `hash` (its v1 hash, or its v2 hash truncated).
    pub(crate) fn find_by_wire_hash(&self, hash: &Sha1Hash) -> Option<TorrentHandle> {
        self.entries()
            .iter()
            .find(|entry| entry.info_hashes.matches_wire_hash(hash))
            .map(|entry| entry.handle.clone())
    }

    /// Every torrent.
    pub(crate) fn handles(&self) -> Vec<TorrentHandle> {
        self.entries()
            .iter()
            .map(|entry| entry.handle.clone())
            .collect()
    }

    /// The MSE responder's table of every torrent's 20-byte hashes.
    pub(crate) fn stream_keys(&self) -> StreamKeys {
        let mut keys = StreamKeys::new();
        for entry in self.entries().iter() {
            for hash in entry.info_hashes.wire_hashes() {
                keys.insert(hash);
            }
        }
        keys
    }
}
