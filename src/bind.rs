//! Binding: what the readers produced ([`ReadEvidence`]), checked against an indicator set and
//! turned into [`Evidence`].
//!
//! Kinds, classes, peer groups, parents, fields, layers and case types are resolved by name;
//! every value is checked against its field's type; case counts and amounts are added into
//! their windows' slots; the unit tree is checked for cycles and its descendants listed. Every
//! problem is collected with the place it was read.

use crate::diag::{Diagnostic, Diagnostics, Place};
use crate::evidence::{Case, Evidence, Origin, Unit};
use crate::expr::Val;
use crate::model::{FieldType, IndicatorSet};
use crate::read::table::{squeeze, strip_bracket};
use crate::read::{RawCase, RawValue, ReadEvidence, ReadUnit, parse_bool, parse_number};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Bind what was read, adding the reading problems to the binding problems.
pub fn bind_partial(
    set: &IndicatorSet,
    read: ReadEvidence,
    mut read_problems: Vec<Diagnostic>,
) -> Result<Evidence, Diagnostics> {
    match bind(set, read) {
        Ok(ev) if read_problems.is_empty() => Ok(ev),
        Ok(_) => Err(Diagnostics::new(read_problems)),
        Err(d) => {
            read_problems.extend(d.0);
            Err(Diagnostics::new(read_problems))
        }
    }
}

/// Bind read evidence to a set: resolve kinds, classes, parents, fields and case types, and
/// check every value against its field's type.
pub fn bind(set: &IndicatorSet, read: ReadEvidence) -> Result<Evidence, Diagnostics> {
    bind_in_run(set, read, None)
}

/// What every set of a multi-level run declares: kind → its field names (ids and aliases).
/// Binding one set of the run leaves alone the values another set of the run reads.
#[derive(Debug, Default, Clone)]
pub struct RunKinds(pub BTreeMap<String, std::collections::BTreeSet<String>>);

impl RunKinds {
    pub fn new<'a>(sets: impl IntoIterator<Item = &'a IndicatorSet>) -> Self {
        let mut m: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for s in sets {
            for k in &s.kinds {
                let e = m.entry(k.id.clone()).or_default();
                for f in &k.fields {
                    e.insert(f.id.clone());
                    e.extend(f.aliases.iter().cloned());
                }
            }
        }
        Self(m)
    }
    fn declares(&self, kind: &str, field: Option<&str>) -> bool {
        match (self.0.get(kind), field) {
            (Some(_), None) => true,
            (Some(fields), Some(f)) => fields.contains(f),
            (None, _) => false,
        }
    }
}

/// [`bind`] as one set of a multi-level run.
pub fn bind_in_run(
    set: &IndicatorSet,
    read: ReadEvidence,
    run: Option<&RunKinds>,
) -> Result<Evidence, Diagnostics> {
    if set.phases.is_empty() {
        if let Some((i, p)) = read.unit_phase.iter().next() {
            let o = &read.units[*i].origin;
            return Err(Diagnostics::new(vec![o.diag(format!(
                "unit `{}` is tagged with phase `{p}`, but this set is not assessed in phases",
                read.units[*i].id
            ))]));
        }
        return bind_one(set, read, run);
    }
    // Split by phase: untagged units (parents, context) belong to every phase; untagged ledger
    // rows to the last phase (the year-end assessment).
    let mut diags = Vec::new();
    let phase_of = |p: &str| set.phases.iter().position(|x| x.id == p || x.name == p);
    let last = set.phases.len() - 1;
    let scored_kind = &set.unit_kind().id;
    let mut parts: Vec<ReadEvidence> = (0..set.phases.len())
        .map(|_| ReadEvidence {
            period: read.period.clone(),
            ..ReadEvidence::default()
        })
        .collect();
    for (i, u) in read.units.iter().enumerate() {
        match read.unit_phase.get(&i) {
            Some(p) => match phase_of(p) {
                Some(k) => parts[k].units.push(u.clone()),
                None => diags.push(u.origin.diag(format!(
                    "unknown phase `{p}`; the set's phases are {}",
                    list_ids(set.phases.iter().map(|x| &x.id))
                ))),
            },
            None => {
                let scored = u.kind.as_ref().is_none_or(|k| k == scored_kind);
                if scored {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` has no `phase`; this set is assessed in phases {}",
                        u.id,
                        list_ids(set.phases.iter().map(|x| &x.id))
                    )));
                } else {
                    for part in &mut parts {
                        part.units.push(u.clone());
                    }
                }
            }
        }
    }
    parts[last].documents = read.documents.clone();
    for (i, row) in read.ledger.iter().enumerate() {
        let k = match read.ledger_phase.get(&i) {
            Some(p) => match phase_of(p) {
                Some(k) => k,
                None => {
                    diags.push(row.2.diag(format!("unknown phase `{p}`")));
                    continue;
                }
            },
            None => last,
        };
        parts[k].ledger.push(row.clone());
    }
    // Every scored unit is assessed in every phase.
    let is_scored = |u: &ReadUnit| u.kind.as_ref().is_none_or(|k| k == scored_kind);
    let ids: Vec<std::collections::BTreeSet<&str>> = parts
        .iter()
        .map(|p| {
            p.units
                .iter()
                .filter(|u| is_scored(u))
                .map(|u| u.id.as_str())
                .collect()
        })
        .collect();
    let mut reported = std::collections::BTreeSet::new();
    for (k, part) in parts.iter().enumerate() {
        for u in part.units.iter().filter(|u| is_scored(u)) {
            for (j, other) in ids.iter().enumerate() {
                if !other.contains(u.id.as_str()) && reported.insert((u.id.clone(), j)) {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` has evidence for phase `{}` but none for phase `{}`",
                        u.id, set.phases[k].id, set.phases[j].id
                    )));
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut bound = Vec::new();
    for part in parts {
        match bind_one(set, part, run) {
            Ok(ev) => bound.push(ev),
            Err(d) => diags.extend(d.0),
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut top = bound
        .last()
        .cloned()
        .ok_or_else(|| Diagnostics::new(Vec::new()))?;
    top.phases = bound;
    Ok(top)
}

fn bind_one(
    set: &IndicatorSet,
    read: ReadEvidence,
    run: Option<&RunKinds>,
) -> Result<Evidence, Diagnostics> {
    let mut diags = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, u) in read.units.iter().enumerate() {
        if let Some(prev) = index.insert(u.id.clone(), i) {
            let p = &read.units[prev].origin;
            diags.push(u.origin.diag(format!(
                "duplicate unit id `{}` (also at {})",
                u.id,
                place_text(p)
            )));
        }
    }
    let mut units: Vec<Unit> = Vec::with_capacity(read.units.len());
    let mut field_cache: std::collections::HashMap<(usize, &str), Option<usize>> =
        std::collections::HashMap::new();
    let n_cases = set.case_types.len();
    for u in &read.units {
        let kind_id = u.kind.clone().unwrap_or_else(|| set.unit_kind().id.clone());
        let kind = set.kinds.iter().position(|k| k.id == kind_id);
        let meta = |key: &str| u.meta_origin.get(key).unwrap_or(&u.origin);
        // Classes and peer groups belong to the set that scores the unit's kind.
        let class = match &u.class {
            _ if kind.is_none() => None,
            None => None,
            Some(c) => match set.classes.iter().position(|x| &x.id == c || &x.name == c) {
                Some(i) => Some(i),
                None => {
                    diags.push(meta("class").diag(format!(
                        "unknown class `{c}`; the set declares {}",
                        list_ids(set.classes.iter().map(|x| &x.id))
                    )));
                    None
                }
            },
        };
        let peer_group = match &u.peer_group {
            _ if kind.is_none() => None,
            None => None,
            Some(c) => match set
                .peer_groups
                .iter()
                .position(|x| &x.id == c || &x.name == c)
            {
                Some(i) => Some(i),
                None => {
                    diags.push(meta("peer_group").diag(format!(
                        "unknown peer group `{c}`; the set declares {}",
                        list_ids(set.peer_groups.iter().map(|x| &x.id))
                    )));
                    None
                }
            },
        };
        let parent = match &u.parent {
            None => None,
            Some(p) => match index.get(p) {
                Some(i) => Some(*i),
                None => {
                    diags.push(meta("parent").diag(format!(
                        "unknown parent unit `{p}`: every parent must be listed as a unit"
                    )));
                    None
                }
            },
        };
        let mut values = Vec::new();
        let mut texts = Vec::new();
        match kind {
            Some(k) => {
                let kd = &set.kinds[k];
                values = vec![None; kd.layout.derived as usize];
                for (full_name, raw, origin) in &u.values {
                    // `births@survey` (CSV headers) names one layer of a field.
                    let (name, layer_suffix) = match full_name.rsplit_once('@') {
                        Some((n, l)) => (n.trim(), Some(l.trim().to_string())),
                        None => (full_name.as_str(), None),
                    };
                    // The same headers repeat on every row: look each one up once.
                    let found = *field_cache
                        .entry((k, name))
                        .or_insert_with(|| find_field(&kd.fields, name));
                    let name = &name.to_string();
                    let Some(fi) = found else {
                        if run.is_some_and(|r| r.declares(&kd.id, Some(name))) {
                            continue; // another set of this run reads it
                        }
                        let hint =
                            crate::load::edit_distance_hint(name, kd.fields.iter().map(|f| &f.id));
                        diags.push(origin.diag(format!(
                            "unknown field `{name}` for a unit of kind `{}`{hint}",
                            kd.id
                        )));
                        continue;
                    };
                    let f = &kd.fields[fi];
                    let layered: Vec<(String, RawValue)> = match (raw, &layer_suffix) {
                        (RawValue::Layers(list), None) => list.clone(),
                        (RawValue::Layers(_), Some(_)) => {
                            diags.push(
                                origin
                                    .diag(format!("field `{}`: a layer cannot hold layers", f.id)),
                            );
                            continue;
                        }
                        (v, Some(l)) => vec![(l.clone(), v.clone())],
                        (_, None) => Vec::new(),
                    };
                    if !layered.is_empty() || (!f.layers.is_empty() && layer_suffix.is_none()) {
                        // A plain value of a layered field belongs to its lowest-priority layer.
                        let implicit = layered.is_empty();
                        let layered = if layered.is_empty() {
                            match f.layers.last().and_then(|l| set.layers.get(*l)) {
                                Some(l) => vec![(l.id.clone(), raw.clone())],
                                None => Vec::new(),
                            }
                        } else {
                            layered
                        };
                        if f.layers.is_empty() {
                            diags.push(origin.diag(format!(
                                "field `{}` ({}) has no evidence layers, but layered values were given",
                                f.id, f.name
                            )));
                            continue;
                        }
                        for (lname, lraw) in layered {
                            let pos = f.layers.iter().position(|l| {
                                set.layers
                                    .get(*l)
                                    .is_some_and(|x| x.id == lname || x.name == lname)
                            });
                            let Some(pos) = pos else {
                                let allowed: Vec<String> = f
                                    .layers
                                    .iter()
                                    .filter_map(|l| {
                                        set.layers.get(*l).map(|x| format!("`{}`", x.id))
                                    })
                                    .collect();
                                diags.push(origin.diag(format!(
                                    "field `{}` ({}): unknown layer `{lname}`; it takes {}",
                                    f.id,
                                    f.name,
                                    allowed.join(", ")
                                )));
                                continue;
                            };
                            match convert(&lraw, f.ty) {
                                Ok(Conv::Val(v)) => {
                                    values[(f.layer_base as usize) + pos] = Some(v);
                                }
                                Ok(Conv::Missing) => {}
                                Ok(Conv::Text(_)) => {
                                    diags.push(origin.diag(format!(
                                        "field `{}`: text fields have no layers",
                                        f.id
                                    )))
                                }
                                Err(why) if implicit => diags.push(
                                    origin.diag(format!("field `{}` ({}): {why}", f.id, f.name)),
                                ),
                                Err(why) => diags.push(origin.diag(format!(
                                    "field `{}` ({}), layer `{lname}`: {why}",
                                    f.id, f.name
                                ))),
                            }
                        }
                        // The used value: the first layer in priority order that has one.
                        values[fi] =
                            (0..f.layers.len()).find_map(|k| values[(f.layer_base as usize) + k]);
                        continue;
                    }
                    match convert(raw, f.ty) {
                        Ok(Conv::Val(v)) => values[fi] = Some(v),
                        Ok(Conv::Text(t)) => texts.push((fi, t)),
                        Ok(Conv::Missing) => {}
                        Err(why) => {
                            diags.push(origin.diag(format!("field `{}` ({}): {why}", f.id, f.name)))
                        }
                    }
                }
            }
            None => {
                if !run.is_some_and(|r| r.declares(&kind_id, None))
                    && u.values.iter().any(|(_, v, _)| *v != RawValue::Missing)
                {
                    diags.push(u.origin.diag(format!(
                        "unit `{}` is of kind `{kind_id}`, which this set neither scores nor aggregates, but it has values that would be ignored; the set scores `{}`{}",
                        u.id,
                        set.unit_kind().id,
                        if set.kinds.len() > 1 {
                            format!(" and aggregates {}", list_ids(set.kinds[1..].iter().map(|k| &k.id)))
                        } else {
                            String::new()
                        }
                    )));
                } else if u.parent.is_some() && !run.is_some_and(|r| r.declares(&kind_id, None)) {
                    // Undeclared kinds are accepted only as roots above the assessed units
                    // (e.g. the city above its districts).
                    diags.push(meta("kind").diag(format!(
                        "unit `{}` is of kind `{kind_id}`, which no indicator set of this run declares; declare it in `unit_kinds`, or assess it with its own set (`--level`)",
                        u.id
                    )));
                }
            }
        }
        units.push(Unit {
            id: u.id.clone(),
            name: u.name.clone().unwrap_or_else(|| u.id.clone()),
            kind,
            kind_id,
            class,
            peer_group,
            parent,
            values,
            texts,
            cases: Vec::new(),
            documents: Vec::new(),
            origin: u.origin.clone(),
        });
    }
    // Cases, from units and from ledgers.
    let mut all_cases: Vec<(usize, RawCase, Origin)> = Vec::new();
    for (i, u) in read.units.iter().enumerate() {
        for (c, o) in &u.cases {
            all_cases.push((i, c.clone(), o.clone()));
        }
    }
    for (unit, c, o) in read.ledger {
        match index.get(&unit) {
            Some(i) => all_cases.push((*i, c, o)),
            None => diags.push(o.diag(format!("case for unknown unit `{unit}`"))),
        }
    }
    for (i, c, o) in all_cases {
        if units[i].kind.is_none() {
            // The unit is scored by another set of the run, or by none: then its cases would
            // be ignored, which is an error.
            if !run.is_some_and(|r| r.declares(&units[i].kind_id, None)) {
                diags.push(o.diag(format!(
                    "case for unit `{}` of kind `{}`, which this set neither scores nor aggregates",
                    units[i].id, units[i].kind_id
                )));
            }
            continue;
        }
        let Some(t) = set
            .case_types
            .iter()
            .position(|x| x.id == c.case_type.value || x.name == c.case_type.value)
        else {
            diags.push(o.diag(format!(
                "unknown case type `{}`; the set declares {}",
                c.case_type.value,
                list_ids(set.case_types.iter().map(|x| &x.id))
            )));
            continue;
        };
        let in_period = c
            .date
            .is_none_or(|d| d >= set.effective.from && d <= set.effective.to);
        let verified = c.verified.unwrap_or(true);
        let unit = &mut units[i];
        // Verified cases count in every window that contains their date (undated: every window).
        if verified && let Some(k) = unit.kind {
            let kind = &set.kinds[k];
            for (p, window) in set.periods.iter().enumerate() {
                if c.date.is_some_and(|d| !window.contains(d)) {
                    continue;
                }
                for (amount, add) in [(false, Decimal::ONE), (true, c.amount.unwrap_or_default())] {
                    let slot = kind.case_slot(n_cases, p, t, amount) as usize;
                    if let Some(v) = unit.values.get_mut(slot) {
                        let prev = match v {
                            Some(Val::Num(n)) => *n,
                            _ => Decimal::ZERO,
                        };
                        *v = Some(Val::Num(prev + add));
                    }
                }
            }
        }
        unit.cases.push(Case {
            reported: c.reported,
            verified,
            amount: c.amount,
            type_index: t,
            case_type: set.case_types[t].id.clone(),
            severity: c.severity,
            date: c.date,
            found_by: c.found_by,
            self_reported: c.self_reported,
            reference: c.reference,
            note: c.note,
            in_period,
        });
    }
    for (unit, d, o) in read.documents {
        match index.get(&unit) {
            Some(i) => units[*i].documents.push(d),
            None => diags.push(o.diag(format!("document for unknown unit `{unit}`"))),
        }
    }
    // Case counts are known (zero when no case) for every unit of a declared kind.
    for u in &mut units {
        if let Some(k) = u.kind {
            let lay = set.kinds[k].layout;
            for slot in lay.cases..lay.derived {
                if let Some(v) = u.values.get_mut(slot as usize)
                    && v.is_none()
                {
                    *v = Some(Val::Num(Decimal::ZERO));
                }
            }
        }
    }
    // The tree: no cycles; descendants by kind.
    for (i, u) in units.iter().enumerate() {
        let mut seen = vec![i];
        let mut cur = u.parent;
        while let Some(p) = cur {
            if seen.contains(&p) {
                diags.push(u.origin.diag(format!(
                    "unit `{}` is its own ancestor (a cycle of parents)",
                    u.id
                )));
                break;
            }
            seen.push(p);
            cur = units[p].parent;
        }
    }
    let scored: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.kind == Some(0))
        .map(|(i, _)| i)
        .collect();
    if scored.is_empty() && diags.is_empty() {
        diags.push(Diagnostic::file(
            "evidence",
            format!(
                "no unit of kind `{}` (the kind this set scores) in the evidence",
                set.unit_kind().id
            ),
        ));
    }
    if !diags.is_empty() {
        return Err(Diagnostics::new(diags));
    }
    let mut descendants = vec![vec![Vec::new(); set.kinds.len()]; units.len()];
    for (i, u) in units.iter().enumerate() {
        let Some(k) = u.kind else { continue };
        if k == 0 {
            continue;
        }
        let mut cur = u.parent;
        let mut guard = 0;
        while let Some(p) = cur {
            descendants[p][k].push(i);
            cur = units[p].parent;
            guard += 1;
            if guard > units.len() {
                break;
            }
        }
    }
    Ok(Evidence {
        units,
        scored,
        descendants,
        period: read.period,
        phases: Vec::new(),
    })
}

/// The field a YAML key or a column header names: its id, an alias or its Chinese name, with
/// white space ignored (`出生\n人数`); failing that, the same followed by a bracketed unit or
/// note, as the entry template writes headers (`出生人数(人)`, `满意率（%）`).
pub fn find_field(fields: &[crate::model::Field], name: &str) -> Option<usize> {
    let is = |f: &crate::model::Field, n: &str| {
        f.id == n || f.name == n || f.aliases.iter().any(|a| a == n)
    };
    // Equal but for white space, without allocating (this runs once per value).
    let same = |a: &str, b: &str| {
        let keep = |c: &char| !c.is_whitespace();
        a.chars().filter(keep).eq(b.chars().filter(keep))
    };
    let loosely = |f: &crate::model::Field, n: &str| {
        same(&f.id, n) || same(&f.name, n) || f.aliases.iter().any(|a| same(a, n))
    };
    fields.iter().position(|f| is(f, name)).or_else(|| {
        let squeezed = squeeze(name);
        fields
            .iter()
            .position(|f| loosely(f, &squeezed))
            .or_else(|| {
                let head = strip_bracket(&squeezed)?;
                fields.iter().position(|f| loosely(f, head))
            })
    })
}

fn place_text(o: &Origin) -> String {
    match &o.place {
        Place::Text { line, column } => format!("{}:{line}:{column}", o.file),
        Place::Row { row, .. } => format!("{} row {row}", o.file),
        Place::Cell { sheet, cell } => format!("{} {sheet}!{cell}", o.file),
        Place::File => o.file.to_string(),
    }
}

fn list_ids<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = ids.map(|s| format!("`{s}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

enum Conv {
    Val(Val),
    Text(String),
    Missing,
}

fn convert(raw: &RawValue, ty: FieldType) -> Result<Conv, String> {
    let num = |d: Decimal| -> Result<Conv, String> {
        match ty {
            FieldType::Count => {
                if d < Decimal::ZERO {
                    Err(format!("expected a count ≥ 0, found {d}"))
                } else if d.fract() != Decimal::ZERO {
                    Err(format!("expected a whole number, found {d}"))
                } else {
                    Ok(Conv::Val(Val::Num(d)))
                }
            }
            FieldType::Percent if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED => Err(format!(
                "expected a percentage between 0 and 100, found {d}"
            )),
            FieldType::PerMille if d < Decimal::ZERO || d > Decimal::ONE_THOUSAND => Err(format!(
                "expected a rate per mille between 0 and 1000, found {d}"
            )),
            _ => Ok(Conv::Val(Val::Num(d))),
        }
    };
    match (raw, ty) {
        (RawValue::Missing, _) => Ok(Conv::Missing),
        (RawValue::Layers(_), _) => Err("expected one value, found a map of layers".into()),
        (RawValue::NotFinite, _) => Err("expected a number, found NaN or infinity".into()),
        (RawValue::Text(t), FieldType::Text) => Ok(Conv::Text(t.clone())),
        (RawValue::Num(d), FieldType::Text) => Ok(Conv::Text(d.to_string())),
        (RawValue::Bool(b), FieldType::Text) => Ok(Conv::Text(if *b { "是" } else { "否" }.into())),
        (RawValue::Bool(b), FieldType::Bool) => Ok(Conv::Val(Val::Bool(*b))),
        (RawValue::Num(d), FieldType::Bool) if *d == Decimal::ZERO || *d == Decimal::ONE => {
            Ok(Conv::Val(Val::Bool(*d == Decimal::ONE)))
        }
        (RawValue::Num(d), FieldType::Bool) => Err(format!("expected 是/否 (yes/no), found {d}")),
        (RawValue::Text(t), FieldType::Bool) => parse_bool(t)
            .map(|b| Conv::Val(Val::Bool(b)))
            .ok_or_else(|| format!("expected 是/否 (yes/no), found `{t}`")),
        (RawValue::Bool(_), _) => Err("expected a number, found yes/no".into()),
        (RawValue::Num(d), _) => num(*d),
        (RawValue::Text(t), _) => {
            let lower = t.trim().to_ascii_lowercase();
            if [
                "nan", "inf", "-inf", "infinity", "#div/0!", "#n/a", "#value!",
            ]
            .contains(&lower.as_str())
            {
                return Err(format!("expected a number, found `{t}`"));
            }
            match parse_number(t) {
                Some((d, false)) => num(d),
                Some((d, true)) if ty == FieldType::Percent => num(d),
                Some((d, true)) => num(d / Decimal::ONE_HUNDRED),
                None => Err(format!("expected a number, found `{t}`")),
            }
        }
    }
}
