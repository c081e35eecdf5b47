//! Runs the HubSpot emulator in the foreground until Ctrl-C, for poking at it with curl or an
//! official HubSpot client.
//!
//! `cargo run -p crmsync-hubspot --features emulator --example hubspot_sandbox -- [port] [token] [seed.json]`
//! (defaults: port 8399, no token required, 250 generated contacts and 20 companies).
//!
//! With `HUBSPOT_OAUTH=<client_id>:<client_secret>:<refresh_token>` set, the emulator also
//! accepts that OAuth app at `POST /oauth/v1/token` (the token argument stays accepted).

use std::net::SocketAddr;
use std::path::PathBuf;

use crmsync_hubspot::emulator::{
    seed_companies, seed_contacts, serve_sandbox, Emulator, OAuthClient, RunningEmulator,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port = args
        .next()
        .map(|p| p.parse::<u16>())
        .transpose()?
        .unwrap_or(8399);
    let token = args.next().filter(|t| !t.is_empty());
    let seed = args.next().map(PathBuf::from);
    let oauth = std::env::var("HUBSPOT_OAUTH").ok();
    let running = match oauth
        .as_deref()
        .map(|v| v.splitn(3, ':').collect::<Vec<_>>())
    {
        Some(parts) if parts.len() == 3 => with_oauth(port, token, seed, &parts).await?,
        Some(_) => {
            return Err("HUBSPOT_OAUTH must be client_id:client_secret:refresh_token".into())
        }
        None => serve_sandbox(port, token, seed).await?,
    };
    println!("HubSpot emulator listening on {}", running.base_url);
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}

async fn with_oauth(
    port: u16,
    token: Option<String>,
    seed: Option<PathBuf>,
    parts: &[&str],
) -> Result<RunningEmulator, Box<dyn std::error::Error>> {
    let [id, secret, refresh] = parts else {
        return Err("HUBSPOT_OAUTH must have three parts".into());
    };
    let mut builder = Emulator::builder().oauth(OAuthClient::new(*id, *secret, *refresh));
    if let Some(token) = token {
        builder = builder.token(token);
    }
    builder = match seed {
        Some(path) => builder.seed(path),
        None => builder
            .seed(seed_contacts(250, 1))
            .seed(seed_companies(20, 1)),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    Ok(builder.build()?.start(addr).await?)
}
