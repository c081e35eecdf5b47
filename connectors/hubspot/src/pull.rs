//! Pulling records: a full read (list paging plus an archived pass) or an incremental read
//! (search on the modified property plus archived records newer than the watermark).
//!
//! The full read's cursor token says which pass it is in (`live:<after>` or
//! `archived:<after>`). The incremental read pages a search sorted by (modified, id) and
//! re-anchors a new search at the last (modified, id) seen before the 10,000-result window is
//! exhausted; records at exactly the anchor time with ids up to the anchor id are skipped so
//! nothing is lost or repeated across anchors.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crmsync_sdk::crm::{Cursor, PullPage, RemoteRecord};
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::{ConnectorError, ErrorKind};
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::chunks::chunk_properties;
use crate::client::{SEARCH, TEN_SECONDLY};
use crate::config::HubspotConfig;
use crate::wire::{id_key, Collection, WireRecord};
use crate::{HubspotConnector, KIND, LIST_PAGE_MAX, SEARCH_PAGE_MAX};

/// The highest (modified, id) seen.
type Mark = Option<(DateTime<Utc>, String)>;

enum Phase {
    /// Full read, live records, continuing after `after`.
    Live {
        after: Option<String>,
        then: Mark,
    },
    /// Full read, archived records.
    FullArchived {
        after: Option<String>,
        then: Mark,
    },
    /// Incremental search from `anchor`, `offset` results into the current query.
    Search {
        anchor: (DateTime<Utc>, Option<String>),
        offset: u32,
        mark: Mark,
        origin: DateTime<Utc>,
    },
    /// Incremental archived pass: deletes since `origin`; `end` is the cursor to finish with.
    Deletes {
        after: Option<String>,
        origin: DateTime<Utc>,
        end: Cursor,
    },
    Done,
}

struct Puller<'a> {
    conn: &'a HubspotConnector,
    object: &'a str,
    modified_prop: &'static str,
    properties: Option<Vec<String>>,
    phase: Phase,
}

/// The pull stream of [`crate::HubspotConnector`].
pub(crate) fn pull<'a>(
    conn: &'a HubspotConnector,
    object: &'a str,
    cursor: Option<Cursor>,
) -> BoxStream<'a, Result<PullPage, ConnectorError>> {
    let phase = match cursor {
        None => Phase::Live {
            after: None,
            then: None,
        },
        Some(Cursor::Full { token, then }) => {
            let then = match then.map(|b| *b) {
                Some(Cursor::Watermark { since, after_id }) => {
                    Some((since, after_id.unwrap_or_default()))
                }
                _ => None,
            };
            match token.as_deref().and_then(|t| t.split_once(':')) {
                Some(("archived", after)) => Phase::FullArchived {
                    after: non_empty(after),
                    then,
                },
                Some((_, after)) => Phase::Live {
                    after: non_empty(after),
                    then,
                },
                None => Phase::Live { after: None, then },
            }
        }
        Some(Cursor::Watermark { since, after_id }) => Phase::Search {
            anchor: (since, after_id.clone()),
            offset: 0,
            mark: after_id.map(|id| (since, id)),
            origin: since,
        },
    };
    let puller = Puller {
        conn,
        object,
        modified_prop: HubspotConfig::modified_property(object),
        properties: None,
        phase,
    };
    stream::unfold(Some(puller), |state| async move {
        let mut puller = state?;
        match puller.step().await {
            Ok(Some(page)) => Some((Ok(page), Some(puller))),
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    })
    .boxed()
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn watermark(mark: &Mark, fallback: DateTime<Utc>) -> Cursor {
    match mark {
        Some((since, id)) => Cursor::Watermark {
            since: *since,
            after_id: Some(id.clone()),
        },
        None => Cursor::Watermark {
            since: fallback,
            after_id: None,
        },
    }
}

fn full(token: String, then: &Mark) -> Cursor {
    Cursor::Full {
        token: Some(token),
        then: then
            .as_ref()
            .map(|m| Box::new(watermark(&Some(m.clone()), DateTime::UNIX_EPOCH))),
    }
}

/// Raises `mark` to `(at, id)` when that is later in (modified, id) order.
fn advance(mark: &mut Mark, at: Option<DateTime<Utc>>, id: &str) {
    let Some(at) = at else { return };
    let later = match mark {
        None => true,
        Some((m, mid)) => (at, id_key(id)) > (*m, id_key(mid)),
    };
    if later {
        *mark = Some((at, id.to_owned()));
    }
}

impl Puller<'_> {
    async fn step(&mut self) -> Result<Option<PullPage>, ConnectorError> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return Ok(None),
                Phase::Live { after, mut then } => {
                    let (records, next) = self.list_live(after).await?;
                    for r in &records {
                        advance(&mut then, r.modified_at, &r.id);
                    }
                    let cursor = match &next {
                        Some(a) => full(format!("live:{a}"), &then),
                        None => full("archived:".to_owned(), &then),
                    };
                    self.phase = match next {
                        Some(a) => Phase::Live {
                            after: Some(a),
                            then,
                        },
                        None => Phase::FullArchived { after: None, then },
                    };
                    return Ok(Some(PullPage {
                        records,
                        next: cursor,
                    }));
                }
                Phase::FullArchived { after, then } => {
                    let (records, next) = self.list_archived(after).await?;
                    let cursor = match &next {
                        Some(a) => full(format!("archived:{a}"), &then),
                        None => watermark(&then, DateTime::UNIX_EPOCH),
                    };
                    if let Some(a) = next {
                        self.phase = Phase::FullArchived {
                            after: Some(a),
                            then,
                        };
                    }
                    return Ok(Some(PullPage {
                        records,
                        next: cursor,
                    }));
                }
                Phase::Search {
                    anchor,
                    offset,
                    mut mark,
                    origin,
                } => {
                    let page = self.search(&anchor, offset).await?;
                    let more = page.next_after();
                    let mut records = Vec::with_capacity(page.results.len());
                    for wire in page.results {
                        let record = wire.into_remote(self.object, self.modified_prop);
                        if !after_anchor(&record, &anchor) {
                            continue;
                        }
                        advance(&mut mark, record.modified_at, &record.id);
                        records.push(record);
                    }
                    let cursor = watermark(&mark, origin);
                    let limit = self.config().search_page_size.clamp(1, SEARCH_PAGE_MAX);
                    let window = self.config().search_window.max(limit);
                    self.phase = match more.and_then(|a| a.parse::<u32>().ok()) {
                        Some(next) if next.saturating_add(limit) <= window => Phase::Search {
                            anchor,
                            offset: next,
                            mark,
                            origin,
                        },
                        Some(_) => {
                            let new_anchor = match &mark {
                                Some((at, id)) => (*at, Some(id.clone())),
                                None => anchor.clone(),
                            };
                            if new_anchor == anchor {
                                return Err(ConnectorError::new(
                                    KIND,
                                    ErrorKind::Remote,
                                    format!(
                                        "more than {window} {} share the modification time {}; \
                                         the search cannot page past them",
                                        self.object, anchor.0
                                    ),
                                ));
                            }
                            Phase::Search {
                                anchor: new_anchor,
                                offset: 0,
                                mark,
                                origin,
                            }
                        }
                        None => Phase::Deletes {
                            after: None,
                            origin,
                            end: cursor.clone(),
                        },
                    };
                    return Ok(Some(PullPage {
                        records,
                        next: cursor,
                    }));
                }
                Phase::Deletes { after, origin, end } => {
                    let (records, next) = self.list_archived(after).await?;
                    let records: Vec<RemoteRecord> = records
                        .into_iter()
                        .filter(|r| r.modified_at.is_some_and(|at| at >= origin))
                        .collect();
                    let last = next.is_none();
                    if let Some(a) = next {
                        self.phase = Phase::Deletes {
                            after: Some(a),
                            origin,
                            end: end.clone(),
                        };
                    }
                    if records.is_empty() && !last {
                        continue;
                    }
                    return Ok(Some(PullPage { records, next: end }));
                }
            }
        }
    }

    fn config(&self) -> &HubspotConfig {
        &self.conn.config
    }

    async fn properties(&mut self) -> Result<Vec<String>, ConnectorError> {
        if let Some(props) = &self.properties {
            return Ok(props.clone());
        }
        let props = self.conn.property_names(self.object).await?;
        self.properties = Some(props.clone());
        Ok(props)
    }

    /// One page of live records with every property: the first property chunk rides on the
    /// list URL, further chunks come from `batch/read` and are merged by id.
    async fn list_live(
        &mut self,
        after: Option<String>,
    ) -> Result<(Vec<RemoteRecord>, Option<String>), ConnectorError> {
        let props = self.properties().await?;
        let url = self.conn.api.objects_url(self.object, "");
        let budget = self
            .config()
            .max_url_chars
            .saturating_sub(url.len() + 120)
            .max(200);
        let chunks = chunk_properties(&props, budget);
        let limit = self.config().list_page_size.clamp(1, LIST_PAGE_MAX);
        let mut request = HttpRequest::get(url)
            .query("limit", limit.to_string())
            .buckets(&[TEN_SECONDLY]);
        if let Some(first) = chunks.first() {
            request = request.query("properties", first.join(","));
        }
        if let Some(after) = &after {
            request = request.query("after", after.clone());
        }
        let (mut page, _): (Collection, _) = self.conn.api.send_json(request).await?;
        for chunk in chunks.iter().skip(1) {
            self.merge_chunk(&mut page.results, chunk).await?;
        }
        let next = page.next_after();
        let records = page
            .results
            .into_iter()
            .map(|w| w.into_remote(self.object, self.modified_prop))
            .collect();
        Ok((records, next))
    }

    async fn merge_chunk(
        &self,
        records: &mut [WireRecord],
        chunk: &[String],
    ) -> Result<(), ConnectorError> {
        if records.is_empty() {
            return Ok(());
        }
        let inputs: Vec<_> = records.iter().map(|r| json!({ "id": r.id })).collect();
        let request = HttpRequest::post(self.conn.api.objects_url(self.object, "/batch/read"))
            .json(&json!({ "inputs": inputs, "properties": chunk }))
            .buckets(&[TEN_SECONDLY]);
        let (extra, _): (Collection, _) = self.conn.api.send_json(request).await?;
        let mut by_id: HashMap<String, WireRecord> = extra
            .results
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        for record in records.iter_mut() {
            if let Some(more) = by_id.remove(&record.id) {
                record.properties.extend(more.properties);
            }
        }
        Ok(())
    }

    async fn list_archived(
        &self,
        after: Option<String>,
    ) -> Result<(Vec<RemoteRecord>, Option<String>), ConnectorError> {
        let limit = self.config().list_page_size.clamp(1, LIST_PAGE_MAX);
        let mut request = HttpRequest::get(self.conn.api.objects_url(self.object, ""))
            .query("limit", limit.to_string())
            .query("archived", "true")
            .buckets(&[TEN_SECONDLY]);
        if let Some(after) = &after {
            request = request.query("after", after.clone());
        }
        let (page, _): (Collection, _) = self.conn.api.send_json(request).await?;
        let next = page.next_after();
        let records = page
            .results
            .into_iter()
            .map(|w| w.into_remote(self.object, self.modified_prop))
            .collect();
        Ok((records, next))
    }

    async fn search(
        &mut self,
        anchor: &(DateTime<Utc>, Option<String>),
        offset: u32,
    ) -> Result<Collection, ConnectorError> {
        let props = self.properties().await?;
        let limit = self.config().search_page_size.clamp(1, SEARCH_PAGE_MAX);
        let body = json!({
            "filterGroups": [{ "filters": [{
                "propertyName": self.modified_prop,
                "operator": "GTE",
                "value": anchor.0.timestamp_millis().to_string(),
            }]}],
            "sorts": [
                { "propertyName": self.modified_prop, "direction": "ASCENDING" },
                { "propertyName": "hs_object_id", "direction": "ASCENDING" },
            ],
            "properties": props,
            "limit": limit,
            "after": offset.to_string(),
        });
        let request = HttpRequest::post(self.conn.api.objects_url(self.object, "/search"))
            .json(&body)
            .buckets(&[SEARCH]);
        Ok(self.conn.api.send_json(request).await?.0)
    }
}

/// Whether `record` comes after the (time, id) anchor of the query that returned it.
fn after_anchor(record: &RemoteRecord, anchor: &(DateTime<Utc>, Option<String>)) -> bool {
    let Some(at) = record.modified_at else {
        return true;
    };
    match (&anchor.1, at.cmp(&anchor.0)) {
        (_, std::cmp::Ordering::Greater) | (None, std::cmp::Ordering::Equal) => true,
        (Some(id), std::cmp::Ordering::Equal) => id_key(&record.id) > id_key(id),
        (_, std::cmp::Ordering::Less) => false,
    }
}
