//! [`PieceVerifier`]: whether a piece's bytes match the torrent — SHA-1 for v1, the file's
//! merkle tree for v2, both for hybrid torrents.

use lt_core::{FileIndex, PieceIndex};
use lt_metainfo::{MerkleTree, TorrentInfo};

use crate::hash::{hash_data, PieceHashes};
use crate::params::HashKinds;

/// Checks pieces against a torrent's hashes. Holds one merkle tree per v2 file (its root and
/// piece layer), built once and shared read-only by every checking thread.
#[derive(Debug, Clone)]
pub struct PieceVerifier {
    kinds: HashKinds,
    /// By file index; `None` for pad files, empty files, v1 torrents, or a file whose tree
    /// cannot be built (its pieces then never verify).
    trees: Vec<Option<MerkleTree>>,
}

impl PieceVerifier {
    /// A verifier for `info`'s pieces.
    ///
    /// # Examples
    /// ```no_run
    /// # fn demo(info: &lt_metainfo::TorrentInfo, piece_data: &[u8]) {
    /// let verifier = lt_storage::PieceVerifier::new(info);
    /// let ok = verifier.verify(info, lt_core::PieceIndex::new(0), piece_data);
    /// # }
    /// ```
    pub fn new(info: &TorrentInfo) -> Self {
        let kinds = HashKinds::for_torrent(info);
        let files = info.files();
        let blocks_per_piece = files.blocks_per_piece() as usize;
        let trees = (0..files.num_files() as u32)
            .map(FileIndex::new)
            .map(|file| {
                if !kinds.has_v2() || files.pad_file_at(file) {
                    return None;
                }
                let root = files.file(file)?.root()?;
                let num_blocks = usize::try_from(files.file_num_blocks(file)).ok()?;
                let mut tree = MerkleTree::new(root, num_blocks, blocks_per_piece).ok()?;
                if let Some(layer) = info.piece_layer(file) {
                    tree.load_piece_layer(layer).ok()?;
                }
                Some(tree)
            })
            .collect();
        Self { kinds, trees }
    }

    /// The merkle tree of the v2 file whose `pieces root` is `root` (its root and piece layer):
    /// what answers a peer's BEP 52 hash requests.
    pub fn tree_by_root(&self, root: &lt_core::Sha256Hash) -> Option<&MerkleTree> {
        self.trees
            .iter()
            .flatten()
            .find(|tree| tree.root() == *root)
    }

    /// Which hashes a piece must match.
    pub fn kinds(&self) -> HashKinds {
        self.kinds
    }

    /// Whether `data`, all of `piece`, matches every hash the torrent has for it.
    pub fn verify(&self, info: &TorrentInfo, piece: PieceIndex, data: &[u8]) -> bool {
        if data.len() != info.piece_size(piece) as usize || piece.get() >= info.num_pieces() {
            return false;
        }
        self.verify_hashes(info, piece, &hash_data(info, piece, data, self.kinds))
    }

    /// Whether the hashes of all of `piece` (as [`hash_piece`](crate::hash_piece) computes
    /// them with [`kinds`](Self::kinds)) match the torrent.
    pub fn verify_hashes(
        &self,
        info: &TorrentInfo,
        piece: PieceIndex,
        hashes: &PieceHashes,
    ) -> bool {
        if piece.get() >= info.num_pieces() {
            return false;
        }
        if self.kinds.has_v1() && hashes.v1 != info.hash_for_piece(piece) {
            return false;
        }
        if !self.kinds.has_v2() || hashes.v2_blocks.is_empty() {
            return true;
        }
        self.verify_v2(info, piece, &hashes.v2_blocks)
    }

    fn verify_v2(
        &self,
        info: &TorrentInfo,
        piece: PieceIndex,
        blocks: &[lt_core::Sha256Hash],
    ) -> bool {
        let files = info.files();
        let Some(first) = info.map_block(piece, 0, 1).first().copied() else {
            return false;
        };
        let Some(Some(tree)) = self.trees.get(first.file_index.as_usize()) else {
            return false;
        };
        let piece_in_file = first.offset / u64::from(files.piece_length());
        tree.verify_piece(piece_in_file as usize, blocks)
            .unwrap_or(false)
    }
}
