//! R1 `binary`: full points when the value meets the target (`min`/`max`, or `is` for a
//! yes/no value), otherwise `otherwise` points.

use super::kernel::{Finish, at_dp};
use super::{Ctx, Need, full_marks_en, pts_en, s};
use crate::expr::Val;
use crate::fx::Fx;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Binary {
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub is: Option<bool>,
    pub otherwise: Decimal,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Binary,
    pub value: Val,
    pub pass: bool,
    pub max: Decimal,
}

impl Binary {
    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        let pass = self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|h| v <= h);
        Trace {
            rule: self,
            value: Val::Num(v),
            pass,
            max,
        }
    }

    pub fn trace_flag(&self, b: bool, max: Decimal) -> Trace<'_> {
        Trace {
            rule: self,
            value: Val::Bool(b),
            pass: self.is == Some(b),
            max,
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= self.otherwise {
            return Some(Need::Any);
        }
        if target > max {
            return None;
        }
        if let Some(want) = self.is {
            return Some(Need::Is { value: want });
        }
        Some(Need::Range {
            low: self.min.map(super::Bound::incl),
            high: self.max.map(super::Bound::incl),
        })
    }

    fn target_text(&self, c: &Ctx<'_>, none: &str) -> String {
        match (self.min, self.max) {
            (Some(m), Some(h)) => format!("{}~{}", c.fv(m), c.fv(h)),
            (Some(m), None) => format!("≥{}", c.fv(m)),
            (None, Some(h)) => format!("≤{}", c.fv(h)),
            (None, None) => none.into(),
        }
    }
}

impl Trace<'_> {
    pub fn points(&self) -> Decimal {
        if self.pass {
            self.max
        } else {
            self.rule.otherwise
        }
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return self.reason_en(c);
        }
        let name = c.name;
        let full = super::full_marks(self.max);
        let other = s(self.rule.otherwise);
        match self.value {
            Val::Bool(_) => {
                let v = super::fmt_val(&self.value, None);
                if self.pass {
                    format!("{name}:{v},符合要求,{full}")
                } else {
                    format!("{name}:{v},不符合要求,得{other}分")
                }
            }
            Val::Num(num) => {
                let target = self.rule.target_text(c, "");
                if self.pass {
                    format!("{name}{},达到{}({target}),{full}", c.fv(num), c.target)
                } else {
                    format!(
                        "{name}{},未达到{}({target}),得{other}分",
                        c.fv(num),
                        c.target
                    )
                }
            }
        }
    }

    fn reason_en(&self, c: &Ctx<'_>) -> String {
        let name = c.name;
        let full = full_marks_en(self.max);
        let other = pts_en(self.rule.otherwise);
        match self.value {
            Val::Bool(_) => {
                let v = c.fv_en(&self.value);
                if self.pass {
                    format!("{name}: {v}, as required: {full}")
                } else {
                    format!("{name}: {v}, not as required: {other}")
                }
            }
            Val::Num(num) => {
                let target = self.rule.target_text(c, "");
                if self.pass {
                    format!(
                        "{name} {}, meets {} ({target}): {full}",
                        c.fv(num),
                        c.target
                    )
                } else {
                    format!(
                        "{name} {}, does not meet {} ({target}): {other}",
                        c.fv(num),
                        c.target
                    )
                }
            }
        }
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return match self.value {
                Val::Bool(b) => {
                    let yes = |x: bool| if x { "yes" } else { "no" };
                    vec![format!(
                        "Required: {} is \"{}\"; actual \"{}\" → {}",
                        c.name,
                        yes(self.rule.is.unwrap_or(true)),
                        yes(b),
                        if self.pass { "met" } else { "not met" }
                    )]
                }
                Val::Num(num) => vec![format!(
                    "Target {}, actual {} → {}",
                    self.rule.target_text(c, "any"),
                    c.fv(num),
                    if self.pass { "met" } else { "not met" }
                )],
            };
        }
        match self.value {
            Val::Bool(b) => {
                let yes = |x: bool| if x { "是" } else { "否" };
                vec![format!(
                    "要求{}为\"{}\",实际为\"{}\" → {}",
                    c.name,
                    yes(self.rule.is.unwrap_or(true)),
                    yes(b),
                    if self.pass { "符合" } else { "不符合" }
                )]
            }
            Val::Num(num) => vec![format!(
                "目标{},实际{} → {}",
                self.rule.target_text(c, "任意"),
                c.fv(num),
                if self.pass { "达到" } else { "未达到" }
            )],
        }
    }
}

/// [`Binary`]'s kernel.
struct Kernel {
    min: Option<Fx>,
    max: Option<Fx>,
    is: Option<bool>,
    /// `otherwise` in whole numbers of 10^-dp.
    otherwise: i64,
}

impl Kernel {
    fn points(&self, pass: bool, max: i64, f: Finish) -> Option<i64> {
        f.at(i128::from(if pass { max } else { self.otherwise }), max)
    }
}

impl super::kernel::Kernel for Kernel {
    #[inline]
    fn num(&self, v: Fx, max: i64, f: Finish) -> Option<i64> {
        let lo = match self.min {
            Some(m) => v.order(m)?.is_ge(),
            None => true,
        };
        let hi = match self.max {
            Some(h) => v.order(h)?.is_le(),
            None => true,
        };
        self.points(lo && hi, max, f)
    }
    fn flag(&self, b: bool, max: i64, f: Finish) -> Option<i64> {
        self.points(self.is? == b, max, f)
    }
}

impl super::Shape for Binary {
    fn kernel(&self, dp: u32) -> Option<Box<dyn super::kernel::Kernel>> {
        Some(Box::new(Kernel {
            min: self.min.map(Fx::from_decimal),
            max: self.max.map(Fx::from_decimal),
            is: self.is,
            otherwise: at_dp(self.otherwise, dp)?,
        }))
    }
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let lo = match self.min {
            Some(m) => !v.lt(Fx::from_decimal(m))?,
            None => true,
        };
        let hi = match self.max {
            Some(h) => v.le(Fx::from_decimal(h))?,
            None => true,
        };
        Some(if lo && hi {
            max
        } else {
            Fx::from_decimal(self.otherwise)
        })
    }
    fn fx_flag(&self, b: bool, max: Fx) -> Option<Fx> {
        let is = self.is?;
        Some(if is == b {
            max
        } else {
            Fx::from_decimal(self.otherwise)
        })
    }
    fn name(&self) -> &'static str {
        "binary"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        match name {
            "min" => self.min.as_mut(),
            "max" => self.max.as_mut(),
            _ => None,
        }
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Binary(self.trace(v, max))
    }
    fn trace_flag(&self, b: bool, max: Decimal) -> super::Trace<'_> {
        match self.is {
            Some(_) => super::Trace::Binary(self.trace_flag(b, max)),
            None => super::Trace::NeedsNumber,
        }
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        Some(vec![self.otherwise, max])
    }
}

impl Binary {
    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            let (full, other) = (full_marks_en(c.max), pts_en(self.otherwise));
            return match self.is {
                Some(want) => format!(
                    "{} is \"{}\": as required, {full}; otherwise not as required, {other}",
                    c.name,
                    c.fv_en(&Val::Bool(want))
                ),
                None => format!(
                    "{} meets the target ({}): {full}; otherwise {other}",
                    c.name,
                    self.target_text(c, "any value")
                ),
            };
        }
        let (max, other) = (s(c.max), s(self.otherwise));
        match self.is {
            Some(want) => format!(
                "{}为\"{}\"的,符合要求,得满分{max}分;否则不符合要求,得{other}分",
                c.name,
                super::fmt_val(&Val::Bool(want), None)
            ),
            None => format!(
                "{}达到目标({})的,得满分{max}分;未达到目标的,得{other}分",
                c.name,
                self.target_text(c, "任意值")
            ),
        }
    }
}
