//! Tabular file readers (CSV, Excel) and the bridge that runs them off the async runtime.

use crate::{Cell, ConnectorError, Reject};
use tokio::sync::mpsc;

/// The header row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Column names as written in the file (trimmed). Unnamed columns get `column_N`.
    pub names: Vec<String>,
    /// The 1-based row number of the header in the file (rows above it were titles or blank).
    pub row: u64,
}

/// One data row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The 1-based row number as the user sees it (CSV: the line where the record starts).
    pub row: u64,
    /// One cell per header column, in header order (readers pad or reject short rows).
    pub cells: Vec<Cell>,
}

/// What a reader yields for each row position after the header.
#[derive(Debug, Clone, PartialEq)]
pub enum RowEvent {
    /// A data row.
    Row(TableRow),
    /// A row the reader could not turn into cells (wrong field count, undecodable text…).
    Reject(Reject),
    /// A row with no value at all: skipped, but counted.
    Blank {
        /// Its 1-based row number.
        row: u64,
    },
}

/// How far a reader has got, for progress bars. `total` is `None` when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Units done (bytes for CSV, rows for spreadsheets).
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
}

/// A blocking, streaming reader over one table (a CSV file or one worksheet).
///
/// Implementations must not panic on any input and must keep memory bounded by the size of
/// a row (CSV) or of the chosen sheet (spreadsheets, which formats store whole).
pub trait TableReader: Send {
    /// The header row.
    fn header(&self) -> &Header;

    /// The next row event, or `Ok(None)` at the end of the table.
    ///
    /// # Errors
    /// A [`ConnectorError`] when the table as a whole cannot be read further (I/O failure,
    /// corrupt file). Row-level problems are [`RowEvent::Reject`]s instead.
    fn next_event(&mut self) -> Result<Option<RowEvent>, ConnectorError>;

    /// How far the reader has got.
    fn progress(&self) -> Progress;

    /// A short description of the input for messages (`leads.csv (UTF-16LE, tab)`).
    fn describe(&self) -> String;
}

/// A batch of row events handed from the reader thread to the pipeline.
#[derive(Debug)]
pub struct RowBatch {
    /// Events in file order.
    pub events: Vec<RowEvent>,
    /// Reader progress after the last event of this batch.
    pub progress: Progress,
}

/// Run `reader` on a blocking thread, skipping the first `skip` row events (used when resuming
/// an interrupted import), and stream its events in batches of `batch_rows` through a channel
/// that holds at most `capacity` batches, so a slow consumer holds the reader back.
///
/// The receiver yields `Err` once and then ends if the reader fails.
pub fn spawn_table_reader(
    mut reader: Box<dyn TableReader>,
    skip: u64,
    batch_rows: usize,
    capacity: usize,
) -> mpsc::Receiver<Result<RowBatch, ConnectorError>> {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let batch_rows = batch_rows.max(1);
    tokio::task::spawn_blocking(move || {
        let mut skipped = 0u64;
        let mut events = Vec::with_capacity(batch_rows);
        loop {
            match reader.next_event() {
                Ok(Some(_)) if skipped < skip => skipped += 1,
                Ok(Some(event)) => {
                    events.push(event);
                    if events.len() >= batch_rows {
                        let batch = RowBatch {
                            events: std::mem::replace(&mut events, Vec::with_capacity(batch_rows)),
                            progress: reader.progress(),
                        };
                        if tx.blocking_send(Ok(batch)).is_err() {
                            return; // The consumer went away; stop reading.
                        }
                    }
                }
                Ok(None) => {
                    if !events.is_empty() {
                        let _ = tx.blocking_send(Ok(RowBatch {
                            events,
                            progress: reader.progress(),
                        }));
                    }
                    return;
                }
                Err(err) => {
                    if !events.is_empty() {
                        let batch = RowBatch {
                            events,
                            progress: reader.progress(),
                        };
                        if tx.blocking_send(Ok(batch)).is_err() {
                            return;
                        }
                    }
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting {
        header: Header,
        next: u64,
        end: u64,
    }

    impl TableReader for Counting {
        fn header(&self) -> &Header {
            &self.header
        }
        fn next_event(&mut self) -> Result<Option<RowEvent>, ConnectorError> {
            if self.next > self.end {
                return Ok(None);
            }
            let row = self.next;
            self.next += 1;
            Ok(Some(RowEvent::Row(TableRow {
                row,
                cells: vec![Cell::Int(row as i64)],
            })))
        }
        fn progress(&self) -> Progress {
            Progress {
                done: self.next - 1,
                total: Some(self.end),
            }
        }
        fn describe(&self) -> String {
            "counting".into()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_preserve_order_and_honour_skip() {
        let reader = Counting {
            header: Header {
                names: vec!["n".into()],
                row: 1,
            },
            next: 2,
            end: 1001,
        };
        let mut rx = spawn_table_reader(Box::new(reader), 10, 64, 2);
        let mut seen = Vec::new();
        while let Some(batch) = rx.recv().await {
            let batch = batch.unwrap();
            assert!(batch.events.len() <= 64);
            for e in batch.events {
                match e {
                    RowEvent::Row(r) => seen.push(r.row),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        let expected: Vec<u64> = (12..=1001).collect();
        assert_eq!(seen, expected);
    }
}
