//! Checking the files at start: the pieces already on disk are had and not downloaded again.
//! With resume data the pieces it claims are trusted once every file holding one exists and is
//! long enough (libtorrent's `check_fastresume`, no data read); otherwise, or when that fails,
//! every piece is hashed.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use lt_core::{Bitfield, FileIndex};
use lt_metainfo::TorrentInfo;
use lt_storage::{
    check_pad_pieces, check_pieces, CheckOptions, FastResumeStatus, MismatchReason, Storage,
    StorageError, StorageParams, TorrentStorage,
};

use super::pieces::DiskEvent;
use super::Torrent;

/// The storage, ready, and the pieces found on disk.
pub(super) struct Checked {
    pub(super) storage: TorrentStorage,
    pub(super) have: Bitfield,
    /// Why resume data was not trusted (a full check ran instead), if it was not.
    pub(super) fastresume_rejected: Option<(FileIndex, MismatchReason)>,
    /// The pieces had come from trusted resume data (not from hashing the files).
    pub(super) from_resume: bool,
}

impl Torrent {
    /// Opens the storage and hashes whatever is on disk, on a blocking thread.
    pub(super) fn start_check(&mut self) {
        let info = Arc::clone(&self.info);
        let mut params = StorageParams::new(self.config.save_path.clone());
        params.file_priorities = self.start.file_priorities.clone();
        let resume = self.start.resume_have.take();
        let done = Arc::clone(&self.checked_pieces);
        let threads = self.config.settings.aio_threads;
        let events = self.disk_sender.clone();
        tokio::task::spawn_blocking(move || {
            let result = check(info, params, resume, &done, threads).map(Box::new);
            let _ = events.send(DiskEvent::Checked(result));
        });
    }

    /// How far the check is, 0.0 to 1.0.
    pub(super) fn check_progress(&self) -> f32 {
        let done = self.checked_pieces.load(Ordering::Relaxed);
        done as f32 / self.info.num_pieces().max(1) as f32
    }
}

fn check(
    info: Arc<TorrentInfo>,
    params: StorageParams,
    resume: Option<Bitfield>,
    done: &AtomicU32,
    threads: usize,
) -> Result<Checked, StorageError> {
    let storage = TorrentStorage::new(info, params)?;
    let mut rejected = None;
    if let Some(have) = resume {
        let outcome = storage.check_files(&have)?;
        match outcome.status {
            FastResumeStatus::Ok => {
                storage.initialize()?;
                done.store(have.len() as u32, Ordering::Relaxed);
                return Ok(Checked {
                    storage,
                    have,
                    fastresume_rejected: None,
                    from_resume: true,
                });
            }
            FastResumeStatus::NeedFullCheck { file, reason } => rejected = Some((file, reason)),
            _ => {}
        }
    }
    let progress = |checked: u32, _total: u32| done.store(checked, Ordering::Relaxed);
    let options = CheckOptions {
        threads,
        progress: Some(&progress),
        cancel: None,
    };
    // A fresh download (no file on disk yet) has nothing to read: only pieces wholly in pad
    // files can be had.
    let have = if storage.has_any_data()? {
        check_pieces(&storage, &options)?
    } else {
        done.store(storage.info().num_pieces(), Ordering::Relaxed);
        check_pad_pieces(&storage)?
    };
    storage.initialize()?;
    Ok(Checked {
        storage,
        have,
        fastresume_rejected: rejected,
        from_resume: false,
    })
}
