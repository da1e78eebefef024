//! Peer wire message decoding on arbitrary bytes: never panics, gives the same result however
//! the stream is split, and every decoded message re-encodes to bytes that decode to it again.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use lt_wire::{ExtensionIds, InvalidMessage, Message, MessageDecoder};

/// Decodes `data` fed in two parts split at `cut`; returns the messages and the first error.
fn decode_split(data: &[u8], cut: usize) -> (Vec<Message>, Option<InvalidMessage>) {
    let mut decoder = MessageDecoder::default();
    let mut buffer = BytesMut::new();
    let mut messages = Vec::new();
    for part in [&data[..cut], &data[cut..]] {
        buffer.extend_from_slice(part);
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(message)) => messages.push(message),
                Ok(None) => break,
                Err(error) => return (messages, Some(error)),
            }
        }
    }
    (messages, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut_byte, stream)) = data.split_first() else {
        return;
    };
    let whole = decode_split(stream, stream.len());
    let cut = usize::from(cut_byte) * stream.len() / 255;
    assert_eq!(
        decode_split(stream, cut),
        whole,
        "split at {cut} changed the result"
    );

    let ids = ExtensionIds::default();
    for message in whole.0 {
        let mut wire = Vec::new();
        message
            .encode(&ids, &mut wire)
            .expect("a decoded message encodes");
        let mut buffer = BytesMut::from(&wire[..]);
        let again = MessageDecoder::default().decode(&mut buffer);
        assert_eq!(
            again,
            Ok(Some(message)),
            "re-encoded message decodes differently"
        );
        assert!(buffer.is_empty());
    }
});
