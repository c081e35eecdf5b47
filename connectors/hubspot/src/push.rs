//! Pushing records: `batch/update` for linked records, `batch/upsert` by the object's unique
//! property for the rest, and one [`WriteOutcome`] per input in input order.

use std::collections::HashMap;

use crmsync_sdk::crm::{OutboundRecord, WriteOutcome};
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::client::TEN_SECONDLY;
use crate::wire::WireRecord;
use crate::HubspotConnector;

/// HubSpot error categories worth sending again later.
const RETRYABLE_CATEGORIES: &[&str] = &["RATE_LIMITS", "LOCKED", "INTERNAL_ERROR", "TIMEOUT"];

#[derive(Debug, Deserialize)]
struct BatchItem {
    #[serde(flatten)]
    record: WireRecord,
    #[serde(default)]
    new: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct BatchError {
    #[serde(default)]
    category: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    context: HashMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct BatchResponse {
    #[serde(default)]
    results: Vec<BatchItem>,
    #[serde(default)]
    errors: Vec<BatchError>,
}

fn rejected(local_id: i64, code: &str, message: &str) -> WriteOutcome {
    WriteOutcome::Rejected {
        local_id,
        code: code.to_owned(),
        message: message.to_owned(),
        retryable: RETRYABLE_CATEGORIES.contains(&code),
    }
}

fn properties(record: &OutboundRecord) -> Value {
    let map: Map<String, Value> = record
        .fields
        .iter()
        // HubSpot clears a property with an empty string.
        .map(|(k, v)| (k.clone(), json!(v.clone().unwrap_or_default())))
        .collect();
    Value::Object(map)
}

/// Pushes one batch (at most 100 inputs).
pub(crate) async fn push(
    conn: &HubspotConnector,
    object: &str,
    batch: &[OutboundRecord],
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; batch.len()];
    let unique = conn.config.unique_property_of(object).map(str::to_owned);
    let mut updates = Vec::new();
    let mut upserts = Vec::new();
    for (index, record) in batch.iter().enumerate() {
        if let Some(id) = &record.remote_id {
            updates.push((index, id.clone()));
            continue;
        }
        let key = unique.as_deref().and_then(|prop| {
            record
                .fields
                .get(prop)
                .and_then(|v| v.as_deref())
                .filter(|v| !v.trim().is_empty())
        });
        match (key, &unique) {
            (Some(value), _) => upserts.push((index, value.trim().to_owned())),
            (None, Some(prop)) => {
                let message = format!("no {prop} value to upsert by");
                outcomes[index] = Some(rejected(record.local_id, "MISSING_UNIQUE_VALUE", &message));
            }
            (None, None) => {
                let message = format!("{object} has no unique property configured to upsert by");
                outcomes[index] = Some(rejected(record.local_id, "NO_UNIQUE_PROPERTY", &message));
            }
        }
    }
    if !updates.is_empty() {
        let inputs: Vec<Value> = updates
            .iter()
            .filter_map(|(i, id)| {
                batch
                    .get(*i)
                    .map(|r| json!({ "id": id, "properties": properties(r) }))
            })
            .collect();
        let outcome = send_batch(conn, object, "/batch/update", inputs).await?;
        for (index, id) in &updates {
            let Some(record) = batch.get(*index) else {
                continue;
            };
            outcomes[*index] = Some(match &outcome {
                Err(err) => rejected(record.local_id, &err.0, &err.1),
                Ok(response) => {
                    match_result(response, id, record.local_id, |item| item.record.id == *id)
                }
            });
        }
    }
    if let (false, Some(prop)) = (upserts.is_empty(), &unique) {
        let inputs: Vec<Value> = upserts
            .iter()
            .filter_map(|(i, key)| {
                batch
                    .get(*i)
                    .map(|r| json!({ "id": key, "idProperty": prop, "properties": properties(r) }))
            })
            .collect();
        let outcome = send_batch(conn, object, "/batch/upsert", inputs).await?;
        for (index, key) in &upserts {
            let Some(record) = batch.get(*index) else {
                continue;
            };
            let wanted = key.to_lowercase();
            outcomes[*index] = Some(match &outcome {
                Err(err) => rejected(record.local_id, &err.0, &err.1),
                Ok(response) => match_result(response, key, record.local_id, |item| {
                    item.record
                        .properties
                        .get(prop)
                        .and_then(|v| v.as_deref())
                        .is_some_and(|v| v.trim().to_lowercase() == wanted)
                }),
            });
        }
    }
    Ok(outcomes
        .into_iter()
        .zip(batch)
        .map(|(outcome, record)| {
            outcome.unwrap_or_else(|| rejected(record.local_id, "MISSING_RESULT", "no outcome"))
        })
        .collect())
}

/// The outcome of the input addressed by `key`: a matching result, else the error naming it.
fn match_result(
    response: &BatchResponse,
    key: &str,
    local_id: i64,
    matches: impl Fn(&BatchItem) -> bool,
) -> WriteOutcome {
    if let Some(item) = response.results.iter().find(|item| matches(item)) {
        let remote_id = item.record.id.clone();
        return if item.new == Some(true) {
            WriteOutcome::Created {
                local_id,
                remote_id,
            }
        } else {
            WriteOutcome::Updated {
                local_id,
                remote_id,
            }
        };
    }
    let wanted = key.to_lowercase();
    let error = response.errors.iter().find(|e| {
        e.context
            .values()
            .flatten()
            .any(|v| v.trim().to_lowercase() == wanted)
    });
    match error {
        Some(e) => rejected(local_id, &e.category, &e.message),
        None => rejected(
            local_id,
            "MISSING_RESULT",
            &format!("HubSpot returned no result or error for `{key}`"),
        ),
    }
}

/// Sends one batch call. A refusal of the whole call (400, 409) becomes `Err((code,
/// message))` for every input; transport, rate-limit, quota and auth failures are errors of
/// the push as a whole.
async fn send_batch(
    conn: &HubspotConnector,
    object: &str,
    path: &str,
    inputs: Vec<Value>,
) -> Result<Result<BatchResponse, (String, String)>, ConnectorError> {
    let request = HttpRequest::post(conn.api.objects_url(object, path))
        .json(&json!({ "inputs": inputs }))
        .buckets(&[TEN_SECONDLY]);
    match conn.api.send_json::<BatchResponse>(request).await {
        Ok((response, _)) => Ok(Ok(response)),
        Err(err) if err.kind == ErrorKind::Remote => {
            let code = err
                .message
                .split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .map_or("REMOTE_ERROR", |(code, _)| code)
                .to_owned();
            Ok(Err((code, err.message)))
        }
        Err(err) => Err(err),
    }
}
