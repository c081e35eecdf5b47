//! Reader options: which sheet to read and the size limits that keep hostile files harmless.

/// Default for [`ExcelOptions::max_cells`].
pub const DEFAULT_MAX_CELLS: u64 = 50_000_000;

/// Default for [`ExcelOptions::max_file_bytes`]: 512 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Bytes of unpacked XML we allow per permitted cell when checking a zip container's declared
/// sizes. A cell costs 20 to 60 bytes of sheet XML in practice, plus its shared string, so 100
/// leaves headroom for real workbooks while refusing archives that unpack to far more than
/// their cell limit could ever need (zip bombs).
const UNPACKED_BYTES_PER_CELL: u64 = 100;

/// Which worksheet of a workbook to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SheetSelector {
    /// The first worksheet that has at least one non-empty cell. Visible sheets are tried
    /// first, in workbook order, then hidden ones; chart sheets are never chosen.
    #[default]
    FirstNonEmpty,
    /// A sheet by name. An exact match wins, then a case-insensitive one. When no sheet has
    /// this name and the text is a positive whole number, it is taken as a 1-based sheet
    /// number, so `--sheet 2` reads the second sheet unless a sheet is literally named "2".
    Name(String),
    /// A sheet by 0-based position in workbook order (chart sheets included, as Excel's tab
    /// order shows them).
    Index(usize),
}

impl SheetSelector {
    /// Interpret a `--sheet` argument: a sheet name or a 1-based sheet number.
    ///
    /// Blank text means [`SheetSelector::FirstNonEmpty`]. Anything else becomes
    /// [`SheetSelector::Name`]; whether a number such as `"2"` names a sheet or counts one is
    /// decided when the workbook is opened (a sheet named `"2"` wins over the second sheet),
    /// because only then are the names known.
    pub fn parse(s: &str) -> SheetSelector {
        if s.trim().is_empty() {
            SheetSelector::FirstNonEmpty
        } else {
            SheetSelector::Name(s.to_string())
        }
    }
}

/// Options for [`crate::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcelOptions {
    /// Which sheet to read.
    pub sheet: SheetSelector,
    /// The most cells a sheet may span (rows × columns of the table, and the non-empty
    /// cells read from the sheet). Checked before the sheet is materialised wherever the
    /// format allows (see the crate docs), so a file that declares a gigantic range fails
    /// with a clear error instead of exhausting memory.
    pub max_cells: u64,
    /// The largest file accepted, checked before anything is parsed.
    pub max_file_bytes: u64,
}

impl Default for ExcelOptions {
    fn default() -> Self {
        ExcelOptions {
            sheet: SheetSelector::FirstNonEmpty,
            max_cells: DEFAULT_MAX_CELLS,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl ExcelOptions {
    /// How many bytes the parts of a zip-based workbook may unpack to, in total.
    pub(crate) fn unpacked_budget(&self) -> u64 {
        self.max_file_bytes
            .max(self.max_cells.saturating_mul(UNPACKED_BYTES_PER_CELL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_numbers_as_names_until_open() {
        let cases = [
            ("", SheetSelector::FirstNonEmpty),
            ("   ", SheetSelector::FirstNonEmpty),
            ("Leads", SheetSelector::Name("Leads".into())),
            ("2", SheetSelector::Name("2".into())),
            (" Q3 ", SheetSelector::Name(" Q3 ".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(SheetSelector::parse(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn budget_is_at_least_the_file_limit() {
        let small = ExcelOptions {
            max_cells: 10,
            ..ExcelOptions::default()
        };
        assert_eq!(small.unpacked_budget(), DEFAULT_MAX_FILE_BYTES);
        assert_eq!(ExcelOptions::default().unpacked_budget(), 5_000_000_000);
    }
}
