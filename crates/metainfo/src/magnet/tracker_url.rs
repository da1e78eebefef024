//! Which `tr=` values are kept: libtorrent's `is_valid_tracker_url` and the authority parsing of
//! its `parse_url_components` (`src/parse_url.cpp`, RC_2_1), plus the `.i2p` host check.
//!
//! A tracker URL is valid when, after percent-decoding:
//!
//! - it is not empty and holds no byte `<= 0x20` (controls and space) and no DEL;
//! - it starts with `http://`, `https://` or `udp://`, in any case. libtorrent builds with
//!   WebRTC support also accept `ws://` and `wss://`; lt has no WebTorrent transport and
//!   follows the build without it;
//! - its host is not empty and is made of ASCII letters, digits, `-` and `.`, or is a bracketed
//!   IPv6 literal, which may also hold `:`, `%`, `_` and `~`;
//! - a port, if present, is decimal digits only and in `1..=65535`.
//!
//! The authority ends at the first `/`, `?` or `#`; a `user:pass@` part before it is skipped.
//!
//! The released libtorrent 2.1.1 is older and looser in two ways: it accepts any port
//! (`http://a:0/`, `http://a:65536`) and takes user info only when a `:` comes before the `@`
//! (so it rejects `http://user@host/`). The fixture vectors agree with both versions.

/// The schemes a tracker URL may have (compared case-insensitively).
const TRACKER_SCHEMES: [&[u8]; 3] = [b"http://", b"https://", b"udp://"];

/// Whether libtorrent keeps `url` (already percent-decoded) as a tracker.
///
/// # Examples
/// ```
/// use lt_metainfo::magnet_internal::is_valid_tracker_url;
/// assert!(is_valid_tracker_url(b"HTTP://tracker.example:6969/announce"));
/// assert!(!is_valid_tracker_url(b"ftp://tracker.example/"));
/// assert!(!is_valid_tracker_url(b"http://under_score.example/announce"));
/// ```
#[must_use]
pub fn is_valid_tracker_url(url: &[u8]) -> bool {
    !url.is_empty()
        && !url.iter().any(|&byte| byte <= 0x20 || byte == 0x7f)
        && TRACKER_SCHEMES.iter().any(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme))
        })
        && url_host(url).is_some()
}

/// Whether the host of a valid tracker URL ends in `.i2p` (case-sensitive, as in libtorrent's
/// `is_i2p_url`).
pub(super) fn is_i2p_url(url: &[u8]) -> bool {
    url_host(url).is_some_and(|host| host.ends_with(b".i2p"))
}

/// The index just past `scheme://`: the first of `:`, `/`, `?`, `#` must be a `:` that is not
/// first and is followed by `//` (libtorrent's `find_scheme_end`).
fn scheme_end(url: &[u8]) -> Option<usize> {
    let delimiter = url
        .iter()
        .position(|byte| matches!(byte, b':' | b'/' | b'?' | b'#'))?;
    let is_scheme = delimiter > 0
        && url.get(delimiter) == Some(&b':')
        && url.get(delimiter + 1..delimiter + 3) == Some(&b"//"[..]);
    is_scheme.then_some(delimiter + 3)
}

/// Whether `byte` may appear in a host name (LDH, RFC 952/1123), or also in an IPv6 literal.
fn is_host_byte(byte: u8, is_ipv6_literal: bool) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'-' | b'.')
        || (is_ipv6_literal && matches!(byte, b':' | b'%' | b'_' | b'~'))
}

/// The host of `url` (without brackets for IPv6), or `None` where libtorrent's
/// `parse_url_components` reports an error: no `scheme://`, an unclosed `[`, an empty or
/// malformed host, or a bad port.
fn url_host(url: &[u8]) -> Option<&[u8]> {
    let first_non_space = url
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(url.len());
    let url = url.get(first_non_space..)?;
    let after_scheme = url.get(scheme_end(url)?..)?;
    let authority_end = after_scheme
        .iter()
        .position(|byte| matches!(byte, b'/' | b'?' | b'#'))
        .unwrap_or(after_scheme.len());
    // A '@' before the end of the authority closes the user info.
    let host_start = after_scheme
        .iter()
        .position(|&byte| byte == b'@')
        .filter(|&at| at < authority_end)
        .map_or(0, |at| at + 1);
    // Both searches below run to the end of the URL, as in libtorrent.
    let rest = after_scheme.get(host_start..)?;
    let end = authority_end - host_start;
    let (host, port_colon, is_ipv6_literal) = if rest.first() == Some(&b'[') {
        let close = rest.iter().position(|&byte| byte == b']')?;
        let colon = rest
            .iter()
            .skip(close)
            .position(|&byte| byte == b':')
            .map(|offset| close + offset);
        (rest.get(1..close)?, colon, true)
    } else {
        let colon = rest.iter().position(|&byte| byte == b':');
        let host_end = colon.filter(|&colon| colon < end).unwrap_or(end);
        (rest.get(..host_end)?, colon, false)
    };
    if host.is_empty() || !host.iter().all(|&byte| is_host_byte(byte, is_ipv6_literal)) {
        return None;
    }
    if let Some(colon) = port_colon.filter(|&colon| colon < end) {
        let digits = rest.get(colon + 1..end)?;
        if !valid_port(digits) {
            return None;
        }
    }
    Some(host)
}

/// Whether `digits` is a non-empty run of ASCII digits with a value in `1..=65535`.
fn valid_port(digits: &[u8]) -> bool {
    !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && std::str::from_utf8(digits)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .is_some_and(|port| (1..=65535).contains(&port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_urls() {
        for url in [
            "http://1",
            "udp://tracker.openbittorrent.com:80",
            "HTTP://2",
            "https://5",
            "http://foo",
            "http://[2001:ff00::1]:42/announce",
            "http://[::1%eth0]:5/",
            "http://[a_b]/",
            "http://u:p@x.example/",
            "http://user@host/",
            "http://@a/",
            "http://a#b@c",
            "http://a?b",
            "udp://a:65535",
            "http://a/\u{e9}",
        ] {
            assert!(is_valid_tracker_url(url.as_bytes()), "{url}");
        }
    }

    #[test]
    fn rejected_urls() {
        for url in [
            "",
            "ftp://1",
            "wss://4",
            "ws://6",
            "httpabc",
            "magnet:?xt=urn:btih:abc123",
            "<!DOCTYPE html><html>",
            "http://a b",
            "http://a\x7f",
            "http://",
            "https:///a",
            "http:/a",
            "http://:8080/path",
            "http://[::1/",
            "http://a:/",
            "http://a:+5/",
            "http://a:0/",
            "http://a:65536",
            "udp://a:1:2/",
            "http://a@/",
            "http://a\u{e9}/",
            "http://under_score.example/announce",
        ] {
            assert!(!is_valid_tracker_url(url.as_bytes()), "{url}");
        }
    }

    #[test]
    fn i2p_hosts() {
        assert!(is_i2p_url(b"https://test.i2p/announce"));
        assert!(is_i2p_url(b"http://u:p@x.i2p:80/"));
        assert!(is_i2p_url(b"http://[x.i2p]/"));
        assert!(!is_i2p_url(b"http://X.I2P/"));
        assert!(!is_i2p_url(b"http://i2p/"));
        assert!(!is_i2p_url(b"https://test.com/announce"));
        assert!(!is_i2p_url(b"http://a/x.i2p"));
    }
}
