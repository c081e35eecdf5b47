//! # crmsync-hubspot
//!
//! HubSpot CRM v3 support for crmsync: [`HubspotConnector`] implements the SDK's
//! [`crmsync_sdk::crm::CrmConnector`] over HubSpot's REST API (private-app token or OAuth),
//! with client-side rate limiting per account tier, retries, full and incremental pulls and
//! batched upserts.
//!
//! With the `emulator` feature the crate also ships a stateful, in-process emulator of the
//! documented HubSpot CRM v3 subset crmsync relies on: objects (list, read, create, update,
//! archive), batch endpoints, search, the properties API, OAuth refresh, HubSpot's rate limits
//! and injectable faults. It speaks the real wire format over real HTTP, so clients are tested
//! exactly as they will run against `api.hubapi.com`, only with a different base URL.
//!
//! ## Layout
//!
//! - `config`: [`HubspotConfig`] and [`Tier`].
//! - `connector`: [`HubspotConnector`], `check`, `discover` and the trait implementation.
//! - `auth`: bearer token or OAuth refresh-token flow.
//! - `client`: HubSpot URLs, the response classifier and authenticated sending.
//! - `pull`: full and incremental reads; `push`: batch update and upsert.
//! - `wire`: HubSpot JSON shapes; `chunks`: property-list chunking for long URLs.
//! - `emulator` (feature `emulator`): `Emulator` and its builder, `RunningEmulator` for
//!   inspecting and steering a running server, `router` for serving it yourself, and
//!   `serve_sandbox` for the `crmsync sandbox hubspot` command.
#![forbid(unsafe_code)]

mod auth;
mod chunks;
mod client;
mod config;
mod connector;
mod pull;
mod push;
mod wire;

#[cfg(feature = "emulator")]
pub mod emulator;

pub use config::{HubspotConfig, Tier};
pub use connector::{HubspotConnector, LIST_PAGE_MAX, MAX_BATCH, SEARCH_PAGE_MAX};

/// The connector type name errors carry.
pub const KIND: &str = "hubspot";
