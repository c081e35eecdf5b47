//! [`HubspotConfig`]: what the `[hubspot]` section of a crmsync config says.

use std::collections::BTreeMap;

use serde::Deserialize;

/// HubSpot account tier; decides the default client-side rate limits (HubSpot usage
/// guidelines for privately distributed apps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 100 requests per 10 s, 250,000 per day.
    Free,
    /// 100 requests per 10 s, 250,000 per day.
    #[default]
    Starter,
    /// 190 requests per 10 s, 625,000 per day.
    Professional,
    /// 190 requests per 10 s, 1,000,000 per day.
    Enterprise,
}

impl Tier {
    /// `(requests per 10 s, requests per day)` of the tier.
    pub fn quotas(self) -> (u32, u64) {
        match self {
            Tier::Free | Tier::Starter => (100, 250_000),
            Tier::Professional => (190, 625_000),
            Tier::Enterprise => (190, 1_000_000),
        }
    }
}

/// HubSpot connector settings. Secrets are never part of the config: it names the
/// environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubspotConfig {
    /// Variable holding a private-app token or service key (`pat-…`).
    #[serde(default)]
    pub token_env: Option<String>,
    /// OAuth: variable holding the app's client id.
    #[serde(default)]
    pub client_id_env: Option<String>,
    /// OAuth: variable holding the app's client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// OAuth: variable holding the refresh token.
    #[serde(default)]
    pub refresh_token_env: Option<String>,
    /// Object types to sync.
    #[serde(default = "default_objects")]
    pub objects: Vec<String>,
    /// Account tier (sets the rate limits below unless overridden).
    #[serde(default)]
    pub tier: Tier,
    /// Overrides the tier's requests per 10 seconds.
    #[serde(default)]
    pub ten_secondly_limit: Option<u32>,
    /// Overrides the tier's requests per day (reported by `check`, enforced by HubSpot).
    #[serde(default)]
    pub daily_limit: Option<u64>,
    /// Overrides the 5 search requests per second.
    #[serde(default)]
    pub search_per_second: Option<u32>,
    /// API host (default `https://api.hubapi.com`; the sandbox URL for local runs).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Path prefix of the object APIs (default `/crm/v3`).
    #[serde(default = "default_api_prefix")]
    pub api_prefix: String,
    /// Unique property used as the upsert key per object (`contacts` → `email` by default).
    #[serde(default)]
    pub unique_property: BTreeMap<String, String>,
    /// Records per list page (HubSpot allows at most 100).
    #[serde(default = "default_list_page")]
    pub list_page_size: u32,
    /// Records per search page (HubSpot allows at most 200).
    #[serde(default = "default_search_page")]
    pub search_page_size: u32,
    /// Results one search query may page through before it is re-anchored (HubSpot: 10,000).
    #[serde(default = "default_search_window")]
    pub search_window: u32,
    /// Longest request URL; longer property lists are split into chunks.
    #[serde(default = "default_max_url")]
    pub max_url_chars: usize,
}

fn default_objects() -> Vec<String> {
    vec!["contacts".to_owned()]
}
fn default_base_url() -> String {
    "https://api.hubapi.com".to_owned()
}
fn default_api_prefix() -> String {
    "/crm/v3".to_owned()
}
fn default_list_page() -> u32 {
    100
}
fn default_search_page() -> u32 {
    200
}
fn default_search_window() -> u32 {
    10_000
}
fn default_max_url() -> usize {
    8_000
}

impl Default for HubspotConfig {
    fn default() -> Self {
        HubspotConfig {
            token_env: None,
            client_id_env: None,
            client_secret_env: None,
            refresh_token_env: None,
            objects: default_objects(),
            tier: Tier::default(),
            ten_secondly_limit: None,
            daily_limit: None,
            search_per_second: None,
            base_url: default_base_url(),
            api_prefix: default_api_prefix(),
            unique_property: BTreeMap::new(),
            list_page_size: default_list_page(),
            search_page_size: default_search_page(),
            search_window: default_search_window(),
            max_url_chars: default_max_url(),
        }
    }
}

impl HubspotConfig {
    /// Requests per 10 seconds the client allows itself.
    pub fn ten_secondly(&self) -> u32 {
        self.ten_secondly_limit.unwrap_or(self.tier.quotas().0)
    }

    /// Requests per day of the account.
    pub fn daily(&self) -> u64 {
        self.daily_limit.unwrap_or(self.tier.quotas().1)
    }

    /// Search requests per second the client allows itself.
    pub fn search_rate(&self) -> u32 {
        self.search_per_second.unwrap_or(5)
    }

    /// The upsert key of `object`: configured, else `email` for contacts, else none.
    pub fn unique_property_of(&self, object: &str) -> Option<&str> {
        match self.unique_property.get(object) {
            Some(name) => Some(name.as_str()),
            None if object == "contacts" => Some("email"),
            None => None,
        }
    }

    /// The property holding the last-modified time (`lastmodifieddate` for contacts,
    /// `hs_lastmodifieddate` for every other type; filtering contacts on the latter
    /// silently matches nothing).
    pub fn modified_property(object: &str) -> &'static str {
        if object == "contacts" || object == "0-1" {
            "lastmodifieddate"
        } else {
            "hs_lastmodifieddate"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let config: HubspotConfig =
            serde_json::from_str(r#"{"token_env":"HS_TOKEN","tier":"professional"}"#)
                .unwrap_or_default();
        assert_eq!(config.token_env.as_deref(), Some("HS_TOKEN"));
        assert_eq!((config.ten_secondly(), config.daily()), (190, 625_000));
        assert_eq!(config.objects, vec!["contacts".to_owned()]);
        assert_eq!(config.unique_property_of("contacts"), Some("email"));
        assert_eq!(config.unique_property_of("deals"), None);
        assert_eq!(
            HubspotConfig::modified_property("companies"),
            "hs_lastmodifieddate"
        );
        let bad = serde_json::from_str::<HubspotConfig>(r#"{"token":"x"}"#);
        assert!(bad.is_err());
    }
}
