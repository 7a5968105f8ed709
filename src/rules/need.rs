//! The inverse of a rule shape: a requirement on the value an indicator reads.

use crate::expr::Val;
use crate::num::show_dp;
use rust_decimal::Decimal;
use serde::Serialize;

/// One end of a range of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bound {
    #[serde(with = "rust_decimal::serde::float")]
    pub value: Decimal,
    pub inclusive: bool,
}

impl Bound {
    pub fn incl(value: Decimal) -> Self {
        Self {
            value,
            inclusive: true,
        }
    }
    pub fn excl(value: Decimal) -> Self {
        Self {
            value,
            inclusive: false,
        }
    }
}

/// A requirement on the value an indicator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Need {
    /// Any value will do.
    Any,
    /// A yes/no value.
    Is { value: bool },
    /// A number within a range (either end may be open).
    Range {
        low: Option<Bound>,
        high: Option<Bound>,
    },
}

impl Need {
    pub fn at_least(v: Decimal) -> Self {
        Need::Range {
            low: Some(Bound::incl(v)),
            high: None,
        }
    }
    pub fn above(v: Decimal) -> Self {
        Need::Range {
            low: Some(Bound::excl(v)),
            high: None,
        }
    }
    pub fn at_most(v: Decimal) -> Self {
        Need::Range {
            low: None,
            high: Some(Bound::incl(v)),
        }
    }
    pub fn below(v: Decimal) -> Self {
        Need::Range {
            low: None,
            high: Some(Bound::excl(v)),
        }
    }
    pub fn within(low: Bound, high: Bound) -> Self {
        Need::Range {
            low: Some(low),
            high: Some(high),
        }
    }

    /// Whether a value meets the requirement.
    pub fn holds(&self, v: Val) -> bool {
        match (self, v) {
            (Need::Any, _) => true,
            (Need::Is { value }, Val::Bool(b)) => *value == b,
            (Need::Range { low, high }, Val::Num(x)) => {
                low.is_none_or(|b| {
                    if b.inclusive {
                        x >= b.value
                    } else {
                        x > b.value
                    }
                }) && high.is_none_or(|b| {
                    if b.inclusive {
                        x <= b.value
                    } else {
                        x < b.value
                    }
                })
            }
            _ => false,
        }
    }

    /// Both requirements at once (`None` when no value meets both).
    pub fn and(self, other: Need) -> Option<Need> {
        match (self, other) {
            (Need::Any, n) | (n, Need::Any) => Some(n),
            (Need::Is { value: a }, Need::Is { value: b }) => (a == b).then_some(self),
            (Need::Range { low: l1, high: h1 }, Need::Range { low: l2, high: h2 }) => {
                let low = match (l1, l2) {
                    (Some(a), Some(b)) => Some(tighter_low(a, b)),
                    (a, b) => a.or(b),
                };
                let high = match (h1, h2) {
                    (Some(a), Some(b)) => Some(tighter_high(a, b)),
                    (a, b) => a.or(b),
                };
                if let (Some(l), Some(h)) = (low, high)
                    && (l.value > h.value || (l.value == h.value && !(l.inclusive && h.inclusive)))
                {
                    return None;
                }
                Some(Need::Range { low, high })
            }
            _ => None,
        }
    }

    /// Whether the need is "higher is better" (a lower bound only).
    pub fn is_floor(&self) -> bool {
        matches!(
            self,
            Need::Range {
                low: Some(_),
                high: None
            }
        )
    }

    /// The requirement in Chinese: `达到95%`, `高于94.7%`, `不超过110`, `在85%~100%之间`, `为"是"`.
    pub fn text(&self, unit: Option<&str>) -> String {
        self.text_in(unit, crate::lang::Lang::Zh)
    }

    /// [`Self::text`] in `lang`: "at least 5USD", "below 7%", "between [1%, 5%]", "yes".
    pub fn text_in(&self, unit: Option<&str>, lang: crate::lang::Lang) -> String {
        if lang.en() {
            return self.text_en(unit);
        }
        let fv = |d: Decimal| fmt_num(d, unit);
        match self {
            Need::Any => "任意值均可".into(),
            Need::Is { value } => format!("为\"{}\"", if *value { "是" } else { "否" }),
            Need::Range {
                low: Some(l),
                high: None,
            } => format!(
                "{}{}",
                if l.inclusive { "达到" } else { "高于" },
                fv(l.value)
            ),
            Need::Range {
                low: None,
                high: Some(h),
            } => format!(
                "{}{}",
                if h.inclusive { "不超过" } else { "低于" },
                fv(h.value)
            ),
            Need::Range {
                low: Some(l),
                high: Some(h),
            } => format!(
                "在{}{}~{}{}之间",
                if l.inclusive { "[" } else { "(" },
                fv(l.value),
                fv(h.value),
                if h.inclusive { "]" } else { ")" }
            ),
            Need::Range {
                low: None,
                high: None,
            } => "任意值均可".into(),
        }
    }

    fn text_en(&self, unit: Option<&str>) -> String {
        let fv = |d: Decimal| fmt_num(d, unit);
        match self {
            Need::Any => "any value".into(),
            Need::Is { value } => format!("\"{}\"", if *value { "yes" } else { "no" }),
            Need::Range {
                low: Some(l),
                high: None,
            } => format!(
                "{} {}",
                if l.inclusive { "at least" } else { "above" },
                fv(l.value)
            ),
            Need::Range {
                low: None,
                high: Some(h),
            } => format!(
                "{} {}",
                if h.inclusive { "at most" } else { "below" },
                fv(h.value)
            ),
            Need::Range {
                low: Some(l),
                high: Some(h),
            } => format!(
                "between {}{}, {}{}",
                if l.inclusive { "[" } else { "(" },
                fv(l.value),
                fv(h.value),
                if h.inclusive { "]" } else { ")" }
            ),
            Need::Range {
                low: None,
                high: None,
            } => "any value".into(),
        }
    }

    /// A value that meets the requirement, as close to `from` as possible; for an open end,
    /// `step` past it (the smallest change the data is recorded in).
    pub fn nearest(&self, from: Decimal, step: Decimal) -> Option<Decimal> {
        match self {
            Need::Any => Some(from),
            Need::Is { .. } => None,
            Need::Range { low, high } => {
                let mut v = from;
                if let Some(l) = low
                    && (v < l.value || (v == l.value && !l.inclusive))
                {
                    v = if l.inclusive { l.value } else { l.value + step };
                }
                if let Some(h) = high
                    && (v > h.value || (v == h.value && !h.inclusive))
                {
                    v = if h.inclusive { h.value } else { h.value - step };
                }
                Some(v)
            }
        }
    }
}

pub(crate) fn tighter_low(a: Bound, b: Bound) -> Bound {
    if a.value > b.value || (a.value == b.value && !a.inclusive) {
        a
    } else {
        b
    }
}

pub(crate) fn tighter_high(a: Bound, b: Bound) -> Bound {
    if a.value < b.value || (a.value == b.value && !a.inclusive) {
        a
    } else {
        b
    }
}

/// A number with its unit of measure for people, trailing zeros removed, a long whole part
/// grouped ([`crate::num::grouped`]).
pub fn fmt_num(d: Decimal, unit: Option<&str>) -> String {
    format!(
        "{}{}",
        crate::num::grouped(&show_dp(d, 4)),
        unit.unwrap_or("")
    )
}

/// Most levels listed for one rule (deductions of 0.1 per step can have hundreds).
pub const MAX_LEVELS: usize = 1000;
