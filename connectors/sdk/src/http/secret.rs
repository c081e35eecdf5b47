//! [`Secret`]: a credential that never prints.

use std::fmt;

/// A credential (token, client secret, password). `Debug` and `Display` print `***` so a
/// secret cannot leak through logs, error messages or `{:?}` of a config holding it; the value
/// is reachable only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The trimmed value of the variable `name` read through `lookup` (the process
    /// environment, or a stand-in in tests); `None` when it is unset or blank, so callers
    /// can name the missing variable in their error without ever printing a value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, name: &str) -> Option<Secret> {
        lookup(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(Secret)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn from_lookup_trims_and_treats_blank_as_unset() {
        use super::Secret;
        let env = |k: &str| match k {
            "SET" => Some("  tok  ".to_string()),
            "BLANK" => Some("   ".to_string()),
            _ => None,
        };
        assert_eq!(Secret::from_lookup(env, "SET").unwrap().expose(), "tok");
        assert!(Secret::from_lookup(env, "BLANK").is_none());
        assert!(Secret::from_lookup(env, "MISSING").is_none());
    }

    use super::Secret;

    #[test]
    fn never_prints_the_value() {
        let secret = Secret::new("pat-na1-very-secret");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(secret.expose(), "pat-na1-very-secret");
    }
}
