//! The UDP tracker wire format (BEP 15) with BEP 41 options: requests we send, responses we
//! read, and (for test trackers and fuzzing) the other direction.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use lt_core::{PeerId, Sha1Hash};

use crate::error::TrackerError;
use crate::request::{AnnounceRequest, Event};
use crate::response::{
    compact_peers_v4, compact_peers_v6, AnnounceResponse, ScrapeResponse, UDP_MIN_INTERVAL,
};

/// The magic connection id of a connect request.
pub const PROTOCOL_ID: u64 = 0x0417_2710_1980;
/// `action` of connect packets.
pub const ACTION_CONNECT: u32 = 0;
/// `action` of announce packets.
pub const ACTION_ANNOUNCE: u32 = 1;
/// `action` of scrape packets.
pub const ACTION_SCRAPE: u32 = 2;
/// `action` of error packets.
pub const ACTION_ERROR: u32 = 3;
/// Length of an announce request without options.
pub const ANNOUNCE_REQUEST_LENGTH: usize = 98;
/// BEP 41 option types.
const OPTION_END: u8 = 0;
const OPTION_NOP: u8 = 1;
const OPTION_URL_DATA: u8 = 2;

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let field = bytes.get(offset..offset + 4)?;
    Some(u32::from_be_bytes(<[u8; 4]>::try_from(field).ok()?))
}

fn read_u64(bytes: &[u8], offset: usize) -> Option<u64> {
    let field = bytes.get(offset..offset + 8)?;
    Some(u64::from_be_bytes(<[u8; 8]>::try_from(field).ok()?))
}

fn read_array<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    <[u8; N]>::try_from(bytes.get(offset..offset + N)?).ok()
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The `action` and `transaction_id` every response starts with, or `None` for a datagram
/// shorter than 8 bytes.
#[must_use]
pub fn read_response_header(datagram: &[u8]) -> Option<(u32, u32)> {
    Some((read_u32(datagram, 0)?, read_u32(datagram, 4)?))
}

/// Appends a connect request.
pub fn write_connect(buffer: &mut Vec<u8>, transaction_id: u32) {
    buffer.extend_from_slice(&PROTOCOL_ID.to_be_bytes());
    buffer.extend_from_slice(&ACTION_CONNECT.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
}

/// Appends an announce request: the 98-byte BEP 15 body, then `url_data` (the tracker URL's
/// path and query) as BEP 41 `URLData` options of at most 255 bytes each.
pub fn write_announce(
    buffer: &mut Vec<u8>,
    connection_id: u64,
    transaction_id: u32,
    request: &AnnounceRequest,
    url_data: &[u8],
) {
    buffer.extend_from_slice(&connection_id.to_be_bytes());
    buffer.extend_from_slice(&ACTION_ANNOUNCE.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
    buffer.extend_from_slice(request.info_hash.as_bytes());
    buffer.extend_from_slice(request.peer_id.as_bytes());
    buffer.extend_from_slice(&to_i64(request.downloaded).to_be_bytes());
    buffer.extend_from_slice(&to_i64(request.left).to_be_bytes());
    buffer.extend_from_slice(&to_i64(request.uploaded).to_be_bytes());
    buffer.extend_from_slice(&request.event.udp_code().to_be_bytes());
    let ip = match request.announce_ip {
        Some(IpAddr::V4(v4)) => u32::from(v4),
        _ => 0,
    };
    buffer.extend_from_slice(&ip.to_be_bytes());
    buffer.extend_from_slice(&request.key.to_be_bytes());
    buffer.extend_from_slice(&request.num_want.to_be_bytes());
    buffer.extend_from_slice(&request.port.to_be_bytes());
    for piece in url_data.chunks(255) {
        buffer.push(OPTION_URL_DATA);
        buffer.push(u8::try_from(piece.len()).unwrap_or(u8::MAX));
        buffer.extend_from_slice(piece);
    }
}

/// Appends a scrape request for `info_hashes`.
pub fn write_scrape(
    buffer: &mut Vec<u8>,
    connection_id: u64,
    transaction_id: u32,
    info_hashes: &[Sha1Hash],
) {
    buffer.extend_from_slice(&connection_id.to_be_bytes());
    buffer.extend_from_slice(&ACTION_SCRAPE.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
    for info_hash in info_hashes {
        buffer.extend_from_slice(info_hash.as_bytes());
    }
}

/// The connection id of a connect response.
///
/// # Errors
/// [`TrackerError::InvalidTrackerResponseLength`] when it is shorter than 16 bytes.
pub fn read_connect_response(datagram: &[u8]) -> Result<u64, TrackerError> {
    read_u64(datagram, 8).ok_or(TrackerError::InvalidTrackerResponseLength)
}

/// An announce response: interval, leechers, seeders, then compact peers of 6 bytes each
/// (`is_ipv6` false) or 18 bytes each (true; the tracker was reached over IPv6). The minimum
/// interval is libtorrent's 60 s, since UDP replies carry none.
///
/// # Errors
/// [`TrackerError::InvalidTrackerResponseLength`] when it is shorter than 20 bytes or its peer
/// list ends in the middle of an entry.
pub fn read_announce_response(
    datagram: &[u8],
    is_ipv6: bool,
) -> Result<AnnounceResponse, TrackerError> {
    let (Some(interval), Some(leechers), Some(seeders)) = (
        read_u32(datagram, 8),
        read_u32(datagram, 12),
        read_u32(datagram, 16),
    ) else {
        return Err(TrackerError::InvalidTrackerResponseLength);
    };
    let peers = datagram.get(20..).unwrap_or_default();
    let mut response = AnnounceResponse {
        interval: Duration::from_secs(u64::from(interval.min(i32::MAX as u32))),
        min_interval: UDP_MIN_INTERVAL,
        incomplete: Some(leechers),
        complete: Some(seeders),
        ..AnnounceResponse::default()
    };
    let length_error = |_| TrackerError::InvalidTrackerResponseLength;
    if is_ipv6 {
        response.peers6 = compact_peers_v6(peers).map_err(length_error)?;
    } else {
        response.peers4 = compact_peers_v4(peers).map_err(length_error)?;
    }
    Ok(response)
}

/// A scrape response: seeders, completed and leechers for each of `count` torrents.
///
/// # Errors
/// [`TrackerError::InvalidTrackerResponseLength`] when it holds fewer than `count` entries.
pub fn read_scrape_response(
    datagram: &[u8],
    count: usize,
) -> Result<Vec<ScrapeResponse>, TrackerError> {
    (0..count)
        .map(|index| {
            let offset = 8 + index * 12;
            match (
                read_u32(datagram, offset),
                read_u32(datagram, offset + 4),
                read_u32(datagram, offset + 8),
            ) {
                (Some(complete), Some(downloaded), Some(incomplete)) => Ok(ScrapeResponse {
                    complete: Some(complete),
                    incomplete: Some(incomplete),
                    downloaded: Some(downloaded),
                    downloaders: None,
                }),
                _ => Err(TrackerError::InvalidTrackerResponseLength),
            }
        })
        .collect()
}

/// The message of an error response (the bytes after the 8-byte header).
#[must_use]
pub fn read_error_response(datagram: &[u8]) -> String {
    String::from_utf8_lossy(datagram.get(8..).unwrap_or_default()).into_owned()
}

/// A request as a tracker reads it (for test trackers and fuzzing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpRequest {
    /// A connect request.
    Connect {
        /// Echoed in the response.
        transaction_id: u32,
    },
    /// An announce request.
    Announce {
        /// The connection id it carries.
        connection_id: u64,
        /// Echoed in the response.
        transaction_id: u32,
        /// The announce; `tracker_id`, `ipv4`, `ipv6`, `corrupt`, `redundant` and
        /// `support_crypto` do not exist over UDP and are left at their defaults.
        request: Box<AnnounceRequest>,
        /// The BEP 41 `URLData` options, concatenated.
        url_data: Vec<u8>,
    },
    /// A scrape request.
    Scrape {
        /// The connection id it carries.
        connection_id: u64,
        /// Echoed in the response.
        transaction_id: u32,
        /// The torrents asked about.
        info_hashes: Vec<Sha1Hash>,
    },
}

/// Reads a request; `None` when it is not a well-formed one.
#[must_use]
pub fn read_request(datagram: &[u8]) -> Option<UdpRequest> {
    let connection_id = read_u64(datagram, 0)?;
    let action = read_u32(datagram, 8)?;
    let transaction_id = read_u32(datagram, 12)?;
    match action {
        ACTION_CONNECT if connection_id == PROTOCOL_ID => {
            Some(UdpRequest::Connect { transaction_id })
        }
        ACTION_ANNOUNCE => {
            let info_hash = Sha1Hash::from_bytes(read_array(datagram, 16)?);
            let peer_id = PeerId::from_bytes(read_array(datagram, 36)?);
            let event = match read_u32(datagram, 80)? {
                1 => Event::Completed,
                2 => Event::Started,
                3 => Event::Stopped,
                4 => Event::Paused,
                _ => Event::None,
            };
            let ip = read_u32(datagram, 84)?;
            let mut request = AnnounceRequest::new(
                info_hash,
                peer_id,
                u16::from_be_bytes(read_array(datagram, 96)?),
            );
            // int64 on the wire; a negative count reads as 0.
            let count = |offset| {
                read_array::<8>(datagram, offset)
                    .map(|raw| u64::try_from(i64::from_be_bytes(raw)).unwrap_or(0))
            };
            request.downloaded = count(56)?;
            request.left = count(64)?;
            request.uploaded = count(72)?;
            request.event = event;
            request.announce_ip = (ip != 0).then(|| IpAddr::V4(Ipv4Addr::from(ip)));
            request.key = read_u32(datagram, 88)?;
            request.num_want = i32::from_be_bytes(read_array(datagram, 92)?);
            let url_data = read_url_data(datagram.get(ANNOUNCE_REQUEST_LENGTH..)?);
            Some(UdpRequest::Announce {
                connection_id,
                transaction_id,
                request: Box::new(request),
                url_data,
            })
        }
        ACTION_SCRAPE => {
            let hashes = datagram.get(16..)?;
            Some(UdpRequest::Scrape {
                connection_id,
                transaction_id,
                info_hashes: hashes
                    .chunks_exact(20)
                    .filter_map(|hash| Sha1Hash::try_from(hash).ok())
                    .collect(),
            })
        }
        _ => None,
    }
}

/// The concatenated `URLData` of BEP 41 options; parsing stops at `EndOfOptions`, at an unknown
/// option and at a truncated one.
fn read_url_data(mut options: &[u8]) -> Vec<u8> {
    let mut url_data = Vec::new();
    while let Some((&kind, rest)) = options.split_first() {
        match kind {
            OPTION_END => break,
            OPTION_NOP => options = rest,
            OPTION_URL_DATA => {
                let Some((&length, rest)) = rest.split_first() else {
                    break;
                };
                let Some(data) = rest.get(..usize::from(length)) else {
                    break;
                };
                url_data.extend_from_slice(data);
                options = rest.get(usize::from(length)..).unwrap_or_default();
            }
            _ => break,
        }
    }
    url_data
}

/// Appends a connect response.
pub fn write_connect_response(buffer: &mut Vec<u8>, transaction_id: u32, connection_id: u64) {
    buffer.extend_from_slice(&ACTION_CONNECT.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
    buffer.extend_from_slice(&connection_id.to_be_bytes());
}

/// Appends an announce response with `peers` of the one address family the request came in on.
pub fn write_announce_response(
    buffer: &mut Vec<u8>,
    transaction_id: u32,
    interval: u32,
    leechers: u32,
    seeders: u32,
    peers: &[SocketAddr],
) {
    buffer.extend_from_slice(&ACTION_ANNOUNCE.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
    for value in [interval, leechers, seeders] {
        buffer.extend_from_slice(&value.to_be_bytes());
    }
    for peer in peers {
        match peer.ip() {
            IpAddr::V4(ip) => buffer.extend_from_slice(&ip.octets()),
            IpAddr::V6(ip) => buffer.extend_from_slice(&ip.octets()),
        }
        buffer.extend_from_slice(&peer.port().to_be_bytes());
    }
}

/// Appends an error response.
pub fn write_error_response(buffer: &mut Vec<u8>, transaction_id: u32, message: &str) {
    buffer.extend_from_slice(&ACTION_ERROR.to_be_bytes());
    buffer.extend_from_slice(&transaction_id.to_be_bytes());
    buffer.extend_from_slice(message.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announce_request_round_trips_with_long_url_data() {
        let mut request = AnnounceRequest::new(
            Sha1Hash::from_bytes([7; 20]),
            PeerId::from_bytes([9; 20]),
            6881,
        );
        request.event = Event::Stopped;
        request.left = u64::MAX;
        request.num_want = -1;
        request.announce_ip = Some("10.1.2.3".parse().unwrap());
        let url_data = vec![b'x'; 300];
        let mut buffer = Vec::new();
        write_announce(&mut buffer, 5, 6, &request, &url_data);
        assert_eq!(buffer.len(), ANNOUNCE_REQUEST_LENGTH + 2 + 255 + 2 + 45);
        let Some(UdpRequest::Announce {
            connection_id,
            transaction_id,
            request: read,
            url_data: read_data,
        }) = read_request(&buffer)
        else {
            panic!("not an announce");
        };
        assert_eq!((connection_id, transaction_id), (5, 6));
        assert_eq!(read.left, i64::MAX as u64);
        assert_eq!(read.event, Event::Stopped);
        assert_eq!(read.num_want, -1);
        assert_eq!(read.announce_ip, request.announce_ip);
        assert_eq!(read_data, url_data);
    }

    #[test]
    fn negative_counts_read_as_zero() {
        let request = AnnounceRequest::new(Sha1Hash::default(), PeerId::from_bytes([0; 20]), 1);
        let mut buffer = Vec::new();
        write_announce(&mut buffer, 1, 2, &request, b"");
        buffer[56..64].copy_from_slice(&(-5i64).to_be_bytes());
        let Some(UdpRequest::Announce { request, .. }) = read_request(&buffer) else {
            panic!("not an announce");
        };
        assert_eq!(request.downloaded, 0);
    }

    #[test]
    fn scrape_entries_must_all_be_there() {
        let mut buffer = Vec::new();
        buffer.extend_from_slice(&ACTION_SCRAPE.to_be_bytes());
        buffer.extend_from_slice(&1u32.to_be_bytes());
        buffer.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7]);
        let entries = read_scrape_response(&buffer, 1).unwrap();
        assert_eq!(entries[0].complete, Some(5));
        assert_eq!(entries[0].downloaded, Some(6));
        assert_eq!(entries[0].incomplete, Some(7));
        assert!(read_scrape_response(&buffer, 2).is_err());
        assert!(read_scrape_response(&buffer[..19], 1).is_err());
    }
}
