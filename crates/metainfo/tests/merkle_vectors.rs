//! Runs every row and case of `tests/fixtures/merkle-vectors.json` (libtorrent's test_merkle.cpp
//! and test_merkle_tree.cpp facts) against the public merkle API.

use std::collections::HashMap;
use std::sync::OnceLock;

use lt_core::{Bitfield, PieceIndex, Sha256Hash};
use lt_metainfo::merkle_flat::{
    merkle_clear_tree, merkle_fill_partial_tree, merkle_fill_tree, merkle_find_known_subtree,
    merkle_first_leaf, merkle_get_first_child, merkle_get_first_child_depth, merkle_get_layer,
    merkle_get_layer_offset, merkle_get_parent, merkle_get_sibling, merkle_layer_start,
    merkle_num_layers, merkle_num_leafs, merkle_num_nodes, merkle_pad, merkle_root,
    merkle_root_scratch, merkle_to_flat_index, merkle_validate_and_insert_proofs,
    merkle_validate_copy, merkle_validate_node, merkle_validate_single_layer, pad_hash,
    KnownSubtree,
};
use lt_metainfo::{
    AddHashesResult, BlockRange, FailedPiece, HashRequest, MerkleError, MerkleTree, SetBlockResult,
};
use serde_json::Value;

const FIXTURE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/merkle-vectors.json"
));

fn fixture() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(FIXTURE).expect("the fixture is JSON"))
}

fn section(name: &str) -> &'static Value {
    &fixture()[name]
}

fn cases(name: &str) -> &'static [Value] {
    section(name)["cases"].as_array().expect("cases")
}

fn hex(text: &str) -> Sha256Hash {
    text.parse().expect("a hex SHA-256")
}

/// The symbolic hashes of `_meta.symbols.values_hex`.
fn symbols() -> &'static HashMap<String, Sha256Hash> {
    static SYMBOLS: OnceLock<HashMap<String, Sha256Hash>> = OnceLock::new();
    SYMBOLS.get_or_init(|| {
        fixture()["_meta"]["symbols"]["values_hex"]
            .as_object()
            .expect("values_hex")
            .iter()
            .map(|(name, value)| (name.clone(), hex(value.as_str().expect("hex"))))
            .collect()
    })
}

fn symbol(value: &Value) -> Sha256Hash {
    let name = value.as_str().expect("a symbol name");
    *symbols()
        .get(name)
        .unwrap_or_else(|| panic!("unknown symbol {name}"))
}

fn symbolic_tree(value: &Value) -> Vec<Sha256Hash> {
    value
        .as_array()
        .expect("a tree")
        .iter()
        .map(symbol)
        .collect()
}

fn num(value: &Value) -> usize {
    usize::try_from(value.as_u64().expect("a number")).expect("fits usize")
}

fn layer(value: &Value) -> u32 {
    u32::try_from(value.as_u64().expect("a number")).expect("fits u32")
}

fn bits(text: &str) -> Bitfield {
    let mut bits = Bitfield::new(text.len());
    for (index, bit) in text.chars().enumerate() {
        if bit == '1' {
            bits.set(index);
        }
    }
    bits
}

// ---------------------------------------------------------------- test_merkle.cpp

#[test]
fn index_arithmetic_rows() {
    let section = section("index_arithmetic").as_object().expect("object");
    let mut rows_checked = 0;
    for (function, rows) in section {
        let Some(rows) = rows.as_array() else {
            continue; // "source", "layout", "row_format"
        };
        for row in rows {
            let row = row.as_array().expect("a row");
            let (inputs, results) = row.split_at(row.len() - 2);
            let expected = num(&results[0]);
            assert_eq!(
                expected,
                num(&results[1]),
                "{function} {row:?}: expected != python"
            );
            let actual = match function.as_str() {
                "merkle_num_leafs" => merkle_num_leafs(num(&inputs[0])),
                "merkle_get_parent" => merkle_get_parent(num(&inputs[0])),
                "merkle_get_sibling" => merkle_get_sibling(num(&inputs[0])),
                "merkle_num_nodes" => merkle_num_nodes(num(&inputs[0])),
                "merkle_first_leaf" => merkle_first_leaf(num(&inputs[0])),
                "merkle_get_layer" => merkle_get_layer(num(&inputs[0])) as usize,
                "merkle_get_layer_offset" => merkle_get_layer_offset(num(&inputs[0])),
                "merkle_num_layers" => merkle_num_layers(num(&inputs[0])) as usize,
                "merkle_get_first_child" => merkle_get_first_child(num(&inputs[0])),
                "merkle_get_first_child_depth" => {
                    merkle_get_first_child_depth(num(&inputs[0]), layer(&inputs[1]))
                }
                "merkle_layer_start" => merkle_layer_start(layer(&inputs[0])),
                "merkle_to_flat_index" => merkle_to_flat_index(layer(&inputs[0]), num(&inputs[1])),
                other => panic!("no test for index function {other}"),
            };
            assert_eq!(actual, expected, "{function} {row:?}");
            rows_checked += 1;
        }
    }
    assert_eq!(rows_checked, 148);
}

#[test]
fn fill_tree_cases() {
    for case in cases("fill_tree") {
        let mut tree = symbolic_tree(&case["tree_before"]);
        let expected = symbolic_tree(&case["expect_tree_after"]);
        assert_eq!(expected, symbolic_tree(&case["python"]), "{}", case["desc"]);
        merkle_fill_tree(
            &mut tree,
            num(&case["num_leafs"]),
            num(&case["first_leaf_index"]),
        )
        .expect("a valid run");
        assert_eq!(tree, expected, "{}", case["desc"]);
    }
    assert_eq!(cases("fill_tree").len(), 5);
}

#[test]
fn fill_partial_tree_cases() {
    for case in cases("fill_partial_tree") {
        let mut tree = symbolic_tree(&case["tree_before"]);
        let expected = symbolic_tree(&case["expect_tree_after"]);
        merkle_fill_partial_tree(&mut tree).expect("15 nodes");
        assert_eq!(tree, expected, "{}", case["desc"]);
        assert_consistent(&expected);
    }
    assert_eq!(cases("fill_partial_tree").len(), 12);
}

/// The fixture's `expected_tree_consistent`: every known node with known children is their hash.
fn assert_consistent(tree: &[Sha256Hash]) {
    for parent in 0..tree.len() / 2 {
        let left = merkle_get_first_child(parent);
        if !tree[parent].is_zero() && !tree[left].is_zero() && !tree[left + 1].is_zero() {
            assert!(merkle_validate_node(
                &tree[left],
                &tree[left + 1],
                &tree[parent]
            ));
        }
    }
}

#[test]
fn root_rows() {
    let rows = section("root").as_array().expect("rows");
    for row in rows {
        let leaves = symbolic_tree(&row["leaves"]);
        let pad = if row["pad"].is_null() {
            Sha256Hash::default()
        } else {
            symbol(&row["pad"])
        };
        let expected = hex(row["expect_root"].as_str().expect("hex"));
        assert_eq!(expected, hex(row["python"].as_str().expect("hex")));
        let root = match row.get("num_leafs") {
            Some(num_leafs) => merkle_root_scratch(&leaves, num(num_leafs), &pad, &mut Vec::new()),
            None => merkle_root(&leaves, &pad),
        };
        assert_eq!(root, expected, "{}", row["desc"]);
        if pad.is_zero() && row.get("num_leafs").is_none() {
            let tree = MerkleTree::from_block_hashes(leaves.clone(), 1).expect("a tree");
            assert_eq!(tree.root(), expected, "{}", row["desc"]);
        }
    }
    assert_eq!(rows.len(), 5);
}

#[test]
fn clear_tree_cases() {
    for case in cases("clear_tree") {
        let mut tree = symbolic_tree(&case["tree_before"]);
        merkle_clear_tree(&mut tree, num(&case["num"]), num(&case["first"])).expect("a valid run");
        assert_eq!(
            tree,
            symbolic_tree(&case["expect_tree_after"]),
            "{}",
            case["desc"]
        );
    }
    assert_eq!(cases("clear_tree").len(), 5);
}

#[test]
fn pad_rows() {
    let pad = section("pad");
    let values = &pad["values"];
    for row in cases("pad") {
        let row = row.as_array().expect("a row");
        let expected = hex(values[row[2].as_str().expect("a name")]
            .as_str()
            .expect("hex"));
        assert_eq!(merkle_pad(num(&row[0]), num(&row[1])), expected, "{row:?}");
    }
    assert_eq!(cases("pad").len(), 13);

    let by_height = pad["pad_by_height"]["rows"].as_array().expect("rows");
    for row in by_height {
        let row = row.as_array().expect("a row");
        let height = layer(&row[0]);
        let expected = hex(row[2].as_str().expect("hex"));
        assert_eq!(num(&row[1]), 16384 << height);
        assert_eq!(pad_hash(height), expected, "height {height}");
        assert_eq!(merkle_pad(1 << height, 1), expected);
        if height <= 8 {
            // A file of 2^(h+1) + 1 blocks in pieces of 2^h blocks: 3 pieces in a piece layer 4
            // wide, whose last node covers only padding.
            let blocks_per_piece = 1usize << height;
            let blocks = vec![Sha256Hash::from_bytes([1; 32]); 2 * blocks_per_piece + 1];
            let tree = MerkleTree::from_block_hashes(blocks, blocks_per_piece).expect("a tree");
            let last = tree.piece_layer_start() + 3;
            assert!(tree.is_padding(last));
            assert_eq!(tree.node(last), expected);
        }
    }
    assert_eq!(by_height.len(), 16);
}

#[test]
fn validate_node_rows() {
    for row in cases("validate_node") {
        let row = row.as_array().expect("a row");
        let expected = row[3].as_bool().expect("bool");
        assert_eq!(Some(expected), row[4].as_bool());
        let valid = merkle_validate_node(&symbol(&row[0]), &symbol(&row[1]), &symbol(&row[2]));
        assert_eq!(valid, expected, "{row:?}");
    }
    assert_eq!(cases("validate_node").len(), 11);
}

#[test]
fn validate_copy_cases() {
    for case in cases("validate_copy") {
        let source = symbolic_tree(&case["source_tree"]);
        let mut dest = vec![Sha256Hash::default(); source.len()];
        let mut verified = Bitfield::new(num(&case["verified_bits"]));
        merkle_validate_copy(&source, &mut dest, &symbol(&case["root"]), &mut verified)
            .expect("same sizes");
        let expected_dest = symbolic_tree(&case["expect_dest_tree"]);
        assert_eq!(dest, expected_dest, "{}", case["desc"]);
        assert_eq!(
            verified,
            bits(case["expect_verified"].as_str().expect("bits")),
            "{}",
            case["desc"]
        );
        assert_consistent(&expected_dest);
    }
    assert_eq!(cases("validate_copy").len(), 7);
}

#[test]
fn validate_single_layer_cases() {
    for case in cases("validate_single_layer") {
        let case = case.as_array().expect("a case");
        let tree = symbolic_tree(&case[0]);
        assert_eq!(
            merkle_validate_single_layer(&tree),
            case[1].as_bool().expect("bool"),
            "{}",
            case[2]
        );
    }
    assert_eq!(cases("validate_single_layer").len(), 4);
}

#[test]
fn find_known_subtree_cases() {
    for case in cases("find_known_subtree") {
        let case = case.as_array().expect("a case");
        let tree = symbolic_tree(&case[0]);
        let expected = case[3].as_array().expect("a triple");
        let expected = KnownSubtree {
            first_leaf: num(&expected[0]),
            num_leafs: num(&expected[1]),
            root: num(&expected[2]),
        };
        let found = merkle_find_known_subtree(&tree, num(&case[1]), num(&case[2]));
        assert_eq!(found, Some(expected), "{case:?}");
    }
    assert_eq!(cases("find_known_subtree").len(), 6);
}

#[test]
fn validate_and_insert_proofs_cases() {
    for case in cases("validate_and_insert_proofs") {
        let mut tree = symbolic_tree(&case["tree_before"]);
        let uncles = symbolic_tree(&case["uncle_hashes"]);
        let expected = case["expect_result"].as_bool().expect("bool");
        assert_eq!(case["python_result_model"].as_bool(), Some(expected));
        let proven = merkle_validate_and_insert_proofs(
            &mut tree,
            num(&case["target_index"]),
            &symbol(&case["node_hash"]),
            &uncles,
        );
        assert_eq!(proven, expected, "{}", case["desc"]);
        assert_eq!(
            tree,
            symbolic_tree(&case["expect_tree_after"]),
            "{}",
            case["desc"]
        );
    }
    assert_eq!(cases("validate_and_insert_proofs").len(), 16);
}

// ------------------------------------------------------- test_merkle_tree.cpp (259 blocks)

const NUM_BLOCKS: usize = 259;
const NUM_NODES: usize = 1023;
const FIRST_LEAF: usize = 511;
/// The non-padding nodes: everything before the 253 padding leaves.
const REAL_NODES: usize = NUM_NODES - (512 - NUM_BLOCKS);

fn reference() -> &'static Value {
    section("reference_tree_259")
}

/// The reference tree `f` of libtorrent's `build_tree(259)`, every node in flat order.
fn f() -> &'static [Sha256Hash] {
    static TREE: OnceLock<Vec<Sha256Hash>> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut tree = vec![Sha256Hash::default(); NUM_NODES];
        for (block, leaf) in tree[FIRST_LEAF..FIRST_LEAF + NUM_BLOCKS]
            .iter_mut()
            .enumerate()
        {
            let value = u32::try_from(block + 1).expect("small").to_le_bytes();
            let mut bytes = [0u8; 32];
            for chunk in bytes.chunks_mut(4) {
                chunk.copy_from_slice(&value);
            }
            *leaf = Sha256Hash::from_bytes(bytes);
        }
        merkle_fill_tree(&mut tree, 512, FIRST_LEAF).expect("the whole leaf layer");
        tree
    })
}

fn blocks() -> Vec<Sha256Hash> {
    f()[FIRST_LEAF..FIRST_LEAF + NUM_BLOCKS].to_vec()
}

fn new_tree(blocks_per_piece: usize) -> MerkleTree {
    MerkleTree::new(f()[0], NUM_BLOCKS, blocks_per_piece).expect("a valid tree")
}

/// A reproducible stand-in for libtorrent's `rand_sha256()`.
fn random_hash(seed: usize) -> Sha256Hash {
    Sha256Hash::digest(format!("random block hash {seed}").as_bytes())
}

/// libtorrent's `build_proof`: the siblings from `target` up to (not including) `end`.
fn build_proof(target: usize, end: usize) -> Vec<Sha256Hash> {
    let mut proof = Vec::new();
    let mut node = target;
    while node > end {
        proof.push(f()[merkle_get_sibling(node)]);
        node = merkle_get_parent(node);
    }
    proof
}

/// libtorrent's `corrupt`: flips bits of one byte of one hash.
fn corrupt(hashes: &[Sha256Hash]) -> Vec<Sha256Hash> {
    let mut corrupted = hashes.to_vec();
    let index = 146_542_934 % corrupted.len();
    let mut bytes = *corrupted[index].as_bytes();
    bytes[2] ^= 0x26;
    corrupted[index] = Sha256Hash::from_bytes(bytes);
    corrupted
}

fn bits_range(start: usize, count: usize) -> Bitfield {
    let mut bits = Bitfield::new(NUM_BLOCKS);
    for bit in start..start + count {
        bits.set(bit);
    }
    bits
}

fn none_verified() -> Bitfield {
    Bitfield::new(NUM_BLOCKS)
}

fn all_verified() -> Bitfield {
    Bitfield::with_all_set(NUM_BLOCKS)
}

const P1: PieceIndex = PieceIndex::new(1);

/// The fixture's behaviour text number `index`, checked to still say what the test tests.
fn behaviour(index: usize, starts_with: &str) {
    let text = reference()["behaviour"][index]
        .as_str()
        .expect("a behaviour");
    assert!(
        text.starts_with(starts_with),
        "behaviour {index} is now: {text}"
    );
}

#[test]
fn reference_tree_matches_the_python_values() {
    let values = &reference()["python_values_little_endian"];
    let value = |name: &str| hex(values[name].as_str().expect("hex"));
    assert_eq!(f()[FIRST_LEAF], value("leaf_0"));
    assert_eq!(f()[FIRST_LEAF + 258], value("leaf_258"));
    assert_eq!(f()[0], value("root"));
    for bpp in [1, 2, 4, 8] {
        let tree = MerkleTree::from_block_hashes(blocks(), bpp).expect("a tree");
        assert_eq!(tree.root(), value("root"));
        assert_eq!(tree.node(1), value("node_1"));
        assert_eq!(tree.node(2), value("node_2"));
        assert_eq!(tree.node(6), value("node_6"));
        assert_eq!(tree.build_vector(), f(), "{bpp} blocks per piece");
    }
    let tree = MerkleTree::from_block_hashes(blocks(), 4).expect("a tree");
    assert_eq!(
        tree.node(tree.piece_layer_start()),
        value("node_127_first_piece_layer_node_4_blocks_per_piece")
    );
}

#[test]
fn reference_tree_layers() {
    let layers = reference()["layers"].as_object().expect("layers");
    let start_of = |text: &str| -> usize {
        text.split("..")
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a start")
    };
    assert_eq!(
        start_of(layers["block layer"].as_str().expect("text")),
        new_tree(1).block_layer_start()
    );
    assert!(layers["block layer"]
        .as_str()
        .expect("text")
        .contains("259 real"));
    for (name, bpp, pieces) in [
        ("layer 1 up (2 blocks per piece)", 2, 130),
        ("4 blocks per piece", 4, 65),
        ("8 blocks per piece", 8, 33),
    ] {
        let tree = new_tree(bpp);
        let text = layers[name].as_str().expect("text");
        assert_eq!(start_of(text), tree.piece_layer_start(), "{name}");
        assert_eq!(tree.num_pieces(), pieces);
        if bpp > 2 {
            assert!(text.contains(&format!("({pieces} real pieces)")), "{text}");
        }
    }
    assert_eq!(layers.len(), 4);
}

#[test]
fn reference_get_hashes_cases() {
    let mut tree = new_tree(2);
    tree.load_tree(f()).expect("the full tree loads");
    let cases = reference()["get_hashes"]["cases"]
        .as_array()
        .expect("cases");
    for case in cases {
        let request = HashRequest {
            base: layer(&case["base"]),
            index: layer(&case["index"]),
            count: layer(&case["count"]),
            proof_layers: layer(&case["proof_layers"]),
        };
        let nodes = case["expect_nodes"].as_array().expect("nodes");
        let (first, count) = (num(&nodes[0]), num(&nodes[1]));
        let mut expected = f()[first..first + count].to_vec();
        for proof in case["expect_proof_nodes"].as_array().expect("proof nodes") {
            expected.push(f()[num(proof)]);
        }
        assert_eq!(tree.get_hashes(&request), Ok(expected.clone()), "{request}");
        assert_eq!(
            usize::try_from(request.num_uncle_hashes()).ok(),
            Some(expected.len() - count),
            "{request}"
        );
        // The answer proves out in a tree that knows only the root, for requests as BEP 52 wants
        // them (aligned, a power of two, at least 2) whose proof reaches the root.
        let well_formed = request.count >= 2
            && request.count.is_power_of_two()
            && request.index.is_multiple_of(request.count);
        let reaches_root = request.base + request.proof_layers + 1 == 9
            || usize::try_from(request.count).ok() == Some(512 >> request.base);
        if well_formed && reaches_root {
            let mut fresh = new_tree(2);
            let result = fresh.add_hashes_message(&request, P1, &expected);
            assert_eq!(result, Ok(AddHashesResult::default()), "{request}");
            assert_eq!(fresh.node(first), f()[first]);
        }
    }
    assert_eq!(cases.len(), 11);
}

#[test]
fn behaviour_00_load_full_tree() {
    behaviour(0, "load_tree with the full, correct node vector");
    let mut tree = new_tree(1);
    tree.load_tree(f()).expect("loads");
    for node in 0..REAL_NODES {
        assert!(tree.has_node(node), "{node}");
        assert_eq!(tree.node(node), f()[node], "{node}");
    }
    for node in REAL_NODES..NUM_NODES {
        assert!(!tree.has_node(node), "{node}");
        assert_eq!(tree.node(node), f()[node], "{node}");
        assert!(tree.node(node).is_zero());
    }
}

fn assert_only_root(tree: &MerkleTree) {
    assert!(tree.has_node(0));
    assert!((1..NUM_NODES).all(|node| !tree.has_node(node)));
}

#[test]
fn behaviour_01_bad_root_or_size_loads_nothing() {
    behaviour(
        1,
        "load_tree / load_sparse_tree with a wrong root or a vector one node short",
    );
    let bad_root = Sha256Hash::from_bytes(*b"01234567890123456789012345678901");
    let mut tree = MerkleTree::new(bad_root, NUM_BLOCKS, 1).expect("a tree");
    assert_eq!(tree.load_tree(f()), Err(MerkleError::RootMismatch));
    assert_only_root(&tree);

    let mut tree = new_tree(1);
    assert_eq!(
        tree.load_tree(&f()[..NUM_NODES - 1]),
        Err(MerkleError::WrongNodeCount {
            expected: NUM_NODES,
            actual: NUM_NODES - 1
        })
    );
    assert_only_root(&tree);

    let mut tree = MerkleTree::new(bad_root, NUM_BLOCKS, 1).expect("a tree");
    let mut mask = Bitfield::new(NUM_NODES);
    mask.set(1);
    mask.set(2);
    assert_eq!(
        tree.load_sparse_tree(&f()[1..3], &mask),
        Err(MerkleError::RootMismatch)
    );
    assert_only_root(&tree);

    // and with the right root, a full mask loads everything
    let mut tree = new_tree(1);
    tree.load_sparse_tree(f(), &Bitfield::with_all_set(NUM_NODES))
        .expect("loads");
    assert!((0..REAL_NODES).all(|node| tree.has_node(node) && tree.node(node) == f()[node]));
    assert!((REAL_NODES..NUM_NODES).all(|node| !tree.has_node(node)));
}

#[test]
fn behaviour_02_sparse_block_or_piece_layer() {
    behaviour(2, "load_sparse_tree of just the block layer");
    let mut tree = new_tree(1);
    let mut mask = Bitfield::new(NUM_NODES);
    (FIRST_LEAF..FIRST_LEAF + NUM_BLOCKS).for_each(|node| mask.set(node));
    tree.load_sparse_tree(&blocks(), &mask).expect("loads");
    for node in 0..REAL_NODES {
        assert!(
            tree.has_node(node) && tree.node(node) == f()[node],
            "{node}"
        );
    }
    for node in REAL_NODES..NUM_NODES {
        assert!(
            !tree.has_node(node) && tree.node(node) == f()[node],
            "{node}"
        );
    }

    let num_pieces = NUM_BLOCKS.div_ceil(2);
    let first_piece = merkle_first_leaf(merkle_num_leafs(num_pieces));
    assert_eq!((num_pieces, first_piece), (130, 255));
    let mut tree = new_tree(2);
    let mut mask = Bitfield::new(NUM_NODES);
    (first_piece..first_piece + num_pieces).for_each(|node| mask.set(node));
    tree.load_sparse_tree(&f()[first_piece..first_piece + num_pieces], &mask)
        .expect("loads");
    let end_piece_layer = first_piece + merkle_num_leafs(num_pieces);
    for node in 0..end_piece_layer {
        assert!(
            tree.has_node(node) && tree.node(node) == f()[node],
            "{node}"
        );
    }
    assert!((end_piece_layer..NUM_NODES).all(|node| !tree.has_node(node)));
}

fn assert_round_trip(tree: &MerkleTree, num_blocks: usize, blocks_per_piece: usize) {
    let (hashes, mask) = tree.build_sparse_vector();
    let mut restored = MerkleTree::new(f()[0], num_blocks, blocks_per_piece).expect("a tree");
    restored.load_sparse_tree(&hashes, &mask).expect("loads");
    assert_eq!(tree.build_vector(), restored.build_vector());
    for node in 0..tree.num_nodes() {
        assert_eq!(tree.node(node), restored.node(node), "{node}");
        assert_eq!(tree.has_node(node), restored.has_node(node), "{node}");
        if !tree.has_node(node) && !tree.is_padding(node) {
            assert!(tree.node(node).is_zero(), "{node}");
        }
    }
    assert_eq!(tree.verified_leafs(), restored.verified_leafs());
}

#[test]
fn behaviour_03_single_block_tree_and_round_trips() {
    behaviour(
        3,
        "a tree for a single block (blocks_per_piece 256) is just [root]",
    );
    let small = MerkleTree::new(f()[0], 1, 256).expect("a tree");
    assert_eq!(small.build_vector(), [f()[0]]);

    // empty
    assert_round_trip(&new_tree(1), NUM_BLOCKS, 1);
    // full
    let mut full = new_tree(1);
    full.load_tree(f()).expect("loads");
    assert_round_trip(&full, NUM_BLOCKS, 1);
    // piece layer only
    let mut sparse = f().to_vec();
    sparse[NUM_NODES / 2..].fill(Sha256Hash::default());
    let mut piece_layer = new_tree(2);
    piece_layer.load_tree(&sparse).expect("loads");
    assert!(piece_layer.piece_layer().is_some());
    assert_round_trip(&piece_layer, NUM_BLOCKS, 2);
    // partial trees: every 3rd or 4th node from a quarter in cleared
    for every in [3, 4] {
        let mut sparse = f().to_vec();
        for (node, hash) in sparse.iter_mut().enumerate().skip(NUM_NODES / 4) {
            if node % every == 0 {
                *hash = Sha256Hash::default();
            }
        }
        let mut partial = new_tree(2);
        partial.load_tree(&sparse).expect("loads");
        assert_round_trip(&partial, NUM_BLOCKS, 2);
    }
    // 1 and 2 block trees
    let mut one = MerkleTree::new(f()[0], 1, 256).expect("a tree");
    one.load_tree(&f()[..1]).expect("loads");
    assert_round_trip(&one, 1, 256);
    let mut two = MerkleTree::new(f()[0], 2, 256).expect("a tree");
    two.load_tree(&f()[..3]).expect("loads");
    assert!(two.is_complete());
    assert_round_trip(&two, 2, 256);
    let mut partial_two = MerkleTree::new(f()[0], 2, 256).expect("a tree");
    let mut pf = f()[..3].to_vec();
    pf[2] = Sha256Hash::default();
    partial_two.load_tree(&pf).expect("loads");
    assert!(!partial_two.has_node(1));
    assert_round_trip(&partial_two, 2, 256);
}

#[test]
fn behaviour_04_piece_layer_of_full_tree() {
    behaviour(
        4,
        "get_piece_layer with 8 blocks per piece returns 33 hashes",
    );
    let mut tree = new_tree(8);
    assert_eq!(tree.verified_leafs(), none_verified());
    tree.load_tree(f()).expect("loads");
    assert_eq!(tree.verified_leafs(), all_verified());
    assert_eq!(tree.piece_layer().as_deref(), Some(&f()[63..96]));
}

#[test]
fn behaviour_05_load_piece_layer() {
    behaviour(5, "load_piece_layer with 65 hashes (4 blocks per piece)");
    let mut tree = new_tree(4);
    tree.load_piece_layer(&f()[127..127 + 65]).expect("loads");
    assert_eq!(tree.piece_layer().as_deref(), Some(&f()[127..127 + 65]));
    assert_eq!(tree.verified_leafs(), none_verified());
}

#[test]
fn behaviour_06_add_whole_block_layer() {
    behaviour(6, "add_hashes(511, all 512 leaves, no proofs)");
    for bpp in [1, 2, 4] {
        let mut tree = new_tree(bpp);
        let result = tree.add_hashes(FIRST_LEAF, P1, &f()[FIRST_LEAF..], &[]);
        assert_eq!(result, Ok(AddHashesResult::default()));
        for node in (127..255).chain(FIRST_LEAF..NUM_NODES) {
            assert_eq!(tree.node(node), f()[node], "{node}");
        }
        assert_eq!(tree.verified_leafs(), all_verified());
    }
}

#[test]
fn behaviour_07_add_one_piece_with_proof() {
    behaviour(
        7,
        "add_hashes of one piece's 4 block hashes at piece 0, 64, 5 or 30",
    );
    for piece in [0, 64, 5, 30] {
        let mut tree = new_tree(4);
        let insert = 127 + piece;
        let first = FIRST_LEAF + piece * 4;
        let result = tree.add_hashes(first, P1, &f()[first..first + 4], &build_proof(insert, 0));
        assert_eq!(result, Ok(AddHashesResult::default()), "piece {piece}");
        let mut node = insert;
        while node > 0 {
            assert_eq!(tree.node(node), f()[node]);
            assert_eq!(
                tree.node(merkle_get_sibling(node)),
                f()[merkle_get_sibling(node)]
            );
            node = merkle_get_parent(node);
        }
        for node in 127..255 {
            if node == insert || merkle_get_sibling(node) == insert {
                assert_eq!(tree.node(node), f()[node]);
            } else if !tree.is_padding(node) {
                assert!(tree.node(node).is_zero(), "{node}");
            }
        }
        for node in FIRST_LEAF..NUM_NODES {
            if (first..first + 4).contains(&node) {
                assert_eq!(tree.node(node), f()[node]);
            } else if !tree.is_padding(node) {
                assert!(tree.node(node).is_zero(), "{node}");
            }
        }
        let start = piece * 4;
        assert_eq!(
            tree.verified_leafs(),
            bits_range(start, 4.min(NUM_BLOCKS - start))
        );
    }
}

#[test]
fn behaviour_08_corrupt_piece_or_proof() {
    behaviour(
        8,
        "the same with one proof hash or one block hash corrupted",
    );
    for piece in [0, 64, 5, 30] {
        let first = FIRST_LEAF + piece * 4;
        let hashes = &f()[first..first + 4];
        let proof = build_proof(127 + piece, 0);
        for (hashes, proof) in [
            (corrupt(hashes), proof.clone()),
            (hashes.to_vec(), corrupt(&proof)),
        ] {
            let mut tree = new_tree(4);
            let result = tree.add_hashes(first, P1, &hashes, &proof);
            assert!(
                matches!(result, Err(MerkleError::InvalidHashes { .. })),
                "piece {piece}"
            );
            assert_eq!(tree.verified_leafs(), none_verified());
            assert_only_root(&tree);
        }
    }
}

#[test]
fn behaviour_09_blocks_before_their_layer() {
    behaviour(
        9,
        "set_block on blocks 0..7 (or 252..258) before the layer arrives",
    );
    for first_piece in [0, 63] {
        for bpp in [1, 2, 4] {
            for valid in [true, false] {
                let mut tree = new_tree(bpp);
                let start = first_piece * bpp;
                let end = (start + 8).min(NUM_BLOCKS);
                for block in start..end {
                    let hash = if valid {
                        f()[FIRST_LEAF + block]
                    } else {
                        random_hash(block)
                    };
                    assert_eq!(tree.set_block(block, hash), Ok(SetBlockResult::Unknown));
                }
                let result = tree
                    .add_hashes(FIRST_LEAF, PieceIndex::new(10), &f()[FIRST_LEAF..], &[])
                    .expect("the block layer proves out");
                let pieces: Vec<u32> = (0..8 / bpp)
                    .map(|offset| u32::try_from(first_piece + offset + 10).expect("small"))
                    .collect();
                if valid {
                    let passed: Vec<u32> = result.passed.iter().map(|piece| piece.get()).collect();
                    assert_eq!(passed, pieces, "bpp {bpp} first piece {first_piece}");
                    assert!(result.failed.is_empty());
                } else {
                    assert!(result.passed.is_empty());
                    let expected: Vec<FailedPiece> = pieces
                        .iter()
                        .map(|&piece| {
                            let file_piece = usize::try_from(piece - 10).expect("small");
                            let blocks_in_piece = bpp.min(NUM_BLOCKS - file_piece * bpp);
                            FailedPiece {
                                piece: PieceIndex::new(piece),
                                blocks: (0..blocks_in_piece).collect(),
                            }
                        })
                        .collect();
                    assert_eq!(
                        result.failed, expected,
                        "bpp {bpp} first piece {first_piece}"
                    );
                }
                assert_eq!(tree.verified_leafs(), all_verified());
            }
        }
    }
}

#[test]
fn behaviour_10_set_block_on_complete_tree() {
    behaviour(10, "with the full block layer known");
    let mut tree = new_tree(4);
    tree.add_hashes(FIRST_LEAF, P1, &f()[FIRST_LEAF..], &[])
        .expect("adds");
    assert_eq!(tree.verified_leafs(), all_verified());
    for block in 0..NUM_BLOCKS {
        let one = BlockRange {
            first_block: block,
            num_blocks: 1,
        };
        assert_eq!(
            tree.set_block(block, f()[FIRST_LEAF + block]),
            Ok(SetBlockResult::Verified(one))
        );
        assert_eq!(
            tree.set_block(block, random_hash(block)),
            Ok(SetBlockResult::BlockHashFailed(one))
        );
    }
}

#[test]
fn behaviour_11_set_block_with_piece_layer() {
    behaviour(11, "with only the piece layer known (4 blocks per piece)");
    for valid in [true, false] {
        let mut tree = new_tree(4);
        tree.add_hashes(127, P1, &f()[127..255], &[]).expect("adds");
        for block in 0..NUM_BLOCKS {
            let hash = if valid {
                f()[FIRST_LEAF + block]
            } else {
                random_hash(block)
            };
            let result = tree.set_block(block, hash).expect("in range");
            let piece_start = block - block % 4;
            if block % 4 == 3 || block == NUM_BLOCKS - 1 {
                let range = BlockRange {
                    first_block: piece_start,
                    num_blocks: 4,
                };
                if valid {
                    assert_eq!(result, SetBlockResult::Verified(range));
                    assert_eq!(tree.verified_leafs(), bits_range(0, block + 1));
                } else {
                    assert_eq!(result, SetBlockResult::HashFailed(range));
                }
            } else {
                assert_eq!(result, SetBlockResult::Unknown, "{block}");
                if valid {
                    assert_eq!(tree.verified_leafs(), bits_range(0, piece_start));
                }
            }
            if !valid {
                assert_eq!(tree.verified_leafs(), none_verified());
            }
        }
        assert_eq!(tree.is_complete(), valid);
    }
}

#[test]
fn behaviour_12_set_block_with_only_the_root() {
    behaviour(12, "with nothing but the root known");
    for valid in [true, false] {
        let mut tree = new_tree(4);
        for block in 0..NUM_BLOCKS {
            let hash = if valid {
                f()[FIRST_LEAF + block]
            } else {
                random_hash(block)
            };
            let result = tree.set_block(block, hash).expect("in range");
            if block < NUM_BLOCKS - 1 {
                assert_eq!(result, SetBlockResult::Unknown);
                assert_eq!(tree.verified_leafs(), none_verified());
            } else if valid {
                let all = BlockRange {
                    first_block: 0,
                    num_blocks: 512,
                };
                assert_eq!(result, SetBlockResult::Verified(all));
                assert_eq!(tree.verified_leafs(), all_verified());
                assert!(tree.is_complete());
            } else {
                assert!(matches!(result, SetBlockResult::HashFailed(_)));
                assert_eq!(tree.verified_leafs(), none_verified());
            }
        }
    }
}

#[test]
fn behaviour_13_layers_without_padding() {
    behaviour(13, "add_hashes(511, exactly 259 block hashes - no padding)");
    let mut tree = new_tree(4);
    assert_eq!(
        tree.add_hashes(FIRST_LEAF, P1, &blocks(), &[]),
        Ok(AddHashesResult::default())
    );
    assert!((0..NUM_NODES).all(|node| tree.node(node) == f()[node]));
    assert_eq!(tree.verified_leafs(), all_verified());

    let mut tree = new_tree(4);
    assert_eq!(
        tree.add_hashes(127, P1, &f()[127..127 + 65], &[]),
        Ok(AddHashesResult::default())
    );
    assert!((0..255).all(|node| tree.node(node) == f()[node]));
    for node in 255..NUM_NODES {
        if !tree.is_padding(node) {
            assert!(tree.node(node).is_zero(), "{node}");
        }
    }
    assert_eq!(tree.verified_leafs(), none_verified());
}

#[test]
fn behaviour_14_proof_to_a_known_node() {
    behaviour(
        14,
        "add_hashes(3, nodes 3..6) then add_hashes(127, 4 hashes",
    );
    let mut tree = new_tree(4);
    tree.add_hashes(3, P1, &f()[3..7], &[]).expect("adds");
    assert!((0..7).all(|node| tree.node(node) == f()[node]));
    let result = tree.add_hashes(127, P1, &f()[127..131], &build_proof(31, 3));
    assert_eq!(result, Ok(AddHashesResult::default()));
    assert!((127..131).all(|node| tree.node(node) == f()[node]));
    assert_eq!(tree.verified_leafs(), none_verified());
}

#[test]
fn behaviour_15_load_piece_layer_clears_verified_blocks() {
    behaviour(15, "load_piece_layer clears any block-verified bits");
    let mut tree = new_tree(4);
    tree.add_hashes(127, P1, &f()[127..255], &[]).expect("adds");
    for block in 0..4 {
        tree.set_block(block, f()[FIRST_LEAF + block])
            .expect("in range");
    }
    assert!(tree.blocks_verified(0, 4));
    tree.load_piece_layer(&f()[127..127 + 65]).expect("loads");
    assert_eq!(tree.verified_leafs(), none_verified());
    assert_eq!(
        tree.set_block(0, f()[FIRST_LEAF]),
        Ok(SetBlockResult::Unknown)
    );
    assert!(!tree.blocks_verified(0, 4));
    assert_eq!(tree.verified_leafs(), none_verified());
}

#[test]
fn behaviour_16_zero_block_hash_is_rejected() {
    behaviour(16, "add_hashes of a single all-zero block hash");
    let zero = [Sha256Hash::default()];
    for block in [0, 5, 258] {
        let leaf = FIRST_LEAF + block;
        for proof in [
            build_proof(leaf, 0),
            Vec::new(),
            corrupt(&build_proof(leaf, 0)),
        ] {
            let mut tree = new_tree(4);
            assert!(tree.add_hashes(leaf, P1, &zero, &proof).is_err());
            assert_eq!(tree.verified_leafs(), none_verified());
        }
        // the real hash with the real proof goes in, and proves its sibling too
        let mut tree = new_tree(4);
        let result = tree.add_hashes(leaf, P1, &f()[leaf..=leaf], &build_proof(leaf, 0));
        assert_eq!(result, Ok(AddHashesResult::default()));
        assert!(tree.blocks_verified(block, 1));
        let sibling_block = merkle_get_sibling(leaf) - FIRST_LEAF;
        if sibling_block < NUM_BLOCKS {
            assert!(tree.blocks_verified(sibling_block, 1));
        }
    }
}

#[test]
fn every_behaviour_has_a_test() {
    assert_eq!(reference()["behaviour"].as_array().map(Vec::len), Some(17));
}
