//! Serving BEP 52 hash requests: [`HashRequest`], its validation against a tree, the hashes and
//! uncle hashes that answer it (libtorrent's `validate_hash_request` and
//! `merkle_tree::get_hashes`), and the proof of a single node.

use std::fmt;

use lt_core::Sha256Hash;

use super::error::MerkleError;
use super::index::{
    merkle_get_parent, merkle_get_sibling, merkle_num_layers, merkle_num_leafs,
    merkle_to_flat_index,
};
use super::storage::Storage;
use super::tree::MerkleTree;

/// The payload of a BEP 52 `hash request` (and of the `hashes` and `hash reject` answers),
/// without the `pieces root` that names the file's tree.
///
/// Asks for `count` hashes of the layer `base` layers above the blocks (0: block hashes; the
/// piece layer is `log2(blocks per piece)`), starting at `index` in that layer, followed by the
/// uncle hashes that tie them to the root: one per layer for `proof_layers` layers above the base
/// layer, minus the `log2(count) - 1` layers the hashes themselves imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashRequest {
    /// Layers above the block layer of the first requested hash.
    pub base: u32,
    /// The position of the first hash in the base layer.
    pub index: u32,
    /// The number of hashes from the base layer (BEP 52: a power of two, at least 2).
    pub count: u32,
    /// The number of ancestor layers to prove the hashes with.
    pub proof_layers: u32,
}

impl HashRequest {
    /// The most hashes one request may ask for, as libtorrent: 8192 blocks are a 128 MiB piece.
    pub const MAX_COUNT: u32 = 8192;

    /// The number of uncle hashes that follow the `count` base hashes in a `hashes` message.
    ///
    /// # Examples
    /// ```
    /// use lt_metainfo::HashRequest;
    /// let request = HashRequest { base: 0, index: 0, count: 4, proof_layers: 5 };
    /// assert_eq!(request.num_uncle_hashes(), 4); // the 4 hashes imply the first layer
    /// ```
    #[must_use]
    pub fn num_uncle_hashes(&self) -> u32 {
        let implied = merkle_num_layers(merkle_num_leafs(self.count_usize())).saturating_sub(1);
        self.proof_layers.saturating_sub(implied)
    }

    fn count_usize(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for HashRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "base {}, index {}, count {}, proof layers {}",
            self.base, self.index, self.count, self.proof_layers
        )
    }
}

impl MerkleTree {
    /// Checks a peer's hash request against this tree's size, as libtorrent's
    /// `validate_hash_request`: `count` from 1 to [`HashRequest::MAX_COUNT`], the base layer
    /// below the root, `index .. index + count` inside the base layer, and fewer proof layers
    /// than there are layers above the base. Like libtorrent it does not insist on BEP 52's
    /// power-of-two `count` or aligned `index`.
    ///
    /// # Errors
    /// [`MerkleError::InvalidHashRequest`] naming the broken rule.
    pub fn validate_hash_request(&self, request: &HashRequest) -> Result<(), MerkleError> {
        let invalid = |reason| {
            Err(MerkleError::InvalidHashRequest {
                request: *request,
                reason,
            })
        };
        if request.count == 0 {
            return invalid("no hashes requested");
        }
        if request.count > HashRequest::MAX_COUNT {
            return invalid("more than 8192 hashes requested");
        }
        let num_layers = self.shape.num_layers();
        if request.base >= num_layers {
            return invalid("base layer at or above the root");
        }
        let layer_width = u64::try_from(self.shape.num_leafs() >> request.base).unwrap_or(u64::MAX);
        let end = u64::from(request.index) + u64::from(request.count);
        if u64::from(request.index) >= layer_width || end > layer_width {
            return invalid("hashes outside the base layer");
        }
        if request.proof_layers >= num_layers - request.base {
            return invalid("more proof layers than the tree has");
        }
        Ok(())
    }

    /// Answers a peer's hash request: the `count` hashes of the base layer (zero for padding
    /// blocks), then the uncle hashes from the lowest needed layer up, as a `hashes` message
    /// carries them (libtorrent's `get_hashes`).
    ///
    /// # Errors
    /// [`MerkleError::InvalidHashRequest`] for a request that does not fit the tree (see
    /// [`validate_hash_request`](Self::validate_hash_request)); [`MerkleError::HashesUnavailable`]
    /// when a requested or proof hash is not known (answer with `hash reject`).
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::{HashRequest, MerkleError, MerkleTree};
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=8).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let tree = MerkleTree::from_block_hashes(blocks.clone(), 2)?;
    /// // blocks 4 and 5 with two proof layers: the uncles are the siblings of their parent
    /// // (node 6, over blocks 6 and 7) and of their grandparent (node 1, over blocks 0 to 3)
    /// let request = HashRequest { base: 0, index: 4, count: 2, proof_layers: 2 };
    /// let hashes = tree.get_hashes(&request)?;
    /// assert_eq!(hashes, [blocks[4], blocks[5], tree.node(6), tree.node(1)]);
    /// let bad = HashRequest { base: 0, index: 8, count: 2, proof_layers: 0 };
    /// assert!(matches!(tree.get_hashes(&bad), Err(MerkleError::InvalidHashRequest { .. })));
    /// # Ok::<(), MerkleError>(())
    /// ```
    pub fn get_hashes(&self, request: &HashRequest) -> Result<Vec<Sha256Hash>, MerkleError> {
        self.validate_hash_request(request)?;
        let unavailable = || MerkleError::HashesUnavailable { request: *request };
        let count = request.count_usize();
        let index = usize::try_from(request.index).map_err(|_| unavailable())?;
        let first = merkle_to_flat_index(self.shape.num_layers() - request.base, index);
        let num_uncles = usize::try_from(request.num_uncle_hashes()).unwrap_or(0);
        let mut hashes = Vec::with_capacity(count + num_uncles);
        let mut scratch = Vec::new();

        match &self.storage {
            Storage::BlockLayer { blocks, .. } if request.base == 0 => {
                let end = index.saturating_add(count).min(blocks.len());
                hashes.extend_from_slice(blocks.get(index..end).unwrap_or_default());
                hashes.resize(count, Sha256Hash::default());
            }
            _ => {
                for node in first..first + count {
                    hashes.push(self.value(node, &mut scratch).ok_or_else(unavailable)?);
                }
            }
        }

        let implied = merkle_num_layers(merkle_num_leafs(count)).saturating_sub(1);
        let mut proof_node = first;
        for layer in 0..request.proof_layers {
            proof_node = merkle_get_parent(proof_node);
            if layer < implied {
                continue;
            }
            if !self.has_node(proof_node) && !self.is_padding(proof_node) {
                return Err(unavailable());
            }
            let sibling = merkle_get_sibling(proof_node);
            hashes.push(self.value(sibling, &mut scratch).ok_or_else(unavailable)?);
        }
        Ok(hashes)
    }

    /// The uncle hashes of flat node `node`: its sibling, its parent's sibling, and so on up to
    /// the root, so that [`merkle_verify_proof`](crate::merkle_flat::merkle_verify_proof) checks
    /// the node against the root.
    ///
    /// # Errors
    /// [`MerkleError::NodeOutOfRange`] past the end of the tree, [`MerkleError::HashUnknown`]
    /// when an uncle is not known.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    /// use lt_metainfo::{merkle_flat::merkle_verify_proof, MerkleTree};
    ///
    /// let blocks: Vec<Sha256Hash> = (1..=5).map(|byte| Sha256Hash::from_bytes([byte; 32])).collect();
    /// let tree = MerkleTree::from_block_hashes(blocks.clone(), 1)?;
    /// let leaf = tree.block_layer_start() + 4;
    /// let uncles = tree.uncle_hashes(leaf)?;
    /// assert!(merkle_verify_proof(&tree.root(), leaf, &blocks[4], &uncles));
    /// # Ok::<(), lt_metainfo::MerkleError>(())
    /// ```
    pub fn uncle_hashes(&self, node: usize) -> Result<Vec<Sha256Hash>, MerkleError> {
        if node >= self.shape.num_nodes() {
            return Err(MerkleError::NodeOutOfRange {
                node,
                num_nodes: self.shape.num_nodes(),
            });
        }
        let mut uncles = Vec::new();
        let mut scratch = Vec::new();
        let mut cursor = node;
        while cursor > 0 {
            let sibling = merkle_get_sibling(cursor);
            let hash = self
                .value(sibling, &mut scratch)
                .ok_or(MerkleError::HashUnknown { node: sibling })?;
            uncles.push(hash);
            cursor = merkle_get_parent(cursor);
        }
        Ok(uncles)
    }
}
