//! The handbook's sentences: every rule shape and every veto form in words (snapshots), and the
//! handbook of every shipped set mentions every indicator and every veto.

use super::*;
use crate::load::load_set_file;
use std::io::Read;
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> IndicatorSet {
    match load_set_file(&repo(rel)) {
        Ok(s) => s,
        Err(d) => panic!("{rel} does not load: {d}"),
    }
}

/// Every element of an XML part is well formed and closed.
fn well_formed(name: &str, xml: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed XML: {e}"),
        }
    }
}

/// The text of `word/document.xml` of a `.docx`, unescaped; every part is well-formed XML.
fn docx_text(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    for part in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
        "word/footer1.xml",
        "word/document.xml",
    ] {
        let mut xml = String::new();
        z.by_name(part)
            .unwrap_or_else(|e| panic!("the package has {part}: {e}"))
            .read_to_string(&mut xml)
            .expect("UTF-8");
        well_formed(part, &xml);
    }
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    let text: String = xml
        .split('<')
        .filter_map(|s| s.split_once('>').map(|(_, t)| t))
        .collect();
    quick_xml::escape::unescape(&text)
        .expect("well-formed escapes")
        .into_owned()
}

#[test]
fn every_rule_shape_and_veto_form_renders_to_a_sentence() {
    let set = load("fixtures/rubric/every-shape.yaml");
    let shapes: BTreeSet<&str> = set
        .indicators
        .iter()
        .chain(set.bonus.iter().flat_map(|b| b.items.iter()))
        .map(|i| i.rule.shape())
        .collect();
    let all = [
        "band",
        "binary",
        "bonus_above",
        "checklist",
        "deduct_above",
        "deduct_below",
        "formula",
        "fraction",
        "interpolate",
        "level_progress",
        "per_case",
        "per_count",
        "proportional",
        "steps",
        "threshold",
    ];
    assert_eq!(
        shapes,
        all.into_iter().collect(),
        "the fixture has every shape"
    );
    let h = build(&set);
    let forms: BTreeSet<&str> = h.vetoes.iter().map(|v| v.form).collect();
    assert_eq!(
        forms,
        ["列举情形", "总分门槛", "指标门槛", "单一事件", "组合条件"]
            .into_iter()
            .collect(),
        "the fixture has every veto form"
    );
    let mut out = String::new();
    for p in &h.parts {
        for s in &p.sections {
            for i in &s.items {
                out.push_str(&format!(
                    "{} {} [{}] {}\n  评分标准:{}\n  佐证材料:{}\n  统计时段:{} · 责任单位:{} · {}\n",
                    i.no,
                    i.id,
                    set.indicators
                        .iter()
                        .chain(set.bonus.iter().flat_map(|b| b.items.iter()))
                        .find(|x| x.id == i.id)
                        .map_or("", |x| x.rule.shape()),
                    i.points,
                    i.standard,
                    i.evidence.join("、"),
                    i.window,
                    i.office,
                    i.on_missing
                ));
            }
        }
    }
    for v in &h.vetoes {
        out.push_str(&format!(
            "{} [{}] {}\n  → {}({})\n",
            v.id, v.form, v.condition, v.effect, v.mode
        ));
    }
    for g in &h.grades {
        out.push_str(&format!("{}: {}\n", g.label, g.range));
    }
    for m in &h.general.iter().chain(&h.missing).collect::<Vec<_>>() {
        out.push_str(&format!("{m}\n"));
    }
    insta::assert_snapshot!("every_shape", out);
}

/// Every shipped indicator set (not the decision policy).
fn shipped_sets() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["indicators", "indicators/history", "indicators/examples"] {
        let mut files: Vec<String> = std::fs::read_dir(repo(dir))
            .expect("the folder is readable")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".yaml") && f != "sz-policy.yaml" && f != "evidence.yaml")
            .map(|f| format!("{dir}/{f}"))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[test]
fn the_handbook_of_every_shipped_set_mentions_every_indicator_and_veto() {
    let sets = shipped_sets();
    assert!(sets.len() >= 8, "{sets:?}");
    for rel in sets {
        let set = load(&rel);
        let h = build(&set);
        let html = render_html(&h).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let text = docx_text(&docx::to_docx(&h).unwrap_or_else(|e| panic!("{rel}: {e}")));
        let items = set
            .indicators
            .iter()
            .chain(set.bonus.iter().flat_map(|b| b.items.iter()));
        for i in items {
            assert!(
                html.contains(&format!("id=\"{}\"", i.id)),
                "{rel}: {}",
                i.id
            );
            assert!(text.contains(&i.id), "{rel} docx: {}", i.id);
            assert!(text.contains(&i.name), "{rel} docx: {}", i.name);
            assert!(text.contains(&standard(&set, i)), "{rel} docx: {}", i.id);
        }
        for v in &set.vetoes {
            assert!(
                html.contains(&format!("id=\"{}\"", v.id)),
                "{rel}: {}",
                v.id
            );
            assert!(text.contains(&v.id), "{rel} docx: {}", v.id);
            assert!(text.contains(&v.name), "{rel} docx: {}", v.name);
            assert!(text.contains(&v.reason), "{rel} docx: {}", v.id);
        }
        for l in &set.lines {
            assert!(text.contains(&l.name), "{rel} docx: {}", l.name);
        }
        for g in &set.grades {
            assert!(text.contains(&g.label), "{rel} docx: {}", g.label);
        }
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{rel}: nothing fetched"
        );
    }
}

#[test]
fn numbers_in_headings() {
    assert_eq!(zh_number(1), "一");
    assert_eq!(zh_number(10), "十");
    assert_eq!(zh_number(12), "十二");
    assert_eq!(zh_number(20), "二十");
    assert_eq!(zh_number(34), "三十四");
}

/// The handbook in English: headings, points and every shape's scoring standard.
#[test]
fn every_rule_shape_in_english() {
    let set = load("fixtures/rubric/every-shape.yaml");
    let h = build_in(&set, crate::lang::Lang::En);
    let mut out = format!("{}\n{}\n", h.title, h.effective);
    for p in &h.parts {
        out.push_str(&format!("{}\n", p.heading));
        for s in &p.sections {
            if !s.heading.is_empty() {
                out.push_str(&format!("{}\n", s.heading));
            }
            for i in &s.items {
                out.push_str(&format!(
                    "{} {} {}\n  Scoring: {}\n  Window: {} · {}\n",
                    i.no, i.id, i.points, i.standard, i.window, i.on_missing
                ));
            }
        }
    }
    for g in &h.grades {
        out.push_str(&format!("{}: {}\n", g.label, g.range));
    }
    for m in h.general.iter().chain(&h.missing) {
        out.push_str(&format!("{m}\n"));
    }
    insta::assert_snapshot!("every_shape_en", out);
    let html = render_html(&h).expect("renders");
    assert!(html.contains("<h2>General provisions</h2>"), "{html}");
    assert!(html.contains("lang=\"en\""));
}
