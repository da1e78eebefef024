//! Shared test helpers: temporary directories, torrents of generated data, the per-backend
//! harness, tmpfs mounts.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use lt_core::PieceIndex;
use lt_metainfo::{CreateTorrent, TorrentInfo, TorrentKind};
use lt_storage::{Backend, Storage, StorageParams, TorrentStorage};

/// The backends that keep data (the discard backend is tested on its own).
pub const BACKENDS: [Backend; 3] = [Backend::Pread, Backend::Mmap, Backend::Memory];
/// The backends that reach the disk.
pub const DISK_BACKENDS: [Backend; 2] = [Backend::Pread, Backend::Mmap];

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lt-storage-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic bytes (xorshift) so every piece differs.
pub fn data(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A torrent made from generated files, with the bytes of its whole stream (pad files
/// included) to write and compare.
pub struct Fixture {
    pub info: Arc<TorrentInfo>,
    /// The torrent's byte stream, pad bytes included.
    pub stream: Vec<u8>,
    /// Where the source files are (a complete copy of the data).
    pub source: TempDir,
}

/// Files `(relative path, size)` under a torrent named `name`.
pub fn fixture(name: &str, files: &[(&str, usize)], kind: TorrentKind, piece: u32) -> Fixture {
    let source = TempDir::new("src");
    let root = source.path().join(name);
    for (index, (path, size)) in files.iter().enumerate() {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, data(index as u64 + 1, *size)).unwrap();
    }
    let mut create = CreateTorrent::from_path(&root, kind, Some(piece)).unwrap();
    create.hash_pieces(|_, _| {}).unwrap();
    let info = Arc::new(TorrentInfo::from_bytes(&create.generate_bytes().unwrap()).unwrap());
    let mut stream = Vec::new();
    for entry in info.files().files() {
        if entry.is_pad() {
            stream.resize(stream.len() + entry.size() as usize, 0);
        } else {
            let path = source.path().join(entry.path());
            stream.extend(std::fs::read(path).unwrap());
        }
    }
    assert_eq!(stream.len() as u64, info.total_size());
    Fixture {
        info,
        stream,
        source,
    }
}

/// Three files that do not line up with pieces: 40000, 70000 and 5 bytes; 16 KiB pieces.
pub fn multi_file(kind: TorrentKind) -> Fixture {
    fixture(
        "multi",
        &[("a.bin", 40_000), ("sub/b.bin", 70_000), ("sub/c.txt", 5)],
        kind,
        32 * 1024,
    )
}

impl Fixture {
    pub fn piece(&self, piece: u32) -> &[u8] {
        let length = u64::from(self.info.piece_length());
        let start = (u64::from(piece) * length) as usize;
        let end = (start + length as usize).min(self.stream.len());
        &self.stream[start..end]
    }

    pub fn num_pieces(&self) -> u32 {
        self.info.num_pieces()
    }

    /// A storage of this torrent under `save_path`, initialized (as a session does on add).
    pub fn storage(&self, backend: Backend, save_path: &Path) -> TorrentStorage {
        self.storage_with(StorageParams {
            backend,
            ..StorageParams::new(save_path)
        })
    }

    pub fn storage_with(&self, params: StorageParams) -> TorrentStorage {
        let storage = TorrentStorage::new(Arc::clone(&self.info), params).unwrap();
        storage.initialize().unwrap();
        storage
    }

    /// Writes every piece as 16 KiB blocks, pieces in a scrambled order.
    pub fn write_all(&self, storage: &dyn Storage) {
        let total = self.num_pieces();
        for step in 0..total {
            let piece = (step * 7 + 3) % total;
            let piece = if total.is_multiple_of(7) { step } else { piece };
            self.write_piece(storage, piece);
        }
    }

    pub fn write_piece(&self, storage: &dyn Storage, piece: u32) {
        for (index, block) in self.piece(piece).chunks(16 * 1024).enumerate() {
            storage
                .write(PieceIndex::new(piece), (index * 16 * 1024) as u32, block)
                .unwrap();
        }
    }

    /// Asserts every piece reads back as written.
    pub fn assert_reads_back(&self, storage: &dyn Storage) {
        for piece in 0..self.num_pieces() {
            let mut buffer = vec![0u8; self.piece(piece).len()];
            storage
                .read(PieceIndex::new(piece), 0, &mut buffer)
                .unwrap();
            assert!(buffer == self.piece(piece), "piece {piece} differs");
        }
    }
}

/// Runs `body` once per backend, each with a fresh save path, naming the backend on failure.
pub fn each_backend(backends: &[Backend], body: impl Fn(Backend, &Path)) {
    for &backend in backends {
        let dir = TempDir::new(&format!("{backend:?}"));
        let save_path = dir.path().join("save");
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(backend, &save_path)));
        if let Err(panic) = result {
            eprintln!("failed with backend {backend:?}");
            std::panic::resume_unwind(panic);
        }
    }
}

/// The effective user id, from /proc (0 for root).
pub fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A tmpfs mounted at a fresh directory, unmounted on drop. `None` when mounting is not
/// allowed (not root, or in a container without the capability).
pub struct Tmpfs {
    pub dir: TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Option<Self> {
        let dir = TempDir::new("tmpfs");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remounts read-only.
    pub fn remount_read_only(&self) -> bool {
        std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.path())
            .status();
    }
}
