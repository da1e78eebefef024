//! Writing the `.torrent` dictionary, key for key as libtorrent's `create_torrent::generate`.

use lt_bencode::{Dict, Value};
use lt_core::Sha256Hash;

use crate::create::scan::SourceFile;
use crate::create::{CreateError, CreateTorrent, TorrentKind};
use crate::file_storage::FileFlags;
use crate::piece_layers::{layer_root, zero_subtree_root};

fn key(name: &str) -> Vec<u8> {
    name.as_bytes().to_vec()
}

fn text(value: &str) -> Value {
    Value::from(value)
}

fn list_of_text(items: &[String]) -> Value {
    Value::List(items.iter().map(|item| text(item)).collect())
}

/// A string, or a list when there is more than one (libtorrent's `url-list` / `httpseeds`).
fn one_or_list(items: &[String]) -> Value {
    match items {
        [single] => text(single),
        many => list_of_text(many),
    }
}

/// The BEP 47 `attr` letters libtorrent writes: pad, hidden, executable, and symlink only when
/// symlinks are kept.
fn attr(flags: FileFlags, with_pad: bool, with_symlink: bool) -> String {
    let mut letters = String::new();
    if with_pad && flags.contains(FileFlags::PAD_FILE) {
        letters.push('p');
    }
    if flags.contains(FileFlags::HIDDEN) {
        letters.push('h');
    }
    if flags.contains(FileFlags::EXECUTABLE) {
        letters.push('x');
    }
    if with_symlink && flags.contains(FileFlags::SYMLINK) {
        letters.push('l');
    }
    letters
}

pub(crate) fn generate(torrent: &CreateTorrent) -> Result<Value, CreateError> {
    let hashes = torrent.hashes.as_ref().ok_or(CreateError::MissingHashes)?;
    let make_v1 = torrent.kind != TorrentKind::V2;
    let make_v2 = torrent.kind != TorrentKind::V1;
    let mut dict = Dict::new();

    if let Some((url, _)) = torrent.trackers.first() {
        dict.insert(key("announce"), text(url));
    }
    if !torrent.nodes.is_empty() {
        let nodes = torrent
            .nodes
            .iter()
            .map(|(host, port)| Value::List(vec![text(host), Value::Int(i64::from(*port))]));
        dict.insert(key("nodes"), Value::List(nodes.collect()));
    }
    if torrent.trackers.len() > 1 {
        let mut tiers: Vec<Value> = Vec::new();
        let mut current: Vec<Value> = Vec::new();
        let mut current_tier = torrent.trackers.first().map_or(0, |(_, tier)| *tier);
        for (url, tier) in &torrent.trackers {
            if *tier != current_tier {
                tiers.push(Value::List(std::mem::take(&mut current)));
                current_tier = *tier;
            }
            current.push(text(url));
        }
        tiers.push(Value::List(current));
        dict.insert(key("announce-list"), Value::List(tiers));
    }
    if !torrent.comment.is_empty() {
        dict.insert(key("comment"), text(&torrent.comment));
    }
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    };
    match torrent.creation_date {
        None => {
            dict.insert(key("creation date"), Value::Int(now()));
        }
        Some(Some(date)) => {
            dict.insert(key("creation date"), Value::Int(date));
        }
        Some(None) => {}
    }
    if !torrent.creator.is_empty() {
        dict.insert(key("created by"), text(&torrent.creator));
    }
    if !torrent.url_seeds.is_empty() {
        dict.insert(key("url-list"), one_or_list(&torrent.url_seeds));
    }
    if !torrent.http_seeds.is_empty() {
        dict.insert(key("httpseeds"), one_or_list(&torrent.http_seeds));
    }

    // v2: the root of every file, and the piece layers of files of two pieces or more.
    let mut roots: Vec<Option<Sha256Hash>> = vec![None; torrent.files.len()];
    if make_v2 {
        let blocks_per_piece = u64::from(torrent.piece_length / lt_core::BLOCK_SIZE).max(1);
        let pad = zero_subtree_root(blocks_per_piece);
        let mut layers = Dict::new();
        for (index, file) in torrent.files.iter().enumerate() {
            if file.is_pad() || file.size == 0 {
                continue;
            }
            let pieces = hashes.v2.get(index).map(Vec::as_slice).unwrap_or_default();
            if pieces.is_empty() || pieces.iter().any(Sha256Hash::is_zero) {
                return Err(CreateError::MissingHashes);
            }
            let root = layer_root(pieces, pad);
            roots[index] = Some(root);
            if pieces.len() >= 2 {
                let bytes: Vec<u8> = pieces
                    .iter()
                    .flat_map(|h| h.as_bytes().iter().copied())
                    .collect();
                layers.insert(root.as_bytes().to_vec(), Value::Bytes(bytes));
            }
        }
        dict.insert(key("piece layers"), Value::Dict(layers));
    }
    if make_v1 && hashes.v1.len() != torrent.num_pieces() as usize {
        return Err(CreateError::MissingHashes);
    }

    dict.insert(
        key("info"),
        Value::Dict(info_dict(torrent, &roots, make_v1, make_v2)?),
    );
    Ok(Value::Dict(dict))
}

fn info_dict(
    torrent: &CreateTorrent,
    roots: &[Option<Sha256Hash>],
    make_v1: bool,
    make_v2: bool,
) -> Result<Dict, CreateError> {
    let mut info = Dict::new();
    if !torrent.collections.is_empty() {
        info.insert(key("collections"), list_of_text(&torrent.collections));
    }
    if !torrent.similar.is_empty() {
        let similar = torrent
            .similar
            .iter()
            .map(|h| Value::Bytes(h.as_bytes().to_vec()));
        info.insert(key("similar"), Value::List(similar.collect()));
    }
    let name = torrent
        .files
        .first()
        .and_then(|f| f.elements.first())
        .cloned()
        .unwrap_or_default();
    info.insert(key("name"), text(&name));
    if !torrent.root_cert.is_empty() {
        info.insert(key("ssl-cert"), Value::Bytes(torrent.root_cert.clone()));
    }
    if torrent.private {
        info.insert(key("private"), Value::Int(1));
    }
    if !torrent.source.is_empty() {
        info.insert(key("source"), text(&torrent.source));
    }
    let multifile =
        torrent.files.len() > 1 || torrent.files.first().is_some_and(|f| f.elements.len() > 1);
    let symlinks = torrent.include_symlinks;
    if !multifile {
        let Some(file) = torrent.files.first() else {
            return Err(CreateError::NoFiles);
        };
        if torrent.include_mtime {
            info.insert(key("mtime"), Value::Int(file.mtime));
        }
        if make_v1 {
            info.insert(key("length"), Value::Int(file.size as i64));
            let letters = attr(file.flags, true, symlinks);
            if !letters.is_empty() {
                info.insert(key("attr"), text(&letters));
            }
            if let (true, Some(target)) = (symlinks, &file.symlink) {
                info.insert(key("symlink path"), list_of_text(target));
            }
        }
        if make_v2 {
            let mut leaf = Dict::new();
            leaf.insert(key("length"), Value::Int(file.size as i64));
            if let Some(root) = roots.first().copied().flatten() {
                leaf.insert(key("pieces root"), Value::Bytes(root.as_bytes().to_vec()));
            }
            let mut entry = Dict::new();
            entry.insert(Vec::new(), Value::Dict(leaf));
            let mut tree = Dict::new();
            tree.insert(key(&name), Value::Dict(entry));
            info.insert(key("file tree"), Value::Dict(tree));
        }
    } else {
        if make_v1 {
            let list = torrent
                .files
                .iter()
                .map(|file| v1_file_entry(file, torrent.include_mtime, symlinks));
            info.insert(key("files"), Value::List(list.collect()));
        }
        if make_v2 {
            info.insert(key("file tree"), Value::Dict(file_tree(torrent, roots)?));
        }
    }
    if make_v2 {
        info.insert(key("meta version"), Value::Int(2));
    }
    info.insert(
        key("piece length"),
        Value::Int(i64::from(torrent.piece_length)),
    );
    if make_v1 {
        let hashes = torrent
            .hashes
            .as_ref()
            .map(|h| h.v1.as_slice())
            .unwrap_or_default();
        let bytes: Vec<u8> = hashes
            .iter()
            .flat_map(|h| h.as_bytes().iter().copied())
            .collect();
        info.insert(key("pieces"), Value::Bytes(bytes));
    }
    Ok(info)
}

fn v1_file_entry(file: &SourceFile, include_mtime: bool, symlinks: bool) -> Value {
    let mut entry = Dict::new();
    if include_mtime && file.mtime != 0 {
        entry.insert(key("mtime"), Value::Int(file.mtime));
    }
    entry.insert(key("length"), Value::Int(file.size as i64));
    entry.insert(
        key("path"),
        list_of_text(file.elements.get(1..).unwrap_or_default()),
    );
    if file.flags != FileFlags::NONE {
        entry.insert(key("attr"), text(&attr(file.flags, true, symlinks)));
    }
    if let (true, Some(target)) = (symlinks, &file.symlink) {
        entry.insert(key("symlink path"), list_of_text(target));
    }
    Value::Dict(entry)
}

/// The v2 `file tree`: nested dictionaries by path element, a file's data under the empty key.
fn file_tree(torrent: &CreateTorrent, roots: &[Option<Sha256Hash>]) -> Result<Dict, CreateError> {
    let mut tree = Dict::new();
    for (index, file) in torrent.files.iter().enumerate() {
        if file.is_pad() {
            continue;
        }
        let mut node = &mut tree;
        for element in file.elements.iter().skip(1) {
            let child = node
                .entry(key(element))
                .or_insert_with(|| Value::Dict(Dict::new()));
            let Value::Dict(child) = child else {
                return Err(CreateError::InconsistentFiles);
            };
            if child.contains_key(&Vec::new()) {
                return Err(CreateError::InconsistentFiles);
            }
            node = child;
        }
        if !node.is_empty() {
            return Err(CreateError::InconsistentFiles);
        }
        let mut leaf = Dict::new();
        if torrent.include_mtime && file.mtime != 0 {
            leaf.insert(key("mtime"), Value::Int(file.mtime));
        }
        let letters = attr(file.flags, false, torrent.include_symlinks);
        if !letters.is_empty() {
            leaf.insert(key("attr"), text(&letters));
        }
        match (&file.symlink, torrent.include_symlinks) {
            (Some(target), true) => {
                leaf.insert(key("symlink path"), list_of_text(target));
            }
            _ => {
                leaf.insert(key("length"), Value::Int(file.size as i64));
                if let Some(root) = roots.get(index).copied().flatten() {
                    leaf.insert(key("pieces root"), Value::Bytes(root.as_bytes().to_vec()));
                }
            }
        }
        node.insert(Vec::new(), Value::Dict(leaf));
    }
    Ok(tree)
}
