//! Opening a CSV file: option checks, encoding and delimiter detection, and the header.

use crate::detect::{self, binary_reason, encoding_for_label, SAMPLE_BYTES};
use crate::error::{config, data, open_failed, read_failed};
use crate::header::{column_names, default_name};
use crate::reader::{is_blank_field, CsvReader, Setup};
use crate::records::{RecordReader, Step, MAX_RECORD_BYTES};
use crate::sniff::sniff_delimiter;
use crate::source::{decode_sample, read_full, Source};
use crate::CsvOptions;
use crmsync_sdk::{ConnectorError, Header};
use encoding_rs::Encoding;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;

/// Open `path` as a CSV table: detect what `opts` leaves open, read the header, and return a
/// reader positioned at the first data row.
///
/// # Errors
/// - [`ErrorKind::Config`](crmsync_sdk::ErrorKind::Config): an unknown encoding label, an
///   unusable delimiter, or a directory instead of a file.
/// - [`ErrorKind::Io`](crmsync_sdk::ErrorKind::Io): the file is missing, unreadable, or
///   reading it failed.
/// - [`ErrorKind::Data`](crmsync_sdk::ErrorKind::Data): the file has no header row (it is
///   empty or blank), is binary (a workbook, NUL bytes), or its first record is too large.
pub fn open(path: &Path, opts: &CsvOptions) -> Result<CsvReader, ConnectorError> {
    let explicit = explicit_encoding(opts)?;
    if let Some(delimiter) = opts.delimiter {
        check_delimiter(delimiter)?;
    }
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| open_failed(path, e))?;
    let meta = file.metadata().map_err(|e| open_failed(path, e))?;
    if meta.is_dir() {
        return Err(config(format!(
            "{name} is a directory; give the path of a CSV file"
        )));
    }

    let mut sample = vec![0; SAMPLE_BYTES];
    let n = read_full(&mut file, &mut sample).map_err(|e| read_failed(&name, e))?;
    sample.truncate(n);
    let complete = n < SAMPLE_BYTES;
    let detected = detect::detect(&sample, complete, explicit);
    if let Some(reason) = binary_reason(&sample, detected.encoding) {
        return Err(data(format!("{name} {reason}")));
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let body = sample.get(detected.bom_len..).unwrap_or_default();
            sniff_delimiter(&decode_sample(detected.encoding, body, complete), complete)
        }
    };
    drop(sample);

    let bom_len = detected.bom_len as u64;
    file.seek(SeekFrom::Start(bom_len))
        .map_err(|e| read_failed(&name, e))?;
    let source = Source::new(file, bom_len, detected.encoding);
    let mut records = RecordReader::new(source, delimiter);
    let header = read_header(&mut records, &name, opts.has_header)?;
    Ok(CsvReader::new(Setup {
        path: name,
        file_name: file_name(path),
        records,
        header,
        encoding: detected.encoding,
        delimiter,
        total: meta.len(),
        first_row_is_data: !opts.has_header,
    }))
}

/// The encoding named by the options, if any.
fn explicit_encoding(opts: &CsvOptions) -> Result<Option<&'static Encoding>, ConnectorError> {
    let Some(label) = opts.encoding.as_deref() else {
        return Ok(None);
    };
    match encoding_for_label(label) {
        Some(encoding) => Ok(Some(encoding)),
        None => Err(config(format!(
            "unknown encoding '{label}'; use a label such as utf-8, windows-1252, latin1, \
             utf-16le or utf-16be"
        ))),
    }
}

/// Refuse delimiters the parser cannot tell apart from quoting or line structure, and
/// non-ASCII bytes, which would split UTF-8 characters.
fn check_delimiter(delimiter: u8) -> Result<(), ConnectorError> {
    if !delimiter.is_ascii() || matches!(delimiter, b'"' | b'\r' | b'\n') {
        return Err(config(format!(
            "delimiter {:?} cannot be used; give an ASCII character other than a quote or a \
             line break, e.g. ',' ';' '|' or a tab",
            char::from(delimiter)
        )));
    }
    Ok(())
}

/// Find the first non-blank record and make the header of it.
fn read_header(
    records: &mut RecordReader,
    name: &str,
    has_header: bool,
) -> Result<Header, ConnectorError> {
    loop {
        if records.advance().map_err(|e| read_failed(name, e))? == Step::End {
            let what = if has_header {
                "no header row"
            } else {
                "no rows"
            };
            return Err(data(format!(
                "{what} found in {name}: the file is empty or blank"
            )));
        }
        if records.overflow().is_some() {
            return Err(data(format!(
                "the first record of {name} (line {}) is longer than {} MiB or has too many \
                 fields; the file probably has an unbalanced quote (\") or is not CSV",
                records.line(),
                MAX_RECORD_BYTES / (1024 * 1024)
            )));
        }
        if !records.fields().all(is_blank_field) {
            break;
        }
    }
    if !has_header {
        let names = (0..records.field_count()).map(default_name).collect();
        return Ok(Header { names, row: 0 });
    }
    let names = column_names(records.fields().map(String::from_utf8_lossy));
    Ok(Header {
        names,
        row: records.line(),
    })
}

/// The file name alone, for descriptions.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
