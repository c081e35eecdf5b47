//! # crmsync-salesforce
//!
//! Salesforce support for crmsync: configuration, OAuth (JWT bearer, refresh token, client
//! credentials or a given access token), SOQL pulls with a `(SystemModstamp, Id)` cursor,
//! sObject Collections upserts and Bulk API 2.0 query and ingest jobs for large pulls and
//! pushes. With the `emulator` feature the crate also carries a stateful
//! local emulator of the Salesforce REST API subset a sync tool needs (OAuth, SOQL queries
//! with paging, sObject CRUD and upsert, sObject Collections, Bulk API 2.0, limits), used by
//! the test suites and by `crmsync sandbox salesforce`.
//!
//! ## Layout
//!
//! - [`client`]: [`SalesforceConnector`], the request path and the `CrmConnector` impl;
//!   `pull` (query paging and the cursor) and [`push`] (Collections upserts) beside it.
//! - `bulk_pull`: Bulk API 2.0 query jobs for pulls above `bulk_threshold` rows.
//! - `bulk_push`: Bulk API 2.0 ingest jobs for pushes above `bulk_push_threshold` records;
//!   [`bulk_csv`] writes their CSV uploads; `bulk_job` polls both kinds of job.
//! - [`auth`]: OAuth sessions and their renewal.
//! - [`config`]: the configuration block and credential resolution.
//! - [`jwt`]: the RS256 JWT bearer assertion.
//! - [`soql`]: pull queries, literal escaping, request-size splitting.
//! - [`parse`]: datetimes, query pages, limit headers, error bodies, describe.
//! - [`results`]: Collections and Bulk API 2.0 write results.
//! - `emulator` (feature `emulator`): the emulator; see its module docs.
#![forbid(unsafe_code)]

pub mod auth;
pub mod bulk_csv;
mod bulk_job;
mod bulk_pull;
mod bulk_push;
pub mod client;
pub mod config;
pub mod jwt;
pub mod parse;
mod pull;
pub mod push;
pub mod results;
pub mod soql;

#[cfg(feature = "emulator")]
pub mod emulator;

pub use bulk_pull::BULK_PAGE_ROWS;
pub use bulk_push::JOB_MIN_CALLS;
pub use client::SalesforceConnector;
pub use config::{AuthMethod, Credentials, SalesforceConfig};

/// The connector type name used in errors and reports.
pub const CONNECTOR: &str = "salesforce";
