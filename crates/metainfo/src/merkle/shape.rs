//! [`Shape`]: the dimensions of one file's tree (blocks, pieces, layers, where each layer starts
//! and which nodes are padding), computed from the block count and the piece size.

use lt_core::Sha256Hash;

use super::error::MerkleError;
use super::index::{
    merkle_first_leaf, merkle_get_layer, merkle_get_layer_offset, merkle_layer_start,
    merkle_num_layers, merkle_num_leafs, merkle_num_nodes,
};
use super::pad::pad_hash;

/// The most blocks a tree may have: 2^31 (32 TiB of 16 KiB blocks), so every flat index fits a
/// 32-bit `usize` and every piece index a `u32`.
pub(super) const MAX_BLOCKS: usize = 1 << 31;

/// The dimensions of a file's tree. Every layer height is counted from the leaves (height 0);
/// every flat layer from the root (layer 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    /// The number of real leaves (16 KiB blocks of the file), at least 1.
    pub(super) num_blocks: usize,
    /// `log2(blocks per piece)`.
    pub(super) piece_height: u32,
}

impl Shape {
    /// Checks the block count and blocks per piece.
    pub(super) fn new(num_blocks: usize, blocks_per_piece: usize) -> Result<Self, MerkleError> {
        if num_blocks == 0 {
            return Err(MerkleError::NoBlocks);
        }
        if num_blocks > MAX_BLOCKS {
            return Err(MerkleError::TooManyBlocks {
                num_blocks,
                max: MAX_BLOCKS,
            });
        }
        if !blocks_per_piece.is_power_of_two() {
            return Err(MerkleError::InvalidBlocksPerPiece { blocks_per_piece });
        }
        Ok(Self {
            num_blocks,
            piece_height: blocks_per_piece.trailing_zeros(),
        })
    }

    /// The number of leaves, padding included.
    pub(super) fn num_leafs(self) -> usize {
        merkle_num_leafs(self.num_blocks)
    }

    /// The height of the root above the leaves.
    pub(super) fn num_layers(self) -> u32 {
        merkle_num_layers(self.num_leafs())
    }

    /// The number of nodes of the padded tree.
    pub(super) fn num_nodes(self) -> usize {
        merkle_num_nodes(self.num_leafs())
    }

    /// The flat index of block 0.
    pub(super) fn leaf_start(self) -> usize {
        merkle_first_leaf(self.num_leafs())
    }

    pub(super) fn blocks_per_piece(self) -> usize {
        1 << self.piece_height
    }

    pub(super) fn num_pieces(self) -> usize {
        self.num_blocks.div_ceil(self.blocks_per_piece())
    }

    /// The height of the piece layer: `log2(blocks per piece)`, or the root's height for a file of
    /// one piece.
    pub(super) fn piece_layer_height(self) -> u32 {
        self.piece_height.min(self.num_layers())
    }

    /// The flat index of piece 0's node.
    pub(super) fn piece_layer_start(self) -> usize {
        self.layer_start_at_height(self.piece_layer_height())
    }

    /// The flat index of the first node `height` layers above the leaves.
    pub(super) fn layer_start_at_height(self, height: u32) -> usize {
        merkle_layer_start(self.num_layers().saturating_sub(height))
    }

    /// The number of nodes from the root down to and including the layer `height` above the
    /// leaves.
    pub(super) fn nodes_down_to_height(self, height: u32) -> usize {
        merkle_num_nodes(self.num_leafs() >> height.min(self.num_layers()))
    }

    /// The height above the leaves of flat node `node`.
    pub(super) fn height_of(self, node: usize) -> u32 {
        self.num_layers().saturating_sub(merkle_get_layer(node))
    }

    /// The first block under flat node `node` (possibly past the end of the file).
    pub(super) fn first_block_under(self, node: usize) -> usize {
        let height = self.height_of(node);
        merkle_get_layer_offset(node)
            .checked_shl(height)
            .unwrap_or(usize::MAX)
    }

    /// Whether flat node `node` covers padding only, so its hash is the pad of its height.
    pub(super) fn is_padding(self, node: usize) -> bool {
        node < self.num_nodes() && self.first_block_under(node) >= self.num_blocks
    }

    /// The hash of a padding node.
    pub(super) fn pad_of(self, node: usize) -> Sha256Hash {
        pad_hash(self.height_of(node))
    }

    /// Whether flat node `node` is in the leaf layer.
    pub(super) fn is_leaf(self, node: usize) -> bool {
        node >= self.leaf_start() && node < self.num_nodes()
    }

    /// The height of the lowest layer a complete tree keeps above its block layer: the piece
    /// layer, or the layer above the blocks when pieces are single blocks.
    pub(super) fn top_height(self) -> u32 {
        self.piece_layer_height().max(1).min(self.num_layers())
    }
}
