//! `--lang en` on every command that writes for people (assess, check, explain, self-assess,
//! handbook, template, decide, diff, lint, robustness, verify, init), over a set whose every name
//! is ASCII English (`fixtures/english/`): no CJK character may appear in what kaohe writes
//! itself —
//! stdout, stderr and every human-facing file (HTML, CSV, the workbooks' sheet names, cells and
//! comments, the Word documents' text).
//!
//! Not text, and so not checked: font names (the `.docx` files' `fontTable.xml`, `styles.xml` and
//! the `w:rFonts` of a run name 仿宋_GB2312, 方正小标宋简体 … as GB/T 9704 asks; the HTML's CSS
//! `font-family` lists name 微软雅黑 and 宋体 so that Chinese names in the data render; the
//! workbooks' `theme1.xml` is Excel's default theme with its East Asian fonts); the machine
//! formats (`scorecard.json`, `summary.json`, `robustness.json`, `manifest.json`: their texts are
//! Chinese, the data's language — see ARCHITECTURE.md); the registry `decide` writes (the input
//! registry followed by events whose `kind` is a keyword of the file format, 命名, 申报 …); the
//! files `init` copies (the shipped example's sets and evidence are Chinese data; its README is
//! checked). `test`, `weights` and `generate` write no Chinese of their own in any language.
//!
//! What still writes Chinese under `--lang en` is listed in [`STILL_CHINESE`]: the test fails
//! both on Chinese anywhere else and on an entry that no longer has any (remove it then).

use crate::support::Kaohe;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SET: &str = "fixtures/english/set.yaml";
const EVIDENCE: &str = "fixtures/english/evidence.yaml";

/// Outputs that still hold Chinese of kaohe's own under `--lang en` (command: file or stream):
/// a known gap of issue 14 point 6 is listed here until it is closed.
const STILL_CHINESE: &[&str] = &[];

/// A CJK character: the CJK symbols, kana, CJK ideographs (U+3000–U+9FFF) and the full-width
/// forms (U+FF00–U+FFEF).
fn cjk(c: char) -> bool {
    ('\u{3000}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// The Chinese of a text with a little context, or `None`.
fn chinese(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let hits: Vec<usize> = (0..chars.len()).filter(|&i| cjk(chars[i])).collect();
    let first = *hits.first()?;
    let from = first.saturating_sub(60);
    let to = (first + 60).min(chars.len());
    Some(format!(
        "{} CJK characters, first: …{}…",
        hits.len(),
        chars[from..to].iter().collect::<String>()
    ))
}

/// CSS `font-family` declarations left out (font names, not text).
fn without_font_families(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("font-family:") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find([';', '}']).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `<w:rFonts …/>` elements left out of WordprocessingML (font names, not text).
fn without_run_fonts(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<w:rFonts") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find("/>").map_or(tail.len(), |e| e + 2);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The parts of a zip (xlsx, docx) that hold text for people: every XML part but the font
/// tables, the styles (font names) and the workbook theme (Excel's default fonts).
fn zip_texts(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).expect("open zip");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("zip part");
        let name = part.name().expect("part name").to_string();
        let skip = name.ends_with("fontTable.xml")
            || name.ends_with("styles.xml")
            || name.contains("theme/")
            || !(name.ends_with(".xml") || name.ends_with(".rels"));
        if skip {
            continue;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).expect("UTF-8 XML");
        out.push((name, without_run_fonts(&text)));
    }
    out
}

/// Every file kaohe wrote under `dir` that people read, with the Chinese found in it.
fn scan_files(dir: &Path, label: &str, found: &mut BTreeMap<String, String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).expect("inside").display().to_string();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let machine = matches!(
                name,
                "scorecard.json"
                    | "summary.json"
                    | "robustness.json"
                    | "manifest.json"
                    | "registry.yaml"
            ) || name.ends_with(".yaml");
            if machine {
                continue;
            }
            let texts: Vec<(String, String)> = match p.extension().and_then(|e| e.to_str()) {
                Some("xlsx" | "docx") => zip_texts(&p),
                Some("html") => vec![(
                    String::new(),
                    without_font_families(&std::fs::read_to_string(&p).expect("UTF-8 HTML")),
                )],
                _ => vec![(
                    String::new(),
                    String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned(),
                )],
            };
            for (part, text) in texts {
                if let Some(c) = chinese(&text) {
                    let key = if part.is_empty() {
                        format!("{label}: {rel}")
                    } else {
                        format!("{label}: {rel}:{part}")
                    };
                    found.insert(key, c);
                }
            }
        }
    }
}

/// Run `kaohe <args>` in a fresh folder (with `files` from the repository copied in first),
/// require success, and record the Chinese of its stdout, stderr and files.
fn run(label: &str, args: &[&str], files: &[(&str, &[u8])], found: &mut BTreeMap<String, String>) {
    let mut k = Kaohe::new();
    for (name, bytes) in files {
        k = k.with_file(name, bytes);
    }
    let r = k.args(args).run();
    r.success();
    for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        if let Some(c) = chinese(text) {
            found.insert(format!("{label}: {stream}"), c);
        }
    }
    // Only what the run wrote: the inputs copied in are the fixture's.
    for (name, _) in files {
        let _ = std::fs::remove_file(r.dir.join(name));
    }
    scan_files(&r.dir, label, found);
}

fn repo(rel: &str) -> String {
    crate::support::repo().join(rel).display().to_string()
}

#[test]
fn every_command_in_english_writes_no_chinese_of_its_own() {
    let (set, ev) = (repo(SET), repo(EVIDENCE));
    let mut found = BTreeMap::new();
    // assess, with its HTML reports, the workbook and the 通报 (docx); the scorecard for decide.
    let scorecard = {
        let r = Kaohe::new()
            .args(["assess", "-s", &set, &ev, "-o", "out", "--lang", "en"])
            .run();
        r.success();
        r.read("out/scorecard.json")
    };
    run(
        "assess",
        &["assess", "-s", &set, &ev, "-o", "out", "--lang", "en"],
        &[],
        &mut found,
    );
    run(
        "check",
        &["check", "-s", &set, &ev, "--lang", "en"],
        &[],
        &mut found,
    );
    for unit in ["bravo", "delta", "echo"] {
        run(
            &format!("explain {unit}"),
            &["explain", "-s", &set, "--lang", "en", unit, &ev],
            &[],
            &mut found,
        );
        run(
            &format!("self-assess {unit}"),
            &[
                "self-assess",
                "-s",
                &set,
                "--lang",
                "en",
                "-o",
                "sa",
                unit,
                &ev,
            ],
            &[],
            &mut found,
        );
    }
    run(
        "handbook",
        &["handbook", "-s", &set, "--lang", "en", "-o", "hb"],
        &[],
        &mut found,
    );
    run(
        "template",
        &[
            "template", "-s", &set, "-u", &ev, "--lang", "en", "-o", "t.xlsx",
        ],
        &[],
        &mut found,
    );
    run(
        "decide",
        &[
            "decide",
            "--policy",
            &repo("fixtures/english/policy.yaml"),
            "--registry",
            &repo("fixtures/english/registry.yaml"),
            "--scorecard",
            "scorecard.json",
            "-o",
            "dec",
            "--lang",
            "en",
        ],
        &[("scorecard.json", &scorecard)],
        &mut found,
    );
    run(
        "diff",
        &[
            "diff",
            &set,
            &repo("fixtures/english/set-next.yaml"),
            &ev,
            "-o",
            "df",
            "--lang",
            "en",
        ],
        &[],
        &mut found,
    );
    run(
        "lint",
        &["lint", "-s", &set, &ev, "--lang", "en"],
        &[],
        &mut found,
    );
    run(
        "robustness",
        &[
            "robustness",
            "-s",
            &set,
            &ev,
            "-n",
            "40",
            "--plan-replications",
            "10",
            "--policy",
            &repo("fixtures/english/policy.yaml"),
            "--registry",
            &repo("fixtures/english/registry.yaml"),
            "-o",
            "rb",
            "--lang",
            "en",
        ],
        &[],
        &mut found,
    );
    // verify, on the folder an English assess wrote.
    {
        let r = Kaohe::new()
            .args(["assess", "-s", &set, &ev, "-o", "out", "--lang", "en", "-q"])
            .run();
        r.success();
        let v = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .args(["verify", "out", "--lang", "en"])
            .current_dir(&r.dir)
            .output()
            .expect("run kaohe verify");
        assert!(v.status.success(), "{v:?}");
        for (stream, text) in [("stdout", &v.stdout), ("stderr", &v.stderr)] {
            if let Some(c) = chinese(&String::from_utf8_lossy(text)) {
                found.insert(format!("verify: {stream}"), c);
            }
        }
    }
    // init: the message and the README (the shipped example it copies is Chinese data).
    {
        let r = Kaohe::new().args(["init", "p", "--lang", "en"]).run();
        r.success();
        for (what, text) in [
            ("stdout", r.stdout.clone()),
            ("stderr", r.stderr.clone()),
            (
                "p/README.md",
                String::from_utf8(r.read("p/README.md")).expect("UTF-8"),
            ),
        ] {
            if let Some(c) = chinese(&text) {
                found.insert(format!("init: {what}"), c);
            }
        }
    }
    let known: BTreeSet<&str> = STILL_CHINESE.iter().copied().collect();
    let unexpected: Vec<String> = found
        .iter()
        .filter(|(k, _)| !known.contains(k.as_str()))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let fixed: Vec<&&str> = known.iter().filter(|k| !found.contains_key(**k)).collect();
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "Chinese under --lang en:\n{}\n\nlisted in STILL_CHINESE but now free of Chinese (remove them): {fixed:?}\n\nall outputs with Chinese now: {:#?}",
        unexpected.join("\n"),
        found.keys().collect::<Vec<_>>()
    );
}

/// The English explanation of a unit of the English fixture: its veto conditions, effects and
/// case deductions in English (a snapshot).
#[test]
fn english_explanation_of_delta() {
    let r = Kaohe::new()
        .args([
            "explain",
            "-s",
            &repo(SET),
            "--lang",
            "en",
            "delta",
            &repo(EVIDENCE),
        ])
        .run();
    r.success();
    insta::assert_snapshot!(r.stdout);
}

/// The English decision summary of the English fixture (a snapshot).
#[test]
fn english_decisions_summary() {
    let (set, ev) = (repo(SET), repo(EVIDENCE));
    let a = Kaohe::new()
        .args(["assess", "-s", &set, &ev, "-o", "out", "--lang", "en", "-q"])
        .run();
    a.success();
    let scorecard = a.read("out/scorecard.json");
    let r = Kaohe::new()
        .with_file("scorecard.json", &scorecard)
        .args([
            "decide",
            "--policy",
            &repo("fixtures/english/policy.yaml"),
            "--registry",
            &repo("fixtures/english/registry.yaml"),
            "--scorecard",
            "scorecard.json",
            "-o",
            "dec",
            "--lang",
            "en",
        ])
        .run();
    r.success();
    let html = String::from_utf8(r.read("dec/decisions.html")).expect("UTF-8");
    // The brief's reasons of the award, in English.
    assert!(html.contains("graded Good or better this year"), "{html}");
    insta::assert_snapshot!(r.stdout);
}
