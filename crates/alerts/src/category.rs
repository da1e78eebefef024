//! Alert categories: libtorrent's `alert_category` bit flags, and the alert mask built from them.

use std::{fmt, ops};

/// A set of alert categories: libtorrent's `alert_category_t`, with the same names and bits.
///
/// Each alert type belongs to zero or more categories ([`AlertType::category`]); the session posts
/// an alert only when its categories intersect the [`AlertMask`] (except the mandatory ones, see
/// [`AlertType::is_mandatory`]).
///
/// [`AlertType::category`]: crate::AlertType::category
/// [`AlertType::is_mandatory`]: crate::AlertType::is_mandatory
///
/// # Examples
/// ```
/// use lt_alerts::AlertCategory;
///
/// let mask = AlertCategory::ERROR | AlertCategory::STORAGE;
/// assert!(mask.contains(AlertCategory::ERROR));
/// assert!(!mask.intersects(AlertCategory::PEER));
/// assert_eq!(mask.bits(), 0b1001);
/// assert_eq!(format!("{mask:?}"), "AlertCategory(error | storage)");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AlertCategory(u32);

/// The categories a session posts: a set of [`AlertCategory`] bits (libtorrent's `alert_mask`
/// setting). libtorrent's default, and [`AlertCategory::default_mask`], is errors only.
pub type AlertMask = AlertCategory;

/// Category names and bits, in bit order; used by `Debug`.
const NAMES: [(&str, u32); 23] = [
    ("error", 0),
    ("peer", 1),
    ("port_mapping", 2),
    ("storage", 3),
    ("tracker", 4),
    ("connect", 5),
    ("status", 6),
    ("ip_block", 8),
    ("performance_warning", 9),
    ("dht", 10),
    ("stats", 11),
    ("session_log", 13),
    ("torrent_log", 14),
    ("peer_log", 15),
    ("incoming_request", 16),
    ("dht_log", 17),
    ("dht_operation", 18),
    ("port_mapping_log", 19),
    ("picker_log", 20),
    ("file_progress", 21),
    ("piece_progress", 22),
    ("upload", 23),
    ("block_progress", 24),
];

impl AlertCategory {
    /// No category at all (alerts like `session_stats`, which the mask never filters).
    pub const NONE: Self = Self(0);
    /// Tracker errors and warnings, file errors, resume failures, listen and port-mapping errors.
    pub const ERROR: Self = Self(1 << 0);
    /// Peers sending invalid requests, getting banned or snubbed.
    pub const PEER: Self = Self(1 << 1);
    /// NAT-PMP and UPnP events.
    pub const PORT_MAPPING: Self = Self(1 << 2);
    /// File errors and completion of move storage, rename and similar calls.
    pub const STORAGE: Self = Self(1 << 3);
    /// Tracker events: announce, reply, warning, error.
    pub const TRACKER: Self = Self(1 << 4);
    /// Low-level peer connects and disconnects.
    pub const CONNECT: Self = Self(1 << 5);
    /// Torrent or session state changes.
    pub const STATUS: Self = Self(1 << 6);
    /// A peer blocked by the IP or port filter.
    pub const IP_BLOCK: Self = Self(1 << 8);
    /// A limit that may cap throughput.
    pub const PERFORMANCE_WARNING: Self = Self(1 << 9);
    /// DHT node events.
    pub const DHT: Self = Self(1 << 10);
    /// A `stats` alert about once a second per active torrent.
    pub const STATS: Self = Self(1 << 11);
    /// Session debug log lines.
    pub const SESSION_LOG: Self = Self(1 << 13);
    /// Torrent debug log lines.
    pub const TORRENT_LOG: Self = Self(1 << 14);
    /// Peer debug log lines.
    pub const PEER_LOG: Self = Self(1 << 15);
    /// Accepted incoming block requests.
    pub const INCOMING_REQUEST: Self = Self(1 << 16);
    /// DHT debug log lines and raw DHT packets.
    pub const DHT_LOG: Self = Self(1 << 17);
    /// DHT operations not tied to a torrent.
    pub const DHT_OPERATION: Self = Self(1 << 18);
    /// NAT-PMP and UPnP debug log lines.
    pub const PORT_MAPPING_LOG: Self = Self(1 << 19);
    /// Piece picker debug log lines.
    pub const PICKER_LOG: Self = Self(1 << 20);
    /// File completion.
    pub const FILE_PROGRESS: Self = Self(1 << 21);
    /// Piece completion or hash failure.
    pub const PIECE_PROGRESS: Self = Self(1 << 22);
    /// Blocks uploaded.
    pub const UPLOAD: Self = Self(1 << 23);
    /// Per-block request events (high rate).
    pub const BLOCK_PROGRESS: Self = Self(1 << 24);
    /// Every category; kept non-negative as a 32-bit signed integer, as libtorrent does for
    /// bindings.
    pub const ALL: Self = Self(0x7fff_ffff);

    /// libtorrent's default `alert_mask`: errors only.
    #[must_use]
    pub const fn default_mask() -> Self {
        Self::ERROR
    }

    /// The set with exactly these bits.
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw bits.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether no bit is set.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every bit of `other` is set in `self`.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a bit.
    #[must_use]
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// The bits of both sets (`|`, usable in `const`).
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The bits of `self` not in `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl ops::BitOr for AlertCategory {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        self.union(other)
    }
}

impl ops::BitOrAssign for AlertCategory {
    fn bitor_assign(&mut self, other: Self) {
        *self = self.union(other);
    }
}

impl ops::BitAnd for AlertCategory {
    type Output = Self;
    fn bitand(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
}

impl ops::BitAndAssign for AlertCategory {
    fn bitand_assign(&mut self, other: Self) {
        self.0 &= other.0;
    }
}

impl ops::Sub for AlertCategory {
    type Output = Self;
    fn sub(self, other: Self) -> Self {
        self.difference(other)
    }
}

/// Lists the category names, e.g. `AlertCategory(error | storage)`; `all` for [`Self::ALL`].
impl fmt::Debug for AlertCategory {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ALL {
            return formatter.write_str("AlertCategory(all)");
        }
        formatter.write_str("AlertCategory(")?;
        let mut first = true;
        let mut rest = self.0;
        for (name, bit) in NAMES {
            if self.0 & (1 << bit) != 0 {
                if !first {
                    formatter.write_str(" | ")?;
                }
                formatter.write_str(name)?;
                first = false;
                rest &= !(1 << bit);
            }
        }
        if rest != 0 {
            if !first {
                formatter.write_str(" | ")?;
            }
            write!(formatter, "{rest:#x}")?;
        }
        formatter.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_match_libtorrent() {
        assert_eq!(AlertCategory::ERROR.bits(), 1);
        assert_eq!(AlertCategory::STATUS.bits(), 1 << 6);
        assert_eq!(AlertCategory::IP_BLOCK.bits(), 1 << 8);
        assert_eq!(AlertCategory::STATS.bits(), 1 << 11);
        assert_eq!(AlertCategory::SESSION_LOG.bits(), 1 << 13);
        assert_eq!(AlertCategory::BLOCK_PROGRESS.bits(), 1 << 24);
        assert!(i32::try_from(AlertCategory::ALL.bits()).is_ok());
        for (_, bit) in NAMES {
            assert!(AlertCategory::ALL.contains(AlertCategory::from_bits(1 << bit)));
        }
    }

    #[test]
    fn set_operations() {
        let mut mask = AlertCategory::NONE;
        assert!(mask.is_empty());
        mask |= AlertCategory::PEER | AlertCategory::TRACKER;
        assert!(mask.contains(AlertCategory::PEER));
        assert!(!mask.contains(AlertCategory::PEER | AlertCategory::ERROR));
        assert!(mask.intersects(AlertCategory::PEER | AlertCategory::ERROR));
        assert_eq!(mask - AlertCategory::PEER, AlertCategory::TRACKER);
        mask &= AlertCategory::TRACKER;
        assert_eq!(mask, AlertCategory::TRACKER);
        assert_eq!(AlertCategory::default_mask(), AlertCategory::ERROR);
    }

    #[test]
    fn debug_names() {
        assert_eq!(format!("{:?}", AlertCategory::NONE), "AlertCategory()");
        assert_eq!(format!("{:?}", AlertCategory::ALL), "AlertCategory(all)");
        assert_eq!(
            format!("{:?}", AlertCategory::from_bits(1 << 22 | 1 << 30)),
            "AlertCategory(piece_progress | 0x40000000)"
        );
    }
}
