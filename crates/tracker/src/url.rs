//! Tracker URLs as libtorrent reads them: [`TrackerUrl::parse`] (its `parse_url_components`),
//! scrape-URL derivation, redirect resolution and the `Host` header.

use crate::error::TrackerError;

/// The parts of a tracker URL, split the way libtorrent's `parse_url_components` splits them.
///
/// - leading spaces and tabs are skipped; the scheme is everything before the first `:`, which
///   must be followed by `//`;
/// - a `user:pass@` part is recognised only when a `:` comes before the `@` and the `@` comes
///   before the first `/`, `?` or `#`;
/// - the host is a bracketed IPv6 literal (kept without brackets, a `%25` zone id stays as is)
///   or letters, digits, `-` and `.`;
/// - the port is decimal digits;
/// - the path is everything after the authority, query and fragment included, with a `/` put in
///   front when it is empty or starts with `?` or `#`.
///
/// # Examples
/// ```
/// use lt_tracker::TrackerUrl;
///
/// let url = TrackerUrl::parse("udp://tracker.example:6969/announce?passkey=1")?;
/// assert_eq!(url.scheme, "udp");
/// assert_eq!(url.host, "tracker.example");
/// assert_eq!(url.port, Some(6969));
/// assert_eq!(url.path, "/announce?passkey=1");
/// assert!(TrackerUrl::parse("http://under_score.example/").is_err());
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerUrl {
    /// The scheme as written (`http`, `HTTP`, `udp`, …).
    pub scheme: String,
    /// The `user:pass` part before `@`, or empty.
    pub userinfo: String,
    /// The host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The port, when the URL names one.
    pub port: Option<u16>,
    /// Path, query and fragment; never empty.
    pub path: String,
}

impl TrackerUrl {
    /// Splits `url` into its parts.
    ///
    /// # Errors
    /// [`TrackerError::UnsupportedUrlProtocol`] without `scheme://`,
    /// [`TrackerError::ExpectedCloseBracketInAddress`] for an unclosed `[`,
    /// [`TrackerError::InvalidHostname`] for an empty or malformed host and
    /// [`TrackerError::InvalidPort`] for a port that is not a number in `0..=65535`.
    pub fn parse(url: &str) -> Result<Self, TrackerError> {
        let bytes = url.as_bytes();
        let start = bytes
            .iter()
            .position(|&byte| byte != b' ' && byte != b'\t')
            .unwrap_or(bytes.len());
        let colon = url.find(':').ok_or(TrackerError::UnsupportedUrlProtocol)?;
        if bytes.get(colon + 1..colon + 3) != Some(b"//".as_slice()) {
            return Err(TrackerError::UnsupportedUrlProtocol);
        }
        let scheme = url.get(start.min(colon)..colon).unwrap_or_default();
        let rest = url.get(colon + 3..).unwrap_or_default();
        let rest_bytes = rest.as_bytes();
        let find = |needle: u8| rest_bytes.iter().position(|&byte| byte == needle);
        let authority_end = [find(b'/'), find(b'?'), find(b'#')]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let mut host_start = 0;
        let mut userinfo = "";
        if let (Some(at), Some(first_colon)) = (find(b'@'), find(b':')) {
            if first_colon < at && at < authority_end {
                userinfo = rest.get(..at).unwrap_or_default();
                host_start = at + 1;
            }
        }
        let after_userinfo = rest.get(host_start..).unwrap_or_default();
        let authority_end = authority_end.saturating_sub(host_start);
        let (host, port_colon, is_ipv6_literal) = if after_userinfo.starts_with('[') {
            let close = after_userinfo
                .find(']')
                .ok_or(TrackerError::ExpectedCloseBracketInAddress)?;
            let port_colon = after_userinfo
                .get(close..)
                .and_then(|tail| tail.find(':'))
                .map(|offset| close + offset);
            (
                after_userinfo.get(1..close).unwrap_or_default(),
                port_colon,
                true,
            )
        } else {
            let port_colon = after_userinfo.find(':');
            let host_end = port_colon
                .filter(|&colon| colon < authority_end)
                .unwrap_or(authority_end);
            (
                after_userinfo.get(..host_end).unwrap_or_default(),
                port_colon,
                false,
            )
        };
        if host.is_empty() || !host.bytes().all(|byte| is_host_byte(byte, is_ipv6_literal)) {
            return Err(TrackerError::InvalidHostname);
        }
        let port = match port_colon.filter(|&colon| colon < authority_end) {
            Some(colon) => Some(parse_port(
                after_userinfo
                    .get(colon + 1..authority_end)
                    .unwrap_or_default(),
            )?),
            None => None,
        };
        let tail = after_userinfo.get(authority_end..).unwrap_or_default();
        let path = if tail.is_empty() || tail.starts_with('?') || tail.starts_with('#') {
            format!("/{tail}")
        } else {
            tail.to_owned()
        };
        Ok(Self {
            scheme: scheme.to_owned(),
            userinfo: userinfo.to_owned(),
            host: host.to_owned(),
            port,
            path,
        })
    }

    /// The port to connect to: the URL's, or the scheme's default (80 for `http`, 443 for
    /// `https`; UDP trackers have no default and give `None`).
    #[must_use]
    pub fn port_or_default(&self) -> Option<u16> {
        self.port.or_else(|| {
            if self.scheme.eq_ignore_ascii_case("http") {
                Some(80)
            } else if self.scheme.eq_ignore_ascii_case("https") {
                Some(443)
            } else {
                None
            }
        })
    }

    /// The value of an HTTP `Host` header for this URL: IPv6 literals in brackets, the port
    /// left out when it is the scheme's default.
    #[must_use]
    pub fn host_header(&self) -> String {
        let default_port = if self.scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        format_host_header(&self.host, self.port.unwrap_or(default_port), default_port)
    }
}

/// `host[:port]` for a `Host` header: the port is left out when it equals `default_port` or is
/// 0, and a host containing `:` (an IPv6 literal) is put in brackets once.
pub fn format_host_header(host: &str, port: u16, default_port: u16) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    if port == 0 || port == default_port {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// Whether `byte` may appear in a host: LDH (RFC 952/1123), plus `:`, `%`, `_` and `~` inside
/// an IPv6 literal.
fn is_host_byte(byte: u8, is_ipv6_literal: bool) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'-' | b'.')
        || (is_ipv6_literal && matches!(byte, b':' | b'%' | b'_' | b'~'))
}

fn parse_port(digits: &str) -> Result<u16, TrackerError> {
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(TrackerError::InvalidPort);
    }
    digits.parse::<u16>().map_err(|_| TrackerError::InvalidPort)
}

/// The scrape URL of an announce URL, libtorrent's way: the **first** occurrence of `announce`
/// anywhere in the URL (host and query included, case-sensitive) becomes `scrape`.
///
/// BEP 48 asks for the last path component to be replaced; libtorrent (and so lt) replaces the
/// first occurrence, so `http://t/announce/announce` scrapes `http://t/scrape/announce`.
///
/// # Errors
/// [`TrackerError::ScrapeNotAvailable`] when the URL does not contain `announce`.
///
/// # Examples
/// ```
/// use lt_tracker::scrape_url;
/// assert_eq!(scrape_url("http://t.example/x/announce.php?k=1")?, "http://t.example/x/scrape.php?k=1");
/// assert!(scrape_url("http://t.example/a").is_err());
/// # Ok::<(), lt_tracker::TrackerError>(())
/// ```
pub fn scrape_url(announce_url: &str) -> Result<String, TrackerError> {
    if !announce_url.contains("announce") {
        return Err(TrackerError::ScrapeNotAvailable);
    }
    Ok(announce_url.replacen("announce", "scrape", 1))
}

/// The URL a redirect's `Location` points to, resolved against the URL that was requested, as
/// libtorrent's `resolve_redirect_location` does: a full URL is used as is; an absolute path
/// replaces the referrer's path; a relative path replaces the referrer's last path segment
/// (`..` is not normalised). A referrer without `://` yields the location verbatim.
pub fn resolve_redirect_location(referrer: &str, location: &str) -> String {
    if location.is_empty() {
        return referrer.to_owned();
    }
    if TrackerUrl::parse(location).is_ok() {
        return location.to_owned();
    }
    let Some(scheme_end) = referrer.find("://") else {
        return location.to_owned();
    };
    let authority_start = scheme_end + 3;
    let mut url = referrer.to_owned();
    if location.starts_with('/') {
        if let Some(slash) = referrer
            .get(authority_start..)
            .and_then(|tail| tail.find('/'))
        {
            url.truncate(authority_start + slash);
        }
    } else {
        if let Some(last_slash) = referrer.rfind('/').filter(|&slash| slash > scheme_end + 2) {
            url.truncate(last_slash);
        }
        if !url.ends_with('/') {
            url.push('/');
        }
    }
    url.push_str(location);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_userinfo_only_with_a_colon_before_the_at() {
        let url = TrackerUrl::parse("http://foo:bar@host.com:80/path").unwrap();
        assert_eq!(url.userinfo, "foo:bar");
        assert_eq!(url.host, "host.com");
        let url = TrackerUrl::parse("http://host.com/path?foo:bar@foo:").unwrap();
        assert_eq!(url.userinfo, "");
        assert_eq!(url.path, "/path?foo:bar@foo:");
    }

    #[test]
    fn default_ports_and_host_header() {
        let url = TrackerUrl::parse("http://[::1]:8080/announce").unwrap();
        assert_eq!(url.host_header(), "[::1]:8080");
        let url = TrackerUrl::parse("http://Example.com/announce").unwrap();
        assert_eq!(url.port_or_default(), Some(80));
        assert_eq!(url.host_header(), "Example.com");
        assert_eq!(
            TrackerUrl::parse("udp://a.example")
                .unwrap()
                .port_or_default(),
            None
        );
    }

    #[test]
    fn rejects_bad_ports() {
        for url in [
            "http://a:/",
            "http://a:65536/",
            "http://a:+1/",
            "http://a:1b",
        ] {
            assert!(
                matches!(TrackerUrl::parse(url), Err(TrackerError::InvalidPort)),
                "{url}"
            );
        }
    }
}
