//! `kaohe lint [-s SET] [EVIDENCE…]`: design problems of a rubric, each at its line in the set.
//!
//! The loader rejects what cannot be scored; lint finds what scores but cannot be what the
//! authors meant:
//! - an item whose maximum no value can reach, or that no value can make lose points (from the
//!   shape's inverse [`crate::rules::Rule::need`] and the range of the field it reads:
//!   percentages 0–100, per-mille 0–1000, counts from 0);
//! - a zero line (threshold) outside the field's range;
//! - step rows that overlap (the first row wins, the later one is partly dead) or leave a gap
//!   between them (values there get `otherwise`);
//! - a grade no total can reach (above what the items can really give — an item whose maximum
//!   is out of reach counts with its highest reachable level — plus the most bonus), or below a
//!   grade every total reaches;
//! - a veto whose trigger can never hold (a comparison outside the range of what it reads);
//! - a bonus cap larger than all bonus items together;
//! - a line whose items do not add up to its maximum for a class with maxima of its own
//!   (`max_by_class`; items that do not apply to the class are N/A, not missing);
//! - with evidence: a veto that fires for every unit, an item no unit's evidence can score.
//!
//! Findings are warnings; `kaohe lint --strict` exits non-zero when there is any.

use crate::diag::Diagnostic;
use crate::expr::view::{Comparison, Logic};
use crate::load::Locations;
use crate::model::{Combine, FieldType, Indicator, IndicatorSet, Input, Rule};
use crate::num::show;
use crate::result::{Assessment, Status};
use crate::rules::{Bound, Need, steps::StepRow};
use rust_decimal::Decimal;

/// One problem: a short code and where it is, with its message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub diag: Diagnostic,
    /// `unreachable-max`, `never-loses`, `dead-threshold`, `step-overlap`, `step-gap`,
    /// `unreachable-grade`, `veto-never`, `veto-always`, `bonus-cap`, `line-max`,
    /// `unscorable`.
    pub code: &'static str,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "warning[{}]: {}", self.code, self.diag)
    }
}

/// The range a value can take: inclusive ends, `None` unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    lo: Option<Decimal>,
    hi: Option<Decimal>,
}

impl Range {
    const ANY: Range = Range { lo: None, hi: None };
    fn text_in(&self, unit: Option<&str>, lang: crate::lang::Lang) -> String {
        let u = unit.unwrap_or("");
        if lang.en() {
            return match (self.lo, self.hi) {
                (Some(a), Some(b)) => format!("{}{u}~{}{u}", show(a), show(b)),
                (Some(a), None) => format!("at least {}{u}", show(a)),
                (None, Some(b)) => format!("at most {}{u}", show(b)),
                (None, None) => "any value".into(),
            };
        }
        match (self.lo, self.hi) {
            (Some(a), Some(b)) => format!("{}{u}~{}{u}", show(a), show(b)),
            (Some(a), None) => format!("不小于{}{u}", show(a)),
            (None, Some(b)) => format!("不大于{}{u}", show(b)),
            (None, None) => "任意值".into(),
        }
    }
    fn as_need(&self) -> Need {
        Need::Range {
            low: self.lo.map(Bound::incl),
            high: self.hi.map(Bound::incl),
        }
    }
}

fn field_range(ty: FieldType) -> Option<Range> {
    let zero = Some(Decimal::ZERO);
    match ty {
        FieldType::Percent => Some(Range {
            lo: zero,
            hi: Some(Decimal::ONE_HUNDRED),
        }),
        FieldType::PerMille => Some(Range {
            lo: zero,
            hi: Some(Decimal::ONE_THOUSAND),
        }),
        FieldType::Count => Some(Range { lo: zero, hi: None }),
        FieldType::Number | FieldType::Bool | FieldType::Text => None,
    }
}

/// The field an indicator reads as a plain name, with its range.
fn read_field<'s>(
    set: &'s IndicatorSet,
    ind: &Indicator,
) -> Option<(&'s crate::model::Field, Range)> {
    let Input::Expr(c) = &ind.input else {
        return None;
    };
    let f = set
        .unit_kind()
        .fields
        .iter()
        .find(|f| f.id == c.source().trim())?;
    Some((f, field_range(f.ty)?))
}

/// Lint a set (with its locations), and the assessment of evidence when given.
pub fn lint(set: &IndicatorSet, loc: &Locations, assessed: Option<&Assessment>) -> Vec<Finding> {
    lint_in(set, loc, assessed, crate::lang::Lang::Zh)
}

/// [`lint`] with the requirements and ranges in the messages in `lang` (the messages are
/// English either way).
pub fn lint_in(
    set: &IndicatorSet,
    loc: &Locations,
    assessed: Option<&Assessment>,
    lang: crate::lang::Lang,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut warn = |code: &'static str, keys: &[&str], msg: String| {
        out.push(Finding {
            diag: loc.diag(keys, msg),
            code,
        });
    };
    let items: Vec<&Indicator> = set
        .indicators
        .iter()
        .chain(set.bonus.iter().flat_map(|b| b.items.iter()))
        .collect();
    for ind in &items {
        item(set, ind, &mut warn, lang);
    }
    grades(set, &mut warn);
    bonus_cap(set, &mut warn);
    line_maxima(set, &mut warn);
    for v in &set.vetoes {
        if let Some(l) = v.when.logic()
            && !can_hold(set, &l)
        {
            warn(
                "veto-never",
                &[&format!("veto.{}.when", v.id), &format!("veto.{}", v.id)],
                format!(
                    "veto `{}` ({}) can never fire: `{}` cannot hold for any value in range",
                    v.id,
                    v.name,
                    v.when.source()
                ),
            );
        }
    }
    if let Some(a) = assessed {
        evidence(set, a, &items, &mut warn);
    }
    out.sort();
    out
}

type Warn<'a> = dyn FnMut(&'static str, &[&str], String) + 'a;

fn item(set: &IndicatorSet, ind: &Indicator, warn: &mut Warn<'_>, lang: crate::lang::Lang) {
    let (at, rule_at) = (
        format!("indicator.{}", ind.id),
        format!("indicator.{}.rule", ind.id),
    );
    let keys = [rule_at.as_str(), at.as_str()];
    // A rule with per-unit parameters has no fixed edges to check here.
    if !ind.params.is_empty() {
        return;
    }
    let field = read_field(set, ind);
    let unit = ind.value_unit.as_deref();
    if ind.rule.family() == crate::rules::Family::Value && matches!(ind.input, Input::Expr(_)) {
        match ind.rule.need(ind.max, ind.floor, ind.max) {
            None => warn(
                "unreachable-max",
                &keys,
                format!(
                    "`{}` ({}) can never score its maximum of {}: no value meets the rule",
                    ind.id,
                    ind.name,
                    show(ind.max)
                ),
            ),
            Some(need) => {
                if let Some((f, r)) = field {
                    if need.and(r.as_need()).is_none() {
                        warn(
                            "unreachable-max",
                            &keys,
                            format!(
                                "`{}` ({}) can never score its maximum of {}: it needs {}, but `{}` is {}",
                                ind.id,
                                ind.name,
                                show(ind.max),
                                need.text_in(unit, lang),
                                f.id,
                                r.text_in(unit, lang)
                            ),
                        );
                    } else if covers(&need, r) && need != Need::Any {
                        warn(
                            "never-loses",
                            &keys,
                            format!(
                                "`{}` ({}) can never lose points: every value of `{}` ({}) meets {}",
                                ind.id,
                                ind.name,
                                f.id,
                                r.text_in(unit, lang),
                                need.text_in(unit, lang)
                            ),
                        );
                    }
                }
                if need == Need::Any {
                    warn(
                        "never-loses",
                        &keys,
                        format!(
                            "`{}` ({}) can never lose points: any value scores its maximum",
                            ind.id, ind.name
                        ),
                    );
                }
            }
        }
    }
    // A zero line the value cannot cross.
    if let (Rule::Threshold(t), Some((f, r))) = (&ind.rule, field) {
        let dead_above = t
            .zero_above
            .zip(r.hi)
            .is_some_and(|(a, hi)| a > hi || (a == hi && !t.inclusive));
        let dead_below = t.zero_above.is_none()
            && t.zero_below
                .zip(r.lo)
                .is_some_and(|(b, lo)| b < lo || (b == lo && !t.inclusive));
        if dead_above || dead_below {
            let line = t.zero_above.or(t.zero_below).unwrap_or_default();
            warn(
                "dead-threshold",
                &keys,
                format!(
                    "`{}` ({}): the zero line {} is outside the range of `{}` ({}), so it never applies",
                    ind.id,
                    ind.name,
                    show(line),
                    f.id,
                    r.text_in(unit, lang)
                ),
            );
        }
    }
    let rows = step_rows(&ind.rule);
    if let Some(rows) = rows {
        step_checks(ind, rows, field.map_or(Range::ANY, |(_, r)| r), warn);
    }
}

/// The step rows of a rule (inside a threshold too).
fn step_rows(r: &Rule) -> Option<&[StepRow]> {
    if let Rule::Steps(s) = r {
        return Some(&s.rows);
    }
    if let Rule::Threshold(t) = r {
        return t.within.as_deref().and_then(step_rows);
    }
    None
}

/// Whether every value of the range meets the requirement.
fn covers(need: &Need, r: Range) -> bool {
    let Need::Range { low, high } = need else {
        return matches!(need, Need::Any);
    };
    let low_ok = match (low, r.lo) {
        (None, _) => true,
        (Some(b), Some(lo)) => lo > b.value || (lo == b.value && b.inclusive),
        (Some(_), None) => false,
    };
    let high_ok = match (high, r.hi) {
        (None, _) => true,
        (Some(b), Some(hi)) => hi < b.value || (hi == b.value && b.inclusive),
        (Some(_), None) => false,
    };
    low_ok && high_ok
}

fn row_text(r: &StepRow) -> String {
    match (r.min, r.below) {
        (Some(a), Some(b)) => format!("[{}, {})", show(a), show(b)),
        (Some(a), None) => format!("[{}, ∞)", show(a)),
        (None, Some(b)) => format!("(−∞, {})", show(b)),
        (None, None) => "(−∞, ∞)".into(),
    }
}

fn step_checks(ind: &Indicator, rows: &[StepRow], range: Range, warn: &mut Warn<'_>) {
    let lo = |r: &StepRow| r.min;
    let hi = |r: &StepRow| r.below;
    // lower end: None = −∞; upper end: None = +∞.
    let lt_low_high = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (None, _) | (_, None) => true,
        (Some(x), Some(y)) => x < y,
    };
    for j in 0..rows.len() {
        for i in 0..j {
            let start = match (lo(&rows[i]), lo(&rows[j])) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let end = match (hi(&rows[i]), hi(&rows[j])) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if lt_low_high(start, end) {
                warn(
                    "step-overlap",
                    &[
                        &format!("indicator.{}.row.{j}", ind.id),
                        &format!("indicator.{}.rule", ind.id),
                    ],
                    format!(
                        "`{}` ({}): step row {} {} overlaps row {} {}; values in both get row {}'s {} points",
                        ind.id,
                        ind.name,
                        j + 1,
                        row_text(&rows[j]),
                        i + 1,
                        row_text(&rows[i]),
                        i + 1,
                        show(rows[i].points)
                    ),
                );
            }
        }
    }
    // Gaps: between the rows sorted by their lower end, inside the value's range.
    let mut sorted: Vec<(usize, &StepRow)> = rows.iter().enumerate().collect();
    sorted.sort_by(|a, b| match (a.1.min, b.1.min) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    });
    let mut reach: Option<Option<Decimal>> = None; // None: nothing yet; Some(None): +∞
    for (k, r) in &sorted {
        if let (Some(Some(end)), Some(start)) = (reach, r.min)
            && end < start
            && range.hi.is_none_or(|h| end <= h)
            && range.lo.is_none_or(|l| start > l)
        {
            warn(
                "step-gap",
                &[
                    &format!("indicator.{}.row.{k}", ind.id),
                    &format!("indicator.{}.rule", ind.id),
                ],
                format!(
                    "`{}` ({}): no step row covers [{}, {}) before row {} {}; values there get the `otherwise` points",
                    ind.id,
                    ind.name,
                    show(end),
                    show(start),
                    k + 1,
                    row_text(r)
                ),
            );
        }
        reach = Some(match (reach, r.below) {
            (Some(None), _) | (_, None) => None,
            (Some(Some(a)), Some(b)) => Some(a.max(b)),
            (None, Some(b)) => Some(b),
        });
    }
}

/// The most points an item can really give: the largest point level of its shape that some
/// value in the range of its field reaches (its maximum, or more with bonus steps, when the
/// shape is not scored from one value).
fn reachable_top(set: &IndicatorSet, ind: &Indicator) -> Decimal {
    let top = ind.rule.top(ind.max);
    if ind.rule.family() != crate::rules::Family::Value
        || !matches!(ind.input, Input::Expr(_))
        || !ind.params.is_empty()
    {
        return top;
    }
    let range = read_field(set, ind).map(|(_, r)| r);
    let mut levels = ind.rule.candidates(ind.max).unwrap_or_else(|| vec![top]);
    levels.sort_by(|a, b| b.cmp(a));
    levels
        .into_iter()
        .map(|p| p.min(top))
        .find(|p| {
            ind.rule
                .need(ind.max, ind.floor, *p)
                .is_some_and(|n| range.is_none_or(|r| n.and(r.as_need()).is_some()))
        })
        .unwrap_or(Decimal::ZERO)
}

/// The most a unit can total: what its items can really give (lines combined as the set
/// combines them) plus the most bonus.
fn max_total(set: &IndicatorSet) -> Decimal {
    let bonus: Decimal = set.bonus.as_ref().map_or(Decimal::ZERO, |b| {
        let items: Decimal = b.items.iter().map(|i| reachable_top(set, i)).sum();
        b.cap.map_or(items, |c| c.min(items))
    });
    let line = |li: usize| -> Decimal {
        set.indicators
            .iter()
            .filter(|i| i.line == Some(li))
            .map(|i| reachable_top(set, i).min(i.max))
            .sum()
    };
    let lines = match &set.combine {
        Combine::Sum | Combine::Separate => (0..set.lines.len()).map(line).sum(),
        Combine::Weighted(w) => {
            let total: Decimal = w.iter().sum();
            let share: Decimal = set
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.max.is_zero())
                .map(|(li, l)| line(li) / l.max * w.get(li).copied().unwrap_or_default())
                .sum();
            share
                .checked_div(total)
                .map_or(set.scale, |x| x * set.scale)
        }
    };
    lines + bonus
}

/// The least a unit can total: the negative floors (倒扣) of its items.
fn min_total(set: &IndicatorSet) -> Decimal {
    set.indicators
        .iter()
        .filter_map(|i| i.floor)
        .filter(|f| *f < Decimal::ZERO)
        .sum()
}

fn grades(set: &IndicatorSet, warn: &mut Warn<'_>) {
    // A set of vetoes alone: its two outcomes are given by the vetoes, not by a total.
    if set.veto_only {
        return;
    }
    let (top, bottom) = (max_total(set), min_total(set));
    let mut everyone: Option<&str> = None;
    for g in &set.grades {
        let key = format!("grade.{}", g.label);
        if let Some(by) = everyone {
            warn(
                "unreachable-grade",
                &[&key],
                format!(
                    "grade {} can never be given: every total reaches grade {} first",
                    g.label, by
                ),
            );
            continue;
        }
        if let Some(m) = g.min {
            if m > top {
                warn(
                    "unreachable-grade",
                    &[&key],
                    format!(
                        "grade {} needs {} points, but no unit can total more than {} (what its items can really give plus the most bonus)",
                        g.label,
                        show(m),
                        show(top)
                    ),
                );
            } else if m <= bottom {
                everyone = Some(&g.label);
            }
        }
    }
}

fn bonus_cap(set: &IndicatorSet, warn: &mut Warn<'_>) {
    let Some(b) = &set.bonus else { return };
    let Some(cap) = b.cap else { return };
    let items: Decimal = b.items.iter().map(|i| i.rule.top(i.max)).sum();
    if cap > items {
        warn(
            "bonus-cap",
            &["bonus.cap"],
            format!(
                "the bonus cap {} is larger than all bonus items together ({}), so it never applies",
                show(cap),
                show(items)
            ),
        );
    }
}

fn line_maxima(set: &IndicatorSet, warn: &mut Warn<'_>) {
    for (li, line) in set.lines.iter().enumerate() {
        let in_line = || set.indicators.iter().filter(move |i| i.line == Some(li));
        for (ci, class) in set.classes.iter().enumerate() {
            // Only classes with maxima of their own: an item that does not apply to a class is
            // N/A for it (its maximum is dropped or respread by design, not missing).
            if !in_line().any(|i| i.max_by_class.iter().any(|(k, _)| *k == ci)) {
                continue;
            }
            let sum: Decimal = in_line()
                .filter(|i| i.applies_to(Some(ci)))
                .map(|i| i.max_for(Some(ci)))
                .sum();
            if sum != line.max {
                warn(
                    "line-max",
                    &[
                        &format!("line.{}.max", line.id),
                        &format!("line.{}", line.id),
                    ],
                    format!(
                        "line `{}` ({}) has max {}, but for class {} ({}) the maxima of its items add up to {}",
                        line.id,
                        line.name,
                        show(line.max),
                        class.id,
                        class.name,
                        show(sum)
                    ),
                );
            }
        }
    }
}

/// Whether a trigger can hold for some values in the range of what it reads (conservative:
/// `true` unless shown impossible).
fn can_hold(set: &IndicatorSet, l: &Logic<'_>) -> bool {
    match l {
        Logic::And(a, b) => can_hold(set, a) && can_hold(set, b),
        Logic::Or(a, b) => can_hold(set, a) || can_hold(set, b),
        Logic::Not(_) | Logic::Atom(_) => true,
        Logic::Compare { op, left, right } => {
            let (slot, c, op) = match (left.slot(), right.constant(), right.slot(), left.constant())
            {
                (Some(s), Some(c), _, _) => (s, c, *op),
                (_, _, Some(s), Some(c)) => (s, c, flip(*op)),
                _ => return true,
            };
            let r = slot_range(set, slot);
            match op {
                Comparison::Lt => r.lo.is_none_or(|lo| lo < c),
                Comparison::Le => r.lo.is_none_or(|lo| lo <= c),
                Comparison::Gt => r.hi.is_none_or(|hi| hi > c),
                Comparison::Ge => r.hi.is_none_or(|hi| hi >= c),
                Comparison::Eq => r.lo.is_none_or(|lo| lo <= c) && r.hi.is_none_or(|hi| hi >= c),
                Comparison::Ne => !(r.lo == Some(c) && r.hi == Some(c)),
            }
        }
    }
}

/// `c op x` as `x op' c`.
fn flip(op: Comparison) -> Comparison {
    match op {
        Comparison::Lt => Comparison::Gt,
        Comparison::Le => Comparison::Ge,
        Comparison::Gt => Comparison::Lt,
        Comparison::Ge => Comparison::Le,
        Comparison::Eq => Comparison::Eq,
        Comparison::Ne => Comparison::Ne,
    }
}

/// The range of a slot of a scored unit, where it is known.
fn slot_range(set: &IndicatorSet, slot: u32) -> Range {
    let s = &set.slots;
    let kind = set.unit_kind();
    if slot < s.layers {
        return kind
            .fields
            .get((slot - s.fields) as usize)
            .and_then(|f| field_range(f.ty))
            .unwrap_or(Range::ANY);
    }
    if slot >= s.cases && slot < s.derived {
        return Range {
            lo: Some(Decimal::ZERO),
            hi: None,
        };
    }
    if slot == s.total {
        return Range {
            lo: Some(min_total(set)),
            hi: Some(max_total(set)),
        };
    }
    Range::ANY
}

fn evidence(set: &IndicatorSet, a: &Assessment, items: &[&Indicator], warn: &mut Warn<'_>) {
    let n = a.units.len();
    if n == 0 {
        return;
    }
    for v in &set.vetoes {
        if n >= 2
            && a.units
                .iter()
                .all(|u| u.vetoes.iter().any(|x| x.id == v.id))
        {
            warn(
                "veto-always",
                &[&format!("veto.{}.when", v.id), &format!("veto.{}", v.id)],
                format!(
                    "veto `{}` ({}) fires for every one of the {n} units of the evidence",
                    v.id, v.name
                ),
            );
        }
    }
    for ind in items {
        let statuses: Vec<Status> = a
            .units
            .iter()
            .filter_map(|u| {
                u.indicators
                    .iter()
                    .chain(&u.bonus_items)
                    .find(|r| r.id() == ind.id)
                    .map(|r| r.status)
            })
            .collect();
        if !statuses.is_empty() && statuses.iter().all(|s| *s == Status::MissingEvidence) {
            warn(
                "unscorable",
                &[&format!("indicator.{}", ind.id)],
                format!(
                    "no unit's evidence can score `{}` ({}): what it reads is blank for all {} units",
                    ind.id,
                    ind.name,
                    statuses.len()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_set_file, locate_set_file};
    use std::path::{Path, PathBuf};

    fn repo(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    /// Lint a set of the repository (named relative to it in the findings).
    fn run(rel: &str, evidence: Option<&str>) -> Vec<String> {
        let p = repo(rel);
        let set = load_set_file(&p).unwrap_or_else(|d| panic!("{d}"));
        let mut loc = locate_set_file(&p).unwrap_or_else(|d| panic!("{d}"));
        loc.file = rel.to_string();
        let a = evidence.map(|e| {
            let read = crate::read::files::read_paths(&[repo(e)]).unwrap_or_else(|d| panic!("{d}"));
            let ev = crate::bind::bind(&set, read).unwrap_or_else(|d| panic!("{d}"));
            crate::engine::assess(&set, &ev).unwrap_or_else(|d| panic!("{d}"))
        });
        lint(&set, &loc, a.as_ref())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// One of each problem in fixtures/rubric/lint-problems.yaml, each at its line.
    #[test]
    fn one_of_each_problem() {
        let found = run(
            "fixtures/rubric/lint-problems.yaml",
            Some("fixtures/rubric/lint-evidence.yaml"),
        );
        let codes: std::collections::BTreeSet<&str> = found
            .iter()
            .filter_map(|f| f.strip_prefix("warning[")?.split(']').next())
            .collect();
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            [
                "bonus-cap",
                "dead-threshold",
                "line-max",
                "never-loses",
                "step-gap",
                "step-overlap",
                "unreachable-grade",
                "unreachable-max",
                "unscorable",
                "veto-always",
                "veto-never",
            ]
        );
        insta::assert_snapshot!("lint_problems", found.join("\n"));
        // Without evidence, only the design problems.
        let set_only = run("fixtures/rubric/lint-problems.yaml", None);
        assert_eq!(set_only.len(), found.len() - 2);
    }

    /// The shipped sets have none of these problems.
    #[test]
    fn the_shipped_sets_are_clean() {
        for dir in ["indicators", "indicators/history", "indicators/examples"] {
            let mut files: Vec<String> = std::fs::read_dir(repo(dir))
                .expect("readable")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|f| f.ends_with(".yaml") && f != "sz-policy.yaml" && f != "evidence.yaml")
                .collect();
            files.sort();
            for f in files {
                let rel = format!("{dir}/{f}");
                assert_eq!(run(&rel, None), Vec::<String>::new(), "{rel}");
            }
        }
        assert_eq!(
            run("indicators/hz-township.yaml", Some("fixtures/huizhou")),
            Vec::<String>::new()
        );
        assert_eq!(
            run("indicators/hz-city.yaml", Some("fixtures/huizhou")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn step_rows_that_touch_have_no_gap_or_overlap() {
        let rows = [
            StepRow {
                min: Some(Decimal::from(4)),
                below: None,
                points: Decimal::from(20),
            },
            StepRow {
                min: Some(Decimal::from(2)),
                below: Some(Decimal::from(4)),
                points: Decimal::from(14),
            },
            StepRow {
                min: Some(Decimal::ONE),
                below: Some(Decimal::from(2)),
                points: Decimal::from(8),
            },
        ];
        let set =
            load_set_file(&repo("indicators/sz-district.yaml")).unwrap_or_else(|d| panic!("{d}"));
        let ind = &set.indicators[0];
        let mut n = 0;
        step_checks(ind, &rows, Range::ANY, &mut |_, _, _| n += 1);
        assert_eq!(n, 0);
    }
}
