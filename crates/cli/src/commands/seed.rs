//! `lt seed TORRENT DIR [--listen ADDR] [--peer HOST:PORT]…`: check the files in DIR, then
//! serve them to peers until interrupted, with a status line.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use lt_metainfo::TorrentInfo;
use lt_session::{AddTorrentParams, TorrentState};

use super::session_ui::{
    print_listening, resolve_peers, seed_until_interrupted, start_session, REFRESH,
};

/// Options of `lt seed`.
#[derive(Debug, clap::Args)]
pub(crate) struct SeedArgs {
    /// The .torrent file.
    torrent: PathBuf,
    /// The directory the torrent's files are in (its save path).
    dir: PathBuf,
    /// Accept peers on these addresses (libtorrent's `listen_interfaces`: `IP:PORT`, comma
    /// separated, IPv6 in brackets; port 0 picks one). Default `0.0.0.0:6881,[::]:6881`.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// A peer to connect to as well (repeatable).
    #[arg(long = "peer", value_name = "HOST:PORT")]
    peers: Vec<String>,
}

pub(crate) fn run(args: &SeedArgs) -> anyhow::Result<()> {
    let info = TorrentInfo::from_file(&args.torrent)
        .with_context(|| format!("cannot load {}", args.torrent.display()))?;
    let peers = resolve_peers(&args.peers)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listen = args.listen.as_deref().unwrap_or("0.0.0.0:6881,[::]:6881");
        let session = start_session(Some(listen))?;
        let save_path = args
            .dir
            .to_str()
            .context("the directory's path is not UTF-8")?
            .to_owned();
        let handle = session.add_torrent(AddTorrentParams {
            ti: Some(Arc::new(info)),
            save_path,
            peers,
            ..AddTorrentParams::default()
        })?;
        let status = loop {
            let status = handle.status();
            if status.error.is_some() || status.state != TorrentState::CheckingFiles {
                break status;
            }
            tokio::time::sleep(REFRESH).await;
        };
        if let Some(error) = status.error {
            anyhow::bail!("{error}");
        }
        if status.num_pieces < status.total_pieces {
            eprintln!(
                "warning: {} has {} of {} pieces; seeding those",
                args.dir.display(),
                status.num_pieces,
                status.total_pieces
            );
        }
        print_listening(&session);
        seed_until_interrupted(&session, &handle).await
    })
}
