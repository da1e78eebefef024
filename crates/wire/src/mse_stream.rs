//! An MSE/PE connection as a tokio byte stream (feature `tokio`).
//!
//! [`mse_connect`] and [`mse_accept`] run [`MseInitiator`] / [`MseResponder`] over a stream and
//! return an [`MseStream`]: `AsyncRead + AsyncWrite` that decrypts what it reads and encrypts
//! what it writes with the negotiated RC4 streams (or passes bytes through when plaintext was
//! selected). Hand it to [`driver::run`](crate::driver::run) like a `TcpStream`; the BitTorrent
//! handshake then goes through the encrypted stream.
//!
//! Writes consume keystream only for the bytes the inner stream accepts, so `poll_write` keeps
//! tokio's contract (`Pending` means nothing was written, `Ready(Ok(n))` that exactly the first
//! `n` bytes were) and nothing waits in a buffer for a flush.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, BytesMut};
use lt_core::Sha1Hash;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::mse::{
    CryptoMode, Encryption, MseConfig, MseEstablished, MseInitiator, MseResponder, Rc4Drop1024,
    StreamKeys,
};
use crate::WireError;

/// The most plaintext one `poll_write` encrypts.
const WRITE_CHUNK: usize = 64 * 1024;

/// How much the handshake reads at a time.
const HANDSHAKE_READ: usize = 4096;

/// Why [`mse_connect`] or [`mse_accept`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MseStreamError {
    /// Reading or writing the stream failed, or it ended during the handshake
    /// (`UnexpectedEof`).
    #[error("mse handshake i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The handshake failed (libtorrent's code in [`WireError::code_name`]).
    #[error(transparent)]
    Handshake(#[from] WireError),
}

/// A stream after a successful MSE handshake: reads are decrypted, writes encrypted (RC4), or
/// both pass through (plaintext mode).
///
/// Reading starts with the bytes that arrived with the handshake: the initiator's initial
/// payload (IA, on the responder's side) and any stream data after it.
#[derive(Debug)]
pub struct MseStream<S> {
    inner: S,
    mode: CryptoMode,
    info_hash: Sha1Hash,
    /// Decrypts what is read; `None` in plaintext mode.
    incoming: Option<Rc4Drop1024>,
    /// Generates the write keystream; `None` in plaintext mode.
    outgoing: Option<Rc4Drop1024>,
    /// Write keystream generated but not yet used: `keystream[keystream_used..]`.
    keystream: Vec<u8>,
    keystream_used: usize,
    /// The ciphertext of the current `poll_write`.
    scratch: Vec<u8>,
    /// Plaintext to hand out before reading the inner stream.
    leftover: BytesMut,
}

impl<S> MseStream<S> {
    /// Wraps `inner` after a handshake that ended in `established`, with `rest` the bytes left
    /// in the handshake's receive buffer (still encrypted). Reads start with
    /// `established.initial_payload`, then `rest` decrypted.
    #[must_use]
    pub fn new(inner: S, established: MseEstablished, rest: &[u8]) -> Self {
        let MseEstablished {
            encryption,
            info_hash,
            initial_payload,
        } = established;
        let mode = encryption.mode();
        let (outgoing, mut incoming) = match encryption {
            Encryption::Plaintext => (None, None),
            Encryption::Rc4(pair) => {
                let (outgoing, incoming) = pair.split();
                (Some(outgoing), Some(incoming))
            }
        };
        let mut leftover = BytesMut::with_capacity(initial_payload.len() + rest.len());
        leftover.extend_from_slice(&initial_payload);
        let start = leftover.len();
        leftover.extend_from_slice(rest);
        if let Some(cipher) = &mut incoming {
            cipher.apply(&mut leftover[start..]);
        }
        Self {
            inner,
            mode,
            info_hash,
            incoming,
            outgoing,
            keystream: Vec::new(),
            keystream_used: 0,
            scratch: Vec::new(),
            leftover,
        }
    }

    /// The negotiated mode.
    #[must_use]
    pub fn mode(&self) -> CryptoMode {
        self.mode
    }

    /// The torrent's 20-byte info-hash (SKEY): ours as initiator, the one the peer's
    /// obfuscated hash matched as responder.
    #[must_use]
    pub fn info_hash(&self) -> Sha1Hash {
        self.info_hash
    }

    /// The inner stream (reading or writing it directly would break the encryption).
    #[must_use]
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Makes sure `length` unused keystream bytes are ready.
    fn ensure_keystream(&mut self, length: usize) {
        let Some(cipher) = &mut self.outgoing else {
            return;
        };
        if self.keystream.len() - self.keystream_used >= length {
            return;
        }
        self.keystream.drain(..self.keystream_used);
        self.keystream_used = 0;
        let old = self.keystream.len();
        self.keystream.resize(length, 0);
        cipher.apply(&mut self.keystream[old..]);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for MseStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if !this.leftover.is_empty() {
            let count = this.leftover.len().min(buf.remaining());
            buf.put_slice(&this.leftover[..count]);
            this.leftover.advance(count);
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Some(cipher) = &mut this.incoming {
            cipher.apply(&mut buf.filled_mut()[before..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for MseStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.outgoing.is_none() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        let length = buf.len().min(WRITE_CHUNK);
        this.ensure_keystream(length);
        let keystream = &this.keystream[this.keystream_used..this.keystream_used + length];
        this.scratch.clear();
        this.scratch.extend(
            buf[..length]
                .iter()
                .zip(keystream)
                .map(|(byte, key)| byte ^ key),
        );
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &this.scratch))?;
        // Only what the inner stream took uses keystream; the rest is encrypted again next time.
        this.keystream_used += written.min(length);
        Poll::Ready(Ok(written.min(length)))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Runs the MSE handshake as initiator over `stream` for the torrent `info_hash` (its 20-byte
/// form), offering `config.allowed_enc_level`, with no initial payload: send the BitTorrent
/// handshake through the returned stream (the driver does). `seed` draws the key and the pads.
///
/// There is no timeout here: wrap the call in `tokio::time::timeout` (libtorrent's handshake
/// timeout covers MSE too).
///
/// # Errors
/// [`MseStreamError::Io`] when the stream fails or ends, [`MseStreamError::Handshake`] with the
/// [`MseError`](crate::mse::MseError) when the peer's handshake is wrong.
pub async fn mse_connect<S>(
    mut stream: S,
    config: &MseConfig,
    info_hash: Sha1Hash,
    seed: [u8; 32],
) -> Result<MseStream<S>, MseStreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut initiator = MseInitiator::new(config, info_hash, &[], seed)?;
    let mut input = BytesMut::with_capacity(HANDSHAKE_READ);
    let mut output = Vec::new();
    loop {
        let established = initiator.handle_read(&mut input)?;
        initiator.poll_transmit(&mut output);
        send(&mut stream, &mut output).await?;
        if let Some(established) = established {
            return Ok(MseStream::new(stream, established, &input));
        }
        receive(&mut stream, &mut input).await?;
    }
}

/// Runs the MSE handshake as responder over `stream`, accepting `config.allowed_enc_level` for
/// the torrents in `torrents`. Reading the returned stream starts with the initiator's initial
/// payload (usually its BitTorrent handshake); [`MseStream::info_hash`] names the torrent.
///
/// There is no timeout here: wrap the call in `tokio::time::timeout`.
///
/// # Errors
/// [`MseStreamError::Io`] when the stream fails or ends, [`MseStreamError::Handshake`] with the
/// [`MseError`](crate::mse::MseError) when the peer's handshake is wrong or names an unknown
/// torrent.
pub async fn mse_accept<S>(
    mut stream: S,
    config: &MseConfig,
    torrents: &StreamKeys,
    seed: [u8; 32],
) -> Result<MseStream<S>, MseStreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut responder = MseResponder::new(config, seed);
    let mut input = BytesMut::with_capacity(HANDSHAKE_READ);
    let mut output = Vec::new();
    loop {
        let established = responder.handle_read(&mut input, torrents)?;
        responder.poll_transmit(&mut output);
        send(&mut stream, &mut output).await?;
        if let Some(established) = established {
            return Ok(MseStream::new(stream, established, &input));
        }
        receive(&mut stream, &mut input).await?;
    }
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, output: &mut Vec<u8>) -> std::io::Result<()> {
    if !output.is_empty() {
        stream.write_all(output).await?;
        stream.flush().await?;
        output.clear();
    }
    Ok(())
}

async fn receive<S: AsyncRead + Unpin>(
    stream: &mut S,
    input: &mut BytesMut,
) -> std::io::Result<()> {
    input.reserve(HANDSHAKE_READ);
    if stream.read_buf(input).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};

    use super::*;
    use crate::mse::EncLevel;

    fn info_hash() -> Sha1Hash {
        Sha1Hash::from_bytes([0x5a; 20])
    }

    fn config(level: EncLevel) -> MseConfig {
        MseConfig {
            allowed_enc_level: level,
            ..MseConfig::default()
        }
    }

    /// Connected initiator and responder streams over a duplex pipe of `capacity` bytes.
    async fn pair(
        level: EncLevel,
        capacity: usize,
    ) -> (MseStream<DuplexStream>, MseStream<DuplexStream>) {
        let (a, b) = duplex(capacity);
        let torrents: StreamKeys = [info_hash()].into_iter().collect();
        let config = config(level);
        let (initiator, responder) = tokio::join!(
            mse_connect(a, &config, info_hash(), [1; 32]),
            mse_accept(b, &config, &torrents, [2; 32]),
        );
        (initiator.expect("initiator"), responder.expect("responder"))
    }

    fn pattern(seed: u8, length: usize) -> Vec<u8> {
        (0..length)
            .map(|index| (index as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    /// Writes `data` in `chunk`-byte writes on one side while the other reads it all.
    async fn send_and_receive(
        from: &mut MseStream<DuplexStream>,
        to: &mut MseStream<DuplexStream>,
        data: &[u8],
        chunk: usize,
    ) {
        let write = async {
            for part in data.chunks(chunk) {
                from.write_all(part).await.expect("write");
            }
            from.flush().await.expect("flush");
        };
        let read = async {
            let mut received = vec![0; data.len()];
            to.read_exact(&mut received).await.expect("read");
            received
        };
        let ((), received) = tokio::join!(write, read);
        assert_eq!(received, data);
    }

    #[tokio::test]
    async fn rc4_streams_exchange_bytes_both_ways() {
        let (mut a, mut b) = pair(EncLevel::Rc4, 64 * 1024).await;
        assert_eq!(a.mode(), CryptoMode::Rc4);
        assert_eq!(b.mode(), CryptoMode::Rc4);
        assert_eq!(b.info_hash(), info_hash());
        send_and_receive(&mut a, &mut b, b"hello from the initiator", 1024).await;
        send_and_receive(&mut b, &mut a, b"and back from the responder", 1024).await;
        // Both ways at once, larger than the pipe and than one write chunk.
        let (one, two) = (pattern(1, 300_000), pattern(2, 200_000));
        let (mut a_read, mut a_write) = tokio::io::split(a);
        let (mut b_read, mut b_write) = tokio::io::split(b);
        let mut received_by_b = vec![0; one.len()];
        let mut received_by_a = vec![0; two.len()];
        let (written_by_a, read_by_b, written_by_b, read_by_a) = tokio::join!(
            a_write.write_all(&one),
            b_read.read_exact(&mut received_by_b),
            b_write.write_all(&two),
            a_read.read_exact(&mut received_by_a),
        );
        written_by_a.expect("a writes");
        written_by_b.expect("b writes");
        read_by_a.expect("a reads");
        read_by_b.expect("b reads");
        assert_eq!(received_by_b, one);
        assert_eq!(received_by_a, two);
    }

    #[tokio::test]
    async fn split_writes_through_a_small_pipe() {
        // A 1 KiB pipe (room for one handshake step): large writes are partial, reads short.
        let (mut a, mut b) = pair(EncLevel::Rc4, 1024).await;
        let data = pattern(3, 5000);
        send_and_receive(&mut a, &mut b, &data, 1).await;
        send_and_receive(&mut b, &mut a, &data, 333).await;
        send_and_receive(&mut a, &mut b, &data, 4999).await;
    }

    #[tokio::test]
    async fn the_wire_carries_ciphertext() {
        let (a, b) = duplex(64 * 1024);
        let torrents: StreamKeys = [info_hash()].into_iter().collect();
        let config = config(EncLevel::Rc4);
        let (initiator, raw) = tokio::join!(mse_connect(a, &config, info_hash(), [1; 32]), async {
            // The responder by hand, so the raw bytes after the handshake can be seen.
            let mut responder = MseResponder::new(&config, [2; 32]);
            let mut input = BytesMut::new();
            let mut stream = b;
            let mut output = Vec::new();
            loop {
                let done = responder.handle_read(&mut input, &torrents).expect("ok");
                responder.poll_transmit(&mut output);
                send(&mut stream, &mut output).await.expect("send");
                if let Some(done) = done {
                    break (stream, done, input);
                }
                receive(&mut stream, &mut input).await.expect("receive");
            }
        },);
        let mut initiator = initiator.expect("initiator");
        let (mut stream, mut established, mut input) = raw;
        let message = b"\x13BitTorrent protocol";
        initiator.write_all(message).await.expect("write");
        while input.len() < message.len() {
            receive(&mut stream, &mut input).await.expect("receive");
        }
        assert_ne!(&input[..], message);
        established.encryption.decrypt(&mut input[..]);
        assert_eq!(&input[..], message);
    }

    #[tokio::test]
    async fn plaintext_mode_passes_bytes_through() {
        let (mut a, mut b) = pair(EncLevel::Plaintext, 1024).await;
        assert_eq!(a.mode(), CryptoMode::Plaintext);
        assert_eq!(b.mode(), CryptoMode::Plaintext);
        let data = pattern(4, 10_000);
        send_and_receive(&mut a, &mut b, &data, 100).await;
        send_and_receive(&mut b, &mut a, &data, 10_000).await;
    }

    #[tokio::test]
    async fn data_sent_with_the_handshake_is_read_first() {
        // The initiator's first stream bytes may arrive in the responder's last handshake read.
        let (a, b) = duplex(64 * 1024);
        let torrents: StreamKeys = [info_hash()].into_iter().collect();
        let config = config(EncLevel::Rc4);
        let (initiator, responder) = tokio::join!(
            async {
                let mut stream = mse_connect(a, &config, info_hash(), [1; 32])
                    .await
                    .expect("initiator");
                stream.write_all(b"early").await.expect("write");
                stream
            },
            async {
                // Let the early bytes arrive before the responder's last read.
                tokio::task::yield_now().await;
                mse_accept(b, &config, &torrents, [2; 32]).await
            },
        );
        let (_initiator, mut responder) = (initiator, responder.expect("responder"));
        let mut received = [0; 5];
        responder.read_exact(&mut received).await.expect("read");
        assert_eq!(&received, b"early");
    }

    #[tokio::test]
    async fn a_closed_stream_fails_the_handshake() {
        let (a, b) = duplex(1024);
        drop(b);
        let error = mse_connect(a, &MseConfig::default(), info_hash(), [1; 32])
            .await
            .expect_err("no peer");
        assert!(matches!(error, MseStreamError::Io(_)), "{error}");
    }

    #[tokio::test]
    async fn an_unknown_torrent_is_refused() {
        let (a, b) = duplex(64 * 1024);
        let config = MseConfig::default();
        let nothing = StreamKeys::new();
        let (_, responder) = tokio::join!(
            mse_connect(a, &config, info_hash(), [1; 32]),
            mse_accept(b, &config, &nothing, [2; 32]),
        );
        let error = responder.expect_err("unknown torrent");
        let MseStreamError::Handshake(error) = error else {
            panic!("{error}");
        };
        assert_eq!(error.code_name(), Some("invalid_info_hash"));
    }
}
