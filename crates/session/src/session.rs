//! [`Session`]: the torrents of one client, and the settings they share.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lt_core::{PeerId, Sha1Hash};
use lt_metainfo::AddTorrentParams;

use crate::error::SessionError;
use crate::handle::TorrentHandle;
use crate::torrent::{self, TorrentConfig};

/// The session's settings (libtorrent's `settings_pack`, the names used so far).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// libtorrent's `peer_fingerprint`: the first 8 bytes of our peer id (default `-LT0100-`);
    /// the other 12 are random.
    pub peer_fingerprint: String,
    /// libtorrent's `peer_connect_timeout` (default 15 s).
    pub peer_connect_timeout: Duration,
    /// libtorrent's `max_queued_disk_bytes` (default 1 MiB): block writes queued beyond this
    /// stop reading from peers until the disk catches up.
    pub max_queued_disk_bytes: u64,
    /// libtorrent's `aio_threads`: disk threads per torrent (0, the default: one per core).
    pub aio_threads: usize,
    /// libtorrent's `max_out_request_queue` (default 500): most requests out to one peer.
    pub max_out_request_queue: usize,
    /// libtorrent's `request_queue_time` (default 3 s): a peer is sent requests for this long
    /// at its current rate.
    pub request_queue_time: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            peer_fingerprint: "-LT0100-".to_owned(),
            peer_connect_timeout: Duration::from_secs(15),
            max_queued_disk_bytes: lt_storage::DEFAULT_MAX_QUEUED_BYTES,
            aio_threads: 0,
            max_out_request_queue: 500,
            request_queue_time: Duration::from_secs(3),
        }
    }
}

/// What a [`Session`] starts from (libtorrent's `session_params`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionParams {
    /// The settings.
    pub settings: Settings,
}

impl SessionParams {
    /// Params with `settings`.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }
}

/// A BitTorrent session: the torrents of one client (libtorrent's `session`).
///
/// Torrents run as tasks on the tokio runtime the session was created in; dropping the session
/// does not stop them while their handles live (removing torrents is still to come).
#[derive(Debug)]
pub struct Session {
    settings: Arc<Settings>,
    peer_id: PeerId,
    runtime: tokio::runtime::Handle,
    /// Held for a look-up or a push only, never across an `.await`.
    torrents: Mutex<Vec<(Sha1Hash, TorrentHandle)>>,
}

impl Session {
    /// A session with `params`, running its tasks on the current tokio runtime.
    ///
    /// # Errors
    /// [`SessionError::NoRuntime`] outside a tokio runtime.
    pub fn new(params: SessionParams) -> Result<Self, SessionError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
        let peer_id = make_peer_id(&params.settings.peer_fingerprint);
        Ok(Self {
            settings: Arc::new(params.settings),
            peer_id,
            runtime,
            torrents: Mutex::new(Vec::new()),
        })
    }

    /// Our peer id.
    #[must_use]
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Adds a torrent and starts it: its files are checked (pieces already on disk are not
    /// downloaded again), then `params.peers` are connected. Needs the metadata (`params.ti`);
    /// files go under `params.save_path`.
    ///
    /// # Errors
    /// [`SessionError::NoMetadata`] without `ti`, [`SessionError::DuplicateTorrent`],
    /// [`SessionError::InvalidTorrent`].
    pub fn add_torrent(&self, params: AddTorrentParams) -> Result<TorrentHandle, SessionError> {
        let info = params.ti.clone().ok_or(SessionError::NoMetadata)?;
        let info_hash = info.info_hashes().get_best();
        let mut torrents = self.torrents.lock().unwrap_or_else(PoisonError::into_inner);
        if torrents.iter().any(|(hash, _)| *hash == info_hash) {
            return Err(SessionError::DuplicateTorrent);
        }
        let config = TorrentConfig {
            settings: Arc::clone(&self.settings),
            peer_id: self.peer_id,
            save_path: PathBuf::from(&params.save_path),
            picker_seed: random_u64(),
        };
        let handle = torrent::start(&self.runtime, info, params.peers, config)?;
        torrents.push((info_hash, handle.clone()));
        Ok(handle)
    }

    /// The torrent with this info-hash (v1, or v2 truncated), if it is in the session.
    #[must_use]
    pub fn find_torrent(&self, info_hash: &Sha1Hash) -> Option<TorrentHandle> {
        let torrents = self.torrents.lock().unwrap_or_else(PoisonError::into_inner);
        torrents
            .iter()
            .find(|(hash, _)| hash == info_hash)
            .map(|(_, handle)| handle.clone())
    }

    /// Every torrent in the session.
    #[must_use]
    pub fn get_torrents(&self) -> Vec<TorrentHandle> {
        let torrents = self.torrents.lock().unwrap_or_else(PoisonError::into_inner);
        torrents.iter().map(|(_, handle)| handle.clone()).collect()
    }
}

/// A random 64-bit value from the standard library's randomly keyed hasher.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x6c74);
    hasher.finish()
}

/// `fingerprint` (cut or padded to 8 bytes) followed by 12 random alphanumerics.
fn make_peer_id(fingerprint: &str) -> PeerId {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut bytes = [b'-'; 20];
    for (slot, byte) in bytes.iter_mut().zip(fingerprint.bytes().take(8)) {
        *slot = byte;
    }
    let mut bits = random_u64() ^ random_u64().rotate_left(32);
    for slot in &mut bytes[8..] {
        *slot = ALPHABET[(bits % ALPHABET.len() as u64) as usize];
        bits = bits.rotate_right(7) ^ random_u64();
    }
    PeerId::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_id_has_the_fingerprint() {
        let id = make_peer_id("-LT0100-");
        assert_eq!(&id.as_bytes()[..8], b"-LT0100-");
        assert!(id.as_bytes()[8..].iter().all(u8::is_ascii_alphanumeric));
        assert_ne!(make_peer_id("-LT0100-"), id);
    }

    #[test]
    fn handles_are_cheap_to_share() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<TorrentHandle>();
        fn sendable<T: Send + Sync>() {}
        sendable::<Session>();
    }

    #[test]
    fn new_needs_a_runtime() {
        assert_eq!(
            Session::new(SessionParams::default()).err(),
            Some(SessionError::NoRuntime)
        );
    }
}
