//! `cargo xtask bench swarm`: 1 GiB downloaded on 127.0.0.1 from libtorrent seeders, once by
//! `lt download` and once by libtorrent itself, each download a fresh process under
//! `/usr/bin/time`; the speed and peak-RSS ratios are held against DESIGN.md's bar (≥ 2× the
//! speed, ≤ 0.5× the peak RSS).
//!
//! The Python helpers live in `benches/anchors/`: `swarm_seed.py` (a seeder that checks the
//! data, then reports its port and answers `stats` on stdin) and `lt_download.py` (the reference
//! downloader).

use std::fs::{self, File};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::bench::{format_value, median};
use crate::util::{cargo, command, display, output, root, run, target_dir};

pub(crate) const USAGE: &str = "\
usage: cargo xtask bench swarm [--rounds N] [--seeders N] [--verbose]

  Downloads a 1 GiB single-file v1 torrent (1 MiB pieces) over TCP on 127.0.0.1 from N
  libtorrent seeders (default 1; Python processes, benches/anchors/swarm_seed.py), with
  `target/release/lt download --peer …` (built first) and with libtorrent
  (benches/anchors/lt_download.py, a fresh session per download), each a fresh process under
  `/usr/bin/time -f '%e %M %U %S'`: wall time from start to exit, peak RSS and CPU time
  (the CPU column has no bar; it shows where the time goes). One untimed libtorrent download
  warms the seeders up first (a seeder's first upload is slower); then odd rounds run lt
  first and even rounds libtorrent first, so neither always follows the other. Every file is
  compared with the payload byte for byte. With one seeder, each round ends with the ceiling:
  benches/anchors/null_download.py, a downloader that reads every block and drops it (no hash,
  no disk), timed the same way. Prints the medians over the rounds (default 5), the speed
  ratio (libtorrent's time / ours) and the peak-RSS ratio (ours / libtorrent's) against
  DESIGN.md's bar: ≥ 2× and ≤ 0.5×, then lt's speed as a share of the ceiling's and the most
  any downloader could show against libtorrent (libtorrent's time / the ceiling's).
  --verbose shows the downloaders' output.
  Needs python3 with libtorrent 2.1.1 and /usr/bin/time (`cargo xtask deps` installs both).
  Payload, torrent and download directories live in target/bench-data/swarm/.";

pub(crate) const PAYLOAD_BYTES: u64 = 1 << 30;
const PIECE_BYTES: u64 = 1 << 20;
/// The payload's file name, which is also the torrent's name.
pub(crate) const PAYLOAD: &str = "payload.bin";
const TIME: &str = "/usr/bin/time";
/// The first word of the line `/usr/bin/time -o FILE` writes for us.
const TIME_MARK: &str = "xtask-time";

#[derive(Debug, PartialEq)]
struct Options {
    rounds: usize,
    seeders: usize,
    verbose: bool,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        rounds: 5,
        seeders: 1,
        verbose: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut count = |name: &str| -> Result<usize> {
            let value = args
                .next()
                .with_context(|| format!("{name} needs a number"))?;
            match value.parse() {
                Ok(0) | Err(_) => bail!("{name} {value}: expected a whole number of at least 1"),
                Ok(count) => Ok(count),
            }
        };
        match arg.as_str() {
            "--rounds" => options.rounds = count("--rounds")?,
            "--seeders" => options.seeders = count("--seeders")?,
            "--verbose" | "-v" => options.verbose = true,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    Ok(options)
}

/// One measured download: `/usr/bin/time`'s `%e` (seconds), `%M` (peak RSS, KiB), and `%U` +
/// `%S` (user and system CPU seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub(crate) seconds: f64,
    maxrss_kib: f64,
    cpu_seconds: f64,
}

/// Reads the `xtask-time %e %M %U %S` line of a `/usr/bin/time -o` file (which may also hold
/// "Command exited with non-zero status N" or "Command terminated by signal N").
fn parse_time_output(text: &str) -> Result<Sample> {
    let line = text
        .lines()
        .rev()
        .find(|line| line.starts_with(TIME_MARK))
        .with_context(|| format!("no `{TIME_MARK}` line in /usr/bin/time's output:\n{text}"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let [_, seconds, maxrss_kib, user, system] = words[..] else {
        bail!("`{line}`: expected `{TIME_MARK} SECONDS KIB USER_S SYSTEM_S`");
    };
    let number = |word: &str| -> Result<f64> {
        word.parse()
            .with_context(|| format!("`{line}`: `{word}` is not a number"))
    };
    Ok(Sample {
        seconds: number(seconds)?,
        maxrss_kib: number(maxrss_kib)?,
        cpu_seconds: number(user)? + number(system)?,
    })
}

/// Runs `program args` under `/usr/bin/time`; fails naming `step` when it fails.
pub(crate) fn timed(
    step: &str,
    program: &str,
    args: &[String],
    data: &Path,
    verbose: bool,
) -> Result<Sample> {
    let report = data.join("time.txt");
    let _ = fs::remove_file(&report);
    let mut time = command(TIME, ["-o".as_ref(), report.as_os_str()]);
    time.args(["-f", &format!("{TIME_MARK} %e %M %U %S"), program]);
    time.args(args);
    if verbose {
        println!("==> {step}: {}", display(&time));
    }
    let text = output(step, &mut time)?;
    if verbose {
        print!("{text}");
    }
    let report =
        fs::read_to_string(&report).with_context(|| format!("reading {}", report.display()))?;
    parse_time_output(&report)
}

/// The payload, its torrent and where the downloads go.
pub(crate) struct Data {
    pub(crate) dir: PathBuf,
    pub(crate) payload: PathBuf,
    pub(crate) torrent: PathBuf,
}

/// Writes `PAYLOAD_BYTES` of seeded random bytes (SplitMix64) to `path`.
fn write_payload(path: &Path) -> Result<()> {
    let mut state = 0x6c74_2d73_7761_726d_u64;
    let mut buffer = vec![0u8; 1 << 20];
    let mut file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    for _ in 0..PAYLOAD_BYTES / buffer.len() as u64 {
        for chunk in buffer.chunks_exact_mut(8) {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut mixed = state;
            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            chunk.copy_from_slice(&(mixed ^ (mixed >> 31)).to_le_bytes());
        }
        file.write_all(&buffer)?;
    }
    Ok(())
}

/// Makes the payload and its v1 torrent (with `lt create`) unless both are already there.
fn prepare(lt: &Path) -> Result<Data> {
    let dir = target_dir().join("bench-data/swarm");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let payload = dir.join(PAYLOAD);
    let torrent = dir.join("payload.torrent");
    let modified = |path: &Path| fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let cached = fs::metadata(&payload).is_ok_and(|meta| meta.len() == PAYLOAD_BYTES)
        && matches!((modified(&payload), modified(&torrent)), (Some(p), Some(t)) if t >= p);
    if !cached {
        println!(
            "==> swarm: writing a 1 GiB random payload to {}",
            payload.display()
        );
        let _ = fs::remove_file(&torrent);
        let part = dir.join("payload.part");
        write_payload(&part)?;
        fs::rename(&part, &payload)?;
        let part = dir.join("payload.torrent.part");
        run(
            "swarm: lt create",
            command(
                &lt.to_string_lossy(),
                ["create".as_ref(), payload.as_os_str()],
            )
            .arg("-o")
            .arg(&part)
            .args(["--v1", "--piece-size", &PIECE_BYTES.to_string(), "--quiet"])
            .stdout(Stdio::null()),
        )?;
        fs::rename(&part, &torrent)?;
    }
    Ok(Data {
        dir,
        payload,
        torrent,
    })
}

/// Whether `a` and `b` hold the same bytes.
pub(crate) fn same_contents(a: &Path, b: &Path) -> Result<bool> {
    let open =
        |path: &Path| File::open(path).with_context(|| format!("opening {}", path.display()));
    let (mut a, mut b) = (open(a)?, open(b)?);
    if a.metadata()?.len() != b.metadata()?.len() {
        return Ok(false);
    }
    let (mut left, mut right) = (vec![0u8; 4 << 20], vec![0u8; 4 << 20]);
    loop {
        let read = a.read(&mut left)?;
        if read == 0 {
            return Ok(true);
        }
        b.read_exact(&mut right[..read])?;
        if left[..read] != right[..read] {
            return Ok(false);
        }
    }
}

/// A libtorrent seeder process (`swarm_seed.py`).
struct Seeder {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Seeder {
    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("a libtorrent seeder exited (its error is above)");
        }
        Ok(line.trim().to_owned())
    }

    /// Payload bytes this seeder has sent since it started.
    fn uploaded(&mut self) -> Result<u64> {
        let stdin = self.stdin.as_mut().context("seeder's stdin is closed")?;
        stdin.write_all(b"stats\n")?;
        stdin.flush()?;
        let line = self.line()?;
        line.strip_prefix("uploaded=")
            .and_then(|bytes| bytes.parse().ok())
            .with_context(|| format!("seeder answered `{line}` to `stats`"))
    }
}

/// The seeders; dropping them closes their stdin, which ends them (killed after 10 s).
pub(crate) struct Seeders(Vec<Seeder>);

impl Seeders {
    pub(crate) fn start(count: usize, data: &Data) -> Result<Self> {
        let script = root().join("benches/anchors/swarm_seed.py");
        let mut seeders = Self(Vec::new());
        for _ in 0..count {
            let mut child = command("python3", [script.as_os_str(), data.torrent.as_os_str()])
                .arg(&data.dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .context("starting python3 benches/anchors/swarm_seed.py")?;
            let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
            seeders.0.push(Seeder {
                child,
                stdin,
                stdout: BufReader::new(stdout.context("no seeder stdout")?),
                port: 0,
            });
        }
        // They check the data in parallel; each then reports its port.
        for seeder in &mut seeders.0 {
            let line = seeder.line()?;
            seeder.port = line
                .strip_prefix("seeding port=")
                .and_then(|port| port.parse().ok())
                .with_context(|| format!("unexpected first line from a seeder: `{line}`"))?;
        }
        Ok(seeders)
    }

    pub(crate) fn peers(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|seeder| format!("127.0.0.1:{}", seeder.port))
            .collect()
    }

    fn uploaded(&mut self) -> Result<Vec<u64>> {
        self.0.iter_mut().map(Seeder::uploaded).collect()
    }

    /// The process id of seeder `index`.
    pub(crate) fn pid(&self, index: usize) -> Option<u32> {
        self.0.get(index).map(|seeder| seeder.child.id())
    }
}

impl Drop for Seeders {
    fn drop(&mut self) {
        for seeder in &mut self.0 {
            seeder.stdin = None;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for seeder in &mut self.0 {
            while matches!(seeder.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(seeder.child.try_wait(), Ok(None)) {
                let _ = seeder.child.kill();
                let _ = seeder.child.wait();
            }
        }
    }
}

fn python_libtorrent_version() -> Result<String> {
    let version = output(
        "python3 -c 'import libtorrent'",
        &mut command(
            "python3",
            [
                "-W",
                "ignore",
                "-c",
                "import libtorrent; print(libtorrent.__version__)",
            ],
        ),
    )
    .context("the swarm bench needs libtorrent's Python binding (`cargo xtask deps`)")?;
    Ok(version.trim().trim_end_matches(".0").to_owned())
}

/// Empties `dir` (and creates it).
pub(crate) fn fresh_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(error).with_context(|| format!("removing {}", dir.display()))
        }
        _ => {}
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// One of the downloaders measured; the value indexes the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Downloader {
    Lt = 0,
    Libtorrent = 1,
    /// `null_download.py`: reads every block from one seeder and drops it (the ceiling).
    Null = 2,
}

impl Downloader {
    fn name(self) -> &'static str {
        match self {
            Self::Lt => "lt",
            Self::Libtorrent => "libtorrent",
            Self::Null => "ceiling",
        }
    }
}

/// What a timed download needs: the programs, the torrent and the seeders' addresses.
struct Runner {
    lt_download: String,
    null_download: String,
    torrent: String,
    lt: String,
    peers: Vec<String>,
    verbose: bool,
}

impl Runner {
    /// Downloads the payload with `downloader` into a fresh directory under `/usr/bin/time`,
    /// checks it byte for byte (the ceiling keeps nothing to check), removes it and prints one
    /// line.
    fn download(
        &self,
        downloader: Downloader,
        data: &Data,
        seeders: &mut Seeders,
    ) -> Result<Sample> {
        let name = downloader.name();
        let out = data.dir.join(format!("out-{name}"));
        fresh_dir(&out)?;
        let out_arg = out.to_string_lossy().into_owned();
        let (program, args) = match downloader {
            Downloader::Lt => {
                let mut args = vec!["download".to_owned(), self.torrent.clone(), "-o".to_owned()];
                args.push(out_arg);
                for peer in &self.peers {
                    args.extend(["--peer".to_owned(), peer.clone()]);
                }
                (self.lt.as_str(), args)
            }
            Downloader::Libtorrent => {
                let mut args = vec![self.lt_download.clone(), self.torrent.clone(), out_arg];
                args.extend(self.peers.iter().cloned());
                ("python3", args)
            }
            Downloader::Null => {
                let mut args = vec![self.null_download.clone(), self.torrent.clone()];
                args.extend(self.peers.first().cloned());
                ("python3", args)
            }
        };
        let before = seeders.uploaded()?;
        let sample = timed(
            &format!("{name} download"),
            program,
            &args,
            &data.dir,
            self.verbose,
        )?;
        let sent: Vec<String> = seeders
            .uploaded()?
            .iter()
            .zip(&before)
            .map(|(after, before)| format!("{:.0}", (after - before) as f64 / 1e6))
            .collect();
        let file = out.join(PAYLOAD);
        let discarded = downloader == Downloader::Null;
        if !discarded && !same_contents(&file, &data.payload)? {
            bail!(
                "{name}'s download {} differs from {} (kept)",
                file.display(),
                data.payload.display()
            );
        }
        fs::remove_dir_all(&out)?;
        println!(
            "    {name:<10} {:>6.2} s {:>6.0} MB/s  peak RSS {:>6.1} MiB  CPU {:>5.2} s  \
             {}  seeders sent {} MB",
            sample.seconds,
            PAYLOAD_BYTES as f64 / 1e6 / sample.seconds,
            sample.maxrss_kib / 1024.0,
            sample.cpu_seconds,
            if discarded { "discarded" } else { "identical" },
            sent.join(" + ")
        );
        Ok(sample)
    }
}

/// What both loopback benchmarks need first: `/usr/bin/time` there, libtorrent's version (its
/// Python binding there), `lt` built in release, and the payload and its torrent.
pub(crate) fn setup() -> Result<(String, PathBuf, Data)> {
    if !Path::new(TIME).exists() {
        bail!("{TIME} is missing: apt-get install time (or `cargo xtask deps`)");
    }
    let version = python_libtorrent_version()?;
    run(
        "build lt",
        cargo().args(["build", "--release", "--quiet", "--bin", "lt"]),
    )?;
    let lt = target_dir().join("release/lt");
    let data = prepare(&lt)?;
    Ok((version, lt, data))
}

pub(crate) fn main(args: &[String]) -> Result<()> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse_options(args)?;
    let (version, lt, data) = setup()?;
    let Options {
        rounds,
        seeders: seeder_count,
        verbose,
    } = options;
    println!("==> swarm: starting {seeder_count} libtorrent {version} seeder(s) (checking 1 GiB)");
    let mut seeders = Seeders::start(seeder_count, &data)?;
    let peers = seeders.peers();
    println!("    seeding on {}", peers.join(", "));

    let runner = Runner {
        lt_download: root()
            .join("benches/anchors/lt_download.py")
            .to_string_lossy()
            .into_owned(),
        null_download: root()
            .join("benches/anchors/null_download.py")
            .to_string_lossy()
            .into_owned(),
        torrent: data.torrent.to_string_lossy().into_owned(),
        lt: lt.to_string_lossy().into_owned(),
        peers,
        verbose,
    };
    println!("==> warm-up: libtorrent {version} downloads once, untimed (the seeder's first upload is slower)");
    runner.download(Downloader::Libtorrent, &data, &mut seeders)?;
    let mut samples: [Vec<Sample>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for round in 1..=rounds {
        // Odd rounds start with lt, even ones with libtorrent: neither always follows the other.
        let order = if round % 2 == 1 {
            [Downloader::Lt, Downloader::Libtorrent]
        } else {
            [Downloader::Libtorrent, Downloader::Lt]
        };
        println!(
            "==> round {round}/{rounds}: {}, then {}{}",
            order[0].name(),
            order[1].name(),
            if seeder_count == 1 {
                ", then the ceiling"
            } else {
                ""
            }
        );
        for downloader in order {
            let sample = runner.download(downloader, &data, &mut seeders)?;
            samples[downloader as usize].push(sample);
        }
        // The ceiling talks to one seeder only.
        if seeder_count == 1 {
            let sample = runner.download(Downloader::Null, &data, &mut seeders)?;
            samples[Downloader::Null as usize].push(sample);
        }
    }
    drop(seeders);

    let mb = PAYLOAD_BYTES as f64 / 1e6;

    let column = |index: usize, value: fn(&Sample) -> f64| median(samples[index].iter().map(value));
    let seconds = |index: usize| column(index, |sample| sample.seconds);
    let rss = |index: usize| column(index, |sample| sample.maxrss_kib / 1024.0);
    let cpu = |index: usize| column(index, |sample| sample.cpu_seconds);
    let verdict = |met: bool| if met { "met" } else { "NOT MET" };
    let speed = seconds(1) / seconds(0);
    let memory = rss(0) / rss(1);
    println!();
    println!(
        "swarm: 1 GiB, one file, v1, 1 MiB pieces, over TCP on 127.0.0.1 from {seeder_count} \
         libtorrent {version} seeder(s); each download a fresh process, timed from start to exit; \
         median of {rounds} round(s)"
    );
    println!(
        "{:<24} {:>10} {:>12} {:>8}  bar",
        "what", "lt", "libtorrent", "ratio"
    );
    let rows = [
        ("time, s", seconds(0), seconds(1), String::new()),
        (
            "speed, MB/s",
            mb / seconds(0),
            mb / seconds(1),
            format!("≥ 2×: {}", verdict(speed >= 2.0)),
        ),
        (
            "peak RSS, MiB",
            rss(0),
            rss(1),
            format!("≤ 0.5×: {}", verdict(memory <= 0.5)),
        ),
        ("CPU, user + system, s", cpu(0), cpu(1), String::new()),
    ];
    for (what, ours, theirs, bar) in rows {
        println!(
            "{what:<24} {:>10} {:>12} {:>7.2}×  {bar}",
            format_value(ours),
            format_value(theirs),
            ours / theirs,
        );
    }
    println!("ratio: lt / libtorrent (speed: libtorrent's time / ours)");
    if !samples[Downloader::Null as usize].is_empty() {
        let ceiling = seconds(Downloader::Null as usize);
        println!(
            "ceiling: a downloader that only reads and drops the data (null_download.py) takes \
             {ceiling:.2} s ({:.0} MB/s): lt runs at {:.0} % of it, and no downloader could show \
             more than {:.2}× libtorrent's speed from this seeder here",
            mb / ceiling,
            100.0 * ceiling / seconds(0),
            seconds(1) / ceiling
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parses_options() {
        let defaults = Options {
            rounds: 5,
            seeders: 1,
            verbose: false,
        };
        assert_eq!(parse_options(&[]).unwrap(), defaults);
        let options = parse_options(&strings(&["--seeders", "2", "--rounds", "1", "-v"])).unwrap();
        assert_eq!(
            options,
            Options {
                rounds: 1,
                seeders: 2,
                verbose: true
            }
        );
        for bad in [
            &["--rounds"][..],
            &["--rounds", "0"],
            &["--seeders", "x"],
            &["--what"],
        ] {
            assert!(parse_options(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_time_output() {
        let sample = parse_time_output("xtask-time 4.21 20480 1.50 0.75\n").unwrap();
        assert_eq!(
            sample,
            Sample {
                seconds: 4.21,
                maxrss_kib: 20480.0,
                cpu_seconds: 2.25,
            }
        );
        let failed = "Command exited with non-zero status 2\nxtask-time 0.05 3120 0.01 0.00\n";
        assert_eq!(parse_time_output(failed).unwrap().maxrss_kib, 3120.0);
        assert!(parse_time_output("").is_err());
        assert!(parse_time_output("xtask-time 1.0 20480 0.1\n").is_err());
        assert!(parse_time_output("xtask-time 1.0 lots 0.1 0.1\n").is_err());
    }

    #[test]
    fn compares_contents() {
        let dir = std::env::temp_dir().join(format!("xtask-swarm-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        let long: Vec<u8> = (0..(5u32 << 20)).map(|i| i as u8).collect();
        fs::write(&a, &long).unwrap();
        fs::write(&b, &long).unwrap();
        let mut changed = long.clone();
        *changed.last_mut().unwrap() ^= 1;
        fs::write(&c, &changed).unwrap();
        assert!(same_contents(&a, &b).unwrap());
        assert!(!same_contents(&a, &c).unwrap());
        fs::write(&c, &long[..100]).unwrap();
        assert!(!same_contents(&a, &c).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }
}
