//! libtorrent's encryption settings (`out_enc_policy`, `in_enc_policy`, `allowed_enc_level`,
//! `prefer_rc4`) and the decisions they make: which handshake an outgoing connection starts
//! with, whether an incoming one is accepted (told apart by its first bytes), and which
//! `crypto_provide` / `crypto_select` the MSE handshake sends.

use super::{CryptoMode, MseConfig, MseError};
use crate::handshake::is_plaintext_handshake;

/// `settings_pack::enc_policy`: whether encryption is required, tried or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EncPolicy {
    /// `pe_forced`: only encrypted connections; an outgoing connection is never retried in
    /// plaintext and an incoming plaintext one is closed (`no_incoming_regular`).
    Forced,
    /// `pe_enabled` (libtorrent's default): outgoing connections try MSE first and fall back to
    /// plaintext; incoming connections may be either.
    #[default]
    Enabled,
    /// `pe_disabled`: plaintext only; an incoming encrypted connection is closed
    /// (`no_incoming_encrypted`).
    Disabled,
}

/// `settings_pack::enc_level` (`allowed_enc_level`): which modes the MSE handshake offers
/// and accepts for the stream after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EncLevel {
    /// `pe_plaintext` (1): obfuscated handshake, then plaintext.
    Plaintext,
    /// `pe_rc4` (2): RC4 for the whole stream.
    Rc4,
    /// `pe_both` (3, libtorrent's default): either.
    #[default]
    Both,
}

impl EncLevel {
    /// The `crypto_provide` bit field: plaintext is `0x01`, RC4 `0x02`.
    #[must_use]
    pub fn bits(self) -> u32 {
        match self {
            EncLevel::Plaintext => CryptoMode::Plaintext.bit(),
            EncLevel::Rc4 => CryptoMode::Rc4.bit(),
            EncLevel::Both => CryptoMode::Plaintext.bit() | CryptoMode::Rc4.bit(),
        }
    }

    /// The modes of this level.
    #[must_use]
    pub fn modes(self) -> &'static [CryptoMode] {
        match self {
            EncLevel::Plaintext => &[CryptoMode::Plaintext],
            EncLevel::Rc4 => &[CryptoMode::Rc4],
            EncLevel::Both => &[CryptoMode::Plaintext, CryptoMode::Rc4],
        }
    }

    /// The responder's choice from the peer's `crypto_provide`, as libtorrent makes it: the
    /// provided modes we allow, then RC4 if `prefer_rc4` and plaintext otherwise.
    ///
    /// # Errors
    /// [`MseError::NoPlaintextMode`] / [`MseError::NoRc4Mode`] when we allow one mode and the
    /// peer does not provide it; [`MseError::UnsupportedEncryptionMode`] when the peer provides
    /// nothing we know.
    pub fn select(self, provided: u32, prefer_rc4: bool) -> Result<CryptoMode, MseError> {
        let common = provided & self.bits();
        let rc4 = common & CryptoMode::Rc4.bit() != 0;
        let plaintext = common & CryptoMode::Plaintext.bit() != 0;
        match (plaintext, rc4) {
            (true, true) if prefer_rc4 => Ok(CryptoMode::Rc4),
            (true, _) => Ok(CryptoMode::Plaintext),
            (false, true) => Ok(CryptoMode::Rc4),
            (false, false) => Err(MseError::no_common_mode(provided, self.modes())),
        }
    }
}

/// What an incoming connection's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncomingKind {
    /// `\x13BitTorrent protocol`: a plaintext BitTorrent handshake.
    Plaintext,
    /// Anything else: an MSE handshake (the initiator's public key) or garbage, which the MSE
    /// responder will reject.
    Encrypted,
}

/// How to open an outgoing connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutgoingHandshake {
    /// Start with the MSE handshake ([`MseInitiator`](super::MseInitiator)).
    Encrypted,
    /// Send the plaintext BitTorrent handshake.
    Plaintext,
}

/// libtorrent's four encryption settings, with its defaults.
///
/// # Examples
/// ```
/// use lt_wire::mse::{EncPolicy, EncryptionSettings, IncomingKind, OutgoingHandshake};
///
/// let forced = EncryptionSettings { in_enc_policy: EncPolicy::Forced, ..Default::default() };
/// let error = forced.classify_incoming(b"\x13BitTorrent protocol").unwrap_err();
/// assert_eq!(error.code_name(), "no_incoming_regular");
/// assert_eq!(forced.classify_incoming(&[0x8f; 96]), Ok(Some(IncomingKind::Encrypted)));
/// assert_eq!(forced.outgoing_handshake(true), OutgoingHandshake::Encrypted);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EncryptionSettings {
    /// `out_enc_policy`.
    pub out_enc_policy: EncPolicy,
    /// `in_enc_policy`.
    pub in_enc_policy: EncPolicy,
    /// `allowed_enc_level`.
    pub allowed_enc_level: EncLevel,
    /// `prefer_rc4`: a responder offered both modes picks RC4 (libtorrent's default: plaintext).
    pub prefer_rc4: bool,
}

impl EncryptionSettings {
    /// The handshake an outgoing connection starts with. `pe_support` is libtorrent's
    /// per-peer `torrent_peer::pe_support` flag: true until an encrypted attempt to this peer
    /// failed. With `pe_enabled`, a failed encrypted attempt is retried in plaintext (and a
    /// failed plaintext one in MSE), which is what passing the flag reproduces.
    #[must_use]
    pub fn outgoing_handshake(&self, pe_support: bool) -> OutgoingHandshake {
        match self.out_enc_policy {
            EncPolicy::Forced => OutgoingHandshake::Encrypted,
            EncPolicy::Enabled if pe_support => OutgoingHandshake::Encrypted,
            EncPolicy::Enabled | EncPolicy::Disabled => OutgoingHandshake::Plaintext,
        }
    }

    /// Tells an incoming connection apart by its first bytes, and applies `in_enc_policy`.
    /// `Ok(None)` means the bytes so far are a prefix of `\x13BitTorrent protocol`: read more.
    /// The bytes are only looked at; the caller hands the same buffer to the plaintext
    /// handshake or to [`MseResponder`](super::MseResponder).
    ///
    /// # Errors
    /// [`MseError::NoIncomingRegular`] for a plaintext handshake under `pe_forced`;
    /// [`MseError::NoIncomingEncrypted`] for anything else under `pe_disabled`.
    pub fn classify_incoming(&self, first_bytes: &[u8]) -> Result<Option<IncomingKind>, MseError> {
        match (is_plaintext_handshake(first_bytes), self.in_enc_policy) {
            (None, _) => Ok(None),
            (Some(true), EncPolicy::Forced) => Err(MseError::NoIncomingRegular),
            (Some(true), _) => Ok(Some(IncomingKind::Plaintext)),
            (Some(false), EncPolicy::Disabled) => Err(MseError::NoIncomingEncrypted),
            (Some(false), _) => Ok(Some(IncomingKind::Encrypted)),
        }
    }

    /// The MSE handshake configuration these settings imply (pads of 0–512 bytes).
    #[must_use]
    pub fn mse_config(&self) -> MseConfig {
        MseConfig {
            allowed_enc_level: self.allowed_enc_level,
            prefer_rc4: self.prefer_rc4,
            ..MseConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &[u8] = b"\x13BitTorrent protocol";

    #[test]
    fn selection_follows_libtorrent() {
        use CryptoMode::{Plaintext, Rc4};
        assert_eq!(EncLevel::Both.select(3, false), Ok(Plaintext));
        assert_eq!(EncLevel::Both.select(3, true), Ok(Rc4));
        assert_eq!(EncLevel::Both.select(2, false), Ok(Rc4));
        assert_eq!(EncLevel::Rc4.select(3, false), Ok(Rc4));
        assert_eq!(EncLevel::Plaintext.select(0xff, true), Ok(Plaintext));
        let code =
            |level: EncLevel, provided| level.select(provided, false).unwrap_err().code_name();
        assert_eq!(code(EncLevel::Plaintext, 2), "no_plaintext_mode");
        assert_eq!(code(EncLevel::Rc4, 1), "no_rc4_mode");
        assert_eq!(code(EncLevel::Both, 0), "unsupported_encryption_mode");
        assert_eq!(code(EncLevel::Both, 0x04), "unsupported_encryption_mode");
    }

    #[test]
    fn incoming_policy_by_first_bytes() {
        for policy in [EncPolicy::Forced, EncPolicy::Enabled, EncPolicy::Disabled] {
            let settings = EncryptionSettings {
                in_enc_policy: policy,
                ..Default::default()
            };
            // A prefix of the protocol string decides nothing yet.
            assert_eq!(settings.classify_incoming(&PLAIN[..7]), Ok(None));
            let plain = settings.classify_incoming(PLAIN);
            let encrypted = settings.classify_incoming(&[0x13, b'B', 0x00]);
            match policy {
                EncPolicy::Forced => {
                    assert_eq!(plain, Err(MseError::NoIncomingRegular));
                    assert_eq!(encrypted, Ok(Some(IncomingKind::Encrypted)));
                }
                EncPolicy::Enabled => {
                    assert_eq!(plain, Ok(Some(IncomingKind::Plaintext)));
                    assert_eq!(encrypted, Ok(Some(IncomingKind::Encrypted)));
                }
                EncPolicy::Disabled => {
                    assert_eq!(plain, Ok(Some(IncomingKind::Plaintext)));
                    assert_eq!(encrypted, Err(MseError::NoIncomingEncrypted));
                }
            }
        }
    }

    #[test]
    fn outgoing_policy() {
        let with = |policy| EncryptionSettings {
            out_enc_policy: policy,
            ..Default::default()
        };
        use OutgoingHandshake::{Encrypted, Plaintext};
        assert_eq!(with(EncPolicy::Forced).outgoing_handshake(false), Encrypted);
        assert_eq!(with(EncPolicy::Enabled).outgoing_handshake(true), Encrypted);
        assert_eq!(
            with(EncPolicy::Enabled).outgoing_handshake(false),
            Plaintext
        );
        assert_eq!(
            with(EncPolicy::Disabled).outgoing_handshake(true),
            Plaintext
        );
        let config = EncryptionSettings {
            allowed_enc_level: EncLevel::Rc4,
            prefer_rc4: true,
            ..Default::default()
        }
        .mse_config();
        assert_eq!(
            (config.allowed_enc_level, config.prefer_rc4),
            (EncLevel::Rc4, true)
        );
    }
}
