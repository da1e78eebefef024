//! The read cache of [`ThreadPoolDiskIo`]: blocks a peer asks for are read from the disk a
//! line (16 blocks) at a time, so the requests that follow for the same piece are served from
//! memory. A seeder answers a peer's run of requests with one disk job per 256 KiB instead of
//! one per 16 KiB block (libtorrent 1.x's `read_cache_line_size` did the same).
//!
//! Lines are read once however many requests wait for them ([`OnceCell`]). A line goes once
//! as many bytes were served from it as it holds (a peer reading a piece front to back frees
//! each line as it moves on), or when [`MAX_LINES`] are cached and it is the oldest; any
//! write to a piece, or any change to the files, drops what was cached of it. So a torrent's
//! cache holds at most 8 MiB, and usually only the lines peers are in the middle of.
//!
//! [`ThreadPoolDiskIo`]: crate::ThreadPoolDiskIo

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use lt_core::PieceIndex;
use tokio::sync::OnceCell;

/// Bytes per cache line: 16 blocks.
pub(crate) const LINE: u32 = 256 * 1024;

/// Lines kept at most (8 MiB).
const MAX_LINES: usize = 32;

/// One line: filled once by the first reader, shared with everyone who waits for it.
pub(crate) type Line = Arc<LineEntry>;

/// A line's bytes, once read, and how many bytes were served from it.
#[derive(Debug, Default)]
pub(crate) struct LineEntry {
    pub(crate) bytes: OnceCell<Bytes>,
    served: AtomicU64,
}

/// The cached lines by (piece, first byte of the line in the piece), and their age.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    lines: Mutex<Lines>,
}

#[derive(Debug, Default)]
struct Lines {
    by_start: HashMap<(PieceIndex, u32), Line>,
    /// Oldest first; may name lines already dropped.
    age: VecDeque<(PieceIndex, u32)>,
}

impl ReadCache {
    fn lines(&self) -> MutexGuard<'_, Lines> {
        // Single map operations only: a poisoned cache is consistent.
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The line of `piece` that starts at `start`, new (empty) when not cached.
    pub(crate) fn line(&self, piece: PieceIndex, start: u32) -> Line {
        let mut lines = self.lines();
        if let Some(line) = lines.by_start.get(&(piece, start)) {
            return Arc::clone(line);
        }
        while lines.by_start.len() >= MAX_LINES {
            let Some(oldest) = lines.age.pop_front() else {
                break;
            };
            lines.by_start.remove(&oldest);
        }
        let line = Line::default();
        lines.by_start.insert((piece, start), Arc::clone(&line));
        lines.age.push_back((piece, start));
        line
    }

    /// Counts `served` bytes handed out of `line` (of `piece`, at `start`); drops the line
    /// once as many as it holds were.
    pub(crate) fn served(&self, piece: PieceIndex, start: u32, line: &Line, served: u64) {
        let total = line.served.fetch_add(served, Ordering::Relaxed) + served;
        let held = line
            .bytes
            .get()
            .map_or(u64::MAX, |bytes| bytes.len() as u64);
        if total < held {
            return;
        }
        let mut lines = self.lines();
        if lines
            .by_start
            .get(&(piece, start))
            .is_some_and(|cached| Arc::ptr_eq(cached, line))
        {
            lines.by_start.remove(&(piece, start));
            lines.age.retain(|key| *key != (piece, start));
        }
    }

    /// Drops what is cached of `piece` (it is being written).
    pub(crate) fn forget_piece(&self, piece: PieceIndex) {
        let mut lines = self.lines();
        lines.by_start.retain(|(cached, _), _| *cached != piece);
        lines.age.retain(|(cached, _)| *cached != piece);
    }

    /// Drops every line (the files changed).
    pub(crate) fn clear(&self) {
        let mut lines = self.lines();
        lines.by_start.clear();
        lines.age.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_shared_until_forgotten_and_the_oldest_go_first() {
        let cache = ReadCache::default();
        let piece = PieceIndex::new(3);
        let first = cache.line(piece, 0);
        assert!(Arc::ptr_eq(&first, &cache.line(piece, 0)));
        cache.forget_piece(piece);
        assert!(!Arc::ptr_eq(&first, &cache.line(piece, 0)));
        for index in 0..MAX_LINES as u32 {
            cache.line(PieceIndex::new(100 + index), 0);
        }
        // The line of piece 3 was the oldest: it went when the cache filled up.
        assert_eq!(cache.lines().by_start.len(), MAX_LINES);
        assert!(!cache.lines().by_start.contains_key(&(piece, 0)));
        cache.clear();
        assert!(cache.lines().by_start.is_empty());
    }

    #[test]
    fn a_line_goes_once_all_of_it_was_served() {
        let cache = ReadCache::default();
        let piece = PieceIndex::new(0);
        let line = cache.line(piece, 0);
        line.bytes.set(Bytes::from(vec![0u8; 100])).unwrap();
        cache.served(piece, 0, &line, 60);
        assert!(Arc::ptr_eq(&line, &cache.line(piece, 0)));
        cache.served(piece, 0, &line, 40);
        assert!(!Arc::ptr_eq(&line, &cache.line(piece, 0)));
    }
}
