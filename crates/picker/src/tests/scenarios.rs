//! Hand-written scenarios, one behaviour each.

use std::time::{Duration, Instant};

use lt_core::Bitfield;

use super::{deliver, peer_with, pick, picker, piece, pieces_of};
use crate::{
    Block, BlockState, PeerKey, PickOptions, PickOrder, PickerConfig, PickerError, PieceState,
    Priority, Received,
};

fn options(order: PickOrder) -> PickOptions {
    PickOptions {
        order,
        ..PickOptions::default()
    }
}

#[test]
fn rarest_pieces_go_first() {
    let mut picker = picker(6, 1);
    let all = peer_with(&mut picker, 1, Some(&[0, 1, 2, 3, 4, 5]));
    peer_with(&mut picker, 2, Some(&[0, 1, 2, 3]));
    peer_with(&mut picker, 3, Some(&[0, 1]));
    // Availability: pieces 4, 5 → 1; 2, 3 → 2; 0, 1 → 3.
    let picked = pieces_of(&pick(&mut picker, all, 6, PickOptions::default()));
    let mut first_two = picked[..2].to_vec();
    first_two.sort_unstable();
    let mut next_two = picked[2..4].to_vec();
    next_two.sort_unstable();
    assert_eq!((first_two, next_two), (vec![4, 5], vec![2, 3]));
    assert_eq!(picker.availability(piece(0)), Ok(3));
}

#[test]
fn ties_are_broken_at_random() {
    let firsts: Vec<u32> = (0..8)
        .map(|seed| {
            let mut picker = crate::Picker::new(
                crate::Geometry::new(64 * 16384, 16384).unwrap(),
                PickerConfig {
                    seed,
                    initial_picker_threshold: 0,
                    ..PickerConfig::default()
                },
            );
            let peer = peer_with(&mut picker, 1, None);
            pick(&mut picker, peer, 1, PickOptions::default())[0]
                .piece
                .get()
        })
        .collect();
    let mut distinct = firsts.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() > 4, "{firsts:?}");
}

#[test]
fn most_common_first_reverses_rarity() {
    let mut picker = picker(4, 1);
    let all = peer_with(&mut picker, 1, Some(&[0, 1, 2, 3]));
    peer_with(&mut picker, 2, Some(&[2]));
    let picked = pick(&mut picker, all, 1, options(PickOrder::MostCommonFirst));
    assert_eq!(pieces_of(&picked), [2]);
}

#[test]
fn priority_outranks_rarity_and_zero_is_never_picked() {
    let mut picker = picker(5, 2);
    let all = peer_with(&mut picker, 1, None);
    peer_with(&mut picker, 2, Some(&[3]));
    peer_with(&mut picker, 3, Some(&[3]));
    picker.set_piece_priority(piece(3), Priority::TOP).unwrap();
    picker.set_piece_priority(piece(1), Priority::LOW).unwrap();
    picker
        .set_piece_priority(piece(0), Priority::DONT_DOWNLOAD)
        .unwrap();
    assert_eq!(picker.piece_priority(piece(3)), Ok(Priority::TOP));
    let picked = pieces_of(&pick(&mut picker, all, 100, PickOptions::default()));
    assert_eq!(picked.first(), Some(&3));
    assert_eq!(picked.last(), Some(&1));
    assert!(!picked.contains(&0));
    assert_eq!(picker.num_want_left(), 4);
}

#[test]
fn partial_pieces_are_finished_first() {
    let mut picker = picker(8, 4);
    let a = peer_with(&mut picker, 1, None);
    let b = peer_with(&mut picker, 2, None);
    let first = pick(&mut picker, a, 2, PickOptions::default());
    let second = pick(&mut picker, b, 2, PickOptions::default());
    assert_eq!(pieces_of(&first), pieces_of(&second));
    assert_eq!(picker.num_partial_pieces(), 1);
    assert_eq!(picker.piece_state(first[0].piece), Ok(PieceState::Full));
}

#[test]
fn sequential_and_reverse_sequential_follow_the_index() {
    let mut picker = picker(10, 2);
    let peer = peer_with(&mut picker, 1, Some(&[1, 2, 4, 5, 6, 9]));
    let sequential = options(PickOrder::Sequential);
    assert_eq!(
        pieces_of(&pick(&mut picker, peer, 5, sequential)),
        [1, 2, 4]
    );
    let reverse = options(PickOrder::ReverseSequential);
    assert_eq!(pieces_of(&pick(&mut picker, peer, 3, reverse)), [9, 6]);
    // Priority 7 pieces still come first.
    picker.set_piece_priority(piece(5), Priority::TOP).unwrap();
    assert_eq!(pieces_of(&pick(&mut picker, peer, 2, sequential)), [5]);
}

#[test]
fn sequential_cursor_skips_had_pieces() {
    let mut picker = picker(6, 1);
    let peer = peer_with(&mut picker, 1, None);
    for block in pick(&mut picker, peer, 3, options(PickOrder::Sequential)) {
        deliver(&mut picker, peer, block);
    }
    assert_eq!(picker.num_have(), 3);
    assert_eq!(
        pieces_of(&pick(&mut picker, peer, 1, options(PickOrder::Sequential))),
        [3]
    );
    picker.we_dont_have(piece(1)).unwrap();
    assert_eq!(
        pieces_of(&pick(&mut picker, peer, 1, options(PickOrder::Sequential))),
        [1]
    );
}

#[test]
fn earliest_deadline_wins() {
    let mut picker = picker(10, 1);
    let peer = peer_with(&mut picker, 1, None);
    peer_with(&mut picker, 2, Some(&[0, 1, 2, 3, 4, 5, 6, 7]));
    let now = Instant::now();
    picker
        .set_piece_deadline(piece(7), now + Duration::from_millis(500))
        .unwrap();
    picker
        .set_piece_deadline(piece(2), now + Duration::from_millis(100))
        .unwrap();
    picker
        .set_piece_deadline(piece(5), now + Duration::from_millis(300))
        .unwrap();
    // The deadline of 7 moves earlier than everything.
    picker
        .set_piece_deadline(piece(7), now + Duration::from_millis(50))
        .unwrap();
    picker.set_piece_priority(piece(9), Priority::TOP).unwrap();
    let picked = pieces_of(&pick(&mut picker, peer, 4, PickOptions::default()));
    assert_eq!(picked, [7, 2, 5, 9]);
    assert!(picker.piece_deadline(piece(5)).unwrap().is_some());
    picker.reset_piece_deadline(piece(5)).unwrap();
    assert_eq!(picker.piece_deadline(piece(5)), Ok(None));
    picker.clear_piece_deadlines();
    assert_eq!(picker.piece_deadline(piece(2)), Ok(None));
    picker.check_invariants().unwrap();
}

#[test]
fn a_deadline_raises_priority_zero() {
    let mut picker = picker(4, 1);
    let peer = peer_with(&mut picker, 1, None);
    picker
        .set_piece_priority(piece(3), Priority::DONT_DOWNLOAD)
        .unwrap();
    picker.set_piece_deadline(piece(3), Instant::now()).unwrap();
    assert_eq!(picker.piece_priority(piece(3)), Ok(Priority::TOP));
    assert_eq!(
        pieces_of(&pick(&mut picker, peer, 1, PickOptions::default())),
        [3]
    );
    // Priority 0 drops the deadline again.
    picker.set_piece_deadline(piece(2), Instant::now()).unwrap();
    picker
        .set_piece_priority(piece(2), Priority::DONT_DOWNLOAD)
        .unwrap();
    assert_eq!(picker.piece_deadline(piece(2)), Ok(None));
    picker.check_invariants().unwrap();
}

#[test]
fn whole_piece_mode_takes_whole_pieces() {
    let mut picker = picker(6, 4);
    let peer = peer_with(&mut picker, 1, None);
    let whole = PickOptions {
        prefer_whole_pieces: true,
        ..PickOptions::default()
    };
    let picked = pick(&mut picker, peer, 5, whole);
    assert_eq!(picked.len(), 8);
    assert_eq!(pieces_of(&picked).len(), 2);
}

#[test]
fn end_game_hands_out_duplicates_and_names_cancels() {
    let mut picker = picker(2, 2);
    let slow = peer_with(&mut picker, 1, None);
    let fast = peer_with(&mut picker, 2, None);
    let third = peer_with(&mut picker, 3, None);
    let all = pick(&mut picker, slow, 10, PickOptions::default());
    assert_eq!(all.len(), 4);
    assert!(picker.is_end_game());
    let mut out = Vec::new();
    let picked = picker
        .pick(fast, 4, PickOptions::default(), &mut out)
        .unwrap();
    // One duplicate: libtorrent gives busy blocks only to peers with an empty queue.
    assert_eq!(
        (picked.blocks, picked.duplicates, picked.end_game),
        (1, 1, true)
    );
    let duplicate = out[0];
    assert_eq!(picker.block_info(duplicate).unwrap().num_peers, 2);
    // The third peer prefers a block nobody duplicated yet.
    let third_pick = pick(&mut picker, third, 1, PickOptions::default());
    assert_ne!(third_pick, [duplicate]);
    // The block arrives from the fast peer: cancel it at the slow one.
    assert_eq!(
        picker.block_received(fast, duplicate).unwrap(),
        Received::New { cancel: vec![slow] }
    );
    assert!(!picker.peer_requests(slow).unwrap().contains(&duplicate));
    assert_eq!(
        picker.block_received(slow, duplicate).unwrap(),
        Received::Redundant
    );
    picker.check_invariants().unwrap();
}

#[test]
fn no_duplicates_while_free_blocks_remain() {
    let mut picker = picker(3, 2);
    let a = peer_with(&mut picker, 1, Some(&[0]));
    let b = peer_with(&mut picker, 2, Some(&[0, 1]));
    assert_eq!(pick(&mut picker, a, 4, PickOptions::default()).len(), 2);
    // Piece 1 is free: b gets it, and no duplicate of piece 0.
    let picked = pick(&mut picker, b, 4, PickOptions::default());
    assert_eq!(pieces_of(&picked), [1]);
    // Now all that anyone has is requested, and piece 2 is nobody's: end-game.
    assert!(picker.is_end_game());
    let c = peer_with(&mut picker, 3, Some(&[0]));
    let mut out = Vec::new();
    let picked = picker.pick(c, 1, PickOptions::default(), &mut out).unwrap();
    assert_eq!(picked.duplicates, 1);
    // Non-strict mode duplicates as soon as the peer finds nothing free.
    let mut loose = super::picker(3, 2);
    loose.config.strict_end_game = false;
    let a = peer_with(&mut loose, 1, Some(&[0]));
    let b = peer_with(&mut loose, 2, Some(&[0, 2]));
    let _ = pick(&mut loose, a, 4, PickOptions::default());
    assert!(!loose.is_end_game());
    let picked = pick(&mut loose, b, 3, PickOptions::default());
    assert_eq!(picked.len(), 2);
}

#[test]
fn parole_peers_get_untouched_whole_pieces_only() {
    let mut picker = picker(4, 4);
    let honest = peer_with(&mut picker, 1, None);
    let suspect = peer_with(&mut picker, 2, None);
    let started = pick(&mut picker, honest, 1, PickOptions::default());
    let parole = PickOptions {
        on_parole: true,
        ..PickOptions::default()
    };
    let picked = pick(&mut picker, suspect, 1, parole);
    assert_eq!(picked.len(), 4);
    assert_ne!(pieces_of(&picked), pieces_of(&started));
    // The suspect gives a block back; the honest peer must not join its piece.
    assert!(picker.cancel_request(suspect, picked[3]).unwrap());
    let honest_more = pick(&mut picker, honest, 20, PickOptions::default());
    assert!(!honest_more.contains(&picked[3]));
    // Once the suspect waits for nothing there (choked, timed out), the piece is free again.
    for &block in &picked[..3] {
        assert!(picker.cancel_request(suspect, block).unwrap());
    }
    let rest = pick(&mut picker, honest, 20, PickOptions::default());
    assert!(rest.contains(&picked[0]));
    // Pieces it owns are never duplicated in end-game, and it gets no duplicates itself.
    let mut owner = super::picker(1, 2);
    let suspect = peer_with(&mut owner, 1, None);
    let other = peer_with(&mut owner, 2, None);
    assert_eq!(pick(&mut owner, suspect, 1, parole).len(), 2);
    assert!(owner.is_end_game());
    assert!(pick(&mut owner, other, 1, PickOptions::default()).is_empty());
    picker.remove_peer(honest).unwrap();
    picker.check_invariants().unwrap();
}

#[test]
fn piece_failure_resets_blocks_and_names_senders() {
    let mut picker = picker(2, 4);
    let a = peer_with(&mut picker, 1, None);
    let b = peer_with(&mut picker, 2, None);
    let first = pick(&mut picker, a, 2, PickOptions::default());
    let second = pick(&mut picker, b, 2, PickOptions::default());
    assert_eq!(pieces_of(&first), pieces_of(&second));
    let failed = first[0].piece;
    let mut complete = false;
    for (&peer, block) in [a, a, b, b].iter().zip(first.iter().chain(&second)) {
        assert!(matches!(
            picker.block_received(peer, *block),
            Ok(Received::New { .. })
        ));
        complete = picker.block_finished(*block).unwrap();
    }
    assert!(complete);
    assert_eq!(picker.piece_state(failed), Ok(PieceState::Finished));
    assert_eq!(picker.piece_failed(failed), Ok(vec![a, b]));
    assert_eq!(picker.piece_state(failed), Ok(PieceState::Open));
    assert_eq!(picker.num_have(), 0);
    // It can be downloaded again.
    let again = pick(&mut picker, a, 8, PickOptions::default());
    assert!(again.contains(&first[0]));
    picker.check_invariants().unwrap();
}

#[test]
fn seeds_are_counted_without_touching_pieces() {
    let mut picker = picker(100, 1);
    let seed = peer_with(&mut picker, 1, None);
    assert_eq!(picker.num_seeds(), 1);
    assert_eq!(picker.availability(piece(50)), Ok(1));
    assert_eq!(picker.peer_count(50), 0);
    assert!(picker.is_peer_seed(seed).unwrap());
    // A seed's lt_donthave turns it into an ordinary peer.
    picker.peer_dont_have(seed, piece(3)).unwrap();
    assert_eq!(picker.num_seeds(), 0);
    assert_eq!(picker.availability(piece(3)), Ok(0));
    assert_eq!(picker.availability(piece(4)), Ok(1));
    picker.check_invariants().unwrap();
    // A peer whose haves complete the torrent becomes a seed.
    let other = peer_with(&mut picker, 2, Some(&[]));
    for index in 0..100 {
        picker.peer_has(other, piece(index)).unwrap();
    }
    assert!(picker.is_peer_seed(other).unwrap());
    picker.peer_has_none(other).unwrap();
    assert_eq!(picker.num_seeds(), 0);
    picker.remove_peer(seed).unwrap();
    assert_eq!(picker.availability(piece(4)), Ok(0));
    picker.check_invariants().unwrap();
}

#[test]
fn choked_peers_only_give_allowed_fast_pieces() {
    let mut picker = picker(10, 1);
    let peer = peer_with(&mut picker, 1, Some(&[2, 3, 4]));
    picker.peer_allows_fast(peer, piece(3)).unwrap();
    picker.peer_allows_fast(peer, piece(8)).unwrap();
    let choked = PickOptions {
        choked_by_peer: true,
        ..PickOptions::default()
    };
    assert_eq!(pieces_of(&pick(&mut picker, peer, 5, choked)), [3]);
    assert!(pick(&mut picker, peer, 5, choked).is_empty());
}

#[test]
fn suggested_pieces_come_before_rarer_ones() {
    let mut picker = picker(10, 1);
    let peer = peer_with(&mut picker, 1, None);
    peer_with(&mut picker, 2, Some(&[6]));
    peer_with(&mut picker, 3, Some(&[6]));
    picker.peer_suggests(peer, piece(6)).unwrap();
    assert_eq!(
        pieces_of(&pick(&mut picker, peer, 1, PickOptions::default())),
        [6]
    );
    assert!(picker.counters().suggest_loops > 0);
}

#[test]
fn sparse_peers_get_their_rarest_piece() {
    let mut picker = picker(5000, 1);
    let sparse = peer_with(&mut picker, 1, Some(&[10, 2000, 4000]));
    peer_with(&mut picker, 2, Some(&[10, 4000]));
    peer_with(&mut picker, 3, Some(&[10]));
    let picked = pieces_of(&pick(&mut picker, sparse, 3, PickOptions::default()));
    assert_eq!(picked, [2000, 4000, 10]);
}

#[test]
fn peer_gone_releases_requests() {
    let mut picker = picker(4, 2);
    let a = peer_with(&mut picker, 1, None);
    let b = peer_with(&mut picker, 2, Some(&[0, 1, 2, 3]));
    let taken = pick(&mut picker, a, 8, PickOptions::default());
    assert_eq!(taken.len(), 8);
    assert!(picker.is_end_game());
    picker.remove_peer(a).unwrap();
    assert_eq!(picker.num_partial_pieces(), 0);
    assert_eq!(pick(&mut picker, b, 8, PickOptions::default()).len(), 8);
    assert_eq!(picker.remove_peer(a), Err(PickerError::UnknownPeer(a)));
}

#[test]
fn a_cancelled_block_is_picked_again() {
    let mut picker = picker(1, 2);
    let peer = peer_with(&mut picker, 1, None);
    let taken = pick(&mut picker, peer, 1, PickOptions::default());
    assert!(picker.cancel_request(peer, taken[0]).unwrap());
    assert!(!picker.cancel_request(peer, taken[0]).unwrap());
    assert_eq!(picker.piece_state(taken[0].piece), Ok(PieceState::Open));
    assert_eq!(pick(&mut picker, peer, 1, PickOptions::default()), taken);
}

#[test]
fn write_failures_and_resume_data() {
    let mut picker = picker(2, 2);
    let peer = peer_with(&mut picker, 1, None);
    let block = Block::new(piece(1), 1);
    // Restored from resume data: finished without a request.
    assert_eq!(picker.block_finished(block), Ok(false));
    assert_eq!(picker.piece_state(piece(1)), Ok(PieceState::Downloading));
    let other = Block::new(piece(1), 0);
    let _ = picker.block_received(peer, other).unwrap();
    picker.write_failed(other).unwrap();
    assert!(matches!(
        picker.write_failed(other),
        Err(PickerError::BlockTransition { .. })
    ));
    assert_eq!(pick(&mut picker, peer, 1, PickOptions::default()), [other]);
    assert!(matches!(
        picker.block_finished(other),
        Err(PickerError::BlockTransition {
            state: BlockState::Requested,
            ..
        })
    ));
    picker.check_invariants().unwrap();
}

#[test]
fn distributed_copies_follow_libtorrent() {
    let mut picker = picker(4, 1);
    peer_with(&mut picker, 1, None);
    peer_with(&mut picker, 2, Some(&[0, 1, 2]));
    let peer = peer_with(&mut picker, 3, Some(&[0]));
    // Copies per piece (peers only): 3, 2, 2, 1 → rarest 1, 3 of 4 pieces above it.
    let copies = picker.distributed_copies();
    assert_eq!((copies.full_copies, copies.fraction_thousandths), (1, 750));
    assert!((copies.as_f32() - 1.75).abs() < 1e-6);
    // Our own piece counts as a copy.
    let block = pick(&mut picker, peer, 1, PickOptions::default())[0];
    deliver(&mut picker, peer, block);
    assert_eq!(picker.distributed_copies().full_copies, 1);
}

#[test]
fn download_queue_shows_block_states() {
    let mut picker = picker(3, 4);
    let peer = peer_with(&mut picker, 1, None);
    let taken = pick(&mut picker, peer, 3, PickOptions::default());
    let _ = picker.block_received(peer, taken[0]).unwrap();
    picker.block_finished(taken[0]).unwrap();
    let _ = picker.block_received(peer, taken[1]).unwrap();
    let queue = picker.download_queue();
    assert_eq!(queue.len(), 1);
    let info = &queue[0];
    assert_eq!(
        (
            info.blocks_in_piece,
            info.finished,
            info.writing,
            info.requested
        ),
        (4, 1, 1, 1)
    );
    let states: Vec<BlockState> = info.blocks.iter().map(|block| block.state).collect();
    assert_eq!(
        states,
        [
            BlockState::Finished,
            BlockState::Writing,
            BlockState::Requested,
            BlockState::None
        ]
    );
    assert_eq!(info.blocks[0].peer, Some(peer));
    assert_eq!(info.blocks[0].bytes_progress, 16384);
    assert_eq!(
        picker.partial_piece(taken[0].piece).unwrap().as_ref(),
        Some(info)
    );
}

#[test]
fn file_priorities_set_piece_priorities() {
    let mut picker = picker(4, 1);
    let sizes = [16384 + 100, 16384 - 100, 2 * 16384];
    picker
        .set_file_priorities(&sizes, &[Priority::DONT_DOWNLOAD, Priority::TOP])
        .unwrap();
    assert_eq!(
        picker.piece_priorities(),
        [
            Priority::DONT_DOWNLOAD,
            Priority::TOP,
            Priority::DEFAULT,
            Priority::DEFAULT
        ]
    );
    assert_eq!(picker.num_want_left(), 3);
    picker.check_invariants().unwrap();
    assert!(matches!(
        picker.set_file_priorities(&[1, 2], &[]),
        Err(PickerError::FileSizeMismatch { .. })
    ));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut picker = picker(4, 2);
    let peer = peer_with(&mut picker, 1, Some(&[0]));
    let nobody = PeerKey(99);
    assert_eq!(
        picker.peer_has(peer, piece(4)),
        Err(PickerError::PieceOutOfRange {
            piece: 4,
            num_pieces: 4
        })
    );
    assert_eq!(
        picker.peer_bitfield(peer, Bitfield::new(5)),
        Err(PickerError::BitfieldSize {
            got: 5,
            expected: 4
        })
    );
    assert!(matches!(
        picker.block_received(peer, Block::new(piece(0), 2)),
        Err(PickerError::BlockOutOfRange { .. })
    ));
    assert_eq!(
        picker.pick(nobody, 1, PickOptions::default(), &mut Vec::new()),
        Err(PickerError::UnknownPeer(nobody))
    );
    assert_eq!(picker.add_peer(peer), Err(PickerError::DuplicatePeer(peer)));
    assert!(picker.set_piece_priorities(&[Priority::TOP]).is_err());
    assert!(picker.piece_state(piece(9)).is_err());
    assert_eq!(
        picker.geometry().block_at(0, 16384, 16384),
        Ok(Block::new(piece(0), 1))
    );
    picker.check_invariants().unwrap();
}

#[test]
fn bulk_priority_changes_rebuild_the_order() {
    let mut picker = picker(64, 2);
    let peer = peer_with(&mut picker, 1, Some(&(0..40).collect::<Vec<_>>()));
    let _ = pick(&mut picker, peer, 5, PickOptions::default());
    let priorities: Vec<Priority> = (0..64u8)
        .map(|index| Priority::new(index % 8).unwrap())
        .collect();
    picker.set_piece_priorities(&priorities).unwrap();
    picker.check_invariants().unwrap();
    assert_eq!(picker.piece_priorities(), priorities);
    let picked = pieces_of(&pick(&mut picker, peer, 200, PickOptions::default()));
    assert!(picked.iter().all(|&index| index % 8 != 0 && index < 40));
}

#[test]
fn the_first_pieces_are_random() {
    let mut picker = crate::Picker::new(
        crate::Geometry::new(1000 * 16384, 16384).unwrap(),
        PickerConfig::default(),
    );
    let peer = peer_with(&mut picker, 1, None);
    let _ = pick(&mut picker, peer, 4, PickOptions::default());
    assert!(picker.counters().rand_start_loops > 0);
    assert_eq!(picker.counters().rare_loops, 0);
}
