//! Resume data against libtorrent 2.1's Python binding: what libtorrent writes we read, what
//! we write libtorrent reads, both readers agree field by field, and for every torrent of
//! libtorrent's corpus both writers give the same bytes (apart from `libtorrent-version`).
//! A qBittorrent-style `.fastresume` loads in both.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lt_core::{Bitfield, FileIndex, PieceIndex};
use lt_interop::{run_libtorrent_python, TempDir};
use lt_metainfo::{
    read_resume_data, write_resume_data_buf, AddTorrentParams, LoadTorrentLimits, StorageMode,
    TorrentFlags,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/libtorrent-torrents")
        .join(name)
}

/// Python's `dump(atp)`: the fields both sides know, one per line, in a format both can print.
const DUMP: &str = r#"
import libtorrent as lt, sys

ALL_FLAGS = int(sys.argv[1])

def bits(values):
    return ''.join('1' if b else '0' for b in values)

def endpoints(values):
    return ','.join('%s/%d' % (ip, port) for ip, port in values)

def dump(a):
    ih = a.info_hashes
    out = []
    out.append('info_hashes=%s %s' % (str(ih.v1) if ih.has_v1() else '-', str(ih.v2) if ih.has_v2() else '-'))
    out.append('ti=%s' % (('%s %d' % (a.ti.name(), a.ti.num_files())) if a.ti is not None else '-'))
    out.append('name=%s' % a.name)
    out.append('save_path=%s' % a.save_path)
    out.append('trackers=%s' % ','.join(a.trackers))
    out.append('tracker_tiers=%s' % ','.join(str(t) for t in a.tracker_tiers))
    out.append('url_seeds=%s' % ','.join(a.url_seeds))
    out.append('peers=%s' % endpoints(a.peers))
    out.append('banned_peers=%s' % endpoints(a.banned_peers))
    out.append('have_pieces=%s' % bits(a.have_pieces))
    out.append('verified_pieces=%s' % bits(a.verified_pieces))
    out.append('unfinished_pieces=%s' % ','.join('%d:%s' % (p, bits(b)) for p, b in sorted(a.unfinished_pieces.items())))
    out.append('file_priorities=%s' % ','.join(str(int(p)) for p in a.file_priorities))
    out.append('piece_priorities=%s' % ','.join(str(int(p)) for p in a.piece_priorities))
    out.append('renamed_files=%s' % ','.join('%d:%s' % (f, n) for f, n in sorted(a.renamed_files.items())))
    out.append('flags=%d' % (int(a.flags) & ALL_FLAGS))
    for key in ['max_uploads', 'max_connections', 'upload_limit', 'download_limit', 'total_uploaded',
                'total_downloaded', 'active_time', 'finished_time', 'seeding_time', 'added_time',
                'completed_time', 'last_seen_complete', 'last_download', 'last_upload', 'num_complete',
                'num_incomplete', 'num_downloaded', 'creation_date']:
        out.append('%s=%d' % (key, getattr(a, key)))
    out.append('storage_mode=%s' % ('allocate' if a.storage_mode == lt.storage_mode_t.storage_mode_allocate else 'sparse'))
    out.append('comment=%s' % a.comment)
    out.append('created_by=%s' % a.created_by)
    out.append('part_file_dir=%s' % a.part_file_dir)
    out.append('root_certificate=%s' % a.root_certificate)
    return '\n'.join(out)
"#;

/// Our side of `DUMP`.
fn dump(params: &AddTorrentParams) -> String {
    let bits = |bits: &Bitfield| {
        (0..bits.len())
            .map(|i| if bits.get(i) { '1' } else { '0' })
            .collect::<String>()
    };
    let endpoints = |peers: &[std::net::SocketAddr]| {
        peers
            .iter()
            .map(|peer| format!("{}/{}", peer.ip(), peer.port()))
            .collect::<Vec<_>>()
            .join(",")
    };
    let join = |items: Vec<String>| items.join(",");
    let hashes = params.info_hashes;
    let mut out = String::new();
    let mut line = |key: &str, value: String| writeln!(out, "{key}={value}").unwrap();
    line(
        "info_hashes",
        format!(
            "{} {}",
            hashes.v1.map_or("-".into(), |h| h.to_string()),
            hashes.v2.map_or("-".into(), |h| h.to_string())
        ),
    );
    line(
        "ti",
        params
            .ti
            .as_ref()
            .map_or("-".into(), |ti| format!("{} {}", ti.name(), ti.num_files())),
    );
    line("name", params.name.clone().unwrap_or_default());
    line("save_path", params.save_path.clone());
    line("trackers", params.trackers.join(","));
    line(
        "tracker_tiers",
        join(params.tracker_tiers.iter().map(u32::to_string).collect()),
    );
    line("url_seeds", params.url_seeds.join(","));
    line("peers", endpoints(&params.peers));
    line("banned_peers", endpoints(&params.banned_peers));
    line("have_pieces", bits(&params.have_pieces));
    line("verified_pieces", bits(&params.verified_pieces));
    line(
        "unfinished_pieces",
        join(
            params
                .unfinished_pieces
                .iter()
                .map(|(p, b)| format!("{p}:{}", bits(b)))
                .collect(),
        ),
    );
    line(
        "file_priorities",
        join(params.file_priorities.iter().map(u8::to_string).collect()),
    );
    line(
        "piece_priorities",
        join(params.piece_priorities.iter().map(u8::to_string).collect()),
    );
    line(
        "renamed_files",
        join(
            params
                .renamed_files
                .iter()
                .map(|(f, n)| format!("{f}:{n}"))
                .collect(),
        ),
    );
    line("flags", params.flags.bits().to_string());
    let ints: [(&str, i64); 18] = [
        ("max_uploads", params.max_uploads.into()),
        ("max_connections", params.max_connections.into()),
        ("upload_limit", params.upload_limit.into()),
        ("download_limit", params.download_limit.into()),
        ("total_uploaded", params.total_uploaded),
        ("total_downloaded", params.total_downloaded),
        ("active_time", params.active_time.as_secs() as i64),
        ("finished_time", params.finished_time.as_secs() as i64),
        ("seeding_time", params.seeding_time.as_secs() as i64),
        ("added_time", params.added_time),
        ("completed_time", params.completed_time),
        ("last_seen_complete", params.last_seen_complete),
        ("last_download", params.last_download),
        ("last_upload", params.last_upload),
        ("num_complete", params.num_complete.into()),
        ("num_incomplete", params.num_incomplete.into()),
        ("num_downloaded", params.num_downloaded.into()),
        ("creation_date", params.creation_date.unwrap_or(0)),
    ];
    for (key, value) in ints {
        line(key, value.to_string());
    }
    let mode = match params.storage_mode {
        StorageMode::Allocate => "allocate",
        StorageMode::Sparse => "sparse",
    };
    line("storage_mode", mode.into());
    line("comment", params.comment.clone());
    line("created_by", params.created_by.clone());
    line("part_file_dir", params.part_file_dir.clone());
    line(
        "root_certificate",
        String::from_utf8_lossy(&params.root_certificate).into_owned(),
    );
    out.trim_end().to_string()
}

fn all_flags() -> String {
    TorrentFlags::ALL.bits().to_string()
}

fn read(bytes: &[u8]) -> AddTorrentParams {
    read_resume_data(bytes, &LoadTorrentLimits::default()).expect("resume data loads")
}

/// The bytes without the `libtorrent-version` entry (its value names the writer).
fn without_version(bytes: &[u8]) -> Vec<u8> {
    let key = b"18:libtorrent-version";
    let Some(start) = bytes.windows(key.len()).position(|w| w == key) else {
        return bytes.to_vec();
    };
    let value = start + key.len();
    let colon = value + bytes[value..].iter().position(|&b| b == b':').unwrap();
    let length: usize = std::str::from_utf8(&bytes[value..colon])
        .unwrap()
        .parse()
        .unwrap();
    [&bytes[..start], &bytes[colon + 1 + length..]].concat()
}

#[test]
fn libtorrent_writes_we_read() {
    let dir = TempDir::new("resume-lt-writes");
    let out = dir.path().join("lt.resume");
    let script = format!(
        "{DUMP}\n{}",
        r#"
path, torrent = sys.argv[2], sys.argv[3]
a = lt.add_torrent_params()
a.ti = lt.torrent_info(torrent)
a.info_hashes = a.ti.info_hashes()
a.name = 'the name'; a.save_path = '/save/path'; a.comment = 'a comment'; a.created_by = 'me'
a.creation_date = 1234567
a.trackers = ['http://a/announce', 'udp://b:80', 'http://c/announce', 'http://d/announce']
a.tracker_tiers = [0, 0, 2, 5]
a.url_seeds = ['http://seed/']
a.peers = [('1.2.3.4', 6881), ('2001:db8::1', 6882), ('10.0.0.1', 1)]
a.banned_peers = [('5.6.7.8', 80), ('::2', 81)]
a.have_pieces = [True, False, True, True, False]
a.verified_pieces = [False, True]
a.unfinished_pieces = {1: [True, False, True, False, False, False, False, False, False, True], 4: [False, True]}
a.file_priorities = [1, 7, 0]
a.piece_priorities = [0, 1, 4, 7, 2]
a.renamed_files = {0: 'renamed/first.txt', 2: 'third'}
a.flags = lt.torrent_flags.sequential_download | lt.torrent_flags.disable_pex | lt.torrent_flags.super_seeding | lt.torrent_flags.stop_when_ready | lt.torrent_flags.upload_mode | (1 << 24) | (1 << 25)
a.max_uploads = 3; a.max_connections = 40; a.upload_limit = 5000; a.download_limit = 6000
a.total_uploaded = 1 << 40; a.total_downloaded = 11
a.active_time = 12; a.finished_time = 13; a.seeding_time = 14
a.added_time = 1700000000; a.completed_time = 1700000100; a.last_seen_complete = 1700000200
a.last_download = 1700000300; a.last_upload = 1700000400
a.num_complete = 20; a.num_incomplete = 21; a.num_downloaded = 22
a.storage_mode = lt.storage_mode_t.storage_mode_allocate
a.part_file_dir = '/parts'; a.root_certificate = 'PEM'
buf = bytes(lt.write_resume_data_buf(a))
open(path, 'wb').write(buf)
print(dump(lt.read_resume_data(buf)))
"#
    );
    let torrent = fixture("sample.torrent");
    let theirs = run_libtorrent_python(
        &script,
        &[
            &all_flags(),
            out.to_str().unwrap(),
            torrent.to_str().unwrap(),
        ],
    );
    let params = read(&std::fs::read(&out).unwrap());
    assert_eq!(dump(&params), theirs.trim_end());

    // Spot checks of the values themselves, not only of the agreement.
    assert_eq!(params.ti.as_ref().map(|ti| ti.name()), Some("sample"));
    assert_eq!(params.tracker_tiers, [0, 0, 2, 5]);
    assert_eq!(params.peers.len(), 3);
    assert_eq!(params.file_priorities, [1, 7, 0]);
    assert_eq!(params.max_uploads, 3);
    assert_eq!(params.active_time, Duration::from_secs(12));
    assert_eq!(params.storage_mode, StorageMode::Allocate);
    assert!(params
        .flags
        .contains(TorrentFlags::I2P_TORRENT | TorrentFlags::DISABLE_V1_HASHES));
    assert!(!params
        .flags
        .intersects(TorrentFlags::PAUSED | TorrentFlags::AUTO_MANAGED));
    assert_eq!(
        params
            .unfinished_pieces
            .get(&PieceIndex::new(1))
            .map(Bitfield::count_ones),
        Some(3)
    );
    assert_eq!(
        params
            .renamed_files
            .get(&FileIndex::new(2))
            .map(String::as_str),
        Some("third")
    );
}

#[test]
fn we_write_libtorrent_reads() {
    let dir = TempDir::new("resume-we-write");
    let path = dir.path().join("ours.resume");
    let rewritten = dir.path().join("rewritten.resume");

    let mut params = AddTorrentParams::load_torrent_file(fixture("sample.torrent")).unwrap();
    params.name = Some("named".into());
    params.save_path = "/downloads/x".into();
    params.trackers = vec!["http://a/".into(), "http://b/".into(), "udp://c:1".into()];
    params.tracker_tiers = vec![0, 0, 3];
    params.url_seeds = vec!["http://ws/".into()];
    params.peers = vec![
        "1.2.3.4:80".parse().unwrap(),
        "[2001:db8::5]:81".parse().unwrap(),
    ];
    params.banned_peers = vec!["[::9]:9".parse().unwrap(), "9.9.9.9:9".parse().unwrap()];
    params.have_pieces = Bitfield::new(16);
    params.have_pieces.set(0);
    params.verified_pieces = Bitfield::new(8);
    params.verified_pieces.set(7);
    let mut blocks = Bitfield::new(8);
    blocks.set(2);
    params.unfinished_pieces.insert(PieceIndex::new(1), blocks);
    params.file_priorities = vec![4, 0, 7];
    params.piece_priorities = vec![1, 2, 3];
    params
        .renamed_files
        .insert(FileIndex::new(1), "other/name.bin".into());
    params.flags = (TorrentFlags::DEFAULT - TorrentFlags::PAUSED)
        | TorrentFlags::SEQUENTIAL_DOWNLOAD
        | TorrentFlags::DISABLE_DHT
        | TorrentFlags::SHARE_MODE;
    params.max_uploads = 7;
    params.max_connections = 70;
    params.upload_limit = 700;
    params.download_limit = 7000;
    params.total_uploaded = 5;
    params.total_downloaded = 6;
    params.active_time = Duration::from_secs(100);
    params.finished_time = Duration::from_secs(50);
    params.seeding_time = Duration::from_secs(25);
    params.added_time = 1_600_000_000;
    params.completed_time = 1_600_000_001;
    params.last_seen_complete = 1_600_000_002;
    params.last_download = 1_600_000_003;
    params.last_upload = 1_600_000_004;
    params.num_complete = 1;
    params.num_incomplete = 2;
    params.num_downloaded = 3;
    params.part_file_dir = "/parts".into();
    params.comment = "our comment".into();
    let ours = write_resume_data_buf(&params);
    std::fs::write(&path, &ours).unwrap();

    let script = format!(
        "{DUMP}\n{}",
        r#"
buf = open(sys.argv[2], 'rb').read()
a = lt.read_resume_data(buf)
open(sys.argv[3], 'wb').write(bytes(lt.write_resume_data_buf(a)))
print(dump(a))
"#
    );
    let theirs = run_libtorrent_python(
        &script,
        &[
            &all_flags(),
            path.to_str().unwrap(),
            rewritten.to_str().unwrap(),
        ],
    );
    let loaded = read(&ours);
    assert_eq!(theirs.trim_end(), dump(&loaded));
    assert_eq!(loaded.trackers, ["http://a/", "http://b/", "udp://c:1"]);
    assert_eq!(loaded.tracker_tiers, [0, 0, 3]);
    assert_eq!(loaded.comment, "our comment");
    assert!(theirs.contains("tracker_tiers=0,0,3\n"), "{theirs}");
    assert!(
        theirs.contains("renamed_files=1:other/name.bin\n"),
        "{theirs}"
    );
    // libtorrent writes back what it read from us byte for byte, bar its version string.
    let rewritten = std::fs::read(&rewritten).unwrap();
    assert_eq!(without_version(&rewritten), without_version(&ours));
}

/// For every torrent of libtorrent's corpus that libtorrent re-serializes exactly: the resume
/// data of `load_torrent_file` is the same from both writers (v2 merkle trees and masks
/// included), and libtorrent reading ours writes the same bytes again.
#[test]
fn both_writers_agree_on_the_corpus() {
    // The fixtures marked for a byte-identical round trip in expected.json.
    let list = r#"
import json, sys
files = json.load(open(sys.argv[1]))['files']
print('\n'.join(name for name, entry in files.items() if entry.get('roundtrip_byte_identical')))
"#;
    let expected = fixture("expected.json");
    let listed = run_libtorrent_python(list, &[expected.to_str().unwrap()]);
    let names: Vec<&str> = listed.lines().collect();
    assert_eq!(names.len(), 47, "{names:?}");

    let dir = TempDir::new("resume-corpus");
    let mut args = vec![dir.path().to_str().unwrap().to_string()];
    for (index, name) in names.iter().enumerate() {
        let params = AddTorrentParams::load_torrent_file(fixture(name)).unwrap();
        std::fs::write(
            dir.path().join(format!("{index}.ours")),
            write_resume_data_buf(&params),
        )
        .unwrap();
        args.push(fixture(name).to_str().unwrap().to_string());
    }
    let script = r#"
import libtorrent as lt, sys, os
out = sys.argv[1]
for index, torrent in enumerate(sys.argv[2:]):
    a = lt.load_torrent_file(torrent)
    open(os.path.join(out, '%d.theirs' % index), 'wb').write(bytes(lt.write_resume_data_buf(a)))
    ours = open(os.path.join(out, '%d.ours' % index), 'rb').read()
    b = lt.read_resume_data(ours)
    open(os.path.join(out, '%d.reread' % index), 'wb').write(bytes(lt.write_resume_data_buf(b)))
"#;
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_libtorrent_python(script, &arg_refs);
    let mut differ = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let file = |ext: &str| {
            without_version(&std::fs::read(dir.path().join(format!("{index}.{ext}"))).unwrap())
        };
        let ours = file("ours");
        if file("theirs") != ours {
            differ.push(format!("{name}: libtorrent's resume data differs"));
        }
        if file("reread") != ours {
            differ.push(format!("{name}: libtorrent rewrites ours differently"));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

#[test]
fn a_qbittorrent_fastresume_loads_in_both() {
    let dir = TempDir::new("resume-qbt");
    let path = dir.path().join("x.fastresume");
    // qBittorrent 4.x saves libtorrent's resume data (here in libtorrent 1.2's file version 1)
    // with its own `qBt-*` keys added.
    let script = format!(
        "{DUMP}\n{}",
        r#"
path, torrent = sys.argv[2], sys.argv[3]
ti = lt.torrent_info(torrent)
rd = {
    b'file-format': b'libtorrent resume file', b'file-version': 1, b'libtorrent-version': b'1.2.19.0',
    b'info-hash': ti.info_hashes().v1.to_bytes(), b'name': b'sample', b'save_path': b'/home/u/Downloads',
    b'allocation': b'sparse', b'paused': 0, b'auto_managed': 1, b'seed_mode': 0, b'sequential_download': 0,
    b'active_time': 3600, b'seeding_time': 60, b'finished_time': 120, b'added_time': 1650000000,
    b'completed_time': 1650003600, b'total_uploaded': 1024, b'total_downloaded': 4096,
    b'num_complete': 5, b'num_incomplete': 6, b'num_downloaded': 7,
    b'pieces': b'\x03\x01', b'file_priority': [4, 1, 0], b'piece_priority': b'\x04\x01',
    b'trackers': [[b'udp://tracker.example.org:1337/announce'], [b'http://backup.example.org/announce']],
    b'url-list': [], b'httpseeds': [], b'mapped_files': [b'', b'sample/renamed.txt'],
    b'peers': b'\x7f\x00\x00\x01\x1a\xe1', b'peers6': b'',
    b'unfinished': [{b'piece': 1, b'bitmask': b'\x80'}],
    b'upload_rate_limit': 0, b'download_rate_limit': 0, b'max_connections': 100, b'max_uploads': -1,
    b'info': lt.bdecode(ti.info_section()),
    b'qBt-category': b'Linux ISOs', b'qBt-tags': [b'iso', b'amd64'], b'qBt-savePath': b'/home/u/Downloads',
    b'qBt-name': b'', b'qBt-ratioLimit': -2000, b'qBt-seedingTimeLimit': -2,
    b'qBt-inactiveSeedingTimeLimit': -2, b'qBt-seedStatus': 1, b'qBt-firstLastPiecePriority': 0,
    b'qBt-contentLayout': b'Original', b'qBt-stopCondition': b'None', b'qBt-queuePosition': 0,
    b'qBt-shareLimitAction': b'Default', b'qBt-downloadPath': b'',
}
buf = lt.bencode(rd)
open(path, 'wb').write(buf)
print(dump(lt.read_resume_data(buf)))
"#
    );
    let torrent = fixture("sample.torrent");
    let theirs = run_libtorrent_python(
        &script,
        &[
            &all_flags(),
            path.to_str().unwrap(),
            torrent.to_str().unwrap(),
        ],
    );
    let params = read(&std::fs::read(&path).unwrap());
    assert_eq!(dump(&params), theirs.trim_end());
    assert_eq!(params.save_path, "/home/u/Downloads");
    assert_eq!(params.have_pieces.len(), 2);
    assert!(params.have_pieces.get(0) && params.have_pieces.get(1));
    assert!(params.verified_pieces.get(0) && !params.verified_pieces.get(1));
    assert_eq!(params.tracker_tiers, [0, 1]);
    assert_eq!(params.ti.as_ref().map(|ti| ti.num_files()), Some(3));
}
