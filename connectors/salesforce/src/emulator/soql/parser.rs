//! SOQL syntax: the supported subset and its abstract syntax tree.
//!
//! Grammar (keywords case-insensitive):
//!
//! ```text
//! query   := SELECT (COUNT '(' ')' | field (',' field)*) FROM object
//!            [WHERE cond] [ORDER BY order (',' order)*] [LIMIT n] [OFFSET n]
//! cond    := term ((AND term)* | (OR term)*)     -- mixing AND/OR needs parentheses
//! term    := NOT term | '(' cond ')' | field op literal | field [NOT] IN '(' literals ')'
//!          | field LIKE 'pattern'
//! order   := field [ASC|DESC] [NULLS (FIRST|LAST)]
//! ```

use chrono::{DateTime, Utc};

use super::lexer::{lex, CmpOp, Tok, Token};
use super::SoqlError;

/// A name with the byte offset it was written at (for error positions).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Name {
    pub text: String,
    pub pos: usize,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        field: Name,
        op: CmpOp,
        value: Literal,
    },
    In {
        field: Name,
        negated: bool,
        values: Vec<Literal>,
    },
    Like {
        field: Name,
        pattern: String,
    },
}

/// One ORDER BY item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderItem {
    pub field: Name,
    pub descending: bool,
    pub nulls_last: Option<bool>,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    /// `None` for `SELECT COUNT()`.
    pub fields: Option<Vec<Name>>,
    pub object: Name,
    pub filter: Option<Cond>,
    pub order: Vec<OrderItem>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Parses SOQL text.
pub(crate) fn parse(text: &str) -> Result<Query, SoqlError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, at: 0 };
    let query = p.query()?;
    p.expect_eof()?;
    Ok(query)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

const EOF: Token = Token {
    kind: Tok::Eof,
    pos: 0,
};

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens.get(self.at).unwrap_or(&EOF)
    }

    fn next(&mut self) -> Token {
        let tok = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        tok
    }

    fn unexpected(&self) -> SoqlError {
        let tok = self.peek();
        SoqlError::malformed(
            tok.pos,
            &format!("unexpected token: {}", tok.kind.describe()),
        )
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(&self.peek().kind, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
    }

    fn keyword(&mut self, word: &str) -> Result<(), SoqlError> {
        if self.is_keyword(word) {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn eat(&mut self, kind: &Tok) -> Result<(), SoqlError> {
        if &self.peek().kind == kind {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn name(&mut self) -> Result<Name, SoqlError> {
        let reserved = [
            "SELECT", "FROM", "WHERE", "ORDER", "BY", "LIMIT", "OFFSET", "AND", "OR",
        ];
        match &self.peek().kind {
            Tok::Ident(s) if !reserved.iter().any(|r| s.eq_ignore_ascii_case(r)) => {
                let name = Name {
                    text: s.clone(),
                    pos: self.peek().pos,
                };
                self.next();
                Ok(name)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn expect_eof(&self) -> Result<(), SoqlError> {
        if self.peek().kind == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.keyword("SELECT")?;
        let fields = if self.is_keyword("COUNT")
            && self.tokens.get(self.at + 1).map(|t| &t.kind) == Some(&Tok::LParen)
        {
            self.next();
            self.eat(&Tok::LParen)?;
            self.eat(&Tok::RParen)?;
            None
        } else {
            let mut fields = vec![self.name()?];
            while self.peek().kind == Tok::Comma {
                self.next();
                fields.push(self.name()?);
            }
            Some(fields)
        };
        self.keyword("FROM")?;
        let object = self.name()?;
        let filter = if self.is_keyword("WHERE") {
            self.next();
            Some(self.condition()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.is_keyword("ORDER") {
            self.next();
            self.keyword("BY")?;
            loop {
                order.push(self.order_item()?);
                if self.peek().kind != Tok::Comma {
                    break;
                }
                self.next();
            }
        }
        let limit = self.count_clause("LIMIT")?;
        let offset = self.count_clause("OFFSET")?;
        Ok(Query {
            fields,
            object,
            filter,
            order,
            limit,
            offset,
        })
    }

    fn count_clause(&mut self, word: &str) -> Result<Option<u64>, SoqlError> {
        if !self.is_keyword(word) {
            return Ok(None);
        }
        self.next();
        match self.peek().kind {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 => {
                self.next();
                Ok(Some(n as u64))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn order_item(&mut self) -> Result<OrderItem, SoqlError> {
        let field = self.name()?;
        let mut descending = false;
        if self.is_keyword("ASC") {
            self.next();
        } else if self.is_keyword("DESC") {
            self.next();
            descending = true;
        }
        let mut nulls_last = None;
        if self.is_keyword("NULLS") {
            self.next();
            if self.is_keyword("FIRST") {
                nulls_last = Some(false);
            } else if self.is_keyword("LAST") {
                nulls_last = Some(true);
            } else {
                return Err(self.unexpected());
            }
            self.next();
        }
        Ok(OrderItem {
            field,
            descending,
            nulls_last,
        })
    }

    /// A run of terms joined by one connective; a different connective at the same level is
    /// a syntax error, as in SOQL.
    fn condition(&mut self) -> Result<Cond, SoqlError> {
        let first = self.term()?;
        let connective = if self.is_keyword("AND") {
            "AND"
        } else if self.is_keyword("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.is_keyword(connective) {
            self.next();
            terms.push(self.term()?);
        }
        if self.is_keyword("AND") || self.is_keyword("OR") {
            return Err(self.unexpected());
        }
        Ok(if connective == "AND" {
            Cond::And(terms)
        } else {
            Cond::Or(terms)
        })
    }

    fn term(&mut self) -> Result<Cond, SoqlError> {
        if self.is_keyword("NOT") {
            self.next();
            return Ok(Cond::Not(Box::new(self.term()?)));
        }
        if self.peek().kind == Tok::LParen {
            self.next();
            let inner = self.condition()?;
            self.eat(&Tok::RParen)?;
            return Ok(inner);
        }
        let field = self.name()?;
        if let Tok::Op(op) = self.peek().kind {
            self.next();
            let value = self.literal()?;
            return Ok(Cond::Cmp { field, op, value });
        }
        let negated = self.is_keyword("NOT");
        if negated {
            self.next();
        }
        if self.is_keyword("IN") {
            self.next();
            self.eat(&Tok::LParen)?;
            let mut values = vec![self.literal()?];
            while self.peek().kind == Tok::Comma {
                self.next();
                values.push(self.literal()?);
            }
            self.eat(&Tok::RParen)?;
            return Ok(Cond::In {
                field,
                negated,
                values,
            });
        }
        if !negated && self.is_keyword("LIKE") {
            self.next();
            return match self.next().kind {
                Tok::Str(pattern) => Ok(Cond::Like { field, pattern }),
                _ => {
                    self.at = self.at.saturating_sub(1);
                    Err(self.unexpected())
                }
            };
        }
        Err(self.unexpected())
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let lit = match &self.peek().kind {
            Tok::Str(s) => Literal::Str(s.clone()),
            Tok::Num(n) => Literal::Num(*n),
            Tok::DateTime(ts) => Literal::DateTime(*ts),
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(self.unexpected()),
        };
        self.next();
        Ok(lit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_cursor_query() {
        let q = parse(
            "select Id, SystemModstamp from Lead where SystemModstamp > 2024-01-01T00:00:00Z \
             or (SystemModstamp = 2024-01-01T00:00:00Z and Id > '00Q000000000001AAA') \
             order by SystemModstamp, Id desc nulls last limit 10",
        )
        .unwrap();
        assert_eq!(q.fields.as_ref().map(Vec::len), Some(2));
        assert_eq!(q.object.text, "Lead");
        assert!(matches!(&q.filter, Some(Cond::Or(terms)) if terms.len() == 2));
        assert_eq!(q.order.len(), 2);
        assert_eq!(
            q.order.get(1).map(|o| (o.descending, o.nulls_last)),
            Some((true, Some(true)))
        );
        assert_eq!(q.limit, Some(10));
    }

    #[test]
    fn rejects_bad_syntax() {
        let bad = [
            ("SELECT FROM Lead", 7),
            ("SELECT Id FROM Lead WHERE", 25),
            ("SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3", 42),
            ("SELECT Id, FROM Lead", 11),
            ("SELECT Id FROM Lead LIMIT x", 26),
            ("SELECT Id FROM Lead WHERE Id IN ()", 33),
            ("SELECT Id FROM Lead extra", 20),
        ];
        for (text, pos) in bad {
            let err = parse(text).unwrap_err();
            assert_eq!(err.pos, pos, "{text}: {err:?}");
        }
        assert!(matches!(
            parse("SELECT COUNT() FROM Lead WHERE NOT (IsDeleted = true)"),
            Ok(Query {
                fields: None,
                filter: Some(Cond::Not(_)),
                ..
            })
        ));
    }
}
