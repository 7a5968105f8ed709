//! The 考核结果通报 as Word documents: `assess` writes `notice.docx`, `decide` writes
//! `decisions.docx` (the brief). Both follow GB/T 9704-2012 (A4, the standard's margins and
//! type area, 小标宋 / 仿宋 with their fallbacks named, 三号 body, page numbers on the outer
//! side), and LibreOffice renders them to A4 PDF pages with the headings.

use crate::support::Kaohe;
use std::io::Read as _;
use std::path::Path;
use std::process::Command;

fn part(docx: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip package");
    let mut xml = String::new();
    z.by_name(name)
        .unwrap_or_else(|e| panic!("the package has {name}: {e}"))
        .read_to_string(&mut xml)
        .expect("UTF-8");
    let mut r = quick_xml::Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed XML: {e}"),
        }
    }
    xml
}

/// The text of `word/document.xml`, paragraphs on their own lines.
fn text(docx: &[u8]) -> String {
    let xml = part(docx, "word/document.xml").replace("</w:p>", "\n");
    let t: String = xml
        .split('<')
        .filter_map(|s| s.split_once('>').map(|(_, t)| t))
        .collect();
    quick_xml::escape::unescape(&t)
        .expect("escaped text")
        .into_owned()
}

/// The page and fonts of GB/T 9704-2012 (in twentieths of a point: 37 mm = 2098, 35 mm = 1984,
/// 28 mm = 1588, 26 mm = 1474; A4 = 11906 × 16838).
fn assert_gb9704(docx: &[u8], what: &str) {
    let doc = part(docx, "word/document.xml");
    assert!(
        doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#),
        "{what}: A4"
    );
    for m in [
        r#"w:top="2098""#,
        r#"w:right="1474""#,
        r#"w:bottom="1984""#,
        r#"w:left="1588""#,
    ] {
        assert!(doc.contains(m), "{what}: margin {m}");
    }
    let styles = part(docx, "word/styles.xml");
    assert!(styles.contains("方正小标宋简体"), "{what}: title font");
    assert!(
        styles.contains(r#"w:eastAsia="仿宋_GB2312""#),
        "{what}: body font"
    );
    assert!(
        styles.contains(r#"<w:sz w:val="32"/>"#),
        "{what}: 三号 body"
    );
    let fonts = part(docx, "word/fontTable.xml");
    for (font, alt) in [
        ("方正小标宋简体", "宋体"),
        ("仿宋_GB2312", "仿宋"),
        ("楷体_GB2312", "楷体"),
    ] {
        assert!(
            fonts.contains(&format!(
                r#"<w:font w:name="{font}"><w:altName w:val="{alt}"/>"#
            )),
            "{what}: {font} falls back to {alt}"
        );
    }
    assert!(part(docx, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
    let odd = part(docx, "word/footer1.xml");
    let even = part(docx, "word/footer2.xml");
    assert!(odd.contains(r#"<w:jc w:val="right"/>"#) && odd.contains(" PAGE "));
    assert!(even.contains(r#"<w:jc w:val="left"/>"#) && even.contains(" PAGE "));
}

#[test]
fn assess_writes_the_results_notice_as_gb9704_docx() {
    let run = Kaohe::new().args(["assess", "-q", "-o", "out"]).run();
    run.success();
    let docx = run.read("out/notice.docx");
    assert_gb9704(&docx, "notice.docx");
    let t = text(&docx);
    assert!(t.contains("考核(区级)结果的通报"), "{t}");
    for h in [
        "一、总体情况",
        "二、考核结果",
        "三、一票否决情况",
        "四、各方阵排名",
    ] {
        assert!(t.contains(h), "{h}\n{t}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&run.read("out/scorecard.json")).expect("json");
    for u in json["units"].as_array().expect("units") {
        assert!(t.contains(u["name"].as_str().expect("name")), "{}", u["id"]);
    }
    // The streets of the same run get their own notice.
    let streets = text(&run.read("out/sz-street/notice.docx"));
    assert!(streets.contains("园岭街道"), "{streets}");
}

#[test]
fn decide_writes_the_brief_as_gb9704_docx_with_the_same_content() {
    let run = Kaohe::new().args(["decide", "-q", "-o", "d"]).run();
    run.success();
    let docx = run.read("d/decisions.docx");
    assert_gb9704(&docx, "decisions.docx");
    let t = text(&docx);
    let html = String::from_utf8(run.read("d/decisions.html")).expect("utf-8");
    // Every heading of the HTML brief, in the same order.
    let headings: Vec<String> = html
        .split("<h2>")
        .skip(1)
        .map(|s| s[..s.find("</h2>").expect("</h2>")].to_string())
        .collect();
    assert!(headings.len() >= 7, "{headings:?}");
    let mut at = 0;
    for h in &headings {
        let h = quick_xml::escape::unescape(h).expect("text").into_owned();
        let found = t[at..]
            .find(&h)
            .unwrap_or_else(|| panic!("the docx lacks {h:?} (in order)\n{t}"));
        at += found;
    }
    // The policy's own sources, never a developer document.
    assert!(!t.contains("rubrics.md") && !html.contains("rubrics.md"));
    assert!(!t.contains(".md"), "{t}");
}

fn soffice() -> Option<&'static str> {
    ["soffice", "libreoffice"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn poppler() -> Option<()> {
    Command::new("pdfinfo")
        .arg("-v")
        .output()
        .ok()
        .filter(|o| o.status.success() || !o.stderr.is_empty())
        .map(|_| ())
}

/// `file.docx` → `file.pdf` in `dir` through LibreOffice; `None` when Writer is missing.
fn to_pdf(office: &str, dir: &Path, file: &Path) -> Option<std::path::PathBuf> {
    let out = Command::new(office)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .expect("run LibreOffice");
    let pdf = dir.join(format!(
        "{}.pdf",
        file.file_stem().and_then(|s| s.to_str()).expect("stem")
    ));
    if pdf.is_file() {
        return Some(pdf);
    }
    crate::support::missing(
        "LibreOffice Writer",
        "libreoffice-writer-nogui",
        &format!("skipping ({})", String::from_utf8_lossy(&out.stderr).trim()),
    );
    None
}

#[test]
fn libreoffice_renders_the_notice_and_the_brief_on_a4() {
    let Some(office) = crate::support::tool(
        soffice(),
        "LibreOffice (soffice)",
        "libreoffice-writer-nogui",
    ) else {
        return;
    };
    let Some(()) = crate::support::tool(poppler(), "pdfinfo/pdftotext", "poppler-utils") else {
        return;
    };
    let run = Kaohe::new().args(["assess", "-q", "-o", "out"]).run();
    run.success();
    let decide = Kaohe::new().args(["decide", "-q", "-o", "d"]).run();
    decide.success();
    for (file, headings) in [
        (
            run.dir.join("out/notice.docx"),
            &[
                "结果的通报",
                "一、总体情况",
                "二、考核结果",
                "三、一票否决情况",
            ][..],
        ),
        (
            decide.dir.join("d/decisions.docx"),
            &["一、概要", "二、考核结果", "四、示范称号", "附:决定依据"][..],
        ),
    ] {
        let dir = file.parent().expect("dir");
        let Some(pdf) = to_pdf(office, dir, &file) else {
            return;
        };
        let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
        let info = String::from_utf8_lossy(&info.stdout);
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or_else(|| panic!("{info}"));
        assert!(
            size.contains("595.") && size.contains("841.") || size.contains("842 pts"),
            "{}: {size}",
            file.display()
        );
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        assert!(pages >= 1, "{info}");
        let txt = Command::new("pdftotext")
            .args(["-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let txt = String::from_utf8_lossy(&txt.stdout).replace(' ', "");
        for h in headings {
            assert!(txt.contains(h), "{}: {h}\n{txt}", file.display());
        }
        // The page number `— 1 —` is printed.
        assert!(
            txt.contains("—1—"),
            "{}: page number\n{txt}",
            file.display()
        );
    }
}
