//! R9 `checklist`: yes/no items; full points when all are present, `per_missing` deducted for
//! each one lacking.

use super::{full_marks_en, pts_en, s};
use crate::expr::Val;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Checklist {
    pub per_missing: Decimal,
}

/// The items of a checklist as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trace {
    /// The first item with no value (its slot).
    Missing(u32),
    /// The slots of the items that are not "yes", out of `items`.
    Read { items: usize, lacking: Vec<u32> },
}

impl Checklist {
    /// Read the items' slots from a unit's values.
    pub fn trace(&self, items: &[u32], vals: &[Option<Val>]) -> Trace {
        let mut lacking = Vec::new();
        for &slot in items {
            match vals.get(slot as usize).copied().flatten() {
                Some(Val::Bool(true)) => {}
                Some(_) => lacking.push(slot),
                None => return Trace::Missing(slot),
            }
        }
        Trace::Read {
            items: items.len(),
            lacking,
        }
    }

    pub fn deduction(&self, lacking: usize) -> Decimal {
        self.per_missing * Decimal::from(lacking)
    }

    /// Raw points for a read checklist.
    pub fn points(&self, max: Decimal, lacking: usize) -> Decimal {
        max - self.deduction(lacking)
    }
}

/// The reason for a checklist of `items` with the named items lacking.
pub fn reason(per_missing: Decimal, max: Decimal, items: u32, lacking: &[&str]) -> String {
    if lacking.is_empty() {
        return format!("{items}项齐全,{}", super::full_marks(max));
    }
    let d = per_missing * Decimal::from(lacking.len());
    format!(
        "缺{}项({}),每项扣{}分,共扣{}分{}",
        lacking.len(),
        lacking.join("、"),
        s(per_missing),
        s(d),
        if d > max { ",扣完为止" } else { "" }
    )
}

/// [`reason`] in English: the lacking items' names as the set writes them.
pub fn reason_en(per_missing: Decimal, max: Decimal, items: u32, lacking: &[&str]) -> String {
    if lacking.is_empty() {
        return format!(
            "All {} present: {}",
            super::count_en(items as usize, "item", "items"),
            full_marks_en(max)
        );
    }
    let d = per_missing * Decimal::from(lacking.len());
    format!(
        "{} lacking ({}), {} off per item: {} deducted{}",
        super::count_en(lacking.len(), "item", "items"),
        lacking.join(", "),
        pts_en(per_missing),
        pts_en(d),
        if d > max { " (floor 0)" } else { "" }
    )
}

/// [`describe`] in English.
pub fn describe_en(per_missing: Decimal, max: Decimal, items: &[String]) -> String {
    format!(
        "All {} ({}) present: {}; {} off for each item lacking, until no points are left",
        super::count_en(items.len(), "item", "items"),
        items.join(", "),
        full_marks_en(max),
        pts_en(per_missing)
    )
}

impl super::Shape for Checklist {
    fn name(&self) -> &'static str {
        "checklist"
    }
    fn family(&self) -> super::Family {
        super::Family::Checklist
    }
}

/// The scoring standard (评分标准) in words, as the reasons put it; `items` are the names of
/// the yes/no items.
pub fn describe(per_missing: Decimal, max: Decimal, items: &[String]) -> String {
    format!(
        "{}项({})齐全的,得满分{}分;每缺一项扣{}分,扣完为止",
        items.len(),
        items.join("、"),
        s(max),
        s(per_missing)
    )
}

#[cfg(test)]
mod zero_max_tests {
    use super::*;

    #[test]
    fn an_item_of_maximum_zero_does_not_claim_full_marks() {
        assert_eq!(reason(Decimal::ONE, Decimal::ZERO, 3, &[]), "3项齐全,得0分");
        assert_eq!(
            reason(Decimal::ONE, Decimal::TEN, 3, &[]),
            "3项齐全,得满分10分"
        );
        assert_eq!(
            crate::rules::per_case::reason("两非", 0, Decimal::ZERO, Decimal::ZERO, true),
            "无两非案例,得0分"
        );
    }
}
