//! MSE/PE against libtorrent 2.x (its Python binding) on 127.0.0.1, over blocking sockets.
//!
//! libtorrent seeds a small torrent with `out_enc_policy` = `in_enc_policy` = `pe_forced` and
//! `allowed_enc_level` = `pe_rc4`. We connect to it as MSE initiator (it must answer our
//! BitTorrent handshake over RC4 with the right info-hash, then send its extension handshake
//! and have-all), offer plaintext only (it must refuse), send a plaintext handshake (it must
//! drop it), and answer its own outgoing connection as MSE responder.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use lt_core::{PeerId, Sha1Hash, Sha256Hash};
use lt_interop::{require_libtorrent_python, TempDir};
use lt_wire::mse::{
    CryptoMode, EncLevel, EncPolicy, EncryptionSettings, IncomingKind, MseConfig, MseEstablished,
    MseInitiator, MseResponder, StreamKeys,
};
use lt_wire::{ExtendedMessage, Handshake, Message, MessageDecoder, ReservedBits, WireError};

/// Seeds a four-piece hybrid torrent with encryption forced (RC4 only), prints
/// `ready PORT V1_HASH V2_HASH`, then every alert as `alert TYPE MESSAGE`. A line `connect PORT` on
/// stdin makes it connect to us; end of stdin ends it (and it never lives past 60 s).
const SEED_SCRIPT: &str = r#"
import os, sys, time, threading
import libtorrent as lt

save = sys.argv[1]
path = os.path.join(save, "mse.bin")
with open(path, "wb") as f:
    f.write(bytes((i * 31 + 7) % 251 for i in range(4 * 16384 + 1000)))
fs = lt.file_storage()
lt.add_files(fs, path)
ct = lt.create_torrent(fs, 16384)
lt.set_piece_hashes(ct, save)
ti = lt.torrent_info(ct.generate())

ses = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "out_enc_policy": 0, "in_enc_policy": 0, "allowed_enc_level": 2,  # pe_forced, pe_rc4
    "alert_mask": lt.alert_category.error | lt.alert_category.connect | lt.alert_category.peer,
})
h = ses.add_torrent({"ti": ti, "save_path": save})
deadline = time.time() + 10
while not h.status().is_seeding:
    if time.time() > deadline:
        sys.exit("torrent did not start seeding")
    time.sleep(0.02)
hashes = ti.info_hashes()
print("ready", ses.listen_port(), hashes.v1, hashes.v2, flush=True)

def commands():
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["connect"]:
            h.connect_peer(("127.0.0.1", int(words[1])))
    os._exit(0)

threading.Thread(target=commands, daemon=True).start()
stop = time.time() + 60
while time.time() < stop:
    if ses.wait_for_alert(100) is not None:
        for alert in ses.pop_alerts():
            print("alert", type(alert).__name__, alert.message(), flush=True)
"#;

const TIMEOUT: Duration = Duration::from_secs(5);

/// The libtorrent process, killed when dropped.
struct LibtorrentSeed {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    port: u16,
    /// The v1 info-hash.
    info_hash: Sha1Hash,
    /// The v2 info-hash truncated to 20 bytes, as it goes on the wire.
    v2_wire_hash: Sha1Hash,
    _dir: TempDir,
}

impl LibtorrentSeed {
    fn start() -> LibtorrentSeed {
        require_libtorrent_python();
        let dir = TempDir::new("mse");
        let mut child = Command::new("python3")
            .args(["-W", "ignore::DeprecationWarning", "-c", SEED_SCRIPT])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seed = LibtorrentSeed {
            child,
            stdin,
            lines,
            port: 0,
            info_hash: Sha1Hash::default(),
            v2_wire_hash: Sha1Hash::default(),
            _dir: dir,
        };
        let ready = seed
            .wait_for_line(|line| line.starts_with("ready "), Duration::from_secs(15))
            .expect("libtorrent did not start seeding");
        let words: Vec<&str> = ready.split_whitespace().collect();
        seed.port = words[1].parse().expect("port");
        seed.info_hash = words[2].parse().expect("v1 info-hash");
        seed.v2_wire_hash = words[3]
            .parse::<Sha256Hash>()
            .expect("v2 info-hash")
            .truncated();
        seed
    }

    /// The first line matching `predicate` within `timeout`.
    fn wait_for_line(&self, predicate: impl Fn(&str) -> bool, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if predicate(&line) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to libtorrent");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream
    }

    fn our_handshake(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        Handshake {
            reserved: ReservedBits::lt_default(),
            info_hash: self.info_hash,
            peer_id: PeerId::from_bytes(*b"-LT0001-mse-interop-"),
        }
        .encode(&mut bytes);
        bytes
    }
}

impl Drop for LibtorrentSeed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads once into `buffer`; `false` at the end of the stream.
fn read_some(stream: &mut TcpStream, buffer: &mut BytesMut) -> bool {
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk) {
        Ok(0) => false,
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            true
        }
        Err(error) if error.kind() == ErrorKind::ConnectionReset => false,
        Err(error) => panic!("read from libtorrent: {error}"),
    }
}

/// Runs our initiator over `stream`; `Ok(None)` if libtorrent closed the connection first.
fn initiate(
    stream: &mut TcpStream,
    config: &MseConfig,
    info_hash: Sha1Hash,
    initial_payload: &[u8],
    inbound: &mut BytesMut,
) -> Result<Option<MseEstablished>, WireError> {
    let mut initiator = MseInitiator::new(config, info_hash, initial_payload, [7; 32])?;
    loop {
        let mut outbound = Vec::new();
        initiator.poll_transmit(&mut outbound);
        stream.write_all(&outbound).expect("write to libtorrent");
        if !read_some(stream, inbound) {
            return Ok(None);
        }
        if let Some(established) = initiator.handle_read(inbound)? {
            return Ok(Some(established));
        }
    }
}

/// Decrypts and decodes libtorrent's handshake and first messages until `done` says enough.
fn read_messages(
    stream: &mut TcpStream,
    established: &mut MseEstablished,
    mut inbound: BytesMut,
    done: impl Fn(&[Message]) -> bool,
) -> (Handshake, Vec<Message>) {
    let mut plain = BytesMut::new();
    let mut decrypt_into = |inbound: &mut BytesMut, plain: &mut BytesMut| {
        established.encryption.decrypt(inbound);
        plain.extend_from_slice(inbound);
        inbound.clear();
    };
    decrypt_into(&mut inbound, &mut plain);
    let handshake = loop {
        if let Some(handshake) = Handshake::decode(&mut plain).expect("libtorrent's handshake") {
            break handshake;
        }
        assert!(
            read_some(stream, &mut inbound),
            "closed before the handshake"
        );
        decrypt_into(&mut inbound, &mut plain);
    };
    let mut decoder = MessageDecoder::default();
    let mut messages = Vec::new();
    while !done(&messages) {
        while let Some(message) = decoder.decode(&mut plain).expect("libtorrent's messages") {
            messages.push(message);
        }
        if done(&messages) || !read_some(stream, &mut inbound) {
            break;
        }
        decrypt_into(&mut inbound, &mut plain);
    }
    (handshake, messages)
}

fn has_extension_handshake_and_have_all(messages: &[Message]) -> bool {
    let extension = messages
        .iter()
        .any(|message| matches!(message, Message::Extended(ExtendedMessage::Handshake(_))));
    extension && messages.contains(&Message::HaveAll)
}

#[test]
fn our_initiator_gets_an_rc4_stream_from_forced_libtorrent() {
    let seed = LibtorrentSeed::start();
    let mut stream = seed.connect();
    let mut inbound = BytesMut::new();
    let ours = seed.our_handshake();
    // We offer both modes; libtorrent allows RC4 only and must pick it.
    let mut established = initiate(
        &mut stream,
        &MseConfig::default(),
        seed.info_hash,
        &ours,
        &mut inbound,
    )
    .expect("handshake")
    .expect("libtorrent closed the connection during MSE");
    assert_eq!(established.encryption.mode(), CryptoMode::Rc4);
    let (handshake, messages) = read_messages(
        &mut stream,
        &mut established,
        inbound,
        has_extension_handshake_and_have_all,
    );
    assert_eq!(handshake.info_hash, seed.info_hash);
    assert!(handshake.reserved.supports_extension_protocol());
    assert!(
        has_extension_handshake_and_have_all(&messages),
        "libtorrent sent {messages:?}"
    );
}

#[test]
fn forced_libtorrent_refuses_a_plaintext_only_offer() {
    let seed = LibtorrentSeed::start();
    let mut stream = seed.connect();
    let plaintext_only = MseConfig {
        allowed_enc_level: EncLevel::Plaintext,
        ..MseConfig::default()
    };
    let mut inbound = BytesMut::new();
    let outcome = initiate(
        &mut stream,
        &plaintext_only,
        seed.info_hash,
        &seed.our_handshake(),
        &mut inbound,
    );
    assert!(
        matches!(outcome, Ok(None)),
        "libtorrent went on: {outcome:?}"
    );
    let alert = seed.wait_for_line(|line| line.contains("unsupported encryption mode"), TIMEOUT);
    assert!(
        alert.is_some(),
        "no unsupported_encryption_mode alert from libtorrent"
    );
}

#[test]
fn forced_libtorrent_drops_a_plaintext_handshake() {
    let seed = LibtorrentSeed::start();
    let mut stream = seed.connect();
    stream.write_all(&seed.our_handshake()).unwrap();
    let mut inbound = BytesMut::new();
    while read_some(&mut stream, &mut inbound) {}
    assert!(
        inbound.is_empty(),
        "libtorrent answered a plaintext handshake: {inbound:?}"
    );
    let alert = seed.wait_for_line(
        |line| line.contains("incoming regular connections disabled"),
        TIMEOUT,
    );
    assert!(
        alert.is_some(),
        "no no_incoming_regular alert from libtorrent"
    );
}

#[test]
fn our_responder_answers_forced_libtorrent() {
    let seed = LibtorrentSeed::start();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    writeln!(&seed.stdin, "connect {port}").unwrap();
    let (mut stream, _) = listener.accept().expect("libtorrent connects");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();

    let settings = EncryptionSettings {
        in_enc_policy: EncPolicy::Forced,
        ..EncryptionSettings::default()
    };
    let mut inbound = BytesMut::new();
    let kind = loop {
        assert!(
            read_some(&mut stream, &mut inbound),
            "libtorrent closed at once"
        );
        if let Some(kind) = settings.classify_incoming(&inbound).expect("policy") {
            break kind;
        }
    };
    assert_eq!(kind, IncomingKind::Encrypted);

    // A hybrid torrent is known by both 20-byte hashes; libtorrent picks one.
    let torrents: StreamKeys = [seed.info_hash, seed.v2_wire_hash].into_iter().collect();
    let mut responder = MseResponder::new(&settings.mse_config(), [9; 32]);
    let mut established = loop {
        let result = responder
            .handle_read(&mut inbound, &torrents)
            .expect("MSE with libtorrent");
        let mut outbound = Vec::new();
        responder.poll_transmit(&mut outbound);
        stream.write_all(&outbound).unwrap();
        if let Some(established) = result {
            break established;
        }
        assert!(
            read_some(&mut stream, &mut inbound),
            "libtorrent closed during MSE"
        );
    };
    // libtorrent provides RC4 only (allowed_enc_level = pe_rc4) and sends its handshake as IA.
    assert_eq!(established.encryption.mode(), CryptoMode::Rc4);
    assert!([seed.info_hash, seed.v2_wire_hash].contains(&established.info_hash));
    let mut initial_payload = BytesMut::from(&established.initial_payload[..]);
    let theirs = Handshake::decode(&mut initial_payload)
        .expect("a BitTorrent handshake")
        .expect("a whole one");
    assert_eq!(theirs.info_hash, established.info_hash);

    let mut ours = Vec::new();
    Handshake {
        info_hash: established.info_hash,
        ..theirs
    }
    .encode(&mut ours);
    ours[48..].copy_from_slice(b"-LT0001-mse-interop-");
    established.encryption.encrypt(&mut ours);
    stream.write_all(&ours).unwrap();
    // What follows is libtorrent's extension handshake, over RC4.
    let mut plain = BytesMut::new();
    let mut decoder = MessageDecoder::default();
    let found = loop {
        established.encryption.decrypt(&mut inbound);
        plain.extend_from_slice(&inbound);
        inbound.clear();
        let message = decoder.decode(&mut plain).expect("libtorrent's messages");
        if let Some(Message::Extended(ExtendedMessage::Handshake(handshake))) = message {
            break handshake;
        }
        if message.is_none() {
            assert!(
                read_some(&mut stream, &mut inbound),
                "closed before the extension handshake"
            );
        }
    };
    assert!(found.extensions.contains_key("ut_metadata"), "{found:?}");
}
