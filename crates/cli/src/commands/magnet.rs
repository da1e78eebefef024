//! `lt magnet TORRENT`.

use std::path::Path;

use lt_metainfo::TorrentInfo;

/// Prints the magnet link of a .torrent file.
pub(crate) fn run(torrent: &Path) -> anyhow::Result<()> {
    let info = TorrentInfo::from_file(torrent)?;
    println!("{}", lt_metainfo::make_magnet(&info.to_magnet()));
    Ok(())
}
