//! `lt tracker announce URL INFOHASH [--port P] [--event E] [--json]` and
//! `lt tracker scrape URL INFOHASH [--json]`.

use std::io::Write;
use std::time::Duration;

use anyhow::{anyhow, Context};
use clap::{Args, Subcommand};
use lt_core::{PeerId, Sha1Hash, Sha256Hash};
use lt_tracker::{
    driver, AnnounceRequest, AnnounceResponse, Event, ScrapeResponse, TrackerError,
    TrackerSettings, UdpTrackerConfig,
};
use serde_json::{json, Value};

use crate::exit::Reported;

/// What `lt tracker` does.
#[derive(Debug, Subcommand)]
pub(crate) enum TrackerCommand {
    /// Announce to an http://, https:// or udp:// tracker and print its answer: interval, seeders,
    /// leechers and peers.
    ///
    /// The announce says 16384 bytes are left (libtorrent's value for a torrent whose size is
    /// not known), so the tracker treats us as a leecher. SSRF mitigation is off: the URL is
    /// the one you typed, not one from a torrent file.
    Announce(AnnounceArgs),
    /// Ask an http://, https:// or udp:// tracker for a torrent's seeders, leechers and downloads.
    Scrape(ScrapeArgs),
}

/// `lt tracker announce`.
#[derive(Debug, Args)]
pub(crate) struct AnnounceArgs {
    /// The tracker's announce URL.
    url: String,
    /// The torrent's info-hash: 40 hex digits (v1), or 64 (v2, sent truncated to 20 bytes).
    info_hash: String,
    /// The port to announce as ours.
    #[arg(long, default_value_t = 6881)]
    port: u16,
    /// The event: none, started, completed, stopped or paused.
    #[arg(long, default_value = "started")]
    event: Event,
    /// How many peers to ask for.
    #[arg(long, default_value_t = 200)]
    num_want: i32,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// `lt tracker scrape`.
#[derive(Debug, Args)]
pub(crate) struct ScrapeArgs {
    /// The tracker's announce URL (the scrape URL is derived from it).
    url: String,
    /// The torrent's info-hash (40 or 64 hex digits).
    info_hash: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs a `lt tracker` subcommand.
pub(crate) fn run(command: &TrackerCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let settings = settings();
    match command {
        TrackerCommand::Announce(args) => {
            let info_hash = parse_info_hash(&args.info_hash)?;
            let mut request = AnnounceRequest::new(info_hash, PeerId::generate(), args.port);
            request.event = args.event;
            request.num_want = args.num_want;
            request.left = 16384;
            request.key = random_key();
            let result = runtime.block_on(driver::announce(&args.url, &request, &settings));
            report(result, args.json, announce_json, write_announce)
        }
        TrackerCommand::Scrape(args) => {
            let info_hash = parse_info_hash(&args.info_hash)?;
            let result = runtime.block_on(driver::scrape(&args.url, info_hash, &settings));
            report(result, args.json, scrape_json, write_scrape)
        }
    }
}

/// libtorrent's defaults, except: no SSRF mitigation (the user typed the URL) and UDP retries
/// of 5, 10 and 20 s, so a dead UDP tracker is given up on after 35 s rather than hours.
fn settings() -> TrackerSettings {
    TrackerSettings {
        ssrf_mitigation: false,
        udp: UdpTrackerConfig {
            initial_timeout: Duration::from_secs(5),
            max_retransmits: 2,
            ..UdpTrackerConfig::default()
        },
        ..TrackerSettings::default()
    }
}

fn parse_info_hash(text: &str) -> anyhow::Result<Sha1Hash> {
    let parsed = match text.len() {
        40 => text.parse::<Sha1Hash>(),
        64 => text.parse::<Sha256Hash>().map(|hash| hash.truncated()),
        _ => {
            return Err(anyhow!(
                "invalid info-hash {text:?}: expected 40 hex digits (v1) or 64 (v2)"
            ))
        }
    };
    parsed.with_context(|| format!("invalid info-hash {text:?}"))
}

/// A tracker key from std's per-process random hasher keys.
fn random_key() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let hasher = std::collections::hash_map::RandomState::new().build_hasher();
    (hasher.finish() >> 32) as u32
}

/// Prints the answer, or the error: as JSON (`{"ok":false,…}` on standard output, exit 2) or as
/// one `error: …` line.
fn report<T>(
    result: Result<T, TrackerError>,
    as_json: bool,
    to_json: fn(&T) -> Value,
    write_text: fn(&mut dyn Write, &T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match result {
        Ok(answer) if as_json => {
            let mut value = to_json(&answer);
            if let Some(object) = value.as_object_mut() {
                object.insert("ok".into(), Value::Bool(true));
            }
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        }
        Ok(answer) => write_text(&mut out, &answer)?,
        Err(error) if as_json => {
            let value = json!({
                "ok": false,
                "error": error.code_name(),
                "message": error.to_string(),
                "tracker_message": error.tracker_message(),
            });
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
            out.flush()?;
            return Err(Reported.into());
        }
        Err(error) => return Err(anyhow!(error)),
    }
    out.flush()?;
    Ok(())
}

fn peer_strings(response: &AnnounceResponse) -> Vec<String> {
    let ip_peers = response.peer_addrs().map(|addr| addr.to_string());
    let host_peers = response
        .peers
        .iter()
        .filter(|peer| peer.hostname.parse::<std::net::IpAddr>().is_err())
        .map(|peer| format!("{}:{}", peer.hostname, peer.port));
    ip_peers.chain(host_peers).collect()
}

/// `interval`, `min_interval` (seconds), `complete`, `incomplete`, `downloaded` (null when the
/// tracker did not say), `warning`, `tracker_id`, `external_ip` and `peers` (`"ip:port"`).
fn announce_json(response: &AnnounceResponse) -> Value {
    json!({
        "interval": response.interval.as_secs(),
        "min_interval": response.min_interval.as_secs(),
        "complete": response.complete,
        "incomplete": response.incomplete,
        "downloaded": response.downloaded,
        "warning": response.warning_message,
        "tracker_id": response.tracker_id.as_deref().map(String::from_utf8_lossy),
        "external_ip": response.external_ip.map(|ip| ip.to_string()),
        "peers": peer_strings(response),
    })
}

fn figure(value: Option<u32>) -> String {
    value.map_or_else(|| "?".to_owned(), |value| value.to_string())
}

fn write_announce(out: &mut dyn Write, response: &AnnounceResponse) -> std::io::Result<()> {
    writeln!(
        out,
        "interval: {} s (min {} s)",
        response.interval.as_secs(),
        response.min_interval.as_secs()
    )?;
    writeln!(
        out,
        "seeders: {}  leechers: {}  downloaded: {}",
        figure(response.complete),
        figure(response.incomplete),
        figure(response.downloaded)
    )?;
    if let Some(warning) = &response.warning_message {
        writeln!(out, "warning: {warning}")?;
    }
    if let Some(ip) = response.external_ip {
        writeln!(out, "external ip: {ip}")?;
    }
    let peers = peer_strings(response);
    writeln!(out, "peers: {}", peers.len())?;
    for peer in peers {
        writeln!(out, "  {peer}")?;
    }
    Ok(())
}

/// `complete`, `incomplete`, `downloaded`, `downloaders` (null when unknown).
fn scrape_json(response: &ScrapeResponse) -> Value {
    json!({
        "complete": response.complete,
        "incomplete": response.incomplete,
        "downloaded": response.downloaded,
        "downloaders": response.downloaders,
    })
}

fn write_scrape(out: &mut dyn Write, response: &ScrapeResponse) -> std::io::Result<()> {
    writeln!(
        out,
        "seeders: {}  leechers: {}  downloaded: {}",
        figure(response.complete),
        figure(response.incomplete),
        figure(response.downloaded)
    )
}
