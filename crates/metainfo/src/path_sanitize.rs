//! Turning the untrusted path elements of a torrent (v1 `path` lists, v2 file-tree keys, the
//! `name`, symlink targets) into relative paths that cannot leave the save directory, as
//! libtorrent's `sanitize_append_path_element` does on POSIX (`src/torrent_info.cpp`).
//!
//! One element becomes at most one path component, appended with a `/` separator:
//!
//! - dropped: `/`, `\`, NUL, and the invisible or writing-direction code points U+061C,
//!   U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069 and U+FEFF;
//! - replaced by one `_` each: invalid UTF-8 sequences (see [`crate::utf8`] for how far one
//!   reaches), C0 controls, DEL and C1 controls;
//! - an empty element becomes `_`;
//! - a component that ends up `""`, `.` or `..` is removed (with its separator), or replaced by
//!   `_` when the caller forces an element;
//! - a component is cut once it reaches 240 bytes, never inside a code point; if a `.` lies in
//!   the element's last 9 bytes, the extension from that dot on is kept.
//!
//! Trailing dots and spaces, `:` and the other characters Windows refuses are kept, as on
//! libtorrent's POSIX builds. The result is always UTF-8 and never holds a `..` component.

// TorrentInfo (name, v1 paths, v2 file tree, symlinks) uses this next; its author removes this.

use crate::utf8::parse_utf8_codepoint;

/// Path separator between sanitized components.
const SEPARATOR: char = '/';

/// Byte length at which a component is cut (libtorrent's limit on POSIX).
const MAX_COMPONENT_BYTES: usize = 240;

/// How far from the element's end a `.` may sit to count as an extension worth keeping: the dot
/// must be one of the last `EXTENSION_WINDOW - 1` bytes.
const EXTENSION_WINDOW: usize = 10;

/// Code points that are dropped: path separators, NUL, and invisible or bidirectional-control
/// characters that could disguise a name (such as "gpj.exe" shown as "exe.jpg").
fn is_filtered(code_point: u32) -> bool {
    matches!(
        code_point,
        0x00 | 0x2F // NUL, '/'
            | 0x5C // '\'
            | 0x061C // Arabic letter mark
            | 0x200B..=0x200F // zero-width space, joiners, LRM, RLM
            | 0x202A..=0x202E // bidi embeddings and overrides
            | 0x2060..=0x2064 // word joiner, invisible operators
            | 0x2066..=0x2069 // bidi isolates
            | 0xFEFF // byte-order mark
    )
}

/// Control characters, which are replaced by `_`: C0 (NUL is filtered before this), DEL, C1.
fn is_control(code_point: u32) -> bool {
    matches!(code_point, 0x00..=0x1F | 0x7F..=0x9F)
}

/// Appends one untrusted path element to `path` as a single safe component, preceded by `/`
/// when `path` is not empty.
///
/// With `force_element` false (the torrent `name`, a single file's name) an element that
/// sanitizes to nothing, `.` or `..` adds nothing, not even the separator. With `force_element`
/// true (v1 `path` elements, v2 file-tree keys) such an element becomes `_`, so every call adds
/// exactly one component. An empty element always becomes `_`. The module docs list the rules.
pub(crate) fn sanitize_append_path_element(path: &mut String, element: &[u8], force_element: bool) {
    if element == b"." && !force_element {
        return;
    }
    let path_before = path.len();
    if !path.is_empty() {
        path.push(SEPARATOR);
    }
    let component_start = path.len();
    if element.is_empty() {
        path.push('_');
        return;
    }

    let mut position = 0;
    let mut has_extension = false;
    while let Some(rest) = element.get(position..).filter(|rest| !rest.is_empty()) {
        let (code_point, consumed) = parse_utf8_codepoint(rest);
        let character = code_point.and_then(char::from_u32);
        match character {
            Some(c) if is_filtered(u32::from(c)) => {
                position += consumed.max(1);
                continue;
            }
            Some(c) if !is_control(u32::from(c)) => path.push(c),
            _ => path.push('_'),
        }
        let start_of_this = position;
        position += consumed.max(1);

        // libtorrent checks the limit only after a kept character, so a run of replacement
        // characters could overshoot it; checking after every output keeps components short.
        if !has_extension && path.len() - component_start >= MAX_COMPONENT_BYTES {
            match extension_start(element, start_of_this) {
                Some(dot) => {
                    has_extension = true;
                    position = dot;
                }
                None => break,
            }
        }
    }

    let component = path.get(component_start..).unwrap_or_default();
    if matches!(component, "" | "." | "..") {
        if force_element {
            path.truncate(component_start);
            path.push('_');
        } else {
            path.truncate(path_before);
        }
    }
}

/// The index of the `.` starting the extension to keep when `element` is cut after the code
/// point at `current`: the last dot after `current` within the element's last
/// `EXTENSION_WINDOW - 1` bytes.
fn extension_start(element: &[u8], current: usize) -> Option<usize> {
    let after = element.len().saturating_sub(EXTENSION_WINDOW).max(current) + 1;
    let tail = element.get(after..)?;
    tail.iter()
        .rposition(|&byte| byte == b'.')
        .map(|offset| after + offset)
}

/// Sanitizes each element with [`sanitize_append_path_element`] and joins the results with `/`.
///
/// The result is a relative path with no empty, `.` or `..` component; it is empty only when
/// `force_element` is false and every element sanitized to nothing.
#[cfg_attr(not(test), allow(dead_code))] // used by torrent creation next
pub(crate) fn sanitize_path<'a>(
    elements: impl IntoIterator<Item = &'a [u8]>,
    force_element: bool,
) -> String {
    let mut path = String::new();
    for element in elements {
        sanitize_append_path_element(&mut path, element, force_element);
    }
    path
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The libtorrent path vectors, shared with the `utf8` tests.
    pub(crate) fn fixture() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/libtorrent-path-vectors.json"
        );
        let text = std::fs::read_to_string(path).expect("fixture readable");
        serde_json::from_str(&text).expect("fixture is JSON")
    }

    /// A fixture string: plain text, or `{"x": hex}` for bytes that are not printable ASCII.
    pub(crate) fn fixture_bytes(value: &Value) -> Vec<u8> {
        if let Some(text) = value.as_str() {
            return text.as_bytes().to_vec();
        }
        let hex = value["x"].as_str().expect("string or {x: hex}");
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
            .collect()
    }

    /// Runs one `{elements, force_element, expect}` case; returns a description on mismatch.
    fn run_case(case: &Value) -> Result<(), String> {
        let elements: Vec<Vec<u8>> = case["elements"]
            .as_array()
            .expect("elements list")
            .iter()
            .map(fixture_bytes)
            .collect();
        let force_element = case["force_element"].as_bool().expect("force_element");
        let expected = fixture_bytes(&case["expect"]);
        let got = sanitize_path(elements.iter().map(Vec::as_slice), force_element);
        if got.as_bytes() == expected {
            Ok(())
        } else {
            Err(format!("{case}: got {got:?}"))
        }
    }

    /// Runs every case of a fixture section and checks how many there are.
    fn run_section(name: &str, expected_count: usize) {
        let fixture = fixture();
        let cases = fixture[name].as_array().expect("section is a list");
        assert_eq!(cases.len(), expected_count, "{name}");
        let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn fixture_sanitize_append_path_element() {
        run_section("sanitize_append_path_element", 87);
    }

    #[test]
    fn fixture_sanitize_derived_from_source() {
        run_section("sanitize_derived_from_source", 3);
    }

    #[test]
    fn appends_to_an_existing_path() {
        let mut path = String::from("save");
        sanitize_append_path_element(&mut path, b"..", false);
        assert_eq!(path, "save");
        sanitize_append_path_element(&mut path, b"..", true);
        assert_eq!(path, "save/_");
        sanitize_append_path_element(&mut path, b"\xe2\x80\xae", false);
        assert_eq!(path, "save/_");
        sanitize_append_path_element(&mut path, b"a/../b", true);
        assert_eq!(path, "save/_/a..b");
    }

    #[test]
    fn long_runs_of_replacements_are_cut_too() {
        let element = [0x01; 300];
        let mut path = String::new();
        sanitize_append_path_element(&mut path, &element, true);
        assert_eq!(path, "_".repeat(MAX_COMPONENT_BYTES));

        let mut element = vec![0xFF; 300];
        element.extend_from_slice(b".mkv");
        let mut path = String::new();
        sanitize_append_path_element(&mut path, &element, true);
        assert_eq!(path, format!("{}.mkv", "_".repeat(MAX_COMPONENT_BYTES)));
    }

    #[test]
    fn extension_must_follow_the_cut() {
        // The only dot is inside the kept part: no extension is appended.
        let mut element = vec![b'a'; 235];
        element.push(b'.');
        element.extend_from_slice(&[b'b'; 8]);
        assert_eq!(element.len(), 244);
        let got = sanitize_path([&element[..]], false);
        assert_eq!(got.as_bytes(), &element[..240]);
    }

    /// Arbitrary path elements, biased towards the interesting bytes.
    fn element_strategy() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            any::<u8>(),
            Just(b'.'),
            Just(b'/'),
            Just(b'\\'),
            Just(0u8),
            Just(b'a'),
        ];
        prop_oneof![
            proptest::collection::vec(byte.clone(), 0..8),
            proptest::collection::vec(byte, 230..300),
        ]
    }

    proptest! {
        #[test]
        fn one_safe_component(element in element_strategy(), force_element in any::<bool>()) {
            let mut path = String::new();
            sanitize_append_path_element(&mut path, &element, force_element);
            prop_assert!(!path.contains(['/', '\0']));
            prop_assert!(path != "." && path != "..");
            prop_assert!(path.len() <= 255, "{} bytes", path.len());
            prop_assert!(std::str::from_utf8(path.as_bytes()).is_ok());
            if force_element {
                prop_assert!(!path.is_empty());
            }
        }

        #[test]
        fn joined_path_never_escapes(
            elements in proptest::collection::vec(element_strategy(), 0..6),
            force_element in any::<bool>(),
            prefix in prop_oneof![Just(""), Just("save")],
        ) {
            let mut path = String::from(prefix);
            for element in &elements {
                let components_before = path.split('/').filter(|c| !c.is_empty()).count();
                sanitize_append_path_element(&mut path, element, force_element);
                let components_after = path.split('/').filter(|c| !c.is_empty()).count();
                if force_element {
                    prop_assert_eq!(components_after, components_before + 1);
                } else {
                    prop_assert!(components_after - components_before <= 1);
                }
            }
            prop_assert!(!path.starts_with('/') && !path.ends_with('/'));
            if !path.is_empty() {
                for component in path.split('/') {
                    prop_assert!(!matches!(component, "" | "." | ".."), "{:?}", path);
                    prop_assert!(!component.contains('\0'));
                }
            }
            prop_assert!(std::path::Path::new(&path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }
}
