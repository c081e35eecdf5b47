//! The [`Store`](super::Store) / [`StoreTx`](super::StoreTx) implementation body, written once
//! and stamped out per dialect by `impl_store!(StoreType, TxType, Driver)`. The dialect module
//! supplies `pool: Pool<Driver>`, `url: String` on the store and an
//! `alloc_record_ids(&mut Transaction, n) -> StoreResult<Vec<i64>>` function returning `n`
//! fresh record ids, `begin_import(&Store)` / `import_finished(&Store)` functions for the
//! import path, and `DIALECT` / `BEGIN_SQL` constants.

macro_rules! impl_store {
    ($store:ident, $txty:ident, $db:ty) => {
        /// An open transaction on this dialect.
        pub struct $txty {
            tx: sqlx::Transaction<'static, $db>,
        }

        fn run_from_row(row: &<$db as sqlx::Database>::Row) -> Result<$crate::store::RunRecord, sqlx::Error> {
            use sqlx::Row;
            Ok($crate::store::RunRecord {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                system: row.try_get("system")?,
                input: row.try_get("input")?,
                status: row.try_get("status")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
                elapsed_ms: row.try_get("elapsed_ms")?,
                options: row.try_get::<sqlx::types::Json<serde_json::Value>, _>("options")?.0,
                error: row.try_get("error")?,
                counts: $crate::store::RunCounts {
                    events_done: row.try_get("events_done")?,
                    rows_read: row.try_get("rows_read")?,
                    inserted: row.try_get("inserted")?,
                    updated: row.try_get("updated")?,
                    unchanged: row.try_get("unchanged")?,
                    duplicates_merged: row.try_get("duplicates_merged")?,
                    rejected: row.try_get("rejected")?,
                    dnc_flagged: row.try_get("dnc_flagged")?,
                    invalid_values: row.try_get("invalid_values")?,
                    blank_rows: row.try_get("blank_rows")?,
                    stale_skipped: row.try_get("stale_skipped")?,
                },
            })
        }

        const RUN_COLUMNS: &str = "id, kind, system, input, status, started_at, finished_at, \
            elapsed_ms, options, error, events_done, rows_read, inserted, updated, unchanged, \
            duplicates_merged, rejected, dnc_flagged, invalid_values, blank_rows, stale_skipped";

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn dialect(&self) -> &'static str {
                DIALECT
            }

            fn display_url(&self) -> &str {
                &self.url
            }

            async fn begin(&self) -> $crate::store::StoreResult<Box<dyn $crate::store::StoreTx>> {
                Ok(Box::new($txty { tx: self.pool.begin_with(BEGIN_SQL).await? }))
            }

            async fn begin_import(&self) -> $crate::store::StoreResult<Box<dyn $crate::store::ImportTx>> {
                begin_import(self).await
            }

            async fn import_finished(&self) -> $crate::store::StoreResult<()> {
                import_finished(self).await
            }

            async fn has_links(&self, system: &str, object: &str) -> $crate::store::StoreResult<bool> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM record_links WHERE system = $1 AND object = $2 LIMIT 1",
                )
                .bind(system)
                .bind(object)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.is_some())
            }

            async fn create_run(&self, run: &$crate::store::NewRun) -> $crate::store::StoreResult<$crate::store::RunRecord> {
                let sql = format!(
                    "INSERT INTO runs (kind, system, input, fingerprint, options, status, started_at) \
                     VALUES ($1, $2, $3, $4, $5, 'running', $6) RETURNING {RUN_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(&run.kind)
                    .bind(&run.system)
                    .bind(run.input.as_deref())
                    .bind(run.fingerprint.as_deref())
                    .bind(sqlx::types::Json(&run.options))
                    .bind(chrono::Utc::now())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(run_from_row(&row)?)
            }

            async fn find_resumable(
                &self,
                system: &str,
                fingerprint: &str,
                options: &serde_json::Value,
            ) -> $crate::store::StoreResult<Option<$crate::store::RunRecord>> {
                let sql = format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE system = $1 AND fingerprint = $2 \
                     AND status = 'running' ORDER BY id DESC"
                );
                let rows = sqlx::query(&sql).bind(system).bind(fingerprint).fetch_all(&self.pool).await?;
                for row in rows {
                    let run = run_from_row(&row)?;
                    // The run stores {"settings": …, "fresh": …}; only the settings must match.
                    if run.options.get("settings") == Some(options) {
                        return Ok(Some(run));
                    }
                }
                Ok(None)
            }

            async fn finish_run(
                &self,
                id: i64,
                status: &str,
                elapsed_ms: i64,
                error: Option<&str>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE runs SET status = $2, finished_at = $3, elapsed_ms = $4, error = $5 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(status)
                .bind(chrono::Utc::now())
                .bind(elapsed_ms)
                .bind(error)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_runs(&self, limit: i64) -> $crate::store::StoreResult<Vec<$crate::store::RunRecord>> {
                let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT $1");
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.iter().map(run_from_row).collect::<Result<_, _>>()?)
            }

            async fn get_run(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::RunRecord>> {
                let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(run_from_row).transpose()?)
            }

            async fn rejects(&self, run_id: i64) -> $crate::store::StoreResult<Vec<crmsync_sdk::Reject>> {
                let rows: Vec<(String, i64, Option<String>, String, Option<String>)> = sqlx::query_as(
                    "SELECT file, row_num, col, reason, raw FROM rejects WHERE run_id = $1 \
                     ORDER BY row_num, id",
                )
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(file, row, column, reason, raw)| crmsync_sdk::Reject {
                        file,
                        row: u64::try_from(row).unwrap_or(0),
                        column,
                        reason,
                        raw,
                    })
                    .collect())
            }

            async fn dnc_upsert(&self, entries: &[$crate::normalize::dnc::DncEntry]) -> $crate::store::StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let mut new = 0u64;
                let now = chrono::Utc::now();
                for e in entries {
                    let existed: Option<(i64,)> =
                        sqlx::query_as("SELECT id FROM dnc_entries WHERE kind = $1 AND value = $2")
                            .bind(e.kind.as_str())
                            .bind(&e.value)
                            .fetch_optional(&mut *tx)
                            .await?;
                    sqlx::query(
                        "INSERT INTO dnc_entries (kind, value, reason, source, expires_at, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, value) DO UPDATE SET \
                         reason = excluded.reason, source = excluded.source, \
                         expires_at = excluded.expires_at",
                    )
                    .bind(e.kind.as_str())
                    .bind(&e.value)
                    .bind(e.reason.as_deref())
                    .bind(e.source.as_deref())
                    .bind(e.expires_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    new += u64::from(existed.is_none());
                }
                tx.commit().await?;
                Ok(new)
            }

            async fn dnc_remove(&self, kind: $crate::normalize::dnc::DncKind, value: &str) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("DELETE FROM dnc_entries WHERE kind = $1 AND value = $2")
                    .bind(kind.as_str())
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn dnc_entries(&self) -> $crate::store::StoreResult<Vec<$crate::normalize::dnc::DncEntry>> {
                let rows: Vec<(String, String, Option<String>, Option<String>, Option<chrono::DateTime<chrono::Utc>>)> =
                    sqlx::query_as(
                        "SELECT kind, value, reason, source, expires_at FROM dnc_entries \
                         ORDER BY kind, value",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|(kind, value, reason, source, expires_at)| {
                        let kind = $crate::normalize::dnc::DncKind::parse(&kind).ok_or_else(|| {
                            $crate::store::StoreError::Corrupt(format!("unknown DNC kind {kind:?}"))
                        })?;
                        Ok($crate::normalize::dnc::DncEntry { kind, value, reason, source, expires_at })
                    })
                    .collect()
            }

            async fn records_page(&self, after_id: i64, limit: i64) -> $crate::store::StoreResult<Vec<$crate::store::StoredRecord>> {
                use sqlx::Row;
                let sql = format!(
                    "SELECT id, created_at, updated_at, {} FROM records WHERE id > $1 \
                     ORDER BY id LIMIT $2",
                    $crate::store::shared::RECORD_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(after_id).bind(limit).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::StoredRecord {
                            id: row.try_get("id")?,
                            created_at: row.try_get("created_at")?,
                            updated_at: row.try_get("updated_at")?,
                            data: $crate::store::shared::record_from_row(row)?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::StoreTx for $txty {
            async fn lookup(
                &mut self,
                system: &str,
                object: &str,
                keys: &[&str],
            ) -> $crate::store::StoreResult<Vec<$crate::store::ExistingRecord>> {
                use sqlx::Row;
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| {
                    let cols: Vec<String> = $crate::store::shared::RECORD_COLUMNS
                        .split(", ")
                        .map(|c| format!("r.{}", c.trim()))
                        .collect();
                    format!(
                        "SELECT l.source_id, l.id AS link_id, l.record_id, l.last_run_id, \
                         l.source_file, l.source_row, r.created_run_id, {} FROM record_links l \
                         JOIN records r ON r.id = l.record_id WHERE l.system = $1 \
                         AND l.object = $2 AND l.source_id {KEYS_IN}",
                        cols.join(", ")
                    )
                });
                let keys_json = serde_json::to_string(keys)
                    .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?;
                let rows = sqlx::query(sql)
                    .bind(system)
                    .bind(object)
                    .bind(keys_json)
                    .fetch_all(&mut *self.tx)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push($crate::store::ExistingRecord {
                        source_id: row.try_get("source_id")?,
                        record_id: row.try_get("record_id")?,
                        link_id: row.try_get("link_id")?,
                        last_run_id: row.try_get("last_run_id")?,
                        created_run_id: row.try_get("created_run_id")?,
                        source_file: row.try_get("source_file")?,
                        source_row: row.try_get("source_row")?,
                        data: $crate::store::shared::record_from_row(row)?,
                    });
                }
                Ok(out)
            }

            async fn insert_records(
                &mut self,
                ctx: &$crate::store::WriteCtx<'_>,
                rows: &[$crate::store::NewRecord<'_>],
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::shared::{bind_record, INSERT_CHUNK, RECORD_COLUMNS};
                for chunk in rows.chunks(INSERT_CHUNK) {
                    let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
                    let ids = alloc_record_ids(&mut self.tx, n).await?;
                    if ids.len() != chunk.len() {
                        return Err($crate::store::StoreError::Corrupt(format!(
                            "asked for {} record ids, got {}",
                            chunk.len(),
                            ids.len()
                        )));
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "INSERT INTO records (id, object, created_run_id, created_at, updated_at, {RECORD_COLUMNS}) "
                    ));
                    qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                        b.push_bind(ids[i])
                            .push_bind(ctx.object)
                            .push_bind(ctx.run_id)
                            .push_bind(ctx.now)
                            .push_bind(ctx.now);
                        bind_record!(builder b, r.data);
                    });
                    // Full chunks share one statement text (prepared once); a shorter last
                    // chunk is not kept in the statement cache, which would otherwise fill
                    // with one large statement per distinct length.
                    let full = chunk.len() == INSERT_CHUNK;
                    qb.build().persistent(full).execute(&mut *self.tx).await?;
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO record_links (record_id, system, object, source_id, key_kind, last_run_id, \
                         source_file, source_row) ",
                    );
                    qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                        b.push_bind(ids[i])
                            .push_bind(ctx.system)
                            .push_bind(ctx.object)
                            .push_bind(r.source_id)
                            .push_bind(r.key_kind.as_str())
                            .push_bind(ctx.run_id)
                            .push_bind(ctx.source_file)
                            .push_bind(i64::try_from(r.row).unwrap_or(i64::MAX));
                    });
                    qb.build().persistent(full).execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn update_record(
                &mut self,
                ctx: &$crate::store::WriteCtx<'_>,
                record_id: i64,
                link_id: i64,
                data: &$crate::model::RecordData,
                source_row: u64,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::shared::{bind_record, RECORD_UPDATE_SET};
                let sql = format!("UPDATE records SET {RECORD_UPDATE_SET} WHERE id = $1");
                let q = sqlx::query(&sql).bind(record_id);
                bind_record!(query q, data).bind(ctx.now).execute(&mut *self.tx).await?;
                sqlx::query(
                    "UPDATE record_links SET last_run_id = $2, source_file = $3, source_row = $4 \
                     WHERE id = $1",
                )
                    .bind(link_id)
                    .bind(ctx.run_id)
                    .bind(ctx.source_file)
                    .bind(i64::try_from(source_row).unwrap_or(i64::MAX))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_audit(
                &mut self,
                ctx: &$crate::store::WriteCtx<'_>,
                entries: &[$crate::store::AuditEntry],
            ) -> $crate::store::StoreResult<()> {
                for chunk in entries.chunks($crate::store::shared::MAX_BINDS / 7) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO audit_log (run_id, record_id, system, field, old_value, new_value, at) ",
                    );
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(ctx.run_id)
                            .push_bind(e.record_id)
                            .push_bind(ctx.system)
                            .push_bind(e.field.as_str())
                            .push_bind(e.old_value.as_deref())
                            .push_bind(e.new_value.as_deref())
                            .push_bind(ctx.now);
                    });
                    qb.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_rejects(
                &mut self,
                run_id: i64,
                rejects: &[crmsync_sdk::Reject],
            ) -> $crate::store::StoreResult<()> {
                for chunk in rejects.chunks($crate::store::shared::MAX_BINDS / 6) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO rejects (run_id, file, row_num, col, reason, raw) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(run_id)
                            .push_bind(r.file.as_str())
                            .push_bind(i64::try_from(r.row).unwrap_or(i64::MAX))
                            .push_bind(r.column.as_deref())
                            .push_bind(r.reason.as_str())
                            .push_bind(r.raw.as_deref());
                    });
                    qb.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn save_progress(
                &mut self,
                run_id: i64,
                c: &$crate::store::RunCounts,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE runs SET events_done = $2, rows_read = $3, inserted = $4, updated = $5, \
                     unchanged = $6, duplicates_merged = $7, rejected = $8, dnc_flagged = $9, \
                     invalid_values = $10, blank_rows = $11, stale_skipped = $12 WHERE id = $1",
                )
                .bind(run_id)
                .bind(c.events_done)
                .bind(c.rows_read)
                .bind(c.inserted)
                .bind(c.updated)
                .bind(c.unchanged)
                .bind(c.duplicates_merged)
                .bind(c.rejected)
                .bind(c.dnc_flagged)
                .bind(c.invalid_values)
                .bind(c.blank_rows)
                .bind(c.stale_skipped)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn commit(self: Box<Self>) -> $crate::store::StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }

            async fn rollback(self: Box<Self>) -> $crate::store::StoreResult<()> {
                self.tx.rollback().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_store;
