//! `cargo xtask bench`: our benchmark binaries (crate `lt-benches`) next to their anchors in the
//! same run — libtorrent through `benches/anchors/bdecode_anchor.cpp`, and `openssl speed` —
//! printed as ratios; and the piece picker, which has no anchor, in absolute figures.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::util::{cargo, command, display, on_path, output, root, run, succeeds, target_dir};

pub(crate) const USAGE: &str = "\
usage: cargo xtask bench <bdecode|hash|create|picker|storage|wire|swarm|seed|all> [--rounds N] [--verbose]

  bdecode  lt_bencode against libtorrent's bdecode (and torrent_info) on a generated 100k-file
           torrent and on 10,000 DHT-like messages; needs g++, pkg-config and
           libtorrent-rasterbar-dev
  hash     lt_core's SHA-1 and SHA-256 against `openssl speed -evp`, one thread each
  create   creating a torrent of a 1 GiB file (v1 and hybrid) against libtorrent's
           create_torrent + set_piece_hashes through its Python binding
  picker   lt_picker alone (libtorrent's picker is not reachable from its Python binding):
           200,000 pieces and 500 peers joining and leaving, then 10k / 100k / 1M pieces
  storage  lt-storage: 1 GiB written as 16 KiB blocks in random piece order (pread vs mmap:
           time and peak RSS, each backend in its own process), then a full recheck on all
           cores against cores × single-core `openssl speed -evp sha1`
  wire     lt-wire alone: RC4-drop1024 (MB/s) and 16 KiB piece message decode / encode
  swarm    `lt download` against libtorrent as the downloader: 1 GiB on 127.0.0.1 from
           libtorrent seeders, wall time and peak RSS (takes --seeders N; see
           `cargo xtask bench swarm --help`)
  seed     `lt seed` against a libtorrent seeder: libtorrent downloads 1 GiB on 127.0.0.1 from
           each; download time, seeder CPU and peak RSS (`cargo xtask bench seed --help`)
  all      bdecode and hash

Each round runs our binary, then the anchor; figures are the median over rounds of each
round's median iteration (default 3 rounds). --verbose shows the binaries' own output.
Inputs and the anchor binary go to target/bench-data/.";

/// One `bench NAME bytes=… items=… iters=… median_s=… best_s=…` line.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Measurement {
    bytes: f64,
    items: f64,
    median_s: f64,
    best_s: f64,
}

impl Measurement {
    fn mb_per_s(&self) -> f64 {
        self.bytes / self.median_s / 1e6
    }

    fn items_per_s(&self) -> f64 {
        self.items / self.median_s
    }
}

/// Results by name, one entry per round.
type Results = BTreeMap<String, Vec<Measurement>>;

/// Adds every `bench …` line of `text` to `results`.
fn parse_bench_lines(text: &str, results: &mut Results) -> Result<()> {
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("bench") {
            continue;
        }
        let name = words.next().context("bench line without a name")?;
        let mut fields = BTreeMap::new();
        for word in words {
            if let Some((key, value)) = word.split_once('=') {
                fields.insert(key, value);
            }
        }
        let field = |key: &str| -> Result<f64> {
            fields
                .get(key)
                .with_context(|| format!("`{line}` has no {key}="))?
                .parse()
                .with_context(|| format!("`{line}`: {key} is not a number"))
        };
        let measurement = Measurement {
            bytes: field("bytes")?,
            items: field("items")?,
            median_s: field("median_s")?,
            best_s: field("best_s")?,
        };
        results
            .entry(name.to_owned())
            .or_default()
            .push(measurement);
    }
    Ok(())
}

pub(crate) fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => values[len / 2],
        len => (values[len / 2 - 1] + values[len / 2]) / 2.0,
    }
}

/// The rounds of `name` folded into one: the median of the round medians, the best of bests.
fn combined(results: &Results, name: &str) -> Option<Measurement> {
    let rounds = results.get(name).filter(|rounds| !rounds.is_empty())?;
    Some(Measurement {
        bytes: rounds[0].bytes,
        items: rounds[0].items,
        median_s: median(rounds.iter().map(|round| round.median_s)),
        best_s: rounds
            .iter()
            .map(|round| round.best_s)
            .fold(f64::INFINITY, f64::min),
    })
}

/// Runs `command`, echoing its output with `--verbose`, and collects its `bench` lines.
fn measure(step: &str, mut command: Command, verbose: bool, results: &mut Results) -> Result<()> {
    if verbose {
        println!("==> {step}: {}", display(&command));
    }
    let text = output(step, &mut command)?;
    if verbose {
        print!("{text}");
    }
    parse_bench_lines(&text, results)
}

/// Builds the benchmark binaries in release mode; returns their directory.
fn build_benches() -> Result<PathBuf> {
    run(
        "build lt-benches",
        cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "lt-benches",
            "--bins",
        ]),
    )?;
    Ok(target_dir().join("release"))
}

fn bench_data() -> Result<PathBuf> {
    let dir = target_dir().join("bench-data");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A table row: what, our value, the anchor's value, and the bar on their ratio if any.
struct Row {
    what: String,
    ours: Option<f64>,
    anchor: Option<f64>,
    bar: Option<f64>,
    note: &'static str,
}

fn print_table(anchor_name: &str, rows: &[Row]) {
    println!(
        "{:<46} {:>12} {:>12} {:>8}  bar",
        "what", "ours", anchor_name, "ratio"
    );
    for row in rows {
        let value = |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), format_value);
        let ratio = match (row.ours, row.anchor) {
            (Some(ours), Some(anchor)) if anchor > 0.0 => Some(ours / anchor),
            _ => None,
        };
        let bar = match (row.bar, ratio) {
            (Some(bar), Some(ratio)) if ratio >= bar => format!("≥ {bar}×: met"),
            (Some(bar), Some(_)) => format!("≥ {bar}×: NOT MET"),
            (Some(bar), None) => format!("≥ {bar}×"),
            (None, _) => String::new(),
        };
        println!(
            "{:<46} {:>12} {:>12} {:>8}  {bar}{}",
            row.what,
            value(row.ours),
            value(row.anchor),
            ratio.map_or_else(|| "–".to_owned(), |ratio| format!("{ratio:.2}×")),
            row.note
        );
    }
}

pub(crate) fn format_value(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn parse_options(args: &[String]) -> Result<(usize, bool)> {
    let mut rounds = 3;
    let mut verbose = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                let value = args.next().context("--rounds needs a number")?;
                rounds = value.parse().with_context(|| format!("--rounds {value}"))?;
                if rounds == 0 {
                    bail!("--rounds must be at least 1");
                }
            }
            "--verbose" | "-v" => verbose = true,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    Ok((rounds, verbose))
}

pub(crate) fn main(args: &[String]) -> Result<()> {
    let Some(name) = args.first() else {
        bail!("which benchmark?\n{USAGE}");
    };
    if matches!(name.as_str(), "-h" | "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    if name == "swarm" {
        return crate::bench_swarm::main(&args[1..]);
    }
    if name == "seed" {
        return crate::bench_seed::main(&args[1..]);
    }
    let (rounds, verbose) = parse_options(&args[1..])?;
    match name.as_str() {
        "bdecode" => bdecode(rounds, verbose),
        "hash" => hash(rounds, verbose),
        "picker" => picker(rounds, verbose),
        "create" => run_bench_binary("create", &["--rounds", &rounds.to_string()]),
        "storage" => run_bench_binary("storage", &["--rounds", &rounds.to_string()]),
        "wire" => run_bench_binary("wire", &[]),
        "all" => {
            bdecode(rounds, verbose)?;
            println!();
            hash(rounds, verbose)
        }
        other => bail!("unknown benchmark `{other}`\n{USAGE}"),
    }
}

// ---------------------------------------------------------------------------------------------
// bdecode

const BIG_ITERATIONS: usize = 30;
const MESSAGE_ITERATIONS: usize = 100;
const TORRENT_INFO_ITERATIONS: usize = 1;

/// Checks for g++, pkg-config and libtorrent's headers; returns libtorrent's version.
fn anchor_toolchain() -> Result<String> {
    let mut missing = Vec::new();
    if !on_path("g++") {
        missing.push("g++");
    }
    if !on_path("pkg-config") {
        missing.push("pkg-config");
    }
    if missing.is_empty()
        && !succeeds(&mut command(
            "pkg-config",
            ["--exists", "libtorrent-rasterbar"],
        ))
    {
        missing.push("libtorrent-rasterbar (pkg-config module)");
    }
    if !missing.is_empty() {
        bail!(
            "the libtorrent anchor cannot be built: missing {}.\n\
             Install it with: apt-get install libtorrent-rasterbar-dev pkg-config g++ \
             (or `cargo xtask test`, which installs all test dependencies)",
            missing.join(", ")
        );
    }
    let version = output(
        "pkg-config",
        &mut command("pkg-config", ["--modversion", "libtorrent-rasterbar"]),
    )?;
    Ok(version.trim().to_owned())
}

/// Compiles the C++ anchor unless the binary is up to date with its source and flags.
fn build_anchor(data: &Path) -> Result<PathBuf> {
    let source = root().join("benches/anchors/bdecode_anchor.cpp");
    let binary = data.join("bdecode_anchor");
    let flags = output(
        "pkg-config",
        &mut command("pkg-config", ["--cflags", "--libs", "libtorrent-rasterbar"]),
    )?;
    let mut compile = command("g++", ["-O2", "-std=c++17"]);
    compile.arg(&source).arg("-o").arg(&binary);
    compile.args(flags.split_whitespace());
    let line = display(&compile);
    let stamp = data.join("bdecode_anchor.cmd");
    let modified = |path: &Path| fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let fresh = match (modified(&source), modified(&binary)) {
        (Some(source_time), Some(binary_time)) => {
            binary_time >= source_time && fs::read_to_string(&stamp).is_ok_and(|old| old == line)
        }
        _ => false,
    };
    if !fresh {
        run("build libtorrent anchor", &mut compile)?;
        fs::write(&stamp, &line)?;
    }
    Ok(binary)
}

fn bdecode(rounds: usize, verbose: bool) -> Result<()> {
    let version = anchor_toolchain()?;
    let bin = build_benches()?;
    let data = bench_data()?;
    let big = data.join("big.torrent");
    let messages = data.join("dht-messages.bin");
    run(
        "generate big.torrent",
        command(&path_arg(&bin.join("gen_big_torrent")), [path_arg(&big)]).current_dir(root()),
    )?;
    run(
        "generate DHT messages",
        command(
            &path_arg(&bin.join("gen_dht_messages")),
            [path_arg(&messages)],
        )
        .current_dir(root()),
    )?;
    let anchor = build_anchor(&data)?;

    let mut ours = Results::new();
    let mut theirs = Results::new();
    for round in 1..=rounds {
        println!("==> round {round}/{rounds}: lt, then libtorrent {version}");
        let mut ours_command = command(&path_arg(&bin.join("bdecode")), [path_arg(&big)]);
        ours_command.args([
            BIG_ITERATIONS.to_string(),
            "--messages".to_owned(),
            path_arg(&messages),
            "--msg-iters".to_owned(),
            MESSAGE_ITERATIONS.to_string(),
        ]);
        measure("lt bdecode", ours_command, verbose, &mut ours)?;
        let anchor_command = command(
            &path_arg(&anchor),
            [
                path_arg(&big),
                BIG_ITERATIONS.to_string(),
                path_arg(&messages),
                MESSAGE_ITERATIONS.to_string(),
                TORRENT_INFO_ITERATIONS.to_string(),
            ],
        );
        measure("libtorrent anchor", anchor_command, verbose, &mut theirs)?;
    }

    let big_bytes = combined(&theirs, "bdecode_big").map_or(0.0, |m| m.bytes);
    let message_count = combined(&theirs, "bdecode_msgs_reused").map_or(0.0, |m| m.items);
    let message_bytes = combined(&theirs, "bdecode_msgs_reused").map_or(0.0, |m| m.bytes);
    println!();
    println!(
        "bdecode, lt vs libtorrent {version}: wall clock, median of {rounds} round(s) × \
         {BIG_ITERATIONS} iterations (big file) / {MESSAGE_ITERATIONS} (messages); token limit \
         10,000,000"
    );
    println!(
        "big.torrent: {:.2} MB, 100,000 files; messages: {message_count:.0} DHT responses, \
         {:.0} bytes each on average",
        big_bytes / 1e6,
        message_bytes / message_count.max(1.0)
    );
    let mb = |results: &Results, name: &str| combined(results, name).map(|m| m.mb_per_s());
    let mmsgs =
        |results: &Results, name: &str| combined(results, name).map(|m| m.items_per_s() / 1e6);
    let rows = [
        Row {
            what: "bdecode big.torrent, MB/s".to_owned(),
            ours: mb(&ours, "bdecode_big"),
            anchor: mb(&theirs, "bdecode_big"),
            bar: Some(1.5),
            note: "",
        },
        Row {
            what: "bdecode messages, reused decoder, MB/s".to_owned(),
            ours: mb(&ours, "bdecode_msgs_reused"),
            anchor: mb(&theirs, "bdecode_msgs_reused"),
            bar: None,
            note: "",
        },
        Row {
            what: "  same, million messages/s".to_owned(),
            ours: mmsgs(&ours, "bdecode_msgs_reused"),
            anchor: mmsgs(&theirs, "bdecode_msgs_reused"),
            bar: None,
            note: "",
        },
        Row {
            what: "bdecode messages, fresh each, MB/s".to_owned(),
            ours: mb(&ours, "bdecode_msgs_fresh"),
            anchor: mb(&theirs, "bdecode_msgs_fresh"),
            bar: None,
            note: "",
        },
        Row {
            what: "  same, million messages/s".to_owned(),
            ours: mmsgs(&ours, "bdecode_msgs_fresh"),
            anchor: mmsgs(&theirs, "bdecode_msgs_fresh"),
            bar: None,
            note: "",
        },
        Row {
            what: "load big.torrent into TorrentInfo, MB/s".to_owned(),
            ours: mb(&ours, "torrent_info"),
            anchor: mb(&theirs, "torrent_info"),
            bar: Some(20.0),
            note: if ours.contains_key("torrent_info") {
                ""
            } else {
                " (lt has no TorrentInfo yet)"
            },
        },
    ];
    print_table("libtorrent", &rows);
    if let Some(load) = combined(&theirs, "torrent_info") {
        println!("libtorrent torrent_info: {:.3} s per load", load.median_s);
    }
    println!(
        "reused decoder: lt_bencode::Decoder vs lt::bdecode(start, end, node&, …) into one \
         bdecode_node; fresh: lt_bencode::bdecode_with vs lt::bdecode(span, …) per message"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// hash

/// How long each `openssl speed` run lasts.
const OPENSSL_SECONDS: u32 = 2;
/// The block size whose column of `openssl speed`'s table is compared.
const OPENSSL_BLOCK: u64 = 16384;

/// One `openssl speed` run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OpensslSpeed {
    /// The table's figure: bytes per second of user CPU time.
    cpu_bytes_per_s: f64,
    /// Operations completed while the run's wall-clock alarm was set.
    operations: Option<f64>,
}

/// Parses `openssl speed -bytes 16384 -evp ALGORITHM` output (stdout and stderr together).
fn parse_openssl(text: &str, algorithm: &str) -> Result<OpensslSpeed> {
    let mut column = None;
    let mut cpu_bytes_per_s = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"type") {
            // `type  16 bytes  64 bytes  …`: find which column holds OPENSSL_BLOCK.
            let sizes: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| *w != "bytes")
                .collect();
            column = sizes
                .iter()
                .position(|size| *size == OPENSSL_BLOCK.to_string());
        } else if let (Some(index), Some(first)) = (column, words.first()) {
            if first.eq_ignore_ascii_case(algorithm) {
                let value = words
                    .get(1 + index)
                    .with_context(|| format!("openssl speed row too short: {line}"))?;
                let thousands: f64 = value
                    .trim_end_matches('k')
                    .parse()
                    .with_context(|| format!("openssl speed figure `{value}`"))?;
                cpu_bytes_per_s = Some(thousands * 1000.0);
            }
        }
    }
    let operations = text.lines().find_map(|line| {
        // `Doing sha1 for 2s on 16384 size blocks: 203486 sha1's in 1.99s`
        let rest = line.strip_prefix("Doing ")?;
        let (_, after) = rest.split_once("blocks: ")?;
        after.split_whitespace().next()?.parse().ok()
    });
    let Some(cpu_bytes_per_s) = cpu_bytes_per_s else {
        bail!("no {OPENSSL_BLOCK}-byte figure for {algorithm} in openssl speed output:\n{text}");
    };
    Ok(OpensslSpeed {
        cpu_bytes_per_s,
        operations,
    })
}

fn openssl_speed(algorithm: &str) -> Result<OpensslSpeed> {
    let mut speed = command(
        "openssl",
        [
            "speed",
            "-seconds",
            &OPENSSL_SECONDS.to_string(),
            "-bytes",
            &OPENSSL_BLOCK.to_string(),
            "-evp",
            algorithm,
        ],
    );
    let line = display(&speed);
    let result = speed
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    if !result.status.success() {
        bail!(
            "`{line}` failed ({}): {}",
            result.status,
            String::from_utf8_lossy(&result.stderr)
        );
    }
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    parse_openssl(&text, algorithm)
}

/// Whether /proc/cpuinfo lists the `sha_ni` flag (`None` without /proc/cpuinfo).
fn cpu_has_sha_ni() -> Option<bool> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").ok()?;
    Some(
        cpuinfo
            .lines()
            .filter(|line| line.starts_with("flags"))
            .any(|line| line.split_whitespace().any(|flag| flag == "sha_ni")),
    )
}

fn hash(rounds: usize, verbose: bool) -> Result<()> {
    if !on_path("openssl") {
        bail!("the hash anchor needs openssl: apt-get install openssl");
    }
    let version = output("openssl version", &mut command("openssl", ["version"]))?;
    let version = version
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let bin = build_benches()?;
    let mut ours = Results::new();
    let mut openssl: BTreeMap<&str, Vec<OpensslSpeed>> = BTreeMap::new();
    for round in 1..=rounds {
        println!("==> round {round}/{rounds}: lt (1 GiB per buffer size), then {version}");
        let mut hash = command(&path_arg(&bin.join("hash")), ["--iters", "1"]);
        hash.args(["--total", &(1u64 << 30).to_string()]);
        measure("lt hash", hash, verbose, &mut ours)?;
        for algorithm in ["sha1", "sha256"] {
            let speed = openssl_speed(algorithm)?;
            if verbose {
                println!("    openssl {algorithm}: {speed:?}");
            }
            openssl.entry(algorithm).or_default().push(speed);
        }
    }

    println!();
    println!(
        "hashing, one thread, lt_core vs {version} `speed -evp` ({OPENSSL_BLOCK}-byte column): \
         median of {rounds} round(s); ours digests 1 GiB as independent buffers of each size"
    );
    match cpu_has_sha_ni() {
        Some(true) => println!("CPU SHA extensions (sha_ni in /proc/cpuinfo): yes"),
        Some(false) => println!("CPU SHA extensions (sha_ni in /proc/cpuinfo): no"),
        None => println!("CPU SHA extensions: unknown (no /proc/cpuinfo)"),
    }
    println!("CPU time (what openssl's table reports; other load on the machine does not count):");
    let mut cpu_rows = Vec::new();
    let mut wall_rows = Vec::new();
    for (ours_name, algorithm, title) in [
        ("sha1", "sha1", "SHA-1"),
        ("sha1pair", "sha1", "SHA-1, two at once (Sha1Pair)"),
        ("sha256", "sha256", "SHA-256"),
        ("sha256pair", "sha256", "SHA-256, two at once (Sha256Pair)"),
    ] {
        let runs = openssl.get(algorithm).map_or(&[][..], Vec::as_slice);
        let anchor_cpu = median(runs.iter().map(|run| run.cpu_bytes_per_s / 1e6));
        let anchor_wall = median(runs.iter().filter_map(|run| {
            run.operations
                .map(|ops| ops * OPENSSL_BLOCK as f64 / f64::from(OPENSSL_SECONDS) / 1e6)
        }));
        for (label, size) in [
            ("1m", "1 MiB"),
            ("256k", "256 KiB"),
            ("64k", "64 KiB"),
            ("16k", "16 KiB"),
        ] {
            let name = format!("{ours_name}_{label}");
            cpu_rows.push(Row {
                what: format!("{title}, {size} buffers, MB/s"),
                ours: combined(&ours, &format!("{name}_cpu")).map(|m| m.mb_per_s()),
                anchor: Some(anchor_cpu).filter(|value| value.is_finite()),
                bar: None,
                note: "",
            });
            wall_rows.push(Row {
                what: format!("{title}, {size} buffers, MB/s"),
                ours: combined(&ours, &name).map(|m| m.mb_per_s()),
                anchor: Some(anchor_wall).filter(|value| value.is_finite()),
                bar: None,
                note: "",
            });
        }
    }
    print_table("openssl", &cpu_rows);
    println!("wall clock (openssl: operations × {OPENSSL_BLOCK} B / {OPENSSL_SECONDS} s):");
    print_table("openssl", &wall_rows);
    if let Some(sha1) = openssl.get("sha1") {
        let limit = 2.0 * median(sha1.iter().map(|run| run.cpu_bytes_per_s / 1e6));
        println!(
            "recheck bar (DESIGN.md): ≥ 0.8 × 2 × single-core openssl sha1 = {:.0} MB/s \
             (measured by a recheck benchmark, not here)",
            0.8 * limit
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// picker

/// Piece counts of the picker benchmark: the headline torrent first, then the scaling table.
const PICKER_PIECES: [u32; 4] = [200_000, 10_000, 100_000, 1_000_000];

/// `figure NAME key=value …` lines: the last value seen per name and key.
type Figures = BTreeMap<String, BTreeMap<String, f64>>;

/// Adds every `figure …` line of `text` to `figures`.
fn parse_figure_lines(text: &str, figures: &mut Figures) -> Result<()> {
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("figure") {
            continue;
        }
        let name = words.next().context("figure line without a name")?;
        let entry = figures.entry(name.to_owned()).or_default();
        for word in words {
            if let Some((key, value)) = word.split_once('=') {
                let value = value
                    .parse()
                    .with_context(|| format!("`{line}`: {key} is not a number"))?;
                entry.insert(key.to_owned(), value);
            }
        }
    }
    Ok(())
}

fn picker(rounds: usize, verbose: bool) -> Result<()> {
    let bin = build_benches()?;
    let pieces = PICKER_PIECES.map(|count| count.to_string()).join(",");
    let mut results = Results::new();
    let mut figures = Figures::new();
    for round in 1..=rounds {
        println!("==> round {round}/{rounds}: lt_picker ({pieces} pieces)");
        let mut picker = command(&path_arg(&bin.join("picker")), ["--iters", "1"]);
        picker.args(["--pieces", &pieces]);
        if verbose {
            println!("==> lt picker: {}", display(&picker));
        }
        let text = output("lt picker", &mut picker)?;
        if verbose {
            print!("{text}");
        }
        parse_bench_lines(&text, &mut results)?;
        parse_figure_lines(&text, &mut figures)?;
    }
    let per_second =
        |name: String, scale: f64| combined(&results, &name).map(|m| m.items_per_s() / scale);
    let figure = |pieces: u32, key: &str| {
        figures
            .get(&format!("picker_memory_{pieces}"))
            .and_then(|values| values.get(key))
            .copied()
    };
    let value = |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), format_value);
    let headline = PICKER_PIECES[0];
    println!();
    println!(
        "piece picker, lt_picker alone (no anchor: libtorrent's piece_picker is not exposed by \
         its Python binding): median of {rounds} round(s)"
    );
    println!(
        "{headline} pieces of 256 KiB (16 blocks), 500 peers: 1 in 20 a seed, the others random \
         bitfields of 5–95 %"
    );
    let rows = [
        (
            "availability updates, peers joining and leaving, million/s",
            per_second(format!("picker_avail_{headline}"), 1e6),
        ),
        (
            "have messages, million/s",
            per_second(format!("picker_have_{headline}"), 1e6),
        ),
        (
            "picks of 16 blocks, thousand/s",
            per_second(format!("picker_pick_{headline}"), 1e3),
        ),
        (
            "blocks picked, received, finished, passed, million/s",
            per_second(format!("picker_cycle_{headline}"), 1e6),
        ),
        (
            "memory per piece, bytes",
            figure(headline, "bytes_per_piece"),
        ),
        (
            "peer table (500 bitfields), MB",
            figure(headline, "peer_bytes").map(|bytes| bytes / 1e6),
        ),
    ];
    println!("{:<58} {:>10}", "what", "lt");
    for (what, figure) in rows {
        println!("{what:<58} {:>10}", value(figure));
    }
    println!();
    println!("scaling, 500 peers:");
    println!(
        "{:>10} {:>14} {:>12} {:>12} {:>14} {:>12}",
        "pieces", "avail upd M/s", "have M/s", "picks k/s", "cycle Mblk/s", "bytes/piece"
    );
    let mut scaling = PICKER_PIECES;
    scaling.sort_unstable();
    for pieces in scaling {
        println!(
            "{pieces:>10} {:>14} {:>12} {:>12} {:>14} {:>12}",
            value(per_second(format!("picker_avail_{pieces}"), 1e6)),
            value(per_second(format!("picker_have_{pieces}"), 1e6)),
            value(per_second(format!("picker_pick_{pieces}"), 1e3)),
            value(per_second(format!("picker_cycle_{pieces}"), 1e6)),
            value(figure(pieces, "bytes_per_piece")),
        );
    }
    println!(
        "picks: `pick(peer, 16 blocks)` calls alone; cycle: the same run timed whole, with every \
         block delivered and one peer in 1,000 picks replaced (its bitfield joins and leaves)"
    );
    Ok(())
}

/// Builds a `lt-benches` binary in release mode and runs it with `args`; it prints its own table.
fn run_bench_binary(name: &str, args: &[&str]) -> Result<()> {
    run(
        "build benchmarks",
        cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "lt-benches",
            "--bin",
            name,
        ]),
    )?;
    let binary = target_dir().join("release").join(name);
    run(
        name,
        &mut command(&path_arg(&binary), args.iter().map(|a| a.to_string())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bench_lines_and_combines_rounds() {
        let mut results = Results::new();
        let text = "noise\nbench a bytes=1000 items=2 iters=5 median_s=0.5 best_s=0.4\n  a: …\n";
        parse_bench_lines(text, &mut results).unwrap();
        parse_bench_lines(
            "bench a bytes=1000 items=2 iters=5 median_s=0.7 best_s=0.3",
            &mut results,
        )
        .unwrap();
        parse_bench_lines(
            "bench a bytes=1000 items=2 iters=5 median_s=0.1 best_s=0.1",
            &mut results,
        )
        .unwrap();
        let a = combined(&results, "a").unwrap();
        assert_eq!((a.median_s, a.best_s), (0.5, 0.1));
        assert_eq!(a.mb_per_s(), 1000.0 / 0.5 / 1e6);
        assert_eq!(a.items_per_s(), 4.0);
        assert!(combined(&results, "b").is_none());
        assert!(parse_bench_lines("bench x bytes=1", &mut results).is_err());
    }

    #[test]
    fn parses_figure_lines() {
        let mut figures = Figures::new();
        let text = "bench x bytes=0 items=1 iters=1 median_s=1 best_s=1\n\
                    figure picker_memory_10 bytes_per_piece=12.5 peer_bytes=640\n";
        parse_figure_lines(text, &mut figures).unwrap();
        assert_eq!(figures["picker_memory_10"]["bytes_per_piece"], 12.5);
        assert_eq!(figures["picker_memory_10"]["peer_bytes"], 640.0);
        assert_eq!(figures.len(), 1);
        assert!(parse_figure_lines("figure y a=b", &mut figures).is_err());
    }

    #[test]
    fn parses_openssl_speed() {
        let text = "\
Doing sha1 for 2s on 16384 size blocks: 203486 sha1's in 1.99s
version: 3.0.19
The 'numbers' are in 1000s of bytes per second processed.
type          16384 bytes
sha1           1675293.56k
";
        let speed = parse_openssl(text, "sha1").unwrap();
        assert_eq!(speed.cpu_bytes_per_s, 1_675_293_560.0);
        assert_eq!(speed.operations, Some(203_486.0));

        let full = "\
type             16 bytes     64 bytes    256 bytes   1024 bytes   8192 bytes  16384 bytes
sha256           1.00k        2.00k        3.00k        4.00k        5.00k        6.50k
";
        let speed = parse_openssl(full, "sha256").unwrap();
        assert_eq!(speed.cpu_bytes_per_s, 6500.0);
        assert_eq!(speed.operations, None);
        assert!(parse_openssl(full, "sha1").is_err());
    }
}
