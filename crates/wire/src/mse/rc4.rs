//! RC4 with the first 1024 bytes of keystream discarded, as MSE uses it, and the pair of streams
//! (one per direction) an encrypted connection keeps.
//!
//! The cipher is RustCrypto's `rc4` crate; this module only fixes the key size (MSE keys are
//! SHA-1 digests, 20 bytes) and drops the first 1024 bytes, as libtorrent's
//! `rc4_handler::set_incoming_key` / `set_outgoing_key` do.

use std::fmt;

use lt_core::Sha1Hash;
use rc4::consts::U20;
use rc4::{KeyInit, StreamCipher};

/// Keystream bytes thrown away after keying (RC4-drop1024).
pub const RC4_DISCARD: usize = 1024;

/// One direction of an RC4-drop1024 stream: encrypting and decrypting are the same xor.
pub struct Rc4Drop1024 {
    cipher: rc4::Rc4<U20>,
}

impl fmt::Debug for Rc4Drop1024 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Rc4Drop1024")
            .finish_non_exhaustive()
    }
}

impl Rc4Drop1024 {
    /// Keys RC4 with the 20-byte `key` and discards the first 1024 keystream bytes.
    ///
    /// # Examples
    /// ```
    /// use lt_core::Sha1Hash;
    /// use lt_wire::mse::Rc4Drop1024;
    ///
    /// let key = Sha1Hash::from_bytes([7; 20]);
    /// let mut data = *b"hello";
    /// Rc4Drop1024::new(&key).apply(&mut data);
    /// Rc4Drop1024::new(&key).apply(&mut data);
    /// assert_eq!(&data, b"hello");
    /// ```
    #[must_use]
    pub fn new(key: &Sha1Hash) -> Self {
        let mut cipher = rc4::Rc4::<U20>::new(key.as_bytes().into());
        let mut discard = [0u8; RC4_DISCARD];
        cipher.apply_keystream(&mut discard);
        Self { cipher }
    }

    /// Xors the next `data.len()` keystream bytes into `data` (encrypts or decrypts in place).
    pub fn apply(&mut self, data: &mut [u8]) {
        self.cipher.apply_keystream(data);
    }
}

/// Both directions of an RC4-encrypted connection: what we send and what we receive.
///
/// The initiator sends with `HASH('keyA', S, SKEY)` and receives with `HASH('keyB', S, SKEY)`;
/// the responder the other way round.
#[derive(Debug)]
pub struct Rc4Pair {
    outgoing: Rc4Drop1024,
    incoming: Rc4Drop1024,
}

impl Rc4Pair {
    /// A pair from the two keys.
    #[must_use]
    pub fn new(outgoing_key: &Sha1Hash, incoming_key: &Sha1Hash) -> Self {
        Self {
            outgoing: Rc4Drop1024::new(outgoing_key),
            incoming: Rc4Drop1024::new(incoming_key),
        }
    }

    /// Encrypts bytes about to be sent, in place.
    pub fn encrypt(&mut self, data: &mut [u8]) {
        self.outgoing.apply(data);
    }

    /// Decrypts received bytes, in place.
    pub fn decrypt(&mut self, data: &mut [u8]) {
        self.incoming.apply(data);
    }

    /// The two streams, `(outgoing, incoming)`, for a driver that reads and writes on separate
    /// tasks.
    #[must_use]
    pub fn split(self) -> (Rc4Drop1024, Rc4Drop1024) {
        (self.outgoing, self.incoming)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The key is `HASH('keyA', S, SKEY)` of `dh::tests::known_answer`. The expected keystream
    /// was computed with Python's `cryptography` (ARC4 over 1024 + 32 zero bytes, keeping the
    /// last 32) and checked against a ten-line pure-Python RC4 (KSA + PRGA from the textbook).
    #[test]
    fn known_answer_drop1024() {
        let key: Sha1Hash = "f96b90ee5ebae8fd746504f39ca99f9fa0211df3".parse().unwrap();
        let mut stream = [0u8; 32];
        Rc4Drop1024::new(&key).apply(&mut stream);
        assert_eq!(
            hex(&stream),
            "e50e282022084479e72308e7a3a4e880675d22935528b4ece2fc260e94717df3"
        );
    }

    #[test]
    fn keystream_is_continuous_across_calls() {
        let key = Sha1Hash::from_bytes([3; 20]);
        let mut whole = [0u8; 100];
        Rc4Drop1024::new(&key).apply(&mut whole);
        let mut pieces = [0u8; 100];
        let mut cipher = Rc4Drop1024::new(&key);
        for chunk in pieces.chunks_mut(7) {
            cipher.apply(chunk);
        }
        assert_eq!(whole, pieces);
    }

    #[test]
    fn pairs_mirror_each_other() {
        let (key_a, key_b) = (Sha1Hash::from_bytes([1; 20]), Sha1Hash::from_bytes([2; 20]));
        let mut initiator = Rc4Pair::new(&key_a, &key_b);
        let mut responder = Rc4Pair::new(&key_b, &key_a);
        let mut message = *b"\x13BitTorrent protocol";
        initiator.encrypt(&mut message);
        assert_ne!(&message, b"\x13BitTorrent protocol");
        responder.decrypt(&mut message);
        assert_eq!(&message, b"\x13BitTorrent protocol");
    }
}
