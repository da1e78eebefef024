//! Why a torrent failed to load, in libtorrent's words.

use std::path::PathBuf;

use lt_bencode::BdecodeError;

/// A `.torrent` (or info dictionary) that could not be loaded.
///
/// Each variant is one of libtorrent's `errors::error_code_enum` values and displays libtorrent's
/// message for it; [`MetainfoError::code_name`] gives the enum name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetainfoError {
    /// The input is not valid bencoding (libtorrent's bdecode message and offset).
    #[error(transparent)]
    Bdecode(#[from] BdecodeError),
    /// The top level is not a dictionary.
    #[error("torrent file is not a dictionary")]
    TorrentIsNoDict,
    /// No `info` dictionary.
    #[error("missing or invalid 'info' section in torrent file")]
    MissingInfo,
    /// `info` is not a dictionary (when parsing a bare info section).
    #[error("invalid 'info' section in torrent file")]
    InfoNoDict,
    /// `piece length` is missing, not a positive integer, too large, or (v2) not a power of two
    /// of at least 16 KiB.
    #[error("invalid or missing 'piece length' entry in torrent file")]
    MissingPieceLength,
    /// No usable `name`, or a file entry without a `path`.
    #[error("missing name in torrent file")]
    MissingName,
    /// A path list holds something that is not a string.
    #[error("invalid 'name' of torrent (possible exploit attempt)")]
    InvalidName,
    /// A file length is missing, negative or too large, or the total size is zero.
    #[error("invalid length of torrent")]
    InvalidLength,
    /// The file list or file tree is malformed.
    #[error("failed to parse files from torrent file")]
    FileParseFailed,
    /// `pieces` is missing or not a string.
    #[error("invalid or missing 'pieces' entry in torrent file")]
    MissingPieces,
    /// `pieces` does not hold exactly 20 bytes per piece.
    #[error("incorrect number of piece hashes in torrent file")]
    InvalidHashes,
    /// More pieces than the limit allows.
    #[error("too many pieces in torrent")]
    TooManyPieces,
    /// A v2 info dictionary with a soft bencoding error (libtorrent treats them as fatal there).
    #[error("invalid bencoding")]
    InvalidBencoding,
    /// The file list is empty.
    #[error("no files in torrent")]
    NoFiles,
    /// `meta version` is above 2.
    #[error("unknown torrent version")]
    UnknownVersion,
    /// `meta version` 2 without a `file tree`.
    #[error("v2 torrent has no file tree")]
    MissingFileTree,
    /// A `file tree` without `meta version`.
    #[error("torrent missing meta version")]
    MissingMetaVersion,
    /// A hybrid torrent whose v1 and v2 file lists describe different data.
    #[error("the v1 and v2 file metadata does not match")]
    InconsistentFiles,
    /// A v2 file larger than one piece has no entry in `piece layers`.
    #[error("one or more files are missing piece layer hashes")]
    MissingPieceLayer,
    /// A piece layer has the wrong size or does not hash up to the file's root.
    #[error("a piece layer is invalid")]
    InvalidPieceLayer,
    /// A non-empty v2 file has no (or an all-zero) `pieces root`.
    #[error("a v2 file entry has no root hash")]
    MissingPiecesRoot,
    /// A v2 file tree entry has the pad attribute.
    #[error("a file in the v2 metadata has the pad attribute set")]
    InvalidPadFile,
    /// Renaming colliding file names took more attempts than the limit.
    #[error("too many duplicate filenames")]
    TooManyDuplicateFilenames,
    /// A path is nested deeper than the directory depth limit.
    #[error("directory structure in torrent file exceeds depth limit")]
    DirectoryTooDeep,
    /// The file is larger than the size limit.
    #[error("metadata too large")]
    MetadataTooLarge,
    /// Reading the `.torrent` file failed.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

impl MetainfoError {
    /// libtorrent's name for the error (`errors::` or `bdecode_errors::` enum name).
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::Bdecode(error) => error.kind.code_name(),
            Self::TorrentIsNoDict => "torrent_is_no_dict",
            Self::MissingInfo => "torrent_missing_info",
            Self::InfoNoDict => "torrent_info_no_dict",
            Self::MissingPieceLength => "torrent_missing_piece_length",
            Self::MissingName => "torrent_missing_name",
            Self::InvalidName => "torrent_invalid_name",
            Self::InvalidLength => "torrent_invalid_length",
            Self::FileParseFailed => "torrent_file_parse_failed",
            Self::MissingPieces => "torrent_missing_pieces",
            Self::InvalidHashes => "torrent_invalid_hashes",
            Self::TooManyPieces => "too_many_pieces_in_torrent",
            Self::InvalidBencoding => "invalid_bencoding",
            Self::NoFiles => "no_files_in_torrent",
            Self::UnknownVersion => "torrent_unknown_version",
            Self::MissingFileTree => "torrent_missing_file_tree",
            Self::MissingMetaVersion => "torrent_missing_meta_version",
            Self::InconsistentFiles => "torrent_inconsistent_files",
            Self::MissingPieceLayer => "torrent_missing_piece_layer",
            Self::InvalidPieceLayer => "torrent_invalid_piece_layer",
            Self::MissingPiecesRoot => "torrent_missing_pieces_root",
            Self::InvalidPadFile => "torrent_invalid_pad_file",
            Self::TooManyDuplicateFilenames => "too_many_duplicate_filenames",
            Self::DirectoryTooDeep => "torrent_directory_too_deep",
            Self::MetadataTooLarge => "metadata_too_large",
            Self::Io { .. } => "io_error",
        }
    }

    /// The message libtorrent shows for this error (without our byte offsets and paths).
    pub fn libtorrent_message(&self) -> String {
        match self {
            Self::Bdecode(error) => error.kind.message().to_string(),
            other => other.to_string(),
        }
    }
}
