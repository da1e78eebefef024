//! Checking flat trees against their parents and root: libtorrent's `merkle_validate_node`,
//! `merkle_validate_copy`, `merkle_validate_single_layer` and `merkle_find_known_subtree`.

use lt_core::{Bitfield, Sha256Hash};

use super::error::MerkleError;
use super::fill::{check_complete, hash_pair};
use super::index::{
    merkle_first_leaf, merkle_get_first_child, merkle_get_parent, merkle_get_sibling,
};

/// Whether `parent` is `SHA-256(left || right)` (order matters).
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::{merkle_root, merkle_validate_node};
///
/// let (left, right) = (Sha256Hash::from_bytes([1; 32]), Sha256Hash::from_bytes([2; 32]));
/// let parent = merkle_root(&[left, right], &Sha256Hash::default());
/// assert!(merkle_validate_node(&left, &right, &parent));
/// assert!(!merkle_validate_node(&right, &left, &parent));
/// ```
#[must_use]
pub fn merkle_validate_node(left: &Sha256Hash, right: &Sha256Hash, parent: &Sha256Hash) -> bool {
    hash_pair(left, right) == *parent
}

/// Copies into `dst` (expected all zero) the nodes of `src` that check out against `root`: the
/// root itself if `src[0]` equals it, then, top-down, both children of every copied node whose
/// hash they reproduce. Sets the bit in `verified_leafs` of every copied leaf (bits past its
/// length are ignored, so pass a bitfield of the real block count to skip padding).
///
/// # Errors
/// [`MerkleError::WrongNodeCount`] if the two trees differ in size, and
/// [`MerkleError::IncompleteTree`] unless they have `2^k - 1` nodes; `dst` is then untouched.
pub fn merkle_validate_copy(
    src: &[Sha256Hash],
    dst: &mut [Sha256Hash],
    root: &Sha256Hash,
    verified_leafs: &mut Bitfield,
) -> Result<(), MerkleError> {
    if src.len() != dst.len() {
        return Err(MerkleError::WrongNodeCount {
            expected: dst.len(),
            actual: src.len(),
        });
    }
    if src.is_empty() {
        return Ok(());
    }
    check_complete(src.len())?;
    if src[0] != *root {
        return Ok(());
    }
    dst[0] = src[0];
    let leaf_start = merkle_first_leaf(src.len().div_ceil(2));
    for node in 0..leaf_start {
        if dst[node].is_zero() {
            continue;
        }
        let left = merkle_get_first_child(node);
        let right = left + 1;
        if merkle_validate_node(&src[left], &src[right], &dst[node]) {
            dst[left] = src[left];
            dst[right] = src[right];
            if left >= leaf_start {
                verified_leafs.set(left - leaf_start);
                verified_leafs.set(right - leaf_start);
            }
        }
    }
    Ok(())
}

/// Whether every pair of leaves of `tree` hashes to its parent one layer up (an unknown, zero,
/// parent never matches). A one-node tree is trivially valid; a tree without `2^k - 1` nodes is
/// not valid.
#[must_use]
pub fn merkle_validate_single_layer(tree: &[Sha256Hash]) -> bool {
    if tree.len() == 1 {
        return true;
    }
    if check_complete(tree.len()).is_err() {
        return false;
    }
    let leaf_start = merkle_first_leaf(tree.len().div_ceil(2));
    let leaves = tree.get(leaf_start..).unwrap_or_default();
    let parents = tree
        .get(merkle_get_parent(leaf_start)..leaf_start)
        .unwrap_or_default();
    leaves
        .chunks_exact(2)
        .zip(parents)
        .all(|(pair, parent)| match pair {
            [left, right] => merkle_validate_node(left, right, parent),
            _ => false,
        })
}

/// The leaves whose hashes can be checked together with a new leaf hash: see
/// [`merkle_find_known_subtree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KnownSubtree {
    /// The first leaf (block index) of the range.
    pub first_leaf: usize,
    /// The number of leaves in the range, a power of two.
    pub num_leafs: usize,
    /// The flat index of the node whose hash the range must reproduce. When that node is unknown
    /// (zero) the range cannot be checked yet.
    pub root: usize,
}

/// Starting from leaf `block_index`, doubles the leaf range by its neighbouring range as long as
/// every leaf in the added range is known (non-zero; leaves at or past `num_valid_leafs` are
/// padding and count as known), stopping early at the first known node covering the range.
///
/// For a one-node tree the range is the root itself. `None` if `tree` is not a complete tree or
/// `block_index` is not one of its leaves.
#[must_use]
pub fn merkle_find_known_subtree(
    tree: &[Sha256Hash],
    block_index: usize,
    num_valid_leafs: usize,
) -> Option<KnownSubtree> {
    check_complete(tree.len()).ok()?;
    let num_leafs = tree.len().div_ceil(2);
    if block_index >= num_leafs {
        return None;
    }
    let first_leaf_node = merkle_first_leaf(num_leafs);
    if num_leafs == 1 {
        return Some(KnownSubtree {
            first_leaf: 0,
            num_leafs: 1,
            root: 0,
        });
    }
    let is_known = |leaf: usize| {
        tree.get(first_leaf_node + leaf)
            .is_some_and(|hash| !hash.is_zero())
    };
    let mut range = KnownSubtree {
        first_leaf: block_index,
        num_leafs: 1,
        root: merkle_get_sibling(first_leaf_node + block_index),
    };
    let mut position = block_index;
    loop {
        let neighbour_first = if position % 2 == 1 {
            range.first_leaf - range.num_leafs
        } else {
            range.first_leaf + range.num_leafs
        };
        let neighbour_end = (neighbour_first + range.num_leafs).min(num_valid_leafs);
        if (neighbour_first..neighbour_end).any(|leaf| !is_known(leaf)) {
            return Some(range);
        }
        if position % 2 == 1 {
            range.first_leaf = neighbour_first;
        }
        range.num_leafs *= 2;
        range.root = merkle_get_parent(range.root);
        let root_known = tree.get(range.root).is_some_and(|hash| !hash.is_zero());
        if root_known || range.root == 0 {
            return Some(range);
        }
        position /= 2;
    }
}
