//! Workbooks: evidence read from `.xlsx`/`.xlsm`/`.xlsb`/`.xls`/`.ods` (calamine).
//!
//! Every visible worksheet is a table of units or a case ledger (see [`super::table`] for how
//! the header, title rows, totals and footnotes are found). Sheets named like instructions
//! (`说明`, `填报说明`, …) and hidden sheets (the template keeps its drop-down lists in one) are
//! skipped. Merged cells are filled with their value. In `.xlsx` the number format is read too:
//! a number formatted as a percentage is read as the percentage shown (0.9698 formatted `0.00%`
//! is `96.98%`). Date cells become dates. Numbers keep the 15 significant digits Excel shows,
//! so 0.1 + 0.2 computed in a cell reads as 0.3.

use super::ReadEvidence;
use super::table::{Cell, Grid, read_grid, squeeze};
use crate::diag::{Diagnostic, Place};
use calamine::{Data, Reader, SheetType, SheetVisible, Sheets};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::io::Cursor;

/// The row of the instructions sheet whose second cell is the period label of the evidence
/// (read back into the scorecard; the entry template writes it and it may be edited).
pub const PERIOD_LABEL: &str = "考核期";

/// Sheet names that hold instructions, not evidence, and are skipped when reading.
pub const SKIPPED_SHEETS: &[&str] = &[
    "说明",
    "填报说明",
    "使用说明",
    "填表说明",
    "指标说明",
    "instructions",
    "readme",
];

/// Read a workbook's sheets into `out`.
pub fn read_workbook(
    file: &str,
    bytes: &[u8],
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    let mut book = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::file(
                file,
                format!("cannot open this workbook: {e}"),
            ));
            return;
        }
    };
    let sheets = book.sheets_metadata().to_vec();
    for sheet in sheets {
        let skipped_name = SKIPPED_SHEETS
            .iter()
            .any(|s| squeeze(&sheet.name).eq_ignore_ascii_case(s));
        if sheet.typ != SheetType::WorkSheet || sheet.visible != SheetVisible::Visible {
            continue;
        }
        if skipped_name {
            // Instructions: only the period label (`考核期`), as the template writes it.
            if let Ok(grid) = sheet_grid(&mut book, file, &sheet.name)
                && let Some(p) = period_label(&grid)
            {
                out.period = Some(p);
            }
            continue;
        }
        let grid = match sheet_grid(&mut book, file, &sheet.name) {
            Ok(g) => g,
            Err(message) => {
                diags.push(Diagnostic {
                    file: file.to_string(),
                    place: Place::Cell {
                        sheet: sheet.name.as_str().into(),
                        cell: "A1".into(),
                    },
                    message,
                });
                continue;
            }
        };
        if grid
            .rows
            .iter()
            .all(|r| r.iter().all(|c| *c == Cell::Empty))
        {
            continue;
        }
        read_grid(&grid, out, diags);
    }
}

/// The value beside a `考核期` (or `period`) cell in the first rows of an instructions sheet.
fn period_label(grid: &Grid) -> Option<String> {
    grid.rows.iter().take(30).find_map(|row| {
        let mut cells = row.iter().filter(|c| **c != Cell::Empty);
        let key = squeeze(&cells.next()?.text());
        let is_key = key == PERIOD_LABEL || key.eq_ignore_ascii_case("period");
        is_key.then(|| cells.next().map(Cell::text)).flatten()
    })
}

/// One sheet as a grid of cells, with merged cells filled and percentage formats applied.
pub fn sheet_grid(
    book: &mut Sheets<Cursor<Vec<u8>>>,
    file: &str,
    name: &str,
) -> Result<Grid, String> {
    let range = book
        .worksheet_range(name)
        .map_err(|e| format!("cannot read this sheet: {e}"))?;
    let merges = match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let styles = match book {
        Sheets::Xlsx(x) => x.worksheet_style(name).ok(),
        _ => None,
    };
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if let (Some(start), Some(end)) = (range.start(), range.end()) {
        let height = end.0 as usize + 1;
        let width = end.1 as usize + 1;
        rows = vec![vec![Cell::Empty; width]; height];
        for (r, c, data) in range.used_cells() {
            let (ar, ac) = (start.0 + r as u32, start.1 + c as u32);
            let percent = styles
                .as_ref()
                .and_then(|s| s.get((ar, ac)))
                .and_then(|s| s.number_format.as_ref())
                .is_some_and(|f| is_percent_format(&f.format_code));
            rows[ar as usize][ac as usize] = convert(data, percent);
        }
    }
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let Some(value) = rows.get(r0).and_then(|r| r.get(c0)).cloned() else {
            continue;
        };
        for r in r0..=m.end.0 as usize {
            for c in c0..=m.end.1 as usize {
                if let Some(x) = rows.get_mut(r).and_then(|row| row.get_mut(c))
                    && *x == Cell::Empty
                {
                    *x = value.clone();
                }
            }
        }
    }
    Ok(Grid {
        file: file.to_string(),
        sheet: Some(name.to_string()),
        rows,
    })
}

/// Whether a number format shows a percentage: a `%` outside quotes, escapes and brackets.
pub fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    // Only the first section (positive numbers) matters.
    for ch in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => return false,
            '%' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// A float as the decimal Excel shows: 15 significant digits.
pub fn excel_decimal(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(Decimal::ZERO);
    }
    Decimal::from_scientific(&format!("{v:.14e}"))
        .ok()
        .map(|d| d.normalize())
}

fn convert(data: &Data, percent: bool) -> Cell {
    let num = |v: f64| match excel_decimal(v) {
        Some(d) if percent => Cell::Percent(d),
        Some(d) => Cell::Num(d),
        None => Cell::NotFinite,
    };
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => num(*f),
        Data::Int(i) => num(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                Some(date) => Cell::Date(date),
                None => num(dt.as_f64()),
            }
        }
        Data::DateTime(dt) => num(dt.as_f64()),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
