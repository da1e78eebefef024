//! Incoming peers: the session's listen sockets (`listen_interfaces`), and routing each
//! accepted connection to its torrent. The first bytes tell a plaintext handshake from an MSE
//! one (`in_enc_policy` applies); a plaintext connection names its torrent in the first 48
//! bytes, an encrypted one through the MSE handshake's obfuscated info-hash. The torrent's task
//! then runs the connection, starting with the bytes read here.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use lt_wire::mse::IncomingKind;
use lt_wire::mse_stream::mse_accept;
use lt_wire::HandshakeHeader;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use crate::random::random_bytes;
use crate::registry::Registry;
use crate::settings::Settings;
use crate::stream::{BoxedStream, Prefixed};

/// Parses libtorrent's `listen_interfaces`: `IP:PORT` entries separated by commas, IPv6
/// addresses in brackets. Entries naming a device (`eth0:6881`) are not supported.
///
/// # Errors
/// The entry that is not an `IP:PORT`.
pub(crate) fn parse_listen_interfaces(text: &str) -> Result<Vec<SocketAddr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<SocketAddr>()
                .map_err(|_| format!("invalid listen interface {entry:?} (expected IP:PORT)"))
        })
        .collect()
}

/// Binds `addr` for peers (inside a tokio runtime).
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Most incoming connections in their handshake at once, per listen socket; more are closed
/// at once (a flood of idle connections cannot pile up until `handshake_timeout`).
const MAX_HANDSHAKING: usize = 100;

/// Accepts peers on `listener` until the task is aborted.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    registry: Registry,
    settings: Arc<Settings>,
) {
    let handshaking = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKING));
    loop {
        match listener.accept().await {
            Ok((stream, addr)) => {
                let Ok(permit) = Arc::clone(&handshaking).try_acquire_owned() else {
                    tracing::debug!(%addr, "too many incoming handshakes: closed");
                    drop(stream);
                    continue;
                };
                let registry = registry.clone();
                let settings = Arc::clone(&settings);
                tokio::spawn(async move {
                    let _permit = permit;
                    // A connection that fails here never reached a torrent: only a trace.
                    if let Err(error) = route(stream, addr, &registry, &settings).await {
                        tracing::debug!(%error, "incoming connection refused");
                    }
                });
            }
            // Out of file descriptors, say: wait rather than spin.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

/// Identifies the torrent of an accepted connection (within `handshake_timeout`) and hands
/// the connection to it.
async fn route(
    stream: TcpStream,
    addr: SocketAddr,
    registry: &Registry,
    settings: &Settings,
) -> Result<(), String> {
    let _ = stream.set_nodelay(true);
    let identified = tokio::time::timeout(
        settings.handshake_timeout,
        identify(stream, registry, settings),
    )
    .await
    .map_err(|_| format!("{addr}: handshake timed out"))??;
    let (stream, info_hash) = identified;
    let handle = registry
        .find_by_wire_hash(&info_hash)
        .ok_or_else(|| format!("{addr}: invalid info-hash {info_hash}"))?;
    handle
        .attach_incoming(stream, addr)
        .map_err(|error| format!("{addr}: {error}"))
}

/// Reads until the connection names a torrent; returns the stream (with what was read put
/// back in front) and the 20-byte info-hash it named.
async fn identify(
    mut stream: TcpStream,
    registry: &Registry,
    settings: &Settings,
) -> Result<(BoxedStream, lt_core::Sha1Hash), String> {
    let encryption = settings.encryption();
    let mut first = BytesMut::with_capacity(HandshakeHeader::LEN);
    let kind = loop {
        if let Some(kind) = encryption
            .classify_incoming(&first)
            .map_err(|error| error.to_string())?
        {
            break kind;
        }
        read_more(&mut stream, &mut first).await?;
    };
    match kind {
        IncomingKind::Plaintext => {
            while first.len() < HandshakeHeader::LEN {
                read_more(&mut stream, &mut first).await?;
            }
            let header = HandshakeHeader::decode(&mut first.clone())
                .map_err(|error| error.to_string())?
                .ok_or("incomplete handshake")?;
            Ok((Box::new(Prefixed::new(stream, first)), header.info_hash))
        }
        IncomingKind::Encrypted => {
            let keys = registry.stream_keys();
            let stream = mse_accept(
                Prefixed::new(stream, first),
                &encryption.mse_config(),
                &keys,
                random_bytes(),
            )
            .await
            .map_err(|error| error.to_string())?;
            let info_hash = stream.info_hash();
            Ok((Box::new(stream), info_hash))
        }
    }
}

/// Reads more bytes into `buffer`; the end of the stream is an error here.
async fn read_more(stream: &mut TcpStream, buffer: &mut BytesMut) -> Result<(), String> {
    buffer.reserve(HandshakeHeader::LEN);
    match stream.read_buf(buffer).await {
        Ok(0) => Err("the peer closed the connection during the handshake".to_owned()),
        Ok(_) => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libtorrent_listen_interfaces() {
        assert_eq!(
            parse_listen_interfaces("0.0.0.0:6881, [::]:6881"),
            Ok(vec![
                "0.0.0.0:6881".parse().expect("v4"),
                "[::]:6881".parse().expect("v6")
            ])
        );
        assert_eq!(parse_listen_interfaces(""), Ok(vec![]));
        assert!(parse_listen_interfaces("eth0:6881")
            .expect_err("device names are refused")
            .contains("eth0:6881"));
    }
}
