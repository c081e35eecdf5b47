//! [`Emulator`] and its builder, plus [`serve_sandbox`] for the CLI.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use axum::Router;

use super::auth::AuthState;
use super::config::{Faults, Limits, OAuthClient, Tier};
use super::running::RunningEmulator;
use super::seed::{self, seed_companies, seed_contacts, SeedRecord};
use super::state::EmulatorState;
use super::store::Store;
use super::{http, Result};

/// Where seed records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// Records given in code.
    Records(Vec<SeedRecord>),
    /// A JSON seed file (array of `{objectType, properties}`).
    File(PathBuf),
}

impl From<Vec<SeedRecord>> for Seed {
    fn from(records: Vec<SeedRecord>) -> Self {
        Self::Records(records)
    }
}

impl From<PathBuf> for Seed {
    fn from(path: PathBuf) -> Self {
        Self::File(path)
    }
}

impl From<&Path> for Seed {
    fn from(path: &Path) -> Self {
        Self::File(path.to_owned())
    }
}

/// A configured emulator, not yet listening.
#[derive(Debug, Clone)]
pub struct Emulator {
    state: EmulatorState,
}

impl Emulator {
    /// Starts configuring an emulator (Starter tier, no faults, open auth, no records).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The shared state, for inspection or for serving [`Emulator::router`] yourself.
    pub fn state(&self) -> EmulatorState {
        self.state.clone()
    }

    /// The routes with all middleware; see [`crate::emulator::router`].
    pub fn router(&self) -> Router {
        http::router(self.state.clone())
    }

    /// Listens on `addr` (use port 0 for a free port) and serves until shut down.
    pub async fn start(self, addr: SocketAddr) -> Result<RunningEmulator> {
        RunningEmulator::start(self.state, addr).await
    }
}

/// Builder for [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    token: Option<String>,
    oauth: Option<OAuthClient>,
    limits: Limits,
    faults: Faults,
    seeds: Vec<Seed>,
    path_prefix: String,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            token: None,
            oauth: None,
            limits: Limits::default(),
            faults: Faults::none(),
            seeds: Vec::new(),
            path_prefix: "/crm/v3".to_owned(),
        }
    }
}

impl EmulatorBuilder {
    /// Requires `Authorization: Bearer <token>` (a private-app token). Without a token and
    /// without [`EmulatorBuilder::oauth`], any credentials are accepted.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Accepts this OAuth app at `POST /oauth/v1/token` and the access tokens it issues.
    pub fn oauth(mut self, client: OAuthClient) -> Self {
        self.oauth = Some(client);
        self
    }

    /// Uses the documented limits of `tier` (replaces earlier [`EmulatorBuilder::limits`]).
    pub fn tier(mut self, tier: Tier) -> Self {
        self.limits = Limits::for_tier(tier);
        self
    }

    /// Uses explicit limits (e.g. a tiny daily quota for tests).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Starts with these faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Adds seed records or a seed file; may be called several times.
    pub fn seed(mut self, seed: impl Into<Seed>) -> Self {
        self.seeds.push(seed.into());
        self
    }

    /// Serves the numbered API under this prefix instead of `/crm/v3`. Dated paths
    /// (`/crm/objects/<version>/…`, `/crm/properties/<version>/…`) are always served.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = prefix.into();
        self
    }

    /// Loads the seeds and builds the emulator.
    pub fn build(self) -> Result<Emulator> {
        let mut records = Vec::new();
        for seed in self.seeds {
            match seed {
                Seed::Records(list) => records.extend(list),
                Seed::File(path) => records.extend(seed::load_file(&path)?),
            }
        }
        let mut store = Store::new();
        seed::apply(&mut store, records)?;
        let auth = AuthState::new(self.token, self.oauth, self.faults.seed ^ 0x5eed);
        let mut prefix = self.path_prefix.trim_end_matches('/').to_owned();
        if !prefix.starts_with('/') {
            prefix.insert(0, '/');
        }
        let state = EmulatorState::new(store, self.limits, self.faults, auth, prefix);
        Ok(Emulator { state })
    }
}

/// Starts the local sandbox on `127.0.0.1:port` (0 picks a free port) for
/// `crmsync sandbox hubspot`: Starter-tier limits, no faults, `token` required when given,
/// records from the `seed` file, or 250 generated contacts and 20 companies when no file is
/// given (pass a file holding `[]` for an empty account).
pub async fn serve_sandbox(
    port: u16,
    token: Option<String>,
    seed: Option<PathBuf>,
) -> Result<RunningEmulator> {
    let mut builder = Emulator::builder().tier(Tier::Starter);
    if let Some(token) = token {
        builder = builder.token(token);
    }
    builder = match seed {
        Some(path) => builder.seed(path),
        None => builder
            .seed(seed_contacts(250, 1))
            .seed(seed_companies(20, 1)),
    };
    let running = builder
        .build()?
        .start(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await?;
    tracing::info!(base_url = %running.base_url, "HubSpot sandbox listening");
    Ok(running)
}
