//! `kaohe robustness` and `kaohe weights` (issue 15): zero uncertainty gives today's results
//! with certainty, a closed-form flip probability is met within its binomial interval, a unit
//! far from every line never flips, the same seed gives byte-identical output on 1 and 2
//! threads, decisions of the shipped policy get flip probabilities, and the weights commands.

use crate::support::{Kaohe, repo};
use kaohe::cli::{AssessArgs, InputArgs, assess_run, load_run};
use kaohe::robustness::{self, Options, Robustness};
use std::path::PathBuf;

fn args(set: Option<PathBuf>, evidence: Vec<PathBuf>, levels: Vec<PathBuf>) -> AssessArgs {
    AssessArgs {
        input: InputArgs {
            set,
            evidence,
            encoding: Default::default(),
        },
        out: PathBuf::from("out"),
        quiet: true,
        levels,
        history: Vec::new(),
        lang: kaohe::report::Lang::Zh,
        no_html: true,
        force: false,
        sizing: Default::default(),
    }
}

/// The shipped run (districts over streets), optionally with the uncertainty fixture appended
/// to the district set.
fn shipped(uncertain: bool, dir: &std::path::Path) -> AssessArgs {
    let mut set = std::fs::read_to_string(repo().join("indicators/sz-district.yaml")).expect("set");
    if uncertain {
        set.push_str(
            &std::fs::read_to_string(repo().join("fixtures/robustness/uncertainty.yaml"))
                .expect("block"),
        );
    }
    let path = dir.join("sz-district.yaml");
    std::fs::write(&path, set).expect("write");
    args(
        Some(path),
        vec![
            repo().join("fixtures/shenzhen/evidence.yaml"),
            repo().join("fixtures/shenzhen/streets.yaml"),
        ],
        vec![repo().join("indicators/sz-street.yaml")],
    )
}

fn run_robustness(a: &AssessArgs, n: u32, plan: u32) -> (Robustness, kaohe::result::Assessment) {
    let run = load_run(a).expect("loads");
    let results = assess_run(&run).expect("scores");
    let (set, ev) = &run.levels[run.primary];
    let base = results[run.primary].clone();
    let r = robustness::run(
        set,
        ev,
        &run.history,
        &results[..run.primary],
        &base,
        Options {
            replications: n,
            seed: 7,
            lang: kaohe::lang::Lang::Zh,
        },
        None,
        plan,
    )
    .expect("replicates");
    (r, base)
}

#[test]
fn zero_uncertainty_gives_todays_results_with_certainty() {
    let dir = tempfile::tempdir().expect("tmp");
    let (r, base) = run_robustness(&shipped(false, dir.path()), 20, 20);
    assert_eq!(r.units.len(), base.units.len());
    for (u, b) in r.units.iter().zip(&base.units) {
        assert_eq!(u.id, b.id);
        let t = b
            .total
            .and_then(|t| rust_decimal::prelude::ToPrimitive::to_f64(&t));
        if b.status == kaohe::result::UnitStatus::Complete {
            assert_eq!(u.total_p05, t, "{}", u.id);
            assert_eq!(u.total_p95, t, "{}", u.id);
        }
        assert_eq!(u.rank_p05, b.rank, "{}", u.id);
        assert_eq!(u.rank_p95, b.rank, "{}", u.id);
        assert!(u.p_pass == 0.0 || u.p_pass == 1.0, "{}", u.id);
        assert_eq!(u.p_pass == 1.0, u.passed, "{}", u.id);
        assert_eq!(u.p_pass_flips, 0.0, "{}", u.id);
        assert_eq!(u.p_grade_changes, 0.0, "{}", u.id);
        if let Some(g) = &b.grade {
            assert_eq!(u.grades.get(g), Some(&1.0), "{}", u.id);
        }
        for v in &b.vetoes {
            if v.outcome == kaohe::result::VetoOutcome::Fired {
                assert_eq!(u.vetoes.get(&v.id), Some(&1.0), "{} {}", u.id, v.id);
            }
        }
    }
    assert!(r.plan.is_empty());
}

#[test]
fn rescoring_every_item_reproduces_the_engine() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = shipped(true, dir.path());
    let run = load_run(&a).expect("loads");
    let results = assess_run(&run).expect("scores");
    let (set, ev) = &run.levels[run.primary];
    let base = &results[run.primary];
    let rs = kaohe::engine::Rescorer::new(set, ev, &run.history, &results[..run.primary])
        .expect("not phased");
    for pos in 0..rs.len() {
        let mut vals = rs.values(pos).to_vec();
        rs.derive(pos, &mut vals);
        let rep = rs.replay(pos, &mut vals, None, None);
        let id = &ev.units[ev.scored[pos]].id;
        let b = base.units.iter().find(|u| &u.id == id).expect("unit");
        assert_eq!(rep.total, b.total, "{id}");
        assert_eq!(rep.score, b.score, "{id}");
        assert_eq!(
            rep.grade.map(|g| set.grades[g].label.clone()),
            b.grade,
            "{id}"
        );
        assert_eq!(rep.vetoed, b.vetoed, "{id}");
        assert_eq!(rep.status, b.status, "{id}");
    }
}

/// A set where the total is the figure itself and a veto fails a total below 600.
const LINE_SET: &str = r#"
id: line-demo
name: 否决线示例(测试用)
version: "1"
effective: { from: 2023-01-01, to: 2023-12-31 }
unit_kind: county
scale: 1000
lines:
  - { id: main, name: 主线, max: 1000 }
fields:
  - { id: x, name: 综合得分, type: number }
indicators:
  - { id: X, name: 得分, line: main, max: 1000, rule: { formula: { points: "x" } }, text: "按得分计" }
vetoes:
  - { id: V_LINE, name: 低于600分, when: total < 600, effect: fail, reason: "总分低于600分的,一票否决" }
grades:
  - { label: 合格, min: 600 }
  - { label: 不合格 }
"#;

const LINE_UNITS: &str = r#"
units:
  - { id: near, name: 临界县, kind: county, values: { x: 599.6 } }
  - { id: far, name: 远离县, kind: county, values: { x: 900 } }
"#;

fn line_run(distribution: &str, n: u32) -> Robustness {
    let dir = tempfile::tempdir().expect("tmp");
    let set = format!(
        "{LINE_SET}uncertainty:\n  fields:\n    - {{ field: x, error: 1, distribution: {distribution} }}\n"
    );
    std::fs::write(dir.path().join("set.yaml"), set).expect("set");
    std::fs::write(dir.path().join("units.yaml"), LINE_UNITS).expect("units");
    let a = args(
        Some(dir.path().join("set.yaml")),
        vec![dir.path().join("units.yaml")],
        Vec::new(),
    );
    run_robustness(&a, n, 50).0
}

/// P(599.6 + e ≥ 600): normal ±1 → 1 − Φ(0.4) = 0.344578; uniform ±1 → 0.6 / 2 = 0.3. The
/// estimate lies within 3.29 standard errors (99.9%) of it.
#[test]
fn flip_probability_at_the_line_matches_its_closed_form() {
    let n = 4000;
    for (dist, p) in [("normal", 0.344_578), ("uniform", 0.3)] {
        let r = line_run(dist, n);
        let near = r.units.iter().find(|u| u.id == "near").expect("near");
        assert!(!near.passed);
        let se = (p * (1.0 - p) / f64::from(n)).sqrt();
        assert!(
            (near.p_pass_flips - p).abs() < 3.29 * se,
            "{dist}: {} vs {p} ± {}",
            near.p_pass_flips,
            3.29 * se
        );
        let fired = near.vetoes.get("V_LINE").copied().unwrap_or(0.0);
        assert!((fired + near.p_pass_flips - 1.0).abs() < 2e-4, "{fired}");
        let far = r.units.iter().find(|u| u.id == "far").expect("far");
        assert_eq!(far.p_pass_flips, 0.0);
        assert_eq!(far.p_pass, 1.0);
        assert!(far.vetoes.is_empty());
        assert_eq!(far.rank_p05, Some(1));
        assert_eq!(far.rank_p95, Some(1));
        // The plan names the near unit's figure, with its distance to the line.
        assert_eq!(r.plan.len(), 1, "{:?}", r.plan);
        assert_eq!(r.plan[0].unit, "near");
        assert!(
            r.plan[0].reason.starts_with("临界县综合得分599.6"),
            "{}",
            r.plan[0].reason
        );
    }
}

#[test]
fn same_seed_gives_identical_output_on_one_and_two_threads() {
    let set = {
        let mut s =
            std::fs::read_to_string(repo().join("indicators/sz-district.yaml")).expect("set");
        s.push_str(
            &std::fs::read_to_string(repo().join("fixtures/robustness/uncertainty.yaml"))
                .expect("block"),
        );
        s
    };
    let run = |threads: &str| {
        Kaohe::new()
            .with_file("set.yaml", set.as_bytes())
            .args([
                "robustness",
                "-q",
                "-s",
                "set.yaml",
                "-n",
                "60",
                "--seed",
                "5",
            ])
            .repo_arg("fixtures/shenzhen/evidence.yaml")
            .repo_arg("fixtures/shenzhen/streets.yaml")
            .args(["-l"])
            .repo_arg("indicators/sz-street.yaml")
            .args(["--plan-replications", "30", "-o", "rb"])
            .env("RAYON_NUM_THREADS", threads)
            .run()
    };
    let (one, two) = (run("1"), run("2"));
    one.success();
    two.success();
    for f in [
        "rb/robustness.json",
        "rb/robustness-units.csv",
        "rb/inspection-plan.csv",
        "rb/robustness.html",
    ] {
        assert_eq!(one.read(f), two.read(f), "{f}");
    }
    let html = String::from_utf8(one.read("rb/robustness.html")).expect("utf-8");
    assert!(html.contains("<svg") && !html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

/// The registry as it stands before the 2011 decision: the base, 2010's events and decision,
/// 2011's events.
fn registry_before_2011() -> String {
    let read = |p: &str| std::fs::read_to_string(repo().join(p)).expect(p);
    let text = read("fixtures/titles/base.yaml") + &read("fixtures/titles/events/2010.yaml");
    let reg = kaohe::title::load_registry_str("registry", &text).expect("registry");
    let policy = kaohe::decide::policy::load_policy_file(&repo().join("indicators/sz-policy.yaml"))
        .expect("policy");
    let sc = kaohe::decide::scorecard::read_scorecard_file(
        &repo().join("fixtures/titles/scorecards/2010.json"),
    )
    .expect("2010");
    let o = kaohe::decide::decide(&policy, &reg, &sc, &[], None).expect("2010 decided");
    reg.append(&o.registry_comment(), &o.events)
        .expect("append")
        + &read("fixtures/titles/events/2011.yaml")
}

#[test]
fn decisions_get_flip_probabilities() {
    let dir = tempfile::tempdir().expect("tmp");
    for uncertain in [false, true] {
        let a = shipped(uncertain, dir.path());
        let run = load_run(&a).expect("loads");
        let results = assess_run(&run).expect("scores");
        let (set, ev) = &run.levels[run.primary];
        let base = &results[run.primary];
        let policy =
            kaohe::decide::policy::load_policy_file(&repo().join("indicators/sz-policy.yaml"))
                .expect("policy");
        let registry =
            kaohe::title::load_registry_str("registry", &registry_before_2011()).expect("registry");
        let history = vec![
            kaohe::decide::scorecard::read_scorecard_file(
                &repo().join("fixtures/titles/scorecards/2010.json"),
            )
            .expect("2010"),
        ];
        let d = robustness::decisions::DecideInputs {
            policy: &policy,
            registry: &registry,
            history: &history,
            date: None,
        };
        let r = robustness::run(
            set,
            ev,
            &run.history,
            &results[..run.primary],
            base,
            Options {
                replications: 100,
                seed: 3,
                lang: kaohe::lang::Lang::Zh,
            },
            Some(&d),
            20,
        )
        .expect("replicates");
        let direct = kaohe::decide::decide(
            &policy,
            &registry,
            &kaohe::decide::scorecard::Scorecard::from(base),
            &history,
            None,
        )
        .expect("decides");
        assert_eq!(r.decisions.len(), direct.decisions.len());
        if uncertain {
            assert!(
                r.decisions.iter().any(|d| d.p_flip > 0.0),
                "{:?}",
                r.decisions
            );
        } else {
            assert!(
                r.decisions.iter().all(|d| d.p_flip == 0.0),
                "{:?}",
                r.decisions
            );
        }
    }
}

/// A CSV of one published matrix of `fixtures/mcdm-vectors` (header C1…Cn).
fn mcdm_csv(case: &str) -> String {
    let text = std::fs::read_to_string(repo().join("fixtures/mcdm-vectors/mcdm_cases.csv"))
        .expect("mcdm vectors");
    let mut rows: std::collections::BTreeMap<usize, std::collections::BTreeMap<usize, String>> =
        Default::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() == 5 && f[0] == case && f[1] == "matrix" {
            let (r, c): (usize, usize) = (f[2].parse().expect("row"), f[3].parse().expect("col"));
            rows.entry(r).or_default().insert(c, f[4].to_string());
        }
    }
    rows.values()
        .map(|r| r.values().cloned().collect::<Vec<_>>().join(",") + "\n")
        .collect()
}

#[test]
fn weights_commands_print_named_variants_and_refuse_inconsistent_ahp() {
    let entropy = Kaohe::new()
        .with_file("m.csv", mcdm_csv("entropy_elsayed2017").as_bytes())
        .args(["weights", "entropy", "m.csv"])
        .run();
    entropy.success();
    let minmax = Kaohe::new()
        .with_file("m.csv", mcdm_csv("entropy_elsayed2017").as_bytes())
        .args(["weights", "entropy", "--variant", "minmax", "m.csv"])
        .run();
    minmax.success();
    let critic = Kaohe::new()
        .with_file("m.csv", mcdm_csv("critic_tus_adali2019").as_bytes())
        .args(["weights", "critic", "m.csv"])
        .run();
    critic.success();
    let sd = Kaohe::new()
        .with_file("m.csv", mcdm_csv("stddev_jahan2013").as_bytes())
        .args(["weights", "stddev", "m.csv"])
        .run();
    sd.success();
    let consistent = Kaohe::new()
        .with_file(
            "m.csv",
            b"criterion,a,b,c\na,1,2,4\nb,1/2,1,2\nc,1/4,1/2,1\n",
        )
        .args(["weights", "ahp", "m.csv"])
        .run();
    consistent.success();
    insta::assert_snapshot!(
        "weights_outputs",
        [
            entropy.stdout,
            minmax.stdout,
            critic.stdout,
            sd.stdout,
            consistent.stdout
        ]
        .join("\n")
    );
    let refused = Kaohe::new()
        .with_file("m.csv", mcdm_csv("ahp_wang_chin2011").as_bytes())
        .args(["weights", "ahp", "m.csv"])
        .run();
    assert_eq!(refused.code, 65, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("CR = 0.2290 > 0.1"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("most inconsistent"),
        "{}",
        refused.stderr
    );
}
