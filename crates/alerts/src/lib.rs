//! Alerts: how an lt session tells the application what happened, modelled on libtorrent's
//! alert framework.
//!
//! - [`Alert`]: a timestamp and an [`AlertKind`], the `#[non_exhaustive]` payload enum with one
//!   variant per libtorrent `*_alert` lt posts. Each alert has [`Alert::what`] (libtorrent's name
//!   without `_alert`), [`Alert::category`] and a human [`Alert::message`] (also `Display`).
//! - [`AlertType`]: the payload-free type, with libtorrent's ids, categories and
//!   [`AlertPriority`]; [`AlertTypeSet`] is a set of them.
//! - [`AlertCategory`] and [`AlertMask`]: libtorrent's `alert_category` bit flags.
//! - [`AlertQueue`]: the bounded, mask-filtered queue the session posts into, with
//!   [`AlertQueue::pop_alerts`], [`AlertQueue::wait_for_alert`], the [`AlertQueue::notified`]
//!   future and a notify callback.
//! - Payload types: [`TorrentRef`] and [`TorrentId`] name torrents, [`AlertError`] carries errors
//!   as a code name and a message, and [`Operation`], [`TorrentState`], [`AnnounceEvent`],
//!   [`PeerDirection`], [`TransferStats`].
//!
//! It depends only on lt-core, so payloads name no session, storage or tracker type; the layers
//! above convert their errors and states into these. It leaves out user-defined alerts, the DHT,
//! port-mapping, log and block-level alert types, and alerts for calls lt does not have yet.
//!
//! # Examples
//! ```
//! use std::time::Duration;
//! use lt_alerts::{Alert, AlertCategory, AlertKind, AlertQueue, TorrentId, TorrentRef};
//! use lt_core::InfoHash;
//!
//! let queue = AlertQueue::new(2000, AlertCategory::STATUS | AlertCategory::ERROR);
//! let session_side = queue.clone();
//! std::thread::spawn(move || {
//!     let torrent = TorrentRef::new(TorrentId(1), InfoHash::default(), "debian.iso");
//!     session_side.post(Alert::new(AlertKind::TorrentFinished { torrent }));
//! });
//! assert!(queue.wait_for_alert(Duration::from_secs(10)));
//! for alert in queue.pop_alerts() {
//!     println!("{}: {}", alert.what(), alert.message()); // torrent_finished: debian.iso: …
//! }
//! ```
#![forbid(unsafe_code)]

mod alert;
mod alert_type;
mod category;
mod message;
mod payload;
mod queue;
#[cfg(test)]
mod testing;

pub use crate::{
    alert::{Alert, AlertKind},
    alert_type::{AlertPriority, AlertType, AlertTypeSet},
    category::{AlertCategory, AlertMask},
    payload::{
        AlertError, AnnounceEvent, Operation, PeerDirection, TorrentId, TorrentRef, TorrentState,
        TransferStats,
    },
    queue::{AlertQueue, Notified, DEFAULT_ALERT_QUEUE_SIZE},
};
