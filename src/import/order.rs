//! Which version of a record wins: the ordering rules behind import dedup.

use chrono::{DateTime, Utc};

/// Total order of the rows of one input: a known timestamp beats an unknown one, the newer
/// beats the older, and on a tie the later row wins. Being total, the winner never depends on
/// the order rows are met in.
pub(crate) fn rank(
    modified: Option<DateTime<Utc>>,
    row: u64,
) -> (bool, Option<DateTime<Utc>>, u64) {
    (modified.is_some(), modified, row)
}

/// Whether the first occurrence of a key in this input replaces the stored values. Against
/// values from a row of this same input (`their_row`), the in-file order decides; against
/// values from another input it wins unless both times are known and it is strictly older —
/// an older export never overwrites newer stored data.
pub(crate) fn first_beats_stored(
    mine: Option<DateTime<Utc>>,
    row: u64,
    theirs: Option<DateTime<Utc>>,
    their_row: Option<u64>,
) -> bool {
    match their_row {
        Some(r) => rank(mine, row) > rank(theirs, r),
        None => !matches!((mine, theirs), (Some(a), Some(b)) if a < b),
    }
}

/// Whether a later occurrence of a key replaces the current holder. A holder from another
/// input means every earlier occurrence lost to it (or equalled it), so the row must at
/// least match it in the in-file order, ranking as a later row.
pub(crate) fn duplicate_beats(
    mine: Option<DateTime<Utc>>,
    row: u64,
    theirs: Option<DateTime<Utc>>,
    their_row: Option<u64>,
) -> bool {
    match their_row {
        Some(r) => rank(mine, row) > rank(theirs, r),
        None => (mine.is_some(), mine) >= (theirs.is_some(), theirs),
    }
}
