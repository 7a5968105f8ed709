//! The choices an indicator set makes by name: field types, what missing evidence scores, how
//! N/A indicators are handled, how partial steps count, and whether a veto is enforced. The
//! file format ([`crate::raw`]) reads them as they are; the model and the engine use them.

use serde::Deserialize;

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A non-negative whole number (people, cases, documents).
    Count,
    /// Any decimal number.
    Number,
    /// A percentage 0–100.
    Percent,
    /// A rate per mille 0–1000 (‰).
    PerMille,
    /// Yes/no; `是`/`否` accepted.
    Bool,
    /// Free text (shown in reports, never scored).
    Text,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// The item is not scored and the unit's total, grade and rank are withheld (待补充).
    /// The default.
    Incomplete,
    /// The item scores 0 and every output says so (`zero_for_missing`): for rubrics that say
    /// 未提供佐证材料的不得分.
    Zero,
    /// Missing evidence stops the run, naming every missing field of every unit.
    Error,
}

impl OnMissing {
    /// How strict a policy is, for choosing among the missing fields' own policies:
    /// `error` before `incomplete` before `zero`.
    pub fn strictness(self) -> u8 {
        match self {
            OnMissing::Zero => 0,
            OnMissing::Incomplete => 1,
            OnMissing::Error => 2,
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NaPolicy {
    Drop,
    Respread,
}

/// How deductions count partial steps ("每低0.1个百分点扣0.3分").
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepCount {
    /// Only whole steps count (0.05 below a 0.1 step costs nothing). Default.
    #[default]
    Whole,
    /// Every started step counts (0.05 below a 0.1 step costs one step).
    Started,
    /// Proportional: 0.05 below a 0.1 step costs half a step.
    Partial,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VetoMode {
    #[default]
    Enforced,
    Advisory,
}
