//! End-to-end: the real binary on the shipped default and on bad input.

use crate::support::Kaohe;

#[test]
fn assess_without_arguments_runs_the_shipped_default() {
    let run = Kaohe::new().arg("assess").run();
    run.success();
    assert!(run.stdout.contains("福田区"), "{}", run.stdout);
    assert!(run.stdout.contains("排名"));
    let csv = run.read("out/scorecard.csv");
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "scorecard.csv must start with a UTF-8 BOM"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run.read("out/scorecard.json")).expect("valid JSON");
    assert_eq!(json["schema"], "kaohe.scorecard/1");
    assert_eq!(json["indicator_set"]["id"], "sz-district");
    assert_eq!(json["units"].as_array().map(Vec::len), Some(8));
    let hash = json["indicator_set"]["hash"].as_str().unwrap_or_default();
    assert_eq!(hash.len(), 64);
    // A unit failed by an enforced veto gets the lowest grade and ranks last.
    let units = json["units"].as_array().cloned().unwrap_or_default();
    let last = units.last().cloned().unwrap_or_default();
    assert_eq!(last["vetoed"], true);
    assert_eq!(last["grade"], "不合格");
}

#[test]
fn reruns_are_byte_identical() {
    let a = Kaohe::new().args(["assess", "-q"]).run();
    let b = Kaohe::new().args(["assess", "-q"]).run();
    a.success();
    b.success();
    assert_eq!(a.read("out/scorecard.json"), b.read("out/scorecard.json"));
    assert_eq!(a.read("out/scorecard.csv"), b.read("out/scorecard.csv"));
}

#[test]
fn invalid_input_exits_65_and_writes_nothing() {
    let run = Kaohe::new()
        .args(["assess", "--set"])
        .repo_arg("fixtures/invalid/set-many-errors.yaml")
        .repo_arg("fixtures/shenzhen/evidence.yaml")
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(run.stderr.contains("set-many-errors.yaml:"));
    assert!(
        !run.dir.join("out").exists(),
        "nothing may be written on invalid input"
    );
}

#[test]
fn check_reports_ok_and_errors() {
    let ok = Kaohe::new().arg("check").run();
    ok.success();
    assert!(ok.stdout.starts_with("ok:"));
    let bad = Kaohe::new()
        .args(["check", "--set"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .repo_arg("fixtures/invalid/ev-wrong-types.yaml")
        .run();
    assert_eq!(bad.code, 65);
    assert!(
        bad.stderr.contains("ev-wrong-types.yaml:"),
        "{}",
        bad.stderr
    );
}

#[test]
fn test_command_runs_the_shipped_cases() {
    let run = Kaohe::new().arg("test").repo_arg("tests/cases").run();
    run.success();
    assert!(run.stdout.contains(" passed, 0 failed"), "{}", run.stdout);
}
