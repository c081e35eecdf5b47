//! Evaluating a bound query: filters, LIKE, ordering, offset and limit.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::lexer::CmpOp;
use super::plan::Plan;
use crate::emulator::fields::{Computed, FieldType};
use crate::emulator::records::render_value;
use crate::emulator::schema::ObjectSchema;
use crate::emulator::store::{Row, Table};
use crate::emulator::value::Val;

/// A bound WHERE condition.
#[derive(Debug, Clone)]
pub(super) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cmp {
        idx: usize,
        ftype: FieldType,
        op: CmpOp,
        value: Val,
    },
    In {
        idx: usize,
        ftype: FieldType,
        negated: bool,
        values: Vec<Val>,
    },
    Like {
        idx: usize,
        pattern: Vec<LikeTok>,
    },
}

/// One element of a LIKE pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum LikeTok {
    Char(char),
    One,
    Any,
}

/// One bound ORDER BY item.
#[derive(Debug, Clone, Copy)]
pub(super) struct Order {
    pub idx: usize,
    pub ftype: FieldType,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Compiles a LIKE pattern (`%`, `_`, backslash escapes).
pub(super) fn like_pattern(pattern: &str) -> Vec<LikeTok> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => LikeTok::Any,
            '_' => LikeTok::One,
            '\\' => LikeTok::Char(chars.next().unwrap_or('\\')),
            c => LikeTok::Char(c),
        });
    }
    out
}

/// Case-insensitive LIKE match by dynamic programming over (pattern, text) prefixes.
fn like_matches(pattern: &[LikeTok], text: &str) -> bool {
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut row = vec![false; text.len() + 1];
    if let Some(first) = row.first_mut() {
        *first = true;
    }
    for tok in pattern {
        let mut next = vec![false; text.len() + 1];
        match tok {
            LikeTok::Any => {
                let mut seen = false;
                for (j, slot) in next.iter_mut().enumerate() {
                    seen |= row.get(j).copied().unwrap_or(false);
                    *slot = seen;
                }
            }
            LikeTok::One | LikeTok::Char(_) => {
                for (j, ch) in text.iter().enumerate() {
                    let ok = match tok {
                        LikeTok::Char(p) => p.to_lowercase().eq(std::iter::once(*ch)),
                        _ => true,
                    };
                    if ok && row.get(j).copied().unwrap_or(false) {
                        if let Some(slot) = next.get_mut(j + 1) {
                            *slot = true;
                        }
                    }
                }
            }
        }
        row = next;
    }
    row.last().copied().unwrap_or(false)
}

/// The value a query sees for field `idx` (computing the full name).
fn value<'r>(schema: &ObjectSchema, idx: usize, row: &'r Row) -> Cow<'r, Val> {
    match schema.field(idx).and_then(|f| f.computed) {
        Some(Computed::FullName) => Cow::Owned(match render_value(schema, idx, row) {
            serde_json::Value::String(s) => Val::Text(s),
            _ => Val::Null,
        }),
        _ => row.get(idx).map_or(Cow::Owned(Val::Null), Cow::Borrowed),
    }
}

fn compare(left: &Val, op: CmpOp, right: &Val, ftype: FieldType) -> bool {
    match (left.is_null(), right.is_null()) {
        (_, true) => match op {
            CmpOp::Eq => left.is_null(),
            CmpOp::Ne => !left.is_null(),
            _ => false,
        },
        (true, false) => op == CmpOp::Ne,
        (false, false) => {
            let ord = left.cmp_for(right, ftype);
            match op {
                CmpOp::Eq => ord == Ordering::Equal,
                CmpOp::Ne => ord != Ordering::Equal,
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
            }
        }
    }
}

impl Filter {
    fn matches(&self, schema: &ObjectSchema, row: &Row) -> bool {
        match self {
            Filter::And(terms) => terms.iter().all(|t| t.matches(schema, row)),
            Filter::Or(terms) => terms.iter().any(|t| t.matches(schema, row)),
            Filter::Not(inner) => !inner.matches(schema, row),
            Filter::Cmp {
                idx,
                ftype,
                op,
                value: v,
            } => compare(&value(schema, *idx, row), *op, v, *ftype),
            Filter::In {
                idx,
                ftype,
                negated,
                values,
            } => {
                let left = value(schema, *idx, row);
                let hit = values.iter().any(|v| compare(&left, CmpOp::Eq, v, *ftype));
                hit != *negated
            }
            Filter::Like { idx, pattern } => match value(schema, *idx, row).as_ref() {
                Val::Text(s) => like_matches(pattern, s),
                _ => false,
            },
        }
    }
}

impl Plan {
    /// Rows matching the query, sorted, offset and limited. Soft-deleted rows are included
    /// only for `queryAll`.
    pub(crate) fn run<'t>(
        &self,
        schema: &ObjectSchema,
        table: &'t Table,
        include_deleted: bool,
    ) -> Vec<&'t Row> {
        let mut rows: Vec<&Row> = table
            .iter()
            .map(|(_, row)| row)
            .filter(|row| include_deleted || !table.is_deleted(row))
            .filter(|row| self.filter.as_ref().is_none_or(|f| f.matches(schema, row)))
            .collect();
        if !self.order.is_empty() {
            rows.sort_by(|a, b| self.compare_rows(schema, a, b));
        }
        rows.into_iter()
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }

    fn compare_rows(&self, schema: &ObjectSchema, a: &Row, b: &Row) -> Ordering {
        for o in &self.order {
            let (x, y) = (value(schema, o.idx, a), value(schema, o.idx, b));
            let ord = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) if o.nulls_first => Ordering::Less,
                (true, false) => Ordering::Greater,
                (false, true) if o.nulls_first => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    let ord = x.cmp_for(&y, o.ftype);
                    if o.descending {
                        ord.reverse()
                    } else {
                        ord
                    }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_semantics() {
        let cases = [
            ("Acme%", "ACME Corp", true),
            ("%corp", "Acme Corp", true),
            ("A_me", "Acme", true),
            ("A_me", "Acmme", false),
            ("100\\%", "100%", true),
            ("100\\%", "1000", false),
            ("%", "", true),
            ("", "x", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(
                like_matches(&like_pattern(pattern), text),
                want,
                "{pattern} ~ {text}"
            );
        }
    }
}
