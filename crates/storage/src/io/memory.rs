//! The in-memory backend: a map from full path to bytes, for tests. Behaves like a file
//! system that never fails: files grow to their torrent size when first written, reads of a
//! missing file fail with `NotFound`, reads past the end with `FileTooShort`.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{FileOperation, StorageError};
use crate::io::{FileIo, FileRef, Found, Slot};

#[derive(Debug, Clone)]
enum Node {
    File(Vec<u8>),
    Dir,
    Symlink,
}

/// Files in memory.
#[derive(Debug, Default)]
pub(crate) struct MemoryIo {
    nodes: Mutex<BTreeMap<PathBuf, Node>>,
}

impl MemoryIo {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<PathBuf, Node>> {
        // Every mutation below is a single map operation: a poisoned map is still consistent.
        self.nodes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn add_parents(nodes: &mut BTreeMap<PathBuf, Node>, path: &Path) {
    for dir in path.ancestors().skip(1) {
        if dir.as_os_str().is_empty() {
            break;
        }
        nodes.entry(dir.to_path_buf()).or_insert(Node::Dir);
    }
}

impl FileIo for MemoryIo {
    fn read(&self, file: &FileRef<'_>, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let nodes = self.lock();
        let data = match nodes.get(file.path) {
            Some(Node::File(data)) => data,
            Some(_) => {
                return Err(file.error(
                    FileOperation::Read,
                    io::Error::from(ErrorKind::IsADirectory),
                ))
            }
            None => {
                return Err(file.error(FileOperation::Open, io::Error::from(ErrorKind::NotFound)))
            }
        };
        let needed = offset + buf.len() as u64;
        let source = usize::try_from(offset)
            .ok()
            .and_then(|start| data.get(start..start.checked_add(buf.len())?));
        match source {
            Some(source) => {
                buf.copy_from_slice(source);
                Ok(())
            }
            None => Err(match file.index() {
                Some(index) => StorageError::FileTooShort {
                    file: index,
                    path: file.path.to_path_buf(),
                    operation: FileOperation::Read,
                    actual: data.len() as u64,
                    needed,
                },
                None => file.error(
                    FileOperation::PartFileRead,
                    io::Error::from(ErrorKind::UnexpectedEof),
                ),
            }),
        }
    }

    fn write(&self, file: &FileRef<'_>, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        let too_big = || {
            file.error(
                FileOperation::Write,
                io::Error::from(ErrorKind::OutOfMemory),
            )
        };
        let start = usize::try_from(offset).map_err(|_| too_big())?;
        let end = start.checked_add(data.len()).ok_or_else(too_big)?;
        let mut nodes = self.lock();
        add_parents(&mut nodes, file.path);
        let node = nodes
            .entry(file.path.to_path_buf())
            .or_insert_with(|| Node::File(Vec::new()));
        let Node::File(bytes) = node else {
            return Err(file.error(
                FileOperation::Open,
                io::Error::from(ErrorKind::IsADirectory),
            ));
        };
        let size = file
            .size
            .and_then(|size| usize::try_from(size).ok())
            .unwrap_or(0);
        if bytes.len() < end.max(size) {
            bytes.resize(end.max(size), 0);
        }
        if let Some(target) = bytes.get_mut(start..end) {
            target.copy_from_slice(data);
        }
        Ok(())
    }

    fn allocate(&self, file: &FileRef<'_>) -> Result<(), StorageError> {
        self.create(file)
    }

    fn create(&self, file: &FileRef<'_>) -> Result<(), StorageError> {
        self.write(file, 0, &[])
    }

    fn release(&self, _: Option<Slot>) {}

    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn stat(&self, path: &Path) -> io::Result<Found> {
        Ok(match self.lock().get(path) {
            Some(Node::File(data)) => Found::File {
                len: data.len() as u64,
            },
            Some(Node::Dir) => Found::Dir,
            Some(Node::Symlink) => Found::Other,
            None => Found::Missing,
        })
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut nodes = self.lock();
        add_parents(&mut nodes, path);
        nodes.entry(path.to_path_buf()).or_insert(Node::Dir);
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut nodes = self.lock();
        match nodes.get(path) {
            Some(Node::File(_) | Node::Symlink) => {
                nodes.remove(path);
                Ok(())
            }
            Some(Node::Dir) => Err(io::Error::from(ErrorKind::IsADirectory)),
            None => Err(io::Error::from(ErrorKind::NotFound)),
        }
    }

    fn remove_dir_if_empty(&self, path: &Path) -> io::Result<bool> {
        let mut nodes = self.lock();
        let has_children = nodes
            .range(path.to_path_buf()..)
            .skip(1)
            .take_while(|(child, _)| child.starts_with(path))
            .next()
            .is_some();
        if has_children {
            return Ok(false);
        }
        if matches!(nodes.get(path), Some(Node::Dir)) {
            nodes.remove(path);
        }
        Ok(true)
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<(), (FileOperation, io::Error)> {
        let mut nodes = self.lock();
        let node = nodes
            .remove(from)
            .ok_or((FileOperation::Rename, io::Error::from(ErrorKind::NotFound)))?;
        add_parents(&mut nodes, to);
        nodes.insert(to.to_path_buf(), node);
        Ok(())
    }

    fn symlink(&self, _target: &Path, link: &Path) -> io::Result<()> {
        let mut nodes = self.lock();
        if nodes.contains_key(link) {
            return Err(io::Error::from(ErrorKind::AlreadyExists));
        }
        add_parents(&mut nodes, link);
        nodes.insert(link.to_path_buf(), Node::Symlink);
        Ok(())
    }
}
