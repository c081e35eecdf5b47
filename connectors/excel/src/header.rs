//! Finding the header row below any title rows.
//!
//! Exports often start with a title ("Q3 Tradeshow leads export"), a date line or blank rows
//! before the real column names. Among the first [`WINDOW_ROWS`] rows from the first
//! non-empty one, the header is the first row that
//!
//! 1. has at least `max(2, ⌈60 % of the widest row in the window⌉)` non-blank cells, where
//!    the widest row is the one with the most non-blank cells, and
//! 2. holds only text in those cells (column names are text; a row with a number or a date
//!    in it is data).
//!
//! A title merged across the columns counts as one cell (the workbook stores its value in
//! the top-left cell only), so it never qualifies. When no row qualifies, for instance in a
//! one-column sheet, the first non-empty row is the header.
//!
//! Rows above the header are not data and produce no events; [`crmsync_sdk::Header::row`]
//! tells the caller where the table starts, so a misplaced header shows in the description
//! rather than passing unnoticed.

use crate::feed::Placed;
use crmsync_sdk::Cell;

/// How many rows, from the first non-empty one, may hold the header.
pub(crate) const WINDOW_ROWS: u32 = 20;

/// The detected header row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detected {
    /// 0-based sheet row.
    pub(crate) row: u32,
    /// Its non-blank cells as (column, cell), left to right.
    pub(crate) cells: Vec<(u32, Cell)>,
}

/// Find the header row among `cells`, the first rows of a sheet sorted by (row, column);
/// `None` when no cell is non-blank.
pub(crate) fn detect(cells: &[Placed]) -> Option<Detected> {
    let last = cells.first()?.row.saturating_add(WINDOW_ROWS - 1);
    let mut rows: Vec<Detected> = Vec::new();
    for placed in cells.iter().take_while(|p| p.row <= last) {
        if rows.last().is_none_or(|r| r.row != placed.row) {
            rows.push(Detected {
                row: placed.row,
                cells: Vec::new(),
            });
        }
        if let Some(row) = rows.last_mut().filter(|_| !placed.cell.is_blank()) {
            row.cells.push((placed.col, placed.cell.clone()));
        }
    }
    let widest = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let needed = 2.max((widest * 3).div_ceil(5));
    let is_header = |r: &&Detected| {
        r.cells.len() >= needed && r.cells.iter().all(|(_, c)| matches!(c, Cell::Text(_)))
    };
    let found = rows
        .iter()
        .find(is_header)
        .or_else(|| rows.iter().find(|r| !r.cells.is_empty()));
    found.cloned()
}

/// Column names for columns `first..=last`: the header text trimmed, with runs of
/// whitespace (line breaks in wrapped header cells) folded to one space; `column_N`
/// (1-based within the table) where the header cell is blank.
pub(crate) fn names(header: &[(u32, Cell)], first: u32, last: u32) -> Vec<String> {
    (first..=last)
        .enumerate()
        .map(|(i, col)| {
            let text = header
                .iter()
                .find(|(c, _)| *c == col)
                .map(|(_, cell)| {
                    cell.to_text()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            if text.is_empty() {
                format!("column_{}", i + 1)
            } else {
                text
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[(u32, &[(u32, Cell)])]) -> Vec<Placed> {
        rows.iter()
            .flat_map(|(row, cells)| {
                cells.iter().map(|(col, cell)| Placed {
                    row: *row,
                    col: *col,
                    cell: cell.clone(),
                })
            })
            .collect()
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let g = grid(&[
            (0, &[(0, t("Q3 Tradeshow leads export"))]),
            (2, &[(0, t("Exported by sales-ops")), (1, t("2024-10-01"))]),
            (
                3,
                &[
                    (0, t("Name")),
                    (1, t("Email")),
                    (2, t("Phone")),
                    (3, t("Score")),
                ],
            ),
            (
                4,
                &[
                    (0, t("Ada")),
                    (1, t("ada@example.com")),
                    (2, Cell::Int(4155550132)),
                ],
            ),
        ]);
        let found = detect(&g).unwrap();
        assert_eq!(found.row, 3);
        assert_eq!(found.cells.len(), 4);
    }

    #[test]
    fn rows_with_numbers_are_not_headers() {
        // Row 0 is text but too narrow (2 of 5 < 60 %); row 1 has a number.
        let g = grid(&[
            (0, &[(0, t("a")), (1, t("b"))]),
            (
                1,
                &[
                    (0, t("x")),
                    (1, Cell::Int(1)),
                    (2, t("y")),
                    (3, t("z")),
                    (4, t("w")),
                ],
            ),
            (2, &[(0, t("n")), (1, t("e")), (2, t("p"))]),
        ]);
        assert_eq!(detect(&g).unwrap().row, 2);
    }

    #[test]
    fn single_column_sheets_use_the_first_row() {
        let g = grid(&[(5, &[(1, t("email"))]), (6, &[(1, t("a@b.c"))])]);
        assert_eq!(detect(&g).unwrap().row, 5);
        assert_eq!(detect(&grid(&[])), None);
    }

    #[test]
    fn names_are_tidied_and_gaps_named() {
        let header = [(1, t("  First\nName ")), (3, Cell::Int(2024))];
        assert_eq!(
            names(&header, 0, 3),
            ["column_1", "First Name", "column_3", "2024"]
        );
    }
}
