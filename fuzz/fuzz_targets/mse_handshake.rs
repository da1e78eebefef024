//! The MSE/PE handshake on arbitrary bytes, both roles.
//!
//! The first byte picks the read size and a mode: raw input to the responder and the
//! initiator (never panics; an error always has a libtorrent code), or an honest handshake
//! whose seeds, pads and modes come from the input. An honest one must complete with the same
//! mode on both sides and carry the initial payload; then the input's remaining bytes flip bits
//! of the recorded streams, which are replayed into fresh copies of each side: any outcome but
//! a panic is fine, and success with a flipped stream must still agree on the torrent.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use lt_core::Sha1Hash;
use lt_wire::mse::{EncLevel, MseConfig, MseInitiator, MseResponder, StreamKeys};
use lt_wire::WireError;

const INFO_HASH: Sha1Hash = Sha1Hash::from_bytes([0xaa; 20]);

fn torrents() -> StreamKeys {
    [INFO_HASH].into_iter().collect()
}

fn check_error(error: &WireError) {
    assert!(
        error.code_name().is_some(),
        "{error:?} has no libtorrent code"
    );
}

/// Feeds `bytes` to a responder in `chunk`-byte reads.
fn respond(config: &MseConfig, seed: [u8; 32], bytes: &[u8], chunk: usize) -> Option<Vec<u8>> {
    let mut responder = MseResponder::new(config, seed);
    let mut input = BytesMut::new();
    for piece in bytes.chunks(chunk) {
        input.extend_from_slice(piece);
        match responder.handle_read(&mut input, &torrents()) {
            Ok(Some(done)) => {
                assert_eq!(done.info_hash, INFO_HASH);
                return Some(done.initial_payload.to_vec());
            }
            Ok(None) => {}
            Err(error) => {
                check_error(&error);
                return None;
            }
        }
    }
    None
}

/// Feeds `bytes` to an initiator in `chunk`-byte reads.
fn initiate(config: &MseConfig, seed: [u8; 32], bytes: &[u8], chunk: usize) -> bool {
    let mut initiator = MseInitiator::new(config, INFO_HASH, b"payload", seed).unwrap();
    let mut input = BytesMut::new();
    for piece in bytes.chunks(chunk) {
        input.extend_from_slice(piece);
        match initiator.handle_read(&mut input) {
            Ok(Some(_)) => return true,
            Ok(None) => {}
            Err(error) => {
                check_error(&error);
                return false;
            }
        }
    }
    false
}

fn level(bits: u8) -> EncLevel {
    match bits % 3 {
        0 => EncLevel::Plaintext,
        1 => EncLevel::Rc4,
        _ => EncLevel::Both,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(control >> 1) + 1;
    if control & 1 == 0 {
        let config = MseConfig::default();
        let _ = respond(&config, [1; 32], rest, chunk);
        let _ = initiate(&config, [2; 32], rest, chunk);
        return;
    }
    // An honest handshake shaped by the input.
    let byte = |index: usize| rest.get(index).copied().unwrap_or(0);
    let pad = |index: usize| u16::from_be_bytes([byte(index), byte(index + 1)]) % 513;
    let a_config = MseConfig {
        allowed_enc_level: level(byte(0)),
        prefer_rc4: false,
        pad_bytes: pad(1)..=pad(1),
    };
    let b_config = MseConfig {
        allowed_enc_level: level(byte(3)),
        prefer_rc4: byte(3) & 0x80 != 0,
        pad_bytes: pad(4)..=pad(4),
    };
    let (seed_a, seed_b) = ([byte(6); 32], [byte(7); 32]);
    let mut initiator = MseInitiator::new(&a_config, INFO_HASH, b"payload", seed_a).unwrap();
    let mut responder = MseResponder::new(&b_config, seed_b);
    let (mut a_to_b, mut b_to_a) = (Vec::new(), Vec::new());
    let (mut a_in, mut b_in) = (BytesMut::new(), BytesMut::new());
    let (mut a_done, mut b_done, mut failed) = (None, None, false);
    for _ in 0..6 {
        let sent = a_to_b.len();
        initiator.poll_transmit(&mut a_to_b);
        b_in.extend_from_slice(&a_to_b[sent..]);
        if b_done.is_none() && !failed {
            match responder.handle_read(&mut b_in, &torrents()) {
                Ok(done) => b_done = done,
                Err(error) => {
                    check_error(&error);
                    failed = true;
                }
            }
        }
        let sent = b_to_a.len();
        responder.poll_transmit(&mut b_to_a);
        a_in.extend_from_slice(&b_to_a[sent..]);
        if a_done.is_none() && !failed {
            a_done = initiator.handle_read(&mut a_in).expect("honest responder");
        }
    }
    let common = a_config.allowed_enc_level.bits() & b_config.allowed_enc_level.bits();
    if common == 0 {
        assert!(failed, "no common mode, yet no error");
        return;
    }
    let (a_done, b_done) = (
        a_done.expect("initiator done"),
        b_done.expect("responder done"),
    );
    assert_eq!(a_done.encryption.mode(), b_done.encryption.mode());
    assert_eq!(&b_done.initial_payload[..], b"payload");

    // Replays: the same streams in other read sizes, then with flipped bits.
    assert_eq!(
        respond(&b_config, seed_b, &a_to_b, chunk).as_deref(),
        Some(&b"payload"[..])
    );
    assert!(initiate(&a_config, seed_a, &b_to_a, chunk));
    for flip in rest.get(8..).unwrap_or_default().chunks(3).take(4) {
        let (offset, mask) = (
            usize::from(u16::from_be_bytes([flip[0], *flip.get(1).unwrap_or(&0)])),
            *flip.get(2).unwrap_or(&1),
        );
        let mut a_flipped = a_to_b.clone();
        let len = a_flipped.len();
        a_flipped[offset % len] ^= mask.max(1);
        let _ = respond(&b_config, seed_b, &a_flipped, chunk);
        let mut b_flipped = b_to_a.clone();
        let len = b_flipped.len();
        b_flipped[offset % len] ^= mask.max(1);
        let _ = initiate(&a_config, seed_a, &b_flipped, chunk);
    }
});
