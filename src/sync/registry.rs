//! Builds connectors from `[connectors.NAME]` sections: the `type` key picks the connector
//! crate, the rest of the section is that connector's own configuration.

use crate::sync::SyncError;
use crmsync_hubspot::{HubspotConfig, HubspotConnector};
use crmsync_salesforce::{SalesforceConfig, SalesforceConnector};
use crmsync_sdk::crm::CrmConnector;
use std::sync::Arc;

/// A configured connector.
pub struct ConfiguredConnector {
    /// The section name (`hubspot_main`): the system name in the store.
    pub name: String,
    /// Connector type (`hubspot`, `salesforce`).
    pub kind: &'static str,
    /// Objects to sync, in order.
    pub objects: Vec<String>,
    /// The connector.
    pub connector: Arc<dyn CrmConnector>,
}

impl std::fmt::Debug for ConfiguredConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfiguredConnector")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

fn config_error(name: &str, message: impl std::fmt::Display) -> SyncError {
    SyncError::Config(format!("[connectors.{name}]: {message}"))
}

/// The connector named `name` in `sections`, reading secrets through `env`.
///
/// # Errors
/// [`SyncError::Config`] for a missing section, an unknown `type`, invalid keys or missing
/// credentials.
pub fn build(
    name: &str,
    sections: &std::collections::BTreeMap<String, toml::Table>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ConfiguredConnector, SyncError> {
    let section = sections.get(name).ok_or_else(|| {
        let known: Vec<&str> = sections.keys().map(String::as_str).collect();
        SyncError::Config(if known.is_empty() {
            format!(
                "no connector {name:?}: the config has no [connectors.*] sections \
                 (see examples/crmsync.example.toml, or run `crmsync sandbox hubspot` for one to try)"
            )
        } else {
            format!("no connector {name:?} in the config; configured: {}", known.join(", "))
        })
    })?;
    let mut rest = section.clone();
    let kind = match rest.remove("type") {
        Some(toml::Value::String(kind)) => kind,
        _ => {
            return Err(config_error(
                name,
                "set type = \"hubspot\" or \"salesforce\"",
            ))
        }
    };
    let table = toml::Value::Table(rest);
    match kind.as_str() {
        "hubspot" => {
            let config: HubspotConfig = table.try_into().map_err(|e| config_error(name, e))?;
            let objects = config.objects.clone();
            let connector = HubspotConnector::new(config, env)?;
            Ok(ConfiguredConnector {
                name: name.to_string(),
                kind: "hubspot",
                objects,
                connector: Arc::new(connector),
            })
        }
        "salesforce" => {
            let config: SalesforceConfig = table.try_into().map_err(|e| config_error(name, e))?;
            let objects = config.objects.clone();
            let creds = config.resolve_with(env)?;
            let connector = SalesforceConnector::with_credentials(config, creds)?;
            Ok(ConfiguredConnector {
                name: name.to_string(),
                kind: "salesforce",
                objects,
                connector: Arc::new(connector),
            })
        }
        other => Err(config_error(
            name,
            format!("unknown connector type {other:?}: use \"hubspot\" or \"salesforce\""),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(text: &str) -> std::collections::BTreeMap<String, toml::Table> {
        let cfg: crate::config::Config = toml::from_str(text).unwrap();
        cfg.connectors
    }

    #[test]
    fn builds_hubspot_and_explains_mistakes() {
        let s = sections(
            "[connectors.hs]\ntype = \"hubspot\"\ntoken_env = \"HS_T\"\nobjects = [\"contacts\"]\n",
        );
        let env = |k: &str| (k == "HS_T").then(|| "pat-secret-value".to_string());
        let built = build("hs", &s, &env).unwrap();
        assert_eq!(
            (built.kind, built.objects.as_slice()),
            ("hubspot", &["contacts".to_string()][..])
        );
        assert!(!format!("{built:?}").contains("pat-secret-value"));

        let no_env = |_: &str| None;
        let err = build("hs", &s, &no_env).unwrap_err().to_string();
        assert!(err.contains("HS_T"), "{err}");
        let err = build("nope", &s, &env).unwrap_err().to_string();
        assert!(err.contains("configured: hs"), "{err}");
        let bad = sections("[connectors.x]\ntype = \"zoho\"\n");
        assert!(build("x", &bad, &env)
            .unwrap_err()
            .to_string()
            .contains("zoho"));
        let typo = sections("[connectors.x]\ntype = \"hubspot\"\ntoken_envv = \"A\"\n");
        assert!(build("x", &typo, &env)
            .unwrap_err()
            .to_string()
            .contains("token_envv"));
    }
}
