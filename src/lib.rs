//! # crmsync
//!
//! Keeps contact data consistent between spreadsheets, CRMs and a local SQL store (SQLite by
//! default, PostgreSQL for shared use). This crate is the pipeline; connectors live in their
//! own crates under `connectors/` and see only `crmsync-sdk`.
//!
//! ## Layout
//!
//! - [`cli`]: the `crmsync` command line and exit codes.
//! - [`config`]: `crmsync.toml` and database URL resolution.
//! - [`model`]: the canonical record ([`model::Field`], [`model::RecordData`]).
//! - [`normalize`]: header mapping, value cleaning (email, phone, names, dates), DNC gate.
//! - [`import`]: the one-shot file import (parallel normalization, one writer, resume).
//! - [`store`]: the SQLite / PostgreSQL store behind one trait.
//! - [`report`]: formula-safe CSV/XLSX writers; [`export`]: records back out.
//! - [`dnc_admin`]: parsing DNC lists and registry downloads.
//! - [`sync`]: CRM pull/push through the three-way merge, conflicts and the outbox.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod dnc_admin;
pub mod export;
pub mod import;
pub mod model;
pub mod normalize;
pub mod report;
pub mod sample;
pub mod store;
pub mod sync;
