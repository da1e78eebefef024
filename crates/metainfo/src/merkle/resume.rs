//! Saving and restoring what a tree knows, for resume data: the whole flat tree
//! (`build_vector` / `load_tree`) and the sparse form libtorrent writes as `merkle_trees` plus
//! `merkle_tree_mask` (`build_sparse_vector` / `load_sparse_tree`).

use lt_core::{Bitfield, Sha256Hash};

use super::error::MerkleError;
use super::fill::{fill_known_parents, fill_levels};
use super::storage::{FullTree, Storage};
use super::tree::MerkleTree;
use super::validate::merkle_validate_copy;

impl MerkleTree {
    /// Every node of the padded tree in flat order (libtorrent's `build_vector`): what
    /// [`node`](Self::node) returns for each index, the zero hash where unknown.
    #[must_use]
    pub fn build_vector(&self) -> Vec<Sha256Hash> {
        let shape = self.shape;
        let mut nodes = vec![Sha256Hash::default(); shape.num_nodes()];
        match &self.storage {
            Storage::Root => {}
            Storage::PieceLayer { top } => copy_into(&mut nodes, 0, top),
            Storage::BlockLayer { top, blocks } => {
                copy_into(&mut nodes, 0, top);
                copy_into(&mut nodes, shape.leaf_start(), blocks);
                let levels = shape.top_height().saturating_sub(1);
                fill_levels(&mut nodes, shape.num_leafs(), shape.leaf_start(), levels);
            }
            Storage::Full(full) => {
                for (node, slot) in nodes.iter_mut().enumerate() {
                    *slot = full.known(shape, node).unwrap_or_default();
                }
            }
        }
        if let Some(root) = nodes.first_mut() {
            *root = self.root;
        }
        // Padding nodes have their pad hash whether stored or not (padding leaves stay zero).
        for (node, slot) in nodes.iter_mut().enumerate().take(shape.leaf_start()) {
            if slot.is_zero() && shape.is_padding(node) {
                *slot = shape.pad_of(node);
            }
        }
        nodes
    }

    /// The known nodes and a mask of which they are (one bit per flat node), as libtorrent's
    /// `build_sparse_vector` for the resume keys `merkle_trees` and `merkle_tree_mask`. A complete
    /// tree stores its block layer, a tree that knows its piece layer stores that, and a tree
    /// knowing only its root stores nothing. Unchecked block hashes are left out.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::MerkleTree;
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=6).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let seed = MerkleTree::from_block_hashes(blocks.clone(), 2)?;
    /// let (hashes, mask) = seed.build_sparse_vector();
    /// assert_eq!(hashes, blocks);
    /// assert_eq!(mask.iter_ones().collect::<Vec<_>>(), (7..13).collect::<Vec<_>>());
    ///
    /// let mut restored = MerkleTree::new(seed.root(), 6, 2)?;
    /// restored.load_sparse_tree(&hashes, &mask)?;
    /// assert!(restored.is_complete());
    /// # Ok::<(), lt_metainfo::MerkleError>(())
    /// ```
    #[must_use]
    pub fn build_sparse_vector(&self) -> (Vec<Sha256Hash>, Bitfield) {
        let shape = self.shape;
        let mut mask = Bitfield::new(shape.num_nodes());
        let hashes = match &self.storage {
            Storage::Root => Vec::new(),
            Storage::PieceLayer { top } => {
                let first = shape.piece_layer_start();
                let end = first + shape.num_pieces();
                (first..end).for_each(|node| mask.set(node));
                top.get(first..end).unwrap_or_default().to_vec()
            }
            Storage::BlockLayer { blocks, .. } => {
                let first = shape.leaf_start();
                (first..first + blocks.len()).for_each(|node| mask.set(node));
                blocks.clone()
            }
            Storage::Full(full) => {
                let mut hashes = Vec::new();
                for node in 0..shape.num_nodes() {
                    if let Some(hash) = full.known(shape, node) {
                        hashes.push(hash);
                        mask.set(node);
                    }
                }
                hashes
            }
        };
        (hashes, mask)
    }

    /// Restores every node of the padded tree in flat order (zero = unknown), as saved by
    /// [`build_vector`](Self::build_vector) (libtorrent's `load_tree`). Only nodes that hash up
    /// to the root are kept, top-down by sibling pairs; every kept block hash is verified.
    /// Replaces what the tree knew.
    ///
    /// # Errors
    /// [`MerkleError::WrongNodeCount`] unless there are [`num_nodes`](Self::num_nodes) hashes,
    /// [`MerkleError::RootMismatch`] if the first is not the root; the tree is then unchanged.
    pub fn load_tree(&mut self, nodes: &[Sha256Hash]) -> Result<(), MerkleError> {
        let shape = self.shape;
        if nodes.len() != shape.num_nodes() {
            return Err(MerkleError::WrongNodeCount {
                expected: shape.num_nodes(),
                actual: nodes.len(),
            });
        }
        if nodes.first() != Some(&self.root) {
            return Err(MerkleError::RootMismatch);
        }
        let mut full = FullTree::empty(shape, self.root);
        merkle_validate_copy(nodes, &mut full.nodes, &self.root, &mut full.verified)?;
        full.recount();
        self.storage = Storage::compact(full, shape);
        Ok(())
    }

    /// Restores the known nodes saved by [`build_sparse_vector`](Self::build_sparse_vector) or
    /// libtorrent (`merkle_trees`, `merkle_tree_mask`): `hashes` holds, in order, the nodes whose
    /// bit is set in `mask` (mask bits past the tree are ignored, as libtorrent does).
    ///
    /// A mask of the whole block layer, or of exactly the piece layer, is checked as such against
    /// the root. Otherwise the nodes are placed, parents of known pairs are computed, and only
    /// what hashes up to the root is kept. Replaces what the tree knew.
    ///
    /// # Errors
    /// [`MerkleError::WrongNodeCount`] when a block or piece layer mask has fewer hashes than
    /// bits, [`MerkleError::RootMismatch`] when the nodes contradict the root; the tree is then
    /// unchanged.
    pub fn load_sparse_tree(
        &mut self,
        hashes: &[Sha256Hash],
        mask: &Bitfield,
    ) -> Result<(), MerkleError> {
        let shape = self.shape;
        let mask_len = mask.len().min(shape.num_nodes());
        let set_in = |start: usize, end: usize| {
            mask.iter_ones()
                .skip_while(move |&node| node < start)
                .take_while(move |&node| node < end)
        };
        let all_set =
            |start: usize, end: usize| end <= mask_len && set_in(start, end).count() == end - start;
        let layer_hashes = |start: usize, len: usize| {
            let skip = set_in(0, start).count();
            hashes
                .get(skip..skip + len)
                .ok_or(MerkleError::WrongNodeCount {
                    expected: skip + len,
                    actual: hashes.len(),
                })
        };

        let leaf_start = shape.leaf_start();
        if all_set(leaf_start, leaf_start + shape.num_blocks) {
            let blocks = layer_hashes(leaf_start, shape.num_blocks)?;
            let candidate = Self::from_block_hashes(blocks.to_vec(), shape.blocks_per_piece())?;
            if candidate.root != self.root {
                return Err(MerkleError::RootMismatch);
            }
            self.storage = candidate.storage;
            return Ok(());
        }
        let piece_start = shape.piece_layer_start();
        let piece_end = piece_start + shape.num_pieces();
        if shape.piece_layer_height() > 0
            && all_set(piece_start, piece_end)
            && set_in(piece_end, mask_len).next().is_none()
        {
            let pieces = layer_hashes(piece_start, shape.num_pieces())?;
            let mut candidate = Self {
                root: self.root,
                shape,
                storage: Storage::Root,
            };
            return match candidate.load_piece_layer(pieces) {
                Ok(()) => {
                    self.storage = candidate.storage;
                    Ok(())
                }
                Err(_) => Err(MerkleError::RootMismatch),
            };
        }

        let mut placed = vec![Sha256Hash::default(); shape.num_nodes()];
        if let Some(first) = placed.first_mut() {
            *first = self.root;
        }
        for (node, hash) in set_in(0, mask_len).zip(hashes) {
            placed[node] = *hash;
        }
        fill_known_parents(&mut placed);
        if placed.first() != Some(&self.root) {
            return Err(MerkleError::RootMismatch);
        }
        let mut full = FullTree::empty(shape, self.root);
        merkle_validate_copy(&placed, &mut full.nodes, &self.root, &mut full.verified)?;
        full.recount();
        self.storage = Storage::compact(full, shape);
        Ok(())
    }
}

/// Copies `hashes` into `nodes` from index `start`, as far as both go.
fn copy_into(nodes: &mut [Sha256Hash], start: usize, hashes: &[Sha256Hash]) {
    if let Some(slots) = nodes.get_mut(start..) {
        for (slot, hash) in slots.iter_mut().zip(hashes) {
            *slot = *hash;
        }
    }
}
