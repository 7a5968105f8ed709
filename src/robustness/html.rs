//! The view model of `robustness.html` (`templates/robustness.html`): the declarations, a
//! rank-interval chart (inline SVG, coordinates computed here), the fragile decisions, the
//! units and the inspection plan. No script, nothing fetched; prints on A4.

use super::Robustness;
use crate::model::IndicatorSet;
use crate::report::{Document, ReportError};
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
    w: &'static Words,
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

/// The page's own words in one language.
#[derive(Serialize)]
struct Words {
    kicker: &'static str,
    set: &'static str,
    replications: &'static str,
    replications_end: &'static str,
    seed: &'static str,
    h_uncertainty: &'static str,
    no_uncertainty: &'static str,
    h_ranks: &'static str,
    ranks_note: &'static str,
    only_first: &'static str,
    only_first_end: &'static str,
    h_decisions: &'static str,
    no_policy: &'static str,
    unit: &'static str,
    topic: &'static str,
    title: &'static str,
    verdict: &'static str,
    p_change: &'static str,
    may_become: &'static str,
    none_flip: &'static str,
    h_units: &'static str,
    total: &'static str,
    total_range: &'static str,
    grade: &'static str,
    rank: &'static str,
    rank_range: &'static str,
    p_pass: &'static str,
    pass_flips: &'static str,
    grade_changes: &'static str,
    p_veto: &'static str,
    h_plan: &'static str,
    plan_note: &'static str,
    plan_of: &'static str,
    plan_listed: &'static str,
    plan_listed_end: &'static str,
    plan_end: &'static str,
    field: &'static str,
    expected: &'static str,
    reason: &'static str,
    no_plan: &'static str,
}

static ZH: Words = Words {
    kicker: "考核结果稳健性分析",
    set: "指标体系",
    replications: "蒙特卡洛",
    replications_end: "次",
    seed: "随机种子",
    h_uncertainty: "不确定性声明",
    no_uncertainty: "指标体系未声明任何不确定性:每次重复的结果与本年度结果完全相同,各项概率为0或1。",
    h_ranks: "排名区间(5%–95%)",
    ranks_note: "线段为排名的5%–95%区间,圆点为本年度排名;红色为达标与否可能改变的单位。",
    only_first: "仅画出前",
    only_first_end: "个单位,全部单位见 robustness-units.csv。",
    h_decisions: "可能改变的决定",
    no_policy: "未给出决定规则(--policy、--registry):此处只列各单位达标与否、等次的变化概率,见下表。",
    unit: "单位",
    topic: "事项",
    title: "称号",
    verdict: "本年度决定",
    p_change: "改变概率",
    may_become: "可能变为",
    none_flip: "在声明的不确定性下,没有一项决定会改变。",
    h_units: "各单位",
    total: "总分",
    total_range: "总分区间",
    grade: "等次",
    rank: "排名",
    rank_range: "排名区间",
    p_pass: "达标概率",
    pass_flips: "达标与否改变",
    grade_changes: "等次改变",
    p_veto: "一票否决概率",
    h_plan: "抽查建议",
    plan_note: "按核实后预期改变的决定数(达标与否、等次)排序",
    plan_of: ";共",
    plan_listed: "项,此处列前",
    plan_listed_end: "项,全部见 inspection-plan.csv",
    plan_end: "。",
    field: "数据",
    expected: "预期改变决定数",
    reason: "理由",
    no_plan: "没有哪项数据的核实会改变决定。",
};

static EN: Words = Words {
    kicker: "Robustness of the assessment results",
    set: "Indicator set",
    replications: "Monte Carlo",
    replications_end: "replications",
    seed: "seed",
    h_uncertainty: "Declared uncertainty",
    no_uncertainty: "The set declares no uncertainty: every replication gives this year's results, and every probability is 0 or 1.",
    h_ranks: "Rank intervals (5%–95%)",
    ranks_note: "Each bar is the 5%–95% interval of a unit's rank, the dot its rank this year; red marks a unit whose meeting the standard may change. ",
    only_first: "Only the first ",
    only_first_end: " units are drawn; all units are in robustness-units.csv.",
    h_decisions: "Decisions that may change",
    no_policy: "No decision rules given (--policy, --registry): only each unit's chances of meeting the standard and of its grade changing are listed, in the table below.",
    unit: "Unit",
    topic: "Matter",
    title: "Title",
    verdict: "Decision this year",
    p_change: "Chance of a change",
    may_become: "May become",
    none_flip: "Under the declared uncertainty no decision changes.",
    h_units: "Units",
    total: "Total",
    total_range: "Total interval",
    grade: "Grade",
    rank: "Rank",
    rank_range: "Rank interval",
    p_pass: "Chance of meeting the standard",
    pass_flips: "Meeting the standard changes",
    grade_changes: "Grade changes",
    p_veto: "Chance of a veto",
    h_plan: "Inspection plan",
    plan_note: "Ordered by the decisions (meeting the standard, grade) a check is expected to change",
    plan_of: "; ",
    plan_listed: " in all, the first ",
    plan_listed_end: " listed here, all in inspection-plan.csv",
    plan_end: ".",
    field: "Figure",
    expected: "Decisions expected to change",
    reason: "Why",
    no_plan: "Checking no figure would change a decision.",
};

/// Render `robustness.html`.
pub fn page(set: &IndicatorSet, r: &Robustness) -> Result<String, ReportError> {
    page_in(set, r, crate::lang::Lang::Zh)
}

/// [`page`] in `lang`.
pub fn page_in(
    set: &IndicatorSet,
    r: &Robustness,
    lang: crate::lang::Lang,
) -> Result<String, ReportError> {
    let sep = lang.pick(";", "; ");
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
                .join(sep),
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
                .join(sep),
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
        w: if lang.en() { &EN } else { &ZH },
        head: Head {
            html_lang: lang.pick("zh-CN", "en"),
            engine: r.engine.clone(),
        },
        title: match lang {
            crate::lang::Lang::Zh => format!("{} · 考核结果稳健性分析", set.name),
            crate::lang::Lang::En => format!("{}: robustness of the results", set.name),
        },
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
    crate::report::render_document_in(Document::Robustness, &p, lang)
}
