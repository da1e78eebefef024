//! The `piece layers` of a v2 torrent: one SHA-256 per piece of each file larger than a piece,
//! checked against the file's `pieces root` (BEP 52).

use std::collections::HashMap;

use lt_bencode::Node;
use lt_core::{FileIndex, Sha256Hash, BLOCK_SIZE};

use crate::file_storage::FileStorage;
use crate::MetainfoError;

/// The root of a subtree of `leaves` all-zero leaf hashes (`leaves` a power of two).
pub(crate) fn zero_subtree_root(leaves: u64) -> Sha256Hash {
    crate::merkle::flat::pad_hash(leaves.max(1).trailing_zeros())
}

/// The merkle root over `layer`, padded to a power of two with `pad` hashes.
pub(crate) fn layer_root(layer: &[Sha256Hash], pad: Sha256Hash) -> Sha256Hash {
    crate::merkle::flat::merkle_root(layer, &pad)
}

/// Reads and checks `piece layers`: every entry must be keyed by the root of a file of this
/// torrent, hold one hash per piece of that file, and hash up to that root. Files without an
/// entry are allowed (their hashes can come from peers later).
pub(crate) fn parse_piece_layers(
    layers: &Node<'_>,
    files: &FileStorage,
) -> Result<HashMap<FileIndex, Vec<Sha256Hash>>, MetainfoError> {
    let mut result = HashMap::new();
    if !layers.is_dict() {
        return Err(MetainfoError::InvalidPieceLayer);
    }
    let blocks_per_piece = u64::from(files.piece_length() / BLOCK_SIZE).max(1);
    let pad = zero_subtree_root(blocks_per_piece);
    for (key, value) in layers.dict_iter() {
        let root = <[u8; 32]>::try_from(key)
            .map(Sha256Hash::from_bytes)
            .map_err(|_| MetainfoError::InvalidPieceLayer)?;
        let bytes = value
            .as_bytes()
            .filter(|b| b.len() % 32 == 0)
            .ok_or(MetainfoError::InvalidPieceLayer)?;
        let file = files
            .file_index_for_root(&root)
            .ok_or(MetainfoError::InvalidPieceLayer)?;
        let pieces = files.file_num_pieces(file) as usize;
        if bytes.len() != pieces * 32 {
            return Err(MetainfoError::InvalidPieceLayer);
        }
        let hashes: Vec<Sha256Hash> = bytes
            .chunks_exact(32)
            .filter_map(|chunk| <[u8; 32]>::try_from(chunk).ok().map(Sha256Hash::from_bytes))
            .collect();
        if layer_root(&hashes, pad) != root {
            return Err(MetainfoError::InvalidPieceLayer);
        }
        result.insert(file, hashes);
    }
    Ok(result)
}
