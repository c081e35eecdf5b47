//! Table tests for the batch classifier's dedup rules.

use super::*;
use crate::import::order::rank;
use chrono::TimeZone;

fn ts(day: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(2024, 1, day, 0, 0, 0).unwrap())
}

fn rec(row: u64, key: &str, company: &str, modified: Option<DateTime<Utc>>) -> Item {
    let mut data = RecordData::default();
    data.set(Field::Company, Some(company.into()));
    data.source_modified_at = modified;
    Item::Record(Box::new(NormalizedRow {
        row,
        key: key.into(),
        key_kind: KeyKind::Column,
        data: Box::new(data),
        invalid_count: 0,
    }))
}

fn present() -> [bool; Field::COUNT] {
    let mut p = [false; Field::COUNT];
    p[Field::Company.index()] = true;
    p
}

fn stored(
    key: &str,
    company: &str,
    modified: Option<DateTime<Utc>>,
    file: Option<(&str, i64)>,
) -> ExistingRecord {
    let mut data = RecordData::default();
    data.set(Field::Company, Some(company.into()));
    data.source_modified_at = modified;
    ExistingRecord {
        source_id: key.into(),
        record_id: 10,
        link_id: 20,
        last_run_id: Some(1),
        created_run_id: Some(1),
        source_file: file.map(|(f, _)| f.to_string()),
        source_row: file.map(|(_, r)| r),
        data,
    }
}

#[test]
fn rank_is_total_and_prefers_known_newer_then_later_rows() {
    assert!(rank(ts(2), 1) > rank(ts(1), 9));
    assert!(rank(ts(1), 2) > rank(ts(1), 1), "tie: later row");
    assert!(rank(ts(1), 1) > rank(None, 9), "known beats unknown");
    assert!(rank(None, 9) > rank(None, 1));
}

#[test]
fn first_occurrence_against_stored_values() {
    // From another input: only a strictly older known time loses.
    assert!(!first_beats_stored(ts(1), 5, ts(2), None));
    assert!(first_beats_stored(ts(2), 5, ts(2), None));
    assert!(first_beats_stored(None, 5, ts(2), None));
    // From this same input: the in-file order decides.
    assert!(
        !first_beats_stored(ts(1), 5, ts(1), Some(9)),
        "a later row of this file holds it"
    );
    assert!(first_beats_stored(ts(1), 9, ts(1), Some(5)));
}

#[test]
fn in_file_duplicates_newest_wins_ties_to_later_row() {
    let mut c = Classifier::new(7, present(), true, true, "fp".into());
    let items = vec![
        rec(2, "a", "old", ts(1)),
        rec(3, "a", "newest", ts(3)),
        rec(4, "a", "middle", ts(2)),
        rec(5, "b", "first", ts(1)),
        rec(6, "b", "second", ts(1)),
        Item::Blank(7),
        Item::Reject(crmsync_sdk::Reject::row("f.csv", 8, "ragged")),
    ];
    let plan = c.plan(items, Vec::new());
    let got: Vec<(&str, Option<&str>, u64)> = plan
        .inserts
        .iter()
        .map(|i| (i.key.as_str(), i.data.get(Field::Company), i.row))
        .collect();
    assert_eq!(
        got,
        vec![("a", Some("newest"), 3), ("b", Some("second"), 6)]
    );
    let c = plan.counts;
    assert_eq!(
        (
            c.rows_read,
            c.inserted,
            c.duplicates_merged,
            c.rejected,
            c.blank_rows
        ),
        (6, 2, 3, 1, 1)
    );
    assert!(c.balanced());
    assert_eq!(
        plan.lines.len(),
        7,
        "one plan line per row: {:?}",
        plan.lines
    );
}

#[test]
fn stale_first_occurrence_then_a_newer_duplicate_counts_as_one_update() {
    let mut c = Classifier::new(7, present(), false, false, "fp".into());
    let items = vec![rec(2, "a", "older", ts(1)), rec(3, "a", "newer", ts(5))];
    let plan = c.plan(
        items,
        vec![stored("a", "stored", ts(3), Some(("other", 4)))],
    );
    assert_eq!(
        (
            plan.counts.updated,
            plan.counts.unchanged,
            plan.counts.duplicates_merged
        ),
        (1, 0, 1)
    );
    assert_eq!(plan.updates[0].data.get(Field::Company), Some("newer"));
    assert_eq!(plan.updates[0].row, 3);
    let fields: Vec<&str> = plan.audit.iter().map(|a| a.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["company", "source_modified_at"],
        "stored values predate the run"
    );
}

#[test]
fn duplicate_in_a_later_batch_is_checked_against_the_store() {
    let mut c = Classifier::new(7, present(), true, false, "fp".into());
    let first = c.plan(vec![rec(2, "a", "v1", ts(1))], Vec::new());
    assert_eq!(first.counts.inserted, 1);
    // Next batch: the key was seen, so it is looked up even though the run started fresh.
    let items = vec![rec(9, "a", "v2", ts(2))];
    assert_eq!(c.keys_to_lookup(&items), vec!["a"]);
    let mut ex = stored("a", "v1", ts(1), Some(("fp", 2)));
    ex.last_run_id = Some(7);
    ex.created_run_id = Some(7);
    let plan = c.plan(items, vec![ex]);
    assert_eq!(
        (
            plan.counts.duplicates_merged,
            plan.counts.updated,
            plan.counts.inserted
        ),
        (1, 0, 0)
    );
    assert_eq!(
        plan.updates.len(),
        1,
        "the newer duplicate replaces the stored values"
    );
    assert!(
        plan.audit.is_empty(),
        "no history for a record this run created"
    );
}

#[test]
fn reimport_of_the_same_file_changes_nothing() {
    // The stored values came from row 6 of this file; rows 2 and 6 tie on time.
    let mut c = Classifier::new(8, present(), false, false, "fp".into());
    let items = vec![rec(2, "a", "early", None), rec(6, "a", "late", None)];
    let plan = c.plan(items, vec![stored("a", "late", None, Some(("fp", 6)))]);
    assert!(plan.updates.is_empty() && plan.inserts.is_empty());
    assert_eq!(
        (plan.counts.unchanged, plan.counts.duplicates_merged),
        (1, 1)
    );
}

#[test]
fn changes_to_existing_records_are_audited_field_by_field() {
    let mut c = Classifier::new(8, present(), false, false, "fp".into());
    let plan = c.plan(
        vec![rec(2, "a", "Acme Corp", ts(2))],
        vec![stored("a", "Acme", ts(1), None)],
    );
    let audit: Vec<(&str, Option<&str>, Option<&str>)> = plan
        .audit
        .iter()
        .map(|a| {
            (
                a.field.as_str(),
                a.old_value.as_deref(),
                a.new_value.as_deref(),
            )
        })
        .collect();
    assert_eq!(audit[0], ("company", Some("Acme"), Some("Acme Corp")));
    assert_eq!(audit[1].0, "source_modified_at");
}
