//! Shared pieces of the benchmark binaries: deterministic input generators (a 100k-file
//! `.torrent`, DHT-like messages), the message file format shared with the C++ anchor, and the
//! timing and reporting helpers.
//!
//! `cargo xtask bench` builds the binaries in `src/bin/`, runs them next to the anchors
//! (libtorrent through `anchors/bdecode_anchor.cpp`, `openssl speed`) and prints ratios.
//! Every binary prints one machine-readable line per measurement:
//!
//! ```text
//! bench NAME bytes=B items=I iters=K median_s=S best_s=S
//! ```
//!
//! `bytes` and `items` count what one iteration processes; the anchor prints the same format.

pub mod gen;
pub mod messages;
pub mod timing;

/// The seeded 64-bit generator all inputs are drawn from (SplitMix64).
///
/// Small, fast and fully determined by its seed, so every run and every machine benchmarks the
/// same bytes.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// A number in `low..=high` (modulo reduction; the bias is irrelevant for benchmark data).
    pub fn in_range(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// Fills `buffer` with random bytes.
    pub fn fill(&mut self, buffer: &mut [u8]) {
        for chunk in buffer.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// `N` random bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        self.fill(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn splitmix_is_deterministic_and_in_range() {
        let mut first = SplitMix64::new(7);
        let mut second = SplitMix64::new(7);
        for _ in 0..1000 {
            let value = first.in_range(1, 4 << 20);
            assert_eq!(value, second.in_range(1, 4 << 20));
            assert!((1..=4 << 20).contains(&value));
        }
        assert_eq!(first.in_range(0, u64::MAX), second.next_u64());
        let mut odd = [0u8; 13];
        first.fill(&mut odd);
        assert_ne!(odd, [0; 13]);
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        let mut random = SplitMix64::new(0);
        assert_eq!(random.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(random.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
