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

    /// The info-hash of the pair's torrent.
    #[must_use]
    pub fn info_hash() -> Sha1Hash {
        Sha1Hash::from_bytes([0x5a; 20])
    }

    /// The handshake the pair's connections send: libtorrent's reserved bits, the pair's
    /// info-hash, and a peer id of `id` bytes (`a` is `b'a'`, `b` is `b'b'`).
    #[must_use]
    pub fn hello(id: u8) -> Handshake {
        Handshake {
            reserved: ReservedBits::lt_default(),
            info_hash: Self::info_hash(),
            peer_id: PeerId::from_bytes([id; 20]),
        }
    }

    /// Two fresh connections for the same torrent, handshakes queued, nothing delivered.
    /// Replace or configure `a` and `b` (our pieces, addresses, metadata) before
    /// [`establish`](Self::establish) or [`advance`](Self::advance).
    #[must_use]
    pub fn new(config: WireConfig) -> Self {
        let now = Instant::now();
        let hello = Self::hello;
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
        pair.establish();
        pair
    }

    /// Delivers both handshakes and extension handshakes (and what follows them), then drains
    /// both connections' events.
    ///
    /// # Panics
    /// When either connection is not established afterwards.
    pub fn establish(&mut self) {
        self.advance(self.latency * 4);
        assert!(self.a.is_established() && self.b.is_established());
        self.events_a();
        self.events_b();
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

    /// Takes everything both connections have to send (the wire has no bandwidth limit).
    fn collect_transmits(&mut self) {
        let deliver_at = self.now + self.latency;
        for side in [Side::B, Side::A] {
            let connection = match side {
                Side::B => &mut self.a,
                Side::A => &mut self.b,
            };
            let mut bytes = Vec::new();
            loop {
                let mut chunk = Vec::new();
                if connection.poll_transmit(&mut chunk) == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            let lost = side == Side::A && self.lose_b_to_a;
            if !bytes.is_empty() && !lost {
                self.wire.push_back((deliver_at, side, Bytes::from(bytes)));
            }
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
