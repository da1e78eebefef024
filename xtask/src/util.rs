//! Running commands: printing them, failing with the step's name, probing for tools.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _, Result};

/// The workspace root (the directory above `xtask/`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` or `target/` under the root.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// A `cargo` command for the toolchain that runs xtask, started in the workspace root.
pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// A command from a program and arguments.
pub(crate) fn command<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// How `command` looks typed into a shell (environment settings first, then the program).
pub(crate) fn display(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={}", key.to_string_lossy(), quote(value)))
        })
        .collect();
    let program = Path::new(command.get_program());
    let program = match program.file_name() {
        // `$CARGO` is an absolute path into the toolchain; show it as people type it.
        Some(name) if name == "cargo" => OsStr::new("cargo"),
        _ => program.as_os_str(),
    };
    words.push(quote(program));
    words.extend(command.get_args().map(quote));
    let line = words.join(" ");
    match command.get_current_dir() {
        Some(dir) if dir != root() => format!("(cd {} && {line})", quote(dir.as_os_str())),
        _ => line,
    }
}

fn quote(word: &OsStr) -> String {
    let text = word.to_string_lossy();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,+@%".contains(c));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Prints `==> step: command`, runs it with inherited output, and fails naming `step` when it
/// cannot start or exits unsuccessfully.
pub(crate) fn run(step: &str, command: &mut Command) -> Result<()> {
    let line = display(command);
    println!("==> {step}: {line}");
    let status = command
        .status()
        .with_context(|| format!("step '{step}' could not start `{line}`"))?;
    if !status.success() {
        bail!("step '{step}' failed ({status}): `{line}`");
    }
    Ok(())
}

/// Runs `command` quietly and returns its standard output; fails naming `step` otherwise.
pub(crate) fn output(step: &str, command: &mut Command) -> Result<String> {
    let line = display(command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("step '{step}' could not start `{line}`"))?;
    if !output.status.success() {
        bail!(
            "step '{step}' failed ({}): `{line}`\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether `command` starts and exits successfully (its output is discarded).
pub(crate) fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether `program` is on `PATH` (what the shell's `command -v` answers).
pub(crate) fn on_path(program: &str) -> bool {
    succeeds(&mut command("sh", ["-c", &format!("command -v {program}")]))
}
