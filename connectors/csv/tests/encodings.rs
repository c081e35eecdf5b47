//! Encodings: detection, BOM handling, transcoding and explicit overrides.

mod common;

use common::{read, read_with, render, utf16, with_encoding};
use crmsync_csv::CsvOptions;
use crmsync_sdk::{ErrorKind, RowEvent, TableReader};

#[test]
fn utf8_with_and_without_bom_read_the_same() {
    let body = "Name,City\nJosé,Zürich\n";
    for (bytes, label) in [
        (
            [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat(),
            "BOM",
        ),
        (body.as_bytes().to_vec(), "no BOM"),
    ] {
        let (reader, events) = read(&bytes);
        assert_eq!(reader.encoding_name(), "UTF-8", "{label}");
        // The BOM must not leak into the first column name.
        assert_eq!(reader.header().names, ["Name", "City"], "{label}");
        assert_eq!(reader.header().row, 1, "{label}");
        assert_eq!(render(&events), ["2: José | Zürich"], "{label}");
    }
}

#[test]
fn utf16le_excel_unicode_text_is_tab_separated() {
    let bytes = utf16(
        "Name\tEmail\tCity\r\nJosé\tjose@x.io\tZürich\r\nLi\tli@x.io\t北京\r\n",
        true,
    );
    let (reader, events) = read_with("leads.txt", &bytes, &CsvOptions::default());
    assert_eq!(
        (reader.encoding_name(), reader.delimiter()),
        ("UTF-16LE", b'\t')
    );
    assert_eq!(reader.header().names, ["Name", "Email", "City"]);
    assert_eq!(
        render(&events),
        ["2: José | jose@x.io | Zürich", "3: Li | li@x.io | 北京"]
    );
    assert_eq!(reader.describe(), "leads.txt (UTF-16LE, tab-delimited)");
}

#[test]
fn utf16be_with_bom() {
    let bytes = utf16("a;b\n1;€\n", false);
    let (reader, events) = read(&bytes);
    assert_eq!(
        (reader.encoding_name(), reader.delimiter()),
        ("UTF-16BE", b';')
    );
    assert_eq!(reader.header().names, ["a", "b"]);
    assert_eq!(render(&events), ["2: 1 | €"]);
}

#[test]
fn windows_1252_is_detected_and_decoded() {
    // "Müller;Café;10 €" as Excel writes it in a Western locale.
    let bytes = b"Name;Firma;Betrag\r\nM\xfcller;Caf\xe9;10 \x80\r\n";
    let (reader, events) = read(bytes);
    assert_eq!(
        (reader.encoding_name(), reader.delimiter()),
        ("windows-1252", b';')
    );
    assert_eq!(render(&events), ["2: Müller | Café | 10 €"]);
    assert_eq!(
        reader.describe(),
        "test.csv (windows-1252, semicolon-delimited)"
    );
}

#[test]
fn sample_cut_inside_a_character_still_detects_utf8() {
    // The 64 KiB detection sample ends between the two bytes of an "é".
    let mut bytes = b"id,note\n".to_vec();
    let filler_len = 64 * 1024 - 1 - bytes.len() - 2;
    bytes.extend_from_slice(b"1,");
    bytes.extend(std::iter::repeat_n(b'x', filler_len));
    bytes.extend_from_slice("é\n2,ok\n".as_bytes());
    assert_eq!(bytes[64 * 1024 - 1], 0xC3);
    let (reader, events) = read(&bytes);
    assert_eq!(reader.encoding_name(), "UTF-8");
    let rendered = render(&events);
    assert_eq!(rendered.len(), 2);
    assert!(
        rendered[0].ends_with("xé"),
        "{}",
        &rendered[0][rendered[0].len() - 10..]
    );
    assert_eq!(rendered[1], "3: 2 | ok");
}

#[test]
fn invalid_utf8_after_the_sample_rejects_only_that_row() {
    let mut bytes = b"id,name\n".to_vec();
    for i in 0..5000 {
        bytes.extend_from_slice(format!("{i},name number {i}\n").as_bytes());
    }
    assert!(bytes.len() > 64 * 1024);
    let bad_line = 5002;
    bytes.extend_from_slice(b"5000,M\xfcller\n5001,after\n");
    let (reader, events) = read(&bytes);
    assert_eq!(reader.encoding_name(), "UTF-8");
    assert_eq!(events.len(), 5002);
    let RowEvent::Reject(reject) = &events[5000] else {
        panic!("{:?}", events[5000])
    };
    assert_eq!(reject.row, bad_line);
    assert!(
        reject.reason.starts_with("row is not valid UTF-8 text"),
        "{}",
        reject.reason
    );
    assert!(reject.reason.contains("windows-1252"), "{}", reject.reason);
    assert_eq!(reject.column.as_deref(), Some("name"));
    assert_eq!(reject.raw.as_deref(), Some("5000,M\u{fffd}ller"));
    assert_eq!(render(&events[5001..]), ["5003: 5001 | after"]);
}

#[test]
fn explicit_encoding_overrides_detection() {
    // Valid UTF-8 ("é" is C3 A9), deliberately read as Windows-1252.
    let bytes = "a,b\ncafé,1\n".as_bytes();
    let (reader, events) = read_with("x.csv", bytes, &with_encoding("windows-1252"));
    assert_eq!(reader.encoding_name(), "windows-1252");
    assert_eq!(render(&events), ["2: cafÃ© | 1"]);

    // ISO-8859-1 labels resolve to Windows-1252, as in browsers.
    let (reader, events) = read_with("x.csv", b"a,b\ncaf\xe9,1\n", &with_encoding("latin1"));
    assert_eq!(reader.encoding_name(), "windows-1252");
    assert_eq!(render(&events), ["2: café | 1"]);

    // Forcing UTF-8 on a Windows-1252 file turns its rows into rejects, not mojibake.
    let (reader, events) = read_with("x.csv", b"a,b\ncaf\xe9,1\nok,2\n", &with_encoding("utf-8"));
    assert_eq!(reader.encoding_name(), "UTF-8");
    let rendered = render(&events);
    assert!(
        rendered[0].starts_with("2: reject: row is not valid UTF-8"),
        "{rendered:?}"
    );
    assert_eq!(rendered[1], "3: ok | 2");
}

#[test]
fn explicit_utf16_strips_its_own_bom() {
    let bytes = utf16("x\ty\n1\t2\n", true);
    let (reader, events) = read_with("x.csv", &bytes, &with_encoding("utf-16le"));
    assert_eq!(reader.header().names, ["x", "y"]);
    assert_eq!(render(&events), ["2: 1 | 2"]);
}

#[test]
fn unknown_encoding_label_is_a_config_error() {
    let (_dir, path) = common::fixture("x.csv", b"a\n1\n");
    let err = crmsync_csv::open(&path, &with_encoding("ebcdic-klingon")).expect_err("error");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(
        err.message.contains("unknown encoding 'ebcdic-klingon'"),
        "{}",
        err.message
    );
}

#[test]
fn long_utf16_file_streams_across_buffers_with_exact_rows_and_progress() {
    let mut text = String::from("id\tnote\r\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i}\t\"Zeile {i}\r\nmit Umbruch, ü\"\r\n"));
    }
    let bytes = utf16(&text, true);
    let (reader, events) = read(&bytes);
    assert_eq!(events.len(), 20_000);
    for (i, event) in events.iter().enumerate() {
        let RowEvent::Row(row) = event else {
            panic!("{event:?}")
        };
        assert_eq!(row.row, 2 + 2 * i as u64);
        assert_eq!(
            common::render_cell(&row.cells[1]),
            format!("Zeile {i}\r\nmit Umbruch, ü")
        );
    }
    let progress = reader.progress();
    assert_eq!(progress.total, Some(bytes.len() as u64));
    assert_eq!(progress.done, bytes.len() as u64);
}
