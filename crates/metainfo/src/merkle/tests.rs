//! Unit and property tests of the merkle module: edge cases (one block, one piece, odd block
//! counts, empty files, hostile requests) and proofs over random trees.

use lt_core::{PieceIndex, Sha256Hash};
use proptest::prelude::*;

use super::fill::hash_pair;
use super::flat::{merkle_root, merkle_verify_proof};
use super::storage::Storage;
use super::{AddHashesResult, BlockRange, HashRequest, MerkleError, MerkleTree, SetBlockResult};

const ZERO: Sha256Hash = Sha256Hash::from_bytes([0; 32]);
const P0: PieceIndex = PieceIndex::new(0);

fn block_hash(seed: u64, block: usize) -> Sha256Hash {
    Sha256Hash::digest(format!("block {block} of {seed}").as_bytes())
}

fn block_hashes(seed: u64, count: usize) -> Vec<Sha256Hash> {
    (0..count).map(|block| block_hash(seed, block)).collect()
}

/// A deliberately simple root: pad with zeros to a power of two, then pair up layer by layer.
fn naive_root(leaves: &[Sha256Hash]) -> Sha256Hash {
    let mut layer = leaves.to_vec();
    layer.resize(leaves.len().next_power_of_two(), ZERO);
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|pair| hash_pair(&pair[0], &pair[1]))
            .collect();
    }
    layer[0]
}

fn flip(hash: &Sha256Hash) -> Sha256Hash {
    let mut bytes = *hash.as_bytes();
    bytes[7] ^= 0x10;
    Sha256Hash::from_bytes(bytes)
}

fn invalid_request(result: Result<Vec<Sha256Hash>, MerkleError>) -> bool {
    matches!(result, Err(MerkleError::InvalidHashRequest { .. }))
}

#[test]
fn empty_file_has_no_tree() {
    assert_eq!(
        MerkleTree::from_block_hashes(Vec::new(), 1),
        Err(MerkleError::NoBlocks)
    );
    assert_eq!(MerkleTree::new(ZERO, 0, 1), Err(MerkleError::NoBlocks));
    assert!(merkle_root(&[], &ZERO).is_zero());
}

#[test]
fn bad_sizes_are_errors() {
    for blocks_per_piece in [0, 3, 6, 1000] {
        assert_eq!(
            MerkleTree::new(ZERO, 4, blocks_per_piece),
            Err(MerkleError::InvalidBlocksPerPiece { blocks_per_piece })
        );
    }
    assert!(matches!(
        MerkleTree::new(ZERO, (1 << 31) + 1, 1),
        Err(MerkleError::TooManyBlocks { .. })
    ));
}

#[test]
fn one_block() {
    let hash = block_hash(1, 0);
    let mut tree = MerkleTree::from_block_hashes(vec![hash], 1).expect("a tree");
    assert_eq!(tree.root(), hash);
    assert!(tree.is_complete());
    assert_eq!(tree.storage, Storage::Root);
    assert_eq!(tree.piece_layer(), Some(vec![hash]));
    assert_eq!(tree.build_vector(), [hash]);
    assert_eq!(tree.uncle_hashes(0), Ok(Vec::new()));
    assert!(merkle_verify_proof(&hash, 0, &hash, &[]));
    let one = BlockRange {
        first_block: 0,
        num_blocks: 1,
    };
    assert_eq!(tree.set_block(0, hash), Ok(SetBlockResult::Verified(one)));
    assert_eq!(
        tree.set_block(0, flip(&hash)),
        Ok(SetBlockResult::BlockHashFailed(one))
    );
    assert!(matches!(
        tree.set_block(1, hash),
        Err(MerkleError::BlockOutOfRange { .. })
    ));
    let request = HashRequest {
        base: 0,
        index: 0,
        count: 1,
        proof_layers: 0,
    };
    assert!(invalid_request(tree.get_hashes(&request)));
    assert_eq!(tree.verify_piece(0, &[hash]), Ok(true));
    assert_eq!(
        tree.add_hashes(0, P0, &[hash], &[]),
        Ok(AddHashesResult::default())
    );
    assert!(tree.add_hashes(0, P0, &[flip(&hash)], &[]).is_err());

    let mut downloader = MerkleTree::new(hash, 1, 4).expect("a tree");
    assert!(downloader.is_complete());
    assert_eq!(
        downloader.load_piece_layer(&[flip(&hash)]),
        Err(MerkleError::PieceLayerMismatch)
    );
    assert_eq!(downloader.load_piece_layer(&[hash]), Ok(()));
    let (hashes, mask) = tree.build_sparse_vector();
    assert!(hashes.is_empty() && mask.len() == 1);
    downloader.load_sparse_tree(&hashes, &mask).expect("loads");
    assert_eq!(downloader.build_vector(), [hash]);
}

#[test]
fn exactly_one_piece() {
    let blocks = block_hashes(2, 4);
    let seed = MerkleTree::from_block_hashes(blocks.clone(), 4).expect("a tree");
    assert_eq!(seed.num_pieces(), 1);
    assert_eq!(seed.piece_layer_start(), 0);
    assert_eq!(seed.piece_layer(), Some(vec![seed.root()]));
    assert_eq!(seed.verify_piece(0, &blocks), Ok(true));
    assert_eq!(
        seed.verify_piece(0, &blocks[..3]),
        Err(MerkleError::BlockCount {
            piece: 0,
            expected: 4,
            actual: 3
        })
    );
    assert_eq!(
        seed.verify_piece(1, &blocks),
        Err(MerkleError::PieceOutOfRange {
            piece: 1,
            num_pieces: 1
        })
    );

    let mut tree = MerkleTree::from_piece_layer(seed.root(), 4, 4, &[seed.root()]).expect("loads");
    assert_eq!(tree.storage, Storage::Root);
    for (block, hash) in blocks.iter().enumerate().take(3) {
        assert_eq!(tree.set_block(block, *hash), Ok(SetBlockResult::Unknown));
    }
    let all = BlockRange {
        first_block: 0,
        num_blocks: 4,
    };
    assert_eq!(
        tree.set_block(3, blocks[3]),
        Ok(SetBlockResult::Verified(all))
    );
    assert!(tree.is_complete());
    assert_eq!(tree, seed);

    // A piece larger than the file: the piece is the whole (padded) tree.
    let short = MerkleTree::from_block_hashes(blocks[..3].to_vec(), 16).expect("a tree");
    assert_eq!(short.piece_layer(), Some(vec![short.root()]));
    assert_eq!(short.verify_piece(0, &blocks[..3]), Ok(true));
    assert_eq!(short.verify_piece(0, &blocks[1..]), Ok(false));
}

#[test]
fn odd_block_counts_match_the_naive_root_and_piece_layer() {
    for count in [2, 3, 5, 7, 9, 31, 33, 259, 1000] {
        let blocks = block_hashes(3, count);
        for blocks_per_piece in [1, 2, 4, 16] {
            let tree =
                MerkleTree::from_block_hashes(blocks.clone(), blocks_per_piece).expect("a tree");
            assert_eq!(tree.root(), naive_root(&blocks), "{count} blocks");
            let layer = tree.piece_layer().expect("complete");
            assert_eq!(layer.len(), count.div_ceil(blocks_per_piece));
            for (piece, hash) in layer.iter().enumerate() {
                let first = piece * blocks_per_piece;
                let end = (first + blocks_per_piece).min(count);
                let mut piece_blocks = blocks[first..end].to_vec();
                if layer.len() > 1 {
                    piece_blocks.resize(blocks_per_piece, ZERO);
                }
                assert_eq!(
                    *hash,
                    naive_root(&piece_blocks),
                    "{count} blocks, piece {piece}"
                );
                assert_eq!(tree.verify_piece(piece, &blocks[first..end]), Ok(true));
            }
            let mut downloader =
                MerkleTree::from_piece_layer(tree.root(), count, blocks_per_piece, &layer)
                    .expect("loads");
            assert_eq!(downloader.piece_layer(), Some(layer));
            for (block, hash) in blocks.iter().enumerate().rev() {
                downloader.set_block(block, *hash).expect("in range");
            }
            assert!(downloader.is_complete());
            assert_eq!(downloader.build_vector(), tree.build_vector());
        }
    }
}

#[test]
fn hostile_requests_are_errors() {
    let tree = MerkleTree::from_block_hashes(block_hashes(4, 259), 4).expect("a tree");
    let max = u32::MAX;
    for (base, index, count, proof_layers) in [
        (0, 0, 0, 0),
        (0, 0, 8193, 0),
        (9, 0, 1, 0),
        (max, 0, 2, 0),
        (0, 511, 2, 0),
        (0, 512, 1, 0),
        (0, max, 2, 0),
        (0, max - 1, max, 0),
        (0, 0, 2, 9),
        (0, 0, 2, max),
        (8, 0, 2, 1),
        (8, 1, 2, 0),
    ] {
        let request = HashRequest {
            base,
            index,
            count,
            proof_layers,
        };
        assert!(invalid_request(tree.get_hashes(&request)), "{request}");
        let mut copy = tree.clone();
        assert!(
            copy.add_hashes_message(&request, P0, &[ZERO; 4]).is_err(),
            "{request}"
        );
    }
    let mut fresh = MerkleTree::new(tree.root(), 259, 4).expect("a tree");
    assert!(matches!(
        fresh.add_hashes(usize::MAX, P0, &[ZERO], &[]),
        Err(MerkleError::NodeOutOfRange { .. })
    ));
    assert!(matches!(
        fresh.add_hashes(1023, P0, &[ZERO], &[]),
        Err(MerkleError::NodeOutOfRange { .. })
    ));
    assert!(matches!(
        fresh.add_hashes(512, P0, &[ZERO; 2], &[]),
        Err(MerkleError::InvalidHashes { .. })
    ));
    assert!(matches!(
        fresh.add_hashes(511, P0, &[ZERO; 513], &[]),
        Err(MerkleError::InvalidHashes { .. })
    ));
    assert!(matches!(
        fresh.add_hashes(511, P0, &[], &[]),
        Err(MerkleError::InvalidHashes { .. })
    ));
    let request = HashRequest {
        base: 0,
        index: 0,
        count: 4,
        proof_layers: 8,
    };
    let hashes = tree.get_hashes(&request).expect("served");
    assert_eq!(hashes.len(), 4 + 7);
    assert!(matches!(
        fresh.add_hashes_message(&request, P0, &hashes[..10]),
        Err(MerkleError::InvalidHashes { .. })
    ));
    let single = HashRequest {
        base: 0,
        index: 0,
        count: 1,
        proof_layers: 8,
    };
    assert!(matches!(
        fresh.add_hashes_message(&single, P0, &hashes[..9]),
        Err(MerkleError::InvalidHashRequest { .. })
    ));
    assert!(fresh.add_hashes_message(&request, P0, &hashes).is_ok());
    assert!(fresh.blocks_verified(0, 4));
    assert!(
        !fresh.blocks_verified(0, 0)
            && !fresh.blocks_verified(258, 2)
            && !fresh.blocks_verified(usize::MAX, 2)
    );
}

#[test]
fn unknown_hashes_are_unavailable_not_invalid() {
    let seed = MerkleTree::from_block_hashes(block_hashes(5, 64), 4).expect("a tree");
    let layer = seed.piece_layer().expect("complete");
    let tree = MerkleTree::from_piece_layer(seed.root(), 64, 4, &layer).expect("loads");
    let blocks = HashRequest {
        base: 0,
        index: 0,
        count: 4,
        proof_layers: 3,
    };
    assert!(matches!(
        tree.get_hashes(&blocks),
        Err(MerkleError::HashesUnavailable { .. })
    ));
    let pieces = HashRequest {
        base: 2,
        index: 0,
        count: 16,
        proof_layers: 0,
    };
    assert_eq!(tree.get_hashes(&pieces), Ok(layer));
    assert_eq!(
        tree.uncle_hashes(63),
        Err(MerkleError::HashUnknown { node: 64 })
    );
    assert_eq!(tree.verify_piece(0, &block_hashes(5, 4)), Ok(true));
    let root_only = MerkleTree::new(seed.root(), 64, 4).expect("a tree");
    assert_eq!(
        root_only.verify_piece(0, &block_hashes(5, 4)),
        Err(MerkleError::HashUnknown { node: 15 })
    );
}

#[test]
fn padding_nodes_have_pad_hashes_everywhere() {
    let seed = MerkleTree::from_block_hashes(block_hashes(6, 5), 1).expect("a tree");
    let tree = MerkleTree::new(seed.root(), 5, 1).expect("a tree");
    // 8 leaves from node 7: blocks 5..8 (nodes 12..15) are padding, and so is node 6 (blocks
    // 6 and 7); node 5 covers blocks 4 and 5.
    assert!(tree.is_padding(12) && tree.is_padding(14) && tree.is_padding(6));
    assert!(!tree.is_padding(5) && !tree.is_padding(11) && !tree.is_padding(0));
    assert!(tree.node(13).is_zero());
    assert_eq!(tree.node(6), hash_pair(&ZERO, &ZERO));
    assert_eq!(tree.node(6), seed.node(6));
    assert!(!tree.has_node(6));
}

#[test]
fn a_wrong_block_fails_its_range_and_can_be_replaced() {
    let blocks = block_hashes(7, 16);
    let seed = MerkleTree::from_block_hashes(blocks.clone(), 4).expect("a tree");
    let mut tree =
        MerkleTree::from_piece_layer(seed.root(), 16, 4, &seed.piece_layer().expect("complete"))
            .expect("loads");
    tree.set_block(4, blocks[4]).expect("in range");
    tree.set_block(5, flip(&blocks[5])).expect("in range");
    tree.set_block(6, blocks[6]).expect("in range");
    let piece = BlockRange {
        first_block: 4,
        num_blocks: 4,
    };
    assert_eq!(
        tree.set_block(7, blocks[7]),
        Ok(SetBlockResult::HashFailed(piece))
    );
    assert!(!tree.blocks_verified(4, 1));
    for (block, hash) in blocks.iter().enumerate().take(7).skip(4) {
        assert_eq!(tree.set_block(block, *hash), Ok(SetBlockResult::Unknown));
    }
    assert_eq!(
        tree.set_block(7, blocks[7]),
        Ok(SetBlockResult::Verified(piece))
    );
    assert_eq!(tree.verify_piece(1, &blocks[4..8]), Ok(true));
}

#[test]
fn received_piece_hashes_check_earlier_blocks() {
    let blocks = block_hashes(8, 16);
    let seed = MerkleTree::from_block_hashes(blocks.clone(), 4).expect("a tree");
    let mut tree = MerkleTree::new(seed.root(), 16, 4).expect("a tree");
    for (block, hash) in blocks.iter().enumerate().take(8) {
        let hash = if block == 6 { flip(hash) } else { *hash };
        assert_eq!(tree.set_block(block, hash), Ok(SetBlockResult::Unknown));
    }
    let request = HashRequest {
        base: 2,
        index: 0,
        count: 4,
        proof_layers: 0,
    };
    let hashes = seed.get_hashes(&request).expect("served");
    let result = tree
        .add_hashes_message(&request, PieceIndex::new(20), &hashes)
        .expect("proves out");
    assert_eq!(result.passed, [PieceIndex::new(20)]);
    assert_eq!(result.failed.len(), 1);
    assert_eq!(result.failed[0].piece, PieceIndex::new(21));
    assert!(result.failed[0].blocks.is_empty());
    assert!(tree.blocks_verified(0, 4) && !tree.blocks_verified(4, 1));
}

#[test]
fn an_unchecked_block_hash_is_not_confirmed_by_itself() {
    // A peer cannot confirm a block hash we computed by sending it back without a proof.
    let blocks = block_hashes(9, 8);
    let seed = MerkleTree::from_block_hashes(blocks.clone(), 1).expect("a tree");
    let mut tree = MerkleTree::new(seed.root(), 8, 1).expect("a tree");
    let bad = flip(&blocks[2]);
    assert_eq!(tree.set_block(2, bad), Ok(SetBlockResult::Unknown));
    assert!(tree.add_hashes(9, P0, &[bad], &[]).is_err());
    assert!(!tree.blocks_verified(2, 1));
    // The true hash with its proof replaces it and reports the bad block.
    let proof = seed.uncle_hashes(9).expect("complete");
    let result = tree
        .add_hashes(9, P0, &[blocks[2]], &proof)
        .expect("proves out");
    assert_eq!(result.failed.len(), 1);
    assert_eq!(result.failed[0].piece, PieceIndex::new(2));
    assert!(tree.blocks_verified(2, 2));
}

#[test]
fn storage_round_trips_through_full() {
    let blocks = block_hashes(10, 37);
    for blocks_per_piece in [1, 2, 8] {
        let tree = MerkleTree::from_block_hashes(blocks.clone(), blocks_per_piece).expect("a tree");
        let full = tree.storage.clone().into_full(tree.shape, tree.root);
        assert_eq!(full.nodes, tree.build_vector());
        assert_eq!(Storage::settle(full, tree.shape), tree.storage);
    }
}

#[test]
fn resume_masks_are_checked_without_panicking() {
    let blocks = block_hashes(11, 37);
    let seed = MerkleTree::from_block_hashes(blocks.clone(), 4).expect("a tree");
    let (hashes, mask) = seed.build_sparse_vector();
    let mut tree = MerkleTree::new(seed.root(), 37, 4).expect("a tree");
    // a mask longer than the tree is cut to the tree, as libtorrent does
    let mut long_mask = lt_core::Bitfield::new(5000);
    mask.iter_ones().for_each(|node| long_mask.set(node));
    (127..5000).for_each(|node| long_mask.set(node));
    tree.load_sparse_tree(&hashes, &long_mask).expect("loads");
    assert!(tree.is_complete());
    // too few hashes for a block-layer mask
    let mut tree = MerkleTree::new(seed.root(), 37, 4).expect("a tree");
    assert!(matches!(
        tree.load_sparse_tree(&hashes[..36], &mask),
        Err(MerkleError::WrongNodeCount { .. })
    ));
    assert_eq!(tree.storage, Storage::Root);
    // a wrong hash in a piece-layer mask
    let layer = seed.piece_layer().expect("complete");
    let mut piece_mask = lt_core::Bitfield::new(seed.num_nodes());
    let first = seed.piece_layer_start();
    (first..first + layer.len()).for_each(|node| piece_mask.set(node));
    let mut bad_layer = layer.clone();
    bad_layer[3] = flip(&bad_layer[3]);
    assert_eq!(
        tree.load_sparse_tree(&bad_layer, &piece_mask),
        Err(MerkleError::RootMismatch)
    );
    tree.load_sparse_tree(&layer, &piece_mask).expect("loads");
    assert_eq!(tree.piece_layer(), Some(layer));
    // random garbage in a general mask keeps only what proves out (here: nothing)
    let mut tree = MerkleTree::new(seed.root(), 37, 4).expect("a tree");
    let mut odd_mask = lt_core::Bitfield::new(seed.num_nodes());
    (1..seed.num_nodes())
        .step_by(3)
        .for_each(|node| odd_mask.set(node));
    let garbage = block_hashes(12, seed.num_nodes());
    assert!(matches!(
        tree.load_sparse_tree(&garbage, &odd_mask),
        Ok(()) | Err(MerkleError::RootMismatch)
    ));
    assert_eq!(tree.storage, Storage::Root);
    assert!(tree.load_tree(&garbage).is_err());
}

prop_compose! {
    fn random_tree()(count in 1usize..300, piece_height in 0u32..5, seed in any::<u64>())
        -> (Vec<Sha256Hash>, usize, u64) {
        (block_hashes(seed, count), 1 << piece_height, seed)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_proof_verifies_and_a_flipped_hash_fails((blocks, bpp, seed) in random_tree()) {
        let tree = MerkleTree::from_block_hashes(blocks.clone(), bpp).expect("a tree");
        prop_assert_eq!(tree.root(), naive_root(&blocks));
        for (block, hash) in blocks.iter().enumerate() {
            let leaf = tree.block_layer_start() + block;
            let uncles = tree.uncle_hashes(leaf).expect("complete");
            prop_assert!(merkle_verify_proof(&tree.root(), leaf, hash, &uncles));
            prop_assert!(!merkle_verify_proof(&tree.root(), leaf, &flip(hash), &uncles));
            if !uncles.is_empty() {
                let mut bad = uncles.clone();
                let index = usize::try_from(seed).unwrap_or(0) % bad.len();
                bad[index] = flip(&bad[index]);
                prop_assert!(!merkle_verify_proof(&tree.root(), leaf, hash, &bad));
                prop_assert!(!merkle_verify_proof(&tree.root(), leaf, hash, &uncles[1..]));
            }
        }
    }

    #[test]
    fn served_hashes_prove_out_and_flipped_ones_do_not(
        (blocks, bpp, seed) in random_tree(),
        piece_pick in any::<usize>(),
    ) {
        let tree = MerkleTree::from_block_hashes(blocks.clone(), bpp).expect("a tree");
        let layers = tree.num_leafs().trailing_zeros();
        prop_assume!(layers >= 1);
        // The blocks of one piece (at least 2 hashes), proven up to the root.
        let count = bpp.max(2).min(tree.num_leafs());
        let index = (piece_pick % tree.num_blocks()) / count * count;
        let request = HashRequest {
            base: 0,
            index: u32::try_from(index).expect("small"),
            count: u32::try_from(count).expect("small"),
            proof_layers: layers - 1,
        };
        let hashes = tree.get_hashes(&request).expect("a complete tree serves everything");
        prop_assert_eq!(hashes.len(), count + usize::try_from(request.num_uncle_hashes()).expect("small"));
        let mut fresh = MerkleTree::new(tree.root(), blocks.len(), bpp).expect("a tree");
        prop_assert_eq!(fresh.add_hashes_message(&request, P0, &hashes), Ok(AddHashesResult::default()));
        let real = count.min(blocks.len() - index);
        prop_assert!(fresh.blocks_verified(index, real));

        let flipped = usize::try_from(seed).unwrap_or(0) % hashes.len();
        let mut bad = hashes.clone();
        bad[flipped] = flip(&bad[flipped]);
        let mut fresh = MerkleTree::new(tree.root(), blocks.len(), bpp).expect("a tree");
        // A flipped padding leaf hash is as wrong as any other.
        prop_assert!(fresh.add_hashes_message(&request, P0, &bad).is_err());
        prop_assert!(fresh.verified_leafs().none_set());
        prop_assert_eq!(fresh.storage, Storage::Root);
    }

    #[test]
    fn blocks_in_any_order_complete_the_tree((blocks, bpp, seed) in random_tree(), wrong in any::<bool>()) {
        let seed_tree = MerkleTree::from_block_hashes(blocks.clone(), bpp).expect("a tree");
        let mut tree = MerkleTree::new(seed_tree.root(), blocks.len(), bpp).expect("a tree");
        let mut order: Vec<usize> = (0..blocks.len()).collect();
        let mut state = seed;
        for index in (1..order.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            order.swap(index, usize::try_from(state >> 33).unwrap_or(0) % (index + 1));
        }
        let bad_block = usize::try_from(seed).unwrap_or(0) % blocks.len();
        let wrong = wrong && blocks.len() > 1;
        for &block in &order {
            let hash = if wrong && block == bad_block { flip(&blocks[block]) } else { blocks[block] };
            tree.set_block(block, hash).expect("in range");
        }
        prop_assert_eq!(tree.is_complete(), !wrong);
        if !wrong {
            prop_assert_eq!(&tree, &seed_tree);
        }
    }

    #[test]
    fn partial_trees_round_trip((blocks, bpp, seed) in random_tree(), keep_every in 2usize..6) {
        let full = MerkleTree::from_block_hashes(blocks.clone(), bpp).expect("a tree").build_vector();
        let mut sparse = full.clone();
        for (node, hash) in sparse.iter_mut().enumerate().skip(1) {
            if (node + usize::try_from(seed % 7).unwrap_or(0)) % keep_every == 0 {
                *hash = ZERO;
            }
        }
        let mut tree = MerkleTree::new(full[0], blocks.len(), bpp).expect("a tree");
        tree.load_tree(&sparse).expect("loads");
        for (node, hash) in full.iter().enumerate() {
            if tree.has_node(node) {
                prop_assert_eq!(tree.node(node), *hash);
            }
        }
        let (hashes, mask) = tree.build_sparse_vector();
        let mut restored = MerkleTree::new(full[0], blocks.len(), bpp).expect("a tree");
        restored.load_sparse_tree(&hashes, &mask).expect("loads");
        prop_assert_eq!(restored.build_vector(), tree.build_vector());
        prop_assert_eq!(restored.verified_leafs(), tree.verified_leafs());
    }
}
