//! A simulated swarm: 50 peers with random bitfields, churn, slow and fast peers, one peer that
//! sends corrupt data, and a picker that must finish the download. Deterministic (seeded).

use lt_core::BLOCK_SIZE;

use super::piece;
use crate::rng::Rng;
use crate::{
    Block, Geometry, PeerKey, PickOptions, PickOrder, Picker, PickerConfig, Priority, Received,
};

const PEERS: u32 = 50;
const PIECES: u32 = 1000;
const BLOCKS: u32 = 4;
/// The peer whose blocks always fail the hash check.
const BAD: PeerKey = PeerKey(13);

struct SimPeer {
    key: PeerKey,
    connected: bool,
    /// Pieces it has (it only gains pieces, so leaving and coming back keeps coverage).
    has: Vec<bool>,
    /// Blocks delivered per round.
    speed: usize,
    on_parole: bool,
    banned: bool,
}

struct Sim {
    picker: Picker,
    rng: Rng,
    peers: Vec<SimPeer>,
    duplicates: usize,
    cancels: usize,
    failures: usize,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let piece_bytes = BLOCKS * BLOCK_SIZE;
        // A short last piece with a short last block.
        let total = u64::from(PIECES - 1) * u64::from(piece_bytes) + 20_000;
        let config = PickerConfig {
            seed: rng.next_u64(),
            ..PickerConfig::default()
        };
        let mut picker = Picker::new(Geometry::new(total, piece_bytes).unwrap(), config);
        for index in 0..PIECES {
            let priority = match index % 20 {
                0 => Priority::DONT_DOWNLOAD,
                1 => Priority::TOP,
                2 => Priority::LOW,
                _ => Priority::DEFAULT,
            };
            picker.set_piece_priority(piece(index), priority).unwrap();
        }
        let mut peers: Vec<SimPeer> = (0..PEERS)
            .map(|key| {
                let density = 1 + rng.below(9);
                SimPeer {
                    key: PeerKey(key),
                    connected: false,
                    has: (0..PIECES).map(|_| rng.below(10) < density).collect(),
                    speed: 1 + rng.below(4),
                    on_parole: false,
                    banned: false,
                }
            })
            .collect();
        for index in 0..PIECES as usize {
            if !peers.iter().any(|peer| peer.has[index]) {
                let owner = rng.below(peers.len());
                peers[owner].has[index] = true;
            }
        }
        let mut sim = Self {
            picker,
            rng,
            peers,
            duplicates: 0,
            cancels: 0,
            failures: 0,
        };
        for index in 0..PEERS as usize {
            sim.connect(index);
        }
        sim
    }

    fn connect(&mut self, index: usize) {
        let peer = &mut self.peers[index];
        peer.connected = true;
        self.picker.add_peer(peer.key).unwrap();
        let mut bits = lt_core::Bitfield::new(PIECES as usize);
        for (piece_index, _) in peer.has.iter().enumerate().filter(|(_, &has)| has) {
            bits.set(piece_index);
        }
        self.picker.peer_bitfield(peer.key, bits).unwrap();
    }

    /// One round: every connected peer delivers, then asks for more.
    fn round(&mut self) {
        let mut order: Vec<usize> = (0..self.peers.len()).collect();
        self.rng.shuffle(&mut order);
        for index in order {
            if !self.peers[index].connected {
                continue;
            }
            self.deliver(index);
            if self.peers[index].connected {
                self.request(index);
            }
        }
        for _ in 0..3 {
            self.churn();
        }
    }

    /// Someone leaves, or someone comes back with more pieces, or someone announces a piece
    /// it got elsewhere.
    fn churn(&mut self) {
        let index = self.rng.below(self.peers.len());
        let peer = &mut self.peers[index];
        if peer.connected && self.rng.below(4) == 0 {
            peer.connected = false;
            self.picker.remove_peer(peer.key).unwrap();
        } else if !peer.connected && !peer.banned {
            let gained = self.rng.below(PIECES as usize);
            peer.has[gained] = true;
            self.connect(index);
        }
        let index = self.rng.below(self.peers.len());
        let gained = self.rng.below(PIECES as usize);
        let peer = &mut self.peers[index];
        peer.has[gained] = true;
        if peer.connected {
            self.picker
                .peer_has(peer.key, piece(gained as u32))
                .unwrap();
        }
    }

    fn deliver(&mut self, index: usize) {
        let key = self.peers[index].key;
        let requests = self.picker.peer_requests(key).unwrap().to_vec();
        for &block in requests.iter().take(self.peers[index].speed) {
            let requested_from = self.picker.block_info(block).unwrap().num_peers;
            match self.picker.block_received(key, block).unwrap() {
                Received::New { cancel } => {
                    assert!(!cancel.contains(&key));
                    assert_eq!(cancel.len() as u32 + 1, requested_from);
                    self.cancels += cancel.len();
                }
                Received::Redundant => continue,
            }
            if self.picker.block_finished(block).unwrap() {
                self.check_piece(block);
            }
            if !self.peers[index].connected {
                return;
            }
        }
    }

    /// Hash-checks a complete piece: it fails when the bad peer sent any of it.
    fn check_piece(&mut self, block: Block) {
        let info = self.picker.partial_piece(block.piece).unwrap().unwrap();
        let mut senders: Vec<PeerKey> = info.blocks.iter().filter_map(|b| b.peer).collect();
        senders.sort_unstable();
        senders.dedup();
        if !senders.contains(&BAD) {
            let _ = self.picker.piece_passed(block.piece).unwrap();
            for sender in senders {
                self.peers[sender.0 as usize].on_parole = false;
            }
            return;
        }
        self.failures += 1;
        assert_eq!(self.picker.piece_failed(block.piece).unwrap(), senders);
        for sender in senders {
            let peer = &mut self.peers[sender.0 as usize];
            if peer.on_parole {
                // Failed again while alone on a piece: proven guilty.
                assert_eq!(sender, BAD, "an honest peer was caught on parole");
                peer.banned = true;
                if peer.connected {
                    peer.connected = false;
                    self.picker.remove_peer(sender).unwrap();
                }
            } else {
                peer.on_parole = true;
            }
        }
    }

    fn request(&mut self, index: usize) {
        let peer = &self.peers[index];
        let outstanding = self.picker.peer_requests(peer.key).unwrap().len();
        let want = (peer.speed * 2).saturating_sub(outstanding);
        let options = PickOptions {
            order: if peer.speed == 1 {
                PickOrder::MostCommonFirst
            } else {
                PickOrder::RarestFirst
            },
            prefer_whole_pieces: peer.speed == 4,
            on_parole: peer.on_parole,
            choked_by_peer: false,
        };
        let mut out = Vec::new();
        let picked = self.picker.pick(peer.key, want, options, &mut out).unwrap();
        assert_eq!(picked.blocks, out.len());
        if picked.duplicates > 0 {
            assert!(
                self.picker.is_end_game(),
                "a duplicate request outside end-game"
            );
            self.duplicates += picked.duplicates;
        }
        for (position, &block) in out.iter().enumerate() {
            assert!(peer.has[block.piece.as_usize()]);
            assert!(self.picker.piece_priority(block.piece).unwrap().is_wanted());
            let is_duplicate = position >= out.len() - picked.duplicates;
            if !is_duplicate {
                assert_eq!(
                    self.picker.block_info(block).unwrap().num_peers,
                    1,
                    "block {block} requested twice outside end-game"
                );
            }
        }
    }
}

#[test]
fn fifty_peers_with_random_bitfields_complete_the_download() {
    for seed in [1, 2, 3] {
        let mut sim = Sim::new(seed);
        let mut rounds = 0;
        while !sim.picker.is_finished() {
            sim.round();
            rounds += 1;
            if rounds % 5 == 0 {
                sim.picker.check_invariants().unwrap();
            }
            assert!(
                rounds < 5000,
                "seed {seed}: stuck, {} left",
                sim.picker.num_want_left()
            );
        }
        sim.picker.check_invariants().unwrap();
        eprintln!(
            "seed {seed}: {rounds} rounds, {} failures, {} duplicates, {} cancels, {:?}",
            sim.failures,
            sim.duplicates,
            sim.cancels,
            sim.picker.counters()
        );
        let wanted = (0..PIECES).filter(|index| index % 20 != 0).count() as u32;
        assert_eq!(sim.picker.num_have(), wanted);
        for index in (0..PIECES).step_by(20) {
            assert!(!sim.picker.has_piece(piece(index)).unwrap());
        }
        assert!(
            sim.failures > 0 && sim.peers[BAD.0 as usize].banned,
            "seed {seed}"
        );
        assert!(sim.peers.iter().filter(|peer| peer.banned).count() == 1);
        assert!(sim.duplicates > 0, "seed {seed}: end-game never reached");
        assert!(sim.cancels > 0 || sim.duplicates > 0);
    }
}
