//! [`make_magnet`]: libtorrent's `make_magnet_uri(add_torrent_params)`.

use std::fmt::Write as _;

use super::escape::escape_string;
use super::Magnet;

/// Writes `magnet` as a magnet link, as libtorrent's `make_magnet_uri` does for an
/// `add_torrent_params`. Returns an empty string when there is no info-hash.
///
/// The parameters come in libtorrent's order:
///
/// 1. `xt=urn:btih:<hex>` for the v1 hash, then `xt=urn:btmh:1220<hex>` for the v2 hash;
/// 2. `dn=` with the name, if it is not empty;
/// 3. one `tr=` per tracker (tiers are not written), then one `ws=` per web seed;
/// 4. one `dht=host:port` per DHT node, then one `x.pe=` per peer (`a.b.c.d:port`,
///    `[ipv6]:port`);
/// 5. `so=` with the indices of the files whose priority is not
///    [`Magnet::DONT_DOWNLOAD`], as ascending single indices and `a-b` runs, only if some
///    file has that priority.
///
/// `dn`, `tr`, `ws` and the `dht` host are percent-escaped: every byte but ASCII letters,
/// digits and `- _ ! . ~ * ( )` becomes `%xx` in lower-case hex. Hex hashes are lower case.
///
/// What comes back from [`parse_magnet`](crate::parse_magnet) can differ: trackers that are
/// not valid tracker URLs are dropped and tiers are renumbered, a `dht` host is not unescaped
/// (so one with characters outside that set comes back escaped), and `so=` only selects files,
/// so priorities other than 0 and 4 and unselected files past the last selected one are lost.
///
/// # Examples
/// ```
/// use lt_core::{InfoHash, Sha1Hash, Sha256Hash};
/// use lt_metainfo::{make_magnet, parse_magnet, Magnet};
///
/// let v1: Sha1Hash = "6161616161616161616161616161616161616161".parse()?;
/// let v2 = Sha256Hash::from_bytes([0x62; 32]);
/// let mut magnet = Magnet::new(InfoHash::hybrid(v1, v2));
/// magnet.name = Some("a b".to_owned());
/// magnet.trackers.push(("http://foo.bar/announce".to_owned(), 0));
/// magnet.file_priorities = vec![4, 0, 4, 4];
///
/// let uri = make_magnet(&magnet);
/// assert_eq!(
///     uri,
///     "magnet:?xt=urn:btih:6161616161616161616161616161616161616161\
///      &xt=urn:btmh:12206262626262626262626262626262626262626262626262626262626262626262\
///      &dn=a%20b&tr=http%3a%2f%2ffoo.bar%2fannounce&so=0,2-3"
/// );
/// let parsed = parse_magnet(&uri).unwrap();
/// assert_eq!(parsed.info_hashes, magnet.info_hashes);
/// assert_eq!(parsed.file_priorities, magnet.file_priorities);
///
/// assert_eq!(make_magnet(&Magnet::default()), "");
/// # Ok::<(), lt_core::HexError>(())
/// ```
#[must_use]
pub fn make_magnet(magnet: &Magnet) -> String {
    let mut uri = String::from("magnet:?");
    let mut separator = "";
    if let Some(v1) = &magnet.info_hashes.v1 {
        let _ = write!(uri, "xt=urn:btih:{v1}");
        separator = "&";
    }
    if let Some(v2) = &magnet.info_hashes.v2 {
        let _ = write!(uri, "{separator}xt=urn:btmh:1220{v2}");
        separator = "&";
    }
    if separator.is_empty() {
        // No info-hash, no magnet link.
        return String::new();
    }
    if let Some(name) = magnet.name.as_deref().filter(|name| !name.is_empty()) {
        let _ = write!(uri, "&dn={}", escape_string(name.as_bytes()));
    }
    for (url, _tier) in &magnet.trackers {
        let _ = write!(uri, "&tr={}", escape_string(url.as_bytes()));
    }
    for url in &magnet.url_seeds {
        let _ = write!(uri, "&ws={}", escape_string(url.as_bytes()));
    }
    for (host, port) in &magnet.dht_nodes {
        let _ = write!(uri, "&dht={}:{port}", escape_string(host.as_bytes()));
    }
    for peer in &magnet.peers {
        let _ = write!(uri, "&x.pe={peer}");
    }
    if magnet.file_priorities.contains(&Magnet::DONT_DOWNLOAD) {
        uri.push_str("&so=");
        write_selected_ranges(&mut uri, &magnet.file_priorities);
    }
    uri
}

/// Appends the indices of the files to download as comma-separated `i` and `a-b` runs.
fn write_selected_ranges(uri: &mut String, file_priorities: &[u8]) {
    let mut separator = "";
    let mut index = 0;
    while index < file_priorities.len() {
        let is_selected = |index: &usize| {
            file_priorities
                .get(*index)
                .is_some_and(|&priority| priority != Magnet::DONT_DOWNLOAD)
        };
        if !is_selected(&index) {
            index += 1;
            continue;
        }
        let first = index;
        let last = (first..file_priorities.len())
            .take_while(is_selected)
            .last()
            .unwrap_or(first);
        if first == last {
            let _ = write!(uri, "{separator}{first}");
        } else {
            let _ = write!(uri, "{separator}{first}-{last}");
        }
        separator = ",";
        index = last + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(file_priorities: &[u8]) -> String {
        let mut out = String::new();
        write_selected_ranges(&mut out, file_priorities);
        out
    }

    #[test]
    fn selected_ranges() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[0, 0]), "");
        assert_eq!(ranges(&[0, 1]), "1");
        assert_eq!(ranges(&[1, 0, 1, 1, 1]), "0,2-4");
        assert_eq!(ranges(&[1, 1, 0, 1, 1, 1]), "0-1,3-5");
        assert_eq!(ranges(&[7, 0, 1, 0, 4]), "0,2,4");
        assert_eq!(ranges(&[4, 4, 4]), "0-2");
    }

    #[test]
    fn only_unselected_files_give_an_empty_so() {
        let mut magnet = Magnet::new(lt_core::InfoHash::v1(lt_core::Sha1Hash::from_bytes(
            [0x61; 20],
        )));
        magnet.file_priorities = vec![0, 0];
        assert_eq!(
            make_magnet(&magnet),
            "magnet:?xt=urn:btih:6161616161616161616161616161616161616161&so="
        );
    }
}
