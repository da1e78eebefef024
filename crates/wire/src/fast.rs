//! The allowed-fast set (BEP 6): pieces a peer may download from us while we choke it.

use std::net::IpAddr;

use lt_core::Sha1Hash;

use crate::reader;

/// libtorrent's default `allowed_fast_set_size`.
pub const ALLOWED_FAST_SET_SIZE: usize = 5;

/// The allowed-fast pieces libtorrent offers a peer, in the order it sends them.
///
/// libtorrent does not apply BEP 6's /24 mask: it hashes the peer's full address (4 bytes for
/// IPv4, 16 for IPv6; BEP 6 has no IPv6 rule) followed by the info-hash, then walks the five
/// big-endian words of each successive SHA-1: `word % piece_count` is a candidate; a repeated
/// candidate is skipped; a new one is offered unless the peer has it (`peer_has`), and counts
/// towards `set_size` either way. When `set_size >= piece_count`, every piece the peer lacks is
/// offered. [`allowed_fast_set_bep6`] gives BEP 6's canonical set.
///
/// # Examples
/// ```
/// use lt_core::Sha1Hash;
///
/// let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
/// let address = "80.4.4.200".parse()?;
/// let set = lt_wire::allowed_fast_set(address, &info_hash, 1313, 9, |_| false);
/// assert_eq!(set, [421, 309, 795, 1262, 381, 547, 10, 1003, 681]);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[must_use]
pub fn allowed_fast_set(
    address: IpAddr,
    info_hash: &Sha1Hash,
    piece_count: u32,
    set_size: usize,
    peer_has: impl Fn(u32) -> bool,
) -> Vec<u32> {
    if set_size == 0 || piece_count == 0 {
        return Vec::new();
    }
    if u32::try_from(set_size).is_ok_and(|size| size >= piece_count) {
        return (0..piece_count).filter(|piece| !peer_has(*piece)).collect();
    }
    let mut seed = Vec::with_capacity(36);
    match address {
        IpAddr::V4(ip) => seed.extend_from_slice(&ip.octets()),
        IpAddr::V6(ip) => seed.extend_from_slice(&ip.octets()),
    }
    seed.extend_from_slice(info_hash.as_bytes());
    walk(&seed, piece_count, set_size, peer_has)
}

/// BEP 6's allowed-fast set for an IPv4 peer: the address masked to its /24, the info-hash, and
/// the first `set_size` distinct candidates (the worked example in BEP 6).
///
/// # Examples
/// ```
/// use lt_core::Sha1Hash;
///
/// let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
/// let set = lt_wire::allowed_fast_set_bep6([80, 4, 4, 200].into(), &info_hash, 1313, 7);
/// assert_eq!(set, [1059, 431, 808, 1217, 287, 376, 1188]);
/// ```
#[must_use]
pub fn allowed_fast_set_bep6(
    address: std::net::Ipv4Addr,
    info_hash: &Sha1Hash,
    piece_count: u32,
    set_size: usize,
) -> Vec<u32> {
    if set_size == 0 || piece_count == 0 {
        return Vec::new();
    }
    let set_size = set_size.min(piece_count as usize);
    let masked = u32::from(address) & 0xffff_ff00;
    let mut seed = masked.to_be_bytes().to_vec();
    seed.extend_from_slice(info_hash.as_bytes());
    walk(&seed, piece_count, set_size, |_| false)
}

/// The candidate walk shared by both rules, as libtorrent's `send_allowed_set` runs it: a
/// candidate already offered is skipped; any other counts as an attempt, and is offered unless
/// the peer has it. It gives up after libtorrent's safety limit of 500 words (repeats counting
/// twice), which only a tiny torrent can reach.
fn walk(
    seed: &[u8],
    piece_count: u32,
    set_size: usize,
    peer_has: impl Fn(u32) -> bool,
) -> Vec<u32> {
    const MAX_LOOPS: usize = 500;
    let mut offered: Vec<u32> = Vec::with_capacity(set_size);
    let mut attempts = 0;
    let mut loops = 0;
    let mut hash = Sha1Hash::digest(seed);
    loop {
        for word_at in (0..20).step_by(4) {
            loops += 1;
            let Some(word) = reader::be_u32(hash.as_bytes(), word_at) else {
                continue;
            };
            let piece = word % piece_count;
            if offered.contains(&piece) {
                loops += 1;
                if loops > MAX_LOOPS {
                    return offered;
                }
                continue;
            }
            if !peer_has(piece) {
                offered.push(piece);
            }
            attempts += 1;
            if attempts >= set_size {
                return offered;
            }
        }
        hash = Sha1Hash::digest(hash.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_the_peer_has_count_but_are_not_offered() {
        let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
        let address = IpAddr::from([80, 4, 4, 200]);
        let all = allowed_fast_set(address, &info_hash, 1313, 9, |_| false);
        let without_first = allowed_fast_set(address, &info_hash, 1313, 9, |piece| piece == all[0]);
        assert_eq!(without_first, all[1..]);
    }

    #[test]
    fn small_torrents_offer_every_missing_piece() {
        let info_hash = Sha1Hash::from_bytes([1; 20]);
        let address = IpAddr::from([10, 0, 0, 1]);
        assert_eq!(
            allowed_fast_set(address, &info_hash, 4, 5, |piece| piece == 2),
            [0, 1, 3]
        );
        assert!(allowed_fast_set(address, &info_hash, 0, 5, |_| false).is_empty());
        assert!(allowed_fast_set(address, &info_hash, 100, 0, |_| false).is_empty());
    }

    #[test]
    fn masked_address_reproduces_bep_6() {
        let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
        let masked = allowed_fast_set(IpAddr::from([80, 4, 4, 0]), &info_hash, 1313, 9, |_| false);
        assert_eq!(
            masked,
            allowed_fast_set_bep6([80, 4, 4, 200].into(), &info_hash, 1313, 9)
        );
    }
}
