//! A BitTorrent session in libtorrent's shape: [`Session::new`] from [`SessionParams`],
//! [`Session::add_torrent`] with an [`AddTorrentParams`] giving a [`TorrentHandle`], and the
//! handle's [`status`](TorrentHandle::status), [`connect_peer`](TorrentHandle::connect_peer)
//! and [`wait_finished`](TorrentHandle::wait_finished).
//!
//! Inside, each torrent is one tokio task that owns its picker, its storage (through
//! [`lt_storage::DiskIo`]) and the command channels of its peers; each peer connection is a
//! task running lt-wire's driver over a `TcpStream` and talking to its torrent over channels.
//! No lock is held across an `.await`.
//!
//! This first increment downloads over outgoing TCP connections to peers given by address and
//! serves what it has to those peers; trackers, incoming connections, the choker, resume data
//! and alerts are still to come (see docs/session.md).
//!
//! # Examples
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use lt_session::{AddTorrentParams, Session, SessionParams};
//!
//! let session = Session::new(SessionParams::default())?;
//! let params = AddTorrentParams {
//!     ti: Some(Arc::new(lt_metainfo::TorrentInfo::from_file("a.torrent")?)),
//!     save_path: "downloads".into(),
//!     peers: vec!["127.0.0.1:6881".parse()?],
//!     ..AddTorrentParams::default()
//! };
//! let handle = session.add_torrent(params)?;
//! handle.wait_finished().await?;
//! println!("{:?}", handle.status());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

// Module list: one line per module; keep sorted.
mod choker;
mod error;
mod handle;
mod listener;
mod peer_info;
mod random;
mod registry;
mod session;
mod session_stats;
mod settings;
mod settings_by_name;
mod status;
mod stream;
mod torrent;

pub use crate::error::SessionError;
pub use crate::handle::TorrentHandle;
pub use crate::peer_info::PeerInfo;
pub use crate::session::{Session, SessionParams};
pub use crate::session_stats::{find_metric_idx, session_stats_metrics, MetricType, StatsMetric};
pub use crate::settings::Settings;
pub use crate::status::{TorrentState, TorrentStatus};
pub use lt_alerts::{self, Alert, AlertCategory, AlertKind, AlertQueue};
pub use lt_metainfo::AddTorrentParams;
pub use lt_wire::mse::{EncLevel, EncPolicy};
