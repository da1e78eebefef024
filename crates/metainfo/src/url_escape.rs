//! Escaping the path of a URL that a torrent left unescaped (libtorrent's `maybe_url_encode`).

/// Bytes that may stay as they are in a URL path.
fn is_path_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-_.!~*'()/:;=@&+$,%?#[]".contains(&byte)
}

/// Percent-encodes the characters of `url`'s path that are not allowed there (spaces,
/// non-ASCII, quotes, …). A URL that needs nothing, or that does not parse as
/// `scheme://authority/path`, comes back unchanged.
pub(crate) fn maybe_url_encode(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let path_start = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(path_start);
    if path.bytes().all(is_path_safe) {
        return url.to_string();
    }
    let mut out = format!("{scheme}://{authority}");
    for byte in path.bytes() {
        if is_path_safe(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::maybe_url_encode;

    #[test]
    fn spaces_in_the_path_are_escaped() {
        assert_eq!(
            maybe_url_encode("http://test.com/test file/foo bar/"),
            "http://test.com/test%20file/foo%20bar/"
        );
        assert_eq!(
            maybe_url_encode("http://test.com/file"),
            "http://test.com/file"
        );
        assert_eq!(maybe_url_encode("not a url"), "not a url");
    }
}
