//! Decoded bencoding as JSON, streamed in buffer order.
//!
//! Integers become numbers (or strings of digits outside the 64-bit range); UTF-8 strings become
//! JSON strings and other byte strings `{"hex":"…"}`; dictionary keys that are not UTF-8 become
//! `"hex:…"`.

use std::io::{self, Write};

use lt_bencode::{Node, NodeType};

/// Writes `node` as JSON.
pub(crate) fn write_node(out: &mut impl Write, node: &Node<'_>) -> io::Result<()> {
    match node.node_type() {
        NodeType::Int => match node.as_int() {
            Some(number) => write!(out, "{number}"),
            None => write_str(
                out,
                &String::from_utf8_lossy(node.int_text().unwrap_or_default()),
            ),
        },
        NodeType::String => {
            let bytes = node.as_bytes().unwrap_or_default();
            match std::str::from_utf8(bytes) {
                Ok(text) => write_str(out, text),
                Err(_) => write!(out, "{{\"hex\":\"{}\"}}", hex(bytes)),
            }
        }
        NodeType::List => {
            out.write_all(b"[")?;
            for (index, item) in node.list_iter().enumerate() {
                if index > 0 {
                    out.write_all(b",")?;
                }
                write_node(out, &item)?;
            }
            out.write_all(b"]")
        }
        NodeType::Dict => {
            out.write_all(b"{")?;
            for (index, (key, value)) in node.dict_iter().enumerate() {
                if index > 0 {
                    out.write_all(b",")?;
                }
                match std::str::from_utf8(key) {
                    Ok(text) => write_str(out, text)?,
                    Err(_) => write_str(out, &format!("hex:{}", hex(key)))?,
                }
                out.write_all(b":")?;
                write_node(out, &value)?;
            }
            out.write_all(b"}")
        }
    }
}

fn write_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    let quoted = serde_json::to_string(text).map_err(io::Error::other)?;
    out.write_all(quoted.as_bytes())
}

/// Lowercase hex digits of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}
