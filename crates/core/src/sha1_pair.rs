//! [`Sha1Pair`]: the SHA-1 digests of two messages computed together.
//!
//! One SHA-1 is a chain: every 64-byte block waits for the one before, and on x86-64 the SHA-NI
//! round instruction spends most of its time waiting for its own previous result. Two
//! independent messages fill those waits: on the x86-64 machines we measured, two pieces hash
//! in about two thirds of the time they take one after the other. That is what a torrent
//! client does all day (pieces arriving, a recheck, creating a torrent), so the storage layer
//! hashes pieces in pairs when it can.

use sha1::digest::generic_array::GenericArray;

use crate::hash::Sha1Hash;

#[cfg(target_arch = "x86_64")]
mod x86;

/// SHA-1's initial state (FIPS 180-4, 5.3.1).
const INITIAL_STATE: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// SHA-1's block size in bytes.
const BLOCK: usize = 64;

/// Two incremental SHA-1 computations advanced together: where both have whole blocks to
/// hash, the blocks go through the CPU side by side (SHA-NI on x86-64, when the CPU has it);
/// everything else is hashed one message at a time. The digests equal
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
pub struct Sha1Pair {
    lanes: [Lane; 2],
}

impl Default for Sha1Pair {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha1Pair {
    /// Two computations that have seen no data yet.
    #[must_use]
    pub fn new() -> Self {
        Self {
            lanes: [Lane::new(), Lane::new()],
        }
    }

    /// Feeds `first` to the first message and `second` to the second. The lengths may differ;
    /// equal lengths that are multiples of 64 bytes go fastest.
    pub fn update(&mut self, first: &[u8], second: &[u8]) {
        let [lane0, lane1] = &mut self.lanes;
        let first = lane0.fill_pending(first);
        let second = lane1.fill_pending(second);
        // A lane with bytes still pending has used up its input, so `common` is 0 then.
        let common = first.len().min(second.len()) / BLOCK * BLOCK;
        let (first_blocks, first_rest) = first.split_at(common);
        let (second_blocks, second_rest) = second.split_at(common);
        if common > 0 {
            compress_two(
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

    /// The two digests, in the order the messages were given.
    #[must_use]
    pub fn finalize(self) -> [Sha1Hash; 2] {
        self.lanes.map(Lane::finalize)
    }
}

/// Whether [`Sha1Pair`] hashes two messages faster than one after the other on this CPU (x86-64
/// with SHA-NI). Without that it is as fast as two separate hashers, never slower.
///
/// # Examples
/// ```
/// println!("pairs hash faster: {}", lt_core::sha1_pairs_accelerated());
/// ```
#[must_use]
pub fn sha1_pairs_accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        x86::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// One message's state: the chaining value, a partial block and the length so far.
#[derive(Clone, Debug)]
struct Lane {
    state: [u32; 5],
    pending: [u8; BLOCK],
    pending_len: usize,
    /// Bytes hashed into `state` (pending bytes not included).
    length: u64,
}

impl Lane {
    fn new() -> Self {
        Self {
            state: INITIAL_STATE,
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
            compress_one(&mut self.state, &block);
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
        compress_one(&mut self.state, blocks);
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

    /// Pads the message (FIPS 180-4, 5.1.1) and returns its digest.
    fn finalize(mut self) -> Sha1Hash {
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
        compress_one(&mut self.state, tail.get(..padded).unwrap_or_default());
        let mut digest = [0u8; 20];
        for (bytes, word) in digest.chunks_exact_mut(4).zip(self.state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        Sha1Hash::from_bytes(digest)
    }
}

/// Hashes the whole 64-byte blocks of `blocks` into `state` (a shorter tail is ignored).
fn compress_one(state: &mut [u32; 5], blocks: &[u8]) {
    for block in blocks.chunks_exact(BLOCK) {
        sha1::compress(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
}

/// Hashes the whole blocks of `first` into `states[0]` and those of `second` into
/// `states[1]`; the two have the same length.
#[allow(unsafe_code)]
fn compress_two(states: [&mut [u32; 5]; 2], first: &[u8], second: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if x86::available() {
        // SAFETY: `compress_two` needs the CPU features `x86::available` just confirmed
        // (sha, sse2, ssse3, sse4.1); it is otherwise safe code.
        unsafe { x86::compress_two(states, first, second) };
        return;
    }
    let [state0, state1] = states;
    compress_one(state0, first);
    compress_one(state1, second);
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
        let _ = sha1_pairs_accelerated();
    }
}
