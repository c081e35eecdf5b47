//! Delimiter sniffing: which of `,` `;` tab `|` splits the first records of a file into a
//! consistent number of fields.
//!
//! The sample is parsed with the real CSV state machine for each candidate, so delimiters
//! inside quoted values (a `;` file whose values contain `"Acme, Inc"`) do not count.

use csv_core::{ReadFieldResult, ReaderBuilder};

/// Candidates in order of preference when several fit equally well.
pub(crate) const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Non-blank records of the sample considered.
const SAMPLE_RECORDS: usize = 20;

/// Shape of one sampled record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    fields: usize,
    last_empty: bool,
}

/// The delimiter for a file starting with `sample` (UTF-8). `complete` says whether the sample
/// is the whole file; if not, its last record may be cut off and is ignored.
///
/// The first candidate (in [`CANDIDATES`] order) whose header has more than one field and
/// whose every sampled record has the header's field count wins. Failing that (ragged rows
/// in the sample), the candidate whose records most often match its header's width; failing
/// that (a single-column file), `,`.
pub(crate) fn sniff_delimiter(sample: &[u8], complete: bool) -> u8 {
    let mut best: Option<(u8, usize, usize)> = None; // (delimiter, matching, sampled)
    for delimiter in CANDIDATES {
        let shapes = record_shapes(sample, complete, delimiter);
        let Some(width) = shapes.first().map(|s| s.fields) else {
            continue;
        };
        if width < 2 {
            continue;
        }
        let matching = shapes.iter().filter(|s| fits(**s, width)).count();
        if matching == shapes.len() {
            return delimiter;
        }
        let better = match best {
            None => true,
            // Compare matching/sampled ratios without floating point.
            Some((_, m, n)) => matching * n > m * shapes.len(),
        };
        if better {
            best = Some((delimiter, matching, shapes.len()));
        }
    }
    best.map_or(b',', |(delimiter, _, _)| delimiter)
}

/// Whether a record fits a header of `width` columns, with the same tolerance the reader
/// applies: one extra, empty trailing field (a line ending in a delimiter).
fn fits(shape: Shape, width: usize) -> bool {
    shape.fields == width || (shape.fields == width + 1 && shape.last_empty)
}

/// Field counts of the first non-blank records of `sample` split on `delimiter`.
fn record_shapes(sample: &[u8], complete: bool, delimiter: u8) -> Vec<Shape> {
    let mut parser = ReaderBuilder::new().delimiter(delimiter).build();
    // No field can be longer than the sample, so the parser never runs out of output room.
    let mut field = vec![0u8; sample.len() + 1];
    let mut shapes = Vec::new();
    let mut input = sample;
    let (mut fields, mut blank) = (0usize, true);
    while shapes.len() < SAMPLE_RECORDS {
        let (result, nin, nout) = parser.read_field(input, &mut field);
        input = input.get(nin..).unwrap_or_default();
        match result {
            ReadFieldResult::Field { record_end } => {
                let text = field.get(..nout).unwrap_or_default();
                fields += 1;
                blank &= text.iter().all(u8::is_ascii_whitespace);
                if record_end {
                    if !blank {
                        shapes.push(Shape {
                            fields,
                            last_empty: text.is_empty(),
                        });
                    }
                    (fields, blank) = (0, true);
                }
            }
            // Out of sample: a cut-off sample's unfinished record is dropped; a complete file
            // gets one more call with empty input, which the parser takes as the end.
            ReadFieldResult::InputEmpty if complete && nin > 0 => {}
            ReadFieldResult::InputEmpty | ReadFieldResult::End | ReadFieldResult::OutputFull => {
                break
            }
        }
    }
    shapes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_table() {
        let cases: &[(&str, &[u8], u8)] = &[
            ("plain comma", b"a,b,c\n1,2,3\n", b','),
            ("semicolon", b"name;email\nBob;b@x.io\nAl;a@x.io\n", b';'),
            ("tab", b"name\temail\nBob\tb@x.io\n", b'\t'),
            ("pipe", b"name|email\nBob|b@x.io\n", b'|'),
            (
                "semicolon with quoted commas",
                b"\"name\";\"company\"\n\"Bob\";\"Acme, Inc\"\n\"Al\";\"X, Y, Z\"\n",
                b';',
            ),
            (
                "semicolon with decimal commas",
                b"name;amount\nBob;1,5\nAl;2,25\n",
                b';',
            ),
            ("tab with commas in values", b"a\tb\nx, y\tz\n", b'\t'),
            ("tie prefers comma", b"a,b;c\n1,2;3\n", b','),
            ("single column", b"email\nb@x.io\n", b','),
            ("empty", b"", b','),
            ("blank lines are ignored", b"\n\n  \na;b\n\n1;2\n", b';'),
            (
                "quoted newline does not split a record",
                b"a;b\n\"multi\nline, with comma\";2\n",
                b';',
            ),
            ("trailing delimiter tolerated", b"a;b\n1;2;\n3;4;\n", b';'),
            (
                "ragged sample: best ratio wins",
                b"a|b\n1|2\n3|4\n5\n6|7\n",
                b'|',
            ),
            ("header only", b"first;last", b';'),
        ];
        for (name, sample, expected) in cases {
            let got = sniff_delimiter(sample, true);
            assert_eq!(got as char, *expected as char, "{name}");
        }
    }

    #[test]
    fn cut_off_last_record_is_ignored() {
        // The sample ends inside the third record; that fragment has one `;`-field only.
        let sample = b"a;b;c\n1;2;3\n4;5";
        assert_eq!(sniff_delimiter(sample, false), b';');
        assert_eq!(record_shapes(sample, false, b';').len(), 2);
        assert_eq!(record_shapes(sample, true, b';').len(), 3);
    }

    #[test]
    fn only_the_first_records_are_sampled() {
        let mut sample = b"a,b\n".repeat(SAMPLE_RECORDS);
        sample.extend_from_slice(b"x;y;z\n".repeat(100).as_slice());
        assert_eq!(record_shapes(&sample, true, b',').len(), SAMPLE_RECORDS);
        assert_eq!(sniff_delimiter(&sample, true), b',');
    }
}
