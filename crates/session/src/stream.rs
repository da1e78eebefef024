//! The byte streams peers are driven over: a TCP stream, an MSE stream over one, or either with
//! bytes already read in front ([`Prefixed`]: an incoming connection's first bytes, read to
//! find its torrent, are handed to the peer connection before the rest of the stream).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Any stream a peer connection can run over.
pub(crate) trait PeerStream: AsyncRead + AsyncWrite + Send + Sync + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin> PeerStream for T {}

/// A peer's stream, whatever it is underneath.
pub(crate) type BoxedStream = Box<dyn PeerStream>;

/// `inner` with `prefix` read first.
#[derive(Debug)]
pub(crate) struct Prefixed<S> {
    prefix: BytesMut,
    inner: S,
}

impl<S> Prefixed<S> {
    /// Reads give `prefix`, then whatever `inner` gives.
    pub(crate) fn new(inner: S, prefix: BytesMut) -> Self {
        Self { prefix, inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let count = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix[..count]);
        this.prefix.advance(count);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn reads_the_prefix_then_the_stream() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut stream = Prefixed::new(ours, BytesMut::from(&b"head:"[..]));
        theirs.write_all(b"tail").await.expect("write");
        drop(theirs);
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await.expect("read");
        assert_eq!(all, b"head:tail");
    }

    #[tokio::test]
    async fn writes_go_to_the_stream() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut stream = Prefixed::new(ours, BytesMut::from(&b"x"[..]));
        stream.write_all(b"hello").await.expect("write");
        let mut got = [0; 5];
        theirs.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"hello");
    }
}
