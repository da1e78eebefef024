//! The two steps of a UDP tracker exchange, one struct each (connect, then announce or
//! scrape), and the moves between them. Each transition consumes the old step.

use std::time::Instant;

use crate::settings::UdpTrackerConfig;

/// A connection id and when it stops being usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionId {
    pub(crate) id: u64,
    pub(crate) expires: Instant,
}

impl ConnectionId {
    pub(crate) fn is_valid(&self, now: Instant) -> bool {
        now < self.expires
    }
}

/// Step 1: a connect request is (to be) sent; waiting for the connection id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwaitConnect {
    pub(crate) transaction_id: u32,
    /// Sends of this request so far (the n of BEP 15's 15·2ⁿ).
    pub(crate) sends: u32,
    /// When to give up on the last send; `None` while the packet still has to go out.
    pub(crate) deadline: Option<Instant>,
}

/// Step 2: the announce or scrape is (to be) sent with a connection id; waiting for the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwaitResponse {
    pub(crate) transaction_id: u32,
    pub(crate) connection_id: u64,
    pub(crate) sends: u32,
    pub(crate) deadline: Option<Instant>,
}

/// Where one request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exchange {
    AwaitConnect(AwaitConnect),
    AwaitResponse(AwaitResponse),
}

impl AwaitConnect {
    pub(crate) fn new(transaction_id: u32) -> Self {
        Self {
            transaction_id,
            sends: 0,
            deadline: None,
        }
    }

    /// The tracker gave a connection id: the announce or scrape goes out next, counted afresh.
    pub(crate) fn connected(self, connection: ConnectionId, transaction_id: u32) -> AwaitResponse {
        AwaitResponse {
            transaction_id,
            connection_id: connection.id,
            sends: 0,
            deadline: None,
        }
    }

    /// The wait ran out: send again, or give up (`None`) after the last retransmission.
    pub(crate) fn timed_out(self, config: &UdpTrackerConfig) -> Option<Self> {
        (self.sends <= config.max_retransmits).then_some(Self {
            deadline: None,
            ..self
        })
    }
}

impl AwaitResponse {
    /// The wait ran out: send again with the same connection id while it is valid, go back to
    /// connecting once it has expired (keeping the count, so the total wait stays bounded), or
    /// give up (`None`) after the last retransmission.
    pub(crate) fn timed_out(
        self,
        config: &UdpTrackerConfig,
        connection: Option<ConnectionId>,
        now: Instant,
        fresh_transaction_id: u32,
    ) -> Option<Exchange> {
        if self.sends > config.max_retransmits {
            return None;
        }
        let still_connected = connection.is_some_and(|connection| {
            connection.id == self.connection_id && connection.is_valid(now)
        });
        Some(if still_connected {
            Exchange::AwaitResponse(Self {
                deadline: None,
                ..self
            })
        } else {
            Exchange::AwaitConnect(AwaitConnect {
                transaction_id: fresh_transaction_id,
                sends: self.sends,
                deadline: None,
            })
        })
    }
}

impl Exchange {
    pub(crate) fn transaction_id(&self) -> u32 {
        match self {
            Self::AwaitConnect(step) => step.transaction_id,
            Self::AwaitResponse(step) => step.transaction_id,
        }
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self {
            Self::AwaitConnect(step) => step.deadline,
            Self::AwaitResponse(step) => step.deadline,
        }
    }

    /// Records a send at `now`: the deadline is `now + timeout(sends)`.
    pub(crate) fn mark_sent(&mut self, now: Instant, config: &UdpTrackerConfig) {
        let (sends, deadline) = match self {
            Self::AwaitConnect(step) => (&mut step.sends, &mut step.deadline),
            Self::AwaitResponse(step) => (&mut step.sends, &mut step.deadline),
        };
        *deadline = Some(now + config.timeout(*sends));
        *sends += 1;
    }
}
