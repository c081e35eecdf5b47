//! The SOQL subset: lexing, parsing, binding to a schema and evaluation.
//!
//! Supported: a plain field list or `COUNT()`, one object, WHERE with AND/OR/NOT and
//! parentheses, the six comparison operators, `IN`/`NOT IN`, `LIKE`, ORDER BY with
//! ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET. Errors carry Salesforce's
//! `ERROR at Row:r:Column:c` position format.

mod eval;
mod lexer;
mod parser;
mod plan;

pub(crate) use plan::{bind, Plan};

use super::error::ApiError;

/// A query error with the byte offset it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoqlError {
    pub pos: usize,
    pub code: &'static str,
    pub detail: String,
}

impl SoqlError {
    /// A syntax error (`MALFORMED_QUERY`).
    pub(crate) fn malformed(pos: usize, detail: &str) -> Self {
        Self {
            pos,
            code: "MALFORMED_QUERY",
            detail: detail.to_string(),
        }
    }

    /// A semantic error with another code (`INVALID_FIELD`, `INVALID_TYPE`, ...).
    pub(crate) fn with_code(pos: usize, code: &'static str, detail: &str) -> Self {
        Self {
            pos,
            code,
            detail: detail.to_string(),
        }
    }

    /// The error as Salesforce words it: the offending line, a caret under the position,
    /// `ERROR at Row:r:Column:c` and the detail.
    pub(crate) fn message(&self, soql: &str) -> String {
        let pos = self.pos.min(soql.len());
        let before = soql.get(..pos).unwrap_or("");
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = soql
            .get(pos..)
            .and_then(|s| s.find('\n'))
            .map_or(soql.len(), |i| pos + i);
        let line = soql.get(line_start..line_end).unwrap_or("");
        let column = soql
            .get(line_start..pos)
            .map_or(1, |s| s.chars().count() + 1);
        let caret = " ".repeat(column.saturating_sub(1));
        format!(
            "\n{line}\n{caret}^\nERROR at Row:{row}:Column:{column}\n{}",
            self.detail
        )
    }

    /// The 400 response for this error.
    pub(crate) fn into_api(self, soql: &str) -> ApiError {
        ApiError::bad_request(self.code, self.message(soql))
    }
}

/// Parses and binds SOQL against the emulator's schemas.
pub(crate) fn compile(soql: &str, schemas: &super::schema::Schemas) -> Result<Plan, ApiError> {
    let query = parser::parse(soql).map_err(|e| e.into_api(soql))?;
    bind(&query, schemas).map_err(|e| e.into_api(soql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_points_at_the_column() {
        let err = SoqlError::malformed(25, "unexpected token: <EOF>");
        assert_eq!(
            err.message("SELECT Id FROM Lead WHERE"),
            "\nSELECT Id FROM Lead WHERE\n                         ^\nERROR at Row:1:Column:26\n\
             unexpected token: <EOF>"
        );
        let err = SoqlError::malformed(12, "x");
        assert!(err
            .message("SELECT Id\nFROM Lead")
            .contains("ERROR at Row:2:Column:3"));
    }
}
