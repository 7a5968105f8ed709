use super::*;
use crate::cli::{InputArgs, load_inputs};
use crate::result::{CaseResult, Correction, InputValue, LayerValue, Shown};
use rust_decimal::Decimal;

fn default_assessment() -> Assessment {
    let (set, ev) = load_inputs(&InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("the shipped default loads");
    crate::engine::assess(&set, &ev).expect("the shipped default scores")
}

fn zh() -> Options<'static> {
    Options::default()
}

/// Replace the volatile parts (set hash, engine version) and the stylesheet (not structure).
fn redact(html: &str, a: &Assessment) -> String {
    let mut s = html
        .replace(&a.indicator_set.hash, "[hash]")
        .replace(&a.indicator_set.hash[..12], "[hash12]")
        .replace(&a.engine, "[engine]");
    if let (Some(i), Some(j)) = (s.find("<style>"), s.find("</style>")) {
        s.replace_range(i + "<style>".len()..j, "[css]");
    }
    s
}

/// HTML-escape like tera does, to look for texts that contain quotes.
fn esc(s: &str) -> String {
    let mut out = Vec::new();
    tera::escape_html(s, &mut out).expect("in memory");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn snapshot_index() {
    let a = default_assessment();
    let html = render_index(&a, &zh()).expect("renders");
    insta::assert_snapshot!("index", redact(&html, &a));
}

#[test]
fn snapshot_unit_with_veto() {
    let a = default_assessment();
    let id = a
        .units
        .iter()
        .find(|u| u.vetoed)
        .map(|u| u.id.clone())
        .expect("the default has a vetoed unit");
    let html = render_unit(&a, &id, &zh()).expect("renders");
    insta::assert_snapshot!("unit_vetoed", redact(&html, &a));
}

#[test]
fn pages_are_self_contained() {
    let a = default_assessment();
    for p in render_all(&a, &zh()).expect("renders") {
        let h = &p.html;
        let name = p.path.display();
        for bad in [
            "http://",
            "https://",
            "<link",
            "@import",
            "url(",
            "src=",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "@font-face",
        ] {
            assert!(!h.contains(bad), "{name} contains {bad:?}");
        }
        assert!(h.contains("Content-Security-Policy"), "{name} has no CSP");
        assert!(
            h.contains("@page { size: A4;"),
            "{name} has no A4 print rule"
        );
        assert!(h.contains("thead { display: table-header-group; }"));
        assert!(
            h.contains("tr, figure"),
            "{name}: rows must not break across pages"
        );
        assert!(h.contains("\"Noto Sans CJK SC\"") && h.contains("\"Microsoft YaHei\""));
        let hrefs: Vec<&str> = h.split("href=\"").skip(1).collect();
        for rest in hrefs {
            let target = &rest[..rest.find('"').unwrap_or(rest.len())];
            assert!(
                !target.contains(':') && !target.starts_with("//"),
                "{name}: href {target:?} leaves the report folder"
            );
        }
        let scripts = h.matches("<script").count();
        if p.path == Path::new("index.html") {
            assert_eq!(scripts, 1, "only the sorting script");
        } else {
            assert_eq!(scripts, 0, "unit reports carry no script");
        }
    }
}

#[test]
fn every_unit_gets_a_page_in_rank_order() {
    let a = default_assessment();
    let pages = render_all(&a, &zh()).expect("renders");
    assert_eq!(pages.len(), a.units.len() + 1);
    assert_eq!(pages[0].path, Path::new("index.html"));
    for (p, u) in pages[1..].iter().zip(&a.units) {
        assert_eq!(p.path, Path::new("units").join(unit_file_name(&u.id)));
        assert!(p.html.contains(&u.name));
        assert!(
            pages[0]
                .html
                .contains(&format!("href=\"units/{}\"", unit_file_name(&u.id)))
        );
    }
}

#[test]
fn unit_report_shows_header_veto_and_losses() {
    let a = default_assessment();
    let u = a.units.iter().find(|u| u.vetoed).expect("a vetoed unit");
    let html = render_unit(&a, &u.id, &zh()).expect("renders");
    let v = u
        .vetoes
        .iter()
        .find(|v| v.applied)
        .expect("an applied veto");
    assert!(html.contains("class=\"banner\" role=\"alert\""));
    assert!(html.contains(&esc(&v.name)));
    assert!(html.contains(&esc(&v.reason)));
    for e in &v.evidence.to_vec() {
        assert!(html.contains(&esc(&e.value.to_string())));
    }
    assert!(html.contains(&crate::num::show_known(u.total)));
    assert!(html.contains(u.grade_or_status()));
    assert!(html.contains("失分分析"));
    // Largest loss first.
    // The largest loss; among equal losses the first in the set's order.
    let top = u
        .indicators
        .iter()
        .map(|i| i.lost())
        .max()
        .expect("indicators");
    let biggest = u
        .indicators
        .iter()
        .find(|i| i.lost() == top)
        .expect("indicators");
    let losses = &html[html.find("id=\"losses\"").expect("losses section")..];
    let rows = &losses[losses.find("<tbody>").expect("rows")..];
    let first_row = &rows[..rows.find("</tr>").expect("a row")];
    assert!(first_row.contains(biggest.id()), "{first_row}");
    if let Some(office) = &biggest.office() {
        assert!(first_row.contains(&esc(office)), "{first_row}");
    }
}

#[test]
fn advisory_vetoes_are_warnings_and_zeroed_lines_are_losses() {
    let a = default_assessment();
    let adv = a
        .units
        .iter()
        .find(|u| u.vetoes.iter().any(|v| !v.applied))
        .expect("the default has an advisory veto");
    let html = render_unit(&a, &adv.id, &zh()).expect("renders");
    assert!(html.contains("class=\"banner warn\""));
    assert!(!html.contains("class=\"banner\" role=\"alert\""));

    let zeroed = a
        .units
        .iter()
        .find(|u| u.lines.iter().any(|l| l.zeroed_by.is_some()))
        .expect("the default has a zeroed line");
    let html = render_unit(&a, &zeroed.id, &zh()).expect("renders");
    assert!(html.contains("被一票否决清零"));
}

#[test]
fn english_labels() {
    let a = default_assessment();
    let en = Options {
        lang: Lang::En,
        previous: None,
        names: &[],
    };
    let index = render_index(&a, &en).expect("renders");
    assert!(index.contains("<html lang=\"en\">"));
    assert!(index.contains("Assessment league table"));
    assert!(!index.contains("考核结果总表"));
    let u = &a.units[0];
    let html = render_unit(&a, &u.id, &en).expect("renders");
    assert!(html.contains("Assessment report"));
    assert!(html.contains("Where the points were lost"));
    assert!(!html.contains("失分分析"));
    // Names from the set stay as written.
    assert!(html.contains(&u.name));
    assert!(html.contains(&esc(u.indicators[0].name())));
}

/// A previous assessment: every unit 10 points lower, ranks reversed, one unit absent.
fn previous_of(a: &Assessment) -> Assessment {
    let mut p = a.clone();
    p.period.label = "2010统计年度".into();
    let n = u32::try_from(p.units.len()).expect("few units");
    for u in &mut p.units {
        u.total = u.total.map(|t| t - Decimal::TEN);
        u.score = u.score.map(|t| t - Decimal::TEN);
        u.rank = u.rank.map(|r| n + 1 - r);
        if let Some(i) = u.indicators.first_mut() {
            i.points -= Decimal::new(75, 1);
        }
    }
    p.units.remove(0);
    p
}

#[test]
fn year_over_year_changes() {
    let a = default_assessment();
    let prev = previous_of(&a);
    let opts = Options {
        lang: Lang::Zh,
        previous: Some(&prev),
        names: &[],
    };
    let index = render_index(&a, &opts).expect("renders");
    assert!(index.contains("较上期"));
    assert!(index.contains("新增"), "the unit missing last year is new");
    assert!(index.contains("+10"), "scores rose by 10");
    // Last place last year, first now: ▲n−1.
    let last = a.units.last().expect("units");
    let first_now = &a.units[1];
    let moved = i64::from(
        prev.units
            .iter()
            .find(|u| u.id == first_now.id)
            .expect("x")
            .rank
            .expect("ranked"),
    ) - i64::from(first_now.rank.expect("ranked"));
    assert!(moved > 0);
    assert!(index.contains(&format!("▲{moved}")));
    let was = prev.units.iter().find(|u| u.id == last.id).expect("x").rank;
    if let (Some(was), Some(now)) = (was, last.rank)
        && was < now
    {
        assert!(index.contains(&format!("▼{}", now - was)));
    }

    let u = &a.units[1];
    let html = render_unit(&a, &u.id, &opts).expect("renders");
    assert!(html.contains("与上期比较"));
    assert!(html.contains("2010统计年度"));
    assert!(html.contains(&crate::num::show_known(u.total.map(|t| t - Decimal::TEN))));
    assert!(html.contains("+7.5"), "the first indicator changed by 7.5");
    assert!(html.contains("得分变化最大的指标"));

    let missing = render_unit(&a, &a.units[0].id, &opts).expect("renders");
    assert!(missing.contains("上期无此单位的考核结果"));

    let none = render_unit(&a, &u.id, &zh()).expect("renders");
    assert!(!none.contains("与上期比较"));
}

/// An item whose maximum changed between the years (60 last year, 40 now) is compared as a
/// share of its maximum: full marks in both years is no change, not a loss of 20 points.
#[test]
fn a_changed_maximum_is_compared_like_with_like() {
    let a = default_assessment();
    let u = &a.units[1];
    let full = u
        .indicators
        .iter()
        .position(|i| {
            i.status == crate::result::Status::Scored && i.points == i.max && i.max > Decimal::ZERO
        })
        .expect("an item with full marks");
    let half = u
        .indicators
        .iter()
        .position(|i| {
            i.status == crate::result::Status::Scored
                && i.points < i.max
                && i.points > Decimal::ZERO
        })
        .expect("an item with points lost");
    let mut prev = a.clone();
    prev.period.label = "2010统计年度".into();
    for p in &mut prev.units {
        if p.id != u.id {
            continue;
        }
        // Last year: the same share of a maximum 1.5 times as large, and full marks.
        let f = &mut p.indicators[full];
        f.max *= Decimal::new(15, 1);
        f.points = f.max;
        let h = &mut p.indicators[half];
        h.max *= Decimal::TWO;
        h.points = h.max;
    }
    let opts = Options {
        lang: Lang::Zh,
        previous: Some(&prev),
        names: &[],
    };
    let html = render_unit(&a, &u.id, &opts).expect("renders");
    let yoy = &html[html.find("id=\"yoy\"").expect("yoy")..];
    let yoy = &yoy[..yoy.find("</section>").expect("end")];
    let (f, h) = (&u.indicators[full], &u.indicators[half]);
    let show = crate::num::show;
    assert!(
        yoy.contains(&format!(
            "满分由{}调整为{},得分率持平",
            show(f.max * Decimal::new(15, 1)),
            show(f.max)
        )),
        "{yoy}"
    );
    assert!(
        yoy.contains(&format!("{}/{}", show(f.max), show(f.max))),
        "{yoy}"
    );
    assert!(
        !yoy.contains(&format!("-{}", show(f.max * Decimal::new(5, 1)))),
        "no loss of points reported for full marks in both years: {yoy}"
    );
    // Full marks last year, part of them now: the share fell.
    let pp = crate::num::show_dp(
        Decimal::ONE_HUNDRED - h.points * Decimal::ONE_HUNDRED / h.max,
        1,
    );
    assert!(
        yoy.contains(&format!(
            "满分由{}调整为{},得分率−{pp}个百分点",
            show(h.max * Decimal::TWO),
            show(h.max)
        )),
        "{yoy}"
    );
}

const SCRIPT: &str = "<script>alert(1)</script>";
const ATTR: &str = "\"><img src=x onerror=alert(1)>";

fn hostile() -> Assessment {
    let mut a = default_assessment();
    let both = format!("{SCRIPT}{ATTR}");
    a.indicator_set.name = format!("Set {both}");
    a.period.label = format!("P {both}");
    a.lines[0].name = format!("L {both}");
    a.sections[0].name = format!("S {SCRIPT}");
    a.peer_groups[0].name = format!("G {both}");
    a.grades[0].label = format!("A {ATTR}");
    let section = a.sections[0].name.clone();
    let grade = a.grades[0].label.clone();
    for u in &mut a.units {
        u.lines[0].name = a.lines[0].name.clone();
        for i in &mut u.indicators {
            if i.section().is_some() {
                std::sync::Arc::make_mut(&mut i.info).section = Some(section.as_str().into());
                break;
            }
        }
        if u.grade.as_deref() == Some("优秀") {
            u.grade = Some(grade.clone());
        }
    }
    let u = &mut a.units[0];
    u.id = format!("x{ATTR}");
    u.name = both.clone();
    u.parent = Some(both.clone());
    let i = &mut u.indicators[0];
    let info = std::sync::Arc::make_mut(&mut i.info);
    info.name = format!("N {both}").into();
    info.rule_text = format!("T {both}").into();
    info.office = Some(format!("O {both}").into());
    i.reason = format!("R {both}").into();
    i.points = i.max - Decimal::new(99, 0);
    i.inputs.shown_mut().push(InputValue {
        id: "x".into(),
        name: format!("I {both}").into(),
        value: Shown::Text(format!("V {both}")),
        layer: Some(format!("L {both}").into()),
    });
    u.corrections.push(Correction {
        field: "x".into(),
        name: format!("K {both}").into(),
        layers: vec![LayerValue {
            layer: format!("L {both}").into(),
            name: format!("M {both}").into(),
            value: Shown::Text(format!("Y {both}")),
        }],
        used: Some(format!("L {both}").into()),
        difference: Some(Shown::Text(format!("D {both}"))),
    });
    u.cases.push(CaseResult {
        case_type: format!("c{ATTR}"),
        type_name: format!("C {both}"),
        severity: Some(1),
        date: None,
        found_by: Some(both.clone()),
        self_reported: false,
        reference: Some(both.clone()),
        deduction: Decimal::ONE,
        indicator: Some(both.clone()),
        explanation: format!("E {both}"),
        why: None,
        in_period: true,
        reported: None,
        verified: true,
        amount: None,
    });
    let mut v = a
        .units
        .iter()
        .find_map(|u| u.vetoes.iter().find(|v| v.applied))
        .expect("a veto fired in the default")
        .clone();
    v.name = format!("V {both}");
    v.reason = format!("W {both}");
    v.trigger = format!("cases.x >= 1 {both}");
    v.effect = format!("F {both}");
    v.evidence.shown_mut()[0].value = Shown::Text(format!("Z {both}"));
    a.units[0].vetoes.push(v.clone());
    v.applied = false;
    v.mode = crate::model::VetoMode::Advisory;
    a.units[0].vetoes.push(v);
    a
}

fn assert_only_escaped(html: &str, what: &str) {
    assert!(!html.contains(SCRIPT), "{what}: raw <script> payload");
    assert!(!html.contains("<img"), "{what}: raw <img> payload");
    assert!(
        !html.contains("onerror=alert(1)>"),
        "{what}: raw attribute payload"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{what}: escaped <script> text missing"
    );
    assert!(
        html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{what}: escaped <img> text missing"
    );
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let a = hostile();
    let pages = render_all(&a, &zh()).expect("renders");
    for p in &pages {
        assert_only_escaped(&p.html, &p.path.display().to_string());
        let scripts = p.html.matches("<script").count();
        assert_eq!(scripts, usize::from(p.path == Path::new("index.html")));
    }
    let index = &pages[0].html;
    // Inside the SVG too: the grade label is drawn in the histogram's bands.
    let svg = &index[index.find("<svg").expect("chart")..index.find("</svg>").expect("chart")];
    assert!(svg.contains("A &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    let unit = &pages[1].html;
    let svg = &unit[unit.find("<svg").expect("chart")..];
    assert!(
        svg.contains("&lt;script&gt;"),
        "section/line names escaped in SVG"
    );
    // The hostile id becomes a safe file name.
    assert_eq!(
        pages[1].path,
        Path::new("units").join("x~22~3e~3cimg~20src~3dx~20onerror~3dalert~281~29~3e.html")
    );
    // The banner shows both the enforced and the advisory copy, escaped.
    assert!(unit.contains("class=\"banner\" role=\"alert\""));
    assert!(unit.contains("class=\"banner warn\""));
    assert!(unit.contains("W &lt;script&gt;"));
}

#[test]
fn file_names_are_safe_and_distinct() {
    assert_eq!(unit_file_name("futian"), "futian.html");
    assert_eq!(unit_file_name("sz-01"), "sz-01.html");
    assert_eq!(unit_file_name("ft_yuanling"), "ft_yuanling.html");
    assert_eq!(unit_file_name("Futian"), "~46utian.html");
    assert_eq!(unit_file_name("a_b"), "a_b.html");
    assert_eq!(unit_file_name("../etc"), "~2e.~2fetc.html");
    assert_eq!(unit_file_name("福田"), "福田.html");
    assert_eq!(unit_file_name("a b"), "a~20b.html");
    assert_eq!(unit_file_name("a\u{202e}b"), "a~e2~80~aeb.html");
    assert_eq!(unit_file_name(""), "~.html");
    assert_eq!(unit_file_name("con"), "con~.html");
    let ids = [
        "a_5f", "a__5f", "a_", "A", "a", "~41", "~", "a.b", "a/b", "con", "con~", "a~2fb",
    ];
    let names: std::collections::HashSet<String> = ids.iter().map(|i| unit_file_name(i)).collect();
    assert_eq!(names.len(), ids.len());
    for n in &names {
        let stem = n.trim_end_matches(".html");
        assert!(
            !stem.starts_with('.')
                && stem
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_.~".contains(c))
                && !stem.chars().any(|c| c.is_uppercase()),
            "{stem}"
        );
    }
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let a = default_assessment();
    let many = render_all(&a, &zh()).expect("renders");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| render_all(&a, &zh()))
        .expect("renders");
    assert_eq!(many, one);
}

#[test]
fn writes_index_and_unit_files() {
    let a = default_assessment();
    let dir = std::env::temp_dir().join(format!("kaohe-report-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let paths = write_reports(&dir, &a, &zh()).expect("writes");
    assert_eq!(paths.len(), a.units.len() + 1);
    assert_eq!(paths[0], dir.join("index.html"));
    for (p, u) in paths[1..].iter().zip(&a.units) {
        assert_eq!(p, &dir.join("units").join(unit_file_name(&u.id)));
        let html = std::fs::read_to_string(p).expect("written");
        assert!(html.contains(&u.name));
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("units"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".kaohe-tmp"))
        .collect();
    assert!(leftovers.is_empty());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn unknown_unit_is_an_error() {
    let a = default_assessment();
    assert!(matches!(
        render_unit(&a, "nowhere", &zh()),
        Err(ReportError::UnknownUnit(_))
    ));
}

#[test]
fn bench_counts_reports() {
    let a = default_assessment();
    let r = bench_unit_reports(&a, 20, Lang::Zh).expect("renders");
    assert_eq!(r.reports, 20);
    assert!(r.bytes > 20 * 10_000);
    assert!(r.ms_per_10k() > 0.0);
}

#[test]
fn csp_hash_matches_the_script() {
    // sha256 of "" is the well-known 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=.
    assert_eq!(
        base64(&Sha256::digest(b"")),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    let a = default_assessment();
    let index = render_index(&a, &zh()).expect("renders");
    let expected = format!("sha256-{}", base64(&Sha256::digest(SORT_JS.as_bytes())));
    assert!(index.contains(&expected));
    assert!(index.contains(&format!("<script>{SORT_JS}</script>")));
}

#[test]
fn separately_graded_lines_show_their_grades() {
    let mut a = default_assessment();
    a.combine = "separate".into();
    for l in &mut a.units[0].lines {
        l.grade = Some(format!("线等次{}", l.id));
    }
    let index = render_index(&a, &zh()).expect("renders");
    let unit = render_unit(&a, &a.units[0].id, &zh()).expect("renders");
    for l in &a.units[0].lines {
        let g = format!("线等次{}", l.id);
        assert!(index.contains(&g), "league table lacks {g}");
        assert!(unit.contains(&format!("等次 {g}")), "line chart lacks {g}");
    }
}

#[test]
fn provenance_and_corrections() {
    let mut a = default_assessment();
    let u = &mut a.units[0];
    let input = &mut u.indicators[0].inputs.shown_mut()[0];
    input.layer = Some("survey".into());
    let field = input.id.clone();
    u.corrections.push(Correction {
        field: field.clone(),
        name: input.name.clone(),
        layers: vec![
            LayerValue {
                layer: "survey".into(),
                name: "抽样调查".into(),
                value: Shown::Text("27400人".into()),
            },
            LayerValue {
                layer: "self".into(),
                name: "自报".into(),
                value: Shown::Text("27000人".into()),
            },
        ],
        used: Some("survey".into()),
        difference: Some(Shown::Text("+400人".into())),
    });
    let html = render_unit(&a, &a.units[0].id, &zh()).expect("renders");
    assert!(html.contains("〔抽样调查〕"), "input provenance");
    assert!(html.contains("数据来源与核查更正"));
    assert!(html.contains("<b>抽样调查: 27400人</b>"));
    assert!(html.contains("自报: 27000人"));
    assert!(html.contains("+400人"));
    a.units[1].corrections.clear();
    let plain = render_unit(&a, &a.units[1].id, &zh()).expect("renders");
    assert!(!plain.contains("数据来源与核查更正"));
}

#[test]
fn renders_an_assessment_read_back_from_json() {
    // Per-unit JSON leaves out rule texts, offices and sections (they are in `indicators`).
    let a = default_assessment();
    let json = crate::output::scorecard_json(&a).expect("json");
    let back: Assessment = serde_json::from_slice(&json).expect("reads back");
    let u = &a.units[0];
    let i = &u.indicators[0];
    assert!(back.units[0].indicators[0].rule_text().is_empty());
    let html = render_unit(&back, &u.id, &zh()).expect("renders");
    assert!(html.contains(&esc(i.rule_text())), "rule text from the set");
    if let Some(o) = &i.office() {
        assert!(html.contains(&esc(o)), "office from the set");
    }
    assert!(
        html.contains("统筹解决人口问题示范"),
        "sections from the set"
    );
    assert_eq!(
        render_index(&back, &zh()).expect("renders"),
        render_index(&a, &zh()).expect("renders")
    );
}

#[test]
fn previous_assessment_is_the_latest_earlier_one() {
    let a = default_assessment();
    let year = |y: i32, id: &str, kind: &str| {
        let mut p = a.clone();
        p.period.from = chrono::NaiveDate::from_ymd_opt(y - 1, 10, 1).expect("date");
        p.period.to = chrono::NaiveDate::from_ymd_opt(y, 9, 30).expect("date");
        p.period.label = format!("{y}");
        p.indicator_set.id = id.into();
        p.indicator_set.unit_kind = kind.into();
        p
    };
    let id = a.indicator_set.id.clone();
    let kind = a.indicator_set.unit_kind.clone();
    let history = vec![
        year(2009, &id, &kind),
        year(2010, &id, &kind),
        year(2011, &id, &kind), // the same period: not earlier
        year(2010, "other", "township"),
    ];
    assert_eq!(
        previous_for(&a, &history).map(|p| p.period.label.as_str()),
        Some("2010")
    );
    let renamed = vec![year(2009, "old-id", &kind), year(2010, "other", "township")];
    assert_eq!(
        previous_for(&a, &renamed).map(|p| p.period.label.as_str()),
        Some("2009"),
        "falls back to the same kind of unit"
    );
    assert!(previous_for(&a, &[]).is_none());
}

/// All HTML goes through the tera templates: no source file escapes text by hand (a hand-written
/// escaper writes these entities as string literals).
#[test]
fn no_code_escapes_html_by_hand() {
    let needles = [
        concat!("\"&", "amp;\""),
        concat!("\"&", "lt;\""),
        concat!("\"&", "gt;\""),
        concat!("\"&", "quot;\""),
    ];
    let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                for n in needles {
                    if text.contains(n) {
                        found.push(format!("{}: {n}", path.display()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "HTML escaped by hand: {found:?}");
}
