//! The inspection plan (抽查建议): which figures of which units to verify first. For each
//! uncertain figure of a unit, replications in which only that figure varies (the others as
//! reported, the weights as written) say how likely verifying it is to change the unit's
//! decisions — its pass/fail and its grade. The expected number of decisions that change is
//! the value of verifying it (a value-of-information ordering); the plan lists the pairs with
//! a chance above zero, most valuable first, each with its reason in plain Chinese.

use super::{Figure, UnitPlan, UnitSummary, replicate_unit, spread_of};
use crate::engine::Rescorer;
use crate::evidence::Evidence;
use crate::expr::view::Logic;
use crate::model::IndicatorSet;
use crate::model::uncertainty::Spread;
use crate::num::show;
use crate::result::{Assessment, UnitStatus};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::Serialize;

/// One (unit, figure) pair of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub unit: String,
    pub unit_name: String,
    pub field: String,
    pub field_name: String,
    pub value: Decimal,
    /// The figure's standard error (or half-width), in its unit.
    pub error: f64,
    /// Expected number of this unit's decisions (pass/fail, grade) that verifying would change.
    pub expected_changes: f64,
    /// Probability that verifying changes at least one of them.
    pub p_change: f64,
    pub reason: String,
}

/// The nearest veto line on `slot`: a comparison of the slot with a constant in a trigger.
fn veto_lines(set: &IndicatorSet, slot: u32) -> Vec<Decimal> {
    fn walk(l: &Logic<'_>, slot: u32, out: &mut Vec<Decimal>) {
        match l {
            Logic::And(a, b) | Logic::Or(a, b) => {
                walk(a, slot, out);
                walk(b, slot, out);
            }
            Logic::Not(a) => walk(a, slot, out),
            Logic::Compare { left, right, .. } => {
                if left.slot() == Some(slot)
                    && let Some(c) = right.constant()
                {
                    out.push(c);
                }
                if right.slot() == Some(slot)
                    && let Some(c) = left.constant()
                {
                    out.push(c);
                }
            }
            Logic::Atom(_) => {}
        }
    }
    let mut out = Vec::new();
    for v in &set.vetoes {
        if let Some(l) = v.when.logic() {
            walk(&l, slot, &mut out);
        }
    }
    out
}

/// A number for the reason text: one decimal when it has any.
fn short(x: f64) -> String {
    Decimal::from_f64(x).map_or_else(
        || format!("{x:.1}"),
        |d| show(crate::num::round_points(d, 1)),
    )
}

fn reason(
    set: &IndicatorSet,
    unit_name: &str,
    total: Option<Decimal>,
    f: &Figure,
    error: f64,
    p_change: f64,
    lang: crate::lang::Lang,
) -> String {
    if lang.en() {
        return reason_en(set, unit_name, total, f, error, p_change);
    }
    let field = &set.unit_kind().fields[f.field];
    let slot = set.slots.fields + u32::try_from(f.field).unwrap_or(u32::MAX);
    let value = show(f.value);
    let near = veto_lines(set, slot)
        .into_iter()
        .map(|c| (c, (f.value - c).abs()))
        .min_by(|a, b| a.1.cmp(&b.1));
    let line = match (near, total) {
        (Some((_, d)), _) => format!(",距否决线{}", show(d)),
        (None, Some(t)) => {
            let d = set
                .grades
                .iter()
                .filter_map(|g| g.min)
                .map(|m| (m, (t - m).abs()))
                .min_by(|a, b| a.1.cmp(&b.1));
            match d {
                Some((m, d)) => format!(",总分{},距{}分线{}分", show(t), show(m), show(d)),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    let err = match f.error.spread {
        Spread::Survey { .. } => format!("抽样误差±{}", short(error)),
        Spread::Bias { lo, hi } => format!(
            "自报偏差{}%至{}%",
            show(lo * Decimal::ONE_HUNDRED),
            show(hi * Decimal::ONE_HUNDRED)
        ),
        _ => format!("误差±{}", short(error)),
    };
    let pct = (p_change * 100.0).round();
    format!(
        "{unit_name}{}{value}{}{line},{err}:核实后决定可能改变的概率{pct}%",
        field.name,
        field
            .unit
            .as_deref()
            .filter(|u| *u != "%" && *u != "‰")
            .unwrap_or(""),
    )
}

/// [`reason`] in English.
fn reason_en(
    set: &IndicatorSet,
    unit_name: &str,
    total: Option<Decimal>,
    f: &Figure,
    error: f64,
    p_change: f64,
) -> String {
    let field = &set.unit_kind().fields[f.field];
    let slot = set.slots.fields + u32::try_from(f.field).unwrap_or(u32::MAX);
    let near = veto_lines(set, slot)
        .into_iter()
        .map(|c| (c, (f.value - c).abs()))
        .min_by(|a, b| a.1.cmp(&b.1));
    let line = match (near, total) {
        (Some((_, d)), _) => format!(", {} from a veto line", show(d)),
        (None, Some(t)) => {
            let d = set
                .grades
                .iter()
                .filter_map(|g| g.min)
                .map(|m| (m, (t - m).abs()))
                .min_by(|a, b| a.1.cmp(&b.1));
            match d {
                Some((m, d)) => format!(
                    ", total {}, {} from the {} line",
                    show(t),
                    crate::rules::pts_en(d),
                    show(m)
                ),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    let err = match f.error.spread {
        Spread::Survey { .. } => format!("sampling error ±{}", short(error)),
        Spread::Bias { lo, hi } => format!(
            "self-report bias {}% to {}%",
            show(lo * Decimal::ONE_HUNDRED),
            show(hi * Decimal::ONE_HUNDRED)
        ),
        _ => format!("error ±{}", short(error)),
    };
    let pct = (p_change * 100.0).round();
    format!(
        "{unit_name}: {} {}{}{line}, {err}: {pct}% chance that checking it changes a decision",
        field.name,
        show(f.value),
        field
            .unit
            .as_deref()
            .filter(|u| *u != "%" && *u != "‰")
            .unwrap_or(""),
    )
}

/// The plan, most valuable first (ties: unit id, field order). Units whose decisions never
/// changed with every figure varying are left out (a single figure varying will not change
/// them either in practice), which keeps the plan cheap at scale.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan(
    set: &IndicatorSet,
    ev: &Evidence,
    rs: &Rescorer<'_>,
    plans: &[UnitPlan],
    base: &Assessment,
    summaries: &[UnitSummary],
    seed: u64,
    n_rep: u32,
    lang: crate::lang::Lang,
) -> Vec<Check> {
    let lowest = set.grades.len().saturating_sub(1);
    let by_id: std::collections::BTreeMap<&str, &UnitSummary> =
        summaries.iter().map(|u| (u.id.as_str(), u)).collect();
    let base_by_id: std::collections::HashMap<&str, &crate::result::UnitResult> =
        base.units.iter().map(|u| (u.id.as_str(), u)).collect();
    let mut checks: Vec<(usize, usize, Check)> = (0..rs.len())
        .into_par_iter()
        .flat_map_iter(|pos| {
            let id = &ev.units[ev.scored[pos]].id;
            let s = by_id.get(id.as_str()).copied();
            let fragile = s.is_some_and(|s| s.p_pass_flips > 0.0 || s.p_grade_changes > 0.0);
            let plan = &plans[pos];
            let mut out = Vec::new();
            if !fragile || n_rep == 0 {
                return out.into_iter();
            }
            let Some(s) = s else {
                return out.into_iter();
            };
            let base_unit = base_by_id.get(id.as_str()).copied();
            let base_grade = s
                .grade
                .as_ref()
                .and_then(|g| set.grades.iter().position(|x| &x.label == g));
            let mut buf = super::Scratch::default();
            for (i, f) in plan.figures.iter().enumerate() {
                let (mut pass_changes, mut grade_changes, mut any) = (0usize, 0usize, 0usize);
                for r in 0..n_rep {
                    let at = super::At { pos, r, seed };
                    let rep = replicate_unit(
                        rs,
                        plan,
                        at,
                        (&super::Factors::default(), Some(i)),
                        &mut buf,
                    );
                    let passed = rep.status == UnitStatus::Complete
                        && rep.score.is_some()
                        && !rep.vetoed
                        && rep.grade.is_some_and(|g| g != lowest);
                    let p = passed != s.passed;
                    let g = rep.grade != base_grade;
                    pass_changes += usize::from(p);
                    grade_changes += usize::from(g);
                    any += usize::from(p || g);
                }
                if any == 0 {
                    continue;
                }
                let n = n_rep as usize;
                let ty = set.unit_kind().fields[f.field].ty;
                let error = spread_of(&f.error, f.value.to_f64().unwrap_or(0.0), ty).unwrap_or(0.0);
                let p_change = super::share(any, n);
                let field = &set.unit_kind().fields[f.field];
                out.push((
                    pos,
                    i,
                    Check {
                        unit: id.clone(),
                        unit_name: s.name.clone(),
                        field: field.id.clone(),
                        field_name: field.name.clone(),
                        value: f.value,
                        error,
                        expected_changes: super::share(pass_changes + grade_changes, n),
                        p_change,
                        reason: reason(
                            set,
                            &s.name,
                            base_unit.and_then(|u| u.total),
                            f,
                            error,
                            p_change,
                            lang,
                        ),
                    },
                ));
            }
            out.into_iter()
        })
        .collect();
    checks.sort_by(|a, b| {
        b.2.expected_changes
            .total_cmp(&a.2.expected_changes)
            .then(b.2.p_change.total_cmp(&a.2.p_change))
            .then_with(|| a.2.unit.cmp(&b.2.unit))
            .then(a.1.cmp(&b.1))
    });
    checks.into_iter().map(|(_, _, c)| c).collect()
}
