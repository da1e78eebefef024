//! Pad hashes: the root of an all-zero subtree of each height (BEP 52 pads a file's leaf layer
//! with zero hashes up to a power of two, so every layer above is padded with these).

use std::sync::OnceLock;

use lt_core::Sha256Hash;

use super::fill::hash_pair;

/// Heights with a precomputed pad hash; a tree over `usize` leaves has at most 63 layers.
const TABLE_HEIGHTS: usize = 64;

/// The hash of an all-zero subtree `height` layers tall: the zero hash at height 0, then
/// `SHA-256(pad || pad)` once per layer. A piece-layer entry past the end of a file is the pad of
/// height `log2(piece size / 16 KiB)`.
///
/// # Examples
/// ```
/// use lt_core::Sha256Hash;
/// use lt_metainfo::merkle_flat::pad_hash;
///
/// assert!(pad_hash(0).is_zero());
/// let zero = Sha256Hash::default();
/// let mut pair = [0u8; 64];
/// pair[..32].copy_from_slice(zero.as_bytes());
/// pair[32..].copy_from_slice(zero.as_bytes());
/// assert_eq!(pad_hash(1), Sha256Hash::digest(&pair));
/// ```
#[must_use]
pub fn pad_hash(height: u32) -> Sha256Hash {
    static TABLE: OnceLock<[Sha256Hash; TABLE_HEIGHTS]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [Sha256Hash::default(); TABLE_HEIGHTS];
        for index in 1..TABLE_HEIGHTS {
            table[index] = hash_pair(&table[index - 1], &table[index - 1]);
        }
        table
    });
    let index = usize::try_from(height).unwrap_or(usize::MAX);
    match table.get(index) {
        Some(hash) => *hash,
        None => {
            let mut hash = table[TABLE_HEIGHTS - 1];
            for _ in TABLE_HEIGHTS..index {
                hash = hash_pair(&hash, &hash);
            }
            hash
        }
    }
}

/// The pad hash for the layer with `pieces` nodes of a tree whose leaf layer has `blocks` nodes
/// (both powers of two, `blocks >= pieces`): [`pad_hash`] of height `log2(blocks / pieces)`, as
/// libtorrent's `merkle_pad`. The zero hash when `pieces >= blocks`.
///
/// # Examples
/// ```
/// use lt_metainfo::merkle_flat::{merkle_pad, pad_hash};
/// assert!(merkle_pad(8, 8).is_zero());
/// assert_eq!(merkle_pad(16, 4), pad_hash(2));
/// ```
#[must_use]
pub fn merkle_pad(blocks: usize, pieces: usize) -> Sha256Hash {
    let mut width = pieces.max(1);
    let mut height = 0;
    while width < blocks {
        width = width.saturating_mul(2);
        height += 1;
    }
    pad_hash(height)
}
