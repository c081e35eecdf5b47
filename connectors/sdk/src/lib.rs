//! # crmsync-sdk
//!
//! The contract between crmsync's pipeline and its connectors. A connector crate depends on
//! this crate only: it never sees the store or the normalization stages. It turns an outside
//! system (a spreadsheet, a CRM API) into rows or records plus [`Reject`]s, and the pipeline
//! does everything else.
//!
//! ## Layout
//!
//! - [`cell`]: [`Cell`], a typed spreadsheet value (text, number, date, …).
//! - [`table`]: [`TableReader`], the blocking reader every file connector implements, the
//!   [`TableRow`] / [`RowEvent`] it yields, and [`spawn_table_reader`], which runs a reader on
//!   a blocking thread and hands its rows to async code through a bounded channel.
//! - [`reject`]: [`Reject`], a row the connector could not read: data, never a crash.
//! - [`error`]: [`ConnectorError`] and its [`ErrorKind`], which tells callers whether to retry.
//! - [`crm`]: [`crm::CrmConnector`], the pull/push contract of CRM connectors, and its
//!   record, cursor and outcome types.
//! - `http` (feature `http`): the HTTP client API connectors share: rate-limit buckets,
//!   retries with backoff, request counters and `Secret`.
#![forbid(unsafe_code)]

pub mod cell;
pub mod crm;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod reject;
pub mod table;

pub use cell::Cell;
pub use error::{ConnectorError, ErrorKind};
pub use reject::Reject;
pub use table::{spawn_table_reader, Header, Progress, RowBatch, RowEvent, TableReader, TableRow};
