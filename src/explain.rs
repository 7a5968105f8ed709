//! `kaohe explain UNIT`: every number behind one unit's score.
//!
//! [`explain`] builds a [`Trace`] from a finished assessment: each indicator with its rule
//! text, the values it read, the computation step by step in numbers and the points; each
//! derived value with its formula and the numbers put into it; every veto rule checked, fired
//! or not, with the margin to its trigger ([`check_veto`]); line scores, bonus, total, grade
//! and rank. [`render_text`] prints it for the terminal; the JSON form is the [`Trace`]
//! serialised (schema [`SCHEMA`], documented in `docs/explain.md`).
//!
//! The trace recomputes each value rule's points in words and checks them against the
//! engine's: where they disagree (they should not), the engine's reason is shown too.

use crate::engine::ResultSlots;
use crate::evidence::Evidence;
use crate::expr::view::{Comparison, Logic};
use crate::expr::{Env, Val};
use crate::lang::Lang;
use crate::model::VetoMode;
use crate::model::{Combine, Effect, Indicator, IndicatorSet, Input, Rule, Scope};
use crate::num::{round_points, show, show_dp, show_known};
use crate::result::{Assessment, CaseResult, InputValue, Status, UnitResult};
pub use crate::rules::diff_unit;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt::Write as _;

/// Version tag of the explanation JSON.
pub const SCHEMA: &str = "kaohe.explain/1";

/// Why a unit cannot be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("unit `{0}` is not in the evidence{1}")]
    UnknownUnit(String, String),
    #[error(
        "unit `{0}` is a {1}, not a scored {2}: no set of this run scores it (`kaohe self-assess {0} --under` looks at the units under it)"
    )]
    NotScored(String, String, String),
}

/// The full trace of one unit's score.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub schema: &'static str,
    pub engine: String,
    pub indicator_set: SetInfo,
    pub period: String,
    pub unit: UnitInfo,
    /// Derived values of the unit with their formula and the numbers put into it.
    pub derived: Vec<DerivedTrace>,
    /// Values given by several evidence layers, and the one used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<crate::result::Correction>,
    /// Time-weighted assessment: each phase's result. The indicators' steps are then the last
    /// phase's computation, followed by the weighted combination.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<crate::result::PhaseResult>,
    pub indicators: Vec<IndicatorTrace>,
    pub bonus_items: Vec<IndicatorTrace>,
    pub lines: Vec<LineTrace>,
    pub bonus: BonusTrace,
    /// Every veto rule, in the set's order, fired or not.
    pub vetoes: Vec<VetoCheck>,
    pub result: TotalTrace,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitInfo {
    pub id: String,
    pub name: String,
    pub class: Option<String>,
    pub class_name: Option<String>,
    pub peer_group: Option<String>,
    pub peer_group_name: Option<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DerivedTrace {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// The formula as written.
    pub formula: String,
    /// The formula with each name replaced by its value.
    pub with_values: String,
    /// Displayed value (`缺失` when it cannot be computed).
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorTrace {
    pub id: String,
    pub name: String,
    pub line: Option<String>,
    pub section: Option<String>,
    pub office: Option<String>,
    /// Rule shape: `binary`, `deduct_below`, `per_case`, … (see `docs/indicator-sets.md`).
    pub shape: &'static str,
    pub rule_text: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub points: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub lost: Decimal,
    pub status: Status,
    /// The value the rule read, displayed with its unit (value rules only).
    pub value: Option<String>,
    /// The values read, following derived values down to fields.
    pub inputs: Vec<InputValue>,
    /// The computation, step by step, in Chinese; the last step gives the points.
    pub steps: Vec<String>,
    /// The engine's one-line reason.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineTrace {
    pub id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub max_possible: Decimal,
    /// Sum of its indicators' points (before any respread or veto).
    #[serde(with = "rust_decimal::serde::float")]
    pub indicator_sum: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    pub grade: Option<String>,
    pub zeroed_by: Option<String>,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BonusTrace {
    #[serde(with = "rust_decimal::serde::float_option")]
    pub uncapped: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub cap: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TotalTrace {
    pub status: crate::result::UnitStatus,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float")]
    pub max_possible: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float")]
    pub scale: Decimal,
    pub score_grade: Option<String>,
    pub grade: Option<String>,
    pub vetoed: bool,
    pub rank: Option<u32>,
    pub units: usize,
    pub peer_rank: Option<u32>,
    pub peer_size: Option<u32>,
    pub steps: Vec<String>,
}

/// One veto rule checked against the unit.
#[derive(Debug, Clone, Serialize)]
pub struct VetoCheck {
    pub id: String,
    pub name: String,
    pub trigger: String,
    pub mode: VetoMode,
    /// `unit` or the line id.
    pub scope: String,
    /// The effect in Chinese, e.g. `等次定为不合格`.
    pub effect: String,
    pub reason: String,
    /// Whether the trigger holds (the engine's verdict).
    pub fired: bool,
    /// Fired and enforced: it changed the result.
    pub applied: bool,
    /// The trigger's logic with the values and margins.
    pub condition: Condition,
    /// One sentence: values, trigger line, margin.
    pub summary: String,
}

/// Kind of a node of a trigger's logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CondKind {
    And,
    Or,
    Not,
    Compare,
    Flag,
}

/// A node of a veto trigger with its values and margin.
///
/// For a comparison, `margin` is signed so that it is positive when the comparison holds:
/// `a < b` and `a <= b` give `b − a`; `a > b` and `a >= b` give `a − b`; `a == b` gives
/// `−|a − b|`; `a != b` gives `|a − b|`. `distance` is how far the left side must move to
/// flip the comparison (`|margin|`; for a strict comparison that does not hold, it must move
/// past that point). `relative` is `distance / 100` for percentages, `distance / 1000` for
/// per-mille rates and `distance / |threshold|` otherwise (threshold 0 counts as 1), used to
/// rank how close different triggers are. For `and`/`or`, see [`Condition::relative`].
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    pub kind: CondKind,
    /// The condition as text (names are ids).
    pub text: String,
    /// `None` when a value it needs is missing.
    pub holds: Option<bool>,
    pub op: Option<Comparison>,
    pub left: Option<Side>,
    pub right: Option<Side>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub margin: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub distance: Option<Decimal>,
    /// How close the node is to flipping, relative: a comparison's `distance` over its scale;
    /// `or` that does not hold: its nearest child; `and` that does not hold: its farthest
    /// child that does not hold (all must); `and` that holds: its nearest child that holds
    /// (clearing one clears it); `or` that holds: its farthest child that holds; `not`: its
    /// child's. `None` for yes/no flags (no numeric distance).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub relative: Option<Decimal>,
    /// Unit of `margin` and `distance` (`个百分点` for %).
    pub unit: Option<String>,
    /// In Chinese.
    pub summary: String,
    pub children: Vec<Condition>,
}

/// One side of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub text: String,
    /// Slot id when the side is a plain name.
    pub id: Option<String>,
    /// Display name when the side is a plain name.
    pub name: Option<String>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub value: Option<Decimal>,
    /// Unit of measure of the value.
    pub unit: Option<String>,
}

/// The unit's index in the evidence and its result in the assessment.
pub fn find_unit<'a>(
    set: &IndicatorSet,
    ev: &Evidence,
    a: &'a Assessment,
    id: &str,
) -> Result<(usize, &'a UnitResult), ExplainError> {
    let Some(ui) = ev.units.iter().position(|u| u.id == id) else {
        let mut ids: Vec<&str> = a.units.iter().map(|u| u.id.as_str()).collect();
        ids.sort_unstable();
        let hint = if ids.is_empty() {
            String::new()
        } else {
            format!(" (scored units: {})", ids.join(", "))
        };
        return Err(ExplainError::UnknownUnit(id.to_string(), hint));
    };
    match a.units.iter().find(|u| u.id == id) {
        Some(r) => Ok((ui, r)),
        None => Err(ExplainError::NotScored(
            id.to_string(),
            ev.units[ui].kind_id.clone(),
            set.unit_kind().id.clone(),
        )),
    }
}

/// Responsible office of an indicator in one phrase.
pub fn office(ind: &Indicator) -> Option<String> {
    match (&ind.office_lead, &ind.office_responsible) {
        (Some(l), Some(r)) => Some(format!("{l}牵头,{r}负责")),
        (Some(l), None) => Some(format!("{l}牵头")),
        (None, Some(r)) => Some(format!("{r}负责")),
        (None, None) => None,
    }
}

/// The value an indicator's rule reads, evaluated on the unit.
pub fn input_value(ind: &Indicator, env: &dyn Env) -> Option<Val> {
    match &ind.input {
        Input::Expr(e) => e.eval(env).ok(),
        _ => None,
    }
}

/// What an assessment read besides its set and evidence: earlier years' scorecards
/// (`--history`) and the assessments of other levels of the same run (`--level`), whose results
/// descendant units carry (`result.passed`). Explanations need the same to rebuild the values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub history: &'a [Assessment],
    pub lower: &'a [Assessment],
}

/// For a set assessed in phases: the last phase scored on its own (the evidence bound to the
/// set is the last phase's). `None` for a set without phases.
pub fn last_phase(set: &IndicatorSet, ev: &Evidence, ctx: Context<'_>) -> Option<Assessment> {
    if set.phases.is_empty() {
        return None;
    }
    let mut last = ev.clone();
    last.phases.clear();
    crate::engine::assess_run(set, &last, ctx.history, ctx.lower).ok()
}

/// Build the trace of unit `id`; `a` is the assessment of `set` on `ev` made with `ctx`.
pub fn explain(
    set: &IndicatorSet,
    ev: &Evidence,
    a: &Assessment,
    ctx: Context<'_>,
    id: &str,
) -> Result<Trace, ExplainError> {
    explain_in(set, ev, a, ctx, id, Lang::Zh)
}

/// [`explain`] with the steps and reasons in `lang` (the JSON's texts too); names, rule texts
/// and formulas stay as the set writes them.
pub fn explain_in(
    set: &IndicatorSet,
    ev: &Evidence,
    a: &Assessment,
    ctx: Context<'_>,
    id: &str,
    lang: Lang,
) -> Result<Trace, ExplainError> {
    let (ui, r) = find_unit(set, ev, a, id)?;
    // Phases: the computation shown is the last phase's, then the weighted combination.
    let phase = last_phase(set, ev, ctx);
    let pr = phase
        .as_ref()
        .and_then(|p| p.units.iter().find(|u| u.id == r.id))
        .unwrap_or(r);
    let slots = ResultSlots::new(set, ev, ctx.history, ctx.lower, ui, pr);
    let unit = &ev.units[ui];
    let unit_info = UnitInfo {
        id: r.id.clone(),
        name: r.name.clone(),
        class: r.class.clone(),
        class_name: unit.class.map(|c| set.classes[c].name.clone()),
        peer_group: r.peer_group.clone(),
        peer_group_name: unit.peer_group.map(|p| set.peer_groups[p].name.clone()),
        parent: r.parent.clone(),
    };
    let derived = derived_traces(set, &slots);
    let phased = phase.is_some();
    let indicators = set
        .indicators
        .iter()
        .zip(pr.indicators.iter().zip(&r.indicators))
        .map(|(ind, (res, combined))| {
            indicator_trace(set, ind, res, pr, &slots, phased.then_some(combined), lang)
        })
        .collect();
    let bonus_items = set
        .bonus
        .iter()
        .flat_map(|b| b.items.iter())
        .zip(pr.bonus_items.iter().zip(&r.bonus_items))
        .map(|(ind, (res, combined))| {
            indicator_trace(set, ind, res, pr, &slots, phased.then_some(combined), lang)
        })
        .collect();
    let lines = line_traces(set, r, lang);
    let bonus = bonus_trace(set, r, lang);
    let vetoes = set
        .vetoes
        .iter()
        .map(|v| check_veto_in(set, v, r, &slots, lang))
        .collect();
    let result = total_trace(set, a, r, lang);
    let corrections = r.corrections.clone();
    let phases = r.phases.clone();
    Ok(Trace {
        schema: SCHEMA,
        engine: a.engine.clone(),
        indicator_set: SetInfo {
            id: set.id.clone(),
            name: set.name.clone(),
            version: set.version.clone(),
            hash: set.hash.clone(),
        },
        period: a.period.label.clone(),
        unit: unit_info,
        derived,
        corrections,
        phases,
        indicators,
        bonus_items,
        lines,
        bonus,
        vetoes,
        result,
    })
}

/// Displayed value of a slot (`缺失` when missing).
fn slot_shown(set: &IndicatorSet, slots: &ResultSlots<'_>, s: u32) -> String {
    slot_shown_in(set, slots, s, Lang::Zh)
}

/// [`slot_shown`] in `lang` (`missing`, `yes`/`no` in English).
fn slot_shown_in(set: &IndicatorSet, slots: &ResultSlots<'_>, s: u32, lang: Lang) -> String {
    let (_, _, unit) = set.slot_name(s);
    match slots.vals.get(s as usize).copied().flatten() {
        Some(v) => crate::rules::fmt_val_in(&v, unit.as_deref(), lang),
        None => lang.pick("缺失", "missing").into(),
    }
}

/// Replace every name in `src` that is a slot id with its value (numbers without unit).
pub fn substitute(src: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(src.len());
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match lookup(&word) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&word),
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A lookup from slot ids to values as numbers (`是`/`否` for yes/no, `缺失` when missing).
fn value_lookup<'s>(
    set: &'s IndicatorSet,
    slots: &'s ResultSlots<'_>,
) -> impl Fn(&str) -> Option<String> + 's {
    value_lookup_in(set, slots, Lang::Zh)
}

/// [`value_lookup`] in `lang` (`yes`/`no`, `missing` in English).
fn value_lookup_in<'s>(
    set: &'s IndicatorSet,
    slots: &'s ResultSlots<'_>,
    lang: Lang,
) -> impl Fn(&str) -> Option<String> + 's {
    move |word: &str| {
        let s = (0..set.slots.len).find(|&s| set.slot_name(s).0 == word)?;
        Some(match slots.vals.get(s as usize).copied().flatten() {
            Some(Val::Num(d)) => show_dp(d, 4),
            Some(Val::Bool(b)) => lang
                .pick(if b { "是" } else { "否" }, if b { "yes" } else { "no" })
                .into(),
            None => lang.pick("缺失", "missing").into(),
        })
    }
}

fn derived_traces(set: &IndicatorSet, slots: &ResultSlots<'_>) -> Vec<DerivedTrace> {
    let kind = set.unit_kind();
    let lookup = value_lookup(set, slots);
    kind.eval_order
        .iter()
        .filter_map(|&d| kind.derived.get(d).map(|x| (d, x)))
        .map(|(d, x)| {
            let slot = set.slots.derived + u32::try_from(d).unwrap_or(0);
            DerivedTrace {
                id: x.id.clone(),
                name: x.name.clone(),
                unit: x.unit.clone(),
                formula: x.expr.source().to_string(),
                with_values: substitute(x.expr.source(), &lookup),
                value: slot_shown(set, slots, slot),
            }
        })
        .collect()
}

/// What the steps of one indicator are computed from: the set, the indicator, its result and
/// the unit's rebuilt values.
struct ItemSteps<'a, 's> {
    set: &'a IndicatorSet,
    ind: &'a Indicator,
    res: &'a crate::result::IndicatorResult,
    slots: &'a ResultSlots<'s>,
    lang: Lang,
}

impl ItemSteps<'_, '_> {
    /// The computation step by step, by the indicator's status; the last step gives the points.
    /// `value` is the value the rule read; `r` the unit's result (for its cases).
    fn steps(&self, value: Option<Val>, r: &UnitResult) -> Vec<String> {
        let res = self.res;
        if self.lang.en() {
            let why = res.reason.in_lang(Lang::En);
            return match res.status {
                Status::NotApplicable | Status::ZeroForMissing | Status::Undefined => {
                    vec![format!("{why} → {}", pts(res.points))]
                }
                Status::MissingEvidence => vec![format!("{why} → not scored (to be supplied)")],
                Status::Zeroed => {
                    let mut steps: Vec<String> = self.zero_if_step("holds").into_iter().collect();
                    steps.push(format!("{why} → 0 points"));
                    steps
                }
                Status::Scored => self.scored_steps(value, r),
            };
        }
        match res.status {
            Status::NotApplicable | Status::ZeroForMissing | Status::Undefined => {
                vec![format!("{} → 得{}分", res.reason, show(res.points))]
            }
            Status::MissingEvidence => vec![format!("{} → 不计分(待补充)", res.reason)],
            Status::Zeroed => {
                let mut steps: Vec<String> = self.zero_if_step("成立").into_iter().collect();
                steps.push(format!("{} → 得0分", res.reason));
                steps
            }
            Status::Scored => self.scored_steps(value, r),
        }
    }

    /// The indicator's zero-if condition with the unit's values put in, and whether it holds
    /// (`成立` / `不成立`); `None` when the indicator has none.
    fn zero_if_step(&self, verdict: &str) -> Option<String> {
        let z = self.ind.zero_if.as_ref()?;
        let lookup = value_lookup_in(self.set, self.slots, self.lang);
        if self.lang.en() {
            return Some(format!(
                "Zeroing condition {}: with the values {}, {verdict}",
                z.source(),
                substitute(z.source(), &lookup)
            ));
        }
        Some(format!(
            "清零条件 {}:代入 {},{verdict}",
            z.source(),
            substitute(z.source(), &lookup)
        ))
    }

    /// Steps of a scored indicator, by what its rule reads.
    fn scored_steps(&self, value: Option<Val>, r: &UnitResult) -> Vec<String> {
        let (ind, res) = (self.ind, self.res);
        let en = self.lang.en();
        match (&ind.input, &ind.rule) {
            (Input::Expr(_), rule) => match value {
                Some(v) => self.value_steps(rule, v),
                None => vec![res.reason.render(self.lang)],
            },
            (Input::Checklist(items), Rule::Checklist(cl)) => self.checklist_steps(items, cl),
            (Input::Cases, Rule::PerCase(_)) => self.case_steps(r),
            (Input::None, Rule::Formula(f)) => self.formula_steps(f),
            // Level-progress items and shape/input pairings the loader never makes: the reason
            // already has the numbers.
            (Input::None | Input::Checklist(_) | Input::Cases, _) if en => {
                vec![format!(
                    "{} → {}",
                    res.reason.in_lang(self.lang),
                    pts(res.points)
                )]
            }
            (Input::None | Input::Checklist(_) | Input::Cases, _) => {
                vec![format!("{} → 得{}分", res.reason, show(res.points))]
            }
        }
    }

    /// A value rule: the zero-if condition that did not hold, the shape's own steps on `v`,
    /// then the shared finish.
    fn value_steps(&self, rule: &Rule, v: Val) -> Vec<String> {
        let (ind, res) = (self.ind, self.res);
        let mut steps: Vec<String> = self
            .zero_if_step(self.lang.pick("不成立", "does not hold"))
            .into_iter()
            .collect();
        let c = crate::rules::Ctx {
            name: &ind.name,
            unit: ind.value_unit.as_deref(),
            max: res.max,
            floor: ind.floor,
            target: res.info.target_word_in(self.lang),
            lang: self.lang,
        };
        // A rule with per-unit parameters applies with this unit's values.
        let params = match res.reason.generated() {
            crate::result::Reason::Rule { params, .. } => &params[..],
            _ => &[],
        };
        let rule = rule.with_params(ind.params.iter().map(|p| p.path.as_str()), params);
        let trace = rule.trace(v, res.max);
        steps.extend(trace.steps(&c));
        steps.push(finish(self.set, ind, res, trace.raw(), self.lang));
        steps
    }

    /// A checklist: each item with its mark, then the deduction for the ones lacking.
    fn checklist_steps(
        &self,
        items: &[u32],
        cl: &crate::rules::checklist::Checklist,
    ) -> Vec<String> {
        let (set, slots, res) = (self.set, self.slots, self.res);
        let lacking = items
            .iter()
            .filter(|&&s| slots.vals.get(s as usize).copied().flatten() != Some(Val::Bool(true)))
            .count();
        let d = cl.deduction(lacking);
        if self.lang.en() {
            let marks: Vec<String> = items
                .iter()
                .map(|&s| {
                    format!(
                        "{}: {}",
                        set.slot_name(s).1,
                        slot_shown_in(set, slots, s, Lang::En)
                    )
                })
                .collect();
            let outcome = if lacking == 0 {
                format!("All present → full marks ({})", pts(res.max))
            } else {
                format!(
                    "{} lacking, {} off per item → {} deducted, {}{}",
                    count(lacking, "item", "items"),
                    pts(cl.per_missing),
                    pts(d),
                    pts(res.points),
                    if d > res.max { " (floor 0)" } else { "" }
                )
            };
            return vec![
                format!(
                    "{} checked: {}",
                    crate::rules::capitalised(&count(items.len(), "item", "items")),
                    marks.join("; ")
                ),
                outcome,
            ];
        }
        let marks: Vec<String> = items
            .iter()
            .map(|&s| format!("{}:{}", set.slot_name(s).1, slot_shown(set, slots, s)))
            .collect();
        let outcome = if lacking == 0 {
            format!("全部齐全 → 得满分{}分", show(res.max))
        } else {
            format!(
                "缺{}项,每项扣{}分 → 扣{}分,得{}分{}",
                lacking,
                show(cl.per_missing),
                show(d),
                show(res.points),
                if d > res.max { "(扣完为止)" } else { "" }
            )
        };
        vec![
            format!("检查{}项:{}", items.len(), marks.join(";")),
            outcome,
        ]
    }

    /// A per-case rule: each of the unit's cases for this indicator with its deduction, then
    /// the sum.
    fn case_steps(&self, r: &UnitResult) -> Vec<String> {
        let (ind, res) = (self.ind, self.res);
        let mine: Vec<&CaseResult> = r
            .cases
            .iter()
            .filter(|c| c.indicator.as_deref() == Some(ind.id.as_str()))
            .collect();
        let en = self.lang.en();
        if mine.is_empty() {
            if en {
                return vec![format!(
                    "No such case in the case ledger → full marks ({})",
                    pts(res.max)
                )];
            }
            return vec![format!("案例台账中无相关案例 → 得满分{}分", show(res.max))];
        }
        let mut steps: Vec<String> = mine
            .iter()
            .map(|c| {
                if en {
                    format!("{}: {}", case_label_en(c), c.explanation_in(Lang::En))
                } else {
                    format!("{}:{}", case_label(c), c.explanation)
                }
            })
            .collect();
        let sum: Decimal = mine.iter().map(|c| c.deduction).sum();
        if en {
            steps.push(format!(
                "{} in all, {} deducted → {}{}",
                count(mine.len(), "case", "cases"),
                pts(sum),
                pts(res.points),
                if sum > res.max {
                    crate::rules::floor_en(Some(Decimal::ZERO))
                } else {
                    String::new()
                }
            ));
            return steps;
        }
        steps.push(format!(
            "共{}例,合计扣{}分 → 得{}分{}",
            mine.len(),
            show(sum),
            show(res.points),
            if sum > res.max { "(扣完为止)" } else { "" }
        ));
        steps
    }

    /// A formula rule: the formula, the formula with the values put in, then the shared finish.
    fn formula_steps(&self, f: &crate::rules::formula::Formula) -> Vec<String> {
        let lookup = value_lookup_in(self.set, self.slots, self.lang);
        let raw = f.expr.eval_num_with(self.slots).map(crate::rules::Raw::new);
        if self.lang.en() {
            return vec![
                format!("Formula: {}", f.expr.source()),
                format!("With the values: {}", substitute(f.expr.source(), &lookup)),
                finish(self.set, self.ind, self.res, raw, self.lang),
            ];
        }
        vec![
            format!("公式:{}", f.expr.source()),
            format!("代入:{}", substitute(f.expr.source(), &lookup)),
            finish(self.set, self.ind, self.res, raw, self.lang),
        ]
    }
}

/// The trace of one indicator. For a set assessed in phases, `res` is the last phase's result
/// and `combined` the weighted combination of the phases, which gives the points shown.
fn indicator_trace(
    set: &IndicatorSet,
    ind: &Indicator,
    res: &crate::result::IndicatorResult,
    r: &UnitResult,
    slots: &ResultSlots<'_>,
    combined: Option<&crate::result::IndicatorResult>,
    lang: Lang,
) -> IndicatorTrace {
    let value = slots.with(|env| input_value(ind, env));
    let item = ItemSteps {
        set,
        ind,
        res,
        slots,
        lang,
    };
    let mut steps = item.steps(value, r);
    let res = match combined {
        Some(c) => {
            if let Some(first) = steps.first_mut() {
                *first = match lang {
                    Lang::Zh => format!("(最后阶段){first}"),
                    Lang::En => format!("(last phase) {first}"),
                };
            }
            steps.push(match lang {
                Lang::Zh => format!("各阶段合计:{}", c.reason),
                Lang::En => format!("All phases combined: {}", c.reason.in_lang(lang)),
            });
            c
        }
        None => res,
    };
    IndicatorTrace {
        id: ind.id.clone(),
        name: ind.name.clone(),
        line: ind.line.map(|l| set.lines[l].id.clone()),
        section: ind.section.map(|s| set.sections[s].name.clone()),
        office: office(ind).map(|o| crate::result::office_in(&o, lang)),
        shape: ind.rule.shape(),
        rule_text: ind.text.clone(),
        max: res.max,
        points: res.points,
        lost: res.lost(),
        status: res.status,
        value: value.map(|v| crate::rules::fmt_val_in(&v, ind.value_unit.as_deref(), lang)),
        inputs: res.inputs.to_vec(),
        steps,
        reason: res.reason.render(lang),
    }
}

/// Evaluating a formula rule on rebuilt slots.
trait EvalWith {
    fn eval_num_with(&self, slots: &ResultSlots<'_>) -> Option<Decimal>;
}

impl EvalWith for crate::expr::Compiled {
    fn eval_num_with(&self, slots: &ResultSlots<'_>) -> Option<Decimal> {
        slots.with(|env| self.eval_num(env).ok())
    }
}

/// The last step: clamping, floor, rounding (the shared [`crate::rules::finish`]), and a
/// cross-check with the engine.
fn finish(
    set: &IndicatorSet,
    ind: &Indicator,
    res: &crate::result::IndicatorResult,
    raw: Option<crate::rules::Raw>,
    lang: Lang,
) -> String {
    if lang.en() {
        return finish_en(set, ind, res, raw);
    }
    let Some(raw) = raw else {
        return format!("得{}分({})", show(res.points), res.reason);
    };
    let f = crate::rules::finish(raw, res.max, ind.floor, set.rounding);
    let mut notes = Vec::new();
    if let Some(top) = f.capped_at {
        notes.push(format!("本项最高{}分", show(top)));
    }
    if let Some(fl) = f.floored_at {
        notes.push(if fl.is_zero() {
            "扣完为止".to_string()
        } else {
            format!("最低{}分", show(fl))
        });
    }
    if f.rounded() {
        let p = f.clamped();
        let shown = round_points(p, 6);
        notes.push(format!(
            "{}{}四舍五入到{}位小数",
            show(shown),
            if shown != p { "…" } else { "" },
            set.rounding
        ));
    }
    let mut s = format!("得{}分", show(f.points));
    if !notes.is_empty() {
        s = format!("{}({})", s, notes.join(","));
    }
    if f.points != res.points {
        s.push_str(&format!(";评分结果{}分:{}", show(res.points), res.reason));
    }
    s
}

/// [`finish`] in English.
fn finish_en(
    set: &IndicatorSet,
    ind: &Indicator,
    res: &crate::result::IndicatorResult,
    raw: Option<crate::rules::Raw>,
) -> String {
    let why = res.reason.in_lang(Lang::En);
    let Some(raw) = raw else {
        return format!("{} ({why})", crate::rules::capitalised(&pts(res.points)));
    };
    let f = crate::rules::finish(raw, res.max, ind.floor, set.rounding);
    let mut notes = Vec::new();
    if let Some(top) = f.capped_at {
        notes.push(format!("at most {} for this item", pts(top)));
    }
    if let Some(fl) = f.floored_at {
        notes.push(format!("floor {}", show(fl)));
    }
    if f.rounded() {
        let p = f.clamped();
        let shown = round_points(p, 6);
        notes.push(format!(
            "{}{} rounded half up to {} {}",
            show(shown),
            if shown != p { "…" } else { "" },
            set.rounding,
            if set.rounding == 1 {
                "decimal"
            } else {
                "decimals"
            }
        ));
    }
    let mut s = format!("= {}", pts(f.points));
    if !notes.is_empty() {
        s = format!("{} ({})", s, notes.join(", "));
    }
    if f.points != res.points {
        s.push_str(&format!("; the engine scored {}: {why}", pts(res.points)));
    }
    s
}

/// English: a number of points ("1 point", "2.5 points").
fn pts(d: Decimal) -> String {
    format!(
        "{} {}",
        show(d),
        if d == Decimal::ONE { "point" } else { "points" }
    )
}

/// English: a count of things ("1 case", "3 cases").
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// [`case_label`] in English.
fn case_label_en(c: &CaseResult) -> String {
    let mut parts = vec![c.type_name.clone()];
    if let Some(r) = &c.reference {
        parts.push(r.clone());
    }
    if let Some(s) = c.severity {
        parts.push(format!("severity {s}"));
    }
    if let Some(d) = c.date {
        parts.push(d.to_string());
    }
    if let Some(f) = &c.found_by {
        parts.push(format!("found by {f}"));
    }
    if c.self_reported {
        parts.push("self-reported".into());
    }
    format!("Case ({})", parts.join(", "))
}

fn case_label(c: &CaseResult) -> String {
    let mut parts = vec![c.type_name.clone()];
    if let Some(r) = &c.reference {
        parts.push(r.clone());
    }
    if let Some(s) = c.severity {
        parts.push(format!("严重程度{s}"));
    }
    if let Some(d) = c.date {
        parts.push(d.to_string());
    }
    if let Some(f) = &c.found_by {
        parts.push(format!("{f}发现"));
    }
    if c.self_reported {
        parts.push("自查上报".into());
    }
    format!("案例({})", parts.join(","))
}

fn line_traces(set: &IndicatorSet, r: &UnitResult, lang: Lang) -> Vec<LineTrace> {
    let en = lang.en();
    set.lines
        .iter()
        .enumerate()
        .zip(&r.lines)
        .map(|((l, line), lr)| {
            let members: Vec<&crate::result::IndicatorResult> = set
                .indicators
                .iter()
                .zip(&r.indicators)
                .filter(|(ind, res)| ind.line == Some(l) && res.status != Status::NotApplicable)
                .map(|(_, res)| res)
                .collect();
            let na: Vec<&crate::result::IndicatorResult> = set
                .indicators
                .iter()
                .zip(&r.indicators)
                .filter(|(ind, res)| ind.line == Some(l) && res.status == Status::NotApplicable)
                .map(|(_, res)| res)
                .collect();
            let sum: Decimal = members.iter().map(|m| m.points).sum();
            let unknown: Vec<&str> = members
                .iter()
                .filter(|m| m.scored().is_none())
                .map(|m| m.name())
                .collect();
            let terms = members
                .iter()
                .map(|m| show(m.points))
                .collect::<Vec<_>>()
                .join(" + ");
            let na_names = na.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
            if en {
                let mut steps = vec![format!(
                    "{} summed: {terms} = {}",
                    crate::rules::capitalised(&count(members.len(), "indicator", "indicators")),
                    show(sum)
                )];
                if !na.is_empty() {
                    steps.push(format!(
                        "{} not applicable ({}): the line's maximum is {}",
                        count(na.len(), "item", "items"),
                        na_names.join(", "),
                        show(lr.max_possible)
                    ));
                }
                if !unknown.is_empty() && lr.zeroed_by.is_none() {
                    steps.push(format!(
                        "Evidence missing for {}: the line's points are pending",
                        unknown.join(", ")
                    ));
                } else if lr.zeroed_by.is_none() && lr.points != Some(sum) {
                    steps.push(format!(
                        "Rescaled over the applicable items: {}",
                        show_known(lr.points)
                    ));
                }
                if let Some(v) = &lr.zeroed_by {
                    steps.push(format!(
                        "Veto {v}: the line scores zero ({} → 0)",
                        show(sum)
                    ));
                }
                return LineTrace {
                    id: line.id.clone(),
                    name: line.name.clone(),
                    max: line.max,
                    max_possible: lr.max_possible,
                    indicator_sum: sum,
                    points: lr.points,
                    grade: lr.grade.clone(),
                    zeroed_by: lr.zeroed_by.clone(),
                    steps,
                };
            }
            let mut steps = vec![format!(
                "{}项指标合计:{} = {}",
                members.len(),
                members
                    .iter()
                    .map(|m| show(m.points))
                    .collect::<Vec<_>>()
                    .join(" + "),
                show(sum)
            )];
            if !na.is_empty() {
                steps.push(format!(
                    "不适用{}项({}),本线可得满分{}",
                    na.len(),
                    na.iter()
                        .map(|m| m.name().to_string())
                        .collect::<Vec<_>>()
                        .join("、"),
                    show(lr.max_possible)
                ));
            }
            if !unknown.is_empty() && lr.zeroed_by.is_none() {
                steps.push(format!("{}缺少佐证,本线得分待补充", unknown.join("、")));
            } else if lr.zeroed_by.is_none() && lr.points != Some(sum) {
                steps.push(format!("按适用项折算后为{}", show_known(lr.points)));
            }
            if let Some(v) = &lr.zeroed_by {
                steps.push(format!("一票否决 {v}:本线记零分({} → 0)", show(sum)));
            }
            LineTrace {
                id: line.id.clone(),
                name: line.name.clone(),
                max: line.max,
                max_possible: lr.max_possible,
                indicator_sum: sum,
                points: lr.points,
                grade: lr.grade.clone(),
                zeroed_by: lr.zeroed_by.clone(),
                steps,
            }
        })
        .collect()
}

fn bonus_trace(set: &IndicatorSet, r: &UnitResult, lang: Lang) -> BonusTrace {
    let cap = set.bonus.as_ref().and_then(|b| b.cap);
    let mut steps = Vec::new();
    if !r.bonus_items.is_empty() && lang.en() {
        steps.push(format!(
            "Bonus items summed: {} = {}",
            r.bonus_items
                .iter()
                .map(|b| show(b.points))
                .collect::<Vec<_>>()
                .join(" + "),
            show_known(r.bonus_uncapped)
        ));
        if let (Some(c), Some(u)) = (cap, r.bonus_uncapped) {
            steps.push(format!(
                "{} the bonus cap of {} → {}",
                if u > c { "Above" } else { "Within" },
                pts(c),
                show_known(r.bonus)
            ));
        }
    } else if !r.bonus_items.is_empty() {
        steps.push(format!(
            "加分项合计:{} = {}",
            r.bonus_items
                .iter()
                .map(|b| show(b.points))
                .collect::<Vec<_>>()
                .join(" + "),
            show_known(r.bonus_uncapped)
        ));
        if let (Some(c), Some(u)) = (cap, r.bonus_uncapped) {
            steps.push(if u > c {
                format!("超过加分上限{}分 → 计{}分", show(c), show_known(r.bonus))
            } else {
                format!("未超过加分上限{}分 → 计{}分", show(c), show_known(r.bonus))
            });
        }
    }
    BonusTrace {
        uncapped: r.bonus_uncapped,
        cap,
        points: r.bonus,
        steps,
    }
}

fn total_trace(set: &IndicatorSet, a: &Assessment, r: &UnitResult, lang: Lang) -> TotalTrace {
    let steps = match lang {
        Lang::Zh => total_steps(set, a, r),
        Lang::En => total_steps_en(set, a, r),
    };
    TotalTrace {
        status: r.status,
        total: r.total,
        max_possible: r.max_possible,
        score: r.score,
        scale: set.scale,
        score_grade: r.score_grade.clone(),
        grade: r.grade.clone(),
        vetoed: r.vetoed,
        rank: r.rank,
        units: a.units.len(),
        peer_rank: r.peer_rank,
        peer_size: r.peer_size,
        steps,
    }
}

/// The steps from the lines to the rank, in English.
fn total_steps_en(set: &IndicatorSet, a: &Assessment, r: &UnitResult) -> Vec<String> {
    let mut steps = Vec::new();
    let parts: Vec<String> = r.lines.iter().map(|l| show_known(l.points)).collect();
    match &set.combine {
        Combine::Weighted(w) => {
            let wsum: Decimal = w.iter().copied().sum();
            let terms: Vec<String> = r
                .lines
                .iter()
                .zip(w)
                .map(|(l, w)| format!("{} ÷ {} × {}", show_known(l.points), show(l.max), show(*w)))
                .collect();
            steps.push(format!(
                "Weighted: ({}) ÷ {} × {} + bonus {} = {}",
                terms.join(" + "),
                show(wsum),
                show(set.scale),
                show_known(r.bonus),
                show_known(r.total)
            ));
        }
        _ => steps.push(format!(
            "Total: {} + bonus {} = {}",
            parts.join(" + "),
            show_known(r.bonus),
            show_known(r.total)
        )),
    }
    if r.total.is_none() {
        steps.push(format!(
            "{}: items without evidence are not scored; the total, grade and rank are withheld",
            crate::rules::capitalised(r.status.en())
        ));
    }
    if r.max_possible != set.scale && r.max_possible > Decimal::ZERO && r.total.is_some() {
        steps.push(format!(
            "Items not applicable lower the maximum to {}: rescaled score {} × {} ÷ {} = {}",
            show(r.max_possible),
            show_known(r.total),
            show(set.scale),
            show(r.max_possible),
            show_known(r.score)
        ));
    }
    if let (Some(score), Some(sg)) = (r.score, &r.score_grade) {
        let cut = set
            .grades
            .iter()
            .find(|g| &g.label == sg)
            .and_then(|g| g.min);
        steps.push(match cut {
            Some(m) => format!("{} ≥ {} → {}", show(score), show(m), sg),
            None => format!("{} is below every grade's cut-off → {}", show(score), sg),
        });
    }
    for v in r.vetoes.iter().filter(|v| v.applied) {
        steps.push(format!(
            "Veto {} {}: {}",
            v.id,
            v.name,
            v.effect_in(Lang::En)
        ));
    }
    for v in r.undecided_vetoes() {
        let needs: Vec<String> = v
            .needs
            .iter()
            .map(|f| format!("{} ({})", f.name, f.id))
            .collect();
        steps.push(format!(
            "Veto {} {}: undecided (missing {}), to be checked",
            v.id,
            v.name,
            needs.join(", ")
        ));
    }
    if r.grade != r.score_grade {
        steps.push(format!(
            "Final grade: {}",
            r.grade.as_deref().unwrap_or(r.status.en())
        ));
    }
    let rank = r.rank.map_or_else(
        || format!("not ranked ({})", r.status.en()),
        |x| x.to_string(),
    );
    let vetoed = if r.vetoed {
        "; vetoed units rank after all others"
    } else {
        ""
    };
    steps.push(match (r.peer_rank, r.peer_size) {
        (Some(pr), Some(ps)) => format!(
            "Rank {rank} of {}; {pr} of {ps} in the peer group{vetoed}",
            a.units.len()
        ),
        _ => format!("Rank {rank} of {}{vetoed}", a.units.len()),
    });
    steps
}

/// The steps from the lines to the rank.
fn total_steps(set: &IndicatorSet, a: &Assessment, r: &UnitResult) -> Vec<String> {
    let mut steps = Vec::new();
    let parts: Vec<String> = r.lines.iter().map(|l| show_known(l.points)).collect();
    match &set.combine {
        Combine::Weighted(w) => {
            let wsum: Decimal = w.iter().copied().sum();
            let terms: Vec<String> = r
                .lines
                .iter()
                .zip(w)
                .map(|(l, w)| format!("{}÷{}×{}", show_known(l.points), show(l.max), show(*w)))
                .collect();
            steps.push(format!(
                "加权:({})÷{}×{} + 加分{} = {}",
                terms.join(" + "),
                show(wsum),
                show(set.scale),
                show_known(r.bonus),
                show_known(r.total)
            ));
        }
        _ => steps.push(format!(
            "总分:{} + 加分{} = {}",
            parts.join(" + "),
            show_known(r.bonus),
            show_known(r.total)
        )),
    }
    if r.total.is_none() {
        steps.push(format!(
            "{}:缺少佐证的指标未计分,总分、等次和排名暂不发布",
            r.status.zh()
        ));
    }
    if r.max_possible != set.scale && r.max_possible > Decimal::ZERO && r.total.is_some() {
        steps.push(format!(
            "不适用项使满分降为{}:折算得分 {}×{}÷{} = {}",
            show(r.max_possible),
            show_known(r.total),
            show(set.scale),
            show(r.max_possible),
            show_known(r.score)
        ));
    }
    if let (Some(score), Some(sg)) = (r.score, &r.score_grade) {
        let cut = set
            .grades
            .iter()
            .find(|g| &g.label == sg)
            .and_then(|g| g.min);
        steps.push(match cut {
            Some(m) => format!("{} ≥ {} → {}", show(score), show(m), sg),
            None => format!("{} 低于所有等次线 → {}", show(score), sg),
        });
    }
    for v in r.vetoes.iter().filter(|v| v.applied) {
        steps.push(format!("一票否决 {} {}:{}", v.id, v.name, v.effect));
    }
    for v in r.undecided_vetoes() {
        let needs: Vec<String> = v
            .needs
            .iter()
            .map(|f| format!("{}({})", f.name, f.id))
            .collect();
        steps.push(format!(
            "一票否决 {} {}:无法判定(缺少{}),待核实",
            v.id,
            v.name,
            needs.join("、")
        ));
    }
    if r.grade != r.score_grade {
        steps.push(format!("最终等次:{}", r.grade_or_status()));
    }
    let rank = r
        .rank
        .map_or_else(|| format!("暂不排名({})", r.status.zh()), |x| x.to_string());
    steps.push(match (r.peer_rank, r.peer_size) {
        (Some(pr), Some(ps)) => format!(
            "排名第{}(共{}个单位);方阵内第{}(共{}个){}",
            rank,
            a.units.len(),
            pr,
            ps,
            if r.vetoed {
                ";被一票否决的单位排在其他单位之后"
            } else {
                ""
            }
        ),
        _ => format!(
            "排名第{}(共{}个单位){}",
            rank,
            a.units.len(),
            if r.vetoed {
                ";被一票否决的单位排在其他单位之后"
            } else {
                ""
            }
        ),
    });
    steps
}

// ---------------------------------------------------------------------------------------
// Veto margins
// ---------------------------------------------------------------------------------------

/// Check one veto rule against a unit: whether it fired and how far each part of its trigger
/// is from flipping.
pub fn check_veto(
    set: &IndicatorSet,
    v: &crate::model::Veto,
    r: &UnitResult,
    slots: &ResultSlots<'_>,
) -> VetoCheck {
    check_veto_in(set, v, r, slots, Lang::Zh)
}

/// [`check_veto`] with the effect and the summaries in `lang`.
pub fn check_veto_in(
    set: &IndicatorSet,
    v: &crate::model::Veto,
    r: &UnitResult,
    slots: &ResultSlots<'_>,
    lang: Lang,
) -> VetoCheck {
    let engine_fired = r.vetoes.iter().find(|x| x.id == v.id);
    let condition = match v.when.logic() {
        Some(l) => slots.with(|env| condition_in(set, &l, env, lang)),
        None => Condition::leaf(
            CondKind::Flag,
            v.when.source().to_string(),
            None,
            v.when.source().to_string(),
        ),
    };
    let fired = engine_fired.is_some();
    let (scope, effect) = veto_effect_in(set, v, lang);
    let en = lang.en();
    let summary = match (fired, condition.holds.is_none(), en) {
        (true, _, false) => format!("已触发:{}", condition.summary),
        (true, _, true) => format!("fired: {}", condition.summary),
        (false, true, false) => format!("无法判断(缺少数据):{}", condition.summary),
        (false, true, true) => format!("undecided (data missing): {}", condition.summary),
        (false, false, false) => format!("未触发:{}", condition.summary),
        (false, false, true) => format!("clear: {}", condition.summary),
    };
    VetoCheck {
        id: v.id.clone(),
        name: v.name.clone(),
        trigger: v.when.source().to_string(),
        mode: v.mode,
        scope,
        effect,
        reason: v.reason.clone(),
        fired,
        applied: engine_fired.is_some_and(|x| x.applied),
        condition,
        summary,
    }
}

/// Scope and effect of a veto in words (as the engine reports them).
pub fn veto_effect(set: &IndicatorSet, v: &crate::model::Veto) -> (String, String) {
    veto_effect_in(set, v, Lang::Zh)
}

/// [`veto_effect`] in `lang`.
pub fn veto_effect_in(set: &IndicatorSet, v: &crate::model::Veto, lang: Lang) -> (String, String) {
    use crate::result::EffectOf;
    let lowest = set
        .grades
        .last()
        .map(|g| g.label.clone())
        .unwrap_or_default();
    let label = |g: Option<&crate::model::Grade>| g.map_or(String::new(), |g| g.label.clone());
    let (scope, of) = match (v.scope, &v.effect) {
        (Scope::Unit, Effect::Fail) => ("unit".into(), EffectOf::Fail { grade: lowest }),
        (Scope::Unit, Effect::Cap(c)) => (
            "unit".into(),
            EffectOf::Cap {
                grade: label(set.grades.get(*c)),
            },
        ),
        (Scope::Unit, Effect::Zero) => ("unit".into(), EffectOf::Zero),
        (Scope::Line(l), Effect::Fail) => {
            let line = set.lines[l].name.clone();
            let effect = if lang.en() {
                format!("{line} failed: the overall grade set to {lowest}")
            } else {
                format!("{line}不合格,整体等次定为{lowest}")
            };
            return (set.lines[l].id.clone(), effect);
        }
        (Scope::Line(l), Effect::Cap(c)) => (
            set.lines[l].id.clone(),
            EffectOf::LineCap {
                line: set.lines[l].name.clone(),
                grade: label(set.lines[l].grades.get(*c)),
            },
        ),
        (Scope::Line(l), Effect::Zero) => (
            set.lines[l].id.clone(),
            EffectOf::LineZero {
                line: set.lines[l].name.clone(),
            },
        ),
    };
    (scope, of.render(lang))
}

fn side(set: &IndicatorSet, o: &crate::expr::view::Operand<'_>, env: &dyn Env) -> Side {
    let value = o.eval(env).ok();
    match (o.slot(), o.constant()) {
        (Some(s), _) => {
            let (id, name, unit) = set.slot_name(s);
            Side {
                text: id.clone(),
                id: Some(id),
                name: Some(name),
                value,
                unit,
            }
        }
        (None, Some(c)) => Side {
            text: show(c),
            id: None,
            name: None,
            value: Some(c),
            unit: None,
        },
        (None, None) => Side {
            text: o.render(&|s| set.slot_name(s).0),
            id: None,
            name: None,
            value,
            unit: None,
        },
    }
}

fn op_word(op: Comparison) -> &'static str {
    match op {
        Comparison::Lt => "<",
        Comparison::Le => "≤",
        Comparison::Gt => ">",
        Comparison::Ge => "≥",
        Comparison::Eq => "=",
        Comparison::Ne => "≠",
    }
}

impl Condition {
    /// A node without sides, margins, relative distance or children.
    fn leaf(kind: CondKind, text: String, holds: Option<bool>, summary: String) -> Self {
        Condition {
            kind,
            text,
            holds,
            op: None,
            left: None,
            right: None,
            margin: None,
            distance: None,
            relative: None,
            unit: None,
            summary,
            children: Vec::new(),
        }
    }
}

/// Evaluate a trigger's logic with margins.
pub fn condition(set: &IndicatorSet, l: &Logic<'_>, env: &dyn Env) -> Condition {
    condition_in(set, l, env, Lang::Zh)
}

/// [`condition`] with the summaries in `lang`.
pub fn condition_in(set: &IndicatorSet, l: &Logic<'_>, env: &dyn Env, lang: Lang) -> Condition {
    match l {
        Logic::Compare { op, left, right } => {
            compare_condition(side(set, left, env), side(set, right, env), *op, lang)
        }
        Logic::Atom(atom) => flag_condition(set, atom, env, lang),
        Logic::Not(x) => {
            let c = condition_in(set, x, env, lang);
            let mut not = Condition::leaf(
                CondKind::Not,
                format!("not ({})", c.text),
                c.holds.map(|h| !h),
                if lang.en() {
                    format!("fires when this does not hold: {}", c.summary)
                } else {
                    format!("以下条件不成立时触发:{}", c.summary)
                },
            );
            not.relative = c.relative;
            not.children = vec![c];
            not
        }
        Logic::And(x, y) => junction(set, true, [x, y], env, lang),
        Logic::Or(x, y) => junction(set, false, [x, y], env, lang),
    }
}

/// A yes/no value of a trigger: whether it holds, with its label.
fn flag_condition(
    set: &IndicatorSet,
    atom: &crate::expr::view::Atom<'_>,
    env: &dyn Env,
    lang: Lang,
) -> Condition {
    let holds = atom.eval(env).ok();
    let text = atom.render(&|s: u32| set.slot_name(s).0);
    let label = match atom.slot() {
        Some(s) => set.slot_name(s).1,
        None => text.clone(),
    };
    let summary = match (holds, lang.en()) {
        (Some(true), false) => format!("{label}:是(已成立)"),
        (Some(false), false) => format!("{label}:否(未成立)"),
        (None, false) => format!("{label}:缺失,无法判断"),
        (Some(true), true) => format!("{label}: yes (holds)"),
        (Some(false), true) => format!("{label}: no (does not hold)"),
        (None, true) => format!("{label}: missing, undecided"),
    };
    Condition::leaf(CondKind::Flag, text, holds, summary)
}

/// A comparison of a trigger with its values, signed margin, distance and relative distance
/// (see [`Condition`]), spoken of its named side.
fn compare_condition(a: Side, b: Side, op: Comparison, lang: Lang) -> Condition {
    let (a, b, op) = named_side_first(a, b, op);
    let unit = a.unit.clone().or_else(|| b.unit.clone());
    let text = format!("{} {} {}", a.text, op.symbol(), b.text);
    let (holds, margin) = match (a.value, b.value) {
        (Some(x), Some(y)) => (Some(op.holds(x, y)), Some(signed_margin(op, x, y))),
        _ => (None, None),
    };
    let distance = margin.map(|m| m.abs());
    let relative = relative_distance(distance, unit.as_deref(), b.value);
    let du = diff_unit(unit.as_deref());
    let summary = Compared {
        a: &a,
        b: &b,
        op,
        unit: unit.as_deref(),
        du: &du,
        lang,
    }
    .summary(holds, distance);
    Condition {
        kind: CondKind::Compare,
        text,
        holds,
        op: Some(op),
        left: Some(a),
        right: Some(b),
        margin,
        distance,
        relative,
        unit: if du.is_empty() { None } else { Some(du) },
        summary,
        children: Vec::new(),
    }
}

/// Speak of the named side: `85 > satisfaction` is `satisfaction < 85`.
fn named_side_first(a: Side, b: Side, op: Comparison) -> (Side, Side, Comparison) {
    if a.id.is_some() || b.id.is_none() {
        return (a, b, op);
    }
    let flipped = match op {
        Comparison::Lt => Comparison::Gt,
        Comparison::Le => Comparison::Ge,
        Comparison::Gt => Comparison::Lt,
        Comparison::Ge => Comparison::Le,
        o => o,
    };
    (b, a, flipped)
}

/// The margin of `x op y`, signed so that it is positive when the comparison holds.
fn signed_margin(op: Comparison, x: Decimal, y: Decimal) -> Decimal {
    match op {
        Comparison::Lt | Comparison::Le => y - x,
        Comparison::Gt | Comparison::Ge => x - y,
        Comparison::Eq => -(x - y).abs(),
        Comparison::Ne => (x - y).abs(),
    }
}

/// The distance over its scale: percentages and per-mille rates are compared on their full
/// scale (1.49 points of 100); other values relative to the threshold (0 counts as 1).
fn relative_distance(
    distance: Option<Decimal>,
    unit: Option<&str>,
    threshold: Option<Decimal>,
) -> Option<Decimal> {
    let scale = match unit {
        Some("%") => Some(Decimal::ONE_HUNDRED),
        Some("‰") => Some(Decimal::ONE_THOUSAND),
        _ => threshold.map(|t| if t.is_zero() { Decimal::ONE } else { t.abs() }),
    };
    match (distance, scale) {
        (Some(d), Some(t)) => d.checked_div(t),
        _ => None,
    }
}

/// The two sides of a comparison, turned to speak of the named side, for its summary.
struct Compared<'a> {
    a: &'a Side,
    b: &'a Side,
    op: Comparison,
    /// Unit of the values.
    unit: Option<&'a str>,
    /// Unit of a difference of the values ([`diff_unit`]).
    du: &'a str,
    lang: Lang,
}

impl Compared<'_> {
    /// The left side counts cases (`cases.…`): its distance is a number of cases.
    fn is_case(&self) -> bool {
        self.a
            .id
            .as_deref()
            .is_some_and(|i| i.starts_with("cases."))
    }

    /// A side's value with its unit (`缺失` when missing).
    fn shown(&self, s: &Side) -> String {
        match s.value {
            Some(v) => crate::rules::fmt_val_in(
                &crate::expr::Val::Num(v),
                s.unit.as_deref().or(self.unit),
                self.lang,
            ),
            None => self.lang.pick("缺失", "missing").into(),
        }
    }

    /// One sentence: the left side's value, the trigger line and how far it is from flipping.
    fn summary(&self, holds: Option<bool>, distance: Option<Decimal>) -> String {
        let name = self.a.name.clone().unwrap_or_else(|| self.a.text.clone());
        let name = if self.is_case() {
            name.trim_end_matches("(例)").to_string()
        } else {
            name
        };
        let line = match &self.b.name {
            Some(n) => format!("{}{n}({})", op_word(self.op), self.shown(self.b)),
            None => format!("{}{}", op_word(self.op), self.shown(self.b)),
        };
        let value = self.shown(self.a);
        if self.lang.en() {
            let line = match &self.b.name {
                Some(n) => format!("{} {n} ({})", op_word(self.op), self.shown(self.b)),
                None => format!("{} {}", op_word(self.op), self.shown(self.b)),
            };
            return match (holds, distance) {
                (None, _) | (_, None) => format!("{name} {value}, fires at {line}: undecided"),
                (Some(true), Some(d)) => {
                    format!(
                        "{name} {value}, fires at {line}: holds ({})",
                        self.past_by(d)
                    )
                }
                (Some(false), Some(d)) => {
                    format!("{name} {value}, fires at {line}: {}", self.short_by(d))
                }
            };
        }
        match (holds, distance) {
            (None, _) | (_, None) => format!("{name}{value},触发线{line},无法判断"),
            (Some(true), Some(d)) => {
                format!("{name}{value},触发线{line},已成立({})", self.past_by(d))
            }
            (Some(false), Some(d)) => format!("{name}{value},触发线{line},{}", self.short_by(d)),
        }
    }

    /// How far past the trigger line a comparison that holds is.
    fn past_by(&self, d: Decimal) -> String {
        if self.lang.en() {
            return if self.is_case() {
                "it happened".to_string()
            } else if d.is_zero() {
                "exactly on the line".to_string()
            } else {
                let side = match self.op {
                    Comparison::Lt | Comparison::Le => "below",
                    _ => "above",
                };
                format!(
                    "{}{} {side} the line",
                    show_dp(d, 4),
                    crate::rules::diff_unit_in(self.unit, d, self.lang)
                )
            };
        }
        if self.is_case() {
            "已发生".to_string()
        } else if d.is_zero() {
            "恰在触发线上".to_string()
        } else {
            let side = match self.op {
                Comparison::Lt | Comparison::Le => "低于",
                _ => "高于",
            };
            format!("{side}触发线{}{}", show_dp(d, 4), self.du)
        }
    }

    /// How far from the trigger line a comparison that does not hold is.
    fn short_by(&self, d: Decimal) -> String {
        let strict = matches!(self.op, Comparison::Lt | Comparison::Gt);
        let du = self.du;
        if self.lang.en() {
            return if self.is_case() {
                let n = if strict {
                    d.floor() + Decimal::ONE
                } else {
                    d.ceil()
                };
                let case = if n == Decimal::ONE { "case" } else { "cases" };
                format!("fires after {} more {case}", show(n))
            } else if d.is_zero() {
                "exactly on the line: any step past it fires".to_string()
            } else {
                let du = crate::rules::diff_unit_in(self.unit, d, self.lang);
                if strict {
                    format!("margin {}{du}", show_dp(d, 4))
                } else {
                    format!("margin {}{du} (fires on reaching it)", show_dp(d, 4))
                }
            };
        }
        if self.is_case() {
            let n = if strict {
                d.floor() + Decimal::ONE
            } else {
                d.ceil()
            };
            format!("再发生{}例即触发", show(n))
        } else if d.is_zero() {
            "恰在触发线上,再越过即触发".to_string()
        } else if strict {
            format!("余量{}{du}", show_dp(d, 4))
        } else {
            format!("余量{}{du}(达到即触发)", show_dp(d, 4))
        }
    }
}

/// An `and` (`is_and`) or `or` of a trigger: its children with chains of the same operator
/// flattened, whether it holds, how close it is to flipping and a summary.
fn junction(
    set: &IndicatorSet,
    is_and: bool,
    parts: [&Logic<'_>; 2],
    env: &dyn Env,
    lang: Lang,
) -> Condition {
    let kind = if is_and { CondKind::And } else { CondKind::Or };
    let mut kids = Vec::new();
    for part in parts {
        let c = condition_in(set, part, env, lang);
        if c.kind == kind {
            kids.extend(c.children);
        } else {
            kids.push(c);
        }
    }
    let holds = junction_holds(is_and, &kids);
    let joined = kids
        .iter()
        .map(|k| k.summary.clone())
        .collect::<Vec<_>>()
        .join(lang.pick(";", "; "));
    let how = match (is_and, holds) {
        (true, Some(true)) => lang.pick(
            "各条件均成立;消除任一条件即解除",
            "every condition holds; removing any one clears it",
        ),
        (true, _) => lang.pick("须全部成立才触发", "fires only when all hold"),
        (false, Some(true)) => lang.pick("须全部消除才解除", "clears only when all are removed"),
        (false, _) => lang.pick("任一条件成立即触发", "fires when any one holds"),
    };
    let text = kids
        .iter()
        .map(|k| {
            if matches!(k.kind, CondKind::And | CondKind::Or) {
                format!("({})", k.text)
            } else {
                k.text.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(if is_and { " and " } else { " or " });
    let summary = if lang.en() {
        format!("{joined} ({how})")
    } else {
        format!("{joined}({how})")
    };
    let mut c = Condition::leaf(kind, text, holds, summary);
    c.relative = junction_relative(is_and, holds, &kids);
    c.children = kids;
    c
}

/// Whether an `and` / `or` holds: `None` when a missing child decides it.
fn junction_holds(is_and: bool, kids: &[Condition]) -> Option<bool> {
    // `and` is decided by a child that does not hold, `or` by one that holds.
    let decides = !is_and;
    if kids.iter().any(|k| k.holds == Some(decides)) {
        Some(decides)
    } else if kids.iter().all(|k| k.holds == Some(!decides)) {
        Some(!decides)
    } else {
        None
    }
}

/// How close an `and` / `or` is to flipping, from the children that must flip and whether all
/// of them must (or just one); see [`Condition::relative`].
fn junction_relative(is_and: bool, holds: Option<bool>, kids: &[Condition]) -> Option<Decimal> {
    let (flip, all) = match (is_and, holds) {
        (true, Some(false)) => (false, true),
        (true, _) => (true, false),
        (false, Some(true)) => (true, true),
        (false, _) => (false, false),
    };
    let rel: Vec<Option<Decimal>> = kids
        .iter()
        .filter(|k| k.holds == Some(flip))
        .map(|k| k.relative)
        .collect();
    if rel.is_empty() || rel.iter().any(Option::is_none) && all {
        None
    } else if all {
        rel.iter().flatten().copied().max()
    } else {
        rel.iter().flatten().copied().min()
    }
}

// ---------------------------------------------------------------------------------------
// Terminal text
// ---------------------------------------------------------------------------------------

/// The trace as terminal text.
pub fn render_text(t: &Trace) -> String {
    render_text_in(t, crate::lang::Lang::Zh)
}

/// `zh` or `en` by the language.
fn tr(en: bool, zh: &'static str, en_text: &'static str) -> &'static str {
    if en { en_text } else { zh }
}

/// The trace as terminal text in `lang`: the fixed words (headings, labels, veto tags) are
/// translated; names, rule texts and the steps of each rule are as the set and the rule
/// shapes write them (the shapes' reasons take the language through the same enum).
pub fn render_text_in(t: &Trace, lang: crate::lang::Lang) -> String {
    let en = lang == crate::lang::Lang::En;
    let mut o = String::new();
    header_text(&mut o, t, en);
    derived_text(&mut o, &t.derived, en);
    corrections_text(&mut o, &t.corrections, en);
    phases_text(&mut o, &t.phases, en);
    lines_text(&mut o, t, en);
    bonus_text(&mut o, t, en);
    vetoes_text(&mut o, &t.vetoes, en);
    let _ = writeln!(o, "\n{}", tr(en, "结果", "Result"));
    for s in &t.result.steps {
        let _ = writeln!(o, "  {s}");
    }
    o
}

/// The unit, the set, the period, and the total, grade and rank in three lines.
fn header_text(o: &mut String, t: &Trace, en: bool) {
    let u = &t.unit;
    let _ = writeln!(o, "{} ({})  {}", u.name, u.id, t.indicator_set.name);
    let _ = writeln!(
        o,
        "{} {} {} {} · {}{}{}",
        tr(en, "指标体系", "Indicator set"),
        t.indicator_set.id,
        tr(en, "版本", "version"),
        t.indicator_set.version,
        t.period,
        u.class_name
            .as_ref()
            .map(|c| format!(" · {} {c}", tr(en, "类别", "class")))
            .unwrap_or_default(),
        u.peer_group_name
            .as_ref()
            .map(|c| format!(" · {c}"))
            .unwrap_or_default(),
    );
    let r = &t.result;
    let status = if en { r.status.en() } else { r.status.zh() };
    let _ = writeln!(
        o,
        "{} {} / {} · {} {}{} · {} {}/{}",
        tr(en, "总分", "Total"),
        show_known(r.total),
        show(r.max_possible),
        tr(en, "等次", "grade"),
        r.grade.as_deref().unwrap_or(status),
        match (&r.score_grade, r.grade != r.score_grade) {
            (Some(sg), true) if en => format!(" (by score: {sg})"),
            (Some(sg), true) => format!("(按分数为{sg})"),
            _ => String::new(),
        },
        tr(en, "排名", "rank"),
        r.rank.map_or_else(|| "—".to_string(), |x| x.to_string()),
        r.units
    );
}

/// Each derived value: formula, formula with values, value.
fn derived_text(o: &mut String, derived: &[DerivedTrace], en: bool) {
    if derived.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{}", tr(en, "派生值", "Derived values"));
    for d in derived {
        let _ = writeln!(
            o,
            "  {} {} = {} = {} = {}",
            d.id, d.name, d.formula, d.with_values, d.value
        );
    }
}

/// Each value given by several evidence layers: every layer's value and the one used.
fn corrections_text(o: &mut String, corrections: &[crate::result::Correction], en: bool) {
    if corrections.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{}",
        tr(
            en,
            "佐证层(多来源数值,采用优先级最高的一层)",
            "Evidence layers (values from several sources; the highest-priority layer is used)"
        )
    );
    for c in corrections {
        let layers: Vec<String> = c
            .layers
            .iter()
            .map(|l| {
                if en {
                    format!("{} {}", l.name, l.value.in_lang(Lang::En))
                } else {
                    format!("{} {}", l.name, l.value)
                }
            })
            .collect();
        let used = c
            .used
            .as_deref()
            .map(|u| {
                c.layers
                    .iter()
                    .find(|l| &*l.layer == u)
                    .map_or(u, |l| &*l.name)
            })
            .unwrap_or("—");
        let diff = c
            .difference
            .as_ref()
            .map(|d| {
                if en {
                    format!(", difference {d}")
                } else {
                    format!(",差{d}")
                }
            })
            .unwrap_or_default();
        if en {
            let _ = writeln!(
                o,
                "  {} {}: {}; used {used}{diff}",
                c.field,
                c.name,
                layers.join(" / ")
            );
        } else {
            let _ = writeln!(
                o,
                "  {} {}:{};采用{used}{diff}",
                c.field,
                c.name,
                layers.join(" / ")
            );
        }
    }
}

/// Each phase of a time-weighted assessment: weight, total, grade.
fn phases_text(o: &mut String, phases: &[crate::result::PhaseResult], en: bool) {
    if phases.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{}", tr(en, "分阶段", "Phases"));
    for p in phases {
        if en {
            let _ = writeln!(
                o,
                "  {} weight {}: total {}, grade {}",
                p.name,
                show(p.weight),
                show_known(p.total),
                p.grade.as_deref().unwrap_or("—")
            );
        } else {
            let _ = writeln!(
                o,
                "  {} 权重{}:总分{},等次{}",
                p.name,
                show(p.weight),
                show_known(p.total),
                p.grade.as_deref().unwrap_or("—")
            );
        }
    }
}

/// Each line with its indicators and its sum, then the indicators on no known line.
fn lines_text(o: &mut String, t: &Trace, en: bool) {
    for line in &t.lines {
        let _ = writeln!(
            o,
            "\n{}  {} / {}{}",
            line.name,
            show_known(line.points),
            show(line.max_possible),
            line.zeroed_by
                .as_ref()
                .map(|v| if en {
                    format!(" (zeroed by {v})")
                } else {
                    format!("(被{v}记零)")
                })
                .unwrap_or_default()
        );
        let members = t
            .indicators
            .iter()
            .filter(|i| i.line.as_deref() == Some(line.id.as_str()));
        for i in members {
            indicator_text(o, i, t, en);
        }
        for s in &line.steps {
            let _ = writeln!(o, "  = {s}");
        }
    }
    let orphans = t
        .indicators
        .iter()
        .filter(|i| i.line.is_none() || !t.lines.iter().any(|l| Some(&l.id) == i.line.as_ref()));
    for i in orphans {
        indicator_text(o, i, t, en);
    }
}

/// The bonus items and the bonus with its cap.
fn bonus_text(o: &mut String, t: &Trace, en: bool) {
    if t.bonus_items.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{}  {}{}",
        tr(en, "加分", "Bonus"),
        show_known(t.bonus.points),
        t.bonus
            .cap
            .map(|c| format!(" / {}{}", tr(en, "上限", "cap "), show(c)))
            .unwrap_or_default()
    );
    for i in &t.bonus_items {
        indicator_text(o, i, t, en);
    }
    for s in &t.bonus.steps {
        let _ = writeln!(o, "  = {s}");
    }
}

/// Every veto rule: fired or not, its condition with margins, its effect.
fn vetoes_text(o: &mut String, vetoes: &[VetoCheck], en: bool) {
    let fired = vetoes.iter().filter(|v| v.fired).count();
    if en {
        let _ = writeln!(
            o,
            "\nOne-vote vetoes ({} {}, {} fired)",
            vetoes.len(),
            if vetoes.len() == 1 { "rule" } else { "rules" },
            fired
        );
    } else {
        let _ = writeln!(o, "\n一票否决({}条,触发{}条)", vetoes.len(), fired);
    }
    for v in vetoes {
        let tag = match (v.fired, v.mode, v.applied) {
            (true, VetoMode::Advisory, _) => tr(en, "触发·提示", "fired · advisory"),
            (true, _, true) => tr(en, "触发", "fired"),
            (true, _, false) => tr(en, "触发·未生效", "fired · not applied"),
            (false, _, _) if v.condition.holds.is_none() => tr(en, "无法判断", "undecided"),
            (false, _, _) => tr(en, "未触发", "clear"),
        };
        let _ = writeln!(o, "  [{tag}] {} {} — {}", v.id, v.name, v.trigger);
        let _ = writeln!(o, "      {}", v.condition.summary);
        let _ = writeln!(
            o,
            "      {}{}",
            tr(en, "后果:", "Effect: "),
            if v.mode == VetoMode::Advisory {
                tr(
                    en,
                    "仅提示,提请领导小组审议,不改变结果",
                    "advisory only: for the leading group to consider; the result is unchanged",
                )
                .to_string()
            } else {
                v.effect.clone()
            }
        );
    }
}

/// The display name of an evidence layer (年终抽样调查 for `survey`), from the unit's
/// corrections, which name every layer that gave a value; the id only when no name is known.
/// Ids stay in `--format json`.
fn layer_name<'a>(t: &'a Trace, id: &'a str) -> &'a str {
    t.corrections
        .iter()
        .flat_map(|c| c.layers.iter())
        .find(|l| &*l.layer == id)
        .map_or(id, |l| &*l.name)
}

fn indicator_text(o: &mut String, i: &IndicatorTrace, t: &Trace, en: bool) {
    let _ = writeln!(
        o,
        "  {} {}  {} / {}{}",
        i.id,
        i.name,
        show(i.points),
        show(i.max),
        if i.status == Status::Scored {
            String::new()
        } else if en {
            format!(" [{}]", crate::lang::Lang::En.status(i.status))
        } else {
            format!(" [{}]", i.status.zh())
        }
    );
    let _ = writeln!(o, "    {}{}", tr(en, "规则:", "Rule: "), i.rule_text);
    if let Some(of) = &i.office {
        let _ = writeln!(o, "    {}{of}", tr(en, "负责:", "Office: "));
    }
    if !i.inputs.is_empty() {
        let ins: Vec<String> = i
            .inputs
            .iter()
            .map(|x| match (&x.layer, en) {
                // The layer by its name, in the reports' 〔〕 (ids only in JSON).
                (Some(l), false) => {
                    format!("{}({})={}〔{}〕", x.name, x.id, x.value, layer_name(t, l))
                }
                (None, false) => format!("{}({})={}", x.name, x.id, x.value),
                (Some(l), true) => format!(
                    "{} ({}) = {} [{}]",
                    crate::result::name_in(&x.name, Lang::En),
                    x.id,
                    x.value.in_lang(Lang::En),
                    layer_name(t, l)
                ),
                (None, true) => format!(
                    "{} ({}) = {}",
                    crate::result::name_in(&x.name, Lang::En),
                    x.id,
                    x.value.in_lang(Lang::En)
                ),
            })
            .collect();
        let _ = writeln!(
            o,
            "    {}{}",
            tr(en, "读取:", "Reads: "),
            ins.join(tr(en, ";", "; "))
        );
    }
    let n = i.steps.len();
    for (k, s) in i.steps.iter().enumerate() {
        let label = if k + 1 == n && n > 1 {
            tr(en, "结果:", "Result: ")
        } else if k == 0 {
            tr(en, "计算:", "Steps: ")
        } else {
            tr(en, "      ", "       ")
        };
        let _ = writeln!(o, "    {label}{s}");
    }
}
