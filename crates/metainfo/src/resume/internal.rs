//! What a write → read round trip of resume data keeps, for the tests and the fuzz target. Not
//! a stable API.

use std::net::SocketAddr;
use std::time::Duration;

use lt_core::{Bitfield, InfoHash};

use super::MAX_TRACKER_TIER;
use crate::{AddTorrentParams, TorrentFlags};

/// The params [`read_resume_data`](crate::read_resume_data) gives back for
/// [`write_resume_data_buf`](crate::write_resume_data_buf)`(params)`.
///
/// The format does not carry DHT nodes, the tracker id, flags that are not torrent state, empty
/// URLs and names, sub-second durations, or bitfield lengths that are not whole bytes (they
/// come back padded with clear bits). Trackers come back sorted by tier, peers IPv4 first. Reading sets the flags a
/// fresh read sets, and a file priority of 0 clears seed mode.
#[must_use]
pub fn expected_round_trip(params: &AddTorrentParams) -> AddTorrentParams {
    let mut expected = params.clone();
    let resume_flags = TorrentFlags::RESUME_KEYS
        .iter()
        .fold(TorrentFlags::empty(), |all, (_, flag)| all | *flag);
    expected.flags = (params.flags & resume_flags)
        | TorrentFlags::UPDATE_SUBSCRIBE
        | TorrentFlags::OVERRIDE_TRACKERS
        | TorrentFlags::OVERRIDE_WEB_SEEDS;
    expected.file_priorities = params.file_priorities.iter().map(|&p| p.min(7)).collect();
    if expected.file_priorities.contains(&0) {
        expected.flags.remove(TorrentFlags::SEED_MODE);
    }
    expected.piece_priorities = params.piece_priorities.iter().map(|&p| p.min(7)).collect();
    expected.info_hashes = InfoHash {
        v1: params.info_hashes.v1.filter(|hash| !hash.is_zero()),
        v2: params.info_hashes.v2.filter(|hash| !hash.is_zero()),
    };
    expected.name = params.name.clone().filter(|name| !name.is_empty());
    expected.creation_date = params.creation_date.filter(|&date| date != 0);
    expected.trackerid.clear();
    expected.dht_nodes.clear();
    // Written grouped by tier, so they come back sorted by tier.
    let mut trackers: Vec<(u32, String)> = effective_tiers(&params.trackers, &params.tracker_tiers)
        .into_iter()
        .zip(params.trackers.iter().cloned())
        .collect();
    trackers.sort_by_key(|(tier, _)| *tier);
    (expected.tracker_tiers, expected.trackers) = trackers.into_iter().unzip();
    expected.url_seeds.retain(|url| !url.is_empty());
    expected.http_seeds.retain(|url| !url.is_empty());
    expected.renamed_files.retain(|_, name| !name.is_empty());
    expected.peers = endpoints(&params.peers);
    expected.banned_peers = endpoints(&params.banned_peers);
    expected.have_pieces = whole_bytes(&params.have_pieces);
    expected.verified_pieces = whole_bytes(&params.verified_pieces);
    expected.unfinished_pieces = params
        .unfinished_pieces
        .iter()
        .filter(|(piece, blocks)| i32::try_from(piece.get()).is_ok() && !blocks.is_empty())
        .map(|(piece, blocks)| (*piece, whole_bytes(blocks)))
        .collect();
    let per_tree = |bits: &[Bitfield]| -> Vec<Bitfield> {
        (0..params.merkle_trees.len())
            .map(|file| bits.get(file).map(whole_bytes).unwrap_or_default())
            .collect()
    };
    expected.merkle_tree_mask = per_tree(&params.merkle_tree_mask);
    expected.verified_leaf_hashes = per_tree(&params.verified_leaf_hashes);
    expected.active_time = whole_seconds(params.active_time);
    expected.finished_time = whole_seconds(params.finished_time);
    expected.seeding_time = whole_seconds(params.seeding_time);
    expected
}

/// The tier of each tracker as written: the last given tier carries on, clamped to 1024.
fn effective_tiers(trackers: &[String], tiers: &[u32]) -> Vec<u32> {
    let mut tier = 0;
    (0..trackers.len())
        .map(|position| {
            if let Some(&given) = tiers.get(position) {
                tier = given.min(MAX_TRACKER_TIER);
            }
            tier
        })
        .collect()
}

fn endpoints(peers: &[SocketAddr]) -> Vec<SocketAddr> {
    let plain = |peer: &SocketAddr| match peer {
        SocketAddr::V4(_) => *peer,
        SocketAddr::V6(addr) => SocketAddr::from((*addr.ip(), addr.port())),
    };
    let v4 = peers.iter().filter(|peer| peer.is_ipv4()).map(plain);
    let v6 = peers.iter().filter(|peer| peer.is_ipv6()).map(plain);
    v4.chain(v6).collect()
}

fn whole_bytes(bits: &Bitfield) -> Bitfield {
    let mut padded = bits.clone();
    padded.resize(bits.len().div_ceil(8) * 8);
    padded
}

/// A duration as written (whole seconds) and read back (32 bits, negative as zero).
fn whole_seconds(duration: Duration) -> Duration {
    let written = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    Duration::from_secs(u64::try_from(written as i32).unwrap_or(0))
}
