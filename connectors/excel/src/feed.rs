//! The chosen sheet's cells, parsed on a thread of their own and handed to the reader in
//! chunks through a bounded channel.
//!
//! Parsing the sheet is most of the cost of reading a workbook. Doing it ahead of the reader,
//! while the rows already read are normalized and written, lets an import overlap the two
//! instead of parsing the whole sheet first; and since only a few chunks are ever in flight,
//! an xlsx or xlsb sheet is never held in memory whole. (xls and ods sheets are still parsed
//! whole by calamine; their cells are converted and handed on the same way.)
//!
//! The parser thread also picks the sheet when the user did not name one: the first
//! candidate with a non-blank cell. It counts cells against the limit, and sends every
//! failure, parser panics included (see [`crate::error::guarded`]), as an error message, so
//! a channel that closes without its end marker can only mean the thread died, which the
//! reader reports too.

use crate::error;
use crate::workbook::{Choice, Flow, Visit, Workbook};
use crmsync_sdk::{Cell, ConnectorError};
use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Cells per message: about 300 rows of a typical export.
const CHUNK_CELLS: usize = 4096;
/// Messages the parser may run ahead of the reader.
const CHANNEL_CHUNKS: usize = 4;

/// A non-empty cell at its 0-based sheet position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    pub(crate) row: u32,
    pub(crate) col: u32,
    pub(crate) cell: Cell,
}

enum Feed {
    /// The sheet being read, and the last row it declares (a hint only).
    Chosen {
        sheet: String,
        extent: Option<u32>,
    },
    Cells(Vec<Placed>),
    End,
    Failed(ConnectorError),
}

/// A sheet whose cells are arriving.
pub(crate) struct Opened {
    pub(crate) sheet: String,
    /// The last 0-based row the sheet declares, if it declares one; may be wrong.
    pub(crate) extent: Option<u32>,
    pub(crate) feed: CellFeed,
}

/// Start the parser thread on the first sheet of `choice` that has a value, and wait until
/// it has found one.
///
/// # Errors
/// A sheet that is empty (or no sheet with data), a parser error on the way to the first
/// value, or a thread that cannot be started.
pub(crate) fn start(
    workbook: Workbook,
    choice: Choice,
    max_cells: u64,
) -> Result<Opened, ConnectorError> {
    let file = workbook.file().to_string();
    let format = workbook.format();
    let (tx, rx) = sync_channel(CHANNEL_CHUNKS);
    std::thread::Builder::new()
        .name(format!("{format}-cells"))
        .spawn(move || produce(workbook, &choice, max_cells, &tx))
        .map_err(|e| error::io(&file, e))?;
    let feed = CellFeed {
        rx,
        current: Vec::new().into_iter(),
        front: VecDeque::new(),
        ended: false,
        file,
        format,
    };
    match feed.rx.recv() {
        Ok(Feed::Chosen { sheet, extent }) => Ok(Opened {
            sheet,
            extent,
            feed,
        }),
        Ok(Feed::Failed(e)) => Err(e),
        Ok(Feed::Cells(_) | Feed::End) | Err(_) => Err(feed.stopped()),
    }
}

/// The parser thread: stream the first candidate sheet with a value, then stop.
fn produce(mut workbook: Workbook, choice: &Choice, max_cells: u64, tx: &SyncSender<Feed>) {
    let file = workbook.file().to_string();
    for name in &choice.names {
        let mut pump = Pump {
            tx,
            sheet: name,
            file: &file,
            max_cells,
            extent: None,
            chosen: false,
            chunk: Vec::new(),
            seen: 0,
            failure: None,
            gone: false,
        };
        let read = workbook.each_cell(name, max_cells, &mut |visit| pump.take(visit));
        if let Some(e) = read.err().or(pump.failure.take()) {
            let _ = tx.send(Feed::Failed(e));
            return;
        }
        if pump.gone {
            return;
        }
        if pump.chosen {
            let chunk = std::mem::take(&mut pump.chunk);
            if !chunk.is_empty() && tx.send(Feed::Cells(chunk)).is_err() {
                return;
            }
            let _ = tx.send(Feed::End);
            return;
        }
    }
    let message = match (choice.named, choice.names.first()) {
        (true, Some(name)) => format!("sheet \"{name}\" of {file} is empty"),
        _ => format!(
            "{file} has no sheet with data; its sheets are: {}",
            choice.listing
        ),
    };
    let _ = tx.send(Feed::Failed(error::data(message)));
}

/// Collects one sheet's cells into chunks and sends them once the sheet has a value.
struct Pump<'a> {
    tx: &'a SyncSender<Feed>,
    sheet: &'a str,
    file: &'a str,
    max_cells: u64,
    extent: Option<u32>,
    /// Whether a non-blank cell was seen, so this is the sheet being read.
    chosen: bool,
    chunk: Vec<Placed>,
    seen: u64,
    failure: Option<ConnectorError>,
    /// The reader was dropped; nobody wants more cells.
    gone: bool,
}

impl Pump<'_> {
    fn take(&mut self, visit: Visit) -> Flow {
        let placed = match visit {
            Visit::Extent(row) => {
                self.extent = Some(row);
                return ControlFlow::Continue(());
            }
            Visit::Cell(placed) => placed,
        };
        self.seen += 1;
        if self.seen > self.max_cells {
            self.failure = Some(error::too_large(
                self.file,
                &format!(
                    "sheet \"{}\" has more than the {} non-empty cells allowed",
                    self.sheet, self.max_cells
                ),
            ));
            return ControlFlow::Break(());
        }
        let announce = !self.chosen && !placed.cell.is_blank();
        self.chunk.push(placed);
        if announce {
            self.chosen = true;
            let chosen = Feed::Chosen {
                sheet: self.sheet.to_string(),
                extent: self.extent,
            };
            if self.tx.send(chosen).is_err() {
                self.gone = true;
                return ControlFlow::Break(());
            }
        }
        // Until the sheet has a value the (blank) cells wait here: this may not be the
        // sheet that gets read.
        if self.chosen && self.chunk.len() >= CHUNK_CELLS {
            let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK_CELLS));
            if self.tx.send(Feed::Cells(full)).is_err() {
                self.gone = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// The reader's end of the channel: cells in file order, with look-ahead.
pub(crate) struct CellFeed {
    rx: Receiver<Feed>,
    current: std::vec::IntoIter<Placed>,
    /// Cells taken and put back, served before `current`.
    front: VecDeque<Placed>,
    ended: bool,
    file: String,
    format: &'static str,
}

impl CellFeed {
    /// The next cell, or `None` at the end of the sheet.
    ///
    /// # Errors
    /// What the parser thread reported, or its unexpected end.
    pub(crate) fn next(&mut self) -> Result<Option<Placed>, ConnectorError> {
        if let Some(placed) = self.front.pop_front() {
            return Ok(Some(placed));
        }
        loop {
            if let Some(placed) = self.current.next() {
                return Ok(Some(placed));
            }
            if self.ended {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Feed::Cells(cells)) => self.current = cells.into_iter(),
                Ok(Feed::End) => self.ended = true,
                Ok(Feed::Chosen { .. }) => {}
                Ok(Feed::Failed(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => {
                    self.ended = true;
                    return Err(self.stopped());
                }
            }
        }
    }

    /// The row of the next cell, without taking it.
    ///
    /// # Errors
    /// As [`CellFeed::next`].
    pub(crate) fn peek_row(&mut self) -> Result<Option<u32>, ConnectorError> {
        if self.front.is_empty() {
            if let Some(placed) = self.next()? {
                self.front.push_back(placed);
            }
        }
        Ok(self.front.front().map(|p| p.row))
    }

    /// Put `cells` back, in order, ahead of everything not yet taken.
    pub(crate) fn unread(&mut self, cells: Vec<Placed>) {
        for placed in cells.into_iter().rev() {
            self.front.push_front(placed);
        }
    }

    fn stopped(&self) -> ConnectorError {
        error::data(format!(
            "the {} parser stopped unexpectedly while reading {}; the file may be damaged: \
             open it in Excel and save it again",
            self.format, self.file
        ))
    }
}
