//! `deductions`: one item whose clauses deduct at their own prices — per case of one type, per
//! case of another, per month late, per point of a rate — from one maximum, with one floor for
//! the item as a whole ("本项10分,扣完为止").
//!
//! Each clause is a value shape with the value it reads (`{ value: rate, rule: { deduct_below:
//! … } }`) or a `per_case` rule over the ledger. A clause's deduction is what it takes from the
//! item's maximum (never negative: a clause does not add); the item scores the maximum minus the
//! sum, and the shared finish applies the floor once.

use super::per_case::PerCase;
use super::{Ctx, Rule, s as show};
use crate::expr::{Compiled, Val};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Deductions {
    pub clauses: Vec<Clause>,
    /// Every case type a clause counts (for the ledger's charges and the handbook).
    pub case_types: Vec<usize>,
}

/// One clause of a [`Deductions`] item.
#[derive(Debug, Clone)]
pub struct Clause {
    /// What the clause is called in reasons (default: the value's or the case types' names).
    pub name: String,
    /// The names of the case types a per-case clause counts, in its order.
    pub case_names: Vec<String>,
    /// The value a value-shape clause reads; `None` for a `per_case` clause.
    pub value: Option<Compiled>,
    /// The display unit of the value read.
    pub unit: Option<String>,
    pub rule: Rule,
}

/// What one clause took from the item for one unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A value clause: the value read and the deduction.
    Value { value: Val, deduction: Decimal },
    /// A per-case clause: the cases counted and their total.
    Cases { count: u32, total: Decimal },
}

impl Part {
    pub fn deduction(&self) -> Decimal {
        match self {
            Part::Value { deduction, .. } => *deduction,
            Part::Cases { total, .. } => *total,
        }
    }
}

impl Clause {
    /// The per-case rule of a case clause.
    pub fn per_case(&self) -> Option<&PerCase> {
        match &self.rule {
            Rule::PerCase(p) => Some(p),
            _ => None,
        }
    }

    /// The deduction of a value clause on `v` from `max`: `None` when the shape cannot score it.
    pub fn value_deduction(&self, v: Val, max: Decimal) -> Option<Decimal> {
        let raw = self.rule.raw(v, max)?;
        Some(max.checked_sub(raw.points)?.max(Decimal::ZERO))
    }

    /// The clause's reason for what it took. `label` names the value (a value clause) or the
    /// case types (a case clause); `max` is the item's maximum.
    pub fn reason(&self, part: &Part, label: &str, max: Decimal) -> String {
        self.reason_in(part, label, max, super::Lang::Zh)
    }

    /// [`Clause::reason`] in `lang`.
    pub fn reason_in(&self, part: &Part, label: &str, max: Decimal, lang: super::Lang) -> String {
        if lang.en() {
            return self.reason_en(part, label, max);
        }
        match part {
            Part::Value { value, deduction } => {
                let c = Ctx {
                    name: label,
                    unit: self.unit.as_deref(),
                    max,
                    floor: None,
                    target: super::TARGET,
                    lang: super::Lang::Zh,
                };
                let text = self.rule.trace(*value, max).reason(&c);
                if deduction.is_zero() {
                    // The shape's own words say full marks; in a group the clause takes nothing.
                    format!(
                        "{label}{},不扣分",
                        super::fmt_val(value, self.unit.as_deref())
                    )
                } else {
                    text
                }
            }
            Part::Cases { count, total } => {
                if *count == 0 {
                    format!("无{label}案例,不扣分")
                } else {
                    format!("{label}共{count}例,扣{}分", show(*total))
                }
            }
        }
    }
}

/// The item's reason: each clause that took something, then the sum and what is left.
impl Clause {
    fn reason_en(&self, part: &Part, label: &str, max: Decimal) -> String {
        match part {
            Part::Value { value, deduction } => {
                if deduction.is_zero() {
                    format!(
                        "{label} {}: nothing deducted",
                        super::fmt_val_in(value, self.unit.as_deref(), super::Lang::En)
                    )
                } else {
                    let c = Ctx {
                        name: label,
                        unit: self.unit.as_deref(),
                        max,
                        floor: None,
                        target: super::TARGET_EN,
                        lang: super::Lang::En,
                    };
                    self.rule.trace(*value, max).reason(&c)
                }
            }
            Part::Cases { count, total } => {
                if *count == 0 {
                    format!("No cases of {label}: nothing deducted")
                } else {
                    format!(
                        "{label}: {}, {} deducted",
                        super::count_en(*count as usize, "case", "cases"),
                        super::pts_en(*total)
                    )
                }
            }
        }
    }
}

/// [`reason`] in English; `floor` is the item's floor (`None`: a negative item without one).
pub fn reason_en(parts: &[(String, Decimal)], max: Decimal, floor: Option<Decimal>) -> String {
    let total: Decimal = parts.iter().map(|(_, d)| *d).sum();
    if total.is_zero() {
        return format!("No clause deducted anything: {}", super::full_marks_en(max));
    }
    let lines: Vec<&str> = parts
        .iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(t, _)| t.as_str())
        .collect();
    format!(
        "{}; {} deducted in all{}",
        lines.join("; "),
        super::pts_en(total),
        if total > max {
            super::floor_en(floor)
        } else {
            String::new()
        }
    )
}

pub fn reason(parts: &[(String, Decimal)], max: Decimal, floored: bool) -> String {
    let total: Decimal = parts.iter().map(|(_, d)| *d).sum();
    if total.is_zero() {
        return format!("各扣分项均未扣分,{}", super::full_marks(max));
    }
    let lines: Vec<&str> = parts
        .iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(t, _)| t.as_str())
        .collect();
    format!(
        "{};合计扣{}分{}",
        lines.join(";"),
        show(total),
        if total > max && floored {
            ",扣完为止"
        } else {
            ""
        }
    )
}

impl super::Shape for Deductions {
    fn name(&self) -> &'static str {
        "deductions"
    }
    fn family(&self) -> super::Family {
        // Points from several inputs, with no inverse: planned like a formula.
        super::Family::Formula
    }
    fn case_types(&self) -> &[usize] {
        &self.case_types
    }
    fn expr_slots(&self) -> Vec<u32> {
        self.clauses
            .iter()
            .filter_map(|c| c.value.as_ref())
            .flat_map(|e| e.slots().iter().copied())
            .collect()
    }
}

impl Deductions {
    /// [`Deductions::describe`] in English.
    pub fn describe_en(&self, clauses: &[String], max: Decimal, floored: bool) -> String {
        format!(
            "This item {}: {}; the deductions together {}",
            super::pts_en(max),
            clauses.join("; "),
            if floored {
                "until no points are left"
            } else {
                "with no floor"
            }
        )
    }

    /// The scoring standard (评分标准) in words: each clause's standard, then the shared floor.
    /// `names[i]` names clause `i`'s value or case types; `describe` renders one clause.
    pub fn describe(&self, clauses: &[String], max: Decimal, floored: bool) -> String {
        format!(
            "本项{}分,{};各项扣分合计{}",
            show(max),
            clauses.join(";"),
            if floored {
                "扣完为止"
            } else {
                "不设下限"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn the_reason_lists_what_each_clause_took_and_the_sum() {
        let parts = vec![
            ("迟报共2例,扣6分".to_string(), dec("6")),
            ("无虚报案例,不扣分".to_string(), Decimal::ZERO),
            (
                "信息准确率93%,低于目标95% 2个百分点,每1个百分点扣0.5分,扣1分".to_string(),
                dec("1"),
            ),
        ];
        assert_eq!(
            reason(&parts, dec("10"), true),
            "迟报共2例,扣6分;信息准确率93%,低于目标95% 2个百分点,每1个百分点扣0.5分,扣1分;合计扣7分"
        );
        let more = vec![("迟报共4例,扣12分".to_string(), dec("12"))];
        assert!(reason(&more, dec("10"), true).ends_with("合计扣12分,扣完为止"));
        assert!(reason(&more, dec("10"), false).ends_with("合计扣12分"));
        assert!(reason(&[], dec("10"), true).starts_with("各扣分项均未扣分"));
    }
}
