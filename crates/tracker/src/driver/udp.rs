//! The UDP tracker driver: a [`UdpTracker`] core on a tokio socket of its own.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use lt_core::Sha1Hash;
use tokio::net::UdpSocket;

use super::now;
use crate::error::TrackerError;
use crate::request::AnnounceRequest;
use crate::response::{AnnounceResponse, ScrapeResponse};
use crate::safety::is_idna;
use crate::settings::TrackerSettings;
use crate::udp::{RequestId, UdpTracker, UdpTrackerEvent};
use crate::url::TrackerUrl;

/// The largest datagram a tracker answer can be (IPv4 payload limit).
const MAX_DATAGRAM: usize = 65_507;

/// Announces to a `udp://host:port[/path]` tracker (BEP 15; the path and query go along as BEP
/// 41 `URLData`). Each address of the host is tried in turn until one answers.
///
/// # Errors
/// [`TrackerError::UnsupportedUrlProtocol`] for another scheme, [`TrackerError::InvalidPort`]
/// without a port, [`TrackerError::BlockedByIdna`], [`TrackerError::TimedOut`] after the last
/// retransmission (see [`UdpTrackerConfig`](crate::UdpTrackerConfig)), the tracker's error
/// message as [`TrackerError::TrackerFailure`], and malformed answers.
///
/// # Cancel safety
/// Dropping the future abandons the request and closes its socket.
pub async fn udp_announce(
    tracker_url: &str,
    request: &AnnounceRequest,
    settings: &TrackerSettings,
) -> Result<AnnounceResponse, TrackerError> {
    let (parts, addrs) = resolve(tracker_url, settings).await?;
    let url_data = parts.path.into_bytes();
    let event = run(&addrs, settings, |core, now| {
        core.announce(now, request.clone(), &url_data)
    })
    .await?;
    match event {
        UdpTrackerEvent::Announced { response, .. } => Ok(response),
        UdpTrackerEvent::Failed { error, .. } => Err(error),
        _ => Err(TrackerError::InvalidTrackerAction),
    }
}

/// Scrapes up to 74 torrents from a UDP tracker; one entry per hash, in order.
///
/// # Errors
/// As for [`udp_announce`].
///
/// # Cancel safety
/// Dropping the future abandons the request and closes its socket.
pub async fn udp_scrape(
    tracker_url: &str,
    info_hashes: &[Sha1Hash],
    settings: &TrackerSettings,
) -> Result<Vec<ScrapeResponse>, TrackerError> {
    let (_, addrs) = resolve(tracker_url, settings).await?;
    let event = run(&addrs, settings, |core, now| core.scrape(now, info_hashes)).await?;
    match event {
        UdpTrackerEvent::Scraped { response, .. } => Ok(response),
        UdpTrackerEvent::Failed { error, .. } => Err(error),
        _ => Err(TrackerError::InvalidTrackerAction),
    }
}

async fn resolve(
    tracker_url: &str,
    settings: &TrackerSettings,
) -> Result<(TrackerUrl, Vec<SocketAddr>), TrackerError> {
    let parts = TrackerUrl::parse(tracker_url)?;
    if !parts.scheme.eq_ignore_ascii_case("udp") {
        return Err(TrackerError::UnsupportedUrlProtocol);
    }
    if !settings.allow_idna && is_idna(&parts.host) {
        return Err(TrackerError::BlockedByIdna);
    }
    let port = parts.port.ok_or(TrackerError::InvalidPort)?;
    let addrs: Vec<SocketAddr> = match parts.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((parts.host.as_str(), port))
            .await
            .map_err(|_| TrackerError::HostNotFound {
                host: parts.host.clone(),
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(TrackerError::HostNotFound { host: parts.host });
    }
    Ok((parts, addrs))
}

/// Runs one request against each address in turn until one gives an answer other than a
/// time-out; returns that answer (or the last time-out).
async fn run(
    addrs: &[SocketAddr],
    settings: &TrackerSettings,
    start: impl Fn(&mut UdpTracker, std::time::Instant) -> RequestId,
) -> Result<UdpTrackerEvent, TrackerError> {
    let mut last = Err(TrackerError::TimedOut);
    for &addr in addrs {
        let mut core = UdpTracker::new(settings.udp.clone(), addr, random_seed(addr));
        start(&mut core, now());
        last = drive(core, addr).await;
        let timed_out = matches!(
            last,
            Ok(UdpTrackerEvent::Failed {
                error: TrackerError::TimedOut,
                ..
            })
        );
        if !timed_out {
            break;
        }
    }
    last
}

/// Drives `core` on a fresh socket until its first event.
async fn drive(mut core: UdpTracker, remote: SocketAddr) -> Result<UdpTrackerEvent, TrackerError> {
    let local: SocketAddr = match remote {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|error| TrackerError::io("bind", error))?;
    let mut outgoing = Vec::new();
    let mut incoming = vec![0; MAX_DATAGRAM];
    loop {
        while let Some(transmit) = core.poll_transmit(now(), &mut outgoing) {
            socket
                .send_to(&outgoing, transmit.destination)
                .await
                .map_err(|error| TrackerError::io("send", error))?;
            outgoing.clear();
        }
        if let Some(event) = core.poll_event() {
            return Ok(event);
        }
        let deadline = core.poll_timeout();
        // An elapsed deadline is handled at once: tokio's budget may keep a ready timer pending.
        if deadline.is_some_and(|deadline| deadline <= now()) {
            core.handle_timeout(now());
            continue;
        }
        let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(now).into());
        tokio::select! {
            received = socket.recv_from(&mut incoming) => match received {
                Ok((length, from)) => {
                    let datagram = incoming.get(..length).unwrap_or_default();
                    core.handle_datagram(now(), from, datagram);
                }
                // An ICMP "port unreachable" surfaces here on some systems; keep waiting, the
                // retransmission timer decides when to give up.
                Err(error) if matches!(error.kind(), ErrorKind::ConnectionRefused
                    | ErrorKind::ConnectionReset) => {}
                Err(error) => return Err(TrackerError::io("receive", error)),
            },
            () = sleep, if deadline.is_some() => core.handle_timeout(now()),
        }
    }
}

/// A seed for transaction ids from std's per-process random hasher keys.
fn random_seed(addr: SocketAddr) -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    addr.hash(&mut hasher);
    now().hash(&mut hasher);
    hasher.finish()
}
