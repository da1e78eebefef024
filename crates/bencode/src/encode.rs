//! Canonical encoding: the primitive writers and a streaming [`Encoder`] into any `io::Write`.

use std::io;

/// Appends `i<number>e`.
pub(crate) fn write_int(out: &mut Vec<u8>, number: i64) {
    out.push(b'i');
    write_decimal(out, number);
    out.push(b'e');
}

/// Appends `<len>:<bytes>`.
pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_decimal(out, bytes.len() as i64);
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Appends the decimal digits of `number` (with a `-` for negatives).
pub(crate) fn write_decimal(out: &mut Vec<u8>, number: i64) {
    if number < 0 {
        out.push(b'-');
    }
    write_unsigned(out, number.unsigned_abs());
}

/// Appends the decimal digits of `number`.
pub(crate) fn write_unsigned(out: &mut Vec<u8>, mut number: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Why the streaming [`Encoder`] refused a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A dictionary key did not sort strictly after the key before it (canonical order).
    #[error("dictionary key is not after the previous key in byte order")]
    UnsortedKey,
    /// A value was written in a dictionary where a key belongs.
    #[error("expected a dictionary key")]
    ExpectedKey,
    /// A key was written where a value belongs, or a dictionary was closed after a key.
    #[error("expected a value for the dictionary key")]
    ExpectedValue,
    /// `end` was called with nothing open, or a second root value was started.
    #[error("no open list or dictionary to end")]
    Unbalanced,
    /// `finish` was called before the root value was complete.
    #[error("the value is incomplete: {open} list(s) or dictionary(ies) still open")]
    Incomplete {
        /// How many are still open.
        open: usize,
    },
    /// The writer failed.
    #[error("write failed: {0}")]
    Io(#[from] io::Error),
}

#[derive(Debug)]
enum Open {
    List,
    /// A dictionary; `last_key` is the previous key, `expects_value` says a key was just written.
    Dict {
        last_key: Option<Vec<u8>>,
        expects_value: bool,
    },
}

/// Writes canonical bencoding straight into an `io::Write`, without building a [`Value`].
///
/// It checks as it goes that dictionary keys arrive in canonical (raw byte) order and that keys
/// and values alternate, so what it writes always decodes strictly.
///
/// [`Value`]: crate::Value
///
/// # Examples
/// ```
/// let mut encoder = lt_bencode::Encoder::new(Vec::new());
/// encoder.begin_dict()?;
/// encoder.key(b"a")?;
/// encoder.int(1)?;
/// encoder.key(b"b")?;
/// encoder.begin_list()?;
/// encoder.bytes(b"spam")?;
/// encoder.end()?;
/// encoder.end()?;
/// assert_eq!(encoder.finish()?, b"d1:ai1e1:bl4:spamee");
/// # Ok::<(), lt_bencode::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct Encoder<W: io::Write> {
    writer: W,
    open: Vec<Open>,
    root_done: bool,
    scratch: Vec<u8>,
}

impl<W: io::Write> Encoder<W> {
    /// An encoder writing into `writer`.
    pub fn new(writer: W) -> Self {
        Self {
            writer,
            open: Vec::new(),
            root_done: false,
            scratch: Vec::with_capacity(32),
        }
    }

    /// Writes an integer.
    ///
    /// # Errors
    /// [`EncodeError::ExpectedKey`] where a dictionary key belongs; write failures.
    pub fn int(&mut self, number: i64) -> Result<(), EncodeError> {
        self.before_value()?;
        self.scratch.clear();
        write_int(&mut self.scratch, number);
        self.writer.write_all(&self.scratch)?;
        Ok(())
    }

    /// Writes a byte string.
    ///
    /// # Errors
    /// As [`Encoder::int`].
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.before_value()?;
        self.write_string(bytes)
    }

    /// Writes a UTF-8 string.
    ///
    /// # Errors
    /// As [`Encoder::int`].
    pub fn str(&mut self, text: &str) -> Result<(), EncodeError> {
        self.bytes(text.as_bytes())
    }

    /// Writes an owned or decoded value as it is (re-encoded canonically).
    ///
    /// # Errors
    /// As [`Encoder::int`].
    pub fn value(&mut self, value: &crate::Value) -> Result<(), EncodeError> {
        self.before_value()?;
        self.scratch.clear();
        value.encode_into(&mut self.scratch);
        self.writer.write_all(&self.scratch)?;
        Ok(())
    }

    /// Opens a list; close it with [`Encoder::end`].
    ///
    /// # Errors
    /// As [`Encoder::int`].
    pub fn begin_list(&mut self) -> Result<(), EncodeError> {
        self.before_value()?;
        self.writer.write_all(b"l")?;
        self.open.push(Open::List);
        Ok(())
    }

    /// Opens a dictionary; write [`Encoder::key`] and a value for each entry, in key order,
    /// then [`Encoder::end`].
    ///
    /// # Errors
    /// As [`Encoder::int`].
    pub fn begin_dict(&mut self) -> Result<(), EncodeError> {
        self.before_value()?;
        self.writer.write_all(b"d")?;
        self.open.push(Open::Dict {
            last_key: None,
            expects_value: false,
        });
        Ok(())
    }

    /// Writes the next dictionary key.
    ///
    /// # Errors
    /// [`EncodeError::UnsortedKey`] if `key` does not sort after the previous key;
    /// [`EncodeError::ExpectedValue`] outside a dictionary or right after another key.
    pub fn key(&mut self, key: &[u8]) -> Result<(), EncodeError> {
        match self.open.last_mut() {
            Some(Open::Dict {
                last_key,
                expects_value,
            }) => {
                if *expects_value {
                    return Err(EncodeError::ExpectedValue);
                }
                if last_key.as_deref().is_some_and(|last| last >= key) {
                    return Err(EncodeError::UnsortedKey);
                }
                match last_key {
                    Some(last) => {
                        last.clear();
                        last.extend_from_slice(key);
                    }
                    None => *last_key = Some(key.to_vec()),
                }
                *expects_value = true;
            }
            _ => return Err(EncodeError::ExpectedValue),
        }
        self.write_string(key)
    }

    /// Closes the innermost open list or dictionary.
    ///
    /// # Errors
    /// [`EncodeError::Unbalanced`] with nothing open; [`EncodeError::ExpectedValue`] when a
    /// dictionary key has no value yet.
    pub fn end(&mut self) -> Result<(), EncodeError> {
        match self.open.last() {
            None => return Err(EncodeError::Unbalanced),
            Some(Open::Dict {
                expects_value: true,
                ..
            }) => return Err(EncodeError::ExpectedValue),
            Some(_) => {}
        }
        self.open.pop();
        self.writer.write_all(b"e")?;
        if self.open.is_empty() {
            self.root_done = true;
        }
        Ok(())
    }

    /// Checks that the root value is complete and returns the writer.
    ///
    /// # Errors
    /// [`EncodeError::Incomplete`] when lists or dictionaries are still open or nothing was
    /// written.
    pub fn finish(mut self) -> Result<W, EncodeError> {
        if !self.open.is_empty() || !self.root_done {
            return Err(EncodeError::Incomplete {
                open: self.open.len(),
            });
        }
        self.writer.flush()?;
        Ok(self.writer)
    }

    fn write_string(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.scratch.clear();
        write_decimal(&mut self.scratch, bytes.len() as i64);
        self.scratch.push(b':');
        self.writer.write_all(&self.scratch)?;
        self.writer.write_all(bytes)?;
        Ok(())
    }

    /// Checks that a value may come next and records that it did.
    fn before_value(&mut self) -> Result<(), EncodeError> {
        match self.open.last_mut() {
            None if self.root_done => Err(EncodeError::Unbalanced),
            None => {
                self.root_done = true;
                Ok(())
            }
            Some(Open::List) => Ok(()),
            Some(Open::Dict { expects_value, .. }) => {
                if !*expects_value {
                    return Err(EncodeError::ExpectedKey);
                }
                *expects_value = false;
                Ok(())
            }
        }
    }
}
