//! Random values for peer ids, picker seeds and MSE keys, from the standard library's randomly
//! keyed hasher (no extra dependency; these need to be unpredictable, not cryptographic-grade
//! secret keys beyond what MSE's obfuscation asks).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// A random 64-bit value.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x6c74);
    hasher.finish()
}

/// `N` random bytes.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    for chunk in bytes.chunks_mut(8) {
        let word = random_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_differ() {
        assert_ne!(random_u64(), random_u64());
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
        assert_eq!(random_bytes::<5>().len(), 5);
    }
}
