//! Peers that send corrupt data (libtorrent's trust points and parole mode): each peer that
//! contributed to a piece failing its hash check loses two trust points and goes on parole —
//! it gets only whole pieces no other peer touched, so its next failure is its own. Each piece
//! that passes gives its senders a point back (up to 8), and a piece a peer sent alone ends its
//! parole. At -7 a peer is banned (libtorrent's numbers): disconnected, never connected or
//! accepted again for this torrent, reported with `peer_ban`, and saved in resume data
//! (`banned_peers`).

use std::net::SocketAddr;

use lt_alerts::AlertKind;
use lt_picker::PeerKey;

use super::Torrent;

/// Trust points a peer loses per failed piece it contributed to.
const FAILED_PIECE_PENALTY: i32 = 2;

/// The trust at which a peer is banned.
const BAN_AT: i32 = -7;

/// The most trust a peer can build up.
const MAX_TRUST: i32 = 8;

impl Torrent {
    /// The peers that sent blocks of a piece that failed its hash check lose trust.
    pub(super) fn penalize_senders(&mut self, senders: &[PeerKey]) {
        for &key in senders {
            let Some(peer) = self.peers.get(&key) else {
                continue;
            };
            let addr = peer.addr;
            let peer_id = peer.peer_id();
            if let Some(peer) = self.peers.get_mut(&key) {
                peer.on_parole = true;
            }
            let trust = self.trust.entry(addr).or_insert(0);
            *trust -= FAILED_PIECE_PENALTY;
            if *trust <= BAN_AT {
                tracing::info!(%addr, "peer banned for sending corrupt data");
                self.ban(addr);
                self.post(AlertKind::PeerBan {
                    torrent: self.torrent_ref(),
                    endpoint: addr,
                    peer_id,
                });
                self.drop_peer(key);
            }
        }
    }

    /// A piece that `senders` sent passed: each gains a point; a sole sender leaves parole.
    pub(super) fn reward_senders(&mut self, senders: &[PeerKey]) {
        let alone = senders.len() == 1;
        for key in senders {
            let Some(peer) = self.peers.get_mut(key) else {
                continue;
            };
            if alone {
                peer.on_parole = false;
            }
            let trust = self.trust.entry(peer.addr).or_insert(0);
            *trust = (*trust + 1).min(MAX_TRUST);
        }
    }

    /// Never talk to `addr` again.
    pub(super) fn ban(&mut self, addr: SocketAddr) {
        if !self.banned.contains(&addr) {
            self.banned.push(addr);
        }
    }

    /// Whether `addr` is banned.
    pub(super) fn is_banned(&self, addr: &SocketAddr) -> bool {
        self.banned.contains(addr)
    }
}
