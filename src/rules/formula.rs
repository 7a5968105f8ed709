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

    pub fn reason(&self, points: Decimal, rounding: u32) -> String {
        format!(
            "按公式 {} 计算得{}分",
            self.expr.source(),
            show(round_points(points, rounding))
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
