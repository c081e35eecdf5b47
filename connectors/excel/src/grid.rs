//! The chosen sheet's cells in memory, handed out one row at a time.
//!
//! xlsx and xlsb sheets are read through the parser's streaming cell readers straight into a
//! sparse list of the non-empty cells, already converted, so a sheet costs memory for the
//! cells it has rather than for its bounding rectangle and no second copy is made. xls and ods
//! sheets only come as a dense rectangle from the parser; their cells are converted as each
//! row is read.

use crate::convert;
use calamine::{Data, Range};
use crmsync_sdk::Cell;

/// A non-empty cell at its 0-based sheet position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    pub(crate) row: u32,
    pub(crate) col: u32,
    pub(crate) cell: Cell,
}

/// 0-based, inclusive bounds of the non-empty cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) first_row: u32,
    pub(crate) last_row: u32,
}

enum Inner {
    /// Sorted by (row, column); `cursor` is the first cell not yet taken.
    Sparse {
        cells: Vec<Placed>,
        cursor: usize,
    },
    Dense(Range<Data>),
}

/// A sheet's cells.
pub(crate) struct Grid {
    inner: Inner,
    bounds: Option<Bounds>,
}

impl Grid {
    /// A grid over the non-empty cells of a sheet, in any order.
    pub(crate) fn sparse(mut cells: Vec<Placed>) -> Grid {
        let sorted = cells.windows(2).all(|w| match w {
            [a, b] => (a.row, a.col) <= (b.row, b.col),
            _ => true,
        });
        if !sorted {
            // Stable, so that of two values written to the same cell the later one still
            // comes last and wins, as it does in the parser's own grid.
            cells.sort_by_key(|p| (p.row, p.col));
        }
        let bounds = match (cells.first(), cells.last()) {
            (Some(first), Some(last)) => Some(Bounds {
                first_row: first.row,
                last_row: last.row,
            }),
            _ => None,
        };
        Grid {
            inner: Inner::Sparse { cells, cursor: 0 },
            bounds,
        }
    }

    /// A grid over a dense range from the parser.
    pub(crate) fn dense(range: Range<Data>) -> Grid {
        let start_row = range.start().map_or(0, |(r, _)| r);
        let mut bounds: Option<Bounds> = None;
        for (row, _, _) in range.used_cells() {
            let row = start_row.saturating_add(row as u32);
            bounds = Some(match bounds {
                None => Bounds {
                    first_row: row,
                    last_row: row,
                },
                Some(b) => Bounds {
                    first_row: b.first_row.min(row),
                    last_row: b.last_row.max(row),
                },
            });
        }
        Grid {
            inner: Inner::Dense(range),
            bounds,
        }
    }

    /// Bounds of the rows holding non-empty cells; `None` for an empty sheet.
    pub(crate) fn bounds(&self) -> Option<Bounds> {
        self.bounds
    }

    /// Whether any cell holds something other than blank text.
    pub(crate) fn has_values(&self) -> bool {
        match &self.inner {
            Inner::Sparse { cells, .. } => cells.iter().any(|p| !p.cell.is_blank()),
            Inner::Dense(range) => range.used_cells().any(|(_, _, d)| !is_blank(d)),
        }
    }

    /// A copy of the non-empty cells of `row`, as (column, cell), left to right.
    pub(crate) fn row(&self, row: u32) -> Vec<(u32, Cell)> {
        match &self.inner {
            Inner::Sparse { cells, .. } => {
                let start = cells.partition_point(|p| p.row < row);
                cells
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|p| p.row == row)
                    .map(|p| (p.col, p.cell.clone()))
                    .collect()
            }
            Inner::Dense(range) => dense_row(range, row),
        }
    }

    /// Move the non-empty cells of `row` into `out`. Rows must be taken in increasing order;
    /// a sparse grid gives up each cell's value as it goes, so its text is freed as soon as
    /// the row has been handed on.
    pub(crate) fn take_row(&mut self, row: u32, out: &mut Vec<(u32, Cell)>) {
        match &mut self.inner {
            Inner::Sparse { cells, cursor } => {
                while cells.get(*cursor).is_some_and(|p| p.row < row) {
                    *cursor += 1;
                }
                while let Some(p) = cells.get_mut(*cursor).filter(|p| p.row == row) {
                    out.push((p.col, std::mem::replace(&mut p.cell, Cell::Empty)));
                    *cursor += 1;
                }
            }
            Inner::Dense(range) => out.extend(dense_row(range, row)),
        }
    }

    /// The leftmost column holding a non-blank cell in `from_row` or below.
    pub(crate) fn min_col_from(&self, from_row: u32) -> Option<u32> {
        match &self.inner {
            Inner::Sparse { cells, .. } => {
                let start = cells.partition_point(|p| p.row < from_row);
                cells
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|p| !p.cell.is_blank())
                    .map(|p| p.col)
                    .min()
            }
            Inner::Dense(range) => {
                let (start_row, start_col) = range.start()?;
                range
                    .used_cells()
                    .filter(|(r, _, d)| {
                        start_row.saturating_add(*r as u32) >= from_row && !is_blank(d)
                    })
                    .map(|(_, c, _)| start_col.saturating_add(c as u32))
                    .min()
            }
        }
    }
}

/// [`Cell::is_blank`] without converting.
fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn dense_row(range: &Range<Data>, row: u32) -> Vec<(u32, Cell)> {
    let (Some((_, first_col)), Some((_, last_col))) = (range.start(), range.end()) else {
        return Vec::new();
    };
    (first_col..=last_col)
        .filter_map(|col| match range.get_value((row, col)) {
            None | Some(Data::Empty) => None,
            Some(d) => Some((col, convert::from_data(d))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(row: u32, col: u32, text: &str) -> Placed {
        Placed {
            row,
            col,
            cell: Cell::Text(text.into()),
        }
    }

    #[test]
    fn sparse_rows_come_out_in_order_and_once() {
        let mut grid = Grid::sparse(vec![
            placed(4, 2, "c"),
            placed(2, 1, "a"),
            placed(4, 0, "b"),
        ]);
        assert_eq!(
            grid.bounds(),
            Some(Bounds {
                first_row: 2,
                last_row: 4
            })
        );
        assert_eq!(
            grid.row(4),
            vec![(0, Cell::Text("b".into())), (2, Cell::Text("c".into()))]
        );
        assert_eq!(grid.min_col_from(3), Some(0));
        let mut out = Vec::new();
        grid.take_row(3, &mut out);
        assert!(out.is_empty());
        grid.take_row(4, &mut out);
        assert_eq!(
            out,
            vec![(0, Cell::Text("b".into())), (2, Cell::Text("c".into()))]
        );
    }

    #[test]
    fn dense_rows_skip_empty_cells() {
        let cells = vec![
            calamine::Cell::new((1, 1), Data::String("x".into())),
            calamine::Cell::new((3, 2), Data::Float(2.0)),
        ];
        let grid = Grid::dense(Range::from_sparse(cells));
        assert_eq!(
            grid.bounds(),
            Some(Bounds {
                first_row: 1,
                last_row: 3
            })
        );
        assert_eq!(grid.row(3), vec![(2, Cell::Int(2))]);
        assert_eq!(grid.row(2), vec![]);
        assert_eq!(grid.min_col_from(2), Some(2));
        assert!(grid.has_values());
    }
}
