//! [`Order`]: every piece in one array, the open wanted ones sorted into priority buckets, so
//! that an availability change is one swap and a pick reads the rarest pieces off the front.
//!
//! Layout of `order` (piece indices):
//!
//! ```text
//! [ not ordered: had, partial, priority 0 | level 0 (priority 7): availability 0, 1, 2, … |
//!   level 1 (priority 6): availability 0, 1, … | … | level 6 (priority 1): 0, 1, … ]
//! ```
//!
//! Each (level, availability) pair is a bucket; `starts[b]` is where bucket `b` begins and
//! `pos[piece]` is where a piece is. Moving a piece to the next bucket up or down swaps it with
//! the bucket's last or first element and moves one boundary: O(1). Taking a piece out of the
//! ordered region (it starts downloading, is had, or drops to priority 0) walks it left through
//! the buckets before it, one swap per bucket: O(buckets before it), which for the rare,
//! high-priority pieces a picker takes is small. That is why the unordered part sits at the
//! front and rare pieces sit next to it; libtorrent keeps rare pieces first as well but moves
//! removed pieces to the far end.

use std::ops::Range;

use crate::rng::Rng;

/// Priority levels with an ordered region: priorities 7 (level 0) down to 1 (level 6).
pub(crate) const LEVELS: usize = 7;

/// Where `(level, availability)` of an open wanted piece puts it; `None` for pieces outside the
/// ordered region.
pub(crate) type SortKey = Option<(usize, u32)>;

/// The ordered piece array with its bucket boundaries.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// Piece indices, laid out as the module docs show.
    order: Vec<u32>,
    /// `pos[piece]`: the piece's index in `order`.
    pos: Vec<u32>,
    /// `starts[b]`: the first position of bucket `b`; one more entry holds `order.len()`.
    starts: Vec<u32>,
    /// `level_base[level]`: the bucket number of `(level, 0)`; `level_base[LEVELS]` is the
    /// number of buckets.
    level_base: [u32; LEVELS + 1],
}

impl Order {
    /// `num_pieces` pieces, none of them in the ordered region.
    pub(crate) fn new(num_pieces: u32) -> Self {
        Self {
            order: (0..num_pieces).collect(),
            pos: (0..num_pieces).collect(),
            starts: vec![num_pieces; LEVELS + 1],
            // Lossless: LEVELS is 7.
            level_base: std::array::from_fn(|level| level as u32),
        }
    }

    /// The piece at position `index` of the array.
    pub(crate) fn piece_at(&self, index: usize) -> u32 {
        self.order[index]
    }

    /// The positions of the ordered region.
    pub(crate) fn ordered_range(&self) -> Range<usize> {
        self.starts[0] as usize..self.order.len()
    }

    /// How many availability buckets `level` has (at least one).
    pub(crate) fn buckets_in_level(&self, level: usize) -> u32 {
        self.level_base[level + 1] - self.level_base[level]
    }

    /// The positions of the pieces of `level` with availability `availability`.
    pub(crate) fn bucket_range(&self, level: usize, availability: u32) -> Range<usize> {
        if availability >= self.buckets_in_level(level) {
            return 0..0;
        }
        let bucket = (self.level_base[level] + availability) as usize;
        self.starts[bucket] as usize..self.starts[bucket + 1] as usize
    }

    /// The first non-empty bucket of `level` at availability `from` or above, in
    /// O(log buckets).
    pub(crate) fn next_bucket_up(&self, level: usize, from: u32) -> Option<u32> {
        let count = self.buckets_in_level(level);
        if from >= count {
            return None;
        }
        let base = self.level_base[level] as usize;
        let bounds = &self.starts[base + from as usize..=base + count as usize];
        let first = bounds[0];
        if first == bounds[bounds.len() - 1] {
            return None;
        }
        // The bucket holding position `first` is the last one starting at or before it.
        let holding = bounds.partition_point(|&start| start <= first) - 1;
        Some(from + holding as u32)
    }

    /// The last non-empty bucket of `level` at availability `from` or below, down to `floor`.
    pub(crate) fn next_bucket_down(&self, level: usize, from: u32, floor: u32) -> Option<u32> {
        let from = from.min(self.buckets_in_level(level).checked_sub(1)?);
        if floor > from {
            return None;
        }
        let base = self.level_base[level] as usize;
        let bounds = &self.starts[base + floor as usize..=base + from as usize + 1];
        let end = bounds[bounds.len() - 1];
        if bounds[0] == end {
            return None;
        }
        // The bucket holding position `end - 1`.
        let holding = bounds.partition_point(|&start| start < end) - 1;
        Some(floor + holding as u32)
    }

    /// The positions of every piece of `level`.
    pub(crate) fn level_range(&self, level: usize) -> Range<usize> {
        let first = self.level_base[level] as usize;
        let end = self.level_base[level + 1] as usize;
        self.starts[first] as usize..self.starts[end] as usize
    }

    /// Swaps the pieces at positions `a` and `b`.
    fn swap(&mut self, a: usize, b: usize) {
        if a != b {
            self.order.swap(a, b);
            self.pos[self.order[a] as usize] = a as u32;
            self.pos[self.order[b] as usize] = b as u32;
        }
    }

    /// Gives `level` a bucket for `availability` (and every one below it).
    fn ensure_bucket(&mut self, level: usize, availability: u32) {
        let have = self.buckets_in_level(level);
        if availability < have {
            return;
        }
        let extra = availability + 1 - have;
        let at = self.level_base[level + 1] as usize;
        let boundary = self.starts[at];
        self.starts
            .splice(at..at, std::iter::repeat_n(boundary, extra as usize));
        for base in &mut self.level_base[level + 1..] {
            *base += extra;
        }
    }

    /// Moves `piece` from the unordered part into bucket `(level, availability)`.
    pub(crate) fn insert(&mut self, piece: u32, level: usize, availability: u32) {
        self.ensure_bucket(level, availability);
        let target = (self.level_base[level] + availability) as usize;
        // Swap it to the end of the unordered part, which then becomes bucket 0's first slot.
        let edge = self.starts[0] as usize - 1;
        self.swap(self.pos[piece as usize] as usize, edge);
        self.starts[0] -= 1;
        // Walk right: from the first slot of bucket b to the first slot of bucket b + 1.
        for bucket in 0..target {
            let last = self.starts[bucket + 1] as usize - 1;
            self.swap(self.pos[piece as usize] as usize, last);
            self.starts[bucket + 1] -= 1;
        }
    }

    /// Moves `piece` out of bucket `(level, availability)` into the unordered part.
    pub(crate) fn remove(&mut self, piece: u32, level: usize, availability: u32) {
        let bucket = (self.level_base[level] + availability) as usize;
        // Walk left: from bucket b to the last slot of bucket b - 1 (or the unordered part).
        for bucket in (0..=bucket).rev() {
            let first = self.starts[bucket] as usize;
            self.swap(self.pos[piece as usize] as usize, first);
            self.starts[bucket] += 1;
        }
    }

    /// Moves `piece` from `(level, availability)` to `(level, availability + 1)`.
    pub(crate) fn increment(&mut self, piece: u32, level: usize, availability: u32) {
        self.ensure_bucket(level, availability + 1);
        let bucket = (self.level_base[level] + availability) as usize;
        let last = self.starts[bucket + 1] as usize - 1;
        self.swap(self.pos[piece as usize] as usize, last);
        self.starts[bucket + 1] -= 1;
    }

    /// Moves `piece` from `(level, availability)` to `(level, availability - 1)`;
    /// `availability` is at least 1.
    pub(crate) fn decrement(&mut self, piece: u32, level: usize, availability: u32) {
        let bucket = (self.level_base[level] + availability) as usize;
        let first = self.starts[bucket] as usize;
        self.swap(self.pos[piece as usize] as usize, first);
        self.starts[bucket] += 1;
    }

    /// Lays everything out again from `key` (`Some((level, availability))` for pieces of the
    /// ordered region), shuffling each bucket: O(pieces + buckets). Used at start-up and after
    /// priority changes that touch many pieces; it also drops buckets above the highest
    /// availability in use.
    pub(crate) fn rebuild(&mut self, key: impl Fn(u32) -> SortKey, rng: &mut Rng) {
        let num_pieces = self.order.len();
        let mut buckets_per_level = [1u32; LEVELS];
        for piece in 0..num_pieces as u32 {
            if let Some((level, availability)) = key(piece) {
                let count = &mut buckets_per_level[level];
                *count = (*count).max(availability + 1);
            }
        }
        let mut total = 0;
        for (base, count) in self.level_base.iter_mut().zip(buckets_per_level) {
            *base = total;
            total += count;
        }
        self.level_base[LEVELS] = total;
        // Count each bucket (shifted by one so that a prefix sum yields the starts), with the
        // unordered pieces in front.
        let mut counts = vec![0u32; total as usize + 1];
        let mut unordered = 0u32;
        for piece in 0..num_pieces as u32 {
            match key(piece) {
                Some((level, availability)) => {
                    counts[(self.level_base[level] + availability) as usize + 1] += 1;
                }
                None => unordered += 1,
            }
        }
        counts[0] = unordered;
        let mut next = vec![0u32; total as usize + 1];
        let mut running = 0;
        for (bucket, count) in counts.iter().enumerate() {
            running += count;
            next[bucket] = running;
        }
        // next[b + 1] is now where bucket b ends; fill from the front of each bucket.
        self.starts.clear();
        self.starts.push(unordered);
        self.starts.extend_from_slice(&next[1..]);
        let mut cursor = self.starts.clone();
        let mut front = 0u32;
        for piece in 0..num_pieces as u32 {
            let slot = match key(piece) {
                Some((level, availability)) => {
                    let bucket = (self.level_base[level] + availability) as usize;
                    let slot = cursor[bucket];
                    cursor[bucket] += 1;
                    slot
                }
                None => {
                    front += 1;
                    front - 1
                }
            };
            self.order[slot as usize] = piece;
        }
        for bucket in 0..total as usize {
            let range = self.starts[bucket] as usize..self.starts[bucket + 1] as usize;
            rng.shuffle(&mut self.order[range]);
        }
        for (slot, &piece) in self.order.iter().enumerate() {
            self.pos[piece as usize] = slot as u32;
        }
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        (self.order.capacity() + self.pos.capacity() + self.starts.capacity()) * 4
    }

    /// Checks the layout against `key`, for [`Picker::check_invariants`](crate::Picker).
    pub(crate) fn check(&self, key: impl Fn(u32) -> SortKey) -> Result<(), String> {
        let num_pieces = self.order.len();
        if self.starts.len() != self.level_base[LEVELS] as usize + 1
            || self.starts.last().copied() != Some(num_pieces as u32)
            || self.starts.windows(2).any(|pair| pair[0] > pair[1])
        {
            return Err(format!("bucket starts out of order: {:?}", self.starts));
        }
        for (slot, &piece) in self.order.iter().enumerate() {
            if self.pos[piece as usize] as usize != slot {
                return Err(format!("piece {piece} at {slot} but pos says otherwise"));
            }
            let expected = match key(piece) {
                Some((level, availability)) => self.bucket_range(level, availability),
                None => 0..self.starts[0] as usize,
            };
            if !expected.contains(&slot) {
                return Err(format!(
                    "piece {piece} at {slot}, its key {:?} wants {expected:?}",
                    key(piece)
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies random moves to an `Order` and a plain model of the keys, checking both agree.
    #[test]
    fn random_moves_keep_the_layout() {
        let mut rng = Rng::new(11);
        let num_pieces = 300u32;
        let mut keys: Vec<SortKey> = vec![None; num_pieces as usize];
        let mut order = Order::new(num_pieces);
        for step in 0..20_000 {
            let piece = rng.below(num_pieces as usize) as u32;
            let current = keys[piece as usize];
            match (current, rng.below(4)) {
                (None, _) => {
                    let key = (rng.below(LEVELS), rng.below(6) as u32);
                    order.insert(piece, key.0, key.1);
                    keys[piece as usize] = Some(key);
                }
                (Some((level, availability)), 0) => {
                    order.remove(piece, level, availability);
                    keys[piece as usize] = None;
                }
                (Some((level, availability)), 1) if availability > 0 => {
                    order.decrement(piece, level, availability);
                    keys[piece as usize] = Some((level, availability - 1));
                }
                (Some((level, availability)), _) => {
                    order.increment(piece, level, availability);
                    keys[piece as usize] = Some((level, availability + 1));
                }
            }
            if step % 997 == 0 {
                order.check(|piece| keys[piece as usize]).unwrap();
            }
            if step % 5003 == 0 {
                order.rebuild(|piece| keys[piece as usize], &mut rng);
                order.check(|piece| keys[piece as usize]).unwrap();
            }
        }
        order.check(|piece| keys[piece as usize]).unwrap();
        for level in 0..LEVELS {
            let count = order.buckets_in_level(level);
            let nonempty: Vec<u32> = (0..count)
                .filter(|&a| !order.bucket_range(level, a).is_empty())
                .collect();
            for from in 0..count + 1 {
                let up = nonempty.iter().copied().find(|&a| a >= from);
                assert_eq!(order.next_bucket_up(level, from), up);
                let down = nonempty
                    .iter()
                    .copied()
                    .rev()
                    .find(|&a| a <= from && a >= 1);
                assert_eq!(order.next_bucket_down(level, from, 1), down);
            }
        }
        let ordered = keys.iter().filter(|key| key.is_some()).count();
        assert_eq!(order.ordered_range().len(), ordered);
        let level_total: usize = (0..LEVELS)
            .map(|level| order.level_range(level).len())
            .sum();
        assert_eq!(level_total, ordered);
    }

    #[test]
    fn rare_high_priority_pieces_come_first() {
        let mut rng = Rng::new(1);
        let mut order = Order::new(6);
        let keys = [
            Some((3, 2)),
            Some((3, 0)),
            None,
            Some((0, 5)),
            Some((3, 1)),
            None,
        ];
        order.rebuild(|piece| keys[piece as usize], &mut rng);
        let ordered: Vec<u32> = order
            .ordered_range()
            .map(|slot| order.piece_at(slot))
            .collect();
        assert_eq!(ordered, [3, 1, 4, 0]);
        assert_eq!(order.bucket_range(0, 5).len(), 1);
        assert_eq!(order.bucket_range(3, 9), 0..0);
    }
}
