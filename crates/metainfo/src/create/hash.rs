//! Hashing the files of a new torrent on all cores: v1 SHA-1 per piece (two pieces at once where
//! [`Sha1Pair`] pays), v2 SHA-256 merkle roots per piece of each file (two blocks at once).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use lt_core::{hash_pairs_accelerated, sha256_chunks, Sha1Hash, Sha1Pair, Sha256Hash};

use crate::create::scan::SourceFile;
use crate::create::{CreateError, TorrentKind};
use crate::piece_layers::layer_root;
use lt_core::BLOCK_SIZE;

/// The hashes of every piece.
#[derive(Debug, Default)]
pub(crate) struct PieceHashes {
    /// v1: SHA-1 of each piece of the whole byte stream.
    pub(crate) v1: Vec<lt_core::Sha1Hash>,
    /// v2: per file, the merkle root of each of its pieces (empty for pads and empty files).
    pub(crate) v2: Vec<Vec<Sha256Hash>>,
}

/// Where each file sits in the byte stream.
struct Layout<'a> {
    files: &'a [SourceFile],
    offsets: Vec<u64>,
    total: u64,
    piece_length: u64,
}

impl Layout<'_> {
    fn num_pieces(&self) -> u32 {
        self.total.div_ceil(self.piece_length) as u32
    }

    /// The index of the file holding byte `offset` (skipping empty files).
    fn file_at(&self, offset: u64) -> Option<usize> {
        let after = self.offsets.partition_point(|&start| start <= offset);
        let mut index = after.checked_sub(1)?;
        while index < self.files.len() && self.offsets[index] + self.files[index].size <= offset {
            index += 1;
        }
        (index < self.files.len()).then_some(index)
    }
}

/// Reads byte ranges of the torrent's stream, keeping the last file open.
struct Reader {
    open: Option<(usize, File)>,
}

impl Reader {
    fn read(
        &mut self,
        layout: &Layout<'_>,
        start: u64,
        buffer: &mut [u8],
    ) -> Result<(), CreateError> {
        let mut position = start;
        let mut filled = 0usize;
        while filled < buffer.len() {
            let index = layout
                .file_at(position)
                .ok_or(CreateError::FileTooShort(PathBuf::new()))?;
            let file = &layout.files[index];
            let within = position - layout.offsets[index];
            let take = ((file.size - within) as usize).min(buffer.len() - filled);
            let target = &mut buffer[filled..filled + take];
            match &file.disk_path {
                None => target.fill(0),
                Some(path) => {
                    if self.open.as_ref().map(|(open, _)| *open) != Some(index) {
                        let handle = File::open(path).map_err(|source| CreateError::Io {
                            path: path.clone(),
                            source,
                        })?;
                        self.open = Some((index, handle));
                    }
                    if let Some((_, handle)) = self.open.as_mut() {
                        let io_error = |source| CreateError::Io {
                            path: path.clone(),
                            source,
                        };
                        handle.seek(SeekFrom::Start(within)).map_err(io_error)?;
                        handle
                            .read_exact(target)
                            .map_err(|error| match error.kind() {
                                std::io::ErrorKind::UnexpectedEof => {
                                    CreateError::FileTooShort(path.clone())
                                }
                                _ => CreateError::Io {
                                    path: path.clone(),
                                    source: error,
                                },
                            })?;
                    }
                }
            }
            filled += take;
            position += take as u64;
        }
        Ok(())
    }
}

/// What one worker produces for its pieces.
#[derive(Default)]
struct WorkerOutput {
    v1: Vec<lt_core::Sha1Hash>,
    /// (file index, piece within the file, root)
    v2: Vec<(usize, usize, Sha256Hash)>,
}

/// Hashes every piece of `files` with `threads` workers, calling `progress(done, total)` as
/// pieces finish. `cancel` stops the work early with [`CreateError::Cancelled`].
pub(crate) fn hash_pieces(
    files: &[SourceFile],
    piece_length: u32,
    kind: TorrentKind,
    threads: usize,
    progress: &(dyn Fn(u32, u32) + Sync),
    cancel: &AtomicBool,
) -> Result<PieceHashes, CreateError> {
    let mut offsets = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for file in files {
        offsets.push(total);
        total += file.size;
    }
    let layout = Layout {
        files,
        offsets,
        total,
        piece_length: u64::from(piece_length),
    };
    let pieces = layout.num_pieces();
    let threads = threads.clamp(1, pieces.max(1) as usize);
    let done = AtomicU32::new(0);
    let per_worker = pieces.div_ceil(threads as u32);
    let outputs: Vec<Result<WorkerOutput, CreateError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads as u32)
            .map(|worker| {
                let first = worker * per_worker;
                let last = (first + per_worker).min(pieces);
                let layout = &layout;
                let done = &done;
                scope.spawn(move || {
                    hash_range(layout, first..last, kind, progress, done, pieces, cancel)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(Err(CreateError::Cancelled)))
            .collect()
    });
    let mut hashes = PieceHashes {
        v1: Vec::with_capacity(pieces as usize),
        v2: vec![Vec::new(); files.len()],
    };
    for output in outputs {
        let output = output?;
        hashes.v1.extend(output.v1);
        for (file, piece, root) in output.v2 {
            let list = &mut hashes.v2[file];
            if list.len() <= piece {
                list.resize(piece + 1, Sha256Hash::default());
            }
            list[piece] = root;
        }
    }
    Ok(hashes)
}

fn hash_range(
    layout: &Layout<'_>,
    pieces: std::ops::Range<u32>,
    kind: TorrentKind,
    progress: &(dyn Fn(u32, u32) + Sync),
    done: &AtomicU32,
    total_pieces: u32,
    cancel: &AtomicBool,
) -> Result<WorkerOutput, CreateError> {
    let mut output = WorkerOutput::default();
    let mut reader = Reader { open: None };
    // Two pieces per turn when their SHA-1s are computed together faster than one by one.
    let per_turn: u32 = if kind != TorrentKind::V2 && hash_pairs_accelerated() {
        2
    } else {
        1
    };
    let mut buffers: Vec<Vec<u8>> = (0..per_turn)
        .map(|_| vec![0u8; layout.piece_length as usize])
        .collect();
    let blocks_per_piece = (layout.piece_length / u64::from(BLOCK_SIZE)).max(1) as usize;
    let mut leaves: Vec<Sha256Hash> = Vec::with_capacity(blocks_per_piece);
    let mut piece = pieces.start;
    while piece < pieces.end {
        if cancel.load(Ordering::Relaxed) {
            return Err(CreateError::Cancelled);
        }
        let turn = per_turn.min(pieces.end - piece);
        let mut read: Vec<&[u8]> = Vec::with_capacity(turn as usize);
        for (lane, buffer) in buffers.iter_mut().take(turn as usize).enumerate() {
            let start = u64::from(piece + lane as u32) * layout.piece_length;
            let length = (layout.total - start).min(layout.piece_length) as usize;
            let data = &mut buffer[..length];
            reader.read(layout, start, data)?;
            read.push(data);
        }
        if kind != TorrentKind::V2 {
            match read[..] {
                [first, second] => {
                    let mut pair = Sha1Pair::new();
                    pair.update(first, second);
                    output.v1.extend(pair.finalize());
                }
                _ => output
                    .v1
                    .extend(read.iter().map(|data| Sha1Hash::digest(data))),
            }
        }
        for (lane, data) in read.iter().enumerate() {
            let start = u64::from(piece + lane as u32) * layout.piece_length;
            if kind != TorrentKind::V1 {
                if let Some(root) = v2_root(layout, start, data, blocks_per_piece, &mut leaves) {
                    output.v2.push(root);
                }
            }
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(finished, total_pieces);
        }
        piece += turn;
    }
    Ok(output)
}

/// The v2 merkle root of the piece at stream offset `start` (`data`, the whole piece), as
/// (file index, piece within the file, root); `None` for a piece of a pad file.
fn v2_root(
    layout: &Layout<'_>,
    start: u64,
    data: &[u8],
    blocks_per_piece: usize,
    leaves: &mut Vec<Sha256Hash>,
) -> Option<(usize, usize, Sha256Hash)> {
    let index = layout.file_at(start)?;
    let file = &layout.files[index];
    if file.is_pad() {
        return None;
    }
    let file_start = layout.offsets[index];
    let in_file = ((file_start + file.size - start) as usize).min(data.len());
    leaves.clear();
    sha256_chunks(&data[..in_file], BLOCK_SIZE as usize, leaves);
    // A file smaller than a piece pads its leaves to a power of two only.
    let padded = if file.size < layout.piece_length {
        leaves.len().next_power_of_two()
    } else {
        blocks_per_piece
    };
    leaves.resize(padded, Sha256Hash::default());
    let root = layer_root(leaves, Sha256Hash::default());
    let piece_in_file = ((start - file_start) / layout.piece_length) as usize;
    Some((index, piece_in_file, root))
}
