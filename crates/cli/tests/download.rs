//! `lt download` as a user runs it, where it must fail: no peers, a peer that refuses,
//! options not supported yet; and a re-run over complete data, which downloads nothing.
//! Downloads from real peers are in tests/interop (session_libtorrent.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

/// `dir/data/a.bin` (100,000 bytes) and `dir/t.torrent` (32 KiB pieces).
fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lt-cli-download-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 300) as u8).collect();
    std::fs::write(dir.join("data/a.bin"), bytes).unwrap();
    let output = lt(&[
        "create",
        dir.join("data/a.bin").to_str().unwrap(),
        "-o",
        dir.join("t.torrent").to_str().unwrap(),
        "--v1",
        "--piece-size",
        "32768",
        "--quiet",
    ]);
    assert!(output.status.success(), "{output:?}");
    dir
}

fn fails_with(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains(message),
        "{stderr}"
    );
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

#[test]
fn no_peers_is_an_error() {
    let dir = setup("no-peers");
    let output = lt(&[
        "download",
        &path(&dir, "t.torrent"),
        "-o",
        &path(&dir, "out"),
    ]);
    fails_with(&output, "no peers");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_refusing_peer_is_an_error() {
    let dir = setup("refused");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let peer = format!("127.0.0.1:{port}");
    let output = lt(&[
        "download",
        &path(&dir, "t.torrent"),
        "-o",
        &path(&dir, "out"),
        "--peer",
        &peer,
    ]);
    fails_with(&output, "every peer failed");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn complete_data_downloads_nothing() {
    let dir = setup("complete");
    // The save path is the directory the file is in: every piece is there.
    let output = lt(&[
        "download",
        &path(&dir, "t.torrent"),
        "-o",
        &path(&dir, "data"),
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("4 pieces verified") && stdout.contains("0 B downloaded"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unsupported_options_are_errors() {
    let dir = setup("unsupported");
    let torrent = path(&dir, "t.torrent");
    let out = path(&dir, "out");
    let listen = lt(&["download", &torrent, "-o", &out, "--listen", "0.0.0.0:6881"]);
    fails_with(&listen, "--listen is not supported yet");
    let seed = lt(&["download", &torrent, "-o", &out, "--seed-after"]);
    fails_with(&seed, "--seed-after is not supported yet");
    let bad_peer = lt(&["download", &torrent, "-o", &out, "--peer", "nonsense"]);
    fails_with(&bad_peer, "invalid peer");
    let _ = std::fs::remove_dir_all(dir);
}
