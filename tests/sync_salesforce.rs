//! `crmsync pull|push` against the Salesforce emulator over real HTTP, into SQLite and
//! PostgreSQL: JWT login through the CLI, REST and Bulk full pulls, incremental pulls with
//! boundary timestamps, deletes, Collections and Bulk pushes, the daily allowance, faults and
//! secrets kept out of logs.

mod common;

use common::{code, stderr, stdout, TestDb};
use crmsync_salesforce::emulator::{
    seed_leads, Emulator, EmulatorBuilder, Faults, RunningEmulator,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "00D000000000001!sync-test-access-token";
const CLIENT_ID: &str = "3MVG9-sync-consumer-key";
const USER: &str = "integration@crmsync.example";
const PUBLIC: &str =
    include_str!("../connectors/salesforce/tests/fixtures/test_only_rsa_public_key.pem");

fn key_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/connectors/salesforce/tests/fixtures/test_only_rsa_private_key.pem"
    )
    .to_string()
}

async fn emulator(builder: EmulatorBuilder) -> RunningEmulator {
    builder
        .access_token(Some(TOKEN.to_string()))
        .jwt_public_key_pem(PUBLIC)
        .oauth_client(CLIENT_ID, "unused-secret", "unused-refresh")
        .username(USER)
        .bulk_delay(Duration::from_millis(20))
        .build()
        .start_local()
        .await
        .expect("emulator starts")
}

const ENVS: [(&str, &str); 2] = [("SF_CLIENT_ID", CLIENT_ID), ("SF_TOKEN", TOKEN)];

fn write_config(db: &TestDb, emu: &RunningEmulator, auth: &str, extra: &str) {
    let auth_lines = match auth {
        "jwt" => format!(
            "auth = \"jwt\"\nclient_id_env = \"SF_CLIENT_ID\"\nusername = \"{USER}\"\n\
             private_key_path = \"{}\"\n",
            key_path()
        ),
        _ => format!(
            "auth = \"access_token\"\naccess_token_env = \"SF_TOKEN\"\ninstance_url = \"{}\"\n",
            emu.instance_url
        ),
    };
    db.write(
        "crmsync.toml",
        format!(
            "[connectors.sf]\ntype = \"salesforce\"\nlogin_url = \"{}\"\n{auth_lines}\
             objects = [\"Lead\"]\n{extra}",
            emu.login_url
        ),
    );
}

async fn run(db: &TestDb, args: &[&str]) -> std::process::Output {
    db.crmsync_env(args, &ENVS).await
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// (email, first, last, company, city, phone digits) per live Lead id, from the emulator.
fn emulator_content(emu: &RunningEmulator) -> BTreeMap<String, Vec<String>> {
    emu.all("Lead")
        .into_iter()
        .filter(|r| r.get("IsDeleted") != Some(&json!(true)))
        .map(|r| {
            let row = vec![
                text(&r, "Email").to_lowercase(),
                text(&r, "FirstName"),
                text(&r, "LastName"),
                text(&r, "Company"),
                text(&r, "City"),
                common::stored_phone(&text(&r, "Phone")),
            ];
            (text(&r, "Id"), row)
        })
        .collect()
}

async fn store_content(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    db.pool()
        .await
        .rows(
            "SELECT l.source_id, r.email, r.first_name, r.last_name, r.company, r.city, r.phone \
             FROM record_links l JOIN records r ON r.id = l.record_id \
             WHERE l.system = 'sf' AND l.object = 'Lead' AND NOT l.deleted",
        )
        .await
        .into_iter()
        .map(|row| {
            let v = |i: usize| row[i].clone().unwrap_or_default();
            (v(0), vec![v(1), v(2), v(3), v(4), v(5), v(6)])
        })
        .collect()
}

fn calls(emu: &RunningEmulator, part: &str) -> usize {
    emu.request_log()
        .iter()
        .filter(|e| e.path.contains(part))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_rest_and_bulk_full_pulls_then_incremental_with_deletes() {
    for db in TestDb::both().await {
        let emu = emulator(Emulator::builder().seed(seed_leads(20_000, 3))).await;
        // REST path: the threshold above the org size keeps the first read on queryAll.
        write_config(&db, &emu, "jwt", "bulk_threshold = 1000000\n");
        let out = run(&db, &["pull", "sf", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let pull = &common::json(&out)["pulls"][0];
        assert_eq!(pull["counts"]["inserted"], 20_000, "{pull}");
        assert_eq!(calls(&emu, "/services/oauth2/token"), 1, "one JWT login");
        assert_eq!(calls(&emu, "/jobs/query"), 0);
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&emu),
            "store vs emulator",
        );

        // Bulk path into a second store of the same dialect family.
        let bulk_db = match db.dialect {
            common::Dialect::Sqlite => TestDb::sqlite(),
            common::Dialect::Postgres => TestDb::postgres().await.expect("postgres"),
        };
        write_config(&bulk_db, &emu, "access_token", "bulk_threshold = 5000\n");
        emu.clear_request_log();
        let out = run(&bulk_db, &["pull", "sf", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(common::json(&out)["pulls"][0]["counts"]["inserted"], 20_000);
        let job_creates = emu
            .request_log()
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/jobs/query"))
            .count();
        assert_eq!(job_creates, 1, "one Bulk query job");
        common::assert_same_content(
            &store_content(&bulk_db).await,
            &emulator_content(&emu),
            "store vs emulator",
        );

        // Edits sharing one SystemModstamp, a delete, and a new Lead: the incremental pull
        // sees exactly those.
        let leads = emu.all("Lead");
        let ids: Vec<String> = leads.iter().step_by(400).map(|r| text(r, "Id")).collect();
        // One stamp after everything the emulator's clock has issued so far.
        let latest = leads
            .iter()
            .filter_map(|r| {
                crmsync::normalize::datetime::parse_timestamp(&text(r, "SystemModstamp"))
            })
            .max()
            .expect("stamps");
        let stamp = latest + chrono::Duration::seconds(1);
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        emu.edit_at("Lead", &id_refs, json!({"City": "Boundaryville"}), stamp)
            .unwrap();
        let gone = text(&leads[7], "Id");
        emu.delete("Lead", &gone).unwrap();
        emu.insert(
            "Lead",
            json!({"LastName": "Newman", "Company": "New Co", "Email": "new@newco.example"}),
        )
        .unwrap();
        emu.clear_request_log();
        let out = run(&db, &["pull", "sf", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let pull = &common::json(&out)["pulls"][0];
        assert_eq!(pull["mode"], "incremental");
        assert_eq!(pull["counts"]["inserted"], 1, "{pull}");
        assert_eq!(pull["stats"]["deleted"], 1, "{pull}");
        assert_eq!(
            pull["counts"]["updated"].as_i64().unwrap(),
            ids.len() as i64 + 1,
            "{pull}"
        );
        assert!(pull["counts"]["rows_read"].as_i64().unwrap() <= ids.len() as i64 + 2 + 5);
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&emu),
            "store vs emulator",
        );
        let pool = db.pool().await;
        let deleted = pool
            .rows(&format!(
                "SELECT CAST(deleted AS TEXT) FROM record_links WHERE source_id = '{gone}'"
            ))
            .await;
        assert!(
            matches!(deleted[0][0].as_deref(), Some("1") | Some("true")),
            "{deleted:?}"
        );
        assert_eq!(calls(&emu, "/queryAll"), 1, "one page of changes");
        emu.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_allowance_stops_the_pull_and_the_next_run_resumes() {
    for db in TestDb::both().await {
        // 50% of a 20-request allowance with 6 used: the pull stops once usage reaches 10.
        let emu = emulator(
            Emulator::builder()
                .seed(seed_leads(9_000, 4))
                .daily_limit(20)
                .api_usage(6),
        )
        .await;
        write_config(&db, &emu, "access_token", "bulk_threshold = 1000000\n");
        let out = run(&db, &["pull", "sf", "--json"]).await;
        assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
        assert!(
            stderr(&out).contains("max_daily_api_percent"),
            "{}",
            stderr(&out)
        );
        let got = common::json(&out)["pulls"][0]["counts"]["inserted"]
            .as_i64()
            .unwrap();
        assert!(got > 0 && got < 9_000, "{got}");
        assert_eq!(
            db.pool().await.count("SELECT COUNT(*) FROM records").await,
            got
        );
        emu.set_api_usage(0);
        let out = run(&db, &["pull", "sf", "--json"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            common::json(&out)["pulls"][0]["counts"]["inserted"]
                .as_i64()
                .unwrap(),
            9_000 - got
        );
        common::assert_same_content(
            &store_content(&db).await,
            &emulator_content(&emu),
            "store vs emulator",
        );
        emu.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_leave_the_same_end_state_and_secrets_stay_out_of_logs() {
    for db in TestDb::both().await {
        let clean = emulator(Emulator::builder().seed(seed_leads(3_000, 5))).await;
        let faulty = emulator(Emulator::builder().seed(seed_leads(3_000, 5))).await;
        faulty.set_faults(Faults {
            seed: 9,
            server_error_probability: 0.10,
            drop_probability: 0.03,
            ..Faults::default()
        });
        let clean_db = TestDb::sqlite();
        write_config(&clean_db, &clean, "jwt", "bulk_threshold = 1000000\n");
        write_config(&db, &faulty, "jwt", "bulk_threshold = 1000000\n");
        assert_eq!(code(&run(&clean_db, &["pull", "sf"]).await), 0);
        let out = db
            .crmsync_env(
                &["-vv", "pull", "sf"],
                &[ENVS[0], ENVS[1], ("CRMSYNC_LOG", "trace")],
            )
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(faulty
            .request_log()
            .iter()
            .any(|e| e.status >= 500 || e.status == 0));
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
        let key = std::fs::read_to_string(key_path()).unwrap();
        let key_line = key.lines().nth(1).unwrap();
        for secret in [TOKEN, key_line] {
            assert!(!logs.contains(secret), "secret leaked into logs");
        }
        clean.shutdown().await;
        faulty.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_and_bulk_pushes_write_every_record_once_and_map_failures_back() {
    for db in TestDb::both().await {
        let emu = emulator(Emulator::builder().seed(seed_leads(3_000, 6))).await;
        write_config(
            &db,
            &emu,
            "access_token",
            "bulk_threshold = 1000000\nbulk_push_threshold = 2000\n",
        );
        let out = run(&db, &["pull", "sf"]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));

        // 1,000 local edits of Leads that came from Salesforce: updates by Id, 5 calls.
        let pool = db.pool().await;
        assert_eq!(
            pool.execute("UPDATE records SET title = 'Edited ' || id WHERE id <= 1000")
                .await,
            1_000
        );
        emu.clear_request_log();
        let out = run(&db, &["push", "sf", "--json"]).await;
        let errors = pool.rows("SELECT last_error FROM outbox LIMIT 3").await;
        assert_eq!(code(&out), 0, "{}{} {errors:?}", stdout(&out), stderr(&out));
        let push = &common::json(&out)["push"];
        assert_eq!(push["counts"]["updated"], 1_000, "{push}");
        let collections = emu
            .request_log()
            .iter()
            .filter(|e| e.method == "PATCH" && e.path.ends_with("/composite/sobjects"))
            .count();
        assert_eq!(collections, 5, "1,000 records in 200-record calls");
        assert_eq!(calls(&emu, "/jobs/ingest"), 0);
        assert_eq!(emu.count("Lead"), 3_000, "updates, not new Leads");
        let edited = emu
            .all("Lead")
            .iter()
            .filter(|r| text(r, "Title").starts_with("Edited "))
            .count();
        assert_eq!(edited, 1_000);

        // 2,500 new leads from a spreadsheet, three without a last name: one Bulk job, and
        // each refused row mapped back to its own record.
        let mut csv = String::from("Email,First Name,Last Name,Company\n");
        for i in 0..2_500 {
            let last = if [10, 1_000, 2_499].contains(&i) {
                String::new()
            } else {
                format!("Ng{i}")
            };
            csv.push_str(&format!("bulk{i}@newco.example,Lee,{last},NewCo\n"));
        }
        let file = db.write("leads.csv", csv);
        let out = run(&db, &["import", file.to_str().unwrap()]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        emu.clear_request_log();
        let out = run(&db, &["push", "sf", "--json"]).await;
        assert_eq!(code(&out), 4, "refused rows → exit 4; {}", stderr(&out));
        let push = &common::json(&out)["push"];
        assert_eq!(push["counts"]["inserted"], 2_497, "{push}");
        assert_eq!(push["counts"]["rejected"], 3, "{push}");
        let job_creates = emu
            .request_log()
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/jobs/ingest"))
            .count();
        assert_eq!(job_creates, 1, "one Bulk ingest job");
        assert_eq!(emu.count("Lead"), 5_497);
        let refused = pool
            .rows(
                "SELECT r.email, o.last_error FROM outbox o JOIN records r ON r.id = o.record_id \
                 WHERE o.system = 'sf' AND o.status = 'failed' ORDER BY r.email",
            )
            .await;
        let emails: Vec<_> = refused
            .iter()
            .map(|r| r[0].clone().unwrap_or_default())
            .collect();
        assert_eq!(
            emails,
            [
                "bulk1000@newco.example",
                "bulk10@newco.example",
                "bulk2499@newco.example"
            ]
        );
        assert!(
            refused.iter().all(|r| r[1]
                .as_deref()
                .unwrap_or("")
                .contains("REQUIRED_FIELD_MISSING")),
            "{refused:?}"
        );
        // Our writes come back as echoes: the only news is the value Salesforce filled in on
        // the new Leads (their default Status), and nothing goes back.
        let out = run(&db, &["sync", "sf", "--json"]).await;
        let v = common::json(&out);
        assert_eq!(v["pulls"][0]["counts"]["updated"], 2_497, "{v}");
        assert_eq!(v["push"]["counts"]["rows_read"], 0, "{v}");
        let pulled_fields = pool
            .rows(&format!(
                "SELECT DISTINCT field FROM audit_log WHERE run_id = {} ORDER BY field",
                v["pulls"][0]["run_id"]
            ))
            .await;
        assert_eq!(
            pulled_fields,
            vec![
                vec![Some("lead_status".to_string())],
                vec![Some("source_modified_at".to_string())]
            ]
        );
        // A second sync in a row writes nothing anywhere.
        emu.clear_request_log();
        let out = run(&db, &["sync", "sf", "--json"]).await;
        let v = common::json(&out);
        assert_eq!(v["pulls"][0]["counts"]["updated"], 0, "{v}");
        assert_eq!(v["push"]["counts"]["rows_read"], 0, "{v}");
        let writes = emu
            .request_log()
            .iter()
            .filter(|e| e.method == "PATCH" || e.path.contains("/jobs/ingest"))
            .count();
        assert_eq!(writes, 0);
        emu.shutdown().await;
    }
}
