//! `crmsync check | discover | pull | push | sync | conflicts`: the CRM side.

use super::{CliError, Ctx, EXIT_OK, EXIT_REMOTE, EXIT_WITH_REJECTS};
use crate::sync::pull::{pull_object, PullSummary};
use crate::sync::push::{push, PushSummary};
use crate::sync::{registry, SyncContext, SyncError};
use clap::Args;

/// Arguments of `pull`, `push` and `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Connector name: a `[connectors.NAME]` section of the config.
    pub name: String,
    /// Only this object (default: the connector's `objects`).
    #[arg(long)]
    pub object: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> Self {
        match &e {
            _ if e.is_config() => CliError::Usage(e.to_string()),
            SyncError::Connector(_) => CliError::Remote(format!(
                "{e}\nNothing past the last saved page was lost; run the command again to resume."
            )),
            SyncError::Busy { .. } => CliError::Failure(e.to_string()),
            _ => CliError::Failure(e.to_string()),
        }
    }
}

fn env_lookup(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn region(ctx: &Ctx) -> String {
    ctx.config
        .sync
        .region
        .clone()
        .or_else(|| ctx.config.import.region.clone())
        .unwrap_or_else(|| "US".into())
}

async fn context(ctx: &Ctx, name: &str) -> Result<SyncContext, CliError> {
    let conn = registry::build(name, &ctx.config.connectors, &env_lookup)?;
    let store = crate::store::connect(&ctx.db_url).await?;
    Ok(SyncContext::new(store, conn, &ctx.config.sync, &region(ctx)).await?)
}

fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string(value).map_err(|e| CliError::Failure(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// `crmsync check NAME`.
///
/// # Errors
/// [`CliError`] for configuration or connection problems.
pub async fn check(ctx: &Ctx, name: &str, json: bool) -> Result<u8, CliError> {
    let conn = registry::build(name, &ctx.config.connectors, &env_lookup)?;
    let report = conn.connector.check().await.map_err(SyncError::from)?;
    if json {
        print_json(&report)?;
    } else {
        println!("{name} ({}): connected as {}", conn.kind, report.identity);
        match (report.quota_remaining, report.quota_max) {
            (Some(left), Some(max)) => println!("API quota: {left} of {max} left today"),
            (Some(left), None) => println!("API quota: {left} left"),
            _ => println!("API quota: not reported"),
        }
    }
    Ok(EXIT_OK)
}

/// `crmsync discover NAME`.
///
/// # Errors
/// [`CliError`] for configuration or connection problems.
pub async fn discover(ctx: &Ctx, name: &str, json: bool) -> Result<u8, CliError> {
    let conn = registry::build(name, &ctx.config.connectors, &env_lookup)?;
    let objects = conn.connector.discover().await.map_err(SyncError::from)?;
    if json {
        print_json(&objects)?;
        return Ok(EXIT_OK);
    }
    for object in &objects {
        let custom = object.fields.iter().filter(|f| f.custom).count();
        println!(
            "{} ({} fields, {custom} custom)",
            object.name,
            object.fields.len()
        );
        for f in &object.fields {
            let mut flags = Vec::new();
            if f.custom {
                flags.push("custom");
            }
            if f.unique {
                flags.push("unique");
            }
            if f.read_only {
                flags.push("read-only");
            }
            println!(
                "  {:<32} {:<14} {}  {}",
                f.name,
                f.kind,
                f.label,
                flags.join(" ")
            );
        }
    }
    Ok(EXIT_OK)
}

fn print_pull(s: &PullSummary) {
    let c = &s.counts;
    println!(
        "{} {}: {} pull, {} received: {} inserted, {} updated, {} unchanged, {} duplicates; \
         {} linked by email, {} deleted, {} conflicts resolved, {} open; {} pages in {:.1} s",
        s.system,
        s.object,
        s.mode,
        c.rows_read,
        c.inserted,
        c.updated,
        c.unchanged,
        c.duplicates_merged,
        s.stats.linked_by_email,
        s.stats.deleted,
        s.stats.conflicts_resolved,
        s.stats.conflicts_open,
        s.stats.pages,
        s.elapsed_ms as f64 / 1000.0
    );
}

fn print_push(s: &PushSummary) {
    let c = &s.counts;
    println!(
        "{}: push, {} sent: {} created, {} updated, {} rejected ({} for good, {} still pending); \
         {} Do-Not-Contact records not created; {:.1} s",
        s.system,
        c.rows_read,
        c.inserted,
        c.updated,
        c.rejected,
        s.stats.failed,
        s.stats.pending,
        s.stats.skipped_dnc,
        s.elapsed_ms as f64 / 1000.0
    );
}

async fn run_pulls(ctx: &SyncContext, args: &SyncArgs) -> Result<Vec<PullSummary>, CliError> {
    let mut out = Vec::new();
    for object in ctx.objects(args.object.as_deref()) {
        let summary = pull_object(ctx, &object).await?;
        let stopped = summary.stopped.is_some();
        if !args.json {
            print_pull(&summary);
        }
        out.push(summary);
        if stopped {
            break;
        }
    }
    Ok(out)
}

fn exit_for(stopped: Option<&String>, open_or_rejected: bool) -> u8 {
    if let Some(why) = stopped {
        eprintln!("stopped early: {why}\nProgress is saved; run the same command later to resume.");
        EXIT_REMOTE
    } else if open_or_rejected {
        EXIT_WITH_REJECTS
    } else {
        EXIT_OK
    }
}

/// `crmsync pull NAME`.
///
/// # Errors
/// [`CliError`] for configuration, store or connector failures.
pub async fn pull(ctx: &Ctx, args: SyncArgs) -> Result<u8, CliError> {
    let sync = context(ctx, &args.name).await?;
    let pulls = run_pulls(&sync, &args).await?;
    if args.json {
        print_json(&serde_json::json!({ "pulls": pulls }))?;
    }
    let stopped = pulls.iter().find_map(|p| p.stopped.as_ref());
    let open = pulls.iter().any(|p| p.stats.conflicts_open > 0);
    Ok(exit_for(stopped, open))
}

/// `crmsync push NAME`.
///
/// # Errors
/// [`CliError`] for configuration, store or connector failures.
pub async fn push_cmd(ctx: &Ctx, args: SyncArgs) -> Result<u8, CliError> {
    let sync = context(ctx, &args.name).await?;
    let summary = push(&sync, args.object.as_deref()).await?;
    if args.json {
        print_json(&serde_json::json!({ "push": summary }))?;
    } else {
        print_push(&summary);
    }
    Ok(exit_for(
        summary.stopped.as_ref(),
        summary.counts.rejected > 0,
    ))
}

/// `crmsync sync NAME`: pull, then push.
///
/// # Errors
/// [`CliError`] for configuration, store or connector failures.
pub async fn sync(ctx: &Ctx, args: SyncArgs) -> Result<u8, CliError> {
    let sync = context(ctx, &args.name).await?;
    let pulls = run_pulls(&sync, &args).await?;
    let stopped = pulls.iter().find_map(|p| p.stopped.clone());
    let open = pulls.iter().any(|p| p.stats.conflicts_open > 0);
    if stopped.is_some() {
        if args.json {
            print_json(&serde_json::json!({ "pulls": pulls }))?;
        }
        return Ok(exit_for(stopped.as_ref(), open));
    }
    let pushed = push(&sync, args.object.as_deref()).await?;
    if args.json {
        print_json(&serde_json::json!({ "pulls": pulls, "push": pushed }))?;
    } else {
        print_push(&pushed);
    }
    Ok(exit_for(
        pushed.stopped.as_ref(),
        open || pushed.counts.rejected > 0,
    ))
}

/// `crmsync conflicts`: the conflict log, newest first.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn conflicts(
    ctx: &Ctx,
    status: Option<String>,
    limit: i64,
    json: bool,
) -> Result<u8, CliError> {
    let store = crate::store::connect(&ctx.db_url).await?;
    let rows = store.conflicts(status.as_deref(), limit.max(1)).await?;
    if json {
        print_json(&rows)?;
        return Ok(EXIT_OK);
    }
    if rows.is_empty() {
        println!("No conflicts.");
        return Ok(EXIT_OK);
    }
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "∅".into());
    for c in rows {
        println!(
            "#{} record {} {} [{}] {} — base {} · local {} · {} {} → {}",
            c.id,
            c.record_id,
            c.field,
            c.status,
            c.policy,
            show(&c.base_value),
            show(&c.local_value),
            c.remote_system,
            show(&c.remote_value),
            show(&c.resolved_value),
        );
    }
    Ok(EXIT_OK)
}
