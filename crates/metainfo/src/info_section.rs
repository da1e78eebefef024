//! Parsing the `info` dictionary: hashes, piece length, name, files, piece hashes, flags.

use lt_bencode::Node;
use lt_core::{InfoHash, Sha1Hash, Sha256Hash, BLOCK_SIZE};

use crate::file_list::{add_v1_file, add_v2_tree, compatible_layouts, is_single_file_tree};
use crate::file_storage::{FileStorage, MAX_PIECE_SIZE};
use crate::path_sanitize::sanitize_append_path_element;
use crate::symlinks::sanitize_symlinks;
use crate::{LoadTorrentLimits, MetainfoError};

/// libtorrent's limit on the number of pieces of any torrent: 2^30 − 1.
const MAX_NUM_PIECES: u64 = (1 << 30) - 1;

/// What the info dictionary holds, before the rest of the `.torrent` is read.
#[derive(Debug)]
pub(crate) struct InfoSection {
    pub(crate) info_hashes: InfoHash,
    pub(crate) files: FileStorage,
    /// Offset of the v1 piece hashes inside the info section, if there are any.
    pub(crate) piece_hashes: Option<std::ops::Range<usize>>,
    pub(crate) private: bool,
    pub(crate) similar: Vec<Sha1Hash>,
    pub(crate) collections: Vec<String>,
    pub(crate) ssl_cert: bool,
    pub(crate) multifile: bool,
}

/// Parses an info dictionary with libtorrent's checks, in libtorrent's order (so the same
/// broken torrent fails with the same error).
pub(crate) fn parse_info_section(
    info: &Node<'_>,
    limits: &LoadTorrentLimits,
) -> Result<InfoSection, MetainfoError> {
    if !info.is_dict() {
        return Err(MetainfoError::InfoNoDict);
    }
    let section = info.data_section();
    let info_offset = info.data_offset();
    let version = info.dict_find_int_value("meta version").unwrap_or(-1);
    // The SHA-256 is only meaningful (and only computed) for v2 info dictionaries.
    let mut info_hashes = InfoHash {
        v1: Some(Sha1Hash::digest(section)),
        v2: (version >= 2).then(|| Sha256Hash::digest(section)),
    };
    if version > 0 {
        // BEP 52 info dictionaries must be canonical: libtorrent treats soft errors as fatal.
        if info.has_soft_error() {
            return Err(MetainfoError::InvalidBencoding);
        }
        if version > 2 {
            return Err(MetainfoError::UnknownVersion);
        }
    }
    let is_v2 = version >= 2;
    if !is_v2 {
        info_hashes.v2 = None;
    }

    let piece_length = info
        .dict_find_int("piece length")
        .and_then(|n| n.as_int())
        .unwrap_or(-1);
    let piece_length = u64::try_from(piece_length)
        .ok()
        .filter(|&length| length > 0 && length <= MAX_PIECE_SIZE)
        .ok_or(MetainfoError::MissingPieceLength)?;
    if is_v2 && (piece_length < u64::from(BLOCK_SIZE) || !piece_length.is_power_of_two()) {
        return Err(MetainfoError::MissingPieceLength);
    }
    let piece_length = piece_length as u32;

    let name_bytes = info
        .dict_find_string("name.utf-8")
        .or_else(|| info.dict_find_string("name"))
        .and_then(|n| n.as_bytes())
        .ok_or(MetainfoError::MissingName)?;
    let mut name = String::new();
    sanitize_append_path_element(&mut name, name_bytes, false);
    if name.is_empty() {
        name = match (info_hashes.v1, info_hashes.v2) {
            (Some(v1), _) => v1.to_string(),
            (None, Some(v2)) => v2.to_string(),
            (None, None) => String::from("_"),
        };
    }

    let mut files = FileStorage::new(piece_length);
    let mut v1_files = FileStorage::new(piece_length);
    let files_list = info.dict_find_list("files");
    let file_tree = info.dict_find_dict("file tree");
    let mut multifile = false;
    match (is_v2, file_tree) {
        (true, Some(tree)) => {
            files.v2 = true;
            add_v2_tree(
                &mut files,
                &tree,
                &name,
                files_list.is_some(),
                0,
                limits.max_directory_depth,
            )?;
            files.root_dir = !is_single_file_tree(&tree, files_list.is_some());
            if files.root_dir {
                files.name = name.clone();
            }
            sanitize_symlinks(&mut files);
            multifile = files.num_files() > 1;
        }
        (true, None) => return Err(MetainfoError::MissingFileTree),
        (false, Some(_)) => return Err(MetainfoError::MissingMetaVersion),
        (false, None) => {}
    }
    {
        // The v1 description: into `files` for v1 torrents, into `v1_files` to compare for hybrids.
        let v1_target = if is_v2 { &mut v1_files } else { &mut files };
        match files_list {
            None if !is_v2 || info.dict_find("length").is_some() => {
                add_v1_file(v1_target, info, "", true, limits.max_directory_depth)?;
                multifile = false;
            }
            None => info_hashes.v1 = None, // v2 only
            Some(list) => {
                v1_target.name = name.clone();
                v1_target.root_dir = true;
                for entry in list.list_iter() {
                    add_v1_file(v1_target, &entry, &name, false, limits.max_directory_depth)?;
                }
                sanitize_symlinks(v1_target);
                multifile = true;
            }
        }
    }
    if files.num_files() == 0 {
        return Err(MetainfoError::NoFiles);
    }
    if files.name.is_empty() {
        return Err(MetainfoError::MissingName);
    }
    if is_v2 && v1_files.num_files() > 0 {
        // Hybrids made by libtorrent 2.0.0-2.0.7 have no tail pad file in their v1 list.
        if files.num_files() == v1_files.num_files() + 1 {
            files.remove_tail_padding();
        }
        if !compatible_layouts(&files, &v1_files) {
            return Err(MetainfoError::InconsistentFiles);
        }
    }

    let pieces = files.total_size.div_ceil(u64::from(piece_length));
    if pieces > MAX_NUM_PIECES || pieces > u64::from(limits.max_pieces) {
        return Err(MetainfoError::TooManyPieces);
    }
    files.num_pieces = pieces as u32;

    let piece_hashes = match info.dict_find_string("pieces") {
        None if !is_v2 => return Err(MetainfoError::MissingPieces),
        None => None,
        Some(node) => {
            if node.string_length() as u64 != pieces * 20 {
                return Err(MetainfoError::InvalidHashes);
            }
            let start = node
                .string_offset()
                .unwrap_or(0)
                .saturating_sub(info_offset);
            Some(start..start + node.string_length())
        }
    };

    let private = info.dict_find_int_value("private").unwrap_or(0) != 0;
    let similar = info
        .dict_find_list("similar")
        .map(|list| list.list_iter().filter_map(|n| hash20(&n)).collect())
        .unwrap_or_default();
    let collections = info
        .dict_find_list("collections")
        .map(|list| {
            list.list_iter()
                .filter_map(|n| {
                    n.as_bytes()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let ssl_cert = info.dict_find_string("ssl-cert").is_some();

    if files.total_size == 0 {
        return Err(MetainfoError::InvalidLength);
    }
    Ok(InfoSection {
        info_hashes,
        files,
        piece_hashes,
        private,
        similar,
        collections,
        ssl_cert,
        multifile,
    })
}

/// A 20-byte string as a SHA-1 hash.
pub(crate) fn hash20(node: &Node<'_>) -> Option<Sha1Hash> {
    node.as_bytes()
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .map(Sha1Hash::from_bytes)
}
