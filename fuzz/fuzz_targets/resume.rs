//! read_resume_data on arbitrary bytes: never panics, and what it accepts survives
//! write → read (as `expected_round_trip` says the format carries it), then stays fixed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lt_metainfo::resume_internal::expected_round_trip;
use lt_metainfo::{read_resume_data, write_resume_data, write_resume_data_buf, LoadTorrentLimits};

fuzz_target!(|data: &[u8]| {
    let limits = LoadTorrentLimits::default();
    let Ok(params) = read_resume_data(data, &limits) else {
        return;
    };
    let written = write_resume_data_buf(&params);
    let again = match read_resume_data(&written, &limits) {
        Ok(again) => again,
        Err(error) => panic!("our own resume data does not load: {error}\n{params:?}"),
    };
    assert_eq!(again, expected_round_trip(&params), "{params:?}");
    // Read params are already in the form the format carries.
    assert_eq!(expected_round_trip(&again), again);
    // A second write gives the same bytes.
    assert_eq!(write_resume_data_buf(&again), written);
    // The Value form encodes the same when the info section is canonical (or absent).
    let canonical = params.ti.as_ref().is_none_or(|ti| {
        lt_bencode::Value::decode(ti.info_section())
            .is_ok_and(|v| v.to_bytes() == ti.info_section())
    });
    if canonical {
        assert_eq!(write_resume_data(&params).to_bytes(), written);
    }
});
