//! lt-wire against libtorrent 2.x (its Python binding) on 127.0.0.1 with encryption forced
//! (`out_enc_policy` = `in_enc_policy` = `pe_forced`, `allowed_enc_level` = `pe_rc4`): we open
//! the connection with `mse_connect` and run the tokio driver over the RC4 `MseStream`, fetch
//! the metadata from the info-hash alone (ut_metadata, checked against the info-hash) and then
//! pieces (checked against the torrent's SHA-1s). The encrypted variant of
//! `wire_libtorrent.rs`'s `metadata_then_pieces_from_a_libtorrent_seed`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lt_core::{PeerId, PieceIndex, Sha1Hash, BLOCK_SIZE};
use lt_interop::{seeded_bytes, LibtorrentProcess, TempDir};
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};
use lt_wire::driver::{run, Command, DriverEvent};
use lt_wire::mse::{CryptoMode, EncLevel, MseConfig};
use lt_wire::mse_stream::mse_connect;
use lt_wire::{
    Block, Handshake, MetadataAssembler, MetadataProgress, PeerConnection, PieceGeometry,
    ReservedBits, WireConfig, WireEvent,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Seeds `argv[1]` (a .torrent) from save path `argv[2]` with encryption forced and RC4 only.
/// Prints `ready PORT` once seeding, peer errors and disconnects as `alert …`; the end of stdin
/// ends it (the process is killed on drop), and it never lives past 60 s.
const SEED_SCRIPT: &str = r#"
import os, sys, time, threading
import libtorrent as lt

torrent, save = sys.argv[1], sys.argv[2]
ses = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    "out_enc_policy": int(lt.enc_policy.pe_forced),
    "in_enc_policy": int(lt.enc_policy.pe_forced),
    "allowed_enc_level": int(lt.enc_level.pe_rc4),
    "alert_mask": lt.alert_category.error | lt.alert_category.peer,
})
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(torrent)
atp.save_path = save
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
stop = time.time() + 60
while time.time() < stop:
    if ses.wait_for_alert(100) is not None:
        for alert in ses.pop_alerts():
            print("alert", type(alert).__name__, alert.message(), flush=True)
"#;

/// The test gives up after this long.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A v1 torrent of one file of `length` bytes in `piece_length` pieces, made with lt-metainfo
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

async fn command(commands: &mpsc::Sender<Command>, command: Command) {
    commands.send(command).await.expect("the driver is running");
}

#[tokio::test]
async fn metadata_then_pieces_from_a_libtorrent_seed_over_rc4() {
    let dir = TempDir::new("wire-mse-seed");
    // 1100 pieces of 16 KiB: an info dictionary of about 22 KB, two ut_metadata pieces.
    let (data, torrent, torrent_path) = make_torrent(dir.path(), 1100 * 16384 + 1234, 16384);
    let save = dir.path().to_str().expect("utf-8 path");
    let libtorrent = LibtorrentProcess::start(SEED_SCRIPT, &[&torrent_path, save]);
    let ready = libtorrent
        .wait_for_line(|line| line.starts_with("ready "), Duration::from_secs(15))
        .expect("libtorrent did not get ready");
    let port: u16 = ready[6..].trim().parse().expect("a port");
    let info_hash = torrent.info_hash();

    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let config = MseConfig {
        allowed_enc_level: EncLevel::Rc4,
        ..MseConfig::default()
    };
    let stream = tokio::time::timeout(TEST_TIMEOUT, mse_connect(tcp, &config, info_hash, [9; 32]))
        .await
        .expect("the MSE handshake in time")
        .expect("libtorrent accepts our MSE handshake");
    assert_eq!(stream.mode(), CryptoMode::Rc4);

    let hello = Handshake {
        reserved: ReservedBits::lt_default(),
        info_hash,
        peer_id: PeerId::from_bytes(*b"-LT0100-wire-mse-rc4"),
    };
    let mut connection =
        PeerConnection::without_metadata(WireConfig::default(), hello, Instant::now());
    connection.set_peer_address(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let (commands, command_receiver) = mpsc::channel(64);
    let (event_sender, mut events) = mpsc::channel(64);
    tokio::spawn(run(connection, stream, command_receiver, event_sender));

    // The first eight pieces and the short last one.
    let last = torrent.num_pieces() - 1;
    let wanted: Vec<u32> = (0..8).chain([last]).collect();
    let mut assembler = MetadataAssembler::new(info_hash);
    let mut metadata_in_flight = 0;
    let mut geometry: Option<PieceGeometry> = None;
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
                    let dimensions = PieceGeometry::new(parsed.total_size(), parsed.piece_length())
                        .expect("geometry");
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
    drop(libtorrent);
}
