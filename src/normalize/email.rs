//! Email addresses and company domains.
//!
//! Addresses are lowercased whole, local part included: CRM exports disagree on case for the
//! same person and nobody runs a case-sensitive mailbox, so lowercase keys dedup correctly.
//! Validation is deliberately structural (RFC 5322 `atext` local parts, LDH domain labels),
//! not a full RFC parser: quoted local parts, comments and IP-literal domains are rejected.

use std::fmt;

/// Longest address accepted (RFC 5321 path limit minus the brackets).
const MAX_ADDRESS: usize = 254;
/// Longest local part (RFC 5321).
const MAX_LOCAL: usize = 64;
/// Longest domain label (RFC 1035).
const MAX_LABEL: usize = 63;

/// Why a value is not a usable email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing left after trimming.
    Empty,
    /// No `@` at all.
    MissingAt,
    /// More than one `@`.
    SeveralAt,
    /// Nothing before the `@`.
    EmptyLocalPart,
    /// The part before the `@` is longer than 64 characters.
    LocalPartTooLong,
    /// A character not allowed before the `@`.
    BadLocalChar(char),
    /// A dot at the start or end of the local part, or two dots in a row.
    BadLocalDots,
    /// Nothing after the `@`.
    EmptyDomain,
    /// The domain has no dot.
    DomainWithoutDot,
    /// A domain label is empty, too long, has a bad character or starts/ends with `-`.
    BadDomainLabel,
    /// The last label is not a plausible top-level domain.
    BadTopLevelDomain,
    /// The whole address is longer than 254 characters.
    TooLong,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmailError::Empty => f.write_str("email is empty"),
            EmailError::MissingAt => f.write_str("missing @"),
            EmailError::SeveralAt => f.write_str("more than one @"),
            EmailError::EmptyLocalPart => f.write_str("nothing before the @"),
            EmailError::LocalPartTooLong => f.write_str("part before the @ is over 64 characters"),
            EmailError::BadLocalChar(c) => write!(f, "character {c:?} not allowed before the @"),
            EmailError::BadLocalDots => f.write_str("misplaced dot before the @"),
            EmailError::EmptyDomain => f.write_str("nothing after the @"),
            EmailError::DomainWithoutDot => f.write_str("domain has no dot"),
            EmailError::BadDomainLabel => f.write_str("malformed domain"),
            EmailError::BadTopLevelDomain => f.write_str("domain has no valid top-level domain"),
            EmailError::TooLong => f.write_str("email is over 254 characters"),
        }
    }
}

impl std::error::Error for EmailError {}

/// Trim, strip `mailto:` and angle brackets (`<a@b.com>`, also with a display name before
/// them: `Jane Doe <a@b.com>`), lowercase, and validate an email address.
///
/// # Errors
/// An [`EmailError`] saying what is wrong.
pub fn normalize_email(raw: &str) -> Result<String, EmailError> {
    let mut s = raw.trim();
    // Twice, for `mailto:<…>` as well as `<mailto:…>`.
    for _ in 0..2 {
        if let Some((_, inner)) = s.strip_suffix('>').and_then(|x| x.rsplit_once('<')) {
            s = inner.trim();
        }
        if s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            s = s.get(7..).unwrap_or_default().trim();
        }
    }
    if s.is_empty() {
        return Err(EmailError::Empty);
    }
    let email = s.to_lowercase();
    let mut parts = email.split('@');
    let (Some(local), Some(domain)) = (parts.next(), parts.next()) else {
        return Err(EmailError::MissingAt);
    };
    if parts.next().is_some() {
        return Err(EmailError::SeveralAt);
    }
    check_local(local)?;
    check_domain(domain)?;
    if email.len() > MAX_ADDRESS {
        return Err(EmailError::TooLong);
    }
    Ok(email)
}

fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL {
        return Err(EmailError::LocalPartTooLong);
    }
    if let Some(c) = local.chars().find(|&c| !is_atext(c) && c != '.') {
        return Err(EmailError::BadLocalChar(c));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::BadLocalDots);
    }
    Ok(())
}

/// RFC 5322 `atext`.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return Err(EmailError::DomainWithoutDot);
    };
    for label in domain.split('.') {
        let chars_ok = label
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c.is_alphabetic());
        if label.is_empty()
            || label.len() > MAX_LABEL
            || !chars_ok
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(EmailError::BadDomainLabel);
        }
    }
    let tld_ok = tld.starts_with("xn--")
        || (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    if !tld_ok {
        return Err(EmailError::BadTopLevelDomain);
    }
    Ok(())
}

/// The domain of an already normalized address (`a@example.com` → `example.com`).
pub fn email_domain(email: &str) -> Option<&str> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// A company domain from a website or address-like value:
/// `https://www.Example.com/path` → `example.com`, `@example.com` → `example.com`.
/// `None` when no plausible domain is left.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    if let Some((_, rest)) = s.split_once("://") {
        s = rest;
    }
    // An address or a bare `@domain` keeps what follows the last '@'.
    if let Some((_, rest)) = s.rsplit_once('@') {
        s = rest;
    }
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s = s.get(..end).unwrap_or_default();
    // A port (`example.com:8080`) is not part of the domain.
    if let Some((host, port)) = s.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            s = host;
        }
    }
    let host = s.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    check_domain(host).ok()?;
    Some(host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_valid_addresses() {
        for (raw, expected) in [
            ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
            ("<jane@example.com>", "jane@example.com"),
            ("Jane Doe <Jane@Example.com>", "jane@example.com"),
            ("mailto:<jane@example.com>", "jane@example.com"),
            ("<mailto:jane@example.com>", "jane@example.com"),
            ("mailto:Jane@Example.com", "jane@example.com"),
            ("MAILTO:jane+crm@example.co.uk", "jane+crm@example.co.uk"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),
            ("a@b.xn--p1ai", "a@b.xn--p1ai"),
            ("jorg@Bücher.DE", "jorg@bücher.de"),
            ("user@mail-01.example.com", "user@mail-01.example.com"),
        ] {
            assert_eq!(normalize_email(raw).as_deref(), Ok(expected), "{raw:?}");
        }
        // Non-ASCII local parts are not atext, while IDN domains pass (above).
        assert_eq!(
            normalize_email("Jörg@example.de"),
            Err(EmailError::BadLocalChar('ö'))
        );
    }

    #[test]
    fn rejects_with_a_reason() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        for (raw, err, reason) in [
            ("", EmailError::Empty, "email is empty"),
            ("<>", EmailError::Empty, "email is empty"),
            ("jane.example.com", EmailError::MissingAt, "missing @"),
            ("a@b@example.com", EmailError::SeveralAt, "more than one @"),
            (
                "@example.com",
                EmailError::EmptyLocalPart,
                "nothing before the @",
            ),
            (
                &long_local,
                EmailError::LocalPartTooLong,
                "part before the @ is over 64 characters",
            ),
            (
                "ja ne@example.com",
                EmailError::BadLocalChar(' '),
                "character ' ' not allowed before the @",
            ),
            (
                ".jane@example.com",
                EmailError::BadLocalDots,
                "misplaced dot before the @",
            ),
            (
                "jane.@example.com",
                EmailError::BadLocalDots,
                "misplaced dot before the @",
            ),
            (
                "ja..ne@example.com",
                EmailError::BadLocalDots,
                "misplaced dot before the @",
            ),
            ("jane@", EmailError::EmptyDomain, "nothing after the @"),
            (
                "jane@localhost",
                EmailError::DomainWithoutDot,
                "domain has no dot",
            ),
            (
                "jane@-example.com",
                EmailError::BadDomainLabel,
                "malformed domain",
            ),
            (
                "jane@example-.com",
                EmailError::BadDomainLabel,
                "malformed domain",
            ),
            (
                "jane@exa_mple.com",
                EmailError::BadDomainLabel,
                "malformed domain",
            ),
            (
                "jane@example..com",
                EmailError::BadDomainLabel,
                "malformed domain",
            ),
            (
                "jane@example.c",
                EmailError::BadTopLevelDomain,
                "domain has no valid top-level domain",
            ),
            (
                "jane@example.c0m",
                EmailError::BadTopLevelDomain,
                "domain has no valid top-level domain",
            ),
            (
                "jane@10.0.0.1",
                EmailError::BadTopLevelDomain,
                "domain has no valid top-level domain",
            ),
            (
                &long_total,
                EmailError::TooLong,
                "email is over 254 characters",
            ),
        ] {
            assert_eq!(normalize_email(raw), Err(err), "{raw:?}");
            assert_eq!(err.to_string(), reason);
        }
    }

    #[test]
    fn extracts_domains() {
        assert_eq!(email_domain("jane@example.com"), Some("example.com"));
        assert_eq!(email_domain("jane@"), None);
        assert_eq!(email_domain("example.com"), None);
        for (raw, expected) in [
            ("https://www.Example.com/path", Some("example.com")),
            (
                "http://shop.example.co.uk:8080/?q=1",
                Some("shop.example.co.uk"),
            ),
            ("@example.com", Some("example.com")),
            ("jane@Example.com", Some("example.com")),
            ("example.com.", Some("example.com")),
            ("WWW.EXAMPLE.ORG", Some("example.org")),
            ("localhost", None),
            ("not a domain", None),
            ("", None),
        ] {
            assert_eq!(normalize_domain(raw).as_deref(), expected, "{raw:?}");
        }
    }
}
