//! `storage [--size-mib N] [--rounds N]`: lt-storage's backends on the same data, each in its own process so
//! that its peak resident memory (VmHWM) is its own.
//!
//! - write: `--size-mib` (default 1024) written as 16 KiB blocks, pieces of 1 MiB in a random
//!   order, through pread/pwrite (sparse), mmap (sparse: `pwrite` writes, mapped reads) and mmap
//!   in allocate mode (files allocated up front, then written through the map). Only the block
//!   writes are timed (generating the data is not); the time to `fsync` is printed beside.
//! - recheck: the written data checked on all cores through each backend, against the SHA-1
//!   limit `cores × single-core openssl speed -evp sha1` (lt's own single-thread SHA-1 when
//!   openssl is missing); the bar is 0.8 of that limit.
//!
//! Every piece's data is `SplitMix64::new(piece)`'s bytes, so a child regenerates any piece
//! without reading a source file. Files go to target/bench-data/storage/.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context as _};
use lt_benches::timing::median;
use lt_benches::SplitMix64;
use lt_core::{PieceIndex, Sha1Hash};
use lt_metainfo::TorrentInfo;
use lt_storage::{check_pieces, Backend, CheckOptions, Storage, StorageMode, StorageParams};

const USAGE: &str =
    "usage: storage [--size-mib N] [--rounds N]   (internal: --child write|check BACKEND)";
const PIECE: u32 = 1 << 20;
const BLOCK: usize = 16 * 1024;
const BACKENDS: [&str; 3] = ["pread", "mmap", "mmap-allocate"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/storage")
}

fn piece_data(piece: u32, size: usize, buffer: &mut Vec<u8>) {
    buffer.resize(size, 0);
    SplitMix64::new(u64::from(piece) + 1).fill(buffer);
}

/// A single-file v1 torrent of `size_mib` MiB whose pieces are [`piece_data`], hand-encoded.
fn torrent(size_mib: u64) -> anyhow::Result<Arc<TorrentInfo>> {
    let total = size_mib << 20;
    let pieces = total.div_ceil(u64::from(PIECE)) as u32;
    let path = data_dir().join(format!("payload-{size_mib}m.torrent"));
    if let Ok(info) = TorrentInfo::from_file(&path) {
        return Ok(Arc::new(info));
    }
    let mut hashes = Vec::with_capacity(pieces as usize * 20);
    let mut buffer = Vec::new();
    for piece in 0..pieces {
        let size = (total - u64::from(piece) * u64::from(PIECE)).min(u64::from(PIECE));
        piece_data(piece, size as usize, &mut buffer);
        hashes.extend_from_slice(Sha1Hash::digest(&buffer).as_bytes());
    }
    let mut bytes = format!(
        "d4:infod6:lengthi{total}e4:name11:payload.bin12:piece lengthi{PIECE}e6:pieces{}:",
        hashes.len()
    )
    .into_bytes();
    bytes.extend(hashes);
    bytes.extend(b"ee");
    std::fs::create_dir_all(data_dir())?;
    std::fs::write(&path, &bytes)?;
    Ok(Arc::new(TorrentInfo::from_bytes(&bytes)?))
}

fn params(backend: &str) -> anyhow::Result<StorageParams> {
    let save_path = data_dir().join(backend);
    let (backend, mode) = match backend {
        "pread" => (Backend::Pread, StorageMode::Sparse),
        "mmap" => (Backend::Mmap, StorageMode::Sparse),
        "mmap-allocate" => (Backend::Mmap, StorageMode::Allocate),
        other => bail!("unknown backend {other}"),
    };
    Ok(StorageParams {
        backend,
        mode,
        ..StorageParams::new(save_path)
    })
}

/// Peak resident memory of this process in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn child_write(backend: &str, size_mib: u64) -> anyhow::Result<()> {
    let info = torrent(size_mib)?;
    let params = params(backend)?;
    let _ = std::fs::remove_dir_all(&params.save_path);
    let storage = lt_storage::TorrentStorage::new(Arc::clone(&info), params)?;
    let started = Instant::now();
    storage.initialize()?;
    let allocate_s = started.elapsed().as_secs_f64();
    let mut order: Vec<u32> = (0..info.num_pieces()).collect();
    let mut random = SplitMix64::new(7);
    for index in (1..order.len()).rev() {
        order.swap(index, random.in_range(0, index as u64) as usize);
    }
    let mut buffer = Vec::new();
    let mut write_s = 0.0;
    for piece in order {
        let index = PieceIndex::new(piece);
        piece_data(piece, info.piece_size(index) as usize, &mut buffer);
        let start = Instant::now();
        for (block, data) in buffer.chunks(BLOCK).enumerate() {
            storage.write(index, (block * BLOCK) as u32, data)?;
        }
        write_s += start.elapsed().as_secs_f64();
    }
    let start = Instant::now();
    storage.flush()?;
    let flush_s = start.elapsed().as_secs_f64();
    println!(
        "figure write_{backend} seconds={:.4} allocate_s={allocate_s:.4} flush_s={flush_s:.4} vmhwm_kib={}",
        write_s + allocate_s,
        vm_hwm_kib()
    );
    Ok(())
}

fn child_check(backend: &str, size_mib: u64) -> anyhow::Result<()> {
    let info = torrent(size_mib)?;
    let storage = lt_storage::TorrentStorage::new(Arc::clone(&info), params(backend)?)?;
    let start = Instant::now();
    let have = check_pieces(&storage, &CheckOptions::default())?;
    let seconds = start.elapsed().as_secs_f64();
    if !have.all_set() {
        bail!(
            "{backend}: only {} of {} pieces passed",
            have.count_ones(),
            have.len()
        );
    }
    println!(
        "figure check_{backend} seconds={seconds:.4} vmhwm_kib={}",
        vm_hwm_kib()
    );
    Ok(())
}

/// Runs this binary as a child and returns its `figure` line's fields.
fn run_child(step: &str, backend: &str, size_mib: u64) -> anyhow::Result<Vec<(String, f64)>> {
    let output = Command::new(std::env::current_exe()?)
        .args([
            "--child",
            step,
            backend,
            "--size-mib",
            &size_mib.to_string(),
        ])
        .output()
        .context("running the child")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "{step} {backend} failed: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .find(|line| line.starts_with("figure "))
        .context("child printed no figure")?;
    Ok(line
        .split_whitespace()
        .skip(2)
        .filter_map(|word| {
            let (key, value) = word.split_once('=')?;
            Some((key.to_owned(), value.parse().ok()?))
        })
        .collect())
}

fn field(fields: &[(String, f64)], key: &str) -> f64 {
    fields
        .iter()
        .find(|(name, _)| name == key)
        .map_or(f64::NAN, |(_, value)| *value)
}

/// Single-core SHA-1 in bytes/s: `openssl speed -evp sha1` on 16 KiB blocks, or our own.
fn sha1_single_core() -> (f64, &'static str) {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", "2", "-bytes", "16384", "-evp", "sha1"])
        .output();
    if let Ok(output) = output {
        let text = String::from_utf8_lossy(&output.stdout);
        let figure = text
            .lines()
            .filter(|line| line.to_ascii_lowercase().starts_with("sha1"))
            .filter_map(|line| line.split_whitespace().last())
            .find_map(|value| value.trim_end_matches('k').parse::<f64>().ok());
        if let Some(thousands) = figure {
            return (thousands * 1000.0, "openssl speed -evp sha1");
        }
    }
    let mut data = vec![0u8; 1 << 20];
    SplitMix64::new(3).fill(&mut data);
    let start = Instant::now();
    for _ in 0..512 {
        for block in data.chunks(16384) {
            std::hint::black_box(Sha1Hash::digest(block));
        }
    }
    (
        512.0 * 1048576.0 / start.elapsed().as_secs_f64(),
        "lt SHA-1, one thread",
    )
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut size_mib = 1024;
    let mut rounds = 3;
    let mut child = None;
    let mut index = 0;
    while index < args.len() {
        match args[index].as_str() {
            "--size-mib" => {
                size_mib = args.get(index + 1).context(USAGE)?.parse().context(USAGE)?;
                index += 1;
            }
            "--rounds" => {
                rounds = args.get(index + 1).context(USAGE)?.parse().context(USAGE)?;
                index += 1;
            }
            "--child" => {
                child = Some((
                    args.get(index + 1).context(USAGE)?.clone(),
                    args.get(index + 2).context(USAGE)?.clone(),
                ));
                index += 2;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
        index += 1;
    }
    match child {
        Some((step, backend)) if step == "write" => return child_write(&backend, size_mib),
        Some((step, backend)) if step == "check" => return child_check(&backend, size_mib),
        Some((step, _)) => bail!("unknown step {step}"),
        None => {}
    }

    torrent(size_mib)?;
    let mb = (size_mib << 20) as f64 / 1e6;
    // Per backend, per round: (write s, write peak RSS KiB, fsync s, check s, check peak RSS KiB).
    let mut results: Vec<Vec<[f64; 5]>> = vec![Vec::new(); BACKENDS.len()];
    for round in 1..=rounds {
        println!("==> round {round}/{rounds}");
        // Alternate the order so that neither backend always runs on a colder page cache.
        let mut order: Vec<usize> = (0..BACKENDS.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        for index in order {
            let backend = BACKENDS[index];
            let write = run_child("write", backend, size_mib)?;
            let check = run_child("check", backend, size_mib)?;
            results[index].push([
                field(&write, "seconds"),
                field(&write, "vmhwm_kib"),
                field(&write, "flush_s"),
                field(&check, "seconds"),
                field(&check, "vmhwm_kib"),
            ]);
            let _ = std::fs::remove_dir_all(data_dir().join(backend));
        }
    }
    println!();
    println!(
        "storage: {size_mib} MiB, 1 MiB pieces, 16 KiB blocks in random piece order; median of {rounds} round(s)"
    );
    println!(
        "{:<16} {:>10} {:>10} {:>12} {:>10} {:>12} {:>12}",
        "backend", "write s", "write MB/s", "peak RSS MB", "fsync s", "recheck MB/s", "peak RSS MB"
    );
    let mut check_mb_s = Vec::new();
    for (backend, rounds) in BACKENDS.iter().zip(&results) {
        let column =
            |index: usize| median(&rounds.iter().map(|round| round[index]).collect::<Vec<_>>());
        check_mb_s.push(mb / column(3));
        println!(
            "{backend:<16} {:>10.2} {:>10.0} {:>12.1} {:>10.2} {:>12.0} {:>12.1}",
            column(0),
            mb / column(0),
            column(1) / 1024.0,
            column(2),
            mb / column(3),
            column(4) / 1024.0,
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let (sha1, source) = sha1_single_core();
    let limit = cores * sha1 / 1e6;
    println!(
        "recheck limit: {cores} cores × {:.0} MB/s single-core SHA-1 ({source}) = {limit:.0} MB/s",
        sha1 / 1e6
    );
    for (backend, mb_s) in BACKENDS.iter().zip(check_mb_s) {
        let ratio = mb_s / limit;
        println!(
            "  recheck {backend:<14} {mb_s:>6.0} MB/s = {ratio:.2}× the limit (bar ≥ 0.8×: {})",
            if ratio >= 0.8 { "met" } else { "NOT MET" }
        );
    }
    Ok(())
}
