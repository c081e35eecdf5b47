//! `crmsync dnc import | add | check | list | remove`.

use super::{CliError, Ctx, DncCommand, EXIT_OK, EXIT_WITH_REJECTS};
use crate::dnc_admin::{self, normalize_value, parse_expiry};
use crate::normalize::dnc::{DncEntry, DncKind, DncList};
use crate::normalize::phone::PhoneNormalizer;
use chrono::Utc;

/// DNC file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DncFileFormat {
    /// value,kind,reason[,source,expires_at] with a header.
    Csv,
    /// One phone number per line (national registry downloads).
    Registry,
}

/// Entry kinds on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Phone number.
    Phone,
    /// Email address.
    Email,
    /// Email domain.
    Domain,
}

impl From<KindArg> for DncKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Phone => DncKind::Phone,
            KindArg::Email => DncKind::Email,
            KindArg::Domain => DncKind::Domain,
        }
    }
}

fn phones(ctx: &Ctx, region: Option<String>) -> Result<PhoneNormalizer, CliError> {
    let region = region
        .or_else(|| ctx.config.import.region.clone())
        .unwrap_or_else(|| "US".into());
    PhoneNormalizer::new(&region).map_err(|_| {
        CliError::Usage(format!(
            "unknown phone region {region}: use an ISO 3166 code such as US"
        ))
    })
}

/// Run a `crmsync dnc` subcommand.
///
/// # Errors
/// [`CliError`] for invalid values, unreadable files and store failures.
pub async fn run(ctx: &Ctx, cmd: DncCommand) -> Result<u8, CliError> {
    let store = crate::store::connect(&ctx.db_url).await?;
    match cmd {
        DncCommand::Import {
            file,
            format,
            reason,
            region,
            json,
        } => {
            let phones = phones(ctx, region)?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let path = file.clone();
            let parsed = match format {
                DncFileFormat::Registry => {
                    let reason = reason.clone();
                    let source = name.clone();
                    tokio::task::spawn_blocking(move || {
                        dnc_admin::parse_registry(&path, reason.as_deref(), &source, &phones)
                    })
                    .await
                    .map_err(|e| CliError::Failure(e.to_string()))?
                    .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?
                }
                DncFileFormat::Csv => {
                    let source = name.clone();
                    tokio::task::spawn_blocking(move || {
                        let reader = crate::import::input::open(&path, &Default::default())
                            .map_err(|e| e.to_string())?;
                        dnc_admin::parse_csv(reader, &source, &source, &phones)
                    })
                    .await
                    .map_err(|e| CliError::Failure(e.to_string()))?
                    .map_err(CliError::Usage)?
                }
            };
            let mut entries = parsed.entries;
            if let Some(r) = &reason {
                for e in entries.iter_mut().filter(|e| e.reason.is_none()) {
                    e.reason = Some(r.clone());
                }
            }
            let added = store.dnc_upsert(&entries).await?;
            let refreshed = entries.len() as u64 - added;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"read": entries.len() + parsed.rejects.len(), "added": added,
                        "refreshed": refreshed, "rejected": parsed.rejects.len(), "rejects": parsed.rejects})
                );
            } else {
                println!("DNC import from {name}: {added} added, {refreshed} already listed (refreshed), {} rejected", parsed.rejects.len());
                for r in &parsed.rejects {
                    println!("  row {}: {}", r.row, r.reason);
                }
            }
            Ok(if parsed.rejects.is_empty() {
                EXIT_OK
            } else {
                EXIT_WITH_REJECTS
            })
        }
        DncCommand::Add {
            value,
            kind,
            reason,
            expires,
            region,
        } => {
            let phones = phones(ctx, region)?;
            let (kind, value) =
                normalize_value(&value, kind.map(Into::into), &phones).map_err(CliError::Usage)?;
            let expires_at = expires
                .as_deref()
                .map(parse_expiry)
                .transpose()
                .map_err(CliError::Usage)?;
            let added = store
                .dnc_upsert(&[DncEntry {
                    kind,
                    value: value.clone(),
                    reason,
                    source: Some("manual".into()),
                    expires_at,
                }])
                .await?;
            let how = if added == 1 { "Added" } else { "Updated" };
            println!("{how} {} {value}", kind.as_str());
            Ok(EXIT_OK)
        }
        DncCommand::Check {
            value,
            kind,
            region,
        } => {
            let phones = phones(ctx, region)?;
            let (kind, value) =
                normalize_value(&value, kind.map(Into::into), &phones).map_err(CliError::Usage)?;
            let list = DncList::new(store.dnc_entries().await?, Utc::now());
            let hit = match kind {
                DncKind::Phone => list.check([value.as_str()], None),
                DncKind::Email => list.check([], Some(&value)),
                DncKind::Domain => list.check([], Some(&format!("x@{value}"))),
            };
            match hit {
                Some(h) => println!("{value}: do not contact ({})", h.reason),
                None => println!("{value}: not on the list"),
            }
            Ok(EXIT_OK)
        }
        DncCommand::List { json } => {
            let entries = store.dnc_entries().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&entries)
                        .map_err(|e| CliError::Failure(e.to_string()))?
                );
                return Ok(EXIT_OK);
            }
            let now = Utc::now();
            for e in &entries {
                let state = match e.expires_at {
                    Some(t) if t <= now => format!("expired {}", t.format("%Y-%m-%d")),
                    Some(t) => format!("until {}", t.format("%Y-%m-%d")),
                    None => String::new(),
                };
                println!(
                    "{:<7} {:<40} {:<30} {:<20} {state}",
                    e.kind.as_str(),
                    e.value,
                    e.reason.as_deref().unwrap_or(""),
                    e.source.as_deref().unwrap_or("")
                );
            }
            println!("{} entries", entries.len());
            Ok(EXIT_OK)
        }
        DncCommand::Remove {
            value,
            kind,
            region,
        } => {
            let phones = phones(ctx, region)?;
            let (kind, value) =
                normalize_value(&value, kind.map(Into::into), &phones).map_err(CliError::Usage)?;
            if store.dnc_remove(kind, &value).await? {
                println!("Removed {} {value}", kind.as_str());
                Ok(EXIT_OK)
            } else {
                Err(CliError::Usage(format!(
                    "{} {value} is not on the list (see `crmsync dnc list`)",
                    kind.as_str()
                )))
            }
        }
    }
}
