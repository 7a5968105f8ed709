//! `kaohe self-assess UNIT`: 自查自评, a gap analysis of one unit before inspection.
//!
//! [`self_assess`] builds a [`SelfAssessment`] from a finished assessment:
//! - **points lost**, largest first, each with its responsible office and whether it can still
//!   be recovered (an outcome value that can change, missing evidence that can be supplied) or
//!   is a past event (a case in the ledger, a zeroing event, a line vetoed to zero);
//! - **what it takes**: for every value rule, the value needed for each point level between
//!   the current points and full points ([`crate::gap::ladder`]);
//! - **path to the next grade**: the fewest indicators to improve, and by how much, to pass
//!   the next cut-off, after clearing any veto that blocks it ([`crate::gap::plan`]);
//! - **veto proximity**: every veto rule with its margin, fired first;
//! - **missing evidence**: every field the set reads that the unit has not given, with the
//!   points at stake;
//! - **inspection risk** (optional): with last year's corrections of self-reported values,
//!   the points that would be lost if this year's correction were the same.
//!
//! Everything works on partial evidence: missing values make indicators `missing_evidence`
//! and vetoes "无法判断", never an error.

use crate::engine::ResultSlots;
use crate::evidence::Evidence;
use crate::explain::{
    self, ExplainError, SetInfo, UnitInfo, VetoCheck, diff_unit, find_unit, input_value, office,
};
use crate::expr::view::{Comparison, Logic};
use crate::expr::{Env, Val};
use crate::gap::{self, Candidate, Direction, Gains, Ladder, Need};
use crate::model::{Combine, Effect, Indicator, IndicatorSet, Input, Rule, Scope};
use crate::model::{FieldType, NaPolicy, VetoMode};
use crate::num::{round_points, show, show_dp};
use crate::result::{Assessment, IndicatorResult, Status, UnitResult};
use crate::rules::{Family, Rate};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Version tag of the self-assessment JSON.
mod html;

pub use html::render_html;

pub const SCHEMA: &str = "kaohe.self-assessment/1";

/// The gap analysis of one unit.
#[derive(Debug, Clone, Serialize)]
pub struct SelfAssessment {
    /// The language of its texts (and of the page made from it); not in the JSON.
    #[serde(skip)]
    pub lang: crate::lang::Lang,
    pub schema: &'static str,
    pub engine: String,
    pub indicator_set: SetInfo,
    pub period: String,
    pub unit: UnitInfo,
    /// Complete, pending, incomplete or no evidence.
    pub status: crate::result::UnitStatus,
    /// None while withheld (missing evidence).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float")]
    pub max_possible: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    pub grade: Option<String>,
    pub score_grade: Option<String>,
    /// The set's grades, best first, with their cut-offs.
    pub grades: Vec<crate::result::GradeInfo>,
    pub vetoed: bool,
    pub rank: Option<u32>,
    pub units: usize,
    /// Points lost, largest first.
    pub lost: Vec<Loss>,
    #[serde(with = "rust_decimal::serde::float")]
    pub lost_total: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub recoverable_total: Decimal,
    /// The value needed for each point level, per indicator that can still gain.
    pub needs: Vec<ValueNeed>,
    pub next_grade: NextGrade,
    /// Every veto rule: fired first, then nearest first.
    pub vetoes: Vec<VetoCheck>,
    /// Fields the set reads that the unit has not given.
    pub missing: Vec<MissingField>,
    /// Present when last year's corrections were given.
    pub risk: Option<Vec<Risk>>,
}

/// Why points were lost and whether they can come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// An outcome value that can still change.
    Outcome,
    /// Evidence not supplied (scored 0).
    MissingEvidence,
    /// A value that could not be computed (e.g. division by zero).
    Undefined,
    /// Cases in the ledger: past events.
    CaseEvent,
    /// Zeroed by an event (`zero_if` on something other than the value itself).
    ZeroingEvent,
    /// The indicator's line was zeroed by a veto: improving it gains nothing this period.
    LineVetoed,
    /// A whole line zeroed by a veto.
    LineVeto,
    /// Lost in an earlier phase of a time-weighted assessment: over.
    EarlierPhase,
    /// The value read was settled by a correcting evidence layer (survey, spot check …).
    Inspected,
}

impl LossKind {
    pub fn recoverable(self) -> bool {
        matches!(
            self,
            LossKind::Outcome | LossKind::MissingEvidence | LossKind::Undefined
        )
    }
    pub fn en(self) -> &'static str {
        match self {
            LossKind::Outcome => "recoverable",
            LossKind::MissingEvidence => "report the evidence",
            LossKind::Undefined => "check the data",
            LossKind::CaseEvent => "cases that happened",
            LossKind::ZeroingEvent => "zeroing event",
            LossKind::LineVetoed => "line already vetoed",
            LossKind::LineVeto => "one-vote veto",
            LossKind::EarlierPhase => "earlier phase",
            LossKind::Inspected => "settled by inspection",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            LossKind::Outcome => "可挽回",
            LossKind::MissingEvidence => "补报佐证",
            LossKind::Undefined => "核实数据",
            LossKind::CaseEvent => "已发生事件",
            LossKind::ZeroingEvent => "清零事件",
            LossKind::LineVetoed => "所在线已否决",
            LossKind::LineVeto => "一票否决",
            LossKind::EarlierPhase => "前期阶段",
            LossKind::Inspected => "核查已定",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Loss {
    pub id: String,
    pub name: String,
    pub line: Option<String>,
    pub office: Option<String>,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub points: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub lost: Decimal,
    pub kind: LossKind,
    pub recoverable: bool,
    /// Points that can still come back (in a time-weighted assessment: the last phase's loss
    /// at its weight).
    #[serde(with = "rust_decimal::serde::float")]
    pub recoverable_points: Decimal,
    /// In Chinese.
    pub why: String,
}

/// The value needed for each point level of one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct ValueNeed {
    pub id: String,
    pub name: String,
    pub office: Option<String>,
    /// Id of the value the rule reads, when it is a plain field or derived value.
    pub value_id: Option<String>,
    pub value_name: String,
    pub unit: Option<String>,
    /// The current value, displayed (`缺失` when missing).
    pub current: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub points: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    /// Most points the rule gives (above `max` for bonus-above rules).
    #[serde(with = "rust_decimal::serde::float")]
    pub top: Decimal,
    pub direction: Direction,
    pub continuous: bool,
    /// Levels above the current points, lowest first.
    pub levels: Vec<NeedLevel>,
    /// For smooth rules: points per unit of the value, in words.
    pub rate: Option<String>,
    /// The correcting layer that settled the value read (then the levels are for reference).
    pub settled_by: Option<String>,
    /// One sentence: the value needed for full points.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedLevel {
    #[serde(with = "rust_decimal::serde::float")]
    pub points: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub gain: Decimal,
    /// The requirement on the value (absent for checklists).
    pub need: Option<Need>,
    pub text: String,
}

/// Where the next grade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStatus {
    /// Already the highest grade.
    Top,
    /// A plan reaches the next grade.
    Reachable,
    /// A veto that cannot be cleared this period blocks every higher grade.
    Blocked,
    /// Even every recoverable point falls short.
    Unreachable,
    /// Sets graded line by line (`combine: separate`) are not planned.
    Unsupported,
    /// The total or grade is withheld (missing evidence, an undecided veto): supply the
    /// evidence first.
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextGrade {
    pub current: String,
    pub target: Option<String>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub cutoff: Option<Decimal>,
    pub status: PathStatus,
    /// Total points to gain (after clearing blocking vetoes); ≤ 0 when the score suffices.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub need: Option<Decimal>,
    /// How the plan is chosen and what it guarantees.
    pub method: &'static str,
    /// Vetoes blocking the target grade and what clears them.
    pub blockers: Vec<Blocker>,
    pub steps: Vec<PathStep>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub projected_total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub projected_score: Option<Decimal>,
    pub projected_grade: Option<String>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Blocker {
    pub veto: String,
    pub name: String,
    pub effect: String,
    pub clearable: bool,
    /// What clears it, in Chinese (empty when it cannot be cleared).
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    pub id: String,
    pub name: String,
    pub office: Option<String>,
    pub value_name: String,
    pub current: String,
    pub need: Option<Need>,
    #[serde(with = "rust_decimal::serde::float")]
    pub from_points: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub to_points: Decimal,
    /// Gain in total points (after line weights).
    #[serde(with = "rust_decimal::serde::float")]
    pub gain: Decimal,
    /// The veto this step clears, if any.
    pub clears: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingField {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// Indicators that read it (directly or through derived values).
    pub indicators: Vec<String>,
    /// Veto rules that read it.
    pub vetoes: Vec<String>,
    /// Points the unit loses on indicators left without evidence by it.
    #[serde(with = "rust_decimal::serde::float")]
    pub points_at_stake: Decimal,
}

/// Last year's correction of one self-reported value (e.g. a survey that lowered it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorCorrection {
    /// Field id.
    pub field: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub reported: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub corrected: Decimal,
}

/// The points at risk if this year's correction repeats last year's difference.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub field: String,
    pub name: String,
    pub unit: Option<String>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub now: Option<Decimal>,
    /// corrected − reported last year.
    #[serde(with = "rust_decimal::serde::float")]
    pub difference: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub corrected_now: Option<Decimal>,
    /// (indicator id, points now, points after the correction) for those that change.
    pub indicators: Vec<(String, f64, f64)>,
    #[serde(with = "rust_decimal::serde::float")]
    pub points_lost: Decimal,
    /// Vetoes that would fire.
    pub vetoes: Vec<String>,
    pub grade_after: String,
    pub summary: String,
}

/// Read last year's corrections: `{unit id: {field id: {reported, corrected}}}` (YAML).
pub fn read_history(text: &str) -> Result<BTreeMap<String, Vec<PriorCorrection>>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pair {
        reported: f64,
        corrected: f64,
    }
    let raw: BTreeMap<String, BTreeMap<String, Pair>> =
        serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (unit, fields) in raw {
        let mut v = Vec::new();
        for (field, p) in fields {
            let (Some(reported), Some(corrected)) = (
                Decimal::from_f64(p.reported),
                Decimal::from_f64(p.corrected),
            ) else {
                return Err(format!("{unit}.{field}: not a number"));
            };
            v.push(PriorCorrection {
                field,
                reported: reported.normalize(),
                corrected: corrected.normalize(),
            });
        }
        out.insert(unit, v);
    }
    Ok(out)
}

/// What the planner and the needs list know about one indicator.
struct Item<'a> {
    ind: &'a Indicator,
    res: &'a IndicatorResult,
    /// The rule as it applied to this unit (its per-unit parameters set).
    rule: std::borrow::Cow<'a, Rule>,
    value: Option<Val>,
    /// The slot, when the rule reads a plain field or derived value.
    plain: Option<u32>,
    /// Requirement from a `zero_if` on the value itself.
    guard: Option<Need>,
    ladder: Option<Ladder>,
    line_zeroed: Option<String>,
    kind: Option<LossKind>,
    /// The correcting layer that settled a value the rule reads.
    settled: Option<String>,
    /// The language of the texts made from it.
    lang: crate::lang::Lang,
}

/// The self-assessment of unit `id`; `a` is the assessment of `set` on `ev` made with `ctx`.
/// `corrections`: last year's corrections of this unit's self-reported values — when `None`,
/// they are taken from the most recent scorecard in `ctx.history` (its evidence layers).
pub fn self_assess(
    set: &IndicatorSet,
    ev: &Evidence,
    a: &Assessment,
    ctx: explain::Context<'_>,
    id: &str,
    corrections: Option<&[PriorCorrection]>,
) -> Result<SelfAssessment, ExplainError> {
    self_assess_in(set, ev, a, ctx, id, corrections, crate::lang::Lang::Zh)
}

/// [`self_assess`] with the losses' reasons in `lang` (the rule shapes' reasons and what can
/// be done about each loss).
pub fn self_assess_in(
    set: &IndicatorSet,
    ev: &Evidence,
    a: &Assessment,
    ctx: explain::Context<'_>,
    id: &str,
    corrections: Option<&[PriorCorrection]>,
    lang: crate::lang::Lang,
) -> Result<SelfAssessment, ExplainError> {
    let history = ctx.history;
    let (ui, r) = find_unit(set, ev, a, id)?;
    // Phases: earlier phases are done; only the last can still change, at its weight.
    let phase = explain::last_phase(set, ev, ctx);
    let pr = phase
        .as_ref()
        .and_then(|p| p.units.iter().find(|u| u.id == r.id))
        .unwrap_or(r);
    let phase_weight = match (set.phases.last(), phase.is_some()) {
        (Some(last), true) => {
            let wsum: Decimal = set.phases.iter().map(|p| p.weight).sum();
            if wsum.is_zero() {
                Decimal::ONE
            } else {
                last.weight / wsum
            }
        }
        _ => Decimal::ONE,
    };
    let slots = ResultSlots::new(set, ev, ctx.history, ctx.lower, ui, pr);
    let items: Vec<Item<'_>> = set
        .indicators
        .iter()
        .zip(&pr.indicators)
        .map(|(ind, res)| Item {
            lang,
            ..item(set, ind, res, pr, &slots)
        })
        .collect();
    let lost = losses(set, r, &items, phase.as_ref().map(|_| phase_weight), lang);
    let lost_total = lost.iter().map(|l| l.lost).sum();
    let recoverable_total = lost.iter().map(|l| l.recoverable_points).sum();
    let mut needs: Vec<ValueNeed> = items.iter().filter_map(|it| value_need(set, it)).collect();
    needs.sort_by(|a, b| {
        (b.top - b.points)
            .cmp(&(a.top - a.points))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut vetoes: Vec<VetoCheck> = set
        .vetoes
        .iter()
        .map(|v| crate::explain::check_veto_in(set, v, r, &slots, lang))
        .collect();
    sort_vetoes(&mut vetoes);
    let next_grade = next_grade(set, r, &items, &slots, phase_weight, lang);
    let missing = missing_fields(set, pr, &slots);
    let derived_corrections;
    let corrections = match corrections {
        Some(c) => Some(c),
        None => {
            derived_corrections = prior_corrections(set, history, &r.id);
            (!derived_corrections.is_empty()).then_some(derived_corrections.as_slice())
        }
    };
    let risk = corrections.map(|h| risks(set, ev, ctx, ui, r, h, lang));
    let t = explain::explain(set, ev, a, ctx, id)?;
    Ok(SelfAssessment {
        lang,
        schema: SCHEMA,
        engine: a.engine.clone(),
        indicator_set: t.indicator_set,
        period: t.period,
        unit: t.unit,
        status: r.status,
        total: r.total,
        max_possible: r.max_possible,
        score: r.score,
        grade: r.grade.clone(),
        score_grade: r.score_grade.clone(),
        grades: a.grades.clone(),
        vetoed: r.vetoed,
        rank: r.rank,
        units: a.units.len(),
        lost,
        lost_total,
        recoverable_total,
        needs,
        next_grade,
        vetoes,
        missing,
        risk,
    })
}

/// A displayed value as a number (`88.6%` → 88.6).
fn shown_number(v: &crate::result::Shown) -> Option<Decimal> {
    use std::str::FromStr;
    match v {
        crate::result::Shown::Val(Val::Num(d), _) => Some(*d),
        crate::result::Shown::Text(t) => {
            let n: String = t
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ','))
                .filter(|c| *c != ',')
                .collect();
            Decimal::from_str(&n).ok()
        }
        _ => None,
    }
}

/// Last year's corrections of a unit's self-reported values, from the most recent earlier
/// scorecard: for each field given by several layers, the lowest-priority layer (the
/// self-report) and the value used (the correcting layer).
pub fn prior_corrections(
    set: &IndicatorSet,
    history: &[Assessment],
    unit: &str,
) -> Vec<PriorCorrection> {
    let last = history
        .iter()
        .filter(|a| {
            a.indicator_set.unit_kind == set.unit_kind().id && a.period.to < set.effective.from
        })
        .max_by_key(|a| a.period.to);
    let Some(u) = last.and_then(|a| a.units.iter().find(|u| u.id == unit)) else {
        return Vec::new();
    };
    u.corrections
        .iter()
        .filter(|c| c.layers.len() >= 2)
        .filter_map(|c| {
            let reported = shown_number(&c.layers.last()?.value)?;
            let corrected = shown_number(&c.layers.first()?.value)?;
            Some(PriorCorrection {
                field: c.field.to_string(),
                reported,
                corrected,
            })
        })
        .collect()
}

/// Fired vetoes first (enforced before advisory), then the nearest to firing.
pub fn sort_vetoes(v: &mut [VetoCheck]) {
    v.sort_by_key(|c| {
        (
            !c.fired,
            c.mode == VetoMode::Advisory,
            c.condition.relative.is_none(),
            c.condition.relative.unwrap_or_default(),
        )
    });
}

/// The slot an indicator reads when its value is a plain name.
fn plain_slot(set: &IndicatorSet, ind: &Indicator) -> Option<u32> {
    match &ind.input {
        Input::Expr(e) if e.slots().len() == 1 => {
            let s = e.slots()[0];
            (set.slot_name(s).0 == e.source().trim()).then_some(s)
        }
        _ => None,
    }
}

/// The requirement a comparison `slot op constant` (either way round) puts on the slot for
/// the comparison to come out `want`.
fn cmp_need(l: &Logic<'_>, want: bool) -> Option<(u32, Need)> {
    let Logic::Compare { op, left, right } = l else {
        return None;
    };
    let (slot, c, op) = match (left.slot(), right.constant(), right.slot(), left.constant()) {
        (Some(s), Some(c), _, _) => (s, c, *op),
        (_, _, Some(s), Some(c)) => (
            s,
            c,
            match op {
                Comparison::Lt => Comparison::Gt,
                Comparison::Le => Comparison::Ge,
                Comparison::Gt => Comparison::Lt,
                Comparison::Ge => Comparison::Le,
                o => *o,
            },
        ),
        _ => return None,
    };
    let op = if want { op } else { op.negated() };
    let need = match op {
        Comparison::Lt => Need::below(c),
        Comparison::Le => Need::at_most(c),
        Comparison::Gt => Need::above(c),
        Comparison::Ge => Need::at_least(c),
        Comparison::Eq => Need::within(gap::Bound::incl(c), gap::Bound::incl(c)),
        Comparison::Ne => return None,
    };
    Some((slot, need))
}

fn item<'a>(
    set: &IndicatorSet,
    ind: &'a Indicator,
    res: &'a IndicatorResult,
    r: &UnitResult,
    slots: &ResultSlots<'_>,
) -> Item<'a> {
    let value = slots.with(|env| input_value(ind, env));
    let plain = plain_slot(set, ind);
    // A zero_if on the value itself is part of the rule's shape; on anything else, an event.
    let own_guard = ind.zero_if.as_ref().and_then(|z| {
        let l = z.logic()?;
        let (s, need) = cmp_need(&l, false)?;
        (Some(s) == plain).then_some(need)
    });
    let line_zeroed = ind
        .line
        .and_then(|l| r.lines.get(l))
        .and_then(|l| l.zeroed_by.clone());
    let is_value_rule = matches!(ind.input, Input::Expr(_));
    let params = match res.reason.generated() {
        crate::result::Reason::Rule { params, .. } => &params[..],
        _ => &[],
    };
    let rule = ind
        .rule
        .with_params(ind.params.iter().map(|p| p.path.as_str()), params);
    let ladder = if is_value_rule {
        gap::ladder(&rule, res.max, ind.floor, set.rounding, own_guard)
    } else {
        None
    };
    let settled = closure(set, &indicator_slots(ind))
        .into_iter()
        .find_map(|s| settled_by(set, &slots.vals, s));
    let kind = if res.status == Status::NotApplicable {
        None
    } else if line_zeroed.is_some() {
        Some(LossKind::LineVetoed)
    } else if settled.is_some() && matches!(res.status, Status::Scored | Status::Undefined) {
        match ind.rule.family() {
            Family::Cases => Some(LossKind::CaseEvent),
            Family::Value | Family::Checklist | Family::Formula | Family::LevelProgress => {
                Some(LossKind::Inspected)
            }
        }
    } else {
        match res.status {
            Status::MissingEvidence | Status::ZeroForMissing => Some(LossKind::MissingEvidence),
            Status::Undefined => Some(LossKind::Undefined),
            Status::Zeroed if own_guard.is_some() => Some(LossKind::Outcome),
            Status::Zeroed => Some(LossKind::ZeroingEvent),
            Status::Scored | Status::NotApplicable => match ind.rule.family() {
                Family::Cases => Some(LossKind::CaseEvent),
                Family::Value | Family::Checklist | Family::Formula | Family::LevelProgress => {
                    Some(LossKind::Outcome)
                }
            },
        }
    };
    Item {
        ind,
        res,
        rule,
        value,
        plain,
        guard: own_guard,
        ladder,
        line_zeroed,
        kind,
        settled,
        lang: crate::lang::Lang::Zh,
    }
}

/// The correcting evidence layer that settled a slot's value for this unit: any layer but a
/// field's lowest-priority one (normally the self-report) gave it. `None` when the unit's own
/// report stands. Only the slot itself; callers follow derived values with [`closure`].
fn settled_by(set: &IndicatorSet, vals: &[Option<Val>], slot: u32) -> Option<String> {
    let kind = set.unit_kind();
    let has = |s: u32| vals.get(s as usize).copied().flatten().is_some();
    let name = |l: usize| set.layers.get(l).map(|x| x.name.clone());
    if slot < set.slots.layers {
        let f = kind.fields.get(slot as usize)?;
        let n = u32::try_from(f.layers.len()).ok()?;
        if n < 2 {
            return None;
        }
        let k = (0..n - 1).find(|k| has(f.layer_base + k))?;
        return name(f.layers[k as usize]);
    }
    if slot < set.slots.cases {
        for f in &kind.fields {
            let n = u32::try_from(f.layers.len()).unwrap_or(0);
            if n >= 2 && slot >= f.layer_base && slot < f.layer_base + n {
                let k = slot - f.layer_base;
                return (k + 1 < n && has(slot))
                    .then(|| name(f.layers[k as usize]))
                    .flatten();
            }
        }
    }
    None
}

/// Points lost per indicator. `items` hold the (last phase's) results the unit can still act
/// on; `r` the unit's result. In a time-weighted assessment (`phase_weight` < 1) the loss is
/// the combined one and only the last phase's part, at its weight, can come back.
fn losses(
    set: &IndicatorSet,
    r: &UnitResult,
    items: &[Item<'_>],
    phase_weight: Option<Decimal>,
    lang: crate::lang::Lang,
) -> Vec<Loss> {
    let mut out = Vec::new();
    for (k, it) in items.iter().enumerate() {
        let Some(mut kind) = it.kind else { continue };
        let combined = r.indicators.get(k).unwrap_or(it.res);
        let lost = combined.lost();
        if lost <= Decimal::ZERO {
            continue;
        }
        let mut rec = if kind.recoverable() {
            it.res.lost().max(Decimal::ZERO) * phase_weight.unwrap_or(Decimal::ONE)
        } else {
            Decimal::ZERO
        };
        if phase_weight.is_some() && it.res.lost() <= Decimal::ZERO {
            kind = LossKind::EarlierPhase;
            rec = Decimal::ZERO;
        }
        let why = if lang.en() {
            loss_why_en(kind, it, combined, rec, lost, phase_weight)
        } else {
            loss_why(kind, it, combined, rec, lost, phase_weight)
        };
        out.push(Loss {
            id: it.ind.id.clone(),
            name: it.ind.name.clone(),
            line: it.ind.line.map(|l| set.lines[l].id.clone()),
            office: office(it.ind).map(|o| crate::result::office_in(&o, it.lang)),
            max: combined.max,
            points: combined.points,
            lost,
            kind,
            recoverable: rec > Decimal::ZERO,
            recoverable_points: rec,
            why,
        });
    }
    for (l, lr) in r.lines.iter().enumerate() {
        let Some(v) = &lr.zeroed_by else { continue };
        let sum: Decimal = items
            .iter()
            .filter(|it| it.ind.line == Some(l) && it.res.status != Status::NotApplicable)
            .map(|it| it.res.points)
            .sum();
        let name = set
            .vetoes
            .iter()
            .find(|x| &x.id == v)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        out.push(Loss {
            id: format!("line.{}", lr.id),
            name: match lang {
                crate::lang::Lang::Zh => format!("{}(一票否决记零)", lr.name),
                crate::lang::Lang::En => format!("{} (zeroed by a veto)", lr.name),
            },
            line: Some(lr.id.clone()),
            office: None,
            max: lr.max,
            points: Decimal::ZERO,
            lost: sum,
            kind: LossKind::LineVeto,
            recoverable: false,
            recoverable_points: Decimal::ZERO,
            why: match lang {
                crate::lang::Lang::Zh => format!(
                    "{v} {name}:{}已得的{}分记零,本期不可挽回",
                    lr.name,
                    show(sum)
                ),
                crate::lang::Lang::En => format!(
                    "{v} {name}: the {} points {} had are zeroed, not recoverable this period",
                    show(sum),
                    lr.name
                ),
            },
        });
    }
    out.sort_by(|a, b| b.lost.cmp(&a.lost).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Why an item lost points and what can be done, in English.
fn loss_why_en(
    kind: LossKind,
    it: &Item<'_>,
    combined: &crate::result::IndicatorResult,
    rec: Decimal,
    lost: Decimal,
    phase_weight: Option<Decimal>,
) -> String {
    let reason = it.res.reason.in_lang(crate::lang::Lang::En);
    let why = match kind {
        LossKind::Outcome if it.res.status == Status::Zeroed => {
            format!("{reason}; recoverable by improving the value")
        }
        LossKind::Outcome => match it.rule.family() {
            Family::Checklist => format!("{reason}; the items lacking can be completed"),
            Family::Formula => {
                format!("{reason}; scored by a formula, recoverable by improving its inputs")
            }
            Family::Value | Family::Cases | Family::LevelProgress => {
                format!("{reason}; the value can still improve")
            }
        },
        LossKind::MissingEvidence => {
            format!("{reason}; scored on the actual value once the evidence is supplied")
        }
        LossKind::Undefined => format!("{reason}; can be scored again once the data is checked"),
        LossKind::CaseEvent => {
            format!("{reason}; events recorded in the case ledger, not recoverable this period")
        }
        LossKind::ZeroingEvent => format!("{reason}; not recoverable this period"),
        LossKind::LineVetoed => format!(
            "{reason}; the item's line is zeroed by veto {}, improvements do not count this period",
            it.line_zeroed.as_deref().unwrap_or("")
        ),
        LossKind::LineVeto => String::new(),
        LossKind::EarlierPhase => format!(
            "{}; lost in an earlier phase, not recoverable",
            combined.reason.in_lang(crate::lang::Lang::En)
        ),
        LossKind::Inspected => format!(
            "{reason}; the value read was settled by {}, it cannot change this period",
            it.settled.as_deref().unwrap_or("the inspection")
        ),
    };
    match phase_weight {
        Some(_) if rec > Decimal::ZERO && rec < lost => format!(
            "{why} (of which {} points recoverable in the last phase, the rest lost in earlier phases)",
            show_dp(rec, 2)
        ),
        _ => why,
    }
}

/// Why an item lost points and what can be done.
fn loss_why(
    kind: LossKind,
    it: &Item<'_>,
    combined: &crate::result::IndicatorResult,
    rec: Decimal,
    lost: Decimal,
    phase_weight: Option<Decimal>,
) -> String {
    let why = match kind {
        LossKind::Outcome if it.res.status == Status::Zeroed => {
            format!("{},改善数值后可挽回", it.res.reason)
        }
        LossKind::Outcome => match it.rule.family() {
            Family::Checklist => format!("{};缺项可补齐", it.res.reason),
            Family::Formula => format!("{};按公式计分,改善各项输入可挽回", it.res.reason),
            Family::Value | Family::Cases | Family::LevelProgress => {
                format!("{};数值仍可改善", it.res.reason)
            }
        },
        LossKind::MissingEvidence => format!("{};补报佐证后按实际数值计分", it.res.reason),
        LossKind::Undefined => format!("{};核实数据后可重新计分", it.res.reason),
        LossKind::CaseEvent => {
            format!("{};案例台账记录的已发生事件,本期不可挽回", it.res.reason)
        }
        LossKind::ZeroingEvent => format!("{};本期不可挽回", it.res.reason),
        LossKind::LineVetoed => format!(
            "{};所在考核线已被{}一票否决记零,本期改进不计分",
            it.res.reason,
            it.line_zeroed.as_deref().unwrap_or("")
        ),
        LossKind::LineVeto => String::new(),
        LossKind::EarlierPhase => format!("{};前期阶段已失分,不可挽回", combined.reason),
        LossKind::Inspected => format!(
            "{};所读数值已由{}核定,本期不可更改",
            it.res.reason,
            it.settled.as_deref().unwrap_or("核查")
        ),
    };
    match phase_weight {
        Some(_) if rec > Decimal::ZERO && rec < lost => format!(
            "{why}(其中最后阶段可挽回{}分,其余为前期阶段失分)",
            show_dp(rec, 2)
        ),
        _ => why,
    }
}

fn value_name(set: &IndicatorSet, it: &Item<'_>) -> (Option<String>, String) {
    match it.plain {
        Some(s) => {
            let (id, name, _) = set.slot_name(s);
            (Some(id), name)
        }
        None => (None, it.ind.name.clone()),
    }
}

fn shown_value(it: &Item<'_>) -> String {
    match it.value {
        Some(v) => crate::rules::fmt_val_in(&v, it.ind.value_unit.as_deref(), it.lang),
        None => it.lang.pick("缺失", "missing").into(),
    }
}

/// Points per unit of the value for smooth rules, in words.
fn rate(rule: &Rule, max: Decimal, unit: Option<&str>, lang: crate::lang::Lang) -> Option<String> {
    if lang.en() {
        return Some(match rule.rate(max)? {
            Rate::Per {
                step,
                points,
                up,
                proportional,
            } => format!(
                "{} per {}{} ({})",
                crate::rules::pts_en(points),
                show(step),
                crate::rules::diff_unit_in(unit, step, lang),
                if proportional {
                    "in proportion"
                } else if up {
                    "up"
                } else {
                    "down"
                }
            ),
            Rate::Coefficient(per_tenth) => {
                format!(
                    "{} per 0.1 of the coefficient",
                    crate::rules::pts_en(per_tenth)
                )
            }
        });
    }
    let du = diff_unit(unit);
    Some(match rule.rate(max)? {
        Rate::Per {
            step,
            points,
            up,
            proportional,
        } => format!(
            "每{}{du}{}分({})",
            show(step),
            p2(points),
            if proportional {
                "按比例"
            } else if up {
                "提高"
            } else {
                "降低"
            }
        ),
        Rate::Coefficient(per_tenth) => format!("系数每0.1得{}分", p2(per_tenth)),
    })
}

fn p2(d: Decimal) -> String {
    show_dp(d, 2)
}

/// The value needed for each point level of an indicator the unit can still improve (or whose
/// value a correcting layer settled); `None` when there is nothing to gain.
fn value_need(set: &IndicatorSet, it: &Item<'_>) -> Option<ValueNeed> {
    if !it
        .kind
        .is_some_and(|k| k.recoverable() || k == LossKind::Inspected)
    {
        return None;
    }
    match (&it.ind.input, &*it.rule) {
        (Input::Checklist(items), Rule::Checklist(cl)) => checklist_need(set, it, items, cl),
        _ => ladder_need(set, it),
    }
}

/// A checklist: the points for completing any one, two, … of the items lacking.
fn checklist_need(
    set: &IndicatorSet,
    it: &Item<'_>,
    items: &[u32],
    cl: &crate::rules::checklist::Checklist,
) -> Option<ValueNeed> {
    let cur = it.res.points;
    let per_missing = &cl.per_missing;
    if it.res.lost() <= Decimal::ZERO || per_missing.is_zero() {
        return None;
    }
    let lacking: Vec<String> = it
        .res
        .inputs
        .to_vec()
        .into_iter()
        .filter(|x| items.iter().any(|&s| set.slot_name(s).0 == *x.id))
        .filter(|x| x.value.to_string() != "是")
        .map(|x| x.name.to_string())
        .collect();
    let mut levels = Vec::new();
    for k in 1..=lacking.len() {
        let p = (cur + *per_missing * Decimal::from(k)).min(it.res.max);
        if levels.last().is_some_and(|l: &NeedLevel| l.points >= p) {
            continue;
        }
        levels.push(NeedLevel {
            points: p,
            gain: p - cur,
            need: None,
            text: if it.lang.en() {
                format!(
                    "completing any {} gives {}",
                    crate::rules::count_en(k, "item", "items"),
                    crate::rules::pts_en(p)
                )
            } else {
                format!("补齐任意{k}项可得{}分", show(p))
            },
        });
        if p >= it.res.max {
            break;
        }
    }
    Some(ValueNeed {
        id: it.ind.id.clone(),
        name: it.ind.name.clone(),
        office: office(it.ind).map(|o| crate::result::office_in(&o, it.lang)),
        value_id: None,
        value_name: it.ind.name.clone(),
        unit: None,
        current: if it.lang.en() {
            format!(
                "{} lacking",
                crate::rules::count_en(lacking.len(), "item", "items")
            )
        } else {
            format!("缺{}项", lacking.len())
        },
        points: cur,
        max: it.res.max,
        top: it.res.max,
        direction: Direction::Flag,
        continuous: false,
        summary: if it.lang.en() {
            format!(
                "completing {} gives full marks, {} (now {})",
                lacking.join(", "),
                crate::rules::pts_en(it.res.max),
                show(cur)
            )
        } else {
            format!(
                "补齐{}可得满分{}分(现{}分)",
                lacking.join("、"),
                show(it.res.max),
                show(cur)
            )
        },
        levels,
        rate: None,
        settled_by: None,
    })
}

/// A value rule: the value needed for each level of its point ladder above the current
/// points, with the points per unit of the value for smooth rules.
fn ladder_need(set: &IndicatorSet, it: &Item<'_>) -> Option<ValueNeed> {
    let unit = it.ind.value_unit.as_deref();
    let cur = it.res.points;
    let (value_id, vname) = value_name(set, it);
    let ladder = it.ladder.as_ref()?;
    let top = it.rule.top(it.res.max);
    if cur >= top {
        return None;
    }
    let levels: Vec<NeedLevel> = ladder
        .levels
        .iter()
        .filter(|l| l.points > cur)
        .map(|l| NeedLevel {
            points: l.points,
            gain: l.points - cur,
            need: Some(l.need),
            text: if it.lang.en() {
                format!(
                    "{} {} gives {}",
                    vname,
                    l.need.text_in(unit, it.lang),
                    crate::rules::pts_en(l.points)
                )
            } else {
                format!("{}需{}可得{}分", vname, l.need.text(unit), show(l.points))
            },
        })
        .collect();
    let summary = ladder_summary(it, ladder, &vname, top);
    Some(ValueNeed {
        id: it.ind.id.clone(),
        name: it.ind.name.clone(),
        office: office(it.ind).map(|o| crate::result::office_in(&o, it.lang)),
        value_id,
        value_name: vname,
        unit: it.ind.value_unit.clone(),
        current: shown_value(it),
        points: cur,
        max: it.res.max,
        top,
        direction: ladder.direction,
        continuous: ladder.continuous,
        levels,
        rate: if ladder.continuous {
            rate(&it.rule, it.res.max, unit, it.lang)
        } else {
            None
        },
        settled_by: it.settled.clone(),
        summary,
    })
}

/// One sentence: the value needed for full points (or, at full points already, for the most
/// points), noting a value a correcting layer settled.
fn ladder_summary(it: &Item<'_>, ladder: &Ladder, vname: &str, top: Decimal) -> String {
    let unit = it.ind.value_unit.as_deref();
    let (cur, max) = (it.res.points, it.res.max);
    let current = shown_value(it);
    let missing = matches!(
        it.res.status,
        Status::MissingEvidence | Status::ZeroForMissing
    );
    if it.lang.en() {
        let summary = match (ladder.first_at_least(max), ladder.levels.last()) {
            (_, Some(b)) if cur >= max => format!(
                "full marks ({}) already; {} {} (now {}) gives the most, {}",
                crate::rules::pts_en(max),
                vname,
                b.need.text_in(unit, it.lang),
                current,
                crate::rules::pts_en(b.points)
            ),
            (Some(f), _) => format!(
                "{}{} {} ({}) gives full marks, {}{}",
                if missing { "report " } else { "" },
                vname,
                f.need.text_in(unit, it.lang),
                if missing {
                    "now missing".to_string()
                } else {
                    format!("now {current}")
                },
                crate::rules::pts_en(max),
                if top > max {
                    format!("; at most {}", crate::rules::pts_en(top))
                } else {
                    String::new()
                }
            ),
            (None, _) => format!("no value of {vname} gives full marks (now {current})"),
        };
        return match &it.settled {
            Some(layer) => format!("(settled by {layer}: cannot change this period) {summary}"),
            None => summary,
        };
    }
    let summary = match (ladder.first_at_least(max), ladder.levels.last()) {
        (_, Some(b)) if cur >= max => format!(
            "已得满分{}分;{}需{}(现{})可得最高{}分",
            show(max),
            vname,
            b.need.text(unit),
            current,
            show(b.points)
        ),
        (Some(f), _) => format!(
            "{}{}{}需{}({})可得满分{}分{}",
            if missing { "补报" } else { "" },
            vname,
            if missing { "," } else { "" },
            f.need.text(unit),
            if missing {
                "现缺失".to_string()
            } else {
                format!("现{current}")
            },
            show(max),
            if top > max {
                format!(",最高可得{}分", show(top))
            } else {
                String::new()
            }
        ),
        (None, _) => format!("{vname}的数值无法使本项得满分(现{current})"),
    };
    match &it.settled {
        Some(layer) => format!("(已由{layer}核定,本期不可更改){summary}"),
        None => summary,
    }
}

// ---------------------------------------------------------------------------------------
// Path to the next grade
// ---------------------------------------------------------------------------------------

const METHOD_EN: &str = "Fewest items improved (exact): the recoverable items are taken by the most \
points each can add, largest first, until the next grade's cut-off is reached (no fewer items can \
reach it); each chosen item (smallest gain first) is then lowered to the least level that still \
reaches the cut-off, and a chosen item is swapped for one not chosen when that lowers the excess. \
So no plan changes fewer items; lowering any item one level more misses the cut-off; the excess is \
less than the smallest level of the chosen items; with one item the excess is the least. Smooth \
rules are taken in steps of 0.01 points; the values needed are worked back from unrounded points \
(on the safe side). Bonus items, items charged per case and items zeroed by events are left out; \
improvements on a line zeroed by a veto do not count.";

const METHOD: &str = "最少改进项数(精确):可挽回的指标按其最多可增加的分数从大到小选取,直至达到下一等次所需分数——任何更少项数的组合都达不到;\
再将所选各项(可增加分数小者先)逐一降到仍能达到所需分数的最低一档,并在能减少超出分数时以未选指标替换已选指标。\
结果:不存在改动更少指标的方案;任一项再降一档即达不到;超出所需的分数小于所选各项中最小的一档;只需改进一项时超出最少。连续计分的规则按0.01分取值;所需数值按不经四舍五入的分数反推(偏保守)。\
加分项、按案例扣分的项目和事件清零的项目不计入方案;被一票否决记零的考核线上的改进不计分。";

/// Requirements on slots that make a trigger come out `want`; `None` if only past events
/// (cases, yes/no judgements, values settled by a correcting evidence layer) could.
fn achieve(
    set: &IndicatorSet,
    vals: &[Option<Val>],
    l: &Logic<'_>,
    env: &dyn Env,
    want: bool,
) -> Option<Vec<(u32, Need)>> {
    match l {
        Logic::Compare { left, right, op } => {
            let (Ok(a), Ok(b)) = (left.eval(env), right.eval(env)) else {
                return None;
            };
            if op.holds(a, b) == want {
                return Some(Vec::new());
            }
            let (slot, need) = cmp_need(l, want)?;
            changeable(set, vals, slot).then(|| vec![(slot, need)])
        }
        Logic::Atom(x) => (x.eval(env).ok() == Some(want)).then(Vec::new),
        Logic::Not(x) => achieve(set, vals, x, env, !want),
        Logic::And(x, y) | Logic::Or(x, y) => {
            let both = matches!(l, Logic::And(..)) == want;
            let (p, q) = (
                achieve(set, vals, x, env, want),
                achieve(set, vals, y, env, want),
            );
            if both {
                let (mut p, q) = (p?, q?);
                p.extend(q);
                Some(p)
            } else {
                match (p, q) {
                    (Some(p), Some(q)) => Some(if q.len() < p.len() { q } else { p }),
                    (p, q) => p.or(q),
                }
            }
        }
    }
}

/// Whether a unit can still change a slot this period: number fields, derived values and the
/// total; not case counts, yes/no judgements, or single indicator or line points.
fn changeable(set: &IndicatorSet, vals: &[Option<Val>], slot: u32) -> bool {
    let s = set.slots;
    if closure(set, &[slot])
        .into_iter()
        .any(|x| settled_by(set, vals, x).is_some())
    {
        return false;
    }
    if slot < s.layers {
        set.unit_kind()
            .fields
            .get(slot as usize)
            .is_some_and(|f| !matches!(f.ty, FieldType::Bool | FieldType::Text))
    } else {
        (slot >= s.derived && slot < s.points) || slot == s.total
    }
}

/// Index of a grade label in the set's grades (0 = best).
fn grade_index(set: &IndicatorSet, label: &str) -> usize {
    set.grades
        .iter()
        .position(|g| g.label == label)
        .unwrap_or(set.grades.len().saturating_sub(1))
}

/// How much one point of an indicator in line `l` adds to the total.
fn line_factor(set: &IndicatorSet, r: &UnitResult, items: &[Item<'_>], l: usize) -> Decimal {
    let Some(lr) = r.lines.get(l) else {
        return Decimal::ZERO;
    };
    if lr.zeroed_by.is_some() {
        return Decimal::ZERO;
    }
    let respread: Decimal = items
        .iter()
        .filter(|it| {
            it.ind.line == Some(l)
                && it.res.status == Status::NotApplicable
                && it.ind.na_policy == NaPolicy::Respread
        })
        .map(|it| it.res.max)
        .sum();
    let applicable = lr.max_possible - respread;
    let spread = if respread > Decimal::ZERO && applicable > Decimal::ZERO {
        lr.max_possible / applicable
    } else {
        Decimal::ONE
    };
    match &set.combine {
        Combine::Weighted(w) => {
            let wsum: Decimal = w.iter().copied().sum();
            let wl = w.get(l).copied().unwrap_or_default();
            if wsum.is_zero() || lr.max.is_zero() {
                Decimal::ZERO
            } else {
                spread * wl / wsum * set.scale / lr.max
            }
        }
        _ => spread,
    }
}

struct Option_ {
    item: usize,
    factor: Decimal,
    /// Requirement from a veto to clear, and the veto.
    forced: Option<(Need, String)>,
    forced_points: Decimal,
}

/// A requirement on a slot that clears a veto: the slot, the need, the veto's id.
type Requirement = (u32, Need, String);

/// The indicators a plan may improve, the veto requirements on slots no indicator reads, and
/// the total the plan must reach.
struct Options {
    list: Vec<Option_>,
    standalone: Vec<Requirement>,
    need_total: Decimal,
}

/// What the path from the unit's grade to the next one is planned from.
struct Planner<'a> {
    set: &'a IndicatorSet,
    r: &'a UnitResult,
    items: &'a [Item<'a>],
    slots: &'a ResultSlots<'a>,
    phase_weight: Decimal,
    /// Index of the target grade in the set's grades (one better than the unit's).
    target: usize,
    /// The target grade's cut-off on the score.
    cutoff: Decimal,
    lang: crate::lang::Lang,
}

fn next_grade(
    set: &IndicatorSet,
    r: &UnitResult,
    items: &[Item<'_>],
    slots: &ResultSlots<'_>,
    phase_weight: Decimal,
    lang: crate::lang::Lang,
) -> NextGrade {
    let en = lang.en();
    let mut ng = NextGrade {
        current: match &r.grade {
            Some(g) => g.clone(),
            None => lang.pick(r.status.zh(), r.status.en()).to_string(),
        },
        target: None,
        cutoff: None,
        status: PathStatus::Top,
        need: None,
        method: lang.pick(METHOD, METHOD_EN),
        blockers: Vec::new(),
        steps: Vec::new(),
        projected_total: None,
        projected_score: None,
        projected_grade: None,
        summary: String::new(),
    };
    let (Some(grade), Some(score), Some(total)) = (r.grade.as_deref(), r.score, r.total) else {
        ng.status = PathStatus::Incomplete;
        let missing = crate::output::missing_summary_in(r, lang);
        let undecided: Vec<String> = r
            .undecided_vetoes()
            .map(|v| format!("{} {}", v.id, v.name))
            .collect();
        let mut parts = Vec::new();
        if en {
            if !missing.is_empty() {
                parts.push(format!("complete the evidence: {missing}"));
            }
            if !undecided.is_empty() {
                parts.push(format!("verify the vetoes: {}", undecided.join(", ")));
            }
            ng.summary = format!(
                "{}: first {}; then the total, the grade and the gap to the next grade can be worked out",
                r.status.en(),
                parts.join("; ")
            );
            return ng;
        }
        if !missing.is_empty() {
            parts.push(format!("补齐佐证:{missing}"));
        }
        if !undecided.is_empty() {
            parts.push(format!("核实一票否决:{}", undecided.join("、")));
        }
        ng.summary = format!(
            "{}:先{},才能计算总分、等次及与下一等次的差距",
            r.status.zh(),
            parts.join(";")
        );
        return ng;
    };
    let cur = grade_index(set, grade);
    if cur == 0 {
        let over = set.grades.first().and_then(|g| g.min).map(|m| score - m);
        ng.summary = if en {
            format!(
                "already at the top grade, {}{}",
                grade,
                over.map(|o| format!(", {} above its cut-off", crate::rules::pts_en(o)))
                    .unwrap_or_default()
            )
        } else {
            format!(
                "已是最高等次{}{}",
                grade,
                over.map(|o| format!(",高出等次线{}分", show(o)))
                    .unwrap_or_default()
            )
        };
        return ng;
    }
    let target = cur - 1;
    let cutoff = set.grades[target].min.unwrap_or_default();
    ng.target = Some(set.grades[target].label.clone());
    ng.cutoff = Some(cutoff);
    if matches!(set.combine, Combine::Separate) {
        ng.status = PathStatus::Unsupported;
        ng.summary = lang
            .pick(
                "分线评定的指标体系按各线分别定等次,暂不计算升级路径",
                "the set grades each line on its own: no path to the next grade is worked out",
            )
            .into();
        return ng;
    }
    let p = Planner {
        set,
        r,
        items,
        slots,
        phase_weight,
        target,
        cutoff,
        lang,
    };
    let reqs;
    (ng.blockers, reqs) = p.blockers();
    if ng.blockers.iter().any(|b| !b.clearable) {
        ng.status = PathStatus::Blocked;
        ng.summary = p.blocked_summary(&ng.blockers);
        return ng;
    }
    let options = p.options(&reqs);
    let cands: Vec<Candidate> = options
        .list
        .iter()
        .map(|o| candidate(&items[o.item], o.factor, o.forced_points))
        .collect();
    let need = options.need_total - total;
    ng.need = Some(need);
    let plan = gap::plan(&cands, need);
    let gained;
    (ng.steps, gained) = p.steps(&options, &plan.gains);
    let total = total + gained;
    let score = p.score_of(total);
    ng.projected_total = Some(total);
    ng.projected_score = Some(score);
    ng.projected_grade = p.projected_grade(score, &ng.blockers);
    ng.status = if plan.reached {
        PathStatus::Reachable
    } else {
        PathStatus::Unreachable
    };
    ng.summary = p.plan_summary(&ng, need, plan.total);
    ng
}

impl Planner<'_> {
    /// The applied vetoes that keep the unit below the target grade, each with what clears
    /// it, and the requirements on slots that clear the clearable ones.
    fn blockers(&self) -> (Vec<Blocker>, Vec<Requirement>) {
        let (set, slots) = (self.set, self.slots);
        let mut blockers = Vec::new();
        let mut reqs = Vec::new();
        for v in self.r.vetoes.iter().filter(|v| v.applied) {
            let Some(model) = set.vetoes.iter().find(|m| m.id == v.id) else {
                continue;
            };
            if !self.blocks(model, v) {
                continue;
            }
            let clear = model
                .when
                .logic()
                .and_then(|l| slots.with(|env| achieve(set, &slots.vals, &l, env, false)));
            let requirements: Vec<String> = clear
                .iter()
                .flatten()
                .map(|(s, n)| {
                    let (_, name, unit) = set.slot_name(*s);
                    let now = slot_text(slots, *s, unit.as_deref(), self.lang);
                    if self.lang.en() {
                        format!(
                            "{} {} (now {now})",
                            crate::result::name_in(&name, self.lang),
                            n.text_in(unit.as_deref(), self.lang)
                        )
                    } else {
                        format!("{name}需{}(现{now})", n.text(unit.as_deref()))
                    }
                })
                .collect();
            if let Some(c) = &clear {
                reqs.extend(c.iter().map(|(s, n)| (*s, *n, v.id.clone())));
            }
            blockers.push(Blocker {
                veto: v.id.clone(),
                name: v.name.clone(),
                effect: v.effect_in(self.lang),
                clearable: clear.is_some(),
                requirements,
            });
        }
        (blockers, reqs)
    }

    /// Whether an applied veto keeps the unit below the target grade.
    fn blocks(&self, model: &crate::model::Veto, v: &crate::result::VetoResult) -> bool {
        match (&model.scope, &model.effect) {
            (_, Effect::Fail) => true,
            (Scope::Unit, Effect::Cap(c)) => self.target < *c,
            (Scope::Line(_), Effect::Cap(_)) => {
                // The cap's label, placed in the set's grades.
                let label = match &v.effect_of {
                    Some(crate::result::EffectOf::LineCap { grade, .. }) => grade.as_str(),
                    _ => v.effect.rsplit("最高为").next().unwrap_or(""),
                };
                self.set
                    .grades
                    .iter()
                    .position(|g| g.label == label)
                    .is_some_and(|c| self.target < c)
            }
            (_, Effect::Zero) => false,
        }
    }

    /// The summary when a veto that cannot be cleared this period blocks the target grade.
    fn blocked_summary(&self, blockers: &[Blocker]) -> String {
        let names: Vec<String> = blockers
            .iter()
            .filter(|b| !b.clearable)
            .map(|b| format!("{} {}", b.veto, b.name))
            .collect();
        if self.lang.en() {
            return format!(
                "vetoed ({}) by events that have happened: {} cannot be reached this period",
                names.join(", "),
                self.set.grades[self.target].label
            );
        }
        format!(
            "被一票否决({})且否决情形为已发生的事件,本考核期内无法提升到{}",
            names.join("、"),
            self.set.grades[self.target].label
        )
    }

    /// Whether the unit's maximum possible differs from the set's scale (not-applicable
    /// indicators), so that the score is the total rescaled.
    fn rescaled(&self) -> bool {
        let mp = self.r.max_possible;
        mp > Decimal::ZERO && mp != self.set.scale
    }

    /// The indicators a plan may improve: first those whose value a veto requirement names
    /// (forced to meet it), then every other indicator that can still gain; each weighed by
    /// what one of its points adds to the total. Also the total the plan must reach: the
    /// cut-off, or more when a requirement is on the total itself.
    fn options(&self, reqs: &[Requirement]) -> Options {
        let mut options = self.forced_options(reqs);
        self.add_free_options(&mut options.list);
        for o in &mut options.list {
            self.weigh(o);
        }
        options
            .list
            .retain(|o| o.factor > Decimal::ZERO || o.forced.is_some());
        options
    }

    /// Place each veto requirement: on the total (raising the total needed), on an indicator's
    /// plain value (that indicator forced to meet it, merged with any other requirement on
    /// it), or standing on its own.
    fn forced_options(&self, reqs: &[Requirement]) -> Options {
        let set = self.set;
        let to_total = if self.rescaled() {
            self.cutoff * self.r.max_possible / set.scale
        } else {
            self.cutoff
        };
        let mut out = Options {
            list: Vec::new(),
            standalone: Vec::new(),
            need_total: to_total,
        };
        for (s, n, v) in reqs {
            if *s == set.slots.total {
                if let Need::Range { low: Some(b), .. } = n {
                    let t = if b.inclusive {
                        b.value
                    } else {
                        b.value + Decimal::new(1, set.rounding)
                    };
                    out.need_total = out.need_total.max(t);
                }
                continue;
            }
            match self
                .items
                .iter()
                .position(|it| it.plain == Some(*s) && it.ladder.is_some())
            {
                Some(i) => match out.list.iter_mut().find(|o| o.item == i) {
                    Some(o) => {
                        let merged = o.forced.as_ref().and_then(|(m, _)| m.and(*n)).unwrap_or(*n);
                        o.forced = Some((merged, v.clone()));
                    }
                    None => out.list.push(Option_ {
                        item: i,
                        factor: Decimal::ONE,
                        forced: Some((*n, v.clone())),
                        forced_points: Decimal::ZERO,
                    }),
                },
                None => out.standalone.push((*s, *n, v.clone())),
            }
        }
        out
    }

    /// Add every other recoverable indicator that can still gain points.
    fn add_free_options(&self, options: &mut Vec<Option_>) {
        for (i, it) in self.items.iter().enumerate() {
            if !it.kind.is_some_and(LossKind::recoverable) {
                continue;
            }
            if options.iter().any(|o| o.item == i) {
                continue;
            }
            let gains_possible = match it.rule.family() {
                Family::Checklist => it.res.lost() > Decimal::ZERO,
                Family::Value | Family::Cases | Family::Formula | Family::LevelProgress => it
                    .ladder
                    .as_ref()
                    .is_some_and(|l| l.levels.iter().any(|x| x.points > it.res.points)),
            };
            if gains_possible {
                options.push(Option_ {
                    item: i,
                    factor: Decimal::ONE,
                    forced: None,
                    forced_points: Decimal::ZERO,
                });
            }
        }
    }

    /// What one point of the option's indicator adds to the total, and for a forced option the
    /// points its indicator scores at the nearest value meeting the requirement.
    fn weigh(&self, o: &mut Option_) {
        let (set, items) = (self.set, self.items);
        let it = &items[o.item];
        o.factor = it.ind.line.map_or(Decimal::ZERO, |l| {
            line_factor(set, self.r, items, l) * self.phase_weight
        });
        if let Some((n, _)) = &o.forced {
            let from = match it.value {
                Some(Val::Num(d)) => d,
                _ => Decimal::ZERO,
            };
            let v = n.nearest(from, Decimal::new(1, 2)).unwrap_or(from);
            o.forced_points = gap::points_at(
                &it.rule,
                Val::Num(v),
                it.res.max,
                it.ind.floor,
                set.rounding,
            )
            .unwrap_or(it.res.points)
            .max(it.res.points);
        }
    }

    /// The plan's steps (forced ones with no gain still appear, then the standalone
    /// requirements), those clearing a veto first, then by gain; and the total gained.
    fn steps(&self, options: &Options, gains: &[Decimal]) -> (Vec<PathStep>, Decimal) {
        let mut gained = Decimal::ZERO;
        let mut steps = Vec::new();
        for (o, g) in options.list.iter().zip(gains) {
            if *g <= Decimal::ZERO && o.forced.is_none() {
                continue;
            }
            gained += *g;
            steps.push(step(self.set, &self.items[o.item], o, *g));
        }
        steps.extend(options.standalone.iter().map(|q| self.standalone_step(q)));
        steps.sort_by(|a, b| {
            b.clears
                .is_some()
                .cmp(&a.clears.is_some())
                .then(b.gain.cmp(&a.gain))
                .then_with(|| a.id.cmp(&b.id))
        });
        (steps, gained)
    }

    /// A veto requirement on a slot no indicator reads as its own step (no points).
    fn standalone_step(&self, (s, n, v): &Requirement) -> PathStep {
        let (id, name, unit) = self.set.slot_name(*s);
        let current = slot_text(self.slots, *s, unit.as_deref(), self.lang);
        PathStep {
            id: id.clone(),
            name: name.clone(),
            office: None,
            value_name: name.clone(),
            current: current.clone(),
            need: Some(*n),
            from_points: Decimal::ZERO,
            to_points: Decimal::ZERO,
            gain: Decimal::ZERO,
            clears: Some(v.clone()),
            text: if self.lang.en() {
                format!(
                    "{} {} (now {current}), to clear {v}",
                    crate::result::name_in(&name, self.lang),
                    n.text_in(unit.as_deref(), self.lang)
                )
            } else {
                format!("{name}需{}(现{current}),以解除{v}", n.text(unit.as_deref()))
            },
        }
    }

    /// The score of a total (rescaled when not-applicable indicators lower the maximum).
    fn score_of(&self, total: Decimal) -> Decimal {
        if self.rescaled() {
            round_points(
                total * self.set.scale / self.r.max_possible,
                self.set.rounding,
            )
        } else {
            total
        }
    }

    /// The grade a score would get, under the unit caps of applied vetoes the plan does not
    /// clear.
    fn projected_grade(&self, score: Decimal, blockers: &[Blocker]) -> Option<String> {
        let set = self.set;
        let mut g = set
            .grades
            .iter()
            .position(|x| x.min.is_none_or(|m| score >= m))
            .unwrap_or(set.grades.len().saturating_sub(1));
        for v in self.r.vetoes.iter().filter(|v| v.applied) {
            if blockers.iter().any(|b| b.veto == v.id) {
                continue;
            }
            if let Some(m) = set.vetoes.iter().find(|m| m.id == v.id)
                && let (Scope::Unit, Effect::Cap(c)) = (m.scope, &m.effect)
            {
                g = g.max(*c);
            }
        }
        set.grades.get(g).map(|x| x.label.clone())
    }

    /// One sentence on the plan: what clears the blocking vetoes, the points needed, how many
    /// indicators, the projected total and grade; or why the grade cannot be reached. `most`
    /// is what every improvement together would gain.
    fn plan_summary(&self, ng: &NextGrade, need: Decimal, most: Decimal) -> String {
        let r = self.r;
        let label = &self.set.grades[self.target].label;
        let cutoff = self.cutoff;
        let total = ng.projected_total.unwrap_or_default();
        let score = ng.projected_score.unwrap_or_default();
        let en = self.lang.en();
        let projected = match (score != total, en) {
            (true, false) => format!("{}(折算{})", show(total), show(score)),
            (true, true) => format!("{} (score {})", show(total), show(score)),
            (false, _) => show(total),
        };
        if en {
            return self.plan_summary_en(ng, need, most, &projected);
        }
        let clears: Vec<String> = ng
            .blockers
            .iter()
            .map(|b| format!("先解除{} {}({})", b.veto, b.name, b.requirements.join(";")))
            .collect();
        match ng.status {
            PathStatus::Reachable if need <= Decimal::ZERO && !clears.is_empty() => format!(
                "分数已达{label}线({}≥{}),{};预计总分{},等次{}",
                crate::num::show_known(r.score),
                show(cutoff),
                clears.join(";"),
                projected,
                ng.projected_grade.clone().unwrap_or_default()
            ),
            PathStatus::Reachable => format!(
                "{}距{label}线({})差{}分;最少改进{}项可达到,预计总分{},等次{}",
                if clears.is_empty() {
                    String::new()
                } else {
                    format!("{};", clears.join(";"))
                },
                show(cutoff),
                show_dp(need.max(Decimal::ZERO), 2),
                ng.steps.iter().filter(|s| s.gain > Decimal::ZERO).count(),
                projected,
                ng.projected_grade.clone().unwrap_or_default()
            ),
            _ => format!(
                "距{label}线({})差{}分;即使下列各项全部改进(共{}分),总分最多{},本考核期内无法达到",
                show(cutoff),
                show_dp(need, 2),
                show_dp(most, 2),
                show_dp(total, 2)
            ),
        }
    }
}

impl Planner<'_> {
    /// [`Planner::plan_summary`] in English.
    fn plan_summary_en(
        &self,
        ng: &NextGrade,
        need: Decimal,
        most: Decimal,
        projected: &str,
    ) -> String {
        let r = self.r;
        let label = &self.set.grades[self.target].label;
        let cutoff = self.cutoff;
        let total = ng.projected_total.unwrap_or_default();
        let clears: Vec<String> = ng
            .blockers
            .iter()
            .map(|b| {
                format!(
                    "first clear {} {} ({})",
                    b.veto,
                    b.name,
                    b.requirements.join("; ")
                )
            })
            .collect();
        let grade = ng.projected_grade.clone().unwrap_or_default();
        match ng.status {
            PathStatus::Reachable if need <= Decimal::ZERO && !clears.is_empty() => format!(
                "the score already reaches {label} ({} ≥ {}); {}; projected total {projected}, grade {grade}",
                crate::num::show_known(r.score),
                show(cutoff),
                clears.join("; ")
            ),
            PathStatus::Reachable => {
                let n = ng.steps.iter().filter(|s| s.gain > Decimal::ZERO).count();
                format!(
                    "{}{} short of {label} ({}); improving {} reaches it: projected total {projected}, grade {grade}",
                    if clears.is_empty() {
                        String::new()
                    } else {
                        format!("{}; ", clears.join("; "))
                    },
                    crate::rules::pts_en(need.max(Decimal::ZERO)),
                    show(cutoff),
                    crate::rules::count_en(n, "item", "items")
                )
            }
            _ => format!(
                "{} short of {label} ({}); even with every improvement below ({} in all) the total is at most {}: not reachable this period",
                crate::rules::pts_en(need),
                show(cutoff),
                crate::rules::pts_en(most),
                show_dp(total, 2)
            ),
        }
    }
}

fn slot_text(
    slots: &ResultSlots<'_>,
    s: u32,
    unit: Option<&str>,
    lang: crate::lang::Lang,
) -> String {
    match slots.vals.get(s as usize).copied().flatten() {
        Some(v) => crate::rules::fmt_val_in(&v, unit, lang),
        None => lang.pick("缺失", "missing").into(),
    }
}

/// The gains an indicator can bring, in total points.
fn candidate(it: &Item<'_>, factor: Decimal, forced_points: Decimal) -> Candidate {
    let cur = it.res.points;
    let forced = ((forced_points - cur) * factor).max(Decimal::ZERO);
    if let (Input::Checklist(_), Rule::Checklist(cl)) = (&it.ind.input, &*it.rule) {
        let per_missing = &cl.per_missing;
        let mut v = Vec::new();
        let mut p = cur;
        while p < it.res.max && !per_missing.is_zero() && v.len() < gap::MAX_LEVELS {
            p = (p + *per_missing).min(it.res.max);
            v.push((p - cur) * factor);
        }
        return Candidate {
            gains: Gains::Steps(v),
            forced,
        };
    }
    let Some(l) = &it.ladder else {
        return Candidate {
            gains: Gains::Steps(Vec::new()),
            forced,
        };
    };
    if l.continuous {
        let above: Vec<&gap::Level> = l.levels.iter().filter(|x| x.points > cur).collect();
        let top = above.last().map_or(cur, |x| x.points);
        // The least positive points reachable: at the edge of the need for one granule more.
        let granule = Decimal::new(1, 2);
        let lowest = gap::need_for(&it.rule, it.res.max, it.ind.floor, cur + granule)
            .and_then(|n| {
                let v = match it.value {
                    Some(Val::Num(d)) => d,
                    _ => Decimal::ZERO,
                };
                n.nearest(v, Decimal::new(1, 4))
            })
            .and_then(|v| gap::points_at(&it.rule, Val::Num(v), it.res.max, it.ind.floor, 2))
            .unwrap_or(cur + granule)
            .max(cur + granule);
        Candidate {
            gains: Gains::Linear {
                min: ((lowest - cur) * factor).min((top - cur) * factor),
                max: ((top - cur) * factor).max(Decimal::ZERO),
                granule: granule * factor,
            },
            forced,
        }
    } else {
        Candidate {
            gains: Gains::Steps(
                l.levels
                    .iter()
                    .filter(|x| x.points > cur)
                    .map(|x| (x.points - cur) * factor)
                    .collect(),
            ),
            forced,
        }
    }
}

/// A step of the path in English: what to change and the points it gives.
fn step_text_en(
    it: &Item<'_>,
    need: Option<Need>,
    vname: &str,
    current: &str,
    cur: Decimal,
    to: Decimal,
) -> String {
    let unit = it.ind.value_unit.as_deref();
    match (&*it.rule, need) {
        (Rule::Checklist(cl), _) => {
            let k = if cl.per_missing.is_zero() {
                Decimal::ZERO
            } else {
                ((to - cur) / cl.per_missing).ceil()
            };
            let items = if k == Decimal::ONE { "item" } else { "items" };
            format!(
                "{}: complete {} {items}, {} → {}",
                it.ind.name,
                show(k),
                show(cur),
                crate::rules::pts_en(to)
            )
        }
        (_, Some(n)) => format!(
            "{}: {}{} {} (now {current}), {} → {}",
            it.ind.name,
            if matches!(
                it.res.status,
                Status::MissingEvidence | Status::ZeroForMissing
            ) {
                "report the evidence; "
            } else {
                ""
            },
            if vname == it.ind.name {
                "the value"
            } else {
                vname
            },
            n.text_in(unit, it.lang),
            show(cur),
            crate::rules::pts_en(to)
        ),
        (_, None) => format!(
            "{}: {} → {}",
            it.ind.name,
            show(cur),
            crate::rules::pts_en(to)
        ),
    }
}

fn step(set: &IndicatorSet, it: &Item<'_>, o: &Option_, gain: Decimal) -> PathStep {
    let cur = it.res.points;
    let to = if o.factor.is_zero() {
        o.forced_points
    } else {
        round_points(cur + gain / o.factor, set.rounding)
    };
    let unit = it.ind.value_unit.as_deref();
    let (_, vname) = value_name(set, it);
    let current = shown_value(it);
    let mut need = if let Rule::Checklist(_) = *it.rule {
        None
    } else {
        gap::need_for(&it.rule, it.res.max, it.ind.floor, to).and_then(|n| match it.guard {
            Some(g) => n.and(g),
            None => Some(n),
        })
    };
    if let Some((f, _)) = &o.forced {
        need = Some(need.and_then(|n| n.and(*f)).unwrap_or(*f));
    }
    let text = if it.lang.en() {
        step_text_en(it, need, &vname, &current, cur, to)
    } else {
        match (&*it.rule, need) {
            (Rule::Checklist(cl), _) => {
                let per_missing = &cl.per_missing;
                let k = if per_missing.is_zero() {
                    Decimal::ZERO
                } else {
                    ((to - cur) / *per_missing).ceil()
                };
                format!(
                    "{}:补齐{}项,{}→{}分",
                    it.ind.name,
                    show(k),
                    show(cur),
                    show(to)
                )
            }
            (_, Some(n)) => format!(
                "{}:{}{}需{}(现{}),{}→{}分",
                it.ind.name,
                if matches!(
                    it.res.status,
                    Status::MissingEvidence | Status::ZeroForMissing
                ) {
                    "补报佐证,"
                } else {
                    ""
                },
                if vname == it.ind.name {
                    ""
                } else {
                    vname.as_str()
                },
                n.text(unit),
                current,
                show(cur),
                show(to)
            ),
            (_, None) => format!("{}:{}→{}分", it.ind.name, show(cur), show(to)),
        }
    };
    let text = match (&o.forced, it.lang.en()) {
        (Some((_, v)), false) => format!("{text}(解除{v})"),
        (Some((_, v)), true) => format!("{text} (clears {v})"),
        (None, _) => text,
    };
    PathStep {
        id: it.ind.id.clone(),
        name: it.ind.name.clone(),
        office: office(it.ind).map(|o| crate::result::office_in(&o, it.lang)),
        value_name: vname,
        current,
        need,
        from_points: cur,
        to_points: to,
        gain,
        clears: o.forced.as_ref().map(|(_, v)| v.clone()),
        text,
    }
}

// ---------------------------------------------------------------------------------------
// Missing evidence and inspection risk
// ---------------------------------------------------------------------------------------

/// Slots read, following derived values down to what they read.
fn closure(set: &IndicatorSet, start: &[u32]) -> Vec<u32> {
    let kind = set.unit_kind();
    let mut all = Vec::new();
    let mut stack = start.to_vec();
    while let Some(s) = stack.pop() {
        if all.contains(&s) {
            continue;
        }
        all.push(s);
        if s >= set.slots.derived && s < set.slots.points {
            let d = (s - set.slots.derived) as usize;
            if let Some(der) = kind.derived.get(d) {
                stack.extend(der.expr.slots().iter().copied());
            }
        }
    }
    all
}

fn indicator_slots(ind: &Indicator) -> Vec<u32> {
    let mut v = match &ind.input {
        Input::Expr(e) => e.slots().to_vec(),
        Input::Checklist(s) => s.clone(),
        Input::Cases => Vec::new(),
        Input::None => match ind.rule.family() {
            Family::Formula => ind.rule.expr_slots(),
            Family::Value | Family::Checklist | Family::Cases | Family::LevelProgress => Vec::new(),
        },
    };
    if let Some(z) = &ind.zero_if {
        v.extend(z.slots().iter().copied());
    }
    v
}

fn missing_fields(
    set: &IndicatorSet,
    r: &UnitResult,
    slots: &ResultSlots<'_>,
) -> Vec<MissingField> {
    let kind = set.unit_kind();
    let inds: Vec<(&Indicator, &IndicatorResult, Vec<u32>)> = set
        .indicators
        .iter()
        .zip(&r.indicators)
        .chain(
            set.bonus
                .iter()
                .flat_map(|b| b.items.iter())
                .zip(&r.bonus_items),
        )
        .map(|(i, res)| (i, res, closure(set, &indicator_slots(i))))
        .collect();
    let vetoes: Vec<(&str, Vec<u32>)> = set
        .vetoes
        .iter()
        .map(|v| (v.id.as_str(), closure(set, v.when.slots())))
        .collect();
    let mut out = Vec::new();
    for (fi, f) in kind.fields.iter().enumerate() {
        if matches!(f.ty, FieldType::Text) {
            continue;
        }
        let s = set.slots.fields + u32::try_from(fi).unwrap_or(0);
        if slots.vals.get(s as usize).copied().flatten().is_some() {
            continue;
        }
        let readers: Vec<&(&Indicator, &IndicatorResult, Vec<u32>)> = inds
            .iter()
            .filter(|(_, res, reads)| res.status != Status::NotApplicable && reads.contains(&s))
            .collect();
        let vs: Vec<String> = vetoes
            .iter()
            .filter(|(_, reads)| reads.contains(&s))
            .map(|(id, _)| id.to_string())
            .collect();
        if readers.is_empty() && vs.is_empty() {
            continue;
        }
        let at_stake = readers
            .iter()
            .filter(|(_, res, _)| {
                matches!(res.status, Status::MissingEvidence | Status::ZeroForMissing)
            })
            .map(|(_, res, _)| res.max - res.points)
            .sum();
        out.push(MissingField {
            id: f.id.clone(),
            name: f.name.clone(),
            unit: f.unit.clone(),
            indicators: readers.iter().map(|(i, _, _)| i.id.clone()).collect(),
            vetoes: vs,
            points_at_stake: at_stake,
        });
    }
    out.sort_by(|a, b| {
        b.points_at_stake
            .cmp(&a.points_at_stake)
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// Set a unit's value in the evidence and in each phase's evidence.
fn set_value(ev: &mut Evidence, unit: &str, slot: usize, v: Val) {
    if let Some(u) = ev.units.iter_mut().find(|u| u.id == unit)
        && let Some(x) = u.values.get_mut(slot)
    {
        *x = Some(v);
    }
    if let Some(last) = ev.phases.last_mut() {
        set_value(last, unit, slot, v);
    }
}

/// Re-score the unit with last year's correction applied to each corrected field in turn.
fn risks(
    set: &IndicatorSet,
    ev: &Evidence,
    ctx: explain::Context<'_>,
    ui: usize,
    r: &UnitResult,
    history: &[PriorCorrection],
    lang: crate::lang::Lang,
) -> Vec<Risk> {
    let run = RiskRun {
        set,
        ev,
        ctx,
        ui,
        r,
        lang,
    };
    let mut out: Vec<Risk> = history.iter().filter_map(|c| run.risk(c)).collect();
    out.sort_by(|a, b| {
        b.points_lost
            .cmp(&a.points_lost)
            .then_with(|| a.field.cmp(&b.field))
    });
    out
}

/// What the unit is re-scored from to weigh its inspection risks: the assessment's inputs, the
/// unit's index in the evidence and its result.
struct RiskRun<'a> {
    set: &'a IndicatorSet,
    ev: &'a Evidence,
    ctx: explain::Context<'a>,
    ui: usize,
    r: &'a UnitResult,
    /// The language of each risk's summary.
    lang: crate::lang::Lang,
}

impl RiskRun<'_> {
    /// The risk of one corrected field: its value now, corrected by last year's difference,
    /// and the unit re-scored with it. `None` for a field the set does not have or one a
    /// correcting layer already settled this year.
    fn risk(&self, c: &PriorCorrection) -> Option<Risk> {
        let kind = self.set.unit_kind();
        let fi = kind.fields.iter().position(|f| f.id == c.field)?;
        let f = &kind.fields[fi];
        let s = self.set.slots.fields as usize + fi;
        if self.corrected_this_year(f) {
            return None;
        }
        let now = match self.ev.units[self.ui].values.get(s).copied().flatten() {
            Some(Val::Num(d)) => Some(d),
            _ => None,
        };
        let diff = c.corrected - c.reported;
        let corrected_now = now.map(|v| v + diff);
        let mut risk = Risk {
            field: f.id.clone(),
            name: f.name.clone(),
            unit: f.unit.clone(),
            now,
            difference: diff,
            corrected_now,
            indicators: Vec::new(),
            points_lost: Decimal::ZERO,
            vetoes: Vec::new(),
            grade_after: self.r.grade_or_status().to_string(),
            summary: match self.lang {
                crate::lang::Lang::Zh => format!("{}本年缺失,无法估计核查风险", f.name),
                crate::lang::Lang::En => format!(
                    "{} is missing this year: its inspection risk cannot be estimated",
                    f.name
                ),
            },
        };
        let Some(after) = corrected_now.and_then(|v| self.rescore(s, v)) else {
            return Some(risk);
        };
        let r = self.r;
        risk.indicators = changed_points(r, &after);
        risk.points_lost = match (r.total, after.total) {
            (Some(a), Some(b)) => a - b,
            _ => Decimal::ZERO,
        };
        risk.vetoes = after
            .vetoes
            .iter()
            .filter(|v| !r.vetoes.iter().any(|x| x.id == v.id))
            .map(|v| v.id.clone())
            .collect();
        risk.grade_after = after.grade_or_status().to_string();
        risk.summary = risk_summary(&risk, r, self.lang);
        Some(risk)
    }

    /// Already corrected this year: a correcting layer gave the value used, so no risk is left.
    fn corrected_this_year(&self, f: &crate::model::Field) -> bool {
        if f.layers.len() < 2 {
            return false;
        }
        let first_present = (0..f.layers.len()).find(|k| {
            self.ev.units[self.ui]
                .values
                .get(f.layer_base as usize + k)
                .copied()
                .flatten()
                .is_some()
        });
        first_present.is_some_and(|k| k + 1 < f.layers.len())
    }

    /// The unit's result with slot `s` set to `v`.
    fn rescore(&self, s: usize, v: Decimal) -> Option<UnitResult> {
        let mut e2 = self.ev.clone();
        let uid = &self.ev.units[self.ui].id;
        set_value(&mut e2, uid, s, Val::Num(v));
        crate::engine::assess_run(self.set, &e2, self.ctx.history, self.ctx.lower)
            .ok()
            .and_then(|a| a.units.into_iter().find(|u| &u.id == uid))
    }
}

/// (indicator id, points before, points after) for each indicator and bonus item whose points
/// change.
fn changed_points(r: &UnitResult, after: &UnitResult) -> Vec<(String, f64, f64)> {
    use rust_decimal::prelude::ToPrimitive;
    r.indicators
        .iter()
        .zip(&after.indicators)
        .chain(r.bonus_items.iter().zip(&after.bonus_items))
        .filter(|(a, b)| a.points != b.points)
        .map(|(a, b)| {
            (
                a.id().to_string(),
                a.points.to_f64().unwrap_or_default(),
                b.points.to_f64().unwrap_or_default(),
            )
        })
        .collect()
}

/// One sentence: the value reported, corrected by last year's difference, and what that does
/// to the points, the vetoes and the grade (`r` is the result now).
fn risk_summary(risk: &Risk, r: &UnitResult, lang: crate::lang::Lang) -> String {
    if lang == crate::lang::Lang::En {
        return risk_summary_en(risk, r);
    }
    let unit = risk.unit.as_deref();
    let du = diff_unit(unit);
    let (diff, lost) = (risk.difference, risk.points_lost);
    format!(
        "{}自报{},若按上年核查差值{}{}修正为{},{}{}{}",
        risk.name,
        risk.now
            .map(|v| crate::gap::fmt_num(v, unit))
            .unwrap_or_default(),
        if diff >= Decimal::ZERO { "+" } else { "" },
        format_args!("{}{du}", show(diff)),
        risk.corrected_now
            .map(|v| crate::gap::fmt_num(v, unit))
            .unwrap_or_default(),
        if lost > Decimal::ZERO {
            format!("将失{}分", show(lost))
        } else if lost < Decimal::ZERO {
            format!("将多得{}分", show(-lost))
        } else {
            "得分不变".to_string()
        },
        if risk.vetoes.is_empty() {
            String::new()
        } else {
            format!(",并触发{}", risk.vetoes.join("、"))
        },
        if risk.grade_after != r.grade_or_status() {
            format!(",等次变为{}", risk.grade_after)
        } else {
            String::new()
        }
    )
}

/// [`risk_summary`] in English: "Satisfaction reported 84; corrected by last year's
/// difference of -1.5 it would be 82.5: 2 points lost, and the grade becomes 合格".
fn risk_summary_en(risk: &Risk, r: &UnitResult) -> String {
    let unit = risk.unit.as_deref();
    let diff = risk.difference;
    let du = crate::rules::diff_unit_in(unit, diff.abs(), crate::lang::Lang::En);
    let value = |v: Option<Decimal>| v.map(|v| crate::gap::fmt_num(v, unit)).unwrap_or_default();
    let lost = risk.points_lost;
    let points = |d: Decimal| {
        let n = show(d);
        if d == Decimal::ONE {
            format!("{n} point")
        } else {
            format!("{n} points")
        }
    };
    let mut s = format!(
        "{} reported {}; corrected by last year's difference of {}{}{du} it would be {}: {}",
        risk.name,
        value(risk.now),
        if diff >= Decimal::ZERO { "+" } else { "" },
        show(diff),
        value(risk.corrected_now),
        if lost > Decimal::ZERO {
            format!("{} lost", points(lost))
        } else if lost < Decimal::ZERO {
            format!("{} gained", points(-lost))
        } else {
            "the points do not change".to_string()
        }
    );
    if !risk.vetoes.is_empty() {
        s.push_str(&format!(", and it fires {}", risk.vetoes.join(", ")));
    }
    if risk.grade_after != r.grade_or_status() {
        s.push_str(&format!(", and the grade becomes {}", risk.grade_after));
    }
    s
}

// ---------------------------------------------------------------------------------------
// Terminal summary
// ---------------------------------------------------------------------------------------

/// A short terminal summary of a self-assessment.
pub fn render_summary(s: &SelfAssessment) -> String {
    render_summary_in(s, crate::lang::Lang::Zh)
}

/// `zh` or `en` by the language.
fn tr(en: bool, zh: &'static str, en_text: &'static str) -> &'static str {
    if en { en_text } else { zh }
}

/// The terminal summary in `lang`: the fixed words (headings, labels, veto tags, kinds of
/// loss) are translated; names and the sentences built from the rules are as written.
pub fn render_summary_in(s: &SelfAssessment, lang: crate::lang::Lang) -> String {
    let en = lang == crate::lang::Lang::En;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} ({}) {} · {} · {}",
        s.unit.name,
        s.unit.id,
        tr(en, "自查自评", "self-assessment"),
        s.indicator_set.name,
        s.period
    );
    let status = if en { s.status.en() } else { s.status.zh() };
    let _ = writeln!(
        o,
        "{} {} / {} · {} {}{} · {} {}/{}",
        tr(en, "总分", "Total"),
        crate::num::show_known(s.total),
        show(s.max_possible),
        tr(en, "等次", "grade"),
        s.grade.as_deref().unwrap_or(status),
        match &s.score_grade {
            Some(sg) if s.grade.is_some() && s.grade != s.score_grade && en => {
                format!(" (by score: {sg})")
            }
            Some(sg) if s.grade.is_some() && s.grade != s.score_grade => format!("(按分数为{sg})"),
            _ => String::new(),
        },
        tr(en, "排名", "rank"),
        s.rank.map_or_else(|| "—".to_string(), |r| r.to_string()),
        s.units
    );
    lost_summary(&mut o, s, en);
    next_grade_summary(&mut o, &s.next_grade, en);
    let _ = writeln!(o, "\n{}", tr(en, "一票否决", "One-vote vetoes"));
    for v in &s.vetoes {
        let tag = match (v.fired, v.mode) {
            (true, VetoMode::Advisory) => tr(en, "已触发·提示", "fired · advisory"),
            (true, _) => tr(en, "已触发", "fired"),
            (false, _) if v.condition.holds.is_none() => tr(en, "无法判断", "undecided"),
            (false, _) => tr(en, "未触发", "clear"),
        };
        let colon = tr(en, ":", ": ");
        let _ = writeln!(
            o,
            "  [{tag}] {} {}{colon}{}",
            v.id, v.name, v.condition.summary
        );
    }
    missing_summary(&mut o, &s.missing, en);
    if let Some(risk) = &s.risk {
        let _ = writeln!(
            o,
            "\n{}",
            tr(
                en,
                "核查风险(按上年核查差值)",
                "Inspection risk (from last year's corrections)"
            )
        );
        for x in risk {
            let _ = writeln!(o, "  {}", x.summary);
        }
    }
    needs_summary(&mut o, &s.needs, en);
    o
}

/// Points lost and recoverable, then the twelve largest losses.
fn lost_summary(o: &mut String, s: &SelfAssessment, en: bool) {
    if en {
        let _ = writeln!(
            o,
            "\nPoints lost: {} in all, of which {} can be recovered this period",
            show(s.lost_total),
            show(s.recoverable_total)
        );
    } else {
        let _ = writeln!(
            o,
            "\n失分 共{}分,其中可挽回{}分",
            show(s.lost_total),
            show(s.recoverable_total)
        );
    }
    for l in s.lost.iter().take(12) {
        let _ = writeln!(
            o,
            "  {:>7}  {} {} [{}]{}",
            format!("-{}", show(l.lost)),
            l.id,
            l.name,
            if en { l.kind.en() } else { l.kind.zh() },
            l.office
                .as_ref()
                .map(|x| format!("  {x}"))
                .unwrap_or_default()
        );
    }
    if s.lost.len() > 12 {
        let more = s.lost.len() - 12;
        if en {
            let _ = writeln!(
                o,
                "  … {more} more {}, in the report",
                if more == 1 { "item" } else { "items" }
            );
        } else {
            let _ = writeln!(o, "  …另有{more}项,见报告");
        }
    }
}

/// The path to the next grade and its steps with their gains.
fn next_grade_summary(o: &mut String, ng: &NextGrade, en: bool) {
    let _ = writeln!(
        o,
        "\n{}",
        match &ng.target {
            Some(t) if en => format!("To reach {t}"),
            Some(t) => format!("提升到{t}"),
            None => tr(en, "等次", "Grade").to_string(),
        }
    );
    let _ = writeln!(o, "  {}", ng.summary);
    for st in &ng.steps {
        let _ = writeln!(
            o,
            "  {:>7}  {}",
            if st.gain > Decimal::ZERO {
                format!("+{}", show_dp(st.gain, 2))
            } else {
                String::new()
            },
            st.text
        );
    }
}

/// Each missing field with the indicators and vetoes it leaves without evidence.
fn missing_summary(o: &mut String, missing: &[MissingField], en: bool) {
    if missing.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{}", tr(en, "缺少佐证", "Missing evidence"));
    for m in missing {
        let items = if m.indicators.is_empty() {
            "—".to_string()
        } else {
            m.indicators.join(if en { ", " } else { "、" })
        };
        if en {
            let _ = writeln!(
                o,
                "  {} {}: affects {items}{}, {} points at stake",
                m.id,
                m.name,
                if m.vetoes.is_empty() {
                    String::new()
                } else {
                    format!("; vetoes {} cannot be decided", m.vetoes.join(", "))
                },
                show(m.points_at_stake)
            );
        } else {
            let _ = writeln!(
                o,
                "  {} {}:影响{items}{},涉及{}分",
                m.id,
                m.name,
                if m.vetoes.is_empty() {
                    String::new()
                } else {
                    format!(";否决规则{}无法判断", m.vetoes.join("、"))
                },
                show(m.points_at_stake)
            );
        }
    }
}

/// The first eight value needs.
fn needs_summary(o: &mut String, needs: &[ValueNeed], en: bool) {
    if needs.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{}", tr(en, "所需数值", "Values needed"));
    for n in needs.iter().take(8) {
        let colon = tr(en, ":", ": ");
        let _ = writeln!(o, "  {} {}{colon}{}", n.id, n.name, n.summary);
    }
    if needs.len() > 8 {
        if en {
            let _ = writeln!(o, "  … {} in all, in the report", needs.len());
        } else {
            let _ = writeln!(o, "  …共{}项,见报告", needs.len());
        }
    }
}
