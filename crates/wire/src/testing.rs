//! A deterministic harness that drives two [`PeerConnection`]s against each other over an
//! in-memory wire with a virtual clock (quinn-proto's `Pair`, over bytes).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use lt_core::{PeerId, Sha1Hash};

use crate::{Handshake, PeerConnection, PieceGeometry, ReservedBits, WireConfig, WireEvent};

/// Which connection a chunk of bytes travels to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// To `a`.
    A,
    /// To `b`.
    B,
}

/// Two connections, the bytes in flight between them, and virtual time.
///
/// Nothing here reads the real clock after construction: [`advance`](Self::advance) moves
/// `now` from one due event (delivery or timer) to the next, so minutes of protocol time run in
/// microseconds.
#[derive(Debug)]
pub struct Pair {
    /// The first connection (the tests' "us").
    pub a: PeerConnection,
    /// The second connection.
    pub b: PeerConnection,
    /// The virtual time.
    pub now: Instant,
    /// One-way delay of the wire.
    pub latency: Duration,
    /// Drop everything `b` sends to `a`.
    pub lose_b_to_a: bool,
    wire: VecDeque<(Instant, Side, Bytes)>,
    inbound_a: BytesMut,
    inbound_b: BytesMut,
}

impl Pair {
    /// A torrent of 4 MiB in 256 KiB pieces: the geometry the pair uses.
    #[must_use]
    pub fn geometry() -> PieceGeometry {
        PieceGeometry::new(4 << 20, 256 << 10).unwrap_or_else(|error| panic!("{error}"))
    }

    /// Two fresh connections for the same torrent, handshakes queued, nothing delivered.
    #[must_use]
    pub fn new(config: WireConfig) -> Self {
        let now = Instant::now();
        let info_hash = Sha1Hash::from_bytes([0x5a; 20]);
        let hello = |id| Handshake {
            reserved: ReservedBits::lt_default(),
            info_hash,
            peer_id: PeerId::from_bytes([id; 20]),
        };
        let geometry = Self::geometry();
        Self {
            a: PeerConnection::new(config.clone(), hello(b'a'), geometry, now),
            b: PeerConnection::new(config, hello(b'b'), geometry, now),
            now,
            latency: Duration::from_millis(10),
            lose_b_to_a: false,
            wire: VecDeque::new(),
            inbound_a: BytesMut::new(),
            inbound_b: BytesMut::new(),
        }
    }

    /// Two connections past both handshakes and extension handshakes, their events drained.
    #[must_use]
    pub fn handshaken(config: WireConfig) -> Self {
        let mut pair = Self::new(config);
        pair.advance(pair.latency * 4);
        assert!(pair.a.is_established() && pair.b.is_established());
        pair.events_a();
        pair.events_b();
        pair
    }

    /// Drains `a`'s events.
    pub fn events_a(&mut self) -> Vec<WireEvent> {
        std::iter::from_fn(|| self.a.poll_event()).collect()
    }

    /// Drains `b`'s events.
    pub fn events_b(&mut self) -> Vec<WireEvent> {
        std::iter::from_fn(|| self.b.poll_event()).collect()
    }

    /// Moves virtual time forward by `by`, delivering bytes and firing timers in time order.
    pub fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        for _ in 0..1_000_000 {
            self.collect_transmits();
            let next_delivery = self.wire.iter().map(|(at, _, _)| *at).min();
            let next = [next_delivery, self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next.filter(|next| *next <= until) else {
                break;
            };
            self.now = self.now.max(next);
            self.deliver_due();
            if self.a.poll_timeout().is_some_and(|at| at <= self.now) {
                self.a.handle_timeout(self.now);
            }
            if self.b.poll_timeout().is_some_and(|at| at <= self.now) {
                self.b.handle_timeout(self.now);
            }
        }
        self.collect_transmits();
        self.now = until;
    }

    fn collect_transmits(&mut self) {
        let deliver_at = self.now + self.latency;
        let mut bytes = Vec::new();
        if self.a.poll_transmit(&mut bytes) > 0 {
            self.wire
                .push_back((deliver_at, Side::B, Bytes::from(std::mem::take(&mut bytes))));
        }
        if self.b.poll_transmit(&mut bytes) > 0 && !self.lose_b_to_a {
            self.wire
                .push_back((deliver_at, Side::A, Bytes::from(bytes)));
        }
    }

    fn deliver_due(&mut self) {
        while let Some(position) = self.wire.iter().position(|(at, _, _)| *at <= self.now) {
            let Some((_, side, bytes)) = self.wire.remove(position) else {
                break;
            };
            match side {
                Side::A => {
                    self.inbound_a.extend_from_slice(&bytes);
                    self.a.handle_read(self.now, &mut self.inbound_a);
                }
                Side::B => {
                    self.inbound_b.extend_from_slice(&bytes);
                    self.b.handle_read(self.now, &mut self.inbound_b);
                }
            }
        }
    }
}
