//! Why an MSE/PE handshake failed, with libtorrent's error codes.

use super::CryptoMode;

/// libtorrent's `errors::error_code_enum` name, value and message for one failure.
type Code = (&'static str, i32, &'static str);

crate::error::libtorrent_code_accessors!(MseError);

/// The encrypted handshake failed, or the connection's kind (plain or encrypted) is not allowed.
///
/// [`code_name`](Self::code_name) gives libtorrent's name; each message starts with libtorrent's
/// text for that code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MseError {
    /// The responder did not find `HASH('req1', S)` within PadA's 512 bytes after the peer's key.
    #[error("sync hash not found (none in the {searched_bytes} bytes after the peer's key)")]
    SyncHashNotFound {
        /// Pad bytes searched.
        searched_bytes: usize,
    },
    /// The initiator did not find the encrypted verification constant within PadB's 512 bytes,
    /// or the responder decrypted a VC that is not eight zero bytes.
    #[error("unable to verify encryption constant ({reason})")]
    InvalidEncryptionConstant {
        /// Which of the two.
        reason: &'static str,
    },
    /// We accept only plaintext and the peer's `crypto_provide` lacks it.
    #[error("plaintext mode not provided (crypto_provide {provided:#x})")]
    NoPlaintextMode {
        /// The peer's `crypto_provide`.
        provided: u32,
    },
    /// We accept only RC4 and the peer's `crypto_provide` lacks it.
    #[error("rc4 mode not provided (crypto_provide {provided:#x})")]
    NoRc4Mode {
        /// The peer's `crypto_provide`.
        provided: u32,
    },
    /// The peer's `crypto_provide` has no mode we know of.
    #[error("unsupported encryption mode (crypto_provide {provided:#x})")]
    UnsupportedEncryptionMode {
        /// The peer's `crypto_provide`.
        provided: u32,
    },
    /// The responder's `crypto_select` is not exactly one of the modes we provided.
    #[error("peer selected unsupported encryption mode (crypto_select {selected:#x}, we provided {provided:#x})")]
    UnsupportedEncryptionModeSelected {
        /// The peer's `crypto_select`.
        selected: u32,
        /// Our `crypto_provide`.
        provided: u32,
    },
    /// `len(PadC)` or `len(PadD)` is above 512.
    #[error("invalid encryption pad size ({length} bytes, limit 512)")]
    InvalidPadSize {
        /// The announced pad length.
        length: u16,
    },
    /// `len(IA)` is above what libtorrent accepts (32,767: it reads a signed 16-bit number).
    #[error("invalid encryption handshake (initial payload of {length} bytes)")]
    InvalidEncryptHandshake {
        /// The announced initial payload length.
        length: u16,
    },
    /// The obfuscated info-hash names no torrent we have (libtorrent: `invalid_info_hash`).
    #[error("invalid info-hash (the obfuscated info-hash matches no torrent)")]
    UnknownStreamKey,
    /// An encrypted incoming connection while `in_enc_policy` is `pe_disabled`.
    #[error("incoming encrypted connections disabled")]
    NoIncomingEncrypted,
    /// A plaintext incoming connection while `in_enc_policy` is `pe_forced`.
    #[error("incoming regular connections disabled")]
    NoIncomingRegular,
}

impl MseError {
    fn libtorrent_code(&self) -> Code {
        match self {
            MseError::SyncHashNotFound { .. } => ("sync_hash_not_found", 69, "sync hash not found"),
            MseError::InvalidEncryptionConstant { .. } => (
                "invalid_encryption_constant",
                70,
                "unable to verify encryption constant",
            ),
            MseError::NoPlaintextMode { .. } => {
                ("no_plaintext_mode", 71, "plaintext mode not provided")
            }
            MseError::NoRc4Mode { .. } => ("no_rc4_mode", 72, "rc4 mode not provided"),
            MseError::UnsupportedEncryptionMode { .. } => (
                "unsupported_encryption_mode",
                73,
                "unsupported encryption mode",
            ),
            MseError::UnsupportedEncryptionModeSelected { .. } => (
                "unsupported_encryption_mode_selected",
                74,
                "peer selected unsupported encryption mode",
            ),
            MseError::InvalidPadSize { .. } => {
                ("invalid_pad_size", 75, "invalid encryption pad size")
            }
            MseError::InvalidEncryptHandshake { .. } => (
                "invalid_encrypt_handshake",
                76,
                "invalid encryption handshake",
            ),
            MseError::UnknownStreamKey => ("invalid_info_hash", 39, "invalid info-hash"),
            MseError::NoIncomingEncrypted => (
                "no_incoming_encrypted",
                77,
                "incoming encrypted connections disabled",
            ),
            MseError::NoIncomingRegular => (
                "no_incoming_regular",
                78,
                "incoming regular connections disabled",
            ),
        }
    }

    /// The error for a `crypto_provide` that has none of the modes we accept.
    pub(crate) fn no_common_mode(provided: u32, accepted: &[CryptoMode]) -> MseError {
        match accepted {
            [CryptoMode::Plaintext] => MseError::NoPlaintextMode { provided },
            [CryptoMode::Rc4] => MseError::NoRc4Mode { provided },
            _ => MseError::UnsupportedEncryptionMode { provided },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_starts_with_libtorrents_text() {
        let all = [
            MseError::SyncHashNotFound {
                searched_bytes: 512,
            },
            MseError::InvalidEncryptionConstant { reason: "x" },
            MseError::NoPlaintextMode { provided: 2 },
            MseError::NoRc4Mode { provided: 1 },
            MseError::UnsupportedEncryptionMode { provided: 0 },
            MseError::UnsupportedEncryptionModeSelected {
                selected: 3,
                provided: 3,
            },
            MseError::InvalidPadSize { length: 513 },
            MseError::InvalidEncryptHandshake { length: 40_000 },
            MseError::UnknownStreamKey,
            MseError::NoIncomingEncrypted,
            MseError::NoIncomingRegular,
        ];
        let mut values: Vec<i32> = all.iter().map(MseError::code).collect();
        for error in &all {
            assert!(
                error.to_string().starts_with(error.libtorrent_code().2),
                "{error}"
            );
        }
        values.dedup();
        assert_eq!(values, [69, 70, 71, 72, 73, 74, 75, 76, 39, 77, 78]);
    }
}
