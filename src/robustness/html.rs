//! The view model of `robustness.html` (`templates/robustness.html`): the declarations, a
//! rank-interval chart (inline SVG, coordinates computed here), the fragile decisions, the
//! units and the inspection plan. No script, nothing fetched; prints on A4.

use super::Robustness;
use crate::model::IndicatorSet;
use crate::report::{Document, ReportError, render_document};
use serde::Serialize;

/// Units drawn in the chart and listed in the table (rank order); the CSV has them all.
const MAX_ROWS: usize = 60;
/// Plan rows shown.
const MAX_PLAN: usize = 50;

#[derive(Serialize)]
struct Head {
    html_lang: &'static str,
    engine: String,
}

#[derive(Serialize)]
struct Page {
    head: Head,
    title: String,
    set: String,
    replications: u32,
    seed: u64,
    engine: String,
    hash: String,
    uncertainty: Vec<String>,
    chart: Chart,
    fragile: Vec<FragileRow>,
    decided: bool,
    units: Vec<UnitRow>,
    units_total: usize,
    plan: Vec<PlanRow>,
    plan_total: usize,
}

#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    /// The axis ticks.
    ticks: Vec<Tick>,
    rows: Vec<ChartRow>,
    left: f64,
    right: f64,
}

#[derive(Serialize)]
struct Tick {
    x: f64,
    label: u32,
}

#[derive(Serialize)]
struct ChartRow {
    y: f64,
    label: String,
    x0: f64,
    x1: f64,
    x: f64,
    cls: &'static str,
}

#[derive(Serialize)]
struct FragileRow {
    unit: String,
    topic: String,
    title: String,
    verdict: String,
    p_flip: String,
    flips_to: String,
}

#[derive(Serialize)]
struct UnitRow {
    name: String,
    id: String,
    total: String,
    total_range: String,
    grade: String,
    rank: String,
    rank_range: String,
    p_pass: String,
    p_pass_flips: String,
    p_grade_changes: String,
    vetoes: String,
    fragile: bool,
}

#[derive(Serialize)]
struct PlanRow {
    n: usize,
    unit: String,
    field: String,
    expected: String,
    p_change: String,
    reason: String,
}

fn pct(p: f64) -> String {
    let x = (p * 1000.0).round() / 10.0;
    format!("{x}%")
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{}", (v * 100.0).round() / 100.0))
        .unwrap_or_else(|| "—".to_string())
}

fn chart(r: &Robustness) -> Chart {
    let rows: Vec<_> = r.units.iter().take(MAX_ROWS).collect();
    let max_rank = r
        .units
        .iter()
        .filter_map(|u| u.rank_p95.max(u.rank))
        .max()
        .unwrap_or(1)
        .max(1);
    let (left, right, width) = (150.0, 20.0, 680u32);
    let span = f64::from(width) - left - right;
    let x = |rank: u32| left + span * (f64::from(rank) - 1.0) / f64::from(max_rank.max(2) - 1);
    let step = (max_rank / 10).max(1);
    let ticks = (1..=max_rank)
        .filter(|k| k % step == 0 || *k == 1)
        .map(|k| Tick { x: x(k), label: k })
        .collect();
    let row_h = 16.0;
    let out: Vec<ChartRow> = rows
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let base = u.rank.unwrap_or(0);
            ChartRow {
                y: 24.0 + row_h * i as f64,
                label: u.name.clone(),
                x0: x(u.rank_p05.unwrap_or(base).max(1)),
                x1: x(u.rank_p95.unwrap_or(base).max(1)),
                x: x(base.max(1)),
                cls: if u.p_pass_flips > 0.0 {
                    "fragile"
                } else if u.rank.is_none() {
                    "none"
                } else {
                    "firm"
                },
            }
        })
        .collect();
    Chart {
        width,
        height: (24.0 + row_h * out.len() as f64 + 8.0) as u32,
        ticks,
        rows: out,
        left,
        right: f64::from(width) - right,
    }
}

/// Render `robustness.html`.
pub fn page(set: &IndicatorSet, r: &Robustness) -> Result<String, ReportError> {
    let mut fragile: Vec<&super::decisions::DecisionFlip> =
        r.decisions.iter().filter(|d| d.p_flip > 0.0).collect();
    fragile.sort_by(|a, b| {
        b.p_flip
            .total_cmp(&a.p_flip)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let fragile = fragile
        .into_iter()
        .map(|d| FragileRow {
            unit: d.unit_name.clone(),
            topic: d.topic.clone(),
            title: d.title.clone().unwrap_or_default(),
            verdict: d.verdict.clone(),
            p_flip: pct(d.p_flip),
            flips_to: d
                .flips_to
                .iter()
                .map(|(v, p)| format!("{v} {}", pct(*p)))
                .collect::<Vec<_>>()
                .join(";"),
        })
        .collect();
    let units = r
        .units
        .iter()
        .take(MAX_ROWS)
        .map(|u| UnitRow {
            name: u.name.clone(),
            id: u.id.clone(),
            total: u.total.map(crate::num::show).unwrap_or_else(|| "—".into()),
            total_range: format!("{} – {}", num(u.total_p05), num(u.total_p95)),
            grade: u.grade.clone().unwrap_or_else(|| "—".into()),
            rank: u.rank.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
            rank_range: match (u.rank_p05, u.rank_p95) {
                (Some(a), Some(b)) => format!("{a} – {b}"),
                _ => "—".into(),
            },
            p_pass: pct(u.p_pass),
            p_pass_flips: pct(u.p_pass_flips),
            p_grade_changes: pct(u.p_grade_changes),
            vetoes: u
                .vetoes
                .iter()
                .map(|(id, p)| {
                    let name = set
                        .vetoes
                        .iter()
                        .find(|v| &v.id == id)
                        .map_or(id.as_str(), |v| v.name.as_str());
                    format!("{name} {}", pct(*p))
                })
                .collect::<Vec<_>>()
                .join(";"),
            fragile: u.p_pass_flips > 0.0 || u.p_grade_changes > 0.0,
        })
        .collect();
    let plan = r
        .plan
        .iter()
        .take(MAX_PLAN)
        .enumerate()
        .map(|(i, c)| PlanRow {
            n: i + 1,
            unit: c.unit_name.clone(),
            field: c.field_name.clone(),
            expected: format!("{:.2}", c.expected_changes),
            p_change: pct(c.p_change),
            reason: c.reason.clone(),
        })
        .collect();
    let p = Page {
        head: Head {
            html_lang: "zh-CN",
            engine: r.engine.clone(),
        },
        title: format!("{} · 考核结果稳健性分析", set.name),
        set: format!("{} {}", set.id, set.version),
        replications: r.replications,
        seed: r.seed,
        engine: r.engine.clone(),
        hash: r.set_hash.clone(),
        uncertainty: r.uncertainty.clone(),
        chart: chart(r),
        fragile,
        decided: !r.decisions.is_empty(),
        units,
        units_total: r.units.len(),
        plan,
        plan_total: r.plan.len(),
    };
    render_document(Document::Robustness, &p)
}
