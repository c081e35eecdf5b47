//! [`Snapshot`]: canonical field values of one record as one side sees them. The base stored
//! in `record_links.base` is a snapshot, and so are the local and remote sides of a merge.

use crate::model::{Field, RecordData};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A canonical slot a CRM field can feed: a record column or an opt-out flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// A value column of `records`.
    Value(Field),
    /// `records.email_opt_out`.
    EmailOptOut,
    /// `records.call_opt_out`.
    CallOptOut,
}

impl Slot {
    /// The stored name (the column name).
    pub fn name(self) -> &'static str {
        match self {
            Slot::Value(f) => f.name(),
            Slot::EmailOptOut => "email_opt_out",
            Slot::CallOptOut => "call_opt_out",
        }
    }

    /// Parse a stored name.
    pub fn from_name(name: &str) -> Option<Slot> {
        match name {
            "email_opt_out" => Some(Slot::EmailOptOut),
            "call_opt_out" => Some(Slot::CallOptOut),
            other => Field::from_name(other).map(Slot::Value),
        }
    }

    /// Opt-out flags follow "opt-out always wins" instead of the conflict policy.
    pub fn is_opt_out(self) -> bool {
        matches!(self, Slot::EmailOptOut | Slot::CallOptOut)
    }

    /// This slot's value in `data` (flags as `"true"` / `"false"`).
    pub fn read(self, data: &RecordData) -> Option<String> {
        match self {
            Slot::Value(f) => data.get(f).map(str::to_string),
            Slot::EmailOptOut => Some(data.email_opt_out.to_string()),
            Slot::CallOptOut => Some(data.call_opt_out.to_string()),
        }
    }

    /// Store `value` into `data`. Flags only ever turn on: nothing re-opts a contact in.
    pub fn write(self, data: &mut RecordData, value: Option<&str>) {
        match self {
            Slot::Value(f) => data.set(f, value.map(str::to_string)),
            Slot::EmailOptOut => data.email_opt_out |= value == Some("true"),
            Slot::CallOptOut => data.call_opt_out |= value == Some("true"),
        }
    }
}

/// Slot values by stored name; an absent key means "not known", `None` means "empty".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Snapshot(BTreeMap<String, Option<String>>);

impl Snapshot {
    /// The value of `slot` (`None` when empty or unknown).
    pub fn get(&self, slot: Slot) -> Option<&str> {
        self.0.get(slot.name()).and_then(|v| v.as_deref())
    }

    /// Whether the snapshot knows `slot`.
    pub fn contains(&self, slot: Slot) -> bool {
        self.0.contains_key(slot.name())
    }

    /// Set `slot`.
    pub fn set(&mut self, slot: Slot, value: Option<String>) {
        self.0.insert(slot.name().to_string(), value);
    }

    /// Number of known slots.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no slot is known.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Known slots and their values (unknown stored names are skipped).
    pub fn iter(&self) -> impl Iterator<Item = (Slot, Option<&str>)> {
        self.0
            .iter()
            .filter_map(|(k, v)| Slot::from_name(k).map(|s| (s, v.as_deref())))
    }

    /// The local side: `slots` as `data` holds them.
    pub fn of_record(data: &RecordData, slots: impl IntoIterator<Item = Slot>) -> Snapshot {
        let mut snap = Snapshot::default();
        for slot in slots {
            snap.set(slot, slot.read(data));
        }
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_flags_are_sticky() {
        for slot in [
            Slot::Value(Field::Email),
            Slot::EmailOptOut,
            Slot::CallOptOut,
        ] {
            assert_eq!(Slot::from_name(slot.name()), Some(slot));
        }
        let mut data = RecordData::default();
        Slot::EmailOptOut.write(&mut data, Some("true"));
        Slot::EmailOptOut.write(&mut data, Some("false"));
        assert!(data.email_opt_out);
        Slot::Value(Field::City).write(&mut data, Some("Oslo"));
        let snap = Snapshot::of_record(&data, [Slot::Value(Field::City), Slot::CallOptOut]);
        assert_eq!(snap.get(Slot::Value(Field::City)), Some("Oslo"));
        assert_eq!(snap.get(Slot::CallOptOut), Some("false"));
        let json = serde_json::to_string(&snap).unwrap();
        assert_eq!(json, r#"{"call_opt_out":"false","city":"Oslo"}"#);
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snap);
    }
}
