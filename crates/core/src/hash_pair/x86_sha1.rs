//! The two-message SHA-1 compression on x86-64's SHA extensions (SHA-NI).
//!
//! SHA-NI keeps the working variables A, B, C, D in one vector (A in the highest 32-bit lane)
//! and E in the highest lane of another. `sha1rnds4` runs four rounds; its second operand is
//! the next four schedule words with E added to the first of them, which `sha1nexte` computes
//! from the A of four rounds earlier (the E four rounds on is that A rotated left by 30).
//! `sha1msg1` and `sha1msg2` extend the message schedule four words at a time:
//! W[t..t+4] = sha1msg2(sha1msg1(W[t-16..], W[t-12..]) ^ W[t-8..], W[t-4..]).
//!
//! Each step below is written once and run for both messages back to back; the two chains
//! do not depend on each other, so the CPU overlaps them.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_extract_epi32, _mm_set_epi32, _mm_set_epi64x, _mm_setzero_si128,
    _mm_sha1msg1_epu32, _mm_sha1msg2_epu32, _mm_sha1nexte_epu32, _mm_sha1rnds4_epu32,
    _mm_xor_si128,
};

use super::BLOCK;

/// Whether this CPU has every feature [`compress_two`] is compiled for.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

/// Bytes `16 * index .. 16 * index + 16` of `block` as four big-endian words, the first in the
/// highest lane (the order `sha1rnds4` takes them in).
#[inline]
#[target_feature(enable = "sse2")]
pub(super) fn schedule_words(block: &[u8], index: usize) -> __m128i {
    let mut bytes = [0u8; 16];
    if let Some(source) = block.get(16 * index..16 * index + 16) {
        bytes.copy_from_slice(source);
    }
    let value = u128::from_be_bytes(bytes);
    // Truncating casts split the value into its two 64-bit halves.
    #[allow(clippy::cast_possible_truncation)]
    _mm_set_epi64x((value >> 64) as u64 as i64, value as u64 as i64)
}

/// Hashes the whole 64-byte blocks of `first` into `states[0]` and as many blocks of `second`
/// into `states[1]`.
///
/// Safe code, but callable only where [`available`] is true (the `unsafe` at its one caller).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub(super) fn compress_two(states: [&mut [u32; 5]; 2], first: &[u8], second: &[u8]) {
    let mut abcd = [_mm_setzero_si128(); 2];
    let mut e = [_mm_setzero_si128(); 2];
    for (lane, state) in states.iter().enumerate() {
        let [a, b, c, d, e_word] = **state;
        abcd[lane] = _mm_set_epi32(a as i32, b as i32, c as i32, d as i32);
        e[lane] = _mm_set_epi32(e_word as i32, 0, 0, 0);
    }
    for (block0, block1) in first.chunks_exact(BLOCK).zip(second.chunks_exact(BLOCK)) {
        let blocks = [block0, block1];
        let start_abcd = abcd;
        let start_e = e;
        // The last four schedule vectors, by group number modulo 4.
        let mut words = [[_mm_setzero_si128(); 4]; 2];
        // ABCD as it was before the latest group, for `sha1nexte`.
        let mut previous = [_mm_setzero_si128(); 2];

        // One group of four rounds, number `$group` (0..20), with round function `$function`
        // (0..4, one per 20 rounds), for both messages.
        macro_rules! group {
            ($group:literal, $function:literal) => {
                for lane in 0..2 {
                    let slot = $group % 4;
                    let next = if $group < 4 {
                        schedule_words(blocks[lane], $group)
                    } else {
                        let mixed =
                            _mm_sha1msg1_epu32(words[lane][slot], words[lane][($group + 1) % 4]);
                        let mixed = _mm_xor_si128(mixed, words[lane][($group + 2) % 4]);
                        _mm_sha1msg2_epu32(mixed, words[lane][($group + 3) % 4])
                    };
                    words[lane][slot] = next;
                    let e_plus_words = if $group == 0 {
                        _mm_add_epi32(e[lane], next)
                    } else {
                        _mm_sha1nexte_epu32(previous[lane], next)
                    };
                    previous[lane] = abcd[lane];
                    abcd[lane] = _mm_sha1rnds4_epu32::<$function>(abcd[lane], e_plus_words);
                }
            };
        }
        group!(0, 0);
        group!(1, 0);
        group!(2, 0);
        group!(3, 0);
        group!(4, 0);
        group!(5, 1);
        group!(6, 1);
        group!(7, 1);
        group!(8, 1);
        group!(9, 1);
        group!(10, 2);
        group!(11, 2);
        group!(12, 2);
        group!(13, 2);
        group!(14, 2);
        group!(15, 3);
        group!(16, 3);
        group!(17, 3);
        group!(18, 3);
        group!(19, 3);
        for lane in 0..2 {
            e[lane] = _mm_sha1nexte_epu32(previous[lane], start_e[lane]);
            abcd[lane] = _mm_add_epi32(abcd[lane], start_abcd[lane]);
        }
    }
    for (lane, state) in states.into_iter().enumerate() {
        *state = [
            _mm_extract_epi32::<3>(abcd[lane]) as u32,
            _mm_extract_epi32::<2>(abcd[lane]) as u32,
            _mm_extract_epi32::<1>(abcd[lane]) as u32,
            _mm_extract_epi32::<0>(abcd[lane]) as u32,
            _mm_extract_epi32::<3>(e[lane]) as u32,
        ];
    }
}
