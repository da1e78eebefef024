//! The BitTorrent peer wire protocol, sans-I/O: bytes in, typed messages out, and back.
//!
//! - [`Handshake`] / [`HandshakeHeader`] and [`ReservedBits`]: the 68-byte handshake (BEP 3)
//!   with the extension-protocol, fast, DHT and v2-upgrade bits, checked byte by byte so a
//!   non-BitTorrent stream is refused at its first wrong byte.
//! - [`Message`]: every message libtorrent 2.x speaks (BEP 3, 5, 6, 10, 52), with
//!   [`ExtendedMessage`] typing the extension protocol: the extension handshake
//!   ([`ExtendedHandshake`]), ut_metadata ([`MetadataMessage`], BEP 9), ut_pex
//!   ([`PexMessage`], BEP 11), upload_only (BEP 21), lt_donthave, share_mode and ut_holepunch
//!   ([`HolepunchMessage`], BEP 55).
//! - [`MessageDecoder`] takes complete messages off a [`bytes::BytesMut`] receive buffer and
//!   leaves a partial one in place; piece data leaves as [`bytes::Bytes`] without a copy.
//!   [`Message::encode`] appends to a send buffer.
//! - [`PieceGeometry`] and [`check_negotiated`] check decoded messages against the torrent and
//!   the handshakes; [`allowed_fast_set`] computes the fast-extension set as libtorrent does.
//! - Errors follow libtorrent: limits (1 MiB messages, 16 KiB blocks, 17 KiB ut_metadata,
//!   500 KiB ut_pex), leniency (what it ignores rather than disconnects for) and codes
//!   ([`WireError::code_name`]), grouped by who is at fault: [`InvalidMessage`],
//!   [`PeerMisbehaved`], [`PeerIncompatible`], [`ApiMisuse`].
//!
//! - [`PeerConnection`]: the sans-I/O connection: handshakes, choke and interest both ways,
//!   the peer's pieces, the fast extension both ways, the request pipeline whose queue target
//!   follows the download rate, the upload side (reads handed out under the send-buffer
//!   watermark, answered with [`PeerConnection::serve`]), ut_metadata (with
//!   [`MetadataAssembler`]), keep-alives and libtorrent's timeouts; `handle_*(now, …)` in,
//!   `poll_transmit` / `poll_event` / `poll_timeout` out. `testing::Pair` (feature `testing`)
//!   drives two of them in virtual time; `driver::run` (feature `tokio`) drives one on a
//!   stream.
//!
//! - [`mse`]: Message Stream Encryption (MSE/PE), both roles, sans-I/O, with libtorrent's
//!   encryption policies and error codes.
//!
//! Nothing in this crate but `driver` and `mse_stream` does I/O, reads a clock or spawns a task.
//!
//! # Feature flags
//! - `testing`: the `testing::Pair` harness, for crates above that test with it.
//! - `tokio`: `driver::run`, a [`PeerConnection`] on a tokio stream, and `mse_stream`, an
//!   MSE/PE-encrypted tokio stream.
//!
//! # Examples
//! ```
//! use bytes::BytesMut;
//! use lt_wire::{ExtendedMessage, ExtensionIds, Message, MessageDecoder, MetadataMessage};
//!
//! // We advertised libtorrent's extension ids; the peer asks for metadata piece 0.
//! let mut decoder = MessageDecoder::default();
//! let mut inbound = BytesMut::new();
//! inbound.extend_from_slice(b"\x00\x00\x00\x1b\x14\x02d8:msg_typei0e5:piecei0ee");
//! let request = decoder.decode(&mut inbound)?;
//! assert_eq!(
//!     request,
//!     Some(Message::Extended(ExtendedMessage::Metadata(MetadataMessage::Request { piece: 0 })))
//! );
//!
//! // Answer under the id the peer advertised (here the same numbering).
//! let metadata = bytes::Bytes::from_static(b"d4:name3:abce");
//! let reply = lt_wire::serve_metadata_piece(&metadata, 0);
//! let mut outbound = Vec::new();
//! Message::Extended(ExtendedMessage::Metadata(reply)).encode(&ExtensionIds::default(), &mut outbound)?;
//! assert!(outbound.ends_with(b"10:total_sizei13eed4:name3:abce"));
//! # Ok::<(), lt_wire::WireError>(())
//! ```
#![forbid(unsafe_code)]

mod connection;
mod decode;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod driver;
mod encode;
mod error;
mod extension;
mod fast;
mod handshake;
mod message;
pub mod mse;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod mse_stream;
#[cfg(test)]
mod properties;
mod reader;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod validate;

pub use crate::{
    connection::{DisconnectReason, PeerConnection, WireConfig, WireEvent},
    decode::{DecodeLimits, MessageDecoder},
    encode::piece_header,
    error::{ApiMisuse, InvalidMessage, PeerIncompatible, PeerMisbehaved, WireError},
    extension::{
        metadata_piece_count, serve_metadata_piece, ExtendedHandshake, ExtendedMessage,
        ExtensionIds, ExtensionKind, HolepunchError, HolepunchMessage, MetadataAssembler,
        MetadataMessage, MetadataProgress, PexFlags, PexMessage, PexPeer, MAX_METADATA_SIZE,
        METADATA_PIECE_SIZE,
    },
    fast::{allowed_fast_set, allowed_fast_set_bep6, ALLOWED_FAST_SET_SIZE},
    handshake::{
        decode_peer_id, is_plaintext_handshake, Handshake, HandshakeHeader, ReservedBits, PROTOCOL,
    },
    message::{BlockRequest, HashRequest, Message, MessageId},
    validate::{check_negotiated, Block, PieceGeometry},
};
