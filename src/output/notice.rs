//! `notice.docx`, the 考核结果通报 of an assessment: a Word document in the format of
//! GB/T 9704-2012 ([`super::docx`]) that the office puts on its letterhead, edits and signs.
//!
//! 一、总体情况 (how many units, by grade; completeness), 二、考核结果 (the ranked table with
//! the line scores), 三、一票否决情况 (each veto that fired and what it did), 四、各方阵排名
//! (when the set has peer groups). The addressee, the issuing office and the date are left as
//! bracketed blanks to fill in: the scorecard carries no date and does not know who issues it.

use super::docx::{Docx, DocxError, Style, TYPE_WIDTH, cn_number};
use crate::lang::Lang;
use crate::num::{show, show_known};
use crate::result::{Assessment, UnitResult, VetoOutcome};

/// The title of the notice: 关于{period}{set}结果的通报.
pub fn notice_title(a: &Assessment) -> String {
    format!("关于{}{}结果的通报", a.period.label, a.indicator_set.name)
}

/// The bytes of `notice.docx`.
pub fn notice_docx(a: &Assessment) -> Result<Vec<u8>, DocxError> {
    notice_docx_in(a, Lang::Zh)
}

/// The bytes of `notice.docx` in `lang` (English: the same sections, numbered 1., 2. …, and
/// the blanks in square brackets).
pub fn notice_docx_in(a: &Assessment, lang: Lang) -> Result<Vec<u8>, DocxError> {
    if lang.en() {
        return notice_docx_en(a);
    }
    let mut d = Docx::new(&notice_title(a));
    d.para(Style::Title, &notice_title(a));
    d.para(Style::Addressee, "〔主送机关〕:");
    let set = &a.indicator_set;
    d.para(
        Style::Body,
        &format!(
            "根据《{}》(版本 {}),对{}个单位{}({} 至 {})的工作进行了考核。现将考核结果通报如下。",
            set.name,
            set.version,
            a.units.len(),
            a.period.label,
            a.period.from,
            a.period.to
        ),
    );
    let mut h = 0;
    let mut heading = |d: &mut Docx, text: &str| {
        h += 1;
        d.para(Style::Heading1, &format!("{}、{text}", cn_number(h)));
    };
    heading(&mut d, "总体情况");
    let counts: Vec<String> = grade_counts(a)
        .map(|(label, n)| format!("{label}{n}个"))
        .collect();
    let mut overall = format!(
        "参加考核{}个单位,满分{}分。其中{}。",
        a.units.len(),
        show(set.scale),
        counts.join("、")
    );
    let complete = a
        .units
        .iter()
        .filter(|u| u.status == crate::result::UnitStatus::Complete)
        .count();
    if complete < a.units.len() {
        overall.push_str(&format!(
            "{}(佐证不全的单位暂不确定总分和等次,补齐后另行通报。)",
            super::completeness_line(a)
        ));
    }
    d.para(Style::Body, &overall);
    heading(&mut d, "考核结果");
    d.para(Style::Body, "各单位得分及等次见下表(按总分排名)。");
    results_table(
        &mut d,
        a,
        ["排名", "单位", "加分", "总分", "等次"],
        |l| format!("{}\n({}分)", l.name, show(l.max)),
        |u| u.grade_or_status().to_string(),
    );
    heading(&mut d, "一票否决情况");
    let mut vetoes = Vec::new();
    for u in &a.units {
        for v in &u.vetoes {
            let what = if v.outcome == VetoOutcome::Undecided {
                "待核实,暂不执行".to_string()
            } else if v.applied {
                v.effect.clone()
            } else {
                "提示,不影响考核结果".to_string()
            };
            vetoes.push(format!("{}:{}({}),{what}。", u.name, v.name, v.id));
        }
    }
    if vetoes.is_empty() {
        d.para(Style::Body, "本年度无单位触发一票否决。");
    }
    for (i, v) in vetoes.iter().enumerate() {
        d.para(Style::Body, &format!("({}){v}", cn_number(i + 1)));
    }
    if !a.peer_groups.is_empty() {
        heading(&mut d, "各方阵排名");
        for (i, g) in a.peer_groups.iter().enumerate() {
            let names: Vec<String> = peer_units(a, &g.id)
                .map(|u| match u.peer_rank {
                    Some(r) => format!("{r}. {}", u.name),
                    None => format!("{}({})", u.name, u.status.zh()),
                })
                .collect();
            d.para(
                Style::Body,
                &format!("({}){}:{}。", cn_number(i + 1), g.name, names.join(";")),
            );
        }
    }
    d.para(
        Style::Body,
        "各单位要对照考核中发现的问题认真整改。每个单位的得分明细、失分原因和佐证见各单位考核报告。",
    );
    d.para(Style::Signature, "〔发文机关署名〕");
    d.para(Style::Signature, "〔成文日期〕");
    d.para(
        Style::Note,
        &format!(
            "由 {} 生成:指标体系 {}(版本 {},SHA-256 {}…)。本通报为草稿,发文前请核对并补全方括号内的内容。",
            a.engine,
            set.id,
            set.version,
            set.hash.get(..12).unwrap_or(&set.hash)
        ),
    );
    d.finish()
}

/// [`notice_docx`] in English.
fn notice_docx_en(a: &Assessment) -> Result<Vec<u8>, DocxError> {
    let en = Lang::En;
    let title = format!(
        "Notice of the results of the {}: {}",
        a.indicator_set.name, a.period.label
    );
    let mut d = Docx::new(&title);
    d.para(Style::Title, &title);
    d.para(Style::Addressee, "[Addressees]:");
    let set = &a.indicator_set;
    let units = |n: usize| if n == 1 { "unit" } else { "units" };
    d.para(
        Style::Body,
        &format!(
            "Under {} (version {}), the work of {} {} in {} ({} to {}) has been assessed. The \
             results are as follows.",
            set.name,
            set.version,
            a.units.len(),
            units(a.units.len()),
            a.period.label,
            a.period.from,
            a.period.to
        ),
    );
    let mut h = 0;
    let mut heading = |d: &mut Docx, text: &str| {
        h += 1;
        d.para(Style::Heading1, &format!("{h}. {text}"));
    };
    heading(&mut d, "Overview");
    let counts: Vec<String> = grade_counts(a)
        .map(|(label, n)| format!("{label} {n}"))
        .collect();
    let mut overall = format!(
        "{} {} assessed, full marks {}: {}.",
        a.units.len(),
        units(a.units.len()),
        show(set.scale),
        counts.join(", ")
    );
    let complete = a
        .units
        .iter()
        .filter(|u| u.status == crate::result::UnitStatus::Complete)
        .count();
    if complete < a.units.len() {
        overall.push_str(&format!(
            " {} (units with incomplete evidence have no total or grade yet; they will be \
             notified once complete.)",
            super::completeness_line_in(a, en)
        ));
    }
    d.para(Style::Body, &overall);
    heading(&mut d, "Results");
    d.para(
        Style::Body,
        "The points and grade of each unit are in the table below (ranked by total).",
    );
    results_table(
        &mut d,
        a,
        ["Rank", "Unit", "Bonus", "Total", "Grade"],
        |l| format!("{}\n({} points)", l.name, show(l.max)),
        |u| u.grade.clone().unwrap_or_else(|| u.status.en().to_string()),
    );
    heading(&mut d, "One-vote vetoes");
    let mut vetoes = Vec::new();
    for u in &a.units {
        for v in &u.vetoes {
            let what = if v.outcome == VetoOutcome::Undecided {
                "to be verified: not applied yet".to_string()
            } else if v.applied {
                v.effect_in(en)
            } else {
                "advisory: the result is unchanged".to_string()
            };
            vetoes.push(format!("{}: {} ({}), {what}.", u.name, v.name, v.id));
        }
    }
    if vetoes.is_empty() {
        d.para(Style::Body, "No unit fired a one-vote veto this year.");
    }
    for (i, v) in vetoes.iter().enumerate() {
        d.para(Style::Body, &format!("({}) {v}", i + 1));
    }
    if !a.peer_groups.is_empty() {
        heading(&mut d, "Ranking within the peer groups");
        for (i, g) in a.peer_groups.iter().enumerate() {
            let names: Vec<String> = peer_units(a, &g.id)
                .map(|u| match u.peer_rank {
                    Some(r) => format!("{r}. {}", u.name),
                    None => format!("{} ({})", u.name, u.status.en()),
                })
                .collect();
            d.para(
                Style::Body,
                &format!("({}) {}: {}.", i + 1, g.name, names.join("; ")),
            );
        }
    }
    d.para(
        Style::Body,
        "Each unit is to correct the problems the assessment found. Each unit's points, the \
         reasons for points lost and the evidence are in its assessment report.",
    );
    d.para(Style::Signature, "[Issuing office]");
    d.para(Style::Signature, "[Date]");
    d.para(
        Style::Note,
        &format!(
            "Written by {}: indicator set {} (version {}, SHA-256 {}…). This notice is a draft: \
             check it and fill in the square brackets before it is issued.",
            a.engine,
            set.id,
            set.version,
            set.hash.get(..12).unwrap_or(&set.hash)
        ),
    );
    d.finish()
}

/// Each grade's label and how many units have it, in the set's order.
fn grade_counts(a: &Assessment) -> impl Iterator<Item = (&str, usize)> {
    a.grades.iter().map(|g| {
        let n = a
            .units
            .iter()
            .filter(|u| u.grade.as_deref() == Some(g.label.as_str()))
            .count();
        (g.label.as_str(), n)
    })
}

/// The units of peer group `group` in their peer rank (unranked last).
fn peer_units<'a>(a: &'a Assessment, group: &str) -> impl Iterator<Item = &'a UnitResult> {
    let mut units: Vec<&UnitResult> = a
        .units
        .iter()
        .filter(|u| u.peer_group.as_deref() == Some(group))
        .collect();
    units.sort_by_key(|u| u.peer_rank.unwrap_or(u32::MAX));
    units.into_iter()
}

/// The ranked table of results: rank, unit, each line (headed by `line_head`), bonus, total and
/// the grade (`grade`); `labels` are the fixed headings (rank, unit, bonus, total, grade).
fn results_table(
    d: &mut Docx,
    a: &Assessment,
    labels: [&str; 5],
    line_head: impl Fn(&crate::result::LineInfo) -> String,
    grade: impl Fn(&UnitResult) -> String,
) {
    let [rank, unit, bonus, total, grade_label] = labels;
    let mut head: Vec<String> = vec![rank.into(), unit.into()];
    head.extend(a.lines.iter().map(line_head));
    head.extend([bonus.into(), total.into(), grade_label.into()]);
    let fixed = [700u32, 1500, 900, 1100, 1100];
    let n_lines = a.lines.len().max(1) as u32;
    let line_w = (TYPE_WIDTH - fixed.iter().sum::<u32>()) / n_lines;
    let mut widths = vec![fixed[0], fixed[1]];
    widths.extend(std::iter::repeat_n(line_w, a.lines.len()));
    widths.extend(&fixed[2..]);
    let rows: Vec<Vec<String>> = a
        .units
        .iter()
        .map(|u| {
            let mut row = vec![
                u.rank.map_or_else(|| "—".to_string(), |r| r.to_string()),
                u.name.clone(),
            ];
            row.extend(u.lines.iter().map(|l| show_known(l.points)));
            row.extend([show_known(u.bonus), show_known(u.total), grade(u)]);
            row
        })
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    d.table(&widths, &head, &rows);
}
