//! Limits applied when loading a torrent (libtorrent's `load_torrent_limits`).

/// Limits that keep a hostile `.torrent` from using excessive memory or time.
///
/// The defaults are libtorrent's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadTorrentLimits {
    /// Largest `.torrent` file read into memory (10,000,000 bytes).
    pub max_buffer_size: usize,
    /// Most pieces a torrent may have (0x200000).
    pub max_pieces: u32,
    /// Deepest nesting bdecode accepts (100).
    pub max_decode_depth: usize,
    /// Most bencode tokens bdecode accepts (3,000,000).
    pub max_decode_tokens: usize,
    /// Most failed attempts at renaming colliding file names (500).
    pub max_duplicate_filenames: usize,
    /// Most path elements in one file path, or nesting of a v2 file tree (100).
    pub max_directory_depth: usize,
}

impl Default for LoadTorrentLimits {
    fn default() -> Self {
        Self {
            max_buffer_size: 10_000_000,
            max_pieces: 0x20_0000,
            max_decode_depth: 100,
            max_decode_tokens: 3_000_000,
            max_duplicate_filenames: 500,
            max_directory_depth: 100,
        }
    }
}
