//! Priorities and deadlines: [`Priority`], file priorities mapped onto pieces, piece priorities
//! set and read back, and deadlines for time-critical (streaming) pieces.

use std::fmt;
use std::time::Instant;

use lt_core::PieceIndex;

use crate::error::PickerError;
use crate::geometry::Geometry;
use crate::picker::{level_of, Picker};
use crate::piece::Stage;

/// A download priority, libtorrent's `download_priority_t`: 0 (don't download) to 7 (top).
///
/// Every wanted priority-7 piece is picked before any priority-6 piece, and so on down to 1;
/// availability orders pieces within one priority.
///
/// # Examples
/// ```
/// use lt_picker::Priority;
///
/// assert_eq!(Priority::default(), Priority::DEFAULT);
/// assert_eq!(Priority::new(7), Some(Priority::TOP));
/// assert!(Priority::new(8).is_none());
/// assert!(!Priority::DONT_DOWNLOAD.is_wanted());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(u8);

impl Priority {
    /// 0: never download (libtorrent's `dont_download`).
    pub const DONT_DOWNLOAD: Self = Self(0);
    /// 1: `low_priority`.
    pub const LOW: Self = Self(1);
    /// 4: `default_priority`.
    pub const DEFAULT: Self = Self(4);
    /// 7: `top_priority`.
    pub const TOP: Self = Self(7);

    /// The priority `value`, if it is 0 to 7.
    #[must_use]
    pub const fn new(value: u8) -> Option<Self> {
        if value <= 7 {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The number, 0 to 7.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Whether pieces of this priority are downloaded (above 0).
    #[must_use]
    pub const fn is_wanted(self) -> bool {
        self.0 > 0
    }

    /// The priority held in the low three bits of `bits`.
    pub(crate) const fn from_bits(bits: u8) -> Self {
        Self(bits & 0b111)
    }
}

impl Default for Priority {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u8> for Priority {
    type Error = PickerError;

    fn try_from(value: u8) -> Result<Self, PickerError> {
        Self::new(value).ok_or(PickerError::InvalidPriority(value))
    }
}

/// The bare number.
impl fmt::Display for Priority {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

/// The piece priorities that file priorities give: each piece takes the highest priority of the
/// files it overlaps (empty files overlap nothing). Files past the end of `priorities` have the
/// default priority 4, as in libtorrent's `prioritize_files`.
///
/// # Errors
/// [`PickerError::FilePriorityCount`] for more priorities than files;
/// [`PickerError::FileSizeMismatch`] when the sizes do not add up to the torrent's size.
///
/// # Examples
/// ```
/// use lt_picker::{file_piece_priorities, Geometry, Priority};
///
/// // Files of 20, 10 and 34 bytes in 16-byte pieces: piece 1 holds the ends of files 0 and 1.
/// let geometry = Geometry::new(64, 16)?;
/// let pieces = file_piece_priorities(&geometry, &[20, 10, 34], &[Priority::LOW, Priority::TOP])?;
/// assert_eq!(pieces, [Priority::LOW, Priority::TOP, Priority::DEFAULT, Priority::DEFAULT]);
/// # Ok::<(), lt_picker::PickerError>(())
/// ```
pub fn file_piece_priorities(
    geometry: &Geometry,
    file_sizes: &[u64],
    priorities: &[Priority],
) -> Result<Vec<Priority>, PickerError> {
    if priorities.len() > file_sizes.len() {
        return Err(PickerError::FilePriorityCount {
            priorities: priorities.len(),
            files: file_sizes.len(),
        });
    }
    let sum = file_sizes
        .iter()
        .try_fold(0u64, |sum, &size| sum.checked_add(size))
        .unwrap_or(u64::MAX);
    if sum != geometry.total_bytes() {
        return Err(PickerError::FileSizeMismatch {
            sum,
            total_bytes: geometry.total_bytes(),
        });
    }
    let piece_bytes = u64::from(geometry.nominal_piece_bytes());
    let mut pieces = vec![Priority::DONT_DOWNLOAD; geometry.num_pieces() as usize];
    let mut offset = 0u64;
    for (file, &size) in file_sizes.iter().enumerate() {
        let priority = priorities.get(file).copied().unwrap_or_default();
        if size > 0 {
            // Lossless: below num_pieces, a u32, since the sizes add up to the total.
            let first = (offset / piece_bytes) as usize;
            let last = ((offset + size - 1) / piece_bytes) as usize;
            for piece in &mut pieces[first..=last] {
                *piece = (*piece).max(priority);
            }
        }
        offset += size;
    }
    Ok(pieces)
}

impl Picker {
    /// The priority of `piece`.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_priority(&self, piece: PieceIndex) -> Result<Priority, PickerError> {
        let piece = self.check_piece(piece)?;
        Ok(self.pieces[piece as usize].priority())
    }

    /// Every piece's priority, by index.
    #[must_use]
    pub fn piece_priorities(&self) -> Vec<Priority> {
        self.pieces.iter().map(|word| word.priority()).collect()
    }

    /// Sets the priority of `piece`. Priority 0 stops new requests for it (requests already
    /// made stay) and drops its deadline. O(buckets before it) when it is open.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn set_piece_priority(
        &mut self,
        piece: PieceIndex,
        priority: Priority,
    ) -> Result<(), PickerError> {
        let piece = self.check_piece(piece)?;
        self.change_priority(piece, priority);
        Ok(())
    }

    /// Sets every piece's priority. Changing more than an eighth of the pieces lays the ordered
    /// array out again in one O(pieces) pass instead of moving pieces one by one.
    ///
    /// # Errors
    /// [`PickerError::PiecePriorityCount`] unless there is one priority per piece.
    pub fn set_piece_priorities(&mut self, priorities: &[Priority]) -> Result<(), PickerError> {
        let num_pieces = self.geometry.num_pieces();
        if priorities.len() != num_pieces as usize {
            return Err(PickerError::PiecePriorityCount {
                got: priorities.len(),
                expected: num_pieces,
            });
        }
        let changes = self
            .pieces
            .iter()
            .zip(priorities)
            .filter(|(word, &priority)| word.priority() != priority)
            .count();
        if changes <= priorities.len() / 8 {
            for (piece, &priority) in (0..num_pieces).zip(priorities) {
                self.change_priority(piece, priority);
            }
            return Ok(());
        }
        for (word, &priority) in self.pieces.iter_mut().zip(priorities) {
            word.set_priority(priority);
        }
        self.recount();
        let slots: Vec<u32> = self.partials.slots().collect();
        for slot in slots {
            self.relist(slot);
        }
        let pieces = &mut self.pieces;
        self.deadlines.retain(|&(_, piece)| {
            let word = &mut pieces[piece.as_usize()];
            word.set_deadline(word.is_wanted());
            word.is_wanted()
        });
        self.rebuild_order();
        Ok(())
    }

    /// Sets piece priorities from file priorities (see [`file_piece_priorities`]). As in
    /// libtorrent, this replaces every piece priority, including ones set piece by piece.
    ///
    /// # Errors
    /// Those of [`file_piece_priorities`].
    pub fn set_file_priorities(
        &mut self,
        file_sizes: &[u64],
        priorities: &[Priority],
    ) -> Result<(), PickerError> {
        let pieces = file_piece_priorities(&self.geometry, file_sizes, priorities)?;
        self.set_piece_priorities(&pieces)
    }

    /// Moves a checked piece to `priority`, keeping the order and counters in step.
    fn change_priority(&mut self, piece: u32, priority: Priority) {
        let word = self.pieces[piece as usize];
        let old = word.priority();
        if old == priority {
            return;
        }
        match word.stage() {
            Stage::Open { availability } => {
                if let Some(level) = level_of(old) {
                    self.order.remove(piece, level, availability);
                }
                self.pieces[piece as usize].set_priority(priority);
                if let Some(level) = level_of(priority) {
                    self.order.insert(piece, level, availability);
                }
            }
            Stage::Partial { slot } => {
                self.pieces[piece as usize].set_priority(priority);
                self.relist(slot);
            }
            Stage::Have { .. } => self.pieces[piece as usize].set_priority(priority),
        }
        let is_wanted = self.pieces[piece as usize].is_wanted();
        if word.is_wanted() != is_wanted {
            let blocks = i64::from(self.none_blocks(piece));
            let peer_count = self.peer_count(piece);
            if is_wanted {
                self.wanted_left += 1;
                self.add_free(peer_count, blocks);
            } else {
                self.wanted_left -= 1;
                self.add_free(peer_count, -blocks);
            }
        }
        if !priority.is_wanted() {
            self.drop_deadline(piece);
        }
    }

    /// Asks for `piece` by `deadline`: pieces with deadlines are picked before all others,
    /// earliest deadline first. A piece of priority 0 is raised to 7 (libtorrent does the
    /// same); a had piece is left alone. Setting it again moves the deadline.
    ///
    /// The deadline is only compared with other deadlines; the picker never reads a clock.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn set_piece_deadline(
        &mut self,
        piece: PieceIndex,
        deadline: Instant,
    ) -> Result<(), PickerError> {
        let index = self.check_piece(piece)?;
        if self.pieces[index as usize].is_have() {
            return Ok(());
        }
        self.drop_deadline(index);
        if !self.pieces[index as usize].priority().is_wanted() {
            self.change_priority(index, Priority::TOP);
        }
        let at = self
            .deadlines
            .partition_point(|&entry| entry < (deadline, piece));
        self.deadlines.insert(at, (deadline, piece));
        self.pieces[index as usize].set_deadline(true);
        Ok(())
    }

    /// Removes the deadline of `piece`, if any; its priority stays.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn reset_piece_deadline(&mut self, piece: PieceIndex) -> Result<(), PickerError> {
        let piece = self.check_piece(piece)?;
        self.drop_deadline(piece);
        Ok(())
    }

    /// Removes every deadline.
    pub fn clear_piece_deadlines(&mut self) {
        for (_, piece) in std::mem::take(&mut self.deadlines) {
            self.pieces[piece.as_usize()].set_deadline(false);
        }
    }

    /// The deadline of `piece`, if it has one.
    ///
    /// # Errors
    /// [`PickerError::PieceOutOfRange`].
    pub fn piece_deadline(&self, piece: PieceIndex) -> Result<Option<Instant>, PickerError> {
        let index = self.check_piece(piece)?;
        if !self.pieces[index as usize].has_deadline() {
            return Ok(None);
        }
        Ok(self
            .deadlines
            .iter()
            .find(|&&(_, other)| other == piece)
            .map(|&(deadline, _)| deadline))
    }

    /// Forgets the deadline of a checked piece.
    pub(crate) fn drop_deadline(&mut self, piece: u32) {
        let word = &mut self.pieces[piece as usize];
        if word.has_deadline() {
            word.set_deadline(false);
            self.deadlines.retain(|&(_, other)| other.get() != piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_the_highest_overlapping_priority() {
        let geometry = Geometry::new(100, 10).unwrap();
        let sizes = [5, 0, 5, 30, 60];
        let low = Priority::LOW;
        let top = Priority::TOP;
        let zero = Priority::DONT_DOWNLOAD;
        let pieces =
            file_piece_priorities(&geometry, &sizes, &[zero, top, low, zero, low]).unwrap();
        // File 1 is empty and touches nothing; files 0 and 2 share piece 0.
        let mut expected = vec![low, zero, zero, zero];
        expected.extend([low; 6]);
        assert_eq!(pieces, expected);
        assert!(matches!(
            file_piece_priorities(&geometry, &[50, 49], &[]),
            Err(PickerError::FileSizeMismatch { sum: 99, .. })
        ));
        assert!(file_piece_priorities(&geometry, &[100], &[low, low]).is_err());
        assert!(file_piece_priorities(&geometry, &[u64::MAX, 2], &[]).is_err());
    }

    #[test]
    fn priority_conversions() {
        assert_eq!(Priority::try_from(3).unwrap().get(), 3);
        assert_eq!(Priority::try_from(9), Err(PickerError::InvalidPriority(9)));
        assert_eq!(Priority::TOP.to_string(), "7");
        assert_eq!(Priority::from_bits(0b1111), Priority::TOP);
    }
}
