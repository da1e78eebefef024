//! `lt create PATH -o OUT.torrent [options]`.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lt_metainfo::{CreateTorrent, TorrentKind};

/// Options of `lt create`.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    /// The file or directory to share.
    path: PathBuf,
    /// Where to write the .torrent.
    #[arg(short, long)]
    output: PathBuf,
    /// A v1-only torrent (SHA-1 pieces).
    #[arg(long, group = "kind")]
    v1: bool,
    /// A v2-only torrent (BEP 52 merkle trees).
    #[arg(long, group = "kind")]
    v2: bool,
    /// A hybrid v1 + v2 torrent (the default).
    #[arg(long, group = "kind")]
    hybrid: bool,
    /// Piece size in bytes (a power of two of at least 16384); automatic when not given.
    #[arg(long, value_name = "BYTES")]
    piece_size: Option<u32>,
    /// A tracker announce URL; each one gets its own tier, in the order given.
    #[arg(long = "tracker", value_name = "URL")]
    trackers: Vec<String>,
    /// A web seed URL (BEP 19).
    #[arg(long = "web-seed", value_name = "URL")]
    web_seeds: Vec<String>,
    /// Mark the torrent private (trackers only).
    #[arg(long)]
    private: bool,
    /// A comment.
    #[arg(long)]
    comment: Option<String>,
    /// The `source` key (private trackers use it to tell torrents apart).
    #[arg(long)]
    source: Option<String>,
    /// Leave out the creation date (makes the .torrent reproducible).
    #[arg(long)]
    no_date: bool,
    /// Store symbolic links as links instead of following them.
    #[arg(long)]
    symlinks: bool,
    /// Hide the progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Creates the torrent and prints its info-hashes and magnet link.
pub(crate) fn run(args: &CreateArgs) -> anyhow::Result<()> {
    let kind = if args.v1 {
        TorrentKind::V1
    } else if args.v2 {
        TorrentKind::V2
    } else {
        TorrentKind::Hybrid
    };
    let mut torrent =
        CreateTorrent::from_path_with(&args.path, kind, args.piece_size, args.symlinks)?;
    for (tier, url) in args.trackers.iter().enumerate() {
        torrent.add_tracker(url.clone(), tier as u32);
    }
    for url in &args.web_seeds {
        torrent.add_url_seed(url.clone());
    }
    torrent.set_private(args.private);
    if let Some(comment) = &args.comment {
        torrent.set_comment(comment.clone());
    }
    if let Some(source) = &args.source {
        torrent.set_source(source.clone());
    }
    torrent.set_creator(format!("lt {}", env!("CARGO_PKG_VERSION")));
    if args.no_date {
        torrent.set_creation_date(None);
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::from(torrent.num_pieces()))
    };
    bar.set_style(
        ProgressStyle::with_template(
            "hashing {bar:40} {pos}/{len} pieces {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let piece_length = u64::from(torrent.piece_length());
    let started = std::time::Instant::now();
    // Updating the bar takes its lock: do it every 16 pieces, not for each.
    torrent.hash_pieces(|done, total| {
        if done % 16 == 0 || done == total {
            bar.set_position(u64::from(done));
        }
    })?;
    bar.finish_and_clear();
    let bytes = torrent.generate_bytes()?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let loaded = lt_metainfo::TorrentInfo::from_bytes(&bytes)?;
    let seconds = started.elapsed().as_secs_f64();
    let hashes = loaded.info_hashes();
    if let Some(v1) = hashes.v1 {
        println!("info-hash v1: {v1}");
    }
    if let Some(v2) = hashes.v2 {
        println!("info-hash v2: {v2}");
    }
    println!(
        "{} files, {} pieces of {} KiB, {:.1} MB hashed in {:.2} s",
        loaded.num_files(),
        loaded.num_pieces(),
        piece_length / 1024,
        loaded.total_size() as f64 / 1e6,
        seconds
    );
    println!("{}", lt_metainfo::make_magnet(&loaded.to_magnet()));
    Ok(())
}
