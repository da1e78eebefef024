//! `lt tracker` as a user runs it, against tiny local trackers on 127.0.0.1 (HTTP and UDP, and
//! an `https://` one that does not speak TLS; lt-tracker's own tests cover working HTTPS).
//! The runs against a real opentracker are in the interop crate.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Output};
use std::thread;

use lt_tracker::internal::udp_packet::{self, UdpRequest};

const HASH: &str = "6161616161616161616161616161616161616161";

fn lt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lt"))
        .args(args)
        .output()
        .expect("run lt")
}

/// An HTTP tracker that answers one request with `body` (status 200) and returns its URL.
fn http_tracker(body: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        let header = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = stream.write_all(header.as_bytes());
        let _ = stream.write_all(body);
    });
    format!("http://127.0.0.1:{port}/announce")
}

/// A UDP tracker that answers connects, announces (one peer) and scrapes (4 seeders, 5
/// downloads, 6 leechers) until the test ends.
fn udp_tracker() -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buffer = [0; 2048];
        while let Ok((length, from)) = socket.recv_from(&mut buffer) {
            let mut out = Vec::new();
            match udp_packet::read_request(&buffer[..length]) {
                Some(UdpRequest::Connect { transaction_id }) => {
                    udp_packet::write_connect_response(&mut out, transaction_id, 99);
                }
                Some(UdpRequest::Announce { transaction_id, .. }) => {
                    let peers = ["10.1.2.3:4567".parse().unwrap()];
                    udp_packet::write_announce_response(
                        &mut out,
                        transaction_id,
                        120,
                        1,
                        2,
                        &peers,
                    );
                }
                Some(UdpRequest::Scrape { transaction_id, .. }) => {
                    out.extend_from_slice(&udp_packet::ACTION_SCRAPE.to_be_bytes());
                    out.extend_from_slice(&transaction_id.to_be_bytes());
                    for value in [4u32, 5, 6] {
                        out.extend_from_slice(&value.to_be_bytes());
                    }
                }
                None => continue,
            }
            let _ = socket.send_to(&out, from);
        }
    });
    format!("udp://{addr}/announce")
}

#[test]
fn announce_prints_interval_figures_and_peers() {
    let url = http_tracker(
        b"d8:completei3e10:incompletei2e8:intervali900e5:peers6:\x7f\x00\x00\x02\x05\x39e",
    );
    let output = lt(&["tracker", "announce", &url, HASH, "--port", "7000"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("interval: 900 s (min 30 s)"), "{stdout}");
    assert!(
        stdout.contains("seeders: 3  leechers: 2  downloaded: ?"),
        "{stdout}"
    );
    assert!(stdout.contains("peers: 1\n  127.0.0.2:1337\n"), "{stdout}");
}

#[test]
fn announce_json_over_udp() {
    let url = udp_tracker();
    let output = lt(&[
        "tracker", "announce", &url, HASH, "--json", "--event", "none",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["interval"], 120);
    assert_eq!(json["min_interval"], 60);
    assert_eq!(json["complete"], 2);
    assert_eq!(json["incomplete"], 1);
    assert_eq!(json["peers"], serde_json::json!(["10.1.2.3:4567"]));
}

/// A server that answers every connection in plain HTTP, whatever it is sent: a TLS client
/// fails its handshake.
fn not_tls_tracker() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(2) {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            let _ = stream.read(&mut [0; 1024]);
        }
    });
    format!("https://127.0.0.1:{port}/announce")
}

#[test]
fn https_announce_reports_the_tls_failure() {
    let url = not_tls_tracker();
    let output = lt(&["tracker", "announce", &url, HASH]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: SSL handshake failed with 127.0.0.1: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let output = lt(&["tracker", "announce", &url, HASH, "--json"]);
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"], "ssl_handshake_failed");
}

#[test]
fn scrape_over_udp_and_http() {
    let output = lt(&["tracker", "scrape", &udp_tracker(), HASH]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "seeders: 4  leechers: 6  downloaded: 5\n"
    );
    let url = http_tracker(b"d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei7e10:incompletei8eeee");
    let output = lt(&["tracker", "scrape", &url, HASH, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["complete"], 7);
    assert_eq!(json["incomplete"], 8);
    assert_eq!(json["downloaded"], serde_json::Value::Null);
}

#[test]
fn a_failure_is_one_error_line_and_status_2() {
    let url = http_tracker(b"d14:failure reason6:bannede");
    let output = lt(&["tracker", "announce", &url, HASH]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: tracker sent a failure message: banned\n"
    );

    let url = http_tracker(b"d14:failure reason6:bannede");
    let output = lt(&["tracker", "announce", &url, HASH, "--json"]);
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"], "tracker_failure");
    assert_eq!(json["tracker_message"], "banned");

    for (args, message) in [
        (
            ["tracker", "announce", "http://127.0.0.1:1/announce", "abc"],
            "error: invalid info-hash \"abc\"",
        ),
        (
            ["tracker", "scrape", "ftp://tracker.example/announce", HASH],
            "error: unsupported URL protocol\n",
        ),
        (
            ["tracker", "scrape", "http://tracker.example/a", HASH],
            "error: scrape not available on tracker\n",
        ),
    ] {
        let output = lt(&args);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with(message), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
