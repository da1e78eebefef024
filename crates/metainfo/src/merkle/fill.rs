//! Computing parents from children on flat trees: pair hashing, filling and clearing runs of
//! nodes, filling partial trees and computing roots (libtorrent's `merkle_fill_tree`,
//! `merkle_fill_partial_tree`, `merkle_clear_tree`, `merkle_root`, `merkle_root_scratch`).

use lt_core::Sha256Hash;

use super::error::MerkleError;
use super::index::{
    merkle_first_leaf, merkle_get_first_child, merkle_get_layer, merkle_get_layer_offset,
    merkle_get_parent, merkle_num_layers,
};

/// `SHA-256(left || right)`: the parent of two nodes. The 64 bytes are one SHA-256 block, hashed
/// from a stack buffer.
pub(crate) fn hash_pair(left: &Sha256Hash, right: &Sha256Hash) -> Sha256Hash {
    let mut pair = [0u8; 64];
    let (left_half, right_half) = pair.split_at_mut(Sha256Hash::LEN);
    left_half.copy_from_slice(left.as_bytes());
    right_half.copy_from_slice(right.as_bytes());
    Sha256Hash::digest(&pair)
}

/// Checks that `tree` has `2^k - 1` nodes, the shape of a complete binary tree.
pub(crate) fn check_complete(tree_len: usize) -> Result<(), MerkleError> {
    if tree_len == 0 || !tree_len.saturating_add(1).is_power_of_two() {
        return Err(MerkleError::IncompleteTree {
            num_nodes: tree_len,
        });
    }
    Ok(())
}

/// Checks that `count` nodes from flat index `first` are a run a subtree can cover: `count` a
/// power of two, inside one layer of the `tree_len`-node tree, starting at a multiple of `count`
/// within the layer.
pub(crate) fn check_run(tree_len: usize, count: usize, first: usize) -> Result<(), MerkleError> {
    let error = MerkleError::InvalidNodeRange {
        first,
        count,
        num_nodes: tree_len,
    };
    let Some(end) = first.checked_add(count) else {
        return Err(error);
    };
    let layer_width = 1usize
        .checked_shl(merkle_get_layer(first))
        .unwrap_or(usize::MAX);
    if !count.is_power_of_two()
        || end > tree_len
        || count > layer_width
        || !merkle_get_layer_offset(first).is_multiple_of(count)
    {
        return Err(error);
    }
    Ok(())
}

/// Computes the parents of an already checked run, layer by layer, `levels` layers up (at most
/// up to the node covering the run).
pub(crate) fn fill_levels(tree: &mut [Sha256Hash], count: usize, first: usize, levels: u32) {
    let mut count = count;
    let mut first = first;
    for _ in 0..levels {
        if count < 2 || first > tree.len() {
            break;
        }
        let parent_first = merkle_get_parent(first);
        let (upper, lower) = tree.split_at_mut(first);
        let children = lower.get(..count).unwrap_or_default();
        let parents = upper.get_mut(parent_first..).unwrap_or_default();
        for (parent, pair) in parents.iter_mut().zip(children.chunks_exact(2)) {
            if let [left, right] = pair {
                *parent = hash_pair(left, right);
            }
        }
        first = parent_first;
        count /= 2;
    }
}

/// Computes the parents of the `num_leafs` nodes starting at flat index `level_start`, layer by
/// layer, up to the one node covering them. Nodes outside that subtree are untouched.
///
/// # Errors
/// [`MerkleError::InvalidNodeRange`] unless `num_leafs` is a power of two and the nodes are an
/// aligned run within one layer of `tree` (see [`merkle_clear_tree`]).
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::{merkle_fill_tree, merkle_validate_node};
///
/// let mut tree = [Sha256Hash::default(); 7];
/// for (leaf, byte) in tree[3..].iter_mut().zip(1u8..) {
///     *leaf = Sha256Hash::from_bytes([byte; 32]);
/// }
/// merkle_fill_tree(&mut tree, 4, 3)?;
/// assert!(merkle_validate_node(&tree[1], &tree[2], &tree[0]));
/// # Ok::<(), lt_metainfo::MerkleError>(())
/// ```
pub fn merkle_fill_tree(
    tree: &mut [Sha256Hash],
    num_leafs: usize,
    level_start: usize,
) -> Result<(), MerkleError> {
    check_run(tree.len(), num_leafs, level_start)?;
    fill_levels(tree, num_leafs, level_start, merkle_num_layers(num_leafs));
    Ok(())
}

/// Zeroes the `num_leafs` nodes starting at flat index `level_start`, then their parents, layer
/// by layer, up to and including the one node covering them.
///
/// # Errors
/// [`MerkleError::InvalidNodeRange`] unless `num_leafs` is a power of two and the nodes are an
/// aligned run within one layer of `tree`: the run starts at a multiple of `num_leafs` within its
/// layer, so one subtree covers exactly these nodes.
pub fn merkle_clear_tree(
    tree: &mut [Sha256Hash],
    num_leafs: usize,
    level_start: usize,
) -> Result<(), MerkleError> {
    check_run(tree.len(), num_leafs, level_start)?;
    let mut count = num_leafs;
    let mut first = level_start;
    loop {
        let end = first.saturating_add(count).min(tree.len());
        for node in tree.get_mut(first..end).unwrap_or_default() {
            *node = Sha256Hash::default();
        }
        if count <= 1 {
            return Ok(());
        }
        first = merkle_get_parent(first);
        count /= 2;
    }
}

/// Sets every node whose two children are both known (non-zero) to the hash of its children,
/// bottom-up, overwriting what was there.
pub(crate) fn fill_known_parents(tree: &mut [Sha256Hash]) {
    let mut node = merkle_first_leaf(tree.len().div_ceil(2));
    while node > 0 {
        node -= 1;
        let left = merkle_get_first_child(node);
        if let (Some(left_hash), Some(right_hash)) = (tree.get(left), tree.get(left + 1)) {
            if !left_hash.is_zero() && !right_hash.is_zero() {
                let parent = hash_pair(left_hash, right_hash);
                tree[node] = parent;
            }
        }
    }
}

/// Completes a partially known tree (zero = unknown): sets every node whose children are both
/// known to their hash, then clears what cannot be tied to the root: a node whose parent is
/// unknown, and a node whose sibling is unknown.
///
/// # Errors
/// [`MerkleError::IncompleteTree`] unless `tree` has `2^k - 1` nodes.
pub fn merkle_fill_partial_tree(tree: &mut [Sha256Hash]) -> Result<(), MerkleError> {
    check_complete(tree.len())?;
    fill_known_parents(tree);
    let mut parent = 0;
    let mut left = 1;
    while left + 1 < tree.len() {
        let right = left + 1;
        if tree[parent].is_zero() || tree[right].is_zero() || tree[left].is_zero() {
            tree[left] = Sha256Hash::default();
            tree[right] = Sha256Hash::default();
        }
        parent += 1;
        left += 2;
    }
    Ok(())
}

/// Writes into `out` the nodes `height` layers above `leaves`, which are padded on the right
/// with `leaf_pad` to a multiple of `2^height`: `ceil(leaves.len() / 2^height)` hashes. Pairs are
/// hashed from a stack buffer and each layer overwrites the one below it in `out`, so the only
/// allocation is `out` growing to `ceil(leaves.len() / 2)` on first use.
pub(crate) fn reduce_layers(
    leaves: &[Sha256Hash],
    height: u32,
    leaf_pad: &Sha256Hash,
    out: &mut Vec<Sha256Hash>,
) {
    out.clear();
    if height == 0 {
        out.extend_from_slice(leaves);
        return;
    }
    // The pad of the layer being paired, computed only when a layer has an odd tail.
    let mut pad = *leaf_pad;
    let mut pad_height = 0;
    let mut pad_at = |layer_height: u32| {
        while pad_height < layer_height {
            pad = hash_pair(&pad, &pad);
            pad_height += 1;
        }
        pad
    };
    out.reserve(leaves.len().div_ceil(2));
    for pair in leaves.chunks(2) {
        match pair {
            [left, right] => out.push(hash_pair(left, right)),
            [last] => out.push(hash_pair(last, &pad_at(0))),
            _ => {}
        }
    }
    for layer_height in 1..height {
        let len = out.len();
        for parent in 0..len / 2 {
            out[parent] = hash_pair(&out[2 * parent], &out[2 * parent + 1]);
        }
        if len % 2 == 1 {
            out[len / 2] = hash_pair(&out[len - 1], &pad_at(layer_height));
        }
        out.truncate(len.div_ceil(2));
    }
}

/// The root of a tree over `leaves` padded with `pad` hashes to a power of two. A single leaf is
/// its own root; no leaves give the zero hash when `pad` is zero (an empty file has no root).
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::merkle_root;
///
/// let leaf = Sha256Hash::from_bytes([1; 32]);
/// assert_eq!(merkle_root(&[leaf], &Sha256Hash::default()), leaf);
/// assert!(merkle_root(&[], &Sha256Hash::default()).is_zero());
/// ```
#[must_use]
pub fn merkle_root(leaves: &[Sha256Hash], pad: &Sha256Hash) -> Sha256Hash {
    let mut scratch = Vec::new();
    merkle_root_scratch(leaves, leaves.len(), pad, &mut scratch)
}

/// The root of a tree of `num_leafs` leaves (rounded up to a power of two and to at least
/// `leaves.len()`) whose first leaves are `leaves` and the rest `pad`, using `scratch` as the
/// working buffer so repeated calls do not allocate.
#[must_use]
pub fn merkle_root_scratch(
    leaves: &[Sha256Hash],
    num_leafs: usize,
    pad: &Sha256Hash,
    scratch: &mut Vec<Sha256Hash>,
) -> Sha256Hash {
    let width = super::index::merkle_num_leafs(num_leafs.max(leaves.len()));
    let height = merkle_num_layers(width);
    if leaves.is_empty() {
        let mut root = *pad;
        for _ in 0..height {
            root = hash_pair(&root, &root);
        }
        return root;
    }
    reduce_layers(leaves, height, pad, scratch);
    scratch.first().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(byte: u8) -> Sha256Hash {
        Sha256Hash::from_bytes([byte; 32])
    }

    #[test]
    fn reduce_layers_pads_odd_tails_with_the_layer_pad() {
        let pad = leaf(9);
        let leaves = [leaf(1), leaf(2), leaf(3)];
        let mut out = Vec::new();
        reduce_layers(&leaves, 2, &pad, &mut out);
        let expected = hash_pair(&hash_pair(&leaf(1), &leaf(2)), &hash_pair(&leaf(3), &pad));
        assert_eq!(out, [expected]);
        reduce_layers(&leaves, 0, &pad, &mut out);
        assert_eq!(out, leaves);
        reduce_layers(&[leaf(1)], 3, &pad, &mut out);
        let pad1 = hash_pair(&pad, &pad);
        let pad2 = hash_pair(&pad1, &pad1);
        let expected = hash_pair(&hash_pair(&hash_pair(&leaf(1), &pad), &pad1), &pad2);
        assert_eq!(out, [expected]);
    }

    #[test]
    fn bad_runs_are_errors() {
        let mut tree = [Sha256Hash::default(); 7];
        assert!(merkle_fill_tree(&mut tree, 3, 3).is_err()); // not a power of two
        assert!(merkle_fill_tree(&mut tree, 2, 4).is_err()); // not aligned
        assert!(merkle_fill_tree(&mut tree, 4, 4).is_err()); // past the end
        assert!(merkle_fill_tree(&mut tree, 4, 1).is_err()); // wider than the layer
        assert!(merkle_fill_tree(&mut tree, 2, usize::MAX).is_err());
        assert!(merkle_clear_tree(&mut tree, 0, 0).is_err());
        assert!(merkle_fill_partial_tree(&mut tree[..6]).is_err());
        assert!(merkle_fill_partial_tree(&mut []).is_err());
        assert!(merkle_fill_tree(&mut tree, 1, 6).is_ok());
    }
}
