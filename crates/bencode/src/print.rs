//! Human-readable printing of decoded values, in the spirit of libtorrent's `print_entry`.
//!
//! Printable ASCII strings appear in single quotes, other strings as `0x` and hex digits;
//! integers in decimal; lists as `[ a, b ]` and dictionaries as `{ 'key': value }`. A list or
//! dictionary that fits in [`LINE_WIDTH`] characters stays on one line; a longer one puts each
//! item on its own line, indented two spaces deeper. In one-line mode everything stays on one
//! line and long strings are shortened to their head and tail; otherwise long binary strings
//! (piece hashes) are shortened to their first bytes and their length.

use std::fmt::Write as _;

use crate::decode::{bdecode_with, DecodeOptions};
use crate::node::{Node, NodeType};
use crate::value::Value;

/// Lists and dictionaries whose one-line form is longer than this are split over lines.
pub const LINE_WIDTH: usize = 200;

/// In one-line mode, strings longer than this many bytes are shortened.
const SHORTEN_ABOVE: usize = 32;
/// How many bytes of a shortened string's head and tail are shown.
const SHORT_PART: usize = 12;
/// In multi-line mode, binary strings longer than this are shown as their first
/// [`BINARY_HEAD`] bytes and their length (piece hashes would otherwise fill pages).
const BINARY_SHORTEN_ABOVE: usize = 64;
const BINARY_HEAD: usize = 20;

/// Prints a decoded value.
///
/// `single_line` keeps everything on one line (shortening long strings); otherwise long lists
/// and dictionaries are split over lines. `indent` is the number of spaces the value's own
/// line is indented by, used for the lines of its items.
///
/// # Examples
/// ```
/// let doc = lt_bencode::bdecode(b"d1:ai1e1:b3:foo1:cli1ei2ee1:dd1:xi1eee")?;
/// assert_eq!(
///     lt_bencode::print_entry(&doc.root(), true, 0),
///     "{ 'a': 1, 'b': 'foo', 'c': [ 1, 2 ], 'd': { 'x': 1 } }"
/// );
/// # Ok::<(), lt_bencode::BdecodeError>(())
/// ```
pub fn print_entry(node: &Node<'_>, single_line: bool, indent: usize) -> String {
    let mut out = String::new();
    write_node(&mut out, node, single_line, indent);
    out
}

/// Prints an owned value the way [`print_entry`] prints a decoded one.
pub fn print_value(value: &Value, single_line: bool, indent: usize) -> String {
    let encoded = value.to_bytes();
    let unlimited = DecodeOptions {
        depth_limit: usize::MAX,
        token_limit: usize::MAX,
        max_buffer_size: usize::MAX,
        strict: false,
    };
    match bdecode_with(&encoded, &unlimited) {
        Ok(document) => print_entry(&document.root(), single_line, indent),
        Err(_) => String::from("<value too large to print>"),
    }
}

fn write_node(out: &mut String, node: &Node<'_>, single_line: bool, indent: usize) {
    match node.node_type() {
        NodeType::Int => write_int(out, node),
        NodeType::String => write_string(out, node.as_bytes().unwrap_or_default(), single_line),
        NodeType::List => {
            let items = node.list_iter().map(|item| (None, item));
            write_container(out, node, ('[', ']'), items, single_line, indent);
        }
        NodeType::Dict => {
            let items = node.dict_iter().map(|(key, value)| (Some(key), value));
            write_container(out, node, ('{', '}'), items, single_line, indent);
        }
    }
}

fn write_container<'a>(
    out: &mut String,
    node: &Node<'a>,
    (open, close): (char, char),
    items: impl Iterator<Item = (Option<&'a [u8]>, Node<'a>)>,
    single_line: bool,
    indent: usize,
) {
    let mut items = items.peekable();
    out.push(open);
    if items.peek().is_none() {
        out.push(close);
        return;
    }
    let one_line = single_line || one_line_width(node, LINE_WIDTH).is_some();
    let inner = indent + 2;
    while let Some((key, value)) = items.next() {
        if one_line {
            out.push(' ');
        } else {
            out.push('\n');
            push_spaces(out, inner);
        }
        if let Some(key) = key {
            write_string(out, key, true);
            out.push_str(": ");
        }
        write_node(out, &value, single_line, inner);
        if items.peek().is_some() {
            out.push(',');
        }
    }
    if one_line {
        out.push(' ');
    } else {
        out.push('\n');
        push_spaces(out, indent);
    }
    out.push(close);
}

fn push_spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

fn write_int(out: &mut String, node: &Node<'_>) {
    match node.as_int() {
        Some(number) => {
            let _ = write!(out, "{number}");
        }
        // Out of i64 range: show the digits as written.
        None => out.push_str(&String::from_utf8_lossy(
            node.int_text().unwrap_or_default(),
        )),
    }
}

fn is_printable(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| (0x20..0x7f).contains(&b))
}

fn write_string(out: &mut String, bytes: &[u8], single_line: bool) {
    if !single_line && bytes.len() > BINARY_SHORTEN_ABOVE && !is_printable(bytes) {
        out.push_str("0x");
        push_hex(out, &bytes[..BINARY_HEAD]);
        let _ = write!(out, "... ({} bytes)", bytes.len());
        return;
    }
    let shorten = single_line && bytes.len() > SHORTEN_ABOVE;
    let (head, tail) = if shorten {
        (&bytes[..SHORT_PART], &bytes[bytes.len() - SHORT_PART..])
    } else {
        (bytes, &bytes[..0])
    };
    if is_printable(bytes) {
        out.push('\'');
        push_text(out, head);
        if shorten {
            out.push_str("...");
            push_text(out, tail);
        }
        out.push('\'');
    } else {
        out.push_str("0x");
        push_hex(out, head);
        if shorten {
            out.push_str("...");
            push_hex(out, tail);
        }
    }
}

fn push_text(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| char::from(b)));
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

/// The width of `node`'s one-line form if it is at most `budget`, else `None` (stopping as
/// soon as the budget is spent).
fn one_line_width(node: &Node<'_>, budget: usize) -> Option<usize> {
    let width = match node.node_type() {
        NodeType::Int => node.int_text().map_or(1, <[u8]>::len),
        NodeType::String => string_width(node.as_bytes().unwrap_or_default()),
        NodeType::List | NodeType::Dict => {
            // "[ " + items joined by ", " + " ]", or "[]" when empty.
            let mut width = 2usize;
            let mut children: Box<dyn Iterator<Item = (Option<&[u8]>, Node<'_>)>> =
                if node.is_list() {
                    Box::new(node.list_iter().map(|item| (None, item)))
                } else {
                    Box::new(node.dict_iter().map(|(key, value)| (Some(key), value)))
                };
            for (key, value) in &mut children {
                width += 2;
                if let Some(key) = key {
                    width += string_width(key) + 2;
                }
                let remaining = budget.checked_sub(width)?;
                width += one_line_width(&value, remaining)?;
                if width > budget {
                    return None;
                }
            }
            width
        }
    };
    (width <= budget).then_some(width)
}

fn string_width(bytes: &[u8]) -> usize {
    let shown = if bytes.len() > SHORTEN_ABOVE {
        2 * SHORT_PART
    } else {
        bytes.len()
    };
    let extra = if bytes.len() > SHORTEN_ABOVE { 3 } else { 0 };
    if is_printable(bytes) {
        shown + extra + 2
    } else {
        2 * shown + extra + 2
    }
}
