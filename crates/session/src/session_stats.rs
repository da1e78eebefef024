//! Session statistics (libtorrent's `post_session_stats` / `session_stats_metrics`): counters
//! and gauges summed over the session's torrents, posted as a `session_stats` alert whose
//! values are indexed as [`session_stats_metrics`] lists them. The metrics lt has so far, under
//! libtorrent's names.

use crate::status::{TorrentState, TorrentStatus};

/// Whether a metric only grows or goes up and down (libtorrent's `metric_type_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// A total that only grows.
    Counter,
    /// A current value.
    Gauge,
}

/// One metric: its libtorrent name, its index in the `session_stats` alert's values, its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatsMetric {
    /// libtorrent's name, e.g. `net.recv_payload_bytes`.
    pub name: &'static str,
    /// Where its value is in `SessionStats { counters }`.
    pub value_index: usize,
    /// Counter or gauge.
    pub metric_type: MetricType,
}

/// How a metric's value is read off one torrent's status (and summed over the torrents).
type ValueOf = fn(&TorrentStatus) -> u64;

/// The metrics, in value order, with how each is computed from a torrent's status.
const METRICS: &[(&str, MetricType, ValueOf)] = &[
    ("net.recv_payload_bytes", MetricType::Counter, |s| {
        s.total_payload_download
    }),
    ("net.sent_payload_bytes", MetricType::Counter, |s| {
        s.total_payload_upload
    }),
    ("net.recv_redundant_bytes", MetricType::Counter, |s| {
        s.total_redundant_bytes
    }),
    ("net.recv_failed_bytes", MetricType::Counter, |s| {
        s.total_failed_bytes
    }),
    ("ses.num_total_pieces_added", MetricType::Gauge, |s| {
        u64::from(s.total_pieces)
    }),
    ("ses.num_piece_failed", MetricType::Counter, |s| {
        u64::from(s.num_hash_failures)
    }),
    ("ses.num_have_pieces", MetricType::Gauge, |s| {
        u64::from(s.num_pieces)
    }),
    ("peer.num_peers_connected", MetricType::Gauge, |s| {
        u64::from(s.num_peers)
    }),
    ("peer.num_peers_half_open", MetricType::Gauge, |s| {
        u64::from(s.num_connecting)
    }),
    ("peer.num_peers_up_unchoked", MetricType::Gauge, |s| {
        u64::from(s.num_uploads)
    }),
    ("ses.num_checking_torrents", MetricType::Gauge, |s| {
        u64::from(s.state == TorrentState::CheckingFiles && s.error.is_none())
    }),
    ("ses.num_downloading_torrents", MetricType::Gauge, |s| {
        u64::from(s.state == TorrentState::Downloading && !s.paused && s.error.is_none())
    }),
    ("ses.num_seeding_torrents", MetricType::Gauge, |s| {
        u64::from(s.is_finished() && !s.paused && s.error.is_none())
    }),
    ("ses.num_stopped_torrents", MetricType::Gauge, |s| {
        u64::from(s.paused)
    }),
    ("ses.num_error_torrents", MetricType::Gauge, |s| {
        u64::from(s.error.is_some())
    }),
];

/// Every metric the `session_stats` alert carries, in value order (libtorrent's
/// `session_stats_metrics()`).
///
/// # Examples
/// ```
/// let metrics = lt_session::session_stats_metrics();
/// let index = lt_session::find_metric_idx("net.recv_payload_bytes").expect("known");
/// assert_eq!(metrics[index].name, "net.recv_payload_bytes");
/// assert_eq!(lt_session::find_metric_idx("no.such_metric"), None);
/// ```
#[must_use]
pub fn session_stats_metrics() -> Vec<StatsMetric> {
    METRICS
        .iter()
        .enumerate()
        .map(|(value_index, &(name, metric_type, _))| StatsMetric {
            name,
            value_index,
            metric_type,
        })
        .collect()
}

/// The value index of the metric `name` (libtorrent's `find_metric_idx`; `None` for -1).
#[must_use]
pub fn find_metric_idx(name: &str) -> Option<usize> {
    METRICS.iter().position(|(metric, _, _)| *metric == name)
}

/// The values of every metric, summed over `torrents`.
pub(crate) fn values(torrents: &[TorrentStatus]) -> Vec<i64> {
    METRICS
        .iter()
        .map(|(_, _, value)| {
            let sum: u64 = torrents.iter().map(value).sum();
            i64::try_from(sum).unwrap_or(i64::MAX)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sum_over_torrents_in_metric_order() {
        let downloading = TorrentStatus {
            state: TorrentState::Downloading,
            total_payload_download: 100,
            total_redundant_bytes: 16,
            total_failed_bytes: 32,
            total_pieces: 10,
            num_peers: 2,
            ..TorrentStatus::default()
        };
        let seeding = TorrentStatus {
            state: TorrentState::Seeding,
            total_payload_upload: 7,
            total_pieces: 4,
            num_peers: 1,
            ..TorrentStatus::default()
        };
        let values = values(&[downloading, seeding]);
        let at = |name| values[find_metric_idx(name).expect(name)];
        assert_eq!(at("net.recv_payload_bytes"), 100);
        assert_eq!(at("net.sent_payload_bytes"), 7);
        assert_eq!(at("peer.num_peers_connected"), 3);
        assert_eq!(at("ses.num_downloading_torrents"), 1);
        assert_eq!(at("ses.num_seeding_torrents"), 1);
        assert_eq!(at("ses.num_error_torrents"), 0);
        assert_eq!(at("net.recv_redundant_bytes"), 16);
        assert_eq!(at("net.recv_failed_bytes"), 32);
        assert_eq!(at("ses.num_total_pieces_added"), 14);
        assert_eq!(values.len(), session_stats_metrics().len());
    }
}
