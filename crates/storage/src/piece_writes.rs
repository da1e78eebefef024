//! Buffered pieces written and hashed by the disk threads of [`ThreadPoolDiskIo`]: each piece
//! is hashed a few blocks at a time and those blocks written while they are still in the CPU's
//! cache; two pieces waiting together are hashed side by side ([`Sha1Pair`]), which on CPUs
//! with SHA-NI costs about two thirds of hashing them one after the other.
//!
//! [`ThreadPoolDiskIo`]: crate::ThreadPoolDiskIo
//! [`Sha1Pair`]: lt_core::Sha1Pair

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use lt_core::PieceIndex;
use tokio::sync::oneshot;

use crate::error::StorageError;
use crate::hash::{sha1_pairs_pay, PairHashing, PieceHashes, PieceHashing};
use crate::params::HashKinds;
use crate::storage::Storage;

/// Blocks of a buffered piece written per system call (64 KiB). Whole 1 MiB pieces made
/// fewer calls, but the page cache then takes them in large folios, which on a VM whose free
/// memory goes back to the host cost up to twice the system time; 64 KiB keeps the calls few
/// and the folios small.
const WRITE_GROUP_BLOCKS: usize = 4;

/// One buffered piece to write and hash, and where its result goes.
#[derive(Debug)]
pub(crate) struct PieceJob {
    pub(crate) piece: PieceIndex,
    /// The piece's blocks in order.
    pub(crate) blocks: Vec<Bytes>,
    /// Each block's offset and its id in the write queue.
    pub(crate) queued: Vec<(u32, u64)>,
    pub(crate) kinds: HashKinds,
    pub(crate) reply: oneshot::Sender<Result<PieceHashes, StorageError>>,
}

impl PieceJob {
    /// Whether hashing this piece alongside `other` pays: both have the same kinds, and for
    /// those SHA-1 pairs pay ([`sha1_pairs_pay`]).
    fn pairs_with(&self, other: &PieceJob) -> bool {
        self.kinds == other.kinds && sha1_pairs_pay(self.kinds)
    }
}

/// Buffered pieces waiting for a disk thread. Each queued piece starts one disk job; a job
/// takes the oldest piece and, when the next one is already queued and pairs with it, that one
/// too (then a later job finds nothing left and ends). No job waits for a partner, so pairs
/// form only when pieces come faster than jobs start; the first piece of a pair is then done
/// when both are, about a third later than alone, on one thread instead of two, for two thirds
/// of the hashing work.
#[derive(Debug, Default)]
pub(crate) struct PieceQueue {
    jobs: Mutex<VecDeque<PieceJob>>,
}

impl PieceQueue {
    fn jobs(&self) -> MutexGuard<'_, VecDeque<PieceJob>> {
        // Single queue operations only: a poisoned queue is consistent.
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `job`; the caller starts one disk job for it.
    pub(crate) fn push(&self, job: PieceJob) {
        self.jobs().push_back(job);
    }

    /// On a disk thread: the oldest piece and, when it pairs with the next, that one too;
    /// nothing when other jobs took them all.
    pub(crate) fn take(&self) -> Vec<PieceJob> {
        let mut jobs = self.jobs();
        let Some(first) = jobs.pop_front() else {
            return Vec::new();
        };
        let second = match jobs.front() {
            Some(next) if first.pairs_with(next) => jobs.pop_front(),
            _ => None,
        };
        std::iter::once(first).chain(second).collect()
    }
}

/// A storage whose block writes take turns: buffered writes to one file take the file's inode
/// lock in the kernel, where a second writer spins while the first copies; waiting here sleeps
/// instead, and leaves the CPU to the hashing of the other thread (and to everything else).
struct Writer<'a> {
    storage: &'a dyn Storage,
    turn: &'a Mutex<()>,
}

impl Writer<'_> {
    fn write_blocks(
        &self,
        piece: PieceIndex,
        offset: u32,
        blocks: &[&[u8]],
    ) -> Result<(), StorageError> {
        let _turn = self
            .turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.storage.write_blocks(piece, offset, blocks)
    }
}

/// Writes and hashes one piece, or two side by side; the results are in the jobs' order.
/// Writes wait for `turn`, so the disk threads write one at a time.
pub(crate) fn write_and_hash(
    storage: &dyn Storage,
    turn: &Mutex<()>,
    jobs: &[PieceJob],
) -> Vec<Result<PieceHashes, StorageError>> {
    let storage = &Writer { storage, turn };
    match jobs {
        [first, second] if first.pairs_with(second) => {
            write_and_hash_two(storage, [first, second]).into()
        }
        _ => jobs
            .iter()
            .map(|job| write_and_hash_one(storage, job))
            .collect(),
    }
}

/// The blocks of `job` as slices, in groups of [`WRITE_GROUP_BLOCKS`], each with its offset.
fn groups(job: &PieceJob) -> Vec<(u32, Vec<&[u8]>)> {
    job.blocks
        .chunks(WRITE_GROUP_BLOCKS)
        .zip(job.queued.iter().step_by(WRITE_GROUP_BLOCKS))
        .map(|(group, &(offset, _))| (offset, group.iter().map(|block| &block[..]).collect()))
        .collect()
}

fn write_and_hash_one(storage: &Writer<'_>, job: &PieceJob) -> Result<PieceHashes, StorageError> {
    let mut hashing = PieceHashing::new(storage.storage.info(), job.piece, job.kinds);
    let mut written = Ok(());
    for (offset, group) in groups(job) {
        hashing.update_blocks(&group);
        if written.is_ok() {
            written = storage.write_blocks(job.piece, offset, &group);
        }
    }
    written.map(|()| hashing.finish())
}

fn write_and_hash_two(
    storage: &Writer<'_>,
    jobs: [&PieceJob; 2],
) -> [Result<PieceHashes, StorageError>; 2] {
    let mut hashing = PairHashing::new(
        storage.storage.info(),
        jobs.map(|job| job.piece),
        jobs[0].kinds,
    );
    let groups = jobs.map(groups);
    let mut written = [Ok(()), Ok(())];
    let rounds = groups[0].len().max(groups[1].len());
    for round in 0..rounds {
        let round_groups = [groups[0].get(round), groups[1].get(round)];
        hashing.update_groups(
            round_groups.map(|group| group.map_or(&[][..], |(_, blocks)| &blocks[..])),
        );
        for ((job, group), result) in jobs.iter().zip(round_groups).zip(&mut written) {
            if let (Some((offset, group)), Ok(())) = (group, &result) {
                *result = storage.write_blocks(job.piece, *offset, group);
            }
        }
    }
    let [first, second] = hashing.finish();
    let [first_written, second_written] = written;
    [
        first_written.map(|()| first),
        second_written.map(|()| second),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(piece: u32, kinds: HashKinds) -> PieceJob {
        PieceJob {
            piece: PieceIndex::new(piece),
            blocks: Vec::new(),
            queued: Vec::new(),
            kinds,
            reply: oneshot::channel().0,
        }
    }

    fn taken(queue: &PieceQueue) -> Vec<u32> {
        queue.take().iter().map(|job| job.piece.get()).collect()
    }

    #[test]
    fn queued_v1_pieces_are_taken_in_pairs_when_the_cpu_pays_for_it() {
        let queue = PieceQueue::default();
        for piece in 0..3 {
            queue.push(job(piece, HashKinds::V1));
        }
        if lt_core::hash_pairs_accelerated() {
            assert_eq!(taken(&queue), [0, 1]);
            assert_eq!(taken(&queue), [2]);
        } else {
            assert_eq!(taken(&queue), [0]);
            assert_eq!(taken(&queue), [1]);
            assert_eq!(taken(&queue), [2]);
        }
        // The jobs started for pieces already taken find nothing.
        assert!(taken(&queue).is_empty());
    }

    #[test]
    fn pieces_without_a_v1_hash_or_of_other_kinds_go_alone() {
        let queue = PieceQueue::default();
        queue.push(job(0, HashKinds::V2));
        queue.push(job(1, HashKinds::V2));
        queue.push(job(2, HashKinds::V1));
        queue.push(job(3, HashKinds::Both));
        for piece in 0..4 {
            assert_eq!(taken(&queue), [piece]);
        }
    }
}
