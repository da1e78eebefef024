//! `lt download` as a user runs it, where it must fail: no peers, a peer that refuses, bad
//! options; a re-run over complete data, which downloads nothing; and `lt seed` feeding
//! `lt download`.
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
fn bad_options_are_errors() {
    let dir = setup("unsupported");
    let torrent = path(&dir, "t.torrent");
    let out = path(&dir, "out");
    let listen = lt(&["download", &torrent, "-o", &out, "--listen", "eth0:6881"]);
    fails_with(&listen, "invalid listen interface");
    let bad_peer = lt(&["download", &torrent, "-o", &out, "--peer", "nonsense"]);
    fails_with(&bad_peer, "invalid peer");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn lt_seed_serves_lt_download_until_interrupted() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = setup("seed");
    let torrent = path(&dir, "t.torrent");
    let mut seed = Command::new(env!("CARGO_BIN_EXE_lt"))
        .args([
            "seed",
            &torrent,
            &path(&dir, "data"),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lt seed");
    let mut lines = BufReader::new(seed.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();

    let output = lt(&[
        "download",
        &torrent,
        "-o",
        &path(&dir, "out"),
        "--peer",
        &addr,
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("4 pieces verified"), "{stdout}");
    assert_eq!(
        std::fs::read(dir.join("out/a.bin")).expect("downloaded"),
        std::fs::read(dir.join("data/a.bin")).expect("source")
    );

    // Ctrl-C ends seeding with a summary line.
    let interrupted = Command::new("kill")
        .args(["-INT", &seed.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let status = seed.wait().expect("lt seed exits");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(
        rest.iter()
            .any(|line| line.contains("stopped seeding") && line.contains("97.66 KiB uploaded")),
        "{rest:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
