//! Raw input types: exactly what serde reads from an indicator-set YAML file.
//!
//! These types mirror the file format documented in `docs/indicator-sets.md`. They are
//! strict (`deny_unknown_fields`) and carry source locations (`Spanned`) where later
//! validation needs to point at a line and column. The validated, compiled model the engine
//! uses lives in [`crate::model`]; nothing outside the loader should look at these types.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

// The set's choices are model types ([`crate::model::choice`]); the file reads them as they are.
pub use crate::model::choice::{FieldType, NaPolicy, OnMissing, StepCount, VetoMode};

/// A string that remembers where it was written.
pub type S = Spanned<String>;

/// The top level of an indicator-set file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSet {
    pub id: S,
    pub name: String,
    pub version: String,
    /// Effective period: the rules apply to assessments of this window.
    pub effective: RawPeriod,
    /// The kind of unit this set scores (e.g. `district`, `township`).
    pub unit_kind: S,
    /// Nominal total (e.g. 100 or 1000); must equal what the line combination yields. A set of
    /// vetoes alone (no lines, indicators or grades) has none.
    #[serde(default)]
    pub scale: Option<Spanned<Decimal>>,
    /// Decimals kept for points (round half up), default 2.
    #[serde(default)]
    pub rounding: Option<Spanned<u32>>,
    /// What a missing evidence field does by default: `zero` (default) or `error`.
    #[serde(default)]
    pub on_missing: Option<OnMissing>,
    /// What happens to an N/A indicator's maximum by default: `drop` (default) or `respread`.
    #[serde(default)]
    pub not_applicable: Option<NaPolicy>,
    /// Other unit kinds this set aggregates over (descendants in the unit tree), each with
    /// the fields (and derived values) its units report.
    #[serde(default)]
    pub unit_kinds: Vec<RawUnitKind>,
    /// Evidence layers in increasing authority (e.g. self-report, routine check, sample survey,
    /// spot check, verified complaint). A field lists the layers it may come from, in priority order.
    #[serde(default)]
    pub layers: Vec<RawNamed>,
    /// Statistical windows other than the effective period (e.g. the calendar year for funding).
    /// An indicator names its window with `period:`; cases outside it do not count for it.
    #[serde(default)]
    pub periods: Vec<RawNamedPeriod>,
    /// Time-weighted assessment: each phase is scored by the same rules and the results are
    /// combined by weight (e.g. 日常 40 / 年终 60, or quarters 4:3:3).
    #[serde(default)]
    pub phases: Vec<RawPhase>,
    /// Unit classes used for applicability and class-specific maxima.
    #[serde(default)]
    pub classes: Vec<RawNamed>,
    /// Peer groups units are ranked within.
    #[serde(default)]
    pub peer_groups: Vec<RawNamed>,
    #[serde(default)]
    pub lines: Vec<RawLine>,
    #[serde(default)]
    pub combine: Option<Spanned<RawCombine>>,
    #[serde(default)]
    pub sections: Vec<RawSection>,
    #[serde(default)]
    pub fields: Vec<RawField>,
    /// Case types of the case ledger.
    #[serde(default)]
    pub case_types: Vec<RawCaseType>,
    #[serde(default)]
    pub derived: Vec<RawDerived>,
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
    #[serde(default)]
    pub bonus: Option<RawBonus>,
    #[serde(default)]
    pub vetoes: Vec<RawVeto>,
    #[serde(default)]
    pub grades: Vec<RawGrade>,
    /// Evidence column names this set accepts for a unit's name, parent and class, beside the
    /// built-in ones (`名称`, `上级单位`, `类别` …).
    #[serde(default)]
    pub identity: Option<RawIdentity>,
    /// Uncertainty of figures and weights (`kaohe robustness`); default none.
    #[serde(default)]
    pub uncertainty: Option<RawUncertainty>,
}

/// Column names for a unit's identity: `identity: { name: [机构名称], parent: [主管部门] }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    #[serde(default)]
    pub name: Vec<String>,
    #[serde(default)]
    pub parent: Vec<String>,
    #[serde(default)]
    pub class: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPeriod {
    pub from: Spanned<NaiveDate>,
    pub to: Spanned<NaiveDate>,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamedPeriod {
    pub id: S,
    pub name: String,
    pub from: Spanned<NaiveDate>,
    pub to: Spanned<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub id: S,
    pub name: String,
    pub weight: Spanned<Decimal>,
}

/// Anything with an id and a display name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamed {
    pub id: S,
    pub name: String,
}

/// A kind of descendant unit that expressions can aggregate over (e.g. `village`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnitKind {
    pub id: S,
    pub name: String,
    #[serde(default)]
    pub fields: Vec<RawField>,
    #[serde(default)]
    pub derived: Vec<RawDerived>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    pub id: S,
    pub name: String,
    pub max: Spanned<Decimal>,
    /// Grades of this line when lines are graded separately; default: the set's grades scaled.
    #[serde(default)]
    pub grades: Vec<RawGrade>,
}

/// How line scores combine into the total.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawCombine {
    /// Total = sum of line points (e.g. 500 + 150 + 350 = 1000).
    Sum,
    /// Total = Σ (line points / line max) × weight / Σ weights × scale (e.g. 6:4).
    Weighted(BTreeMap<String, Spanned<Decimal>>),
    /// Each line graded on its own; the unit's grade is its lowest line grade.
    Separate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: S,
    pub name: String,
    /// Lead official (牵头).
    #[serde(default)]
    pub lead: Option<String>,
    /// Responsible office (负责).
    #[serde(default)]
    pub office: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub id: S,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Unit of measure shown in headers and reports (人, %, ‰, 元).
    #[serde(default)]
    pub unit: Option<String>,
    /// Decimals a value of this field is shown with (`3`: 0.95 is shown 0.950); values are
    /// never rounded by it, only padded.
    #[serde(default)]
    pub decimals: Option<Spanned<u32>>,
    /// Other header names accepted in CSV/Excel evidence (Chinese headers).
    #[serde(default)]
    pub aliases: Vec<S>,
    /// Explanation shown in templates and reports.
    #[serde(default)]
    pub help: Option<String>,
    /// Overrides the set's `on_missing` for indicators reading this field.
    #[serde(default)]
    pub on_missing: Option<OnMissing>,
    /// Evidence layers this field may come from, highest priority first: the first layer
    /// with a value is used (e.g. `[survey, self_report]`: the survey corrects the self-report).
    #[serde(default)]
    pub layers: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCaseType {
    pub id: S,
    pub name: String,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDerived {
    pub id: S,
    pub name: String,
    #[serde(default)]
    pub unit: Option<String>,
    /// Decimals the value is shown with (padded, never rounded).
    #[serde(default)]
    pub decimals: Option<Spanned<u32>>,
    pub expr: S,
}

/// The responsible office of an indicator (牵头 / 负责).
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawOffice {
    #[serde(default)]
    pub lead: Option<String>,
    #[serde(default)]
    pub responsible: Option<String>,
}

/// Which unit classes an indicator applies to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawApplies {
    Only(Vec<S>),
    Except(Vec<S>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    pub id: S,
    pub name: String,
    pub line: S,
    #[serde(default)]
    pub section: Option<S>,
    pub max: Spanned<Decimal>,
    /// The value read: a field id, a derived id or an expression. Optional for rules that read
    /// the case ledger or a checklist.
    #[serde(default)]
    pub value: Option<S>,
    /// What reasons call the value read (default: the field's or derived value's name when
    /// `value` names one, else the indicator's name), e.g. 拨付到位率 for an expression.
    #[serde(default)]
    pub value_name: Option<String>,
    /// The unit of the value read (default: the field's or derived value's), e.g. `"%"`.
    #[serde(default)]
    pub value_unit: Option<String>,
    pub rule: Spanned<RawRule>,
    /// Lowest points the item can reach; default 0 ("扣完为止"). Use a negative floor for 倒扣.
    #[serde(default)]
    pub floor: Option<Spanned<Decimal>>,
    /// Allow points below zero without a floor (R16 negative items).
    #[serde(default)]
    pub allow_negative: bool,
    #[serde(default)]
    pub applies: Option<RawApplies>,
    #[serde(default)]
    pub max_by_class: BTreeMap<String, Spanned<Decimal>>,
    #[serde(default)]
    pub not_applicable: Option<NaPolicy>,
    #[serde(default)]
    pub on_missing: Option<OnMissing>,
    /// The statistical window of this item (an id from `periods`); default the effective period.
    #[serde(default)]
    pub period: Option<S>,
    /// R15: a yes/no expression; when true the item scores zero.
    #[serde(default)]
    pub zero_if: Option<S>,
    #[serde(default)]
    pub zero_reason: Option<String>,
    #[serde(default)]
    pub office: Option<RawOffice>,
    /// The rule as written in the rubric (Chinese), shown in reports.
    pub text: String,
    /// Where the rule comes from (e.g. `S3`), shown in the handbook.
    #[serde(default)]
    pub source: Option<String>,
    /// The item's own reason for a scored item, with placeholders (`{值}`, `{目标}`, `{得分}` …,
    /// `model::reason_template`), replacing the generated one in every output.
    #[serde(default)]
    pub reason: Option<S>,
}

/// A rule parameter on the value's axis (a target, a band edge, a threshold): a number, or a
/// per-unit value — an expression over the unit's evidence (`target: plan_rate`), optionally
/// with the words a reason uses for it (`target: { expr: plan_rate, label: 本村目标 }`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawParam {
    Num(Decimal),
    Expr(String),
    Labelled(RawParamExpr),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParamExpr {
    pub expr: String,
    #[serde(default)]
    pub label: Option<String>,
}

impl RawParam {
    /// The number, when the parameter is one.
    pub fn num(&self) -> Option<Decimal> {
        match self {
            RawParam::Num(d) => Some(*d),
            RawParam::Expr(_) | RawParam::Labelled(_) => None,
        }
    }
}

/// The rule shapes. Each maps a value (and the case ledger) to points.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawRule {
    /// R1: full points when the value meets the target, else `otherwise` (default 0).
    Binary(RawBinary),
    /// R2: deduct `points` per `per` of shortfall below `target`, down to the floor.
    DeductBelow(RawDeduct),
    /// R3: deduct `points` per `per` of excess above `target`, down to the floor.
    DeductAbove(RawDeduct),
    /// R4: zero beyond a limit; within it, the nested rule (default full points).
    Threshold(RawThreshold),
    /// R5: full points inside [low, high], zero outside.
    Band(RawBand),
    /// R6: points proportional to completion of `target`.
    Proportional(RawProportional),
    /// R7: linear interpolation between full points at `full_at` and zero at `zero_at`.
    Interpolate(RawInterpolate),
    /// R8: base points at target, deduct below, add above up to `extra_cap`.
    BonusAbove(RawBonusAbove),
    /// R9/R10: per-case deductions from the case ledger, with severity escalation.
    PerCase(RawPerCase),
    /// R14: checklist of yes/no fields; deduct per missing item.
    Checklist(RawChecklist),
    /// Step table: value ranges to points (first matching row wins).
    Steps(RawSteps),
    /// Points per counted unit, e.g. "每查处一例加10分" (for bonus items).
    PerCount(RawPerCount),
    /// R21/R22: a fraction 0–1 of the maximum (graded-level index).
    Fraction(RawFraction),
    /// Points from an expression (clamped to [floor, max]).
    Formula(RawFormula),
    /// R17: level and progress sub-scores (fractions 0–1) combined with weights that depend on
    /// a condition (e.g. above the provincial mean 7:3, below 3:7), times a coefficient, capped.
    LevelProgress(RawLevelProgress),
    /// Several deduction clauses (per case of a type, per month late, per point of a rate)
    /// sharing the item's maximum and its one floor.
    Deductions(Vec<RawClause>),
}

/// One clause of a `deductions` rule: a value shape with the value it reads, or a `per_case`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClause {
    /// What reasons call the clause (default: the value's or the case types' names).
    #[serde(default)]
    pub name: Option<String>,
    /// The field, derived value or expression a value-shape clause reads.
    #[serde(default)]
    pub value: Option<S>,
    pub rule: Spanned<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevelProgress {
    /// Level sub-score, a fraction 0–1 (expression).
    pub level: S,
    /// Progress sub-score, a fraction 0–1 (expression).
    pub progress: S,
    /// Condition choosing the weights (expression, yes/no).
    pub when: S,
    /// [level, progress] weights when the condition holds.
    pub weights: [Spanned<Decimal>; 2],
    /// [level, progress] weights otherwise.
    pub otherwise: [Spanned<Decimal>; 2],
    /// Size or difficulty coefficient (expression, default 1); the result is capped at `max`.
    #[serde(default)]
    pub coefficient: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBinary {
    #[serde(default)]
    pub min: Option<Spanned<RawParam>>,
    #[serde(default)]
    pub max: Option<Spanned<RawParam>>,
    #[serde(default)]
    pub is: Option<bool>,
    #[serde(default)]
    pub otherwise: Option<Spanned<Decimal>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeduct {
    pub target: Spanned<RawParam>,
    pub per: Spanned<Decimal>,
    pub points: Spanned<Decimal>,
    #[serde(default)]
    pub count: StepCount,
    /// A fixed deduction once the value reaches the target (R3 "与去年持平扣0.1分").
    #[serde(default)]
    pub base: Option<Spanned<Decimal>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    #[serde(default)]
    pub zero_above: Option<Spanned<RawParam>>,
    #[serde(default)]
    pub zero_below: Option<Spanned<RawParam>>,
    /// Whether the limit itself already scores zero (default false: "5%(含5%)以下" is within).
    #[serde(default)]
    pub inclusive: bool,
    #[serde(default)]
    pub within: Option<Box<Spanned<RawRule>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub low: Spanned<RawParam>,
    pub high: Spanned<RawParam>,
    #[serde(default = "yes")]
    pub low_inclusive: bool,
    #[serde(default = "yes")]
    pub high_inclusive: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProportional {
    pub target: Spanned<RawParam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInterpolate {
    pub full_at: Spanned<RawParam>,
    pub zero_at: Spanned<RawParam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBonusAbove {
    pub target: Spanned<RawParam>,
    pub per: Spanned<Decimal>,
    /// Points added per step above target.
    pub add: Spanned<Decimal>,
    /// Points deducted per step below target.
    #[serde(default)]
    pub deduct: Option<Spanned<Decimal>>,
    /// Most points the item may gain above its maximum.
    pub extra_cap: Spanned<Decimal>,
    #[serde(default)]
    pub count: StepCount,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerCase {
    /// Case types counted.
    pub cases: Vec<S>,
    /// Deduction per case (of the types without a price in `prices`).
    #[serde(default)]
    pub points: Option<Spanned<Decimal>>,
    /// Deduction per case by case type (`{ late_report: 3, false_report: 2 }`).
    #[serde(default)]
    pub prices: BTreeMap<String, Spanned<Decimal>>,
    /// Extra deduction per severity step above `base_severity` (R10).
    #[serde(default)]
    pub escalate: Option<Spanned<Decimal>>,
    #[serde(default)]
    pub base_severity: Option<Spanned<u32>>,
    /// Multiplier by finder level (R12), e.g. `{ city: 2 }`.
    #[serde(default)]
    pub finder_multiplier: BTreeMap<String, Spanned<Decimal>>,
    /// R13: cases the unit found and reported itself cost nothing.
    #[serde(default)]
    pub self_report_amnesty: bool,
    /// R11: extra deduction per month a case was reported late (from the month after it
    /// happened to the month it was reported, or to the end of the window if not reported).
    #[serde(default)]
    pub per_month: Option<Spanned<Decimal>>,
    /// R11: most months charged per case.
    #[serde(default)]
    pub max_months: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    /// Yes/no fields; each one that is "no" costs `per_missing`.
    pub items: Vec<S>,
    pub per_missing: Spanned<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSteps {
    pub rows: Vec<RawStepRow>,
    /// Points when no row matches (default 0).
    #[serde(default)]
    pub otherwise: Option<Spanned<Decimal>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStepRow {
    /// Lower bound, inclusive.
    #[serde(default)]
    pub min: Option<Spanned<Decimal>>,
    /// Upper bound, exclusive.
    #[serde(default)]
    pub below: Option<Spanned<Decimal>>,
    pub points: Spanned<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerCount {
    #[serde(default)]
    pub per: Option<Spanned<Decimal>>,
    pub points: Spanned<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFraction {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFormula {
    pub points: S,
}

/// Bonus items (加分) with per-item caps (`max`) and a total cap.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBonus {
    #[serde(default)]
    pub cap: Option<Spanned<Decimal>>,
    pub items: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawScope {
    Unit,
    Line(S),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawEffect {
    /// The unit (or line) gets the lowest grade.
    Fail,
    /// The grade can be no better than this label.
    Cap(S),
    /// The line scores zero (line scope only).
    Zero,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVeto {
    pub id: S,
    pub name: String,
    /// Yes/no expression over values, derived values, `cases.TYPE`, `points.ID`, `line.ID`,
    /// `bonus` and `total`.
    pub when: S,
    #[serde(default)]
    pub scope: Option<Spanned<RawScope>>,
    pub effect: Spanned<RawEffect>,
    #[serde(default)]
    pub mode: VetoMode,
    /// The reason in Chinese, shown in reports.
    pub reason: String,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub label: S,
    /// Lowest total (inclusive) for this grade; the last grade has none.
    #[serde(default)]
    pub min: Option<Spanned<Decimal>>,
}

/// `uncertainty:` — how sure the figures and the weights are, for `kaohe robustness`
/// (`docs/robustness.md`). Absent: every figure is exact (today's behaviour).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUncertainty {
    /// Per field, per layer, or per field from one layer.
    #[serde(default)]
    pub fields: Vec<RawFieldError>,
    /// Every item's maximum (and so its points) scaled by 1 + u.
    #[serde(default)]
    pub weights: Option<RawWeightSpread>,
    /// Per item, instead of `weights`.
    #[serde(default)]
    pub items: Vec<RawItemSpread>,
}

/// One error declaration: `field` and/or `layer`, and exactly one of `error`, `relative`,
/// `survey`, `bias`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFieldError {
    #[serde(default)]
    pub field: Option<S>,
    #[serde(default)]
    pub layer: Option<S>,
    /// Absolute: ± this much in the field's own unit.
    #[serde(default)]
    pub error: Option<Spanned<Decimal>>,
    /// Relative: ± this share of the value (0.02 = 2%).
    #[serde(default)]
    pub relative: Option<Spanned<Decimal>>,
    /// A survey proportion from this many households: SE = √(p(1−p)/n).
    #[serde(default)]
    pub survey: Option<RawSurvey>,
    /// A self-report bias range, relative: the true value is value × (1 + b), b in [lo, hi].
    #[serde(default)]
    pub bias: Option<Spanned<Vec<Decimal>>>,
    /// `normal` (default: the ± is one standard error) or `uniform` (the ± is the half-width).
    #[serde(default)]
    pub distribution: Option<crate::model::uncertainty::Distribution>,
    /// Where the figure comes from, shown in the inspection plan (e.g. 抽样调查).
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub households: Spanned<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeightSpread {
    /// ± this share of each item's maximum (0.1 = 10%).
    pub relative: Spanned<Decimal>,
    #[serde(default)]
    pub distribution: Option<crate::model::uncertainty::Distribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItemSpread {
    pub item: S,
    pub relative: Spanned<Decimal>,
    #[serde(default)]
    pub distribution: Option<crate::model::uncertainty::Distribution>,
}
