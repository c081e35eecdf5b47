//! [`ExcelReader`]: one worksheet as header plus row events.

use crate::error;
use crate::grid::Grid;
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
/// - [`RowEvent::Reject`] for a row with a value to the right of the last header column,
///   so that such values are reported instead of silently dropped;
/// - [`RowEvent::Row`] otherwise, with exactly one cell per header column (missing cells are
///   [`Cell::Empty`]).
///
/// Row numbers are the 1-based numbers Excel shows, wherever the used range starts.
/// Progress counts rows: `done` events out of the rows below the header.
pub struct ExcelReader {
    grid: Grid,
    header: Header,
    file: String,
    description: String,
    /// 0-based sheet columns of the table, inclusive.
    first_col: u32,
    last_col: u32,
    /// 0-based sheet row of the next event, and of the last row with a value.
    next_row: u64,
    last_row: u64,
    done: u64,
    total: u64,
    scratch: Vec<(u32, Cell)>,
}

impl ExcelReader {
    /// Detect the header of `grid` and prepare to read the rows below it.
    pub(crate) fn new(
        grid: Grid,
        file: String,
        format: &str,
        sheet: &str,
        max_cells: u64,
    ) -> Result<ExcelReader, ConnectorError> {
        let (Some(found), Some(bounds)) = (header::detect(&grid), grid.bounds()) else {
            return Err(error::data(format!("sheet \"{sheet}\" of {file} is empty")));
        };
        let (Some(&(header_first, _)), Some(&(last_col, _))) =
            (found.cells.first(), found.cells.last())
        else {
            return Err(error::data(format!("sheet \"{sheet}\" of {file} is empty")));
        };
        // Values left of the first header name are kept as unnamed columns rather than
        // rejected: a leading ID or row-number column often has no title.
        let first_col = header_first.min(
            grid.min_col_from(found.row.saturating_add(1))
                .unwrap_or(u32::MAX),
        );
        let width = u64::from(last_col - first_col) + 1;
        let header_row = u64::from(found.row);
        let last_row = u64::from(bounds.last_row);
        let total = last_row.saturating_sub(header_row);
        let span = (total + 1).saturating_mul(width);
        if span > max_cells {
            return Err(error::too_large(
                &file,
                &format!(
                    "sheet \"{sheet}\" spans {} rows × {width} columns = {span} cells, more \
                     than the {max_cells} allowed",
                    total + 1
                ),
            ));
        }
        let names = header::names(&found.cells, first_col, last_col);
        let description = format!(
            "{file} ({format}, sheet \"{sheet}\", header on row {})",
            header_row + 1
        );
        Ok(ExcelReader {
            grid,
            header: Header {
                names,
                row: header_row + 1,
            },
            file,
            description,
            first_col,
            last_col,
            next_row: header_row + 1,
            last_row,
            done: 0,
            total,
            scratch: Vec::new(),
        })
    }

    fn reject(&self, row: u64, outside: &[u32]) -> Reject {
        let refs: Vec<String> = outside
            .iter()
            .map(|c| format!("{}{row}", column_name(*c)))
            .collect();
        let last_name = self
            .header
            .names
            .last()
            .map(String::as_str)
            .unwrap_or_default();
        let reason =
            format!(
            "{} value{} outside the table, right of the last header column {} (\"{last_name}\"): \
             {}; add a header for {} or remove {}",
            outside.len(),
            if outside.len() == 1 { "" } else { "s" },
            column_name(self.last_col),
            refs.join(", "),
            if outside.len() == 1 { "that column" } else { "those columns" },
            if outside.len() == 1 { "the value" } else { "the values" },
        );
        let raw = self
            .scratch
            .iter()
            .filter(|(_, c)| !c.is_blank())
            .map(|(col, c)| format!("{}{row}={}", column_name(*col), c.to_text()))
            .collect::<Vec<_>>()
            .join("; ");
        Reject::row(self.file.clone(), row, reason).with_raw(&raw)
    }
}

impl TableReader for ExcelReader {
    fn header(&self) -> &Header {
        &self.header
    }

    fn next_event(&mut self) -> Result<Option<RowEvent>, ConnectorError> {
        if self.next_row > self.last_row {
            return Ok(None);
        }
        let row = self.next_row;
        self.next_row += 1;
        self.done += 1;
        let number = row + 1;
        self.scratch.clear();
        // `row` is at most `last_row`, which came from a u32.
        self.grid
            .take_row(u32::try_from(row).unwrap_or(u32::MAX), &mut self.scratch);
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
        Progress {
            done: self.done,
            total: Some(self.total),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
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
