//! SOQL tokens.

use chrono::{DateTime, Utc};

use super::SoqlError;
use crate::emulator::clock::parse_datetime;

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub pos: usize,
}

/// Token kinds. Keywords arrive as [`Tok::Ident`] and are recognised by the parser, since
/// SOQL keywords are case-insensitive and not reserved as field names in every position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    DateTime(DateTime<Utc>),
    Comma,
    LParen,
    RParen,
    Op(CmpOp),
    Eof,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Tok {
    /// How the token reads in "unexpected token" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => n.to_string(),
            Tok::DateTime(ts) => ts.to_rfc3339(),
            Tok::Comma => ",".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Op(op) => match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            }
            .into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

/// Splits SOQL text into tokens.
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, SoqlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let single = |kind| Token { kind, pos: start };
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b',' => {
                out.push(single(Tok::Comma));
                i += 1;
            }
            b'(' => {
                out.push(single(Tok::LParen));
                i += 1;
            }
            b')' => {
                out.push(single(Tok::RParen));
                i += 1;
            }
            b'=' => {
                out.push(single(Tok::Op(CmpOp::Eq)));
                i += 1;
            }
            b'!' | b'<' | b'>' => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (b, next) {
                    (b'!', Some(b'=')) => (CmpOp::Ne, 2),
                    (b'<', Some(b'>')) => (CmpOp::Ne, 2),
                    (b'<', Some(b'=')) => (CmpOp::Le, 2),
                    (b'>', Some(b'=')) => (CmpOp::Ge, 2),
                    (b'<', _) => (CmpOp::Lt, 1),
                    (b'>', _) => (CmpOp::Gt, 1),
                    _ => return Err(SoqlError::malformed(start, "unexpected token: '!'")),
                };
                out.push(single(Tok::Op(op)));
                i += len;
            }
            b'\'' => {
                let (value, end) = lex_string(text, i)?;
                out.push(single(Tok::Str(value)));
                i = end;
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                let end = scan(bytes, i, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, b':' | b'.' | b'+' | b'-')
                });
                let word = text.get(start..end).unwrap_or("");
                out.push(single(literal(word, start)?));
                i = end;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let end = scan(bytes, i, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.')
                });
                out.push(single(Tok::Ident(
                    text.get(start..end).unwrap_or("").to_string(),
                )));
                i = end;
            }
            _ => {
                let ch = text
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                return Err(SoqlError::malformed(
                    start,
                    &format!("unexpected token: '{ch}'"),
                ));
            }
        }
    }
    out.push(Token {
        kind: Tok::Eof,
        pos: text.len(),
    });
    Ok(out)
}

fn scan(bytes: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut end = from;
    while bytes.get(end).is_some_and(|&c| keep(c)) {
        end += 1;
    }
    end
}

/// A number or an unquoted datetime literal.
fn literal(word: &str, pos: usize) -> Result<Tok, SoqlError> {
    if let Ok(n) = word.parse::<f64>() {
        if n.is_finite() {
            return Ok(Tok::Num(n));
        }
    }
    if word.contains('T') {
        if let Some(ts) = parse_datetime(word) {
            return Ok(Tok::DateTime(ts));
        }
        return Err(SoqlError::malformed(
            pos,
            &format!("line 1:{pos} no viable alternative at character '{word}'"),
        ));
    }
    Err(SoqlError::malformed(
        pos,
        &format!("unexpected token: {word}"),
    ))
}

/// A quoted string starting at `start`; returns the unescaped value and the end offset.
fn lex_string(text: &str, start: usize) -> Result<(String, usize), SoqlError> {
    let mut value = String::new();
    let mut chars = text.get(start + 1..).unwrap_or("").char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '\'' => return Ok((value, start + 1 + off + 1)),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    '\'' | '"' | '\\' => value.push(e),
                    // Kept escaped so LIKE can tell a literal % or _ from a wildcard.
                    '%' | '_' => {
                        value.push('\\');
                        value.push(e);
                    }
                    'u' => {
                        let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                        let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        match decoded {
                            Some(ch) if hex.len() == 4 => value.push(ch),
                            _ => return Err(bad_escape(start + 1 + off)),
                        }
                    }
                    _ => return Err(bad_escape(start + 1 + off)),
                }
            }
            _ => value.push(c),
        }
    }
    Err(SoqlError::malformed(
        start,
        "line 1: mismatched character '<EOF>' expecting '''",
    ))
}

fn bad_escape(pos: usize) -> SoqlError {
    SoqlError::malformed(
        pos,
        "Invalid string literal. Illegal character sequence '\\' in string literal.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        let toks = kinds("SELECT Id FROM Lead WHERE Name = 'O\\'Brien' AND N >= -2.5");
        assert_eq!(toks.get(7), Some(&Tok::Str("O'Brien".into())));
        assert_eq!(toks.get(10), Some(&Tok::Op(CmpOp::Ge)));
        assert_eq!(toks.get(11), Some(&Tok::Num(-2.5)));
        assert_eq!(toks.last(), Some(&Tok::Eof));
        let ts = kinds("x > 2024-01-01T00:00:00.000+0000");
        assert!(matches!(ts.get(2), Some(Tok::DateTime(_))));
        assert!(lex("x = 'open").is_err());
        assert!(lex("x = 'a\\qb'").is_err());
        assert!(lex("x > 2024-01-01T00:00:00.000 0000").is_err());
        assert!(lex("x > 2024-13-01T00:00:00Z").is_err());
        assert_eq!(kinds("a <> 'x'").get(1), Some(&Tok::Op(CmpOp::Ne)));
        assert_eq!(kinds("'\\u00e9'").first(), Some(&Tok::Str("é".into())));
    }
}
