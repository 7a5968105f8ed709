//! What decisions read from a scorecard (`kaohe.scorecard/1`): a view of the fields listed in
//! `docs/decide.md`, so that scorecards written by other versions (more fields, or fewer
//! per-indicator details) are read the same way. Unknown fields are ignored on purpose: a
//! scorecard is an output of `kaohe assess`, not hand-written.

use crate::diag::{Diagnostic, Diagnostics};
use crate::result::Assessment;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Scorecard {
    pub schema: String,
    pub indicator_set: SetView,
    pub period: PeriodView,
    /// Highest first.
    pub grades: Vec<GradeView>,
    /// Rank order.
    pub units: Vec<UnitView>,
    /// The file it was read from.
    #[serde(skip)]
    pub file: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SetView {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub version: String,
    pub hash: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PeriodView {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GradeView {
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub peer_group: Option<String>,
    /// Complete, pending, incomplete or no evidence (older scorecards: complete).
    #[serde(default)]
    pub status: crate::result::UnitStatus,
    /// None when withheld (the unit is not complete).
    #[serde(default, with = "rust_decimal::serde::float_option")]
    pub total: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub score_grade: Option<String>,
    pub vetoed: bool,
    #[serde(default)]
    pub rank: Option<u32>,
    #[serde(default)]
    pub peer_rank: Option<u32>,
    #[serde(default)]
    pub vetoes: Vec<VetoView>,
    #[serde(default)]
    pub lines: Vec<LineView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VetoView {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub mode: Option<String>,
    pub applied: bool,
    /// Fired or undecided (older scorecards list only fired vetoes).
    #[serde(default)]
    pub outcome: crate::result::VetoOutcome,
    #[serde(default)]
    pub effect: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EvidenceView {
    pub id: String,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineView {
    pub id: String,
    pub name: String,
    #[serde(default, with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    #[serde(default)]
    pub zeroed_by: Option<String>,
}

impl Scorecard {
    /// The assessment year: the year the period ends in (统计年度 2010-10-01..2011-09-30 → 2011).
    pub fn year(&self) -> i32 {
        self.period.to.year()
    }
    pub fn unit(&self, id: &str) -> Option<&UnitView> {
        self.units.iter().find(|u| u.id == id)
    }
    /// Position of a grade label, 0 = best.
    pub fn grade_index(&self, label: &str) -> Option<usize> {
        self.grades.iter().position(|g| g.label == label)
    }
}

impl UnitView {
    /// Whether an applied veto was line-scoped (it zeroed a line).
    pub fn line_scoped(&self, veto: &str) -> bool {
        self.lines
            .iter()
            .any(|l| l.zeroed_by.as_deref() == Some(veto))
    }
    pub fn line_points(&self, line: &str) -> Option<Decimal> {
        self.lines
            .iter()
            .find(|l| l.id == line)
            .and_then(|l| l.points)
    }
}

impl From<&Assessment> for Scorecard {
    fn from(a: &Assessment) -> Self {
        Scorecard {
            schema: a.schema.clone(),
            indicator_set: SetView {
                id: a.indicator_set.id.clone(),
                name: a.indicator_set.name.clone(),
                version: a.indicator_set.version.clone(),
                hash: a.indicator_set.hash.clone(),
            },
            period: PeriodView {
                label: a.period.label.clone(),
                from: a.period.from,
                to: a.period.to,
            },
            grades: a
                .grades
                .iter()
                .map(|g| GradeView {
                    label: g.label.clone(),
                })
                .collect(),
            units: a
                .units
                .iter()
                .map(|u| UnitView {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    parent: u.parent.clone(),
                    peer_group: u.peer_group.clone(),
                    status: u.status,
                    total: u.total,
                    score: u.score,
                    grade: u.grade.clone(),
                    score_grade: u.score_grade.clone(),
                    vetoed: u.vetoed,
                    rank: u.rank,
                    peer_rank: u.peer_rank,
                    vetoes: u
                        .vetoes
                        .iter()
                        .map(|v| VetoView {
                            id: v.id.clone(),
                            name: v.name.clone(),
                            mode: Some(
                                match v.mode {
                                    crate::model::VetoMode::Enforced => "enforced",
                                    crate::model::VetoMode::Advisory => "advisory",
                                }
                                .to_string(),
                            ),
                            applied: v.applied,
                            outcome: v.outcome,
                            effect: Some(v.effect.clone()),
                            reason: v.reason.clone(),
                            evidence: v
                                .evidence
                                .to_vec()
                                .into_iter()
                                .map(|e| EvidenceView {
                                    id: e.id.to_string(),
                                    name: e.name.to_string(),
                                    value: e.value.to_string(),
                                })
                                .collect(),
                        })
                        .collect(),
                    lines: u
                        .lines
                        .iter()
                        .map(|l| LineView {
                            id: l.id.clone(),
                            name: l.name.clone(),
                            points: l.points,
                            zeroed_by: l.zeroed_by.clone(),
                        })
                        .collect(),
                })
                .collect(),
            file: format!("{} {}", a.indicator_set.id, a.period.label),
        }
    }
}

/// Read a scorecard JSON file.
pub fn read_scorecard_file(path: &std::path::Path) -> Result<Scorecard, Diagnostics> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostics::new(vec![Diagnostic::file(&file, format!("cannot read: {e}"))])
    })?;
    read_scorecard_bytes(&file, &bytes)
}

/// Read scorecard JSON; `file` names it in diagnostics.
pub fn read_scorecard_bytes(file: &str, bytes: &[u8]) -> Result<Scorecard, Diagnostics> {
    let mut s: Scorecard = serde_json::from_slice(bytes).map_err(|e| {
        Diagnostics::new(vec![Diagnostic::at(
            file,
            e.line() as u64,
            e.column() as u64,
            format!("not a kaohe scorecard: {e}"),
        )])
    })?;
    s.file = file.to_string();
    let mut problems = Vec::new();
    if s.schema != crate::result::SCHEMA {
        problems.push(Diagnostic::file(
            file,
            format!(
                "schema `{}` is not `{}` (write it with `kaohe assess`)",
                s.schema,
                crate::result::SCHEMA
            ),
        ));
    }
    if s.grades.is_empty() {
        problems.push(Diagnostic::file(file, "the scorecard lists no grades"));
    }
    for u in &s.units {
        if let Some(grade) = &u.grade
            && s.grade_index(grade).is_none()
        {
            problems.push(Diagnostic::file(
                file,
                format!(
                    "unit `{}` has grade `{}`, which is not among the scorecard's grades",
                    u.id, grade
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(s)
    } else {
        Err(Diagnostics::new(problems))
    }
}
