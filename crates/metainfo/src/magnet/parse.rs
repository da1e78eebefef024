//! [`parse_magnet`]: libtorrent's `parse_magnet_uri`, parameter by parameter.

use lt_core::{InfoHash, Sha1Hash, Sha256Hash};

use super::base32::base32_decode;
use super::decimal::leading_int;
use super::endpoint::parse_peer_endpoint;
use super::escape::{unescape_string, url_from_bytes};
use super::tracker_url::{is_i2p_url, is_valid_tracker_url};
use super::{Magnet, MagnetError};

/// What every magnet link starts with, exactly (case-sensitive).
const SCHEME: &str = "magnet:?";

/// The largest file index `so=` may name; larger ones are skipped (libtorrent's guard against
/// allocating huge priority vectors).
const MAX_SELECT_ONLY_INDEX: i32 = 10_000;

/// Parses a magnet link (BEP 9, BEP 53) into the info-hash(es) and hints it carries: v1, v2 or
/// hybrid, exactly as libtorrent's `parse_magnet_uri` does.
///
/// The query is split at `&` into `name=value` pairs. A name may carry a `.<digits>` suffix,
/// which is dropped (`tr.1` is `tr`), and names are compared case-insensitively. Unknown names
/// are ignored, and so are values that do not parse (a bad tracker URL, peer or `so=` range),
/// except in `xt`. A name runs to the first `=` even across an `&`, so `magnet:?a&xt=…` is one
/// unknown parameter `a&xt`, as in libtorrent.
///
/// - `xt=urn:btih:` + 40 hex or 32 base32 characters: the v1 info-hash; `xt=urn:btmh:1220` +
///   64 hex characters: the v2 info-hash. The `urn:…:` prefix is case-sensitive, other `xt`
///   values are ignored, and an `xt` holding `%` is percent-decoded first. A later hash of the
///   same kind replaces an earlier one.
/// - `dn`: the name, percent-decoded (`+` is a space; a bad escape ends it). The last `dn`
///   wins, and an empty name is no name.
/// - `tr`: a tracker, percent-decoded, kept only if it decodes and is a valid tracker URL; each
///   kept tracker gets the next tier. A tracker host ending in `.i2p` sets
///   [`Magnet::is_i2p`].
/// - `ws`: a web seed, percent-decoded, kept if it decodes.
/// - `x.pe`: a peer, `a.b.c.d:port` or `[ipv6]:port` (not decoded, never resolved).
/// - `dht`: a DHT node, `host:port` split at the last `:`, port `1..=65534`.
/// - `so`: file indices and ranges such as `0,2,4-6` (BEP 53). A value of only digits, `-`
///   and `,` sets [`Magnet::default_dont_download`]; each index or range within `0..=10000`
///   marks those files [`Magnet::DEFAULT_PRIORITY`] in [`Magnet::file_priorities`].
///
/// # Errors
/// - [`MagnetError::UnsupportedUrlProtocol`] unless `uri` starts with `magnet:?`;
/// - [`MagnetError::InvalidEscapedString`] for a bad `%` escape in an `xt` value;
/// - [`MagnetError::InvalidInfoHash`] for an `xt=urn:btih:` or `xt=urn:btmh:` hash that does not
///   decode;
/// - [`MagnetError::MissingInfoHashInUri`] when no `xt` names an info-hash.
///
/// The first `xt` error ends parsing, even if a later `xt` is good.
///
/// # Examples
/// ```
/// let magnet = lt_metainfo::parse_magnet(
///     "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Ubuntu+11.04\
///      &tr=udp%3A%2F%2Ftracker.example%3A80&so=0,2-3",
/// )?;
/// assert_eq!(
///     magnet.info_hashes.v1.map(|hash| hash.to_string()).as_deref(),
///     Some("c9e15763f722f23e98a29decdfae341b98d53056")
/// );
/// assert_eq!(magnet.name.as_deref(), Some("Ubuntu 11.04"));
/// assert_eq!(magnet.trackers, [("udp://tracker.example:80".to_owned(), 0)]);
/// assert_eq!(magnet.file_priorities, [4, 0, 4, 4]);
///
/// let error = lt_metainfo::parse_magnet("magnet:?dn=no+hash").unwrap_err();
/// assert_eq!(error.to_string(), "missing info-hash from URI");
/// # Ok::<(), lt_metainfo::MagnetError>(())
/// ```
pub fn parse_magnet(uri: &str) -> Result<Magnet, MagnetError> {
    let query = uri
        .strip_prefix(SCHEME)
        .ok_or(MagnetError::UnsupportedUrlProtocol)?;
    let mut magnet = Magnet::default();
    let mut display_name = Vec::new();
    let mut rest = query;
    while !rest.is_empty() {
        let (name, after_name) = rest.split_once('=').unwrap_or((rest, ""));
        let (value, after_value) = after_name.split_once('&').unwrap_or((after_name, ""));
        let value_offset = uri.len() - after_name.len();
        rest = after_value;

        let name = strip_numeric_suffix(name);
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        if is("dn") {
            display_name =
                unescape_string(value.as_bytes()).unwrap_or_else(|invalid| invalid.decoded_prefix);
        } else if is("tr") {
            add_tracker(&mut magnet, value);
        } else if is("ws") {
            if let Ok(url) = unescape_string(value.as_bytes()) {
                magnet.url_seeds.push(url_from_bytes(url));
            }
        } else if is("xt") {
            add_info_hash(&mut magnet.info_hashes, value, value_offset)?;
        } else if is("so") {
            select_only(&mut magnet, value);
        } else if is("x.pe") {
            magnet.peers.extend(parse_peer_endpoint(value));
        } else if is("dht") {
            magnet.dht_nodes.extend(parse_dht_node(value));
        }
    }
    if magnet.info_hashes.is_empty() {
        return Err(MagnetError::MissingInfoHashInUri);
    }
    if !display_name.is_empty() {
        magnet.name = Some(String::from_utf8_lossy(&display_name).into_owned());
    }
    Ok(magnet)
}

/// Drops a `.<digits>` suffix (also a bare `.`) from a parameter name: `tr.1` is `tr`, while
/// `x.pe` and `tr.a` stay as they are. Only the first `.` counts.
fn strip_numeric_suffix(name: &str) -> &str {
    match name.split_once('.') {
        Some((stem, suffix)) if suffix.bytes().all(|byte| byte.is_ascii_digit()) => stem,
        _ => name,
    }
}

/// `tr=`: keeps the decoded URL if it is a valid tracker URL, in the next tier.
fn add_tracker(magnet: &mut Magnet, value: &str) {
    let Ok(url) = unescape_string(value.as_bytes()) else {
        return;
    };
    if !is_valid_tracker_url(&url) {
        return;
    }
    magnet.is_i2p |= is_i2p_url(&url);
    let tier = u32::try_from(magnet.trackers.len()).unwrap_or(u32::MAX);
    magnet.trackers.push((url_from_bytes(url), tier));
}

/// `xt=`: sets the v1 or v2 hash it names; ignores other URNs.
fn add_info_hash(
    info_hashes: &mut InfoHash,
    value: &str,
    offset: usize,
) -> Result<(), MagnetError> {
    let decoded;
    let value = if value.contains('%') {
        decoded = unescape_string(value.as_bytes())
            .map_err(|_| MagnetError::InvalidEscapedString { offset })?;
        decoded.as_slice()
    } else {
        value.as_bytes()
    };
    let invalid = MagnetError::InvalidInfoHash { offset };
    if let Some(hash) = value.strip_prefix(b"urn:btih:") {
        let hash = match hash.len() {
            40 => parse_hex::<Sha1Hash>(hash),
            32 => base32_decode(hash).and_then(|bytes| Sha1Hash::try_from(bytes.as_slice()).ok()),
            _ => None,
        };
        info_hashes.v1 = Some(hash.ok_or(invalid)?);
    } else if let Some(multihash) = value.strip_prefix(b"urn:btmh:") {
        // Only sha2-256 (multihash code 0x12, length 0x20).
        let hash = multihash
            .strip_prefix(b"1220")
            .filter(|hex| hex.len() == 64)
            .and_then(parse_hex::<Sha256Hash>);
        info_hashes.v2 = Some(hash.ok_or(invalid)?);
    }
    Ok(())
}

/// Hex digits of either case into a hash of exactly their length.
fn parse_hex<Hash: std::str::FromStr>(hex: &[u8]) -> Option<Hash> {
    std::str::from_utf8(hex).ok()?.parse().ok()
}

/// `so=`: BEP 53 select-only indices and ranges.
fn select_only(magnet: &mut Magnet, value: &str) {
    if !value
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'-' || byte == b',')
    {
        return;
    }
    magnet.default_dont_download = true;
    for token in value.split(',').filter(|token| !token.is_empty()) {
        let Some((first, last)) = parse_select_only_token(token) else {
            continue;
        };
        let (Ok(first), Ok(last)) = (usize::try_from(first), usize::try_from(last)) else {
            continue;
        };
        if magnet.file_priorities.len() <= last {
            magnet
                .file_priorities
                .resize(last + 1, Magnet::DONT_DOWNLOAD);
        }
        if let Some(selected) = magnet.file_priorities.get_mut(first..=last) {
            selected.fill(Magnet::DEFAULT_PRIORITY);
        }
    }
}

/// One `so=` token, `i` or `a-b`, as an inclusive range within `0..=10000`. A range splits at
/// its first `-` and needs both ends; its end is read up to the first non-digit (`1-2-3` is
/// `1..=2`, `2--3` is rejected).
fn parse_select_only_token(token: &str) -> Option<(i32, i32)> {
    let (first, last) = match token.split_once('-') {
        Some(("", _)) | Some((_, "")) => return None,
        Some((first, last)) => (
            leading_int(first.as_bytes())?,
            leading_int(last.as_bytes())?,
        ),
        None => {
            let index = leading_int(token.as_bytes())?;
            (index, index)
        }
    };
    let in_bounds = |index: i32| (0..=MAX_SELECT_ONLY_INDEX).contains(&index);
    (in_bounds(first) && in_bounds(last) && first <= last).then_some((first, last))
}

/// `dht=host:port`, split at the last `:`; the host is kept verbatim (it may be empty or
/// bracketed), the port must be in `1..=65534`.
fn parse_dht_node(value: &str) -> Option<(String, u16)> {
    let (host, port) = value.rsplit_once(':')?;
    let port = leading_int(port.as_bytes())?;
    let port = u16::try_from(port)
        .ok()
        .filter(|&port| port != 0 && port != u16::MAX)?;
    Some((host.to_owned(), port))
}
