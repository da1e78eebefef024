//! Installs what the test suite needs from outside cargo: Debian packages for the interop peers
//! and the C++ anchor, libtorrent's Python binding from PyPI, and the rustfmt and clippy
//! components. Each is probed first, so a second run only probes.

use std::process::Command;

use anyhow::{bail, Result};

use crate::util::{cargo, command, on_path, output, run, succeeds};

/// The libtorrent Python binding the interop tests drive.
pub(crate) const PYTHON_LIBTORRENT: &str = "libtorrent==2.1.1";

/// How to tell that a Debian package's contents are there without asking dpkg.
enum Probe {
    /// An executable on `PATH`.
    Program(&'static str),
    /// A `pkg-config` module.
    PkgConfig(&'static str),
    /// A file at a fixed path (for programs a shell keyword shadows, like `time`).
    File(&'static str),
}

/// The Debian packages the suite (and `cargo xtask bench swarm`: `time`) needs, each with a
/// fallback probe.
const APT_PACKAGES: [(&str, Probe); 8] = [
    (
        "libtorrent-rasterbar-dev",
        Probe::PkgConfig("libtorrent-rasterbar"),
    ),
    ("pkg-config", Probe::Program("pkg-config")),
    ("g++", Probe::Program("g++")),
    ("opentracker", Probe::Program("opentracker")),
    ("aria2", Probe::Program("aria2c")),
    ("transmission-cli", Probe::Program("transmission-cli")),
    ("openssl", Probe::Program("openssl")),
    ("time", Probe::File("/usr/bin/time")),
];

/// What is missing.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    apt: Vec<&'static str>,
    pip: bool,
    components: Vec<&'static str>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.apt.is_empty() && !self.pip && self.components.is_empty()
    }
}

/// Whether dpkg lists `package` as installed (`dpkg -s`'s `Status: install ok installed`).
fn dpkg_installed(package: &str) -> bool {
    output("dpkg", &mut command("dpkg", ["-s", package])).is_ok_and(|text| {
        text.lines()
            .any(|line| line.trim() == "Status: install ok installed")
    })
}

fn probe(probe: &Probe) -> bool {
    match probe {
        Probe::Program(program) => on_path(program),
        Probe::PkgConfig(module) => succeeds(&mut command("pkg-config", ["--exists", module])),
        Probe::File(path) => std::path::Path::new(path).exists(),
    }
}

fn python_imports_libtorrent() -> bool {
    succeeds(&mut command("python3", ["-c", "import libtorrent"]))
}

/// Probes everything and returns what is missing.
pub(crate) fn plan() -> Plan {
    let mut plan = Plan::default();
    let have_dpkg = on_path("dpkg");
    for (package, check) in &APT_PACKAGES {
        let present = (have_dpkg && dpkg_installed(package)) || probe(check);
        if !present {
            plan.apt.push(package);
        }
    }
    if !python_imports_libtorrent() {
        plan.pip = true;
        if !on_path("python3") {
            plan.apt.push("python3");
        }
        if !succeeds(&mut command("python3", ["-m", "pip", "--version"])) {
            plan.apt.push("python3-pip");
        }
    }
    for (component, subcommand) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        if !succeeds(cargo().args([subcommand, "--version"])) {
            plan.components.push(component);
        }
    }
    plan
}

/// `apt-get ARGS`, through `sudo` unless we are root, non-interactive either way; `packages`
/// name what is being installed for the error when neither is possible.
fn apt_get(args: &[&str], packages: &[&str]) -> Result<Command> {
    let root = output("id", &mut command("id", ["-u"])).is_ok_and(|uid| uid.trim() == "0");
    let mut apt = if root {
        let mut apt = command("apt-get", args);
        apt.env("DEBIAN_FRONTEND", "noninteractive");
        apt
    } else if on_path("sudo") {
        let mut apt = command("sudo", ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        apt.args(args);
        apt
    } else {
        bail!(
            "installing Debian packages needs root or sudo; as root run: \
             apt-get update && apt-get install -y {}",
            packages.join(" ")
        );
    };
    apt.stdin(std::process::Stdio::null());
    Ok(apt)
}

fn pip_install() -> Command {
    let mut pip = command("python3", ["-m", "pip", "install", PYTHON_LIBTORRENT]);
    // Debian 12's system Python is "externally managed"; the CI machine is ours to change.
    pip.env("PIP_BREAK_SYSTEM_PACKAGES", "1");
    pip.env("PIP_ROOT_USER_ACTION", "ignore");
    pip
}

/// The commands that install what `plan` lists, in order.
fn commands(plan: &Plan) -> Result<Vec<(&'static str, Command)>> {
    let mut commands = Vec::new();
    if !plan.apt.is_empty() {
        if !on_path("apt-get") {
            bail!(
                "missing: {} — this is not a Debian-like system (no apt-get); install them by hand",
                plan.apt.join(" ")
            );
        }
        let mut install = vec!["install", "-y"];
        install.extend(&plan.apt);
        commands.push(("deps: apt-get update", apt_get(&["update"], &plan.apt)?));
        commands.push(("deps: apt-get install", apt_get(&install, &plan.apt)?));
    }
    if plan.pip {
        commands.push(("deps: pip install", pip_install()));
    }
    if !plan.components.is_empty() {
        let mut rustup = command("rustup", ["component", "add"]);
        rustup.args(&plan.components);
        commands.push(("deps: rustup component add", rustup));
    }
    Ok(commands)
}

/// Installs whatever is missing; with `dry_run`, only prints what it would run.
pub(crate) fn ensure(dry_run: bool) -> Result<()> {
    println!("==> deps: checking external test dependencies");
    let plan = plan();
    if plan.is_empty() {
        println!(
            "    all present: {}, python3 module libtorrent, rustfmt, clippy",
            APT_PACKAGES.map(|(package, _)| package).join(" ")
        );
        return Ok(());
    }
    if !plan.apt.is_empty() {
        println!("    missing Debian packages: {}", plan.apt.join(" "));
    }
    if plan.pip {
        println!("    missing python3 module libtorrent ({PYTHON_LIBTORRENT} from PyPI)");
    }
    if !plan.components.is_empty() {
        println!(
            "    missing rustup components: {}",
            plan.components.join(" ")
        );
    }
    for (step, mut command) in commands(&plan)? {
        if dry_run {
            println!("    would run: {}", crate::util::display(&command));
        } else {
            run(step, &mut command)?;
        }
    }
    if !dry_run && plan.pip && !python_imports_libtorrent() {
        bail!(
            "step 'deps: pip install' finished but `python3 -c \"import libtorrent\"` still fails; \
             try `python3 -m pip install {PYTHON_LIBTORRENT}` by hand"
        );
    }
    Ok(())
}
