//! Choosing the sheet: by name, by number, by 0-based index, and the default first sheet
//! with data; unknown sheets list the available ones.

mod common;

use common::{open_err, read, sheet, t, Ev};
use crmsync_excel::{open, sheet_names, ExcelOptions, SheetSelector};
use crmsync_sdk::{ErrorKind, TableReader};
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};

/// Sheets: "Empty" (nothing), "Leads", "Notes" (one column), "2", "Secret" (hidden).
fn workbook(dir: &Path) -> PathBuf {
    let path = dir.join("book.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("Empty").unwrap();
    let leads = wb.add_worksheet().set_name("Leads").unwrap();
    leads.write_string(0, 0, "Name").unwrap();
    leads.write_string(0, 1, "Email").unwrap();
    leads.write_string(1, 0, "Ada").unwrap();
    leads.write_string(1, 1, "ada@example.com").unwrap();
    let notes = wb.add_worksheet().set_name("Notes").unwrap();
    notes.write_string(0, 0, "note").unwrap();
    notes.write_string(1, 0, "call back").unwrap();
    let two = wb.add_worksheet().set_name("2").unwrap();
    two.write_string(0, 0, "Sheet").unwrap();
    two.write_string(0, 1, "Named").unwrap();
    two.write_string(1, 0, "two").unwrap();
    two.write_string(1, 1, "yes").unwrap();
    let secret = wb.add_worksheet().set_name("Secret").unwrap();
    secret.write_string(0, 0, "x").unwrap();
    secret.set_hidden(true);
    wb.save(&path).unwrap();
    path
}

#[test]
fn selectors_pick_the_expected_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = workbook(dir.path());
    let cases = [
        (SheetSelector::FirstNonEmpty, "Leads"),
        (SheetSelector::parse(""), "Leads"),
        (SheetSelector::Name("Notes".into()), "Notes"),
        (SheetSelector::Name("notes".into()), "Notes"),
        // A sheet literally named "2" wins over the second sheet...
        (SheetSelector::parse("2"), "2"),
        // ...but other numbers count sheets from 1.
        (SheetSelector::parse("3"), "Notes"),
        (SheetSelector::Index(1), "Leads"),
        (SheetSelector::Index(3), "2"),
        (SheetSelector::Name("Secret".into()), "Secret"),
    ];
    for (selector, expected) in cases {
        let reader = open(&path, &sheet(selector.clone())).unwrap();
        let described = reader.describe();
        assert!(
            described.contains(&format!("sheet \"{expected}\"")),
            "{selector:?}: {described}"
        );
    }
    let (names, _, events) = read(&path, &sheet(SheetSelector::Name("Notes".into())));
    assert_eq!(names, ["note"]);
    assert_eq!(events, [Ev::Row(2, vec![t("call back")])]);
}

#[test]
fn unknown_sheets_list_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = workbook(dir.path());
    let listing = r#"1 "Empty", 2 "Leads", 3 "Notes", 4 "2", 5 "Secret""#;
    let err = open_err(
        &path,
        &sheet(SheetSelector::parse("Contacts")),
        ErrorKind::Config,
    );
    assert_eq!(
        err.message,
        format!(
            "no sheet named \"Contacts\" in {}; its sheets are: {listing}",
            path.display()
        )
    );
    let err = open_err(&path, &sheet(SheetSelector::parse("9")), ErrorKind::Config);
    assert!(err.message.contains(listing), "{}", err.message);
    let err = open_err(&path, &sheet(SheetSelector::Index(5)), ErrorKind::Config);
    assert_eq!(
        err.message,
        format!(
            "{} has no sheet number 6; its sheets are: {listing}",
            path.display()
        )
    );
    assert_eq!(
        sheet_names(&path).unwrap(),
        ["Empty", "Leads", "Notes", "2", "Secret"]
    );
}

#[test]
fn empty_sheets_and_workbooks_are_data_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = workbook(dir.path());
    let err = open_err(
        &path,
        &sheet(SheetSelector::parse("Empty")),
        ErrorKind::Data,
    );
    assert_eq!(
        err.message,
        format!("sheet \"Empty\" of {} is empty", path.display())
    );

    let blank = dir.path().join("blank.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("One").unwrap();
    wb.add_worksheet()
        .set_name("Two")
        .unwrap()
        .write_string(3, 3, "   ")
        .unwrap();
    wb.save(&blank).unwrap();
    let err = open_err(&blank, &ExcelOptions::default(), ErrorKind::Data);
    assert_eq!(
        err.message,
        format!(
            "{} has no sheet with data; its sheets are: 1 \"One\", 2 \"Two\"",
            blank.display()
        )
    );
}

#[test]
fn visible_sheets_are_preferred_over_hidden_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hidden_first.xlsx");
    let mut wb = Workbook::new();
    let lookup = wb.add_worksheet().set_name("Lookup").unwrap();
    lookup.write_string(0, 0, "code").unwrap();
    lookup.set_hidden(true);
    wb.add_worksheet().set_name("Blank").unwrap();
    let data = wb.add_worksheet().set_name("Data").unwrap();
    data.write_string(0, 0, "email").unwrap();
    // The first sheet can only be hidden when another one is active.
    data.set_active(true);
    wb.save(&path).unwrap();
    let reader = open(&path, &ExcelOptions::default()).unwrap();
    assert!(
        reader.describe().contains("sheet \"Data\""),
        "{}",
        reader.describe()
    );

    let only_hidden = dir.path().join("only_hidden.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("Blank").unwrap();
    let lookup = wb.add_worksheet().set_name("Lookup").unwrap();
    lookup.write_string(0, 0, "code").unwrap();
    lookup.set_hidden(true);
    wb.save(&only_hidden).unwrap();
    let reader = open(&only_hidden, &ExcelOptions::default()).unwrap();
    assert!(
        reader.describe().contains("sheet \"Lookup\""),
        "{}",
        reader.describe()
    );
}
