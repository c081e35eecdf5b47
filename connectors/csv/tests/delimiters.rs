//! Delimiter sniffing through the public API, explicit overrides and descriptions.

mod common;

use common::{read, read_with, render, with_delimiter};
use crmsync_csv::CsvOptions;
use crmsync_sdk::{ErrorKind, TableReader};

#[test]
fn delimiters_are_sniffed() {
    let cases: &[(&[u8], u8, &str)] = &[
        (b"a,b\n1,2\n", b',', "comma"),
        (b"a;b\n1;2\n", b';', "semicolon"),
        (b"a\tb\n1\t2\n", b'\t', "tab"),
        (b"a|b\n1|2\n", b'|', "pipe"),
    ];
    for (bytes, delimiter, word) in cases {
        let (reader, events) = read(bytes);
        assert_eq!(reader.delimiter(), *delimiter, "{word}");
        assert_eq!(reader.header().names, ["a", "b"], "{word}");
        assert_eq!(render(&events), ["2: 1 | 2"], "{word}");
        assert_eq!(
            reader.describe(),
            format!("test.csv (UTF-8, {word}-delimited)")
        );
    }
}

#[test]
fn semicolon_file_with_commas_inside_quotes() {
    let bytes = b"\"Company\";\"Contact\";\"Revenue\"\n\"Acme, Inc.\";\"Doe, Jane\";\"1,5\"\n\
                  \"Foo; Bar GmbH\";\"Smith, J\";\"2,25\"\n";
    let (reader, events) = read(bytes);
    assert_eq!(reader.delimiter(), b';');
    assert_eq!(reader.header().names, ["Company", "Contact", "Revenue"]);
    assert_eq!(
        render(&events),
        [
            "2: Acme, Inc. | Doe, Jane | 1,5",
            "3: Foo; Bar GmbH | Smith, J | 2,25"
        ]
    );
}

#[test]
fn explicit_delimiter_overrides_sniffing() {
    // Sniffing would pick `,`; the caller knows the file is `;`-separated.
    let bytes = b"a,x;b\n1,5;2\n";
    let (reader, events) = read_with("x.csv", bytes, &with_delimiter(b';'));
    assert_eq!(reader.delimiter(), b';');
    assert_eq!(reader.header().names, ["a,x", "b"]);
    assert_eq!(render(&events), ["2: 1,5 | 2"]);
    let (reader, _) = read_with("x.csv", bytes, &CsvOptions::default());
    assert_eq!(reader.delimiter(), b',');
}

#[test]
fn unusual_explicit_delimiter_is_described() {
    let (reader, events) = read_with("x.csv", b"a:b\n1:2\n", &with_delimiter(b':'));
    assert_eq!(render(&events), ["2: 1 | 2"]);
    assert_eq!(reader.describe(), "x.csv (UTF-8, ':'-delimited)");
}

#[test]
fn unusable_delimiters_are_config_errors() {
    let (_dir, path) = common::fixture("x.csv", b"a\n");
    for bad in [b'"', b'\n', b'\r', 0xE9] {
        let err = crmsync_csv::open(&path, &with_delimiter(bad)).expect_err("error");
        assert_eq!(err.kind, ErrorKind::Config, "{bad}");
        assert!(err.message.contains("cannot be used"), "{}", err.message);
    }
}

#[test]
fn single_column_file_reads_with_the_default_delimiter() {
    let (reader, events) = read(b"email\na@x.io\nb@x.io\n");
    assert_eq!(reader.delimiter(), b',');
    assert_eq!(render(&events), ["2: a@x.io", "3: b@x.io"]);
}
