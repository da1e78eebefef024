//! Timing loops and the `bench …` result line.

use std::time::Instant;

/// Per-iteration times of one measurement, in seconds.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    seconds: Vec<f64>,
}

impl Samples {
    /// Records one iteration.
    pub fn push(&mut self, seconds: f64) {
        self.seconds.push(seconds);
    }

    /// How many iterations were recorded.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// The median time (the mean of the middle two for an even count); 0 when empty.
    pub fn median(&self) -> f64 {
        median(&self.seconds)
    }

    /// The shortest time; 0 when empty.
    pub fn best(&self) -> f64 {
        self.seconds.iter().copied().reduce(f64::min).unwrap_or(0.0)
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        len if len % 2 == 1 => sorted[len / 2],
        len => (sorted[len / 2 - 1] + sorted[len / 2]) / 2.0,
    }
}

/// Runs `body` once untimed (to warm caches and the allocator), then `iterations` times, timing
/// each run with the wall clock.
///
/// # Errors
/// The first error `body` returns.
pub fn time_iterations<E>(
    iterations: usize,
    mut body: impl FnMut() -> Result<(), E>,
) -> Result<Samples, E> {
    body()?;
    let mut samples = Samples::default();
    for _ in 0..iterations {
        let start = Instant::now();
        body()?;
        samples.push(start.elapsed().as_secs_f64());
    }
    Ok(samples)
}

/// Prints the machine-readable result line (`bench NAME bytes=… items=… iters=… median_s=…
/// best_s=…`) and a human-readable line after it.
pub fn report(name: &str, bytes: u64, items: u64, samples: &Samples) {
    let median = samples.median();
    println!(
        "bench {name} bytes={bytes} items={items} iters={} median_s={median:.9} best_s={:.9}",
        samples.len(),
        samples.best()
    );
    if median > 0.0 {
        println!(
            "  {name}: {:.1} MB/s, {:.1} items/s ({:.3} ms median)",
            bytes as f64 / median / 1e6,
            items as f64 / median,
            median * 1e3
        );
    }
}

/// CPU time this thread has run so far, in seconds, from `/proc/thread-self/schedstat`; `None`
/// where that file is missing (non-Linux, or a kernel without scheduler statistics).
pub fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_best() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let mut samples = Samples::default();
        assert!(samples.is_empty());
        samples.push(2.0);
        samples.push(1.0);
        assert_eq!(
            (samples.len(), samples.best(), samples.median()),
            (2, 1.0, 1.5)
        );
    }

    #[test]
    fn timing_runs_warm_up_plus_iterations() {
        let mut runs = 0;
        let samples = time_iterations(3, || {
            runs += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!((runs, samples.len()), (4, 3));
        assert_eq!(time_iterations(3, || Err::<(), _>("no")).unwrap_err(), "no");
    }
}
