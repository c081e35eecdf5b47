//! # crmsync-salesforce
//!
//! Salesforce support for crmsync. With the `emulator` feature the crate carries a stateful
//! local emulator of the Salesforce REST API subset a sync tool needs (OAuth, SOQL queries
//! with paging, sObject CRUD and upsert, sObject Collections, Bulk API 2.0, limits), used by
//! the test suites and by `crmsync sandbox salesforce`.
//!
//! ## Layout
//!
//! - `emulator` (feature `emulator`): the emulator; see its module docs.
#![forbid(unsafe_code)]

#[cfg(feature = "emulator")]
pub mod emulator;
