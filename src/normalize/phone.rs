//! Phone numbers to E.164, with exactly the verdict of the `phonenumber` crate.
//!
//! [`PhoneNormalizer::normalize`] accepts a number exactly when
//! `phonenumber::parse(Some(region), s)` succeeds and `is_valid` holds, and returns the same
//! E.164 string and extension. The crate costs 15–25 µs per number (far more on a mix of
//! countries), mostly in its mutex-guarded 100-entry regex cache, which is too slow for
//! million-row imports, so the same algorithm is replicated here:
//!
//! 1. [`syntax`] splits the text into number, `+cc` prefix and extension the way the crate's
//!    text parser does (including its extension regex, compiled once);
//! 2. [`pipeline`] strips the international and national prefixes and finds the country code
//!    with the default region's metadata, step for step as the crate does;
//! 3. [`validity`] decides validity from the crate's own metadata, compiled once per country
//!    code into anchored regexes.
//!
//! Anything not replicated (non-ASCII text other than no-break spaces, `tel:` URIs and URI
//! parameters, regions whose national prefix rewrites digits) goes to the crate itself. The
//! `tests` module checks both paths against the crate on generated inputs. The crate's
//! quirks are kept on purpose, for instance: the default region's national prefix is also
//! stripped from numbers written with another country code (with default region US,
//! `+44 121 496 0000` loses its leading `1` and is rejected).

#[path = "phone/pipeline.rs"]
mod pipeline;
#[path = "phone/syntax.rs"]
mod syntax;
#[cfg(test)]
#[path = "phone/tests.rs"]
mod tests;
#[path = "phone/validity.rs"]
mod validity;

use phonenumber::country::Id;
use phonenumber::metadata::{Database, DATABASE};
use pipeline::FastRegion;
use std::fmt;

/// Build the phone metadata, and the rules of `default_region`, on a thread of their own, so
/// that their start-up cost (about a tenth of a second, mostly compiling patterns) overlaps
/// opening the store and the input instead of delaying the first row.
/// [`PhoneNormalizer::new`] then finds them built, or waits for the build in progress;
/// only the first call in a process starts the thread (the CLI calls this before opening
/// the store, and [`crate::import::run_import`] again for library callers).
pub fn warm_up(default_region: &str) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let region = default_region.to_string();
        let spawned = std::thread::Builder::new()
            .name("phone-metadata".into())
            .spawn(move || {
                if let Ok(phones) = PhoneNormalizer::new(&region) {
                    // The first number parsed compiles the syntax patterns the fast path
                    // shares.
                    drop(phones.normalize("+1 (415) 555-0132"));
                }
            });
        // Without a thread, the metadata is simply built on first use.
        drop(spawned);
    });
}

/// A valid phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    /// The number in E.164 form, e.g. `+14155550132`.
    pub e164: String,
    /// The extension digits, if the input had an extension marker. May be empty when a marker
    /// had no digits after it (`415 555 0132 x`), as the reference parser reports it.
    pub extension: Option<String>,
}

/// Why a value is not a valid phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// The value is empty or only whitespace.
    Empty,
    /// The value does not look like a phone number at all.
    NotANumber,
    /// The value looks like a phone number but is not a valid one.
    Invalid {
        /// What is wrong, in words.
        reason: &'static str,
        /// The region the number was checked against, when known.
        region: Option<&'static str>,
    },
}

const TOO_SHORT: PhoneError = PhoneError::Invalid {
    reason: "too short to be a phone number",
    region: None,
};
const TOO_LONG: PhoneError = PhoneError::Invalid {
    reason: "too long to be a phone number",
    region: None,
};
const UNKNOWN_CODE: PhoneError = PhoneError::Invalid {
    reason: "unknown country calling code",
    region: None,
};

fn not_valid(code: u16) -> PhoneError {
    let region = validity::rules(code).main_region();
    PhoneError::Invalid {
        reason: "not a valid phone number",
        region,
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::Empty => f.write_str("phone number is empty"),
            PhoneError::NotANumber => f.write_str("not a phone number"),
            PhoneError::Invalid {
                reason,
                region: Some(region),
            } => {
                write!(f, "{reason} for region {region}")
            }
            PhoneError::Invalid {
                reason,
                region: None,
            } => f.write_str(reason),
        }
    }
}

impl std::error::Error for PhoneError {}

/// The default region given to [`PhoneNormalizer::new`] is not known.
#[derive(Debug, thiserror::Error)]
#[error("unknown phone region {0:?}: expected a two-letter ISO 3166 code such as US, GB or DE")]
pub struct UnknownRegion(pub String);

/// Parses and validates phone numbers for one default region. Cheap to share (`Arc`) across
/// threads; compiled metadata is global and built on first use of each country code.
#[derive(Debug)]
pub struct PhoneNormalizer {
    id: Id,
    fast: Option<FastRegion>,
}

impl PhoneNormalizer {
    /// A normalizer for numbers written without a country code in `default_region`, an ISO
    /// 3166 alpha-2 code (`US`, `gb`, …).
    ///
    /// # Errors
    /// [`UnknownRegion`] when the phone metadata has no such region.
    pub fn new(default_region: &str) -> Result<Self, UnknownRegion> {
        let unknown = || UnknownRegion(default_region.to_string());
        let region = default_region.trim().to_ascii_uppercase();
        let id: Id = region.parse().map_err(|_| unknown())?;
        let database: &'static Database = &DATABASE;
        database.by_id(region.as_str()).ok_or_else(unknown)?;
        Ok(PhoneNormalizer {
            id,
            fast: FastRegion::new(&region),
        })
    }

    /// Parse and validate one phone number.
    ///
    /// # Errors
    /// A [`PhoneError`] whose `Display` is a reason fit for a reject file.
    pub fn normalize(&self, raw: &str) -> Result<Phone, PhoneError> {
        if raw.trim().is_empty() {
            return Err(PhoneError::Empty);
        }
        match self.fast_path(raw) {
            Some(outcome) => outcome,
            None => self.reference(raw),
        }
    }

    /// The replicated parser; `None` when the input is outside what it replicates.
    fn fast_path(&self, raw: &str) -> Option<Result<Phone, PhoneError>> {
        self.fast.as_ref()?.normalize(raw)
    }

    /// The `phonenumber` crate itself, for everything the fast path does not replicate.
    fn reference(&self, raw: &str) -> Result<Phone, PhoneError> {
        let id = self.id;
        let outcome = std::panic::catch_unwind(move || {
            let number = phonenumber::parse(Some(id), raw)?;
            if !phonenumber::is_valid(&number) {
                return Ok(Err(number.code().value()));
            }
            Ok(Ok(Phone {
                e164: number.format().mode(phonenumber::Mode::E164).to_string(),
                extension: number.extension().map(|e| e.to_string()),
            }))
        });
        use phonenumber::ParseError as E;
        match outcome {
            Ok(Ok(Ok(phone))) => Ok(phone),
            Ok(Ok(Err(code))) => Err(not_valid(code)),
            Ok(Err(E::NoNumber | E::MalformedInteger(_))) => Err(PhoneError::NotANumber),
            Ok(Err(E::InvalidCountryCode)) => Err(UNKNOWN_CODE),
            Ok(Err(E::TooShortAfterIdd | E::TooShortNsn)) => Err(TOO_SHORT),
            Ok(Err(E::TooLong)) => Err(TOO_LONG),
            // A parser bug must not take the import down; the value is rejected instead.
            Err(_) => Err(PhoneError::NotANumber),
        }
    }
}
