//! What it takes: the inverse of each rule shape, and the path to the next grade.
//!
//! [`need_for`] answers "what value must the indicator read to score at least P points?" for
//! every value rule shape, exactly (decimal arithmetic, the engine's own step counting).
//! [`ladder`] lists the distinct point levels a rule can give with the value each needs.
//! [`plan`] picks the smallest set of improvements (fewest indicators) that gains a given
//! number of points; see its documentation for the method and its guarantee.

use crate::model::Rule;
use crate::num::round_points;
use rust_decimal::Decimal;
use serde::Serialize;

pub use crate::rules::need::{MAX_LEVELS, fmt_num};
use crate::rules::need::{tighter_high, tighter_low};
pub use crate::rules::{Bound, Need, points_at};

/// The least requirement on the value for a value rule to give at least `target` points
/// (before rounding): the shape's own inverse ([`Rule::need`]).
pub fn need_for(
    rule: &Rule,
    max: Decimal,
    floor: Option<Decimal>,
    target: Decimal,
) -> Option<Need> {
    rule.need(max, floor, target)
}

/// Which way the value must move for more points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better.
    Up,
    /// Lower is better.
    Down,
    /// Within a band.
    Band,
    /// A yes/no value.
    Flag,
    /// Not one direction (e.g. a step table that rises and falls).
    Mixed,
}

/// One point level of a rule and the value it needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    #[serde(with = "rust_decimal::serde::float")]
    pub points: Decimal,
    pub need: Need,
}

/// The point levels a value rule can give, lowest first, each with the least value it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Ladder {
    pub direction: Direction,
    /// Points move smoothly between levels: every points value between two levels can be
    /// reached (levels then are only the ends and any kinks).
    pub continuous: bool,
    pub levels: Vec<Level>,
}

impl Ladder {
    /// The lowest level worth at least `points`.
    pub fn first_at_least(&self, points: Decimal) -> Option<&Level> {
        self.levels.iter().find(|l| l.points >= points)
    }
}

/// The ladder of a value rule, with `guard` (a requirement for any points at all, e.g. from a
/// `zero_if` on the same value) added to every level above the floor. `None` for rules that
/// are not value rules.
pub fn ladder(
    rule: &Rule,
    max: Decimal,
    floor: Option<Decimal>,
    rounding: u32,
    guard: Option<Need>,
) -> Option<Ladder> {
    let mut raw = rule.candidates(max)?;
    let low = floor.unwrap_or(Decimal::ZERO);
    let top = rule.top(max);
    raw.push(low);
    let mut pts: Vec<Decimal> = raw
        .into_iter()
        .map(|p| round_points(p.clamp(low, top), rounding))
        .collect();
    pts.sort();
    pts.dedup();
    pts.truncate(MAX_LEVELS);
    let mut levels = Vec::new();
    for p in pts {
        let Some(mut need) = need_for(rule, max, floor, p) else {
            continue;
        };
        if p > low
            && let Some(g) = guard
        {
            match need.and(g) {
                Some(n) => need = n,
                None => continue,
            }
        }
        levels.push(Level { points: p, need });
    }
    let direction = match levels.last().map(|l| l.need) {
        Some(Need::Is { .. }) => Direction::Flag,
        Some(Need::Range {
            low: Some(_),
            high: None,
        }) => Direction::Up,
        Some(Need::Range {
            low: None,
            high: Some(_),
        }) => Direction::Down,
        Some(Need::Range {
            low: Some(_),
            high: Some(_),
        }) => Direction::Band,
        _ => Direction::Mixed,
    };
    let direction = if levels.windows(2).all(|w| nested(&w[1].need, &w[0].need)) {
        direction
    } else {
        Direction::Mixed
    };
    Some(Ladder {
        direction,
        continuous: rule.continuous(),
        levels,
    })
}

/// Whether every value meeting `inner` also meets `outer` (so a higher level implies the lower).
fn nested(inner: &Need, outer: &Need) -> bool {
    match (inner, outer) {
        (_, Need::Any) => true,
        (Need::Is { value: a }, Need::Is { value: b }) => a == b,
        (Need::Range { low: l1, high: h1 }, Need::Range { low: l2, high: h2 }) => {
            let low_ok = match (l1, l2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => tighter_low(*a, *b) == *a,
            };
            let high_ok = match (h1, h2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => tighter_high(*a, *b) == *a,
            };
            low_ok && high_ok
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Path to the next grade
// ---------------------------------------------------------------------------------------

/// The gains one improvement can bring, in the unit of the goal (total points).
#[derive(Debug, Clone, PartialEq)]
pub enum Gains {
    /// Discrete gains, ascending, all > 0.
    Steps(Vec<Decimal>),
    /// No gain, or any gain from `min` to `max` in multiples of `granule` (points are
    /// rounded to 0.01). `min` above the granule is a jump, e.g. from 0 across a zero line.
    Linear {
        min: Decimal,
        max: Decimal,
        granule: Decimal,
    },
}

impl Gains {
    pub fn max(&self) -> Decimal {
        match self {
            Gains::Steps(s) => s.last().copied().unwrap_or_default(),
            Gains::Linear { max, .. } => *max,
        }
    }
    /// The least gain ≥ `x` (`Some(0)` when `x ≤ 0`).
    pub fn least_at_least(&self, x: Decimal) -> Option<Decimal> {
        if x <= Decimal::ZERO {
            return Some(Decimal::ZERO);
        }
        match self {
            Gains::Steps(s) => s.iter().copied().find(|g| *g >= x),
            Gains::Linear { min, max, granule } => {
                if x > *max {
                    return None;
                }
                let g = if granule.is_zero() {
                    x
                } else {
                    (x / *granule).ceil() * *granule
                };
                Some(g.max(*min).min(*max))
            }
        }
    }
    /// The next gain below `g` (0 when none).
    pub fn below(&self, g: Decimal) -> Decimal {
        match self {
            Gains::Steps(s) => s.iter().copied().rev().find(|x| *x < g).unwrap_or_default(),
            Gains::Linear { min, granule, .. } => {
                let lower = g - *granule;
                if lower >= *min && lower > Decimal::ZERO {
                    lower
                } else {
                    Decimal::ZERO
                }
            }
        }
    }
}

/// One indicator that can improve.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub gains: Gains,
    /// A gain it must make anyway (to clear a veto), 0 when none.
    pub forced: Decimal,
}

/// The chosen gain per candidate (0 = unchanged), the sum, and whether it reaches the goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub gains: Vec<Decimal>,
    pub total: Decimal,
    pub reached: bool,
}

impl Plan {
    /// Number of candidates changed.
    pub fn size(&self) -> usize {
        self.gains.iter().filter(|g| **g > Decimal::ZERO).count()
    }
}

/// The smallest set of improvements whose gains add up to at least `need`.
///
/// Method (exact in the number of indicators changed):
/// 1. Candidates with a forced gain (to clear a veto) are in the plan anyway; they are first
///    raised as far as they go, since that adds nothing to the count.
/// 2. The other candidates are taken in order of their largest possible gain (ties: input
///    order) until the sum reaches `need`. No smaller set can reach it: the k largest
///    maxima are the most any k candidates can gain.
/// 3. Each chosen candidate, smallest maximum first, is then lowered to its least gain that
///    still reaches `need` (never below its forced gain).
/// 4. Exchange: a chosen (not forced) candidate is replaced by an unchosen one whenever that
///    lowers the sum (less gained beyond the need), then step 3 runs again; until no exchange
///    helps. With one indicator to change this finds the least overshoot exactly.
///
/// Guarantees: no plan changes fewer candidates; no chosen improvement can be lowered by one
/// step without missing the goal, so the overshoot is below the smallest such step.
///
/// When even every candidate at its maximum falls short, the plan is every candidate at its
/// maximum with `reached = false`.
pub fn plan(cands: &[Candidate], need: Decimal) -> Plan {
    let n = cands.len();
    let mut gains = vec![Decimal::ZERO; n];
    let forced = |i: usize| cands[i].forced > Decimal::ZERO;
    let mut sum = Decimal::ZERO;
    for i in (0..n).filter(|&i| forced(i)) {
        gains[i] = cands[i].gains.max();
        sum += gains[i];
    }
    if sum < need {
        let mut rest: Vec<usize> = (0..n)
            .filter(|&i| !forced(i) && cands[i].gains.max() > Decimal::ZERO)
            .collect();
        rest.sort_by(|&a, &b| {
            cands[b]
                .gains
                .max()
                .cmp(&cands[a].gains.max())
                .then(a.cmp(&b))
        });
        for i in rest {
            if sum >= need {
                break;
            }
            gains[i] = cands[i].gains.max();
            sum += gains[i];
        }
    }
    if sum < need {
        return Plan {
            gains,
            total: sum,
            reached: false,
        };
    }
    shrink(cands, need, &mut gains, &mut sum);
    for _ in 0..1000 {
        let mut swapped = false;
        'outer: for i in (0..n).filter(|&i| gains[i] > Decimal::ZERO && !forced(i)) {
            let others = sum - gains[i];
            for j in (0..n).filter(|&j| gains[j].is_zero() && !forced(j)) {
                if let Some(g) = cands[j].gains.least_at_least(need - others)
                    && g > Decimal::ZERO
                    && others + g < sum
                {
                    gains[i] = Decimal::ZERO;
                    gains[j] = g;
                    sum = others + g;
                    swapped = true;
                    break 'outer;
                }
            }
        }
        if !swapped {
            break;
        }
        shrink(cands, need, &mut gains, &mut sum);
    }
    Plan {
        gains,
        total: sum,
        reached: true,
    }
}

/// Lower each chosen gain, smallest maximum first, to the least that still reaches `need`.
fn shrink(cands: &[Candidate], need: Decimal, gains: &mut [Decimal], sum: &mut Decimal) {
    let mut chosen: Vec<usize> = (0..cands.len())
        .filter(|&i| gains[i] > Decimal::ZERO)
        .collect();
    chosen.sort_by(|&a, &b| {
        cands[a]
            .gains
            .max()
            .cmp(&cands[b].gains.max())
            .then(b.cmp(&a))
    });
    for i in chosen {
        let others = *sum - gains[i];
        let floor = cands[i]
            .gains
            .least_at_least(cands[i].forced)
            .unwrap_or(gains[i]);
        let least = cands[i]
            .gains
            .least_at_least(need - others)
            .unwrap_or(gains[i])
            .max(floor);
        // Never drop a candidate entirely (the count is already the least).
        if least < gains[i] && least > Decimal::ZERO {
            *sum = others + least;
            gains[i] = least;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Val;
    use crate::model::StepCount;
    use crate::model::{Deduct, StepRow};
    use rust_decimal::dec;

    /// A deduction below its target.
    fn below(mut d: Deduct) -> Rule {
        d.side = crate::rules::deduct::Side::Below;
        Rule::Deduct(d)
    }

    /// A deduction above its target.
    fn above(mut d: Deduct) -> Rule {
        d.side = crate::rules::deduct::Side::Above;
        Rule::Deduct(d)
    }

    fn deduct(target: Decimal, per: Decimal, points: Decimal, count: StepCount) -> Deduct {
        Deduct {
            target,
            per,
            points,
            count,
            base: Decimal::ZERO,
            side: crate::rules::deduct::Side::Below,
        }
    }

    fn pts(rule: &Rule, v: Decimal, max: Decimal) -> Decimal {
        points_at(rule, Val::Num(v), max, Some(Decimal::ZERO), 2).unwrap_or_default()
    }

    /// Points to 8 decimals, so that edges of smooth rules are not hidden by rounding.
    fn fine(rule: &Rule, v: Decimal, max: Decimal) -> Decimal {
        points_at(rule, Val::Num(v), max, Some(Decimal::ZERO), 8).unwrap_or_default()
    }

    /// At the edge of every level's requirement the points change exactly there.
    fn check_edges(rule: &Rule, max: Decimal) {
        let eps = dec!(0.0001);
        let l = ladder(rule, max, Some(Decimal::ZERO), 2, None).expect("value rule");
        for level in &l.levels {
            let Need::Range { low, high } = level.need else {
                continue;
            };
            if let Some(b) = low {
                let at = fine(rule, b.value, max);
                let inside = if b.inclusive {
                    at
                } else {
                    fine(rule, b.value + eps, max)
                };
                assert!(
                    inside >= level.points,
                    "{rule:?} low {b:?} level {}",
                    level.points
                );
                let outside = if b.inclusive {
                    fine(rule, b.value - eps, max)
                } else {
                    at
                };
                assert!(
                    outside < level.points,
                    "{rule:?} below low {b:?} level {}: {outside}",
                    level.points
                );
            }
            if let Some(b) = high {
                let at = fine(rule, b.value, max);
                let inside = if b.inclusive {
                    at
                } else {
                    fine(rule, b.value - eps, max)
                };
                assert!(
                    inside >= level.points,
                    "{rule:?} high {b:?} level {}",
                    level.points
                );
                let outside = if b.inclusive {
                    fine(rule, b.value + eps, max)
                } else {
                    at
                };
                assert!(
                    outside < level.points,
                    "{rule:?} above high {b:?} level {}: {outside}",
                    level.points
                );
            }
        }
    }

    fn need_text(rule: &Rule, max: Decimal, target: Decimal) -> String {
        need_for(rule, max, Some(Decimal::ZERO), target)
            .map(|n| n.text(Some("%")))
            .unwrap_or_else(|| "—".into())
    }

    #[test]
    fn deduct_below_whole_steps() {
        // PG_POLICY_RATE: 95 / 0.1 / 0.3, max 60. Guangming 94.65 → 3 steps → 59.1.
        let r = below(deduct(dec!(95), dec!(0.1), dec!(0.3), StepCount::Whole));
        assert_eq!(pts(&r, dec!(94.65), dec!(60)), dec!(59.1));
        // Full points: fewer than one whole step short, i.e. above 94.9.
        assert_eq!(need_text(&r, dec!(60), dec!(60)), "高于94.9%");
        assert_eq!(need_text(&r, dec!(60), dec!(59.7)), "高于94.8%");
        assert_eq!(need_text(&r, dec!(60), dec!(59.4)), "高于94.7%");
        // The example: 94.2 → 8 steps → 7.6 of 10.
        assert_eq!(pts(&r, dec!(94.2), dec!(10)), dec!(7.6));
        assert_eq!(need_text(&r, dec!(10), dec!(7.9)), "高于94.2%");
        check_edges(&r, dec!(60));
        check_edges(&r, dec!(10));
        assert_eq!(need_for(&r, dec!(60), Some(dec!(0)), dec!(60.01)), None);
    }

    #[test]
    fn deduct_below_started_and_partial() {
        // BZ_CONTRACEPTION: 90 / 1 / 1, started; 88.4 → 2 started steps → 28.
        let r = below(deduct(dec!(90), dec!(1), dec!(1), StepCount::Started));
        assert_eq!(pts(&r, dec!(88.4), dec!(30)), dec!(28));
        assert_eq!(need_text(&r, dec!(30), dec!(30)), "达到90%");
        assert_eq!(need_text(&r, dec!(30), dec!(29)), "达到89%");
        check_edges(&r, dec!(30));
        let p = below(deduct(dec!(90), dec!(1), dec!(2), StepCount::Partial));
        assert_eq!(need_text(&p, dec!(30), dec!(29)), "达到89.5%");
        check_edges(&p, dec!(30));
        assert!(ladder(&p, dec!(30), Some(dec!(0)), 2, None).is_some_and(|l| l.continuous));
    }

    #[test]
    fn deduct_above_with_base() {
        // BZ_SRB_TREND: target 0, per 0.1, 0.1 each, base 0.1. Yantian +0.74 → 9.2.
        let mut d = deduct(dec!(0), dec!(0.1), dec!(0.1), StepCount::Whole);
        d.base = dec!(0.1);
        let r = above(d);
        assert_eq!(pts(&r, dec!(0.74), dec!(10)), dec!(9.2));
        // Full points only strictly below last year (equal costs the base 0.1).
        assert_eq!(
            need_for(&r, dec!(10), Some(dec!(0)), dec!(10)),
            Some(Need::below(dec!(0)))
        );
        assert_eq!(
            need_for(&r, dec!(10), Some(dec!(0)), dec!(9.9)),
            Some(Need::below(dec!(0.1)))
        );
        assert_eq!(
            need_for(&r, dec!(10), Some(dec!(0)), dec!(9.3)),
            Some(Need::below(dec!(0.7)))
        );
        check_edges(&r, dec!(10));
        // PG_SRB: 110 / 1 / 0.5 — nanshan 121.25 → 11 steps → 14.5.
        let s = above(deduct(dec!(110), dec!(1), dec!(0.5), StepCount::Whole));
        assert_eq!(pts(&s, dec!(121.25), dec!(20)), dec!(14.5));
        assert_eq!(
            need_for(&s, dec!(20), Some(dec!(0)), dec!(20)),
            Some(Need::below(dec!(111)))
        );
        assert_eq!(
            need_for(&s, dec!(20), Some(dec!(0)), dec!(15)),
            Some(Need::below(dec!(121)))
        );
        check_edges(&s, dec!(20));
    }

    #[test]
    fn threshold_zero_band_with_inner_rule() {
        // BZ_ACCURACY: zero above 5, within deduct_above 1 / 1 / 5 partial; max 50.
        let r = Rule::Threshold(crate::rules::threshold::Threshold {
            zero_above: Some(dec!(5)),
            zero_below: None,
            inclusive: false,
            within: Some(Box::new(above(deduct(
                dec!(1),
                dec!(1),
                dec!(5),
                StepCount::Partial,
            )))),
        });
        // Guangming 5.51 → 0; at most 5 gives 30 (= 50 − 4 × 5); full at ≤ 1.
        assert_eq!(pts(&r, dec!(5.51), dec!(50)), dec!(0));
        assert_eq!(
            need_for(&r, dec!(50), Some(dec!(0)), dec!(0.01)),
            Some(Need::at_most(dec!(5)))
        );
        assert_eq!(
            need_for(&r, dec!(50), Some(dec!(0)), dec!(50)),
            Some(Need::at_most(dec!(1)))
        );
        assert_eq!(
            need_for(&r, dec!(50), Some(dec!(0)), dec!(40)),
            Some(Need::at_most(dec!(3)))
        );
        check_edges(&r, dec!(50));
        // PG_INFO_SYSTEM: zero below 80, within deduct_below 98 / 1 / 1 whole; 95.3 → 18.
        let i = Rule::Threshold(crate::rules::threshold::Threshold {
            zero_above: None,
            zero_below: Some(dec!(80)),
            inclusive: false,
            within: Some(Box::new(below(deduct(
                dec!(98),
                dec!(1),
                dec!(1),
                StepCount::Whole,
            )))),
        });
        assert_eq!(pts(&i, dec!(95.3), dec!(20)), dec!(18));
        assert_eq!(need_text(&i, dec!(20), dec!(20)), "高于97%");
        assert_eq!(need_text(&i, dec!(20), dec!(19)), "高于96%");
        // The lowest positive level is limited by the zero line, not by the deduction.
        assert_eq!(need_text(&i, dec!(20), dec!(2)), "达到80%");
        check_edges(&i, dec!(20));
    }

    #[test]
    fn binary_band_and_flags() {
        let b = Rule::Binary(crate::rules::binary::Binary {
            min: Some(dec!(95)),
            max: None,
            is: None,
            otherwise: dec!(0),
        });
        assert_eq!(need_text(&b, dec!(20), dec!(20)), "达到95%");
        check_edges(&b, dec!(20));
        let f = Rule::Binary(crate::rules::binary::Binary {
            min: None,
            max: None,
            is: Some(true),
            otherwise: dec!(0),
        });
        assert_eq!(
            need_for(&f, dec!(15), Some(dec!(0)), dec!(15)),
            Some(Need::Is { value: true })
        );
        let band = Rule::Band(crate::rules::band::Band {
            low: dec!(85),
            high: dec!(100),
            low_inclusive: true,
            high_inclusive: true,
        });
        assert_eq!(need_text(&band, dec!(40), dec!(40)), "在[85%~100%]之间");
        check_edges(&band, dec!(40));
        let l = ladder(&band, dec!(40), Some(dec!(0)), 2, None).expect("ladder");
        assert_eq!(l.direction, Direction::Band);
    }

    #[test]
    fn proportional_interpolate_fraction() {
        // PG_FUNDING: 30 元 → 40 points; futian 25.5 → 34.
        let p = Rule::Proportional(crate::rules::proportional::Proportional { target: dec!(30) });
        assert_eq!(pts(&p, dec!(25.5), dec!(40)), dec!(34));
        assert_eq!(
            need_for(&p, dec!(40), Some(dec!(0)), dec!(40)),
            Some(Need::at_least(dec!(30)))
        );
        assert_eq!(
            need_for(&p, dec!(40), Some(dec!(0)), dec!(36)),
            Some(Need::at_least(dec!(27)))
        );
        check_edges(&p, dec!(40));
        // DP_EXCHANGE: full at 15 days, zero at 30; 21 days → 18.
        let i = Rule::Interpolate(crate::rules::interpolate::Interpolate {
            full_at: dec!(15),
            zero_at: dec!(30),
        });
        assert_eq!(pts(&i, dec!(21), dec!(30)), dec!(18));
        assert_eq!(
            need_for(&i, dec!(30), Some(dec!(0)), dec!(30)),
            Some(Need::at_most(dec!(15)))
        );
        assert_eq!(
            need_for(&i, dec!(30), Some(dec!(0)), dec!(24)),
            Some(Need::at_most(dec!(18)))
        );
        check_edges(&i, dec!(30));
        let up = Rule::Interpolate(crate::rules::interpolate::Interpolate {
            full_at: dec!(5),
            zero_at: dec!(3),
        });
        assert_eq!(
            need_for(&up, dec!(10), Some(dec!(0)), dec!(5)),
            Some(Need::at_least(dec!(4)))
        );
        check_edges(&up, dec!(10));
        // PG_POLICY_INDEX: 0.65 → 13 of 20.
        let f = Rule::Fraction(crate::rules::fraction::Fraction);
        assert_eq!(pts(&f, dec!(0.65), dec!(20)), dec!(13));
        assert_eq!(
            need_for(&f, dec!(20), Some(dec!(0)), dec!(20)),
            Some(Need::at_least(dec!(1)))
        );
        assert_eq!(
            need_for(&f, dec!(20), Some(dec!(0)), dec!(15)),
            Some(Need::at_least(dec!(0.75)))
        );
        check_edges(&f, dec!(20));
    }

    #[test]
    fn bonus_above_both_sides() {
        // BZ_CHECKS: 70 / per 1 / +5 / −1 / cap 10; max 30. 66 → 26; 72 → 40.
        let r = Rule::BonusAbove(crate::rules::bonus_above::BonusAbove {
            target: dec!(70),
            per: dec!(1),
            add: dec!(5),
            deduct: dec!(1),
            extra_cap: dec!(10),
            count: StepCount::Whole,
        });
        assert_eq!(pts(&r, dec!(66), dec!(30)), dec!(26));
        assert_eq!(pts(&r, dec!(72), dec!(30)), dec!(40));
        // Whole steps: less than one step short costs nothing.
        assert_eq!(need_text(&r, dec!(30), dec!(30)), "高于69%");
        assert_eq!(need_text(&r, dec!(30), dec!(29)), "高于68%");
        assert_eq!(need_text(&r, dec!(30), dec!(35)), "达到71%");
        assert_eq!(need_text(&r, dec!(30), dec!(40)), "达到72%");
        assert_eq!(need_for(&r, dec!(30), Some(dec!(0)), dec!(40.01)), None);
        check_edges(&r, dec!(30));
        let l = ladder(&r, dec!(30), Some(dec!(0)), 2, None).expect("ladder");
        assert_eq!(l.levels.last().map(|l| l.points), Some(dec!(40)));
        assert_eq!(l.direction, Direction::Up);
    }

    #[test]
    fn step_tables_monotone_and_not() {
        // PG_MEETINGS: ≥4 → 20, [2,4) → 14, [1,2) → 8, else 0.
        let r = Rule::Steps(crate::rules::steps::Steps {
            rows: vec![
                StepRow {
                    min: Some(dec!(4)),
                    below: None,
                    points: dec!(20),
                },
                StepRow {
                    min: Some(dec!(2)),
                    below: Some(dec!(4)),
                    points: dec!(14),
                },
                StepRow {
                    min: Some(dec!(1)),
                    below: Some(dec!(2)),
                    points: dec!(8),
                },
            ],
            otherwise: dec!(0),
        });
        assert_eq!(
            need_for(&r, dec!(20), Some(dec!(0)), dec!(20)),
            Some(Need::at_least(dec!(4)))
        );
        assert_eq!(
            need_for(&r, dec!(20), Some(dec!(0)), dec!(14)),
            Some(Need::at_least(dec!(2)))
        );
        assert_eq!(
            need_for(&r, dec!(20), Some(dec!(0)), dec!(8)),
            Some(Need::at_least(dec!(1)))
        );
        check_edges(&r, dec!(20));
        let l = ladder(&r, dec!(20), Some(dec!(0)), 2, None).expect("ladder");
        let got: Vec<Decimal> = l.levels.iter().map(|l| l.points).collect();
        assert_eq!(got, vec![dec!(0), dec!(8), dec!(14), dec!(20)]);
        assert_eq!(l.direction, Direction::Up);
        // A table that peaks in the middle: the best is a band; a lower level is not one range.
        let peak = Rule::Steps(crate::rules::steps::Steps {
            rows: vec![
                StepRow {
                    min: Some(dec!(10)),
                    below: Some(dec!(20)),
                    points: dec!(10),
                },
                StepRow {
                    min: Some(dec!(20)),
                    below: None,
                    points: dec!(5),
                },
            ],
            otherwise: dec!(5),
        });
        assert_eq!(
            need_for(&peak, dec!(10), Some(dec!(0)), dec!(10)),
            Some(Need::within(Bound::incl(dec!(10)), Bound::excl(dec!(20))))
        );
        assert_eq!(
            need_for(&peak, dec!(10), Some(dec!(0)), dec!(5)),
            Some(Need::Any)
        );
        let gap = Rule::Steps(crate::rules::steps::Steps {
            rows: vec![
                StepRow {
                    min: None,
                    below: Some(dec!(10)),
                    points: dec!(10),
                },
                StepRow {
                    min: Some(dec!(20)),
                    below: None,
                    points: dec!(10),
                },
            ],
            otherwise: dec!(0),
        });
        assert_eq!(need_for(&gap, dec!(10), Some(dec!(0)), dec!(10)), None);
    }

    #[test]
    fn per_count_up_to_max() {
        // BZ_VILLAGE_DEMO: 5 points per village, max 20; longgang 3 → 15.
        let r = Rule::PerCount(crate::rules::per_count::PerCount {
            per: dec!(1),
            points: dec!(5),
        });
        assert_eq!(pts(&r, dec!(3), dec!(20)), dec!(15));
        assert_eq!(
            need_for(&r, dec!(20), Some(dec!(0)), dec!(20)),
            Some(Need::at_least(dec!(4)))
        );
        assert_eq!(
            need_for(&r, dec!(20), Some(dec!(0)), dec!(16)),
            Some(Need::at_least(dec!(4)))
        );
        // Max not a multiple of the step: 3 points each, max 10 → 4 needed for 10.
        let odd = Rule::PerCount(crate::rules::per_count::PerCount {
            per: dec!(2),
            points: dec!(3),
        });
        assert_eq!(
            need_for(&odd, dec!(10), Some(dec!(0)), dec!(10)),
            Some(Need::at_least(dec!(8)))
        );
        check_edges(&r, dec!(20));
        check_edges(&odd, dec!(10));
    }

    #[test]
    fn guard_from_zero_if_on_the_same_value() {
        // PG_POLICY_RATE with zero_if policy_rate < 82: any points need ≥ 82 as well.
        let r = below(deduct(dec!(95), dec!(0.1), dec!(0.3), StepCount::Whole));
        let l = ladder(
            &r,
            dec!(60),
            Some(dec!(0)),
            2,
            Some(Need::at_least(dec!(82))),
        )
        .expect("ladder");
        // 60 − 0.3 n > 0 ⇔ n < 200 ⇔ gap < 20 ⇔ above 75; the guard raises the lowest to 82.
        let lowest = &l.levels[1];
        assert_eq!(lowest.points, dec!(0.3));
        assert_eq!(lowest.need, Need::at_least(dec!(82)));
    }

    // ---- planner -------------------------------------------------------------------

    fn steps(v: &[i64]) -> Gains {
        Gains::Steps(v.iter().map(|x| Decimal::from(*x)).collect())
    }

    fn cand(v: &[i64]) -> Candidate {
        Candidate {
            gains: steps(v),
            forced: Decimal::ZERO,
        }
    }

    /// Every combination of levels: the least number of changes reaching `need`, and the
    /// least overshoot among those.
    fn brute(cands: &[Candidate], need: Decimal) -> Option<(usize, Decimal)> {
        let opts: Vec<Vec<Decimal>> = cands
            .iter()
            .map(|c| {
                let Gains::Steps(s) = &c.gains else {
                    unreachable!()
                };
                let mut o = vec![Decimal::ZERO];
                o.extend(s.iter().copied());
                o.retain(|g| *g >= c.forced);
                o
            })
            .collect();
        let mut best: Option<(usize, Decimal)> = None;
        let mut idx = vec![0usize; opts.len()];
        loop {
            let sum: Decimal = idx.iter().enumerate().map(|(i, &k)| opts[i][k]).sum();
            if sum >= need {
                let size = idx
                    .iter()
                    .enumerate()
                    .filter(|(i, k)| opts[*i][**k] > Decimal::ZERO)
                    .count();
                let key = (size, sum - need);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            let mut i = 0;
            loop {
                if i == idx.len() {
                    return best;
                }
                idx[i] += 1;
                if idx[i] < opts[i].len() {
                    break;
                }
                idx[i] = 0;
                i += 1;
            }
        }
    }

    fn check_against_brute(cands: &[Candidate], need: Decimal) {
        let p = plan(cands, need);
        match brute(cands, need) {
            None => assert!(
                !p.reached,
                "{cands:?} {need}: brute force finds none, plan {p:?}"
            ),
            Some((size, over)) => {
                assert!(p.reached, "{cands:?} {need}");
                assert_eq!(p.size(), size, "{cands:?} need {need}: {p:?}");
                assert!(p.total >= need);
                assert_eq!(p.total, p.gains.iter().copied().sum::<Decimal>());
                // Local minimality and the overshoot bound.
                let mut smallest_step: Option<Decimal> = None;
                for (i, c) in cands.iter().enumerate() {
                    let g = p.gains[i];
                    assert!(g >= c.forced, "forced gain kept");
                    if g > Decimal::ZERO {
                        let lower = c.gains.below(g);
                        if lower >= c.forced {
                            assert!(
                                p.total - g + lower < need,
                                "{cands:?} {need}: {i} could be lowered"
                            );
                            let step = g - lower;
                            smallest_step =
                                Some(smallest_step.map_or(step, |s: Decimal| s.min(step)));
                        }
                    }
                }
                if let Some(s) = smallest_step {
                    assert!(
                        p.total - need < s,
                        "overshoot {} not below {s}",
                        p.total - need
                    );
                }
                assert!(p.total - need >= over, "cannot beat the optimum overshoot");
                if size == 1 && cands.iter().all(|c| c.forced.is_zero()) {
                    assert_eq!(
                        p.total - need,
                        over,
                        "{cands:?} {need}: one change, least overshoot"
                    );
                }
            }
        }
    }

    #[test]
    fn plan_examples() {
        let c = vec![cand(&[10, 20, 30]), cand(&[5, 10]), cand(&[40])];
        let p = plan(&c, dec!(35));
        assert_eq!(p.size(), 1);
        assert_eq!(p.gains, vec![dec!(0), dec!(0), dec!(40)]);
        let p = plan(&c, dec!(45));
        assert_eq!(p.size(), 2);
        // Greedy + lowering gives 10 + 40 = 50; the exchange finds 5 + 40 = 45.
        assert_eq!(p.gains, vec![dec!(0), dec!(5), dec!(40)]);
        // One change: the least gain that suffices, not the largest candidate.
        let p = plan(&c, dec!(18));
        assert_eq!(p.gains, vec![dec!(20), dec!(0), dec!(0)]);
        assert!(!plan(&c, dec!(81)).reached);
        let p = plan(&c, dec!(0));
        assert_eq!(p.size(), 0);
        // A forced gain is kept and counted.
        let mut f = c.clone();
        f[1].forced = dec!(5);
        let p = plan(&f, dec!(42));
        assert_eq!(p.gains, vec![dec!(0), dec!(5), dec!(40)]);
        // Linear gains fill exactly to the granule.
        let lin = vec![
            Candidate {
                gains: Gains::Linear {
                    min: dec!(0.01),
                    max: dec!(12.5),
                    granule: dec!(0.01),
                },
                forced: dec!(0),
            },
            cand(&[20]),
        ];
        let p = plan(&lin, dec!(23.333));
        assert_eq!(p.gains, vec![dec!(3.34), dec!(20)]);
        // A jump: nothing, or 30 to 50 (a zero line, then a smooth deduction).
        let jump = Gains::Linear {
            min: dec!(30),
            max: dec!(50),
            granule: dec!(0.01),
        };
        assert_eq!(jump.least_at_least(dec!(3)), Some(dec!(30)));
        assert_eq!(jump.least_at_least(dec!(31.001)), Some(dec!(31.01)));
        assert_eq!(jump.below(dec!(30)), dec!(0));
        assert_eq!(jump.below(dec!(31)), dec!(30.99));
        assert_eq!(jump.least_at_least(dec!(50.001)), None);
    }

    proptest::proptest! {
        /// The planner matches brute force on small sets: same (least) number of changes,
        /// every chosen gain locally least, overshoot below the smallest step.
        #[test]
        fn plan_matches_brute_force(
            raw in proptest::collection::vec(proptest::collection::vec(1i64..15, 1..4), 1..6),
            forced_at in proptest::option::of(0usize..6),
            need in 0i64..70,
        ) {
            let mut cands: Vec<Candidate> = raw
                .iter()
                .map(|v| {
                    let mut s = v.clone();
                    s.sort();
                    s.dedup();
                    cand(&s)
                })
                .collect();
            if let Some(i) = forced_at && i < cands.len() {
                let Gains::Steps(s) = &cands[i].gains else { unreachable!() };
                cands[i].forced = s[0];
            }
            check_against_brute(&cands, Decimal::from(need));
        }
    }
}
