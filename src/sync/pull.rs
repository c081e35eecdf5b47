//! The pull driver: pages from the connector, each stored in one transaction together with
//! the cursor that follows it, so a crash replays at most one page and a replay is harmless
//! (every write is keyed by (system, object, CRM id) and compared against the base).

use crate::model::RecordData;
use crate::store::sync::{LinkedRecord, NewConflict, SyncTx};
use crate::store::{AuditEntry, NewRun, RunCounts, WriteCtx};
use crate::sync::fieldmap::ObjectMap;
use crate::sync::merge::{merge, MergeInput, Resolution};
use crate::sync::snapshot::{Slot, Snapshot};
use crate::sync::{SyncContext, SyncError};
use chrono::{DateTime, Utc};
use crmsync_sdk::crm::{Cursor, PullPage, RemoteRecord};
use crmsync_sdk::ErrorKind;
use futures::StreamExt;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

/// What a pull of one object did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullSummary {
    /// The run.
    pub run_id: i64,
    /// System (connector name).
    pub system: String,
    /// Object.
    pub object: String,
    /// `full` or `incremental`.
    pub mode: &'static str,
    /// Counters: `rows_read` = records received = inserted + updated + unchanged +
    /// duplicates_merged.
    pub counts: RunCounts,
    /// Extra counters.
    pub stats: PullStats,
    /// Why the pull stopped early (a spent quota), if it did; the cursor is saved.
    pub stopped: Option<String>,
    /// Elapsed milliseconds.
    pub elapsed_ms: i64,
}

/// Sync-only counters, stored in `runs.stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct PullStats {
    /// Pages stored.
    pub pages: i64,
    /// First-seen CRM records linked to an existing local record by email.
    pub linked_by_email: i64,
    /// CRM deletes applied to links.
    pub deleted: i64,
    /// Conflicts the policy resolved.
    pub conflicts_resolved: i64,
    /// Conflicts left open (manual policy).
    pub conflicts_open: i64,
    /// Local fields changed from the CRM.
    pub fields_pulled: i64,
}

/// Pull `object` of the context's connector from its stored cursor.
///
/// # Errors
/// [`SyncError`] for configuration, store or connector failures. A spent daily quota is not
/// an error: the summary says where it stopped, and the next pull resumes there.
pub async fn pull_object(ctx: &SyncContext, object: &str) -> Result<PullSummary, SyncError> {
    let map = ctx.map_for(object)?;
    ctx.lease(object, "pull").await?;
    let result = pull_leased(ctx, object, &map).await;
    ctx.release(object, "pull").await;
    result
}

async fn pull_leased(
    ctx: &SyncContext,
    object: &str,
    map: &ObjectMap,
) -> Result<PullSummary, SyncError> {
    let started = Instant::now();
    let system = ctx.system().to_string();
    let cursor: Option<Cursor> = match ctx.store.cursor(&system, object).await? {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| {
            SyncError::Config(format!(
                "stored cursor of {system}/{object} is unreadable: {e}"
            ))
        })?),
        None => None,
    };
    let mode = match &cursor {
        Some(Cursor::Watermark { .. }) => "incremental",
        _ => "full",
    };
    ctx.close_interrupted("pull", object).await?;
    let run = ctx
        .store
        .create_run(&NewRun {
            kind: "pull".into(),
            system: system.clone(),
            input: Some(object.to_string()),
            fingerprint: None,
            options: serde_json::json!({ "object": object, "mode": mode }),
        })
        .await?;
    let mut summary = PullSummary {
        run_id: run.id,
        system: system.clone(),
        object: object.to_string(),
        mode,
        ..PullSummary::default()
    };
    let mut stream = ctx.conn.connector.pull(object, cursor);
    let outcome = loop {
        match stream.next().await {
            None => break Ok(()),
            Some(Ok(page)) => {
                ctx.lease(object, "pull").await?;
                if let Err(e) = store_page(ctx, map, run.id, page, &mut summary).await {
                    break Err(e);
                }
            }
            Some(Err(e)) if e.kind == ErrorKind::QuotaExhausted => {
                summary.stopped = Some(e.to_string());
                break Ok(());
            }
            Some(Err(e)) => break Err(SyncError::from(e)),
        }
    };
    drop(stream);
    summary.elapsed_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match (&outcome, &summary.stopped) {
        (Err(e), _) => ("failed", Some(e.to_string())),
        (Ok(()), Some(why)) => ("stopped", Some(why.clone())),
        (Ok(()), None) => ("completed", None),
    };
    ctx.store
        .finish_run(run.id, status, summary.elapsed_ms, error.as_deref())
        .await?;
    outcome.map(|()| summary)
}

/// Keep the last version of each id in a page (a page may repeat a record when the CRM
/// moved it while we paged); returns the records and how many were folded.
fn dedup(records: Vec<RemoteRecord>) -> (Vec<RemoteRecord>, i64) {
    let mut last: HashMap<String, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        last.insert(r.id.clone(), i);
    }
    let folded = i64::try_from(records.len() - last.len()).unwrap_or(0);
    let kept = records
        .into_iter()
        .enumerate()
        .filter(|(i, r)| last.get(&r.id) == Some(i))
        .map(|(_, r)| r)
        .collect();
    (kept, folded)
}

async fn store_page(
    ctx: &SyncContext,
    map: &ObjectMap,
    run_id: i64,
    page: PullPage,
    summary: &mut PullSummary,
) -> Result<(), SyncError> {
    let system = summary.system.clone();
    let object = summary.object.clone();
    let now = Utc::now();
    let received = i64::try_from(page.records.len()).unwrap_or(0);
    let (records, folded) = dedup(page.records);
    let mut counts = RunCounts {
        rows_read: received,
        events_done: received,
        duplicates_merged: folded,
        ..RunCounts::default()
    };
    let mut stats = PullStats {
        pages: 1,
        ..PullStats::default()
    };
    let mut tx = ctx.store.begin_sync().await?;
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let links: HashMap<String, LinkedRecord> = tx
        .links_by_source(&system, &object, &ids)
        .await?
        .into_iter()
        .map(|l| (l.source_id.clone(), l))
        .collect();
    let mut open: HashMap<i64, BTreeSet<Slot>> = HashMap::new();
    for (record_id, field) in tx.open_conflicts_for(&system, &object, &ids).await? {
        if let Some(slot) = Slot::from_name(&field) {
            open.entry(record_id).or_default().insert(slot);
        }
    }
    let mut by_email = email_matches(ctx, map, tx.as_mut(), &records, &links).await?;
    let mut audit = Vec::new();
    let mut conflicts = Vec::new();
    let write = WriteCtx {
        run_id,
        system: &system,
        object: &object,
        source_file: "",
        now,
    };
    for record in &records {
        let remote = ctx.cleaner.snapshot(map, record);
        let existing = match links.get(&record.id) {
            Some(link) => Some((
                link.record_id,
                link.data.clone(),
                link.updated_at,
                link.base.clone(),
                link.deleted,
            )),
            None if record.deleted => None,
            None => {
                let email = remote.get(Slot::Value(crate::model::Field::Email));
                match email.and_then(|e| by_email.remove(e)) {
                    Some((record_id, data, updated_at)) => {
                        stats.linked_by_email += 1;
                        Some((record_id, data, updated_at, None, false))
                    }
                    None => None,
                }
            }
        };
        let Some((record_id, data, updated_at, base_json, was_deleted)) = existing else {
            if record.deleted {
                // A delete of a record we never stored: nothing to reconcile.
                counts.unchanged += 1;
                continue;
            }
            let mut data = RecordData::default();
            for (slot, value) in remote.iter() {
                slot.write(&mut data, value);
            }
            data.source_modified_at = record.modified_at;
            counts.dnc_flagged += i64::from(ctx.apply_dnc(&mut data));
            let record_id = tx
                .insert_record_for_sync(run_id, map.canonical, &data, now)
                .await?;
            let base = serde_json::to_value(&remote).unwrap_or_default();
            tx.upsert_link(
                record_id,
                &system,
                &object,
                &record.id,
                &base,
                record.modified_at,
                false,
                run_id,
            )
            .await?;
            counts.inserted += 1;
            continue;
        };
        if record.deleted {
            let base = base_json.unwrap_or_else(|| serde_json::json!({}));
            tx.upsert_link(
                record_id,
                &system,
                &object,
                &record.id,
                &base,
                record.modified_at,
                true,
                run_id,
            )
            .await?;
            if was_deleted {
                counts.unchanged += 1;
            } else {
                audit.push(AuditEntry {
                    record_id,
                    field: format!("deleted_in.{system}"),
                    old_value: Some("false".into()),
                    new_value: Some("true".into()),
                });
                stats.deleted += 1;
                counts.updated += 1;
            }
            continue;
        }
        let base: Option<Snapshot> = base_json.and_then(|v| serde_json::from_value(v).ok());
        let local = ctx.local_snapshot(&data, map);
        let no_open = BTreeSet::new();
        let outcome = merge(
            &MergeInput {
                system: &system,
                base: base.as_ref(),
                local: &local,
                remote: &remote,
                local_modified: Some(updated_at),
                remote_modified: record.modified_at,
                open: open.get(&record_id).unwrap_or(&no_open),
            },
            &ctx.policies,
        );
        let mut new_data = data.clone();
        for (slot, value) in &outcome.take {
            slot.write(&mut new_data, value.as_deref());
        }
        stats.fields_pulled += i64::try_from(outcome.take.len()).unwrap_or(0);
        if !outcome.take.is_empty() {
            new_data.source_modified_at = newest(new_data.source_modified_at, record.modified_at);
        }
        counts.dnc_flagged += i64::from(ctx.apply_dnc(&mut new_data));
        for c in &outcome.conflicts {
            let open_now = c.resolution == Resolution::Open;
            stats.conflicts_open += i64::from(open_now);
            stats.conflicts_resolved += i64::from(!open_now);
            conflicts.push(NewConflict {
                record_id,
                field: c.slot.name().to_string(),
                base_value: c.base.clone(),
                local_value: c.local.clone(),
                remote_value: c.remote.clone(),
                policy: c.policy.clone(),
                status: if open_now { "open" } else { "auto_resolved" },
                resolved_value: c.resolved_value().map(str::to_string),
            });
        }
        let diff = data.diff(&new_data);
        let newly_linked = !links.contains_key(&record.id);
        let link_changed = newly_linked || was_deleted || base.as_ref() != Some(&outcome.base);
        if diff.is_empty() {
            counts.unchanged += 1;
        } else {
            tx.update_record_data(record_id, &new_data, now).await?;
            audit.extend(
                diff.into_iter()
                    .map(|(field, old_value, new_value)| AuditEntry {
                        record_id,
                        field,
                        old_value,
                        new_value,
                    }),
            );
            counts.updated += 1;
        }
        if link_changed {
            let base = serde_json::to_value(&outcome.base).unwrap_or_default();
            tx.upsert_link(
                record_id,
                &system,
                &object,
                &record.id,
                &base,
                record.modified_at,
                false,
                run_id,
            )
            .await?;
        }
    }
    tx.insert_audit(&write, &audit).await?;
    tx.insert_conflicts(run_id, &system, &conflicts, now)
        .await?;
    let cursor = serde_json::to_value(&page.next).unwrap_or_default();
    tx.set_cursor(&system, &object, &cursor, now).await?;
    summary.counts += counts;
    add_stats(&mut summary.stats, stats);
    tx.save_progress(run_id, &summary.counts).await?;
    tx.save_stats(
        run_id,
        &serde_json::to_value(summary.stats).unwrap_or_default(),
    )
    .await?;
    tx.commit_sync().await?;
    Ok(())
}

fn newest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn add_stats(into: &mut PullStats, s: PullStats) {
    into.pages += s.pages;
    into.linked_by_email += s.linked_by_email;
    into.deleted += s.deleted;
    into.conflicts_resolved += s.conflicts_resolved;
    into.conflicts_open += s.conflicts_open;
    into.fields_pulled += s.fields_pulled;
}

type EmailMatch = (i64, RecordData, DateTime<Utc>);

/// Unlinked local records whose email equals a first-seen CRM record's email, by email.
/// Each local record is offered once (the first CRM record with that email gets it).
async fn email_matches(
    ctx: &SyncContext,
    map: &ObjectMap,
    tx: &mut dyn SyncTx,
    records: &[RemoteRecord],
    links: &HashMap<String, LinkedRecord>,
) -> Result<HashMap<String, EmailMatch>, SyncError> {
    if !ctx.options.match_by_email {
        return Ok(HashMap::new());
    }
    let emails: Vec<String> = records
        .iter()
        .filter(|r| !r.deleted && !links.contains_key(&r.id))
        .filter_map(|r| {
            ctx.cleaner
                .snapshot(map, r)
                .get(Slot::Value(crate::model::Field::Email))
                .map(str::to_string)
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let mut out = HashMap::new();
    for (email, record_id, data, updated_at) in tx
        .unlinked_by_email(ctx.system(), map.canonical, &refs)
        .await?
    {
        out.entry(email).or_insert((record_id, data, updated_at));
    }
    Ok(out)
}
