//! The pieces we have, as far as this connection is concerned: what we tell the peer first
//! (`have all`, `have none` or `bitfield`), which requests we can serve, and the pieces
//! announced predictively (a `have` sent before the piece passed its hash check, whose requests
//! are held until it does: libtorrent's predictive pieces).

use lt_core::{Bitfield, PieceIndex};

use crate::message::Message;

#[derive(Debug, Clone)]
pub(crate) struct OurPieces {
    bits: Bitfield,
    predictive: Vec<PieceIndex>,
}

impl OurPieces {
    /// None of `piece_count` pieces (0 while the metadata is unknown).
    pub(crate) fn new(piece_count: u32) -> Self {
        Self {
            bits: Bitfield::new(piece_count as usize),
            predictive: Vec::new(),
        }
    }

    pub(crate) fn bits(&self) -> &Bitfield {
        &self.bits
    }

    pub(crate) fn set(&mut self, bits: Bitfield) {
        self.bits = bits;
        self.predictive.clear();
    }

    /// We have `piece` and it passed its hash check.
    pub(crate) fn has(&self, piece: PieceIndex) -> bool {
        self.bits.get(piece.as_usize())
    }

    /// We announced `piece` before its hash check.
    pub(crate) fn is_predictive(&self, piece: PieceIndex) -> bool {
        self.predictive.contains(&piece)
    }

    /// We have every piece (and the metadata).
    pub(crate) fn is_seed(&self) -> bool {
        !self.bits.is_empty() && self.bits.all_set()
    }

    pub(crate) fn add(&mut self, piece: PieceIndex) {
        self.bits.set(piece.as_usize());
        self.predictive.retain(|predictive| *predictive != piece);
    }

    pub(crate) fn add_predictive(&mut self, piece: PieceIndex) {
        if !self.has(piece) && !self.is_predictive(piece) {
            self.predictive.push(piece);
        }
    }

    pub(crate) fn remove(&mut self, piece: PieceIndex) {
        self.bits.clear_bit(piece.as_usize());
        self.predictive.retain(|predictive| *predictive != piece);
    }

    /// What libtorrent sends right after the handshakes: with the fast extension `have all`
    /// for a seed and `have none` with nothing (also for a torrent without metadata); else a
    /// `bitfield`, or nothing at all when we have no piece.
    pub(crate) fn first_message(&self, fast: bool) -> Option<Message> {
        let none = self.bits.none_set();
        match (fast, self.is_seed(), none) {
            (true, true, _) => Some(Message::HaveAll),
            (true, false, true) => Some(Message::HaveNone),
            (false, _, true) => None,
            _ => Some(Message::Bitfield(self.bits.to_wire().into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_follows_libtorrent() {
        let mut ours = OurPieces::new(10);
        assert_eq!(ours.first_message(true), Some(Message::HaveNone));
        assert_eq!(ours.first_message(false), None);
        ours.add(PieceIndex::new(2));
        let Some(Message::Bitfield(bits)) = ours.first_message(true) else {
            panic!("a bitfield");
        };
        assert_eq!(&bits[..], [0b0010_0000, 0]);
        ours.set(Bitfield::with_all_set(10));
        assert_eq!(ours.first_message(true), Some(Message::HaveAll));
        assert!(matches!(
            ours.first_message(false),
            Some(Message::Bitfield(_))
        ));
        assert_eq!(
            OurPieces::new(0).first_message(true),
            Some(Message::HaveNone)
        );
    }

    #[test]
    fn predictive_pieces_become_real_or_go_away() {
        let mut ours = OurPieces::new(4);
        ours.add_predictive(PieceIndex::new(1));
        assert!(ours.is_predictive(PieceIndex::new(1)) && !ours.has(PieceIndex::new(1)));
        ours.add(PieceIndex::new(1));
        assert!(!ours.is_predictive(PieceIndex::new(1)) && ours.has(PieceIndex::new(1)));
        ours.add_predictive(PieceIndex::new(2));
        ours.remove(PieceIndex::new(2));
        assert!(!ours.is_predictive(PieceIndex::new(2)));
    }
}
