use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::*;
use crate::{testing::sample_kind, AlertCategory};

fn alert(alert_type: AlertType) -> Alert {
    Alert::new(sample_kind(alert_type))
}

fn types(alerts: &[Alert]) -> Vec<AlertType> {
    alerts.iter().map(Alert::alert_type).collect()
}

#[test]
fn limits_by_priority() {
    let queue = AlertQueue::new(4, AlertCategory::ALL);
    let state = queue.lock();
    assert_eq!(state.limit(AlertPriority::Normal), 4);
    assert_eq!(state.limit(AlertPriority::High), 6);
    assert_eq!(state.limit(AlertPriority::Critical), 8);
}

#[test]
fn high_priority_is_kept_up_to_one_and_a_half_times() {
    let queue = AlertQueue::new(4, AlertCategory::ALL);
    for _ in 0..4 {
        assert!(queue.post(alert(AlertType::PieceFinished)));
    }
    assert!(!queue.post(alert(AlertType::PieceFinished)));
    assert!(queue.post(alert(AlertType::StateChanged)));
    assert!(queue.post(alert(AlertType::StateChanged)));
    assert!(!queue.post(alert(AlertType::StateChanged)));
    assert!(queue.post(alert(AlertType::SaveResumeData)));
    assert!(queue.post(alert(AlertType::FileError)));
    assert!(!queue.post(alert(AlertType::AddTorrent)));
    assert_eq!(queue.len(), 8);
    let popped = queue.pop_alerts();
    assert_eq!(popped.len(), 9);
    assert_eq!(
        popped[8].kind,
        AlertKind::AlertsDropped {
            dropped: [
                AlertType::PieceFinished,
                AlertType::StateChanged,
                AlertType::AddTorrent
            ]
            .into_iter()
            .collect()
        }
    );
}

#[test]
fn defaults_are_libtorrents() {
    let queue = AlertQueue::default();
    assert_eq!(queue.alert_queue_size(), 2000);
    assert_eq!(queue.alert_mask(), AlertCategory::ERROR);
    assert!(queue.should_post(AlertType::SaveResumeData));
    assert!(queue.should_post(AlertType::TrackerError));
    assert!(!queue.should_post(AlertType::PieceFinished));
    queue.set_alert_mask(AlertCategory::PIECE_PROGRESS);
    assert!(queue.should_post(AlertType::PieceFinished));
    queue.set_alert_queue_size(10);
    assert_eq!(queue.alert_queue_size(), 10);
    assert!(format!("{queue:?}").contains("alert_queue_size: 10"));
}

#[test]
fn notify_set_on_a_non_empty_queue_runs_at_once() {
    let queue = AlertQueue::new(10, AlertCategory::ALL);
    assert!(queue.post(alert(AlertType::TorrentPaused)));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    queue.set_alert_notify(Some(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    queue.set_alert_notify(None);
    let _ = queue.pop_alerts();
    assert!(queue.post(alert(AlertType::TorrentPaused)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Step {
    Post(AlertType),
    Pop,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => prop::sample::select(AlertType::ALL).prop_map(Step::Post),
        1 => Just(Step::Pop),
    ]
}

proptest! {
    /// The queue matches a model: mask filtering, per-priority limits, order, the dropped set,
    /// the hard cap and one notify call per empty → non-empty edge.
    #[test]
    fn queue_matches_model(
        alert_queue_size in 0usize..6,
        mask_bits in any::<u32>(),
        steps in prop::collection::vec(step(), 0..120),
    ) {
        let mask = AlertCategory::from_bits(mask_bits);
        let queue = AlertQueue::new(alert_queue_size, mask);
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        queue.set_alert_notify(Some(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })));
        let mut model: Vec<AlertType> = Vec::new();
        let mut dropped = AlertTypeSet::new();
        let mut edges = 0;
        for step in steps {
            match step {
                Step::Post(alert_type) => {
                    let passes = alert_type.is_mandatory() || mask.intersects(alert_type.category());
                    let limit = match alert_type.priority() {
                        AlertPriority::Normal => alert_queue_size,
                        AlertPriority::High => alert_queue_size + alert_queue_size / 2,
                        AlertPriority::Critical | AlertPriority::Meta => 2 * alert_queue_size,
                    };
                    let expected = passes && model.len() < limit;
                    if passes && !expected {
                        dropped.insert(alert_type);
                    }
                    if expected {
                        if model.is_empty() {
                            edges += 1;
                        }
                        model.push(alert_type);
                    }
                    prop_assert_eq!(queue.post(alert(alert_type)), expected);
                }
                Step::Pop => {
                    let popped = queue.pop_alerts();
                    let mut want = std::mem::take(&mut model);
                    if !dropped.is_empty() {
                        want.push(AlertType::AlertsDropped);
                        prop_assert_eq!(
                            &popped.last().map(|alert| alert.kind.clone()),
                            &Some(AlertKind::AlertsDropped { dropped })
                        );
                    }
                    dropped = AlertTypeSet::new();
                    prop_assert_eq!(types(&popped), want);
                }
            }
            prop_assert_eq!(queue.len(), model.len());
            prop_assert!(queue.len() <= 2 * alert_queue_size);
            prop_assert_eq!(calls.load(Ordering::SeqCst), edges);
        }
    }
}
