//! R7 `interpolate`: full points at `full_at`, zero at `zero_at`, linear between, limited to
//! 0~max outside.

use super::{Ctx, Need, Rate, p2, pts_en, s};
use crate::fx::Fx;
use crate::num::round_points;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Interpolate {
    pub full_at: Decimal,
    pub zero_at: Decimal,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Interpolate,
    pub value: Decimal,
    pub max: Decimal,
    /// How far from `full_at` towards `zero_at`, limited to 0~1.
    pub t: Decimal,
}

impl Interpolate {
    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        let span = self.zero_at - self.full_at;
        // Beyond 28 digits the position is as far as can be; it is clamped to 0..1.
        let t = super::quotient(v.saturating_sub(self.full_at), span)
            .clamp(Decimal::ZERO, Decimal::ONE);
        Trace {
            rule: self,
            value: v,
            max,
            t,
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= Decimal::ZERO {
            return Some(Need::Any);
        }
        if target > max || max <= Decimal::ZERO || self.full_at == self.zero_at {
            return None;
        }
        // points = max × (1 − t), t = (v − full_at) / (zero_at − full_at), limited to [0, 1].
        let v = self.full_at + (Decimal::ONE - target / max) * (self.zero_at - self.full_at);
        Some(if self.zero_at > self.full_at {
            Need::at_most(v)
        } else {
            Need::at_least(v)
        })
    }

    pub fn rate(&self, max: Decimal) -> Option<Rate> {
        (self.full_at != self.zero_at).then(|| Rate::Per {
            step: Decimal::ONE,
            points: max / (self.zero_at - self.full_at).abs(),
            up: self.zero_at <= self.full_at,
            proportional: false,
        })
    }
}

impl Trace<'_> {
    pub fn points(&self) -> Decimal {
        self.max * (Decimal::ONE - self.t)
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        let r = self.rule;
        if c.lang.en() {
            return format!(
                "{} {}, {}: {} in proportion",
                c.name,
                c.fv(self.value),
                r.ends(c),
                pts_en(round_points(self.points(), 2))
            );
        }
        format!(
            "{}{},{},按比例得{}分",
            c.name,
            c.fv(self.value),
            r.ends(c),
            s(round_points(self.points(), 2))
        )
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        let r = self.rule;
        if c.lang.en() {
            return vec![
                format!(
                    "Full marks at {}, 0 points at {}, actual {}",
                    c.fv(r.full_at),
                    c.fv(r.zero_at),
                    c.fv(self.value)
                ),
                format!(
                    "→ {} × (1 − ({} − {}) ÷ ({} − {})){} = {}",
                    s(self.max),
                    s(self.value),
                    s(r.full_at),
                    s(r.zero_at),
                    s(r.full_at),
                    if self.t.is_zero() || self.t == Decimal::ONE {
                        " (limited to 0~1)"
                    } else {
                        ""
                    },
                    p2(self.points())
                ),
            ];
        }
        vec![
            format!(
                "{}得满分,{}得0分,实际{}",
                c.fv(r.full_at),
                c.fv(r.zero_at),
                c.fv(self.value)
            ),
            format!(
                "→ {}×(1−({}−{})÷({}−{})){}={}",
                s(self.max),
                s(self.value),
                s(r.full_at),
                s(r.zero_at),
                s(r.full_at),
                if self.t.is_zero() || self.t == Decimal::ONE {
                    "(限于0~1)"
                } else {
                    ""
                },
                p2(self.points())
            ),
        ]
    }
}

impl super::Shape for Interpolate {
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let full = Fx::from_decimal(self.full_at);
        let span = Fx::from_decimal(self.zero_at).minus(full);
        let t = if span.is_zero() {
            Fx::ZERO
        } else {
            v.minus(full).over(span)?
        };
        let t = t.max(Fx::ZERO)?.min(Fx::Dec(1, 0))?;
        Some(max.times(Fx::Dec(1, 0).minus(t)))
    }
    fn name(&self) -> &'static str {
        "interpolate"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        match name {
            "full_at" => Some(&mut self.full_at),
            "zero_at" => Some(&mut self.zero_at),
            _ => None,
        }
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Interpolate(self.trace(v, max))
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

impl Interpolate {
    /// "3%得满分、5%得0分": the two ends of the line.
    pub fn ends(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "full marks at {}, 0 points at {}",
                c.fv(self.full_at),
                c.fv(self.zero_at)
            );
        }
        format!("{}得满分、{}得0分", c.fv(self.full_at), c.fv(self.zero_at))
    }

    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{}: {} (maximum {}), in proportion in between",
                c.name,
                self.ends(c),
                pts_en(c.max)
            );
        }
        format!(
            "{}{}(满分{}分),其间按比例得分",
            c.name,
            self.ends(c),
            s(c.max)
        )
    }
}
