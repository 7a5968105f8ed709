//! `kaohe decide`: the leading group's decisions from a year's results.
//!
//! Reads this year's scorecard, earlier years' scorecards, the title registry and the decision
//! policy, and decides — in this order, each step seeing the events of the steps before it:
//!
//! 1. **results**: pass/fail (达标/不达标) per unit, or exempt (免于考核) when the unit passed a
//!    demonstration inspection this year;
//! 2. **retroactive findings** (查实) made since the previous decision: what was conferred since the year they
//!    concern is revoked, with the finding as the reason;
//! 3. **review** (复查) of held titles: kept, yellow card, warning lifted, revoked, expired;
//! 4. **awards** in policy order: candidates, gates, veto reach, cool-down, quota in rank order
//!    with the stated tie rules;
//! 5. **next year's plan**: who the city assesses, who is exempt, which streets self-assess.
//!
//! [`decide`] is pure and deterministic: no I/O, no clock, ordered maps only. Every decision
//! carries the ids of the rules that produced it and its reasons in Chinese ([`decide_in`]: in
//! English). The new registry events are returned; [`crate::title::Registry::append`] writes
//! them after the old ones (`kaohe decide` always writes the Chinese ones to the registry).

pub mod brief;
pub mod cli;
pub mod policy;
pub mod render;
pub mod scorecard;
pub mod streets;

use crate::diag::{Diagnostic, Diagnostics, Sink};
use crate::lang::Lang;
use crate::num::{show, show_dp, show_known};
use crate::title::{Event, EventKind, EventResult, Registry, Standing, TitleDef};
use chrono::{Datelike, Months, NaiveDate};
use policy::{
    Action, Policy, RawAward, RawCandidates, RawExemption, RawGate, RawReview, RawTie, RawWhen,
    Stage, VetoScope,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use scorecard::{Scorecard, UnitView};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};

/// What a decision is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// Pass/fail or exemption this year.
    Result,
    /// A finding made later, and what it revokes.
    Retroactive,
    /// The annual review of a held title.
    Review,
    /// An award (its id).
    Award(String),
    /// Next year's streets assessed by the unit's self-assessment.
    Delegation,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Exempt,
    Kept,
    Warned,
    WarningLifted,
    Revoked,
    RetroRevoked,
    FindingRecorded,
    Expired,
    Granted(EventKind),
    NotEligible,
    Excluded,
    CoolDown,
    QuotaCut,
    Delegated,
    /// Not decided: the unit's result is incomplete (待补充) or a veto is undecided (待核实).
    Pending,
}

impl Verdict {
    /// The verdict in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        if !lang.en() {
            return self.zh();
        }
        match self {
            Verdict::Pass => "Pass",
            Verdict::Fail => "Fail",
            Verdict::Exempt => "Exempt",
            Verdict::Kept => "Title kept",
            Verdict::Warned => "Yellow card",
            Verdict::WarningLifted => "Yellow card lifted",
            Verdict::Revoked => "Title revoked",
            Verdict::RetroRevoked => "Revoked retroactively",
            Verdict::FindingRecorded => "Finding recorded",
            Verdict::Expired => "Title expired",
            Verdict::Granted(EventKind::Apply) => "Application",
            Verdict::Granted(EventKind::Recommend) => "Recommended",
            Verdict::Granted(_) => "Conferred",
            Verdict::NotEligible => "Not eligible",
            Verdict::Excluded => "Excluded",
            Verdict::CoolDown => "Received recently, not competing",
            Verdict::QuotaCut => "Quota full, not selected",
            Verdict::Delegated => "Self-assessment",
            Verdict::Pending => "Deferred",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Verdict::Pass => "达标",
            Verdict::Fail => "不达标",
            Verdict::Exempt => "免于考核",
            Verdict::Kept => "保留称号",
            Verdict::Warned => "黄牌警告",
            Verdict::WarningLifted => "撤销黄牌",
            Verdict::Revoked => "撤销称号",
            Verdict::RetroRevoked => "追溯撤销",
            Verdict::FindingRecorded => "查实记录",
            Verdict::Expired => "称号到期",
            Verdict::Granted(EventKind::Apply) => "申报",
            Verdict::Granted(EventKind::Recommend) => "初评推荐",
            Verdict::Granted(_) => "命名",
            Verdict::NotEligible => "不符合条件",
            Verdict::Excluded => "取消评选资格",
            Verdict::CoolDown => "近年已获,本次不参评",
            Verdict::QuotaCut => "名额已满,未入选",
            Verdict::Delegated => "委托自评",
            Verdict::Pending => "暂缓决定",
        }
    }
}

/// One decision with the rules behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub unit: String,
    pub unit_name: String,
    pub topic: Topic,
    /// Title id and name, for title and award decisions.
    pub title: Option<(String, String)>,
    pub verdict: Verdict,
    /// The verdict as shown (an award may name it, e.g. 通报表彰).
    pub label: String,
    /// Ids of the policy rules (and veto rules) that produced it.
    pub rules: Vec<String>,
    /// Why, in Chinese, one reason per item.
    pub reasons: Vec<String>,
}

/// A unit's place in this year's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub unit: String,
    pub name: String,
    pub rank: Option<u32>,
    pub total: Option<Decimal>,
    /// The grade, or the status in its place (待补充, 待核实, 无佐证).
    pub grade: String,
    pub score_grade: String,
}

/// A veto that fired this year, with its rule text and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VetoRow {
    pub unit: String,
    pub unit_name: String,
    pub id: String,
    pub name: String,
    pub applied: bool,
    /// 整体否决 / 单线否决 (line) / 等次封顶 / 提示.
    pub kind: String,
    pub effect: Option<String>,
    pub reason: String,
    /// `name: value` pairs.
    pub evidence: Vec<String>,
}

/// How a unit is assessed next year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    City,
    Exempt,
    SelfAssess,
}

impl PlanMode {
    /// How a unit is assessed, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang.en()) {
            (_, false) => self.zh(),
            (PlanMode::City, true) => "By the city",
            (PlanMode::Exempt, true) => "Exempt",
            (PlanMode::SelfAssess, true) => "Self-assessment",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            PlanMode::City => "市考核",
            PlanMode::Exempt => "免于考核",
            PlanMode::SelfAssess => "委托自评",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub unit: String,
    pub name: String,
    /// 区 or 街道.
    pub level: &'static str,
    pub parent: Option<(String, String)>,
    pub mode: PlanMode,
    /// Who assesses (the city's leading group, or the district).
    pub assessor: String,
    pub rules: Vec<String>,
    pub note: String,
}

/// A unit's standing with a title after the decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingRow {
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    pub title_name: String,
    pub level: &'static str,
    pub status: String,
    pub holds: bool,
}

/// Everything a decision run produces.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub year: i32,
    pub date: NaiveDate,
    pub policy: (String, String, String),
    pub set: scorecard::SetView,
    pub period: scorecard::PeriodView,
    pub scorecard_file: String,
    pub history: Vec<(i32, String)>,
    pub registry_name: String,
    pub scores: Vec<ScoreRow>,
    pub vetoes: Vec<VetoRow>,
    pub decisions: Vec<Decision>,
    pub plan: Vec<PlanRow>,
    pub standings: Vec<StandingRow>,
    /// Events to append to the registry, in order.
    pub events: Vec<Event>,
    /// Every policy rule: id and text.
    pub rules: Vec<(String, String)>,
    /// The awards decided this year: id and name, in policy order.
    pub awards: Vec<(String, String)>,
    /// Where next year's plan takes its streets from, and how they compare with the streets
    /// assessed ([`streets::StreetCheck`] when a street scorecard is given; empty when the
    /// registry lists no streets).
    pub streets_note: String,
    /// The language of the reasons, labels and notes.
    pub lang: Lang,
}

impl Outcome {
    /// What a decision is about, in the outcome's language.
    pub fn topic_zh(&self, t: &Topic) -> String {
        let l = self.lang;
        match t {
            Topic::Result => l.pick("考核结果", "Result").to_string(),
            Topic::Retroactive => l.pick("追溯否决", "Retroactive veto").to_string(),
            Topic::Review => l.pick("称号复查", "Title review").to_string(),
            Topic::Delegation => l.pick("委托自评", "Self-assessment").to_string(),
            Topic::Award(id) => self
                .awards
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| id.clone()),
        }
    }
    /// Decisions about one unit.
    pub fn for_unit<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = &'a Decision> + 'a {
        self.decisions.iter().filter(move |d| d.unit == unit)
    }
    /// The comment line written above the appended events.
    pub fn registry_comment(&self) -> String {
        format!(
            "kaohe decide {}: {} {} ({}), {}",
            self.year, self.policy.0, self.policy.2, self.period.label, self.date
        )
    }
}

/// Decide. `date` overrides the policy's decision date. Cross-checks between the inputs
/// (grade labels, title ids, years, a registry already decided for this year) are reported
/// together as diagnostics.
pub fn decide(
    policy: &Policy,
    registry: &Registry,
    current: &Scorecard,
    history: &[Scorecard],
    date: Option<NaiveDate>,
) -> Result<Outcome, Diagnostics> {
    decide_in(policy, registry, current, history, date, Lang::Zh)
}

/// [`decide`] with its reasons, labels and notes in `lang` (the same decisions in any
/// language; names and rule texts from the inputs stay as written).
pub fn decide_in(
    policy: &Policy,
    registry: &Registry,
    current: &Scorecard,
    history: &[Scorecard],
    date: Option<NaiveDate>,
    lang: Lang,
) -> Result<Outcome, Diagnostics> {
    let year = current.year();
    let date = decision_date(policy, year, date)?;
    check(policy, registry, current, history, date)?;
    let mut years: BTreeMap<i32, &Scorecard> = history.iter().map(|h| (h.year(), h)).collect();
    years.insert(year, current);
    let mut c = Ctx {
        p: policy,
        reg: registry,
        cur: current,
        years,
        year,
        date,
        events: Vec::new(),
        decisions: Vec::new(),
        passed: BTreeMap::new(),
        lang,
    };
    c.results();
    c.retroactive();
    c.review();
    let awards: &[RawAward] = &policy.raw.awards;
    for a in awards {
        c.award(a);
    }
    let plan = c.plan();
    let standings = c.standings();
    Ok(Outcome {
        year,
        date,
        policy: (
            policy.raw.id.value.clone(),
            policy.raw.name.clone(),
            policy.raw.version.clone(),
        ),
        set: current.indicator_set.clone(),
        period: current.period.clone(),
        scorecard_file: current.file.clone(),
        history: history
            .iter()
            .map(|h| (h.year(), h.file.clone()))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect(),
        registry_name: registry.name.clone(),
        streets_note: streets::registry_only_in(registry, lang),
        scores: score_rows(current, lang),
        vetoes: veto_rows(current, lang),
        decisions: c.decisions,
        plan,
        standings,
        events: c.events,
        rules: outcome_rules(policy, registry, lang),
        awards: policy
            .raw
            .awards
            .iter()
            .filter(|a| {
                a.years.as_ref().is_none_or(|y| {
                    y.from.is_none_or(|f| year >= f) && y.to.is_none_or(|t| year <= t)
                })
            })
            .map(|a| (a.id.value.clone(), a.name.clone()))
            .collect(),
        lang,
    })
}

/// The decision date: `date` if given, else the policy's decision day in `year`.
fn decision_date(
    policy: &Policy,
    year: i32,
    date: Option<NaiveDate>,
) -> Result<NaiveDate, Diagnostics> {
    let (m, d) = policy.decision_day;
    date.or_else(|| NaiveDate::from_ymd_opt(year, m, d))
        .ok_or_else(|| {
            Diagnostics::new(vec![Diagnostic::file(
                &policy.file,
                format!("no decision date {m:02}-{d:02} in {year}"),
            )])
        })
}

fn score_rows(current: &Scorecard, lang: Lang) -> Vec<ScoreRow> {
    current
        .units
        .iter()
        .map(|u| ScoreRow {
            unit: u.id.clone(),
            name: u.name.clone(),
            rank: u.rank,
            total: u.total,
            grade: u
                .grade
                .clone()
                .unwrap_or_else(|| status(u.status, lang).to_string()),
            score_grade: u.score_grade.clone().unwrap_or_default(),
        })
        .collect()
}

/// A unit's status (待补充, 待核实 …) in `lang`.
fn status(s: crate::result::UnitStatus, lang: Lang) -> &'static str {
    lang.pick(s.zh(), s.en())
}

/// Every veto of the year, applied or advisory, with how it acted.
fn veto_rows(current: &Scorecard, lang: Lang) -> Vec<VetoRow> {
    current
        .units
        .iter()
        .flat_map(|u| {
            u.vetoes.iter().map(move |v| VetoRow {
                unit: u.id.clone(),
                unit_name: u.name.clone(),
                id: v.id.clone(),
                name: v.name.clone(),
                applied: v.applied,
                kind: veto_kind(u, &v.id, v.applied, lang),
                effect: v
                    .effect
                    .as_deref()
                    .map(|e| match crate::result::EffectOf::parse(e) {
                        Some(of) if lang.en() => of.render(lang),
                        _ => e.to_string(),
                    }),
                reason: v.reason.clone(),
                evidence: v
                    .evidence
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            crate::result::name_in(&e.name, lang),
                            crate::result::text_in(&e.value, lang)
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

/// How a veto acted on a unit, in Chinese: 整体否决, 单线否决(line), 等次封顶 or 提示(未执行).
fn veto_kind(u: &UnitView, veto: &str, applied: bool, lang: Lang) -> String {
    match veto_class(u, veto, applied) {
        Some(VetoClass::Unit) => lang.pick("整体否决", "unit veto").to_string(),
        Some(VetoClass::Line) => {
            let line = u
                .lines
                .iter()
                .find(|l| l.zeroed_by.as_deref() == Some(veto))
                .map(|l| l.name.clone())
                .unwrap_or_default();
            match lang {
                Lang::Zh => format!("单线否决({line})"),
                Lang::En => format!("line veto ({line})"),
            }
        }
        Some(VetoClass::Cap) => lang.pick("等次封顶", "grade cap").to_string(),
        None => lang
            .pick("提示(未执行)", "advisory (not applied)")
            .to_string(),
    }
}

/// The rules the decision applied: the policy's, then each title's term from the registry.
fn outcome_rules(policy: &Policy, registry: &Registry, lang: Lang) -> Vec<(String, String)> {
    policy
        .rules
        .iter()
        .cloned()
        .chain(registry.titles.iter().filter_map(|t| {
            t.term_years.map(|n| {
                (
                    format!("{}.term_years", t.id),
                    match lang {
                        Lang::Zh => format!(
                            "{}有效期{n}年,自命名之日起计算,期满未重新命名的称号到期(称号登记册)",
                            t.name
                        ),
                        Lang::En => format!(
                            "{} is valid for {} from the day it is conferred; a title not conferred again by then expires (title registry)",
                            t.name,
                            years_en(n)
                        ),
                    },
                )
            })
        }))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Cross-checks
// ---------------------------------------------------------------------------------------------

fn check(
    policy: &Policy,
    registry: &Registry,
    current: &Scorecard,
    history: &[Scorecard],
    date: NaiveDate,
) -> Result<(), Diagnostics> {
    let mut refs = RefCheck {
        sink: Sink::new(&policy.file),
        registry,
        current,
    };
    refs.policy(&policy.raw, history);
    let mut list = refs.sink.list;
    check_history(current, history, &mut list);
    check_registry(registry, current.year(), date, &mut list);
    if list.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics::new(list))
    }
}

/// Checking that what the policy names (grades, titles, units, lines, the indicator set)
/// exists in the scorecard and the registry.
struct RefCheck<'a> {
    sink: Sink,
    registry: &'a Registry,
    current: &'a Scorecard,
}

impl RefCheck<'_> {
    fn grade(&mut self, g: &Spanned<String>) {
        if self.current.grade_index(&g.value).is_none() {
            self.sink.at(
                g.referenced,
                format!(
                    "unknown grade `{}` (the scorecard's grades: {})",
                    g.value,
                    self.current
                        .grades
                        .iter()
                        .map(|g| g.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }

    fn title(&mut self, t: &Spanned<String>) {
        if self.registry.title(&t.value).is_none() {
            self.sink.at(
                t.referenced,
                format!(
                    "unknown title `{}` (the registry's titles: {})",
                    t.value,
                    self.registry
                        .titles
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }

    fn policy(&mut self, p: &policy::RawPolicy, history: &[Scorecard]) {
        if let Some(set) = &p.indicator_set {
            for s in std::iter::once(self.current).chain(history) {
                if s.indicator_set.id != set.value {
                    self.sink.at(
                        set.referenced,
                        format!(
                            "this policy is for indicator set `{}`, but {} was scored with `{}`",
                            set.value, s.file, s.indicator_set.id
                        ),
                    );
                }
            }
        }
        self.grade(&p.pass.min_grade);
        if let Some(x) = &p.exemption {
            for t in x.titles.iter().flatten() {
                self.title(t);
            }
        }
        if let Some(rv) = &p.review {
            for t in &rv.titles {
                self.title(t);
            }
            for r in &rv.rules {
                if let RawWhen::BelowGrade { grade: g, .. } = &r.when.value {
                    self.grade(g);
                }
            }
        }
        let lines: BTreeSet<&str> = self
            .current
            .units
            .iter()
            .flat_map(|u| u.lines.iter().map(|l| l.id.as_str()))
            .collect();
        for a in &p.awards {
            self.award(a, &lines);
        }
    }

    fn award(&mut self, a: &RawAward, lines: &BTreeSet<&str>) {
        self.title(&a.title);
        if let RawCandidates::Units(ids) = &a.candidates.value {
            for u in ids {
                if self.registry.unit(&u.value).is_none() && self.current.unit(&u.value).is_none() {
                    self.sink
                        .at(u.referenced, format!("unknown unit `{}`", u.value));
                }
            }
        }
        for g in &a.gates {
            match &g.value {
                RawGate::GradeAtLeast { grade: x, .. } => self.grade(x),
                RawGate::Holds { title: t } | RawGate::ChildrenHold { title: t, .. } => {
                    self.title(t)
                }
                RawGate::InspectionPassed { title: Some(t), .. } => self.title(t),
                _ => {}
            }
        }
        for t in &a.ties {
            if let RawTie::Line(l) = &t.value
                && !self.current.units.is_empty()
                && !lines.contains(l.value.as_str())
            {
                self.sink.at(
                    l.referenced,
                    format!(
                        "unknown line `{}` (the scorecard's lines: {})",
                        l.value,
                        lines.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
}

/// Earlier scorecards: earlier years, one per year, with grades this year's scorecard knows.
fn check_history(current: &Scorecard, history: &[Scorecard], list: &mut Vec<Diagnostic>) {
    let year = current.year();
    let mut seen: BTreeMap<i32, &str> = BTreeMap::new();
    for h in history {
        let y = h.year();
        if y >= year {
            list.push(Diagnostic::file(
                &h.file,
                format!(
                    "history must be earlier years: this scorecard is for {y} ({}), the decision is for {year}",
                    h.period.label
                ),
            ));
        }
        if let Some(first) = seen.insert(y, &h.file) {
            list.push(Diagnostic::file(
                &h.file,
                format!("a second scorecard for {y} (the first is {first})"),
            ));
        }
        for u in &h.units {
            if let Some(grade) = &u.grade
                && current.grade_index(grade).is_none()
            {
                list.push(Diagnostic::file(
                    &h.file,
                    format!(
                        "unit `{}` has grade `{}`, which this year's scorecard does not know",
                        u.id, grade
                    ),
                ));
            }
        }
    }
}

/// The registry holds no decision for this year or later, and no event after `date`.
fn check_registry(registry: &Registry, year: i32, date: NaiveDate, list: &mut Vec<Diagnostic>) {
    let decided = registry
        .events
        .iter()
        .find_map(|e| e.decision.filter(|d| *d >= year).map(|d| (e, d)));
    if let Some((e, d)) = decided {
        list.push(Diagnostic::at(
            &registry.file,
            e.line,
            1,
            format!(
                "the registry already holds decisions for {d}: use the registry from before that decision (decisions are appended, never redone)"
            ),
        ));
    }
    if let Some(e) = registry.events.iter().find(|e| e.date > date) {
        list.push(Diagnostic::at(
            &registry.file,
            e.line,
            1,
            format!(
                "event dated {} is after this decision ({date}): decide the years in order",
                e.date
            ),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Vetoes
// ---------------------------------------------------------------------------------------------

/// How an applied veto acted on a unit, from the scorecard: it zeroed a line, failed the unit,
/// or (neither) capped the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VetoClass {
    Unit,
    Line,
    Cap,
}

pub fn veto_class(u: &UnitView, veto: &str, applied: bool) -> Option<VetoClass> {
    if !applied {
        None
    } else if u.line_scoped(veto) {
        Some(VetoClass::Line)
    } else if u.vetoed {
        Some(VetoClass::Unit)
    } else {
        Some(VetoClass::Cap)
    }
}

fn in_scope(scope: VetoScope, class: VetoClass) -> bool {
    match scope {
        VetoScope::None => false,
        VetoScope::Unit => class == VetoClass::Unit,
        VetoScope::Any => class != VetoClass::Cap,
        VetoScope::All => true,
    }
}

/// A veto (or a finding counted as one) in some year.
#[derive(Debug, Clone)]
struct VetoHit {
    year: i32,
    id: String,
    text: String,
}

// ---------------------------------------------------------------------------------------------
// The decision steps
// ---------------------------------------------------------------------------------------------

struct Ctx<'a> {
    p: &'a Policy,
    reg: &'a Registry,
    cur: &'a Scorecard,
    years: BTreeMap<i32, &'a Scorecard>,
    year: i32,
    date: NaiveDate,
    events: Vec<Event>,
    decisions: Vec<Decision>,
    /// This year's pass (true), fail (false); exempt units are absent.
    passed: BTreeMap<String, bool>,
    lang: Lang,
}

/// `1 year`, `3 years`.
fn years_en(n: impl Into<i64>) -> String {
    let n = n.into();
    format!("{n} year{}", if n == 1 { "" } else { "s" })
}

impl<'a> Ctx<'a> {
    /// The separator of a list in running text: `、` or `, `.
    fn sep(&self) -> &'static str {
        self.lang.pick("、", ", ")
    }

    /// A unit's status in the outcome's language.
    fn status(&self, s: crate::result::UnitStatus) -> &'static str {
        status(s, self.lang)
    }

    fn name(&self, unit: &str) -> String {
        self.cur
            .unit(unit)
            .map(|u| u.name.clone())
            .or_else(|| self.reg.unit(unit).map(|u| u.name.clone()))
            .unwrap_or_else(|| unit.to_string())
    }

    fn title_pair(&self, t: &str) -> (String, String) {
        (
            t.to_string(),
            self.reg
                .title(t)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| t.to_string()),
        )
    }

    fn title_name(&self, t: &str) -> String {
        self.title_pair(t).1
    }

    fn standing(&self, unit: &str, title: &str) -> Standing {
        self.reg.standing_with(&self.events, unit, title, self.date)
    }

    fn all_events(&self) -> impl Iterator<Item = &Event> {
        self.reg.events.iter().chain(self.events.iter())
    }

    fn push(
        &mut self,
        unit: &str,
        topic: Topic,
        title: Option<&str>,
        verdict: Verdict,
        rules: Vec<String>,
        reasons: Vec<String>,
    ) {
        let title = title.map(|t| self.title_pair(t));
        self.decisions.push(Decision {
            unit: unit.to_string(),
            unit_name: self.name(unit),
            topic,
            title,
            verdict,
            label: verdict.label(self.lang).to_string(),
            rules,
            reasons,
        });
    }

    fn event(&self, unit: &str, title: Option<&str>, kind: EventKind) -> Event {
        let mut e = Event::new(self.date, unit, title, kind);
        e.decision = Some(self.year);
        e
    }

    /// The inspection that exempts `unit` in year `y`, if any.
    fn exempting(&self, unit: &str, y: i32) -> Option<&'a Event> {
        let x = self.p.raw.exemption.as_ref()?;
        self.reg.events.iter().find(|e| {
            e.unit == unit
                && e.kind == EventKind::Inspect
                && e.result == Some(EventResult::Passed)
                && e.date.year() == y
                && e.date <= self.date
                && e.level.is_some_and(|l| x.levels.contains(&l))
                && x.titles.as_ref().is_none_or(|ts| {
                    ts.iter()
                        .any(|t| e.title.as_deref() == Some(t.value.as_str()))
                })
        })
    }

    fn inspection_text(&self, e: &Event) -> String {
        let who: Vec<&str> = e
            .level
            .map(|l| l.label(self.lang))
            .into_iter()
            .chain(e.by.as_deref())
            .collect();
        let title = e
            .title
            .as_deref()
            .map(|t| self.title_name(t))
            .unwrap_or_default();
        match self.lang {
            Lang::Zh => format!("{}通过{title}检查验收({})", e.date, who.join(",")),
            Lang::En => format!(
                "passed the inspection for {title} on {} ({})",
                e.date,
                who.join(", ")
            ),
        }
    }

    /// Applied vetoes of `unit` in year `y` within `scope` (and `ids`, if given), plus findings
    /// made by the decision date about year `y`.
    fn vetoes_in(
        &self,
        unit: &str,
        y: i32,
        ids: Option<&[Spanned<String>]>,
        scope: VetoScope,
    ) -> Vec<VetoHit> {
        let wanted = |id: &str| ids.is_none_or(|ids| ids.iter().any(|i| i.value == id));
        let mut out = Vec::new();
        if let Some(u) = self.years.get(&y).and_then(|s| s.unit(unit)) {
            for v in &u.vetoes {
                if let Some(class) = veto_class(u, &v.id, v.applied)
                    && in_scope(scope, class)
                    && wanted(&v.id)
                {
                    out.push(VetoHit {
                        year: y,
                        id: v.id.clone(),
                        text: match self.lang {
                            Lang::Zh => format!("{y}年度被一票否决({} {})", v.id, v.name),
                            Lang::En => format!("vetoed in {y} ({} {})", v.id, v.name),
                        },
                    });
                }
            }
        }
        if scope != VetoScope::None {
            for e in &self.reg.events {
                if e.unit == unit
                    && e.kind == EventKind::Finding
                    && e.year == Some(y)
                    && e.date <= self.date
                    && (ids.is_none() || e.veto.as_deref().is_some_and(wanted))
                {
                    out.push(VetoHit {
                        year: y,
                        id: e.veto.clone().unwrap_or_else(|| "查实".to_string()),
                        text: match self.lang {
                            Lang::Zh => format!(
                                "{}查实{y}年度{}",
                                e.date,
                                e.finding.as_deref().unwrap_or_default()
                            ),
                            Lang::En => format!(
                                "{} in {y}, established on {}",
                                e.finding.as_deref().unwrap_or_default(),
                                e.date
                            ),
                        },
                    });
                }
            }
        }
        out
    }

    // ----- 1. results ---------------------------------------------------------------------

    fn results(&mut self) {
        let pass = &self.p.raw.pass;
        let min = self.cur.grade_index(&pass.min_grade.value).unwrap_or(0);
        for u in &self.cur.units {
            let applied: Vec<_> = u
                .vetoes
                .iter()
                .filter_map(|v| veto_class(u, &v.id, v.applied).map(|c| (v, c)))
                .collect();
            if let (Some(x), Some(e)) = (&self.p.raw.exemption, self.exempting(&u.id, self.year)) {
                let grade = u.grade.as_deref().unwrap_or(self.status(u.status));
                let mut reasons = match self.lang {
                    Lang::Zh => vec![
                        format!("{},当年市对该区免于考核", self.inspection_text(e)),
                        format!(
                            "市考核组评分仅供参考:总分{},等次{grade}",
                            show_known(u.total)
                        ),
                    ],
                    Lang::En => vec![
                        format!(
                            "{}: the city exempts the district from this year's assessment",
                            self.inspection_text(e)
                        ),
                        format!(
                            "the city assessment team's score is for reference only: total {}, grade {grade}",
                            show_known(u.total)
                        ),
                    ],
                };
                for (v, _) in &applied {
                    reasons.push(match self.lang {
                        Lang::Zh => format!(
                            "评分中触发一票否决 {} {}(仅供参考,见否决情况)",
                            v.id, v.name
                        ),
                        Lang::En => format!(
                            "the scoring triggered the one-vote veto {} {} (for reference only; see the vetoes)",
                            v.id, v.name
                        ),
                    });
                }
                self.push(
                    &u.id,
                    Topic::Result,
                    None,
                    Verdict::Exempt,
                    vec![x.id.value.clone()],
                    reasons,
                );
                continue;
            }
            let Some(grade) = u.grade.as_deref() else {
                // Withheld: no pass/fail until the evidence is supplied or the veto decided.
                let reasons = pending_reasons(u, self.lang);
                self.push(
                    &u.id,
                    Topic::Result,
                    None,
                    Verdict::Pending,
                    vec![pass.id.value.clone()],
                    reasons,
                );
                continue;
            };
            let gi = self.cur.grade_index(grade).unwrap_or(usize::MAX);
            let grade_ok = gi <= min;
            let (total, min_grade) = (show_known(u.total), &pass.min_grade.value);
            let mut reasons = vec![match (grade_ok, self.lang) {
                (true, Lang::Zh) => format!("等次{grade}(总分{total}),达到{min_grade}及以上"),
                (false, Lang::Zh) => format!("等次{grade}(总分{total}),低于{min_grade}"),
                (true, Lang::En) => format!("grade {grade} (total {total}): {min_grade} or better"),
                (false, Lang::En) => format!("grade {grade} (total {total}): below {min_grade}"),
            }];
            if let Some(sg) = u.score_grade.as_deref()
                && sg != grade
            {
                reasons.push(match self.lang {
                    Lang::Zh => format!("按得分应为{sg},因一票否决或等次封顶定为{grade}"),
                    Lang::En => format!(
                        "the score alone gives {sg}; a one-vote veto or a grade cap makes it {grade}"
                    ),
                });
            }
            let mut rules = vec![pass.id.value.clone()];
            let mut failing = false;
            for (v, class) in &applied {
                rules.push(v.id.clone());
                let l = self.lang;
                if in_scope(pass.veto, *class) {
                    failing = true;
                    reasons.push(match l {
                        Lang::Zh => format!("被一票否决:{} {}", v.id, v.name),
                        Lang::En => format!("vetoed: {} {}", v.id, v.name),
                    });
                } else {
                    let what = match class {
                        VetoClass::Line => l.pick("单线否决", "line veto"),
                        VetoClass::Cap => l.pick("等次封顶", "grade cap"),
                        VetoClass::Unit => l.pick("整体否决", "unit veto"),
                    };
                    reasons.push(match l {
                        Lang::Zh => format!(
                            "{} {}({what}),按{}不单独构成不达标",
                            v.id, v.name, pass.id.value
                        ),
                        Lang::En => format!(
                            "{} {} ({what}) is not by itself a fail under {}",
                            v.id, v.name, pass.id.value
                        ),
                    });
                }
            }
            let ok = grade_ok && !failing;
            self.passed.insert(u.id.clone(), ok);
            self.push(
                &u.id,
                Topic::Result,
                None,
                if ok { Verdict::Pass } else { Verdict::Fail },
                rules,
                reasons,
            );
        }
    }

    // ----- 2. retroactive findings -----------------------------------------------------------

    fn retroactive(&mut self) {
        let rules: &[policy::RawRetro] = &self.p.raw.retroactive;
        let reg = self.reg;
        // Findings made since the previous decision (all of them before the first one).
        let previous = reg
            .events
            .iter()
            .filter(|e| e.decision.is_some())
            .map(|e| e.date)
            .max();
        for r in rules {
            let findings: Vec<&Event> = reg
                .events
                .iter()
                .filter(|e| {
                    e.kind == EventKind::Finding
                        && previous.is_none_or(|p| e.date > p)
                        && e.date <= self.date
                        && e.finding
                            .as_deref()
                            .is_some_and(|f| r.findings.iter().any(|k| k.value == f))
                })
                .collect();
            for f in findings {
                let fy = f.year.unwrap_or(self.year);
                let finding = f.finding.as_deref().unwrap_or_default();
                let what = match self.lang {
                    Lang::Zh => format!(
                        "{}查实{fy}年度{finding}{}",
                        f.date,
                        f.reference
                            .as_deref()
                            .map(|x| format!("({x})"))
                            .unwrap_or_default()
                    ),
                    Lang::En => format!(
                        "{finding} in {fy}, established on {}{}",
                        f.date,
                        f.reference
                            .as_deref()
                            .map(|x| format!(" ({x})"))
                            .unwrap_or_default()
                    ),
                };
                let mut any = false;
                for t in &reg.titles {
                    let s = self.standing(&f.unit, &t.id);
                    let in_force_since = match s.ended {
                        _ if s.holds() => true,
                        Some((EventKind::Expire, d)) => d.year() >= fy,
                        _ => false,
                    };
                    if s.named.is_empty() || !in_force_since {
                        continue;
                    }
                    any = true;
                    let named: Vec<String> = s
                        .named
                        .iter()
                        .filter(|d| d.year() >= fy)
                        .map(|d| d.to_string())
                        .collect();
                    let reason = match (named.is_empty(), self.lang) {
                        (true, Lang::Zh) => {
                            format!("{what},依{}追溯撤销{fy}年度在期的{}", r.id.value, t.name)
                        }
                        (false, Lang::Zh) => format!(
                            "{what},依{}追溯撤销{}命名的{}",
                            r.id.value,
                            named.join("、"),
                            t.name
                        ),
                        (true, Lang::En) => format!(
                            "{what}: the {} held in {fy} is revoked retroactively under {}",
                            t.name, r.id.value
                        ),
                        (false, Lang::En) => format!(
                            "{what}: the {} conferred on {} is revoked retroactively under {}",
                            t.name,
                            named.join(", "),
                            r.id.value
                        ),
                    };
                    let mut e = self.event(&f.unit, Some(&t.id), EventKind::Revoke);
                    e.rules = vec![r.id.value.clone()];
                    e.reason = Some(reason.clone());
                    e.reference = f.reference.clone();
                    self.events.push(e);
                    let mut reasons = vec![reason];
                    if let Some(n) = &f.note {
                        reasons.push(n.clone());
                    }
                    self.push(
                        &f.unit,
                        Topic::Retroactive,
                        Some(&t.id),
                        Verdict::RetroRevoked,
                        vec![r.id.value.clone()],
                        reasons,
                    );
                }
                if !any {
                    self.push(
                        &f.unit,
                        Topic::Retroactive,
                        None,
                        Verdict::FindingRecorded,
                        vec![r.id.value.clone()],
                        vec![match self.lang {
                            Lang::Zh => format!(
                                "{what};无{fy}年度以来的称号可撤销,该年度按一票否决计入资格审查"
                            ),
                            Lang::En => format!(
                                "{what}; no title held since {fy} to revoke: the year counts as a one-vote veto when eligibility is checked"
                            ),
                        }],
                    );
                }
            }
        }
    }

    // ----- 3. review of held titles ----------------------------------------------------------

    fn review(&mut self) {
        let Some(rv) = &self.p.raw.review else {
            return;
        };
        let reg = self.reg;
        for t in &rv.titles {
            let Some(def) = reg.title(&t.value) else {
                continue;
            };
            for unit in &reg.units {
                self.review_unit(rv, def, &unit.id);
            }
        }
    }

    /// 复查 of one unit's title, if it holds it: revoked, expired, warned, its warning
    /// lifted, or kept.
    fn review_unit(&mut self, rv: &RawReview, def: &TitleDef, unit: &str) {
        let s = self.standing(unit, &def.id);
        let Some(named) = s.held_since else {
            return;
        };
        if let Some(u) = self.cur.unit(unit)
            && u.grade.is_none()
            && self.exempting(unit, self.year).is_none()
        {
            let mut reasons = pending_reasons(u, self.lang);
            reasons.push(
                self.lang
                    .pick(
                        "称号复查待考核结果确定后再作决定",
                        "the title's review waits for the result",
                    )
                    .to_string(),
            );
            self.push(
                unit,
                Topic::Review,
                Some(&def.id),
                Verdict::Pending,
                Vec::new(),
                reasons,
            );
            return;
        }
        let expiry = def
            .term_years
            .and_then(|n| named.checked_add_months(Months::new(n * 12)));
        let expired = expiry.is_some_and(|x| x <= self.date);
        let exempt = self.exempting(unit, self.year);
        let uv = self.cur.unit(unit);
        let (triggered, notes) = self.review_findings(rv, exempt, uv);
        let strongest = triggered.iter().map(|t| t.action).max();
        let mut rules: Vec<String> = triggered.iter().map(|t| t.rule.clone()).collect();
        let mut reasons: Vec<String> = triggered
            .iter()
            .map(|t| match self.lang {
                Lang::Zh => format!("{}(依{})", t.why, t.rule),
                Lang::En => format!("{} (under {})", t.why, t.rule),
            })
            .collect();
        let revoke = match strongest {
            Some(Action::Revoke) => true,
            Some(Action::WarnThenRevoke) => {
                if let Some(w) = s.warned_on {
                    reasons.push(match self.lang {
                        Lang::Zh => format!("已于{w}黄牌警告,仍未达到要求"),
                        Lang::En => {
                            format!(
                                "given a yellow card on {w} and still short of the requirements"
                            )
                        }
                    });
                    true
                } else {
                    false
                }
            }
            _ => false,
        };
        let (kind, verdict, result) = if revoke {
            (EventKind::Revoke, Verdict::Revoked, None)
        } else if expired {
            let n = def.term_years.unwrap_or(0);
            let end = expiry.map(|x| x.to_string()).unwrap_or_default();
            reasons.insert(
                0,
                match self.lang {
                    Lang::Zh => format!("{named}命名,有效期{n}年,于{end}期满"),
                    Lang::En => {
                        format!("conferred on {named} for {}, expired on {end}", years_en(n))
                    }
                },
            );
            if strongest.is_some() {
                reasons.push(
                    self.lang
                        .pick("期满不再警告", "no yellow card once expired")
                        .to_string(),
                );
            }
            rules.push(format!("{}.term_years", def.id));
            (EventKind::Expire, Verdict::Expired, None)
        } else if strongest.is_some() {
            (EventKind::Warn, Verdict::Warned, None)
        } else if let (Some(w), Some(lift), true) = (
            s.warned_on,
            &rv.lift_warning,
            uv.is_some() && exempt.is_none(),
        ) {
            rules.push(lift.id.value.clone());
            reasons.push(match self.lang {
                Lang::Zh => format!("{w}黄牌警告后,本年度复查达到要求"),
                Lang::En => format!(
                    "after the yellow card of {w}, this year's review meets the requirements"
                ),
            });
            (
                EventKind::Rectify,
                Verdict::WarningLifted,
                Some(EventResult::Passed),
            )
        } else {
            match (exempt, uv) {
                (Some(_), _) => {
                    if let Some(x) = &self.p.raw.exemption {
                        rules.push(x.id.value.clone());
                    }
                }
                (None, Some(_)) => {
                    // What keeps it: the unit passed, and the title is within its term —
                    // not the revocation rules it did not trigger (its reasons say so).
                    rules.push(self.p.raw.pass.id.value.clone());
                    if def.term_years.is_some() {
                        rules.push(format!("{}.term_years", def.id));
                    }
                }
                (None, None) => {}
            }
            (EventKind::Review, Verdict::Kept, None)
        };
        reasons.extend(notes);
        let mut e = self.event(unit, Some(&def.id), kind);
        e.result = result;
        e.rules = rules.clone();
        e.reason = Some(reasons.join(";"));
        self.events.push(e);
        self.push(unit, Topic::Review, Some(&def.id), verdict, rules, reasons);
    }

    /// The review rules a unit triggered this year, and notes on why it was not reviewed or
    /// triggered nothing.
    fn review_findings(
        &self,
        rv: &RawReview,
        exempt: Option<&Event>,
        uv: Option<&UnitView>,
    ) -> (Vec<Trigger>, Vec<String>) {
        let mut triggered: Vec<Trigger> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        match (exempt, uv) {
            (Some(e), _) => notes.push(match self.lang {
                Lang::Zh => format!(
                    "{},本年度免于考核,不作扣减性复查",
                    self.inspection_text(e)
                ),
                Lang::En => format!(
                    "{}: exempt from this year's assessment, so no review that could cost the title",
                    self.inspection_text(e)
                ),
            }),
            (None, None) => notes.push(
                self.lang
                    .pick(
                        "本年度无考核结果,不作复查",
                        "no result this year: not reviewed",
                    )
                    .to_string(),
            ),
            (None, Some(u)) => {
                for r in &rv.rules {
                    if let Some(why) = self.review_trigger(u, &r.when.value) {
                        triggered.push(Trigger {
                            action: r.action,
                            rule: r.id.value.clone(),
                            why,
                        });
                    }
                }
                if triggered.is_empty() {
                    let grade = u.grade.as_deref().unwrap_or(self.status(u.status));
                    let total = show_known(u.total);
                    notes.push(match self.lang {
                        Lang::Zh => format!("本年度等次{grade}(总分{total}),未触发撤销或警告条件"),
                        Lang::En => format!(
                            "grade {grade} (total {total}) this year: no condition for a revocation or a yellow card met"
                        ),
                    });
                }
            }
        }
        (triggered, notes)
    }

    fn review_trigger(&self, u: &UnitView, when: &RawWhen) -> Option<String> {
        match when {
            RawWhen::Veto { vetoes, scope } => {
                let hits = self.vetoes_in(&u.id, self.year, vetoes.as_deref(), *scope);
                (!hits.is_empty()).then(|| {
                    hits.iter()
                        .map(|h| h.text.clone())
                        .collect::<Vec<_>>()
                        .join(self.sep())
                })
            }
            RawWhen::BelowStandard => (self.passed.get(&u.id) == Some(&false)).then(|| {
                let grade = u.grade.as_deref().unwrap_or(self.status(u.status));
                let total = show_known(u.total);
                match self.lang {
                    Lang::Zh => format!("本年度考核不达标(等次{grade},总分{total})"),
                    Lang::En => {
                        format!("failed this year's assessment (grade {grade}, total {total})")
                    }
                }
            }),
            RawWhen::BelowGrade { grade, years } => {
                let g = self.cur.grade_index(&grade.value)?;
                let n = years.value as i32;
                let mut seen = Vec::new();
                for y in (self.year - n + 1)..=self.year {
                    if self.exempting(&u.id, y).is_some() {
                        return None;
                    }
                    let gu = self.years.get(&y).and_then(|s| s.unit(&u.id))?;
                    // A year without a published grade does not count towards the run.
                    let gl = gu.grade.as_deref()?;
                    let gi = self.cur.grade_index(gl)?;
                    if gi <= g {
                        return None;
                    }
                    seen.push(match self.lang {
                        Lang::Zh => format!("{y}年{gl}"),
                        Lang::En => format!("{y}: {gl}"),
                    });
                }
                let (g, seen) = (&grade.value, seen.join(self.sep()));
                Some(match (n == 1, self.lang) {
                    (true, Lang::Zh) => format!("本年度等次低于{g}({seen})"),
                    (false, Lang::Zh) => format!("连续{n}年等次低于{g}({seen})"),
                    (true, Lang::En) => format!("grade below {g} this year ({seen})"),
                    (false, Lang::En) => format!("grade below {g} for {n} years in a row ({seen})"),
                })
            }
        }
    }

    // ----- 4. awards ------------------------------------------------------------------------

    fn award(&mut self, a: &RawAward) {
        if let Some(y) = &a.years
            && (y.from.is_some_and(|f| self.year < f) || y.to.is_some_and(|t| self.year > t))
        {
            return;
        }
        let title = a.title.value.as_str();
        let cands: Vec<Cand> = self
            .award_candidates(a, title)
            .into_iter()
            .map(|id| self.candidate(a, title, id))
            .collect();
        let quota = self.quota(a, title);
        let mut outcome = self.grant(a, title, &cands, &quota);
        for c in &cands {
            let (verdict, reasons) = match (outcome.remove(&c.id), self.cur.unit(&c.id)) {
                (_, Some(u)) if u.grade.is_none() => {
                    let mut r = pending_reasons(u, self.lang);
                    r.push(
                        self.lang
                            .pick(
                                "评选待考核结果确定后再作决定",
                                "the award waits for the result",
                            )
                            .to_string(),
                    );
                    (Verdict::Pending, r)
                }
                (Some(x), _) => x,
                (None, _) => c.refusal(),
            };
            if let Verdict::Granted(kind) = verdict {
                let mut e = self.event(&c.id, Some(title), kind);
                e.by = a.by.clone();
                e.rules = c.rules.clone();
                e.reason = Some(format!("{}:{}", a.name, reasons.join(";")));
                self.events.push(e);
            }
            self.push(
                &c.id,
                Topic::Award(a.id.value.clone()),
                Some(title),
                verdict,
                c.rules.clone(),
                reasons,
            );
            if let (Verdict::Granted(_), Some(label), Some(d)) =
                (verdict, &a.label, self.decisions.last_mut())
            {
                d.label = label.clone();
            }
        }
    }

    /// The units an award considers, in the order its candidacy gives.
    fn award_candidates(&self, a: &RawAward, title: &str) -> Vec<String> {
        let by_rank = |v: &mut Vec<String>| {
            v.sort_by_key(|id| {
                (
                    self.cur.unit(id).and_then(|u| u.rank).unwrap_or(u32::MAX),
                    id.clone(),
                )
            });
        };
        match &a.candidates.value {
            RawCandidates::Scorecard => self.cur.units.iter().map(|u| u.id.clone()).collect(),
            RawCandidates::Units(ids) => ids.iter().map(|i| i.value.clone()).collect(),
            RawCandidates::Inspected { level, title: t } => {
                let t = t.as_ref().map_or(title, |t| t.value.as_str());
                let mut v: Vec<String> = Vec::new();
                for e in self.all_events() {
                    if e.title.as_deref() == Some(t)
                        && e.kind == EventKind::Inspect
                        && e.result == Some(EventResult::Passed)
                        && e.level == Some(*level)
                        && e.date.year() == self.year
                        && !v.contains(&e.unit)
                    {
                        v.push(e.unit.clone());
                    }
                }
                by_rank(&mut v);
                v
            }
            RawCandidates::Status(stages) => {
                let mut v: Vec<String> = self
                    .reg
                    .units
                    .iter()
                    .filter(|u| {
                        let s = self.standing(&u.id, title);
                        stages.iter().any(|st| at_stage(&s, *st))
                    })
                    .map(|u| u.id.clone())
                    .collect();
                by_rank(&mut v);
                v
            }
        }
    }

    /// A candidate weighed against an award: why it qualifies, which gates it fails, the
    /// vetoes that exclude it (when the award is an honour), a cool-down.
    fn candidate(&self, a: &RawAward, title: &str, id: String) -> Cand {
        let mut c = Cand {
            ok: Vec::new(),
            rules: vec![a.id.value.clone()],
            gate_fail: Vec::new(),
            excluded: Vec::new(),
            cool: Vec::new(),
            id,
        };
        let id = c.id.as_str();
        if let Some(why) = self.candidacy(id, title, &a.candidates.value) {
            c.ok.push(why);
        }
        for g in &a.gates {
            match self.gate(id, title, &g.value) {
                Ok(why) if c.ok.contains(&why) => {}
                Ok(why) => c.ok.push(why),
                Err(why) => c.gate_fail.push(why),
            }
        }
        if a.honours {
            for r in &self.p.raw.veto_reach {
                let n = r.years.value as i32;
                for y in (self.year - n + 1)..=self.year {
                    for h in self.vetoes_in(id, y, r.vetoes.as_deref(), r.scope) {
                        c.excluded.push(if self.lang.en() {
                            format!(
                                "{}: not eligible for {}–{} under {}",
                                h.text,
                                h.year,
                                h.year + n - 1,
                                r.id.value
                            )
                        } else {
                            format!(
                                "{},依{}取消{}—{}年度评选资格",
                                h.text,
                                r.id.value,
                                h.year,
                                h.year + n - 1
                            )
                        });
                        if !c.rules.contains(&r.id.value) {
                            c.rules.push(r.id.value.clone());
                        }
                        if !c.rules.contains(&h.id) {
                            c.rules.push(h.id.clone());
                        }
                    }
                }
            }
        }
        if let Some(cd) = &a.cool_down_years {
            let n = cd.value as i32;
            let from = self.year - n;
            let last = self
                .all_events()
                .filter(|e| {
                    e.unit == id
                        && e.title.as_deref() == Some(title)
                        && e.kind == a.event.value
                        && e.date.year() >= from
                        && e.date.year() < self.year
                })
                .map(|e| e.date)
                .last();
            if let Some(d) = last {
                c.cool.push(if self.lang.en() {
                    format!(
                        "received {} on {d}: not considered again within {n} years",
                        a.name
                    )
                } else {
                    format!("已于{d}获得{},近{n}年内获得的不参加本次评选", a.name)
                });
            }
        }
        c
    }

    /// An award's quota this year: per year, and per cycle (with what the cycle has used).
    fn quota(&self, a: &RawAward, title: &str) -> Quota {
        let per_year = a
            .quota
            .as_ref()
            .and_then(|q| q.per_year.as_ref())
            .map(|k| k.value as usize);
        let cycle = a
            .quota
            .as_ref()
            .and_then(|q| q.per_cycle.as_ref())
            .and_then(|c| {
                if self.year < c.from {
                    return None;
                }
                let len = c.years.value as i32;
                let start = c.from + (self.year - c.from).div_euclid(len) * len;
                let n = Decimal::from(self.cur.units.len() as u64);
                let limit = (c.percent.value * n / Decimal::ONE_HUNDRED)
                    .floor()
                    .to_usize()
                    .unwrap_or(0);
                let used = self
                    .all_events()
                    .filter(|e| {
                        e.title.as_deref() == Some(title)
                            && e.kind == a.event.value
                            && e.date.year() >= start
                            && e.date.year() < self.year
                    })
                    .count();
                Some((start, start + len - 1, c.percent.value, limit, used))
            });
        let mut parts = Vec::new();
        let en = self.lang.en();
        if let Some(k) = per_year {
            parts.push(if en {
                format!("at most {k} a year")
            } else {
                format!("每年至多{k}个")
            });
        }
        if let Some((s, e, p, limit, used)) = cycle {
            parts.push(if en {
                format!(
                    "in the {s}–{e} cycle at most {}% of the units assessed, that is {limit} ({used} so far)",
                    show(p)
                )
            } else {
                format!(
                    "{s}—{e}年度周期内至多参评单位的{}%即{limit}个(此前已{used}个)",
                    show(p)
                )
            });
        }
        Quota {
            per_year,
            cycle: cycle.map(|(_, _, _, limit, used)| (limit, used)),
            text: parts.join(if en { "; " } else { "," }),
        }
    }

    /// The eligible candidates in order (rank, the tie rules, the unit id), granted while the
    /// quota lasts and cut after: each with its verdict and reasons.
    fn grant(
        &self,
        a: &RawAward,
        title: &str,
        cands: &[Cand],
        quota: &Quota,
    ) -> BTreeMap<String, (Verdict, Vec<String>)> {
        let key = |id: &str| -> OrderKey {
            let u = self.cur.unit(id);
            (
                u.and_then(|u| u.rank).unwrap_or(u32::MAX),
                a.ties
                    .iter()
                    .map(|t| self.tie_key(id, title, &t.value))
                    .collect(),
                id.to_string(),
            )
        };
        let mut order: Vec<(&Cand, OrderKey)> = cands
            .iter()
            .filter(|c| c.gate_fail.is_empty() && c.excluded.is_empty() && c.cool.is_empty())
            .map(|c| (c, key(&c.id)))
            .collect();
        order.sort_by(|x, y| x.1.cmp(&y.1));
        let mut outcome: BTreeMap<String, (Verdict, Vec<String>)> = BTreeMap::new();
        let mut count = 0usize;
        for (pos, (c, k)) in order.iter().enumerate() {
            let mut reasons = c.ok.clone();
            if let Some(tie) = self.tie_reason(a, &order, c, k) {
                reasons.push(tie);
            }
            let within_year = quota.per_year.is_none_or(|n| count < n);
            let within_cycle = quota.cycle.is_none_or(|(limit, used)| used + count < limit);
            let en = self.lang.en();
            let place = match (self.cur.unit(&c.id), en) {
                (Some(u), false) => match u.rank {
                    Some(r) => format!("考核排名第{r}"),
                    None => format!("考核结果{},暂不排名", u.status.zh()),
                },
                (Some(u), true) => match u.rank {
                    Some(r) => format!("ranked {r}"),
                    None => format!("result {}, not ranked yet", u.status.en()),
                },
                (None, false) => "无考核排名".to_string(),
                (None, true) => "no assessment rank".to_string(),
            };
            let quota_text = &quota.text;
            if within_year && within_cycle {
                count += 1;
                if !quota_text.is_empty() {
                    reasons.push(if en {
                        format!(
                            "{place}; {} among the eligible, within the quota ({quota_text})",
                            ordinal_en(pos + 1)
                        )
                    } else {
                        format!(
                            "{place},在符合条件的单位中列第{}位,名额内({quota_text})",
                            pos + 1
                        )
                    });
                }
                outcome.insert(c.id.clone(), (Verdict::Granted(a.event.value), reasons));
            } else {
                reasons.push(if en {
                    format!(
                        "eligible, but {place}; {} among the eligible, beyond the quota ({quota_text})",
                        ordinal_en(pos + 1)
                    )
                } else {
                    format!(
                        "符合条件,但{place},在符合条件的单位中列第{}位,超出名额({quota_text})",
                        pos + 1
                    )
                });
                outcome.insert(c.id.clone(), (Verdict::QuotaCut, reasons));
            }
        }
        outcome
    }

    /// When other eligible candidates share `c`'s rank: how the tie rules ordered them.
    fn tie_reason(
        &self,
        a: &RawAward,
        order: &[(&Cand, OrderKey)],
        c: &Cand,
        k: &OrderKey,
    ) -> Option<String> {
        let tied: Vec<&(&Cand, OrderKey)> = order
            .iter()
            .filter(|(o, ok)| o.id != c.id && ok.0 == k.0 && k.0 != u32::MAX)
            .collect();
        if tied.is_empty() {
            return None;
        }
        if self.lang.en() {
            let show_keys = |id: &str, ks: &[TieKey]| -> String {
                let vals: Vec<String> = ks.iter().map(TieKey::en).collect();
                if vals.is_empty() {
                    format!("{} ({id})", self.name(id))
                } else {
                    format!("{} ({})", self.name(id), vals.join(", "))
                }
            };
            let mut parts: Vec<String> = a.ties.iter().map(|t| self.tie_en(&t.value)).collect();
            parts.push("the unit id".to_string());
            let mut all = vec![show_keys(&c.id, &k.1)];
            all.extend(tied.iter().map(|(o, ok)| show_keys(&o.id, &ok.1)));
            return Some(format!(
                "ranked {} together with {}; by rank, ties broken by {}: {}",
                k.0,
                tied.iter()
                    .map(|(o, _)| self.name(&o.id))
                    .collect::<Vec<_>>()
                    .join(", "),
                parts.join(", then "),
                all.join("; ")
            ));
        }
        let show_keys = |id: &str, ks: &[TieKey]| -> String {
            let vals: Vec<String> = ks.iter().map(TieKey::zh).collect();
            if vals.is_empty() {
                format!("{}({id})", self.name(id))
            } else {
                format!("{}({})", self.name(id), vals.join(","))
            }
        };
        let mut parts: Vec<String> = a.ties.iter().map(|t| self.tie_zh(&t.value)).collect();
        parts.push("单位代码".to_string());
        let tie_text = format!("按考核排名,并列时依次按{}排序", parts.join("、"));
        let mut all = vec![show_keys(&c.id, &k.1)];
        all.extend(tied.iter().map(|(o, ok)| show_keys(&o.id, &ok.1)));
        Some(format!(
            "与{}并列第{}名;{}:{}",
            tied.iter()
                .map(|(o, _)| self.name(&o.id))
                .collect::<Vec<_>>()
                .join("、"),
            k.0,
            tie_text,
            all.join(";")
        ))
    }

    /// Why a unit is a candidate, when the candidacy itself says something.
    fn candidacy(&self, unit: &str, title: &str, c: &RawCandidates) -> Option<String> {
        match c {
            RawCandidates::Scorecard | RawCandidates::Units(_) => None,
            RawCandidates::Status(_) => {
                let s = self.standing(unit, title);
                let name = self.title_name(title);
                if let Some((d, _, r)) = s.inspected {
                    let e = self.all_events().filter(|e| {
                        e.unit == unit
                            && e.title.as_deref() == Some(title)
                            && e.kind == EventKind::Inspect
                            && e.date == d
                    });
                    match (r, e.last()) {
                        (EventResult::Passed, Some(e)) => Some(self.inspection_text(e)),
                        _ if self.lang.en() => Some(format!(
                            "inspection for {name} on {d}: {}",
                            match r {
                                EventResult::Passed => "passed",
                                EventResult::Failed => "failed",
                            }
                        )),
                        _ => Some(format!("{d}{name}检查验收{}", r.zh())),
                    }
                } else if let Some(d) = s.recommended_on {
                    Some(if self.lang.en() {
                        format!("recommended for {name} on {d}")
                    } else {
                        format!("{d}已初评推荐申报{name}")
                    })
                } else {
                    s.applied_on.map(|d| {
                        if self.lang.en() {
                            format!("applied for {name} on {d}")
                        } else {
                            format!("{d}申报创建{name}")
                        }
                    })
                }
            }
            RawCandidates::Inspected { level, title: t } => {
                let t = t.as_ref().map_or(title, |t| t.value.as_str());
                self.all_events()
                    .find(|e| {
                        e.unit == unit
                            && e.title.as_deref() == Some(t)
                            && e.kind == EventKind::Inspect
                            && e.result == Some(EventResult::Passed)
                            && e.level == Some(*level)
                            && e.date.year() == self.year
                    })
                    .map(|e| self.inspection_text(e))
            }
        }
    }

    fn gate(&self, unit: &str, title: &str, g: &RawGate) -> Result<String, String> {
        match g {
            RawGate::GradeAtLeast { grade, years } => {
                self.gate_grade(unit, &grade.value, years.value as i32)
            }
            RawGate::NoVeto { years, scope } => self.gate_no_veto(unit, years.value as i32, *scope),
            RawGate::InspectionPassed { level, title: t } => {
                let t = t.as_ref().map_or(title, |t| t.value.as_str());
                let hit = self.all_events().find(|e| {
                    e.unit == unit
                        && e.title.as_deref() == Some(t)
                        && e.kind == EventKind::Inspect
                        && e.result == Some(EventResult::Passed)
                        && e.level == Some(*level)
                        && e.date.year() == self.year
                });
                match hit {
                    Some(e) => Ok(self.inspection_text(e)),
                    None if self.lang.en() => Err(format!(
                        "did not pass the {} inspection for {} this year",
                        level.label(self.lang),
                        self.title_name(t)
                    )),
                    None => Err(format!(
                        "本年度未通过{}{}检查验收",
                        level.zh(),
                        self.title_name(t)
                    )),
                }
            }
            RawGate::Holds { title: t } => {
                let s = self.standing(unit, &t.value);
                match (s.holds(), self.lang.en()) {
                    (true, false) => Ok(format!("持有{}", self.title_name(&t.value))),
                    (false, false) => Err(format!("未持有{}", self.title_name(&t.value))),
                    (true, true) => Ok(format!("holds {}", self.title_name(&t.value))),
                    (false, true) => Err(format!("does not hold {}", self.title_name(&t.value))),
                }
            }
            RawGate::ChildrenHold { title: t, percent } => {
                self.gate_children_hold(unit, &t.value, percent.value)
            }
        }
    }

    /// Grade at least `grade` in each of the last `n` years (years exempt from assessment pass).
    fn gate_grade(&self, unit: &str, grade: &str, n: i32) -> Result<String, String> {
        if self.lang.en() {
            return self.gate_grade_en(unit, grade, n);
        }
        let gi = self.cur.grade_index(grade).unwrap_or(0);
        let mut seen = Vec::new();
        let mut fails = Vec::new();
        for y in (self.year - n + 1)..=self.year {
            if self.exempting(unit, y).is_some() {
                seen.push(format!("{y}年免于考核"));
                continue;
            }
            let Some(s) = self.years.get(&y) else {
                fails.push(format!("缺少{y}年度考核结果"));
                continue;
            };
            let Some(u) = s.unit(unit) else {
                fails.push(format!("未参加{y}年度考核"));
                continue;
            };
            let Some(ul) = u.grade.as_deref() else {
                fails.push(format!("{y}年度考核结果{},等次未定", u.status.zh()));
                continue;
            };
            let ug = self.cur.grade_index(ul).unwrap_or(usize::MAX);
            if ug <= gi {
                seen.push(format!("{y}年{ul}"));
            } else {
                fails.push(format!("{y}年度等次{ul},低于{grade}"));
            }
        }
        let span = if n == 1 {
            "本年度".to_string()
        } else {
            format!("近{n}年")
        };
        let all = if n == 1 { "" } else { "均" };
        if fails.is_empty() {
            Ok(format!(
                "{span}等次{all}为{grade}及以上({})",
                seen.join("、")
            ))
        } else {
            Err(format!(
                "须{span}等次{all}为{grade}及以上:{}",
                fails.join("、")
            ))
        }
    }

    /// [`Self::gate_grade`] in English.
    fn gate_grade_en(&self, unit: &str, grade: &str, n: i32) -> Result<String, String> {
        let gi = self.cur.grade_index(grade).unwrap_or(0);
        let mut seen = Vec::new();
        let mut fails = Vec::new();
        for y in (self.year - n + 1)..=self.year {
            if self.exempting(unit, y).is_some() {
                seen.push(format!("{y}: exempt from assessment"));
                continue;
            }
            let Some(s) = self.years.get(&y) else {
                fails.push(format!("no assessment result for {y}"));
                continue;
            };
            let Some(u) = s.unit(unit) else {
                fails.push(format!("not assessed in {y}"));
                continue;
            };
            let Some(ul) = u.grade.as_deref() else {
                fails.push(format!("{y}: result {}, no grade yet", u.status.en()));
                continue;
            };
            let ug = self.cur.grade_index(ul).unwrap_or(usize::MAX);
            if ug <= gi {
                seen.push(format!("{y}: {ul}"));
            } else {
                fails.push(format!("{y}: graded {ul}, below {grade}"));
            }
        }
        let span = if n == 1 {
            "this year".to_string()
        } else {
            format!("each of the last {n} years")
        };
        if fails.is_empty() {
            Ok(format!(
                "graded {grade} or better {span} ({})",
                seen.join(", ")
            ))
        } else {
            Err(format!(
                "must be graded {grade} or better {span}: {}",
                fails.join(", ")
            ))
        }
    }

    /// No veto in `scope` in the last `n` years, each of them with a result (or exempt).
    fn gate_no_veto(&self, unit: &str, n: i32, scope: VetoScope) -> Result<String, String> {
        let mut hits: Vec<String> = Vec::new();
        for y in (self.year - n + 1)..=self.year {
            let known = self.years.get(&y).is_some_and(|s| s.unit(unit).is_some())
                || self.exempting(unit, y).is_some();
            if !known {
                hits.push(if self.lang.en() {
                    format!("no assessment result for {y}")
                } else {
                    format!("缺少{y}年度考核结果")
                });
            }
            hits.extend(
                self.vetoes_in(unit, y, None, scope)
                    .into_iter()
                    .map(|h| h.text),
            );
        }
        let years = if n == 1 {
            "this year".to_string()
        } else {
            format!("in the last {n} years")
        };
        match (hits.is_empty(), self.lang.en()) {
            (true, false) => Ok(format!("近{n}年无一票否决")),
            (false, false) => Err(format!("须近{n}年无一票否决:{}", hits.join("、"))),
            (true, true) => Ok(format!("no one-vote veto {years}")),
            (false, true) => Err(format!(
                "must have no one-vote veto {years}: {}",
                hits.join(", ")
            )),
        }
    }

    /// At least `percent` % of the registry units under `unit` hold `title`.
    fn gate_children_hold(
        &self,
        unit: &str,
        title: &str,
        percent: Decimal,
    ) -> Result<String, String> {
        let kids: Vec<&crate::title::RegUnit> = self
            .reg
            .units
            .iter()
            .filter(|u| u.parent.as_deref() == Some(unit))
            .collect();
        let holding: Vec<String> = kids
            .iter()
            .filter(|k| self.standing(&k.id, title).holds())
            .map(|k| k.name.clone())
            .collect();
        let n = kids.len();
        let share = if n == 0 {
            Decimal::ZERO
        } else {
            Decimal::from(holding.len() as u64) * Decimal::ONE_HUNDRED / Decimal::from(n as u64)
        };
        if self.lang.en() {
            let text = format!(
                "{} of the {n} units under it hold {} ({}%: {})",
                holding.len(),
                self.title_name(title),
                show_dp(share, 2),
                if holding.is_empty() {
                    "none".to_string()
                } else {
                    holding.join(", ")
                }
            );
            return if n > 0 && share >= percent {
                Ok(format!("{text}, at least {}%", show(percent)))
            } else {
                Err(format!("{text}, below {}%", show(percent)))
            };
        }
        let text = format!(
            "所辖{n}个单位中{}个持有{}({}%:{})",
            holding.len(),
            self.title_name(title),
            show_dp(share, 2),
            if holding.is_empty() {
                "无".to_string()
            } else {
                holding.join("、")
            }
        );
        if n > 0 && share >= percent {
            Ok(format!("{text},不低于{}%", show(percent)))
        } else {
            Err(format!("{text},低于{}%", show(percent)))
        }
    }

    fn tie_key(&self, unit: &str, title: &str, t: &RawTie) -> TieKey {
        let u = self.cur.unit(unit);
        match t {
            RawTie::Line(l) => TieKey::Line(
                self.line_name(&l.value),
                std::cmp::Reverse(u.and_then(|u| u.line_points(&l.value))),
            ),
            RawTie::PeerRank => TieKey::PeerRank(u.and_then(|u| u.peer_rank).unwrap_or(u32::MAX)),
            RawTie::AppliedEarlier => {
                let latest = self
                    .all_events()
                    .filter(|e| {
                        e.unit == unit
                            && e.title.as_deref() == Some(title)
                            && e.kind == EventKind::Apply
                    })
                    .map(|e| e.date)
                    .last();
                TieKey::Applied(latest.unwrap_or(NaiveDate::MAX))
            }
        }
    }

    fn tie_en(&self, t: &RawTie) -> String {
        match t {
            RawTie::Line(l) => format!("points on {} (higher first)", self.line_name(&l.value)),
            RawTie::PeerRank => "peer-group rank (better first)".to_string(),
            RawTie::AppliedEarlier => "date of application (earlier first)".to_string(),
        }
    }

    fn tie_zh(&self, t: &RawTie) -> String {
        match t {
            RawTie::Line(l) => format!("{}得分(高者在前)", self.line_name(&l.value)),
            RawTie::PeerRank => "方阵排名(靠前者在前)".to_string(),
            RawTie::AppliedEarlier => "申报时间(早者在前)".to_string(),
        }
    }

    fn line_name(&self, id: &str) -> String {
        self.cur
            .units
            .iter()
            .flat_map(|u| u.lines.iter())
            .find(|x| x.id == id)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    // ----- 5. next year's plan --------------------------------------------------------------

    fn plan(&mut self) -> Vec<PlanRow> {
        let mut rows = Vec::new();
        let mut delegations = Vec::new();
        for id in self.plan_units() {
            let name = self.name(id);
            let exempt = self.exempting(id, self.year);
            let x = self.p.raw.exemption.as_ref();
            let (mode, rules, note) = self.district_plan(id, exempt, x);
            let parent = self
                .cur
                .unit(id)
                .and_then(|u| u.parent.clone())
                .or_else(|| self.reg.unit(id).and_then(|u| u.parent.clone()))
                .map(|p| {
                    let n = self.name(&p);
                    (p, n)
                });
            rows.push(PlanRow {
                unit: id.to_string(),
                name: name.clone(),
                level: "区",
                parent,
                mode,
                assessor: if mode == PlanMode::City {
                    self.lang.pick(CITY_ASSESSOR, CITY_ASSESSOR_EN).to_string()
                } else {
                    "—".to_string()
                },
                rules,
                note,
            });
            let delegate = match (exempt, x) {
                (Some(e), Some(x)) if x.delegate_streets_next_year => Some((e, x)),
                _ => None,
            };
            if let Some(d) = self.street_plan(id, &name, delegate, &mut rows) {
                delegations.push(d);
            }
        }
        for (unit, rule, why) in delegations {
            self.push(
                &unit,
                Topic::Delegation,
                None,
                Verdict::Delegated,
                vec![rule],
                vec![why],
            );
        }
        rows
    }

    /// The units next year's plan lists: the registry's units this year's scorecard has, in
    /// registry order, then the scorecard's other units by id.
    fn plan_units(&self) -> Vec<&'a str> {
        let (reg, cur) = (self.reg, self.cur);
        let mut ids: Vec<&str> = reg
            .units
            .iter()
            .filter(|u| cur.unit(&u.id).is_some())
            .map(|u| u.id.as_str())
            .collect();
        let mut rest: Vec<&str> = cur
            .units
            .iter()
            .map(|u| u.id.as_str())
            .filter(|id| reg.unit(id).is_none())
            .collect();
        rest.sort_unstable();
        ids.extend(rest);
        ids
    }

    /// How a district is assessed next year: exempt (after passing an inspection this year,
    /// when the policy exempts the next year too) or by the city, with a note when a
    /// recommended title's inspection next year would exempt it.
    fn district_plan(
        &self,
        id: &str,
        exempt: Option<&Event>,
        x: Option<&RawExemption>,
    ) -> (PlanMode, Vec<String>, String) {
        let next = self.year + 1;
        if let (Some(e), Some(x)) = (exempt, x)
            && x.exempt_next_year
        {
            return (
                PlanMode::Exempt,
                vec![x.id.value.clone()],
                match self.lang {
                    Lang::Zh => format!("{},{next}年度继续免于考核", self.inspection_text(e)),
                    Lang::En => format!(
                        "{}: exempt from the assessment in {next} too",
                        self.inspection_text(e)
                    ),
                },
            );
        }
        let mut note = String::new();
        if let Some(x) = x {
            for t in &self.reg.titles {
                if x.titles
                    .as_ref()
                    .is_some_and(|ts| !ts.iter().any(|s| s.value == t.id))
                {
                    continue;
                }
                let s = self.standing(id, &t.id);
                if at_stage(&s, Stage::Recommended) {
                    let levels = x
                        .levels
                        .iter()
                        .map(|l| l.label(self.lang))
                        .collect::<Vec<_>>()
                        .join(self.lang.pick("或", " or "));
                    note = match self.lang {
                        Lang::Zh => format!(
                            "已初评推荐申报{},如{next}年通过{levels}检查验收,当年免于考核({})",
                            t.name, x.id.value
                        ),
                        Lang::En => format!(
                            "recommended for {}: exempt from the assessment in {next} if it passes the {levels} inspection that year ({})",
                            t.name, x.id.value
                        ),
                    };
                }
            }
        }
        (PlanMode::City, Vec::new(), note)
    }

    /// The rows of a district's streets next year: assessed by the city, or, when `delegate`
    /// (the inspection that exempts the district, and the exemption rule), by the district
    /// itself. Returns the delegation (unit, rule, why) to decide.
    fn street_plan(
        &self,
        id: &str,
        name: &str,
        delegate: Option<(&Event, &RawExemption)>,
        rows: &mut Vec<PlanRow>,
    ) -> Option<(String, String, String)> {
        let streets: Vec<(String, String)> = self
            .reg
            .unit(id)
            .map(|u| {
                u.streets
                    .iter()
                    .map(|s| (s.id.clone(), s.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let parent = Some((id.to_string(), name.to_string()));
        let Some((e, x)) = delegate else {
            for (sid, sname) in &streets {
                rows.push(PlanRow {
                    unit: sid.clone(),
                    name: sname.clone(),
                    level: "街道",
                    parent: parent.clone(),
                    mode: PlanMode::City,
                    assessor: self.lang.pick(CITY_ASSESSOR, CITY_ASSESSOR_EN).to_string(),
                    rules: Vec::new(),
                    note: String::new(),
                });
            }
            return None;
        };
        let why = match self.lang {
            Lang::Zh => format!(
                "{},{}年度该区各街道的考核委托该区自评",
                self.inspection_text(e),
                self.year + 1
            ),
            Lang::En => format!(
                "{}: in {} the district assesses its own streets",
                self.inspection_text(e),
                self.year + 1
            ),
        };
        let listed = if streets.is_empty() {
            vec![(
                format!("{id}/*"),
                match self.lang {
                    Lang::Zh => format!("{name}所辖各街道"),
                    Lang::En => format!("the streets of {name}"),
                },
            )]
        } else {
            streets
        };
        for (sid, sname) in &listed {
            rows.push(PlanRow {
                unit: sid.clone(),
                name: sname.clone(),
                level: "街道",
                parent: parent.clone(),
                mode: PlanMode::SelfAssess,
                assessor: match self.lang {
                    Lang::Zh => format!("{name}(自评)"),
                    Lang::En => format!("{name} (self-assessment)"),
                },
                rules: vec![x.id.value.clone()],
                note: why.clone(),
            });
        }
        let names: Vec<&str> = listed.iter().map(|(_, n)| n.as_str()).collect();
        Some((
            id.to_string(),
            x.id.value.clone(),
            format!("{why}({})", names.join("、")),
        ))
    }

    fn standings(&self) -> Vec<StandingRow> {
        let mut rows = Vec::new();
        for u in &self.reg.units {
            for t in &self.reg.titles {
                let touched = self
                    .all_events()
                    .any(|e| e.unit == u.id && e.title.as_deref() == Some(t.id.as_str()));
                if !touched {
                    continue;
                }
                let s = self.standing(&u.id, &t.id);
                rows.push(StandingRow {
                    unit: u.id.clone(),
                    unit_name: u.name.clone(),
                    title: t.id.clone(),
                    title_name: t.name.clone(),
                    level: t.level.label(self.lang),
                    status: s.label(self.lang),
                    holds: s.holds(),
                });
            }
        }
        rows
    }
}

/// Who assesses a unit the city assesses itself.
const CITY_ASSESSOR: &str = "市考核组";
const CITY_ASSESSOR_EN: &str = "the city assessment team";

/// A review rule a unit triggered: what it does, its id, and why it was triggered.
struct Trigger {
    action: Action,
    rule: String,
    why: String,
}

fn at_stage(s: &Standing, st: Stage) -> bool {
    match st {
        Stage::Applied => {
            s.applied_on.is_some() && s.recommended_on.is_none() && s.inspected.is_none()
        }
        Stage::Recommended => s.recommended_on.is_some() && s.inspected.is_none(),
        Stage::InspectionPassed => {
            matches!(s.inspected, Some((_, _, EventResult::Passed)))
        }
    }
}

/// Where a candidate sorts: scorecard rank, tie-rule values, unit id.
/// A candidate for an award, weighed: why it qualifies, the rules applied, and what keeps it
/// out (failed gates, vetoes, a cool-down).
struct Cand {
    id: String,
    ok: Vec<String>,
    rules: Vec<String>,
    gate_fail: Vec<String>,
    excluded: Vec<String>,
    cool: Vec<String>,
}

impl Cand {
    /// The verdict and reasons of a candidate that was not eligible.
    fn refusal(&self) -> (Verdict, Vec<String>) {
        let mut reasons = Vec::new();
        reasons.extend(self.excluded.iter().cloned());
        reasons.extend(self.gate_fail.iter().cloned());
        reasons.extend(self.cool.iter().cloned());
        let v = if !self.excluded.is_empty() {
            Verdict::Excluded
        } else if !self.gate_fail.is_empty() {
            Verdict::NotEligible
        } else {
            Verdict::CoolDown
        };
        (v, reasons)
    }
}

/// An award's quota this year: at most `per_year`; within the cycle, (limit, used before this
/// year); and the quota in words.
struct Quota {
    per_year: Option<usize>,
    cycle: Option<(usize, usize)>,
    text: String,
}

type OrderKey = (u32, Vec<TieKey>, String);

/// One tie rule's value for a unit; smaller sorts first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TieKey {
    Line(String, std::cmp::Reverse<Option<Decimal>>),
    PeerRank(u32),
    Applied(NaiveDate),
}

impl TieKey {
    fn en(&self) -> String {
        match self {
            TieKey::Line(name, std::cmp::Reverse(p)) => {
                format!("{name}: {}", p.map(show).unwrap_or_else(|| "—".to_string()))
            }
            TieKey::PeerRank(r) if *r == u32::MAX => "peer rank —".to_string(),
            TieKey::PeerRank(r) => format!("peer rank {r}"),
            TieKey::Applied(d) if *d == NaiveDate::MAX => "not applied".to_string(),
            TieKey::Applied(d) => format!("applied {d}"),
        }
    }

    fn zh(&self) -> String {
        match self {
            TieKey::Line(name, std::cmp::Reverse(p)) => {
                format!("{name}{}分", p.map(show).unwrap_or_else(|| "—".to_string()))
            }
            TieKey::PeerRank(r) if *r == u32::MAX => "方阵排名—".to_string(),
            TieKey::PeerRank(r) => format!("方阵排名第{r}"),
            TieKey::Applied(d) if *d == NaiveDate::MAX => "未申报".to_string(),
            TieKey::Applied(d) => format!("{d}申报"),
        }
    }
}

/// Why a unit's decisions wait: its status, the fields it lacks and the vetoes undecided.
fn pending_reasons(u: &UnitView, lang: Lang) -> Vec<String> {
    let mut reasons = vec![match lang {
        Lang::Zh => format!(
            "本年度考核结果{}:总分、等次暂不发布,决定暂缓",
            u.status.zh()
        ),
        Lang::En => format!(
            "this year's result is {}: the total and the grade are withheld, so the decision is deferred",
            u.status.en()
        ),
    }];
    for v in u
        .vetoes
        .iter()
        .filter(|v| v.outcome == crate::result::VetoOutcome::Undecided)
    {
        reasons.push(match lang {
            Lang::Zh => format!("一票否决 {} {} 无法判定,待核实", v.id, v.name),
            Lang::En => format!(
                "the one-vote veto {} {} cannot be decided yet: to be verified",
                v.id, v.name
            ),
        });
    }
    reasons
}

/// English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st.
fn ordinal_en(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
