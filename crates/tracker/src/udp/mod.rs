//! [`UdpTracker`]: the sans-I/O UDP tracker client (BEP 15, BEP 41) for one tracker address.

pub mod packet;
mod state;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use lt_core::Sha1Hash;

use crate::error::TrackerError;
use crate::request::AnnounceRequest;
use crate::response::{AnnounceResponse, ScrapeResponse};
use crate::settings::UdpTrackerConfig;

use self::packet::{ACTION_ANNOUNCE, ACTION_CONNECT, ACTION_ERROR, ACTION_SCRAPE};
use self::state::{AwaitConnect, ConnectionId, Exchange};

/// Names one announce or scrape made through a [`UdpTracker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

/// One datagram for the caller to send; its bytes were appended to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Where to send it.
    pub destination: SocketAddr,
    /// How many bytes were appended.
    pub len: usize,
}

/// What happened to a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum UdpTrackerEvent {
    /// An announce was answered.
    Announced {
        /// The request.
        request: RequestId,
        /// The tracker's answer (its minimum interval is libtorrent's 60 s).
        response: AnnounceResponse,
    },
    /// A scrape was answered, one entry per info-hash asked about, in the same order.
    Scraped {
        /// The request.
        request: RequestId,
        /// The tracker's figures.
        response: Vec<ScrapeResponse>,
    },
    /// A request failed: the tracker sent an error, its answer was malformed, or every
    /// retransmission went unanswered ([`TrackerError::TimedOut`]).
    Failed {
        /// The request.
        request: RequestId,
        /// Why.
        error: TrackerError,
    },
}

#[derive(Debug, Clone)]
enum Job {
    Announce {
        request: Box<AnnounceRequest>,
        url_data: Vec<u8>,
    },
    Scrape {
        info_hashes: Vec<Sha1Hash>,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    id: RequestId,
    job: Job,
    exchange: Exchange,
}

/// The UDP tracker protocol for one tracker address, with no socket and no clock of its own.
///
/// Commands ([`announce`](Self::announce), [`scrape`](Self::scrape)) start requests; the caller
/// feeds in what arrives ([`handle_datagram`](Self::handle_datagram)) and when its timer fires
/// ([`handle_timeout`](Self::handle_timeout)), then drains, in this order,
/// [`poll_transmit`](Self::poll_transmit), [`poll_timeout`](Self::poll_timeout) and
/// [`poll_event`](Self::poll_event).
///
/// Each request connects first (BEP 15), unless a connection id younger than
/// [`UdpTrackerConfig::connection_id_lifetime`] is at hand; requests share it. A request that
/// gets no answer is sent again after 15·2ⁿ s ([`UdpTrackerConfig::initial_timeout`] and
/// [`max_retransmits`](UdpTrackerConfig::max_retransmits)); a connection id that expires
/// meanwhile is fetched again. Datagrams from another address or with a transaction id that is
/// not outstanding are ignored (`handle_datagram` returns `false`, so a shared socket can offer
/// them to someone else). Transaction ids come from a generator seeded by the caller.
///
/// # Examples
/// ```
/// use std::time::Instant;
/// use lt_core::{PeerId, Sha1Hash};
/// use lt_tracker::{AnnounceRequest, UdpTracker, UdpTrackerConfig, UdpTrackerEvent};
///
/// let tracker_addr = "127.0.0.1:6969".parse()?;
/// let now = Instant::now();
/// let mut tracker = UdpTracker::new(UdpTrackerConfig::default(), tracker_addr, 42);
/// let request = AnnounceRequest::new(Sha1Hash::from_bytes([1; 20]), PeerId::generate(), 6881);
/// let id = tracker.announce(now, request, b"/announce");
///
/// let mut buffer = Vec::new();
/// let transmit = tracker.poll_transmit(now, &mut buffer).expect("a connect request");
/// assert_eq!(transmit.len, 16);
/// // The caller sends `buffer` to `transmit.destination`, waits until `poll_timeout()`, and
/// // feeds answers back with `handle_datagram`.
/// assert_eq!(tracker.poll_timeout(), Some(now + std::time::Duration::from_secs(15)));
/// # let _ = id;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct UdpTracker {
    config: UdpTrackerConfig,
    remote: SocketAddr,
    connection: Option<ConnectionId>,
    pending: Vec<Pending>,
    events: VecDeque<UdpTrackerEvent>,
    rng_state: u64,
    next_request: u64,
}

impl UdpTracker {
    /// A client for the tracker at `remote`; `rng_seed` seeds the transaction ids.
    #[must_use]
    pub fn new(config: UdpTrackerConfig, remote: SocketAddr, rng_seed: u64) -> Self {
        Self {
            config,
            remote,
            connection: None,
            pending: Vec::new(),
            events: VecDeque::new(),
            rng_state: rng_seed,
            next_request: 0,
        }
    }

    /// The tracker's address.
    #[must_use]
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// Whether requests are outstanding.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// Starts an announce. `url_data` is the path and query of the tracker URL, sent as BEP 41
    /// `URLData` (libtorrent sends the path, `/announce` for `udp://host:port/announce`).
    pub fn announce(
        &mut self,
        now: Instant,
        request: AnnounceRequest,
        url_data: &[u8],
    ) -> RequestId {
        let job = Job::Announce {
            request: Box::new(request),
            url_data: url_data.to_vec(),
        };
        self.start(now, job)
    }

    /// Starts a scrape of up to 74 torrents (what fits in one datagram; the rest are ignored).
    pub fn scrape(&mut self, now: Instant, info_hashes: &[Sha1Hash]) -> RequestId {
        let info_hashes = info_hashes.iter().copied().take(74).collect();
        self.start(now, Job::Scrape { info_hashes })
    }

    /// Forgets a request; its answer, if one comes, is ignored. Returns whether it was
    /// outstanding.
    pub fn cancel(&mut self, request: RequestId) -> bool {
        let before = self.pending.len();
        self.pending.retain(|pending| pending.id != request);
        self.pending.len() != before
    }

    fn start(&mut self, now: Instant, job: Job) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        let transaction_id = self.fresh_transaction_id();
        let exchange = match self
            .connection
            .filter(|connection| connection.is_valid(now))
        {
            Some(connection) => {
                Exchange::AwaitResponse(AwaitConnect::new(0).connected(connection, transaction_id))
            }
            None => Exchange::AwaitConnect(AwaitConnect::new(transaction_id)),
        };
        self.pending.push(Pending { id, job, exchange });
        id
    }

    /// A non-zero transaction id that no outstanding request uses (splitmix64).
    fn fresh_transaction_id(&mut self) -> u32 {
        loop {
            self.rng_state = self.rng_state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut mixed = self.rng_state;
            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            mixed ^= mixed >> 31;
            let candidate = (mixed >> 32) as u32;
            let in_use = self
                .pending
                .iter()
                .any(|pending| pending.exchange.transaction_id() == candidate);
            if candidate != 0 && !in_use {
                return candidate;
            }
        }
    }

    /// Feeds in a datagram that arrived from `from`. Returns whether it was for this tracker
    /// (from its address, with an outstanding transaction id); others are left alone.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) -> bool {
        if from != self.remote {
            return false;
        }
        let Some((action, transaction_id)) = packet::read_response_header(datagram) else {
            return false;
        };
        let Some(index) = self
            .pending
            .iter()
            .position(|pending| pending.exchange.transaction_id() == transaction_id)
        else {
            return false;
        };
        if action == ACTION_ERROR {
            let reason = packet::read_error_response(datagram);
            self.fail(index, TrackerError::TrackerFailure { reason });
            return true;
        }
        let Some(pending) = self.pending.get(index) else {
            return false;
        };
        match (&pending.exchange, &pending.job) {
            (Exchange::AwaitConnect(_), _) => {
                if action != ACTION_CONNECT {
                    self.fail(index, TrackerError::InvalidTrackerAction);
                    return true;
                }
                match packet::read_connect_response(datagram) {
                    Ok(id) => self.connected(now, id),
                    Err(error) => self.fail(index, error),
                }
            }
            (Exchange::AwaitResponse(_), Job::Announce { .. }) => {
                let result = if action == ACTION_ANNOUNCE {
                    packet::read_announce_response(datagram, self.remote.is_ipv6())
                } else {
                    Err(TrackerError::InvalidTrackerAction)
                };
                self.finish(index, result.map(Answer::Announced));
            }
            (Exchange::AwaitResponse(_), Job::Scrape { info_hashes }) => {
                let result = if action == ACTION_SCRAPE {
                    packet::read_scrape_response(datagram, info_hashes.len())
                } else {
                    Err(TrackerError::InvalidTrackerAction)
                };
                self.finish(index, result.map(Answer::Scraped));
            }
        }
        true
    }

    /// A connection id arrived: every request still connecting moves on to its announce or
    /// scrape with it.
    fn connected(&mut self, now: Instant, id: u64) {
        let connection = ConnectionId {
            id,
            expires: now + self.config.connection_id_lifetime,
        };
        self.connection = Some(connection);
        for index in 0..self.pending.len() {
            let transaction_id = self.fresh_transaction_id();
            if let Some(pending) = self.pending.get_mut(index) {
                if let Exchange::AwaitConnect(step) = &pending.exchange {
                    let step = step.clone();
                    pending.exchange =
                        Exchange::AwaitResponse(step.connected(connection, transaction_id));
                }
            }
        }
    }

    fn fail(&mut self, index: usize, error: TrackerError) {
        self.finish(index, Err(error));
    }

    fn finish(&mut self, index: usize, result: Result<Answer, TrackerError>) {
        if index >= self.pending.len() {
            return;
        }
        let request = self.pending.remove(index).id;
        self.events.push_back(match result {
            Ok(Answer::Announced(response)) => UdpTrackerEvent::Announced { request, response },
            Ok(Answer::Scraped(response)) => UdpTrackerEvent::Scraped { request, response },
            Err(error) => UdpTrackerEvent::Failed { request, error },
        });
    }

    /// Tells the core its timer fired. Requests whose wait ran out are sent again or fail with
    /// [`TrackerError::TimedOut`]; an early call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut index = 0;
        while index < self.pending.len() {
            let fresh_transaction_id = self.fresh_transaction_id();
            let connection = self.connection;
            let Some(pending) = self.pending.get_mut(index) else {
                break;
            };
            let is_due = pending
                .exchange
                .deadline()
                .is_some_and(|deadline| deadline <= now);
            if !is_due {
                index += 1;
                continue;
            }
            let next = match pending.exchange.clone() {
                Exchange::AwaitConnect(step) => {
                    step.timed_out(&self.config).map(Exchange::AwaitConnect)
                }
                Exchange::AwaitResponse(step) => {
                    step.timed_out(&self.config, connection, now, fresh_transaction_id)
                }
            };
            match next {
                Some(exchange) => {
                    pending.exchange = exchange;
                    index += 1;
                }
                None => self.fail(index, TrackerError::TimedOut),
            }
        }
    }

    /// The next datagram to send, appended to `buffer`, or `None` when nothing is due.
    pub fn poll_transmit(&mut self, now: Instant, buffer: &mut Vec<u8>) -> Option<Transmit> {
        let valid_connection = self
            .connection
            .filter(|connection| connection.is_valid(now));
        let pending = self
            .pending
            .iter_mut()
            .find(|pending| pending.exchange.deadline().is_none())?;
        // A request that was about to connect can use a connection another one just made.
        if let (Exchange::AwaitConnect(step), Some(connection)) =
            (&pending.exchange, valid_connection)
        {
            let step = step.clone();
            let transaction_id = step.transaction_id;
            pending.exchange = Exchange::AwaitResponse(step.connected(connection, transaction_id));
        }
        let start = buffer.len();
        match (&pending.exchange, &pending.job) {
            (Exchange::AwaitConnect(step), _) => packet::write_connect(buffer, step.transaction_id),
            (Exchange::AwaitResponse(step), Job::Announce { request, url_data }) => {
                packet::write_announce(
                    buffer,
                    step.connection_id,
                    step.transaction_id,
                    request,
                    url_data,
                );
            }
            (Exchange::AwaitResponse(step), Job::Scrape { info_hashes }) => {
                packet::write_scrape(buffer, step.connection_id, step.transaction_id, info_hashes);
            }
        }
        pending.exchange.mark_sent(now, &self.config);
        Some(Transmit {
            destination: self.remote,
            len: buffer.len() - start,
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending
            .iter()
            .filter_map(|pending| pending.exchange.deadline())
            .min()
    }

    /// The next thing that happened to a request.
    pub fn poll_event(&mut self) -> Option<UdpTrackerEvent> {
        self.events.pop_front()
    }
}

enum Answer {
    Announced(AnnounceResponse),
    Scraped(Vec<ScrapeResponse>),
}

#[cfg(test)]
mod tests;
