//! PostgreSQL's bulk path for imports: new records and links go in with `COPY … FROM STDIN`
//! (text format, one message per batch), changed ones with one `UPDATE … FROM unnest(…)`
//! per table, all inside the batch's transaction. Audit entries, rejects and progress are
//! the general transaction's code.
//!
//! Loading into an empty `records` table, the first batch drops the secondary indexes
//! (`DEFERRED_INDEXES`) and the link → record foreign key in its transaction and
//! [`ensure_indexes`] builds them at the end, as on SQLite; a kill in between leaves them to
//! the next open of the store or the end of the next import.
//!
//! COPY data is data, not SQL: values are escaped for the text format (backslash, tab, line
//! breaks), never spliced into statement text.

use super::{alloc_record_ids, PgTx};
use crate::model::RecordData;
use crate::store::shared::{record_from_row, DEFERRED_INDEXES, RECORD_COLUMNS};
use crate::store::{
    AuditEntry, ExistingRecord, ImportTx, NewRecord, RecordUpdate, RunCounts, StoreError,
    StoreResult, StoreTx, WriteCtx,
};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use crmsync_sdk::Reject;
use sqlx::types::Json;
use sqlx::PgPool;
use std::sync::OnceLock;

/// An import transaction: the general one plus COPY and array updates.
pub(super) struct PgImportTx(pub(super) PgTx);

fn copy_records_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "COPY records (id, object, created_run_id, created_at, updated_at, {RECORD_COLUMNS}) \
             FROM STDIN"
        )
    })
}

const COPY_LINKS_SQL: &str = "COPY record_links (record_id, system, object, source_id, key_kind, \
    last_run_id, source_file, source_row) FROM STDIN";

const UPDATE_RECORDS_SQL: &str = "UPDATE records AS r SET first_name = u.first_name, \
    last_name = u.last_name, email = u.email, phone = u.phone, phone_ext = u.phone_ext, \
    mobile = u.mobile, company = u.company, title = u.title, website = u.website, \
    lifecycle_stage = u.lifecycle_stage, lead_status = u.lead_status, \
    lead_source = u.lead_source, owner = u.owner, street = u.street, city = u.city, \
    state = u.state, postal_code = u.postal_code, country = u.country, notes = u.notes, \
    email_opt_out = u.email_opt_out, call_opt_out = u.call_opt_out, \
    do_not_contact = u.do_not_contact, dnc_reason = u.dnc_reason, custom = u.custom, \
    invalid = u.invalid, source_created_at = u.source_created_at, \
    source_modified_at = u.source_modified_at, updated_at = $29 \
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], \
    $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], \
    $21::boolean[], $22::boolean[], $23::boolean[], $24::text[], $25::jsonb[], $26::jsonb[], \
    $27::timestamptz[], $28::timestamptz[]) AS u(id, first_name, last_name, email, phone, \
    phone_ext, mobile, company, title, website, lifecycle_stage, lead_status, lead_source, \
    owner, street, city, state, postal_code, country, notes, email_opt_out, call_opt_out, \
    do_not_contact, dnc_reason, custom, invalid, source_created_at, source_modified_at) \
    WHERE r.id = u.id";

const UPDATE_LINKS_SQL: &str = "UPDATE record_links AS l SET last_run_id = $3, \
    source_file = $4, source_row = u.source_row \
    FROM unnest($1::bigint[], $2::bigint[]) AS u(id, source_row) WHERE l.id = u.id";

/// Append `s` as a COPY text-format value.
fn push_text(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        buf.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

fn push_opt(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_text(buf, s),
        None => buf.extend_from_slice(b"\\N"),
    }
}

/// A timestamp as PostgreSQL reads it back to the microsecond sqlx would have sent.
fn push_time(buf: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    match t {
        Some(t) => buf.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes()),
        None => buf.extend_from_slice(b"\\N"),
    }
}

fn push_bool(buf: &mut Vec<u8>, v: bool) {
    buf.push(if v { b't' } else { b'f' });
}

fn push_json<T: serde::Serialize>(buf: &mut Vec<u8>, v: &T) -> StoreResult<()> {
    let text = serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    push_text(buf, &text);
    Ok(())
}

/// One record's data columns in `RECORD_COLUMNS` order, each preceded by a tab.
fn push_record(buf: &mut Vec<u8>, d: &RecordData) -> StoreResult<()> {
    for v in &d.values {
        buf.push(b'\t');
        push_opt(buf, v.as_deref());
    }
    for flag in [d.email_opt_out, d.call_opt_out, d.do_not_contact] {
        buf.push(b'\t');
        push_bool(buf, flag);
    }
    buf.push(b'\t');
    push_opt(buf, d.dnc_reason.as_deref());
    buf.push(b'\t');
    push_json(buf, &d.custom)?;
    buf.push(b'\t');
    push_json(buf, &d.invalid)?;
    buf.push(b'\t');
    push_time(buf, d.source_created_at);
    buf.push(b'\t');
    push_time(buf, d.source_modified_at);
    Ok(())
}

fn row_num(row: u64) -> i64 {
    i64::try_from(row).unwrap_or(i64::MAX)
}

/// The link → record foreign key (`0001_records.sql`). A load into an empty table drops it
/// with the deferred indexes: checking it costs a trigger and a `records` probe per link,
/// which made the links' COPY take twice as long as the records'. Every link this import
/// writes points at a record written in the same transaction, and adding the constraint
/// back at the end checks all of them in one join.
const LINK_FK: &str = "record_links_record_id_fkey";
const DROP_LINK_FK_SQL: &str =
    "ALTER TABLE record_links DROP CONSTRAINT IF EXISTS record_links_record_id_fkey";
const ADD_LINK_FK_SQL: &str = "ALTER TABLE record_links ADD CONSTRAINT \
    record_links_record_id_fkey FOREIGN KEY (record_id) REFERENCES records (id) ON DELETE CASCADE";

/// Build any of `DEFERRED_INDEXES` that is missing, and the link foreign key (in the schema
/// `records` resolves to).
pub(super) async fn ensure_indexes(pool: &PgPool) -> StoreResult<()> {
    for (name, create, _) in DEFERRED_INDEXES {
        let (found,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(pool)
            .await?;
        if !found {
            sqlx::query(create).execute(pool).await?;
        }
    }
    let (has_fk,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1 \
         AND conrelid = to_regclass('record_links'))",
    )
    .bind(LINK_FK)
    .fetch_one(pool)
    .await?;
    if !has_fk {
        sqlx::query(ADD_LINK_FK_SQL).execute(pool).await?;
    }
    Ok(())
}

/// Run one `COPY … FROM STDIN` with `data`.
async fn copy_in(tx: &mut PgTx, sql: &str, data: Vec<u8>) -> StoreResult<()> {
    let mut copy = tx.tx.copy_in_raw(sql).await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// The import's key lookup. Each key probes the unique `(system, object, source_id)` index
/// on its own, whatever the statistics say: while a table is being loaded they lag far
/// behind (a fresh table has none until ANALYZE), and the general lookup's plan then degrades
/// into reading every link of the source for each batch. `OFFSET 0` keeps the planner from
/// flattening the per-key subquery into a join it would plan on those statistics.
fn lookup_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let cols: Vec<String> = RECORD_COLUMNS
            .split(", ")
            .map(|c| format!("r.{}", c.trim()))
            .collect();
        format!(
            "SELECT l.source_id, l.id AS link_id, l.record_id, l.last_run_id, l.source_file, \
             l.source_row, r.created_run_id, {} FROM unnest($3::text[]) AS k(source_id) \
             CROSS JOIN LATERAL (SELECT * FROM record_links WHERE system = $1 AND object = $2 \
             AND source_id = k.source_id OFFSET 0) AS l JOIN records r ON r.id = l.record_id",
            cols.join(", ")
        )
    })
}

#[async_trait]
impl ImportTx for PgImportTx {
    async fn lookup(
        &mut self,
        system: &str,
        object: &str,
        keys: &[&str],
    ) -> StoreResult<Vec<ExistingRecord>> {
        use sqlx::Row;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(lookup_sql())
            .bind(system)
            .bind(object)
            .bind(keys)
            .fetch_all(&mut *self.0.tx)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(ExistingRecord {
                source_id: row.try_get("source_id")?,
                record_id: row.try_get("record_id")?,
                link_id: row.try_get("link_id")?,
                last_run_id: row.try_get("last_run_id")?,
                created_run_id: row.try_get("created_run_id")?,
                source_file: row.try_get("source_file")?,
                source_row: row.try_get("source_row")?,
                data: record_from_row(row)?,
            });
        }
        Ok(out)
    }

    async fn insert_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[NewRecord<'_>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM records)")
            .fetch_one(&mut *self.0.tx)
            .await?;
        if !any {
            for (_, _, drop) in DEFERRED_INDEXES {
                sqlx::query(drop).execute(&mut *self.0.tx).await?;
            }
            sqlx::query(DROP_LINK_FK_SQL)
                .execute(&mut *self.0.tx)
                .await?;
        }
        let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        let ids = alloc_record_ids(&mut self.0.tx, n).await?;
        if ids.len() != rows.len() {
            return Err(StoreError::Corrupt(format!(
                "asked for {} record ids, got {}",
                rows.len(),
                ids.len()
            )));
        }
        let mut now = Vec::new();
        push_time(&mut now, Some(ctx.now));
        let mut records = Vec::with_capacity(rows.len() * 400);
        let mut links = Vec::with_capacity(rows.len() * 160);
        for (r, id) in rows.iter().zip(&ids) {
            records.extend_from_slice(id.to_string().as_bytes());
            records.push(b'\t');
            push_text(&mut records, ctx.object);
            records.push(b'\t');
            records.extend_from_slice(ctx.run_id.to_string().as_bytes());
            for _ in 0..2 {
                records.push(b'\t');
                records.extend_from_slice(&now);
            }
            push_record(&mut records, r.data)?;
            records.push(b'\n');

            links.extend_from_slice(id.to_string().as_bytes());
            for text in [ctx.system, ctx.object, r.source_id, r.key_kind.as_str()] {
                links.push(b'\t');
                push_text(&mut links, text);
            }
            links.push(b'\t');
            links.extend_from_slice(ctx.run_id.to_string().as_bytes());
            links.push(b'\t');
            push_text(&mut links, ctx.source_file);
            links.push(b'\t');
            links.extend_from_slice(row_num(r.row).to_string().as_bytes());
            links.push(b'\n');
        }
        copy_in(&mut self.0, copy_records_sql(), records).await?;
        copy_in(&mut self.0, COPY_LINKS_SQL, links).await
    }

    async fn update_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[RecordUpdate<'_>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = rows.iter().map(|u| u.record_id).collect();
        let mut q = sqlx::query(UPDATE_RECORDS_SQL).bind(ids);
        for i in 0..RecordData::default().values.len() {
            let column: Vec<Option<&str>> =
                rows.iter().map(|u| u.data.values[i].as_deref()).collect();
            q = q.bind(column);
        }
        let flags =
            |f: fn(&RecordData) -> bool| -> Vec<bool> { rows.iter().map(|u| f(u.data)).collect() };
        let times = |f: fn(&RecordData) -> Option<DateTime<Utc>>| -> Vec<Option<DateTime<Utc>>> {
            rows.iter().map(|u| f(u.data)).collect()
        };
        q.bind(flags(|d| d.email_opt_out))
            .bind(flags(|d| d.call_opt_out))
            .bind(flags(|d| d.do_not_contact))
            .bind(
                rows.iter()
                    .map(|u| u.data.dnc_reason.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(
                rows.iter()
                    .map(|u| Json(&u.data.custom))
                    .collect::<Vec<_>>(),
            )
            .bind(
                rows.iter()
                    .map(|u| Json(&u.data.invalid))
                    .collect::<Vec<_>>(),
            )
            .bind(times(|d| d.source_created_at))
            .bind(times(|d| d.source_modified_at))
            .bind(ctx.now)
            .execute(&mut *self.0.tx)
            .await?;
        sqlx::query(UPDATE_LINKS_SQL)
            .bind(rows.iter().map(|u| u.link_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|u| row_num(u.row)).collect::<Vec<_>>())
            .bind(ctx.run_id)
            .bind(ctx.source_file)
            .execute(&mut *self.0.tx)
            .await?;
        Ok(())
    }

    async fn insert_audit(
        &mut self,
        ctx: &WriteCtx<'_>,
        entries: &[AuditEntry],
    ) -> StoreResult<()> {
        self.0.insert_audit(ctx, entries).await
    }

    async fn insert_rejects(&mut self, run_id: i64, rejects: &[Reject]) -> StoreResult<()> {
        self.0.insert_rejects(run_id, rejects).await
    }

    async fn save_progress(&mut self, run_id: i64, counts: &RunCounts) -> StoreResult<()> {
        self.0.save_progress(run_id, counts).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let PgImportTx(tx) = *self;
        Box::new(tx).commit().await
    }

    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        let PgImportTx(tx) = *self;
        Box::new(tx).rollback().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_only_its_special_bytes() {
        let mut buf = Vec::new();
        push_text(&mut buf, "plain, \"quoted\" 'text' ü");
        buf.push(b'|');
        push_text(&mut buf, "a\\b\tc\nd\re");
        buf.push(b'|');
        push_opt(&mut buf, None);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "plain, \"quoted\" 'text' ü|a\\\\b\\tc\\nd\\re|\\N"
        );
    }

    #[test]
    fn times_keep_microseconds() {
        let t = DateTime::parse_from_rfc3339("2025-03-04T05:06:07.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut buf = Vec::new();
        push_time(&mut buf, Some(t));
        assert_eq!(buf, b"2025-03-04T05:06:07.123456Z");
    }
}
