//! Reading a sheet while it is parsed: what the reader decides from the first rows, what it
//! does with cells that arrive later than their row, and errors found after `open`.

mod common;

use common::{craft_xlsx, read, t, Ev};
use crmsync_excel::{open, ExcelOptions, LOOKAHEAD_ROWS};
use crmsync_sdk::{Cell, ErrorKind, RowEvent, TableReader};
use rust_xlsxwriter::{Workbook, Worksheet};

/// A "Name, Email" table from column `first` on: the header on row 1, then `rows` rows
/// `n<r>`, `n<r>@example.com`.
fn name_email_table(ws: &mut Worksheet, first: u16, rows: u32) {
    ws.write_string(0, first, "Name").unwrap();
    ws.write_string(0, first + 1, "Email").unwrap();
    for r in 1..=rows {
        ws.write_string(r, first, format!("n{r}")).unwrap();
        ws.write_string(r, first + 1, format!("n{r}@example.com"))
            .unwrap();
    }
}

#[test]
fn a_value_left_of_the_table_after_the_lookahead_rejects_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late_left.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let rows = LOOKAHEAD_ROWS + 50;
    name_email_table(ws, 1, rows);
    // Column A holds a value only far below the header: the table's columns are fixed by
    // then, so the row is rejected with the value, not read with it dropped.
    let late = rows - 10;
    ws.write_number(late, 0, 17.0).unwrap();
    wb.save(&path).unwrap();

    let (names, header_row, events) = read(&path, &ExcelOptions::default());
    assert_eq!(names, ["Name", "Email"]);
    assert_eq!(header_row, 1);
    assert_eq!(events.len(), rows as usize);
    let rejects: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Ev::Reject(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    let number = u64::from(late) + 1;
    assert_eq!(rejects[0].row, number);
    assert!(
        rejects[0].reason.contains(&format!(
            "1 value outside the table, which spans columns B–C (set by the header and the \
             first {LOOKAHEAD_ROWS} rows below it): A{number}"
        )),
        "{}",
        rejects[0].reason
    );
    assert_eq!(
        rejects[0].raw.as_deref(),
        Some(format!("A{number}=17; B{number}=n{late}; C{number}=n{late}@example.com").as_str())
    );
    assert_eq!(
        events.last(),
        Some(&Ev::Row(
            u64::from(rows) + 1,
            vec![t(&format!("n{rows}")), t(&format!("n{rows}@example.com"))]
        ))
    );
}

#[test]
fn rows_stored_out_of_order_lose_no_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unordered.xlsx");
    // Within the first rows the reader sorts; row 3 is stored after row 4 here.
    let mut data = String::from(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Score</t></is></c></row>
        <row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="B2"><v>2</v></c></row>
        <row r="4"><c r="A4" t="inlineStr"><is><t>c</t></is></c><c r="B4"><v>4</v></c></row>
        <row r="3"><c r="A3" t="inlineStr"><is><t>b</t></is></c><c r="B3"><v>3</v></c></row>"#,
    );
    // Far below the look-ahead, row 1505 is stored after row 1510.
    let far: u32 = LOOKAHEAD_ROWS + 500;
    for r in 5..=far + 10 {
        if r == far {
            continue;
        }
        data.push_str(&format!(r#"<row r="{r}"><c r="B{r}"><v>{r}</v></c></row>"#));
    }
    data.push_str(&format!(
        r#"<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>late</t></is></c></row>"#
    ));
    craft_xlsx(&path, &[("S", &data)], None, false);

    let (_, _, events) = read(&path, &ExcelOptions::default());
    assert_eq!(events[0], Ev::Row(2, vec![t("a"), Cell::Int(2)]));
    assert_eq!(events[1], Ev::Row(3, vec![t("b"), Cell::Int(3)]));
    assert_eq!(events[2], Ev::Row(4, vec![t("c"), Cell::Int(4)]));
    // Row `far` itself was empty when its turn came; its value comes as a reject at the end.
    let far = u64::from(far);
    assert!(
        events.contains(&Ev::Blank(far)),
        "row {far} must be accounted for"
    );
    let Some(Ev::Reject(late)) = events.last() else {
        panic!("last event: {:?}", events.last());
    };
    assert_eq!(late.row, far);
    assert!(
        late.reason.contains("value stored after row"),
        "{}",
        late.reason
    );
    assert_eq!(late.raw.as_deref(), Some(format!("A{far}=late").as_str()));
}

#[test]
fn a_limit_reached_after_open_is_an_error_from_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Name").unwrap();
    ws.write_string(0, 1, "Score").unwrap();
    for r in 1..3000u32 {
        ws.write_string(r, 0, format!("n{r}")).unwrap();
        ws.write_number(r, 1, f64::from(r)).unwrap();
    }
    wb.save(&path).unwrap();
    // 5,000 cells: the first rows fit, the whole sheet (5,999 cells) does not.
    let opts = ExcelOptions {
        max_cells: 5000,
        ..ExcelOptions::default()
    };
    let mut reader = open(&path, &opts).expect("the first rows are within the limit");
    let mut rows = 0u64;
    let err = loop {
        match reader.next_event() {
            Ok(Some(RowEvent::Row(_))) => rows += 1,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(
        err.message
            .contains("sheet \"Sheet1\" has more than the 5000 non-empty cells allowed"),
        "{}",
        err.message
    );
    // Rows past the first ones were read before the limit was reached, and none past it
    // (5,000 cells hold the header and 2,499 rows).
    assert!(
        rows > u64::from(LOOKAHEAD_ROWS) && rows < 2499,
        "{rows} rows"
    );
}

#[test]
fn progress_counts_against_the_declared_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.xlsx");
    let mut wb = Workbook::new();
    name_email_table(wb.add_worksheet(), 0, 2000);
    wb.save(&path).unwrap();
    let mut reader = open(&path, &ExcelOptions::default()).unwrap();
    assert_eq!(reader.progress().total, Some(2000));
    let mut done = 0;
    while reader.next_event().unwrap().is_some() {
        done += 1;
    }
    assert_eq!(done, 2000);
    assert_eq!(reader.progress().done, 2000);
    assert_eq!(reader.progress().total, Some(2000));
}
