//! Incremental SHA-1 and SHA-256 hashing ([`Sha1Hasher`], [`Sha256Hasher`]), one-shot digests and
//! CPU SHA-extension detection.
//!
//! The work is done by the RustCrypto `sha1` and `sha2` 0.10 crates. On x86 and x86-64 they check
//! the CPU once at run time (through `cpufeatures`) and use the SHA-NI instructions when present,
//! falling back to portable code otherwise; on aarch64 `sha1` is portable code, and so is `sha2`
//! unless its `asm` feature is enabled (lt does not). [`sha_extensions_available`] reports what the
//! CPU offers.

use std::{fmt, io};

use sha1::Digest as _;

use crate::hash::{Sha1Hash, Sha256Hash};

/// Defines an incremental hasher type wrapping a RustCrypto `Digest` implementation.
macro_rules! define_hasher {
    ($(#[$meta:meta])* $name:ident, $state:ty, $hash:ident) => {
        $(#[$meta])*
        #[derive(Clone, Default)]
        pub struct $name {
            state: $state,
        }

        impl $name {
            /// A hasher that has seen no data yet.
            #[must_use]
            pub fn new() -> Self {
                Self::default()
            }

            /// Feeds `data` into the hash; equal to hashing all fed data concatenated.
            pub fn update(&mut self, data: &[u8]) {
                self.state.update(data);
            }

            /// The digest of all data fed so far.
            #[must_use]
            pub fn finalize(self) -> $hash {
                $hash::from_bytes(self.state.finalize().into())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        /// Lets `std::io::copy` stream a reader into the hasher; writing never fails.
        impl io::Write for $name {
            fn write(&mut self, data: &[u8]) -> io::Result<usize> {
                self.update(data);
                Ok(data.len())
            }

            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }

        impl $hash {
            /// Hashes `data` in one call.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let hash = lt_core::", stringify!($hash), "::digest(b\"abc\");")]
            #[doc = concat!("let mut hasher = lt_core::", stringify!($name), "::new();")]
            /// hasher.update(b"a");
            /// hasher.update(b"bc");
            /// assert_eq!(hasher.finalize(), hash);
            /// ```
            #[must_use]
            pub fn digest(data: &[u8]) -> Self {
                let mut hasher = $name::new();
                hasher.update(data);
                hasher.finalize()
            }
        }
    };
}

define_hasher! {
    /// Incremental SHA-1, for v1 piece hashes and v1 info-hashes.
    ///
    /// Uses the CPU's SHA-NI instructions on x86 and x86-64 when present (see
    /// [`sha_extensions_available`]).
    ///
    /// # Examples
    /// ```
    /// use lt_core::{Sha1Hash, Sha1Hasher};
    ///
    /// let mut hasher = Sha1Hasher::new();
    /// hasher.update(b"ab");
    /// hasher.update(b"c");
    /// assert_eq!(hasher.finalize(), "a9993e364706816aba3e25717850c26c9cd0d89d".parse::<Sha1Hash>()?);
    /// # Ok::<(), lt_core::HexError>(())
    /// ```
    Sha1Hasher, sha1::Sha1, Sha1Hash
}

define_hasher! {
    /// Incremental SHA-256, for v2 merkle trees (BEP 52) and v2 info-hashes.
    ///
    /// Uses the CPU's SHA-NI instructions on x86 and x86-64 when present (see
    /// [`sha_extensions_available`]).
    ///
    /// # Examples
    /// ```
    /// use lt_core::{Sha256Hash, Sha256Hasher};
    ///
    /// let mut hasher = Sha256Hasher::new();
    /// hasher.update(b"abc");
    /// assert_eq!(hasher.finalize(), Sha256Hash::digest(b"abc"));
    /// ```
    Sha256Hasher, sha2::Sha256, Sha256Hash
}

/// Whether this CPU has SHA instructions: SHA-NI (`sha`) on x86/x86-64, `sha2` on aarch64; always
/// `false` on other architectures.
///
/// This reports the CPU, not the code path. [`Sha1Hasher`] and [`Sha256Hasher`] use the
/// RustCrypto `sha1` and `sha2` 0.10 crates, which on x86 and x86-64 detect SHA-NI at run time
/// (through `cpufeatures`) and use it when present. On aarch64 `sha1` runs portable code, and so
/// does `sha2` unless its `asm` feature is enabled, which lt does not do.
///
/// # Examples
/// ```
/// println!("SHA extensions: {}", lt_core::sha_extensions_available());
/// ```
#[must_use]
pub fn sha_extensions_available() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("sha")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("sha2")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            Sha1Hash::digest(b"abc").to_string(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            Sha256Hash::digest(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Sha1Hash::digest(b"").to_string(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            Sha256Hash::digest(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|value| (value % 251) as u8).collect();
        for split in [0, 1, 63, 64, 65, 4_096, 9_999, 10_000] {
            let (head, tail) = data.split_at(split);
            let mut sha1 = Sha1Hasher::new();
            let mut sha256 = Sha256Hasher::new();
            for part in [head, tail] {
                sha1.update(part);
                sha256.update(part);
            }
            assert_eq!(sha1.finalize(), Sha1Hash::digest(&data));
            assert_eq!(sha256.finalize(), Sha256Hash::digest(&data));
        }
    }

    #[test]
    fn io_write_feeds_the_hasher() {
        let mut hasher = Sha1Hasher::new();
        io::copy(&mut &b"abc"[..], &mut hasher).unwrap();
        assert_eq!(hasher.finalize(), Sha1Hash::digest(b"abc"));
        assert_eq!(format!("{:?}", Sha256Hasher::new()), "Sha256Hasher { .. }");
    }

    #[test]
    fn detection_does_not_panic() {
        let _ = sha_extensions_available();
    }
}
