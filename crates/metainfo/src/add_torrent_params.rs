//! `AddTorrentParams`: everything needed to add a torrent (libtorrent's `add_torrent_params`),
//! and the carrier of resume data.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lt_core::{Bitfield, FileIndex, InfoHash, PieceIndex, Sha256Hash};

use crate::announce::WebSeedKind;
use crate::{LoadTorrentLimits, Magnet, MerkleTree, MetainfoError, TorrentFlags, TorrentInfo};

/// How the files of a torrent are allocated on disk (libtorrent's `storage_mode_t`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum StorageMode {
    /// Files are created sparse and grow as pieces arrive (the default).
    #[default]
    Sparse,
    /// Files get their full size up front.
    Allocate,
}

/// The parameters for adding a torrent, with libtorrent's `add_torrent_params` fields.
///
/// It is also what resume data holds: [`read_resume_data`](crate::read_resume_data) returns
/// one and [`write_resume_data`](crate::write_resume_data) saves one. A torrent needs either
/// [`ti`](Self::ti) (the metadata) or [`info_hashes`](Self::info_hashes), plus a
/// [`save_path`](Self::save_path).
///
/// [`Default`] gives libtorrent's defaults: [`TorrentFlags::DEFAULT`], unlimited rates and
/// connections (−1), unknown scrape counts (−1), sparse storage, everything else empty or 0.
///
/// Equality compares `ti` by its info section (the bytes the info-hashes cover).
///
/// # Examples
/// ```
/// use lt_metainfo::{AddTorrentParams, TorrentFlags};
///
/// let bytes = b"d8:announce17:http://t/announce4:infod6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
/// let mut params = AddTorrentParams::load_torrent_buffer(bytes)?;
/// params.save_path = "/downloads".to_owned();
/// params.flags.remove(TorrentFlags::PAUSED);
/// assert_eq!(params.trackers, ["http://t/announce"]);
/// assert_eq!(params.ti.as_ref().map(|ti| ti.name()), Some("a.txt"));
/// # Ok::<(), lt_metainfo::MetainfoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AddTorrentParams {
    /// The torrent's metadata, if known (from a `.torrent`, or the `info` of resume data).
    pub ti: Option<Arc<TorrentInfo>>,
    /// The info-hashes, when there is no metadata yet (magnet links, resume data).
    pub info_hashes: InfoHash,
    /// A name to show until the metadata arrives; the metadata's name wins.
    pub name: Option<String>,
    /// Where the files go (UTF-8, as resume data stores it).
    pub save_path: String,
    /// Tracker URLs, in order.
    pub trackers: Vec<String>,
    /// The tier of each tracker in [`trackers`](Self::trackers); a tracker without an entry
    /// gets the last tier given (0 when there is none).
    pub tracker_tiers: Vec<u32>,
    /// A tracker id to send until a tracker gives one (`trackerid`). Not saved in resume data.
    pub trackerid: String,
    /// BEP 19 web seeds (`url-list`).
    pub url_seeds: Vec<String>,
    /// BEP 17 HTTP seeds (`httpseeds`).
    pub http_seeds: Vec<String>,
    /// DHT nodes (host, port) to bootstrap from. Not saved in resume data.
    pub dht_nodes: Vec<(String, u16)>,
    /// Peers to try.
    pub peers: Vec<SocketAddr>,
    /// Peers never to connect to.
    pub banned_peers: Vec<SocketAddr>,
    /// The pieces we have, one bit per piece.
    pub have_pieces: Bitfield,
    /// The pieces checked against their hash (in seed mode, the others are checked lazily).
    pub verified_pieces: Bitfield,
    /// Partly downloaded pieces: for each, one bit per 16 KiB block we have.
    pub unfinished_pieces: BTreeMap<PieceIndex, Bitfield>,
    /// File priorities, 0 (don't download) to 7; these win over resume data.
    pub file_priorities: Vec<u8>,
    /// Piece priorities, 0 to 7; file priorities win when both are given.
    pub piece_priorities: Vec<u8>,
    /// Files renamed from the torrent's paths: index → new path.
    pub renamed_files: BTreeMap<FileIndex, String>,
    /// Per file, the known nodes of its v2 merkle tree: the nodes set in
    /// [`merkle_tree_mask`](Self::merkle_tree_mask), in order, or the whole tree when the
    /// mask is empty.
    pub merkle_trees: Vec<Vec<Sha256Hash>>,
    /// Per file, which nodes of the tree [`merkle_trees`](Self::merkle_trees) stores (one bit
    /// per node in flat order).
    pub merkle_tree_mask: Vec<Bitfield>,
    /// Per file, which leaf (block) hashes have been verified.
    pub verified_leaf_hashes: Vec<Bitfield>,
    /// Per-torrent switches; starts at [`TorrentFlags::DEFAULT`].
    pub flags: TorrentFlags,
    /// Most unchoked peers, −1 for unlimited.
    pub max_uploads: i32,
    /// Most connections, −1 for unlimited.
    pub max_connections: i32,
    /// Upload rate limit in bytes per second, −1 for unlimited.
    pub upload_limit: i32,
    /// Download rate limit in bytes per second, −1 for unlimited.
    pub download_limit: i32,
    /// Bytes uploaded over the torrent's life.
    pub total_uploaded: i64,
    /// Bytes downloaded over the torrent's life.
    pub total_downloaded: i64,
    /// Time the torrent has been active (whole seconds are saved).
    pub active_time: Duration,
    /// Time the torrent has been finished (whole seconds are saved).
    pub finished_time: Duration,
    /// Time the torrent has been seeding (whole seconds are saved).
    pub seeding_time: Duration,
    /// When the torrent was added (POSIX seconds; 0 means now).
    pub added_time: i64,
    /// When the torrent completed (POSIX seconds; 0 if it has not).
    pub completed_time: i64,
    /// When a complete copy was last seen in the swarm (POSIX seconds; 0 if never).
    pub last_seen_complete: i64,
    /// When payload was last downloaded (POSIX seconds; 0 if unknown).
    pub last_download: i64,
    /// When payload was last uploaded (POSIX seconds; 0 if unknown).
    pub last_upload: i64,
    /// Seeds in the swarm from the last scrape, −1 if unknown.
    pub num_complete: i32,
    /// Downloaders in the swarm from the last scrape, −1 if unknown.
    pub num_incomplete: i32,
    /// Completed downloads from the last scrape, −1 if unknown.
    pub num_downloaded: i32,
    /// How files are allocated.
    pub storage_mode: StorageMode,
    /// The `.torrent`'s comment.
    pub comment: String,
    /// The program that made the `.torrent`.
    pub created_by: String,
    /// When the `.torrent` was made (POSIX seconds), if known.
    pub creation_date: Option<i64>,
    /// Where the part file goes (empty: the save path).
    pub part_file_dir: String,
    /// The root certificate (PEM) of an SSL torrent, overriding the one in the metadata.
    pub root_certificate: Vec<u8>,
}

impl Default for AddTorrentParams {
    fn default() -> Self {
        Self {
            ti: None,
            info_hashes: InfoHash::default(),
            name: None,
            save_path: String::new(),
            trackers: Vec::new(),
            tracker_tiers: Vec::new(),
            trackerid: String::new(),
            url_seeds: Vec::new(),
            http_seeds: Vec::new(),
            dht_nodes: Vec::new(),
            peers: Vec::new(),
            banned_peers: Vec::new(),
            have_pieces: Bitfield::default(),
            verified_pieces: Bitfield::default(),
            unfinished_pieces: BTreeMap::new(),
            file_priorities: Vec::new(),
            piece_priorities: Vec::new(),
            renamed_files: BTreeMap::new(),
            merkle_trees: Vec::new(),
            merkle_tree_mask: Vec::new(),
            verified_leaf_hashes: Vec::new(),
            flags: TorrentFlags::DEFAULT,
            max_uploads: -1,
            max_connections: -1,
            upload_limit: -1,
            download_limit: -1,
            total_uploaded: 0,
            total_downloaded: 0,
            active_time: Duration::ZERO,
            finished_time: Duration::ZERO,
            seeding_time: Duration::ZERO,
            added_time: 0,
            completed_time: 0,
            last_seen_complete: 0,
            last_download: 0,
            last_upload: 0,
            num_complete: -1,
            num_incomplete: -1,
            num_downloaded: -1,
            storage_mode: StorageMode::Sparse,
            comment: String::new(),
            created_by: String::new(),
            creation_date: None,
            part_file_dir: String::new(),
            root_certificate: Vec::new(),
        }
    }
}

impl PartialEq for AddTorrentParams {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Self {
            ti,
            info_hashes,
            name,
            save_path,
            trackers,
            tracker_tiers,
            trackerid,
            url_seeds,
            http_seeds,
            dht_nodes,
            peers,
            banned_peers,
            have_pieces,
            verified_pieces,
            unfinished_pieces,
            file_priorities,
            piece_priorities,
            renamed_files,
            merkle_trees,
            merkle_tree_mask,
            verified_leaf_hashes,
            flags,
            max_uploads,
            max_connections,
            upload_limit,
            download_limit,
            total_uploaded,
            total_downloaded,
            active_time,
            finished_time,
            seeding_time,
            added_time,
            completed_time,
            last_seen_complete,
            last_download,
            last_upload,
            num_complete,
            num_incomplete,
            num_downloaded,
            storage_mode,
            comment,
            created_by,
            creation_date,
            part_file_dir,
            root_certificate,
        } = self;
        let same_ti = match (ti, &other.ti) {
            (None, None) => true,
            (Some(a), Some(b)) => a.info_section() == b.info_section(),
            _ => false,
        };
        same_ti
            && *info_hashes == other.info_hashes
            && *name == other.name
            && *save_path == other.save_path
            && *trackers == other.trackers
            && *tracker_tiers == other.tracker_tiers
            && *trackerid == other.trackerid
            && *url_seeds == other.url_seeds
            && *http_seeds == other.http_seeds
            && *dht_nodes == other.dht_nodes
            && *peers == other.peers
            && *banned_peers == other.banned_peers
            && *have_pieces == other.have_pieces
            && *verified_pieces == other.verified_pieces
            && *unfinished_pieces == other.unfinished_pieces
            && *file_priorities == other.file_priorities
            && *piece_priorities == other.piece_priorities
            && *renamed_files == other.renamed_files
            && *merkle_trees == other.merkle_trees
            && *merkle_tree_mask == other.merkle_tree_mask
            && *verified_leaf_hashes == other.verified_leaf_hashes
            && *flags == other.flags
            && *max_uploads == other.max_uploads
            && *max_connections == other.max_connections
            && *upload_limit == other.upload_limit
            && *download_limit == other.download_limit
            && *total_uploaded == other.total_uploaded
            && *total_downloaded == other.total_downloaded
            && *active_time == other.active_time
            && *finished_time == other.finished_time
            && *seeding_time == other.seeding_time
            && *added_time == other.added_time
            && *completed_time == other.completed_time
            && *last_seen_complete == other.last_seen_complete
            && *last_download == other.last_download
            && *last_upload == other.last_upload
            && *num_complete == other.num_complete
            && *num_incomplete == other.num_incomplete
            && *num_downloaded == other.num_downloaded
            && *storage_mode == other.storage_mode
            && *comment == other.comment
            && *created_by == other.created_by
            && *creation_date == other.creation_date
            && *part_file_dir == other.part_file_dir
            && *root_certificate == other.root_certificate
    }
}

impl Eq for AddTorrentParams {}

impl AddTorrentParams {
    /// Loads a `.torrent` from its bytes into params ready to add (libtorrent's
    /// `load_torrent_buffer`), with libtorrent's default limits.
    ///
    /// The metadata goes into [`ti`](Self::ti); trackers, web seeds, DHT nodes, comment,
    /// creator, creation date, info-hashes, files renamed for duplicate names, and (v2) the
    /// piece layers as [`merkle_trees`](Self::merkle_trees) are copied out of it, so that
    /// [`write_torrent_file`](crate::write_torrent_file) can write the torrent back.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_bytes`].
    pub fn load_torrent_buffer(bytes: &[u8]) -> Result<Self, MetainfoError> {
        Self::load_torrent_buffer_with(bytes, &LoadTorrentLimits::default())
    }

    /// As [`load_torrent_buffer`](Self::load_torrent_buffer), with the given limits.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_bytes_with`].
    pub fn load_torrent_buffer_with(
        bytes: &[u8],
        limits: &LoadTorrentLimits,
    ) -> Result<Self, MetainfoError> {
        Ok(Self::from(TorrentInfo::from_bytes_with(bytes, limits)?))
    }

    /// Reads a `.torrent` file into params ready to add (libtorrent's `load_torrent_file`),
    /// with libtorrent's default limits.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_file`].
    pub fn load_torrent_file(path: impl AsRef<Path>) -> Result<Self, MetainfoError> {
        Self::load_torrent_file_with(path, &LoadTorrentLimits::default())
    }

    /// As [`load_torrent_file`](Self::load_torrent_file), with the given limits.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_file_with`].
    pub fn load_torrent_file_with(
        path: impl AsRef<Path>,
        limits: &LoadTorrentLimits,
    ) -> Result<Self, MetainfoError> {
        Ok(Self::from(TorrentInfo::from_file_with(path, limits)?))
    }
}

impl From<TorrentInfo> for AddTorrentParams {
    /// Params for adding a loaded torrent, with the fields libtorrent's `load_torrent_*` copy
    /// out of the metadata (see [`AddTorrentParams::load_torrent_buffer`]).
    fn from(ti: TorrentInfo) -> Self {
        Self::from(Arc::new(ti))
    }
}

impl From<Arc<TorrentInfo>> for AddTorrentParams {
    /// As `From<TorrentInfo>`, sharing the metadata.
    fn from(ti: Arc<TorrentInfo>) -> Self {
        let mut params = Self::default();
        for entry in ti.trackers() {
            params.trackers.push(entry.url.clone());
            params.tracker_tiers.push(u32::from(entry.tier));
        }
        if ti.is_i2p() {
            params.flags.insert(TorrentFlags::I2P_TORRENT);
        }
        for seed in ti.web_seeds() {
            match seed.kind {
                WebSeedKind::UrlSeed => params.url_seeds.push(seed.url.clone()),
                WebSeedKind::HttpSeed => params.http_seeds.push(seed.url.clone()),
            }
        }
        params.dht_nodes = ti
            .nodes()
            .iter()
            .map(|node| (node.host.clone(), node.port))
            .collect();
        if ti.is_v2() && ti.has_piece_layers {
            let layers = PieceLayerTrees::new(&ti);
            params.merkle_trees = layers.trees;
            params.merkle_tree_mask = layers.masks;
            params.verified_leaf_hashes = layers.verified;
        }
        // Files renamed to resolve duplicate names.
        let (files, original) = (ti.files(), ti.orig_files());
        for index in 0..files.num_files() {
            let index = FileIndex::new(u32::try_from(index).unwrap_or(u32::MAX));
            if files.file_path(index) != original.file_path(index) {
                let path = files.file_path(index).to_owned();
                params.renamed_files.insert(index, path);
            }
        }
        params.comment = ti.comment().to_owned();
        params.created_by = ti.creator().to_owned();
        params.creation_date = ti.creation_date();
        params.info_hashes = ti.info_hashes();
        params.ti = Some(ti);
        params
    }
}

/// The piece layers of a v2 torrent as the params' merkle trees, as libtorrent 2.1's
/// `load_torrent_*` stores them: for each file larger than a piece that has a piece layer, the
/// tree's known nodes and their mask (the piece layer; the block layer when a piece is one
/// block) and which leaves are verified; nothing for the other files.
struct PieceLayerTrees {
    trees: Vec<Vec<Sha256Hash>>,
    masks: Vec<Bitfield>,
    verified: Vec<Bitfield>,
}

impl PieceLayerTrees {
    fn new(ti: &TorrentInfo) -> Self {
        let files = ti.files();
        let count = files.num_files();
        let mut result = Self {
            trees: vec![Vec::new(); count],
            masks: vec![Bitfield::new(0); count],
            verified: vec![Bitfield::new(0); count],
        };
        let blocks_per_piece = files.blocks_per_piece() as usize;
        for (index, file) in files.files().iter().enumerate() {
            if file.is_pad() || file.size() <= u64::from(files.piece_length()) {
                continue;
            }
            let file_index = FileIndex::new(u32::try_from(index).unwrap_or(u32::MAX));
            let (Some(root), Some(layer)) = (file.root(), ti.piece_layer(file_index)) else {
                continue;
            };
            let num_blocks = usize::try_from(files.file_num_blocks(file_index)).unwrap_or(0);
            let Ok(tree) = MerkleTree::from_piece_layer(root, num_blocks, blocks_per_piece, layer)
            else {
                continue;
            };
            let (hashes, mask) = tree.build_sparse_vector();
            if let (Some(tree_slot), Some(mask_slot), Some(verified_slot)) = (
                result.trees.get_mut(index),
                result.masks.get_mut(index),
                result.verified.get_mut(index),
            ) {
                *tree_slot = hashes;
                *mask_slot = mask;
                *verified_slot = tree.verified_leafs();
            }
        }
        result
    }
}

impl From<Magnet> for AddTorrentParams {
    /// Params for adding a magnet link: info-hashes, name, trackers with tiers, web seeds,
    /// peers, DHT nodes, file priorities, and the `default_dont_download` and `i2p_torrent`
    /// flags, as libtorrent's `parse_magnet_uri` fills them.
    fn from(magnet: Magnet) -> Self {
        let mut params = Self {
            info_hashes: magnet.info_hashes,
            name: magnet.name,
            url_seeds: magnet.url_seeds,
            peers: magnet.peers,
            dht_nodes: magnet.dht_nodes,
            file_priorities: magnet.file_priorities,
            ..Self::default()
        };
        for (url, tier) in magnet.trackers {
            params.trackers.push(url);
            params.tracker_tiers.push(tier);
        }
        params.flags.set(
            TorrentFlags::DEFAULT_DONT_DOWNLOAD,
            magnet.default_dont_download,
        );
        params.flags.set(TorrentFlags::I2P_TORRENT, magnet.is_i2p);
        params
    }
}
