//! The tokio drivers against small local servers on 127.0.0.1: the HTTP client's success and
//! failure paths (gzip, chunked, redirects, time-outs, garbage, oversize, SSRF, IDNA) and the
//! UDP driver against a scripted UDP tracker. HTTPS is in `https.rs`.
#![cfg(feature = "tokio")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lt_core::{PeerId, Sha1Hash};
use lt_tracker::internal::udp_packet::{self, UdpRequest};
use lt_tracker::{driver, AnnounceRequest, Event, TrackerError, TrackerSettings, UdpTrackerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

type Seen = Arc<Mutex<Vec<String>>>;

/// Serves one canned response per connection, in order, and records each request head.
async fn http_server(responses: Vec<Vec<u8>>) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut byte = [0; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            if response.is_empty() {
                // Say nothing and keep the connection open.
                tokio::time::sleep(Duration::from_secs(30)).await;
                continue;
            }
            let _ = stream.write_all(&response).await;
        }
    });
    (port, seen)
}

fn request() -> AnnounceRequest {
    let mut request = AnnounceRequest::new(
        Sha1Hash::from_bytes([b'a'; 20]),
        PeerId::from_bytes(*b"-LR0100-abcdefghijkl"),
        6881,
    );
    request.event = Event::Started;
    request
}

fn ok(body: &[u8]) -> Vec<u8> {
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    response.extend_from_slice(body);
    response
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&[0; 8]); // CRC and size: not checked
    out
}

const PEERS: &[u8] = b"d8:intervali900e5:peers6:\x7f\x00\x00\x02\x05\x39e";

#[tokio::test]
async fn http_announce_sends_libtorrents_query_and_reads_peers() {
    let (port, seen) = http_server(vec![ok(PEERS)]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let response = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap();
    assert_eq!(response.peers4[0].to_string(), "127.0.0.2:1337");
    assert_eq!(response.interval, Duration::from_secs(900));
    let head = seen.lock().unwrap()[0].clone();
    assert!(head.starts_with(
        "GET /announce?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=-LR0100-abcdefghijkl&port=6881&"
    ));
    assert!(head.contains("&event=started&numwant=200&compact=1&no_peer_id=1 HTTP/1.1\r\n"));
    assert!(head.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")));
    assert!(head.contains("\r\nAccept-Encoding: gzip\r\n"));
    assert!(head.contains("\r\nUser-Agent: lt/"));
}

#[tokio::test]
async fn gzip_and_chunked_bodies() {
    let compressed = gzip(PEERS);
    let mut gzipped = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        compressed.len()
    )
    .into_bytes();
    gzipped.extend_from_slice(&compressed);
    let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in PEERS.chunks(7) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let no_length = b"HTTP/1.0 200 OK\r\n\r\n"
        .iter()
        .chain(PEERS)
        .copied()
        .collect();
    let (port, _) = http_server(vec![gzipped, chunked, no_length]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    for _ in 0..3 {
        let response = driver::announce(&url, &request(), &TrackerSettings::default())
            .await
            .unwrap();
        assert_eq!(response.peers4.len(), 1);
    }
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let redirect = |location: &str| {
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes()
    };
    let (port, seen) = http_server(vec![redirect("/announce2"), ok(PEERS)]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let response = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap();
    assert_eq!(response.num_peers(), 1);
    assert!(seen.lock().unwrap()[1].starts_with("GET /announce2 HTTP/1.1"));

    let loops = (0..6).map(|_| redirect("/announce")).collect();
    let (port, _) = http_server(loops).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let error = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, TrackerError::HttpStatus { status: 302, .. }),
        "{error}"
    );

    let missing = b"HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n".to_vec();
    let (port, _) = http_server(vec![missing]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let error = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap_err();
    assert_eq!(error.code_name(), "http_missing_location");
}

#[tokio::test]
async fn failure_paths() {
    let not_a_tracker = b"HTTP/1.1 410 Not A Tracker\r\nContent-Length: 0\r\n\r\n".to_vec();
    let garbage = b"\nthis is not HTTP".to_vec();
    let failure = ok(b"d14:failure reason6:banned5:peers0:e");
    let big = ok(&vec![b'x'; 4096]);
    let (port, _) = http_server(vec![not_a_tracker, garbage, failure, big]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let settings = TrackerSettings {
        tracker_maximum_response_length: 1024,
        ..TrackerSettings::default()
    };
    let status = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert_eq!(status.to_string(), "410 (unknown HTTP error)");
    assert_eq!(status.tracker_message(), Some("Not A Tracker"));
    let garbage = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert_eq!(garbage.message(), "Invalid HTTP header");
    let failure = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert_eq!(failure.tracker_message(), Some("banned"));
    let big = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert!(
        matches!(big, TrackerError::ResponseTooLarge { limit_bytes: 1024 }),
        "{big}"
    );
}

#[tokio::test]
async fn a_silent_tracker_times_out() {
    let (port, _) = http_server(vec![Vec::new()]).await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let settings = TrackerSettings {
        tracker_receive_timeout: Duration::from_millis(100),
        ..TrackerSettings::default()
    };
    let error = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::TimedOut), "{error}");
}

#[tokio::test]
async fn ssrf_idna_and_scheme_are_refused_before_connecting() {
    let (port, seen) = http_server(vec![ok(PEERS)]).await;
    let settings = TrackerSettings::default();
    let unusual = format!("http://127.0.0.1:{port}/unusual-path");
    let error = driver::announce(&unusual, &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::SsrfMitigation));
    // Scraping a loopback tracker is refused too ("/scrape" is not "/announce...").
    let announce = format!("http://127.0.0.1:{port}/announce");
    let error = driver::scrape(&announce, Sha1Hash::from_bytes([1; 20]), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::SsrfMitigation));
    let error = driver::announce(
        "http://xn--tracker-.com:8080/announce",
        &request(),
        &settings,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TrackerError::BlockedByIdna));
    let error = driver::announce("ftp://tracker.example/announce", &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::UnsupportedUrlProtocol));
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn http_scrape_without_ssrf_mitigation() {
    let body = b"d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei5e10:downloadedi7e10:incompletei6eeee";
    let (port, seen) = http_server(vec![ok(body)]).await;
    let settings = TrackerSettings {
        ssrf_mitigation: false,
        ..TrackerSettings::default()
    };
    let url = format!("http://127.0.0.1:{port}/announce");
    let scrape = driver::scrape(&url, Sha1Hash::from_bytes([b'a'; 20]), &settings)
        .await
        .unwrap();
    assert_eq!(
        (scrape.complete, scrape.incomplete, scrape.downloaded),
        (Some(5), Some(6), Some(7))
    );
    assert!(seen.lock().unwrap()[0].starts_with("GET /scrape?info_hash=aaaaaaaaaaaaaaaaaaaa "));
}

/// A UDP tracker that answers connects and announces, or an error message when told to.
async fn udp_tracker(error: Option<&'static str>) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = vec![0; 2048];
        loop {
            let Ok((length, from)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            let mut out = Vec::new();
            match udp_packet::read_request(&buffer[..length]) {
                Some(UdpRequest::Connect { transaction_id }) => {
                    udp_packet::write_connect_response(&mut out, transaction_id, 77);
                }
                Some(UdpRequest::Announce { transaction_id, .. }) => match error {
                    Some(message) => {
                        udp_packet::write_error_response(&mut out, transaction_id, message);
                    }
                    None => udp_packet::write_announce_response(
                        &mut out,
                        transaction_id,
                        600,
                        2,
                        3,
                        &["10.0.0.1:6881".parse().unwrap()],
                    ),
                },
                Some(UdpRequest::Scrape { transaction_id, .. }) => {
                    out.extend_from_slice(&udp_packet::ACTION_SCRAPE.to_be_bytes());
                    out.extend_from_slice(&transaction_id.to_be_bytes());
                    for value in [4u32, 5, 6] {
                        out.extend_from_slice(&value.to_be_bytes());
                    }
                }
                None => continue,
            }
            let _ = socket.send_to(&out, from).await;
        }
    });
    addr
}

#[tokio::test]
async fn udp_announce_scrape_and_error() {
    let settings = TrackerSettings::default();
    let addr = udp_tracker(None).await;
    let url = format!("udp://{addr}/announce");
    let response = driver::announce(&url, &request(), &settings).await.unwrap();
    assert_eq!(response.peers4[0].to_string(), "10.0.0.1:6881");
    assert_eq!(response.interval, Duration::from_secs(600));
    assert_eq!((response.incomplete, response.complete), (Some(2), Some(3)));
    let scrape = driver::scrape(&url, Sha1Hash::from_bytes([1; 20]), &settings)
        .await
        .unwrap();
    assert_eq!(
        (scrape.complete, scrape.downloaded, scrape.incomplete),
        (Some(4), Some(5), Some(6))
    );

    let addr = udp_tracker(Some("torrent not registered")).await;
    let url = format!("udp://{addr}");
    let error = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert_eq!(error.code_name(), "tracker_failure");
    assert_eq!(error.tracker_message(), Some("torrent not registered"));
}

#[tokio::test]
async fn udp_silence_times_out_after_the_retransmissions() {
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let url = format!("udp://{}/announce", silent.local_addr().unwrap());
    let settings = TrackerSettings {
        udp: UdpTrackerConfig {
            initial_timeout: Duration::from_millis(20),
            max_retransmits: 2,
            ..UdpTrackerConfig::default()
        },
        ..TrackerSettings::default()
    };
    let error = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::TimedOut), "{error}");
    let mut buffer = [0; 64];
    let mut connects = 0;
    while let Ok(Ok((length, _))) =
        tokio::time::timeout(Duration::from_millis(10), silent.recv_from(&mut buffer)).await
    {
        assert_eq!(length, 16);
        connects += 1;
    }
    assert_eq!(connects, 3);
    let error = driver::announce("udp://127.0.0.1/announce", &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::InvalidPort));
}

#[tokio::test(start_paused = true)]
async fn udp_default_schedule_on_a_paused_clock() {
    // Nine sends, 15 s … 3840 s apart: over two hours of tracker silence, in virtual time.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let url = format!("udp://{}/announce", silent.local_addr().unwrap());
    let started = tokio::time::Instant::now();
    let error = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::TimedOut), "{error}");
    assert_eq!(
        started.elapsed(),
        UdpTrackerConfig::default().total_timeout()
    );
    let mut buffer = [0; 64];
    let mut sends = 0;
    while let Ok((length, _)) = silent.try_recv_from(&mut buffer) {
        assert_eq!(length, 16);
        sends += 1;
    }
    assert_eq!(sends, 9);
}
