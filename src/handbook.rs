//! `kaohe handbook`: the 考核细则 generated from an indicator set — what the assessment office
//! publishes to the units before the year starts — as a printable A4 page and a `.docx`.
//!
//! Everything in it is read from the compiled set: lines and maxima, every section and
//! indicator with its points, the rule as written (考核内容), the scoring standard (评分标准)
//! in the words of the reasons ([`crate::rules::Rule::describe`]: one source of wording for
//! what is published and what is scored), the evidence each item reads (佐证材料, derived
//! values followed down to the fields), its statistical window, its responsible office, bonus
//! items, every veto in words of its form and effect, grades, and how missing evidence is
//! treated. [`Handbook`] is the view model both outputs render: the HTML through tera
//! (`templates/handbook.html`), the Word document through [`docx`].

pub mod docx;

use crate::expr::view::{Comparison, Logic, Operand};
use crate::model::{Combine, IndicatorSet, Input, NaPolicy, OnMissing, VetoMode};
use crate::num::show;
use crate::report::{Document, ReportError};
use crate::rules::{Ctx, Names};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;

/// The 考核细则 of one set: what the HTML page and the Word document print.
#[derive(Debug, Clone, Serialize)]
pub struct Handbook {
    /// What the shared page layout prints in the head.
    pub head: Head,
    pub title: String,
    pub set_id: String,
    pub version: String,
    /// The effective period in words (`2010年10月1日至2011年9月30日(2011统计年度)`).
    pub effective: String,
    pub scale: String,
    /// 总则: how the total is made, rounding, N/A items, missing evidence.
    pub general: Vec<String>,
    pub lines: Vec<LineRow>,
    /// Statistical windows other than the effective period.
    pub windows: Vec<String>,
    /// The indicators, by line and section; the bonus items last.
    pub parts: Vec<Part>,
    pub vetoes: Vec<VetoRow>,
    pub grades: Vec<GradeRow>,
    /// Grades of each line, when lines are graded separately.
    pub line_grades: Vec<(String, Vec<GradeRow>)>,
    /// How missing evidence is treated: the default and every exception.
    pub missing: Vec<String>,
    pub hash: String,
    pub engine: String,
    /// The fixed words of the page and the document, in the handbook's language.
    pub labels: &'static Labels,
}

/// The fixed words of the handbook (headings, column heads, labels).
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub version: &'static str,
    pub effective: &'static str,
    pub general: &'static str,
    pub line: &'static str,
    pub code: &'static str,
    pub max: &'static str,
    pub weight: &'static str,
    /// After a number of points in a table cell (`分`, ` points`).
    pub pts: &'static str,
    pub windows: &'static str,
    /// Between items of a list in a sentence and at its end.
    pub sep: &'static str,
    pub stop: &'static str,
    pub office: &'static str,
    pub no: &'static str,
    pub item: &'static str,
    pub content_standard: &'static str,
    pub evidence_window: &'static str,
    pub content: &'static str,
    pub standard: &'static str,
    pub source: &'static str,
    pub window: &'static str,
    pub evidence: &'static str,
    pub on_missing: &'static str,
    pub vetoes: &'static str,
    pub rule: &'static str,
    pub form: &'static str,
    pub condition: &'static str,
    pub effect: &'static str,
    pub article: &'static str,
    pub no_vetoes: &'static str,
    pub grades: &'static str,
    pub grade: &'static str,
    pub total: &'static str,
    pub score: &'static str,
    pub missing: &'static str,
    pub footer_a: &'static str,
    pub footer_b: &'static str,
    pub footer_c: &'static str,
    pub footer_d: &'static str,
    /// The office column's head.
    pub office_head: &'static str,
}

/// The handbook's fixed words in Chinese.
pub static ZH: Labels = Labels {
    version: "版本",
    effective: "适用期间",
    general: "总则",
    line: "考核线",
    code: "代码",
    max: "满分",
    weight: "权重",
    pts: "分",
    windows: "另行规定的统计时段:",
    sep: ";",
    stop: "。",
    office: "责任单位:",
    no: "序号",
    item: "考核项目",
    content_standard: "考核内容与评分标准",
    evidence_window: "佐证材料与统计时段",
    content: "考核内容:",
    standard: "评分标准:",
    source: "依据:",
    window: "统计时段:",
    evidence: "佐证材料:",
    on_missing: "缺少佐证:",
    vetoes: "一票否决",
    rule: "规则",
    form: "形式",
    condition: "情形",
    effect: "后果",
    article: "条文",
    no_vetoes: "本细则不设一票否决。",
    grades: "等次评定",
    grade: "等次",
    total: "总分",
    score: "得分",
    missing: "佐证缺失的处理",
    footer_a: "本细则由指标体系 ",
    footer_b: " 版本 ",
    footer_c: " 生成(SHA-256 ",
    footer_d: "),与评分所用规则一致。",
    office_head: "责任单位",
};

/// The handbook's fixed words in English.
pub static EN: Labels = Labels {
    version: "Version",
    effective: "effective",
    general: "General provisions",
    line: "Line",
    code: "Code",
    max: "Maximum",
    weight: "Weight",
    pts: " points",
    windows: "Statistical windows of their own: ",
    sep: "; ",
    stop: ".",
    office: "Responsible: ",
    no: "No.",
    item: "Item",
    content_standard: "What is assessed and how it is scored",
    evidence_window: "Evidence and window",
    content: "Assessed: ",
    standard: "Scoring: ",
    source: "Source: ",
    window: "Window: ",
    evidence: "Evidence: ",
    on_missing: "Missing evidence: ",
    vetoes: "One-vote vetoes",
    rule: "Rule",
    form: "Form",
    condition: "Condition",
    effect: "Effect",
    article: "Text",
    no_vetoes: "These rules have no one-vote veto.",
    grades: "Grades",
    grade: "Grade",
    total: "Total",
    score: "Score",
    missing: "Missing evidence",
    footer_a: "Generated from indicator set ",
    footer_b: " version ",
    footer_c: " (SHA-256 ",
    footer_d: "); the same rules as scoring uses. ",
    office_head: "Responsible",
};

#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub html_lang: &'static str,
    pub engine: String,
}

impl Head {
    /// The head of a Chinese page of this engine.
    pub fn zh() -> Self {
        Self {
            html_lang: "zh-CN",
            engine: format!("kaohe {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LineRow {
    pub id: String,
    pub name: String,
    pub max: String,
    /// The weight of the line in a weighted combination.
    pub weight: Option<String>,
}

/// One line's indicators, grouped by section.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// `一、党政线(500分)`.
    pub heading: String,
    /// A sentence under the heading (the bonus cap).
    pub note: Option<String>,
    pub sections: Vec<SectionBlock>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionBlock {
    /// `(一)统筹解决人口问题示范(120分)`; empty for items without a section.
    pub heading: String,
    /// Lead official and responsible office of the section.
    pub office: Option<String>,
    pub items: Vec<Item>,
}

/// One indicator (or bonus item) as the handbook states it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub no: String,
    pub id: String,
    pub name: String,
    /// `10分`, with class-specific maxima (`特区外30分`).
    pub points: String,
    /// The rule as written in the rubric (考核内容).
    pub content: String,
    /// The scoring standard generated from the rule (评分标准), with floor, zero-if and
    /// applicability.
    pub standard: String,
    /// The evidence it reads (佐证材料).
    pub evidence: Vec<String>,
    /// The statistical window.
    pub window: String,
    pub office: String,
    /// What a missing value does.
    pub on_missing: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VetoRow {
    pub no: String,
    pub id: String,
    pub name: String,
    /// The form of the veto: 列举情形, 总分门槛, 指标门槛, 单一事件, 组合条件.
    pub form: &'static str,
    /// The trigger in words.
    pub condition: String,
    /// What happens, in words (as the scorecards say it).
    pub effect: String,
    /// 否决 or 提示.
    pub mode: &'static str,
    /// The sentence of the rubric.
    pub reason: String,
    pub trigger: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeRow {
    pub label: String,
    pub range: String,
}

/// The handbook of a set in `lang`: the fixed words, headings and scoring standards; the
/// set's names and texts (考核内容, vetoes' conditions and effects) stay as written.
pub fn build_in(set: &IndicatorSet, lang: crate::lang::Lang) -> Handbook {
    let mut h = build(set);
    if lang.en() {
        english(set, &mut h);
    }
    h
}

/// Put the handbook's own words into English (see [`build_in`]).
fn english(set: &IndicatorSet, h: &mut Handbook) {
    h.labels = &EN;
    h.head.html_lang = "en";
    h.title = format!("{}: assessment rules", set.name);
    let period = |from: NaiveDate, to: NaiveDate| format!("{from} to {to}");
    h.effective = format!(
        "{}{}",
        period(set.effective.from, set.effective.to),
        set.effective
            .label
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default()
    );
    h.windows = set
        .periods
        .iter()
        .skip(1)
        .map(|p| format!("{}: {}", p.name, period(p.from, p.to)))
        .collect();
    h.general = general_en(set);
    h.missing = missing_en(set);
    let bonus_items: Vec<&crate::model::Indicator> =
        set.bonus.iter().flat_map(|b| b.items.iter()).collect();
    let mut inds = set.indicators.iter().chain(bonus_items.iter().copied());
    let n_lines = set.lines.len();
    for (pi, part) in h.parts.iter_mut().enumerate() {
        match set.lines.get(pi) {
            Some(line) => {
                part.heading = format!("{}. {} ({} points)", pi + 1, line.name, show(line.max));
            }
            None => {
                part.heading = format!("{}. Bonus items", n_lines + 1);
                part.note = set.bonus.as_ref().map(|b| match b.cap {
                    Some(c) => format!("Bonus points are capped at {} in all.", show(c)),
                    None => "Bonus points have no cap.".into(),
                });
            }
        }
        for (k, sec) in part.sections.iter_mut().enumerate() {
            let sum: Decimal = sec
                .items
                .iter()
                .filter_map(|i| set.indicators.iter().find(|x| x.id == i.id))
                .map(|x| x.max)
                .sum();
            if !sec.heading.is_empty() {
                let name = set
                    .indicators
                    .iter()
                    .find(|x| sec.items.first().is_some_and(|i| i.id == x.id))
                    .and_then(|x| x.section)
                    .and_then(|s| set.sections.get(s))
                    .map_or("Other", |s| s.name.as_str());
                sec.heading = format!("({}) {} ({} points)", k + 1, name, show(sum));
            }
            if let Some(o) = &mut sec.office {
                *o = o.replace("牵头:", "Lead: ").replace(';', "; ");
            }
            for item in &mut sec.items {
                let Some(ind) = inds.next() else { continue };
                item_en(set, ind, item);
            }
        }
    }
    for g in h
        .grades
        .iter_mut()
        .chain(h.line_grades.iter_mut().flat_map(|l| l.1.iter_mut()))
    {
        g.range = grade_range_en(&g.range);
    }
    for (v, model) in h.vetoes.iter_mut().zip(&set.vetoes) {
        if let Some(l) = model.when.logic() {
            v.condition = logic_words_en(set, &l);
        }
        let effect = crate::explain::veto_effect_in(set, model, crate::lang::Lang::En).1;
        v.effect = match model.mode {
            VetoMode::Enforced => effect,
            VetoMode::Advisory => format!(
                "referred to the leading group; by itself it changes no points or grade (if \
                 upheld: {effect})"
            ),
        };
        v.form = match v.form {
            "列举情形" => "listed cases",
            "总分门槛" => "total threshold",
            "指标门槛" => "item threshold",
            "单一事件" => "single event",
            "组合条件" => "combined condition",
            other => other,
        };
        v.mode = match v.mode {
            "否决" => "veto",
            "提示" => "advisory",
            other => other,
        };
    }
}

/// An item's points, standard, window and missing-evidence rule in English.
fn item_en(set: &IndicatorSet, ind: &crate::model::Indicator, item: &mut Item) {
    let mut points = format!("{} points", show(ind.max));
    for (k, m) in &ind.max_by_class {
        if let Some(c) = set.classes.get(*k) {
            points.push_str(&format!(" ({} {} points)", c.name, show(*m)));
        }
    }
    item.points = points;
    if let Some(rest) = item.no.strip_prefix('加') {
        item.no = format!("B{rest}");
    }
    item.standard = standard_in(set, ind, crate::lang::Lang::En);
    item.evidence = evidence_in(set, ind, crate::lang::Lang::En);
    item.window = set
        .periods
        .get(ind.period)
        .map(|p| {
            format!(
                "{} to {}{}",
                p.from,
                p.to,
                if ind.period == 0 {
                    String::new()
                } else {
                    format!(" ({})", p.name)
                }
            )
        })
        .unwrap_or_default();
    item.on_missing = match ind.input {
        Input::Cases => "as the case ledger records; cases not registered do not count".to_string(),
        Input::Expr(_) | Input::Checklist(_) | Input::None => {
            missing_words_en(ind.on_missing).to_string()
        }
    };
    if let Some(o) = item.office.strip_prefix("牵头:") {
        item.office = format!("Lead: {}", o.replacen(';', "; ", 1));
    }
}

/// A grade's range of scores in English (from its Chinese words, which only hold numbers).
fn grade_range_en(zh: &str) -> String {
    if let Some((a, b)) = zh.split_once("分及以上、不足") {
        return format!("{a} to under {}", b.trim_end_matches('分'));
    }
    if let Some(a) = zh.strip_suffix("分及以上") {
        return format!("{a} or more");
    }
    if let Some(b) = zh.strip_prefix("不足") {
        return format!("under {}", b.trim_end_matches('分'));
    }
    "any score".into()
}

/// [`general`] in English.
fn general_en(set: &IndicatorSet) -> Vec<String> {
    if set.veto_only {
        return vec![
            "These rules give no points. Each unit is checked against every veto case below: if any holds, the conclusion is a veto; if none holds, the unit passes.".into(),
            "When missing data leaves a case undecided and no other case holds, the conclusion waits (to be checked) and goes to the leading group.".into(),
        ];
    }
    let lines: Vec<String> = set
        .lines
        .iter()
        .map(|l| format!("{} {} points", l.name, show(l.max)))
        .collect();
    let n = set.lines.len();
    let lines_word = if n == 1 { "line" } else { "lines" };
    let mut out = vec![match &set.combine {
        Combine::Sum => format!(
            "The assessment is out of {} points, in {n} {lines_word}: {}. The total is the sum of the lines' points and the bonus.",
            show(set.scale),
            lines.join(", ")
        ),
        Combine::Weighted(w) => format!(
            "The assessment is out of {} points, in {n} {lines_word}: {}. Each line's share of its maximum is weighted {} into {} points, then the bonus is added.",
            show(set.scale),
            lines.join(", "),
            w.iter().map(|d| show(*d)).collect::<Vec<_>>().join(":"),
            show(set.scale)
        ),
        Combine::Separate => format!(
            "The assessment has {n} {lines_word}, each graded on its own: {}. A unit's grade is the lowest of its lines' grades.",
            lines.join(", ")
        ),
    }];
    if !set.phases.is_empty() {
        out.push(format!(
            "The assessment is made in phases, each scored by the same rules and combined by weight: {}.",
            set.phases
                .iter()
                .map(|p| format!("{} {}", p.name, show(p.weight)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push(format!(
        "Each item's points are rounded half up to {} {}; unless stated otherwise, deductions stop when an item has no points left, never below zero.",
        set.rounding,
        if set.rounding == 1 { "decimal" } else { "decimals" }
    ));
    let dropped = set.indicators.iter().any(|i| i.applies.is_some());
    if dropped {
        let respread = set
            .indicators
            .iter()
            .any(|i| i.applies.is_some() && i.na_policy == NaPolicy::Respread);
        out.push(if respread {
            "Items that do not apply to a unit's class are not scored; their points are spread over the other items in proportion.".into()
        } else {
            "Items that do not apply to a unit's class are not scored; the total is rescaled to the points the unit could reach.".into()
        });
    }
    if !set.peer_groups.is_empty() {
        out.push(format!(
            "Units are ranked among all units and within each peer group ({}); equal scores share a rank.",
            set.peer_groups
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// [`missing_words`] in English.
fn missing_words_en(m: OnMissing) -> &'static str {
    match m {
        OnMissing::Incomplete => {
            "without evidence the item is not scored yet; the unit's total, grade and rank are published once the evidence is complete"
        }
        OnMissing::Zero => "without evidence the item scores 0 points",
        OnMissing::Error => {
            "without evidence the item cannot be scored; the evidence must be supplied before the assessment"
        }
    }
}

/// [`missing`] in English.
fn missing_en(set: &IndicatorSet) -> Vec<String> {
    let all = set
        .indicators
        .iter()
        .chain(set.bonus.iter().flat_map(|b| b.items.iter()));
    let kinds = [OnMissing::Incomplete, OnMissing::Zero, OnMissing::Error];
    let mut lists: Vec<(OnMissing, Vec<String>)> = kinds.iter().map(|k| (*k, Vec::new())).collect();
    for i in all {
        if let Some((_, list)) = lists.iter_mut().find(|(k, _)| *k == i.on_missing) {
            list.push(format!("{} ({})", i.name, i.id));
        }
    }
    lists.sort_by_key(|(_, l)| std::cmp::Reverse(l.len()));
    let mut out = Vec::new();
    let mut lists = lists.into_iter();
    if let Some((most, _)) = lists.next() {
        let rest: Vec<(OnMissing, Vec<String>)> = lists.filter(|(_, l)| !l.is_empty()).collect();
        out.push(format!(
            "{}: {} (missing evidence is marked as such in the scorecard, never taken as a verified 0).",
            if rest.is_empty() {
                "Every item"
            } else {
                "Except for the items below"
            },
            missing_words_en(most)
        ));
        for (kind, list) in rest {
            out.push(format!(
                "{}: {}.",
                crate::rules::capitalised(missing_words_en(kind)),
                list.join(", ")
            ));
        }
    }
    let fields: Vec<String> = set
        .unit_kind()
        .fields
        .iter()
        .filter_map(|f| {
            f.on_missing
                .map(|m| format!("{} ({}): {}", f.name, f.id, missing_words_en(m)))
        })
        .collect();
    if !fields.is_empty() {
        out.push(format!(
            "These data items have rules of their own: {}.",
            fields.join("; ")
        ));
    }
    out.push("When a veto's condition lacks data, it is marked \"undecided\" and goes to the leading group to be checked.".into());
    out
}

/// The handbook of a set.
pub fn build(set: &IndicatorSet) -> Handbook {
    let scale = show(set.scale);
    let mut parts = Vec::new();
    let mut no = 0usize;
    for (li, line) in set.lines.iter().enumerate() {
        let in_line: Vec<usize> = (0..set.indicators.len())
            .filter(|&i| set.indicators[i].line == Some(li))
            .collect();
        let mut sections = Vec::new();
        let mut order: Vec<Option<usize>> = Vec::new();
        for &i in &in_line {
            let s = set.indicators[i].section;
            if !order.contains(&s) {
                order.push(s);
            }
        }
        for (k, s) in order.iter().enumerate() {
            let idx: Vec<usize> = in_line
                .iter()
                .copied()
                .filter(|&i| set.indicators[i].section == *s)
                .collect();
            let sum: Decimal = idx.iter().map(|&i| set.indicators[i].max).sum();
            let (heading, office) = match s.and_then(|s| set.sections.get(s)) {
                Some(sec) => (
                    format!("({}){}({}分)", zh_number(k + 1), sec.name, show(sum)),
                    office_text(sec.lead.as_deref(), sec.office.as_deref()),
                ),
                None => (format!("({})其他({}分)", zh_number(k + 1), show(sum)), None),
            };
            let items = idx
                .iter()
                .map(|&i| {
                    no += 1;
                    item(set, &set.indicators[i], no.to_string())
                })
                .collect();
            sections.push(SectionBlock {
                heading,
                office,
                items,
            });
        }
        parts.push(Part {
            heading: format!("{}、{}({}分)", zh_number(li + 1), line.name, show(line.max)),
            note: None,
            sections,
        });
    }
    if let Some(b) = &set.bonus {
        parts.push(Part {
            heading: format!("{}、加分项目", zh_number(set.lines.len() + 1)),
            note: Some(match b.cap {
                Some(c) => format!("加分合计最多{}分。", show(c)),
                None => "加分合计不设上限。".into(),
            }),
            sections: vec![SectionBlock {
                heading: String::new(),
                office: None,
                items: b
                    .items
                    .iter()
                    .enumerate()
                    .map(|(k, i)| item(set, i, format!("加{}", k + 1)))
                    .collect(),
            }],
        });
    }
    let vetoes = set
        .vetoes
        .iter()
        .enumerate()
        .map(|(k, v)| veto_row(set, v, k + 1))
        .collect();
    let line_grades = match set.combine {
        Combine::Separate => set
            .lines
            .iter()
            .map(|l| (l.name.clone(), grade_rows(&l.grades)))
            .collect(),
        Combine::Sum | Combine::Weighted(_) => Vec::new(),
    };
    Handbook {
        head: Head::zh(),
        title: format!("{}考核细则", set.name),
        set_id: set.id.clone(),
        version: set.version.clone(),
        effective: format!(
            "{}至{}{}",
            zh_date(set.effective.from),
            zh_date(set.effective.to),
            set.effective
                .label
                .as_ref()
                .map(|l| format!("({l})"))
                .unwrap_or_default()
        ),
        scale: scale.clone(),
        general: general(set),
        lines: set
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineRow {
                id: l.id.clone(),
                name: l.name.clone(),
                max: show(l.max),
                weight: match &set.combine {
                    Combine::Weighted(w) => w.get(i).map(|d| show(*d)),
                    Combine::Sum | Combine::Separate => None,
                },
            })
            .collect(),
        windows: set
            .periods
            .iter()
            .skip(1)
            .map(|p| format!("{}:{}至{}", p.name, zh_date(p.from), zh_date(p.to)))
            .collect(),
        parts,
        vetoes,
        grades: grade_rows(&set.grades),
        line_grades,
        missing: missing(set),
        hash: set.hash.clone(),
        engine: format!("kaohe {}", env!("CARGO_PKG_VERSION")),
        labels: &ZH,
    }
}

/// The handbook as one self-contained HTML page (A4, print stylesheet, nothing fetched).
pub fn render_html(h: &Handbook) -> Result<String, ReportError> {
    crate::report::render_document(Document::Handbook, h)
}

/// `一`, `二` … for headings (up to 99).
fn zh_number(n: usize) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", D[n / 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

fn zh_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn office_text(lead: Option<&str>, office: Option<&str>) -> Option<String> {
    match (lead, office) {
        (Some(l), Some(o)) => Some(format!("牵头:{l};{o}")),
        (Some(l), None) => Some(format!("牵头:{l}")),
        (None, Some(o)) => Some(o.to_string()),
        (None, None) => None,
    }
}

/// 总则: how the total is made, rounding, N/A items.
fn general(set: &IndicatorSet) -> Vec<String> {
    if set.veto_only {
        return vec![
            "本办法不计分。各单位逐条对照下列一票否决情形:任一情形成立的,结论为否决;均不成立的,结论为通过。".into(),
            "因缺少数据无法判断某一情形是否成立、且无其他情形成立的,暂缓作出结论(待核实),报考核领导小组核实。".into(),
        ];
    }
    let lines: Vec<String> = set
        .lines
        .iter()
        .map(|l| format!("{}{}分", l.name, show(l.max)))
        .collect();
    let mut out = vec![match &set.combine {
        Combine::Sum => format!(
            "考核实行{}分制,设{}条考核线:{}。总分为各线得分与加分之和。",
            show(set.scale),
            set.lines.len(),
            lines.join("、")
        ),
        Combine::Weighted(w) => format!(
            "考核实行{}分制,设{}条考核线:{}。各线按得分率以{}的权重折合为{}分,再加加分。",
            show(set.scale),
            set.lines.len(),
            lines.join("、"),
            w.iter().map(|d| show(*d)).collect::<Vec<_>>().join(":"),
            show(set.scale)
        ),
        Combine::Separate => format!(
            "考核设{}条考核线,分别评定等次:{}。单位的等次取各线中最低的等次。",
            set.lines.len(),
            lines.join("、")
        ),
    }];
    if !set.phases.is_empty() {
        out.push(format!(
            "考核分阶段进行,各阶段按同一细则评分,按权重合成:{}。",
            set.phases
                .iter()
                .map(|p| format!("{}{}", p.name, show(p.weight)))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    out.push(format!(
        "每项指标得分按四舍五入保留{}位小数;除另有规定外,各项扣分扣完为止,不出现负分。",
        set.rounding
    ));
    let dropped = set.indicators.iter().any(|i| i.applies.is_some());
    if dropped {
        let respread = set
            .indicators
            .iter()
            .any(|i| i.applies.is_some() && i.na_policy == NaPolicy::Respread);
        out.push(if respread {
            "不适用于本单位类别的指标不计分,其分值按比例分摊到其他指标。".into()
        } else {
            "不适用于本单位类别的指标不计分,总分按可得满分折算。".into()
        });
    }
    if !set.peer_groups.is_empty() {
        out.push(format!(
            "排名在全体单位中和各方阵({})内分别进行;得分相同的并列。",
            set.peer_groups
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    out
}

/// What a missing value does, in words.
fn missing_words(m: OnMissing) -> &'static str {
    match m {
        OnMissing::Incomplete => "缺少佐证的,本项暂不评分,该单位总分、等次和排名待补齐佐证后发布",
        OnMissing::Zero => "缺少佐证的,本项按0分计",
        OnMissing::Error => "缺少佐证的,不予评分,须补齐佐证后方可考核",
    }
}

/// How missing evidence is treated: the default and the exceptions.
fn missing(set: &IndicatorSet) -> Vec<String> {
    let all = set
        .indicators
        .iter()
        .chain(set.bonus.iter().flat_map(|b| b.items.iter()));
    // Items by what missing evidence does: the commonest choice first, the others listed.
    let kinds = [OnMissing::Incomplete, OnMissing::Zero, OnMissing::Error];
    let mut lists: Vec<(OnMissing, Vec<String>)> = kinds.iter().map(|k| (*k, Vec::new())).collect();
    for i in all {
        if let Some((_, list)) = lists.iter_mut().find(|(k, _)| *k == i.on_missing) {
            list.push(format!("{}({})", i.name, i.id));
        }
    }
    lists.sort_by_key(|(_, l)| std::cmp::Reverse(l.len()));
    let mut out = Vec::new();
    let mut lists = lists.into_iter();
    if let Some((most, _)) = lists.next() {
        let rest: Vec<(OnMissing, Vec<String>)> = lists.filter(|(_, l)| !l.is_empty()).collect();
        out.push(format!(
            "{}{}(缺少佐证在评分表中单独标明,不作为已核实的0值)。",
            if rest.is_empty() {
                "各项指标"
            } else {
                "除下列指标外,"
            },
            missing_words(most)
        ));
        for (kind, list) in rest {
            out.push(format!("{}:{}。", missing_words(kind), list.join("、")));
        }
    }
    let fields: Vec<String> = set
        .unit_kind()
        .fields
        .iter()
        .filter_map(|f| {
            f.on_missing
                .map(|m| format!("{}({}):{}", f.name, f.id, missing_words(m)))
        })
        .collect();
    if !fields.is_empty() {
        out.push(format!("以下数据项另有规定——{}。", fields.join(";")));
    }
    out.push("一票否决的触发条件缺少数据的,标明“无法判断”,报考核领导小组核实。".into());
    out
}

fn grade_rows(grades: &[crate::model::Grade]) -> Vec<GradeRow> {
    let mut prev: Option<Decimal> = None;
    grades
        .iter()
        .map(|g| {
            let range = match (g.min, prev) {
                (Some(m), None) => format!("{}分及以上", show(m)),
                (Some(m), Some(p)) => format!("{}分及以上、不足{}分", show(m), show(p)),
                (None, Some(p)) => format!("不足{}分", show(p)),
                (None, None) => "任意得分".into(),
            };
            if g.min.is_some() {
                prev = g.min;
            }
            GradeRow {
                label: g.label.clone(),
                range,
            }
        })
        .collect()
}

/// The names of the evidence an indicator reads, derived values followed down to fields.
pub fn evidence(set: &IndicatorSet, ind: &crate::model::Indicator) -> Vec<String> {
    evidence_in(set, ind, crate::lang::Lang::Zh)
}

/// [`evidence`] in `lang` (the case ledger named in English).
pub fn evidence_in(
    set: &IndicatorSet,
    ind: &crate::model::Indicator,
    lang: crate::lang::Lang,
) -> Vec<String> {
    let mut slots: Vec<u32> = Vec::new();
    let mut kinds: Vec<(u32, u32)> = Vec::new();
    let mut cases: Vec<usize> = Vec::new();
    match &ind.input {
        Input::Expr(c) => {
            slots.extend_from_slice(c.slots());
            kinds.extend_from_slice(c.kind_slots());
        }
        Input::Checklist(items) => slots.extend_from_slice(items),
        Input::Cases => cases.extend_from_slice(ind.rule.case_types()),
        Input::None => slots.extend(ind.rule.expr_slots()),
    }
    if let Some(z) = &ind.zero_if {
        slots.extend_from_slice(z.slots());
        kinds.extend_from_slice(z.kind_slots());
    }
    let kind = set.unit_kind();
    let s = &set.slots;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(slot) = slots.first().copied() {
        slots.remove(0);
        if !seen.insert(slot) {
            continue;
        }
        if slot >= s.derived && slot < s.points {
            if let Some(d) = kind.derived.get((slot - s.derived) as usize) {
                slots.extend_from_slice(d.expr.slots());
                kinds.extend_from_slice(d.expr.kind_slots());
            }
            continue;
        }
        if slot >= s.cases && slot < s.derived {
            let (id, _, _) = set.slot_name(slot);
            if let Some(t) = id
                .strip_prefix("cases.")
                .or_else(|| id.strip_prefix("amount."))
                .and_then(|t| set.case_types.iter().position(|c| c.id == t))
            {
                cases.push(t);
            }
            continue;
        }
        let (id, name, _) = set.slot_name(slot);
        out.push(format!("{name}({id})"));
    }
    let mut seen_kinds = BTreeSet::new();
    for (k, slot) in kinds {
        if !seen_kinds.insert((k, slot)) {
            continue;
        }
        if let Some(kd) = set.kinds.get(k as usize)
            && let Some(f) = kd.fields.get(slot as usize)
        {
            out.push(format!("{}:{}({})", kd.name, f.name, f.id));
        }
    }
    let mut seen_cases = BTreeSet::new();
    for t in cases {
        if seen_cases.insert(t)
            && let Some(c) = set.case_types.get(t)
        {
            out.push(if lang.en() {
                format!("case ledger: {} ({})", c.name, c.id)
            } else {
                format!("案件台账:{}({})", c.name, c.id)
            });
        }
    }
    out
}

/// [`per_unit_standard`] in English.
fn per_unit_standard_en(set: &IndicatorSet, ind: &crate::model::Indicator) -> String {
    let from: Vec<String> = ind
        .params
        .iter()
        .map(|p| {
            let what = match p.path.rsplit('.').next().unwrap_or_default() {
                "target" => "the target",
                "low" => "the lower bound",
                "high" => "the upper bound",
                "min" => "the minimum",
                "max" => "the maximum",
                "zero_above" | "zero_below" => "the zero line",
                "full_at" => "the full-marks point",
                "zero_at" => "the zero point",
                _ => "the parameter",
            };
            let src = match p.expr.slots() {
                [one] if set.slot_name(*one).0 == p.expr.source().trim() => set.slot_name(*one).1,
                _ => p.expr.source().to_string(),
            };
            match p.label.as_deref() {
                Some(label) => format!("{what} is {label} ({src})"),
                None => format!("{what} is each unit's own ({src})"),
            }
        })
        .collect();
    format!(
        "{} (maximum {} points; {}).",
        ind.text.trim_end_matches('。'),
        show(ind.max),
        from.join("; ")
    )
}

/// The scoring standard of an indicator whose rule takes per-unit parameters: the rubric's own
/// words, then where each unit's parameter comes from.
fn per_unit_standard(set: &IndicatorSet, ind: &crate::model::Indicator) -> String {
    let from: Vec<String> = ind
        .params
        .iter()
        .map(|p| {
            let what = match p.path.rsplit('.').next().unwrap_or_default() {
                "target" => "目标",
                "low" => "下限",
                "high" => "上限",
                "min" => "最低要求",
                "max" => "最高限",
                "zero_above" | "zero_below" => "不得分界限",
                "full_at" => "满分点",
                "zero_at" => "零分点",
                _ => "参数",
            };
            let label = p.label.as_deref().unwrap_or("各单位");
            // A field read as it is goes by its name; an expression as written.
            let src = match p.expr.slots() {
                [one] if set.slot_name(*one).0 == p.expr.source().trim() => set.slot_name(*one).1,
                _ => p.expr.source().to_string(),
            };
            format!("{what}按{label}({src})")
        })
        .collect();
    format!(
        "{}(满分{}分;{})。",
        ind.text.trim_end_matches('。'),
        show(ind.max),
        from.join(";")
    )
}

/// The scoring standard of an indicator: the rule's sentence, then floor, zero-if and
/// applicability.
pub fn standard(set: &IndicatorSet, ind: &crate::model::Indicator) -> String {
    standard_in(set, ind, crate::lang::Lang::Zh)
}

/// [`standard`] in `lang`.
pub fn standard_in(
    set: &IndicatorSet,
    ind: &crate::model::Indicator,
    lang: crate::lang::Lang,
) -> String {
    let c = Ctx {
        name: &ind.name,
        unit: ind.value_unit.as_deref(),
        max: ind.max,
        floor: ind.floor,
        target: crate::rules::target_word(lang),
        lang,
    };
    if !ind.params.is_empty() {
        return match lang {
            crate::lang::Lang::Zh => per_unit_standard(set, ind),
            crate::lang::Lang::En => per_unit_standard_en(set, ind),
        };
    }
    let items: Vec<String> = match &ind.input {
        Input::Checklist(slots) => slots.iter().map(|s| set.slot_name(*s).1).collect(),
        Input::Expr(_) | Input::Cases | Input::None => Vec::new(),
    };
    let cases: Vec<String> = ind
        .rule
        .case_types()
        .iter()
        .filter_map(|t| set.case_types.get(*t).map(|c| c.name.clone()))
        .collect();
    let mut out = ind.rule.describe(
        &c,
        &Names {
            items: &items,
            cases: &cases,
        },
    );
    if lang.en() {
        return standard_rest_en(set, ind, crate::rules::capitalised(&out));
    }
    out.push('。');
    match ind.floor {
        Some(f) if f < Decimal::ZERO => out.push_str(&format!("本项可倒扣,最低{}分。", show(f))),
        Some(f) if f > Decimal::ZERO => out.push_str(&format!("本项最低得{}分。", show(f))),
        Some(_) | None => {}
    }
    if let Some(z) = &ind.zero_if {
        out.push_str(&format!(
            "{}的,此项不得分。",
            ind.zero_reason
                .clone()
                .unwrap_or_else(|| format!("出现 {} 情形", z.source()))
        ));
    }
    if let Some(mask) = &ind.applies {
        let names: Vec<&str> = set
            .classes
            .iter()
            .zip(mask)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.name.as_str())
            .collect();
        out.push_str(&format!("本项仅适用于{}。", names.join("、")));
    }
    out
}

/// The English standard after the rule's sentence: floor, zero-if and applicability.
fn standard_rest_en(set: &IndicatorSet, ind: &crate::model::Indicator, mut out: String) -> String {
    out.push('.');
    match ind.floor {
        Some(f) if f < Decimal::ZERO => {
            out.push_str(&format!(" Points can go below zero, down to {}.", show(f)));
        }
        Some(f) if f > Decimal::ZERO => {
            out.push_str(&format!(" The item scores at least {} points.", show(f)));
        }
        Some(_) | None => {}
    }
    if let Some(z) = &ind.zero_if {
        out.push_str(&format!(
            " {}: 0 points for this item.",
            ind.zero_reason
                .clone()
                .unwrap_or_else(|| format!("When {} holds", z.source()))
        ));
    }
    if let Some(mask) = &ind.applies {
        let names: Vec<&str> = set
            .classes
            .iter()
            .zip(mask)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.name.as_str())
            .collect();
        out.push_str(&format!(" Applies only to {}.", names.join(", ")));
    }
    out
}

fn item(set: &IndicatorSet, ind: &crate::model::Indicator, no: String) -> Item {
    let mut points = format!("{}分", show(ind.max));
    for (k, m) in &ind.max_by_class {
        if let Some(c) = set.classes.get(*k) {
            points.push_str(&format!("({}{}分)", c.name, show(*m)));
        }
    }
    let section = ind.section.and_then(|s| set.sections.get(s));
    let office = office_text(
        ind.office_lead.as_deref(),
        ind.office_responsible.as_deref(),
    )
    .or_else(|| section.and_then(|s| office_text(s.lead.as_deref(), s.office.as_deref())))
    .unwrap_or_default();
    let window = set
        .periods
        .get(ind.period)
        .map(|p| {
            format!(
                "{}至{}{}",
                zh_date(p.from),
                zh_date(p.to),
                if ind.period == 0 {
                    String::new()
                } else {
                    format!("({})", p.name)
                }
            )
        })
        .unwrap_or_default();
    let on_missing = match ind.input {
        Input::Cases => "以案件台账为准,未登记的案件不计".to_string(),
        Input::Expr(_) | Input::Checklist(_) | Input::None => {
            missing_words(ind.on_missing).to_string()
        }
    };
    Item {
        no,
        id: ind.id.clone(),
        name: ind.name.clone(),
        points,
        content: ind.text.clone(),
        standard: standard(set, ind),
        evidence: evidence(set, ind),
        window,
        office,
        on_missing,
        source: ind.source.clone(),
    }
}

/// A comparison operator in words.
fn op_words(op: Comparison) -> &'static str {
    match op {
        Comparison::Lt => "低于",
        Comparison::Le => "不高于",
        Comparison::Gt => "超过",
        Comparison::Ge => "达到或超过",
        Comparison::Eq => "等于",
        Comparison::Ne => "不等于",
    }
}

/// An operand in words: a name with its unit, or the expression with names.
fn operand_words(set: &IndicatorSet, o: &Operand<'_>, unit: Option<&str>) -> String {
    if let Some(d) = o.constant() {
        return format!("{}{}", show(d), unit.unwrap_or(""));
    }
    if let Some(s) = o.slot() {
        return slot_words(set, s);
    }
    o.render(&|s| slot_words(set, s))
}

fn slot_words(set: &IndicatorSet, slot: u32) -> String {
    let (id, name, _) = set.slot_name(slot);
    match id.strip_prefix("cases.") {
        Some(t) => set
            .case_types
            .iter()
            .find(|c| c.id == t)
            .map(|c| format!("{}案件数", c.name))
            .unwrap_or(name),
        None => name,
    }
}

/// [`slot_words`] in English (a case count is "the number of … cases").
fn slot_words_en(set: &IndicatorSet, slot: u32) -> String {
    let (id, name, _) = set.slot_name(slot);
    match id.strip_prefix("cases.") {
        Some(t) => set
            .case_types
            .iter()
            .find(|c| c.id == t)
            .map(|c| format!("the number of {} cases", c.name))
            .unwrap_or(name),
        None => name,
    }
}

/// [`operand_words`] in English.
fn operand_words_en(set: &IndicatorSet, o: &Operand<'_>, unit: Option<&str>) -> String {
    if let Some(d) = o.constant() {
        return format!("{}{}", show(d), unit.unwrap_or(""));
    }
    if let Some(s) = o.slot() {
        return slot_words_en(set, s);
    }
    o.render(&|s| slot_words_en(set, s))
}

/// [`logic_words`] in English.
fn logic_words_en(set: &IndicatorSet, l: &Logic<'_>) -> String {
    match l {
        Logic::And(a, b) => format!("{}, and {}", logic_words_en(set, a), logic_words_en(set, b)),
        Logic::Or(a, b) => format!("{}; or {}", logic_words_en(set, a), logic_words_en(set, b)),
        Logic::Not(a) => match a.as_ref() {
            Logic::Atom(x) if x.slot().is_some() => format!("not {}", logic_words_en(set, a)),
            Logic::Compare { op, left, right } => logic_words_en(
                set,
                &Logic::Compare {
                    op: op.negated(),
                    left: *left,
                    right: *right,
                },
            ),
            _ => format!("not \"{}\"", logic_words_en(set, a)),
        },
        Logic::Compare { op, left, right } => {
            let case = left
                .slot()
                .map(|s| set.slot_name(s).0)
                .and_then(|id| id.strip_prefix("cases.").map(str::to_string))
                .and_then(|t| set.case_types.iter().find(|c| c.id == t));
            match (case, right.constant(), op) {
                (Some(c), Some(n), Comparison::Ge) if n == Decimal::ONE => {
                    format!("a case of {}", c.name)
                }
                (Some(c), Some(n), Comparison::Gt) if n.is_zero() => {
                    format!("a case of {}", c.name)
                }
                (Some(c), Some(n), Comparison::Ge) => {
                    format!("{} or more cases of {}", show(n), c.name)
                }
                _ => {
                    let unit = left.slot().and_then(|s| set.slot_name(s).2);
                    let op = match op {
                        Comparison::Lt => "below",
                        Comparison::Le => "at most",
                        Comparison::Gt => "above",
                        Comparison::Ge => "at least",
                        Comparison::Eq => "equal to",
                        Comparison::Ne => "other than",
                    };
                    format!(
                        "{} {op} {}",
                        operand_words_en(set, left, None),
                        operand_words_en(set, right, unit.as_deref())
                    )
                }
            }
        }
        Logic::Atom(a) => match a.slot() {
            Some(s) => set.slot_name(s).1,
            None => a.render(&|s| slot_words_en(set, s)),
        },
    }
}

/// A veto's trigger in words.
fn logic_words(set: &IndicatorSet, l: &Logic<'_>) -> String {
    match l {
        Logic::And(a, b) => format!("{},且{}", logic_words(set, a), logic_words(set, b)),
        Logic::Or(a, b) => format!("{};或{}", logic_words(set, a), logic_words(set, b)),
        Logic::Not(a) => match a.as_ref() {
            Logic::Atom(x) if x.slot().is_some() => format!("{}为否", logic_words(set, a)),
            Logic::Compare { op, left, right } => logic_words(
                set,
                &Logic::Compare {
                    op: op.negated(),
                    left: *left,
                    right: *right,
                },
            ),
            _ => format!("不属于“{}”", logic_words(set, a)),
        },
        Logic::Compare { op, left, right } => {
            let case = left
                .slot()
                .map(|s| set.slot_name(s).0)
                .and_then(|id| id.strip_prefix("cases.").map(str::to_string))
                .and_then(|t| set.case_types.iter().find(|c| c.id == t));
            match (case, right.constant(), op) {
                (Some(c), Some(n), Comparison::Ge) if n == Decimal::ONE => {
                    format!("发生{}", c.name)
                }
                (Some(c), Some(n), Comparison::Gt) if n.is_zero() => format!("发生{}", c.name),
                (Some(c), Some(n), Comparison::Ge) => {
                    format!("发生{}{}例及以上", c.name, show(n))
                }
                _ => {
                    let unit = left.slot().and_then(|s| set.slot_name(s).2);
                    format!(
                        "{}{}{}",
                        operand_words(set, left, None),
                        op_words(*op),
                        operand_words(set, right, unit.as_deref())
                    )
                }
            }
        }
        Logic::Atom(a) => match a.slot() {
            Some(s) => set.slot_name(s).1,
            None => a.render(&|s| slot_words(set, s)),
        },
    }
}

/// The form of a veto: listed conditions, a total or indicator threshold, a single event.
fn veto_form(set: &IndicatorSet, l: &Logic<'_>) -> &'static str {
    match l {
        Logic::Or(..) => "列举情形",
        Logic::And(..) | Logic::Not(_) => "组合条件",
        Logic::Atom(_) => "单一事件",
        Logic::Compare { left, .. } => {
            let id = left.slot().map(|s| set.slot_name(s).0).unwrap_or_default();
            if id == "total" || id == "bonus" || id.starts_with("line.") {
                "总分门槛"
            } else if id.starts_with("cases.") {
                "单一事件"
            } else {
                "指标门槛"
            }
        }
    }
}

fn veto_row(set: &IndicatorSet, v: &crate::model::Veto, no: usize) -> VetoRow {
    let (form, condition) = match v.when.logic() {
        Some(l) => (veto_form(set, &l), logic_words(set, &l)),
        None => ("组合条件", v.when.source().to_string()),
    };
    let mut effect = crate::explain::veto_effect(set, v).1;
    let mode = match v.mode {
        VetoMode::Enforced => "否决",
        VetoMode::Advisory => {
            effect = format!("报考核领导小组审议,本身不改变得分和等次(审议认定的:{effect})");
            "提示"
        }
    };
    VetoRow {
        no: no.to_string(),
        id: v.id.clone(),
        name: v.name.clone(),
        form,
        condition,
        effect,
        mode,
        reason: v.reason.clone(),
        trigger: v.when.source().to_string(),
        source: v.source.clone(),
    }
}

#[cfg(test)]
mod tests;
