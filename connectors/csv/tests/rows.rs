//! Row structure: quoting, row numbers, blank lines, ragged rows, headers, line endings.

mod common;

use common::{read, read_with, render};
use crmsync_csv::CsvOptions;
use crmsync_sdk::{Cell, RowEvent, TableReader};

#[test]
fn embedded_newlines_and_doubled_quotes() {
    let bytes = b"id,note,name\n\
        1,\"first line\nsecond line\nthird, with comma\",Ann\n\
        2,\"She said \"\"hi\"\"\",Bob\n\
        3,\"\"\"\",\"\"\n\
        4,plain,Dee\n";
    let (_, events) = read(bytes);
    let RowEvent::Row(first) = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(first.row, 2);
    assert_eq!(
        first.cells,
        [
            Cell::Text("1".into()),
            Cell::Text("first line\nsecond line\nthird, with comma".into()),
            Cell::Text("Ann".into()),
        ]
    );
    // The three-line record occupies lines 2-4, so the next one starts on line 5.
    assert_eq!(
        render(&events[1..]),
        [
            "5: 2 | She said \"hi\" | Bob",
            "6: 3 | \" | ",
            "7: 4 | plain | Dee"
        ]
    );
    let RowEvent::Row(third) = &events[2] else {
        panic!()
    };
    assert_eq!(third.cells[2], Cell::Empty);
}

#[test]
fn ragged_rows_are_rejected_with_exact_lines_and_reading_goes_on() {
    let bytes = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\"multi\nline\",x\n10,11,12\n";
    let (_, events) = read(bytes);
    assert_eq!(
        render(&events),
        [
            "2: 1 | 2 | 3",
            "3: reject: row has 2 fields but the header has 3",
            "4: reject: row has 4 fields but the header has 3",
            "5: reject: row has 2 fields but the header has 3",
            "7: 10 | 11 | 12",
        ]
    );
    let RowEvent::Reject(reject) = &events[1] else {
        panic!()
    };
    assert!(reject.file.ends_with("test.csv"), "{}", reject.file);
    assert_eq!(reject.raw.as_deref(), Some("4,5"));
    let RowEvent::Reject(reject) = &events[3] else {
        panic!()
    };
    assert_eq!(reject.raw.as_deref(), Some("\"multi\nline\",x"));
    let (_, events) = read(b"a,b\nonly\n");
    assert_eq!(
        render(&events),
        ["2: reject: row has 1 field but the header has 2"]
    );
}

#[test]
fn a_trailing_empty_field_is_tolerated_but_not_a_trailing_value() {
    let (_, events) = read(b"a,b\n1,2,\n3,4,x\n5,6, \n");
    assert_eq!(
        render(&events),
        [
            "2: 1 | 2",
            "3: reject: row has 3 fields but the header has 2",
            "4: reject: row has 3 fields but the header has 2",
        ]
    );
}

#[test]
fn blank_lines_are_counted_with_exact_row_numbers() {
    let cases: &[(&str, &[u8])] = &[
        ("LF", b"\n\na,b\n1,2\n\n  \n,\n3,\"x\n\ny\"\n\n4,5\n\n\n"),
        (
            "CRLF",
            b"\r\n\r\na,b\r\n1,2\r\n\r\n  \r\n,\r\n3,\"x\n\ny\"\r\n\r\n4,5\r\n\r\n\r\n",
        ),
    ];
    for (name, bytes) in cases {
        let (reader, events) = read(bytes);
        // Blank lines above the header are not rows of the table.
        assert_eq!(reader.header().row, 3, "{name}");
        assert_eq!(
            render(&events),
            [
                "4: 1 | 2",
                "5: blank",
                "6: blank",
                "7: blank",
                "8: 3 | x\n\ny",
                "11: blank",
                "12: 4 | 5",
                "13: blank",
                "14: blank",
            ],
            "{name}"
        );
    }
}

#[test]
fn crlf_line_endings_do_not_leak_into_values() {
    let (reader, events) = read(b"Name,Email\r\n\"Doe, J\",j@x.io\r\nAl,\"a@x.io\"\r\n");
    assert_eq!(reader.header().names, ["Name", "Email"]);
    assert_eq!(render(&events), ["2: Doe, J | j@x.io", "3: Al | a@x.io"]);
}

#[test]
fn classic_mac_cr_line_endings() {
    let (_, events) = read(b"a,b\r1,2\r\r3,4\r");
    assert_eq!(render(&events), ["2: 1 | 2", "3: blank", "4: 3 | 4"]);
}

#[test]
fn header_names_are_trimmed_named_and_deduplicated() {
    let (reader, events) = read(b" Email ,,Name,Email,email, \nx,y,z,w,v,u\n");
    assert_eq!(
        reader.header().names,
        [
            "Email",
            "column_2",
            "Name",
            "Email (2)",
            "email",
            "column_6"
        ]
    );
    assert_eq!(render(&events), ["2: x | y | z | w | v | u"]);
}

#[test]
fn values_are_not_trimmed_and_empty_fields_are_empty_cells() {
    let (_, events) = read(b"a,b,c\n  padded  ,,\" \"\n");
    let RowEvent::Row(row) = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(
        row.cells,
        [
            Cell::Text("  padded  ".into()),
            Cell::Empty,
            Cell::Text(" ".into())
        ]
    );
}

#[test]
fn without_a_header_the_first_record_is_data() {
    let opts = CsvOptions {
        has_header: false,
        ..CsvOptions::default()
    };
    let (reader, events) = read_with("x.csv", b"\nann,1\n\nbob,2\n", &opts);
    assert_eq!(reader.header().names, ["column_1", "column_2"]);
    assert_eq!(reader.header().row, 0);
    assert_eq!(render(&events), ["2: ann | 1", "3: blank", "4: bob | 2"]);
}

#[test]
fn file_without_final_newline_and_header_only_file() {
    let (_, events) = read(b"a,b\n1,2");
    assert_eq!(render(&events), ["2: 1 | 2"]);
    let (reader, events) = read(b"a,b\n");
    assert_eq!(reader.header().names, ["a", "b"]);
    assert!(events.is_empty());
}

#[test]
fn progress_reaches_the_file_size() {
    let bytes = b"\xEF\xBB\xBFa,b\n1,2\n3,4\n";
    let (_dir, path) = common::fixture("p.csv", bytes);
    let mut reader = crmsync_csv::open(&path, &CsvOptions::default()).unwrap();
    assert_eq!(reader.progress().total, Some(bytes.len() as u64));
    common::drain(&mut reader);
    assert_eq!(reader.progress().done, bytes.len() as u64);
}

#[test]
fn the_reader_can_move_to_another_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let (reader, _) = read(b"a\n1\n");
    assert_send(&reader);
    let boxed: Box<dyn TableReader> = Box::new(reader);
    assert_eq!(boxed.header().names, ["a"]);
}
