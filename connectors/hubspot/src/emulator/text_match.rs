//! Token matching for search: `CONTAINS_TOKEN` patterns (with `*` wildcards) and the
//! free-text `query`, both case-insensitive.

/// Alphanumeric tokens of a text.
pub(crate) fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// `*`-wildcard match of a whole (lowercase) text.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    let Some((last, middle)) = tail.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// `CONTAINS_TOKEN`: the pattern matches the whole value or one of its tokens.
pub(crate) fn contains_token(pattern: &str, value: &str) -> bool {
    let value = value.to_lowercase();
    glob(pattern, &value) || tokens(&value).any(|t| glob(pattern, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        let cases = [
            ("a*c", "abc", true),
            ("a*", "a", true),
            ("*z", "abc", false),
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "acb", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(glob(pattern, text), want, "{pattern} {text}");
        }
    }

    #[test]
    fn tokens_split_on_punctuation() {
        let found: Vec<&str> = tokens("ada.lovelace@example.com").collect();
        assert_eq!(found, vec!["ada", "lovelace", "example", "com"]);
        assert!(contains_token("lovelace", "Ada.Lovelace@example.com"));
        assert!(contains_token("*@example.com", "ada@example.com"));
        assert!(!contains_token("love", "ada.lovelace@example.com"));
    }
}
