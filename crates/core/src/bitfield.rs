//! [`Bitfield`]: a fixed-length bit vector in the BitTorrent wire layout, such as the pieces a
//! peer has.

use std::{fmt, iter::FusedIterator};

use crate::error::BitfieldError;

const WORD_BITS: usize = u64::BITS as usize;

/// An owned vector of `len` bits, such as one bit per piece.
///
/// On the wire (BEP 3's `bitfield` message, resume data) bit 0 is the high bit of byte 0 and
/// the unused low bits of the last byte must be clear; [`from_wire`](Self::from_wire) checks
/// both. In memory the bits sit in `u64` words, so counting and iterating work a word at a
/// time.
///
/// Reading an index past the end gives `false`; setting or clearing one does nothing. Neither
/// panics, but a peer's piece index should still be checked against the torrent before use.
/// Binary operations ([`union_with`](Self::union_with), [`intersects`](Self::intersects), …)
/// accept bitfields of any length and treat bits past the shorter one's end as clear.
///
/// # Examples
/// ```
/// use lt_core::Bitfield;
///
/// let have = Bitfield::from_wire(&[0b1010_0000, 0b1000_0000], 9)?;
/// assert_eq!(have.iter_ones().collect::<Vec<_>>(), [0, 2, 8]);
/// assert_eq!(have.count_ones(), 3);
/// assert_eq!(have.to_wire(), [0b1010_0000, 0b1000_0000]);
/// assert!(Bitfield::from_wire(&[0, 0b0100_0000], 9).is_err()); // spare bit set
/// # Ok::<(), lt_core::BitfieldError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Bitfield {
    /// Bit `i` is bit `i % 64` (counting from the least significant) of word `i / 64`. Bits at
    /// or past `len` are always clear, so whole-word operations need no masking.
    words: Vec<u64>,
    len: usize,
}

fn words_for(bit_count: usize) -> usize {
    bit_count.div_ceil(WORD_BITS)
}

impl Bitfield {
    /// A bitfield of `len` clear bits.
    #[must_use]
    pub fn new(len: usize) -> Self {
        Self {
            words: vec![0; words_for(len)],
            len,
        }
    }

    /// A bitfield of `len` set bits, such as a seed's.
    #[must_use]
    pub fn with_all_set(len: usize) -> Self {
        let mut bitfield = Self::new(len);
        bitfield.set_all();
        bitfield
    }

    /// The number of bits.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the bitfield has no bits at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether bit `index` is set; `false` past the end.
    #[must_use]
    pub fn get(&self, index: usize) -> bool {
        self.words
            .get(index / WORD_BITS)
            .is_some_and(|word| word >> (index % WORD_BITS) & 1 == 1)
    }

    /// Sets bit `index`; does nothing past the end.
    pub fn set(&mut self, index: usize) {
        if index < self.len {
            if let Some(word) = self.words.get_mut(index / WORD_BITS) {
                *word |= 1 << (index % WORD_BITS);
            }
        }
    }

    /// Clears bit `index`; does nothing past the end.
    pub fn clear_bit(&mut self, index: usize) {
        if let Some(word) = self.words.get_mut(index / WORD_BITS) {
            *word &= !(1 << (index % WORD_BITS));
        }
    }

    /// Sets every bit.
    pub fn set_all(&mut self) {
        self.words.fill(u64::MAX);
        self.clear_spare_bits();
    }

    /// Clears every bit.
    pub fn clear_all(&mut self) {
        self.words.fill(0);
    }

    /// The number of set bits.
    #[must_use]
    pub fn count_ones(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The number of clear bits.
    #[must_use]
    pub fn count_zeros(&self) -> usize {
        self.len - self.count_ones()
    }

    /// Whether every bit is set (true for an empty bitfield).
    #[must_use]
    pub fn all_set(&self) -> bool {
        self.count_ones() == self.len
    }

    /// Whether no bit is set (true for an empty bitfield).
    #[must_use]
    pub fn none_set(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// The indices of the set bits, in ascending order.
    #[must_use]
    pub fn iter_ones(&self) -> BitIndices<'_> {
        BitIndices::new(&self.words, self.len, false)
    }

    /// The indices of the clear bits, in ascending order.
    #[must_use]
    pub fn iter_zeros(&self) -> BitIndices<'_> {
        BitIndices::new(&self.words, self.len, true)
    }

    /// Changes the length to `new_len`, keeping the bits below both lengths; added bits are clear.
    pub fn resize(&mut self, new_len: usize) {
        self.words.resize(words_for(new_len), 0);
        self.len = new_len;
        self.clear_spare_bits();
    }

    /// Reads a bitfield of `len` bits in the wire layout.
    ///
    /// # Errors
    /// [`BitfieldError::InvalidSize`] when `bytes` is not exactly `ceil(len / 8)` bytes long, and
    /// [`BitfieldError::SpareBitsSet`] when a bit past `len` in the last byte is set.
    ///
    /// # Examples
    /// ```
    /// use lt_core::{Bitfield, BitfieldError};
    ///
    /// let bitfield = Bitfield::from_wire(&[0xff, 0x80], 9)?;
    /// assert!(bitfield.all_set());
    /// assert!(matches!(Bitfield::from_wire(&[0xff], 9), Err(BitfieldError::InvalidSize { .. })));
    /// # Ok::<(), BitfieldError>(())
    /// ```
    pub fn from_wire(bytes: &[u8], len: usize) -> Result<Self, BitfieldError> {
        let expected_bytes = len.div_ceil(8);
        if bytes.len() != expected_bytes {
            return Err(BitfieldError::InvalidSize {
                expected_bytes,
                actual_bytes: bytes.len(),
            });
        }
        let spare_bit_count = expected_bytes * 8 - len;
        let spare_bits_mask = (1u8 << spare_bit_count) - 1;
        if bytes
            .last()
            .is_some_and(|&last| last & spare_bits_mask != 0)
        {
            return Err(BitfieldError::SpareBitsSet);
        }
        let words = bytes
            .chunks(WORD_BITS / 8)
            .map(|chunk| {
                let mut word_bytes = [0u8; WORD_BITS / 8];
                word_bytes
                    .iter_mut()
                    .zip(chunk)
                    .for_each(|(to, from)| *to = *from);
                // Big-endian puts wire bit 0 at the top; reversing moves it to bit 0.
                u64::from_be_bytes(word_bytes).reverse_bits()
            })
            .collect();
        Ok(Self { words, len })
    }

    /// The number of bytes the bitfield takes on the wire: `ceil(len / 8)`.
    #[must_use]
    pub fn wire_len(&self) -> usize {
        self.len.div_ceil(8)
    }

    /// The bits in the wire layout, [`wire_len`](Self::wire_len) bytes with clear spare bits.
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_wire(&mut bytes);
        bytes
    }

    /// Appends the bits in the wire layout to `out`.
    pub fn write_wire(&self, out: &mut Vec<u8>) {
        let mut remaining = self.wire_len();
        out.reserve(remaining);
        for word in &self.words {
            let word_bytes = word.reverse_bits().to_be_bytes();
            let take = remaining.min(word_bytes.len());
            out.extend_from_slice(&word_bytes[..take]);
            remaining -= take;
        }
    }

    /// Whether some bit is set in both.
    #[must_use]
    pub fn intersects(&self, other: &Self) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .any(|(mine, theirs)| mine & theirs != 0)
    }

    /// Whether every bit set here is also set in `other`.
    #[must_use]
    pub fn is_subset_of(&self, other: &Self) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(position, mine)| mine & !other.words.get(position).copied().unwrap_or(0) == 0)
    }

    /// The number of bits set here and clear in `other`, such as the pieces a peer has that we
    /// lack (`theirs.count_ones_and_not(&ours)`).
    #[must_use]
    pub fn count_ones_and_not(&self, other: &Self) -> usize {
        self.words
            .iter()
            .enumerate()
            .map(|(position, mine)| {
                (mine & !other.words.get(position).copied().unwrap_or(0)).count_ones() as usize
            })
            .sum()
    }

    /// Sets every bit that is set in `other` (bitwise or).
    pub fn union_with(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(mine, theirs)| *mine |= theirs);
        self.clear_spare_bits();
    }

    /// Clears every bit that is clear in `other` (bitwise and).
    pub fn intersect_with(&mut self, other: &Self) {
        for (position, mine) in self.words.iter_mut().enumerate() {
            *mine &= other.words.get(position).copied().unwrap_or(0);
        }
    }

    /// Clears every bit that is set in `other` (bitwise and-not).
    pub fn difference_with(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(mine, theirs)| *mine &= !theirs);
    }

    /// Restores the invariant that bits at or past `len` are clear.
    fn clear_spare_bits(&mut self) {
        let used_bits = self.len % WORD_BITS;
        if used_bits != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1 << used_bits) - 1;
            }
        }
    }
}

/// Compact: the length and the number of set bits.
impl fmt::Debug for Bitfield {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Bitfield")
            .field("len", &self.len)
            .field("count_ones", &self.count_ones())
            .finish()
    }
}

/// Iterator over the indices of the set (or clear) bits of a [`Bitfield`], in ascending order.
///
/// Returned by [`Bitfield::iter_ones`] and [`Bitfield::iter_zeros`]; it skips a word of 64 bits
/// at a time.
#[derive(Debug, Clone)]
pub struct BitIndices<'a> {
    words: std::slice::Iter<'a, u64>,
    len: usize,
    invert: bool,
    /// Bits still to report from the current word, as set bits.
    current_word: u64,
    /// Index of bit 0 of the current word.
    current_start: usize,
    /// Index of bit 0 of the next word.
    next_start: usize,
}

impl<'a> BitIndices<'a> {
    fn new(words: &'a [u64], len: usize, invert: bool) -> Self {
        Self {
            words: words.iter(),
            len,
            invert,
            current_word: 0,
            current_start: 0,
            next_start: 0,
        }
    }
}

impl Iterator for BitIndices<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.current_word == 0 {
            let word = *self.words.next()?;
            self.current_word = if self.invert { !word } else { word };
            self.current_start = self.next_start;
            self.next_start += WORD_BITS;
        }
        let index = self.current_start + self.current_word.trailing_zeros() as usize;
        // Clear the lowest set bit.
        self.current_word &= self.current_word - 1;
        if index < self.len {
            Some(index)
        } else {
            // Only clear spare bits of the last word, inverted, reach here.
            self.current_word = 0;
            None
        }
    }
}

impl FusedIterator for BitIndices<'_> {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn from_bools(bits: &[bool]) -> Bitfield {
        let mut bitfield = Bitfield::new(bits.len());
        for (index, _) in bits.iter().enumerate().filter(|(_, &bit)| bit) {
            bitfield.set(index);
        }
        bitfield
    }

    /// Packs bits MSB-first, the obvious (slow) way.
    fn naive_wire(bits: &[bool]) -> Vec<u8> {
        let mut bytes = vec![0u8; bits.len().div_ceil(8)];
        for (index, &bit) in bits.iter().enumerate() {
            if bit {
                bytes[index / 8] |= 0x80 >> (index % 8);
            }
        }
        bytes
    }

    #[test]
    fn get_set_clear_and_out_of_range() {
        let mut bitfield = Bitfield::new(70);
        assert!(bitfield.none_set() && !bitfield.all_set());
        bitfield.set(0);
        bitfield.set(69);
        bitfield.set(70); // past the end: ignored
        bitfield.set(usize::MAX);
        assert!(bitfield.get(0) && bitfield.get(69));
        assert!(!bitfield.get(70) && !bitfield.get(usize::MAX));
        assert_eq!(bitfield.count_ones(), 2);
        assert_eq!(bitfield.count_zeros(), 68);
        bitfield.clear_bit(0);
        bitfield.clear_bit(usize::MAX);
        assert_eq!(bitfield.iter_ones().collect::<Vec<_>>(), [69]);
        assert_eq!(
            format!("{bitfield:?}"),
            "Bitfield { len: 70, count_ones: 1 }"
        );
    }

    #[test]
    fn set_all_and_clear_all_respect_the_length() {
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 128, 130] {
            let mut bitfield = Bitfield::with_all_set(len);
            assert!(bitfield.all_set());
            assert_eq!(bitfield.count_ones(), len);
            assert_eq!(bitfield.iter_zeros().count(), 0);
            assert_eq!(bitfield.to_wire(), naive_wire(&vec![true; len]));
            bitfield.clear_all();
            assert!(bitfield.none_set());
            assert_eq!(
                bitfield.iter_zeros().collect::<Vec<_>>(),
                (0..len).collect::<Vec<_>>()
            );
        }
        assert!(Bitfield::new(0).all_set() && Bitfield::new(0).is_empty());
    }

    #[test]
    fn wire_size_must_match() {
        assert_eq!(
            Bitfield::from_wire(&[0; 2], 17),
            Err(BitfieldError::InvalidSize {
                expected_bytes: 3,
                actual_bytes: 2
            })
        );
        assert_eq!(
            Bitfield::from_wire(&[0; 3], 16),
            Err(BitfieldError::InvalidSize {
                expected_bytes: 2,
                actual_bytes: 3
            })
        );
        assert_eq!(Bitfield::from_wire(&[], 0), Ok(Bitfield::new(0)));
        assert_eq!(
            BitfieldError::InvalidSize {
                expected_bytes: 3,
                actual_bytes: 2
            }
            .to_string(),
            "bitfield of invalid size (expected 3 bytes, got 2)"
        );
    }

    #[test]
    fn spare_bits_are_rejected() {
        assert_eq!(
            Bitfield::from_wire(&[0x01], 7),
            Err(BitfieldError::SpareBitsSet)
        );
        assert_eq!(
            Bitfield::from_wire(&[0xff, 0x40], 9),
            Err(BitfieldError::SpareBitsSet)
        );
        assert!(Bitfield::from_wire(&[0xff, 0x80], 9).is_ok());
        assert!(Bitfield::from_wire(&[0xff], 8).is_ok());
        assert_eq!(
            BitfieldError::SpareBitsSet.to_string(),
            "bitfield has spare bits set"
        );
    }

    #[test]
    fn resize_keeps_low_bits_and_clears_new_ones() {
        let mut bitfield = Bitfield::with_all_set(100);
        bitfield.resize(10);
        assert_eq!(bitfield, Bitfield::with_all_set(10));
        bitfield.resize(200);
        assert_eq!(bitfield.count_ones(), 10);
        assert_eq!(bitfield.iter_ones().last(), Some(9));
        assert_eq!(bitfield.len(), 200);
    }

    #[test]
    fn binary_operations_with_different_lengths() {
        let long = Bitfield::with_all_set(100);
        let mut short = Bitfield::new(10);
        short.set(3);
        assert!(short.intersects(&long) && short.is_subset_of(&long));
        assert!(!long.is_subset_of(&short));
        assert_eq!(long.count_ones_and_not(&short), 99);
        assert_eq!(short.count_ones_and_not(&long), 0);
        let mut union = short.clone();
        union.union_with(&long);
        assert_eq!(union, Bitfield::with_all_set(10));
        let mut intersection = long.clone();
        intersection.intersect_with(&short);
        assert_eq!(intersection.iter_ones().collect::<Vec<_>>(), [3]);
        let mut difference = long.clone();
        difference.difference_with(&short);
        assert_eq!(difference.count_ones(), 99);
        assert!(!difference.get(3));
    }

    proptest! {
        #[test]
        fn wire_round_trip(bits in prop::collection::vec(any::<bool>(), 0..300)) {
            let bitfield = from_bools(&bits);
            let wire = bitfield.to_wire();
            prop_assert_eq!(&wire, &naive_wire(&bits));
            prop_assert_eq!(wire.len(), bitfield.wire_len());
            prop_assert_eq!(Bitfield::from_wire(&wire, bits.len()), Ok(bitfield));
        }

        #[test]
        fn from_wire_matches_get(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let len = bytes.len() * 8;
            let bitfield = Bitfield::from_wire(&bytes, len).unwrap();
            for index in 0..len {
                let expected = bytes[index / 8] & (0x80 >> (index % 8)) != 0;
                prop_assert_eq!(bitfield.get(index), expected);
            }
            prop_assert_eq!(bitfield.to_wire(), bytes);
        }

        #[test]
        fn counting_and_iteration_match_get(bits in prop::collection::vec(any::<bool>(), 0..300)) {
            let bitfield = from_bools(&bits);
            let ones: Vec<usize> = (0..bits.len()).filter(|&index| bits[index]).collect();
            let zeros: Vec<usize> = (0..bits.len()).filter(|&index| !bits[index]).collect();
            prop_assert_eq!(bitfield.iter_ones().collect::<Vec<_>>(), ones.clone());
            prop_assert_eq!(bitfield.iter_zeros().collect::<Vec<_>>(), zeros);
            prop_assert_eq!(bitfield.count_ones(), ones.len());
            prop_assert_eq!(bitfield.all_set(), ones.len() == bits.len());
            prop_assert_eq!(bitfield.none_set(), ones.is_empty());
            for (index, &bit) in bits.iter().enumerate() {
                prop_assert_eq!(bitfield.get(index), bit);
            }
        }

        #[test]
        fn binary_operations_match_a_naive_model(
            left in prop::collection::vec(any::<bool>(), 0..200),
            right in prop::collection::vec(any::<bool>(), 0..200),
        ) {
            let (left_bits, right_bits) = (from_bools(&left), from_bools(&right));
            let right_at = |index: usize| right.get(index).copied().unwrap_or(false);
            let model = |combine: fn(bool, bool) -> bool| -> Vec<bool> {
                left.iter().enumerate().map(|(index, &bit)| combine(bit, right_at(index))).collect()
            };
            let mut union = left_bits.clone();
            union.union_with(&right_bits);
            prop_assert_eq!(union, from_bools(&model(|a, b| a | b)));
            let mut intersection = left_bits.clone();
            intersection.intersect_with(&right_bits);
            prop_assert_eq!(&intersection, &from_bools(&model(|a, b| a & b)));
            let mut difference = left_bits.clone();
            difference.difference_with(&right_bits);
            prop_assert_eq!(&difference, &from_bools(&model(|a, b| a & !b)));
            prop_assert_eq!(left_bits.count_ones_and_not(&right_bits), difference.count_ones());
            prop_assert_eq!(left_bits.intersects(&right_bits), !intersection.none_set());
            prop_assert_eq!(left_bits.is_subset_of(&right_bits), difference.none_set());
        }
    }
}
