//! The initiator's side of the MSE handshake (A in the spec): send Ya and PadA, read Yb, send
//! step 3 with the initial payload, find the encrypted VC behind PadB, read `crypto_select` and
//! PadD.

use bytes::{Bytes, BytesMut};
use lt_core::Sha1Hash;

use super::dh::{self, DhKeyPair, KEY_LEN};
use super::rc4::Rc4Pair;
use super::step::{advance, impl_chain_state, Step};
use super::{
    scan, take, CryptoMode, Encryption, MseConfig, MseError, MseEstablished, Scan, SeededRandom,
    MAX_INITIAL_PAYLOAD, MAX_PAD_BYTES, VC,
};
use crate::error::{ApiMisuse, WireError};

/// The initiating side of an MSE handshake, as a sans-I/O state machine.
///
/// [`new`](Self::new) queues Ya and PadA; feed everything the peer sends to
/// [`handle_read`](Self::handle_read) and send what [`poll_transmit`](Self::poll_transmit)
/// appends, until `handle_read` returns the [`MseEstablished`]. The initial payload (IA, usually
/// the BitTorrent handshake) goes out RC4-encrypted inside step 3, whatever mode the responder
/// then selects, as libtorrent sends it.
///
/// # Examples
/// See the [module documentation](super).
#[derive(Debug)]
pub struct MseInitiator {
    state: State,
    outbound: Vec<u8>,
}

#[derive(Debug)]
enum State {
    AwaitKey(AwaitKey),
    AwaitVc(AwaitVc),
    AwaitSelect(AwaitSelect),
    AwaitPadD(AwaitPadD),
    Established,
    Failed(WireError),
}

/// Ya and PadA are sent; waiting for Yb.
#[derive(Debug)]
struct AwaitKey {
    keys: DhKeyPair,
    info_hash: Sha1Hash,
    provide: u32,
    pad_c_len: u16,
    initial_payload: Vec<u8>,
}

/// Step 3 is sent; searching PadB for the encrypted VC.
#[derive(Debug)]
struct AwaitVc {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    provide: u32,
    /// The first eight bytes of the peer's keystream: VC as it appears on the wire.
    encrypted_vc: [u8; 8],
    pad_skipped: usize,
}

/// VC found; waiting for `crypto_select` and `len(PadD)`.
#[derive(Debug)]
struct AwaitSelect {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    provide: u32,
}

/// Skipping PadD.
#[derive(Debug)]
struct AwaitPadD {
    rc4: Rc4Pair,
    info_hash: Sha1Hash,
    mode: CryptoMode,
    remaining: usize,
}

impl MseInitiator {
    /// Starts a handshake for the torrent `info_hash` (its 20-byte form, the SKEY), offering the
    /// modes of `config.allowed_enc_level` and sending `initial_payload` as IA. `seed` draws
    /// the private key, the pad lengths and PadA.
    ///
    /// # Errors
    /// [`ApiMisuse::InitialPayloadTooLarge`] when `initial_payload` is longer than
    /// [`MAX_INITIAL_PAYLOAD`].
    pub fn new(
        config: &MseConfig,
        info_hash: Sha1Hash,
        initial_payload: &[u8],
        seed: [u8; 32],
    ) -> Result<Self, WireError> {
        if initial_payload.len() > MAX_INITIAL_PAYLOAD {
            return Err(ApiMisuse::InitialPayloadTooLarge {
                length: initial_payload.len(),
                limit: MAX_INITIAL_PAYLOAD,
            }
            .into());
        }
        let mut random = SeededRandom::new(seed);
        let (keys, hello) = random.key_and_pad(&config.pad_bytes);
        let pad_c_len = random.pad_length(&config.pad_bytes);
        Ok(Self {
            state: State::AwaitKey(AwaitKey {
                keys,
                info_hash,
                provide: config.allowed_enc_level.bits(),
                pad_c_len,
                initial_payload: initial_payload.to_vec(),
            }),
            outbound: hello,
        })
    }

    /// Takes the handshake bytes it can use off the front of `input`, leaving the rest (a
    /// partial step, or stream data after the handshake). Returns the result once the handshake
    /// is complete; later calls do nothing.
    ///
    /// # Errors
    /// [`MseError::InvalidEncryptionConstant`] (no VC within 512 bytes of PadB),
    /// [`MseError::UnsupportedEncryptionModeSelected`], [`MseError::InvalidPadSize`]. After an
    /// error every call returns it again.
    pub fn handle_read(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<MseEstablished>, WireError> {
        let outbound = &mut self.outbound;
        advance(&mut self.state, |state| match state {
            State::AwaitKey(state) => state.step(input, outbound),
            State::AwaitVc(state) => state.step(input),
            State::AwaitSelect(state) => state.step(input),
            State::AwaitPadD(state) => Ok(state.step(input)),
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
    fn step(self, input: &mut BytesMut, out: &mut Vec<u8>) -> Result<Step<State>, MseError> {
        let Some(remote_key) = take::<KEY_LEN>(input) else {
            return Ok(Step::Wait(State::AwaitKey(self)));
        };
        let secret = self.keys.shared_secret(&remote_key);
        let mut rc4 = Rc4Pair::new(
            &secret.key_a(&self.info_hash),
            &secret.key_b(&self.info_hash),
        );

        out.extend_from_slice(secret.sync_hash().as_bytes());
        let obfuscated = dh::xor(
            &dh::stream_key_hash(&self.info_hash),
            &secret.stream_key_mask(),
        );
        out.extend_from_slice(obfuscated.as_bytes());
        let encrypted_from = out.len();
        out.extend_from_slice(&VC);
        out.extend_from_slice(&self.provide.to_be_bytes());
        out.extend_from_slice(&self.pad_c_len.to_be_bytes());
        out.resize(out.len() + usize::from(self.pad_c_len), 0); // PadC: zeros, as the spec says
                                                                // `new` checked the length against MAX_INITIAL_PAYLOAD.
        let ia_len = u16::try_from(self.initial_payload.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&ia_len.to_be_bytes());
        out.extend_from_slice(&self.initial_payload);
        rc4.encrypt(&mut out[encrypted_from..]);

        let mut encrypted_vc = VC;
        rc4.decrypt(&mut encrypted_vc);
        Ok(Step::Next(State::AwaitVc(AwaitVc {
            rc4,
            info_hash: self.info_hash,
            provide: self.provide,
            encrypted_vc,
            pad_skipped: 0,
        })))
    }
}

impl AwaitVc {
    fn step(mut self, input: &mut BytesMut) -> Result<Step<State>, MseError> {
        match scan(&self.encrypted_vc, input, &mut self.pad_skipped) {
            Scan::Found => Ok(Step::Next(State::AwaitSelect(AwaitSelect {
                rc4: self.rc4,
                info_hash: self.info_hash,
                provide: self.provide,
            }))),
            Scan::Pending => Ok(Step::Wait(State::AwaitVc(self))),
            Scan::NotFound => Err(MseError::InvalidEncryptionConstant {
                reason: "no verification constant within 512 bytes of PadB",
            }),
        }
    }
}

impl AwaitSelect {
    fn step(mut self, input: &mut BytesMut) -> Result<Step<State>, MseError> {
        let Some(mut fields) = take::<6>(input) else {
            return Ok(Step::Wait(State::AwaitSelect(self)));
        };
        self.rc4.decrypt(&mut fields);
        let selected = u32::from_be_bytes([fields[0], fields[1], fields[2], fields[3]]);
        let pad_d_len = u16::from_be_bytes([fields[4], fields[5]]);
        let mode = CryptoMode::from_select(selected)
            .filter(|mode| self.provide & mode.bit() != 0)
            .ok_or(MseError::UnsupportedEncryptionModeSelected {
                selected,
                provided: self.provide,
            })?;
        if pad_d_len > MAX_PAD_BYTES {
            return Err(MseError::InvalidPadSize { length: pad_d_len });
        }
        Ok(Step::Next(State::AwaitPadD(AwaitPadD {
            rc4: self.rc4,
            info_hash: self.info_hash,
            mode,
            remaining: usize::from(pad_d_len),
        })))
    }
}

impl AwaitPadD {
    fn step(mut self, input: &mut BytesMut) -> Step<State> {
        let mut pad = input.split_to(self.remaining.min(input.len()));
        self.rc4.decrypt(&mut pad); // keeps the keystream in step; PadD's bytes mean nothing
        self.remaining -= pad.len();
        if self.remaining > 0 {
            return Step::Wait(State::AwaitPadD(self));
        }
        let encryption = match self.mode {
            CryptoMode::Plaintext => Encryption::Plaintext,
            CryptoMode::Rc4 => Encryption::Rc4(Box::new(self.rc4)),
        };
        Step::Done(MseEstablished {
            encryption,
            info_hash: self.info_hash,
            initial_payload: Bytes::new(),
        })
    }
}
