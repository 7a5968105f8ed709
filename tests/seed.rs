//! The Huizhou-like fixture reproduces the seed document's published figures (document 3):
//! births 39,407; birth rate 11.78‰; natural growth 6.99‰; policy-compliant rate 96.98%;
//! 45 of 74 townships (60.81%) and 707 of 1,244 villages (56.83%) in the "两无" shares.

use crate::support::repo;
use kaohe::expr::Val;
use rust_decimal::Decimal;
use std::str::FromStr;

fn num(values: &[(String, Option<Val>)], id: &str) -> Decimal {
    match values.iter().find(|(k, _)| k == id).and_then(|(_, v)| *v) {
        Some(Val::Num(d)) => kaohe::num::round_half_up(d, 2),
        other => panic!("{id}: {other:?}"),
    }
}

#[test]
fn huizhou_reproduces_the_seed_figures() {
    let set = kaohe::load::load_set_file(&repo().join("indicators/hz-city.yaml")).expect("set");
    let dir = repo().join("fixtures/huizhou");
    let files = vec![
        dir.join("city.yaml"),
        dir.join("townships.csv"),
        dir.join("villages.csv"),
    ];
    let read = kaohe::read::files::read_paths(&files).expect("read");
    let ev = kaohe::bind::bind(&set, read).expect("bind");
    assert_eq!(ev.scored.len(), 1, "one city");
    let values = kaohe::engine::unit_values(&set, &ev, ev.scored[0]);
    let d = |s: &str| Decimal::from_str(s).expect("decimal");
    assert_eq!(num(&values, "births"), d("39407"));
    assert_eq!(num(&values, "birth_rate"), d("11.78"));
    assert_eq!(num(&values, "natural_growth"), d("6.99"));
    assert_eq!(num(&values, "policy_rate"), d("96.98"));
    assert_eq!(num(&values, "townships"), d("74"));
    assert_eq!(num(&values, "towns_no_multi"), d("45"));
    assert_eq!(num(&values, "towns_no_multi_pct"), d("60.81"));
    assert_eq!(num(&values, "villages"), d("1244"));
    assert_eq!(num(&values, "villages_no_oop"), d("707"));
    assert_eq!(num(&values, "villages_no_oop_pct"), d("56.83"));
    assert_eq!(num(&values, "third_class"), d("16"));
    assert_eq!(num(&values, "third_upgraded_pct"), d("100"));
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    assert_eq!(a.units[0].id, "huizhou");
}

#[test]
fn shenzhen_matches_the_hand_computed_scorecard() {
    // fixtures/shenzhen/EXPECTED.md, worked out by hand.
    let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("default");
    let a = kaohe::engine::assess(&set, &ev).expect("scores");
    let got: Vec<(String, u32, String, String)> = a
        .units
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                u.rank.unwrap_or_default(),
                kaohe::num::show_known(u.total),
                u.grade.clone().unwrap_or_default(),
            )
        })
        .collect();
    // The district set alone (no streets, no history): fixtures/shenzhen/EXPECTED.md.
    let want = [
        ("futian", 1, "916.33", "优秀"),
        ("nanshan", 2, "894.33", "良好"),
        ("luohu", 3, "836.43", "良好"),
        ("baoan", 4, "829.56", "良好"),
        ("pingshan", 5, "813.53", "合格"),
        ("longgang", 6, "825.13", "不合格"),
        ("yantian", 7, "710.53", "不合格"),
        ("guangming", 8, "584.93", "不合格"),
    ];
    let want: Vec<(String, u32, String, String)> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), *b, c.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want);
    let peer: Vec<Option<u32>> = a.units.iter().map(|u| u.peer_rank).collect();
    assert_eq!(
        peer,
        vec![
            Some(1),
            Some(2),
            Some(3),
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(4)
        ]
    );
    let guangming = a
        .units
        .iter()
        .find(|u| u.id == "guangming")
        .expect("guangming");
    let dept = guangming
        .lines
        .iter()
        .find(|l| l.id == "department")
        .expect("line");
    assert_eq!(dept.points, Some(Decimal::ZERO));
    assert_eq!(dept.zeroed_by.as_deref(), Some("V_STAFF"));
}

#[test]
fn shenzhen_from_csv_equals_shenzhen_from_yaml() {
    let score = |files: Vec<std::path::PathBuf>| {
        let (set, ev) = kaohe::cli::load_inputs(&kaohe::cli::InputArgs {
            set: Some(repo().join("indicators/sz-district.yaml")),
            evidence: files,
            encoding: Default::default(),
        })
        .unwrap_or_else(|d| panic!("{d}"));
        let a = kaohe::engine::assess(&set, &ev).expect("scores");
        serde_json::to_value(&a.units).expect("json")
    };
    let dir = repo().join("fixtures/shenzhen");
    let yaml = score(vec![dir.join("evidence.yaml")]);
    let csv = score(vec![dir.join("csv")]);
    assert_eq!(yaml, csv);
}

#[test]
fn the_default_run_scores_districts_and_streets_with_history() {
    // `kaohe assess` with no arguments: sz-district + sz-street, history 2008–2010.
    // Hand-computed in fixtures/shenzhen/EXPECTED.md (full run).
    let args = kaohe::cli::AssessArgs {
        input: kaohe::cli::InputArgs {
            set: None,
            evidence: vec![],
            encoding: Default::default(),
        },
        out: std::path::PathBuf::from("out"),
        quiet: true,
        levels: vec![],
        history: vec![],
        lang: kaohe::report::Lang::Zh,
        no_html: true,
        force: false,
        sizing: Default::default(),
    };
    let run = kaohe::cli::load_run(&args).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(run.history.len(), 3);
    let results = kaohe::cli::assess_run(&run).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].units.len(), 23, "streets first");
    // 梅沙街道 sent no report: listed last, never graded or ranked (issue 11).
    let meisha = results[0].units.last().expect("streets");
    assert_eq!(meisha.id, "yt_meisha");
    assert_eq!(meisha.status, kaohe::result::UnitStatus::NoEvidence);
    assert_eq!(
        (meisha.rank, meisha.total, meisha.grade.as_deref()),
        (None, None, None)
    );
    let a = &results[run.primary];
    let got: Vec<(String, u32, String, String)> = a
        .units
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                u.rank.unwrap_or_default(),
                kaohe::num::show_known(u.total),
                u.grade.clone().unwrap_or_default(),
            )
        })
        .collect();
    let want = [
        ("futian", 1, "954.64", "优秀"),
        ("nanshan", 2, "934.33", "优秀"),
        ("baoan", 3, "863.92", "良好"),
        ("luohu", 3, "863.92", "良好"),
        ("pingshan", 5, "850.91", "合格"),
        ("guangming", 6, "600.1", "合格"),
        ("longgang", 7, "853.57", "不合格"),
        ("yantian", 8, "729.72", "不合格"),
    ];
    let want: Vec<(String, u32, String, String)> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), *b, c.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want);
    let peer: Vec<Option<u32>> = a.units.iter().map(|u| u.peer_rank).collect();
    assert_eq!(
        peer,
        vec![
            Some(1),
            Some(2),
            Some(1),
            Some(3),
            Some(2),
            Some(3),
            Some(4),
            Some(4)
        ]
    );
    // Every district's births were corrected by the survey: both layers and the winner.
    for u in &a.units {
        let births = u
            .corrections
            .iter()
            .find(|c| &*c.field == "births")
            .expect("births corrected");
        assert_eq!(births.used.as_deref(), Some("survey"), "{}", u.id);
        assert!(births.layers.len() >= 2, "{}", u.id);
    }
}
