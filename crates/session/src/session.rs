//! [`Session`]: the torrents of one client, and the settings they share.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lt_alerts::{Alert, AlertError, AlertKind, AlertQueue, Operation, TorrentId, TorrentRef};

use lt_core::{PeerId, Sha1Hash};
use lt_metainfo::AddTorrentParams;

use crate::error::SessionError;
use crate::handle::TorrentHandle;
use crate::listener;
use crate::random::random_u64;
use crate::registry::Registry;
use crate::settings::Settings;
use crate::torrent::alerts::AlertSink;
use crate::torrent::{self, TorrentConfig};

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
/// stops them all.
#[derive(Debug)]
pub struct Session {
    settings: Arc<Settings>,
    peer_id: PeerId,
    /// The key trackers recognise us by (libtorrent's random announce key).
    tracker_key: u32,
    runtime: tokio::runtime::Handle,
    torrents: Registry,
    /// The addresses we accept peers on (ports resolved).
    listen_addrs: Vec<SocketAddr>,
    /// The `listen_interfaces` entries that could not be bound, with why.
    listen_errors: Vec<String>,
    /// The accepting tasks, aborted when the session is dropped.
    acceptors: Vec<tokio::task::JoinHandle<()>>,
    /// Where the session and its torrents post alerts.
    alerts: AlertQueue,
    /// The id the next torrent gets.
    next_torrent_id: AtomicU64,
}

impl Session {
    /// A session with `params`, running its tasks on the current tokio runtime. It listens on
    /// `listen_interfaces`; entries that cannot be bound are skipped and reported by
    /// [`listen_errors`](Self::listen_errors).
    ///
    /// # Errors
    /// [`SessionError::NoRuntime`] outside a tokio runtime;
    /// [`SessionError::InvalidSetting`] when `listen_interfaces` does not parse.
    pub fn new(params: SessionParams) -> Result<Self, SessionError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
        let peer_id = make_peer_id(&params.settings.peer_fingerprint);
        let interfaces = listener::parse_listen_interfaces(&params.settings.listen_interfaces)
            .map_err(SessionError::InvalidSetting)?;
        let settings = Arc::new(params.settings);
        let torrents = Registry::default();
        let alerts = AlertQueue::new(settings.alert_queue_size, settings.alert_mask);
        let mut session = Self {
            settings,
            peer_id,
            tracker_key: random_u64() as u32,
            runtime,
            torrents,
            listen_addrs: Vec::new(),
            listen_errors: Vec::new(),
            acceptors: Vec::new(),
            alerts,
            next_torrent_id: AtomicU64::new(1),
        };
        for addr in interfaces {
            match listener::bind(addr).and_then(|socket| Ok((socket.local_addr()?, socket))) {
                Ok((local, socket)) => {
                    session.listen_addrs.push(local);
                    session.post(AlertKind::ListenSucceeded { address: local });
                    let accept = listener::accept_loop(
                        socket,
                        session.torrents.clone(),
                        Arc::clone(&session.settings),
                    );
                    session.acceptors.push(session.runtime.spawn(accept));
                }
                Err(error) => {
                    session.post(AlertKind::ListenFailed {
                        listen_interface: addr.to_string(),
                        address: addr,
                        operation: Operation::SockBind,
                        error: AlertError::from_display("listen_failed", &error),
                    });
                    session
                        .listen_errors
                        .push(format!("cannot listen on {addr}: {error}"));
                }
            }
        }
        Ok(session)
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

    /// The addresses the session accepts peers on (with the ports chosen for port 0).
    #[must_use]
    pub fn listen_addrs(&self) -> &[SocketAddr] {
        &self.listen_addrs
    }

    /// The port of the first listen address (libtorrent's `listen_port()`), if any is bound.
    #[must_use]
    pub fn listen_port(&self) -> Option<u16> {
        self.listen_addrs.first().map(SocketAddr::port)
    }

    /// Why `listen_interfaces` entries could not be bound (libtorrent's `listen_failed_alert`).
    #[must_use]
    pub fn listen_errors(&self) -> &[String] {
        &self.listen_errors
    }

    /// Adds a torrent and starts it: its files are checked (pieces already on disk are not
    /// downloaded again), then `params.peers` are connected and incoming peers for it are
    /// accepted. Needs the metadata (`params.ti`); files go under `params.save_path`.
    ///
    /// # Errors
    /// [`SessionError::NoMetadata`] without `ti`, [`SessionError::DuplicateTorrent`],
    /// [`SessionError::InvalidTorrent`].
    pub fn add_torrent(&self, params: AddTorrentParams) -> Result<TorrentHandle, SessionError> {
        let result = self.start_torrent(&params);
        let (torrent, error) = match &result {
            Ok((_, torrent)) => (Some(torrent.clone()), None),
            Err(error) => (None, Some(AlertError::from_display("add_torrent", error))),
        };
        self.post(AlertKind::AddTorrent {
            torrent: torrent.as_ref().map(|torrent| torrent.id),
            info_hash: params
                .ti
                .as_ref()
                .map_or(params.info_hashes, |info| info.info_hashes()),
            name: torrent
                .as_ref()
                .map(|torrent| torrent.name.to_string())
                .unwrap_or_default(),
            save_path: PathBuf::from(&params.save_path),
            error,
        });
        let (handle, torrent) = result?;
        self.post(AlertKind::TorrentAdded { torrent });
        Ok(handle)
    }

    /// Adds a torrent without waiting for the answer (libtorrent's `async_add_torrent`): the
    /// outcome comes as an `add_torrent` alert (with the torrent's id, or the error), and the
    /// handle from [`find_torrent`](Self::find_torrent).
    pub fn async_add_torrent(&self, params: AddTorrentParams) {
        // The alerts carry the outcome.
        let _ = self.add_torrent(params);
    }

    fn start_torrent(
        &self,
        params: &AddTorrentParams,
    ) -> Result<(TorrentHandle, TorrentRef), SessionError> {
        let info = params.ti.clone().ok_or(SessionError::NoMetadata)?;
        let id = TorrentId(self.next_torrent_id.fetch_add(1, Ordering::Relaxed));
        let torrent = TorrentRef::new(id, info.info_hashes(), info.name());
        let config = TorrentConfig {
            settings: Arc::clone(&self.settings),
            peer_id: self.peer_id,
            save_path: PathBuf::from(&params.save_path),
            picker_seed: random_u64(),
            listen_addr: self
                .listen_addrs
                .first()
                .copied()
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))),
            tracker_key: self.tracker_key,
            alerts: AlertSink {
                queue: self.alerts.clone(),
                torrent: torrent.clone(),
            },
        };
        let handle = self.torrents.add(info.info_hashes(), || {
            torrent::start(&self.runtime, info, params, config)
        })?;
        Ok((handle, torrent))
    }

    fn post(&self, kind: AlertKind) {
        self.alerts.post(Alert::new(kind));
    }

    /// Posts a `session_stats` alert with every metric of
    /// [`session_stats_metrics`](crate::session_stats_metrics), summed over the torrents
    /// (libtorrent's `post_session_stats`).
    pub fn post_session_stats(&self) {
        let statuses: Vec<_> = self
            .torrents
            .handles()
            .iter()
            .map(TorrentHandle::status)
            .collect();
        self.post(AlertKind::SessionStats {
            counters: crate::session_stats::values(&statuses),
        });
    }

    /// Takes every alert queued (libtorrent's `pop_alerts`), oldest first.
    #[must_use]
    pub fn pop_alerts(&self) -> Vec<Alert> {
        self.alerts.pop_alerts()
    }

    /// Blocks until an alert is queued or `timeout` passes (libtorrent's `wait_for_alert`);
    /// says whether one is. In async code await [`AlertQueue::notified`] on
    /// [`alerts`](Self::alerts) instead.
    #[must_use]
    pub fn wait_for_alert(&self, timeout: Duration) -> bool {
        self.alerts.wait_for_alert(timeout)
    }

    /// The session's alert queue: its mask, size, notify callback (libtorrent's
    /// `set_alert_notify`) and the async `notified()`.
    #[must_use]
    pub fn alerts(&self) -> &AlertQueue {
        &self.alerts
    }

    /// Removes a torrent (libtorrent's `remove_torrent`): its peers are closed, its trackers
    /// told `stopped`, and with `delete_files` its files and part file are deleted
    /// (`torrent_deleted` or `torrent_delete_failed` follows `torrent_removed`). Resolves once
    /// the torrent's task has stopped and its files are closed (or deleted).
    ///
    /// # Errors
    /// [`SessionError::TorrentRemoved`] when it is not in the session.
    pub async fn remove_torrent(
        &self,
        handle: &TorrentHandle,
        delete_files: bool,
    ) -> Result<(), SessionError> {
        if !self.torrents.remove(&handle.info_hashes()) {
            return Err(SessionError::TorrentRemoved);
        }
        handle.remove(delete_files).await
    }

    /// Pauses every torrent (libtorrent's `session::pause`).
    pub fn pause(&self) {
        for handle in self.torrents.handles() {
            let _ = handle.pause();
        }
    }

    /// Resumes every torrent (libtorrent's `session::resume`).
    pub fn resume(&self) {
        for handle in self.torrents.handles() {
            let _ = handle.resume();
        }
    }

    /// The torrent with this info-hash (v1, or v2 truncated), if it is in the session.
    #[must_use]
    pub fn find_torrent(&self, info_hash: &Sha1Hash) -> Option<TorrentHandle> {
        self.torrents.find_by_wire_hash(info_hash)
    }

    /// Every torrent in the session.
    #[must_use]
    pub fn get_torrents(&self) -> Vec<TorrentHandle> {
        self.torrents.handles()
    }
}

impl Drop for Session {
    /// Stops accepting peers and stops every torrent, as destroying a libtorrent session does:
    /// each closes its peers, tells its trackers `stopped` (without waiting) and closes its
    /// files; their handles become invalid. Remove torrents first
    /// ([`remove_torrent`](Self::remove_torrent)) to wait for that.
    fn drop(&mut self) {
        for acceptor in &self.acceptors {
            acceptor.abort();
        }
        for handle in self.torrents.handles() {
            handle.stop_without_waiting();
        }
    }
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
    fn the_default_fingerprint_is_lts_own() {
        let fingerprint = Settings::default().peer_fingerprint;
        assert_eq!(fingerprint.as_bytes(), lt_core::PeerId::CLIENT_PREFIX);
        let id = make_peer_id(&fingerprint);
        assert_eq!(&id.as_bytes()[..8], b"-LR0100-");
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
