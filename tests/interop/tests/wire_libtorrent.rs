//! lt-wire against libtorrent 2.x (its Python binding) on 127.0.0.1 through the tokio driver:
//! we fetch the metadata from a libtorrent seed starting from the info-hash only (ut_metadata,
//! checked against the info-hash) and then download pieces (checked against the torrent's
//! SHA-1s), in plaintext and with libtorrent forcing RC4 encryption (`mse_connect`, then the same
//! driver over the `MseStream`); and libtorrent downloads a whole torrent from us, served from
//! memory.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lt_core::{Bitfield, PeerId, PieceIndex, Sha1Hash, BLOCK_SIZE};
use lt_interop::{seeded_bytes, LibtorrentProcess, TempDir};
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};
use lt_wire::driver::{run, Command, DriverEvent};
use lt_wire::mse::{CryptoMode, EncLevel, MseConfig};
use lt_wire::mse_stream::mse_connect;
use lt_wire::{
    Block, Handshake, MetadataAssembler, MetadataProgress, PeerConnection, PieceGeometry,
    ReservedBits, WireConfig, WireEvent,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Adds `argv[1]` (a .torrent) with save path `argv[2]`, as a seed (`argv[3]` = `seed`, waits
/// until its check makes it one) or a downloader (`download`); `argv[4]` is `plain` (outgoing
/// encryption off) or `forced` (MSE with RC4 only, both ways). Prints `ready PORT`, then
/// `pieces N` whenever its piece count changes and, as a downloader, `finished N` once it
/// seeds; peer errors and disconnects as `alert …`. `connect PORT` on stdin makes it connect
/// to us; the end of stdin ends it, and it never lives past 60 s.
const SESSION_SCRIPT: &str = r#"
import os, sys, time, threading
import libtorrent as lt

torrent, save, mode, encryption = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
settings = {
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    # Plaintext: libtorrent would open its outgoing connections with MSE first.
    "out_enc_policy": int(lt.enc_policy.pe_disabled),
    "alert_mask": lt.alert_category.error | lt.alert_category.peer,
}
if encryption == "forced":
    settings["out_enc_policy"] = int(lt.enc_policy.pe_forced)
    settings["in_enc_policy"] = int(lt.enc_policy.pe_forced)
    settings["allowed_enc_level"] = int(lt.enc_level.pe_rc4)
ses = lt.session(settings)
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(torrent)
atp.save_path = save
h = ses.add_torrent(atp)
deadline = time.time() + 15
checking = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)
while (mode == "seed" and not h.status().is_seeding) or h.status().state in checking:
    if time.time() > deadline:
        sys.exit("libtorrent did not finish checking")
    time.sleep(0.02)
print("ready", ses.listen_port(), flush=True)

def commands():
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["connect"]:
            h.connect_peer(("127.0.0.1", int(words[1])))
    os._exit(0)

threading.Thread(target=commands, daemon=True).start()
pieces, finished, stop = -1, False, time.time() + 60
while time.time() < stop:
    if ses.wait_for_alert(100) is not None:
        for alert in ses.pop_alerts():
            print("alert", type(alert).__name__, alert.message(), flush=True)
    status = h.status()
    if status.num_pieces != pieces:
        pieces = status.num_pieces
        print("pieces", pieces, flush=True)
    if mode == "download" and status.is_seeding and not finished:
        finished = True
        print("finished", status.num_pieces, flush=True)
"#;

/// Every test gives up after this long.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A torrent of one file of `length` bytes in `piece_length` pieces, made with lt-metainfo
/// under `dir`: the data, the parsed torrent and the path of the `.torrent`.
fn make_torrent(dir: &Path, length: usize, piece_length: u32) -> (Vec<u8>, TorrentInfo, String) {
    let data = seeded_bytes(u64::from(piece_length) ^ length as u64, length);
    let file = dir.join("wire.bin");
    std::fs::write(&file, &data).expect("write the data");
    let mut torrent =
        CreateTorrent::from_path(&file, TorrentKind::V1, Some(piece_length)).expect("create");
    torrent.hash_pieces(|_, _| {}).expect("hash");
    let bytes = torrent.generate_bytes().expect("generate");
    let path = dir.join("wire.torrent");
    std::fs::write(&path, &bytes).expect("write the .torrent");
    let info = TorrentInfo::from_bytes(&bytes).expect("our own torrent loads");
    (data, info, path.to_str().expect("utf-8 path").to_owned())
}

fn hello(info_hash: Sha1Hash) -> Handshake {
    Handshake {
        reserved: ReservedBits::lt_default(),
        info_hash,
        peer_id: PeerId::from_bytes(*b"-LT0100-wire-interop"),
    }
}

fn geometry_of(info: &TorrentInfo) -> PieceGeometry {
    PieceGeometry::new(info.total_size(), info.piece_length()).expect("geometry")
}

/// Starts libtorrent and waits for its listen port.
fn start_libtorrent(
    torrent: &str,
    save: &Path,
    mode: &str,
    encryption: &str,
) -> (LibtorrentProcess, u16) {
    let save = save.to_str().expect("utf-8 path");
    let process = LibtorrentProcess::start(SESSION_SCRIPT, &[torrent, save, mode, encryption]);
    let ready = process
        .wait_for_line(|line| line.starts_with("ready "), Duration::from_secs(15))
        .expect("libtorrent did not get ready");
    let port = ready[6..].trim().parse().expect("a port");
    (process, port)
}

/// Spawns the driver on `stream`; returns the command sender and the event receiver.
fn drive<S>(
    connection: PeerConnection,
    stream: S,
) -> (mpsc::Sender<Command>, mpsc::Receiver<DriverEvent>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (commands, command_receiver) = mpsc::channel(64);
    let (event_sender, events) = mpsc::channel(64);
    tokio::spawn(run(connection, stream, command_receiver, event_sender));
    (commands, events)
}

async fn command(commands: &mpsc::Sender<Command>, command: Command) {
    commands.send(command).await.expect("the driver is running");
}

/// The blocks of `piece`.
fn blocks(geometry: &PieceGeometry, piece: u32) -> Vec<Block> {
    let size = geometry.piece_size(PieceIndex::new(piece));
    (0..size.div_ceil(BLOCK_SIZE))
        .map(|index| Block {
            piece: PieceIndex::new(piece),
            offset: index * BLOCK_SIZE,
            length: (size - index * BLOCK_SIZE).min(BLOCK_SIZE),
        })
        .collect()
}

#[tokio::test]
async fn metadata_then_pieces_from_a_libtorrent_seed() {
    let dir = TempDir::new("wire-seed");
    // 1100 pieces of 16 KiB: an info dictionary of about 22 KB, two ut_metadata pieces.
    let (data, torrent, torrent_path) = make_torrent(dir.path(), 1100 * 16384 + 1234, 16384);
    let (libtorrent, port) = start_libtorrent(&torrent_path, dir.path(), "seed", "plain");
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    fetch_metadata_then_pieces(stream, &torrent, &data).await;
    drop(libtorrent);
}

#[tokio::test]
async fn metadata_then_pieces_from_a_libtorrent_seed_over_rc4() {
    let dir = TempDir::new("wire-mse-seed");
    let (data, torrent, torrent_path) = make_torrent(dir.path(), 1100 * 16384 + 1234, 16384);
    let (libtorrent, port) = start_libtorrent(&torrent_path, dir.path(), "seed", "forced");
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let config = MseConfig {
        allowed_enc_level: EncLevel::Rc4,
        ..MseConfig::default()
    };
    let stream = tokio::time::timeout(
        TEST_TIMEOUT,
        mse_connect(tcp, &config, torrent.info_hash(), [9; 32]),
    )
    .await
    .expect("the MSE handshake in time")
    .expect("libtorrent accepts our MSE handshake");
    assert_eq!(stream.mode(), CryptoMode::Rc4);
    fetch_metadata_then_pieces(stream, &torrent, &data).await;
    drop(libtorrent);
}

/// Over `stream` (already connected to a libtorrent seed of `torrent`, holding `data`): fetches
/// the metadata from the info-hash alone, then the first eight pieces and the short last one,
/// checking everything against the torrent.
async fn fetch_metadata_then_pieces<S>(stream: S, torrent: &TorrentInfo, data: &[u8])
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let info_hash = torrent.info_hash();
    let mut connection =
        PeerConnection::without_metadata(WireConfig::default(), hello(info_hash), Instant::now());
    connection.set_peer_address(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let (commands, mut events) = drive(connection, stream);

    // The first eight pieces and the short last one.
    let last = torrent.num_pieces() - 1;
    let wanted: Vec<u32> = (0..8).chain([last]).collect();
    let mut assembler = MetadataAssembler::new(info_hash);
    let mut metadata_in_flight = 0;
    let mut geometry = None;
    let (mut unchoked, mut requested) = (false, false);
    let mut received: BTreeMap<u32, BTreeMap<u32, Bytes>> = BTreeMap::new();
    let mut verified = Vec::new();
    let deadline = tokio::time::Instant::now() + TEST_TIMEOUT;
    while verified.len() < wanted.len() {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("libtorrent served everything in time")
            .expect("the driver runs until we are done");
        let DriverEvent::Wire(event) = event else {
            panic!("{event:?}");
        };
        match event {
            WireEvent::ExtensionHandshake(handshake) => {
                let size = handshake
                    .metadata_size
                    .expect("libtorrent announces metadata_size");
                assert_eq!(size, torrent.info_section().len() as u64);
                assembler.set_total_size(size).expect("under the limit");
            }
            WireEvent::MetadataPiece {
                piece,
                total_size,
                data,
            } => {
                metadata_in_flight -= 1;
                let progress = assembler.receive(piece, total_size, &data).expect("valid");
                if let MetadataProgress::Complete(info) = progress {
                    assert_eq!(Sha1Hash::digest(&info), info_hash);
                    assert_eq!(&info[..], torrent.info_section());
                    let limits = lt_metainfo::LoadTorrentLimits::default();
                    let parsed = TorrentInfo::from_info_section(&info, &limits).expect("parses");
                    let dimensions = geometry_of(&parsed);
                    geometry = Some(dimensions);
                    command(&commands, Command::SetMetadata(dimensions)).await;
                    command(&commands, Command::SetInterested(true)).await;
                }
            }
            WireEvent::MetadataRejected { piece } => panic!("libtorrent rejected {piece}"),
            // libtorrent may unchoke us before we have the metadata (or are interested).
            WireEvent::Unchoked => unchoked = true,
            WireEvent::BlockReceived { block, data: bytes } => {
                let geometry = geometry.expect("metadata");
                let piece = block.piece.get();
                let parts = received.entry(piece).or_default();
                parts.insert(block.offset, bytes);
                let size: usize = parts.values().map(Bytes::len).sum();
                if size == geometry.piece_size(block.piece) as usize {
                    let whole: Vec<u8> = parts
                        .values()
                        .flat_map(|part| part.iter().copied())
                        .collect();
                    let expected = torrent.hash_for_piece(block.piece).expect("v1 hashes");
                    assert_eq!(Sha1Hash::digest(&whole), expected, "piece {piece}");
                    let start = piece as usize * 16384;
                    assert_eq!(&whole[..], &data[start..start + whole.len()]);
                    verified.push(piece);
                }
            }
            WireEvent::Closed(reason) => panic!("libtorrent closed the connection: {reason}"),
            _ => {}
        }
        if let (Some(geometry), true, false) = (geometry, unchoked, requested) {
            requested = true;
            for piece in &wanted {
                for block in blocks(&geometry, *piece) {
                    command(&commands, Command::Request(block)).await;
                }
            }
        }
        if geometry.is_none() && assembler.total_size().is_some() {
            while metadata_in_flight < 2 {
                let Some(piece) = assembler.next_request(Instant::now()) else {
                    break;
                };
                command(&commands, Command::RequestMetadata(piece)).await;
                metadata_in_flight += 1;
            }
        }
    }
    assert!(assembler.is_complete());
    verified.sort_unstable();
    let mut expected = wanted.clone();
    expected.sort_unstable();
    assert_eq!(verified, expected);
    command(&commands, Command::Close).await;
}

#[tokio::test]
async fn libtorrent_downloads_a_torrent_from_us() {
    let ours = TempDir::new("wire-ours");
    let theirs = TempDir::new("wire-theirs");
    // Seven pieces of 32 KiB (two blocks each), the last of 5000 bytes.
    let (data, torrent, torrent_path) = make_torrent(ours.path(), 6 * 32768 + 5000, 32768);
    let (mut libtorrent, _) = start_libtorrent(&torrent_path, theirs.path(), "download", "plain");

    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("listen");
    let port = listener.local_addr().expect("address").port();
    libtorrent.send_line(&format!("connect {port}"));
    let (stream, address) = tokio::time::timeout(TEST_TIMEOUT, listener.accept())
        .await
        .expect("libtorrent connects to us")
        .expect("accept");

    let geometry = geometry_of(&torrent);
    let mut connection = PeerConnection::new(
        WireConfig::default(),
        hello(torrent.info_hash()),
        geometry,
        Instant::now(),
    );
    connection
        .set_our_pieces(Bitfield::with_all_set(torrent.num_pieces() as usize))
        .expect("before the handshake");
    connection.set_peer_address(address.ip());
    connection.set_metadata_source(Bytes::copy_from_slice(torrent.info_section()));
    let (commands, mut events) = drive(connection, stream);

    // libtorrent's progress is read on a blocking thread; we serve meanwhile.
    let finished = tokio::task::spawn_blocking(move || {
        let line = libtorrent.wait_for_line(|line| line.starts_with("finished "), TEST_TIMEOUT);
        (libtorrent, line)
    });
    tokio::pin!(finished);
    let mut served = 0;
    let mut events_open = true;
    let (libtorrent, line) = loop {
        tokio::select! {
            done = &mut finished => break done.expect("the waiting thread"),
            event = events.recv(), if events_open => match event {
                Some(DriverEvent::Wire(WireEvent::Interested)) => {
                    command(&commands, Command::Unchoke).await;
                }
                Some(DriverEvent::Wire(WireEvent::Requested(block))) => {
                    let start = u64::from(block.piece.get()) * u64::from(geometry.piece_length())
                        + u64::from(block.offset);
                    let start = usize::try_from(start).expect("small");
                    let bytes = Bytes::copy_from_slice(&data[start..start + block.length as usize]);
                    command(&commands, Command::Serve { block, data: bytes }).await;
                    served += 1;
                }
                Some(DriverEvent::Wire(WireEvent::InvalidRequest(request))) => {
                    panic!("libtorrent asked for {request:?}");
                }
                Some(DriverEvent::Wire(WireEvent::Closed(reason))) => {
                    // Both sides seed once libtorrent finishes: a redundant connection, which
                    // either side may close first.
                    let redundant = reason.code_name() == Some("upload_upload_connection")
                        || reason == lt_wire::DisconnectReason::Eof;
                    assert!(redundant, "{reason}");
                }
                Some(DriverEvent::Wire(_)) => {}
                Some(other) => panic!("{other:?}"),
                None => events_open = false,
            },
        }
    };
    let line = line.expect("libtorrent finished the download from us");
    assert_eq!(line, format!("finished {}", torrent.num_pieces()));
    let blocks_in_torrent: usize = (0..torrent.num_pieces())
        .map(|piece| blocks(&geometry, piece).len())
        .sum();
    assert_eq!(served, blocks_in_torrent, "every block once");
    // libtorrent wrote what we served: its copy hashes like ours.
    let copy = std::fs::read(theirs.path().join("wire.bin")).expect("libtorrent's copy");
    assert_eq!(Sha1Hash::digest(&copy), Sha1Hash::digest(&data));
    drop(libtorrent);
}
