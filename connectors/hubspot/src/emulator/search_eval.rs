//! Search filter evaluation and sorting.
//!
//! Filter groups are OR'd, filters inside a group AND'd. Values compare by the property's
//! type: numbers numerically, `date`/`datetime` properties as epoch milliseconds (filter
//! values may be epoch-millisecond strings or ISO 8601), everything else as case-insensitive
//! text. A filter on a property the type does not have matches nothing, silently, as HubSpot
//! does.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::Value;

use super::clock::parse_time_millis;
use super::errors::ApiError;
use super::schema::{ObjectSchema, PropKind};
use super::store::Record;
use super::text_match::{contains_token, tokens};
use super::wire::scalar_text;

/// Most filter groups per search request.
pub(crate) const MAX_GROUPS: usize = 5;
/// Most filters per group.
pub(crate) const MAX_FILTERS_PER_GROUP: usize = 6;

/// One filter as sent on the wire.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireFilter {
    #[serde(default)]
    property_name: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    values: Option<Vec<Value>>,
    #[serde(default)]
    high_value: Option<Value>,
}

/// One filter group as sent on the wire.
#[derive(Debug, Deserialize)]
pub(crate) struct WireGroup {
    #[serde(default)]
    filters: Vec<WireFilter>,
}

/// A sort as sent on the wire: `"prop"`, `"-prop"` or `{propertyName, direction}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireSort {
    Name(String),
    Full {
        #[serde(rename = "propertyName")]
        property_name: String,
        #[serde(default)]
        direction: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    Has,
    NotHas,
    Contains,
    NotContains,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Time,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Num(f64),
    Text(String),
}

#[derive(Debug)]
struct Filter {
    prop: String,
    op: Op,
    kind: Kind,
    value: Option<Key>,
    high: Option<Key>,
    values: Vec<Key>,
    pattern: String,
}

/// A compiled search: filters, sorts and free-text query.
#[derive(Debug)]
pub(crate) struct Plan {
    groups: Vec<Vec<Filter>>,
    sorts: Vec<(String, bool, Kind)>,
    query: Vec<String>,
    searchable: Vec<String>,
}

fn kind_of(schema: &ObjectSchema, prop: &str) -> Kind {
    match schema.properties.get(prop).map(|p| p.kind) {
        Some(PropKind::Number) => Kind::Number,
        Some(PropKind::Date | PropKind::DateTime) => Kind::Time,
        _ => Kind::Text,
    }
}

fn key_of(kind: Kind, text: &str) -> Option<Key> {
    match kind {
        Kind::Number => text.trim().parse::<f64>().ok().map(Key::Num),
        Kind::Time => parse_time_millis(text).map(|ms| Key::Num(ms as f64)),
        Kind::Text => Some(Key::Text(text.to_lowercase())),
    }
}

fn compare(a: &Key, b: &Key) -> Option<Ordering> {
    match (a, b) {
        (Key::Num(x), Key::Num(y)) => x.partial_cmp(y),
        (Key::Text(x), Key::Text(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn parse_op(op: &str) -> Option<Op> {
    Some(match op {
        "EQ" => Op::Eq,
        "NEQ" => Op::Neq,
        "LT" => Op::Lt,
        "LTE" => Op::Lte,
        "GT" => Op::Gt,
        "GTE" => Op::Gte,
        "BETWEEN" => Op::Between,
        "IN" => Op::In,
        "NOT_IN" => Op::NotIn,
        "HAS_PROPERTY" => Op::Has,
        "NOT_HAS_PROPERTY" => Op::NotHas,
        "CONTAINS_TOKEN" => Op::Contains,
        "NOT_CONTAINS_TOKEN" => Op::NotContains,
        _ => return None,
    })
}

fn compile_filter(schema: &ObjectSchema, wire: WireFilter) -> Result<Filter, ApiError> {
    let op = parse_op(&wire.operator).ok_or_else(|| {
        ApiError::validation(format!(
            "Invalid operator `{}` for property {}",
            wire.operator, wire.property_name
        ))
    })?;
    let kind = kind_of(schema, &wire.property_name);
    let key = |value: &Value| {
        let text = scalar_text(value);
        key_of(kind, &text).ok_or_else(|| {
            ApiError::validation(format!(
                "{text} is not a valid value for property {}",
                wire.property_name
            ))
        })
    };
    let needs_value = matches!(
        op,
        Op::Eq
            | Op::Neq
            | Op::Lt
            | Op::Lte
            | Op::Gt
            | Op::Gte
            | Op::Between
            | Op::Contains
            | Op::NotContains
    );
    let value = match &wire.value {
        Some(v) if needs_value => Some(key(v)?),
        _ if needs_value => {
            return Err(ApiError::validation(format!(
                "Operator {} requires a value for property {}",
                wire.operator, wire.property_name
            )))
        }
        _ => None,
    };
    let high = match (&wire.high_value, op) {
        (Some(v), Op::Between) => Some(key(v)?),
        (None, Op::Between) => {
            return Err(ApiError::validation(format!(
                "Operator BETWEEN requires a highValue for property {}",
                wire.property_name
            )))
        }
        _ => None,
    };
    let values = match (&wire.values, op) {
        (Some(list), Op::In | Op::NotIn) => list.iter().map(key).collect::<Result<_, _>>()?,
        (None, Op::In | Op::NotIn) => {
            return Err(ApiError::validation(format!(
                "Operator {} requires values for property {}",
                wire.operator, wire.property_name
            )))
        }
        _ => Vec::new(),
    };
    let pattern = wire
        .value
        .as_ref()
        .map(scalar_text)
        .unwrap_or_default()
        .to_lowercase();
    Ok(Filter {
        prop: wire.property_name,
        op,
        kind,
        value,
        high,
        values,
        pattern,
    })
}

impl Plan {
    /// Validates and compiles the search parts of a request.
    pub(crate) fn compile(
        schema: &ObjectSchema,
        groups: Vec<WireGroup>,
        sorts: Vec<WireSort>,
        query: Option<&str>,
    ) -> Result<Self, ApiError> {
        if groups.len() > MAX_GROUPS {
            return Err(ApiError::validation(format!(
                "Too many filter groups ({}). The maximum is {MAX_GROUPS}.",
                groups.len()
            )));
        }
        let mut compiled = Vec::with_capacity(groups.len());
        for group in groups {
            if group.filters.len() > MAX_FILTERS_PER_GROUP {
                return Err(ApiError::validation(format!(
                    "Too many filters in a filter group ({}). The maximum is \
                     {MAX_FILTERS_PER_GROUP}.",
                    group.filters.len()
                )));
            }
            let filters = group
                .filters
                .into_iter()
                .map(|f| compile_filter(schema, f))
                .collect::<Result<Vec<_>, _>>()?;
            compiled.push(filters);
        }
        let sorts = sorts
            .into_iter()
            .map(|sort| {
                let (prop, desc) = match sort {
                    WireSort::Name(name) => match name.strip_prefix('-') {
                        Some(rest) => (rest.to_owned(), true),
                        None => (name, false),
                    },
                    WireSort::Full {
                        property_name,
                        direction,
                    } => {
                        let desc = direction.is_some_and(|d| d.eq_ignore_ascii_case("DESCENDING"));
                        (property_name, desc)
                    }
                };
                let kind = kind_of(schema, &prop);
                (prop, desc, kind)
            })
            .collect();
        let query = query
            .map(|q| q.split_whitespace().map(str::to_lowercase).collect())
            .unwrap_or_default();
        let searchable = schema.searchable.iter().map(|s| (*s).to_owned()).collect();
        Ok(Self {
            groups: compiled,
            sorts,
            query,
            searchable,
        })
    }

    /// Whether a live record matches.
    pub(crate) fn matches(&self, record: &Record) -> bool {
        if record.archived {
            return false;
        }
        let groups_ok = self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|group| group.iter().all(|f| filter_matches(f, record)));
        groups_ok && self.query_matches(record)
    }

    fn query_matches(&self, record: &Record) -> bool {
        self.query.iter().all(|term| {
            self.searchable.iter().any(|prop| {
                record.properties.get(prop).is_some_and(|value| {
                    let value = value.to_lowercase();
                    value.starts_with(term.as_str())
                        || tokens(&value).any(|t| t.starts_with(term.as_str()))
                })
            })
        })
    }

    /// Sorts matches by the requested sorts, then by id; missing values sort last.
    pub(crate) fn sort(&self, records: &mut [&Record]) {
        let id = |r: &Record| r.id.parse::<u64>().unwrap_or(u64::MAX);
        records.sort_by(|a, b| {
            for (prop, desc, kind) in &self.sorts {
                let ka = a.properties.get(prop).and_then(|v| key_of(*kind, v));
                let kb = b.properties.get(prop).and_then(|v| key_of(*kind, v));
                let order = match (ka, kb) {
                    (Some(x), Some(y)) => {
                        let o = compare(&x, &y).unwrap_or(Ordering::Equal);
                        if *desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            id(a).cmp(&id(b))
        });
    }
}

fn filter_matches(f: &Filter, record: &Record) -> bool {
    let raw = record.properties.get(&f.prop).filter(|v| !v.is_empty());
    let key = raw.and_then(|v| key_of(f.kind, v));
    let cmp_to = |other: &Option<Key>| match (&key, other) {
        (Some(k), Some(o)) => compare(k, o),
        _ => None,
    };
    match f.op {
        Op::Has => raw.is_some(),
        Op::NotHas => raw.is_none(),
        Op::Eq => cmp_to(&f.value) == Some(Ordering::Equal),
        Op::Neq => cmp_to(&f.value) != Some(Ordering::Equal),
        Op::Lt => cmp_to(&f.value) == Some(Ordering::Less),
        Op::Lte => matches!(cmp_to(&f.value), Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => cmp_to(&f.value) == Some(Ordering::Greater),
        Op::Gte => matches!(cmp_to(&f.value), Some(Ordering::Greater | Ordering::Equal)),
        Op::Between => {
            matches!(cmp_to(&f.value), Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp_to(&f.high), Some(Ordering::Less | Ordering::Equal))
        }
        Op::In => in_list(key.as_ref(), &f.values),
        Op::NotIn => !in_list(key.as_ref(), &f.values),
        Op::Contains => raw.is_some_and(|v| contains_token(&f.pattern, v)),
        Op::NotContains => !raw.is_some_and(|v| contains_token(&f.pattern, v)),
    }
}

fn in_list(key: Option<&Key>, values: &[Key]) -> bool {
    key.is_some_and(|k| {
        values
            .iter()
            .any(|v| compare(k, v) == Some(Ordering::Equal))
    })
}

#[cfg(test)]
#[path = "search_eval_tests.rs"]
mod tests;
