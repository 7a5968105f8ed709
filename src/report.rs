//! HTML assessment reports: the league table (`index.html`) and one 考核报告 per unit
//! (`units/<id>.html`).
//!
//! Every page is one self-contained HTML file: CSS inline, charts as inline SVG drawn from the
//! data, no fonts, images, scripts or links fetched from anywhere (a Content-Security-Policy
//! meta tag forbids the browser to load any). The league table carries a few lines of inline
//! script for sorting by column, allowed by its hash; the page is complete without it.
//!
//! Templates are tera 2 templates embedded from `templates/`; tera escapes every value printed
//! in a `.html` template (`& < > " '`), including text inside the SVG, so names and texts from
//! indicator sets and evidence cannot inject markup. The view models in [`view`] format all
//! numbers and compute chart geometry, so the templates only print strings.
//!
//! Unit reports render in parallel (rayon) and are written in unit order; output is
//! byte-identical whatever the thread count. See `docs/reports.md`.

mod chart;
mod format;
mod labels;
mod view;

pub use format::{unit_file_name, unit_file_stem};
pub use labels::Lang;

use crate::output::{Staging, WriteError, inside};
use crate::result::Assessment;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tera::{Context, Tera};
use view::Shared;

/// Errors while rendering or writing reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("report template error: {0}")]
    Template(String),
    #[error("no unit {0:?} in the assessment")]
    UnknownUnit(String),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What to render: the language of the fixed labels, and the previous assessment (for rank and
/// score changes) when there is one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    pub lang: Lang,
    pub previous: Option<&'a Assessment>,
    /// (id, name) of units outside the assessment that its units name (the city above the
    /// districts, a street's district): a report shows `上级单位 深圳市`, not the id.
    pub names: &'a [(String, String)],
}

/// The assessment to compare `a` with, among earlier scorecards: the latest one whose period
/// ends before `a`'s ends, of the same indicator set (any version) or, failing that, of the same
/// kind of unit.
pub fn previous_for<'h>(a: &Assessment, history: &'h [Assessment]) -> Option<&'h Assessment> {
    let earlier = || {
        history
            .iter()
            .filter(|h| h.period.to < a.period.to && h.period.to <= a.period.from)
    };
    let latest = |it: &mut dyn Iterator<Item = &'h Assessment>| it.max_by_key(|h| h.period.to);
    latest(&mut earlier().filter(|h| h.indicator_set.id == a.indicator_set.id)).or_else(|| {
        latest(&mut earlier().filter(|h| h.indicator_set.unit_kind == a.indicator_set.unit_kind))
    })
}

/// One rendered page: its path relative to the output folder and its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub html: String,
}

const INDEX: &str = "index.html";
const UNIT: &str = "unit.html";
const SELF_ASSESSMENT: &str = "selfassess.html";
const BRIEF: &str = "brief.html";
const HANDBOOK: &str = "handbook.html";
const DIFF: &str = "diff.html";
const ROBUSTNESS: &str = "robustness.html";

/// The column-sorting script of the league table (allowed by its hash in the CSP).
const SORT_JS: &str = include_str!("../templates/sort.js");

fn tera() -> Result<&'static Tera, ReportError> {
    static TERA: OnceLock<Result<Tera, String>> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut t = Tera::default();
        t.add_raw_templates([
            ("page.html", include_str!("../templates/page.html")),
            ("base.html", include_str!("../templates/base.html")),
            (
                "style.css.html",
                include_str!("../templates/style.css.html"),
            ),
            (INDEX, include_str!("../templates/index.html")),
            (UNIT, include_str!("../templates/unit.html")),
            (
                SELF_ASSESSMENT,
                include_str!("../templates/selfassess.html"),
            ),
            (BRIEF, include_str!("../templates/brief.html")),
            (
                "brief_decisions.html",
                include_str!("../templates/brief_decisions.html"),
            ),
            (HANDBOOK, include_str!("../templates/handbook.html")),
            (DIFF, include_str!("../templates/diff.html")),
            (ROBUSTNESS, include_str!("../templates/robustness.html")),
        ])
        .map_err(|e| format!("{e:#}"))?;
        Ok(t)
    })
    .as_ref()
    .map_err(|e| ReportError::Template(e.clone()))
}

fn render(name: &str, ctx: &Context) -> Result<String, ReportError> {
    tera()?.render(name, ctx).map_err(|e| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        ReportError::Template(msg)
    })
}

fn context<T: serde::Serialize>(page: &T) -> Result<Context, ReportError> {
    Context::from_serialize(page).map_err(|e| ReportError::Template(e.to_string()))
}

/// Standard base64 (for the CSP script hash).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of a page: nothing may be fetched; inline styles allowed; the
/// one inline script only by its hash (unit reports carry none).
fn csp(script: Option<&str>) -> String {
    let script_src = match script {
        Some(js) => format!("'sha256-{}'", base64(&Sha256::digest(js.as_bytes()))),
        None => "'none'".to_string(),
    };
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script_src}; base-uri 'none'; form-action 'none'"
    )
}

/// The pages other commands write through the same layout, CSS and Content-Security-Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// `kaohe self-assess`: `self-assessment.html` (`templates/selfassess.html`).
    SelfAssessment,
    /// `kaohe decide`: the brief `decisions.html` (`templates/brief.html`).
    DecisionBrief,
    /// `kaohe handbook`: the 考核细则 (`templates/handbook.html`).
    Handbook,
    /// `kaohe diff`: two versions of a set (`templates/diff.html`).
    Diff,
    /// `kaohe robustness`: `robustness.html` (`templates/robustness.html`).
    Robustness,
}

/// Render `doc` from its view model. The template also sees `csp` (no scripts, nothing
/// fetched) and `t`, the Chinese labels of the reports.
pub fn render_document<T: serde::Serialize>(
    doc: Document,
    page: &T,
) -> Result<String, ReportError> {
    render_document_in(doc, page, Lang::Zh)
}

/// [`render_document`] with the shared layout's labels (`t`) in `lang`.
pub fn render_document_in<T: serde::Serialize>(
    doc: Document,
    page: &T,
    lang: Lang,
) -> Result<String, ReportError> {
    let mut ctx = context(page)?;
    ctx.insert("csp", &csp(None));
    ctx.insert("t", lang.labels());
    let name = match doc {
        Document::SelfAssessment => SELF_ASSESSMENT,
        Document::DecisionBrief => BRIEF,
        Document::Handbook => HANDBOOK,
        Document::Diff => DIFF,
        Document::Robustness => ROBUSTNESS,
    };
    render(name, &ctx)
}

/// The CSS class of the grade `label` among `grades` (best first), as the reports colour it:
/// green, blue, amber, red; grey for a label not among them.
pub fn grade_class(grades: &[crate::result::GradeInfo], label: &str) -> &'static str {
    view::grade_classes(grades)
        .get(label)
        .copied()
        .unwrap_or("gX")
}

fn index_html(s: &Shared<'_>) -> Result<String, ReportError> {
    let page = view::index_page(s, csp(Some(SORT_JS)), SORT_JS);
    render(INDEX, &context(&page)?)
}

fn unit_html(s: &Shared<'_>, csp: &str, i: usize) -> Result<String, ReportError> {
    let page = view::unit_page(s, csp, i);
    render(UNIT, &context(&page)?)
}

/// The league table (`index.html`).
pub fn render_index(a: &Assessment, opts: &Options<'_>) -> Result<String, ReportError> {
    index_html(&Shared::new(a, opts.previous, opts.lang).with_names(opts.names))
}

/// The report of the unit with id `unit_id` (`units/<file>.html`).
pub fn render_unit(
    a: &Assessment,
    unit_id: &str,
    opts: &Options<'_>,
) -> Result<String, ReportError> {
    let i = a
        .units
        .iter()
        .position(|u| u.id == unit_id)
        .ok_or_else(|| ReportError::UnknownUnit(unit_id.to_string()))?;
    let s = Shared::new(a, opts.previous, opts.lang).with_names(opts.names);
    unit_html(&s, &csp(None), i)
}

/// Every page: `index.html` first, then `units/<file>.html` in rank order. Unit reports
/// render in parallel.
pub fn render_all(a: &Assessment, opts: &Options<'_>) -> Result<Vec<Page>, ReportError> {
    let s = Shared::new(a, opts.previous, opts.lang).with_names(opts.names);
    let unit_csp = csp(None);
    let mut pages = vec![Page {
        path: PathBuf::from(INDEX),
        html: index_html(&s)?,
    }];
    let units: Result<Vec<Page>, ReportError> = (0..a.units.len())
        .into_par_iter()
        .map(|i| {
            Ok(Page {
                path: Path::new("units").join(unit_file_name(&a.units[i].id)),
                html: unit_html(&s, &unit_csp, i)?,
            })
        })
        .collect();
    pages.extend(units?);
    Ok(pages)
}

/// Render and write every page under `out` (each file written atomically), returning the
/// paths written: `out/index.html`, then `out/units/<file>.html` in rank order. Units are
/// rendered and written in parallel without holding all pages in memory.
pub fn write_reports(
    out: &Path,
    a: &Assessment,
    opts: &Options<'_>,
) -> Result<Vec<PathBuf>, ReportError> {
    let stage = Staging::default();
    let paths = stage_reports(out, a, opts, &stage)?;
    stage.commit()?;
    Ok(paths)
}

/// [`write_reports`] into temporary files of a run's [`Staging`], renamed when it commits.
pub fn stage_reports(
    out: &Path,
    a: &Assessment,
    opts: &Options<'_>,
    stage: &Staging,
) -> Result<Vec<PathBuf>, ReportError> {
    stage_reports_of(out, a, opts, stage, &vec![true; a.units.len()])
}

/// [`stage_reports`] with the unit reports of the units `keep` marks only (by index into
/// `a.units`; `index.html` always).
pub fn stage_reports_of(
    out: &Path,
    a: &Assessment,
    opts: &Options<'_>,
    stage: &Staging,
    keep: &[bool],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut s = Shared::new(a, opts.previous, opts.lang).with_names(opts.names);
    if keep.iter().any(|k| !k) {
        s = s.with_reports(keep);
    }
    let unit_csp = csp(None);
    let index = inside(out, Path::new(INDEX))?;
    stage.write(&index, index_html(&s)?.as_bytes())?;
    let units: Result<Vec<PathBuf>, ReportError> = (0..a.units.len())
        .into_par_iter()
        .filter(|&i| keep.get(i).copied().unwrap_or(false))
        .map(|i| {
            let rel = Path::new("units").join(unit_file_name(&a.units[i].id));
            let path = inside(out, &rel)?;
            stage.write(&path, unit_html(&s, &unit_csp, i)?.as_bytes())?;
            Ok(path)
        })
        .collect();
    let mut paths = vec![index];
    paths.extend(units?);
    Ok(paths)
}

/// Timing of [`bench_unit_reports`].
#[derive(Debug, Clone, Copy)]
pub struct BenchReport {
    /// Unit reports rendered.
    pub reports: usize,
    /// HTML bytes produced.
    pub bytes: usize,
    /// Wall time of the rendering (parallel), excluding building the synthetic units.
    pub elapsed: Duration,
}

impl BenchReport {
    /// Milliseconds per 10,000 reports.
    pub fn ms_per_10k(&self) -> f64 {
        if self.reports == 0 {
            return 0.0;
        }
        self.elapsed.as_secs_f64() * 1000.0 * 10_000.0 / self.reports as f64
    }
}

/// Render `n` unit reports from synthetic copies of `a`'s units (ids suffixed so every unit is
/// distinct, ranks renumbered) and time it. Nothing is written; the pages are dropped after
/// their length is counted. For the benchmark.
pub fn bench_unit_reports(
    a: &Assessment,
    n: usize,
    lang: Lang,
) -> Result<BenchReport, ReportError> {
    if a.units.is_empty() || n == 0 {
        return Ok(BenchReport {
            reports: 0,
            bytes: 0,
            elapsed: Duration::ZERO,
        });
    }
    let mut big = a.clone();
    big.units = (0..n)
        .map(|k| {
            let mut u = a.units[k % a.units.len()].clone();
            u.id = format!("{}-{k}", u.id);
            u.name = format!("{}{k}", u.name);
            u.rank = Some(u32::try_from(k + 1).unwrap_or(u32::MAX));
            u
        })
        .collect();
    tera()?;
    let start = Instant::now();
    let s = Shared::new(&big, None, lang);
    let unit_csp = csp(None);
    let bytes: Result<Vec<usize>, ReportError> = (0..big.units.len())
        .into_par_iter()
        .map(|i| unit_html(&s, &unit_csp, i).map(|h| h.len()))
        .collect();
    let elapsed = start.elapsed();
    Ok(BenchReport {
        reports: n,
        bytes: bytes?.iter().sum(),
        elapsed,
    })
}

#[cfg(test)]
mod tests;
