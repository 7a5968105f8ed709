//! R20 `steps`: a table of value ranges (`min` inclusive, `below` exclusive) and their points;
//! `otherwise` for a value in no row.

use super::{Bound, Ctx, Need, pts_en, s};
use crate::fx::Fx;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Steps {
    pub rows: Vec<StepRow>,
    pub otherwise: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub min: Option<Decimal>,
    pub below: Option<Decimal>,
    pub points: Decimal,
}

impl StepRow {
    /// Whether `v` falls in this row: `min` inclusive, `below` exclusive.
    pub fn contains(&self, v: Decimal) -> bool {
        self.min.is_none_or(|m| v >= m) && self.below.is_none_or(|b| v < b)
    }

    fn range(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return match (self.min, self.below) {
                (Some(m), Some(b)) => format!("{} to under {}", c.fv(m), c.fv(b)),
                (Some(m), None) => format!("{} or more", c.fv(m)),
                (None, Some(b)) => format!("under {}", c.fv(b)),
                (None, None) => "any value".into(),
            };
        }
        match (self.min, self.below) {
            (Some(m), Some(b)) => format!("{}(含)至{}", c.fv(m), c.fv(b)),
            (Some(m), None) => format!("{}及以上", c.fv(m)),
            (None, Some(b)) => format!("低于{}", c.fv(b)),
            (None, None) => "任意值".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r Steps,
    pub value: Decimal,
    /// The row the value falls in.
    pub row: Option<usize>,
}

impl Steps {
    pub fn trace(&self, v: Decimal) -> Trace<'_> {
        Trace {
            rule: self,
            value: v,
            row: self.rows.iter().position(|r| r.contains(v)),
        }
    }

    fn at(&self, v: Decimal) -> Decimal {
        self.trace(v).points()
    }

    /// The values scoring at least `target` must form one range.
    pub fn need(&self, target: Decimal) -> Option<Need> {
        let mut cuts: Vec<Decimal> = self
            .rows
            .iter()
            .flat_map(|r| [r.min, r.below])
            .flatten()
            .collect();
        cuts.sort();
        cuts.dedup();
        // Intervals (−∞, c0), [c0, c1), …, [ck, ∞): the table is constant on each.
        let mut pieces: Vec<(Option<Decimal>, Option<Decimal>, bool)> = Vec::new();
        match cuts.first().copied() {
            None => return (self.otherwise >= target).then_some(Need::Any),
            Some(c0) => pieces.push((None, Some(c0), self.at(c0 - Decimal::ONE) >= target)),
        }
        for (i, c) in cuts.iter().enumerate() {
            pieces.push((Some(*c), cuts.get(i + 1).copied(), self.at(*c) >= target));
        }
        let good: Vec<usize> = (0..pieces.len()).filter(|&i| pieces[i].2).collect();
        let (&a, &b) = (good.first()?, good.last()?);
        if b - a + 1 != good.len() {
            return None;
        }
        let (low, high) = (pieces[a].0, pieces[b].1);
        if low.is_none() && high.is_none() {
            return Some(Need::Any);
        }
        Some(Need::Range {
            low: low.map(Bound::incl),
            high: high.map(Bound::excl),
        })
    }

    pub fn candidates(&self) -> Vec<Decimal> {
        let mut v: Vec<Decimal> = self.rows.iter().map(|r| r.points).collect();
        v.push(self.otherwise);
        v
    }
}

impl Trace<'_> {
    pub fn points(&self) -> Decimal {
        self.row
            .and_then(|i| self.rule.rows.get(i))
            .map_or(self.rule.otherwise, |r| r.points)
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return match self.row.and_then(|i| self.rule.rows.get(i)) {
                Some(r) => format!(
                    "{} {}, in the tier {}: {}",
                    c.name,
                    c.fv(self.value),
                    r.range(c),
                    pts_en(r.points)
                ),
                None => format!(
                    "{} {}, in no tier: {}",
                    c.name,
                    c.fv(self.value),
                    pts_en(self.rule.otherwise)
                ),
            };
        }
        match self.row.and_then(|i| self.rule.rows.get(i)) {
            Some(r) => format!(
                "{}{},在{}档,得{}分",
                c.name,
                c.fv(self.value),
                r.range(c),
                s(r.points)
            ),
            None => format!(
                "{}{},不在任何档内,得{}分",
                c.name,
                c.fv(self.value),
                s(self.rule.otherwise)
            ),
        }
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        let table: Vec<String> = self.rule.rows.iter().map(|r| r.text(c)).collect();
        if c.lang.en() {
            return vec![
                format!(
                    "Tiers: {}; otherwise {}",
                    table.join("; "),
                    pts_en(self.rule.otherwise)
                ),
                match self.row {
                    Some(i) => format!("Actual {} → tier {}", c.fv(self.value), i + 1),
                    None => format!("Actual {} → in no tier", c.fv(self.value)),
                },
            ];
        }
        vec![
            format!(
                "分档:{};其余得{}分",
                table.join(";"),
                s(self.rule.otherwise)
            ),
            match self.row {
                Some(i) => format!("实际{} → 第{}档", c.fv(self.value), i + 1),
                None => format!("实际{} → 不在任何档内", c.fv(self.value)),
            },
        ]
    }
}

impl super::Shape for Steps {
    fn fx_num(&self, v: Fx, _max: Fx) -> Option<Fx> {
        for r in &self.rows {
            let lo = match r.min {
                Some(m) => !v.lt(Fx::from_decimal(m))?,
                None => true,
            };
            let hi = match r.below {
                Some(b) => v.lt(Fx::from_decimal(b))?,
                None => true,
            };
            if lo && hi {
                return Some(Fx::from_decimal(r.points));
            }
        }
        Some(Fx::from_decimal(self.otherwise))
    }
    fn name(&self) -> &'static str {
        "steps"
    }
    fn trace_num(&self, v: Decimal, _max: Decimal) -> super::Trace<'_> {
        super::Trace::Steps(self.trace(v))
    }
    fn need(&self, _max: Decimal, target: Decimal) -> Option<Need> {
        self.need(target)
    }
    fn candidates(&self, _max: Decimal) -> Option<Vec<Decimal>> {
        Some(self.candidates())
    }
}

impl StepRow {
    /// "2次(含)至4次得20分": the row in words.
    pub fn text(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!("{}: {}", self.range(c), pts_en(self.points));
        }
        format!("{}得{}分", self.range(c), s(self.points))
    }
}

impl Steps {
    /// The scoring standard (评分标准) in words, as the explanations put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        let table: Vec<String> = self.rows.iter().map(|r| r.text(c)).collect();
        if c.lang.en() {
            return format!(
                "{} in tiers: {}; otherwise {}",
                c.name,
                table.join("; "),
                pts_en(self.otherwise)
            );
        }
        format!(
            "{}分档计分:{};其余得{}分",
            c.name,
            table.join(";"),
            s(self.otherwise)
        )
    }
}
