//! [`MerkleError`]: what can go wrong building, loading, querying or updating a merkle tree.

use super::request::HashRequest;

/// An error from a [`MerkleTree`](crate::MerkleTree) or a flat-tree helper.
///
/// Hash requests and hashes come from peers: [`InvalidHashRequest`](Self::InvalidHashRequest)
/// and [`InvalidHashes`](Self::InvalidHashes) are libtorrent's `invalid_hash_request` and
/// `invalid_hashes` (the peer broke BEP 52), [`HashesUnavailable`](Self::HashesUnavailable)
/// means a valid request we cannot serve (answer with `hash reject`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// A tree needs at least one block: an empty file has no merkle tree and no `pieces root`.
    #[error("a merkle tree needs at least one block")]
    NoBlocks,
    /// More blocks than a tree may have.
    #[error("too many blocks for a merkle tree: {num_blocks} (at most {max})")]
    TooManyBlocks {
        /// The number of blocks asked for.
        num_blocks: usize,
        /// The largest number of blocks supported.
        max: usize,
    },
    /// Blocks per piece must be a power of two (v2 piece sizes are powers of two ≥ 16 KiB).
    #[error("invalid blocks per piece: {blocks_per_piece} (must be a power of two)")]
    InvalidBlocksPerPiece {
        /// The number given.
        blocks_per_piece: usize,
    },
    /// A block index past the end of the file.
    #[error("block {block} out of range (the file has {num_blocks} blocks)")]
    BlockOutOfRange {
        /// The block index given.
        block: usize,
        /// The number of blocks of the file.
        num_blocks: usize,
    },
    /// A piece index past the end of the file.
    #[error("piece {piece} out of range (the file has {num_pieces} pieces)")]
    PieceOutOfRange {
        /// The piece index within the file.
        piece: usize,
        /// The number of pieces of the file.
        num_pieces: usize,
    },
    /// The wrong number of block hashes for a piece.
    #[error("expected {expected} block hashes for piece {piece}, got {actual}")]
    BlockCount {
        /// The piece index within the file.
        piece: usize,
        /// The number of blocks in that piece.
        expected: usize,
        /// The number of hashes given.
        actual: usize,
    },
    /// A flat node index past the end of the tree.
    #[error("node {node} out of range (the tree has {num_nodes} nodes)")]
    NodeOutOfRange {
        /// The flat index given.
        node: usize,
        /// The number of nodes of the tree.
        num_nodes: usize,
    },
    /// A run of nodes that no single subtree covers.
    #[error(
        "{count} nodes from node {first} are not an aligned run within one layer of a \
         {num_nodes}-node tree"
    )]
    InvalidNodeRange {
        /// The flat index of the first node.
        first: usize,
        /// The number of nodes.
        count: usize,
        /// The number of nodes of the tree.
        num_nodes: usize,
    },
    /// A flat tree whose node count is not `2^k - 1`.
    #[error("{num_nodes} nodes do not form a complete binary tree")]
    IncompleteTree {
        /// The number of nodes given.
        num_nodes: usize,
    },
    /// A tree or node list of the wrong size.
    #[error("expected {expected} merkle tree nodes, got {actual}")]
    WrongNodeCount {
        /// The number of nodes the tree has.
        expected: usize,
        /// The number given.
        actual: usize,
    },
    /// Stored nodes (resume data) that do not hash up to the tree's root.
    #[error("merkle tree does not match its root")]
    RootMismatch,
    /// A piece layer with the wrong number of hashes (libtorrent's `torrent_invalid_piece_layer`).
    #[error("invalid piece layer: expected {expected} hashes, got {actual}")]
    PieceLayerLength {
        /// The number of pieces of the file.
        expected: usize,
        /// The number of hashes given.
        actual: usize,
    },
    /// A piece layer that does not hash up to the file's root (libtorrent's
    /// `torrent_invalid_piece_layer`).
    #[error("invalid piece layer: the hashes do not match the root")]
    PieceLayerMismatch,
    /// A hash this operation needs is not known yet.
    #[error("the hash of node {node} is not known")]
    HashUnknown {
        /// The flat index of the node.
        node: usize,
    },
    /// A hash request that breaks BEP 52 or does not fit this file's tree (libtorrent's
    /// `invalid_hash_request`).
    #[error("invalid hash request ({reason}): {request}")]
    InvalidHashRequest {
        /// The request.
        request: HashRequest,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A valid hash request for hashes this tree does not know (answer with `hash reject`).
    #[error("hashes not available: {request}")]
    HashesUnavailable {
        /// The request.
        request: HashRequest,
    },
    /// Received hashes that do not fit the request or do not prove out against the root
    /// (libtorrent's `invalid_hashes`).
    #[error("invalid hashes: {reason}")]
    InvalidHashes {
        /// What is wrong with them.
        reason: &'static str,
    },
}
