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
use crate::model::{Field, FieldType, IndicatorSet};
use crate::read::table::{
    META_CLASS, META_ID, META_KIND, META_NAME, META_PARENT, META_PEER, META_PHASE, meta_key,
    squeeze, strip_bracket,
};
use crate::read::{RawCase, RawValue, ReadEvidence, ReadUnit, parse_bool, parse_number};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

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
    mut read: ReadEvidence,
    run: Option<&RunKinds>,
) -> Result<Evidence, Diagnostics> {
    declared_identity(set, &mut read);
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
    let ReadEvidence {
        units: read_units,
        ledger,
        period,
        documents,
        ..
    } = read;
    let mut b = Binder {
        set,
        run,
        index: unit_index(&read_units),
        field_cache: HashMap::new(),
        unknown: std::collections::HashSet::new(),
        diags: duplicate_units(&read_units),
    };
    let mut units: Vec<Unit> = Vec::with_capacity(read_units.len());
    for u in &read_units {
        units.push(b.unit(u));
    }
    b.cases(&read_units, ledger, &mut units);
    for (unit, d, o) in documents {
        match b.index.get(&unit) {
            Some(i) => units[*i].documents.push(d),
            None => b
                .diags
                .push(o.diag(format!("document for unknown unit `{unit}`"))),
        }
    }
    zero_case_counts(set, &mut units);
    b.check_tree(&units);
    let scored: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.kind == Some(0))
        .map(|(i, _)| i)
        .collect();
    if scored.is_empty() && b.diags.is_empty() {
        b.diags.push(Diagnostic::file(
            "evidence",
            format!(
                "no unit of kind `{}` (the kind this set scores) in the evidence",
                set.unit_kind().id
            ),
        ));
    }
    if !b.diags.is_empty() {
        return Err(Diagnostics::new(b.diags));
    }
    let descendants = descendants(set, &units);
    Ok(Evidence {
        units,
        scored,
        descendants,
        period,
        phases: Vec::new(),
    })
}

/// Binding one set's evidence: what every step needs, and every problem found so far.
struct Binder<'a, 'r> {
    set: &'a IndicatorSet,
    run: Option<&'a RunKinds>,
    /// Unit ids → their index (the last one of a duplicated id).
    index: BTreeMap<String, usize>,
    /// (kind, name as written) → the field it names: the same headers repeat on every row, so
    /// each is looked up once.
    field_cache: HashMap<(usize, &'r str), Option<usize>>,
    /// (file, kind, name) of every unknown column already reported: once per file, not per row.
    unknown: std::collections::HashSet<(std::sync::Arc<str>, usize, &'r str)>,
    diags: Vec<Diagnostic>,
}

/// Values under a column the set declares as a unit's name, parent or class (`identity:`)
/// become that unit's name, parent or class (a value of the built-in column comes first).
fn declared_identity(set: &IndicatorSet, read: &mut ReadEvidence) {
    let ids = &set.identity;
    if ids.name.is_empty() && ids.parent.is_empty() && ids.class.is_empty() {
        return;
    }
    let is = |list: &[String], header: &str| {
        let key = meta_key(header);
        list.iter().any(|a| meta_key(a) == key)
    };
    for u in &mut read.units {
        let mut kept = Vec::with_capacity(u.values.len());
        for (header, raw, origin) in std::mem::take(&mut u.values) {
            let (key, slot) = if is(&ids.name, &header) {
                ("name", &mut u.name)
            } else if is(&ids.parent, &header) {
                ("parent", &mut u.parent)
            } else if is(&ids.class, &header) {
                ("class", &mut u.class)
            } else {
                kept.push((header, raw, origin));
                continue;
            };
            let text = match raw {
                RawValue::Text(t) => t.trim().to_string(),
                RawValue::Num(n) => n.normalize().to_string(),
                RawValue::Missing => continue,
                other => {
                    kept.push((header, other, origin));
                    continue;
                }
            };
            if !text.is_empty() && slot.is_none() {
                *slot = Some(text);
                u.meta_origin.insert(key, origin);
            }
        }
        u.values = kept;
    }
}

/// Every column name a unit's identity may be given under: the built-in ones and the set's.
fn identity_names(set: &IndicatorSet) -> String {
    let ids = &set.identity;
    let group = |what: &str, builtin: &[&str], own: &[String]| {
        let names: Vec<String> = builtin
            .iter()
            .map(|n| format!("`{n}`"))
            .chain(own.iter().map(|n| format!("`{n}`")))
            .collect();
        format!("{what} {}", names.join("/"))
    };
    [
        group("id", META_ID, &[]),
        group("name", META_NAME, &ids.name),
        group("parent", META_PARENT, &ids.parent),
        group("class", META_CLASS, &ids.class),
        group("kind", META_KIND, &[]),
        group("peer group", META_PEER, &[]),
        group("phase", META_PHASE, &[]),
    ]
    .join("; ")
}

/// Unit ids → their index in `units`.
fn unit_index(units: &[ReadUnit]) -> BTreeMap<String, usize> {
    let mut index = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        index.insert(u.id.clone(), i);
    }
    index
}

/// An error for every unit id that is empty (or only white space) or given twice.
fn duplicate_units(units: &[ReadUnit]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        if u.id.trim().is_empty() {
            diags.push(u.origin.diag("empty unit id: every unit needs an id"));
            continue;
        }
        if let Some(prev) = seen.insert(&u.id, i) {
            let p = &units[prev].origin;
            diags.push(u.origin.diag(format!(
                "duplicate unit id `{}` (also at {})",
                u.id,
                place_text(p)
            )));
        }
    }
    diags
}

impl<'a, 'r> Binder<'a, 'r> {
    /// Whether another set of this run declares the kind (and the field).
    fn run_declares(&self, kind: &str, field: Option<&str>) -> bool {
        self.run.is_some_and(|r| r.declares(kind, field))
    }

    /// One unit: its kind, class, peer group and parent resolved, its values checked.
    fn unit(&mut self, u: &'r ReadUnit) -> Unit {
        let set = self.set;
        let kind_id = u.kind.clone().unwrap_or_else(|| set.unit_kind().id.clone());
        let kind = set.kinds.iter().position(|k| k.id == kind_id);
        // Classes and peer groups belong to the set that scores the unit's kind.
        let class = match &u.class {
            Some(c) if kind.is_some() => self.class(u, c),
            _ => None,
        };
        let peer_group = match &u.peer_group {
            Some(g) if kind.is_some() => self.peer_group(u, g),
            _ => None,
        };
        let parent = u.parent.as_ref().and_then(|p| self.parent(u, p));
        let (values, texts) = match kind {
            Some(k) => self.values(k, u),
            None => {
                self.check_unscored(u, &kind_id);
                (Vec::new(), Vec::new())
            }
        };
        Unit {
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
        }
    }

    fn class(&mut self, u: &ReadUnit, c: &str) -> Option<usize> {
        let set = self.set;
        let found = set.classes.iter().position(|x| x.id == c || x.name == c);
        if found.is_none() {
            self.diags.push(meta(u, "class").diag(format!(
                "unknown class `{c}`; the set declares {}",
                list_ids(set.classes.iter().map(|x| &x.id))
            )));
        }
        found
    }

    fn peer_group(&mut self, u: &ReadUnit, c: &str) -> Option<usize> {
        let set = self.set;
        let found = set
            .peer_groups
            .iter()
            .position(|x| x.id == c || x.name == c);
        if found.is_none() {
            self.diags.push(meta(u, "peer_group").diag(format!(
                "unknown peer group `{c}`; the set declares {}",
                list_ids(set.peer_groups.iter().map(|x| &x.id))
            )));
        }
        found
    }

    fn parent(&mut self, u: &ReadUnit, p: &str) -> Option<usize> {
        let found = self.index.get(p).copied();
        if found.is_none() {
            self.diags.push(meta(u, "parent").diag(format!(
                "unknown parent unit `{p}`: every parent must be listed as a unit"
            )));
        }
        found
    }

    /// A unit of a kind this set does not declare may carry no values, and may only be a root
    /// above the assessed units (e.g. the city above its districts), unless another set of the
    /// run declares its kind.
    fn check_unscored(&mut self, u: &ReadUnit, kind_id: &str) {
        let set = self.set;
        if !self.run_declares(kind_id, None)
            && u.values.iter().any(|(_, v, _)| *v != RawValue::Missing)
        {
            self.diags.push(u.origin.diag(format!(
                "unit `{}` is of kind `{kind_id}`, which this set neither scores nor aggregates, but it has values that would be ignored; the set scores `{}`{}",
                u.id,
                set.unit_kind().id,
                if set.kinds.len() > 1 {
                    format!(" and aggregates {}", list_ids(set.kinds[1..].iter().map(|k| &k.id)))
                } else {
                    String::new()
                }
            )));
        } else if u.parent.is_some() && !self.run_declares(kind_id, None) {
            self.diags.push(meta(u, "kind").diag(format!(
                "unit `{}` is of kind `{kind_id}`, which no indicator set of this run declares; declare it in `unit_kinds`, or assess it with its own set (`--level`)",
                u.id
            )));
        }
    }

    /// The base slots of a unit of kind `k` (case counts still empty) and its text fields.
    fn values(&mut self, k: usize, u: &'r ReadUnit) -> (Vec<Option<Val>>, Vec<(usize, String)>) {
        let set = self.set;
        let kd = &set.kinds[k];
        let mut values = vec![None; kd.layout.derived as usize];
        // Which header or key gave each slot: a field given twice is an error, never last-wins.
        let mut given: Vec<Option<(&'r str, &'r Origin)>> = vec![None; values.len()];
        let mut texts = Vec::new();
        for (full_name, raw, origin) in &u.values {
            // `births@survey` (CSV headers) names one layer of a field.
            let (name, layer) = match full_name.rsplit_once('@') {
                Some((n, l)) => (n.trim(), Some(l.trim().to_string())),
                None => (full_name.as_str(), None),
            };
            let Some(fi) = self.field(k, name, origin) else {
                continue;
            };
            let f = &kd.fields[fi];
            let layered: Vec<(String, RawValue)> = match (raw, &layer) {
                (RawValue::Layers(list), None) => list.clone(),
                (RawValue::Layers(_), Some(_)) => {
                    self.diags
                        .push(origin.diag(format!("field `{}`: a layer cannot hold layers", f.id)));
                    continue;
                }
                (v, Some(l)) => vec![(l.clone(), v.clone())],
                (_, None) => Vec::new(),
            };
            if !layered.is_empty() || (!f.layers.is_empty() && layer.is_none()) {
                let at = Given {
                    unit: &u.id,
                    header: full_name,
                    raw,
                    origin,
                };
                self.layers(fi, f, layered, at, &mut values, &mut given);
                continue;
            }
            if self.given_twice(&mut given, fi, f, &u.id, full_name, origin) {
                continue;
            }
            match convert(raw, f.ty) {
                Ok(Conv::Val(v)) => values[fi] = Some(crate::model::val_as_written(v, f.decimals)),
                Ok(Conv::Text(t)) => texts.push((fi, t)),
                Ok(Conv::Missing) => {}
                Err(why) => self
                    .diags
                    .push(origin.diag(format!("field `{}` ({}): {why}", f.id, f.name))),
            }
        }
        (values, texts)
    }

    /// Whether slot `slot` (of field `f`) was already given for unit `unit` under another
    /// header or key: then an error naming both and the unit. Otherwise it is marked as given
    /// by `header` at `origin`.
    fn given_twice(
        &mut self,
        given: &mut [Option<(&'r str, &'r Origin)>],
        slot: usize,
        f: &Field,
        unit: &str,
        header: &'r str,
        origin: &'r Origin,
    ) -> bool {
        let Some(mark) = given.get_mut(slot) else {
            return false;
        };
        if let Some((first, at)) = *mark {
            self.diags.push(origin.diag(format!(
                "unit `{unit}`: field `{}` ({}) is given twice, as `{first}` ({}) and as `{header}`; keep one of them",
                f.id,
                f.name,
                place_text(at)
            )));
            return true;
        }
        *mark = Some((header, origin));
        false
    }

    /// The field of kind `k` that `name` names; `None`, with an error unless another set of
    /// the run reads it, when there is none.
    fn field(&mut self, k: usize, name: &'r str, origin: &Origin) -> Option<usize> {
        let set = self.set;
        let kd = &set.kinds[k];
        let found = *self
            .field_cache
            .entry((k, name))
            .or_insert_with(|| find_field(&kd.fields, name));
        if found.is_none()
            && !self.run_declares(&kd.id, Some(name))
            && self.unknown.insert((origin.file.clone(), k, name))
        {
            let hint = crate::load::edit_distance_hint(
                name,
                kd.fields
                    .iter()
                    .flat_map(|f| std::iter::once(&f.id).chain(&f.aliases)),
            );
            let fields: Vec<String> = kd
                .fields
                .iter()
                .map(|f| {
                    let mut names = vec![f.name.clone()];
                    names.extend(f.aliases.iter().cloned());
                    format!("`{}` ({})", f.id, names.join(", "))
                })
                .collect();
            self.diags.push(origin.diag(format!(
                "unknown field `{name}` for a unit of kind `{}`{hint} (reported once for this file); the names accepted are the fields {} and the identity columns: {}",
                kd.id,
                fields.join(", "),
                identity_names(set)
            )));
        }
        found
    }

    /// The values of a layered field (field index `fi`): each into its layer's slot, and the
    /// used value (the first layer in priority order that has one) into the field's slot.
    /// A plain value of a layered field belongs to its lowest-priority layer.
    fn layers(
        &mut self,
        fi: usize,
        f: &Field,
        layered: Vec<(String, RawValue)>,
        at: Given<'r>,
        values: &mut [Option<Val>],
        given: &mut [Option<(&'r str, &'r Origin)>],
    ) {
        let (raw, origin) = (at.raw, at.origin);
        let set = self.set;
        let implicit = layered.is_empty();
        let layered = if implicit {
            match f.layers.last().and_then(|l| set.layers.get(*l)) {
                Some(l) => vec![(l.id.clone(), raw.clone())],
                None => Vec::new(),
            }
        } else {
            layered
        };
        if f.layers.is_empty() {
            self.diags.push(origin.diag(format!(
                "field `{}` ({}) has no evidence layers, but layered values were given",
                f.id, f.name
            )));
            return;
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
                    .filter_map(|l| set.layers.get(*l).map(|x| format!("`{}`", x.id)))
                    .collect();
                self.diags.push(origin.diag(format!(
                    "field `{}` ({}): unknown layer `{lname}`; it takes {}",
                    f.id,
                    f.name,
                    allowed.join(", ")
                )));
                continue;
            };
            let slot = (f.layer_base as usize) + pos;
            if self.given_twice(given, slot, f, at.unit, at.header, origin) {
                continue;
            }
            match convert(&lraw, f.ty) {
                Ok(Conv::Val(v)) => {
                    values[slot] = Some(crate::model::val_as_written(v, f.decimals))
                }
                Ok(Conv::Missing) => {}
                Ok(Conv::Text(_)) => self
                    .diags
                    .push(origin.diag(format!("field `{}`: text fields have no layers", f.id))),
                Err(why) if implicit => self
                    .diags
                    .push(origin.diag(format!("field `{}` ({}): {why}", f.id, f.name))),
                Err(why) => self.diags.push(origin.diag(format!(
                    "field `{}` ({}), layer `{lname}`: {why}",
                    f.id, f.name
                ))),
            }
        }
        values[fi] = (0..f.layers.len()).find_map(|k| values[(f.layer_base as usize) + k]);
    }

    /// Cases, from units and from ledgers, each onto its unit.
    fn cases(
        &mut self,
        read_units: &[ReadUnit],
        ledger: Vec<(String, RawCase, Origin)>,
        units: &mut [Unit],
    ) {
        let mut all_cases: Vec<(usize, RawCase, Origin)> = Vec::new();
        for (i, u) in read_units.iter().enumerate() {
            for (c, o) in &u.cases {
                all_cases.push((i, c.clone(), o.clone()));
            }
        }
        for (unit, c, o) in ledger {
            match self.index.get(&unit) {
                Some(i) => all_cases.push((*i, c, o)),
                None => self
                    .diags
                    .push(o.diag(format!("case for unknown unit `{unit}`"))),
            }
        }
        for (i, c, o) in all_cases {
            self.case(&mut units[i], c, &o);
        }
    }

    /// One case of a unit: its type resolved, and, when verified, counted (and its amount
    /// added) in every window that contains its date (undated: every window).
    fn case(&mut self, unit: &mut Unit, c: RawCase, o: &Origin) {
        let set = self.set;
        let Some(k) = unit.kind else {
            // The unit is scored by another set of the run, or by none: then its cases would
            // be ignored, which is an error.
            if !self.run_declares(&unit.kind_id, None) {
                self.diags.push(o.diag(format!(
                    "case for unit `{}` of kind `{}`, which this set neither scores nor aggregates",
                    unit.id, unit.kind_id
                )));
            }
            return;
        };
        let Some(t) = set
            .case_types
            .iter()
            .position(|x| x.id == c.case_type.value || x.name == c.case_type.value)
        else {
            self.diags.push(o.diag(format!(
                "unknown case type `{}`; the set declares {}",
                c.case_type.value,
                list_ids(set.case_types.iter().map(|x| &x.id))
            )));
            return;
        };
        let in_period = c
            .date
            .is_none_or(|d| d >= set.effective.from && d <= set.effective.to);
        let verified = c.verified.unwrap_or(true);
        if verified && !count_case(set, k, t, &c, &mut unit.values) {
            self.diags.push(o.diag(format!(
                "unit `{}`: the amounts of its `{}` cases add up to more than can be computed \
                 exactly (28 significant digits){}",
                unit.id,
                c.case_type.value,
                c.amount
                    .map(|a| format!("; this case's amount is {a}"))
                    .unwrap_or_default()
            )));
        }
        unit.cases.push(Case {
            reported: c.reported,
            months_late: c.months_late,
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

    /// No unit may be its own ancestor.
    fn check_tree(&mut self, units: &[Unit]) {
        for (i, u) in units.iter().enumerate() {
            let mut seen = vec![i];
            let mut cur = u.parent;
            while let Some(p) = cur {
                if seen.contains(&p) {
                    self.diags.push(u.origin.diag(format!(
                        "unit `{}` is its own ancestor (a cycle of parents)",
                        u.id
                    )));
                    break;
                }
                seen.push(p);
                cur = units[p].parent;
            }
        }
    }
}

/// Where a unit's metadata item (`class`, `parent` …) was written, or else the unit.
fn meta<'u>(u: &'u ReadUnit, key: &str) -> &'u Origin {
    u.meta_origin.get(key).unwrap_or(&u.origin)
}

/// Count a verified case of type `t` of a unit of kind `k` (and add its amount) in every
/// window that contains its date (undated: every window). False when a sum overflows.
fn count_case(
    set: &IndicatorSet,
    k: usize,
    t: usize,
    c: &RawCase,
    values: &mut [Option<Val>],
) -> bool {
    let kind = &set.kinds[k];
    let n_cases = set.case_types.len();
    for (p, window) in set.periods.iter().enumerate() {
        if c.date.is_some_and(|d| !window.contains(d)) {
            continue;
        }
        for (amount, add) in [(false, Decimal::ONE), (true, c.amount.unwrap_or_default())] {
            let slot = kind.case_slot(n_cases, p, t, amount) as usize;
            if let Some(v) = values.get_mut(slot) {
                let prev = match v {
                    Some(Val::Num(n)) => *n,
                    _ => Decimal::ZERO,
                };
                let Some(sum) = prev.checked_add(add) else {
                    return false;
                };
                *v = Some(Val::Num(sum));
            }
        }
    }
    true
}

/// Case counts are known (zero when no case) for every unit of a declared kind.
fn zero_case_counts(set: &IndicatorSet, units: &mut [Unit]) {
    for u in units {
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
}

/// For each unit and each descendant kind k ≥ 1: its descendants of that kind.
fn descendants(set: &IndicatorSet, units: &[Unit]) -> Vec<Vec<Vec<usize>>> {
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
    descendants
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

/// Where a value was given: its unit, the header or key as written, the value and its place.
#[derive(Clone, Copy)]
struct Given<'r> {
    unit: &'r str,
    header: &'r str,
    raw: &'r RawValue,
    origin: &'r Origin,
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

pub(crate) enum Conv {
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
        (RawValue::Num(d), FieldType::Text) => Ok(Conv::Text(d.to_string())),
        (RawValue::Bool(b), FieldType::Text) => Ok(Conv::Text(if *b { "是" } else { "否" }.into())),
        (RawValue::Bool(b), FieldType::Bool) => Ok(Conv::Val(Val::Bool(*b))),
        (RawValue::Num(d), FieldType::Bool) if *d == Decimal::ZERO || *d == Decimal::ONE => {
            Ok(Conv::Val(Val::Bool(*d == Decimal::ONE)))
        }
        (RawValue::Num(d), FieldType::Bool) => Err(format!("expected 是/否 (yes/no), found {d}")),
        (RawValue::Bool(_), _) => Err("expected a number, found yes/no".into()),
        (RawValue::Num(d), _) => num(*d),
        (RawValue::Text(t), _) => convert_str(t, ty),
    }
}

/// A value written as text (`t`, as the cell or key holds it) checked against `ty`: what
/// [`convert`] does with a [`RawValue::Text`], without making one (the CSV fast path,
/// [`crate::read::fast`], calls it once per cell).
pub(crate) fn convert_str(t: &str, ty: FieldType) -> Result<Conv, String> {
    let num = |d: Decimal| convert(&RawValue::Num(d), ty);
    match ty {
        FieldType::Text => return Ok(Conv::Text(t.to_string())),
        FieldType::Bool => {
            return parse_bool(t)
                .map(|b| Conv::Val(Val::Bool(b)))
                .ok_or_else(|| format!("expected 是/否 (yes/no), found `{t}`"));
        }
        _ => {}
    }
    match parse_number(t) {
        Some((d, false)) => num(d),
        Some((d, true)) if ty == FieldType::Percent => num(d),
        Some((d, true)) => num(d / Decimal::ONE_HUNDRED),
        // `NaN`, `inf`, `#DIV/0!` … are not numbers either (none parses as one).
        None => Err(format!("expected a number, found `{t}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::csv::TextEncoding;
    use crate::read::csv::read_csv;

    const BASE: &str = include_str!("../fixtures/invalid/base/set.yaml");

    fn read(text: &str) -> ReadEvidence {
        let mut out = ReadEvidence::default();
        let mut diags = Vec::new();
        read_csv(
            "t.csv",
            text.as_bytes(),
            TextEncoding::default(),
            &mut out,
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
        out
    }

    #[test]
    fn identity_columns_as_people_name_them() {
        let set = crate::load::load_set_str("set.yaml", BASE).expect("base set");
        let csv = "unit_id,unit_name,类别,births,policy_births,has_plan,rate\n\
                   sz,深圳,inner,1,1,是,90\n\
                   futian,福田区,inner,100,96,是,90\n";
        let ev = bind(&set, read(csv)).expect("binds");
        let u = &ev.units[1];
        assert_eq!((u.id.as_str(), u.name.as_str()), ("futian", "福田区"));
        assert_eq!(u.class, Some(0));
    }

    #[test]
    fn the_set_declares_its_own_identity_columns() {
        let text = BASE.replace(
            "grades:\n",
            "identity: { name: [机构名称], class: [分类], parent: [主管单位] }\ngrades:\n",
        );
        let set = crate::load::load_set_str("set.yaml", &text).expect("set with identity");
        let csv = "id,机构名称,分类,主管单位,births,policy_births,has_plan,rate\n\
                   sz,深圳,inner,,1,1,是,90\n\
                   futian,福田区,inner,sz,100,96,是,90\n";
        let ev = bind(&set, read(csv)).expect("binds");
        let u = &ev.units[1];
        assert_eq!(u.name, "福田区");
        assert_eq!(u.class, Some(0));
        assert_eq!(u.parent, Some(0));
    }

    #[test]
    fn an_unknown_column_is_reported_once_per_file() {
        let set = crate::load::load_set_str("set.yaml", BASE).expect("base set");
        let csv = "id,births,policy_birth,has_plan,rate\n\
                   a,1,1,是,90\nb,1,1,是,90\nc,1,1,是,90\n";
        let d = bind(&set, read(csv)).expect_err("unknown column");
        assert_eq!(d.len(), 1, "{d}");
        assert!(
            d.to_string().contains("did you mean `policy_births`"),
            "{d}"
        );
    }

    #[test]
    fn a_ledger_states_months_late() {
        let csv = "单位代码,案件类型,发生日期,迟报月数\nfutian,two_non,2011-03-10,4\n";
        let r = read(csv);
        assert_eq!(r.ledger.len(), 1);
        assert_eq!(r.ledger[0].1.months_late, Some(4));
        let mut out = ReadEvidence::default();
        let mut diags = Vec::new();
        let bad = "单位代码,案件类型,迟报月数\nfutian,two_non,三个月\n";
        read_csv(
            "t.csv",
            bad.as_bytes(),
            TextEncoding::default(),
            &mut out,
            &mut diags,
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0].message.contains("whole number of months"),
            "{diags:?}"
        );
    }
}
