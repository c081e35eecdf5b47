//! Runs the emulator until Ctrl-C, for poking at it with other clients.
//!
//! ```text
//! cargo run -p crmsync-salesforce --features emulator --example salesforce_sandbox -- \
//!     [--port 8787] [--leads 2500] [--jwt-public-key tests/fixtures/test_only_rsa_public_key.pem]
//! ```
//!
//! Prints one JSON line with `instance_url`, `access_token`, the OAuth client settings and
//! the JWT username, then serves until interrupted.

use std::net::SocketAddr;

use crmsync_salesforce::emulator::{seed_leads, Emulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port: u16 = opt("--port").map_or(Ok(0), |p| p.parse())?;
    let leads: usize = opt("--leads").map_or(Ok(2500), |n| n.parse())?;
    let token = "00D8a0000000001!sandbox-token".to_string();
    let mut builder = Emulator::builder()
        .access_token(Some(token.clone()))
        .oauth_client("crmsync-sandbox", "sandbox-secret", "sandbox-refresh-token")
        .seed(seed_leads(leads, 42));
    if let Some(path) = opt("--jwt-public-key") {
        builder = builder.jwt_public_key_pem(&std::fs::read_to_string(path)?);
    }
    let sf = builder
        .build()
        .start(SocketAddr::from(([127, 0, 0, 1], port)))
        .await?;
    let info = serde_json::json!({
        "instance_url": sf.instance_url,
        "access_token": token,
        "client_id": "crmsync-sandbox",
        "client_secret": "sandbox-secret",
        "refresh_token": "sandbox-refresh-token",
        "username": "integration@crmsync.example",
        "leads": leads,
    });
    println!("{info}");
    tokio::signal::ctrl_c().await?;
    sf.shutdown().await;
    Ok(())
}
