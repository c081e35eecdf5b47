//! # crmsync-hubspot
//!
//! HubSpot CRM v3 support for crmsync.
//!
//! With the `emulator` feature the crate also ships a stateful, in-process emulator of the
//! documented HubSpot CRM v3 subset crmsync relies on: objects (list, read, create, update,
//! archive), batch endpoints, search, the properties API, OAuth refresh, HubSpot's rate limits
//! and injectable faults. It speaks the real wire format over real HTTP, so clients are tested
//! exactly as they will run against `api.hubapi.com`, only with a different base URL.
//!
//! ## Layout
//!
//! - `emulator` (feature `emulator`): `Emulator` and its builder, `RunningEmulator` for
//!   inspecting and steering a running server, `router` for serving it yourself, and
//!   `serve_sandbox` for the `crmsync sandbox hubspot` command.
#![forbid(unsafe_code)]

#[cfg(feature = "emulator")]
pub mod emulator;
