//! The serde deserializer on arbitrary bytes: never panics, agrees with bdecode on what is
//! valid, and round trips what it reads.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use lt_bencode::{bdecode, from_bytes, to_bytes, Value};

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    t: Option<&'a str>,
    y: Option<String>,
    a: Option<BTreeMap<String, Value>>,
    e: Option<(i64, String)>,
    v: Option<Vec<u8>>,
    n: Option<Vec<i32>>,
}

fuzz_target!(|data: &[u8]| {
    let via_serde = from_bytes::<Value>(data);
    match bdecode(data) {
        Ok(document) if document.consumed() == data.len() => match document.root().to_value() {
            Ok(value) => {
                // Within libtorrent's default depth both paths accept the same inputs.
                if let Ok(serde_value) = &via_serde {
                    assert_eq!(serde_value, &value);
                }
                let encoded = to_bytes(&value).expect("a Value always serializes");
                assert_eq!(encoded, value.to_bytes());
            }
            Err(_) => assert!(via_serde.is_err()),
        },
        _ => assert!(via_serde.is_err(), "serde accepted what bdecode rejects"),
    }
    if let Ok(message) = from_bytes::<Message<'_>>(data) {
        if let Ok(encoded) = to_bytes(&message) {
            let again: Message<'_> = from_bytes(&encoded).expect("our own output reads back");
            assert_eq!(again, message);
        }
    }
});
