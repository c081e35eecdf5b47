//! Conflict policies: what the three-way merge does when the local record and the CRM both
//! changed a field to different values.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// One policy. Parsed from the strings `newest`, `prefer_local`, `prefer_remote`,
/// `prefer_non_empty`, `manual`, or `prefer:SYSTEM,SYSTEM,…` (`local` names the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// The side with the later modification time wins (the CRM's modified date against the
    /// time crmsync last changed the local record); a tie goes to the CRM.
    Newest,
    /// The first side named in the list wins; sides not named come last.
    Prefer(Vec<String>),
    /// A non-empty value beats an empty one; otherwise [`Policy::Newest`].
    PreferNonEmpty,
    /// Neither side is overwritten; the conflict stays open until someone resolves it.
    Manual,
}

impl Policy {
    /// Parse a policy string.
    ///
    /// # Errors
    /// A message naming the accepted forms.
    pub fn parse(raw: &str) -> Result<Policy, String> {
        let raw = raw.trim();
        match raw {
            "newest" => return Ok(Policy::Newest),
            "prefer_local" => return Ok(Policy::Prefer(vec!["local".into()])),
            "prefer_remote" => return Ok(Policy::Prefer(vec!["remote".into()])),
            "prefer_non_empty" => return Ok(Policy::PreferNonEmpty),
            "manual" => return Ok(Policy::Manual),
            _ => {}
        }
        if let Some(list) = raw.strip_prefix("prefer:") {
            let order: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if !order.is_empty() {
                return Ok(Policy::Prefer(order));
            }
        }
        Err(format!(
            "unknown conflict policy {raw:?}: use newest, prefer_local, prefer_remote, \
             prefer_non_empty, manual or prefer:SYSTEM,SYSTEM,…"
        ))
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Newest => f.write_str("newest"),
            Policy::Prefer(order) => write!(f, "prefer:{}", order.join(",")),
            Policy::PreferNonEmpty => f.write_str("prefer_non_empty"),
            Policy::Manual => f.write_str("manual"),
        }
    }
}

/// `[sync]` in `crmsync.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Default region for CRM phone numbers written without a country code (else
    /// `[import] region`, else `US`).
    pub region: Option<String>,
    /// Default conflict policy (`newest` when unset).
    pub policy: Option<String>,
    /// Policies per canonical field name (`phone = "manual"`).
    #[serde(default)]
    pub field_policy: BTreeMap<String, String>,
    /// Link a CRM record seen for the first time to an existing local record with the same
    /// normalized email (default true), instead of creating a second record.
    pub match_by_email: Option<bool>,
    /// Create records in the CRM for local records not linked to it yet (default true).
    pub push_new: Option<bool>,
}

/// Policies resolved from [`SyncConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    default: Policy,
    by_field: BTreeMap<String, Policy>,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            default: Policy::Newest,
            by_field: BTreeMap::new(),
        }
    }
}

impl Policies {
    /// Build from the config section.
    ///
    /// # Errors
    /// A message for an unknown policy or field name.
    pub fn from_config(cfg: &SyncConfig) -> Result<Policies, String> {
        let default = match &cfg.policy {
            Some(p) => Policy::parse(p)?,
            None => Policy::Newest,
        };
        let mut by_field = BTreeMap::new();
        for (field, p) in &cfg.field_policy {
            if crate::sync::snapshot::Slot::from_name(field).is_none() {
                return Err(format!("[sync.field_policy] names unknown field {field:?}"));
            }
            by_field.insert(field.clone(), Policy::parse(p)?);
        }
        Ok(Policies { default, by_field })
    }

    /// The policy for a field.
    pub fn for_field(&self, name: &str) -> &Policy {
        self.by_field.get(name).unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_rejects_the_rest() {
        assert_eq!(Policy::parse("newest"), Ok(Policy::Newest));
        assert_eq!(Policy::parse("manual"), Ok(Policy::Manual));
        assert_eq!(
            Policy::parse("prefer: sf_prod, local"),
            Ok(Policy::Prefer(vec!["sf_prod".into(), "local".into()]))
        );
        assert_eq!(
            Policy::parse("prefer:sf,local").unwrap().to_string(),
            "prefer:sf,local"
        );
        assert!(Policy::parse("prefer:").is_err());
        assert!(Policy::parse("oldest").unwrap_err().contains("newest"));
        let cfg = SyncConfig {
            policy: Some("prefer_local".into()),
            field_policy: [("phone".to_string(), "manual".to_string())].into(),
            ..SyncConfig::default()
        };
        let p = Policies::from_config(&cfg).unwrap();
        assert_eq!(p.for_field("phone"), &Policy::Manual);
        assert_eq!(p.for_field("email"), &Policy::Prefer(vec!["local".into()]));
        let bad = SyncConfig {
            field_policy: [("fone".to_string(), "manual".to_string())].into(),
            ..SyncConfig::default()
        };
        assert!(Policies::from_config(&bad).unwrap_err().contains("fone"));
    }
}
