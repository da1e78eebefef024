//! The per-piece word: four bytes holding a piece's priority, stage, deadline flag and either its
//! availability or the slot of its download record.
//!
//! The packing is private to this file; the rest of the crate reads a piece through [`Stage`],
//! so the three stages a piece can be in, and what each one carries, are held by a type rather
//! than by convention.

use crate::priority::Priority;

/// Bits 0..24: availability (open and had pieces) or the download-record slot (partial pieces).
const PAYLOAD_BITS: u32 = 24;
const PAYLOAD_MASK: u32 = (1 << PAYLOAD_BITS) - 1;
/// Bits 24..27: the priority, 0 to 7.
const PRIORITY_SHIFT: u32 = 24;
/// Bits 27..29: the stage.
const STAGE_SHIFT: u32 = 27;
const STAGE_OPEN: u32 = 0;
const STAGE_PARTIAL: u32 = 1;
const STAGE_HAVE: u32 = 2;
/// Bit 29: the piece has a deadline.
const DEADLINE_BIT: u32 = 1 << 29;

/// The largest availability (peers without all pieces that have the piece) a word can hold, and
/// the largest download-record slot.
pub(crate) const MAX_PAYLOAD: u32 = PAYLOAD_MASK;

/// Where a piece is in its life, with what each stage carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Not had and no block of it requested, written or finished. Open pieces of priority 1–7
    /// sit in the ordered region of [`Order`](crate::buckets::Order).
    Open {
        /// How many connected peers that are not seeds have the piece.
        availability: u32,
    },
    /// Being downloaded: its blocks live in download record `slot` of
    /// [`Partials`](crate::blocks::Partials), which also holds its availability.
    Partial {
        /// The record's slot.
        slot: u32,
    },
    /// Passed its hash check.
    Have {
        /// How many connected peers that are not seeds have the piece.
        availability: u32,
    },
}

/// One piece, packed into 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PieceWord(u32);

impl PieceWord {
    /// An open piece of priority `priority`, no availability, no deadline.
    pub(crate) fn new(priority: Priority) -> Self {
        Self(u32::from(priority.get()) << PRIORITY_SHIFT | STAGE_OPEN << STAGE_SHIFT)
    }

    pub(crate) fn stage(self) -> Stage {
        let payload = self.0 & PAYLOAD_MASK;
        match (self.0 >> STAGE_SHIFT) & 0b11 {
            STAGE_PARTIAL => Stage::Partial { slot: payload },
            STAGE_HAVE => Stage::Have {
                availability: payload,
            },
            _ => Stage::Open {
                availability: payload,
            },
        }
    }

    /// Replaces the stage and its payload. Payloads are kept ≤ [`MAX_PAYLOAD`] by the callers
    /// (peer count and slot count are capped); a larger one is truncated, never spilled into the
    /// other fields.
    pub(crate) fn set_stage(&mut self, stage: Stage) {
        let (code, payload) = match stage {
            Stage::Open { availability } => (STAGE_OPEN, availability),
            Stage::Partial { slot } => (STAGE_PARTIAL, slot),
            Stage::Have { availability } => (STAGE_HAVE, availability),
        };
        debug_assert!(payload <= MAX_PAYLOAD);
        self.0 = (self.0 & !(PAYLOAD_MASK | 0b11 << STAGE_SHIFT))
            | code << STAGE_SHIFT
            | (payload & PAYLOAD_MASK);
    }

    pub(crate) fn priority(self) -> Priority {
        // Lossless: three bits.
        Priority::from_bits(((self.0 >> PRIORITY_SHIFT) & 0b111) as u8)
    }

    pub(crate) fn set_priority(&mut self, priority: Priority) {
        self.0 =
            (self.0 & !(0b111 << PRIORITY_SHIFT)) | u32::from(priority.get()) << PRIORITY_SHIFT;
    }

    pub(crate) fn has_deadline(self) -> bool {
        self.0 & DEADLINE_BIT != 0
    }

    pub(crate) fn set_deadline(&mut self, has_deadline: bool) {
        if has_deadline {
            self.0 |= DEADLINE_BIT;
        } else {
            self.0 &= !DEADLINE_BIT;
        }
    }

    /// Whether the piece is had.
    pub(crate) fn is_have(self) -> bool {
        matches!(self.stage(), Stage::Have { .. })
    }

    /// Whether the piece still has to be downloaded: not had, priority above 0.
    pub(crate) fn is_wanted(self) -> bool {
        !self.is_have() && self.priority().is_wanted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap() {
        let mut word = PieceWord::new(Priority::TOP);
        word.set_stage(Stage::Partial { slot: MAX_PAYLOAD });
        word.set_deadline(true);
        assert_eq!(word.priority(), Priority::TOP);
        assert_eq!(word.stage(), Stage::Partial { slot: MAX_PAYLOAD });
        word.set_priority(Priority::DONT_DOWNLOAD);
        assert!(word.has_deadline());
        assert_eq!(word.stage(), Stage::Partial { slot: MAX_PAYLOAD });
        word.set_stage(Stage::Have { availability: 3 });
        word.set_deadline(false);
        assert_eq!(word.stage(), Stage::Have { availability: 3 });
        assert_eq!(word.priority(), Priority::DONT_DOWNLOAD);
        assert!(!word.has_deadline() && word.is_have() && !word.is_wanted());
        word.set_stage(Stage::Open { availability: 9 });
        word.set_priority(Priority::new(1).unwrap());
        assert!(word.is_wanted());
        assert_eq!(word.stage(), Stage::Open { availability: 9 });
    }
}
