//! [`ExcelReader`]: one worksheet as header plus row events.

use crate::error;
use crate::feed::{CellFeed, Opened, Placed};
use crate::header;
use crmsync_sdk::{
    Cell, ConnectorError, Header, Progress, Reject, RowEvent, TableReader, TableRow,
};

/// Reads one worksheet as a table. Created by [`crate::open`].
///
/// Every row position after the header yields exactly one event, in sheet order:
///
/// - [`RowEvent::Blank`] for a row with no value (including rows of merged-away or
///   whitespace-only cells);
/// - [`RowEvent::Reject`] for a row with a value outside the table: right of the last header
///   column, or left of the first column (the header's, or a further-left column that
///   already holds values in the first [`LOOKAHEAD_ROWS`] rows), so that such values are
///   reported instead of silently dropped;
/// - [`RowEvent::Row`] otherwise, with exactly one cell per header column (missing cells are
///   [`Cell::Empty`]).
///
/// A cell stored after a later row (the format requires rows in order, so only a damaged or
/// hand-made file does this) comes as an extra [`RowEvent::Reject`] for its row.
///
/// Row numbers are the 1-based numbers Excel shows, wherever the used range starts.
/// Progress counts rows: `done` events out of the rows the sheet declares below the header.
pub struct ExcelReader {
    feed: CellFeed,
    header: Header,
    file: String,
    description: String,
    sheet: String,
    max_cells: u64,
    /// 0-based sheet columns of the table, inclusive.
    first_col: u32,
    last_col: u32,
    /// 0-based sheet rows of the header and of the next event.
    header_row: u64,
    next_row: u64,
    /// The last 0-based row the sheet declares, if any.
    extent: Option<u64>,
    done: u64,
    scratch: Vec<(u32, Cell)>,
}

/// Rows below the header read before the table's columns are fixed: a value left of the
/// header in these rows widens the table to the left (an untitled ID column), one further
/// down is a reject.
pub const LOOKAHEAD_ROWS: u32 = 1000;

impl ExcelReader {
    /// Read the first rows of `opened`, detect the header and prepare to read the rest.
    pub(crate) fn new(
        opened: Opened,
        file: String,
        format: &str,
        max_cells: u64,
    ) -> Result<ExcelReader, ConnectorError> {
        let Opened {
            sheet,
            extent,
            mut feed,
        } = opened;
        let mut window = Vec::new();
        let mut rows = 0u32;
        while let Some(placed) = feed.next()? {
            if window.last().is_none_or(|p: &Placed| p.row != placed.row) {
                if rows == header::WINDOW_ROWS + LOOKAHEAD_ROWS {
                    feed.unread(vec![placed]);
                    break;
                }
                rows += 1;
            }
            window.push(placed);
        }
        // Stable, so that of two values written to the same cell the later one still comes
        // last and wins.
        window.sort_by_key(|p| (p.row, p.col));
        let empty = || error::data(format!("sheet \"{sheet}\" of {file} is empty"));
        let found = header::detect(&window).ok_or_else(empty)?;
        let (Some(&(header_first, _)), Some(&(last_col, _))) =
            (found.cells.first(), found.cells.last())
        else {
            return Err(empty());
        };
        let below: Vec<Placed> = window.into_iter().filter(|p| p.row > found.row).collect();
        // Values left of the first header name are kept as unnamed columns rather than
        // rejected: a leading ID or row-number column often has no title.
        let first_col = below
            .iter()
            .filter(|p| !p.cell.is_blank())
            .map(|p| p.col)
            .fold(header_first, u32::min);
        let header_row = u64::from(found.row);
        let last_seen = below.last().map_or(header_row, |p| u64::from(p.row));
        feed.unread(below);
        let width = u64::from(last_col - first_col) + 1;
        // Before the column names are made: a far-away header cell may make the table wider
        // than the limit.
        check_span(&file, &sheet, max_cells, width, last_seen - header_row + 1)?;
        let description = format!(
            "{file} ({format}, sheet \"{sheet}\", header on row {})",
            header_row + 1
        );
        Ok(ExcelReader {
            feed,
            header: Header {
                names: header::names(&found.cells, first_col, last_col),
                row: header_row + 1,
            },
            file,
            description,
            sheet,
            max_cells,
            first_col,
            last_col,
            header_row,
            next_row: header_row + 1,
            extent: extent.map(u64::from),
            done: 0,
            scratch: Vec::new(),
        })
    }

    fn reject(&self, row: u64, outside: &[u32]) -> Reject {
        let refs: Vec<String> = outside
            .iter()
            .map(|c| format!("{}{row}", column_name(*c)))
            .collect();
        let one = outside.len() == 1;
        let place = if outside.iter().all(|c| *c > self.last_col) {
            let last_name = self
                .header
                .names
                .last()
                .map(String::as_str)
                .unwrap_or_default();
            format!(
                "right of the last header column {} (\"{last_name}\")",
                column_name(self.last_col)
            )
        } else {
            format!(
                "which spans columns {}–{} (set by the header and the first {LOOKAHEAD_ROWS} rows \
                 below it)",
                column_name(self.first_col),
                column_name(self.last_col)
            )
        };
        let reason = format!(
            "{} value{} outside the table, {place}: {}; add a header for {} or remove {}",
            outside.len(),
            if one { "" } else { "s" },
            refs.join(", "),
            if one { "that column" } else { "those columns" },
            if one { "the value" } else { "the values" },
        );
        Reject::row(self.file.clone(), row, reason).with_raw(&self.raw(row))
    }

    /// The row's non-blank cells as `A7=value; C7=value`.
    fn raw(&self, row: u64) -> String {
        self.scratch
            .iter()
            .filter(|(_, c)| !c.is_blank())
            .map(|(col, c)| format!("{}{row}={}", column_name(*col), c.to_text()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl TableReader for ExcelReader {
    fn header(&self) -> &Header {
        &self.header
    }

    fn next_event(&mut self) -> Result<Option<RowEvent>, ConnectorError> {
        let Some(next_cell_row) = self.feed.peek_row()?.map(u64::from) else {
            return Ok(None);
        };
        self.done += 1;
        self.scratch.clear();
        if next_cell_row < self.next_row {
            // A cell that belongs to a row already handed on: report it, never drop it.
            if let Some(late) = self.feed.next()? {
                let number = next_cell_row + 1;
                self.scratch.push((late.col, late.cell));
                let reason = format!(
                    "value stored after row {} in the file although it belongs to row \
                     {number}; the file is damaged or was not written by Excel: open it in \
                     Excel and save it again",
                    self.next_row
                );
                let reject =
                    Reject::row(self.file.clone(), number, reason).with_raw(&self.raw(number));
                return Ok(Some(RowEvent::Reject(reject)));
            }
        }
        let row = self.next_row;
        check_span(
            &self.file,
            &self.sheet,
            self.max_cells,
            u64::from(self.last_col - self.first_col) + 1,
            row - self.header_row + 1,
        )?;
        self.next_row += 1;
        let number = row + 1;
        if next_cell_row > row {
            return Ok(Some(RowEvent::Blank { row: number }));
        }
        while self.feed.peek_row()?.map(u64::from) == Some(row) {
            if let Some(placed) = self.feed.next()? {
                self.scratch.push((placed.col, placed.cell));
            }
        }
        if self.scratch.iter().all(|(_, c)| c.is_blank()) {
            return Ok(Some(RowEvent::Blank { row: number }));
        }
        let outside: Vec<u32> = self
            .scratch
            .iter()
            .filter(|(col, c)| (*col < self.first_col || *col > self.last_col) && !c.is_blank())
            .map(|(col, _)| *col)
            .collect();
        if !outside.is_empty() {
            return Ok(Some(RowEvent::Reject(self.reject(number, &outside))));
        }
        let width = (self.last_col - self.first_col) as usize + 1;
        let mut cells = vec![Cell::Empty; width];
        // Blank cells outside the table may remain; they have no slot and are dropped.
        for (col, cell) in self.scratch.drain(..) {
            let slot = col
                .checked_sub(self.first_col)
                .and_then(|i| cells.get_mut(i as usize));
            if let Some(slot) = slot {
                *slot = cell;
            }
        }
        Ok(Some(RowEvent::Row(TableRow { row: number, cells })))
    }

    fn progress(&self) -> Progress {
        // The declared extent is only a hint: no total when the sheet has outgrown it.
        let total = self
            .extent
            .filter(|last| *last + 1 >= self.next_row)
            .map(|last| last.saturating_sub(self.header_row).max(self.done));
        Progress {
            done: self.done,
            total,
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// Refuse a table of `rows` (header included) × `width` columns beyond the cell limit, so
/// that a sheet with a far-away cell cannot produce an unbounded run of rows or columns.
fn check_span(
    file: &str,
    sheet: &str,
    max_cells: u64,
    width: u64,
    rows: u64,
) -> Result<(), ConnectorError> {
    let span = rows.saturating_mul(width);
    if span <= max_cells {
        return Ok(());
    }
    Err(error::too_large(
        file,
        &format!(
            "sheet \"{sheet}\" spans {rows} rows × {width} columns = {span} cells, more than \
             the {max_cells} allowed"
        ),
    ))
}

/// Excel's column letters for a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub(crate) fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_match_excel() {
        for (col, name) in [
            (0, "A"),
            (6, "G"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (16383, "XFD"),
        ] {
            assert_eq!(column_name(col), name);
        }
    }
}
