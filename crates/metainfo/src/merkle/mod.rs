//! BEP 52 merkle trees: one per file of a v2 torrent, over the SHA-256 hashes of its 16 KiB
//! blocks, padded with zero hashes to a power of two.
//!
//! [`MerkleTree`] is the tree of one file, complete or partially known, as libtorrent's
//! `merkle_tree`: build it from block hashes, load a piece layer, answer hash requests with
//! proofs, check received hashes and downloaded blocks, save and restore it for resume data.
//! [`flat`] holds the flat-array helpers it is built from, as libtorrent's `merkle_*` functions.
//!
//! Nothing here reads files or talks to peers: the caller hashes blocks and moves messages.

mod error;
mod fill;
mod index;
mod pad;
mod proof;
mod request;
mod resume;
mod shape;
mod storage;
mod tree;
mod update;
mod validate;

#[cfg(test)]
mod tests;

pub use self::error::MerkleError;
pub use self::request::HashRequest;
pub use self::tree::MerkleTree;
pub use self::update::{AddHashesResult, BlockRange, FailedPiece, SetBlockResult};

/// Flat-array merkle helpers, as libtorrent's `merkle_*` functions (src/merkle.cpp): index
/// arithmetic, filling and clearing runs of nodes, roots and pad hashes, validation and proofs.
///
/// A tree over `n` leaves (a power of two) is an array of `2n - 1` hashes: the root at index 0,
/// the children of node `i` at `2i + 1` and `2i + 2`, the leaves from `n - 1` on. A zero hash
/// means "unknown". These functions never panic: indices saturate, and slices of the wrong
/// shape give an error or `false`.
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::{merkle_fill_tree, merkle_first_leaf, merkle_num_leafs, merkle_num_nodes};
///
/// let blocks = [Sha256Hash::from_bytes([1; 32]), Sha256Hash::from_bytes([2; 32]), Sha256Hash::from_bytes([3; 32])];
/// let num_leafs = merkle_num_leafs(blocks.len()); // 4: one zero (padding) leaf
/// let mut tree = vec![Sha256Hash::default(); merkle_num_nodes(num_leafs)];
/// let first_leaf = merkle_first_leaf(num_leafs);
/// tree[first_leaf..first_leaf + blocks.len()].copy_from_slice(&blocks);
/// merkle_fill_tree(&mut tree, num_leafs, first_leaf)?;
/// assert_eq!(tree[0], lt_metainfo::MerkleTree::from_block_hashes(blocks.to_vec(), 1)?.root());
/// # Ok::<(), lt_metainfo::MerkleError>(())
/// ```
pub mod flat {
    pub use super::fill::{
        merkle_clear_tree, merkle_fill_partial_tree, merkle_fill_tree, merkle_root,
        merkle_root_scratch,
    };
    pub use super::index::{
        merkle_first_leaf, merkle_get_first_child, merkle_get_first_child_depth, merkle_get_layer,
        merkle_get_layer_offset, merkle_get_parent, merkle_get_sibling, merkle_layer_start,
        merkle_num_layers, merkle_num_leafs, merkle_num_nodes, merkle_to_flat_index,
    };
    pub use super::pad::{merkle_pad, pad_hash};
    pub use super::proof::{merkle_validate_and_insert_proofs, merkle_verify_proof};
    pub use super::validate::{
        merkle_find_known_subtree, merkle_validate_copy, merkle_validate_node,
        merkle_validate_single_layer, KnownSubtree,
    };
}
