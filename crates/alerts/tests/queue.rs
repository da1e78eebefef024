//! The alert queue through its public API: filtering, overflow, notification, threads.

use std::{
    collections::HashSet,
    future::Future,
    net::SocketAddr,
    pin::pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll, Wake, Waker},
    thread,
    time::{Duration, Instant},
};

use lt_alerts::{
    Alert, AlertCategory, AlertError, AlertKind, AlertQueue, AlertType, TorrentId, TorrentRef,
};
use lt_core::{InfoHash, PieceIndex};

fn torrent(id: u64) -> TorrentRef {
    TorrentRef::new(TorrentId(id), InfoHash::default(), format!("t{id}"))
}

fn piece_finished(torrent_id: u64, piece: u32) -> Alert {
    Alert::new(AlertKind::PieceFinished {
        torrent: torrent(torrent_id),
        piece: PieceIndex::new(piece),
    })
}

fn save_resume_data(torrent_id: u64) -> Alert {
    Alert::new(AlertKind::SaveResumeData {
        torrent: torrent(torrent_id),
        resume_data: b"de".to_vec(),
    })
}

fn peer_connect() -> Alert {
    Alert::new(AlertKind::PeerConnect {
        torrent: torrent(1),
        endpoint: SocketAddr::from(([127, 0, 0, 1], 6881)),
        peer_id: None,
        direction: lt_alerts::PeerDirection::Incoming,
    })
}

#[test]
fn mask_filters_but_mandatory_alerts_pass() {
    let queue = AlertQueue::new(100, AlertCategory::ERROR);
    assert!(!queue.post(piece_finished(1, 0)));
    assert!(!queue.post(peer_connect()));
    assert!(queue.post(save_resume_data(1)));
    assert!(queue.post(Alert::new(AlertKind::SaveResumeDataFailed {
        torrent: torrent(1),
        error: AlertError::new("resume_data_not_modified", "resume data not modified"),
    })));
    assert!(queue.post(Alert::new(AlertKind::SessionStats {
        counters: vec![1, 2]
    })));
    assert!(queue.post(Alert::new(AlertKind::TrackerWarning {
        torrent: torrent(1),
        tracker_url: "udp://t:1".into(),
        message: "w".into(),
    })));
    queue.set_alert_mask(AlertCategory::PIECE_PROGRESS | AlertCategory::CONNECT);
    assert!(queue.post(piece_finished(1, 1)));
    assert!(queue.post(peer_connect()));
    let whats: Vec<_> = queue.pop_alerts().iter().map(Alert::what).collect();
    assert_eq!(
        whats,
        [
            "save_resume_data",
            "save_resume_data_failed",
            "session_stats",
            "tracker_warning",
            "piece_finished",
            "peer_connect"
        ]
    );
    // Filtered alerts are not "dropped": no alerts_dropped follows.
    assert!(queue.pop_alerts().is_empty());
}

#[test]
fn overflow_keeps_critical_alerts_and_reports_dropped_types() {
    let queue = AlertQueue::new(10, AlertCategory::ALL);
    for piece in 0..15 {
        queue.post(piece_finished(1, piece));
    }
    assert!(!queue.post(peer_connect()));
    assert_eq!(queue.len(), 10);
    for torrent_id in 0..10 {
        assert!(
            queue.post(save_resume_data(torrent_id)),
            "critical alert kept"
        );
    }
    assert_eq!(queue.len(), 20);
    assert!(!queue.post(save_resume_data(99)), "hard cap at 2x");
    let alerts = queue.pop_alerts();
    assert_eq!(alerts.len(), 21);
    assert!(alerts[..10].iter().all(|a| a.what() == "piece_finished"));
    assert!(alerts[10..20]
        .iter()
        .all(|a| a.what() == "save_resume_data"));
    let AlertKind::AlertsDropped { dropped } = &alerts[20].kind else {
        panic!("expected alerts_dropped, got {:?}", alerts[20]);
    };
    assert_eq!(
        dropped.iter().collect::<Vec<_>>(),
        [
            AlertType::PeerConnect,
            AlertType::PieceFinished,
            AlertType::SaveResumeData
        ]
    );
    assert_eq!(alerts[20].category(), AlertCategory::ERROR);
    // Reported once.
    assert!(queue.pop_alerts().is_empty());
    assert!(queue.post(piece_finished(1, 0)));
}

#[test]
fn notify_fires_exactly_on_the_empty_to_non_empty_edge() {
    let queue = AlertQueue::new(100, AlertCategory::ALL);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let reentrant = queue.clone();
    queue.set_alert_notify(Some(Box::new(move || {
        // The lock is not held: calling back into the queue must not deadlock.
        assert!(!reentrant.is_empty());
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    queue.post(piece_finished(1, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    queue.post(piece_finished(1, 1));
    queue.post(piece_finished(1, 2));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not again before a pop");
    assert_eq!(queue.pop_alerts().len(), 3);
    assert!(queue.pop_alerts().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 1, "popping does not notify");
    queue.post(piece_finished(1, 3));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // A filtered or dropped post onto an empty queue is no edge.
    let _ = queue.pop_alerts();
    queue.set_alert_mask(AlertCategory::ERROR);
    queue.post(piece_finished(1, 4));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    queue.set_alert_queue_size(0);
    queue.set_alert_mask(AlertCategory::ALL);
    queue.post(piece_finished(1, 5));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn wait_for_alert_times_out_when_nothing_comes() {
    let queue = AlertQueue::new(100, AlertCategory::ALL);
    let start = Instant::now();
    assert!(!queue.wait_for_alert(Duration::from_millis(50)));
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert!(!queue.wait_for_alert(Duration::ZERO));
}

#[test]
fn wait_for_alert_wakes_from_another_thread_and_does_not_pop() {
    let queue = AlertQueue::new(100, AlertCategory::ALL);
    let poster = queue.clone();
    let start = Instant::now();
    let handle = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        poster.post(piece_finished(1, 0));
    });
    assert!(queue.wait_for_alert(Duration::from_secs(30)));
    assert!(start.elapsed() < Duration::from_secs(20));
    handle.join().unwrap();
    assert!(queue.wait_for_alert(Duration::ZERO), "peeks, pops nothing");
    assert_eq!(queue.pop_alerts().len(), 1);
    queue.post(piece_finished(1, 1));
    assert!(
        queue.wait_for_alert(Duration::MAX),
        "an unrepresentable deadline still works"
    );
}

#[test]
fn many_threads_post_without_loss_or_duplication() {
    const THREADS: u64 = 8;
    const PER_THREAD: u32 = 2000;
    let queue = AlertQueue::new(usize::MAX / 2, AlertCategory::ALL);
    let popped = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let consumer = {
        let (queue, popped, done) = (queue.clone(), Arc::clone(&popped), Arc::clone(&done));
        thread::spawn(move || loop {
            let finished = done.load(Ordering::SeqCst) == THREADS as usize;
            let _ = queue.wait_for_alert(Duration::from_millis(5));
            popped.lock().unwrap().extend(queue.pop_alerts());
            if finished {
                break;
            }
        })
    };
    let posters: Vec<_> = (0..THREADS)
        .map(|torrent_id| {
            let (queue, done) = (queue.clone(), Arc::clone(&done));
            thread::spawn(move || {
                for piece in 0..PER_THREAD {
                    assert!(queue.post(piece_finished(torrent_id, piece)));
                }
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for poster in posters {
        poster.join().unwrap();
    }
    consumer.join().unwrap();
    let popped = popped.lock().unwrap();
    assert_eq!(popped.len(), (THREADS * u64::from(PER_THREAD)) as usize);
    let mut seen = HashSet::new();
    let mut last_piece = vec![None; THREADS as usize];
    for alert in popped.iter() {
        let AlertKind::PieceFinished { torrent, piece } = &alert.kind else {
            panic!("unexpected {alert:?}");
        };
        assert!(seen.insert((torrent.id, *piece)), "duplicate {alert}");
        // Each poster's alerts arrive in the order it posted them.
        let last = &mut last_piece[torrent.id.0 as usize];
        assert!(*last < Some(piece.get()));
        *last = Some(piece.get());
    }
}

/// Counts wake-ups.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn notified_future_wakes_on_post() {
    let queue = AlertQueue::new(100, AlertCategory::ALL);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(queue.notified());
    assert_eq!(future.as_mut().poll(&mut context), Poll::Pending);
    assert_eq!(future.as_mut().poll(&mut context), Poll::Pending);
    queue.post(piece_finished(1, 0));
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "one registration, one wake"
    );
    assert_eq!(future.as_mut().poll(&mut context), Poll::Ready(()));
    let mut ready = pin!(queue.notified());
    assert_eq!(ready.as_mut().poll(&mut context), Poll::Ready(()));
}

#[test]
fn notified_future_across_threads() {
    let queue = AlertQueue::new(100, AlertCategory::ALL);
    let poster = queue.clone();
    let handle = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        poster.post(piece_finished(1, 0));
    });
    block_on(queue.notified());
    handle.join().unwrap();
    assert_eq!(queue.pop_alerts().len(), 1);
}

/// Wakes a parked thread.
struct ThreadWaker(thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor: polls `future` on this thread, parking between polls.
fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        thread::park_timeout(Duration::from_secs(1));
    }
}
