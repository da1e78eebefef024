//! The extension handshake (BEP 10), with the keys of BEP 9, BEP 21 and libtorrent.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use bytes::Bytes;
use lt_bencode::{Dict, Node, Value};

use super::Rejected;
use crate::reader;

/// The extension handshake: a bencoded dictionary sent as extended message 0.
///
/// Decoding is as lenient as libtorrent's: a key of the wrong type or out of range is treated as
/// absent, and a payload that is not a bencoded dictionary is ignored (it arrives as
/// [`ExtendedMessage::Ignored`](crate::ExtendedMessage::Ignored)). Encoding writes only the keys
/// that are set, canonically.
///
/// # Examples
/// ```
/// use lt_wire::{ExtendedHandshake, ExtensionIds};
///
/// let mut ours = ExtendedHandshake {
///     client: Some("lt/0.1.0".into()),
///     max_queued_requests: Some(2000),
///     ..ExtendedHandshake::default()
/// };
/// ExtensionIds::default().advertise(&mut ours);
/// assert_eq!(ours.extensions.get("ut_metadata"), Some(&2));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtendedHandshake {
    /// `m`: extension name to the extended id the sender wants to receive it under (0: the
    /// extension is turned off). Entries whose id is not in `0..=255` are dropped.
    pub extensions: BTreeMap<String, u8>,
    /// `p`: the sender's listen port.
    pub listen_port: Option<u16>,
    /// `v`: the sender's client name and version (invalid UTF-8 is replaced).
    pub client: Option<String>,
    /// `reqq`: how many outstanding requests the sender accepts.
    pub max_queued_requests: Option<u32>,
    /// `yourip`: our address as the sender sees it (4 or 16 bytes on the wire).
    pub your_ip: Option<IpAddr>,
    /// `ipv4`: the sender's own IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// `ipv6`: the sender's own IPv6 address.
    pub ipv6: Option<Ipv6Addr>,
    /// `metadata_size`: the size of the info dictionary in bytes (BEP 9).
    pub metadata_size: Option<u64>,
    /// `upload_only`: the sender will download nothing (BEP 21).
    pub upload_only: bool,
    /// `complete_ago`: how long ago the sender last saw a complete copy (libtorrent; it sends
    /// -1 for "never", which decodes as `None`).
    pub complete_ago: Option<Duration>,
    /// `share_mode`: the sender is in share mode (libtorrent).
    pub share_mode: bool,
}

impl ExtendedHandshake {
    /// Decodes a handshake payload.
    pub(crate) fn decode(payload: &Bytes) -> Result<Self, Rejected> {
        let document =
            lt_bencode::bdecode(payload).map_err(|_| Rejected::Ignore("invalid bencoding"))?;
        let root = document.root();
        if !root.is_dict() {
            return Err(Rejected::Ignore("not a dictionary"));
        }
        Ok(Self::from_dict(&root))
    }

    fn from_dict(root: &Node<'_>) -> Self {
        let extensions = root
            .dict_find_dict("m")
            .map(|m| {
                m.dict_iter()
                    .filter_map(|(name, id)| {
                        let id = u8::try_from(id.as_int()?).ok()?;
                        Some((String::from_utf8_lossy(name).into_owned(), id))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let int = |key: &str| root.dict_find_int(key).and_then(|node| node.as_int());
        let string = |key: &str| root.dict_find_string_value(key);
        Self {
            extensions,
            listen_port: int("p")
                .and_then(|port| u16::try_from(port).ok())
                .filter(|port| *port != 0),
            client: string("v").map(|name| String::from_utf8_lossy(name).into_owned()),
            max_queued_requests: int("reqq")
                .and_then(|reqq| u32::try_from(reqq).ok())
                .filter(|reqq| *reqq != 0),
            your_ip: string("yourip").and_then(ip_from_bytes),
            ipv4: string("ipv4")
                .and_then(|bytes| reader::array::<4>(bytes, 0).filter(|_| bytes.len() == 4))
                .map(Ipv4Addr::from),
            ipv6: string("ipv6")
                .and_then(|bytes| reader::array::<16>(bytes, 0).filter(|_| bytes.len() == 16))
                .map(Ipv6Addr::from),
            metadata_size: int("metadata_size")
                .and_then(|size| u64::try_from(size).ok())
                .filter(|size| *size != 0),
            upload_only: int("upload_only").is_some_and(|flag| flag != 0),
            complete_ago: int("complete_ago")
                .and_then(|seconds| u64::try_from(seconds).ok())
                .map(Duration::from_secs),
            share_mode: int("share_mode").is_some_and(|flag| flag != 0),
        }
    }

    /// Appends the bencoded dictionary.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.to_value().encode_into(out);
    }

    /// The handshake as a bencoded value (`m` is left out when empty).
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut dict = Dict::new();
        let mut put = |key: &str, value: Value| {
            dict.insert(key.as_bytes().to_vec(), value);
        };
        if !self.extensions.is_empty() {
            let m = self
                .extensions
                .iter()
                .map(|(name, id)| (name.as_bytes().to_vec(), Value::Int(i64::from(*id))))
                .collect();
            put("m", Value::Dict(m));
        }
        if let Some(port) = self.listen_port {
            put("p", Value::Int(i64::from(port)));
        }
        if let Some(client) = &self.client {
            put("v", Value::Bytes(client.as_bytes().to_vec()));
        }
        if let Some(reqq) = self.max_queued_requests {
            put("reqq", Value::Int(i64::from(reqq)));
        }
        if let Some(ip) = self.your_ip {
            let bytes = match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            put("yourip", Value::Bytes(bytes));
        }
        if let Some(ipv4) = self.ipv4 {
            put("ipv4", Value::Bytes(ipv4.octets().to_vec()));
        }
        if let Some(ipv6) = self.ipv6 {
            put("ipv6", Value::Bytes(ipv6.octets().to_vec()));
        }
        if let Some(size) = self.metadata_size {
            put("metadata_size", Value::Int(saturating_i64(size)));
        }
        if self.upload_only {
            put("upload_only", Value::Int(1));
        }
        if let Some(ago) = self.complete_ago {
            put("complete_ago", Value::Int(saturating_i64(ago.as_secs())));
        }
        if self.share_mode {
            put("share_mode", Value::Int(1));
        }
        Value::Dict(dict)
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A 4- or 16-byte address; other lengths are ignored, as libtorrent does.
fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => reader::array::<4>(bytes, 0).map(IpAddr::from),
        16 => reader::array::<16>(bytes, 0).map(IpAddr::from),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &'static [u8]) -> Result<ExtendedHandshake, &'static str> {
        ExtendedHandshake::decode(&Bytes::from_static(bytes)).map_err(|rejected| match rejected {
            Rejected::Ignore(reason) => reason,
            Rejected::Fatal(_) => "fatal",
        })
    }

    #[test]
    fn empty_dictionary_is_the_default() {
        assert_eq!(decode(b"de"), Ok(ExtendedHandshake::default()));
        let mut out = Vec::new();
        ExtendedHandshake::default().encode(&mut out);
        assert_eq!(out, b"de");
    }

    #[test]
    fn wrong_types_and_ranges_are_absent() {
        let handshake = decode(
            b"d1:md1:ai300e1:bi-1e1:ci5e1:d1:xe1:pi70000e4:reqqi0e6:yourip3:abc\
              13:metadata_sizei-5e12:complete_agoi-1e11:upload_only1:1e",
        )
        .unwrap_or_default();
        assert_eq!(handshake.extensions.len(), 1);
        assert_eq!(handshake.extensions.get("c"), Some(&5));
        assert_eq!(handshake.listen_port, None);
        assert_eq!(handshake.max_queued_requests, None);
        assert_eq!(handshake.your_ip, None);
        assert_eq!(handshake.metadata_size, None);
        assert_eq!(handshake.complete_ago, None);
        assert!(!handshake.upload_only);
    }

    #[test]
    fn non_dictionaries_are_ignored() {
        assert_eq!(decode(b"li1ee"), Err("not a dictionary"));
        assert_eq!(decode(b"d1:m"), Err("invalid bencoding"));
        assert_eq!(decode(b""), Err("invalid bencoding"));
    }
}
