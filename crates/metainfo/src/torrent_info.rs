//! `TorrentInfo`: a loaded `.torrent` (libtorrent's `torrent_info`).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use lt_bencode::{DecodeOptions, Node};
use lt_core::{FileIndex, InfoHash, PieceIndex, Sha1Hash, Sha256Hash};

use crate::announce::{AnnounceEntry, DhtNode, WebSeed, WebSeedKind};
use crate::duplicates::resolve_duplicate_filenames;
use crate::file_storage::{FileSlice, FileStorage, PeerRequest};
use crate::info_section::{hash20, parse_info_section};
use crate::piece_layers::parse_piece_layers;
use crate::url_escape::maybe_url_encode;
use crate::utf8::verify_encoding;
use crate::{LoadTorrentLimits, MetainfoError};

/// A loaded torrent: its info-hashes, files, pieces and the rest of the `.torrent`.
///
/// Loading applies libtorrent's limits and checks (v1, v2 and hybrid torrents), sanitizes every
/// path so no torrent can name a file outside the save path, renames colliding files, and
/// verifies v2 piece layers against the file roots.
#[derive(Debug, Clone)]
pub struct TorrentInfo {
    pub(crate) files: FileStorage,
    pub(crate) orig_files: Option<FileStorage>,
    pub(crate) info_hashes: InfoHash,
    pub(crate) info_section: Vec<u8>,
    pub(crate) piece_hashes: Option<Range<usize>>,
    pub(crate) piece_layers: HashMap<FileIndex, Vec<Sha256Hash>>,
    pub(crate) trackers: Vec<AnnounceEntry>,
    pub(crate) web_seeds: Vec<WebSeed>,
    pub(crate) nodes: Vec<DhtNode>,
    pub(crate) comment: String,
    pub(crate) created_by: String,
    pub(crate) creation_date: Option<i64>,
    pub(crate) private: bool,
    pub(crate) similar: Vec<Sha1Hash>,
    pub(crate) collections: Vec<String>,
    pub(crate) ssl_cert: bool,
    pub(crate) multifile: bool,
    /// The `.torrent` had a valid `piece layers` dictionary (libtorrent's
    /// `v2_piece_hashes_verified`); resume and `write_torrent_file` use it.
    pub(crate) has_piece_layers: bool,
}

impl TorrentInfo {
    /// Loads a `.torrent` from its bytes with libtorrent's default limits.
    ///
    /// # Errors
    /// A [`MetainfoError`] naming what is wrong, with libtorrent's message.
    ///
    /// # Examples
    /// ```
    /// let bytes = b"d4:infod6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
    /// let torrent = lt_metainfo::TorrentInfo::from_bytes(bytes)?;
    /// assert_eq!(torrent.name(), "a.txt");
    /// assert_eq!(torrent.total_size(), 5);
    /// assert_eq!(torrent.num_pieces(), 1);
    /// # Ok::<(), lt_metainfo::MetainfoError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<TorrentInfo, MetainfoError> {
        Self::from_bytes_with(bytes, &LoadTorrentLimits::default())
    }

    /// Loads a `.torrent` from its bytes with the given limits.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_bytes`]; [`MetainfoError::MetadataTooLarge`] past
    /// `max_buffer_size`.
    pub fn from_bytes_with(
        bytes: &[u8],
        limits: &LoadTorrentLimits,
    ) -> Result<TorrentInfo, MetainfoError> {
        if bytes.len() > limits.max_buffer_size {
            return Err(MetainfoError::MetadataTooLarge);
        }
        let options = DecodeOptions {
            depth_limit: limits.max_decode_depth,
            token_limit: limits.max_decode_tokens,
            ..DecodeOptions::default()
        };
        let document = lt_bencode::bdecode_with(bytes, &options)?;
        Self::from_node(&document.root(), limits)
    }

    /// Reads and loads a `.torrent` file with libtorrent's default limits.
    ///
    /// # Errors
    /// [`MetainfoError::Io`] when the file cannot be read; otherwise as
    /// [`TorrentInfo::from_bytes`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<TorrentInfo, MetainfoError> {
        Self::from_file_with(path, &LoadTorrentLimits::default())
    }

    /// Reads and loads a `.torrent` file with the given limits.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_file`].
    pub fn from_file_with(
        path: impl AsRef<Path>,
        limits: &LoadTorrentLimits,
    ) -> Result<TorrentInfo, MetainfoError> {
        let path = path.as_ref();
        let io_error = |source| MetainfoError::Io {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io_error)?.len();
        if size > limits.max_buffer_size as u64 {
            return Err(MetainfoError::MetadataTooLarge);
        }
        let bytes = std::fs::read(path).map_err(io_error)?;
        Self::from_bytes_with(&bytes, limits)
    }

    /// Loads a torrent from a bare info dictionary (metadata received with `ut_metadata`).
    ///
    /// # Errors
    /// As [`TorrentInfo::from_bytes`].
    pub fn from_info_section(
        bytes: &[u8],
        limits: &LoadTorrentLimits,
    ) -> Result<TorrentInfo, MetainfoError> {
        let options = DecodeOptions {
            depth_limit: limits.max_decode_depth,
            token_limit: limits.max_decode_tokens,
            ..DecodeOptions::default()
        };
        let document = lt_bencode::bdecode_with(bytes, &options)?;
        let mut torrent = Self::from_info_node(&document.root(), limits)?;
        torrent.resolve_duplicates(limits)?;
        Ok(torrent)
    }

    /// Loads a torrent from a decoded `.torrent` root.
    ///
    /// # Errors
    /// As [`TorrentInfo::from_bytes`].
    pub fn from_node(
        root: &Node<'_>,
        limits: &LoadTorrentLimits,
    ) -> Result<TorrentInfo, MetainfoError> {
        if !root.is_dict() {
            return Err(MetainfoError::TorrentIsNoDict);
        }
        let info = root
            .dict_find_dict("info")
            .ok_or(MetainfoError::MissingInfo)?;
        let mut torrent = Self::from_info_node(&info, limits)?;
        torrent.resolve_duplicates(limits)?;
        if torrent.info_hashes.v2.is_some() {
            if let Some(layers) = root.dict_find("piece layers") {
                torrent.piece_layers = parse_piece_layers(&layers, &torrent.files)?;
                torrent.has_piece_layers = true;
            }
        }
        torrent.read_outer_fields(root);
        Ok(torrent)
    }

    fn from_info_node(
        info: &Node<'_>,
        limits: &LoadTorrentLimits,
    ) -> Result<TorrentInfo, MetainfoError> {
        let section = parse_info_section(info, limits)?;
        Ok(TorrentInfo {
            files: section.files,
            orig_files: None,
            info_hashes: section.info_hashes,
            info_section: info.data_section().to_vec(),
            piece_hashes: section.piece_hashes,
            piece_layers: HashMap::new(),
            trackers: Vec::new(),
            web_seeds: Vec::new(),
            nodes: Vec::new(),
            comment: String::new(),
            created_by: String::new(),
            creation_date: None,
            private: section.private,
            similar: section.similar,
            collections: section.collections,
            ssl_cert: section.ssl_cert,
            multifile: section.multifile,
            has_piece_layers: false,
        })
    }

    fn resolve_duplicates(&mut self, limits: &LoadTorrentLimits) -> Result<(), MetainfoError> {
        let renames = resolve_duplicate_filenames(&self.files, limits.max_duplicate_filenames)?;
        if !renames.is_empty() {
            self.orig_files = Some(self.files.clone());
            for (index, path) in renames {
                self.files.rename_file(index, path);
            }
        }
        Ok(())
    }

    /// Everything outside the info dictionary: trackers, nodes, web seeds, texts, dates.
    fn read_outer_fields(&mut self, root: &Node<'_>) {
        if let Some(list) = root.dict_find_list("similar") {
            self.similar
                .extend(list.list_iter().filter_map(|n| hash20(&n)));
        }
        if let Some(list) = root.dict_find_list("collections") {
            self.collections.extend(list.list_iter().filter_map(|n| {
                n.as_bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            }));
        }
        if let Some(tiers) = root.dict_find_list("announce-list") {
            for (tier, urls) in tiers.list_iter().enumerate() {
                for url in urls.list_iter().filter_map(|n| n.as_bytes()) {
                    let url = trim_start(&String::from_utf8_lossy(url));
                    if !url.is_empty() {
                        self.trackers.push(AnnounceEntry {
                            url,
                            tier: tier.min(255) as u8,
                        });
                    }
                }
            }
        }
        if self.trackers.is_empty() {
            if let Some(url) = root.dict_find_string_value("announce") {
                let url = trim_start(&String::from_utf8_lossy(url));
                if !url.is_empty() {
                    self.trackers.push(AnnounceEntry { url, tier: 0 });
                }
            }
        }
        if let Some(nodes) = root.dict_find_list("nodes") {
            for node in nodes.list_iter() {
                let host = node.list_at(0).and_then(|n| n.as_bytes());
                let port = node.list_at(1).and_then(|n| n.as_int());
                if let (Some(host), Some(port)) = (host, port) {
                    let port = u16::try_from(port).unwrap_or(0);
                    self.nodes.push(DhtNode {
                        host: String::from_utf8_lossy(host).into_owned(),
                        port,
                    });
                }
            }
        }
        self.creation_date = root
            .dict_find_int_value("creation date")
            .filter(|&date| date >= 0);
        self.read_web_seeds(root, "url-list", WebSeedKind::UrlSeed);
        self.read_web_seeds(root, "httpseeds", WebSeedKind::HttpSeed);
        let text = |keys: [&str; 2]| {
            keys.iter()
                .find_map(|key| root.dict_find_string_value(key))
                .map(|bytes| verify_encoding(bytes).0)
                .unwrap_or_default()
        };
        self.comment = text(["comment.utf-8", "comment"]);
        self.created_by = text(["created by.utf-8", "created by"]);
    }

    fn read_web_seeds(&mut self, root: &Node<'_>, key: &str, kind: WebSeedKind) {
        let Some(node) = root.dict_find(key) else {
            return;
        };
        let urls: Vec<&[u8]> = if node.is_string() {
            node.as_bytes().into_iter().collect()
        } else {
            node.list_iter().filter_map(|n| n.as_bytes()).collect()
        };
        for url in urls.into_iter().filter(|url| !url.is_empty()) {
            let mut url = maybe_url_encode(&String::from_utf8_lossy(url));
            if kind == WebSeedKind::UrlSeed
                && self.multifile
                && self.files.num_files() > 1
                && !url.ends_with('/')
            {
                url.push('/');
            }
            if !self
                .web_seeds
                .iter()
                .any(|seed| seed.url == url && seed.kind == kind)
            {
                self.web_seeds.push(WebSeed { url, kind });
            }
        }
    }

    // ----- accessors -----

    /// The torrent's name (root directory of a multi-file torrent, or the file name).
    pub fn name(&self) -> &str {
        self.files.name()
    }

    /// The files, as they will be stored (after renaming colliding names).
    pub fn files(&self) -> &FileStorage {
        &self.files
    }

    /// The files as the torrent names them, before any renaming.
    pub fn orig_files(&self) -> &FileStorage {
        self.orig_files.as_ref().unwrap_or(&self.files)
    }

    /// Number of files, pad files included.
    pub fn num_files(&self) -> usize {
        self.files.num_files()
    }

    /// The v1 and/or v2 info-hashes.
    pub fn info_hashes(&self) -> InfoHash {
        self.info_hashes
    }

    /// The 20-byte info-hash used on the wire: v1, or the truncated v2 of a v2-only torrent.
    pub fn info_hash(&self) -> Sha1Hash {
        self.info_hashes.get_best()
    }

    /// Whether the torrent has a v1 description (v1-only or hybrid).
    pub fn is_v1(&self) -> bool {
        self.info_hashes.v1.is_some()
    }

    /// Whether the torrent has a v2 description (v2-only or hybrid).
    pub fn is_v2(&self) -> bool {
        self.info_hashes.v2.is_some()
    }

    /// The piece length in bytes.
    pub fn piece_length(&self) -> u32 {
        self.files.piece_length()
    }

    /// Number of pieces.
    pub fn num_pieces(&self) -> u32 {
        self.files.num_pieces()
    }

    /// Size of piece `index` (only the last piece may be shorter).
    pub fn piece_size(&self, index: PieceIndex) -> u32 {
        self.files.piece_size(index)
    }

    /// Total size in bytes, pad files included.
    pub fn total_size(&self) -> u64 {
        self.files.total_size()
    }

    /// The v1 SHA-1 of piece `index`, if the torrent has v1 hashes.
    pub fn hash_for_piece(&self, index: PieceIndex) -> Option<Sha1Hash> {
        let range = self.piece_hashes.as_ref()?;
        let start = range.start.checked_add(index.as_usize().checked_mul(20)?)?;
        let bytes = self.info_section.get(start..start.checked_add(20)?)?;
        if start + 20 > range.end {
            return None;
        }
        <[u8; 20]>::try_from(bytes).ok().map(Sha1Hash::from_bytes)
    }

    /// The v2 piece-layer hashes of file `index`, if the torrent carried them.
    pub fn piece_layer(&self, index: FileIndex) -> Option<&[Sha256Hash]> {
        self.piece_layers.get(&index).map(Vec::as_slice)
    }

    /// The raw bytes of the info dictionary (what the info-hashes cover).
    pub fn info_section(&self) -> &[u8] {
        &self.info_section
    }

    /// The trackers, in the torrent's order, with their tiers.
    pub fn trackers(&self) -> &[AnnounceEntry] {
        &self.trackers
    }

    /// The trackers grouped by tier, lowest tier first.
    pub fn tracker_tiers(&self) -> Vec<Vec<String>> {
        let mut tiers: Vec<Vec<String>> = Vec::new();
        let mut sorted: Vec<&AnnounceEntry> = self.trackers.iter().collect();
        sorted.sort_by_key(|entry| entry.tier);
        let mut last_tier = None;
        for entry in sorted {
            if last_tier != Some(entry.tier) {
                tiers.push(Vec::new());
                last_tier = Some(entry.tier);
            }
            if let Some(tier) = tiers.last_mut() {
                tier.push(entry.url.clone());
            }
        }
        tiers
    }

    /// The web seeds (`url-list` and `httpseeds`).
    pub fn web_seeds(&self) -> &[WebSeed] {
        &self.web_seeds
    }

    /// The DHT nodes the torrent suggests.
    pub fn nodes(&self) -> &[DhtNode] {
        &self.nodes
    }

    /// The comment (UTF-8, invalid sequences replaced).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// The program that made the torrent.
    pub fn creator(&self) -> &str {
        &self.created_by
    }

    /// When the torrent was made (POSIX seconds), if it says.
    pub fn creation_date(&self) -> Option<i64> {
        self.creation_date
    }

    /// Whether the torrent is private (trackers only: no DHT, PEX or LSD).
    pub fn is_private(&self) -> bool {
        self.private
    }

    /// Whether a tracker is on I2P (its host ends in `.i2p`).
    pub fn is_i2p(&self) -> bool {
        self.trackers.iter().any(|entry| {
            let rest = entry
                .url
                .split_once("://")
                .map_or(entry.url.as_str(), |(_, rest)| rest);
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            host.ends_with(".i2p")
        })
    }

    /// BEP 38 similar torrents (info-hashes), from inside and outside the info dictionary.
    pub fn similar_torrents(&self) -> &[Sha1Hash] {
        &self.similar
    }

    /// BEP 38 collections, from inside and outside the info dictionary.
    pub fn collections(&self) -> &[String] {
        &self.collections
    }

    /// The SSL root certificate (PEM) of an SSL torrent.
    pub fn ssl_cert(&self) -> Option<Vec<u8>> {
        if !self.ssl_cert {
            return None;
        }
        let document = lt_bencode::bdecode(&self.info_section).ok()?;
        document
            .root()
            .dict_find_string_value("ssl-cert")
            .map(<[u8]>::to_vec)
    }

    /// Where bytes `[offset, offset + size)` of `piece` land in the files.
    pub fn map_block(&self, piece: PieceIndex, offset: u32, size: u64) -> Vec<FileSlice> {
        self.files.map_block(piece, offset, size)
    }

    /// The piece range that bytes of file `index` start at.
    pub fn map_file(&self, index: FileIndex, offset: u64, size: u32) -> Option<PeerRequest> {
        self.files.map_file(index, offset, size)
    }

    /// Renames file `index` (its new full path); [`TorrentInfo::orig_files`] keeps the old name.
    pub fn rename_file(&mut self, index: FileIndex, new_path: String) {
        if self.files.file_path(index) == new_path {
            return;
        }
        if self.orig_files.is_none() {
            self.orig_files = Some(self.files.clone());
        }
        self.files.rename_file(index, new_path);
    }

    /// The torrent's magnet link data: info-hashes, name, trackers with tiers and web seeds
    /// (write it with [`make_magnet`](crate::make_magnet)).
    pub fn to_magnet(&self) -> crate::Magnet {
        let mut magnet = crate::Magnet::new(self.info_hashes);
        magnet.name = Some(self.name().to_string());
        // Like libtorrent, only URLs a tracker client could use go into the link.
        magnet.trackers = self
            .trackers
            .iter()
            .filter(|entry| crate::magnet_internal::is_valid_tracker_url(entry.url.as_bytes()))
            .map(|entry| (entry.url.clone(), u32::from(entry.tier)))
            .collect();
        magnet.url_seeds = self
            .web_seeds
            .iter()
            .filter(|seed| seed.kind == WebSeedKind::UrlSeed)
            .map(|seed| seed.url.clone())
            .collect();
        magnet
    }

    /// Adds a tracker in `tier`.
    pub fn add_tracker(&mut self, url: String, tier: u8) {
        self.trackers.push(AnnounceEntry { url, tier });
    }
}

/// Drops leading whitespace (libtorrent's `ltrim`).
fn trim_start(text: &str) -> String {
    text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .to_string()
}

/// Sanitized paths are checked again here so a bug above can never reach the disk.
#[cfg(test)]
mod tests {
    #[test]
    fn trim_start_removes_only_leading_space() {
        assert_eq!(
            super::trim_start("  \tudp://x/announce "),
            "udp://x/announce "
        );
    }
}
