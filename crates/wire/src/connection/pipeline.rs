//! The outgoing request pipeline: outstanding requests, the download rate, the queue target.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use lt_core::BLOCK_SIZE;

use super::rate::{RateMeter, RATE_WINDOW_SECONDS};
use crate::validate::Block;

/// The queue target before the rate says more, as libtorrent starts (`m_desired_queue_size`).
const INITIAL_QUEUE_TARGET: usize = 4;

/// The smallest queue target.
const MIN_QUEUE_TARGET: usize = 2;

/// Outstanding requests in the order sent, and what the queue target is.
#[derive(Debug, Clone)]
pub(crate) struct Pipeline {
    outstanding: VecDeque<(Block, Instant)>,
    rate: RateMeter,
    /// Grows by one per block received while slow start lasts: until the rate-based target
    /// reaches it, or one rate window after the first block. `None` once it is over.
    slow_start_target: Option<usize>,
    /// When the first block arrived.
    first_block: Option<Instant>,
    queue_time: Duration,
    max: usize,
    /// The peer's `reqq`, if it sent one.
    peer_limit: Option<usize>,
}

impl Pipeline {
    /// A pipeline whose queue holds `queue_time` of the download rate, at most `max` requests.
    pub(crate) fn new(start: Instant, queue_time: Duration, max: usize) -> Self {
        Self {
            outstanding: VecDeque::new(),
            rate: RateMeter::new(start),
            slow_start_target: Some(INITIAL_QUEUE_TARGET),
            first_block: None,
            peer_limit: None,
            queue_time,
            max,
        }
    }

    pub(crate) fn set_peer_limit(&mut self, limit: usize) {
        self.peer_limit = Some(limit);
    }

    /// How many requests we want outstanding: rate × `queue_time` / 16 KiB (during slow start
    /// at least the slow-start target), at least 2, capped by `max` and the peer's `reqq`.
    pub(crate) fn queue_target(&self, now: Instant) -> usize {
        let cap = self
            .peer_limit
            .map_or(self.max, |limit| limit.min(self.max));
        self.by_rate(now)
            .max(self.slow_start(now).unwrap_or(0))
            .max(MIN_QUEUE_TARGET)
            .min(cap)
    }

    /// The slow-start target, while slow start lasts.
    fn slow_start(&self, now: Instant) -> Option<usize> {
        let window = Duration::from_secs(RATE_WINDOW_SECONDS);
        let expired = self
            .first_block
            .is_some_and(|first| now.saturating_duration_since(first) >= window);
        self.slow_start_target.filter(|_| !expired)
    }

    fn by_rate(&self, now: Instant) -> usize {
        let rate = self.rate.bytes_per_second(now);
        let millis = u64::try_from(self.queue_time.as_millis()).unwrap_or(u64::MAX);
        let blocks = rate.saturating_mul(millis) / 1000 / u64::from(BLOCK_SIZE);
        usize::try_from(blocks).unwrap_or(usize::MAX)
    }

    pub(crate) fn len(&self) -> usize {
        self.outstanding.len()
    }

    pub(crate) fn push(&mut self, block: Block, now: Instant) {
        self.outstanding.push_back((block, now));
    }

    /// Removes `block` if it is outstanding.
    pub(crate) fn remove(&mut self, block: &Block) -> bool {
        let position = self.outstanding.iter().position(|(sent, _)| sent == block);
        position
            .and_then(|at| self.outstanding.remove(at))
            .is_some()
    }

    /// Records a received block: removes it and counts its bytes. `false` if it was not
    /// outstanding.
    pub(crate) fn complete(&mut self, block: &Block, now: Instant) -> bool {
        if !self.remove(block) {
            return false;
        }
        self.rate.record(now, u64::from(block.length));
        self.first_block.get_or_insert(now);
        if let Some(target) = self.slow_start(now) {
            let by_rate = self.by_rate(now);
            self.slow_start_target = (by_rate < target).then(|| target.saturating_add(1));
        } else {
            self.slow_start_target = None;
        }
        true
    }

    /// When the oldest outstanding request was sent.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        self.outstanding.front().map(|(_, sent)| *sent)
    }

    /// Takes every outstanding request.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Block> + '_ {
        self.outstanding.drain(..).map(|(block, _)| block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lt_core::PieceIndex;

    fn block(piece: u32) -> Block {
        Block {
            piece: PieceIndex::new(piece),
            offset: 0,
            length: BLOCK_SIZE,
        }
    }

    #[test]
    fn queue_target_follows_the_rate_and_is_capped() {
        let start = Instant::now();
        let mut pipeline = Pipeline::new(start, Duration::from_secs(3), 500);
        assert_eq!(pipeline.queue_target(start), INITIAL_QUEUE_TARGET);
        // 10 MB/s for five seconds: 3 s of that is ~1831 blocks, capped at 500.
        for second in 0..5 {
            let now = start + Duration::from_secs(second);
            for piece in 0..640 {
                pipeline.push(block(piece), now);
                assert!(pipeline.complete(&block(piece), now));
            }
        }
        let now = start + Duration::from_secs(5);
        assert_eq!(pipeline.queue_target(now), 500);
        pipeline.set_peer_limit(250);
        assert_eq!(pipeline.queue_target(now), 250);
        // Ten idle seconds later the rate is gone; slow start is over, so the minimum remains.
        let later = now + Duration::from_secs(10);
        assert_eq!(pipeline.queue_target(later), MIN_QUEUE_TARGET);
    }

    #[test]
    fn unrequested_blocks_do_not_count() {
        let start = Instant::now();
        let mut pipeline = Pipeline::new(start, Duration::from_secs(3), 500);
        pipeline.push(block(1), start);
        assert!(!pipeline.complete(&block(2), start));
        assert_eq!(pipeline.oldest(), Some(start));
        assert_eq!(pipeline.drain().collect::<Vec<_>>(), [block(1)]);
        assert_eq!(pipeline.len(), 0);
    }
}
