//! How many requests to keep out to one peer (libtorrent's desired queue size): a slow start
//! that grows the queue by one request per block received, so it doubles every round trip,
//! until a tick brings less than a tenth more data than the tick before; from then on, the
//! peer's rate times `request_queue_time`.

/// The fewest requests kept out to an unchoking peer (libtorrent's slow start begins at 4;
/// over loopback a deeper start fills the pipe sooner).
const MIN_QUEUE: usize = 16;

/// A tick must bring this much more than the one before (in tenths) for slow start to go on.
const GROWTH_TENTHS: u64 = 11;

/// One peer's request queue size.
#[derive(Debug, Clone)]
pub(super) struct QueueSize {
    slow_start: bool,
    /// The queue during slow start.
    window: usize,
    /// The peer's payload total at the last tick, and what that tick brought.
    last_total: u64,
    last_tick_bytes: u64,
}

impl Default for QueueSize {
    fn default() -> Self {
        Self {
            slow_start: true,
            window: MIN_QUEUE,
            last_total: 0,
            last_tick_bytes: 0,
        }
    }
}

impl QueueSize {
    /// A block arrived from the peer.
    pub(super) fn on_block(&mut self) {
        if self.slow_start {
            self.window = self.window.saturating_add(1).min(usize::from(u16::MAX));
        }
    }

    /// A tick passed; the peer has sent `total` payload bytes so far. Slow start ends once a
    /// tick that follows a tick with data brings less than a tenth more than it.
    pub(super) fn on_tick(&mut self, total: u64) {
        let bytes = total.saturating_sub(self.last_total);
        if self.slow_start
            && self.last_tick_bytes > 0
            && bytes.saturating_mul(10) < self.last_tick_bytes.saturating_mul(GROWTH_TENTHS)
        {
            self.slow_start = false;
        }
        self.last_total = total;
        self.last_tick_bytes = bytes;
    }

    /// The requests to keep out, given what the peer's rate asks for (`by_rate`) and the most
    /// it takes (`max`): at least [`MIN_QUEUE`].
    pub(super) fn target(&self, by_rate: usize, max: usize) -> usize {
        let wanted = if self.slow_start {
            by_rate.max(self.window)
        } else {
            by_rate
        };
        wanted.clamp(MIN_QUEUE, max.max(MIN_QUEUE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_doubles_the_queue_every_round_trip() {
        let mut queue = QueueSize::default();
        assert_eq!(queue.target(0, 500), MIN_QUEUE);
        // A round trip answers every request out: the window grows by as many.
        for _ in 0..5 {
            let out = queue.target(0, 500);
            for _ in 0..out {
                queue.on_block();
            }
        }
        assert_eq!(queue.target(0, 500), (MIN_QUEUE << 5).min(500));
        assert_eq!(queue.target(0, 1000), MIN_QUEUE << 5);
    }

    #[test]
    fn slow_start_ends_when_a_tick_brings_no_more_than_the_last() {
        let mut queue = QueueSize::default();
        // Ticks before any data (and a growing rate) keep it going.
        queue.on_tick(0);
        queue.on_tick(1_000);
        queue.on_tick(3_000);
        for _ in 0..100 {
            queue.on_block();
        }
        assert_eq!(queue.target(20, 500), MIN_QUEUE + 100);
        // 2 000 bytes, then 2 100: less than a tenth more.
        queue.on_tick(5_100);
        assert_eq!(queue.target(20, 500), 20, "the rate decides now");
        queue.on_block();
        assert_eq!(queue.target(0, 500), MIN_QUEUE);
    }
}
