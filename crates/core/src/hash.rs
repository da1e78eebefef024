//! Fixed-size SHA-1 and SHA-256 digests: [`Sha1Hash`] and [`Sha256Hash`].

use std::{fmt, str::FromStr};

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    error::{HexError, LengthError},
    hex,
};

/// Defines a digest newtype over `[u8; $len]` with its conversions, formatting and serde.
macro_rules! define_hash {
    ($(#[$meta:meta])* $name:ident, $len:literal, $hex_example:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length of the digest in bytes.
            pub const LEN: usize = $len;

            /// Wraps raw digest bytes.
            #[must_use]
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw digest bytes.
            #[must_use]
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Whether every byte is zero (the [`Default`] value, often meaning "not set").
            #[must_use]
            pub fn is_zero(&self) -> bool {
                self.0.iter().all(|&byte| byte == 0)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self([0; $len])
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }

        impl From<$name> for [u8; $len] {
            fn from(hash: $name) -> Self {
                hash.0
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = LengthError;

            fn try_from(bytes: &[u8]) -> Result<Self, LengthError> {
                <[u8; $len]>::try_from(bytes)
                    .map(Self)
                    .map_err(|_| LengthError::new($len, bytes.len()))
            }
        }

        /// Lowercase hex.
        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                hex::write_hex(formatter, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, concat!(stringify!($name), "({})"), self)
            }
        }

        #[doc = concat!("Parses exactly ", stringify!($len), " bytes written as hex digits of either case.")]
        ///
        /// # Examples
        /// ```
        #[doc = concat!("let hash: lt_core::", stringify!($name), " = \"", $hex_example, "\".parse()?;")]
        #[doc = concat!("assert_eq!(hash.to_string(), \"", $hex_example, "\");")]
        #[doc = concat!("assert!(\"abc\".parse::<lt_core::", stringify!($name), ">().is_err());")]
        /// # Ok::<(), lt_core::HexError>(())
        /// ```
        impl FromStr for $name {
            type Err = HexError;

            fn from_str(text: &str) -> Result<Self, HexError> {
                hex::decode_hex(text).map(Self)
            }
        }

        /// A hex string in human-readable formats (JSON), raw bytes otherwise (bencode, binary).
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    serializer.collect_str(self)
                } else {
                    serializer.serialize_bytes(&self.0)
                }
            }
        }

        /// Hex text from human-readable formats; raw bytes (a byte string or `u8` sequence)
        /// from the others.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct HashVisitor;

                impl<'de> de::Visitor<'de> for HashVisitor {
                    type Value = $name;

                    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                        formatter.write_str(concat!(
                            stringify!($len),
                            " bytes, raw or as hex digits"
                        ))
                    }

                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$name, E> {
                        text.parse().map_err(E::custom)
                    }

                    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<$name, E> {
                        $name::try_from(bytes).map_err(E::custom)
                    }

                    fn visit_seq<A: de::SeqAccess<'de>>(
                        self,
                        mut sequence: A,
                    ) -> Result<$name, A::Error> {
                        let mut bytes = [0u8; $len];
                        for (count, byte) in bytes.iter_mut().enumerate() {
                            *byte = sequence
                                .next_element()?
                                .ok_or_else(|| de::Error::invalid_length(count, &HashVisitor))?;
                        }
                        if sequence.next_element::<de::IgnoredAny>()?.is_some() {
                            return Err(de::Error::invalid_length($len + 1, &HashVisitor));
                        }
                        Ok($name(bytes))
                    }
                }

                if deserializer.is_human_readable() {
                    deserializer.deserialize_str(HashVisitor)
                } else {
                    deserializer.deserialize_bytes(HashVisitor)
                }
            }
        }
    };
}

define_hash! {
    /// A 20-byte SHA-1 digest: a v1 info-hash, a v1 piece hash, a DHT node id.
    ///
    /// `Display` and `Debug` show lowercase hex; [`FromStr`] takes 40 hex digits of either case.
    /// [`Sha1Hash::digest`] hashes a buffer in one call.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha1Hash;
    ///
    /// let hash = Sha1Hash::digest(b"abc");
    /// assert_eq!(hash.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
    /// assert_eq!(Sha1Hash::try_from(&hash.as_bytes()[..])?, hash);
    /// # Ok::<(), lt_core::LengthError>(())
    /// ```
    Sha1Hash, 20, "a9993e364706816aba3e25717850c26c9cd0d89d"
}

define_hash! {
    /// A 32-byte SHA-256 digest: a v2 info-hash, a v2 merkle tree node or piece layer hash.
    ///
    /// `Display` and `Debug` show lowercase hex; [`FromStr`] takes 64 hex digits of either case.
    /// [`Sha256Hash::digest`] hashes a buffer in one call.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha256Hash;
    ///
    /// let hash = Sha256Hash::digest(b"abc");
    /// assert_eq!(
    ///     hash.to_string(),
    ///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    /// );
    /// ```
    Sha256Hash, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
}

impl Sha256Hash {
    /// The first 20 bytes, as a v2 info-hash is shortened for the peer handshake, trackers and
    /// the DHT (BEP 52).
    ///
    /// # Examples
    /// ```
    /// let v2 = lt_core::Sha256Hash::from_bytes([7; 32]);
    /// assert_eq!(v2.truncated().as_bytes(), &[7; 20]);
    /// ```
    #[must_use]
    pub fn truncated(&self) -> Sha1Hash {
        let mut prefix = [0u8; Sha1Hash::LEN];
        prefix
            .iter_mut()
            .zip(self.0.iter())
            .for_each(|(to, from)| *to = *from);
        Sha1Hash(prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{from_raw_bytes, to_raw_bytes};

    const SHA1_ABC: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";
    const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn hex_round_trips_in_both_cases() {
        let hash: Sha1Hash = SHA1_ABC.parse().unwrap();
        assert_eq!(hash.to_string(), SHA1_ABC);
        assert_eq!(SHA1_ABC.to_uppercase().parse::<Sha1Hash>(), Ok(hash));
        let hash: Sha256Hash = SHA256_ABC.parse().unwrap();
        assert_eq!(hash.to_string(), SHA256_ABC);
        assert_eq!(SHA256_ABC.to_uppercase().parse::<Sha256Hash>(), Ok(hash));
        assert_eq!(format!("{hash:?}"), format!("Sha256Hash({SHA256_ABC})"));
    }

    #[test]
    fn bad_hex_is_a_typed_error() {
        assert_eq!(
            SHA256_ABC.parse::<Sha1Hash>(),
            Err(HexError::InvalidLength {
                expected: 40,
                actual: 64
            })
        );
        let mut bad = SHA1_ABC.to_owned();
        bad.replace_range(5..6, "z");
        assert_eq!(
            bad.parse::<Sha1Hash>(),
            Err(HexError::InvalidDigit { offset: 5 })
        );
        assert!("".parse::<Sha256Hash>().is_err());
    }

    #[test]
    fn slices_of_the_wrong_length_are_rejected() {
        assert_eq!(
            Sha1Hash::try_from(&[0u8; 19][..]),
            Err(LengthError::new(20, 19))
        );
        assert_eq!(
            Sha256Hash::try_from(&[0u8; 33][..]),
            Err(LengthError::new(32, 33))
        );
        assert_eq!(
            Sha1Hash::try_from(&[1u8; 20][..]),
            Ok(Sha1Hash::from_bytes([1; 20]))
        );
    }

    #[test]
    fn default_is_zero_and_ordering_is_bytewise() {
        assert!(Sha1Hash::default().is_zero());
        assert!(!Sha1Hash::from_bytes([
            0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        ])
        .is_zero());
        assert!(Sha1Hash::from_bytes([1; 20]) < Sha1Hash::from_bytes([2; 20]));
    }

    #[test]
    fn truncation_keeps_the_first_twenty_bytes() {
        let hash: Sha256Hash = SHA256_ABC.parse().unwrap();
        assert_eq!(hash.truncated().to_string(), &SHA256_ABC[..40]);
    }

    #[test]
    fn serde_uses_hex_for_json() {
        let hash: Sha1Hash = SHA1_ABC.parse().unwrap();
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{SHA1_ABC}\""));
        assert_eq!(serde_json::from_str::<Sha1Hash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<Sha1Hash>("\"00\"").is_err());
        assert!(serde_json::from_str::<Sha1Hash>("[1, 2]").is_err());
    }

    #[test]
    fn serde_uses_raw_bytes_for_binary_formats() {
        let hash: Sha256Hash = SHA256_ABC.parse().unwrap();
        let bytes = to_raw_bytes(&hash).unwrap();
        assert_eq!(bytes, hash.as_bytes());
        assert_eq!(from_raw_bytes::<Sha256Hash>(&bytes).unwrap(), hash);
        assert!(from_raw_bytes::<Sha256Hash>(&bytes[..31]).is_err());
    }
}
