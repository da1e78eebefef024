//! Tests over the whole picker: hand-written scenarios, a simulated swarm and property tests
//! over random event sequences. Shared helpers live here.

mod props;
mod scenarios;
mod swarm;

use lt_core::{Bitfield, PieceIndex, BLOCK_SIZE};

use crate::{Block, Geometry, PeerKey, PickOptions, Picker, PickerConfig, Received};

/// A picker for `pieces` pieces of `blocks` full blocks each, with the random start disabled
/// so rarest-first is exact from the first pick.
pub(crate) fn picker(pieces: u32, blocks: u32) -> Picker {
    let config = PickerConfig {
        initial_picker_threshold: 0,
        ..PickerConfig::default()
    };
    let piece_bytes = blocks * BLOCK_SIZE;
    Picker::new(
        Geometry::new(u64::from(pieces) * u64::from(piece_bytes), piece_bytes).unwrap(),
        config,
    )
}

/// A bitfield of `len` bits with `set` set.
pub(crate) fn bits(len: u32, set: &[u32]) -> Bitfield {
    let mut bits = Bitfield::new(len as usize);
    for &piece in set {
        bits.set(piece as usize);
    }
    bits
}

pub(crate) fn piece(index: u32) -> PieceIndex {
    PieceIndex::new(index)
}

/// Adds peer `key` with the pieces in `set` (all of them with `None`).
pub(crate) fn peer_with(picker: &mut Picker, key: u32, set: Option<&[u32]>) -> PeerKey {
    let peer = PeerKey(key);
    picker.add_peer(peer).unwrap();
    match set {
        None => picker.peer_has_all(peer).unwrap(),
        Some(set) => picker
            .peer_bitfield(peer, bits(picker.num_pieces(), set))
            .unwrap(),
    }
    peer
}

/// Picks `want` blocks with `options`; returns them.
pub(crate) fn pick(
    picker: &mut Picker,
    peer: PeerKey,
    want: usize,
    options: PickOptions,
) -> Vec<Block> {
    let mut out = Vec::new();
    let _ = picker.pick(peer, want, options, &mut out).unwrap();
    picker.check_invariants().unwrap();
    out
}

/// The distinct pieces of `blocks`, in order of first appearance.
pub(crate) fn pieces_of(blocks: &[Block]) -> Vec<u32> {
    let mut pieces: Vec<u32> = Vec::new();
    for block in blocks {
        if !pieces.contains(&block.piece.get()) {
            pieces.push(block.piece.get());
        }
    }
    pieces
}

/// Receives and finishes `block` from `peer`, passing the piece when complete; returns the
/// peers to cancel.
pub(crate) fn deliver(picker: &mut Picker, peer: PeerKey, block: Block) -> Vec<PeerKey> {
    let cancel = match picker.block_received(peer, block).unwrap() {
        Received::New { cancel } => cancel,
        Received::Redundant => Vec::new(),
    };
    if picker.block_finished(block).unwrap() {
        let _ = picker.piece_passed(block.piece).unwrap();
    }
    cancel
}
