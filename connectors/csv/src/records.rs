//! Record splitting with exact physical line numbers.
//!
//! Records are split by `csv_core` (the state machine behind the `csv` crate) over a fixed
//! buffer, but line breaks between records are consumed here rather than by the parser. That
//! is what makes row numbers exact: the parser silently skips empty lines and, with CRLF
//! endings, leaves the `\n` of a terminator for the next record, so its own positions cannot
//! say on which line a record starts. Consuming the breaks ourselves gives both the start
//! line of every record and the line number of every skipped blank line. `\r\n`, `\n` and a
//! lone `\r` (classic Mac exports) each end one line.

use crate::lines::count_breaks;
use crate::source::Source;
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};
use std::io;
use std::ops::Range;

/// Read buffer size. Large enough that refills are rare, small enough to stay in cache.
const BUFFER: usize = 256 * 1024;
/// A record longer than this is rejected instead of buffered (an unbalanced quote would
/// otherwise pull the rest of the file into one field).
pub(crate) const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// A record with more fields than this is rejected (spreadsheets stop at 16,384 columns).
pub(crate) const MAX_FIELDS: usize = 128 * 1024;
/// How much of a record's raw text is kept for reject messages.
const RAW_PREFIX: usize = 2048;

/// What [`RecordReader::advance`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A record is available through the accessors.
    Record,
    /// The input is exhausted.
    End,
}

/// Why a record's fields were not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// More than [`MAX_RECORD_BYTES`] of field text.
    Bytes,
    /// More than [`MAX_FIELDS`] fields.
    Fields,
}

/// Streams records out of a [`Source`], one at a time, reusing its buffers.
pub(crate) struct RecordReader {
    source: Source,
    parser: Reader,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    /// 1-based line of the next unconsumed byte.
    next_line: u64,
    /// The last consumed byte, so a `\n` right after a `\r` is not counted twice.
    prev: u8,
    record_line: u64,
    skipped: Range<u64>,
    fields: Vec<u8>,
    len: usize,
    ends: Vec<usize>,
    count: usize,
    /// Where the current record starts in `buf`, while all of it is still there.
    raw_start: Option<usize>,
    /// The current record's start, once a refill has moved it out of `buf`.
    raw: Vec<u8>,
    overflow: Option<Overflow>,
}

impl RecordReader {
    /// A reader over `source` splitting fields on `delimiter`, with `"` quoting and `""`
    /// escapes.
    pub(crate) fn new(source: Source, delimiter: u8) -> Self {
        RecordReader {
            source,
            parser: ReaderBuilder::new().delimiter(delimiter).build(),
            buf: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            next_line: 1,
            prev: 0,
            record_line: 1,
            skipped: 1..1,
            fields: vec![0; 4096],
            len: 0,
            ends: vec![0; 64],
            count: 0,
            raw_start: None,
            raw: Vec::with_capacity(RAW_PREFIX),
            overflow: None,
        }
    }

    /// Move to the next record.
    ///
    /// # Errors
    /// Only I/O errors of the underlying file.
    pub(crate) fn advance(&mut self) -> io::Result<Step> {
        let first_skipped = self.next_line;
        if !self.skip_line_breaks()? {
            self.skipped = first_skipped..self.next_line;
            return Ok(Step::End);
        }
        self.skipped = first_skipped..self.next_line;
        self.record_line = self.next_line;
        self.raw.clear();
        self.raw_start = Some(self.start);
        self.overflow = None;
        let (mut len, mut count) = (0usize, 0usize);
        loop {
            if self.start == self.end {
                self.spill_raw();
                self.fill()?;
            }
            let input = self.buf.get(self.start..self.end).unwrap_or_default();
            let (result, nin, nout, nend) = self.parser.read_record(
                input,
                self.fields.get_mut(len..).unwrap_or_default(),
                self.ends.get_mut(count..).unwrap_or_default(),
            );
            let consumed = input.get(..nin).unwrap_or_default();
            self.next_line += count_breaks(consumed, &mut self.prev);
            if self.raw_start.is_none() {
                let room = RAW_PREFIX.saturating_sub(self.raw.len());
                self.raw
                    .extend_from_slice(consumed.get(..room).unwrap_or(consumed));
            }
            let input_was_empty = input.is_empty();
            self.start += nin;
            len += nout;
            count += nend;
            match result {
                ReadRecordResult::InputEmpty if input_was_empty => return Ok(Step::End),
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.fields.len() >= MAX_RECORD_BYTES {
                        // Keep parsing to find the record's end, but stop keeping its text.
                        self.overflow = Some(Overflow::Bytes);
                        len = 0;
                    } else {
                        self.fields.resize(self.fields.len() * 2, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        self.overflow.get_or_insert(Overflow::Fields);
                        count = 0;
                    } else {
                        self.ends.resize(self.ends.len() * 2, 0);
                    }
                }
                ReadRecordResult::Record => {
                    (self.len, self.count) = (len, count);
                    return Ok(Step::Record);
                }
                ReadRecordResult::End => return Ok(Step::End),
            }
        }
    }

    /// Consume line breaks up to the next record; `false` at the end of input.
    fn skip_line_breaks(&mut self) -> io::Result<bool> {
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(false);
            }
            let avail = self.buf.get(self.start..self.end).unwrap_or_default();
            let n = avail.iter().position(|b| *b != b'\r' && *b != b'\n');
            let breaks = avail.get(..n.unwrap_or(avail.len())).unwrap_or_default();
            self.next_line += count_breaks(breaks, &mut self.prev);
            self.start += breaks.len();
            if n.is_some() {
                return Ok(true);
            }
        }
    }

    /// Copy the start of the current record out of the buffer before a refill overwrites it.
    /// Most records never need this: they are parsed within one buffer fill.
    fn spill_raw(&mut self) {
        if let Some(start) = self.raw_start.take() {
            let in_buf = self.buf.get(start..self.end).unwrap_or_default();
            self.raw
                .extend_from_slice(in_buf.get(..RAW_PREFIX).unwrap_or(in_buf));
        }
    }

    /// Refill the empty buffer; `false` at the end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let n = self.source.read_utf8(&mut self.buf)?;
        (self.start, self.end, self.eof) = (0, n, n == 0);
        Ok(n > 0)
    }

    /// The 1-based line where the current record starts.
    pub(crate) fn line(&self) -> u64 {
        self.record_line
    }

    /// Blank lines passed over before the current record (or before the end of input).
    pub(crate) fn skipped(&self) -> Range<u64> {
        self.skipped.clone()
    }

    /// Set when the current record was too large to keep; its fields are then meaningless.
    pub(crate) fn overflow(&self) -> Option<Overflow> {
        self.overflow
    }

    /// Number of fields in the current record.
    pub(crate) fn field_count(&self) -> usize {
        self.count
    }

    /// All field text of the current record, concatenated.
    pub(crate) fn content(&self) -> &[u8] {
        self.fields.get(..self.len).unwrap_or_default()
    }

    /// End offset of each field within [`RecordReader::content`].
    pub(crate) fn ends(&self) -> &[usize] {
        self.ends.get(..self.count).unwrap_or_default()
    }

    /// The fields of the current record.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let content = self.content();
        let mut start = 0;
        self.ends().iter().map(move |&end| {
            let field = content.get(start..end).unwrap_or_default();
            start = end;
            field
        })
    }

    /// The start of the record as it appears in the file (UTF-8), without its line ending.
    pub(crate) fn raw(&self) -> &[u8] {
        let mut raw = match self.raw_start {
            Some(start) => self.buf.get(start..self.start).unwrap_or_default(),
            None => self.raw.as_slice(),
        };
        raw = raw.get(..RAW_PREFIX).unwrap_or(raw);
        while let [rest @ .., b'\r' | b'\n'] = raw {
            raw = rest;
        }
        raw
    }

    /// Raw file bytes read so far.
    pub(crate) fn raw_read(&self) -> u64 {
        self.source.raw_read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    /// `(start line, fields)` of every record and the blank lines before each.
    fn split(bytes: &[u8]) -> (Vec<(u64, Vec<String>)>, Vec<u64>) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut rdr = RecordReader::new(Source::new(file, 0, encoding_rs::UTF_8), b',');
        let (mut records, mut blanks) = (Vec::new(), Vec::new());
        loop {
            let step = rdr.advance().unwrap();
            blanks.extend(rdr.skipped());
            if step == Step::End {
                return (records, blanks);
            }
            let fields = rdr
                .fields()
                .map(|f| String::from_utf8(f.to_vec()).unwrap())
                .collect();
            records.push((rdr.line(), fields));
        }
    }

    #[test]
    fn line_numbers_for_every_line_ending() {
        let cases: &[(&str, &[u8])] = &[
            ("LF", b"a,b\n\n1,\"x\ny\"\n\n\n2,z\n"),
            ("CRLF", b"a,b\r\n\r\n1,\"x\ny\"\r\n\r\n\r\n2,z\r\n"),
            ("CR", b"a,b\r\r1,\"x\ny\"\r\r\r2,z\r"),
            ("no final newline", b"a,b\n\n1,\"x\ny\"\n\n\n2,z"),
        ];
        for (name, bytes) in cases {
            let (records, blanks) = split(bytes);
            let starts: Vec<u64> = records.iter().map(|r| r.0).collect();
            assert_eq!(starts, [1, 3, 7], "{name}");
            assert_eq!(blanks, [2, 5, 6], "{name}");
            assert_eq!(records[1].1, ["1", "x\ny"], "{name}");
        }
    }

    #[test]
    fn trailing_blank_lines_are_reported_before_the_end() {
        let (records, blanks) = split(b"a\n\n\n");
        assert_eq!(records.len(), 1);
        assert_eq!(blanks, [2, 3]);
        let (_, blanks) = split(b"\r\n\r\n");
        assert_eq!(blanks, [1, 2]);
    }

    #[test]
    fn oversized_records_are_flagged_and_reading_goes_on() {
        let mut bytes = b"a,b\n\"".to_vec();
        bytes.resize(bytes.len() + MAX_RECORD_BYTES + 10, b'x');
        bytes.extend_from_slice(b"\",1\nlast,row\n");
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut rdr = RecordReader::new(Source::new(file, 0, encoding_rs::UTF_8), b',');
        assert_eq!(rdr.advance().unwrap(), Step::Record);
        assert_eq!(rdr.advance().unwrap(), Step::Record);
        assert_eq!((rdr.line(), rdr.overflow()), (2, Some(Overflow::Bytes)));
        assert_eq!(rdr.raw().len(), RAW_PREFIX);
        assert_eq!(rdr.advance().unwrap(), Step::Record);
        assert_eq!((rdr.line(), rdr.overflow()), (3, None));
        assert_eq!(
            rdr.fields().collect::<Vec<_>>(),
            [b"last".as_slice(), b"row"]
        );
        assert_eq!(rdr.advance().unwrap(), Step::End);
    }
}
