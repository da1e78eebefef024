//! `write_torrent_file`: the `.torrent` for [`AddTorrentParams`] that hold metadata, in
//! libtorrent's layout, with the info section kept byte for byte.

use std::ops::BitOr;

use lt_bencode::{BdecodeError, Dict, Value};
use lt_core::{FileIndex, Sha256Hash};

use crate::raw_splice::encode_with_raw;
use crate::{AddTorrentParams, MerkleTree, TorrentInfo};

/// The highest tracker tier written (libtorrent clamps to 1024 as well).
pub(crate) const MAX_TRACKER_TIER: u32 = 1024;

/// Options of [`write_torrent_file`] (libtorrent's `write_torrent_flags_t`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WriteTorrentFlags(u8);

impl WriteTorrentFlags {
    /// Write a v2 torrent even without (complete) piece layers; such a file is like a magnet
    /// link, its hashes must come from peers (`allow_missing_piece_layer`).
    pub const ALLOW_MISSING_PIECE_LAYER: Self = Self(1);
    /// Leave out `url-list` and `httpseeds` (`no_http_seeds`).
    pub const NO_HTTP_SEEDS: Self = Self(2);
    /// Write the DHT nodes as `nodes` (`include_dht_nodes`).
    pub const INCLUDE_DHT_NODES: Self = Self(4);

    /// No options.
    #[must_use]
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Whether every option of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for WriteTorrentFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// Why a `.torrent` could not be written, in libtorrent's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteTorrentError {
    /// The params hold no metadata ([`AddTorrentParams::ti`] is `None`).
    #[error("missing or invalid 'info' section in torrent file")]
    MissingInfo,
    /// A v2 torrent without piece layers (and not
    /// [`WriteTorrentFlags::ALLOW_MISSING_PIECE_LAYER`]), or merkle trees for fewer files than
    /// the torrent has.
    #[error("one or more files are missing piece layer hashes")]
    MissingPieceLayer,
    /// The merkle trees of a file do not give its whole piece layer.
    #[error("a piece layer is invalid")]
    InvalidPieceLayer,
    /// The info section cannot be held in a [`Value`] (only [`write_torrent_file`]; the
    /// `_buf` form copies the bytes).
    #[error("info section cannot be represented: {0}")]
    InfoNotRepresentable(BdecodeError),
}

impl WriteTorrentError {
    /// libtorrent's name for the error (`errors::` enum name; the last variant is ours).
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::MissingInfo => "torrent_missing_info",
            Self::MissingPieceLayer => "torrent_missing_piece_layer",
            Self::InvalidPieceLayer => "torrent_invalid_piece_layer",
            Self::InfoNotRepresentable(_) => "info_not_representable",
        }
    }
}

/// The `.torrent` for params holding metadata, as a bencoded dictionary (libtorrent's
/// `write_torrent_file`).
///
/// Only `.torrent` fields are written, in libtorrent's layout: `announce` (one tracker) or
/// `announce-list` (tiers), `comment`, `created by`, `creation date`, `info`, `nodes` (with
/// [`WriteTorrentFlags::INCLUDE_DHT_NODES`]), `piece layers` (v2, from
/// [`merkle_trees`](AddTorrentParams::merkle_trees)), `similar` and `collections` (unless the
/// info dictionary holds them), `url-list` and `httpseeds` (unless
/// [`WriteTorrentFlags::NO_HTTP_SEEDS`]). Trackers, web seeds, nodes and texts come from the
/// params, not from `ti`; [`AddTorrentParams::load_torrent_buffer`] copies them out.
///
/// `info` is the info section decoded into a [`Value`]: encoding the result reproduces the
/// section only if it was canonically encoded. [`write_torrent_file_buf`] keeps the exact
/// bytes (and so the info-hash); write files with it.
///
/// # Errors
/// [`WriteTorrentError::MissingInfo`] without `ti`; [`WriteTorrentError::MissingPieceLayer`]
/// and [`WriteTorrentError::InvalidPieceLayer`] for a v2 torrent whose piece layers are
/// missing or incomplete; [`WriteTorrentError::InfoNotRepresentable`].
///
/// # Examples
/// ```
/// use lt_metainfo::{write_torrent_file, AddTorrentParams, WriteTorrentFlags};
///
/// let bytes = b"d8:announce9:http://t/7:comment2:hi4:infod6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
/// let params = AddTorrentParams::load_torrent_buffer(bytes)?;
/// let torrent = write_torrent_file(&params, WriteTorrentFlags::empty())?;
/// assert_eq!(torrent.get(b"comment").and_then(|v| v.as_str()), Some("hi"));
/// assert_eq!(torrent.to_bytes(), bytes);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_torrent_file(
    params: &AddTorrentParams,
    flags: WriteTorrentFlags,
) -> Result<Value, WriteTorrentError> {
    let (mut dict, ti) = torrent_dict(params, flags)?;
    let info = Value::decode(ti.info_section()).map_err(WriteTorrentError::InfoNotRepresentable)?;
    dict.insert(b"info".to_vec(), info);
    Ok(Value::Dict(dict))
}

/// The `.torrent` for params holding metadata, bencoded, with the info section copied byte for
/// byte (see [`write_torrent_file`]). A torrent loaded with
/// [`AddTorrentParams::load_torrent_buffer`] and written with
/// [`WriteTorrentFlags::INCLUDE_DHT_NODES`] comes out as it went in when it was written by
/// libtorrent's rules (canonical keys, one of `announce` and `announce-list`, …).
///
/// # Errors
/// As [`write_torrent_file`], except [`WriteTorrentError::InfoNotRepresentable`].
///
/// # Examples
/// ```
/// use lt_metainfo::{write_torrent_file_buf, AddTorrentParams, WriteTorrentFlags};
///
/// // Keys in the info dictionary out of order: kept as they are, so the info-hash holds.
/// let bytes = b"d4:infod4:name5:a.txt6:lengthi5e12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
/// let params = AddTorrentParams::load_torrent_buffer(bytes)?;
/// assert_eq!(write_torrent_file_buf(&params, WriteTorrentFlags::empty())?, bytes);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_torrent_file_buf(
    params: &AddTorrentParams,
    flags: WriteTorrentFlags,
) -> Result<Vec<u8>, WriteTorrentError> {
    let (dict, ti) = torrent_dict(params, flags)?;
    Ok(encode_with_raw(&dict, b"info", ti.info_section()))
}

/// Every key but `info`, and the metadata.
fn torrent_dict(
    params: &AddTorrentParams,
    flags: WriteTorrentFlags,
) -> Result<(Dict, &TorrentInfo), WriteTorrentError> {
    let ti = params.ti.as_deref().ok_or(WriteTorrentError::MissingInfo)?;
    let mut dict = Dict::new();
    let mut put = |key: &str, value: Value| {
        dict.insert(key.as_bytes().to_vec(), value);
    };
    if !params.comment.is_empty() {
        put("comment", Value::from(params.comment.as_str()));
    }
    if let Some(date) = params.creation_date.filter(|&date| date != 0) {
        put("creation date", Value::Int(date));
    }
    if !params.created_by.is_empty() {
        put("created by", Value::from(params.created_by.as_str()));
    }
    if ti.is_v2() {
        if !params.merkle_trees.is_empty() {
            put("piece layers", Value::Dict(piece_layers(params, ti)?));
        } else if !flags.contains(WriteTorrentFlags::ALLOW_MISSING_PIECE_LAYER) {
            return Err(WriteTorrentError::MissingPieceLayer);
        }
    }
    let strings =
        |list: &[String]| Value::List(list.iter().map(|s| Value::from(s.as_str())).collect());
    if !flags.contains(WriteTorrentFlags::NO_HTTP_SEEDS) {
        if !params.url_seeds.is_empty() {
            put("url-list", strings(&params.url_seeds));
        }
        if !params.http_seeds.is_empty() {
            put("httpseeds", strings(&params.http_seeds));
        }
    }
    if flags.contains(WriteTorrentFlags::INCLUDE_DHT_NODES) && !params.dht_nodes.is_empty() {
        let nodes = params.dht_nodes.iter().map(|(host, port)| {
            Value::List(vec![Value::from(host.as_str()), Value::Int((*port).into())])
        });
        put("nodes", Value::List(nodes.collect()));
    }
    let info_has = |key: &str| {
        lt_bencode::bdecode(ti.info_section())
            .is_ok_and(|document| document.root().dict_find(key).is_some())
    };
    if !ti.similar_torrents().is_empty() && !info_has("similar") {
        let hashes = ti.similar_torrents().iter();
        put(
            "similar",
            Value::List(
                hashes
                    .map(|hash| Value::from(&hash.as_bytes()[..]))
                    .collect(),
            ),
        );
    }
    if !ti.collections().is_empty() && !info_has("collections") {
        put("collections", strings(ti.collections()));
    }
    match params.trackers.as_slice() {
        [] => {}
        [tracker] => put("announce", Value::from(tracker.as_str())),
        _ => put(
            "announce-list",
            tracker_list(&params.trackers, &params.tracker_tiers),
        ),
    }
    Ok((dict, ti))
}

/// `piece layers`: for each file larger than a piece, its piece layer, keyed by its root, from
/// the merkle trees of the params.
fn piece_layers(params: &AddTorrentParams, ti: &TorrentInfo) -> Result<Dict, WriteTorrentError> {
    let files = ti.files();
    if params.merkle_trees.len() != files.num_files() {
        return Err(WriteTorrentError::MissingPieceLayer);
    }
    let blocks_per_piece = files.blocks_per_piece() as usize;
    let mut layers = Dict::new();
    for ((index, file), hashes) in files.files().iter().enumerate().zip(&params.merkle_trees) {
        if file.is_pad() || file.size() <= u64::from(files.piece_length()) {
            continue;
        }
        let index = FileIndex::new(u32::try_from(index).unwrap_or(u32::MAX));
        let root = file.root().ok_or(WriteTorrentError::InvalidPieceLayer)?;
        let num_blocks = usize::try_from(files.file_num_blocks(index)).unwrap_or(usize::MAX);
        let mut tree = MerkleTree::new(root, num_blocks, blocks_per_piece)
            .map_err(|_| WriteTorrentError::InvalidPieceLayer)?;
        let loaded = match params.merkle_tree_mask.get(index.as_usize()) {
            Some(mask) if !mask.is_empty() => tree.load_sparse_tree(hashes, mask),
            _ => tree.load_tree(hashes),
        };
        let layer = loaded
            .ok()
            .and_then(|()| tree.piece_layer())
            .filter(|layer| layer.len() == files.file_num_pieces(index) as usize)
            .ok_or(WriteTorrentError::InvalidPieceLayer)?;
        let bytes: Vec<u8> = layer
            .iter()
            .flat_map(Sha256Hash::as_bytes)
            .copied()
            .collect();
        layers.insert(root.as_bytes().to_vec(), Value::Bytes(bytes));
    }
    Ok(layers)
}

/// Trackers grouped into tier lists (libtorrent's `build_tracker_list`): a tracker without a
/// tier entry keeps the tier before it, tiers are clamped to 0..=1024, and missing tiers are
/// empty lists.
pub(crate) fn tracker_list(trackers: &[String], tiers: &[u32]) -> Value {
    let mut list: Vec<Vec<Value>> = Vec::new();
    let mut tier = 0;
    for (position, url) in trackers.iter().enumerate() {
        if let Some(&given) = tiers.get(position) {
            tier = given.min(MAX_TRACKER_TIER) as usize;
        }
        if list.len() <= tier {
            list.resize_with(tier + 1, Vec::new);
        }
        if let Some(urls) = list.get_mut(tier) {
            urls.push(Value::from(url.as_str()));
        }
    }
    Value::List(list.into_iter().map(Value::List).collect())
}
