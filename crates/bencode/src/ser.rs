//! serde serialization to canonical bencoding.
//!
//! Mapping: integers and `bool` (0/1) become integers; `str`, `char` and bytes become strings;
//! sequences and tuples become lists; maps and structs become dictionaries with their keys
//! sorted by raw bytes (map keys may be strings, bytes or integers, which are written as their
//! decimal text); `None` fields are left out; newtypes are transparent; enum variants are
//! written as the variant name (unit variants) or a one-key dictionary `{name: content}`.
//! Floats, `()` and `None` outside a struct field cannot be represented and give an error.

use std::io;
use std::ops::Range;

use serde::ser::{self, Serialize};

use crate::encode::{write_bytes, write_decimal, write_int, write_unsigned};
use crate::serde_error::Error;

/// Serializes `value` to canonical bencoding.
///
/// # Errors
/// [`Error::Unsupported`] for types bencoding cannot represent, [`Error::KeyMustBeString`] and
/// [`Error::DuplicateKey`] for unusable map keys, and errors raised by `value`'s `Serialize`.
///
/// # Examples
/// ```
/// #[derive(serde::Serialize)]
/// struct Ping<'a> { y: &'a str, q: &'a str, t: &'a str }
///
/// let bytes = lt_bencode::to_bytes(&Ping { y: "q", q: "ping", t: "aa" })?;
/// assert_eq!(bytes, b"d1:q4:ping1:t2:aa1:y1:qe");
/// # Ok::<(), lt_bencode::Error>(())
/// ```
pub fn to_bytes<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    value.serialize(Serializer::new(&mut out))?;
    if out.is_empty() {
        return Err(Error::Unsupported("a top-level None"));
    }
    Ok(out)
}

/// Serializes `value` to canonical bencoding into `writer`.
///
/// Dictionaries are sorted before they are written, so the value is assembled in memory and
/// then written in one call.
///
/// # Errors
/// As [`to_bytes`], plus [`Error::Io`] when writing fails.
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    mut writer: W,
    value: &T,
) -> Result<(), Error> {
    let bytes = to_bytes(value)?;
    writer.write_all(&bytes)?;
    Ok(())
}

/// A serde `Serializer` that appends canonical bencoding to a `Vec<u8>`.
#[derive(Debug)]
pub struct Serializer<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> Serializer<'o> {
    /// A serializer appending to `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        Self { out }
    }
}

impl<'o> ser::Serializer for Serializer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ListSerializer<'o>;
    type SerializeTuple = ListSerializer<'o>;
    type SerializeTupleStruct = ListSerializer<'o>;
    type SerializeTupleVariant = ListSerializer<'o>;
    type SerializeMap = DictSerializer<'o>;
    type SerializeStruct = DictSerializer<'o>;
    type SerializeStructVariant = DictSerializer<'o>;

    /// Bencoding is a binary format: hashes and ids serialize as raw bytes.
    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        write_int(self.out, i64::from(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_int(self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.out.push(b'i');
        write_unsigned(self.out, v);
        self.out.push(b'e');
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(Error::Unsupported("floating point numbers"))
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(Error::Unsupported("floating point numbers"))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_bytes(self.out, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        write_bytes(self.out, v);
        Ok(())
    }
    /// Writes nothing: the enclosing struct leaves the field out.
    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(Error::Unsupported("()"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(Error::Unsupported("unit structs"))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'd');
        write_bytes(self.out, variant.as_bytes());
        let before = self.out.len();
        value.serialize(Serializer::new(self.out))?;
        if self.out.len() == before {
            return Err(Error::Unsupported("None as an enum variant's content"));
        }
        self.out.push(b'e');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<ListSerializer<'o>, Error> {
        self.out.push(b'l');
        Ok(ListSerializer {
            out: self.out,
            close_variant: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<ListSerializer<'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<ListSerializer<'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<ListSerializer<'o>, Error> {
        self.out.push(b'd');
        write_bytes(self.out, variant.as_bytes());
        self.out.push(b'l');
        Ok(ListSerializer {
            out: self.out,
            close_variant: true,
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<DictSerializer<'o>, Error> {
        Ok(DictSerializer::new(self.out, false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<DictSerializer<'o>, Error> {
        Ok(DictSerializer::new(self.out, false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<DictSerializer<'o>, Error> {
        self.out.push(b'd');
        write_bytes(self.out, variant.as_bytes());
        Ok(DictSerializer::new(self.out, true))
    }
}

/// Serializes the items of a list (sequences, tuples, tuple structs and tuple variants).
#[derive(Debug)]
pub struct ListSerializer<'o> {
    out: &'o mut Vec<u8>,
    /// A tuple variant: close the variant's one-key dictionary too.
    close_variant: bool,
}

impl ListSerializer<'_> {
    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let before = self.out.len();
        value.serialize(Serializer::new(self.out))?;
        if self.out.len() == before {
            return Err(Error::Unsupported("None inside a list"));
        }
        Ok(())
    }

    fn close(self) -> Result<(), Error> {
        self.out.push(b'e');
        if self.close_variant {
            self.out.push(b'e');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for ListSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// Serializes a dictionary (maps, structs and struct variants): entries are collected, sorted
/// by key and written when it ends.
#[derive(Debug)]
pub struct DictSerializer<'o> {
    out: &'o mut Vec<u8>,
    /// Encoded values, back to back.
    values: Vec<u8>,
    /// Each entry's key and where its value sits in `values`.
    entries: Vec<(Vec<u8>, Range<usize>)>,
    /// A map key waiting for its value.
    pending_key: Option<Vec<u8>>,
    close_variant: bool,
}

impl<'o> DictSerializer<'o> {
    fn new(out: &'o mut Vec<u8>, close_variant: bool) -> Self {
        Self {
            out,
            values: Vec::new(),
            entries: Vec::new(),
            pending_key: None,
            close_variant,
        }
    }

    fn entry<T: ?Sized + Serialize>(&mut self, key: Vec<u8>, value: &T) -> Result<(), Error> {
        let start = self.values.len();
        value.serialize(Serializer::new(&mut self.values))?;
        // A value that wrote nothing was a None: leave the entry out.
        if self.values.len() > start {
            self.entries.push((key, start..self.values.len()));
        }
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        self.entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = self.entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(Error::DuplicateKey(
                String::from_utf8_lossy(&pair[0].0).into_owned(),
            ));
        }
        self.out.push(b'd');
        for (key, range) in &self.entries {
            write_bytes(self.out, key);
            self.out
                .extend_from_slice(self.values.get(range.clone()).unwrap_or_default());
        }
        self.out.push(b'e');
        if self.close_variant {
            self.out.push(b'e');
        }
        Ok(())
    }
}

impl ser::SerializeMap for DictSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.pending_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending_key
            .take()
            .ok_or(Error::Custom("map value without a key".into()))?;
        self.entry(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for DictSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.entry(key.as_bytes().to_vec(), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for DictSerializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.entry(key.as_bytes().to_vec(), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// Turns a map key into the bytes of a dictionary key.
struct KeySerializer;

impl KeySerializer {
    fn decimal(number: i64) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        write_decimal(&mut out, number);
        Ok(out)
    }
}

impl ser::Serializer for KeySerializer {
    type Ok = Vec<u8>;
    type Error = Error;
    type SerializeSeq = ser::Impossible<Vec<u8>, Error>;
    type SerializeTuple = ser::Impossible<Vec<u8>, Error>;
    type SerializeTupleStruct = ser::Impossible<Vec<u8>, Error>;
    type SerializeTupleVariant = ser::Impossible<Vec<u8>, Error>;
    type SerializeMap = ser::Impossible<Vec<u8>, Error>;
    type SerializeStruct = ser::Impossible<Vec<u8>, Error>;
    type SerializeStructVariant = ser::Impossible<Vec<u8>, Error>;

    fn serialize_bool(self, _: bool) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_i8(self, v: i8) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Vec<u8>, Error> {
        Self::decimal(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Vec<u8>, Error> {
        Self::decimal(i64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        write_unsigned(&mut out, v);
        Ok(out)
    }
    fn serialize_f32(self, _: f32) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_f64(self, _: f64) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_char(self, v: char) -> Result<Vec<u8>, Error> {
        Ok(v.to_string().into_bytes())
    }
    fn serialize_str(self, v: &str) -> Result<Vec<u8>, Error> {
        Ok(v.as_bytes().to_vec())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(v.to_vec())
    }
    fn serialize_none(self) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Vec<u8>, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Vec<u8>, Error> {
        Ok(variant.as_bytes().to_vec())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Vec<u8>, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Vec<u8>, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(Error::KeyMustBeString)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error::KeyMustBeString)
    }
}
