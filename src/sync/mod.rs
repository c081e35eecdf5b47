//! CRM sync: pull pages from a connector into the store through the three-way merge, and
//! push local changes back through the outbox.
//!
//! ## Layout
//!
//! - [`registry`]: `[connectors.NAME]` → a ready [`crmsync_sdk::crm::CrmConnector`].
//! - [`fieldmap`]: CRM field ↔ canonical field tables per object, value cleaning.
//! - [`snapshot`]: [`snapshot::Snapshot`], the per-field values the merge compares.
//! - [`policy`]: conflict policies and the `[sync]` config section.
//! - [`merge`]: the pure three-way merge of one record.
//! - [`pull`]: the pull driver (page → one transaction with the cursor).
//! - [`push`]: the push driver (diff record vs base → outbox → batches → acknowledgements).
//! - `engine`: what both drivers share (context, leases, local snapshots, DNC).

mod engine;
pub mod fieldmap;
pub mod merge;
pub mod policy;
pub mod pull;
pub mod push;
pub mod registry;
pub mod snapshot;

pub use engine::{SyncContext, SyncOptions};

use crate::store::StoreError;
use crmsync_sdk::{ConnectorError, ErrorKind};

/// A sync failure.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Configuration problem (exit 2).
    #[error("{0}")]
    Config(String),
    /// The connector failed (exit 3 for remote problems, 2 for its configuration).
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another worker holds the lease.
    #[error("{system}/{object} is being synced by another crmsync process ({direction}); try again when it finishes or its lease expires")]
    Busy {
        /// System.
        system: String,
        /// Object.
        object: String,
        /// `pull` or `push`.
        direction: String,
    },
}

impl SyncError {
    /// Whether this is a configuration problem the user must fix.
    pub fn is_config(&self) -> bool {
        match self {
            SyncError::Config(_) => true,
            SyncError::Connector(e) => e.kind == ErrorKind::Config,
            _ => false,
        }
    }
}
