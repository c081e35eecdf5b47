//! The Do-Not-Contact gate: an in-memory snapshot of `dnc_entries`, taken once per run.

use crate::normalize::email::email_domain;
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// What a DNC entry matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DncKind {
    /// An E.164 phone number.
    Phone,
    /// A full email address.
    Email,
    /// Every email address at a domain.
    Domain,
}

impl DncKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DncKind::Phone => "phone",
            DncKind::Email => "email",
            DncKind::Domain => "domain",
        }
    }

    /// Parse a stored or user-typed name.
    pub fn parse(s: &str) -> Option<DncKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "phone" | "tel" | "telephone" => Some(DncKind::Phone),
            "email" | "e-mail" => Some(DncKind::Email),
            "domain" => Some(DncKind::Domain),
            _ => None,
        }
    }
}

/// One DNC entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DncEntry {
    /// What it matches.
    pub kind: DncKind,
    /// Normalized value.
    pub value: String,
    /// Why the contact must not be contacted.
    pub reason: Option<String>,
    /// Where the entry came from (file, registry, manual).
    pub source: Option<String>,
    /// When it stops applying.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A DNC match: which entry, and the reason to store on the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DncHit {
    /// Human-readable reason, e.g. `DNC phone +14155550132: asked on call`.
    pub reason: String,
}

/// Active (unexpired) entries, indexed for O(1) lookups.
#[derive(Debug, Default, Clone)]
pub struct DncList {
    entries: FxHashMap<(DncKind, String), Option<String>>,
}

impl DncList {
    /// Build from stored entries, keeping those not expired at `now`.
    pub fn new(entries: impl IntoIterator<Item = DncEntry>, now: DateTime<Utc>) -> Self {
        let entries = entries
            .into_iter()
            .filter(|e| e.expires_at.is_none_or(|t| t > now))
            .map(|e| ((e.kind, e.value), e.reason))
            .collect();
        DncList { entries }
    }

    /// Number of active entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no active entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn lookup(&self, kind: DncKind, value: &str) -> Option<DncHit> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries
            .get(&(kind, value.to_string()))
            .map(|reason| DncHit {
                reason: match reason {
                    Some(r) if !r.is_empty() => format!("DNC {} {value}: {r}", kind.as_str()),
                    _ => format!("DNC {} {value}", kind.as_str()),
                },
            })
    }

    /// Check normalized phones and an email (its domain too). First match wins, phones first.
    pub fn check<'a>(
        &self,
        phones: impl IntoIterator<Item = &'a str>,
        email: Option<&str>,
    ) -> Option<DncHit> {
        for phone in phones {
            if let Some(hit) = self.lookup(DncKind::Phone, phone) {
                return Some(hit);
            }
        }
        let email = email?;
        self.lookup(DncKind::Email, email)
            .or_else(|| email_domain(email).and_then(|d| self.lookup(DncKind::Domain, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(kind: DncKind, value: &str, expires: Option<DateTime<Utc>>) -> DncEntry {
        DncEntry {
            kind,
            value: value.into(),
            reason: Some("asked".into()),
            source: None,
            expires_at: expires,
        }
    }

    #[test]
    fn matches_phone_email_and_domain_but_not_expired() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let list = DncList::new(
            [
                entry(DncKind::Phone, "+14155550132", None),
                entry(DncKind::Email, "bob@example.com", None),
                entry(DncKind::Domain, "competitor.io", None),
                entry(
                    DncKind::Phone,
                    "+14155550199",
                    Some(now - chrono::Duration::days(1)),
                ),
                entry(
                    DncKind::Email,
                    "later@example.com",
                    Some(now + chrono::Duration::days(1)),
                ),
            ],
            now,
        );
        assert_eq!(list.len(), 4);
        let hit = list.check(["+14155550132"], None).unwrap();
        assert_eq!(hit.reason, "DNC phone +14155550132: asked");
        assert!(list.check([], Some("bob@example.com")).is_some());
        assert!(list.check([], Some("anyone@competitor.io")).is_some());
        assert!(list.check([], Some("later@example.com")).is_some());
        assert!(
            list.check(["+14155550199"], None).is_none(),
            "expired entries do not match"
        );
        assert!(list
            .check(["+14155550100"], Some("alice@example.com"))
            .is_none());
    }
}
