//! libtorrent's bdecode and bencode test vectors (`tests/fixtures/bdecode-vectors.json`).

use lt_bencode::{
    bdecode_partial, bdecode_with, print_entry, DecodeOptions, Node, NodeType, Value,
};
use serde_json::Value as Json;

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/bdecode-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture file");
    serde_json::from_str(&text).expect("fixture json")
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Expands `{n}` and `{n:04}` in a generator's format string.
fn format_n(format: &str, n: u64) -> String {
    format
        .replace("{n:04}", &format!("{n:04}"))
        .replace("{n}", &n.to_string())
}

fn input_of(case: &Json) -> Option<Vec<u8>> {
    if let Some(text) = case.get("input").and_then(Json::as_str) {
        return Some(text.as_bytes().to_vec());
    }
    if let Some(text) = case.get("input_hex").and_then(Json::as_str) {
        return Some(hex(text));
    }
    if let Some(parts) = case.get("input_gen").and_then(Json::as_array) {
        let mut out = Vec::new();
        for part in parts {
            if let Some(literal) = part.get("literal").and_then(Json::as_str) {
                out.extend_from_slice(literal.as_bytes());
            } else if let Some(repeat) = part.get("repeat").and_then(Json::as_str) {
                let count = part["count"].as_u64().expect("count") as usize;
                out.extend_from_slice(repeat.repeat(count).as_bytes());
            } else if let Some(repeat) = part.get("repeat_hex").and_then(Json::as_str) {
                let count = part["count"].as_u64().expect("count") as usize;
                out.extend(hex(repeat).repeat(count));
            } else if let Some(format) = part.get("format").and_then(Json::as_str) {
                let range = part["n_range"].as_array().expect("n_range");
                let (start, end) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
                for n in start..end {
                    out.extend_from_slice(format_n(format, n).as_bytes());
                }
            } else {
                panic!("unknown generator part {part}");
            }
        }
        return Some(out);
    }
    if case.get("input").is_some_and(Json::is_null) {
        return Some(Vec::new());
    }
    None
}

fn options_of(case: &Json) -> DecodeOptions {
    let mut options = DecodeOptions::default();
    if let Some(given) = case.get("options") {
        if let Some(depth) = given.get("depth_limit").and_then(Json::as_u64) {
            options.depth_limit = depth as usize;
        }
        if let Some(tokens) = given.get("token_limit").and_then(Json::as_u64) {
            options.token_limit = tokens as usize;
        }
    }
    options
}

/// Compares a node with the fixture's value notation, in buffer order.
fn assert_value(node: &Node<'_>, expected: &Json, name: &str) {
    let object = expected.as_object().expect("value object");
    let (tag, inner) = object.iter().next().expect("tagged value");
    match tag.as_str() {
        "i" => assert_eq!(node.as_int(), inner.as_i64(), "{name}: int"),
        "s" => assert_eq!(
            node.as_bytes(),
            Some(inner.as_str().unwrap().as_bytes()),
            "{name}: string"
        ),
        "x" => assert_eq!(
            node.as_bytes(),
            Some(&hex(inner.as_str().unwrap())[..]),
            "{name}: bytes"
        ),
        "l" => {
            let items = inner.as_array().unwrap();
            assert_eq!(node.node_type(), NodeType::List, "{name}");
            assert_eq!(node.list_size(), items.len(), "{name}: list size");
            for (item, expected) in node.list_iter().zip(items) {
                assert_value(&item, expected, name);
            }
        }
        "d" => {
            let pairs = inner.as_array().unwrap();
            assert_eq!(node.node_type(), NodeType::Dict, "{name}");
            assert_eq!(node.dict_size(), pairs.len(), "{name}: dict size");
            for ((key, value), pair) in node.dict_iter().zip(pairs) {
                let expected_key = match &pair[0] {
                    Json::String(text) => text.as_bytes().to_vec(),
                    other => hex(other["x"].as_str().unwrap()),
                };
                assert_eq!(key, &expected_key[..], "{name}: key");
                assert_value(&value, &pair[1], name);
            }
        }
        other => panic!("{name}: unknown tag {other}"),
    }
}

fn check_success(name: &str, root: Node<'_>, expect: &Json) {
    let soft = root.soft_error().map(|s| s.kind.message());
    assert_eq!(soft, expect["soft_error"].as_str(), "{name}: soft error");
    if let Some(value) = expect.get("value") {
        assert_value(&root, value, name);
    }
    if let Some(kind) = expect.get("type").and_then(Json::as_str) {
        let actual = match root.node_type() {
            NodeType::Dict => "dict",
            NodeType::List => "list",
            NodeType::String => "string",
            NodeType::Int => "int",
        };
        assert_eq!(actual, kind, "{name}: type");
    }
    if let Some(length) = expect.get("string_length").and_then(Json::as_u64) {
        assert_eq!(root.string_length() as u64, length, "{name}: string length");
    }
    if let Some(size) = expect.get("list_size").and_then(Json::as_u64) {
        assert_eq!(root.list_size() as u64, size, "{name}: list size");
        for (index, item) in root.list_iter().enumerate() {
            assert_eq!(item.as_int(), Some(index as i64), "{name}: item {index}");
            assert_eq!(root.list_int_value_at(index, -1), index as i64);
        }
    }
    if let Some(size) = expect.get("dict_size").and_then(Json::as_u64) {
        assert_eq!(root.dict_size() as u64, size, "{name}: dict size");
        for n in 0..size {
            let key = format!("{n:04}");
            assert_eq!(
                root.dict_find_int_value(&key),
                Some(n as i64),
                "{name}: {key}"
            );
        }
    }
    if let Some(value) = expect.get("int_value").and_then(Json::as_i64) {
        assert_eq!(root.int_value(), value, "{name}: int_value");
    }
    if let Some(offsets) = expect.get("data_offsets_of_items").and_then(Json::as_array) {
        let actual: Vec<u64> = root.list_iter().map(|n| n.data_offset() as u64).collect();
        let expected: Vec<u64> = offsets.iter().map(|o| o.as_u64().unwrap()).collect();
        assert_eq!(actual, expected, "{name}: data offsets");
    }
    match expect.get("string_offsets") {
        Some(Json::Array(offsets)) => {
            let actual: Vec<u64> = root
                .list_iter()
                .map(|n| n.string_offset().unwrap() as u64)
                .collect();
            let expected: Vec<u64> = offsets.iter().map(|o| o.as_u64().unwrap()).collect();
            assert_eq!(actual, expected, "{name}: string offsets");
        }
        Some(Json::Object(offsets)) => {
            for (index, (key, value)) in root.dict_node_iter().enumerate() {
                assert_eq!(
                    key.string_offset().map(|o| o as u64),
                    offsets[&format!("key{index}")].as_u64()
                );
                assert_eq!(
                    value.string_offset().map(|o| o as u64),
                    offsets[&format!("value{index}")].as_u64()
                );
            }
        }
        _ => {}
    }
    if let Some(printed) = expect.get("print_entry").and_then(Json::as_str) {
        assert_eq!(print_entry(&root, true, 0), printed, "{name}: print_entry");
    }
}

#[test]
fn bdecode_vectors_pass() {
    let vectors = vectors();
    let cases = vectors["cases"].as_array().unwrap();
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let Some(input) = input_of(case) else {
            continue; // input_rule cases are covered by dedicated tests below
        };
        let options = options_of(case);
        let expect = &case["expect"];
        match bdecode_with(&input, &options) {
            Ok(document) => {
                assert!(
                    expect["ok"].as_bool().unwrap(),
                    "{name}: decoded but should fail"
                );
                check_success(name, document.root(), expect);
            }
            Err(error) => {
                assert!(
                    !expect["ok"].as_bool().unwrap(),
                    "{name}: failed with {error}"
                );
                assert_eq!(
                    error.kind.code_name(),
                    expect["error"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    error.kind.message(),
                    expect["error_message"].as_str().unwrap(),
                    "{name}"
                );
                if let Some(pos) = expect.get("error_pos").and_then(Json::as_u64) {
                    assert_eq!(error.offset as u64, pos, "{name}: error offset");
                }
                if let Some(printed) = expect.get("partial_tree_print").and_then(Json::as_str) {
                    let partial = bdecode_partial(&input, &options).unwrap_err();
                    let document = partial.document.expect("partial tree");
                    assert_eq!(
                        print_entry(&document.root(), true, 0),
                        printed,
                        "{name}: partial tree"
                    );
                    assert_eq!(partial.error, error);
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} cases ran");
}

#[test]
fn buffer_larger_than_max_size_is_rejected_at_offset_zero() {
    // The vector's rule: any buffer over 2^29 - 1 bytes. Shown with a smaller limit.
    let options = DecodeOptions {
        max_buffer_size: 10,
        ..DecodeOptions::default()
    };
    let error = bdecode_with(b"199999999:foobar", &options).unwrap_err();
    assert_eq!(error.kind.code_name(), "limit_exceeded");
    assert_eq!(error.offset, 0);
    assert_eq!(DecodeOptions::default().max_buffer_size, (1 << 29) - 1);
}

#[test]
fn encode_vectors_pass() {
    let vectors = vectors();
    for case in vectors["encode_cases"]["cases"].as_array().unwrap() {
        let encoded = case["encoded"].as_str().unwrap().as_bytes();
        let Some(object) = case["value"].as_object() else {
            continue; // libtorrent's "undefined entry" has no counterpart in `Value`
        };
        let value = json_to_value(object);
        assert_eq!(value.to_bytes(), encoded, "{case}");
    }
}

fn json_to_value(object: &serde_json::Map<String, Json>) -> Value {
    let (tag, inner) = object.iter().next().unwrap();
    match tag.as_str() {
        "i" => Value::Int(inner.as_i64().unwrap()),
        "s" => Value::from(inner.as_str().unwrap()),
        "l" => Value::List(
            inner
                .as_array()
                .unwrap()
                .iter()
                .map(|v| json_to_value(v.as_object().unwrap()))
                .collect(),
        ),
        "d" => Value::Dict(
            inner
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().as_bytes().to_vec(),
                        json_to_value(pair[1].as_object().unwrap()),
                    )
                })
                .collect(),
        ),
        other => panic!("unknown tag {other}"),
    }
}
