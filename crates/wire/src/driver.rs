//! A [`PeerConnection`] on a tokio byte stream (feature `tokio`).
//!
//! [`run`] owns the stream (a `TcpStream`, or any `AsyncRead + AsyncWrite`, such as an MSE
//! stream), one timer, a channel of [`Command`]s in and a channel of [`DriverEvent`]s out. It
//! makes no protocol decisions: each pass drains `poll_transmit` and `poll_event`, arms the
//! timer at `poll_timeout`, waits for one input (bytes read, bytes written, the timer, a
//! command) and feeds it to the connection with `now`. The clock is tokio's, so
//! `tokio::time::pause()` drives it in tests.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use lt_core::PieceIndex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::{ApiMisuse, Block, Message, PeerConnection, PieceGeometry, WireEvent};

/// How much the driver reads at a time at first: enough for an idle peer's messages.
const MIN_READ_CHUNK: usize = 16 * 1024;
/// How much it reads at a time once reads keep filling the space offered: a fast peer's blocks
/// then take one system call per 16 of them. Reads that fill under an eighth of the space
/// halve it again, and an idle connection's buffer shrinks back.
const MAX_READ_CHUNK: usize = 256 * 1024;
/// At most this many queued commands are run before the connection's bytes are written.
const COMMAND_BATCH: usize = 256;

/// A command given as a function of the connection and the current time.
pub type ConnectionFn = Box<dyn FnOnce(&mut PeerConnection, Instant) + Send>;

/// What the owner tells a driven connection to do; each is the connection's command of the
/// same name.
#[non_exhaustive]
pub enum Command {
    /// [`PeerConnection::choke`].
    Choke,
    /// [`PeerConnection::unchoke`].
    Unchoke,
    /// [`PeerConnection::set_interested`].
    SetInterested(bool),
    /// [`PeerConnection::request`]; a refusal comes back as [`DriverEvent::RequestRefused`].
    Request(Block),
    /// [`PeerConnection::cancel`].
    Cancel(Block),
    /// [`PeerConnection::serve`]: the answer to a [`WireEvent::Requested`] read.
    Serve {
        /// The block.
        block: Block,
        /// Its bytes.
        data: Bytes,
    },
    /// [`PeerConnection::reject_request`].
    RejectRequest(Block),
    /// [`PeerConnection::announce_piece`].
    AnnouncePiece(PieceIndex),
    /// [`PeerConnection::request_metadata`].
    RequestMetadata(u32),
    /// [`PeerConnection::set_metadata`].
    SetMetadata(PieceGeometry),
    /// [`PeerConnection::send`].
    Send(Message),
    /// Anything else, run on the connection with the current time.
    With(ConnectionFn),
    /// [`PeerConnection::close_now`]; the driver returns once the last bytes are written.
    Close,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Choke => f.write_str("Choke"),
            Command::Unchoke => f.write_str("Unchoke"),
            Command::SetInterested(on) => f.debug_tuple("SetInterested").field(on).finish(),
            Command::Request(block) => f.debug_tuple("Request").field(block).finish(),
            Command::Cancel(block) => f.debug_tuple("Cancel").field(block).finish(),
            Command::Serve { block, .. } => f.debug_tuple("Serve").field(block).finish(),
            Command::RejectRequest(block) => f.debug_tuple("RejectRequest").field(block).finish(),
            Command::AnnouncePiece(piece) => f.debug_tuple("AnnouncePiece").field(piece).finish(),
            Command::RequestMetadata(piece) => {
                f.debug_tuple("RequestMetadata").field(piece).finish()
            }
            Command::SetMetadata(geometry) => f.debug_tuple("SetMetadata").field(geometry).finish(),
            Command::Send(message) => f.debug_tuple("Send").field(message).finish(),
            Command::With(_) => f.write_str("With(..)"),
            Command::Close => f.write_str("Close"),
        }
    }
}

impl Command {
    /// Runs the command on `connection`.
    ///
    /// # Errors
    /// What the connection's command returns.
    pub fn apply(self, connection: &mut PeerConnection, now: Instant) -> Result<(), ApiMisuse> {
        match self {
            Command::Choke => connection.choke(now),
            Command::Unchoke => connection.unchoke(now),
            Command::SetInterested(on) => connection.set_interested(now, on),
            Command::Request(block) => connection.request(now, block)?,
            Command::Cancel(block) => connection.cancel(now, block),
            Command::Serve { block, data } => connection.serve(now, block, data)?,
            Command::RejectRequest(block) => connection.reject_request(now, block)?,
            Command::AnnouncePiece(piece) => connection.announce_piece(now, piece),
            Command::RequestMetadata(piece) => connection.request_metadata(now, piece)?,
            Command::SetMetadata(geometry) => connection.set_metadata(now, geometry)?,
            Command::Send(message) => connection.send(now, &message)?,
            Command::With(function) => function(connection, now),
            Command::Close => connection.close_now(),
        }
        Ok(())
    }
}

/// What a driven connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverEvent {
    /// An event of the connection.
    Wire(WireEvent),
    /// A [`Command::Request`] the connection refused (the peer choked us meanwhile, say):
    /// the block is not outstanding.
    RequestRefused(Block, ApiMisuse),
    /// Another command failed; the connection goes on.
    CommandFailed(ApiMisuse),
}

/// Why [`run`] stopped before the connection closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// Reading or writing the stream failed.
    #[error("peer connection i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The receiver of the events was dropped.
    #[error("the event receiver is gone")]
    EventsClosed,
}

/// The current time on tokio's clock (which `tokio::time::pause()` controls).
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Drives `connection` over `stream` until it closes: bytes read go to `handle_read`, the end
/// of the stream to `handle_eof`, the timer to `handle_timeout`, `commands` to the
/// connection's commands; events go to `events` (waiting when the receiver is slow, which
/// slows reading too). Dropping the command sender closes the connection. Returns `Ok` once
/// the connection is closed and its last bytes are written (or cannot be).
///
/// # Errors
/// [`DriverError::Io`] when the stream fails while the connection is open,
/// [`DriverError::EventsClosed`] when the event receiver is dropped.
///
/// # Cancel safety
/// Not cancel safe: dropping the future drops the stream and the bytes not yet written.
pub async fn run<S>(
    mut connection: PeerConnection,
    stream: S,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<DriverEvent>,
) -> Result<(), DriverError>
where
    S: AsyncRead + AsyncWrite,
{
    let (reader, writer) = tokio::io::split(stream);
    let (mut reader, mut writer) = (Box::pin(reader), Box::pin(writer));
    let mut read_chunk = MIN_READ_CHUNK;
    let mut inbound = BytesMut::with_capacity(read_chunk);
    let mut outbound = Vec::new();
    let mut timer = Box::pin(tokio::time::sleep(std::time::Duration::ZERO));
    let mut reading = true;
    let mut commands_open = true;
    loop {
        connection.poll_transmit(&mut outbound);
        while let Some(event) = connection.poll_event() {
            send(&events, DriverEvent::Wire(event)).await?;
        }
        if connection.is_closed() && outbound.is_empty() {
            let _ = writer.shutdown().await;
            return Ok(());
        }
        let deadline = connection.poll_timeout();
        if let Some(at) = deadline {
            // An elapsed deadline is handled now: tokio's budget may keep a due Sleep pending.
            if at <= now() {
                connection.handle_timeout(now());
                continue;
            }
            timer.as_mut().reset(at.into());
        }
        if inbound.is_empty() && inbound.capacity() > 4 * read_chunk {
            // The peer slowed down: let its big buffer go rather than hold it while idle.
            inbound = BytesMut::new();
        }
        inbound.reserve(read_chunk);
        let room = inbound.capacity() - inbound.len();
        let open = !connection.is_closed();
        tokio::select! {
            read = reader.read_buf(&mut inbound), if reading && open => match read {
                Ok(0) => {
                    reading = false;
                    connection.handle_eof(now());
                }
                Ok(count) => {
                    read_chunk = next_read_chunk(read_chunk, count, room);
                    connection.handle_read(now(), &mut inbound);
                }
                Err(error) => return Err(error.into()),
            },
            written = writer.write(&outbound), if !outbound.is_empty() => match written {
                Ok(count) => {
                    outbound.drain(..count);
                }
                // The connection is closed: its last bytes cannot be delivered, nothing lost.
                Err(_) if !open => return Ok(()),
                Err(error) => return Err(error.into()),
            },
            () = &mut timer, if deadline.is_some() => connection.handle_timeout(now()),
            command = commands.recv(), if commands_open => match command {
                Some(command) => {
                    apply(&mut connection, command, &events).await?;
                    // Whatever else is queued goes out in the same write: a burst of requests
                    // costs one system call rather than one each.
                    for _ in 1..COMMAND_BATCH {
                        let Ok(command) = commands.try_recv() else {
                            break;
                        };
                        apply(&mut connection, command, &events).await?;
                    }
                }
                None => {
                    commands_open = false;
                    connection.close_now();
                }
            },
        }
    }
}

/// How much to read next time, after a read of `count` bytes into `room` free bytes with
/// `current` asked for: double after a read that filled the room, halve after one that used
/// under an eighth of it, within [`MIN_READ_CHUNK`] ..= [`MAX_READ_CHUNK`].
fn next_read_chunk(current: usize, count: usize, room: usize) -> usize {
    if count >= room {
        (current * 2).min(MAX_READ_CHUNK)
    } else if count < room / 8 {
        (current / 2).max(MIN_READ_CHUNK)
    } else {
        current
    }
}

/// Runs `command` on `connection`; a refusal is reported on `events`.
async fn apply(
    connection: &mut PeerConnection,
    command: Command,
    events: &mpsc::Sender<DriverEvent>,
) -> Result<(), DriverError> {
    let request = match &command {
        Command::Request(block) => Some(*block),
        _ => None,
    };
    if let Err(error) = command.apply(connection, now()) {
        let event = match request {
            Some(block) => DriverEvent::RequestRefused(block, error),
            None => DriverEvent::CommandFailed(error),
        };
        send(events, event).await?;
    }
    Ok(())
}

async fn send(events: &mpsc::Sender<DriverEvent>, event: DriverEvent) -> Result<(), DriverError> {
    events
        .send(event)
        .await
        .map_err(|_| DriverError::EventsClosed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_grow_while_they_fill_the_buffer_and_shrink_when_they_do_not() {
        let mut chunk = MIN_READ_CHUNK;
        for _ in 0..10 {
            chunk = next_read_chunk(chunk, chunk, chunk);
        }
        assert_eq!(chunk, MAX_READ_CHUNK);
        assert_eq!(next_read_chunk(chunk, chunk / 2, chunk), chunk);
        for _ in 0..10 {
            chunk = next_read_chunk(chunk, 68, chunk);
        }
        assert_eq!(chunk, MIN_READ_CHUNK);
    }
}
