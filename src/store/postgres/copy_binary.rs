//! `COPY … FROM STDIN (FORMAT binary)` data: each value sent in PostgreSQL's own binary form.
//!
//! The text format made the server parse every timestamp, number, flag and JSON map of a
//! load back from text (its date parser alone was a tenth of the backend's time), and the
//! backend is what a PostgreSQL import waits on. The binary form costs the client about the
//! same to write and the server nothing to parse. Column types must match exactly: a value
//! is written by the encoder for its column's declared type (`bigint`, `text`, `boolean`,
//! `timestamptz`, `jsonb`).
//!
//! Data, not SQL: values go in length-prefixed, never into statement text.

use chrono::{DateTime, Utc};

/// Signature, flags (no OIDs) and an empty header extension.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// The only jsonb binary format version.
const JSONB_VERSION: u8 = 1;

/// A COPY binary stream being written, one row after another.
pub(super) struct CopyBinary {
    buf: Vec<u8>,
}

impl CopyBinary {
    /// A stream with room for about `capacity` bytes of rows.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + HEADER.len() + 2);
        buf.extend_from_slice(HEADER);
        CopyBinary { buf }
    }

    /// Start a row of `fields` values; exactly that many must follow.
    pub(super) fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    /// SQL NULL.
    pub(super) fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn value(&mut self, bytes: &[u8]) {
        // A text value longer than 2 GiB cannot come out of a spreadsheet cell or a CSV
        // field under the readers' limits; clamp rather than wrap if it ever did.
        let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
    }

    /// A `text` value.
    pub(super) fn text(&mut self, s: &str) {
        self.value(s.as_bytes());
    }

    /// A `text` value or NULL.
    pub(super) fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// A `bigint` value.
    pub(super) fn int8(&mut self, v: i64) {
        self.value(&v.to_be_bytes());
    }

    /// A `boolean` value.
    pub(super) fn bool(&mut self, v: bool) {
        self.value(&[u8::from(v)]);
    }

    /// A `timestamptz` value, truncated to the microsecond PostgreSQL keeps (towards the
    /// past, as the text form `…07.123456Z` of the same instant would be).
    pub(super) fn timestamptz(&mut self, t: DateTime<Utc>) {
        self.int8(t.timestamp_micros().saturating_sub(PG_EPOCH_MICROS));
    }

    /// A `timestamptz` value or NULL.
    pub(super) fn opt_timestamptz(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.timestamptz(t),
            None => self.null(),
        }
    }

    /// A `jsonb` value from its JSON text.
    pub(super) fn jsonb(&mut self, json: &str) {
        let len = i32::try_from(json.len() + 1).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.push(JSONB_VERSION);
        self.buf.extend_from_slice(json.as_bytes());
    }

    /// The finished stream, with its end marker.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_laid_out_as_postgres_reads_it() {
        let mut copy = CopyBinary::with_capacity(0);
        copy.row(6);
        copy.int8(258);
        copy.text("hé");
        copy.null();
        copy.bool(true);
        copy.jsonb("{}");
        let t = DateTime::parse_from_rfc3339("2000-01-01T00:00:01.0000019Z")
            .unwrap()
            .with_timezone(&Utc);
        copy.timestamptz(t);
        let bytes = copy.finish();
        let mut expected = HEADER.to_vec();
        expected.extend_from_slice(&[0, 6]);
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2]);
        expected.extend_from_slice(&[0, 0, 0, 3, b'h', 0xc3, 0xa9]);
        expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        expected.extend_from_slice(&[0, 0, 0, 1, 1]);
        expected.extend_from_slice(&[0, 0, 0, 3, 1, b'{', b'}']);
        // 1.0000019 s after PostgreSQL's epoch, to the microsecond: 1,000,001.
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x41]);
        expected.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn times_before_the_epoch_truncate_towards_the_past() {
        let t = DateTime::parse_from_rfc3339("1999-12-31T23:59:59.9999995Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut copy = CopyBinary::with_capacity(0);
        copy.timestamptz(t);
        let bytes = copy.finish();
        let at = HEADER.len() + 4;
        let micros = i64::from_be_bytes(bytes[at..at + 8].try_into().unwrap());
        // 23:59:59.999999, one microsecond before the epoch (not rounded up to it).
        assert_eq!(micros, -1);
    }
}
