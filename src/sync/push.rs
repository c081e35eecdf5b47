//! The push driver. Local changes are found by comparing each record with the base of its
//! link to the target system (what the CRM held after the last sync), queued in the outbox
//! in the same transaction that finds them, then sent in the connector's batches. Every
//! outcome is acknowledged in one transaction per batch: a created or updated record gets
//! its link and a base holding what was written (so the next pull sees an echo, not a
//! change), a refused one stays in the outbox with the CRM's message — `pending` when the
//! CRM says it may succeed later, `failed` otherwise.
//!
//! A crash between sending and acknowledging replays the batch; upserts by id, email or
//! external id make the replay harmless.

use crate::store::sync::{OutboxEntry, PushCandidate, SyncTx};
use crate::store::{NewRun, RunCounts};
use crate::sync::fieldmap::{remote_name, ObjectMap};
use crate::sync::snapshot::{Slot, Snapshot};
use crate::sync::{SyncContext, SyncError};
use chrono::Utc;
use crmsync_sdk::crm::{OutboundRecord, WriteOutcome};
use crmsync_sdk::ErrorKind;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

/// Records read per enqueue page.
const SCAN_PAGE: i64 = 1_000;
/// Outbox rows handed to the connector per call of `push` (it splits them into its own
/// batches, and may choose a bulk job for large sets).
const DRAIN_CHUNK: i64 = 50_000;
/// Passes over retryable refusals within one run.
const PASSES: u32 = 3;

/// What a push did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PushSummary {
    /// The run.
    pub run_id: i64,
    /// System.
    pub system: String,
    /// Counters: `rows_read` = outbox rows sent = inserted (created) + updated + rejected.
    pub counts: RunCounts,
    /// Extra counters.
    pub stats: PushStats,
    /// Why the push stopped early (a spent quota), if it did; unsent rows stay queued.
    pub stopped: Option<String>,
    /// Elapsed milliseconds.
    pub elapsed_ms: i64,
}

/// Sync-only push counters, stored in `runs.stats`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct PushStats {
    /// Records queued (or re-queued) by this run's scan.
    pub queued: i64,
    /// Do-Not-Contact records not created because the object has no writable opt-out.
    pub skipped_dnc: i64,
    /// Refusals sent again within the run.
    pub retries: i64,
    /// Rows refused for good (kept in the outbox as `failed`).
    pub failed: i64,
    /// Rows still pending (retryable) when the run ended.
    pub pending: i64,
}

/// Per-object push settings learned from discovery.
struct Target {
    map: ObjectMap,
    /// Slots whose CRM field exists and is writable.
    writable: Vec<Slot>,
}

/// Push local changes of every configured object (or `only`).
///
/// # Errors
/// [`SyncError`] for configuration, store or connector failures. A spent daily quota is not
/// an error: the summary says so and the queue is kept for the next run.
pub async fn push(ctx: &SyncContext, only: Option<&str>) -> Result<PushSummary, SyncError> {
    let objects = ctx.objects(only);
    for object in &objects {
        ctx.map_for(object)?;
    }
    let lease_key = "*";
    ctx.lease(lease_key, "push").await?;
    let result = push_leased(ctx, &objects).await;
    ctx.release(lease_key, "push").await;
    result
}

async fn targets(
    ctx: &SyncContext,
    objects: &[String],
) -> Result<BTreeMap<String, Target>, SyncError> {
    let schemas = ctx.conn.connector.discover().await?;
    let mut out = BTreeMap::new();
    for object in objects {
        let map = ctx.map_for(object)?;
        let schema = schemas.iter().find(|s| &s.name == object).ok_or_else(|| {
            SyncError::Config(format!("{} has no object {object:?}", ctx.system()))
        })?;
        let writable_names: HashSet<&str> = schema
            .fields
            .iter()
            .filter(|f| !f.read_only)
            .map(|f| f.name.as_str())
            .collect();
        let writable = map
            .fields
            .iter()
            .filter(|(name, _)| writable_names.contains(name))
            .map(|(_, slot)| *slot)
            .collect();
        out.insert(object.clone(), Target { map, writable });
    }
    Ok(out)
}

async fn push_leased(ctx: &SyncContext, objects: &[String]) -> Result<PushSummary, SyncError> {
    let started = Instant::now();
    let system = ctx.system().to_string();
    ctx.close_interrupted("push", &objects.join(",")).await?;
    let run = ctx
        .store
        .create_run(&NewRun {
            kind: "push".into(),
            system: system.clone(),
            input: Some(objects.join(",")),
            fingerprint: None,
            options: serde_json::json!({ "objects": objects }),
        })
        .await?;
    let mut summary = PushSummary {
        run_id: run.id,
        system: system.clone(),
        ..PushSummary::default()
    };
    let outcome = async {
        let targets = targets(ctx, objects).await?;
        enqueue(ctx, &targets, &mut summary).await?;
        for (object, target) in &targets {
            if summary.stopped.is_some() {
                break;
            }
            drain(ctx, object, target, &mut summary).await?;
        }
        summary.stats.pending = ctx.store.outbox_count(&system, "pending").await?;
        Ok::<(), SyncError>(())
    }
    .await;
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

/// The object new records of kind `canonical` are created in: the first configured one.
fn create_object<'a>(
    targets: &'a BTreeMap<String, Target>,
    order: &'a [String],
    canonical: &str,
) -> Option<&'a str> {
    order
        .iter()
        .find(|o| {
            targets
                .get(*o)
                .is_some_and(|t| t.map.canonical == canonical)
        })
        .map(String::as_str)
}

/// Scan local records of every canonical kind involved and queue what differs from the base.
async fn enqueue(
    ctx: &SyncContext,
    targets: &BTreeMap<String, Target>,
    summary: &mut PushSummary,
) -> Result<(), SyncError> {
    let order: Vec<String> = ctx
        .conn
        .objects
        .iter()
        .filter(|o| targets.contains_key(*o))
        .cloned()
        .collect();
    let canonicals: BTreeSet<&str> = targets.values().map(|t| t.map.canonical).collect();
    let system = ctx.system();
    for canonical in canonicals {
        let mut after = 0i64;
        loop {
            let page = ctx
                .store
                .push_candidates(system, canonical, after, SCAN_PAGE)
                .await?;
            let Some(last) = page.last().map(|c| c.record_id) else {
                break;
            };
            let mut open: HashMap<i64, HashSet<String>> = HashMap::new();
            for (record_id, field) in ctx
                .store
                .open_conflicts_in_range(system, after, last)
                .await?
            {
                open.entry(record_id).or_default().insert(field);
            }
            let mut tx = ctx.store.begin_sync().await?;
            for candidate in &page {
                let no_open = HashSet::new();
                let open = open.get(&candidate.record_id).unwrap_or(&no_open);
                queue_one(
                    ctx,
                    targets,
                    &order,
                    canonical,
                    candidate,
                    open,
                    tx.as_mut(),
                    summary,
                )
                .await?;
            }
            tx.commit_sync().await?;
            after = last;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn queue_one(
    ctx: &SyncContext,
    targets: &BTreeMap<String, Target>,
    order: &[String],
    canonical: &str,
    c: &PushCandidate,
    open: &HashSet<String>,
    tx: &mut dyn SyncTx,
    summary: &mut PushSummary,
) -> Result<(), SyncError> {
    let system = ctx.system();
    let now = Utc::now();
    let (object, base) = match &c.link {
        Some(link) => {
            if !targets.contains_key(&link.object) {
                return Ok(());
            }
            if link.deleted {
                // Deleted in the CRM: never resurrected by a push.
                tx.outbox_clear(system, c.record_id).await?;
                return Ok(());
            }
            let base: Snapshot = link
                .base
                .clone()
                .and_then(|b| serde_json::from_value(b).ok())
                .unwrap_or_default();
            (link.object.as_str(), Some(base))
        }
        None if ctx.options.push_new => match create_object(targets, order, canonical) {
            Some(object) => (object, None),
            None => return Ok(()),
        },
        None => return Ok(()),
    };
    let Some(target) = targets.get(object) else {
        return Ok(());
    };
    let has_opt_out = target.writable.iter().any(|s| s.is_opt_out());
    if base.is_none() && c.data.do_not_contact && !has_opt_out {
        // Creating it would make a Do-Not-Contact person contactable in that CRM.
        summary.stats.skipped_dnc += 1;
        return Ok(());
    }
    let local = ctx.local_snapshot(&c.data, &target.map);
    let mut changed = Snapshot::default();
    for slot in &target.writable {
        if open.contains(slot.name()) {
            continue;
        }
        let l = local.get(*slot);
        let unchanged = match &base {
            Some(b) if b.contains(*slot) => b.get(*slot) == l,
            // Not known to the CRM: only worth sending when it says something.
            _ => l.is_none() || l == Some("false"),
        };
        if !unchanged {
            changed.set(*slot, l.map(str::to_string));
        }
    }
    if changed.is_empty() {
        tx.outbox_clear(system, c.record_id).await?;
        return Ok(());
    }
    let fields = serde_json::to_value(&changed).unwrap_or_default();
    tx.outbox_put(system, object, c.record_id, &fields, now)
        .await?;
    summary.stats.queued += 1;
    Ok(())
}

fn outbound(entry: &OutboxEntry, map: &ObjectMap) -> (OutboundRecord, Snapshot) {
    let snap: Snapshot = serde_json::from_value(entry.fields.clone()).unwrap_or_default();
    let fields = snap
        .iter()
        .filter_map(|(slot, v)| {
            remote_name(map, slot).map(|n| (n.to_string(), v.map(str::to_string)))
        })
        .collect();
    (
        OutboundRecord {
            local_id: entry.record_id,
            remote_id: entry.remote_id.clone(),
            fields,
        },
        snap,
    )
}

/// Send the queued rows of `object`, up to [`PASSES`] times for retryable refusals.
async fn drain(
    ctx: &SyncContext,
    object: &str,
    target: &Target,
    summary: &mut PushSummary,
) -> Result<(), SyncError> {
    let system = ctx.system().to_string();
    let mut retry: Option<HashSet<i64>> = None;
    for pass in 0..PASSES {
        if pass > 0 {
            // Lock contention and throttling clear with time.
            tokio::time::sleep(Duration::from_millis(500 * u64::from(pass))).await;
        }
        let mut again = HashSet::new();
        let mut after = 0i64;
        loop {
            let mut entries = ctx
                .store
                .outbox_pending(&system, object, after, DRAIN_CHUNK)
                .await?;
            let Some(last) = entries.last().map(|e| e.id) else {
                break;
            };
            after = last;
            if let Some(only) = &retry {
                entries.retain(|e| only.contains(&e.id));
                summary.stats.retries += i64::try_from(entries.len()).unwrap_or(0);
            }
            if entries.is_empty() {
                continue;
            }
            for chunk in entries.chunks(ctx.conn.connector.max_batch().max(1)) {
                let (batch, snaps): (Vec<OutboundRecord>, Vec<Snapshot>) =
                    chunk.iter().map(|e| outbound(e, &target.map)).unzip();
                let outcomes = match ctx.conn.connector.push(object, &batch).await {
                    Ok(o) => o,
                    Err(e) if e.kind == ErrorKind::QuotaExhausted => {
                        summary.stopped = Some(e.to_string());
                        return Ok(());
                    }
                    Err(e) => return Err(e.into()),
                };
                if outcomes.len() != chunk.len() {
                    return Err(SyncError::Config(format!(
                        "{system}: the connector answered {} outcomes for {} records",
                        outcomes.len(),
                        chunk.len()
                    )));
                }
                // One transaction per call: what the CRM acknowledged is never sent again.
                let mut tx = ctx.store.begin_sync().await?;
                for ((entry, snap), outcome) in chunk.iter().zip(&snaps).zip(&outcomes) {
                    let may_retry = pass + 1 < PASSES;
                    acknowledge(
                        ctx,
                        object,
                        entry,
                        snap,
                        outcome,
                        may_retry,
                        tx.as_mut(),
                        summary,
                        &mut again,
                    )
                    .await?;
                }
                tx.save_progress(summary.run_id, &summary.counts).await?;
                tx.save_stats(
                    summary.run_id,
                    &serde_json::to_value(summary.stats).unwrap_or_default(),
                )
                .await?;
                tx.commit_sync().await?;
            }
        }
        if again.is_empty() {
            break;
        }
        retry = Some(again);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn acknowledge(
    ctx: &SyncContext,
    object: &str,
    entry: &OutboxEntry,
    pushed: &Snapshot,
    outcome: &WriteOutcome,
    may_retry: bool,
    tx: &mut dyn SyncTx,
    summary: &mut PushSummary,
    again: &mut HashSet<i64>,
) -> Result<(), SyncError> {
    let now = Utc::now();
    match outcome {
        WriteOutcome::Created { remote_id, .. } | WriteOutcome::Updated { remote_id, .. } => {
            let mut base: Snapshot = entry
                .base
                .clone()
                .and_then(|b| serde_json::from_value(b).ok())
                .unwrap_or_default();
            for (slot, value) in pushed.iter() {
                base.set(slot, value.map(str::to_string));
            }
            let base = serde_json::to_value(&base).unwrap_or_default();
            tx.upsert_link(
                entry.record_id,
                ctx.system(),
                object,
                remote_id,
                &base,
                None,
                false,
                summary.run_id,
            )
            .await?;
            tx.outbox_ack(entry.id).await?;
            summary.counts.rows_read += 1;
            if matches!(outcome, WriteOutcome::Created { .. }) {
                summary.counts.inserted += 1;
            } else {
                summary.counts.updated += 1;
            }
        }
        WriteOutcome::Rejected {
            code,
            message,
            retryable,
            ..
        } => {
            let error = format!("{code}: {message}");
            tx.outbox_fail(entry.id, &error, *retryable, now).await?;
            if *retryable && may_retry {
                again.insert(entry.id);
            } else {
                summary.counts.rows_read += 1;
                summary.counts.rejected += 1;
                summary.stats.failed += i64::from(!*retryable);
            }
        }
    }
    Ok(())
}
