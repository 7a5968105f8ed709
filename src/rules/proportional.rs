//! R6 `proportional`: points in proportion to the value's share of the target, at most full.

use super::{Ctx, Need, Rate, full_marks_en, p2, pts_en, s};
use crate::fx::Fx;
use crate::num::round_points;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Proportional {
    pub target: Decimal,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Proportional,
    pub value: Decimal,
    pub max: Decimal,
    /// value ÷ target (0 when the target is 0), before limiting to 0~1.
    pub share: Decimal,
}

impl Proportional {
    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        Trace {
            rule: self,
            value: v,
            max,
            // Beyond 28 digits the share is as large as can be; it is clamped to 0..1.
            share: super::quotient(v, self.target),
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= Decimal::ZERO {
            Some(Need::Any)
        } else if target > max || self.target <= Decimal::ZERO || max <= Decimal::ZERO {
            None
        } else {
            let v = target.checked_mul(self.target)?.checked_div(max)?;
            // The division rounds in its last digits, possibly up: the value with the fewest
            // decimals at or below it that still scores the target is the one to name (1.9, not
            // 1.9000000000000000000000000002).
            let scores = |x: Decimal| {
                x.checked_div(self.target)
                    .and_then(|r| max.checked_mul(r.clamp(Decimal::ZERO, Decimal::ONE)))
                    .is_some_and(|p| p >= target)
            };
            let least = (0..v.scale())
                .map(|dp| v.trunc_with_scale(dp))
                .find(|t| scores(*t))
                .unwrap_or(v);
            Some(Need::at_least(least))
        }
    }

    pub fn rate(&self, max: Decimal) -> Option<Rate> {
        (!self.target.is_zero()).then(|| Rate::Per {
            step: Decimal::ONE,
            points: max / self.target,
            up: true,
            proportional: false,
        })
    }
}

impl Trace<'_> {
    /// The share counted: limited to 0~1.
    pub fn ratio(&self) -> Decimal {
        self.share.clamp(Decimal::ZERO, Decimal::ONE)
    }

    pub fn points(&self) -> Decimal {
        self.max * self.ratio()
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{} {}, {} {}: {}% achieved, {} in proportion",
                c.name,
                c.fv(self.value),
                c.target,
                c.fv(self.rule.target),
                s(round_points(self.ratio() * Decimal::ONE_HUNDRED, 2)),
                pts_en(round_points(self.points(), 2))
            );
        }
        format!(
            "{}{},{}{},完成{}%,按比例得{}分",
            c.name,
            c.fv(self.value),
            c.target,
            c.fv(self.rule.target),
            s(round_points(self.ratio() * Decimal::ONE_HUNDRED, 2)),
            s(round_points(self.points(), 2))
        )
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return vec![
                format!(
                    "Target {}, actual {}: {}% achieved{}",
                    c.fv(self.rule.target),
                    c.fv(self.value),
                    p2(self.share * Decimal::ONE_HUNDRED),
                    if self.value > self.rule.target {
                        " (counted as 100%)"
                    } else {
                        ""
                    }
                ),
                format!(
                    "→ {} × {}% = {}",
                    s(self.max),
                    p2(self.ratio() * Decimal::ONE_HUNDRED),
                    p2(self.points())
                ),
            ];
        }
        vec![
            format!(
                "目标{},实际{},完成{}%{}",
                c.fv(self.rule.target),
                c.fv(self.value),
                p2(self.share * Decimal::ONE_HUNDRED),
                if self.value > self.rule.target {
                    "(按100%计)"
                } else {
                    ""
                }
            ),
            format!(
                "→ {}×{}%={}",
                s(self.max),
                p2(self.ratio() * Decimal::ONE_HUNDRED),
                p2(self.points())
            ),
        ]
    }
}

impl super::Shape for Proportional {
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let target = Fx::from_decimal(self.target);
        let share = if target.is_zero() {
            Fx::ZERO
        } else {
            v.over(target)?
        };
        let ratio = share.max(Fx::ZERO)?.min(Fx::Dec(1, 0))?;
        Some(max.times(ratio))
    }
    fn name(&self) -> &'static str {
        "proportional"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        (name == "target").then_some(&mut self.target)
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Proportional(self.trace(v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
    fn continuous(&self) -> bool {
        true
    }
    fn rate(&self, max: Decimal) -> Option<Rate> {
        self.rate(max)
    }
}

impl Proportional {
    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{} against the target {}: points in proportion to the share of the target achieved (100% or more: {})",
                c.name,
                c.fv(self.target),
                full_marks_en(c.max)
            );
        }
        format!(
            "{}以{}为目标,按完成目标的比例得分(完成100%及以上得满分{}分)",
            c.name,
            c.fv(self.target),
            s(c.max)
        )
    }
}
