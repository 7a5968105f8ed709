//! The Excel scorecard (`scorecard.xlsx`), written with rust_xlsxwriter: the ranked table, one
//! sheet per peer group, unit × indicator points, vetoes, cases and an about sheet.

use super::{FitText as _, MAX_NOTE, WriteError, fit, veto_summary};
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
}

fn styles() -> Styles {
    Styles {
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
        title: Format::new().set_bold().set_font_size(14),
    }
}

/// A figure that may be withheld: the number, or `—` marked as missing (never 0).
fn known(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: Option<Decimal>,
    s: &Styles,
) -> Result<(), WriteError> {
    match v {
        Some(v) => ws.write_number_with_format(r, c, num(v), &s.points),
        None => ws.write_string_with_format(r, c, "—", &s.missing),
    }
    .map_err(xl)?;
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

fn write_header(ws: &mut Worksheet, headers: &[String], s: &Styles) -> Result<(), WriteError> {
    // A4 landscape, the header repeated on every page.
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_gridlines(true);
    ws.set_repeat_rows(0, 0).map_err(xl)?;
    for (c, h) in headers.iter().enumerate() {
        ws.text_fmt(0, c as u16, h, &s.header).map_err(xl)?;
        let w = unicode_width::UnicodeWidthStr::width(h.as_str()) as f64;
        ws.set_column_width(c as u16, (w + 2.0).clamp(8.0, 40.0))
            .map_err(xl)?;
    }
    ws.set_row_height(0, 32).map_err(xl)?;
    Ok(())
}

/// The ranked table (all units, or one peer group): header, rows, filter, grade colours.
fn ranked_sheet(
    ws: &mut Worksheet,
    a: &Assessment,
    units: &[&UnitResult],
    s: &Styles,
) -> Result<(), WriteError> {
    let line_grades = units
        .iter()
        .any(|u| u.lines.iter().any(|l| l.grade.is_some()));
    let mut headers: Vec<String> = ["排名", "单位代码", "单位名称", "方阵", "方阵排名"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    for l in &a.lines {
        headers.push(format!("{}({})", l.name, show(l.max)));
        if line_grades {
            headers.push(format!("{}等次", l.name));
        }
    }
    headers.extend(crate::output::SCORE_COLUMNS.iter().map(|x| x.to_string()));
    write_header(ws, &headers, s)?;
    ws.set_print_fit_to_pages(1, 0);
    let grade_col = headers.len() as u16 - 4;
    let veto_col = headers.len() as u16 - 3;
    let status_col = headers.len() as u16 - 2;
    let missing_col = headers.len() as u16 - 1;
    for (i, u) in units.iter().enumerate() {
        let r = i as u32 + 1;
        match u.rank {
            Some(rank) => ws.write_number_with_format(r, 0, f64::from(rank), &s.int),
            None => ws.write_string_with_format(r, 0, u.status.zh(), &s.missing),
        }
        .map_err(xl)?;
        ws.text(r, 1, &u.id).map_err(xl)?;
        ws.text(r, 2, &u.name).map_err(xl)?;
        ws.text(r, 3, peer_name(a, u)).map_err(xl)?;
        if let Some(p) = u.peer_rank {
            ws.write_number_with_format(r, 4, f64::from(p), &s.int)
                .map_err(xl)?;
        }
        let mut c = 5u16;
        for l in &u.lines {
            known(ws, r, c, l.points, s)?;
            c += 1;
            if line_grades {
                ws.text(r, c, l.grade.clone().unwrap_or_default())
                    .map_err(xl)?;
                c += 1;
            }
        }
        for v in [u.bonus, u.total, Some(u.max_possible), u.score] {
            known(ws, r, c, v, s)?;
            c += 1;
        }
        ws.text_fmt(r, grade_col, u.grade_or_status(), &s.text)
            .map_err(xl)?;
        let veto = veto_summary(u);
        if !veto.is_empty() {
            ws.text_fmt(r, veto_col, &veto, &s.veto).map_err(xl)?;
        }
        ws.write_string(r, status_col, u.status.zh()).map_err(xl)?;
        let missing = crate::output::missing_summary(u);
        if !missing.is_empty() {
            ws.text_fmt(r, missing_col, &missing, &s.missing)
                .map_err(xl)?;
        }
    }
    // The completeness line under the table.
    ws.write_string(
        units.len() as u32 + 2,
        1,
        crate::output::completeness_line(a),
    )
    .map_err(xl)?;
    let last_row = units.len() as u32;
    ws.set_column_width(2, 14).map_err(xl)?;
    ws.set_column_width(veto_col, 40).map_err(xl)?;
    ws.set_freeze_panes(1, 3).map_err(xl)?;
    ws.autofilter(0, 0, last_row.max(1), missing_col)
        .map_err(xl)?;
    if last_row > 0 {
        for (g, (fill, font)) in a.grades.iter().zip(grade_colours(a.grades.len())) {
            let cf = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo(g.label.as_str()))
                .set_format(
                    Format::new()
                        .set_background_color(Color::RGB(fill))
                        .set_font_color(Color::RGB(font)),
                );
            ws.add_conditional_format(1, grade_col, last_row, grade_col, &cf)
                .map_err(xl)?;
        }
    }
    Ok(())
}

fn points_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let Some(first) = a.units.first() else {
        return write_header(
            ws,
            &["排名".into(), "单位代码".into(), "单位名称".into()],
            s,
        );
    };
    let items: Vec<&IndicatorResult> = first.indicators.iter().chain(&first.bonus_items).collect();
    let mut headers: Vec<String> = vec!["排名".into(), "单位代码".into(), "单位名称".into()];
    for ind in &items {
        headers.push(format!("{}\n{}", ind.name(), ind.id()));
    }
    headers.extend(["加分".to_string(), "总分".to_string()]);
    write_header(ws, &headers, s)?;
    // Too wide for one page: print across pages with the unit columns repeated.
    ws.set_repeat_columns(0, 2).map_err(xl)?;
    ws.set_row_height(0, 60).map_err(xl)?;
    for (i, ind) in items.iter().enumerate() {
        let c = 3 + i as u16;
        ws.set_column_width(c, 12).map_err(xl)?;
        let text = format!(
            "{} {}\n满分 {}\n{}",
            ind.id(),
            ind.name(),
            show(ind.max),
            ind.rule_text()
        );
        let lines = (text.chars().count() / 18 + 3) as u32;
        ws.insert_note(
            0,
            c,
            &Note::new(fit(&text, MAX_NOTE))
                .add_author_prefix(false)
                .set_width(300)
                .set_height(20 + 16 * lines.min(30)),
        )
        .map_err(xl)?;
    }
    for (r, u) in a.units.iter().enumerate() {
        let r = r as u32 + 1;
        match u.rank {
            Some(rank) => ws.write_number_with_format(r, 0, f64::from(rank), &s.int),
            None => ws.write_string_with_format(r, 0, u.status.zh(), &s.missing),
        }
        .map_err(xl)?;
        ws.text(r, 1, &u.id).map_err(xl)?;
        ws.text(r, 2, &u.name).map_err(xl)?;
        for (i, want) in items.iter().enumerate() {
            let c = 3 + i as u16;
            let Some(ind) = u
                .indicators
                .iter()
                .chain(&u.bonus_items)
                .find(|x| x.id() == want.id())
            else {
                continue;
            };
            match ind.status {
                Status::NotApplicable => {
                    ws.text_fmt(r, c, "不适用", &s.na).map_err(xl)?;
                }
                Status::Scored => {
                    ws.write_number_with_format(r, c, num(ind.points), &s.points)
                        .map_err(xl)?;
                }
                Status::MissingEvidence => {
                    ws.write_string_with_format(r, c, "缺少佐证", &s.missing)
                        .map_err(xl)?;
                }
                Status::ZeroForMissing | Status::Undefined => {
                    ws.write_number_with_format(r, c, num(ind.points), &s.missing)
                        .map_err(xl)?;
                }
                Status::Zeroed => {
                    ws.write_number_with_format(r, c, num(ind.points), &s.zeroed)
                        .map_err(xl)?;
                }
            }
        }
        let c = 3 + items.len() as u16;
        known(ws, r, c, u.bonus, s)?;
        known(ws, r, c + 1, u.total, s)?;
    }
    ws.set_column_width(2, 14).map_err(xl)?;
    ws.set_freeze_panes(1, 3).map_err(xl)?;
    ws.autofilter(
        0,
        0,
        (a.units.len() as u32).max(1),
        2 + items.len() as u16 + 2,
    )
    .map_err(xl)?;
    Ok(())
}

fn veto_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let headers: Vec<String> = [
        "单位代码",
        "单位名称",
        "规则",
        "规则名称",
        "方式",
        "生效",
        "范围",
        "效果",
        "原因",
        "触发条件",
        "依据",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    write_header(ws, &headers, s)?;
    ws.set_print_fit_to_pages(1, 0);
    let mut r = 1u32;
    'units: for u in &a.units {
        for v in &u.vetoes {
            if r == SHEET_ROWS - 1 {
                ws.write_string(r, 0, OVERFLOW).map_err(xl)?;
                r += 1;
                break 'units;
            }
            let mode = serde_json::to_value(v.mode)
                .ok()
                .and_then(|x| x.as_str().map(str::to_string))
                .unwrap_or_default();
            let mode = match mode.as_str() {
                "enforced" => "强制".to_string(),
                "advisory" => "提示".to_string(),
                _ => mode,
            };
            let evidence: Vec<String> = v
                .evidence
                .to_vec()
                .iter()
                .map(|e| format!("{}={}", e.name, e.value))
                .collect();
            let cells = [
                u.id.clone(),
                u.name.clone(),
                v.id.clone(),
                v.name.clone(),
                mode,
                if v.applied { "是" } else { "否" }.to_string(),
                v.scope.clone(),
                v.effect.clone(),
                v.reason.clone(),
                v.trigger.clone(),
                evidence.join("; "),
            ];
            for (c, x) in cells.iter().enumerate() {
                let fmt = if c == 3 && v.applied {
                    &s.veto
                } else {
                    &s.text
                };
                ws.text_fmt(r, c as u16, x, fmt).map_err(xl)?;
            }
            r += 1;
        }
    }
    ws.set_column_width(8, 40).map_err(xl)?;
    ws.set_column_width(10, 40).map_err(xl)?;
    ws.set_freeze_panes(1, 2).map_err(xl)?;
    ws.autofilter(0, 0, (r - 1).max(1), headers.len() as u16 - 1)
        .map_err(xl)?;
    Ok(())
}

fn cases_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    let headers: Vec<String> = [
        "单位代码",
        "单位名称",
        "案件类型",
        "类型名称",
        "严重程度",
        "日期",
        "发现层级",
        "自查上报",
        "文号",
        "扣分",
        "扣分指标",
        "说明",
        "计入统计期",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    write_header(ws, &headers, s)?;
    ws.set_print_fit_to_pages(1, 0);
    let mut r = 1u32;
    'units: for u in &a.units {
        for c in &u.cases {
            if r == SHEET_ROWS - 1 {
                ws.write_string(r, 0, OVERFLOW).map_err(xl)?;
                r += 1;
                break 'units;
            }
            ws.text(r, 0, &u.id).map_err(xl)?;
            ws.text(r, 1, &u.name).map_err(xl)?;
            ws.text(r, 2, &c.case_type).map_err(xl)?;
            ws.text(r, 3, &c.type_name).map_err(xl)?;
            if let Some(x) = c.severity {
                ws.write_number_with_format(r, 4, f64::from(x), &s.int)
                    .map_err(xl)?;
            }
            if let Some(d) = c.date {
                let dt = ExcelDateTime::parse_from_str(&d.to_string()).map_err(xl)?;
                ws.write_datetime_with_format(r, 5, &dt, &s.date)
                    .map_err(xl)?;
            }
            ws.text(r, 6, c.found_by.clone().unwrap_or_default())
                .map_err(xl)?;
            ws.text(r, 7, if c.self_reported { "是" } else { "否" })
                .map_err(xl)?;
            ws.text(r, 8, c.reference.clone().unwrap_or_default())
                .map_err(xl)?;
            ws.write_number_with_format(r, 9, num(c.deduction), &s.points)
                .map_err(xl)?;
            ws.text(r, 10, c.indicator.clone().unwrap_or_default())
                .map_err(xl)?;
            ws.text(r, 11, &c.explanation).map_err(xl)?;
            ws.text(r, 12, if c.in_period { "是" } else { "否" })
                .map_err(xl)?;
            r += 1;
        }
    }
    ws.set_column_width(3, 30).map_err(xl)?;
    ws.set_column_width(11, 40).map_err(xl)?;
    ws.set_freeze_panes(1, 2).map_err(xl)?;
    ws.autofilter(0, 0, (r - 1).max(1), headers.len() as u16 - 1)
        .map_err(xl)?;
    Ok(())
}

fn about_sheet(ws: &mut Worksheet, a: &Assessment, s: &Styles) -> Result<(), WriteError> {
    ws.set_column_width(0, 16).map_err(xl)?;
    ws.set_column_width(1, 70).map_err(xl)?;
    ws.text_fmt(0, 0, format!("{} 考核结果", a.indicator_set.name), &s.title)
        .map_err(xl)?;
    let set = &a.indicator_set;
    let rows = [
        ("指标体系", format!("{}({})", set.name, set.id)),
        ("版本", set.version.clone()),
        ("指标文件", set.file.clone()),
        ("SHA-256", set.hash.clone()),
        (
            "统计期",
            format!("{}({} 至 {})", a.period.label, a.period.from, a.period.to),
        ),
        ("满分", show(set.scale)),
        ("单位数", a.units.len().to_string()),
        ("生成", format!("{} · {}", a.engine, a.schema)),
    ];
    let mut r = 2u32;
    for (k, v) in rows {
        ws.text_fmt(r, 0, k, &s.bold).map_err(xl)?;
        ws.text(r, 1, v).map_err(xl)?;
        r += 1;
    }
    r += 1;
    ws.text_fmt(r, 0, "等次", &s.bold).map_err(xl)?;
    r += 1;
    for (g, (fill, font)) in a.grades.iter().zip(grade_colours(a.grades.len())) {
        let f = Format::new()
            .set_background_color(Color::RGB(fill))
            .set_font_color(Color::RGB(font));
        ws.text_fmt(r, 0, &g.label, &f).map_err(xl)?;
        let band = match g.min {
            Some(m) => format!("折算得分 ≥ {}", show(m)),
            None => "其余".to_string(),
        };
        ws.text(r, 1, band).map_err(xl)?;
        r += 1;
    }
    r += 1;
    let legend = [
        (
            "指标得分表",
            "灰色“不适用”:该指标不适用于本单位类别;黄色:缺少佐证或无法计算;红色:因事件清零。",
        ),
        ("一票否决", "方式“强制”的否决改变结果;“提示”的仅作提醒。"),
    ];
    for (k, v) in legend {
        ws.text_fmt(r, 0, k, &s.bold).map_err(xl)?;
        ws.text(r, 1, v).map_err(xl)?;
        r += 1;
    }
    Ok(())
}

/// Most units a workbook holds: a sheet has 1,048,576 rows, and the ranked sheet needs the
/// header, a blank row and the completeness line besides its units.
pub const MAX_UNITS: usize = 1_048_576 - 3;

/// Rows of a worksheet.
const SHEET_ROWS: u32 = 1_048_576;
/// The last row of a sheet of vetoes or cases that has more than a sheet holds.
const OVERFLOW: &str =
    "……超出 Excel 工作表 1,048,576 行的上限,其余见 scorecard.json(--detail full)";

/// The Excel scorecard: ranked table, one sheet per peer group, unit × indicator points,
/// vetoes, cases, and an about sheet. Deterministic: the same assessment gives the same bytes.
pub fn scorecard_xlsx(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    if a.units.len() > MAX_UNITS {
        return Err(WriteError::Encode {
            what: "scorecard.xlsx",
            message: format!(
                "{} units do not fit in a sheet of 1,048,576 rows (at most {MAX_UNITS})",
                a.units.len()
            ),
        });
    }
    let s = styles();
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xl)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} 考核结果", a.indicator_set.name))
            .set_author("kaohe")
            .set_creation_datetime(&created),
    );
    let mut used: Vec<String> = [
        RANK_SHEET,
        POINTS_SHEET,
        VETO_SHEET,
        CASES_SHEET,
        ABOUT_SHEET,
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    let all: Vec<&UnitResult> = a.units.iter().collect();
    // Constant-memory worksheets: each row goes to a temporary file when the next begins, so a
    // workbook of a million units costs no more memory than one of ten.
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(RANK_SHEET).map_err(xl)?;
    ranked_sheet(ws, a, &all, &s)?;
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
        let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
        ws.set_name(&name).map_err(xl)?;
        ranked_sheet(ws, a, &units, &s)?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(POINTS_SHEET).map_err(xl)?;
    points_sheet(ws, a, &s)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(VETO_SHEET).map_err(xl)?;
    veto_sheet(ws, a, &s)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(CASES_SHEET).map_err(xl)?;
    cases_sheet(ws, a, &s)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name(ABOUT_SHEET).map_err(xl)?;
    about_sheet(ws, a, &s)?;
    wb.save_to_buffer().map_err(xl)
}
