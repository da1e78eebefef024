//! `create [SIZE_MIB] [--rounds N]`: creating a torrent of a 1 GiB file, lt's `CreateTorrent`
//! against libtorrent's `create_torrent` + `set_piece_hashes` (Python binding) in the same run,
//! for v1 and hybrid torrents; prints seconds, MB/s and the ratio, and the 2-core SHA-1 limit.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use lt_benches::timing::median;
use lt_benches::SplitMix64;
use lt_metainfo::{CreateTorrent, TorrentKind};

const ANCHOR: &str = r#"
import libtorrent as lt, sys, os, time
path, mode = sys.argv[1], sys.argv[2]
start = time.perf_counter()
fs = lt.file_storage()
lt.add_files(fs, path)
flags = {'v1': lt.create_torrent.v1_only, 'v2': lt.create_torrent.v2_only, 'hybrid': 0}[mode]
ct = lt.create_torrent(fs, 0, flags)
lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
ct.generate()
print(time.perf_counter() - start)
"#;

fn payload(size_mib: u64) -> anyhow::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/create");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("payload-{size_mib}m.bin"));
    let size = size_mib << 20;
    if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(size) {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut rng = SplitMix64::new(42);
        let mut chunk = vec![0u8; 1 << 20];
        for _ in 0..size_mib {
            rng.fill(&mut chunk);
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    // Read it once so both sides hash from the page cache.
    let mut sink = 0u8;
    for chunk in std::fs::read(&path)?.chunks(4096) {
        sink ^= chunk[0];
    }
    std::hint::black_box(sink);
    Ok(path)
}

fn ours(path: &Path, kind: TorrentKind) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut torrent = CreateTorrent::from_path(path, kind, None)?;
    torrent.hash_pieces(|_, _| {})?;
    std::hint::black_box(torrent.generate_bytes()?);
    Ok(start.elapsed().as_secs_f64())
}

fn anchor(path: &Path, mode: &str) -> anyhow::Result<f64> {
    let output = Command::new("python3")
        .args(["-W", "ignore::DeprecationWarning", "-c", ANCHOR])
        .arg(path)
        .arg(mode)
        .output()
        .context("running python3 (libtorrent anchor)")?;
    if !output.status.success() {
        bail!(
            "libtorrent anchor failed (install it with `pip install libtorrent==2.1.1`): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?.trim().parse()?)
}

/// Single-core SHA-1 throughput (MB/s), the unit of the hashing limit.
fn sha1_single_core() -> f64 {
    let buffer = vec![7u8; 64 << 20];
    let start = Instant::now();
    std::hint::black_box(lt_core::Sha1Hash::digest(&buffer));
    buffer.len() as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut size_mib = 1024u64;
    let mut rounds = 3usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().context("--rounds N")?.parse()?,
            size => {
                size_mib = size
                    .parse()
                    .context("usage: create [SIZE_MIB] [--rounds N]")?
            }
        }
    }
    let path = payload(size_mib)?;
    let bytes = (size_mib << 20) as f64;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("create a torrent of one {size_mib} MiB file: lt CreateTorrent ({cores} threads) vs libtorrent create_torrent + set_piece_hashes (Python binding); median of {rounds} rounds");
    println!(
        "{:<8} {:>10} {:>10} {:>14} {:>14} {:>7}",
        "kind", "ours s", "ours MB/s", "libtorrent s", "libtorrent MB/s", "ratio"
    );
    for (kind, mode) in [(TorrentKind::V1, "v1"), (TorrentKind::Hybrid, "hybrid")] {
        let mut our_times = Vec::new();
        let mut their_times = Vec::new();
        for _ in 0..rounds {
            our_times.push(ours(&path, kind)?);
            their_times.push(anchor(&path, mode)?);
        }
        let (ours_s, theirs_s) = (median(&our_times), median(&their_times));
        println!(
            "{mode:<8} {ours_s:>10.3} {:>10.0} {theirs_s:>14.3} {:>15.0} {:>6.2}×",
            bytes / ours_s / 1e6,
            bytes / theirs_s / 1e6,
            theirs_s / ours_s
        );
    }
    let single = sha1_single_core();
    println!(
        "SHA-1 on one core: {single:.0} MB/s; v1 limit on {cores} cores: {:.0} MB/s",
        single * cores as f64
    );
    Ok(())
}
