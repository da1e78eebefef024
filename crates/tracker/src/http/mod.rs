//! HTTP/1.1 for trackers: the response parser, gzip/deflate bodies and (feature `tokio`) a small
//! client with TLS for `https://`. `docs/http-client.md` says why lt has its own client.

#[cfg(feature = "tokio")]
pub(crate) mod client;
pub(crate) mod inflate;
pub(crate) mod parser;
#[cfg(feature = "tokio")]
pub(crate) mod tls;
