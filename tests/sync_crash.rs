//! Kill -9 during a pull or a push, rerun, and the end state equals an uninterrupted run:
//! no lost pages, no duplicate records locally or in the CRM, the lease of the dead process
//! taken over at once and its run marked interrupted.

mod common;

use common::{code, stderr, TestDb};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, Limits, RunningEmulator};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-crash-test-token";

async fn emulator(contacts: usize) -> RunningEmulator {
    Emulator::builder()
        .token(TOKEN)
        .limits(Limits {
            ten_secondly: 1_000_000,
            daily: 100_000_000,
            search_per_second: 100_000,
        })
        .seed(seed_contacts(contacts, 21))
        .build()
        .expect("emulator builds")
        .start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("emulator starts")
}

fn config(db: &TestDb, running: &RunningEmulator) {
    db.write(
        "crmsync.toml",
        format!(
            "[connectors.hs]\ntype = \"hubspot\"\ntoken_env = \"HUBSPOT_TOKEN\"\n\
             base_url = \"{}\"\nten_secondly_limit = 100000\nsearch_per_second = 100000\n",
            running.base_url
        ),
    );
}

/// Start `crmsync ARGS` and SIGKILL it once `progress_sql` reaches `at`. Returns the
/// progress seen at the kill, or None if it finished first.
async fn kill_when(db: &TestDb, args: &[&str], progress_sql: &str, at: i64) -> Option<i64> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .current_dir(db.dir.path())
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .env("HUBSPOT_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn crmsync");
    let pool = db.pool().await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return None;
        }
        let done = pool.count(progress_sql).await;
        if done >= at || Instant::now() > deadline {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            return Some(done);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn links(db: &TestDb) -> Vec<Vec<Option<String>>> {
    db.pool()
        .await
        .rows(
            "SELECT l.source_id, r.email, r.first_name, r.last_name, r.title FROM record_links l \
             JOIN records r ON r.id = l.record_id WHERE l.system = 'hs' ORDER BY l.source_id",
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_pull_then_rerun_equals_an_uninterrupted_pull() {
    for db in TestDb::both().await {
        let running = emulator(5_000).await;
        running.set_faults(Faults {
            latency_ms: 15,
            ..Faults::none()
        });
        config(&db, &running);
        // Create the database first, so progress can be watched from the start.
        assert_eq!(code(&db.crmsync(&["runs"])), 0);
        let killed = kill_when(
            &db,
            &["pull", "hs"],
            "SELECT COUNT(*) FROM record_links",
            1_000,
        )
        .await;
        let killed = killed.expect("the pull was caught part-way");
        assert!(killed < 5_000, "{killed}");

        let out = db
            .crmsync_env(&["pull", "hs", "--json"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(
            code(&out),
            0,
            "the dead process's lease is taken over: {}",
            stderr(&out)
        );
        let inserted = common::json(&out)["pulls"][0]["counts"]["inserted"]
            .as_i64()
            .unwrap();
        let pool = db.pool().await;
        assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, 5_000);
        assert_eq!(pool.count("SELECT COUNT(*) FROM record_links").await, 5_000);
        assert!(
            inserted <= 5_000 - killed,
            "resumed from the saved cursor: {inserted}"
        );
        let statuses = pool.rows("SELECT status FROM runs ORDER BY id").await;
        assert_eq!(
            statuses,
            vec![
                vec![Some("interrupted".to_string())],
                vec![Some("completed".to_string())]
            ]
        );

        let reference = TestDb::sqlite();
        config(&reference, &running);
        running.set_faults(Faults::none());
        let out = reference
            .crmsync_env(&["pull", "hs"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(links(&db).await, links(&reference).await);
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_push_then_rerun_creates_every_record_exactly_once() {
    for db in TestDb::both().await {
        let running = emulator(300).await;
        config(&db, &running);
        let out = db
            .crmsync_env(&["pull", "hs"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let mut csv = String::from("Email,First Name,Last Name\n");
        for i in 0..2_000 {
            csv.push_str(&format!("crash{i}@leads.example,Kim,Lee{i}\n"));
        }
        let file = db.write("leads.csv", csv);
        let out = db
            .crmsync_env(&["import", file.to_str().unwrap()], &[])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));

        running.set_faults(Faults {
            latency_ms: 40,
            ..Faults::none()
        });
        let acked = "SELECT COUNT(*) FROM record_links WHERE system = 'hs'";
        let killed = kill_when(&db, &["push", "hs"], acked, 300 + 300).await;
        let killed = killed.expect("the push was caught part-way");
        assert!(killed < 2_300, "{killed}");
        running.set_faults(Faults::none());

        let out = db
            .crmsync_env(&["push", "hs", "--json"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            running.count("contacts"),
            2_300,
            "every lead exactly once in the CRM"
        );
        let pool = db.pool().await;
        assert_eq!(pool.count("SELECT COUNT(*) FROM outbox").await, 0);
        assert_eq!(pool.count(acked).await, 2_300);
        // Nothing left to send, and the echo of our writes changes nothing.
        let out = db
            .crmsync_env(&["sync", "hs", "--json"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        let v = common::json(&out);
        assert_eq!(v["push"]["counts"]["rows_read"], 0, "{v}");
        assert_eq!(v["pulls"][0]["counts"]["updated"], 0, "{v}");
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_lease_keeps_a_second_worker_out_until_it_expires() {
    for db in TestDb::both().await {
        let running = emulator(50).await;
        config(&db, &running);
        assert_eq!(code(&db.crmsync(&["runs"])), 0);
        let pool = db.pool().await;
        // Another machine's worker holds the pull lease for a while yet.
        pool.execute(
            "INSERT INTO sync_state (system, object, direction, lease_owner, lease_until, updated_at) \
             VALUES ('hs', 'contacts', 'pull', 'worker-b.internal:4242:1', '2099-01-01T00:00:00+00:00', \
             '2026-01-01T00:00:00+00:00')",
        )
        .await;
        let out = db
            .crmsync_env(&["pull", "hs"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("being synced by another crmsync process"),
            "{}",
            stderr(&out)
        );
        assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, 0);
        assert_eq!(
            running.request_log().len(),
            0,
            "no CRM call without the lease"
        );

        // Its lease expires (the worker died without renewing): the next pull proceeds and
        // gives the lease back when done.
        pool.execute("UPDATE sync_state SET lease_until = '2000-01-01T00:00:00+00:00'")
            .await;
        let out = db
            .crmsync_env(&["pull", "hs"], &[("HUBSPOT_TOKEN", TOKEN)])
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, 50);
        let holders = pool
            .count("SELECT COUNT(*) FROM sync_state WHERE lease_owner IS NOT NULL")
            .await;
        assert_eq!(holders, 0);
        running.shutdown().await;
    }
}
