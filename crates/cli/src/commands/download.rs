//! `lt download TORRENT -o DIR [--peer HOST:PORT]… [--listen ADDR] [--seed-after]`: download
//! a torrent with a progress bar, and exit once every piece is verified and written (or keep
//! seeding with `--seed-after`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressStyle};
use lt_metainfo::TorrentInfo;
use lt_session::{AddTorrentParams, TorrentState, TorrentStatus};

use super::resume_file::ResumeFile;
use super::session_ui::{
    print_listening, resolve_peers, seed_until_interrupted, start_session, stop, REFRESH,
};

/// Options of `lt download`.
#[derive(Debug, clap::Args)]
pub(crate) struct DownloadArgs {
    /// The .torrent file.
    torrent: PathBuf,
    /// The directory the torrent's files go under (its save path).
    #[arg(short, long)]
    output: PathBuf,
    /// A peer to download from (repeatable), besides those the torrent's trackers return. There
    /// is no DHT yet.
    #[arg(long = "peer", value_name = "HOST:PORT")]
    peers: Vec<String>,
    /// Accept peers on these addresses (libtorrent's `listen_interfaces`: `IP:PORT`, comma
    /// separated, IPv6 in brackets; port 0 picks one). Default: `0.0.0.0:6881,[::]:6881` when
    /// free.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Keep seeding after the download finished, until interrupted (Ctrl-C).
    #[arg(long)]
    seed_after: bool,
    /// Keep resume data in this directory (`<info-hash>.resume`, libtorrent's format, written
    /// atomically as pieces pass): a later run with the same directory starts where this one
    /// stopped, even after a crash, without re-reading the files.
    #[arg(long, value_name = "DIR")]
    resume_dir: Option<PathBuf>,
    /// Do not use the DHT. lt has no DHT yet, so this changes nothing; it is accepted so that
    /// scripts written for the full client run.
    #[arg(long)]
    no_dht: bool,
    /// Give up when no payload arrived for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    stall_timeout: u64,
}

/// How long no peer may be connected or connecting before giving up.
const NO_PEERS_GRACE: Duration = Duration::from_secs(1);

pub(crate) fn run(args: &DownloadArgs) -> anyhow::Result<()> {
    let info = TorrentInfo::from_file(&args.torrent)
        .with_context(|| format!("cannot load {}", args.torrent.display()))?;
    let peers = resolve_peers(&args.peers)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(download(args, info, peers))
}

async fn download(
    args: &DownloadArgs,
    info: TorrentInfo,
    peers: Vec<SocketAddr>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let session = start_session(args.listen.as_deref())?;
    if args.listen.is_some() || args.seed_after {
        print_listening(&session);
    }
    let save_path = args
        .output
        .to_str()
        .context("the output directory's path is not UTF-8")?
        .to_owned();
    let has_trackers = !info.trackers().is_empty();
    let mut resume = args
        .resume_dir
        .as_deref()
        .map(|dir| ResumeFile::new(dir, &info))
        .transpose()?;
    let mut params = match &resume {
        Some(file) => file.load()?,
        None => AddTorrentParams::default(),
    };
    params.ti = Some(Arc::new(info));
    params.save_path = save_path;
    params.peers.clone_from(&peers);
    let handle = session.add_torrent(params)?;

    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {percent:>3}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last_payload = (0u64, Instant::now());
    let mut no_peers_since: Option<Instant> = None;
    let status = loop {
        let status = handle.status();
        bar.set_position((f64::from(status.progress) * 1000.0) as u64);
        bar.set_message(describe(&status));
        if let Some(error) = &status.error {
            bar.abandon();
            anyhow::bail!("{error}");
        }
        if status.is_finished() {
            break status;
        }
        if status.state == TorrentState::Downloading {
            if peers.is_empty() && args.listen.is_none() && !has_trackers {
                bar.abandon();
                anyhow::bail!(
                    "no peers to download from: the torrent has no trackers; give --peer \
                     HOST:PORT (DHT is not supported yet)"
                );
            }
            // With trackers, peers come and go: only the stall timeout gives up. Once every
            // piece is in, the seed may close (both sides seed): that is no failure.
            let all_in = status.total_done >= status.total_wanted;
            if status.num_peers + status.num_connecting == 0 && !has_trackers && !all_in {
                let since = *no_peers_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= NO_PEERS_GRACE {
                    bar.abandon();
                    let last = status
                        .last_peer_error
                        .as_deref()
                        .unwrap_or("no reason given");
                    anyhow::bail!("every peer failed or disconnected (last: {last})");
                }
            } else {
                no_peers_since = None;
            }
            if status.total_payload_download != last_payload.0 {
                last_payload = (status.total_payload_download, Instant::now());
            } else if last_payload.1.elapsed() >= Duration::from_secs(args.stall_timeout) {
                bar.abandon();
                anyhow::bail!(
                    "no data received for {} s from {} peer(s)",
                    args.stall_timeout,
                    status.num_peers
                );
            }
        }
        if let Some(file) = &mut resume {
            file.save_if_due(&handle, &status).await?;
        }
        // Redraw every REFRESH, or at once when the torrent finishes or fails.
        tokio::select! {
            () = tokio::time::sleep(REFRESH) => {}
            _ = handle.wait_finished() => {}
        }
    };
    bar.finish_and_clear();
    if let Some(file) = &mut resume {
        file.save(&handle, &status).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let downloaded = status.total_payload_download;
    println!(
        "{}: {} pieces verified, {} ({} downloaded in {:.1} s, {}/s), {} hash failure(s)",
        status.name,
        status.total_pieces,
        HumanBytes(status.total_wanted),
        HumanBytes(downloaded),
        seconds,
        HumanBytes((downloaded as f64 / seconds.max(1e-3)) as u64),
        status.num_hash_failures,
    );
    if args.seed_after {
        seed_until_interrupted(&session, &handle).await?;
    } else {
        stop(&session, &handle).await;
    }
    Ok(())
}

/// The bar's message: state, bytes, download and upload rates, peers, ETA.
fn describe(status: &TorrentStatus) -> String {
    match status.state {
        TorrentState::CheckingFiles => "checking files".to_owned(),
        _ => {
            let left = status.total_wanted.saturating_sub(status.total_done);
            let eta = match status.download_payload_rate {
                0 => "-".to_owned(),
                rate => HumanDuration(Duration::from_secs(left / rate)).to_string(),
            };
            format!(
                "{}/{} down {}/s up {}/s, {} peer(s), eta {eta}",
                HumanBytes(status.total_done),
                HumanBytes(status.total_wanted),
                HumanBytes(status.download_payload_rate),
                HumanBytes(status.upload_payload_rate),
                status.num_peers,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_both_rates_peers_and_eta() {
        let mut status = TorrentStatus::default();
        status.state = TorrentState::Downloading;
        status.total_done = 1 << 20;
        status.total_wanted = 3 << 20;
        status.download_payload_rate = 1 << 20;
        status.upload_payload_rate = 2048;
        status.num_peers = 3;
        let line = describe(&status);
        assert!(line.contains("down 1.00 MiB/s"), "{line}");
        assert!(line.contains("up 2.00 KiB/s"), "{line}");
        assert!(line.contains("3 peer(s)"), "{line}");
        assert!(line.contains("eta 2 seconds"), "{line}");
    }
}
