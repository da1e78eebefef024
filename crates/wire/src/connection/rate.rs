//! Payload rates over a short sliding window of one-second buckets.

use std::collections::VecDeque;
use std::time::Instant;

/// Rates are averaged over this many one-second buckets.
pub(crate) const RATE_WINDOW_SECONDS: u64 = 5;

/// Payload bytes per one-second bucket, counted from the connection's start.
#[derive(Debug, Clone)]
pub(crate) struct RateMeter {
    start: Instant,
    buckets: VecDeque<(u64, u64)>,
}

impl RateMeter {
    pub(crate) fn new(start: Instant) -> Self {
        Self {
            start,
            buckets: VecDeque::new(),
        }
    }

    fn second(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs()
    }

    /// Counts `bytes` in the bucket of `now`.
    pub(crate) fn record(&mut self, now: Instant, bytes: u64) {
        let second = self.second(now);
        match self.buckets.back_mut() {
            Some((last, total)) if *last == second => *total = total.saturating_add(bytes),
            _ => self.buckets.push_back((second, bytes)),
        }
        while self
            .buckets
            .front()
            .is_some_and(|(first, _)| first + RATE_WINDOW_SECONDS <= second)
        {
            self.buckets.pop_front();
        }
    }

    /// The average over the window that ends at `now`.
    pub(crate) fn bytes_per_second(&self, now: Instant) -> u64 {
        let second = self.second(now);
        let total: u64 = self
            .buckets
            .iter()
            .filter(|(bucket, _)| bucket + RATE_WINDOW_SECONDS > second)
            .map(|(_, bytes)| bytes)
            .sum();
        total / RATE_WINDOW_SECONDS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rate_is_a_five_second_average_that_decays() {
        let start = Instant::now();
        let mut meter = RateMeter::new(start);
        for second in 0..5 {
            meter.record(start + Duration::from_secs(second), 1000);
        }
        let now = start + Duration::from_secs(4);
        assert_eq!(meter.bytes_per_second(now), 1000);
        assert_eq!(meter.bytes_per_second(now + Duration::from_secs(2)), 600);
        assert_eq!(meter.bytes_per_second(now + Duration::from_secs(10)), 0);
    }
}
