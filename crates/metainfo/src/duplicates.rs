//! Renaming files whose paths collide, the way libtorrent does (`resolve_duplicate_filenames`).
//!
//! Paths compare case-insensitively (ASCII), as on the file systems where collisions hurt.
//! Directories win over files: a file whose path is also a directory of another file is renamed
//! (directories of pad files do not count).
//! Pad files may share a path with pad files of the same size. A colliding file gets `.1`, `.2`,
//! … inserted before its extension (`foo.txt` → `foo.1.txt`).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use lt_core::FileIndex;

use crate::file_storage::FileStorage;
use crate::MetainfoError;

/// What a lower-cased path belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Directory,
    File(usize),
}

/// Finds colliding paths in `files` and returns the renames (file index, new path) that make
/// them unique.
///
/// # Errors
/// [`MetainfoError::TooManyDuplicateFilenames`] when finding free names took more than
/// `max_collisions` failed attempts.
pub(crate) fn resolve_duplicate_filenames(
    files: &FileStorage,
    max_collisions: usize,
) -> Result<Vec<(FileIndex, String)>, MetainfoError> {
    if !may_collide(files) {
        return Ok(Vec::new());
    }
    let mut taken: HashMap<String, Owner> = HashMap::with_capacity(files.files.len() * 2);
    // Pad files' directories are not directories of the torrent: a single-file v2 torrent's
    // tail pad is `NAME/.pad/N` next to the file `NAME`, which keeps its name (libtorrent).
    for file in files.files.iter().filter(|file| !file.is_pad()) {
        let path = &file.path;
        for (position, byte) in path.bytes().enumerate() {
            if byte == b'/' {
                taken
                    .entry(path[..position].to_ascii_lowercase())
                    .or_insert(Owner::Directory);
            }
        }
    }
    let mut renames = Vec::new();
    let mut collisions = 0usize;
    for (index, file) in files.files.iter().enumerate() {
        let lower = file.path.to_ascii_lowercase();
        let Some(&owner) = taken.get(&lower) else {
            taken.insert(lower, Owner::File(index));
            continue;
        };
        if let Owner::File(other) = owner {
            let other = &files.files[other];
            if file.is_pad() && other.is_pad() && file.size == other.size {
                continue;
            }
        }
        let (base, extension) = split_extension(&file.path);
        let mut counter = 0u32;
        let new_path = loop {
            counter += 1;
            let candidate = format!("{base}.{counter}{extension}");
            let candidate_lower = candidate.to_ascii_lowercase();
            if let std::collections::hash_map::Entry::Vacant(slot) = taken.entry(candidate_lower) {
                slot.insert(Owner::File(index));
                break candidate;
            }
            collisions += 1;
            if collisions > max_collisions {
                return Err(MetainfoError::TooManyDuplicateFilenames);
            }
        };
        renames.push((FileIndex::new(index as u32), new_path));
    }
    Ok(renames)
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// FNV-1a over ASCII-lower-cased bytes.
#[derive(Clone, Copy)]
struct LowerHash(u64);

impl LowerHash {
    const START: LowerHash = LowerHash(0xcbf2_9ce4_8422_2325);

    fn push(self, byte: u8) -> LowerHash {
        LowerHash(
            (self.0 ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01b3),
        )
    }
}

/// The fast check (libtorrent does the same with CRC-32): hashes of every directory and file
/// path, lower-cased; only when two hashes meet can two paths collide, and the exact (slower)
/// pass runs.
fn may_collide(files: &FileStorage) -> bool {
    let mut seen: HashSet<u64, BuildHasherDefault<PassThrough>> =
        HashSet::with_capacity_and_hasher(files.files.len() * 2, BuildHasherDefault::default());
    let mut directories: HashSet<u64, BuildHasherDefault<PassThrough>> = HashSet::default();
    for file in &files.files {
        let mut hash = LowerHash::START;
        for &byte in file.path.as_bytes() {
            if byte == b'/' {
                directories.insert(hash.0);
            }
            hash = hash.push(byte);
        }
        if !seen.insert(hash.0) {
            return true;
        }
    }
    directories.iter().any(|directory| seen.contains(directory))
}

/// Splits `dir/name.ext` into (`dir/name`, `.ext`); the extension starts at the last dot of the
/// last path component (and is empty without one).
fn split_extension(path: &str) -> (&str, &str) {
    let name_start = path.rfind('/').map_or(0, |slash| slash + 1);
    match path[name_start..].rfind('.') {
        Some(dot) => path.split_at(name_start + dot),
        None => (path, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::split_extension;

    #[test]
    fn extension_is_taken_from_the_last_component() {
        assert_eq!(split_extension("a/b.txt"), ("a/b", ".txt"));
        assert_eq!(split_extension("a.d/b"), ("a.d/b", ""));
        assert_eq!(split_extension("a/.hidden"), ("a/", ".hidden"));
        assert_eq!(split_extension("x.tar.gz"), ("x.tar", ".gz"));
    }
}
