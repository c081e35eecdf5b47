//! Shared emulator state: immutable configuration plus everything that changes, behind one
//! mutex. Handlers lock it briefly and never across an `.await`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::bulk_ingest::IngestJob;
use super::bulk_query::QueryJob;
use super::faults::Faults;
use super::log::RequestLogEntry;
use super::schema::Schemas;
use super::store::Store;

/// OAuth connected-app settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
}

/// Settings fixed at start-up.
#[derive(Debug)]
pub(crate) struct Config {
    /// Newest API version served, e.g. `62.0`.
    pub api_version: String,
    pub daily_limit: u64,
    pub jwt_key: Option<rsa::RsaPublicKey>,
    pub oauth: Option<OAuthClient>,
    pub username: String,
    pub org_id: String,
    pub user_id: String,
    /// Base URL of this server (`http://127.0.0.1:port`): instance and login URL.
    pub base_url: String,
    pub bulk_delay: Duration,
    pub upload_limit: usize,
    pub max_cursors: usize,
    pub max_log_entries: usize,
}

/// A snapshot of a REST query result, paged through `nextRecordsUrl`.
#[derive(Debug)]
pub(crate) struct Cursor {
    pub object: usize,
    pub field_names: Vec<String>,
    /// Per row: the record id (for `attributes.url`) and the selected values.
    pub rows: Vec<(Option<String>, Vec<serde_json::Value>)>,
    pub batch_size: usize,
}

/// Query cursors, oldest evicted first once `cap` are open.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    map: HashMap<String, Cursor>,
    order: VecDeque<String>,
}

impl Cursors {
    /// Stores a cursor, evicting the oldest beyond `cap`.
    pub(crate) fn insert(&mut self, id: String, cursor: Cursor, cap: usize) {
        while self.order.len() >= cap.max(1) {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        self.order.push_back(id.clone());
        self.map.insert(id, cursor);
    }

    /// The cursor with `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&Cursor> {
        self.map.get(id)
    }
}

/// Everything mutable.
#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    pub tokens: HashSet<String>,
    pub cursors: Cursors,
    pub ingest_jobs: BTreeMap<String, IngestJob>,
    pub query_jobs: BTreeMap<String, QueryJob>,
    pub faults: Faults,
    /// Draws for faults only, so fault sequences depend on nothing but the seed and the
    /// request order.
    pub fault_rng: StdRng,
    /// Draws for tokens, cursor and job ids and result shuffling.
    pub id_rng: StdRng,
    pub api_used: u64,
    pub log: VecDeque<RequestLogEntry>,
}

impl Inner {
    /// Replaces the fault settings and reseeds their generator.
    pub(crate) fn set_faults(&mut self, faults: Faults) {
        self.fault_rng = StdRng::seed_from_u64(faults.seed);
        self.faults = faults;
    }
}

/// The state behind [`router`](super::router): cheap to clone, shared by every handler.
#[derive(Debug, Clone)]
pub struct EmulatorState(pub(crate) Arc<Shared>);

/// Configuration, schemas and the locked mutable part.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    pub schemas: Arc<Schemas>,
    inner: Mutex<Inner>,
}

impl EmulatorState {
    pub(crate) fn new(config: Config, schemas: Arc<Schemas>, inner: Inner) -> Self {
        Self(Arc::new(Shared {
            config,
            schemas,
            inner: Mutex::new(inner),
        }))
    }

    /// Locks the mutable state. A panic while locked cannot leave the data half-written in a
    /// way later requests would trip over, so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Start-up configuration.
    pub(crate) fn config(&self) -> &Config {
        &self.0.config
    }

    /// The object schemas.
    pub(crate) fn schemas(&self) -> &Schemas {
        &self.0.schemas
    }
}

impl EmulatorState {
    /// Runs `f` with a writer for object `obj` under the state lock. `api` turns on
    /// record-level faults. When `f` returns `true` as its second value, everything it wrote
    /// is rolled back.
    pub(crate) fn write<R>(
        &self,
        obj: usize,
        api: bool,
        f: impl FnOnce(&mut super::write::Writer<'_>) -> (R, bool),
    ) -> R {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let faults = api.then_some(super::write::FaultCtx {
            faults: &inner.faults,
            rng: &mut inner.fault_rng,
        });
        let mut writer = super::write::Writer::new(&mut inner.store, obj, faults);
        let (result, rollback) = f(&mut writer);
        let undo = writer.into_undo();
        if rollback {
            inner.store.rollback(undo);
        }
        result
    }
}
