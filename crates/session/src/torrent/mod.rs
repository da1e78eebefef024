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
mod buffers;
mod checking;
mod choking;
mod connection;
mod control;
mod peers;
mod pex;
mod pieces;
mod queue_size;
mod reconnect;
mod resume;
mod stats;
mod trust;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Duration;

use lt_alerts::{AlertError, AlertKind};
use lt_core::{PeerId, PieceIndex};
use lt_metainfo::{AddTorrentParams, TorrentFlags, TorrentInfo};
use lt_picker::{Geometry, PeerKey, Picker, PickerConfig};
use lt_storage::{PieceVerifier, StorageError, ThreadPoolDiskIo, TorrentStorage};
use lt_wire::PieceGeometry;
use tokio::sync::{mpsc, oneshot, watch};

use self::alerts::AlertSink;
use self::announce::{Announced, Trackers};
use self::checking::Checked;
use self::choking::ChokeTimers;
use self::connection::PeerMessage;
use self::control::ControlEvent;
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
    /// Pause (peers closed, trackers told).
    Pause,
    /// Resume after a pause.
    Resume,
    /// Check every piece again.
    ForceRecheck,
    /// Announce to the trackers now.
    ForceReannounce,
    /// Set every file's priority.
    SetFilePriorities(Vec<u8>),
    /// Set one piece's priority.
    SetPiecePriority(PieceIndex, u8),
    /// Answer with the file priorities.
    FilePriorities(oneshot::Sender<Vec<u8>>),
    /// Answer with the bytes had per file.
    FileProgress(oneshot::Sender<Vec<u64>>),
    /// Answer with the peers.
    PeerInfo(oneshot::Sender<Vec<crate::peer_info::PeerInfo>>),
    /// Move the files to a new save path.
    MoveStorage(PathBuf, lt_storage::MoveFlags),
    /// Rename a file.
    RenameFile(lt_core::FileIndex, String),
    /// Flush written blocks.
    FlushCache,
    /// Remove the torrent (deleting its files if asked); answered once done.
    Remove {
        delete_files: bool,
        done: oneshot::Sender<()>,
    },
}

impl std::fmt::Debug for TorrentCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ConnectPeer(addr) => f.debug_tuple("ConnectPeer").field(addr).finish(),
            Self::Incoming { addr, .. } => f.debug_struct("Incoming").field("addr", addr).finish(),
            Self::SaveResumeData(_) => f.write_str("SaveResumeData"),
            Self::Pause => f.write_str("Pause"),
            Self::Resume => f.write_str("Resume"),
            Self::ForceRecheck => f.write_str("ForceRecheck"),
            Self::ForceReannounce => f.write_str("ForceReannounce"),
            Self::SetFilePriorities(p) => f.debug_tuple("SetFilePriorities").field(p).finish(),
            Self::SetPiecePriority(piece, priority) => f
                .debug_tuple("SetPiecePriority")
                .field(piece)
                .field(priority)
                .finish(),
            Self::FilePriorities(_) => f.write_str("FilePriorities"),
            Self::FileProgress(_) => f.write_str("FileProgress"),
            Self::PeerInfo(_) => f.write_str("PeerInfo"),
            Self::MoveStorage(path, _) => f.debug_tuple("MoveStorage").field(path).finish(),
            Self::RenameFile(file, name) => {
                f.debug_tuple("RenameFile").field(file).field(name).finish()
            }
            Self::FlushCache => f.write_str("FlushCache"),
            Self::Remove { delete_files, .. } => f
                .debug_struct("Remove")
                .field("delete_files", delete_files)
                .finish(),
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
    let info_hashes = info.info_hashes();
    let (command_sender, commands) = mpsc::unbounded_channel();
    let (peer_sender, peer_events) = mpsc::channel(PEER_EVENT_QUEUE);
    let (disk_sender, disk_events) = mpsc::unbounded_channel();
    let (tracker_sender, tracker_events) = mpsc::unbounded_channel();
    let (control_sender, control_events) = mpsc::unbounded_channel();
    let trackers = Trackers::new(&info, params, config.listen_addr, config.tracker_key);
    let start = StartState::from_params(params, info.num_pieces());
    let metadata_source =
        (!info.is_private()).then(|| bytes::Bytes::copy_from_slice(info.info_section()));
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
        metadata_source,
        known_peers: Vec::new(),
        failcount: HashMap::new(),
        reconnects: Vec::new(),
        trust: HashMap::new(),
        piece_senders: HashMap::new(),
        banned: params.banned_peers.clone(),
        trackers,
        start,
        wanted_bytes,
        disk_blocked: false,
        buffers: buffers::PieceBuffers::default(),
        state: TorrentState::CheckingFiles,
        error: None,
        stats: Stats::default(),
        choke_timers: ChokeTimers::new(tokio::time::Instant::now().into_std()),
        peer_sender,
        disk_sender,
        tracker_sender,
        control_sender,
        // An auto-managed torrent is started by the queue (which has no limits here), so only
        // `paused` without `auto_managed` keeps it paused, as in libtorrent.
        paused: params.flags.contains(TorrentFlags::PAUSED)
            && !params.flags.contains(TorrentFlags::AUTO_MANAGED),
        status: status_sender,
        scratch: Vec::new(),
    };
    let inputs = Inputs {
        commands,
        peer_events,
        disk_events,
        tracker_events,
        control_events,
    };
    let span = tracing::info_span!(
        "torrent",
        name = %torrent.info.name(),
        info_hash = %info_hashes.get_best()
    );
    runtime.spawn(tracing::Instrument::instrument(torrent.run(inputs), span));
    Ok(TorrentHandle::new(command_sender, status, info_hashes))
}

/// The current time on tokio's clock (which `tokio::time::pause()` controls in tests).
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Everything the torrent's task waits on.
struct Inputs {
    commands: mpsc::UnboundedReceiver<TorrentCommand>,
    peer_events: mpsc::Receiver<(PeerKey, PeerMessage)>,
    disk_events: mpsc::UnboundedReceiver<DiskEvent>,
    tracker_events: mpsc::UnboundedReceiver<Announced>,
    control_events: mpsc::UnboundedReceiver<ControlEvent>,
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
    /// The info dictionary served over ut_metadata (`None` for private torrents).
    metadata_source: Option<bytes::Bytes>,
    /// Every outgoing peer address tried so far (libtorrent's peer list, simplified).
    known_peers: Vec<SocketAddr>,
    /// Consecutive failed connections by address.
    failcount: HashMap<SocketAddr, u32>,
    /// Peers to dial again, and when.
    reconnects: Vec<(std::time::Instant, SocketAddr)>,
    /// Trust points of peers by address.
    trust: HashMap<SocketAddr, i32>,
    /// Who sent blocks of each piece not yet checked.
    piece_senders: HashMap<PieceIndex, Vec<PeerKey>>,
    /// Peers never to talk to again.
    banned: Vec<SocketAddr>,
    trackers: Trackers,
    /// What the add-torrent params asked for (resume data, file priorities).
    start: StartState,
    /// Bytes of the wanted pieces.
    wanted_bytes: u64,
    /// The disk's write queue is over budget: peer events wait.
    disk_blocked: bool,
    /// Blocks of pieces not complete yet.
    buffers: buffers::PieceBuffers,
    state: TorrentState,
    error: Option<String>,
    stats: Stats,
    choke_timers: ChokeTimers,
    peer_sender: mpsc::Sender<(PeerKey, PeerMessage)>,
    disk_sender: mpsc::UnboundedSender<DiskEvent>,
    tracker_sender: mpsc::UnboundedSender<Announced>,
    control_sender: mpsc::UnboundedSender<ControlEvent>,
    /// Paused: no peers, no announces.
    paused: bool,
    status: watch::Sender<TorrentStatus>,
    /// Reused by picks.
    scratch: Vec<lt_picker::Block>,
}

impl Torrent {
    async fn run(mut self, mut inputs: Inputs) {
        self.start_check();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = inputs.commands.recv() => match command {
                    Some(TorrentCommand::Remove { delete_files, done }) => {
                        self.remove(delete_files, done);
                        break;
                    }
                    Some(command) => self.on_command(command),
                    // Every handle is gone: nobody can see this torrent any more.
                    None => break,
                },
                Some(event) = inputs.disk_events.recv() => self.on_disk_event(event),
                Some(announced) = inputs.tracker_events.recv() => self.on_announced(announced),
                Some(event) = inputs.control_events.recv() => self.on_control_event(event),
                Some((key, message)) = inputs.peer_events.recv(), if !self.disk_blocked => {
                    self.on_peer_message(key, message);
                }
                _ = tick.tick() => {
                    self.update_rates();
                    self.post_stats();
                    self.choke_tick();
                    self.announce_due();
                    self.reconnect_due();
                    self.pex_tick();
                    self.publish();
                }
            }
        }
        // Dropping the peers' command senders closes their connections.
        self.peers.clear();
        self.publish();
    }

    fn on_command(&mut self, command: TorrentCommand) {
        match command {
            TorrentCommand::ConnectPeer(addr) => self.connect_peer(addr),
            TorrentCommand::Incoming { stream, addr } => self.accept_peer(stream, addr),
            TorrentCommand::SaveResumeData(reply) => {
                let _ = reply.send(self.resume_data());
            }
            TorrentCommand::Pause => self.pause(),
            TorrentCommand::Resume => self.resume(),
            TorrentCommand::ForceRecheck => self.force_recheck(),
            TorrentCommand::ForceReannounce => self.announce_now(),
            TorrentCommand::SetFilePriorities(priorities) => self.set_file_priorities(priorities),
            TorrentCommand::SetPiecePriority(piece, priority) => {
                self.set_piece_priority(piece, priority);
            }
            TorrentCommand::FilePriorities(reply) => {
                let mut priorities = self.start.file_priorities.clone();
                priorities.resize(self.info.num_files(), 4);
                let _ = reply.send(priorities);
            }
            TorrentCommand::FileProgress(reply) => {
                let _ = reply.send(self.file_progress());
            }
            TorrentCommand::PeerInfo(reply) => {
                let _ = reply.send(self.peer_info());
            }
            TorrentCommand::MoveStorage(path, flags) => self.move_storage(path, flags),
            TorrentCommand::RenameFile(file, name) => self.rename_file(file, name),
            TorrentCommand::FlushCache => self.flush_cache(),
            // Handled by the loop, which ends with it.
            TorrentCommand::Remove { done, .. } => drop(done),
        }
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
            // Whole pieces go to the disk at once: a budget under a few pieces would stop
            // the sockets during every piece's write.
            self.config
                .settings
                .max_queued_disk_bytes
                .max(4 * u64::from(self.info.piece_length())),
        );
        self.disk = Some(Arc::new(disk));
        if checked.from_resume {
            for piece in self.restore_unfinished() {
                self.hash_from_disk(piece);
            }
        } else {
            self.start.unfinished.clear();
        }
        self.post(AlertKind::TorrentChecked {
            torrent: self.torrent_ref(),
        });
        self.set_state(TorrentState::Downloading);
        if self.picker.is_finished() {
            self.set_finished();
        }
        if !self.paused {
            for addr in std::mem::take(&mut self.waiting_peers) {
                self.connect_peer(addr);
            }
            if !self.picker.is_finished() {
                self.reconnect_known_peers();
            }
            self.start_announcing();
        }
        self.publish();
    }

    /// Every wanted piece is verified and on disk.
    fn set_finished(&mut self) {
        let state = if self.picker.num_have() == self.info.num_pieces() {
            TorrentState::Seeding
        } else {
            TorrentState::Finished
        };
        if self.state == TorrentState::Downloading && self.stats.downloaded > 0 {
            tracing::info!(downloaded = self.stats.downloaded, "finished");
            self.post(AlertKind::TorrentFinished {
                torrent: self.torrent_ref(),
            });
        }
        self.set_state(state);
        self.not_interested_in_anyone();
        self.publish();
    }

    /// Stops the torrent with `error`: every peer is disconnected.
    ///
    /// As in libtorrent the torrent is paused with its error (`torrent_paused` follows the
    /// error alerts); [`resume`](Self::resume) clears the error and checks the files again, so
    /// a fixed disk picks up where it stopped and no verified piece is lost.
    fn fail(&mut self, error: String) {
        tracing::warn!(%error, "torrent stopped");
        if self.error.is_none() {
            self.error = Some(error);
        }
        self.stop_for_error();
        self.publish();
    }
}
