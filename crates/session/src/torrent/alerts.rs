//! The torrent's alerts: what it posts to the session's [`AlertQueue`] and the conversions from
//! the layers' types (storage errors, tracker events, states) to lt-alerts' payloads.

use lt_alerts::{
    Alert, AlertError, AlertKind, AlertQueue, AnnounceEvent, Operation, TorrentRef,
    TorrentState as AlertState,
};
use lt_storage::{FileOperation, StorageError};
use lt_tracker::Event;

use super::Torrent;
use crate::status::TorrentState;

/// Where a torrent posts, and how its alerts name it.
#[derive(Debug, Clone)]
pub(crate) struct AlertSink {
    pub(crate) queue: AlertQueue,
    pub(crate) torrent: TorrentRef,
}

/// Our state as lt-alerts names it.
pub(super) fn alert_state(state: TorrentState) -> AlertState {
    match state {
        TorrentState::CheckingFiles => AlertState::CheckingFiles,
        TorrentState::Downloading => AlertState::Downloading,
        TorrentState::Finished => AlertState::Finished,
        TorrentState::Seeding => AlertState::Seeding,
    }
}

/// A tracker event as lt-alerts names it.
pub(super) fn announce_event(event: Event) -> AnnounceEvent {
    match event {
        Event::None => AnnounceEvent::None,
        Event::Completed => AnnounceEvent::Completed,
        Event::Started => AnnounceEvent::Started,
        Event::Stopped => AnnounceEvent::Stopped,
        Event::Paused => AnnounceEvent::Paused,
    }
}

/// A storage operation as lt-alerts names it.
pub(super) fn file_operation(operation: Option<FileOperation>) -> Operation {
    match operation {
        Some(FileOperation::Open) => Operation::FileOpen,
        Some(FileOperation::Read | FileOperation::PartFileRead) => Operation::FileRead,
        Some(FileOperation::Write | FileOperation::PartFileWrite) => Operation::FileWrite,
        Some(FileOperation::Stat) => Operation::FileStat,
        Some(FileOperation::Rename) => Operation::FileRename,
        Some(FileOperation::Copy) => Operation::FileCopy,
        Some(FileOperation::Mkdir) => Operation::Mkdir,
        Some(FileOperation::Remove) => Operation::FileRemove,
        Some(FileOperation::Truncate | FileOperation::Allocate) => Operation::FileTruncate,
        Some(FileOperation::PartFileMove) => Operation::PartfileMove,
        Some(FileOperation::CheckResume) => Operation::CheckResume,
        Some(_) => Operation::File,
        None => Operation::Unknown,
    }
}

/// A storage error as an alert error: the operation's libtorrent name as the code, the
/// error's text as the message.
pub(super) fn storage_alert_error(error: &StorageError) -> AlertError {
    let code = error
        .operation()
        .map_or("storage_error", FileOperation::libtorrent_name);
    AlertError::from_display(code, error)
}

impl Torrent {
    /// Posts `kind` (the queue applies the mask).
    pub(super) fn post(&self, kind: AlertKind) {
        self.config.alerts.queue.post(Alert::new(kind));
    }

    /// How alerts name this torrent.
    pub(super) fn torrent_ref(&self) -> TorrentRef {
        self.config.alerts.torrent.clone()
    }

    /// Moves to `state`, posting `state_changed` when it is a change.
    pub(super) fn set_state(&mut self, state: TorrentState) {
        if self.state == state {
            return;
        }
        let prev_state = alert_state(self.state);
        self.state = state;
        self.post(AlertKind::StateChanged {
            torrent: self.torrent_ref(),
            state: alert_state(state),
            prev_state,
        });
    }

    /// A storage error stops the torrent: `file_error` names the file and operation, then
    /// `torrent_error`.
    pub(super) fn fail_storage(&mut self, error: &StorageError) {
        let alert_error = storage_alert_error(error);
        if let Some(file) = error.file() {
            self.post(AlertKind::FileError {
                torrent: self.torrent_ref(),
                file,
                path: error.path().map(ToOwned::to_owned).unwrap_or_default(),
                operation: file_operation(error.operation()),
                error: alert_error.clone(),
            });
        }
        self.post(AlertKind::TorrentError {
            torrent: self.torrent_ref(),
            path: error.path().map(ToOwned::to_owned),
            error: alert_error,
        });
        self.fail(error.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_name_libtorrents_operation() {
        let error = StorageError::io(
            FileOperation::Write,
            Some(lt_core::FileIndex::new(2)),
            Some("/save/a.bin".into()),
            std::io::Error::from_raw_os_error(28),
        );
        let alert = storage_alert_error(&error);
        assert_eq!(alert.code_name, "file_write");
        assert!(alert.message.contains("/save/a.bin"));
        assert_eq!(file_operation(error.operation()), Operation::FileWrite);
    }

    #[test]
    fn states_and_events_map_by_name() {
        assert_eq!(alert_state(TorrentState::Seeding).name(), "seeding");
        assert_eq!(announce_event(Event::Started).name(), "started");
    }
}
