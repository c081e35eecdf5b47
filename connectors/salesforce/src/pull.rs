//! Pulls: `queryAll` (so soft deletes arrive as tombstones) ordered by
//! `(SystemModstamp, Id)`, paged with `nextRecordsUrl`.
//!
//! A full read yields [`Cursor::Full`] with the next page's URL and the highest
//! `(SystemModstamp, Id)` stored so far; because the order is total, an expired query
//! locator (`INVALID_QUERY_LOCATOR`) resumes as an incremental read from that watermark
//! without skipping or repeating anything. When the field list would overflow the request
//! line, the first field group drives paging and the other groups are read for exactly the
//! same `(SystemModstamp, Id)` range and merged by `Id`; a record changed between the reads
//! (its stamps differ) is left out, because its new stamp brings it into a later pull.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crmsync_sdk::crm::{Cursor, PullPage, RemoteRecord};
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::{ConnectorError, ErrorKind};
use futures::stream::{self, BoxStream, StreamExt};

use crate::bulk_pull::{results_page, run_job};
use crate::client::SalesforceConnector;
use crate::parse::{record_from_json, QueryPage};
use crate::soql::{pull_query, split_fields, Range};
use crate::CONNECTOR;

/// A `(SystemModstamp, Id)` position.
type Mark = (DateTime<Utc>, String);

/// A position strictly after which a read continues.
type After = Option<(DateTime<Utc>, Option<String>)>;

/// Where the stream is.
enum Step {
    /// Run a new query strictly after `after` (`None`: from the beginning).
    Query {
        after: After,
        full: bool,
    },
    /// Fetch `url`, the continuation of the current query.
    More {
        url: String,
        after: After,
        full: bool,
    },
    /// Continue with a Bulk API 2.0 query job for the rows after `after`.
    BulkStart {
        after: After,
        full: bool,
    },
    /// Read the results page of Bulk job `job` at `locator`.
    BulkMore {
        job: String,
        locator: String,
        after: After,
        full: bool,
    },
    Done,
}

/// How a read goes on after a page.
enum Then {
    Rest(String),
    Bulk(String, String),
    SwitchToBulk,
    Finished,
}

fn as_after(cursor: &Cursor) -> Option<(DateTime<Utc>, Option<String>)> {
    match cursor {
        Cursor::Watermark { since, after_id } => Some((*since, after_id.clone())),
        Cursor::Full { then, .. } => then.as_deref().and_then(as_after),
    }
}

fn cursor_of(after: &Option<(DateTime<Utc>, Option<String>)>) -> Cursor {
    match after {
        Some((since, after_id)) => Cursor::Watermark {
            since: *since,
            after_id: after_id.clone(),
        },
        None => Cursor::Watermark {
            since: DateTime::<Utc>::UNIX_EPOCH,
            after_id: None,
        },
    }
}

/// The stream behind [`crmsync_sdk::crm::CrmConnector::pull`].
pub(crate) fn pull_stream<'a>(
    conn: &'a SalesforceConnector,
    object: &'a str,
    cursor: Option<Cursor>,
) -> BoxStream<'a, Result<PullPage, ConnectorError>> {
    let first = match cursor {
        None => Step::Query {
            after: None,
            full: true,
        },
        Some(Cursor::Full { token: None, then }) => Step::Query {
            after: then.as_deref().and_then(as_after),
            full: true,
        },
        Some(Cursor::Full {
            token: Some(url),
            then,
        }) => Step::More {
            url,
            after: then.as_deref().and_then(as_after),
            full: true,
        },
        Some(Cursor::Watermark { since, after_id }) => Step::Query {
            after: Some((since, after_id)),
            full: false,
        },
    };
    stream::unfold(first, move |step| async move {
        match step {
            Step::Done => None,
            step => match next_page(conn, object, step).await {
                Ok((page, next)) => Some((Ok(page), next)),
                Err(e) => Some((Err(e), Step::Done)),
            },
        }
    })
    .boxed()
}

/// Fetches one page for `step`; returns it and the step after it.
async fn next_page(
    conn: &SalesforceConnector,
    object: &str,
    step: Step,
) -> Result<(PullPage, Step), ConnectorError> {
    let fields = conn.pull_fields(object).await?;
    let threshold = conn.config.bulk_threshold;
    let rest = |page: QueryPage| {
        let then = match page.next_records_url.filter(|_| !page.done) {
            Some(_) if page.total_size > threshold => Then::SwitchToBulk,
            Some(url) => Then::Rest(url),
            None => Then::Finished,
        };
        let records: Vec<RemoteRecord> = page
            .records
            .iter()
            .filter_map(|row| record_from_json(object, row))
            .collect();
        (records, then)
    };
    let (after, full, (mut records, then), from_rest) = match step {
        Step::Done => {
            return Err(ConnectorError::new(
                CONNECTOR,
                ErrorKind::Remote,
                "pull ended",
            ))
        }
        Step::Query { after, full } => {
            let page = query(conn, object, &fields, &after).await?;
            (after, full, rest(page), true)
        }
        Step::More { url, after, full } => match fetch(conn, &url).await {
            Ok(page) => (after, full, rest(page), true),
            Err(e) if e.message.contains("INVALID_QUERY_LOCATOR") => {
                tracing::info!(
                    connector = CONNECTOR,
                    object,
                    "query cursor expired; resuming"
                );
                let page = query(conn, object, &fields, &after).await?;
                (after, full, rest(page), true)
            }
            Err(e) => return Err(e),
        },
        Step::BulkStart { after, full } => {
            let range = Range {
                after: after.as_ref().map(|(t, id)| (*t, id.as_deref())),
                until: None,
            };
            let job = run_job(conn, &pull_query(object, &fields, &range)).await?;
            let (records, locator) = results_page(conn, object, &job, None).await?;
            let then = locator.map_or(Then::Finished, |l| Then::Bulk(job, l));
            (after, full, (records, then), false)
        }
        Step::BulkMore {
            job,
            locator,
            after,
            full,
        } => {
            let (records, next) = results_page(conn, object, &job, Some(&locator)).await?;
            let then = next.map_or(Then::Finished, |l| Then::Bulk(job, l));
            (after, full, (records, then), false)
        }
    };
    let high: Option<Mark> = records
        .iter()
        .filter_map(|r| r.modified_at.map(|t| (t, r.id.clone())))
        .max();
    if let (Some(upper), true) = (&high, from_rest) {
        records = complete_fields(conn, object, &fields, &after, upper, records).await?;
    }
    let after = match &high {
        Some((t, id)) => Some((*t, Some(id.clone()))),
        None => after,
    };
    // Every read is ordered by (SystemModstamp, Id), so the page's highest position is a
    // valid place to resume from; a full read also keeps the REST continuation.
    let resume = |token: Option<String>| {
        if full {
            Cursor::Full {
                token,
                then: Some(Box::new(cursor_of(&after))),
            }
        } else {
            cursor_of(&after)
        }
    };
    let (cursor, step) = match then {
        Then::Rest(url) => (resume(Some(url.clone())), Step::More { url, after, full }),
        Then::Bulk(job, locator) => (
            resume(None),
            Step::BulkMore {
                job,
                locator,
                after: after.clone(),
                full,
            },
        ),
        Then::SwitchToBulk => (
            resume(None),
            Step::BulkStart {
                after: after.clone(),
                full,
            },
        ),
        Then::Finished => (cursor_of(&after), Step::Done),
    };
    Ok((
        PullPage {
            records,
            next: cursor,
        },
        step,
    ))
}

/// Length of the instance host assumed when sizing queries; My Domain hosts are far shorter.
const HOST_ALLOWANCE: usize = 200;

/// The field groups of a pull of `fields`.
fn groups(
    conn: &SalesforceConnector,
    object: &str,
    fields: &[String],
) -> Result<Vec<Vec<String>>, ConnectorError> {
    let base = format!(
        "https://{}/services/data/v{}/queryAll",
        "x".repeat(HOST_ALLOWANCE),
        conn.config.api_version
    );
    let stamp = DateTime::<Utc>::UNIX_EPOCH;
    let longest = |g: &[String]| {
        let id = "0".repeat(18);
        let range = Range {
            after: Some((stamp, Some(id.as_str()))),
            until: Some((stamp, id.as_str())),
        };
        pull_query(object, g, &range)
    };
    split_fields(&base, fields, conn.request_budget, longest).ok_or_else(|| {
        ConnectorError::new(
            CONNECTOR,
            ErrorKind::Config,
            format!("a query of {object} does not fit Salesforce's request size limit"),
        )
    })
}

async fn query(
    conn: &SalesforceConnector,
    object: &str,
    fields: &[String],
    after: &Option<(DateTime<Utc>, Option<String>)>,
) -> Result<QueryPage, ConnectorError> {
    let first = groups(conn, object, fields)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let range = Range {
        after: after.as_ref().map(|(t, id)| (*t, id.as_deref())),
        until: None,
    };
    run_soql(conn, &pull_query(object, &first, &range)).await
}

async fn run_soql(conn: &SalesforceConnector, soql: &str) -> Result<QueryPage, ConnectorError> {
    let response = conn
        .call(|s| HttpRequest::get(conn.data_url(s, "/queryAll")).query("q", soql))
        .await?;
    parse_page(&response.body)
}

async fn fetch(conn: &SalesforceConnector, url: &str) -> Result<QueryPage, ConnectorError> {
    let response = conn
        .call(|s| HttpRequest::get(format!("{}{url}", s.instance_url)))
        .await?;
    parse_page(&response.body)
}

fn parse_page(body: &[u8]) -> Result<QueryPage, ConnectorError> {
    serde_json::from_slice(body).map_err(|e| {
        ConnectorError::new(
            CONNECTOR,
            ErrorKind::Remote,
            "query response has an unexpected shape",
        )
        .with_source(e)
    })
}

/// Reads the other field groups for the range `(after, upper]` and merges them into
/// `records` by `Id`.
async fn complete_fields(
    conn: &SalesforceConnector,
    object: &str,
    fields: &[String],
    after: &Option<(DateTime<Utc>, Option<String>)>,
    upper: &Mark,
    records: Vec<RemoteRecord>,
) -> Result<Vec<RemoteRecord>, ConnectorError> {
    let groups = groups(conn, object, fields)?;
    if groups.len() < 2 {
        return Ok(records);
    }
    let mut by_id: HashMap<String, (RemoteRecord, usize)> = records
        .iter()
        .map(|r| (r.id.clone(), (r.clone(), 1)))
        .collect();
    for group in groups.iter().skip(1) {
        let range = Range {
            after: after.as_ref().map(|(t, id)| (*t, id.as_deref())),
            until: Some((upper.0, upper.1.as_str())),
        };
        let mut page = run_soql(conn, &pull_query(object, group, &range)).await?;
        loop {
            for row in &page.records {
                let Some(extra) = record_from_json(object, row) else {
                    continue;
                };
                if let Some((rec, seen)) = by_id.get_mut(&extra.id) {
                    if rec.modified_at == extra.modified_at {
                        rec.fields.extend(extra.fields);
                        *seen += 1;
                    }
                }
            }
            match page.next_records_url.filter(|_| !page.done) {
                Some(url) => page = fetch(conn, &url).await?,
                None => break,
            }
        }
    }
    let complete = groups.len();
    Ok(records
        .into_iter()
        .filter_map(|r| {
            by_id
                .remove(&r.id)
                .filter(|(_, n)| *n == complete)
                .map(|(r, _)| r)
        })
        .collect())
}

#[cfg(all(test, feature = "emulator"))]
#[path = "pull_tests.rs"]
mod tests;
