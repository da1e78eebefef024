//! `TorrentFlags`: libtorrent's `torrent_flags_t`, the per-torrent switches of
//! [`AddTorrentParams`](crate::AddTorrentParams).

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not, Sub};

/// A set of libtorrent's `torrent_flags`, with libtorrent's bit values (RC_2_1).
///
/// Start from [`TorrentFlags::DEFAULT`] (what [`AddTorrentParams::default`] holds) and add or
/// remove flags with `|`, `-` (or `& !`), [`insert`](Self::insert) and [`remove`](Self::remove).
/// Bits without a name here (libtorrent's deprecated flags) are kept as they are.
///
/// [`AddTorrentParams::default`]: crate::AddTorrentParams
///
/// # Examples
/// ```
/// use lt_metainfo::TorrentFlags;
///
/// let mut flags = TorrentFlags::DEFAULT - TorrentFlags::PAUSED;
/// flags |= TorrentFlags::SEQUENTIAL_DOWNLOAD;
/// assert!(flags.contains(TorrentFlags::AUTO_MANAGED | TorrentFlags::SEQUENTIAL_DOWNLOAD));
/// assert!(!flags.contains(TorrentFlags::PAUSED));
/// assert_eq!(format!("{:?}", TorrentFlags::PAUSED | TorrentFlags::SEED_MODE), "TorrentFlags(seed_mode | paused)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TorrentFlags(u64);

impl TorrentFlags {
    /// Assume every piece is on disk and check pieces lazily, when first requested
    /// (`seed_mode`). Only takes effect when the torrent is added.
    pub const SEED_MODE: Self = Self(1 << 0);
    /// Request no pieces; only serve what we have (`upload_mode`). Entered on disk errors.
    pub const UPLOAD_MODE: Self = Self(1 << 1);
    /// Download no more than is uploaded (`share_mode`).
    pub const SHARE_MODE: Self = Self(1 << 2);
    /// The session's IP filter applies to this torrent (`apply_ip_filter`; on by default).
    pub const APPLY_IP_FILTER: Self = Self(1 << 3);
    /// No tracker, DHT or peer activity (`paused`; on by default).
    pub const PAUSED: Self = Self(1 << 4);
    /// The queueing logic starts, stops and seeds the torrent (`auto_managed`; on by default).
    pub const AUTO_MANAGED: Self = Self(1 << 5);
    /// Adding a torrent that is already in the session is an error (`duplicate_is_error`).
    /// Not saved in resume data.
    pub const DUPLICATE_IS_ERROR: Self = Self(1 << 6);
    /// Include the torrent in status update posts (`update_subscribe`; on by default). Not
    /// saved in resume data.
    pub const UPDATE_SUBSCRIBE: Self = Self(1 << 7);
    /// Initial seeding (BEP 16) while the torrent is a seed (`super_seeding`).
    pub const SUPER_SEEDING: Self = Self(1 << 8);
    /// Pick pieces in index order (`sequential_download`).
    pub const SEQUENTIAL_DOWNLOAD: Self = Self(1 << 9);
    /// Stop the torrent once it is ready to transfer, after checking (`stop_when_ready`).
    pub const STOP_WHEN_READY: Self = Self(1 << 10);
    /// The trackers of the params replace the torrent's own (`override_trackers`). Set by
    /// [`read_resume_data`](crate::read_resume_data) when the resume data lists trackers; not
    /// saved.
    pub const OVERRIDE_TRACKERS: Self = Self(1 << 11);
    /// The web seeds of the params replace the torrent's own (`override_web_seeds`). Set by
    /// [`read_resume_data`](crate::read_resume_data) when the resume data lists web seeds; not
    /// saved.
    pub const OVERRIDE_WEB_SEEDS: Self = Self(1 << 12);
    /// The torrent has changed since its resume data was last saved (`need_save_resume`; on by
    /// default, cleared by [`read_resume_data`](crate::read_resume_data)). Not saved.
    pub const NEED_SAVE_RESUME: Self = Self(1 << 13);
    /// Neither announce to nor get peers from the DHT (`disable_dht`).
    pub const DISABLE_DHT: Self = Self(1 << 19);
    /// No local service discovery for this torrent (`disable_lsd`).
    pub const DISABLE_LSD: Self = Self(1 << 20);
    /// No peer exchange for this torrent (`disable_pex`).
    pub const DISABLE_PEX: Self = Self(1 << 21);
    /// Trust the resume data without checking the files on disk (`no_verify_files`). Not saved.
    pub const NO_VERIFY_FILES: Self = Self(1 << 22);
    /// Files not covered by `file_priorities` get priority 0 (`default_dont_download`). Not
    /// saved.
    pub const DEFAULT_DONT_DOWNLOAD: Self = Self(1 << 23);
    /// An I2P torrent (`i2p_torrent`): set when a tracker is on `.i2p`.
    pub const I2P_TORRENT: Self = Self(1 << 24);
    /// Do not compute v1 (SHA-1) piece hashes of a hybrid torrent (`disable_v1_hashes`).
    pub const DISABLE_V1_HASHES: Self = Self(1 << 25);

    /// Every flag named here.
    pub const ALL: Self = Self(
        Self::SEED_MODE.0
            | Self::UPLOAD_MODE.0
            | Self::SHARE_MODE.0
            | Self::APPLY_IP_FILTER.0
            | Self::PAUSED.0
            | Self::AUTO_MANAGED.0
            | Self::DUPLICATE_IS_ERROR.0
            | Self::UPDATE_SUBSCRIBE.0
            | Self::SUPER_SEEDING.0
            | Self::SEQUENTIAL_DOWNLOAD.0
            | Self::STOP_WHEN_READY.0
            | Self::OVERRIDE_TRACKERS.0
            | Self::OVERRIDE_WEB_SEEDS.0
            | Self::NEED_SAVE_RESUME.0
            | Self::DISABLE_DHT.0
            | Self::DISABLE_LSD.0
            | Self::DISABLE_PEX.0
            | Self::NO_VERIFY_FILES.0
            | Self::DEFAULT_DONT_DOWNLOAD.0
            | Self::I2P_TORRENT.0
            | Self::DISABLE_V1_HASHES.0,
    );

    /// libtorrent's `default_flags`: update_subscribe, auto_managed, paused, apply_ip_filter
    /// and need_save_resume.
    pub const DEFAULT: Self = Self(
        Self::UPDATE_SUBSCRIBE.0
            | Self::AUTO_MANAGED.0
            | Self::PAUSED.0
            | Self::APPLY_IP_FILTER.0
            | Self::NEED_SAVE_RESUME.0,
    );

    /// Every flag resume data saves, with its key (libtorrent's `write_resume_data`).
    pub(crate) const RESUME_KEYS: [(&'static str, Self); 14] = [
        ("seed_mode", Self::SEED_MODE),
        ("upload_mode", Self::UPLOAD_MODE),
        ("share_mode", Self::SHARE_MODE),
        ("apply_ip_filter", Self::APPLY_IP_FILTER),
        ("paused", Self::PAUSED),
        ("auto_managed", Self::AUTO_MANAGED),
        ("super_seeding", Self::SUPER_SEEDING),
        ("i2p", Self::I2P_TORRENT),
        ("sequential_download", Self::SEQUENTIAL_DOWNLOAD),
        ("stop_when_ready", Self::STOP_WHEN_READY),
        ("disable_dht", Self::DISABLE_DHT),
        ("disable_lsd", Self::DISABLE_LSD),
        ("disable_pex", Self::DISABLE_PEX),
        ("disable_v1_hashes", Self::DISABLE_V1_HASHES),
    ];

    const NAMES: [(&'static str, Self); 21] = [
        ("seed_mode", Self::SEED_MODE),
        ("upload_mode", Self::UPLOAD_MODE),
        ("share_mode", Self::SHARE_MODE),
        ("apply_ip_filter", Self::APPLY_IP_FILTER),
        ("paused", Self::PAUSED),
        ("auto_managed", Self::AUTO_MANAGED),
        ("duplicate_is_error", Self::DUPLICATE_IS_ERROR),
        ("update_subscribe", Self::UPDATE_SUBSCRIBE),
        ("super_seeding", Self::SUPER_SEEDING),
        ("sequential_download", Self::SEQUENTIAL_DOWNLOAD),
        ("stop_when_ready", Self::STOP_WHEN_READY),
        ("override_trackers", Self::OVERRIDE_TRACKERS),
        ("override_web_seeds", Self::OVERRIDE_WEB_SEEDS),
        ("need_save_resume", Self::NEED_SAVE_RESUME),
        ("disable_dht", Self::DISABLE_DHT),
        ("disable_lsd", Self::DISABLE_LSD),
        ("disable_pex", Self::DISABLE_PEX),
        ("no_verify_files", Self::NO_VERIFY_FILES),
        ("default_dont_download", Self::DEFAULT_DONT_DOWNLOAD),
        ("i2p_torrent", Self::I2P_TORRENT),
        ("disable_v1_hashes", Self::DISABLE_V1_HASHES),
    ];

    /// No flags.
    #[must_use]
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The flags with these libtorrent bit values (unnamed bits are kept).
    #[must_use]
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The libtorrent bit values.
    #[must_use]
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether every flag of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether some flag of `other` is set.
    #[must_use]
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no flag is set.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: Self) {
        self.0 |= other.0;
    }

    /// Clears the flags of `other`.
    pub fn remove(&mut self, other: Self) {
        self.0 &= !other.0;
    }

    /// Sets (`on`) or clears the flags of `other`.
    pub fn set(&mut self, other: Self, on: bool) {
        if on {
            self.insert(other);
        } else {
            self.remove(other);
        }
    }
}

impl Default for TorrentFlags {
    /// [`TorrentFlags::DEFAULT`], as libtorrent's `add_torrent_params` starts.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl BitOr for TorrentFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for TorrentFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for TorrentFlags {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl BitAndAssign for TorrentFlags {
    fn bitand_assign(&mut self, rhs: Self) {
        self.0 &= rhs.0;
    }
}

impl Not for TorrentFlags {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0)
    }
}

impl Sub for TorrentFlags {
    type Output = Self;
    /// The flags of `self` that are not in `rhs`.
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 & !rhs.0)
    }
}

impl fmt::Debug for TorrentFlags {
    /// libtorrent's flag names joined by ` | `, then any unnamed bits in hex.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("TorrentFlags(")?;
        let mut first = true;
        let mut separator = |formatter: &mut fmt::Formatter<'_>| {
            let text = if first { "" } else { " | " };
            first = false;
            formatter.write_str(text)
        };
        for (name, flag) in Self::NAMES {
            if self.contains(flag) {
                separator(formatter)?;
                formatter.write_str(name)?;
            }
        }
        let unnamed = self.0 & !Self::ALL.0;
        if unnamed != 0 {
            separator(formatter)?;
            write!(formatter, "{unnamed:#x}")?;
        }
        formatter.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::TorrentFlags;

    #[test]
    fn default_flags_have_libtorrents_value() {
        // libtorrent's default_flags without its deprecated (ABI v1) bits 14, 16 and 18.
        assert_eq!(
            TorrentFlags::DEFAULT.bits(),
            352_440 - (1 << 14) - (1 << 16) - (1 << 18)
        );
        assert_eq!(format!("{:?}", TorrentFlags::empty()), "TorrentFlags()");
        assert_eq!(
            format!("{:?}", TorrentFlags::from_bits(1 << 14 | 1)),
            "TorrentFlags(seed_mode | 0x4000)"
        );
    }
}
