//! How a tree keeps what it knows ([`Storage`]), as libtorrent's `merkle_tree` modes: only the
//! root; the verified top of the tree down to the piece layer; that top plus every block hash;
//! or every node of the padded tree with per-block verified bits ([`FullTree`]), used while
//! hashes arrive piecemeal. Conversions between them live here.

use std::ops::Range;

use lt_core::{Bitfield, Sha256Hash};

use super::fill::{fill_levels, reduce_layers};
use super::index::{merkle_first_leaf, merkle_num_layers};
use super::pad::pad_hash;
use super::shape::Shape;

/// What a tree knows, besides its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Storage {
    /// Only the root (libtorrent's `empty_tree`). Also a complete one-block tree.
    Root,
    /// Every node from the root down to the piece layer, padding included, all verified
    /// (libtorrent's `piece_layer`); nothing below. Pieces span more than one block.
    PieceLayer {
        /// Flat nodes `0 .. shape.nodes_down_to_height(shape.piece_layer_height())`.
        top: Vec<Sha256Hash>,
    },
    /// The complete tree (libtorrent's `block_layer`): every block hash, and every node from the
    /// root down to [`Shape::top_height`]; the layers in between are computed on demand.
    BlockLayer {
        /// Flat nodes `0 .. shape.nodes_down_to_height(shape.top_height())`.
        top: Vec<Sha256Hash>,
        /// The `num_blocks` block hashes, without padding.
        blocks: Vec<Sha256Hash>,
    },
    /// Every node of the padded tree (libtorrent's `full_tree`).
    Full(FullTree),
}

/// Every node of the padded tree, zero meaning unknown, with a verified bit per block.
///
/// Invariants: `nodes[0]` is the root; every non-zero node above the leaf layer is verified
/// against the root, and so is its parent; a leaf whose verified bit is set is non-zero and
/// checked; a non-zero leaf without its bit is a block hash we computed but could not check yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FullTree {
    pub(super) nodes: Vec<Sha256Hash>,
    pub(super) verified: Bitfield,
    /// The number of set bits in `verified`, so completeness is checked in O(1).
    pub(super) num_verified: usize,
}

impl FullTree {
    /// A tree knowing only its root (a one-block tree's only block is verified by the root).
    pub(super) fn empty(shape: Shape, root: Sha256Hash) -> Self {
        let mut nodes = vec![Sha256Hash::default(); shape.num_nodes()];
        if let Some(first) = nodes.first_mut() {
            *first = root;
        }
        let mut tree = Self {
            nodes,
            verified: Bitfield::new(shape.num_blocks),
            num_verified: 0,
        };
        if shape.num_blocks == 1 {
            tree.mark_verified(0..1);
        }
        tree
    }

    pub(super) fn is_verified(&self, block: usize) -> bool {
        self.verified.get(block)
    }

    /// Sets the verified bits of `blocks` (clamped to the real blocks).
    pub(super) fn mark_verified(&mut self, blocks: Range<usize>) {
        for block in blocks.start..blocks.end.min(self.verified.len()) {
            if !self.verified.get(block) {
                self.verified.set(block);
                self.num_verified += 1;
            }
        }
    }

    pub(super) fn unmark_verified(&mut self, block: usize) {
        if self.verified.get(block) {
            self.verified.clear_bit(block);
            self.num_verified -= 1;
        }
    }

    /// Recomputes [`Self::num_verified`] after `verified` was written directly.
    pub(super) fn recount(&mut self) {
        self.num_verified = self.verified.count_ones();
    }

    pub(super) fn is_complete(&self) -> bool {
        self.num_verified == self.verified.len()
    }

    /// The value of `node` as stored: leaves only when verified.
    pub(super) fn known(&self, shape: Shape, node: usize) -> Option<Sha256Hash> {
        let hash = *self.nodes.get(node)?;
        if hash.is_zero() {
            return None;
        }
        if shape.is_leaf(node) && !self.is_verified(node - shape.leaf_start()) {
            return None;
        }
        Some(hash)
    }
}

/// The nodes from the root down to `height` above the leaves, from `layer`: the real nodes at
/// that height (at most the layer's width); the rest of the layer is padding.
pub(super) fn top_from_layer(shape: Shape, layer: &[Sha256Hash], height: u32) -> Vec<Sha256Hash> {
    let width = shape.num_leafs() >> height.min(shape.num_layers());
    let first = merkle_first_leaf(width);
    let mut top = vec![Sha256Hash::default(); shape.nodes_down_to_height(height)];
    let pad = pad_hash(height);
    if let Some(slots) = top.get_mut(first..) {
        for (slot, index) in slots.iter_mut().zip(0..) {
            *slot = layer.get(index).copied().unwrap_or(pad);
        }
    }
    fill_levels(&mut top, width, first, merkle_num_layers(width));
    top
}

/// The top of a complete tree ([`Storage::BlockLayer`]) computed from every block hash.
pub(super) fn top_from_blocks(shape: Shape, blocks: &[Sha256Hash]) -> Vec<Sha256Hash> {
    let height = shape.top_height();
    let mut layer = Vec::new();
    reduce_layers(blocks, height, &Sha256Hash::default(), &mut layer);
    top_from_layer(shape, &layer, height)
}

impl Storage {
    /// A complete tree from its block hashes (`num_blocks` of them); [`Storage::Root`] for one
    /// block.
    pub(super) fn complete(shape: Shape, blocks: Vec<Sha256Hash>) -> Self {
        if shape.num_blocks == 1 {
            return Self::Root;
        }
        let top = top_from_blocks(shape, &blocks);
        Self::BlockLayer { top, blocks }
    }

    /// Expands into every node of the padded tree (libtorrent's `allocate_full`).
    pub(super) fn into_full(self, shape: Shape, root: Sha256Hash) -> FullTree {
        if let Self::Full(full) = self {
            return full;
        }
        let mut full = FullTree::empty(shape, root);
        match self {
            Self::Full(_) | Self::Root => {}
            Self::PieceLayer { top } => {
                for (slot, hash) in full.nodes.iter_mut().zip(&top) {
                    *slot = *hash;
                }
            }
            Self::BlockLayer { top, blocks } => {
                for (slot, hash) in full.nodes.iter_mut().zip(&top) {
                    *slot = *hash;
                }
                let leaf_start = shape.leaf_start();
                if let Some(leaves) = full.nodes.get_mut(leaf_start..) {
                    for (slot, hash) in leaves.iter_mut().zip(&blocks) {
                        *slot = *hash;
                    }
                }
                let levels = shape.top_height().saturating_sub(1);
                fill_levels(&mut full.nodes, shape.num_leafs(), leaf_start, levels);
                full.mark_verified(0..shape.num_blocks);
            }
        }
        full
    }

    /// After an update: the complete tree once every block is verified, else `full` as is
    /// (libtorrent's `optimize_storage`).
    pub(super) fn settle(full: FullTree, shape: Shape) -> Self {
        if full.is_complete() {
            Self::complete_from_full(&full, shape)
        } else {
            Self::Full(full)
        }
    }

    /// After loading stored nodes: the most compact storage that keeps everything `full` knows.
    pub(super) fn compact(full: FullTree, shape: Shape) -> Self {
        if shape.num_blocks == 1 {
            return Self::Root;
        }
        if full.is_complete() {
            return Self::complete_from_full(&full, shape);
        }
        let piece_height = shape.piece_layer_height();
        let no_leaves = full
            .nodes
            .get(shape.leaf_start()..)
            .unwrap_or_default()
            .iter()
            .all(Sha256Hash::is_zero);
        if piece_height >= 1 && no_leaves {
            if let Some(top) = known_top(&full, shape, piece_height) {
                return if top.len() == 1 {
                    Self::Root
                } else {
                    Self::PieceLayer { top }
                };
            }
        }
        if full.nodes.iter().skip(1).all(Sha256Hash::is_zero) {
            return Self::Root;
        }
        Self::Full(full)
    }

    fn complete_from_full(full: &FullTree, shape: Shape) -> Self {
        let leaf_start = shape.leaf_start();
        let blocks = full
            .nodes
            .get(leaf_start..leaf_start + shape.num_blocks)
            .unwrap_or_default()
            .to_vec();
        if shape.num_blocks == 1 {
            return Self::Root;
        }
        let top = match known_top(full, shape, shape.top_height()) {
            Some(top) => top,
            None => top_from_blocks(shape, &blocks),
        };
        Self::BlockLayer { top, blocks }
    }
}

/// The nodes of `full` from the root down to `height`, with padding nodes filled in; `None` if a
/// real node among them is unknown.
fn known_top(full: &FullTree, shape: Shape, height: u32) -> Option<Vec<Sha256Hash>> {
    let len = shape.nodes_down_to_height(height);
    let mut top = full.nodes.get(..len)?.to_vec();
    for (node, hash) in top.iter_mut().enumerate() {
        if hash.is_zero() {
            if !shape.is_padding(node) {
                return None;
            }
            *hash = shape.pad_of(node);
        }
    }
    Some(top)
}
