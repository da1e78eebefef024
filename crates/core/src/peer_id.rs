//! [`PeerId`]: the 20 bytes a peer names itself with in the handshake and in announces.

use std::{
    fmt,
    hash::{BuildHasher, Hasher},
    str::FromStr,
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    error::{LengthError, PeerIdParseError},
    fingerprint::{self, ClientFingerprint},
    hex,
};

/// A peer id (BEP 3, conventions in BEP 20).
///
/// Clients put an Azureus-style fingerprint such as `-LT2010-` (libtorrent 2.0.1) in the first
/// eight bytes and random characters after it; [`client`](Self::client) reads the common
/// fingerprints back. This crate's own prefix is [`PeerId::CLIENT_PREFIX`].
///
/// `Display` writes the bytes as text: printable ASCII as is, a backslash as `\\`, anything else
/// as `\xNN`. [`FromStr`] reads that form back, and also takes 40 hex digits. With serde it is
/// that text in human-readable formats (JSON) and the raw 20 bytes otherwise (bencode).
///
/// # Examples
/// ```
/// use lt_core::PeerId;
///
/// let peer_id = PeerId::with_prefix(*b"-TR4040-", [0; 12]);
/// assert_eq!(peer_id.to_string(), "-TR4040-000000000000");
/// assert_eq!(peer_id.client().map(|client| client.to_string()).as_deref(), Some("Transmission 4.0.4"));
/// assert_eq!("-TR4040-000000000000".parse::<PeerId>()?, peer_id);
/// # Ok::<(), lt_core::PeerIdParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PeerId([u8; 20]);

/// Characters of generated tails: unreserved in URLs, so trackers see them unescaped.
const TAIL_ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl PeerId {
    /// Length of a peer id in bytes.
    pub const LEN: usize = 20;

    /// The Azureus-style prefix of peer ids made by [`generate`](Self::generate): client code
    /// `LR` ("lt", Rust), version 0.1.0.0.
    ///
    /// `LR` is not assigned in the client tables of libtorrent, Transmission or BEP 20's
    /// references, and differs from `LT` (libtorrent-rasterbar), `lt` (rakshasa's libTorrent) and
    /// `rQ` (rqbit). [`client`](Self::client) names it `lt`.
    pub const CLIENT_PREFIX: [u8; 8] = *b"-LR0100-";

    /// Wraps 20 raw bytes, as received in a handshake.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// A peer id of `prefix` followed by 12 characters chosen by `random`.
    ///
    /// Each random byte selects one of the 62 ASCII letters and digits, so the id stays
    /// printable and URL-safe, as libtorrent's are. Pass bytes from a cryptographic RNG when the
    /// id must not be guessable.
    ///
    /// # Examples
    /// ```
    /// let peer_id = lt_core::PeerId::with_prefix(lt_core::PeerId::CLIENT_PREFIX, [9; 12]);
    /// assert_eq!(peer_id.to_string(), "-LR0100-999999999999");
    /// ```
    #[must_use]
    pub fn with_prefix(prefix: [u8; 8], random: [u8; 12]) -> Self {
        let mut bytes = [0u8; 20];
        let (head, tail) = bytes.split_at_mut(prefix.len());
        head.copy_from_slice(&prefix);
        for (character, random_byte) in tail.iter_mut().zip(random) {
            *character = TAIL_ALPHABET[usize::from(random_byte) % TAIL_ALPHABET.len()];
        }
        Self(bytes)
    }

    /// A fresh peer id with [`CLIENT_PREFIX`](Self::CLIENT_PREFIX) and a 12-character tail.
    ///
    /// The tail comes from std only: the per-process random keys of
    /// [`RandomState`](std::hash::RandomState), the system clock and a counter. That makes ids
    /// differ between calls and runs, but it is **not cryptographically random**; use
    /// [`with_prefix`](Self::with_prefix) with a real RNG where that matters.
    ///
    /// # Examples
    /// ```
    /// let peer_id = lt_core::PeerId::generate();
    /// assert!(peer_id.as_bytes().starts_with(b"-LR0100-"));
    /// assert_ne!(peer_id, lt_core::PeerId::generate());
    /// ```
    #[must_use]
    pub fn generate() -> Self {
        Self::with_prefix(Self::CLIENT_PREFIX, std_random_bytes())
    }

    /// The client and version named by the id's fingerprint, if it follows one of the common
    /// conventions: Azureus style (`-TR4040-`), Shadow style (`S58B-----`), Mainline style
    /// (`M7-4-0--`) or aria2's (`A2-1-34-0-`).
    ///
    /// Returns `None` for ids in no known convention; an Azureus-style id with an unknown client
    /// code still gives its code and version.
    ///
    /// # Examples
    /// ```
    /// let peer_id = lt_core::PeerId::from_bytes(*b"-qB4250-abcdefghijkl");
    /// let client = peer_id.client().unwrap();
    /// assert_eq!((client.name, client.version.as_str()), (Some("qBittorrent"), "4.2.5"));
    /// assert_eq!(lt_core::PeerId::from_bytes([0xff; 20]).client(), None);
    /// ```
    #[must_use]
    pub fn client(&self) -> Option<ClientFingerprint> {
        fingerprint::identify(&self.0)
    }
}

/// Twelve bytes that differ between calls and processes, from std only; not cryptographic.
fn std_random_bytes() -> [u8; 12] {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let keys = std::hash::RandomState::new();
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let mut random = [0u8; 12];
    for (chunk_number, chunk) in (0u64..).zip(random.chunks_mut(8)) {
        let mut hasher = keys.build_hasher();
        hasher.write_u64(call);
        hasher.write_u128(nanos);
        hasher.write_u64(chunk_number);
        for (byte, hashed) in chunk.iter_mut().zip(hasher.finish().to_le_bytes()) {
            *byte = hashed;
        }
    }
    random
}

impl From<[u8; 20]> for PeerId {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl From<PeerId> for [u8; 20] {
    fn from(peer_id: PeerId) -> Self {
        peer_id.0
    }
}

impl AsRef<[u8]> for PeerId {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<&[u8]> for PeerId {
    type Error = LengthError;

    fn try_from(bytes: &[u8]) -> Result<Self, LengthError> {
        <[u8; 20]>::try_from(bytes)
            .map(Self)
            .map_err(|_| LengthError::new(Self::LEN, bytes.len()))
    }
}

/// Printable ASCII as is, `\` as `\\`, other bytes as `\xNN`.
impl fmt::Display for PeerId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in &self.0 {
            match byte {
                b'\\' => formatter.write_str("\\\\")?,
                b' '..=b'~' => write!(formatter, "{}", char::from(byte))?,
                _ => write!(formatter, "\\x{byte:02x}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "PeerId(\"{self}\")")
    }
}

/// Parses 40 hex digits, or the `Display` form (20 bytes once `\\` and `\xNN` are decoded).
impl FromStr for PeerId {
    type Err = PeerIdParseError;

    fn from_str(text: &str) -> Result<Self, PeerIdParseError> {
        if text.len() == 2 * Self::LEN {
            if let Ok(bytes) = hex::decode_hex(text) {
                return Ok(Self(bytes));
            }
        }
        let bytes = unescape(text)?;
        <[u8; 20]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| PeerIdParseError::InvalidLength {
                actual_bytes: bytes.len(),
            })
    }
}

/// Decodes the `\\` and `\xNN` escapes of the `Display` form.
fn unescape(text: &str) -> Result<Vec<u8>, PeerIdParseError> {
    let mut bytes = Vec::with_capacity(PeerId::LEN);
    let mut rest = text.as_bytes();
    let mut offset = 0;
    while let Some((&byte, after)) = rest.split_first() {
        if byte != b'\\' {
            bytes.push(byte);
            rest = after;
            offset += 1;
            continue;
        }
        let (decoded, consumed) = match after {
            [b'\\', ..] => (b'\\', 2),
            [b'x', high, low, ..] => {
                match (hex::hex_digit_value(*high), hex::hex_digit_value(*low)) {
                    (Some(high), Some(low)) => ((high << 4) | low, 4),
                    _ => return Err(PeerIdParseError::InvalidEscape { offset }),
                }
            }
            _ => return Err(PeerIdParseError::InvalidEscape { offset }),
        };
        bytes.push(decoded);
        rest = rest.get(consumed..).unwrap_or_default();
        offset += consumed;
    }
    Ok(bytes)
}

/// The `Display` text in human-readable formats (JSON), the raw 20 bytes otherwise (bencode).
impl Serialize for PeerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_bytes(&self.0)
        }
    }
}

/// The `Display` text or 40 hex digits from human-readable formats; raw bytes (a byte string or
/// `u8` sequence) from the others.
impl<'de> Deserialize<'de> for PeerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PeerIdVisitor;

        impl<'de> de::Visitor<'de> for PeerIdVisitor {
            type Value = PeerId;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a 20-byte peer id")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<PeerId, E> {
                text.parse().map_err(E::custom)
            }

            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<PeerId, E> {
                PeerId::try_from(bytes).map_err(E::custom)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut sequence: A) -> Result<PeerId, A::Error> {
                let mut bytes = [0u8; 20];
                for (count, byte) in bytes.iter_mut().enumerate() {
                    *byte = sequence
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(count, &PeerIdVisitor))?;
                }
                if sequence.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(PeerId::LEN + 1, &PeerIdVisitor));
                }
                Ok(PeerId(bytes))
            }
        }

        if deserializer.is_human_readable() {
            deserializer.deserialize_str(PeerIdVisitor)
        } else {
            deserializer.deserialize_bytes(PeerIdVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{from_raw_bytes, to_raw_bytes};

    #[test]
    fn with_prefix_maps_random_bytes_to_alphanumerics() {
        let peer_id = PeerId::with_prefix(*b"-LT2010-", [0, 10, 36, 61, 62, 255, 0, 0, 0, 0, 0, 0]);
        assert_eq!(peer_id.as_bytes(), b"-LT2010-0aAZ07000000");
    }

    #[test]
    fn generated_ids_carry_our_prefix_and_differ() {
        let first = PeerId::generate();
        let second = PeerId::generate();
        assert_ne!(first, second);
        assert!(first.as_bytes().starts_with(&PeerId::CLIENT_PREFIX));
        assert!(first
            .as_bytes()
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-'));
        let client = first.client().unwrap();
        assert_eq!(
            (client.name, client.version.as_str()),
            (Some("lt"), "0.1.0")
        );
    }

    #[test]
    fn display_escapes_and_parses_back() {
        let mut bytes = *b"-XX0000-\\abcdefghijk";
        bytes[19] = 0;
        bytes[18] = 0xff;
        let peer_id = PeerId::from_bytes(bytes);
        let text = peer_id.to_string();
        assert_eq!(text, "-XX0000-\\\\abcdefghi\\xff\\x00");
        assert_eq!(text.parse::<PeerId>(), Ok(peer_id));
        assert_eq!(format!("{peer_id:?}"), format!("PeerId(\"{text}\")"));
    }

    #[test]
    fn parses_hex_and_rejects_bad_input() {
        let peer_id = PeerId::from_bytes([0xab; 20]);
        assert_eq!("ab".repeat(20).parse::<PeerId>(), Ok(peer_id));
        assert_eq!("AB".repeat(20).parse::<PeerId>(), Ok(peer_id));
        assert_eq!(
            "short".parse::<PeerId>(),
            Err(PeerIdParseError::InvalidLength { actual_bytes: 5 })
        );
        assert_eq!(
            "-XX0000-abcdefghijk\\q".parse::<PeerId>(),
            Err(PeerIdParseError::InvalidEscape { offset: 19 })
        );
        assert_eq!(
            "-XX0000-abcdefghijk\\x4".parse::<PeerId>(),
            Err(PeerIdParseError::InvalidEscape { offset: 19 })
        );
        assert_eq!(
            PeerId::try_from(&[0u8; 21][..]),
            Err(LengthError::new(20, 21))
        );
    }

    #[test]
    fn serde_is_text_for_json_and_bytes_otherwise() {
        let peer_id = PeerId::from_bytes(*b"-LT2010-abcdefghijkl");
        let json = serde_json::to_string(&peer_id).unwrap();
        assert_eq!(json, "\"-LT2010-abcdefghijkl\"");
        assert_eq!(serde_json::from_str::<PeerId>(&json).unwrap(), peer_id);
        let raw = to_raw_bytes(&peer_id).unwrap();
        assert_eq!(raw, peer_id.as_bytes());
        assert_eq!(from_raw_bytes::<PeerId>(&raw).unwrap(), peer_id);
        assert!(from_raw_bytes::<PeerId>(&raw[..19]).is_err());
    }
}
