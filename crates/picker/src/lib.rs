//! The piece picker: which 16 KiB block to request from which peer, modelled on libtorrent's
//! `piece_picker`.
//!
//! [`Picker`] is a sans-I/O state machine for one torrent. The caller tells it what peers have
//! (`have`, `bitfield`, `have_all`, `have_none`, `lt_donthave`, suggestions, allowed-fast sets,
//! peers leaving), sets [`Priority`]s per piece or per file and deadlines for streaming, asks
//! [`Picker::pick`] for blocks with [`PickOptions`] (rarest first, most common first,
//! sequential, whole pieces, parole, choked), and reports what became of them
//! ([`Picker::block_received`], [`Picker::block_finished`], [`Picker::piece_passed`],
//! [`Picker::piece_failed`], …). It answers with blocks, peers to cancel, peers to suspect, and
//! the figures of `torrent_status` ([`Picker::distributed_copies`],
//! [`Picker::download_queue`], …).
//!
//! It leaves out everything around that: no sockets, no clock (deadlines are the caller's
//! `Instant`s, only compared), no randomness but the seed in [`PickerConfig`], no request
//! timeouts or queue sizing (the peer connection decides how many blocks to ask for), no
//! choking. `docs/picker.md` describes the design, data layout and costs.
//!
//! # Examples
//! ```
//! use lt_core::{Bitfield, PieceIndex};
//! use lt_picker::{Geometry, PeerKey, PickOptions, Picker, PickerConfig, Priority, Received};
//!
//! // 10 pieces of 64 KiB (4 blocks each); the user skips the first 5.
//! let geometry = Geometry::new(10 * 65536, 65536)?;
//! let mut picker = Picker::new(geometry, PickerConfig::default());
//! for piece in 0..5 {
//!     picker.set_piece_priority(PieceIndex::new(piece), Priority::DONT_DOWNLOAD)?;
//! }
//! let peer = PeerKey(7);
//! picker.add_peer(peer)?;
//! picker.peer_bitfield(peer, Bitfield::with_all_set(10))?;
//!
//! let mut blocks = Vec::new();
//! let picked = picker.pick(peer, 8, PickOptions::default(), &mut blocks)?;
//! assert_eq!(picked.blocks, 8);
//! assert!(blocks.iter().all(|block| block.piece.get() >= 5));
//! for &block in &blocks {
//!     assert!(matches!(picker.block_received(peer, block)?, Received::New { .. }));
//! }
//! assert_eq!(picker.num_partial_pieces(), 2);
//! # Ok::<(), lt_picker::PickerError>(())
//! ```
#![forbid(unsafe_code)]

mod availability;
mod blocks;
mod buckets;
mod endgame;
mod error;
mod events;
mod geometry;
mod invariants;
mod peers;
mod pick;
mod picker;
mod piece;
mod priority;
mod rng;
mod status;
#[cfg(test)]
mod tests;

pub use crate::{
    blocks::BlockState,
    error::PickerError,
    events::Received,
    geometry::{Block, Geometry},
    peers::PeerKey,
    pick::{PickOptions, PickOrder, Picked},
    picker::{Picker, PickerConfig},
    priority::{file_piece_priorities, Priority},
    status::{
        BlockInfo, DistributedCopies, MemoryUsage, PartialPieceInfo, PickerCounters, PieceState,
    },
};
