//! Resume data in libtorrent's bencoded format: [`read_resume_data`] loads it (libtorrent
//! `.resume` files and qBittorrent `.fastresume` files, file versions 1 and 2) into
//! [`AddTorrentParams`](crate::AddTorrentParams), [`write_resume_data`] and
//! [`write_resume_data_buf`] save params in libtorrent 2.1's layout, and
//! [`save_resume_data_file`] puts them on disk so that a crash leaves the old file or the new
//! one, never a torn one.
//!
//! The parts, one per file:
//!
//! - `read`: the reader, key by key as libtorrent 2.1's `read_resume_data`;
//! - `write`: the writer (`write_resume_data`);
//! - `save`: the atomic file replacement;
//! - `error`: [`ResumeError`], with libtorrent's messages;
//! - `internal`: what a write/read round trip keeps, for tests and fuzzing.

mod error;
pub mod internal;
mod read;
mod save;
mod write;

pub use self::{
    error::ResumeError,
    read::read_resume_data,
    save::save_resume_data_file,
    write::{write_resume_data, write_resume_data_buf},
};

pub(crate) use crate::write_torrent::MAX_TRACKER_TIER;

/// The `file-format` tag of every libtorrent resume file.
pub(crate) const FILE_FORMAT: &[u8] = b"libtorrent resume file";

/// The `file-version` we write: libtorrent 2.1's, with packed bitfields.
pub(crate) const FILE_VERSION: i64 = 2;
