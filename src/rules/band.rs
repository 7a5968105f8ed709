//! R5 `band`: full points inside a band of values (each end inclusive or not), zero outside.

use super::kernel::Finish;
use super::{Bound, Ctx, Need, full_marks_en, s};
use crate::fx::Fx;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Band {
    pub low: Decimal,
    pub high: Decimal,
    pub low_inclusive: bool,
    pub high_inclusive: bool,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Band,
    pub value: Decimal,
    pub max: Decimal,
    pub inside: bool,
}

impl Band {
    /// Whether `v` lies inside the band, each end inclusive or not.
    pub fn contains(&self, v: Decimal) -> bool {
        let lo_ok = if self.low_inclusive {
            v >= self.low
        } else {
            v > self.low
        };
        let hi_ok = if self.high_inclusive {
            v <= self.high
        } else {
            v < self.high
        };
        lo_ok && hi_ok
    }

    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        Trace {
            rule: self,
            value: v,
            max,
            inside: self.contains(v),
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= Decimal::ZERO {
            Some(Need::Any)
        } else if target <= max {
            Some(Need::within(
                Bound {
                    value: self.low,
                    inclusive: self.low_inclusive,
                },
                Bound {
                    value: self.high,
                    inclusive: self.high_inclusive,
                },
            ))
        } else {
            None
        }
    }

    fn text(&self, c: &Ctx<'_>) -> String {
        format!(
            "{}{}~{}{}",
            if self.low_inclusive { "[" } else { "(" },
            c.fv(self.low),
            c.fv(self.high),
            if self.high_inclusive { "]" } else { ")" }
        )
    }
}

impl Trace<'_> {
    pub fn points(&self) -> Decimal {
        if self.inside { self.max } else { Decimal::ZERO }
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        let band = self.rule.text(c);
        if c.lang.en() {
            return if self.inside {
                format!(
                    "{} {}, inside {band}: {}",
                    c.name,
                    c.fv(self.value),
                    full_marks_en(self.max)
                )
            } else {
                format!("{} {}, outside {band}: 0 points", c.name, c.fv(self.value))
            };
        }
        if self.inside {
            format!(
                "{}{},在{band}之内,{}",
                c.name,
                c.fv(self.value),
                super::full_marks(self.max)
            )
        } else {
            format!("{}{},不在{band}之内,不得分", c.name, c.fv(self.value))
        }
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return vec![format!(
                "Full-marks band {}, actual {} → {}",
                self.rule.text(c),
                c.fv(self.value),
                if self.inside {
                    "inside the band"
                } else {
                    "outside the band"
                }
            )];
        }
        vec![format!(
            "满分区间{},实际{} → {}",
            self.rule.text(c),
            c.fv(self.value),
            if self.inside {
                "在区间内"
            } else {
                "不在区间内"
            }
        )]
    }
}

/// [`Band`]'s kernel.
struct Kernel {
    low: Fx,
    high: Fx,
    low_inclusive: bool,
    high_inclusive: bool,
}

impl super::kernel::Kernel for Kernel {
    #[inline]
    fn num(&self, v: Fx, max: i64, f: Finish) -> Option<i64> {
        // How the value compares with each end.
        let (lo, hi) = (v.order(self.low)?, v.order(self.high)?);
        let lo_ok = lo.is_gt() || (self.low_inclusive && lo.is_eq());
        let hi_ok = hi.is_lt() || (self.high_inclusive && hi.is_eq());
        f.at(if lo_ok && hi_ok { i128::from(max) } else { 0 }, max)
    }
}

impl super::Shape for Band {
    fn kernel(&self, _dp: u32) -> Option<Box<dyn super::kernel::Kernel>> {
        Some(Box::new(Kernel {
            low: Fx::from_decimal(self.low),
            high: Fx::from_decimal(self.high),
            low_inclusive: self.low_inclusive,
            high_inclusive: self.high_inclusive,
        }))
    }
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let (lo, hi) = (Fx::from_decimal(self.low), Fx::from_decimal(self.high));
        let lo_ok = if self.low_inclusive {
            lo.le(v)?
        } else {
            lo.lt(v)?
        };
        let hi_ok = if self.high_inclusive {
            v.le(hi)?
        } else {
            v.lt(hi)?
        };
        Some(if lo_ok && hi_ok { max } else { Fx::ZERO })
    }
    fn name(&self) -> &'static str {
        "band"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        match name {
            "low" => Some(&mut self.low),
            "high" => Some(&mut self.high),
            _ => None,
        }
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Band(self.trace(v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
}

impl Band {
    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{} inside {}: {}; outside it: 0 points",
                c.name,
                self.text(c),
                full_marks_en(c.max)
            );
        }
        format!(
            "{}在{}之内的,得满分{}分;不在{}之内的,不得分",
            c.name,
            self.text(c),
            s(c.max),
            self.text(c)
        )
    }
}
