//! The alerts a session posts, as a libtorrent user would pop them: listening, adding, checking,
//! state changes, peers connecting both ways, pieces, the finish, and a disk error naming the
//! file and the operation.

use std::time::Duration;

use lt_session::{AlertCategory, AlertKind, Session, SessionParams, TorrentState};

mod common;
use common::{loopback, make_torrent, params, TempDir, PIECE};

fn everything() -> lt_session::Settings {
    let mut settings = loopback();
    settings.alert_mask = AlertCategory::ALL;
    settings
}

/// The names (`what()`) of the alerts popped from `session`.
fn names(alerts: &[lt_session::Alert]) -> Vec<&'static str> {
    alerts.iter().map(lt_session::Alert::what).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_posts_libtorrents_alerts() {
    let dir = TempDir::new("alerts-download");
    let (_, info) = make_torrent(&dir.0, 6 * PIECE as usize + 5);
    let seeder = Session::new(SessionParams::new(everything())).expect("seed session");
    let seed_addr = seeder.listen_addrs()[0];
    let seed = seeder
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add the seed");
    seed.wait_finished().await.expect("checked");

    let session = Session::new(SessionParams::new(everything())).expect("session");
    let handle = session
        .add_torrent(params(&info, &dir.0.join("out"), vec![seed_addr]))
        .expect("add");
    tokio::time::timeout(Duration::from_secs(20), handle.wait_finished())
        .await
        .expect("in time")
        .expect("finished");
    let alerts = session.pop_alerts();
    let names = names(&alerts);
    for expected in [
        "listen_succeeded",
        "add_torrent",
        "torrent_added",
        "torrent_checked",
        "state_changed",
        "peer_connect",
        "piece_finished",
        "torrent_finished",
    ] {
        assert!(names.contains(&expected), "no {expected} in {names:?}");
    }
    let pieces = alerts
        .iter()
        .filter(|alert| matches!(alert.kind, AlertKind::PieceFinished { .. }))
        .count();
    assert_eq!(pieces, 7);
    let states: Vec<_> = alerts
        .iter()
        .filter_map(|alert| match &alert.kind {
            AlertKind::StateChanged { state, .. } => Some(state.name()),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["downloading", "seeding"]);
    assert!(alerts.iter().all(|alert| alert
        .torrent()
        .is_none_or(|torrent| torrent.info_hash == info.info_hashes())));

    // A `stats` alert comes once a second, with the payload moved since the last one.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let later = session.pop_alerts();
    let moved: u64 = alerts
        .iter()
        .chain(&later)
        .filter_map(|alert| match &alert.kind {
            AlertKind::Stats { transferred, .. } => Some(transferred.download_payload_bytes),
            _ => None,
        })
        .sum();
    assert_eq!(moved, info.total_size());

    // Session statistics, indexed by libtorrent's metric names.
    session.post_session_stats();
    let counters = session
        .pop_alerts()
        .into_iter()
        .find_map(|alert| match alert.kind {
            AlertKind::SessionStats { counters } => Some(counters),
            _ => None,
        })
        .expect("a session_stats alert");
    let at = |name| counters[lt_session::find_metric_idx(name).expect(name)];
    assert_eq!(at("net.recv_payload_bytes"), info.total_size() as i64);
    assert_eq!(at("ses.num_seeding_torrents"), 1);
    assert_eq!(at("ses.num_have_pieces"), 7);

    // The seed saw the peer come in.
    let seed_alerts = seeder.pop_alerts();
    assert!(seed_alerts.iter().any(|alert| matches!(
        alert.kind,
        AlertKind::PeerConnect {
            direction: lt_session::lt_alerts::PeerDirection::Incoming,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_error_names_the_file_and_operation() {
    let dir = TempDir::new("alerts-disk-error");
    let (_, info) = make_torrent(&dir.0, 3 * PIECE as usize);
    // The save path is a regular file: nothing can be created under it.
    let blocked = dir.0.join("blocked");
    std::fs::write(&blocked, b"not a directory").expect("write");
    let session = Session::new(SessionParams::new(everything())).expect("session");
    let handle = session
        .add_torrent(params(&info, &blocked, Vec::new()))
        .expect("add");
    let error = tokio::time::timeout(Duration::from_secs(10), handle.wait_finished())
        .await
        .expect("in time")
        .expect_err("the torrent stops with an error");
    assert!(!error.to_string().is_empty());
    assert_ne!(handle.status().state, TorrentState::Seeding);
    let alerts = session.pop_alerts();
    let torrent_error = alerts
        .iter()
        .find_map(|alert| match &alert.kind {
            AlertKind::TorrentError { error, .. } => Some(error.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no torrent_error in {:?}", names(&alerts)));
    assert!(
        torrent_error.message.contains("blocked"),
        "{torrent_error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_mask_keeps_errors_only() {
    let dir = TempDir::new("alerts-mask");
    let (_, info) = make_torrent(&dir.0, 2 * PIECE as usize);
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let handle = session
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add");
    handle.wait_finished().await.expect("checked");
    let alerts = session.pop_alerts();
    assert!(
        alerts
            .iter()
            .all(|alert| alert.category().contains(AlertCategory::ERROR)),
        "{:?}",
        names(&alerts)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_session_stops_its_torrents() {
    let dir = TempDir::new("alerts-drop");
    let (_, info) = make_torrent(&dir.0, 2 * PIECE as usize);
    let session = Session::new(SessionParams::new(loopback())).expect("session");
    let handle = session
        .add_torrent(params(&info, &dir.0.join("src"), Vec::new()))
        .expect("add");
    handle.wait_finished().await.expect("checked");
    assert!(handle.is_valid());
    drop(session);
    tokio::time::timeout(Duration::from_secs(5), async {
        while handle.is_valid() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the torrent stops");
}
