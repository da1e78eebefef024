//! What an announce says ([`AnnounceRequest`], [`Event`]) and the HTTP request URLs built from
//! it: [`announce_url`] (BEP 3, 7, 23 and libtorrent's extra parameters) and
//! [`scrape_request_url`] (BEP 48).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lt_core::{PeerId, Sha1Hash};

use crate::error::TrackerError;
use crate::escape::escape_into;
use crate::safety::has_tracker_query_string;
use crate::url::scrape_url;

/// The `event` of an announce (libtorrent's `event_t`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Event {
    /// A regular re-announce: no `event` parameter.
    #[default]
    None,
    /// The download finished (sent once, never for a torrent added as a seed).
    Completed,
    /// The first announce of a torrent.
    Started,
    /// The torrent stops; the tracker forgets us.
    Stopped,
    /// The torrent was paused (BEP 21 partial seeds; libtorrent's extension).
    Paused,
}

impl Event {
    /// The value of the HTTP `event` parameter, or `None` for [`Event::None`].
    #[must_use]
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Completed => Some("completed"),
            Self::Started => Some("started"),
            Self::Stopped => Some("stopped"),
            Self::Paused => Some("paused"),
        }
    }

    /// The event number in a UDP announce (BEP 15: 0 none, 1 completed, 2 started, 3 stopped).
    /// `Paused` is sent as 4, as libtorrent sends it.
    #[must_use]
    pub fn udp_code(self) -> u32 {
        match self {
            Self::None => 0,
            Self::Completed => 1,
            Self::Started => 2,
            Self::Stopped => 3,
            Self::Paused => 4,
        }
    }
}

impl std::str::FromStr for Event {
    type Err = String;

    /// `none`, `completed`, `started`, `stopped` or `paused`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" | "" => Ok(Self::None),
            "completed" => Ok(Self::Completed),
            "started" => Ok(Self::Started),
            "stopped" => Ok(Self::Stopped),
            "paused" => Ok(Self::Paused),
            other => Err(format!(
                "unknown event {other:?} (expected none, started, completed, stopped or paused)"
            )),
        }
    }
}

/// Everything one announce tells a tracker (libtorrent's `tracker_request`, less the routing).
///
/// The same request serves HTTP ([`announce_url`]) and UDP trackers
/// ([`UdpTracker::announce`](crate::UdpTracker::announce)).
///
/// # Examples
/// ```
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_tracker::{AnnounceRequest, Event};
///
/// let request = AnnounceRequest {
///     event: Event::Started,
///     left: 16384,
///     ..AnnounceRequest::new(Sha1Hash::from_bytes([0xaa; 20]), PeerId::generate(), 6881)
/// };
/// assert_eq!(request.num_want, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceRequest {
    /// The 20-byte info-hash (a v2 hash truncated, as on the wire).
    pub info_hash: Sha1Hash,
    /// Our peer id.
    pub peer_id: PeerId,
    /// The port we accept peer connections on.
    pub port: u16,
    /// Payload bytes uploaded so far.
    pub uploaded: u64,
    /// Payload bytes downloaded so far.
    pub downloaded: u64,
    /// Bytes still missing (libtorrent sends 16384 while it does not know the size).
    pub left: u64,
    /// Bytes that failed the hash check (libtorrent's `corrupt`).
    pub corrupt: u64,
    /// Redundant bytes downloaded; sent as `redundant` when set (libtorrent's
    /// `report_redundant_bytes`).
    pub redundant: Option<u64>,
    /// The key that lets the tracker recognise us across IP changes; sent as 8 upper-case hex
    /// digits over HTTP and as a 32-bit number over UDP.
    pub key: u32,
    /// The event, if any.
    pub event: Event,
    /// How many peers we want (libtorrent's default is 200; -1 lets a UDP tracker choose).
    pub num_want: i32,
    /// The `tracker id` an earlier response gave, sent back as `trackerid`.
    pub tracker_id: Option<Vec<u8>>,
    /// An address to announce instead of the one the tracker sees (`ip`; libtorrent's
    /// `announce_ip`). Over UDP only an IPv4 address can be sent.
    pub announce_ip: Option<IpAddr>,
    /// Our other IPv4 addresses (`ipv4`, BEP 7), sent for private torrents.
    pub ipv4: Vec<Ipv4Addr>,
    /// Our other IPv6 addresses (`ipv6`, BEP 7), sent for private torrents.
    pub ipv6: Vec<Ipv6Addr>,
    /// Whether to send `supportcrypto=1` (we accept encrypted connections).
    pub support_crypto: bool,
}

impl AnnounceRequest {
    /// A request for `info_hash` with libtorrent's defaults: no event, nothing transferred,
    /// `left` 0, `num_want` 200, key 0.
    #[must_use]
    pub fn new(info_hash: Sha1Hash, peer_id: PeerId, port: u16) -> Self {
        Self {
            info_hash,
            peer_id,
            port,
            uploaded: 0,
            downloaded: 0,
            left: 0,
            corrupt: 0,
            redundant: None,
            key: 0,
            event: Event::None,
            num_want: 200,
            tracker_id: None,
            announce_ip: None,
            ipv4: Vec::new(),
            ipv6: Vec::new(),
            support_crypto: false,
        }
    }
}

/// Appends `?` or `&` to `url`, refusing (under SSRF mitigation) a query string that already
/// carries announce parameters.
fn start_query(url: &mut String, ssrf_mitigation: bool) -> Result<(), TrackerError> {
    match url.find('?') {
        Some(question) => {
            let query = url.get(question + 1..).unwrap_or_default();
            if ssrf_mitigation && has_tracker_query_string(query) {
                return Err(TrackerError::SsrfMitigation);
            }
            url.push('&');
        }
        None => url.push('?'),
    }
    Ok(())
}

/// The full HTTP announce URL: `tracker_url` with libtorrent's query appended, in libtorrent's
/// order: `info_hash`, `peer_id`, `port`, `uploaded`, `downloaded`, `left`, `corrupt`, `key`,
/// `event` (unless none), `numwant`, `compact=1`, `no_peer_id=1`, then `supportcrypto=1`,
/// `redundant`, `trackerid`, `ip`, `ipv4` and `ipv6` where set. Binary values are escaped with
/// [`escape_into`](crate::escape_into).
///
/// # Errors
/// [`TrackerError::SsrfMitigation`] when `ssrf_mitigation` is on and the URL's query string
/// already has one of the announce parameters (see
/// [`has_tracker_query_string`](crate::has_tracker_query_string)).
///
/// # Examples
/// ```
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_tracker::{announce_url, AnnounceRequest, Event};
///
/// let mut request = AnnounceRequest::new(Sha1Hash::from_bytes([b'a'; 20]),
///     PeerId::from_bytes(*b"-LR0100-abcdefghijkl"), 6881);
/// request.event = Event::Started;
/// request.key = 0x1234abcd;
/// let url = announce_url("http://t.example/announce", &request, true)?;
/// assert_eq!(url, "http://t.example/announce?info_hash=aaaaaaaaaaaaaaaaaaaa\
///     &peer_id=-LR0100-abcdefghijkl&port=6881&uploaded=0&downloaded=0&left=0&corrupt=0\
///     &key=1234ABCD&event=started&numwant=200&compact=1&no_peer_id=1");
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
pub fn announce_url(
    tracker_url: &str,
    request: &AnnounceRequest,
    ssrf_mitigation: bool,
) -> Result<String, TrackerError> {
    let mut url = tracker_url.to_owned();
    start_query(&mut url, ssrf_mitigation)?;
    url.push_str("info_hash=");
    escape_into(&mut url, request.info_hash.as_bytes());
    url.push_str("&peer_id=");
    escape_into(&mut url, request.peer_id.as_bytes());
    // Writing to a String cannot fail.
    let _ = write!(
        url,
        "&port={}&uploaded={}&downloaded={}&left={}&corrupt={}&key={:08X}",
        request.port,
        request.uploaded,
        request.downloaded,
        request.left,
        request.corrupt,
        request.key
    );
    if let Some(event) = request.event.as_str() {
        url.push_str("&event=");
        url.push_str(event);
    }
    let _ = write!(url, "&numwant={}&compact=1&no_peer_id=1", request.num_want);
    if request.support_crypto {
        url.push_str("&supportcrypto=1");
    }
    if let Some(redundant) = request.redundant {
        let _ = write!(url, "&redundant={redundant}");
    }
    if let Some(tracker_id) = request.tracker_id.as_deref().filter(|id| !id.is_empty()) {
        url.push_str("&trackerid=");
        escape_into(&mut url, tracker_id);
    }
    if let Some(ip) = request.announce_ip {
        url.push_str("&ip=");
        escape_into(&mut url, ip.to_string().as_bytes());
    }
    for ip in &request.ipv4 {
        url.push_str("&ipv4=");
        escape_into(&mut url, ip.to_string().as_bytes());
    }
    for ip in &request.ipv6 {
        url.push_str("&ipv6=");
        escape_into(&mut url, ip.to_string().as_bytes());
    }
    Ok(url)
}

/// The full HTTP scrape URL for `info_hashes`: the [`scrape_url`] of `announce_url` with one
/// `info_hash` parameter per hash (BEP 48; libtorrent scrapes one torrent per request).
///
/// # Errors
/// [`TrackerError::ScrapeNotAvailable`] when `announce_url` has no `announce` to replace;
/// [`TrackerError::SsrfMitigation`] as for [`announce_url`].
///
/// # Examples
/// ```
/// use lt_core::Sha1Hash;
/// let hash = Sha1Hash::from_bytes(*b"abababababababababab");
/// let url = lt_tracker::scrape_request_url("http://t.example:8080/announce", &[hash], true)?;
/// assert_eq!(url, "http://t.example:8080/scrape?info_hash=abababababababababab");
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
pub fn scrape_request_url(
    announce_url: &str,
    info_hashes: &[Sha1Hash],
    ssrf_mitigation: bool,
) -> Result<String, TrackerError> {
    let mut url = scrape_url(announce_url)?;
    start_query(&mut url, ssrf_mitigation)?;
    for (index, info_hash) in info_hashes.iter().enumerate() {
        if index > 0 {
            url.push('&');
        }
        url.push_str("info_hash=");
        escape_into(&mut url, info_hash.as_bytes());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AnnounceRequest {
        AnnounceRequest::new(
            Sha1Hash::from_bytes([0xff; 20]),
            PeerId::from_bytes([0; 20]),
            1,
        )
    }

    #[test]
    fn optional_parameters_in_libtorrent_order() {
        let mut request = request();
        request.support_crypto = true;
        request.redundant = Some(7);
        request.tracker_id = Some(b"id 1".to_vec());
        request.announce_ip = Some("1.2.3.4".parse().unwrap());
        request.ipv4 = vec!["5.6.7.8".parse().unwrap()];
        request.ipv6 = vec!["ffff::1337".parse().unwrap()];
        let url = announce_url("http://t/announce", &request, true).unwrap();
        assert!(url.ends_with(
            "&numwant=200&compact=1&no_peer_id=1&supportcrypto=1&redundant=7\
             &trackerid=id%201&ip=1.2.3.4&ipv4=5.6.7.8&ipv6=ffff%3a%3a1337"
        ));
        assert!(url.starts_with("http://t/announce?info_hash=%ff%ff"));
        assert!(!url.contains("event="));
    }

    #[test]
    fn existing_query_gets_an_ampersand_or_is_refused() {
        let url = announce_url("http://t/announce?passkey=x", &request(), true).unwrap();
        assert!(url.starts_with("http://t/announce?passkey=x&info_hash="));
        assert!(matches!(
            announce_url("http://t/announce?Peer_Id=x", &request(), true),
            Err(TrackerError::SsrfMitigation)
        ));
        assert!(announce_url("http://t/announce?Peer_Id=x", &request(), false).is_ok());
    }

    #[test]
    fn event_names() {
        for (text, event) in [("started", Event::Started), ("paused", Event::Paused)] {
            assert_eq!(text.parse::<Event>().unwrap(), event);
            assert_eq!(event.as_str(), Some(text));
        }
        assert!("bogus".parse::<Event>().is_err());
    }
}
