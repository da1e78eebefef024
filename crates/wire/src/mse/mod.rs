//! Message Stream Encryption (MSE, also called PE), sans-I/O.
//!
//! The handshake, as the Vuze spec writes it (A initiates, B responds):
//!
//! ```text
//! 1 A->B: Ya, PadA
//! 2 B->A: Yb, PadB
//! 3 A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S),
//!         ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
//! 4 B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD), ENCRYPT2(payload stream)
//! 5 A->B: ENCRYPT2(payload stream)
//! ```
//!
//! `Y` are Diffie–Hellman public keys over a 768-bit prime (`mse/dh.rs`), `S` the shared
//! secret, `SKEY` the torrent's 20-byte info-hash, `VC` eight zero bytes, pads 0–512 bytes.
//! `ENCRYPT` is RC4-drop1024 ([`Rc4Drop1024`]) keyed with `HASH('keyA', S, SKEY)` from A and
//! `HASH('keyB', S, SKEY)` from B; `ENCRYPT2` is the same stream if RC4 was selected and nothing
//! if plaintext was. The responder finds where PadA ends by searching for `HASH('req1', S)`, the
//! initiator where PadB ends by searching for the encrypted VC.
//!
//! - [`MseInitiator`] and [`MseResponder`] run the two sides. Each is a chain of states
//!   consumed by value (`AwaitKey` → `AwaitVc` → … → established); `handle_read` takes what it
//!   needs from a receive buffer and leaves the rest, `poll_transmit` appends what to send, and
//!   the end is an [`MseEstablished`]: the [`Encryption`] of the stream (an [`Rc4Pair`] or
//!   plaintext), the info-hash and the initial payload (IA) the initiator sent.
//! - [`EncryptionSettings`] are libtorrent's `out_enc_policy`, `in_enc_policy`,
//!   `allowed_enc_level` and `prefer_rc4`; [`EncryptionSettings::classify_incoming`] tells a
//!   plaintext incoming connection from an encrypted one by its first bytes.
//! - [`StreamKeys`] lets a responder find the torrent behind an obfuscated info-hash.
//! - Failures are [`MseError`]s (inside [`WireError::Mse`](crate::WireError::Mse)) with
//!   libtorrent's codes: `sync_hash_not_found`, `invalid_encryption_constant`, ….
//!
//! Randomness (private keys, pad lengths and PadA/PadB bytes) comes from a 32-byte seed the
//! caller passes in; nothing here reads a clock or an OS RNG. The handshake has no timer of its
//! own: the connection's handshake timeout covers it, as in libtorrent.
//!
//! # Examples
//! ```
//! use bytes::BytesMut;
//! use lt_core::Sha1Hash;
//! use lt_wire::mse::{CryptoMode, MseConfig, MseInitiator, MseResponder, StreamKeys};
//!
//! let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
//! let torrents: StreamKeys = [info_hash].into_iter().collect();
//! let config = MseConfig::default();
//! let mut alice = MseInitiator::new(&config, info_hash, b"hello", [1; 32])?;
//! let mut bob = MseResponder::new(&config, [2; 32]);
//! let (mut to_bob, mut to_alice) = (BytesMut::new(), BytesMut::new());
//! let (mut alice_done, mut bob_done) = (None, None);
//! while alice_done.is_none() || bob_done.is_none() {
//!     let mut wire = Vec::new();
//!     alice.poll_transmit(&mut wire);
//!     to_bob.extend_from_slice(&wire);
//!     wire.clear();
//!     bob.poll_transmit(&mut wire);
//!     to_alice.extend_from_slice(&wire);
//!     if let Some(done) = bob.handle_read(&mut to_bob, &torrents)? { bob_done = Some(done); }
//!     if let Some(done) = alice.handle_read(&mut to_alice)? { alice_done = Some(done); }
//! }
//! let (alice_done, bob_done) = (alice_done.unwrap(), bob_done.unwrap());
//! assert_eq!(&bob_done.initial_payload[..], b"hello");
//! assert_eq!(bob_done.info_hash, info_hash);
//! // Both offered plaintext and RC4; libtorrent's rule (prefer_rc4 off) picks plaintext.
//! assert_eq!(alice_done.encryption.mode(), CryptoMode::Plaintext);
//! # Ok::<(), lt_wire::WireError>(())
//! ```

mod dh;
mod error;
mod initiator;
mod policy;
mod rc4;
mod responder;
mod step;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::ops::RangeInclusive;

use bytes::{Buf, Bytes, BytesMut};
use lt_core::{Sha1Hash, Sha1Hasher};

pub use self::error::MseError;
pub use self::initiator::MseInitiator;
pub use self::policy::{EncLevel, EncPolicy, EncryptionSettings, IncomingKind, OutgoingHandshake};
pub use self::rc4::{Rc4Drop1024, Rc4Pair, RC4_DISCARD};
pub use self::responder::MseResponder;

/// The longest PadA, PadB, PadC or PadD.
pub const MAX_PAD_BYTES: u16 = 512;

/// The longest initial payload (IA) libtorrent accepts: it reads `len(IA)` as a signed 16-bit
/// number.
pub const MAX_INITIAL_PAYLOAD: usize = i16::MAX as usize;

/// The verification constant: eight zero bytes.
const VC: [u8; 8] = [0; 8];

/// A mode for the stream after the handshake, as `crypto_provide` / `crypto_select` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CryptoMode {
    /// `0x01`: the handshake was obfuscated, the stream is not.
    Plaintext,
    /// `0x02`: the stream is RC4-encrypted both ways.
    Rc4,
}

impl CryptoMode {
    /// The mode's bit in `crypto_provide` / `crypto_select`.
    #[must_use]
    pub fn bit(self) -> u32 {
        match self {
            CryptoMode::Plaintext => 0x01,
            CryptoMode::Rc4 => 0x02,
        }
    }

    /// The mode a `crypto_select` names, if it names exactly one.
    fn from_select(select: u32) -> Option<CryptoMode> {
        match select {
            0x01 => Some(CryptoMode::Plaintext),
            0x02 => Some(CryptoMode::Rc4),
            _ => None,
        }
    }
}

/// What one side of an MSE handshake offers and how it pads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MseConfig {
    /// The modes the initiator provides and the responder accepts (`allowed_enc_level`).
    pub allowed_enc_level: EncLevel,
    /// A responder offered both modes picks RC4 rather than plaintext (`prefer_rc4`).
    pub prefer_rc4: bool,
    /// Each pad's length is drawn from this range (libtorrent: 0–512). Lengths above
    /// [`MAX_PAD_BYTES`] are clamped to it.
    pub pad_bytes: RangeInclusive<u16>,
}

impl Default for MseConfig {
    fn default() -> Self {
        Self {
            allowed_enc_level: EncLevel::Both,
            prefer_rc4: false,
            pad_bytes: 0..=MAX_PAD_BYTES,
        }
    }
}

/// How the stream after the handshake is sent and received.
#[derive(Debug)]
pub enum Encryption {
    /// `crypto_select` was plaintext: bytes go as they are.
    Plaintext,
    /// `crypto_select` was RC4: every byte both ways goes through the pair.
    Rc4(Box<Rc4Pair>),
}

impl Encryption {
    /// The negotiated mode.
    #[must_use]
    pub fn mode(&self) -> CryptoMode {
        match self {
            Encryption::Plaintext => CryptoMode::Plaintext,
            Encryption::Rc4(_) => CryptoMode::Rc4,
        }
    }

    /// Encrypts bytes about to be sent, in place (nothing for plaintext).
    pub fn encrypt(&mut self, data: &mut [u8]) {
        if let Encryption::Rc4(pair) = self {
            pair.encrypt(data);
        }
    }

    /// Decrypts received bytes, in place (nothing for plaintext).
    pub fn decrypt(&mut self, data: &mut [u8]) {
        if let Encryption::Rc4(pair) = self {
            pair.decrypt(data);
        }
    }
}

/// The end of a successful MSE handshake.
///
/// Bytes left in the receive buffer after it are stream data, not yet decrypted: pass every
/// received byte from then on through [`Encryption::decrypt`], and every byte sent through
/// [`Encryption::encrypt`].
#[derive(Debug)]
pub struct MseEstablished {
    /// The stream's encryption.
    pub encryption: Encryption,
    /// The torrent's 20-byte info-hash (SKEY): ours as initiator, the one the obfuscated hash
    /// matched as responder.
    pub info_hash: Sha1Hash,
    /// The initiator's initial payload (IA), decrypted: usually its BitTorrent handshake.
    /// Always empty on the initiator's side.
    pub initial_payload: Bytes,
}

/// The torrents a responder can serve, by `HASH('req2', info-hash)`, so that the obfuscated
/// info-hash of an incoming handshake finds its torrent with one lookup (libtorrent keeps the
/// same map in `session_impl::m_obfuscated_torrents`).
///
/// Insert every 20-byte form a torrent is known by: the v1 hash and the truncated v2 hash of a
/// hybrid torrent ([`lt_core::InfoHash::wire_hashes`]).
#[derive(Debug, Clone, Default)]
pub struct StreamKeys {
    by_stream_key_hash: HashMap<Sha1Hash, Sha1Hash>,
}

impl StreamKeys {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a torrent's 20-byte info-hash.
    pub fn insert(&mut self, info_hash: Sha1Hash) {
        self.by_stream_key_hash
            .insert(dh::stream_key_hash(&info_hash), info_hash);
    }

    /// Removes a torrent's 20-byte info-hash.
    pub fn remove(&mut self, info_hash: &Sha1Hash) {
        self.by_stream_key_hash
            .remove(&dh::stream_key_hash(info_hash));
    }

    /// How many info-hashes the table holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_stream_key_hash.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_stream_key_hash.is_empty()
    }

    /// The info-hash whose `HASH('req2', info-hash)` is `stream_key_hash`.
    fn find(&self, stream_key_hash: &Sha1Hash) -> Option<Sha1Hash> {
        self.by_stream_key_hash.get(stream_key_hash).copied()
    }
}

impl FromIterator<Sha1Hash> for StreamKeys {
    fn from_iter<I: IntoIterator<Item = Sha1Hash>>(info_hashes: I) -> Self {
        let mut keys = StreamKeys::new();
        info_hashes.into_iter().for_each(|hash| keys.insert(hash));
        keys
    }
}

/// The handshake's randomness, drawn from the caller's seed: SHA-1 over the seed and a block
/// counter (a hash-based generator; the seed carries all the entropy).
struct SeededRandom {
    seed: [u8; 32],
    counter: u64,
}

impl SeededRandom {
    fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0 }
    }

    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(Sha1Hash::LEN) {
            let mut hasher = Sha1Hasher::new();
            hasher.update(b"lt-mse");
            hasher.update(&self.seed);
            hasher.update(&self.counter.to_le_bytes());
            self.counter += 1;
            chunk.copy_from_slice(&hasher.finalize().as_bytes()[..chunk.len()]);
        }
    }

    /// A pad length from `range`, clamped to [`MAX_PAD_BYTES`].
    fn pad_length(&mut self, range: &RangeInclusive<u16>) -> u16 {
        let high = (*range.end()).min(MAX_PAD_BYTES);
        let low = (*range.start()).min(high);
        let mut bytes = [0u8; 4];
        self.fill(&mut bytes);
        let span = u32::from(high - low) + 1;
        // `span` ≤ 513, so the remainder fits a u16.
        low + u16::try_from(u32::from_le_bytes(bytes) % span).unwrap_or(0)
    }

    /// A private key and a random pad of a length from `range`: a side's first message.
    fn key_and_pad(&mut self, range: &RangeInclusive<u16>) -> (dh::DhKeyPair, Vec<u8>) {
        let mut private = [0u8; dh::PRIVATE_KEY_LEN];
        self.fill(&mut private);
        let keys = dh::DhKeyPair::new(&private);
        let mut hello = keys.public_key().to_vec();
        let pad_start = hello.len();
        hello.resize(pad_start + usize::from(self.pad_length(range)), 0);
        self.fill(&mut hello[pad_start..]);
        (keys, hello)
    }
}

/// How a search for a synchronisation point went.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// Found; the buffer now starts right after the pattern.
    Found,
    /// Not yet; the bytes that cannot start the pattern were dropped.
    Pending,
    /// Not within `MAX_PAD_BYTES` of pad.
    NotFound,
}

/// Searches `input` for `pattern`, which must start within [`MAX_PAD_BYTES`] of pad. `skipped`
/// counts the pad bytes dropped by earlier calls. Keeps the last `pattern.len() - 1` bytes when
/// the pattern is not found, since it may start there.
fn scan(pattern: &[u8], input: &mut BytesMut, skipped: &mut usize) -> Scan {
    let max_pad = usize::from(MAX_PAD_BYTES);
    let candidates = max_pad.saturating_sub(*skipped) + 1;
    let found = input
        .windows(pattern.len())
        .take(candidates)
        .position(|window| window == pattern);
    if let Some(offset) = found {
        *skipped += offset;
        input.advance(offset + pattern.len());
        return Scan::Found;
    }
    let checked = (input.len() + 1)
        .saturating_sub(pattern.len())
        .min(candidates);
    input.advance(checked);
    *skipped += checked;
    if *skipped > max_pad {
        Scan::NotFound
    } else {
        Scan::Pending
    }
}

/// Takes `N` bytes off the front of `input`, or `None` (leaving it alone) if fewer are there.
fn take<const N: usize>(input: &mut BytesMut) -> Option<[u8; N]> {
    let bytes: [u8; N] = input.get(..N)?.try_into().ok()?;
    input.advance(N);
    Some(bytes)
}
