//! What a tracker answers: [`AnnounceResponse`] and [`ScrapeResponse`], and the parsers for
//! HTTP tracker bodies with libtorrent's rules and errors ([`parse_announce_response`],
//! [`parse_scrape_response`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;

use lt_bencode::{bdecode, Node, NodeType};
use lt_core::{PeerId, Sha1Hash};

use crate::error::TrackerError;

/// The re-announce interval libtorrent assumes when a response has none: 30 minutes.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1800);
/// The minimum interval libtorrent assumes when an HTTP response has none.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(30);
/// The minimum interval libtorrent assumes after a UDP announce (UDP replies carry none).
pub const UDP_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// A peer from a non-compact (dictionary) peer list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerEntry {
    /// The `ip` entry: an address or a host name, as the tracker wrote it.
    pub hostname: String,
    /// The `port` entry.
    pub port: u16,
    /// The `peer id` entry, or all zeros when it is missing or not 20 bytes long.
    pub peer_id: PeerId,
}

/// A successful announce (libtorrent's `tracker_response`).
///
/// Scrape counters a tracker left out are `None` (libtorrent's -1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnnounceResponse {
    /// When to announce next (`interval`; [`DEFAULT_INTERVAL`] when absent).
    pub interval: Duration,
    /// The shortest allowed re-announce interval (`min interval`; [`DEFAULT_MIN_INTERVAL`] when
    /// absent over HTTP, [`UDP_MIN_INTERVAL`] over UDP).
    pub min_interval: Duration,
    /// The `tracker id` to send back as `trackerid` on later announces.
    pub tracker_id: Option<Vec<u8>>,
    /// The tracker's `warning message`.
    pub warning_message: Option<String>,
    /// Seeders (`complete`).
    pub complete: Option<u32>,
    /// Leechers (`incomplete`).
    pub incomplete: Option<u32>,
    /// Completed downloads (`downloaded`).
    pub downloaded: Option<u32>,
    /// Peers from a dictionary `peers` list (invalid entries skipped).
    pub peers: Vec<PeerEntry>,
    /// Compact IPv4 peers (`peers` as a string, BEP 23; or a UDP reply over IPv4).
    pub peers4: Vec<SocketAddrV4>,
    /// Compact IPv6 peers (`peers6`, BEP 7; or a UDP reply over IPv6).
    pub peers6: Vec<SocketAddrV6>,
    /// Our address as the tracker saw it (`external ip`, 4 or 16 bytes).
    pub external_ip: Option<IpAddr>,
}

impl AnnounceResponse {
    /// The number of peers of all kinds (libtorrent's `tracker_reply_alert::num_peers`).
    #[must_use]
    pub fn num_peers(&self) -> usize {
        self.peers.len() + self.peers4.len() + self.peers6.len()
    }

    /// Every peer that has an IP address: the compact ones, and dictionary peers whose `ip` is
    /// an address rather than a host name.
    pub fn peer_addrs(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        let dict_peers = self.peers.iter().filter_map(|peer| {
            peer.hostname
                .parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, peer.port))
        });
        self.peers4
            .iter()
            .map(|&peer| SocketAddr::V4(peer))
            .chain(self.peers6.iter().map(|&peer| SocketAddr::V6(peer)))
            .chain(dict_peers)
    }
}

/// A tracker's figures for one torrent (BEP 48; libtorrent's scrape reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScrapeResponse {
    /// Seeders.
    pub complete: Option<u32>,
    /// Leechers.
    pub incomplete: Option<u32>,
    /// Completed downloads.
    pub downloaded: Option<u32>,
    /// Peers downloading right now (`downloaders`; HTTP only).
    pub downloaders: Option<u32>,
}

/// A count from a response: `None` when missing, not an integer, negative or over `u32`.
fn count(dict: &Node<'_>, key: &str) -> Option<u32> {
    dict.dict_find_int_value(key)
        .and_then(|value| u32::try_from(value).ok())
}

/// Seconds as a `Duration`, negative values as zero.
fn seconds(value: i64) -> Duration {
    Duration::from_secs(u64::try_from(value).unwrap_or(0))
}

/// Decodes a body that must be a bencoded dictionary.
fn decode_dict(body: &[u8]) -> Result<lt_bencode::Document<'_>, TrackerError> {
    let document = bdecode(body)?;
    if document.root().is_dict() {
        Ok(document)
    } else {
        Err(TrackerError::InvalidTrackerResponse)
    }
}

/// A `failure reason`, read before anything else in the response is trusted.
fn failure(root: &Node<'_>) -> Result<(), TrackerError> {
    match root.dict_find_string("failure reason") {
        Some(reason) => Err(TrackerError::TrackerFailure {
            reason: String::from_utf8_lossy(reason.as_bytes().unwrap_or_default()).into_owned(),
        }),
        None => Ok(()),
    }
}

/// Parses the body of an HTTP announce response as libtorrent does.
///
/// - `interval` and `min interval` default to 30 minutes and 30 s; `tracker id` is read first;
/// - a `failure reason` makes the whole response an error (peers are not read);
/// - `peers` is either a compact string (6 bytes per peer) or a list of dictionaries; in a list,
///   invalid entries are skipped, and only when every entry is invalid is the last entry's
///   error returned; any other type (or no `peers` at all) means no peers;
/// - `peers6` is a compact string of 18-byte entries;
/// - `external ip` of 4 or 16 bytes is our address; other lengths are ignored.
///
/// # Errors
/// [`TrackerError::Bdecode`] for invalid bencoding, [`TrackerError::InvalidTrackerResponse`]
/// when the root is not a dictionary or a peer dictionary lacks `ip` or a valid `port`,
/// [`TrackerError::InvalidPeerDict`] for a peer that is not a dictionary,
/// [`TrackerError::InvalidPeersEntry`] for compact lists of a bad length and
/// [`TrackerError::TrackerFailure`] for a `failure reason`.
///
/// # Examples
/// ```
/// let response = lt_tracker::parse_announce_response(
///     b"d8:intervali900e5:peers12:\x01\x02\x03\x04\x1a\xe1\x05\x06\x07\x08\x1a\xe2e")?;
/// assert_eq!(response.interval.as_secs(), 900);
/// assert_eq!(response.min_interval.as_secs(), 30);
/// assert_eq!(response.peers4[1].to_string(), "5.6.7.8:6882");
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
pub fn parse_announce_response(body: &[u8]) -> Result<AnnounceResponse, TrackerError> {
    let document = decode_dict(body)?;
    let root = document.root();
    let mut response = AnnounceResponse {
        interval: seconds(root.dict_find_int_value_or("interval", 1800)),
        min_interval: seconds(root.dict_find_int_value_or("min interval", 30)),
        tracker_id: root
            .dict_find_string("tracker id")
            .and_then(|node| node.as_bytes())
            .map(<[u8]>::to_vec),
        ..AnnounceResponse::default()
    };
    failure(&root)?;
    response.warning_message = root
        .dict_find_string("warning message")
        .and_then(|node| node.as_bytes())
        .map(|text| String::from_utf8_lossy(text).into_owned());
    response.complete = count(&root, "complete");
    response.incomplete = count(&root, "incomplete");
    response.downloaded = count(&root, "downloaded");

    if let Some(peers) = root.dict_find("peers") {
        match peers.node_type() {
            NodeType::String => {
                response.peers4 = compact_peers_v4(peers.as_bytes().unwrap_or_default())?;
            }
            NodeType::List => {
                let mut last_error = None;
                for entry in peers.list_iter() {
                    match extract_peer_info(&entry) {
                        Ok(peer) => response.peers.push(peer),
                        Err(error) => last_error = Some(error),
                    }
                }
                if let (true, Some(error)) = (response.peers.is_empty(), last_error) {
                    return Err(error);
                }
            }
            NodeType::Int | NodeType::Dict => {}
        }
    }
    if let Some(peers6) = root.dict_find_string("peers6") {
        response.peers6 = compact_peers_v6(peers6.as_bytes().unwrap_or_default())?;
    }
    if let Some(external_ip) = root.dict_find_string("external ip") {
        let bytes = external_ip.as_bytes().unwrap_or_default();
        response.external_ip = if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
            Some(IpAddr::V4(Ipv4Addr::from(v4)))
        } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
            Some(IpAddr::V6(Ipv6Addr::from(v6)))
        } else {
            None
        };
    }
    Ok(response)
}

/// One bencoded element of a dictionary `peers` list, decoded on its own (bdecode stops after
/// the first complete value): libtorrent's `extract_peer_info`, for tests and fuzzing.
///
/// # Errors
/// As for the list elements of [`parse_announce_response`], plus [`TrackerError::Bdecode`].
pub fn parse_peer_entry(entry: &[u8]) -> Result<PeerEntry, TrackerError> {
    let document = bdecode(entry)?;
    extract_peer_info(&document.root())
}

/// One element of a dictionary `peers` list (libtorrent's `extract_peer_info`).
///
/// # Errors
/// [`TrackerError::InvalidPeerDict`] when the element is not a dictionary,
/// [`TrackerError::InvalidTrackerResponse`] when `ip` is not a string or `port` is not an
/// integer in `0..=65535`.
pub(crate) fn extract_peer_info(entry: &Node<'_>) -> Result<PeerEntry, TrackerError> {
    if !entry.is_dict() {
        return Err(TrackerError::InvalidPeerDict);
    }
    let peer_id = entry
        .dict_find_string_value("peer id")
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .map_or(PeerId::from_bytes([0; 20]), PeerId::from_bytes);
    let hostname = entry
        .dict_find_string_value("ip")
        .ok_or(TrackerError::InvalidTrackerResponse)?;
    let port = entry
        .dict_find_int("port")
        .ok_or(TrackerError::InvalidTrackerResponse)?
        .int_value();
    let port = u16::try_from(port).map_err(|_| TrackerError::InvalidTrackerResponse)?;
    Ok(PeerEntry {
        hostname: String::from_utf8_lossy(hostname).into_owned(),
        port,
        peer_id,
    })
}

/// Compact IPv4 peers: 4 address bytes and a big-endian port each.
pub(crate) fn compact_peers_v4(bytes: &[u8]) -> Result<Vec<SocketAddrV4>, TrackerError> {
    if !bytes.len().is_multiple_of(6) {
        return Err(TrackerError::InvalidPeersEntry);
    }
    Ok(bytes
        .chunks_exact(6)
        .map(|entry| {
            let [a, b, c, d, high, low] = <[u8; 6]>::try_from(entry).unwrap_or_default();
            SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), u16::from_be_bytes([high, low]))
        })
        .collect())
}

/// Compact IPv6 peers: 16 address bytes and a big-endian port each.
pub(crate) fn compact_peers_v6(bytes: &[u8]) -> Result<Vec<SocketAddrV6>, TrackerError> {
    if !bytes.len().is_multiple_of(18) {
        return Err(TrackerError::InvalidPeersEntry);
    }
    Ok(bytes
        .chunks_exact(18)
        .map(|entry| {
            let (ip, port) = entry.split_at(entry.len().min(16));
            let ip = <[u8; 16]>::try_from(ip).unwrap_or_default();
            let port = <[u8; 2]>::try_from(port).unwrap_or_default();
            SocketAddrV6::new(Ipv6Addr::from(ip), u16::from_be_bytes(port), 0, 0)
        })
        .collect())
}

/// Parses the body of an HTTP scrape response for one torrent (BEP 48), as libtorrent does:
/// `files` → the entry keyed by the raw 20-byte `info_hash` → `complete`, `incomplete`,
/// `downloaded`, `downloaders`, each `None` when absent.
///
/// # Errors
/// [`TrackerError::Bdecode`], [`TrackerError::InvalidTrackerResponse`] (not a dictionary),
/// [`TrackerError::TrackerFailure`], [`TrackerError::InvalidFilesEntry`] (no `files`
/// dictionary) and [`TrackerError::InvalidHashEntry`] (no entry for `info_hash`).
///
/// # Examples
/// ```
/// use lt_core::Sha1Hash;
/// let hash = Sha1Hash::from_bytes(*b"aaaaaaaaaaaaaaaaaaaa");
/// let scrape = lt_tracker::parse_scrape_response(
///     b"d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei1e10:incompletei2eeee", &hash)?;
/// assert_eq!((scrape.complete, scrape.incomplete, scrape.downloaded), (Some(1), Some(2), None));
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
pub fn parse_scrape_response(
    body: &[u8],
    info_hash: &Sha1Hash,
) -> Result<ScrapeResponse, TrackerError> {
    let document = decode_dict(body)?;
    let root = document.root();
    failure(&root)?;
    let files = root
        .dict_find_dict("files")
        .ok_or(TrackerError::InvalidFilesEntry)?;
    let entry = files
        .dict_find_dict(info_hash.as_bytes())
        .ok_or(TrackerError::InvalidHashEntry)?;
    Ok(ScrapeResponse {
        complete: count(&entry, "complete"),
        incomplete: count(&entry, "incomplete"),
        downloaded: count(&entry, "downloaded"),
        downloaders: count(&entry, "downloaders"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_with_one_good_peer_skips_the_bad_ones() {
        let body = b"d5:peersli1ed2:ip1:x4:porti5eed4:porti1eeee";
        let response = parse_announce_response(body).unwrap();
        assert_eq!(response.peers.len(), 1);
        assert_eq!(response.peers[0].hostname, "x");
    }

    #[test]
    fn root_must_be_a_dictionary() {
        assert!(matches!(
            parse_announce_response(b"li1ee"),
            Err(TrackerError::InvalidTrackerResponse)
        ));
        assert!(matches!(
            parse_announce_response(b""),
            Err(TrackerError::Bdecode(_))
        ));
    }

    #[test]
    fn peers_of_other_types_mean_no_peers() {
        let response = parse_announce_response(b"d5:peersi3ee").unwrap();
        assert_eq!(response.num_peers(), 0);
        assert_eq!(response.interval, DEFAULT_INTERVAL);
    }

    #[test]
    fn peer_addrs_include_dictionary_peers_with_addresses() {
        let body = b"d5:peersld2:ip9:127.0.0.14:porti80eed2:ip4:host4:porti1eeee";
        let response = parse_announce_response(body).unwrap();
        let addrs: Vec<_> = response.peer_addrs().collect();
        assert_eq!(addrs, ["127.0.0.1:80".parse().unwrap()]);
        assert_eq!(response.num_peers(), 2);
    }

    #[test]
    fn scrape_failure_reason_wins() {
        let hash = Sha1Hash::from_bytes([0; 20]);
        assert!(matches!(
            parse_scrape_response(b"d14:failure reason1:xe", &hash),
            Err(TrackerError::TrackerFailure { .. })
        ));
        assert!(matches!(
            parse_scrape_response(b"d5:peers0:e", &hash),
            Err(TrackerError::InvalidFilesEntry)
        ));
    }
}
