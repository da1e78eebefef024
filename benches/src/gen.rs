//! Deterministic benchmark inputs: a large multi-file `.torrent` and DHT-like messages.

use lt_bencode::{EncodeError, Encoder};
use lt_core::Sha1Hash;

use crate::SplitMix64;

/// The number of files in the benchmark torrent (about 10 MB of metadata).
pub const DEFAULT_FILES: usize = 100_000;
/// The seed of the benchmark torrent.
pub const TORRENT_SEED: u64 = 7;
/// The benchmark torrent's piece length: 1 MiB.
pub const PIECE_LENGTH: u64 = 1 << 20;
/// The number of DHT-like messages in the small-message benchmark.
pub const DEFAULT_MESSAGES: usize = 10_000;
/// The seed of the DHT-like messages.
pub const MESSAGES_SEED: u64 = 42;

/// What [`big_torrent`] produced besides the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorrentSummary {
    /// Files in the torrent.
    pub files: usize,
    /// Pieces in the torrent.
    pub pieces: u64,
    /// Sum of the file lengths.
    pub total_length: u64,
}

/// A valid v1 multi-file `.torrent` with `files` files of random sizes in 1 B ..= 4 MiB, named
/// `dirNNN/subNN/file-NNNNNN.bin`, a 1 MiB piece length, an announce URL, a comment and a
/// creation date. The piece hashes are the SHA-1 of each piece's index in decimal, since no
/// payload exists. The same `seed` gives the same bytes.
///
/// # Errors
/// Never in practice: the encoder only fails on misuse or on write errors, and a `Vec` does not
/// fail to write.
pub fn big_torrent(files: usize, seed: u64) -> Result<(Vec<u8>, TorrentSummary), EncodeError> {
    let mut random = SplitMix64::new(seed);
    let lengths: Vec<u64> = (0..files).map(|_| random.in_range(1, 4 << 20)).collect();
    let total_length: u64 = lengths.iter().sum();
    let pieces = total_length.div_ceil(PIECE_LENGTH);

    let mut encoder = Encoder::new(Vec::with_capacity(files * 64 + pieces as usize * 20 + 256));
    encoder.begin_dict()?;
    encoder.key(b"announce")?;
    encoder.str("http://127.0.0.1:6969/announce")?;
    encoder.key(b"comment")?;
    encoder.str("synthetic benchmark torrent")?;
    encoder.key(b"creation date")?;
    encoder.int(1_700_000_000)?;
    encoder.key(b"info")?;
    encoder.begin_dict()?;
    encoder.key(b"files")?;
    encoder.begin_list()?;
    for (index, length) in lengths.iter().enumerate() {
        encoder.begin_dict()?;
        encoder.key(b"length")?;
        encoder.int(*length as i64)?;
        encoder.key(b"path")?;
        encoder.begin_list()?;
        encoder.str(&format!("dir{:03}", index % 500))?;
        encoder.str(&format!("sub{:02}", index % 37))?;
        encoder.str(&format!("file-{index:06}.bin"))?;
        encoder.end()?;
        encoder.end()?;
    }
    encoder.end()?;
    encoder.key(b"name")?;
    encoder.str("big")?;
    encoder.key(b"piece length")?;
    encoder.int(PIECE_LENGTH as i64)?;
    encoder.key(b"pieces")?;
    let mut hashes = Vec::with_capacity(pieces as usize * 20);
    for piece in 0..pieces {
        hashes.extend_from_slice(Sha1Hash::digest(piece.to_string().as_bytes()).as_bytes());
    }
    encoder.bytes(&hashes)?;
    encoder.end()?;
    encoder.end()?;
    let summary = TorrentSummary {
        files,
        pieces,
        total_length,
    };
    Ok((encoder.finish()?, summary))
}

/// `count` DHT responses of about 300 bytes each, alternating between `get_peers` responses
/// carrying a `token` and 20 to 32 compact peers in `values`, and `find_node` responses carrying
/// eight compact nodes in `nodes`. Each has the BEP 42 `ip` field, a transaction id and a client
/// version, like what a DHT node receives on the wire.
///
/// # Errors
/// Never in practice, as for [`big_torrent`].
pub fn dht_messages(count: usize, seed: u64) -> Result<Vec<Vec<u8>>, EncodeError> {
    let mut random = SplitMix64::new(seed);
    let mut messages = Vec::with_capacity(count);
    for index in 0..count {
        let mut encoder = Encoder::new(Vec::with_capacity(352));
        encoder.begin_dict()?;
        encoder.key(b"ip")?;
        encoder.bytes(&random.bytes::<6>())?;
        encoder.key(b"r")?;
        encoder.begin_dict()?;
        encoder.key(b"id")?;
        encoder.bytes(&random.bytes::<20>())?;
        if index % 2 == 0 {
            encoder.key(b"token")?;
            encoder.bytes(&random.bytes::<8>())?;
            encoder.key(b"values")?;
            encoder.begin_list()?;
            for _ in 0..random.in_range(20, 32) {
                encoder.bytes(&random.bytes::<6>())?;
            }
            encoder.end()?;
        } else {
            encoder.key(b"nodes")?;
            encoder.bytes(&random.bytes::<{ 8 * 26 }>())?;
        }
        encoder.end()?;
        encoder.key(b"t")?;
        encoder.bytes(&random.bytes::<2>())?;
        encoder.key(b"v")?;
        encoder.bytes(&[b'L', b'T', 0x02, 0x00])?;
        encoder.key(b"y")?;
        encoder.str("r")?;
        encoder.end()?;
        messages.push(encoder.finish()?);
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_torrent_has_the_promised_shape() {
        let (bytes, summary) = big_torrent(1000, TORRENT_SEED).unwrap();
        assert_eq!(big_torrent(1000, TORRENT_SEED).unwrap().0, bytes);
        let options = lt_bencode::DecodeOptions::strict();
        let document = lt_bencode::bdecode_with(&bytes, &options).unwrap();
        let root = document.root();
        assert_eq!(
            root.dict_find_int_value("creation date"),
            Some(1_700_000_000)
        );
        let info = root.dict_find_dict("info").unwrap();
        let files = info.dict_find_list("files").unwrap();
        assert_eq!(files.list_size(), 1000);
        let mut total = 0;
        for file in files.list_iter() {
            let length = file.dict_find_int_value("length").unwrap();
            assert!((1..=4 << 20).contains(&length));
            total += length as u64;
        }
        assert_eq!(total, summary.total_length);
        let last = files.list_at(999).unwrap().dict_find_list("path").unwrap();
        let path: Vec<_> = last
            .list_iter()
            .map(|part| part.as_str().unwrap())
            .collect();
        assert_eq!(path, ["dir499", "sub00", "file-000999.bin"]);
        let pieces = info.dict_find_string_value("pieces").unwrap();
        assert_eq!(pieces.len() as u64, summary.pieces * 20);
        assert_eq!(summary.pieces, summary.total_length.div_ceil(PIECE_LENGTH));
    }

    #[test]
    fn dht_messages_are_about_300_bytes() {
        let messages = dht_messages(200, MESSAGES_SEED).unwrap();
        let total: usize = messages.iter().map(Vec::len).sum();
        let average = total / messages.len();
        assert!((250..=350).contains(&average), "average {average}");
        let mut decoder = lt_bencode::Decoder::new(lt_bencode::DecodeOptions::strict());
        for (index, message) in messages.iter().enumerate() {
            let root = decoder.decode(message).unwrap();
            assert_eq!(root.dict_find_str("y"), Some("r"));
            let response = root.dict_find_dict("r").unwrap();
            let key = if index % 2 == 0 { "values" } else { "nodes" };
            assert!(response.dict_find(key).is_some());
        }
    }
}
