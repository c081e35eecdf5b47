//! Pushes: sObject Collections upsert, at most [`COLLECTIONS_MAX`] records per call,
//! `allOrNone = false` so one bad record does not roll back its siblings. Pushes of more than
//! `bulk_push_threshold` records go through Bulk API 2.0 ingest instead (the crate's
//! `bulk_push` module).
//!
//! Records the org does not have yet (no `remote_id`) are upserted on the external id field,
//! so a replayed push never creates a second copy. Records already linked to a Salesforce
//! record are updated by `Id` (Collections update, or a Bulk `update` job): records created in
//! Salesforce carry no external id value, and upserting them on one would create duplicates.

use crmsync_sdk::crm::{OutboundRecord, WriteOutcome};
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde_json::{json, Map, Value};

use crate::client::{SalesforceConnector, COLLECTIONS_MAX};
use crate::results::collections_outcomes;
use crate::CONNECTOR;

/// The external id value a record is upserted by: its own value for the key field, else the
/// local id (which is what the key field holds for records this tool created).
pub fn external_id_value(record: &OutboundRecord, external_id_field: &str) -> String {
    record
        .fields
        .get(external_id_field)
        .and_then(Clone::clone)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| record.local_id.to_string())
}

/// The Collections body for `chunk`.
pub fn collections_body(object: &str, external_id_field: &str, chunk: &[OutboundRecord]) -> Value {
    let records: Vec<Value> = chunk
        .iter()
        .map(|record| {
            let mut map = Map::new();
            map.insert("attributes".into(), json!({ "type": object }));
            for (name, value) in &record.fields {
                // The key is written last, from `external_id_value`.
                if name != "Id" && name != external_id_field {
                    map.insert(
                        name.clone(),
                        value.clone().map_or(Value::Null, Value::String),
                    );
                }
            }
            map.insert(
                external_id_field.to_string(),
                Value::String(external_id_value(record, external_id_field)),
            );
            Value::Object(map)
        })
        .collect();
    json!({ "allOrNone": false, "records": records })
}

/// Refuses an object name that is not a Salesforce API name (it becomes part of URLs).
pub(crate) fn check_object(object: &str) -> Result<(), ConnectorError> {
    if crate::config::is_api_name(object) {
        Ok(())
    } else {
        Err(ConnectorError::new(
            CONNECTOR,
            ErrorKind::Config,
            format!("{object:?} is not a Salesforce object name"),
        ))
    }
}

/// Writes `batch`: linked records updated by `Id`, new ones upserted on the external id field;
/// each group through Bulk API 2.0 ingest when it holds more than `bulk_push_threshold`
/// records, else through sObject Collections. One outcome per input, in input order.
pub(crate) async fn push(
    conn: &SalesforceConnector,
    object: &str,
    batch: &[OutboundRecord],
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    let (linked, new): (Vec<usize>, Vec<usize>) =
        (0..batch.len()).partition(|&i| batch[i].remote_id.is_some());
    let external = conn.config.external_id_field.as_str();
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; batch.len()];
    for (positions, key) in [(linked, "Id"), (new, external)] {
        if positions.is_empty() {
            continue;
        }
        let group: Vec<OutboundRecord> = positions.iter().map(|&i| keyed(&batch[i], key)).collect();
        let bulk = group.len() as u64 > conn.config.bulk_push_threshold;
        let written = match (bulk, key) {
            (true, _) => crate::bulk_push::push_bulk(conn, object, &group, key).await?,
            (false, "Id") => update_collections(conn, object, &group).await?,
            (false, _) => push_collections(conn, object, &group, key).await?,
        };
        for (&i, outcome) in positions.iter().zip(written) {
            outcomes[i] = Some(outcome);
        }
    }
    Ok(complete_outcomes(outcomes, batch))
}

/// One outcome per record of `batch`, in order: a record the API never reported on becomes
/// a retryable `MISSING_RESULT` rejection, so nothing is taken as written unconfirmed.
pub(crate) fn complete_outcomes(
    outcomes: Vec<Option<WriteOutcome>>,
    batch: &[OutboundRecord],
) -> Vec<WriteOutcome> {
    outcomes
        .into_iter()
        .zip(batch)
        .map(|(outcome, record)| {
            outcome.unwrap_or_else(|| WriteOutcome::Rejected {
                local_id: record.local_id,
                code: "MISSING_RESULT".to_string(),
                message: "no outcome for this record".to_string(),
                retryable: true,
            })
        })
        .collect()
}

/// `record` ready to be written on `key`: keyed on `Id`, it carries its Salesforce id.
fn keyed(record: &OutboundRecord, key: &str) -> OutboundRecord {
    let mut record = record.clone();
    if key == "Id" {
        record
            .fields
            .insert("Id".to_string(), record.remote_id.clone());
    }
    record
}

/// Upserts `batch` on `key` in Collections calls of at most [`COLLECTIONS_MAX`] records.
pub(crate) async fn push_collections(
    conn: &SalesforceConnector,
    object: &str,
    batch: &[OutboundRecord],
    key: &str,
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    let path = format!("/composite/sobjects/{object}/{key}");
    send_collections(conn, object, &path, batch, |chunk| {
        collections_body(object, key, chunk)
    })
    .await
}

/// The Collections update body for `chunk` (records carrying `Id`).
pub fn update_body(object: &str, chunk: &[OutboundRecord]) -> Value {
    let records: Vec<Value> = chunk
        .iter()
        .map(|record| {
            let mut map = Map::new();
            map.insert("attributes".into(), json!({ "type": object }));
            for (name, value) in &record.fields {
                map.insert(
                    name.clone(),
                    value.clone().map_or(Value::Null, Value::String),
                );
            }
            Value::Object(map)
        })
        .collect();
    json!({ "allOrNone": false, "records": records })
}

/// Updates linked records by `Id` in Collections calls of at most [`COLLECTIONS_MAX`].
async fn update_collections(
    conn: &SalesforceConnector,
    object: &str,
    batch: &[OutboundRecord],
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    send_collections(conn, object, "/composite/sobjects", batch, |chunk| {
        update_body(object, chunk)
    })
    .await
}

/// PATCHes `batch` to `path` in chunks of [`COLLECTIONS_MAX`], one body per chunk, and maps
/// the per-record results back to outcomes in input order.
async fn send_collections(
    conn: &SalesforceConnector,
    object: &str,
    path: &str,
    batch: &[OutboundRecord],
    body_of: impl Fn(&[OutboundRecord]) -> Value,
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    check_object(object)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(COLLECTIONS_MAX) {
        let body = body_of(chunk);
        let response = conn
            .call(|s| HttpRequest::patch(conn.data_url(s, path)).json(&body))
            .await?;
        let ids: Vec<i64> = chunk.iter().map(|r| r.local_id).collect();
        let text = String::from_utf8_lossy(&response.body);
        let chunk_outcomes = collections_outcomes(&ids, &text)
            .map_err(|m| ConnectorError::new(CONNECTOR, ErrorKind::Remote, m))?;
        outcomes.extend(chunk_outcomes);
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(local_id: i64, fields: &[(&str, Option<&str>)]) -> OutboundRecord {
        OutboundRecord {
            local_id,
            remote_id: Some("00Q000000000009AAA".into()),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn bodies_carry_the_key_and_explicit_nulls() {
        let chunk = [
            record(
                7,
                &[("LastName", Some("Ng")), ("Phone", None), ("Id", Some("x"))],
            ),
            record(
                8,
                &[("Crmsync_Id__c", Some("abc")), ("LastName", Some("Li"))],
            ),
            record(9, &[("Crmsync_Id__c", Some("")), ("LastName", Some("Wu"))]),
        ];
        let body = collections_body("Lead", "Crmsync_Id__c", &chunk);
        assert_eq!(
            body,
            json!({
                "allOrNone": false,
                "records": [
                    {"attributes": {"type": "Lead"}, "LastName": "Ng", "Phone": null,
                     "Crmsync_Id__c": "7"},
                    {"attributes": {"type": "Lead"}, "LastName": "Li", "Crmsync_Id__c": "abc"},
                    {"attributes": {"type": "Lead"}, "LastName": "Wu", "Crmsync_Id__c": "9"},
                ]
            })
        );
    }
}
