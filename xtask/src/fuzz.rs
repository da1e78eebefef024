//! `cargo xtask fuzz`: cargo-fuzz on the stable toolchain, with corpora seeded from the test
//! fixtures.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::util::{cargo, root, run, succeeds};

pub(crate) const USAGE: &str = "\
usage: cargo xtask fuzz <target> [--seconds N] [-- <libFuzzer flags>]
       cargo xtask fuzz --list

Runs `cargo fuzz run <target> -- -max_total_time=N` (default 60 s) in fuzz/ with
RUSTC_BOOTSTRAP=1, installing cargo-fuzz first if it is missing. The corpora of `bdecode` and
`bdecode_serde` and `torrent` are seeded with the .torrent files under tests/fixtures/libtorrent-torrents and
the `input` strings of tests/fixtures/bdecode-vectors.json.";

/// Targets whose input is arbitrary bencoding.
const BENCODE_TARGETS: [&str; 3] = ["bdecode", "bdecode_serde", "torrent"];

/// `cargo fuzz …` in fuzz/, allowed to use nightly flags on a stable toolchain.
fn cargo_fuzz() -> Command {
    let mut command = cargo();
    command.current_dir(root().join("fuzz"));
    command.env("RUSTC_BOOTSTRAP", "1");
    command.arg("fuzz");
    command
}

fn ensure_cargo_fuzz() -> Result<()> {
    if !root().join("fuzz/Cargo.toml").is_file() {
        bail!("fuzz/Cargo.toml does not exist yet: there are no fuzz targets to run");
    }
    if !succeeds(cargo().args(["fuzz", "--version"])) {
        run(
            "install cargo-fuzz",
            cargo().args(["install", "cargo-fuzz", "--locked"]),
        )?;
    }
    Ok(())
}

/// Every `*.torrent` below `dir`.
fn torrents(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            torrents(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "torrent")
        {
            found.push(path);
        }
    }
    Ok(())
}

/// A file name made of the safe characters of `name`.
fn file_name(prefix: &str, name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{cleaned}")
}

/// Writes the seed inputs for a bencode target into `corpus`; returns how many.
fn seed_bencode(corpus: &Path) -> Result<usize> {
    let fixtures = root().join("tests/fixtures");
    fs::create_dir_all(corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let mut count = 0;

    let torrent_dir = fixtures.join("libtorrent-torrents");
    let mut found = Vec::new();
    torrents(&torrent_dir, &mut found)?;
    for path in found {
        let relative = path.strip_prefix(&torrent_dir).unwrap_or(&path);
        let name = file_name("torrent", &relative.to_string_lossy());
        fs::copy(&path, corpus.join(name))
            .with_context(|| format!("copying {}", path.display()))?;
        count += 1;
    }

    let vectors_path = fixtures.join("bdecode-vectors.json");
    let text = fs::read_to_string(&vectors_path)
        .with_context(|| format!("reading {}", vectors_path.display()))?;
    let vectors: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", vectors_path.display()))?;
    let cases = vectors["cases"].as_array().map_or(&[][..], Vec::as_slice);
    for (index, case) in cases.iter().enumerate() {
        if let Some(input) = case["input"].as_str() {
            let name = case["name"].as_str().unwrap_or("case");
            let name = file_name(&format!("vector{index:03}"), name);
            fs::write(corpus.join(name), input.as_bytes())?;
            count += 1;
        }
    }
    Ok(count)
}

pub(crate) fn main(args: &[String]) -> Result<()> {
    let mut target = None;
    let mut seconds: u64 = 60;
    let mut list = false;
    let mut extra: Vec<String> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--seconds" => {
                let value = args.next().context("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .with_context(|| format!("--seconds {value}: not a number"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--" => extra.extend(args.by_ref().cloned()),
            flag if flag.starts_with('-') => bail!("unknown flag `{flag}`\n{USAGE}"),
            name if target.is_none() => target = Some(name.to_owned()),
            other => bail!("unexpected argument `{other}`\n{USAGE}"),
        }
    }

    if list {
        ensure_cargo_fuzz()?;
        return run("fuzz list", cargo_fuzz().arg("list"));
    }
    let Some(target) = target else {
        bail!("no fuzz target given\n{USAGE}");
    };
    ensure_cargo_fuzz()?;
    if BENCODE_TARGETS.contains(&target.as_str()) {
        let corpus = root().join("fuzz/corpus").join(&target);
        let count = seed_bencode(&corpus)?;
        println!(
            "==> seeded {} with {count} inputs from tests/fixtures",
            corpus.display()
        );
    }
    let mut command = cargo_fuzz();
    command.args(["run", &target, "--", &format!("-max_total_time={seconds}")]);
    command.args(&extra);
    run(&format!("fuzz {target}"), &mut command)
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            super::file_name("torrent", "bench/a b.torrent"),
            "torrent-bench_a_b.torrent"
        );
    }

    #[test]
    fn seeding_writes_torrents_and_vectors() {
        let corpus = std::env::temp_dir().join(format!("xtask-seed-{}", std::process::id()));
        let count = super::seed_bencode(&corpus).unwrap();
        let written = std::fs::read_dir(&corpus).unwrap().count();
        std::fs::remove_dir_all(&corpus).unwrap();
        assert_eq!(count, written);
        assert!(count > 100, "{count}");
    }
}
