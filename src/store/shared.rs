//! Query code shared by both dialects. sqlx's statement text with `$N` placeholders reads the
//! same on SQLite and PostgreSQL, so the implementation is written once here and stamped out
//! for each concrete driver by [`impl_store!`]; only id allocation and connection setup differ
//! (see the dialect modules).

use crate::model::{Field, InvalidValue, RecordData};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use std::collections::BTreeMap;

/// Column list of `records` after `id`, in bind order of [`bind_record!`].
pub(crate) const RECORD_COLUMNS: &str = "first_name, last_name, email, phone, phone_ext, mobile, \
    company, title, website, lifecycle_stage, lead_status, lead_source, owner, street, city, \
    state, postal_code, country, notes, email_opt_out, call_opt_out, do_not_contact, dnc_reason, \
    custom, invalid, source_created_at, source_modified_at";

/// [`RECORD_COLUMNS`] qualified with a table alias, as in `r.first_name, r.last_name, …`.
pub(crate) fn prefixed_record_columns(alias: &str) -> String {
    RECORD_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SET` clause for updating every data column, binds `$2..$28` (after `$1` = id).
pub(crate) const RECORD_UPDATE_SET: &str = "first_name = $2, last_name = $3, email = $4, \
    phone = $5, phone_ext = $6, mobile = $7, company = $8, title = $9, website = $10, \
    lifecycle_stage = $11, lead_status = $12, lead_source = $13, owner = $14, street = $15, \
    city = $16, state = $17, postal_code = $18, country = $19, notes = $20, email_opt_out = $21, \
    call_opt_out = $22, do_not_contact = $23, dnc_reason = $24, custom = $25, invalid = $26, \
    source_created_at = $27, source_modified_at = $28, updated_at = $29";

/// Custom fields as stored JSON.
pub(crate) type CustomJson = Json<BTreeMap<String, String>>;
/// Invalid values as stored JSON.
pub(crate) type InvalidJson = Json<BTreeMap<String, InvalidValue>>;

/// Rebuild [`RecordData`] from a row selected with [`RECORD_COLUMNS`].
pub(crate) fn record_from_row<R>(row: &R) -> Result<RecordData, sqlx::Error>
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> CustomJson: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> InvalidJson: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let mut data = RecordData::default();
    for field in Field::ALL {
        data.values[field.index()] = row.try_get(field.name())?;
    }
    data.email_opt_out = row.try_get("email_opt_out")?;
    data.call_opt_out = row.try_get("call_opt_out")?;
    data.do_not_contact = row.try_get("do_not_contact")?;
    data.dnc_reason = row.try_get("dnc_reason")?;
    data.custom = row.try_get::<CustomJson, _>("custom")?.0;
    data.invalid = row.try_get::<InvalidJson, _>("invalid")?.0;
    data.source_created_at = row.try_get("source_created_at")?;
    data.source_modified_at = row.try_get("source_modified_at")?;
    Ok(data)
}

/// Push the binds of one record's data columns, in [`RECORD_COLUMNS`] order, onto a
/// `QueryBuilder` separated-values builder or a `Query`.
macro_rules! bind_record {
    (builder $b:expr, $data:expr) => {{
        let d: &$crate::model::RecordData = $data;
        for v in d.values.iter() {
            $b.push_bind(v.as_deref());
        }
        $b.push_bind(d.email_opt_out)
            .push_bind(d.call_opt_out)
            .push_bind(d.do_not_contact)
            .push_bind(d.dnc_reason.as_deref())
            .push_bind(sqlx::types::Json(&d.custom))
            .push_bind(sqlx::types::Json(&d.invalid))
            .push_bind(d.source_created_at)
            .push_bind(d.source_modified_at);
    }};
    (query $q:expr, $data:expr) => {{
        let d: &$crate::model::RecordData = $data;
        let mut q = $q;
        for v in d.values.iter() {
            q = q.bind(v.as_deref());
        }
        q.bind(d.email_opt_out)
            .bind(d.call_opt_out)
            .bind(d.do_not_contact)
            .bind(d.dnc_reason.as_deref())
            .bind(sqlx::types::Json(&d.custom))
            .bind(sqlx::types::Json(&d.invalid))
            .bind(d.source_created_at)
            .bind(d.source_modified_at)
    }};
}
pub(crate) use bind_record;

/// Most bind parameters one statement may carry: SQLite's default limit is 32,766
/// (PostgreSQL allows 65,535).
pub(crate) const MAX_BINDS: usize = 32_000;

/// Rows per multi-row `records` INSERT (data columns plus id, object, run and two times).
pub(crate) const INSERT_CHUNK: usize = 500;

/// The secondary indexes of `records` that a load into an empty table drops in its first
/// batch and builds once at the end (one sort instead of a B-tree insert per row, each batch
/// rewriting index pages all over the file): name, definition as in the migrations
/// (`0001_records.sql`, both dialects; `0007` dropped the phone index), and the statement dropping it.
pub(crate) const DEFERRED_INDEXES: [(&str, &str, &str); 1] = [(
    "records_email",
    "CREATE INDEX IF NOT EXISTS records_email ON records (email)",
    "DROP INDEX IF EXISTS records_email",
)];
