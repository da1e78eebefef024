//! [`MerkleTree`]: one file's BEP 52 hash tree, complete or partially known, with its
//! constructors, node access, piece layer and verified blocks.

use lt_core::{Bitfield, Sha256Hash};

use super::error::MerkleError;
use super::fill::merkle_root_scratch;
use super::pad::pad_hash;
use super::shape::Shape;
use super::storage::{top_from_layer, FullTree, Storage};

/// The merkle tree of one file of a v2 torrent (BEP 52), as libtorrent's `merkle_tree`.
///
/// The leaves are the SHA-256 hashes of the file's 16 KiB blocks (the last one may be shorter),
/// padded with zero hashes to a power of two; every other node is `SHA-256(left || right)`; the
/// root is the file's `pieces root`. The **piece layer** is the layer where one node covers one
/// piece (`blocks_per_piece` blocks). Nodes are addressed by flat index: the root is 0, the
/// children of node `i` are `2i + 1` and `2i + 2` (see [`merkle_flat`](crate::merkle_flat)).
///
/// A tree may know only part of itself. A seed builds it complete from its block hashes
/// ([`from_block_hashes`](Self::from_block_hashes)); a downloader starts from the root
/// ([`new`](Self::new)), adds the piece layer from the `.torrent` or from peers
/// ([`load_piece_layer`](Self::load_piece_layer), [`add_hashes`](Self::add_hashes)) and then
/// checks each block hash it computes ([`set_block`](Self::set_block)). Storage follows what is
/// known, like libtorrent's modes: only the root; the nodes down to the piece layer; the complete
/// tree (block hashes plus the nodes down to the piece layer); or, while hashes arrive piecemeal,
/// every node of the padded tree.
///
/// Everything taken from peers is checked: hash requests and hashes with out-of-range or
/// inconsistent values give a [`MerkleError`], never a panic.
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::{HashRequest, MerkleTree, SetBlockResult};
///
/// // A seed: 5 blocks of 16 KiB, 2 blocks (32 KiB) per piece.
/// let data = vec![7u8; 5 * 16384];
/// let block_hashes: Vec<Sha256Hash> = data.chunks(16384).map(Sha256Hash::digest).collect();
/// let seed = MerkleTree::from_block_hashes(block_hashes.clone(), 2)?;
/// let piece_layer = seed.piece_layer().expect("a complete tree knows its piece layer");
/// assert_eq!(piece_layer.len(), 3);
///
/// // A downloader knows the root and the piece layer from the .torrent file.
/// let mut tree = MerkleTree::new(seed.root(), 5, 2)?;
/// tree.load_piece_layer(&piece_layer)?;
/// assert_eq!(tree.set_block(0, block_hashes[0])?, SetBlockResult::Unknown);
/// assert!(matches!(tree.set_block(1, block_hashes[1])?, SetBlockResult::Verified(_)));
///
/// // The seed answers a peer's hash request for the blocks of piece 1, with proof.
/// let request = HashRequest { base: 0, index: 2, count: 2, proof_layers: 2 };
/// let hashes = seed.get_hashes(&request)?;
/// let mut other = MerkleTree::new(seed.root(), 5, 2)?;
/// other.add_hashes_message(&request, lt_core::PieceIndex::new(0), &hashes)?;
/// assert!(other.blocks_verified(2, 2));
/// # Ok::<(), lt_metainfo::MerkleError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    pub(super) root: Sha256Hash,
    pub(super) shape: Shape,
    pub(super) storage: Storage,
}

impl MerkleTree {
    /// A tree of `num_blocks` 16 KiB blocks that knows only its `root` (a file's `pieces root`).
    ///
    /// # Errors
    /// [`MerkleError::NoBlocks`] for an empty file, [`MerkleError::TooManyBlocks`] past 2^31
    /// blocks, [`MerkleError::InvalidBlocksPerPiece`] unless `blocks_per_piece` is a power of two.
    ///
    /// # Examples
    /// ```
    /// let root = lt_core::Sha256Hash::from_bytes([1; 32]);
    /// let tree = lt_metainfo::MerkleTree::new(root, 259, 4)?;
    /// assert_eq!((tree.num_pieces(), tree.num_leafs(), tree.num_nodes()), (65, 512, 1023));
    /// assert!(tree.has_node(0) && !tree.has_node(1));
    /// # Ok::<(), lt_metainfo::MerkleError>(())
    /// ```
    pub fn new(
        root: Sha256Hash,
        num_blocks: usize,
        blocks_per_piece: usize,
    ) -> Result<Self, MerkleError> {
        Ok(Self {
            root,
            shape: Shape::new(num_blocks, blocks_per_piece)?,
            storage: Storage::Root,
        })
    }

    /// The complete tree over a file's block hashes (one per 16 KiB block, in order), as a seed
    /// or torrent creator has it. Its root is the file's `pieces root`.
    ///
    /// Builds the tree layer by layer in one reused buffer: `num_blocks - 1` pair hashes and no
    /// per-node allocation.
    ///
    /// # Errors
    /// As [`new`](Self::new): an empty `block_hashes` (an empty file) is
    /// [`MerkleError::NoBlocks`].
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::{merkle_flat::merkle_root, MerkleTree};
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=3).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let tree = MerkleTree::from_block_hashes(blocks.clone(), 4)?;
    /// assert_eq!(tree.root(), merkle_root(&blocks, &Sha256Hash::default()));
    /// assert!(tree.is_complete());
    /// assert!(MerkleTree::from_block_hashes(Vec::new(), 4).is_err());
    /// # Ok::<(), lt_metainfo::MerkleError>(())
    /// ```
    pub fn from_block_hashes(
        block_hashes: Vec<Sha256Hash>,
        blocks_per_piece: usize,
    ) -> Result<Self, MerkleError> {
        let shape = Shape::new(block_hashes.len(), blocks_per_piece)?;
        let first_block = block_hashes.first().copied().unwrap_or_default();
        let storage = Storage::complete(shape, block_hashes);
        let root = match &storage {
            Storage::BlockLayer { top, .. } => top.first().copied().unwrap_or_default(),
            _ => first_block,
        };
        Ok(Self {
            root,
            shape,
            storage,
        })
    }

    /// A tree that knows its root and its piece layer, as a downloader has it from the
    /// `.torrent` file: [`new`](Self::new) then [`load_piece_layer`](Self::load_piece_layer).
    ///
    /// # Errors
    /// As both.
    pub fn from_piece_layer(
        root: Sha256Hash,
        num_blocks: usize,
        blocks_per_piece: usize,
        piece_layer: &[Sha256Hash],
    ) -> Result<Self, MerkleError> {
        let mut tree = Self::new(root, num_blocks, blocks_per_piece)?;
        tree.load_piece_layer(piece_layer)?;
        Ok(tree)
    }

    /// The root hash (the file's `pieces root`).
    #[must_use]
    pub fn root(&self) -> Sha256Hash {
        self.root
    }

    /// The number of 16 KiB blocks of the file.
    #[must_use]
    pub fn num_blocks(&self) -> usize {
        self.shape.num_blocks
    }

    /// The number of blocks per piece (a power of two).
    #[must_use]
    pub fn blocks_per_piece(&self) -> usize {
        self.shape.blocks_per_piece()
    }

    /// The number of pieces of the file: blocks divided by blocks per piece, rounded up.
    #[must_use]
    pub fn num_pieces(&self) -> usize {
        self.shape.num_pieces()
    }

    /// The number of leaves: blocks rounded up to a power of two.
    #[must_use]
    pub fn num_leafs(&self) -> usize {
        self.shape.num_leafs()
    }

    /// The number of nodes of the padded tree: `2 * num_leafs() - 1`.
    #[must_use]
    pub fn num_nodes(&self) -> usize {
        self.shape.num_nodes()
    }

    /// The flat index of block 0's leaf.
    #[must_use]
    pub fn block_layer_start(&self) -> usize {
        self.shape.leaf_start()
    }

    /// The flat index of piece 0's node in the piece layer (the root for a one-piece file).
    #[must_use]
    pub fn piece_layer_start(&self) -> usize {
        self.shape.piece_layer_start()
    }

    /// Whether flat node `node` covers only padding (no block of the file): its hash is then the
    /// pad hash of its height, known without being stored.
    #[must_use]
    pub fn is_padding(&self, node: usize) -> bool {
        self.shape.is_padding(node)
    }

    /// Whether the hash of flat node `node` is known and verified against the root (libtorrent's
    /// `has_node`). Padding leaves are never "known"; a block hash given to
    /// [`set_block`](Self::set_block) that could not be checked yet is not either.
    #[must_use]
    pub fn has_node(&self, node: usize) -> bool {
        match &self.storage {
            Storage::Root => node == 0,
            Storage::PieceLayer { top } => node < top.len(),
            Storage::BlockLayer { .. } => node < self.shape.leaf_start() + self.shape.num_blocks,
            Storage::Full(full) => full.known(self.shape, node).is_some(),
        }
    }

    /// The hash of flat node `node`: the verified hash if known, the pad hash for a padding node
    /// (zero for padding leaves), and the zero hash when unknown or out of range.
    #[must_use]
    pub fn node(&self, node: usize) -> Sha256Hash {
        self.value(node, &mut Vec::new()).unwrap_or_default()
    }

    /// The verified hash of `node`, computing nodes between the block layer and the stored top
    /// of a complete tree from the block hashes (with `scratch` as the buffer).
    pub(super) fn known(&self, node: usize, scratch: &mut Vec<Sha256Hash>) -> Option<Sha256Hash> {
        match &self.storage {
            Storage::Root => (node == 0).then_some(self.root),
            Storage::PieceLayer { top } => top.get(node).copied(),
            Storage::BlockLayer { top, blocks } => {
                if let Some(hash) = top.get(node) {
                    return Some(*hash);
                }
                if node >= self.shape.num_nodes() {
                    return None;
                }
                let height = self.shape.height_of(node);
                let first = self.shape.first_block_under(node);
                if height == 0 {
                    return blocks.get(first).copied();
                }
                if first >= blocks.len() {
                    return Some(pad_hash(height));
                }
                let span = 1usize << height;
                let end = first.saturating_add(span).min(blocks.len());
                let leaves = blocks.get(first..end)?;
                Some(merkle_root_scratch(
                    leaves,
                    span,
                    &Sha256Hash::default(),
                    scratch,
                ))
            }
            Storage::Full(full) => full.known(self.shape, node),
        }
    }

    /// [`known`](Self::known), or the pad hash for a padding node.
    pub(super) fn value(&self, node: usize, scratch: &mut Vec<Sha256Hash>) -> Option<Sha256Hash> {
        self.known(node, scratch)
            .or_else(|| self.shape.is_padding(node).then(|| self.shape.pad_of(node)))
    }

    /// The piece layer: one hash per piece, as the `.torrent`'s `piece layers` stores it (for a
    /// one-piece file, the root). `None` while any piece hash is unknown (libtorrent's
    /// `get_piece_layer` returns an empty list).
    #[must_use]
    pub fn piece_layer(&self) -> Option<Vec<Sha256Hash>> {
        let first = self.shape.piece_layer_start();
        let mut scratch = Vec::new();
        (0..self.shape.num_pieces())
            .map(|piece| self.known(first + piece, &mut scratch))
            .collect()
    }

    /// The verified hash of piece `piece` (counted from the file's first piece), if known.
    #[must_use]
    pub fn piece_hash(&self, piece: usize) -> Option<Sha256Hash> {
        if piece >= self.shape.num_pieces() {
            return None;
        }
        self.known(self.shape.piece_layer_start() + piece, &mut Vec::new())
    }

    /// Sets the piece layer (one hash per piece, as in the `.torrent`'s `piece layers`) after
    /// checking it against the root. Whatever the tree knew below the piece layer is dropped,
    /// verified blocks included; a complete tree only compares.
    ///
    /// # Errors
    /// [`MerkleError::PieceLayerLength`] unless there is one hash per piece, and
    /// [`MerkleError::PieceLayerMismatch`] if they do not hash up to the root (libtorrent's
    /// `torrent_invalid_piece_layer`); the tree is then unchanged.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::{MerkleError, MerkleTree};
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=9).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let seed = MerkleTree::from_block_hashes(blocks, 4)?;
    /// let layer = seed.piece_layer().unwrap_or_default();
    /// let mut tree = MerkleTree::new(seed.root(), 9, 4)?;
    /// assert_eq!(tree.load_piece_layer(&layer[..2]), Err(MerkleError::PieceLayerLength { expected: 3, actual: 2 }));
    /// tree.load_piece_layer(&layer)?;
    /// assert_eq!(tree.piece_layer(), Some(layer));
    /// # Ok::<(), MerkleError>(())
    /// ```
    pub fn load_piece_layer(&mut self, piece_layer: &[Sha256Hash]) -> Result<(), MerkleError> {
        let expected = self.shape.num_pieces();
        if piece_layer.len() != expected {
            return Err(MerkleError::PieceLayerLength {
                expected,
                actual: piece_layer.len(),
            });
        }
        if let Storage::BlockLayer { .. } = self.storage {
            return match self.piece_layer() {
                Some(layer) if layer == piece_layer => Ok(()),
                _ => Err(MerkleError::PieceLayerMismatch),
            };
        }
        let height = self.shape.piece_layer_height();
        let storage = if height == 0 {
            // Pieces are blocks: the piece layer is the whole block layer.
            let storage = Storage::complete(self.shape, piece_layer.to_vec());
            let root = match &storage {
                Storage::BlockLayer { top, .. } => top.first().copied(),
                _ => piece_layer.first().copied(),
            };
            (root == Some(self.root)).then_some(storage)
        } else {
            let top = top_from_layer(self.shape, piece_layer, height);
            match top.as_slice() {
                [root] if *root == self.root => Some(Storage::Root),
                [root, ..] if *root == self.root => Some(Storage::PieceLayer { top }),
                _ => None,
            }
        };
        self.storage = storage.ok_or(MerkleError::PieceLayerMismatch)?;
        Ok(())
    }

    /// One bit per block: whether its hash is known and verified against the root (libtorrent's
    /// `verified_leafs`).
    #[must_use]
    pub fn verified_leafs(&self) -> Bitfield {
        let num_blocks = self.shape.num_blocks;
        match &self.storage {
            Storage::Root if num_blocks == 1 => Bitfield::with_all_set(num_blocks),
            Storage::Root | Storage::PieceLayer { .. } => Bitfield::new(num_blocks),
            Storage::BlockLayer { .. } => Bitfield::with_all_set(num_blocks),
            Storage::Full(full) => full.verified.clone(),
        }
    }

    /// Whether the hashes of blocks `first_block .. first_block + count` are all verified;
    /// `false` for an empty or out-of-range span.
    #[must_use]
    pub fn blocks_verified(&self, first_block: usize, count: usize) -> bool {
        let num_blocks = self.shape.num_blocks;
        let Some(end) = first_block.checked_add(count) else {
            return false;
        };
        if count == 0 || end > num_blocks {
            return false;
        }
        match &self.storage {
            Storage::Root => num_blocks == 1,
            Storage::PieceLayer { .. } => false,
            Storage::BlockLayer { .. } => true,
            Storage::Full(full) => (first_block..end).all(|block| full.is_verified(block)),
        }
    }

    /// Whether every block hash is known and verified: the tree is complete.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        match &self.storage {
            Storage::Root => self.shape.num_blocks == 1,
            Storage::PieceLayer { .. } => false,
            Storage::BlockLayer { .. } => true,
            Storage::Full(full) => full.is_complete(),
        }
    }

    /// Moves the storage out as every node of the padded tree (libtorrent's `allocate_full`);
    /// the caller puts a [`Storage`] back.
    pub(super) fn take_full(&mut self) -> FullTree {
        std::mem::replace(&mut self.storage, Storage::Root).into_full(self.shape, self.root)
    }
}
