//! Downloading the info dictionary over ut_metadata (BEP 9): which 16 KiB piece to ask for
//! next, collecting the pieces, and checking the whole against the info-hash, as libtorrent's
//! `ut_metadata_plugin` does for a torrent (one assembler per torrent, fed by every peer).

use std::time::{Duration, Instant};

use bytes::Bytes;
use lt_core::Sha1Hash;

use super::metadata::{metadata_piece_count, MAX_METADATA_SIZE, METADATA_PIECE_SIZE};
use crate::error::PeerMisbehaved;

/// libtorrent asks for the same metadata piece at most once every three seconds.
const REREQUEST_INTERVAL: Duration = Duration::from_secs(3);

/// What a received piece did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataProgress {
    /// More pieces are needed.
    Incomplete,
    /// Every piece is in and the info dictionary hashes to the info-hash: here it is.
    Complete(Bytes),
    /// Every piece is in but the SHA-1 does not match: everything is asked for again
    /// (libtorrent's `metadata_failed_alert`; it cannot tell which peer lied).
    HashMismatch,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    received: bool,
    requests: u32,
    last_request: Option<Instant>,
}

/// Collects the info dictionary of the torrent with v1 info-hash `info_hash` from ut_metadata
/// pieces.
///
/// The size comes from a peer's `metadata_size` ([`set_total_size`](Self::set_total_size)) or
/// the first piece's `total_size`; above `max_size` (libtorrent's `max_metadata_size`, 30 MiB)
/// it is refused. [`next_request`](Self::next_request) gives the piece asked for the fewest
/// times, not one asked for in the last three seconds.
///
/// # Examples
/// ```
/// use std::time::Instant;
/// use lt_core::Sha1Hash;
/// use lt_wire::{MetadataAssembler, MetadataProgress};
///
/// let info = b"d4:name3:abc12:piece lengthi16384ee";
/// let mut assembler = MetadataAssembler::new(Sha1Hash::digest(info));
/// assert_eq!(assembler.next_request(Instant::now()), Some(0));
/// let progress = assembler.receive(0, info.len() as u64, info)?;
/// assert_eq!(progress, MetadataProgress::Complete(bytes::Bytes::from_static(info)));
/// # Ok::<(), lt_wire::PeerMisbehaved>(())
/// ```
#[derive(Debug, Clone)]
pub struct MetadataAssembler {
    info_hash: Sha1Hash,
    max_size: u64,
    /// Empty until the size is known.
    buffer: Vec<u8>,
    slots: Vec<Slot>,
    complete: bool,
}

impl MetadataAssembler {
    /// An assembler with libtorrent's size limit ([`MAX_METADATA_SIZE`]).
    #[must_use]
    pub fn new(info_hash: Sha1Hash) -> Self {
        Self::with_max_size(info_hash, MAX_METADATA_SIZE)
    }

    /// An assembler that refuses metadata above `max_size` bytes.
    #[must_use]
    pub fn with_max_size(info_hash: Sha1Hash, max_size: u64) -> Self {
        Self {
            info_hash,
            max_size,
            buffer: Vec::new(),
            slots: Vec::new(),
            complete: false,
        }
    }

    /// The size of the info dictionary, once known.
    #[must_use]
    pub fn total_size(&self) -> Option<u64> {
        (!self.buffer.is_empty()).then_some(self.buffer.len() as u64)
    }

    /// Whether the metadata was assembled and verified.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// How many pieces are in.
    #[must_use]
    pub fn pieces_received(&self) -> usize {
        self.slots.iter().filter(|slot| slot.received).count()
    }

    /// Takes the size a peer announced (`metadata_size` in its extension handshake). The first
    /// size sticks; a peer that disagrees is wrong.
    ///
    /// # Errors
    /// [`PeerMisbehaved::MetadataTooLarge`] above the limit,
    /// [`PeerMisbehaved::InvalidMetadataSize`] for 0 or a size other than the known one.
    pub fn set_total_size(&mut self, size: u64) -> Result<(), PeerMisbehaved> {
        if size > self.max_size {
            return Err(PeerMisbehaved::MetadataTooLarge {
                size,
                limit: self.max_size,
            });
        }
        match self.total_size() {
            Some(known) if known == size => Ok(()),
            Some(_) => Err(PeerMisbehaved::InvalidMetadataSize { size }),
            None if size == 0 => Err(PeerMisbehaved::InvalidMetadataSize { size }),
            None => {
                let length =
                    usize::try_from(size).map_err(|_| PeerMisbehaved::MetadataTooLarge {
                        size,
                        limit: self.max_size,
                    })?;
                self.buffer = vec![0; length];
                let pieces = usize::try_from(metadata_piece_count(size)).unwrap_or(0);
                let mut slots = vec![Slot::default(); pieces];
                // Keep what `next_request` did for piece 0 before the size was known.
                if let (Some(first), Some(asked)) = (slots.first_mut(), self.slots.first()) {
                    *first = *asked;
                }
                self.slots = slots;
                Ok(())
            }
        }
    }

    /// The piece to ask a peer for now: the missing piece asked for the fewest times, unless
    /// that was in the last three seconds (then `None`). Before the size is known, piece 0.
    pub fn next_request(&mut self, now: Instant) -> Option<u32> {
        if self.complete {
            return None;
        }
        if self.slots.is_empty() {
            self.slots.push(Slot::default());
        }
        let (index, slot) = self
            .slots
            .iter_mut()
            .enumerate()
            .filter(|(_, slot)| !slot.received)
            .min_by_key(|(_, slot)| slot.requests)?;
        if slot
            .last_request
            .is_some_and(|last| now.saturating_duration_since(last) < REREQUEST_INTERVAL)
        {
            return None;
        }
        slot.requests = slot.requests.saturating_add(1);
        slot.last_request = Some(now);
        u32::try_from(index).ok()
    }

    /// A piece arrived (from [`WireEvent::MetadataPiece`](crate::WireEvent::MetadataPiece)).
    ///
    /// # Errors
    /// [`PeerMisbehaved::MetadataTooLarge`] / [`PeerMisbehaved::InvalidMetadataSize`] when
    /// `total_size` is above the limit, 0, or not the known size, or when the piece is out of
    /// range or not exactly 16 KiB (less for the last piece). The piece is dropped.
    pub fn receive(
        &mut self,
        piece: u32,
        total_size: u64,
        data: &[u8],
    ) -> Result<MetadataProgress, PeerMisbehaved> {
        if self.complete {
            return Ok(MetadataProgress::Incomplete);
        }
        self.set_total_size(total_size)?;
        let piece_size = METADATA_PIECE_SIZE as usize;
        let start = (piece as usize).saturating_mul(piece_size);
        let end = start.saturating_add(piece_size).min(self.buffer.len());
        let wrong = PeerMisbehaved::InvalidMetadataSize {
            size: data.len() as u64,
        };
        let (Some(slot), Some(target)) = (
            self.slots.get_mut(piece as usize),
            self.buffer.get_mut(start..end),
        ) else {
            return Err(wrong);
        };
        if target.len() != data.len() {
            return Err(wrong);
        }
        if slot.received {
            return Ok(MetadataProgress::Incomplete);
        }
        target.copy_from_slice(data);
        slot.received = true;
        if self.slots.iter().any(|slot| !slot.received) {
            return Ok(MetadataProgress::Incomplete);
        }
        if Sha1Hash::digest(&self.buffer) == self.info_hash {
            self.complete = true;
            self.slots.clear();
            return Ok(MetadataProgress::Complete(Bytes::from(std::mem::take(
                &mut self.buffer,
            ))));
        }
        for slot in &mut self.slots {
            *slot = Slot::default();
        }
        Ok(MetadataProgress::HashMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(length: usize) -> Vec<u8> {
        let mut info = b"d4:name".to_vec();
        let name = vec![b'x'; length.saturating_sub(12)];
        info.extend(format!("{}:", name.len()).as_bytes());
        info.extend(name);
        info.push(b'e');
        info
    }

    #[test]
    fn assembles_out_of_order_and_verifies() {
        let info = info(40_000);
        let mut assembler = MetadataAssembler::new(Sha1Hash::digest(&info));
        let now = Instant::now();
        assert_eq!(assembler.next_request(now), Some(0));
        assembler.set_total_size(info.len() as u64).expect("size");
        assert_eq!(assembler.next_request(now), Some(1));
        assert_eq!(assembler.next_request(now), Some(2));
        assert_eq!(
            assembler.next_request(now),
            None,
            "every piece asked for just now"
        );
        let total = info.len() as u64;
        let piece = |index: usize| &info[index * 16384..((index + 1) * 16384).min(info.len())];
        for index in [2, 0] {
            let progress = assembler.receive(index as u32, total, piece(index));
            assert_eq!(progress, Ok(MetadataProgress::Incomplete));
        }
        // The piece asked for the fewest times, three seconds later: piece 1.
        assert_eq!(
            assembler.next_request(now + Duration::from_secs(3)),
            Some(1)
        );
        let done = assembler.receive(1, total, piece(1)).expect("valid");
        assert_eq!(done, MetadataProgress::Complete(Bytes::from(info.clone())));
        assert!(assembler.is_complete());
        assert_eq!(assembler.next_request(now), None);
    }

    #[test]
    fn a_wrong_hash_starts_over() {
        let info = info(20_000);
        let mut assembler = MetadataAssembler::new(Sha1Hash::from_bytes([1; 20]));
        let total = info.len() as u64;
        assert_eq!(
            assembler.receive(0, total, &info[..16384]),
            Ok(MetadataProgress::Incomplete)
        );
        assert_eq!(
            assembler.receive(1, total, &info[16384..]),
            Ok(MetadataProgress::HashMismatch)
        );
        assert_eq!(assembler.pieces_received(), 0);
        assert_eq!(assembler.next_request(Instant::now()), Some(0));
    }

    #[test]
    fn sizes_are_checked() {
        let mut assembler = MetadataAssembler::with_max_size(Sha1Hash::default(), 100_000);
        let error = assembler.set_total_size(100_001).expect_err("too large");
        assert_eq!(error.code_name(), "metadata_too_large");
        assert_eq!(
            assembler
                .receive(0, 0, b"")
                .map_err(|error| error.code_name()),
            Err("invalid_metadata_size")
        );
        assembler.set_total_size(20_000).expect("fits");
        assert!(assembler.set_total_size(20_001).is_err(), "size changed");
        assert!(
            assembler.receive(0, 20_000, &[0; 100]).is_err(),
            "short piece"
        );
        assert!(
            assembler.receive(2, 20_000, &[0; 100]).is_err(),
            "no piece 2"
        );
        assert!(
            assembler.receive(0, 20_001, &[0; 16384]).is_err(),
            "other size"
        );
        assert_eq!(
            assembler.receive(1, 20_000, &[0; 20_000 - 16384]),
            Ok(MetadataProgress::Incomplete)
        );
    }
}
