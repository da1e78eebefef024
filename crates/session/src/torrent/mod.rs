//! One torrent's task: it owns the picker, the storage (behind [`DiskIo`]) and the command
//! channels of its peers, and is the only place their state changes.
//!
//! The task waits on four inputs: commands from [`TorrentHandle`]s, events from its peer tasks
//! (`peers.rs`, `connection.rs`), completions of disk jobs (`pieces.rs`, `checking.rs`) and a
//! 250 ms tick that updates rates and publishes the status (`stats.rs`). It never awaits a
//! peer: commands to peers go out with `try_send`, and disk jobs run in tasks of their own
//! that report back over a channel. While the disk's write queue is over budget it stops
//! taking peer events, so the peer tasks stop reading their sockets.

pub(crate) mod alerts;
mod announce;
mod checking;
mod choking;
mod connection;
mod peers;
mod pieces;
mod resume;
mod stats;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Duration;

use lt_alerts::{AlertError, AlertKind};
use lt_core::{PeerId, PieceIndex};
use lt_metainfo::{AddTorrentParams, TorrentInfo};
use lt_picker::{Geometry, PeerKey, Picker, PickerConfig};
use lt_storage::{PieceVerifier, StorageError, ThreadPoolDiskIo, TorrentStorage};
use lt_wire::PieceGeometry;
use tokio::sync::{mpsc, oneshot, watch};

use self::alerts::AlertSink;
use self::announce::{Announced, Trackers};
use self::checking::Checked;
use self::choking::ChokeTimers;
use self::connection::PeerMessage;
use self::peers::Peer;
use self::pieces::DiskEvent;
use self::resume::StartState;
use self::stats::Stats;
use crate::error::SessionError;
use crate::handle::TorrentHandle;
use crate::settings::Settings;
use crate::status::{TorrentState, TorrentStatus};
use crate::stream::BoxedStream;

/// How often rates are updated and the status is published.
const TICK: Duration = Duration::from_millis(250);

/// Events from peer tasks waiting for the torrent task; a full channel stops their reading.
const PEER_EVENT_QUEUE: usize = 256;

/// What a [`TorrentHandle`] asks of its torrent's task.
pub(crate) enum TorrentCommand {
    /// Connect to this peer.
    ConnectPeer(SocketAddr),
    /// Run this accepted connection (its handshake named this torrent).
    Incoming {
        stream: BoxedStream,
        addr: SocketAddr,
    },
    /// Answer with the torrent's resume data.
    SaveResumeData(oneshot::Sender<AddTorrentParams>),
}

impl std::fmt::Debug for TorrentCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ConnectPeer(addr) => f.debug_tuple("ConnectPeer").field(addr).finish(),
            Self::Incoming { addr, .. } => f.debug_struct("Incoming").field("addr", addr).finish(),
            Self::SaveResumeData(_) => f.write_str("SaveResumeData"),
        }
    }
}

/// What the session gives a torrent.
#[derive(Debug, Clone)]
pub(crate) struct TorrentConfig {
    pub(crate) settings: Arc<Settings>,
    pub(crate) peer_id: PeerId,
    pub(crate) save_path: PathBuf,
    pub(crate) picker_seed: u64,
    /// Where peers reach us (announced to trackers); `0.0.0.0:0` when not listening.
    pub(crate) listen_addr: SocketAddr,
    /// The key trackers recognise us by.
    pub(crate) tracker_key: u32,
    /// Where alerts go, and how they name the torrent.
    pub(crate) alerts: AlertSink,
}

/// Starts the task of the torrent `info` on `runtime`; it checks the files, then connects to
/// `params.peers` and announces to the trackers of `info` and `params`.
pub(crate) fn start(
    runtime: &tokio::runtime::Handle,
    info: Arc<TorrentInfo>,
    params: &AddTorrentParams,
    config: TorrentConfig,
) -> Result<TorrentHandle, SessionError> {
    if !info.is_v1() {
        return Err(SessionError::InvalidTorrent(
            "v2-only torrents are not supported yet".to_owned(),
        ));
    }
    let invalid = |error: &dyn std::fmt::Display| SessionError::InvalidTorrent(error.to_string());
    let picker_geometry =
        Geometry::new(info.total_size(), info.piece_length()).map_err(|e| invalid(&e))?;
    let wire_geometry =
        PieceGeometry::new(info.total_size(), info.piece_length()).map_err(|e| invalid(&e))?;
    let picker = Picker::new(
        picker_geometry,
        PickerConfig {
            seed: config.picker_seed,
            ..PickerConfig::default()
        },
    );
    let (command_sender, commands) = mpsc::unbounded_channel();
    let (peer_sender, peer_events) = mpsc::channel(PEER_EVENT_QUEUE);
    let (disk_sender, disk_events) = mpsc::unbounded_channel();
    let (tracker_sender, tracker_events) = mpsc::unbounded_channel();
    let trackers = Trackers::new(&info, params, config.listen_addr, config.tracker_key);
    let start = StartState::from_params(params, info.num_pieces());
    let wanted_bytes = info.total_size();
    let initial = TorrentStatus {
        name: info.name().to_owned(),
        save_path: config.save_path.clone(),
        total_pieces: info.num_pieces(),
        ..TorrentStatus::default()
    };
    let (status_sender, status) = watch::channel(initial);
    let torrent = Torrent {
        verifier: Arc::new(PieceVerifier::new(&info)),
        info,
        config,
        geometry: wire_geometry,
        picker,
        disk: None,
        checked_pieces: Arc::new(AtomicU32::new(0)),
        peers: HashMap::new(),
        next_key: 0,
        waiting_peers: params.peers.clone(),
        trackers,
        start,
        wanted_bytes,
        disk_blocked: false,
        flushing: false,
        state: TorrentState::CheckingFiles,
        error: None,
        stats: Stats::default(),
        choke_timers: ChokeTimers::new(tokio::time::Instant::now().into_std()),
        peer_sender,
        disk_sender,
        tracker_sender,
        status: status_sender,
        scratch: Vec::new(),
    };
    runtime.spawn(torrent.run(commands, peer_events, disk_events, tracker_events));
    Ok(TorrentHandle::new(command_sender, status))
}

/// The state of one torrent, owned by its task.
struct Torrent {
    info: Arc<TorrentInfo>,
    config: TorrentConfig,
    geometry: PieceGeometry,
    verifier: Arc<PieceVerifier>,
    picker: Picker,
    /// `None` until the files are checked.
    disk: Option<Arc<ThreadPoolDiskIo<TorrentStorage>>>,
    /// Pieces checked so far, while checking.
    checked_pieces: Arc<AtomicU32>,
    peers: HashMap<PeerKey, Peer>,
    next_key: u32,
    /// Peers to connect to once the files are checked.
    waiting_peers: Vec<SocketAddr>,
    trackers: Trackers,
    /// What the add-torrent params asked for (resume data, file priorities).
    start: StartState,
    /// Bytes of the wanted pieces.
    wanted_bytes: u64,
    /// The disk's write queue is over budget: peer events wait.
    disk_blocked: bool,
    /// Every wanted piece passed; the final flush is running.
    flushing: bool,
    state: TorrentState,
    error: Option<String>,
    stats: Stats,
    choke_timers: ChokeTimers,
    peer_sender: mpsc::Sender<(PeerKey, PeerMessage)>,
    disk_sender: mpsc::UnboundedSender<DiskEvent>,
    tracker_sender: mpsc::UnboundedSender<Announced>,
    status: watch::Sender<TorrentStatus>,
    /// Reused by picks.
    scratch: Vec<lt_picker::Block>,
}

impl Torrent {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<TorrentCommand>,
        mut peer_events: mpsc::Receiver<(PeerKey, PeerMessage)>,
        mut disk_events: mpsc::UnboundedReceiver<DiskEvent>,
        mut tracker_events: mpsc::UnboundedReceiver<Announced>,
    ) {
        self.start_check();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(TorrentCommand::ConnectPeer(addr)) => self.connect_peer(addr),
                    Some(TorrentCommand::Incoming { stream, addr }) => {
                        self.accept_peer(stream, addr);
                    }
                    Some(TorrentCommand::SaveResumeData(reply)) => {
                        let _ = reply.send(self.resume_data());
                    }
                    // Every handle is gone: nobody can see this torrent any more.
                    None => break,
                },
                Some(event) = disk_events.recv() => self.on_disk_event(event),
                Some(announced) = tracker_events.recv() => self.on_announced(announced),
                Some((key, message)) = peer_events.recv(), if !self.disk_blocked => {
                    self.on_peer_message(key, message);
                }
                _ = tick.tick() => {
                    self.update_rates();
                    self.choke_tick();
                    self.announce_due();
                    self.publish();
                }
            }
        }
        // Dropping the peers' command senders closes their connections.
        self.peers.clear();
    }

    /// The disk, once the files are checked.
    fn disk(&self) -> Option<&Arc<ThreadPoolDiskIo<TorrentStorage>>> {
        self.disk.as_ref()
    }

    /// The files are checked: the pieces found are had, and the peers waiting are connected.
    fn on_checked(&mut self, checked: Result<Box<Checked>, StorageError>) {
        let checked = match checked {
            Ok(checked) => checked,
            Err(error) => return self.fail_storage(&error),
        };
        if let Some((file, reason)) = checked.fastresume_rejected {
            let path = self
                .config
                .save_path
                .join(self.info.files().file_path(file));
            let message = format!("{}: {reason:?}", path.display());
            self.post(AlertKind::FastresumeRejected {
                torrent: self.torrent_ref(),
                path: Some(path),
                operation: lt_alerts::Operation::CheckResume,
                error: AlertError::new("mismatching_file_size", message),
            });
        }
        if let Err(error) = self.apply_file_priorities() {
            return self.fail(error);
        }
        self.wanted_bytes = self.wanted_bytes();
        for piece in checked.have.iter_ones() {
            let _ = self.picker.piece_passed(PieceIndex::new(piece as u32));
        }
        let disk = ThreadPoolDiskIo::new(
            checked.storage,
            self.config.settings.aio_threads,
            self.config.settings.max_queued_disk_bytes,
        );
        self.disk = Some(Arc::new(disk));
        self.post(AlertKind::TorrentChecked {
            torrent: self.torrent_ref(),
        });
        self.set_state(TorrentState::Downloading);
        if self.picker.is_finished() {
            self.set_finished();
        }
        for addr in std::mem::take(&mut self.waiting_peers) {
            self.connect_peer(addr);
        }
        self.start_announcing();
        self.publish();
    }

    /// Every wanted piece is verified and on disk.
    fn set_finished(&mut self) {
        self.flushing = false;
        let state = if self.picker.num_have() == self.info.num_pieces() {
            TorrentState::Seeding
        } else {
            TorrentState::Finished
        };
        if self.state == TorrentState::Downloading && self.stats.downloaded > 0 {
            self.post(AlertKind::TorrentFinished {
                torrent: self.torrent_ref(),
            });
        }
        self.set_state(state);
        self.not_interested_in_anyone();
        self.publish();
    }

    /// Stops the torrent with `error`: every peer is disconnected.
    fn fail(&mut self, error: String) {
        if self.error.is_none() {
            self.error = Some(error);
        }
        let keys: Vec<PeerKey> = self.peers.keys().copied().collect();
        for key in keys {
            self.drop_peer(key);
        }
        self.publish();
    }
}
