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
use super::table::{Cell, Grid, column_letters, read_grid, squeeze};
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

/// Read a workbook's sheets into `out`. A panic inside the workbook reader (calamine, on some
/// corrupt `.xls` files) becomes an error naming the file, and nothing of the file is kept.
pub fn read_workbook(
    file: &str,
    bytes: &[u8],
    out: &mut ReadEvidence,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(problem) = xls_too_large(bytes) {
        diags.push(Diagnostic::file(file, problem));
        return;
    }
    if let Some(DenseSheet { sheet, error }) = ods_too_dense(bytes) {
        diags.push(Diagnostic {
            file: file.to_string(),
            place: Place::Cell {
                sheet: sheet.as_str().into(),
                cell: error.cell,
            },
            message: error.message,
        });
        return;
    }
    let mut mine = ReadEvidence::default();
    let mut problems = Vec::new();
    let read = quietly(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_book(file, bytes, &mut mine, &mut problems);
        }))
    });
    if read.is_err() {
        diags.push(Diagnostic::file(
            file,
            "cannot read this workbook: the workbook reader failed on its contents (a corrupt file?)",
        ));
        return;
    }
    diags.extend(problems);
    let ReadEvidence {
        units,
        ledger,
        period,
        unit_phase,
        ledger_phase,
        documents,
    } = mine;
    let (u0, l0) = (out.units.len(), out.ledger.len());
    out.unit_phase
        .extend(unit_phase.into_iter().map(|(i, p)| (i + u0, p)));
    out.ledger_phase
        .extend(ledger_phase.into_iter().map(|(i, p)| (i + l0, p)));
    out.units.extend(units);
    out.ledger.extend(ledger);
    out.documents.extend(documents);
    if period.is_some() {
        out.period = period;
    }
}

fn read_book(file: &str, bytes: &[u8], out: &mut ReadEvidence, diags: &mut Vec<Diagnostic>) {
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
            Err(SheetError { cell, message }) => {
                diags.push(Diagnostic {
                    file: file.to_string(),
                    place: Place::Cell {
                        sheet: sheet.name.as_str().into(),
                        cell,
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

thread_local! {
    /// Set while a workbook is read: a panic of the reader is caught and reported as an
    /// error, so the panic hook says nothing.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with this thread's panics kept off stderr (they are caught and reported as errors
/// naming the file). The hook is installed once and passes every other panic to the hook
/// that was there before.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                before(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = f();
    QUIET.with(|q| q.set(was));
    out
}

/// Most cells a legacy `.xls` sheet may declare (its `DIMENSIONS` record): the reader sets
/// aside room for all of them before reading one, so a corrupt or absurd declaration would
/// ask for gigabytes.
pub const MAX_XLS_CELLS: u64 = MAX_CELLS as u64;

/// Why a legacy `.xls` workbook (a compound file) is refused before it is read, if it is: a
/// sheet's `DIMENSIONS` record (BIFF8: type 0x0200, 14 bytes) declaring more than
/// [`MAX_XLS_CELLS`] cells, or first and last rows or columns the wrong way round. Records are
/// found by scanning the file's bytes, so the check needs no reader.
pub fn xls_too_large(bytes: &[u8]) -> Option<String> {
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if !bytes.starts_with(&CFB) {
        return None;
    }
    if let Some(at) = cfb_chain_loop(bytes) {
        return Some(format!(
            "cannot read this workbook: its sector chain loops back on itself at sector {at} \
             (a corrupt file? save it again as .xlsx)"
        ));
    }
    let u32_at = |i: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            bytes.get(i..i + 4)?.try_into().ok()?,
        )))
    };
    let u16_at = |i: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            bytes.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    // (record type and length, width of the row fields)
    for (head, wide) in [
        ([0x00, 0x02, 0x0E, 0x00], true),
        ([0x00, 0x02, 0x0A, 0x00], false),
    ] {
        let mut i = 0;
        while let Some(at) = bytes
            .get(i..)
            .and_then(|rest| rest.windows(4).position(|w| w == head))
        {
            let d = i + at + 4;
            i = i + at + 1;
            let fields = if wide {
                (u32_at(d), u32_at(d + 4), u16_at(d + 8), u16_at(d + 10))
            } else {
                (u16_at(d), u16_at(d + 2), u16_at(d + 4), u16_at(d + 6))
            };
            let (Some(rf), Some(rl), Some(cf), Some(cl)) = fields else {
                continue;
            };
            // As the reader sizes the sheet: rows rf..rl-1, columns cf..cl-1 (cf taken as 0
            // when out of range), the row count wrapping as a 32-bit number.
            let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
            let (rows, cols) = if rl >= 1 && cl >= 1 {
                (
                    (rl - 1).wrapping_sub(rf).wrapping_add(1) & 0xFFFF_FFFF,
                    (cl - 1).wrapping_sub(cf).wrapping_add(1) & 0xFFFF_FFFF,
                )
            } else {
                (1, 1)
            };
            let cells = rows.saturating_mul(cols);
            if cells > MAX_XLS_CELLS {
                return Some(format!(
                    "cannot read this workbook: a sheet declares rows {rf}–{rl} and columns \
                     {cf}–{cl} ({cells} cells), more than the {MAX_XLS_CELLS} cells kaohe \
                     reads from a sheet (a corrupt file? save it again as .xlsx)"
                ));
            }
        }
    }
    None
}

/// A sector of a compound file (the container of a legacy `.xls`) whose chain in the file
/// allocation table comes back to it, if there is one. The reader follows a chain until it
/// ends, and the directory's chain has no length to stop at: one loop (a few changed bytes)
/// made it read until memory ran out. The table is found as the reader finds it (the header's
/// first 109 entries, then the chain of DIFAT sectors, bounded by the file's sectors), and
/// only the chains the reader follows are checked (an unused sector's entry is not read).
pub fn cfb_chain_loop(bytes: &[u8]) -> Option<u32> {
    const LAST_REGULAR: u32 = 0xFFFF_FFFA;
    let u32_at = |i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?))
    };
    let u16_at = |i: usize| -> Option<u16> {
        Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?))
    };
    let size: usize = match u16_at(30)? {
        9 => 512,
        12 => 4096,
        _ => return None,
    };
    let sectors = bytes.len() / size;
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(size)?;
        bytes.get(start..start.checked_add(size)?)
    };
    let words = |s: &[u8]| -> Vec<u32> {
        s.chunks_exact(4)
            .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
            .collect()
    };
    let mut difat: Vec<u32> = (0..109).filter_map(|k| u32_at(76 + 4 * k)).collect();
    let mut next = u32_at(68)?;
    let mut steps = 0usize;
    while next <= LAST_REGULAR {
        steps += 1;
        if steps > sectors + 1 {
            return Some(next);
        }
        difat.extend(words(sector(next)?));
        next = difat.pop()?;
    }
    let fat: Vec<u32> = difat
        .iter()
        .filter(|&&id| id <= LAST_REGULAR)
        .filter_map(|&id| sector(id))
        .flat_map(words)
        .collect();
    // The chains the reader follows: the directory's, the mini stream's (the root entry's),
    // the mini table's and every stream's of 4096 bytes or more (smaller ones are in the mini
    // stream); each is followed with a mark per sector, so a sector met twice is a loop.
    let walk = |start: u32, seen: &mut Vec<bool>| -> Result<Vec<u32>, u32> {
        seen.iter_mut().for_each(|s| *s = false);
        let mut chain = Vec::new();
        let mut at = start;
        while let Some(&next) = fat.get(at as usize) {
            if std::mem::replace(&mut seen[at as usize], true) {
                return Err(at);
            }
            chain.push(at);
            at = next;
        }
        Ok(chain)
    };
    let mut seen = vec![false; fat.len()];
    let dirs = match walk(u32_at(48)?, &mut seen) {
        Ok(d) => d,
        Err(at) => return Some(at),
    };
    let mut starts = vec![u32_at(60)?];
    for (k, entry) in dirs
        .iter()
        .filter_map(|&d| sector(d))
        .flat_map(|s| s.chunks_exact(128))
        .enumerate()
    {
        let start = u32::from_le_bytes(entry[116..120].try_into().ok()?);
        let len = u32::from_le_bytes(entry[120..124].try_into().ok()?);
        if k == 0 || len >= 4096 {
            starts.push(start);
        }
    }
    starts
        .into_iter()
        .find_map(|start| walk(start, &mut seen).err())
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

/// A sheet of an OpenDocument workbook refused before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseSheet {
    pub sheet: String,
    pub error: SheetError,
}

/// Why an OpenDocument workbook (`.ods`) is refused before calamine reads it, if it is: the
/// reader expands repeated rows and columns (`table:number-rows-repeated`,
/// `table:number-columns-repeated`) into a dense grid spanning every cell between the first
/// and the last with a value, so one row of values repeated to the end of the sheet asks for
/// gigabytes. `content.xml` is streamed once, counting what that grid would hold; a sheet
/// whose grid, or whose cell elements, exceed [`MAX_CELLS`] is refused, naming the sheet and
/// the first cell of the row where the limit was passed. Not an `.ods`: `None`.
pub fn ods_too_dense(bytes: &[u8]) -> Option<DenseSheet> {
    use quick_xml::events::{BytesStart, Event};
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let content = zip.by_name("content.xml").ok()?;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let attr = |e: &BytesStart, key: &str| -> Option<String> {
        e.attributes()
            .filter_map(Result::ok)
            .find(|a| a.key.as_ref() == key)
            .map(|a| a.value.into_owned())
    };
    let count = |e: &BytesStart, key: &str| -> u64 {
        attr(e, key)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1)
    };
    let rows_max = u64::from(LAST_ROW) + 1;
    let cols_max = u64::from(LAST_COL) + 1;
    let limit = MAX_CELLS as u64;
    // The sheet being read.
    let mut sheet = String::new();
    let mut rows = 0u64; // rows so far, repeats expanded (capped as the reader caps them)
    let mut elements = 0u64; // cell elements so far
    let mut first_row: Option<u64> = None;
    let (mut col_min, mut col_end, mut last_row_end) = (u64::MAX, 0u64, 0u64);
    // The row being read: its repeats, the next column, its first and last cell with a value.
    let mut row: Option<(u64, u64, Option<u64>, u64)> = None;
    let mut buf = Vec::new();
    loop {
        let (e, empty) = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => (e.into_owned(), false),
            Ok(Event::Empty(e)) => (e.into_owned(), true),
            Ok(Event::End(e)) => {
                if e.name().as_ref() == "table:table-row"
                    && let Some(done) = row.take()
                    && let Some(err) = end_row(
                        done,
                        &mut rows,
                        &mut first_row,
                        (&mut col_min, &mut col_end, &mut last_row_end),
                    )
                {
                    return Some(DenseSheet { sheet, error: err });
                }
                buf.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {
                buf.clear();
                continue;
            }
        };
        buf.clear();
        match e.name().as_ref() {
            "table:table" => {
                sheet = attr(&e, "table:name").unwrap_or_default();
                rows = 0;
                elements = 0;
                first_row = None;
                (col_min, col_end, last_row_end) = (u64::MAX, 0, 0);
                row = None;
            }
            "table:table-row" => {
                let repeats =
                    count(&e, "table:number-rows-repeated").min(rows_max.saturating_sub(rows));
                let this = (repeats, 0, None, 0);
                if empty {
                    if let Some(err) = end_row(
                        this,
                        &mut rows,
                        &mut first_row,
                        (&mut col_min, &mut col_end, &mut last_row_end),
                    ) {
                        return Some(DenseSheet { sheet, error: err });
                    }
                } else {
                    row = Some(this);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let Some((_, col, first, end)) = row.as_mut() else {
                    continue;
                };
                let repeats =
                    count(&e, "table:number-columns-repeated").min(cols_max.saturating_sub(*col));
                let valued = !empty
                    || attr(&e, "office:value-type").is_some()
                    || attr(&e, "table:formula").is_some();
                if valued && repeats > 0 {
                    first.get_or_insert(*col);
                    *end = *col + repeats;
                }
                *col += repeats;
                elements += 1;
                if elements > limit {
                    return Some(DenseSheet {
                        sheet,
                        error: SheetError {
                            cell: cell_name(
                                u32::try_from(rows).unwrap_or(LAST_ROW).min(LAST_ROW),
                                u32::try_from(*col).unwrap_or(LAST_COL).min(LAST_COL),
                            ),
                            message: format!(
                                "this sheet has more than {MAX_CELLS} cells: not read (split it into several sheets or files)"
                            ),
                        },
                    });
                }
            }
            _ => {}
        }
    }
}

/// The end of an `.ods` row in [`ods_too_dense`]: the grid the reader would build so far (from
/// the first row with a value to this one, from the leftmost cell with a value to the
/// rightmost), refused past [`MAX_CELLS`].
fn end_row(
    (repeats, _, first, end): (u64, u64, Option<u64>, u64),
    rows: &mut u64,
    first_row: &mut Option<u64>,
    (col_min, col_end, last_row_end): (&mut u64, &mut u64, &mut u64),
) -> Option<SheetError> {
    let at = *rows;
    *rows = rows.saturating_add(repeats);
    let first = first?;
    if repeats == 0 {
        return None;
    }
    first_row.get_or_insert(at);
    *col_min = (*col_min).min(first);
    *col_end = (*col_end).max(end);
    *last_row_end = *rows;
    let height = last_row_end.saturating_sub(first_row.unwrap_or(at));
    let area = height.saturating_mul(col_end.saturating_sub(*col_min));
    (area > MAX_CELLS as u64).then(|| SheetError {
        cell: cell_name(
            u32::try_from(at).unwrap_or(LAST_ROW).min(LAST_ROW),
            u32::try_from(first).unwrap_or(LAST_COL).min(LAST_COL),
        ),
        message: format!(
            "this sheet's repeated rows and columns (table:number-rows-repeated, \
             table:number-columns-repeated) span {area} cells from its first value to its \
             last, more than the {MAX_CELLS} cells kaohe reads from a sheet: not read (cells \
             filled to the end of the sheet? delete the empty rows and columns, or split the \
             sheet)"
        ),
    })
}

/// Most cells with a value one sheet may hold (a larger sheet is refused, naming the cell
/// where the limit was reached).
pub const MAX_CELLS: usize = 10_000_000;
/// The last row and column a worksheet can have (`XFD1048576`, 0-based).
const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u32 = 16_383;

/// Why a sheet was not read: the cell to point at and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub cell: String,
    pub message: String,
}

fn cell_name(r: u32, c: u32) -> String {
    format!("{}{}", column_letters(c as usize), u64::from(r) + 1)
}

/// Cells with a value, read one by one: `.xlsx` sheets are streamed, so a sheet whose one
/// real cell sits at `XFD1048576` costs one cell, not the whole grid. Each is checked against
/// the worksheet's bounds and [`MAX_CELLS`].
struct SparseCells {
    cells: Vec<(u32, u32, Cell)>,
}

impl SparseCells {
    fn push(&mut self, r: u32, c: u32, cell: Cell) -> Result<(), SheetError> {
        if r > LAST_ROW || c > LAST_COL {
            return Err(SheetError {
                cell: cell_name(r.min(LAST_ROW), c.min(LAST_COL)),
                message: format!(
                    "a cell at row {}, column {} lies outside a worksheet (the last cell is XFD1048576): not read",
                    u64::from(r) + 1,
                    u64::from(c) + 1
                ),
            });
        }
        if cell == Cell::Empty {
            return Ok(());
        }
        if self.cells.len() >= MAX_CELLS {
            return Err(SheetError {
                cell: cell_name(r, c),
                message: format!(
                    "this sheet has more than {MAX_CELLS} cells with values: not read (split it into several sheets or files)"
                ),
            });
        }
        self.cells.push((r, c, cell));
        Ok(())
    }

    /// The rows of the grid, each only as long as its last cell with a value.
    fn into_rows(self) -> Vec<Vec<Cell>> {
        let height = self.cells.iter().map(|(r, ..)| *r as usize + 1).max();
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); height.unwrap_or(0)];
        for (r, c, cell) in self.cells {
            let row = &mut rows[r as usize];
            if row.len() <= c as usize {
                row.resize(c as usize + 1, Cell::Empty);
            }
            row[c as usize] = cell;
        }
        rows
    }
}

/// One sheet as a grid of cells, with merged cells filled and percentage formats applied.
/// Rows are as long as their last cell with a value (the grid is never the sheet's whole used
/// range), merged areas are filled only within the cells that exist.
pub fn sheet_grid(
    book: &mut Sheets<Cursor<Vec<u8>>>,
    file: &str,
    name: &str,
) -> Result<Grid, SheetError> {
    let at_a1 = |message: String| SheetError {
        cell: "A1".into(),
        message,
    };
    let merges = match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut sparse = SparseCells { cells: Vec::new() };
    if let Sheets::Xlsx(x) = book {
        let styles = x.worksheet_style(name).ok();
        let mut reader = x
            .worksheet_cells_reader(name)
            .map_err(|e| at_a1(format!("cannot read this sheet: {e}")))?;
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| at_a1(format!("cannot read this sheet: {e}")))?
        {
            let (r, c) = cell.get_position();
            let percent = styles
                .as_ref()
                .and_then(|s| s.get((r, c)))
                .and_then(|s| s.number_format.as_ref())
                .is_some_and(|f| is_percent_format(&f.format_code));
            let data = Data::from(cell.get_value().clone());
            sparse.push(r, c, convert(&data, percent))?;
        }
    } else {
        let range = book
            .worksheet_range(name)
            .map_err(|e| at_a1(format!("cannot read this sheet: {e}")))?;
        if let Some(start) = range.start() {
            for (r, c, data) in range.used_cells() {
                let (r, c) = (start.0 as usize + r, start.1 as usize + c);
                let (r, c) = (
                    u32::try_from(r).unwrap_or(u32::MAX),
                    u32::try_from(c).unwrap_or(u32::MAX),
                );
                sparse.push(r, c, convert(data, false))?;
            }
        }
    }
    let mut budget = MAX_CELLS.saturating_sub(sparse.cells.len());
    let mut rows = sparse.into_rows();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let Some(value) = rows.get(r0).and_then(|r| r.get(c0)).cloned() else {
            continue;
        };
        // Only rows that exist, and up to the merged area's end within them.
        let r1 = (m.end.0 as usize).min(rows.len().saturating_sub(1));
        let c1 = (m.end.1 as usize).min(width.saturating_sub(1)).max(c0);
        let area = (r1.saturating_sub(r0) + 1).saturating_mul(c1 - c0 + 1);
        budget = budget.checked_sub(area).ok_or_else(|| SheetError {
            cell: cell_name(m.start.0, m.start.1),
            message: format!(
                "the merged cells of this sheet cover more than {MAX_CELLS} cells: not read"
            ),
        })?;
        for row in rows.iter_mut().take(r1 + 1).skip(r0) {
            if row.len() <= c1 {
                row.resize(c1 + 1, Cell::Empty);
            }
            for x in &mut row[c0..=c1] {
                if *x == Cell::Empty {
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

#[cfg(test)]
mod ods_tests {
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).expect("fixture")
    }

    #[test]
    fn a_compound_file_whose_sector_chain_loops_is_refused_before_it_is_read() {
        // Found by `tests/robustness.rs` (a mutated shenzhen.xls): the reader followed the
        // directory's chain around its loop until it asked for 8 GiB.
        let looped = fixture("fixtures/invalid/ev-cfb-loop.xls");
        assert!(cfb_chain_loop(&looped).is_some());
        let err = xls_too_large(&looped).expect("refused");
        assert!(err.contains("loops back on itself"), "{err}");
        assert_eq!(
            cfb_chain_loop(&fixture("fixtures/excel/shenzhen.xls")),
            None
        );
        assert_eq!(
            cfb_chain_loop(&fixture("fixtures/invalid/ev-xls-huge-sheet.xls")),
            None
        );
        // A two-sector loop made by hand in the valid file's table.
        let mut bytes = fixture("fixtures/excel/shenzhen.xls");
        let word =
            |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4")) as usize;
        let dir = word(&bytes, 48);
        // The table's sector holding the directory's entry (128 entries to a sector).
        let fat_sector = word(&bytes, 76 + 4 * (dir / 128));
        let at = (fat_sector + 1) * 512 + 4 * (dir % 128);
        bytes[at..at + 4].copy_from_slice(&(dir as u32).to_le_bytes());
        assert_eq!(cfb_chain_loop(&bytes), Some(dir as u32));
    }

    #[test]
    fn a_dense_ods_sheet_is_refused_before_it_is_read() {
        // A row of 16,384 values repeated 5,000 times: calamine would build an 85-million-cell
        // grid (gigabytes) and abort.
        let dense = ods_too_dense(&fixture("fixtures/invalid/ev-ods-dense.ods")).expect("refused");
        assert_eq!(dense.sheet, "佐证数据");
        assert_eq!(dense.error.cell, "A203");
        assert!(dense.error.message.contains("85229568 cells"), "{dense:?}");
        // An ordinary .ods (its empty rows repeated to the end of the sheet) is read; not an
        // .ods at all: nothing to say.
        assert_eq!(ods_too_dense(&fixture("fixtures/excel/shenzhen.ods")), None);
        assert_eq!(
            ods_too_dense(&fixture("fixtures/excel/shenzhen.xlsx")),
            None
        );
        assert_eq!(ods_too_dense(b"PK\x03\x04 not a zip"), None);
    }
}
