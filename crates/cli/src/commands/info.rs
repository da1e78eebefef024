//! `lt info TORRENT [--json]`.

use std::io::Write;

use lt_core::FileIndex;
use lt_metainfo::{FileFlags, TorrentInfo};
use serde_json::{json, Value};

/// Loads the torrent (or parses the magnet link) and prints what it describes.
pub(crate) fn run(torrent: &str, as_json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if torrent.starts_with("magnet:") {
        let magnet = lt_metainfo::parse_magnet(torrent)?;
        if as_json {
            serde_json::to_writer(&mut out, &magnet_json(&magnet))?;
            writeln!(out)?;
        } else {
            write_magnet_text(&mut out, &magnet)?;
        }
        out.flush()?;
        return Ok(());
    }
    let info = TorrentInfo::from_file(torrent)?;
    if as_json {
        serde_json::to_writer(&mut out, &to_json(&info))?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &info)?;
    }
    out.flush()?;
    Ok(())
}

/// The JSON form: `name`, `info_hash_v1`, `info_hash_v2`, `piece_length`, `num_pieces`,
/// `total_size`, `private`, `files`, `trackers` (tiers), `web_seeds`, `nodes`, `comment`,
/// `created_by`, `creation_date`.
pub(crate) fn to_json(info: &TorrentInfo) -> Value {
    let files = info.files();
    let file_list: Vec<Value> = (0..files.num_files())
        .map(|index| {
            let index = FileIndex::new(index as u32);
            let flags = files.file_flags(index);
            let mut entry = json!({
                "path": files.file_path(index),
                "size": files.file_size(index),
                "pad": flags.contains(FileFlags::PAD_FILE),
                "executable": flags.contains(FileFlags::EXECUTABLE),
                "hidden": flags.contains(FileFlags::HIDDEN),
                "symlink": flags.contains(FileFlags::SYMLINK),
            });
            if let (Some(target), Some(map)) = (files.symlink(index), entry.as_object_mut()) {
                map.insert("symlink_target".into(), Value::from(target));
            }
            entry
        })
        .collect();
    let hashes = info.info_hashes();
    json!({
        "name": info.name(),
        "info_hash_v1": hashes.v1.map(|h| h.to_string()),
        "info_hash_v2": hashes.v2.map(|h| h.to_string()),
        "piece_length": info.piece_length(),
        "num_pieces": info.num_pieces(),
        "total_size": info.total_size(),
        "private": info.is_private(),
        "files": file_list,
        "trackers": info.tracker_tiers(),
        "web_seeds": info.web_seeds().iter().map(|seed| seed.url.clone()).collect::<Vec<_>>(),
        "nodes": info.nodes().iter().map(|node| json!([node.host, node.port])).collect::<Vec<_>>(),
        "comment": info.comment(),
        "created_by": info.creator(),
        "creation_date": info.creation_date(),
    })
}

/// A magnet link in the same JSON shape (fields it cannot know are null or empty).
fn magnet_json(magnet: &lt_metainfo::Magnet) -> Value {
    let mut tiers: Vec<Vec<String>> = Vec::new();
    let mut sorted = magnet.trackers.clone();
    sorted.sort_by_key(|(_, tier)| *tier);
    let mut last = None;
    for (url, tier) in sorted {
        if last != Some(tier) {
            tiers.push(Vec::new());
            last = Some(tier);
        }
        if let Some(current) = tiers.last_mut() {
            current.push(url);
        }
    }
    json!({
        "name": magnet.name,
        "info_hash_v1": magnet.info_hashes.v1.map(|h| h.to_string()),
        "info_hash_v2": magnet.info_hashes.v2.map(|h| h.to_string()),
        "piece_length": null,
        "num_pieces": null,
        "total_size": null,
        "private": null,
        "files": [],
        "trackers": tiers,
        "web_seeds": magnet.url_seeds,
        "nodes": magnet.dht_nodes.iter().map(|(host, port)| json!([host, port])).collect::<Vec<_>>(),
        "peers": magnet.peers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "comment": null,
        "created_by": null,
        "creation_date": null,
    })
}

fn write_magnet_text(out: &mut impl Write, magnet: &lt_metainfo::Magnet) -> std::io::Result<()> {
    writeln!(out, "magnet link (no metadata yet)")?;
    if let Some(name) = &magnet.name {
        writeln!(out, "name:          {name}")?;
    }
    if let Some(v1) = magnet.info_hashes.v1 {
        writeln!(out, "info-hash v1:  {v1}")?;
    }
    if let Some(v2) = magnet.info_hashes.v2 {
        writeln!(out, "info-hash v2:  {v2}")?;
    }
    for (url, tier) in &magnet.trackers {
        writeln!(out, "tracker tier {tier}: {url}")?;
    }
    for url in &magnet.url_seeds {
        writeln!(out, "web seed:      {url}")?;
    }
    for peer in &magnet.peers {
        writeln!(out, "peer:          {peer}")?;
    }
    for (host, port) in &magnet.dht_nodes {
        writeln!(out, "dht node:      {host}:{port}")?;
    }
    Ok(())
}

fn write_text(out: &mut impl Write, info: &TorrentInfo) -> std::io::Result<()> {
    let hashes = info.info_hashes();
    let kind = match (hashes.v1.is_some(), hashes.v2.is_some()) {
        (true, true) => "hybrid (v1 + v2)",
        (false, true) => "v2",
        _ => "v1",
    };
    writeln!(out, "name:          {}", info.name())?;
    writeln!(out, "kind:          {kind}")?;
    if let Some(v1) = hashes.v1 {
        writeln!(out, "info-hash v1:  {v1}")?;
    }
    if let Some(v2) = hashes.v2 {
        writeln!(out, "info-hash v2:  {v2}")?;
    }
    writeln!(
        out,
        "total size:    {} ({} bytes)",
        human_size(info.total_size()),
        info.total_size()
    )?;
    writeln!(
        out,
        "pieces:        {} × {}",
        info.num_pieces(),
        human_size(u64::from(info.piece_length()))
    )?;
    writeln!(
        out,
        "private:       {}",
        if info.is_private() { "yes" } else { "no" }
    )?;
    if !info.creator().is_empty() {
        writeln!(out, "created by:    {}", info.creator())?;
    }
    if let Some(date) = info.creation_date() {
        writeln!(out, "created:       {date} (unix time)")?;
    }
    if !info.comment().is_empty() {
        writeln!(out, "comment:       {}", info.comment())?;
    }
    for (tier, urls) in info.tracker_tiers().iter().enumerate() {
        writeln!(out, "tracker tier {tier}: {}", urls.join(" "))?;
    }
    for seed in info.web_seeds() {
        writeln!(out, "web seed:      {}", seed.url)?;
    }
    for node in info.nodes() {
        writeln!(out, "dht node:      {}:{}", node.host, node.port)?;
    }
    let files = info.files();
    writeln!(out, "files:         {}", files.num_files())?;
    for file in files.files() {
        let flags = file.flags();
        let mut marks = String::new();
        for (flag, mark) in [
            (FileFlags::PAD_FILE, 'p'),
            (FileFlags::EXECUTABLE, 'x'),
            (FileFlags::HIDDEN, 'h'),
            (FileFlags::SYMLINK, 'l'),
        ] {
            marks.push(if flags.contains(flag) { mark } else { '-' });
        }
        writeln!(out, "  {marks} {:>12}  {}", file.size(), file.path())?;
    }
    Ok(())
}

/// Sizes in binary units, as people read them.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}
