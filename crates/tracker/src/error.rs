//! [`TrackerError`]: everything that can go wrong talking to a tracker, with libtorrent's error
//! names ([`TrackerError::code_name`]) and messages ([`TrackerError::message`]).

use lt_bencode::BdecodeError;

/// Why an announce or scrape failed.
///
/// Variants are grouped by who is at fault, as the other lt crates do: the tracker URL (ours or
/// the torrent's), the tracker's answer (it did not parse, or it said no), the HTTP layer, and
/// the transport. [`code_name`](Self::code_name) gives libtorrent's `errors::error_code_enum`
/// name (or the category's name for HTTP status codes and socket errors), and
/// [`message`](Self::message) libtorrent's text for it; `Display` is that text plus the context
/// a user needs (the tracker's failure reason, the HTTP status line, the bdecode offset).
///
/// # Examples
/// ```
/// use lt_tracker::{parse_announce_response, TrackerError};
///
/// let error = parse_announce_response(b"d14:failure reason12:unregisterede").unwrap_err();
/// assert_eq!(error.code_name(), "tracker_failure");
/// assert_eq!(error.message(), "tracker sent a failure message");
/// assert_eq!(error.to_string(), "tracker sent a failure message: unregistered");
/// assert!(matches!(error, TrackerError::TrackerFailure { ref reason, .. } if reason == "unregistered"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerError {
    // ---- the tracker URL --------------------------------------------------------------------
    /// The URL has no `scheme://`, or a scheme this client cannot announce to (it speaks `http`,
    /// `https` and `udp`).
    #[error("unsupported URL protocol")]
    UnsupportedUrlProtocol,
    /// The URL's host is empty or holds a byte that is not a letter, digit, `-` or `.`.
    #[error("invalid hostname")]
    InvalidHostname,
    /// The URL's port is not a decimal number in `0..=65535`.
    #[error("invalid port")]
    InvalidPort,
    /// An IPv6 literal host has no closing `]`.
    #[error("expected closing ] for address")]
    ExpectedCloseBracketInAddress,
    /// A scrape URL cannot be derived: the announce URL does not contain `announce`.
    #[error("scrape not available on tracker")]
    ScrapeNotAvailable,
    /// SSRF mitigation refused the request: the tracker is on a loopback address and its path
    /// does not start with `/announce`, or the URL's query string already carries one of the
    /// parameters an announce sends.
    #[error("blocked by SSRF mitigation")]
    SsrfMitigation,
    /// The host name has an IDNA (`xn--`) label and IDNA host names are not allowed.
    #[error("blocked by IDNA ban")]
    BlockedByIdna,
    /// The host name resolved to no address this client can use.
    #[error("tracker host {host} resolved to no usable address")]
    HostNotFound {
        /// The host that was looked up.
        host: String,
    },

    // ---- the tracker's answer ---------------------------------------------------------------
    /// The response body is not valid bencoding.
    #[error(transparent)]
    Bdecode(#[from] BdecodeError),
    /// The response is not a dictionary, or a peer dictionary lacks `ip` or a valid `port`.
    #[error("invalid tracker response")]
    InvalidTrackerResponse,
    /// An element of a `peers` list is not a dictionary.
    #[error("invalid peer dictionary entry")]
    InvalidPeerDict,
    /// A compact `peers` or `peers6` string whose length is not a multiple of 6 or 18.
    #[error("missing or invalid 'peers' and 'peers6' entry")]
    InvalidPeersEntry,
    /// A scrape response without a `files` dictionary.
    #[error("missing or invalid 'files' entry")]
    InvalidFilesEntry,
    /// A scrape response whose `files` dictionary has no entry for the info-hash asked about.
    #[error("missing or invalid 'hash' entry")]
    InvalidHashEntry,
    /// The tracker refused the request; `reason` is its `failure reason` (HTTP) or the message of
    /// its error packet (UDP).
    #[error("tracker sent a failure message: {reason}")]
    #[non_exhaustive]
    TrackerFailure {
        /// The tracker's own words.
        reason: String,
    },
    /// A UDP tracker packet is too short for its action, or its peer list is cut in the middle
    /// of an address.
    #[error("udp tracker response packet has invalid size")]
    InvalidTrackerResponseLength,
    /// A UDP tracker packet carried a transaction id this client did not send.
    #[error("invalid transaction id in udp tracker response")]
    InvalidTrackerTransactionId,
    /// A UDP tracker packet answered our transaction with an unexpected action.
    #[error("invalid action field in udp tracker response")]
    InvalidTrackerAction,

    // ---- HTTP -------------------------------------------------------------------------------
    /// The HTTP response could not be parsed; `detail` says what was wrong.
    #[error("Invalid HTTP header ({detail})")]
    HttpParse {
        /// What was wrong with the response's framing.
        detail: &'static str,
    },
    /// The server answered with a status other than 200 (after following redirects).
    #[error("{}", http_status_message(*.status))]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The reason phrase from the status line (libtorrent shows it as the tracker's message).
        reason: String,
    },
    /// A redirect (3xx) without a `Location` header.
    #[error("missing Location header in HTTP redirect")]
    HttpMissingLocation,
    /// A gzip or deflate body did not inflate.
    #[error("failed to decompress HTTP response ({detail})")]
    HttpFailedDecompress {
        /// What the inflater reported.
        detail: &'static str,
    },
    /// The response (or its inflated body) exceeded the configured size limit.
    #[error("tracker response too large (over {limit_bytes} bytes)")]
    ResponseTooLarge {
        /// The limit that was exceeded.
        limit_bytes: usize,
    },

    // ---- transport --------------------------------------------------------------------------
    /// TLS with an `https://` tracker failed, or could not be set up; `failure` says which part
    /// (the certificate, the handshake, or the extra root certificates in the settings).
    #[error("{}", tls_display(*.failure, .host, .detail))]
    Tls {
        /// What failed.
        failure: TlsFailure,
        /// The host of the `https://` URL (the name the certificate must be valid for).
        host: String,
        /// rustls's description of the failure (`invalid peer certificate: UnknownIssuer`,
        /// `received fatal alert: HandshakeFailure`, …).
        detail: String,
    },
    /// No (complete) answer arrived in time.
    #[error("timed out")]
    TimedOut,
    /// A socket operation failed.
    #[error("{operation} failed: {error}")]
    Io {
        /// What was being done: `"connect"`, `"read"`, `"write"`, `"send"`, `"receive"`,
        /// `"bind"`.
        operation: &'static str,
        /// The operating system's error (part of the message, so not also a `source`).
        error: std::io::Error,
    },
}

impl TrackerError {
    /// libtorrent's name for this error: the `errors::error_code_enum` name for the libtorrent
    /// category (`"invalid_peers_entry"`, `"ssrf_mitigation"`, …), the bdecode error's name for
    /// [`Bdecode`](Self::Bdecode), `"http_status"` for HTTP status codes (libtorrent's
    /// `http_category`), and our own names for the transport errors (libtorrent reports TLS
    /// failures in OpenSSL's `ssl` category, which has no names: see [`TlsFailure`]).
    #[must_use]
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::UnsupportedUrlProtocol => "unsupported_url_protocol",
            Self::InvalidHostname => "invalid_hostname",
            Self::InvalidPort => "invalid_port",
            Self::ExpectedCloseBracketInAddress => "expected_close_bracket_in_address",
            Self::ScrapeNotAvailable => "scrape_not_available",
            Self::SsrfMitigation => "ssrf_mitigation",
            Self::BlockedByIdna => "blocked_by_idna",
            Self::HostNotFound { .. } => "host_not_found",
            Self::Bdecode(error) => error.kind.code_name(),
            Self::InvalidTrackerResponse => "invalid_tracker_response",
            Self::InvalidPeerDict => "invalid_peer_dict",
            Self::InvalidPeersEntry => "invalid_peers_entry",
            Self::InvalidFilesEntry => "invalid_files_entry",
            Self::InvalidHashEntry => "invalid_hash_entry",
            Self::TrackerFailure { .. } => "tracker_failure",
            Self::InvalidTrackerResponseLength => "invalid_tracker_response_length",
            Self::InvalidTrackerTransactionId => "invalid_tracker_transaction_id",
            Self::InvalidTrackerAction => "invalid_tracker_action",
            Self::HttpParse { .. } => "http_parse_error",
            Self::HttpStatus { .. } => "http_status",
            Self::HttpMissingLocation => "http_missing_location",
            Self::HttpFailedDecompress { .. } => "http_failed_decompress",
            Self::ResponseTooLarge { .. } => "file_too_large",
            Self::Tls { failure, .. } => failure.code_name(),
            Self::TimedOut => "timed_out",
            Self::Io { .. } => "io_error",
        }
    }

    /// libtorrent's message for this error, without our added context: `"invalid tracker
    /// response"`, `"Invalid HTTP header"`, `"410 (unknown HTTP error)"`, …
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Bdecode(error) => error.kind.message().to_owned(),
            Self::TrackerFailure { .. } => "tracker sent a failure message".to_owned(),
            Self::HttpParse { .. } => "Invalid HTTP header".to_owned(),
            Self::HttpFailedDecompress { .. } => "failed to decompress HTTP response".to_owned(),
            Self::HttpStatus { status, .. } => http_status_message(*status),
            Self::ResponseTooLarge { .. } => "File too large".to_owned(),
            Self::HostNotFound { .. } => "Host not found (authoritative)".to_owned(),
            Self::Tls { failure, .. } => failure.message().to_owned(),
            other => other.to_string(),
        }
    }

    /// The number libtorrent gives this error in its category (`errors::` value, the HTTP status
    /// code, or the bdecode error number), where it has one.
    #[must_use]
    pub fn code_value(&self) -> Option<i32> {
        let value = match self {
            Self::UnsupportedUrlProtocol => 24,
            Self::InvalidHostname => 31,
            Self::InvalidPort => 32,
            Self::ExpectedCloseBracketInAddress => 34,
            Self::TimedOut => 36,
            Self::HttpParse { .. } => 150,
            Self::HttpMissingLocation => 151,
            Self::HttpFailedDecompress { .. } => 152,
            Self::ScrapeNotAvailable => 170,
            Self::InvalidTrackerResponse => 171,
            Self::InvalidPeerDict => 172,
            Self::TrackerFailure { .. } => 173,
            Self::InvalidFilesEntry => 174,
            Self::InvalidHashEntry => 175,
            Self::InvalidPeersEntry => 176,
            Self::InvalidTrackerResponseLength => 177,
            Self::InvalidTrackerTransactionId => 178,
            Self::InvalidTrackerAction => 179,
            Self::SsrfMitigation => 201,
            Self::BlockedByIdna => 202,
            Self::HttpStatus { status, .. } => i32::from(*status),
            _ => return None,
        };
        Some(value)
    }

    /// The tracker's own text for this failure, where there is one: the `failure reason` of a
    /// [`TrackerFailure`](Self::TrackerFailure), or the reason phrase of an
    /// [`HttpStatus`](Self::HttpStatus) (libtorrent shows both as the tracker's message).
    #[must_use]
    pub fn tracker_message(&self) -> Option<&str> {
        match self {
            Self::TrackerFailure { reason } => Some(reason),
            Self::HttpStatus { reason, .. } => Some(reason),
            _ => None,
        }
    }

    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn io(operation: &'static str, error: std::io::Error) -> Self {
        Self::Io { operation, error }
    }
}

/// What part of TLS failed for an `https://` tracker ([`TrackerError::Tls`]).
///
/// libtorrent reports these in OpenSSL's `ssl` error category, whose codes are OpenSSL's and
/// have no names of their own; [`code_name`](Self::code_name) names them after OpenSSL's reason
/// (`certificate_verify_failed`) or libtorrent's `ssl_handshake` operation.
///
/// # Examples
/// ```
/// use lt_tracker::TlsFailure;
/// assert_eq!(TlsFailure::Certificate.code_name(), "certificate_verify_failed");
/// assert_eq!(TlsFailure::Certificate.message(), "certificate verify failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate was refused: unknown issuer (not signed by a trusted root),
    /// expired or not yet valid, not valid for the host name, malformed, or missing.
    Certificate,
    /// The handshake failed otherwise: the server answered with something that is not TLS, sent
    /// an alert, offered no protocol version or cipher suite in common, or closed the connection.
    Handshake,
    /// `TrackerSettings::extra_root_certificates_pem` holds no certificate, bad PEM, or a
    /// certificate that cannot be a trust anchor (the caller's mistake; nothing was sent).
    InvalidRootCertificate,
}

impl TlsFailure {
    /// The name lt gives this failure: `"certificate_verify_failed"` (OpenSSL's reason
    /// `SSL_R_CERTIFICATE_VERIFY_FAILED`, which libtorrent shows as "certificate verify failed"),
    /// `"ssl_handshake_failed"` (libtorrent's operation `ssl_handshake`) and
    /// `"invalid_root_certificate"`.
    #[must_use]
    pub fn code_name(self) -> &'static str {
        match self {
            Self::Certificate => "certificate_verify_failed",
            Self::Handshake => "ssl_handshake_failed",
            Self::InvalidRootCertificate => "invalid_root_certificate",
        }
    }

    /// The message without context: `"certificate verify failed"`, `"SSL handshake failed"`,
    /// `"invalid root certificate"`.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::Certificate => "certificate verify failed",
            Self::Handshake => "SSL handshake failed",
            Self::InvalidRootCertificate => "invalid root certificate",
        }
    }
}

/// The `Display` text of [`TrackerError::Tls`]: the message, whom it concerns, and rustls's words.
fn tls_display(failure: TlsFailure, host: &str, detail: &str) -> String {
    let message = failure.message();
    match failure {
        TlsFailure::InvalidRootCertificate => {
            format!("{message} in extra_root_certificates_pem: {detail}")
        }
        TlsFailure::Certificate => format!("{message} for {host}: {detail}"),
        TlsFailure::Handshake => format!("{message} with {host}: {detail}"),
    }
}

/// libtorrent's `http_category` message: the code, then the reason for the codes it knows.
fn http_status_message(status: u16) -> String {
    let reason = match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "(unknown HTTP error)",
    };
    format!("{status} {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_status_messages_follow_libtorrent() {
        assert_eq!(http_status_message(410), "410 (unknown HTTP error)");
        assert_eq!(http_status_message(404), "404 Not Found");
        let error = TrackerError::HttpStatus {
            status: 503,
            reason: "busy".into(),
        };
        assert_eq!(error.to_string(), "503 Service Unavailable");
        assert_eq!(error.tracker_message(), Some("busy"));
        assert_eq!(error.code_value(), Some(503));
    }

    #[test]
    fn messages_without_context() {
        let error = TrackerError::HttpParse { detail: "x" };
        assert_eq!(error.message(), "Invalid HTTP header");
        assert_eq!(error.code_value(), Some(150));
        assert_eq!(
            TrackerError::SsrfMitigation.message(),
            "blocked by SSRF mitigation"
        );
    }

    #[test]
    fn tls_errors_say_what_failed() {
        let error = TrackerError::Tls {
            failure: TlsFailure::Certificate,
            host: "tracker.example".into(),
            detail: "invalid peer certificate: UnknownIssuer".into(),
        };
        assert_eq!(
            error.to_string(),
            "certificate verify failed for tracker.example: invalid peer certificate: UnknownIssuer"
        );
        assert_eq!(error.code_name(), "certificate_verify_failed");
        assert_eq!(error.message(), "certificate verify failed");
        assert_eq!(error.code_value(), None);
        let error = TrackerError::Tls {
            failure: TlsFailure::Handshake,
            host: "127.0.0.1".into(),
            detail: "tls handshake eof".into(),
        };
        assert_eq!(
            error.to_string(),
            "SSL handshake failed with 127.0.0.1: tls handshake eof"
        );
        assert_eq!(error.code_name(), "ssl_handshake_failed");
    }
}
