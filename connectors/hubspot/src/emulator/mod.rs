//! A stateful local emulator of the HubSpot CRM v3 API.
//!
//! The emulator keeps records in memory and serves the documented v3 subset over HTTP with
//! HubSpot's wire format: list with cursor paging, read by id or unique property, create,
//! update, archive, the five batch endpoints (100 inputs at most, `207 Multi-Status` on partial
//! failure), search (filters, sorts, offset paging, the 10,000-result cap), the properties API
//! and the OAuth v1 refresh grant. It enforces HubSpot's rate limits (ten-second rolling
//! window, daily quota, a separate per-second search bucket) with HubSpot's 429 bodies and
//! `X-HubSpot-RateLimit-*` headers, and injects reproducible faults (429, 5xx, 423, added
//! latency, dropped connections).
//!
//! ```no_run
//! # async fn demo() -> Result<(), crmsync_hubspot::emulator::EmulatorError> {
//! use crmsync_hubspot::emulator::{seed_contacts, Emulator, Tier};
//!
//! let running = Emulator::builder()
//!     .token("pat-na1-test")
//!     .tier(Tier::Starter)
//!     .seed(seed_contacts(250, 7))
//!     .build()?
//!     .start("127.0.0.1:0".parse().expect("literal address"))
//!     .await?;
//! // Point a client at `running.base_url`, then inspect what it did:
//! let calls = running.request_log().len();
//! # let _ = calls;
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Layout
//!
//! - `builder`: [`Emulator`], [`EmulatorBuilder`], [`Seed`] and [`serve_sandbox`].
//! - `running`: [`RunningEmulator`] and the HTTP/1 accept loop (which can drop connections).
//! - `state`: [`EmulatorState`], the shared state and its inspection/mutation methods.
//! - `config`: [`Tier`], [`Limits`], [`Faults`], [`OAuthClient`].
//! - `store`, `table`, `schema`, `validate`, `clock`: records and unique indexes, property
//!   definitions, value checks and the strictly increasing write clock.
//! - `seed`: [`SeedRecord`], seed files and the [`seed_contacts`] / [`seed_companies`]
//!   generators.
//! - `limits`, `faults`, `auth`, `log`: rate limiting, fault injection, bearer/OAuth checks,
//!   and the request log.
//! - `pipeline`: the middleware that applies latency, faults, auth and limits to every call.
//! - `http`: the axum routes and handlers ([`router`]).
//! - `search_eval`, `text_match`, `wire`, `errors`: search filter evaluation and token
//!   matching, JSON rendering, error bodies.

mod auth;
mod builder;
mod clock;
mod config;
mod errors;
mod faults;
mod http;
mod limits;
mod log;
mod pipeline;
mod running;
mod schema;
mod search_eval;
mod seed;
mod state;
mod store;
mod table;
mod text_match;
mod validate;
mod wire;

pub use builder::{serve_sandbox, Emulator, EmulatorBuilder, Seed};
pub use config::{Faults, Limits, OAuthClient, Tier};
pub use http::router;
pub use log::LoggedRequest;
pub use running::RunningEmulator;
pub use seed::{seed_companies, seed_contacts, SeedRecord};
pub use state::EmulatorState;
pub use store::Record;

use std::path::PathBuf;

/// Errors from building, seeding, starting or steering the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The object type is neither a built-in type nor one created by seeding.
    #[error("unknown object type `{0}`")]
    UnknownObjectType(String),
    /// No live record with this id exists.
    #[error("{object} record `{id}` not found")]
    RecordNotFound {
        /// Canonical object type name.
        object: String,
        /// The id that was looked up.
        id: String,
    },
    /// Property values failed the same validation the HTTP API applies.
    #[error("invalid property values: {0}")]
    InvalidProperties(String),
    /// A seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    SeedFileRead {
        /// The seed file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A seed file is not a JSON array of `{objectType, properties}` objects.
    #[error("seed file {path} is not valid: {source}")]
    SeedFileFormat {
        /// The seed file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A seed record is unusable (bad id, duplicate id or duplicate unique value).
    #[error("seed record #{index} ({object}): {reason}")]
    InvalidSeed {
        /// Zero-based position of the record in the seed list.
        index: usize,
        /// The record's object type.
        object: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for emulator operations.
pub type Result<T> = std::result::Result<T, EmulatorError>;
