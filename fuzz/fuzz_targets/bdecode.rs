//! bdecode on arbitrary bytes: never panics, and what it accepts re-encodes consistently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lt_bencode::{bdecode_partial, bdecode_with, print_entry, DecodeOptions, Decoder};

fuzz_target!(|data: &[u8]| {
    let options = DecodeOptions { depth_limit: 64, token_limit: 100_000, ..DecodeOptions::default() };
    match bdecode_with(data, &options) {
        Ok(document) => {
            let root = document.root();
            let _ = print_entry(&root, false, 0);
            let section = root.data_section();
            assert_eq!(section, &data[..document.consumed()]);
            let soft = root.soft_error();
            if let Ok(value) = root.to_value() {
                let encoded = value.to_bytes();
                // Canonical input re-encodes byte for byte.
                if soft.is_none() {
                    assert_eq!(encoded, section, "canonical input must round trip");
                }
                // What we encode always decodes strictly to the same value.
                let strict = DecodeOptions { strict: true, depth_limit: usize::MAX, ..options.clone() };
                let again = bdecode_with(&encoded, &strict).expect("our encoding decodes strictly");
                assert_eq!(again.root().to_value().expect("fits"), value);
            }
            // The reusable decoder agrees with the one-shot one.
            let mut decoder = Decoder::new(options.clone());
            let reused = decoder.decode(data).expect("same input, same limits");
            assert_eq!(reused.data_section(), section);
        }
        Err(error) => {
            assert!(error.offset <= data.len());
            let partial = bdecode_partial(data, &options).expect_err("fails the same way");
            assert_eq!(partial.error, error);
            if let Some(document) = partial.document {
                let _ = print_entry(&document.root(), true, 0);
                let _ = document.root().to_value();
            }
        }
    }
});
