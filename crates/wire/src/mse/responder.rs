//! The responder's side of the MSE handshake (B in the spec): read Ya, send Yb and PadB, find
//! `HASH('req1', S)` behind PadA, identify the torrent from the obfuscated info-hash, check VC,
//! choose from `crypto_provide`, send step 4, then read PadC and the initial payload.

use bytes::BytesMut;
use lt_core::Sha1Hash;

use super::dh::{self, DhKeyPair, SharedSecret, KEY_LEN};
use super::rc4::Rc4Pair;
use super::step::{advance, impl_chain_state, Step};
use super::{
    scan, take, CryptoMode, EncLevel, Encryption, MseConfig, MseError, MseEstablished, Scan,
    SeededRandom, StreamKeys, MAX_INITIAL_PAYLOAD, MAX_PAD_BYTES, VC,
};
use crate::error::WireError;

/// The responding side of an MSE handshake, as a sans-I/O state machine.
///
/// Create it once the first bytes of an incoming connection are known not to be a plaintext
/// handshake ([`EncryptionSettings::classify_incoming`](super::EncryptionSettings::classify_incoming)),
/// then feed it everything received, from the first byte on, with the table of torrents
/// ([`StreamKeys`]). It answers Ya with Yb and PadB, and `crypto_provide` with step 4;
/// [`handle_read`](Self::handle_read) returns the [`MseEstablished`] once the initial payload
/// is in.
///
/// # Examples
/// See the [module documentation](super).
#[derive(Debug)]
pub struct MseResponder {
    state: State,
    outbound: Vec<u8>,
}

#[derive(Debug)]
enum State {
    AwaitKey(AwaitKey),
    AwaitSync(AwaitSync),
    AwaitStreamKey(AwaitStreamKey),
    AwaitProvide(AwaitProvide),
    AwaitPadC(AwaitPadC),
    AwaitInitialPayload(AwaitInitialPayload),
    Established,
    Failed(WireError),
}

/// What the responder decides with, fixed at construction.
#[derive(Debug, Clone, Copy)]
struct Choice {
    allowed: EncLevel,
    prefer_rc4: bool,
    pad_d_len: u16,
}

/// Waiting for Ya; Yb and PadB are ready to go.
#[derive(Debug)]
struct AwaitKey {
    keys: DhKeyPair,
    hello: Vec<u8>,
    choice: Choice,
}

/// Yb sent; searching PadA for `HASH('req1', S)`.
#[derive(Debug)]
struct AwaitSync {
    secret: SharedSecret,
    sync_hash: Sha1Hash,
    pad_skipped: usize,
    choice: Choice,
}

/// Waiting for the obfuscated info-hash and the encrypted VC.
#[derive(Debug)]
struct AwaitStreamKey {
    secret: SharedSecret,
    choice: Choice,
}

/// Waiting for `crypto_provide` and `len(PadC)`.
#[derive(Debug)]
struct AwaitProvide {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    choice: Choice,
}

/// Step 4 sent; skipping PadC (and reading `len(IA)` after it).
#[derive(Debug)]
struct AwaitPadC {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    mode: CryptoMode,
    remaining: usize,
}

/// Waiting for the whole initial payload.
#[derive(Debug)]
struct AwaitInitialPayload {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    mode: CryptoMode,
    length: usize,
}

impl MseResponder {
    /// A responder accepting the modes of `config.allowed_enc_level`; `seed` draws the private
    /// key, the pad lengths and PadB.
    #[must_use]
    pub fn new(config: &MseConfig, seed: [u8; 32]) -> Self {
        let mut random = SeededRandom::new(seed);
        let (keys, hello) = random.key_and_pad(&config.pad_bytes);
        let choice = Choice {
            allowed: config.allowed_enc_level,
            prefer_rc4: config.prefer_rc4,
            pad_d_len: random.pad_length(&config.pad_bytes),
        };
        Self {
            state: State::AwaitKey(AwaitKey {
                keys,
                hello,
                choice,
            }),
            outbound: Vec::new(),
        }
    }

    /// Takes the handshake bytes it can use off the front of `input`, leaving the rest (a
    /// partial step, or stream data after the initial payload). `torrents` names the torrents
    /// an obfuscated info-hash may match. Returns the result once the handshake is complete;
    /// later calls do nothing.
    ///
    /// # Errors
    /// [`MseError::SyncHashNotFound`], [`MseError::UnknownStreamKey`],
    /// [`MseError::InvalidEncryptionConstant`], [`MseError::NoPlaintextMode`],
    /// [`MseError::NoRc4Mode`], [`MseError::UnsupportedEncryptionMode`],
    /// [`MseError::InvalidPadSize`], [`MseError::InvalidEncryptHandshake`]. After an error every
    /// call returns it again.
    pub fn handle_read(
        &mut self,
        input: &mut BytesMut,
        torrents: &StreamKeys,
    ) -> Result<Option<MseEstablished>, WireError> {
        let outbound = &mut self.outbound;
        advance(&mut self.state, |state| match state {
            State::AwaitKey(state) => Ok(state.step(input, outbound)),
            State::AwaitSync(state) => state.step(input),
            State::AwaitStreamKey(state) => state.step(input, torrents),
            State::AwaitProvide(state) => state.step(input, outbound),
            State::AwaitPadC(state) => state.step(input),
            State::AwaitInitialPayload(state) => Ok(state.step(input)),
            State::Established | State::Failed(_) => Ok(Step::Wait(state)),
        })
    }

    /// Appends the bytes to send to `out`.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.outbound);
    }
}

impl_chain_state!(State);

impl AwaitKey {
    fn step(self, input: &mut BytesMut, out: &mut Vec<u8>) -> Step<State> {
        let Some(remote_key) = take::<KEY_LEN>(input) else {
            return Step::Wait(State::AwaitKey(self));
        };
        out.extend_from_slice(&self.hello);
        let secret = self.keys.shared_secret(&remote_key);
        Step::Next(State::AwaitSync(AwaitSync {
            sync_hash: secret.sync_hash(),
            secret,
            pad_skipped: 0,
            choice: self.choice,
        }))
    }
}

impl AwaitSync {
    fn step(mut self, input: &mut BytesMut) -> Result<Step<State>, MseError> {
        match scan(self.sync_hash.as_bytes(), input, &mut self.pad_skipped) {
            Scan::Found => Ok(Step::Next(State::AwaitStreamKey(AwaitStreamKey {
                secret: self.secret,
                choice: self.choice,
            }))),
            Scan::Pending => Ok(Step::Wait(State::AwaitSync(self))),
            Scan::NotFound => Err(MseError::SyncHashNotFound {
                searched_bytes: self.pad_skipped,
            }),
        }
    }
}

impl AwaitStreamKey {
    fn step(self, input: &mut BytesMut, torrents: &StreamKeys) -> Result<Step<State>, MseError> {
        if input.len() < 28 {
            return Ok(Step::Wait(State::AwaitStreamKey(self)));
        }
        let Some(obfuscated) = take::<20>(input) else {
            return Ok(Step::Wait(State::AwaitStreamKey(self)));
        };
        let stream_key_hash = dh::xor(
            &Sha1Hash::from_bytes(obfuscated),
            &self.secret.stream_key_mask(),
        );
        let info_hash = torrents
            .find(&stream_key_hash)
            .ok_or(MseError::UnknownStreamKey)?;
        let secret = &self.secret;
        let mut rc4 = Rc4Pair::new(&secret.key_b(&info_hash), &secret.key_a(&info_hash));
        let mut vc = take::<8>(input).unwrap_or([0xff; 8]);
        rc4.decrypt(&mut vc);
        if vc != VC {
            return Err(MseError::InvalidEncryptionConstant {
                reason: "the decrypted VC is not zero",
            });
        }
        Ok(Step::Next(State::AwaitProvide(AwaitProvide {
            rc4,
            info_hash,
            choice: self.choice,
        })))
    }
}

impl AwaitProvide {
    fn step(mut self, input: &mut BytesMut, out: &mut Vec<u8>) -> Result<Step<State>, MseError> {
        let Some(mut fields) = take::<6>(input) else {
            return Ok(Step::Wait(State::AwaitProvide(self)));
        };
        self.rc4.decrypt(&mut fields);
        let provided = u32::from_be_bytes([fields[0], fields[1], fields[2], fields[3]]);
        let pad_c_len = u16::from_be_bytes([fields[4], fields[5]]);
        let mode = self
            .choice
            .allowed
            .select(provided, self.choice.prefer_rc4)?;
        if pad_c_len > MAX_PAD_BYTES {
            return Err(MseError::InvalidPadSize { length: pad_c_len });
        }
        let encrypted_from = out.len();
        out.extend_from_slice(&VC);
        out.extend_from_slice(&mode.bit().to_be_bytes());
        out.extend_from_slice(&self.choice.pad_d_len.to_be_bytes());
        out.resize(out.len() + usize::from(self.choice.pad_d_len), 0); // PadD: zeros
        self.rc4.encrypt(&mut out[encrypted_from..]);
        Ok(Step::Next(State::AwaitPadC(AwaitPadC {
            rc4: self.rc4,
            info_hash: self.info_hash,
            mode,
            remaining: usize::from(pad_c_len),
        })))
    }
}

impl AwaitPadC {
    fn step(mut self, input: &mut BytesMut) -> Result<Step<State>, MseError> {
        let mut pad = input.split_to(self.remaining.min(input.len()));
        self.rc4.decrypt(&mut pad);
        self.remaining -= pad.len();
        if self.remaining > 0 {
            return Ok(Step::Wait(State::AwaitPadC(self)));
        }
        let Some(mut length) = take::<2>(input) else {
            return Ok(Step::Wait(State::AwaitPadC(self)));
        };
        self.rc4.decrypt(&mut length);
        let length = u16::from_be_bytes(length);
        if usize::from(length) > MAX_INITIAL_PAYLOAD {
            return Err(MseError::InvalidEncryptHandshake { length });
        }
        Ok(Step::Next(State::AwaitInitialPayload(
            AwaitInitialPayload {
                rc4: self.rc4,
                info_hash: self.info_hash,
                mode: self.mode,
                length: usize::from(length),
            },
        )))
    }
}

impl AwaitInitialPayload {
    fn step(mut self, input: &mut BytesMut) -> Step<State> {
        if input.len() < self.length {
            return Step::Wait(State::AwaitInitialPayload(self));
        }
        let mut payload = input.split_to(self.length);
        self.rc4.decrypt(&mut payload); // IA is always RC4, whatever was selected
        let encryption = match self.mode {
            CryptoMode::Plaintext => Encryption::Plaintext,
            CryptoMode::Rc4 => Encryption::Rc4(Box::new(self.rc4)),
        };
        Step::Done(MseEstablished {
            encryption,
            info_hash: self.info_hash,
            initial_payload: payload.freeze(),
        })
    }
}
