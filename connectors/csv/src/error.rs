//! Constructors for the connector's [`ConnectorError`]s, so every message names the file
//! and says what to do.

use crmsync_sdk::{ConnectorError, ErrorKind};
use std::io;
use std::path::Path;

/// The connector name carried by every error.
pub(crate) const CONNECTOR: &str = "csv";

/// The file could not be opened or inspected.
pub(crate) fn open_failed(path: &Path, err: io::Error) -> ConnectorError {
    let path = path.display();
    let message = match err.kind() {
        io::ErrorKind::NotFound => {
            format!("cannot open {path}: no such file; check the path and try again")
        }
        io::ErrorKind::PermissionDenied => format!(
            "cannot open {path}: permission denied; check the file's permissions or copy it \
             somewhere readable"
        ),
        _ => format!("cannot open {path}: {err}"),
    };
    ConnectorError::new(CONNECTOR, ErrorKind::Io, message).with_source(err)
}

/// Reading failed part-way through the file.
pub(crate) fn read_failed(path: &str, err: io::Error) -> ConnectorError {
    let message = format!("error reading {path}: {err}; check the disk or share and retry");
    ConnectorError::new(CONNECTOR, ErrorKind::Io, message).with_source(err)
}

/// The options cannot work.
pub(crate) fn config(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Config, message)
}

/// The file as a whole is not a readable table.
pub(crate) fn data(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Data, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_failures_say_what_to_do() {
        let path = Path::new("/data/leads.csv");
        let cases = [
            (
                io::ErrorKind::NotFound,
                "cannot open /data/leads.csv: no such file; check the path",
            ),
            (
                io::ErrorKind::PermissionDenied,
                "cannot open /data/leads.csv: permission denied;",
            ),
        ];
        for (kind, start) in cases {
            let err = open_failed(path, io::Error::from(kind));
            assert_eq!((err.connector, err.kind), (CONNECTOR, ErrorKind::Io));
            assert!(err.message.starts_with(start), "{}", err.message);
            assert!(std::error::Error::source(&err).is_some());
        }
    }
}
