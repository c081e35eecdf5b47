//! A pre-scan of an `.xls` workbook's record stream that bounds what parsing it will cost.
//!
//! calamine parses every sheet of an `.xls` file when it opens it, sizing its buffers from the
//! file: it reserves room for the rows × columns a sheet's DIMENSIONS record declares, and it
//! lays each sheet out as a dense grid spanning its outermost cells. A few bytes declaring a
//! 4-billion-row sheet, or two cells at opposite corners of a 65,536 × 65,536 grid, would make
//! those allocations fail, which aborts the process rather than returning an error. This scan
//! walks the same records calamine will (the globals, then each sheet from the offset its
//! BoundSheet8 record gives) and refuses the file before calamine sees it when any of those
//! sizes exceeds the cell limit.

use crate::cfb::{u16_at, u32_at};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MULRK: u16 = 0x00BD;
/// Records that place one value at the (row, column) in their first four bytes.
const SINGLE_CELL: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

/// Why an `.xls` record stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BiffError {
    /// The workbook is encrypted or obfuscated with a password (a FILEPASS record).
    #[error("the workbook is password-protected")]
    Encrypted,
    /// A sheet's DIMENSIONS record declares more cells than allowed.
    #[error("sheet {sheet} declares {cells} cells")]
    DeclaredTooLarge {
        /// 1-based sheet number.
        sheet: usize,
        /// Declared rows × columns.
        cells: u64,
    },
    /// The sheets together span more cells than allowed.
    #[error("its sheets span {cells} cells")]
    TooLarge {
        /// Sum of the sheets' spans.
        cells: u64,
    },
    /// A sheet's record offset is outside the stream or inside another sheet.
    #[error("a sheet's records start outside the workbook stream or inside another sheet")]
    BadSheetOffset,
}

/// One record: its type and payload.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
}

/// Records from the start of `stream`, ending at the first truncated record (calamine fails
/// on those, so nothing past them is ever parsed).
fn records(stream: &[u8]) -> impl Iterator<Item = (usize, Record<'_>)> + '_ {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let typ = u16_at(stream, at);
        let len = u16_at(stream, at + 2) as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        let offset = at;
        at += 4 + len;
        Some((offset, Record { typ, data }))
    })
}

/// Check `stream` (the `Workbook` or `Book` stream of an `.xls`) against `max_cells`.
pub(crate) fn check(stream: &[u8], max_cells: u64) -> Result<(), BiffError> {
    let mut sheet_offsets = Vec::new();
    for (_, record) in records(stream) {
        match record.typ {
            FILEPASS => return Err(BiffError::Encrypted),
            BOUNDSHEET if record.data.len() >= 4 => {
                sheet_offsets.push(u32_at(record.data, 0) as usize);
            }
            EOF => break,
            _ => {}
        }
    }

    let mut order: Vec<(usize, usize)> = sheet_offsets.iter().copied().enumerate().collect();
    order.sort_by_key(|&(_, offset)| offset);
    let mut scanned_to = 0usize;
    let mut total = 0u64;
    for (index, offset) in order {
        // Overlapping sheets would make calamine parse the same records again for each
        // sheet, multiplying time and memory; real files never overlap.
        if offset < scanned_to {
            return Err(BiffError::BadSheetOffset);
        }
        let sheet = stream.get(offset..).ok_or(BiffError::BadSheetOffset)?;
        let scan = scan_sheet(sheet);
        scanned_to = offset + scan.len;
        if scan.declared > max_cells {
            return Err(BiffError::DeclaredTooLarge {
                sheet: index + 1,
                cells: scan.declared,
            });
        }
        total = total.saturating_add(scan.span());
        if total > max_cells {
            return Err(BiffError::TooLarge { cells: total });
        }
    }
    Ok(())
}

/// What one sheet substream holds.
#[derive(Default)]
struct SheetScan {
    /// Bytes from the sheet's start to the end of its EOF record (or of the last record).
    len: usize,
    /// The largest rows × columns a DIMENSIONS record declares, computed as calamine does.
    declared: u64,
    /// Bounds of the cells: (min row, max row, min col, max col).
    bounds: Option<(u32, u32, u32, u32)>,
}

impl SheetScan {
    fn span(&self) -> u64 {
        self.bounds.map_or(0, |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1).saturating_mul(u64::from(c1 - c0) + 1)
        })
    }

    fn include(&mut self, row: u32, col: u32) {
        self.bounds = Some(match self.bounds {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }
}

/// Walk one sheet the way calamine does: its first BOF opens it, nested BOF/EOF pairs
/// (embedded charts) are skipped, and the first EOF at depth zero closes it.
fn scan_sheet(sheet: &[u8]) -> SheetScan {
    let mut scan = SheetScan::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    for (offset, record) in records(sheet) {
        scan.len = offset + 4 + record.data.len();
        if depth > 0 {
            match record.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match record.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => scan.declared = scan.declared.max(declared_cells(record.data)),
            MULRK if record.data.len() >= 6 => {
                let row = u32::from(u16_at(record.data, 0));
                let first = u32::from(u16_at(record.data, 2));
                let last = u32::from(u16_at(record.data, record.data.len() - 2));
                scan.include(row, first);
                if last >= first {
                    scan.include(row, last);
                }
            }
            t if SINGLE_CELL.contains(&t) && record.data.len() >= 4 => {
                scan.include(
                    u32::from(u16_at(record.data, 0)),
                    u32::from(u16_at(record.data, 2)),
                );
            }
            _ => {}
        }
    }
    scan
}

/// The capacity calamine reserves for a DIMENSIONS record: it computes rows and columns with
/// 32-bit arithmetic that wraps on inverted bounds, so we do the same to see what it would
/// ask for.
fn declared_cells(data: &[u8]) -> u64 {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)),
            u32::from(u16_at(data, 2)),
            u32::from(u16_at(data, 4)),
            u32::from(u16_at(data, 6)),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u32::from(u16_at(data, 8)),
            u32::from(u16_at(data, 10)),
        ),
        _ => return 0,
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    if last_row < 1 || last_col < 1 {
        return 1;
    }
    let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
    let cols = (last_col - 1).wrapping_sub(first_col).wrapping_add(1);
    u64::from(rows).saturating_mul(u64::from(cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn cell(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&[0; 10]);
        record(0x0203, &data)
    }

    fn dims(first_row: u32, last_row: u32, first_col: u16, last_col: u16) -> Vec<u8> {
        let mut data = first_row.to_le_bytes().to_vec();
        data.extend_from_slice(&last_row.to_le_bytes());
        data.extend_from_slice(&first_col.to_le_bytes());
        data.extend_from_slice(&last_col.to_le_bytes());
        data.extend_from_slice(&[0, 0]);
        record(DIMENSIONS, &data)
    }

    /// A stream with globals naming one sheet whose records are `body`.
    fn workbook(body: &[Vec<u8>]) -> Vec<u8> {
        let globals_len = 4 + (4 + 8) + 4;
        let mut out = record(BOF, &[]);
        let mut sheet = (globals_len as u32).to_le_bytes().to_vec();
        sheet.extend_from_slice(&[0, 0, 1, b'S']);
        out.extend(record(BOUNDSHEET, &sheet));
        out.extend(record(EOF, &[]));
        assert_eq!(out.len(), globals_len);
        out.extend(record(BOF, &[]));
        for r in body {
            out.extend_from_slice(r);
        }
        out.extend(record(EOF, &[]));
        out
    }

    #[test]
    fn ordinary_sheets_pass() {
        let stream = workbook(&[dims(0, 3, 0, 2), cell(0, 0), cell(2, 1)]);
        assert_eq!(check(&stream, 6), Ok(()));
    }

    #[test]
    fn cells_at_far_corners_are_refused() {
        let stream = workbook(&[cell(0, 0), cell(65535, 255)]);
        assert_eq!(
            check(&stream, 1_000_000),
            Err(BiffError::TooLarge { cells: 65536 * 256 })
        );
    }

    #[test]
    fn huge_or_inverted_dimensions_are_refused() {
        let huge = workbook(&[dims(0, u32::MAX, 0, 256)]);
        assert!(matches!(
            check(&huge, 50_000_000),
            Err(BiffError::DeclaredTooLarge { .. })
        ));
        // Last row before first row wraps to about 4 billion rows in calamine's arithmetic.
        let inverted = workbook(&[dims(10, 5, 0, 1)]);
        assert!(matches!(
            check(&inverted, 50_000_000),
            Err(BiffError::DeclaredTooLarge { .. })
        ));
    }

    #[test]
    fn encrypted_and_misplaced_sheets_are_refused() {
        let mut encrypted = record(BOF, &[]);
        encrypted.extend(record(FILEPASS, &[1, 0]));
        assert_eq!(check(&encrypted, 10), Err(BiffError::Encrypted));

        let mut stream = record(BOF, &[]);
        stream.extend(record(BOUNDSHEET, &[0xFF, 0xFF, 0, 0, 0, 0, 1, b'S']));
        stream.extend(record(EOF, &[]));
        assert_eq!(check(&stream, 10), Err(BiffError::BadSheetOffset));
    }

    #[test]
    fn charts_nested_in_a_sheet_are_skipped() {
        let nested = [
            record(BOF, &[]),
            cell(60000, 200),
            record(EOF, &[]),
            cell(1, 1),
        ];
        assert_eq!(check(&workbook(&nested), 1), Ok(()));
    }
}
