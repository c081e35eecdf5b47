//! Values between [`RecordData`] and rusqlite, stored exactly as sqlx stores them (the rest
//! of the store reads these rows back through sqlx): text timestamps in RFC 3339, flags as
//! 0/1 integers, custom and invalid maps as JSON text.

use crate::model::{Field, RecordData};
use crate::store::StoreError;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Row, Statement};

/// A timestamp as sqlx writes `DateTime<Utc>` to SQLite.
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn corrupt(column: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {what}"))
}

/// Which parameters of a statement are bound to NULL right now. A binding stays until it
/// is replaced, and a typical export leaves a third or more of a record's columns empty, so
/// a NULL that is already there need not be bound again.
pub(super) struct NullBinds(Vec<bool>);

impl NullBinds {
    /// Clear `stmt`'s bindings (every parameter is NULL then) and start tracking them. Bind
    /// what the rows share after this.
    pub(super) fn cleared(stmt: &mut Statement<'_>) -> Self {
        stmt.clear_bindings();
        NullBinds(vec![true; stmt.parameter_count() + 1])
    }

    /// Bind text or NULL to parameter `i`.
    fn bind(
        &mut self,
        stmt: &mut Statement<'_>,
        i: usize,
        v: Option<&str>,
    ) -> Result<(), StoreError> {
        let was_null = self.0.get(i).copied().unwrap_or(false);
        match v {
            None if was_null => {}
            None => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
            Some(s) => stmt.raw_bind_parameter(i, s)?,
        }
        if let Some(slot) = self.0.get_mut(i) {
            *slot = v.is_none();
        }
        Ok(())
    }
}

/// Bind one record's data columns, in `RECORD_COLUMNS` order, from parameter `first` on.
pub(super) fn bind_record(
    stmt: &mut Statement<'_>,
    nulls: &mut NullBinds,
    first: usize,
    d: &RecordData,
) -> Result<(), StoreError> {
    let mut i = first;
    for v in &d.values {
        nulls.bind(stmt, i, v.as_deref())?;
        i += 1;
    }
    stmt.raw_bind_parameter(i, d.email_opt_out)?;
    stmt.raw_bind_parameter(i + 1, d.call_opt_out)?;
    stmt.raw_bind_parameter(i + 2, d.do_not_contact)?;
    nulls.bind(stmt, i + 3, d.dnc_reason.as_deref())?;
    let json = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    // Most records carry neither map; skip the serializer for them.
    if d.custom.is_empty() {
        stmt.raw_bind_parameter(i + 4, "{}")?;
    } else {
        stmt.raw_bind_parameter(i + 4, serde_json::to_string(&d.custom).map_err(json)?)?;
    }
    if d.invalid.is_empty() {
        stmt.raw_bind_parameter(i + 5, "{}")?;
    } else {
        stmt.raw_bind_parameter(i + 5, serde_json::to_string(&d.invalid).map_err(json)?)?;
    }
    nulls.bind(stmt, i + 6, d.source_created_at.map(ts).as_deref())?;
    nulls.bind(stmt, i + 7, d.source_modified_at.map(ts).as_deref())?;
    Ok(())
}

/// Rebuild [`RecordData`] from a row whose columns `first..` are `RECORD_COLUMNS`.
pub(super) fn record_from_row(row: &Row<'_>, first: usize) -> Result<RecordData, StoreError> {
    let mut d = RecordData::default();
    for field in Field::ALL {
        d.values[field.index()] = row.get(first + field.index())?;
    }
    let i = first + Field::COUNT;
    // sqlx reads a bool as "integer is not 0"; so does this.
    d.email_opt_out = row.get::<_, i64>(i)? != 0;
    d.call_opt_out = row.get::<_, i64>(i + 1)? != 0;
    d.do_not_contact = row.get::<_, i64>(i + 2)? != 0;
    d.dnc_reason = row.get(i + 3)?;
    d.custom = json_column(row, i + 4)?;
    d.invalid = json_column(row, i + 5)?;
    d.source_created_at = datetime_column(row, i + 6)?;
    d.source_modified_at = datetime_column(row, i + 7)?;
    Ok(d)
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> Result<T, StoreError> {
    let bytes = match row.get_ref(i)? {
        ValueRef::Text(b) | ValueRef::Blob(b) => b,
        other => {
            return Err(corrupt(
                i,
                format!("JSON expected, found {:?}", other.data_type()),
            ))
        }
    };
    serde_json::from_slice(bytes).map_err(|e| corrupt(i, e))
}

fn datetime_column(row: &Row<'_>, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
    let parsed = match row.get_ref(i)? {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(b) => std::str::from_utf8(b).ok().and_then(parse_datetime),
        ValueRef::Integer(secs) => Utc.timestamp_opt(secs, 0).single(),
        other => {
            return Err(corrupt(
                i,
                format!("time expected, found {:?}", other.data_type()),
            ))
        }
    };
    parsed
        .map(Some)
        .ok_or_else(|| corrupt(i, "unreadable time"))
}

/// Parse stored text the way sqlx's SQLite driver does: RFC 3339 first, then SQLite's own
/// date-time notations (a time without an offset is UTC).
pub(super) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|f| {
        DateTime::parse_from_str(s, f)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, f)
                    .ok()
                    .map(|t| t.and_utc())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(stmt: &mut Statement<'_>) -> (Option<String>, Option<String>) {
        let mut rows = stmt.raw_query();
        let row = rows.next().unwrap().unwrap();
        (row.get(0).unwrap(), row.get(1).unwrap())
    }

    #[test]
    fn nulls_already_bound_are_skipped_and_values_replace_them() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare("SELECT ?1, ?2").unwrap();
        let mut nulls = NullBinds::cleared(&mut stmt);
        nulls.bind(&mut stmt, 1, Some("a")).unwrap();
        nulls.bind(&mut stmt, 2, None).unwrap();
        assert_eq!(read(&mut stmt), (Some("a".into()), None));
        // A value, then NULL again: the NULL must be bound, not skipped.
        nulls.bind(&mut stmt, 1, None).unwrap();
        nulls.bind(&mut stmt, 2, Some("b")).unwrap();
        assert_eq!(read(&mut stmt), (None, Some("b".into())));
        nulls.bind(&mut stmt, 1, None).unwrap();
        nulls.bind(&mut stmt, 2, None).unwrap();
        assert_eq!(read(&mut stmt), (None, None));
        // Clearing starts over from all-NULL.
        nulls.bind(&mut stmt, 1, Some("c")).unwrap();
        let mut fresh = NullBinds::cleared(&mut stmt);
        fresh.bind(&mut stmt, 1, None).unwrap();
        assert_eq!(read(&mut stmt), (None, None));
    }

    #[test]
    fn timestamps_round_trip_in_the_stored_notation() {
        let t = Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(ts(t), "2025-03-04T05:06:07+00:00");
        assert_eq!(parse_datetime(&ts(t)), Some(t));
        let frac = t + chrono::Duration::milliseconds(250);
        assert_eq!(parse_datetime(&ts(frac)), Some(frac));
        assert_eq!(parse_datetime("2025-03-04 05:06:07"), Some(t));
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
