//! Issue 3 behaviours with hand-computed expectations: evidence layers, the case ledger
//! (R10–R13), statistical windows, history and comparatives, R17, phases, multi-level runs.

use kaohe::read::ReadEvidence;
use kaohe::read::yaml::read_yaml;
use kaohe::result::{Assessment, UnitResult};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

const SET: &str = r#"
id: t3
name: 测试
version: "1"
effective: { from: 2010-10-01, to: 2011-09-30 }
unit_kind: district
scale: 100
layers:
  - { id: self_report, name: 自查自评 }
  - { id: survey, name: 年终抽样调查 }
periods:
  - { id: calendar, name: 2011年度, from: 2011-01-01, to: 2011-12-31 }
peer_groups:
  - { id: a, name: 甲组 }
  - { id: b, name: 乙组 }
lines:
  - { id: main, name: 主线, max: 100 }
fields:
  - { id: births, name: 出生人数, type: count, layers: [survey, self_report] }
  - { id: rate, name: 符合政策生育率, type: percent }
case_types:
  - { id: oop, name: 政策外多孩 }
  - { id: late, name: 迟报 }
  - { id: funds, name: 经费拨付 }
derived:
  - { id: err, name: 统计误差率, unit: "%", expr: "(births.survey - births.self_report) / births.survey * 100" }
indicators:
  - id: ACC
    name: 统计准确率
    line: main
    max: 10
    value: err
    rule: { threshold: { zero_above: 5 } }
    text: 误差率5%以上不得分
  - id: OOP
    name: 政策外多孩
    line: main
    max: 30
    rule: { per_case: { cases: [oop], points: 10, escalate: 10, base_severity: 3, finder_multiplier: { city: 2 }, self_report_amnesty: true } }
    text: 每例扣10分,每升高一个孩次加扣10分;市查加倍;自查不扣
  - id: LATE
    name: 迟报
    line: main
    max: 10
    rule: { per_case: { cases: [late], points: 0, per_month: 0.2, max_months: 10 } }
    text: 迟报每例每月扣0.2分,每例最高扣10个月
  - id: FUNDS
    name: 经费到位
    line: main
    max: 10
    period: calendar
    value: amount.funds
    rule: { proportional: { target: 100 } }
    text: 年度经费100万元按比例计分
  - id: LP
    name: 水平与进步
    line: main
    max: 40
    rule:
      level_progress:
        level: rate / 100
        progress: "if change.rate > 0 then 1 else 0.5"
        when: rate >= all_mean.rate
        weights: [7, 3]
        otherwise: [3, 7]
    text: 在平均水平之上按7:3,之下按3:7
grades:
  - { label: 合格, min: 60 }
  - { label: 不合格 }
"#;

const EVIDENCE: &str = r#"
units:
  - id: u1
    name: 一区
    peer_group: a
    values:
      births: { self_report: 950, survey: 1000 }
      rate: 96
    cases:
      - { type: oop, severity: 4, date: 2011-03-01, found_by: city }
      - { type: oop, severity: 3, date: 2011-04-01, self_reported: true }
      - { type: oop, severity: 3, date: 2010-09-20, found_by: city }
      - { type: oop, severity: 3, date: 2011-05-01, verified: false }
      - { type: late, date: 2011-01-15, reported: 2011-04-02 }
      - { type: late, date: 2010-10-10 }
      - { type: funds, date: 2011-03-01, amount: 30 }
      - { type: funds, date: 2011-11-01, amount: 40 }
      - { type: funds, date: 2010-12-01, amount: 50 }
  - id: u2
    name: 二区
    peer_group: b
    values:
      births: 800
      rate: 90
"#;

fn load() -> (kaohe::model::IndicatorSet, kaohe::evidence::Evidence) {
    let set = kaohe::load::load_set_str("t3.yaml", SET).unwrap_or_else(|e| panic!("{e}"));
    let mut read = ReadEvidence::default();
    let mut diags = Vec::new();
    read_yaml("e.yaml", EVIDENCE, &mut read, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let ev = kaohe::bind::bind(&set, read).unwrap_or_else(|e| panic!("{e}"));
    (set, ev)
}

fn unit<'a>(a: &'a Assessment, id: &str) -> &'a UnitResult {
    a.units.iter().find(|u| u.id == id).expect("unit")
}

fn points(u: &UnitResult, id: &str) -> Decimal {
    u.indicators
        .iter()
        .find(|i| i.id() == id)
        .expect("indicator")
        .points
}

/// A previous year's scorecard in which u1's rate was `rate` and its total `total`.
fn past(to: &str, rate: &str, total: &str) -> Assessment {
    let (set, ev) = load();
    let mut a = kaohe::engine::assess(&set, &ev).expect("scores");
    a.period.to = chrono::NaiveDate::from_str(to).expect("date");
    for u in &mut a.units {
        u.total = Some(d(total));
        u.values =
            kaohe::result::Values::Listed(vec![("rate".into(), kaohe::expr::Val::Num(d(rate)))]);
    }
    a
}

#[test]
fn survey_corrects_the_self_report_and_the_difference_is_recorded() {
    let (set, ev) = load();
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let u1 = unit(&a, "u1");
    // (1000 − 950) / 1000 × 100 = 5% — "5%以上不得分" keeps 5 itself within: full 10.
    assert_eq!(points(u1, "ACC"), d("10"));
    let c = &u1.corrections[0];
    assert_eq!(&*c.field, "births");
    assert_eq!(c.used.as_deref(), Some("survey"));
    assert_eq!(c.layers.len(), 2);
    assert_eq!(
        c.difference.as_ref().map(ToString::to_string).as_deref(),
        Some("50")
    );
    // u2 has only a self-report: it is used, and the error rate cannot be computed.
    let u2 = unit(&a, "u2");
    assert_eq!(u2.corrections[0].used.as_deref(), Some("self_report"));
    assert_eq!(
        u2.indicators[0].status,
        kaohe::result::Status::MissingEvidence
    );
}

#[test]
fn case_ledger_escalation_finder_amnesty_window_and_verification() {
    let (set, ev) = load();
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let u1 = unit(&a, "u1");
    // 4th child found by the city: (10 + 10×(4−3)) × 2 = 40; self-reported 3rd child: 0;
    // dated 2010-09-20 (before the window): not charged; unverified: not counted.
    // 30 − 40 → floor 0.
    assert_eq!(points(u1, "OOP"), d("0"));
    let deductions: Vec<Decimal> = u1
        .cases
        .iter()
        .filter(|c| c.case_type == "oop")
        .map(|c| c.deduction)
        .collect();
    assert_eq!(deductions, vec![d("40"), d("0"), d("0"), d("0")]);
    let outside = u1
        .cases
        .iter()
        .find(|c| c.date == chrono::NaiveDate::from_ymd_opt(2010, 9, 20))
        .expect("case");
    assert!(!outside.in_period);
    assert!(outside.indicator.is_none());
}

#[test]
fn late_reports_are_charged_by_month_with_a_cap() {
    let (set, ev) = load();
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let u1 = unit(&a, "u1");
    // 2011-01 → reported 2011-04: 3 months × 0.2 = 0.6.
    // 2010-10 → never reported, window ends 2011-09: 11 months, capped at 10 → 2.
    let late: Vec<Decimal> = u1
        .cases
        .iter()
        .filter(|c| c.case_type == "late")
        .map(|c| c.deduction)
        .collect();
    assert_eq!(late, vec![d("0.6"), d("2")]);
    assert_eq!(points(u1, "LATE"), d("7.4"));
}

#[test]
fn calendar_window_counts_only_its_entries() {
    let (set, ev) = load();
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    // Calendar 2011: 30 (March) + 40 (November) = 70 of 100 → 7 points; the December 2010
    // payment belongs to the statistical year only.
    assert_eq!(points(unit(&a, "u1"), "FUNDS"), d("7"));
}

#[test]
fn history_and_comparatives_feed_level_progress() {
    let (set, ev) = load();
    // Without history: change.rate is missing → LP has missing evidence.
    let a0 = kaohe::engine::assess(&set, &ev).expect("scores");
    assert_eq!(
        unit(&a0, "u1").indicators[4].status,
        kaohe::result::Status::MissingEvidence
    );
    let history = vec![
        past("2010-09-30", "95", "80"),
        past("2009-09-30", "94", "70"),
    ];
    let a = kaohe::engine::assess_with(&set, &ev, &history).expect("scores");
    // all_mean.rate = (96 + 90) / 2 = 93. u1: 96 ≥ 93 → 7:3; level 0.96, progress 1 (96 > 95):
    // 40 × (7×0.96 + 3×1) / 10 = 40 × 0.972 = 38.88.
    assert_eq!(points(unit(&a, "u1"), "LP"), d("38.88"));
    // u2: 90 < 93 → 3:7; level 0.9, progress 0.5 (90 < 95): 40 × (3×0.9 + 7×0.5)/10 = 24.8.
    assert_eq!(points(unit(&a, "u2"), "LP"), d("24.8"));
}

#[test]
fn last_year_and_three_year_mean_are_read_from_scorecards() {
    let set_text = SET.replace(
        "  - { id: err,",
        "  - { id: prev, name: 上年, expr: \"last.rate\" }\n  - { id: err,",
    );
    let set_text = set_text.replace(
        "when: rate >= all_mean.rate",
        "when: mean3.rate >= 95 and last.total >= 80",
    );
    let set = kaohe::load::load_set_str("t3b.yaml", &set_text).unwrap_or_else(|e| panic!("{e}"));
    let mut read = ReadEvidence::default();
    let mut diags = Vec::new();
    read_yaml("e.yaml", EVIDENCE, &mut read, &mut diags);
    let ev = kaohe::bind::bind(&set, read).expect("binds");
    let history = vec![
        past("2010-09-30", "95", "80"),
        past("2009-09-30", "94", "70"),
    ];
    let values = {
        let a = kaohe::engine::assess_with(&set, &ev, &history).expect("scores");
        unit(&a, "u1").values.clone()
    };
    assert_eq!(values.get("prev"), Some(kaohe::expr::Val::Num(d("95"))));
    let a = kaohe::engine::assess_with(&set, &ev, &history).expect("scores");
    // mean3.rate = (96 + 95 + 94) / 3 = 95 ≥ 95 and last.total 80 ≥ 80 → 7:3 → 38.88.
    assert_eq!(points(unit(&a, "u1"), "LP"), d("38.88"));
}

const PHASED: &str = r#"
id: ph
name: 分阶段
version: "1"
effective: { from: 2011-01-01, to: 2011-12-31 }
unit_kind: village
scale: 100
phases:
  - { id: routine, name: 日常考核, weight: 40 }
  - { id: year_end, name: 年终考核, weight: 60 }
lines:
  - { id: main, name: 主线, max: 100 }
fields:
  - { id: x, name: 完成率, type: percent }
indicators:
  - { id: X, name: 完成率, line: main, max: 100, value: x, rule: { proportional: { target: 100 } }, text: 按比例 }
grades:
  - { label: 合格, min: 60 }
  - { label: 不合格 }
"#;

#[test]
fn phases_are_scored_by_the_same_rules_and_combined_by_weight() {
    let set = kaohe::load::load_set_str("ph.yaml", PHASED).unwrap_or_else(|e| panic!("{e}"));
    let ev_text = "units:\n  - { id: v, phase: routine, values: { x: 50 } }\n  - { id: v, phase: year_end, values: { x: 80 } }\n";
    let mut read = ReadEvidence::default();
    let mut diags = Vec::new();
    read_yaml("e.yaml", ev_text, &mut read, &mut diags);
    let ev = kaohe::bind::bind(&set, read).unwrap_or_else(|e| panic!("{e}"));
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let u = &a.units[0];
    // 50 × 40% + 80 × 60% = 20 + 48 = 68 → 合格.
    assert_eq!(u.total, Some(d("68")));
    assert_eq!(u.grade.as_deref(), Some("合格"));
    assert_eq!(u.phases.len(), 2);
    assert_eq!(u.phases[0].total, Some(d("50")));
    // A unit missing a phase is an error.
    let mut read = ReadEvidence::default();
    read_yaml(
        "e.yaml",
        "units:\n  - { id: v, phase: routine, values: { x: 50 } }\n",
        &mut read,
        &mut diags,
    );
    let err = kaohe::bind::bind(&set, read).expect_err("missing phase");
    assert!(
        err.to_string().contains("none for phase `year_end`"),
        "{err}"
    );
}

#[test]
fn a_parent_level_reads_its_children_results() {
    let child = r#"
id: street
name: 街道考核
version: "1"
effective: { from: 2011-01-01, to: 2011-12-31 }
unit_kind: street
scale: 100
lines:
  - { id: main, name: 主线, max: 100 }
fields:
  - { id: x, name: 完成率, type: percent }
indicators:
  - { id: X, name: 完成率, line: main, max: 100, value: x, rule: { proportional: { target: 100 } }, text: 按比例 }
grades:
  - { label: 合格, min: 60 }
  - { label: 不合格 }
"#;
    let parent = r#"
id: district
name: 区考核
version: "1"
effective: { from: 2011-01-01, to: 2011-12-31 }
unit_kind: district
scale: 100
unit_kinds:
  - { id: street, name: 街道 }
lines:
  - { id: main, name: 主线, max: 100 }
derived:
  - { id: pass_share, name: 街道合格率, unit: "%", expr: "share(street, result.passed) * 100" }
indicators:
  - { id: P, name: 街道合格率, line: main, max: 100, value: pass_share, rule: { proportional: { target: 100 } }, text: 按比例 }
grades:
  - { label: 合格, min: 60 }
  - { label: 不合格 }
"#;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("street.yaml"), child).expect("write");
    std::fs::write(dir.path().join("district.yaml"), parent).expect("write");
    std::fs::write(
        dir.path().join("ev.yaml"),
        "units:\n  - { id: d1, kind: district }\n  - { id: s1, kind: street, parent: d1, values: { x: 90 } }\n  - { id: s2, kind: street, parent: d1, values: { x: 70 } }\n  - { id: s3, kind: street, parent: d1, values: { x: 40 } }\n  - { id: s4, kind: street, parent: d1, values: { x: 59.99 } }\n",
    )
    .expect("write");
    let args = kaohe::cli::AssessArgs {
        input: kaohe::cli::InputArgs {
            set: Some(dir.path().join("district.yaml")),
            evidence: vec![dir.path().join("ev.yaml")],
            encoding: Default::default(),
        },
        out: dir.path().join("out"),
        quiet: true,
        levels: vec![dir.path().join("street.yaml")],
        history: vec![],
        lang: Default::default(),
        no_html: true,
        force: false,
        sizing: Default::default(),
    };
    let run = kaohe::cli::load_run(&args).unwrap_or_else(|e| panic!("{e}"));
    let results = kaohe::cli::assess_run(&run).unwrap_or_else(|e| panic!("{e}"));
    let district = &results[run.primary];
    // Streets pass with ≥ 60: s1, s2 → 2 of 4 = 50% → 50 points.
    assert_eq!(district.units[0].total, Some(d("50")));
}

#[test]
fn document_references_are_read_from_yaml_and_tables_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let yaml = dir.path().join("ev.yaml");
    std::fs::write(
        &yaml,
        "units:\n  - id: u1\n    peer_group: a\n    values: { births: 10, rate: 96 }\n    documents:\n      - { ref: 深人口计生〔2011〕12号, title: 关于印发示范区创建方案的通知, date: 2011-03-01 }\n",
    )
    .expect("write");
    let csv = dir.path().join("docs.csv");
    std::fs::write(
        &csv,
        "单位代码,文号,文件名称,日期,备注\nu1,深人口〔2011〕30号,年度考核自查报告,2011-10-08,自查自评\nnowhere,,<script>x</script>,,\n",
    )
    .expect("write");
    let set = kaohe::load::load_set_str("t3.yaml", SET).expect("set");
    let (read, problems) = kaohe::read::files::read_paths_partial(&[yaml.clone(), csv.clone()]);
    let err = kaohe::bind::bind_partial(&set, read, problems).expect_err("unknown unit");
    assert!(
        err.to_string()
            .contains("document for unknown unit `nowhere`"),
        "{err}"
    );
    std::fs::write(
        &csv,
        "单位代码,文号,文件名称,日期,备注\nu1,深人口〔2011〕30号,年度考核<自查>报告,2011-10-08,自查自评\n",
    )
    .expect("write");
    let (read, problems) = kaohe::read::files::read_paths_partial(&[yaml, csv]);
    let ev = kaohe::bind::bind_partial(&set, read, problems).unwrap_or_else(|d| panic!("{d}"));
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let docs = &a.units[0].documents;
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].reference.as_deref(), Some("深人口计生〔2011〕12号"));
    assert_eq!(docs[1].title, "年度考核<自查>报告");
    assert_eq!(docs[1].note.as_deref(), Some("自查自评"));
    let html =
        kaohe::report::render_unit(&a, "u1", &kaohe::report::Options::default()).expect("html");
    assert!(html.contains("佐证材料"));
    assert!(html.contains("年度考核&lt;自查&gt;报告"), "escaped");
}
