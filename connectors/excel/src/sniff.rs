//! Recognising what a file really is from its first bytes, whatever its extension says.
//!
//! Spreadsheets that reach an import are often not what their name claims: an `.xls` that is
//! really an `.xlsx` (harmless, we read it), an `.xls` that is an HTML table (several CRMs
//! export those), a CSV renamed `.xlsx`, a UTF-16 "Unicode Text" export. Each gets a message
//! that names what the file is and what to do, instead of a parser error.

use crate::error;
use crmsync_sdk::ConnectorError;
use std::io::Read;

/// How many leading bytes we look at.
pub(crate) const HEAD_LEN: usize = 4096;

/// The container of a spreadsheet file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    /// A zip archive: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: xls, or an encrypted xlsx.
    Compound,
}

const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Read up to [`HEAD_LEN`] bytes from the start of `reader`.
pub(crate) fn read_head(reader: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    reader.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Decide the container from the first bytes, or explain what the file is instead.
pub(crate) fn classify(file: &str, head: &[u8]) -> Result<Container, ConnectorError> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Container::Zip);
    }
    if head.starts_with(CFB_MAGIC) {
        return Ok(Container::Compound);
    }
    Err(error::data(describe_other(file, head)))
}

/// A message for content that is not a spreadsheet container.
fn describe_other(file: &str, head: &[u8]) -> String {
    if head.is_empty() {
        return format!("{file} is empty (0 bytes)");
    }
    if let [0x09, 0x00 | 0x02 | 0x04, ..] = head {
        return format!(
            "{file} is an Excel 2.x-4.x workbook (a 1987-1992 format) that cannot be read; \
             open it in Excel or LibreOffice and save it as .xlsx"
        );
    }
    if head.starts_with(b"%PDF") {
        return format!("{file} is a PDF document, not a spreadsheet");
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return format!(
            "{file} is a UTF-16 text file (such as Excel's \"Unicode Text\" export), not a \
             workbook; rename it to .csv and import it as CSV"
        );
    }
    let Some(text) = as_text(head) else {
        return format!(
            "{file} is not a spreadsheet: its content matches none of xlsx, xlsm, xlsb, xls or \
             ods (it may be damaged, or a different kind of file)"
        );
    };
    let lower = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<table")
        || (lower.starts_with('<') && lower.contains("<html"))
    {
        return format!(
            "{file} is a web page (HTML table) saved with a spreadsheet extension, as some \
             systems export \"Excel\" files; open it in Excel and save it as .xlsx, or export \
             CSV instead"
        );
    }
    if lower.starts_with("<?xml") || lower.starts_with('<') {
        if lower.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            return format!(
                "{file} is an Excel 2003 XML spreadsheet, which cannot be read; open it in \
                 Excel and save it as .xlsx"
            );
        }
        return format!("{file} is an XML document, not a spreadsheet");
    }
    format!(
        "{file} is a text file (it looks like CSV or tab-separated data) with a spreadsheet \
         extension; rename it to .csv and import it as CSV"
    )
}

/// The head as text when it is UTF-8 (possibly cut inside a character at the end) without
/// control bytes other than tab, line breaks and form feed.
fn as_text(head: &[u8]) -> Option<&str> {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut off by the head's length is still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(head.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    let is_text = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0C'));
    is_text.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(head: &[u8]) -> String {
        classify("f.xlsx", head).unwrap_err().message
    }

    #[test]
    fn containers_are_recognised_by_magic() {
        assert_eq!(classify("f", b"PK\x03\x04rest").unwrap(), Container::Zip);
        assert_eq!(classify("f", b"PK\x05\x06").unwrap(), Container::Zip);
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&[0; 100]);
        assert_eq!(classify("f", &cfb).unwrap(), Container::Compound);
    }

    #[test]
    fn non_spreadsheets_are_named() {
        let cases: [(&[u8], &str); 9] = [
            (b"", "is empty"),
            (b"name,email\nAda,ada@example.com\n", "rename it to .csv"),
            (b"\xEF\xBB\xBFname;email\n", "rename it to .csv"),
            (b"\xFF\xFEn\0a\0m\0e\0", "UTF-16 text file"),
            (b"<html><body><table>", "web page (HTML table)"),
            (b"  <!DOCTYPE html>\n<html>", "web page (HTML table)"),
            (
                b"<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">",
                "Excel 2003 XML spreadsheet",
            ),
            (b"%PDF-1.7", "PDF document"),
            (b"\x00\x01\x02\x03garbage", "matches none of xlsx"),
        ];
        for (head, expected) in cases {
            let msg = message(head);
            assert!(msg.contains(expected), "{head:?}: {msg}");
            assert!(msg.starts_with("f.xlsx "), "{msg}");
        }
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut head = b"name\nJos".to_vec();
        head.extend_from_slice(&"é".as_bytes()[..1]);
        assert!(message(&head).contains("rename it to .csv"));
    }
}
