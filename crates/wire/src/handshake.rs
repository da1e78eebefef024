//! The BitTorrent handshake (BEP 3): protocol string, reserved bits, info-hash and peer id.

use std::fmt;

use bytes::{Buf, BytesMut};
use lt_core::{InfoHash, PeerId, Sha1Hash};

use crate::error::PeerIncompatible;
use crate::reader;

/// The first 20 bytes of every plaintext handshake: the length byte 19 and
/// `BitTorrent protocol`.
pub const PROTOCOL: &[u8; 20] = b"\x13BitTorrent protocol";

/// The 8 reserved bytes of the handshake, where peers announce protocol extensions.
///
/// # Examples
/// ```
/// use lt_wire::ReservedBits;
///
/// let ours = ReservedBits::lt_default();
/// assert_eq!(ours.to_string(), "0000000000100005"); // what libtorrent 2.x sends
/// assert!(ours.supports_fast() && ours.supports_extension_protocol() && ours.supports_dht());
/// assert!(!ours.supports_v2_upgrade());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReservedBits(pub [u8; 8]);

impl ReservedBits {
    /// The extension protocol (BEP 10): `reserved[5] & 0x10`.
    pub const EXTENSION_PROTOCOL: (usize, u8) = (5, 0x10);
    /// The fast extension (BEP 6): `reserved[7] & 0x04`.
    pub const FAST: (usize, u8) = (7, 0x04);
    /// The DHT `port` message (BEP 5): `reserved[7] & 0x01`.
    pub const DHT: (usize, u8) = (7, 0x01);
    /// The v2 upgrade of a hybrid torrent (BEP 52): `reserved[7] & 0x10`.
    pub const V2_UPGRADE: (usize, u8) = (7, 0x10);

    /// What lt sends, as libtorrent does: extension protocol, fast extension and DHT.
    #[must_use]
    pub fn lt_default() -> Self {
        let mut bits = Self::default();
        bits.set(Self::EXTENSION_PROTOCOL, true);
        bits.set(Self::FAST, true);
        bits.set(Self::DHT, true);
        bits
    }

    /// Whether the bit `(byte, mask)` is set.
    #[must_use]
    pub fn get(&self, (byte, mask): (usize, u8)) -> bool {
        self.0.get(byte).is_some_and(|value| value & mask != 0)
    }

    /// Sets or clears the bit `(byte, mask)`.
    pub fn set(&mut self, (byte, mask): (usize, u8), on: bool) {
        if let Some(value) = self.0.get_mut(byte) {
            if on {
                *value |= mask;
            } else {
                *value &= !mask;
            }
        }
    }

    /// The extension protocol bit (BEP 10).
    #[must_use]
    pub fn supports_extension_protocol(&self) -> bool {
        self.get(Self::EXTENSION_PROTOCOL)
    }

    /// The fast extension bit (BEP 6).
    #[must_use]
    pub fn supports_fast(&self) -> bool {
        self.get(Self::FAST)
    }

    /// The DHT bit (BEP 5).
    #[must_use]
    pub fn supports_dht(&self) -> bool {
        self.get(Self::DHT)
    }

    /// The v2 upgrade bit (BEP 52).
    #[must_use]
    pub fn supports_v2_upgrade(&self) -> bool {
        self.get(Self::V2_UPGRADE)
    }
}

/// The 16 hex digits, as libtorrent's logs and the fixtures write reserved bits.
impl fmt::Display for ReservedBits {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0
            .iter()
            .try_for_each(|byte| write!(formatter, "{byte:02x}"))
    }
}

/// The first 48 bytes of a handshake: enough to pick the torrent and answer before the peer id
/// arrives, as libtorrent does for incoming connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeHeader {
    /// The reserved bits.
    pub reserved: ReservedBits,
    /// The info-hash (a v2 info-hash is truncated to 20 bytes).
    pub info_hash: Sha1Hash,
}

/// A complete handshake: 68 bytes.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_wire::{Handshake, ReservedBits};
///
/// let ours = Handshake {
///     reserved: ReservedBits::lt_default(),
///     info_hash: Sha1Hash::from_bytes([0xaa; 20]),
///     peer_id: PeerId::from_bytes(*b"-LR0100-abcdefghijkl"),
/// };
/// let mut wire = Vec::new();
/// ours.encode(&mut wire);
/// assert_eq!(wire.len(), Handshake::LEN);
///
/// let mut inbound = BytesMut::from(&wire[..30]);
/// assert_eq!(Handshake::decode(&mut inbound)?, None); // not all there yet
/// inbound.extend_from_slice(&wire[30..]);
/// assert_eq!(Handshake::decode(&mut inbound)?, Some(ours));
/// # Ok::<(), lt_wire::PeerIncompatible>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handshake {
    /// The reserved bits.
    pub reserved: ReservedBits,
    /// The info-hash (a v2 info-hash is truncated to 20 bytes).
    pub info_hash: Sha1Hash,
    /// The sender's peer id.
    pub peer_id: PeerId,
}

impl HandshakeHeader {
    /// The header's length: protocol string, reserved bits and info-hash.
    pub const LEN: usize = 48;

    /// Takes the header off the front of `buffer` once all 48 bytes are in.
    ///
    /// # Errors
    /// [`PeerIncompatible::UnknownProtocol`] as soon as a received byte differs from the
    /// protocol string, even before 48 bytes are in.
    pub fn decode(buffer: &mut BytesMut) -> Result<Option<Self>, PeerIncompatible> {
        check_protocol(buffer)?;
        let (Some(reserved), Some(info_hash)) = (
            reader::array::<8>(buffer, PROTOCOL.len()),
            reader::array::<20>(buffer, PROTOCOL.len() + 8),
        ) else {
            return Ok(None);
        };
        buffer.advance(Self::LEN);
        Ok(Some(Self {
            reserved: ReservedBits(reserved),
            info_hash: Sha1Hash::from_bytes(info_hash),
        }))
    }

    /// Checks the info-hash against the torrent the connection is for and tells which
    /// protocol the peer speaks: `true` for v2 (the truncated v2 info-hash of a v2 or hybrid
    /// torrent), `false` for v1.
    ///
    /// # Errors
    /// [`PeerIncompatible::UnknownInfoHash`] when the hash is neither of the torrent's;
    /// [`PeerIncompatible::V2ForV1Torrent`] when the peer sets the v2 upgrade bit on a torrent
    /// without a v2 info-hash (libtorrent closes with `invalid_info_hash`).
    pub fn check_info_hash(&self, torrent: &InfoHash) -> Result<bool, PeerIncompatible> {
        if !torrent.matches_wire_hash(&self.info_hash) {
            return Err(PeerIncompatible::UnknownInfoHash {
                info_hash: self.info_hash,
            });
        }
        if self.reserved.supports_v2_upgrade() && !torrent.has_v2() {
            return Err(PeerIncompatible::V2ForV1Torrent);
        }
        Ok(torrent
            .v2
            .is_some_and(|v2| v2.truncated() == self.info_hash))
    }
}

impl Handshake {
    /// A handshake's length.
    pub const LEN: usize = 68;

    /// Appends the 68 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(PROTOCOL);
        out.extend_from_slice(&self.reserved.0);
        out.extend_from_slice(self.info_hash.as_bytes());
        out.extend_from_slice(self.peer_id.as_bytes());
    }

    /// The first 48 bytes.
    #[must_use]
    pub fn header(&self) -> HandshakeHeader {
        HandshakeHeader {
            reserved: self.reserved,
            info_hash: self.info_hash,
        }
    }

    /// Takes a whole handshake off the front of `buffer` once all 68 bytes are in.
    ///
    /// # Errors
    /// [`PeerIncompatible::UnknownProtocol`] as soon as a received byte differs from the
    /// protocol string.
    pub fn decode(buffer: &mut BytesMut) -> Result<Option<Self>, PeerIncompatible> {
        check_protocol(buffer)?;
        if buffer.len() < Self::LEN {
            return Ok(None);
        }
        let Some(Some(header)) = HandshakeHeader::decode(buffer).ok() else {
            return Ok(None);
        };
        let Some(peer_id) = decode_peer_id(buffer) else {
            return Ok(None);
        };
        Ok(Some(Self {
            reserved: header.reserved,
            info_hash: header.info_hash,
            peer_id,
        }))
    }

    /// Checks the peer id against ours.
    ///
    /// # Errors
    /// [`PeerIncompatible::SelfConnection`] when the peer is ourselves.
    pub fn check_peer_id(&self, ours: &PeerId) -> Result<(), PeerIncompatible> {
        if self.peer_id == *ours {
            Err(PeerIncompatible::SelfConnection)
        } else {
            Ok(())
        }
    }
}

/// Takes the 20-byte peer id that follows a [`HandshakeHeader`] off `buffer`, once it is in.
pub fn decode_peer_id(buffer: &mut BytesMut) -> Option<PeerId> {
    let peer_id = reader::array::<20>(buffer, 0)?;
    buffer.advance(PeerId::LEN);
    Some(PeerId::from_bytes(peer_id))
}

/// Whether the bytes received so far can still be a plaintext handshake: `Some(true)` once the
/// 20-byte protocol string is complete, `None` while it is a matching prefix, `Some(false)` as
/// soon as a byte differs (an incoming connection may then be MSE-encrypted).
#[must_use]
pub fn is_plaintext_handshake(received: &[u8]) -> Option<bool> {
    match check_protocol(received) {
        Err(_) => Some(false),
        Ok(()) if received.len() >= PROTOCOL.len() => Some(true),
        Ok(()) => None,
    }
}

fn check_protocol(received: &[u8]) -> Result<(), PeerIncompatible> {
    match received
        .iter()
        .zip(PROTOCOL)
        .position(|(got, want)| got != want)
    {
        Some(offset) => Err(PeerIncompatible::UnknownProtocol { offset }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake(reserved: ReservedBits) -> Handshake {
        Handshake {
            reserved,
            info_hash: Sha1Hash::from_bytes([7; 20]),
            peer_id: PeerId::from_bytes([9; 20]),
        }
    }

    #[test]
    fn a_wrong_first_byte_fails_at_once() {
        let mut buffer = BytesMut::from(&b"\x13BitTorrent"[..]);
        assert_eq!(Handshake::decode(&mut buffer), Ok(None));
        let mut buffer = BytesMut::from(&b"\x13Bittorrent"[..]);
        assert_eq!(
            Handshake::decode(&mut buffer),
            Err(PeerIncompatible::UnknownProtocol { offset: 4 })
        );
        assert_eq!(is_plaintext_handshake(&[0x13]), None);
        assert_eq!(is_plaintext_handshake(&[0x8f, 0x13]), Some(false));
        assert_eq!(is_plaintext_handshake(PROTOCOL), Some(true));
    }

    #[test]
    fn header_then_peer_id() {
        let ours = handshake(ReservedBits::lt_default());
        let mut wire = Vec::new();
        ours.encode(&mut wire);
        let mut buffer = BytesMut::from(&wire[..50]);
        assert_eq!(
            HandshakeHeader::decode(&mut buffer),
            Ok(Some(ours.header()))
        );
        assert_eq!(decode_peer_id(&mut buffer), None);
        buffer.extend_from_slice(&wire[50..]);
        assert_eq!(decode_peer_id(&mut buffer), Some(ours.peer_id));
        assert!(buffer.is_empty());
    }

    #[test]
    fn info_hash_and_peer_id_checks() {
        let v1 = InfoHash::v1(Sha1Hash::from_bytes([7; 20]));
        let ours = handshake(ReservedBits::default());
        assert_eq!(ours.header().check_info_hash(&v1), Ok(false));
        let other = InfoHash::v1(Sha1Hash::from_bytes([8; 20]));
        assert!(matches!(
            ours.header().check_info_hash(&other),
            Err(PeerIncompatible::UnknownInfoHash { .. })
        ));
        let mut v2_bit = ReservedBits::default();
        v2_bit.set(ReservedBits::V2_UPGRADE, true);
        assert_eq!(
            handshake(v2_bit).header().check_info_hash(&v1),
            Err(PeerIncompatible::V2ForV1Torrent)
        );
        assert_eq!(
            ours.check_peer_id(&PeerId::from_bytes([9; 20])),
            Err(PeerIncompatible::SelfConnection)
        );
        assert_eq!(ours.check_peer_id(&PeerId::from_bytes([1; 20])), Ok(()));
    }
}
