//! R22 `formula`: the points are an expression over the unit's values.

use crate::expr::{Compiled, Env, EvalError};
use crate::num::{round_points, show};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct Formula {
    pub expr: Compiled,
}

impl Formula {
    /// Raw points.
    pub fn points(&self, env: &dyn Env) -> Result<Decimal, EvalError> {
        self.expr.eval_num(env)
    }

    /// The blanks that leave the formula without a value.
    pub fn missing_slots(&self, env: &dyn Env) -> Vec<u32> {
        self.expr.missing_slots(env)
    }

    /// "按公式计算得1.026分(代入:流动人口信息采集率98%、…),超过本项最高1分,按1分计": the
    /// values the formula read by their names (the formula itself is in the rule text), and a
    /// result above the item's maximum capped with the reason saying so. `inputs` are the
    /// display name, unit and value of each slot the formula reads.
    pub fn reason(
        &self,
        points: Decimal,
        rounding: u32,
        max: Decimal,
        inputs: &[(&str, Option<&str>, Option<crate::expr::Val>)],
    ) -> String {
        let shown: Vec<String> = inputs
            .iter()
            .map(|(name, unit, v)| match v {
                Some(v) => format!("{name}{}", super::fmt_val(v, *unit)),
                None => format!("{name}缺失"),
            })
            .collect();
        let mut out = format!("按公式计算得{}分", show(round_points(points, rounding)));
        if !shown.is_empty() {
            out.push_str(&format!("(代入:{})", shown.join("、")));
        }
        if points > max {
            out.push_str(&format!(",超过本项最高{}分,按{}分计", show(max), show(max)));
        }
        out
    }
}

impl Formula {
    /// [`Formula::reason`] in English.
    pub fn reason_en(
        &self,
        points: Decimal,
        rounding: u32,
        max: Decimal,
        inputs: &[(&str, Option<&str>, Option<crate::expr::Val>)],
    ) -> String {
        let shown: Vec<String> = inputs
            .iter()
            .map(|(name, unit, v)| match v {
                Some(v) => format!("{name} {}", super::fmt_val_in(v, *unit, super::Lang::En)),
                None => format!("{name} missing"),
            })
            .collect();
        let mut out = format!(
            "{} by the formula",
            super::pts_en(round_points(points, rounding))
        );
        if !shown.is_empty() {
            out.push_str(&format!(" (with {})", shown.join(", ")));
        }
        if points > max {
            out.push_str(&format!(
                "; above the item's maximum of {}, counted as {}",
                super::pts_en(max),
                show(max)
            ));
        }
        out
    }

    /// [`Formula::describe`] in English.
    pub fn describe_en(&self, max: Decimal) -> String {
        format!(
            "Points by the formula {} (at most {})",
            self.expr.source(),
            super::pts_en(max)
        )
    }
}

impl super::Shape for Formula {
    fn name(&self) -> &'static str {
        "formula"
    }
    fn family(&self) -> super::Family {
        super::Family::Formula
    }
    fn expr_slots(&self) -> Vec<u32> {
        self.expr.slots().to_vec()
    }
}

impl Formula {
    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, max: Decimal) -> String {
        format!(
            "按公式 {} 计算得分(最高{}分)",
            self.expr.source(),
            show(max)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Resolver, Ty};

    struct None_;
    impl Resolver for None_ {
        fn resolve(&self, _: &str) -> Option<(u32, Ty)> {
            None
        }
        fn resolve_kind(&self, _: &str) -> Option<(u32, &dyn Resolver)> {
            None
        }
    }

    fn formula(src: &str) -> Formula {
        Formula {
            expr: crate::expr::compile(src, &None_, Some(Ty::Num)).expect("compiles"),
        }
    }

    #[test]
    fn a_result_above_the_maximum_is_capped_and_the_reason_says_so() {
        let f = formula("1.026");
        let one = Decimal::ONE;
        assert_eq!(
            f.reason(Decimal::new(1026, 3), 2, one, &[]),
            "按公式计算得1.03分,超过本项最高1分,按1分计"
        );
        // The values read by their names, not the expression with ids.
        let rate = Some(crate::expr::Val::Num(Decimal::new(975, 1)));
        assert_eq!(
            f.reason(
                Decimal::new(95, 2),
                2,
                one,
                &[("信息采集率", Some("%"), rate), ("签订率", None, None)]
            ),
            "按公式计算得0.95分(代入:信息采集率97.5%、签订率缺失)"
        );
    }

    #[test]
    fn the_english_reason_names_the_values_and_the_cap() {
        let f = formula("1.026");
        let rate = Some(crate::expr::Val::Num(Decimal::new(975, 1)));
        assert_eq!(
            f.reason_en(
                Decimal::new(1026, 3),
                2,
                Decimal::ONE,
                &[("信息采集率", Some("%"), rate), ("签订率", None, None)]
            ),
            "1.03 points by the formula (with 信息采集率 97.5%, 签订率 missing); above the item's maximum of 1 point, counted as 1"
        );
    }

    #[test]
    fn exp_is_a_function_of_the_language() {
        let f = formula("exp(0)");
        assert!(f.expr.source().contains("exp"));
    }
}
