//! What `lt download` and `lt seed` share: starting a session on the listen address asked
//! for, the status line, and seeding until Ctrl-C.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::Context;
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use lt_session::{Session, SessionParams, Settings, TorrentHandle, TorrentStatus};

/// How often bars and status lines move: their lock is costly.
pub(crate) const REFRESH: Duration = Duration::from_millis(250);

/// A session listening on `listen` (libtorrent's `listen_interfaces` syntax), or on
/// libtorrent's default interfaces. With an explicit `listen`, failing to bind every entry is
/// an error; the defaults may fail quietly (another client may hold port 6881).
pub(crate) fn start_session(listen: Option<&str>) -> anyhow::Result<Session> {
    let mut settings = Settings::default();
    if let Some(listen) = listen {
        settings.listen_interfaces = listen.to_owned();
    }
    let session = Session::new(SessionParams::new(settings))?;
    if listen.is_some() && session.listen_addrs().is_empty() {
        let why = session.listen_errors().join("; ");
        anyhow::bail!("{why}");
    }
    Ok(session)
}

/// Parses `HOST:PORT` peers.
pub(crate) fn resolve_peers(peers: &[String]) -> anyhow::Result<Vec<SocketAddr>> {
    let mut resolved = Vec::new();
    for peer in peers {
        let addr = peer
            .to_socket_addrs()
            .with_context(|| format!("invalid peer {peer:?} (expected HOST:PORT)"))?
            .next()
            .with_context(|| format!("peer {peer:?} resolves to no address"))?;
        resolved.push(addr);
    }
    Ok(resolved)
}

/// Prints where the session listens, one line per address (scripts read the port from it).
pub(crate) fn print_listening(session: &Session) {
    for addr in session.listen_addrs() {
        println!("listening on {addr}");
    }
}

/// The seeding status line: peers, upload rate, uploaded.
pub(crate) fn describe_seeding(status: &TorrentStatus) -> String {
    format!(
        "seeding {}: {} peer(s), {} unchoked, up {}/s, {} uploaded",
        status.name,
        status.num_peers,
        status.num_uploads,
        HumanBytes(status.upload_payload_rate),
        HumanBytes(status.total_payload_upload),
    )
}

/// Seeds `handle` with a status line until Ctrl-C, then removes the torrent (its trackers
/// hear `stopped`) and prints what was uploaded.
///
/// # Errors
/// A torrent error (a disk error, say) ends seeding with it.
pub(crate) async fn seed_until_interrupted(
    session: &Session,
    handle: &TorrentHandle,
) -> anyhow::Result<()> {
    let line = ProgressBar::new_spinner();
    line.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let status = handle.status();
        if let Some(error) = &status.error {
            line.abandon();
            anyhow::bail!("{error}");
        }
        line.set_message(describe_seeding(&status));
        line.tick();
        tokio::select! {
            _ = &mut interrupted => break,
            () = tokio::time::sleep(REFRESH) => {}
        }
    }
    line.finish_and_clear();
    stop(session, handle).await;
    // The torrent's task published its last status as it stopped.
    let status = handle.status();
    println!(
        "{}: stopped seeding, {} uploaded",
        status.name,
        HumanBytes(status.total_payload_upload)
    );
    Ok(())
}

/// Removes the torrent from the session: its files are closed and its trackers told
/// `stopped` (waiting a few seconds at most).
pub(crate) async fn stop(session: &Session, handle: &TorrentHandle) {
    // Already gone is fine: there is nothing left to stop.
    let _ = session.remove_torrent(handle, false).await;
}
