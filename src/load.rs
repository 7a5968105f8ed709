//! Loading an indicator set: YAML text → [`crate::raw`] → validated [`crate::model`].
//!
//! Every problem is collected, not just the first:
//! - **Structure** (unknown keys, wrong types, duplicate keys): read through [`crate::yaml`];
//!   when the whole file does not deserialize, each list item (line, field, indicator, veto,
//!   …) is deserialized on its own from its region of the file, so every broken item reports
//!   its first problem with its real line and column.
//! - **Meaning** (unknown references, duplicate ids, expression errors, cycles among derived
//!   values, maxima that do not add up, bad rule parameters) is checked on the whole set and
//!   every problem is reported.

use crate::diag::{Diagnostic, Diagnostics, Sink};
use crate::expr::{self, Compiled, ExprError, Resolver, Ty};
use crate::model::*;
use crate::raw::*;
use crate::rules;
use crate::yaml::{self, Items};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, BTreeSet};

/// Load an indicator set from a file on disk.
pub fn load_set_file(path: &std::path::Path) -> Result<IndicatorSet, Diagnostics> {
    yaml::load_file(path, load_set_str)
}

/// Load an indicator set from YAML text; `file` names it in diagnostics.
pub fn load_set_str(file: &str, text: &str) -> Result<IndicatorSet, Diagnostics> {
    let raw: RawSet = yaml::parse(file, text)?;
    build(file, text, raw)
}

/// SHA-256 of the bytes, lowercase hex.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Structural errors: per-item recovery
// ---------------------------------------------------------------------------------------------

/// The top level with every list left unparsed: catches unknown keys and bad scalars.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Header {
    id: S,
    name: String,
    version: String,
    effective: RawPeriod,
    unit_kind: S,
    #[serde(default)]
    scale: Option<Spanned<Decimal>>,
    #[serde(default)]
    rounding: Option<u32>,
    #[serde(default)]
    on_missing: Option<OnMissing>,
    #[serde(default)]
    not_applicable: Option<NaPolicy>,
    #[serde(default)]
    unit_kinds: IgnoredAny,
    #[serde(default)]
    classes: IgnoredAny,
    #[serde(default)]
    peer_groups: IgnoredAny,
    lines: IgnoredAny,
    #[serde(default)]
    combine: Option<RawCombine>,
    #[serde(default)]
    sections: IgnoredAny,
    #[serde(default)]
    fields: IgnoredAny,
    #[serde(default)]
    case_types: IgnoredAny,
    #[serde(default)]
    derived: IgnoredAny,
    indicators: IgnoredAny,
    #[serde(default)]
    bonus: IgnoredAny,
    #[serde(default)]
    vetoes: IgnoredAny,
    grades: IgnoredAny,
    #[serde(default)]
    identity: Option<crate::raw::RawIdentity>,
    #[serde(default)]
    uncertainty: IgnoredAny,
}

/// Where each list item starts.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Skeleton {
    unit_kinds: Items,
    classes: Items,
    peer_groups: Items,
    lines: Items,
    sections: Items,
    fields: Items,
    case_types: Items,
    derived: Items,
    indicators: Items,
    bonus: Option<SkeletonBonus>,
    vetoes: Items,
    grades: Items,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SkeletonBonus {
    items: Items,
}

impl yaml::Recover for RawSet {
    /// The top level with its lists unparsed, then each item of each list on its own.
    fn recover(r: &mut yaml::Recovery<'_>) {
        let Some(skel) = r.skeleton::<Skeleton>() else {
            return;
        };
        r.check::<Header>();
        r.items::<RawUnitKind>(&skel.unit_kinds);
        r.items::<RawNamed>(&skel.classes);
        r.items::<RawNamed>(&skel.peer_groups);
        r.items::<RawLine>(&skel.lines);
        r.items::<RawSection>(&skel.sections);
        r.items::<RawField>(&skel.fields);
        r.items::<RawCaseType>(&skel.case_types);
        r.items::<RawDerived>(&skel.derived);
        r.items::<RawIndicator>(&skel.indicators);
        if let Some(b) = &skel.bonus {
            r.items::<RawIndicator>(&b.items);
        }
        r.items::<RawVeto>(&skel.vetoes);
        r.items::<RawGrade>(&skel.grades);
    }
}

// ---------------------------------------------------------------------------------------------
// Meaning: build the model, collecting every problem
// ---------------------------------------------------------------------------------------------

/// Name → (slot, type) for one kind's own scope, plus the kinds it may aggregate over.
pub(crate) struct NameScope<'a> {
    pub names: BTreeMap<String, (u32, Ty)>,
    pub kinds: Vec<(String, u32, &'a NameScope<'a>)>,
    /// History and comparative names (`last.x`, `peer_mean.x` …) allocated on use.
    pub dynamic: Option<&'a Dynamic>,
    /// Whether names computed across units (`mean3.`, `change.`, `peer_mean.`, `all_mean.`) may be
    /// used: not in derived values, which they are computed from.
    pub stage2: bool,
}

/// The registry of dynamic slots of a set, shared by its scopes while compiling.
pub(crate) struct Dynamic {
    pub base: u32,
    pub slots: std::cell::RefCell<Vec<DynSlot>>,
    /// Names `last.x` may name: fields, derived values and `total`, `score`, `rank`.
    pub history_keys: BTreeSet<String>,
    /// The set's classes (id, name), for `class == "…"`.
    pub classes: Vec<(String, String)>,
}

impl Dynamic {
    fn slot(&self, name: &str, kind: DynKind) -> u32 {
        let mut v = self.slots.borrow_mut();
        let i = match v.iter().position(|d| d.name == name) {
            Some(i) => i,
            None => {
                v.push(DynSlot {
                    name: name.to_string(),
                    kind,
                });
                v.len() - 1
            }
        };
        self.base + to_u32(i)
    }
}

impl NameScope<'_> {
    fn resolve_dynamic(&self, name: &str) -> Option<(u32, Ty)> {
        let d = self.dynamic?;
        let (prefix, key) = name.split_once('.')?;
        match prefix {
            "last" | "last2" => {
                if !d.history_keys.contains(key) {
                    return None;
                }
                let years = if prefix == "last" { 1 } else { 2 };
                let kind = DynKind::Last {
                    years,
                    key: key.to_string(),
                };
                Some((d.slot(name, kind), Ty::Num))
            }
            "mean3" | "change" | "peer_mean" | "all_mean" | "peer_min" | "peer_max"
            | "peer_rank" | "all_min" | "all_max" | "all_rank"
                if self.stage2 =>
            {
                let (cur, ty) = self.names.get(key).copied()?;
                if ty != Ty::Num {
                    return None;
                }
                let kind = match prefix {
                    "mean3" => DynKind::Mean3 {
                        cur,
                        last: self.resolve_dynamic(&format!("last.{key}"))?.0,
                        last2: self.resolve_dynamic(&format!("last2.{key}"))?.0,
                    },
                    "change" => DynKind::Change {
                        cur,
                        last: self.resolve_dynamic(&format!("last.{key}"))?.0,
                    },
                    other => {
                        let (peer, stat) = crate::model::Stat::of_prefix(other)?;
                        DynKind::Across { cur, peer, stat }
                    }
                };
                Some((d.slot(name, kind), Ty::Num))
            }
            _ => None,
        }
    }
}

impl Resolver for NameScope<'_> {
    fn resolve(&self, name: &str) -> Option<(u32, Ty)> {
        self.names
            .get(name)
            .copied()
            .or_else(|| self.resolve_dynamic(name))
    }
    fn resolve_kind(&self, name: &str) -> Option<(u32, &dyn Resolver)> {
        self.kinds
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, k, s)| (*k, *s as &dyn Resolver))
    }
    fn resolve_class(&self, name: &str) -> Option<u32> {
        let classes = &self.dynamic?.classes;
        let i = classes.iter().position(|(id, n)| id == name || n == name)?;
        u32::try_from(i).ok()
    }
    fn class_names(&self) -> Option<Vec<String>> {
        self.dynamic
            .map(|d| d.classes.iter().map(|(id, _)| id.clone()).collect())
    }
    fn names(&self) -> Vec<String> {
        self.names
            .keys()
            .cloned()
            .chain(self.kinds.iter().map(|(n, _, _)| n.clone()))
            .collect()
    }
}

struct Ctx<'t> {
    text: &'t str,
    sink: Sink,
}

impl Ctx<'_> {
    fn err(&mut self, loc: Location, msg: impl Into<String>) {
        self.sink.at(loc, msg);
    }

    /// Report expression errors at their position inside the YAML scalar.
    fn expr_errors(&mut self, src: &S, errors: Vec<ExprError>) {
        for e in errors {
            let loc = src.referenced;
            let mut column = loc.column();
            if let Some(off) = loc
                .span()
                .byte_offset()
                .and_then(|o| usize::try_from(o).ok())
                && let Some(rest) = self.text.get(off..)
            {
                let quoted = rest.starts_with('"') || rest.starts_with('\'');
                let body = if quoted { &rest[1..] } else { rest };
                if body.starts_with(src.value.as_str()) {
                    let before = src.value.get(..e.start).map_or(0, |s| s.chars().count());
                    column += before as u64 + u64::from(quoted);
                }
            }
            self.sink.push(Diagnostic::at(
                &self.sink.file,
                loc.line(),
                column,
                format!("in expression `{}`: {}", src.value, e.message),
            ));
        }
    }

    fn compile(&mut self, src: &S, scope: &dyn Resolver, expected: Option<Ty>) -> Option<Compiled> {
        match expr::compile(&src.value, scope, expected) {
            Ok(c) => {
                if let Some(t) = expected
                    && c.ty() != t
                {
                    let want = match t {
                        Ty::Num => "a number",
                        Ty::Bool => "a yes/no condition",
                    };
                    self.err(
                        src.referenced,
                        format!("expression `{}` must give {want}", src.value),
                    );
                    return None;
                }
                Some(c)
            }
            Err(errors) => {
                self.expr_errors(src, errors);
                None
            }
        }
    }

    fn unique_ids<'a>(
        &mut self,
        what: &str,
        ids: impl Iterator<Item = &'a S>,
    ) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for (i, id) in ids.enumerate() {
            if !is_identifier(&id.value) {
                self.err(
                    id.referenced,
                    format!(
                        "{what} id `{}` must be an identifier (letters, digits, `_`; not starting with a digit)",
                        id.value
                    ),
                );
            }
            if seen.insert(id.value.clone(), i).is_some() {
                self.err(id.referenced, format!("duplicate {what} id `{}`", id.value));
            }
        }
        seen
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn did_you_mean<'a>(name: &str, options: impl Iterator<Item = &'a String>) -> String {
    let mut best: Option<(usize, &String)> = None;
    for o in options {
        let d = edit_distance(name, o);
        if d <= 2.max(name.chars().count() / 3) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, o));
        }
    }
    best.map(|(_, o)| format!(" (did you mean `{o}`?)"))
        .unwrap_or_default()
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn build_fields(ctx: &mut Ctx, raw: &[RawField], layers: &BTreeMap<String, usize>) -> Vec<Field> {
    ctx.unique_ids("field", raw.iter().map(|f| &f.id));
    let mut next_layer = to_u32(raw.len());
    let mut layer_lists = Vec::new();
    for f in raw {
        if let Some(d) = &f.decimals
            && d.value > 6
        {
            ctx.err(d.referenced, "`decimals` must be between 0 and 6");
        }
        let mut list = Vec::new();
        for l in &f.layers {
            match layers.get(&l.value) {
                Some(i) if list.contains(i) => {
                    ctx.err(l.referenced, format!("layer `{}` is listed twice", l.value));
                }
                Some(i) => list.push(*i),
                None => ctx.err(
                    l.referenced,
                    format!(
                        "unknown evidence layer `{}`{}; declare it in the set's `layers`",
                        l.value,
                        did_you_mean(&l.value, layers.keys())
                    ),
                ),
            }
        }
        let base = next_layer;
        next_layer += to_u32(list.len());
        layer_lists.push((list, base));
    }
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for f in raw {
        for a in &f.aliases {
            if let Some(other) = aliases.insert(a.value.clone(), f.id.value.clone())
                && other != f.id.value
            {
                ctx.err(
                    a.referenced,
                    format!(
                        "alias `{}` is used by fields `{other}` and `{}`",
                        a.value, f.id.value
                    ),
                );
            }
        }
    }
    raw.iter()
        .zip(layer_lists)
        .map(|(f, (layers, layer_base))| Field {
            layers,
            layer_base,
            id: f.id.value.clone(),
            name: f.name.clone(),
            ty: f.ty,
            unit: f.unit.clone().or_else(|| match f.ty {
                FieldType::Percent => Some("%".into()),
                FieldType::PerMille => Some("‰".into()),
                _ => None,
            }),
            aliases: f.aliases.iter().map(|a| a.value.clone()).collect(),
            help: f.help.clone(),
            on_missing: f.on_missing,
            decimals: f.decimals.as_ref().map(|d| d.value),
        })
        .collect()
}

fn field_ty(t: FieldType) -> Option<Ty> {
    match t {
        FieldType::Bool => Some(Ty::Bool),
        FieldType::Text => None,
        _ => Some(Ty::Num),
    }
}

/// The base layout of a kind: `[fields][layer values][case counts and amounts per window]`.
fn layout(
    fields: &[Field],
    n_types: usize,
    n_periods: usize,
    n_derived: usize,
    with_results: bool,
) -> KindLayout {
    let layers = to_u32(fields.len());
    let cases = layers + to_u32(fields.iter().map(|f| f.layers.len()).sum());
    let results = cases + to_u32(2 * n_types * n_periods);
    let derived = results
        + if with_results {
            to_u32(RESULT_NAMES.len())
        } else {
            0
        };
    KindLayout {
        layers,
        cases,
        results,
        derived,
        end: derived + to_u32(n_derived),
    }
}

/// Names of a kind's own scope before derived values: fields, their layers, and case counts
/// and amounts (`cases.X`, `amount.X`) in window `p`.
fn base_names(
    fields: &[Field],
    layers: &[Named],
    case_types: &[Named],
    lay: &KindLayout,
    p: usize,
) -> BTreeMap<String, (u32, Ty)> {
    let mut names = BTreeMap::new();
    for (i, f) in fields.iter().enumerate() {
        if let Some(t) = field_ty(f.ty) {
            names.insert(f.id.clone(), (to_u32(i), t));
            for (k, l) in f.layers.iter().enumerate() {
                if let Some(layer) = layers.get(*l) {
                    names.insert(
                        format!("{}.{}", f.id, layer.id),
                        (f.layer_base + to_u32(k), t),
                    );
                }
            }
        }
    }
    let n = case_types.len();
    for (t, c) in case_types.iter().enumerate() {
        let at = |amount: bool| lay.cases + to_u32((p * n + t) * 2 + usize::from(amount));
        names.insert(format!("cases.{}", c.id), (at(false), Ty::Num));
        names.insert(format!("amount.{}", c.id), (at(true), Ty::Num));
    }
    names
}

/// Compile derived values (all of them see each other), then order them; cycles are errors.
fn build_derived(
    ctx: &mut Ctx,
    raw: &[RawDerived],
    names: &mut BTreeMap<String, (u32, Ty)>,
    base: usize,
    kinds: &[(String, u32, &NameScope)],
    dynamic: Option<&Dynamic>,
) -> (Vec<Derived>, Vec<usize>) {
    let ids = ctx.unique_ids("derived value", raw.iter().map(|d| &d.id));
    for d in raw {
        if names.contains_key(&d.id.value) {
            ctx.err(
                d.id.referenced,
                format!("derived value `{}` has the same id as a field", d.id.value),
            );
        }
        if let Some(x) = &d.decimals
            && x.value > 6
        {
            ctx.err(x.referenced, "`decimals` must be between 0 and 6");
        }
    }
    // Two passes: first give every derived value a provisional type (Num) to find its type,
    // then compile against the real types.
    let mut provisional = names.clone();
    for (i, d) in raw.iter().enumerate() {
        provisional
            .entry(d.id.value.clone())
            .or_insert((to_u32(base + i), Ty::Num));
    }
    let mut types = vec![Ty::Num; raw.len()];
    for _ in 0..2 {
        for (i, d) in raw.iter().enumerate() {
            let scope = NameScope {
                names: provisional.clone(),
                kinds: kinds.to_vec(),
                dynamic,
                stage2: false,
            };
            if let Ok(c) = expr::compile(&d.expr.value, &scope, None) {
                types[i] = c.ty();
            }
        }
        for (i, d) in raw.iter().enumerate() {
            if let Some(e) = provisional.get_mut(&d.id.value)
                && e.0 == to_u32(base + i)
            {
                e.1 = types[i];
            }
        }
    }
    let scope = NameScope {
        names: provisional.clone(),
        kinds: kinds.to_vec(),
        dynamic,
        stage2: false,
    };
    let mut out = Vec::new();
    let mut deps: Vec<Vec<usize>> = Vec::new();
    let mut ok = true;
    for d in raw {
        match ctx.compile(&d.expr, &scope, None) {
            Some(c) => {
                deps.push(
                    c.slots()
                        .iter()
                        .filter_map(|s| (*s as usize).checked_sub(base))
                        .filter(|i| *i < raw.len())
                        .collect(),
                );
                out.push(Derived {
                    id: d.id.value.clone(),
                    name: d.name.clone(),
                    unit: d.unit.clone(),
                    decimals: d.decimals.as_ref().map(|x| x.value),
                    expr: c,
                });
            }
            None => ok = false,
        }
    }
    *names = provisional;
    if !ok || ids.len() != raw.len() {
        return (out, Vec::new());
    }
    // Topological order (Kahn, smallest index first for determinism); report cycles.
    let n = raw.len();
    let mut indegree = vec![0usize; n];
    for (i, ds) in deps.iter().enumerate() {
        indegree[i] = ds.iter().filter(|d| **d != i).count() + usize::from(ds.contains(&i));
    }
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    loop {
        let next = (0..n).find(|&i| !done[i] && deps[i].iter().all(|d| done[*d] && *d != i));
        match next {
            Some(i) => {
                done[i] = true;
                order.push(i);
            }
            None => break,
        }
    }
    if order.len() < n {
        for (i, d) in raw.iter().enumerate() {
            if !done[i] {
                let on: Vec<String> = deps[i]
                    .iter()
                    .filter(|j| !done[**j])
                    .map(|j| format!("`{}`", raw[*j].id.value))
                    .collect();
                ctx.err(
                    d.expr.referenced,
                    format!(
                        "derived value `{}` is part of a cycle: it depends on {}",
                        d.id.value,
                        on.join(", ")
                    ),
                );
            }
        }
    }
    (out, order)
}

fn build(file: &str, text: &str, raw: RawSet) -> Result<IndicatorSet, Diagnostics> {
    let mut ctx = Ctx {
        text,
        sink: Sink::new(file),
    };
    let c = &mut ctx;
    let rounding = check_header(c, &raw);
    let v = vocabulary(c, &raw);

    // Kinds: descendant kinds first (their scopes are needed by the scored kind).
    let (child_kinds, child_scopes) = build_child_kinds(c, &raw, &v);
    let kind_refs = kind_refs(&child_kinds, &child_scopes);
    let fields = build_fields(c, &raw.fields, &v.layers_idx);
    check_reserved_ids(c, &raw.fields);
    let n_periods = v.periods.len();
    let lay = layout(
        &fields,
        v.case_types.len(),
        n_periods,
        raw.derived.len(),
        false,
    );
    let mut names = base_names(&fields, &v.layers, &v.case_types, &lay, 0);
    // Slots are laid out before compiling, so that history names can be allocated after them.
    let slots = slots_before_compiling(&raw, &lay);
    let dynamic = Dynamic {
        base: slots.dynamic,
        slots: std::cell::RefCell::new(Vec::new()),
        history_keys: history_keys(&fields, &raw.derived),
        classes: v
            .classes
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
    };
    let (derived, eval_order) = build_derived(
        c,
        &raw.derived,
        &mut names,
        lay.derived as usize,
        &kind_refs,
        Some(&dynamic),
    );
    // One scope per statistical window: `cases.X` counts the cases in that window.
    let period_names = window_names(&names, &fields, &v, &lay);
    let period_scopes: Vec<NameScope> = period_names
        .iter()
        .map(|m| NameScope {
            names: m.clone(),
            kinds: kind_refs.clone(),
            dynamic: Some(&dynamic),
            stage2: true,
        })
        .collect();
    let env = Env {
        fields: &fields,
        derived: &derived,
        period_names: &period_names,
        period_scopes: &period_scopes,
        kind_refs: &kind_refs,
        dynamic: &dynamic,
        slots: &slots,
    };
    let scoring = build_scoring(c, &raw, &v, &env);

    let hash = content_hash(text.as_bytes());
    let dynamic_slots = dynamic.slots.borrow().clone();
    let slots = Slots {
        len: slots.dynamic + to_u32(dynamic_slots.len()),
        ..slots
    };
    let mut kinds = vec![Kind {
        id: raw.unit_kind.value.clone(),
        name: raw.unit_kind.value.clone(),
        fields,
        derived,
        eval_order,
        layout: lay,
    }];
    kinds.extend(child_kinds);
    let sections = build_sections(&raw.sections);
    let uncertainty = build_uncertainty(
        &mut ctx,
        raw.uncertainty.as_ref(),
        &kinds[0].fields,
        &v.layers,
        &scoring.indicators,
    );
    ctx.sink.finish()?;
    let Scoring {
        grades,
        lines,
        combine,
        indicators,
        bonus,
        vetoes,
    } = scoring;
    let (scale, veto_only) = (scale_of(&raw), veto_only(&raw));
    Ok(IndicatorSet {
        id: raw.id.value,
        name: raw.name,
        version: raw.version,
        effective: Period {
            from: raw.effective.from.value,
            to: raw.effective.to.value,
            label: raw.effective.label,
        },
        hash,
        file: file.to_string(),
        scale,
        veto_only,
        rounding,
        kinds,
        classes: v.classes,
        peer_groups: v.peer_groups,
        case_types: v.case_types,
        layers: v.layers,
        periods: v.periods,
        phases: v.phases,
        dynamic: dynamic_slots,
        lines,
        combine,
        sections,
        indicators,
        bonus,
        vetoes,
        grades,
        slots,
        identity: raw
            .identity
            .map(|i| crate::model::IdentityColumns {
                name: i.name,
                parent: i.parent,
                class: i.class,
            })
            .unwrap_or_default(),
        uncertainty,
    })
}

/// A set of vetoes alone (一票否决办法): no lines, indicators, bonus or grades.
fn veto_only(raw: &RawSet) -> bool {
    raw.lines.is_empty()
        && raw.indicators.is_empty()
        && raw.bonus.is_none()
        && raw.grades.is_empty()
}

/// The set's scale (0 for a set of vetoes alone).
fn scale_of(raw: &RawSet) -> Decimal {
    raw.scale.as_ref().map_or(Decimal::ZERO, |s| s.value)
}

/// The set's own id, effective period, scale and rounding; returns the rounding.
fn check_header(c: &mut Ctx, raw: &RawSet) -> u32 {
    if !is_identifier(&raw.id.value.replace(['-', '.'], "_")) {
        c.err(
            raw.id.referenced,
            "set id must be letters, digits, `_`, `-` or `.`",
        );
    }
    if raw.effective.from.value > raw.effective.to.value {
        c.err(
            raw.effective.to.referenced,
            format!(
                "effective period ends ({}) before it starts ({})",
                raw.effective.to.value, raw.effective.from.value
            ),
        );
    }
    match &raw.scale {
        Some(s) if s.value <= Decimal::ZERO => c.err(s.referenced, "scale must be greater than 0"),
        Some(_) => {}
        None if veto_only(raw) => {}
        None => {
            let file = c.sink.file.clone();
            c.sink.push(Diagnostic::file(
                &file,
                "the set needs `scale` (only a set of vetoes alone, with no lines, indicators or grades, has none)",
            ));
        }
    }
    if veto_only(raw) {
        if raw.vetoes.is_empty() {
            let file = c.sink.file.clone();
            c.sink.push(Diagnostic::file(
                &file,
                "an indicator set needs lines, indicators and grades, or at least one veto",
            ));
        }
        for v in &raw.vetoes {
            if !matches!(v.effect.value, RawEffect::Fail) {
                c.err(
                    v.effect.referenced,
                    format!(
                        "veto `{}`: a set of vetoes alone has no grades or lines; its vetoes fail the unit (`effect: fail`)",
                        v.id.value
                    ),
                );
            }
        }
    }
    if let Some(r) = &raw.rounding
        && r.value > 6
    {
        c.err(r.referenced, "rounding must be between 0 and 6 decimals");
    }
    raw.rounding.as_ref().map_or(2, |r| r.value)
}

/// The named things of a set that units, cases, fields and rules refer to, with their indices
/// by id.
struct Vocabulary {
    classes: Vec<Named>,
    classes_idx: BTreeMap<String, usize>,
    peer_groups: Vec<Named>,
    case_types: Vec<Named>,
    case_idx: BTreeMap<String, usize>,
    layers: Vec<Named>,
    layers_idx: BTreeMap<String, usize>,
    /// The effective period first, then the other statistical windows.
    periods: Vec<NamedPeriod>,
    periods_idx: BTreeMap<String, usize>,
    phases: Vec<Phase>,
}

fn named(v: &[RawNamed]) -> Vec<Named> {
    v.iter()
        .map(|x| Named {
            id: x.id.value.clone(),
            name: x.name.clone(),
        })
        .collect()
}

fn vocabulary(c: &mut Ctx, raw: &RawSet) -> Vocabulary {
    let classes_idx = c.unique_ids("class", raw.classes.iter().map(|x| &x.id));
    c.unique_ids("peer group", raw.peer_groups.iter().map(|x| &x.id));
    let case_idx = c.unique_ids("case type", raw.case_types.iter().map(|x| &x.id));
    let case_types: Vec<Named> = raw
        .case_types
        .iter()
        .map(|x| Named {
            id: x.id.value.clone(),
            name: x.name.clone(),
        })
        .collect();
    // Evidence layers, statistical windows, phases.
    let layers_idx = c.unique_ids("evidence layer", raw.layers.iter().map(|x| &x.id));
    c.unique_ids("period", raw.periods.iter().map(|x| &x.id));
    let periods = build_periods(c, raw);
    c.unique_ids("phase", raw.phases.iter().map(|x| &x.id));
    let mut weights = Some(Decimal::ZERO);
    let phases: Vec<Phase> = raw
        .phases
        .iter()
        .map(|p| {
            weights = weights.and_then(|t| t.checked_add(p.weight.value));
            if weights.is_none() {
                c.err(p.weight.referenced, TOO_LARGE);
                weights = Some(Decimal::ZERO);
            }
            if p.weight.value <= Decimal::ZERO {
                c.err(p.weight.referenced, "a phase weight must be greater than 0");
            }
            Phase {
                id: p.id.value.clone(),
                name: p.name.clone(),
                weight: p.weight.value,
            }
        })
        .collect();
    let periods_idx: BTreeMap<String, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    Vocabulary {
        classes: named(&raw.classes),
        classes_idx,
        peer_groups: named(&raw.peer_groups),
        case_types,
        case_idx,
        layers: named(&raw.layers),
        layers_idx,
        periods,
        periods_idx,
        phases,
    }
}

/// The effective period, then the other statistical windows.
fn build_periods(c: &mut Ctx, raw: &RawSet) -> Vec<NamedPeriod> {
    let mut periods = vec![NamedPeriod {
        id: "effective".into(),
        name: raw
            .effective
            .label
            .clone()
            .unwrap_or_else(|| "考核期".to_string()),
        from: raw.effective.from.value,
        to: raw.effective.to.value,
    }];
    for p in &raw.periods {
        if p.from.value > p.to.value {
            c.err(
                p.to.referenced,
                format!("period `{}` ends before it starts", p.id.value),
            );
        }
        if p.id.value == "effective" {
            c.err(
                p.id.referenced,
                "`effective` names the effective period; choose another id",
            );
        }
        periods.push(NamedPeriod {
            id: p.id.value.clone(),
            name: p.name.clone(),
            from: p.from.value,
            to: p.to.value,
        });
    }
    periods
}

/// The descendant kinds (`unit_kinds`), each with its scope: its fields, layers, case counts,
/// its results from its own level's run, and its derived values.
fn build_child_kinds(
    c: &mut Ctx,
    raw: &RawSet,
    v: &Vocabulary,
) -> (Vec<Kind>, Vec<NameScope<'static>>) {
    let kinds_idx = c.unique_ids("unit kind", raw.unit_kinds.iter().map(|k| &k.id));
    if kinds_idx.contains_key(&raw.unit_kind.value) {
        c.err(
            raw.unit_kind.referenced,
            "the scored unit kind must not also be listed in `unit_kinds`",
        );
    }
    let (n_types, n_periods) = (v.case_types.len(), v.periods.len());
    let mut child_kinds: Vec<Kind> = Vec::new();
    let mut child_scopes: Vec<NameScope> = Vec::new();
    for rk in &raw.unit_kinds {
        let fields = build_fields(c, &rk.fields, &v.layers_idx);
        let lay = layout(&fields, n_types, n_periods, rk.derived.len(), true);
        let mut names = base_names(&fields, &v.layers, &v.case_types, &lay, 0);
        for (i, n) in RESULT_NAMES.iter().enumerate() {
            let ty = if n.ends_with("passed") || n.ends_with("vetoed") {
                Ty::Bool
            } else {
                Ty::Num
            };
            names.insert((*n).to_string(), (lay.results + to_u32(i), ty));
        }
        let (derived, eval_order) =
            build_derived(c, &rk.derived, &mut names, lay.derived as usize, &[], None);
        child_scopes.push(NameScope {
            names,
            kinds: Vec::new(),
            dynamic: None,
            stage2: false,
        });
        child_kinds.push(Kind {
            id: rk.id.value.clone(),
            name: rk.name.clone(),
            fields,
            derived,
            eval_order,
            layout: lay,
        });
    }
    (child_kinds, child_scopes)
}

/// Descendant kinds by id, with their kind numbers (1, 2 …) and scopes.
fn kind_refs<'a>(
    kinds: &[Kind],
    scopes: &'a [NameScope<'a>],
) -> Vec<(String, u32, &'a NameScope<'a>)> {
    kinds
        .iter()
        .zip(scopes.iter())
        .enumerate()
        .map(|(i, (k, s))| (k.id.clone(), to_u32(i + 1), s))
        .collect()
}

/// Field ids must not begin like the names the set derives (`cases.`, `last.` …).
fn check_reserved_ids(c: &mut Ctx, fields: &[RawField]) {
    for f in fields {
        for reserved in [
            "cases.",
            "amount.",
            "points.",
            "line.",
            "last.",
            "last2.",
            "mean3.",
            "change.",
            "peer_mean.",
            "all_mean.",
            "peer_min.",
            "peer_max.",
            "peer_rank.",
            "all_min.",
            "all_max.",
            "all_rank.",
        ] {
            if f.id.value.starts_with(reserved) {
                c.err(
                    f.id.referenced,
                    format!("field ids must not start with `{reserved}`"),
                );
            }
        }
    }
}

/// The scored kind's slots up to the dynamic ones (their number is known after compiling).
fn slots_before_compiling(raw: &RawSet, lay: &KindLayout) -> Slots {
    let n_ind = raw.indicators.len();
    let n_bonus = raw.bonus.as_ref().map_or(0, |b| b.items.len());
    let points = lay.end;
    Slots {
        fields: 0,
        layers: lay.layers,
        cases: lay.cases,
        derived: lay.derived,
        points,
        bonus_items: points + to_u32(n_ind),
        lines: points + to_u32(n_ind + n_bonus),
        bonus: points + to_u32(n_ind + n_bonus + raw.lines.len()),
        total: points + to_u32(n_ind + n_bonus + raw.lines.len() + 1),
        dynamic: points + to_u32(n_ind + n_bonus + raw.lines.len() + 2),
        len: 0,
    }
}

/// Names `last.x` may name: numeric fields, derived values and `total`, `score`, `rank`.
fn history_keys(fields: &[Field], derived: &[RawDerived]) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = fields
        .iter()
        .filter(|f| field_ty(f.ty) == Some(Ty::Num))
        .map(|f| f.id.clone())
        .chain(derived.iter().map(|d| d.id.value.clone()))
        .collect();
    keys.extend(["total", "score", "rank"].map(String::from));
    keys
}

/// The scored kind's names in each statistical window: `cases.X` and `amount.X` count that
/// window's cases.
fn window_names(
    names: &BTreeMap<String, (u32, Ty)>,
    fields: &[Field],
    v: &Vocabulary,
    lay: &KindLayout,
) -> Vec<BTreeMap<String, (u32, Ty)>> {
    (0..v.periods.len())
        .map(|p| {
            let mut m = names.clone();
            m.extend(
                base_names(fields, &v.layers, &v.case_types, lay, p)
                    .into_iter()
                    .filter(|(k, _)| k.starts_with("cases.") || k.starts_with("amount.")),
            );
            m
        })
        .collect()
}

/// What the scored kind's indicators and vetoes are compiled in.
struct Env<'a> {
    fields: &'a [Field],
    derived: &'a [Derived],
    /// Names of each statistical window (the effective period first).
    period_names: &'a [BTreeMap<String, (u32, Ty)>],
    /// One scope per statistical window.
    period_scopes: &'a [NameScope<'a>],
    /// The descendant kinds expressions may aggregate over.
    kind_refs: &'a [(String, u32, &'a NameScope<'a>)],
    dynamic: &'a Dynamic,
    slots: &'a Slots,
}

/// What scores: grades, lines and their combination, indicators, bonus items, vetoes.
struct Scoring {
    grades: Vec<Grade>,
    lines: Vec<Line>,
    combine: Combine,
    indicators: Vec<Indicator>,
    bonus: Option<Bonus>,
    vetoes: Vec<Veto>,
}

fn build_scoring(c: &mut Ctx, raw: &RawSet, v: &Vocabulary, e: &Env) -> Scoring {
    // Lines and sections.
    let lines_idx = c.unique_ids("line", raw.lines.iter().map(|l| &l.id));
    let sections_idx = c.unique_ids("section", raw.sections.iter().map(|s| &s.id));
    if raw.lines.is_empty() && !veto_only(raw) {
        let file = c.sink.file.clone();
        c.sink.push(Diagnostic::file(
            &file,
            "an indicator set needs at least one line",
        ));
    }
    let grades = if veto_only(raw) {
        // The outcome of a set of vetoes alone: 通过, or 否决 when a veto fails the unit.
        vec![
            Grade {
                label: "通过".into(),
                min: Some(Decimal::ZERO),
            },
            Grade {
                label: "否决".into(),
                min: None,
            },
        ]
    } else {
        build_grades(c, &raw.grades, scale_of(raw), "the set")
    };
    let lines = build_lines(c, raw, &grades);
    let combine = build_combine(c, raw, &lines, &lines_idx);

    // Indicators and bonus items.
    let all_ids: Vec<&S> = raw
        .indicators
        .iter()
        .chain(raw.bonus.iter().flat_map(|b| b.items.iter()))
        .map(|i| &i.id)
        .collect();
    c.unique_ids("indicator", all_ids.into_iter());
    let refs = Refs {
        fields: e.fields,
        derived: e.derived,
        classes: &v.classes_idx,
        lines: &lines_idx,
        sections: &sections_idx,
        cases: &v.case_idx,
        case_names: &v.case_types,
        scopes: e.period_scopes,
        periods: &v.periods_idx,
        on_missing: raw.on_missing.unwrap_or(OnMissing::Incomplete),
        na_default: raw.not_applicable.unwrap_or(NaPolicy::Drop),
        n_classes: v.classes.len(),
    };
    let indicators: Vec<Indicator> = raw
        .indicators
        .iter()
        .filter_map(|i| build_indicator(c, i, &refs, false))
        .collect();
    let bonus = raw.bonus.as_ref().map(|b| build_bonus(c, b, &refs));
    if c.sink.is_empty() {
        check_line_maxima(c, &raw.lines, &indicators);
    }

    // Vetoes see scores too.
    let veto_scope = NameScope {
        names: veto_names(e, &indicators, bonus.as_ref(), &lines),
        kinds: e.kind_refs.to_vec(),
        dynamic: Some(e.dynamic),
        stage2: true,
    };
    c.unique_ids("veto", raw.vetoes.iter().map(|v| &v.id));
    let vetoes = raw
        .vetoes
        .iter()
        .filter_map(|x| build_veto(c, x, &veto_scope, &lines_idx, &lines, &grades))
        .collect();
    Scoring {
        grades,
        lines,
        combine,
        indicators,
        bonus,
        vetoes,
    }
}

/// The lines, each with its grades: its own, or the set's scaled to the line's maximum.
fn build_lines(c: &mut Ctx, raw: &RawSet, grades: &[Grade]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for l in &raw.lines {
        if l.max.value <= Decimal::ZERO {
            c.err(
                l.max.referenced,
                format!("line `{}` max must be greater than 0", l.id.value),
            );
        }
        let own = if l.grades.is_empty() {
            grades
                .iter()
                .map(|g| Grade {
                    label: g.label.clone(),
                    min: g
                        .min
                        .and_then(|m| m.checked_mul(l.max.value))
                        .and_then(|m| m.checked_div(scale_of(raw))),
                })
                .collect()
        } else {
            build_grades(c, &l.grades, l.max.value, &format!("line `{}`", l.id.value))
        };
        lines.push(Line {
            id: l.id.value.clone(),
            name: l.name.clone(),
            max: l.max.value,
            grades: own,
        });
    }
    lines
}

/// What an overflowing sum of a set's numbers says.
const TOO_LARGE: &str = "the numbers are too large (sums must stay within 28 significant digits)";

/// How the lines make the total: summed (their maxima must add up to the scale), kept
/// separate, or weighted (every line with a weight > 0).
fn build_combine(
    c: &mut Ctx,
    raw: &RawSet,
    lines: &[Line],
    lines_idx: &BTreeMap<String, usize>,
) -> Combine {
    let line_sum = lines
        .iter()
        .try_fold(Decimal::ZERO, |t, l| t.checked_add(l.max));
    match raw.combine.as_ref().map(|c| (&c.value, c.referenced)) {
        None | Some((RawCombine::Sum, _)) | Some((RawCombine::Separate, _)) => {
            let Some(line_sum) = line_sum else {
                let file = c.sink.file.clone();
                let msg =
                    format!("the lines' maxima add up to more than can be computed: {TOO_LARGE}");
                match &raw.scale {
                    Some(s) => c.err(s.referenced, msg),
                    None => c.sink.push(Diagnostic::file(&file, msg)),
                }
                return Combine::Sum;
            };
            if let Some(scale) = &raw.scale
                && line_sum != scale.value
            {
                c.err(
                    scale.referenced,
                    format!(
                        "scale is {} but the lines' maxima add up to {}",
                        scale.value, line_sum
                    ),
                );
            }
            if matches!(
                raw.combine.as_ref().map(|c| &c.value),
                Some(RawCombine::Separate)
            ) {
                Combine::Separate
            } else {
                Combine::Sum
            }
        }
        Some((RawCombine::Weighted(map), at)) => {
            let mut weights = vec![Decimal::ZERO; lines.len()];
            for (name, w) in map {
                match lines_idx.get(name) {
                    Some(i) => {
                        if w.value <= Decimal::ZERO {
                            c.err(
                                w.referenced,
                                format!("weight of line `{name}` must be greater than 0"),
                            );
                        }
                        weights[*i] = w.value;
                    }
                    None => c.err(
                        w.referenced,
                        format!(
                            "unknown line `{name}` in weights{}",
                            did_you_mean(name, lines_idx.keys())
                        ),
                    ),
                }
            }
            for l in lines {
                if !map.contains_key(&l.id) {
                    c.err(at, format!("line `{}` has no weight", l.id));
                }
            }
            if weights
                .iter()
                .try_fold(Decimal::ZERO, |t, w| t.checked_add(*w))
                .is_none()
            {
                c.err(
                    at,
                    format!("the lines' weights add up to more than can be computed: {TOO_LARGE}"),
                );
            }
            Combine::Weighted(weights)
        }
    }
}

fn build_bonus(c: &mut Ctx, b: &RawBonus, refs: &Refs) -> Bonus {
    if let Some(cap) = &b.cap
        && cap.value < Decimal::ZERO
    {
        c.err(cap.referenced, "bonus cap must not be negative");
    }
    Bonus {
        cap: b.cap.as_ref().map(|c| c.value),
        items: b
            .items
            .iter()
            .filter_map(|i| build_indicator(c, i, refs, true))
            .collect(),
    }
}

/// Each line's indicators must add up to the line's max.
fn check_line_maxima(c: &mut Ctx, raw_lines: &[RawLine], indicators: &[Indicator]) {
    for (li, l) in raw_lines.iter().enumerate() {
        let Some(sum) = indicators
            .iter()
            .filter(|i| i.line == Some(li))
            .try_fold(Decimal::ZERO, |t, i| t.checked_add(i.max))
        else {
            c.err(
                l.max.referenced,
                format!(
                    "line `{}` ({}): its indicators' maxima add up to more than can be computed \
                     exactly: {TOO_LARGE}",
                    l.id.value, l.name
                ),
            );
            continue;
        };
        if sum != l.max.value {
            c.err(
                l.max.referenced,
                format!(
                    "line `{}` ({}) has max {} but its indicators' maxima add up to {}",
                    l.id.value, l.name, l.max.value, sum
                ),
            );
        }
    }
}

/// What a veto trigger may name: the effective period's names, and the points of every
/// indicator, bonus item and line, the bonus and the total.
fn veto_names(
    e: &Env,
    indicators: &[Indicator],
    bonus: Option<&Bonus>,
    lines: &[Line],
) -> BTreeMap<String, (u32, Ty)> {
    let slots = e.slots;
    let mut names = e.period_names.first().cloned().unwrap_or_default();
    for (i, ind) in indicators.iter().enumerate() {
        names.insert(
            format!("points.{}", ind.id),
            (slots.points + to_u32(i), Ty::Num),
        );
    }
    if let Some(b) = bonus {
        for (i, ind) in b.items.iter().enumerate() {
            names.insert(
                format!("points.{}", ind.id),
                (slots.bonus_items + to_u32(i), Ty::Num),
            );
        }
    }
    for (i, l) in lines.iter().enumerate() {
        names.insert(format!("line.{}", l.id), (slots.lines + to_u32(i), Ty::Num));
    }
    names.insert("bonus".into(), (slots.bonus, Ty::Num));
    names.insert("total".into(), (slots.total, Ty::Num));
    names
}

/// One veto: its trigger compiled, its scope and effect resolved; `None` (with errors) when
/// any of them is wrong.
fn build_veto(
    c: &mut Ctx,
    v: &RawVeto,
    veto_scope: &NameScope,
    lines_idx: &BTreeMap<String, usize>,
    lines: &[Line],
    grades: &[Grade],
) -> Option<Veto> {
    let when = c.compile(&v.when, veto_scope, Some(Ty::Bool));
    let scope = match v.scope.as_ref().map(|s| &s.value) {
        None | Some(RawScope::Unit) => Some(Scope::Unit),
        Some(RawScope::Line(l)) => match lines_idx.get(&l.value) {
            Some(i) => Some(Scope::Line(*i)),
            None => {
                c.err(
                    l.referenced,
                    format!(
                        "unknown line `{}`{}",
                        l.value,
                        did_you_mean(&l.value, lines_idx.keys())
                    ),
                );
                None
            }
        },
    };
    let effect = veto_effect(c, v, scope, lines, grades);
    Some(Veto {
        id: v.id.value.clone(),
        name: v.name.clone(),
        when: when?,
        scope: scope?,
        effect: effect?,
        mode: v.mode,
        reason: v.reason.clone(),
        source: v.source.clone(),
    })
}

/// A veto's effect: fail, zero its line, or cap the grade (of its line, when it has one).
fn veto_effect(
    c: &mut Ctx,
    v: &RawVeto,
    scope: Option<Scope>,
    lines: &[Line],
    grades: &[Grade],
) -> Option<Effect> {
    match (&v.effect.value, scope) {
        (RawEffect::Fail, _) => Some(Effect::Fail),
        (RawEffect::Zero, Some(Scope::Line(_))) => Some(Effect::Zero),
        (RawEffect::Zero, _) => {
            c.err(
                v.effect.referenced,
                "effect `zero` needs `scope: { line: LINE }`",
            );
            None
        }
        (RawEffect::Cap(label), scope) => {
            let list = match scope {
                Some(Scope::Line(i)) => lines.get(i).map_or(grades, |l| &l.grades),
                _ => grades,
            };
            match list.iter().position(|g| g.label == label.value) {
                Some(i) => Some(Effect::Cap(i)),
                None => {
                    let labels: Vec<String> = list.iter().map(|g| g.label.clone()).collect();
                    c.err(
                        label.referenced,
                        format!(
                            "unknown grade `{}`; grades are {}",
                            label.value,
                            labels.join(", ")
                        ),
                    );
                    None
                }
            }
        }
    }
}

fn build_sections(raw: &[RawSection]) -> Vec<Section> {
    raw.iter()
        .map(|s| Section {
            id: s.id.value.clone(),
            name: s.name.clone(),
            lead: s.lead.clone(),
            office: s.office.clone(),
        })
        .collect()
}

fn build_grades(c: &mut Ctx, raw: &[RawGrade], scale: Decimal, whose: &str) -> Vec<Grade> {
    if raw.is_empty() {
        c.sink.push(Diagnostic::file(
            &c.sink.file.clone(),
            format!("{whose} needs at least one grade"),
        ));
        return Vec::new();
    }
    let mut labels = BTreeSet::new();
    let mut prev: Option<Decimal> = None;
    for (i, g) in raw.iter().enumerate() {
        if !labels.insert(g.label.value.clone()) {
            c.err(
                g.label.referenced,
                format!("duplicate grade `{}`", g.label.value),
            );
        }
        let last = i + 1 == raw.len();
        match (&g.min, last) {
            (None, false) => c.err(
                g.label.referenced,
                format!(
                    "grade `{}` needs `min` (only the last grade has none)",
                    g.label.value
                ),
            ),
            (Some(m), true) => c.err(
                m.referenced,
                format!(
                    "the last grade `{}` must not have `min`: it takes every lower score",
                    g.label.value
                ),
            ),
            (Some(m), false) => {
                if let Some(p) = prev
                    && m.value >= p
                {
                    c.err(
                        m.referenced,
                        format!(
                            "grades must be listed from highest to lowest: {} is not below {}",
                            m.value, p
                        ),
                    );
                }
                if m.value > scale {
                    c.err(
                        m.referenced,
                        format!("grade minimum {} is above the scale {}", m.value, scale),
                    );
                }
                prev = Some(m.value);
            }
            (None, true) => {}
        }
    }
    raw.iter()
        .map(|g| Grade {
            label: g.label.value.clone(),
            min: g.min.as_ref().map(|m| m.value),
        })
        .collect()
}

struct Refs<'a> {
    fields: &'a [Field],
    derived: &'a [Derived],
    classes: &'a BTreeMap<String, usize>,
    lines: &'a BTreeMap<String, usize>,
    sections: &'a BTreeMap<String, usize>,
    cases: &'a BTreeMap<String, usize>,
    /// The case types, by index (their display names).
    case_names: &'a [Named],
    /// One scope per statistical window.
    scopes: &'a [NameScope<'a>],
    periods: &'a BTreeMap<String, usize>,
    on_missing: OnMissing,
    na_default: NaPolicy,
    n_classes: usize,
}

fn non_negative(c: &mut Ctx, v: &Spanned<Decimal>, what: &str) {
    if v.value < Decimal::ZERO {
        c.err(v.referenced, format!("{what} must not be negative"));
    }
}

fn positive(c: &mut Ctx, v: &Spanned<Decimal>, what: &str) {
    if v.value <= Decimal::ZERO {
        c.err(v.referenced, format!("{what} must be greater than 0"));
    }
}

/// The per-unit parameters of a rule being built: each one found is compiled and listed under
/// its path (`within.` for a threshold's nested rule); the rule holds 0 in its place.
struct Dyns<'s> {
    scope: &'s NameScope<'s>,
    prefix: String,
    list: Vec<DynParam>,
}

impl Dyns<'_> {
    /// The parameter's number, or 0 for a per-unit one (compiled and listed).
    fn take(&mut self, c: &mut Ctx, p: &Spanned<RawParam>, name: &str) -> Decimal {
        let (expr, label) = match &p.value {
            RawParam::Num(d) => return *d,
            RawParam::Expr(e) => (e.clone(), None),
            RawParam::Labelled(l) => (l.expr.clone(), l.label.clone()),
        };
        let src = Spanned::new(expr, p.referenced, p.defined);
        if let Some(expr) = c.compile(&src, self.scope, Some(Ty::Num)) {
            self.list.push(DynParam {
                path: format!("{}{name}", self.prefix),
                expr,
                label,
            });
        }
        Decimal::ZERO
    }

    fn opt(&mut self, c: &mut Ctx, p: &Option<Spanned<RawParam>>, name: &str) -> Option<Decimal> {
        p.as_ref().map(|p| self.take(c, p, name))
    }
}

fn build_rule(
    c: &mut Ctx,
    rule: &Spanned<RawRule>,
    r: &Refs,
    item: &str,
    dyns: &mut Dyns,
) -> Option<Rule> {
    let at = rule.referenced;
    let scope = dyns.scope;
    Some(match &rule.value {
        RawRule::Binary(b) => {
            let n = usize::from(b.min.is_some() || b.max.is_some()) + usize::from(b.is.is_some());
            if n != 1 {
                c.err(
                    at,
                    format!("`binary` in `{item}` needs either `min`/`max` or `is`"),
                );
            }
            Rule::Binary(rules::binary::Binary {
                min: dyns.opt(c, &b.min, "min"),
                max: dyns.opt(c, &b.max, "max"),
                is: b.is,
                otherwise: b.otherwise.as_ref().map_or(Decimal::ZERO, |v| v.value),
            })
        }
        RawRule::DeductBelow(d) | RawRule::DeductAbove(d) => {
            positive(c, &d.per, "`per`");
            non_negative(c, &d.points, "`points`");
            if let Some(b) = &d.base {
                non_negative(c, b, "`base`");
            }
            let ded = Deduct {
                target: dyns.take(c, &d.target, "target"),
                per: d.per.value,
                points: d.points.value,
                count: d.count,
                base: d.base.as_ref().map_or(Decimal::ZERO, |v| v.value),
                side: if matches!(rule.value, RawRule::DeductBelow(_)) {
                    rules::deduct::Side::Below
                } else {
                    rules::deduct::Side::Above
                },
            };
            Rule::Deduct(ded)
        }
        RawRule::Threshold(t) => build_threshold(c, t, r, item, dyns, at)?,
        RawRule::Band(b) => {
            if let (Some(low), Some(high)) = (b.low.value.num(), b.high.value.num())
                && low > high
            {
                c.err(b.high.referenced, "`high` must not be below `low`");
            }
            Rule::Band(rules::band::Band {
                low: dyns.take(c, &b.low, "low"),
                high: dyns.take(c, &b.high, "high"),
                low_inclusive: b.low_inclusive,
                high_inclusive: b.high_inclusive,
            })
        }
        RawRule::Proportional(p) => {
            if let Some(t) = p.target.value.num()
                && t <= Decimal::ZERO
            {
                c.err(p.target.referenced, "`target` must be greater than 0");
            }
            Rule::Proportional(rules::proportional::Proportional {
                target: dyns.take(c, &p.target, "target"),
            })
        }
        RawRule::Interpolate(i) => {
            if let (Some(f), Some(z)) = (i.full_at.value.num(), i.zero_at.value.num())
                && f == z
            {
                c.err(i.zero_at.referenced, "`zero_at` must differ from `full_at`");
            }
            Rule::Interpolate(rules::interpolate::Interpolate {
                full_at: dyns.take(c, &i.full_at, "full_at"),
                zero_at: dyns.take(c, &i.zero_at, "zero_at"),
            })
        }
        RawRule::BonusAbove(b) => {
            positive(c, &b.per, "`per`");
            non_negative(c, &b.add, "`add`");
            non_negative(c, &b.extra_cap, "`extra_cap`");
            if let Some(d) = &b.deduct {
                non_negative(c, d, "`deduct`");
            }
            Rule::BonusAbove(rules::bonus_above::BonusAbove {
                target: dyns.take(c, &b.target, "target"),
                per: b.per.value,
                add: b.add.value,
                deduct: b.deduct.as_ref().map_or(Decimal::ZERO, |v| v.value),
                extra_cap: b.extra_cap.value,
                count: b.count,
            })
        }
        RawRule::PerCase(p) => build_per_case(c, p, r, at),
        RawRule::Checklist(cl) => {
            non_negative(c, &cl.per_missing, "`per_missing`");
            Rule::Checklist(rules::checklist::Checklist {
                per_missing: cl.per_missing.value,
            })
        }
        RawRule::Steps(s) => build_steps(c, s, at),
        RawRule::PerCount(p) => {
            if let Some(per) = &p.per {
                positive(c, per, "`per`");
            }
            Rule::PerCount(rules::per_count::PerCount {
                per: p.per.as_ref().map_or(Decimal::ONE, |v| v.value),
                points: p.points.value,
            })
        }
        RawRule::Fraction(_) => Rule::Fraction(rules::fraction::Fraction),
        RawRule::Formula(f) => Rule::Formula(rules::formula::Formula {
            expr: c.compile(&f.points, scope, Some(Ty::Num))?,
        }),
        RawRule::LevelProgress(lp) => build_level_progress(c, lp, scope)?,
        RawRule::Deductions(clauses) => build_deductions(c, clauses, r, item, scope, at)?,
    })
}

/// A `deductions` rule: each clause a value shape with its value, or a `per_case`.
fn build_deductions(
    c: &mut Ctx,
    raw: &[RawClause],
    r: &Refs,
    item: &str,
    scope: &NameScope,
    at: Location,
) -> Option<Rule> {
    if raw.is_empty() {
        c.err(at, "`deductions` needs at least one clause");
    }
    let mut clauses = Vec::new();
    let mut case_types: Vec<usize> = Vec::new();
    for cl in raw {
        let mut inner = Dyns {
            scope,
            prefix: String::new(),
            list: Vec::new(),
        };
        let rule = build_rule(c, &cl.rule, r, item, &mut inner)?;
        if !inner.list.is_empty() {
            c.err(
                cl.rule.referenced,
                "a clause of `deductions` takes numbers, not per-unit parameters",
            );
        }
        let family = rule.family();
        let (value, unit, name) = match (family, &cl.value) {
            (rules::Family::Cases, None) => {
                let names: Vec<&str> = rule
                    .case_types()
                    .iter()
                    .filter_map(|t| r.case_names.get(*t).map(|n| n.name.as_str()))
                    .collect();
                (None, None, names.join("、"))
            }
            (rules::Family::Value, Some(v)) => {
                let want = match &cl.rule.value {
                    RawRule::Binary(b) if b.is.is_some() => Ty::Bool,
                    _ => Ty::Num,
                };
                let e = c.compile(v, scope, Some(want));
                let name = r
                    .fields
                    .iter()
                    .find(|f| f.id == v.value)
                    .map(|f| f.name.clone())
                    .or_else(|| {
                        r.derived
                            .iter()
                            .find(|d| d.id == v.value)
                            .map(|d| d.name.clone())
                    })
                    .unwrap_or_else(|| v.value.clone());
                (e, value_unit(r, &v.value), name)
            }
            (rules::Family::Cases, Some(v)) => {
                c.err(
                    v.referenced,
                    "a `per_case` clause reads the ledger; remove `value`",
                );
                (None, None, String::new())
            }
            (rules::Family::Value, None) => {
                c.err(
                    cl.rule.referenced,
                    "this clause needs `value`: the field, derived value or expression it reads",
                );
                (None, None, String::new())
            }
            _ => {
                c.err(
                    cl.rule.referenced,
                    "a clause of `deductions` is a value shape (with `value`) or a `per_case`",
                );
                (None, None, String::new())
            }
        };
        case_types.extend_from_slice(rule.case_types());
        let case_names = rule
            .case_types()
            .iter()
            .filter_map(|t| r.case_names.get(*t).map(|n| n.name.clone()))
            .collect();
        clauses.push(rules::deductions::Clause {
            name: cl.name.clone().unwrap_or(name),
            case_names,
            value,
            unit,
            rule,
        });
    }
    case_types.sort_unstable();
    case_types.dedup();
    Some(Rule::Deductions(Box::new(rules::deductions::Deductions {
        clauses,
        case_types,
    })))
}
fn build_per_case(c: &mut Ctx, p: &RawPerCase, r: &Refs, at: Location) -> Rule {
    if let Some(points) = &p.points {
        non_negative(c, points, "`points`");
    }
    let mut prices = Vec::new();
    for (t, v) in &p.prices {
        non_negative(c, v, "a price");
        if !p.cases.iter().any(|x| &x.value == t) {
            c.err(
                v.referenced,
                format!("`prices` names `{t}`, which is not in this rule's `cases`"),
            );
        } else if let Some(i) = r.cases.get(t) {
            prices.push((*i, v.value));
        }
    }
    if p.points.is_none()
        && let Some(t) = p.cases.iter().find(|t| !p.prices.contains_key(&t.value))
    {
        c.err(
            t.referenced,
            format!(
                "case type `{}` has no price: give `points` or a price in `prices`",
                t.value
            ),
        );
    }
    let mut types = Vec::new();
    if p.cases.is_empty() {
        c.err(at, "`per_case` needs at least one case type in `cases`");
    }
    for t in &p.cases {
        match r.cases.get(&t.value) {
            Some(i) => types.push(*i),
            None => c.err(
                t.referenced,
                format!(
                    "unknown case type `{}`{}",
                    t.value,
                    did_you_mean(&t.value, r.cases.keys())
                ),
            ),
        }
    }
    let mut mult = Vec::new();
    for (k, v) in &p.finder_multiplier {
        non_negative(c, v, "a finder multiplier");
        mult.push((k.clone(), v.value));
    }
    Rule::PerCase(PerCase {
        case_types: types,
        points: p.points.as_ref().map_or(Decimal::ZERO, |v| v.value),
        prices,
        escalate: p.escalate.as_ref().map_or(Decimal::ZERO, |v| v.value),
        base_severity: p.base_severity.as_ref().map_or(0, |v| v.value),
        finder_multiplier: mult,
        self_report_amnesty: p.self_report_amnesty,
        per_month: p.per_month.as_ref().map_or(Decimal::ZERO, |v| {
            non_negative(c, v, "`per_month`");
            v.value
        }),
        max_months: p.max_months.as_ref().map(|v| v.value),
    })
}

fn build_steps(c: &mut Ctx, s: &RawSteps, at: Location) -> Rule {
    if s.rows.is_empty() {
        c.err(at, "`steps` needs at least one row");
    }
    for row in &s.rows {
        if let (Some(m), Some(b)) = (&row.min, &row.below)
            && m.value >= b.value
        {
            c.err(b.referenced, "`below` must be greater than `min`");
        }
    }
    Rule::Steps(rules::steps::Steps {
        rows: s
            .rows
            .iter()
            .map(|row| StepRow {
                min: row.min.as_ref().map(|v| v.value),
                below: row.below.as_ref().map(|v| v.value),
                points: row.points.value,
            })
            .collect(),
        otherwise: s.otherwise.as_ref().map_or(Decimal::ZERO, |v| v.value),
    })
}

fn build_level_progress(c: &mut Ctx, lp: &RawLevelProgress, scope: &NameScope) -> Option<Rule> {
    for w in lp.weights.iter().chain(lp.otherwise.iter()) {
        non_negative(c, w, "a weight");
    }
    let level = c.compile(&lp.level, scope, Some(Ty::Num));
    let progress = c.compile(&lp.progress, scope, Some(Ty::Num));
    let when = c.compile(&lp.when, scope, Some(Ty::Bool));
    let coefficient = match &lp.coefficient {
        Some(k) => Some(c.compile(k, scope, Some(Ty::Num))?),
        None => None,
    };
    Some(Rule::LevelProgress(Box::new(LevelProgress {
        level: level?,
        progress: progress?,
        when: when?,
        weights: [lp.weights[0].value, lp.weights[1].value],
        otherwise: [lp.otherwise[0].value, lp.otherwise[1].value],
        coefficient,
    })))
}

fn build_threshold(
    c: &mut Ctx,
    t: &RawThreshold,
    r: &Refs,
    item: &str,
    dyns: &mut Dyns,
    at: Location,
) -> Option<Rule> {
    if t.zero_above.is_some() == t.zero_below.is_some() {
        c.err(
            at,
            format!("`threshold` in `{item}` needs exactly one of `zero_above` and `zero_below`"),
        );
    }
    let within = match &t.within {
        Some(w) => {
            let inner = format!("{}within.", dyns.prefix);
            let outer = std::mem::replace(&mut dyns.prefix, inner);
            let built = build_rule(c, w, r, item, dyns);
            dyns.prefix = outer;
            Some(Box::new(built?))
        }
        None => None,
    };
    Some(Rule::Threshold(rules::threshold::Threshold {
        zero_above: dyns.opt(c, &t.zero_above, "zero_above"),
        zero_below: dyns.opt(c, &t.zero_below, "zero_below"),
        inclusive: t.inclusive,
        within,
    }))
}

fn build_indicator(c: &mut Ctx, i: &RawIndicator, r: &Refs, is_bonus: bool) -> Option<Indicator> {
    let before = c.sink.list.len();
    let item = i.id.value.as_str();
    let line = find_ref(c, r.lines, &i.line, "line");
    let section = i
        .section
        .as_ref()
        .and_then(|s| find_ref(c, r.sections, s, "section"));
    if i.max.value < Decimal::ZERO {
        c.err(i.max.referenced, "`max` must not be negative");
    }
    let applies = applies_mask(c, i, r);
    let max_by_class = max_by_class(c, i, r);
    let period = indicator_period(c, i, r);
    let scope = r.scopes.get(period)?;
    let mut dyns = Dyns {
        scope,
        prefix: String::new(),
        list: Vec::new(),
    };
    let rule = build_rule(c, &i.rule, r, item, &mut dyns);
    if !dyns.list.is_empty()
        && rule
            .as_ref()
            .is_some_and(|r| r.family() != rules::Family::Value)
    {
        c.err(
            i.rule.referenced,
            format!("`{item}`: only rules that score one value take per-unit parameters"),
        );
    }
    let (input, value_unit) = indicator_input(c, i, r, scope);
    let zero_if = match &i.zero_if {
        Some(z) => c.compile(z, scope, Some(Ty::Bool)),
        None => None,
    };
    if let Some(f) = &i.floor
        && f.value > i.max.value
    {
        c.err(f.referenced, "`floor` must not be above `max`");
    }
    if is_bonus && i.allow_negative {
        c.err(i.id.referenced, "bonus items cannot go negative");
    }
    let office = i.office.clone().unwrap_or_default();
    let reason = i
        .reason
        .as_ref()
        .and_then(|t| reason_template(c, t, rule.as_ref(), item));
    if c.sink.list.len() > before {
        return None;
    }
    let floor = if i.allow_negative {
        i.floor.as_ref().map(|f| f.value)
    } else {
        Some(i.floor.as_ref().map_or(Decimal::ZERO, |f| f.value))
    };
    Some(Indicator {
        id: i.id.value.clone(),
        name: i.name.clone(),
        line,
        section,
        max: i.max.value,
        max_by_class,
        applies,
        na_policy: i.not_applicable.unwrap_or(r.na_default),
        on_missing: i.on_missing.unwrap_or(r.on_missing),
        on_missing_explicit: i.on_missing.is_some(),
        input,
        rule: rule?,
        floor,
        period,
        zero_if,
        params: dyns.list,
        zero_reason: i.zero_reason.clone(),
        office_lead: office.lead,
        office_responsible: office.responsible,
        text: i.text.clone(),
        source: i.source.clone(),
        value_unit: i.value_unit.clone().or(value_unit),
        value_name: i.value_name.clone(),
        reason,
    })
}

/// An item's `reason:` parsed, and its placeholders checked against the rule: a value only for
/// rules that score one value, a target only for those with a `target`.
fn reason_template(
    c: &mut Ctx,
    t: &S,
    rule: Option<&Rule>,
    item: &str,
) -> Option<std::sync::Arc<crate::model::reason_template::ReasonTemplate>> {
    use crate::model::reason_template::{Placeholder, ReasonTemplate};
    let tpl = match ReasonTemplate::parse(&t.value) {
        Ok(tpl) => tpl,
        Err(e) => {
            c.err(t.referenced, format!("`reason` of `{item}`: {e}"));
            return None;
        }
    };
    let rule = rule?;
    let value_rule = rule.family() == rules::Family::Value;
    let has_target = rule.clone().param_mut("target").is_some();
    let mut ok = true;
    for p in tpl.placeholders() {
        let why = match p {
            Placeholder::Value if !value_rule => Some(format!(
                "its rule `{}` does not score one value",
                rule.shape()
            )),
            Placeholder::Target if !has_target => {
                Some(format!("its rule `{}` has no `target`", rule.shape()))
            }
            _ => None,
        };
        if let Some(why) = why {
            c.err(
                t.referenced,
                format!("`reason` of `{item}` uses `{{{}}}`, but {why}", p.zh()),
            );
            ok = false;
        }
    }
    ok.then(|| std::sync::Arc::new(tpl))
}

/// The index of the `what` (line, section, class) that `s` names, or an error.
fn find_ref(c: &mut Ctx, idx: &BTreeMap<String, usize>, s: &S, what: &str) -> Option<usize> {
    let found = idx.get(&s.value).copied();
    if found.is_none() {
        c.err(
            s.referenced,
            format!(
                "unknown {what} `{}`{}",
                s.value,
                did_you_mean(&s.value, idx.keys())
            ),
        );
    }
    found
}

/// The classes an indicator applies to (`only` / `except`), as a mask over the set's classes.
fn applies_mask(c: &mut Ctx, i: &RawIndicator, r: &Refs) -> Option<Vec<bool>> {
    let (list, listed) = match &i.applies {
        None => return None,
        Some(RawApplies::Only(list)) => (list, true),
        Some(RawApplies::Except(list)) => (list, false),
    };
    let mut mask = vec![!listed; r.n_classes];
    for s in list {
        if let Some(x) = find_ref(c, r.classes, s, "class") {
            mask[x] = listed;
        }
    }
    Some(mask)
}

/// An indicator's (class, maximum) overrides.
fn max_by_class(c: &mut Ctx, i: &RawIndicator, r: &Refs) -> Vec<(usize, Decimal)> {
    let mut out = Vec::new();
    for (k, v) in &i.max_by_class {
        non_negative(c, v, "a class maximum");
        match r.classes.get(k) {
            Some(x) => out.push((*x, v.value)),
            None => c.err(
                v.referenced,
                format!(
                    "unknown class `{k}` in `max_by_class`{}",
                    did_you_mean(k, r.classes.keys())
                ),
            ),
        }
    }
    out
}

/// The statistical window an indicator counts cases in (0: the effective period).
fn indicator_period(c: &mut Ctx, i: &RawIndicator, r: &Refs) -> usize {
    let Some(p) = &i.period else { return 0 };
    match r.periods.get(&p.value) {
        Some(x) => *x,
        None => {
            c.err(
                p.referenced,
                format!(
                    "unknown period `{}`{}; declare it in the set's `periods`",
                    p.value,
                    did_you_mean(&p.value, r.periods.keys())
                ),
            );
            0
        }
    }
}

/// What an indicator's rule reads (its `value` expression, the ledger, checklist items or
/// nothing), and the unit of the field or derived value it names.
fn indicator_input(
    c: &mut Ctx,
    i: &RawIndicator,
    r: &Refs,
    scope: &NameScope,
) -> (Input, Option<String>) {
    let needs_value = !matches!(
        i.rule.value,
        RawRule::PerCase(_)
            | RawRule::Checklist(_)
            | RawRule::Formula(_)
            | RawRule::LevelProgress(_)
            | RawRule::Deductions(_)
    );
    let input = match (&i.rule.value, &i.value) {
        (RawRule::Checklist(cl), v) => {
            if let Some(v) = v {
                c.err(
                    v.referenced,
                    "a `checklist` reads its `items`; remove `value`",
                );
            }
            Input::Checklist(checklist_slots(c, &cl.items, r))
        }
        (_, Some(v)) if !needs_value => {
            c.err(v.referenced, "this rule does not read `value`; remove it");
            Input::None
        }
        (RawRule::PerCase(_), None) => Input::Cases,
        (_, None) if !needs_value => Input::None,
        (_, None) => {
            c.err(
                i.rule.referenced,
                format!(
                    "indicator `{}` needs `value`: the field, derived value or expression it reads",
                    i.id.value
                ),
            );
            Input::None
        }
        (rule, Some(v)) => {
            let want = match rule {
                RawRule::Binary(b) if b.is.is_some() => Ty::Bool,
                _ => Ty::Num,
            };
            let unit = value_unit(r, &v.value);
            let input = match c.compile(v, scope, Some(want)) {
                Some(e) => Input::Expr(e),
                None => Input::None,
            };
            return (input, unit);
        }
    };
    (input, None)
}

/// The slots of a checklist's items, each a yes/no field.
fn checklist_slots(c: &mut Ctx, items: &[S], r: &Refs) -> Vec<u32> {
    let mut slots = Vec::new();
    for it in items {
        match r.fields.iter().position(|f| f.id == it.value) {
            Some(x) if r.fields[x].ty == FieldType::Bool => slots.push(to_u32(x)),
            Some(_) => c.err(
                it.referenced,
                format!(
                    "checklist item `{}` must be a yes/no (`bool`) field",
                    it.value
                ),
            ),
            None => c.err(
                it.referenced,
                format!(
                    "unknown field `{}`{}",
                    it.value,
                    did_you_mean(&it.value, r.fields.iter().map(|f| &f.id))
                ),
            ),
        }
    }
    slots
}

/// The unit of the field or derived value a `value` names, if it names one.
fn value_unit(r: &Refs, name: &str) -> Option<String> {
    r.fields
        .iter()
        .find(|f| f.id == name)
        .and_then(|f| f.unit.clone())
        .or_else(|| {
            r.derived
                .iter()
                .find(|d| d.id == name)
                .and_then(|d| d.unit.clone())
        })
}

/// " (did you mean `x`?)" or nothing, for error messages elsewhere.
pub fn edit_distance_hint<'a>(name: &str, options: impl Iterator<Item = &'a String>) -> String {
    did_you_mean(name, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance("birth", "births"), 1);
        assert_eq!(
            did_you_mean("birth", ["births".to_string()].iter()),
            " (did you mean `births`?)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Where the parts of a set are written (for `kaohe lint`)
// ---------------------------------------------------------------------------------------------

/// Where the parts of a set are written: line and column by key. Keys: `line.ID`,
/// `line.ID.max`, `indicator.ID` (bonus items too), `indicator.ID.max`, `indicator.ID.rule`,
/// `indicator.ID.row.N` (step rows from 0, also inside a threshold), `veto.ID`,
/// `veto.ID.when`, `grade.LABEL`, `bonus.cap`, `field.ID`. Read from the file format, which
/// only the loader sees, so that other modules can point at a line of the set.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub file: String,
    at: BTreeMap<String, (u64, u64)>,
}

impl Locations {
    /// The line and column of the first of `keys` that is known.
    pub fn get(&self, keys: &[&str]) -> Option<(u64, u64)> {
        keys.iter().find_map(|k| self.at.get(*k).copied())
    }
    /// A diagnostic at the first of `keys` that is known (the file as a whole otherwise).
    pub fn diag(&self, keys: &[&str], message: impl Into<String>) -> Diagnostic {
        match self.get(keys) {
            Some((line, column)) => Diagnostic::at(&self.file, line, column, message),
            None => Diagnostic::file(&self.file, message),
        }
    }
}

/// The locations of the parts of a set file (see [`Locations`]).
pub fn locate_set_file(path: &std::path::Path) -> Result<Locations, Diagnostics> {
    yaml::load_file(path, locate_set_str)
}

/// The locations of the parts of a set given as text; `file` names it.
pub fn locate_set_str(file: &str, text: &str) -> Result<Locations, Diagnostics> {
    let raw: RawSet = yaml::parse(file, text)?;
    let mut l = Locations {
        file: file.to_string(),
        at: BTreeMap::new(),
    };
    let mut put = |k: String, loc: Location| {
        l.at.entry(k).or_insert((loc.line(), loc.column()));
    };
    for x in &raw.lines {
        put(format!("line.{}", x.id.value), x.id.referenced);
        put(format!("line.{}.max", x.id.value), x.max.referenced);
    }
    for f in &raw.fields {
        put(format!("field.{}", f.id.value), f.id.referenced);
    }
    let bonus = raw.bonus.iter().flat_map(|b| b.items.iter());
    for i in raw.indicators.iter().chain(bonus) {
        let id = &i.id.value;
        put(format!("indicator.{id}"), i.id.referenced);
        put(format!("indicator.{id}.max"), i.max.referenced);
        put(format!("indicator.{id}.rule"), i.rule.referenced);
        for (n, r) in step_rows(&i.rule.value)
            .iter()
            .flat_map(|r| r.iter())
            .enumerate()
        {
            put(format!("indicator.{id}.row.{n}"), r.points.referenced);
        }
    }
    if let Some(c) = raw.bonus.as_ref().and_then(|b| b.cap.as_ref()) {
        put("bonus.cap".into(), c.referenced);
    }
    for v in &raw.vetoes {
        put(format!("veto.{}", v.id.value), v.id.referenced);
        put(format!("veto.{}.when", v.id.value), v.when.referenced);
    }
    for g in &raw.grades {
        put(format!("grade.{}", g.label.value), g.label.referenced);
    }
    Ok(l)
}

/// The step rows of a rule (inside a threshold too).
fn step_rows(r: &RawRule) -> Option<&Vec<RawStepRow>> {
    match r {
        RawRule::Steps(s) => Some(&s.rows),
        RawRule::Threshold(t) => t.within.as_deref().and_then(|w| step_rows(&w.value)),
        RawRule::Binary(_)
        | RawRule::DeductBelow(_)
        | RawRule::DeductAbove(_)
        | RawRule::Band(_)
        | RawRule::Proportional(_)
        | RawRule::Interpolate(_)
        | RawRule::BonusAbove(_)
        | RawRule::PerCase(_)
        | RawRule::Checklist(_)
        | RawRule::PerCount(_)
        | RawRule::Fraction(_)
        | RawRule::Formula(_)
        | RawRule::LevelProgress(_)
        | RawRule::Deductions(_) => None,
    }
}

/// `uncertainty:` resolved to fields, layers and items (issue 15): names checked, one kind of
/// error per declaration, sizes in range.
fn build_uncertainty(
    c: &mut Ctx,
    raw: Option<&crate::raw::RawUncertainty>,
    fields: &[Field],
    layers: &[Named],
    indicators: &[Indicator],
) -> crate::model::uncertainty::Uncertainty {
    use crate::model::uncertainty::{FieldError, Spread, Uncertainty, WeightSpread};
    let mut out = Uncertainty::default();
    let Some(raw) = raw else {
        return out;
    };
    for e in &raw.fields {
        let field = match &e.field {
            Some(f) => match fields.iter().position(|x| x.id == f.value) {
                Some(i) => Some(i),
                None => {
                    c.err(
                        f.referenced,
                        format!("uncertainty: unknown field `{}`", f.value),
                    );
                    continue;
                }
            },
            None => None,
        };
        let layer = match &e.layer {
            Some(l) => match layers.iter().position(|x| x.id == l.value) {
                Some(i) => {
                    if let Some(fi) = field
                        && !fields[fi].layers.contains(&i)
                    {
                        c.err(
                            l.referenced,
                            format!(
                                "uncertainty: field `{}` has no layer `{}`",
                                fields[fi].id, l.value
                            ),
                        );
                        continue;
                    }
                    Some(i)
                }
                None => {
                    c.err(
                        l.referenced,
                        format!("uncertainty: unknown layer `{}`", l.value),
                    );
                    continue;
                }
            },
            None => None,
        };
        let at = e.field.as_ref().or(e.layer.as_ref()).map(|s| s.referenced);
        let Some(at) = at else {
            // Nothing to point at but the list: use the first spanned value given.
            let loc = e
                .error
                .as_ref()
                .map(|x| x.referenced)
                .or(e.relative.as_ref().map(|x| x.referenced))
                .or(e.bias.as_ref().map(|x| x.referenced))
                .or(e.survey.as_ref().map(|x| x.households.referenced));
            if let Some(loc) = loc {
                c.err(
                    loc,
                    "uncertainty: a declaration names a `field`, a `layer` or both",
                );
            }
            continue;
        };
        let kinds = usize::from(e.error.is_some())
            + usize::from(e.relative.is_some())
            + usize::from(e.survey.is_some())
            + usize::from(e.bias.is_some());
        if kinds != 1 {
            c.err(
                at,
                "uncertainty: give exactly one of `error`, `relative`, `survey`, `bias`",
            );
            continue;
        }
        let spread = if let Some(x) = &e.error {
            if x.value < Decimal::ZERO {
                c.err(x.referenced, "uncertainty: `error` must not be negative");
                continue;
            }
            Spread::Absolute(x.value)
        } else if let Some(x) = &e.relative {
            if x.value < Decimal::ZERO || x.value > Decimal::ONE {
                c.err(
                    x.referenced,
                    "uncertainty: `relative` is a share from 0 to 1 (0.02 = 2%)",
                );
                continue;
            }
            Spread::Relative(x.value)
        } else if let Some(s) = &e.survey {
            if s.households.value == 0 {
                c.err(
                    s.households.referenced,
                    "uncertainty: `households` must be at least 1",
                );
                continue;
            }
            if let Some(fi) = field
                && !matches!(
                    fields[fi].ty,
                    FieldType::Percent | FieldType::PerMille | FieldType::Number
                )
            {
                c.err(
                    at,
                    format!(
                        "uncertainty: `survey` needs a proportion (a percent, per-mille or number field); `{}` is not",
                        fields[fi].id
                    ),
                );
                continue;
            }
            Spread::Survey {
                households: s.households.value,
            }
        } else if let Some(b) = &e.bias {
            match b.value.as_slice() {
                [lo, hi] if lo <= hi && *lo > -Decimal::ONE => Spread::Bias { lo: *lo, hi: *hi },
                _ => {
                    c.err(
                        b.referenced,
                        "uncertainty: `bias` is a range [low, high] of relative shares, low ≤ high, low > −1 (e.g. [-0.05, 0])",
                    );
                    continue;
                }
            }
        } else {
            continue;
        };
        let dup = out
            .fields
            .iter()
            .any(|x: &FieldError| x.field == field && x.layer == layer);
        if dup {
            c.err(at, "uncertainty: this field and layer are declared twice");
            continue;
        }
        out.fields.push(FieldError {
            field,
            layer,
            spread,
            distribution: e.distribution.unwrap_or_default(),
            source: e.source.clone(),
        });
    }
    let spread = |c: &mut Ctx, r: &Spanned<Decimal>, d| {
        if r.value < Decimal::ZERO || r.value >= Decimal::ONE {
            c.err(
                r.referenced,
                "uncertainty: a weight's `relative` is a share from 0 to below 1",
            );
            None
        } else {
            Some(WeightSpread {
                relative: r.value,
                distribution: d,
            })
        }
    };
    if let Some(w) = &raw.weights {
        out.weights = spread(c, &w.relative, w.distribution.unwrap_or_default());
    }
    for it in &raw.items {
        match indicators.iter().position(|i| i.id == it.item.value) {
            Some(k) => {
                if let Some(s) = spread(c, &it.relative, it.distribution.unwrap_or_default()) {
                    out.items.push((k, s));
                }
            }
            None => c.err(
                it.item.referenced,
                format!("uncertainty: unknown item `{}`", it.item.value),
            ),
        }
    }
    out
}
