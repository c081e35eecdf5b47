//! Encoding detection from the first bytes of a file.
//!
//! Order of evidence: an explicit `encoding` option, then a byte-order mark, then the NUL
//! pattern of BOM-less UTF-16, then whether the sample is valid UTF-8; anything else is taken
//! as Windows-1252, which is what Excel writes for "CSV" in Western locales and which maps
//! every byte to some character, so detection never fails.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// How many bytes of the file's start are inspected for encoding and delimiter.
pub(crate) const SAMPLE_BYTES: usize = 64 * 1024;

/// The outcome of detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The encoding to decode the file with.
    pub(crate) encoding: &'static Encoding,
    /// Bytes of byte-order mark to skip at the start of the file.
    pub(crate) bom_len: usize,
}

/// Resolve an encoding label (`utf-8`, `windows-1252`, `latin1`, `utf-16le`, …).
///
/// `None` for unknown labels and for the WHATWG "replacement" encoding, which would decode
/// a whole file to a single replacement character.
pub(crate) fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).filter(|e| *e != encoding_rs::REPLACEMENT)
}

/// Pick the encoding for a file whose first bytes are `sample`. `complete` says whether the
/// sample is the whole file.
pub(crate) fn detect(
    sample: &[u8],
    complete: bool,
    explicit: Option<&'static Encoding>,
) -> Detected {
    let bom = Encoding::for_bom(sample);
    if let Some(encoding) = explicit {
        // A BOM is only skipped when it belongs to the requested encoding; otherwise the
        // caller asked for exactly these bytes to be decoded as given.
        let bom_len = match bom {
            Some((bom_encoding, len)) if bom_encoding == encoding => len,
            _ => 0,
        };
        return Detected { encoding, bom_len };
    }
    if let Some((encoding, bom_len)) = bom {
        return Detected { encoding, bom_len };
    }
    if let Some(encoding) = bomless_utf16(sample) {
        return Detected {
            encoding,
            bom_len: 0,
        };
    }
    let encoding = if is_utf8(sample, complete) {
        UTF_8
    } else {
        WINDOWS_1252
    };
    Detected {
        encoding,
        bom_len: 0,
    }
}

/// Whether `sample` is UTF-8. When the sample was cut from a longer file, an incomplete
/// character at its very end is not held against it.
pub(crate) fn is_utf8(sample: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        // `error_len() == None` means the input ended inside a character: the cut, not the file.
        Err(e) => !complete && e.error_len().is_none(),
    }
}

/// UTF-16 without a BOM, recognised by mostly-ASCII text having a NUL in every other byte.
fn bomless_utf16(sample: &[u8]) -> Option<&'static Encoding> {
    let probe = sample.get(..4096).unwrap_or(sample);
    let pairs = probe.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in probe.chunks_exact(2) {
        if let [a, b] = pair {
            even_nul += usize::from(*a == 0);
            odd_nul += usize::from(*b == 0);
        }
    }
    // At least 60% of one half NUL and at most 5% of the other: text, not binary noise.
    let mostly = |n: usize| n * 10 >= pairs * 6;
    let hardly = |n: usize| n * 20 <= pairs;
    if mostly(odd_nul) && hardly(even_nul) {
        Some(UTF_16LE)
    } else if mostly(even_nul) && hardly(odd_nul) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Why a file that is plainly not CSV text cannot be read, if it is one.
pub(crate) fn binary_reason(sample: &[u8], encoding: &'static Encoding) -> Option<&'static str> {
    if sample.starts_with(b"PK\x03\x04") {
        return Some(
            "is a zip archive (an .xlsx workbook?), not CSV text; import workbooks with the \
             Excel connector",
        );
    }
    if sample.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(
            "is an OLE compound file (an .xls workbook?), not CSV text; import workbooks with \
             the Excel connector",
        );
    }
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return None;
    }
    let nuls = sample.iter().filter(|b| **b == 0).count();
    // Real exports carry at most a stray NUL; a tenth of the bytes is a binary file.
    (nuls * 10 > sample.len()).then_some(
        "contains binary data (NUL bytes), not CSV text; check that this is the exported CSV \
         file",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample, whether it is the whole file, explicit label, expected encoding and BOM length.
    type Case = (
        &'static [u8],
        bool,
        Option<&'static str>,
        &'static str,
        usize,
    );

    #[test]
    fn detection_table() {
        let cases: &[Case] = &[
            (b"\xEF\xBB\xBFa,b\n", true, None, "UTF-8", 3),
            (b"a,b\n", true, None, "UTF-8", 0),
            (b"\xFF\xFEa\0,\0b\0", true, None, "UTF-16LE", 2),
            (b"\xFE\xFF\0a\0,\0b", true, None, "UTF-16BE", 2),
            (b"a\0,\0b\0\n\0", true, None, "UTF-16LE", 0),
            (b"\0a\0,\0b\0\n", true, None, "UTF-16BE", 0),
            (b"caf\xe9,\x80\n", true, None, "windows-1252", 0),
            (b"caf\xc3\xa9\n", true, None, "UTF-8", 0),
            // A sample cut inside "é" is still UTF-8 …
            (b"caf\xc3", false, None, "UTF-8", 0),
            // … but a whole file ending that way is not.
            (b"caf\xc3", true, None, "windows-1252", 0),
            (
                b"\xEF\xBB\xBFa",
                true,
                Some("windows-1252"),
                "windows-1252",
                0,
            ),
            (b"\xEF\xBB\xBFa", true, Some("utf-8"), "UTF-8", 3),
            (b"\xFF\xFEa\0", true, Some("utf-16le"), "UTF-16LE", 2),
            (b"abc", true, Some("latin1"), "windows-1252", 0),
            (b"", true, None, "UTF-8", 0),
        ];
        for (sample, complete, label, name, bom_len) in cases {
            let explicit = label.map(|l| encoding_for_label(l).unwrap());
            let d = detect(sample, *complete, explicit);
            assert_eq!(
                (d.encoding.name(), d.bom_len),
                (*name, *bom_len),
                "sample {sample:?}"
            );
        }
    }

    #[test]
    fn unknown_and_replacement_labels_are_refused() {
        assert!(encoding_for_label("klingon").is_none());
        assert!(encoding_for_label("replacement").is_none());
        assert_eq!(
            encoding_for_label(" UTF-16LE ").map(|e| e.name()),
            Some("UTF-16LE")
        );
    }

    #[test]
    fn binary_files_are_recognised() {
        assert!(binary_reason(b"PK\x03\x04rest", UTF_8)
            .unwrap()
            .contains("Excel"));
        assert!(binary_reason(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", UTF_8).is_some());
        assert!(binary_reason(&[0u8; 100], UTF_8).is_some());
        assert_eq!(binary_reason(b"a,b\n1,2\n", UTF_8), None);
        assert_eq!(binary_reason(b"a\0b\0", UTF_16LE), None);
    }
}
