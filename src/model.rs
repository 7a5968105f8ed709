//! The validated, compiled indicator set the engine scores with.
//!
//! Built from [`crate::raw`] by [`crate::load`]; every reference is resolved to an index and
//! every expression is compiled to slots, so scoring does no string lookups.
//!
//! Slot layout of a scored unit's value vector (see [`Slots`]):
//! `[fields][case counts][derived][indicator points][bonus item points][line points][bonus][total]`.
//! Expressions in derived values and indicators see the first three parts; veto triggers see all.

use crate::expr::Compiled;
use crate::raw::{FieldType, NaPolicy, OnMissing, StepCount, VetoMode};
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
    pub aliases: Vec<String>,
    pub help: Option<String>,
    pub on_missing: Option<OnMissing>,
}

#[derive(Debug, Clone)]
pub struct Derived {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
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
}

impl Kind {
    /// Number of slots a unit of this kind has before scores.
    pub fn base_slots(&self, case_types: usize) -> usize {
        self.fields.len() + case_types + self.derived.len()
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

#[derive(Debug, Clone)]
pub enum Rule {
    Binary {
        min: Option<Decimal>,
        max: Option<Decimal>,
        is: Option<bool>,
        otherwise: Decimal,
    },
    DeductBelow(Deduct),
    DeductAbove(Deduct),
    Threshold {
        zero_above: Option<Decimal>,
        zero_below: Option<Decimal>,
        inclusive: bool,
        within: Option<Box<Rule>>,
    },
    Band {
        low: Decimal,
        high: Decimal,
        low_inclusive: bool,
        high_inclusive: bool,
    },
    Proportional {
        target: Decimal,
    },
    Interpolate {
        full_at: Decimal,
        zero_at: Decimal,
    },
    BonusAbove {
        target: Decimal,
        per: Decimal,
        add: Decimal,
        deduct: Decimal,
        extra_cap: Decimal,
        count: StepCount,
    },
    PerCase(PerCase),
    Checklist {
        per_missing: Decimal,
    },
    Steps {
        rows: Vec<StepRow>,
        otherwise: Decimal,
    },
    PerCount {
        per: Decimal,
        points: Decimal,
    },
    Fraction,
    Formula(Compiled),
}

#[derive(Debug, Clone)]
pub struct Deduct {
    pub target: Decimal,
    pub per: Decimal,
    pub points: Decimal,
    pub count: StepCount,
    pub base: Decimal,
}

#[derive(Debug, Clone)]
pub struct PerCase {
    /// Case-type indices counted.
    pub case_types: Vec<usize>,
    pub points: Decimal,
    pub escalate: Decimal,
    pub base_severity: u32,
    /// (finder label, multiplier)
    pub finder_multiplier: Vec<(String, Decimal)>,
    pub self_report_amnesty: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub min: Option<Decimal>,
    pub below: Option<Decimal>,
    pub points: Decimal,
}

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
    pub input: Input,
    pub rule: Rule,
    pub floor: Option<Decimal>,
    pub zero_if: Option<Compiled>,
    pub zero_reason: Option<String>,
    pub office_lead: Option<String>,
    pub office_responsible: Option<String>,
    pub text: String,
    pub source: Option<String>,
    /// Display unit of the value read (%, ‰, 人), from the field or derived value.
    pub value_unit: Option<String>,
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

/// Where each part of a scored unit's value vector starts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Slots {
    pub fields: u32,
    pub cases: u32,
    pub derived: u32,
    pub points: u32,
    pub bonus_items: u32,
    pub lines: u32,
    pub bonus: u32,
    pub total: u32,
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
    pub rounding: u32,
    /// `kinds[0]` is the scored kind; the rest are descendant kinds for aggregation.
    pub kinds: Vec<Kind>,
    pub classes: Vec<Named>,
    pub peer_groups: Vec<Named>,
    pub case_types: Vec<Named>,
    pub lines: Vec<Line>,
    pub combine: Combine,
    pub sections: Vec<Section>,
    pub indicators: Vec<Indicator>,
    pub bonus: Option<Bonus>,
    pub vetoes: Vec<Veto>,
    pub grades: Vec<Grade>,
    pub slots: Slots,
}

impl IndicatorSet {
    pub fn unit_kind(&self) -> &Kind {
        &self.kinds[0]
    }

    /// Human name of any slot of a scored unit (for "inputs read" and veto evidence).
    pub fn slot_name(&self, slot: u32) -> (String, String, Option<String>) {
        let s = &self.slots;
        let k = self.unit_kind();
        let i = slot as usize;
        let at = |base: u32| i - base as usize;
        if slot < s.cases {
            let f = &k.fields[at(s.fields)];
            (f.id.clone(), f.name.clone(), f.unit.clone())
        } else if slot < s.derived {
            let c = &self.case_types[at(s.cases)];
            (
                format!("cases.{}", c.id),
                format!("{}(例)", c.name),
                Some("例".into()),
            )
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
            let b = self.bonus.as_ref().map(|b| &b.items[at(s.bonus_items)]);
            match b {
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
        } else {
            ("total".into(), "总分".into(), Some("分".into()))
        }
    }
}
