//! What the pull and push drivers share: the [`SyncContext`] (store, connector, policies,
//! cleaning, DNC list), object maps, local snapshots and leases.

use crate::model::{Field, RecordData};
use crate::normalize::dnc::DncList;
use crate::normalize::phone::PhoneNormalizer;
use crate::store::Store;
use crate::sync::fieldmap::{object_map, ObjectMap, ValueCleaner};
use crate::sync::policy::{Policies, SyncConfig};
use crate::sync::registry::ConfiguredConnector;
use crate::sync::snapshot::{Slot, Snapshot};
use crate::sync::SyncError;
use chrono::{Duration, Utc};
use std::sync::Arc;

/// How long a lease lasts without renewal; a dead worker's lease expires after this.
const LEASE: Duration = Duration::minutes(15);

/// Switches from `[sync]`.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// Link first-seen CRM records to unlinked local records with the same email.
    pub match_by_email: bool,
    /// Create CRM records for local records not linked to the CRM.
    pub push_new: bool,
}

/// Everything one sync of one connector needs.
pub struct SyncContext {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The connector.
    pub conn: ConfiguredConnector,
    /// Conflict policies.
    pub policies: Policies,
    /// CRM value cleaning.
    pub cleaner: ValueCleaner,
    /// Active DNC entries.
    pub dnc: DncList,
    /// Switches.
    pub options: SyncOptions,
    /// This process's lease owner id.
    owner: String,
}

impl SyncContext {
    /// A context for `conn` over `store`.
    ///
    /// # Errors
    /// [`SyncError::Config`] for a bad policy or region, [`SyncError::Store`] when the DNC
    /// list cannot be read.
    pub async fn new(
        store: Arc<dyn Store>,
        conn: ConfiguredConnector,
        cfg: &SyncConfig,
        region: &str,
    ) -> Result<SyncContext, SyncError> {
        let policies = Policies::from_config(cfg).map_err(SyncError::Config)?;
        let phones = PhoneNormalizer::new(region).map_err(|e| SyncError::Config(e.to_string()))?;
        let dnc = DncList::new(store.dnc_entries().await?, Utc::now());
        let owner = format!(
            "{}:{}:{}",
            host_name(),
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        Ok(SyncContext {
            store,
            conn,
            policies,
            cleaner: ValueCleaner::new(phones),
            dnc,
            options: SyncOptions {
                match_by_email: cfg.match_by_email.unwrap_or(true),
                push_new: cfg.push_new.unwrap_or(true),
            },
            owner,
        })
    }

    /// The system name in the store (the connector's section name).
    pub fn system(&self) -> &str {
        &self.conn.name
    }

    /// The field map of `object`.
    ///
    /// # Errors
    /// [`SyncError::Config`] for an object crmsync does not sync.
    pub fn map_for(&self, object: &str) -> Result<ObjectMap, SyncError> {
        object_map(self.conn.kind, object).ok_or_else(|| {
            SyncError::Config(format!(
                "[connectors.{}]: crmsync does not sync {} object {object:?} (supported: {})",
                self.conn.name,
                self.conn.kind,
                match self.conn.kind {
                    "hubspot" => "contacts, companies",
                    _ => "Lead, Contact, Account",
                }
            ))
        })
    }

    /// The objects to sync: `only` if given, else the configured list.
    pub fn objects(&self, only: Option<&str>) -> Vec<String> {
        match only {
            Some(o) => vec![o.to_string()],
            None => self.conn.objects.clone(),
        }
    }

    /// The local side of a merge: `slots` of `data`. A record on the Do-Not-Contact list
    /// without an opt-out of its own reads as opted out of everything, so the list reaches
    /// the CRM; a record that opted out of one channel keeps exactly that opt-out (a CRM's
    /// own opt-outs are never widened to other channels behind the user's back).
    pub fn local_snapshot(&self, data: &RecordData, map: &ObjectMap) -> Snapshot {
        let mut snap = Snapshot::of_record(data, map.fields.iter().map(|(_, s)| *s));
        if data.do_not_contact && !data.email_opt_out && !data.call_opt_out {
            for slot in [Slot::EmailOptOut, Slot::CallOptOut] {
                if snap.contains(slot) {
                    snap.set(slot, Some("true".into()));
                }
            }
        }
        snap
    }

    /// Check `data` against the DNC list; sets `do_not_contact` (sticky) and returns
    /// whether it newly did.
    pub fn apply_dnc(&self, data: &mut RecordData) -> bool {
        if data.do_not_contact {
            return false;
        }
        let phones = [data.get(Field::Phone), data.get(Field::Mobile)];
        if let Some(hit) = self
            .dnc
            .check(phones.into_iter().flatten(), data.get(Field::Email))
        {
            data.do_not_contact = true;
            data.dnc_reason = Some(hit.reason);
            return true;
        }
        // As in imports, any opt-out makes the contact Do-Not-Contact.
        if data.email_opt_out || data.call_opt_out {
            data.do_not_contact = true;
            data.dnc_reason = Some(format!("opted out in {}", self.conn.name));
            return true;
        }
        false
    }

    /// Take or renew the lease on `object` for `direction`.
    ///
    /// # Errors
    /// [`SyncError::Busy`] when another process holds it.
    pub async fn lease(&self, object: &str, direction: &str) -> Result<(), SyncError> {
        let until = Utc::now() + LEASE;
        let system = self.system();
        let store = &self.store;
        if store
            .acquire_lease(system, object, direction, &self.owner, until, None)
            .await?
        {
            return Ok(());
        }
        // A holder on this machine whose process is gone (killed, crashed) cannot renew: take
        // its lease at once instead of making the rerun wait for it to expire.
        let holder = store.lease_holder(system, object, direction).await?;
        let dead = holder.as_deref().filter(|h| holder_is_dead(h));
        if dead.is_some()
            && store
                .acquire_lease(system, object, direction, &self.owner, until, dead)
                .await?
        {
            tracing::info!(
                system,
                object,
                direction,
                "took over the lease of a process that is gone"
            );
            Ok(())
        } else {
            Err(SyncError::Busy {
                system: system.to_string(),
                object: object.to_string(),
                direction: direction.to_string(),
            })
        }
    }

    /// Mark runs of `kind` on `input` that a killed process left `running` as `interrupted`.
    /// Called with the lease held, so none of them can still be alive.
    ///
    /// # Errors
    /// [`SyncError::Store`].
    pub async fn close_interrupted(&self, kind: &str, input: &str) -> Result<(), SyncError> {
        for run in self.store.list_runs(200).await? {
            if run.status == "running"
                && run.kind == kind
                && run.system == self.conn.name
                && run.input.as_deref() == Some(input)
            {
                let note = "the process stopped before finishing; the next run resumed from its last saved page";
                self.store
                    .finish_run(run.id, "interrupted", run.elapsed_ms, Some(note))
                    .await?;
            }
        }
        Ok(())
    }

    /// Give the lease back.
    pub async fn release(&self, object: &str, direction: &str) {
        let system = self.system().to_string();
        if let Err(e) = self
            .store
            .release_lease(&system, object, direction, &self.owner)
            .await
        {
            tracing::warn!(%system, object, "could not release the lease: {e}");
        }
    }
}

/// This machine's name, for lease owners.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a lease owner (`host:pid:nanos`) is a process of this machine that no longer runs.
/// Only answerable where `/proc` exists; elsewhere a lease simply expires.
fn holder_is_dead(owner: &str) -> bool {
    let mut parts = owner.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    if host != host_name() || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    pid.parse::<u32>().is_ok_and(|pid| {
        pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_dead_only_when_its_local_process_is_gone() {
        let me = format!("{}:{}:1", host_name(), std::process::id());
        assert!(!holder_is_dead(&me));
        // PIDs are below 2^22 on Linux; this one cannot exist.
        let gone = format!("{}:{}:1", host_name(), 99_999_999u32);
        assert_eq!(
            holder_is_dead(&gone),
            std::path::Path::new("/proc/self").exists()
        );
        assert!(!holder_is_dead("another-host:1:1"));
        assert!(!holder_is_dead("garbage"));
    }
}
