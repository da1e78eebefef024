//! [`InfoHash`]: the v1 and/or v2 hash that names a torrent, like libtorrent's `info_hash_t`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::{Sha1Hash, Sha256Hash};

/// The info-hash of a torrent: SHA-1 of the info dict for v1 torrents, SHA-256 for v2 torrents
/// (BEP 52), both for hybrid torrents.
///
/// Where the protocol has room for only 20 bytes (the peer handshake, trackers, the DHT), a v2
/// hash is truncated to its first 20 bytes; [`get_best`](Self::get_best) and
/// [`wire_hashes`](Self::wire_hashes) give those forms.
///
/// The fields are public, as in libtorrent's `info_hash_t`. The [`Default`] value has neither
/// hash and stands for "not known yet"; the constructors always set at least one.
///
/// `Display` writes the present hashes in hex, v1 first, inside brackets: `[<v1>]`, `[<v2>]`,
/// `[<v1>,<v2>]`, or `[]` for the empty value. With serde it is a map with the keys `v1` and
/// `v2`, each left out when absent.
///
/// # Examples
/// ```
/// use lt_core::{InfoHash, Sha1Hash, Sha256Hash};
///
/// let v1: Sha1Hash = "c9e15763f722f23e98a29decdfae341b98d53056".parse()?;
/// let v2 = Sha256Hash::digest(b"info");
/// let hybrid = InfoHash::hybrid(v1, v2);
/// assert!(hybrid.is_hybrid());
/// assert_eq!(hybrid.get_best(), v1);
/// assert_eq!(hybrid.wire_hashes().collect::<Vec<_>>(), [v1, v2.truncated()]);
/// assert_eq!(InfoHash::v2(v2).get_best(), v2.truncated());
/// # Ok::<(), lt_core::HexError>(())
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct InfoHash {
    /// SHA-1 of the bencoded info dict (v1 and hybrid torrents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v1: Option<Sha1Hash>,
    /// SHA-256 of the bencoded info dict (v2 and hybrid torrents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2: Option<Sha256Hash>,
}

impl InfoHash {
    /// The info-hash of a v1-only torrent.
    #[must_use]
    pub const fn v1(hash: Sha1Hash) -> Self {
        Self {
            v1: Some(hash),
            v2: None,
        }
    }

    /// The info-hash of a v2-only torrent.
    #[must_use]
    pub const fn v2(hash: Sha256Hash) -> Self {
        Self {
            v1: None,
            v2: Some(hash),
        }
    }

    /// The info-hash of a hybrid torrent, which has both.
    #[must_use]
    pub const fn hybrid(v1: Sha1Hash, v2: Sha256Hash) -> Self {
        Self {
            v1: Some(v1),
            v2: Some(v2),
        }
    }

    /// Whether a v1 hash is present.
    #[must_use]
    pub const fn has_v1(&self) -> bool {
        self.v1.is_some()
    }

    /// Whether a v2 hash is present.
    #[must_use]
    pub const fn has_v2(&self) -> bool {
        self.v2.is_some()
    }

    /// Whether both hashes are present.
    #[must_use]
    pub const fn is_hybrid(&self) -> bool {
        self.has_v1() && self.has_v2()
    }

    /// Whether neither hash is present (the [`Default`] value).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        !self.has_v1() && !self.has_v2()
    }

    /// The 20-byte hash to use on the wire and in the DHT: the v1 hash if present, else the v2
    /// hash truncated to 20 bytes.
    ///
    /// An empty `InfoHash` gives the all-zero hash, as libtorrent's `get_best` does; check
    /// [`is_empty`](Self::is_empty) first where that can happen.
    #[must_use]
    pub fn get_best(&self) -> Sha1Hash {
        self.wire_hashes().next().unwrap_or_default()
    }

    /// Every 20-byte form a peer or tracker may know this torrent by, best first: the v1 hash,
    /// then the truncated v2 hash.
    pub fn wire_hashes(&self) -> impl Iterator<Item = Sha1Hash> {
        self.v1
            .into_iter()
            .chain(self.v2.map(|hash| hash.truncated()))
    }

    /// Whether `hash`, as received in a handshake or announce, names this torrent: it equals the
    /// v1 hash or the truncated v2 hash.
    #[must_use]
    pub fn matches_wire_hash(&self, hash: &Sha1Hash) -> bool {
        self.wire_hashes().any(|candidate| candidate == *hash)
    }
}

impl From<Sha1Hash> for InfoHash {
    fn from(hash: Sha1Hash) -> Self {
        Self::v1(hash)
    }
}

impl From<Sha256Hash> for InfoHash {
    fn from(hash: Sha256Hash) -> Self {
        Self::v2(hash)
    }
}

impl fmt::Display for InfoHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.v1, self.v2) {
            (Some(v1), Some(v2)) => write!(formatter, "[{v1},{v2}]"),
            (Some(v1), None) => write!(formatter, "[{v1}]"),
            (None, Some(v2)) => write!(formatter, "[{v2}]"),
            (None, None) => formatter.write_str("[]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_hash() -> Sha1Hash {
        Sha1Hash::digest(b"v1")
    }

    fn v2_hash() -> Sha256Hash {
        Sha256Hash::digest(b"v2")
    }

    #[test]
    fn predicates_follow_the_constructors() {
        let v1 = InfoHash::v1(v1_hash());
        let v2 = InfoHash::v2(v2_hash());
        let hybrid = InfoHash::hybrid(v1_hash(), v2_hash());
        assert!(v1.has_v1() && !v1.has_v2() && !v1.is_hybrid());
        assert!(!v2.has_v1() && v2.has_v2() && !v2.is_hybrid());
        assert!(hybrid.has_v1() && hybrid.has_v2() && hybrid.is_hybrid());
        assert!(InfoHash::default().is_empty() && !hybrid.is_empty());
        assert_eq!(InfoHash::from(v1_hash()), v1);
        assert_eq!(InfoHash::from(v2_hash()), v2);
    }

    #[test]
    fn best_and_wire_hashes() {
        assert_eq!(InfoHash::v1(v1_hash()).get_best(), v1_hash());
        assert_eq!(InfoHash::v2(v2_hash()).get_best(), v2_hash().truncated());
        assert_eq!(InfoHash::hybrid(v1_hash(), v2_hash()).get_best(), v1_hash());
        assert!(InfoHash::default().get_best().is_zero());
        assert_eq!(InfoHash::default().wire_hashes().count(), 0);
        let hybrid = InfoHash::hybrid(v1_hash(), v2_hash());
        assert_eq!(
            hybrid.wire_hashes().collect::<Vec<_>>(),
            [v1_hash(), v2_hash().truncated()]
        );
        assert!(hybrid.matches_wire_hash(&v2_hash().truncated()));
        assert!(!InfoHash::v1(v1_hash()).matches_wire_hash(&v2_hash().truncated()));
    }

    #[test]
    fn display_lists_present_hashes() {
        let hybrid = InfoHash::hybrid(v1_hash(), v2_hash());
        assert_eq!(hybrid.to_string(), format!("[{},{}]", v1_hash(), v2_hash()));
        assert_eq!(
            InfoHash::v2(v2_hash()).to_string(),
            format!("[{}]", v2_hash())
        );
        assert_eq!(InfoHash::default().to_string(), "[]");
    }

    #[test]
    fn serde_round_trip_omits_absent_hashes() {
        let v1 = InfoHash::v1(v1_hash());
        let json = serde_json::to_string(&v1).unwrap();
        assert_eq!(json, format!("{{\"v1\":\"{}\"}}", v1_hash()));
        assert_eq!(serde_json::from_str::<InfoHash>(&json).unwrap(), v1);
        let hybrid = InfoHash::hybrid(v1_hash(), v2_hash());
        let json = serde_json::to_string(&hybrid).unwrap();
        assert_eq!(serde_json::from_str::<InfoHash>(&json).unwrap(), hybrid);
    }
}
