//! [`SyncStore`](super::sync::SyncStore) / [`SyncTx`](super::sync::SyncTx) for both dialects,
//! stamped out by `impl_sync_store!(StoreType, TxType, Driver)` next to `impl_store!` (same
//! requirements: `pool`, `alloc_record_ids`, `KEYS_IN` in scope).

macro_rules! impl_sync_store {
    ($store:ident, $txty:ident, $db:ty) => {
        fn linked_from_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::sync::LinkedRecord, sqlx::Error> {
            use sqlx::Row;
            Ok($crate::store::sync::LinkedRecord {
                link_id: row.try_get("link_id")?,
                record_id: row.try_get("record_id")?,
                source_id: row.try_get("source_id")?,
                object: row.try_get("link_object")?,
                base: row
                    .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>("base")?
                    .map(|j| j.0),
                deleted: row.try_get("deleted")?,
                updated_at: row.try_get("updated_at")?,
                data: $crate::store::shared::record_from_row(row)?,
            })
        }

        /// `r.col, r.col, …` for every record data column.
        fn prefixed_record_columns() -> &'static str {
            static COLS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            COLS.get_or_init(|| {
                $crate::store::shared::RECORD_COLUMNS
                    .split(", ")
                    .map(|c| format!("r.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        }

        fn keys_json(keys: &[&str]) -> $crate::store::StoreResult<String> {
            serde_json::to_string(keys).map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))
        }

        #[async_trait::async_trait]
        impl $crate::store::sync::SyncStore for $store {
            async fn begin_sync(&self) -> $crate::store::StoreResult<Box<dyn $crate::store::sync::SyncTx>> {
                Ok(Box::new($txty { tx: self.pool.begin_with(BEGIN_SQL).await? }))
            }

            async fn cursor(&self, system: &str, object: &str) -> $crate::store::StoreResult<Option<serde_json::Value>> {
                let row: Option<(Option<sqlx::types::Json<serde_json::Value>>,)> = sqlx::query_as(
                    "SELECT cursor FROM sync_state WHERE system = $1 AND object = $2 AND direction = 'pull'",
                )
                .bind(system)
                .bind(object)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.and_then(|(c,)| c.map(|j| j.0)))
            }

            async fn acquire_lease(
                &self,
                system: &str,
                object: &str,
                direction: &str,
                owner: &str,
                until: chrono::DateTime<chrono::Utc>,
                take_over: Option<&str>,
            ) -> $crate::store::StoreResult<bool> {
                let now = chrono::Utc::now();
                sqlx::query(
                    "INSERT INTO sync_state (system, object, direction, updated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (system, object, direction) DO NOTHING",
                )
                .bind(system)
                .bind(object)
                .bind(direction)
                .bind(now)
                .execute(&self.pool)
                .await?;
                // One conditional UPDATE: atomic on both databases, so two workers can never
                // both believe they hold the lease.
                let done = sqlx::query(
                    "UPDATE sync_state SET lease_owner = $4, lease_until = $5 \
                     WHERE system = $1 AND object = $2 AND direction = $3 \
                     AND (lease_owner IS NULL OR lease_owner = $4 OR lease_until < $6 \
                     OR lease_owner = $7)",
                )
                .bind(system)
                .bind(object)
                .bind(direction)
                .bind(owner)
                .bind(until)
                .bind(now)
                .bind(take_over)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn lease_holder(&self, system: &str, object: &str, direction: &str) -> $crate::store::StoreResult<Option<String>> {
                let row: Option<(Option<String>,)> = sqlx::query_as(
                    "SELECT lease_owner FROM sync_state WHERE system = $1 AND object = $2 AND direction = $3",
                )
                .bind(system)
                .bind(object)
                .bind(direction)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.and_then(|(o,)| o))
            }

            async fn release_lease(&self, system: &str, object: &str, direction: &str, owner: &str) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE sync_state SET lease_owner = NULL, lease_until = NULL \
                     WHERE system = $1 AND object = $2 AND direction = $3 AND lease_owner = $4",
                )
                .bind(system)
                .bind(object)
                .bind(direction)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn push_candidates(
                &self,
                system: &str,
                canonical: &str,
                after_id: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::sync::PushCandidate>> {
                use sqlx::Row;
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!(
                    "SELECT r.id AS record_id, l.id AS link_id, l.object AS link_object, l.source_id, \
                     l.base, l.deleted, {} FROM records r LEFT JOIN record_links l \
                     ON l.record_id = r.id AND l.system = $1 \
                     WHERE r.object = $2 AND r.id > $3 ORDER BY r.id, l.id LIMIT $4",
                    prefixed_record_columns()
                ));
                let rows = sqlx::query(sql)
                    .bind(system)
                    .bind(canonical)
                    .bind(after_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out: Vec<$crate::store::sync::PushCandidate> = Vec::with_capacity(rows.len());
                for row in &rows {
                    let record_id: i64 = row.try_get("record_id")?;
                    // A record linked twice to one system (e.g. a Lead and a Contact): the
                    // first link speaks for it.
                    if out.last().is_some_and(|c| c.record_id == record_id) {
                        continue;
                    }
                    let link_id: Option<i64> = row.try_get("link_id")?;
                    let link = match link_id {
                        Some(link_id) => Some($crate::store::sync::CandidateLink {
                            link_id,
                            object: row.try_get("link_object")?,
                            source_id: row.try_get("source_id")?,
                            base: row
                                .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>("base")?
                                .map(|j| j.0),
                            deleted: row.try_get("deleted")?,
                        }),
                        None => None,
                    };
                    out.push($crate::store::sync::PushCandidate {
                        record_id,
                        data: $crate::store::shared::record_from_row(row)?,
                        link,
                    });
                }
                Ok(out)
            }

            async fn open_conflicts_in_range(&self, system: &str, after_id: i64, up_to: i64) -> $crate::store::StoreResult<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT record_id, field FROM conflict_log WHERE remote_system = $1 \
                     AND status = 'open' AND record_id > $2 AND record_id <= $3",
                )
                .bind(system)
                .bind(after_id)
                .bind(up_to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn outbox_pending(
                &self,
                system: &str,
                object: &str,
                after_id: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::sync::OutboxEntry>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT o.id, o.record_id, o.object, o.fields, o.attempts, l.id AS link_id, \
                     l.source_id, l.base FROM outbox o LEFT JOIN record_links l \
                     ON l.record_id = o.record_id AND l.system = o.system AND l.object = o.object \
                     WHERE o.system = $1 AND o.object = $2 AND o.status = 'pending' AND o.id > $3 \
                     ORDER BY o.id LIMIT $4",
                )
                .bind(system)
                .bind(object)
                .bind(after_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push($crate::store::sync::OutboxEntry {
                        id: row.try_get("id")?,
                        record_id: row.try_get("record_id")?,
                        object: row.try_get("object")?,
                        fields: row.try_get::<sqlx::types::Json<serde_json::Value>, _>("fields")?.0,
                        attempts: row.try_get("attempts")?,
                        link_id: row.try_get("link_id")?,
                        remote_id: row.try_get("source_id")?,
                        base: row
                            .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>("base")?
                            .map(|j| j.0),
                    });
                }
                Ok(out)
            }

            async fn outbox_count(&self, system: &str, status: &str) -> $crate::store::StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM outbox WHERE system = $1 AND status = $2",
                )
                .bind(system)
                .bind(status)
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn conflicts(&self, status: Option<&str>, limit: i64) -> $crate::store::StoreResult<Vec<$crate::store::sync::ConflictRow>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, run_id, record_id, field, base_value, local_value, remote_value, \
                     remote_system, policy, status, resolved_value FROM conflict_log \
                     WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(status)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::sync::ConflictRow {
                            id: row.try_get("id")?,
                            run_id: row.try_get("run_id")?,
                            record_id: row.try_get("record_id")?,
                            field: row.try_get("field")?,
                            base_value: row.try_get("base_value")?,
                            local_value: row.try_get("local_value")?,
                            remote_value: row.try_get("remote_value")?,
                            remote_system: row.try_get("remote_system")?,
                            policy: row.try_get("policy")?,
                            status: row.try_get("status")?,
                            resolved_value: row.try_get("resolved_value")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::sync::SyncTx for $txty {
            async fn links_by_source(
                &mut self,
                system: &str,
                object: &str,
                ids: &[&str],
            ) -> $crate::store::StoreResult<Vec<$crate::store::sync::LinkedRecord>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!(
                    "SELECT l.id AS link_id, l.record_id, l.source_id, l.object AS link_object, \
                     l.base, l.deleted, r.updated_at, {} FROM record_links l \
                     JOIN records r ON r.id = l.record_id WHERE l.system = $1 AND l.object = $2 \
                     AND l.source_id {KEYS_IN}",
                    prefixed_record_columns()
                ));
                let rows = sqlx::query(sql)
                    .bind(system)
                    .bind(object)
                    .bind(keys_json(ids)?)
                    .fetch_all(&mut *self.tx)
                    .await?;
                Ok(rows.iter().map(linked_from_row).collect::<Result<_, _>>()?)
            }

            async fn unlinked_by_email(
                &mut self,
                system: &str,
                canonical: &str,
                emails: &[&str],
            ) -> $crate::store::StoreResult<Vec<(String, i64, $crate::model::RecordData, chrono::DateTime<chrono::Utc>)>> {
                use sqlx::Row;
                if emails.is_empty() {
                    return Ok(Vec::new());
                }
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!(
                    "SELECT r.id, r.updated_at, {} FROM records r WHERE r.object = $2 \
                     AND NOT EXISTS (SELECT 1 FROM record_links l WHERE l.record_id = r.id \
                     AND l.system = $1) AND r.email {KEYS_IN} ORDER BY r.id",
                    prefixed_record_columns()
                ));
                let rows = sqlx::query(sql)
                    .bind(system)
                    .bind(canonical)
                    .bind(keys_json(emails)?)
                    .fetch_all(&mut *self.tx)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let data = $crate::store::shared::record_from_row(row)?;
                    let email = data.get($crate::model::Field::Email).unwrap_or_default().to_string();
                    out.push((email, row.try_get("id")?, data, row.try_get("updated_at")?));
                }
                Ok(out)
            }

            async fn insert_record_for_sync(
                &mut self,
                run_id: i64,
                canonical: &str,
                data: &$crate::model::RecordData,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::shared::{bind_record, RECORD_COLUMNS};
                let ids = alloc_record_ids(&mut self.tx, 1).await?;
                let id = *ids.first().ok_or_else(|| {
                    $crate::store::StoreError::Corrupt("no record id allocated".into())
                })?;
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| {
                    let binds: Vec<String> = (6..6 + 27).map(|i| format!("${i}")).collect();
                    format!(
                        "INSERT INTO records (id, object, created_run_id, created_at, updated_at, \
                         {RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, {})",
                        binds.join(", ")
                    )
                });
                let q = sqlx::query(sql).bind(id).bind(canonical).bind(run_id).bind(now).bind(now);
                bind_record!(query q, data).execute(&mut *self.tx).await?;
                Ok(id)
            }

            async fn update_record_data(
                &mut self,
                record_id: i64,
                data: &$crate::model::RecordData,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::shared::{bind_record, RECORD_UPDATE_SET};
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!("UPDATE records SET {RECORD_UPDATE_SET} WHERE id = $1"));
                let q = sqlx::query(sql).bind(record_id);
                bind_record!(query q, data).bind(now).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn upsert_link(
                &mut self,
                record_id: i64,
                system: &str,
                object: &str,
                source_id: &str,
                base: &serde_json::Value,
                remote_modified_at: Option<chrono::DateTime<chrono::Utc>>,
                deleted: bool,
                run_id: i64,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO record_links (record_id, system, object, source_id, key_kind, base, \
                     remote_modified_at, deleted, last_run_id) VALUES ($1, $2, $3, $4, 'column', $5, $6, $7, $8) \
                     ON CONFLICT (system, object, source_id) DO UPDATE SET record_id = excluded.record_id, \
                     base = excluded.base, remote_modified_at = COALESCE(excluded.remote_modified_at, \
                     record_links.remote_modified_at), deleted = excluded.deleted, \
                     last_run_id = excluded.last_run_id",
                )
                .bind(record_id)
                .bind(system)
                .bind(object)
                .bind(source_id)
                .bind(sqlx::types::Json(base))
                .bind(remote_modified_at)
                .bind(deleted)
                .bind(run_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn open_conflicts_for(
                &mut self,
                system: &str,
                object: &str,
                ids: &[&str],
            ) -> $crate::store::StoreResult<Vec<(i64, String)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!(
                    "SELECT c.record_id, c.field FROM conflict_log c JOIN record_links l \
                     ON l.record_id = c.record_id AND l.system = c.remote_system \
                     WHERE c.status = 'open' AND l.system = $1 AND l.object = $2 \
                     AND l.source_id {KEYS_IN}"
                ));
                Ok(sqlx::query_as(sql)
                    .bind(system)
                    .bind(object)
                    .bind(keys_json(ids)?)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn insert_conflicts(
                &mut self,
                run_id: i64,
                system: &str,
                rows: &[$crate::store::sync::NewConflict],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                for c in rows {
                    let resolved_at = (c.status != "open").then_some(now);
                    sqlx::query(
                        "INSERT INTO conflict_log (run_id, record_id, field, base_value, local_value, \
                         remote_value, remote_system, policy, status, resolved_value, created_at, \
                         resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(run_id)
                    .bind(c.record_id)
                    .bind(c.field.as_str())
                    .bind(c.base_value.as_deref())
                    .bind(c.local_value.as_deref())
                    .bind(c.remote_value.as_deref())
                    .bind(system)
                    .bind(c.policy.as_str())
                    .bind(c.status)
                    .bind(c.resolved_value.as_deref())
                    .bind(now)
                    .bind(resolved_at)
                    .execute(&mut *self.tx)
                    .await?;
                }
                Ok(())
            }

            async fn set_cursor(
                &mut self,
                system: &str,
                object: &str,
                cursor: &serde_json::Value,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sync_state (system, object, direction, cursor, updated_at) \
                     VALUES ($1, $2, 'pull', $3, $4) ON CONFLICT (system, object, direction) \
                     DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                )
                .bind(system)
                .bind(object)
                .bind(sqlx::types::Json(cursor))
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn save_stats(&mut self, run_id: i64, stats: &serde_json::Value) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE runs SET stats = $2 WHERE id = $1")
                    .bind(run_id)
                    .bind(sqlx::types::Json(stats))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn outbox_put(
                &mut self,
                system: &str,
                object: &str,
                record_id: i64,
                fields: &serde_json::Value,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let existing: Option<(sqlx::types::Json<serde_json::Value>,)> = sqlx::query_as(
                    "SELECT fields FROM outbox WHERE system = $1 AND object = $2 AND record_id = $3",
                )
                .bind(system)
                .bind(object)
                .bind(record_id)
                .fetch_optional(&mut *self.tx)
                .await?;
                match existing {
                    // The same change is queued already, or was refused for good and has not
                    // been edited since: leave the row (and its status) as it is.
                    Some((old,)) if old.0 == *fields => {}
                    Some(_) => {
                        sqlx::query(
                            "UPDATE outbox SET fields = $4, status = 'pending', attempts = 0, \
                             last_error = NULL, updated_at = $5 \
                             WHERE system = $1 AND object = $2 AND record_id = $3",
                        )
                        .bind(system)
                        .bind(object)
                        .bind(record_id)
                        .bind(sqlx::types::Json(fields))
                        .bind(now)
                        .execute(&mut *self.tx)
                        .await?;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO outbox (system, object, record_id, fields, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $5)",
                        )
                        .bind(system)
                        .bind(object)
                        .bind(record_id)
                        .bind(sqlx::types::Json(fields))
                        .bind(now)
                        .execute(&mut *self.tx)
                        .await?;
                    }
                }
                Ok(())
            }

            async fn outbox_clear(&mut self, system: &str, record_id: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM outbox WHERE system = $1 AND record_id = $2")
                    .bind(system)
                    .bind(record_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn outbox_ack(&mut self, id: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM outbox WHERE id = $1").bind(id).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn outbox_fail(
                &mut self,
                id: i64,
                error: &str,
                retryable: bool,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, status = $3, \
                     updated_at = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .bind(if retryable { "pending" } else { "failed" })
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn commit_sync(self: Box<Self>) -> $crate::store::StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_sync_store;
