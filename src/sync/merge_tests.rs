//! Table tests of the three-way merge.

use super::*;
use crate::model::Field;
use chrono::TimeZone;

const EMAIL: Slot = Slot::Value(Field::Email);
const CITY: Slot = Slot::Value(Field::City);
const PHONE: Slot = Slot::Value(Field::Phone);

fn snap(pairs: &[(Slot, Option<&str>)]) -> Snapshot {
    let mut s = Snapshot::default();
    for (slot, v) in pairs {
        s.set(*slot, v.map(str::to_string));
    }
    s
}

fn at(h: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap())
}

struct Case {
    base: Option<Snapshot>,
    local: Snapshot,
    remote: Snapshot,
    local_at: Option<DateTime<Utc>>,
    remote_at: Option<DateTime<Utc>>,
    open: BTreeSet<Slot>,
}

impl Case {
    fn new(base: Option<Snapshot>, local: Snapshot, remote: Snapshot) -> Case {
        Case {
            base,
            local,
            remote,
            local_at: at(1),
            remote_at: at(2),
            open: BTreeSet::new(),
        }
    }
    fn run(&self, policies: &Policies) -> MergeOutcome {
        merge(
            &MergeInput {
                system: "hs",
                base: self.base.as_ref(),
                local: &self.local,
                remote: &self.remote,
                local_modified: self.local_at,
                remote_modified: self.remote_at,
                open: &self.open,
            },
            policies,
        )
    }
}

fn policies(default: &str) -> Policies {
    Policies::from_config(&crate::sync::policy::SyncConfig {
        policy: Some(default.into()),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn unchanged_remote_changed_and_local_changed() {
    let base = snap(&[(EMAIL, Some("a@x.co")), (CITY, Some("Oslo")), (PHONE, None)]);
    let local = snap(&[
        (EMAIL, Some("a@x.co")),
        (CITY, Some("Bergen")),
        (PHONE, None),
    ]);
    let remote = snap(&[(EMAIL, Some("b@x.co")), (CITY, Some("Oslo")), (PHONE, None)]);
    let out = Case::new(Some(base), local, remote).run(&Policies::default());
    assert_eq!(out.take, vec![(EMAIL, Some("b@x.co".to_string()))]);
    assert_eq!(out.push, vec![CITY]);
    assert!(out.conflicts.is_empty());
    // The base follows the remote for pulled fields and keeps the old value for pushed ones
    // until the push is acknowledged.
    assert_eq!(out.base.get(EMAIL), Some("b@x.co"));
    assert_eq!(out.base.get(CITY), Some("Oslo"));
}

#[test]
fn both_changed_to_the_same_value_is_no_conflict() {
    let base = snap(&[(CITY, Some("Oslo"))]);
    let both = snap(&[(CITY, Some("Bergen"))]);
    let out = Case::new(Some(base), both.clone(), both).run(&Policies::default());
    assert!(out.take.is_empty() && out.push.is_empty() && out.conflicts.is_empty());
    assert_eq!(out.base.get(CITY), Some("Bergen"));
}

#[test]
fn newest_policy_decides_by_timestamps() {
    let base = snap(&[(CITY, Some("Oslo"))]);
    let mut case = Case::new(
        Some(base),
        snap(&[(CITY, Some("Bergen"))]),
        snap(&[(CITY, Some("Tromsø"))]),
    );
    let out = case.run(&Policies::default());
    assert_eq!(out.take, vec![(CITY, Some("Tromsø".to_string()))]);
    assert_eq!(out.conflicts.len(), 1);
    let c = &out.conflicts[0];
    assert_eq!(
        (c.base.as_deref(), c.local.as_deref(), c.remote.as_deref()),
        (Some("Oslo"), Some("Bergen"), Some("Tromsø"))
    );
    assert_eq!(
        (c.policy.as_str(), c.resolution),
        ("newest", Resolution::Remote)
    );
    assert_eq!(c.resolved_value(), Some("Tromsø"));

    case.local_at = at(5);
    let out = case.run(&Policies::default());
    assert!(out.take.is_empty());
    assert_eq!(out.push, vec![CITY]);
    assert_eq!(out.conflicts[0].resolution, Resolution::Local);
    assert_eq!(
        out.base.get(CITY),
        Some("Tromsø"),
        "base = what the CRM holds now"
    );
}

#[test]
fn prefer_lists_non_empty_and_manual() {
    let base = snap(&[(CITY, Some("Oslo")), (PHONE, Some("+4712345678"))]);
    let local = snap(&[(CITY, Some("Bergen")), (PHONE, None)]);
    let remote = snap(&[(CITY, Some("Tromsø")), (PHONE, Some("+4799999999"))]);
    let case = Case::new(Some(base), local, remote);

    let out = case.run(&policies("prefer:local,hs"));
    assert_eq!(out.push, vec![CITY, PHONE]);
    let out = case.run(&policies("prefer:hs,local"));
    assert_eq!(out.take.len(), 2);
    let out = case.run(&policies("prefer_remote"));
    assert_eq!(out.take.len(), 2);

    let mut case = case;
    case.local_at = at(9);
    let out = case.run(&policies("prefer_non_empty"));
    // Phone: local emptied it, the CRM has a number → the number wins. City: newest (local).
    assert_eq!(out.take, vec![(PHONE, Some("+4799999999".to_string()))]);
    assert_eq!(out.push, vec![CITY]);

    let out = case.run(&policies("manual"));
    assert!(out.take.is_empty() && out.push.is_empty());
    assert_eq!(out.conflicts.len(), 2);
    assert!(out
        .conflicts
        .iter()
        .all(|c| c.resolution == Resolution::Open));
    assert_eq!(
        out.base.get(CITY),
        Some("Oslo"),
        "an open conflict keeps the old base"
    );
}

#[test]
fn opt_out_always_wins_and_open_conflicts_are_left_alone() {
    let base = snap(&[(Slot::EmailOptOut, Some("false")), (CITY, Some("Oslo"))]);
    let mut case = Case::new(
        Some(base),
        snap(&[(Slot::EmailOptOut, Some("true")), (CITY, Some("Bergen"))]),
        snap(&[(Slot::EmailOptOut, Some("false")), (CITY, Some("Tromsø"))]),
    );
    case.open.insert(CITY);
    let out = case.run(&policies("prefer_remote"));
    // Local opted out, the CRM did not change: a plain push, no conflict.
    assert_eq!(out.push, vec![Slot::EmailOptOut]);
    assert!(out.take.is_empty() && out.conflicts.is_empty());

    let base = snap(&[(Slot::CallOptOut, Some("false"))]);
    let case = Case::new(
        Some(base),
        snap(&[(Slot::CallOptOut, Some("true"))]),
        snap(&[(Slot::CallOptOut, Some("true"))]),
    );
    assert!(case.run(&policies("prefer_remote")).conflicts.is_empty());

    // Without a base: opt-out from either side wins without a conflict.
    let case = Case::new(
        None,
        snap(&[(Slot::CallOptOut, Some("true"))]),
        snap(&[(Slot::CallOptOut, Some("false"))]),
    );
    let out = case.run(&policies("prefer_remote"));
    assert_eq!(out.push, vec![Slot::CallOptOut]);
    assert!(out.conflicts.is_empty());
}

#[test]
fn first_link_fills_empty_sides_and_flags_real_disagreements() {
    let local = snap(&[
        (EMAIL, Some("a@x.co")),
        (CITY, None),
        (PHONE, Some("+15550001")),
    ]);
    let remote = snap(&[
        (EMAIL, Some("a@x.co")),
        (CITY, Some("Oslo")),
        (PHONE, Some("+15550002")),
    ]);
    let out = Case::new(None, local, remote).run(&Policies::default());
    assert_eq!(
        out.take,
        vec![
            (CITY, Some("Oslo".to_string())),
            (PHONE, Some("+15550002".to_string()))
        ]
    );
    assert_eq!(out.conflicts.len(), 1);
    assert_eq!(out.conflicts[0].slot, PHONE);
    assert_eq!(out.conflicts[0].base, None);
    assert_eq!(out.base.len(), 3);
}
