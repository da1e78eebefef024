//! Initiator and responder against each other in memory: every policy combination, every split
//! of the byte streams, pads of 0 and 512 bytes, and tampered or garbage input.

use bytes::BytesMut;
use lt_core::Sha1Hash;
use proptest::prelude::*;

use super::*;
use crate::error::WireError;

const SEED_A: [u8; 32] = [1; 32];
const SEED_B: [u8; 32] = [2; 32];
const IA: &[u8] = b"\x13BitTorrent protocol and the rest of the handshake";

fn info_hash() -> Sha1Hash {
    Sha1Hash::from_bytes([0xaa; 20])
}

fn torrents() -> StreamKeys {
    [Sha1Hash::from_bytes([0x55; 20]), info_hash()]
        .into_iter()
        .collect()
}

fn config(level: EncLevel, prefer_rc4: bool, pad: u16) -> MseConfig {
    MseConfig {
        allowed_enc_level: level,
        prefer_rc4,
        pad_bytes: pad..=pad,
    }
}

type Outcome = Result<Option<MseEstablished>, WireError>;

/// Both sides of one handshake, and what each sent.
struct Transcript {
    initiator: Outcome,
    responder: Outcome,
    a_to_b: Vec<u8>,
    b_to_a: Vec<u8>,
}

/// Runs a handshake, delivering everything each side sends at once.
fn handshake(a_config: &MseConfig, b_config: &MseConfig) -> Transcript {
    let mut a = MseInitiator::new(a_config, info_hash(), IA, SEED_A).unwrap();
    let mut b = MseResponder::new(b_config, SEED_B);
    let (mut a_in, mut b_in) = (BytesMut::new(), BytesMut::new());
    let mut transcript = Transcript {
        initiator: Ok(None),
        responder: Ok(None),
        a_to_b: Vec::new(),
        b_to_a: Vec::new(),
    };
    for _ in 0..8 {
        let sent = transcript.a_to_b.len();
        a.poll_transmit(&mut transcript.a_to_b);
        b_in.extend_from_slice(&transcript.a_to_b[sent..]);
        if matches!(transcript.responder, Ok(None)) {
            transcript.responder = b.handle_read(&mut b_in, &torrents());
        }
        let sent = transcript.b_to_a.len();
        b.poll_transmit(&mut transcript.b_to_a);
        a_in.extend_from_slice(&transcript.b_to_a[sent..]);
        if matches!(transcript.initiator, Ok(None)) {
            transcript.initiator = a.handle_read(&mut a_in);
        }
    }
    transcript
}

/// Feeds `bytes` to a fresh responder (same seed, so the same keys) in `chunk`-byte reads.
fn replay_to_responder(b_config: &MseConfig, bytes: &[u8], splits: &[usize]) -> Outcome {
    let mut b = MseResponder::new(b_config, SEED_B);
    let mut input = BytesMut::new();
    let mut result = Ok(None);
    for piece in pieces(bytes, splits) {
        input.extend_from_slice(piece);
        result = b.handle_read(&mut input, &torrents());
        if !matches!(result, Ok(None)) {
            break;
        }
    }
    result
}

/// Feeds `bytes` to a fresh initiator (same seed) in the given pieces.
fn replay_to_initiator(a_config: &MseConfig, bytes: &[u8], splits: &[usize]) -> Outcome {
    let mut a = MseInitiator::new(a_config, info_hash(), IA, SEED_A).unwrap();
    let mut input = BytesMut::new();
    let mut result = Ok(None);
    for piece in pieces(bytes, splits) {
        input.extend_from_slice(piece);
        result = a.handle_read(&mut input);
        if !matches!(result, Ok(None)) {
            break;
        }
    }
    result
}

/// `bytes` cut at the (sorted, in-range) offsets `splits`.
fn pieces<'a>(bytes: &'a [u8], splits: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for &split in splits.iter().chain([bytes.len()].iter()) {
        let split = split.clamp(start, bytes.len());
        out.push(&bytes[start..split]);
        start = split;
    }
    out
}

fn code(outcome: &Outcome) -> Option<&'static str> {
    outcome.as_ref().err().and_then(WireError::code_name)
}

fn established(outcome: Outcome) -> MseEstablished {
    outcome.unwrap().expect("handshake finished")
}

#[test]
fn every_policy_combination() {
    use EncLevel::{Both, Plaintext, Rc4};
    for a_level in [Plaintext, Rc4, Both] {
        for b_level in [Plaintext, Rc4, Both] {
            for prefer_rc4 in [false, true] {
                let transcript =
                    handshake(&config(a_level, false, 7), &config(b_level, prefer_rc4, 9));
                let common = a_level.bits() & b_level.bits();
                let label = format!("{a_level:?} → {b_level:?}, prefer_rc4 {prefer_rc4}");
                if common == 0 {
                    let expected = match b_level {
                        Plaintext => "no_plaintext_mode",
                        Rc4 => "no_rc4_mode",
                        Both => unreachable!(),
                    };
                    assert_eq!(code(&transcript.responder), Some(expected), "{label}");
                    assert!(matches!(transcript.initiator, Ok(None)), "{label}");
                    continue;
                }
                let expected_mode = if (common == 3 && prefer_rc4) || common == 2 {
                    CryptoMode::Rc4
                } else {
                    CryptoMode::Plaintext
                };
                let mut a = established(transcript.initiator);
                let mut b = established(transcript.responder);
                assert_eq!(a.encryption.mode(), expected_mode, "{label}");
                assert_eq!(b.encryption.mode(), expected_mode, "{label}");
                assert_eq!((a.info_hash, b.info_hash), (info_hash(), info_hash()));
                assert_eq!(&b.initial_payload[..], IA, "{label}");
                assert!(a.initial_payload.is_empty());
                // The stream after the handshake, both ways.
                let mut message = *b"interested";
                a.encryption.encrypt(&mut message);
                assert_eq!(message != *b"interested", expected_mode == CryptoMode::Rc4);
                b.encryption.decrypt(&mut message);
                assert_eq!(&message, b"interested", "{label}");
                b.encryption.encrypt(&mut message);
                a.encryption.decrypt(&mut message);
                assert_eq!(&message, b"interested", "{label}");
            }
        }
    }
}

#[test]
fn stream_data_after_the_handshake_is_left_in_the_buffer() {
    let rc4 = config(EncLevel::Rc4, false, 3);
    let transcript = handshake(&rc4, &rc4);
    let mut b = established(transcript.responder);
    // The responder's first stream bytes go out right behind step 4.
    let mut b_to_a = transcript.b_to_a.clone();
    let mut handshake_reply = *b"\x13BitTorrent protocol";
    b.encryption.encrypt(&mut handshake_reply);
    b_to_a.extend_from_slice(&handshake_reply);
    let mut a = MseInitiator::new(&rc4, info_hash(), IA, SEED_A).unwrap();
    let mut input = BytesMut::from(&b_to_a[..]);
    let mut a_done = established(a.handle_read(&mut input));
    assert_eq!(input.len(), 20);
    a_done.encryption.decrypt(&mut input);
    assert_eq!(&input[..], b"\x13BitTorrent protocol");
    // And later calls leave the stream alone.
    assert!(matches!(a.handle_read(&mut input), Ok(None)));
    assert_eq!(input.len(), 20);
}

#[test]
fn every_split_point_in_both_directions() {
    let a_config = config(EncLevel::Both, false, 5);
    let b_config = config(EncLevel::Both, true, 11);
    let transcript = handshake(&a_config, &b_config);
    let b_whole = established(transcript.responder);
    assert_eq!(b_whole.encryption.mode(), CryptoMode::Rc4);
    for split in 0..=transcript.a_to_b.len() {
        let b = established(replay_to_responder(&b_config, &transcript.a_to_b, &[split]));
        assert_eq!(b.initial_payload, b_whole.initial_payload, "split {split}");
    }
    for split in 0..=transcript.b_to_a.len() {
        let a = established(replay_to_initiator(&a_config, &transcript.b_to_a, &[split]));
        assert_eq!(a.encryption.mode(), CryptoMode::Rc4, "split {split}");
    }
    // And one byte at a time.
    let every: Vec<usize> = (1..transcript.a_to_b.len()).collect();
    established(replay_to_responder(&b_config, &transcript.a_to_b, &every));
    let every: Vec<usize> = (1..transcript.b_to_a.len()).collect();
    established(replay_to_initiator(&a_config, &transcript.b_to_a, &every));
}

#[test]
fn pads_of_zero_and_512_bytes() {
    for pad in [0, MAX_PAD_BYTES] {
        let both = config(EncLevel::Both, true, pad);
        let transcript = handshake(&both, &both);
        let pad = usize::from(pad);
        // Ya PadA | sync, obfuscated hash | VC provide len(PadC) PadC len(IA) IA
        assert_eq!(
            transcript.a_to_b.len(),
            96 + pad + 40 + 14 + pad + 2 + IA.len()
        );
        // Yb PadB | VC select len(PadD) PadD
        assert_eq!(transcript.b_to_a.len(), 96 + pad + 14 + pad);
        established(transcript.initiator);
        assert_eq!(&established(transcript.responder).initial_payload[..], IA);
    }
}

#[test]
fn sync_hash_must_start_within_512_bytes_of_pad() {
    let config = config(EncLevel::Both, false, MAX_PAD_BYTES);
    let transcript = handshake(&config, &config);
    // One more byte of PadA puts the sync hash at offset 513: not found.
    let mut late = transcript.a_to_b.clone();
    late.insert(96 + 512, 0);
    let outcome = replay_to_responder(&config, &late, &[]);
    assert_eq!(code(&outcome), Some("sync_hash_not_found"));
    // Garbage after a key: found out after 96 + 512 + 20 bytes, not before.
    let garbage: Vec<u8> = (0..2000u32).map(|index| (index * 7 + 3) as u8).collect();
    let mut b = MseResponder::new(&config, SEED_B);
    let mut input = BytesMut::from(&garbage[..96 + 512 + 19]);
    assert!(matches!(b.handle_read(&mut input, &torrents()), Ok(None)));
    input.extend_from_slice(&garbage[96 + 512 + 19..96 + 512 + 20]);
    let error = b.handle_read(&mut input, &torrents()).unwrap_err();
    assert_eq!(error.code_name(), Some("sync_hash_not_found"));
    assert!(
        error.to_string().starts_with("sync hash not found"),
        "{error}"
    );
    // The error sticks.
    input.extend_from_slice(&garbage);
    assert_eq!(b.handle_read(&mut input, &torrents()).unwrap_err(), error);
}

#[test]
fn vc_must_start_within_512_bytes_of_pad() {
    let config = config(EncLevel::Both, false, MAX_PAD_BYTES);
    let transcript = handshake(&config, &config);
    let mut late = transcript.b_to_a.clone();
    late.insert(96 + 512, 0);
    let outcome = replay_to_initiator(&config, &late, &[]);
    assert_eq!(code(&outcome), Some("invalid_encryption_constant"));
}

#[test]
fn a_stalled_peer_leaves_the_handshake_waiting() {
    // No timer here: the connection's handshake timeout ends a silent peer.
    let config = config(EncLevel::Both, false, 100);
    let transcript = handshake(&config, &config);
    for cut in [0, 50, 96, 150, transcript.a_to_b.len() - 1] {
        let outcome = replay_to_responder(&config, &transcript.a_to_b[..cut], &[]);
        assert!(matches!(outcome, Ok(None)), "cut {cut}");
    }
    for cut in [0, 95, 96, 200, transcript.b_to_a.len() - 1] {
        let outcome = replay_to_initiator(&config, &transcript.b_to_a[..cut], &[]);
        assert!(matches!(outcome, Ok(None)), "cut {cut}");
    }
}

/// Offsets in a transcript with pads of 0 bytes.
const A_ENCRYPTED: usize = 96 + 40; // VC starts here
const B_ENCRYPTED: usize = 96;

/// Flips bits of one byte of a transcript. RC4 is a stream cipher, so flipping a ciphertext
/// bit flips the same plaintext bit: this edits encrypted fields without the keys.
fn flipped(bytes: &[u8], offset: usize, mask: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[offset] ^= mask;
    out
}

#[test]
fn tampered_fields_give_libtorrents_errors() {
    let both = config(EncLevel::Both, false, 0);
    let transcript = handshake(&both, &both);
    let responder = |offset, mask| {
        code(&replay_to_responder(
            &both,
            &flipped(&transcript.a_to_b, offset, mask),
            &[],
        ))
    };
    let initiator = |offset, mask| {
        code(&replay_to_initiator(
            &both,
            &flipped(&transcript.b_to_a, offset, mask),
            &[],
        ))
    };
    // A wrong obfuscated info-hash names no torrent.
    assert_eq!(responder(96 + 20, 1), Some("invalid_info_hash"));
    // VC.
    assert_eq!(
        responder(A_ENCRYPTED + 7, 1),
        Some("invalid_encryption_constant")
    );
    // crypto_provide 0x03 → 0x00.
    assert_eq!(
        responder(A_ENCRYPTED + 11, 3),
        Some("unsupported_encryption_mode")
    );
    // len(PadC) 0 → 0x0300.
    assert_eq!(responder(A_ENCRYPTED + 12, 3), Some("invalid_pad_size"));
    // len(PadC) 0 → 0x0200 = 512 is fine up to there (then IA is misread, so just no error yet).
    let padded = flipped(&transcript.a_to_b, A_ENCRYPTED + 12, 2);
    assert!(matches!(replay_to_responder(&both, &padded, &[]), Ok(None)));
    // len(IA) above 32767.
    assert_eq!(
        responder(A_ENCRYPTED + 14, 0x80),
        Some("invalid_encrypt_handshake")
    );
    // crypto_select 0x01 → 0x03 (two modes), 0x00, and 0x05 (unknown bit).
    assert_eq!(
        initiator(B_ENCRYPTED + 11, 2),
        Some("unsupported_encryption_mode_selected")
    );
    assert_eq!(
        initiator(B_ENCRYPTED + 11, 1),
        Some("unsupported_encryption_mode_selected")
    );
    assert_eq!(
        initiator(B_ENCRYPTED + 11, 4),
        Some("unsupported_encryption_mode_selected")
    );
    // len(PadD) 0 → 0x0201.
    assert_eq!(initiator(B_ENCRYPTED + 13, 1), None);
    assert_eq!(initiator(B_ENCRYPTED + 12, 4), Some("invalid_pad_size"));
}

#[test]
fn a_selection_we_did_not_provide_is_refused() {
    // We provide RC4 only; a responder that answers plaintext is refused.
    let rc4 = config(EncLevel::Rc4, false, 0);
    let transcript = handshake(&rc4, &rc4);
    let select_plaintext = flipped(&transcript.b_to_a, B_ENCRYPTED + 11, 0x02 ^ 0x01);
    let outcome = replay_to_initiator(&rc4, &select_plaintext, &[]);
    assert_eq!(code(&outcome), Some("unsupported_encryption_mode_selected"));
}

#[test]
fn the_responder_needs_the_torrent() {
    let both = config(EncLevel::Both, false, 0);
    let transcript = handshake(&both, &both);
    let mut b = MseResponder::new(&both, SEED_B);
    let mut input = BytesMut::from(&transcript.a_to_b[..]);
    let error = b.handle_read(&mut input, &StreamKeys::new()).unwrap_err();
    assert_eq!(error.code_name(), Some("invalid_info_hash"));
    // A hybrid torrent's truncated v2 hash is found like a v1 hash.
    let mut keys = StreamKeys::new();
    keys.insert(info_hash());
    keys.remove(&info_hash());
    assert!(keys.is_empty());
}

#[test]
fn initial_payload_limit() {
    let config = MseConfig::default();
    let too_long = vec![0; MAX_INITIAL_PAYLOAD + 1];
    let error = MseInitiator::new(&config, info_hash(), &too_long, SEED_A).unwrap_err();
    assert!(matches!(error, WireError::ApiMisuse(_)));
    assert!(MseInitiator::new(&config, info_hash(), &too_long[1..], SEED_A).is_ok());
}

#[test]
fn pad_lengths_follow_the_configured_range() {
    let mut random = SeededRandom::new([9; 32]);
    let lengths: Vec<u16> = (0..200).map(|_| random.pad_length(&(0..=512))).collect();
    assert!(lengths.iter().all(|&length| length <= 512));
    assert!(lengths.iter().any(|&length| length > 256));
    assert_eq!(random.pad_length(&(600..=900)), 512);
    assert_eq!(random.pad_length(&(7..=7)), 7);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1500), chunk in 1usize..200) {
        let config = MseConfig::default();
        let splits: Vec<usize> = (1..).map(|index| index * chunk).take_while(|&at| at < data.len()).collect();
        let _ = replay_to_responder(&config, &data, &splits);
        let _ = replay_to_initiator(&config, &data, &splits);
    }

    #[test]
    fn mutated_handshakes_never_panic(offset in any::<prop::sample::Index>(), mask in 1u8.., split in any::<prop::sample::Index>()) {
        let config = config(EncLevel::Both, false, 0);
        let transcript = handshake(&config, &config);
        let a_to_b = flipped(&transcript.a_to_b, offset.index(transcript.a_to_b.len()), mask);
        let _ = replay_to_responder(&config, &a_to_b, &[split.index(a_to_b.len())]);
        let b_to_a = flipped(&transcript.b_to_a, offset.index(transcript.b_to_a.len()), mask);
        let _ = replay_to_initiator(&config, &b_to_a, &[split.index(b_to_a.len())]);
    }

    #[test]
    fn any_three_way_split_completes(first in any::<prop::sample::Index>(), second in any::<prop::sample::Index>()) {
        let config = config(EncLevel::Rc4, false, 40);
        let transcript = handshake(&config, &config);
        let mut cuts = [first.index(transcript.a_to_b.len()), second.index(transcript.a_to_b.len())];
        cuts.sort_unstable();
        let b = established(replay_to_responder(&config, &transcript.a_to_b, &cuts));
        prop_assert_eq!(&b.initial_payload[..], IA);
    }
}
