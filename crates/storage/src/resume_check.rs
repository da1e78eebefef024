//! Checking resume data against the files on disk without reading them (libtorrent's
//! `check_fastresume`): every file that holds a claimed piece must exist and be long enough.

use lt_core::{Bitfield, PieceIndex};

use crate::error::StorageError;
use crate::io::Found;
use crate::storage::{CheckFilesOutcome, FastResumeStatus, MismatchReason};
use crate::torrent_storage::TorrentStorage;

pub(crate) fn check_files(
    storage: &TorrentStorage,
    have: &Bitfield,
) -> Result<CheckFilesOutcome, StorageError> {
    let mut outcome = CheckFilesOutcome::default();
    let files = storage.layout.info().files();
    let piece_length = u64::from(files.piece_length());
    for file in storage.layout.file_indices() {
        if !storage.layout.is_regular(file) {
            continue;
        }
        let size = storage.layout.size(file);
        let offset = files.file_offset(file);
        let claimed: Vec<u32> = files
            .file_piece_range(file)
            .filter(|&piece| have.get(piece as usize))
            .collect();
        let mismatch = if storage.uses_part_file(file) {
            claimed
                .iter()
                .map(|&piece| PieceIndex::new(piece))
                .find(|&piece| !storage.part_file.has_piece(piece))
                .map(MismatchReason::NotInPartFile)
        } else {
            // The last byte of the file that a claimed piece covers.
            let needed = claimed.last().map_or(0, |&piece| {
                let piece_end = (u64::from(piece) + 1) * piece_length;
                piece_end.saturating_sub(offset).min(size)
            });
            match storage.stat(file)? {
                Found::File { len } => {
                    if len > size {
                        outcome.oversized_files.push(file);
                    }
                    (len < needed).then_some(MismatchReason::TooShort {
                        actual: len,
                        needed,
                    })
                }
                Found::Missing => (needed > 0).then_some(MismatchReason::Missing),
                Found::Dir | Found::Other => (needed > 0).then_some(MismatchReason::NotAFile),
            }
        };
        if let (Some(reason), FastResumeStatus::Ok) = (mismatch, &outcome.status) {
            outcome.status = FastResumeStatus::NeedFullCheck { file, reason };
        }
    }
    Ok(outcome)
}
