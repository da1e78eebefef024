//! `read_resume_data`: libtorrent's resume format (file versions 1 and 2) into
//! [`AddTorrentParams`], key by key as libtorrent 2.1's `read_resume_data` reads it.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use lt_bencode::{DecodeOptions, Node};
use lt_core::{Bitfield, FileIndex, InfoHash, PieceIndex, Sha1Hash, Sha256Hash};

use super::{ResumeError, FILE_FORMAT, MAX_TRACKER_TIER};
use crate::{AddTorrentParams, LoadTorrentLimits, StorageMode, TorrentFlags, TorrentInfo};

/// Reads libtorrent resume data (a `.resume` or qBittorrent `.fastresume` file) into the
/// parameters for adding the torrent.
///
/// Both of libtorrent's layouts load: file version 1 (libtorrent 1.x and 2.0, one byte per
/// piece in `pieces`, `'0'`/`'1'` strings in `trees`) and file version 2 (libtorrent 2.1,
/// packed bitfields). Keys it does not know, such as qBittorrent's `qBt-*`, are ignored. Each
/// key is read as libtorrent reads it: a missing or mistyped key leaves its default, a
/// `trackers` list sets [`TorrentFlags::OVERRIDE_TRACKERS`], a `url-list` or `httpseeds` list
/// sets [`TorrentFlags::OVERRIDE_WEB_SEEDS`], a file priority of 0 clears
/// [`TorrentFlags::SEED_MODE`], and [`TorrentFlags::NEED_SAVE_RESUME`] is cleared. A bitfield
/// read from packed bytes has a multiple of 8 bits.
///
/// The limits bound the decoding (`max_decode_depth`, `max_decode_tokens`) and the `info`
/// dictionary (`max_pieces` and the other torrent limits). Set fields such as
/// [`save_path`](AddTorrentParams::save_path) after reading to override the resume data.
///
/// Where libtorrent converts a 64-bit integer to a 32-bit field it keeps the low 32 bits; so
/// does this. Unlike libtorrent, negative durations read as zero and tracker tiers above 1024
/// read as 1024 (the most libtorrent writes).
///
/// # Errors
/// [`ResumeError::Bdecode`] for invalid bencoding, [`ResumeError::NotADictionary`],
/// [`ResumeError::InvalidFileTag`], [`ResumeError::MissingInfoHash`],
/// [`ResumeError::MismatchingInfoHash`] when `info` does not hash to the info-hash, and
/// [`ResumeError::Metainfo`] when `info` is not a valid torrent.
///
/// # Examples
/// ```
/// use lt_metainfo::{read_resume_data, LoadTorrentLimits, TorrentFlags};
///
/// let resume = b"d11:file-format22:libtorrent resume file9:info-hash20:aaaaaaaaaaaaaaaaaaaa\
///                6:pausedi0e9:save_path5:/data8:trackersll9:http://t/eee";
/// let params = read_resume_data(resume, &LoadTorrentLimits::default())?;
/// assert_eq!(params.save_path, "/data");
/// assert_eq!(params.trackers, ["http://t/"]);
/// assert!(params.flags.contains(TorrentFlags::AUTO_MANAGED | TorrentFlags::OVERRIDE_TRACKERS));
/// assert!(!params.flags.contains(TorrentFlags::PAUSED));
///
/// let error = read_resume_data(b"d11:file-format3:fooe", &LoadTorrentLimits::default()).unwrap_err();
/// assert_eq!(error.to_string(), "invalid file format tag");
/// # Ok::<(), lt_metainfo::ResumeError>(())
/// ```
pub fn read_resume_data(
    bytes: &[u8],
    limits: &LoadTorrentLimits,
) -> Result<AddTorrentParams, ResumeError> {
    let options = DecodeOptions {
        depth_limit: limits.max_decode_depth,
        token_limit: limits.max_decode_tokens,
        ..DecodeOptions::default()
    };
    let document = lt_bencode::bdecode_with(bytes, &options)?;
    read_root(&document.root(), limits)
}

fn read_root(rd: &Node<'_>, limits: &LoadTorrentLimits) -> Result<AddTorrentParams, ResumeError> {
    if !rd.is_dict() {
        return Err(ResumeError::NotADictionary);
    }
    let mut params = AddTorrentParams::default();
    if let Some(allocation) = rd.dict_find_string_value("allocation") {
        params.storage_mode = match allocation {
            b"allocate" | b"full" => StorageMode::Allocate,
            _ => StorageMode::Sparse,
        };
    }
    if rd.dict_find_string_value("file-format") != Some(FILE_FORMAT) {
        return Err(ResumeError::InvalidFileTag);
    }
    let version = int_or(rd, "file-version", 1);
    if !(1..=2).contains(&version) {
        return Err(ResumeError::InvalidFileTag);
    }
    let packed = version >= 2;

    let v1 = rd
        .dict_find_string_value("info-hash")
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok());
    let v2 = rd
        .dict_find_string_value("info-hash2")
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
    if v1.is_none() && v2.is_none() {
        return Err(ResumeError::MissingInfoHash);
    }
    // An all-zero hash is "no hash", as libtorrent's `info_hash_t` has it.
    params.info_hashes = InfoHash {
        v1: v1.map(Sha1Hash::from_bytes).filter(|hash| !hash.is_zero()),
        v2: v2
            .map(Sha256Hash::from_bytes)
            .filter(|hash| !hash.is_zero()),
    };
    params.name = Some(text(rd, "name")).filter(|name| !name.is_empty());
    params.comment = text(rd, "comment");
    params.created_by = text(rd, "created by");
    params.creation_date = Some(int_or(rd, "creation date", 0)).filter(|&date| date != 0);
    if let Some(info) = rd.dict_find_dict("info") {
        params.ti = Some(Arc::new(read_info(&info, &params, limits)?));
    }

    read_trees(rd, packed, &mut params);
    read_counters(rd, &mut params);
    for (key, flag) in TorrentFlags::RESUME_KEYS {
        let default = i64::from(TorrentFlags::DEFAULT.contains(flag));
        params.flags.set(flag, int_or(rd, key, default) != 0);
    }
    params.save_path = text(rd, "save_path");
    params.part_file_dir = text(rd, "part_file_dir");
    params.root_certificate = rd
        .dict_find_string_value("root_certificate")
        .unwrap_or_default()
        .to_vec();
    if let Some(mapped) = rd.dict_find_list("mapped_files") {
        for (index, name) in mapped.list_iter().enumerate() {
            let name = name.as_bytes().unwrap_or_default();
            if !name.is_empty() {
                let index = FileIndex::new(u32::try_from(index).unwrap_or(u32::MAX));
                params.renamed_files.insert(index, lossy(name));
            }
        }
    }
    read_priorities(rd, &mut params);
    read_trackers(rd, &mut params);
    read_pieces(rd, packed, &mut params);
    params.peers = endpoints(rd, "peers", "peers6");
    params.banned_peers = endpoints(rd, "banned_peers", "banned_peers6");
    read_unfinished(rd, &mut params);
    // Just loaded from resume data: nothing to save yet.
    params.flags.remove(TorrentFlags::NEED_SAVE_RESUME);
    Ok(params)
}

/// The torrent in `info`, after checking it against the info-hashes; the resume data's
/// comment, creator and creation date apply to it.
fn read_info(
    info: &Node<'_>,
    params: &AddTorrentParams,
    limits: &LoadTorrentLimits,
) -> Result<TorrentInfo, ResumeError> {
    let section = info.data_section();
    let v1_matches = params
        .info_hashes
        .v1
        .is_none_or(|hash| Sha1Hash::digest(section) == hash);
    let v2_matches = params
        .info_hashes
        .v2
        .is_none_or(|hash| Sha256Hash::digest(section) == hash);
    if !(v1_matches && v2_matches) {
        return Err(ResumeError::MismatchingInfoHash);
    }
    let mut ti = TorrentInfo::from_info_section(section, limits)?;
    ti.comment.clone_from(&params.comment);
    ti.created_by.clone_from(&params.created_by);
    ti.creation_date = params.creation_date;
    Ok(ti)
}

/// `trees`: per file, the stored merkle nodes, verified leaves and node mask. Reading stops at
/// the first entry that is not a dictionary with whole hashes, as libtorrent's does.
fn read_trees(rd: &Node<'_>, packed: bool, params: &mut AddTorrentParams) {
    let Some(trees) = rd.dict_find_list("trees") else {
        return;
    };
    for tree in trees.list_iter() {
        let Some(hashes) = tree.dict_find_string_value("hashes") else {
            break;
        };
        if hashes.len() % 32 != 0 {
            break;
        }
        params.merkle_trees.push(
            hashes
                .chunks_exact(32)
                .filter_map(|chunk| <[u8; 32]>::try_from(chunk).ok())
                .map(Sha256Hash::from_bytes)
                .collect(),
        );
        let bits = |key: &str| {
            let bytes = tree.dict_find_string_value(key).unwrap_or_default();
            if packed {
                packed_bits(bytes)
            } else {
                char_bits(bytes)
            }
        };
        params.verified_leaf_hashes.push(bits("verified"));
        params.merkle_tree_mask.push(bits("mask"));
    }
}

/// Totals, times, scrape counts and limits; 32-bit fields keep the low bits, as in libtorrent.
fn read_counters(rd: &Node<'_>, params: &mut AddTorrentParams) {
    let int32 = |key: &str, default: i32| int_or(rd, key, i64::from(default)) as i32;
    let seconds = |key: &str| Duration::from_secs(u64::try_from(int32(key, 0)).unwrap_or(0));
    params.total_uploaded = int_or(rd, "total_uploaded", 0);
    params.total_downloaded = int_or(rd, "total_downloaded", 0);
    params.active_time = seconds("active_time");
    params.finished_time = seconds("finished_time");
    params.seeding_time = seconds("seeding_time");
    params.last_seen_complete = int_or(rd, "last_seen_complete", 0);
    params.last_download = int_or(rd, "last_download", 0);
    params.last_upload = int_or(rd, "last_upload", 0);
    params.added_time = int_or(rd, "added_time", 0);
    params.completed_time = int_or(rd, "completed_time", 0);
    params.num_complete = int32("num_complete", -1);
    params.num_incomplete = int32("num_incomplete", -1);
    params.num_downloaded = int32("num_downloaded", -1);
    params.max_uploads = int32("max_uploads", -1);
    params.max_connections = int32("max_connections", -1);
    params.upload_limit = int32("upload_rate_limit", -1);
    params.download_limit = int32("download_rate_limit", -1);
}

/// `file_priority` (a list of integers, a non-integer reading as the default priority 4) and
/// `piece_priority` (one byte per piece), both clamped to 0..=7 after libtorrent's cast to a
/// byte. A file priority of 0 leaves seed mode.
fn read_priorities(rd: &Node<'_>, params: &mut AddTorrentParams) {
    const DEFAULT_PRIORITY: i64 = 4;
    const TOP_PRIORITY: u8 = 7;
    if let Some(list) = rd.dict_find_list("file_priority") {
        for item in list.list_iter() {
            let value = if item.is_int() {
                item.int_value()
            } else {
                DEFAULT_PRIORITY
            };
            let priority = (value as u8).min(TOP_PRIORITY);
            if priority == 0 {
                params.flags.remove(TorrentFlags::SEED_MODE);
            }
            params.file_priorities.push(priority);
        }
    }
    if let Some(bytes) = rd.dict_find_string_value("piece_priority") {
        params.piece_priorities = bytes.iter().map(|&byte| byte.min(TOP_PRIORITY)).collect();
    }
}

/// `trackers` (a list of tiers, each a list of URLs; a non-string URL reads as empty) and the
/// web seed lists.
fn read_trackers(rd: &Node<'_>, params: &mut AddTorrentParams) {
    if let Some(tiers) = rd.dict_find_list("trackers") {
        // Present even if empty: the trackers were removed on purpose.
        params.flags.insert(TorrentFlags::OVERRIDE_TRACKERS);
        let tier_lists = tiers.list_iter().filter(Node::is_list);
        for (tier, urls) in tier_lists.enumerate() {
            let tier = u32::try_from(tier)
                .unwrap_or(u32::MAX)
                .min(MAX_TRACKER_TIER);
            for url in urls.list_iter() {
                params
                    .trackers
                    .push(lossy(url.as_bytes().unwrap_or_default()));
                params.tracker_tiers.push(tier);
            }
        }
    }
    let url_list = rd.dict_find_list("url-list");
    let http_seeds = rd.dict_find_list("httpseeds");
    if url_list.is_some() || http_seeds.is_some() {
        params.flags.insert(TorrentFlags::OVERRIDE_WEB_SEEDS);
    }
    let urls = |list: Option<Node<'_>>| -> Vec<String> {
        list.iter()
            .flat_map(Node::list_iter)
            .filter_map(|url| url.as_bytes())
            .filter(|url| !url.is_empty())
            .map(lossy)
            .collect()
    };
    params.url_seeds = urls(url_list);
    params.http_seeds = urls(http_seeds);
}

/// `pieces` (version 1: one byte per piece, bit 0 "have" and bit 1 "verified"; version 2: a
/// bitfield of the pieces we have) and `verified` (a bitfield, replacing bit 1 of version 1).
fn read_pieces(rd: &Node<'_>, packed: bool, params: &mut AddTorrentParams) {
    if let Some(pieces) = rd.dict_find_string_value("pieces") {
        if packed {
            params.have_pieces = packed_bits(pieces);
        } else {
            params.have_pieces = Bitfield::new(pieces.len());
            params.verified_pieces = Bitfield::new(pieces.len());
            for (index, &byte) in pieces.iter().enumerate() {
                if byte & 1 != 0 {
                    params.have_pieces.set(index);
                }
                if byte & 2 != 0 {
                    params.verified_pieces.set(index);
                }
            }
        }
    }
    if let Some(verified) = rd.dict_find_string_value("verified") {
        params.verified_pieces = packed_bits(verified);
    }
}

/// `unfinished`: a list of `{piece, bitmask}`; entries with a negative piece or an empty
/// bitmask are skipped.
fn read_unfinished(rd: &Node<'_>, params: &mut AddTorrentParams) {
    let Some(list) = rd.dict_find_list("unfinished") else {
        return;
    };
    for entry in list.list_iter().filter(Node::is_dict) {
        let piece = int_or(&entry, "piece", -1) as i32;
        let Ok(piece) = u32::try_from(piece) else {
            continue;
        };
        let bitmask = entry.dict_find_string_value("bitmask").unwrap_or_default();
        if !bitmask.is_empty() {
            params
                .unfinished_pieces
                .insert(PieceIndex::new(piece), packed_bits(bitmask));
        }
    }
}

/// Compact endpoints: 6 bytes (IPv4 address, port) under `v4_key`, 18 bytes (IPv6 address,
/// port) under `v6_key`, big-endian; a partial entry at the end is ignored.
fn endpoints(rd: &Node<'_>, v4_key: &str, v6_key: &str) -> Vec<SocketAddr> {
    let bytes = |key: &str| rd.dict_find_string_value(key).unwrap_or_default();
    let v4 = bytes(v4_key).chunks_exact(6).filter_map(|entry| {
        let (ip, port) = split_endpoint::<4>(entry)?;
        Some(SocketAddr::from((Ipv4Addr::from(ip), port)))
    });
    let v6 = bytes(v6_key).chunks_exact(18).filter_map(|entry| {
        let (ip, port) = split_endpoint::<16>(entry)?;
        Some(SocketAddr::from((Ipv6Addr::from(ip), port)))
    });
    v4.chain(v6).collect()
}

/// An address of `N` bytes followed by a big-endian port.
fn split_endpoint<const N: usize>(entry: &[u8]) -> Option<([u8; N], u16)> {
    let (ip, port) = entry.split_first_chunk::<N>()?;
    let port = <[u8; 2]>::try_from(port).ok()?;
    Some((*ip, u16::from_be_bytes(port)))
}

/// libtorrent's `dict_find_int_value(key, default)`: the integer (0 if it overflows 64 bits),
/// or `default` when the key is missing or not an integer.
fn int_or(node: &Node<'_>, key: &str, default: i64) -> i64 {
    node.dict_find_int(key)
        .map_or(default, |value| value.int_value())
}

/// A string value as text (invalid UTF-8 replaced), empty when missing or not a string.
fn text(node: &Node<'_>, key: &str) -> String {
    lossy(node.dict_find_string_value(key).unwrap_or_default())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Bytes in the wire layout as a bitfield of `8 * len` bits.
fn packed_bits(bytes: &[u8]) -> Bitfield {
    Bitfield::from_wire(bytes, bytes.len() * 8).unwrap_or_default()
}

/// A string of `'0'`/`'1'` characters (file version 1) as a bitfield; any byte but `'1'` is a
/// clear bit.
fn char_bits(chars: &[u8]) -> Bitfield {
    let mut bits = Bitfield::new(chars.len());
    for (index, _) in chars.iter().enumerate().filter(|(_, &c)| c == b'1') {
        bits.set(index);
    }
    bits
}
