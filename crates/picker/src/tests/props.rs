//! Property tests: random sequences of every event the picker takes, with the invariants
//! checked after each one and the pick guarantees checked after each pick.

use std::time::{Duration, Instant};

use lt_core::{Bitfield, BLOCK_SIZE};
use proptest::prelude::*;

use super::piece;
use crate::{
    Block, Geometry, PeerKey, PickOptions, PickOrder, Picker, PickerConfig, Priority, Received,
};

/// One call on the picker. Indices run a little past the torrent to exercise the errors.
#[derive(Debug, Clone)]
enum Op {
    AddPeer(u32),
    RemovePeer(u32),
    Have(u32, u32),
    DontHave(u32, u32),
    Bitfield(u32, Vec<bool>),
    HaveAll(u32),
    HaveNone(u32),
    Suggest(u32, u32),
    AllowFast(u32, u32),
    Pick {
        peer: u32,
        want: usize,
        order: u8,
        whole: bool,
        parole: bool,
        choked: bool,
    },
    /// Receive the `nth` outstanding request of a peer.
    ReceiveRequested(u32, usize),
    Receive(u32, u32, u32),
    Finish(u32, u32),
    WriteFailed(u32, u32),
    Cancel(u32, usize),
    Passed(u32),
    Failed(u32),
    WeDontHave(u32),
    Priority(u32, u8),
    Priorities(Vec<u8>),
    Deadline(u32, u64),
    ResetDeadline(u32),
}

fn op() -> impl Strategy<Value = Op> {
    let peer = 0u32..6;
    let index = 0u32..14;
    prop_oneof![
        3 => peer.clone().prop_map(Op::AddPeer),
        1 => peer.clone().prop_map(Op::RemovePeer),
        4 => (peer.clone(), index.clone()).prop_map(|(k, p)| Op::Have(k, p)),
        1 => (peer.clone(), index.clone()).prop_map(|(k, p)| Op::DontHave(k, p)),
        2 => (peer.clone(), prop::collection::vec(any::<bool>(), 11..13))
            .prop_map(|(k, bits)| Op::Bitfield(k, bits)),
        1 => peer.clone().prop_map(Op::HaveAll),
        1 => peer.clone().prop_map(Op::HaveNone),
        1 => (peer.clone(), index.clone()).prop_map(|(k, p)| Op::Suggest(k, p)),
        1 => (peer.clone(), index.clone()).prop_map(|(k, p)| Op::AllowFast(k, p)),
        8 => (peer.clone(), 0usize..10, 0u8..4, any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(peer, want, order, whole, parole, choked)| Op::Pick {
                peer, want, order, whole, parole, choked
            }),
        6 => (peer.clone(), 0usize..8).prop_map(|(k, n)| Op::ReceiveRequested(k, n)),
        1 => (peer.clone(), index.clone(), 0u32..4).prop_map(|(k, p, b)| Op::Receive(k, p, b)),
        4 => (index.clone(), 0u32..4).prop_map(|(p, b)| Op::Finish(p, b)),
        1 => (index.clone(), 0u32..4).prop_map(|(p, b)| Op::WriteFailed(p, b)),
        2 => (peer.clone(), 0usize..8).prop_map(|(k, n)| Op::Cancel(k, n)),
        2 => index.clone().prop_map(Op::Passed),
        1 => index.clone().prop_map(Op::Failed),
        1 => index.clone().prop_map(Op::WeDontHave),
        2 => (index.clone(), 0u8..9).prop_map(|(p, prio)| Op::Priority(p, prio)),
        1 => prop::collection::vec(0u8..8, 12).prop_map(Op::Priorities),
        1 => (index.clone(), 0u64..1000).prop_map(|(p, ms)| Op::Deadline(p, ms)),
        1 => index.prop_map(Op::ResetDeadline),
    ]
}

/// Applies `op`; errors are fine (they are typed), panics and broken invariants are not.
fn apply(picker: &mut Picker, epoch: Instant, op: &Op) -> Result<(), TestCaseError> {
    let num_pieces = picker.num_pieces();
    match *op {
        Op::AddPeer(k) => drop(picker.add_peer(PeerKey(k))),
        Op::RemovePeer(k) => drop(picker.remove_peer(PeerKey(k))),
        Op::Have(k, p) => drop(picker.peer_has(PeerKey(k), piece(p))),
        Op::DontHave(k, p) => drop(picker.peer_dont_have(PeerKey(k), piece(p))),
        Op::Bitfield(k, ref set) => {
            let mut bits = Bitfield::new(set.len());
            for (index, _) in set.iter().enumerate().filter(|(_, &on)| on) {
                bits.set(index);
            }
            let result = picker.peer_bitfield(PeerKey(k), bits);
            if set.len() != num_pieces as usize {
                prop_assert!(result.is_err());
            }
        }
        Op::HaveAll(k) => drop(picker.peer_has_all(PeerKey(k))),
        Op::HaveNone(k) => drop(picker.peer_has_none(PeerKey(k))),
        Op::Suggest(k, p) => drop(picker.peer_suggests(PeerKey(k), piece(p))),
        Op::AllowFast(k, p) => drop(picker.peer_allows_fast(PeerKey(k), piece(p))),
        Op::Pick {
            peer,
            want,
            order,
            whole,
            parole,
            choked,
        } => {
            let options = PickOptions {
                order: [
                    PickOrder::RarestFirst,
                    PickOrder::MostCommonFirst,
                    PickOrder::Sequential,
                    PickOrder::ReverseSequential,
                ][usize::from(order)],
                prefer_whole_pieces: whole,
                on_parole: parole,
                choked_by_peer: choked,
            };
            let key = PeerKey(peer);
            let was_end_game = picker.is_end_game();
            let mut out = Vec::new();
            let Ok(picked) = picker.pick(key, want, options, &mut out) else {
                return Ok(());
            };
            prop_assert_eq!(picked.blocks, out.len());
            if !whole && !parole {
                prop_assert!(out.len() <= want);
            }
            let strict = picker.config().strict_end_game;
            if picked.duplicates > 0 {
                prop_assert!(picked.end_game && !parole && !choked);
                prop_assert!(picker.is_end_game() || !strict);
            }
            for (position, block) in out.iter().enumerate() {
                prop_assert!(picker.peer_has_piece(key, block.piece).unwrap());
                prop_assert!(picker.piece_priority(block.piece).unwrap().is_wanted());
                prop_assert!(!picker.has_piece(block.piece).unwrap());
                let num_peers = picker.block_info(*block).unwrap().num_peers;
                if position < out.len() - picked.duplicates {
                    prop_assert_eq!(num_peers, 1, "{} shared outside end-game", block);
                } else {
                    prop_assert!(was_end_game || picker.is_end_game() || !strict);
                }
            }
        }
        Op::ReceiveRequested(k, nth) => {
            let Some(&block) = picker
                .peer_requests(PeerKey(k))
                .ok()
                .and_then(|requests| requests.get(nth))
            else {
                return Ok(());
            };
            let before = picker.block_info(block).unwrap().num_peers;
            if let Received::New { cancel } = picker.block_received(PeerKey(k), block).unwrap() {
                prop_assert_eq!(cancel.len() as u32 + 1, before);
                for other in cancel {
                    prop_assert!(!picker.peer_requests(other).unwrap().contains(&block));
                }
            }
        }
        Op::Receive(k, p, b) => drop(picker.block_received(PeerKey(k), Block::new(piece(p), b))),
        Op::Finish(p, b) => drop(picker.block_finished(Block::new(piece(p), b))),
        Op::WriteFailed(p, b) => drop(picker.write_failed(Block::new(piece(p), b))),
        Op::Cancel(k, nth) => {
            if let Some(&block) = picker
                .peer_requests(PeerKey(k))
                .ok()
                .and_then(|requests| requests.get(nth))
            {
                prop_assert!(picker.cancel_request(PeerKey(k), block).unwrap());
            }
        }
        Op::Passed(p) => drop(picker.piece_passed(piece(p))),
        Op::Failed(p) => drop(picker.piece_failed(piece(p))),
        Op::WeDontHave(p) => drop(picker.we_dont_have(piece(p))),
        Op::Priority(p, prio) => {
            if let Some(priority) = Priority::new(prio) {
                drop(picker.set_piece_priority(piece(p), priority));
            }
        }
        Op::Priorities(ref list) => {
            let list: Vec<Priority> = list
                .iter()
                .take(num_pieces as usize)
                .map(|&prio| Priority::new(prio).unwrap())
                .collect();
            drop(picker.set_piece_priorities(&list));
        }
        Op::Deadline(p, ms) => {
            drop(picker.set_piece_deadline(piece(p), epoch + Duration::from_millis(ms)))
        }
        Op::ResetDeadline(p) => drop(picker.reset_piece_deadline(piece(p))),
    }
    Ok(())
}

// 256 cases by default; `PROPTEST_CASES=100000` for a long soak.
proptest! {
    #[test]
    fn random_events_keep_the_counts_consistent(
        pieces in 1u32..13,
        blocks in 1u32..5,
        last_bytes in 1u32..65536,
        strict in any::<bool>(),
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let piece_bytes = blocks * BLOCK_SIZE;
        let total = u64::from(pieces - 1) * u64::from(piece_bytes)
            + u64::from(last_bytes.min(piece_bytes));
        let config = PickerConfig {
            seed,
            strict_end_game: strict,
            initial_picker_threshold: 2,
            ..PickerConfig::default()
        };
        let mut picker = Picker::new(Geometry::new(total, piece_bytes).unwrap(), config);
        let epoch = Instant::now();
        for op in &ops {
            apply(&mut picker, epoch, op)?;
            if let Err(problem) = picker.check_invariants() {
                return Err(TestCaseError::fail(format!("after {op:?}: {problem}")));
            }
        }
    }
}
