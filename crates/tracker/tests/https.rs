//! `https://` trackers against local TLS servers on 127.0.0.1 with a self-signed certificate
//! made for each test (rcgen): extra roots, the default refusal, `validate_https_trackers`
//! off, host-name checks, redirects between `http` and `https`, a server that is not TLS, a
//! handshake that stalls, and a bad extra root.
#![cfg(feature = "tokio")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lt_core::{PeerId, Sha1Hash};
use lt_tracker::{driver, AnnounceRequest, TlsFailure, TrackerError, TrackerSettings};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const LOCAL: &[&str] = &["localhost", "127.0.0.1"];
const PEERS: &[u8] = b"d8:intervali900e5:peers6:\x7f\x00\x00\x02\x05\x39e";

/// What a test server saw: per connection, the SNI name (TLS only) and the request head.
type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A self-signed certificate for `names` (host names or IP addresses): its PEM text and a TLS
/// acceptor that presents it.
fn self_signed(names: &[&str]) -> (String, TlsAcceptor) {
    let names: Vec<String> = names.iter().map(|&name| name.to_owned()).collect();
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    (certified.cert.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// Reads a request head, answers `response` and closes (with `close_notify` over TLS).
async fn answer(mut stream: impl AsyncRead + AsyncWrite + Unpin, response: &[u8]) -> String {
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let _ = stream.write_all(response).await;
    let _ = stream.shutdown().await;
    String::from_utf8_lossy(&head).into_owned()
}

/// Serves one canned response per TLS connection, in order; a connection whose handshake fails
/// (the client refused the certificate) uses up its response.
async fn https_server(acceptor: TlsAcceptor, responses: Vec<Vec<u8>>) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let Ok(stream) = acceptor.accept(tcp).await else {
                continue;
            };
            let sni = stream.get_ref().1.server_name().map(str::to_owned);
            let head = answer(stream, &response).await;
            log.lock().unwrap().push((sni, head));
        }
    });
    (port, seen)
}

/// Serves one canned response per plain TCP connection.
async fn http_server(responses: Vec<Vec<u8>>) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let head = answer(tcp, &response).await;
            log.lock().unwrap().push((None, head));
        }
    });
    (port, seen)
}

fn ok(body: &[u8]) -> Vec<u8> {
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    response.extend_from_slice(body);
    response
}

fn redirect(location: &str) -> Vec<u8> {
    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n").into_bytes()
}

fn request() -> AnnounceRequest {
    AnnounceRequest::new(
        Sha1Hash::from_bytes([b'a'; 20]),
        PeerId::from_bytes(*b"-LR0100-abcdefghijkl"),
        6881,
    )
}

fn trusting(pem: &str) -> TrackerSettings {
    TrackerSettings {
        extra_root_certificates_pem: vec![pem.to_owned()],
        ..TrackerSettings::default()
    }
}

fn tls_failure(error: &TrackerError) -> Option<TlsFailure> {
    match error {
        TrackerError::Tls { failure, .. } => Some(*failure),
        _ => None,
    }
}

#[tokio::test]
async fn announce_succeeds_with_the_certificate_as_an_extra_root() {
    let (pem, acceptor) = self_signed(LOCAL);
    let (port, seen) = https_server(acceptor, vec![ok(PEERS), ok(PEERS)]).await;
    let settings = trusting(&pem);
    let url = format!("https://localhost:{port}/announce");
    let response = driver::announce(&url, &request(), &settings).await.unwrap();
    assert_eq!(response.peers4[0].to_string(), "127.0.0.2:1337");
    // An IP literal is checked against the certificate's IP addresses, and sends no SNI.
    let url = format!("https://127.0.0.1:{port}/announce");
    driver::announce(&url, &request(), &settings).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0.as_deref(), Some("localhost"));
    assert!(seen[0]
        .1
        .starts_with("GET /announce?info_hash=aaaaaaaaaaaaaaaaaaaa&"));
    assert!(seen[0]
        .1
        .contains(&format!("\r\nHost: localhost:{port}\r\n")));
    assert_eq!(seen[1].0, None);
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_by_default_and_accepted_without_validation() {
    let (_, acceptor) = self_signed(LOCAL);
    let (port, seen) = https_server(acceptor, vec![ok(PEERS), ok(PEERS)]).await;
    let url = format!("https://localhost:{port}/announce");
    let error = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap_err();
    assert_eq!(
        tls_failure(&error),
        Some(TlsFailure::Certificate),
        "{error}"
    );
    assert_eq!(error.code_name(), "certificate_verify_failed");
    assert_eq!(
        error.to_string(),
        "certificate verify failed for localhost: invalid peer certificate: UnknownIssuer"
    );

    let unchecked = TrackerSettings {
        validate_https_trackers: false,
        ..TrackerSettings::default()
    };
    let response = driver::announce(&url, &request(), &unchecked)
        .await
        .unwrap();
    assert_eq!(response.num_peers(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let (pem, acceptor) = self_signed(&["tracker.example"]);
    let (port, _) = https_server(acceptor, vec![ok(PEERS), ok(PEERS)]).await;
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{port}/announce");
        let error = driver::announce(&url, &request(), &trusting(&pem))
            .await
            .unwrap_err();
        assert_eq!(
            tls_failure(&error),
            Some(TlsFailure::Certificate),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("certificate verify failed for {host}: ")),
            "{error}"
        );
    }
}

#[tokio::test]
async fn redirects_between_http_and_https() {
    let (pem, acceptor) = self_signed(LOCAL);
    let (tls_port, tls_seen) = https_server(acceptor, vec![ok(PEERS)]).await;
    let (port, _) = http_server(vec![redirect(&format!(
        "https://localhost:{tls_port}/announce/tls"
    ))])
    .await;
    let url = format!("http://127.0.0.1:{port}/announce");
    let response = driver::announce(&url, &request(), &trusting(&pem))
        .await
        .unwrap();
    assert_eq!(response.num_peers(), 1);
    assert!(tls_seen.lock().unwrap()[0]
        .1
        .starts_with("GET /announce/tls HTTP/1.1"));

    // And back: https to http, with the SSRF check applied to the new hop.
    let (pem, acceptor) = self_signed(LOCAL);
    let (port, seen) = http_server(vec![ok(PEERS)]).await;
    let (tls_port, _) = https_server(
        acceptor,
        vec![
            redirect(&format!("http://127.0.0.1:{port}/announce/plain")),
            redirect(&format!("http://127.0.0.1:{port}/elsewhere")),
        ],
    )
    .await;
    let url = format!("https://localhost:{tls_port}/announce");
    driver::announce(&url, &request(), &trusting(&pem))
        .await
        .unwrap();
    assert!(seen.lock().unwrap()[0]
        .1
        .starts_with("GET /announce/plain "));
    let error = driver::announce(&url, &request(), &trusting(&pem))
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::SsrfMitigation), "{error}");
}

#[tokio::test]
async fn a_server_that_is_not_tls_fails_the_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((mut tcp, _)) = listener.accept().await {
            let _ = tcp
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    let url = format!("https://127.0.0.1:{port}/announce");
    let error = driver::announce(&url, &request(), &TrackerSettings::default())
        .await
        .unwrap_err();
    assert_eq!(tls_failure(&error), Some(TlsFailure::Handshake), "{error}");
    assert_eq!(error.code_name(), "ssl_handshake_failed");
    assert!(
        error
            .to_string()
            .starts_with("SSL handshake failed with 127.0.0.1: "),
        "{error}"
    );
}

#[tokio::test]
async fn a_stalled_handshake_times_out() {
    // Accepts the connection and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((tcp, _)) = listener.accept().await {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(tcp);
        }
    });
    let settings = TrackerSettings {
        tracker_receive_timeout: Duration::from_millis(200),
        ..TrackerSettings::default()
    };
    let url = format!("https://127.0.0.1:{port}/announce");
    let started = Instant::now();
    let error = driver::announce(&url, &request(), &settings)
        .await
        .unwrap_err();
    assert!(matches!(error, TrackerError::TimedOut), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_bad_extra_root_fails_before_connecting() {
    let (_, acceptor) = self_signed(LOCAL);
    let (port, seen) = https_server(acceptor, vec![ok(PEERS)]).await;
    let url = format!("https://localhost:{port}/announce");
    let error = driver::announce(&url, &request(), &trusting("not a certificate"))
        .await
        .unwrap_err();
    assert_eq!(
        tls_failure(&error),
        Some(TlsFailure::InvalidRootCertificate),
        "{error}"
    );
    assert_eq!(error.code_name(), "invalid_root_certificate");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.lock().unwrap().is_empty());
}
