//! [`CsvReader`]: records in, row events out.
//!
//! Each record becomes exactly one event: a [`RowEvent::Row`], a [`RowEvent::Blank`] (every
//! field empty or whitespace), or a [`RowEvent::Reject`]; every skipped empty line becomes a
//! `Blank` of its own, so blank lines are counted exactly where they are.
//!
//! A row with one field more than the header is accepted when that extra last field is empty
//! (the line ends with a delimiter, as some exporters write every line); the empty field is
//! dropped. Any other field count mismatch is a reject: padding a short row would shift or
//! invent values, and a long row has values with no column.

use crate::error::read_failed;
use crate::records::{Overflow, RecordReader, Step, MAX_FIELDS, MAX_RECORD_BYTES};
use crmsync_sdk::{
    Cell, ConnectorError, Header, Progress, Reject, RowEvent, TableReader, TableRow,
};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::ops::Range;

/// A streaming reader over one CSV file; create it with [`open`](crate::open()).
pub struct CsvReader {
    path: String,
    file_name: String,
    records: RecordReader,
    header: Header,
    encoding: &'static Encoding,
    delimiter: u8,
    total: u64,
    /// Blank lines still to report before `pending`.
    blanks: Range<u64>,
    /// The event of the record read last, reported after the blank lines before it.
    pending: Option<RowEvent>,
    finished: bool,
}

/// Everything [`open`](crate::open()) worked out, handed to [`CsvReader::new`].
pub(crate) struct Setup {
    pub(crate) path: String,
    pub(crate) file_name: String,
    pub(crate) records: RecordReader,
    pub(crate) header: Header,
    pub(crate) encoding: &'static Encoding,
    pub(crate) delimiter: u8,
    pub(crate) total: u64,
    /// The record the reader is positioned on is data, not the header.
    pub(crate) first_row_is_data: bool,
}

impl CsvReader {
    pub(crate) fn new(setup: Setup) -> Self {
        let mut reader = CsvReader {
            path: setup.path,
            file_name: setup.file_name,
            records: setup.records,
            header: setup.header,
            encoding: setup.encoding,
            delimiter: setup.delimiter,
            total: setup.total,
            blanks: 0..0,
            pending: None,
            finished: false,
        };
        if setup.first_row_is_data {
            reader.pending = Some(reader.classify());
        }
        reader
    }

    /// The encoding the file is read with: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`, …
    pub fn encoding_name(&self) -> &'static str {
        self.encoding.name()
    }

    /// The field delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The event for the record the reader is positioned on.
    fn classify(&self) -> RowEvent {
        let records = &self.records;
        let row = records.line();
        if let Some(overflow) = records.overflow() {
            let reason = match overflow {
                Overflow::Bytes => format!(
                    "row is longer than {} MiB; the file probably has an unbalanced quote (\") \
                     that runs into the following rows",
                    MAX_RECORD_BYTES / (1024 * 1024)
                ),
                Overflow::Fields => format!("row has more than {MAX_FIELDS} fields"),
            };
            return RowEvent::Reject(self.reject(row, reason));
        }
        if records.fields().all(is_blank_field) {
            return RowEvent::Blank { row };
        }
        let Ok(text) = std::str::from_utf8(records.content()) else {
            return self.utf8_reject(row);
        };
        let width = self.header.names.len();
        let count = records.field_count();
        // Equal ends of the last two fields: the last field is empty.
        let trailing_empty = matches!(records.ends(), [.., a, b] if a == b);
        if count != width && !(count == width + 1 && trailing_empty) {
            let reason = format!(
                "row has {count} field{} but the header has {width}",
                if count == 1 { "" } else { "s" }
            );
            return RowEvent::Reject(self.reject(row, reason));
        }
        let mut cells = Vec::with_capacity(width);
        let mut start = 0;
        for &end in records.ends().iter().take(width) {
            // The record is valid UTF-8 as a whole; a field boundary inside a character
            // (possible only with invalid input) means the field itself is not.
            let Some(field) = text.get(start..end) else {
                return self.utf8_reject(row);
            };
            cells.push(if field.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(field.to_owned())
            });
            start = end;
        }
        RowEvent::Row(TableRow { row, cells })
    }

    /// A reject for the current record, with its raw text.
    fn reject(&self, row: u64, reason: String) -> Reject {
        let raw = String::from_utf8_lossy(self.records.raw());
        Reject::row(self.path.as_str(), row, reason).with_raw(&raw)
    }

    /// A reject for a record that is not valid UTF-8, naming the first bad column.
    fn utf8_reject(&self, row: u64) -> RowEvent {
        let reason = format!(
            "row is not valid {} text; re-save the file as UTF-8, or set the encoding option \
             (e.g. windows-1252) if it was saved in another encoding",
            self.encoding.name()
        );
        let mut reject = self.reject(row, reason);
        let bad = self
            .records
            .fields()
            .position(|f| std::str::from_utf8(f).is_err());
        if let Some(name) = bad.and_then(|i| self.header.names.get(i)) {
            reject = reject.with_column(name.as_str());
        }
        RowEvent::Reject(reject)
    }
}

impl std::fmt::Debug for CsvReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader")
            .field("path", &self.path)
            .field("encoding", &self.encoding.name())
            .field("delimiter", &char::from(self.delimiter))
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// Whether a field has no value: empty or only whitespace (as [`Cell::is_blank`] sees it).
pub(crate) fn is_blank_field(field: &[u8]) -> bool {
    match field.first() {
        None => true,
        // Most fields start with a visible ASCII character: decide without decoding.
        Some(b) if b.is_ascii() && !char::from(*b).is_whitespace() => false,
        Some(_) => std::str::from_utf8(field).is_ok_and(|s| s.trim().is_empty()),
    }
}

impl TableReader for CsvReader {
    fn header(&self) -> &Header {
        &self.header
    }

    fn next_event(&mut self) -> Result<Option<RowEvent>, ConnectorError> {
        loop {
            if let Some(row) = self.blanks.next() {
                return Ok(Some(RowEvent::Blank { row }));
            }
            if let Some(event) = self.pending.take() {
                return Ok(Some(event));
            }
            if self.finished {
                return Ok(None);
            }
            let step = self
                .records
                .advance()
                .map_err(|e| read_failed(&self.path, e))?;
            self.blanks = self.records.skipped();
            match step {
                Step::End => self.finished = true,
                Step::Record => self.pending = Some(self.classify()),
            }
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            done: self.records.raw_read(),
            total: Some(self.total),
        }
    }

    fn describe(&self) -> String {
        let delimiter: Cow<'_, str> = match self.delimiter {
            b',' => "comma".into(),
            b';' => "semicolon".into(),
            b'\t' => "tab".into(),
            b'|' => "pipe".into(),
            other => format!("'{}'", char::from(other).escape_default()).into(),
        };
        format!(
            "{} ({}, {delimiter}-delimited)",
            self.file_name,
            self.encoding.name()
        )
    }
}
