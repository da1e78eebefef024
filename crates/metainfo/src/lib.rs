//! Torrent metadata: loading `.torrent` files (v1, v2 and hybrid) with libtorrent's limits and
//! checks, the file layout ([`FileStorage`]), BEP 52 merkle trees, magnet links, torrent
//! creation and resume data.
//!
//! This crate does no network or disk I/O beyond reading a `.torrent` file or the files a torrent
//! is created from; the storage and session crates build on it.

#![forbid(unsafe_code)]

// Module list: one line per module; keep sorted.
mod add_torrent_params;
mod announce;
mod create;
mod duplicates;
mod error;
mod file_list;
mod file_storage;
mod info_section;
mod limits;
mod magnet;
mod merkle;
mod path_sanitize;
mod piece_layers;
mod raw_splice;
mod resume;
mod symlinks;
mod torrent_flags;
mod torrent_info;
mod url_escape;
mod utf8;
mod write_torrent;

pub use crate::add_torrent_params::{AddTorrentParams, StorageMode};
pub use crate::announce::{AnnounceEntry, DhtNode, WebSeed, WebSeedKind};
pub use crate::create::{CreateError, CreateTorrent, TorrentKind};
pub use crate::error::MetainfoError;
pub use crate::file_storage::{
    FileEntry, FileFlags, FileSlice, FileStorage, PeerRequest, MAX_FILE_OFFSET, MAX_FILE_SIZE,
    MAX_PIECE_SIZE,
};
pub use crate::limits::LoadTorrentLimits;
#[doc(hidden)]
pub use crate::magnet::internal as magnet_internal;
pub use crate::magnet::{make_magnet, parse_magnet, Magnet, MagnetError};
pub use crate::merkle::flat as merkle_flat;
pub use crate::merkle::{
    AddHashesResult, BlockRange, FailedPiece, HashRequest, MerkleError, MerkleTree, SetBlockResult,
};
#[doc(hidden)]
pub use crate::resume::internal as resume_internal;
pub use crate::resume::{
    read_resume_data, save_resume_data_file, write_resume_data, write_resume_data_buf, ResumeError,
};
pub use crate::torrent_flags::TorrentFlags;
pub use crate::torrent_info::TorrentInfo;
pub use crate::write_torrent::{
    write_torrent_file, write_torrent_file_buf, WriteTorrentError, WriteTorrentFlags,
};
