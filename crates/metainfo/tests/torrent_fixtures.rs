//! Every `.torrent` of libtorrent's test corpus loads (or fails) as libtorrent says
//! (`tests/fixtures/libtorrent-torrents/expected.json`).

use lt_core::FileIndex;
use lt_metainfo::{FileFlags, TorrentInfo};
use serde_json::Value as Json;

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/libtorrent-torrents")
}

fn expected() -> Json {
    let text =
        std::fs::read_to_string(fixtures_dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("json")
}

fn check_valid(name: &str, torrent: &TorrentInfo, checks: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(format!("{name}: {what}"));
        }
    };
    let files = torrent.files();
    for (key, value) in checks.as_object().into_iter().flatten() {
        match key.as_str() {
            "num_files" => check(
                files.num_files() as u64 == value.as_u64().unwrap(),
                format!("num_files {} != {value}", files.num_files()),
            ),
            "num_files_min_exclusive" => check(
                files.num_files() as u64 > value.as_u64().unwrap(),
                format!("num_files {} <= {value}", files.num_files()),
            ),
            "file_paths" | "renamed_files" => {
                // `file_paths` are the names in the torrent; `renamed_files` what they became.
                let source = if key == "file_paths" {
                    torrent.orig_files()
                } else {
                    files
                };
                for (index, path) in value.as_object().unwrap() {
                    let index = FileIndex::new(index.parse().unwrap());
                    let actual = source.file_path(index);
                    check(
                        actual == path.as_str().unwrap(),
                        format!("{key}[{index}] {actual:?} != {path}"),
                    );
                }
            }
            "file_sizes" => {
                for (index, size) in value.as_object().unwrap() {
                    let actual = files.file_size(FileIndex::new(index.parse().unwrap()));
                    check(
                        actual == size.as_u64().unwrap(),
                        format!("file_size[{index}] {actual} != {size}"),
                    );
                }
            }
            "symlinks" => {
                for (index, target) in value.as_object().unwrap() {
                    let index = FileIndex::new(index.parse().unwrap());
                    let actual = files.symlink(index);
                    check(
                        actual.as_deref() == target.as_str(),
                        format!("symlink[{index}] {actual:?} != {target}"),
                    );
                }
            }
            "pad_file_flags" => {
                for (index, pad) in value.as_object().unwrap() {
                    let actual = files
                        .file_flags(FileIndex::new(index.parse().unwrap()))
                        .contains(FileFlags::PAD_FILE);
                    check(
                        actual == pad.as_bool().unwrap(),
                        format!("pad[{index}] {actual} != {pad}"),
                    );
                }
            }
            "pieces_root" => {
                for (index, root) in value.as_object().unwrap() {
                    let actual = files
                        .file(FileIndex::new(index.parse().unwrap()))
                        .and_then(|f| f.root())
                        .map(|r| r.to_string());
                    check(
                        actual.as_deref() == root.as_str(),
                        format!("root[{index}] {actual:?} != {root}"),
                    );
                }
            }
            "has_v1" => check(
                torrent.is_v1() == value.as_bool().unwrap(),
                format!("has_v1 {}", torrent.is_v1()),
            ),
            "has_v2" => check(
                torrent.is_v2() == value.as_bool().unwrap(),
                format!("has_v2 {}", torrent.is_v2()),
            ),
            "info_hash_v2" => {
                let actual = torrent.info_hashes().v2.map(|h| h.to_string());
                check(
                    actual.as_deref() == value.as_str(),
                    format!("info_hash_v2 {actual:?}"),
                );
            }
            "name" => check(
                torrent.name() == value.as_str().unwrap(),
                format!("name {:?} != {value}", torrent.name()),
            ),
            "piece_length" => check(
                u64::from(torrent.piece_length()) == value.as_u64().unwrap(),
                format!("piece_length {}", torrent.piece_length()),
            ),
            "creation_date" => check(
                torrent.creation_date() == value.as_i64(),
                format!("creation_date {:?}", torrent.creation_date()),
            ),
            "url_seeds" => {
                let actual: Vec<&str> =
                    torrent.web_seeds().iter().map(|s| s.url.as_str()).collect();
                let expected: Vec<&str> = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                check(
                    actual == expected,
                    format!("url_seeds {actual:?} != {expected:?}"),
                );
            }
            "url_seeds_count" => check(
                torrent.web_seeds().len() as u64 == value.as_u64().unwrap(),
                format!("url_seeds_count {}", torrent.web_seeds().len()),
            ),
            "trackers" => {
                let actual: Vec<&str> = torrent.trackers().iter().map(|t| t.url.as_str()).collect();
                let expected: Vec<&str> = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                check(
                    actual == expected,
                    format!("trackers {actual:?} != {expected:?}"),
                );
            }
            "dht_nodes" => {
                let actual: Vec<(String, u64)> = torrent
                    .nodes()
                    .iter()
                    .map(|n| (n.host.clone(), u64::from(n.port)))
                    .collect();
                let expected: Vec<(String, u64)> = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| (v[0].as_str().unwrap().to_string(), v[1].as_u64().unwrap()))
                    .collect();
                check(actual == expected, format!("nodes {actual:?}"));
            }
            "collections" => {
                let mut actual: Vec<&str> =
                    torrent.collections().iter().map(String::as_str).collect();
                actual.sort_unstable();
                let expected: Vec<&str> = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                check(actual == expected, format!("collections {actual:?}"));
            }
            "similar_torrents" => {
                let mut actual: Vec<String> = torrent
                    .similar_torrents()
                    .iter()
                    .map(|h| h.to_string())
                    .collect();
                actual.dedup();
                let expected: Vec<&str> = value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                check(actual == expected, format!("similar {actual:?}"));
            }
            "merkle_trees_nonempty" => {
                let any = (0..files.num_files())
                    .any(|i| torrent.piece_layer(FileIndex::new(i as u32)).is_some());
                check(any, "no piece layers".to_string());
            }
            other => check(false, format!("unknown check {other}")),
        }
    }
    // Observed facts from the bytes hold too.
    problems
}

#[test]
fn libtorrent_test_torrents_load_as_libtorrent_says() {
    let expected = expected();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, case) in expected["files"].as_object().unwrap() {
        let path = fixtures_dir().join(name);
        let result = TorrentInfo::from_file(&path);
        let valid = case["valid"].as_bool().unwrap();
        match (valid, result) {
            (true, Ok(torrent)) => {
                problems.extend(check_valid(name, &torrent, &case["checks"]));
                if let Some(hash) = case["observed"].get("info_hash_v1").and_then(Json::as_str) {
                    if torrent.is_v1() {
                        let actual = torrent.info_hashes().v1.map(|h| h.to_string());
                        if actual.as_deref() != Some(hash) {
                            problems.push(format!("{name}: v1 hash {actual:?} != {hash}"));
                        }
                    }
                }
            }
            (true, Err(error)) => problems.push(format!(
                "{name}: should load, failed with {error} ({})",
                error.code_name()
            )),
            (false, Ok(_)) => problems.push(format!(
                "{name}: should fail with {}, loaded",
                case["error"]
            )),
            (false, Err(error)) => {
                if error.code_name() != case["error"].as_str().unwrap() {
                    problems.push(format!(
                        "{name}: failed with {} ({error}), expected {}",
                        error.code_name(),
                        case["error"]
                    ));
                } else if error.libtorrent_message() != case["error_message"].as_str().unwrap() {
                    problems.push(format!(
                        "{name}: message {:?} != {}",
                        error.libtorrent_message(),
                        case["error_message"]
                    ));
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 119, "only {checked} files");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
