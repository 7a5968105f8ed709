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

/// Every command that prints ends quietly when its reader goes away (`kaohe assess | head -1`):
/// exit 0, nothing on stderr (no panic about a broken pipe), and the files it writes are written.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let cases = crate::support::repo().join("tests/cases");
    let cases = cases.display().to_string();
    let commands: [&[&str]; 10] = [
        &["assess"],
        &["check"],
        &["test", &cases],
        &["template"],
        &["decide"],
        &["explain", "yantian"],
        &["explain", "yantian", "--format", "json"],
        &["self-assess", "yantian"],
        &["self-assess", "yantian", "--format", "json"],
        &["self-assess", "shenzhen", "--under"],
    ];
    for args in commands {
        let run = Kaohe::new().args(args).run_without_reader();
        assert_eq!(run.code, 0, "kaohe {args:?}: {}", run.stderr);
        // Nothing on stderr but the line saying the built-in copy ran.
        assert!(
            run.stderr
                .lines()
                .all(|l| l.starts_with("使用内置默认指标体系")),
            "kaohe {args:?}: {}",
            run.stderr
        );
    }
    let run = Kaohe::new()
        .args(["self-assess", "pingshan"])
        .run_without_reader();
    assert!(run.dir.join("out/self-assessment.html").is_file());
    let run = Kaohe::new().arg("assess").run_without_reader();
    assert!(run.dir.join("out/index.html").is_file());
}

/// A failure that is not the input's says which command ran and which file it was writing, and
/// exits 70; the input's own errors keep exit 65 and their diagnostics.
#[test]
fn an_unwritable_output_names_the_command_and_the_file() {
    let run = Kaohe::new()
        .args(["assess", "-q", "-o", "taken/out"])
        .with_file("taken", b"a file where a folder is wanted")
        .run();
    assert_eq!(run.code, 70, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: kaohe assess: writing into the output folder taken/out: cannot write taken/out: "
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let run = Kaohe::new()
        .args(["template", "-o", "taken/template.xlsx"])
        .with_file("taken", b"")
        .run();
    assert_eq!(run.code, 70, "{}", run.stderr);
    // The first line says the built-in copy ran; the error follows.
    let (first, error) = run.stderr.split_once('\n').unwrap_or_default();
    assert!(first.starts_with("使用内置默认指标体系"), "{}", run.stderr);
    assert!(
        error.starts_with("error: kaohe template: cannot write taken/template.xlsx: "),
        "{}",
        run.stderr
    );
    let run = Kaohe::new()
        .args(["self-assess", "yantian", "--corrections", "missing.yaml"])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    let (first, error) = run.stderr.split_once('\n').unwrap_or_default();
    assert!(first.starts_with("使用内置默认指标体系"), "{}", run.stderr);
    assert!(
        error.starts_with("error: missing.yaml: cannot read: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with("1 error found\n"), "{}", run.stderr);
}

/// `--lang en` gives English fixed words in the terminal table and in `explain`; counts use
/// plurals; the table's rule is as wide as its widest line.
#[test]
fn english_terminal_table_explain_and_plurals() {
    let run = Kaohe::new()
        .args(["assess", "--lang", "en", "-o", "out"])
        .run();
    run.success();
    let first = run.stdout.lines().nth(1).expect("the header");
    assert!(first.starts_with("Rank  Unit"), "{}", run.stdout);
    assert!(
        run.stdout.contains("8 / 8 units complete"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(advisory) V_SRB_ADVISORY"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("已写入"), "{}", run.stdout);
    // The rule under the header is exactly as wide as the widest line of the table.
    let table: Vec<&str> = run.stdout.lines().take_while(|l| !l.is_empty()).collect();
    let rule = table.iter().find(|l| l.starts_with("---")).expect("a rule");
    let widest = table
        .iter()
        .filter(|l| !l.starts_with("---") && !l.contains(" · "))
        .map(|l| unicode_width::UnicodeWidthStr::width(*l))
        .max()
        .expect("lines");
    assert_eq!(rule.len(), widest, "{}", run.stdout);

    let ex = Kaohe::new()
        .args(["explain", "pingshan", "--lang", "en"])
        .run();
    ex.success();
    for w in [
        "Indicator set",
        "Total ",
        "One-vote vetoes (9 rules, 1 fired)",
        "Effect: ",
    ] {
        assert!(ex.stdout.contains(w), "{w}\n{}", ex.stdout);
    }
    assert!(!ex.stdout.contains("一票否决("), "{}", ex.stdout);

    let sa = Kaohe::new()
        .args(["self-assess", "pingshan", "--lang", "en", "--no-html"])
        .run();
    sa.success();
    for w in [
        "self-assessment",
        "Points lost: ",
        "One-vote vetoes",
        "[clear]",
    ] {
        assert!(sa.stdout.contains(w), "{w}\n{}", sa.stdout);
    }
    assert!(!sa.stdout.contains("失分 共"), "{}", sa.stdout);

    let check = Kaohe::new()
        .args(["check", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .with_file(
            "ev.csv",
            "id,name,births,policy_births,has_plan,rate\nfutian,福田区,100,96,是,90\n".as_bytes(),
        )
        .arg("ev.csv")
        .run();
    check.success();
    assert!(
        check
            .stdout
            .contains("1 line, 3 indicators, 0 vetoes; 1 unit (1 scored)"),
        "{}",
        check.stdout
    );
}

/// `--history` takes several files after one flag, evidence after them still read as
/// evidence; and the self-assessment of a street or of a district's streets works in the
/// default multi-level run.
#[test]
fn history_takes_several_files_and_self_assess_finds_the_level() {
    let h = |y: u32| {
        crate::support::repo()
            .join(format!("fixtures/shenzhen/history/{y}.json"))
            .display()
            .to_string()
    };
    let run = Kaohe::new()
        .args(["assess", "-q", "-s"])
        .repo_arg("indicators/sz-district.yaml")
        .arg("--history")
        .args([h(2008), h(2009), h(2010)])
        .repo_arg("fixtures/shenzhen/evidence.yaml")
        .args(["-o", "out"])
        .run();
    run.success();
    let street = Kaohe::new()
        .args(["self-assess", "ft_yuanling", "--no-html"])
        .run();
    street.success();
    assert!(street.stdout.contains("园岭街道"), "{}", street.stdout);
    let under = Kaohe::new()
        .args(["self-assess", "futian", "--under", "--no-html"])
        .run();
    under.success();
    assert!(under.stdout.contains("园岭街道"), "{}", under.stdout);
    let city = Kaohe::new()
        .args(["self-assess", "nowhere", "--under", "--no-html"])
        .run();
    assert_ne!(city.code, 0);
    assert!(
        city.stderr.contains("shenzhen"),
        "says what would work: {}",
        city.stderr
    );
}

/// `kaohe verify out` in a finished run's folder: the exit code.
fn verifies(dir: &std::path::Path) -> Option<i32> {
    std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["verify", "out"])
        .current_dir(dir)
        .output()
        .expect("run kaohe")
        .status
        .code()
}

fn summary(run: &crate::support::Run, rel: &str) -> serde_json::Value {
    serde_json::from_slice(&run.read(rel)).expect("summary.json")
}

/// `--reports ID`: that unit's report alone (in the level that scores it), the league tables
/// link to the units with a report only, summary.json counts them, and the folder published
/// whole verifies.
#[test]
fn reports_of_chosen_units_only() {
    let run = Kaohe::new()
        .args(["assess", "-q", "--reports", "futian"])
        .run();
    run.success();
    assert!(run.dir.join("out/units/futian.html").is_file());
    assert!(!run.dir.join("out/units/nanshan.html").exists());
    let index = String::from_utf8(run.read("out/index.html")).expect("utf-8");
    assert!(index.contains(r#"href="units/futian.html""#));
    assert!(
        !index.contains(r#"href="units/nanshan.html""#),
        "no dead link"
    );
    assert!(index.contains("南山区"), "every unit is still listed");
    assert_eq!(summary(&run, "out/summary.json")["unit_reports"], 1);
    // The streets' level has no unit `futian`: its league table only.
    assert!(run.dir.join("out/sz-street/index.html").is_file());
    assert_eq!(
        summary(&run, "out/sz-street/summary.json")["unit_reports"],
        0
    );
    assert_eq!(verifies(&run.dir), Some(0));
}

/// An id no level scores is refused before anything is scored or written.
#[test]
fn reports_of_an_unknown_unit_are_refused() {
    let run = Kaohe::new()
        .args(["assess", "-q", "--reports", "futian,nosuch"])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(run.stderr.contains("nosuch"), "{}", run.stderr);
    assert!(!run.dir.join("out").exists());
}

/// `--detail summary`: no explained scorecard.json and no notice.docx; summary.json says what
/// was written; the CSV, the workbook and the reports as usual.
#[test]
fn detail_summary_leaves_out_the_per_unit_documents() {
    let run = Kaohe::new()
        .args(["assess", "-q", "--detail", "summary"])
        .run();
    run.success();
    for f in ["scorecard.json", "notice.docx"] {
        assert!(!run.dir.join("out").join(f).exists(), "{f}");
    }
    for f in [
        "scorecard.csv",
        "scorecard.xlsx",
        "index.html",
        "units/futian.html",
    ] {
        assert!(run.dir.join("out").join(f).is_file(), "{f}");
    }
    let s = summary(&run, "out/summary.json");
    assert_eq!(s["schema"], "kaohe.summary/1");
    assert_eq!(s["units"], 8);
    assert_eq!(s["scorecard_json"], false);
    assert_eq!(s["notice_docx"], false);
    assert_eq!(s["scorecard_xlsx"], true);
    assert_eq!(s["unit_reports"], 8);
    assert_eq!(verifies(&run.dir), Some(0));
    // The default run writes them all.
    let full = Kaohe::new().args(["assess", "-q"]).run();
    full.success();
    let s = summary(&full, "out/summary.json");
    assert_eq!(
        (&s["scorecard_json"], &s["notice_docx"]),
        (&true.into(), &true.into())
    );
}
