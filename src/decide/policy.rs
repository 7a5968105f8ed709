//! The decision policy (YAML): what the leading group's rules are, as data.
//!
//! Strict like the indicator set: unknown keys are errors, and every error names the file, line
//! and column. Grade labels are checked against the scorecard's grades and title ids against
//! the registry when a decision is made ([`super::decide`]).

use crate::diag::{Diagnostics, Sink};
use crate::title::{EventKind, Level};
use crate::yaml::{self, Items};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;

type S = Spanned<String>;

/// Which vetoes a rule looks at. A veto is **unit-scoped** when it failed the unit as a whole
/// and **line-scoped** when it zeroed one line (the scorecard's `lines[].zeroed_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VetoScope {
    /// Only vetoes that failed the unit as a whole.
    #[default]
    Unit,
    /// Vetoes that failed the unit or zeroed one of its lines.
    Any,
    /// Every applied veto, grade caps included.
    All,
    /// No veto (for `pass.veto`: vetoes do not decide pass/fail by themselves).
    None,
}

impl VetoScope {
    pub fn zh(self) -> &'static str {
        match self {
            VetoScope::Unit => "整体否决",
            VetoScope::Any => "整体或单线否决",
            VetoScope::All => "全部已执行的否决(含等次封顶)",
            VetoScope::None => "不计否决",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub id: S,
    pub name: String,
    pub version: String,
    /// Scorecards must come from this indicator set (its `id`).
    #[serde(default)]
    pub indicator_set: Option<S>,
    /// Month and day (`MM-DD`) of the decision in the assessment year; the date of every event a
    /// decision adds. Default `12-31`.
    #[serde(default)]
    pub decision_date: Option<S>,
    pub pass: RawPass,
    #[serde(default)]
    pub veto_reach: Vec<RawVetoReach>,
    #[serde(default)]
    pub retroactive: Vec<RawRetro>,
    #[serde(default)]
    pub exemption: Option<RawExemption>,
    #[serde(default)]
    pub review: Option<RawReview>,
    #[serde(default)]
    pub awards: Vec<RawAward>,
}

/// Pass/fail (达标/不达标).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPass {
    pub id: S,
    pub text: String,
    /// Lowest grade that passes.
    pub min_grade: S,
    /// Which applied vetoes fail the unit whatever its grade.
    #[serde(default)]
    pub veto: VetoScope,
}

/// A veto's consequence over time: excluded from honours this year and the next `years − 1`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVetoReach {
    pub id: S,
    pub text: String,
    /// Veto rule ids; absent = every applied veto (and every finding).
    #[serde(default)]
    pub vetoes: Option<Vec<S>>,
    #[serde(default)]
    pub scope: VetoScope,
    /// Years of exclusion counting the veto's own year (2 = "当年和下一年").
    pub years: Spanned<u32>,
}

/// Findings made later (查实) that revoke what was conferred since the year they concern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetro {
    pub id: S,
    pub text: String,
    /// Finding kinds (the events' `finding`), e.g. 弄虚作假.
    pub findings: Vec<S>,
}

/// Exemption from the city's assessment after passing an inspection, and delegation of the
/// streets' assessment to the unit's self-assessment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExemption {
    pub id: S,
    pub text: String,
    /// Inspection levels that exempt (e.g. province, city).
    pub levels: Vec<Level>,
    /// Titles whose inspection exempts; absent = any.
    #[serde(default)]
    pub titles: Option<Vec<S>>,
    /// Also exempt the year after the inspection.
    #[serde(default)]
    pub exempt_next_year: bool,
    /// The unit's streets are assessed by the unit's self-assessment the year after.
    #[serde(default)]
    pub delegate_streets_next_year: bool,
}

/// Annual review (复查) of held titles: keep, warn, revoke.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    /// Titles the city reviews every year.
    pub titles: Vec<S>,
    pub rules: Vec<RawReviewRule>,
    /// A warned unit that meets every review rule again has its warning lifted (整改 通过).
    #[serde(default)]
    pub lift_warning: Option<RawRuleText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleText {
    pub id: S,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReviewRule {
    pub id: S,
    pub text: String,
    pub when: Spanned<RawWhen>,
    pub action: Action,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawWhen {
    /// An applied veto this year.
    Veto {
        #[serde(default)]
        vetoes: Option<Vec<S>>,
        #[serde(default)]
        scope: VetoScope,
    },
    /// The unit did not pass this year (不达标).
    BelowStandard,
    /// Below `grade` in each of the last `years` years.
    BelowGrade { grade: S, years: Spanned<u32> },
}

/// What a triggered review rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Yellow card (黄牌); repeated while the rule keeps triggering.
    Warn,
    /// Yellow card first; revoke if already warned.
    WarnThenRevoke,
    /// Revoke at once.
    Revoke,
}

/// An award: who may get it, the gates, the quota, the order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAward {
    pub id: S,
    pub name: String,
    pub text: String,
    /// The registry title the award adds an event to.
    pub title: S,
    /// The event it adds: 申报, 初评推荐 or 命名.
    pub event: Spanned<EventKind>,
    /// Who confers it (recorded in the event).
    #[serde(default)]
    pub by: Option<String>,
    /// How a grant is called in the brief (default: the event, e.g. 命名).
    #[serde(default)]
    pub label: Option<String>,
    /// Assessment years in which the award is decided (the schedule).
    #[serde(default)]
    pub years: Option<RawYears>,
    pub candidates: Spanned<RawCandidates>,
    #[serde(default)]
    pub gates: Vec<Spanned<RawGate>>,
    /// Vetoes exclude (the `veto_reach` rules apply). Default true.
    #[serde(default = "yes")]
    pub honours: bool,
    /// A unit that got this award in the last N years sits it out.
    #[serde(default)]
    pub cool_down_years: Option<Spanned<u32>>,
    #[serde(default)]
    pub quota: Option<RawQuota>,
    /// Tie rules after the scorecard rank; the unit id always decides last.
    #[serde(default)]
    pub ties: Vec<Spanned<RawTie>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawYears {
    #[serde(default)]
    pub from: Option<i32>,
    #[serde(default)]
    pub to: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawCandidates {
    /// Every unit in this year's scorecard.
    Scorecard,
    /// Registry units whose standing with the award's title is one of these.
    Status(Vec<Stage>),
    /// These registry units.
    Units(Vec<S>),
    /// Units that passed an inspection at `level` this year (of `title`, default the award's).
    Inspected {
        level: Level,
        #[serde(default)]
        title: Option<S>,
    },
}

/// A stage on the way to a title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Applied (申报), not yet recommended.
    Applied,
    /// Recommended (初评推荐), not yet inspected.
    Recommended,
    /// Passed the inspection (检查验收 通过), not yet named.
    InspectionPassed,
}

impl Stage {
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Applied => "已申报待推荐",
            Stage::Recommended => "已推荐待验收",
            Stage::InspectionPassed => "验收通过待命名",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawGate {
    /// Grade at least `grade` in each of the last `years` years (this year included).
    GradeAtLeast { grade: S, years: Spanned<u32> },
    /// No veto in the last `years` years (findings count in the year they concern).
    NoVeto {
        years: Spanned<u32>,
        #[serde(default)]
        scope: VetoScope,
    },
    /// Passed an inspection at this level in this year, of the award's title or of `title`.
    InspectionPassed {
        level: Level,
        #[serde(default)]
        title: Option<S>,
    },
    /// Holds this title (after this year's earlier decisions).
    Holds { title: S },
    /// At least `percent` % of the registry units whose parent is the candidate hold `title`.
    ChildrenHold { title: S, percent: Spanned<Decimal> },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuota {
    #[serde(default)]
    pub per_year: Option<Spanned<u32>>,
    #[serde(default)]
    pub per_cycle: Option<RawCycle>,
}

/// At most `percent` % of the scorecard's units get the award within a cycle of `years`
/// years starting in `from` (then every `years` years).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCycle {
    pub percent: Spanned<Decimal>,
    pub years: Spanned<u32>,
    pub from: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawTie {
    /// More points on this line first.
    Line(S),
    /// Better rank in the peer group first.
    PeerRank,
    /// Earlier 申报 of the award's title first.
    AppliedEarlier,
}

/// A loaded policy: the raw rules (already checked for structure) and where it came from.
#[derive(Debug)]
pub struct Policy {
    pub file: String,
    pub raw: RawPolicy,
    /// (month, day) of decisions.
    pub decision_day: (u32, u32),
    /// Every rule id → its text, in file order.
    pub rules: Vec<(String, String)>,
}

impl Policy {
    pub fn rule_text(&self, id: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, t)| t.as_str())
    }
}

/// Load a policy file.
pub fn load_policy_file(path: &std::path::Path) -> Result<Policy, Diagnostics> {
    yaml::load_file(path, load_policy_str)
}

/// Load a policy from YAML text; `file` names it in diagnostics.
pub fn load_policy_str(file: &str, text: &str) -> Result<Policy, Diagnostics> {
    let raw: RawPolicy = yaml::parse(file, text)?;
    let mut sink = Sink::new(file);
    let decision_day = match &raw.decision_date {
        None => (12, 31),
        Some(d) => match parse_day(&d.value) {
            Some(x) => x,
            None => {
                sink.at(
                    d.referenced,
                    format!(
                        "decision_date must be a month and day `MM-DD` (e.g. `12-31`), found `{}`",
                        d.value
                    ),
                );
                (12, 31)
            }
        },
    };
    let mut rules: Vec<(String, String)> = Vec::new();
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    let mut add = |sink: &mut Sink, id: &S, text: &str| {
        if let Some(first) = seen.get(&id.value) {
            sink.at(
                id.referenced,
                format!(
                    "duplicate rule id `{}` (first at line {}): decisions cite rules by id",
                    id.value,
                    first.line()
                ),
            );
        } else {
            seen.insert(id.value.clone(), id.referenced);
            rules.push((id.value.clone(), text.to_string()));
        }
    };
    add(&mut sink, &raw.pass.id, &raw.pass.text);
    for r in &raw.veto_reach {
        add(&mut sink, &r.id, &r.text);
        if r.years.value == 0 {
            sink.at(
                r.years.referenced,
                "years must be at least 1 (the veto's own year)",
            );
        }
    }
    for r in &raw.retroactive {
        add(&mut sink, &r.id, &r.text);
        if r.findings.is_empty() {
            sink.at(
                r.id.referenced,
                "list the finding kinds this rule applies to",
            );
        }
    }
    if let Some(x) = &raw.exemption {
        add(&mut sink, &x.id, &x.text);
        if x.levels.is_empty() {
            sink.at(x.id.referenced, "list the inspection levels that exempt");
        }
    }
    if let Some(rv) = &raw.review {
        for r in &rv.rules {
            add(&mut sink, &r.id, &r.text);
            if let RawWhen::BelowGrade { years, .. } = &r.when.value
                && years.value == 0
            {
                sink.at(years.referenced, "years must be at least 1");
            }
        }
        if let Some(l) = &rv.lift_warning {
            add(&mut sink, &l.id, &l.text);
        }
    }
    for a in &raw.awards {
        add(&mut sink, &a.id, &a.text);
        check_award(a, &mut sink);
    }
    sink.finish()?;
    Ok(Policy {
        file: file.to_string(),
        raw,
        decision_day,
        rules,
    })
}

/// An award's event, years, gates and quota.
fn check_award(a: &RawAward, sink: &mut Sink) {
    if !matches!(
        a.event.value,
        EventKind::Apply | EventKind::Recommend | EventKind::Name
    ) {
        sink.at(
            a.event.referenced,
            format!(
                "an award adds 申报, 初评推荐 or 命名, not {}",
                a.event.value.zh()
            ),
        );
    }
    if let Some(y) = &a.years
        && let (Some(f), Some(t)) = (y.from, y.to)
        && f > t
    {
        sink.at(a.id.referenced, format!("years: from {f} is after to {t}"));
    }
    if let Some(c) = &a.cool_down_years
        && c.value == 0
    {
        sink.at(c.referenced, "cool_down_years must be at least 1");
    }
    for g in &a.gates {
        match &g.value {
            RawGate::GradeAtLeast { years, .. } | RawGate::NoVeto { years, .. }
                if years.value == 0 =>
            {
                sink.at(years.referenced, "years must be at least 1 (this year)");
            }
            RawGate::ChildrenHold { percent, .. }
                if percent.value < Decimal::ZERO || percent.value > Decimal::ONE_HUNDRED =>
            {
                sink.at(percent.referenced, "percent must be between 0 and 100");
            }
            _ => {}
        }
    }
    if let Some(q) = &a.quota {
        if let Some(c) = &q.per_cycle {
            if c.years.value == 0 {
                sink.at(c.years.referenced, "a cycle lasts at least 1 year");
            }
            if c.percent.value <= Decimal::ZERO || c.percent.value > Decimal::ONE_HUNDRED {
                sink.at(
                    c.percent.referenced,
                    "percent must be more than 0 and at most 100",
                );
            }
        }
        if q.per_year.is_none() && q.per_cycle.is_none() {
            sink.at(a.id.referenced, "quota: give per_year, per_cycle or both");
        }
    }
}

fn parse_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    // Valid in every year (29 February is not).
    chrono::NaiveDate::from_ymd_opt(2001, m, d)?;
    Some((m, d))
}

impl yaml::Recover for RawPolicy {
    /// Each award, veto reach, retroactive and review rule on its own.
    fn recover(r: &mut yaml::Recovery<'_>) {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Skeleton {
            awards: Items,
            veto_reach: Items,
            retroactive: Items,
            review: Option<SkReview>,
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct SkReview {
            rules: Items,
        }
        if let Some(sk) = r.skeleton::<Skeleton>() {
            r.items::<RawAward>(&sk.awards);
            r.items::<RawVetoReach>(&sk.veto_reach);
            r.items::<RawRetro>(&sk.retroactive);
            if let Some(rv) = &sk.review {
                r.items::<RawReviewRule>(&rv.rules);
            }
        }
    }
}
