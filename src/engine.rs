//! The scoring core: pure functions from a compiled set and bound evidence to results.
//!
//! No I/O happens here. Units are scored in parallel with rayon and collected in input order;
//! every sum is taken serially in a fixed order, so results are identical whatever the
//! thread count. Ranking is a serial pass after scoring.

use crate::diag::{Diagnostic, Diagnostics};
use crate::evidence::{Evidence, Unit};
use crate::expr::{Env, EvalError, Val};
use crate::model::*;
use crate::model::{NaPolicy, OnMissing, VetoMode};
use crate::num::{round_points, show};
use crate::result::*;
use crate::rules;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::sync::Arc;

mod fast;
pub use fast::{Figures, LANES, RowScorer};
mod lanes;
pub use lanes::Lanes;
mod points;
mod replay;
pub use fast::{FromBase, UnitBase, factors as fx_factors};
pub use replay::{Kept, Replay, Rescorer};

/// Names shared by every unit's result, built once per assessment (no per-unit copies).
struct Catalog {
    /// Per slot of a scored unit: id, display name, unit of measure.
    slots: Vec<(Text, Text, Option<Text>)>,
    indicators: Vec<IndNames>,
    bonus: Vec<IndNames>,
    layer_ids: Vec<Text>,
    layer_names: Vec<Text>,
    /// The names results use to show a unit's slots.
    names: Arc<SlotNames>,
    /// Per veto: the slots its trigger reads, followed through derived values.
    veto_reads: Vec<Arc<[u32]>>,
}

struct IndNames {
    /// Slots read, followed through derived values, sorted.
    reads: Arc<[u32]>,
    info: Arc<ItemInfo>,
}

impl Catalog {
    fn new(set: &IndicatorSet) -> Self {
        let FieldNames(slots) = FieldNames::new(set);
        let names = |ind: &Indicator| IndNames {
            reads: reads_of(set, ind).into(),
            info: Arc::new(ItemInfo {
                id: Text::from(ind.id.as_str()),
                name: Text::from(ind.name.as_str()),
                line: ind.line.map(|l| Text::from(set.lines[l].id.as_str())),
                section: ind
                    .section
                    .map(|s| Text::from(set.sections[s].name.as_str())),
                rule_text: Text::from(ind.text.as_str()),
                office: match (&ind.office_lead, &ind.office_responsible) {
                    (Some(l), Some(r)) => Some(format!("{l}牵头,{r}负责")),
                    (Some(l), None) => Some(format!("{l}牵头")),
                    (None, Some(r)) => Some(format!("{r}负责")),
                    (None, None) => None,
                }
                .map(Text::from),
                unit: ind.value_unit.as_deref().map(Text::from).or_else(|| {
                    plain_value(set, ind)
                        .and_then(|s| set.slot_name(s).2)
                        .map(Text::from)
                }),
                formula_inputs: match &ind.rule {
                    Rule::Formula(f) => f
                        .expr
                        .slots()
                        .iter()
                        .map(|s| {
                            let (_, name, unit) = set.slot_name(*s);
                            (Text::from(name), unit.map(Text::from))
                        })
                        .collect(),
                    _ => Box::default(),
                },
                value_name: ind
                    .value_name
                    .as_deref()
                    .map(Text::from)
                    .or_else(|| plain_value(set, ind).map(|s| Text::from(set.slot_name(s).1))),
                rule: Some(ind.rule.clone()),
                reason_template: ind.reason.clone(),
                floor: ind.floor,
                params: ind
                    .params
                    .iter()
                    .map(|p| {
                        (
                            Text::from(p.path.as_str()),
                            p.label.as_deref().map(Text::from),
                        )
                    })
                    .collect(),
                cases: Text::from(
                    ind.rule
                        .case_types()
                        .iter()
                        .map(|t| set.case_types[*t].name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
            }),
        };
        let layer_ids: Vec<Text> = set
            .layers
            .iter()
            .map(|l| Text::from(l.id.as_str()))
            .collect();
        let kind = set.unit_kind();
        let mut layers = vec![Vec::new(); set.slots.layers as usize];
        for (fi, f) in kind.fields.iter().enumerate() {
            if let Some(v) = layers.get_mut(fi) {
                *v = f
                    .layers
                    .iter()
                    .enumerate()
                    .filter_map(|(k, l)| {
                        let slot = f.layer_base + u32::try_from(k).ok()?;
                        Some((slot, layer_ids.get(*l)?.clone()))
                    })
                    .collect();
            }
        }
        let values = (0..set.slots.layers)
            .chain(set.slots.derived..set.slots.points)
            .collect();
        let slot_names = Arc::new(SlotNames {
            slots: slots.clone(),
            layers,
            values,
        });
        Self {
            names: slot_names,
            veto_reads: set
                .vetoes
                .iter()
                .map(|v| closure(set, v.when.slots()).into())
                .collect(),
            slots,
            layer_ids: set
                .layers
                .iter()
                .map(|l| Text::from(l.id.as_str()))
                .collect(),
            layer_names: set
                .layers
                .iter()
                .map(|l| Text::from(l.name.as_str()))
                .collect(),
            indicators: set.indicators.iter().map(names).collect(),
            bonus: set
                .bonus
                .iter()
                .flat_map(|b| b.items.iter())
                .map(names)
                .collect(),
        }
    }
}

/// A unit's slot vector with access to its descendants' vectors, for expression evaluation.
struct SlotEnv<'a> {
    vals: &'a [Option<Val>],
    unit: usize,
    ev: &'a Evidence,
    /// Slot vectors of descendant-kind units (empty for others), by unit index.
    child_vals: &'a [Vec<Option<Val>>],
}

impl Env for SlotEnv<'_> {
    fn get(&self, slot: u32) -> Option<Val> {
        self.vals.get(slot as usize).copied().flatten()
    }
    fn class(&self) -> Option<u32> {
        let c = self.ev.units.get(self.unit)?.class?;
        u32::try_from(c).ok()
    }
    fn for_each_descendant(
        &self,
        kind: u32,
        f: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let Some(list) = self
            .ev
            .descendants
            .get(self.unit)
            .and_then(|d| d.get(kind as usize))
        else {
            return Ok(());
        };
        for &c in list {
            let env = SlotEnv {
                vals: self.child_vals.get(c).map_or(&[], |v| v.as_slice()),
                unit: c,
                ev: self.ev,
                child_vals: self.child_vals,
            };
            f(&env)?;
        }
        Ok(())
    }
}

/// The evidence behind missing slots: derived values followed down to the blanks on the
/// path their own expressions take, as `(id, name)` in slot order. A derived value that
/// has no value for another reason (an aggregation over no descendant with a value) is
/// named itself. `names`: the slots' names when the caller keeps them ([`FieldNames`]).
fn missing_fields_in(
    set: &IndicatorSet,
    env: &dyn Env,
    slots: &[u32],
    names: Option<&FieldNames>,
) -> Vec<(Text, Text)> {
    let kind = set.unit_kind();
    let mut out: Vec<u32> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    let mut stack: Vec<u32> = slots.to_vec();
    let mut aggregate = false;
    while let Some(s) = stack.pop() {
        if seen.contains(&s) || seen.len() > 4096 {
            continue;
        }
        seen.push(s);
        if s >= set.slots.len {
            aggregate = true;
            continue;
        }
        // Item points, lines, bonus and total are unknown because of the items' own blanks,
        // which those items report.
        if s >= set.slots.points && s < set.slots.dynamic {
            continue;
        }
        // A comparative or history value unknown because this unit's own value (or last
        // year's) is: name that value instead.
        if s >= set.slots.dynamic
            && let Some(d) = set.dynamic.get((s - set.slots.dynamic) as usize)
        {
            let inner: Vec<u32> = match d.kind {
                DynKind::Across { cur, .. } => vec![cur],
                DynKind::Change { cur, last } => vec![cur, last],
                DynKind::Mean3 { .. } | DynKind::Last { .. } => Vec::new(),
            };
            let blank: Vec<u32> = inner
                .into_iter()
                .filter(|i| env.get(*i).is_none())
                .collect();
            if !blank.is_empty() {
                stack.extend(blank);
                continue;
            }
        }
        let derived = (s >= set.slots.derived && s < set.slots.points)
            .then(|| kind.derived.get((s - set.slots.derived) as usize))
            .flatten();
        match derived {
            Some(d) => {
                let below = d.expr.missing_slots(env);
                if below.is_empty() {
                    out.push(s);
                }
                stack.extend(below);
            }
            None => out.push(s),
        }
    }
    out.sort_unstable();
    out.dedup();
    let mut fields: Vec<(Text, Text)> = out
        .into_iter()
        .map(|s| match names.and_then(|n| n.0.get(s as usize)) {
            Some((id, name, _)) => (id.clone(), name.clone()),
            None => {
                let (id, name, _) = set.slot_name(s);
                (Text::from(id), Text::from(name))
            }
        })
        .collect();
    if fields.is_empty() && aggregate {
        fields.push((Text::from("descendants"), Text::from("下级单位数据")));
    }
    fields
}

/// A unit's status: nothing reported, else an item lacking evidence, else an undecided veto
/// that matters, else complete.
fn unit_status(no_evidence: bool, incomplete: bool, pending: bool) -> UnitStatus {
    if no_evidence {
        UnitStatus::NoEvidence
    } else if incomplete {
        UnitStatus::Incomplete
    } else if pending {
        UnitStatus::Pending
    } else {
        UnitStatus::Complete
    }
}

/// The kernels of `set`'s items and bonus items ([`rules::kernel`]), for the filtered path.
fn kernels(set: &IndicatorSet) -> rules::kernel::Kernels {
    fn of(ind: &Indicator) -> (&Rule, Option<Decimal>) {
        (&ind.rule, ind.floor)
    }
    rules::kernel::Kernels::new(
        set.indicators.iter().map(of),
        set.bonus.iter().flat_map(|b| b.items.iter()).map(of),
        set.rounding,
    )
    .with_grades(set.grades.iter().map(|g| g.min))
}

/// The names of a set's slots, `(id, name, unit)`, made once per run: for the results
/// ([`Catalog`]) and for a run that names the blanks of many rows ([`lacking_fields`]).
pub struct FieldNames(Vec<(Text, Text, Option<Text>)>);

impl FieldNames {
    pub fn new(set: &IndicatorSet) -> Self {
        FieldNames(
            (0..set.slots.len)
                .map(|s| {
                    let (id, name, unit) = set.slot_name(s);
                    (Text::from(id), Text::from(name), unit.map(Text::from))
                })
                .collect(),
        )
    }
}

/// A row's values scored by a [`RowScorer`] as the exact evaluator reads them (no
/// descendants), as an item saw them ([`lacking_fields`]): of the slots from the items'
/// points on, only the points of the items scored before it (`before`) and of the bonus items
/// before it (`bonus_before`).
struct RowEnv<'v> {
    vals: &'v [crate::expr::fast::FxVal],
    class: Option<u32>,
    set: &'v IndicatorSet,
    before: usize,
    bonus_before: usize,
}

impl Env for RowEnv<'_> {
    fn get(&self, slot: u32) -> Option<Val> {
        use crate::expr::fast::FxVal;
        let (s, slots) = (slot as usize, self.set.slots);
        let (points, bonus) = (slots.points as usize, slots.bonus_items as usize);
        if s >= points
            && !(s < points + self.before || (s >= bonus && s < bonus + self.bonus_before))
        {
            return None;
        }
        match self.vals.get(s)? {
            FxVal::Absent => None,
            FxVal::Num(x) => x.to_decimal().map(Val::Num),
            FxVal::Bool(b) => Some(Val::Bool(*b)),
        }
    }
    fn class(&self) -> Option<u32> {
        self.class
    }
    fn for_each_descendant(
        &self,
        _kind: u32,
        _f: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        Ok(())
    }
}

/// The fields a unit of `class` scored by a [`RowScorer`] lacks (`f`, its figures; `vals`, its
/// slots as scored), `(id, name)` in the order [`UnitResult::missing_fields`] gives them for the
/// engine's result: those behind each item that lacked evidence, as the engine's item scoring finds
/// them, then those each undecided veto needs. `None` when a value is not exact (a float) or
/// an item is not one whose blanks are found here (the engine then scores the unit, and
/// reports an `on_missing: error` item). `names`: the set's [`FieldNames`].
pub fn lacking_fields(
    set: &IndicatorSet,
    class: Option<usize>,
    vals: &[crate::expr::fast::FxVal],
    (f, names): (&Figures, &FieldNames),
) -> Option<Vec<(Text, Text)>> {
    use crate::expr::fast::FxVal;
    if vals
        .iter()
        .any(|v| matches!(v, FxVal::Num(crate::fx::Fx::Approx(_))))
    {
        return None;
    }
    let class = class.and_then(|c| u32::try_from(c).ok());
    let bonus: Vec<&Indicator> = set.bonus.iter().flat_map(|b| b.items.iter()).collect();
    let n = set.indicators.len();
    let mut out: Vec<(Text, Text)> = Vec::new();
    let mut add = |fields: Vec<(Text, Text)>| {
        for (id, name) in fields {
            if !out.iter().any(|(i, _)| *i == id) {
                out.push((id, name));
            }
        }
    };
    for &k in &f.lacking {
        let k = k as usize;
        let (ind, before, bonus_before) = match k.checked_sub(n) {
            None => (set.indicators.get(k)?, k, 0),
            Some(b) => (*bonus.get(b)?, n, b),
        };
        if ind.on_missing == OnMissing::Error {
            return None;
        }
        // The values as the item saw them: the points of the items scored before it only.
        let env = RowEnv {
            vals,
            class,
            set,
            before,
            bonus_before,
        };
        let zero_if_missing = ind
            .zero_if
            .as_ref()
            .filter(|z| matches!(z.eval_bool(&env), Err(EvalError::Missing(_))));
        let blank = match (zero_if_missing, &ind.input, &ind.rule) {
            (Some(z), _, _) => z.missing_slots(&env),
            (None, Input::Expr(e), _) if ind.params.is_empty() => e.missing_slots(&env),
            (None, Input::Checklist(items), _) => missing_in(items, &env),
            (None, Input::None, Rule::LevelProgress(_)) => missing_in(&ind.rule.expr_slots(), &env),
            _ => return None,
        };
        let mut fields = missing_fields_in(set, &env, &blank, Some(names));
        if fields.is_empty() {
            fields.push((Text::from("descendants"), Text::from("下级单位数据")));
        }
        add(fields);
    }
    // The vetoes read every slot.
    let env = RowEnv {
        vals,
        class,
        set,
        before: usize::MAX / 4,
        bonus_before: usize::MAX / 4,
    };
    for c in f
        .calls
        .iter()
        .filter(|c| c.outcome == VetoOutcome::Undecided)
    {
        let blank = set.vetoes.get(c.index)?.when.missing_slots(&env);
        add(missing_fields_in(set, &env, &blank, Some(names)));
    }
    Some(out)
}

/// The slots of `slots` without a value in `env`.
fn missing_in(slots: &[u32], env: &dyn Env) -> Vec<u32> {
    slots
        .iter()
        .copied()
        .filter(|s| env.get(*s).is_none())
        .collect()
}

/// Compute derived values of a unit in evaluation order.
fn fill_derived(
    kind: &Kind,
    n_cases: usize,
    vals: &mut Vec<Option<Val>>,
    unit: usize,
    ev: &Evidence,
    child_vals: &[Vec<Option<Val>>],
) {
    let _ = n_cases;
    fill_derived_in(kind, &kind.eval_order, vals, unit, ev, child_vals);
}

/// [`fill_derived`] for the derived values `order` only (a part of `kind.eval_order`, in its
/// order).
fn fill_derived_in(
    kind: &Kind,
    order: &[usize],
    vals: &mut Vec<Option<Val>>,
    unit: usize,
    ev: &Evidence,
    child_vals: &[Vec<Option<Val>>],
) {
    let base = kind.layout.derived as usize;
    if vals.len() < base + kind.derived.len() {
        vals.resize(base + kind.derived.len(), None);
    }
    for &d in order {
        let Some(derived) = kind.derived.get(d) else {
            continue;
        };
        let r = {
            let env = SlotEnv {
                vals,
                unit,
                ev,
                child_vals,
            };
            derived.expr.eval(&env)
        };
        // Unknown stays None: the item reading it names the blanks behind it
        // (`UnitCtx::missing_fields`).
        vals[base + d] = r
            .ok()
            .map(|v| crate::model::val_as_written(v, derived.decimals));
    }
}

/// Slot vectors of descendant-kind units (fields, case counts, derived), by unit index.
fn child_values(set: &IndicatorSet, ev: &Evidence, lower: &[Assessment]) -> Vec<Vec<Option<Val>>> {
    let n_cases = set.case_types.len();
    // Results of descendant kinds assessed by other sets of the same run, by unit id.
    let by_kind: Vec<Option<(&Assessment, std::collections::BTreeMap<&str, &UnitResult>)>> = set
        .kinds
        .iter()
        .map(|k| {
            lower
                .iter()
                .find(|a| a.indicator_set.unit_kind == k.id)
                .map(|a| (a, a.units.iter().map(|u| (u.id.as_str(), u)).collect()))
        })
        .collect();
    (0..ev.units.len())
        .into_par_iter()
        .map(|i| {
            let u = &ev.units[i];
            match u.kind {
                Some(k) if k > 0 => {
                    let mut vals = u.values.clone();
                    let lay = set.kinds[k].layout;
                    vals.resize(lay.end as usize, None);
                    if let Some(Some((a, index))) = by_kind.get(k)
                        && let Some(r) = index.get(u.id.as_str())
                    {
                        // A withheld result is unknown to the level above (a fired veto
                        // still decides `passed` and `vetoed`).
                        let grade_rank = r.grade.as_ref().map(|label| {
                            a.grades
                                .iter()
                                .position(|g| &g.label == label)
                                .map_or(0, |g| g + 1)
                        });
                        let lowest = a.grades.last().map(|g| &g.label);
                        let passed = match (&r.grade, r.vetoed) {
                            (_, true) => Some(false),
                            (Some(g), false) => Some(Some(g) != lowest),
                            (None, false) => None,
                        };
                        let got = [
                            r.total.map(Val::Num),
                            r.score.map(Val::Num),
                            r.rank.map(|x| Val::Num(Decimal::from(x))),
                            grade_rank.map(|x| Val::Num(Decimal::from(x))),
                            passed.map(Val::Bool),
                            Some(Val::Bool(r.vetoed)),
                        ];
                        for (j, v) in got.into_iter().enumerate() {
                            vals[lay.results as usize + j] = v;
                        }
                    }
                    fill_derived(&set.kinds[k], n_cases, &mut vals, i, ev, &[]);
                    vals
                }
                _ => Vec::new(),
            }
        })
        .collect()
}

/// The values of a scored unit before scoring: its fields, case counts and derived values,
/// as `(id, value)` pairs (`None` when missing or undefined).
pub fn unit_values(set: &IndicatorSet, ev: &Evidence, unit: usize) -> Vec<(String, Option<Val>)> {
    let kind = set.unit_kind();
    let child_vals = child_values(set, ev, &[]);
    let mut vals = ev
        .units
        .get(unit)
        .map(|u| u.values.clone())
        .unwrap_or_default();
    fill_derived(kind, set.case_types.len(), &mut vals, unit, ev, &child_vals);
    (0..set.slots.points)
        .map(|s| (set.slot_name(s).0, vals.get(s as usize).copied().flatten()))
        .collect()
}

/// Earlier scorecards of the same kind of unit, most recent first, indexed by unit id.
struct HistIndex<'a> {
    years: Vec<std::collections::BTreeMap<&'a str, &'a UnitResult>>,
}

impl<'a> HistIndex<'a> {
    fn new(set: &IndicatorSet, history: &'a [Assessment]) -> Self {
        let mut past: Vec<&Assessment> = history
            .iter()
            .filter(|a| {
                a.indicator_set.unit_kind == set.unit_kind().id && a.period.to < set.effective.from
            })
            .collect();
        past.sort_by_key(|a| std::cmp::Reverse(a.period.to));
        Self {
            years: past
                .iter()
                .map(|a| a.units.iter().map(|u| (u.id.as_str(), u)).collect())
                .collect(),
        }
    }

    fn get(&self, years: u8, unit: &str, key: &str) -> Option<Val> {
        let u = self
            .years
            .get(usize::from(years).checked_sub(1)?)?
            .get(unit)?;
        match key {
            "total" => u.total.map(Val::Num),
            "score" => u.score.map(Val::Num),
            "rank" => u.rank.map(|r| Val::Num(Decimal::from(r))),
            _ => u.values.get(key),
        }
    }
}

/// A scored unit's value vector before scoring (fields, layers, cases, history, derived,
/// comparatives) and why missing derived values are missing.
type Prepared = Vec<Option<Val>>;

fn prepare(
    set: &IndicatorSet,
    ev: &Evidence,
    hist: &HistIndex,
    child_vals: &[Vec<Option<Val>>],
) -> Vec<Prepared> {
    let slots = set.slots;
    let kind = set.unit_kind();
    let mut prepared: Vec<Prepared> = ev
        .scored
        .par_iter()
        .map(|&ui| {
            let unit = &ev.units[ui];
            let mut vals = unit.values.clone();
            vals.resize(slots.len as usize, None);
            for (k, d) in set.dynamic.iter().enumerate() {
                if let DynKind::Last { years, key } = &d.kind {
                    vals[slots.dynamic as usize + k] = hist.get(*years, &unit.id, key);
                }
            }
            fill_derived(kind, set.case_types.len(), &mut vals, ui, ev, child_vals);
            vals.resize(slots.len as usize, None);
            let num = |vals: &[Option<Val>], s: u32| match vals.get(s as usize).copied().flatten() {
                Some(Val::Num(d)) => Some(d),
                _ => None,
            };
            for (k, d) in set.dynamic.iter().enumerate() {
                let v = match &d.kind {
                    DynKind::Mean3 { cur, last, last2 } => {
                        let xs: Vec<Decimal> = [*cur, *last, *last2]
                            .iter()
                            .filter_map(|s| num(&vals, *s))
                            .collect();
                        mean(&xs)
                    }
                    DynKind::Change { cur, last } => match (num(&vals, *cur), num(&vals, *last)) {
                        (Some(a), Some(b)) => a.checked_sub(b),
                        _ => None,
                    },
                    _ => continue,
                };
                // Computed: no written decimals to keep (see `num::show_written`).
                vals[slots.dynamic as usize + k] = v.map(|d| Val::Num(d.normalize()));
            }
            vals
        })
        .collect();
    // Statistics over units (peer group / all), over the units that have the value, taken
    // serially in input order.
    for (k, d) in set.dynamic.iter().enumerate() {
        let DynKind::Across { cur, peer, stat } = d.kind else {
            continue;
        };
        let n_groups = set.peer_groups.len() + 1;
        let group = |ui: usize| {
            if peer {
                ev.units[ui].peer_group.map_or(n_groups - 1, |g| g)
            } else {
                0
            }
        };
        let own: Vec<Option<Decimal>> = prepared
            .iter()
            .map(|p| match p.get(cur as usize).copied().flatten() {
                Some(Val::Num(x)) => Some(x),
                _ => None,
            })
            .collect();
        let mut values: Vec<Vec<Decimal>> = vec![Vec::new(); n_groups];
        for (pos, &ui) in ev.scored.iter().enumerate() {
            if let Some(x) = own[pos] {
                values[group(ui)].push(x);
            }
        }
        let slot = slots.dynamic as usize + k;
        // Each group's statistic once, and a rank by binary search in its sorted values: a
        // mean taken again for every unit was quadratic (10^10 additions at 100,000 units).
        let once: Vec<Option<Decimal>> = values.iter().map(|v| across(stat, v, None)).collect();
        let sorted: Vec<Vec<Decimal>> = if matches!(stat, crate::model::Stat::Rank) {
            values
                .iter()
                .map(|v| {
                    let mut v = v.clone();
                    v.sort_unstable();
                    v
                })
                .collect()
        } else {
            Vec::new()
        };
        for (pos, &ui) in ev.scored.iter().enumerate() {
            let g = group(ui);
            let v = match stat {
                crate::model::Stat::Rank => own[pos].and_then(|o| {
                    let s = &sorted[g];
                    let above = s.len() - s.partition_point(|x| *x <= o);
                    Some(Decimal::from(u64::try_from(above).ok()? + 1))
                }),
                _ => once[g],
            };
            prepared[pos][slot] = v.map(Val::Num);
        }
    }
    prepared
}

/// One statistic over a group's values (`own`: this unit's value, for its rank). None when it
/// cannot be computed: no value, an overflowing sum, or a rank without an own value.
fn across(stat: crate::model::Stat, values: &[Decimal], own: Option<Decimal>) -> Option<Decimal> {
    use crate::model::Stat;
    match stat {
        Stat::Mean => mean(values),
        Stat::Min => values.iter().copied().min(),
        Stat::Max => values.iter().copied().max(),
        Stat::Rank => {
            let own = own?;
            let above = values.iter().filter(|x| **x > own).count();
            Some(Decimal::from(u64::try_from(above).ok()? + 1))
        }
    }
}

/// Score every unit of the scored kind, then rank. Errors only when an indicator with
/// `on_missing: error` lacks evidence.
pub fn assess(set: &IndicatorSet, ev: &Evidence) -> Result<Assessment, Diagnostics> {
    assess_with(set, ev, &[])
}

/// Score with earlier scorecards as history (`last.x`, `mean3.x`, `change.x`, year-over-year).
/// Scorecards of another unit kind, or not before this set's period, are ignored.
pub fn assess_with(
    set: &IndicatorSet,
    ev: &Evidence,
    history: &[Assessment],
) -> Result<Assessment, Diagnostics> {
    assess_run(set, ev, history, &[])
}

/// Score one level of a multi-level run: `lower` holds the assessments of other levels already
/// scored in this run, whose results descendant kinds read as `result.total`, `result.passed` ….
pub fn assess_run(
    set: &IndicatorSet,
    ev: &Evidence,
    history: &[Assessment],
    lower: &[Assessment],
) -> Result<Assessment, Diagnostics> {
    let mut units = if ev.phases.is_empty() {
        score_units(set, ev, history, lower)?
    } else {
        let mut per_phase = Vec::with_capacity(ev.phases.len());
        for pev in &ev.phases {
            per_phase.push(score_units(set, pev, history, lower)?);
        }
        combine_phases(set, per_phase)?
    };
    rank(&mut units);
    Ok(wrap(set, ev, units))
}

/// Score every unit of one evidence set (one phase), unranked, in input order.
fn score_units(
    set: &IndicatorSet,
    ev: &Evidence,
    history: &[Assessment],
    lower: &[Assessment],
) -> Result<Vec<UnitResult>, Diagnostics> {
    // Descendant-kind units first: their derived values feed aggregations.
    let child_vals = child_values(set, ev, lower);
    let cat = Catalog::new(set);
    let hist = HistIndex::new(set, history);
    let prepared = prepare(set, ev, &hist, &child_vals);
    let results: Vec<Result<UnitResult, Vec<Diagnostic>>> = ev
        .scored
        .par_iter()
        .zip(prepared.into_par_iter())
        .map(|(&i, p)| score_unit(set, &cat, ev, i, &child_vals, p))
        .collect();
    every_unit(results)
}

/// The units scored, or every unit's errors together.
fn every_unit(
    results: Vec<Result<UnitResult, Vec<Diagnostic>>>,
) -> Result<Vec<UnitResult>, Diagnostics> {
    let mut units = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(u) => units.push(u),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics::new(errors));
    }
    Ok(units)
}

/// Whether unit `ui` reported nothing: no value of its own, no case and no unit below it (its
/// status is then 无佐证 and it has no total).
fn reported_nothing(set: &IndicatorSet, ev: &Evidence, ui: usize) -> bool {
    let unit = &ev.units[ui];
    unit.cases.is_empty()
        && ev
            .descendants
            .get(ui)
            .is_none_or(|kinds| kinds.iter().all(Vec::is_empty))
        && unit
            .values
            .iter()
            .take(set.slots.cases as usize)
            .all(Option::is_none)
}

/// Time-weighted assessment: each unit's phase results combined by the phases' weights.
/// Points, lines, bonus and total are weighted means (rounded once by the set's rule); the
/// vetoes of every phase apply; the grade is taken again from the combined score.
fn combine_phases(
    set: &IndicatorSet,
    per_phase: Vec<Vec<UnitResult>>,
) -> Result<Vec<UnitResult>, Diagnostics> {
    let weights: Vec<Decimal> = set.phases.iter().map(|p| p.weight).collect();
    // An overflow marks the unit being combined, which is then an error.
    let overflow = std::cell::Cell::new(false);
    let mut overflowed: Vec<String> = Vec::new();
    // The loader checks that the weights' sum fits.
    let wsum = weights
        .iter()
        .try_fold(Decimal::ZERO, |t, w| t.checked_add(*w))
        .unwrap_or(Decimal::ONE);
    // Σ x·w ÷ Σ w exactly; when that overflows, Σ x·(w ÷ Σ w), which stays within the
    // largest |x|.
    let weighted = |xs: &[Decimal]| -> Decimal {
        let exact = xs
            .iter()
            .zip(&weights)
            .try_fold(Decimal::ZERO, |t, (x, w)| t.checked_add(x.checked_mul(*w)?))
            .and_then(|t| t.checked_div(wsum));
        let t = exact.or_else(|| {
            xs.iter()
                .zip(&weights)
                .try_fold(Decimal::ZERO, |t, (x, w)| {
                    t.checked_add(x.checked_mul(w.checked_div(wsum)?)?)
                })
        });
        if t.is_none() {
            overflow.set(true);
        }
        round_points(t.unwrap_or_default(), set.rounding)
    };
    let Some(last) = per_phase.last() else {
        return Ok(Vec::new());
    };
    let index: Vec<std::collections::BTreeMap<&str, &UnitResult>> = per_phase
        .iter()
        .map(|v| v.iter().map(|u| (u.id.as_str(), u)).collect())
        .collect();
    let combined = last
        .iter()
        .map(|base| {
            let phases: Vec<&UnitResult> = index
                .iter()
                .filter_map(|m| m.get(base.id.as_str()).copied())
                .collect();
            let mut u = base.clone();
            if phases.len() != weights.len() {
                return u;
            }
            // A figure is known when every phase knows it.
            let of = |f: &dyn Fn(&UnitResult) -> Option<Decimal>| -> Option<Vec<Decimal>> {
                phases.iter().map(|p| f(p)).collect()
            };
            for (k, ind) in u.indicators.iter_mut().enumerate() {
                let Some(pts) = of(&|p| p.indicators.get(k).and_then(|i| i.scored())) else {
                    if let Some(m) = phases
                        .iter()
                        .filter_map(|p| p.indicators.get(k))
                        .find(|i| i.scored().is_none())
                    {
                        *ind = m.clone();
                    }
                    continue;
                };
                ind.points = weighted(&pts);
                ind.reason = Reason::Phased(Box::new(Phased {
                    last: std::mem::replace(&mut ind.reason, Reason::Text(String::new())),
                    parts: set
                        .phases
                        .iter()
                        .zip(&pts)
                        .map(|(ph, x)| (Text::from(ph.name.as_str()), *x, ph.weight))
                        .collect(),
                    weights: wsum,
                    points: ind.points,
                }));
            }
            for (k, b) in u.bonus_items.iter_mut().enumerate() {
                if let Some(pts) = of(&|p| p.bonus_items.get(k).and_then(|i| i.scored())) {
                    b.points = weighted(&pts);
                }
            }
            for (k, l) in u.lines.iter_mut().enumerate() {
                l.points = of(&|p| p.lines.get(k).and_then(|x| x.points)).map(|x| weighted(&x));
            }
            u.bonus = of(&|p| p.bonus).map(|x| weighted(&x));
            u.bonus_uncapped = of(&|p| p.bonus_uncapped).map(|x| weighted(&x));
            u.total = of(&|p| p.total).map(|x| weighted(&x));
            u.score = of(&|p| p.score).map(|x| weighted(&x));
            u.status = if phases.iter().all(|p| p.status == UnitStatus::NoEvidence) {
                UnitStatus::NoEvidence
            } else {
                phases
                    .iter()
                    .map(|p| match p.status {
                        UnitStatus::NoEvidence => UnitStatus::Incomplete,
                        s => s,
                    })
                    .max()
                    .unwrap_or_default()
            };
            phase_vetoes_and_cases(set, &phases, &mut u);
            regrade_combined(set, &mut u);
            u.phases = set
                .phases
                .iter()
                .zip(&phases)
                .map(|(ph, p)| PhaseResult {
                    id: ph.id.clone(),
                    name: ph.name.clone(),
                    weight: ph.weight,
                    total: p.total,
                    score: p.score,
                    grade: p.grade.clone(),
                })
                .collect();
            if overflow.replace(false) {
                overflowed.push(u.id.clone());
            }
            u
        })
        .collect::<Vec<_>>();
    if overflowed.is_empty() {
        return Ok(combined);
    }
    Err(Diagnostics::new(
        overflowed
            .iter()
            .map(|id| {
                Diagnostic::file(
                    &set.file,
                    format!(
                        "unit `{id}`: its phases weighted together are beyond what can be \
                         computed exactly (28 significant digits): check the phase weights"
                    ),
                )
            })
            .collect(),
    ))
}

/// A phased unit's vetoes (each rule once, marked with the phase that fired it) and cases.
fn phase_vetoes_and_cases(set: &IndicatorSet, phases: &[&UnitResult], u: &mut UnitResult) {
    // Vetoes of every phase (first occurrence of each rule), marked with their phase.
    let mut vetoes: Vec<VetoResult> = Vec::new();
    for (ph, p) in set.phases.iter().zip(phases) {
        for v in &p.vetoes {
            if !vetoes.iter().any(|x| x.id == v.id) {
                let mut v = v.clone();
                v.reason = format!("{}({})", v.reason, ph.name);
                v.phase = Some(ph.name.clone());
                vetoes.push(v);
            }
        }
    }
    u.vetoes = vetoes;
    let mut cases = Vec::new();
    for (ph, p) in set.phases.iter().zip(phases) {
        for c in &p.cases {
            let mut c = c.clone();
            c.explanation = format!("[{}] {}", ph.name, c.explanation);
            c.why = c.why.map(|w| CaseWhy::Phase(ph.name.clone(), Box::new(w)));
            cases.push(c);
        }
    }
    u.cases = cases;
}

/// Grade a phased unit again from its combined score, then apply the vetoes' effects; the
/// grade is withheld while the score is, or a phase is pending, unless a veto failed the unit.
fn regrade_combined(set: &IndicatorSet, u: &mut UnitResult) {
    let lowest = set.grades.len().saturating_sub(1);
    let label = |g: usize| set.grades.get(g).map(|g| g.label.clone());
    let score_grade = u.score.map(|score| {
        set.grades
            .iter()
            .position(|g| g.min.is_none_or(|m| score >= m))
            .unwrap_or(lowest)
    });
    u.score_grade = score_grade.and_then(label);
    let mut grade = score_grade;
    u.vetoed = false;
    let effect = |id: &str| set.vetoes.iter().find(|x| x.id == id);
    for v in u.vetoes.iter().filter(|v| v.applied) {
        match effect(&v.id).map(|x| (&x.effect, x.scope)) {
            Some((Effect::Fail, _)) => {
                grade = Some(lowest);
                u.vetoed = true;
            }
            Some((Effect::Cap(c), Scope::Unit)) => grade = grade.map(|g| g.max(*c)),
            _ => {}
        }
    }
    if u.status == UnitStatus::Pending && !u.vetoed {
        grade = None;
    }
    if u.status == UnitStatus::NoEvidence {
        grade = None;
        u.vetoed = false;
    }
    u.grade = grade.and_then(label);
}

fn wrap(set: &IndicatorSet, ev: &Evidence, units: Vec<UnitResult>) -> Assessment {
    let mut a = shell(set, ev.period.as_deref());
    a.units = units;
    a
}

/// Whether a unit's result depends on its own evidence only — one kind of unit, no phases, no
/// statistic over other units (`peer_mean.x`, `all_rank.x` …) — so that its units can be scored
/// in pieces ([`score_piece`]) and ranked afterwards ([`ranking`]) with the same results.
pub fn independent(set: &IndicatorSet) -> bool {
    set.kinds.len() == 1
        && set.phases.is_empty()
        && !set
            .dynamic
            .iter()
            .any(|d| matches!(d.kind, DynKind::Across { .. }))
}

/// Some units of an [`independent`] set scored without history, unranked, in input order, for
/// outputs that write unit-level figures only (a large run's ranked CSV and summary): what
/// [`assess`] gives for them but the ranks, except that a complete unit whose items are all
/// common outcomes comes without its item results (`indicators`, `bonus_items`, `values` and
/// `corrections` empty; `points::score_unit_figures`). Every other unit is scored in full.
pub fn score_piece(set: &IndicatorSet, ev: &Evidence) -> Result<Vec<UnitResult>, Diagnostics> {
    debug_assert!(independent(set));
    let child_vals = child_values(set, ev, &[]);
    let cat = Catalog::new(set);
    let hist = HistIndex::new(set, &[]);
    let prepared = prepare(set, ev, &hist, &child_vals);
    // The caller scores pieces in parallel: one piece on one thread.
    let results: Vec<Result<UnitResult, Vec<Diagnostic>>> = ev
        .scored
        .iter()
        .zip(prepared)
        .map(
            |(&i, p)| match points::score_unit_figures(set, &cat, ev, i, &child_vals, p) {
                Ok(u) => Ok(u),
                Err(p) => score_unit(set, &cat, ev, i, &child_vals, p),
            },
        )
        .collect();
    every_unit(results)
}

/// An assessment of `set` with no units: the stamps, lines, grades and items every output heads
/// with (`period`: the evidence's period label, if it gave one).
pub fn shell(set: &IndicatorSet, period: Option<&str>) -> Assessment {
    Assessment {
        schema: SCHEMA.to_string(),
        engine: format!("kaohe {}", env!("CARGO_PKG_VERSION")),
        indicator_set: SetStamp {
            id: set.id.clone(),
            name: set.name.clone(),
            version: set.version.clone(),
            hash: set.hash.clone(),
            file: set.file.clone(),
            effective_from: set.effective.from,
            effective_to: set.effective.to,
            scale: set.scale,
            unit_kind: set.unit_kind().id.clone(),
            veto_only: set.veto_only,
        },
        period: PeriodStamp {
            label: period
                .map(str::to_string)
                .or_else(|| set.effective.label.clone())
                .unwrap_or_else(|| format!("{} 至 {}", set.effective.from, set.effective.to)),
            from: set.effective.from,
            to: set.effective.to,
        },
        lines: set
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineInfo {
                id: l.id.clone(),
                name: l.name.clone(),
                max: l.max,
                weight: match &set.combine {
                    Combine::Weighted(w) => w.get(i).copied(),
                    _ => None,
                },
            })
            .collect(),
        combine: match set.combine {
            Combine::Sum => "sum",
            Combine::Weighted(_) => "weighted",
            Combine::Separate => "separate",
        }
        .to_string(),
        grades: set.grades.iter().map(GradeInfo::from).collect(),
        peer_groups: set.peer_groups.iter().map(NamedInfo::from).collect(),
        sections: set
            .sections
            .iter()
            .map(|s| NamedInfo {
                id: s.id.clone(),
                name: s.name.clone(),
            })
            .collect(),
        indicators: set
            .indicators
            .iter()
            .map(|i| (i, false))
            .chain(
                set.bonus
                    .iter()
                    .flat_map(|b| b.items.iter())
                    .map(|i| (i, true)),
            )
            .map(|(i, bonus)| IndicatorInfo {
                id: i.id.clone(),
                name: i.name.clone(),
                line: i.line.map(|l| set.lines[l].id.clone()),
                section: i.section.map(|s| set.sections[s].name.clone()),
                max: i.max,
                bonus,
                rule_text: i.text.clone(),
                office: match (&i.office_lead, &i.office_responsible) {
                    (Some(l), Some(r)) => Some(format!("{l}牵头,{r}负责")),
                    (Some(l), None) => Some(format!("{l}牵头")),
                    (None, Some(r)) => Some(format!("{r}负责")),
                    (None, None) => None,
                },
                source: i.source.clone(),
                window: (i.period > 0)
                    .then(|| set.periods.get(i.period))
                    .flatten()
                    .map(|p| format!("{} {} 至 {}", p.name, p.from, p.to)),
            })
            .collect(),
        units: Vec::new(),
    }
}

/// What ranking reads of a unit: its status, whether an enforced veto failed it, its score and
/// its peer group (an index; any numbering that tells groups apart).
#[derive(Debug, Clone, Copy)]
pub struct RankKey {
    pub status: UnitStatus,
    pub vetoed: bool,
    pub score: Option<Decimal>,
    pub peer: Option<u32>,
}

impl RankKey {
    fn ranked(&self) -> bool {
        self.status == UnitStatus::Complete && self.score.is_some()
    }
}

/// A [`RankKey`] and its unit's id as words compared without indirection, in order: ranked
/// first, then status, vetoed ([`Compact::HEAD`]), the score descending (two words) and the id's
/// first 16 bytes (zero-padded: a strict order of prefixes is the ids' order); then `at`, the
/// unit's index. The size and alignment of a `RankKey`, so that the keys become these in place.
#[derive(Clone, Copy)]
struct Compact {
    key: [u32; 7],
    at: u32,
}

// The keys become `Compact`s in place only when both have the same size and alignment.
const _: () = assert!(
    std::mem::size_of::<Compact>() == std::mem::size_of::<RankKey>()
        && std::mem::align_of::<Compact>() == std::mem::align_of::<RankKey>()
);

impl Compact {
    /// Words of `key` that decide a rank (the rest only order ties).
    const HEAD: usize = 3;

    /// `score`: the score's place in the run's order of scores (higher first, `None` last).
    fn new(at: u32, k: &RankKey, score: i64, id: &[u8]) -> Compact {
        let head = (u32::from(!k.ranked()) << 4) | ((k.status as u32) << 1) | u32::from(k.vetoed);
        // Order-preserving as unsigned.
        let s = (score as u64) ^ (1 << 63);
        let mut pre = [0u8; 16];
        let l = id.len().min(16);
        pre[..l].copy_from_slice(&id[..l]);
        let w = |i: usize| u32::from_be_bytes([pre[i], pre[i + 1], pre[i + 2], pre[i + 3]]);
        Compact {
            key: [head, (s >> 32) as u32, s as u32, w(0), w(4), w(8), w(12)],
            at,
        }
    }

    fn ranked(&self) -> bool {
        self.key[0] >> 4 == 0
    }
}

/// Each score's place in the order of `keys`' scores, higher first and `None` last: the score
/// negated as a whole number of the run's smallest place when that fits in 64 bits, else its
/// index among the distinct scores.
fn score_places(keys: &[RankKey]) -> impl Fn(Option<Decimal>) -> i64 + use<> {
    let places = keys
        .iter()
        .filter_map(|k| k.score.map(|s| s.scale()))
        .max()
        .unwrap_or(0);
    let whole = move |s: Decimal| -> Option<i64> {
        let m = s
            .mantissa()
            .checked_mul(10i128.checked_pow(places.checked_sub(s.scale())?)?)?;
        // Negated: higher scores first; never i64::MAX (kept for no score).
        i64::try_from(m)
            .ok()?
            .checked_neg()
            .filter(|x| *x < i64::MAX)
    };
    let fits = keys
        .iter()
        .filter_map(|k| k.score)
        .all(|s| whole(s).is_some());
    let mut distinct: Vec<Decimal> = Vec::new();
    if !fits {
        distinct = keys.iter().filter_map(|k| k.score).collect();
        distinct.par_sort_unstable_by(|a, b| b.cmp(a));
        distinct.dedup();
    }
    move |s| match s {
        None => i64::MAX,
        Some(s) if fits => whole(s).unwrap_or(i64::MAX),
        Some(s) => distinct
            .binary_search_by(|x| s.cmp(x))
            .map_or(i64::MAX, |i| i64::try_from(i).unwrap_or(i64::MAX)),
    }
}

/// The ranks of units given by their [`RankKey`]s: the output order (indices into the keys) and,
/// by index, the rank, the peer rank and the peer group's size (its ranked units), 0 for none —
/// four bytes a unit each, for runs of millions.
#[derive(Debug, Default)]
pub struct Ranking {
    pub order: Vec<u32>,
    rank: Vec<u32>,
    peer_rank: Vec<u32>,
    peer_size: Vec<u32>,
}

impl Ranking {
    pub fn rank(&self, i: usize) -> Option<u32> {
        self.rank.get(i).copied().filter(|&r| r > 0)
    }

    pub fn peer_rank(&self, i: usize) -> Option<u32> {
        self.peer_rank.get(i).copied().filter(|&r| r > 0)
    }

    /// The ranked units of the unit's peer group (Some(0) when none is ranked); None without a
    /// group.
    fn peer_size(&self, i: usize, has_group: bool) -> Option<u32> {
        has_group.then(|| self.peer_size.get(i).copied().unwrap_or(0))
    }
}

/// Competition ranking ("1224") of the complete units: equal scores share a rank; units
/// failed by an enforced veto rank below every other complete unit. Units that are not
/// complete (incomplete, pending, no evidence) get no rank and are listed after the ranked
/// ones, by status and then unit id (`by_id` compares two units' ids), like a DNF in a race.
/// Output order: rank, then unit id (then input order, should two ids be equal). Peer ranks the
/// same way within each group, in one pass.
pub fn ranking<'i>(keys: Vec<RankKey>, id: impl Fn(usize) -> &'i [u8] + Sync) -> Ranking {
    let n = keys.len();
    let peers: Vec<u32> = if keys.iter().any(|k| k.peer.is_some()) {
        keys.iter().map(|k| k.peer.unwrap_or(u32::MAX)).collect()
    } else {
        Vec::new()
    };
    let place = score_places(&keys);
    // In place: the keys are not needed past this.
    let mut c: Vec<Compact> = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let at = u32::try_from(i).unwrap_or(u32::MAX);
            Compact::new(at, &k, place(k.score), id(i))
        })
        .collect();
    // Compared in registers; ids only past their first 16 bytes.
    c.par_sort_unstable_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then_with(|| id(a.at as usize).cmp(id(b.at as usize)))
            .then(a.at.cmp(&b.at))
    });
    let mut out = Ranking {
        order: Vec::new(),
        rank: vec![0; n],
        peer_rank: vec![0; n],
        peer_size: vec![0; n],
    };
    let sat = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
    let tie = |c: &Compact| -> [u32; Compact::HEAD] { [c.key[0], c.key[1], c.key[2]] };
    let mut prev = None;
    let mut r = 0u32;
    for (pos, k) in c.iter().enumerate() {
        if !k.ranked() {
            continue;
        }
        if prev != Some(tie(k)) {
            r = sat(pos);
            prev = Some(tie(k));
        }
        out.rank[k.at as usize] = r;
    }
    // Per group, in the same order: position, previous key and rank so far.
    let groups = peers
        .iter()
        .filter(|g| **g != u32::MAX)
        .max()
        .map_or(0, |g| *g as usize + 1);
    if groups > 0 {
        let mut size = vec![0u32; groups];
        for k in c.iter().filter(|k| k.ranked()) {
            if let Some(s) = size.get_mut(peers[k.at as usize] as usize) {
                *s = s.saturating_add(1);
            }
        }
        let mut at: Vec<(usize, Option<[u32; Compact::HEAD]>, u32)> = vec![(0, None, 0); groups];
        for k in &c {
            let i = k.at as usize;
            let g = peers[i] as usize;
            let Some((pos, prev, r)) = at.get_mut(g) else {
                continue;
            };
            out.peer_size[i] = size[g];
            if k.ranked() {
                if *prev != Some(tie(k)) {
                    *r = sat(*pos);
                    *prev = Some(tie(k));
                }
                out.peer_rank[i] = *r;
            }
            *pos += 1;
        }
    }
    out.order = c.into_iter().map(|k| k.at).collect();
    out
}

/// [`ranking`] applied to scored units: sorted into the output order, with their ranks.
pub fn rank(units: &mut [UnitResult]) {
    let mut names: Vec<&str> = units
        .iter()
        .filter_map(|u| u.peer_group.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    let keys: Vec<RankKey> = units
        .iter()
        .map(|u| RankKey {
            status: u.status,
            vetoed: u.vetoed,
            score: u.score,
            peer: u
                .peer_group
                .as_deref()
                .and_then(|p| names.binary_search(&p).ok())
                .and_then(|g| u32::try_from(g).ok()),
        })
        .collect();
    let grouped: Vec<bool> = keys.iter().map(|k| k.peer.is_some()).collect();
    let r = ranking(keys, |i| units[i].id.as_bytes());
    for (i, u) in units.iter_mut().enumerate() {
        u.rank = r.rank(i);
        if grouped[i] {
            u.peer_rank = r.peer_rank(i);
            u.peer_size = r.peer_size(i, true);
        }
    }
    // Into the output order: each unit swapped straight to its place.
    let mut place = vec![0usize; units.len()];
    for (p, &i) in r.order.iter().enumerate() {
        place[i as usize] = p;
    }
    for i in 0..units.len() {
        while place[i] != i {
            let j = place[i];
            units.swap(i, j);
            place.swap(i, j);
        }
    }
}

struct Scored {
    points: Decimal,
    status: Status,
    reason: Reason,
    /// Extra points allowed above max (bonus_above).
    extra: Decimal,
}

fn score_unit(
    set: &IndicatorSet,
    cat: &Catalog,
    ev: &Evidence,
    ui: usize,
    child_vals: &[Vec<Option<Val>>],
    prepared: Prepared,
) -> Result<UnitResult, Vec<Diagnostic>> {
    let unit = &ev.units[ui];
    let vals = prepared;
    let cx = UnitCtx {
        set,
        ev,
        ui,
        unit,
        child_vals,
    };
    let mut w = UnitWork {
        vals,
        errors: Vec::new(),
        case_charges: vec![None; unit.cases.len()],
        lines: LineWork::new(set),
    };
    let ind_results = w.score_indicators(&cx, cat);
    let bonus = w.score_bonus(&cx, cat);
    let (total, fired, line_zeroed) = w.total_and_vetoes(&cx, bonus.total);
    let graded = w.grade(&cx, total);
    let (score, score_grade) = (graded.score, graded.score_grade);
    let decided = apply_vetoes(set, graded, &fired);
    let line_res = w.line_results(set, &decided.line_grade, &line_zeroed);
    let Decided {
        mut grade,
        mut vetoed,
        pending,
        mut veto_results,
        ..
    } = decided;
    let UnitWork {
        vals,
        errors,
        case_charges,
        lines,
    } = w;
    let max_possible = lines.max_possible;
    let mut bonus_results = bonus.results;
    let (bonus, bonus_uncapped) = (bonus.total, bonus.uncapped);
    let mut ind_results = ind_results;
    let cases = case_results(set, unit, &case_charges);
    if !errors.is_empty() {
        return Err(errors);
    }
    let incomplete = ind_results
        .iter()
        .chain(&bonus_results)
        .any(|r| r.status == Status::MissingEvidence);
    let no_evidence = reported_nothing(set, ev, ui);
    let status = unit_status(no_evidence, incomplete, pending);
    if no_evidence {
        grade = None;
        vetoed = false;
    }
    let (total, score) = if no_evidence || set.veto_only {
        // A set of vetoes alone has no points: its outcome is the grade 通过 or 否决.
        (None, None)
    } else {
        (total, score)
    };
    let score_grade = if set.veto_only { None } else { score_grade };
    if set.veto_only && pending {
        grade = None;
    }
    let parent = unit.parent.map(|p| ev.units[p].id.clone());
    let corrections = corrections(set, cat, &vals);
    let unit_slots = link_inputs(
        cat,
        vals,
        &mut ind_results,
        &mut bonus_results,
        &mut veto_results,
        &fired,
        &cx,
    );
    let mut result = UnitResult {
        missing: Vec::new(),
        documents: unit.documents.clone(),
        phases: Vec::new(),
        corrections,
        values: Values::Slots(unit_slots),
        id: unit.id.clone(),
        name: unit.name.clone(),
        kind: unit.kind_id.clone(),
        class: unit.class.map(|c| set.classes[c].id.clone()),
        peer_group: unit.peer_group.map(|p| set.peer_groups[p].id.clone()),
        parent,
        status,
        total,
        max_possible,
        score,
        grade: grade
            .and_then(|g| set.grades.get(g))
            .map(|g| g.label.clone()),
        score_grade: score_grade
            .and_then(|g| set.grades.get(g))
            .map(|g| g.label.clone()),
        vetoed,
        rank: None,
        peer_rank: None,
        peer_size: None,
        lines: line_res,
        bonus,
        bonus_uncapped,
        indicators: ind_results,
        bonus_items: bonus_results,
        vetoes: veto_results,
        cases,
    };
    result.missing = result
        .missing_fields()
        .into_iter()
        .map(|(id, name)| NamedInfo { id, name })
        .collect();
    Ok(result)
}

/// Per line of a unit: points, the most it could score, and the maxima to respread.
struct LineWork {
    points: Vec<Decimal>,
    /// A line whose points are unknown (an item lacks evidence, or an undecided veto may zero
    /// it).
    unknown: Vec<bool>,
    possible: Vec<Decimal>,
    respread: Vec<Decimal>,
    bonus: Vec<Decimal>,
    max_possible: Decimal,
}

impl LineWork {
    fn new(set: &IndicatorSet) -> Self {
        let nl = set.lines.len();
        LineWork {
            points: vec![Decimal::ZERO; nl],
            unknown: vec![false; nl],
            possible: set.lines.iter().map(|l| l.max).collect(),
            respread: vec![Decimal::ZERO; nl],
            bonus: vec![Decimal::ZERO; nl],
            max_possible: Decimal::ZERO,
        }
    }
}

/// A unit being scored: its slot values (filled as items are scored), the case charges, the
/// lines, and any error (`on_missing: error`).
struct UnitWork {
    vals: Vec<Option<Val>>,
    errors: Vec<Diagnostic>,
    case_charges: Vec<Option<(String, Decimal, rules::per_case::Charge)>>,
    lines: LineWork,
}

/// The bonus items of a unit (None when a bonus item lacks evidence).
struct BonusWork {
    results: Vec<IndicatorResult>,
    uncapped: Option<Decimal>,
    /// After the set's bonus cap.
    total: Option<Decimal>,
}

/// Score and grades before vetoes (None when the total is withheld).
#[derive(Clone)]
struct Graded {
    score: Option<Decimal>,
    score_grade: Option<usize>,
    grade: Option<usize>,
    line_grade: Vec<Option<usize>>,
}

/// A veto decided for one unit: its index, its outcome and whether it changes the result.
#[derive(Clone, Copy)]
pub struct VetoCall {
    /// Index into the set's vetoes.
    pub index: usize,
    pub outcome: VetoOutcome,
    /// Whether it acts on the unit (fired and enforced).
    pub applied: bool,
}

impl UnitWork {
    /// Every indicator in order (an item may read the points of those before it); N/A maxima
    /// dropped or respread over the line.
    fn score_indicators(&mut self, cx: &UnitCtx<'_>, cat: &Catalog) -> Vec<IndicatorResult> {
        let (set, unit) = (cx.set, cx.unit);
        let mut results = Vec::with_capacity(set.indicators.len());
        for (k, ind) in set.indicators.iter().enumerate() {
            let max = ind.max_for(unit.class);
            let (res, charges) = score_indicator(
                cx,
                &cat.indicators[k],
                ind,
                max,
                &self.vals,
                &mut self.errors,
            );
            if let Some(l) = ind.line {
                let lines = &mut self.lines;
                let fits = if res.status == Status::NotApplicable {
                    match ind.na_policy {
                        NaPolicy::Drop => add(&mut lines.possible[l], -max),
                        NaPolicy::Respread => add(&mut lines.respread[l], max),
                    }
                } else {
                    if res.status == Status::MissingEvidence {
                        lines.unknown[l] = true;
                    }
                    max.checked_sub(ind.max)
                        .is_some_and(|d| add(&mut lines.possible[l], d))
                        && add(&mut lines.points[l], res.points)
                };
                if !fits {
                    self.errors.push(cx.overflow(format_args!(
                        "line `{}`: its points with indicator `{}` ({}, {} points)",
                        set.lines[l].id,
                        ind.id,
                        ind.name,
                        show(res.points)
                    )));
                }
            }
            self.charge(&ind.id, charges);
            self.vals[set.slots.points as usize + k] = res.scored().map(Val::Num);
            results.push(res);
        }
        // Respread: scale the line's points up over what applies.
        let lines = &mut self.lines;
        for l in 0..set.lines.len() {
            if lines.respread[l] > Decimal::ZERO {
                let applicable = lines.possible[l].checked_sub(lines.respread[l]);
                if applicable.is_none_or(|a| a > Decimal::ZERO) {
                    match applicable.and_then(|a| {
                        lines.points[l]
                            .checked_mul(lines.possible[l])
                            .and_then(|x| x.checked_div(a))
                    }) {
                        Some(scaled) => lines.points[l] = round_points(scaled, set.rounding),
                        None => self.errors.push(cx.overflow(format_args!(
                            "line `{}`: its points respread over the applicable maxima",
                            set.lines[l].id
                        ))),
                    }
                }
            }
        }
        results
    }

    fn charge(&mut self, item: &str, charges: Vec<(usize, Decimal, rules::per_case::Charge)>) {
        for (ci, amount, why) in charges {
            self.case_charges[ci] = Some((item.to_string(), amount, why));
        }
    }

    /// The bonus items, and the bonus after the set's cap.
    fn score_bonus(&mut self, cx: &UnitCtx<'_>, cat: &Catalog) -> BonusWork {
        let set = cx.set;
        let mut results = Vec::new();
        let mut uncapped = Some(Decimal::ZERO);
        if let Some(b) = &set.bonus {
            for (k, item) in b.items.iter().enumerate() {
                let max = item.max_for(cx.unit.class);
                let (res, charges) =
                    score_indicator(cx, &cat.bonus[k], item, max, &self.vals, &mut self.errors);
                self.charge(&item.id, charges);
                self.vals[set.slots.bonus_items as usize + k] = res.scored().map(Val::Num);
                let mut fits = true;
                if let (Some(u), Some(p)) = (uncapped.as_mut(), res.scored()) {
                    fits = add(u, p);
                } else {
                    uncapped = None;
                }
                if let Some(l) = item.line {
                    fits &= add(&mut self.lines.bonus[l], res.points);
                }
                if !fits {
                    self.errors.push(cx.overflow(format_args!(
                        "the bonus with item `{}` ({}, {} points)",
                        item.id,
                        item.name,
                        show(res.points)
                    )));
                }
                results.push(res);
            }
        }
        let total = uncapped.map(|u| match set.bonus.as_ref().and_then(|b| b.cap) {
            Some(cap) if u > cap => cap,
            _ => u,
        });
        BonusWork {
            results,
            uncapped,
            total,
        }
    }

    /// The total from the lines (summed or weighted) plus the bonus; None when a line or the
    /// bonus is unknown, or (with an error) when it overflows.
    fn compute_total(&mut self, cx: &UnitCtx<'_>, bonus: Option<Decimal>) -> Option<Decimal> {
        let set = cx.set;
        let line_points = &self.lines.points;
        if self.lines.unknown.iter().any(|u| *u) {
            return None;
        }
        let bonus = bonus?;
        let total = match &set.combine {
            Combine::Sum | Combine::Separate => {
                line_points.iter().try_fold(bonus, |t, p| t.checked_add(*p))
            }
            Combine::Weighted(w) => {
                let wsum = w.iter().try_fold(Decimal::ZERO, |t, x| t.checked_add(*x));
                set.lines
                    .iter()
                    .enumerate()
                    .try_fold(Decimal::ZERO, |t, (i, l)| {
                        line_points[i]
                            .checked_div(l.max)
                            .and_then(|x| x.checked_mul(w.get(i).copied()?))
                            .and_then(|x| x.checked_div(wsum?))
                            .and_then(|x| x.checked_mul(set.scale))
                            .and_then(|x| t.checked_add(x))
                    })
                    .and_then(|t| round_points(t, set.rounding).checked_add(bonus))
            }
        };
        if total.is_none() {
            self.errors
                .push(cx.overflow("the total of its lines and bonus"));
        }
        total
    }

    fn set_total_slots(
        &mut self,
        set: &IndicatorSet,
        bonus: Option<Decimal>,
        total: Option<Decimal>,
    ) {
        let slots = set.slots;
        for (i, p) in self.lines.points.iter().enumerate() {
            self.vals[slots.lines as usize + i] = (!self.lines.unknown[i]).then_some(Val::Num(*p));
        }
        self.vals[slots.bonus as usize] = bonus.map(Val::Num);
        self.vals[slots.total as usize] = total.map(Val::Num);
    }

    /// The total, and the vetoes that fire or cannot be decided (with whether each is
    /// applied). Line-zeroing vetoes are decided first and change the lines and the total the
    /// other vetoes read; one that cannot be decided leaves its line unknown.
    fn total_and_vetoes(
        &mut self,
        cx: &UnitCtx<'_>,
        bonus: Option<Decimal>,
    ) -> (Option<Decimal>, Vec<VetoCall>, Vec<Option<String>>) {
        let set = cx.set;
        let mut line_zeroed: Vec<Option<String>> = vec![None; set.lines.len()];
        let mut calls: Vec<VetoCall> = Vec::new();
        let mut total = self.compute_total(cx, bonus);
        self.set_total_slots(set, bonus, total);
        let mut changed = false;
        for (vi, v) in set.vetoes.iter().enumerate() {
            let (Effect::Zero, Scope::Line(l), VetoMode::Enforced) = (&v.effect, v.scope, v.mode)
            else {
                continue;
            };
            match v.when.eval_bool(&cx.env(&self.vals)) {
                Ok(true) => {
                    calls.push(VetoCall {
                        index: vi,
                        outcome: VetoOutcome::Fired,
                        applied: true,
                    });
                    line_zeroed[l] = Some(v.id.clone());
                    changed = true;
                }
                Ok(false) => {}
                Err(_) => {
                    calls.push(VetoCall {
                        index: vi,
                        outcome: VetoOutcome::Undecided,
                        applied: false,
                    });
                    if self.lines.unknown[l] || !self.lines.points[l].is_zero() {
                        self.lines.unknown[l] = true;
                        changed = true;
                    }
                }
            }
        }
        if changed {
            for (l, z) in line_zeroed.iter().enumerate() {
                if z.is_some() {
                    self.lines.points[l] = Decimal::ZERO;
                    self.lines.unknown[l] = false;
                }
            }
            total = self.compute_total(cx, bonus);
            self.set_total_slots(set, bonus, total);
        }
        for (vi, v) in set.vetoes.iter().enumerate() {
            if calls.iter().any(|c| c.index == vi) {
                continue;
            }
            let outcome = match v.when.eval_bool(&cx.env(&self.vals)) {
                Ok(true) => VetoOutcome::Fired,
                Ok(false) => continue,
                Err(_) => VetoOutcome::Undecided,
            };
            calls.push(VetoCall {
                index: vi,
                outcome,
                applied: outcome == VetoOutcome::Fired && v.mode == VetoMode::Enforced,
            });
        }
        calls.sort_by_key(|c| c.index);
        (total, calls, line_zeroed)
    }

    /// The score on the full scale (when N/A maxima were dropped) and the grades it gives,
    /// per line too when lines are graded separately. None when the total is withheld.
    fn grade(&mut self, cx: &UnitCtx<'_>, total: Option<Decimal>) -> Graded {
        let set = cx.set;
        let lines = &mut self.lines;
        let possible = match &set.combine {
            Combine::Weighted(_) => Some(set.scale),
            _ => lines
                .possible
                .iter()
                .try_fold(Decimal::ZERO, |t, x| t.checked_add(*x)),
        };
        let Some(max_possible) = possible else {
            self.errors
                .push(cx.overflow("the sum of the maxima that apply to it"));
            return Graded {
                score: None,
                score_grade: None,
                grade: None,
                line_grade: vec![None; set.lines.len()],
            };
        };
        lines.max_possible = max_possible;
        let score = match total {
            Some(total) if max_possible > Decimal::ZERO && max_possible != set.scale => {
                let scaled = total
                    .checked_mul(set.scale)
                    .and_then(|x| x.checked_div(max_possible));
                if scaled.is_none() {
                    self.errors.push(cx.overflow(format_args!(
                        "its total {} on the scale of {}",
                        show(total),
                        show(set.scale)
                    )));
                }
                scaled.map(|x| round_points(x, set.rounding))
            }
            t => t,
        };
        let score_grade = score.map(|s| grade_of(&set.grades, s));
        let mut line_grade: Vec<Option<usize>> = vec![None; set.lines.len()];
        if !matches!(set.combine, Combine::Separate) {
            return Graded {
                score,
                score_grade,
                grade: score_grade,
                line_grade,
            };
        }
        for (l, line) in set.lines.iter().enumerate() {
            if lines.unknown[l] {
                continue;
            }
            let p = lines.points[l].checked_add(lines.bonus[l]);
            let s = if lines.possible[l] > Decimal::ZERO && lines.possible[l] != line.max {
                p.and_then(|p| p.checked_mul(line.max))
                    .and_then(|x| x.checked_div(lines.possible[l]))
                    .map(|x| round_points(x, set.rounding))
            } else {
                p
            };
            let Some(s) = s else {
                self.errors.push(cx.overflow(format_args!(
                    "line `{}`: its points with its bonus on the line's maximum",
                    line.id
                )));
                continue;
            };
            line_grade[l] = Some(grade_of(&line.grades, s));
        }
        // The unit's grade is its lowest line grade (labels compared by position in the set's
        // list); unknown while a line is.
        let grade = if lines.unknown.iter().any(|u| *u) {
            None
        } else {
            line_grade
                .iter()
                .enumerate()
                .filter_map(|(l, g)| {
                    g.map(|g| {
                        let label = &set.lines[l].grades[g].label;
                        set.grades
                            .iter()
                            .position(|x| &x.label == label)
                            .unwrap_or(g)
                    })
                })
                .max()
                .or(score_grade)
        };
        Graded {
            score,
            score_grade,
            grade,
            line_grade,
        }
    }

    fn line_results(
        &self,
        set: &IndicatorSet,
        line_grade: &[Option<usize>],
        line_zeroed: &[Option<String>],
    ) -> Vec<LineResult> {
        set.lines
            .iter()
            .enumerate()
            .map(|(l, line)| LineResult {
                id: line.id.clone(),
                name: line.name.clone(),
                points: (!self.lines.unknown[l]).then_some(self.lines.points[l]),
                max: line.max,
                max_possible: self.lines.possible[l],
                grade: line_grade[l]
                    .and_then(|g| line.grades.get(g))
                    .map(|g| g.label.clone()),
                zeroed_by: line_zeroed[l].clone(),
            })
            .collect()
    }
}

/// The decision after the vetoes: the grade (None while withheld), whether the unit is
/// failed, whether an undecided veto keeps it pending, the line grades, and each veto's result.
struct Decided {
    grade: Option<usize>,
    vetoed: bool,
    pending: bool,
    line_grade: Vec<Option<usize>>,
    veto_results: Vec<VetoResult>,
}

/// The effects of the vetoes that fired, and whether those that cannot be decided would
/// change the decision (a fired failing veto decides the unit whatever else is unknown).
fn apply_vetoes(set: &IndicatorSet, graded: Graded, calls: &[VetoCall]) -> Decided {
    let Graded {
        grade, line_grade, ..
    } = graded;
    let mut line_grade = line_grade;
    let (grade, vetoed, pending) = decide(set, grade, &mut line_grade, calls);
    let mut veto_results = Vec::new();
    for c in calls {
        let v = &set.vetoes[c.index];
        veto_results.push(VetoResult {
            id: v.id.clone(),
            name: v.name.clone(),
            mode: v.mode,
            outcome: c.outcome,
            applied: c.applied,
            scope: match v.scope {
                Scope::Unit => "unit".to_string(),
                Scope::Line(l) => set.lines[l].id.clone(),
            },
            effect: veto_effect(set, v).render(crate::lang::Lang::Zh),
            effect_of: Some(veto_effect(set, v)),
            reason: v.reason.clone(),
            phase: None,
            trigger: v.when.source().to_string(),
            evidence: Inputs::default(),
            needs: Vec::new(),
        });
    }
    Decided {
        grade,
        vetoed,
        pending,
        line_grade,
        veto_results,
    }
}

/// The decision of [`apply_vetoes`] alone: the grade (None while withheld), whether the unit
/// is failed and whether it is pending; `line_grade` capped or failed by the vetoes.
fn decide(
    set: &IndicatorSet,
    mut grade: Option<usize>,
    line_grade: &mut [Option<usize>],
    calls: &[VetoCall],
) -> (Option<usize>, bool, bool) {
    let lowest = set.grades.len().saturating_sub(1);
    let mut vetoed = false;
    for c in calls.iter().filter(|c| c.applied) {
        let v = &set.vetoes[c.index];
        match (v.scope, &v.effect) {
            (Scope::Unit, Effect::Fail) => {
                grade = Some(lowest);
                vetoed = true;
            }
            (Scope::Unit, Effect::Cap(cap)) => grade = grade.map(|g| g.max(*cap)),
            (Scope::Line(l), Effect::Fail) => {
                line_grade[l] = Some(set.lines[l].grades.len().saturating_sub(1));
                grade = Some(lowest);
                vetoed = true;
            }
            (Scope::Line(l), Effect::Cap(cap)) => {
                let label = set.lines[l].grades.get(*cap).map(|g| g.label.as_str());
                line_grade[l] = Some(line_grade[l].unwrap_or(0).max(*cap));
                if let Some(gi) = set
                    .grades
                    .iter()
                    .position(|g| Some(g.label.as_str()) == label)
                {
                    grade = grade.map(|g| g.max(gi));
                }
            }
            (_, Effect::Zero) => {}
        }
    }
    // An undecided enforced veto matters unless a fired one already failed the unit, or (a
    // cap) the grade is already at or below its cap.
    let pending = !vetoed
        && calls.iter().any(|c| {
            let v = &set.vetoes[c.index];
            c.outcome == VetoOutcome::Undecided
                && v.mode == VetoMode::Enforced
                && match (v.scope, &v.effect) {
                    (Scope::Unit, Effect::Cap(cap)) => grade.is_none_or(|g| g < *cap),
                    _ => true,
                }
        });
    if pending {
        grade = None;
    }
    (grade, vetoed, pending)
}

/// A veto's effect as the set's names (`EffectOf::render`: `等次定为不合格`).
fn veto_effect(set: &IndicatorSet, v: &crate::model::Veto) -> EffectOf {
    let lowest = set.grades.len().saturating_sub(1);
    let lowest = set.grades.get(lowest).map_or("", |g| g.label.as_str());
    let label = |g: Option<&crate::model::Grade>| g.map_or(String::new(), |g| g.label.clone());
    match (v.scope, &v.effect) {
        (Scope::Unit, Effect::Fail) => EffectOf::Fail {
            grade: lowest.to_string(),
        },
        (Scope::Unit, Effect::Cap(c)) => EffectOf::Cap {
            grade: label(set.grades.get(*c)),
        },
        (Scope::Line(l), Effect::Fail) => EffectOf::LineFail {
            line: set.lines[l].name.clone(),
            grade: lowest.to_string(),
        },
        (Scope::Line(l), Effect::Cap(c)) => EffectOf::LineCap {
            line: set.lines[l].name.clone(),
            grade: label(set.lines[l].grades.get(*c)),
        },
        (Scope::Line(l), Effect::Zero) => EffectOf::LineZero {
            line: set.lines[l].name.clone(),
        },
        (Scope::Unit, Effect::Zero) => EffectOf::Zero,
    }
}

/// The grade a score reaches: the first whose minimum it meets (the last otherwise).
fn grade_of(grades: &[Grade], s: Decimal) -> usize {
    grades
        .iter()
        .position(|g| g.min.is_none_or(|m| s >= m))
        .unwrap_or(grades.len().saturating_sub(1))
}

/// Results refer to the unit's final values by slot: the inputs of every item and the evidence
/// of every veto that fired.
fn link_inputs(
    cat: &Catalog,
    vals: Vec<Option<Val>>,
    ind_results: &mut [IndicatorResult],
    bonus_results: &mut [IndicatorResult],
    veto_results: &mut [VetoResult],
    calls: &[VetoCall],
    cx: &UnitCtx<'_>,
) -> Arc<UnitSlots> {
    let set = cx.set;
    for (r, c) in veto_results.iter_mut().zip(calls) {
        if c.outcome == VetoOutcome::Undecided {
            let v = &set.vetoes[c.index];
            let slots = v.when.missing_slots(&cx.env(&vals));
            r.needs = cx
                .missing_fields(&vals, &slots)
                .into_iter()
                .map(|(id, name)| NamedInfo {
                    id: id.to_string(),
                    name: name.to_string(),
                })
                .collect();
        }
    }
    let unit_slots = Arc::new(UnitSlots {
        vals,
        names: cat.names.clone(),
    });
    for (r, n) in ind_results.iter_mut().zip(&cat.indicators) {
        r.inputs = Inputs::Slots {
            reads: n.reads.clone(),
            unit: unit_slots.clone(),
        };
    }
    for (r, n) in bonus_results.iter_mut().zip(&cat.bonus) {
        r.inputs = Inputs::Slots {
            reads: n.reads.clone(),
            unit: unit_slots.clone(),
        };
    }
    for (r, c) in veto_results.iter_mut().zip(calls) {
        r.evidence = Inputs::Slots {
            reads: cat.veto_reads[c.index].clone(),
            unit: unit_slots.clone(),
        };
    }
    unit_slots
}

/// The unit's ledger cases: each one's deduction and the item that charged it, or why it cost
/// nothing.
fn case_results(
    set: &IndicatorSet,
    unit: &Unit,
    case_charges: &[Option<(String, Decimal, rules::per_case::Charge)>],
) -> Vec<CaseResult> {
    unit.cases
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let (indicator, deduction, why) = match &case_charges[ci] {
                Some((ind, amount, why)) => {
                    (Some(ind.clone()), *amount, CaseWhy::Charged(why.clone()))
                }
                None => (None, Decimal::ZERO, uncharged_case(set, c)),
            };
            CaseResult {
                case_type: c.case_type.clone(),
                type_name: set.case_types[c.type_index].name.clone(),
                severity: c.severity,
                date: c.date,
                found_by: c.found_by.clone(),
                self_reported: c.self_reported,
                reference: c.reference.clone(),
                deduction,
                indicator,
                explanation: why.render(crate::lang::Lang::Zh),
                why: Some(why),
                in_period: c.in_period,
                reported: c.reported,
                verified: c.verified,
                amount: c.amount,
            }
        })
        .collect()
}

/// Values given by several evidence layers, with the layer used and the difference.
fn corrections(set: &IndicatorSet, cat: &Catalog, vals: &[Option<Val>]) -> Vec<Correction> {
    let kind = set.unit_kind();
    let get = |s: usize| vals.get(s).copied().flatten();
    let mut corrections = Vec::new();
    for (fi, f) in kind.fields.iter().enumerate() {
        if f.layers.is_empty() {
            continue;
        }
        let present: Vec<(usize, Val)> = f
            .layers
            .iter()
            .enumerate()
            .filter_map(|(k, l)| get(f.layer_base as usize + k).map(|v| (*l, v)))
            .collect();
        if present.is_empty() {
            continue;
        }
        let unit_of = f.unit.as_deref().map(Text::from);
        let used = present.first().map(|(l, _)| cat.layer_ids[*l].clone());
        let difference = match (present.first(), present.last()) {
            (Some((a, Val::Num(x))), Some((b, Val::Num(y)))) if a != b => {
                Some(Shown::Val(Val::Num(*x - *y), unit_of.clone()))
            }
            _ => None,
        };
        corrections.push(Correction {
            field: cat.slots[fi].0.clone(),
            name: cat.slots[fi].1.clone(),
            layers: present
                .iter()
                .map(|(l, v)| LayerValue {
                    layer: cat.layer_ids[*l].clone(),
                    name: cat.layer_names[*l].clone(),
                    value: Shown::Val(*v, unit_of.clone()),
                })
                .collect(),
            used,
            difference,
        });
    }
    corrections
}

/// Why a case of the ledger cost nothing by itself.
fn uncharged_case(set: &IndicatorSet, c: &crate::evidence::Case) -> CaseWhy {
    if !c.verified {
        return CaseWhy::Unverified;
    }
    let windows: Vec<String> = set
        .periods
        .iter()
        .filter(|w| c.date.is_none_or(|d| w.contains(d)))
        .map(|w| w.name.clone())
        .collect();
    if windows.is_empty() {
        return CaseWhy::Outside;
    }
    CaseWhy::Counted {
        amount: c.amount.is_some(),
        in_period: c.in_period,
        windows,
    }
}

/// Slots followed through derived values down to their inputs, sorted.
fn closure(set: &IndicatorSet, slots: &[u32]) -> Vec<u32> {
    let kind = set.unit_kind();
    let mut all: Vec<u32> = Vec::new();
    let mut stack: Vec<u32> = slots.to_vec();
    while let Some(s) = stack.pop() {
        if all.contains(&s) {
            continue;
        }
        all.push(s);
        if s >= set.slots.derived && s < set.slots.points {
            let d = (s - set.slots.derived) as usize;
            if let Some(der) = kind.derived.get(d) {
                stack.extend(der.expr.slots().iter().copied());
            }
        }
    }
    all.sort_unstable();
    all
}

/// The slots an indicator reads, followed through derived values down to their inputs,
/// sorted (computed once per assessment).
fn reads_of(set: &IndicatorSet, ind: &Indicator) -> Vec<u32> {
    let direct: Vec<u32> = match &ind.input {
        Input::Expr(e) => e.slots().to_vec(),
        Input::Checklist(s) => s.clone(),
        Input::Cases => ind
            .rule
            .case_types()
            .iter()
            .map(|t| {
                set.unit_kind()
                    .case_slot(set.case_types.len(), ind.period, *t, false)
            })
            .collect(),
        Input::None => ind.rule.expr_slots(),
    };
    let mut direct = direct;
    for p in &ind.params {
        direct.extend_from_slice(p.expr.slots());
    }
    direct.sort_unstable();
    direct.dedup();
    closure(set, &direct)
}

/// What scoring one unit's items reads besides the item itself.
struct UnitCtx<'a> {
    set: &'a IndicatorSet,
    ev: &'a Evidence,
    ui: usize,
    unit: &'a Unit,
    child_vals: &'a [Vec<Option<Val>>],
}

impl UnitCtx<'_> {
    /// An overflow while scoring this unit: a located error naming the unit and what was
    /// being computed (never a zero, never a panic).
    fn overflow(&self, what: impl std::fmt::Display) -> Diagnostic {
        overflow_at(self.unit, what)
    }

    fn env<'v>(&'v self, vals: &'v [Option<Val>]) -> SlotEnv<'v> {
        SlotEnv {
            vals,
            unit: self.ui,
            ev: self.ev,
            child_vals: self.child_vals,
        }
    }

    /// The evidence behind missing slots ([`missing_fields_in`]).
    fn missing_fields(&self, vals: &[Option<Val>], slots: &[u32]) -> Vec<(Text, Text)> {
        missing_fields_in(self.set, &self.env(vals), slots, None)
    }

    /// What to do about an item whose `fields` are missing: the indicator's own `on_missing`
    /// when it wrote one; otherwise the strictest `on_missing` among the missing fields that
    /// declare one; otherwise the set's (already in `ind.on_missing`).
    fn missing_policy(&self, ind: &Indicator, fields: &[(Text, Text)]) -> OnMissing {
        if ind.on_missing_explicit {
            return ind.on_missing;
        }
        let kind = self.set.unit_kind();
        fields
            .iter()
            .filter_map(|(id, _)| {
                let base = id.split('.').next().unwrap_or(id);
                kind.fields.iter().find(|f| f.id == base)?.on_missing
            })
            .max_by_key(|p| p.strictness())
            .unwrap_or(ind.on_missing)
    }

    /// An item whose value is missing (the blanks behind `slots`): not scored (待补充), or
    /// scored 0 with `on_missing: zero`; with `on_missing: error` a diagnostic per field
    /// naming the unit, the item and the field.
    fn missing(
        &self,
        ind: &Indicator,
        vals: &[Option<Val>],
        slots: &[u32],
        errors: &mut Vec<Diagnostic>,
    ) -> Scored {
        let unit = self.unit;
        let mut fields = self.missing_fields(vals, slots);
        if fields.is_empty() {
            fields.push((Text::from("descendants"), Text::from("下级单位数据")));
        }
        let policy = self.missing_policy(ind, &fields);
        if policy == OnMissing::Error {
            for (id, name) in &fields {
                let mut d = Diagnostic::file(
                    &unit.origin.file,
                    format!(
                        "unit `{}`: indicator `{}` ({}) needs `{id}` ({name}), which is missing",
                        unit.id, ind.id, ind.name
                    ),
                );
                d.place = unit.origin.place.clone();
                errors.push(d);
            }
        }
        let zero = policy == OnMissing::Zero;
        Scored::zero(
            if zero {
                Status::ZeroForMissing
            } else {
                Status::MissingEvidence
            },
            Reason::Missing {
                fields: fields.into_boxed_slice(),
                zero,
            },
        )
    }
}

impl Scored {
    fn zero(status: Status, reason: Reason) -> Self {
        Scored {
            points: Decimal::ZERO,
            status,
            reason,
            extra: Decimal::ZERO,
        }
    }

    fn undefined(e: EvalError) -> Self {
        let u = match e {
            EvalError::DivByZero => Undefined::DivByZero,
            EvalError::Overflow => Undefined::Overflow,
            EvalError::Domain(d) => Undefined::Domain(d),
            EvalError::Missing(_) => Undefined::Missing,
        };
        Scored::zero(Status::Undefined, Reason::Undefined(u))
    }

    fn with(points: Decimal, reason: Reason) -> Self {
        Scored {
            points,
            status: Status::Scored,
            reason,
            extra: Decimal::ZERO,
        }
    }
}

/// Add `x` to `sum`; false (and `sum` unchanged) when the sum overflows.
fn add(sum: &mut Decimal, x: Decimal) -> bool {
    match sum.checked_add(x) {
        Some(t) => {
            *sum = t;
            true
        }
        None => false,
    }
}

/// The mean of `values`: the exact sum divided by the count, or when the sum overflows the sum
/// of each value divided by the count (it cannot overflow). None for no values.
fn mean(values: &[Decimal]) -> Option<Decimal> {
    let n = Decimal::from(u64::try_from(values.len()).ok()?);
    if values.is_empty() {
        return None;
    }
    let m = match values
        .iter()
        .try_fold(Decimal::ZERO, |a, x| a.checked_add(*x))
    {
        Some(sum) => sum.checked_div(n),
        None => values
            .iter()
            .try_fold(Decimal::ZERO, |a, x| a.checked_add(x.checked_div(n)?)),
    };
    m.map(|d| d.normalize())
}

/// An overflow while scoring `unit`, located at the unit's evidence.
fn overflow_at(unit: &Unit, what: impl std::fmt::Display) -> Diagnostic {
    let mut d = Diagnostic::file(
        &unit.origin.file,
        format!(
            "unit `{}`: {what} is beyond what can be computed exactly (28 significant digits): \
             check the value and the set's parameters",
            unit.id
        ),
    );
    d.place = unit.origin.place.clone();
    d
}

/// Score one indicator (or bonus item) of a unit: applicability, zeroing, then its shape;
/// the shared finish; the case charges it made.
fn score_indicator(
    cx: &UnitCtx<'_>,
    names: &IndNames,
    ind: &Indicator,
    max: Decimal,
    vals: &[Option<Val>],
    errors: &mut Vec<Diagnostic>,
) -> (
    IndicatorResult,
    Vec<(usize, Decimal, rules::per_case::Charge)>,
) {
    let set = cx.set;
    let mut charges = Vec::new();
    let env = cx.env(vals);
    let scored = if !ind.applies_to(cx.unit.class) {
        let class = cx
            .unit
            .class
            .map(|c| Text::from(set.classes[c].name.as_str()));
        Scored::zero(Status::NotApplicable, Reason::NotApplicable { class })
    } else {
        match ind.zero_if.as_ref().map(|z| (z, z.eval_bool(&env))) {
            Some((z, Ok(true))) => {
                let why = Reason::Zeroed {
                    why: ind.zero_reason.as_deref().map(Text::from),
                    condition: Text::from(z.source()),
                };
                Scored::zero(Status::Zeroed, why)
            }
            // Whether the item is zeroed cannot be decided: its evidence is missing.
            Some((z, Err(EvalError::Missing(_)))) => {
                cx.missing(ind, vals, &z.missing_slots(&env), errors)
            }
            Some((_, Err(e))) => Scored::undefined(e),
            Some((_, Ok(false))) | None => {
                score_shape(cx, names, ind, max, vals, errors, &mut charges)
            }
        }
    };
    if let Some(value) = overflowed(&scored) {
        errors.push(cx.overflow(format_args!("indicator `{}` ({}){value}", ind.id, ind.name)));
    }
    let raw = rules::Raw {
        points: scored.points,
        extra: scored.extra,
    };
    let points = rules::finish(raw, max, ind.floor, set.rounding).points;
    // A scored item's reason is the set's own when it gives one (`reason:`).
    let reason = if scored.status == Status::Scored {
        Reason::templated(&names.info, scored.reason, points, max)
    } else {
        scored.reason
    };
    let res = IndicatorResult {
        info: names.info.clone(),
        max,
        points,
        status: scored.status,
        reason,
        // Filled with the unit's final values when the unit is done (`score_unit`).
        inputs: Inputs::default(),
    };
    (res, charges)
}

/// Whether an item's scoring overflowed, and then the value it read (`, value 7.9e28`) when
/// it is a number: an expression that overflowed, or a rule whose steps or points did.
fn overflowed(s: &Scored) -> Option<String> {
    match (&s.reason, s.status) {
        (Reason::Undefined(Undefined::Overflow), _) => Some(String::new()),
        (Reason::Rule { value, .. }, Status::Undefined) => Some(match value {
            Val::Num(d) => format!(", value {}", show(*d)),
            _ => String::new(),
        }),
        _ => None,
    }
}

/// An applicable item scored by its shape (raw points, before the shared finish).
fn score_shape(
    cx: &UnitCtx<'_>,
    names: &IndNames,
    ind: &Indicator,
    max: Decimal,
    vals: &[Option<Val>],
    errors: &mut Vec<Diagnostic>,
    charges: &mut Vec<(usize, Decimal, rules::per_case::Charge)>,
) -> Scored {
    let env = cx.env(vals);
    let or_missing =
        |e: EvalError, slots: &dyn Fn() -> Vec<u32>, errors: &mut Vec<Diagnostic>| match e {
            EvalError::Missing(_) => cx.missing(ind, vals, &slots(), errors),
            e => Scored::undefined(e),
        };
    match (&ind.input, &ind.rule) {
        (Input::Expr(e), rule) => match (e.eval(&env), unit_params(ind, &env)) {
            (Err(err), _) | (Ok(_), Err(err)) => or_missing(
                err,
                &|| {
                    let mut s = e.missing_slots(&env);
                    for p in &ind.params {
                        s.extend(p.expr.missing_slots(&env));
                    }
                    s
                },
                errors,
            ),
            (Ok(value), Ok(params)) => {
                let raw = rule
                    .with_params(ind.params.iter().map(|p| p.path.as_str()), &params)
                    .raw(value, max);
                Scored {
                    points: raw.map_or(Decimal::ZERO, |r| r.points),
                    status: if raw.is_some() {
                        Status::Scored
                    } else {
                        Status::Undefined
                    },
                    reason: Reason::Rule {
                        item: names.info.clone(),
                        value,
                        max,
                        params,
                    },
                    extra: raw.map_or(Decimal::ZERO, |r| r.extra),
                }
            }
        },
        (Input::Checklist(items), Rule::Checklist(cl)) => match cl.trace(items, vals) {
            rules::checklist::Trace::Missing(_) => {
                cx.missing(ind, vals, &missing_of(items, vals), errors)
            }
            rules::checklist::Trace::Read { items, lacking } => Scored::with(
                cl.points(max, lacking.len()),
                Reason::Checklist {
                    items: u32::try_from(items).unwrap_or(u32::MAX),
                    lacking: lacking
                        .iter()
                        .map(|s| Text::from(cx.set.slot_name(*s).1))
                        .collect(),
                    per_missing: cl.per_missing,
                    max,
                },
            ),
        },
        (Input::Cases, Rule::PerCase(p)) => {
            let counted = charge_cases(cx, ind, p, charges).and_then(|(n, total)| {
                max.checked_sub(total)
                    .map(|p| (n, total, p))
                    .ok_or_else(|| {
                        cx.overflow(format_args!(
                            "indicator `{}` ({}): its deduction {}",
                            ind.id,
                            ind.name,
                            show(total)
                        ))
                    })
            });
            let (count, total, points) = match counted {
                Ok(c) => c,
                Err(e) => {
                    errors.push(e);
                    // Reported above with the case; the run fails.
                    return Scored::undefined(EvalError::Domain("扣分超出可计算范围"));
                }
            };
            Scored::with(
                points,
                Reason::Cases {
                    item: names.info.clone(),
                    count,
                    total,
                    max,
                },
            )
        }
        (Input::None, Rule::LevelProgress(lp)) => match lp.trace(&env, max) {
            Err(e) => or_missing(e, &|| missing_of(&ind.rule.expr_slots(), vals), errors),
            Ok(t) => Scored::with(t.points, Reason::LevelProgress(Box::new((t, max)))),
        },
        (Input::None, Rule::Formula(f)) => match f.points(&env) {
            Err(e) => or_missing(e, &|| f.missing_slots(&env), errors),
            Ok(points) => Scored::with(
                points,
                Reason::Formula {
                    item: names.info.clone(),
                    values: f
                        .expr
                        .slots()
                        .iter()
                        .map(|s| vals.get(*s as usize).copied().flatten())
                        .collect(),
                    points,
                    rounding: cx.set.rounding,
                    max,
                },
            ),
        },
        (Input::None, Rule::Deductions(d)) => {
            score_deductions(cx, names, ind, d, max, vals, errors, charges)
        }
        // The loader pairs each shape with its input; any other pairing is a loader bug.
        (Input::Checklist(_) | Input::Cases | Input::None, _) => {
            Scored::undefined(EvalError::Domain("规则与输入不匹配"))
        }
    }
}

/// A `deductions` item: each clause's deduction from the one maximum, summed (the floor is the
/// shared finish's). A blank value of any clause leaves the item unscored.
#[allow(clippy::too_many_arguments)]
fn score_deductions(
    cx: &UnitCtx<'_>,
    names: &IndNames,
    ind: &Indicator,
    d: &rules::deductions::Deductions,
    max: Decimal,
    vals: &[Option<Val>],
    errors: &mut Vec<Diagnostic>,
    charges: &mut Vec<(usize, Decimal, rules::per_case::Charge)>,
) -> Scored {
    use rules::deductions::Part;
    let env = cx.env(vals);
    let mut parts = Vec::with_capacity(d.clauses.len());
    let mut total = Decimal::ZERO;
    for cl in &d.clauses {
        let part = match (&cl.value, cl.per_case()) {
            (Some(e), _) => match e.eval(&env) {
                Err(EvalError::Missing(_)) => {
                    return cx.missing(ind, vals, &e.missing_slots(&env), errors);
                }
                Err(err) => return Scored::undefined(err),
                Ok(value) => match cl.value_deduction(value, max) {
                    Some(deduction) => Part::Value { value, deduction },
                    None => return Scored::undefined(EvalError::Domain("规则需要数值")),
                },
            },
            (None, Some(p)) => match charge_cases(cx, ind, p, charges) {
                Ok((count, sum)) => Part::Cases { count, total: sum },
                Err(e) => {
                    // Reported with the case; the run fails.
                    errors.push(e);
                    return Scored::undefined(EvalError::Domain("扣分超出可计算范围"));
                }
            },
            (None, None) => return Scored::undefined(EvalError::Domain("规则与输入不匹配")),
        };
        total = match total.checked_add(part.deduction()) {
            Some(t) => t,
            None => {
                errors.push(cx.overflow(format_args!(
                    "indicator `{}` ({}): its deductions",
                    ind.id, ind.name
                )));
                return Scored::undefined(EvalError::Domain("扣分超出可计算范围"));
            }
        };
        parts.push(part);
    }
    Scored {
        points: max - total,
        status: Status::Scored,
        reason: Reason::Deductions {
            item: names.info.clone(),
            parts: parts.into_boxed_slice(),
            max,
        },
        extra: Decimal::ZERO,
    }
}

/// The slot an item reads as it is (its `value` is one field or derived value by id).
pub fn plain_value(set: &IndicatorSet, ind: &Indicator) -> Option<u32> {
    match &ind.input {
        Input::Expr(e) => match e.slots() {
            [s] if set.slot_name(*s).0 == e.source().trim() => Some(*s),
            _ => None,
        },
        Input::Checklist(_) | Input::Cases | Input::None => None,
    }
}

/// This unit's values of the item's per-unit rule parameters (empty when it has none).
fn unit_params(ind: &Indicator, env: &SlotEnv<'_>) -> Result<Box<[Decimal]>, EvalError> {
    ind.params.iter().map(|p| p.expr.eval_num(env)).collect()
}

/// The slots among `slots` that have no value.
fn missing_of(slots: &[u32], vals: &[Option<Val>]) -> Vec<u32> {
    slots
        .iter()
        .copied()
        .filter(|s| vals.get(*s as usize).copied().flatten().is_none())
        .collect()
}

/// The verified cases of a per-case item in its window: each one's charge, and the count
/// and total.
fn charge_cases(
    cx: &UnitCtx<'_>,
    ind: &Indicator,
    p: &rules::per_case::PerCase,
    charges: &mut Vec<(usize, Decimal, rules::per_case::Charge)>,
) -> Result<(u32, Decimal), Diagnostic> {
    let mut total = Decimal::ZERO;
    let mut n = 0u32;
    let window = &cx.set.periods[ind.period];
    for (ci, c) in cx.unit.cases.iter().enumerate() {
        let in_window = c.date.is_none_or(|d| window.contains(d));
        if !c.verified || !in_window || !p.case_types.contains(&c.type_index) {
            continue;
        }
        n += 1;
        let facts = rules::per_case::CaseFacts {
            case_type: c.type_index,
            date: c.date,
            reported: c.reported,
            months_late: c.months_late,
            severity: c.severity,
            found_by: c.found_by.as_deref(),
            self_reported: c.self_reported,
        };
        let Some((amount, why)) = rules::per_case::case_charge(p, &facts, window.to)
            .map(|c| (c.amount, c))
            .filter(|(a, _)| total.checked_add(*a).is_some())
        else {
            return Err(cx.overflow(format_args!(
                "indicator `{}` ({}): the deduction of case {} (the unit's case {})",
                ind.id,
                ind.name,
                c.reference.as_deref().unwrap_or("without a reference"),
                ci + 1
            )));
        };
        total += amount;
        charges.push((ci, amount, why));
    }
    Ok((n, total))
}

/// A scored unit's full slot vector rebuilt from its result — fields, case counts, derived
/// values, indicator and bonus-item points, line points, bonus and total — with its
/// descendants for aggregations: what veto triggers see after scoring. Used outside scoring
/// (veto margins, what-if checks); `vals` may be changed before evaluating.
pub struct ResultSlots<'a> {
    ev: &'a Evidence,
    unit: usize,
    pub vals: Vec<Option<Val>>,
    child_vals: Vec<Vec<Option<Val>>>,
}

impl<'a> ResultSlots<'a> {
    /// `unit` is the unit's index in `ev.units`; `result` its result; `history` the earlier
    /// scorecards and `lower` the other levels' assessments of the same run that the
    /// assessment read (for `last.x`, `result.passed` and the like).
    pub fn new(
        set: &IndicatorSet,
        ev: &'a Evidence,
        history: &[Assessment],
        lower: &[Assessment],
        unit: usize,
        result: &UnitResult,
    ) -> Self {
        let child_vals = child_values(set, ev, lower);
        let hist = HistIndex::new(set, history);
        let pos = ev.scored.iter().position(|&u| u == unit);
        let mut vals = match pos {
            Some(p) => prepare(set, ev, &hist, &child_vals).swap_remove(p),
            None => ev
                .units
                .get(unit)
                .map(|u| u.values.clone())
                .unwrap_or_default(),
        };
        let s = set.slots;
        vals.resize(s.len as usize, None);
        let num = |d: Option<Decimal>| d.map(Val::Num);
        for (k, r) in result.indicators.iter().enumerate() {
            vals[s.points as usize + k] = num(r.scored());
        }
        for (k, r) in result.bonus_items.iter().enumerate() {
            vals[s.bonus_items as usize + k] = num(r.scored());
        }
        for (l, r) in result.lines.iter().enumerate() {
            vals[s.lines as usize + l] = num(r.points);
        }
        vals[s.bonus as usize] = num(result.bonus);
        vals[s.total as usize] = num(result.total);
        Self {
            ev,
            unit,
            vals,
            child_vals,
        }
    }

    /// Evaluate with the current `vals`.
    pub fn with<T>(&self, f: impl FnOnce(&dyn Env) -> T) -> T {
        let env = SlotEnv {
            vals: &self.vals,
            unit: self.unit,
            ev: self.ev,
            child_vals: &self.child_vals,
        };
        f(&env)
    }
}

#[cfg(test)]
mod ranking_tests {
    use super::*;

    /// The ranking as specified, compared through the keys: the order, then rank and peer rank
    /// by (vetoed, score) ties among ranked units.
    fn plain(keys: &[RankKey], ids: &[String]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
        let key = |k: &RankKey| (!k.ranked(), k.status, k.vetoed, std::cmp::Reverse(k.score));
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| {
            key(&keys[a])
                .cmp(&key(&keys[b]))
                .then_with(|| ids[a].cmp(&ids[b]))
                .then(a.cmp(&b))
        });
        let (mut rank, mut peer_rank) = (vec![0; keys.len()], vec![0; keys.len()]);
        // Per group: its id, units so far, the last tie and its rank.
        type Group = (Option<u32>, usize, Option<(bool, Option<Decimal>)>, u32);
        let mut seen: Vec<Group> = Vec::new();
        let (mut prev, mut r) = (None, 0);
        for (pos, &i) in order.iter().enumerate() {
            let k = &keys[i];
            let g = match seen.iter().position(|s| s.0 == k.peer) {
                Some(g) => g,
                None => {
                    seen.push((k.peer, 0, None, 0));
                    seen.len() - 1
                }
            };
            if k.ranked() {
                if prev != Some((k.vetoed, k.score)) {
                    r = pos as u32 + 1;
                    prev = Some((k.vetoed, k.score));
                }
                rank[i] = r;
                let s = &mut seen[g];
                if s.2 != Some((k.vetoed, k.score)) {
                    s.3 = s.1 as u32 + 1;
                    s.2 = Some((k.vetoed, k.score));
                }
                if k.peer.is_some() {
                    peer_rank[i] = s.3;
                }
            }
            seen[g].1 += 1;
        }
        (order.iter().map(|&i| i as u32).collect(), rank, peer_rank)
    }

    #[test]
    fn compact_keys_rank_as_the_keys_do() {
        let mut next = crate::num::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let statuses = [
            UnitStatus::Complete,
            UnitStatus::Complete,
            UnitStatus::Pending,
            UnitStatus::Incomplete,
            UnitStatus::NoEvidence,
        ];
        for round in 0..300 {
            let n = 1 + (next() % 60) as usize;
            // Some rounds with scores too large for 64 bits at their smallest place.
            let huge = round % 5 == 0;
            let keys: Vec<RankKey> = (0..n)
                .map(|_| {
                    let r = next();
                    let score = (!r.is_multiple_of(7)).then(|| {
                        let m = (r >> 8) as i64 % 40;
                        let mut d = Decimal::new(m * 5, (r >> 20) as u32 % 3);
                        if huge && r.is_multiple_of(3) {
                            d = d * Decimal::from(10u64.pow(15)) + Decimal::new(1, 12);
                        }
                        d
                    });
                    RankKey {
                        status: statuses[(r >> 4) as usize % statuses.len()],
                        vetoed: r.is_multiple_of(5),
                        score,
                        peer: (!(r >> 12).is_multiple_of(4)).then_some((r >> 14) as u32 % 3),
                    }
                })
                .collect();
            // Ids sharing long prefixes, some longer than 16 bytes.
            let ids: Vec<String> = (0..n)
                .map(|i| {
                    let r = next();
                    let stem = if r.is_multiple_of(2) {
                        "4403050010010"
                    } else {
                        "44030500100100001"
                    };
                    format!("{stem}{}", (r >> 3) % 7 + (i as u64 % 2) * 100)
                })
                .collect();
            let (order, rank, peer_rank) = plain(&keys, &ids);
            let got = ranking(keys.clone(), |i| ids[i].as_bytes());
            assert_eq!(got.order, order, "round {round}");
            for i in 0..n {
                assert_eq!(got.rank(i).unwrap_or(0), rank[i], "round {round}, unit {i}");
                if keys[i].peer.is_some() {
                    assert_eq!(got.peer_rank(i).unwrap_or(0), peer_rank[i], "round {round}");
                }
            }
        }
    }
}
