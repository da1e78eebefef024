//! Measures `lt_core`'s SHA-1 and SHA-256 on one thread: `hash [--total BYTES] [--iters N]`.
//!
//! Each iteration hashes `--total` bytes (default 1 GiB) as independent digests of 1 MiB,
//! 256 KiB, 64 KiB and 16 KiB buffers (like `openssl speed`, which digests one buffer per
//! operation; a torrent piece is one such digest). The input is 2 MiB of random bytes, cycled.
//! Result lines `sha1_16k` and so on use the wall clock; `sha1_16k_cpu` and so on use this
//! thread's CPU time (what `openssl speed` reports), so that other load on the machine does not
//! count against either side. `sha1pair_1m`, `sha256pair_1m` and so on digest two buffers of
//! that size at once with `lt_core::Sha1Pair` / `Sha256Pair`, as the storage layer does with two
//! pieces (SHA-1) or two v2 blocks (SHA-256).
use std::hint::black_box;
use std::time::Instant;

use anyhow::{bail, Context as _};
use lt_benches::{timing, SplitMix64};
use lt_core::{Sha1Hash, Sha1Pair, Sha256Hash, Sha256Pair};

const USAGE: &str = "usage: hash [--total BYTES] [--iters N]";
const BLOCKS: [(usize, &str); 4] = [
    (1 << 20, "1m"),
    (256 << 10, "256k"),
    (64 << 10, "64k"),
    (16 << 10, "16k"),
];

/// One-shot digest of a block, reduced to one byte for the optimiser-proof sink.
type Digest = fn(&[u8]) -> u8;

fn main() -> anyhow::Result<()> {
    let mut total: u64 = 1 << 30;
    let mut iterations = 3;
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--total" => total = raw.next().context(USAGE)?.parse().context(USAGE)?,
            "--iters" => iterations = raw.next().context(USAGE)?.parse().context(USAGE)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => bail!("unknown argument {arg}\n{USAGE}"),
        }
    }
    println!("cpu sha_extensions={}", lt_core::sha_extensions_available());

    let mut data = vec![0u8; 2 << 20];
    SplitMix64::new(1).fill(&mut data);
    // (name, buffers per digest call, digest of that many buffers laid end to end)
    let algorithms: [(&str, usize, Digest); 4] = [
        ("sha1", 1, |block| Sha1Hash::digest(block).as_bytes()[0]),
        ("sha256", 1, |block| Sha256Hash::digest(block).as_bytes()[0]),
        ("sha1pair", 2, |buffers| {
            let (first, second) = buffers.split_at(buffers.len() / 2);
            let mut pair = Sha1Pair::new();
            pair.update(first, second);
            pair.finalize()[1].as_bytes()[0]
        }),
        ("sha256pair", 2, |buffers| {
            let (first, second) = buffers.split_at(buffers.len() / 2);
            let mut pair = Sha256Pair::new();
            pair.update(first, second);
            pair.finalize()[1].as_bytes()[0]
        }),
    ];
    for (algorithm, lanes, digest) in algorithms {
        for (buffer_size, label) in BLOCKS {
            let block_size = buffer_size * lanes;
            let blocks_per_pass = data.len() / block_size;
            let passes = total.div_ceil(data.len() as u64);
            let bytes = passes * data.len() as u64;
            let run = |passes: u64| {
                let mut sink = 0u8;
                for _ in 0..passes {
                    for block in data.chunks_exact(block_size) {
                        sink ^= digest(black_box(block));
                    }
                }
                black_box(sink);
            };
            run(passes.div_ceil(16)); // warm-up: a sixteenth of the work
            let mut wall = timing::Samples::default();
            let mut cpu = timing::Samples::default();
            for _ in 0..iterations {
                let cpu_start = timing::thread_cpu_seconds();
                let start = Instant::now();
                run(passes);
                wall.push(start.elapsed().as_secs_f64());
                if let (Some(before), Some(after)) = (cpu_start, timing::thread_cpu_seconds()) {
                    cpu.push(after - before);
                }
            }
            let items = passes * (blocks_per_pass * lanes) as u64;
            timing::report(&format!("{algorithm}_{label}"), bytes, items, &wall);
            if !cpu.is_empty() {
                timing::report(&format!("{algorithm}_{label}_cpu"), bytes, items, &cpu);
            }
        }
    }
    Ok(())
}
