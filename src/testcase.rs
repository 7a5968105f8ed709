//! Rule test cases (`kaohe test`): YAML data that gives evidence inline and states the
//! expected points, lines, vetoes, total and grade — unit tests for rubrics.
//!
//! ```yaml
//! set: ../../indicators/examples/shapes.yaml   # relative to this file
//! cases:
//!   - name: R2 exactly at the target keeps full points
//!     unit: { class: a, peer_group: g }        # optional metadata of the tested unit
//!     values: { compliance: 95 }
//!     cases: []                                # optional case ledger
//!     units: []                                # optional other units (descendants)
//!     expect: { points: { D_WHOLE: 10 }, lines: { main: 200 }, vetoes: [V1], total: 250, grade: 优秀 }
//!     tolerance: 0.005
//! ```

use crate::bind;
use crate::diag::{Diagnostics, from_yaml_error};
use crate::evidence::Origin;
use crate::load::load_set_file;
use crate::num::{show, show_known};
use crate::read::yaml::RawUnit;
use crate::read::{RawCase, RawValue, ReadEvidence, ReadUnit};
use crate::result::{IndicatorResult, UnitResult};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    set: String,
    cases: Vec<TestCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    name: String,
    #[serde(default)]
    unit: Option<UnitMeta>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<RawValue>>,
    #[serde(default)]
    cases: Vec<RawCase>,
    #[serde(default)]
    units: Vec<RawUnit>,
    expect: Expect,
    #[serde(default)]
    tolerance: Option<Decimal>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UnitMeta {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    peer_group: Option<String>,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    points: BTreeMap<String, Decimal>,
    #[serde(default)]
    lines: BTreeMap<String, Decimal>,
    #[serde(default)]
    vetoes: Option<Vec<String>>,
    #[serde(default)]
    total: Option<Decimal>,
    #[serde(default)]
    bonus: Option<Decimal>,
    #[serde(default)]
    grade: Option<String>,
    #[serde(default)]
    status: BTreeMap<String, String>,
    /// The vetoes that cannot be decided (exact set).
    #[serde(default)]
    undecided: Option<Vec<String>>,
    /// The unit's status: complete, pending, incomplete, no_evidence.
    #[serde(default)]
    unit_status: Option<crate::result::UnitStatus>,
    /// The fields reported missing (exact set of ids).
    #[serde(default)]
    missing: Option<Vec<String>>,
    /// Text each item's reason must contain.
    #[serde(default)]
    reasons: BTreeMap<String, String>,
}

/// The outcome of one test case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub file: String,
    pub name: String,
    /// Empty when the case passed.
    pub failures: Vec<String>,
}

/// Run every case of one file. Errors only when the file or its set cannot be read.
pub fn run_file(path: &Path) -> Result<Vec<Outcome>, Diagnostics> {
    let (file, text) = crate::yaml::read_file(path)?;
    let cf: CaseFile = crate::yaml::from_str(&text)
        .map_err(|e| Diagnostics::new(vec![from_yaml_error(&file, &e)]))?;
    let set_path = path.parent().unwrap_or(Path::new(".")).join(&cf.set);
    let set = load_set_file(&set_path)?;
    let mut out = Vec::new();
    for case in cf.cases {
        let failures = run_case(&set, &file, &case);
        out.push(Outcome {
            file: file.clone(),
            name: case.name,
            failures,
        });
    }
    Ok(out)
}

fn run_case(set: &crate::model::IndicatorSet, file: &str, case: &TestCase) -> Vec<String> {
    let (id, read) = case_evidence(file, case);
    let ev = match bind::bind(set, read) {
        Ok(ev) => ev,
        Err(d) => return vec![format!("evidence rejected:\n{d}")],
    };
    let a = match crate::engine::assess(set, &ev) {
        Ok(a) => a,
        Err(d) => return vec![format!("scoring failed:\n{d}")],
    };
    let Some(u) = a.units.iter().find(|u| u.id == id) else {
        return vec!["the tested unit was not scored".into()];
    };
    let check = Check {
        tolerance: case.tolerance.unwrap_or(Decimal::new(5, 3)),
        failures: Vec::new(),
    };
    check.run(&case.expect, u)
}

/// The evidence of a case: the tested unit (id `test_unit` unless named) with its values and
/// cases, then the other units (by default children of the tested one). Returns the tested
/// unit's id.
fn case_evidence(file: &str, case: &TestCase) -> (String, ReadEvidence) {
    let meta = case.unit.as_ref();
    let id = meta
        .and_then(|m| m.id.clone())
        .unwrap_or_else(|| "test_unit".into());
    let origin = Origin {
        file: file.into(),
        place: crate::diag::Place::File,
    };
    let values = |v: &BTreeMap<String, Spanned<RawValue>>| {
        v.iter()
            .map(|(k, v)| (k.clone(), v.value.clone(), origin.clone()))
            .collect()
    };
    let cases = |c: &[RawCase]| c.iter().map(|c| (c.clone(), origin.clone())).collect();
    let mut read = ReadEvidence::default();
    read.units.push(ReadUnit {
        id: id.clone(),
        name: meta.and_then(|m| m.name.clone()),
        kind: None,
        class: meta.and_then(|m| m.class.clone()),
        peer_group: meta.and_then(|m| m.peer_group.clone()),
        parent: meta.and_then(|m| m.parent.clone()),
        values: values(&case.values),
        cases: cases(&case.cases),
        origin: origin.clone(),
        meta_origin: BTreeMap::new(),
    });
    for u in &case.units {
        read.units.push(ReadUnit {
            id: u.id.value.clone(),
            name: u.name.clone(),
            kind: u.kind.as_ref().map(|k| k.value.clone()),
            class: u.class.as_ref().map(|k| k.value.clone()),
            peer_group: u.peer_group.as_ref().map(|k| k.value.clone()),
            parent: Some(
                u.parent
                    .as_ref()
                    .map_or_else(|| id.clone(), |p| p.value.clone()),
            ),
            values: values(&u.values),
            cases: cases(&u.cases),
            origin: origin.clone(),
            meta_origin: BTreeMap::new(),
        });
    }
    (id, read)
}

/// Comparing a scored unit with what a case expects, collecting every difference.
struct Check {
    tolerance: Decimal,
    failures: Vec<String>,
}

impl Check {
    fn run(mut self, expect: &Expect, u: &UnitResult) -> Vec<String> {
        self.points(expect, u);
        self.statuses(expect, u);
        self.reasons(expect, u);
        self.lines(expect, u);
        self.vetoes(expect, u);
        self.totals(expect, u);
        self.completeness(expect, u);
        self.failures
    }

    /// A withheld figure (None) is never close to an expected number.
    fn close(&self, a: Option<Decimal>, b: Decimal) -> bool {
        a.is_some_and(|a| (a - b).abs() <= self.tolerance)
    }

    fn completeness(&mut self, expect: &Expect, u: &UnitResult) {
        if let Some(want) = expect.unit_status
            && u.status != want
        {
            self.failures.push(format!(
                "unit_status: expected {want:?}, got {:?}",
                u.status
            ));
        }
        if let Some(want) = &expect.undecided {
            let mut got: Vec<String> = u.undecided_vetoes().map(|v| v.id.clone()).collect();
            let mut want = want.clone();
            got.sort();
            want.sort();
            if got != want {
                self.failures
                    .push(format!("undecided: expected {want:?}, got {got:?}"));
            }
        }
        if let Some(want) = &expect.missing {
            let mut got: Vec<String> = u.missing_fields().into_iter().map(|f| f.0).collect();
            let mut want = want.clone();
            got.sort();
            want.sort();
            if got != want {
                self.failures
                    .push(format!("missing: expected {want:?}, got {got:?}"));
            }
        }
    }

    fn points(&mut self, expect: &Expect, u: &UnitResult) {
        for (ind, want) in &expect.points {
            match find_item(u, ind) {
                None => self
                    .failures
                    .push(format!("points.{ind}: no such indicator")),
                Some(i) if !self.close(i.scored(), *want) => self.failures.push(format!(
                    "points.{ind}: expected {}, got {} ({})",
                    show(*want),
                    show_known(i.scored()),
                    i.reason
                )),
                _ => {}
            }
        }
    }

    fn reasons(&mut self, expect: &Expect, u: &UnitResult) {
        for (ind, want) in &expect.reasons {
            match find_item(u, ind) {
                None => self
                    .failures
                    .push(format!("reasons.{ind}: no such indicator")),
                Some(i) => {
                    let got = i.reason.to_string();
                    if !got.contains(want.as_str()) {
                        self.failures.push(format!(
                            "reasons.{ind}: expected it to contain `{want}`, got `{got}`"
                        ));
                    }
                }
            }
        }
    }

    fn statuses(&mut self, expect: &Expect, u: &UnitResult) {
        for (ind, want) in &expect.status {
            match find_item(u, ind) {
                None => self
                    .failures
                    .push(format!("status.{ind}: no such indicator")),
                Some(i) => {
                    let got = serde_json::to_value(i.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    if &got != want {
                        self.failures
                            .push(format!("status.{ind}: expected {want}, got {got}"));
                    }
                }
            }
        }
    }

    fn lines(&mut self, expect: &Expect, u: &UnitResult) {
        for (line, want) in &expect.lines {
            match u.lines.iter().find(|l| &l.id == line) {
                None => self.failures.push(format!("lines.{line}: no such line")),
                Some(l) if !self.close(l.points, *want) => self.failures.push(format!(
                    "lines.{line}: expected {}, got {}",
                    show(*want),
                    show_known(l.points)
                )),
                _ => {}
            }
        }
    }

    fn vetoes(&mut self, expect: &Expect, u: &UnitResult) {
        if let Some(want) = &expect.vetoes {
            let mut got: Vec<String> = u
                .vetoes
                .iter()
                .filter(|v| v.outcome == crate::result::VetoOutcome::Fired)
                .map(|v| v.id.clone())
                .collect();
            let mut want = want.clone();
            got.sort();
            want.sort();
            if got != want {
                self.failures
                    .push(format!("vetoes: expected {want:?}, got {got:?}"));
            }
        }
    }

    /// Total, bonus and grade.
    fn totals(&mut self, expect: &Expect, u: &UnitResult) {
        if let Some(t) = expect.total
            && !self.close(u.total, t)
        {
            self.failures.push(format!(
                "total: expected {}, got {}",
                show(t),
                show_known(u.total)
            ));
        }
        if let Some(b) = expect.bonus
            && !self.close(u.bonus, b)
        {
            self.failures.push(format!(
                "bonus: expected {}, got {}",
                show(b),
                show_known(u.bonus)
            ));
        }
        if let Some(g) = &expect.grade
            && u.grade.as_ref() != Some(g)
        {
            self.failures.push(format!(
                "grade: expected {g}, got {} (score {})",
                u.grade_or_status(),
                show_known(u.score)
            ));
        }
    }
}

/// An indicator or bonus item of a scored unit, by id.
fn find_item<'u>(u: &'u UnitResult, id: &str) -> Option<&'u IndicatorResult> {
    u.indicators
        .iter()
        .chain(u.bonus_items.iter())
        .find(|i| *i.id() == *id)
}

/// All `.yaml` files under a folder, recursively, sorted.
pub fn case_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
