//! Adding hashes to a tree: block hashes computed from downloaded data (`set_block`), hashes
//! received from peers with their proofs (`add_hashes`), and checking a whole piece
//! (`verify_piece`), as libtorrent's `merkle_tree::set_block` and `add_hashes`.

use lt_core::{PieceIndex, Sha256Hash};

use super::error::MerkleError;
use super::fill::{
    check_run, fill_levels, merkle_clear_tree, merkle_fill_tree, merkle_root_scratch,
};
use super::index::{
    merkle_first_leaf, merkle_get_ancestor, merkle_get_parent, merkle_get_sibling,
    merkle_num_layers, merkle_num_leafs, merkle_num_nodes, merkle_to_flat_index,
};
use super::pad::pad_hash;
use super::proof::merkle_validate_and_insert_proofs;
use super::request::HashRequest;
use super::shape::Shape;
use super::storage::{FullTree, Storage};
use super::tree::MerkleTree;
use super::validate::merkle_find_known_subtree;

/// Blocks `first_block .. first_block + num_blocks` of a file. A range found by
/// [`MerkleTree::set_block`] may run past the last block into the padding; clamp it to
/// [`MerkleTree::num_blocks`] where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRange {
    /// The first block.
    pub first_block: usize,
    /// The number of blocks, a power of two.
    pub num_blocks: usize,
}

/// What [`MerkleTree::set_block`] made of a block hash (libtorrent's `set_block_result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetBlockResult {
    /// libtorrent's `ok`: the hash checked out, together with the other block hashes of the
    /// range; they are all verified now.
    Verified(BlockRange),
    /// libtorrent's `unknown`: nothing known covers the block yet; the hash is kept and checked
    /// when the rest of its subtree or the hashes above it arrive.
    Unknown,
    /// libtorrent's `hash_failed`: the block hashes of the range (this one and others given
    /// earlier) do not reproduce the known hash covering them, so at least one of those blocks is
    /// bad. Their hashes were dropped: re-check (re-download) the range.
    HashFailed(BlockRange),
    /// libtorrent's `block_hash_failed`: this block's hash was already known and differs (or
    /// the hash is all zero): this block is bad.
    BlockHashFailed(BlockRange),
}

/// A piece whose block hashes failed against hashes received with
/// [`MerkleTree::add_hashes`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FailedPiece {
    /// The piece, counted from the torrent's first piece.
    pub piece: PieceIndex,
    /// The bad blocks, as indices within the piece; empty when only the piece as a whole is
    /// known to be bad.
    pub blocks: Vec<usize>,
}

/// What block hashes received hashes confirmed or refuted (libtorrent's `add_hashes_result_t`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AddHashesResult {
    /// Pieces whose block hashes, given earlier to [`MerkleTree::set_block`], are now verified.
    pub passed: Vec<PieceIndex>,
    /// Pieces whose earlier block hashes turned out wrong.
    pub failed: Vec<FailedPiece>,
}

impl AddHashesResult {
    fn pass(&mut self, piece: PieceIndex) {
        if self.passed.last() != Some(&piece) {
            self.passed.push(piece);
        }
    }

    fn fail(&mut self, piece: PieceIndex, block_in_piece: usize) {
        match self.failed.last_mut() {
            Some(last) if last.piece == piece => last.blocks.push(block_in_piece),
            _ => self.failed.push(FailedPiece {
                piece,
                blocks: vec![block_in_piece],
            }),
        }
    }
}

/// The torrent-wide index of the file's piece `piece`.
fn torrent_piece(first_piece: PieceIndex, piece: usize) -> PieceIndex {
    let offset = u32::try_from(piece).unwrap_or(u32::MAX);
    PieceIndex::new(first_piece.get().saturating_add(offset))
}

impl MerkleTree {
    /// Adds the hash of block `block`, computed from downloaded data, and checks it as far as
    /// the known hashes allow (libtorrent's `set_block`).
    ///
    /// A block whose hash is already known is compared with it. Otherwise the hash is stored,
    /// and the largest run of known block hashes around it whose covering node is known is
    /// checked against that node: with the piece layer known, the last block of a piece checks
    /// the whole piece; with only the root known, the last block of the file checks the file.
    ///
    /// # Errors
    /// [`MerkleError::BlockOutOfRange`] past the last block.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::{BlockRange, MerkleTree, SetBlockResult};
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=3).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let root = MerkleTree::from_block_hashes(blocks.clone(), 4)?.root();
    /// let mut tree = MerkleTree::new(root, 3, 4)?;
    /// assert_eq!(tree.set_block(0, blocks[0])?, SetBlockResult::Unknown);
    /// assert_eq!(tree.set_block(1, blocks[1])?, SetBlockResult::Unknown);
    /// let all = BlockRange { first_block: 0, num_blocks: 4 }; // block 3 is padding
    /// assert_eq!(tree.set_block(2, blocks[2])?, SetBlockResult::Verified(all));
    /// let one = BlockRange { first_block: 1, num_blocks: 1 };
    /// assert_eq!(tree.set_block(1, blocks[0])?, SetBlockResult::BlockHashFailed(one));
    /// # Ok::<(), lt_metainfo::MerkleError>(())
    /// ```
    pub fn set_block(
        &mut self,
        block: usize,
        hash: Sha256Hash,
    ) -> Result<SetBlockResult, MerkleError> {
        let shape = self.shape;
        if block >= shape.num_blocks {
            return Err(MerkleError::BlockOutOfRange {
                block,
                num_blocks: shape.num_blocks,
            });
        }
        let this_block = BlockRange {
            first_block: block,
            num_blocks: 1,
        };
        if self.blocks_verified(block, 1) {
            let known = self.known(shape.leaf_start() + block, &mut Vec::new());
            return Ok(if known == Some(hash) {
                SetBlockResult::Verified(this_block)
            } else {
                SetBlockResult::BlockHashFailed(this_block)
            });
        }
        if hash.is_zero() {
            return Ok(SetBlockResult::BlockHashFailed(this_block));
        }
        let mut full = self.take_full();
        let result = set_leaf(&mut full, shape, block, hash);
        self.storage = Storage::settle(full, shape);
        result
    }

    /// Checks the block hashes of piece `piece` (counted from the file's first piece; the last
    /// piece may have fewer blocks) against the known piece hash, without changing the tree.
    ///
    /// # Errors
    /// [`MerkleError::PieceOutOfRange`], [`MerkleError::BlockCount`] for the wrong number of
    /// hashes, [`MerkleError::HashUnknown`] when the piece hash is not known.
    pub fn verify_piece(
        &self,
        piece: usize,
        block_hashes: &[Sha256Hash],
    ) -> Result<bool, MerkleError> {
        let shape = self.shape;
        if piece >= shape.num_pieces() {
            return Err(MerkleError::PieceOutOfRange {
                piece,
                num_pieces: shape.num_pieces(),
            });
        }
        let first_block = piece << shape.piece_height;
        let expected = shape.blocks_per_piece().min(shape.num_blocks - first_block);
        if block_hashes.len() != expected {
            return Err(MerkleError::BlockCount {
                piece,
                expected,
                actual: block_hashes.len(),
            });
        }
        let node = shape.piece_layer_start() + piece;
        let mut scratch = Vec::new();
        let known = self
            .known(node, &mut scratch)
            .ok_or(MerkleError::HashUnknown { node })?;
        let span = 1usize << shape.piece_layer_height();
        let computed =
            merkle_root_scratch(block_hashes, span, &Sha256Hash::default(), &mut scratch);
        Ok(computed == known)
    }

    /// Adds hashes received from a peer for one of our hash requests: `hashes` is the payload of
    /// the `hashes` message (the `count` base-layer hashes, then the uncle hashes).
    /// `first_piece` is the torrent-wide index of the file's first piece, to report pieces by.
    ///
    /// # Errors
    /// [`MerkleError::InvalidHashRequest`] for a request that does not fit the tree or asks for
    /// fewer than 2 hashes; [`MerkleError::InvalidHashes`] (libtorrent's `invalid_hashes`) for
    /// the wrong number of hashes or hashes that do not prove out; the tree is then unchanged.
    pub fn add_hashes_message(
        &mut self,
        request: &HashRequest,
        first_piece: PieceIndex,
        hashes: &[Sha256Hash],
    ) -> Result<AddHashesResult, MerkleError> {
        self.validate_hash_request(request)?;
        if request.count < 2 {
            return Err(MerkleError::InvalidHashRequest {
                request: *request,
                reason: "fewer than 2 hashes requested",
            });
        }
        let count = usize::try_from(request.count).unwrap_or(usize::MAX);
        let num_uncles = usize::try_from(request.num_uncle_hashes()).unwrap_or(usize::MAX);
        if count.checked_add(num_uncles) != Some(hashes.len()) {
            return Err(MerkleError::InvalidHashes {
                reason: "wrong number of hashes for the request",
            });
        }
        let (base_hashes, uncle_hashes) = hashes.split_at(count);
        let index = usize::try_from(request.index).unwrap_or(usize::MAX);
        let first_node = merkle_to_flat_index(self.shape.num_layers() - request.base, index);
        self.add_hashes(first_node, first_piece, base_hashes, uncle_hashes)
    }

    /// Adds `hashes`, a run of nodes of one layer starting at flat index `first_node`, proven by
    /// `uncle_hashes` (libtorrent's `merkle_tree::add_hashes`).
    ///
    /// The hashes are padded with the layer's pad hash to a power of two; they must then fill
    /// a whole subtree (start at a multiple of that count in their layer). Their subtree root is
    /// proven with the uncles up to the first known ancestor (see
    /// [`merkle_validate_and_insert_proofs`](crate::merkle_flat::merkle_validate_and_insert_proofs));
    /// then the whole subtree is stored. Block hashes given earlier to
    /// [`set_block`](Self::set_block) under it are checked: the result lists the pieces that
    /// passed and failed. A complete tree accepts anything without looking.
    ///
    /// # Errors
    /// [`MerkleError::NodeOutOfRange`] past the end of the tree, [`MerkleError::InvalidHashes`]
    /// when there are no hashes, they do not fill a subtree, or they do not prove out; the tree is
    /// then unchanged.
    pub fn add_hashes(
        &mut self,
        first_node: usize,
        first_piece: PieceIndex,
        hashes: &[Sha256Hash],
        uncle_hashes: &[Sha256Hash],
    ) -> Result<AddHashesResult, MerkleError> {
        let shape = self.shape;
        if first_node >= shape.num_nodes() {
            return Err(MerkleError::NodeOutOfRange {
                node: first_node,
                num_nodes: shape.num_nodes(),
            });
        }
        if hashes.is_empty() {
            return Err(MerkleError::InvalidHashes {
                reason: "no hashes",
            });
        }
        let leaf_count = merkle_num_leafs(hashes.len());
        check_run(shape.num_nodes(), leaf_count, first_node).map_err(|_| {
            MerkleError::InvalidHashes {
                reason: "the hashes do not fill a subtree",
            }
        })?;
        if let Storage::BlockLayer { .. } = self.storage {
            return Ok(AddHashesResult::default());
        }

        let subtree = build_subtree(hashes, leaf_count, pad_hash(shape.height_of(first_node)));
        let insert = Insert {
            first_node,
            first_piece,
            hashes,
            subtree: &subtree,
            uncle_hashes,
        };
        let previous = (!matches!(self.storage, Storage::Full(_))).then(|| self.storage.clone());
        let mut full = self.take_full();
        if let Some(result) = insert.apply(&mut full, shape) {
            self.storage = Storage::settle(full, shape);
            Ok(result)
        } else {
            self.storage = previous.unwrap_or(Storage::Full(full));
            Err(MerkleError::InvalidHashes {
                reason: "the hashes do not match the root",
            })
        }
    }
}

/// Stores a block hash in a full tree and checks the largest known subtree around it.
fn set_leaf(
    full: &mut FullTree,
    shape: Shape,
    block: usize,
    hash: Sha256Hash,
) -> Result<SetBlockResult, MerkleError> {
    let leaf_start = shape.leaf_start();
    if shape.num_nodes() == 1 {
        // One block: the root is the block hash, already verified and compared by the caller.
        return Ok(SetBlockResult::Unknown);
    }
    if let Some(slot) = full.nodes.get_mut(leaf_start + block) {
        *slot = hash;
    }
    let Some(range) = merkle_find_known_subtree(&full.nodes, block, shape.num_blocks) else {
        return Ok(SetBlockResult::Unknown);
    };
    let expected = full.nodes.get(range.root).copied().unwrap_or_default();
    if expected.is_zero() {
        return Ok(SetBlockResult::Unknown);
    }
    let blocks = BlockRange {
        first_block: range.first_leaf,
        num_blocks: range.num_leafs,
    };
    let first_node = leaf_start + range.first_leaf;
    merkle_fill_tree(&mut full.nodes, range.num_leafs, first_node)?;
    let end = range.first_leaf + range.num_leafs;
    if full.nodes.get(range.root) != Some(&expected) {
        merkle_clear_tree(&mut full.nodes, range.num_leafs, first_node)?;
        if let Some(slot) = full.nodes.get_mut(range.root) {
            *slot = expected;
        }
        for cleared in range.first_leaf..end {
            full.unmark_verified(cleared);
        }
        return Ok(SetBlockResult::HashFailed(blocks));
    }
    full.mark_verified(range.first_leaf..end);
    Ok(SetBlockResult::Verified(blocks))
}

/// The tree over `hashes` padded with `pad` to `leaf_count` leaves.
fn build_subtree(hashes: &[Sha256Hash], leaf_count: usize, pad: Sha256Hash) -> Vec<Sha256Hash> {
    let mut subtree = vec![Sha256Hash::default(); merkle_num_nodes(leaf_count)];
    let first = merkle_first_leaf(leaf_count);
    if let Some(leaves) = subtree.get_mut(first..) {
        for (slot, index) in leaves.iter_mut().zip(0..) {
            *slot = hashes.get(index).copied().unwrap_or(pad);
        }
    }
    fill_levels(
        &mut subtree,
        leaf_count,
        first,
        merkle_num_layers(leaf_count),
    );
    subtree
}

/// One checked [`MerkleTree::add_hashes`] call, applied to a full tree.
struct Insert<'a> {
    first_node: usize,
    first_piece: PieceIndex,
    hashes: &'a [Sha256Hash],
    /// The tree over `hashes`, padded; its root is proven into the full tree.
    subtree: &'a [Sha256Hash],
    uncle_hashes: &'a [Sha256Hash],
}

impl Insert<'_> {
    /// Proves and stores the subtree; `None` (and `full` as it was) if it does not prove out.
    fn apply(&self, full: &mut FullTree, shape: Shape) -> Option<AddHashesResult> {
        let leaf_count = self.subtree.len().div_ceil(2);
        let insert_root = merkle_get_ancestor(self.first_node, merkle_num_layers(leaf_count));
        let root_hash = self.subtree.first()?;

        // Block hashes from `set_block` under the new hashes are unchecked: take them out so the
        // proof sees only verified nodes, and compare them with the proven hashes afterwards.
        let leaf_start = shape.leaf_start();
        let mut unchecked = Vec::new();
        if shape.is_leaf(self.first_node) {
            let mut stash = |node: usize, full: &mut FullTree| {
                let block = node - leaf_start;
                if let Some(slot) = full.nodes.get_mut(node) {
                    if !slot.is_zero() && !full.verified.get(block) {
                        unchecked.push((node, *slot));
                        *slot = Sha256Hash::default();
                    }
                }
            };
            for node in self.first_node..self.first_node + leaf_count {
                stash(node, full);
            }
            if leaf_count == 1 {
                stash(merkle_get_sibling(self.first_node), full);
            }
        }
        if !merkle_validate_and_insert_proofs(
            &mut full.nodes,
            insert_root,
            root_hash,
            self.uncle_hashes,
        ) {
            for (node, hash) in unchecked {
                if let Some(slot) = full.nodes.get_mut(node) {
                    *slot = hash;
                }
            }
            return None;
        }

        let mut result = AddHashesResult::default();
        let block_of = |node: usize| node - leaf_start;
        let piece_of = |block: usize| torrent_piece(self.first_piece, block >> shape.piece_height);
        let block_mask = shape.blocks_per_piece() - 1;
        let mut check_unchecked = |node: usize, proven: Sha256Hash, full: &mut FullTree| {
            let block = block_of(node);
            if let Some(&(_, old)) = unchecked.iter().find(|(stashed, _)| *stashed == node) {
                if old == proven {
                    result.pass(piece_of(block));
                } else {
                    result.fail(piece_of(block), block & block_mask);
                }
            }
            full.mark_verified(block..block + 1);
        };

        // Store the subtree layer by layer; verify its real leaves.
        let mut dest = self.first_node;
        let mut src = merkle_first_leaf(leaf_count);
        let mut size = leaf_count;
        loop {
            for offset in 0..size {
                let Some(&hash) = self.subtree.get(src + offset) else {
                    break;
                };
                let node = dest + offset;
                if shape.is_leaf(node) && block_of(node) < shape.num_blocks {
                    check_unchecked(node, hash, full);
                }
                if let Some(slot) = full.nodes.get_mut(node) {
                    *slot = hash;
                }
            }
            if size == 1 {
                break;
            }
            dest = merkle_get_parent(dest);
            src = merkle_get_parent(src);
            size /= 2;
        }
        // A single block hash proves its sibling block hash too.
        if leaf_count == 1 && shape.is_leaf(self.first_node) {
            let sibling = merkle_get_sibling(self.first_node);
            let proven = full.nodes.get(sibling).copied().unwrap_or_default();
            if proven.is_zero() {
                // The target was already verified: the proof was not needed, nor walked.
                if let Some(&(_, old)) = unchecked.iter().find(|(node, _)| *node == sibling) {
                    if let Some(slot) = full.nodes.get_mut(sibling) {
                        *slot = old;
                    }
                }
            } else if block_of(sibling) < shape.num_blocks {
                check_unchecked(sibling, proven, full);
            }
        }

        self.check_pieces(full, shape, &mut result);
        Some(result)
    }

    /// When the new hashes are piece hashes, checks the pieces whose block hashes are all there.
    fn check_pieces(&self, full: &mut FullTree, shape: Shape, result: &mut AddHashesResult) {
        let height = shape.piece_layer_height();
        let piece_start = shape.piece_layer_start();
        let num_pieces = shape.num_pieces();
        if height == 0
            || self.first_node < piece_start
            || self.first_node >= piece_start + num_pieces
        {
            return;
        }
        let leaf_start = shape.leaf_start();
        let span = 1usize << height;
        for (piece, piece_hash) in (self.first_node - piece_start..num_pieces).zip(self.hashes) {
            let first_block = piece << height;
            let end_block = (first_block + span).min(shape.num_blocks);
            let leaves = full
                .nodes
                .get(leaf_start + first_block..leaf_start + end_block)
                .unwrap_or_default();
            if leaves.is_empty() || leaves.iter().any(Sha256Hash::is_zero) {
                continue;
            }
            let first_leaf = leaf_start + first_block;
            let piece_node = piece_start + piece;
            if merkle_fill_tree(&mut full.nodes, span, first_leaf).is_err() {
                continue;
            }
            if full.nodes.get(piece_node) == Some(piece_hash) {
                result.pass(torrent_piece(self.first_piece, piece));
                full.mark_verified(first_block..end_block);
            } else {
                // Cannot fail: the run was just filled.
                let _ = merkle_clear_tree(&mut full.nodes, span, first_leaf);
                if let Some(slot) = full.nodes.get_mut(piece_node) {
                    *slot = *piece_hash;
                }
                for block in first_block..end_block {
                    full.unmark_verified(block);
                }
                result.failed.push(FailedPiece {
                    piece: torrent_piece(self.first_piece, piece),
                    blocks: Vec::new(),
                });
            }
        }
    }
}
