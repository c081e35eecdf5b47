//! The contract for CRM connectors (HubSpot, Salesforce): pull pages of remote records from a
//! resumable cursor, push batches of local changes, and report per-record outcomes.

use crate::ConnectorError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One record as the CRM holds it. Field values are the CRM's own strings (HubSpot sends
/// every property as a string; Salesforce values are rendered to strings by the connector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteRecord {
    /// The CRM's id (HubSpot `id`, Salesforce 18-character `Id`).
    pub id: String,
    /// Object type as the connector names it (`contacts`, `Lead`, …).
    pub object: String,
    /// The CRM's last-modified time (HubSpot `lastmodifieddate`/`hs_lastmodifieddate`,
    /// Salesforce `SystemModstamp`).
    pub modified_at: Option<DateTime<Utc>>,
    /// Archived / soft-deleted in the CRM: a delete to reconcile, never silently dropped.
    pub deleted: bool,
    /// Field values by the CRM's field name; `None` is an explicit empty value.
    pub fields: BTreeMap<String, Option<String>>,
}

/// Where an incremental pull resumes. Stored as JSON between runs, committed together with
/// the page it follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cursor {
    /// Records modified at or after `since`; among those at exactly `since`, ids after
    /// `after_id` (the (timestamp, id) cursor that never skips boundary records).
    Watermark {
        /// Modified-time watermark.
        since: DateTime<Utc>,
        /// Last id seen at `since`.
        after_id: Option<String>,
    },
    /// A full read in progress, continuing after an opaque token (HubSpot `after`,
    /// Salesforce `nextRecordsUrl` or Bulk locator); `then` is the watermark to switch to
    /// once the full read completes.
    Full {
        /// The continuation token, if past the first page.
        token: Option<String>,
        /// Highest (modified, id) seen so far, to start incremental reads from.
        then: Option<Box<Cursor>>,
    },
}

/// A page of a pull.
#[derive(Debug, Clone, PartialEq)]
pub struct PullPage {
    /// Records in this page (deletes included).
    pub records: Vec<RemoteRecord>,
    /// The cursor that is valid once these records are stored.
    pub next: Cursor,
}

/// A field of a CRM object, from discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSchema {
    /// API name.
    pub name: String,
    /// Label shown to users.
    pub label: String,
    /// The CRM's type name.
    pub kind: String,
    /// Custom (user-defined) field.
    pub custom: bool,
    /// Unique-valued (usable as an upsert key).
    pub unique: bool,
    /// Read-only (calculated or system-managed).
    pub read_only: bool,
}

/// An object type and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSchema {
    /// Object name.
    pub name: String,
    /// Its fields.
    pub fields: Vec<FieldSchema>,
}

/// What `check` found out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Human-readable identity (portal id, org id + user).
    pub identity: String,
    /// Remaining API quota, when the CRM says.
    pub quota_remaining: Option<u64>,
    /// Total quota, when the CRM says.
    pub quota_max: Option<u64>,
}

/// One local change to push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundRecord {
    /// The local record id (echoed back in the outcome).
    pub local_id: i64,
    /// The CRM id when the record is already linked; `None` to create or upsert by key.
    pub remote_id: Option<String>,
    /// Fields to write, by the CRM's field name.
    pub fields: BTreeMap<String, Option<String>>,
}

/// What happened to one pushed record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WriteOutcome {
    /// Created in the CRM.
    Created {
        /// Local id.
        local_id: i64,
        /// New CRM id.
        remote_id: String,
    },
    /// Updated in the CRM.
    Updated {
        /// Local id.
        local_id: i64,
        /// CRM id.
        remote_id: String,
    },
    /// Refused by the CRM.
    Rejected {
        /// Local id.
        local_id: i64,
        /// The CRM's code (`VALIDATION_ERROR`, `DUPLICATES_DETECTED`, …).
        code: String,
        /// The CRM's message.
        message: String,
        /// Worth sending again later (lock contention, transient).
        retryable: bool,
    },
}

/// A CRM connector.
#[async_trait]
pub trait CrmConnector: Send + Sync {
    /// Connector type (`hubspot`, `salesforce`).
    fn kind(&self) -> &'static str;
    /// Credentials, reachability and quota.
    async fn check(&self) -> Result<CheckReport, ConnectorError>;
    /// Objects and fields, custom ones included.
    async fn discover(&self) -> Result<Vec<ObjectSchema>, ConnectorError>;
    /// Pages of `object` from `cursor` (`None`: a first, full read). The stream ends after the
    /// last page; an error ends it early and the last yielded cursor stays valid.
    fn pull<'a>(
        &'a self,
        object: &'a str,
        cursor: Option<Cursor>,
    ) -> BoxStream<'a, Result<PullPage, ConnectorError>>;
    /// The most records one [`CrmConnector::push`] call should carry.
    fn max_batch(&self) -> usize;
    /// Create or update `batch`; one outcome per input, in input order.
    async fn push(
        &self,
        object: &str,
        batch: &[OutboundRecord],
    ) -> Result<Vec<WriteOutcome>, ConnectorError>;
}
