//! R4 `threshold`: zero points beyond a limit (above `zero_above` or below `zero_below`, the
//! limit itself only when `inclusive`); within it full points, or the points of a nested rule.

use super::kernel::Finish;
use super::{Bound, Ctx, Need, Raw, Rule, full_marks_en, s};
use crate::expr::Val;
use crate::expr::fast::FxVal;
use crate::fx::Fx;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Threshold {
    pub zero_above: Option<Decimal>,
    pub zero_below: Option<Decimal>,
    pub inclusive: bool,
    pub within: Option<Box<Rule>>,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Threshold,
    pub value: Decimal,
    pub max: Decimal,
    pub beyond: bool,
    /// The nested rule's trace, when within the limit and there is one.
    pub inner: Option<Box<super::Trace<'r>>>,
}

impl Threshold {
    /// Whether `v` is beyond the zero-out limit (the limit itself only if inclusive).
    pub fn beyond(&self, v: Decimal) -> bool {
        match (self.zero_above, self.zero_below) {
            (Some(a), _) => v > a || (self.inclusive && v == a),
            (None, Some(b)) => v < b || (self.inclusive && v == b),
            _ => false,
        }
    }

    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        let beyond = self.beyond(v);
        let inner = match (&self.within, beyond) {
            (Some(w), false) => Some(Box::new(w.trace(Val::Num(v), max))),
            _ => None,
        };
        Trace {
            rule: self,
            value: v,
            max,
            beyond,
            inner,
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= Decimal::ZERO {
            return Some(Need::Any);
        }
        let inside = match (self.zero_above, self.zero_below) {
            (Some(a), _) => Need::Range {
                low: None,
                high: Some(Bound {
                    value: a,
                    inclusive: !self.inclusive,
                }),
            },
            (None, Some(b)) => Need::Range {
                low: Some(Bound {
                    value: b,
                    inclusive: !self.inclusive,
                }),
                high: None,
            },
            (None, None) => Need::Any,
        };
        let inner = match &self.within {
            Some(w) => w.need(max, None, target)?,
            None if target <= max => Need::Any,
            None => return None,
        };
        inside.and(inner)
    }

    pub fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        let mut v = match &self.within {
            Some(w) => {
                let mut v = w.candidates(max)?;
                // A smooth inner rule jumps from 0 at the zero line: that is a level too.
                for edge in [self.zero_above, self.zero_below].into_iter().flatten() {
                    if let Some(r) = w.raw(Val::Num(edge), max) {
                        v.push(r.points);
                    }
                }
                v
            }
            None => vec![max],
        };
        v.push(Decimal::ZERO);
        Some(v)
    }
}

impl Trace<'_> {
    pub fn raw(&self) -> Option<Raw> {
        match &self.inner {
            Some(t) => t.raw(),
            None if self.beyond => Some(Raw::new(Decimal::ZERO)),
            None => Some(Raw::new(self.max)),
        }
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        let r = self.rule;
        if c.lang.en() {
            if self.beyond {
                let (word, lim) = r.zero_words_en().unwrap_or(("beyond", Decimal::ZERO));
                return format!(
                    "{} {}, {word} {}: 0 points",
                    c.name,
                    c.fv(self.value),
                    c.fv(lim)
                );
            }
            return match &self.inner {
                Some(t) => t.reason(c),
                None => format!(
                    "{} {}, within the limit: {}",
                    c.name,
                    c.fv(self.value),
                    full_marks_en(self.max)
                ),
            };
        }
        if self.beyond {
            let (word, lim) = r.zero_words().unwrap_or(("超出", Decimal::ZERO));
            return format!("{}{},{word}{},不得分", c.name, c.fv(self.value), c.fv(lim));
        }
        match &self.inner {
            Some(t) => t.reason(c),
            None => format!(
                "{}{},在限值以内,{}",
                c.name,
                c.fv(self.value),
                super::full_marks(self.max)
            ),
        }
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        let r = self.rule;
        if c.lang.en() {
            let line = match (r.zero_above, r.zero_below) {
                (Some(a), _) => format!("{}{}", if r.inclusive { "≥" } else { ">" }, c.fv(a)),
                (None, Some(b)) => format!("{}{}", if r.inclusive { "≤" } else { "<" }, c.fv(b)),
                _ => String::new(),
            };
            let mut out = vec![format!(
                "Zero line: 0 points at {line}; actual {} → {}",
                c.fv(self.value),
                if self.beyond {
                    "beyond the zero line"
                } else {
                    "within the zero line"
                }
            )];
            if let Some(t) = &self.inner {
                out.extend(t.steps(c));
            }
            return out;
        }
        let line = match (r.zero_above, r.zero_below) {
            (Some(a), _) => format!("{}{}不得分", if r.inclusive { "≥" } else { ">" }, c.fv(a)),
            (None, Some(b)) => format!("{}{}不得分", if r.inclusive { "≤" } else { "<" }, c.fv(b)),
            _ => String::new(),
        };
        let mut out = vec![format!(
            "零分线:{line};实际{} → {}",
            c.fv(self.value),
            if self.beyond {
                "越过零分线"
            } else {
                "在零分线以内"
            }
        )];
        if let Some(t) = &self.inner {
            out.extend(t.steps(c));
        }
        out
    }
}

/// [`Threshold`]'s kernel: the limit, and the nested rule's kernel when there is one.
struct Kernel {
    /// The limit, and whether values above it are zeroed (else below).
    limit: Option<(Fx, bool)>,
    inclusive: bool,
    within: Option<Box<dyn super::kernel::Kernel>>,
}

impl super::kernel::Kernel for Kernel {
    #[inline]
    fn num(&self, v: Fx, max: i64, f: Finish) -> Option<i64> {
        let beyond = match self.limit {
            Some((l, above)) => {
                let o = v.order(l)?;
                (if above { o.is_gt() } else { o.is_lt() }) || (self.inclusive && o.is_eq())
            }
            None => false,
        };
        match (&self.within, beyond) {
            (Some(w), false) => w.num(v, max, f),
            (_, true) => f.at(0, max),
            (None, false) => f.at(i128::from(max), max),
        }
    }
}

impl super::Shape for Threshold {
    fn kernel(&self, dp: u32) -> Option<Box<dyn super::kernel::Kernel>> {
        let limit = match (self.zero_above, self.zero_below) {
            (Some(a), _) => Some((Fx::from_decimal(a), true)),
            (None, Some(b)) => Some((Fx::from_decimal(b), false)),
            (None, None) => None,
        };
        let within = match &self.within {
            Some(w) => Some(w.as_shape().kernel(dp)?),
            None => None,
        };
        Some(Box::new(Kernel {
            limit,
            inclusive: self.inclusive,
            within,
        }))
    }
    fn fx_num(&self, v: Fx, max: Fx) -> Option<Fx> {
        let beyond = match (self.zero_above, self.zero_below) {
            (Some(a), _) => {
                let o = v.order(Fx::from_decimal(a))?;
                o == std::cmp::Ordering::Greater || (self.inclusive && o.is_eq())
            }
            (None, Some(b)) => {
                let o = v.order(Fx::from_decimal(b))?;
                o == std::cmp::Ordering::Less || (self.inclusive && o.is_eq())
            }
            _ => false,
        };
        match (&self.within, beyond) {
            (Some(w), false) => w.raw_fx(FxVal::Num(v), max),
            (_, true) => Some(Fx::ZERO),
            (None, false) => Some(max),
        }
    }
    fn name(&self) -> &'static str {
        "threshold"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        match name {
            "zero_above" => self.zero_above.as_mut(),
            "zero_below" => self.zero_below.as_mut(),
            _ => name
                .strip_prefix("within.")
                .and_then(|rest| self.within.as_deref_mut()?.param_mut(rest)),
        }
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Threshold(self.trace(v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        self.candidates(max)
    }
    fn top(&self, max: Decimal) -> Decimal {
        self.within.as_ref().map_or(max, |w| w.top(max))
    }
    fn continuous(&self) -> bool {
        self.within.as_ref().is_some_and(|w| w.continuous())
    }
    fn rate(&self, max: Decimal) -> Option<super::Rate> {
        self.within.as_ref().and_then(|w| w.rate(max))
    }
}

impl Threshold {
    /// The zero line in words: "达到或超过" / "超过" a line above, "等于或低于" / "低于" a
    /// line below, and the line.
    pub fn zero_words(&self) -> Option<(&'static str, Decimal)> {
        match (self.zero_above, self.zero_below) {
            (Some(a), _) => Some((
                if self.inclusive {
                    "达到或超过"
                } else {
                    "超过"
                },
                a,
            )),
            (None, Some(b)) => Some((
                if self.inclusive {
                    "等于或低于"
                } else {
                    "低于"
                },
                b,
            )),
            (None, None) => None,
        }
    }

    /// [`Threshold::zero_words`] in English.
    pub fn zero_words_en(&self) -> Option<(&'static str, Decimal)> {
        match (self.zero_above, self.zero_below) {
            (Some(a), _) => Some((
                if self.inclusive {
                    "at or above"
                } else {
                    "above"
                },
                a,
            )),
            (None, Some(b)) => Some((
                if self.inclusive {
                    "at or below"
                } else {
                    "below"
                },
                b,
            )),
            (None, None) => None,
        }
    }

    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>, n: &super::Names<'_>) -> String {
        if c.lang.en() {
            let limit = match self.zero_words_en() {
                Some((word, line)) => format!("{word} {}: 0 points", c.fv(line)),
                None => "no zero line".into(),
            };
            return match &self.within {
                Some(w) => format!("{} {limit}; within the limit: {}", c.name, w.describe(c, n)),
                None => format!(
                    "{} {limit}; within the limit: {}",
                    c.name,
                    full_marks_en(c.max)
                ),
            };
        }
        let limit = match self.zero_words() {
            Some((word, line)) => format!("{word}{}的,不得分", c.fv(line)),
            None => "无零分线".into(),
        };
        match &self.within {
            Some(w) => format!("{}{limit};在限值以内的:{}", c.name, w.describe(c, n)),
            None => format!("{}{limit};在限值以内的,得满分{}分", c.name, s(c.max)),
        }
    }
}
