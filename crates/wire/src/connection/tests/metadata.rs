//! ut_metadata between a connection without metadata and one that serves it, with the
//! assembler on top.

use super::*;
use crate::{MetadataAssembler, MetadataProgress, PeerConnection};
use lt_core::Sha1Hash;

/// An info dictionary of `length` bytes.
fn info_dict(length: usize) -> Bytes {
    let mut info = b"d4:name".to_vec();
    let digits = (1..8)
        .find(|digits| (length - 9 - digits).to_string().len() == *digits)
        .expect("a length prefix");
    let name = vec![b'n'; length - 9 - digits];
    info.extend(format!("{}:", name.len()).as_bytes());
    info.extend(name);
    info.push(b'e');
    assert_eq!(info.len(), length);
    Bytes::from(info)
}

fn metadata_pair(source: Option<Bytes>) -> Pair {
    let mut pair = Pair::new(WireConfig::default());
    pair.a = PeerConnection::without_metadata(WireConfig::default(), Pair::hello(b'a'), pair.now);
    if let Some(info) = source {
        pair.b.set_metadata_source(info);
    }
    pair.advance(Duration::from_millis(50));
    pair
}

#[test]
fn metadata_is_fetched_two_pieces_at_a_time_and_verified() {
    let info = info_dict(40_000);
    let mut pair = metadata_pair(Some(info.clone()));
    let size = pair
        .events_a()
        .into_iter()
        .find_map(|event| match event {
            WireEvent::ExtensionHandshake(handshake) => handshake.metadata_size,
            _ => None,
        })
        .expect("b advertises metadata_size");
    assert_eq!(size, 40_000);
    let mut assembler = MetadataAssembler::new(Sha1Hash::digest(&info));
    assembler.set_total_size(size).expect("under the limit");
    let mut done = None;
    for _ in 0..20 {
        while pair.a.metadata_requests_outstanding() < 2 {
            let Some(piece) = assembler.next_request(pair.now) else {
                break;
            };
            pair.a
                .request_metadata(pair.now, piece)
                .expect("b supports ut_metadata");
        }
        settle(&mut pair);
        for event in pair.events_a() {
            if let WireEvent::MetadataPiece {
                piece,
                total_size,
                data,
            } = event
            {
                if let MetadataProgress::Complete(info) =
                    assembler.receive(piece, total_size, &data).expect("valid")
                {
                    done = Some(info);
                }
            }
        }
        if done.is_some() {
            break;
        }
    }
    assert_eq!(done, Some(info));
    assert_eq!(pair.a.metadata_requests_outstanding(), 0);
}

#[test]
fn without_a_source_metadata_requests_are_rejected() {
    let mut pair = metadata_pair(None);
    pair.events_a();
    pair.a
        .request_metadata(pair.now, 0)
        .expect("b supports ut_metadata");
    settle(&mut pair);
    assert_eq!(pair.events_a(), [WireEvent::MetadataRejected { piece: 0 }]);
}

#[test]
fn unrequested_metadata_is_ignored() {
    let info = info_dict(100);
    let mut pair = metadata_pair(Some(info.clone()));
    pair.events_a();
    let unsolicited = crate::serve_metadata_piece(&info, 0);
    pair.b
        .send(
            pair.now,
            &Message::Extended(crate::ExtendedMessage::Metadata(unsolicited)),
        )
        .expect("a supports ut_metadata");
    settle(&mut pair);
    assert!(pair.events_a().is_empty());
    assert!(!pair.a.is_closed());
}
