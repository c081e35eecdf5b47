//! Whole-file failures and hostile input: clean errors, never a panic.

mod common;

use common::{fixture, with_delimiter, with_encoding};
use crmsync_csv::CsvOptions;
use crmsync_sdk::{ConnectorError, ErrorKind, RowEvent, TableReader};

fn open_err(bytes: &[u8], opts: &CsvOptions) -> ConnectorError {
    let (_dir, path) = fixture("bad.csv", bytes);
    crmsync_csv::open(&path, opts).expect_err("open must fail")
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.csv");
    let err = crmsync_csv::open(&path, &CsvOptions::default()).expect_err("error");
    assert_eq!(err.kind, ErrorKind::Io);
    assert_eq!(err.connector, "csv");
    assert!(
        err.message.contains(&path.display().to_string()),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("no such file; check the path"),
        "{}",
        err.message
    );
}

#[test]
fn a_directory_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = crmsync_csv::open(dir.path(), &CsvOptions::default()).expect_err("error");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("is a directory"), "{}", err.message);
}

#[test]
fn files_without_a_header_row_are_data_errors() {
    let cases: &[(&str, &[u8])] = &[
        ("empty", b""),
        ("blank lines", b"\n\r\n\n"),
        ("whitespace and delimiters", b"  \n,,,\n\t\n"),
        ("BOM only", b"\xEF\xBB\xBF"),
        ("UTF-16 BOM and blank lines", b"\xFF\xFE\n\0\n\0"),
    ];
    for (name, bytes) in cases {
        let err = open_err(bytes, &CsvOptions::default());
        assert_eq!(err.kind, ErrorKind::Data, "{name}");
        assert!(
            err.message.starts_with("no header row found in "),
            "{name}: {}",
            err.message
        );
        assert!(err.message.contains("bad.csv"), "{name}: {}", err.message);
    }
    let no_header = CsvOptions {
        has_header: false,
        ..CsvOptions::default()
    };
    assert!(open_err(b"\n", &no_header)
        .message
        .starts_with("no rows found in "));
}

#[test]
fn workbooks_and_binary_files_are_refused_with_a_hint() {
    let cases: &[(&[u8], &str)] = &[
        (b"PK\x03\x04\x14\0\x06\0", "Excel connector"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "Excel connector"),
        (&[0u8; 4096], "NUL bytes"),
    ];
    for (bytes, hint) in cases {
        let err = open_err(bytes, &CsvOptions::default());
        assert_eq!(err.kind, ErrorKind::Data);
        assert!(err.message.contains(hint), "{}", err.message);
    }
}

#[test]
fn unbalanced_quote_in_the_header_is_a_data_error() {
    let mut bytes = b"\"a,b\n".to_vec();
    bytes.resize(17 * 1024 * 1024, b'x');
    let err = open_err(&bytes, &CsvOptions::default());
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(err.message.contains("unbalanced quote"), "{}", err.message);
}

#[test]
fn unbalanced_quote_in_a_row_rejects_it_and_memory_stays_bounded() {
    let mut bytes = b"a,b\n1,2\n3,\"open".to_vec();
    bytes.resize(bytes.len() + 17 * 1024 * 1024, b'x');
    let (_dir, path) = fixture("q.csv", &bytes);
    let mut reader = crmsync_csv::open(&path, &CsvOptions::default()).unwrap();
    let events = common::drain(&mut reader);
    assert_eq!(events.len(), 2);
    let RowEvent::Reject(reject) = &events[1] else {
        panic!("{:?}", events[1])
    };
    assert_eq!(reject.row, 3);
    assert!(
        reject.reason.contains("longer than 16 MiB"),
        "{}",
        reject.reason
    );
    assert_eq!(reject.raw.as_ref().map(|r| r.chars().count()), Some(501));
}

/// A deterministic xorshift stream: the same "random" bytes on every run.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    // Sprinkle the bytes a CSV parser cares most about.
    for (i, b) in out.iter_mut().enumerate() {
        match i % 97 {
            0 => *b = b'\n',
            13 => *b = b'"',
            41 => *b = 0,
            57 => *b = b',',
            71 => *b = b'\r',
            _ => {}
        }
    }
    out
}

/// Read everything; errors are fine, panics and disorder are not.
fn survive(bytes: &[u8], opts: &CsvOptions) -> Option<usize> {
    let (_dir, path) = fixture("garbage.csv", bytes);
    let mut reader = match crmsync_csv::open(&path, opts) {
        Ok(reader) => reader,
        Err(err) => {
            assert!(matches!(err.kind, ErrorKind::Data), "{err}");
            return None;
        }
    };
    let _ = reader.describe();
    let (mut count, mut last_row) = (0usize, reader.header().row);
    while let Some(event) = reader.next_event().expect("only I/O can fail mid-file") {
        let row = match &event {
            RowEvent::Row(r) => r.row,
            RowEvent::Reject(r) => r.row,
            RowEvent::Blank { row } => *row,
        };
        assert!(
            row > last_row,
            "rows must strictly increase: {row} after {last_row}"
        );
        last_row = row;
        count += 1;
    }
    assert_eq!(reader.progress().done, bytes.len() as u64);
    Some(count)
}

#[test]
fn random_garbage_never_panics() {
    let bytes = garbage(1024 * 1024, 0x9E37_79B9_7F4A_7C15);
    // Detected as Windows-1252 (not UTF-8, few NULs): read to the end.
    let events = survive(&bytes, &CsvOptions::default());
    assert!(events.is_some_and(|n| n > 1000), "{events:?}");
    // The same bytes forced through every other path.
    for opts in [
        with_encoding("utf-8"),
        with_encoding("utf-16le"),
        with_encoding("utf-16be"),
        with_encoding("shift_jis"),
        with_delimiter(b'\t'),
        CsvOptions {
            has_header: false,
            ..CsvOptions::default()
        },
    ] {
        assert!(survive(&bytes, &opts).is_some(), "{opts:?}");
    }
    // Short prefixes hit every early end of input.
    for len in 0..64 {
        survive(&bytes[..len], &CsvOptions::default());
        survive(&bytes[..len], &with_encoding("utf-16le"));
    }
}

#[test]
fn forced_utf8_garbage_becomes_rejects() {
    let mut bytes = b"a,b\n".to_vec();
    bytes.extend_from_slice(&garbage(64 * 1024, 7));
    let (_dir, path) = fixture("g.csv", &bytes);
    let mut reader = crmsync_csv::open(&path, &with_encoding("utf-8")).unwrap();
    let events = common::drain(&mut reader);
    let rejects = events
        .iter()
        .filter(|e| matches!(e, RowEvent::Reject(_)))
        .count();
    assert!(rejects > 100, "{rejects} rejects of {}", events.len());
}
