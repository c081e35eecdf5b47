//! PostgreSQL's bulk path for imports: new records and links go in with `COPY … FROM STDIN`
//! (text format, one message per batch), changed ones with one `UPDATE … FROM unnest(…)`
//! per table, all inside the batch's transaction. Audit entries, rejects and progress are
//! the general transaction's code.
//!
//! Loading into an empty `records` table, the first batch drops the secondary indexes
//! (`DEFERRED_INDEXES` and the links' `record_id` index) and the link → record foreign key
//! in its transaction and [`ensure_indexes`] builds them at the end, as on SQLite; a kill in
//! between leaves them to the next open of the store or the end of the next import.
//!
//! COPY data is data, not SQL: values go in PostgreSQL's binary COPY format (see
//! [`super::copy_binary`]), never spliced into statement text.

use super::copy_binary::CopyBinary;
use super::ids::IdReservoir;
use super::PgTx;
use crate::model::RecordData;
use crate::store::shared::{
    prefixed_record_columns, record_from_row, DEFERRED_INDEXES, RECORD_COLUMNS,
};
use crate::store::{
    AuditEntry, ExistingRecord, ImportTx, NewRecord, RecordUpdate, RunCounts, StoreError,
    StoreResult, StoreTx, WriteCtx,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crmsync_sdk::Reject;
use sqlx::types::Json;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// An import transaction: the general one plus COPY and array updates.
pub(super) struct PgImportTx {
    pub(super) tx: PgTx,
    /// Shared by the store's import transactions: `records` was seen to hold rows. Tables
    /// are not emptied under a running import, and if one were, the next load would merely
    /// keep its indexes.
    pub(super) records_seen: Arc<AtomicBool>,
    /// The store's record ids drawn ahead.
    pub(super) ids: Arc<IdReservoir>,
}

fn copy_records_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "COPY records (id, object, created_run_id, created_at, updated_at, {RECORD_COLUMNS}) \
             FROM STDIN (FORMAT binary)"
        )
    })
}

const COPY_LINKS_SQL: &str = "COPY record_links (record_id, system, object, source_id, key_kind, \
    last_run_id, source_file, source_row) FROM STDIN (FORMAT binary)";

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

/// A map as `jsonb`; most records carry none, so the empty map skips the serializer.
fn push_json<T: serde::Serialize>(copy: &mut CopyBinary, v: &T, empty: bool) -> StoreResult<()> {
    if empty {
        copy.jsonb("{}");
        return Ok(());
    }
    let text = serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    copy.jsonb(&text);
    Ok(())
}

/// One record's data columns in `RECORD_COLUMNS` order.
fn push_record(copy: &mut CopyBinary, d: &RecordData) -> StoreResult<()> {
    for v in &d.values {
        copy.opt_text(v.as_deref());
    }
    for flag in [d.email_opt_out, d.call_opt_out, d.do_not_contact] {
        copy.bool(flag);
    }
    copy.opt_text(d.dnc_reason.as_deref());
    push_json(copy, &d.custom, d.custom.is_empty())?;
    push_json(copy, &d.invalid, d.invalid.is_empty())?;
    copy.opt_timestamptz(d.source_created_at);
    copy.opt_timestamptz(d.source_modified_at);
    Ok(())
}

/// Values per `records` COPY row: id, object, run, two times, then `RECORD_COLUMNS`.
fn record_fields() -> i16 {
    static N: OnceLock<i16> = OnceLock::new();
    *N.get_or_init(|| {
        let n = 5 + RECORD_COLUMNS.split(',').count();
        i16::try_from(n).unwrap_or(i16::MAX)
    })
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

/// The `(record_id, system)` index of `record_links` (`0008_one_link_record_index.sql`),
/// which a load into an empty table defers on PostgreSQL as well: the server's one backend
/// is what a load waits on, and it WAL-logs an entry in it for every link, where the build
/// at the end sorts in parallel workers. (On SQLite these are appends to pages the writer
/// has cached, and deferring it gained nothing.)
const DEFERRED_LINK_INDEXES: [(&str, &str, &str); 1] = [(
    "record_links_record",
    "CREATE INDEX IF NOT EXISTS record_links_record ON record_links (record_id, system)",
    "DROP INDEX IF EXISTS record_links_record",
)];

/// What a load into an empty table drops and [`ensure_indexes`] builds again: name,
/// definition, drop statement.
fn deferred_indexes() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    DEFERRED_INDEXES.iter().chain(DEFERRED_LINK_INDEXES.iter())
}

/// Build any of the deferred indexes that is missing, and the link foreign key (in the
/// schema `records` resolves to).
///
/// The indexes are built at the same time, each on a connection of its own: an index build
/// takes a SHARE lock, which others share, and builds on two cores leave gaps (the final
/// merge and write of each is one process) that another build fills: 2.5 s instead of 2.9 s
/// one after the other after a 1M-row load. The foreign key comes after them: adding it
/// locks out index builds on both tables.
pub(super) async fn ensure_indexes(pool: &PgPool) -> StoreResult<()> {
    let builds = deferred_indexes().map(|(name, create, _)| async move {
        let (found,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(pool)
            .await?;
        if !found {
            sqlx::query(create).execute(pool).await?;
        }
        Ok::<(), StoreError>(())
    });
    futures::future::try_join_all(builds).await?;
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
        format!(
            "SELECT l.source_id, l.id AS link_id, l.record_id, l.last_run_id, l.source_file, \
             l.source_row, r.created_run_id, {} FROM unnest($3::text[]) AS k(source_id) \
             CROSS JOIN LATERAL (SELECT * FROM record_links WHERE system = $1 AND object = $2 \
             AND source_id = k.source_id OFFSET 0) AS l JOIN records r ON r.id = l.record_id",
            prefixed_record_columns("r")
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
            .fetch_all(&mut *self.tx.tx)
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
        if !self.records_seen.load(Ordering::Relaxed) {
            let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM records)")
                .fetch_one(&mut *self.tx.tx)
                .await?;
            if !any {
                for (_, _, drop) in deferred_indexes() {
                    sqlx::query(drop).execute(&mut *self.tx.tx).await?;
                }
                sqlx::query(DROP_LINK_FK_SQL)
                    .execute(&mut *self.tx.tx)
                    .await?;
            }
        }
        let ids = self.ids.take(&mut self.tx.tx, rows.len()).await?;
        let mut records = CopyBinary::with_capacity(rows.len() * 500);
        let mut links = CopyBinary::with_capacity(rows.len() * 160);
        for (r, id) in rows.iter().zip(&ids) {
            records.row(record_fields());
            records.int8(*id);
            records.text(ctx.object);
            records.int8(ctx.run_id);
            records.timestamptz(ctx.now);
            records.timestamptz(ctx.now);
            push_record(&mut records, r.data)?;

            links.row(8);
            links.int8(*id);
            for text in [ctx.system, ctx.object, r.source_id, r.key_kind.as_str()] {
                links.text(text);
            }
            links.int8(ctx.run_id);
            links.text(ctx.source_file);
            links.int8(row_num(r.row));
        }
        let (records, links) = (records.finish(), links.finish());
        copy_in(&mut self.tx, copy_records_sql(), records).await?;
        copy_in(&mut self.tx, COPY_LINKS_SQL, links).await?;
        // Should this transaction still fail, a later batch merely keeps the indexes.
        self.records_seen.store(true, Ordering::Relaxed);
        Ok(())
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
            .execute(&mut *self.tx.tx)
            .await?;
        sqlx::query(UPDATE_LINKS_SQL)
            .bind(rows.iter().map(|u| u.link_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|u| row_num(u.row)).collect::<Vec<_>>())
            .bind(ctx.run_id)
            .bind(ctx.source_file)
            .execute(&mut *self.tx.tx)
            .await?;
        Ok(())
    }

    async fn insert_audit(
        &mut self,
        ctx: &WriteCtx<'_>,
        entries: &[AuditEntry],
    ) -> StoreResult<()> {
        self.tx.insert_audit(ctx, entries).await
    }

    async fn insert_rejects(&mut self, run_id: i64, rejects: &[Reject]) -> StoreResult<()> {
        self.tx.insert_rejects(run_id, rejects).await
    }

    async fn save_progress(&mut self, run_id: i64, counts: &RunCounts) -> StoreResult<()> {
        self.tx.save_progress(run_id, counts).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        Box::new(self.tx).commit().await
    }

    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        Box::new(self.tx).rollback().await
    }
}
