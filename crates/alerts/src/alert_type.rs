//! The alert type table: one row per alert type with libtorrent's id, name, category and priority.

use std::fmt;

use crate::AlertCategory;

/// How hard the queue tries to deliver an alert once it is full (libtorrent's `alert_priority`).
///
/// [`AlertQueue`](crate::AlertQueue) accepts an alert while it holds fewer than `limit` alerts:
/// `alert_queue_size` for [`Normal`](Self::Normal), 1.5 × that for [`High`](Self::High) and 2 ×
/// (the hard cap) for [`Critical`](Self::Critical). [`Meta`](Self::Meta) is `alerts_dropped`,
/// which the queue makes itself on [`pop_alerts`](crate::AlertQueue::pop_alerts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertPriority {
    /// Dropped first when the queue is full.
    Normal,
    /// Kept up to 1.5 × `alert_queue_size`.
    High,
    /// Kept up to 2 × `alert_queue_size`.
    Critical,
    /// `alerts_dropped`: never dropped.
    Meta,
}

/// Defines [`AlertType`] and its table from one list of rows.
macro_rules! alert_types {
    ($($(#[$doc:meta])* $variant:ident = $id:literal, $what:literal, $priority:ident, [$($category:ident),*];)*) => {
        /// The type of an alert, without its payload: libtorrent's `alert_type` ids and `what()`
        /// names. [`AlertTypeSet`] holds a set of them (the dropped types of `alerts_dropped`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum AlertType {
            $($(#[$doc])* $variant = $id,)*
        }

        impl AlertType {
            /// Every alert type, in id order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// libtorrent's numeric id (`T::alert_type`), below [`AlertTypeSet::CAPACITY`].
            #[must_use]
            pub const fn id(self) -> u8 {
                self as u8
            }

            /// The type with this libtorrent id, if lt has it.
            #[must_use]
            pub fn from_id(id: u8) -> Option<Self> {
                match id {
                    $($id => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// libtorrent's name without the `_alert` suffix, e.g. `"torrent_finished"`.
            #[must_use]
            pub const fn what(self) -> &'static str {
                match self {
                    $(Self::$variant => $what,)*
                }
            }

            /// The categories of this type (`T::static_category`); empty for types that are
            /// always posted.
            #[must_use]
            pub const fn category(self) -> AlertCategory {
                match self {
                    $(Self::$variant => AlertCategory::NONE$(.union(AlertCategory::$category))*,)*
                }
            }

            /// How hard the queue tries to keep alerts of this type when full.
            #[must_use]
            pub const fn priority(self) -> AlertPriority {
                match self {
                    $(Self::$variant => AlertPriority::$priority,)*
                }
            }
        }
    };
}

alert_types! {
    /// Deprecated in libtorrent in favour of `add_torrent`; a torrent joined the session.
    TorrentAdded = 3, "torrent_added", Normal, [STATUS];
    /// A torrent was removed from the session.
    TorrentRemoved = 4, "torrent_removed", Critical, [STATUS];
    /// A file is complete: every piece overlapping it passed its hash check.
    FileCompleted = 6, "file_completed", Normal, [FILE_PROGRESS];
    /// `rename_file` succeeded.
    FileRenamed = 7, "file_renamed", Critical, [STORAGE];
    /// `rename_file` failed.
    FileRenameFailed = 8, "file_rename_failed", Critical, [STORAGE];
    /// A torrent changed state.
    StateChanged = 10, "state_changed", High, [STATUS];
    /// An announce failed.
    TrackerError = 11, "tracker_error", High, [TRACKER, ERROR];
    /// A tracker reply carried a warning message.
    TrackerWarning = 12, "tracker_warning", Normal, [TRACKER, ERROR];
    /// An announce succeeded.
    TrackerReply = 15, "tracker_reply", Normal, [TRACKER];
    /// An announce was sent.
    TrackerAnnounce = 17, "tracker_announce", Normal, [TRACKER];
    /// A downloaded piece failed its hash check.
    HashFailed = 18, "hash_failed", Normal, [STATUS];
    /// A peer was banned for sending corrupt data.
    PeerBan = 19, "peer_ban", Normal, [PEER];
    /// A peer sent invalid data and will be disconnected.
    PeerError = 22, "peer_error", Normal, [PEER];
    /// A peer connection was established.
    PeerConnect = 23, "peer_connect", Normal, [CONNECT];
    /// A peer connection closed, for any reason.
    PeerDisconnected = 24, "peer_disconnected", Normal, [CONNECT];
    /// A torrent became a seed.
    TorrentFinished = 26, "torrent_finished", High, [STATUS];
    /// A piece was downloaded and passed its hash check.
    PieceFinished = 27, "piece_finished", Normal, [PIECE_PROGRESS];
    /// `move_storage` succeeded.
    StorageMoved = 33, "storage_moved", Critical, [STORAGE];
    /// `move_storage` failed.
    StorageMovedFailed = 34, "storage_moved_failed", Critical, [STORAGE];
    /// A removed torrent's files were deleted.
    TorrentDeleted = 35, "torrent_deleted", Critical, [STORAGE];
    /// Deleting a removed torrent's files failed.
    TorrentDeleteFailed = 36, "torrent_delete_failed", Critical, [STORAGE, ERROR];
    /// Resume data is ready (mandatory: ignores the mask).
    SaveResumeData = 37, "save_resume_data", Critical, [STORAGE];
    /// Resume data could not be produced (mandatory: ignores the mask).
    SaveResumeDataFailed = 38, "save_resume_data_failed", Critical, [STORAGE, ERROR];
    /// A torrent finished pausing.
    TorrentPaused = 39, "torrent_paused", High, [STATUS];
    /// A torrent went from paused to active.
    TorrentResumed = 40, "torrent_resumed", High, [STATUS];
    /// A torrent left the checking state.
    TorrentChecked = 41, "torrent_checked", High, [STATUS];
    /// A file read or write failed and the torrent was paused. Critical in lt (high in
    /// libtorrent): losing it would leave a paused torrent with no explanation.
    FileError = 43, "file_error", Critical, [STATUS, ERROR, STORAGE];
    /// Metadata from a peer did not match the info-hash.
    MetadataFailed = 44, "metadata_failed", Normal, [ERROR];
    /// A torrent added without metadata received it.
    MetadataReceived = 45, "metadata_received", Normal, [STATUS];
    /// A listen socket could not be opened.
    ListenFailed = 48, "listen_failed", Critical, [STATUS, ERROR];
    /// A listen socket was opened.
    ListenSucceeded = 49, "listen_succeeded", Critical, [STATUS];
    /// Resume data did not match the files on disk.
    FastresumeRejected = 53, "fastresume_rejected", Critical, [STATUS, ERROR];
    /// Per-torrent transfer statistics, about once a second.
    Stats = 57, "stats", Normal, [STATS];
    /// `flush_cache` finished.
    CacheFlushed = 58, "cache_flushed", High, [STORAGE];
    /// A torrent entered the error state.
    TorrentError = 64, "torrent_error", High, [ERROR, STATUS];
    /// The result of adding a torrent, successful or not.
    AddTorrent = 67, "add_torrent", Critical, [STATUS];
    /// A snapshot of the session counters (no category: always posted).
    SessionStats = 70, "session_stats", Critical, [];
    /// Alerts were dropped because the queue was full.
    AlertsDropped = 95, "alerts_dropped", Meta, [ERROR];
}

impl AlertType {
    /// Whether alerts of this type are posted whatever the mask: `save_resume_data`,
    /// `save_resume_data_failed` (libtorrent's mandatory alerts), `alerts_dropped`, and the types
    /// with no category (`session_stats`, a response to an explicit call).
    #[must_use]
    pub const fn is_mandatory(self) -> bool {
        matches!(
            self,
            Self::SaveResumeData | Self::SaveResumeDataFailed | Self::AlertsDropped
        ) || self.category().is_empty()
    }
}

impl fmt::Display for AlertType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.what())
    }
}

/// A set of [`AlertType`]s, one bit per libtorrent id: the `dropped_alerts` bitset of
/// `alerts_dropped`.
///
/// # Examples
/// ```
/// use lt_alerts::{AlertType, AlertTypeSet};
///
/// let mut dropped = AlertTypeSet::new();
/// dropped.insert(AlertType::PieceFinished);
/// dropped.insert(AlertType::Stats);
/// assert!(dropped.contains(AlertType::Stats));
/// assert_eq!(dropped.iter().collect::<Vec<_>>(), [AlertType::PieceFinished, AlertType::Stats]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AlertTypeSet(u128);

impl AlertTypeSet {
    /// One more than the highest id a set can hold (libtorrent's `num_alert_types` is 105).
    pub const CAPACITY: usize = 128;

    /// The empty set.
    #[must_use]
    pub const fn new() -> Self {
        Self(0)
    }

    /// Adds `alert_type`; returns whether it was new.
    pub fn insert(&mut self, alert_type: AlertType) -> bool {
        let bit = 1u128 << alert_type.id();
        let is_new = self.0 & bit == 0;
        self.0 |= bit;
        is_new
    }

    /// Whether `alert_type` is in the set.
    #[must_use]
    pub const fn contains(self, alert_type: AlertType) -> bool {
        self.0 & (1u128 << alert_type.id()) != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of types in the set.
    #[must_use]
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The types in the set, in id order.
    pub fn iter(self) -> impl Iterator<Item = AlertType> {
        AlertType::ALL
            .iter()
            .copied()
            .filter(move |alert_type| self.contains(*alert_type))
    }
}

impl FromIterator<AlertType> for AlertTypeSet {
    fn from_iter<I: IntoIterator<Item = AlertType>>(types: I) -> Self {
        let mut set = Self::new();
        for alert_type in types {
            set.insert(alert_type);
        }
        set
    }
}

/// The type names, e.g. `{piece_finished, stats}`.
impl fmt::Debug for AlertTypeSet {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_set()
            .entries(self.iter().map(AlertType::what))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_sorted() {
        for pair in AlertType::ALL.windows(2) {
            assert!(pair[0].id() < pair[1].id());
        }
        for &alert_type in AlertType::ALL {
            assert_eq!(AlertType::from_id(alert_type.id()), Some(alert_type));
            assert!(usize::from(alert_type.id()) < AlertTypeSet::CAPACITY);
            assert!(!alert_type.what().ends_with("_alert"));
        }
        assert_eq!(AlertType::from_id(63), None);
    }

    #[test]
    fn libtorrent_table_rows() {
        assert_eq!(AlertType::TorrentFinished.id(), 26);
        assert_eq!(AlertType::AlertsDropped.id(), 95);
        assert_eq!(
            AlertType::TrackerError.category(),
            AlertCategory::TRACKER | AlertCategory::ERROR
        );
        assert_eq!(AlertType::SessionStats.category(), AlertCategory::NONE);
        assert_eq!(AlertType::AddTorrent.priority(), AlertPriority::Critical);
        assert_eq!(AlertType::PieceFinished.priority(), AlertPriority::Normal);
        assert!(AlertType::SaveResumeData.is_mandatory());
        assert!(AlertType::SessionStats.is_mandatory());
        assert!(!AlertType::FileError.is_mandatory());
    }

    #[test]
    fn type_set() {
        let mut set = AlertTypeSet::new();
        assert!(set.is_empty());
        assert!(set.insert(AlertType::AlertsDropped));
        assert!(!set.insert(AlertType::AlertsDropped));
        set.insert(AlertType::TorrentAdded);
        assert_eq!(set.len(), 2);
        assert_eq!(format!("{set:?}"), r#"{"torrent_added", "alerts_dropped"}"#);
        let collected: AlertTypeSet = set.iter().collect();
        assert_eq!(collected, set);
    }
}
