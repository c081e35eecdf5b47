//! The three-way merge of one record: the base (what both sides agreed on after the last
//! sync with a system), the local record and the CRM's version, field by field.
//!
//! | base → local | base → remote | result |
//! |---|---|---|
//! | same | same | nothing |
//! | same | changed | pull: local := remote |
//! | changed | same | push: the local value goes to the CRM |
//! | changed | changed, same value | nothing (the base catches up) |
//! | changed | changed, different | conflict: the field's [`Policy`] decides, logged either way |
//!
//! Opt-out flags ignore the policy: opt-out always wins. A field with an open (manual)
//! conflict is left alone on both sides until it is resolved. Without a base (a CRM record
//! linked for the first time to an existing local record) an empty side takes the other's
//! value and two different non-empty values are a conflict.

use crate::sync::policy::{Policies, Policy};
use crate::sync::snapshot::{Slot, Snapshot};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// Everything the merge of one record looks at.
#[derive(Debug, Clone, Copy)]
pub struct MergeInput<'a> {
    /// The CRM system name (connector name in the config).
    pub system: &'a str,
    /// The base snapshot, `None` for a first link.
    pub base: Option<&'a Snapshot>,
    /// The local record's values.
    pub local: &'a Snapshot,
    /// The CRM's values (only fields the CRM sent).
    pub remote: &'a Snapshot,
    /// When crmsync last changed the local record.
    pub local_modified: Option<DateTime<Utc>>,
    /// The CRM's modified time.
    pub remote_modified: Option<DateTime<Utc>>,
    /// Fields with an open conflict for this record and system.
    pub open: &'a BTreeSet<Slot>,
}

/// Who won a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The local value stays and is pushed.
    Local,
    /// The CRM's value is taken.
    Remote,
    /// Nobody: the conflict stays open.
    Open,
}

/// One field both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// The field.
    pub slot: Slot,
    /// Base value.
    pub base: Option<String>,
    /// Local value.
    pub local: Option<String>,
    /// CRM value.
    pub remote: Option<String>,
    /// Policy applied (`opt_out_wins` for opt-out flags).
    pub policy: String,
    /// Outcome.
    pub resolution: Resolution,
}

impl FieldConflict {
    /// The value the field ends with, when resolved.
    pub fn resolved_value(&self) -> Option<&str> {
        match self.resolution {
            Resolution::Local => self.local.as_deref(),
            Resolution::Remote => self.remote.as_deref(),
            Resolution::Open => None,
        }
    }
}

/// What to do with one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Local fields to overwrite with the CRM's value.
    pub take: Vec<(Slot, Option<String>)>,
    /// Fields whose local value must be pushed to the CRM.
    pub push: Vec<Slot>,
    /// The new base for this link.
    pub base: Snapshot,
    /// Conflicts found (auto-resolved or open).
    pub conflicts: Vec<FieldConflict>,
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

/// Merge one record.
pub fn merge(input: &MergeInput<'_>, policies: &Policies) -> MergeOutcome {
    let mut out = MergeOutcome {
        base: input.base.cloned().unwrap_or_default(),
        ..MergeOutcome::default()
    };
    for (slot, r) in input.remote.iter() {
        if input.open.contains(&slot) {
            continue;
        }
        let l = input.local.get(slot);
        let known_base = input.base.filter(|b| b.contains(slot));
        let b = known_base.and_then(|b| b.get(slot));
        if l == r {
            out.base.set(slot, owned(r));
            continue;
        }
        if known_base.is_some() && r == b {
            out.push.push(slot);
            continue;
        }
        if known_base.is_some() && l == b {
            out.take.push((slot, owned(r)));
            out.base.set(slot, owned(r));
            continue;
        }
        // Both sides changed, or there is no base to tell.
        let first_link = known_base.is_none();
        let (resolution, policy) = if slot.is_opt_out() {
            let remote_wins = r == Some("true");
            let who = if remote_wins {
                Resolution::Remote
            } else {
                Resolution::Local
            };
            (who, "opt_out_wins".to_string())
        } else if first_link && l.is_none() {
            (Resolution::Remote, "fill_empty".to_string())
        } else if first_link && r.is_none() {
            (Resolution::Local, "fill_empty".to_string())
        } else {
            let policy = policies.for_field(slot.name());
            (decide(policy, input, l, r), policy.to_string())
        };
        match resolution {
            Resolution::Remote => {
                out.take.push((slot, owned(r)));
                out.base.set(slot, owned(r));
            }
            Resolution::Local => {
                out.push.push(slot);
                out.base.set(slot, owned(r));
            }
            Resolution::Open => {}
        }
        let filled_an_empty_side = policy == "fill_empty" || (first_link && slot.is_opt_out());
        if !filled_an_empty_side {
            out.conflicts.push(FieldConflict {
                slot,
                base: owned(b),
                local: owned(l),
                remote: owned(r),
                policy,
                resolution,
            });
        }
    }
    out
}

fn decide(policy: &Policy, input: &MergeInput<'_>, l: Option<&str>, r: Option<&str>) -> Resolution {
    match policy {
        Policy::Manual => Resolution::Open,
        Policy::Newest => newest(input),
        Policy::PreferNonEmpty => match (l, r) {
            (None, Some(_)) => Resolution::Remote,
            (Some(_), None) => Resolution::Local,
            _ => newest(input),
        },
        Policy::Prefer(order) => {
            let rank = |names: &[&str]| {
                order
                    .iter()
                    .position(|o| names.contains(&o.as_str()))
                    .unwrap_or(usize::MAX)
            };
            let local = rank(&["local"]);
            let remote = rank(&[input.system, "remote"]);
            match local.cmp(&remote) {
                std::cmp::Ordering::Less => Resolution::Local,
                std::cmp::Ordering::Greater => Resolution::Remote,
                std::cmp::Ordering::Equal => newest(input),
            }
        }
    }
}

fn newest(input: &MergeInput<'_>) -> Resolution {
    match (input.local_modified, input.remote_modified) {
        (Some(l), Some(r)) if l > r => Resolution::Local,
        (Some(_), None) => Resolution::Local,
        _ => Resolution::Remote,
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
