//! Peer exchange (ut_pex, BEP 11; never for private torrents, BEP 27): peers a peer tells us
//! about are dialed like tracker peers; each peer that speaks ut_pex hears about the peers we
//! are connected to, first a second after its handshake, then once a minute, as the peers
//! added and dropped since its last message (at most 50 added per message, as libtorrent).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lt_picker::PeerKey;
use lt_wire::driver::Command;
use lt_wire::{ExtendedMessage, Message, PexFlags, PexMessage, PexPeer};

use super::{now, Torrent};

/// The delay before a peer's first ut_pex message.
const FIRST_MESSAGE: Duration = Duration::from_secs(1);

/// The interval between ut_pex messages to one peer (libtorrent's one minute).
const INTERVAL: Duration = Duration::from_secs(60);

/// Most peers in one message's `added` list.
const MAX_ADDED: usize = 50;

/// What one peer has heard from us.
#[derive(Debug, Default)]
pub(super) struct PexState {
    /// The addresses in our messages so far, minus those dropped since.
    told: HashSet<SocketAddr>,
    /// When the next message is due (`None` until the peer's handshake).
    next: Option<Instant>,
}

impl Torrent {
    fn pex_allowed(&self) -> bool {
        !self.info.is_private()
    }

    /// A peer's handshake arrived: its first message goes out shortly.
    pub(super) fn pex_start(&mut self, key: PeerKey) {
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.pex.next = Some(now() + FIRST_MESSAGE);
        }
    }

    /// A ut_pex message from a peer: the peers it added are dialed.
    pub(super) fn on_pex(&mut self, message: &PexMessage) {
        if !self.pex_allowed() || self.picker.is_finished() {
            return;
        }
        for peer in message.added.iter().take(MAX_ADDED) {
            let addr = peer.address;
            let ourselves = self.is_ourselves(addr, None);
            if !ourselves && self.peers.len() < self.config.settings.connections_limit {
                self.connect_peer(addr);
            }
        }
    }

    /// Where a connected peer accepts connections: its address for a peer we dialed, its
    /// address with the listen port it announced for one that dialed us.
    fn pex_address(&self, key: PeerKey) -> Option<PexPeer> {
        let peer = self.peers.get(&key)?;
        if !peer.connected {
            return None;
        }
        let address = if peer.is_incoming() {
            SocketAddr::new(peer.addr.ip(), peer.listen_port?)
        } else {
            peer.addr
        };
        let mut flags = PexFlags(0);
        if peer.seed {
            flags = PexFlags(flags.0 | PexFlags::SEED.0);
        }
        Some(PexPeer { address, flags })
    }

    /// Sends the ut_pex messages that are due (called every tick).
    pub(super) fn pex_tick(&mut self) {
        if !self.pex_allowed() || self.peers.is_empty() {
            return;
        }
        let now = now();
        let due: Vec<PeerKey> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.pex.next.is_some_and(|next| next <= now))
            .map(|(&key, _)| key)
            .collect();
        if due.is_empty() {
            return;
        }
        let keys: Vec<PeerKey> = self.peers.keys().copied().collect();
        let connected: Vec<PexPeer> = keys
            .iter()
            .filter_map(|&key| self.pex_address(key))
            .collect();
        for key in due {
            let own = self.pex_address(key).map(|peer| peer.address);
            let Some(peer) = self.peers.get_mut(&key) else {
                continue;
            };
            peer.pex.next = Some(now + INTERVAL);
            let current: HashSet<SocketAddr> = connected
                .iter()
                .map(|peer| peer.address)
                .filter(|address| Some(*address) != own)
                .collect();
            let added: Vec<PexPeer> = connected
                .iter()
                .filter(|candidate| {
                    Some(candidate.address) != own && !peer.pex.told.contains(&candidate.address)
                })
                .take(MAX_ADDED)
                .copied()
                .collect();
            let dropped: Vec<SocketAddr> = peer
                .pex
                .told
                .iter()
                .filter(|address| !current.contains(address))
                .copied()
                .collect();
            if added.is_empty() && dropped.is_empty() {
                continue;
            }
            for address in &dropped {
                peer.pex.told.remove(address);
            }
            peer.pex.told.extend(added.iter().map(|peer| peer.address));
            let message = Message::Extended(ExtendedMessage::Pex(PexMessage { added, dropped }));
            // A peer without ut_pex refuses it: nothing to do about that.
            let _ = peer.send(Command::Send(message));
        }
    }
}
