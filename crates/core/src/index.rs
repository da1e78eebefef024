//! Typed indices ([`PieceIndex`], [`FileIndex`]) and the block size of the wire protocol.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The size in bytes of a block, the unit peers request pieces in: 16 KiB (BEP 3). Only the last
/// block of a piece may be shorter.
pub const BLOCK_SIZE: u32 = 16 * 1024;

/// Defines a `u32` index newtype with its conversions and formatting.
macro_rules! define_index {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            /// Wraps a raw index.
            #[must_use]
            pub const fn new(index: u32) -> Self {
                Self(index)
            }

            /// The raw index.
            #[must_use]
            pub const fn get(self) -> u32 {
                self.0
            }

            /// The index as a `usize`, for indexing slices.
            #[must_use]
            pub const fn as_usize(self) -> usize {
                // Lossless: lt supports only targets where usize has at least 32 bits.
                self.0 as usize
            }
        }

        impl From<u32> for $name {
            fn from(index: u32) -> Self {
                Self(index)
            }
        }

        impl From<$name> for u32 {
            fn from(index: $name) -> Self {
                index.0
            }
        }

        /// The bare number.
        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, formatter)
            }
        }
    };
}

define_index! {
    /// The zero-based index of a piece in a torrent.
    ///
    /// # Examples
    /// ```
    /// let piece = lt_core::PieceIndex::new(7);
    /// assert_eq!((piece.get(), piece.as_usize(), piece.to_string()), (7, 7, "7".to_owned()));
    /// ```
    PieceIndex
}

define_index! {
    /// The zero-based index of a file in a torrent's file list (pad files included).
    ///
    /// # Examples
    /// ```
    /// let file = lt_core::FileIndex::from(2);
    /// assert_eq!(u32::from(file), 2);
    /// ```
    FileIndex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_order() {
        assert_eq!(PieceIndex::from(3), PieceIndex::new(3));
        assert_eq!(u32::from(FileIndex::new(u32::MAX)), u32::MAX);
        assert!(PieceIndex::new(1) < PieceIndex::new(2));
        assert_eq!(format!("{:>3}", PieceIndex::new(5)), "  5");
        assert_eq!(format!("{:?}", FileIndex::new(5)), "FileIndex(5)");
        assert_eq!(BLOCK_SIZE, 16_384);
    }

    #[test]
    fn serde_is_the_bare_number() {
        assert_eq!(serde_json::to_string(&PieceIndex::new(42)).unwrap(), "42");
        assert_eq!(
            serde_json::from_str::<FileIndex>("9").unwrap(),
            FileIndex::new(9)
        );
        assert!(serde_json::from_str::<FileIndex>("-1").is_err());
    }
}
