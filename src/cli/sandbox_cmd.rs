//! `crmsync sandbox hubspot|salesforce`: a local, stateful CRM emulator with sample data, to
//! try a full sync with no credentials.

use super::{CliError, EXIT_OK};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Which CRM to emulate.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SandboxKind {
    /// HubSpot CRM v3 (contacts, companies).
    Hubspot,
    /// Salesforce REST, Bulk API 2.0 and OAuth (Lead, Contact, Account).
    Salesforce,
}

/// `crmsync sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The CRM.
    #[arg(value_enum)]
    pub kind: SandboxKind,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The access token the sandbox accepts (default: a random one).
    #[arg(long)]
    pub token: Option<String>,
    /// Records to load instead of generated samples (JSON, as the emulators document).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

fn random_token(prefix: &str) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::from_entropy();
    let tail: String = (0..32)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.gen_range(0..36)]))
        .collect();
    format!("{prefix}{tail}")
}

/// Start the sandbox and serve until Ctrl-C.
///
/// # Errors
/// [`CliError::Failure`] when the port cannot be bound or the seed file is invalid.
pub async fn run(args: SandboxArgs) -> Result<u8, CliError> {
    let fail =
        |e: &dyn std::fmt::Display| CliError::Failure(format!("cannot start the sandbox: {e}"));
    match args.kind {
        SandboxKind::Hubspot => {
            let token = args.token.unwrap_or_else(|| random_token("pat-sandbox-"));
            let running =
                crmsync_hubspot::emulator::serve_sandbox(args.port, Some(token.clone()), args.seed)
                    .await
                    .map_err(|e| fail(&e))?;
            println!("HubSpot sandbox listening on {}", running.base_url);
            println!("token: {token}");
            println!();
            println!("Try it:");
            println!("  export HUBSPOT_TOKEN={token}");
            println!("  cat >> crmsync.toml <<'EOF'");
            println!("[connectors.hubspot_sandbox]");
            println!("type = \"hubspot\"");
            println!("token_env = \"HUBSPOT_TOKEN\"");
            println!("base_url = \"{}\"", running.base_url);
            println!("objects = [\"contacts\", \"companies\"]");
            println!("EOF");
            println!("  crmsync check hubspot_sandbox && crmsync pull hubspot_sandbox");
            wait(running.shutdown()).await
        }
        SandboxKind::Salesforce => {
            let running =
                crmsync_salesforce::emulator::serve_sandbox(args.port, args.token, args.seed)
                    .await
                    .map_err(|e| fail(&e))?;
            let token = running
                .access_token
                .clone()
                .unwrap_or_else(|| running.issue_token());
            println!("Salesforce sandbox listening on {}", running.instance_url);
            println!("access token: {token}");
            println!(
                "login: {} (client id crmsync-sandbox, client secret sandbox-secret, refresh token \
                 sandbox-refresh-token)",
                running.login_url
            );
            println!();
            println!("Try it:");
            println!("  export SF_ACCESS_TOKEN='{token}'");
            println!("  cat >> crmsync.toml <<'EOF'");
            println!("[connectors.sf_sandbox]");
            println!("type = \"salesforce\"");
            println!("auth = \"access_token\"");
            println!("access_token_env = \"SF_ACCESS_TOKEN\"");
            println!("instance_url = \"{}\"", running.instance_url);
            println!("objects = [\"Lead\"]");
            println!("EOF");
            println!("  crmsync check sf_sandbox && crmsync pull sf_sandbox");
            wait(running.shutdown()).await
        }
    }
}

async fn wait(shutdown: impl std::future::Future<Output = ()>) -> Result<u8, CliError> {
    use std::io::Write;
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::Failure(format!("cannot wait for Ctrl-C: {e}")))?;
    shutdown.await;
    Ok(EXIT_OK)
}
