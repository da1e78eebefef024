//! `Value`: an owned bencoded value (libtorrent's `entry`), built or converted from a `Node`.

use std::collections::BTreeMap;
use std::fmt;

use crate::encode::{write_bytes, write_int};
use crate::error::{BdecodeError, BdecodeErrorKind};
use crate::node::{Node, NodeType};

/// A dictionary: byte-string keys kept in raw byte order, which is bencoding's canonical order.
pub type Dict = BTreeMap<Vec<u8>, Value>;

/// An owned bencoded value, like libtorrent's `entry`.
///
/// Encoding a `Value` always gives canonical bencoding: dictionary keys sorted by raw bytes,
/// integers without leading zeros.
///
/// # Examples
/// ```
/// use lt_bencode::Value;
///
/// let mut dict = lt_bencode::Dict::new();
/// dict.insert(b"spam".to_vec(), Value::from("eggs"));
/// dict.insert(b"cow".to_vec(), Value::from("moo"));
/// let value = Value::Dict(dict);
/// assert_eq!(value.to_bytes(), b"d3:cow3:moo4:spam4:eggse");
///
/// let decoded = Value::decode(b"d3:cow3:moo4:spam4:eggse")?;
/// assert_eq!(decoded, value);
/// # Ok::<(), lt_bencode::BdecodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A byte string (not necessarily UTF-8).
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Value>),
    /// A dictionary.
    Dict(Dict),
}

impl Value {
    /// Decodes bencoded bytes (libtorrent's defaults) into an owned value.
    ///
    /// # Errors
    /// Any [`BdecodeError`] of [`bdecode`](crate::bdecode), and
    /// [`BdecodeErrorKind::Overflow`] for an integer outside `i64`.
    pub fn decode(buffer: &[u8]) -> Result<Value, BdecodeError> {
        crate::bdecode(buffer)?.root().to_value()
    }

    /// The canonical encoding of this value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Appends the canonical encoding of this value to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(number) => write_int(out, *number),
            Value::Bytes(bytes) => write_bytes(out, bytes),
            Value::List(items) => {
                out.push(b'l');
                for item in items {
                    item.encode_into(out);
                }
                out.push(b'e');
            }
            Value::Dict(dict) => {
                out.push(b'd');
                for (key, value) in dict {
                    write_bytes(out, key);
                    value.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(number) => Some(*number),
            _ => None,
        }
    }

    /// The bytes, if this is a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The string as UTF-8 text, if it is a string and valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// The items, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The dictionary, if this is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(dict) => Some(dict),
            _ => None,
        }
    }

    /// Mutable access to the dictionary, if this is one.
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(dict) => Some(dict),
            _ => None,
        }
    }

    /// The value under `key`, if this is a dictionary that has it.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&Value> {
        self.as_dict()?.get(key.as_ref())
    }

    /// The type of the value, named as for [`Node`]s.
    pub fn value_type(&self) -> NodeType {
        match self {
            Value::Int(_) => NodeType::Int,
            Value::Bytes(_) => NodeType::String,
            Value::List(_) => NodeType::List,
            Value::Dict(_) => NodeType::Dict,
        }
    }
}

impl<'a> Node<'a> {
    /// Copies this value and everything under it into an owned [`Value`]. When a dictionary
    /// repeats a key, the last value wins (as with libtorrent's `entry`).
    ///
    /// # Errors
    /// [`BdecodeErrorKind::Overflow`] at the integer's offset for an integer outside `i64`.
    pub fn to_value(&self) -> Result<Value, BdecodeError> {
        Ok(match self.node_type() {
            NodeType::Int => Value::Int(self.as_int().ok_or_else(|| {
                BdecodeError::new(BdecodeErrorKind::Overflow, self.data_offset())
            })?),
            NodeType::String => Value::Bytes(self.as_bytes().unwrap_or_default().to_vec()),
            NodeType::List => Value::List(
                self.list_iter()
                    .map(|item| item.to_value())
                    .collect::<Result<_, _>>()?,
            ),
            NodeType::Dict => {
                let mut dict = Dict::new();
                for (key, value) in self.dict_iter() {
                    dict.insert(key.to_vec(), value.to_value()?);
                }
                Value::Dict(dict)
            }
        })
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Value::Int(number)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Bytes(text.as_bytes().to_vec())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Bytes(text.into_bytes())
    }
}

impl From<&[u8]> for Value {
    fn from(bytes: &[u8]) -> Self {
        Value::Bytes(bytes.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    fn from(bytes: Vec<u8>) -> Self {
        Value::Bytes(bytes)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

impl From<Dict> for Value {
    fn from(dict: Dict) -> Self {
        Value::Dict(dict)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::print_value(self, true, 0))
    }
}

impl fmt::Display for Value {
    /// The value as libtorrent's `print_entry` shows it on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::print_value(self, true, 0))
    }
}
