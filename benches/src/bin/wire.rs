//! Measures lt-wire on one thread: `wire [--total BYTES] [--iters N]`.
//!
//! - `rc4`: RC4-drop1024 ([`lt_wire::mse::Rc4Drop1024`]) over `--total` bytes (default
//!   256 MiB) in 16 KiB buffers, in place, as an encrypted connection applies it to every byte.
//! - `piece_decode`: [`lt_wire::MessageDecoder`] taking `--total` bytes of 16 KiB `piece`
//!   messages off one receive buffer (the block data leaves as `Bytes` slices, no copy); the
//!   buffer is filled before the clock starts.
//! - `piece_encode`: `Message::Piece` encoded into a reused send buffer (13-byte header plus a
//!   copy of the block).
//! - `piece_header`: `piece_header` alone, what a vectored send of block data needs (bytes are
//!   the 13 header bytes).
//!
//! Items are messages (blocks for `rc4`); MB/s count payload and header bytes.
use std::hint::black_box;

use anyhow::{bail, Context as _};
use bytes::{Bytes, BytesMut};
use lt_benches::{timing, SplitMix64};
use lt_core::Sha1Hash;
use lt_wire::mse::Rc4Drop1024;
use lt_wire::{piece_header, ExtensionIds, Message, MessageDecoder};

const USAGE: &str = "usage: wire [--total BYTES] [--iters N]";
const BLOCK: usize = 16 * 1024;

fn main() -> anyhow::Result<()> {
    let mut total: usize = 256 << 20;
    let mut iterations = 5;
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
    let blocks = (total / BLOCK).max(1);
    let mut block = vec![0u8; BLOCK];
    SplitMix64::new(7).fill(&mut block);

    // RC4: one cipher for the whole run, as one connection keeps it.
    let mut cipher = Rc4Drop1024::new(&Sha1Hash::from_bytes([0x5a; 20]));
    let mut buffer = block.clone();
    let samples = timing::time_iterations(iterations, || {
        for _ in 0..blocks {
            cipher.apply(black_box(&mut buffer));
        }
        Ok::<(), anyhow::Error>(())
    })?;
    timing::report("rc4", (blocks * BLOCK) as u64, blocks as u64, &samples);

    // Encode: header and a copy of the block into a reused send buffer.
    let ids = ExtensionIds::default();
    let data = Bytes::from(block.clone());
    let mut wire = Vec::with_capacity(BLOCK + 13);
    let message_bytes = (blocks * (BLOCK + 13)) as u64;
    let samples = timing::time_iterations(iterations, || {
        for index in 0..blocks {
            wire.clear();
            let message = Message::Piece {
                piece: (index / 16) as u32,
                offset: ((index % 16) * BLOCK) as u32,
                data: data.clone(),
            };
            message.encode(&ids, &mut wire)?;
            black_box(&wire);
        }
        Ok::<(), anyhow::Error>(())
    })?;
    timing::report("piece_encode", message_bytes, blocks as u64, &samples);

    let samples = timing::time_iterations(iterations, || {
        for index in 0..blocks {
            black_box(piece_header((index / 16) as u32, 0, BLOCK)?);
        }
        Ok::<(), anyhow::Error>(())
    })?;
    timing::report(
        "piece_header",
        (blocks * 13) as u64,
        blocks as u64,
        &samples,
    );

    // Decode: every message off one buffer, filled before each timed run.
    let mut stream = Vec::with_capacity(blocks * (BLOCK + 13));
    for index in 0..blocks {
        let message = Message::Piece {
            piece: (index / 16) as u32,
            offset: ((index % 16) * BLOCK) as u32,
            data: data.clone(),
        };
        message.encode(&ids, &mut stream)?;
    }
    let mut decode_samples = timing::Samples::default();
    for round in 0..=iterations {
        let mut inbound = BytesMut::from(&stream[..]);
        let mut decoder = MessageDecoder::default();
        let start = std::time::Instant::now();
        let mut decoded = 0;
        while let Some(message) = decoder.decode(&mut inbound)? {
            black_box(&message);
            decoded += 1;
        }
        let elapsed = start.elapsed().as_secs_f64();
        anyhow::ensure!(decoded == blocks, "decoded {decoded} of {blocks} messages");
        if round > 0 {
            decode_samples.push(elapsed); // round 0 warms up
        }
    }
    timing::report(
        "piece_decode",
        message_bytes,
        blocks as u64,
        &decode_samples,
    );
    Ok(())
}
