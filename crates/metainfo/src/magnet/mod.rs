//! Magnet links (BEP 9, BEP 53): [`parse_magnet`] reads one into a [`Magnet`] and
//! [`make_magnet`] writes one, with the behaviour of libtorrent's `parse_magnet_uri` and
//! `make_magnet_uri` (RC_2_1), checked against `tests/fixtures/magnet-vectors.json`.
//!
//! The parts, one per file:
//!
//! - `parse`: the parameter loop, `xt` (`urn:btih:` in hex or base32, `urn:btmh:1220` for v2),
//!   `dn`, `tr`, `ws`, `x.pe`, `dht` and `so`;
//! - `make`: the writer, in libtorrent's parameter order;
//! - `escape`: libtorrent's percent-escaping (`escape_string`) and unescaping, where `+` is a
//!   space and a bad escape keeps what was decoded before it;
//! - `base32`: libtorrent's lenient RFC 4648 decoder for 32-character `btih` hashes;
//! - `tracker_url`: which `tr=` URLs are kept (`is_valid_tracker_url`) and the `.i2p` check;
//! - `endpoint` and `decimal`: `x.pe` endpoints and the integer parsing libtorrent uses for
//!   ports and `so=` indices.

mod base32;
mod decimal;
mod endpoint;
mod error;
mod escape;
mod make;
mod parse;
#[cfg(test)]
mod tests;
mod tracker_url;

use std::net::SocketAddr;

use lt_core::InfoHash;

pub use self::{error::MagnetError, make::make_magnet, parse::parse_magnet};

/// What a magnet link names: the info-hash(es) plus the hints for finding the torrent, in the
/// shape of the matching fields of libtorrent's `add_torrent_params`.
///
/// [`parse_magnet`] fills it from a URI and [`make_magnet`] writes one back. The fields are
/// public and meant to move into `AddTorrentParams` one for one. The struct is
/// `#[non_exhaustive]`: outside this crate start from [`Magnet::new`] or [`Default`] and set the
/// fields.
///
/// # Examples
/// ```
/// use lt_core::{InfoHash, Sha1Hash};
/// use lt_metainfo::{make_magnet, Magnet};
///
/// let mut magnet = Magnet::new(InfoHash::v1("c9e15763f722f23e98a29decdfae341b98d53056".parse::<Sha1Hash>()?));
/// magnet.name = Some("x".to_owned());
/// assert_eq!(make_magnet(&magnet), "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=x");
/// # Ok::<(), lt_core::HexError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Magnet {
    /// The v1 (`xt=urn:btih:`) and/or v2 (`xt=urn:btmh:1220…`) info-hash. A parsed magnet
    /// always has at least one; [`make_magnet`] writes nothing without one.
    pub info_hashes: InfoHash,
    /// The display name (`dn=`), percent-decoded; `None` when absent or empty. Bytes that are not
    /// UTF-8 after decoding become U+FFFD.
    pub name: Option<String>,
    /// Tracker URLs (`tr=`) with their tier, in order. Parsing gives each accepted tracker its
    /// own tier, 0, 1, 2, …, as libtorrent does; [`make_magnet`] ignores the tiers.
    pub trackers: Vec<(String, u32)>,
    /// Web seed URLs (`ws=`, BEP 19), percent-decoded and not validated.
    pub url_seeds: Vec<String>,
    /// Peers to connect to (`x.pe=`), IPv4 `a.b.c.d:port` or IPv6 `[addr]:port` literals.
    pub peers: Vec<SocketAddr>,
    /// DHT nodes (`dht=host:port`): the host as written (not resolved, not percent-decoded) and
    /// a port in `1..=65534`.
    pub dht_nodes: Vec<(String, u16)>,
    /// File priorities from `so=` (BEP 53 select-only), as libtorrent turns them into
    /// `file_priorities`: [`Magnet::DEFAULT_PRIORITY`] for each selected file index and
    /// [`Magnet::DONT_DOWNLOAD`] for the others, up to the highest selected index. Files past
    /// the end are covered by [`default_dont_download`](Self::default_dont_download).
    pub file_priorities: Vec<u8>,
    /// libtorrent's `torrent_flags::default_dont_download`: set by any well-formed `so=`, so
    /// that files not listed in `file_priorities` are not downloaded.
    pub default_dont_download: bool,
    /// libtorrent's `torrent_flags::i2p_torrent`: some accepted tracker's host ends in `.i2p`.
    pub is_i2p: bool,
}

impl Magnet {
    /// The file priority of a file not to download (libtorrent's `dont_download`).
    pub const DONT_DOWNLOAD: u8 = 0;
    /// The file priority `so=` gives a selected file (libtorrent's `default_priority`).
    pub const DEFAULT_PRIORITY: u8 = 4;

    /// A magnet link naming `info_hashes`, with every other field empty.
    #[must_use]
    pub fn new(info_hashes: InfoHash) -> Self {
        Self {
            info_hashes,
            ..Self::default()
        }
    }
}

/// libtorrent's string helpers that the magnet code uses, for the fixture tests and fuzzing.
/// Not a stable API.
#[doc(hidden)]
pub mod internal {
    pub use super::base32::base32_decode;
    pub use super::escape::{escape_path, escape_string, unescape_string, InvalidEscape};
    pub use super::tracker_url::is_valid_tracker_url;
}
