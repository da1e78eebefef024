//! serde deserialization straight from bencoded bytes, borrowing strings from the input.
//!
//! The mapping mirrors the serializer's (see [`to_bytes`](crate::to_bytes)); in addition a
//! string can be read as a sequence of `u8` (so `Vec<u8>` and `[u8; N]` fields work without
//! helper crates), and a dictionary key can be read as an integer when it holds decimal text.
//! Decoding errors carry libtorrent's messages and byte offsets; the same depth limit as
//! [`bdecode`](crate::bdecode) applies.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::decode::{scan_integer, scan_string, DecodeOptions};
use crate::error::BdecodeErrorKind;
use crate::serde_error::Error;

/// Deserializes a `T` from bencoded bytes, borrowing `&str` and `&[u8]` fields from `input`.
///
/// The whole input must be one value: bytes after it give
/// [`BdecodeErrorKind::TrailingData`].
///
/// # Errors
/// [`Error::Decode`] for invalid bencoding (libtorrent's message and offset),
/// [`Error::Mismatch`] when the value does not fit `T` (with the offset of the value).
///
/// # Examples
/// ```
/// #[derive(serde::Deserialize)]
/// struct Ping<'a> { y: &'a str, t: &'a [u8], a: Option<i64> }
///
/// let ping: Ping<'_> = lt_bencode::from_bytes(b"d1:t2:aa1:y1:qe")?;
/// assert_eq!((ping.y, ping.t, ping.a), ("q", &b"aa"[..], None));
/// # Ok::<(), lt_bencode::Error>(())
/// ```
pub fn from_bytes<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, Error> {
    let mut deserializer = Deserializer::new(input);
    let value = T::deserialize(&mut deserializer).map_err(|e| deserializer.locate(e))?;
    deserializer.end()?;
    Ok(value)
}

/// A serde `Deserializer` over bencoded bytes.
#[derive(Debug)]
pub struct Deserializer<'de> {
    input: &'de [u8],
    pos: usize,
    depth: usize,
    depth_limit: usize,
    /// Offset of the value most recently started, for locating errors from visitors.
    value_start: usize,
}

impl<'de> Deserializer<'de> {
    /// A deserializer over `input` with libtorrent's default depth limit.
    pub fn new(input: &'de [u8]) -> Self {
        Self::with_depth_limit(input, DecodeOptions::DEFAULT_DEPTH_LIMIT)
    }

    /// A deserializer over `input` that fails past `depth_limit` nested lists and dictionaries.
    pub fn with_depth_limit(input: &'de [u8], depth_limit: usize) -> Self {
        Self {
            input,
            pos: 0,
            depth: 0,
            depth_limit,
            value_start: 0,
        }
    }

    /// How many bytes have been consumed.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Checks that the whole input was consumed.
    ///
    /// # Errors
    /// [`BdecodeErrorKind::TrailingData`] at the first byte not consumed.
    pub fn end(&self) -> Result<(), Error> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(Error::decode(BdecodeErrorKind::TrailingData, self.pos))
        }
    }

    /// Gives a visitor's error the offset of the value it was about.
    fn locate(&self, error: Error) -> Error {
        match error {
            Error::Custom(message) => Error::Mismatch {
                message,
                offset: self.value_start,
            },
            other => other,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Starts a value: checks there is one and records where.
    fn start_value(&mut self) -> Result<u8, Error> {
        self.value_start = self.pos;
        self.peek()
            .ok_or(Error::decode(BdecodeErrorKind::UnexpectedEof, self.pos))
    }

    fn parse_string(&mut self) -> Result<&'de [u8], Error> {
        let start = self.pos;
        let (header, end) = scan_string(self.input, start)?;
        self.pos = end;
        Ok(self
            .input
            .get(start + header as usize..end)
            .unwrap_or_default())
    }

    /// Parses an integer (the next byte is `i`) into an i128 so all of u64 fits.
    fn parse_integer(&mut self) -> Result<i128, Error> {
        let start = self.pos;
        let end = scan_integer(self.input, start + 1)?;
        self.pos = end + 1;
        let text = self.input.get(start + 1..end).unwrap_or_default();
        parse_decimal(text).ok_or(Error::decode(BdecodeErrorKind::Overflow, start))
    }

    /// Steps into a list or dictionary. Like `bdecode`, fails once `depth_limit` containers are
    /// open and another item follows (at that item's offset).
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        self.pos += 1;
        if self.depth >= self.depth_limit {
            let kind = if self.pos >= self.input.len() {
                BdecodeErrorKind::UnexpectedEof
            } else {
                BdecodeErrorKind::DepthExceeded
            };
            return Err(Error::decode(kind, self.pos));
        }
        Ok(())
    }

    /// Consumes the `e` that closes a list or dictionary.
    fn leave(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'e') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(())
            }
            None => Err(Error::decode(BdecodeErrorKind::UnexpectedEof, self.pos)),
            Some(_) => Err(Error::Mismatch {
                message: "the list has more items than expected".into(),
                offset: self.pos,
            }),
        }
    }

    /// Skips one complete value, checking it as `bdecode` would.
    fn skip_value(&mut self) -> Result<(), Error> {
        let base_depth = self.depth;
        loop {
            match self.start_value()? {
                b'i' => {
                    self.parse_integer()?;
                }
                b'0'..=b'9' => {
                    self.parse_string()?;
                }
                b'l' | b'd' => self.enter()?,
                b'e' if self.depth > base_depth => {
                    self.pos += 1;
                    self.depth -= 1;
                }
                b'e' => return Err(Error::decode(BdecodeErrorKind::UnexpectedEof, self.pos)),
                _ => return Err(Error::decode(BdecodeErrorKind::ExpectedValue, self.pos)),
            }
            if self.depth == base_depth {
                return Ok(());
            }
        }
    }

    fn visit_integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let number = self.parse_integer()?;
        if let Ok(small) = i64::try_from(number) {
            visitor.visit_i64(small)
        } else if let Ok(large) = u64::try_from(number) {
            visitor.visit_u64(large)
        } else {
            Err(Error::decode(BdecodeErrorKind::Overflow, self.value_start))
        }
    }

    fn invalid_type<V: Visitor<'de>>(&mut self, found: u8, visitor: &V) -> Error {
        let unexpected = match found {
            b'i' => de::Unexpected::Other("integer"),
            b'l' => de::Unexpected::Seq,
            b'd' => de::Unexpected::Map,
            _ => de::Unexpected::Other("byte string"),
        };
        self.locate(de::Error::invalid_type(unexpected, visitor))
    }
}

/// Parses optional `-` and decimal digits (at most 20, as `scan_integer` guarantees).
fn parse_decimal(text: &[u8]) -> Option<i128> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let mut value: i128 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i128::from(byte - b'0');
    }
    Some(if negative { -value } else { value })
}

macro_rules! forward_integers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.start_value()? {
                b'i' => self.visit_integer(visitor),
                other => Err(self.invalid_type(other, &visitor)),
            }
        })*
    };
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    /// Bencoding is a binary format: hashes and ids come as raw bytes.
    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'i' => self.visit_integer(visitor),
            b'0'..=b'9' => visitor.visit_borrowed_bytes(self.parse_string()?),
            b'l' => self.deserialize_seq(visitor),
            b'd' => self.deserialize_map(visitor),
            _ => Err(Error::decode(BdecodeErrorKind::ExpectedValue, self.pos)),
        }
    }

    forward_integers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_i128 deserialize_u128);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'i' => match self.parse_integer()? {
                0 => visitor.visit_bool(false),
                1 => visitor.visit_bool(true),
                other => Err(self.locate(de::Error::invalid_value(
                    de::Unexpected::Signed(other as i64),
                    &"0 or 1",
                ))),
            },
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error::Unsupported("floating point numbers"))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error::Unsupported("floating point numbers"))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'0'..=b'9' => {
                let bytes = self.parse_string()?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => visitor.visit_borrowed_str(text),
                    Err(_) => Err(self.locate(de::Error::invalid_value(
                        de::Unexpected::Bytes(bytes),
                        &"a UTF-8 string",
                    ))),
                }
            }
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'0'..=b'9' => visitor.visit_borrowed_bytes(self.parse_string()?),
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    /// Bencoding has no null: a present value is always `Some`; absent struct fields are `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error::Unsupported("()"))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Error> {
        Err(Error::Unsupported("unit structs"))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'l' => {
                self.enter()?;
                let value = visitor.visit_seq(ListAccess { de: &mut *self })?;
                self.leave()?;
                Ok(value)
            }
            b'0'..=b'9' => {
                let bytes = self.parse_string()?;
                visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                    bytes.iter().copied(),
                ))
            }
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'd' => {
                self.enter()?;
                let value = visitor.visit_map(DictAccess { de: &mut *self })?;
                self.leave()?;
                Ok(value)
            }
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'0'..=b'9' => {
                let name = self.parse_string()?;
                let name = std::str::from_utf8(name).map_err(|_| {
                    self.locate(de::Error::invalid_value(
                        de::Unexpected::Bytes(name),
                        &"a variant name",
                    ))
                })?;
                visitor.visit_enum(name.into_deserializer())
            }
            b'd' => {
                self.enter()?;
                let value = visitor.visit_enum(VariantAccess { de: &mut *self })?;
                self.leave()?;
                Ok(value)
            }
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.start_value()? {
            b'0'..=b'9' => {
                let bytes = self.parse_string()?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => visitor.visit_borrowed_str(text),
                    Err(_) => visitor.visit_borrowed_bytes(bytes),
                }
            }
            other => Err(self.invalid_type(other, &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip_value()?;
        visitor.visit_unit()
    }
}

/// The items of a list; stops at (without consuming) the closing `e`.
struct ListAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::SeqAccess<'de> for ListAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.de.peek() {
            Some(b'e') => Ok(None),
            None => Err(Error::decode(BdecodeErrorKind::UnexpectedEof, self.de.pos)),
            Some(_) => seed.deserialize(&mut *self.de).map(Some),
        }
    }
}

/// The entries of a dictionary; stops at (without consuming) the closing `e`.
struct DictAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::MapAccess<'de> for DictAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.de.peek() {
            Some(b'e') => Ok(None),
            None => Err(Error::decode(BdecodeErrorKind::UnexpectedEof, self.de.pos)),
            Some(byte) if byte.is_ascii_digit() => seed
                .deserialize(KeyDeserializer { de: &mut *self.de })
                .map(Some),
            Some(_) => Err(Error::decode(BdecodeErrorKind::ExpectedDigit, self.de.pos)),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.de.peek() {
            Some(b'e') => Err(Error::decode(BdecodeErrorKind::ExpectedValue, self.de.pos)),
            _ => seed.deserialize(&mut *self.de),
        }
    }
}

/// An enum written as a one-key dictionary `{variant: content}`.
struct VariantAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        match self.de.peek() {
            Some(byte) if byte.is_ascii_digit() => {
                let variant = seed.deserialize(&mut *self.de)?;
                Ok((variant, self))
            }
            None => Err(Error::decode(BdecodeErrorKind::UnexpectedEof, self.de.pos)),
            Some(_) => Err(Error::decode(BdecodeErrorKind::ExpectedDigit, self.de.pos)),
        }
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Err(Error::Mismatch {
            message: "expected a unit variant as a plain string".into(),
            offset: self.de.pos,
        })
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}

/// Reads a dictionary key; integer requests parse the key's decimal text.
struct KeyDeserializer<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

macro_rules! key_integers {
    ($($method:ident => $visit:ident: $ty:ty,)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.de.start_value()?;
            let text = self.de.parse_string()?;
            let number = std::str::from_utf8(text).ok().and_then(|t| t.parse::<$ty>().ok());
            match number {
                Some(number) => visitor.$visit(number),
                None => Err(self.de.locate(de::Error::invalid_value(de::Unexpected::Bytes(text), &visitor))),
            }
        })*
    };
}

impl<'de> de::Deserializer<'de> for KeyDeserializer<'_, 'de> {
    type Error = Error;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.de, visitor)
    }

    key_integers! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_str(&mut *self.de, visitor)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_str(&mut *self.de, visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_bytes(&mut *self.de, visitor)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_bytes(&mut *self.de, visitor)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_unit(&mut *self.de, visitor)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_unit_struct(&mut *self.de, name, visitor)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(&mut *self.de, len, visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple_struct(&mut *self.de, name, len, visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(&mut *self.de, name, fields, visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(&mut *self.de, name, variants, visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_identifier(&mut *self.de, visitor)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_ignored_any(&mut *self.de, visitor)
    }
}
