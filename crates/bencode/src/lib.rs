//! Bencoding for BitTorrent: a zero-copy decoder with libtorrent's limits, leniency and error
//! messages, an owned [`Value`] with canonical encoding, a streaming [`Encoder`], and serde.
//!
//! - [`bdecode`] turns bytes into a [`Document`]: one flat array of 8-byte tokens indexing the
//!   input. [`Node`] views into it give libtorrent's `bdecode_node` accessors (`dict_find_*`,
//!   `list_at`, `data_section`, `string_offset`, `soft_error`, …) without copying anything; a
//!   [`Decoder`] reuses its allocations across many small messages.
//! - Decoding accepts what libtorrent 2.x accepts (unsorted or duplicate keys, leading zeros,
//!   bytes after the root value) and rejects what it rejects, at the same byte offset and with
//!   the same message. [`Node::soft_error`] reports non-canonical input;
//!   [`DecodeOptions::strict`] rejects it.
//! - [`Value`] is an owned value (libtorrent's `entry`) that always encodes canonically;
//!   [`print_entry`] shows decoded values for people.
//! - [`to_bytes`] / [`from_bytes`] map Rust types with serde; decoding borrows `&str` and
//!   `&[u8]` from the input.
//!
//! This crate knows nothing of torrents: `.torrent` files, DHT and extension messages are built
//! on it in the crates above.
//!
//! # Examples
//! ```
//! let doc = lt_bencode::bdecode(b"d4:infod6:lengthi3e4:name3:abcee")?;
//! let info = doc.root().dict_find_dict("info").unwrap();
//! assert_eq!(info.dict_find_int_value("length"), Some(3));
//! assert_eq!(info.data_section(), b"d6:lengthi3e4:name3:abce"); // what the info-hash covers
//! # Ok::<(), lt_bencode::BdecodeError>(())
//! ```

#![forbid(unsafe_code)]

mod de;
mod decode;
mod encode;
mod error;
mod node;
mod print;
mod ser;
mod serde_error;
mod soft_error;
mod token;
mod value;
mod value_serde;

pub use crate::de::{from_bytes, Deserializer};
pub use crate::decode::{
    bdecode, bdecode_partial, bdecode_with, DecodeOptions, Decoder, Document, PartialDocument,
};
pub use crate::encode::{EncodeError, Encoder};
pub use crate::error::{BdecodeError, BdecodeErrorKind, SoftError, SoftErrorKind};
pub use crate::node::{DictIter, DictNodeIter, ListIter, Node, NodeType};
pub use crate::print::{print_entry, print_value, LINE_WIDTH};
pub use crate::ser::{to_bytes, to_writer, DictSerializer, ListSerializer, Serializer};
pub use crate::serde_error::Error;
pub use crate::value::{Dict, Value};
