//! `cargo xtask test`: install the external dependencies, then format check, clippy, the whole
//! test suite (interop included) and the doctests.

use std::process::Command;

use anyhow::{bail, Result};

use crate::util::{cargo, display, run, succeeds};

pub(crate) const USAGE: &str = "\
usage: cargo xtask test [--no-install] [--dry-run]

Installs missing external test dependencies (apt-get: libtorrent-rasterbar-dev pkg-config g++
opentracker aria2 transmission-cli openssl; pip: libtorrent==2.1.1; rustup: rustfmt clippy),
then runs, stopping at the first failure:
  cargo fmt --all -- --check
  cargo clippy --workspace --all-targets -- -D warnings
  cargo nextest run --workspace   (or cargo test --workspace without cargo-nextest)
  cargo test --workspace --doc

  --no-install  skip the installation step
  --dry-run     probe and print what would be installed and run, without running it";

/// The checks and test runs, in order, each with its step name.
fn steps() -> Vec<(&'static str, Command)> {
    let mut steps = Vec::new();
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    steps.push(("fmt", fmt));
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    steps.push(("clippy", clippy));
    if succeeds(cargo().args(["nextest", "--version"])) {
        let mut nextest = cargo();
        nextest.args(["nextest", "run", "--workspace"]);
        steps.push(("tests (nextest)", nextest));
    } else {
        println!("    cargo-nextest not found; using cargo test");
        let mut test = cargo();
        test.args(["test", "--workspace"]);
        steps.push(("tests (cargo test)", test));
    }
    let mut doctests = cargo();
    doctests.args(["test", "--workspace", "--doc"]);
    steps.push(("doctests", doctests));
    steps
}

pub(crate) fn main(args: &[String]) -> Result<()> {
    let mut install = true;
    let mut dry_run = false;
    for arg in args {
        match arg.as_str() {
            "--no-install" => install = false,
            "--dry-run" => dry_run = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if install {
        crate::deps::ensure(dry_run)?;
    }
    let steps = steps();
    if dry_run {
        for (step, command) in &steps {
            println!("==> {step}: would run: {}", display(command));
        }
        return Ok(());
    }
    for (step, mut command) in steps {
        run(step, &mut command)?;
    }
    println!("xtask test: all steps passed");
    Ok(())
}
