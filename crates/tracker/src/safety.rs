//! libtorrent's request-forgery and look-alike-host defences: SSRF mitigation
//! ([`ssrf_blocks`], [`has_tracker_query_string`]) and the IDNA ban ([`is_idna`]).

use std::net::IpAddr;

/// Whether any dot-separated label of `hostname` starts with the IDNA ACE prefix `xn--`
/// (in any case), libtorrent's `is_idna`.
///
/// # Examples
/// ```
/// assert!(lt_tracker::is_idna("subdomain.XN--example.com"));
/// assert!(!lt_tracker::is_idna("exn--ample.com"));
/// ```
#[must_use]
pub fn is_idna(hostname: &str) -> bool {
    hostname.split('.').any(|label| {
        label
            .as_bytes()
            .get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"xn--"))
    })
}

/// The announce parameters that SSRF mitigation refuses to find already in a tracker URL.
const TRACKER_QUERY_ARGUMENTS: [&str; 9] = [
    "info_hash",
    "event",
    "port",
    "left",
    "key",
    "uploaded",
    "downloaded",
    "corrupt",
    "peer_id",
];

/// Whether `query` (the text after `?`) has a parameter whose name, compared without case, is
/// one libtorrent sends itself (`info_hash`, `event`, `port`, `left`, `key`, `uploaded`,
/// `downloaded`, `corrupt`, `peer_id`).
///
/// # Examples
/// ```
/// assert!(lt_tracker::has_tracker_query_string("passkey=1&INFO_HASH=x"));
/// assert!(!lt_tracker::has_tracker_query_string("info_hash1=x"));
/// ```
#[must_use]
pub fn has_tracker_query_string(query: &str) -> bool {
    query.split('&').any(|argument| {
        let name = argument.split('=').next().unwrap_or_default();
        TRACKER_QUERY_ARGUMENTS
            .iter()
            .any(|known| name.eq_ignore_ascii_case(known))
    })
}

/// Whether SSRF mitigation refuses to send a tracker request for `path` to `address`: the
/// address is a loopback address and the path does not start with `/announce`.
///
/// This is libtorrent's rule. It applies to loopback addresses only, not to private networks:
/// a tracker on the LAN with an unusual path is still reached (as libtorrent reaches it). A
/// scrape of a loopback tracker is refused too, because `/scrape` does not start with
/// `/announce`.
///
/// # Examples
/// ```
/// use lt_tracker::ssrf_blocks;
/// let loopback = "127.0.0.1".parse().unwrap();
/// assert!(!ssrf_blocks(loopback, "/announce?passkey=1"));
/// assert!(ssrf_blocks(loopback, "/admin"));
/// assert!(!ssrf_blocks("192.0.2.1".parse().unwrap(), "/admin"));
/// ```
#[must_use]
pub fn ssrf_blocks(address: IpAddr, path: &str) -> bool {
    let is_loopback = match address {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    is_loopback && !path.starts_with("/announce")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_loopback_counts_as_loopback() {
        assert!(ssrf_blocks("::ffff:127.0.0.1".parse().unwrap(), "/x"));
        assert!(ssrf_blocks("::1".parse().unwrap(), "/"));
        assert!(!ssrf_blocks("::1".parse().unwrap(), "/announce"));
    }
}
