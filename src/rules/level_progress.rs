//! R17 `level_progress`: a weighted mix of a level score rate and a progress score rate (each
//! limited to 0~1), with weights chosen by a condition, times a coefficient.

use super::s;
use crate::expr::fast::{FxEnv, FxResult, Why};
use crate::expr::{Compiled, Env, EvalError};
use crate::fx::Fx;
use crate::num::{round_points, show_dp};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct LevelProgress {
    pub level: Compiled,
    pub progress: Compiled,
    pub when: Compiled,
    pub weights: [Decimal; 2],
    pub otherwise: [Decimal; 2],
    pub coefficient: Option<Compiled>,
}

/// The numbers of one computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    pub level: Decimal,
    pub progress: Decimal,
    pub condition: bool,
    pub coefficient: Decimal,
    pub weights: [Decimal; 2],
    /// max × weighted rate × coefficient.
    pub points: Decimal,
}

impl LevelProgress {
    pub fn trace(&self, env: &dyn Env, max: Decimal) -> Result<Trace, EvalError> {
        let clamp01 = |d: Decimal| d.clamp(Decimal::ZERO, Decimal::ONE);
        let level = clamp01(self.level.eval_num(env)?);
        let progress = clamp01(self.progress.eval_num(env)?);
        let condition = self.when.eval_bool(env)?;
        let coefficient = match &self.coefficient {
            Some(c) => c.eval_num(env)?,
            None => Decimal::ONE,
        };
        let w = if condition {
            self.weights
        } else {
            self.otherwise
        };
        let frac = w[0]
            .checked_mul(level)
            .zip(w[1].checked_mul(progress))
            .and_then(|(a, b)| a.checked_add(b))
            .zip(w[0].checked_add(w[1]))
            .and_then(|(a, b)| a.checked_div(b))
            .ok_or(EvalError::Overflow)?;
        let points = max
            .checked_mul(frac)
            .and_then(|p| p.checked_mul(coefficient))
            .ok_or(EvalError::Overflow)?;
        Ok(Trace {
            level,
            progress,
            condition,
            coefficient,
            weights: w,
            points,
        })
    }
}

impl LevelProgress {
    /// [`LevelProgress::trace`]'s points in filtered arithmetic ([`crate::fx`]), the same
    /// expressions in the same order (the first without a value gives the error).
    pub fn points_fx(&self, env: FxEnv<'_>, max: Fx) -> FxResult<Fx> {
        let unsure = |x: Option<Fx>| x.ok_or(Why::Unsure);
        let clamp01 = |x: Fx| unsure(x.max(Fx::ZERO).and_then(|x| x.min(Fx::Dec(1, 0))));
        let level = clamp01(self.level.eval_fx(env)?)?;
        let progress = clamp01(self.progress.eval_fx(env)?)?;
        let condition = self.when.eval_bool_fx(env)?;
        let coefficient = match &self.coefficient {
            Some(c) => c.eval_fx(env)?,
            None => Fx::Dec(1, 0),
        };
        let w = if condition {
            self.weights
        } else {
            self.otherwise
        };
        let (w0, w1) = (Fx::from_decimal(w[0]), Fx::from_decimal(w[1]));
        let sum = w0.plus(w1);
        if sum.is_zero() {
            return Err(Why::Unsure);
        }
        let frac = unsure(w0.times(level).plus(w1.times(progress)).over(sum))?;
        Ok(max.times(frac).times(coefficient))
    }
}

impl Trace {
    pub fn reason(&self, max: Decimal) -> String {
        format!(
            "水平得分率{}、进步得分率{},{}按{}:{}加权,系数{},计{}分{}",
            show_dp(self.level, 4),
            show_dp(self.progress, 4),
            if self.condition {
                "满足条件,"
            } else {
                "不满足条件,"
            },
            s(self.weights[0]),
            s(self.weights[1]),
            show_dp(self.coefficient, 4),
            s(round_points(self.points, 2)),
            if self.points > max {
                format!(",最高不超过本项目分{}分", s(max))
            } else {
                String::new()
            }
        )
    }
}

impl Trace {
    /// [`Trace::reason`] in English.
    pub fn reason_en(&self, max: Decimal) -> String {
        format!(
            "Level score rate {}, progress score rate {}; condition {}, weighted {}:{}, coefficient {}: {}{}",
            show_dp(self.level, 4),
            show_dp(self.progress, 4),
            if self.condition { "met" } else { "not met" },
            s(self.weights[0]),
            s(self.weights[1]),
            show_dp(self.coefficient, 4),
            super::pts_en(round_points(self.points, 2)),
            if self.points > max {
                format!(", at most the item's {}", super::pts_en(max))
            } else {
                String::new()
            }
        )
    }
}

impl LevelProgress {
    /// [`LevelProgress::describe`] in English.
    pub fn describe_en(&self, max: Decimal) -> String {
        format!(
            "Level score rate ({}) and progress score rate ({}): weighted {}:{} when {} holds, {}:{} otherwise; times the item's {}{}, at most {}",
            self.level.source(),
            self.progress.source(),
            s(self.weights[0]),
            s(self.weights[1]),
            self.when.source(),
            s(self.otherwise[0]),
            s(self.otherwise[1]),
            super::pts_en(max),
            match &self.coefficient {
                Some(c) => format!(" and the coefficient ({})", c.source()),
                None => String::new(),
            },
            super::pts_en(max)
        )
    }
}

impl super::Shape for LevelProgress {
    fn name(&self) -> &'static str {
        "level_progress"
    }
    fn family(&self) -> super::Family {
        super::Family::LevelProgress
    }
    fn expr_slots(&self) -> Vec<u32> {
        self.level
            .slots()
            .iter()
            .chain(self.progress.slots())
            .chain(self.when.slots())
            .chain(self.coefficient.iter().flat_map(|c| c.slots()))
            .copied()
            .collect()
    }
}

impl LevelProgress {
    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, max: Decimal) -> String {
        format!(
            "水平得分率({})、进步得分率({}):满足条件 {} 的按{}:{}加权,不满足条件的按{}:{}加权;乘以本项分值{}分{},最高不超过本项分值{}分",
            self.level.source(),
            self.progress.source(),
            self.when.source(),
            s(self.weights[0]),
            s(self.weights[1]),
            s(self.otherwise[0]),
            s(self.otherwise[1]),
            s(max),
            match &self.coefficient {
                Some(c) => format!("和系数({})", c.source()),
                None => String::new(),
            },
            s(max)
        )
    }
}
