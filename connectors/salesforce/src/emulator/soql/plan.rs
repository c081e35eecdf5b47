//! Binding a parsed query to a schema: names resolved, literal types checked.

use super::eval::{like_pattern, Filter, Order};
use super::lexer::CmpOp;
use super::parser::{Cond, Literal, Name, Query};
use super::SoqlError;
use crate::emulator::fields::FieldType;
use crate::emulator::ids;
use crate::emulator::schema::{ObjectSchema, Schemas};
use crate::emulator::value::Val;

/// A query ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Object position in [`Schemas`].
    pub obj: usize,
    /// Selected field indexes in SELECT order; `None` for `COUNT()`.
    pub fields: Option<Vec<usize>>,
    pub(super) filter: Option<Filter>,
    pub(super) order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: usize,
}

/// SOQL allows at most this OFFSET.
const MAX_OFFSET: u64 = 2000;

/// Resolves names and checks literal types.
pub(crate) fn bind(query: &Query, schemas: &Schemas) -> Result<Plan, SoqlError> {
    let obj = schemas.position(&query.object.text).ok_or_else(|| {
        SoqlError::with_code(
            query.object.pos,
            "INVALID_TYPE",
            &format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom \
                 object, be sure to append the '__c' after the entity name. Please reference \
                 your WSDL or the describe call for the appropriate names.",
                query.object.text
            ),
        )
    })?;
    let schema = schemas
        .get(obj)
        .ok_or_else(|| SoqlError::malformed(0, "unknown object"))?;
    let fields = match &query.fields {
        None => None,
        Some(names) => {
            let mut out: Vec<usize> = Vec::with_capacity(names.len());
            for name in names {
                let idx = field(schema, name)?;
                if out.contains(&idx) {
                    return Err(SoqlError::malformed(
                        name.pos,
                        &format!("duplicate field selected: {}", schema.field_name(idx)),
                    ));
                }
                out.push(idx);
            }
            Some(out)
        }
    };
    let filter = query
        .filter
        .as_ref()
        .map(|c| bind_cond(schema, c))
        .transpose()?;
    let mut order = Vec::with_capacity(query.order.len());
    for item in &query.order {
        let idx = field(schema, &item.field)?;
        let ftype = usable(schema, idx, &item.field, "sorted")?;
        let nulls_first = item.nulls_last.map_or(!item.descending, |last| !last);
        order.push(Order {
            idx,
            ftype,
            descending: item.descending,
            nulls_first,
        });
    }
    let offset = query.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(SoqlError::with_code(
            0,
            "NUMBER_OUTSIDE_VALID_RANGE",
            &format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
        ));
    }
    Ok(Plan {
        obj,
        fields,
        filter,
        order,
        limit: query
            .limit
            .map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
        offset: usize::try_from(offset).unwrap_or(0),
    })
}

fn field(schema: &ObjectSchema, name: &Name) -> Result<usize, SoqlError> {
    schema.field_index(&name.text).ok_or_else(|| {
        let detail = match name.text.split_once('.') {
            Some((rel, _)) => format!(
                "Didn't understand relationship '{rel}' in field path. If you are attempting to \
                 use a custom relationship, be sure to append the '__r' after the custom \
                 relationship name. Please reference your WSDL or the describe call for the \
                 appropriate names."
            ),
            None => format!(
                "No such column '{}' on entity '{}'. If you are attempting to use a custom field, \
                 be sure to append the '__c' after the custom field name. Please reference your \
                 WSDL or the describe call for the appropriate names.",
                name.text, schema.name
            ),
        };
        SoqlError::with_code(name.pos, "INVALID_FIELD", &detail)
    })
}

/// Long text areas and compound address fields cannot be filtered or sorted.
fn usable(
    schema: &ObjectSchema,
    idx: usize,
    name: &Name,
    how: &str,
) -> Result<FieldType, SoqlError> {
    let def = schema
        .field(idx)
        .ok_or_else(|| SoqlError::malformed(name.pos, "unknown field"))?;
    let long_text = def.ftype == FieldType::TextArea && def.length > 255;
    if long_text || def.ftype == FieldType::Address {
        return Err(SoqlError::with_code(
            name.pos,
            "INVALID_FIELD",
            &format!("field '{}' can not be {how} in a query call", def.name),
        ));
    }
    Ok(def.ftype)
}

fn bind_cond(schema: &ObjectSchema, cond: &Cond) -> Result<Filter, SoqlError> {
    Ok(match cond {
        Cond::And(terms) => Filter::And(
            terms
                .iter()
                .map(|t| bind_cond(schema, t))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(terms) => Filter::Or(
            terms
                .iter()
                .map(|t| bind_cond(schema, t))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Not(inner) => Filter::Not(Box::new(bind_cond(schema, inner)?)),
        Cond::Cmp {
            field: name,
            op,
            value,
        } => {
            let idx = field(schema, name)?;
            let ftype = usable(schema, idx, name, "filtered")?;
            let value = literal(schema, idx, ftype, name, value)?;
            let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
            if ordered && (value.is_null() || ftype == FieldType::Boolean) {
                return Err(SoqlError::with_code(
                    name.pos,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    &format!(
                        "invalid operator on {} field: {}",
                        ftype.soql_name(),
                        name.text
                    ),
                ));
            }
            Filter::Cmp {
                idx,
                ftype,
                op: *op,
                value,
            }
        }
        Cond::In {
            field: name,
            negated,
            values,
        } => {
            let idx = field(schema, name)?;
            let ftype = usable(schema, idx, name, "filtered")?;
            let values = values
                .iter()
                .map(|v| literal(schema, idx, ftype, name, v))
                .collect::<Result<_, _>>()?;
            Filter::In {
                idx,
                ftype,
                negated: *negated,
                values,
            }
        }
        Cond::Like {
            field: name,
            pattern,
        } => {
            let idx = field(schema, name)?;
            let ftype = usable(schema, idx, name, "filtered")?;
            if !ftype.is_text() || matches!(ftype, FieldType::Id | FieldType::Reference) {
                return Err(SoqlError::with_code(
                    name.pos,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    &format!(
                        "invalid operator on {} field: {}",
                        ftype.soql_name(),
                        name.text
                    ),
                ));
            }
            Filter::Like {
                idx,
                pattern: like_pattern(pattern),
            }
        }
    })
}

/// Checks a literal against the field type, the way Salesforce words the mismatch.
fn literal(
    schema: &ObjectSchema,
    idx: usize,
    ftype: FieldType,
    name: &Name,
    value: &Literal,
) -> Result<Val, SoqlError> {
    let fname = schema.field_name(idx);
    let mismatch = |quoted: bool| {
        let how = if quoted {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        SoqlError::with_code(
            name.pos,
            "INVALID_FIELD",
            &format!(
                "value of filter criterion for field '{fname}' must be of type {} and {how}",
                ftype.soql_name()
            ),
        )
    };
    match (ftype, value) {
        (_, Literal::Null) => Ok(Val::Null),
        (FieldType::Id | FieldType::Reference, Literal::Str(s)) => {
            ids::normalize(s).map(Val::Text).ok_or_else(|| {
                SoqlError::with_code(
                    name.pos,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    &format!("invalid ID field: {s}"),
                )
            })
        }
        (FieldType::Boolean, Literal::Bool(b)) => Ok(Val::Bool(*b)),
        (FieldType::DateTime, Literal::DateTime(ts)) => Ok(Val::DateTime(*ts)),
        (FieldType::Currency | FieldType::Int, Literal::Num(n)) => Ok(Val::Num(*n)),
        (t, Literal::Str(s)) if t.is_text() => Ok(Val::Text(unescape_like(s))),
        (t, _) if t.is_text() => Err(mismatch(true)),
        _ => Err(mismatch(false)),
    }
}

/// Outside LIKE, `\%` and `\_` mean the plain characters.
fn unescape_like(s: &str) -> String {
    s.replace("\\%", "%").replace("\\_", "_")
}
