//! Peers that send corrupt data: each peer that contributed to a piece failing its hash check
//! loses two trust points; at -7 it is banned (libtorrent's numbers): disconnected, never
//! connected or accepted again for this torrent, reported with `peer_ban`, and saved in resume
//! data (`banned_peers`).

use std::net::SocketAddr;

use lt_alerts::AlertKind;
use lt_picker::PeerKey;

use super::Torrent;

/// Trust points a peer loses per failed piece it contributed to.
const FAILED_PIECE_PENALTY: i32 = 2;

/// The trust at which a peer is banned.
const BAN_AT: i32 = -7;

impl Torrent {
    /// The peers that sent blocks of a piece that failed its hash check lose trust.
    pub(super) fn penalize_senders(&mut self, senders: &[PeerKey]) {
        for &key in senders {
            let Some(peer) = self.peers.get(&key) else {
                continue;
            };
            let addr = peer.addr;
            let peer_id = peer.peer_id();
            let trust = self.trust.entry(addr).or_insert(0);
            *trust -= FAILED_PIECE_PENALTY;
            if *trust <= BAN_AT {
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
