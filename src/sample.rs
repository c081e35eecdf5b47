//! Deterministic, realistically messy lead data: for trying crmsync without real data, for
//! the benchmark, and for the test suite's accounting checks.
//!
//! The mess is the kind real exports have: mixed-case and padded emails (some invalid),
//! phones in a dozen notations (some invalid, some international, extensions), ALL-CAPS and
//! lowercase names, three timestamp styles, multi-line quoted notes, blank lines, ~3%
//! duplicate ids with older and newer versions, rows with no id and ragged rows.

use std::io::Write;

/// A small, fast, deterministic PRNG (SplitMix64): the same seed gives the same file.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    /// A random element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kate",
    "Liam", "Maria", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor",
    "Wei", "Ximena", "Yusuf", "Zoe", "José", "Zoë", "Søren", "Aoife",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Garcia",
    "Chen",
    "Müller",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Rossi",
    "Tanaka",
    "Silva",
    "Novak",
    "Jensen",
    "Dubois",
    "Patel",
    "Kim",
    "Andersson",
    "McAllister",
    "van der Berg",
];
const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Imports",
    "Soylent",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Foods",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "acme.io",
    "globex.net",
    "initech.co",
    "mail.example.org",
    "hooli.com",
];
const AREA: &[&str] = &[
    "415", "212", "312", "617", "206", "512", "303", "404", "305", "702", "646", "718",
];
const STAGES: &[&str] = &[
    "lead",
    "subscriber",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "customer",
];
const CITIES: &[(&str, &str)] = &[
    ("San Francisco", "CA"),
    ("New York", "NY"),
    ("Chicago", "IL"),
    ("Boston", "MA"),
    ("Seattle", "WA"),
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Atlanta", "GA"),
    ("Miami", "FL"),
];

/// Header of generated files (a HubSpot-style contact export).
pub const HEADER: &[&str] = &[
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Lifecycle Stage",
    "City",
    "State/Region",
    "Notes",
    "Last Modified Date",
    "Unsubscribed",
];

fn phone(rng: &mut Rng) -> String {
    let area = rng.pick(AREA);
    let exch = 200 + rng.below(800);
    let exch = if exch == 555 { 556 } else { exch };
    let line = rng.below(10_000);
    match rng.below(100) {
        0..=19 => format!("({area}) {exch}-{line:04}"),
        20..=34 => format!("{area}.{exch}.{line:04}"),
        35..=49 => format!("+1 {area} {exch} {line:04}"),
        50..=59 => format!("1-{area}-{exch}-{line:04} x{}", 10 + rng.below(990)),
        60..=74 => format!("{area}{exch}{line:04}"),
        75..=82 => format!("{area}-{exch}-{line:04}"),
        83..=88 => format!("+44 20 7946 {:04}", rng.below(10_000)),
        89..=92 => format!("+49 30 {}", 1_000_000 + rng.below(9_000_000)),
        93..=96 => String::new(),
        _ => format!("{exch}-{:02}", rng.below(100)),
    }
}

fn email(rng: &mut Rng, first: &str, last: &str, n: u64) -> String {
    let local = format!(
        "{}.{}{}",
        first.to_lowercase(),
        last.to_lowercase().replace([' ', '\''], ""),
        n
    );
    let domain = rng.pick(DOMAINS);
    match rng.below(100) {
        0..=59 => format!("{local}@{domain}"),
        60..=79 => format!("  {}@{}  ", local.to_uppercase(), domain.to_uppercase()),
        80..=89 => format!("{local}@{domain}"),
        90..=93 => String::new(),
        94..=96 => format!("{local}@"),
        _ => format!("{local} at {domain}"),
    }
}

fn timestamp(rng: &mut Rng, base: i64) -> String {
    let secs = base + rng.below(86_400 * 30) as i64;
    let dt = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    match rng.below(3) {
        0 => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        1 => dt.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
        _ => dt.format("%-m/%-d/%Y %-I:%M %p").to_string(),
    }
}

/// One generated row (cells in [`HEADER`] order).
pub fn row(rng: &mut Rng, id: u64) -> Vec<String> {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let (first_s, last_s) = match rng.below(10) {
        0 => (first.to_uppercase(), last.to_uppercase()),
        1 => (first.to_lowercase(), format!("  {}", last.to_lowercase())),
        _ => (first.to_string(), last.to_string()),
    };
    let (city, state) = *rng.pick(CITIES);
    let notes = match rng.below(100) {
        0..=1 => format!(
            "Met at booth.\nFollow up re: \"pricing\", budget Q{}",
            1 + rng.below(4)
        ),
        2..=20 => "Requested demo".to_string(),
        _ => String::new(),
    };
    vec![
        id.to_string(),
        first_s,
        last_s,
        email(rng, first, last, id),
        phone(rng),
        rng.pick(COMPANIES).to_string(),
        rng.pick(&["VP Sales", "CTO", "Office Manager", "Buyer", "Engineer"])
            .to_string(),
        rng.pick(STAGES).to_string(),
        city.to_string(),
        state.to_string(),
        notes,
        timestamp(rng, 1_735_689_600),
        if rng.chance(30) {
            "true".into()
        } else {
            "false".into()
        },
    ]
}

/// What [`write_csv`] produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Data rows (ragged and id-less ones included; blank lines excluded).
    pub rows: u64,
    /// Blank lines.
    pub blank: u64,
    /// Rows that reuse an earlier id.
    pub duplicates: u64,
    /// Ragged rows (wrong field count).
    pub ragged: u64,
    /// Rows without an id.
    pub missing_id: u64,
}

/// The id of the next row: usually a fresh one, about 3% of the time one of the last 5,000
/// ids again (a duplicate, counted in `stats`).
fn next_id(rng: &mut Rng, last_id: &mut u64, stats: &mut Written) -> u64 {
    if *last_id >= 100_010 && rng.chance(30) {
        stats.duplicates += 1;
        *last_id - rng.below((*last_id - 100_000).min(5_000))
    } else {
        *last_id += 1;
        *last_id
    }
}

/// Append `cells` as one CSV line, quoting fields that need it.
fn write_line(out: &mut impl Write, cells: &[String]) -> std::io::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// Write `rows` messy lead rows as CSV to `out`, deterministically from `seed`.
///
/// # Errors
/// I/O errors from `out`.
pub fn write_csv(out: impl Write, rows: u64, seed: u64) -> std::io::Result<Written> {
    let mut rng = Rng::new(seed);
    let mut w = std::io::BufWriter::new(out);
    let header: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
    write_line(&mut w, &header)?;
    let mut stats = Written::default();
    let mut last_id: u64 = 100_000;
    for _ in 0..rows {
        if rng.chance(5) {
            w.write_all(b"\n")?;
            stats.blank += 1;
        }
        let id = next_id(&mut rng, &mut last_id, &mut stats);
        let mut cells = row(&mut rng, id);
        if rng.chance(2) {
            cells[0].clear();
            stats.missing_id += 1;
        }
        if rng.chance(1) {
            cells.truncate(HEADER.len() - 3);
            stats.ragged += 1;
        }
        write_line(&mut w, &cells)?;
        stats.rows += 1;
    }
    w.flush()?;
    Ok(stats)
}

/// Write `rows` messy lead rows as an XLSX workbook the way people hand them over: a title
/// row and a blank row above the header, phone numbers typed as numbers where they are only
/// digits, a third of the timestamps as real date cells, blank rows, duplicates.
///
/// # Errors
/// Workbook errors.
pub fn write_xlsx(
    path: &std::path::Path,
    rows: u64,
    seed: u64,
) -> Result<Written, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut rng = Rng::new(seed);
    let mut book = Workbook::new();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = book.add_worksheet();
    sheet.set_name("Leads")?;
    sheet.write_string(0, 0, "Q3 tradeshow leads export")?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(2, c as u16, *h)?;
    }
    let mut stats = Written::default();
    let mut last_id: u64 = 100_000;
    let mut r: u32 = 3;
    for _ in 0..rows {
        if rng.chance(5) {
            r += 1;
            stats.blank += 1;
        }
        let id = next_id(&mut rng, &mut last_id, &mut stats);
        let mut cells = row(&mut rng, id);
        if rng.chance(8) {
            cells[0].clear();
            stats.missing_id += 1;
        }
        for (c, value) in cells.iter().enumerate() {
            let col = c as u16;
            if value.is_empty() {
                continue;
            }
            let digits_only = value.bytes().all(|b| b.is_ascii_digit()) && value.len() <= 15;
            if (c == 0 || c == 4) && digits_only {
                sheet.write_number(r, col, value.parse::<f64>().unwrap_or_default())?;
            } else if c == 11 && rng.chance(333) {
                let secs = 1_735_689_600 + rng.below(86_400 * 30) as i64;
                let dt = ExcelDateTime::from_timestamp(secs)?;
                sheet.write_datetime_with_format(r, col, &dt, &date_fmt)?;
            } else {
                sheet.write_string(r, col, value)?;
            }
        }
        stats.rows += 1;
        r += 1;
    }
    book.save(path)?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_messy() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = write_csv(&mut a, 5_000, 7).unwrap();
        let sb = write_csv(&mut b, 5_000, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        assert_eq!(sa.rows, 5_000);
        assert!(
            sa.duplicates > 50 && sa.blank > 5 && sa.ragged > 0 && sa.missing_id > 0,
            "{sa:?}"
        );
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.contains("\"Met at booth.\n"),
            "multi-line notes are quoted"
        );
    }
}
