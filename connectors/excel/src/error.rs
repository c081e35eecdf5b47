//! The connector's errors: one place for the wording users see, plus the last-resort guard
//! that turns a panic inside the spreadsheet parser into an ordinary error.

use crmsync_sdk::{ConnectorError, ErrorKind};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The connector name carried by every error and reject.
pub(crate) const CONNECTOR: &str = "excel";

/// Advice appended to every "this file cannot be read" message.
const RESAVE: &str =
    "open it in Excel or LibreOffice and save a fresh copy, or export the sheet as CSV";

/// The user must change an argument (sheet name, path).
pub(crate) fn config(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Config, message)
}

/// The file as a whole cannot be read.
pub(crate) fn data(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Data, message)
}

/// An I/O failure on `file`. A missing file is a configuration problem (wrong path), and an
/// unexpected end of data while parsing means a truncated file rather than a failing disk.
pub(crate) fn io(file: &str, err: std::io::Error) -> ConnectorError {
    match err.kind() {
        std::io::ErrorKind::NotFound => config(format!("{file}: no such file")),
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData => {
            data(format!("{file} is truncated or damaged ({err}); {RESAVE}")).with_source(err)
        }
        _ => {
            ConnectorError::new(CONNECTOR, ErrorKind::Io, format!("{file}: {err}")).with_source(err)
        }
    }
}

/// An I/O error raised while the parser reads a file we already opened. The parser reports
/// malformed compressed data and short reads as I/O errors too, so only failures that come
/// from the system are [`ErrorKind::Io`]; the rest mean the file is damaged.
pub(crate) fn parser_io(file: &str, format: &str, err: std::io::Error) -> ConnectorError {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::NotFound | K::PermissionDenied | K::Interrupted | K::TimedOut | K::OutOfMemory => {
            ConnectorError::new(CONNECTOR, ErrorKind::Io, format!("{file}: {err}")).with_source(err)
        }
        _ => damaged(file, format, err),
    }
}

/// The workbook is encrypted with a password.
pub(crate) fn password(file: &str) -> ConnectorError {
    data(format!(
        "{file} is password-protected (encrypted): open it in Excel, remove the password \
         (File > Info > Protect Workbook > Encrypt with Password) and save an unprotected copy"
    ))
}

/// The parser rejected the content of a file whose container looked right.
pub(crate) fn damaged(
    file: &str,
    format: &str,
    err: impl std::error::Error + Send + Sync + 'static,
) -> ConnectorError {
    data(format!(
        "{file} is not a readable {format} workbook ({err}); {RESAVE}"
    ))
    .with_source(err)
}

/// The file is damaged in a way we detected ourselves before parsing.
pub(crate) fn malformed(file: &str, format: &str, detail: &str) -> ConnectorError {
    data(format!(
        "{file} is not a readable {format} workbook ({detail}); {RESAVE}"
    ))
}

/// The file is too large for the configured limits.
pub(crate) fn too_large(file: &str, detail: &str) -> ConnectorError {
    data(format!(
        "{file} is too large to import safely: {detail}. Split the data over several files or \
         raise the limit if the file is trusted"
    ))
}

/// Run a step that calls into the spreadsheet parser, converting a panic into a
/// [`ErrorKind::Data`] error.
///
/// The parser is written in safe Rust, but on deliberately malformed input some of its paths
/// index past the end of a buffer or overflow an integer and panic. We validate the inputs we
/// know to be dangerous before parsing (see the crate docs), and this guard covers the rest,
/// so that one hostile file can fail its import without taking the process down. It relies on
/// panics unwinding, which is the default for this workspace.
pub(crate) fn guarded<T>(
    file: &str,
    format: &str,
    f: impl FnOnce() -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".to_string());
            Err(data(format!(
                "{file} is not a readable {format} workbook: the parser failed on malformed \
                 content ({detail}); {RESAVE}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_panics_into_data_errors() {
        let err = guarded::<()>("x.xlsx", "xlsx", || panic!("index out of bounds")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Data);
        assert!(
            err.message.contains("index out of bounds"),
            "{}",
            err.message
        );
        assert!(err
            .message
            .starts_with("x.xlsx is not a readable xlsx workbook"));
        let ok = guarded("x.xlsx", "xlsx", || Ok(5)).unwrap();
        assert_eq!(ok, 5);
    }

    #[test]
    fn io_errors_are_classified() {
        let missing = io("a.xlsx", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(missing.kind, ErrorKind::Config);
        let eof = io(
            "a.xlsx",
            std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
        );
        assert_eq!(eof.kind, ErrorKind::Data);
        let denied = io(
            "a.xlsx",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(denied.kind, ErrorKind::Io);
        let bad = parser_io(
            "a.ods",
            "ods",
            std::io::Error::other("compression method 227"),
        );
        assert_eq!(bad.kind, ErrorKind::Data);
        assert!(
            bad.message
                .starts_with("a.ods is not a readable ods workbook"),
            "{}",
            bad.message
        );
        let denied = parser_io("a.ods", "ods", std::io::ErrorKind::PermissionDenied.into());
        assert_eq!(denied.kind, ErrorKind::Io);
    }
}
