//! R19 `per_count`: `points` for every whole `per` of the value, at most the item's maximum.

use super::{Ctx, Need, pts_en, s};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct PerCount {
    pub per: Decimal,
    pub points: Decimal,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r PerCount,
    pub value: Decimal,
    /// Whole `per`s in the value (never negative).
    pub count: Decimal,
}

impl PerCount {
    pub fn trace(&self, v: Decimal) -> Trace<'_> {
        Trace {
            rule: self,
            value: v,
            // A quotient beyond 28 digits is as many as can be: the points are capped at
            // the maximum anyway (never a zero).
            count: super::quotient(v, self.per).floor().max(Decimal::ZERO),
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        if target <= Decimal::ZERO {
            Some(Need::Any)
        } else if target > max || self.points <= Decimal::ZERO || self.per <= Decimal::ZERO {
            None
        } else {
            Some(Need::at_least((target / self.points).ceil() * self.per))
        }
    }

    pub fn candidates(&self, max: Decimal) -> Vec<Decimal> {
        let mut v = vec![Decimal::ZERO, max];
        if self.points > Decimal::ZERO {
            for n in 1..super::need::MAX_LEVELS as i64 {
                let p = Decimal::from(n) * self.points;
                v.push(p.min(max));
                if p >= max {
                    break;
                }
            }
        }
        v
    }
}

impl Trace<'_> {
    pub fn points(&self) -> Decimal {
        self.count.saturating_mul(self.rule.points)
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        let p = self.points();
        if c.lang.en() {
            return format!(
                "{} {}, {}: {}{}",
                c.name,
                c.fv(self.value),
                self.rule.per_phrase(c),
                pts_en(p.min(c.max)),
                if p > c.max {
                    format!(" (at most {} for this item)", pts_en(c.max))
                } else {
                    String::new()
                }
            );
        }
        format!(
            "{}{},{},计{}分{}",
            c.name,
            c.fv(self.value),
            self.rule.per_phrase(c),
            s(p.min(c.max)),
            if p > c.max {
                format!("(本项最高{}分)", s(c.max))
            } else {
                String::new()
            }
        )
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return vec![format!(
                "{}, actual {} → {} × {} = {}",
                self.rule.per_phrase(c),
                c.fv(self.value),
                s(self.count),
                s(self.rule.points),
                s(self.points())
            )];
        }
        vec![format!(
            "{},实际{} → {}×{}={}",
            self.rule.per_phrase(c),
            c.fv(self.value),
            s(self.count),
            s(self.rule.points),
            s(self.points())
        )]
    }
}

impl super::Shape for PerCount {
    fn name(&self) -> &'static str {
        "per_count"
    }
    fn trace_num(&self, v: Decimal, _max: Decimal) -> super::Trace<'_> {
        super::Trace::PerCount(self.trace(v))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        Some(self.candidates(max))
    }
}

impl PerCount {
    /// "每1件得1分".
    pub fn per_phrase(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{} per {}{}",
                pts_en(self.points),
                s(self.per),
                c.unit.unwrap_or("")
            );
        }
        format!(
            "每{}{}得{}分",
            s(self.per),
            c.unit.unwrap_or(""),
            s(self.points)
        )
    }

    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!(
                "{}: {} (at most {})",
                c.name,
                self.per_phrase(c),
                pts_en(c.max)
            );
        }
        format!("{}{}(本项最高{}分)", c.name, self.per_phrase(c), s(c.max))
    }
}
