//! [`TrackerSettings`]: the libtorrent settings that shape tracker requests, and
//! [`UdpTrackerConfig`] for the UDP core.

use std::time::Duration;

/// How the UDP tracker core retries and how long it trusts a connection id (BEP 15).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let quick = lt_tracker::UdpTrackerConfig {
///     initial_timeout: Duration::from_secs(2),
///     max_retransmits: 2,
///     ..Default::default()
/// };
/// // Waits 2, 4 and 8 seconds: three sends, then the request fails with "timed out".
/// assert_eq!(quick.total_timeout(), Duration::from_secs(14));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpTrackerConfig {
    /// The wait after the first send; each retransmission doubles it (BEP 15: 15 s, so waits
    /// are 15·2ⁿ s).
    pub initial_timeout: Duration,
    /// How many times a request is sent again before it fails (BEP 15: n goes up to 8).
    pub max_retransmits: u32,
    /// How long a connection id may be used after it was received (BEP 15 and libtorrent's
    /// `udp_tracker_token_expiry`: one minute).
    pub connection_id_lifetime: Duration,
}

impl Default for UdpTrackerConfig {
    fn default() -> Self {
        Self {
            initial_timeout: Duration::from_secs(15),
            max_retransmits: 8,
            connection_id_lifetime: Duration::from_secs(60),
        }
    }
}

impl UdpTrackerConfig {
    /// The wait after send number `attempt` (0-based): `initial_timeout · 2^attempt`.
    #[must_use]
    pub fn timeout(&self, attempt: u32) -> Duration {
        self.initial_timeout
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
    }

    /// The time from the first send until a request with no answer fails.
    #[must_use]
    pub fn total_timeout(&self) -> Duration {
        (0..=self.max_retransmits)
            .map(|attempt| self.timeout(attempt))
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}

/// The settings a tracker request follows, named after libtorrent's `settings_pack` entries.
///
/// # Examples
/// ```
/// let settings = lt_tracker::TrackerSettings::default();
/// assert!(settings.ssrf_mitigation && !settings.allow_idna);
/// assert!(settings.validate_https_trackers && settings.extra_root_certificates_pem.is_empty());
/// assert_eq!(settings.tracker_maximum_response_length, 1024 * 1024);
/// ```
///
/// Trusting a private tracker's certificate authority as well as the usual roots:
/// ```no_run
/// let settings = lt_tracker::TrackerSettings {
///     extra_root_certificates_pem: vec![std::fs::read_to_string("private-ca.pem")?],
///     ..Default::default()
/// };
/// # drop(settings);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerSettings {
    /// The longest an HTTP request may take from connect to the last byte
    /// (`tracker_completion_timeout`, 30 s).
    pub tracker_completion_timeout: Duration,
    /// The longest to wait for the next bytes of an HTTP response (`tracker_receive_timeout`,
    /// 10 s).
    pub tracker_receive_timeout: Duration,
    /// The largest HTTP response accepted, headers and inflated body alike
    /// (`tracker_maximum_response_length`, 1 MiB).
    pub tracker_maximum_response_length: usize,
    /// How many redirects an HTTP request follows (libtorrent follows 5); after that the redirect
    /// itself is the answer (an HTTP status error).
    pub max_redirects: u32,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Refuse loopback trackers whose path does not start with `/announce`, and tracker URLs
    /// whose query already carries announce parameters (`ssrf_mitigation`, on).
    pub ssrf_mitigation: bool,
    /// Allow host names with IDNA (`xn--`) labels (`allow_idna`, off).
    pub allow_idna: bool,
    /// Check the certificates of `https://` trackers (`validate_https_trackers`, on): the chain
    /// must end in one of Mozilla's roots (webpki-roots, the same on every system) or in
    /// [`extra_root_certificates_pem`](Self::extra_root_certificates_pem), and the certificate
    /// must be valid for the URL's host. Off, any certificate is accepted (the connection is
    /// still encrypted, but to whoever answers).
    pub validate_https_trackers: bool,
    /// Root certificates trusted for `https://` trackers in addition to Mozilla's: each string
    /// is PEM text with one or more `CERTIFICATE` blocks (a private CA, a tracker's self-signed
    /// certificate). No libtorrent setting; libtorrent uses the system's store. Empty by
    /// default; a string without a valid certificate makes HTTPS requests fail with
    /// [`TlsFailure::InvalidRootCertificate`](crate::TlsFailure::InvalidRootCertificate).
    pub extra_root_certificates_pem: Vec<String>,
    /// Retries and connection-id lifetime for UDP trackers.
    pub udp: UdpTrackerConfig,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            tracker_completion_timeout: Duration::from_secs(30),
            tracker_receive_timeout: Duration::from_secs(10),
            tracker_maximum_response_length: 1024 * 1024,
            max_redirects: 5,
            user_agent: concat!("lt/", env!("CARGO_PKG_VERSION")).to_owned(),
            ssrf_mitigation: true,
            allow_idna: false,
            validate_https_trackers: true,
            extra_root_certificates_pem: Vec::new(),
            udp: UdpTrackerConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep15_schedule() {
        let config = UdpTrackerConfig::default();
        assert_eq!(config.timeout(0), Duration::from_secs(15));
        assert_eq!(config.timeout(8), Duration::from_secs(3840));
        assert_eq!(config.total_timeout(), Duration::from_secs(15 * 511));
        assert_eq!(config.timeout(u32::MAX), config.timeout(31));
    }
}
