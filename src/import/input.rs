//! Opening an input file with the right reader, and fingerprinting it for resume.

use crmsync_sdk::{ConnectorError, ErrorKind, TableReader};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Reader options from the command line or config.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Worksheet name or 1-based index.
    pub sheet: Option<String>,
    /// CSV delimiter override.
    pub delimiter: Option<u8>,
    /// CSV encoding override.
    pub encoding: Option<String>,
}

/// Open `path` with the CSV or the spreadsheet reader, by extension.
///
/// # Errors
/// [`ConnectorError`] when the file is missing, unreadable or not a table.
pub fn open(path: &Path, opts: &InputOptions) -> Result<Box<dyn TableReader>, ConnectorError> {
    if crmsync_excel::is_spreadsheet_path(path) {
        let mut excel = crmsync_excel::ExcelOptions::default();
        if let Some(sheet) = &opts.sheet {
            excel.sheet = crmsync_excel::SheetSelector::parse(sheet);
        }
        Ok(Box::new(crmsync_excel::open(path, &excel)?))
    } else {
        if opts.sheet.is_some() {
            return Err(ConnectorError::new(
                "csv",
                ErrorKind::Config,
                format!(
                    "--sheet applies to spreadsheets, and {} is read as CSV",
                    path.display()
                ),
            ));
        }
        let csv = crmsync_csv::CsvOptions {
            delimiter: opts.delimiter,
            encoding: opts.encoding.clone(),
            ..crmsync_csv::CsvOptions::default()
        };
        Ok(Box::new(crmsync_csv::open(path, &csv)?))
    }
}

/// Bytes of the digest a fingerprint keeps (migration 0006 cut older ones to the same length).
const FINGERPRINT_BYTES: usize = 8;

/// Identify a file's content cheaply: size plus a SHA-256 over its first and last MiB, as 16
/// hex digits (64 bits). Used to recognise "the same file again" when resuming an interrupted
/// import, and stored on every record link to tell which input its values came from, so it
/// is kept short.
///
/// # Errors
/// I/O errors reading the file.
pub fn fingerprint(path: &Path) -> std::io::Result<String> {
    const CHUNK: u64 = 1 << 20;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut hasher = Sha256::new();
    hasher.update(len.to_le_bytes());
    let mut buf = Vec::with_capacity(CHUNK as usize);
    (&mut file).take(CHUNK).read_to_end(&mut buf)?;
    hasher.update(&buf);
    if len > CHUNK {
        buf.clear();
        file.seek(SeekFrom::Start(len.saturating_sub(CHUNK).max(CHUNK)))?;
        file.take(CHUNK).read_to_end(&mut buf)?;
        hasher.update(&buf);
    }
    let digest = hasher.finalize();
    Ok(digest[..FINGERPRINT_BYTES]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Default source-system name for a file: its stem, lowercased, non-alphanumerics as `_`.
pub fn default_system(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug.trim_matches('_').to_string();
    if slug.is_empty() {
        "file".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names_are_slugs_of_the_stem() {
        assert_eq!(
            default_system(Path::new("/x/Tradeshow Leads 2025.xlsx")),
            "tradeshow_leads_2025"
        );
        assert_eq!(default_system(Path::new("..csv")), "file");
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "id,email\n1,a@b.co\n").unwrap();
        let fa = fingerprint(&a).unwrap();
        std::fs::write(&a, "id,email\n1,a@b.cx\n").unwrap();
        assert_ne!(fa, fingerprint(&a).unwrap());
        assert_eq!(fingerprint(&a).unwrap(), fingerprint(&a).unwrap());
        // 64 bits as 16 lowercase hex digits: what migration 0006 cuts older values to.
        assert_eq!(fa.len(), 16);
        assert!(fa
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
