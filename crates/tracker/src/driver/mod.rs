//! Tokio drivers (feature `tokio`): one announce or scrape to an `http://`, `https://` or
//! `udp://` tracker, start to finish. They do the sockets and timers; every protocol decision is in the sans-I/O
//! parts of the crate.

mod udp;

use lt_core::Sha1Hash;

use crate::error::TrackerError;
use crate::http::client;
use crate::request::{announce_url, scrape_request_url, AnnounceRequest};
use crate::response::ScrapeResponse;
use crate::response::{parse_announce_response, parse_scrape_response, AnnounceResponse};
use crate::settings::TrackerSettings;

pub use self::udp::{udp_announce, udp_scrape};

/// Which protocol a tracker URL speaks, from its scheme.
fn is_udp(tracker_url: &str) -> bool {
    tracker_url
        .trim_start_matches([' ', '\t'])
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("udp://"))
}

/// Announces to `tracker_url` (`http://`, `https://` or `udp://`) and returns the tracker's
/// answer.
///
/// # Errors
/// Any [`TrackerError`]: the URL's (unsupported scheme, SSRF, IDNA), the transport's
/// ([`TimedOut`](TrackerError::TimedOut), [`Io`](TrackerError::Io), and for `https://`
/// [`Tls`](TrackerError::Tls): certificate refused, handshake failed), HTTP's (status, framing,
/// decompression, size) and the tracker's (failure reason, malformed answer).
///
/// # Cancel safety
/// Dropping the future abandons the request; nothing is left running.
///
/// # Examples
/// ```no_run
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_tracker::{driver, AnnounceRequest, Event, TrackerSettings};
///
/// # async fn run() -> Result<(), lt_tracker::TrackerError> {
/// let mut request = AnnounceRequest::new(Sha1Hash::from_bytes([1; 20]), PeerId::generate(), 6881);
/// request.event = Event::Started;
/// let response = driver::announce("udp://tracker.example:6969/announce", &request,
///     &TrackerSettings::default()).await?;
/// println!("{} peers, next announce in {:?}", response.num_peers(), response.interval);
/// # Ok(()) }
/// ```
pub async fn announce(
    tracker_url: &str,
    request: &AnnounceRequest,
    settings: &TrackerSettings,
) -> Result<AnnounceResponse, TrackerError> {
    if is_udp(tracker_url) {
        udp_announce(tracker_url, request, settings).await
    } else {
        http_announce(tracker_url, request, settings).await
    }
}

/// Scrapes one torrent from `tracker_url` (`http://`, `https://` or `udp://`).
///
/// # Errors
/// As for [`announce`], plus [`TrackerError::ScrapeNotAvailable`] for an HTTP tracker URL
/// without `announce` in it.
///
/// # Cancel safety
/// Dropping the future abandons the request.
pub async fn scrape(
    tracker_url: &str,
    info_hash: Sha1Hash,
    settings: &TrackerSettings,
) -> Result<ScrapeResponse, TrackerError> {
    if is_udp(tracker_url) {
        let mut entries = udp_scrape(tracker_url, &[info_hash], settings).await?;
        entries
            .pop()
            .ok_or(TrackerError::InvalidTrackerResponseLength)
    } else {
        http_scrape(tracker_url, info_hash, settings).await
    }
}

/// Announces to an HTTP or HTTPS tracker: builds the URL with [`announce_url`], GETs it
/// (TLS as [`TrackerSettings::validate_https_trackers`] and
/// [`TrackerSettings::extra_root_certificates_pem`] say), requires status 200 and parses the
/// body with [`parse_announce_response`].
///
/// # Errors
/// See [`announce`]; a status other than 200 is [`TrackerError::HttpStatus`].
///
/// # Cancel safety
/// Dropping the future closes the connection.
pub async fn http_announce(
    tracker_url: &str,
    request: &AnnounceRequest,
    settings: &TrackerSettings,
) -> Result<AnnounceResponse, TrackerError> {
    let url = announce_url(tracker_url, request, settings.ssrf_mitigation)?;
    let body = get_ok(&url, settings).await?;
    parse_announce_response(&body)
}

/// Scrapes one torrent from an HTTP or HTTPS tracker (BEP 48): the URL from [`scrape_request_url`],
/// the body through [`parse_scrape_response`].
///
/// # Errors
/// See [`scrape`].
///
/// # Cancel safety
/// Dropping the future closes the connection.
pub async fn http_scrape(
    tracker_url: &str,
    info_hash: Sha1Hash,
    settings: &TrackerSettings,
) -> Result<ScrapeResponse, TrackerError> {
    let url = scrape_request_url(tracker_url, &[info_hash], settings.ssrf_mitigation)?;
    let body = get_ok(&url, settings).await?;
    parse_scrape_response(&body, &info_hash)
}

async fn get_ok(url: &str, settings: &TrackerSettings) -> Result<Vec<u8>, TrackerError> {
    let response = client::get(url, settings).await?;
    if response.status != 200 {
        return Err(TrackerError::HttpStatus {
            status: response.status,
            reason: response.reason,
        });
    }
    Ok(response.body)
}

/// The current time on tokio's clock, which tests can pause and advance.
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}
