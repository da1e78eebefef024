//! The file pool: at most N open handles, least recently used closed first, each either
//! read-only or read-write (libtorrent's `file_pool`).
//!
//! The pool's lock is held only to look up, insert or evict; opening a file and all I/O happen
//! outside it, on an `Arc` of the handle.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::StorageError;
use crate::io::Slot;

#[derive(Debug)]
struct Entry<H> {
    slot: Slot,
    writable: bool,
    handle: Arc<H>,
    last_use: u64,
}

#[derive(Debug)]
struct Inner<H> {
    entries: Vec<Entry<H>>,
    clock: u64,
}

/// An LRU of open handles of type `H`.
#[derive(Debug)]
pub(super) struct FilePool<H> {
    capacity: usize,
    inner: Mutex<Inner<H>>,
}

impl<H> FilePool<H> {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                entries: Vec::new(),
                clock: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<H>> {
        // A panic while holding the lock cannot leave the entry list inconsistent (every
        // mutation is a single push, remove or field store), so a poisoned lock is usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The handle for `slot`, opened by `open(writable)` if the pool has none that allows
    /// `writable` access. A read-only handle is replaced by a read-write one when writing.
    pub(super) fn get(
        &self,
        slot: Slot,
        writable: bool,
        open: impl FnOnce(bool) -> Result<H, StorageError>,
    ) -> Result<Arc<H>, StorageError> {
        {
            let mut inner = self.lock();
            inner.clock += 1;
            let now = inner.clock;
            if let Some(entry) = inner
                .entries
                .iter_mut()
                .find(|entry| entry.slot == slot && (entry.writable || !writable))
            {
                entry.last_use = now;
                return Ok(Arc::clone(&entry.handle));
            }
        }
        let handle = Arc::new(open(writable)?);
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        inner.entries.retain(|entry| entry.slot != slot);
        if inner.entries.len() >= self.capacity {
            if let Some(oldest) = inner
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| entry.last_use)
                .map(|(index, _)| index)
            {
                inner.entries.swap_remove(oldest);
            }
        }
        inner.entries.push(Entry {
            slot,
            writable,
            handle: Arc::clone(&handle),
            last_use: now,
        });
        Ok(handle)
    }

    /// Closes the handle of `slot`, or every handle. In-flight I/O keeps its `Arc` until done.
    pub(super) fn release(&self, slot: Option<Slot>) {
        let mut inner = self.lock();
        match slot {
            Some(slot) => inner.entries.retain(|entry| entry.slot != slot),
            None => inner.entries.clear(),
        }
    }

    /// Every open handle that allows writing.
    pub(super) fn writable_handles(&self) -> Vec<(Slot, Arc<H>)> {
        self.lock()
            .entries
            .iter()
            .filter(|entry| entry.writable)
            .map(|entry| (entry.slot, Arc::clone(&entry.handle)))
            .collect()
    }

    #[cfg(test)]
    pub(super) fn open_slots(&self) -> Vec<(Slot, bool)> {
        self.lock()
            .entries
            .iter()
            .map(|entry| (entry.slot, entry.writable))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lt_core::FileIndex;

    fn slot(index: u32) -> Slot {
        Slot::File(FileIndex::new(index))
    }

    #[test]
    fn evicts_least_recently_used_and_upgrades_to_writable() {
        let pool = FilePool::new(2);
        let opened = std::cell::Cell::new(0);
        let open = |_| {
            opened.set(opened.get() + 1);
            Ok(opened.get())
        };
        assert_eq!(*pool.get(slot(0), false, open).unwrap(), 1);
        assert_eq!(*pool.get(slot(1), false, open).unwrap(), 2);
        assert_eq!(*pool.get(slot(0), false, open).unwrap(), 1); // hit, now most recent
        assert_eq!(*pool.get(slot(2), false, open).unwrap(), 3); // evicts 1
        let mut slots = pool.open_slots();
        slots.sort_by_key(|(slot, _)| format!("{slot:?}"));
        assert_eq!(slots, [(slot(0), false), (slot(2), false)]);
        assert_eq!(*pool.get(slot(0), true, open).unwrap(), 4); // upgrade reopens
        assert_eq!(*pool.get(slot(0), false, open).unwrap(), 4); // writable serves reads
        assert_eq!(pool.writable_handles().len(), 1);
        pool.release(None);
        assert!(pool.open_slots().is_empty());
    }
}
