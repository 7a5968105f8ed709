//! The validated, compiled indicator set the engine scores with.
//!
//! Built from [`crate::raw`] by [`crate::load`]; every reference is resolved to an index and
//! every expression is compiled to slots, so scoring does no string lookups.
//!
//! Slot layout of a scored unit's value vector (see [`Slots`]):
//! `[fields][case counts][derived][indicator points][bonus item points][line points][bonus][total]`.
//! Expressions in derived values and indicators see the first three parts; veto triggers see all.

pub mod choice;
pub mod reason_template;
pub mod uncertainty;

pub use choice::{FieldType, NaPolicy, OnMissing, StepCount, VetoMode};

use crate::expr::Compiled;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub label: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub name: String,
    pub ty: FieldType,
    pub unit: Option<String>,
    /// Decimals a value is shown with (padded with zeros, never rounded): `as_written`.
    pub decimals: Option<u32>,
    pub aliases: Vec<String>,
    pub help: Option<String>,
    pub on_missing: Option<OnMissing>,
    /// Evidence layers (indices into `IndicatorSet::layers`), highest priority first; empty when
    /// the field has a single value.
    pub layers: Vec<usize>,
    /// Slot of this field's first layer value (the others follow in `layers` order).
    pub layer_base: u32,
}

/// A statistical window (index 0 of `IndicatorSet::periods` is the effective period).
#[derive(Debug, Clone, Serialize)]
pub struct NamedPeriod {
    pub id: String,
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl NamedPeriod {
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.from && d <= self.to
    }
}

/// A phase of a time-weighted assessment (e.g. 日常 40 / 年终 60).
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub id: String,
    pub name: String,
    pub weight: Decimal,
}

/// Where the parts of a unit's value vector start, for one kind:
/// `[fields][layer values][case counts and amounts per window][derived]`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct KindLayout {
    pub layers: u32,
    pub cases: u32,
    /// Results of this kind's own assessment in the same run (`result.total` …), for
    /// descendant kinds scored by another set; see [`RESULT_NAMES`].
    pub results: u32,
    pub derived: u32,
    /// End of the base part (= start of what the engine adds).
    pub end: u32,
}

/// Names under which a descendant kind's own results (from another set in the same run) are
/// read, in slot order after `KindLayout::results`.
pub const RESULT_NAMES: [&str; 6] = [
    "result.total",
    "result.score",
    "result.rank",
    "result.grade_rank",
    "result.passed",
    "result.vetoed",
];

/// A value computed from history or from other units, allocated when an expression names it.
#[derive(Debug, Clone, Serialize)]
pub struct DynSlot {
    /// The name as written, e.g. `last.policy_rate`.
    pub name: String,
    pub kind: DynKind,
}

#[derive(Debug, Clone, Serialize)]
pub enum DynKind {
    /// A value from an earlier scorecard: 1 = last year, 2 = the year before. `key` is a field or
    /// derived id, or `total`, `score`, `rank`.
    Last { years: u8, key: String },
    /// Mean of this year's value and the last two years' (those present): 近三年平均.
    Mean3 { cur: u32, last: u32, last2: u32 },
    /// This year's value minus last year's.
    Change { cur: u32, last: u32 },
    /// A statistic of this year's value over the scored units that have it: those of the same
    /// peer group (`peer_mean.x` …, `peer: true`) or all of them (`all_mean.x`, 全省平均 …).
    Across { cur: u32, peer: bool, stat: Stat },
}

/// What `peer_*.x` / `all_*.x` compute over the units that have a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stat {
    /// `*_mean.x`: the mean.
    Mean,
    /// `*_min.x`: the lowest value (最优 when lower is better).
    Min,
    /// `*_max.x`: the highest value (最优指标, "与最优指标之差").
    Max,
    /// `*_rank.x`: this unit's competition rank by the value, highest first (1 = the highest,
    /// ties share a rank: "前三名加分" is `all_rank.x <= 3`); unknown when its own value is.
    Rank,
}

impl Stat {
    /// The statistic of a name prefix: `peer_mean` → (true, Mean).
    pub fn of_prefix(prefix: &str) -> Option<(bool, Stat)> {
        let (scope, stat) = prefix.split_once('_')?;
        let peer = match scope {
            "peer" => true,
            "all" => false,
            _ => return None,
        };
        let stat = match stat {
            "mean" => Stat::Mean,
            "min" => Stat::Min,
            "max" => Stat::Max,
            "rank" => Stat::Rank,
            _ => return None,
        };
        Some((peer, stat))
    }
}

#[derive(Debug, Clone)]
pub struct Derived {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// Decimals the value is shown with (padded with zeros, never rounded).
    pub decimals: Option<u32>,
    pub expr: Compiled,
}

/// A kind of unit: the scored kind (index 0 in [`IndicatorSet::kinds`]) or a descendant kind.
#[derive(Debug, Clone)]
pub struct Kind {
    pub id: String,
    pub name: String,
    pub fields: Vec<Field>,
    /// Derived values in declaration order; slot = fields + case types + position.
    pub derived: Vec<Derived>,
    /// Indices into `derived` in evaluation (topological) order.
    pub eval_order: Vec<usize>,
    pub layout: KindLayout,
}

impl Kind {
    /// Slot of the count (or amount) of cases of type `t` in window `p`.
    pub fn case_slot(&self, n_types: usize, p: usize, t: usize, amount: bool) -> u32 {
        let i = (p * n_types + t) * 2 + usize::from(amount);
        self.layout.cases + u32::try_from(i).unwrap_or(u32::MAX)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub id: String,
    pub name: String,
    pub max: Decimal,
    /// Grades used when lines are graded separately.
    pub grades: Vec<Grade>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    Sum,
    /// Weights by line index.
    Weighted(Vec<Decimal>),
    Separate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub name: String,
    pub lead: Option<String>,
    pub office: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    pub label: String,
    /// Inclusive lower bound; `None` for the lowest grade.
    pub min: Option<Decimal>,
}

/// What an indicator reads.
#[derive(Debug, Clone)]
pub enum Input {
    /// A field or derived value (or any expression).
    Expr(Compiled),
    /// The case ledger (per-case rules).
    Cases,
    /// A list of yes/no slots (checklists).
    Checklist(Vec<u32>),
    /// Nothing (formula rules read through their own expression).
    None,
}

pub use crate::rules::Rule;
pub use crate::rules::deduct::Deduct;
pub use crate::rules::level_progress::LevelProgress;
pub use crate::rules::per_case::PerCase;
pub use crate::rules::steps::StepRow;

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    /// Line index (bonus items: the line they add to, if any).
    pub line: Option<usize>,
    pub section: Option<usize>,
    pub max: Decimal,
    /// (class index, max) overrides.
    pub max_by_class: Vec<(usize, Decimal)>,
    /// Class applicability: `None` = all classes.
    pub applies: Option<Vec<bool>>,
    pub na_policy: NaPolicy,
    pub on_missing: OnMissing,
    /// Whether the indicator wrote its own `on_missing`; when it did not, a missing field's
    /// own `on_missing` decides (the strictest of the missing fields'), then the set's.
    pub on_missing_explicit: bool,
    pub input: Input,
    pub rule: Rule,
    pub floor: Option<Decimal>,
    /// Statistical window (index into `IndicatorSet::periods`).
    pub period: usize,
    pub zero_if: Option<Compiled>,
    /// Rule parameters taken from each unit's evidence (per-unit targets, band edges,
    /// thresholds); empty when every parameter is a number.
    pub params: Vec<DynParam>,
    pub zero_reason: Option<String>,
    pub office_lead: Option<String>,
    pub office_responsible: Option<String>,
    pub text: String,
    pub source: Option<String>,
    /// Display unit of the value read (%, ‰, 人), from the field or derived value.
    pub value_unit: Option<String>,
    /// What reasons call the value read, when the set names it (`value_name`).
    pub value_name: Option<String>,
    /// The set's own reason for a scored item (`reason:`), replacing the generated one.
    pub reason: Option<std::sync::Arc<reason_template::ReasonTemplate>>,
}

/// A rule parameter taken from each unit's evidence: a per-unit target, band edge or threshold.
#[derive(Debug, Clone)]
pub struct DynParam {
    /// The parameter's path in the rule (`target`, `low`, `within.target`).
    pub path: String,
    pub expr: Compiled,
    /// The words reasons use for it ("本村目标"); default from the parameter's kind.
    pub label: Option<String>,
}

impl Indicator {
    /// The maximum for a unit of the given class.
    pub fn max_for(&self, class: Option<usize>) -> Decimal {
        class
            .and_then(|c| {
                self.max_by_class
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map(|(_, m)| *m)
            })
            .unwrap_or(self.max)
    }
    /// Whether the indicator applies to a unit of the given class.
    pub fn applies_to(&self, class: Option<usize>) -> bool {
        match (&self.applies, class) {
            (None, _) => true,
            (Some(mask), Some(c)) => mask.get(c).copied().unwrap_or(false),
            // A unit without a class: only items that apply to every class.
            (Some(mask), None) => mask.iter().all(|b| *b),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bonus {
    pub cap: Option<Decimal>,
    pub items: Vec<Indicator>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "line")]
pub enum Scope {
    Unit,
    Line(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "grade")]
pub enum Effect {
    Fail,
    /// Grade index (into the scope's grade list) the result is capped at.
    Cap(usize),
    Zero,
}

#[derive(Debug, Clone)]
pub struct Veto {
    pub id: String,
    pub name: String,
    pub when: Compiled,
    pub scope: Scope,
    pub effect: Effect,
    pub mode: VetoMode,
    pub reason: String,
    pub source: Option<String>,
}

/// Where each part of a scored unit's value vector starts: the kind's base layout
/// (fields, layers, cases, derived), then scores, then values from history and other units.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Slots {
    pub fields: u32,
    pub layers: u32,
    pub cases: u32,
    pub derived: u32,
    pub points: u32,
    pub bonus_items: u32,
    pub lines: u32,
    pub bonus: u32,
    pub total: u32,
    /// First slot of [`IndicatorSet::dynamic`].
    pub dynamic: u32,
    pub len: u32,
}

/// A validated, compiled indicator set.
#[derive(Debug, Clone)]
pub struct IndicatorSet {
    pub id: String,
    pub name: String,
    pub version: String,
    pub effective: Period,
    /// Content hash (SHA-256 of the file's bytes, hex).
    pub hash: String,
    /// The file the set was read from, as given.
    pub file: String,
    pub scale: Decimal,
    /// A set of vetoes alone (一票否决办法): no lines, indicators or grades; each unit's
    /// outcome is 通过, 否决 or pending, with no total and no rank.
    pub veto_only: bool,
    pub rounding: u32,
    /// `kinds[0]` is the scored kind; the rest are descendant kinds for aggregation.
    pub kinds: Vec<Kind>,
    pub classes: Vec<Named>,
    pub peer_groups: Vec<Named>,
    pub case_types: Vec<Named>,
    pub layers: Vec<Named>,
    /// Statistical windows; index 0 is the effective period.
    pub periods: Vec<NamedPeriod>,
    /// Phases of a time-weighted assessment (empty: one assessment).
    pub phases: Vec<Phase>,
    /// Values from history and other units, in slot order from `slots.dynamic`.
    pub dynamic: Vec<DynSlot>,
    pub lines: Vec<Line>,
    pub combine: Combine,
    pub sections: Vec<Section>,
    pub indicators: Vec<Indicator>,
    pub bonus: Option<Bonus>,
    pub vetoes: Vec<Veto>,
    pub grades: Vec<Grade>,
    pub slots: Slots,
    /// Evidence column names the set declares for a unit's name, parent and class.
    pub identity: IdentityColumns,
    /// How sure the figures and weights are (`uncertainty:`; empty by default).
    pub uncertainty: uncertainty::Uncertainty,
}

/// Column names a set accepts for a unit's identity, beside the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityColumns {
    pub name: Vec<String>,
    pub parent: Vec<String>,
    pub class: Vec<String>,
}

impl IndicatorSet {
    pub fn unit_kind(&self) -> &Kind {
        &self.kinds[0]
    }

    /// Human name of any slot of a scored unit: (id, display name, unit of measure).
    pub fn slot_name(&self, slot: u32) -> (String, String, Option<String>) {
        let s = &self.slots;
        let k = self.unit_kind();
        let i = slot as usize;
        let at = |base: u32| i - base as usize;
        if slot < s.layers {
            let f = &k.fields[at(s.fields)];
            (f.id.clone(), f.name.clone(), f.unit.clone())
        } else if slot < s.cases {
            for f in &k.fields {
                let n = f.layers.len() as u32;
                if n > 0 && slot >= f.layer_base && slot < f.layer_base + n {
                    let l = &self.layers[f.layers[(slot - f.layer_base) as usize]];
                    return (
                        format!("{}.{}", f.id, l.id),
                        format!("{}({})", f.name, l.name),
                        f.unit.clone(),
                    );
                }
            }
            (format!("slot{slot}"), String::new(), None)
        } else if slot < s.derived {
            let n = self.case_types.len().max(1);
            let j = at(s.cases);
            let (p, t, amount) = (j / 2 / n, (j / 2) % n, j % 2 == 1);
            let c = &self.case_types[t.min(self.case_types.len().saturating_sub(1))];
            let window = if p == 0 {
                String::new()
            } else {
                self.periods
                    .get(p)
                    .map(|x| format!("({})", x.name))
                    .unwrap_or_default()
            };
            if amount {
                (
                    format!("amount.{}", c.id),
                    format!("{}金额{window}", c.name),
                    None,
                )
            } else {
                (
                    format!("cases.{}", c.id),
                    format!("{}(例){window}", c.name),
                    Some("例".into()),
                )
            }
        } else if slot < s.points {
            let d = &k.derived[at(s.derived)];
            (d.id.clone(), d.name.clone(), d.unit.clone())
        } else if slot < s.bonus_items {
            let ind = &self.indicators[at(s.points)];
            (
                format!("points.{}", ind.id),
                format!("{}得分", ind.name),
                Some("分".into()),
            )
        } else if slot < s.lines {
            match self
                .bonus
                .as_ref()
                .and_then(|b| b.items.get(at(s.bonus_items)))
            {
                Some(b) => (
                    format!("points.{}", b.id),
                    format!("{}得分", b.name),
                    Some("分".into()),
                ),
                None => (format!("slot{slot}"), String::new(), None),
            }
        } else if slot < s.bonus {
            let l = &self.lines[at(s.lines)];
            (
                format!("line.{}", l.id),
                format!("{}得分", l.name),
                Some("分".into()),
            )
        } else if slot == s.bonus {
            ("bonus".into(), "加分".into(), Some("分".into()))
        } else if slot == s.total {
            ("total".into(), "总分".into(), Some("分".into()))
        } else {
            match self.dynamic.get(at(s.dynamic)) {
                Some(d) => {
                    // The key by its display name: 比上年变化符合政策生育率, not …policy_rate.
                    let kind = self.kinds.first();
                    let key = d.name.split_once('.').map_or("", |x| x.1);
                    let (shown, unit) = kind
                        .and_then(|k| {
                            k.fields
                                .iter()
                                .find(|f| f.id == key)
                                .map(|f| (f.name.as_str(), f.unit.clone()))
                                .or_else(|| {
                                    k.derived
                                        .iter()
                                        .find(|x| x.id == key)
                                        .map(|x| (x.name.as_str(), x.unit.clone()))
                                })
                        })
                        .unwrap_or((key, None));
                    // A rank is a place, not the value's quantity; a change of a rate is in
                    // points of the rate, said with the same unit.
                    let unit = if d.name.contains("_rank.") {
                        None
                    } else if d.name.starts_with("change.") {
                        unit.map(|u| crate::rules::diff_unit(Some(&u)))
                    } else {
                        unit
                    };
                    (d.name.clone(), dyn_display(&d.name, shown), unit)
                }
                None => (format!("slot{slot}"), String::new(), None),
            }
        }
    }
}

/// Chinese display name of a history or comparative name such as `last.policy_rate`.
fn dyn_display(name: &str, rest: &str) -> String {
    let prefix = name.split_once('.').map_or(name, |x| x.0);
    let label = match prefix {
        "last" => "上年",
        "last2" => "前年",
        "mean3" => "近三年平均",
        "change" => "比上年变化",
        "peer_mean" => "同组平均",
        "all_mean" => "全体平均",
        "peer_min" => "同组最低",
        "peer_max" => "同组最高",
        "peer_rank" => "同组排位",
        "all_min" => "全体最低",
        "all_max" => "全体最高",
        "all_rank" => "全体排位",
        _ => "",
    };
    format!("{label}{rest}")
}

/// A number as the set says it is written: trailing zeros dropped, then padded to `decimals`
/// when the set gives them (`0.95` with 3 → `0.950`). The value is never rounded: a value with
/// more decimals than declared keeps them. Every reader (YAML, CSV, workbooks) gives the same.
pub fn as_written(d: rust_decimal::Decimal, decimals: Option<u32>) -> rust_decimal::Decimal {
    let mut d = d.normalize();
    if let Some(n) = decimals
        && d.scale() < n
        && n <= 6
    {
        d.rescale(n);
    }
    d
}

/// A value as the set says it is shown: [`as_written`] for a number, anything else as it is.
/// Every reader and derived values go through it, so all show the same.
pub fn val_as_written(v: crate::expr::Val, decimals: Option<u32>) -> crate::expr::Val {
    match v {
        crate::expr::Val::Num(d) => crate::expr::Val::Num(as_written(d, decimals)),
        other => other,
    }
}
