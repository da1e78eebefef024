//! ut_pex (BEP 11): peers the sender connected to or dropped since its last message.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use lt_bencode::{Dict, Node, Value};

use super::Rejected;
use crate::error::InvalidMessage;
use crate::reader;

/// The flags byte of a peer in `added.f` / `added6.f` (BEP 11, libtorrent's `pex_flags_t`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PexFlags(pub u8);

impl PexFlags {
    /// The peer prefers encryption (`pex_encryption`).
    pub const ENCRYPTION: PexFlags = PexFlags(0x01);
    /// The peer is a seed or upload-only (`pex_seed`).
    pub const SEED: PexFlags = PexFlags(0x02);
    /// The peer supports uTP (`pex_utp`).
    pub const UTP: PexFlags = PexFlags(0x04);
    /// The peer supports ut_holepunch and can relay (`pex_holepunch`).
    pub const HOLEPUNCH: PexFlags = PexFlags(0x08);
    /// The sender reached the peer with an outgoing connection, so it is reachable (BEP 11).
    pub const REACHABLE: PexFlags = PexFlags(0x10);

    /// Whether every flag of `other` is set.
    #[must_use]
    pub const fn contains(self, other: PexFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for PexFlags {
    type Output = PexFlags;

    fn bitor(self, other: PexFlags) -> PexFlags {
        PexFlags(self.0 | other.0)
    }
}

/// A peer in the `added` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PexPeer {
    /// Its address.
    pub address: SocketAddr,
    /// What the sender knows about it.
    pub flags: PexFlags,
}

/// A ut_pex message. IPv4 peers travel in `added` / `dropped`, IPv6 peers in `added6` /
/// `dropped6`; decoding lists the IPv4 peers first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PexMessage {
    /// Peers the sender connected to.
    pub added: Vec<PexPeer>,
    /// Peers the sender disconnected from.
    pub dropped: Vec<SocketAddr>,
}

const V4_LEN: usize = 6;
const V6_LEN: usize = 18;

impl PexMessage {
    /// Decodes as libtorrent does: a payload that is not a dictionary is fatal; an `added` list
    /// whose flags string does not have one byte per peer is skipped; trailing bytes of a
    /// compact list are ignored.
    pub(crate) fn decode(payload: &Bytes) -> Result<Self, Rejected> {
        let invalid = |reason| Rejected::Fatal(InvalidMessage::InvalidPexMessage { reason });
        let document = lt_bencode::bdecode(payload).map_err(|_| invalid("invalid bencoding"))?;
        let root = document.root();
        if !root.is_dict() {
            return Err(invalid("not a dictionary"));
        }
        let mut message = PexMessage::default();
        for (list, flags, entry_len) in
            [("added", "added.f", V4_LEN), ("added6", "added6.f", V6_LEN)]
        {
            let (Some(addresses), Some(flags)) = (string(&root, list), string(&root, flags)) else {
                continue;
            };
            if flags.len() != addresses.len() / entry_len {
                continue;
            }
            let peers = addresses.chunks_exact(entry_len).zip(flags);
            message.added.extend(peers.filter_map(|(compact, flags)| {
                Some(PexPeer {
                    address: address_from_compact(compact)?,
                    flags: PexFlags(*flags),
                })
            }));
        }
        for (list, entry_len) in [("dropped", V4_LEN), ("dropped6", V6_LEN)] {
            if let Some(addresses) = string(&root, list) {
                let dropped = addresses.chunks_exact(entry_len);
                message
                    .dropped
                    .extend(dropped.filter_map(address_from_compact));
            }
        }
        Ok(message)
    }

    /// Appends the bencoded dictionary with all six lists, as libtorrent writes them.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let mut lists: [Vec<u8>; 6] = Default::default();
        let [added, added_flags, dropped, added6, added6_flags, dropped6] = &mut lists;
        for peer in &self.added {
            let (addresses, flags) = match peer.address {
                SocketAddr::V4(_) => (&mut *added, &mut *added_flags),
                SocketAddr::V6(_) => (&mut *added6, &mut *added6_flags),
            };
            write_compact(peer.address, addresses);
            flags.push(peer.flags.0);
        }
        for address in &self.dropped {
            match address {
                SocketAddr::V4(_) => write_compact(*address, dropped),
                SocketAddr::V6(_) => write_compact(*address, dropped6),
            }
        }
        let keys = [
            "added", "added.f", "dropped", "added6", "added6.f", "dropped6",
        ];
        let dict: Dict = keys
            .into_iter()
            .zip(lists)
            .map(|(key, list)| (key.as_bytes().to_vec(), Value::Bytes(list)))
            .collect();
        Value::Dict(dict).encode_into(out);
    }
}

fn string<'a>(root: &Node<'a>, key: &str) -> Option<&'a [u8]> {
    root.dict_find_string_value(key)
}

/// A compact address: 4 or 16 address bytes, then the big-endian port.
fn address_from_compact(compact: &[u8]) -> Option<SocketAddr> {
    let ip = match compact.len() {
        V4_LEN => IpAddr::from(reader::array::<4>(compact, 0)?),
        V6_LEN => IpAddr::from(reader::array::<16>(compact, 0)?),
        _ => return None,
    };
    let port = reader::be_u16(compact, compact.len().checked_sub(2)?)?;
    Some(SocketAddr::new(ip, port))
}

fn write_compact(address: SocketAddr, out: &mut Vec<u8>) {
    match address.ip() {
        IpAddr::V4(ip) => out.extend_from_slice(&ip.octets()),
        IpAddr::V6(ip) => out.extend_from_slice(&ip.octets()),
    }
    out.extend_from_slice(&address.port().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Option<PexMessage> {
        PexMessage::decode(&Bytes::copy_from_slice(bytes)).ok()
    }

    #[test]
    fn round_trip_both_families() {
        let message = PexMessage {
            added: vec![
                PexPeer {
                    address: "10.0.0.1:6881".parse().unwrap(),
                    flags: PexFlags::SEED | PexFlags::UTP,
                },
                PexPeer {
                    address: "[2001:db8::1]:51413".parse().unwrap(),
                    flags: PexFlags::ENCRYPTION,
                },
            ],
            dropped: vec!["192.168.1.2:80".parse().unwrap()],
        };
        let mut out = Vec::new();
        message.encode(&mut out);
        assert_eq!(decode(&out), Some(message));
    }

    #[test]
    fn added_without_matching_flags_is_skipped() {
        // Two peers in `added`, one flag byte: libtorrent ignores the list.
        let message =
            decode(b"d5:added12:\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x1a\xe17:added.f1:\x02e");
        assert_eq!(message, Some(PexMessage::default()));
        // A trailing partial entry is ignored.
        let message = decode(b"d7:dropped8:\x0a\x00\x00\x01\x1a\xe1\x00\x00e");
        assert_eq!(message.map(|message| message.dropped.len()), Some(1));
    }
}
