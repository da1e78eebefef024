//! Resume data (libtorrent's bencoded format): every key and every error of
//! `read_resume_data`, the writer's layout, a write → read property, the atomic save, and
//! `write_torrent_file` on libtorrent's torrent corpus.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lt_bencode::{Dict, Value};
use lt_core::{Bitfield, FileIndex, InfoHash, PieceIndex, Sha1Hash, Sha256Hash};
use lt_metainfo::resume_internal::expected_round_trip;
use lt_metainfo::{
    read_resume_data, save_resume_data_file, write_resume_data, write_resume_data_buf,
    write_torrent_file, write_torrent_file_buf, AddTorrentParams, LoadTorrentLimits, ResumeError,
    StorageMode, TorrentFlags, WriteTorrentError, WriteTorrentFlags,
};
use proptest::prelude::*;

const HASH: [u8; 20] = *b"aaaaaaaaaaaaaaaaaaaa";

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/libtorrent-torrents")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).expect("fixture")
}

fn int(value: i64) -> Value {
    Value::Int(value)
}

fn bytes(value: &[u8]) -> Value {
    Value::Bytes(value.to_vec())
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn dict(entries: &[(&str, Value)]) -> Value {
    Value::Dict(
        entries
            .iter()
            .map(|(key, value)| (key.as_bytes().to_vec(), value.clone()))
            .collect(),
    )
}

/// A valid resume file (format tag and a v1 info-hash) with `entries` added or replaced.
fn resume(entries: &[(&str, Value)]) -> Vec<u8> {
    let mut all: Dict = [
        (b"file-format".to_vec(), bytes(b"libtorrent resume file")),
        (b"info-hash".to_vec(), bytes(&HASH)),
    ]
    .into_iter()
    .collect();
    for (key, value) in entries {
        all.insert(key.as_bytes().to_vec(), value.clone());
    }
    Value::Dict(all).to_bytes()
}

fn read(entries: &[(&str, Value)]) -> AddTorrentParams {
    read_resume_data(&resume(entries), &LoadTorrentLimits::default()).expect("resume data loads")
}

fn read_err(bytes: &[u8]) -> ResumeError {
    read_resume_data(bytes, &LoadTorrentLimits::default()).expect_err("resume data is rejected")
}

fn bits(len: usize, ones: &[usize]) -> Bitfield {
    let mut bits = Bitfield::new(len);
    ones.iter().for_each(|&bit| bits.set(bit));
    bits
}

fn addr(text: &str) -> SocketAddr {
    text.parse().expect("socket address")
}

// ----- errors -----

#[test]
fn errors_have_libtorrents_names_and_messages() {
    let cases: [(&[u8], &str, &str); 9] = [
        (b"le", "not_a_dictionary", "not a dictionary"),
        (b"i5e", "not_a_dictionary", "not a dictionary"),
        (b"3:abc", "not_a_dictionary", "not a dictionary"),
        (b"de", "invalid_file_tag", "invalid file format tag"),
        (
            b"d11:file-format3:fooe",
            "invalid_file_tag",
            "invalid file format tag",
        ),
        (
            b"d11:file-format22:libtorrent resume filee",
            "missing_info_hash",
            "missing info-hash",
        ),
        (
            b"d11:file-format22:libtorrent resume file9:info-hash3:abc10:info-hash22:abe",
            "missing_info_hash",
            "missing info-hash",
        ),
        (
            b"d",
            "unexpected_eof",
            "unexpected end of file in bencoded string",
        ),
        (
            b"x",
            "expected_value",
            "expected value (list, dict, int or string) in bencoded string",
        ),
    ];
    for (input, name, message) in cases {
        let error = read_err(input);
        assert_eq!(error.code_name(), name, "{input:?}");
        assert_eq!(error.libtorrent_message(), message, "{input:?}");
    }
    assert!(matches!(read_err(b"le"), ResumeError::NotADictionary));
    assert!(matches!(read_err(b"d"), ResumeError::Bdecode(_)));
}

#[test]
fn file_version_must_be_one_or_two() {
    for version in [0, 3, -1, 100] {
        let bytes = resume(&[("file-version", int(version))]);
        assert!(
            matches!(read_err(&bytes), ResumeError::InvalidFileTag),
            "{version}"
        );
    }
    for version in [int(1), int(2), bytes(b"7")] {
        read(&[("file-version", version)]);
    }
}

#[test]
fn info_must_match_the_info_hashes() {
    let info = b"d6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae";
    let info_value = Value::decode(info).unwrap();
    let error = read_err(&resume(&[("info", info_value.clone())]));
    assert!(matches!(error, ResumeError::MismatchingInfoHash));
    assert_eq!(error.to_string(), "mismatching info-hash");
    assert_eq!(error.code_name(), "mismatching_info_hash");

    let v1 = Sha1Hash::digest(info);
    let v2 = Sha256Hash::digest(info);
    let wrong_v2 = resume(&[
        ("info", info_value.clone()),
        ("info-hash", bytes(v1.as_bytes())),
        ("info-hash2", bytes(&[7; 32])),
    ]);
    assert!(matches!(
        read_err(&wrong_v2),
        ResumeError::MismatchingInfoHash
    ));

    // An all-zero hash is no hash: nothing to compare, and the params keep no info-hash.
    let params = read(&[("info", info_value.clone()), ("info-hash", bytes(&[0; 20]))]);
    assert_eq!(params.info_hashes, InfoHash::default());
    assert_eq!(
        params.ti.as_ref().map(|ti| ti.info_hashes().v1),
        Some(Some(v1))
    );

    // A v1 torrent with both digests given.
    let params = read(&[
        ("info", info_value),
        ("info-hash", bytes(v1.as_bytes())),
        ("info-hash2", bytes(v2.as_bytes())),
    ]);
    assert_eq!(params.info_hashes, InfoHash::hybrid(v1, v2));
}

#[test]
fn an_invalid_info_dict_is_a_metainfo_error() {
    let info = b"d6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces19:aaaaaaaaaaaaaaaaaaae";
    let bytes = resume(&[
        ("info", Value::decode(info).unwrap()),
        ("info-hash", bytes(Sha1Hash::digest(info).as_bytes())),
    ]);
    let error = read_err(&bytes);
    assert!(matches!(error, ResumeError::Metainfo(_)));
    assert_eq!(error.code_name(), "torrent_invalid_hashes");
    assert_eq!(
        error.to_string(),
        "incorrect number of piece hashes in torrent file"
    );
}

#[test]
fn decode_limits_apply() {
    let mut deep = resume(&[]);
    deep.truncate(deep.len() - 1);
    deep.extend_from_slice(b"1:x");
    deep.extend(std::iter::repeat_n(b'l', 200));
    deep.extend(std::iter::repeat_n(b'e', 201));
    assert_eq!(read_err(&deep).code_name(), "depth_exceeded");
    let limits = LoadTorrentLimits {
        max_decode_depth: 1000,
        ..LoadTorrentLimits::default()
    };
    assert!(read_resume_data(&deep, &limits).is_ok());
}

// ----- every key -----

#[test]
fn a_minimal_file_gives_libtorrents_defaults() {
    let params = read(&[]);
    let expected = AddTorrentParams {
        info_hashes: InfoHash::v1(Sha1Hash::from_bytes(HASH)),
        flags: TorrentFlags::DEFAULT - TorrentFlags::NEED_SAVE_RESUME,
        ..AddTorrentParams::default()
    };
    assert_eq!(params, expected);
    assert_eq!(params.max_uploads, -1);
    assert_eq!(params.num_complete, -1);
    assert_eq!(params.storage_mode, StorageMode::Sparse);
}

#[test]
fn allocation() {
    for (value, mode) in [
        (bytes(b"allocate"), StorageMode::Allocate),
        (bytes(b"full"), StorageMode::Allocate),
        (bytes(b"sparse"), StorageMode::Sparse),
        (bytes(b"compact"), StorageMode::Sparse),
        (int(1), StorageMode::Sparse),
    ] {
        assert_eq!(
            read(&[("allocation", value.clone())]).storage_mode,
            mode,
            "{value:?}"
        );
    }
}

#[test]
fn info_hash2_alone_and_name() {
    let params = read(&[
        ("info-hash", bytes(b"short")),
        ("info-hash2", bytes(&[9; 32])),
        ("name", bytes(b"a name")),
    ]);
    assert_eq!(
        params.info_hashes,
        InfoHash::v2(Sha256Hash::from_bytes([9; 32]))
    );
    assert_eq!(params.name.as_deref(), Some("a name"));
    assert_eq!(read(&[("name", bytes(b""))]).name, None);
}

#[test]
fn info_comment_creator_and_date_apply_to_the_torrent() {
    let info = b"d6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae";
    let params = read(&[
        ("info", Value::decode(info).unwrap()),
        ("info-hash", bytes(Sha1Hash::digest(info).as_bytes())),
        ("comment", bytes(b"hello")),
        ("created by", bytes(b"me")),
        ("creation date", int(77)),
    ]);
    let ti = params.ti.as_ref().expect("metadata");
    assert_eq!(ti.name(), "a.txt");
    assert_eq!(ti.info_section(), info);
    assert_eq!(
        (ti.comment(), ti.creator(), ti.creation_date()),
        ("hello", "me", Some(77))
    );
    assert_eq!(
        (params.comment.as_str(), params.created_by.as_str()),
        ("hello", "me")
    );
    assert_eq!(params.creation_date, Some(77));
    // Without `info`, they still land in the params.
    let params = read(&[("comment", bytes(b"c")), ("creation date", int(0))]);
    assert_eq!((params.comment.as_str(), params.creation_date), ("c", None));
}

#[test]
fn trees_in_both_layouts() {
    let hashes: Vec<u8> = [[1u8; 32], [2; 32]].concat();
    let v1_trees = list(vec![
        dict(&[
            ("hashes", bytes(&hashes)),
            ("mask", bytes(b"0110000")),
            ("verified", bytes(b"101")),
        ]),
        dict(&[("hashes", bytes(b""))]),
        int(5), // reading stops here
        dict(&[("hashes", bytes(&hashes))]),
    ]);
    let params = read(&[("trees", v1_trees)]);
    let two = vec![
        Sha256Hash::from_bytes([1; 32]),
        Sha256Hash::from_bytes([2; 32]),
    ];
    assert_eq!(params.merkle_trees, vec![two.clone(), Vec::new()]);
    assert_eq!(
        params.merkle_tree_mask,
        vec![bits(7, &[1, 2]), Bitfield::new(0)]
    );
    assert_eq!(
        params.verified_leaf_hashes,
        vec![bits(3, &[0, 2]), Bitfield::new(0)]
    );

    let v2_trees = list(vec![
        dict(&[
            ("hashes", bytes(&hashes)),
            ("mask", bytes(&[0x60])),
            ("verified", bytes(&[0xa0])),
        ]),
        dict(&[("hashes", bytes(&hashes[..40]))]), // not whole hashes: reading stops
        dict(&[("hashes", bytes(&hashes))]),
    ]);
    let params = read(&[("trees", v2_trees), ("file-version", int(2))]);
    assert_eq!(params.merkle_trees, vec![two]);
    assert_eq!(params.merkle_tree_mask, vec![bits(8, &[1, 2])]);
    assert_eq!(params.verified_leaf_hashes, vec![bits(8, &[0, 2])]);
}

#[test]
fn totals_times_scrape_counts_and_limits() {
    let params = read(&[
        ("total_uploaded", int(1 << 40)),
        ("total_downloaded", int(-5)),
        ("active_time", int(10)),
        ("finished_time", int(-3)),
        ("seeding_time", int((1 << 32) + 7)), // libtorrent keeps the low 32 bits
        ("last_seen_complete", int(11)),
        ("last_download", int(12)),
        ("last_upload", int(13)),
        ("added_time", int(14)),
        ("completed_time", int(15)),
        ("num_complete", int(16)),
        ("num_incomplete", int(17)),
        ("num_downloaded", int(18)),
        ("max_uploads", int(19)),
        ("max_connections", int(20)),
        ("upload_rate_limit", int(21)),
        ("download_rate_limit", bytes(b"22")), // not an integer: the default
    ]);
    assert_eq!(
        (params.total_uploaded, params.total_downloaded),
        (1 << 40, -5)
    );
    assert_eq!(params.active_time, Duration::from_secs(10));
    assert_eq!(params.finished_time, Duration::ZERO);
    assert_eq!(params.seeding_time, Duration::from_secs(7));
    assert_eq!(
        [
            params.last_seen_complete,
            params.last_download,
            params.last_upload
        ],
        [11, 12, 13]
    );
    assert_eq!([params.added_time, params.completed_time], [14, 15]);
    assert_eq!(
        [
            params.num_complete,
            params.num_incomplete,
            params.num_downloaded
        ],
        [16, 17, 18]
    );
    assert_eq!(
        [
            params.max_uploads,
            params.max_connections,
            params.upload_limit,
            params.download_limit
        ],
        [19, 20, 21, -1]
    );
}

#[test]
fn every_flag_key() {
    let keys = [
        ("seed_mode", TorrentFlags::SEED_MODE),
        ("upload_mode", TorrentFlags::UPLOAD_MODE),
        ("share_mode", TorrentFlags::SHARE_MODE),
        ("apply_ip_filter", TorrentFlags::APPLY_IP_FILTER),
        ("paused", TorrentFlags::PAUSED),
        ("auto_managed", TorrentFlags::AUTO_MANAGED),
        ("super_seeding", TorrentFlags::SUPER_SEEDING),
        ("sequential_download", TorrentFlags::SEQUENTIAL_DOWNLOAD),
        ("stop_when_ready", TorrentFlags::STOP_WHEN_READY),
        ("disable_dht", TorrentFlags::DISABLE_DHT),
        ("disable_lsd", TorrentFlags::DISABLE_LSD),
        ("disable_pex", TorrentFlags::DISABLE_PEX),
        ("i2p", TorrentFlags::I2P_TORRENT),
        ("disable_v1_hashes", TorrentFlags::DISABLE_V1_HASHES),
    ];
    let defaults = read(&[]).flags;
    for (key, flag) in keys {
        let on_by_default = TorrentFlags::DEFAULT.contains(flag);
        assert_eq!(defaults.contains(flag), on_by_default, "{key}");
        assert!(read(&[(key, int(1))]).flags.contains(flag), "{key}");
        assert!(read(&[(key, int(7))]).flags.contains(flag), "{key}");
        assert!(!read(&[(key, int(0))]).flags.contains(flag), "{key}");
        let mistyped = read(&[(key, bytes(b"1"))]).flags.contains(flag);
        assert_eq!(mistyped, on_by_default, "{key}");
    }
    assert!(!defaults.contains(TorrentFlags::NEED_SAVE_RESUME));
    assert!(defaults.contains(TorrentFlags::UPDATE_SUBSCRIBE));
}

#[test]
fn paths_certificate_and_renamed_files() {
    let params = read(&[
        ("save_path", bytes(b"/data")),
        ("part_file_dir", bytes(b"/parts")),
        ("root_certificate", bytes(b"PEM")),
        (
            "mapped_files",
            list(vec![bytes(b""), int(5), bytes(b"b/c"), bytes(b"\xffd")]),
        ),
    ]);
    assert_eq!(
        (params.save_path.as_str(), params.part_file_dir.as_str()),
        ("/data", "/parts")
    );
    assert_eq!(params.root_certificate, b"PEM");
    let renamed: BTreeMap<FileIndex, String> = [
        (FileIndex::new(2), "b/c".to_owned()),
        (FileIndex::new(3), "\u{fffd}d".to_owned()),
    ]
    .into_iter()
    .collect();
    assert_eq!(params.renamed_files, renamed);
    assert_eq!(read(&[("save_path", int(3))]).save_path, "");
}

#[test]
fn file_priorities_are_clamped_and_a_zero_leaves_seed_mode() {
    let priorities = list(vec![int(256), int(-1), bytes(b"x"), int(3), int(9), int(0)]);
    let params = read(&[("file_priority", priorities), ("seed_mode", int(1))]);
    assert_eq!(params.file_priorities, [0, 7, 4, 3, 7, 0]);
    assert!(!params.flags.contains(TorrentFlags::SEED_MODE));
    let params = read(&[("file_priority", list(vec![int(1)])), ("seed_mode", int(1))]);
    assert!(params.flags.contains(TorrentFlags::SEED_MODE));
    let params = read(&[("piece_priority", bytes(&[0, 7, 8, 255]))]);
    assert_eq!(params.piece_priorities, [0, 7, 7, 7]);
}

#[test]
fn trackers_keep_their_tiers_and_override() {
    let trackers = list(vec![
        bytes(b"not a tier"),
        list(vec![bytes(b"x"), int(5), bytes(b"y")]),
        list(vec![]),
        list(vec![int(3)]),
        bytes(b"skipped"),
        list(vec![bytes(b"z")]),
    ]);
    let params = read(&[("trackers", trackers)]);
    assert_eq!(params.trackers, ["x", "", "y", "", "z"]);
    assert_eq!(params.tracker_tiers, [0, 0, 0, 2, 3]);
    assert!(params.flags.contains(TorrentFlags::OVERRIDE_TRACKERS));
    // Present but empty: the trackers were removed, and must stay removed.
    assert!(read(&[("trackers", list(vec![]))])
        .flags
        .contains(TorrentFlags::OVERRIDE_TRACKERS));
    assert!(!read(&[("trackers", bytes(b"x"))])
        .flags
        .contains(TorrentFlags::OVERRIDE_TRACKERS));
    assert!(!read(&[]).flags.contains(TorrentFlags::OVERRIDE_TRACKERS));
    // Tiers past 1024 (more than libtorrent writes) read as 1024.
    let mut many = vec![list(vec![]); 2000];
    many.push(list(vec![bytes(b"far")]));
    assert_eq!(read(&[("trackers", list(many))]).tracker_tiers, [1024]);
}

#[test]
fn web_seeds_override() {
    let params = read(&[
        (
            "url-list",
            list(vec![bytes(b"a"), bytes(b""), int(4), bytes(b"b")]),
        ),
        ("httpseeds", list(vec![bytes(b"c")])),
    ]);
    assert_eq!(params.url_seeds, ["a", "b"]);
    assert_eq!(params.http_seeds, ["c"]);
    assert!(params.flags.contains(TorrentFlags::OVERRIDE_WEB_SEEDS));
    let only_http = read(&[("httpseeds", list(vec![]))]);
    assert!(only_http.flags.contains(TorrentFlags::OVERRIDE_WEB_SEEDS));
    let not_a_list = read(&[("url-list", bytes(b"abc"))]);
    assert!(not_a_list.url_seeds.is_empty());
    assert!(!not_a_list.flags.contains(TorrentFlags::OVERRIDE_WEB_SEEDS));
}

#[test]
fn pieces_in_both_layouts() {
    let params = read(&[("pieces", bytes(&[1, 2, 3, 0]))]);
    assert_eq!(params.have_pieces, bits(4, &[0, 2]));
    assert_eq!(params.verified_pieces, bits(4, &[1, 2]));
    let params = read(&[("pieces", bytes(&[1, 2, 3])), ("verified", bytes(&[0xff]))]);
    assert_eq!(params.verified_pieces, bits(8, &[0, 1, 2, 3, 4, 5, 6, 7]));
    let params = read(&[("pieces", bytes(&[0x01, 0x80])), ("file-version", int(2))]);
    assert_eq!(params.have_pieces, bits(16, &[7, 8]));
    assert!(params.verified_pieces.is_empty());
    let params = read(&[("verified", bytes(&[0x40])), ("file-version", int(2))]);
    assert_eq!(params.verified_pieces, bits(8, &[1]));
}

#[test]
fn peers_and_banned_peers() {
    let mut v6 = vec![0; 15];
    v6.extend_from_slice(&[1, 0, 80, 1, 2]); // one peer and two stray bytes
    let params = read(&[
        ("peers", bytes(&[1, 2, 3, 4, 0, 80, 5, 6, 7, 8, 0, 81, 9])),
        ("peers6", bytes(&v6)),
        ("banned_peers", bytes(&[1, 2, 3, 4, 0, 80, 9])),
        ("banned_peers6", bytes(&[0; 17])),
    ]);
    assert_eq!(
        params.peers,
        [addr("1.2.3.4:80"), addr("5.6.7.8:81"), addr("[::1]:80")]
    );
    assert_eq!(params.banned_peers, [addr("1.2.3.4:80")]);
}

#[test]
fn unfinished_pieces() {
    let entry =
        |piece: Value, bitmask: &[u8]| dict(&[("piece", piece), ("bitmask", bytes(bitmask))]);
    let unfinished = list(vec![
        int(1),
        entry(int(-1), &[0xff]),
        entry(int(3), &[]),
        entry(int(7), &[0xff, 0x01]),
        entry(int((1 << 32) + 1), &[0x80]), // libtorrent keeps the low 32 bits: piece 1
        entry(int(1 << 31), &[0x80]),       // negative as a 32-bit int: skipped
        dict(&[("bitmask", bytes(&[1]))]),
    ]);
    let params = read(&[("unfinished", unfinished)]);
    let expected: BTreeMap<PieceIndex, Bitfield> = [
        (PieceIndex::new(1), bits(8, &[0])),
        (PieceIndex::new(7), bits(16, &[0, 1, 2, 3, 4, 5, 6, 7, 15])),
    ]
    .into_iter()
    .collect();
    assert_eq!(params.unfinished_pieces, expected);
}

#[test]
fn a_qbittorrent_fastresume_loads() {
    // The shape qBittorrent 4.x (libtorrent 1.2) saves: file version 1 keys plus its own.
    let fastresume = resume(&[
        ("file-version", int(1)),
        ("libtorrent-version", bytes(b"1.2.19.0")),
        ("allocation", bytes(b"sparse")),
        ("active_time", int(3600)),
        ("added_time", int(1_700_000_000)),
        ("auto_managed", int(0)),
        ("paused", int(0)),
        ("save_path", bytes(b"/home/user/Downloads")),
        ("pieces", bytes(&[1, 1, 0, 3])),
        ("file_priority", list(vec![int(4), int(0)])),
        (
            "trackers",
            list(vec![list(vec![bytes(
                b"udp://tracker.example:1337/announce",
            )])]),
        ),
        ("url-list", list(vec![])),
        ("httpseeds", list(vec![])),
        ("mapped_files", list(vec![bytes(b"renamed.mkv")])),
        ("qBt-category", bytes(b"Movies")),
        ("qBt-tags", list(vec![bytes(b"hd"), bytes(b"new")])),
        ("qBt-savePath", bytes(b"/home/user/Downloads")),
        ("qBt-name", bytes(b"")),
        ("qBt-ratioLimit", int(-2000)),
        ("qBt-seedingTimeLimit", int(-2)),
        ("qBt-seedStatus", int(0)),
        ("qBt-firstLastPiecePriority", int(0)),
        ("qBt-hasRootFolder", int(1)),
        ("qBt-contentLayout", bytes(b"Original")),
        ("qBt-queuePosition", int(3)),
        ("qBt-stopCondition", bytes(b"None")),
        ("qBt-addedAt", dict(&[("x", int(1))])),
    ]);
    let params = read_resume_data(&fastresume, &LoadTorrentLimits::default()).expect("loads");
    assert_eq!(params.save_path, "/home/user/Downloads");
    assert_eq!(params.active_time, Duration::from_secs(3600));
    assert_eq!(params.have_pieces, bits(4, &[0, 1, 3]));
    assert_eq!(params.verified_pieces, bits(4, &[3]));
    assert_eq!(params.file_priorities, [4, 0]);
    assert_eq!(params.trackers, ["udp://tracker.example:1337/announce"]);
    assert_eq!(
        params
            .renamed_files
            .get(&FileIndex::new(0))
            .map(String::as_str),
        Some("renamed.mkv")
    );
    assert!(!params
        .flags
        .intersects(TorrentFlags::PAUSED | TorrentFlags::AUTO_MANAGED));
}

// ----- the writer -----

/// libtorrent 2.1.1's `write_resume_data_buf(add_torrent_params())` with our version string.
#[test]
fn default_params_write_as_libtorrent_writes_them() {
    let libtorrent: &[u8] = b"d11:active_timei0e10:added_timei0e10:allocation6:sparse15:apply_ip_filteri1e12:auto_managedi1e14:completed_timei0e11:disable_dhti0e11:disable_lsdi0e11:disable_pexi0e17:disable_v1_hashesi0e19:download_rate_limiti-1e11:file-format22:libtorrent resume file12:file-versioni2e13:finished_timei0e3:i2pi0e9:info-hash20:\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0010:info-hash232:\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0013:last_downloadi0e18:last_seen_completei0e11:last_uploadi0e18:libtorrent-version7:2.1.1.015:max_connectionsi-1e11:max_uploadsi-1e12:num_completei-1e14:num_downloadedi-1e14:num_incompletei-1e13:part_file_dir0:6:pausedi1e16:root_certificate0:9:save_path0:9:seed_modei0e12:seeding_timei0e19:sequential_downloadi0e10:share_modei0e15:stop_when_readyi0e13:super_seedingi0e16:total_downloadedi0e14:total_uploadedi0e8:trackersle11:upload_modei0e17:upload_rate_limiti-1e8:url-listlee";
    let mut ours = write_resume_data(&AddTorrentParams::default());
    let version = ours
        .as_dict_mut()
        .and_then(|dict| dict.insert(b"libtorrent-version".to_vec(), bytes(b"2.1.1.0")));
    assert!(version.is_some());
    assert_eq!(ours.to_bytes(), libtorrent);
}

#[test]
fn value_and_buffer_forms_agree() {
    let mut params = AddTorrentParams::load_torrent_buffer(&fixture("base.torrent")).unwrap();
    params.peers = vec![addr("[::1]:5"), addr("1.2.3.4:6")];
    params
        .unfinished_pieces
        .insert(PieceIndex::new(0), bits(3, &[1]));
    assert_eq!(
        write_resume_data(&params).to_bytes(),
        write_resume_data_buf(&params)
    );
}

#[test]
fn a_v2_torrent_keeps_its_piece_layers_through_resume_data() {
    for name in [
        "v2_multiple_files.torrent",
        "v2_only.torrent",
        "v2_hybrid.torrent",
    ] {
        let original = fixture(name);
        let params = AddTorrentParams::load_torrent_buffer(&original).unwrap();
        assert!(!params.merkle_trees.is_empty(), "{name}");
        let loaded = read_resume_data(
            &write_resume_data_buf(&params),
            &LoadTorrentLimits::default(),
        )
        .unwrap();
        assert_eq!(loaded.merkle_trees, params.merkle_trees, "{name}");
        let written =
            write_torrent_file_buf(&loaded, WriteTorrentFlags::INCLUDE_DHT_NODES).unwrap();
        assert_eq!(written, original, "{name}");
    }
}

// ----- write → read -----

fn any_bitfield(max_len: usize) -> impl Strategy<Value = Bitfield> {
    prop::collection::vec(any::<bool>(), 0..max_len).prop_map(|bools| {
        let mut bits = Bitfield::new(bools.len());
        bools
            .iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .for_each(|(i, _)| bits.set(i));
        bits
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z/:.]{1,12}", any::<String>()]
}

fn any_endpoint() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::from((ip, port))),
        (any::<[u8; 16]>(), any::<u16>(), any::<u32>()).prop_map(|(ip, port, scope)| {
            SocketAddr::V6(std::net::SocketAddrV6::new(ip.into(), port, 0, scope))
        }),
    ]
}

fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..=u64::from(u32::MAX)).prop_map(Duration::from_secs),
        any::<u64>().prop_map(Duration::from_nanos),
    ]
}

prop_compose! {
    fn any_identity()(
        v1 in proptest::option::of(any::<[u8; 20]>()),
        v2 in proptest::option::of(any::<[u8; 32]>()),
        with_ti in any::<bool>(),
        name in proptest::option::of(any_text()),
        save_path in any_text(),
        comment in any_text(),
        created_by in any_text(),
        creation_date in proptest::option::of(any::<i64>()),
        part_file_dir in any_text(),
        root_certificate in prop::collection::vec(any::<u8>(), 0..8),
        storage_allocate in any::<bool>(),
        flags in any::<u64>(),
    ) -> AddTorrentParams {
        let mut params = AddTorrentParams {
            info_hashes: InfoHash { v1: v1.map(Sha1Hash::from_bytes), v2: v2.map(Sha256Hash::from_bytes) },
            name, save_path, comment, created_by, creation_date, part_file_dir, root_certificate,
            storage_mode: if storage_allocate { StorageMode::Allocate } else { StorageMode::Sparse },
            flags: TorrentFlags::from_bits(flags) & TorrentFlags::ALL,
            ..AddTorrentParams::default()
        };
        if with_ti {
            let torrent = AddTorrentParams::load_torrent_buffer(&fixture("base.torrent")).unwrap();
            // The info-hash must match the metadata, or be left out.
            params.info_hashes = if params.info_hashes.v1.is_some() { torrent.info_hashes } else { InfoHash::default() };
            params.ti = torrent.ti;
        }
        params
    }
}

prop_compose! {
    fn any_swarm()(
        trackers in prop::collection::vec(any_text(), 0..5),
        tracker_tiers in prop::collection::vec(0u32..1100, 0..5),
        trackerid in any_text(),
        url_seeds in prop::collection::vec(any_text(), 0..3),
        http_seeds in prop::collection::vec(any_text(), 0..3),
        dht_nodes in prop::collection::vec((any_text(), any::<u16>()), 0..3),
        peers in prop::collection::vec(any_endpoint(), 0..4),
        banned_peers in prop::collection::vec(any_endpoint(), 0..4),
    ) -> AddTorrentParams {
        AddTorrentParams {
            trackers, tracker_tiers, trackerid, url_seeds, http_seeds, dht_nodes, peers, banned_peers,
            ..AddTorrentParams::default()
        }
    }
}

prop_compose! {
    fn any_progress()(
        have_pieces in any_bitfield(40),
        verified_pieces in any_bitfield(40),
        unfinished in prop::collection::btree_map(any::<u32>(), any_bitfield(20), 0..4),
        file_priorities in prop::collection::vec(any::<u8>(), 0..6),
        piece_priorities in prop::collection::vec(any::<u8>(), 0..6),
        renamed in prop::collection::btree_map(0u32..50, any_text(), 0..4),
        trees in prop::collection::vec(prop::collection::vec(any::<[u8; 32]>(), 0..3), 0..3),
        masks in prop::collection::vec(any_bitfield(20), 0..4),
        verified_leafs in prop::collection::vec(any_bitfield(20), 0..4),
    ) -> AddTorrentParams {
        AddTorrentParams {
            have_pieces, verified_pieces, file_priorities, piece_priorities,
            unfinished_pieces: unfinished.into_iter().map(|(p, b)| (PieceIndex::new(p), b)).collect(),
            renamed_files: renamed.into_iter().map(|(f, n)| (FileIndex::new(f), n)).collect(),
            merkle_trees: trees.into_iter().map(|t| t.into_iter().map(Sha256Hash::from_bytes).collect()).collect(),
            merkle_tree_mask: masks,
            verified_leaf_hashes: verified_leafs,
            ..AddTorrentParams::default()
        }
    }
}

prop_compose! {
    fn any_counters()(
        limits in any::<[i32; 4]>(),
        scrape in any::<[i32; 3]>(),
        totals in any::<[i64; 2]>(),
        times in any::<[i64; 5]>(),
        durations in [any_duration(), any_duration(), any_duration()],
    ) -> AddTorrentParams {
        AddTorrentParams {
            max_uploads: limits[0], max_connections: limits[1], upload_limit: limits[2], download_limit: limits[3],
            num_complete: scrape[0], num_incomplete: scrape[1], num_downloaded: scrape[2],
            total_uploaded: totals[0], total_downloaded: totals[1],
            added_time: times[0], completed_time: times[1], last_seen_complete: times[2],
            last_download: times[3], last_upload: times[4],
            active_time: durations[0], finished_time: durations[1], seeding_time: durations[2],
            ..AddTorrentParams::default()
        }
    }
}

prop_compose! {
    fn any_params()(
        identity in any_identity(),
        swarm in any_swarm(),
        progress in any_progress(),
        counters in any_counters(),
    ) -> AddTorrentParams {
        AddTorrentParams {
            trackers: swarm.trackers, tracker_tiers: swarm.tracker_tiers, trackerid: swarm.trackerid,
            url_seeds: swarm.url_seeds, http_seeds: swarm.http_seeds, dht_nodes: swarm.dht_nodes,
            peers: swarm.peers, banned_peers: swarm.banned_peers,
            have_pieces: progress.have_pieces, verified_pieces: progress.verified_pieces,
            unfinished_pieces: progress.unfinished_pieces, file_priorities: progress.file_priorities,
            piece_priorities: progress.piece_priorities, renamed_files: progress.renamed_files,
            merkle_trees: progress.merkle_trees, merkle_tree_mask: progress.merkle_tree_mask,
            verified_leaf_hashes: progress.verified_leaf_hashes,
            max_uploads: counters.max_uploads, max_connections: counters.max_connections,
            upload_limit: counters.upload_limit, download_limit: counters.download_limit,
            num_complete: counters.num_complete, num_incomplete: counters.num_incomplete,
            num_downloaded: counters.num_downloaded, total_uploaded: counters.total_uploaded,
            total_downloaded: counters.total_downloaded, added_time: counters.added_time,
            completed_time: counters.completed_time, last_seen_complete: counters.last_seen_complete,
            last_download: counters.last_download, last_upload: counters.last_upload,
            active_time: counters.active_time, finished_time: counters.finished_time,
            seeding_time: counters.seeding_time,
            ..identity
        }
    }
}

proptest! {
    #[test]
    fn write_then_read_gives_the_params_back(params in any_params()) {
        let bytes = write_resume_data_buf(&params);
        let loaded = read_resume_data(&bytes, &LoadTorrentLimits::default());
        prop_assert!(loaded.is_ok(), "{:?}", loaded.err());
        let loaded = loaded.unwrap();
        prop_assert_eq!(&loaded, &expected_round_trip(&params));
        // What survived is a fixed point.
        prop_assert_eq!(&expected_round_trip(&loaded), &loaded);
        let again = read_resume_data(&write_resume_data_buf(&loaded), &LoadTorrentLimits::default());
        let again = again.ok();
        prop_assert_eq!(again.as_ref(), Some(&loaded));
    }
}

/// Params with nothing the format drops come back exactly.
#[test]
fn carried_fields_round_trip_exactly() {
    let mut params = AddTorrentParams::load_torrent_buffer(&fixture("dht_nodes.torrent")).unwrap();
    params.dht_nodes.clear();
    params.name = Some("name".to_owned());
    params.save_path = "/save".to_owned();
    params.trackers = vec!["http://a/".into(), "http://b/".into(), "http://c/".into()];
    params.tracker_tiers = vec![0, 2, 2];
    params.url_seeds = vec!["http://ws/".into()];
    params.http_seeds = vec!["http://hs/".into()];
    params.peers = vec![addr("1.2.3.4:80"), addr("[::1]:81")];
    params.banned_peers = vec![addr("5.6.7.8:82"), addr("[::2]:83")];
    params.have_pieces = bits(8, &[0, 3]);
    params.verified_pieces = bits(8, &[3]);
    params
        .unfinished_pieces
        .insert(PieceIndex::new(5), bits(16, &[0, 15]));
    params.file_priorities = vec![1, 7, 4];
    params.piece_priorities = vec![0, 1, 7];
    params.renamed_files.insert(FileIndex::new(1), "x/y".into());
    params.merkle_trees = vec![vec![Sha256Hash::from_bytes([3; 32])], Vec::new()];
    params.merkle_tree_mask = vec![bits(8, &[0]), Bitfield::new(0)];
    params.verified_leaf_hashes = vec![bits(8, &[2]), Bitfield::new(0)];
    params.flags = TorrentFlags::SEED_MODE
        | TorrentFlags::SEQUENTIAL_DOWNLOAD
        | TorrentFlags::DISABLE_PEX
        | TorrentFlags::I2P_TORRENT
        | TorrentFlags::UPDATE_SUBSCRIBE
        | TorrentFlags::OVERRIDE_TRACKERS
        | TorrentFlags::OVERRIDE_WEB_SEEDS;
    params.max_uploads = 3;
    params.max_connections = 4;
    params.upload_limit = 5;
    params.download_limit = 6;
    params.total_uploaded = 7;
    params.total_downloaded = 8;
    params.active_time = Duration::from_secs(9);
    params.finished_time = Duration::from_secs(10);
    params.seeding_time = Duration::from_secs(11);
    params.added_time = 12;
    params.completed_time = 13;
    params.last_seen_complete = 14;
    params.last_download = 15;
    params.last_upload = 16;
    params.num_complete = 17;
    params.num_incomplete = 18;
    params.num_downloaded = 19;
    params.storage_mode = StorageMode::Allocate;
    params.comment = "comment".into();
    params.part_file_dir = "/parts".into();
    params.root_certificate = b"PEM".to_vec();
    assert_eq!(expected_round_trip(&params), params);
    let loaded = read_resume_data(
        &write_resume_data_buf(&params),
        &LoadTorrentLimits::default(),
    );
    assert_eq!(loaded.unwrap(), params);
}

// ----- saving -----

#[test]
fn save_replaces_the_file_and_leaves_no_temporary() {
    let dir = std::env::temp_dir().join(format!("lt-resume-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.resume");
    let mut params = AddTorrentParams {
        info_hashes: InfoHash::v1(Sha1Hash::from_bytes(HASH)),
        ..AddTorrentParams::default()
    };
    for round in 0..3 {
        params.total_uploaded = round;
        save_resume_data_file(&path, &params).unwrap();
        let loaded = read_resume_data(
            &std::fs::read(&path).unwrap(),
            &LoadTorrentLimits::default(),
        );
        assert_eq!(loaded.unwrap().total_uploaded, round);
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["t.resume"]);
    // A directory that does not exist: an error, and nothing written.
    assert!(save_resume_data_file(dir.join("missing/t.resume"), &params).is_err());
    assert!(save_resume_data_file(&dir, &params).is_err()); // a directory is in the way
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["t.resume"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ----- write_torrent_file -----

#[test]
fn libtorrent_round_trip_fixtures_reproduce_their_bytes() {
    let expected: serde_json::Value = serde_json::from_slice(&fixture("expected.json")).unwrap();
    let files = expected["files"].as_object().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, entry) in files {
        if entry["roundtrip_byte_identical"] != serde_json::Value::Bool(true) {
            continue;
        }
        let original = fixture(name);
        let params = AddTorrentParams::load_torrent_buffer(&original).unwrap();
        let written = write_torrent_file_buf(&params, WriteTorrentFlags::INCLUDE_DHT_NODES);
        match written {
            Ok(bytes) if bytes == original => {}
            Ok(bytes) => failures.push(format!("{name}: {}", String::from_utf8_lossy(&bytes))),
            Err(error) => failures.push(format!("{name}: {error}")),
        }
        // The Value form encodes to the same bytes when the info section is canonical.
        let value = write_torrent_file(&params, WriteTorrentFlags::INCLUDE_DHT_NODES).unwrap();
        let canonical = Value::decode(params.ti.as_ref().unwrap().info_section())
            .unwrap()
            .to_bytes()
            == params.ti.as_ref().unwrap().info_section();
        if canonical {
            assert_eq!(value.to_bytes(), original, "{name}");
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(checked, 47);
}

#[test]
fn write_torrent_file_errors_and_flags() {
    let none = write_torrent_file_buf(&AddTorrentParams::default(), WriteTorrentFlags::empty());
    assert_eq!(none, Err(WriteTorrentError::MissingInfo));
    assert_eq!(
        WriteTorrentError::MissingInfo.to_string(),
        "missing or invalid 'info' section in torrent file"
    );

    let no_layers =
        AddTorrentParams::load_torrent_buffer(&fixture("v2_no_piece_layers.torrent")).unwrap();
    let error = write_torrent_file_buf(&no_layers, WriteTorrentFlags::empty()).unwrap_err();
    assert_eq!(error, WriteTorrentError::MissingPieceLayer);
    assert_eq!(
        error.to_string(),
        "one or more files are missing piece layer hashes"
    );
    assert_eq!(error.code_name(), "torrent_missing_piece_layer");
    let allowed = write_torrent_file_buf(&no_layers, WriteTorrentFlags::ALLOW_MISSING_PIECE_LAYER);
    assert_eq!(allowed.unwrap(), fixture("v2_no_piece_layers.torrent"));

    // libtorrent also refuses a torrent whose layers are incomplete.
    let incomplete =
        AddTorrentParams::load_torrent_buffer(&fixture("v2_incomplete_piece_layer.torrent"))
            .unwrap();
    let error = write_torrent_file_buf(&incomplete, WriteTorrentFlags::ALLOW_MISSING_PIECE_LAYER);
    assert_eq!(error, Err(WriteTorrentError::InvalidPieceLayer));
    assert_eq!(
        WriteTorrentError::InvalidPieceLayer.to_string(),
        "a piece layer is invalid"
    );

    let mut params = AddTorrentParams::load_torrent_buffer(&fixture("base.torrent")).unwrap();
    params.url_seeds = vec!["http://u/".into()];
    params.http_seeds = vec!["http://h/".into()];
    params.dht_nodes = vec![("router".into(), 6881)];
    params.trackers = vec!["a".into(), "b".into(), "c".into()];
    params.tracker_tiers = vec![1];
    let outer = |params: &AddTorrentParams, flags| {
        let value = write_torrent_file(params, flags).unwrap();
        let mut dict = value.as_dict().unwrap().clone();
        dict.remove(&b"info"[..]);
        Value::Dict(dict).to_bytes()
    };
    assert_eq!(
        outer(&params, WriteTorrentFlags::empty()),
        b"d13:announce-listllel1:a1:b1:cee10:created by10:libtorrent13:creation datei1359599503e9:httpseedsl9:http://h/e8:url-listl9:http://u/ee"
    );
    assert_eq!(
        outer(&params, WriteTorrentFlags::NO_HTTP_SEEDS | WriteTorrentFlags::INCLUDE_DHT_NODES),
        b"d13:announce-listllel1:a1:b1:cee10:created by10:libtorrent13:creation datei1359599503e5:nodesll6:routeri6881eeee"
    );
    params.trackers.truncate(1);
    assert!(outer(&params, WriteTorrentFlags::empty()).starts_with(b"d8:announce1:a"));
}

// ----- building params -----

#[test]
fn params_from_a_magnet_link() {
    let magnet = lt_metainfo::parse_magnet(
        "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=x\
         &tr=http://a/&tr=http://b.i2p/&ws=http://w/&x.pe=1.2.3.4:5&so=1",
    )
    .unwrap();
    let params = AddTorrentParams::from(magnet.clone());
    assert_eq!(params.info_hashes, magnet.info_hashes);
    assert_eq!(params.name.as_deref(), Some("x"));
    assert_eq!(params.trackers, ["http://a/", "http://b.i2p/"]);
    assert_eq!(params.tracker_tiers, [0, 1]);
    assert_eq!(params.url_seeds, ["http://w/"]);
    assert_eq!(params.peers, [addr("1.2.3.4:5")]);
    assert_eq!(params.file_priorities, [0, 4]);
    assert!(params.flags.contains(
        TorrentFlags::DEFAULT | TorrentFlags::I2P_TORRENT | TorrentFlags::DEFAULT_DONT_DOWNLOAD
    ));
    assert!(params.ti.is_none());
}

#[test]
fn params_from_a_torrent_file() {
    let params =
        AddTorrentParams::load_torrent_file(fixtures_dir().join("duplicate_files.torrent"))
            .unwrap();
    // libtorrent's load_torrent_file reports the files it renamed to resolve duplicate names.
    let renamed: Vec<_> = params.renamed_files.iter().collect();
    assert_eq!(
        renamed,
        [(&FileIndex::new(1), &"temp/foo/bar.1.txt".to_owned())]
    );
    assert_eq!(params.created_by, "libtorrent");
    assert_eq!(params.flags, TorrentFlags::DEFAULT);

    let params =
        AddTorrentParams::load_torrent_file(fixtures_dir().join("dht_nodes.torrent")).unwrap();
    assert_eq!(
        params.dht_nodes,
        [
            ("127.0.0.1".to_owned(), 6881),
            ("192.168.1.1".to_owned(), 6881)
        ]
    );
    let missing = AddTorrentParams::load_torrent_file(fixtures_dir().join("missing.torrent"));
    assert!(matches!(
        missing,
        Err(lt_metainfo::MetainfoError::Io { .. })
    ));
}
