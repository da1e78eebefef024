//! [`Settings`]: libtorrent's `settings_pack`, the settings the session uses so far, under
//! libtorrent's names and with its defaults.

use std::time::Duration;

use lt_alerts::{AlertCategory, AlertMask};
use lt_wire::mse::{EncLevel, EncPolicy, EncryptionSettings};

/// The session's settings (libtorrent's `settings_pack`, the names used so far).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// libtorrent's `peer_fingerprint`: the first 8 bytes of our peer id (default
    /// [`lt_core::PeerId::CLIENT_PREFIX`], `-LR0100-`: lt's own client code, not libtorrent's
    /// `LT`); the other 12 are random.
    pub peer_fingerprint: String,
    /// libtorrent's `alert_mask` (default: errors only, as in libtorrent).
    pub alert_mask: AlertMask,
    /// libtorrent's `alert_queue_size` (default 2000): alerts kept before the oldest
    /// non-critical ones are dropped.
    pub alert_queue_size: usize,
    /// libtorrent's `listen_interfaces`: comma-separated `IP:PORT` entries (IPv6 in brackets)
    /// to accept peers on; port 0 picks a free port. Default `0.0.0.0:6881,[::]:6881`. An entry
    /// that cannot be bound is reported by [`Session::listen_errors`](crate::Session::listen_errors)
    /// and skipped, as libtorrent does with its `listen_failed_alert`.
    pub listen_interfaces: String,
    /// libtorrent's `connections_limit` (default 200), applied per torrent here: peers
    /// connected or connecting beyond it are not dialed (retried later) or accepted.
    pub connections_limit: usize,
    /// libtorrent's `peer_connect_timeout` (default 15 s).
    pub peer_connect_timeout: Duration,
    /// libtorrent's `min_reconnect_time` (default 60 s): a peer we dialed is tried again after
    /// this times its fail count.
    pub min_reconnect_time: Duration,
    /// libtorrent's `max_failcount` (default 3): a peer that failed this many connections in a
    /// row is not tried again.
    pub max_failcount: u32,
    /// libtorrent's `handshake_timeout` (default 10 s): the MSE and BitTorrent handshakes must
    /// be done within it.
    pub handshake_timeout: Duration,
    /// libtorrent's `out_enc_policy` (default `Enabled`: MSE first, a plaintext retry if it
    /// fails).
    pub out_enc_policy: EncPolicy,
    /// libtorrent's `in_enc_policy` (default `Enabled`: plaintext and MSE accepted).
    pub in_enc_policy: EncPolicy,
    /// libtorrent's `allowed_enc_level` (default `Both`).
    pub allowed_enc_level: EncLevel,
    /// libtorrent's `prefer_rc4` (default `false`).
    pub prefer_rc4: bool,
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
    /// libtorrent's `unchoke_slots_limit` (default 8): peers we upload to at once, optimistic
    /// unchokes included; `usize::MAX` (libtorrent's -1) unchokes every interested peer.
    pub unchoke_slots_limit: usize,
    /// libtorrent's `num_optimistic_unchoke_slots` (default 0: a fifth of the slots, at least
    /// one).
    pub num_optimistic_unchoke_slots: usize,
    /// libtorrent's `unchoke_interval` (default 15 s): how often the regular slots are
    /// re-ranked.
    pub unchoke_interval: Duration,
    /// libtorrent's `optimistic_unchoke_interval` (default 30 s): how often the optimistic
    /// slots move on.
    pub optimistic_unchoke_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            peer_fingerprint: String::from_utf8_lossy(&lt_core::PeerId::CLIENT_PREFIX).into_owned(),
            alert_mask: AlertCategory::ERROR,
            alert_queue_size: lt_alerts::DEFAULT_ALERT_QUEUE_SIZE,
            listen_interfaces: "0.0.0.0:6881,[::]:6881".to_owned(),
            connections_limit: 200,
            peer_connect_timeout: Duration::from_secs(15),
            handshake_timeout: Duration::from_secs(10),
            min_reconnect_time: Duration::from_secs(60),
            max_failcount: 3,
            out_enc_policy: EncPolicy::Enabled,
            in_enc_policy: EncPolicy::Enabled,
            allowed_enc_level: EncLevel::Both,
            prefer_rc4: false,
            max_queued_disk_bytes: lt_storage::DEFAULT_MAX_QUEUED_BYTES,
            aio_threads: 0,
            max_out_request_queue: 500,
            request_queue_time: Duration::from_secs(3),
            unchoke_slots_limit: 8,
            num_optimistic_unchoke_slots: 0,
            unchoke_interval: Duration::from_secs(15),
            optimistic_unchoke_interval: Duration::from_secs(30),
        }
    }
}

impl Settings {
    /// libtorrent's `min_memory_usage()` preset, for the settings lt has: one disk thread, 100
    /// alerts, 300 requests out per peer, one byte of queued disk writes (each connection
    /// waits for its block to be written).
    #[must_use]
    pub fn min_memory_usage() -> Self {
        Self {
            aio_threads: 1,
            alert_queue_size: 100,
            max_out_request_queue: 300,
            max_queued_disk_bytes: 1,
            ..Self::default()
        }
    }

    /// libtorrent's `high_performance_seed()` preset, for the settings lt has: every
    /// interested peer unchoked, 8000 connections, 7 MiB of queued disk writes, 1500 requests
    /// out per peer, 10,000 alerts, 8 disk threads.
    #[must_use]
    pub fn high_performance_seed() -> Self {
        Self {
            unchoke_slots_limit: usize::MAX,
            connections_limit: 8000,
            max_queued_disk_bytes: 7 << 20,
            max_out_request_queue: 1500,
            alert_queue_size: 10_000,
            aio_threads: 8,
            ..Self::default()
        }
    }

    /// The four encryption settings, as lt-wire takes them.
    #[must_use]
    pub fn encryption(&self) -> EncryptionSettings {
        EncryptionSettings {
            out_enc_policy: self.out_enc_policy,
            in_enc_policy: self.in_enc_policy,
            allowed_enc_level: self.allowed_enc_level,
            prefer_rc4: self.prefer_rc4,
        }
    }
}
