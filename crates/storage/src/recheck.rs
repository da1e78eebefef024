//! The full recheck: read every piece back and verify it, on all cores (libtorrent's
//! `checking_files` state), with progress and cancellation.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;

use lt_core::{Bitfield, PieceIndex};

use crate::error::StorageError;
use crate::hash::{hash_piece, sha1_pairs_pay, PairHashing, PieceHashing};
use crate::storage::Storage;
use crate::verify::PieceVerifier;

/// Bytes read per call: small enough to stay in the CPU cache between the copy and the
/// hashing, a multiple of 16 KiB so v2 blocks never straddle two reads.
const CHUNK: usize = 64 * 1024;

/// Reads `piece` in chunks, hashing as it goes; whether it matches the torrent.
fn hash_chunked(
    storage: &dyn Storage,
    verifier: &PieceVerifier,
    piece: PieceIndex,
    buffer: &mut [u8],
) -> Result<bool, StorageError> {
    let info = storage.info();
    let size = info.piece_size(piece);
    let mut hashing = PieceHashing::new(info, piece, verifier.kinds());
    let mut offset = 0u32;
    while offset < size {
        let take = (size - offset).min(buffer.len() as u32);
        let chunk = buffer.get_mut(..take as usize).unwrap_or_default();
        storage.read(piece, offset, chunk)?;
        hashing.update(chunk);
        offset += take;
    }
    Ok(verifier.verify_hashes(info, piece, &hashing.finish()))
}

/// Reads two pieces in chunks, hashing them side by side ([`PairHashing`]); whether each
/// matches the torrent. A read error of one piece leaves the other to finish.
fn hash_pair_chunked(
    storage: &dyn Storage,
    verifier: &PieceVerifier,
    pieces: [PieceIndex; 2],
    buffers: &mut [Vec<u8>; 2],
) -> [Result<bool, StorageError>; 2] {
    let info = storage.info();
    let sizes = pieces.map(|piece| info.piece_size(piece));
    let mut hashing = PairHashing::new(info, pieces, verifier.kinds());
    let mut failed: [Option<StorageError>; 2] = [None, None];
    let mut offset = 0u32;
    while offset < sizes[0].max(sizes[1]) {
        let mut chunks: [&[u8]; 2] = [&[], &[]];
        for (lane, (buffer, chunk)) in buffers.iter_mut().zip(&mut chunks).enumerate() {
            let (piece, size) = (pieces[lane], sizes[lane]);
            if offset >= size || failed[lane].is_some() {
                continue;
            }
            let take = (size - offset).min(buffer.len() as u32);
            let read = buffer.get_mut(..take as usize).unwrap_or_default();
            match storage.read(piece, offset, read) {
                Ok(()) => *chunk = read,
                Err(error) => failed[lane] = Some(error),
            }
        }
        hashing.update(chunks);
        offset = offset.saturating_add(buffers[0].len() as u32);
    }
    let mut hashes = hashing.finish().into_iter();
    let mut failed = failed.into_iter();
    pieces.map(|piece| {
        let hashes = hashes.next().unwrap_or_default();
        match failed.next().flatten() {
            Some(error) => Err(error),
            None => Ok(verifier.verify_hashes(info, piece, &hashes)),
        }
    })
}

/// How [`check_pieces`] runs.
#[derive(Clone, Copy, Default)]
pub struct CheckOptions<'a> {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called as pieces finish with (pieces done, pieces total), from the worker threads.
    pub progress: Option<&'a (dyn Fn(u32, u32) + Sync)>,
    /// Set it to stop the check early with [`StorageError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for CheckOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckOptions")
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

/// Reads every piece of the torrent from `storage` and returns the pieces whose data matches
/// (SHA-1 for v1, the files' merkle trees for v2, both for hybrid torrents).
///
/// Missing and short files are pieces we do not have, not errors. Pieces are handed out to the
/// workers in order, one at a time or, where the CPU hashes two SHA-1s at once faster
/// ([`lt_core::hash_pairs_accelerated`]) and the torrent has v1 hashes, two at a time, so the
/// files are read front to back.
///
/// # Errors
/// [`StorageError::Cancelled`] when `options.cancel` is set; the first other read error (a
/// permission denied, an I/O error), which stops every worker.
///
/// # Examples
/// ```no_run
/// # fn demo(storage: &dyn lt_storage::Storage) -> Result<(), lt_storage::StorageError> {
/// let progress = |done: u32, total: u32| eprintln!("{done}/{total}");
/// let options = lt_storage::CheckOptions { progress: Some(&progress), ..Default::default() };
/// let have = lt_storage::check_pieces(storage, &options)?;
/// println!("{} of {} pieces", have.count_ones(), have.len());
/// # Ok(()) }
/// ```
pub fn check_pieces(
    storage: &dyn Storage,
    options: &CheckOptions<'_>,
) -> Result<Bitfield, StorageError> {
    let info = storage.info();
    let total = info.num_pieces();
    let verifier = PieceVerifier::new(info);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    }
    .clamp(1, total.max(1) as usize);
    let next = AtomicU32::new(0);
    let done = AtomicU32::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<StorageError>> = Mutex::new(None);
    let have = Mutex::new(Bitfield::new(total as usize));
    let cancelled = || {
        options
            .cancel
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    };

    // Two pieces at a time when the CPU hashes two SHA-1s faster than one after the other.
    let per_turn: u32 = if sha1_pairs_pay(verifier.kinds()) {
        2
    } else {
        1
    };
    let worker = || {
        let chunk = CHUNK.min(info.piece_length() as usize);
        let mut buffers = [vec![0u8; chunk], vec![0u8; chunk]];
        let mut passed = Vec::new();
        'turns: loop {
            if stop.load(Ordering::Relaxed) || cancelled() {
                break;
            }
            let first = next.fetch_add(per_turn, Ordering::Relaxed);
            if first >= total {
                break;
            }
            let pieces = [PieceIndex::new(first), PieceIndex::new(first + 1)];
            let results = if first + 1 < total && per_turn == 2 {
                Vec::from(hash_pair_chunked(storage, &verifier, pieces, &mut buffers))
            } else {
                vec![hash_chunked(storage, &verifier, pieces[0], &mut buffers[0])]
            };
            for (piece, result) in pieces.into_iter().zip(results) {
                match result {
                    Ok(true) => passed.push(piece.as_usize()),
                    Ok(false) => {}
                    Err(error) if error.is_missing_data() => {}
                    Err(error) => {
                        stop.store(true, Ordering::Relaxed);
                        let mut slot = failure
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        slot.get_or_insert(error);
                        break 'turns;
                    }
                }
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(progress) = options.progress {
                    progress(finished, total);
                }
            }
        }
        let mut have = have
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for piece in passed {
            have.set(piece);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(worker);
        }
        worker();
    });

    if let Some(error) = failure
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(error);
    }
    if cancelled() {
        return Err(StorageError::Cancelled);
    }
    Ok(have
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// What [`check_pieces`] finds when none of the files is on disk: the pieces that lie wholly in
/// pad files (they read as zeros without any file) and whose hashes match, without touching the
/// disk. A fresh download skips its full check with this (`TorrentStorage::has_any_data`).
///
/// # Errors
/// None in practice: pad bytes are not read from disk.
///
/// # Examples
/// ```no_run
/// # fn demo(storage: &lt_storage::TorrentStorage) -> Result<(), lt_storage::StorageError> {
/// let have = if storage.has_any_data()? {
///     lt_storage::check_pieces(storage, &Default::default())?
/// } else {
///     lt_storage::check_pad_pieces(storage)?
/// };
/// # Ok(()) }
/// ```
pub fn check_pad_pieces(storage: &dyn Storage) -> Result<Bitfield, StorageError> {
    let info = storage.info();
    let mut have = Bitfield::new(info.num_pieces() as usize);
    let files = info.files();
    let piece_length = u64::from(info.piece_length());
    if !files
        .files()
        .iter()
        .any(|file| file.is_pad() && file.size() >= piece_length)
    {
        return Ok(have);
    }
    let verifier = PieceVerifier::new(info);
    for index in 0..info.num_pieces() {
        let piece = PieceIndex::new(index);
        let all_pad = info
            .map_block(piece, 0, u64::from(info.piece_size(piece)))
            .iter()
            .all(|slice| files.pad_file_at(slice.file_index));
        if all_pad
            && verifier.verify_hashes(info, piece, &hash_piece(storage, piece, verifier.kinds())?)
        {
            have.set(index as usize);
        }
    }
    Ok(have)
}
