//! Rule shapes: one file per shape, each owning everything about it.
//!
//! A shape file holds the shape's parameters, its points as a structured [`Trace`] (the numbers
//! of each step, no text), its inverse (the least value needed for a number of points, see
//! [`Need`]), its point ladder (the raw points it can give) and the renderers of its trace:
//! the one-line reason and the step-by-step lines of `kaohe explain`. The shared finish —
//! clamp to the maximum (plus any extra the shape allows), raise to the item's floor, round
//! once — is [`finish`], used by scoring, explaining and the self-assessment alike.
//!
//! Value shapes score one value the indicator reads; the other four (`checklist`, `per_case`,
//! `formula`, `level_progress`) read several slots or the case ledger and are scored by the
//! engine with the helpers in their files. Every `match` over [`Rule`] is here and exhaustive:
//! adding a shape is a new file, its line in each list below, its docs section and its cases.

pub mod band;
pub mod binary;
pub mod bonus_above;
pub mod checklist;
pub mod deduct;
pub mod deductions;
pub mod formula;
pub mod fraction;
pub mod interpolate;
pub mod kernel;
pub mod level_progress;
pub mod need;
pub mod per_case;
pub mod per_count;
pub mod proportional;
pub mod steps;
pub mod threshold;

#[cfg(test)]
mod tests;

pub use need::{Bound, Need};

use crate::expr::Val;
use crate::expr::fast::FxVal;
use crate::fx::Fx;
pub use crate::lang::Lang;
use crate::num::{grouped, round_points, show, show_dp, show_written};
use rust_decimal::Decimal;

/// A compiled rule: one variant per shape.
#[derive(Debug, Clone)]
pub enum Rule {
    Binary(binary::Binary),
    /// `deduct_below` and `deduct_above` (the side is a parameter).
    Deduct(deduct::Deduct),
    Threshold(threshold::Threshold),
    Band(band::Band),
    Proportional(proportional::Proportional),
    Interpolate(interpolate::Interpolate),
    BonusAbove(bonus_above::BonusAbove),
    PerCase(per_case::PerCase),
    Checklist(checklist::Checklist),
    Steps(steps::Steps),
    PerCount(per_count::PerCount),
    Fraction(fraction::Fraction),
    Formula(formula::Formula),
    LevelProgress(Box<level_progress::LevelProgress>),
    /// Several deduction clauses sharing one maximum and floor.
    Deductions(Box<deductions::Deductions>),
}

/// What a shape reads: one value, a list of yes/no items, the case ledger, or expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// One value (a field, derived value or expression), scored by a [`Trace`].
    Value,
    /// Yes/no items.
    Checklist,
    /// The case ledger.
    Cases,
    /// Points given by an expression.
    Formula,
    /// Level and progress rates.
    LevelProgress,
}

/// The computation of a value shape on one value: the numbers of each step.
#[derive(Debug, Clone)]
pub enum Trace<'r> {
    Binary(binary::Trace<'r>),
    Deduct(deduct::Trace<'r>),
    Threshold(threshold::Trace<'r>),
    Band(band::Trace<'r>),
    Proportional(proportional::Trace<'r>),
    Interpolate(interpolate::Trace<'r>),
    BonusAbove(bonus_above::Trace<'r>),
    Steps(steps::Trace<'r>),
    PerCount(per_count::Trace<'r>),
    Fraction(fraction::Trace),
    /// A yes/no value given to a shape that needs a number.
    NeedsNumber,
    /// Not a value shape (checklist, per-case, formula, level-progress).
    NotValueRule,
}

/// Raw points of a value shape: before the shared [`finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw {
    pub points: Decimal,
    /// How far above the item's maximum the shape may go (bonus steps).
    pub extra: Decimal,
}

impl Raw {
    pub fn new(points: Decimal) -> Self {
        Self {
            points,
            extra: Decimal::ZERO,
        }
    }
}

/// What renders a trace needs besides the numbers: the value's name and unit of measure, and
/// this unit's maximum for the item.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub name: &'a str,
    pub unit: Option<&'a str>,
    pub max: Decimal,
    /// The item's floor; `None` for a negative item without one (a reason then does not say
    /// 扣完为止).
    pub floor: Option<Decimal>,
    /// What the reason calls the rule's target: 目标, or the words for a per-unit target
    /// ("本村目标"); in English [`TARGET_EN`] or the set's words.
    pub target: &'a str,
    /// The language of the words (names and units stay as the set writes them).
    pub lang: Lang,
}

/// What a reason calls a target given as a number.
pub const TARGET: &str = "目标";
/// What an English reason calls a target given as a number.
pub const TARGET_EN: &str = "the target";

/// What a reason calls a target given as a number, in `lang`.
pub fn target_word(lang: Lang) -> &'static str {
    lang.pick(TARGET, TARGET_EN)
}

impl Ctx<'_> {
    /// A value with the unit of measure.
    pub fn fv(&self, d: Decimal) -> String {
        fmt_val(&Val::Num(d), self.unit)
    }
    /// The unit in which a difference of the value is spoken.
    pub fn du(&self) -> String {
        diff_unit(self.unit)
    }
    /// English: a difference of the value with its unit ("2 percentage points", "1
    /// percentage point", "3人", "0.5").
    pub fn gap_en(&self, d: Decimal) -> String {
        let n = s(d);
        match self.unit {
            Some("%") => format!("{n} percentage {}", plural(d, "point", "points")),
            Some("‰") => format!("{n} per-mille {}", plural(d, "point", "points")),
            Some(u) => format!("{n}{u}"),
            None => n,
        }
    }
    /// English: a value yes/no or with its unit.
    pub fn fv_en(&self, v: &Val) -> String {
        fmt_val_in(v, self.unit, Lang::En)
    }
}

/// [`fmt_val`] in `lang`: a yes/no value is "yes"/"no" in English; numbers alike.
pub fn fmt_val_in(v: &Val, unit: Option<&str>, lang: Lang) -> String {
    match (v, lang) {
        (Val::Bool(b), Lang::En) => (if *b { "yes" } else { "no" }).into(),
        // A count of cases (`cases.TYPE`, unit 例).
        (Val::Num(d), Lang::En) if unit == Some("例") => {
            format!("{} {}", s(*d), plural(*d, "case", "cases"))
        }
        _ => fmt_val(v, unit),
    }
}

/// English: `one` when `d` is exactly 1, else `many` ("1 point", "0.5 points", "2 points").
pub(crate) fn plural<'a>(d: Decimal, one: &'a str, many: &'a str) -> &'a str {
    if d.abs() == Decimal::ONE { one } else { many }
}

/// English: a number of points ("1 point", "2.5 points").
pub(crate) fn pts_en(d: Decimal) -> String {
    format!("{} {}", s(d), plural(d, "point", "points"))
}

/// English: "full marks (10 points)"; for an item of maximum 0 "0 points".
pub(crate) fn full_marks_en(max: Decimal) -> String {
    if max.is_zero() {
        "0 points".to_string()
    } else {
        format!("full marks ({})", pts_en(max))
    }
}

/// English: what 扣完为止 says in a reason, with the item's floor (" (floor 0)"); nothing
/// for a negative item without one.
pub(crate) fn floor_en(floor: Option<Decimal>) -> String {
    floor.map_or_else(String::new, |f| format!(" (floor {})", s(f)))
}

/// English: the text with its first letter in capitals (a sentence's start).
pub fn capitalised(t: &str) -> String {
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// English: a count of things ("1 case", "3 cases").
pub(crate) fn count_en(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Display a value with its unit of measure for people: as written when it has at most 4
/// decimals (`0.950` stays `0.950`), otherwise to 4 decimals, 四舍五入; a whole part of five
/// digits or more grouped by threes (`3,345,000人`, [`crate::num::grouped`]).
pub fn fmt_val(v: &Val, unit: Option<&str>) -> String {
    match v {
        Val::Bool(true) => "是".into(),
        Val::Bool(false) => "否".into(),
        Val::Num(d) => format!("{}{}", grouped(&show_written(*d, 4)), unit.unwrap_or("")),
    }
}

/// [`fmt_val`] without digit grouping, for machine outputs (the scorecard JSON's `value`s).
pub fn fmt_val_plain(v: &Val, unit: Option<&str>) -> String {
    match v {
        Val::Num(d) => format!("{}{}", show_written(*d, 4), unit.unwrap_or("")),
        Val::Bool(_) => fmt_val(v, unit),
    }
}

/// The unit in which a difference of this value is spoken ("个百分点" for %).
pub fn diff_unit(unit: Option<&str>) -> String {
    match unit {
        Some("%") => "个百分点".into(),
        Some("‰") => "个千分点".into(),
        Some(u) => u.into(),
        None => String::new(),
    }
}

/// [`diff_unit`] in `lang`, for a difference `d` (English: " percentage points", " cases").
pub fn diff_unit_in(unit: Option<&str>, d: Decimal, lang: Lang) -> String {
    match (unit, lang) {
        (_, Lang::Zh) => diff_unit(unit),
        (Some("%"), Lang::En) => format!(" percentage {}", plural(d, "point", "points")),
        (Some("‰"), Lang::En) => format!(" per-mille {}", plural(d, "point", "points")),
        (Some("例"), Lang::En) => format!(" {}", plural(d, "case", "cases")),
        (Some(u), Lang::En) => u.into(),
        (None, Lang::En) => String::new(),
    }
}

/// Points to 2 decimals for explanations.
pub(crate) fn p2(d: Decimal) -> String {
    grouped(&show_dp(d, 2))
}

/// What a shape says about itself. Each shape file implements it; the defaults fit a shape
/// that is not scored from one value, so a value shape overrides `trace_num` and its inverse.
pub trait Shape {
    /// The shape's name as written in the YAML.
    fn name(&self) -> &'static str;
    /// What the shape reads.
    fn family(&self) -> Family {
        Family::Value
    }
    /// Apply the shape to a number; `max` is this unit's maximum for the item.
    fn trace_num(&self, _v: Decimal, _max: Decimal) -> Trace<'_> {
        Trace::NotValueRule
    }
    /// A number's raw points in filtered arithmetic ([`crate::fx`]): those of
    /// [`Shape::trace_num`] when every decision on the way can be taken; `None` leaves the
    /// value to the exact path (and is the answer of every shape that does not have one).
    fn fx_num(&self, _v: Fx, _max: Fx) -> Option<Fx> {
        None
    }
    /// [`Shape::fx_num`] for a yes/no value.
    fn fx_flag(&self, _b: bool, _max: Fx) -> Option<Fx> {
        None
    }
    /// The shape's [`kernel::Kernel`] for a set rounding to `dp` places: its parameters taken
    /// out of `Decimal` once; `None` for a shape without one or parameters it cannot hold.
    fn kernel(&self, _dp: u32) -> Option<Box<dyn kernel::Kernel>> {
        None
    }
    /// Apply the shape to a yes/no value.
    fn trace_flag(&self, _b: bool, _max: Decimal) -> Trace<'_> {
        match self.family() {
            Family::Value => Trace::NeedsNumber,
            Family::Checklist | Family::Cases | Family::Formula | Family::LevelProgress => {
                Trace::NotValueRule
            }
        }
    }
    /// The least requirement on the value for at least `target` raw points.
    fn need(&self, _max: Decimal, _target: Decimal) -> Option<Need> {
        None
    }
    /// The raw points the shape can give (continuous shapes give their ends: by default a
    /// value shape scores from 0 to its maximum).
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        match self.family() {
            Family::Value => Some(vec![Decimal::ZERO, max]),
            Family::Checklist | Family::Cases | Family::Formula | Family::LevelProgress => None,
        }
    }
    /// The most points the shape can give.
    fn top(&self, max: Decimal) -> Decimal {
        max
    }
    /// Whether points move smoothly with the value.
    fn continuous(&self) -> bool {
        false
    }
    /// How fast the points of a smooth shape move.
    fn rate(&self, _max: Decimal) -> Option<Rate> {
        None
    }
    /// The case types a per-case shape counts.
    fn case_types(&self) -> &[usize] {
        &[]
    }
    /// The slots the shape's own expressions read.
    fn expr_slots(&self) -> Vec<u32> {
        Vec::new()
    }
    /// A parameter on the value's axis by its path (`target`, `low`, `within.target`), for
    /// per-unit parameters; `None` when the shape has no such parameter.
    fn param_mut(&mut self, _name: &str) -> Option<&mut Decimal> {
        None
    }
}

impl Rule {
    /// The shape behind the rule: the one list of shapes every question goes through.
    pub fn as_shape(&self) -> &dyn Shape {
        match self {
            Rule::Binary(r) => r,
            Rule::Deduct(r) => r,
            Rule::Threshold(r) => r,
            Rule::Band(r) => r,
            Rule::Proportional(r) => r,
            Rule::Interpolate(r) => r,
            Rule::BonusAbove(r) => r,
            Rule::PerCase(r) => r,
            Rule::Checklist(r) => r,
            Rule::Steps(r) => r,
            Rule::PerCount(r) => r,
            Rule::Fraction(r) => r,
            Rule::Formula(r) => r,
            Rule::LevelProgress(r) => r.as_ref(),
            Rule::Deductions(r) => r.as_ref(),
        }
    }

    /// The shape behind the rule, to set a parameter.
    fn as_shape_mut(&mut self) -> &mut dyn Shape {
        match self {
            Rule::Binary(r) => r,
            Rule::Deduct(r) => r,
            Rule::Threshold(r) => r,
            Rule::Band(r) => r,
            Rule::Proportional(r) => r,
            Rule::Interpolate(r) => r,
            Rule::BonusAbove(r) => r,
            Rule::PerCase(r) => r,
            Rule::Checklist(r) => r,
            Rule::Steps(r) => r,
            Rule::PerCount(r) => r,
            Rule::Fraction(r) => r,
            Rule::Formula(r) => r,
            Rule::LevelProgress(r) => r.as_mut(),
            Rule::Deductions(r) => r.as_mut(),
        }
    }

    /// A parameter on the value's axis by its path (see [`Shape::param_mut`]).
    pub fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        self.as_shape_mut().param_mut(name)
    }

    /// The rule with its per-unit parameters set to one unit's values (`paths` and `values`
    /// in the same order); the rule itself when it has none.
    pub fn with_params<'a>(
        &'a self,
        paths: impl IntoIterator<Item = &'a str>,
        values: &[Decimal],
    ) -> std::borrow::Cow<'a, Rule> {
        if values.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut rule = self.clone();
        for (path, v) in paths.into_iter().zip(values) {
            if let Some(p) = rule.param_mut(path) {
                *p = *v;
            }
        }
        std::borrow::Cow::Owned(rule)
    }

    /// The shape's name as written in the YAML.
    pub fn shape(&self) -> &'static str {
        self.as_shape().name()
    }

    /// The case types a per-case shape counts (none for other shapes).
    pub fn case_types(&self) -> &[usize] {
        self.as_shape().case_types()
    }

    /// The slots the shape's own expressions read (formula, level-progress), sorted.
    pub fn expr_slots(&self) -> Vec<u32> {
        let mut v = self.as_shape().expr_slots();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// What the shape reads and how it is scored.
    pub fn family(&self) -> Family {
        self.as_shape().family()
    }

    /// Apply a value shape to a value; `max` is this unit's maximum for the item.
    pub fn trace(&self, v: Val, max: Decimal) -> Trace<'_> {
        match v {
            Val::Num(d) => self.as_shape().trace_num(d, max),
            Val::Bool(b) => self.as_shape().trace_flag(b, max),
        }
    }

    /// [`Rule::raw`] in filtered arithmetic ([`Shape::fx_num`]): `None` when not decided
    /// here (an absent value included).
    pub fn raw_fx(&self, v: FxVal, max: Fx) -> Option<Fx> {
        match v {
            FxVal::Num(x) => self.as_shape().fx_num(x, max),
            FxVal::Bool(b) => self.as_shape().fx_flag(b, max),
            FxVal::Absent => None,
        }
    }

    /// Raw points of a value shape for a value (`None` when it cannot score it).
    pub fn raw(&self, v: Val, max: Decimal) -> Option<Raw> {
        self.trace(v, max).raw()
    }

    /// The least requirement on the value for at least `target` points (before rounding);
    /// `None` when no value reaches it, the shape is not a value shape, or the values reaching
    /// it are not one range.
    pub fn need(&self, max: Decimal, floor: Option<Decimal>, target: Decimal) -> Option<Need> {
        if floor.is_some_and(|f| target <= f) {
            return Some(Need::Any);
        }
        self.as_shape().need(max, target)
    }

    /// Raw points the shape can give (continuous shapes give their ends); `None` for shapes
    /// that are not value shapes.
    pub fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        self.as_shape().candidates(max)
    }

    /// The most points the shape can give (its maximum plus any extra above it).
    pub fn top(&self, max: Decimal) -> Decimal {
        self.as_shape().top(max)
    }

    /// Whether points move smoothly with the value (any points between levels can be reached).
    pub fn continuous(&self) -> bool {
        self.as_shape().continuous()
    }

    /// For smooth shapes: a step of the value and the points it moves.
    pub fn rate(&self, max: Decimal) -> Option<Rate> {
        self.as_shape().rate(max)
    }
}

/// Names a rule's scoring standard needs besides the value's own (see [`Rule::describe`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    /// The yes/no items of a checklist, in order.
    pub items: &'a [String],
    /// The case types a per-case rule counts.
    pub cases: &'a [String],
}

impl Rule {
    /// The scoring standard (评分标准) of the rule in one sentence, in the words its
    /// reasons and explanations use (the same target, band, step-table and step-count phrases),
    /// for the handbook; in `c.lang`. `c` names the value read and holds the item's maximum.
    pub fn describe(&self, c: &Ctx<'_>, n: &Names<'_>) -> String {
        if c.lang.en() {
            return self.describe_en(c, n);
        }
        match self {
            Rule::Binary(r) => r.describe(c),
            Rule::Deduct(r) => r.describe(c),
            Rule::Threshold(r) => r.describe(c, n),
            Rule::Band(r) => r.describe(c),
            Rule::Proportional(r) => r.describe(c),
            Rule::Interpolate(r) => r.describe(c),
            Rule::BonusAbove(r) => r.describe(c),
            Rule::PerCase(r) => r.describe(n.cases, c.max),
            Rule::Checklist(r) => checklist::describe(r.per_missing, c.max, n.items),
            Rule::Steps(r) => r.describe(c),
            Rule::PerCount(r) => r.describe(c),
            Rule::Fraction(_) => fraction::describe(c),
            Rule::Formula(r) => r.describe(c.max),
            Rule::LevelProgress(r) => r.describe(c.max),
            Rule::Deductions(r) => {
                let clauses: Vec<String> = r
                    .clauses
                    .iter()
                    .map(|cl| {
                        let cc = Ctx {
                            name: &cl.name,
                            unit: cl.unit.as_deref(),
                            max: c.max,
                            floor: None,
                            target: TARGET,
                            lang: Lang::Zh,
                        };
                        match &cl.rule {
                            Rule::PerCase(p) => {
                                let d = p.describe(&cl.case_names, c.max);
                                // The clause's own words, without the item's "本项…扣完为止".
                                d.split(";本项").next().unwrap_or(&d).to_string()
                            }
                            rule => rule.describe(&cc, n),
                        }
                    })
                    .collect();
                r.describe(&clauses, c.max, c.floor.is_some())
            }
        }
    }
}

impl Rule {
    /// [`Rule::describe`] in English.
    fn describe_en(&self, c: &Ctx<'_>, n: &Names<'_>) -> String {
        match self {
            Rule::Binary(r) => r.describe(c),
            Rule::Deduct(r) => r.describe(c),
            Rule::Threshold(r) => r.describe(c, n),
            Rule::Band(r) => r.describe(c),
            Rule::Proportional(r) => r.describe(c),
            Rule::Interpolate(r) => r.describe(c),
            Rule::BonusAbove(r) => r.describe(c),
            Rule::PerCase(r) => format!(
                "{}; this item {}, until no points are left",
                r.describe_parts_en(n.cases),
                pts_en(c.max)
            ),
            Rule::Checklist(r) => checklist::describe_en(r.per_missing, c.max, n.items),
            Rule::Steps(r) => r.describe(c),
            Rule::PerCount(r) => r.describe(c),
            Rule::Fraction(_) => fraction::describe(c),
            Rule::Formula(r) => r.describe_en(c.max),
            Rule::LevelProgress(r) => r.describe_en(c.max),
            Rule::Deductions(r) => {
                let clauses: Vec<String> = r
                    .clauses
                    .iter()
                    .map(|cl| {
                        let cc = Ctx {
                            name: &cl.name,
                            unit: cl.unit.as_deref(),
                            max: c.max,
                            floor: None,
                            target: TARGET_EN,
                            lang: Lang::En,
                        };
                        match &cl.rule {
                            Rule::PerCase(p) => p.describe_parts_en(&cl.case_names),
                            rule => rule.describe(&cc, n),
                        }
                    })
                    .collect();
                r.describe_en(&clauses, c.max, c.floor.is_some())
            }
        }
    }
}

/// How fast a smooth shape's points move with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// `points` per `step` of the value; `up` when the value must rise.
    Per {
        step: Decimal,
        points: Decimal,
        up: bool,
        proportional: bool,
    },
    /// A coefficient: points per 0.1.
    Coefficient(Decimal),
}

impl Trace<'_> {
    /// Raw points (before [`finish`]); `None` when the shape could not score the value.
    pub fn raw(&self) -> Option<Raw> {
        Some(match self {
            Trace::Binary(t) => Raw::new(t.points()),
            Trace::Deduct(t) => return t.raw(),
            Trace::Threshold(t) => return t.raw(),
            Trace::Band(t) => Raw::new(t.points()),
            Trace::Proportional(t) => Raw::new(t.points()),
            Trace::Interpolate(t) => Raw::new(t.points()),
            Trace::BonusAbove(t) => return t.raw(),
            Trace::Steps(t) => Raw::new(t.points()),
            Trace::PerCount(t) => Raw::new(t.points()),
            Trace::Fraction(t) => Raw::new(t.points()),
            Trace::NeedsNumber | Trace::NotValueRule => return None,
        })
    }

    /// The one-line reason, in `c.lang`.
    pub fn reason(&self, c: &Ctx<'_>) -> String {
        match self {
            Trace::Binary(t) => t.reason(c),
            Trace::Deduct(t) => t.reason(c),
            Trace::Threshold(t) => t.reason(c),
            Trace::Band(t) => t.reason(c),
            Trace::Proportional(t) => t.reason(c),
            Trace::Interpolate(t) => t.reason(c),
            Trace::BonusAbove(t) => t.reason(c),
            Trace::Steps(t) => t.reason(c),
            Trace::PerCount(t) => t.reason(c),
            Trace::Fraction(t) => t.reason(c),
            Trace::NeedsNumber => c
                .lang
                .pick(
                    "规则需要数值,输入为是/否",
                    "the rule needs a number, the value is yes/no",
                )
                .into(),
            Trace::NotValueRule => c
                .lang
                .pick("规则与输入不匹配", "the rule does not fit the value read")
                .into(),
        }
    }

    /// The computation step by step, for `kaohe explain`, in `c.lang`.
    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        match self {
            Trace::Binary(t) => t.steps(c),
            Trace::Deduct(t) => t.steps(c),
            Trace::Threshold(t) => t.steps(c),
            Trace::Band(t) => t.steps(c),
            Trace::Proportional(t) => t.steps(c),
            Trace::Interpolate(t) => t.steps(c),
            Trace::BonusAbove(t) => t.steps(c),
            Trace::Steps(t) => t.steps(c),
            Trace::PerCount(t) => t.steps(c),
            Trace::Fraction(t) => t.steps(c),
            Trace::NeedsNumber | Trace::NotValueRule => vec![self.reason(c)],
        }
    }
}

/// The shared finish of every shape: clamp to `max + extra`, raise to the item's floor, round
/// once half away from zero to `rounding` decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// The points scored.
    pub points: Decimal,
    /// Raw points before the finish.
    pub raw: Decimal,
    /// The cap applied (raw points were above it).
    pub capped_at: Option<Decimal>,
    /// The floor applied (points were below it).
    pub floored_at: Option<Decimal>,
}

impl Finished {
    /// Whether rounding changed the (clamped) points.
    pub fn rounded(&self) -> bool {
        self.points != self.clamped().normalize()
    }
    /// Points after clamp and floor, before rounding.
    pub fn clamped(&self) -> Decimal {
        self.floored_at.or(self.capped_at).unwrap_or(self.raw)
    }
}

/// `a ÷ b`, or when the quotient is beyond 28 digits the largest decimal of its sign (for
/// ratios that are clamped or capped right after); zero when `b` is zero.
pub fn quotient(a: Decimal, b: Decimal) -> Decimal {
    if b.is_zero() {
        return Decimal::ZERO;
    }
    a.checked_div(b)
        .unwrap_or(if a.is_sign_negative() == b.is_sign_negative() {
            Decimal::MAX
        } else {
            Decimal::MIN
        })
}

/// Clamp, floor and round raw points: the one finish for every shape (see [`Finished`]).
pub fn finish(raw: Raw, max: Decimal, floor: Option<Decimal>, rounding: u32) -> Finished {
    let hi = max.saturating_add(raw.extra);
    let mut p = raw.points;
    let mut capped_at = None;
    if p > hi {
        p = hi;
        capped_at = Some(hi);
    }
    let mut floored_at = None;
    if let Some(f) = floor
        && p < f
    {
        p = f;
        floored_at = Some(f);
    }
    Finished {
        points: round_points(p, rounding),
        raw: raw.points,
        capped_at,
        floored_at,
    }
}

/// [`finish`] in filtered arithmetic, for raw points without extra: the points exactly, or
/// `None` when the rounding cannot be decided on a float.
#[inline]
pub fn finish_fx(raw: Fx, max: Fx, floor: Option<Decimal>, rounding: u32) -> Option<Fx> {
    let mut p = raw;
    if p.order(max)? == std::cmp::Ordering::Greater {
        p = max;
    }
    if let Some(f) = floor {
        let f = Fx::from_decimal(f);
        if p.lt(f)? {
            p = f;
        }
    }
    p.round(rounding)
}

/// The points a value shape gives a value, as the engine scores it (`None` when it cannot).
pub fn points_at(
    rule: &Rule,
    v: Val,
    max: Decimal,
    floor: Option<Decimal>,
    rounding: u32,
) -> Option<Decimal> {
    rule.raw(v, max)
        .map(|r| finish(r, max, floor, rounding).points)
}

/// How a step count is taken, in words.
pub(crate) fn count_word(count: crate::model::choice::StepCount) -> &'static str {
    use crate::model::choice::StepCount;
    match count {
        StepCount::Whole => "不足一步不计",
        StepCount::Started => "不足一步按一步计",
        StepCount::Partial => "按比例计",
    }
}

/// How a step count is taken, in English words.
pub(crate) fn count_word_en(count: crate::model::choice::StepCount) -> &'static str {
    use crate::model::choice::StepCount;
    match count {
        StepCount::Whole => "whole steps only",
        StepCount::Started => "a started step counts as a whole one",
        StepCount::Partial => "in proportion",
    }
}

/// "得满分10分"; for an item of maximum 0 "得0分" (there are no full marks to claim).
pub(crate) fn full_marks(max: Decimal) -> String {
    if max.is_zero() {
        "得0分".to_string()
    } else {
        format!("得满分{}分", show(max))
    }
}

/// Shorthand used by the shape files: a number in a sentence (grouped, [`grouped`]).
pub(crate) fn s(d: Decimal) -> String {
    grouped(&show(d))
}
