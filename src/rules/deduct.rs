//! R2/R3 `deduct_below` / `deduct_above`: full points on the good side of the target; on the
//! other side `max − (steps × points + base)`, steps of `per` counted as the rule says.

use super::kernel::{Exact, Finish, at_dp};
use super::{Ctx, Need, Rate, count_word, count_word_en, floor_en, full_marks_en, p2, pts_en, s};
use crate::fx::Fx;
use crate::model::choice::StepCount;
use crate::num::{show_dp, steps};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Deduct {
    pub target: Decimal,
    pub per: Decimal,
    pub points: Decimal,
    pub count: StepCount,
    /// Deducted as soon as the value reaches the target on the deduction side.
    pub base: Decimal,
    /// `deduct_below` or `deduct_above`.
    pub side: Side,
}

/// Which side of the target loses points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `deduct_below`: values below the target lose points.
    Below,
    /// `deduct_above`: values above the target lose points.
    Above,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Deduct,
    pub side: Side,
    pub value: Decimal,
    pub max: Decimal,
    /// How far the value is on the deduction side (negative: on the good side).
    pub gap: Decimal,
    /// Steps counted; `None` when the value is on the good side (no deduction).
    pub steps: Option<Decimal>,
    /// The deduction is beyond what can be computed (28 significant digits): no points.
    pub overflow: bool,
}

impl Deduct {
    pub fn trace(&self, side: Side, v: Decimal, max: Decimal) -> Trace<'_> {
        let gap = match side {
            Side::Below => self.target.checked_sub(v),
            Side::Above => v.checked_sub(self.target),
        };
        let mut t = Trace {
            rule: self,
            side,
            value: v,
            max,
            gap: gap.unwrap_or_default(),
            steps: None,
            overflow: gap.is_none(),
        };
        let Some(gap) = gap else { return t };
        if gap < Decimal::ZERO || (gap.is_zero() && self.base.is_zero()) {
            return t;
        }
        // Steps and the deduction are checked: an overflow is no points, never full marks.
        let n = steps(gap, self.per, self.count).filter(|n| {
            n.checked_mul(self.points)
                .and_then(|d| d.checked_add(self.base))
                .and_then(|d| max.checked_sub(d))
                .is_some()
        });
        t.overflow = n.is_none();
        t.steps = n;
        t
    }

    pub fn need(&self, side: Side, max: Decimal, target: Decimal) -> Option<Need> {
        let zero = Decimal::ZERO;
        if target > max || self.per <= zero {
            return None;
        }
        let below = side == Side::Below;
        // The value must be on the good side of `edge` (at or beyond it when `inclusive`).
        let side_of = |edge: Decimal, inclusive: bool| {
            let b = super::Bound {
                value: edge,
                inclusive,
            };
            if below {
                Need::Range {
                    low: Some(b),
                    high: None,
                }
            } else {
                Need::Range {
                    low: None,
                    high: Some(b),
                }
            }
        };
        // Moving `k` steps of `per` from the target towards the bad side.
        let toward_bad = |k: Decimal| {
            if below {
                self.target - k * self.per
            } else {
                self.target + k * self.per
            }
        };
        if self.points <= zero {
            // The deduction is `base` on the deduction side, whatever the distance.
            return Some(if target <= max - self.base {
                Need::Any
            } else {
                side_of(self.target, false)
            });
        }
        let room = max - target - self.base;
        if room < zero {
            // Only no deduction at all will do: strictly on the good side when a base is
            // charged at the target itself; with whole steps, anything short of one step.
            return Some(if self.base > zero {
                side_of(self.target, false)
            } else {
                match self.count {
                    StepCount::Whole => side_of(toward_bad(Decimal::ONE), false),
                    _ => side_of(self.target, true),
                }
            });
        }
        Some(match self.count {
            StepCount::Whole => {
                let n = (room / self.points).floor();
                side_of(toward_bad(n + Decimal::ONE), false)
            }
            StepCount::Started => side_of(toward_bad((room / self.points).floor()), true),
            StepCount::Partial => side_of(toward_bad(room / self.points), true),
        })
    }

    pub fn candidates(&self, max: Decimal) -> Vec<Decimal> {
        let mut v = vec![max];
        if self.count != StepCount::Partial && self.points > Decimal::ZERO {
            for n in 0..super::need::MAX_LEVELS as i64 {
                let p = max - self.base - Decimal::from(n) * self.points;
                v.push(p);
                if p <= Decimal::ZERO {
                    break;
                }
            }
        } else {
            v.push(max - self.base);
        }
        v
    }

    pub fn rate(&self) -> Option<Rate> {
        (self.count == StepCount::Partial).then_some(Rate::Per {
            step: self.per,
            points: self.points,
            up: false,
            proportional: true,
        })
    }
}

impl Trace<'_> {
    /// The deduction (0 on the good side).
    pub fn deduction(&self) -> Decimal {
        self.steps
            .map_or(Decimal::ZERO, |n| n * self.rule.points + self.rule.base)
    }

    pub fn points(&self) -> Decimal {
        self.max - self.deduction()
    }

    /// Raw points, `None` when the deduction could not be computed.
    pub fn raw(&self) -> Option<super::Raw> {
        (!self.overflow).then(|| super::Raw::new(self.points()))
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return self.reason_en(c);
        }
        let (name, d, num) = (c.name, self.rule, self.value);
        let below = self.side == Side::Below;
        let (word, at) = if below {
            ("低于", "达到")
        } else {
            ("高于", "未超过")
        };
        if self.overflow {
            return format!("{name}{},扣分超出可计算范围(数值溢出),无法计分", c.fv(num));
        }
        if self.steps.is_none() {
            return format!(
                "{name}{},{at}{}{},{}",
                c.fv(num),
                c.target,
                c.fv(d.target),
                super::full_marks(self.max)
            );
        }
        let du = c.du();
        let ded = self.deduction();
        let mut reason = format!(
            "{name}{},{word}{}{} {}{du}",
            c.fv(num),
            c.target,
            c.fv(d.target),
            s(self.gap.max(Decimal::ZERO))
        );
        if d.base > Decimal::ZERO {
            reason.push_str(&format!(",{}", d.base_phrase(c)));
        }
        reason.push_str(&format!(
            ",{},扣{}分{}",
            d.per_step(c),
            s(ded),
            if ded > self.max && c.floor.is_some() {
                ",扣完为止"
            } else {
                ""
            }
        ));
        reason
    }

    fn reason_en(&self, c: &Ctx<'_>) -> String {
        let (name, d, num) = (c.name, self.rule, self.value);
        let below = self.side == Side::Below;
        if self.overflow {
            return format!(
                "{name} {}: the deduction is beyond what can be computed (overflow), not scored",
                c.fv(num)
            );
        }
        if self.steps.is_none() {
            return format!(
                "{name} {}, {} {} {}: {}",
                c.fv(num),
                if below { "at or above" } else { "not above" },
                c.target,
                c.fv(d.target),
                full_marks_en(self.max)
            );
        }
        let ded = self.deduction();
        let mut reason = format!(
            "{name} {}, {} {} {} {}",
            c.fv(num),
            c.gap_en(self.gap.max(Decimal::ZERO)),
            if below { "below" } else { "above" },
            c.target,
            c.fv(d.target)
        );
        if d.base > Decimal::ZERO {
            reason.push_str(&format!("; {}", d.base_phrase(c)));
        }
        reason.push_str(&format!(
            "; {}: {} deducted{}",
            d.per_step(c),
            pts_en(ded),
            if ded > self.max {
                floor_en(c.floor)
            } else {
                String::new()
            }
        ));
        reason
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return self.steps_en(c);
        }
        let (d, num, max) = (self.rule, self.value, self.max);
        let below = self.side == Side::Below;
        if self.overflow {
            return vec![format!(
                "目标{},实际{} → 扣分超出可计算范围(数值溢出)",
                c.fv(d.target),
                c.fv(num)
            )];
        }
        let Some(n) = self.steps else {
            return vec![format!(
                "目标{}{},实际{} → 达到目标,不扣分",
                if below { "≥" } else { "≤" },
                c.fv(d.target),
                c.fv(num)
            )];
        };
        let du = c.du();
        let gap = self.gap;
        let word = if below { "低于" } else { "高于" };
        let mut out = vec![
            format!(
                "目标{},实际{},{word}目标{}{du}",
                c.fv(d.target),
                c.fv(num),
                s(gap)
            ),
            format!(
                "{},{}:{}÷{}={} → {}步",
                d.per_step(c),
                count_word(d.count),
                s(gap),
                s(d.per),
                show_dp(gap / d.per, 4),
                show_dp(n, 4)
            ),
        ];
        let ded = self.deduction();
        if d.base > Decimal::ZERO {
            out.push(format!(
                "另达到目标即扣{}分:{}×{}+{}={}分",
                s(d.base),
                show_dp(n, 4),
                s(d.points),
                s(d.base),
                p2(ded)
            ));
        }
        out.push(format!(
            "→ 扣{}分,{}−{}={}",
            p2(ded),
            s(max),
            p2(ded),
            p2(max - ded)
        ));
        out
    }
}

impl Trace<'_> {
    fn steps_en(&self, c: &Ctx<'_>) -> Vec<String> {
        let (d, num, max) = (self.rule, self.value, self.max);
        let below = self.side == Side::Below;
        if self.overflow {
            return vec![format!(
                "Target {}, actual {} → the deduction is beyond what can be computed (overflow)",
                c.fv(d.target),
                c.fv(num)
            )];
        }
        let Some(n) = self.steps else {
            return vec![format!(
                "Target {}{}, actual {} → target met, nothing deducted",
                if below { "≥" } else { "≤" },
                c.fv(d.target),
                c.fv(num)
            )];
        };
        let gap = self.gap;
        let mut out = vec![
            format!(
                "Target {}, actual {}: {} {} the target",
                c.fv(d.target),
                c.fv(num),
                c.gap_en(gap),
                if below { "below" } else { "above" }
            ),
            format!(
                "{} ({}): {} ÷ {} = {} → {} {}",
                d.per_step(c),
                count_word_en(d.count),
                s(gap),
                s(d.per),
                show_dp(gap / d.per, 4),
                show_dp(n, 4),
                super::plural(n, "step", "steps")
            ),
        ];
        let ded = self.deduction();
        if d.base > Decimal::ZERO {
            out.push(format!(
                "Plus {} on reaching the target: {} × {} + {} = {}",
                pts_en(d.base),
                show_dp(n, 4),
                s(d.points),
                s(d.base),
                pts_en(super::round_points(ded, 2))
            ));
        }
        out.push(format!(
            "→ {} deducted: {} − {} = {}",
            pts_en(super::round_points(ded, 2)),
            s(max),
            p2(ded),
            p2(max - ded)
        ));
        out
    }
}

/// [`Deduct`]'s kernel: the value's gap and steps in whole numbers of one scale, the
/// deduction in whole numbers of the set's last place.
struct Kernel {
    target: Exact,
    per: Exact,
    /// `points` and `base` in whole numbers of 10^-dp.
    points: i64,
    base: i64,
    count: StepCount,
    side: Side,
}

impl super::kernel::Kernel for Kernel {
    #[inline]
    fn num(&self, v: Fx, max: i64, f: Finish) -> Option<i64> {
        let (t, x, w) = self.target.aligned(v)?;
        let gap = match self.side {
            Side::Below => t - x,
            Side::Above => x - t,
        };
        if gap < 0 || (gap == 0 && self.base == 0) {
            return f.at(i128::from(max), max);
        }
        // The gap and the step on one scale (the step's, when it has more places).
        let ps = self.per.scale();
        let per = self.per.at(w.max(ps));
        let gap = gap * crate::fx::pow10_128(ps.saturating_sub(w));
        if per <= 0 {
            return None;
        }
        // In 64 bits when both fit (a hardware division).
        let n = match (i64::try_from(gap), i64::try_from(per)) {
            (Ok(g), Ok(p)) => i128::from(step_count(g, p, self.count)?),
            _ => step_count(gap, per, self.count)?,
        };
        let deduction = n
            .checked_mul(i128::from(self.points))?
            .checked_add(i128::from(self.base))?;
        // Far beyond any maximum: the exact path decides.
        if deduction.abs() > 1_000_000_000_000_000_000 {
            return None;
        }
        f.at(i128::from(max) - deduction, max)
    }
}

/// The steps of `per` (positive) in `gap` (not negative) as `count` counts them; `None` for a
/// part of a step (`Partial`: whole steps only in the kernel).
fn step_count<T>(gap: T, per: T, count: StepCount) -> Option<T>
where
    T: Copy + PartialEq + From<bool> + std::ops::Add<Output = T>,
    T: std::ops::Div<Output = T> + std::ops::Rem<Output = T>,
{
    let (q, whole) = (gap / per, gap % per == T::from(false));
    match count {
        StepCount::Whole => Some(q),
        StepCount::Started => Some(q + T::from(!whole)),
        StepCount::Partial => whole.then_some(q),
    }
}

impl super::Shape for Deduct {
    fn kernel(&self, dp: u32) -> Option<Box<dyn super::kernel::Kernel>> {
        Some(Box::new(Kernel {
            target: Exact::of(self.target)?,
            per: Exact::of(self.per)?,
            points: at_dp(self.points, dp)?,
            base: at_dp(self.base, dp)?,
            count: self.count,
            side: self.side,
        }))
    }
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let target = Fx::from_decimal(self.target);
        let gap = match self.side {
            Side::Below => target.minus(v),
            Side::Above => v.minus(target),
        };
        let base = Fx::from_decimal(self.base);
        if gap.lt(Fx::ZERO)? || (gap.is_zero() && base.is_zero()) {
            return Some(max);
        }
        let n = crate::num::steps_fx(gap, Fx::from_decimal(self.per), self.count)?;
        let deduction = n.times(Fx::from_decimal(self.points)).plus(base);
        // Far beyond any maximum: the exact path checks for overflow (a 64-bit mantissa is
        // below 1e19).
        match deduction {
            Fx::Approx(v) if v.abs() >= 1e20 => None,
            _ => Some(max.minus(deduction)),
        }
    }
    fn name(&self) -> &'static str {
        match self.side {
            Side::Below => "deduct_below",
            Side::Above => "deduct_above",
        }
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        (name == "target").then_some(&mut self.target)
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Deduct(self.trace(self.side, v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(self.side, max, target)
    }
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        Some(self.candidates(max))
    }
    fn continuous(&self) -> bool {
        self.count == StepCount::Partial
    }
    fn rate(&self, _max: Decimal) -> Option<Rate> {
        self.rate()
    }
}

impl Deduct {
    /// "每0.1个百分点扣0.3分": a step and its deduction, in the reasons, the explanations and
    /// the handbook alike.
    pub fn per_step(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!("{} off per {}", pts_en(self.points), c.gap_en(self.per));
        }
        format!("每{}{}扣{}分", s(self.per), c.du(), s(self.points))
    }

    /// "达到1%即扣0.5分": the deduction charged at the target itself.
    pub fn base_phrase(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{} off as soon as it reaches {}",
                pts_en(self.base),
                c.fv(self.target)
            );
        }
        format!("达到{}即扣{}分", c.fv(self.target), s(self.base))
    }

    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return self.describe_en(c);
        }
        let below = self.side == Side::Below;
        let (word, at, beyond) = if below {
            ("低于", "达到", "高于")
        } else {
            ("高于", "未超过", "低于")
        };
        let mut out = if self.base > Decimal::ZERO {
            format!(
                "{}{beyond}目标{}的,得满分{}分;{}",
                c.name,
                c.fv(self.target),
                s(c.max),
                self.base_phrase(c)
            )
        } else {
            format!(
                "{}{at}目标{}的,得满分{}分;{word}目标的",
                c.name,
                c.fv(self.target),
                s(c.max)
            )
        };
        if self.points > Decimal::ZERO {
            out.push_str(&format!(
                ",{}({})",
                self.per_step(c),
                count_word(self.count)
            ));
        }
        out.push_str(",扣完为止");
        out
    }
}

impl Deduct {
    /// [`Deduct::describe`] in English.
    fn describe_en(&self, c: &Ctx<'_>) -> String {
        let below = self.side == Side::Below;
        let (word, at, beyond) = if below {
            ("below", "at or above", "above")
        } else {
            ("above", "at or below", "below")
        };
        let mut out = if self.base > Decimal::ZERO {
            format!(
                "{} {beyond} the target {}: {}; {}",
                c.name,
                c.fv(self.target),
                full_marks_en(c.max),
                self.base_phrase(c)
            )
        } else {
            format!(
                "{} {at} the target {}: {}; {word} the target",
                c.name,
                c.fv(self.target),
                full_marks_en(c.max)
            )
        };
        if self.points > Decimal::ZERO {
            out.push_str(&format!(
                ", {} ({})",
                self.per_step(c),
                count_word_en(self.count)
            ));
        }
        out.push_str(", until no points are left");
        out
    }
}
