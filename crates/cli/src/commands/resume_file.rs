//! `--resume-dir`: one torrent's resume data in `DIR/<info-hash>.resume` (libtorrent's format),
//! loaded at start and replaced atomically (temporary file, fsync, rename) as pieces pass, so
//! a crash loses at most the pieces of the last second.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use lt_metainfo::{read_resume_data, save_resume_data_file, LoadTorrentLimits, TorrentInfo};
use lt_session::{AddTorrentParams, TorrentHandle, TorrentStatus};

/// The shortest time between two saves while pieces keep passing.
const SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// A torrent's resume file.
#[derive(Debug)]
pub(crate) struct ResumeFile {
    path: PathBuf,
    info: TorrentInfo,
    /// Pieces had at the last save, and when it was.
    saved: Option<(u32, Instant)>,
}

impl ResumeFile {
    /// The resume file of `info` in `dir` (created if missing).
    pub(crate) fn new(dir: &Path, info: &TorrentInfo) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the resume directory {}", dir.display()))?;
        let name = format!("{}.resume", info.info_hashes().get_best());
        Ok(Self {
            path: dir.join(name),
            info: info.clone(),
            saved: None,
        })
    }

    /// The saved resume data, or empty params when there is none yet.
    ///
    /// # Errors
    /// The file cannot be read, is not resume data, or is for another torrent.
    pub(crate) fn load(&self) -> anyhow::Result<AddTorrentParams> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AddTorrentParams::default());
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", self.path.display()))
            }
        };
        let params = read_resume_data(&bytes, &LoadTorrentLimits::default())
            .with_context(|| format!("{} is not valid resume data", self.path.display()))?;
        if params.info_hashes != self.info.info_hashes() {
            anyhow::bail!("{} is resume data of another torrent", self.path.display());
        }
        Ok(params)
    }

    /// Saves when pieces passed since the last save and [`SAVE_INTERVAL`] is over.
    pub(crate) async fn save_if_due(
        &mut self,
        handle: &TorrentHandle,
        status: &TorrentStatus,
    ) -> anyhow::Result<()> {
        let due = match self.saved {
            None => true,
            Some((pieces, at)) => pieces != status.num_pieces && at.elapsed() >= SAVE_INTERVAL,
        };
        if due {
            self.save(handle, status).await?;
        }
        Ok(())
    }

    /// Saves the torrent's resume data now.
    pub(crate) async fn save(
        &mut self,
        handle: &TorrentHandle,
        status: &TorrentStatus,
    ) -> anyhow::Result<()> {
        let params = handle.save_resume_data().await?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || save_resume_data_file(&path, &params))
            .await
            .context("the resume-data writer stopped")?
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.saved = Some((status.num_pieces, Instant::now()));
        Ok(())
    }
}
