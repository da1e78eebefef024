//! `lt create` as a user runs it.

use std::process::{Command, Output};

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lt-cli-create-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data/sub")).unwrap();
    std::fs::write(dir.join("data/a.txt"), vec![b'a'; 40_000]).unwrap();
    std::fs::write(dir.join("data/sub/b.txt"), vec![b'b'; 1000]).unwrap();
    dir
}

#[test]
fn create_writes_a_torrent_that_info_reads_back() {
    let dir = temp_dir("roundtrip");
    let out = dir.join("out.torrent");
    let output = lt(&[
        "create",
        dir.join("data").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--tracker",
        "http://127.0.0.1:6969/announce",
        "--tracker",
        "udp://127.0.0.1:6969",
        "--web-seed",
        "http://127.0.0.1:8080/files/",
        "--comment",
        "hello",
        "--private",
        "--quiet",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("info-hash v1: ") && stdout.contains("info-hash v2: "),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("magnet:?xt=urn:btih:"),
        "{stdout}"
    );
    let info = lt(&["info", "--json", out.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(json["name"], "data");
    assert_eq!(json["private"], true);
    assert_eq!(json["comment"], "hello");
    assert_eq!(
        json["trackers"],
        serde_json::json!([["http://127.0.0.1:6969/announce"], ["udp://127.0.0.1:6969"]])
    );
    assert_eq!(
        json["web_seeds"],
        serde_json::json!(["http://127.0.0.1:8080/files/"])
    );
    let paths: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "data/a.txt",
            "data/.pad/9152",
            "data/sub/b.txt",
            "data/.pad/15384"
        ]
    );
    assert!(json["creation_date"].is_number());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_date_makes_creation_reproducible_and_kinds_differ() {
    let dir = temp_dir("reproducible");
    let make = |name: &str, kind: &str| {
        let out = dir.join(name);
        let output = lt(&[
            "create",
            dir.join("data").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            kind,
            "--no-date",
            "-q",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(out).unwrap()
    };
    assert_eq!(make("one.torrent", "--v1"), make("two.torrent", "--v1"));
    let v2 = make("v2.torrent", "--v2");
    let info = lt(&["info", "--json", dir.join("v2.torrent").to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(json["info_hash_v1"], serde_json::Value::Null);
    assert_eq!(json["creation_date"], serde_json::Value::Null);
    assert!(!v2.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn create_rejects_bad_input_with_one_line() {
    let output = lt(&["create", "/nonexistent/path", "-o", "/tmp/never.torrent"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot read /nonexistent/path"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    let dir = temp_dir("badpiece");
    let output = lt(&[
        "create",
        dir.join("data").to_str().unwrap(),
        "-o",
        "/tmp/never.torrent",
        "--piece-size",
        "20000",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: invalid piece size 20000\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}
