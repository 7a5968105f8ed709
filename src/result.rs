//! Results: what an assessment produces, serialised as the scorecard JSON.
//!
//! The JSON schema is versioned by [`SCHEMA`]; see `docs/scorecard-json.md`. No wall-clock
//! time is recorded, so the same inputs give byte-identical output.

use crate::model::VetoMode;
use crate::model::{Grade, Named};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Shared text: names and rule texts are the same for every unit, so results share them.
pub type Text = Arc<str>;

/// What every unit's result of one indicator shares: its names, rule and office. Built once
/// per assessment; results point to it.
#[derive(Debug, Clone)]
pub struct ItemInfo {
    pub id: Text,
    pub name: Text,
    pub line: Option<Text>,
    pub section: Option<Text>,
    /// The rule as written.
    pub rule_text: Text,
    pub office: Option<Text>,
    /// The unit of measure of the value the rule reads.
    pub unit: Option<Text>,
    /// The display name of the value the rule reads, when it reads one field or derived value
    /// as it is (reasons name the quantity they read: 出生统计误差率7.36%, not the item's name).
    pub value_name: Option<Text>,
    /// The display name and unit of each slot a formula reads (empty for other rules).
    pub formula_inputs: Box<[(Text, Option<Text>)]>,
    /// The compiled rule (absent in results read back from JSON).
    pub rule: Option<crate::rules::Rule>,
    /// The case types a per-case rule counts, joined with 、.
    pub cases: Text,
    /// The item's floor (`None`: a negative item without one).
    pub floor: Option<Decimal>,
    /// The rule's per-unit parameters: each one's path in the rule and the words a reason
    /// uses for it (values per unit in [`Reason::Rule`]).
    pub params: Box<[(Text, Option<Text>)]>,
    /// The set's own reason for a scored item (`reason:`): see [`Reason::Templated`].
    pub reason_template: Option<Arc<crate::model::reason_template::ReasonTemplate>>,
}

impl ItemInfo {
    /// An item known only by its id and name (results read back from JSON, tests).
    pub fn named(id: &str, name: &str) -> Self {
        ItemInfo {
            id: id.into(),
            name: name.into(),
            line: None,
            section: None,
            rule_text: empty_text(),
            office: None,
            unit: None,
            value_name: None,
            formula_inputs: Box::default(),
            rule: None,
            cases: empty_text(),
            floor: Some(Decimal::ZERO),
            params: Box::default(),
            reason_template: None,
        }
    }

    /// The rule as it applied to one unit: its per-unit parameters set to `values`.
    pub fn rule_at(&self, values: &[Decimal]) -> Option<std::borrow::Cow<'_, crate::rules::Rule>> {
        let rule = self.rule.as_ref()?;
        Some(rule.with_params(self.params.iter().map(|(p, _)| &**p), values))
    }

    /// What a reason calls the rule's target: the per-unit target's words (本单位目标 unless
    /// the set names them), or 目标 for a number.
    pub fn target_word(&self) -> &str {
        self.target_word_in(crate::lang::Lang::Zh)
    }

    /// [`ItemInfo::target_word`] in `lang` (the set's own words stay as written).
    pub fn target_word_in(&self, lang: crate::lang::Lang) -> &str {
        match self.params.iter().find(|(p, _)| p.ends_with("target")) {
            Some((_, Some(label))) => label,
            Some((_, None)) => lang.pick("本单位目标", "this unit's target"),
            None => crate::rules::target_word(lang),
        }
    }
}

/// Why an item could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    DivByZero,
    Overflow,
    Domain(&'static str),
    Missing,
}

/// The one-line explanation of an indicator's points: the numbers of the computation, put
/// into words only when shown or serialised (scoring does no formatting).
#[derive(Debug, Clone)]
pub enum Reason {
    Text(String),
    /// A value shape applied to a value.
    Rule {
        item: Arc<ItemInfo>,
        value: crate::expr::Val,
        max: Decimal,
        /// This unit's values of the rule's per-unit parameters (empty when it has none).
        params: Box<[Decimal]>,
    },
    /// The item does not apply to the unit's class.
    NotApplicable {
        class: Option<Text>,
    },
    /// A zeroing condition held: the set's `zero_reason`, else the condition as written.
    Zeroed {
        why: Option<Text>,
        condition: Text,
    },
    /// Values the item needs are missing (`(id, name)` of each field); `zero` when the set
    /// scores such an item 0 (`on_missing: zero`).
    Missing {
        fields: Box<[(Text, Text)]>,
        zero: bool,
    },
    /// The value cannot be computed.
    Undefined(Undefined),
    /// A checklist with the names of the items lacking.
    Checklist {
        items: u32,
        lacking: Vec<Text>,
        per_missing: Decimal,
        max: Decimal,
    },
    /// Cases counted by a per-case rule.
    Cases {
        item: Arc<ItemInfo>,
        count: u32,
        total: Decimal,
        max: Decimal,
    },
    /// A level-and-progress computation.
    LevelProgress(Box<(crate::rules::level_progress::Trace, Decimal)>),
    /// What each clause of a `deductions` item took.
    Deductions {
        item: Arc<ItemInfo>,
        parts: Box<[crate::rules::deductions::Part]>,
        max: Decimal,
    },
    /// Points given by a formula.
    Formula {
        item: Arc<ItemInfo>,
        points: Decimal,
        rounding: u32,
        /// The item's maximum: a result above it is capped, and the reason says so.
        max: Decimal,
        /// The values the formula read, in the order of `ItemInfo::formula_inputs`.
        values: Box<[Option<crate::expr::Val>]>,
    },
    /// A scored item whose set gives its own reason (`reason:`): the template filled from
    /// the generated reason's numbers and the points.
    Templated(Box<Templated>),
    /// A phased unit's item: the last phase's reason, then the phases' points weighted
    /// together.
    Phased(Box<Phased>),
}

/// The numbers of [`Reason::Phased`].
#[derive(Debug, Clone)]
pub struct Phased {
    /// The reason of the last phase.
    pub last: Reason,
    /// Each phase's name, points and weight.
    pub parts: Box<[(Text, Decimal, Decimal)]>,
    /// The weights' sum.
    pub weights: Decimal,
    pub points: Decimal,
}

/// The numbers a reason template is filled from (see [`Reason::Templated`]).
#[derive(Debug, Clone)]
pub struct Templated {
    pub item: Arc<ItemInfo>,
    /// The reason kaohe generated (`{原因}`; its value and target fill `{值}`, `{目标}`).
    pub generated: Reason,
    pub points: Decimal,
    pub max: Decimal,
}

impl Reason {
    /// The set's own reason for a scored item of `item`, when it gives one; else `generated`.
    pub fn templated(
        item: &Arc<ItemInfo>,
        generated: Reason,
        points: Decimal,
        max: Decimal,
    ) -> Reason {
        if item.reason_template.is_none() {
            return generated;
        }
        Reason::Templated(Box::new(Templated {
            item: item.clone(),
            generated,
            points,
            max,
        }))
    }

    /// The generated reason behind a set's own ([`Reason::Templated`]): its numbers.
    pub fn generated(&self) -> &Reason {
        match self {
            Reason::Templated(t) => &t.generated,
            r => r,
        }
    }

    /// The reason in `lang`, as a value to show ([`std::fmt::Display`]); the set's names,
    /// units and its own reason templates stay as written, the words kaohe adds are in `lang`.
    /// `Display` on the reason itself is Chinese.
    pub fn in_lang(&self, lang: crate::lang::Lang) -> InLang<'_> {
        InLang(self, lang)
    }

    /// The reason in `lang` as text.
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        self.in_lang(lang).to_string()
    }
}

/// A reason shown in a language (see [`Reason::in_lang`]).
#[derive(Debug, Clone, Copy)]
pub struct InLang<'a>(&'a Reason, crate::lang::Lang);

impl std::fmt::Display for InLang<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.write_in(f, self.1)
    }
}

impl Templated {
    fn render(&self, lang: crate::lang::Lang) -> String {
        use crate::model::reason_template::Placeholder;
        let Some(tpl) = &self.item.reason_template else {
            return self.generated.render(lang);
        };
        let item = &self.item;
        let unit = item.unit.as_deref();
        let show = |d: Decimal| crate::num::show_grouped(d);
        tpl.render(&|p| match p {
            Placeholder::Name => Some(item.name.to_string()),
            Placeholder::Value => match &self.generated {
                Reason::Rule { value, .. } => Some(crate::rules::fmt_val_in(value, unit, lang)),
                _ => None,
            },
            Placeholder::Target => match &self.generated {
                Reason::Rule { params, .. } => {
                    let mut rule = item.rule_at(params)?.into_owned();
                    let target = *rule.param_mut("target")?;
                    Some(crate::rules::fmt_val(&crate::expr::Val::Num(target), unit))
                }
                _ => None,
            },
            Placeholder::Points => Some(show(self.points)),
            Placeholder::Max => Some(show(self.max)),
            Placeholder::Lost => Some(show(self.max - self.points)),
            Placeholder::Reason => Some(self.generated.render(lang)),
        })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_in(f, crate::lang::Lang::Zh)
    }
}

impl Reason {
    /// Write the reason in `lang`.
    fn write_in(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        lang: crate::lang::Lang,
    ) -> std::fmt::Result {
        if lang.en() {
            return self.write_en(f);
        }
        use crate::rules::{Rule, checklist, per_case};
        match self {
            Reason::Text(t) => f.write_str(t),
            Reason::Rule {
                item,
                value,
                max,
                params,
            } => match item.rule_at(params) {
                Some(rule) => {
                    let c = crate::rules::Ctx {
                        name: item.value_name.as_deref().unwrap_or(&item.name),
                        unit: item.unit.as_deref(),
                        max: *max,
                        floor: item.floor,
                        target: item.target_word(),
                        lang,
                    };
                    f.write_str(&rule.trace(*value, *max).reason(&c))
                }
                None => f.write_str(&item.name),
            },
            Reason::NotApplicable { class } => write!(
                f,
                "本项不适用于{},不计分",
                class.as_deref().unwrap_or("未分类单位")
            ),
            Reason::Zeroed { why, condition } => match why {
                Some(why) => write!(f, "{why},此项不得分"),
                None => write!(f, "触发清零条件({condition}),此项不得分"),
            },
            Reason::Missing { fields, zero } => {
                let names: Vec<String> = fields
                    .iter()
                    .map(|(id, name)| format!("{name}({id})"))
                    .collect();
                if *zero {
                    write!(
                        f,
                        "缺少佐证:{},按规定未提供佐证材料不得分(记0分)",
                        names.join("、")
                    )
                } else {
                    write!(f, "缺少佐证:{},本项待补充,不计分", names.join("、"))
                }
            }
            Reason::Undefined(u) => {
                let what = match u {
                    Undefined::DivByZero => "除数为零",
                    Undefined::Overflow => "数值溢出",
                    Undefined::Domain(d) => d,
                    Undefined::Missing => "缺少数据",
                };
                write!(f, "无法计算({what}),本项按0分计")
            }
            Reason::Checklist {
                items,
                lacking,
                per_missing,
                max,
            } => {
                let names: Vec<&str> = lacking.iter().map(|t| &**t).collect();
                f.write_str(&checklist::reason(*per_missing, *max, *items, &names))
            }
            Reason::Cases {
                item,
                count,
                total,
                max,
            } => f.write_str(&per_case::reason(
                &item.cases,
                *count,
                *total,
                *max,
                item.floor.is_some(),
            )),
            Reason::LevelProgress(b) => f.write_str(&b.0.reason(b.1)),
            Reason::Deductions { item, parts, max } => match &item.rule {
                Some(Rule::Deductions(d)) => {
                    let texts: Vec<(String, Decimal)> = d
                        .clauses
                        .iter()
                        .zip(parts.iter())
                        .map(|(cl, p)| (cl.reason(p, &cl.name, *max), p.deduction()))
                        .collect();
                    f.write_str(&crate::rules::deductions::reason(
                        &texts,
                        *max,
                        item.floor.is_some(),
                    ))
                }
                _ => f.write_str(&item.name),
            },
            Reason::Formula {
                item,
                points,
                rounding,
                max,
                values,
            } => {
                if let Some(Rule::Formula(r)) = &item.rule {
                    let inputs: Vec<(&str, Option<&str>, Option<crate::expr::Val>)> = item
                        .formula_inputs
                        .iter()
                        .zip(values.iter())
                        .map(|((n, u), v)| (&**n, u.as_deref(), *v))
                        .collect();
                    f.write_str(&r.reason(*points, *rounding, *max, &inputs))
                } else {
                    write!(f, "按公式计算得{}分", crate::num::show(*points))
                }
            }
            Reason::Templated(t) => f.write_str(&t.render(lang)),
            Reason::Phased(p) => {
                let show = crate::num::show;
                let parts: Vec<String> = p
                    .parts
                    .iter()
                    .map(|(name, x, w)| format!("{name}{}分×{}", show(*x), show(*w)))
                    .collect();
                write!(
                    f,
                    "{};按权重合计({})÷{} = {}分",
                    p.last,
                    parts.join(" + "),
                    show(p.weights),
                    show(p.points)
                )
            }
        }
    }

    /// Write the reason in English.
    fn write_en(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::lang::Lang;
        use crate::rules::{Rule, checklist, deductions, per_case};
        match self {
            Reason::Text(t) => f.write_str(t),
            Reason::Rule {
                item,
                value,
                max,
                params,
            } => match item.rule_at(params) {
                Some(rule) => {
                    let c = crate::rules::Ctx {
                        name: item.value_name.as_deref().unwrap_or(&item.name),
                        unit: item.unit.as_deref(),
                        max: *max,
                        floor: item.floor,
                        target: item.target_word_in(Lang::En),
                        lang: Lang::En,
                    };
                    f.write_str(&rule.trace(*value, *max).reason(&c))
                }
                None => f.write_str(&item.name),
            },
            Reason::NotApplicable { class } => match class {
                Some(c) => write!(f, "Does not apply to {c}: not scored"),
                None => f.write_str("Does not apply to units without a class: not scored"),
            },
            Reason::Zeroed { why, condition } => match why {
                Some(why) => write!(f, "{why}: 0 points for this item"),
                None => write!(
                    f,
                    "the zeroing condition {condition} holds: 0 points for this item"
                ),
            },
            Reason::Missing { fields, zero } => {
                let names: Vec<String> = fields
                    .iter()
                    .map(|(id, name)| format!("{name} ({id})"))
                    .collect();
                if *zero {
                    write!(
                        f,
                        "Evidence missing: {}; the set scores an item without evidence 0 points",
                        names.join(", ")
                    )
                } else {
                    write!(
                        f,
                        "Evidence missing: {}; not scored until it is supplied",
                        names.join(", ")
                    )
                }
            }
            Reason::Undefined(u) => {
                let what = match u {
                    Undefined::DivByZero => "division by zero",
                    Undefined::Overflow => "overflow",
                    Undefined::Domain(d) => d,
                    Undefined::Missing => "data missing",
                };
                write!(f, "Cannot be computed ({what}): counted as 0 points")
            }
            Reason::Checklist {
                items,
                lacking,
                per_missing,
                max,
            } => {
                let names: Vec<&str> = lacking.iter().map(|t| &**t).collect();
                f.write_str(&checklist::reason_en(*per_missing, *max, *items, &names))
            }
            Reason::Cases {
                item,
                count,
                total,
                max,
            } => f.write_str(&per_case::reason_en(
                &item.cases,
                *count,
                *total,
                *max,
                item.floor,
            )),
            Reason::LevelProgress(b) => f.write_str(&b.0.reason_en(b.1)),
            Reason::Deductions { item, parts, max } => match &item.rule {
                Some(Rule::Deductions(d)) => {
                    let texts: Vec<(String, Decimal)> = d
                        .clauses
                        .iter()
                        .zip(parts.iter())
                        .map(|(cl, p)| (cl.reason_in(p, &cl.name, *max, Lang::En), p.deduction()))
                        .collect();
                    f.write_str(&deductions::reason_en(&texts, *max, item.floor))
                }
                _ => f.write_str(&item.name),
            },
            Reason::Formula {
                item,
                points,
                rounding,
                max,
                values,
            } => {
                if let Some(Rule::Formula(r)) = &item.rule {
                    let inputs: Vec<(&str, Option<&str>, Option<crate::expr::Val>)> = item
                        .formula_inputs
                        .iter()
                        .zip(values.iter())
                        .map(|((n, u), v)| (&**n, u.as_deref(), *v))
                        .collect();
                    f.write_str(&r.reason_en(*points, *rounding, *max, &inputs))
                } else {
                    write!(f, "{} by the formula", crate::rules::pts_en(*points))
                }
            }
            Reason::Templated(t) => f.write_str(&t.render(Lang::En)),
            Reason::Phased(p) => {
                let show = crate::num::show;
                let parts: Vec<String> = p
                    .parts
                    .iter()
                    .map(|(name, x, w)| format!("{name} {} × {}", show(*x), show(*w)))
                    .collect();
                write!(
                    f,
                    "{}; the phases weighted: ({}) ÷ {} = {}",
                    p.last.in_lang(Lang::En),
                    parts.join(" + "),
                    show(p.weights),
                    crate::rules::pts_en(p.points)
                )
            }
        }
    }
}

impl From<String> for Reason {
    fn from(s: String) -> Self {
        Reason::Text(s)
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Reason::Text)
    }
}

/// A value as shown in reports: formatted only when shown or serialised.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Missing,
    Val(crate::expr::Val, Option<Text>),
    Text(String),
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Missing => f.write_str("缺失"),
            Shown::Val(v, unit) => f.write_str(&crate::rules::fmt_val(v, unit.as_deref())),
            Shown::Text(t) => f.write_str(t),
        }
    }
}

impl Shown {
    /// The value for people in `lang`: in English yes/no, `missing`, a count of cases as
    /// `2 cases` (also of a value read back from a scorecard's Chinese text).
    pub fn in_lang(&self, lang: crate::lang::Lang) -> String {
        if !lang.en() {
            return self.to_string();
        }
        match self {
            Shown::Missing => "missing".into(),
            Shown::Val(v, unit) => crate::rules::fmt_val_in(v, unit.as_deref(), lang),
            Shown::Text(t) => text_in(t, lang),
        }
    }
}

/// An item's responsible office as kaohe words it (`{lead}牵头,{office}负责`) in `lang`:
/// `lead: …; responsible: …` in English.
pub fn office_in(text: &str, lang: crate::lang::Lang) -> String {
    if !lang.en() {
        return text.to_string();
    }
    if let Some((lead, rest)) = text.split_once("牵头,")
        && let Some(office) = rest.strip_suffix("负责")
    {
        return format!("lead: {lead}; responsible: {office}");
    }
    if let Some(lead) = text.strip_suffix("牵头") {
        return format!("lead: {lead}");
    }
    if let Some(office) = text.strip_suffix("负责") {
        return format!("responsible: {office}");
    }
    text.to_string()
}

/// A period as kaohe words it (`2011-01-01 至 2011-12-31`, also after a name) in `lang`.
pub fn period_in(text: &str, lang: crate::lang::Lang) -> String {
    if lang.en() {
        text.replace(" 至 ", " to ").replace('至', " to ")
    } else {
        text.to_string()
    }
}

/// A value kaohe wrote in Chinese (a scorecard read back: `是`, `否`, `缺失`, `2例`) in `lang`;
/// any other text as it is.
pub fn text_in(t: &str, lang: crate::lang::Lang) -> String {
    if !lang.en() {
        return t.to_string();
    }
    match t {
        "是" => "yes".into(),
        "否" => "no".into(),
        "缺失" => "missing".into(),
        _ => match t.strip_suffix('例') {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == ',') => {
                format!("{n} {}", if n == "1" { "case" } else { "cases" })
            }
            _ => t.to_string(),
        },
    }
}

/// A slot's display name in `lang`: a count of cases, `两非案件(例)`, is `两非案件 (cases)` in
/// English; other names as written.
pub fn name_in(name: &str, lang: crate::lang::Lang) -> String {
    if lang.en() {
        name.replacen("(例)", " (cases)", 1)
    } else {
        name.to_string()
    }
}

/// In JSON a value is written without digit grouping (`3345000人`: machine output); shown to
/// people (`Display`) it is grouped (`3,345,000人`).
impl Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Val(v, unit) => s.collect_str(&crate::rules::fmt_val_plain(v, unit.as_deref())),
            _ => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Shown {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Shown::Text)
    }
}

/// The names of a scored unit's slots, built once per assessment and shared by every result:
/// results refer to values by slot and are given names only when shown or written.
#[derive(Debug, Default)]
pub struct SlotNames {
    /// Per slot: id, display name, unit of measure.
    pub slots: Vec<(Text, Text, Option<Text>)>,
    /// Per field slot with evidence layers: each layer's value slot and layer id, in the
    /// field's priority order (empty for other slots).
    pub layers: Vec<Vec<(u32, Text)>>,
    /// The slots kept as the unit's [`Values`] (fields and derived values).
    pub values: Vec<u32>,
}

/// A unit's values after scoring, with the names to show them.
#[derive(Debug)]
pub struct UnitSlots {
    pub vals: Vec<Option<crate::expr::Val>>,
    pub names: Arc<SlotNames>,
}

impl UnitSlots {
    pub fn get(&self, slot: u32) -> Option<crate::expr::Val> {
        self.vals.get(slot as usize).copied().flatten()
    }

    /// One value as read: id, name, shown value and the layer it came from.
    pub fn input(&self, slot: u32) -> Option<InputValue> {
        let (id, name, unit) = self.names.slots.get(slot as usize)?;
        let value = self
            .get(slot)
            .map_or(Shown::Missing, |v| Shown::Val(v, unit.clone()));
        let layer = self.names.layers.get(slot as usize).and_then(|ls| {
            ls.iter()
                .find(|(s, _)| self.get(*s).is_some())
                .map(|(_, l)| l.clone())
        });
        Some(InputValue {
            id: id.clone(),
            name: name.clone(),
            value,
            layer,
        })
    }
}

/// The values an indicator or a veto read: slot references into the unit's values, rendered
/// with names, units and layers only when shown or written (read back from JSON: as shown).
#[derive(Debug, Clone)]
pub enum Inputs {
    Slots {
        reads: Arc<[u32]>,
        unit: Arc<UnitSlots>,
    },
    Shown(Vec<InputValue>),
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs::Shown(Vec::new())
    }
}

impl Inputs {
    /// The inputs as shown, in slot order.
    pub fn to_vec(&self) -> Vec<InputValue> {
        match self {
            Inputs::Slots { reads, unit } => reads.iter().filter_map(|s| unit.input(*s)).collect(),
            Inputs::Shown(v) => v.clone(),
        }
    }

    /// The inputs as an editable list (rendered once when they were slot references).
    pub fn shown_mut(&mut self) -> &mut Vec<InputValue> {
        if let Inputs::Slots { .. } = self {
            *self = Inputs::Shown(self.to_vec());
        }
        match self {
            Inputs::Shown(v) => v,
            Inputs::Slots { .. } => unreachable!("converted above"),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Inputs::Slots { reads, .. } => reads.is_empty(),
            Inputs::Shown(v) => v.is_empty(),
        }
    }
}

impl From<Vec<InputValue>> for Inputs {
    fn from(v: Vec<InputValue>) -> Self {
        Inputs::Shown(v)
    }
}

/// One input as serialised from slot references: borrowed names, no reference counting (the
/// names are shared by every unit, and threads writing in parallel would contend on them).
#[derive(Serialize)]
struct InputRef<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(serialize_with = "collect_display")]
    value: ShownRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a str>,
}

/// A value shown with its unit (not grouped: JSON), or `缺失`.
struct ShownRef<'a>(Option<crate::expr::Val>, Option<&'a str>);

impl std::fmt::Display for ShownRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(v) => f.write_str(&crate::rules::fmt_val_plain(&v, self.1)),
            None => f.write_str("缺失"),
        }
    }
}

fn collect_display<S: serde::Serializer, T: std::fmt::Display>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl UnitSlots {
    fn input_ref(&self, slot: u32) -> Option<InputRef<'_>> {
        let (id, name, unit) = self.names.slots.get(slot as usize)?;
        let layer = self.names.layers.get(slot as usize).and_then(|ls| {
            ls.iter()
                .find(|(s, _)| self.get(*s).is_some())
                .map(|(_, l)| &**l)
        });
        Some(InputRef {
            id,
            name,
            value: ShownRef(self.get(slot), unit.as_deref()),
            layer,
        })
    }
}

impl Serialize for Inputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match self {
            Inputs::Slots { reads, unit } => {
                let mut seq = s.serialize_seq(None)?;
                for slot in reads.iter() {
                    if let Some(i) = unit.input_ref(*slot) {
                        seq.serialize_element(&i)?;
                    }
                }
                seq.end()
            }
            Inputs::Shown(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Inputs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<InputValue>::deserialize(d).map(Inputs::Shown)
    }
}

/// A unit's values (fields and derived values) by id: what later years read as history.
/// Serialised as a JSON object of numbers and booleans.
#[derive(Debug, Clone)]
pub enum Values {
    /// The unit's own slots (a scored result).
    Slots(Arc<UnitSlots>),
    /// Values by id (read back from a scorecard, or built by hand).
    Listed(Vec<(Text, crate::expr::Val)>),
}

impl Default for Values {
    fn default() -> Self {
        Values::Listed(Vec::new())
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.pairs() == other.pairs()
    }
}

impl Values {
    pub fn get(&self, key: &str) -> Option<crate::expr::Val> {
        match self {
            Values::Slots(u) => u
                .names
                .values
                .iter()
                .find(|s| {
                    u.names
                        .slots
                        .get(**s as usize)
                        .is_some_and(|n| &*n.0 == key)
                })
                .and_then(|s| u.get(*s)),
            Values::Listed(v) => v.iter().find(|(k, _)| &**k == key).map(|(_, v)| *v),
        }
    }

    /// The values present, by id, in slot order.
    pub fn pairs(&self) -> Vec<(Text, crate::expr::Val)> {
        match self {
            Values::Slots(u) => u
                .names
                .values
                .iter()
                .filter_map(|s| Some((u.names.slots.get(*s as usize)?.0.clone(), u.get(*s)?)))
                .collect(),
            Values::Listed(v) => v.clone(),
        }
    }
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use rust_decimal::prelude::ToPrimitive;
        use serde::ser::SerializeMap;
        let entry = |m: &mut S::SerializeMap, k: &str, v: crate::expr::Val| match v {
            crate::expr::Val::Bool(b) => m.serialize_entry(k, &b),
            crate::expr::Val::Num(d) => m.serialize_entry(k, &d.to_f64().unwrap_or(0.0)),
        };
        let mut m = s.serialize_map(None)?;
        match self {
            Values::Slots(u) => {
                for slot in &u.names.values {
                    if let (Some(n), Some(v)) = (u.names.slots.get(*slot as usize), u.get(*slot)) {
                        entry(&mut m, &n.0, v)?;
                    }
                }
            }
            Values::Listed(list) => {
                for (k, v) in list {
                    entry(&mut m, k, *v)?;
                }
            }
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct One(crate::expr::Val);
        impl<'de> Deserialize<'de> for One {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = One;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a number or a boolean")
                    }
                    fn visit_bool<E>(self, v: bool) -> Result<One, E> {
                        Ok(One(crate::expr::Val::Bool(v)))
                    }
                    fn visit_i64<E>(self, v: i64) -> Result<One, E> {
                        Ok(One(crate::expr::Val::Num(Decimal::from(v))))
                    }
                    fn visit_u64<E>(self, v: u64) -> Result<One, E> {
                        Ok(One(crate::expr::Val::Num(Decimal::from(v))))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<One, E> {
                        use std::str::FromStr;
                        Decimal::from_str(&v.to_string())
                            .map(|d| One(crate::expr::Val::Num(d)))
                            .map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
        let m = std::collections::BTreeMap::<String, One>::deserialize(d)?;
        Ok(Values::Listed(
            m.into_iter().map(|(k, v)| (Text::from(k), v.0)).collect(),
        ))
    }
}

/// One phase of a time-weighted assessment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseResult {
    pub id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub weight: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub total: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    pub grade: Option<String>,
}

/// A value given by several evidence layers, which one was used, and the correction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Correction {
    pub field: Text,
    pub name: Text,
    /// Each layer with a value, in the field's priority order.
    pub layers: Vec<LayerValue>,
    /// The layer whose value was used.
    pub used: Option<Text>,
    /// Used value minus the lowest-priority layer's (e.g. survey − self-report), when both exist.
    pub difference: Option<Shown>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerValue {
    pub layer: Text,
    pub name: Text,
    pub value: Shown,
}

/// Version tag of the scorecard JSON.
pub const SCHEMA: &str = "kaohe.scorecard/1";

/// The whole assessment of one indicator set over one evidence set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    pub schema: String,
    /// `kaohe <version>`.
    pub engine: String,
    pub indicator_set: SetStamp,
    pub period: PeriodStamp,
    pub lines: Vec<LineInfo>,
    pub combine: String,
    pub grades: Vec<GradeInfo>,
    pub peer_groups: Vec<NamedInfo>,
    pub sections: Vec<NamedInfo>,
    /// The indicators and bonus items once, with their rule text and responsible office
    /// (per-unit results refer to them by id).
    #[serde(default)]
    pub indicators: Vec<IndicatorInfo>,
    /// Units in rank order (ties by id).
    pub units: Vec<UnitResult>,
}

impl Assessment {
    /// Everything but the units.
    pub fn clone_header(&self) -> Assessment {
        Assessment {
            schema: self.schema.clone(),
            engine: self.engine.clone(),
            indicator_set: self.indicator_set.clone(),
            period: self.period.clone(),
            lines: self.lines.clone(),
            combine: self.combine.clone(),
            grades: self.grades.clone(),
            peer_groups: self.peer_groups.clone(),
            sections: self.sections.clone(),
            indicators: self.indicators.clone(),
            units: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetStamp {
    pub id: String,
    pub name: String,
    pub version: String,
    /// SHA-256 of the indicator-set file.
    pub hash: String,
    pub file: String,
    pub effective_from: NaiveDate,
    pub effective_to: NaiveDate,
    #[serde(with = "rust_decimal::serde::float")]
    pub scale: Decimal,
    pub unit_kind: String,
    /// A set of vetoes alone: units have an outcome (通过/否决) and no points or rank.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub veto_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodStamp {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineInfo {
    pub id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    #[serde(with = "rust_decimal::serde::float_option", default)]
    pub weight: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GradeInfo {
    pub label: String,
    #[serde(with = "rust_decimal::serde::float_option", default)]
    pub min: Option<Decimal>,
}

impl From<&Grade> for GradeInfo {
    fn from(g: &Grade) -> Self {
        Self {
            label: g.label.clone(),
            min: g.min,
        }
    }
}

/// An indicator as the set defines it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndicatorInfo {
    pub id: String,
    pub name: String,
    pub line: Option<String>,
    pub section: Option<String>,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    pub bonus: bool,
    pub rule_text: String,
    pub office: Option<String>,
    pub source: Option<String>,
    /// The item's own statistical window, when it is not the effective period
    /// (e.g. `2011年度 2011-01-01 至 2011-12-31`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedInfo {
    pub id: String,
    pub name: String,
}

impl From<&Named> for NamedInfo {
    fn from(n: &Named) -> Self {
        Self {
            id: n.id.clone(),
            name: n.name.clone(),
        }
    }
}

/// Whether a unit's result is complete enough to publish its total, grade and rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    /// Every item scored and every enforced veto decided: totalled, graded and ranked.
    #[default]
    Complete,
    /// A veto that would change the decision cannot be decided on the evidence (待核实): the
    /// total is shown, the grade and rank are withheld.
    Pending,
    /// Items lack evidence (待补充): total, grade and rank are withheld (a fired veto still
    /// decides the grade).
    Incomplete,
    /// Nothing was reported for the unit (无佐证): listed, not graded.
    NoEvidence,
}

impl UnitStatus {
    /// The JSON spelling (`complete`, `pending`, `incomplete`, `no_evidence`).
    pub fn key(self) -> &'static str {
        match self {
            UnitStatus::Complete => "complete",
            UnitStatus::Pending => "pending",
            UnitStatus::Incomplete => "incomplete",
            UnitStatus::NoEvidence => "no_evidence",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            UnitStatus::Complete => "完整",
            UnitStatus::Pending => "待核实",
            UnitStatus::Incomplete => "待补充",
            UnitStatus::NoEvidence => "无佐证",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            UnitStatus::Complete => "complete",
            UnitStatus::Pending => "pending",
            UnitStatus::Incomplete => "incomplete",
            UnitStatus::NoEvidence => "no evidence",
        }
    }
}

/// The result of one unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitResult {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub class: Option<String>,
    pub peer_group: Option<String>,
    pub parent: Option<String>,
    /// Complete, pending (an undecided veto), incomplete (missing evidence) or no evidence.
    #[serde(default)]
    pub status: UnitStatus,
    /// Total points (lines combined plus bonus); None (withheld) when items lack evidence.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub total: Option<Decimal>,
    /// The most this unit could score (lower than the scale when N/A maxima were dropped).
    #[serde(with = "rust_decimal::serde::float")]
    pub max_possible: Decimal,
    /// The score grades and ranks use: the total, converted to the full scale when maxima
    /// were dropped (total × scale / max_possible). None when the total is withheld.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    /// Grade after vetoes; None when withheld (incomplete or pending).
    pub grade: Option<String>,
    /// Grade the score alone would give.
    pub score_grade: Option<String>,
    /// True when an enforced veto failed the unit (or one of its lines).
    pub vetoed: bool,
    /// Rank among complete units; None for units listed after them (incomplete, pending,
    /// no evidence).
    pub rank: Option<u32>,
    pub peer_rank: Option<u32>,
    pub peer_size: Option<u32>,
    pub lines: Vec<LineResult>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub bonus: Option<Decimal>,
    /// Bonus before the total cap.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub bonus_uncapped: Option<Decimal>,
    pub indicators: Vec<IndicatorResult>,
    pub bonus_items: Vec<IndicatorResult>,
    /// Values given by several evidence layers (self-report, survey …), with the one used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
    /// Field and derived values, for history in later years.
    #[serde(default)]
    pub values: Values,
    /// Time-weighted assessment: each phase's own result (the unit's figures are their
    /// weighted combination).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseResult>,
    /// The fields whose evidence is missing (items not scored or scored 0 for it, and
    /// undecided vetoes), in order of first need.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<NamedInfo>,
    /// Every veto rule that fired or could not be decided (enforced and advisory); vetoes
    /// that are clear are not listed.
    pub vetoes: Vec<VetoResult>,
    pub cases: Vec<CaseResult>,
    /// Document references (佐证材料) the unit submitted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<crate::evidence::Document>,
}

impl UnitResult {
    /// The fields whose evidence is missing, `(id, name)`, in order of first need: those of
    /// items not scored (or scored 0) for missing evidence, then those undecided vetoes need.
    pub fn missing_fields(&self) -> Vec<(String, String)> {
        if !self.missing.is_empty() {
            return self
                .missing
                .iter()
                .map(|f| (f.id.clone(), f.name.clone()))
                .collect();
        }
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |id: &str, name: &str| {
            if !out.iter().any(|(i, _)| i == id) {
                out.push((id.to_string(), name.to_string()));
            }
        };
        for r in self.indicators.iter().chain(&self.bonus_items) {
            if let Reason::Missing { fields, .. } = &r.reason {
                for (id, name) in fields.iter() {
                    add(id, name);
                }
            }
        }
        for v in &self.vetoes {
            for f in &v.needs {
                add(&f.id, &f.name);
            }
        }
        out
    }

    /// The items not scored for missing evidence.
    pub fn missing_items(&self) -> impl Iterator<Item = &IndicatorResult> {
        self.indicators
            .iter()
            .chain(&self.bonus_items)
            .filter(|r| matches!(r.status, Status::MissingEvidence | Status::ZeroForMissing))
    }

    /// The enforced vetoes whose outcome is undecided.
    pub fn undecided_vetoes(&self) -> impl Iterator<Item = &VetoResult> {
        self.vetoes
            .iter()
            .filter(|v| v.outcome == VetoOutcome::Undecided)
    }

    /// A grade label or the status in its place (`待补充`, `待核实`, `无佐证`).
    pub fn grade_or_status(&self) -> &str {
        self.grade.as_deref().unwrap_or(self.status.zh())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineResult {
    pub id: String,
    pub name: String,
    /// None when an item of the line lacks evidence.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float")]
    pub max: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub max_possible: Decimal,
    /// Set when lines are graded separately.
    pub grade: Option<String>,
    /// Veto that zeroed this line.
    pub zeroed_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Scored by its rule.
    Scored,
    /// Does not apply to this unit's class.
    NotApplicable,
    /// Evidence it needs is missing: not scored, the unit's total is withheld
    /// (`on_missing: incomplete`).
    MissingEvidence,
    /// Evidence it needs is missing and the set scores it 0 (`on_missing: zero`).
    ZeroForMissing,
    /// Zeroed by an event (R15).
    Zeroed,
    /// Its value cannot be computed (e.g. division by zero).
    Undefined,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Scored => "已评分",
            Status::NotApplicable => "不适用",
            Status::MissingEvidence => "缺少佐证",
            Status::ZeroForMissing => "缺证记零",
            Status::Zeroed => "事件清零",
            Status::Undefined => "无法计算",
        }
    }
}

/// One value an indicator or veto read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputValue {
    pub id: Text,
    pub name: Text,
    /// Displayed value with its unit, or `缺失` when missing.
    pub value: Shown,
    /// The evidence layer the value came from, when the field has layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Text>,
}

/// The result of one indicator for one unit: numbers and a status, with the item's shared
/// names behind one pointer.
#[derive(Debug, Clone)]
pub struct IndicatorResult {
    pub info: Arc<ItemInfo>,
    pub max: Decimal,
    pub points: Decimal,
    pub status: Status,
    /// One line in Chinese: what was read, what the rule did, the points.
    pub reason: Reason,
    pub inputs: Inputs,
}

impl IndicatorResult {
    pub fn id(&self) -> &str {
        &self.info.id
    }
    pub fn name(&self) -> &str {
        &self.info.name
    }
    pub fn line(&self) -> Option<&str> {
        self.info.line.as_deref()
    }
    pub fn section(&self) -> Option<&str> {
        self.info.section.as_deref()
    }
    /// The rule as written (also in [`Assessment::indicators`]; not repeated per unit in JSON).
    pub fn rule_text(&self) -> &str {
        &self.info.rule_text
    }
    pub fn office(&self) -> Option<&str> {
        self.info.office.as_deref()
    }
    /// max − points (negative for points gained above the maximum; 0 when not applicable or
    /// not scored for missing evidence).
    pub fn lost(&self) -> Decimal {
        match self.status {
            Status::NotApplicable | Status::MissingEvidence => Decimal::ZERO,
            _ => self.max - self.points,
        }
    }

    /// The points, or None when the item is not scored for missing evidence (待补充).
    pub fn scored(&self) -> Option<Decimal> {
        (self.status != Status::MissingEvidence).then_some(self.points)
    }
}

/// The JSON form of [`IndicatorResult`].
#[derive(Serialize)]
struct IndicatorJson<'a> {
    id: &'a str,
    name: &'a str,
    line: Option<&'a str>,
    #[serde(with = "rust_decimal::serde::float")]
    max: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    points: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    lost: Option<Decimal>,
    status: Status,
    reason: &'a Reason,
    inputs: &'a Inputs,
}

#[derive(Deserialize)]
struct IndicatorIn {
    id: String,
    name: String,
    line: Option<String>,
    #[serde(with = "rust_decimal::serde::float")]
    max: Decimal,
    #[serde(with = "rust_decimal::serde::float_option")]
    points: Option<Decimal>,
    status: Status,
    reason: Reason,
    inputs: Inputs,
}

impl Serialize for IndicatorResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IndicatorJson {
            id: &self.info.id,
            name: &self.info.name,
            line: self.info.line.as_deref(),
            max: self.max,
            points: self.scored(),
            lost: self.scored().map(|_| self.lost()),
            status: self.status,
            reason: &self.reason,
            inputs: &self.inputs,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for IndicatorResult {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let i = IndicatorIn::deserialize(d)?;
        let mut info = ItemInfo::named(&i.id, &i.name);
        info.line = i.line.map(Text::from);
        Ok(IndicatorResult {
            info: Arc::new(info),
            max: i.max,
            points: i.points.unwrap_or_default(),
            status: i.status,
            reason: i.reason,
            inputs: i.inputs,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VetoResult {
    pub id: String,
    pub name: String,
    pub mode: VetoMode,
    /// Fired, or undecided because a value it reads is missing (clear vetoes are not listed).
    #[serde(default)]
    pub outcome: VetoOutcome,
    /// Whether it changed the result (enforced and fired) or is only reported (advisory).
    pub applied: bool,
    /// `unit` or the line id.
    pub scope: String,
    /// Chinese description of the effect, e.g. `等次定为不合格` (the JSON's; [`Self::effect_in`]
    /// renders it in either language from [`Self::effect_of`]).
    pub effect: String,
    /// The effect as names and codes, when this result was scored in this process (not in the
    /// JSON: a scorecard read back renders its Chinese `effect`).
    #[serde(skip)]
    pub effect_of: Option<EffectOf>,
    pub reason: String,
    /// The phase that fired it, for a phased unit (`reason` then ends `(phase)`); not in
    /// the JSON.
    #[serde(skip)]
    pub phase: Option<String>,
    /// The trigger as written.
    pub trigger: String,
    /// The values the trigger read.
    pub evidence: Inputs,
    /// The fields an undecided veto needs to be decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<NamedInfo>,
}

/// A veto's effect as codes and the set's names; [`EffectOf::render`] words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectOf {
    /// The unit gets this (the lowest) grade.
    Fail { grade: String },
    /// The unit's grade is no better than this one.
    Cap { grade: String },
    /// The line fails, and the bundled assessment gets this (the lowest) grade.
    LineFail { line: String, grade: String },
    /// The line's grade is no better than this one.
    LineCap { line: String, grade: String },
    /// The line scores zero.
    LineZero { line: String },
    /// The unit scores zero.
    Zero,
}

impl EffectOf {
    /// The effect read back from its Chinese text (a scorecard's `effect`, as
    /// [`EffectOf::render`] wrote it); `None` for any other text.
    pub fn parse(zh: &str) -> Option<EffectOf> {
        let s = |x: &str| x.to_string();
        if let Some(g) = zh.strip_prefix("等次定为") {
            return Some(EffectOf::Fail { grade: s(g) });
        }
        if let Some(g) = zh.strip_prefix("等次最高为") {
            return Some(EffectOf::Cap { grade: s(g) });
        }
        if zh == "记零分" {
            return Some(EffectOf::Zero);
        }
        if let Some((line, grade)) = zh.split_once("不合格,捆绑考核整体等次定为") {
            return Some(EffectOf::LineFail {
                line: s(line),
                grade: s(grade),
            });
        }
        if let Some((line, grade)) = zh.split_once("等次最高为") {
            return Some(EffectOf::LineCap {
                line: s(line),
                grade: s(grade),
            });
        }
        zh.strip_suffix("记零分")
            .map(|line| EffectOf::LineZero { line: s(line) })
    }

    /// `等次定为不合格` / `grade set to Fail`.
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        let en = lang.en();
        match self {
            EffectOf::Fail { grade } if en => format!("grade set to {grade}"),
            EffectOf::Fail { grade } => format!("等次定为{grade}"),
            EffectOf::Cap { grade } if en => format!("grade at most {grade}"),
            EffectOf::Cap { grade } => format!("等次最高为{grade}"),
            EffectOf::LineFail { line, grade } if en => {
                format!("{line} failed: the bundled assessment's grade set to {grade}")
            }
            EffectOf::LineFail { line, grade } => {
                format!("{line}不合格,捆绑考核整体等次定为{grade}")
            }
            EffectOf::LineCap { line, grade } if en => format!("{line}: grade at most {grade}"),
            EffectOf::LineCap { line, grade } => format!("{line}等次最高为{grade}"),
            EffectOf::LineZero { line } if en => format!("{line} scores zero"),
            EffectOf::LineZero { line } => format!("{line}记零分"),
            EffectOf::Zero if en => "scores zero".to_string(),
            EffectOf::Zero => "记零分".to_string(),
        }
    }
}

impl VetoResult {
    /// The reason in `lang`: the set's text, with the phase that fired it in English
    /// brackets in English.
    pub fn reason_in(&self, lang: crate::lang::Lang) -> String {
        match &self.phase {
            Some(ph) if lang.en() => {
                let base = self
                    .reason
                    .strip_suffix(&format!("({ph})"))
                    .unwrap_or(&self.reason);
                format!("{base} ({ph})")
            }
            _ => self.reason.clone(),
        }
    }

    /// The effect in `lang` (the JSON's Chinese text when the structure is not known).
    pub fn effect_in(&self, lang: crate::lang::Lang) -> String {
        match &self.effect_of {
            _ if !lang.en() => self.effect.clone(),
            Some(e) => e.render(lang),
            None => EffectOf::parse(&self.effect)
                .map_or_else(|| self.effect.clone(), |e| e.render(lang)),
        }
    }

    /// The trigger for people: each value it read by its display name, `and`/`or`/`not` in
    /// Chinese ("出生人口性别比 > 120 且 上年出生人口性别比 > 120"); ids stay in the JSON.
    pub fn readable_trigger(&self) -> String {
        self.readable_trigger_in(crate::lang::Lang::Zh)
    }

    /// [`Self::readable_trigger`] in `lang` (`and`/`or`/`not` as written in English).
    pub fn readable_trigger_in(&self, lang: crate::lang::Lang) -> String {
        let names: Vec<(String, String)> = self
            .evidence
            .to_vec()
            .into_iter()
            .map(|i| (i.id.to_string(), name_in(&i.name, lang)))
            .collect();
        readable_expr_in(
            &self.trigger,
            &|id| names.iter().find(|(k, _)| k == id).map(|(_, n)| n.clone()),
            lang,
        )
    }
}

/// An expression with its identifiers replaced by `name` (when it knows them) and the logical
/// words in Chinese.
pub fn readable_expr(src: &str, name: &dyn Fn(&str) -> Option<String>) -> String {
    readable_expr_in(src, name, crate::lang::Lang::Zh)
}

/// [`readable_expr`] in `lang`: in English the logical words stay as written.
pub fn readable_expr_in(
    src: &str,
    name: &dyn Fn(&str) -> Option<String>,
    lang: crate::lang::Lang,
) -> String {
    let en = lang.en();
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let shown = match word.as_str() {
            "and" | "or" | "not" | "true" | "false" if en => word.clone(),
            "and" => "且".to_string(),
            "or" => "或".to_string(),
            "not" => "非".to_string(),
            "true" => "是".to_string(),
            "false" => "否".to_string(),
            w => name(w).unwrap_or_else(|| w.to_string()),
        };
        out.push_str(&shown);
        word.clear();
    };
    let mut in_string = false;
    for ch in src.chars() {
        if in_string {
            out.push(ch);
            if ch == '"' {
                in_string = false;
            }
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' || ch == '.' {
            // A number's decimal point stays with the number.
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            if ch == '"' {
                in_string = true;
            }
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A veto's outcome for one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VetoOutcome {
    #[default]
    Fired,
    Clear,
    /// Its condition reads a missing value and is neither true nor false (待核实).
    Undecided,
}

/// Why a case cost what it did, as numbers and names; [`CaseWhy::render`] words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseWhy {
    /// Charged by a per-case item.
    Charged(crate::rules::per_case::Charge),
    /// Not verified: not counted.
    Unverified,
    /// Outside the assessment period and every statistical window.
    Outside,
    /// Counted (its amount, or as a case for vetoes and per-count items) but not charged by
    /// itself; `windows`: the statistical windows it falls in when it is outside the period.
    Counted {
        amount: bool,
        in_period: bool,
        windows: Vec<String>,
    },
    /// A phase's case: the phase's name and why.
    Phase(String, Box<CaseWhy>),
}

impl CaseWhy {
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        let en = lang.en();
        match self {
            CaseWhy::Charged(c) => c.render(lang),
            CaseWhy::Unverified => lang
                .pick("未查实,不计入", "not verified: not counted")
                .into(),
            CaseWhy::Outside => lang
                .pick(
                    "不在考核期及各统计期内,不计",
                    "outside the assessment period and every statistical window: not counted",
                )
                .into(),
            CaseWhy::Counted {
                amount,
                in_period,
                windows,
            } => {
                let counted = match (amount, en) {
                    (true, false) => "计入金额统计",
                    (false, false) => "计入案例数(用于一票否决或按案例数计分的指标)",
                    (true, true) => "counted in the amounts",
                    (false, true) => {
                        "counted in the number of cases (for vetoes and items scored by counts)"
                    }
                };
                match (in_period, en) {
                    (true, false) => format!("{counted},本身不逐例扣分"),
                    (true, true) => format!("{counted}, no deduction of its own"),
                    (false, false) => {
                        format!("不在考核期内;{counted}({})", windows.join("、"))
                    }
                    (false, true) => format!(
                        "outside the assessment period; {counted} ({})",
                        windows.join(", ")
                    ),
                }
            }
            CaseWhy::Phase(name, why) => format!("[{name}] {}", why.render(lang)),
        }
    }
}

impl CaseResult {
    /// The explanation in `lang` (the JSON's Chinese text when the numbers are not known).
    pub fn explanation_in(&self, lang: crate::lang::Lang) -> String {
        match &self.why {
            Some(w) if lang.en() => w.render(lang),
            _ => self.explanation.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    #[serde(rename = "type")]
    pub case_type: String,
    pub type_name: String,
    pub severity: Option<u32>,
    pub date: Option<NaiveDate>,
    pub found_by: Option<String>,
    pub self_reported: bool,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Points this case cost (0 when amnestied or outside the period).
    #[serde(with = "rust_decimal::serde::float")]
    pub deduction: Decimal,
    /// Indicator that charged it.
    pub indicator: Option<String>,
    /// How the deduction was computed, in Chinese (the JSON's; [`Self::explanation_in`] renders
    /// it in either language from [`Self::why`]).
    pub explanation: String,
    /// The explanation as numbers, when this result was scored in this process (not in the JSON).
    #[serde(skip)]
    pub why: Option<CaseWhy>,
    pub in_period: bool,
    /// When the case was reported (late-report deductions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<NaiveDate>,
    /// Unverified cases are listed but never counted.
    #[serde(default = "yes")]
    pub verified: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub amount: Option<Decimal>,
}

fn yes() -> bool {
    true
}

fn empty_text() -> Text {
    Text::from("")
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// Results stay compact: a million units times dozens of indicators must fit one machine.
    /// (Sizes printed with `cargo test --lib result_sizes -- --nocapture`.)
    #[test]
    fn result_sizes() {
        let ind = std::mem::size_of::<IndicatorResult>();
        let reason = std::mem::size_of::<Reason>();
        let slot = std::mem::size_of::<Option<crate::expr::Val>>();
        println!("IndicatorResult {ind} bytes, Reason {reason}, a slot {slot}");
        assert!(ind <= 160, "IndicatorResult grew to {ind} bytes");
        assert!(reason <= 72, "Reason grew to {reason} bytes");
        assert!(slot <= 24, "a slot grew to {slot} bytes");
    }
}

#[cfg(test)]
mod readable_tests {
    use super::readable_expr;

    #[test]
    fn ids_become_names_and_logic_words_chinese() {
        let names = |id: &str| match id {
            "srb" => Some("出生人口性别比".to_string()),
            "srb_last" => Some("上年出生人口性别比".to_string()),
            "cases.two_non" => Some("两非案件(例)".to_string()),
            _ => None,
        };
        assert_eq!(
            readable_expr("srb > 120 and srb_last > 120", &names),
            "出生人口性别比 > 120 且 上年出生人口性别比 > 120"
        );
        assert_eq!(
            readable_expr("cases.two_non >= 1 or not ok", &names),
            "两非案件(例) >= 1 或 非 ok"
        );
        // Numbers and quoted text stay as written.
        assert_eq!(
            readable_expr("class == \"部门\" and x < 0.5", &names),
            "class == \"部门\" 且 x < 0.5"
        );
    }
}
