//! `crmsync pull|push|sync` against the HubSpot emulator over real HTTP, into SQLite and
//! PostgreSQL: full and incremental pulls, echo-free pushes, batch call counts, partial
//! failures, conflicts, faults, the daily quota and secrets kept out of logs.

mod common;

use common::{code, stderr, stdout, TestDb};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, Limits, RunningEmulator};
use std::collections::BTreeMap;
use std::net::SocketAddr;

const TOKEN: &str = "pat-na1-test-7d1c0ffee5ecret";
const ENV: (&str, &str) = ("HUBSPOT_TOKEN", TOKEN);

fn roomy() -> Limits {
    Limits {
        ten_secondly: 1_000_000,
        daily: 100_000_000,
        search_per_second: 100_000,
    }
}

async fn emulator(contacts: usize, limits: Limits) -> RunningEmulator {
    Emulator::builder()
        .token(TOKEN)
        .limits(limits)
        .seed(seed_contacts(contacts, 11))
        .build()
        .expect("emulator builds")
        .start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("emulator starts")
}

fn write_config(db: &TestDb, running: &RunningEmulator, extra: &str) {
    db.write(
        "crmsync.toml",
        format!(
            "[connectors.hs]\ntype = \"hubspot\"\ntoken_env = \"HUBSPOT_TOKEN\"\n\
             base_url = \"{}\"\nobjects = [\"contacts\"]\nten_secondly_limit = 100000\n\
             search_per_second = 100000\n{extra}",
            running.base_url
        ),
    );
}

async fn run(db: &TestDb, args: &[&str]) -> std::process::Output {
    db.crmsync_env(args, &[ENV]).await
}

/// (email, first, last, company, title, phone digits) per HubSpot id, from the emulator.
fn emulator_content(running: &RunningEmulator) -> BTreeMap<String, Vec<String>> {
    running
        .all("contacts")
        .into_iter()
        .filter(|r| !r.archived)
        .map(|r| {
            let p = |k: &str| r.properties.get(k).cloned().unwrap_or_default();
            let row = vec![
                p("email").to_lowercase(),
                p("firstname"),
                p("lastname"),
                p("company"),
                p("jobtitle"),
                common::stored_phone(&p("phone")),
            ];
            (r.id.clone(), row)
        })
        .collect()
}

async fn store_content(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    let pool = db.pool().await;
    pool.rows(
        "SELECT l.source_id, r.email, r.first_name, r.last_name, r.company, r.title, r.phone \
         FROM record_links l JOIN records r ON r.id = l.record_id \
         WHERE l.system = 'hs' AND l.object = 'contacts' AND NOT l.deleted",
    )
    .await
    .into_iter()
    .map(|row| {
        let v = |i: usize| row[i].clone().unwrap_or_default();
        (v(0), vec![v(1), v(2), v(3), v(4), v(5), v(6)])
    })
    .collect()
}

fn calls(running: &RunningEmulator, method: &str, path_part: &str) -> usize {
    running
        .request_log()
        .iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_pull_incremental_pull_and_echo_free_push() {
    for db in TestDb::both().await {
        let running = emulator(25_000, roomy()).await;
        write_config(&db, &running, "");
        let out = run(&db, &["pull", "hs", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let summary = common::json(&out);
        let pull = &summary["pulls"][0];
        assert_eq!(pull["mode"], "full");
        assert_eq!(pull["counts"]["rows_read"], 25_000);
        assert_eq!(pull["counts"]["inserted"], 25_000);
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&running),
            "store vs emulator",
        );

        // 100 edits in HubSpot; the next pull is incremental (search only) and fetches them.
        let ids: Vec<String> = running
            .all("contacts")
            .iter()
            .step_by(250)
            .map(|r| r.id.clone())
            .collect();
        assert_eq!(ids.len(), 100);
        for id in &ids {
            running
                .edit("contacts", id, [("jobtitle", format!("Chief {id}"))])
                .unwrap();
        }
        running.clear_request_log();
        let out = run(&db, &["pull", "hs", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let pull = &common::json(&out)["pulls"][0];
        assert_eq!(pull["mode"], "incremental");
        assert_eq!(pull["counts"]["updated"], 100, "{pull}");
        assert_eq!(pull["counts"]["inserted"], 0);
        let fetched = pull["counts"]["rows_read"].as_i64().unwrap();
        assert!(
            (100..=110).contains(&fetched),
            "fetched {fetched}: only the edits (plus overlap)"
        );
        let lists = running
            .request_log()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/objects/contacts"))
            .filter(|r| !r.query.as_deref().unwrap_or("").contains("archived=true"))
            .count();
        assert_eq!(
            lists, 0,
            "no list calls besides the archived (deletes) pass"
        );
        assert!(calls(&running, "POST", "/search") >= 1);
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&running),
            "store vs emulator",
        );
        let pool = db.pool().await;
        let audited = pool
            .count("SELECT COUNT(*) FROM audit_log WHERE system = 'hs' AND field = 'title'")
            .await;
        assert_eq!(audited, 100);

        // Nothing changed locally: a push sends nothing (echo suppression), twice.
        for _ in 0..2 {
            running.clear_request_log();
            let out = run(&db, &["push", "hs", "--json"]).await;
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            assert_eq!(common::json(&out)["push"]["counts"]["rows_read"], 0);
            assert_eq!(calls(&running, "POST", "/batch/"), 0);
        }
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_leads_and_local_edits_push_in_batches_with_partial_failures() {
    for db in TestDb::both().await {
        let running = emulator(500, roomy()).await;
        write_config(&db, &running, "");
        assert_eq!(code(&run(&db, &["pull", "hs"]).await), 0);

        // 1,000 local changes: 600 edits of pulled contacts and 400 new leads from a file.
        let pool = db.pool().await;
        let updated = pool
            .execute("UPDATE records SET title = 'Edited ' || id WHERE id <= 600")
            .await;
        assert_eq!(updated, 500, "every pulled record edited");
        let mut csv = String::from("Email,First Name,Last Name,Company Name\n");
        for i in 0..500 {
            csv.push_str(&format!("lead{i}@newco.example,Lee,Ng{i},NewCo\n"));
        }
        let file = db.write("leads.csv", csv);
        let out = run(&db, &["import", file.to_str().unwrap()]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));

        // Three leads fail HubSpot's validation.
        running.set_faults(Faults {
            reject_ids: [
                "lead7@newco.example",
                "lead70@newco.example",
                "lead77@newco.example",
            ]
            .map(str::to_owned)
            .into(),
            ..Faults::none()
        });
        running.clear_request_log();
        let out = run(&db, &["push", "hs", "--json"]).await;
        assert_eq!(code(&out), 4, "rejects → exit 4; {}", stderr(&out));
        let push = &common::json(&out)["push"];
        assert_eq!(push["counts"]["rows_read"], 1_000, "{push}");
        assert_eq!(push["counts"]["updated"], 500);
        assert_eq!(push["counts"]["inserted"], 497);
        assert_eq!(push["counts"]["rejected"], 3);
        let batch_calls = calls(&running, "POST", "/batch/");
        assert_eq!(batch_calls, 10, "1,000 records in 100-record batches");
        assert_eq!(running.count("contacts"), 500 + 497);
        let edited = running
            .all("contacts")
            .iter()
            .filter(|r| {
                r.properties
                    .get("jobtitle")
                    .is_some_and(|t| t.starts_with("Edited "))
            })
            .count();
        assert_eq!(edited, 500);
        let failed = pool
            .rows("SELECT last_error FROM outbox WHERE system = 'hs' AND status = 'failed'")
            .await;
        assert_eq!(failed.len(), 3);
        assert!(
            failed.iter().all(|r| {
                let e = r[0].as_deref().unwrap_or("");
                e.starts_with("VALIDATION_ERROR") && e.contains("@newco.example was rejected")
            }),
            "{failed:?}"
        );

        // The next sync pulls our own writes back as echoes and pushes nothing new; the
        // refused rows stay refused until edited.
        running.clear_request_log();
        let out = run(&db, &["sync", "hs", "--json"]).await;
        let v = common::json(&out);
        assert_eq!(v["pulls"][0]["counts"]["updated"], 0, "{v}");
        assert_eq!(v["pulls"][0]["counts"]["inserted"], 0, "{v}");
        assert_eq!(v["push"]["counts"]["rows_read"], 0, "{v}");
        assert_eq!(calls(&running, "POST", "/batch/"), 0);
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_follow_the_policy_and_manual_ones_stay_open() {
    for db in TestDb::both().await {
        let running = emulator(20, roomy()).await;
        write_config(
            &db,
            &running,
            "[sync]\npolicy = \"newest\"\n[sync.field_policy]\nlast_name = \"manual\"\n",
        );
        assert_eq!(code(&run(&db, &["pull", "hs"]).await), 0);
        let target = running.all("contacts")[3].clone();
        let pool = db.pool().await;
        let sql = format!(
            "UPDATE records SET title = 'Local title', last_name = 'LocalLast', \
             updated_at = '2001-01-01T00:00:00Z' WHERE id = (SELECT record_id FROM record_links \
             WHERE source_id = '{}')",
            target.id
        );
        assert_eq!(pool.execute(&sql).await, 1);
        running
            .edit(
                "contacts",
                &target.id,
                [("jobtitle", "Remote title"), ("lastname", "RemoteLast")],
            )
            .unwrap();
        let out = run(&db, &["pull", "hs", "--json"]).await;
        assert_eq!(code(&out), 4, "an open conflict → exit 4; {}", stderr(&out));
        let rows = pool
            .rows(
                "SELECT field, base_value, local_value, remote_value, policy, status, resolved_value \
                 FROM conflict_log ORDER BY field",
            )
            .await;
        let base_title = target.properties.get("jobtitle").cloned();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(
            rows[0],
            vec![
                Some("last_name".into()),
                target.properties.get("lastname").cloned(),
                Some("LocalLast".into()),
                Some("RemoteLast".into()),
                Some("manual".into()),
                Some("open".into()),
                None
            ]
        );
        assert_eq!(
            rows[1],
            vec![
                Some("title".into()),
                base_title,
                Some("Local title".into()),
                Some("Remote title".into()),
                Some("newest".into()),
                Some("auto_resolved".into()),
                Some("Remote title".into())
            ]
        );
        let local = pool
            .rows(&format!(
                "SELECT r.title, r.last_name FROM records r JOIN record_links l ON l.record_id = r.id \
                 WHERE l.source_id = '{}'",
                target.id
            ))
            .await;
        assert_eq!(
            local[0],
            vec![Some("Remote title".into()), Some("LocalLast".into())]
        );

        // A push leaves the open field alone on the CRM side too.
        let out = run(&db, &["push", "hs", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            running.record("contacts", &target.id).unwrap().properties["lastname"],
            "RemoteLast"
        );
        let listed = run(&db, &["conflicts", "--status", "open"]).await;
        assert!(
            stdout(&listed).contains("last_name [open] manual"),
            "{}",
            stdout(&listed)
        );
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_leave_the_same_end_state_and_the_token_stays_out_of_logs() {
    for db in TestDb::both().await {
        let clean = emulator(3_000, roomy()).await;
        let faulty = emulator(3_000, roomy()).await;
        faulty.set_faults(Faults {
            server_error_probability: 0.10,
            rate_limit_probability: 0.05,
            seed: 42,
            ..Faults::none()
        });
        let clean_db = TestDb::sqlite();
        write_config(&clean_db, &clean, "");
        write_config(&db, &faulty, "");
        assert_eq!(code(&run(&clean_db, &["pull", "hs"]).await), 0);
        let out = db
            .crmsync_env(&["-vv", "pull", "hs"], &[ENV, ("CRMSYNC_LOG", "trace")])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let log = faulty.request_log();
        let faults = log
            .iter()
            .filter(|r| r.status >= 429 || r.status == 0)
            .count();
        let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
        assert!(faults > 0, "faults were injected: {statuses:?}");
        common::assert_same_content(
            &store_content(&db).await,
            &store_content(&clean_db).await,
            "faulty vs clean",
        );
        let logs = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            logs.contains("retrying request"),
            "trace logs captured the retries"
        );
        assert!(!logs.contains(TOKEN), "token leaked into logs");
        let pool = db.pool().await;
        let leaks = pool
            .count(&format!(
                "SELECT COUNT(*) FROM runs WHERE CAST(options AS TEXT) LIKE '%{TOKEN}%' \
                 OR error LIKE '%{TOKEN}%' OR CAST(stats AS TEXT) LIKE '%{TOKEN}%'"
            ))
            .await;
        assert_eq!(leaks, 0);
        clean.shutdown().await;
        faulty.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quota_stops_cleanly_and_the_next_run_resumes() {
    for db in TestDb::both().await {
        let mut limits = roomy();
        limits.daily = 8;
        let running = emulator(1_200, limits).await;
        write_config(&db, &running, "");
        let out = run(&db, &["pull", "hs", "--json"]).await;
        assert_eq!(code(&out), 3, "quota → exit 3; {}", stderr(&out));
        assert!(stderr(&out).contains("resume"), "{}", stderr(&out));
        let first = common::json(&out)["pulls"][0].clone();
        let got = first["counts"]["inserted"].as_i64().unwrap();
        assert!(got > 0 && got < 1_200, "stopped part way: {got}");
        let pool = db.pool().await;
        assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, got);
        let status = pool
            .rows("SELECT status FROM runs ORDER BY id DESC LIMIT 1")
            .await;
        assert_eq!(status[0][0].as_deref(), Some("stopped"));

        running.set_limits(roomy());
        running.clear_request_log();
        let out = run(&db, &["pull", "hs", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let second = &common::json(&out)["pulls"][0];
        assert_eq!(
            second["counts"]["inserted"].as_i64().unwrap(),
            1_200 - got,
            "{second}"
        );
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&running),
            "store vs emulator",
        );
        running.shutdown().await;
    }
}
