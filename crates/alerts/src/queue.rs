//! [`AlertQueue`]: the bounded, mask-filtered queue between the session and the application.

use std::{
    collections::VecDeque,
    fmt,
    future::Future,
    pin::Pin,
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll, Waker},
    time::{Duration, Instant},
};

use crate::{Alert, AlertKind, AlertMask, AlertPriority, AlertType, AlertTypeSet};

/// libtorrent's default `alert_queue_size`.
pub const DEFAULT_ALERT_QUEUE_SIZE: usize = 2000;

/// The function called when the queue goes from empty to non-empty.
type NotifyFn = Arc<dyn Fn() + Send + Sync>;

/// The queue of alerts a session posts and the application pops (libtorrent's `alert_manager`).
///
/// - **Filtered:** [`post`](Self::post) drops alerts whose categories miss the mask, except the
///   mandatory types ([`AlertType::is_mandatory`]: `save_resume_data`, `save_resume_data_failed`,
///   `session_stats`). Posters can ask [`should_post`](Self::should_post) before building one.
/// - **Bounded by priority** ([`AlertType::priority`]): with `alert_queue_size` = N, a normal alert
///   is kept while fewer than N are queued, a high one below 1.5 × N and a critical one below
///   2 × N, the hard cap. Critical types: `add_torrent`, `torrent_removed`, `save_resume_data`
///   and its failure, `file_error`, `storage_moved` and its failure, `file_renamed` and its
///   failure, `torrent_deleted` and its failure, `listen_succeeded`, `listen_failed`,
///   `fastresume_rejected`, `session_stats`. High: `state_changed`, `tracker_error`,
///   `torrent_finished`, `torrent_paused`, `torrent_resumed`, `torrent_checked`,
///   `cache_flushed`, `torrent_error`.
/// - **Dropped types reported:** the type of every alert dropped for lack of room is recorded,
///   and the next [`pop_alerts`](Self::pop_alerts) ends with one `alerts_dropped` alert naming
///   them.
/// - **Waiting:** [`wait_for_alert`](Self::wait_for_alert) blocks a thread,
///   [`notified`](Self::notified) is a runtime-agnostic future, and
///   [`set_alert_notify`](Self::set_alert_notify) installs a callback run on the empty →
///   non-empty edge.
///
/// The handle is cheap to clone (an `Arc`); all clones share one queue. One mutex guards the
/// state, taken in one function at a time and never held while a callback or waker runs.
///
/// # Examples
/// ```
/// use lt_alerts::{Alert, AlertCategory, AlertKind, AlertQueue, TorrentId, TorrentRef};
/// use lt_core::InfoHash;
///
/// let queue = AlertQueue::new(100, AlertCategory::STATUS);
/// let torrent = TorrentRef::new(TorrentId(1), InfoHash::default(), "a");
/// assert!(queue.post(Alert::new(AlertKind::TorrentFinished { torrent: torrent.clone() })));
/// assert!(!queue.post(Alert::new(AlertKind::PieceFinished {
///     torrent,
///     piece: lt_core::PieceIndex::new(0),
/// }))); // piece_progress is not in the mask
/// let alerts = queue.pop_alerts();
/// assert_eq!(alerts.len(), 1);
/// assert_eq!(alerts[0].what(), "torrent_finished");
/// ```
#[derive(Clone)]
pub struct AlertQueue {
    shared: Arc<Shared>,
}

/// What every clone of a queue points to.
struct Shared {
    state: Mutex<State>,
    /// Signalled on the empty → non-empty edge, for [`AlertQueue::wait_for_alert`].
    not_empty: Condvar,
}

/// The queue's state, behind the mutex.
struct State {
    alerts: VecDeque<Alert>,
    dropped: AlertTypeSet,
    mask: AlertMask,
    alert_queue_size: usize,
    notify: Option<NotifyFn>,
    /// Futures from [`AlertQueue::notified`] waiting for the queue to become non-empty.
    wakers: Vec<Waker>,
}

impl State {
    /// How many alerts may be queued when one of `priority` arrives.
    fn limit(&self, priority: AlertPriority) -> usize {
        let size = self.alert_queue_size;
        match priority {
            AlertPriority::Normal => size,
            AlertPriority::High => size.saturating_add(size / 2),
            AlertPriority::Critical | AlertPriority::Meta => size.saturating_mul(2),
        }
    }
}

/// What a post must do once the lock is released.
struct Wake {
    notify: Option<NotifyFn>,
    wakers: Vec<Waker>,
}

impl AlertQueue {
    /// An empty queue holding up to `alert_queue_size` normal-priority alerts (twice that for
    /// critical ones), posting the categories in `mask`.
    #[must_use]
    pub fn new(alert_queue_size: usize, mask: AlertMask) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    alerts: VecDeque::new(),
                    dropped: AlertTypeSet::new(),
                    mask,
                    alert_queue_size,
                    notify: None,
                    wakers: Vec::new(),
                }),
                not_empty: Condvar::new(),
            }),
        }
    }

    /// Locks the state. A panic elsewhere cannot leave it inconsistent (every update is a single
    /// push, take or assignment), so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether an alert of `alert_type` would pass the mask (libtorrent's `should_post<T>()`), so
    /// a poster can skip building it. The queue may still drop it for lack of room.
    #[must_use]
    pub fn should_post(&self, alert_type: AlertType) -> bool {
        alert_type.is_mandatory() || self.lock().mask.intersects(alert_type.category())
    }

    /// Posts `alert`; returns whether it was queued.
    ///
    /// An alert outside the mask is discarded silently. One the queue has no room for (see the
    /// type docs) is discarded and its type recorded for the next `alerts_dropped`. When the queue
    /// was empty, the notify callback runs and waiters wake, after the lock is released.
    pub fn post(&self, alert: Alert) -> bool {
        let alert_type = alert.alert_type();
        let wake = {
            let mut state = self.lock();
            if !alert_type.is_mandatory() && !state.mask.intersects(alert_type.category()) {
                return false;
            }
            if state.alerts.len() >= state.limit(alert_type.priority()) {
                state.dropped.insert(alert_type);
                return false;
            }
            state.alerts.push_back(alert);
            if state.alerts.len() == 1 {
                Some(Wake {
                    notify: state.notify.clone(),
                    wakers: std::mem::take(&mut state.wakers),
                })
            } else {
                None
            }
        };
        if let Some(wake) = wake {
            self.shared.not_empty.notify_all();
            wake.wakers.into_iter().for_each(Waker::wake);
            if let Some(notify) = wake.notify {
                notify();
            }
        }
        true
    }

    /// Takes every queued alert, oldest first. If alerts were dropped since the last call, the
    /// list ends with an `alerts_dropped` alert naming their types.
    ///
    /// After this the queue is empty, so the next post fires the notify callback again.
    #[must_use]
    pub fn pop_alerts(&self) -> Vec<Alert> {
        let (alerts, dropped) = {
            let mut state = self.lock();
            let alerts = std::mem::take(&mut state.alerts);
            (alerts, std::mem::take(&mut state.dropped))
        };
        let mut alerts = Vec::from(alerts);
        if !dropped.is_empty() {
            alerts.push(Alert::new(AlertKind::AlertsDropped { dropped }));
        }
        alerts
    }

    /// Blocks until the queue holds an alert or `timeout` passes; returns whether an alert is
    /// there. It pops nothing (libtorrent's `wait_for_alert` peeks too).
    #[must_use]
    pub fn wait_for_alert(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            if !state.alerts.is_empty() {
                return true;
            }
            let now = Instant::now();
            let remaining = match deadline {
                Some(deadline) if deadline <= now => return false,
                Some(deadline) => deadline - now,
                // A timeout too long to represent: wait in day-long steps.
                None => Duration::from_secs(86_400),
            };
            state = self
                .shared
                .not_empty
                .wait_timeout(state, remaining)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// A future that completes once the queue holds an alert (at once if it already does). It
    /// needs no particular runtime: it registers its waker with the queue.
    ///
    /// # Cancel safety
    /// Dropping it loses nothing: it pops no alert.
    pub fn notified(&self) -> Notified {
        Notified {
            queue: self.clone(),
        }
    }

    /// Sets (or with `None`, clears) the function called when the queue goes from empty to
    /// non-empty (libtorrent's `set_alert_notify`). It runs on the posting thread after the lock
    /// is released, so it may call back into the queue, but it should return quickly: typically
    /// it wakes the thread that calls [`pop_alerts`](Self::pop_alerts). It runs at once if the
    /// queue already holds alerts.
    pub fn set_alert_notify(&self, notify: Option<Box<dyn Fn() + Send + Sync>>) {
        let notify: Option<NotifyFn> = notify.map(Arc::from);
        let run_now = {
            let mut state = self.lock();
            state.notify.clone_from(&notify);
            !state.alerts.is_empty()
        };
        if let (true, Some(notify)) = (run_now, notify) {
            notify();
        }
    }

    /// The categories posted.
    #[must_use]
    pub fn alert_mask(&self) -> AlertMask {
        self.lock().mask
    }

    /// Changes the categories posted; queued alerts stay.
    pub fn set_alert_mask(&self, mask: AlertMask) {
        self.lock().mask = mask;
    }

    /// The `alert_queue_size` setting.
    #[must_use]
    pub fn alert_queue_size(&self) -> usize {
        self.lock().alert_queue_size
    }

    /// Changes `alert_queue_size`; alerts already queued beyond a smaller limit stay.
    pub fn set_alert_queue_size(&self, alert_queue_size: usize) {
        self.lock().alert_queue_size = alert_queue_size;
    }

    /// The number of queued alerts (not counting a pending `alerts_dropped`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().alerts.len()
    }

    /// Whether no alert is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().alerts.is_empty()
    }
}

/// A queue of [`DEFAULT_ALERT_QUEUE_SIZE`] posting errors only (libtorrent's defaults).
impl Default for AlertQueue {
    fn default() -> Self {
        Self::new(DEFAULT_ALERT_QUEUE_SIZE, AlertMask::default_mask())
    }
}

impl fmt::Debug for AlertQueue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        formatter
            .debug_struct("AlertQueue")
            .field("len", &state.alerts.len())
            .field("dropped", &state.dropped)
            .field("mask", &state.mask)
            .field("alert_queue_size", &state.alert_queue_size)
            .field("has_notify", &state.notify.is_some())
            .finish_non_exhaustive()
    }
}

/// The future of [`AlertQueue::notified`]: ready once the queue holds an alert.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Notified {
    queue: AlertQueue,
}

impl Future for Notified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let mut state = self.queue.lock();
        if !state.alerts.is_empty() {
            return Poll::Ready(());
        }
        let waker = context.waker();
        if !state.wakers.iter().any(|known| known.will_wake(waker)) {
            state.wakers.push(waker.clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests;
