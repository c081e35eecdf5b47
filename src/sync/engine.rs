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
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
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

    /// The local side of a merge: `slots` of `data`. A Do-Not-Contact record reads as opted
    /// out of everything, so the opt-out reaches the CRM.
    pub fn local_snapshot(&self, data: &RecordData, map: &ObjectMap) -> Snapshot {
        let mut snap = Snapshot::of_record(data, map.fields.iter().map(|(_, s)| *s));
        if data.do_not_contact {
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
        if self
            .store
            .acquire_lease(system, object, direction, &self.owner, until)
            .await?
        {
            Ok(())
        } else {
            Err(SyncError::Busy {
                system: system.to_string(),
                object: object.to_string(),
                direction: direction.to_string(),
            })
        }
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
