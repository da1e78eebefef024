//! `lt bdecode`, `lt --version` and `lt help` as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lt-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/libtorrent-torrents/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn version_names_the_program() {
    let output = lt(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        format!("lt {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_bdecode() {
    let output = lt(&["help"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("bdecode"), "{}", stdout(&output));
}

#[test]
fn bdecode_prints_the_structure() {
    let output = lt(&["bdecode", &fixture("base.torrent")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("'name': 'temp'"), "{text}");
    assert!(text.contains("'piece length': 16384"), "{text}");
    assert!(text.contains("'pieces': 0x829ebc8c"), "{text}");
}

#[test]
fn bdecode_bad_input_prints_one_error_line_and_exits_2() {
    let path = temp_file("bad.benc", b"d1000");
    let output = lt(&["bdecode", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        "error: expected colon in bencoded string at byte 5\n"
    );
}

#[test]
fn bdecode_json_success() {
    let path = temp_file(
        "ok.benc",
        b"d1:ai-3e1:bl3:xyz2:\xff\x00e1:ci18446744073709551615ee",
    );
    let output = lt(&["bdecode", "--json", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"ok": true, "value": {"a": -3, "b": ["xyz", {"hex": "ff00"}], "c": "18446744073709551615"}})
    );
}

#[test]
fn bdecode_json_failure_reports_message_and_offset() {
    let path = temp_file("bad-json.benc", b"li1ei2e-e");
    let output = lt(&["bdecode", "--json", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"ok": false, "error": "expected value (list, dict, int or string) in bencoded string", "offset": 7})
    );
    assert!(output.stderr.is_empty());
}

#[test]
fn bdecode_missing_file_is_one_error_line() {
    let output = lt(&["bdecode", "/nonexistent/file.torrent"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: cannot read /nonexistent/file.torrent"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1);
}
