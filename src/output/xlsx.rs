//! The Excel scorecard (`scorecard.xlsx`), written with rust_xlsxwriter: the ranked table, one
//! sheet per peer group, unit × indicator points, vetoes, cases and an about sheet.

use super::{FitText as _, MAX_NOTE, WriteError, fit};
use crate::lang::Lang;
use crate::num::show;
use crate::result::{Assessment, IndicatorResult, Status, UnitResult};
use crate::template::sheet_name;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};

/// Sheet names of the scorecard (peer-group sheets are named after their groups).
pub const RANK_SHEET: &str = "排名";
pub const POINTS_SHEET: &str = "指标得分";
pub const VETO_SHEET: &str = "一票否决";
pub const CASES_SHEET: &str = "案件";
pub const ABOUT_SHEET: &str = "说明";

fn xl(e: XlsxError) -> WriteError {
    WriteError::Encode {
        what: "scorecard.xlsx",
        message: e.to_string(),
    }
}

/// Fill and font colours for grades, best first; the last grade is always red.
fn grade_colours(n: usize) -> Vec<(u32, u32)> {
    const GREEN: (u32, u32) = (0xC6EFCE, 0x006100);
    const BLUE: (u32, u32) = (0xDDEBF7, 0x1F4E78);
    const YELLOW: (u32, u32) = (0xFFEB9C, 0x9C5700);
    const ORANGE: (u32, u32) = (0xFCE4D6, 0x833C0B);
    const RED: (u32, u32) = (0xFFC7CE, 0x9C0006);
    match n {
        0 => vec![],
        1 => vec![GREEN],
        2 => vec![GREEN, RED],
        3 => vec![GREEN, YELLOW, RED],
        4 => vec![GREEN, BLUE, YELLOW, RED],
        _ => {
            let mut v = vec![GREEN, BLUE];
            v.extend(std::iter::repeat_n(YELLOW, n - 4));
            v.extend([ORANGE, RED]);
            v
        }
    }
}

struct Styles {
    header: Format,
    points: Format,
    int: Format,
    text: Format,
    veto: Format,
    na: Format,
    missing: Format,
    zeroed: Format,
    date: Format,
    bold: Format,
    title: Format,
    /// Long text: wraps within its column, aligned to the top.
    wrap: Format,
    missing_wrap: Format,
    /// The language of the workbook's own words (sheet names, titles, headings, labels).
    lang: Lang,
}

impl Styles {
    /// `zh` or `en` by the workbook's language.
    fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }
}

fn styles(lang: Lang) -> Styles {
    Styles {
        lang,
        header: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin)
            .set_background_color(Color::RGB(0xDDEBF7)),
        points: Format::new().set_num_format("0.00"),
        int: Format::new().set_num_format("0"),
        text: Format::new(),
        veto: Format::new()
            .set_font_color(Color::RGB(0x9C0006))
            .set_bold(),
        na: Format::new()
            .set_font_color(Color::RGB(0x808080))
            .set_align(FormatAlign::Center),
        missing: Format::new()
            .set_num_format("0.00")
            .set_background_color(Color::RGB(0xFFEB9C)),
        zeroed: Format::new()
            .set_num_format("0.00")
            .set_background_color(Color::RGB(0xFFC7CE)),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        bold: Format::new().set_bold(),
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Left)
            .set_align(FormatAlign::VerticalCenter),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        missing_wrap: Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(0xFFEB9C)),
    }
}

/// The row of the column headers: row 0 is the sheet's title, the data start below the headers.
pub const HEADER_ROW: u32 = 1;
const FIRST: u32 = HEADER_ROW + 1;

/// The title of a sheet: the set, its version, the period and what the sheet holds — on the
/// sheet's first row, repeated on every printed page.
fn sheet_title(a: &Assessment, what: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}(版本 {})· {} · {what}",
            a.indicator_set.name, a.indicator_set.version, a.period.label
        ),
        Lang::En => format!(
            "{} (version {}) · {} · {what}",
            a.indicator_set.name, a.indicator_set.version, a.period.label
        ),
    }
}

/// [`finder_label`] in `lang`.
pub fn finder_label_in(f: &str, lang: Lang) -> &str {
    match (lang, f) {
        (Lang::Zh, _) => finder_label(f),
        (Lang::En, "complaint" | "report" | "tip") => "a public complaint",
        (Lang::En, "inspection") => "an inspection",
        (Lang::En, "audit") => "an audit",
        (Lang::En, "media") => "the media",
        (Lang::En, other) => crate::rules::per_case::finder_en(other),
    }
}

/// [`scope_label`] in `lang`.
pub fn scope_label_in<'a>(a: &'a Assessment, scope: &'a str, lang: Lang) -> &'a str {
    match (lang, scope) {
        (Lang::En, "unit") => "the unit",
        (Lang::En, "leader") => "the leadership",
        (Lang::En, "award") => "awards",
        _ => scope_label(a, scope),
    }
}

/// Who found a case, in Chinese (`district` → 县(区)级, `complaint` → 群众举报).
pub fn finder_label(f: &str) -> &str {
    match f {
        "complaint" | "report" | "tip" => "群众举报",
        "inspection" => "督查检查",
        "audit" => "审计",
        "media" => "媒体曝光",
        other => crate::rules::per_case::finder_zh(other),
    }
}

/// A veto's scope in Chinese: the unit, or the name of the line it zeroes.
pub fn scope_label<'a>(a: &'a Assessment, scope: &'a str) -> &'a str {
    match scope {
        "unit" => "本单位",
        "leader" => "领导班子",
        "award" => "评先评优",
        other => a
            .lines
            .iter()
            .find(|l| l.id == other)
            .map_or(other, |l| l.name.as_str()),
    }
}

/// Column widths in Excel's units (the width of `0`): the widest line written in each column,
/// a CJK character counting two.
#[derive(Default)]
struct Widths(Vec<f64>);

impl Widths {
    fn see(&mut self, c: u16, text: &str) {
        let w = text
            .lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .max()
            .unwrap_or(0);
        self.see_width(c, w);
    }

    /// A cell `w` columns wide in column `c`.
    fn see_width(&mut self, c: u16, w: usize) {
        let w = w as f64;
        let c = usize::from(c);
        if self.0.len() <= c {
            self.0.resize(c + 1, 0.0);
        }
        if w > self.0[c] {
            self.0[c] = w;
        }
    }

    /// Each column as wide as its widest text and a margin, between `min` and `max`; a column
    /// listed in `wide` may grow to `max_wide` (its cells wrap beyond).
    /// The widths set, by column.
    fn apply(
        &self,
        ws: &mut Worksheet,
        wide: &[u16],
        max_wide: f64,
    ) -> Result<Vec<f64>, WriteError> {
        let mut set = Vec::with_capacity(self.0.len());
        for (c, w) in self.0.iter().enumerate() {
            let c = c as u16;
            let max = if wide.contains(&c) { max_wide } else { 30.0 };
            let w = (w * 1.1 + 2.5).clamp(6.0, max);
            ws.set_column_width(c, w).map_err(xl)?;
            set.push(w);
        }
        Ok(set)
    }
}

/// A sheet being written: every text cell goes through here so the column widths fit it.
///
/// Sheets are written row by row in constant memory ([`new_sheet`]): a row cannot be changed
/// once the next one begins, so a row with wrapped text is made tall enough while it is
/// written, from the wrapping columns' widest (`wide` up to `max_wide`, given up front).
struct Grid<'a> {
    ws: &'a mut Worksheet,
    widths: Widths,
    /// Columns whose text wraps, and how wide they may grow (in Excel's units).
    wide: Vec<u16>,
    max_wide: f64,
    /// The row being written and the lines of its tallest wrapped cell.
    tall: Option<(u32, f64)>,
    /// The last row written, and whether its height was set ([`Grid::finish`]).
    last: Option<(u32, bool)>,
    /// Columns formatted "0.00" as a whole ([`Grid::score_columns`]): their points are
    /// written without a format of their own.
    score_cols: Vec<u16>,
}

impl<'a> Grid<'a> {
    fn new(ws: &'a mut Worksheet) -> Self {
        Grid {
            ws,
            widths: Widths::default(),
            wide: Vec::new(),
            max_wide: 30.0,
            tall: None,
            last: None,
            score_cols: Vec::new(),
        }
    }

    /// Format columns `cols` as points ("0.00") once, so that each figure in them is written
    /// without a format: the writer otherwise looks a cell's format up by hashing all of it,
    /// which was a tenth of a 100,000-unit run.
    fn score_columns(
        &mut self,
        cols: impl IntoIterator<Item = u16>,
        s: &Styles,
    ) -> Result<(), WriteError> {
        for c in cols {
            self.ws.set_column_format(c, &s.points).map_err(xl)?;
            self.score_cols.push(c);
        }
        Ok(())
    }

    /// Points in the points format: the column's when it has it, else the cell's own.
    fn score(&mut self, r: u32, c: u16, v: Decimal, s: &Styles) -> Result<(), WriteError> {
        if !self.score_cols.contains(&c) {
            return self.points(r, c, v, &s.points);
        }
        self.touch(r);
        self.widths.see_width(c, points_width(v));
        self.ws.write_number(r, c, num(v)).map_err(xl)?;
        Ok(())
    }

    /// Row `r` is being written (rows come in order).
    fn touch(&mut self, r: u32) {
        if self.last.is_none_or(|(l, _)| r > l) {
            self.last = Some((r, false));
        }
    }

    /// Row `r`'s height is set.
    fn sized(&mut self, r: u32) {
        if let Some((l, sized)) = &mut self.last
            && *l == r
        {
            *sized = true;
        }
    }

    /// Text across the columns that is not measured (a note under or after a table).
    fn plain(&mut self, r: u32, c: u16, text: &str) -> Result<(), WriteError> {
        self.touch(r);
        self.ws.write_string(r, c, text).map_err(xl)?;
        Ok(())
    }

    /// A grid whose columns `wide` may grow to `max_wide`, their text wrapping beyond.
    fn wrapping(ws: &'a mut Worksheet, wide: &[u16], max_wide: f64) -> Self {
        Grid {
            wide: wide.to_vec(),
            max_wide,
            ..Grid::new(ws)
        }
    }

    /// The widest column `c` may become ([`Widths::apply`]).
    fn max_width(&self, c: u16) -> f64 {
        if self.wide.contains(&c) {
            self.max_wide
        } else {
            30.0
        }
    }

    /// Text in the default format: written without one, so the writer does not look the
    /// format up for every cell (at 10^5–10^6 rows that lookup, a hash of the whole format,
    /// was a tenth of the run).
    fn plain_text(&mut self, r: u32, c: u16, text: &str) -> Result<(), WriteError> {
        self.touch(r);
        self.widths.see(c, text);
        self.ws.text(r, c, text).map_err(xl)?;
        Ok(())
    }

    fn text(&mut self, r: u32, c: u16, text: &str, f: &Format) -> Result<(), WriteError> {
        self.touch(r);
        self.widths.see(c, text);
        self.ws.text_fmt(r, c, text, f).map_err(xl)?;
        Ok(())
    }

    /// Text that wraps in its column (a wrapping format): its row is made as tall as its
    /// lines — LibreOffice does not grow rows when it opens a file, and a cut-off line does not
    /// print. A text that fits in `w × 1.1 + 2.5` narrower than the column's widest is on one
    /// line whatever the column's final width (which is at least that); a longer one fills the
    /// column at its widest. So the lines are known as the row is written.
    fn wrap(&mut self, r: u32, c: u16, text: &str, f: &Format) -> Result<(), WriteError> {
        let w = unicode_width::UnicodeWidthStr::width(text) as f64;
        self.text(r, c, text, f)?;
        let max = self.max_width(c);
        let n = if w * 1.1 + 2.5 >= max {
            (w * 1.1 / (max - 1.0).max(1.0)).ceil().max(1.0)
        } else {
            1.0
        };
        let lines = match self.tall {
            Some((row, m)) if row == r => m.max(n),
            _ => n,
        };
        self.tall = Some((r, lines));
        if lines > 1.0 {
            self.ws
                .set_row_height(r, 15.0 * lines.min(20.0))
                .map_err(xl)?;
            self.sized(r);
        }
        Ok(())
    }

    /// Column widths from the contents (the wrapping columns up to their widest), and the
    /// sheet's last row closed: see [`close_rows`].
    fn finish(&mut self) -> Result<(), WriteError> {
        self.widths.apply(self.ws, &self.wide, self.max_wide)?;
        if let Some((r, true)) = self.last {
            close_rows(self.ws, r)?;
        }
        Ok(())
    }

    /// A number, `shown` characters wide as displayed.
    fn number(
        &mut self,
        r: u32,
        c: u16,
        v: f64,
        shown: usize,
        f: &Format,
    ) -> Result<(), WriteError> {
        self.touch(r);
        self.widths.see_width(c, shown);
        self.ws.write_number_with_format(r, c, v, f).map_err(xl)?;
        Ok(())
    }

    fn int(&mut self, r: u32, c: u16, v: u32, s: &Styles) -> Result<(), WriteError> {
        self.number(r, c, f64::from(v), digits(u64::from(v)), &s.int)
    }

    fn points(&mut self, r: u32, c: u16, v: Decimal, f: &Format) -> Result<(), WriteError> {
        self.number(r, c, num(v), points_width(v), f)
    }

    /// A figure that may be withheld: the number, or `—` marked as missing (never 0).
    fn known(&mut self, r: u32, c: u16, v: Option<Decimal>, s: &Styles) -> Result<(), WriteError> {
        match v {
            Some(v) => self.score(r, c, v, s),
            None => self.text(r, c, "—", &s.missing),
        }
    }

    /// The title row over `n` columns, the header row, and the print setup: A4, fit to one
    /// page wide (unless `across`), the title and headers repeated on every page, page numbers.
    fn begin(
        &mut self,
        title: &str,
        headers: &[String],
        landscape: bool,
        s: &Styles,
    ) -> Result<(), WriteError> {
        let ws = &mut *self.ws;
        let title = fit(title, MAX_NOTE);
        let last = headers.len().saturating_sub(1) as u16;
        if last > 0 {
            ws.merge_range(0, 0, 0, last, &title, &s.title)
                .map_err(xl)?;
        } else {
            ws.write_string_with_format(0, 0, title.as_ref(), &s.title)
                .map_err(xl)?;
        }
        ws.set_row_height(0, 24).map_err(xl)?;
        ws.set_paper_size(9).set_print_gridlines(true);
        if landscape {
            ws.set_landscape();
        } else {
            ws.set_portrait();
        }
        ws.set_print_fit_to_pages(1, 0);
        ws.set_print_center_horizontally(true);
        ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
        ws.set_repeat_rows(0, HEADER_ROW).map_err(xl)?;
        ws.set_footer(s.t("&C第 &P 页,共 &N 页", "&CPage &P of &N"));
        for (c, h) in headers.iter().enumerate() {
            // A header wraps onto two lines: it needs half its width (its longest word aside).
            let w = h
                .lines()
                .map(unicode_width::UnicodeWidthStr::width)
                .max()
                .unwrap_or(0);
            let half: String = "0".repeat(if w > 8 { w.div_ceil(2) + 1 } else { w });
            self.widths.see(c as u16, &half);
            self.ws
                .text_fmt(HEADER_ROW, c as u16, h, &s.header)
                .map_err(xl)?;
        }
        let lines = headers.iter().map(|h| h.lines().count()).max().unwrap_or(1);
        self.ws
            .set_row_height(HEADER_ROW, 16.0 * lines.max(2) as f64)
            .map_err(xl)?;
        self.last = Some((HEADER_ROW, true));
        Ok(())
    }
}

/// After the last row of a constant-memory sheet, when that row's height was set: one empty
/// row below it. rust_xlsxwriter 0.102 writes the row a sheet ends on a second time, as an
/// empty `<row>` with its height, when its height was set; a row that Excel then finds twice
/// in the sheet is damage it offers to repair. Writing to the next row ends the tall one.
fn close_rows(ws: &mut Worksheet, last: u32) -> Result<(), WriteError> {
    if last + 1 < SHEET_ROWS {
        ws.write_blank(last + 1, 0, &Format::new()).map_err(xl)?;
    }
    Ok(())
}

fn num(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

fn peer_name(a: &Assessment, u: &UnitResult) -> String {
    u.peer_group
        .as_ref()
        .and_then(|p| a.peer_groups.iter().find(|g| &g.id == p))
        .map(|g| g.name.clone())
        .unwrap_or_default()
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| x.to_string()).collect()
}

/// The first three headings of the ranked and points sheets.
fn unit_headers(s: &Styles) -> Vec<String> {
    strings(&[
        s.t("排名", "Rank"),
        s.t("单位代码", "Unit id"),
        s.t("单位名称", "Unit"),
    ])
}

/// A unit's status in the workbook's language.
fn status(u: &UnitResult, s: &Styles) -> &'static str {
    s.t(u.status.zh(), u.status.en())
}

/// Yes/no in the workbook's language.
fn yes_no(b: bool, s: &Styles) -> &'static str {
    if b {
        s.t("是", "yes")
    } else {
        s.t("否", "no")
    }
}

/// The ranked table (all units, or one peer group): title, header, rows, filter, grade colours.
/// The 方阵 columns only when the set has peer groups.
fn ranked_sheet(
    ws: &mut Worksheet,
    a: &Assessment,
    what: &str,
    units: &[&UnitResult],
    s: &Styles,
) -> Result<(), WriteError> {
    let line_grades = units
        .iter()
        .any(|u| u.lines.iter().any(|l| l.grade.is_some()));
    let peers = !a.peer_groups.is_empty();
    let en = s.lang.en();
    let mut headers = unit_headers(s);
    if peers {
        headers.extend(strings(&[
            s.t("方阵", "Peer group"),
            s.t("方阵排名", "Peer rank"),
        ]));
    }
    for l in &a.lines {
        headers.push(if en {
            format!("{} ({})", l.name, show(l.max))
        } else {
            format!("{}({})", l.name, show(l.max))
        });
        if line_grades {
            headers.push(if en {
                format!("{} grade", l.name)
            } else {
                format!("{}等次", l.name)
            });
        }
    }
    headers.extend(
        crate::output::score_columns(s.lang)
            .iter()
            .map(|x| x.to_string()),
    );
    let grade_col = headers.len() as u16 - 4;
    let veto_col = headers.len() as u16 - 3;
    let status_col = headers.len() as u16 - 2;
    let missing_col = headers.len() as u16 - 1;
    let mut g = Grid::wrapping(&mut *ws, &[veto_col, missing_col], 45.0);
    g.begin(&sheet_title(a, what, s.lang), &headers, true, s)?;
    let first_line: u16 = if peers { 5 } else { 3 };
    let step: u16 = if line_grades { 2 } else { 1 };
    let lines = (0..a.lines.len() as u16).map(|i| first_line + i * step);
    g.score_columns(lines.chain(grade_col - 4..grade_col), s)?;
    for (i, u) in units.iter().enumerate() {
        let r = FIRST + i as u32;
        match u.rank {
            Some(rank) => g.int(r, 0, rank, s)?,
            None => g.text(r, 0, status(u, s), &s.missing)?,
        }
        g.plain_text(r, 1, &u.id)?;
        g.plain_text(r, 2, &u.name)?;
        let mut c = 3u16;
        if peers {
            g.plain_text(r, 3, &peer_name(a, u))?;
            if let Some(p) = u.peer_rank {
                g.int(r, 4, p, s)?;
            }
            c = 5;
        }
        for l in &u.lines {
            g.known(r, c, l.points, s)?;
            c += 1;
            if line_grades {
                g.plain_text(r, c, l.grade.as_deref().unwrap_or_default())?;
                c += 1;
            }
        }
        for v in [u.bonus, u.total, Some(u.max_possible), u.score] {
            g.known(r, c, v, s)?;
            c += 1;
        }
        g.plain_text(
            r,
            grade_col,
            match &u.grade {
                Some(g) => g.as_str(),
                None => status(u, s),
            },
        )?;
        let veto = crate::output::veto_summary_in(u, s.lang);
        if !veto.is_empty() {
            g.text(r, veto_col, &veto, &s.veto)?;
        }
        g.plain_text(r, status_col, status(u, s))?;
        let missing = crate::output::missing_summary_in(u, s.lang);
        if !missing.is_empty() {
            g.wrap(r, missing_col, &missing, &s.missing_wrap)?;
        }
    }
    let last_row = FIRST + units.len() as u32 - 1;
    g.finish()?;
    // The completeness line under the table (not measured: it runs across the columns).
    ws.write_string(
        last_row + 2,
        1,
        crate::output::completeness_line_in(a, s.lang),
    )
    .map_err(xl)?;
    ws.set_freeze_panes(FIRST, 3).map_err(xl)?;
    ws.autofilter(HEADER_ROW, 0, last_row.max(FIRST), missing_col)
        .map_err(xl)?;
    if !units.is_empty() {
        for (gr, (fill, font)) in a.grades.iter().zip(grade_colours(a.grades.len())) {
            let cf = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo(gr.label.as_str()))
                .set_format(
                    Format::new()
                        .set_background_color(Color::RGB(fill))
                        .set_font_color(Color::RGB(font)),
                );
            ws.add_conditional_format(FIRST, grade_col, last_row, grade_col, &cf)
                .map_err(xl)?;
        }
    }
    Ok(())
}

/// Wider than this (in Excel's units) the points sheet prints across pages with the unit
/// columns repeated, rather than shrunk to one page wide.
const POINTS_FIT_WIDTH: f64 = 300.0;

fn points_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let title = sheet_title(a, s.t("各指标得分", "Points by indicator"), s.lang);
    let Some(first) = a.units.first() else {
        let mut g = Grid::new(&mut *ws);
        g.begin(&title, &unit_headers(s), true, s)?;
        return close_rows(g.ws, HEADER_ROW);
    };
    let items: Vec<&IndicatorResult> = first.indicators.iter().chain(&first.bonus_items).collect();
    let mut headers = unit_headers(s);
    for ind in &items {
        headers.push(format!("{}\n{}", ind.name(), ind.id()));
    }
    headers.extend([
        s.t("加分", "Bonus").to_string(),
        s.t("总分", "Total").to_string(),
    ]);
    let mut g = Grid::new(&mut *ws);
    g.begin(&title, &headers, true, s)?;
    g.ws.set_row_height(HEADER_ROW, 60).map_err(xl)?;
    g.score_columns(3..3 + items.len() as u16 + 2, s)?;
    for (r, u) in a.units.iter().enumerate() {
        let r = FIRST + r as u32;
        match u.rank {
            Some(rank) => g.int(r, 0, rank, s)?,
            None => g.text(r, 0, status(u, s), &s.missing)?,
        }
        g.plain_text(r, 1, &u.id)?;
        g.plain_text(r, 2, &u.name)?;
        for (i, want) in items.iter().enumerate() {
            let c = 3 + i as u16;
            // Units of one set list their items in the same order: look where it should be
            // first, search only if it is not there.
            let mut all = u.indicators.iter().chain(&u.bonus_items);
            let Some(ind) = all
                .clone()
                .nth(i)
                .filter(|x| x.id() == want.id())
                .or_else(|| all.find(|x| x.id() == want.id()))
            else {
                continue;
            };
            match ind.status {
                Status::NotApplicable => g.text(r, c, s.t("不适用", "n/a"), &s.na)?,
                Status::Scored => g.score(r, c, ind.points, s)?,
                Status::MissingEvidence => g.text(r, c, s.t("缺少佐证", "missing"), &s.missing)?,
                Status::ZeroForMissing | Status::Undefined => {
                    g.points(r, c, ind.points, &s.missing)?
                }
                Status::Zeroed => g.points(r, c, ind.points, &s.zeroed)?,
            }
        }
        let c = 3 + items.len() as u16;
        g.known(r, c, u.bonus, s)?;
        g.known(r, c + 1, u.total, s)?;
    }
    // Item columns narrow (their headers wrap), the unit columns as wide as the names.
    for c in 3..3 + items.len() {
        if let Some(w) = g.widths.0.get_mut(c) {
            *w = 8.0;
        }
    }
    g.finish()?;
    let total: f64 = g.widths.0.iter().map(|w| w * 1.1 + 2.5).sum();
    if total > POINTS_FIT_WIDTH {
        // Too wide to shrink to one page: across pages, the unit columns on each.
        ws.set_print_fit_to_pages(0, 0);
        ws.set_repeat_columns(0, 2).map_err(xl)?;
    }
    for (i, ind) in items.iter().enumerate() {
        let c = 3 + i as u16;
        let text = format!(
            "{} {}\n{} {}\n{}",
            ind.id(),
            ind.name(),
            s.t("满分", "Maximum"),
            show(ind.max),
            ind.rule_text()
        );
        let lines = (text.chars().count() / 18 + 3) as u32;
        ws.insert_note(
            HEADER_ROW,
            c,
            &Note::new(fit(&text, MAX_NOTE))
                .add_author_prefix(false)
                .set_width(300)
                .set_height(20 + 16 * lines.min(30)),
        )
        .map_err(xl)?;
    }
    ws.set_freeze_panes(FIRST, 3).map_err(xl)?;
    ws.autofilter(
        HEADER_ROW,
        0,
        (FIRST + a.units.len() as u32 - 1).max(FIRST),
        2 + items.len() as u16 + 2,
    )
    .map_err(xl)?;
    Ok(())
}

fn veto_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let headers = strings(&[
        s.t("单位代码", "Unit id"),
        s.t("单位名称", "Unit"),
        s.t("规则", "Rule"),
        s.t("规则名称", "Rule name"),
        s.t("方式", "Mode"),
        s.t("生效", "Applied"),
        s.t("范围", "Scope"),
        s.t("效果", "Effect"),
        s.t("原因", "Reason"),
        s.t("触发条件", "Trigger"),
        s.t("依据", "Evidence"),
    ]);
    let mut g = Grid::wrapping(&mut *ws, &[8, 9, 10], 40.0);
    g.begin(
        &sheet_title(a, s.t("一票否决", "One-vote vetoes"), s.lang),
        &headers,
        true,
        s,
    )?;
    let mut r = FIRST;
    'units: for u in &a.units {
        for v in &u.vetoes {
            if r == SHEET_ROWS - 1 {
                g.plain(r, 0, s.t(OVERFLOW, OVERFLOW_EN))?;
                r += 1;
                break 'units;
            }
            let mode = match v.mode {
                crate::model::choice::VetoMode::Enforced => s.t("强制", "enforced"),
                crate::model::choice::VetoMode::Advisory => s.t("提示", "advisory"),
            };
            let evidence: Vec<String> = v
                .evidence
                .to_vec()
                .iter()
                .map(|e| {
                    format!(
                        "{}={}",
                        crate::result::name_in(&e.name, s.lang),
                        e.value.in_lang(s.lang)
                    )
                })
                .collect();
            let trigger = v.readable_trigger_in(s.lang);
            let effect = v.effect_in(s.lang);
            let reason = v.reason_in(s.lang);
            let cells = [
                u.id.as_str(),
                u.name.as_str(),
                v.id.as_str(),
                v.name.as_str(),
                mode,
                yes_no(v.applied, s),
                scope_label_in(a, &v.scope, s.lang),
                effect.as_str(),
                reason.as_str(),
                trigger.as_str(),
                &evidence.join("; "),
            ];
            for (c, x) in cells.iter().enumerate() {
                match c {
                    3 if v.applied => g.text(r, c as u16, x, &s.veto)?,
                    8..=10 => g.wrap(r, c as u16, x, &s.wrap)?,
                    _ => g.plain_text(r, c as u16, x)?,
                }
            }
            r += 1;
        }
    }
    g.finish()?;
    ws.set_freeze_panes(FIRST, 2).map_err(xl)?;
    ws.autofilter(HEADER_ROW, 0, (r - 1).max(FIRST), headers.len() as u16 - 1)
        .map_err(xl)?;
    Ok(())
}

fn cases_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let headers = strings(&[
        s.t("单位代码", "Unit id"),
        s.t("单位名称", "Unit"),
        s.t("案件类型", "Case type"),
        s.t("严重程度", "Severity"),
        s.t("日期", "Date"),
        s.t("发现层级", "Found by"),
        s.t("自查上报", "Self-reported"),
        s.t("文号", "Reference"),
        s.t("扣分", "Deducted"),
        s.t("扣分指标", "Charged to"),
        s.t("说明", "Explanation"),
        s.t("计入统计期", "In the period"),
        s.t("类型代码", "Type code"),
    ]);
    let mut g = Grid::wrapping(&mut *ws, &[10], 45.0);
    g.begin(
        &sheet_title(a, s.t("案件", "Cases"), s.lang),
        &headers,
        true,
        s,
    )?;
    let item_name = |id: &str| -> String {
        a.indicators
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| i.name.clone())
    };
    let mut r = FIRST;
    'units: for u in &a.units {
        for c in &u.cases {
            if r == SHEET_ROWS - 1 {
                g.plain(r, 0, s.t(OVERFLOW, OVERFLOW_EN))?;
                r += 1;
                break 'units;
            }
            g.plain_text(r, 0, &u.id)?;
            g.plain_text(r, 1, &u.name)?;
            g.plain_text(r, 2, &c.type_name)?;
            if let Some(x) = c.severity {
                g.int(r, 3, x, s)?;
            }
            if let Some(d) = c.date {
                let dt = ExcelDateTime::parse_from_str(&d.to_string()).map_err(xl)?;
                g.widths.see(4, "2000-01-01");
                g.ws.write_datetime_with_format(r, 4, &dt, &s.date)
                    .map_err(xl)?;
            }
            g.text(
                r,
                5,
                c.found_by
                    .as_deref()
                    .map(|f| finder_label_in(f, s.lang))
                    .unwrap_or_default(),
                &s.text,
            )?;
            g.plain_text(r, 6, yes_no(c.self_reported, s))?;
            g.plain_text(r, 7, c.reference.as_deref().unwrap_or_default())?;
            g.points(r, 8, c.deduction, &s.points)?;
            let item = c.indicator.as_deref().map(item_name).unwrap_or_default();
            g.plain_text(r, 9, &item)?;
            g.wrap(r, 10, &c.explanation_in(s.lang), &s.wrap)?;
            g.plain_text(r, 11, yes_no(c.in_period, s))?;
            g.plain_text(r, 12, &c.case_type)?;
            r += 1;
        }
    }
    g.finish()?;
    ws.set_freeze_panes(FIRST, 2).map_err(xl)?;
    ws.autofilter(HEADER_ROW, 0, (r - 1).max(FIRST), headers.len() as u16 - 1)
        .map_err(xl)?;
    Ok(())
}

fn about_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    // Portrait, one page wide: two columns, the second wrapping.
    let mut g = Grid::new(&mut *ws);
    g.begin(
        &sheet_title(a, s.t("说明", "About"), s.lang),
        &strings(&[s.t("项目", "Item"), s.t("内容", "Content")]),
        false,
        s,
    )?;
    let ws = g.ws;
    ws.set_column_width(0, 14).map_err(xl)?;
    ws.set_column_width(1, 72).map_err(xl)?;
    let set = &a.indicator_set;
    let en = s.lang.en();
    let rows = [
        (
            s.t("指标体系", "Indicator set"),
            if en {
                format!("{} ({})", set.name, set.id)
            } else {
                format!("{}({})", set.name, set.id)
            },
        ),
        (s.t("版本", "Version"), set.version.clone()),
        (s.t("指标文件", "Set file"), set.file.clone()),
        ("SHA-256", set.hash.clone()),
        (
            s.t("统计期", "Period"),
            if en {
                format!("{} ({} to {})", a.period.label, a.period.from, a.period.to)
            } else {
                format!("{}({} 至 {})", a.period.label, a.period.from, a.period.to)
            },
        ),
        (s.t("满分", "Maximum"), show(set.scale)),
        (s.t("单位数", "Units"), a.units.len().to_string()),
        (
            s.t("生成", "Written by"),
            format!("{} · {}", a.engine, a.schema),
        ),
    ];
    // A value longer than its column wraps, and its row is as tall as its lines (true when
    // its height is set).
    let tall = |ws: &mut Worksheet, r: u32, v: &str| -> Result<bool, WriteError> {
        let n = (unicode_width::UnicodeWidthStr::width(v) as f64 * 1.1 / 71.0).ceil();
        if n > 1.0 {
            ws.set_row_height(r, 15.0 * n).map_err(xl)?;
        }
        Ok(n > 1.0)
    };
    let mut r = FIRST;
    for (k, v) in rows {
        ws.text_fmt(r, 0, k, &s.bold).map_err(xl)?;
        tall(ws, r, &v)?;
        ws.text_fmt(r, 1, v, &s.wrap).map_err(xl)?;
        r += 1;
    }
    r += 1;
    ws.text_fmt(r, 0, s.t("等次", "Grades"), &s.bold)
        .map_err(xl)?;
    r += 1;
    for (gr, (fill, font)) in a.grades.iter().zip(grade_colours(a.grades.len())) {
        let f = Format::new()
            .set_background_color(Color::RGB(fill))
            .set_font_color(Color::RGB(font));
        ws.text_fmt(r, 0, &gr.label, &f).map_err(xl)?;
        let band = match (gr.min, en) {
            (Some(m), false) => format!("折算得分 ≥ {}", show(m)),
            (Some(m), true) => format!("score ≥ {}", show(m)),
            (None, _) => s.t("其余", "the rest").to_string(),
        };
        ws.text(r, 1, band).map_err(xl)?;
        r += 1;
    }
    r += 1;
    let legend = [
        (
            s.t("指标得分表", "Points sheet"),
            s.t(
                "灰色“不适用”:该指标不适用于本单位类别;黄色:缺少佐证或无法计算;红色:因事件清零。\
                 指标较多时横向分页打印,每页重复排名和单位列。",
                "Grey \"n/a\": the item does not apply to the unit's class; yellow: evidence missing \
                 or not computable; red: zeroed by an event. With many items the sheet prints \
                 across pages, the rank and unit columns repeated on each.",
            ),
        ),
        (
            s.t("一票否决", "Vetoes"),
            s.t(
                "方式“强制”的否决改变结果;“提示”的仅作提醒。",
                "An enforced veto changes the result; an advisory one is only a reminder.",
            ),
        ),
        (
            s.t("打印", "Printing"),
            s.t(
                "各表按A4纸、适合页宽设置,每页重复标题行和表头,页脚有页码。",
                "Every sheet is set up for A4, fit to the page width, with the title and \
                 header rows repeated on each page and page numbers in the footer.",
            ),
        ),
    ];
    let mut last_tall = false;
    for (k, v) in legend {
        ws.text_fmt(r, 0, k, &s.bold).map_err(xl)?;
        last_tall = tall(ws, r, v)?;
        ws.text_fmt(r, 1, v, &s.wrap).map_err(xl)?;
        r += 1;
    }
    if last_tall {
        close_rows(ws, r - 1)?;
    }
    Ok(())
}

/// Rows of a worksheet.
const SHEET_ROWS: u32 = 1_048_576;

/// Most units a workbook holds: a sheet has 1,048,576 rows, and the ranked sheet needs its
/// title, the header, a blank row and the completeness line besides its units.
pub const MAX_UNITS: usize = SHEET_ROWS as usize - FIRST as usize - 2;

/// The last row of a sheet of vetoes or cases that has more than a sheet holds.
const OVERFLOW: &str =
    "……超出 Excel 工作表 1,048,576 行的上限,其余见 scorecard.json(--detail full)";
/// [`OVERFLOW`] in English.
const OVERFLOW_EN: &str = "… beyond Excel's limit of 1,048,576 rows a sheet: the rest is in \
     scorecard.json (--detail full)";

/// The fixed sheet names in `lang` (ranking, points, vetoes, cases, about).
pub fn sheet_names(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => [
            RANK_SHEET,
            POINTS_SHEET,
            VETO_SHEET,
            CASES_SHEET,
            ABOUT_SHEET,
        ],
        Lang::En => ["Ranking", "Points", "Vetoes", "Cases", "About"],
    }
}

/// A worksheet in constant memory: each row goes to a temporary file when the next begins,
/// so a workbook of a million units costs no more memory than one of ten. Rows are written in
/// order, and a row is finished (its height set) before the next.
fn new_sheet<'w>(wb: &'w mut Workbook, name: &str) -> Result<&'w mut Worksheet, WriteError> {
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(name).map_err(xl)?;
    Ok(ws)
}

/// The Excel scorecard: ranked table, one sheet per peer group, unit × indicator points,
/// vetoes, cases, and an about sheet. Deterministic: the same assessment gives the same bytes.
/// At most [`MAX_UNITS`] units (the CSV holds any number).
pub fn scorecard_xlsx(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    scorecard_xlsx_in(a, Lang::Zh)
}

/// [`scorecard_xlsx`] with the workbook's own words (sheet names, titles, headings, labels,
/// veto effects and case explanations) in `lang`; the set's and units' names as written.
pub fn scorecard_xlsx_in(a: &Assessment, lang: Lang) -> Result<Vec<u8>, WriteError> {
    if a.units.len() > MAX_UNITS {
        return Err(WriteError::Encode {
            what: "scorecard.xlsx",
            message: format!(
                "{} units do not fit in a sheet of 1,048,576 rows (at most {MAX_UNITS})",
                a.units.len()
            ),
        });
    }
    let s = styles(lang);
    let [
        rank_sheet,
        points_sheet_name,
        veto_sheet_name,
        cases_sheet_name,
        about_sheet_name,
    ] = sheet_names(lang);
    let mut wb = Workbook::new();
    if a.units.len() > crate::output::LARGE_RUN {
        // A large run's workbook is written for speed: deflate level 1 instead of 6. At
        // 100,000 villages compressing was a quarter of the run; level 1 writes 29.8 MB
        // instead of 17.0 MB (level 3: 20.3 MB, ~1 s slower). ARCHITECTURE.md#speed.
        wb.set_zip_compression_level(1);
    }
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xl)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(match lang {
                Lang::Zh => format!("{} 考核结果", a.indicator_set.name),
                Lang::En => format!("{}: results", a.indicator_set.name),
            })
            .set_author("kaohe")
            .set_creation_datetime(&created),
    );
    let mut used: Vec<String> = sheet_names(lang).iter().map(|x| x.to_string()).collect();
    let all: Vec<&UnitResult> = a.units.iter().collect();
    let ws = new_sheet(&mut wb, rank_sheet)?;
    ranked_sheet(ws, a, s.t("考核结果排名", "Ranking"), &all, &s)?;
    ws.set_active(true);
    for g in &a.peer_groups {
        let units: Vec<&UnitResult> = a
            .units
            .iter()
            .filter(|u| u.peer_group.as_deref() == Some(g.id.as_str()))
            .collect();
        let mut name = sheet_name(&g.name);
        if used.contains(&name) {
            name = sheet_name(&format!("{}-{}", g.name, g.id));
        }
        used.push(name.clone());
        let ws = new_sheet(&mut wb, &name)?;
        let what = match lang {
            Lang::Zh => format!("{}排名", g.name),
            Lang::En => format!("{} ranking", g.name),
        };
        ranked_sheet(ws, a, &what, &units, &s)?;
    }
    points_sheet(new_sheet(&mut wb, points_sheet_name)?, a, &s)?;
    veto_sheet(new_sheet(&mut wb, veto_sheet_name)?, a, &s)?;
    cases_sheet(new_sheet(&mut wb, cases_sheet_name)?, a, &s)?;
    about_sheet(new_sheet(&mut wb, about_sheet_name)?, a, &s)?;
    wb.save_to_buffer().map_err(xl)
}

/// Characters points take as "0.00" shows them: a sign, the whole part's digits, the point and
/// two decimals (measured without formatting the number).
fn points_width(v: Decimal) -> usize {
    let whole = u64::try_from(v.trunc().abs()).unwrap_or(u64::MAX);
    usize::from(v.is_sign_negative() && !v.is_zero()) + digits(whole) + 3
}

/// Decimal digits of `n` (1 for 0).
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}
