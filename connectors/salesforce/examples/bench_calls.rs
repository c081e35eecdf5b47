//! API calls and throughput of the Salesforce connector against its emulator, per path:
//! REST query and Bulk API 2.0 query pulls (full and incremental), sObject Collections and
//! Bulk API 2.0 ingest pushes.
//!
//! Seeds `N` Leads (default 10,000) and runs, each from a cleared request log: a full pull
//! over REST and one that continues through a Bulk query job, a push of every record through
//! Collections and one through a Bulk ingest job (both update all records), then incremental
//! pulls of those changes over both query paths. Salesforce meters calls per rolling 24 hours
//! rather than per second, so the figure that matters is calls against the fewest the caps
//! allow: REST pages of 2,000 rows, Bulk results pages, 200 records per Collections call, and
//! for a Bulk job its create, upload, close, one status poll and one result read. The
//! emulator finishes Bulk jobs about 0.2 s after the upload closes (its default); on a real
//! org jobs take longer and extra status polls add calls.
//!
//! ```text
//! cargo run --release -p crmsync-salesforce --features emulator --example salesforce_bench_calls [N]
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::time::{Duration, Instant};

use crmsync_salesforce::bulk_csv::{build_uploads, UPLOAD_MAX_BYTES};
use crmsync_salesforce::client::{COLLECTIONS_MAX, QUERY_PAGE_MAX};
use crmsync_salesforce::emulator::{seed_leads, Emulator, RunningEmulator};
use crmsync_salesforce::push::external_id_value;
use crmsync_salesforce::{SalesforceConfig, SalesforceConnector, BULK_PAGE_ROWS, JOB_MIN_CALLS};
use crmsync_sdk::crm::{CrmConnector, Cursor, OutboundRecord, RemoteRecord, WriteOutcome};
use futures::StreamExt;

const TOKEN: &str = "00D000000000001!bench-access-token";

/// One measured path.
struct Row {
    path: &'static str,
    records: usize,
    served: usize,
    sent: u64,
    minimum: usize,
    rate_limited: u64,
    wall: Duration,
}

impl Row {
    fn overhead(&self) -> f64 {
        (self.served as f64 - self.minimum as f64) * 100.0 / self.minimum.max(1) as f64
    }
}

fn connector(emu: &RunningEmulator, extra: &str) -> Result<SalesforceConnector, Box<dyn Error>> {
    let text = format!(
        "auth = \"access_token\"\naccess_token_env = \"SF_BENCH_TOKEN\"\n\
         instance_url = \"{}\"\nobjects = [\"Lead\"]\n{extra}",
        emu.instance_url
    );
    let config: SalesforceConfig = toml::from_str(&text)?;
    let creds = config.resolve_with(|name| (name == "SF_BENCH_TOKEN").then(|| TOKEN.into()))?;
    Ok(SalesforceConnector::with_credentials(config, creds)?)
}

async fn pull_all(
    conn: &SalesforceConnector,
    cursor: Option<Cursor>,
) -> Result<(Vec<RemoteRecord>, Option<Cursor>), Box<dyn Error>> {
    let mut stream = conn.pull("Lead", cursor);
    let mut records = Vec::new();
    let mut last = None;
    while let Some(page) = stream.next().await {
        let page = page?;
        records.extend(page.records);
        last = Some(page.next);
    }
    Ok((records, last))
}

async fn push_all(
    conn: &SalesforceConnector,
    batch: &[OutboundRecord],
) -> Result<Vec<WriteOutcome>, Box<dyn Error>> {
    let mut outcomes = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(conn.max_batch()) {
        outcomes.extend(conn.push("Lead", chunk).await?);
    }
    Ok(outcomes)
}

/// Calls the emulator served and the client sent around `run`, and its wall time.
async fn measure<T>(
    emu: &RunningEmulator,
    conn: &SalesforceConnector,
    run: impl std::future::Future<Output = Result<T, Box<dyn Error>>>,
) -> Result<(T, usize, u64, u64, Duration), Box<dyn Error>> {
    emu.clear_request_log();
    let before = conn.http_stats();
    let started = Instant::now();
    let out = run.await?;
    let wall = started.elapsed();
    let after = conn.http_stats();
    Ok((
        out,
        emu.request_log().len(),
        after.requests - before.requests,
        after.rate_limited - before.rate_limited,
        wall,
    ))
}

/// The fewest calls of a pull that reads its first REST page and, when more than `threshold`
/// rows remain, continues through one Bulk query job.
fn pull_minimum(records: usize, threshold: u64) -> usize {
    if records <= QUERY_PAGE_MAX || records as u64 <= threshold {
        return records.div_ceil(QUERY_PAGE_MAX).max(1);
    }
    let rest = records - QUERY_PAGE_MAX;
    // REST page + job create + one status poll + results pages.
    1 + 1 + 1 + rest.div_ceil(BULK_PAGE_ROWS)
}

fn changes(records: &[RemoteRecord], round: usize) -> Vec<OutboundRecord> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| OutboundRecord {
            local_id: i as i64 + 1,
            remote_id: Some(r.id.clone()),
            fields: BTreeMap::from([
                (
                    "Crmsync_Id__c".to_string(),
                    r.fields.get("Crmsync_Id__c").cloned().flatten(),
                ),
                (
                    "Title".to_string(),
                    Some(format!("Bench title {round}-{i}")),
                ),
                (
                    "Description".to_string(),
                    Some(format!(
                        "Round {round}, record {i}: \"quoted\", with commas"
                    )),
                ),
            ]),
        })
        .collect()
}

fn updated(outcomes: &[WriteOutcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o, WriteOutcome::Updated { .. }))
        .count()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 10_000,
    };
    let emu = Emulator::builder()
        .access_token(Some(TOKEN.into()))
        .seed(seed_leads(n, 7))
        .build()
        .start_local()
        .await?;
    // REST only, Collections only: thresholds above anything this run sends.
    let rest = connector(
        &emu,
        "bulk_threshold = 100000000\nbulk_push_threshold = 100000000",
    )?;
    // Bulk query above 2,000 remaining rows, Bulk ingest above 2,000 records (the default).
    let bulk_threshold = 2_000;
    let bulk = connector(&emu, &format!("bulk_threshold = {bulk_threshold}"))?;
    // Field discovery (one describe per object, cached) happens once per run, before pulls.
    rest.discover().await?;
    bulk.discover().await?;
    let mut rows = Vec::new();

    let ((records, rest_cursor), served, sent, limited, wall) =
        measure(&emu, &rest, pull_all(&rest, None)).await?;
    rows.push(Row {
        path: "REST query, full pull",
        records: records.len(),
        served,
        sent,
        minimum: records.len().div_ceil(QUERY_PAGE_MAX),
        rate_limited: limited,
        wall,
    });

    let ((bulk_records, bulk_cursor), served, sent, limited, wall) =
        measure(&emu, &bulk, pull_all(&bulk, None)).await?;
    rows.push(Row {
        path: "Bulk query, full pull",
        records: bulk_records.len(),
        served,
        sent,
        minimum: pull_minimum(bulk_records.len(), bulk_threshold),
        rate_limited: limited,
        wall,
    });

    let batch = changes(&records, 1);
    let (outcomes, served, sent, limited, wall) =
        measure(&emu, &rest, push_all(&rest, &batch)).await?;
    let collections_updated = updated(&outcomes);
    rows.push(Row {
        path: "Collections push",
        records: batch.len(),
        served,
        sent,
        minimum: batch.len().div_ceil(COLLECTIONS_MAX),
        rate_limited: limited,
        wall,
    });

    let batch = changes(&records, 2);
    let keys: Vec<String> = batch
        .iter()
        .map(|r| external_id_value(r, "Crmsync_Id__c"))
        .collect();
    let jobs = batch
        .chunks(bulk.max_batch())
        .enumerate()
        .map(|(c, chunk)| {
            let start = c * bulk.max_batch();
            let local: Vec<usize> = (0..chunk.len()).collect();
            build_uploads(
                chunk,
                &keys[start..start + chunk.len()],
                &local,
                "Crmsync_Id__c",
                UPLOAD_MAX_BYTES,
            )
            .len()
        })
        .sum::<usize>();
    let (outcomes, served, sent, limited, wall) =
        measure(&emu, &bulk, push_all(&bulk, &batch)).await?;
    let bulk_updated = updated(&outcomes);
    rows.push(Row {
        path: "Bulk ingest push",
        records: batch.len(),
        served,
        sent,
        minimum: jobs * JOB_MIN_CALLS as usize,
        rate_limited: limited,
        wall,
    });

    let ((changed, _), served, sent, limited, wall) =
        measure(&emu, &rest, pull_all(&rest, rest_cursor)).await?;
    rows.push(Row {
        path: "REST query, incremental pull",
        records: changed.len(),
        served,
        sent,
        minimum: changed.len().div_ceil(QUERY_PAGE_MAX).max(1),
        rate_limited: limited,
        wall,
    });

    let ((changed, _), served, sent, limited, wall) =
        measure(&emu, &bulk, pull_all(&bulk, bulk_cursor)).await?;
    rows.push(Row {
        path: "Bulk query, incremental pull",
        records: changed.len(),
        served,
        sent,
        minimum: pull_minimum(changed.len(), bulk_threshold),
        rate_limited: limited,
        wall,
    });

    println!("Salesforce connector against the emulator, {n} Leads");
    println!(
        "push outcomes: Collections {collections_updated} updated of {n}, Bulk ingest \
         {bulk_updated} updated of {n}"
    );
    println!();
    println!(
        "| path | records | calls (served / sent) | minimum | overhead | calls per 10k | \
         429s | wall | records/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {} | {} / {} | {} | {:.1}% | {:.1} | {} | {:.2} s | {:.0} |",
            row.path,
            row.records,
            row.served,
            row.sent,
            row.minimum,
            row.overhead(),
            row.served as f64 * 10_000.0 / row.records.max(1) as f64,
            row.rate_limited,
            row.wall.as_secs_f64(),
            row.records as f64 / row.wall.as_secs_f64().max(1e-9),
        );
    }
    println!();
    println!(
        "minimum: REST pages of {QUERY_PAGE_MAX}; a Bulk query pull reads one REST page, then \
         create + 1 status poll + results pages of {BULK_PAGE_ROWS}; Collections calls of \
         {COLLECTIONS_MAX}; {JOB_MIN_CALLS} calls per Bulk ingest job ({jobs} job(s) for \
         uploads of at most {UPLOAD_MAX_BYTES} bytes). Field discovery (one describe per \
         connector) is done before the pulls and not counted."
    );
    emu.shutdown().await;
    Ok(())
}
