//! End-to-end: the commands for rubric authors (`handbook`, `diff`, `lint`) on the real binary.

use crate::support::Kaohe;
use std::io::Read;

#[test]
fn handbook_writes_html_and_docx() {
    let run = Kaohe::new()
        .args(["handbook", "-o", "hb", "-s"])
        .repo_arg("indicators/history/sz-district-2009.yaml")
        .run();
    run.success();
    assert!(run.stdout.contains("handbook.html"), "{}", run.stdout);
    let html = String::from_utf8(run.read("hb/handbook.html")).expect("UTF-8");
    assert!(html.contains("考核细则"));
    assert!(html.contains("评分标准"));
    assert!(html.contains("一票否决"));
    assert!(
        html.contains("Content-Security-Policy"),
        "nothing is fetched"
    );
    let docx = run.read("hb/handbook.docx");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip package");
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .expect("document part")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    assert!(xml.contains("考核细则"));
    assert!(xml.contains("w:pgSz w:w=\"11906\" w:h=\"16838\""), "A4");
}

#[test]
fn handbook_of_the_default_set() {
    let run = Kaohe::new().arg("handbook").run();
    run.success();
    let html = String::from_utf8(run.read("out/handbook.html")).expect("UTF-8");
    assert!(html.contains("PG_POLICY_RATE"));
    assert!(html.contains("V_FRAUD_ERROR"));
}

#[test]
fn diff_of_the_hand_made_versions_writes_html_and_csv() {
    let run = Kaohe::new()
        .args(["diff", "-o", "d"])
        .repo_arg("fixtures/rubric/diff-old.yaml")
        .repo_arg("fixtures/rubric/diff-new.yaml")
        .repo_arg("fixtures/rubric/diff-evidence.yaml")
        .run();
    run.success();
    assert!(
        run.stdout
            .contains("3 个单位中 2 个的等次或一票否决结果改变"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("a 甲县:70 合格 → 100 优秀"),
        "{}",
        run.stdout
    );
    let units = String::from_utf8(run.read("d/diff-units.csv")).expect("UTF-8");
    assert!(units.starts_with('\u{feff}'), "BOM");
    assert!(units.contains("b,乙县,40,40,0,不合格,不合格,2,3,,V_RATE,,是,V_RATE 达标率过低新触发"));
    let changes = String::from_utf8(run.read("d/diff-changes.csv")).expect("UTF-8");
    assert!(changes.contains("新增,指标,TRAIN,培训"));
    let html = String::from_utf8(run.read("d/diff.html")).expect("UTF-8");
    assert!(html.contains("甲县"));
}

#[test]
fn diff_of_the_shipped_history_scores_last_years_evidence_under_both() {
    let run = Kaohe::new()
        .args(["diff", "-o", "d"])
        .repo_arg("indicators/history/sz-district-2010.yaml")
        .repo_arg("indicators/sz-district.yaml")
        .repo_arg("fixtures/shenzhen/history/evidence/2010.yaml")
        .run();
    run.success();
    // The 2010 evidence reports the survey as fields of their own; the current set reads it
    // as a layer of `births`: those values are left out and listed.
    assert!(
        run.stdout.contains("district.survey_births"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("新增 指标 PG_FUND_ARRIVAL"),
        "{}",
        run.stdout
    );
    let units = String::from_utf8(run.read("d/diff-units.csv")).expect("UTF-8");
    assert_eq!(units.lines().count(), 9, "8 districts and the header");
}

#[test]
fn diff_without_evidence_compares_rules_only() {
    let run = Kaohe::new()
        .args(["diff", "-o", "d"])
        .repo_arg("indicators/history/sz-district-2008.yaml")
        .repo_arg("indicators/history/sz-district-2009.yaml")
        .run();
    run.success();
    assert!(run.stdout.contains("1 处规则变化"), "{}", run.stdout);
    let html = String::from_utf8(run.read("d/diff.html")).expect("UTF-8");
    assert!(html.contains("未给出佐证数据"));
}

#[test]
fn lint_warns_and_strict_fails() {
    let warn = Kaohe::new()
        .args(["lint", "-s"])
        .repo_arg("fixtures/rubric/lint-problems.yaml")
        .repo_arg("fixtures/rubric/lint-evidence.yaml")
        .run();
    warn.success();
    assert!(warn.stdout.contains("warning[step-gap]"), "{}", warn.stdout);
    assert!(
        warn.stdout.contains("12 个问题(含佐证检查)"),
        "{}",
        warn.stdout
    );
    let strict = Kaohe::new()
        .args(["lint", "--strict", "-s"])
        .repo_arg("fixtures/rubric/lint-problems.yaml")
        .run();
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(strict.stdout.contains("10 个问题"), "{}", strict.stdout);
}

#[test]
fn lint_of_the_shipped_default_run_is_clean() {
    let run = Kaohe::new()
        .args(["lint", "--strict", "-s"])
        .repo_arg("indicators/sz-district.yaml")
        .repo_arg("fixtures/shenzhen/evidence.yaml")
        .args(["-l"])
        .repo_arg("indicators/sz-street.yaml")
        .repo_arg("fixtures/shenzhen/streets.yaml")
        .arg("--history")
        .repo_arg("fixtures/shenzhen/history")
        .run();
    run.success();
    assert!(run.stdout.contains("0 个问题"), "{}", run.stdout);
}

/// LibreOffice Writer opens the handbook's `.docx`: its text has the title, every line, a
/// scoring standard and the vetoes.
#[test]
fn libreoffice_writer_opens_the_handbook_docx() {
    use std::process::Command;
    let office = ["soffice", "libreoffice"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(office) =
        crate::support::tool(office, "LibreOffice (soffice)", "libreoffice-writer-nogui")
    else {
        return;
    };
    let run = Kaohe::new().args(["handbook", "-o", "hb"]).run();
    run.success();
    let dir = run.dir.join("hb");
    let out = Command::new(office)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
        ])
        .arg(&dir)
        .arg(dir.join("handbook.docx"))
        .output()
        .expect("run LibreOffice");
    let Ok(text) = std::fs::read_to_string(dir.join("handbook.txt")) else {
        // soffice without Writer cannot load a .docx at all.
        crate::support::missing(
            "LibreOffice Writer",
            "libreoffice-writer-nogui",
            &format!("skipping ({})", String::from_utf8_lossy(&out.stderr).trim()),
        );
        return;
    };
    assert!(text.contains("考核细则"), "{text}");
    for line in ["党政线", "部门线", "业务线"] {
        assert!(text.contains(line), "{line}");
    }
    assert!(
        text.contains("评分标准:符合政策生育率达到目标95%的,得满分40分"),
        "{text}"
    );
    assert!(text.contains("V_FRAUD_ERROR"));
    assert!(text.contains("等次评定"));
}

/// `handbook --lang en` and `check --lang en` write their own words in English; the set's names
/// stay as written. (`decide` and `template` have no `--lang` yet.)
#[test]
fn handbook_and_check_in_english() {
    let run = Kaohe::new()
        .args(["handbook", "--lang", "en", "-o", "hb"])
        .run();
    run.success();
    assert!(
        run.stdout.contains("Wrote the assessment rules"),
        "{}",
        run.stdout
    );
    let html = String::from_utf8(run.read("hb/handbook.html")).expect("UTF-8");
    for heading in [
        "<h2>General provisions</h2>",
        "<h2>One-vote vetoes</h2>",
        "<h2>Grades</h2>",
        "<h2>Missing evidence</h2>",
        "Scoring: ",
        "full marks (",
    ] {
        assert!(html.contains(heading), "{heading} in the English handbook");
    }
    // The set's own texts (考核内容) stay Chinese; the handbook's words do not.
    for zh in ["<h2>总则", "评分标准:", "<h2>佐证缺失的处理", "统计时段:"] {
        assert!(!html.contains(zh), "{zh} in the English handbook");
    }
    let check = Kaohe::new().args(["check", "--lang", "en"]).run();
    check.success();
    assert!(check.stdout.contains("(version "), "{}", check.stdout);
    assert!(!check.stdout.contains("版本"), "{}", check.stdout);
}
