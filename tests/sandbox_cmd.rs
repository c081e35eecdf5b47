//! `crmsync sandbox hubspot|salesforce` as a user runs it: start it, paste the config it
//! prints, and pull from it with another crmsync process.

mod common;

use common::{code, stderr, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Start the sandbox and collect what it prints up to "Press Ctrl-C".
fn start(kind: &str) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .args(["sandbox", kind, "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sandbox starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("sandbox output");
        let done = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

/// The config block between `cat >> crmsync.toml <<'EOF'` and `EOF`, and the exported
/// variable.
fn config_and_env(lines: &[String]) -> (String, (String, String)) {
    let start = lines
        .iter()
        .position(|l| l.contains("<<'EOF'"))
        .expect("config block")
        + 1;
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l == "EOF")
            .expect("block end");
    let export = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("export "))
        .expect("export line");
    let (name, value) = export.split_once('=').expect("NAME=VALUE");
    (
        lines[start..end].join("\n") + "\n",
        (name.to_string(), value.trim_matches('\'').to_string()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printed_configs_work_for_both_sandboxes() {
    for (kind, name, object, seeded) in [
        ("hubspot", "hubspot_sandbox", "contacts", 250),
        ("salesforce", "sf_sandbox", "Lead", 250),
    ] {
        let (mut child, lines) = start(kind);
        let (config, (var, value)) = config_and_env(&lines);
        assert!(
            lines[0].contains("listening on http://127.0.0.1:"),
            "{lines:?}"
        );
        let db = TestDb::sqlite();
        db.write("crmsync.toml", &config);
        let out = db.crmsync_env(&["check", name], &[(&var, &value)]).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let out = db
            .crmsync_env(
                &["pull", name, "--object", object, "--json"],
                &[(&var, &value)],
            )
            .await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let pulled = &common::json(&out)["pulls"][0]["counts"]["inserted"];
        assert_eq!(pulled, seeded, "{kind}");
        let stored = db
            .pool()
            .await
            .count(&format!(
                "SELECT COUNT(*) FROM record_links WHERE system = '{name}'"
            ))
            .await;
        assert_eq!(stored, seeded);
        // Without the token the sandbox refuses.
        let out = db
            .crmsync_env(&["check", name], &[(&var, "wrong-token")])
            .await;
        assert_ne!(code(&out), 0);
        child.kill().expect("stop sandbox");
        let _ = child.wait();
    }
}
