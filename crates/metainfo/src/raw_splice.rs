//! Encoding a dictionary with one value spliced in as raw, already-bencoded bytes (libtorrent's
//! `entry::preformatted`), so that an info section keeps its exact bytes and info-hash.

use lt_bencode::Dict;

/// The canonical encoding of `dict` plus the entry `key` → `raw`, where `raw` is written
/// verbatim at its place in key order (replacing any `key` in `dict`).
pub(crate) fn encode_with_raw(dict: &Dict, key: &[u8], raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 256);
    let mut raw_written = false;
    let write_raw = |out: &mut Vec<u8>| {
        write_key(out, key);
        out.extend_from_slice(raw);
    };
    out.push(b'd');
    for (entry_key, value) in dict {
        if entry_key.as_slice() == key {
            continue;
        }
        if !raw_written && entry_key.as_slice() > key {
            write_raw(&mut out);
            raw_written = true;
        }
        write_key(&mut out, entry_key);
        value.encode_into(&mut out);
    }
    if !raw_written {
        write_raw(&mut out);
    }
    out.push(b'e');
    out
}

fn write_key(out: &mut Vec<u8>, key: &[u8]) {
    out.extend_from_slice(key.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(key);
}

#[cfg(test)]
mod tests {
    use lt_bencode::{Dict, Value};

    #[test]
    fn raw_value_lands_in_key_order() {
        let mut dict = Dict::new();
        dict.insert(b"a".to_vec(), Value::Int(1));
        dict.insert(b"info".to_vec(), Value::Int(7)); // replaced
        dict.insert(b"z".to_vec(), Value::Int(2));
        let out = super::encode_with_raw(&dict, b"info", b"d1:xi1e1:ai2ee");
        assert_eq!(out, b"d1:ai1e4:infod1:xi1e1:ai2ee1:zi2ee");
        assert_eq!(
            super::encode_with_raw(&Dict::new(), b"k", b"i0e"),
            b"d1:ki0ee"
        );
    }
}
