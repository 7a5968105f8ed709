//! The HTML reports in a real browser: headless Chromium opens the league table, a unit report
//! with a veto and one without, and checks what a person would see. See `docs/reports.md`.
//!
//! For each page one Chromium run takes a screenshot, prints to PDF and dumps the DOM, with
//! console logging on stderr and a network log:
//!
//! - **no console errors**: with `--enable-logging=stderr --v=0` every console message and
//!   uncaught exception is logged as an `INFO:CONSOLE` line; the pages log nothing, so any such
//!   line (or `Uncaught`) fails. A CSP violation would be logged there too.
//! - **no network request**: the HTML is checked statically (no `http://`, `https://` or `//`
//!   URL, no `<link>`, `@import` or `url(`, no `src=`), and Chromium's own network log
//!   (`--log-net-log`) must show no request made for the `file://` page (Chromium's background
//!   requests, made for no page, are ignored; `--host-resolver-rules` keeps them offline). A
//!   deliberately bad page proves that both detectors fire.
//! - **content**: the dumped DOM contains the unit's total and grade (every unit's for the
//!   league table) and, on the league table, the `js` class the sorting script sets.
//! - **screenshot**: a 1280×1800 PNG under `target/tmp/browser/`, well above the size of a blank
//!   page (a blank 1280×1800 screenshot compresses to about 6 KB; the pages are 150 KB and up).
//! - **print**: the PDF has A4 pages, and the expected number of them.
//!
//! Without Chromium (`/usr/bin/chromium`, `chromium` on `PATH`, or `$KAOHE_CHROMIUM`) the test
//! prints "skipping: Chromium not installed" and passes, and without the reference fonts it checks
//! page counts as ranges; in CI (`CI=true` or `KAOHE_REQUIRE_TOOLS=1`) either one missing fails it
//! (`support::tool`).

use kaohe::cli::{InputArgs, load_inputs};
use kaohe::report::{self, Options, unit_file_name};
use kaohe::result::Assessment;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pages printed with the reference fonts (Debian's `fonts-noto-cjk`): exact counts.
/// The league table with its chart, the peer groups following on (no forced page breaks: a
/// section starts a page only when it would not fit).
const INDEX_PAGES: usize = 2;
const VETOED_PAGES: usize = 7;
const CLEAN_PAGES: usize = 7;

/// Whether the CJK fonts the page counts were measured with are installed.
fn reference_fonts() -> bool {
    Command::new("fc-list")
        .args([":lang=zh", "family"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("Noto Sans CJK SC"))
        .unwrap_or(false)
}

fn file_url(p: &Path) -> String {
    let mut url = String::from("file://");
    for b in p.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

struct Run {
    dom: String,
    stderr: String,
    png: PathBuf,
    pdf: PathBuf,
    netlog: PathBuf,
}

/// One Chromium run: screenshot, PDF and DOM of `page`, with logs.
fn open(chrome: &Path, dir: &Path, name: &str, page: &Path) -> Run {
    let profile = dir.join(format!("profile-{name}"));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("profile dir");
    let png = dir.join(format!("{name}.png"));
    let pdf = dir.join(format!("{name}.pdf"));
    let netlog = dir.join(format!("{name}.netlog.json"));
    let out_path = dir.join(format!("{name}.dom.html"));
    let err_path = dir.join(format!("{name}.stderr.txt"));
    for p in [&png, &pdf, &netlog] {
        let _ = std::fs::remove_file(p);
    }
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,1800",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--dump-dom")
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {name} within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed on {name}: {status}\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&profile);
    Run {
        dom: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr,
        png,
        pdf,
        netlog,
    }
}

/// Console messages and uncaught exceptions Chromium logged for the page.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

/// URLs requested over the network on behalf of a `file://` page (from the net log).
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("chromium wrote the net log");
    let log: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        // Chromium may leave the closing brackets off when it exits quickly.
        Err(_) => serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(',')))
            .expect("net log is JSON"),
    };
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64();
    let mut urls = Vec::new();
    for e in log["events"].as_array().into_iter().flatten() {
        if e["type"].as_u64() != start_job {
            continue;
        }
        let p = &e["params"];
        let for_page = ["network_isolation_key", "site_for_cookies", "initiator"]
            .iter()
            .any(|k| p[*k].as_str().is_some_and(|v| v.contains("file://")));
        if for_page && let Some(u) = p["url"].as_str() {
            urls.push(u.to_string());
        }
    }
    urls
}

/// Static check: nothing in the HTML can make the browser fetch anything.
fn external_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for bad in [
        "http://",
        "https://",
        "<link",
        "@import",
        "url(",
        " src=",
        "@font-face",
    ] {
        if lower.contains(bad) {
            found.push(bad.to_string());
        }
    }
    for attr in ["href=\"", "src=\"", "action=\""] {
        for rest in lower.split(attr).skip(1) {
            let target = &rest[..rest.find('"').unwrap_or(rest.len())];
            if target.starts_with("//") || target.contains(':') {
                found.push(format!("{attr}{target}"));
            }
        }
    }
    found
}

/// Number of pages: `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    for needle in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut i = 0;
        while let Some(k) = find(&pdf[i..], needle) {
            let at = i + k + needle.len();
            if pdf.get(at) != Some(&b's') {
                n += 1;
            }
            i = at;
        }
    }
    n
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Every `/MediaBox [0 0 w h]` is A4 (595.28 × 841.89 pt, give or take rounding).
fn all_a4(pdf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(pdf);
    let mut any = false;
    for rest in text.split("/MediaBox [").skip(1) {
        let nums: Vec<f64> = rest
            .split(']')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if nums.len() != 4 {
            return false;
        }
        let (w, h) = (nums[2] - nums[0], nums[3] - nums[1]);
        if (w - 595.28).abs() > 2.0 || (h - 841.89).abs() > 2.0 {
            return false;
        }
        any = true;
    }
    any
}

/// PNG signature and IHDR size; `None` when it is not a PNG.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(png[20..24].try_into().ok()?);
    Some((w, h))
}

fn default_assessment() -> Assessment {
    let (set, ev) = load_inputs(&InputArgs {
        set: None,
        evidence: vec![],
        encoding: Default::default(),
    })
    .expect("the shipped default loads");
    kaohe::engine::assess(&set, &ev).expect("the shipped default scores")
}

#[test]
fn reports_in_headless_chromium() {
    let Some(chrome) = crate::support::tool(crate::support::chromium(), "Chromium", "chromium")
    else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test dir");

    // The detectors themselves: a bad page must trip both.
    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><meta charset=utf-8><p>bad</p>\
         <img src=\"http://kaohe-browser-test.invalid/x.png\">\
         <script>notDefined();</script>",
    )
    .expect("write bad page");
    let run = open(&chrome, &dir, "bad", &bad);
    assert!(
        console_lines(&run.stderr)
            .iter()
            .any(|l| l.contains("Uncaught")),
        "the console detector missed an uncaught error:\n{}",
        run.stderr
    );
    assert!(
        page_requests(&run.netlog)
            .iter()
            .any(|u| u.contains("kaohe-browser-test.invalid")),
        "the network detector missed a request"
    );
    assert!(!external_references(&std::fs::read_to_string(&bad).expect("read")).is_empty());

    let a = default_assessment();
    let out = dir.join("out");
    report::write_reports(&out, &a, &Options::default()).expect("reports written");
    let vetoed = a.units.iter().find(|u| u.vetoed).expect("a vetoed unit");
    let clean = a
        .units
        .iter()
        .find(|u| u.vetoes.is_empty())
        .expect("a unit without vetoes");
    let exact = reference_fonts();
    if !exact {
        crate::support::missing(
            "the font Noto Sans CJK SC",
            "fonts-noto-cjk",
            "note: page counts checked as ranges",
        );
    }

    struct Case<'a> {
        name: &'a str,
        path: PathBuf,
        texts: Vec<String>,
        pages: usize,
        forced: usize,
    }
    let mut index_texts: Vec<String> = Vec::new();
    for u in &a.units {
        index_texts.push(u.name.clone());
        index_texts.push(kaohe::num::show_known(u.total));
    }
    index_texts.push("<html lang=\"zh-CN\" class=\"js\">".to_string());
    let cases = [
        Case {
            name: "index",
            path: out.join("index.html"),
            texts: index_texts,
            pages: INDEX_PAGES,
            forced: 1,
        },
        Case {
            name: "unit-vetoed",
            path: out.join("units").join(unit_file_name(&vetoed.id)),
            texts: vec![
                vetoed.name.clone(),
                kaohe::num::show_known(vetoed.total),
                vetoed.grade.clone().unwrap_or_default(),
                "一票否决".into(),
            ],
            pages: VETOED_PAGES,
            forced: 1,
        },
        Case {
            name: "unit-clean",
            path: out.join("units").join(unit_file_name(&clean.id)),
            texts: vec![
                clean.name.clone(),
                kaohe::num::show_known(clean.total),
                clean.grade.clone().unwrap_or_default(),
            ],
            pages: CLEAN_PAGES,
            forced: 1,
        },
    ];
    let mut counts = Vec::new();
    for c in &cases {
        let html = std::fs::read_to_string(&c.path).expect("report written");
        let refs = external_references(&html);
        assert!(refs.is_empty(), "{}: external references {refs:?}", c.name);

        let run = open(&chrome, &dir, c.name, &c.path);
        let console = console_lines(&run.stderr);
        assert!(
            console.is_empty(),
            "{}: console output {console:#?}",
            c.name
        );
        let requests = page_requests(&run.netlog);
        assert!(
            requests.is_empty(),
            "{}: network requests {requests:?}",
            c.name
        );
        for t in &c.texts {
            assert!(run.dom.contains(t.as_str()), "{}: page lacks {t:?}", c.name);
        }

        let png = std::fs::read(&run.png).expect("screenshot written");
        assert_eq!(
            png_size(&png),
            Some((1280, 1800)),
            "{}: not a 1280×1800 PNG",
            c.name
        );
        assert!(
            png.len() > 60_000,
            "{}: screenshot looks blank ({} bytes)",
            c.name,
            png.len()
        );

        let pdf = std::fs::read(&run.pdf).expect("PDF written");
        assert!(all_a4(&pdf), "{}: PDF pages are not A4", c.name);
        let pages = pdf_pages(&pdf);
        counts.push((c.name, pages, c.pages, c.forced));
        eprintln!(
            "{}: {} pages, screenshot {} ({} KB)",
            c.name,
            pages,
            run.png.display(),
            png.len() / 1024
        );
    }
    // Page counts last, so one run shows all of them.
    for (name, pages, expected, forced) in counts {
        if exact {
            assert_eq!(pages, expected, "{name}: printed pages");
        } else {
            assert!(
                (forced..=expected * 2).contains(&pages),
                "{name}: printed {pages} pages, expected {forced}..={}",
                expected * 2
            );
        }
    }
}

#[test]
fn pdf_page_counting() {
    let pdf = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page /Parent 2 0 R >>\n<</Type/Page/Parent 2 0 R>>";
    assert_eq!(pdf_pages(pdf), 2);
    assert!(all_a4(
        b"/MediaBox [0 0 594.96 841.92] /MediaBox [0 0 595.28 841.89]"
    ));
    assert!(!all_a4(b"/MediaBox [0 0 612 792]"));
    assert_eq!(
        external_references("<a href=\"units/x.html\">x</a>"),
        Vec::<String>::new()
    );
    assert_eq!(external_references("<a href=\"//cdn/x\">").len(), 1);
    assert_eq!(file_url(Path::new("/a b/c.html")), "file:///a%20b/c.html");
}

/// A copy of `page` without its Content-Security-Policy and with a probe script at the end
/// that measures the layout and writes its findings into `<pre id="probe">`: how many pairs of
/// rank labels under the histogram overlap, and how many veto marks the legend shows with how
/// many distinct looks.
fn probe_copy(page: &Path, dir: &Path, name: &str) -> PathBuf {
    let html = std::fs::read_to_string(page).expect("page");
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("a CSP meta");
    let end = start + html[start..].find('>').expect("end of meta") + 1;
    let probe = r#"<script>
(function () {
  var boxes = Array.prototype.map.call(document.querySelectorAll('svg text.mark'), function (t) { return t.getBoundingClientRect(); });
  var overlaps = 0;
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], b = boxes[j];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps++;
  }
  var looks = {}, marks = document.querySelectorAll('.veto-legend .vk');
  Array.prototype.forEach.call(marks, function (m) {
    var s = getComputedStyle(m);
    looks[s.backgroundColor + '|' + s.color + '|' + s.borderTopStyle + '|' + s.borderTopColor] = 1;
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = 'labels=' + boxes.length + ';overlaps=' + overlaps + ';marks=' + marks.length + ';looks=' + Object.keys(looks).length + ';';
  document.body.appendChild(pre);
})();
</script>"#;
    let body_end = html.rfind("</body>").expect("</body>");
    let copy = format!(
        "{}{}{}{}",
        &html[..start],
        &html[end..body_end],
        probe,
        &html[body_end..]
    );
    let path = page.with_file_name(format!("{name}.probe.html"));
    std::fs::write(&path, copy).expect("write probe copy");
    let _ = dir;
    path
}

/// `key=N;` from the probe's output.
fn probed(dom: &str, key: &str) -> usize {
    let out = &dom[dom
        .find("<pre id=\"probe\">")
        .unwrap_or_else(|| panic!("the probe did not run"))..];
    let at = out
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("the probe did not write {key}"));
    let rest = &out[at + key.len() + 1..];
    rest[..rest.find(';').expect(";")]
        .parse()
        .expect("a number")
}

/// Layout in print and on screen, measured in the browser: the rank labels under the
/// histogram never overlap (the 23 streets crowd into a few bands), each veto effect has its
/// own look in the legend, and a small set's unit report does not spread over near-empty
/// printed pages.
#[test]
fn layout_in_headless_chromium() {
    let Some(chrome) = crate::support::tool(crate::support::chromium(), "Chromium", "chromium")
    else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-layout");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test dir");
    let run = crate::support::Kaohe::new()
        .args(["assess", "-q", "-o", "out"])
        .run();
    run.success();
    for (name, page) in [
        ("districts", run.dir.join("out/index.html")),
        ("streets", run.dir.join("out/sz-street/index.html")),
    ] {
        let copy = probe_copy(&page, &dir, name);
        let r = open(&chrome, &dir, name, &copy);
        assert!(probed(&r.dom, "labels") > 0, "{name}: rank labels drawn");
        assert_eq!(probed(&r.dom, "overlaps"), 0, "{name}: rank labels overlap");
        let marks = probed(&r.dom, "marks");
        assert_eq!(marks, 5, "{name}: a legend mark per veto effect");
        assert_eq!(
            probed(&r.dom, "looks"),
            marks,
            "{name}: each mark looks different"
        );
    }
    // A three-indicator set: its unit report prints on one or two pages, not one per section.
    let small = crate::support::Kaohe::new()
        .with_file(
            "ev.csv",
            "id,name,births,policy_births,has_plan,rate\nfutian,福田区,100,96,是,90\n".as_bytes(),
        )
        .args(["assess", "-q", "-s"])
        .repo_arg("fixtures/invalid/base/set.yaml")
        .args(["ev.csv", "-o", "out"])
        .run();
    small.success();
    for (name, page) in [
        (
            "small-unit",
            small.dir.join("out/units").join(unit_file_name("futian")),
        ),
        ("small-index", small.dir.join("out/index.html")),
    ] {
        let r = open(&chrome, &dir, name, &page);
        let pdf = std::fs::read(&r.pdf).expect("PDF written");
        assert!(all_a4(&pdf), "{name}: A4");
        let pages = pdf_pages(&pdf);
        assert!((1..=2).contains(&pages), "{name}: printed on {pages} pages");
    }
}

/// Each veto effect has its own mark: 坪山新区's grade cap is not a red 否决, 光明新区's line
/// veto says the line was zeroed, 龙岗区's failing veto is 否决; and the 方阵 column shows
/// only when the set has peer groups.
#[test]
fn veto_marks_name_their_effect_and_the_peer_column_needs_peer_groups() {
    let run = crate::support::Kaohe::new()
        .args(["assess", "-q", "-o", "out"])
        .run();
    run.success();
    let page = |rel: &str| String::from_utf8(run.read(rel)).expect("utf-8");
    let unit = |id: &str| page(&format!("out/units/{}", unit_file_name(id)));
    let pingshan = unit("pingshan");
    assert!(pingshan.contains("vk cap"), "grade cap mark");
    assert!(
        !pingshan.contains("vk fail"),
        "坪山新区 is 合格: no 否决 mark"
    );
    assert!(unit("guangming").contains("vk line"));
    assert!(unit("longgang").contains("vk fail"));
    let index = page("out/index.html");
    for kind in ["fail", "line", "cap", "advisory"] {
        assert!(index.contains(&format!("class=\"vk {kind}\"")), "{kind}");
    }
    assert!(index.contains(">方阵</th>"));
    // 上级单位 is shown by name.
    assert!(pingshan.contains("深圳市"), "the parent's name");
    let streets = page(&format!(
        "out/sz-street/units/{}",
        unit_file_name("ft_yuanling")
    ));
    assert!(streets.contains("福田区"), "a street's district by name");
    let set =
        std::fs::read_to_string(crate::support::repo().join("fixtures/invalid/base/set.yaml"))
            .expect("set")
            .replace("peer_groups:\n  - { id: inner, name: 特区内方阵 }\n", "");
    assert!(!set.contains("peer_groups"));
    let small = crate::support::Kaohe::new()
        .with_file("set.yaml", set.as_bytes())
        .with_file(
            "ev.csv",
            "id,name,births,policy_births,has_plan,rate\nfutian,福田区,100,96,是,90\n".as_bytes(),
        )
        .args(["assess", "-q", "-s", "set.yaml", "ev.csv", "-o", "out"])
        .run();
    small.success();
    let index = String::from_utf8(small.read("out/index.html")).expect("utf-8");
    assert!(
        !index.contains(">方阵</th>"),
        "no peer groups, no 方阵 column"
    );
}
