//! Salesforce record ids.
//!
//! Real ids are 15 case-sensitive characters (3-character key prefix, pod, counter) plus a
//! 3-character case-insensitive checksum suffix. The emulator draws the counter part from one
//! org-wide sequence written in ASCII-ordered base 62, so comparing ids as byte strings (what
//! `ORDER BY Id` and `Id > '...'` do here) follows creation order, and ids never repeat.

/// Digits in ASCII order, so that equal-length encodings sort like the numbers they encode.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// Characters between the key prefix and the counter: a pod identifier and reserved zeros.
const POD: &str = "8a00000";
const COUNTER_DIGITS: usize = 5;

/// Builds an 18-character id for `prefix` (`00Q`, `003`, ...) and sequence number `n`.
pub(crate) fn make_id(prefix: &str, n: u64) -> String {
    let mut digits = [b'0'; COUNTER_DIGITS];
    let mut rest = n;
    for slot in digits.iter_mut().rev() {
        let d = (rest % 62) as usize;
        *slot = BASE62.get(d).copied().unwrap_or(b'0');
        rest /= 62;
    }
    let mut id15 = String::with_capacity(18);
    id15.push_str(prefix);
    id15.push_str(POD);
    id15.extend(digits.iter().map(|&b| char::from(b)));
    to_18(&id15).unwrap_or(id15)
}

/// The largest sequence number [`make_id`] can encode without wrapping.
pub(crate) const MAX_SEQUENCE: u64 = 62u64.pow(COUNTER_DIGITS as u32) - 1;

/// Converts a 15-character id to its 18-character form; returns `None` if `id` is not
/// 15 alphanumeric characters.
pub(crate) fn to_18(id: &str) -> Option<String> {
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut out = String::with_capacity(18);
    out.push_str(id);
    for chunk in id.as_bytes().chunks(5) {
        let mut bits = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(char::from(SUFFIX.get(bits).copied().unwrap_or(b'A')));
    }
    Some(out)
}

/// Normalises a caller-supplied id (15 or 18 characters) to the 18-character form, or `None`
/// if it cannot be an id at all.
pub(crate) fn normalize(id: &str) -> Option<String> {
    match id.len() {
        15 => to_18(id),
        18 if id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            // The suffix is case-insensitive; rebuild it from the case-sensitive head.
            to_18(id.get(..15)?)
        }
        _ => None,
    }
}

/// A random-looking but reproducible opaque id (tokens, cursors, jobs) of `len` characters.
pub(crate) fn opaque(prefix: &str, len: usize, rng: &mut impl rand::Rng) -> String {
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    for _ in 0..len {
        let d = rng.gen_range(0..BASE62.len());
        out.push(char::from(BASE62.get(d).copied().unwrap_or(b'0')));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_checksum() {
        // A documented example pair: 15-character id and its 18-character form.
        assert_eq!(
            to_18("001A0000006Vm9r").as_deref(),
            Some("001A0000006Vm9rIAC")
        );
        assert_eq!(normalize("001a0000006vm9rIAC"), to_18("001a0000006vm9r"));
        assert_eq!(normalize("not-an-id"), None);
    }

    #[test]
    fn ids_sort_in_creation_order() {
        let ids: Vec<String> = [0, 1, 61, 62, 3843, 3844, MAX_SEQUENCE]
            .iter()
            .map(|&n| make_id("00Q", n))
            .collect();
        assert!(ids
            .iter()
            .all(|id| id.len() == 18 && id.starts_with("00Q8a00000")));
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids);
    }
}
