//! `lt check TORRENT DIR [--json]`: verify the data under DIR against the torrent.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lt_core::PieceIndex;
use lt_metainfo::TorrentInfo;
use lt_storage::{check_pieces, CheckOptions, StorageParams, TorrentStorage};

/// Checks every piece of `torrent` in `dir` (the save path: the directory the torrent's name is
/// in) and prints what is complete.
pub(crate) fn run(torrent: &Path, dir: &Path, json: bool) -> anyhow::Result<()> {
    let info = Arc::new(
        TorrentInfo::from_file(torrent)
            .with_context(|| format!("cannot load {}", torrent.display()))?,
    );
    if !dir.is_dir() {
        anyhow::bail!("{} is not a directory", dir.display());
    }
    // A StorageError's message already ends with the OS error: print it once, not as a chain.
    let one_line = |error: lt_storage::StorageError| anyhow::anyhow!("{error}");
    let storage =
        TorrentStorage::new(Arc::clone(&info), StorageParams::new(dir)).map_err(one_line)?;
    let total = info.num_pieces();
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::from(total))
    };
    bar.set_style(
        ProgressStyle::with_template("checking {bar:40} {pos}/{len} pieces {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // The bar's lock is costly: move it every 16 pieces, not for each.
    let progress = |done: u32, total: u32| {
        if done.is_multiple_of(16) || done == total {
            bar.set_position(u64::from(done));
        }
    };
    let started = Instant::now();
    let have = check_pieces(
        &storage,
        &CheckOptions {
            progress: Some(&progress),
            ..CheckOptions::default()
        },
    )
    .map_err(one_line)?;
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let files = info.files();
    let mut bytes_ok = vec![0u64; files.num_files()];
    for piece in have.iter_ones() {
        let piece = PieceIndex::new(piece as u32);
        for slice in info.map_block(piece, 0, u64::from(info.piece_size(piece))) {
            if let Some(bytes) = bytes_ok.get_mut(slice.file_index.as_usize()) {
                *bytes += slice.size;
            }
        }
    }
    let pieces_ok = have.count_ones();
    let mb_per_s = info.total_size() as f64 / seconds.max(1e-9) / 1e6;
    let listed = files
        .files()
        .iter()
        .zip(&bytes_ok)
        .filter(|(entry, _)| !entry.is_pad());
    if json {
        let files: Vec<serde_json::Value> = listed
            .map(|(entry, ok)| {
                serde_json::json!({ "path": entry.path(), "size": entry.size(), "bytes_ok": ok })
            })
            .collect();
        let report = serde_json::json!({
            "pieces_total": total,
            "pieces_ok": pieces_ok,
            "files": files,
            "seconds": seconds,
            "mb_per_s": mb_per_s,
        });
        println!("{report}");
        return Ok(());
    }
    println!("pieces verified: {pieces_ok}/{total}");
    for (entry, ok) in listed {
        let percent = if entry.size() == 0 {
            100.0
        } else {
            *ok as f64 * 100.0 / entry.size() as f64
        };
        println!(
            "{percent:6.1}%  {}  ({ok}/{} bytes)",
            entry.path(),
            entry.size()
        );
    }
    println!(
        "{:.1} MB checked in {seconds:.2} s ({mb_per_s:.1} MB/s)",
        info.total_size() as f64 / 1e6
    );
    Ok(())
}
