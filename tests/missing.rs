//! Missing evidence end to end (fixtures/missing/EXPECTED.md): a blank is never a silent zero in
//! the scorecard JSON, the CSV, the terminal table, `check` and `decide`'s inputs.

use crate::support::Kaohe;

const SET: &str = "indicators/examples/missing.yaml";
const EVIDENCE: &str = "fixtures/missing/villages.csv";

#[test]
fn every_output_says_what_is_missing() {
    let run = Kaohe::new()
        .arg("assess")
        .arg("-s")
        .repo_arg(SET)
        .repo_arg(EVIDENCE)
        .args(["-o", "out", "--no-html"])
        .run();
    run.success();
    // The terminal table: unranked units carry their status as the rank, and the last line
    // counts them.
    assert!(
        run.stdout
            .contains("2 / 7 个单位评分完整;3 个待补充;1 个待核实;1 个无佐证"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("待补充  西村"), "{}", run.stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&run.read("out/scorecard.json")).expect("json");
    let unit = |id: &str| {
        json["units"]
            .as_array()
            .and_then(|us| us.iter().find(|u| u["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("unit {id}"))
    };
    // Ranked: the complete units only, in order.
    let order: Vec<(String, serde_json::Value, String)> = json["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap_or_default().to_string(),
                u["rank"].clone(),
                u["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = [
        ("v01", serde_json::json!(1), "complete"),
        ("v05", serde_json::json!(2), "complete"),
        ("v04", serde_json::Value::Null, "pending"),
        ("v02", serde_json::Value::Null, "incomplete"),
        ("v03", serde_json::Value::Null, "incomplete"),
        ("v06", serde_json::Value::Null, "incomplete"),
        ("v07", serde_json::Value::Null, "no_evidence"),
    ];
    assert_eq!(
        order,
        want.iter()
            .map(|(i, r, s)| (i.to_string(), r.clone(), s.to_string()))
            .collect::<Vec<_>>()
    );
    // v03: the rate is missing: not scored, total and grade withheld, the total veto undecided.
    let v03 = unit("v03");
    assert_eq!(v03["total"], serde_json::Value::Null);
    assert_eq!(v03["grade"], serde_json::Value::Null);
    assert_eq!(v03["missing"][0]["id"], "rate");
    let rate = &v03["indicators"][0];
    assert_eq!(
        (&rate["status"], &rate["points"]),
        (
            &serde_json::json!("missing_evidence"),
            &serde_json::Value::Null
        )
    );
    assert_eq!(v03["vetoes"][0]["id"], "V_TOTAL");
    assert_eq!(v03["vetoes"][0]["outcome"], "undecided");
    // v06: a fired veto decides the unit despite the blank.
    let v06 = unit("v06");
    assert_eq!(v06["grade"], "不合格");
    assert_eq!(v06["vetoed"], true);
    // v05: training scored 0 as the set says, and said so.
    let v05 = unit("v05");
    let training = v05["indicators"]
        .as_array()
        .and_then(|is| is.iter().find(|i| i["id"] == "M_TRAINING"))
        .expect("M_TRAINING");
    assert_eq!(training["status"], "zero_for_missing");
    assert_eq!(training["points"], 0.0);
    // v02: its urban_rate blank is irrelevant (a village); rural_rate is what it lacks.
    let v02 = unit("v02");
    let missing: Vec<&str> = v02["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(missing, ["rural_rate"]);
    // The CSV: an empty cell, never 0, and the status column.
    let csv = String::from_utf8(run.read("out/scorecard.csv")).expect("utf-8");
    let row = csv.lines().find(|l| l.contains(",v03,")).expect("v03 row");
    assert!(
        row.starts_with(",v03,南村,,,,"),
        "no rank and no line points: {row}"
    );
    assert!(row.contains(",待补充,避孕节育落实率(rate)"), "{row}");
}

#[test]
fn check_reports_completeness_and_strict_fails() {
    let check = |strict: bool| {
        let mut k = Kaohe::new()
            .arg("check")
            .arg("-s")
            .repo_arg(SET)
            .repo_arg(EVIDENCE);
        if strict {
            k = k.arg("--strict");
        }
        k.run()
    };
    let run = check(false);
    run.success();
    assert!(
        run.stdout.contains(
            "warning: examples-missing: 2 / 7 个单位评分完整;3 个待补充;1 个待核实;1 个无佐证"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("warning: examples-missing: 避孕节育落实率(rate) 缺失于 3 个单位"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "v04 北村 待核实:缺 1 项(抽样调查符合率(survey));无法判定的一票否决 V_SURVEY"
        ),
        "{}",
        run.stdout
    );
    let strict = check(true);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stderr.contains("5 units are not complete"));
}

#[test]
fn on_missing_error_names_every_missing_field_of_every_unit() {
    let set = std::fs::read_to_string(crate::support::repo().join(SET)).expect("set");
    let set = set.replace(
        "# on_missing is not given: the default is `incomplete`.",
        "on_missing: error",
    );
    let run = Kaohe::new()
        .with_file("set.yaml", set.as_bytes())
        .args(["assess", "-s", "set.yaml"])
        .repo_arg(EVIDENCE)
        .args(["-o", "out"])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    for (unit, field) in [
        ("v02", "rural_rate"),
        ("v03", "rate"),
        ("v06", "rate"),
        ("v07", "rate"),
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(&format!("unit `{unit}`")) && l.contains(&format!("`{field}`"))),
            "{unit} {field}:\n{}",
            run.stderr
        );
    }
    // M_TRAINING says `on_missing: zero` itself: v05's blank training is no error.
    assert!(!run.stderr.contains("unit `v05`"), "{}", run.stderr);
    // The field `report` says `on_missing: zero`, which wins over the set's `error` for an
    // item (M_REPORT) that gives none: v07's blank report is no error.
    assert!(!run.stderr.contains("`report`"), "{}", run.stderr);
    assert!(!run.dir.join("out/scorecard.json").exists());
}
