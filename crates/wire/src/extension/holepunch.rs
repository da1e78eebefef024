//! ut_holepunch (BEP 55): a relaying peer introduces two peers that cannot accept connections.

use std::net::{IpAddr, SocketAddr};

use bytes::{BufMut, Bytes};

use super::Rejected;
use crate::reader;

/// Why a relaying peer could not act on a rendezvous (BEP 55 `err_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolepunchError {
    /// 1: the target endpoint is invalid.
    NoSuchPeer,
    /// 2: the relay is not connected to the target.
    NotConnected,
    /// 3: the target does not support ut_holepunch.
    NoSupport,
    /// 4: the target is the relay itself.
    NoSelf,
    /// A code BEP 55 does not define.
    Other(u32),
}

impl HolepunchError {
    /// The wire code.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            HolepunchError::NoSuchPeer => 1,
            HolepunchError::NotConnected => 2,
            HolepunchError::NoSupport => 3,
            HolepunchError::NoSelf => 4,
            HolepunchError::Other(code) => code,
        }
    }

    /// The error for a wire code.
    #[must_use]
    pub const fn from_code(code: u32) -> Self {
        match code {
            1 => HolepunchError::NoSuchPeer,
            2 => HolepunchError::NotConnected,
            3 => HolepunchError::NoSupport,
            4 => HolepunchError::NoSelf,
            other => HolepunchError::Other(other),
        }
    }
}

/// A ut_holepunch message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolepunchMessage {
    /// `rendezvous` (0): please introduce me to the peer at this address.
    Rendezvous(SocketAddr),
    /// `connect` (1): open a uTP connection to this address now.
    Connect(SocketAddr),
    /// `error` (2): the rendezvous for this address failed.
    Error {
        /// The address from the rendezvous.
        address: SocketAddr,
        /// Why.
        error: HolepunchError,
    },
}

impl HolepunchMessage {
    /// Decodes as libtorrent does: short payloads, unknown address or message types, and an
    /// error without its code are ignored. `err_code` is optional outside `error` messages
    /// (libtorrent does not send it there, BEP 55 sends 0).
    pub(crate) fn decode(payload: &Bytes) -> Result<Self, Rejected> {
        let (Some(&msg_type), Some(&address_type)) = (payload.first(), payload.get(1)) else {
            return Err(Rejected::Ignore("ut_holepunch message too short"));
        };
        let (ip, port_at) = match address_type {
            0 => (reader::array::<4>(payload, 2).map(IpAddr::from), 6),
            1 => (reader::array::<16>(payload, 2).map(IpAddr::from), 18),
            _ => return Err(Rejected::Ignore("unknown ut_holepunch address type")),
        };
        let (Some(ip), Some(port)) = (ip, reader::be_u16(payload, port_at)) else {
            return Err(Rejected::Ignore("ut_holepunch message too short"));
        };
        let address = SocketAddr::new(ip, port);
        match msg_type {
            0 => Ok(HolepunchMessage::Rendezvous(address)),
            1 => Ok(HolepunchMessage::Connect(address)),
            2 => match reader::be_u32(payload, port_at + 2) {
                Some(code) => Ok(HolepunchMessage::Error {
                    address,
                    error: HolepunchError::from_code(code),
                }),
                None => Err(Rejected::Ignore("ut_holepunch error without its code")),
            },
            _ => Err(Rejected::Ignore("unknown ut_holepunch message type")),
        }
    }

    /// Appends the payload as BEP 55 lays it out, `err_code` included (0 outside `error`).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let (msg_type, address, code) = match self {
            HolepunchMessage::Rendezvous(address) => (0, address, 0),
            HolepunchMessage::Connect(address) => (1, address, 0),
            HolepunchMessage::Error { address, error } => (2, address, error.code()),
        };
        out.put_u8(msg_type);
        match address.ip() {
            IpAddr::V4(ip) => {
                out.put_u8(0);
                out.extend_from_slice(&ip.octets());
            }
            IpAddr::V6(ip) => {
                out.put_u8(1);
                out.extend_from_slice(&ip.octets());
            }
        }
        out.put_u16(address.port());
        out.put_u32(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<HolepunchMessage, &'static str> {
        HolepunchMessage::decode(&Bytes::copy_from_slice(bytes)).map_err(
            |rejected| match rejected {
                Rejected::Ignore(reason) => reason,
                Rejected::Fatal(_) => "fatal",
            },
        )
    }

    #[test]
    fn libtorrent_layout_without_err_code_decodes() {
        let connect = decode(&[1, 0, 10, 0, 0, 1, 0x1a, 0xe1]);
        assert_eq!(
            connect,
            Ok(HolepunchMessage::Connect("10.0.0.1:6881".parse().unwrap()))
        );
        let error = decode(&[2, 0, 10, 0, 0, 1, 0x1a, 0xe1, 0, 0, 0, 3]);
        assert!(matches!(
            error,
            Ok(HolepunchMessage::Error {
                error: HolepunchError::NoSupport,
                ..
            })
        ));
        assert_eq!(
            decode(&[2, 0, 10, 0, 0, 1, 0x1a, 0xe1]),
            Err("ut_holepunch error without its code")
        );
        assert_eq!(
            decode(&[3, 0, 10, 0, 0, 1, 0x1a, 0xe1]),
            Err("unknown ut_holepunch message type")
        );
        assert_eq!(decode(&[0, 2]), Err("unknown ut_holepunch address type"));
        assert_eq!(decode(&[0, 1, 0, 0]), Err("ut_holepunch message too short"));
    }

    #[test]
    fn encodes_bep_55_layout() {
        let message = HolepunchMessage::Rendezvous("[::1]:7000".parse().unwrap());
        let mut out = Vec::new();
        message.encode(&mut out);
        assert_eq!(out.len(), 1 + 1 + 16 + 2 + 4);
        assert_eq!(decode(&out), Ok(message));
    }
}
