//! BitTorrent handshake decoding on arbitrary bytes: never panics, agrees with the 48-byte
//! header decoder and the protocol sniffer, and what it accepts re-encodes byte for byte.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use lt_wire::{decode_peer_id, is_plaintext_handshake, Handshake, HandshakeHeader, PROTOCOL};

fuzz_target!(|data: &[u8]| {
    // Half the inputs start with the protocol string, so the fields behind it get exercised.
    let mut input = Vec::new();
    if data.first().is_some_and(|byte| byte & 1 == 0) {
        input.extend_from_slice(PROTOCOL);
    }
    input.extend_from_slice(data.get(1..).unwrap_or_default());

    let whole = Handshake::decode(&mut BytesMut::from(&input[..]));
    let mut buffer = BytesMut::from(&input[..]);
    let header = HandshakeHeader::decode(&mut buffer);
    assert_eq!(whole.is_err(), header.is_err());
    assert_eq!(
        is_plaintext_handshake(&input) == Some(false),
        whole.is_err()
    );

    if let Ok(Some(handshake)) = whole {
        assert_eq!(header, Ok(Some(handshake.header())));
        assert_eq!(decode_peer_id(&mut buffer), Some(handshake.peer_id));
        let mut wire = Vec::new();
        handshake.encode(&mut wire);
        assert_eq!(wire, input[..Handshake::LEN]);
    }
});
