//! Changing file priorities: routing a file's data to or from the part file, and moving what
//! the part file holds into the real file when a file becomes wanted again.

use lt_core::{FileIndex, PieceIndex};

use crate::error::StorageError;
use crate::io::Found;
use crate::params::{DEFAULT_PRIORITY, DONT_DOWNLOAD};
use crate::torrent_storage::TorrentStorage;

pub(crate) fn set_file_priorities(
    storage: &mut TorrentStorage,
    priorities: &[u8],
) -> Result<(), StorageError> {
    let result = apply(storage, priorities);
    // Whatever happened, give back slots no file needs any more.
    for piece in storage.part_file.pieces() {
        if !storage.piece_uses_part_file(piece) {
            storage.part_file.free(storage.io.as_ref(), piece)?;
        }
    }
    result
}

fn apply(storage: &mut TorrentStorage, priorities: &[u8]) -> Result<(), StorageError> {
    for file in storage.layout.file_indices().collect::<Vec<_>>() {
        let old = storage.priority(file);
        let new = priorities
            .get(file.as_usize())
            .copied()
            .unwrap_or(DEFAULT_PRIORITY);
        if old == DONT_DOWNLOAD && new != DONT_DOWNLOAD && storage.uses_part_file(file) {
            export_file(storage, file)?;
            storage.set_use_part_file(file, false);
        } else if old != DONT_DOWNLOAD
            && new == DONT_DOWNLOAD
            && storage.layout.is_regular(file)
            && !storage.uses_part_file(file)
            && storage.stat(file)? == Found::Missing
        {
            // A file that already exists keeps its data (libtorrent does the same).
            storage.set_use_part_file(file, true);
        }
        if let Some(slot) = storage.priorities.get_mut(file.as_usize()) {
            *slot = new;
        }
    }
    Ok(())
}

/// Copies file `file`'s bytes of every piece the part file holds into the file itself.
fn export_file(storage: &TorrentStorage, file: FileIndex) -> Result<(), StorageError> {
    let files = storage.layout.info().files();
    let path = storage.file_path(file);
    let file_ref = storage.file_ref(file, &path);
    let mut buffer = Vec::new();
    for piece in files.file_piece_range(file).map(PieceIndex::new) {
        if !storage.part_file.has_piece(piece) {
            continue;
        }
        let piece_size = storage.layout.piece_size(piece)?;
        let mut in_piece = 0u32;
        for slice in storage.layout.slices(piece, 0, piece_size as usize)? {
            if slice.file_index == file {
                buffer.resize(slice.size as usize, 0);
                storage
                    .part_file
                    .read(storage.io.as_ref(), piece, in_piece, &mut buffer)?;
                storage.io.write(&file_ref, slice.offset, &buffer)?;
            }
            in_piece += slice.size as u32;
        }
    }
    Ok(())
}
