//! The torrent's side of its peers: starting their tasks, feeding their events to the picker,
//! interest, and keeping each peer's request queue filled from the picker.

use std::net::{IpAddr, SocketAddr};

use lt_alerts::{AlertError, AlertKind, Operation, PeerDirection};
use lt_core::{Bitfield, BLOCK_SIZE};
use lt_picker::{PeerKey, PickOptions};
use lt_wire::driver::{Command, DriverEvent};
use lt_wire::{Block as WireBlock, ExtendedMessage, Handshake, Message, ReservedBits, WireEvent};
use tokio::sync::mpsc;

use super::connection::{run_peer, Origin, PeerMessage, PeerSetup};
use super::queue_size::QueueSize;
use super::stats::Rate;
use super::Torrent;
use crate::peer_info::PeerInfo;
use crate::random::random_bytes;
use crate::stream::BoxedStream;

/// Most peer addresses a torrent remembers to reconnect to (libtorrent's `max_peerlist_size`
/// is 3000).
const MAX_KNOWN_PEERS: usize = 3000;

/// Commands a peer task may have queued beyond its request queue (haves, cancels, serves).
const EXTRA_COMMANDS: usize = 1024;

/// A request queue is topped up once a quarter of it is free...
const REQUEST_BATCH_DIVISOR: usize = 4;
/// ...or this many blocks, whichever is fewer.
const MAX_REQUEST_BATCH: usize = 32;

/// One peer as the torrent's task sees it.
pub(super) struct Peer {
    commands: mpsc::Sender<Command>,
    /// Its address (for an incoming peer: where it connected from).
    pub(super) addr: SocketAddr,
    /// It connected to us.
    incoming: bool,
    /// Its peer id, once its handshake arrived.
    peer_id: Option<lt_core::PeerId>,
    /// Why the connection closed, once it said.
    close_reason: Option<AlertError>,
    /// Its handshake arrived; it is known to the picker.
    pub(super) connected: bool,
    /// It unchokes us.
    unchoked: bool,
    /// We are interested in it.
    interested: bool,
    pub(super) seed: bool,
    /// The upload side: whether it is interested in us and whether we unchoke it.
    pub(super) upload: UploadSlot,
    /// It sent data of a piece that failed: it gets only whole pieces of its own.
    pub(super) on_parole: bool,
    /// The port it accepts connections on, from its extension handshake.
    pub(super) listen_port: Option<u16>,
    /// What it heard from us over ut_pex.
    pub(super) pex: super::pex::PexState,
    /// Requests out to it.
    pub(super) outstanding: usize,
    /// The most requests it takes (`reqq`).
    max_requests: usize,
    /// Payload bytes received from it.
    pub(super) received: u64,
    /// Payload bytes sent to it.
    pub(super) sent: u64,
    /// Its download rate (bytes it sends us per second).
    pub(super) rate: Rate,
    /// How many requests to keep out to it.
    pub(super) queue_size: QueueSize,
    /// Its upload rate (bytes we send it per second).
    pub(super) upload_rate: Rate,
}

/// Our upload to one peer, as the choker sees it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct UploadSlot {
    /// The peer is interested in us.
    pub(super) peer_interested: bool,
    /// We unchoke it.
    pub(super) unchoked: bool,
    /// Its current unchoke is optimistic.
    pub(super) optimistic: bool,
    /// When its current unchoke began.
    pub(super) unchoked_since: Option<std::time::Instant>,
    /// When it was last unchoked.
    pub(super) last_unchoked: Option<std::time::Instant>,
    /// `sent` when its current unchoke began.
    pub(super) sent_at_unchoke: u64,
}

/// The reserved bits of our handshakes: lt-wire's default (extension protocol, fast
/// extension) without the DHT bit, since this session runs no DHT node to take `port`
/// messages (BEP 5).
fn our_reserved_bits() -> ReservedBits {
    let mut bits = ReservedBits::lt_default();
    bits.set(ReservedBits::DHT, false);
    bits
}

impl Peer {
    /// Its peer id, once its handshake arrived.
    pub(super) fn peer_id(&self) -> Option<lt_core::PeerId> {
        self.peer_id
    }

    /// Whether it connected to us.
    pub(super) fn is_incoming(&self) -> bool {
        self.incoming
    }

    /// What libtorrent's `get_peer_info` says of it.
    pub(super) fn info(&self) -> PeerInfo {
        PeerInfo {
            ip: self.addr,
            pid: self.peer_id,
            client: self
                .peer_id
                .and_then(|id| id.client())
                .map(|client| client.to_string())
                .unwrap_or_default(),
            incoming: self.incoming,
            connected: self.connected,
            interesting: self.interested,
            choked: !self.unchoked,
            remote_interested: self.upload.peer_interested,
            remote_choked: !self.upload.unchoked,
            optimistic_unchoke: self.upload.optimistic,
            seed: self.seed,
            payload_down_speed: self.rate.per_second() as u64,
            payload_up_speed: self.upload_rate.per_second() as u64,
            total_download: self.received,
            total_upload: self.sent,
            download_queue_length: self.outstanding,
        }
    }

    /// Sends `command` unless its queue is full (the peer is stalled); says whether it went.
    pub(super) fn send(&self, command: Command) -> bool {
        self.commands.try_send(command).is_ok()
    }
}

/// A picker block as a wire block.
pub(super) fn to_wire(torrent_piece_size: u32, block: lt_picker::Block) -> WireBlock {
    let offset = block.offset();
    WireBlock {
        piece: block.piece,
        offset,
        length: (torrent_piece_size - offset).min(BLOCK_SIZE),
    }
}

/// A wire block as a picker block.
pub(super) fn to_picker(block: WireBlock) -> lt_picker::Block {
    lt_picker::Block::new(block.piece, block.offset / BLOCK_SIZE)
}

impl Torrent {
    /// Starts a connection to `addr` (after the check, if it is still running), unless one to
    /// that address is open.
    pub(super) fn connect_peer(&mut self, addr: SocketAddr) {
        if self.error.is_some() || self.is_banned(&addr) {
            return;
        }
        if !self.known_peers.contains(&addr) && self.known_peers.len() < MAX_KNOWN_PEERS {
            self.known_peers.push(addr);
        }
        if self.disk().is_none() || self.paused {
            if !self.waiting_peers.contains(&addr) {
                self.waiting_peers.push(addr);
            }
            return;
        }
        if self.peers.values().any(|peer| peer.addr == addr) {
            return;
        }
        if self.peers.len() >= self.config.settings.connections_limit {
            // Tried again once a connection closes and frees a slot.
            self.schedule_reconnect(addr, false);
            return;
        }
        self.start_peer(addr, Origin::Outgoing);
    }

    /// Whether `addr`, named by a tracker or a peer, is this client: our listen port on our
    /// listen address, on loopback, or on the external address a tracker told us
    /// (`external_ip`). A remote address of ours that we cannot tell is caught by the peer-id
    /// check of the handshake.
    pub(super) fn is_ourselves(&self, addr: SocketAddr, external_ip: Option<IpAddr>) -> bool {
        let ours = self.config.listen_addr;
        addr.port() == ours.port()
            && (addr.ip() == ours.ip() || addr.ip().is_loopback() || external_ip == Some(addr.ip()))
    }

    /// Connects again to every peer we connected to before and are not connected to now
    /// (after a recheck, or when the torrent wants pieces again).
    pub(super) fn reconnect_known_peers(&mut self) {
        for addr in self.known_peers.clone() {
            self.connect_peer(addr);
        }
    }

    /// Runs a connection accepted from `addr`, once the files are checked (before that, or
    /// after an error, it is closed).
    pub(super) fn accept_peer(&mut self, stream: BoxedStream, addr: SocketAddr) {
        let full = self.peers.len() >= self.config.settings.connections_limit;
        if full || self.error.is_some() || self.disk().is_none() || self.paused {
            return;
        }
        if self.is_banned(&addr) {
            return;
        }
        self.start_peer(addr, Origin::Incoming(stream));
    }

    fn start_peer(&mut self, addr: SocketAddr, origin: Origin) {
        let incoming = matches!(origin, Origin::Incoming(_));
        let key = PeerKey(self.next_key);
        self.next_key = self.next_key.wrapping_add(1);
        let settings = &self.config.settings;
        let (commands, receiver) = mpsc::channel(settings.max_out_request_queue + EXTRA_COMMANDS);
        let setup = PeerSetup {
            key,
            addr,
            origin,
            handshake: Handshake {
                reserved: our_reserved_bits(),
                info_hash: self.info.info_hashes().get_best(),
                peer_id: self.config.peer_id,
            },
            geometry: self.geometry,
            our_pieces: self.our_pieces(),
            connect_timeout: settings.peer_connect_timeout,
            listen_port: Some(self.config.listen_addr.port()).filter(|port| *port != 0),
            metadata: self.metadata_source.clone(),
            uses_v2: !self.info.is_v1(),
            handshake_timeout: settings.handshake_timeout,
            encryption: settings.encryption(),
            mse_seed: random_bytes(),
            events: self.peer_sender.clone(),
        };
        let span = tracing::debug_span!("peer", %addr, incoming);
        tokio::spawn(tracing::Instrument::instrument(
            run_peer(setup, receiver),
            span,
        ));
        self.peers.insert(
            key,
            Peer {
                commands,
                addr,
                incoming,
                peer_id: None,
                close_reason: None,
                connected: false,
                unchoked: false,
                interested: false,
                seed: false,
                upload: UploadSlot::default(),
                on_parole: false,
                listen_port: None,
                pex: super::pex::PexState::default(),
                outstanding: 0,
                max_requests: settings.max_out_request_queue,
                received: 0,
                sent: 0,
                rate: Rate::default(),
                queue_size: QueueSize::default(),
                upload_rate: Rate::default(),
            },
        );
    }

    fn our_pieces(&self) -> Bitfield {
        let mut pieces = Bitfield::new(self.info.num_pieces() as usize);
        for piece in self.picker.have_pieces().iter_ones() {
            pieces.set(piece);
        }
        pieces
    }

    /// Forgets peer `key`: its requests go back to the picker, its upload slot to whoever
    /// waits, and its task is told to close.
    pub(super) fn drop_peer(&mut self, key: PeerKey) {
        if let Some(peer) = self.peers.remove(&key) {
            if peer.connected {
                let _ = self.picker.remove_peer(key);
            }
            if peer.upload.unchoked {
                self.fill_upload_slots();
            }
        }
    }

    pub(super) fn on_peer_message(&mut self, key: PeerKey, message: PeerMessage) {
        match message {
            PeerMessage::Ended(error) => {
                if let Some(peer) = self.peers.get(&key) {
                    let (operation, reason) = match (&error, &peer.close_reason) {
                        (Some(error), _) => (
                            Operation::Connect,
                            AlertError::new("connection_failed", error.clone()),
                        ),
                        (None, Some(reason)) => (Operation::Bittorrent, reason.clone()),
                        (None, None) => (
                            Operation::Bittorrent,
                            AlertError::new("eof", "connection closed"),
                        ),
                    };
                    self.post(AlertKind::PeerDisconnected {
                        torrent: self.torrent_ref(),
                        endpoint: peer.addr,
                        peer_id: peer.peer_id,
                        operation,
                        reason,
                    });
                }
                if let Some(peer) = self.peers.get(&key) {
                    if !peer.incoming {
                        let (addr, failed) = (peer.addr, error.is_some());
                        self.schedule_reconnect(addr, failed);
                    }
                }
                if let Some(error) = error {
                    tracing::debug!(%error, "peer connection failed");
                    self.stats.last_peer_error = Some(error);
                }
                self.drop_peer(key);
                // Its requests are free again: give them to the others.
                self.request_from_all();
            }
            PeerMessage::Event(DriverEvent::Wire(event)) => self.on_wire_event(key, event),
            PeerMessage::Event(DriverEvent::RequestRefused(block, _)) => {
                self.request_gone(key, block);
            }
            PeerMessage::Event(_) => {}
        }
    }

    fn on_wire_event(&mut self, key: PeerKey, event: WireEvent) {
        if !self.peers.contains_key(&key) {
            return;
        }
        let result = match event {
            WireEvent::HandshakeReceived { peer_id, .. } => {
                if let Some(peer) = self.peers.get_mut(&key) {
                    peer.connected = self.picker.add_peer(key).is_ok();
                    peer.peer_id = Some(peer_id);
                    let direction = if peer.incoming {
                        PeerDirection::Incoming
                    } else {
                        PeerDirection::Outgoing
                    };
                    let endpoint = peer.addr;
                    tracing::debug!(%endpoint, %peer_id, "peer connected");
                    self.connected_to(endpoint);
                    self.pex_start(key);
                    self.post(AlertKind::PeerConnect {
                        torrent: self.torrent_ref(),
                        endpoint,
                        peer_id: Some(peer_id),
                        direction,
                    });
                }
                Ok(())
            }
            WireEvent::ExtensionHandshake(handshake) => {
                if let Some(peer) = self.peers.get_mut(&key) {
                    if let Some(reqq) = handshake.max_queued_requests {
                        let reqq = usize::try_from(reqq).unwrap_or(usize::MAX).max(1);
                        peer.max_requests = reqq.min(self.config.settings.max_out_request_queue);
                    }
                    if handshake.listen_port.is_some() {
                        peer.listen_port = handshake.listen_port;
                    }
                }
                Ok(())
            }
            WireEvent::Message(Message::Extended(ExtendedMessage::Pex(pex))) => {
                self.on_pex(&pex);
                Ok(())
            }
            WireEvent::Message(Message::HashRequest(request)) => {
                self.answer_hash_request(key, request);
                Ok(())
            }
            WireEvent::PeerHave(piece) => self.picker.peer_has(key, piece),
            WireEvent::PeerBitfield(bits) => self.picker.peer_bitfield(key, bits),
            WireEvent::PeerHaveAll => {
                if let Some(peer) = self.peers.get_mut(&key) {
                    peer.seed = true;
                }
                self.picker.peer_has_all(key)
            }
            WireEvent::Interested => {
                self.on_peer_interest(key, true);
                Ok(())
            }
            WireEvent::NotInterested => {
                self.on_peer_interest(key, false);
                Ok(())
            }
            WireEvent::PeerHaveNone => self.picker.peer_has_none(key),
            WireEvent::PeerDontHave(piece) => self.picker.peer_dont_have(key, piece),
            WireEvent::Unchoked => {
                if let Some(peer) = self.peers.get_mut(&key) {
                    peer.unchoked = true;
                }
                Ok(())
            }
            WireEvent::Choked => {
                // Requests it drops come back as `RequestRejected`.
                if let Some(peer) = self.peers.get_mut(&key) {
                    peer.unchoked = false;
                }
                Ok(())
            }
            WireEvent::BlockReceived { block, data } => {
                self.on_block(key, block, data);
                Ok(())
            }
            WireEvent::RequestRejected(block) | WireEvent::RequestTimedOut(block) => {
                self.request_gone(key, block);
                Ok(())
            }
            WireEvent::Requested(block) => {
                self.serve(key, block);
                Ok(())
            }
            WireEvent::Closed(reason) => {
                tracing::debug!(%reason, "peer connection closed");
                self.stats.last_peer_error = Some(reason.to_string());
                if let Some(peer) = self.peers.get_mut(&key) {
                    let code = reason.code_name().unwrap_or("closed");
                    peer.close_reason = Some(AlertError::from_display(code, &reason));
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if result.is_err() {
            // The connection checked the indices: a picker error means our own state is off
            // for this peer; drop it rather than guess.
            self.drop_peer(key);
            return;
        }
        self.update_interest(key);
        self.request_blocks(key);
    }

    /// Answers a BEP 52 hash request from the file's merkle tree (its piece layer and
    /// above), or rejects it when the tree does not have those hashes.
    fn answer_hash_request(&mut self, key: PeerKey, request: lt_wire::HashRequest) {
        let wanted = lt_metainfo::HashRequest {
            base: request.base_layer,
            index: request.index,
            count: request.count,
            proof_layers: request.proof_layers,
        };
        let hashes = self
            .verifier
            .tree_by_root(&request.pieces_root)
            .and_then(|tree| tree.get_hashes(&wanted).ok());
        let answer = match hashes {
            Some(hashes) => Message::Hashes { request, hashes },
            None => Message::HashReject(request),
        };
        if let Some(peer) = self.peers.get(&key) {
            let _ = peer.send(Command::Send(answer));
        }
    }

    /// A request to `key` is no longer outstanding (rejected, timed out, refused).
    fn request_gone(&mut self, key: PeerKey, block: WireBlock) {
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.outstanding = peer.outstanding.saturating_sub(1);
            if peer.connected {
                let _ = self.picker.cancel_request(key, to_picker(block));
            }
        }
    }

    /// The request for `block` to `key` was dropped by the picker (another peer sent it, or
    /// its piece passed): cancel it on the wire.
    pub(super) fn cancel_request(&mut self, key: PeerKey, block: lt_picker::Block) {
        let size = self.info.piece_size(block.piece);
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.outstanding = peer.outstanding.saturating_sub(1);
            let _ = peer.send(Command::Cancel(to_wire(size, block)));
        }
    }

    /// Tells the peer whether we are interested, if that changed.
    pub(super) fn update_interest(&mut self, key: PeerKey) {
        let wanted = !self.picker.is_finished()
            && self.error.is_none()
            && self.picker.is_interesting(key).unwrap_or(false);
        if let Some(peer) = self.peers.get_mut(&key) {
            if peer.connected
                && peer.interested != wanted
                && peer.send(Command::SetInterested(wanted))
            {
                peer.interested = wanted;
            }
        }
    }

    pub(super) fn not_interested_in_anyone(&mut self) {
        for peer in self.peers.values_mut() {
            if peer.interested && peer.send(Command::SetInterested(false)) {
                peer.interested = false;
            }
        }
    }

    pub(super) fn request_from_all(&mut self) {
        let keys: Vec<PeerKey> = self.peers.keys().copied().collect();
        for key in keys {
            self.request_blocks(key);
        }
    }

    /// Tops up `key`'s request queue from the picker to what its [`QueueSize`] says: slow
    /// start, then the peer's rate times `request_queue_time` in blocks; at most its `reqq`,
    /// but never under 16.
    pub(super) fn request_blocks(&mut self, key: PeerKey) {
        if self.disk.is_none() || self.picker.is_finished() {
            return;
        }
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if !peer.connected || !peer.unchoked || !peer.interested {
            return;
        }
        let queue_time = self.config.settings.request_queue_time.as_secs_f64();
        let by_rate = (peer.rate.per_second() * queue_time / f64::from(BLOCK_SIZE)) as usize;
        let target = peer.queue_size.target(by_rate, peer.max_requests);
        // Top up in batches: one write carries many requests, and the peer wakes once to read
        // them rather than once per block.
        let batch = (target / REQUEST_BATCH_DIVISOR).clamp(1, MAX_REQUEST_BATCH);
        if peer.outstanding + batch > target {
            return;
        }
        let mut blocks = std::mem::take(&mut self.scratch);
        blocks.clear();
        let want = target - peer.outstanding;
        if self
            .picker
            .pick(
                key,
                want,
                PickOptions {
                    on_parole: peer.on_parole,
                    ..PickOptions::default()
                },
                &mut blocks,
            )
            .is_ok()
        {
            for &block in &blocks {
                let size = self.info.piece_size(block.piece);
                if peer.send(Command::Request(to_wire(size, block))) {
                    peer.outstanding += 1;
                } else {
                    let _ = self.picker.cancel_request(key, block);
                }
            }
        }
        self.scratch = blocks;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshakes_offer_extensions_and_fast_but_not_dht() {
        let bits = our_reserved_bits();
        assert!(bits.get(ReservedBits::EXTENSION_PROTOCOL));
        assert!(bits.get(ReservedBits::FAST));
        assert!(!bits.get(ReservedBits::DHT));
    }
}
