//! Helpers for interop tests: finding and running the reference implementations.
//!
//! Every helper fails loudly, with the command that installs what is missing, when a peer is
//! not installed: an interop test never passes without talking to the real thing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

/// An opentracker (the Debian package) listening on 127.0.0.1, HTTP and UDP on the same free
/// port, with a whitelist of info-hashes (Debian builds it with whitelisting on). Killed when
/// dropped.
pub struct Opentracker {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Opentracker {
    /// Starts opentracker for `info_hashes` (40 hex digits each) and waits until it accepts
    /// connections.
    ///
    /// # Panics
    /// When opentracker is not installed (with the install command), or does not come up within
    /// five seconds.
    pub fn start(info_hashes: &[&str]) -> Opentracker {
        let dir = TempDir::new("opentracker");
        let mut whitelist = info_hashes.join("\n");
        whitelist.push('\n');
        std::fs::write(dir.path().join("whitelist"), whitelist).expect("write the whitelist");
        let port = free_port();
        let port_text = port.to_string();
        // opentracker chroots into -d, so the whitelist is named relative to it.
        let spawned = Command::new("opentracker")
            .args(["-i", "127.0.0.1", "-p", &port_text, "-P", &port_text])
            .args(["-w", "whitelist", "-d"])
            .arg(dir.path())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "opentracker is missing: install it with `apt-get install opentracker` \
                 (or run `cargo xtask test`, which installs it)"
            ),
            Err(error) => panic!("cannot start opentracker: {error}"),
        };
        let mut tracker = Opentracker {
            child,
            port,
            _dir: dir,
        };
        tracker.wait_until_listening();
        if let Some(first) = info_hashes.first() {
            tracker.wait_until_whitelisted(first);
        }
        tracker
    }

    /// opentracker reads its whitelist in a thread of its own, after it starts listening: wait
    /// until an announce (`stopped`, so no peer is left behind) for `info_hash` is accepted.
    fn wait_until_whitelisted(&mut self, info_hash: &str) {
        use std::io::{Read, Write};
        let escaped: String = (0..info_hash.len())
            .step_by(2)
            .map(|index| format!("%{}", &info_hash[index..index + 2]))
            .collect();
        let request = format!(
            "GET /announce?info_hash={escaped}&peer_id=-LR0100-waitwaitwait&port=1&uploaded=0\
             &downloaded=0&left=0&event=stopped&compact=1 HTTP/1.0\r\n\r\n"
        );
        // Seen under load: an accepted announce followed by refused ones for a moment, as if the
        // list were read again. Only several acceptances in a row count.
        let mut in_a_row = 0;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            let mut answer = String::new();
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.write_all(request.as_bytes());
                let mut bytes = Vec::new();
                let _ = stream.read_to_end(&mut bytes);
                answer = String::from_utf8_lossy(&bytes).into_owned();
            }
            let http_ok = answer.contains(" 200 ") && !answer.contains("failure reason");
            if http_ok && self.udp_accepts(info_hash) {
                in_a_row += 1;
                if in_a_row == 5 {
                    return;
                }
            } else {
                in_a_row = 0;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("opentracker did not accept {info_hash} from its whitelist within 10 s");
    }

    /// Whether a UDP announce (`stopped`) for `info_hash` gets a full answer rather than the
    /// short reply opentracker gives torrents off its whitelist.
    fn udp_accepts(&self, info_hash: &str) -> bool {
        use lt_tracker::internal::udp_packet;
        let Ok(hash) = info_hash.parse::<lt_core::Sha1Hash>() else {
            return false;
        };
        let Ok(socket) = std::net::UdpSocket::bind("127.0.0.1:0") else {
            return false;
        };
        let _ = socket.set_read_timeout(Some(std::time::Duration::from_millis(200)));
        let tracker = ("127.0.0.1", self.port);
        let mut packet = Vec::new();
        udp_packet::write_connect(&mut packet, 1);
        let mut answer = [0; 2048];
        if socket.send_to(&packet, tracker).is_err() {
            return false;
        }
        let Ok(length) = socket.recv(&mut answer) else {
            return false;
        };
        let Ok(connection_id) = udp_packet::read_connect_response(&answer[..length]) else {
            return false;
        };
        let peer_id = lt_core::PeerId::from_bytes(*b"-LR0100-waitwaitwait");
        let mut request = lt_tracker::AnnounceRequest::new(hash, peer_id, 1);
        request.event = lt_tracker::Event::Stopped;
        packet.clear();
        udp_packet::write_announce(&mut packet, connection_id, 2, &request, b"/announce");
        if socket.send_to(&packet, tracker).is_err() {
            return false;
        }
        socket.recv(&mut answer).is_ok_and(|length| length >= 20)
    }

    fn wait_until_listening(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("opentracker exited at start: {status}");
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!(
            "opentracker did not listen on 127.0.0.1:{} within 5 s",
            self.port
        );
    }

    /// The port it listens on (TCP and UDP).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/announce`.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}/announce", self.port)
    }

    /// `udp://127.0.0.1:PORT/announce`.
    pub fn udp_url(&self) -> String {
        format!("udp://127.0.0.1:{}/announce", self.port)
    }

    /// Waits (30 s at most) until a scrape counts at least `seeders` complete and `leechers`
    /// incomplete peers for `info_hash`: the other clients' announces have arrived.
    ///
    /// # Panics
    /// When they do not within 30 s.
    pub async fn wait_for_swarm(&self, info_hash: lt_core::Sha1Hash, seeders: u32, leechers: u32) {
        let settings = lt_tracker::TrackerSettings::default();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let scraped = lt_tracker::driver::scrape(&self.udp_url(), info_hash, &settings).await;
            if let Ok(scrape) = scraped {
                let complete = scrape.complete.unwrap_or(0);
                let incomplete = scrape.incomplete.unwrap_or(0);
                if complete >= seeders && incomplete >= leechers {
                    return;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the tracker never counted {seeders} seeder(s) and {leechers} leecher(s)"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Opentracker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that is free for both TCP and UDP on 127.0.0.1 right now, below Linux's ephemeral
/// range and chosen from the process id and a counter. opentracker binds with `SO_REUSEPORT`,
/// so two trackers given the same port would silently share it: ports from `bind(0)` repeat
/// too often for that, these do not (between tests of one process or of parallel processes).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let pid = std::process::id();
    for _ in 0..1000 {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        let offset = pid
            .wrapping_mul(131)
            .wrapping_add(counter.wrapping_mul(7919))
            % 20_000;
        let port = 10_000 + u16::try_from(offset).expect("offset below 20000");
        let tcp_free = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        let free = tcp_free && std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok();
        if free && claim_port(port, pid) {
            return port;
        }
    }
    panic!("no port free for both TCP and UDP on 127.0.0.1");
}

/// Claims `port` for this process across the test processes nextest runs in parallel: two
/// processes could otherwise pick the same free port at the same moment and start two
/// opentrackers on it (which binds with `SO_REUSEPORT`, so both would run and share the
/// datagrams). A claim is a file holding the claimer's pid; a claim by a process that is gone
/// is taken over.
fn claim_port(port: u16, pid: u32) -> bool {
    let dir = std::env::temp_dir().join("lt-interop-ports");
    if std::fs::create_dir_all(&dir).is_err() {
        return true;
    }
    let path = dir.join(port.to_string());
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                use std::io::Write;
                return file.write_all(pid.to_string().as_bytes()).is_ok();
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let owner = std::fs::read_to_string(&path).unwrap_or_default();
                // An empty file is a claim being written right now.
                let alive = owner.trim().is_empty()
                    || owner
                        .trim()
                        .parse::<u32>()
                        .is_ok_and(|owner| Path::new(&format!("/proc/{owner}")).exists());
                if alive {
                    return false;
                }
                // Its claimer is gone: take the port over.
                let _ = std::fs::remove_file(&path);
            }
            Err(_) => return true,
        }
    }
    false
}

/// A long-running Python process using libtorrent's binding: the script gets `args`, reads
/// commands from its standard input (one per line; the end of stdin should end it) and prints
/// lines the test waits for. Killed when dropped.
pub struct LibtorrentProcess {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl LibtorrentProcess {
    /// Starts `python3 -c script args…`.
    ///
    /// # Panics
    /// When `python3` or the `libtorrent` module is missing (with the install command).
    pub fn start(script: &str, args: &[&str]) -> LibtorrentProcess {
        use std::io::BufRead;
        require_libtorrent_python();
        let mut child = Command::new("python3")
            .args(["-W", "ignore::DeprecationWarning", "-c", script])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        LibtorrentProcess {
            child,
            stdin,
            lines,
        }
    }

    /// The first line printed within `timeout` for which `predicate` holds (lines before it
    /// are skipped), or `None`.
    pub fn wait_for_line(
        &self,
        predicate: impl Fn(&str) -> bool,
        timeout: std::time::Duration,
    ) -> Option<String> {
        let deadline = std::time::Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if predicate(&line) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Waits up to `timeout` for the script to exit; says whether it did. A libtorrent
    /// downloader says it is a seed before its disk threads finished writing: its files are
    /// complete once the process (and with it the session) is gone.
    pub fn wait_for_exit(&mut self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    /// Writes `line` and a newline to the script's standard input.
    ///
    /// # Panics
    /// When the script has exited.
    pub fn send_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("write to the python script");
        stdin.flush().expect("flush the python script's stdin");
    }
}

impl Drop for LibtorrentProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A torrent made for a test: its files under `root/payload`, its `.torrent` at
/// `root/payload.torrent`.
pub struct TestTorrent {
    /// The loaded torrent.
    pub info: lt_metainfo::TorrentInfo,
    /// The `.torrent` file's path.
    pub path: String,
    /// `root/payload`: the torrent's directory (save path `root`).
    pub payload: PathBuf,
}

/// Writes `files` (path under the torrent's directory, size) of [`seeded_bytes`] under
/// `root/payload` (the data depends on `seed`) and makes a torrent of them with `piece_size`
/// pieces announcing to `trackers` (one tier each, in order).
///
/// # Panics
/// On any file or creation error.
pub fn make_test_torrent(
    root: &Path,
    files: &[(&str, usize)],
    seed: u64,
    kind: lt_metainfo::TorrentKind,
    piece_size: u32,
    trackers: &[String],
) -> TestTorrent {
    let payload = root.join("payload");
    for (index, (relative, size)) in files.iter().enumerate() {
        let path = payload.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(&path, seeded_bytes(seed + index as u64, *size)).expect("write");
    }
    let mut torrent = lt_metainfo::CreateTorrent::from_path(&payload, kind, Some(piece_size))
        .expect("create the torrent");
    for (tier, url) in trackers.iter().enumerate() {
        torrent.add_tracker(url.clone(), tier as u32);
    }
    torrent.hash_pieces(|_, _| {}).expect("hash");
    let bytes = torrent.generate_bytes().expect("generate");
    let path = root.join("payload.torrent");
    std::fs::write(&path, &bytes).expect("write the .torrent");
    TestTorrent {
        info: lt_metainfo::TorrentInfo::from_bytes(&bytes).expect("our torrent loads"),
        path: path.to_str().expect("utf-8").to_owned(),
        payload,
    }
}

/// Whether every file of `files` under `a` equals the one under `b`; the first that differs.
///
/// # Errors
/// The relative path of the first file that differs or cannot be read.
pub fn compare_files(a: &Path, b: &Path, files: &[(&str, usize)]) -> Result<(), String> {
    for (relative, _) in files {
        let left = std::fs::read(a.join(relative)).map_err(|e| format!("{relative}: {e}"))?;
        let right = std::fs::read(b.join(relative)).map_err(|e| format!("{relative}: {e}"))?;
        if left != right {
            return Err(format!("{relative} differs"));
        }
    }
    Ok(())
}

/// A child process (an outside client) killed when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program args…` with its output discarded (and no proxy variables), killed when
/// dropped.
///
/// # Panics
/// When the program is not installed (naming the Debian package), or cannot start.
pub fn spawn_client(program: &str, package: &str, args: &[String], cwd: &Path) -> KillOnDrop {
    let spawned = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => KillOnDrop(child),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is missing: install it with `apt-get install {package}` \
             (or run `cargo xtask test`, which installs it)"
        ),
        Err(error) => panic!("cannot start {program}: {error}"),
    }
}

/// The `lt` binary of this workspace, built (in the test's own target directory and profile
/// directory) if it is missing or stale.
///
/// # Panics
/// When cargo cannot build it.
pub fn lt_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("a target directory")
        .to_path_buf();
    let target_dir = profile_dir
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let profile = profile_dir
        .file_name()
        .and_then(|name| name.to_str())
        .map_or("dev", |name| if name == "debug" { "dev" } else { name })
        .to_owned();
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "lt-cli",
            "--bin",
            "lt",
            "--profile",
            &profile,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build -p lt-cli failed");
    profile_dir.join("lt")
}

/// Seeds `argv[1]` (a .torrent) from save path `argv[2]` on 127.0.0.1 (TCP only, no DHT, LSD,
/// UPnP or NAT-PMP, several connections per IP, plaintext out) at most `argv[3]` bytes per
/// second (0: unlimited; loopback peers are moved into the global peer class so the limit
/// applies to them). Prints `ready PORT` once its check made it a seed, then peer alerts as
/// `alert …`. The end of stdin ends it; it never lives past 120 s.
const SEED_SCRIPT: &str = r#"
import os, sys, time, threading
import libtorrent as lt

settings = {
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    "allow_multiple_connections_per_ip": True,
    "out_enc_policy": int(lt.enc_policy.pe_disabled),
    "alert_mask": lt.alert_category.error | lt.alert_category.peer,
}
limit = int(sys.argv[3])
if limit > 0:
    settings["upload_rate_limit"] = limit
ses = lt.session(settings)
if limit > 0:
    rule = lt.ip_filter()
    rule.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
    ses.set_peer_class_filter(rule)
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(sys.argv[1])
atp.save_path = sys.argv[2]
atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
h = ses.add_torrent(atp)
deadline = time.time() + 15
while not h.status().is_seeding:
    if time.time() > deadline:
        sys.exit("libtorrent did not finish checking")
    time.sleep(0.02)
print("ready", ses.listen_port(), flush=True)

def commands():
    for line in sys.stdin:
        pass
    os._exit(0)

threading.Thread(target=commands, daemon=True).start()
stop = time.time() + 120
while time.time() < stop:
    if ses.wait_for_alert(100) is not None:
        for alert in ses.pop_alerts():
            print("alert", type(alert).__name__, alert.message(), flush=True)
"#;

/// Starts libtorrent 2.x seeding `torrent` from `save` on 127.0.0.1, at most
/// `upload_rate_limit` bytes per second (0: unlimited); returns the process (killed when
/// dropped) and its port once it is a seed.
///
/// # Panics
/// When libtorrent's binding is missing or the seeder does not get ready within 20 s.
pub fn start_libtorrent_seed(
    torrent: &str,
    save: &Path,
    upload_rate_limit: u64,
) -> (LibtorrentProcess, u16) {
    let save = save.to_str().expect("utf-8 path");
    let limit = upload_rate_limit.to_string();
    let process = LibtorrentProcess::start(SEED_SCRIPT, &[torrent, save, &limit]);
    let ready = process
        .wait_for_line(
            |line| line.starts_with("ready "),
            std::time::Duration::from_secs(20),
        )
        .expect("libtorrent did not get ready");
    let port = ready[6..].trim().parse().expect("a port");
    (process, port)
}

/// Starts an opentracker that whitelists a v1 torrent of `files` (32 KiB pieces, data from
/// `seed`, as [`make_test_torrent`] makes it) and makes that torrent under `root`, announcing
/// to the tracker's HTTP URL, or its UDP URL with `udp`.
///
/// The whitelist needs the info-hash before the URL is known; the info-hash does not depend
/// on the trackers, so a probe made without them gives it.
///
/// # Panics
/// As [`Opentracker::start`] and [`make_test_torrent`].
pub fn tracked_test_torrent(
    root: &Path,
    files: &[(&str, usize)],
    seed: u64,
    udp: bool,
) -> (Opentracker, TestTorrent) {
    let kind = lt_metainfo::TorrentKind::V1;
    let probe_dir = TempDir::new("probe");
    let probe = make_test_torrent(probe_dir.path(), files, seed, kind, 32 * 1024, &[]);
    let hash = probe.info.info_hashes().v1.expect("v1").to_string();
    let tracker = Opentracker::start(&[&hash]);
    let url = if udp {
        tracker.udp_url()
    } else {
        tracker.http_url()
    };
    let torrent = make_test_torrent(root, files, seed, kind, 32 * 1024, &[url]);
    assert_eq!(torrent.info.info_hashes(), probe.info.info_hashes());
    (tracker, torrent)
}
