//! The connection's deadlines, as libtorrent's `second_tick` checks them: handshake,
//! inactivity, no request, no interest, keep-alive and request timeout. There is one wake-up
//! time, the earliest that matters in the current state.

use std::time::Instant;

use super::{DisconnectReason, PeerConnection, State, WireEvent};
use crate::message::Message;
use crate::validate::Block;

impl PeerConnection {
    /// The time from [`poll_timeout`](Self::poll_timeout) has come; an early call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        match self.state {
            State::Closed => return,
            State::AwaitHandshake if now >= self.started + self.config.handshake_timeout => {
                return self.close(DisconnectReason::TimedOutNoHandshake);
            }
            _ => {}
        }
        if now >= self.last_received + self.config.inactivity_timeout {
            return self.close(DisconnectReason::TimedOutInactivity);
        }
        if !self.is_established() {
            return;
        }
        if self.no_request_deadline().is_some_and(|at| now >= at) {
            return self.close(DisconnectReason::TimedOutNoRequest);
        }
        if self.no_interest_deadline().is_some_and(|at| now >= at) {
            return self.close(DisconnectReason::TimedOutNoInterest);
        }
        if now >= self.last_sent + self.config.keepalive_interval {
            self.send_now(now, &Message::KeepAlive);
        }
        if self
            .pipeline
            .oldest()
            .is_some_and(|sent| now >= sent + self.config.request_timeout)
        {
            self.snubbed = true;
            self.events.push_back(WireEvent::Snubbed);
            let timed_out: Vec<Block> = self.pipeline.drain().collect();
            self.events
                .extend(timed_out.into_iter().map(WireEvent::RequestTimedOut));
        }
        // The watermark follows the upload rate, which decays with time.
        self.fill_send_buffer(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let inactivity = self.last_received + self.config.inactivity_timeout;
        match &self.state {
            State::Closed => None,
            State::AwaitHandshake => {
                Some(inactivity.min(self.started + self.config.handshake_timeout))
            }
            State::Established(_) => {
                let keepalive = self.last_sent + self.config.keepalive_interval;
                let request = self
                    .pipeline
                    .oldest()
                    .map(|sent| sent + self.config.request_timeout);
                [
                    Some(inactivity),
                    Some(keepalive),
                    request,
                    self.no_request_deadline(),
                    self.no_interest_deadline(),
                ]
                .into_iter()
                .flatten()
                .min()
            }
        }
    }

    /// We seed, unchoked an interested peer, and it asks for nothing: libtorrent drops it 60 s
    /// after the last unchoke, request or read.
    fn no_request_deadline(&self) -> Option<Instant> {
        let waiting = self.geometry.is_some()
            && self.ours.is_seed()
            && !self.am_choking
            && self.peer_interested
            && self.upload.is_idle();
        waiting.then(|| self.upload.last_activity() + self.config.no_request_timeout)
    }

    /// Neither side interested for the inactivity timeout, while the owner is at its
    /// connection limit.
    fn no_interest_deadline(&self) -> Option<Instant> {
        let idle = self.at_connection_limit && !self.am_interested && !self.peer_interested;
        idle.then(|| {
            self.became_uninterested.max(self.became_uninteresting) + self.config.inactivity_timeout
        })
    }
}
