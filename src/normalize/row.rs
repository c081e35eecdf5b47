//! One input row → a normalized record (or a reject), pure and thread-safe, so that several
//! rows are normalized in parallel while one writer feeds the database.

use crate::model::{Field, InvalidValue, KeyKind, RecordData};
use crate::normalize::dnc::DncList;
use crate::normalize::mapping::{ColumnMap, Target};
use crate::normalize::phone::PhoneNormalizer;
use crate::normalize::{datetime, email, text};
use crmsync_sdk::{Cell, Reject, TableRow};
use std::borrow::Cow;
use std::sync::Arc;

/// Everything a row needs to be normalized; shared read-only by the worker threads.
#[derive(Debug)]
pub struct RowNormalizer {
    /// The input's column mapping.
    pub map: ColumnMap,
    /// Phone parsing with the default region.
    pub phones: PhoneNormalizer,
    /// DNC snapshot.
    pub dnc: Arc<DncList>,
    /// File name for rejects.
    pub file: String,
}

/// A row ready for the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedRow {
    /// Row number in the input.
    pub row: u64,
    /// The dedup key (`source_id`).
    pub key: String,
    /// Where the key came from.
    pub key_kind: KeyKind,
    /// The record's data, boxed: rows move through the pipeline and the classifier several
    /// times, and a pointer is cheaper to move than the record.
    pub data: Box<RecordData>,
    /// Number of values that failed validation.
    pub invalid_count: u32,
}

/// The outcome for one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// A record to write.
    Record(Box<NormalizedRow>),
    /// A row that cannot be imported.
    Reject(Reject),
}

/// Text of a cell as an identifier or free value, trimmed; whole numbers print without `.0`.
/// A text cell is borrowed: most values are cleaned into a new string anyway, and copying
/// each cell first was two of the three allocations a typical value cost.
fn cell_text(cell: &Cell) -> Option<Cow<'_, str>> {
    let text = match cell {
        Cell::Empty => return None,
        Cell::Text(s) => Cow::Borrowed(trimmed(s)),
        other => match other.to_text().trim() {
            "" => return None,
            t => Cow::Owned(t.to_owned()),
        },
    };
    (!text.is_empty()).then_some(text)
}

/// `s` without surrounding whitespace, as `str::trim` returns it, without looking further
/// when the first and last bytes are visible ASCII, as in nearly every cell.
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn cell_bool(cell: &Cell) -> Result<Option<bool>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Int(0) => Ok(Some(false)),
        Cell::Int(1) => Ok(Some(true)),
        other => {
            let s = other.to_text();
            if s.trim().is_empty() {
                return Ok(None);
            }
            text::parse_bool(&s)
                .map(Some)
                .ok_or_else(|| format!("not a yes/no value: {s:?}"))
        }
    }
}

impl RowNormalizer {
    fn invalid(
        &self,
        data: &mut RecordData,
        count: &mut u32,
        col: usize,
        raw: String,
        reason: String,
    ) {
        let name = self.map.headers.get(col).cloned().unwrap_or_default();
        *count += 1;
        data.invalid.insert(name, InvalidValue { raw, reason });
    }

    /// Normalize one row.
    pub fn normalize(&self, row: &TableRow) -> RowOutcome {
        let mut data = RecordData::default();
        let mut invalid = 0u32;
        let mut key: Option<String> = None;
        let mut full_name: Option<String> = None;
        let mut opt_out_reasons: Vec<String> = Vec::new();
        for (col, (cell, target)) in row.cells.iter().zip(&self.map.targets).enumerate() {
            if cell.is_blank() {
                continue;
            }
            if let Cell::Error(e) = cell {
                if !matches!(target, Target::Ignore) {
                    let reason = format!("spreadsheet error value {e}");
                    self.invalid(&mut data, &mut invalid, col, e.clone(), reason);
                }
                continue;
            }
            match *target {
                Target::Ignore => {}
                Target::SourceId => key = cell_text(cell).map(Cow::into_owned),
                Target::Custom => {
                    if let Some(v) = cell_text(cell) {
                        data.custom
                            .insert(self.map.headers[col].clone(), v.into_owned());
                    }
                }
                Target::FullName => full_name = cell_text(cell).and_then(|s| text::clean_name(&s)),
                Target::ModifiedAt | Target::CreatedAt => match datetime::cell_timestamp(cell) {
                    Some(ts) if *target == Target::ModifiedAt => data.source_modified_at = Some(ts),
                    Some(ts) => data.source_created_at = Some(ts),
                    None => {
                        let raw = cell.to_text();
                        let reason = format!("unrecognised date/time {raw:?}");
                        self.invalid(&mut data, &mut invalid, col, raw, reason);
                    }
                },
                Target::EmailOptOut | Target::CallOptOut | Target::DoNotContact => {
                    match cell_bool(cell) {
                        Ok(Some(true)) => {
                            match *target {
                                Target::EmailOptOut => data.email_opt_out = true,
                                Target::CallOptOut => data.call_opt_out = true,
                                _ => {}
                            }
                            opt_out_reasons.push(format!("opted out ({})", self.map.headers[col]));
                        }
                        Ok(_) => {}
                        Err(reason) => {
                            self.invalid(&mut data, &mut invalid, col, cell.to_text(), reason)
                        }
                    }
                }
                Target::Field(field) => self.field(field, cell, col, &mut data, &mut invalid),
            }
        }
        if let Some(name) = full_name {
            split_full_name(&name, &mut data);
        }
        let (key, key_kind) = match (self.map.key_column, key) {
            (Some(_), Some(k)) => (k, KeyKind::Column),
            (Some(col), None) => {
                let column = self.map.headers[col].clone();
                let reason = format!("missing key: the {column:?} column is empty");
                return RowOutcome::Reject(
                    Reject::row(self.file.clone(), row.row, reason).with_column(column),
                );
            }
            (None, _) => match (
                data.get(Field::Email),
                data.get(Field::Phone).or(data.get(Field::Mobile)),
            ) {
                (Some(e), _) => (format!("email:{e}"), KeyKind::Email),
                (None, Some(p)) => (format!("phone:{p}"), KeyKind::Phone),
                (None, None) => {
                    let reason = "no key: the file has no id column and this row has no valid \
                                  email or phone to derive one from";
                    let raw = row
                        .cells
                        .iter()
                        .map(Cell::to_text)
                        .collect::<Vec<_>>()
                        .join(",");
                    return RowOutcome::Reject(
                        Reject::row(self.file.clone(), row.row, reason).with_raw(&raw),
                    );
                }
            },
        };
        let phones = [data.get(Field::Phone), data.get(Field::Mobile)];
        if let Some(hit) = self
            .dnc
            .check(phones.into_iter().flatten(), data.get(Field::Email))
        {
            data.do_not_contact = true;
            data.dnc_reason = Some(hit.reason);
        } else if !opt_out_reasons.is_empty() {
            data.do_not_contact = true;
            data.dnc_reason = Some(opt_out_reasons.join("; "));
        }
        RowOutcome::Record(Box::new(NormalizedRow {
            row: row.row,
            key,
            key_kind,
            data: Box::new(data),
            invalid_count: invalid,
        }))
    }

    fn field(
        &self,
        field: Field,
        cell: &Cell,
        col: usize,
        data: &mut RecordData,
        invalid: &mut u32,
    ) {
        let Some(raw) = cell_text(cell) else { return };
        let value = match field {
            Field::Email => match email::normalize_email(&raw) {
                Ok(e) => Some(e),
                Err(err) => {
                    return self.invalid(data, invalid, col, raw.into_owned(), err.to_string())
                }
            },
            Field::Phone | Field::Mobile => match self.phones.normalize(&raw) {
                Ok(p) => {
                    if field == Field::Phone && p.extension.is_some() {
                        data.set(Field::PhoneExt, p.extension);
                    }
                    Some(p.e164)
                }
                Err(err) => {
                    return self.invalid(data, invalid, col, raw.into_owned(), err.to_string())
                }
            },
            Field::FirstName | Field::LastName => text::clean_name(&raw),
            Field::Notes => text::clean_multiline(&raw),
            _ => text::clean_line(&raw),
        };
        // An explicit extension column wins over one parsed out of the phone number.
        if field == Field::PhoneExt || data.get(field).is_none() || field != Field::Phone {
            data.set(field, value);
        }
    }
}

/// Split "First Middle Last" into first and last name, unless the input had those columns.
fn split_full_name(name: &str, data: &mut RecordData) {
    if data.get(Field::FirstName).is_some() || data.get(Field::LastName).is_some() {
        return;
    }
    match name.rsplit_once(' ') {
        Some((first, last)) => {
            data.set(Field::FirstName, Some(first.to_string()));
            data.set(Field::LastName, Some(last.to_string()));
        }
        None => data.set(Field::LastName, Some(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_agrees_with_str_trim() {
        for s in [
            "",
            " ",
            "a",
            "abc",
            " abc",
            "abc ",
            "\tabc\n",
            "a b",
            "\u{a0}abc",
            "abc\u{2003}",
            "\u{a0}",
            "é",
            " é ",
            "x\u{a0}",
            "~",
            "!x!",
            "\u{7f}x",
        ] {
            assert_eq!(trimmed(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn text_cells_are_trimmed_and_blank_ones_dropped() {
        assert_eq!(
            cell_text(&Cell::Text("  Acme \u{a0}".into())).as_deref(),
            Some("Acme")
        );
        assert_eq!(cell_text(&Cell::Text(" \t ".into())), None);
        assert_eq!(cell_text(&Cell::Int(42)).as_deref(), Some("42"));
        assert_eq!(cell_text(&Cell::Empty), None);
    }
}
