//! `cargo xtask bench seed`: the swarm benchmark the other way round. libtorrent downloads the
//! same 1 GiB on 127.0.0.1 once from `lt seed` and once from a libtorrent seeder, and the two
//! seeders are compared: the download's time, and the seeder's CPU time and peak RSS. There is
//! no bar in DESIGN.md for seeding; the ratios show where lt stands.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

use anyhow::{bail, Context as _, Result};

use crate::bench::median;
use crate::bench_swarm::{fresh_dir, same_contents, setup, timed, Seeders, PAYLOAD, PAYLOAD_BYTES};
use crate::util::{command, root};

pub(crate) const USAGE: &str = "\
usage: cargo xtask bench seed [--rounds N] [--verbose]

  Seeds the swarm benchmark's 1 GiB v1 torrent (1 MiB pieces) from two seeders on 127.0.0.1:
  `target/release/lt seed` (built first) and libtorrent (benches/anchors/swarm_seed.py, a
  Python process), and has libtorrent download it from each in turn
  (benches/anchors/lt_download.py, a fresh process per download under /usr/bin/time), odd
  rounds from lt first, even rounds from libtorrent first, after one untimed warm-up download
  from each. Every download is compared with the payload byte for byte. Prints the medians
  over the rounds (default 5) of the download time and of each seeder's CPU time during it
  (from /proc/PID/stat), each seeder's peak RSS at the end (VmHWM; libtorrent's includes its
  Python interpreter), and the ratios. No bar: DESIGN.md sets none for seeding.
  Needs python3 with libtorrent and /usr/bin/time (`cargo xtask deps` installs both).";

/// Clock ticks per second of /proc/PID/stat's CPU fields (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// A seeder as this benchmark sees it: its process, and where it listens.
struct Watched {
    name: &'static str,
    pid: u32,
    addr: String,
}

impl Watched {
    /// User plus system CPU seconds the process has used so far.
    fn cpu_seconds(&self) -> Result<f64> {
        let path = format!("/proc/{}/stat", self.pid);
        let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let tick = |index: usize| -> Result<f64> {
            fields
                .get(index)
                .and_then(|field| field.parse::<f64>().ok())
                .with_context(|| format!("{path}: no CPU field {}", index + 3))
        };
        Ok((tick(11)? + tick(12)?) / TICKS_PER_SECOND)
    }

    /// Peak resident set size so far, MiB (VmHWM).
    fn peak_rss_mib(&self) -> Result<f64> {
        let path = format!("/proc/{}/status", self.pid);
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .with_context(|| format!("{path}: no VmHWM line"))?;
        Ok(kib / 1024.0)
    }
}

/// `lt seed` on an ephemeral port; killed when dropped.
struct LtSeed(Child);

impl LtSeed {
    fn start(lt: &str, torrent: &str, dir: &str) -> Result<(Self, String)> {
        let mut child = command(lt, ["seed", torrent, dir, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .context("starting lt seed")?;
        let stdout = child.stdout.take().context("no stdout from lt seed")?;
        let seed = Self(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from lt seed: `{}`", line.trim()))?
            .to_owned();
        Ok((seed, addr))
    }
}

impl Drop for LtSeed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One timed download from one seeder: seconds, and the seeder's CPU seconds meanwhile.
fn download_from(
    seeder: &Watched,
    torrent: &str,
    data_dir: &std::path::Path,
    payload: &std::path::Path,
    verbose: bool,
) -> Result<(f64, f64)> {
    let out = data_dir.join(format!("out-from-{}", seeder.name));
    fresh_dir(&out)?;
    let script = root().join("benches/anchors/lt_download.py");
    let args = vec![
        script.to_string_lossy().into_owned(),
        torrent.to_owned(),
        out.to_string_lossy().into_owned(),
        seeder.addr.clone(),
    ];
    let before = seeder.cpu_seconds()?;
    let sample = timed(
        &format!("libtorrent download from {}", seeder.name),
        "python3",
        &args,
        data_dir,
        verbose,
    )?;
    let cpu = seeder.cpu_seconds()? - before;
    if !same_contents(&out.join(PAYLOAD), payload)? {
        bail!("the download from {} differs from the payload", seeder.name);
    }
    std::fs::remove_dir_all(&out)?;
    println!(
        "    from {:<10} {:>6.2} s {:>6.0} MB/s  seeder CPU {:>5.2} s",
        seeder.name,
        sample.seconds,
        PAYLOAD_BYTES as f64 / 1e6 / sample.seconds,
        cpu
    );
    Ok((sample.seconds, cpu))
}

pub(crate) fn main(args: &[String]) -> Result<()> {
    let mut rounds = 5;
    let mut verbose = false;
    let mut words = args.iter();
    while let Some(arg) = words.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--rounds" => {
                rounds = words
                    .next()
                    .and_then(|value| value.parse().ok())
                    .filter(|&count: &usize| count > 0)
                    .context("--rounds needs a whole number of at least 1")?;
            }
            "--verbose" | "-v" => verbose = true,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    let (version, lt, data) = setup()?;
    let torrent = data.torrent.to_string_lossy().into_owned();
    let dir = data.dir.to_string_lossy().into_owned();

    println!("==> seed: starting lt seed and a libtorrent {version} seeder (each checks 1 GiB)");
    let (lt_seed, lt_addr) = LtSeed::start(&lt.to_string_lossy(), &torrent, &dir)?;
    let libtorrent_seeders = Seeders::start(1, &data)?;
    let seeders = [
        Watched {
            name: "lt",
            pid: lt_seed.0.id(),
            addr: lt_addr,
        },
        Watched {
            name: "libtorrent",
            pid: libtorrent_seeders.pid(0).context("no libtorrent seeder")?,
            addr: libtorrent_seeders.peers().remove(0),
        },
    ];
    println!(
        "    lt seeds on {}, libtorrent on {}",
        seeders[0].addr, seeders[1].addr
    );
    println!("==> warm-up: libtorrent {version} downloads once from each, untimed");
    for seeder in &seeders {
        download_from(seeder, &torrent, &data.dir, &data.payload, verbose)?;
    }
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut cpus: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for round in 1..=rounds {
        let order = if round % 2 == 1 { [0, 1] } else { [1, 0] };
        println!(
            "==> round {round}/{rounds}: from {}, then from {}",
            seeders[order[0]].name, seeders[order[1]].name
        );
        for index in order {
            let (seconds, cpu) =
                download_from(&seeders[index], &torrent, &data.dir, &data.payload, verbose)?;
            times[index].push(seconds);
            cpus[index].push(cpu);
        }
    }
    let rss = [seeders[0].peak_rss_mib()?, seeders[1].peak_rss_mib()?];
    drop(libtorrent_seeders);
    drop(lt_seed);

    let time = [
        median(times[0].iter().copied()),
        median(times[1].iter().copied()),
    ];
    let cpu = [
        median(cpus[0].iter().copied()),
        median(cpus[1].iter().copied()),
    ];
    println!();
    println!(
        "seed: libtorrent {version} downloads 1 GiB (one file, v1, 1 MiB pieces) over TCP on \
         127.0.0.1 from each seeder; median of {rounds} round(s)"
    );
    println!("what                          lt seed   libtorrent seed    ratio");
    println!(
        "download time, s             {:>8.2} {:>17.2} {:>7.2}×  (speed: libtorrent's time / ours)",
        time[0],
        time[1],
        time[1] / time[0]
    );
    println!(
        "seeder CPU per download, s   {:>8.2} {:>17.2} {:>7.2}×  (ours / libtorrent's)",
        cpu[0],
        cpu[1],
        cpu[0] / cpu[1]
    );
    println!(
        "seeder peak RSS, MiB         {:>8.1} {:>17.1} {:>7.2}×  (ours / libtorrent's, Python included)",
        rss[0],
        rss[1],
        rss[0] / rss[1]
    );
    println!("no bar: DESIGN.md sets none for seeding");
    Ok(())
}
