//! View models: everything the templates print, already formatted.
//!
//! Numbers are formatted here with [`show`] (exact decimals, no trailing zeros) and chart
//! geometry is computed here, so the templates only loop, branch and print. Every string that
//! reaches a template is escaped by tera on output (autoescape is on for `.html` templates),
//! including text inside the inline SVG.

use super::chart::{self, BarChart, Histogram, SectionChart};
use super::format::{percent, show_pct, unit_file_name};
use super::labels::{Labels, Lang};
use crate::model::VetoMode;
use crate::num::{show, show_known};
use crate::result::{
    Assessment, GradeInfo, IndicatorInfo, IndicatorResult, Status, Text, UnitResult, VetoResult,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// Data computed once per assessment and shared by every page.
pub(crate) struct Shared<'a> {
    pub a: &'a Assessment,
    pub prev: Option<&'a Assessment>,
    pub lang: Lang,
    pub head: Head,
    /// Section names in display order (the set's sections, then any unknown ones).
    section_names: Vec<String>,
    /// Per unit (same order as `a.units`): (points, max) per section.
    section_stats: Vec<Vec<Option<(Decimal, Decimal)>>>,
    /// Per peer group: median share (percent) per section.
    medians: HashMap<Option<&'a str>, Vec<Option<Decimal>>>,
    prev_units: HashMap<&'a str, &'a UnitResult>,
    peer_names: HashMap<&'a str, &'a str>,
    unit_names: HashMap<&'a str, &'a str>,
    line_names: HashMap<&'a str, &'a str>,
    grade_class: HashMap<&'a str, &'static str>,
    /// The set's indicators by id: rule text, office and section when a result read back from
    /// JSON does not carry them per unit.
    infos: HashMap<&'a str, &'a IndicatorInfo>,
    /// Which units have a report (by index into `a.units`) when not all do (`--reports`):
    /// the index links only to those.
    linked: Option<&'a [bool]>,
}

/// An indicator's section: its own, or the set's.
fn section_of<'x>(
    infos: &HashMap<&str, &'x IndicatorInfo>,
    ind: &'x IndicatorResult,
) -> Option<&'x str> {
    ind.section()
        .or_else(|| infos.get(ind.id()).and_then(|i| i.section.as_deref()))
}

/// Header data common to both pages.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Head {
    pub html_lang: &'static str,
    pub set_name: String,
    pub set_id: String,
    pub version: String,
    pub hash: String,
    pub hash_short: String,
    pub period: String,
    pub period_range: String,
    pub engine: String,
    pub unit_count: usize,
    pub grades: Vec<GradeLegend>,
    pub has_prev: bool,
    pub prev_period: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct GradeLegend {
    pub label: String,
    pub class: &'static str,
    pub min: String,
}

/// Classes for grade bands: first grade green, last red, the others blue then amber.
pub(crate) fn grade_classes(grades: &[GradeInfo]) -> HashMap<&str, &'static str> {
    let n = grades.len();
    grades
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let c = if i == 0 && n > 1 {
                "gA"
            } else if i + 1 == n && n > 1 {
                "gD"
            } else if i == 1 {
                "gB"
            } else {
                "gC"
            };
            (g.label.as_str(), c)
        })
        .collect()
}

/// Median of a non-empty list of decimals (mean of the two middle values for even lengths).
pub(crate) fn median(mut v: Vec<Decimal>) -> Option<Decimal> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / Decimal::TWO
    })
}

/// A signed change, e.g. `+12.5`, `-3`, `±0`.
fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", show(d))
    } else if d < Decimal::ZERO {
        show(d)
    } else {
        "±0".to_string()
    }
}

impl<'a> Shared<'a> {
    /// The names of units outside the assessment (parents), for those not in it.
    pub(crate) fn with_names(mut self, names: &'a [(String, String)]) -> Self {
        for (id, name) in names {
            self.unit_names.entry(id.as_str()).or_insert(name.as_str());
        }
        self
    }

    pub(crate) fn new(a: &'a Assessment, prev: Option<&'a Assessment>, lang: Lang) -> Self {
        let infos: HashMap<&str, &IndicatorInfo> =
            a.indicators.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut section_index: HashMap<&str, usize> = HashMap::new();
        let mut section_names: Vec<String> = Vec::new();
        for (i, s) in a.sections.iter().enumerate() {
            section_index.insert(s.name.as_str(), i);
            section_index.insert(s.id.as_str(), i);
            section_names.push(s.name.clone());
        }
        // Sections named by indicators but missing from the header keep first-seen order.
        for u in &a.units {
            for ind in &u.indicators {
                if let Some(s) = section_of(&infos, ind)
                    && !section_index.contains_key(s)
                {
                    section_index.insert(s, section_names.len());
                    section_names.push(s.to_string());
                }
            }
        }
        let ns = section_names.len();
        let section_stats: Vec<Vec<Option<(Decimal, Decimal)>>> = a
            .units
            .iter()
            .map(|u| {
                let mut v: Vec<Option<(Decimal, Decimal)>> = vec![None; ns];
                for ind in &u.indicators {
                    if ind.status == Status::NotApplicable {
                        continue;
                    }
                    if let Some(i) = section_of(&infos, ind).and_then(|s| section_index.get(s)) {
                        let e = v[*i].get_or_insert((Decimal::ZERO, Decimal::ZERO));
                        e.0 += ind.points;
                        e.1 += ind.max;
                    }
                }
                v
            })
            .collect();
        let mut by_group: HashMap<Option<&str>, Vec<Vec<Decimal>>> = HashMap::new();
        for (u, stats) in a.units.iter().zip(&section_stats) {
            let g = by_group
                .entry(u.peer_group.as_deref())
                .or_insert_with(|| vec![Vec::new(); ns]);
            for (i, s) in stats.iter().enumerate() {
                if let Some(p) = s.and_then(|(pts, max)| percent(pts, max)) {
                    g[i].push(p);
                }
            }
        }
        let medians = by_group
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(median).collect()))
            .collect();
        let prev_units = prev
            .map(|p| p.units.iter().map(|u| (u.id.as_str(), u)).collect())
            .unwrap_or_default();
        let peer_names = a
            .peer_groups
            .iter()
            .map(|g| (g.id.as_str(), g.name.as_str()))
            .collect();
        let unit_names = a
            .units
            .iter()
            .map(|u| (u.id.as_str(), u.name.as_str()))
            .collect();
        let line_names = a
            .lines
            .iter()
            .map(|l| (l.id.as_str(), l.name.as_str()))
            .collect();
        let grade_class = grade_classes(&a.grades);
        let head = Head {
            html_lang: lang.html_lang(),
            set_name: a.indicator_set.name.clone(),
            set_id: a.indicator_set.id.clone(),
            version: a.indicator_set.version.clone(),
            hash_short: a.indicator_set.hash.chars().take(12).collect(),
            hash: a.indicator_set.hash.clone(),
            period: a.period.label.clone(),
            period_range: format!("{} – {}", a.period.from, a.period.to),
            engine: a.engine.clone(),
            unit_count: a.units.len(),
            grades: a
                .grades
                .iter()
                .map(|g| GradeLegend {
                    label: g.label.clone(),
                    class: grade_class.get(g.label.as_str()).copied().unwrap_or("gX"),
                    min: g.min.map(|m| format!("≥ {}", show(m))).unwrap_or_default(),
                })
                .collect(),
            has_prev: prev.is_some(),
            prev_period: prev.map(|p| p.period.label.clone()).unwrap_or_default(),
        };
        Self {
            a,
            prev,
            lang,
            head,
            section_names,
            section_stats,
            medians,
            prev_units,
            peer_names,
            unit_names,
            line_names,
            grade_class,
            infos,
            linked: None,
        }
    }

    /// Only the units `keep` marks have a report: the index links to those alone.
    pub(crate) fn with_reports(mut self, keep: &'a [bool]) -> Self {
        self.linked = Some(keep);
        self
    }

    /// The link to the report of unit `i` (`units/<file>.html`), empty when it has none.
    fn href(&self, i: usize) -> String {
        if self
            .linked
            .is_some_and(|k| !k.get(i).copied().unwrap_or(false))
        {
            return String::new();
        }
        format!("units/{}", unit_file_name(&self.a.units[i].id))
    }

    fn t(&self) -> &'static Labels {
        self.lang.labels()
    }

    fn class_of(&self, grade: &str) -> &'static str {
        self.grade_class.get(grade).copied().unwrap_or("gX")
    }

    fn peer_name(&self, u: &UnitResult) -> String {
        u.peer_group
            .as_deref()
            .map(|g| self.peer_names.get(g).copied().unwrap_or(g).to_string())
            .unwrap_or_default()
    }

    fn line_name(&self, id: Option<&str>) -> String {
        id.map(|l| self.line_names.get(l).copied().unwrap_or(l).to_string())
            .unwrap_or_default()
    }

    fn vetoes(&self, u: &UnitResult) -> Vec<VetoMark> {
        let mut v: Vec<VetoMark> = u
            .vetoes
            .iter()
            .map(|v| VetoMark {
                id: v.id.clone(),
                name: v.name.clone(),
                effect: v.effect_in(self.lang),
                advisory: !v.applied || v.mode == VetoMode::Advisory,
                undecided: v.outcome == crate::result::VetoOutcome::Undecided,
                kind: veto_kind(u, v),
                mark: self.t().veto_mark(veto_kind(u, v)),
            })
            .collect();
        v.sort_by_key(|m| (m.advisory, m.undecided));
        v
    }

    fn change(&self, u: &UnitResult) -> Option<Change> {
        self.prev?;
        let t = self.t();
        Some(match self.prev_units.get(u.id.as_str()) {
            None => Change {
                rank: t.new_unit.to_string(),
                rank_class: "new",
                rank_sort: "0".into(),
                score: String::new(),
                prev_grade: String::new(),
            },
            Some(p) => {
                let (Some(pr), Some(ur)) = (p.rank, u.rank) else {
                    return Some(Change {
                        rank: "—".to_string(),
                        rank_class: "same",
                        rank_sort: "0".into(),
                        score: match (u.score, p.score) {
                            (Some(a), Some(b)) => signed(a - b),
                            _ => String::new(),
                        },
                        prev_grade: p.grade.clone().unwrap_or_default(),
                    });
                };
                let moved = i64::from(pr) - i64::from(ur);
                let (rank, class) = match moved {
                    m if m > 0 => (format!("▲{m}"), "up"),
                    m if m < 0 => (format!("▼{}", -m), "down"),
                    _ => ("—".to_string(), "same"),
                };
                Change {
                    rank,
                    rank_class: class,
                    rank_sort: moved.to_string(),
                    score: match (u.score, p.score) {
                        (Some(a), Some(b)) => signed(a - b),
                        _ => String::new(),
                    },
                    prev_grade: p.grade.clone().unwrap_or_default(),
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// League table

#[derive(Debug, Serialize)]
pub(crate) struct IndexPage<'h> {
    pub t: &'static Labels,
    /// "1,237 / 1,244 个单位评分完整;7 个待补充".
    pub completeness: String,
    pub head: &'h Head,
    pub line_heads: Vec<LineHead>,
    pub any_scaled: bool,
    /// Whether the set has peer groups (the 方阵 column is left out when not).
    pub has_peers: bool,
    pub veto_legend: Vec<LegendMark>,
    pub rows: Vec<Row>,
    pub groups: Vec<PeerTable>,
    pub histogram: Histogram,
    pub csp: String,
    pub sort_js: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct LineHead {
    pub name: String,
    pub max: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Row {
    /// The rank, or the status of a unit listed after the ranked ones (待补充 …).
    pub rank: String,
    /// Fields the unit lacks, by display name.
    pub missing: String,
    pub id: String,
    pub name: String,
    pub href: String,
    pub peer: String,
    pub peer_rank: String,
    pub peer_rank_sort: u32,
    pub lines: Vec<LineCell>,
    pub bonus: String,
    pub total: String,
    pub total_sort: String,
    pub score: String,
    pub max_possible: String,
    pub scaled: bool,
    pub grade: String,
    pub grade_class: &'static str,
    pub score_grade: String,
    pub vetoes: Vec<VetoMark>,
    pub change: Option<Change>,
}

#[derive(Debug, Serialize)]
pub(crate) struct LineCell {
    pub points: String,
    pub zeroed_by: String,
    /// The line's own grade when lines are graded separately.
    pub grade: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct VetoMark {
    pub id: String,
    pub name: String,
    pub effect: String,
    pub advisory: bool,
    pub undecided: bool,
    /// What it did, for its own mark: `fail`, `line`, `cap`, `advisory` or `undecided`.
    pub kind: &'static str,
    /// The mark's text (否决, 单线清零, 等次封顶, 提示, 待核实).
    pub mark: &'static str,
}

/// The kinds of veto marks, each with its own look and legend, in the legend's order.
pub(crate) const VETO_KINDS: [&str; 5] = ["fail", "line", "cap", "advisory", "undecided"];

/// What a veto did to a unit: failed it, zeroed a line, capped its grade — or nothing yet
/// (advisory, undecided).
pub(crate) fn veto_kind(u: &UnitResult, v: &VetoResult) -> &'static str {
    if v.outcome == crate::result::VetoOutcome::Undecided {
        "undecided"
    } else if !v.applied || v.mode == VetoMode::Advisory {
        "advisory"
    } else if v.scope != "unit"
        || u.lines
            .iter()
            .any(|l| l.zeroed_by.as_deref() == Some(v.id.as_str()))
    {
        "line"
    } else if u.vetoed {
        "fail"
    } else {
        "cap"
    }
}

/// A mark of the legend: its kind, text and meaning.
#[derive(Debug, Serialize)]
pub(crate) struct LegendMark {
    pub kind: &'static str,
    pub mark: &'static str,
    pub note: &'static str,
}

pub(crate) fn veto_legend(t: &Labels) -> Vec<LegendMark> {
    VETO_KINDS
        .iter()
        .map(|&kind| LegendMark {
            kind,
            mark: t.veto_mark(kind),
            note: t.veto_mark_note(kind),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub(crate) struct Change {
    pub rank: String,
    pub rank_class: &'static str,
    pub rank_sort: String,
    pub score: String,
    pub prev_grade: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct PeerTable {
    pub name: String,
    pub rows: Vec<PeerRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PeerRow {
    pub peer_rank: String,
    pub rank: String,
    pub name: String,
    pub href: String,
    pub total: String,
    pub grade: String,
    pub grade_class: &'static str,
    pub vetoes: Vec<VetoMark>,
    pub change: Option<Change>,
}

pub(crate) fn index_page<'h>(s: &'h Shared<'_>, csp: String, sort_js: &str) -> IndexPage<'h> {
    let a = s.a;
    let any_scaled = a
        .units
        .iter()
        .any(|u| u.max_possible != a.indicator_set.scale);
    let rows: Vec<Row> = a
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| Row {
            rank: u
                .rank
                .map_or_else(|| u.status.zh().to_string(), |r| r.to_string()),
            missing: u
                .missing_fields()
                .into_iter()
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join("、"),
            id: u.id.clone(),
            name: u.name.clone(),
            href: s.href(i),
            peer: s.peer_name(u),
            peer_rank: match (u.peer_rank, u.peer_size) {
                (Some(r), Some(n)) => format!("{r}/{n}"),
                (Some(r), None) => r.to_string(),
                _ => String::new(),
            },
            peer_rank_sort: u.peer_rank.unwrap_or(0),
            lines: u
                .lines
                .iter()
                .map(|l| LineCell {
                    points: show_known(l.points),
                    zeroed_by: l.zeroed_by.clone().unwrap_or_default(),
                    grade: l.grade.clone().unwrap_or_default(),
                })
                .collect(),
            bonus: show_known(u.bonus),
            total: show_known(u.total),
            total_sort: u.score.map(show).unwrap_or_else(|| "-1".to_string()),
            score: show_known(u.score),
            max_possible: show(u.max_possible),
            scaled: u.max_possible != a.indicator_set.scale,
            grade: u.grade_or_status().to_string(),
            grade_class: u.grade.as_deref().map_or("", |g| s.class_of(g)),
            score_grade: match &u.score_grade {
                Some(sg) if u.score_grade != u.grade && u.grade.is_some() => sg.clone(),
                _ => String::new(),
            },
            vetoes: s.vetoes(u),
            change: s.change(u),
        })
        .collect();
    // Peer groups in the set's order, then units without a group.
    let mut groups: Vec<PeerTable> = Vec::new();
    let mut keys: Vec<Option<&str>> = a.peer_groups.iter().map(|g| Some(g.id.as_str())).collect();
    if a.units.iter().any(|u| u.peer_group.is_none()) && !a.peer_groups.is_empty() {
        keys.push(None);
    }
    for key in keys {
        let mut members: Vec<(usize, &UnitResult)> = a
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.peer_group.as_deref() == key)
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by_key(|(_, u)| (u.peer_rank.unwrap_or(u32::MAX), u.rank.unwrap_or(u32::MAX)));
        groups.push(PeerTable {
            name: key
                .map(|k| s.peer_names.get(k).copied().unwrap_or(k).to_string())
                .unwrap_or_else(|| "—".to_string()),
            rows: members
                .into_iter()
                .map(|(i, u)| PeerRow {
                    peer_rank: u.peer_rank.map(|r| r.to_string()).unwrap_or_default(),
                    rank: u.rank.map(|r| r.to_string()).unwrap_or_default(),
                    name: u.name.clone(),
                    href: s.href(i),
                    total: show_known(u.total),
                    grade: u.grade_or_status().to_string(),
                    grade_class: u.grade.as_deref().map_or("", |g| s.class_of(g)),
                    vetoes: s.vetoes(u),
                    change: s.change(u),
                })
                .collect(),
        });
    }
    IndexPage {
        completeness: crate::output::completeness_line_in(a, s.lang),
        t: s.t(),
        head: &s.head,
        line_heads: a
            .lines
            .iter()
            .map(|l| LineHead {
                name: l.name.clone(),
                max: show(l.max),
            })
            .collect(),
        any_scaled,
        has_peers: !a.peer_groups.is_empty(),
        veto_legend: veto_legend(s.t()),
        rows,
        groups,
        histogram: chart::histogram(a, |g| s.class_of(g)),
        csp,
        sort_js: sort_js.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Unit report

#[derive(Debug, Serialize)]
pub(crate) struct UnitPage<'h> {
    pub t: &'static Labels,
    pub head: &'h Head,
    pub csp: &'h str,
    pub u: UnitHead,
    pub enforced: Vec<VetoView>,
    pub advisory: Vec<VetoView>,
    pub line_chart: BarChart,
    pub section_chart: SectionChart,
    pub losses: Vec<LossRow>,
    pub loss_total: String,
    pub groups: Vec<IndicatorGroup>,
    pub bonus_items: Vec<IndRow>,
    pub bonus_total: String,
    pub bonus_capped: String,
    pub cases: Vec<CaseRow>,
    /// Document references the unit submitted (佐证材料).
    pub documents: Vec<DocRow>,
    pub corrections: Vec<CorrectionRow>,
    pub yoy: Option<Yoy>,
}

/// A document reference, as shown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocRow {
    pub reference: String,
    pub title: String,
    pub date: String,
    pub note: String,
}

/// A value several evidence layers gave, and the one used.
#[derive(Debug, Serialize)]
pub(crate) struct CorrectionRow {
    pub name: Text,
    pub field: Text,
    pub layers: Vec<LayerCell>,
    pub used: String,
    pub difference: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct LayerCell {
    pub name: Text,
    pub value: String,
    pub used: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct UnitHead {
    pub id: String,
    pub name: String,
    pub parent: String,
    pub peer: String,
    /// The rank, or `—` for a unit listed after the ranked ones.
    pub rank: String,
    /// Why the total, grade or rank is withheld, with the fields and vetoes it waits for;
    /// empty for a complete unit.
    pub status_note: String,
    pub peer_rank: String,
    pub total: String,
    pub max_possible: String,
    pub scale: String,
    pub scaled: bool,
    pub score: String,
    pub grade: String,
    pub grade_class: &'static str,
    pub score_grade: String,
    pub vetoed: bool,
    pub bonus: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct VetoView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub mark: &'static str,
    pub effect: String,
    pub scope: String,
    pub reason: String,
    pub trigger: String,
    pub evidence: Vec<Input>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Input {
    pub name: Text,
    pub id: Text,
    pub value: String,
    /// The evidence layer the value came from (its name when known), or empty.
    pub layer: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct LossRow {
    pub n: usize,
    pub name: String,
    pub id: String,
    pub line: String,
    pub lost: String,
    pub share: String,
    pub office: String,
    pub reason: String,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct IndicatorGroup {
    pub name: String,
    pub points: String,
    pub max: String,
    pub zeroed_by: String,
    pub rows: Vec<IndRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct IndRow {
    pub id: Text,
    pub name: Text,
    pub section: Text,
    pub max: String,
    pub points: String,
    pub lost: String,
    pub status: String,
    pub status_class: &'static str,
    pub rule_text: Text,
    pub inputs: Vec<Input>,
    pub reason: String,
    pub office: Text,
}

#[derive(Debug, Serialize)]
pub(crate) struct CaseRow {
    pub type_name: String,
    pub case_type: String,
    pub severity: String,
    pub date: String,
    pub found_by: String,
    pub self_reported: bool,
    pub reference: String,
    pub deduction: String,
    pub indicator: String,
    pub explanation: String,
    pub in_period: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Yoy {
    pub found: bool,
    pub rows: Vec<YoyRow>,
    pub indicators: Vec<YoyRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct YoyRow {
    pub name: String,
    pub previous: String,
    pub current: String,
    pub change: String,
    pub class: &'static str,
}

/// Layer names by id, from the unit's corrections (the only place results name them).
fn layer_names(u: &UnitResult) -> HashMap<&str, &str> {
    u.corrections
        .iter()
        .flat_map(|c| c.layers.iter())
        .map(|l| (&*l.layer, &*l.name))
        .collect()
}

fn inputs(v: &[crate::result::InputValue], layers: &HashMap<&str, &str>, lang: Lang) -> Vec<Input> {
    v.iter()
        .map(|i| Input {
            name: crate::result::name_in(&i.name, lang).into(),
            id: i.id.clone(),
            value: i.value.in_lang(lang),
            layer: i
                .layer
                .as_deref()
                .map(|l| layers.get(l).copied().unwrap_or(l).to_string())
                .unwrap_or_default(),
        })
        .collect()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Scored => "st-ok",
        Status::NotApplicable => "st-na",
        Status::MissingEvidence | Status::ZeroForMissing => "st-missing",
        Status::Zeroed => "st-zeroed",
        Status::Undefined => "st-undef",
    }
}

fn ind_row(s: &Shared<'_>, i: &IndicatorResult, layers: &HashMap<&str, &str>) -> IndRow {
    let info = s.infos.get(i.id());
    IndRow {
        id: i.info.id.clone(),
        name: i.info.name.clone(),
        section: section_of(&s.infos, i).unwrap_or_default().into(),
        max: show(i.max),
        points: i.scored().map_or_else(|| "—".to_string(), show),
        lost: show(i.lost()),
        status: s.lang.status(i.status).to_string(),
        status_class: status_class(i.status),
        rule_text: {
            let text: Text = match info {
                Some(x) if i.rule_text().is_empty() => x.rule_text.as_str().into(),
                _ => i.info.rule_text.clone(),
            };
            // Items with their own statistical window say so.
            match info.and_then(|x| x.window.as_deref()) {
                Some(w) => {
                    let label = match s.lang {
                        Lang::Zh => "统计期",
                        Lang::En => "Window",
                    };
                    let w = crate::result::period_in(w, s.lang);
                    format!("{text} [{label}: {w}]").into()
                }
                None => text,
            }
        },
        inputs: inputs(&i.inputs.to_vec(), layers, s.lang),
        reason: i.reason.render(s.lang),
        office: crate::result::office_in(office_of(s, i), s.lang).into(),
    }
}

/// The responsible office: the result's own, or the set's.
fn office_of<'x>(s: &'x Shared<'_>, i: &'x IndicatorResult) -> &'x str {
    i.office()
        .or_else(|| s.infos.get(i.id()).and_then(|x| x.office.as_deref()))
        .unwrap_or_default()
}

fn veto_view(
    s: &Shared<'_>,
    u: &UnitResult,
    v: &VetoResult,
    layers: &HashMap<&str, &str>,
) -> VetoView {
    VetoView {
        id: v.id.clone(),
        name: v.name.clone(),
        kind: veto_kind(u, v),
        mark: s.t().veto_mark(veto_kind(u, v)),
        effect: v.effect_in(s.lang),
        scope: if v.scope == "unit" {
            s.t().scope_unit.to_string()
        } else {
            s.line_name(Some(&v.scope))
        },
        reason: v.reason_in(s.lang),
        trigger: v.readable_trigger_in(s.lang),
        evidence: inputs(&v.evidence.to_vec(), layers, s.lang),
    }
}

pub(crate) fn unit_page<'h>(s: &'h Shared<'_>, csp: &'h str, index: usize) -> UnitPage<'h> {
    let u = &s.a.units[index];
    let t = s.t();
    let layers = layer_names(u);
    let (enforced, advisory): (Vec<&VetoResult>, Vec<&VetoResult>) = u
        .vetoes
        .iter()
        .partition(|v| v.applied && v.mode == VetoMode::Enforced);
    let (losses, loss_sum) = loss_rows(s, u);
    UnitPage {
        t,
        head: &s.head,
        csp,
        u: unit_head(s, u),
        enforced: enforced
            .into_iter()
            .map(|v| veto_view(s, u, v, &layers))
            .collect(),
        advisory: advisory
            .into_iter()
            .map(|v| veto_view(s, u, v, &layers))
            .collect(),
        line_chart: chart::line_bars(u, t),
        section_chart: chart::section_bars(&section_inputs(s, index)),
        losses,
        loss_total: show(loss_sum),
        groups: indicator_groups(s, u, &layers),
        bonus_items: u
            .bonus_items
            .iter()
            .map(|i| ind_row(s, i, &layers))
            .collect(),
        bonus_total: show_known(u.bonus),
        bonus_capped: if u.bonus_uncapped != u.bonus {
            show_known(u.bonus_uncapped)
        } else {
            String::new()
        },
        cases: case_rows(u, s.lang),
        documents: u
            .documents
            .iter()
            .map(|d| DocRow {
                reference: d.reference.clone().unwrap_or_default(),
                title: d.title.clone(),
                date: d.date.map(|x| x.to_string()).unwrap_or_default(),
                note: d.note.clone().unwrap_or_default(),
            })
            .collect(),
        corrections: correction_rows(u, &layers),
        yoy: s.prev.map(|_| yoy(s, u)),
    }
}

/// The head of a unit's report: who it is, its rank, score and grade.
fn unit_head(s: &Shared<'_>, u: &UnitResult) -> UnitHead {
    let a = s.a;
    let t = s.t();
    UnitHead {
        id: u.id.clone(),
        name: u.name.clone(),
        parent: u
            .parent
            .as_deref()
            .map(|p| match s.unit_names.get(p) {
                Some(n) => format!("{n} ({p})"),
                None => p.to_string(),
            })
            .unwrap_or_default(),
        peer: s.peer_name(u),
        rank: u.rank.map_or_else(|| "—".to_string(), |r| r.to_string()),
        status_note: status_note(u, s.lang),
        peer_rank: match (u.peer_rank, u.peer_size) {
            (Some(r), Some(n)) => format!("{r} {} {n}", t.of),
            (Some(r), None) => r.to_string(),
            _ => String::new(),
        },
        total: show_known(u.total),
        max_possible: show(u.max_possible),
        scale: show(a.indicator_set.scale),
        scaled: u.max_possible != a.indicator_set.scale,
        score: show_known(u.score),
        grade: u.grade_or_status().to_string(),
        grade_class: u.grade.as_deref().map_or("", |g| s.class_of(g)),
        score_grade: match &u.score_grade {
            Some(sg) if u.score_grade != u.grade && u.grade.is_some() => sg.clone(),
            _ => String::new(),
        },
        vetoed: u.vetoed,
        bonus: show_known(u.bonus),
    }
}

/// "待补充:缺少 …;总分、等次和排名暂不发布" — why a unit's result is withheld, in `lang`.
fn status_note(u: &UnitResult, lang: Lang) -> String {
    use crate::result::UnitStatus;
    let pick = |zh, en| lang.pick(zh, en);
    let missing = crate::output::missing_summary_in(u, lang);
    let undecided: Vec<String> = u
        .undecided_vetoes()
        .map(|v| format!("{} {}", v.id, v.name))
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "{}{missing}",
            pick("缺少佐证:", "missing evidence: ")
        ));
    }
    if !undecided.is_empty() {
        parts.push(format!(
            "{}{}",
            pick("无法判定的一票否决:", "undecided vetoes: "),
            undecided.join(pick("、", ", "))
        ));
    }
    let joined = parts.join(pick(";", "; "));
    let around = |before: &str, after: &str| format!("{before}{joined}{after}");
    match u.status {
        UnitStatus::Complete => joined,
        UnitStatus::NoEvidence => pick(
            "无佐证:本单位没有报送任何数据,列出但不评定等次",
            "no evidence: the unit reported nothing; listed without a grade",
        )
        .to_string(),
        UnitStatus::Incomplete if u.vetoed => around(
            "",
            pick(
                "。已触发一票否决,等次已定;总分和排名暂不发布",
                ". A veto fired and decided the grade; the total and rank are withheld",
            ),
        ),
        UnitStatus::Incomplete => around(
            pick("待补充 · ", "incomplete · "),
            pick(
                "。补齐后方可发布总分、等次和排名",
                ". The total, grade and rank are published once it is complete",
            ),
        ),
        UnitStatus::Pending => around(
            pick("待核实 · ", "pending · "),
            pick(
                "。核实后方可确定等次和排名",
                ". The grade and rank are decided once it is verified",
            ),
        ),
    }
}

/// Points lost: by an indicator, or by a line a veto zeroed.
struct Loss<'x> {
    lost: Decimal,
    /// Indicators in set order, then zeroed lines.
    order: usize,
    name: String,
    id: String,
    line: String,
    office: String,
    reason: String,
    status: &'x str,
}

/// Where the unit lost points, most first, each with its share of all points lost; and the sum.
fn loss_rows(s: &Shared<'_>, u: &UnitResult) -> (Vec<LossRow>, Decimal) {
    let mut losses: Vec<Loss<'_>> = u
        .indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| i.lost() > Decimal::ZERO && i.status != Status::NotApplicable)
        .map(|(k, i)| Loss {
            lost: i.lost(),
            order: k,
            name: i.name().to_string(),
            id: i.id().to_string(),
            line: s.line_name(i.line()),
            office: crate::result::office_in(office_of(s, i), s.lang),
            reason: i.reason.render(s.lang),
            status: if i.status == Status::Scored {
                ""
            } else {
                s.lang.status(i.status)
            },
        })
        .collect();
    losses.extend(zeroed_line_losses(s, u));
    losses.sort_by(|x, y| y.lost.cmp(&x.lost).then(x.order.cmp(&y.order)));
    let loss_sum: Decimal = losses.iter().map(|l| l.lost).sum();
    let rows = losses
        .into_iter()
        .enumerate()
        .map(|(n, l)| LossRow {
            n: n + 1,
            share: percent(l.lost, loss_sum).map(show_pct).unwrap_or_default(),
            lost: show(l.lost),
            name: l.name,
            id: l.id,
            line: l.line,
            office: l.office,
            reason: l.reason,
            status: l.status.to_string(),
        })
        .collect();
    (rows, loss_sum)
}

/// The points a veto took by zeroing a line: what its indicators had scored.
fn zeroed_line_losses<'x>(s: &Shared<'_>, u: &'x UnitResult) -> Vec<Loss<'x>> {
    let t = s.t();
    let mut out = Vec::new();
    for (k, l) in u.lines.iter().enumerate() {
        let Some(v) = &l.zeroed_by else { continue };
        let kept: Decimal = u
            .indicators
            .iter()
            .filter(|i| i.line() == Some(l.id.as_str()))
            .map(|i| i.points)
            .sum::<Decimal>()
            - l.points.unwrap_or_default();
        if kept > Decimal::ZERO {
            let veto = u.vetoes.iter().find(|x| &x.id == v);
            out.push(Loss {
                lost: kept,
                order: usize::MAX - u.lines.len() + k,
                name: format!("{} ({})", l.name, t.zeroed_by),
                id: v.clone(),
                line: l.name.clone(),
                office: String::new(),
                reason: veto
                    .map(|x| format!("{} {}: {}", x.id, x.name, x.effect_in(s.lang)))
                    .unwrap_or_else(|| v.clone()),
                status: "",
            });
        }
    }
    out
}

/// Indicators grouped by line, in the set's line order; indicators without a line last.
fn indicator_groups(
    s: &Shared<'_>,
    u: &UnitResult,
    layers: &HashMap<&str, &str>,
) -> Vec<IndicatorGroup> {
    let mut groups: Vec<IndicatorGroup> = u
        .lines
        .iter()
        .map(|l| IndicatorGroup {
            name: l.name.clone(),
            points: show_known(l.points),
            max: show(l.max_possible),
            zeroed_by: l.zeroed_by.clone().unwrap_or_default(),
            rows: u
                .indicators
                .iter()
                .filter(|i| i.line() == Some(l.id.as_str()))
                .map(|i| ind_row(s, i, layers))
                .collect(),
        })
        .collect();
    let orphans: Vec<IndRow> = u
        .indicators
        .iter()
        .filter(|i| match i.line() {
            None => true,
            Some(l) => !u.lines.iter().any(|x| x.id == l),
        })
        .map(|i| ind_row(s, i, layers))
        .collect();
    if !orphans.is_empty() {
        groups.push(IndicatorGroup {
            name: "—".into(),
            points: String::new(),
            max: String::new(),
            zeroed_by: String::new(),
            rows: orphans,
        });
    }
    groups.retain(|g| !g.rows.is_empty());
    groups
}

/// The unit's case ledger, each case with the indicator that charged it.
fn case_rows(u: &UnitResult, lang: Lang) -> Vec<CaseRow> {
    u.cases
        .iter()
        .map(|c| CaseRow {
            type_name: c.type_name.clone(),
            case_type: c.case_type.clone(),
            severity: c.severity.map(|x| x.to_string()).unwrap_or_default(),
            date: c.date.map(|d| d.to_string()).unwrap_or_default(),
            found_by: c
                .found_by
                .as_deref()
                .map(|f| {
                    if lang.en() {
                        crate::rules::per_case::finder_en(f).to_string()
                    } else {
                        crate::rules::per_case::finder_zh(f).to_string()
                    }
                })
                .unwrap_or_default(),
            self_reported: c.self_reported,
            reference: c.reference.clone().unwrap_or_default(),
            deduction: show(c.deduction),
            indicator: c
                .indicator
                .as_deref()
                .map(|id| match u.indicators.iter().find(|i| i.id() == id) {
                    Some(i) => format!("{} {}", i.id(), i.name()),
                    None => id.to_string(),
                })
                .unwrap_or_default(),
            explanation: c.explanation_in(lang),
            in_period: c.in_period,
        })
        .collect()
}

/// The unit's points per section, with its peer group's median share.
fn section_inputs(s: &Shared<'_>, index: usize) -> Vec<chart::SectionInput> {
    let u = &s.a.units[index];
    let medians = s.medians.get(&u.peer_group.as_deref());
    s.section_names
        .iter()
        .enumerate()
        .filter_map(|(k, name)| {
            let (pts, max) = s.section_stats[index][k]?;
            Some(chart::SectionInput {
                name: name.clone(),
                points: pts,
                max,
                median: medians.and_then(|m| m[k]),
            })
        })
        .collect()
}

/// Values corrected by a more authoritative evidence layer: each layer's value, which was used.
fn correction_rows(u: &UnitResult, layers: &HashMap<&str, &str>) -> Vec<CorrectionRow> {
    u.corrections
        .iter()
        .map(|c| CorrectionRow {
            name: c.name.clone(),
            field: c.field.clone(),
            layers: c
                .layers
                .iter()
                .map(|l| LayerCell {
                    name: l.name.clone(),
                    value: l.value.to_string(),
                    used: c.used.as_deref() == Some(&*l.layer),
                })
                .collect(),
            used: c
                .used
                .as_deref()
                .map(|l| layers.get(l).copied().unwrap_or(l).to_string())
                .unwrap_or_default(),
            difference: c
                .difference
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
        })
        .collect()
}

fn yoy_row(name: String, prev: String, cur: String, delta: Option<Decimal>) -> YoyRow {
    let class = match delta {
        Some(d) if d > Decimal::ZERO => "up",
        Some(d) if d < Decimal::ZERO => "down",
        _ => "same",
    };
    YoyRow {
        name,
        previous: prev,
        current: cur,
        change: delta.map(signed).unwrap_or_default(),
        class,
    }
}

/// A rank change: `▲2` when the unit moved up two places.
fn rank_row(name: &str, before: Option<u32>, now: Option<u32>) -> YoyRow {
    let show_rank = |r: Option<u32>| r.map_or_else(|| "—".to_string(), |r| r.to_string());
    let (Some(b), Some(n)) = (before, now) else {
        return YoyRow {
            name: name.to_string(),
            previous: show_rank(before),
            current: show_rank(now),
            change: String::new(),
            class: "same",
        };
    };
    let moved = i64::from(b) - i64::from(n);
    let (change, class) = match moved {
        m if m > 0 => (format!("▲{m}"), "up"),
        m if m < 0 => (format!("▼{}", -m), "down"),
        _ => ("—".to_string(), "same"),
    };
    YoyRow {
        name: name.to_string(),
        previous: b.to_string(),
        current: n.to_string(),
        change,
        class,
    }
}

/// Points under a maximum that changed between the years (满分由60调整为40): each year's
/// points out of its maximum, and the change of the share of the maximum, so a unit with full
/// marks in both years shows no loss. With the row, how much it moved in points of this year's
/// maximum (for ordering; `None` when either year's points are withheld).
fn like_with_like(
    s: &Shared<'_>,
    name: String,
    (before, before_max): (Option<Decimal>, Decimal),
    (now, now_max): (Option<Decimal>, Decimal),
) -> (Option<Decimal>, YoyRow) {
    let out_of = |p: Option<Decimal>, m: Decimal| format!("{}/{}", show_known(p), show(m));
    let share = |p: Option<Decimal>, m: Decimal| percent(p?, m);
    let moved = share(now, now_max)
        .zip(share(before, before_max))
        .map(|(a, b)| a - b);
    let en = s.lang.en();
    let mut change = if en {
        format!("max {} → {}", show(before_max), show(now_max))
    } else {
        format!("满分由{}调整为{}", show(before_max), show(now_max))
    };
    match moved {
        Some(d) if d.is_zero() => change.push_str(if en {
            ", share of max unchanged"
        } else {
            ",得分率持平"
        }),
        Some(d) => {
            let pp = crate::num::show_dp(d.abs(), 1);
            let sign = if d > Decimal::ZERO { "+" } else { "−" };
            change.push_str(&if en {
                format!(", share of max {sign}{pp} pp")
            } else {
                format!(",得分率{sign}{pp}个百分点")
            });
        }
        None => {}
    }
    let class = match moved {
        Some(d) if d > Decimal::ZERO => "up",
        Some(d) if d < Decimal::ZERO => "down",
        _ => "same",
    };
    let key = moved.and_then(|d| {
        d.abs()
            .checked_mul(now_max)?
            .checked_div(Decimal::ONE_HUNDRED)
    });
    (
        key,
        YoyRow {
            name,
            previous: out_of(before, before_max),
            current: out_of(now, now_max),
            change,
            class,
        },
    )
}

/// The difference of two figures that may be withheld.
fn diff(now: Option<Decimal>, before: Option<Decimal>) -> Option<Decimal> {
    Some(now? - before?)
}

fn yoy(s: &Shared<'_>, u: &UnitResult) -> Yoy {
    let t = s.t();
    let Some(p) = s.prev_units.get(u.id.as_str()) else {
        return Yoy {
            found: false,
            rows: Vec::new(),
            indicators: Vec::new(),
        };
    };
    let mut rows = vec![
        yoy_row(
            t.total.into(),
            show_known(p.total),
            show_known(u.total),
            diff(u.total, p.total),
        ),
        rank_row(t.overall_rank, p.rank, u.rank),
    ];
    if let (Some(a), Some(b)) = (p.peer_rank, u.peer_rank) {
        rows.push(rank_row(t.peer_rank, Some(a), Some(b)));
    }
    rows.push(YoyRow {
        name: t.grade.into(),
        previous: p.grade_or_status().to_string(),
        current: u.grade_or_status().to_string(),
        change: String::new(),
        class: "same",
    });
    for l in &u.lines {
        let before = p.lines.iter().find(|x| x.id == l.id);
        rows.push(match before {
            Some(b) if b.max != l.max => {
                like_with_like(s, l.name.clone(), (b.points, b.max), (l.points, l.max)).1
            }
            _ => yoy_row(
                l.name.clone(),
                before.map(|b| show_known(b.points)).unwrap_or_default(),
                show_known(l.points),
                before.and_then(|b| diff(l.points, b.points)),
            ),
        });
    }
    rows.push(yoy_row(
        t.bonus.into(),
        show_known(p.bonus),
        show_known(u.bonus),
        diff(u.bonus, p.bonus),
    ));
    let mut changes: Vec<(Decimal, usize, YoyRow)> = u
        .indicators
        .iter()
        .chain(&u.bonus_items)
        .enumerate()
        .filter_map(|(k, i)| {
            let b = p
                .indicators
                .iter()
                .chain(&p.bonus_items)
                .find(|x| x.id() == i.id())?;
            if b.max != i.max {
                // The maximum changed between the two years' sets: compare shares of it.
                let (key, row) = like_with_like(
                    s,
                    format!("{} {}", i.id(), i.name()),
                    (b.scored(), b.max),
                    (i.scored(), i.max),
                );
                return Some((key?, k, row));
            }
            let d = diff(i.scored(), b.scored())?;
            (!d.is_zero()).then(|| {
                (
                    d.abs(),
                    k,
                    yoy_row(
                        format!("{} {}", i.id(), i.name()),
                        show(b.points),
                        show(i.points),
                        Some(d),
                    ),
                )
            })
        })
        .collect();
    changes.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    Yoy {
        found: true,
        rows,
        indicators: changes.into_iter().take(10).map(|c| c.2).collect(),
    }
}
