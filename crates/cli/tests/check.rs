//! `lt check` as a user runs it: good data, a corrupt byte, a missing file, bad arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

/// `dir/data/{a.bin 100,000 bytes, sub/b.bin 50,000 bytes}` and `dir/t.torrent` (32 KiB pieces).
fn setup(name: &str, kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lt-cli-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data/sub")).unwrap();
    let bytes = |seed: u8, len: usize| -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    };
    std::fs::write(dir.join("data/a.bin"), bytes(1, 100_000)).unwrap();
    std::fs::write(dir.join("data/sub/b.bin"), bytes(2, 50_000)).unwrap();
    let torrent = dir.join("t.torrent");
    let output = lt(&[
        "create",
        dir.join("data").to_str().unwrap(),
        "-o",
        torrent.to_str().unwrap(),
        kind,
        "--piece-size",
        "32768",
        "--quiet",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

fn check_json(dir: &Path) -> serde_json::Value {
    let output = lt(&[
        "check",
        dir.join("t.torrent").to_str().unwrap(),
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn bytes_ok(report: &serde_json::Value, path: &str) -> u64 {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in {report}"))["bytes_ok"]
        .as_u64()
        .unwrap()
}

#[test]
fn complete_data_checks_out() {
    for kind in ["--v1", "--v2", "--hybrid"] {
        let dir = setup(&format!("ok{kind}"), kind);
        let report = check_json(&dir);
        assert_eq!(
            report["pieces_ok"], report["pieces_total"],
            "{kind}: {report}"
        );
        assert_eq!(bytes_ok(&report, "data/a.bin"), 100_000);
        assert_eq!(bytes_ok(&report, "data/sub/b.bin"), 50_000);
        let human = lt(&[
            "check",
            dir.join("t.torrent").to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        let text = String::from_utf8(human.stdout).unwrap();
        assert!(text.contains("pieces verified: "), "{text}");
        assert!(text.contains("100.0%  data/a.bin"), "{text}");
        assert!(text.contains("MB/s"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_corrupt_byte_fails_one_piece() {
    let dir = setup("corrupt", "--v1");
    let path = dir.join("data/a.bin");
    let mut data = std::fs::read(&path).unwrap();
    data[40_000] ^= 0xff; // piece 1 (32768..65536)
    std::fs::write(&path, data).unwrap();
    let report = check_json(&dir);
    let total = report["pieces_total"].as_u64().unwrap();
    assert_eq!(report["pieces_ok"].as_u64().unwrap(), total - 1, "{report}");
    assert_eq!(bytes_ok(&report, "data/a.bin"), 100_000 - 32_768);
    assert_eq!(bytes_ok(&report, "data/sub/b.bin"), 50_000);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_file_counts_as_missing_pieces() {
    let dir = setup("missing", "--v1");
    std::fs::remove_file(dir.join("data/sub/b.bin")).unwrap();
    let report = check_json(&dir);
    assert_eq!(bytes_ok(&report, "data/sub/b.bin"), 0);
    // Piece 3 (98304..131072) straddles both files: a.bin keeps 98,304 bytes.
    assert_eq!(bytes_ok(&report, "data/a.bin"), 98_304);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_one_line_with_status_2() {
    let dir = setup("errors", "--v1");
    let output = lt(&[
        "check",
        dir.join("nope.torrent").to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1,
        "{stderr}"
    );
    let output = lt(&[
        "check",
        dir.join("t.torrent").to_str().unwrap(),
        dir.join("absent").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
