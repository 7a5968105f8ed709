//! R21 `fraction`: the value is a coefficient (0~1) of the item's maximum.

use super::{Ctx, Need, p2, pts_en, s};
use crate::num::round_points;
use rust_decimal::Decimal;

/// No parameters: the value is the coefficient.
#[derive(Debug, Clone, Default)]
pub struct Fraction;

#[derive(Debug, Clone)]
pub struct Trace {
    pub value: Decimal,
    pub max: Decimal,
}

impl Trace {
    pub fn new(value: Decimal, max: Decimal) -> Self {
        Self { value, max }
    }

    /// The coefficient counted: limited to 0~1.
    pub fn coefficient(&self) -> Decimal {
        self.value.clamp(Decimal::ZERO, Decimal::ONE)
    }

    pub fn points(&self) -> Decimal {
        self.max * self.coefficient()
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{}: grade coefficient {}, {}",
                c.name,
                s(self.value),
                pts_en(round_points(self.points(), 2))
            );
        }
        format!(
            "{}等级系数{},得{}分",
            c.name,
            s(self.value),
            s(round_points(self.points(), 2))
        )
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        let k = self.coefficient();
        if c.lang.en() {
            return vec![format!(
                "Coefficient {}{} → {} × {} = {}",
                s(self.value),
                if k != self.value {
                    " (limited to 0~1)"
                } else {
                    ""
                },
                s(self.max),
                s(k),
                p2(self.points())
            )];
        }
        vec![format!(
            "系数{}{} → {}×{}={}",
            s(self.value),
            if k != self.value { "(限于0~1)" } else { "" },
            s(self.max),
            s(k),
            p2(self.points())
        )]
    }
}

pub fn need(max: Decimal, target: Decimal) -> Option<Need> {
    if target <= Decimal::ZERO {
        Some(Need::Any)
    } else if target > max || max <= Decimal::ZERO {
        None
    } else {
        Some(Need::at_least(target / max))
    }
}

impl super::Shape for Fraction {
    fn name(&self) -> &'static str {
        "fraction"
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::Fraction(Trace::new(v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        need(max, target)
    }
    fn continuous(&self) -> bool {
        true
    }
    fn rate(&self, max: Decimal) -> Option<super::Rate> {
        Some(super::Rate::Coefficient(max / Decimal::TEN))
    }
}

/// The scoring standard (评分标准) in words, as the reasons put it.
pub fn describe(c: &Ctx<'_>) -> String {
    if c.lang.en() {
        return format!(
            "the grade coefficient of {} (0~1) times the item's {}",
            c.name,
            pts_en(c.max)
        );
    }
    format!("按{}等级系数(0~1)乘以本项分值{}分计分", c.name, s(c.max))
}
