//! Shared emulator state and the methods tests use to inspect and steer it.
//!
//! Each concern has its own mutex and no code path holds two at once, so there is no lock
//! ordering to get wrong. Locks are never held across an `.await`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::auth::AuthState;
use super::config::{Faults, Limits};
use super::faults::FaultEngine;
use super::limits::RateLimiter;
use super::log::{LoggedRequest, RequestLog};
use super::store::{InputFailure, Props, Record, Store};
use super::validate::issues_message;
use super::{EmulatorError, Result};

/// Handle to the emulator's state; cheap to clone, shared by all requests.
#[derive(Clone, Debug)]
pub struct EmulatorState {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    store: Mutex<Store>,
    limiter: Mutex<RateLimiter>,
    faults: Mutex<FaultEngine>,
    auth: Mutex<AuthState>,
    log: Mutex<RequestLog>,
    path_prefix: String,
}

/// Locks a mutex, recovering the data if a thread panicked while holding it: the emulator's
/// state stays usable for the remaining requests of a test.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EmulatorState {
    pub(crate) fn new(
        store: Store,
        limits: Limits,
        faults: Faults,
        auth: AuthState,
        path_prefix: String,
    ) -> Self {
        Self {
            inner: Arc::new(Shared {
                store: Mutex::new(store),
                limiter: Mutex::new(RateLimiter::new(limits)),
                faults: Mutex::new(FaultEngine::new(faults)),
                auth: Mutex::new(auth),
                log: Mutex::new(RequestLog::default()),
                path_prefix,
            }),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        lock(&self.inner.limiter)
    }

    pub(crate) fn fault_engine(&self) -> MutexGuard<'_, FaultEngine> {
        lock(&self.inner.faults)
    }

    pub(crate) fn auth(&self) -> MutexGuard<'_, AuthState> {
        lock(&self.inner.auth)
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.inner.log)
    }

    /// The path prefix of the numbered API (default `/crm/v3`).
    pub fn path_prefix(&self) -> &str {
        &self.inner.path_prefix
    }

    /// Every logged API call, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.log().snapshot()
    }

    /// Forgets the logged calls.
    pub fn clear_request_log(&self) {
        self.log().clear();
    }

    /// Replaces the fault configuration and reseeds the fault generator.
    pub fn set_faults(&self, faults: Faults) {
        self.fault_engine().set(faults);
    }

    /// The fault configuration in force.
    pub fn faults(&self) -> Faults {
        self.fault_engine().faults().clone()
    }

    /// Replaces the rate limits (calls already counted stay counted).
    pub fn set_limits(&self, limits: Limits) {
        self.limiter().set_limits(limits);
    }

    /// The rate limits in force.
    pub fn limits(&self) -> Limits {
        self.limiter().limits()
    }

    /// Forgets all counted calls: empty windows, full daily quota.
    pub fn reset_rate_limits(&self) {
        self.limiter().reset();
    }

    /// Makes every issued OAuth access token expire now.
    pub fn expire_access_tokens(&self) {
        self.auth().expire_all();
    }

    /// Simulates a user creating a record in HubSpot's UI.
    pub fn create<K, V>(
        &self,
        object: &str,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Record>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let props = collect_props(props);
        let mut store = self.store();
        let (table, clock) = store
            .table_mut(object)
            .ok_or_else(|| EmulatorError::UnknownObjectType(object.to_owned()))?;
        table
            .check(&props, None, &Default::default(), &Default::default())
            .map_err(failure_error)?;
        let at = clock.tick();
        Ok(table.insert(props, at, None))
    }

    /// Simulates a user editing a record in HubSpot's UI: the values change and the
    /// modification date moves to a new, strictly later timestamp.
    pub fn edit<K, V>(
        &self,
        object: &str,
        id: &str,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Record>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let props = collect_props(props);
        let mut store = self.store();
        let (table, clock) = store
            .table_mut(object)
            .ok_or_else(|| EmulatorError::UnknownObjectType(object.to_owned()))?;
        let key = table
            .find_live(id, None)
            .ok_or_else(|| not_found(object, id))?;
        table
            .check(&props, Some(key), &Default::default(), &Default::default())
            .map_err(failure_error)?;
        let at = clock.tick();
        table
            .update(key, props, at)
            .ok_or_else(|| not_found(object, id))
    }

    /// Like [`EmulatorState::edit`] for several records, all stamped with the same
    /// `timestamp` (boundary tests for `GTE` cursors). Later writes still get later times.
    pub fn edit_at<K, V>(
        &self,
        object: &str,
        ids: &[&str],
        props: impl IntoIterator<Item = (K, V)>,
        timestamp: DateTime<Utc>,
    ) -> Result<Vec<Record>>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let props = collect_props(props);
        let mut store = self.store();
        let (table, clock) = store
            .table_mut(object)
            .ok_or_else(|| EmulatorError::UnknownObjectType(object.to_owned()))?;
        let mut keys = Vec::with_capacity(ids.len());
        for id in ids {
            let key = table
                .find_live(id, None)
                .ok_or_else(|| not_found(object, id))?;
            table
                .check(&props, Some(key), &Default::default(), &Default::default())
                .map_err(failure_error)?;
            keys.push(key);
        }
        clock.observe(timestamp);
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(record) = table.update(key, props.clone(), timestamp) {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Archives (deletes) a live record, as a user would in HubSpot.
    pub fn archive(&self, object: &str, id: &str) -> Result<()> {
        let mut store = self.store();
        let (table, clock) = store
            .table_mut(object)
            .ok_or_else(|| EmulatorError::UnknownObjectType(object.to_owned()))?;
        let key = table
            .find_live(id, None)
            .ok_or_else(|| not_found(object, id))?;
        let at = clock.tick();
        table.archive(key, at);
        Ok(())
    }

    /// A record by id, live or archived.
    pub fn record(&self, object: &str, id: &str) -> Option<Record> {
        let key = id.trim().parse::<u64>().ok()?;
        self.store().table(object)?.get(key).cloned()
    }

    /// Number of live (not archived) records of `object`; 0 for unknown types.
    pub fn count(&self, object: &str) -> usize {
        self.store().table(object).map_or(0, |t| t.live_count())
    }

    /// Every record of `object`, archived ones included, in id order.
    pub fn all(&self, object: &str) -> Vec<Record> {
        self.store()
            .table(object)
            .map(|t| t.records().cloned().collect())
            .unwrap_or_default()
    }
}

fn collect_props<K: Into<String>, V: Into<String>>(
    props: impl IntoIterator<Item = (K, V)>,
) -> Props {
    props
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect::<BTreeMap<_, _>>()
}

fn not_found(object: &str, id: &str) -> EmulatorError {
    EmulatorError::RecordNotFound {
        object: object.to_owned(),
        id: id.to_owned(),
    }
}

fn failure_error(failure: InputFailure) -> EmulatorError {
    EmulatorError::InvalidProperties(match failure {
        InputFailure::Invalid(issues) => issues_message(&issues),
        InputFailure::Conflict { property, existing } => format!(
            "{property} value already used by record {}",
            existing.unwrap_or_default()
        ),
        InputFailure::NotFound(id) => format!("record {id} not found"),
        InputFailure::BadInput(message) => message,
    })
}
