//! Shared setup for the connector tests: an emulator with an OAuth client and a connector
//! configured against it over real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use crmsync_salesforce::emulator::{EmulatorBuilder, RunningEmulator};
use crmsync_salesforce::{SalesforceConfig, SalesforceConnector};
use crmsync_sdk::crm::{CrmConnector, Cursor, PullPage, RemoteRecord};
use crmsync_sdk::ConnectorError;
use futures::StreamExt;

/// The fixed access token the emulator accepts.
pub const TOKEN: &str = "00D000000000001!fixed-access-token-value";
pub const PUBLIC: &str = include_str!("../fixtures/test_only_rsa_public_key.pem");
pub const CLIENT_ID: &str = "3MVG9-connector-consumer-key";
pub const SECRET: &str = "connector-consumer-secret-value";
pub const REFRESH: &str = "5Aep861-connector-refresh-token-value";
pub const USER: &str = "integration@crmsync.example";

/// The fixture key path.
pub fn key_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/test_only_rsa_private_key.pem"
    )
    .into()
}

/// Starts `builder` with the fixed token, the JWT key and the OAuth client.
pub async fn emulator(builder: EmulatorBuilder) -> RunningEmulator {
    builder
        .access_token(Some(TOKEN.to_string()))
        .jwt_public_key_pem(PUBLIC)
        .oauth_client(CLIENT_ID, SECRET, REFRESH)
        .username(USER)
        .bulk_delay(Duration::from_millis(20))
        .build()
        .start_local()
        .await
        .expect("emulator starts")
}

fn env(name: &str) -> Option<String> {
    match name {
        "T_CLIENT_ID" => Some(CLIENT_ID.into()),
        "T_SECRET" => Some(SECRET.into()),
        "T_REFRESH" => Some(REFRESH.into()),
        "T_TOKEN" => Some(TOKEN.into()),
        _ => None,
    }
}

/// A configuration for `auth` against `emu`, plus `extra` TOML lines.
pub fn config(emu: &RunningEmulator, auth: &str, extra: &str) -> SalesforceConfig {
    let text = format!(
        "login_url = \"{}\"\nauth = \"{auth}\"\nclient_id_env = \"T_CLIENT_ID\"\n\
         client_secret_env = \"T_SECRET\"\nrefresh_token_env = \"T_REFRESH\"\n\
         access_token_env = \"T_TOKEN\"\ninstance_url = \"{}\"\nusername = \"{USER}\"\n\
         private_key_path = \"{}\"\n{extra}",
        emu.login_url,
        emu.instance_url,
        key_path()
    );
    toml::from_str(&text).expect("test config parses")
}

/// A connector for `config` with credentials from the test environment.
pub fn connector(config: SalesforceConfig) -> SalesforceConnector {
    let creds = config.resolve_with(env).expect("credentials resolve");
    SalesforceConnector::with_credentials(config, creds).expect("connector builds")
}

/// Every page of a pull, or the error that ended it after the pages before it.
pub async fn pull_all(
    conn: &SalesforceConnector,
    object: &str,
    cursor: Option<Cursor>,
) -> (Vec<PullPage>, Option<ConnectorError>) {
    let mut stream = conn.pull(object, cursor);
    let mut pages = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(page) => pages.push(page),
            Err(e) => return (pages, Some(e)),
        }
    }
    (pages, None)
}

/// Records of all pages.
pub fn records(pages: &[PullPage]) -> Vec<RemoteRecord> {
    pages
        .iter()
        .flat_map(|p| p.records.iter().cloned())
        .collect()
}
