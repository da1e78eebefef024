//! Uncle hashes: checking a node against a root with the sibling of each node on its path
//! (`merkle_verify_proof`), and inserting a proven node and its proof into a partial flat tree
//! (libtorrent's `merkle_validate_and_insert_proofs`).

use lt_core::Sha256Hash;

use super::fill::{check_complete, hash_pair};
use super::index::{merkle_get_layer, merkle_get_parent, merkle_get_sibling};

/// Whether `node_hash` at flat index `node` hashes up to `root` with `uncle_hashes`: the sibling
/// of the node, then of its parent, and so on up to (not including) the root, exactly one per
/// layer (left or right by index parity). A zero `node_hash` never verifies.
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::{merkle_root, merkle_verify_proof};
///
/// let leaves: Vec<Sha256Hash> = (1..=4).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
/// let zero = Sha256Hash::default();
/// let root = merkle_root(&leaves, &zero);
/// // leaf 2 is flat node 5; its uncles are leaf 3 and the parent of leaves 0 and 1
/// let uncles = [leaves[3], merkle_root(&leaves[..2], &zero)];
/// assert!(merkle_verify_proof(&root, 5, &leaves[2], &uncles));
/// assert!(!merkle_verify_proof(&root, 5, &leaves[3], &uncles));
/// ```
#[must_use]
pub fn merkle_verify_proof(
    root: &Sha256Hash,
    node: usize,
    node_hash: &Sha256Hash,
    uncle_hashes: &[Sha256Hash],
) -> bool {
    if node_hash.is_zero() || usize::try_from(merkle_get_layer(node)) != Ok(uncle_hashes.len()) {
        return false;
    }
    let mut cursor = node;
    let mut hash = *node_hash;
    for uncle in uncle_hashes {
        hash = if cursor % 2 == 1 {
            hash_pair(&hash, uncle)
        } else {
            hash_pair(uncle, &hash)
        };
        cursor = merkle_get_parent(cursor);
    }
    hash == *root
}

/// Proves `node` at flat index `target` with `uncle_hashes` against the known nodes of `tree`
/// (zero = unknown) and inserts it.
///
/// Walks up from `target`, putting each uncle in the sibling slot (an already known sibling must
/// equal it) and the pair's hash in the parent slot, until a parent is already known: if it
/// equals the computed hash the node is proven and everything written stays; otherwise, or when
/// the uncles run out first, every slot written is cleared again and nodes known before are kept.
/// Uncles past the first known ancestor are ignored. Returns `true` at once when `target` already
/// holds `node`, and `false` for a zero `node`, a `target` that already holds another hash, no
/// uncles, a `target` outside `tree`, or a `tree` without `2^k - 1` nodes.
pub fn merkle_validate_and_insert_proofs(
    tree: &mut [Sha256Hash],
    target: usize,
    node: &Sha256Hash,
    uncle_hashes: &[Sha256Hash],
) -> bool {
    if node.is_zero() || check_complete(tree.len()).is_err() {
        return false;
    }
    let Some(existing) = tree.get(target) else {
        return false;
    };
    if existing == node {
        return true;
    }
    if !existing.is_zero() || uncle_hashes.is_empty() {
        return false;
    }

    tree[target] = *node;
    let mut cursor = target;
    // Bit `i` is set when step `i` wrote its sibling slot (rather than finding the uncle there).
    let mut wrote_sibling = 0u64;
    for (step, uncle) in uncle_hashes.iter().enumerate() {
        if cursor == 0 || step >= 64 {
            break;
        }
        let sibling = merkle_get_sibling(cursor);
        let parent = merkle_get_parent(cursor);
        if tree[sibling].is_zero() {
            tree[sibling] = *uncle;
            wrote_sibling |= 1 << step;
        } else if tree[sibling] != *uncle {
            break;
        }
        let left = cursor.min(sibling);
        let hash = hash_pair(&tree[left], &tree[left + 1]);
        if tree[parent] == hash {
            return true;
        }
        if !tree[parent].is_zero() {
            if wrote_sibling & (1 << step) != 0 {
                tree[sibling] = Sha256Hash::default();
                wrote_sibling &= !(1 << step);
            }
            break;
        }
        tree[parent] = hash;
        cursor = parent;
    }

    // Not proven: undo every write, from the target up to the last computed parent.
    let mut undo = target;
    let mut step = 0;
    while undo > cursor {
        tree[undo] = Sha256Hash::default();
        if step < 64 && wrote_sibling & (1 << step) != 0 {
            tree[merkle_get_sibling(undo)] = Sha256Hash::default();
        }
        undo = merkle_get_parent(undo);
        step += 1;
    }
    tree[cursor] = Sha256Hash::default();
    false
}
