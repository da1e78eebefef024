//! Diffie–Hellman over MSE's 768-bit prime, generator 2, and the hashes derived from the shared
//! secret (`req1`, `req2`, `req3`, `keyA`, `keyB`).
//!
//! The modular exponentiation is `num-bigint`'s `BigUint::modpow`. Public keys and the secret go
//! on the wire and into the hashes as 96 big-endian bytes, zero-padded on the left, as libtorrent's
//! `export_key` writes them.

use lt_core::{Sha1Hash, Sha1Hasher};
use num_bigint::BigUint;

/// The length of a public key and of the shared secret on the wire.
pub(crate) const KEY_LEN: usize = 96;

/// The private exponent's length: 160 bits, what the MSE spec recommends ("anything beyond 180
/// bits is not believed to add any further security"). libtorrent draws 768 bits; the peer
/// cannot tell the difference, and the exponentiation is about five times cheaper.
pub(crate) const PRIVATE_KEY_LEN: usize = 20;

/// P, the 768-bit MODP prime of RFC 2409 (Oakley group 1), big-endian.
const PRIME: [u8; KEY_LEN] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68, 0xC2, 0x34,
    0xC4, 0xC6, 0x62, 0x8B, 0x80, 0xDC, 0x1C, 0xD1, 0x29, 0x02, 0x4E, 0x08, 0x8A, 0x67, 0xCC, 0x74,
    0x02, 0x0B, 0xBE, 0xA6, 0x3B, 0x13, 0x9B, 0x22, 0x51, 0x4A, 0x08, 0x79, 0x8E, 0x34, 0x04, 0xDD,
    0xEF, 0x95, 0x19, 0xB3, 0xCD, 0x3A, 0x43, 0x1B, 0x30, 0x2B, 0x0A, 0x6D, 0xF2, 0x5F, 0x14, 0x37,
    0x4F, 0xE1, 0x35, 0x6D, 0x6D, 0x51, 0xC2, 0x45, 0xE4, 0x85, 0xB5, 0x76, 0x62, 0x5E, 0x7E, 0xC6,
    0xF4, 0x4C, 0x42, 0xE9, 0xA6, 0x3A, 0x36, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x05, 0x63,
];

/// The generator G.
const GENERATOR: u32 = 2;

/// One side's key pair: a private exponent and `G^x mod P`.
pub(crate) struct DhKeyPair {
    private: BigUint,
    public: [u8; KEY_LEN],
}

impl std::fmt::Debug for DhKeyPair {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DhKeyPair").finish_non_exhaustive()
    }
}

impl DhKeyPair {
    /// The key pair for the private exponent `private` (big-endian).
    pub(crate) fn new(private: &[u8; PRIVATE_KEY_LEN]) -> Self {
        let private = BigUint::from_bytes_be(private);
        let public = BigUint::from(GENERATOR).modpow(&private, &prime());
        Self {
            public: to_key_bytes(&public),
            private,
        }
    }

    /// `Y = G^x mod P`, as sent on the wire.
    pub(crate) fn public_key(&self) -> &[u8; KEY_LEN] {
        &self.public
    }

    /// `S = Y_remote^x mod P`. Any 96 bytes are accepted, as libtorrent accepts them: a key at or
    /// above P is reduced, and a degenerate one (0, 1, P − 1) only weakens this connection's
    /// obfuscation, which a peer could do anyway by publishing its secret.
    pub(crate) fn shared_secret(&self, remote_public: &[u8; KEY_LEN]) -> SharedSecret {
        let remote = BigUint::from_bytes_be(remote_public);
        SharedSecret(to_key_bytes(&remote.modpow(&self.private, &prime())))
    }
}

/// S, the shared secret, as 96 big-endian bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SharedSecret(pub(crate) [u8; KEY_LEN]);

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SharedSecret(..)")
    }
}

impl SharedSecret {
    /// `HASH('req1', S)`: the initiator's synchronisation point.
    pub(crate) fn sync_hash(&self) -> Sha1Hash {
        hash(&[b"req1", &self.0])
    }

    /// `HASH('req3', S)`: the mask over the obfuscated info-hash.
    pub(crate) fn stream_key_mask(&self) -> Sha1Hash {
        hash(&[b"req3", &self.0])
    }

    /// `HASH('keyA', S, SKEY)`: the key of the initiator's outgoing stream.
    pub(crate) fn key_a(&self, info_hash: &Sha1Hash) -> Sha1Hash {
        hash(&[b"keyA", &self.0, info_hash.as_bytes()])
    }

    /// `HASH('keyB', S, SKEY)`: the key of the responder's outgoing stream.
    pub(crate) fn key_b(&self, info_hash: &Sha1Hash) -> Sha1Hash {
        hash(&[b"keyB", &self.0, info_hash.as_bytes()])
    }
}

/// `HASH('req2', SKEY)`: what the initiator masks with `HASH('req3', S)`.
pub(crate) fn stream_key_hash(info_hash: &Sha1Hash) -> Sha1Hash {
    hash(&[b"req2", info_hash.as_bytes()])
}

/// The byte-wise xor of two hashes.
pub(crate) fn xor(left: &Sha1Hash, right: &Sha1Hash) -> Sha1Hash {
    let mut out = *left.as_bytes();
    for (byte, mask) in out.iter_mut().zip(right.as_bytes()) {
        *byte ^= mask;
    }
    Sha1Hash::from_bytes(out)
}

fn hash(parts: &[&[u8]]) -> Sha1Hash {
    let mut hasher = Sha1Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

fn prime() -> BigUint {
    BigUint::from_bytes_be(&PRIME)
}

/// Writes `value` (below P) as 96 big-endian bytes, zero-padded on the left.
fn to_key_bytes(value: &BigUint) -> [u8; KEY_LEN] {
    let digits = value.to_bytes_be();
    let mut out = [0u8; KEY_LEN];
    // `value < P < 2^768`, so `digits` has at most 96 bytes.
    let start = KEY_LEN.saturating_sub(digits.len());
    out[start..].copy_from_slice(&digits[digits.len().saturating_sub(KEY_LEN)..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Computed with Python 3 from the spec, independently of this code:
    ///
    /// ```text
    /// P = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22"
    ///         "514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6"
    ///         "F44C42E9A63A36210000000000090563", 16)
    /// xa = int.from_bytes(bytes(range(1, 21)), "big")
    /// xb = int.from_bytes(bytes(range(101, 121)), "big")
    /// ya, yb = pow(2, xa, P), pow(2, xb, P)
    /// s = pow(yb, xa, P).to_bytes(96, "big")
    /// hashlib.sha1(b"req1" + s), hashlib.sha1(b"keyA" + s + bytes([0xaa] * 20)), …
    /// ```
    #[test]
    fn known_answer() {
        let private_a: [u8; 20] = std::array::from_fn(|index| index as u8 + 1);
        let private_b: [u8; 20] = std::array::from_fn(|index| index as u8 + 101);
        let a = DhKeyPair::new(&private_a);
        let b = DhKeyPair::new(&private_b);
        assert_eq!(hex(&a.public_key()[..16]), KAT_YA_PREFIX);
        assert_eq!(hex(&b.public_key()[..16]), KAT_YB_PREFIX);
        let secret = a.shared_secret(b.public_key());
        assert_eq!(secret, b.shared_secret(a.public_key()));
        assert_eq!(hex(&secret.0[..16]), KAT_S_PREFIX);
        let info_hash = Sha1Hash::from_bytes([0xaa; 20]);
        assert_eq!(secret.sync_hash().to_string(), KAT_REQ1);
        assert_eq!(secret.stream_key_mask().to_string(), KAT_REQ3);
        assert_eq!(stream_key_hash(&info_hash).to_string(), KAT_REQ2);
        assert_eq!(secret.key_a(&info_hash).to_string(), KAT_KEY_A);
        assert_eq!(secret.key_b(&info_hash).to_string(), KAT_KEY_B);
    }

    const KAT_YA_PREFIX: &str = "96e112dab29e8c5272accb9b17b26887";
    const KAT_YB_PREFIX: &str = "d32ae8cedd0de9ca4fe67e35626bb8c7";
    const KAT_S_PREFIX: &str = "d05ed96a95215a89b44073afe5d0b162";
    const KAT_REQ1: &str = "78fffb0f23055a793ff7609f359e04e383ec3505";
    const KAT_REQ2: &str = "c9b0599dfa950cfbde978efc6aa0588f510fa315";
    const KAT_REQ3: &str = "3b47152f695ef0d8d12be9fba7fd92922faf45e8";
    const KAT_KEY_A: &str = "f96b90ee5ebae8fd746504f39ca99f9fa0211df3";
    const KAT_KEY_B: &str = "d8fe0e34073e9cb07e0c6fcd29d12fdb0d19b851";

    #[test]
    fn small_values_are_left_padded() {
        let bytes = to_key_bytes(&BigUint::from(0x0102u32));
        assert_eq!(bytes[..94], [0; 94]);
        assert_eq!(bytes[94..], [1, 2]);
        // The prime itself round-trips.
        assert_eq!(to_key_bytes(&prime()), PRIME);
    }
}
