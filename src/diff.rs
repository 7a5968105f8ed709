//! `kaohe diff OLD NEW [EVIDENCE…]`: what changed between two versions of an indicator set,
//! and, given evidence (e.g. last year's), how each unit scores under both.
//!
//! The structural comparison matches lines, indicators, bonus items and vetoes by id (an item
//! whose id changed but whose name did not is reported as a new id, not as removed and added),
//! and compares what a unit's result depends on: maxima, lines, the scoring standard in the
//! words of the handbook ([`crate::handbook::standard`], so a changed threshold or step table
//! shows as the sentence before and after), statistical windows, vetoes' triggers, effects and
//! modes, grades, the scale and the bonus cap. The impact compares the two assessments unit by
//! unit: total, grade, rank and vetoes before and after, the units whose grade or veto outcome
//! changes, and for each the items whose points moved (largest first) and the vetoes that
//! began or stopped firing.

use crate::handbook;
use crate::model::{Indicator, IndicatorSet};
use crate::num::show;
use crate::read::ReadEvidence;
use crate::report::{Document, ReportError};
use crate::result::{Assessment, UnitResult};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One structural change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// 新增, 删除, 改名, 改代码, 修改.
    pub kind: &'static str,
    /// 指标, 加分项, 一票否决, 等次, 考核线, 总体.
    pub what: &'static str,
    pub id: String,
    pub name: String,
    /// What changed (`分值`, `评分标准` …); empty for additions and removals.
    pub aspect: String,
    pub before: String,
    pub after: String,
}

/// The structural changes from `old` to `new`, in the order lines, indicators, bonus items,
/// vetoes, grades, overall.
pub fn changes(old: &IndicatorSet, new: &IndicatorSet) -> Vec<Change> {
    let mut out = Vec::new();
    compare(
        &mut out,
        "考核线",
        (&old.lines, &new.lines),
        |l| (&l.id, &l.name),
        |l| show(l.max),
        |l, n| vec![("满分", show(l.max), show(n.max))],
    );
    items(&mut out, "指标", old, &old.indicators, new, &new.indicators);
    let no_bonus: Vec<Indicator> = Vec::new();
    let ob = old.bonus.as_ref().map_or(&no_bonus, |b| &b.items);
    let nb = new.bonus.as_ref().map_or(&no_bonus, |b| &b.items);
    items(&mut out, "加分项", old, ob, new, nb);
    compare(
        &mut out,
        "一票否决",
        (&old.vetoes, &new.vetoes),
        |v| (&v.id, &v.name),
        |v| v.when.source().to_string(),
        |v, n| {
            vec![
                (
                    "触发条件",
                    v.when.source().to_string(),
                    n.when.source().to_string(),
                ),
                (
                    "后果",
                    crate::explain::veto_effect(old, v).1,
                    crate::explain::veto_effect(new, n).1,
                ),
                ("方式", mode(v.mode).into(), mode(n.mode).into()),
            ]
        },
    );
    // Grades, by label.
    let grade = |g: &crate::model::Grade| match g.min {
        Some(m) => format!("{}分及以上", show(m)),
        None => "其余".to_string(),
    };
    compare(
        &mut out,
        "等次",
        (&old.grades, &new.grades),
        |g| (&g.label, &g.label),
        grade,
        |g, n| vec![("分数线", grade(g), grade(n))],
    );
    overall(&mut out, old, new);
    out
}

fn change(
    kind: &'static str,
    what: &'static str,
    (id, name): (&str, &str),
    aspect: &str,
    before: String,
    after: String,
) -> Change {
    Change {
        kind,
        what,
        id: id.to_string(),
        name: name.to_string(),
        aspect: aspect.to_string(),
        before,
        after,
    }
}

/// One kind of part compared by id: each part of `old` removed, renamed or changed in an aspect
/// (`aspects` gives each aspect's before and after), then each part only `new` has. `summary`
/// is what a removed or added part shows.
fn compare<T>(
    out: &mut Vec<Change>,
    what: &'static str,
    (old, new): (&[T], &[T]),
    key: impl Fn(&T) -> (&String, &String),
    summary: impl Fn(&T) -> String,
    aspects: impl Fn(&T, &T) -> Vec<(&'static str, String, String)>,
) {
    for o in old {
        let (oid, oname) = key(o);
        let Some(n) = new.iter().find(|n| key(n).0 == oid) else {
            out.push(change(
                "删除",
                what,
                (oid, oname),
                "",
                summary(o),
                String::new(),
            ));
            continue;
        };
        let nname = key(n).1;
        if nname != oname {
            out.push(change(
                "改名",
                what,
                (oid, nname),
                "名称",
                oname.clone(),
                nname.clone(),
            ));
        }
        for (aspect, before, after) in aspects(o, n) {
            if before != after {
                out.push(change("修改", what, (oid, nname), aspect, before, after));
            }
        }
    }
    for n in new {
        if !old.iter().any(|o| key(o).0 == key(n).0) {
            let (nid, nname) = key(n);
            out.push(change(
                "新增",
                what,
                (nid, nname),
                "",
                String::new(),
                summary(n),
            ));
        }
    }
}

/// The set as a whole: effective period, scale, bonus cap.
fn overall(out: &mut Vec<Change>, old: &IndicatorSet, new: &IndicatorSet) {
    let period = |s: &IndicatorSet| format!("{}至{}", s.effective.from, s.effective.to);
    let cap = |s: &IndicatorSet| {
        s.bonus
            .as_ref()
            .and_then(|b| b.cap)
            .map_or_else(|| "不设上限".to_string(), show)
    };
    for (id, name, aspect, before, after) in [
        ("effective", "适用期间", "期间", period(old), period(new)),
        ("scale", "总分", "满分", show(old.scale), show(new.scale)),
        ("bonus.cap", "加分上限", "上限", cap(old), cap(new)),
    ] {
        if before != after {
            out.push(change("修改", "总体", (id, name), aspect, before, after));
        }
    }
}

fn mode(m: crate::model::VetoMode) -> &'static str {
    match m {
        crate::model::VetoMode::Enforced => "否决",
        crate::model::VetoMode::Advisory => "提示",
    }
}

/// Indicators (or bonus items) matched by id; an unmatched pair with the same name is an id
/// change.
fn items(
    out: &mut Vec<Change>,
    what: &'static str,
    old: &IndicatorSet,
    olds: &[Indicator],
    new: &IndicatorSet,
    news: &[Indicator],
) {
    let line = |s: &IndicatorSet, i: &Indicator| {
        i.line
            .and_then(|l| s.lines.get(l))
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    // The effective period moves with every version: an item on it is "考核期".
    let window = |s: &IndicatorSet, i: &Indicator| match i.period {
        0 => "考核期".to_string(),
        k => s
            .periods
            .get(k)
            .map(|p| format!("{}({}至{})", p.name, p.from, p.to))
            .unwrap_or_default(),
    };
    let removed: Vec<&Indicator> = olds
        .iter()
        .filter(|o| !news.iter().any(|n| n.id == o.id))
        .collect();
    let added: Vec<&Indicator> = news
        .iter()
        .filter(|n| !olds.iter().any(|o| o.id == n.id))
        .collect();
    let mut renamed_ids = BTreeSet::new();
    for o in &removed {
        if let Some(n) = added.iter().find(|n| n.name == o.name) {
            renamed_ids.insert(n.id.clone());
            out.push(Change {
                kind: "改代码",
                what,
                id: n.id.clone(),
                name: n.name.clone(),
                aspect: "代码".into(),
                before: o.id.clone(),
                after: n.id.clone(),
            });
            compare_item(out, what, old, o, new, n, &line, &window);
        } else {
            out.push(Change {
                kind: "删除",
                what,
                id: o.id.clone(),
                name: o.name.clone(),
                aspect: String::new(),
                before: format!("{}分;{}", show(o.max), handbook::standard(old, o)),
                after: String::new(),
            });
        }
    }
    for o in olds {
        if let Some(n) = news.iter().find(|n| n.id == o.id) {
            compare_item(out, what, old, o, new, n, &line, &window);
        }
    }
    for n in added {
        if !renamed_ids.contains(&n.id) {
            out.push(Change {
                kind: "新增",
                what,
                id: n.id.clone(),
                name: n.name.clone(),
                aspect: String::new(),
                before: String::new(),
                after: format!("{}分;{}", show(n.max), handbook::standard(new, n)),
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_item(
    out: &mut Vec<Change>,
    what: &'static str,
    old: &IndicatorSet,
    o: &Indicator,
    new: &IndicatorSet,
    n: &Indicator,
    line: &dyn Fn(&IndicatorSet, &Indicator) -> String,
    window: &dyn Fn(&IndicatorSet, &Indicator) -> String,
) {
    let mut push = |aspect: &str, before: String, after: String| {
        if before != after {
            out.push(Change {
                kind: if aspect == "名称" {
                    "改名"
                } else {
                    "修改"
                },
                what,
                id: n.id.clone(),
                name: n.name.clone(),
                aspect: aspect.into(),
                before,
                after,
            });
        }
    };
    push("名称", o.name.clone(), n.name.clone());
    push("分值", show(o.max), show(n.max));
    push("考核线", line(old, o), line(new, n));
    push(
        "评分标准",
        handbook::standard(old, o),
        handbook::standard(new, n),
    );
    push("统计时段", window(old, o), window(new, n));
    push("考核内容", o.text.clone(), n.text.clone());
}

/// One unit scored under both versions.
#[derive(Debug, Clone, Serialize)]
pub struct UnitDiff {
    pub id: String,
    pub name: String,
    pub old: Option<Side>,
    pub new: Option<Side>,
    /// New total minus old.
    pub change: Option<Decimal>,
    pub grade_changed: bool,
    pub veto_changed: bool,
    /// Items whose points moved, largest move first: (id, name, old points, new points).
    pub items: Vec<ItemMove>,
    /// Vetoes that fire under one version only: (id, name, 新触发 / 不再触发).
    pub vetoes: Vec<(String, String, &'static str)>,
}

/// A unit's result under one version.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// None while withheld (missing evidence).
    pub total: Option<Decimal>,
    /// The grade, or the status in its place (待补充, 待核实, 无佐证).
    pub grade: String,
    pub rank: Option<u32>,
    pub vetoed: bool,
    /// Ids of the vetoes that fired (enforced and advisory).
    pub vetoes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemMove {
    pub id: String,
    pub name: String,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
    pub change: Decimal,
}

/// A unit's total as the result gives it.
fn total_of(u: &UnitResult) -> Option<Decimal> {
    u.total
}

fn side(u: &UnitResult) -> Side {
    Side {
        total: total_of(u),
        grade: u.grade_or_status().to_string(),
        rank: u.rank,
        vetoed: u.vetoed,
        vetoes: u
            .vetoes
            .iter()
            .filter(|v| v.outcome == crate::result::VetoOutcome::Fired)
            .map(|v| v.id.clone())
            .collect(),
    }
}

/// Points of every item and bonus item of a unit.
fn points(u: &UnitResult) -> BTreeMap<String, (String, Decimal)> {
    u.indicators
        .iter()
        .chain(&u.bonus_items)
        .map(|i| (i.id().to_string(), (i.name().to_string(), i.points)))
        .collect()
}

/// Every unit of either assessment, in the new assessment's rank order, then the units only
/// the old one has.
pub fn units(old: &Assessment, new: &Assessment) -> Vec<UnitDiff> {
    let by_id: BTreeMap<&str, &UnitResult> = old.units.iter().map(|u| (u.id.as_str(), u)).collect();
    let mut out: Vec<UnitDiff> = new
        .units
        .iter()
        .map(|n| unit(by_id.get(n.id.as_str()).copied(), Some(n)))
        .collect();
    for o in &old.units {
        if !new.units.iter().any(|n| n.id == o.id) {
            out.push(unit(Some(o), None));
        }
    }
    out
}

fn unit(o: Option<&UnitResult>, n: Option<&UnitResult>) -> UnitDiff {
    let (so, sn) = (o.map(side), n.map(side));
    let any = n.or(o);
    let (po, pn) = (
        o.map(points).unwrap_or_default(),
        n.map(points).unwrap_or_default(),
    );
    let ids: BTreeSet<&String> = po.keys().chain(pn.keys()).collect();
    let mut items: Vec<ItemMove> = ids
        .into_iter()
        .filter_map(|id| {
            let (a, b) = (po.get(id), pn.get(id));
            let change = b.map_or(Decimal::ZERO, |x| x.1) - a.map_or(Decimal::ZERO, |x| x.1);
            (!change.is_zero()).then(|| ItemMove {
                id: id.clone(),
                name: b.or(a).map(|x| x.0.clone()).unwrap_or_default(),
                old: a.map(|x| x.1),
                new: b.map(|x| x.1),
                change,
            })
        })
        .collect();
    items.sort_by(|a, b| b.change.abs().cmp(&a.change.abs()).then(a.id.cmp(&b.id)));
    let fired = |u: Option<&UnitResult>| -> BTreeMap<String, (String, bool)> {
        u.map(|u| {
            u.vetoes
                .iter()
                .map(|v| (v.id.clone(), (v.name.clone(), v.applied)))
                .collect()
        })
        .unwrap_or_default()
    };
    let (fo, fn_) = (fired(o), fired(n));
    let mut vetoes = Vec::new();
    for (id, (name, _)) in &fn_ {
        if !fo.contains_key(id) {
            vetoes.push((id.clone(), name.clone(), "新触发"));
        }
    }
    for (id, (name, _)) in &fo {
        if !fn_.contains_key(id) {
            vetoes.push((id.clone(), name.clone(), "不再触发"));
        }
    }
    let applied = |f: &BTreeMap<String, (String, bool)>| -> BTreeSet<String> {
        f.iter()
            .filter(|(_, (_, a))| *a)
            .map(|(k, _)| k.clone())
            .collect()
    };
    let veto_changed = match (&so, &sn) {
        (Some(a), Some(b)) => a.vetoed != b.vetoed || applied(&fo) != applied(&fn_),
        _ => false,
    };
    UnitDiff {
        id: any.map(|u| u.id.clone()).unwrap_or_default(),
        name: any.map(|u| u.name.clone()).unwrap_or_default(),
        grade_changed: matches!((&so, &sn), (Some(a), Some(b)) if a.grade != b.grade),
        veto_changed,
        change: match (&so, &sn) {
            (Some(a), Some(b)) => b.total.zip(a.total).map(|(b, a)| b - a),
            _ => None,
        },
        old: so,
        new: sn,
        items,
        vetoes,
    }
}

/// The evidence as far as `set` reads it: values of fields it does not have (under their ids
/// or aliases), cases of types it does not have, and the values and cases of units of kinds it
/// neither scores nor aggregates are left out, so last year's evidence can be scored under a
/// version that dropped or added fields. A field given by evidence layers that `set` reads as
/// one value gets the layer `other` (the other version) would use: the first of its layers,
/// in its priority order, that has a value. Returns what was left out or reduced
/// (`kind.field`, `cases.type`, `kind.field(layer)`, sorted).
pub fn fit_evidence(
    set: &IndicatorSet,
    other: &IndicatorSet,
    mut read: ReadEvidence,
) -> (ReadEvidence, Vec<String>) {
    let mut dropped = BTreeSet::new();
    let known_case = |t: &str| set.case_types.iter().any(|c| c.id == t);
    for u in &mut read.units {
        let kind = set
            .kinds
            .iter()
            .find(|k| u.kind.as_deref().is_none_or(|x| x == k.id));
        let Some(kind) = kind else {
            for (name, _, _) in u.values.drain(..) {
                dropped.insert(format!("{}.{name}", u.kind.as_deref().unwrap_or("")));
            }
            for (c, _) in u.cases.drain(..) {
                dropped.insert(format!("cases.{}", c.case_type.value));
            }
            continue;
        };
        u.values.retain(|(name, _, _)| {
            let base = name.split_once('.').map_or(name.as_str(), |(b, _)| b);
            let known = kind
                .fields
                .iter()
                .any(|f| f.id == base || f.id == *name || f.aliases.iter().any(|a| a == name));
            if !known {
                dropped.insert(format!("{}.{name}", kind.id));
            }
            known
        });
        // Layered values for a field this version reads as one value.
        for (name, value, _) in &mut u.values {
            let Some(f) = kind
                .fields
                .iter()
                .find(|f| f.id == *name || f.aliases.iter().any(|a| a == name))
            else {
                continue;
            };
            let crate::read::RawValue::Layers(given) = value else {
                continue;
            };
            if !f.layers.is_empty() {
                continue;
            }
            let priority: Vec<String> = other
                .kinds
                .iter()
                .find(|k| k.id == kind.id)
                .and_then(|k| k.fields.iter().find(|g| g.id == f.id))
                .map(|g| {
                    g.layers
                        .iter()
                        .filter_map(|l| other.layers.get(*l).map(|x| x.id.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let pick = priority
                .iter()
                .find_map(|l| {
                    given
                        .iter()
                        .find(|(k, v)| k == l && *v != crate::read::RawValue::Missing)
                })
                .or_else(|| given.first())
                .cloned();
            if let Some((layer, v)) = pick {
                dropped.insert(format!("{}.{}({layer})", kind.id, f.id));
                *value = v;
            }
        }
        u.cases.retain(|(c, _)| {
            let known = known_case(&c.case_type.value);
            if !known {
                dropped.insert(format!("cases.{}", c.case_type.value));
            }
            known
        });
    }
    read.ledger.retain(|(_, c, _)| {
        let known = known_case(&c.case_type.value);
        if !known {
            dropped.insert(format!("cases.{}", c.case_type.value));
        }
        known
    });
    (read, dropped.into_iter().collect())
}

/// `set` with the statistical windows of `to`: the effective period and each window of the
/// same id take `to`'s dates; a window `to` does not have moves by as many years as the
/// effective period does. Evidence belongs to one period: scored under both versions, both
/// must count its cases in the same windows, or a revision would seem to clear every case.
pub fn align_windows(set: &IndicatorSet, to: &IndicatorSet) -> IndicatorSet {
    use chrono::{Datelike, NaiveDate};
    let years = to.effective.from.year() - set.effective.from.year();
    let shift = |d: NaiveDate| {
        let y = d.year() + years;
        NaiveDate::from_ymd_opt(y, d.month(), d.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
            .unwrap_or(d)
    };
    let mut out = set.clone();
    out.effective = to.effective.clone();
    for (i, p) in out.periods.iter_mut().enumerate() {
        let same = if i == 0 {
            to.periods.first()
        } else {
            to.periods.iter().skip(1).find(|q| q.id == p.id)
        };
        match same {
            Some(q) => {
                p.from = q.from;
                p.to = q.to;
            }
            None => {
                p.from = shift(p.from);
                p.to = shift(p.to);
            }
        }
    }
    out
}

/// The whole comparison: both sets' stamps, the structural changes and, with evidence, the
/// units.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The language of the words of the changes, the CSVs and the page (not serialised).
    #[serde(skip)]
    pub lang: crate::lang::Lang,
    pub old: Stamp,
    pub new: Stamp,
    pub changes: Vec<Change>,
    pub units: Option<Vec<UnitDiff>>,
    /// Evidence the old (new) version does not read, left out when scoring it.
    pub unread_old: Vec<String>,
    pub unread_new: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stamp {
    pub id: String,
    pub name: String,
    pub version: String,
    pub file: String,
}

impl Stamp {
    fn of(s: &IndicatorSet) -> Self {
        Self {
            id: s.id.clone(),
            name: s.name.clone(),
            version: s.version.clone(),
            file: s.file.clone(),
        }
    }
}

/// Compare two sets, and their assessments of the same evidence when given.
pub fn diff(
    old: &IndicatorSet,
    new: &IndicatorSet,
    assessed: Option<(&Assessment, &Assessment)>,
) -> Diff {
    Diff {
        lang: crate::lang::Lang::Zh,
        old: Stamp::of(old),
        new: Stamp::of(new),
        changes: changes(old, new),
        units: assessed.map(|(a, b)| units(a, b)),
        unread_old: Vec::new(),
        unread_new: Vec::new(),
    }
}

/// The words of [`changes`] in English (the codes of `kind`, `what` and `aspect`).
fn en_word(zh: &str) -> Option<&'static str> {
    Some(match zh {
        "新增" => "added",
        "删除" => "removed",
        "改名" => "renamed",
        "改代码" => "id changed",
        "修改" => "changed",
        "指标" => "item",
        "加分项" => "bonus item",
        "一票否决" => "veto",
        "等次" => "grade",
        "考核线" => "line",
        "总体" => "the set",
        "满分" => "maximum",
        "触发条件" => "trigger",
        "后果" => "effect",
        "方式" => "mode",
        "分数线" => "cut-off",
        "名称" => "name",
        "代码" => "id",
        "分值" => "points",
        "评分标准" => "scoring standard",
        "统计时段" => "window",
        "考核内容" => "content",
        "期间" => "period",
        "上限" => "cap",
        "适用期间" => "effective period",
        "总分" => "total",
        "加分上限" => "bonus cap",
        "否决" => "veto",
        "提示" => "advisory",
        "其余" => "the rest",
        "不设上限" => "no cap",
        "考核期" => "the assessment period",
        "新触发" => " now fires",
        "不再触发" => " no longer fires",
        _ => return None,
    })
}

impl Diff {
    /// Put the words of the changes into `lang` (the sets' names and texts stay as written;
    /// scoring standards and veto effects are worded again from the sets).
    pub fn set_lang(&mut self, old: &IndicatorSet, new: &IndicatorSet, lang: crate::lang::Lang) {
        self.lang = lang;
        if !lang.en() {
            return;
        }
        let en = crate::lang::Lang::En;
        let item = |s: &IndicatorSet, id: &str, name: &str| -> Option<Indicator> {
            let all = || {
                s.indicators
                    .iter()
                    .chain(s.bonus.iter().flat_map(|b| b.items.iter()))
            };
            all()
                .find(|i| i.id == id)
                .or_else(|| all().find(|i| i.name == name))
                .cloned()
        };
        let period = |t: &str| -> String {
            match t.split_once('至') {
                Some((a, b)) => format!("{a} to {b}"),
                None => t.to_string(),
            }
        };
        for c in &mut self.changes {
            let is_item = matches!(c.what, "指标" | "加分项");
            match (c.kind, c.aspect.as_str()) {
                ("删除", _) if is_item => {
                    if let Some(o) = item(old, &c.id, &c.name) {
                        c.before = format!(
                            "{}; {}",
                            crate::rules::pts_en(o.max),
                            handbook::standard_in(old, &o, en)
                        );
                    }
                }
                ("新增", _) if is_item => {
                    if let Some(n) = item(new, &c.id, &c.name) {
                        c.after = format!(
                            "{}; {}",
                            crate::rules::pts_en(n.max),
                            handbook::standard_in(new, &n, en)
                        );
                    }
                }
                (_, "评分标准") => {
                    if let (Some(o), Some(n)) =
                        (item(old, &c.id, &c.name), item(new, &c.id, &c.name))
                    {
                        c.before = handbook::standard_in(old, &o, en);
                        c.after = handbook::standard_in(new, &n, en);
                    }
                }
                (_, "后果") => {
                    let effect = |s: &IndicatorSet| {
                        s.vetoes
                            .iter()
                            .find(|v| v.id == c.id)
                            .map(|v| crate::explain::veto_effect_in(s, v, en).1)
                    };
                    if let (Some(b), Some(a)) = (effect(old), effect(new)) {
                        c.before = b;
                        c.after = a;
                    }
                }
                (_, "分数线") | ("删除" | "新增", "") if c.what == "等次" => {
                    for v in [&mut c.before, &mut c.after] {
                        if let Some(m) = v.strip_suffix("分及以上") {
                            *v = format!("{m} points or more");
                        }
                    }
                }
                (_, "期间") => {
                    c.before = period(&c.before);
                    c.after = period(&c.after);
                }
                (_, "统计时段") => {
                    for v in [&mut c.before, &mut c.after] {
                        *v = v.replace('(', " (");
                        *v = period(v);
                    }
                }
                _ => {}
            }
            for v in [&mut c.before, &mut c.after] {
                if let Some(w) = en_word(v) {
                    *v = w.to_string();
                }
            }
            c.kind = en_word(c.kind).unwrap_or(c.kind);
            c.what = en_word(c.what).unwrap_or(c.what);
            if let Some(w) = en_word(&c.aspect) {
                c.aspect = w.to_string();
            }
            if c.what == "the set"
                && let Some(w) = en_word(&c.name)
            {
                c.name = w.to_string();
            }
        }
    }

    /// The units whose grade or veto outcome changes.
    pub fn moved(&self) -> Vec<&UnitDiff> {
        self.units
            .iter()
            .flatten()
            .filter(|u| u.grade_changed || u.veto_changed)
            .collect()
    }
}

/// Errors writing the CSVs.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode {what}: {source}")]
pub struct CsvError {
    what: &'static str,
    #[source]
    source: csv::Error,
}

fn csv_bytes(
    what: &'static str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, CsvError> {
    let enc = |source| CsvError { what, source };
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Cells through `csv_cell`: a name never runs as a formula in Excel.
        crate::output::write_csv_record(&mut w, header).map_err(enc)?;
        for r in rows {
            crate::output::write_csv_record(&mut w, &r).map_err(enc)?;
        }
        w.flush().map_err(|e| enc(csv::Error::from(e)))?;
    }
    Ok(out)
}

/// `diff-changes.csv`: one structural change a row (UTF-8 with a BOM).
pub fn changes_csv(d: &Diff) -> Result<Vec<u8>, CsvError> {
    csv_bytes(
        "diff-changes.csv",
        if d.lang.en() {
            &["Change", "Part", "Id", "Name", "Aspect", "Old", "New"]
        } else {
            &["变化", "对象", "代码", "名称", "内容", "原", "新"]
        },
        d.changes.iter().map(|c| {
            vec![
                c.kind.to_string(),
                c.what.to_string(),
                c.id.clone(),
                c.name.clone(),
                c.aspect.clone(),
                c.before.clone(),
                c.after.clone(),
            ]
        }),
    )
}

fn opt(d: Option<Decimal>) -> String {
    d.map(show).unwrap_or_default()
}

/// `diff-units.csv`: each unit under both versions (UTF-8 with a BOM).
pub fn units_csv(d: &Diff) -> Result<Vec<u8>, CsvError> {
    csv_bytes(
        "diff-units.csv",
        if d.lang.en() {
            &[
                "Unit id",
                "Unit",
                "Old total",
                "New total",
                "Change",
                "Old grade",
                "New grade",
                "Old rank",
                "New rank",
                "Old vetoes",
                "New vetoes",
                "Grade changed",
                "Veto changed",
                "Main reasons",
            ]
        } else {
            &[
                "单位代码",
                "单位名称",
                "原总分",
                "新总分",
                "变化",
                "原等次",
                "新等次",
                "原排名",
                "新排名",
                "原一票否决",
                "新一票否决",
                "等次变化",
                "否决变化",
                "主要原因",
            ]
        },
        d.units.iter().flatten().map(|u| {
            let s = |x: &Option<Side>, f: &dyn Fn(&Side) -> String| {
                x.as_ref().map(f).unwrap_or_default()
            };
            vec![
                u.id.clone(),
                u.name.clone(),
                s(&u.old, &|x| crate::num::show_known(x.total)),
                s(&u.new, &|x| crate::num::show_known(x.total)),
                opt(u.change),
                s(&u.old, &|x| x.grade.clone()),
                s(&u.new, &|x| x.grade.clone()),
                s(&u.old, &|x| {
                    x.rank.map(|r| r.to_string()).unwrap_or_default()
                }),
                s(&u.new, &|x| {
                    x.rank.map(|r| r.to_string()).unwrap_or_default()
                }),
                s(&u.old, &|x| x.vetoes.join(" ")),
                s(&u.new, &|x| x.vetoes.join(" ")),
                if u.grade_changed {
                    d.lang.pick("是", "yes")
                } else {
                    ""
                }
                .into(),
                if u.veto_changed {
                    d.lang.pick("是", "yes")
                } else {
                    ""
                }
                .into(),
                why_in(u, d.lang),
            ]
        }),
    )
}

/// The items and vetoes behind a unit's change, in words.
pub fn why(u: &UnitDiff) -> String {
    why_in(u, crate::lang::Lang::Zh)
}

/// [`why`] in `lang`.
pub fn why_in(u: &UnitDiff, lang: crate::lang::Lang) -> String {
    let mut parts: Vec<String> = u
        .vetoes
        .iter()
        .map(|(id, name, what)| {
            let what = if lang.en() {
                en_word(what).unwrap_or(what)
            } else {
                what
            };
            format!("{id} {name}{what}")
        })
        .collect();
    parts.extend(u.items.iter().map(|i| {
        format!(
            "{} {} {}→{}({}{})",
            i.id,
            i.name,
            opt(i.old),
            opt(i.new),
            if i.change > Decimal::ZERO { "+" } else { "" },
            show(i.change)
        )
    }));
    parts.join(lang.pick(";", "; "))
}

/// The view model of `diff.html`.
#[derive(Serialize)]
struct Page<'a> {
    w: &'static Words,
    head: crate::handbook::Head,
    title: String,
    d: &'a Diff,
    moved: Vec<Row<'a>>,
    rows: Vec<Row<'a>>,
    has_units: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    u: &'a UnitDiff,
    old_total: String,
    new_total: String,
    change: String,
    why: String,
    class: &'static str,
}

fn row(u: &UnitDiff, lang: crate::lang::Lang) -> Row<'_> {
    Row {
        u,
        old_total: u
            .old
            .as_ref()
            .map(|s| crate::num::show_known(s.total))
            .unwrap_or_default(),
        new_total: u
            .new
            .as_ref()
            .map(|s| crate::num::show_known(s.total))
            .unwrap_or_default(),
        change: match u.change {
            Some(c) if c > Decimal::ZERO => format!("+{}", show(c)),
            Some(c) => show(c),
            None => String::new(),
        },
        why: why_in(u, lang),
        class: if u.grade_changed || u.veto_changed {
            "moved"
        } else {
            ""
        },
    }
}

/// `diff.html`: the changes and the impact on the units, one self-contained page.
pub fn render_html(d: &Diff) -> Result<String, ReportError> {
    let lang = d.lang;
    let mut head = crate::handbook::Head::zh();
    head.html_lang = lang.pick("zh-CN", "en");
    let page = Page {
        w: if lang.en() { &EN } else { &ZH },
        head,
        title: match lang {
            crate::lang::Lang::Zh => format!(
                "{} 版本比较:{} → {}",
                d.new.name, d.old.version, d.new.version
            ),
            crate::lang::Lang::En => format!(
                "{}: versions compared, {} → {}",
                d.new.name, d.old.version, d.new.version
            ),
        },
        d,
        moved: d.moved().into_iter().map(|u| row(u, lang)).collect(),
        rows: d.units.iter().flatten().map(|u| row(u, lang)).collect(),
        has_units: d.units.is_some(),
    };
    crate::report::render_document_in(Document::Diff, &page, lang)
}

/// The page's own words in one language.
#[derive(Serialize)]
struct Words {
    kicker: &'static str,
    old_version: &'static str,
    new_version: &'static str,
    open: &'static str,
    close: &'static str,
    h_changes: &'static str,
    h_changes_end: &'static str,
    change: &'static str,
    part: &'static str,
    id: &'static str,
    name: &'static str,
    aspect: &'static str,
    old: &'static str,
    new: &'static str,
    same: &'static str,
    unread_old: &'static str,
    unread_new: &'static str,
    sep: &'static str,
    h_moved: &'static str,
    h_moved_end: &'static str,
    unit: &'static str,
    old_total: &'static str,
    new_total: &'static str,
    old_grade: &'static str,
    new_grade: &'static str,
    old_vetoes: &'static str,
    new_vetoes: &'static str,
    why: &'static str,
    none_moved: &'static str,
    h_units: &'static str,
    delta: &'static str,
    old_rank: &'static str,
    new_rank: &'static str,
    items_moved: &'static str,
    no_evidence: &'static str,
    no_evidence_cmd: &'static str,
    no_evidence_end: &'static str,
}

static ZH: Words = Words {
    kicker: "指标体系版本比较",
    old_version: "原版本",
    new_version: "新版本",
    open: "(",
    close: ")",
    h_changes: "规则变化(",
    h_changes_end: "处)",
    change: "变化",
    part: "对象",
    id: "代码",
    name: "名称",
    aspect: "内容",
    old: "原",
    new: "新",
    same: "两个版本的规则相同。",
    unread_old: "佐证中原版本不使用的数据(评分时略去;分层数据只取括号中的一层):",
    unread_new: "佐证中新版本不使用的数据(评分时略去;分层数据只取括号中的一层):",
    sep: "、",
    h_moved: "等次或一票否决结果改变的单位(",
    h_moved_end: "个)",
    unit: "单位",
    old_total: "原总分",
    new_total: "新总分",
    old_grade: "原等次",
    new_grade: "新等次",
    old_vetoes: "原否决",
    new_vetoes: "新否决",
    why: "原因",
    none_moved: "没有单位的等次或一票否决结果因修订而改变。",
    h_units: "各单位在两个版本下的结果",
    delta: "变化",
    old_rank: "原排名",
    new_rank: "新排名",
    items_moved: "得分变化的指标",
    no_evidence: "未给出佐证数据:只比较规则。给出上年的佐证(",
    no_evidence_cmd: "kaohe diff OLD NEW 佐证…",
    no_evidence_end: ")可看到每个单位在两个版本下的得分、等次和排名。",
};

static EN: Words = Words {
    kicker: "Versions of an indicator set compared",
    old_version: "Old version",
    new_version: "New version",
    open: " (",
    close: ")",
    h_changes: "Changes to the rules (",
    h_changes_end: ")",
    change: "Change",
    part: "Part",
    id: "Id",
    name: "Name",
    aspect: "Aspect",
    old: "Old",
    new: "New",
    same: "The two versions have the same rules.",
    unread_old: "Evidence the old version does not read (left out when scoring; of layered data only the layer in brackets): ",
    unread_new: "Evidence the new version does not read (left out when scoring; of layered data only the layer in brackets): ",
    sep: ", ",
    h_moved: "Units whose grade or veto outcome changes (",
    h_moved_end: ")",
    unit: "Unit",
    old_total: "Old total",
    new_total: "New total",
    old_grade: "Old grade",
    new_grade: "New grade",
    old_vetoes: "Old vetoes",
    new_vetoes: "New vetoes",
    why: "Why",
    none_moved: "No unit's grade or veto outcome changes with the revision.",
    h_units: "Each unit under both versions",
    delta: "Change",
    old_rank: "Old rank",
    new_rank: "New rank",
    items_moved: "Items whose points change",
    no_evidence: "No evidence given: the rules alone are compared. Give last year's evidence (",
    no_evidence_cmd: "kaohe diff OLD NEW evidence…",
    no_evidence_end: ") to see each unit's points, grade and rank under both versions.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_set_file;
    use rust_decimal::dec;
    use std::path::Path;

    fn set(rel: &str) -> IndicatorSet {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        load_set_file(&p).unwrap_or_else(|d| panic!("{d}"))
    }

    fn assess(s: &IndicatorSet) -> Assessment {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rubric/diff-evidence.yaml");
        let read = crate::read::files::read_paths(&[p]).unwrap_or_else(|d| panic!("{d}"));
        let ev = crate::bind::bind(s, read).unwrap_or_else(|d| panic!("{d}"));
        crate::engine::assess(s, &ev).unwrap_or_else(|d| panic!("{d}"))
    }

    /// The hand-made versions of fixtures/rubric/diff-*.yaml: every change named, and each
    /// unit's totals as worked out by hand in diff-evidence.yaml.
    #[test]
    fn two_hand_made_versions() {
        let (old, new) = (
            set("fixtures/rubric/diff-old.yaml"),
            set("fixtures/rubric/diff-new.yaml"),
        );
        let (a, b) = (assess(&old), assess(&new));
        let d = diff(&old, &new, Some((&a, &b)));
        let changes: Vec<String> = d
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {} {}: {} → {}",
                    c.kind, c.what, c.id, c.name, c.aspect, c.before, c.after
                )
            })
            .collect();
        insta::assert_snapshot!("diff_changes", changes.join("\n"));

        let u = |id: &str| {
            d.units
                .iter()
                .flatten()
                .find(|u| u.id == id)
                .cloned()
                .expect("unit")
        };
        let total = |s: &Option<Side>| s.as_ref().and_then(|s| s.total);
        let (ua, ub, uc) = (u("a"), u("b"), u("c"));
        assert_eq!(
            (total(&ua.old), total(&ua.new)),
            (Some(dec!(70)), Some(dec!(100)))
        );
        assert_eq!(
            (total(&ub.old), total(&ub.new)),
            (Some(dec!(40)), Some(dec!(40)))
        );
        assert_eq!(
            (total(&uc.old), total(&uc.new)),
            (Some(dec!(60)), Some(dec!(60)))
        );
        let grade = |s: &Option<Side>| s.as_ref().map(|s| s.grade.clone()).unwrap_or_default();
        assert_eq!(
            (grade(&ua.old), grade(&ua.new)),
            ("合格".into(), "优秀".into())
        );
        let rank = |s: &Option<Side>| s.as_ref().and_then(|s| s.rank);
        assert_eq!((rank(&ub.old), rank(&ub.new)), (Some(2), Some(3)));
        assert_eq!((rank(&uc.old), rank(&uc.new)), (Some(3), Some(2)));
        // a moves up a grade because of MEET (+20) and TRAIN (+10); RATE stays 50.
        assert!(ua.grade_changed && !ua.veto_changed);
        assert_eq!(why(&ua), "MEET 专题会议 20→40(+20);TRAIN 培训 →10(+10)");
        // b keeps 不合格 but is now vetoed: the veto outcome changes.
        assert!(!ub.grade_changed && ub.veto_changed);
        assert_eq!(why(&ub), "V_RATE 达标率过低新触发");
        // c: vetoed under both, the same total: no change of outcome.
        assert!(!uc.grade_changed && !uc.veto_changed);
        let moved: Vec<&str> = d.moved().iter().map(|u| u.id.as_str()).collect();
        assert_eq!(moved, ["a", "b"]);

        let csv = String::from_utf8(units_csv(&d).expect("csv")).expect("UTF-8");
        insta::assert_snapshot!("diff_units_csv", csv);
        let html = render_html(&d).expect("html");
        assert!(html.contains("等次或一票否决结果改变的单位(2个)"), "{html}");
    }

    /// Last year's evidence is counted in last year's windows under the new version too: the
    /// effective period is the old one's, a window of its own moves by the same years.
    #[test]
    fn windows_are_aligned_to_the_evidence_year() {
        let (old, new) = (
            set("indicators/history/sz-district-2010.yaml"),
            set("indicators/sz-district.yaml"),
        );
        let aligned = align_windows(&new, &old);
        assert_eq!(aligned.effective.from, old.effective.from);
        assert_eq!(aligned.periods[0].from, old.periods[0].from);
        assert_eq!(aligned.periods[0].to, old.periods[0].to);
        let calendar = aligned
            .periods
            .iter()
            .find(|p| p.id == "calendar")
            .expect("calendar");
        assert_eq!(calendar.from.to_string(), "2010-01-01");
        assert_eq!(calendar.to.to_string(), "2010-12-31");
        // Nothing else changes: the rules are the new version's.
        let what: Vec<String> = changes(&new, &aligned)
            .iter()
            .map(|c| format!("{} {}", c.id, c.aspect))
            .collect();
        assert_eq!(what, ["PG_FUND_ARRIVAL 统计时段", "effective 期间"]);
    }

    #[test]
    fn the_same_set_has_no_changes() {
        let s = set("indicators/sz-district.yaml");
        assert_eq!(changes(&s, &s), Vec::new());
    }

    /// The shipped history: each year against the next names what the documents changed.
    #[test]
    fn shipped_history() {
        let years = [
            "indicators/history/sz-district-2008.yaml",
            "indicators/history/sz-district-2009.yaml",
            "indicators/history/sz-district-2010.yaml",
            "indicators/sz-district.yaml",
        ];
        let mut out = String::new();
        for w in years.windows(2) {
            let (a, b) = (set(w[0]), set(w[1]));
            out.push_str(&format!("## {} → {}\n", a.version, b.version));
            for c in changes(&a, &b) {
                out.push_str(&format!(
                    "{} {} {} {} {}\n",
                    c.kind, c.what, c.id, c.name, c.aspect
                ));
            }
        }
        insta::assert_snapshot!("diff_history", out);
    }
}
