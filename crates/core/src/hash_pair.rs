//! [`Sha1Pair`] and [`Sha256Pair`]: the digests of two messages computed together.
//!
//! One SHA-1 or SHA-256 is a chain: every 64-byte block waits for the one before, and on x86-64
//! the SHA-NI round instructions spend most of their time waiting for their own previous
//! results. Two independent messages fill those waits: on the x86-64 machines we measured, two
//! messages hash in about two thirds (SHA-1) or 58 % (SHA-256) of the time they take one after
//! the other. That is what a torrent client does all day (pieces arriving, v2 blocks, a
//! recheck, creating a torrent), so the storage and metainfo layers hash in pairs when they can.

use std::fmt;

use sha1::digest::generic_array::GenericArray;

use crate::hash::{Sha1Hash, Sha256Hash};

#[cfg(target_arch = "x86_64")]
mod x86_sha1;
#[cfg(target_arch = "x86_64")]
mod x86_sha256;

/// The block size of SHA-1 and SHA-256, in bytes.
const BLOCK: usize = 64;

/// One compression function: its state, and how it takes whole blocks of one message or of two
/// messages at once.
trait Compression {
    type State: Copy + fmt::Debug;
    const INITIAL: Self::State;
    /// Hashes the whole blocks of `blocks` into `state` (a shorter tail is ignored).
    fn one(state: &mut Self::State, blocks: &[u8]);
    /// Hashes the whole blocks of `first` into `states[0]` and those of `second` into
    /// `states[1]` with the CPU's two-message kernel; `false`, and nothing done, without one.
    fn two_on_cpu(states: [&mut Self::State; 2], first: &[u8], second: &[u8]) -> bool;

    /// Hashes the whole blocks of `first` into `states[0]` and those of `second` into
    /// `states[1]`; the two have the same length.
    fn two(states: [&mut Self::State; 2], first: &[u8], second: &[u8]) {
        let [state0, state1] = states;
        if !Self::two_on_cpu([&mut *state0, &mut *state1], first, second) {
            Self::one(state0, first);
            Self::one(state1, second);
        }
    }
}

/// SHA-1's compression (FIPS 180-4, 6.1).
#[derive(Clone, Debug)]
struct Sha1Compression;

impl Compression for Sha1Compression {
    type State = [u32; 5];
    const INITIAL: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];

    fn one(state: &mut [u32; 5], blocks: &[u8]) {
        for block in blocks.chunks_exact(BLOCK) {
            sha1::compress(state, std::slice::from_ref(GenericArray::from_slice(block)));
        }
    }

    #[allow(unsafe_code)]
    fn two_on_cpu(states: [&mut [u32; 5]; 2], first: &[u8], second: &[u8]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if x86_sha1::available() {
            // SAFETY: `compress_two` needs the CPU features `available` just confirmed (sha,
            // sse2, ssse3, sse4.1); it is otherwise safe code.
            unsafe { x86_sha1::compress_two(states, first, second) };
            return true;
        }
        let _ = (states, first, second);
        false
    }
}

/// SHA-256's compression (FIPS 180-4, 6.2).
#[derive(Clone, Debug)]
struct Sha256Compression;

impl Compression for Sha256Compression {
    type State = [u32; 8];
    const INITIAL: [u32; 8] = [
        0x6A09_E667,
        0xBB67_AE85,
        0x3C6E_F372,
        0xA54F_F53A,
        0x510E_527F,
        0x9B05_688C,
        0x1F83_D9AB,
        0x5BE0_CD19,
    ];

    fn one(state: &mut [u32; 8], blocks: &[u8]) {
        for block in blocks.chunks_exact(BLOCK) {
            sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
        }
    }

    #[allow(unsafe_code)]
    fn two_on_cpu(states: [&mut [u32; 8]; 2], first: &[u8], second: &[u8]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if x86_sha256::available() {
            // SAFETY: `compress_two` needs the CPU features `available` just confirmed (sha,
            // sse2, ssse3, sse4.1); it is otherwise safe code.
            unsafe { x86_sha256::compress_two(states, first, second) };
            return true;
        }
        let _ = (states, first, second);
        false
    }
}

/// Two messages advanced together under compression `C`.
#[derive(Clone, Debug)]
struct Lanes<C: Compression> {
    lanes: [Lane<C>; 2],
}

impl<C: Compression> Lanes<C> {
    fn new() -> Self {
        Self {
            lanes: [Lane::new(), Lane::new()],
        }
    }

    fn update(&mut self, first: &[u8], second: &[u8]) {
        let [lane0, lane1] = &mut self.lanes;
        let first = lane0.fill_pending(first);
        let second = lane1.fill_pending(second);
        // A lane with bytes still pending has used up its input, so `common` is 0 then.
        let common = first.len().min(second.len()) / BLOCK * BLOCK;
        let (first_blocks, first_rest) = first.split_at(common);
        let (second_blocks, second_rest) = second.split_at(common);
        if common > 0 {
            C::two(
                [&mut lane0.state, &mut lane1.state],
                first_blocks,
                second_blocks,
            );
            lane0.length += common as u64;
            lane1.length += common as u64;
        }
        lane0.absorb(first_rest);
        lane1.absorb(second_rest);
    }

    fn finalize(self) -> [C::State; 2] {
        self.lanes.map(Lane::finalize)
    }
}

/// The digests of two messages computed together: SHA-1, with the blocks of both messages
/// going through the CPU side by side where both have whole blocks (SHA-NI on x86-64, when the
/// CPU has it); everything else is hashed one message at a time. The digests equal
/// [`Sha1Hash::digest`] of each message.
///
/// # Examples
/// ```
/// use lt_core::{Sha1Hash, Sha1Pair};
///
/// let (first, second) = (vec![1u8; 16384], vec![2u8; 16000]);
/// let mut pair = Sha1Pair::new();
/// pair.update(&first[..100], &second[..5000]);
/// pair.update(&first[100..], &second[5000..]);
/// assert_eq!(pair.finalize(), [Sha1Hash::digest(&first), Sha1Hash::digest(&second)]);
/// ```
#[derive(Clone, Debug)]
pub struct Sha1Pair(Lanes<Sha1Compression>);

/// [`Sha1Pair`]'s SHA-256 twin: the SHA-256 digests of two messages computed together. The
/// digests equal [`Sha256Hash::digest`] of each message.
///
/// # Examples
/// ```
/// use lt_core::{Sha256Hash, Sha256Pair};
///
/// let mut pair = Sha256Pair::new();
/// pair.update(b"abc", b"a longer second message");
/// assert_eq!(
///     pair.finalize(),
///     [Sha256Hash::digest(b"abc"), Sha256Hash::digest(b"a longer second message")]
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Sha256Pair(Lanes<Sha256Compression>);

macro_rules! pair_api {
    ($pair:ident, $hash:ident, $bytes:literal) => {
        impl Default for $pair {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $pair {
            /// Two computations that have seen no data yet.
            #[must_use]
            pub fn new() -> Self {
                Self(Lanes::new())
            }

            /// Feeds `first` to the first message and `second` to the second. The lengths may
            /// differ; equal lengths that are multiples of 64 bytes go fastest.
            pub fn update(&mut self, first: &[u8], second: &[u8]) {
                self.0.update(first, second);
            }

            /// The two digests, in the order the messages were given.
            #[must_use]
            pub fn finalize(self) -> [$hash; 2] {
                self.0.finalize().map(|state| {
                    let mut digest = [0u8; $bytes];
                    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
                        bytes.copy_from_slice(&word.to_be_bytes());
                    }
                    $hash::from_bytes(digest)
                })
            }
        }
    };
}

pair_api!(Sha1Pair, Sha1Hash, 20);
pair_api!(Sha256Pair, Sha256Hash, 32);

/// Whether [`Sha1Pair`] and [`Sha256Pair`] hash two messages faster than one after the other
/// on this CPU (x86-64 with SHA-NI). Without that they are as fast as two separate hashers,
/// never slower.
///
/// # Examples
/// ```
/// println!("pairs hash faster: {}", lt_core::hash_pairs_accelerated());
/// ```
#[must_use]
pub fn hash_pairs_accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        x86_sha1::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The SHA-256 digest of each `chunk_len`-byte chunk of `data` (the last one may be shorter),
/// appended to `out`; two chunks at a time through [`Sha256Pair`]. This is how v2 hashes the
/// 16 KiB blocks of a piece.
///
/// # Examples
/// ```
/// use lt_core::{sha256_chunks, Sha256Hash};
///
/// let data = vec![7u8; 40_000];
/// let mut hashes = Vec::new();
/// sha256_chunks(&data, 16384, &mut hashes);
/// let expected: Vec<Sha256Hash> = data.chunks(16384).map(Sha256Hash::digest).collect();
/// assert_eq!(hashes, expected);
/// ```
pub fn sha256_chunks(data: &[u8], chunk_len: usize, out: &mut Vec<Sha256Hash>) {
    let chunk_len = chunk_len.max(1);
    let mut chunks = data.chunks(chunk_len);
    loop {
        match (chunks.next(), chunks.next()) {
            (Some(first), Some(second)) => {
                let mut pair = Sha256Pair::new();
                pair.update(first, second);
                out.extend(pair.finalize());
            }
            (Some(last), None) => {
                out.push(Sha256Hash::digest(last));
                break;
            }
            _ => break,
        }
    }
}

/// One message's state: the chaining value, a partial block and the length so far.
#[derive(Clone, Debug)]
struct Lane<C: Compression> {
    state: C::State,
    pending: [u8; BLOCK],
    pending_len: usize,
    /// Bytes hashed into `state` (pending bytes not included).
    length: u64,
}

impl<C: Compression> Lane<C> {
    fn new() -> Self {
        Self {
            state: C::INITIAL,
            pending: [0; BLOCK],
            pending_len: 0,
            length: 0,
        }
    }

    /// Tops the partial block up from `data` (hashing it once full) and returns the rest of
    /// `data`. Returns `data` untouched when nothing is pending.
    fn fill_pending<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        if self.pending_len == 0 {
            return data;
        }
        let take = (BLOCK - self.pending_len).min(data.len());
        let (head, rest) = data.split_at(take);
        if let Some(room) = self
            .pending
            .get_mut(self.pending_len..self.pending_len + take)
        {
            room.copy_from_slice(head);
        }
        self.pending_len += take;
        if self.pending_len == BLOCK {
            let block = self.pending;
            C::one(&mut self.state, &block);
            self.length += BLOCK as u64;
            self.pending_len = 0;
        }
        rest
    }

    /// Hashes the whole blocks of `data` alone and keeps the tail as the partial block. Only
    /// called with nothing pending, or with `data` empty.
    fn absorb(&mut self, data: &[u8]) {
        let data = self.fill_pending(data);
        let whole = data.len() / BLOCK * BLOCK;
        let (blocks, tail) = data.split_at(whole);
        C::one(&mut self.state, blocks);
        self.length += whole as u64;
        // With bytes still pending, `data` was used up and `tail` is empty.
        if tail.is_empty() {
            return;
        }
        if let Some(room) = self.pending.get_mut(..tail.len()) {
            room.copy_from_slice(tail);
            self.pending_len = tail.len();
        }
    }

    /// Pads the message (FIPS 180-4, 5.1.1) and returns the final state.
    fn finalize(mut self) -> C::State {
        let bits = (self.length + self.pending_len as u64).wrapping_mul(8);
        let mut tail = [0u8; 2 * BLOCK];
        let used = self.pending_len;
        if let Some(start) = tail.get_mut(..used) {
            start.copy_from_slice(self.pending.get(..used).unwrap_or_default());
        }
        if let Some(marker) = tail.get_mut(used) {
            *marker = 0x80;
        }
        let padded = if used + 1 + 8 <= BLOCK {
            BLOCK
        } else {
            2 * BLOCK
        };
        if let Some(length) = tail.get_mut(padded - 8..padded) {
            length.copy_from_slice(&bits.to_be_bytes());
        }
        C::one(&mut self.state, tail.get(..padded).unwrap_or_default());
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(len: usize, seed: u32) -> Vec<u8> {
        (0..len as u32)
            .map(|index| (index.wrapping_mul(seed) ^ (index >> 7)) as u8)
            .collect()
    }

    #[test]
    fn equals_one_at_a_time_for_every_length_around_the_padding_edges() {
        for first_len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 16_384] {
            for second_len in [0, 3, 56, 64, 127, 16_384, 16_385] {
                let first = message(first_len, 7);
                let second = message(second_len, 13);
                let mut pair = Sha1Pair::new();
                pair.update(&first, &second);
                assert_eq!(
                    pair.finalize(),
                    [Sha1Hash::digest(&first), Sha1Hash::digest(&second)],
                    "{first_len} and {second_len} bytes"
                );
            }
        }
    }

    #[test]
    fn sha256_equals_one_at_a_time_for_every_length_around_the_padding_edges() {
        for first_len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 16_384] {
            for second_len in [0, 3, 56, 64, 127, 16_384, 16_385] {
                let first = message(first_len, 7);
                let second = message(second_len, 13);
                let mut pair = Sha256Pair::new();
                pair.update(&first, &second);
                assert_eq!(
                    pair.finalize(),
                    [Sha256Hash::digest(&first), Sha256Hash::digest(&second)],
                    "{first_len} and {second_len} bytes"
                );
            }
        }
    }

    /// The two-message path (the SHA-NI kernel where the CPU has it) against the one-message
    /// compression of each lane, over many blocks of unrelated data.
    fn two_equals_one_each<C: Compression>()
    where
        C::State: PartialEq,
    {
        let (first, second) = (message(64 * 37, 3), message(64 * 37, 5));
        let (mut two0, mut two1) = (C::INITIAL, C::INITIAL);
        C::two([&mut two0, &mut two1], &first, &second);
        let (mut one0, mut one1) = (C::INITIAL, C::INITIAL);
        C::one(&mut one0, &first);
        C::one(&mut one1, &second);
        assert_eq!((two0, two1), (one0, one1));
    }

    #[test]
    fn the_two_message_kernels_equal_the_one_message_compressions() {
        two_equals_one_each::<Sha1Compression>();
        two_equals_one_each::<Sha256Compression>();
        let (mut state0, mut state1) = (Sha1Compression::INITIAL, Sha1Compression::INITIAL);
        let on_cpu = Sha1Compression::two_on_cpu([&mut state0, &mut state1], &[], &[]);
        assert_eq!(on_cpu, hash_pairs_accelerated());
    }

    #[test]
    fn sha256_chunks_hashes_every_chunk() {
        for len in [0, 1, 16_384, 16_385, 40_000, 65_536, 100_000] {
            let data = message(len, 11);
            let mut hashes = vec![Sha256Hash::default()];
            sha256_chunks(&data, 16_384, &mut hashes);
            let mut expected = vec![Sha256Hash::default()];
            expected.extend(data.chunks(16_384).map(Sha256Hash::digest));
            assert_eq!(hashes, expected, "{len} bytes");
        }
    }

    #[test]
    fn uneven_chunks_give_the_same_digests() {
        let first = message(1 << 20, 31);
        let second = message((1 << 20) - 4321, 17);
        let expected = [Sha1Hash::digest(&first), Sha1Hash::digest(&second)];
        for (step_a, step_b) in [(65_536, 65_536), (16_384, 1000), (1, 70_000), (63, 129)] {
            let mut pair = Sha1Pair::new();
            let (mut a, mut b) = (&first[..], &second[..]);
            while !a.is_empty() || !b.is_empty() {
                let (head_a, rest_a) = a.split_at(step_a.min(a.len()));
                let (head_b, rest_b) = b.split_at(step_b.min(b.len()));
                pair.update(head_a, head_b);
                (a, b) = (rest_a, rest_b);
            }
            assert_eq!(pair.finalize(), expected, "steps {step_a} and {step_b}");
        }
    }

    #[test]
    fn known_vector_in_both_lanes() {
        let mut pair = Sha1Pair::default();
        pair.update(b"abc", b"");
        let [abc, empty] = pair.finalize();
        assert_eq!(abc.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            empty.to_string(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }

    proptest::proptest! {
        #[test]
        fn sha256_pairs_of_any_messages_give_the_one_shot_digests(
            first in proptest::collection::vec(proptest::num::u8::ANY, 0..1500),
            second in proptest::collection::vec(proptest::num::u8::ANY, 0..1500),
            split in 0usize..1500,
        ) {
            let mut pair = Sha256Pair::new();
            let (head_a, tail_a) = first.split_at(split.min(first.len()));
            let (head_b, tail_b) = second.split_at((split / 2).min(second.len()));
            pair.update(head_a, head_b);
            pair.update(tail_a, tail_b);
            proptest::prop_assert_eq!(
                pair.finalize(),
                [Sha256Hash::digest(&first), Sha256Hash::digest(&second)]
            );
        }

        #[test]
        fn any_messages_in_any_chunks_give_the_one_shot_digests(
            first in proptest::collection::vec(proptest::num::u8::ANY, 0..3000),
            second in proptest::collection::vec(proptest::num::u8::ANY, 0..3000),
            steps in proptest::collection::vec((0usize..700, 0usize..700), 1..8),
        ) {
            let mut pair = Sha1Pair::new();
            let (mut a, mut b) = (&first[..], &second[..]);
            for &(step_a, step_b) in steps.iter().cycle().take(64) {
                let (head_a, rest_a) = a.split_at(step_a.min(a.len()));
                let (head_b, rest_b) = b.split_at(step_b.min(b.len()));
                pair.update(head_a, head_b);
                (a, b) = (rest_a, rest_b);
            }
            pair.update(a, b);
            proptest::prop_assert_eq!(
                pair.finalize(),
                [Sha1Hash::digest(&first), Sha1Hash::digest(&second)]
            );
        }
    }

    #[test]
    fn detection_does_not_panic() {
        let _ = hash_pairs_accelerated();
    }
}
