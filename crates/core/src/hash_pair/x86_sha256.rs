//! The two-message SHA-256 compression on x86-64's SHA extensions (SHA-NI).
//!
//! SHA-NI keeps the eight working variables in two vectors, ABEF and CDGH (A and C in the
//! highest 32-bit lanes). `sha256rnds2` runs two rounds with two schedule words plus round
//! constants in the low half of its third operand; four rounds are two calls, the second with
//! the high half moved down. `sha256msg1` and `sha256msg2` extend the message schedule four
//! words at a time: W[t..t+4] = sha256msg2(sha256msg1(W[t-16..], W[t-12..]) + W[t-7..t-3],
//! W[t-4..]), where W[t-7..t-3] straddles two schedule vectors (`alignr`).
//!
//! Each step below is written once and run for both messages back to back; the two chains
//! do not depend on each other, so the CPU overlaps them.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_extract_epi32, _mm_set_epi32, _mm_setzero_si128,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
};

use super::BLOCK;

/// SHA-256's round constants (FIPS 180-4, 4.2.2).
const K: [u32; 64] = [
    0x428A_2F98,
    0x7137_4491,
    0xB5C0_FBCF,
    0xE9B5_DBA5,
    0x3956_C25B,
    0x59F1_11F1,
    0x923F_82A4,
    0xAB1C_5ED5,
    0xD807_AA98,
    0x1283_5B01,
    0x2431_85BE,
    0x550C_7DC3,
    0x72BE_5D74,
    0x80DE_B1FE,
    0x9BDC_06A7,
    0xC19B_F174,
    0xE49B_69C1,
    0xEFBE_4786,
    0x0FC1_9DC6,
    0x240C_A1CC,
    0x2DE9_2C6F,
    0x4A74_84AA,
    0x5CB0_A9DC,
    0x76F9_88DA,
    0x983E_5152,
    0xA831_C66D,
    0xB003_27C8,
    0xBF59_7FC7,
    0xC6E0_0BF3,
    0xD5A7_9147,
    0x06CA_6351,
    0x1429_2967,
    0x27B7_0A85,
    0x2E1B_2138,
    0x4D2C_6DFC,
    0x5338_0D13,
    0x650A_7354,
    0x766A_0ABB,
    0x81C2_C92E,
    0x9272_2C85,
    0xA2BF_E8A1,
    0xA81A_664B,
    0xC24B_8B70,
    0xC76C_51A3,
    0xD192_E819,
    0xD699_0624,
    0xF40E_3585,
    0x106A_A070,
    0x19A4_C116,
    0x1E37_6C08,
    0x2748_774C,
    0x34B0_BCB5,
    0x391C_0CB3,
    0x4ED8_AA4A,
    0x5B9C_CA4F,
    0x682E_6FF3,
    0x748F_82EE,
    0x78A5_636F,
    0x84C8_7814,
    0x8CC7_0208,
    0x90BE_FFFA,
    0xA450_6CEB,
    0xBEF9_A3F7,
    0xC671_78F2,
];

/// Whether this CPU has every feature [`compress_two`] is compiled for.
pub(super) fn available() -> bool {
    super::x86_sha1::available()
}

/// Bytes `16 * index .. 16 * index + 16` of `block` as four big-endian words, the first in the
/// lowest lane (the order `sha256rnds2` takes them in): SHA-1's order, lanes reversed.
#[inline]
#[target_feature(enable = "sse2")]
fn schedule_words(block: &[u8], index: usize) -> __m128i {
    _mm_shuffle_epi32::<0x1B>(super::x86_sha1::schedule_words(block, index))
}

/// Round constants `4 * group .. 4 * group + 4`, the first in the lowest lane.
#[inline]
#[target_feature(enable = "sse2")]
fn constants(group: usize) -> __m128i {
    let k = |index: usize| K.get(4 * group + index).copied().unwrap_or(0) as i32;
    _mm_set_epi32(k(3), k(2), k(1), k(0))
}

/// Hashes the whole 64-byte blocks of `first` into `states[0]` and as many blocks of `second`
/// into `states[1]`.
///
/// Safe code, but callable only where [`available`] is true (the `unsafe` at its one caller).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub(super) fn compress_two(states: [&mut [u32; 8]; 2], first: &[u8], second: &[u8]) {
    let mut abef = [_mm_setzero_si128(); 2];
    let mut cdgh = [_mm_setzero_si128(); 2];
    for (lane, state) in states.iter().enumerate() {
        let [a, b, c, d, e, f, g, h] = state.map(|word| word as i32);
        abef[lane] = _mm_set_epi32(a, b, e, f);
        cdgh[lane] = _mm_set_epi32(c, d, g, h);
    }
    for (block0, block1) in first.chunks_exact(BLOCK).zip(second.chunks_exact(BLOCK)) {
        let blocks = [block0, block1];
        let start_abef = abef;
        let start_cdgh = cdgh;
        // The last four schedule vectors, by group number modulo 4.
        let mut words = [[_mm_setzero_si128(); 4]; 2];

        // One group of four rounds, number `$group` (0..16), for both messages.
        macro_rules! group {
            ($group:literal) => {
                for lane in 0..2 {
                    let slot = $group % 4;
                    let next = if $group < 4 {
                        schedule_words(blocks[lane], $group)
                    } else {
                        let mixed =
                            _mm_sha256msg1_epu32(words[lane][slot], words[lane][($group + 1) % 4]);
                        let middle = _mm_alignr_epi8::<4>(
                            words[lane][($group + 3) % 4],
                            words[lane][($group + 2) % 4],
                        );
                        _mm_sha256msg2_epu32(
                            _mm_add_epi32(mixed, middle),
                            words[lane][($group + 3) % 4],
                        )
                    };
                    words[lane][slot] = next;
                    let with_constants = _mm_add_epi32(next, constants($group));
                    cdgh[lane] = _mm_sha256rnds2_epu32(cdgh[lane], abef[lane], with_constants);
                    let high_half = _mm_shuffle_epi32::<0x0E>(with_constants);
                    abef[lane] = _mm_sha256rnds2_epu32(abef[lane], cdgh[lane], high_half);
                }
            };
        }
        group!(0);
        group!(1);
        group!(2);
        group!(3);
        group!(4);
        group!(5);
        group!(6);
        group!(7);
        group!(8);
        group!(9);
        group!(10);
        group!(11);
        group!(12);
        group!(13);
        group!(14);
        group!(15);
        for lane in 0..2 {
            abef[lane] = _mm_add_epi32(abef[lane], start_abef[lane]);
            cdgh[lane] = _mm_add_epi32(cdgh[lane], start_cdgh[lane]);
        }
    }
    for (lane, state) in states.into_iter().enumerate() {
        let (high, low) = (abef[lane], cdgh[lane]);
        *state = [
            _mm_extract_epi32::<3>(high) as u32,
            _mm_extract_epi32::<2>(high) as u32,
            _mm_extract_epi32::<3>(low) as u32,
            _mm_extract_epi32::<2>(low) as u32,
            _mm_extract_epi32::<1>(high) as u32,
            _mm_extract_epi32::<0>(high) as u32,
            _mm_extract_epi32::<1>(low) as u32,
            _mm_extract_epi32::<0>(low) as u32,
        ];
    }
}
