//! Nothing lost: `lt download --resume-dir` is killed with SIGKILL mid-download (from a
//! rate-limited libtorrent 2.1.1 seeder on 127.0.0.1). Every piece its resume data claims must
//! be intact on disk; a second run from that resume data must not download those pieces again
//! and must end byte-identical.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lt_interop::{compare_files, lt_binary, make_test_torrent, start_libtorrent_seed, TempDir};
use lt_metainfo::{read_resume_data, LoadTorrentLimits, TorrentKind};
use lt_storage::{check_pieces, CheckOptions, StorageParams, TorrentStorage};

const FILES: &[(&str, usize)] = &[("big.bin", 6 * 1024 * 1024 + 4321), ("small.txt", 999)];
const PIECE: u32 = 64 * 1024;

/// The pieces `resume` claims, or `None` while there is no resume file.
fn claimed(resume: &Path) -> Option<lt_core::Bitfield> {
    let bytes = std::fs::read(resume).ok()?;
    let params = read_resume_data(&bytes, &LoadTorrentLimits::default()).ok()?;
    Some(params.have_pieces)
}

/// "1.25 MiB" style sizes (indicatif's HumanBytes) in bytes, give or take the rounding.
fn parse_human_bytes(text: &str) -> Option<f64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number * scale)
}

#[test]
fn sigkill_mid_download_loses_nothing() {
    let dir = TempDir::new("resume-kill");
    let seed_dir = dir.path().join("seed");
    let torrent = make_test_torrent(&seed_dir, FILES, 41, TorrentKind::V1, PIECE, &[]);
    let total_pieces = torrent.info.num_pieces() as usize;
    let (libtorrent, port) = start_libtorrent_seed(&torrent.path, &seed_dir, 1_500_000);
    let peer = format!("127.0.0.1:{port}");

    let lt = lt_binary();
    let out = dir.path().join("out");
    let resume_dir = dir.path().join("resume");
    let resume_file = resume_dir.join(format!("{}.resume", torrent.info.info_hashes().get_best()));
    let args = |cmd: &mut Command| {
        cmd.args(["download", &torrent.path, "-o"])
            .arg(&out)
            .args(["--peer", &peer, "--resume-dir"])
            .arg(&resume_dir);
    };
    let mut first = Command::new(&lt);
    args(&mut first);
    let mut child = first
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lt download");
    // Kill it once its resume data claims a fifth of the pieces, well before the end.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let count = claimed(&resume_file).map_or(0, |have| have.count_ones());
        if count >= total_pieces / 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no resume data with pieces in 30 s"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "lt download ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    // Every piece the resume data claims is on disk and passes its hash check.
    let have = claimed(&resume_file).expect("resume data survives the kill");
    let claimed_count = have.count_ones();
    assert!(
        claimed_count < total_pieces,
        "the download was not interrupted"
    );
    let storage = TorrentStorage::new(Arc::new(torrent.info.clone()), StorageParams::new(&out))
        .expect("open the files");
    let options = CheckOptions {
        threads: 0,
        progress: None,
        cancel: None,
    };
    let on_disk = check_pieces(&storage, &options).expect("check");
    for piece in have.iter_ones().take_while(|&piece| piece < total_pieces) {
        assert!(
            on_disk.get(piece),
            "piece {piece} is claimed but not intact"
        );
    }

    // A second run downloads only what the resume data does not claim.
    let mut second = Command::new(&lt);
    args(&mut second);
    let output = second.output().expect("run lt download again");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let downloaded = stdout
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(" downloaded"))
        .and_then(|(size, _)| parse_human_bytes(size))
        .unwrap_or_else(|| panic!("no download size in {stdout:?}"));
    let missing = (total_pieces - claimed_count) as f64 * f64::from(PIECE);
    assert!(
        downloaded <= missing + 16_384.0,
        "{downloaded} bytes downloaded for {} missing pieces ({claimed_count} claimed): {stdout}",
        total_pieces - claimed_count
    );
    compare_files(&torrent.payload, &out.join("payload"), FILES).expect("byte-identical");
    drop(libtorrent);
}
