//! `cargo xtask`: the project's automation, in Rust so that it runs wherever cargo does.
//!
//! - `cargo xtask test`: install the external test dependencies, then fmt, clippy and the whole
//!   test suite (what `.ci/run` calls).
//! - `cargo xtask deps`: only the installation step.
//! - `cargo xtask fuzz`: cargo-fuzz on the stable toolchain.
//! - `cargo xtask bench`: benchmarks against libtorrent and openssl, as ratios.

use std::process::ExitCode;

mod bench;
mod bench_seed;
mod bench_swarm;
mod deps;
mod fuzz;
mod test;
mod util;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  test [--no-install] [--dry-run]      install test dependencies, then fmt, clippy, all tests
  deps [--dry-run]                     only install the test dependencies
  fuzz <target> [--seconds N] | --list run a cargo-fuzz target (default 60 s)
  bench <bdecode|hash|create|picker|storage|wire|swarm|seed|all> [--rounds N] [--verbose]
                                       benchmarks against libtorrent and openssl

`cargo xtask <command> --help` tells more.";

fn deps(args: &[String]) -> anyhow::Result<()> {
    match args {
        [] => deps::ensure(false),
        [flag] if flag == "--dry-run" => deps::ensure(true),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("usage: cargo xtask deps [--dry-run]\n\n{}", test::USAGE);
            Ok(())
        }
        _ => anyhow::bail!("usage: cargo xtask deps [--dry-run]"),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "test" => test::main(rest),
        "deps" => deps(rest),
        "fuzz" => fuzz::main(rest),
        "bench" => bench::main(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {command}: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
