//! Configuring an emulator: [`Emulator::builder`] and the settings it collects.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::clock::Clock;
use super::error::EmulatorError;
use super::faults::Faults;
use super::ids;
use super::jwt;
use super::records::fields_from_json;
use super::schema::{ExternalIdConfig, Schemas, DEFAULT_EXTERNAL_ID_FIELD};
use super::seed::{self, SeedRecord};
use super::state::{Config, Cursors, EmulatorState, Inner, OAuthClient};
use super::store::Store;
use super::write::Writer;

/// Builder for an [`Emulator`]. Every setting has a working default.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    api_version: String,
    access_token: Option<String>,
    seed: Vec<SeedRecord>,
    seed_file: Option<PathBuf>,
    daily_limit: u64,
    api_used: u64,
    faults: Faults,
    jwt_public_key_pem: Option<String>,
    oauth: Option<OAuthClient>,
    username: String,
    external_id: ExternalIdConfig,
    clock_start: Option<DateTime<Utc>>,
    bulk_delay: Duration,
    upload_limit: usize,
    max_cursors: usize,
    rng_seed: u64,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            api_version: "62.0".into(),
            access_token: None,
            seed: Vec::new(),
            seed_file: None,
            daily_limit: 100_000,
            api_used: 0,
            faults: Faults::default(),
            jwt_public_key_pem: None,
            oauth: None,
            username: "integration@crmsync.example".into(),
            external_id: ExternalIdConfig::default(),
            clock_start: None,
            bulk_delay: Duration::from_millis(100),
            upload_limit: 150 * 1024 * 1024,
            max_cursors: 64,
            rng_seed: 0x5EED,
        }
    }
}

impl EmulatorBuilder {
    /// Newest API version served (default `62.0`); versions from 31.0 up are accepted.
    pub fn api_version(mut self, version: &str) -> Self {
        self.api_version = version.to_string();
        self
    }

    /// A fixed access token that is valid from the start (until `expire_tokens`).
    pub fn access_token(mut self, token: Option<String>) -> Self {
        self.access_token = token;
        self
    }

    /// Records to load at start-up (added to any given before).
    pub fn seed(mut self, records: impl IntoIterator<Item = SeedRecord>) -> Self {
        self.seed.extend(records);
        self
    }

    /// A JSON seed file to load at start-up (see the `seed` module for its shapes).
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.seed_file = Some(path.into());
        self
    }

    /// Daily API request allowance (`DailyApiRequests.Max`, default 100,000).
    pub fn daily_limit(mut self, max: u64) -> Self {
        self.daily_limit = max;
        self
    }

    /// Requests already counted against the allowance at start-up.
    pub fn api_usage(mut self, used: u64) -> Self {
        self.api_used = used;
        self
    }

    /// Initial fault settings.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// PEM public key (SPKI or PKCS#1) that verifies JWT bearer assertions.
    pub fn jwt_public_key_pem(mut self, pem: &str) -> Self {
        self.jwt_public_key_pem = Some(pem.to_string());
        self
    }

    /// The connected app: consumer key, consumer secret and a valid refresh token.
    pub fn oauth_client(
        mut self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
    ) -> Self {
        self.oauth = Some(OAuthClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
        });
        self
    }

    /// The integration user's username, the only accepted JWT `sub`.
    pub fn username(mut self, username: &str) -> Self {
        self.username = username.to_string();
        self
    }

    /// The external id field's name and uniqueness (default `Crmsync_Id__c`, unique).
    pub fn external_id(mut self, config: ExternalIdConfig) -> Self {
        self.external_id = config;
        self
    }

    /// Makes the record clock deterministic: the first write is stamped `start`, each later
    /// write one second after the previous. Without it the clock follows wall time.
    pub fn clock_start(mut self, start: DateTime<Utc>) -> Self {
        self.clock_start = Some(start);
        self
    }

    /// Time each Bulk API job spends in `UploadComplete` and in `InProgress` (default 100 ms).
    pub fn bulk_delay(mut self, delay: Duration) -> Self {
        self.bulk_delay = delay;
        self
    }

    /// Largest accepted request body (default 150 MB, the Bulk API upload cap).
    pub fn upload_limit(mut self, bytes: usize) -> Self {
        self.upload_limit = bytes;
        self
    }

    /// Open query cursors kept before the oldest is evicted (default 64).
    pub fn max_cursors(mut self, n: usize) -> Self {
        self.max_cursors = n;
        self
    }

    /// Seed for generated tokens, cursor and job ids.
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.rng_seed = seed;
        self
    }

    pub(crate) fn access_token_value(&self) -> Option<String> {
        self.access_token.clone()
    }

    /// Finishes configuration. Problems (bad key, bad seed data) surface from `start`.
    pub fn build(self) -> Emulator {
        Emulator { settings: self }
    }
}

/// A configured, not yet running emulator.
#[derive(Debug, Clone)]
pub struct Emulator {
    pub(crate) settings: EmulatorBuilder,
}

impl Emulator {
    /// Starts configuring an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Builds the shared state for a server reachable at `base_url` (used as both instance
    /// and login URL). Use with [`router`](super::router) to serve it yourself.
    pub fn into_state(self, base_url: &str) -> Result<EmulatorState, EmulatorError> {
        let s = self.settings;
        let jwt_key = s
            .jwt_public_key_pem
            .as_deref()
            .map(jwt::parse_public_key)
            .transpose();
        let jwt_key = jwt_key.map_err(EmulatorError::Config)?;
        if s.external_id.field.is_empty() || !s.external_id.field.ends_with("__c") {
            return Err(EmulatorError::Config(format!(
                "external id field {:?} must be a custom field name ending in __c",
                s.external_id.field
            )));
        }
        let schemas = Arc::new(Schemas::new(&s.external_id));
        let user_id = ids::make_id("005", 1);
        let clock = s.clock_start.map_or_else(Clock::wall, Clock::fixed);
        let mut store = Store::new(Arc::clone(&schemas), clock, user_id.clone());
        let mut records = s.seed;
        if let Some(path) = &s.seed_file {
            records.extend(seed::load_file(path)?);
        }
        load_seed(&mut store, &schemas, &s.external_id, records)?;
        let config = Config {
            api_version: s.api_version,
            daily_limit: s.daily_limit,
            jwt_key,
            oauth: s.oauth,
            username: s.username,
            org_id: ids::make_id("00D", 1),
            user_id,
            base_url: base_url.trim_end_matches('/').to_string(),
            bulk_delay: s.bulk_delay,
            upload_limit: s.upload_limit,
            max_cursors: s.max_cursors,
            max_log_entries: 100_000,
        };
        let tokens: HashSet<String> = s.access_token.into_iter().collect();
        let inner = Inner {
            store,
            tokens,
            cursors: Cursors::default(),
            ingest_jobs: Default::default(),
            query_jobs: Default::default(),
            fault_rng: StdRng::seed_from_u64(s.faults.seed),
            faults: s.faults,
            id_rng: StdRng::seed_from_u64(s.rng_seed),
            api_used: s.api_used,
            log: VecDeque::new(),
        };
        Ok(EmulatorState::new(config, schemas, inner))
    }
}

fn load_seed(
    store: &mut Store,
    schemas: &Schemas,
    ext: &ExternalIdConfig,
    records: Vec<SeedRecord>,
) -> Result<(), EmulatorError> {
    for (n, mut record) in records.into_iter().enumerate() {
        let obj = schemas.position(&record.sobject).ok_or_else(|| {
            EmulatorError::Seed(format!("record {n}: unknown sObject {}", record.sobject))
        })?;
        let schema = schemas
            .get(obj)
            .ok_or_else(|| EmulatorError::Seed("unknown sObject".into()))?;
        // Generated seed data uses the default field name; follow a renamed field.
        if ext.field != DEFAULT_EXTERNAL_ID_FIELD {
            if let Some(v) = record.fields.remove(DEFAULT_EXTERNAL_ID_FIELD) {
                record.fields.insert(ext.field.clone(), v);
            }
        }
        let fields = fields_from_json(schema, &record.fields).map_err(|e| {
            EmulatorError::Seed(format!("record {n} ({}): {}", record.sobject, e.message))
        })?;
        Writer::new(store, obj, None).seed(fields).map_err(|e| {
            EmulatorError::Seed(format!(
                "record {n} ({}): {}: {}",
                record.sobject, e.status_code, e.message
            ))
        })?;
    }
    Ok(())
}
