//! Tables as people keep them, shared by the CSV and the workbook readers.
//!
//! A [`Grid`] is a sheet (or a CSV file) as cells. [`read_grid`] finds the header row below any
//! title rows, joins a header that spans two or three rows (merged group headings above the
//! field names), and reads either a wide table (one row per unit, a column per field) or a case
//! ledger (one row per case). It skips blank rows, totals rows (合计/总计/小计) and footnote
//! rows (注:…, 填报人:…), and names the cell of every problem: `Sheet1!D17` in a workbook,
//! row and column header in a CSV file.
//!
//! Cells are passed through as text, numbers and yes/no; [`crate::bind`] checks them
//! against the field types. Two spreadsheet conversions happen here because only the reader
//! sees them: a number shown as a percentage becomes the text `96.98%` (so a percent field
//! reads 96.98 and a plain number field reads 0.9698), and a date cell becomes `2011-05-03`.

use super::{RawCase, RawValue, ReadEvidence, ReadUnit, parse_bool, parse_date, parse_number};
use crate::diag::{Diagnostic, Place};
use crate::evidence::Origin;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Num(Decimal),
    Bool(bool),
    /// A number shown as a percentage: the stored fraction (0.9698 is shown as 96.98%).
    Percent(Decimal),
    Date(NaiveDate),
    /// A formula error value such as `#DIV/0!`.
    Error(String),
    /// A number that is not finite or out of range.
    NotFinite,
}

impl Cell {
    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, the way it is shown (numbers in full, dates ISO, percentages with `%`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Num(d) => d.normalize().to_string(),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Cell::Percent(f) => format!("{}%", (*f * Decimal::ONE_HUNDRED).normalize()),
            Cell::Date(d) => d.to_string(),
            Cell::Error(e) => e.clone(),
            Cell::NotFinite => "NaN".to_string(),
        }
    }

    fn raw(&self) -> RawValue {
        match self {
            Cell::Empty => RawValue::Missing,
            Cell::Text(t) if t.trim().is_empty() => RawValue::Missing,
            Cell::Num(d) => RawValue::Num(d.normalize()),
            Cell::Bool(b) => RawValue::Bool(*b),
            Cell::NotFinite => RawValue::NotFinite,
            other => RawValue::Text(other.text()),
        }
    }
}

/// A sheet or a CSV file as rows of cells. `rows[r][c]` is the cell in row `r + 1` and column
/// `c + 1` of the sheet: leading blank rows and columns are kept so positions are exact.
#[derive(Debug, Clone)]
pub struct Grid {
    pub file: String,
    /// The sheet name in a workbook (cells are then named `Sheet1!D17`); `None` for CSV,
    /// where a cell is named by its row and its column header.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// One row per unit.
    Units,
    /// One row per case.
    Ledger,
    /// One row per document reference (佐证材料: 文号, 标题, 日期).
    Documents,
}

pub(crate) const META_ID: &[&str] = &[
    "id",
    "unit_id",
    "unit_code",
    "单位代码",
    "编号",
    "代码",
    "单位编码",
    "单位编号",
];
pub(crate) const META_NAME: &[&str] = &["name", "unit_name", "单位名称", "名称", "单位"];
pub(crate) const META_KIND: &[&str] = &["kind", "unit_kind", "类型", "单位类型"];
pub(crate) const META_CLASS: &[&str] = &["class", "unit_class", "类别", "单位类别"];
pub(crate) const META_PEER: &[&str] = &["peer_group", "方阵", "分组"];
pub(crate) const META_PARENT: &[&str] =
    &["parent", "parent_id", "上级", "上级单位", "上级单位代码"];
pub(crate) const META_PHASE: &[&str] = &["phase", "阶段", "考核阶段"];
pub(crate) const LEDGER_UNIT: &[&str] = &["unit", "unit_id", "单位代码", "单位"];
pub(crate) const LEDGER_TYPE: &[&str] = &["case_type", "案件类型", "案例类型"];
pub(crate) const LEDGER_SEVERITY: &[&str] = &["severity", "孩次", "严重程度"];
pub(crate) const LEDGER_DATE: &[&str] = &["date", "日期", "发生日期"];
pub(crate) const LEDGER_FOUND: &[&str] = &["found_by", "发现层级", "发现单位"];
pub(crate) const LEDGER_SELF: &[&str] = &["self_reported", "自查上报"];
pub(crate) const LEDGER_REF: &[&str] = &["ref", "编号", "文号"];
pub(crate) const LEDGER_NOTE: &[&str] = &["note", "备注", "说明"];
pub(crate) const LEDGER_REPORTED: &[&str] = &["reported", "上报日期", "报告日期"];
pub(crate) const LEDGER_LATE: &[&str] = &["months_late", "迟报月数", "逾期月数"];
pub(crate) const LEDGER_VERIFIED: &[&str] = &["verified", "是否查实", "查实"];
pub(crate) const LEDGER_AMOUNT: &[&str] = &["amount", "金额"];
pub(crate) const DOC_TITLE: &[&str] = &["title", "标题", "文件名称", "文件标题", "材料名称"];

/// Words that mark a totals row rather than a unit.
const TOTALS: &[&str] = &["合计", "总计", "小计"];
const TOTALS_EN: &[&str] = &["total", "totals", "sum", "subtotal"];
/// How a footnote row below a table begins.
const FOOTNOTES: &[&str] = &[
    "注:",
    "注：",
    "注1",
    "注①",
    "说明:",
    "说明：",
    "填报人",
    "填表人",
    "制表人",
    "制表:",
    "制表：",
    "审核人",
    "联系人",
    "联系电话",
    "填报日期",
    "填表日期",
    "单位负责人",
];
/// How far down a header row is looked for.
const HEADER_SEARCH_ROWS: usize = 30;
/// At most this many rows below the header row continue it (sub-headings).
const HEADER_EXTRA_ROWS: usize = 2;

/// Remove every kind of white space (line breaks inside header cells, full-width spaces used
/// to align `单  位`) and invisible marks.
pub fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{feff}' | '\u{200b}' | '\u{3000}'))
        .collect()
}

/// `name(note)` → `name`: strip one trailing bracketed group, ASCII or full-width.
pub fn strip_bracket(s: &str) -> Option<&str> {
    let close = s.chars().last()?;
    let open = match close {
        ')' => '(',
        '）' => '（',
        ']' => '[',
        '】' => '【',
        _ => return None,
    };
    let pos = s.rfind(open)?;
    let head = &s[..pos];
    (!head.is_empty()).then_some(head)
}

pub(crate) fn meta_key(s: &str) -> String {
    let s = squeeze(s);
    strip_bracket(&s).unwrap_or(&s).to_lowercase()
}

fn find(keys: &[String], names: &[&str]) -> Option<usize> {
    keys.iter()
        .position(|k| !k.is_empty() && names.iter().any(|n| k.eq_ignore_ascii_case(n)))
}

/// Spreadsheet column letters: 0 → `A`, 26 → `AA`.
pub fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

struct Ctx<'a> {
    grid: &'a Grid,
    /// Header text of each column (for CSV places), shared by every cell's origin: locations
    /// cost no copies per cell.
    shared_headers: Vec<std::sync::Arc<str>>,
    shared_file: std::sync::Arc<str>,
    shared_sheet: Option<std::sync::Arc<str>>,
}

impl<'a> Ctx<'a> {
    fn new(grid: &'a Grid, headers: Vec<String>) -> Self {
        let shared_headers = headers
            .iter()
            .enumerate()
            .map(|(c, h)| {
                if h.is_empty() {
                    format!("#{}", c + 1).into()
                } else {
                    h.as_str().into()
                }
            })
            .collect();
        Self {
            shared_file: grid.file.as_str().into(),
            shared_sheet: grid.sheet.as_deref().map(Into::into),
            grid,
            shared_headers,
        }
    }

    fn origin(&self, row: usize, col: usize) -> Origin {
        Origin {
            file: self.shared_file.clone(),
            place: self.place(row, col),
        }
    }

    fn place(&self, row: usize, col: usize) -> Place {
        match &self.shared_sheet {
            Some(sheet) => Place::Cell {
                sheet: sheet.clone(),
                cell: format!("{}{}", column_letters(col), row + 1),
            },
            None => Place::Row {
                row: row as u64 + 1,
                column: match self.shared_headers.get(col) {
                    Some(h) => h.clone(),
                    None => format!("#{}", col + 1).into(),
                },
            },
        }
    }

    fn diag(&self, row: usize, col: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.grid.file.clone(),
            place: self.place(row, col),
            message: message.into(),
        }
    }

    /// How a column is named in a message: its letter in a workbook, its number in CSV.
    fn column_label(&self, col: usize) -> String {
        match self.grid.sheet {
            Some(_) => column_letters(col),
            None => (col + 1).to_string(),
        }
    }
}

fn cell(row: &[Cell], col: usize) -> &Cell {
    row.get(col).unwrap_or(&Cell::Empty)
}

fn row_is_empty(row: &[Cell]) -> bool {
    row.iter().all(Cell::is_empty)
}

/// A totals row: its id, its name or its first filled cell says 合计/总计/小计 (or "Total").
fn is_totals(row: &[Cell], key_cols: &[Option<usize>]) -> bool {
    let first = row.iter().position(|c| !c.is_empty());
    key_cols.iter().copied().flatten().chain(first).any(|c| {
        // Only text can say 合计; most ids cannot (this runs for every row).
        let Cell::Text(t) = cell(row, c) else {
            return false;
        };
        if !(t.contains('计') || t.trim().is_ascii()) {
            return false;
        }
        let t = squeeze(t);
        let short = t.chars().count() <= 12;
        (short && TOTALS.iter().any(|w| t.contains(w)))
            || TOTALS_EN.iter().any(|w| t.eq_ignore_ascii_case(w))
    })
}

/// A footnote row: only text, the first cell beginning like `注:` or `填报人`.
fn is_footnote(row: &[Cell]) -> bool {
    let mut filled = row.iter().filter(|c| !c.is_empty());
    let Some(Cell::Text(first)) = filled.next() else {
        return false;
    };
    let lead = first.trim_start().chars().next();
    if !FOOTNOTES.iter().any(|p| p.chars().next() == lead) {
        return false;
    }
    let first = squeeze(first);
    FOOTNOTES.iter().any(|p| first.starts_with(p)) && filled.all(|c| matches!(c, Cell::Text(_)))
}

/// The header of a table: where it is and what each column is called.
#[derive(Debug, Clone)]
pub struct Header {
    pub kind: TableKind,
    /// First and last rows (0-based) of the header.
    pub first_row: usize,
    pub last_row: usize,
    /// Each column's header as written (white space removed); empty when the column has none.
    pub names: Vec<String>,
    /// The column of the unit id (wide table) or the case type (ledger).
    pub key_col: usize,
}

/// Find the header: the first row (within the first 30) that names an id column (a wide
/// table) or a case-type column (a ledger), extended by the sub-heading rows right below it.
pub fn find_header(grid: &Grid) -> Option<Header> {
    for (r, row) in grid.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        if row_is_empty(row) {
            continue;
        }
        let keys: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(t) => meta_key(t),
                _ => String::new(),
            })
            .collect();
        let (kind, key_col) = if let Some(c) = find(&keys, LEDGER_TYPE) {
            (TableKind::Ledger, c)
        } else if let Some(c) =
            find(&keys, DOC_TITLE).filter(|_| find(&keys, LEDGER_UNIT).is_some())
        {
            // A title column beside a unit column: a list of documents (a lone 标题 cell is
            // the title row above a table).
            (TableKind::Documents, c)
        } else if let Some(c) = find(&keys, META_ID) {
            (TableKind::Units, c)
        } else {
            continue;
        };
        let key_text = squeeze(&row[key_col].text());
        let mut last = r;
        for next in grid.rows.iter().skip(r + 1).take(HEADER_EXTRA_ROWS) {
            let key = cell(next, key_col);
            let continues = !row_is_empty(next)
                && (key.is_empty() || squeeze(&key.text()) == key_text)
                && next.iter().all(|c| match c {
                    Cell::Text(t) => t.trim().is_empty() || parse_number(t).is_none(),
                    Cell::Empty => true,
                    _ => false,
                })
                && !is_totals(next, &[])
                && !is_footnote(next);
            if !continues {
                break;
            }
            last += 1;
        }
        let width = grid.rows[r..=last].iter().map(Vec::len).max().unwrap_or(0);
        let names = (0..width)
            .map(|c| {
                grid.rows[r..=last]
                    .iter()
                    .rev()
                    .map(|row| squeeze(&cell(row, c).text()))
                    .find(|t| !t.is_empty())
                    .unwrap_or_default()
            })
            .collect();
        return Some(Header {
            kind,
            first_row: r,
            last_row: last,
            names,
            key_col,
        });
    }
    None
}

/// Most bytes of text one cell (one field of a CSV row) may hold: 1 MiB, far above any
/// name or note (a name longer than an Excel cell is cut in the workbook kaohe writes).
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// Read one table into `out`. Returns what the table was, or `None` (with a diagnostic) when
/// no header row was found, or a cell holds more than [`MAX_FIELD_BYTES`].
pub fn read_grid(
    grid: &Grid,
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) -> Option<TableKind> {
    let Some(header) = find_header(grid) else {
        let what = "a table of units needs an `id` (单位代码) column; a case ledger needs a `case_type` (案件类型) column";
        diags.push(match &grid.sheet {
            Some(sheet) => Diagnostic {
                file: grid.file.clone(),
                place: Place::Cell {
                    sheet: sheet.as_str().into(),
                    cell: "A1".into(),
                },
                message: format!(
                    "no header row found in the first {HEADER_SEARCH_ROWS} rows: {what} (a sheet named 说明 is skipped)"
                ),
            },
            None => Diagnostic::row(&grid.file, 1, "id", format!("no header row found: {what}")),
        });
        return None;
    };
    let ctx = Ctx::new(grid, header.names.clone());
    // A cell too large to be a value (a whole file pasted into one cell): refused, located.
    let mut too_large = false;
    for (r, row) in grid.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Cell::Text(t) = cell
                && t.len() > MAX_FIELD_BYTES
            {
                diags.push(ctx.diag(
                    r,
                    c,
                    format!(
                        "this cell holds {} bytes of text, more than the {MAX_FIELD_BYTES} bytes \
                         one value may hold",
                        t.len()
                    ),
                ));
                too_large = true;
            }
        }
    }
    if too_large {
        return None;
    }
    let data_start = header.last_row + 1;
    let width = header.names.len();
    let body = || {
        grid.rows
            .iter()
            .enumerate()
            .skip(data_start)
            .filter(|(_, row)| !row_is_empty(row))
    };
    // Columns: duplicates, and values under no header.
    let keys: Vec<String> = header.names.iter().map(|n| meta_key(n)).collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (c, name) in header.names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if let Some(prev) = seen.insert(name.as_str(), c) {
            diags.push(ctx.diag(
                header.last_row,
                c,
                format!(
                    "column `{name}` appears twice (columns {} and {})",
                    ctx.column_label(prev),
                    ctx.column_label(c)
                ),
            ));
        }
    }
    for c in 0..width {
        if header.names[c].is_empty()
            && let Some((r, _)) = body().find(|(_, row)| !cell(row, c).is_empty())
        {
            diags.push(ctx.diag(
                r,
                c,
                format!(
                    "a value in column {} which has no header",
                    ctx.column_label(c)
                ),
            ));
        }
    }
    // Rows that are not data, and (CSV) rows whose length does not match the header.
    let name_col = find(&keys, META_NAME);
    let unit_col = match header.kind {
        TableKind::Units => Some(header.key_col),
        TableKind::Ledger | TableKind::Documents => find(&keys, LEDGER_UNIT),
    };
    let rows: Vec<(usize, &Vec<Cell>)> = body()
        .filter(|(_, row)| !is_totals(row, &[unit_col, name_col]) && !is_footnote(row))
        .filter(|(r, row)| {
            if grid.sheet.is_some() {
                return true;
            }
            let len = row.len();
            let extra = row.iter().skip(width).any(|c| !c.is_empty());
            if len < width || extra {
                diags.push(Diagnostic::row(
                    &grid.file,
                    *r as u64 + 1,
                    format!("#{}", len.min(width) + 1),
                    format!("this row has {len} columns but the header has {width}"),
                ));
                return false;
            }
            true
        })
        .collect();
    match header.kind {
        TableKind::Units => read_units(&ctx, &header, &keys, &rows, out, diags),
        TableKind::Ledger => read_ledger(&ctx, &header, &keys, &rows, out, diags),
        TableKind::Documents => read_documents(&ctx, &header, &keys, &rows, out, diags),
    }
    Some(header.kind)
}

fn read_units(
    ctx: &Ctx,
    header: &Header,
    keys: &[String],
    rows: &[(usize, &Vec<Cell>)],
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    let id_col = header.key_col;
    let meta = [
        ("name", find(keys, META_NAME)),
        ("kind", find(keys, META_KIND)),
        ("class", find(keys, META_CLASS)),
        ("peer_group", find(keys, META_PEER)),
        ("parent", find(keys, META_PARENT)),
        ("phase", find(keys, META_PHASE)),
    ];
    let is_meta = |c: usize| c == id_col || meta.iter().any(|(_, m)| *m == Some(c));
    for &(r, row) in rows {
        let id = cell(row, id_col).text();
        if id.is_empty() {
            diags.push(ctx.diag(r, id_col, "empty unit id"));
            continue;
        }
        let mut unit = ReadUnit {
            id,
            name: None,
            kind: None,
            class: None,
            peer_group: None,
            parent: None,
            values: Vec::new(),
            cases: Vec::new(),
            origin: ctx.origin(r, id_col),
            meta_origin: BTreeMap::new(),
        };
        for (key, col) in meta {
            let Some(col) = col else { continue };
            let v = cell(row, col).text();
            if v.is_empty() {
                continue;
            }
            unit.meta_origin.insert(key, ctx.origin(r, col));
            if key == "phase" {
                out.unit_phase.insert(out.units.len(), v);
                continue;
            }
            let v = Some(v);
            match key {
                "name" => unit.name = v,
                "kind" => unit.kind = v,
                "class" => unit.class = v,
                "peer_group" => unit.peer_group = v,
                _ => unit.parent = v,
            }
        }
        for (c, name) in header.names.iter().enumerate() {
            if name.is_empty() || is_meta(c) {
                continue;
            }
            unit.values
                .push((name.clone(), cell(row, c).raw(), ctx.origin(r, c)));
        }
        out.units.push(unit);
    }
}

/// Read an optional cell with `parse`: `None` when empty; when present but unreadable, an
/// error naming the cell and what was expected.
fn opt_cell<T>(
    ctx: &Ctx,
    r: usize,
    col: Option<usize>,
    value: Option<&Cell>,
    parse: impl Fn(&Cell) -> Option<T>,
    expected: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let x = value?;
    let parsed = parse(x);
    if parsed.is_none() {
        diags.push(ctx.diag(
            r,
            col.unwrap_or(0),
            format!("expected {expected}, found `{}`", x.text()),
        ));
    }
    parsed
}

/// A list of document references (佐证材料): unit, 文号, 标题, 日期, 备注.
fn read_documents(
    ctx: &Ctx,
    header: &Header,
    keys: &[String],
    rows: &[(usize, &Vec<Cell>)],
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(unit_col) = find(keys, LEDGER_UNIT) else {
        diags.push(ctx.diag(
            header.last_row,
            header.key_col,
            "a list of documents needs a `unit` (单位代码) column",
        ));
        return;
    };
    let title_col = header.key_col;
    let (ref_col, date_col, note_col) = (
        find(keys, LEDGER_REF),
        find(keys, LEDGER_DATE),
        find(keys, LEDGER_NOTE),
    );
    let known = [Some(unit_col), Some(title_col), ref_col, date_col, note_col];
    unknown_columns(
        ctx,
        header,
        &known,
        "unknown column in a list of documents",
        diags,
    );
    for &(r, row) in rows {
        let text = |c: Option<usize>| {
            c.map(|c| cell(row, c))
                .filter(|x| !x.is_empty())
                .map(Cell::text)
        };
        let unit = cell(row, unit_col).text();
        if unit.is_empty() {
            diags.push(ctx.diag(r, unit_col, "empty unit id"));
            continue;
        }
        let Some(title) = text(Some(title_col)) else {
            diags.push(ctx.diag(r, title_col, "empty document title"));
            continue;
        };
        let date = match date_col.map(|c| cell(row, c)).filter(|x| !x.is_empty()) {
            None => None,
            Some(x) => match cell_date(x) {
                Some(d) => Some(d),
                None => {
                    diags.push(ctx.diag(
                        r,
                        date_col.unwrap_or(0),
                        "expected a date like 2011-05-03",
                    ));
                    None
                }
            },
        };
        out.documents.push((
            unit,
            crate::evidence::Document {
                reference: text(ref_col),
                title,
                date,
                note: text(note_col),
            },
            ctx.origin(r, unit_col),
        ));
    }
}

/// The columns of a case ledger, found by their names (the case type is the key column).
struct LedgerColumns {
    unit: usize,
    case_type: usize,
    severity: Option<usize>,
    date: Option<usize>,
    found_by: Option<usize>,
    self_reported: Option<usize>,
    reference: Option<usize>,
    note: Option<usize>,
    reported: Option<usize>,
    months_late: Option<usize>,
    verified: Option<usize>,
    amount: Option<usize>,
    phase: Option<usize>,
}

impl LedgerColumns {
    fn find(keys: &[String], unit: usize, case_type: usize) -> Self {
        let col = |names: &[&str]| find(keys, names);
        LedgerColumns {
            unit,
            case_type,
            severity: col(LEDGER_SEVERITY),
            date: col(LEDGER_DATE),
            found_by: col(LEDGER_FOUND),
            self_reported: col(LEDGER_SELF),
            reference: col(LEDGER_REF),
            note: col(LEDGER_NOTE),
            reported: col(LEDGER_REPORTED),
            months_late: col(LEDGER_LATE),
            verified: col(LEDGER_VERIFIED),
            amount: col(LEDGER_AMOUNT),
            phase: col(META_PHASE),
        }
    }

    fn known(&self) -> [Option<usize>; 13] {
        [
            Some(self.unit),
            Some(self.case_type),
            self.severity,
            self.date,
            self.found_by,
            self.self_reported,
            self.reference,
            self.note,
            self.reported,
            self.months_late,
            self.verified,
            self.amount,
            self.phase,
        ]
    }
}

/// An error for every named column of the header that is not one of `known`.
fn unknown_columns(
    ctx: &Ctx,
    header: &Header,
    known: &[Option<usize>],
    message: &str,
    diags: &mut Vec<Diagnostic>,
) {
    for (c, name) in header.names.iter().enumerate() {
        if !name.is_empty() && !known.contains(&Some(c)) {
            diags.push(ctx.diag(header.last_row, c, message));
        }
    }
}

fn read_ledger(
    ctx: &Ctx,
    header: &Header,
    keys: &[String],
    rows: &[(usize, &Vec<Cell>)],
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(unit_col) = find(keys, LEDGER_UNIT) else {
        diags.push(ctx.diag(
            header.last_row,
            header.key_col,
            "a case ledger needs a `unit` (单位代码) column",
        ));
        return;
    };
    let cols = LedgerColumns::find(keys, unit_col, header.key_col);
    unknown_columns(
        ctx,
        header,
        &cols.known(),
        "unknown column in a case ledger",
        diags,
    );
    for &(r, row) in rows {
        let Some((unit, case, phase)) = ledger_case(ctx, &cols, r, row, diags) else {
            continue;
        };
        if let Some(p) = phase {
            out.ledger_phase.insert(out.ledger.len(), p);
        }
        out.ledger.push((unit, case, ctx.origin(r, cols.unit)));
    }
}

/// One row of a case ledger: its unit, the case, and its phase if it names one. `None` (with
/// an error) when the unit or the case type is empty.
fn ledger_case(
    ctx: &Ctx,
    cols: &LedgerColumns,
    r: usize,
    row: &[Cell],
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, RawCase, Option<String>)> {
    let get = |c: Option<usize>| c.map(|c| cell(row, c)).filter(|x| !x.is_empty());
    let text = |c: Option<usize>| get(c).map(Cell::text);
    let unit = cell(row, cols.unit).text();
    if unit.is_empty() {
        diags.push(ctx.diag(r, cols.unit, "empty unit id"));
        return None;
    }
    let Some(case_type) = text(Some(cols.case_type)) else {
        diags.push(ctx.diag(r, cols.case_type, "empty case type"));
        return None;
    };
    const DATE: &str = "a date like 2011-05-03";
    const YES_NO: &str = "是/否 or true/false";
    let c = cols;
    let severity = opt_cell(
        ctx,
        r,
        c.severity,
        get(c.severity),
        whole,
        "a whole number ≥ 0",
        diags,
    );
    let date = opt_cell(ctx, r, c.date, get(c.date), cell_date, DATE, diags);
    let self_reported = opt_cell(
        ctx,
        r,
        c.self_reported,
        get(c.self_reported),
        cell_bool,
        YES_NO,
        diags,
    );
    let reported = opt_cell(ctx, r, c.reported, get(c.reported), cell_date, DATE, diags);
    let verified = opt_cell(
        ctx,
        r,
        c.verified,
        get(c.verified),
        cell_bool,
        YES_NO,
        diags,
    );
    let months_late = opt_cell(
        ctx,
        r,
        c.months_late,
        get(c.months_late),
        whole,
        "a whole number of months ≥ 0",
        diags,
    );
    let amount = ledger_amount(ctx, r, c.amount, get(c.amount), diags);
    let case = RawCase {
        reported,
        months_late,
        verified,
        amount,
        case_type: serde_saphyr::Spanned {
            value: case_type,
            referenced: serde_saphyr::Location::UNKNOWN,
            defined: serde_saphyr::Location::UNKNOWN,
        },
        severity,
        date,
        found_by: text(c.found_by),
        self_reported: self_reported.unwrap_or(false),
        reference: text(c.reference),
        note: text(c.note),
    };
    Some((unit, case, text(c.phase)))
}

/// The amount of a ledger row: a number cell, or text that reads as a number (not a percentage).
fn ledger_amount(
    ctx: &Ctx,
    r: usize,
    col: Option<usize>,
    value: Option<&Cell>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Decimal> {
    match value {
        None => None,
        Some(Cell::Num(d)) => Some(*d),
        Some(Cell::Text(t)) if matches!(parse_number(t), Some((_, false))) => {
            parse_number(t).map(|(d, _)| d)
        }
        Some(x) => {
            diags.push(ctx.diag(
                r,
                col.unwrap_or(0),
                format!("expected a number, found `{}`", x.text()),
            ));
            None
        }
    }
}

fn whole(c: &Cell) -> Option<u32> {
    let d = match c {
        Cell::Num(d) => *d,
        Cell::Text(t) => parse_number(t).filter(|(_, pct)| !pct).map(|(d, _)| d)?,
        _ => return None,
    };
    if d.fract().is_zero() && d >= Decimal::ZERO {
        u32::try_from(d.mantissa() / 10i128.pow(d.scale())).ok()
    } else {
        None
    }
}

fn cell_bool(c: &Cell) -> Option<bool> {
    match c {
        Cell::Bool(b) => Some(*b),
        Cell::Num(d) if *d == Decimal::ZERO || *d == Decimal::ONE => Some(*d == Decimal::ONE),
        Cell::Text(t) => parse_bool(t),
        _ => None,
    }
}

/// A date from a date cell, a date serial number (a date cell that lost its format), or text.
fn cell_date(c: &Cell) -> Option<NaiveDate> {
    match c {
        Cell::Date(d) => Some(*d),
        Cell::Num(d) if d.fract().is_zero() => serial_date(d.mantissa() / 10i128.pow(d.scale())),
        Cell::Text(t) => parse_date(t),
        _ => None,
    }
}

/// An Excel date serial (1900 system) as a date: 1 is 1900-01-01; 60 is Excel's fictitious
/// 1900-02-29; serials from 61 on count from 1899-12-30.
pub fn serial_date(serial: i128) -> Option<NaiveDate> {
    if !(1..=2_958_465).contains(&serial) || serial == 60 {
        return None;
    }
    let base = if serial < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    base.checked_add_days(chrono::Days::new(u64::try_from(serial).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn grid(rows: Vec<Vec<Cell>>) -> Grid {
        Grid {
            file: "book.xlsx".into(),
            sheet: Some("Sheet1".into()),
            rows,
        }
    }

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27 * 26), "AAA");
    }

    #[test]
    fn serials() {
        assert_eq!(serial_date(1), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(serial_date(61), NaiveDate::from_ymd_opt(1900, 3, 1));
        assert_eq!(serial_date(40666), NaiveDate::from_ymd_opt(2011, 5, 3));
        assert_eq!(serial_date(0), None);
    }

    #[test]
    fn brackets() {
        assert_eq!(strip_bracket("出生人数(人)"), Some("出生人数"));
        assert_eq!(strip_bracket("出生人数（人）"), Some("出生人数"));
        assert_eq!(strip_bracket("(人)"), None);
        assert_eq!(strip_bracket("出生人数"), None);
    }

    #[test]
    fn title_rows_and_two_row_headers() {
        let g = grid(vec![
            vec![t("2011年 考核表"), Cell::Empty, Cell::Empty],
            vec![],
            vec![t("单位代码"), t("党政线"), t("党政线")],
            vec![t("单位代码"), t("出生人数\n(人)"), t("满意率")],
            vec![
                t("futian"),
                Cell::Num(Decimal::from(3)),
                Cell::Percent(Decimal::new(9698, 4)),
            ],
            vec![t("合 计"), Cell::Num(Decimal::from(3)), Cell::Empty],
            vec![t("注：本表数据截至9月30日")],
        ]);
        let h = find_header(&g).expect("header");
        assert_eq!((h.first_row, h.last_row), (2, 3));
        assert_eq!(h.names, vec!["单位代码", "出生人数(人)", "满意率"]);
        let mut out = ReadEvidence::default();
        let mut d = Vec::new();
        assert_eq!(read_grid(&g, &mut out, &mut d), Some(TableKind::Units));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(out.units.len(), 1);
        let u = &out.units[0];
        assert_eq!(u.values[1].1, RawValue::Text("96.98%".into()));
        assert_eq!(
            u.values[1].2.place,
            Place::Cell {
                sheet: "Sheet1".into(),
                cell: "C5".into()
            }
        );
    }
}
