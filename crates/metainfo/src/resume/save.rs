//! Saving resume data to disk atomically: a temporary file in the same directory, synced,
//! renamed over the target, then the directory synced.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::write_resume_data_buf;
use crate::AddTorrentParams;

/// Writes the params' resume data ([`write_resume_data_buf`]) to `path`, replacing the file
/// atomically.
///
/// The data goes to a temporary file next to `path`, which is flushed to disk (`fsync`) and
/// renamed over `path`; then the directory is synced so the rename itself is durable. After a
/// crash at any point `path` holds either the old resume data or the new, complete. On error
/// the temporary file is removed and `path` is untouched.
///
/// # Errors
/// Any I/O error creating, writing, syncing or renaming, and `InvalidInput` when `path` has no
/// file name.
///
/// # Examples
/// ```
/// use lt_metainfo::{read_resume_data, save_resume_data_file, AddTorrentParams, LoadTorrentLimits};
///
/// let dir = std::env::temp_dir().join(format!("lt-doc-save-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let mut params = AddTorrentParams::default();
/// params.info_hashes = lt_core::InfoHash::v1(lt_core::Sha1Hash::from_bytes([1; 20]));
/// params.save_path = "/data".to_owned();
/// save_resume_data_file(dir.join("a.resume"), &params)?;
///
/// let bytes = std::fs::read(dir.join("a.resume"))?;
/// let loaded = read_resume_data(&bytes, &LoadTorrentLimits::default())?;
/// assert_eq!(loaded.save_path, "/data");
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_resume_data_file(path: impl AsRef<Path>, params: &AddTorrentParams) -> io::Result<()> {
    replace_file(path.as_ref(), &write_resume_data_buf(params))
}

/// Replaces `path` with `bytes` through a synced temporary file and a rename.
fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "resume data path has no file name",
        )
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".{}.{unique}.tmp", std::process::id()));
    let temp = dir.join(temp_name);

    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Gone already when the rename succeeded; otherwise do not leave it behind.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing here; the rename is as durable as the OS makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
