//! Hashing pieces read back from a [`Storage`]: v1 SHA-1 of the piece, v2 SHA-256 of each 16 KiB
//! block of the piece's file data.

use lt_core::{
    sha256_chunks, PieceIndex, Sha1Hash, Sha1Hasher, Sha1Pair, Sha256Hash, Sha256Pair, BLOCK_SIZE,
};
use lt_metainfo::TorrentInfo;

use crate::error::StorageError;
use crate::params::HashKinds;
use crate::storage::Storage;

/// The hashes of one piece.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PieceHashes {
    /// SHA-1 of the whole piece, pad bytes included (v1), if asked for.
    pub v1: Option<Sha1Hash>,
    /// SHA-256 of each 16 KiB block of the piece's file data, the last one shorter; pad bytes
    /// excluded (v2). Empty unless asked for.
    pub v2_blocks: Vec<Sha256Hash>,
}

/// Reads `piece` from `storage` and hashes it (libtorrent's `async_hash`).
///
/// # Errors
/// What reading the piece gives.
///
/// # Examples
/// ```no_run
/// # fn demo(storage: &dyn lt_storage::Storage) -> Result<(), lt_storage::StorageError> {
/// let piece = lt_core::PieceIndex::new(0);
/// let hashes = lt_storage::hash_piece(storage, piece, lt_storage::HashKinds::V1)?;
/// let passed = hashes.v1 == storage.info().hash_for_piece(piece);
/// # Ok(()) }
/// ```
pub fn hash_piece(
    storage: &dyn Storage,
    piece: PieceIndex,
    kinds: HashKinds,
) -> Result<PieceHashes, StorageError> {
    let size = piece_size(storage.info(), piece)?;
    let mut data = vec![0u8; size as usize];
    storage.read(piece, 0, &mut data)?;
    Ok(hash_data(storage.info(), piece, &data, kinds))
}

/// Reads one 16 KiB block of `piece` at `offset` and returns its SHA-256 (libtorrent's
/// `async_hash2`). The block is cut short at the end of the file.
///
/// # Errors
/// [`StorageError::InvalidRequest`] for an offset outside the piece's file data; what reading
/// gives.
pub fn hash_block_v2(
    storage: &dyn Storage,
    piece: PieceIndex,
    offset: u32,
) -> Result<Sha256Hash, StorageError> {
    let data_len = v2_data_len(storage.info(), piece)?;
    if offset >= data_len || !offset.is_multiple_of(BLOCK_SIZE) {
        return Err(StorageError::InvalidRequest {
            piece,
            offset,
            length: u64::from(BLOCK_SIZE),
        });
    }
    let mut block = vec![0u8; (data_len - offset).min(BLOCK_SIZE) as usize];
    storage.read(piece, offset, &mut block)?;
    Ok(Sha256Hash::digest(&block))
}

/// The hashes of `data`, the whole of `piece`.
pub(crate) fn hash_data(
    info: &TorrentInfo,
    piece: PieceIndex,
    data: &[u8],
    kinds: HashKinds,
) -> PieceHashes {
    let mut hashing = PieceHashing::new(info, piece, kinds);
    hashing.update(data);
    hashing.finish()
}

/// Hashes a piece fed in chunks, in order. Chunks after the first start on 16 KiB boundaries
/// when they are multiples of 16 KiB; other chunkings work too (a block split across chunks is
/// hashed when complete).
pub(crate) struct PieceHashing {
    v1: Option<Sha1Hasher>,
    /// Bytes of the piece that belong to its v2 file; `None` without v2.
    v2_len: Option<u64>,
    v2_blocks: Vec<Sha256Hash>,
    /// A block begun in one chunk and finished in a later one.
    partial: Vec<u8>,
    position: u64,
}

impl PieceHashing {
    pub(crate) fn new(info: &TorrentInfo, piece: PieceIndex, kinds: HashKinds) -> Self {
        Self {
            v1: kinds.has_v1().then(Sha1Hasher::new),
            v2_len: kinds
                .has_v2()
                .then(|| u64::from(v2_data_len(info, piece).unwrap_or(0))),
            v2_blocks: Vec::new(),
            partial: Vec::new(),
            position: 0,
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        if let Some(v1) = &mut self.v1 {
            v1.update(chunk);
        }
        self.update_v2(chunk);
    }

    /// Feeds the next blocks of the piece, in order; whole 16 KiB v2 blocks are hashed two at
    /// a time ([`Sha256Pair`]).
    pub(crate) fn update_blocks(&mut self, blocks: &[&[u8]]) {
        if let Some(v1) = &mut self.v1 {
            for block in blocks {
                v1.update(block);
            }
        }
        let mut rest = blocks;
        if let Some(v2_len) = self.v2_len {
            let whole = BLOCK_SIZE as usize;
            while let [first, second, tail @ ..] = rest {
                let end = self.position + (first.len() + second.len()) as u64;
                if !self.partial.is_empty()
                    || first.len() != whole
                    || second.len() != whole
                    || end > v2_len
                {
                    break;
                }
                let mut pair = Sha256Pair::new();
                pair.update(first, second);
                self.v2_blocks.extend(pair.finalize());
                self.position = end;
                rest = tail;
            }
        }
        for block in rest {
            self.update_v2(block);
        }
    }

    /// The v2 part of [`update`](Self::update): block hashes of the piece's file data.
    fn update_v2(&mut self, chunk: &[u8]) {
        if let Some(v2_len) = self.v2_len {
            let start = self.position;
            let end = (start + chunk.len() as u64).min(v2_len);
            let mut data = chunk
                .get(..end.saturating_sub(start) as usize)
                .unwrap_or_default();
            let block = BLOCK_SIZE as usize;
            if !self.partial.is_empty() {
                let take = (block - self.partial.len()).min(data.len());
                self.partial
                    .extend_from_slice(data.get(..take).unwrap_or_default());
                data = data.get(take..).unwrap_or_default();
                if self.partial.len() == block {
                    self.v2_blocks.push(Sha256Hash::digest(&self.partial));
                    self.partial.clear();
                }
            }
            let whole = data.len() / block * block;
            let (blocks, tail) = data.split_at(whole);
            sha256_chunks(blocks, block, &mut self.v2_blocks);
            self.partial.extend_from_slice(tail);
        }
        self.position += chunk.len() as u64;
    }

    pub(crate) fn finish(mut self) -> PieceHashes {
        if !self.partial.is_empty() {
            self.v2_blocks.push(Sha256Hash::digest(&self.partial));
        }
        PieceHashes {
            v1: self.v1.map(Sha1Hasher::finalize),
            v2_blocks: self.v2_blocks,
        }
    }
}

/// Whether hashing pieces of `kinds` two at a time pays: they have a v1 hash and the CPU hashes
/// two SHA-1 messages faster than one after the other.
pub(crate) fn sha1_pairs_pay(kinds: HashKinds) -> bool {
    kinds.has_v1() && lt_core::hash_pairs_accelerated()
}

/// Two pieces hashed side by side: their SHA-1s through one [`Sha1Pair`], their v2 block
/// hashes as [`PieceHashing`] computes them.
pub(crate) struct PairHashing {
    v1: Option<Sha1Pair>,
    /// Everything but the v1 hash, per piece.
    rest: [PieceHashing; 2],
}

impl PairHashing {
    pub(crate) fn new(info: &TorrentInfo, pieces: [PieceIndex; 2], kinds: HashKinds) -> Self {
        let mut rest = pieces.map(|piece| PieceHashing::new(info, piece, kinds));
        for hashing in &mut rest {
            hashing.v1 = None;
        }
        Self {
            v1: kinds.has_v1().then(Sha1Pair::new),
            rest,
        }
    }

    /// Feeds the next chunk of each piece (either may be empty).
    pub(crate) fn update(&mut self, chunks: [&[u8]; 2]) {
        if let Some(v1) = &mut self.v1 {
            v1.update(chunks[0], chunks[1]);
        }
        for (hashing, chunk) in self.rest.iter_mut().zip(chunks) {
            hashing.update(chunk);
        }
    }

    /// Feeds the next group of blocks of each piece (either may be empty): the SHA-1s block by
    /// block side by side, the v2 block hashes of each piece two at a time.
    pub(crate) fn update_groups(&mut self, groups: [&[&[u8]]; 2]) {
        if let Some(v1) = &mut self.v1 {
            for index in 0..groups[0].len().max(groups[1].len()) {
                let block = |lane: usize| groups[lane].get(index).copied().unwrap_or_default();
                v1.update(block(0), block(1));
            }
        }
        for (hashing, group) in self.rest.iter_mut().zip(groups) {
            hashing.update_blocks(group);
        }
    }

    pub(crate) fn finish(self) -> [PieceHashes; 2] {
        let mut hashes = self.rest.map(PieceHashing::finish);
        if let Some(v1) = self.v1 {
            for (piece, digest) in hashes.iter_mut().zip(v1.finalize()) {
                piece.v1 = Some(digest);
            }
        }
        hashes
    }
}

/// The size of `piece`, checked.
pub(crate) fn piece_size(info: &TorrentInfo, piece: PieceIndex) -> Result<u32, StorageError> {
    if piece.get() >= info.num_pieces() {
        return Err(StorageError::InvalidRequest {
            piece,
            offset: 0,
            length: 0,
        });
    }
    Ok(info.piece_size(piece))
}

/// The bytes at the start of `piece` that belong to a file (v2 pieces hold one file's data,
/// then pad bytes up to the piece boundary).
pub(crate) fn v2_data_len(info: &TorrentInfo, piece: PieceIndex) -> Result<u32, StorageError> {
    let size = piece_size(info, piece)?;
    let files = info.files();
    let data: u64 = info
        .map_block(piece, 0, u64::from(size))
        .iter()
        .take_while(|slice| !files.pad_file_at(slice.file_index))
        .map(|slice| slice.size)
        .sum();
    Ok(data as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// v1 and v2 hashing of a piece whose first `v2_len` bytes are file data.
    fn both_kinds(v2_len: u64) -> PieceHashing {
        PieceHashing {
            v1: Some(Sha1Hasher::new()),
            v2_len: Some(v2_len),
            v2_blocks: Vec::new(),
            partial: Vec::new(),
            position: 0,
        }
    }

    #[test]
    fn blocks_fed_in_groups_match_one_shot_with_and_without_pad_bytes() {
        let data: Vec<u8> = (0..70_000u32).map(|i| (i * 13 % 251) as u8).collect();
        let blocks: Vec<&[u8]> = data.chunks(16384).collect();
        for v2_len in [70_000usize, 40_000, 16_384, 5] {
            for group in [1, 2, 3, 5] {
                let mut hashing = both_kinds(v2_len as u64);
                for part in blocks.chunks(group) {
                    hashing.update_blocks(part);
                }
                let hashes = hashing.finish();
                let expected: Vec<Sha256Hash> = data[..v2_len]
                    .chunks(16384)
                    .map(Sha256Hash::digest)
                    .collect();
                assert_eq!(hashes.v1, Some(Sha1Hash::digest(&data)), "{v2_len} {group}");
                assert_eq!(hashes.v2_blocks, expected, "{v2_len} {group}");
            }
        }
    }

    #[test]
    fn chunked_hashing_matches_one_shot() {
        let data: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut v1 = Sha1Hasher::new();
        v1.update(&data);
        let expected_blocks: Vec<Sha256Hash> = data.chunks(16384).map(Sha256Hash::digest).collect();
        for chunk in [1000, 16384, 20000, 65536] {
            let mut hashing = both_kinds(data.len() as u64);
            for part in data.chunks(chunk) {
                hashing.update(part);
            }
            let hashes = hashing.finish();
            assert_eq!(hashes.v1, Some(v1.clone().finalize()), "{chunk}");
            assert_eq!(hashes.v2_blocks, expected_blocks, "{chunk}");
        }
    }
}
