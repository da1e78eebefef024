//! Helpers for interop tests: finding and running the reference implementations.
//!
//! Every helper fails loudly, with the command that installs what is missing, when a peer is
//! not installed: an interop test never passes without talking to the real thing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a Python script that uses libtorrent's binding and returns its standard output.
///
/// # Panics
/// When `python3` or the `libtorrent` module is missing (with the install command), or when the
/// script fails.
pub fn run_libtorrent_python(script: &str, args: &[&str]) -> String {
    require_libtorrent_python();
    let output = Command::new("python3")
        .arg("-W")
        .arg("ignore::DeprecationWarning")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "python script failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// Panics with install instructions unless libtorrent's Python binding can be imported.
pub fn require_libtorrent_python() {
    let found = Command::new("python3")
        .args(["-c", "import libtorrent"])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        found,
        "libtorrent's Python binding is missing: install it with `pip install libtorrent==2.1.1` \
         (or run `cargo xtask test`, which installs it)"
    );
}

/// A fresh empty directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `<tmp>/lt-interop-<name>-<pid>-<n>`.
    pub fn new(name: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("lt-interop-{name}-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic pseudo-random bytes (splitmix64), so test data is the same on every run.
pub fn seeded_bytes(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(length + 8);
    while out.len() < length {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(length);
    out
}
