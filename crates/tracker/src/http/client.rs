//! A small HTTP/1.1 GET client on tokio for tracker requests: one request per connection,
//! `http://` or `https://` (TLS in [`super::tls`]), limited redirects (also between the two
//! schemes), a completion and a receive timeout, a response size limit, gzip/deflate, and
//! libtorrent's SSRF and IDNA checks on every hop.

use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};

use crate::error::TrackerError;
use crate::http::inflate::decode_body;
use crate::http::parser::HttpParser;
use crate::http::tls;
use crate::safety::{is_idna, ssrf_blocks};
use crate::settings::TrackerSettings;
use crate::url::{resolve_redirect_location, TrackerUrl};

/// A complete response: the final status and the decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) body: Vec<u8>,
}

/// GETs `url`, following up to `settings.max_redirects` redirects, within
/// `settings.tracker_completion_timeout` overall.
pub(crate) async fn get(
    url: &str,
    settings: &TrackerSettings,
) -> Result<HttpResponse, TrackerError> {
    let deadline = Instant::now() + settings.tracker_completion_timeout;
    timeout_at(deadline, get_following_redirects(url, settings))
        .await
        .unwrap_or(Err(TrackerError::TimedOut))
}

async fn get_following_redirects(
    url: &str,
    settings: &TrackerSettings,
) -> Result<HttpResponse, TrackerError> {
    let mut url = url.to_owned();
    let mut redirects = 0;
    loop {
        let parser = fetch_once(&url, settings).await?;
        let status = parser.status_code().unwrap_or(0);
        if (300..400).contains(&status) && redirects < settings.max_redirects {
            let location = parser
                .header("location")
                .filter(|location| !location.is_empty())
                .ok_or(TrackerError::HttpMissingLocation)?;
            url = resolve_redirect_location(&url, location);
            redirects += 1;
            continue;
        }
        let body = decode_body(
            parser.header("content-encoding"),
            parser.body().into_owned(),
            settings.tracker_maximum_response_length,
        )?;
        return Ok(HttpResponse {
            status,
            reason: parser.reason().to_owned(),
            body,
        });
    }
}

/// The addresses of `host`, without a lookup when it is an IP literal.
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, TrackerError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| TrackerError::HostNotFound {
            host: host.to_owned(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(TrackerError::HostNotFound {
            host: host.to_owned(),
        });
    }
    Ok(addrs)
}

/// The parts of a URL this client can request, after the scheme and IDNA checks.
pub(crate) fn checked_url(
    url: &str,
    settings: &TrackerSettings,
) -> Result<TrackerUrl, TrackerError> {
    let parts = TrackerUrl::parse(url)?;
    if !parts.scheme.eq_ignore_ascii_case("http") && !parts.scheme.eq_ignore_ascii_case("https") {
        return Err(TrackerError::UnsupportedUrlProtocol);
    }
    if !settings.allow_idna && is_idna(&parts.host) {
        return Err(TrackerError::BlockedByIdna);
    }
    Ok(parts)
}

/// One request on one connection (TLS for `https`), read to the end of the response.
async fn fetch_once(url: &str, settings: &TrackerSettings) -> Result<HttpParser, TrackerError> {
    let parts = checked_url(url, settings)?;
    let tls_connector = if parts.scheme.eq_ignore_ascii_case("https") {
        Some(tls::connector(&parts.host, settings)?)
    } else {
        None
    };
    let port = parts.port_or_default().unwrap_or(80);
    let mut addrs = resolve(&parts.host, port).await?;
    if settings.ssrf_mitigation {
        addrs.retain(|addr| !ssrf_blocks(addr.ip(), &parts.path));
        if addrs.is_empty() {
            return Err(TrackerError::SsrfMitigation);
        }
    }
    let stream = connect_any(&addrs).await?;
    let target = parts.path.split('#').next().unwrap_or("/");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept-Encoding: gzip\r\n\
         Connection: close\r\n\r\n",
        parts.host_header(),
        settings.user_agent
    );
    match tls_connector {
        Some(connector) => {
            let stream = tls::handshake(&connector, stream, &parts.host, settings).await?;
            exchange(stream, &request, settings).await
        }
        None => exchange(stream, &request, settings).await,
    }
}

/// Sends `request` and reads the response until it is complete or the server closes.
///
/// Over TLS, a close without `close_notify` before the response is complete is an
/// [`Io`](TrackerError::Io) error ("peer closed connection without sending TLS close_notify"),
/// as libtorrent fails with asio's `stream_truncated`: a close-delimited body must end with
/// `close_notify`, so that nobody can cut it short. A response with `Content-Length` or chunked
/// framing is complete before the close and never gets that far.
async fn exchange(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    request: &str,
    settings: &TrackerSettings,
) -> Result<HttpParser, TrackerError> {
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| TrackerError::io("write", error))?;
    stream
        .flush()
        .await
        .map_err(|error| TrackerError::io("write", error))?;

    let limit = settings.tracker_maximum_response_length;
    let mut parser = HttpParser::new();
    let mut chunk = vec![0; 16 * 1024];
    loop {
        let read = timeout(settings.tracker_receive_timeout, stream.read(&mut chunk))
            .await
            .map_err(|_| TrackerError::TimedOut)?
            .map_err(|error| TrackerError::io("read", error))?;
        let Some(data) = chunk.get(..read).filter(|data| !data.is_empty()) else {
            parser.finish()?;
            return Ok(parser);
        };
        parser.feed(data)?;
        if parser.received().len() > limit {
            return Err(TrackerError::ResponseTooLarge { limit_bytes: limit });
        }
        if parser.is_finished() {
            return Ok(parser);
        }
    }
}

/// Connects to the first address that accepts; the last error if none does.
async fn connect_any(addrs: &[SocketAddr]) -> Result<TcpStream, TrackerError> {
    let mut last_error = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(TrackerError::io(
        "connect",
        last_error.unwrap_or_else(|| std::io::Error::other("no address to connect to")),
    ))
}
