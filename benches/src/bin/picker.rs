//! Measures `lt_picker`: `picker [--pieces N,N,…] [--peers N] [--iters N] [--picks N]`.
//!
//! For each piece count (default 200,000, then 10,000, 100,000 and 1,000,000 for the scaling
//! table), with pieces of 256 KiB (16 blocks) and `--peers` peers (default 500; one in twenty a
//! seed, the others random bitfields of density 5–95 %):
//!
//! - `picker_avail_N`: every peer joins (its bitfield) and then leaves; items are the
//!   per-piece availability updates (a seed costs none, so it adds none).
//! - `picker_have_N`: `have` messages for random pieces from random peers.
//! - `picker_pick_N`: with every peer connected, `--picks` calls (default 100,000, at most half
//!   the torrent's worth) of `pick(peer, 16 blocks)` for random peers, one in a thousand
//!   replaced by a newcomer with a fresh bitfield. Only the `pick` calls are timed; items are
//!   calls. Every block picked is then received, finished, and its piece passed.
//! - `picker_cycle_N`: the same run timed whole (picks, deliveries, hash results, churn);
//!   items are blocks.
//!
//! Memory is printed as `figure picker_memory_N bytes_per_piece=… partial_bytes=…
//! peer_bytes=…`: the picker's per-piece state after the pick run, divided by the piece count,
//! then its download records and its peer table (mostly the peers' bitfields) in bytes.
use std::hint::black_box;
use std::time::Instant;

use anyhow::{bail, Context as _};
use lt_benches::{timing, SplitMix64};
use lt_core::{Bitfield, PieceIndex};
use lt_picker::{Geometry, PeerKey, PickOptions, Picker, PickerConfig, Received};

const USAGE: &str = "usage: picker [--pieces N,N,…] [--peers N] [--iters N] [--picks N]";
const PIECE_BYTES: u32 = 256 * 1024;
const BLOCKS_PER_PICK: usize = 16;
/// One pick in this many replaces a peer.
const CHURN_EVERY: usize = 1000;

struct Args {
    pieces: Vec<u32>,
    peers: usize,
    iterations: usize,
    picks: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        pieces: vec![200_000, 10_000, 100_000, 1_000_000],
        peers: 500,
        iterations: 3,
        picks: 100_000,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        let mut value = || raw.next().context(USAGE);
        match arg.as_str() {
            "--pieces" => {
                args.pieces = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context(USAGE)?;
            }
            "--peers" => args.peers = value()?.parse().context(USAGE)?,
            "--iters" => args.iterations = value()?.parse().context(USAGE)?,
            "--picks" => args.picks = value()?.parse().context(USAGE)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => bail!("unknown argument {arg}\n{USAGE}"),
        }
    }
    if args.iterations == 0 || args.peers == 0 || args.pieces.contains(&0) {
        bail!("counts must be at least 1\n{USAGE}");
    }
    Ok(args)
}

/// What a peer has: everything, or a random bitfield.
#[derive(Clone)]
enum Have {
    Seed,
    Bits(Bitfield),
}

/// A random bitfield of `len` bits where each bit is set with probability `eighths / 8`
/// (1 ≤ eighths ≤ 7), built a word at a time.
fn random_bits(random: &mut SplitMix64, len: usize, eighths: u64) -> Bitfield {
    let mut bytes = vec![0u8; len.div_ceil(8)];
    for chunk in bytes.chunks_mut(8) {
        // Three independent words give each bit 3 random bits; compare against `eighths`.
        let (a, b, c) = (random.next_u64(), random.next_u64(), random.next_u64());
        let mut word = 0u64;
        for bit in 0..64 {
            let value = (a >> bit & 1) << 2 | (b >> bit & 1) << 1 | (c >> bit & 1);
            word |= u64::from(value < eighths) << bit;
        }
        chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
    }
    if !len.is_multiple_of(8) {
        let last = bytes.len() - 1;
        bytes[last] &= 0xff << (8 - len % 8);
    }
    Bitfield::from_wire(&bytes, len).expect("spare bits are cleared")
}

fn random_have(random: &mut SplitMix64, pieces: u32) -> Have {
    if random.in_range(0, 19) == 0 {
        Have::Seed
    } else {
        let eighths = random.in_range(1, 7);
        random_bits(random, pieces as usize, eighths).into()
    }
}

impl From<Bitfield> for Have {
    fn from(bits: Bitfield) -> Self {
        Self::Bits(bits)
    }
}

/// Per-piece updates a peer's arrival or departure costs.
fn updates(have: &Have) -> u64 {
    match have {
        Have::Seed => 0,
        Have::Bits(bits) => bits.count_ones() as u64,
    }
}

fn join(picker: &mut Picker, key: PeerKey, have: &Have) -> anyhow::Result<()> {
    picker.add_peer(key)?;
    match have {
        Have::Seed => picker.peer_has_all(key)?,
        Have::Bits(bits) => picker.peer_bitfield(key, bits.clone())?,
    }
    Ok(())
}

fn new_picker(pieces: u32, seed: u64) -> anyhow::Result<Picker> {
    let geometry = Geometry::new(u64::from(pieces) * u64::from(PIECE_BYTES), PIECE_BYTES)?;
    Ok(Picker::new(
        geometry,
        PickerConfig {
            seed,
            ..PickerConfig::default()
        },
    ))
}

/// Every peer joins, then every peer leaves.
fn bench_availability(pieces: u32, haves: &[Have], iterations: usize) -> anyhow::Result<()> {
    let total: u64 = 2 * haves.iter().map(updates).sum::<u64>();
    let mut samples = timing::Samples::default();
    for iteration in 0..=iterations {
        let mut picker = new_picker(pieces, iteration as u64)?;
        let start = Instant::now();
        for (key, have) in haves.iter().enumerate() {
            join(&mut picker, PeerKey(key as u32), have)?;
        }
        for key in 0..haves.len() {
            picker.remove_peer(PeerKey(key as u32))?;
        }
        let elapsed = start.elapsed().as_secs_f64();
        if iteration > 0 {
            samples.push(elapsed);
        }
        black_box(picker.num_peers());
    }
    timing::report(&format!("picker_avail_{pieces}"), 0, total, &samples);
    Ok(())
}

/// Random `have` messages from peers that joined with nothing.
fn bench_have(pieces: u32, peers: usize, iterations: usize) -> anyhow::Result<()> {
    let messages = 2_000_000usize;
    let mut random = SplitMix64::new(u64::from(pieces) ^ 0x4a7e);
    let targets: Vec<(u32, u32)> = (0..messages)
        .map(|_| {
            (
                random.in_range(0, peers as u64 - 1) as u32,
                random.in_range(0, u64::from(pieces) - 1) as u32,
            )
        })
        .collect();
    let mut samples = timing::Samples::default();
    for iteration in 0..=iterations {
        let mut picker = new_picker(pieces, iteration as u64)?;
        for key in 0..peers {
            picker.add_peer(PeerKey(key as u32))?;
        }
        let start = Instant::now();
        for &(key, piece) in &targets {
            picker.peer_has(PeerKey(key), PieceIndex::new(piece))?;
        }
        let elapsed = start.elapsed().as_secs_f64();
        if iteration > 0 {
            samples.push(elapsed);
        }
        black_box(picker.num_seeds());
    }
    timing::report(
        &format!("picker_have_{pieces}"),
        0,
        messages as u64,
        &samples,
    );
    Ok(())
}

/// Picks with every peer connected, delivering every block; see the module docs.
fn bench_picks(
    pieces: u32,
    haves: &[Have],
    spare: &[Have],
    picks: usize,
    iterations: usize,
) -> anyhow::Result<()> {
    let mut pick_samples = timing::Samples::default();
    let mut cycle_samples = timing::Samples::default();
    let mut blocks_total = 0u64;
    let mut memory = None;
    for iteration in 0..=iterations {
        let mut picker = new_picker(pieces, 100 + iteration as u64)?;
        let mut keys: Vec<PeerKey> = Vec::with_capacity(haves.len());
        for (key, have) in haves.iter().enumerate() {
            let key = PeerKey(key as u32);
            join(&mut picker, key, have)?;
            keys.push(key);
        }
        let mut random = SplitMix64::new(7 + iteration as u64);
        let mut next_key = haves.len() as u32;
        let mut out = Vec::with_capacity(64);
        let mut pick_seconds = 0.0;
        let mut blocks = 0u64;
        let cycle_start = Instant::now();
        for call in 0..picks {
            let slot = random.in_range(0, keys.len() as u64 - 1) as usize;
            if call % CHURN_EVERY == CHURN_EVERY - 1 {
                picker.remove_peer(keys[slot])?;
                let have = &spare[random.in_range(0, spare.len() as u64 - 1) as usize];
                keys[slot] = PeerKey(next_key);
                next_key += 1;
                join(&mut picker, keys[slot], have)?;
            }
            let peer = keys[slot];
            out.clear();
            let start = Instant::now();
            let picked = picker.pick(peer, BLOCKS_PER_PICK, PickOptions::default(), &mut out)?;
            pick_seconds += start.elapsed().as_secs_f64();
            blocks += picked.blocks as u64;
            for &block in &out {
                if let Received::New { cancel } = picker.block_received(peer, block)? {
                    black_box(cancel);
                }
                if picker.block_finished(block)? {
                    black_box(picker.piece_passed(block.piece)?);
                }
            }
        }
        let cycle_seconds = cycle_start.elapsed().as_secs_f64();
        if iteration > 0 {
            pick_samples.push(pick_seconds);
            cycle_samples.push(cycle_seconds);
            blocks_total = blocks;
            memory = Some(picker.memory_usage());
        }
    }
    timing::report(
        &format!("picker_pick_{pieces}"),
        0,
        picks as u64,
        &pick_samples,
    );
    timing::report(
        &format!("picker_cycle_{pieces}"),
        0,
        blocks_total,
        &cycle_samples,
    );
    if let Some(memory) = memory {
        println!(
            "figure picker_memory_{pieces} bytes_per_piece={:.3} partial_bytes={} peer_bytes={}",
            memory.pieces as f64 / f64::from(pieces),
            memory.partials,
            memory.peers
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    for &pieces in &args.pieces {
        let mut random = SplitMix64::new(u64::from(pieces));
        let haves: Vec<Have> = (0..args.peers)
            .map(|_| random_have(&mut random, pieces))
            .collect();
        let spare: Vec<Have> = (0..16).map(|_| random_have(&mut random, pieces)).collect();
        // The largest torrent gets one timed iteration: its setup alone moves 250M counters.
        let iterations = if pieces >= 1_000_000 {
            1
        } else {
            args.iterations
        };
        let picks = args.picks.min(pieces as usize / 2).max(1);
        println!(
            "== {pieces} pieces of 256 KiB, {} peers, {picks} picks of {BLOCKS_PER_PICK} blocks",
            args.peers
        );
        bench_availability(pieces, &haves, iterations)?;
        bench_have(pieces, args.peers, iterations)?;
        bench_picks(pieces, &haves, &spare, picks, iterations)?;
    }
    Ok(())
}
