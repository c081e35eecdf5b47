//! A stateful local emulator of the Salesforce REST API subset crmsync uses.
//!
//! It serves real HTTP with Salesforce's wire formats: OAuth token grants (JWT bearer,
//! refresh token, client credentials), SOQL `query`/`queryAll` with cursor paging, sObject
//! CRUD and upsert, sObject Collections upsert, Bulk API 2.0 ingest and query jobs, the
//! `limits` resource and the `Sforce-Limit-Info` header, with injectable faults and a request
//! log for tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), crmsync_salesforce::emulator::EmulatorError> {
//! use crmsync_salesforce::emulator::{seed_leads, Emulator};
//! let sf = Emulator::builder()
//!     .access_token(Some("test-token".into()))
//!     .seed(seed_leads(100, 1))
//!     .build()
//!     .start_local()
//!     .await?;
//! println!("instance at {}", sf.instance_url);
//! # Ok(()) }
//! ```
//!
//! ## Layout
//!
//! - [`builder`]/[`running`]: configuration, start-up, test hooks, the sandbox entry point.
//! - `routes`, `middleware`: routing; logging, URI limits, faults, auth and API accounting.
//! - `auth`, `jwt`: the token endpoint and RS256 verification.
//! - `describe`, `sobjects`, `collections`, `query`: REST resources.
//! - `bulk`, `bulk_ingest`, `bulk_process`, `bulk_query`: Bulk API 2.0.
//! - `soql`: the SOQL subset (lexer, parser, planner).
//! - `schema`, `fields`, `store`, `value`, `records`, `write`, `validate`, `ids`, `clock`:
//!   the data model and save rules.
//! - [`faults`], [`log`], [`seed`]: fault injection, the request log, seed data.

mod auth;
pub mod builder;
mod bulk;
mod bulk_ingest;
mod bulk_process;
mod bulk_query;
mod clock;
mod collections;
mod collections_update;
mod describe;
mod error;
pub mod faults;
mod fields;
mod ids;
mod jwt;
pub mod log;
mod middleware;
mod query;
mod records;
mod routes;
pub mod running;
mod schema;
pub mod seed;
mod seed_names;
mod sobjects;
mod soql;
mod state;
mod store;
mod validate;
mod value;
mod write;

pub use builder::{Emulator, EmulatorBuilder};
pub use error::EmulatorError;
pub use faults::{Faults, ScriptedFault};
pub use log::RequestLogEntry;
pub use routes::router;
pub use running::{serve_sandbox, RunningEmulator};
pub use schema::{ExternalIdConfig, DEFAULT_EXTERNAL_ID_FIELD};
pub use seed::{seed_leads, SeedRecord};
pub use state::EmulatorState;
