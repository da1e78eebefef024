//! Flat-array index arithmetic for complete binary merkle trees, as libtorrent's `merkle_*`
//! helpers (src/merkle.cpp).
//!
//! A tree over `n` leaves (`n` a power of two) is stored as `2n - 1` nodes in one array: the root
//! at index 0, the children of node `i` at `2i + 1` and `2i + 2`, layer `l` (the root is layer 0)
//! at `2^l - 1 .. 2^(l+1) - 1`, so the leaves start at `n - 1`.
//!
//! libtorrent asserts on out-of-domain arguments (the parent of the root, zero leaves). These
//! functions never panic: they saturate at `usize::MAX` and treat the root as its own parent and
//! sibling; callers that take indices from the network check them first (see
//! [`MerkleTree::validate_hash_request`](crate::MerkleTree::validate_hash_request)).

/// The flat index of the first node of `layer` (the root is layer 0): `2^layer - 1`.
///
/// # Examples
/// ```
/// use lt_metainfo::merkle_flat::merkle_layer_start;
/// assert_eq!(merkle_layer_start(0), 0);
/// assert_eq!(merkle_layer_start(3), 7);
/// ```
#[must_use]
pub fn merkle_layer_start(layer: u32) -> usize {
    1usize
        .checked_shl(layer)
        .map_or(usize::MAX, |width| width - 1)
}

/// The flat index of the node at `offset` within `layer`.
#[must_use]
pub fn merkle_to_flat_index(layer: u32, offset: usize) -> usize {
    merkle_layer_start(layer).saturating_add(offset)
}

/// The parent of `node`; the root (0) is returned for the root.
#[must_use]
pub fn merkle_get_parent(node: usize) -> usize {
    node.saturating_sub(1) / 2
}

/// The other child of `node`'s parent: odd nodes are left children, even nodes right children.
/// The root (0) is returned for the root.
#[must_use]
pub fn merkle_get_sibling(node: usize) -> usize {
    if node == 0 {
        0
    } else if node % 2 == 1 {
        node.saturating_add(1)
    } else {
        node - 1
    }
}

/// The left child of `node`: `2 * node + 1`.
#[must_use]
pub fn merkle_get_first_child(node: usize) -> usize {
    node.saturating_mul(2).saturating_add(1)
}

/// The leftmost descendant of `node`, `depth` layers below it: `((node + 1) << depth) - 1`
/// (libtorrent's two-argument `merkle_get_first_child`).
#[must_use]
pub fn merkle_get_first_child_depth(node: usize, depth: u32) -> usize {
    let one_based = node.saturating_add(1);
    if depth >= usize::BITS || one_based > usize::MAX >> depth {
        return usize::MAX;
    }
    (one_based << depth) - 1
}

/// The number of nodes in a complete tree over `leafs` leaves (a power of two): `2 * leafs - 1`;
/// 0 for 0.
#[must_use]
pub fn merkle_num_nodes(leafs: usize) -> usize {
    leafs.saturating_mul(2).saturating_sub(1)
}

/// The flat index of the first leaf in a tree over `num_leafs` leaves (a power of two).
#[must_use]
pub fn merkle_first_leaf(num_leafs: usize) -> usize {
    num_leafs.saturating_sub(1)
}

/// The number of leaves of the tree over `blocks` blocks: `blocks` rounded up to a power of two
/// (at least 1). The extra leaves are padding (zero hashes, BEP 52).
///
/// # Examples
/// ```
/// use lt_metainfo::merkle_flat::merkle_num_leafs;
/// assert_eq!(merkle_num_leafs(1), 1);
/// assert_eq!(merkle_num_leafs(259), 512);
/// ```
#[must_use]
pub fn merkle_num_leafs(blocks: usize) -> usize {
    blocks
        .max(1)
        .checked_next_power_of_two()
        .unwrap_or(1 << (usize::BITS - 1))
}

/// The number of layers below the root of a tree over `leaves` leaves (a power of two):
/// `log2(leaves)`, 0 for 0 or 1 leaf.
#[must_use]
pub fn merkle_num_layers(leaves: usize) -> u32 {
    if leaves <= 1 {
        0
    } else {
        leaves.ilog2()
    }
}

/// The layer flat index `node` is in (the root is layer 0).
#[must_use]
pub fn merkle_get_layer(node: usize) -> u32 {
    node.saturating_add(1).ilog2()
}

/// The position of `node` within its layer.
#[must_use]
pub fn merkle_get_layer_offset(node: usize) -> usize {
    node - merkle_layer_start(merkle_get_layer(node))
}

/// The ancestor of `node` that is `height` layers above it, or the root if that is higher than
/// the root.
pub(crate) fn merkle_get_ancestor(node: usize, height: u32) -> usize {
    node.saturating_add(1)
        .checked_shr(height)
        .map_or(0, |one_based| one_based.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_instead_of_panicking() {
        assert_eq!(merkle_get_parent(0), 0);
        assert_eq!(merkle_get_sibling(0), 0);
        assert_eq!(merkle_get_first_child(usize::MAX), usize::MAX);
        assert_eq!(merkle_get_first_child_depth(usize::MAX, 1), usize::MAX);
        assert_eq!(merkle_get_first_child_depth(1, 200), usize::MAX);
        assert_eq!(merkle_layer_start(200), usize::MAX);
        assert_eq!(merkle_num_nodes(0), 0);
        assert_eq!(merkle_num_leafs(0), 1);
        assert_eq!(merkle_num_leafs(usize::MAX), 1 << (usize::BITS - 1));
        assert_eq!(merkle_get_layer(usize::MAX), usize::BITS - 1);
        assert_eq!(merkle_get_ancestor(usize::MAX, 200), 0);
    }

    #[test]
    fn ancestor_matches_repeated_parent() {
        for node in 0..200usize {
            let mut expected = node;
            for height in 0..10u32 {
                assert_eq!(
                    merkle_get_ancestor(node, height),
                    expected,
                    "{node} {height}"
                );
                expected = merkle_get_parent(expected);
            }
        }
    }
}
