//! Call counts and throughput of the HubSpot connector against its emulator at the Starter
//! tier's documented quota: 100 requests per rolling 10 seconds, and search in a bucket of
//! its own at 5 requests per second. The emulator enforces the same quota, answering 429
//! when it is exceeded.
//!
//! Seeds `N` contacts (default 10,000), then measures three paths, each from a cleared
//! request log: a full pull (property list, list pages, the archived pass), a push of every
//! record (batch upsert), and an incremental pull of the pushed changes (search pages plus
//! the archived pass). For each it prints the calls the emulator served and the client sent,
//! the fewest calls the page and batch caps allow, the overhead, the 429s, the wall time and
//! the records per second against the most the quota allows (records per call × calls per
//! second of the bucket the data calls use).
//!
//! ```text
//! cargo run --release -p crmsync-hubspot --features emulator --example hubspot_bench_calls [N]
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use crmsync_hubspot::emulator::{seed_contacts, Emulator, Limits, RunningEmulator, Tier};
use crmsync_hubspot::{HubspotConfig, HubspotConnector, LIST_PAGE_MAX, MAX_BATCH, SEARCH_PAGE_MAX};
use crmsync_sdk::crm::{CrmConnector, Cursor, OutboundRecord, RemoteRecord, WriteOutcome};
use futures::StreamExt;

const TOKEN: &str = "pat-na1-00000000-bench";
const ENV: &str = "HUBSPOT_BENCH_TOKEN";

/// One measured path.
struct Row {
    path: &'static str,
    records: usize,
    served: usize,
    sent: u64,
    minimum: usize,
    too_many: usize,
    wall: Duration,
    /// Records per second the quota allows on this path.
    quota_rate: f64,
}

impl Row {
    fn overhead(&self) -> f64 {
        (self.served as f64 - self.minimum as f64) * 100.0 / self.minimum.max(1) as f64
    }

    fn rate(&self) -> f64 {
        self.records as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// What the emulator logged and the client counted around `run`.
async fn measure<T, F>(
    emu: &RunningEmulator,
    conn: &HubspotConnector,
    run: F,
) -> Result<(T, usize, u64, usize, Duration), Box<dyn Error>>
where
    F: std::future::Future<Output = Result<T, Box<dyn Error>>>,
{
    emu.clear_request_log();
    let before = conn.stats();
    let started = Instant::now();
    let out = run.await?;
    let wall = started.elapsed();
    let log = emu.request_log();
    let too_many = log.iter().filter(|e| e.status == 429).count();
    let sent = conn.stats().requests - before.requests;
    let limited = conn.stats().rate_limited - before.rate_limited;
    Ok((out, log.len(), sent, too_many.max(limited as usize), wall))
}

async fn pull_all(
    conn: &HubspotConnector,
    cursor: Option<Cursor>,
) -> Result<(Vec<RemoteRecord>, Option<Cursor>), Box<dyn Error>> {
    let mut stream = conn.pull("contacts", cursor);
    let mut records = Vec::new();
    let mut last = None;
    while let Some(page) = stream.next().await {
        let page = page?;
        records.extend(page.records);
        last = Some(page.next);
    }
    Ok((records, last))
}

fn pages(records: usize, per_call: u32) -> usize {
    records.div_ceil(per_call as usize)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 10_000,
    };
    let limits = Limits::for_tier(Tier::Starter);
    let emu = Emulator::builder()
        .tier(Tier::Starter)
        .token(TOKEN)
        .seed(seed_contacts(n, 7))
        .build()?
        .start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await?;
    let config = HubspotConfig {
        token_env: Some(ENV.to_owned()),
        base_url: emu.base_url.clone(),
        ..HubspotConfig::default()
    };
    let list_page = config.list_page_size.min(LIST_PAGE_MAX);
    let search_page = config.search_page_size.min(SEARCH_PAGE_MAX);
    let env = |name: &str| (name == ENV).then(|| TOKEN.to_owned());
    let conn = HubspotConnector::new(config, &env)?;
    let standard_per_s = f64::from(limits.ten_secondly) / 10.0;
    let search_per_s = f64::from(limits.search_per_second);
    let mut rows = Vec::new();

    // Full pull: one property list, the list pages, one archived page (none are archived).
    let ((records, cursor), served, sent, too_many, wall) =
        measure(&emu, &conn, pull_all(&conn, None)).await?;
    rows.push(Row {
        path: "full pull (list)",
        records: records.len(),
        served,
        sent,
        minimum: 1 + pages(records.len(), list_page) + 1,
        too_many,
        wall,
        quota_rate: standard_per_s * f64::from(list_page),
    });

    // Push: every record changed, upserted by email.
    let batch: Vec<OutboundRecord> = records
        .iter()
        .enumerate()
        .map(|(i, r)| OutboundRecord {
            local_id: i as i64 + 1,
            remote_id: None,
            fields: BTreeMap::from([
                ("email".to_owned(), r.fields.get("email").cloned().flatten()),
                ("jobtitle".to_owned(), Some(format!("Bench title {i}"))),
            ]),
        })
        .collect();
    let push = async {
        let mut outcomes = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(conn.max_batch()) {
            outcomes.extend(conn.push("contacts", chunk).await?);
        }
        Ok::<_, Box<dyn Error>>(outcomes)
    };
    let (outcomes, served, sent, too_many, wall) = measure(&emu, &conn, push).await?;
    let updated = outcomes
        .iter()
        .filter(|o| matches!(o, WriteOutcome::Updated { .. }))
        .count();
    rows.push(Row {
        path: "push (batch upsert)",
        records: batch.len(),
        served,
        sent,
        minimum: pages(batch.len(), MAX_BATCH as u32),
        too_many,
        wall,
        quota_rate: standard_per_s * MAX_BATCH as f64,
    });

    // Incremental pull of the pushed changes: one property list, search pages, one archived
    // page.
    let ((changed, _), served, sent, too_many, wall) =
        measure(&emu, &conn, pull_all(&conn, cursor)).await?;
    rows.push(Row {
        path: "incremental pull (search)",
        records: changed.len(),
        served,
        sent,
        minimum: 1 + pages(changed.len(), search_page) + 1,
        too_many,
        wall,
        quota_rate: search_per_s * f64::from(search_page),
    });

    println!(
        "HubSpot connector against the emulator at the Starter quota ({} requests / 10 s, \
         search {} / s), {n} contacts",
        limits.ten_secondly, limits.search_per_second
    );
    println!(
        "push outcomes: {updated} updated of {} (the rest: {})",
        outcomes.len(),
        outcomes.len() - updated
    );
    println!();
    println!(
        "| path | records | calls (served / sent) | minimum | overhead | calls per 10k | 429s | \
         wall | records/s | quota max records/s | share of quota |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {} | {} / {} | {} | {:.1}% | {:.1} | {} | {:.2} s | {:.0} | {:.0} | {:.1}% |",
            row.path,
            row.records,
            row.served,
            row.sent,
            row.minimum,
            row.overhead(),
            row.served as f64 * 10_000.0 / row.records.max(1) as f64,
            row.too_many,
            row.wall.as_secs_f64(),
            row.rate(),
            row.quota_rate,
            row.rate() * 100.0 / row.quota_rate,
        );
    }
    println!();
    println!(
        "minimum = records / page or batch cap (list {list_page}, search {search_page}, batch \
         {MAX_BATCH}), plus one property-list call and one archived-records page per pull"
    );
    emu.shutdown().await;
    Ok(())
}
