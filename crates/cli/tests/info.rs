//! `lt info` as a user runs it.

use std::process::{Command, Output};

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/libtorrent-torrents/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn info_json_has_the_documented_fields() {
    let output = lt(&["info", "--json", &fixture("sample.torrent")]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["name"], "sample");
    assert_eq!(
        json["info_hash_v1"],
        "58d8d15a4eb3bd9afabc9cee2564f78192777edb"
    );
    assert_eq!(json["info_hash_v2"], serde_json::Value::Null);
    assert_eq!(json["piece_length"], 16384);
    assert_eq!(json["num_pieces"], 2);
    assert_eq!(json["total_size"], 16404);
    assert_eq!(json["private"], false);
    assert_eq!(json["files"].as_array().unwrap().len(), 3);
    assert_eq!(json["files"][1]["pad"], true);
    assert_eq!(json["files"][0]["path"], "sample/text_file2.txt");
    assert_eq!(
        json["trackers"],
        serde_json::json!([
            ["udp://tracker.opentracker.com:80/announce"],
            ["tracker.publicbt.com:80/announce"]
        ])
    );
    assert_eq!(json["comment"], "sample comment");
    assert_eq!(json["created_by"], "libtorrent");
    assert_eq!(json["creation_date"], 1418787579);
    for key in ["web_seeds", "nodes"] {
        assert!(json[key].is_array(), "{key}");
    }
}

#[test]
fn info_shows_v2_hashes_and_symlinks() {
    let output = lt(&["info", "--json", &fixture("v2_only.torrent")]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["info_hash_v1"], serde_json::Value::Null);
    assert_eq!(
        json["info_hash_v2"],
        "95e04d0c4bad94ab206efa884666fd89777dbe4f7bd9945af1829037a85c6192"
    );
    let output = lt(&["info", "--json", &fixture("symlink1.torrent")]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["files"][1]["symlink"], true);
    assert_eq!(json["files"][1]["symlink_target"], "temp/a/b/bar");
}

#[test]
fn info_text_names_the_torrent() {
    let output = lt(&["info", &fixture("v2_hybrid.torrent")]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("name:          bittorrent-v1-v2-hybrid-test"),
        "{text}"
    );
    assert!(text.contains("kind:          hybrid (v1 + v2)"), "{text}");
}

#[test]
fn info_on_a_bad_torrent_prints_libtorrents_message_and_exits_2() {
    for (file, message) in [
        ("negative_size.torrent", "invalid length of torrent"),
        ("no_name.torrent", "missing name in torrent file"),
        ("v2_invalid_piece_layer.torrent", "a piece layer is invalid"),
        ("string.torrent", "torrent file is not a dictionary"),
    ] {
        let output = lt(&["info", &fixture(file)]);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert_eq!(
            String::from_utf8(output.stderr).unwrap(),
            format!("error: {message}\n"),
            "{file}"
        );
    }
}

#[test]
fn magnet_matches_libtorrents_make_magnet_uri() {
    // Expected strings are libtorrent 2.1.1's `make_magnet_uri(torrent_info(...))`.
    for (file, expected) in [
        (
            "sample.torrent",
            "magnet:?xt=urn:btih:58d8d15a4eb3bd9afabc9cee2564f78192777edb&dn=sample&tr=udp%3a%2f%2ftracker.opentracker.com%3a80%2fannounce",
        ),
        (
            "v2_hybrid.torrent",
            "magnet:?xt=urn:btih:514c76c1f27ec61ca8b37851bcd1cbf0b26cf120&xt=urn:btmh:1220518fbaf39b37020c896e8768a967da6d76bbd5ef7a02c761021b65a72c6cfa11&dn=bittorrent-v1-v2-hybrid-test",
        ),
    ] {
        let output = lt(&["magnet", &fixture(file)]);
        assert!(output.status.success());
        assert_eq!(String::from_utf8(output.stdout).unwrap().trim_end(), expected);
    }
}

#[test]
fn info_reads_magnet_links() {
    let output = lt(&["info", "--json", "magnet:?xt=urn:btih:58d8d15a4eb3bd9afabc9cee2564f78192777edb&dn=sample&tr=udp%3a%2f%2ft.example%3a80%2fannounce"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["name"], "sample");
    assert_eq!(
        json["info_hash_v1"],
        "58d8d15a4eb3bd9afabc9cee2564f78192777edb"
    );
    assert_eq!(
        json["trackers"],
        serde_json::json!([["udp://t.example:80/announce"]])
    );
    let output = lt(&["info", "magnet:?dn=nohash"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .starts_with("error: "));
}
