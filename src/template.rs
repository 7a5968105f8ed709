//! The evidence-entry workbook (`kaohe template`): what an assessment office sends to units.
//!
//! Sheets, in order:
//! - `填报说明` — instructions in Chinese, the list of fields and the case types;
//! - `佐证数据` — one row per unit (pre-filled from a unit list), a column per evidence field
//!   with its Chinese name and unit in the header (`出生人数(人)`) and a note explaining it; a
//!   title row above the header; frozen header and unit columns; data validation by field type
//!   (counts whole ≥ 0, numbers ≥ 0 as a warning, percentages 0–100, ‰ 0–1000, 是/否
//!   drop-downs, classes and peer groups from the set);
//!   a set with descendant kinds (e.g. townships) gets one such sheet per kind;
//! - `案件台账` — the case ledger: one row per case, case types from the set in a drop-down;
//! - `选项` — hidden: the drop-down lists.
//!
//! With `--lang en` ([`template_xlsx_in`]) every sheet name, heading, note, instruction and
//! validation message is English, and the headers are the reader's English column names
//! (`id`, `name`, `case_type` …; `Instructions` is skipped like `填报说明`, its `Period` row
//! read like `考核期`), so a filled English template reads back exactly as a Chinese one.
//! Names and texts from the set (field names, case types, classes) stay as written.
//!
//! [`template_xlsx`] also writes values and cases when the input has them, the way a person
//! fills the template: numbers as numbers, 是/否 as the drop-down text, dates as dates. That is
//! how `kaohe template --units evidence.yaml` turns YAML evidence into a workbook, and how the
//! round-trip tests fill a template.

use crate::bind::find_field;
use crate::lang::Lang;
use crate::model::{Field, FieldType, IndicatorSet, Kind, Rule};
use crate::output::{FitText as _, MAX_NOTE, WriteError, fit};
use crate::read::table::column_letters;
use crate::read::workbook::PERIOD_LABEL;
use crate::read::{self, RawCase, RawValue, ReadEvidence, ReadUnit};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Note, Workbook, Worksheet,
    XlsxError,
};

/// Sheet names.
pub const INFO_SHEET: &str = "填报说明";
pub const DATA_SHEET: &str = "佐证数据";
pub const LEDGER_SHEET: &str = "案件台账";
pub const LISTS_SHEET: &str = "选项";
/// Units above the scored ones (the city), listed for their ids, nothing to fill in.
pub const CONTEXT_SHEET: &str = "上级单位";
/// The sheet names of the English template (`--lang en`), in the order above.
pub const INFO_SHEET_EN: &str = "Instructions";
pub const DATA_SHEET_EN: &str = "Evidence";
pub const LEDGER_SHEET_EN: &str = "Cases";
pub const LISTS_SHEET_EN: &str = "Lists";
pub const CONTEXT_SHEET_EN: &str = "Parent units";

/// The sheet names in `lang`: instructions, data, ledger, lists, context.
fn sheets(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => [
            INFO_SHEET,
            DATA_SHEET,
            LEDGER_SHEET,
            LISTS_SHEET,
            CONTEXT_SHEET,
        ],
        Lang::En => [
            INFO_SHEET_EN,
            DATA_SHEET_EN,
            LEDGER_SHEET_EN,
            LISTS_SHEET_EN,
            CONTEXT_SHEET_EN,
        ],
    }
}

/// The data sheet: title in row 1, header in row 2, units from row 3 (0-based 2).
pub const HEADER_ROW: u32 = 1;
pub const FIRST_DATA_ROW: u32 = 2;
/// Rows with validation below the last pre-filled unit (at least [`MIN_ROWS`] in all).
pub const SPARE_ROWS: u32 = 50;
pub const MIN_ROWS: u32 = 200;
/// Ledger rows with validation.
pub const LEDGER_ROWS: u32 = 1000;

/// Ledger columns, as written in the header (each is a name the reader knows).
pub const LEDGER_COLUMNS: [&str; 11] = [
    "单位代码",
    "案件类型",
    "严重程度",
    "日期",
    "发现层级",
    "自查上报",
    "文号",
    "备注",
    "上报日期",
    "是否查实",
    "金额",
];

/// The ledger columns of the English template: the reader's English column names.
pub const LEDGER_COLUMNS_EN: [&str; 11] = [
    "unit",
    "case_type",
    "severity",
    "date",
    "found_by",
    "self_reported",
    "ref",
    "note",
    "reported",
    "verified",
    "amount",
];

/// What each ledger column holds, in words (the English validation messages' titles).
const LEDGER_TITLES_EN: [&str; 11] = [
    "Unit id",
    "Case type",
    "Severity",
    "Date",
    "Found by",
    "Self-reported",
    "Reference",
    "Note",
    "Reported",
    "Verified",
    "Amount",
];

/// The page footer of every printed sheet.
fn footer(lang: Lang) -> &'static str {
    lang.pick("&C第 &P 页,共 &N 页", "&CPage &P of &N")
}

/// 是/否 as the template writes them (and its drop-downs offer them).
fn yes_no(lang: Lang, b: bool) -> &'static str {
    match (b, lang) {
        (true, Lang::Zh) => "是",
        (false, Lang::Zh) => "否",
        (true, Lang::En) => "Yes",
        (false, Lang::En) => "No",
    }
}

fn xl(e: XlsxError) -> WriteError {
    WriteError::Encode {
        what: "workbook",
        message: e.to_string(),
    }
}

/// A field's header: Chinese name and unit, `出生人数(人)`, `满意率(%)`.
pub fn field_header(f: &Field) -> String {
    let unit = f.unit.clone().or_else(|| match f.ty {
        FieldType::Percent => Some("%".into()),
        FieldType::PerMille => Some("‰".into()),
        _ => None,
    });
    match unit {
        Some(u) if !u.is_empty() => format!("{}({u})", f.name),
        _ => f.name.clone(),
    }
}

/// What a field's type asks for, in Chinese.
pub fn type_text(ty: FieldType) -> &'static str {
    type_text_in(ty, Lang::Zh)
}

/// What a field's type asks for, in `lang`.
pub fn type_text_in(ty: FieldType, lang: Lang) -> &'static str {
    match ty {
        FieldType::Count => lang.pick("整数,不小于0", "a whole number, at least 0"),
        FieldType::Number => lang.pick("数值", "a number"),
        FieldType::Percent => lang.pick(
            "百分比,0~100(填 96.98 或 96.98%)",
            "a percentage, 0–100 (enter 96.98 or 96.98%)",
        ),
        FieldType::PerMille => lang.pick("千分比,0~1000", "per mille, 0–1000"),
        FieldType::Bool => lang.pick("是/否(下拉选择)", "Yes/No (from the drop-down list)"),
        FieldType::Text => lang.pick("文字", "text"),
    }
}

fn field_note(f: &Field, lang: Lang) -> String {
    let [id, enter, unit, help, also, sep] = match lang {
        Lang::Zh => ["字段代码:", "填写:", "单位:", "说明:", "也可用列名:", "、"],
        Lang::En => [
            "Field id: ",
            "Enter: ",
            "Unit: ",
            "Note: ",
            "Also accepted as the column name: ",
            ", ",
        ],
    };
    let mut s = format!(
        "{}\n{id}{}\n{enter}{}",
        f.name,
        f.id,
        type_text_in(f.ty, lang)
    );
    if let Some(u) = &f.unit {
        s.push_str(&format!("\n{unit}{u}"));
    }
    if let Some(h) = &f.help {
        s.push_str(&format!("\n{help}{h}"));
    }
    let aliases: Vec<&String> = f.aliases.iter().filter(|a| **a != f.name).collect();
    if !aliases.is_empty() {
        let list: Vec<&str> = aliases.iter().map(|a| a.as_str()).collect();
        s.push_str(&format!("\n{also}{}", list.join(sep)));
    }
    s
}

/// Labels of who found a case that rules multiply (`city`, `province`), plus the scored kind.
pub fn finder_labels(set: &IndicatorSet) -> Vec<String> {
    let mut out = vec![set.unit_kind().id.clone()];
    let items = set
        .indicators
        .iter()
        .chain(set.bonus.iter().flat_map(|b| b.items.iter()));
    for ind in items {
        if let Rule::PerCase(pc) = &ind.rule {
            for (label, _) in &pc.finder_multiplier {
                if !out.contains(label) {
                    out.push(label.clone());
                }
            }
        }
    }
    out
}

/// Text width in Excel's units (a CJK character is two).
fn width(s: &str) -> f64 {
    s.lines()
        .map(|l| unicode_width::UnicodeWidthStr::width(l) as f64)
        .fold(0.0, f64::max)
}

fn list_ref(sheet: &str, col: u16, len: usize) -> Formula {
    let c = column_letters(col as usize);
    Formula::new(format!("='{sheet}'!${c}$2:${c}${}", len.max(1) + 1))
}

struct Formats {
    title: Format,
    header: Format,
    meta_header: Format,
    text: Format,
    date: Format,
    wrap: Format,
    bold: Format,
}

fn formats() -> Formats {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7));
    Formats {
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Left)
            .set_align(FormatAlign::VerticalCenter),
        meta_header: header.clone().set_background_color(Color::RGB(0xFFF2CC)),
        header,
        text: Format::new().set_num_format("@"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        bold: Format::new().set_bold(),
    }
}

/// A metadata column of the data sheet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meta {
    Id,
    Name,
    Kind,
    Class,
    Peer,
    Parent,
}

impl Meta {
    /// The header: in English the reader's English column name.
    fn header(self, lang: Lang) -> &'static str {
        match self {
            Meta::Id => lang.pick("单位代码", "id"),
            Meta::Name => lang.pick("单位名称", "name"),
            Meta::Kind => lang.pick("单位类型", "kind"),
            Meta::Class => lang.pick("类别", "class"),
            Meta::Peer => lang.pick("方阵", "peer_group"),
            Meta::Parent => lang.pick("上级单位", "parent"),
        }
    }
    fn note(self, lang: Lang) -> &'static str {
        match self {
            Meta::Id => lang.pick(
                "单位代码(必填):每个单位唯一,如 futian 或 440304。不要修改已填的代码。",
                "Unit id (required): unique to each unit, e.g. futian or 440304. Do not change the ids already filled in.",
            ),
            Meta::Name => lang.pick("单位名称,如 福田区。", "The unit's name, e.g. Futian District."),
            Meta::Kind => lang.pick(
                "单位类型(下拉选择):被考核单位可不填。",
                "Unit kind (from the drop-down list): may be left blank for the units assessed.",
            ),
            Meta::Class => lang.pick(
                "类别(下拉选择):决定哪些指标适用、满分多少。",
                "Class (from the drop-down list): decides which items apply and their full marks.",
            ),
            Meta::Peer => lang.pick(
                "方阵(下拉选择):同一方阵内排名。",
                "Peer group (from the drop-down list): units are ranked within their peer group.",
            ),
            Meta::Parent => lang.pick(
                "上级单位的单位代码;不参加考核的上级单位(如 市)列在“上级单位”表。",
                "The id of the unit above; units above that are not assessed (such as the city) are listed on the “Parent units” sheet.",
            ),
        }
    }
    /// What a drop-down of this column offers, for its messages.
    fn list_title(self, lang: Lang) -> &'static str {
        match self {
            Meta::Kind => lang.pick("单位类型", "Unit kind"),
            Meta::Class => lang.pick("类别", "Class"),
            Meta::Peer => lang.pick("方阵", "Peer group"),
            _ => "",
        }
    }
}

/// Which units go on which data sheet: units of `kinds[k]` on sheet k; units of kinds the set
/// does not declare (context units such as the city) on the first.
/// Kinds without fields (aggregated only through their own level's results) get no sheet.
fn sheet_of(set: &IndicatorSet, u: &ReadUnit) -> usize {
    if is_context(set, u) {
        return CONTEXT;
    }
    u.kind
        .as_ref()
        .and_then(|k| set.kinds.iter().position(|x| &x.id == k))
        .filter(|&k| k == 0 || !set.kinds[k].fields.is_empty())
        .unwrap_or(0)
}

/// [`sheet_of`] for a context unit: not on a data sheet but on [`CONTEXT_SHEET`].
const CONTEXT: usize = usize::MAX;

/// Units of a kind the set does not score (the city above the districts): listed only so the
/// parents of the units are known, nothing to fill in.
fn is_context(set: &IndicatorSet, u: &ReadUnit) -> bool {
    u.kind
        .as_ref()
        .is_some_and(|k| !set.kinds.iter().any(|x| &x.id == k))
}

/// The sheet of the context units: id, name, kind and parent, read back as units with no
/// values (so the parents stay known), under a title saying there is nothing to fill in.
fn write_context_sheet(
    ws: &mut Worksheet,
    units: &[&ReadUnit],
    f: &Formats,
    lang: Lang,
) -> Result<(), WriteError> {
    ws.set_name(sheets(lang)[4]).map_err(xl)?;
    ws.merge_range(
        0,
        0,
        0,
        3,
        lang.pick(
            "上级单位(仅用于关联“上级单位”列,无需填写数据,请勿删除)",
            "Parent units (only for the “parent” column: nothing to fill in, do not delete)",
        ),
        &f.title,
    )
    .map_err(xl)?;
    ws.set_row_height(0, 28).map_err(xl)?;
    let headers = [Meta::Id, Meta::Name, Meta::Kind, Meta::Parent].map(|m| m.header(lang));
    for (c, h) in headers.iter().enumerate() {
        ws.text_fmt(HEADER_ROW, c as u16, *h, &f.header)
            .map_err(xl)?;
    }
    for (i, u) in units.iter().enumerate() {
        let r = FIRST_DATA_ROW + i as u32;
        let cells = [
            Some(u.id.as_str()),
            u.name.as_deref(),
            u.kind.as_deref(),
            u.parent.as_deref(),
        ];
        for (c, x) in cells.iter().enumerate() {
            if let Some(x) = x {
                ws.text_fmt(r, c as u16, *x, &f.text).map_err(xl)?;
            }
        }
    }
    for (c, w) in [16.0, 20.0, 12.0, 16.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(xl)?;
    }
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, HEADER_ROW).map_err(xl)?;
    ws.set_footer(footer(lang));
    Ok(())
}

fn data_sheet_name(set: &IndicatorSet, k: usize, lang: Lang) -> String {
    let data = sheets(lang)[1];
    if k == 0 {
        data.to_string()
    } else {
        sheet_name(&format!("{data}-{}", set.kinds[k].name))
    }
}

/// A valid, unique-enough sheet name: no `[]:*?/\`, at most 31 characters.
pub fn sheet_name(s: &str) -> String {
    s.chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

/// Only the units of read evidence (id, name, kind, class, peer group, parent): no values,
/// no cases.
pub fn unit_list(mut read: ReadEvidence) -> ReadEvidence {
    for u in &mut read.units {
        u.values.clear();
        u.cases.clear();
    }
    read.ledger.clear();
    read
}

/// Write the evidence-entry workbook for `set`, pre-filled with the units (and any values and
/// cases) of `input`.
pub fn template_xlsx(set: &IndicatorSet, input: &ReadEvidence) -> Result<Vec<u8>, WriteError> {
    template_xlsx_in(set, input, Lang::Zh)
}

/// [`template_xlsx`] in `lang`: sheet names, headings, notes, instructions and validation
/// messages.
pub fn template_xlsx_in(
    set: &IndicatorSet,
    input: &ReadEvidence,
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xl)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{} {}",
                set.name,
                lang.pick("佐证数据填报表", "evidence entry form")
            ))
            .set_author("kaohe")
            .set_comment(format!(
                "kaohe template for {} version {}",
                set.id, set.version
            ))
            .set_creation_datetime(&created),
    );
    let f = formats();
    let lists = Lists::new(set, input, lang);
    let n_sheets = set.kinds.len();
    let mut info = Worksheet::new();
    write_info(&mut info, set, input.period.as_deref(), &f, lang)?;
    wb.push_worksheet(info);
    // Before the data sheets: read back, the units above come first, as they are usually listed.
    let context: Vec<&ReadUnit> = input.units.iter().filter(|u| is_context(set, u)).collect();
    if !context.is_empty() {
        let mut ws = Worksheet::new();
        write_context_sheet(&mut ws, &context, &f, lang)?;
        wb.push_worksheet(ws);
    }
    let mut first_data_rows = 0u32;
    for k in 0..n_sheets {
        if k > 0 && set.kinds[k].fields.is_empty() {
            continue;
        }
        let units: Vec<&ReadUnit> = input
            .units
            .iter()
            .filter(|u| sheet_of(set, u) == k)
            .collect();
        let mut ws = Worksheet::new();
        let sheet = DataSheet::new(set, k, &units, input, lang);
        let rows = write_data_sheet(&mut ws, &sheet, &units, &lists, &f)?;
        if k == 0 {
            first_data_rows = rows;
        }
        wb.push_worksheet(ws);
    }
    let mut ledger = Worksheet::new();
    write_ledger(&mut ledger, set, input, &lists, first_data_rows, &f)?;
    wb.push_worksheet(ledger);
    let mut ls = Worksheet::new();
    lists.write(&mut ls, &f)?;
    wb.push_worksheet(ls);
    wb.save_to_buffer().map_err(xl)
}

/// The drop-down lists, kept on the hidden sheet.
struct Lists {
    cols: Vec<(&'static str, Vec<String>)>,
    lang: Lang,
}

impl Lists {
    const YES_NO: u16 = 0;
    const CASE_TYPES: u16 = 1;
    const CLASSES: u16 = 2;
    const PEERS: u16 = 3;
    const KINDS: u16 = 4;
    const FINDERS: u16 = 5;

    fn new(set: &IndicatorSet, input: &ReadEvidence, lang: Lang) -> Self {
        // The set's kinds, then the context kinds the units use (e.g. `city`).
        let mut kinds: Vec<String> = set.kinds.iter().map(|k| k.id.clone()).collect();
        for k in input.units.iter().filter_map(|u| u.kind.as_ref()) {
            if !kinds.contains(k) {
                kinds.push(k.clone());
            }
        }
        Self {
            cols: vec![
                (
                    lang.pick("是否", "Yes/No"),
                    vec![yes_no(lang, true).into(), yes_no(lang, false).into()],
                ),
                (
                    lang.pick("案件类型", "Case types"),
                    set.case_types.iter().map(|c| c.name.clone()).collect(),
                ),
                (
                    lang.pick("类别", "Classes"),
                    set.classes.iter().map(|c| c.name.clone()).collect(),
                ),
                (
                    lang.pick("方阵", "Peer groups"),
                    set.peer_groups.iter().map(|c| c.name.clone()).collect(),
                ),
                (lang.pick("单位类型", "Unit kinds"), kinds),
                (lang.pick("发现层级", "Found by"), finder_labels(set)),
            ],
            lang,
        }
    }

    fn formula(&self, col: u16) -> Formula {
        list_ref(sheets(self.lang)[3], col, self.cols[col as usize].1.len())
    }

    fn write(&self, ws: &mut Worksheet, f: &Formats) -> Result<(), WriteError> {
        ws.set_name(sheets(self.lang)[3]).map_err(xl)?;
        for (c, (title, items)) in self.cols.iter().enumerate() {
            let c = c as u16;
            ws.text_fmt(0, c, *title, &f.bold).map_err(xl)?;
            for (r, item) in items.iter().enumerate() {
                ws.text(r as u32 + 1, c, item).map_err(xl)?;
            }
            ws.set_column_width(c, 24).map_err(xl)?;
        }
        ws.set_hidden(true);
        Ok(())
    }
}

fn validation(
    dv: DataValidation,
    title: &str,
    message: &str,
) -> Result<DataValidation, WriteError> {
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    dv.set_error_title(clip(title, 32))
        .and_then(|d| d.set_error_message(clip(message, 255)))
        .and_then(|d| d.set_input_title(clip(title, 32)))
        .and_then(|d| d.set_input_message(clip(message, 255)))
        .map_err(xl)
}

fn field_validation(fld: &Field, lang: Lang) -> Result<Option<DataValidation>, WriteError> {
    let dv = DataValidation::new();
    let (dv, message) = match fld.ty {
        FieldType::Count => (
            dv.allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0)),
            lang.pick("请填写不小于0的整数", "Enter a whole number of at least 0."),
        ),
        FieldType::Number => (
            dv.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
                .set_error_style(DataValidationErrorStyle::Warning),
            lang.pick(
                "请填写不小于0的数值(确需填写负数时可选择继续)",
                "Enter a number of at least 0 (if a negative number is really meant, choose to continue).",
            ),
        ),
        FieldType::Percent => (
            dv.allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
            lang.pick(
                "请填写0~100之间的百分比数值,如 96.98(也可输入 96.98%)",
                "Enter a percentage between 0 and 100, e.g. 96.98 (96.98% also works).",
            ),
        ),
        FieldType::PerMille => (
            dv.allow_decimal_number(DataValidationRule::Between(0.0, 1000.0)),
            lang.pick(
                "请填写0~1000之间的千分比数值",
                "Enter a per-mille value between 0 and 1000.",
            ),
        ),
        FieldType::Bool => (
            dv.allow_list_strings(&[yes_no(lang, true), yes_no(lang, false)])
                .map_err(xl)?,
            lang.pick(
                "请从下拉列表选择 是 或 否",
                "Choose Yes or No from the drop-down list.",
            ),
        ),
        FieldType::Text => return Ok(None),
    };
    validation(dv, &fld.name, message).map(Some)
}

fn write_data_sheet(
    ws: &mut Worksheet,
    sheet: &DataSheet<'_>,
    units: &[&ReadUnit],
    lists: &Lists,
    f: &Formats,
) -> Result<u32, WriteError> {
    ws.set_name(data_sheet_name(sheet.set, sheet.k, sheet.lang))
        .map_err(xl)?;
    sheet.write_title(ws, f)?;
    ws.set_row_height(0, 28).map_err(xl)?;
    ws.set_row_height(HEADER_ROW, 48).map_err(xl)?;
    // Header: metadata columns, then one column per field.
    sheet.write_meta_headers(ws, lists, f)?;
    sheet.write_field_headers(ws, f)?;
    // Rows: pre-filled units and their values.
    for (r, u) in units.iter().enumerate() {
        sheet.write_unit(ws, FIRST_DATA_ROW + r as u32, u, f)?;
    }
    ws.set_freeze_panes(FIRST_DATA_ROW, 2).map_err(xl)?;
    ws.set_paper_size(9).set_landscape();
    ws.set_repeat_rows(0, HEADER_ROW).map_err(xl)?;
    ws.set_repeat_columns(0, 1).map_err(xl)?;
    ws.set_footer(footer(sheet.lang));
    Ok(sheet.n_rows)
}

/// The layout of the data sheet of kind `k`: its metadata columns, then its value columns.
struct DataSheet<'a> {
    set: &'a IndicatorSet,
    /// The kind's index in the set.
    k: usize,
    kind: &'a Kind,
    meta: Vec<Meta>,
    /// (field, layer) of each value column: a field (for a layered field: its lowest-priority
    /// layer, what units report), then one column per higher-priority layer, headed
    /// `名称(单位)@层`.
    columns: Vec<(usize, Option<usize>)>,
    /// Rows with validation.
    n_rows: u32,
    lang: Lang,
}

impl<'a> DataSheet<'a> {
    fn new(
        set: &'a IndicatorSet,
        k: usize,
        units: &[&ReadUnit],
        input: &ReadEvidence,
        lang: Lang,
    ) -> Self {
        let kind = &set.kinds[k];
        let other_kind = units
            .iter()
            .any(|u| u.kind.as_ref().is_some_and(|x| x != &kind.id));
        let mut meta = vec![Meta::Id, Meta::Name];
        if set.kinds.len() > 1 || other_kind {
            meta.push(Meta::Kind);
        }
        if !set.classes.is_empty() && k == 0 {
            meta.push(Meta::Class);
        }
        if !set.peer_groups.is_empty() && k == 0 {
            meta.push(Meta::Peer);
        }
        if set.kinds.len() > 1 || input.units.iter().any(|u| u.parent.is_some()) {
            meta.push(Meta::Parent);
        }
        let mut columns: Vec<(usize, Option<usize>)> = Vec::new();
        for (fi, fld) in kind.fields.iter().enumerate() {
            columns.push((fi, None));
            if let Some((_, higher)) = fld.layers.split_last() {
                columns.extend(higher.iter().map(|l| (fi, Some(*l))));
            }
        }
        DataSheet {
            set,
            k,
            kind,
            meta,
            columns,
            n_rows: (units.len() as u32 + SPARE_ROWS).max(MIN_ROWS),
            lang,
        }
    }

    fn n_meta(&self) -> u16 {
        self.meta.len() as u16
    }

    fn last_row(&self) -> u32 {
        FIRST_DATA_ROW + self.n_rows - 1
    }

    /// The column of field `fi`, or of one of its layers named by id or name.
    fn column_of(&self, fi: usize, layer: Option<&str>) -> Option<u16> {
        let fld = &self.kind.fields[fi];
        let layer = match layer {
            None => None,
            Some(name) => {
                let l = fld.layers.iter().copied().find(|l| {
                    self.set
                        .layers
                        .get(*l)
                        .is_some_and(|x| x.id == name || x.name == name)
                })?;
                (fld.layers.last() != Some(&l)).then_some(l)
            }
        };
        self.columns
            .iter()
            .position(|c| *c == (fi, layer))
            .map(|i| self.n_meta() + i as u16)
    }

    /// The title row above the header.
    fn write_title(&self, ws: &mut Worksheet, f: &Formats) -> Result<(), WriteError> {
        let (set, lang) = (self.set, self.lang);
        let period = set.effective.label.clone().unwrap_or_else(|| {
            format!(
                "{}{}{}",
                set.effective.from,
                lang.pick(" 至 ", " to "),
                set.effective.to
            )
        });
        let title = match lang {
            Lang::Zh => format!("{} 佐证数据填报表({period})", set.name),
            Lang::En => format!("{} evidence entry form ({period})", set.name),
        };
        let last_col = self.n_meta() + self.columns.len() as u16 - 1;
        let title_cols = last_col.min(7);
        if title_cols > 0 {
            ws.merge_range(0, 0, 0, title_cols, &title, &f.title)
                .map_err(xl)?;
        } else {
            ws.text_fmt(0, 0, &title, &f.title).map_err(xl)?;
        }
        Ok(())
    }

    /// The metadata headers with their notes, and drop-downs for kind, class and peer group.
    fn write_meta_headers(
        &self,
        ws: &mut Worksheet,
        lists: &Lists,
        f: &Formats,
    ) -> Result<(), WriteError> {
        let lang = self.lang;
        for (c, m) in self.meta.iter().enumerate() {
            let c = c as u16;
            ws.text_fmt(HEADER_ROW, c, m.header(lang), &f.meta_header)
                .map_err(xl)?;
            ws.insert_note(HEADER_ROW, c, &note(m.note(lang)))
                .map_err(xl)?;
            ws.set_column_width(c, if *m == Meta::Name { 14 } else { 12 })
                .map_err(xl)?;
            ws.set_column_format(c, &f.text).map_err(xl)?;
            let list = match m {
                Meta::Kind => Some(Lists::KINDS),
                Meta::Class => Some(Lists::CLASSES),
                Meta::Peer => Some(Lists::PEERS),
                _ => None,
            };
            if let Some(col) = list {
                let title = m.list_title(lang);
                let dv = DataValidation::new()
                    .allow_list_formula(lists.formula(col))
                    .set_error_style(DataValidationErrorStyle::Warning);
                let message = match lang {
                    Lang::Zh => format!("请从下拉列表选择{title}"),
                    Lang::En => {
                        format!("Choose a {} from the drop-down list.", title.to_lowercase())
                    }
                };
                let dv = validation(dv, title, &message)?;
                ws.add_data_validation(FIRST_DATA_ROW, c, self.last_row(), c, &dv)
                    .map_err(xl)?;
            }
        }
        Ok(())
    }

    /// The value headers with their notes and their validation by field type.
    fn write_field_headers(&self, ws: &mut Worksheet, f: &Formats) -> Result<(), WriteError> {
        for (i, (fi, layer)) in self.columns.iter().enumerate() {
            let fld = &self.kind.fields[*fi];
            let c = self.n_meta() + i as u16;
            let layer = layer.and_then(|l| self.set.layers.get(l));
            let lang = self.lang;
            let (h, text) = match layer {
                None => (field_header(fld), field_note(fld, lang)),
                Some(l) => (
                    format!("{}@{}", field_header(fld), l.name),
                    match lang {
                        Lang::Zh => format!(
                            "{}\n({}核实的值,优先于单位自报;没有则留空)",
                            field_note(fld, lang),
                            l.name
                        ),
                        Lang::En => format!(
                            "{}\n(the value as verified by {}: it takes precedence over the unit's own report; leave blank if there is none)",
                            field_note(fld, lang),
                            l.name
                        ),
                    },
                ),
            };
            ws.text_fmt(HEADER_ROW, c, &h, &f.header).map_err(xl)?;
            ws.insert_note(HEADER_ROW, c, &note(&text)).map_err(xl)?;
            ws.set_column_width(c, (width(&h) / 2.0 + 2.0).clamp(9.0, 20.0))
                .map_err(xl)?;
            if fld.ty == FieldType::Text {
                ws.set_column_format(c, &f.text).map_err(xl)?;
            }
            if let Some(dv) = field_validation(fld, lang)? {
                ws.add_data_validation(FIRST_DATA_ROW, c, self.last_row(), c, &dv)
                    .map_err(xl)?;
            }
        }
        Ok(())
    }

    /// One pre-filled unit: its metadata, then its values (each layer in its column).
    fn write_unit(
        &self,
        ws: &mut Worksheet,
        row: u32,
        u: &ReadUnit,
        f: &Formats,
    ) -> Result<(), WriteError> {
        let set = self.set;
        for (c, m) in self.meta.iter().enumerate() {
            let c = c as u16;
            let text = match m {
                Meta::Id => Some(u.id.clone()),
                Meta::Name => u.name.clone(),
                Meta::Kind => u.kind.clone(),
                Meta::Class => u
                    .class
                    .as_ref()
                    .map(|x| named(set.classes.iter().map(|n| (&n.id, &n.name)), x)),
                Meta::Peer => u
                    .peer_group
                    .as_ref()
                    .map(|x| named(set.peer_groups.iter().map(|n| (&n.id, &n.name)), x)),
                Meta::Parent => u.parent.clone(),
            };
            if let Some(t) = text {
                ws.text_fmt(row, c, &t, &f.text).map_err(xl)?;
            }
        }
        for (full_name, raw, _) in &u.values {
            let (name, suffix) = match full_name.rsplit_once('@') {
                Some((n, l)) => (n.trim(), Some(l.trim())),
                None => (full_name.as_str(), None),
            };
            let Some(fi) = find_field(&self.kind.fields, name) else {
                continue;
            };
            let ty = self.kind.fields[fi].ty;
            match raw {
                RawValue::Layers(list) => {
                    for (layer, v) in list {
                        if let Some(c) = self.column_of(fi, Some(layer)) {
                            write_value(ws, row, c, v, ty, f, self.lang)?;
                        }
                    }
                }
                _ => {
                    if let Some(c) = self.column_of(fi, suffix) {
                        write_value(ws, row, c, raw, ty, f, self.lang)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The display name for an id (or the text itself when it is no id).
fn named<'a>(mut items: impl Iterator<Item = (&'a String, &'a String)>, x: &str) -> String {
    items
        .find(|(id, name)| *id == x || *name == x)
        .map_or_else(|| x.to_string(), |(_, name)| name.clone())
}

fn note(text: &str) -> Note {
    let lines = text.lines().count() as u32;
    Note::new(fit(text, MAX_NOTE))
        .add_author_prefix(false)
        .set_author("kaohe")
        .set_width(260)
        .set_height(40 + 16 * lines)
}

/// Write a value the way a person types it in the template.
fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    raw: &RawValue,
    ty: FieldType,
    f: &Formats,
    lang: Lang,
) -> Result<(), WriteError> {
    match raw {
        RawValue::Missing | RawValue::NotFinite | RawValue::Layers(_) => {}
        RawValue::Num(d) if ty == FieldType::Text => {
            ws.text_fmt(row, col, d.normalize().to_string(), &f.text)
                .map_err(xl)?;
        }
        RawValue::Num(d) => {
            ws.write_number(row, col, d.to_f64().unwrap_or(f64::NAN))
                .map_err(xl)?;
        }
        RawValue::Bool(b) => {
            ws.text(row, col, yes_no(lang, *b)).map_err(xl)?;
        }
        RawValue::Text(t) => {
            let t = match (ty, read::parse_bool(t)) {
                (FieldType::Bool, Some(b)) => yes_no(lang, b).to_string(),
                _ => t.clone(),
            };
            ws.text(row, col, t).map_err(xl)?;
        }
    }
    Ok(())
}

fn write_ledger(
    ws: &mut Worksheet,
    set: &IndicatorSet,
    input: &ReadEvidence,
    lists: &Lists,
    data_rows: u32,
    f: &Formats,
) -> Result<(), WriteError> {
    let lang = lists.lang;
    ws.set_name(sheets(lang)[2]).map_err(xl)?;
    ws.set_row_height(0, 32).map_err(xl)?;
    let notes = ledger_notes(set, lang);
    let widths = [
        12.0, 30.0, 10.0, 12.0, 12.0, 10.0, 16.0, 30.0, 12.0, 10.0, 10.0,
    ];
    let columns = match lang {
        Lang::Zh => LEDGER_COLUMNS,
        Lang::En => LEDGER_COLUMNS_EN,
    };
    for (c, h) in columns.iter().enumerate() {
        let c = c as u16;
        ws.text_fmt(0, c, *h, &f.header).map_err(xl)?;
        ws.insert_note(0, c, &note(&notes[c as usize]))
            .map_err(xl)?;
        ws.set_column_width(c, widths[c as usize]).map_err(xl)?;
    }
    ws.set_column_format(0, &f.text).map_err(xl)?;
    ws.set_column_format(3, &f.date).map_err(xl)?;
    ws.set_column_format(6, &f.text).map_err(xl)?;
    ws.set_column_format(8, &f.date).map_err(xl)?;
    for (c, dv) in &ledger_validations(lists, data_rows)? {
        ws.add_data_validation(1, *c, LEDGER_ROWS, *c, dv)
            .map_err(xl)?;
    }
    // Cases: those written under units, then the ledger rows.
    let cases = input
        .units
        .iter()
        .flat_map(|u| u.cases.iter().map(move |(c, _)| (u.id.as_str(), c)))
        .chain(input.ledger.iter().map(|(u, c, _)| (u.as_str(), c)));
    for (row, (unit, c)) in (1u32..).zip(cases) {
        write_case(ws, row, set, unit, c, f, lang)?;
    }
    ws.set_freeze_panes(1, 1).map_err(xl)?;
    Ok(())
}

/// The note on each ledger column's header.
fn ledger_notes(set: &IndicatorSet, lang: Lang) -> [String; 11] {
    if lang.en() {
        return ledger_notes_en(set);
    }
    let case_help: Vec<String> = set
        .case_types
        .iter()
        .map(|c| format!("{}({})", c.name, c.id))
        .collect();
    [
        "单位代码:与“佐证数据”表中的单位代码一致。".to_string(),
        format!("案件类型(下拉选择):{}", case_help.join("、")),
        "严重程度:整数。政策外多孩生育填孩次(3 = 第三孩),迟报填迟报月数;其余填 1 或不填。"
            .to_string(),
        format!(
            "日期:发生或查实日期,如 2011-05-03。统计期 {} 至 {} 之外的案件不计分。",
            set.effective.from, set.effective.to
        ),
        format!(
            "发现层级(下拉选择):{}。上级发现的按规则加倍扣分。",
            finder_labels(set).join("、")
        ),
        "自查上报(是/否):本单位自查发现并如实上报的填 是。".to_string(),
        "文号:案件编号或文件文号。".to_string(),
        "备注:其他说明。".to_string(),
        "上报日期:案件信息上报的日期(迟报按上报日期计算月数)。".to_string(),
        "是否查实(是/否):未查实的案件只列出,不计分;不填视为已查实。".to_string(),
        "金额:与该条记录相关的金额(如经费),按类型汇总。".to_string(),
    ]
}

/// [`ledger_notes`] in English.
fn ledger_notes_en(set: &IndicatorSet) -> [String; 11] {
    let case_help: Vec<String> = set
        .case_types
        .iter()
        .map(|c| format!("{} ({})", c.name, c.id))
        .collect();
    [
        "Unit id: as on the “Evidence” sheet.".to_string(),
        format!(
            "Case type (from the drop-down list): {}",
            case_help.join(", ")
        ),
        "Severity: a whole number. For a birth outside the policy, the birth order (3 = third child); for a late report, the months late; otherwise 1 or blank."
            .to_string(),
        format!(
            "Date: when the case happened or was verified, e.g. 2011-05-03. Cases outside the period {} to {} are not scored.",
            set.effective.from, set.effective.to
        ),
        format!(
            "Found by (from the drop-down list): {}. Cases found by a higher level cost more points where the rules say so.",
            finder_labels(set).join(", ")
        ),
        "Self-reported (Yes/No): Yes when the unit found the case itself and reported it truthfully."
            .to_string(),
        "Reference: the case number or the document number.".to_string(),
        "Note: anything else.".to_string(),
        "Reported: the date the case was reported (a late report's months are counted to this date)."
            .to_string(),
        "Verified (Yes/No): cases not verified are listed but not scored; blank counts as verified."
            .to_string(),
        "Amount: an amount of money tied to this record (such as funds), summed by type."
            .to_string(),
    ]
}

/// The validation of the ledger's columns, by column: units from the data sheet's first
/// `data_rows` rows, case types, finders and yes/no from the lists, whole severities, dates,
/// amounts.
fn ledger_validations(
    lists: &Lists,
    data_rows: u32,
) -> Result<Vec<(u16, DataValidation)>, WriteError> {
    use DataValidationErrorStyle::Warning;
    let lang = lists.lang;
    let units = Formula::new(format!(
        "='{}'!$A${}:$A${}",
        sheets(lang)[1],
        FIRST_DATA_ROW + 1,
        FIRST_DATA_ROW + data_rows.max(1)
    ));
    let list = |col: u16| DataValidation::new().allow_list_formula(lists.formula(col));
    let date = || -> Result<DataValidation, WriteError> {
        Ok(DataValidation::new()
            .allow_date(DataValidationRule::GreaterThanOrEqualTo(
                ExcelDateTime::from_ymd(1990, 1, 1).map_err(xl)?,
            ))
            .set_error_style(Warning))
    };
    let whole = DataValidationRule::GreaterThanOrEqualTo(0);
    let amount = DataValidationRule::GreaterThanOrEqualTo(0.0);
    let p = |zh, en| lang.pick(zh, en);
    let yes_no = p(
        "请从下拉列表选择 是 或 否",
        "Choose Yes or No from the drop-down list.",
    );
    let a_date = p("请填写日期,如 2011-05-03", "Enter a date, e.g. 2011-05-03.");
    let title = |c: usize| match lang {
        Lang::Zh => LEDGER_COLUMNS[c],
        Lang::En => LEDGER_TITLES_EN[c],
    };
    Ok(vec![
        (
            0,
            validation(
                DataValidation::new()
                    .allow_list_formula(units)
                    .set_error_style(Warning),
                title(0),
                p(
                    "请选择“佐证数据”表中的单位代码",
                    "Choose a unit id from the “Evidence” sheet.",
                ),
            )?,
        ),
        (
            1,
            validation(
                list(Lists::CASE_TYPES),
                title(1),
                p(
                    "请从下拉列表选择案件类型",
                    "Choose a case type from the drop-down list.",
                ),
            )?,
        ),
        (
            2,
            validation(
                DataValidation::new().allow_whole_number(whole),
                title(2),
                p("请填写不小于0的整数", "Enter a whole number of at least 0."),
            )?,
        ),
        (3, validation(date()?, title(3), a_date)?),
        (
            4,
            validation(
                list(Lists::FINDERS).set_error_style(Warning),
                title(4),
                p(
                    "请从下拉列表选择发现层级",
                    "Choose who found the case from the drop-down list.",
                ),
            )?,
        ),
        (5, validation(list(Lists::YES_NO), title(5), yes_no)?),
        (8, validation(date()?, title(8), a_date)?),
        (9, validation(list(Lists::YES_NO), title(9), yes_no)?),
        (
            10,
            validation(
                DataValidation::new()
                    .allow_decimal_number(amount)
                    .set_error_style(Warning),
                title(10),
                p("请填写金额(数值)", "Enter an amount (a number)."),
            )?,
        ),
    ])
}

fn write_case(
    ws: &mut Worksheet,
    row: u32,
    set: &IndicatorSet,
    unit: &str,
    c: &RawCase,
    f: &Formats,
    lang: Lang,
) -> Result<(), WriteError> {
    ws.text_fmt(row, 0, unit, &f.text).map_err(xl)?;
    let ty = named(
        set.case_types.iter().map(|n| (&n.id, &n.name)),
        &c.case_type.value,
    );
    ws.text(row, 1, ty).map_err(xl)?;
    if let Some(s) = c.severity {
        ws.write_number(row, 2, f64::from(s)).map_err(xl)?;
    }
    if let Some(d) = c.date {
        let dt = ExcelDateTime::parse_from_str(&d.to_string()).map_err(xl)?;
        ws.write_datetime_with_format(row, 3, &dt, &f.date)
            .map_err(xl)?;
    }
    if let Some(x) = &c.found_by {
        ws.text(row, 4, x).map_err(xl)?;
    }
    ws.text(row, 5, yes_no(lang, c.self_reported)).map_err(xl)?;
    if let Some(x) = &c.reference {
        ws.text_fmt(row, 6, x, &f.text).map_err(xl)?;
    }
    if let Some(x) = &c.note {
        ws.text(row, 7, x).map_err(xl)?;
    }
    if let Some(d) = c.reported {
        let dt = ExcelDateTime::parse_from_str(&d.to_string()).map_err(xl)?;
        ws.write_datetime_with_format(row, 8, &dt, &f.date)
            .map_err(xl)?;
    }
    if let Some(v) = c.verified {
        ws.text(row, 9, yes_no(lang, v)).map_err(xl)?;
    }
    if let Some(a) = c.amount {
        ws.write_number(row, 10, a.to_f64().unwrap_or(f64::NAN))
            .map_err(xl)?;
    }
    Ok(())
}

fn write_info(
    ws: &mut Worksheet,
    set: &IndicatorSet,
    period: Option<&str>,
    f: &Formats,
    lang: Lang,
) -> Result<(), WriteError> {
    let p = |zh, en| lang.pick(zh, en);
    ws.set_name(sheets(lang)[0]).map_err(xl)?;
    ws.set_column_width(0, 22).map_err(xl)?;
    ws.set_column_width(1, 36).map_err(xl)?;
    ws.set_column_width(2, 16).map_err(xl)?;
    ws.set_column_width(3, 8).map_err(xl)?;
    ws.set_column_width(4, 60).map_err(xl)?;
    let mut r = 0u32;
    ws.text_fmt(
        r,
        0,
        format!(
            "{} {}",
            set.name,
            p("佐证数据填报说明", "evidence entry: instructions")
        ),
        &f.bold.clone().set_font_size(14),
    )
    .map_err(xl)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
    r += 2;
    let facts = [
        (
            p("指标体系", "Indicator set"),
            match lang {
                Lang::Zh => format!("{}({})", set.name, set.id),
                Lang::En => format!("{} ({})", set.name, set.id),
            },
        ),
        (p("版本", "Version"), set.version.clone()),
        (
            // Not `Period`: that row is the label read back.
            p("统计期", "Dates counted"),
            format!(
                "{}{}{}{}",
                set.effective.from,
                p(" 至 ", " to "),
                set.effective.to,
                set.effective
                    .label
                    .as_ref()
                    .map(|l| match lang {
                        Lang::Zh => format!("({l})"),
                        Lang::En => format!(" ({l})"),
                    })
                    .unwrap_or_default()
            ),
        ),
        (
            p("被考核单位类型", "Units assessed"),
            set.unit_kind().name.clone(),
        ),
        (
            p(PERIOD_LABEL, PERIOD_LABEL_EN),
            period
                .map(str::to_string)
                .or_else(|| set.effective.label.clone())
                .unwrap_or_default(),
        ),
    ];
    for (k, v) in facts {
        ws.text_fmt(r, 0, k, &f.bold).map_err(xl)?;
        ws.text(r, 1, v).map_err(xl)?;
        r += 1;
    }
    r += 1;
    let steps = match lang {
        Lang::Zh => STEPS,
        Lang::En => STEPS_EN,
    };
    for (i, s) in steps.iter().enumerate() {
        if i == 0 {
            ws.text_fmt(r, 0, *s, &f.bold).map_err(xl)?;
        } else {
            ws.merge_range(r, 0, r, 4, s, &f.wrap).map_err(xl)?;
            ws.set_row_height(r, 30).map_err(xl)?;
        }
        r += 1;
    }
    r += 1;
    ws.text_fmt(r, 0, p("佐证数据字段", "Evidence fields"), &f.bold)
        .map_err(xl)?;
    r += 1;
    let headers = match lang {
        Lang::Zh => ["字段代码", "名称", "填写", "单位", "说明"],
        Lang::En => ["Field id", "Name", "Enter", "Unit", "Note"],
    };
    for (c, h) in headers.iter().enumerate() {
        ws.text_fmt(r, c as u16, *h, &f.header).map_err(xl)?;
    }
    r += 1;
    for kind in &set.kinds {
        for fld in &kind.fields {
            ws.text(r, 0, &fld.id).map_err(xl)?;
            ws.text(r, 1, field_header(fld)).map_err(xl)?;
            ws.text(r, 2, type_text_in(fld.ty, lang)).map_err(xl)?;
            ws.text(r, 3, fld.unit.clone().unwrap_or_default())
                .map_err(xl)?;
            ws.text_fmt(r, 4, fld.help.clone().unwrap_or_default(), &f.wrap)
                .map_err(xl)?;
            r += 1;
        }
    }
    r += 1;
    ws.text_fmt(r, 0, p("案件类型", "Case types"), &f.bold)
        .map_err(xl)?;
    r += 1;
    for (c, h) in [p("代码", "Id"), p("名称", "Name")].iter().enumerate() {
        ws.text_fmt(r, c as u16, *h, &f.header).map_err(xl)?;
    }
    r += 1;
    for c in &set.case_types {
        ws.text(r, 0, &c.id).map_err(xl)?;
        ws.text(r, 1, &c.name).map_err(xl)?;
        r += 1;
    }
    ws.set_active(true);
    Ok(())
}

/// The period label's row on the English instructions sheet (read back like [`PERIOD_LABEL`]).
pub const PERIOD_LABEL_EN: &str = "Period";

/// How to fill in the template: a heading, then the steps.
const STEPS: [&str; 8] = [
    "填报步骤",
    "1. 在“佐证数据”表中每个单位填一行。单位代码必填且唯一;已预填的单位代码、名称请勿修改。",
    "2. 每列对应一项佐证数据,表头写明名称和计量单位;鼠标移到表头可看到填写说明(批注)。",
    "3. 百分比直接填数值,如 96.98(也可输入 96.98%);千分比填 ‰ 前的数值;人数、次数等填整数。",
    "4. 是/否 类数据从下拉列表选择。没有的数据留空,不要填 0 或“无”(留空表示缺少佐证)。",
    "5. 在“案件台账”表中每个案件填一行:单位代码、案件类型(下拉选择)、日期、发现层级等。",
    "6. 不要修改表头文字。可以在表头上方加标题行,也可以在末尾加“合计”行,读取时会自动跳过。",
    "7. 填好后保存为 .xlsx(WPS、LibreOffice 亦可),运行:kaohe assess -s 指标体系.yaml 本文件.xlsx",
];

/// [`STEPS`] in English.
const STEPS_EN: [&str; 8] = [
    "How to fill in",
    "1. On the “Evidence” sheet, fill in one row per unit. The unit id is required and unique; do not change the ids and names already filled in.",
    "2. Each column is one item of evidence; its header gives the name and the unit of measure. Hover over a header to see how to fill it in (its note).",
    "3. Enter percentages as numbers, e.g. 96.98 (96.98% also works); per-mille values as the number before ‰; counts of people, cases and the like as whole numbers.",
    "4. Choose Yes/No items from the drop-down list. Leave data you do not have blank: do not enter 0 or “none” (a blank means the evidence is missing).",
    "5. On the “Cases” sheet, fill in one row per case: the unit id, the case type (from the drop-down list), the date, who found it and so on.",
    "6. Do not change the header texts. You may add title rows above the header or a “Total” row at the end: they are skipped when the file is read.",
    "7. Save as .xlsx when done (WPS and LibreOffice work too) and run: kaohe assess -s set.yaml this-file.xlsx",
];
