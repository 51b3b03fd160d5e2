//! Records read one at a time, with the position of every field.

use std::io::Read;

use homeostat_core::Timestamp;

use super::FORMAT;
use crate::error::{Error, Position, Result};

/// One record with the position of its first byte.
#[derive(Debug)]
pub(super) struct Record {
    fields: csv::ByteRecord,
    pub(super) position: Position,
}

impl Record {
    pub(super) fn len(&self) -> usize {
        self.fields.len()
    }

    /// The raw bytes of field `i` (empty when there is no such field).
    fn bytes(&self, i: usize) -> &[u8] {
        self.fields.get(i).unwrap_or_default()
    }

    /// How many bytes of spaces precede the text of field `i`.
    pub(super) fn leading_space(&self, i: usize) -> usize {
        let bytes = self.bytes(i);
        bytes.len() - bytes.trim_ascii_start().len()
    }

    /// Field `i` as lossy text, for messages.
    pub(super) fn text(&self, i: usize) -> String {
        String::from_utf8_lossy(self.bytes(i)).into_owned()
    }

    /// Field `i`, trimmed; a positioned error when it is not UTF-8.
    pub(super) fn field(&self, i: usize) -> Result<&str> {
        match std::str::from_utf8(self.bytes(i)) {
            Ok(text) => Ok(text.trim()),
            Err(e) => Err(self.error_at(
                i,
                e.valid_up_to(),
                format!("field {} is not valid UTF-8: {:?}", i + 1, self.text(i)),
            )),
        }
    }

    pub(super) fn timestamp(&self, i: usize) -> Result<Timestamp> {
        let text = self.field(i)?;
        Timestamp::parse(text).map_err(|e| self.error(i, e.to_string()))
    }

    /// A value: empty or NaN is missing, infinities are rejected.
    pub(super) fn value(&self, i: usize) -> Result<f64> {
        let text = self.field(i)?;
        if text.is_empty() {
            return Ok(f64::NAN);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_infinite() => Err(self.error(
                i,
                format!(
                    "value {text:?} is infinite; write an empty cell or NaN for a missing value"
                ),
            )),
            Ok(v) => Ok(v),
            Err(_) => Err(self.error(i, format!("value {text:?} is not a number"))),
        }
    }

    pub(super) fn expect_len(&self, width: usize) -> Result<()> {
        if self.len() == width {
            return Ok(());
        }
        Err(self.error(
            self.len().min(width),
            format!("expected {width} fields, found {}", self.len()),
        ))
    }

    pub(super) fn error(&self, field: usize, message: String) -> Error {
        self.error_at(field, 0, message)
    }

    /// An error `offset` bytes into field `field` (or just past the last
    /// field when `field` is out of range).
    pub(super) fn error_at(&self, field: usize, offset: usize, message: String) -> Error {
        let mut column = self.position.column;
        let mut byte = self.position.byte;
        for i in 0..field.min(self.len()) {
            let bytes = self.bytes(i);
            column += String::from_utf8_lossy(bytes).chars().count() as u64 + 1;
            byte += bytes.len() as u64 + 1;
        }
        if field >= self.len() && self.len() > 0 {
            // Just past the last field, not past a delimiter that is not there.
            column -= 1;
            byte -= 1;
        }
        let within = self.bytes(field);
        let prefix = within.get(..offset).unwrap_or(within);
        column += String::from_utf8_lossy(prefix).chars().count() as u64;
        byte += prefix.len() as u64;
        Error::Parse {
            format: FORMAT,
            position: Position {
                line: self.position.line,
                column,
                byte,
            },
            message,
        }
    }
}

/// The CSV reader, one record at a time.
pub(super) struct Records<R> {
    reader: csv::Reader<R>,
}

impl<R: Read> Records<R> {
    pub(super) fn new(reader: R) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        Records { reader }
    }

    pub(super) fn next_record(&mut self) -> Result<Option<Record>> {
        let mut fields = csv::ByteRecord::new();
        match self.reader.read_byte_record(&mut fields) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let position = fields
                    .position()
                    .map_or_else(|| to_position(self.reader.position()), to_position);
                Ok(Some(Record { fields, position }))
            }
            Err(e) => Err(from_csv_error(e)),
        }
    }

    pub(super) fn eof_error(&self, message: &str) -> Error {
        Error::Parse {
            format: FORMAT,
            position: to_position(self.reader.position()),
            message: message.to_owned(),
        }
    }
}

impl<R> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

fn to_position(p: &csv::Position) -> Position {
    Position {
        line: p.line().max(1),
        column: 1,
        byte: p.byte(),
    }
}

fn from_csv_error(e: csv::Error) -> Error {
    let position = e.position().map(to_position).unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        kind => Error::Parse {
            format: FORMAT,
            position,
            message: format!("{kind:?}"),
        },
    }
}
