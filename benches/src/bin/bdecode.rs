//! Measures `lt_bencode` decoding: `bdecode [FILE [ITERS]] [--messages FILE] [--msg-iters N]`.
//!
//! - `FILE`: `bdecode_with` on the whole file, `ITERS` times (default 50) → `bdecode_big`.
//! - `--messages FILE` (length-prefixed, see `lt_benches::messages`): every message decoded
//!   once per iteration, `--msg-iters` iterations (default 100), twice: with one
//!   `lt_bencode::Decoder` reusing its allocations (`bdecode_msgs_reused`, the fast path for a
//!   stream of small messages) and with a fresh `bdecode_with` per message
//!   (`bdecode_msgs_fresh`).
//!
//! All decoding uses a token limit of 10,000,000, like the libtorrent anchor. Each iteration is
//! timed alone after one untimed warm-up run; the result lines report the median and the best.
use std::hint::black_box;
use std::time::Instant;

use anyhow::{bail, Context as _};
use lt_benches::{messages, timing};
use lt_bencode::{bdecode_with, DecodeOptions, Decoder};

struct Args {
    file: Option<String>,
    iterations: usize,
    messages: Option<String>,
    message_iterations: usize,
}

const USAGE: &str = "usage: bdecode [FILE [ITERS]] [--messages FILE] [--msg-iters N]";

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        file: None,
        iterations: 50,
        messages: None,
        message_iterations: 100,
    };
    let mut positional = Vec::new();
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--messages" => args.messages = Some(raw.next().context(USAGE)?),
            "--msg-iters" => {
                args.message_iterations = raw.next().context(USAGE)?.parse().context(USAGE)?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            flag if flag.starts_with("--") => bail!("unknown flag {flag}\n{USAGE}"),
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    args.file = positional.next();
    if let Some(iterations) = positional.next() {
        args.iterations = iterations.parse().context(USAGE)?;
    }
    if positional.next().is_some() || (args.file.is_none() && args.messages.is_none()) {
        bail!("{USAGE}");
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let options = DecodeOptions {
        token_limit: 10_000_000,
        ..DecodeOptions::default()
    };

    if let Some(path) = &args.file {
        let buffer = std::fs::read(path).with_context(|| format!("reading {path}"))?;
        // Timed by hand rather than with `time_iterations` so that freeing the document is
        // outside the timed region, as in the anchor.
        let mut samples = timing::Samples::default();
        for iteration in 0..=args.iterations {
            let start = Instant::now();
            let document = bdecode_with(&buffer, &options)?;
            let seconds = start.elapsed().as_secs_f64();
            black_box(&document);
            drop(document);
            if iteration > 0 {
                samples.push(seconds);
            }
        }
        timing::report("bdecode_big", buffer.len() as u64, 1, &samples);

        // The same file loaded into a TorrentInfo, with the anchor's limits.
        let limits = lt_metainfo::LoadTorrentLimits {
            max_buffer_size: 100_000_000,
            max_pieces: 0x20_0000,
            max_decode_tokens: 10_000_000,
            ..lt_metainfo::LoadTorrentLimits::default()
        };
        let mut samples = timing::Samples::default();
        for iteration in 0..=args.iterations.div_ceil(5) {
            let start = Instant::now();
            let torrent = lt_metainfo::TorrentInfo::from_bytes_with(&buffer, &limits)?;
            let seconds = start.elapsed().as_secs_f64();
            black_box(&torrent);
            drop(torrent);
            if iteration > 0 {
                samples.push(seconds);
            }
        }
        timing::report("torrent_info", buffer.len() as u64, 1, &samples);
    }

    if let Some(path) = &args.messages {
        let file = std::fs::read(path).with_context(|| format!("reading {path}"))?;
        let batch = messages::read(&file).with_context(|| format!("reading {path}"))?;
        let bytes: u64 = batch.iter().map(|message| message.len() as u64).sum();
        let count = batch.len() as u64;

        let mut decoder = Decoder::new(options.clone());
        let mut sink = 0usize;
        let samples = timing::time_iterations(args.message_iterations, || {
            for message in &batch {
                let root = decoder.decode(message)?;
                sink = sink.wrapping_add(root.node_type() as usize);
            }
            anyhow::Ok(())
        })?;
        timing::report("bdecode_msgs_reused", bytes, count, &samples);

        let samples = timing::time_iterations(args.message_iterations, || {
            for message in &batch {
                let document = bdecode_with(message, &options)?;
                sink = sink.wrapping_add(document.root().node_type() as usize);
            }
            anyhow::Ok(())
        })?;
        timing::report("bdecode_msgs_fresh", bytes, count, &samples);
        black_box(sink);
    }
    Ok(())
}
