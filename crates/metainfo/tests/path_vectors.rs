//! The torrent-level parts of `libtorrent-path-vectors.json`: torrent names, duplicate file
//! renaming and the directory depth limit, checked by loading torrents built for each case.
//! (Element sanitizing itself is tested inside the crate.)

use lt_bencode::{Dict, Value};
use lt_core::FileIndex;
use lt_metainfo::{LoadTorrentLimits, TorrentInfo};
use serde_json::Value as Json;

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/libtorrent-path-vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(text: &str) -> Value {
    Value::from(text)
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect::<Dict>(),
    )
}

/// A v1 multi-file torrent with the given info entries and files (path elements, size, pad).
fn torrent(
    info_extra: Vec<(&str, Value)>,
    files: &[(Vec<String>, u64, bool)],
    piece_length: u64,
) -> Vec<u8> {
    let total: u64 = files.iter().map(|f| f.1).sum();
    let pieces = total.div_ceil(piece_length) as usize;
    let file_list = files
        .iter()
        .map(|(path, size, pad)| {
            let mut entries = vec![
                ("length", Value::Int(*size as i64)),
                ("path", Value::List(path.iter().map(|p| text(p)).collect())),
            ];
            if *pad {
                entries.push(("attr", text("p")));
            }
            dict(entries)
        })
        .collect();
    let mut info = vec![
        ("files", Value::List(file_list)),
        ("piece length", Value::Int(piece_length as i64)),
        ("pieces", Value::Bytes(vec![0u8; pieces * 20])),
    ];
    info.extend(info_extra);
    dict(vec![("info", dict(info))]).to_bytes()
}

#[test]
fn torrent_names_are_sanitized_like_libtorrent() {
    let vectors = vectors();
    for case in vectors["torrent_name_cases"]["cases"].as_array().unwrap() {
        let info: Vec<(&str, Value)> = case["info"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), text(v.as_str().unwrap())))
            .collect();
        let bytes = torrent(info, &[(vec!["a".into()], 10, false)], 16384);
        let loaded = TorrentInfo::from_bytes(&bytes).unwrap();
        let expected = case["expect_name"].as_str().unwrap();
        if expected == "<hex v1 info-hash>" {
            assert_eq!(loaded.name(), loaded.info_hashes().v1.unwrap().to_string());
        } else {
            assert_eq!(loaded.name(), expected, "{case}");
        }
        assert!(loaded
            .files()
            .file_path(FileIndex::new(0))
            .starts_with(&format!("{}/", loaded.name())));
    }
}

#[test]
fn duplicate_file_names_are_renamed_like_libtorrent() {
    let vectors = vectors();
    for case in vectors["resolve_duplicate_filenames"]["cases"]
        .as_array()
        .unwrap()
    {
        let rows = case.as_array().unwrap();
        let files: Vec<(Vec<String>, u64, bool)> = rows
            .iter()
            .map(|row| {
                let path: Vec<String> = row[0]
                    .as_str()
                    .unwrap()
                    .split('/')
                    .skip(1)
                    .map(String::from)
                    .collect();
                (path, row[1].as_u64().unwrap(), row[2].as_bool().unwrap())
            })
            .collect();
        let loaded =
            TorrentInfo::from_bytes(&torrent(vec![("name", text("test"))], &files, 16384)).unwrap();
        for (index, row) in rows.iter().enumerate() {
            let actual = loaded.files().file_path(FileIndex::new(index as u32));
            assert_eq!(actual, row[3].as_str().unwrap(), "case {case}");
        }
    }
}

#[test]
fn directory_depth_is_limited() {
    let vectors = vectors();
    for case in vectors["directory_depth"]["cases"].as_array().unwrap() {
        let depth = case["v1_path_elements"].as_u64().unwrap() as usize;
        let path: Vec<String> = (0..depth).map(|i| format!("d{i}")).collect();
        let bytes = torrent(vec![("name", text("deep"))], &[(path, 10, false)], 16384);
        let limits = LoadTorrentLimits {
            max_directory_depth: case["limit"].as_u64().unwrap() as usize,
            ..Default::default()
        };
        let result = TorrentInfo::from_bytes_with(&bytes, &limits);
        match case["expect"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{case}: {:?}", result.err()),
            code => {
                let error = result.unwrap_err();
                assert_eq!(error.code_name(), code);
                if let Some(message) = case.get("error_message").and_then(Json::as_str) {
                    assert_eq!(error.to_string(), message);
                }
            }
        }
    }
}

#[test]
fn too_many_duplicate_names_fail() {
    let files: Vec<(Vec<String>, u64, bool)> = (0..60)
        .map(|_| (vec!["foo".into(), "bar.txt".into()], 1, false))
        .collect();
    let bytes = torrent(vec![("name", text("dups"))], &files, 16384);
    let error = TorrentInfo::from_bytes(&bytes).unwrap_err();
    assert_eq!(error.code_name(), "too_many_duplicate_filenames");
    let few: Vec<(Vec<String>, u64, bool)> = files.into_iter().take(10).collect();
    let loaded =
        TorrentInfo::from_bytes(&torrent(vec![("name", text("dups"))], &few, 16384)).unwrap();
    assert_eq!(
        loaded.files().file_path(FileIndex::new(9)),
        "dups/foo/bar.9.txt"
    );
}
