//! `write_resume_data`: [`AddTorrentParams`] into libtorrent's resume format, file version 2
//! (libtorrent 2.1's layout).

use std::net::SocketAddr;

use lt_bencode::{Dict, Value};
use lt_core::Bitfield;

use super::{FILE_FORMAT, FILE_VERSION};
use crate::raw_splice::encode_with_raw;
use crate::write_torrent::tracker_list;
use crate::{AddTorrentParams, StorageMode, TorrentFlags};

/// What `libtorrent-version` says we are.
const WRITER_VERSION: &str = concat!("lt-metainfo ", env!("CARGO_PKG_VERSION"));

/// Saves the parameters as libtorrent resume data, as a bencoded dictionary.
///
/// The layout is libtorrent 2.1's (`file-version` 2: `pieces`, `verified`, tree masks and
/// unfinished blocks as packed bitfields), which libtorrent 2.1 reads back; everything
/// [`read_resume_data`](crate::read_resume_data) reads is written, with these exceptions,
/// as in libtorrent: [`dht_nodes`](AddTorrentParams::dht_nodes),
/// [`trackerid`](AddTorrentParams::trackerid) and the flags that are not per-torrent state
/// ([`TorrentFlags::OVERRIDE_TRACKERS`], [`TorrentFlags::NEED_SAVE_RESUME`], …) are not saved.
/// `trackers` and `url-list` are always written, so reading the result sets both override
/// flags. `httpseeds` (which libtorrent 2.1 no longer writes) is written when there are HTTP
/// seeds. The info-hashes are written as given (zeros when unset), as libtorrent does.
///
/// The `info` entry is the metadata's info section decoded into a [`Value`]; encoding it gives
/// the same bytes only when the section was canonically encoded. Use
/// [`write_resume_data_buf`], which keeps the section byte for byte, to save to disk. If the
/// section cannot be held in a [`Value`] (an integer beyond 64 bits), `info` is left out.
///
/// # Examples
/// ```
/// use lt_metainfo::{write_resume_data, AddTorrentParams};
///
/// let mut params = AddTorrentParams::default();
/// params.save_path = "/data".to_owned();
/// let resume = write_resume_data(&params);
/// assert_eq!(resume.get(b"file-format").and_then(|v| v.as_bytes()), Some(&b"libtorrent resume file"[..]));
/// assert_eq!(resume.get(b"save_path").and_then(|v| v.as_str()), Some("/data"));
/// assert_eq!(resume.get(b"paused").and_then(|v| v.as_int()), Some(1));
/// ```
pub fn write_resume_data(params: &AddTorrentParams) -> Value {
    let mut dict = resume_dict(params);
    if let Some(ti) = &params.ti {
        if let Ok(info) = Value::decode(ti.info_section()) {
            dict.insert(b"info".to_vec(), info);
        }
    }
    Value::Dict(dict)
}

/// Saves the parameters as libtorrent resume data (see [`write_resume_data`]), bencoded, with
/// the metadata's info section copied byte for byte.
///
/// # Examples
/// ```
/// use lt_metainfo::{read_resume_data, write_resume_data_buf, AddTorrentParams, LoadTorrentLimits};
///
/// let torrent = b"d4:infod6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
/// let mut params = AddTorrentParams::load_torrent_buffer(torrent)?;
/// params.save_path = "/data".to_owned();
/// params.total_uploaded = 1234;
/// let bytes = write_resume_data_buf(&params);
///
/// let loaded = read_resume_data(&bytes, &LoadTorrentLimits::default())?;
/// assert_eq!(loaded.total_uploaded, 1234);
/// assert_eq!(loaded.ti.as_ref().map(|ti| ti.name()), Some("a.txt"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_resume_data_buf(params: &AddTorrentParams) -> Vec<u8> {
    let dict = resume_dict(params);
    match &params.ti {
        Some(ti) => encode_with_raw(&dict, b"info", ti.info_section()),
        None => Value::Dict(dict).to_bytes(),
    }
}

/// Every key but `info`.
fn resume_dict(params: &AddTorrentParams) -> Dict {
    let mut dict = Dict::new();
    let mut put = |key: &str, value: Value| {
        dict.insert(key.as_bytes().to_vec(), value);
    };
    put("file-format", Value::Bytes(FILE_FORMAT.to_vec()));
    put("file-version", Value::Int(FILE_VERSION));
    put("libtorrent-version", Value::from(WRITER_VERSION));
    let allocation = match params.storage_mode {
        StorageMode::Allocate => "allocate",
        StorageMode::Sparse => "sparse",
    };
    put("allocation", Value::from(allocation));

    put("total_uploaded", Value::Int(params.total_uploaded));
    put("total_downloaded", Value::Int(params.total_downloaded));
    let seconds = |duration: std::time::Duration| {
        Value::Int(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
    };
    put("active_time", seconds(params.active_time));
    put("finished_time", seconds(params.finished_time));
    put("seeding_time", seconds(params.seeding_time));
    put("last_seen_complete", Value::Int(params.last_seen_complete));
    put("last_download", Value::Int(params.last_download));
    put("last_upload", Value::Int(params.last_upload));
    put("added_time", Value::Int(params.added_time));
    put("completed_time", Value::Int(params.completed_time));
    put("num_complete", Value::Int(params.num_complete.into()));
    put("num_incomplete", Value::Int(params.num_incomplete.into()));
    put("num_downloaded", Value::Int(params.num_downloaded.into()));
    put("upload_rate_limit", Value::Int(params.upload_limit.into()));
    put(
        "download_rate_limit",
        Value::Int(params.download_limit.into()),
    );
    put("max_connections", Value::Int(params.max_connections.into()));
    // libtorrent 2.0 wrote `upload_limit` here by mistake; 2.1 writes `max_uploads`.
    put("max_uploads", Value::Int(params.max_uploads.into()));
    for (key, flag) in TorrentFlags::RESUME_KEYS {
        put(key, Value::Int(params.flags.contains(flag).into()));
    }

    put("save_path", Value::from(params.save_path.as_str()));
    put("part_file_dir", Value::from(params.part_file_dir.as_str()));
    put(
        "root_certificate",
        Value::Bytes(params.root_certificate.clone()),
    );
    if let Some(name) = params.name.as_deref().filter(|name| !name.is_empty()) {
        put("name", Value::from(name));
    }
    let v1 = params.info_hashes.v1.unwrap_or_default();
    let v2 = params.info_hashes.v2.unwrap_or_default();
    put("info-hash", Value::Bytes(v1.as_bytes().to_vec()));
    put("info-hash2", Value::Bytes(v2.as_bytes().to_vec()));
    if !params.comment.is_empty() {
        put("comment", Value::from(params.comment.as_str()));
    }
    if let Some(date) = params.creation_date.filter(|&date| date != 0) {
        put("creation date", Value::Int(date));
    }
    if !params.created_by.is_empty() {
        put("created by", Value::from(params.created_by.as_str()));
    }

    if !params.merkle_trees.is_empty() {
        put("trees", trees(params));
    }
    if !params.unfinished_pieces.is_empty() {
        let unfinished = params.unfinished_pieces.iter().map(|(piece, blocks)| {
            let mut entry = Dict::new();
            entry.insert(b"piece".to_vec(), Value::Int(piece.get().into()));
            entry.insert(b"bitmask".to_vec(), Value::Bytes(blocks.to_wire()));
            Value::Dict(entry)
        });
        put("unfinished", Value::List(unfinished.collect()));
    }
    put(
        "trackers",
        tracker_list(&params.trackers, &params.tracker_tiers),
    );
    put("url-list", string_list(&params.url_seeds));
    if !params.http_seeds.is_empty() {
        put("httpseeds", string_list(&params.http_seeds));
    }
    if !params.have_pieces.is_empty() {
        put("pieces", Value::Bytes(params.have_pieces.to_wire()));
    }
    if !params.verified_pieces.is_empty() {
        put("verified", Value::Bytes(params.verified_pieces.to_wire()));
    }
    if !params.renamed_files.is_empty() {
        put("mapped_files", mapped_files(params));
    }
    if !params.peers.is_empty() {
        let (v4, v6) = compact_endpoints(&params.peers);
        put("peers", Value::Bytes(v4));
        put("peers6", Value::Bytes(v6));
    }
    if !params.banned_peers.is_empty() {
        let (v4, v6) = compact_endpoints(&params.banned_peers);
        put("banned_peers", Value::Bytes(v4));
        put("banned_peers6", Value::Bytes(v6));
    }
    if !params.file_priorities.is_empty() {
        let priorities = params.file_priorities.iter().map(|&p| Value::Int(p.into()));
        put("file_priority", Value::List(priorities.collect()));
    }
    if !params.piece_priorities.is_empty() {
        put(
            "piece_priority",
            Value::Bytes(params.piece_priorities.clone()),
        );
    }
    dict
}

/// `trees`: per file its stored hashes, plus its verified leaves and node mask when not empty.
fn trees(params: &AddTorrentParams) -> Value {
    let packed =
        |bits: Option<&Bitfield>| bits.filter(|bits| !bits.is_empty()).map(Bitfield::to_wire);
    let trees = params
        .merkle_trees
        .iter()
        .enumerate()
        .map(|(file, hashes)| {
            let mut entry = Dict::new();
            let bytes = hashes
                .iter()
                .flat_map(|hash| hash.as_bytes().iter().copied());
            entry.insert(b"hashes".to_vec(), Value::Bytes(bytes.collect()));
            if let Some(verified) = packed(params.verified_leaf_hashes.get(file)) {
                entry.insert(b"verified".to_vec(), Value::Bytes(verified));
            }
            if let Some(mask) = packed(params.merkle_tree_mask.get(file)) {
                entry.insert(b"mask".to_vec(), Value::Bytes(mask));
            }
            Value::Dict(entry)
        });
    Value::List(trees.collect())
}

/// `mapped_files`: the new name at each renamed file's index, empty strings between.
fn mapped_files(params: &AddTorrentParams) -> Value {
    let mut names = Vec::new();
    for (index, name) in &params.renamed_files {
        let index = index.as_usize();
        if index >= names.len() {
            names.resize(index + 1, Value::Bytes(Vec::new()));
        }
        if let Some(slot) = names.get_mut(index) {
            *slot = Value::from(name.as_str());
        }
    }
    Value::List(names)
}

fn string_list(strings: &[String]) -> Value {
    Value::List(strings.iter().map(|s| Value::from(s.as_str())).collect())
}

/// The endpoints in compact form: IPv4 (6 bytes each) and IPv6 (18 bytes each).
fn compact_endpoints(endpoints: &[SocketAddr]) -> (Vec<u8>, Vec<u8>) {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for endpoint in endpoints {
        match endpoint {
            SocketAddr::V4(addr) => {
                v4.extend_from_slice(&addr.ip().octets());
                v4.extend_from_slice(&addr.port().to_be_bytes());
            }
            SocketAddr::V6(addr) => {
                v6.extend_from_slice(&addr.ip().octets());
                v6.extend_from_slice(&addr.port().to_be_bytes());
            }
        }
    }
    (v4, v6)
}
