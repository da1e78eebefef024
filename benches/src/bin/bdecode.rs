//! Measures `lt_bencode::bdecode` throughput on a file: `bdecode FILE [ITERS]`.
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or_else(|| anyhow::anyhow!("usage: bdecode FILE [ITERS]"))?;
    let iterations: usize = args.next().map_or(Ok(50), |s| s.parse())?;
    let buffer = std::fs::read(&path)?;
    let options = lt_bencode::DecodeOptions { token_limit: 10_000_000, ..Default::default() };
    let mut best = f64::MAX;
    let mut total = 0.0;
    for _ in 0..iterations {
        let start = Instant::now();
        let document = lt_bencode::bdecode_with(&buffer, &options)?;
        std::hint::black_box(&document);
        let seconds = start.elapsed().as_secs_f64();
        drop(document);
        best = best.min(seconds);
        total += seconds;
    }
    let mean = total / iterations as f64;
    println!("bdecode: {:.2} MB/s ({:.3} ms/parse, best {:.3} ms)", buffer.len() as f64 / mean / 1e6, mean * 1e3, best * 1e3);
    Ok(())
}
