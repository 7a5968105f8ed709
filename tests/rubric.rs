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
