//! Shared vocabulary of the lt BitTorrent crates: the types every layer names.
//!
//! - [`Sha1Hash`] and [`Sha256Hash`]: fixed-size digests, with hex `Display`/`FromStr` and serde
//!   (hex in JSON, raw bytes in bencode); [`Sha1Hasher`] and [`Sha256Hasher`] compute them, and
//!   [`Sha1Pair`] and [`Sha256Pair`] compute two digests at once.
//! - [`InfoHash`]: the v1 and/or v2 hash of a torrent, like libtorrent's `info_hash_t`.
//! - [`PeerId`]: 20-byte peer ids, generated with this crate's [`PeerId::CLIENT_PREFIX`] or read
//!   back into a [`ClientFingerprint`].
//! - [`Bitfield`]: the pieces a peer has, in the wire layout of the `bitfield` message.
//! - [`PieceIndex`], [`FileIndex`] and [`BLOCK_SIZE`].
//!
//! It leaves out everything with behaviour: no I/O, no parsing of torrents or messages, no
//! randomness beyond the std-only [`PeerId::generate`].
//!
//! # Examples
//! ```
//! use lt_core::{Bitfield, InfoHash, PeerId, PieceIndex, Sha1Hash};
//!
//! let info_hash = InfoHash::v1("c9e15763f722f23e98a29decdfae341b98d53056".parse::<Sha1Hash>()?);
//! let our_id = PeerId::generate();
//! let mut have = Bitfield::new(16);
//! have.set(PieceIndex::new(3).as_usize());
//! assert_eq!(have.to_wire(), [0b0001_0000, 0]);
//! println!("{our_id} joins {info_hash}, which has {} pieces", have.len());
//! # Ok::<(), lt_core::HexError>(())
//! ```
// Unsafe code is denied; two calls (into the SHA-NI kernels of `hash_pair`, after the CPU check
// they need) are allowed.
#![deny(unsafe_code)]

mod bitfield;
mod error;
mod fingerprint;
mod hash;
mod hash_pair;
mod hasher;
mod hex;
mod index;
mod info_hash;
mod peer_id;
#[cfg(test)]
mod testing;

pub use crate::{
    bitfield::{BitIndices, Bitfield},
    error::{BitfieldError, HexError, LengthError, PeerIdParseError},
    fingerprint::ClientFingerprint,
    hash::{Sha1Hash, Sha256Hash},
    hash_pair::{hash_pairs_accelerated, sha256_chunks, Sha1Pair, Sha256Pair},
    hasher::{sha_extensions_available, Sha1Hasher, Sha256Hasher},
    index::{FileIndex, PieceIndex, BLOCK_SIZE},
    info_hash::InfoHash,
    peer_id::PeerId,
};
