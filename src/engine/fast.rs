//! A replication scored in filtered arithmetic ([`crate::fx`]): the numbers
//! [`Rescorer::replay`] gives — derived values, items, bonus, lines, vetoes, grade — with
//! item points and lines as whole numbers of the set's last decimal place, and every decision
//! a float could get wrong refused. `None` whenever anything is not decided here (a float at an
//! edge, a shape without a filtered form, respread maxima, weighted or separately graded
//! lines): the caller then replays the unit exactly, so the outcome is always the exact one
//! (`tests::filtered_replications_are_the_exact_ones`).

use super::replay::Rescorer;
use super::*;
use crate::expr::fast::{FxEnv, FxResult, FxVal, Why};
use crate::fx::Fx;
use crate::rules::kernel::{ItemKernel, Kernels, at_dp};

/// Lines a filtered replication holds (more: the exact path).
const MAX_LINES: usize = 8;

/// An item of one unit as every replication starts from it, in whole numbers of the set's
/// last place.
#[derive(Debug, Clone, Copy)]
struct ItemBase {
    /// Points and status kept from the unscored run; None: scored again.
    kept: Option<(i64, Status)>,
    /// The unit's maximum for the item.
    max: Fx,
    max_w: i64,
    /// The set's maximum, when the unit's differs.
    set_max_w: Option<i64>,
}

/// What every replication of one unit starts from: its values, its items and the vetoes
/// that cannot change.
pub struct UnitBase {
    pub(super) vals: Vec<FxVal>,
    items: Vec<ItemBase>,
    bonus: Vec<ItemBase>,
    /// Per veto: its outcome in the base run (None: not fired) when it reads no moved figure
    /// and no points, line, bonus or total (and does not zero a line); None: decided again.
    pub(super) vetoes: Vec<Option<Option<VetoOutcome>>>,
    /// Per line, its maximum in whole numbers of the set's last place.
    line_max: [i64; MAX_LINES],
    /// What the kept items give every replication ([`KeptItems`]).
    kept: KeptItems,
}

/// The kept items folded once per unit: each replication adds only the moved items' points
/// (and, under weight uncertainty, weighs the kept items' points again).
struct KeptItems {
    /// The items scored again, in order.
    moved: Vec<u32>,
    /// The kept items on a line: item, where, its points and status; those scored with
    /// points, at the set's maximum, are in `plain` instead.
    on_lines: Vec<(u32, OnLine, i64, Status)>,
    /// Kept items whose weighted points are all they add (scored, not zero, the set's
    /// maximum): item, line, points.
    plain: Vec<(u32, u32, i64)>,
    /// The lines with every kept item added, unweighted (from the lines' maxima); `None` when
    /// a kept item makes every unweighted replication exact (a respread maximum).
    lines: Option<Lines>,
    /// A kept item is not scored for missing evidence.
    incomplete: bool,
    /// The kept items that lack evidence (scored 0 for it, or not at all), in order.
    lacking: Vec<u32>,
}

/// What the base run gives the filtered replications of one unit: the items whose points do
/// not move, likewise the bonus items, the slots the replications draw, and the vetoes that
/// fired or were undecided.
pub struct FromBase<'a> {
    pub items: &'a [super::replay::Kept],
    pub bonus: &'a [super::replay::Kept],
    pub moved: &'a [u32],
    pub vetoes: &'a [VetoResult],
}

impl UnitBase {
    /// Whether item `k` is scored again in every replication (not kept).
    /// Item `k`'s maximum for the unit, in whole numbers of the set's last place.
    pub(super) fn item_max_w(&self, k: usize) -> Option<i64> {
        Some(self.items.get(k)?.max_w)
    }

    pub(super) fn item_moves(&self, k: usize) -> bool {
        self.items.get(k).is_some_and(|i| i.kept.is_none())
    }

    /// The unit's values before the replication's draws, into `buf`.
    pub fn start(&self, buf: &mut Vec<FxVal>) {
        buf.clear();
        buf.extend_from_slice(&self.vals);
    }

    /// `None` when a maximum or a kept item's points have more places than the set rounds to
    /// (the exact path then replays the unit).
    fn new(
        set: &IndicatorSet,
        class: Option<usize>,
        vals: &[Option<Val>],
        kept: &FromBase<'_>,
    ) -> Option<Self> {
        let (bonus_kept, moved) = (kept.bonus, kept.moved);
        let kept_items = kept.items;
        let dp = set.rounding;
        let item = |ind: &Indicator, kept: super::replay::Kept| -> Option<ItemBase> {
            let max_d = ind.max_for(class);
            let max = Fx::from_decimal(max_d);
            Some(ItemBase {
                kept: match kept {
                    Some((p, s)) => Some((at_dp(p, dp)?, s)),
                    None => None,
                },
                max,
                max_w: max.scaled(dp)?,
                set_max_w: if max_d == ind.max {
                    None
                } else {
                    Some(at_dp(ind.max, dp)?)
                },
            })
        };
        let items = set
            .indicators
            .iter()
            .enumerate()
            .map(|(k, ind)| item(ind, kept_items.get(k).copied().flatten()))
            .collect::<Option<Vec<_>>>()?;
        let bonus = set
            .bonus
            .iter()
            .flat_map(|b| b.items.iter())
            .enumerate()
            .map(|(k, ind)| item(ind, bonus_kept.get(k).copied().flatten()))
            .collect::<Option<_>>()?;
        let vetoes = set
            .vetoes
            .iter()
            .map(|v| {
                let zeroes = matches!(
                    (&v.effect, v.scope, v.mode),
                    (Effect::Zero, Scope::Line(_), VetoMode::Enforced)
                );
                let reads = closure(set, v.when.slots());
                let still = !zeroes
                    && reads
                        .iter()
                        .all(|s| *s < set.slots.points && !moved.contains(s));
                still.then(|| kept.vetoes.iter().find(|r| r.id == v.id).map(|r| r.outcome))
            })
            .collect();
        let mut line_max = [0; MAX_LINES];
        for (m, line) in line_max.iter_mut().zip(&set.lines) {
            *m = at_dp(line.max, dp)?;
        }
        let mut vals = fx_values(vals);
        let kept = KeptItems::new(set, &items, line_max, &mut vals)?;
        Some(UnitBase {
            vals,
            items,
            bonus,
            vetoes,
            line_max,
            kept,
        })
    }
}

impl KeptItems {
    /// The kept items of `items` folded, their points written into `vals` (as every
    /// replication would write them).
    fn new(
        set: &IndicatorSet,
        items: &[ItemBase],
        line_max: [i64; MAX_LINES],
        vals: &mut [FxVal],
    ) -> Option<Self> {
        let mut kept = KeptItems {
            moved: Vec::new(),
            on_lines: Vec::new(),
            plain: Vec::new(),
            lines: None,
            incomplete: false,
            lacking: Vec::new(),
        };
        let mut lines = Lines {
            possible: line_max,
            ..Lines::default()
        };
        let mut respread = false;
        let dp = set.rounding;
        for ((k, ind), b) in set.indicators.iter().enumerate().zip(items) {
            let k32 = u32::try_from(k).ok()?;
            let Some((p, status)) = b.kept else {
                kept.moved.push(k32);
                continue;
            };
            if let Some(at) = on_line(ind) {
                let plain = !matches!(status, Status::NotApplicable | Status::MissingEvidence)
                    && b.set_max_w.is_none();
                match (plain, p) {
                    (true, 0) => {}
                    (true, _) => kept.plain.push((k32, u32::try_from(at.line).ok()?, p)),
                    (false, _) => kept.on_lines.push((k32, at, p, status)),
                }
                respread |= add_item(&mut lines, (at, b), (p, status), None).is_none();
            }
            kept.incomplete |= status == Status::MissingEvidence;
            if lacks(status) {
                kept.lacking.push(k32);
            }
            *vals.get_mut(set.slots.points as usize + k)? = points_val(p, status, dp);
        }
        kept.lines = (!respread).then_some(lines);
        Some(kept)
    }
}

/// Whether an item with `status` lacks evidence (scored 0 for it, or not at all).
fn lacks(status: Status) -> bool {
    matches!(status, Status::MissingEvidence | Status::ZeroForMissing)
}

/// An item's points as its slot holds them.
fn points_val(p: i64, status: Status, dp: u32) -> FxVal {
    if status == Status::MissingEvidence {
        FxVal::Absent
    } else {
        FxVal::Num(Fx::Dec(p, dp))
    }
}

/// Where an item sits: its line and what a line does with its maximum when it does not
/// apply.
#[derive(Clone, Copy)]
struct OnLine {
    line: usize,
    na: NaPolicy,
}

/// An item (its start `b`) with points `p` and `status` added to its line, weighed by the
/// factor `m` (whole numbers of 10^-4; none: unweighted); `None` when the replication is not
/// decided here (a respread maximum, an overflow).
#[inline(always)]
fn add_item(
    lines: &mut Lines,
    (at, b): (OnLine, &ItemBase),
    (p, status): (i64, Status),
    m: Option<i64>,
) -> Option<()> {
    let weighted = |x: i64| match m {
        Some(m) => weigh(x, m),
        None => Some(x),
    };
    let l = at.line;
    if status == Status::NotApplicable {
        let m = weighted(b.max_w)?;
        match at.na {
            NaPolicy::Drop => lines.possible[l] = lines.possible[l].checked_sub(m)?,
            // Respread maxima rescale the line by a quotient: the exact path.
            NaPolicy::Respread if m > 0 => return None,
            NaPolicy::Respread => {}
        }
    } else {
        if let Some(set_max) = b.set_max_w {
            let d = weighted(b.max_w)?.checked_sub(weighted(set_max)?)?;
            lines.possible[l] = lines.possible[l].checked_add(d)?;
        }
        lines.points[l] = lines.points[l].checked_add(weighted(p)?)?;
        if status == Status::MissingEvidence {
            lines.unknown[l] = true;
        }
    }
    Some(())
}

/// Where item `ind` sits, if on a line.
fn on_line(ind: &Indicator) -> Option<OnLine> {
    Some(OnLine {
        line: ind.line?,
        na: ind.na_policy,
    })
}

impl UnitBase {
    /// A unit of `class` scored from nothing: no item and no veto kept.
    fn fresh(set: &IndicatorSet, class: Option<usize>) -> Option<Self> {
        let none = FromBase {
            items: &[],
            bonus: &[],
            moved: &[],
            vetoes: &[],
        };
        let mut b = UnitBase::new(set, class, &[], &none)?;
        b.vetoes.fill(None);
        Some(b)
    }
}

/// Units scored from their evidence in filtered arithmetic, one at a time, for outputs that
/// write only their figures (a large run's ranked CSV and summary). [`RowScorer::score`] gives
/// the engine's figures or `None`, and the caller then scores the unit with the engine.
pub struct RowScorer<'s> {
    set: &'s IndicatorSet,
    kernels: Kernels,
    /// Per class, `None` first: the start of a unit of that class.
    bases: Vec<UnitBase>,
    /// Every derived value, in evaluation order.
    derived: &'s [usize],
    policy_free: bool,
}

impl<'s> RowScorer<'s> {
    /// `None` when the set is not one the filtered path scores alone: lines not summed, more
    /// than 8 lines, rounding past 6 places, comparatives or history, only vetoes.
    pub fn new(set: &'s IndicatorSet) -> Option<Self> {
        if !set_fits(set) || !set.dynamic.is_empty() || set.veto_only || set.kinds.len() != 1 {
            return None;
        }
        let bases = std::iter::once(None)
            .chain((0..set.classes.len()).map(Some))
            .map(|c| UnitBase::fresh(set, c))
            .collect::<Option<_>>()?;
        Some(RowScorer {
            set,
            kernels: super::kernels(set),
            bases,
            derived: &set.unit_kind().eval_order,
            policy_free: set
                .unit_kind()
                .fields
                .iter()
                .all(|f| f.on_missing.is_none()),
        })
    }

    /// The figures of a unit of `class` whose slots are `vals` (the fields as read, case
    /// counts 0, everything else absent; filled as scored), `no_evidence` when it reported
    /// nothing; `None` when the filtered path does not decide them.
    pub fn score(
        &self,
        class: Option<usize>,
        vals: &mut [FxVal],
        no_evidence: bool,
    ) -> Option<Figures> {
        let base = self.bases.get(class.map_or(0, |c| c + 1))?;
        let cx = Ctx {
            set: self.set,
            kernels: &self.kernels,
            class,
            policy_free: self.policy_free,
        };
        let r = Replayed {
            derived: self.derived,
            base,
            factor: None,
            no_evidence,
            list_lacking: true,
            ahead: None,
        };
        figures(&cx, vals, &r)
    }
}

/// A unit's slot values for the filtered path.
fn fx_values(vals: &[Option<Val>]) -> Vec<FxVal> {
    vals.iter()
        .map(|v| match v {
            None => FxVal::Absent,
            Some(Val::Num(d)) => FxVal::Num(Fx::from_decimal(*d)),
            Some(Val::Bool(b)) => FxVal::Bool(*b),
        })
        .collect()
}

/// Weight factors as whole numbers of 10^-4, for [`Replayed::factor`]; `None` when one has
/// more places or does not fit in 64 bits.
pub fn factors(f: &[Decimal]) -> Option<Vec<i64>> {
    f.iter().map(|x| at_dp(*x, FACTOR_DP)).collect()
}

/// Whether a set can be replayed in filtered arithmetic at all.
fn set_fits(set: &IndicatorSet) -> bool {
    matches!(set.combine, Combine::Sum)
        && set.lines.len() <= MAX_LINES
        && set.rounding <= 6
        && i64::try_from(set.scale.mantissa()).is_ok()
}

/// The places of a weight factor (`weight_factors` rounds them to four).
const FACTOR_DP: u32 = 4;

/// `x · m ÷ 10^4` rounded half away from zero (a weight factor `m × 10^-4` applied), in 64
/// bits when the product fits.
#[inline]
fn weigh(x: i64, m: i64) -> Option<i64> {
    const D: i64 = 10i64.pow(FACTOR_DP);
    match x.checked_mul(m) {
        // Half away from zero on the magnitude (D is even: a remainder of at least D/2
        // rounds up); a constant unsigned divisor is a multiplication, not a division.
        Some(n) => {
            let q = i64::try_from((n.unsigned_abs() + (D / 2).unsigned_abs()) / D.unsigned_abs())
                .ok()?;
            Some(if n < 0 { -q } else { q })
        }
        None => div_round(i128::from(x) * i128::from(m), i128::from(D)),
    }
}

/// `n ÷ d` (d > 0) rounded half away from zero (in 64 bits when both fit).
fn div_round(n: i128, d: i128) -> Option<i64> {
    if let (Ok(n), Ok(d)) = (i64::try_from(n), i64::try_from(d)) {
        let (q, r) = (n / d, n % d);
        // |r| < d ≤ i64::MAX: twice it fits in 128 bits, not always in 64.
        let up = 2 * i128::from(r.unsigned_abs()) >= i128::from(d);
        return Some(if up { q + n.signum() } else { q });
    }
    let (q, r) = (n / d, n % d);
    let q = if 2 * r.abs() >= d { q + n.signum() } else { q };
    i64::try_from(q).ok()
}

/// The grade a score reaches, as `grade_of`: `mins` the grades' lower bounds in order
/// ([`Kernels::grade_mins`]).
fn grade_of_fx(mins: &[Option<Fx>], s: Fx) -> Option<usize> {
    for (i, m) in mins.iter().enumerate() {
        match m {
            None => return Some(i),
            Some(m) if !s.lt(*m)? => return Some(i),
            Some(_) => {}
        }
    }
    Some(mins.len().saturating_sub(1))
}

/// What a filtered replication reads besides the unit's values.
pub(super) struct Ctx<'a> {
    pub set: &'a IndicatorSet,
    /// The set's kernels ([`Kernels`]).
    pub kernels: &'a Kernels,
    /// The unit's class.
    pub class: Option<usize>,
    /// No field declares its own `on_missing`: an item's policy for missing evidence is its
    /// own whichever fields are missing.
    pub policy_free: bool,
}

impl Ctx<'_> {
    /// An item's points and status, as the exact replay scores it ([`points::item_points`],
    /// then [`score_indicator`]); `finish_all`: NA and zeroed points finished too, as
    /// [`score_indicator`] does (bonus items).
    fn item(
        &self,
        (ind, b, kernel): (&Indicator, &ItemBase, Option<&ItemKernel>),
        vals: &[FxVal],
        (finish_all, given): (bool, Option<Given>),
    ) -> Option<(Fx, Status)> {
        let max = b.max;
        let set = self.set;
        let class = self.class;
        let env = env(self, vals);
        let done = |p: Fx, status: Status| {
            Some((rules::finish_fx(p, max, ind.floor, set.rounding)?, status))
        };
        let zero = |status: Status| {
            if finish_all {
                done(Fx::ZERO, status)
            } else {
                Some((Fx::ZERO, status))
            }
        };
        // Missing evidence: the item's policy when no field has one of its own.
        let missing = || {
            if !(ind.on_missing_explicit || self.policy_free) {
                return None;
            }
            match ind.on_missing {
                OnMissing::Zero => done(Fx::ZERO, Status::ZeroForMissing),
                _ => done(Fx::ZERO, Status::MissingEvidence),
            }
        };
        if !ind.applies_to(class) {
            return zero(Status::NotApplicable);
        }
        if let Some(z) = &ind.zero_if {
            match given.map_or_else(|| z.eval_bool_fx(env), |g| g.zero) {
                Ok(true) => return zero(Status::Zeroed),
                Ok(false) => {}
                Err(Why::Missing) => return missing(),
                Err(_) => return None,
            }
        }
        match (&ind.input, &ind.rule) {
            (Input::Expr(e), rule) if ind.params.is_empty() => {
                match given.map_or_else(|| e.eval_val_fx(env), |g| g.input) {
                    Ok(v) => match kernel.and_then(|k| k.points(v, b.max_w)) {
                        Some(p) => Some((Fx::Dec(p, set.rounding), Status::Scored)),
                        None => done(rule.raw_fx(v, max)?, Status::Scored),
                    },
                    Err(Why::Missing) => missing(),
                    Err(_) => None,
                }
            }
            (Input::Checklist(items), Rule::Checklist(cl)) => {
                // As `Checklist::trace`: the first blank item makes it missing; anything but
                // "yes" lacks.
                let mut lacking = 0i64;
                for &slot in items {
                    match vals.get(slot as usize)? {
                        FxVal::Bool(true) => {}
                        FxVal::Absent => return missing(),
                        _ => lacking += 1,
                    }
                }
                let off = Fx::from_decimal(cl.per_missing).times(Fx::Dec(lacking, 0));
                done(max.minus(off), Status::Scored)
            }
            (Input::None, Rule::LevelProgress(lp)) => match lp.points_fx(env, max) {
                Ok(p) => done(p, Status::Scored),
                Err(Why::Missing) => missing(),
                Err(_) => None,
            },
            _ => None,
        }
    }
}

/// Per line, in whole numbers of the set's last place.
#[derive(Default, Clone, Copy)]
struct Lines {
    points: [i64; MAX_LINES],
    possible: [i64; MAX_LINES],
    unknown: [bool; MAX_LINES],
}

impl Lines {
    /// The total with the bonus (None when a line or the bonus is unknown).
    fn total(&self, n: usize, bonus: Option<i64>) -> Option<Option<i64>> {
        if self.unknown[..n].iter().any(|u| *u) {
            return Some(None);
        }
        let Some(b) = bonus else {
            return Some(None);
        };
        let mut t = b;
        for p in &self.points[..n] {
            t = t.checked_add(*p)?;
        }
        Some(Some(t))
    }
}

/// What one replication of a unit replays: the derived values to recompute, the unit's start
/// ([`UnitBase`]: kept items and vetoes), the weight factors, and whether it reported nothing.
pub(super) struct Replayed<'a> {
    pub derived: &'a [usize],
    pub base: &'a UnitBase,
    /// Per item: its weight factor in whole numbers of 10^-4 ([`factors`]).
    pub factor: Option<&'a [i64]>,
    pub no_evidence: bool,
    /// Whether [`Figures::lacking`] is listed (a replication's draw does not read it).
    pub list_lacking: bool,
    /// What a block of replications evaluated ahead for this one ([`super::lanes`]).
    pub ahead: Option<Ahead<'a>>,
}

/// Replications a block scores together.
pub const LANES: usize = 32;

/// A column of values, one per lane.
pub(super) type Col<T> = [T; LANES];

/// An item evaluated ahead, per lane.
pub(super) struct ItemAhead {
    /// The item's index.
    pub k: usize,
    /// Its zeroing condition (`Ok(false)` when it has none).
    pub zero: Col<FxResult<bool>>,
    pub input: Col<FxResult<FxVal>>,
    /// Its points (whole numbers of the set's last place, status scored) where its kernel
    /// decides them from the input and nothing zeroes it.
    pub points: Col<Option<i64>>,
}

/// What one lane of a block of replications reads of what the block evaluated ahead
/// ([`super::lanes`]).
#[derive(Clone, Copy)]
pub(super) struct Ahead<'a> {
    /// Per item: its place in `items`, or `u32::MAX`.
    pub item_at: &'a [u32],
    pub items: &'a [ItemAhead],
    /// Per veto: its place in `vetoes`, or `u32::MAX`.
    pub veto_at: &'a [u32],
    pub vetoes: &'a [(usize, Col<FxResult<bool>>)],
    pub lane: usize,
}

impl Ahead<'_> {
    fn item(&self, k: usize) -> Option<Given> {
        let at = *self.item_at.get(k)?;
        let a = self.items.get(at as usize)?;
        Some(Given {
            zero: a.zero[self.lane],
            input: a.input[self.lane],
            points: a.points[self.lane],
        })
    }

    fn veto(&self, vi: usize) -> Option<FxResult<bool>> {
        let at = *self.veto_at.get(vi)?;
        Some(self.vetoes.get(at as usize)?.1[self.lane])
    }
}

/// An item's zeroing condition and input, evaluated ahead (the condition `Ok(false)` when the
/// item has none).
#[derive(Clone, Copy)]
pub(super) struct Given {
    pub zero: FxResult<bool>,
    pub input: FxResult<FxVal>,
    /// The points, when the kernel decided them ahead ([`ItemAhead::points`]).
    pub points: Option<i64>,
}

/// A unit's figures as the filtered path scores them, in whole numbers of the set's last
/// place: what a replication reads of them ([`Replay`]) and what a large run's ranked CSV and
/// summary write ([`RowScorer`]).
pub struct Figures {
    pub status: UnitStatus,
    /// Per line (the set's first lines): its points, None when unknown.
    pub lines: [Option<i64>; MAX_LINES],
    /// The bonus after the cap; None when a bonus item lacks evidence.
    pub bonus: Option<i64>,
    pub total: Option<i64>,
    /// The sum of the maxima that apply to the unit.
    pub max_possible: i64,
    /// The total on the full scale (the total when no maximum was dropped).
    pub score: Option<i64>,
    /// Index into the set's grades, after vetoes.
    pub grade: Option<usize>,
    pub vetoed: bool,
    /// The vetoes that fired or could not be decided, in set order.
    pub calls: Calls,
    /// The items that lacked evidence (scored 0 for it, or not at all): indexes into the set's
    /// indicators, then its bonus items after them. Empty for a replication
    /// ([`Rescorer::figures_fx`], [`Rescorer::score_lanes`]), which does not read them.
    pub lacking: Vec<u32>,
}

/// The vetoes a replication calls, inline up to four (no allocation per replication).
pub type Calls = smallvec::SmallVec<[VetoCall; 4]>;

/// See the module. `vals` comes back with the scored slots filled.
pub(super) fn figures(cx: &Ctx<'_>, vals: &mut [FxVal], r: &Replayed<'_>) -> Option<Figures> {
    let set = cx.set;
    derive(cx, vals, r.derived)?;
    let mut lines = Lines {
        possible: r.base.line_max,
        ..Lines::default()
    };
    let mut lacking = Vec::new();
    let mut incomplete = items(cx, vals, r, (&mut lines, &mut lacking))?;
    let (bonus, bonus_incomplete) = bonus(cx, vals, r, &mut lacking)?;
    incomplete |= bonus_incomplete;
    let (total, calls) = total_and_vetoes(cx, vals, (&mut lines, r), bonus)?;
    let (score, max_possible) = score(cx, &lines, total)?;
    let score_grade = match score {
        Some(s) => Some(grade_of_fx(
            cx.kernels.grade_mins(),
            Fx::Dec(s, set.rounding),
        )?),
        None => None,
    };
    let mut line_grade = [None; MAX_LINES];
    let nl = set.lines.len();
    let (grade, vetoed, pending) = decide(set, score_grade, &mut line_grade[..nl], &calls);
    let status = unit_status(r.no_evidence, incomplete, pending);
    let mut line_points = [None; MAX_LINES];
    for (l, p) in line_points.iter_mut().enumerate().take(nl) {
        *p = (!lines.unknown[l]).then_some(lines.points[l]);
    }
    let no = r.no_evidence;
    Some(Figures {
        status,
        lines: line_points,
        bonus,
        total: if no { None } else { total },
        max_possible,
        score: if no { None } else { score },
        grade: if no { None } else { grade },
        vetoed: !no && vetoed,
        calls,
        lacking,
    })
}

impl Figures {
    /// The replication's numbers as the exact replay gives them (`dp`: the set's rounding).
    pub fn replay(&self, dp: u32) -> Replay {
        let dec = |x: Option<i64>| x.map(|x| Decimal::new(x, dp));
        Replay {
            status: self.status,
            total: dec(self.total),
            score: dec(self.score),
            grade: self.grade,
            vetoed: self.vetoed,
            vetoes: self
                .calls
                .iter()
                .map(|c| (c.index, c.outcome, c.applied))
                .collect(),
        }
    }
}

fn env<'v>(cx: &Ctx<'_>, vals: &'v [FxVal]) -> FxEnv<'v> {
    FxEnv {
        vals,
        class: cx.class.and_then(|c| u32::try_from(c).ok()),
    }
}

/// The derived values `which` computed again (an undefined one is unknown).
fn derive(cx: &Ctx<'_>, vals: &mut [FxVal], which: &[usize]) -> Option<()> {
    let kind = cx.set.unit_kind();
    let base = kind.layout.derived as usize;
    for &d in which {
        let v = kind.derived.get(d)?.expr.eval_val_fx(env(cx, vals));
        *vals.get_mut(base + d)? = derived_value(v)?;
    }
    Some(())
}

/// A derived value as its slot holds it: an error is no value; `None` when unsure.
pub(super) fn derived_value(v: FxResult<FxVal>) -> Option<FxVal> {
    match v {
        Ok(v) => Some(v),
        Err(Why::Unsure) => None,
        Err(_) => Some(FxVal::Absent),
    }
}

/// The items into their points slots and the lines (weighted); whether one is not scored for
/// missing evidence. Those that lack evidence (scored 0 for it, or not at all) into `lacking`.
/// The kept items come folded ([`KeptItems`]; their slots already hold their points): only
/// the moved ones are scored.
fn items(
    cx: &Ctx<'_>,
    vals: &mut [FxVal],
    r: &Replayed<'_>,
    (lines, lacking): (&mut Lines, &mut Vec<u32>),
) -> Option<bool> {
    let set = cx.set;
    let dp = set.rounding;
    let kept = &r.base.kept;
    let factor = |k: usize| match r.factor {
        Some(f) => f.get(k).copied().map(Some),
        None => Some(None),
    };
    match r.factor {
        None => *lines = kept.lines?,
        Some(f) => {
            // As `add_item` adds them: the weighted points only.
            for &(k, line, p) in &kept.plain {
                let w = weigh(p, *f.get(k as usize)?)?;
                let at = lines.points.get_mut(line as usize)?;
                *at = at.checked_add(w)?;
            }
            for &(k, at, p, status) in &kept.on_lines {
                let b = r.base.items.get(k as usize)?;
                add_item(lines, (at, b), (p, status), factor(k as usize)?)?;
            }
        }
    }
    let mut incomplete = kept.incomplete;
    if r.list_lacking {
        lacking.extend_from_slice(&kept.lacking);
    }
    let mut unordered = false;
    for &k in &kept.moved {
        let k = k as usize;
        let (ind, b) = (set.indicators.get(k)?, r.base.items.get(k)?);
        let given = r.ahead.and_then(|a| a.item(k));
        let (p, status) = match given.and_then(|g| g.points) {
            Some(p) => (p, Status::Scored),
            None => {
                let kernel = cx.kernels.item(k);
                let (p, status) = cx.item((ind, b, kernel), vals, (false, given))?;
                (p.scaled(dp)?, status)
            }
        };
        if let Some(at) = on_line(ind) {
            add_item(lines, (at, b), (p, status), factor(k)?)?;
        }
        incomplete |= status == Status::MissingEvidence;
        if r.list_lacking && lacks(status) {
            unordered |= lacking.last().is_some_and(|&j| j as usize > k);
            lacking.push(u32::try_from(k).ok()?);
        }
        *vals.get_mut(set.slots.points as usize + k)? = points_val(p, status, dp);
    }
    if unordered {
        lacking.sort_unstable();
    }
    Some(incomplete)
}

/// The bonus after the set's cap (None when a bonus item lacks evidence) and whether one is
/// not scored for missing evidence; those that lack evidence (scored 0 for it, or not at all)
/// into `lacking`, after the items.
fn bonus(
    cx: &Ctx<'_>,
    vals: &mut [FxVal],
    r: &Replayed<'_>,
    lacking: &mut Vec<u32>,
) -> Option<(Option<i64>, bool)> {
    let set = cx.set;
    let dp = set.rounding;
    let mut uncapped = Some(0i64);
    let mut incomplete = false;
    if let Some(b) = &set.bonus {
        for ((k, item), ib) in b.items.iter().enumerate().zip(&r.base.bonus) {
            let (p, status) = match ib.kept {
                Some(kept) => kept,
                None => {
                    let kernel = cx.kernels.bonus(k);
                    let (p, s) = cx.item((item, ib, kernel), vals, (true, None))?;
                    (p.scaled(dp)?, s)
                }
            };
            let scored = status != Status::MissingEvidence;
            incomplete |= !scored;
            if r.list_lacking && lacks(status) {
                lacking.push(u32::try_from(set.indicators.len() + k).ok()?);
            }
            *vals.get_mut(set.slots.bonus_items as usize + k)? = if scored {
                FxVal::Num(Fx::Dec(p, dp))
            } else {
                FxVal::Absent
            };
            uncapped = match uncapped {
                Some(u) if scored => Some(u.checked_add(p)?),
                _ => None,
            };
        }
    }
    let cap = match set.bonus.as_ref().and_then(|b| b.cap) {
        Some(c) => Some(at_dp(c, dp)?),
        None => None,
    };
    Some((uncapped.map(|u| cap.map_or(u, |c| u.min(c))), incomplete))
}

/// The lines, bonus and total into their slots.
fn write_totals(
    set: &IndicatorSet,
    vals: &mut [FxVal],
    lines: &Lines,
    (bonus, total): (Option<i64>, Option<i64>),
) -> Option<()> {
    let (slots, dp) = (set.slots, set.rounding);
    for l in 0..set.lines.len() {
        *vals.get_mut(slots.lines as usize + l)? = if lines.unknown[l] {
            FxVal::Absent
        } else {
            FxVal::Num(Fx::Dec(lines.points[l], dp))
        };
    }
    let num = |x: Option<i64>| x.map_or(FxVal::Absent, |x| FxVal::Num(Fx::Dec(x, dp)));
    *vals.get_mut(slots.bonus as usize)? = num(bonus);
    *vals.get_mut(slots.total as usize)? = num(total);
    Some(())
}

/// The total, and the vetoes that fire or cannot be decided, as `UnitWork::total_and_vetoes`:
/// line-zeroing vetoes first (they change the lines and the total the others read).
fn total_and_vetoes(
    cx: &Ctx<'_>,
    vals: &mut [FxVal],
    (lines, r): (&mut Lines, &Replayed<'_>),
    bonus: Option<i64>,
) -> Option<(Option<i64>, Calls)> {
    let set = cx.set;
    let base = r.base;
    let when = |vi: usize, v: &Veto, vals: &[FxVal]| match r.ahead.and_then(|a| a.veto(vi)) {
        Some(w) => w,
        None => v.when.eval_bool_fx(env(cx, vals)),
    };
    let nl = set.lines.len();
    let mut total = lines.total(nl, bonus)?;
    write_totals(set, vals, lines, (bonus, total))?;
    let mut calls = Calls::new();
    let mut zeroed = [false; MAX_LINES];
    let mut changed = false;
    for (vi, v) in set.vetoes.iter().enumerate() {
        let (Effect::Zero, Scope::Line(l), VetoMode::Enforced) = (&v.effect, v.scope, v.mode)
        else {
            continue;
        };
        match when(vi, v, vals) {
            Ok(true) => {
                calls.push(VetoCall {
                    index: vi,
                    outcome: VetoOutcome::Fired,
                    applied: true,
                });
                zeroed[l] = true;
                changed = true;
            }
            Ok(false) => {}
            Err(Why::Unsure) => return None,
            Err(_) => {
                calls.push(VetoCall {
                    index: vi,
                    outcome: VetoOutcome::Undecided,
                    applied: false,
                });
                if lines.unknown[l] || lines.points[l] != 0 {
                    lines.unknown[l] = true;
                    changed = true;
                }
            }
        }
    }
    if changed {
        for (l, z) in zeroed.iter().enumerate().take(nl) {
            if *z {
                lines.points[l] = 0;
                lines.unknown[l] = false;
            }
        }
        total = lines.total(nl, bonus)?;
        write_totals(set, vals, lines, (bonus, total))?;
    }
    for (vi, v) in set.vetoes.iter().enumerate() {
        if calls.iter().any(|c| c.index == vi) {
            continue;
        }
        let kept = base.vetoes.get(vi).copied().flatten();
        let outcome = match kept {
            Some(Some(o)) => o,
            Some(None) => continue,
            None => match when(vi, v, vals) {
                Ok(true) => VetoOutcome::Fired,
                Ok(false) => continue,
                Err(Why::Unsure) => return None,
                Err(_) => VetoOutcome::Undecided,
            },
        };
        calls.push(VetoCall {
            index: vi,
            outcome,
            applied: outcome == VetoOutcome::Fired && v.mode == VetoMode::Enforced,
        });
    }
    calls.sort_by_key(|c| c.index);
    Some((total, calls))
}

/// The score on the full scale when maxima were dropped, and the sum of the maxima that
/// apply (whole numbers of the last place).
fn score(cx: &Ctx<'_>, lines: &Lines, total: Option<i64>) -> Option<(Option<i64>, i64)> {
    let set = cx.set;
    let dp = set.rounding;
    let mut possible = 0i64;
    for p in &lines.possible[..set.lines.len()] {
        possible = possible.checked_add(*p)?;
    }
    let scale = Fx::from_decimal(set.scale);
    let score = match total {
        Some(t) if possible > 0 && Fx::Dec(possible, dp).order(scale)?.is_ne() => {
            let Fx::Dec(sm, ss) = scale else { return None };
            let n = i128::from(t) * i128::from(sm) * crate::fx::pow10_128(dp);
            Some(div_round(
                n,
                crate::fx::pow10_128(ss) * i128::from(possible),
            )?)
        }
        t => t,
    };
    Some((score, possible))
}

impl Rescorer<'_> {
    /// What every filtered replication of unit `pos` starts from ([`Rescorer::figures_fx`]):
    /// its values, items and the vetoes that cannot change ([`FromBase`]); `None` when it
    /// cannot be replayed in filtered arithmetic (the set or the unit).
    pub fn fx_base(&self, pos: usize, kept: &FromBase<'_>) -> Option<UnitBase> {
        let (set, ev, _, _) = self.parts();
        if !set_fits(set) {
            return None;
        }
        let unit = &ev.units[*ev.scored.get(pos)?];
        UnitBase::new(set, unit.class, self.values(pos), kept)
    }

    /// [`Rescorer::replay`] in filtered arithmetic: `vals` the unit's values with the
    /// replication's figures drawn ([`UnitBase::start`]), `base` the unit's start
    /// ([`Rescorer::fx_base`]), `derived` the derived values to recompute
    /// ([`Rescorer::derived_reading`]), `factor` the weight factors as [`factors`] gives them.
    /// The same figures as the exact replay ([`Figures::replay`]), or `None` when they cannot
    /// be decided here.
    pub fn figures_fx(
        &self,
        pos: usize,
        vals: &mut [FxVal],
        (base, derived): (&UnitBase, &[usize]),
        factor: Option<&[i64]>,
    ) -> Option<Figures> {
        // A base exists only for a set that fits (`fx_base`).
        let (set, ev, no_evidence, policy_free) = self.parts();
        let cx = Ctx {
            set,
            kernels: self.kernels(),
            class: ev.units[*ev.scored.get(pos)?].class,
            policy_free,
        };
        let r = Replayed {
            derived,
            base,
            factor,
            no_evidence: *no_evidence.get(pos)?,
            list_lacking: false,
            ahead: None,
        };
        figures(&cx, vals, &r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weight factor applied on the magnitude is the rounding half away from zero of the
    /// exact product, for either sign and at the 64-bit edges.
    #[test]
    fn weighing_rounds_half_away_from_zero() {
        let exact = |x: i64, m: i64| {
            let n = i128::from(x) * i128::from(m);
            let (q, r) = (n / 10_000, n % 10_000);
            let q = if 2 * r.abs() >= 10_000 {
                q + n.signum()
            } else {
                q
            };
            i64::try_from(q).ok()
        };
        let mut rng = crate::num::xorshift(7);
        let mut cases = vec![
            (5_000, 1),
            (-5_000, 1),
            (4_999, 1),
            (-4_999, 1),
            (15_000, 1),
            (-15_000, 1),
            (i64::MAX, 1),
            (i64::MIN, 1),
            (i64::MAX, 9_999),
            (i64::MIN + 1, -1),
        ];
        for _ in 0..100_000 {
            let (a, b) = (rng(), rng());
            cases.push((
                (a >> (a % 40)).cast_signed(),
                (b % 30_000).cast_signed() - 15_000,
            ));
        }
        for (x, m) in cases {
            assert_eq!(weigh(x, m), exact(x, m), "{x} × {m}");
        }
    }
}
