//! The commands for the people who write the rubric: `kaohe handbook` (the 考核细则 as HTML
//! and `.docx`), `kaohe diff` (two versions of a set and the impact on the units) and
//! `kaohe lint` (design problems of a set).

use super::shipped::{DEFAULT_SET, Source, built_in_name};
use super::{load_set_file, load_set_str};
use crate::model::IndicatorSet;
use crate::output;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct HandbookArgs {
    /// Indicator set (YAML). Default: the shipped demonstration-district set.
    #[arg(long, short = 's', value_name = "FILE")]
    pub set: Option<PathBuf>,
    /// Output folder: `handbook.html` and `handbook.docx`.
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the handbook's own words (headings, labels, scoring standards); the set's
    /// names and texts stay as written.
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

/// The set the option names, or the shipped set (the project folder's file or the built-in
/// copy, said on stderr).
fn set_or_default(set: Option<&Path>, lang: crate::lang::Lang) -> anyhow::Result<IndicatorSet> {
    Ok(match default_set(set, lang) {
        Some(p) => load_set_file(&p)?,
        None => load_set_str(&built_in_name(DEFAULT_SET.0), DEFAULT_SET.1)?,
    })
}

/// The set file to read: the one named, else the project folder's shipped set; `None` for the
/// built-in copy. A default says which it is on stderr.
fn default_set(set: Option<&Path>, lang: crate::lang::Lang) -> Option<PathBuf> {
    if let Some(p) = set {
        return Some(p.to_path_buf());
    }
    let source = Source::find();
    eprintln!("{}", source.notice_in(&[DEFAULT_SET.0], lang));
    (source == Source::Project).then(|| PathBuf::from(DEFAULT_SET.0))
}

/// `kaohe handbook`: write `handbook.html` and `handbook.docx`.
pub fn handbook(args: &HandbookArgs) -> anyhow::Result<ExitCode> {
    let set = set_or_default(args.set.as_deref(), args.lang)?;
    let h = crate::handbook::build_in(&set, args.lang);
    let html = crate::handbook::render_html(&h)
        .with_context(|| format!("rendering the handbook of `{}`", set.id))?;
    let docx = crate::handbook::docx::to_docx(&h)
        .with_context(|| format!("building the handbook of `{}`", set.id))?;
    let written = output::publish::add_files(
        &args.out,
        vec![
            (PathBuf::from("handbook.html"), html.into_bytes()),
            (PathBuf::from("handbook.docx"), docx),
        ],
        Vec::new(),
        || crate::exit::waiting_for(&args.out),
    )?;
    let (html_path, docx_path) = (&written[0], &written[1]);
    let items = set.indicators.len() + set.bonus.as_ref().map_or(0, |b| b.items.len());
    if args.lang.en() {
        crate::outln!(
            "Wrote the assessment rules {} and {} ({} {}, {} {})",
            html_path.display(),
            docx_path.display(),
            items,
            if items == 1 { "item" } else { "items" },
            set.vetoes.len(),
            if set.vetoes.len() == 1 {
                "veto"
            } else {
                "vetoes"
            }
        );
    } else {
        crate::outln!(
            "已写入考核细则 {} 和 {}({} 项指标,{} 项一票否决)",
            html_path.display(),
            docx_path.display(),
            items,
            set.vetoes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The old version of the indicator set (YAML).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The new version of the indicator set (YAML).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Evidence to score under both versions (e.g. last year's): files or folders.
    #[arg(value_name = "EVIDENCE")]
    pub evidence: Vec<PathBuf>,
    /// Whose statistical windows the evidence is counted in under both versions: the old
    /// version's (last year's evidence, the default) or the new one's.
    #[arg(long, value_enum, default_value = "old")]
    pub windows: Windows,
    /// Output folder: `diff.html`, `diff-changes.csv` and, with evidence, `diff-units.csv`.
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the page, the CSVs and the summary (the sets' names and texts stay as
    /// written).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

/// Whose statistical windows `kaohe diff` counts the evidence in.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Windows {
    Old,
    New,
}

/// `kaohe diff`: the changes between two versions and, with evidence, the units they move.
pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let (old, new) = match (load_set_file(&args.old), load_set_file(&args.new)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let diags = a.err().into_iter().chain(b.err()).flat_map(|d| d.0);
            return Err(crate::diag::Diagnostics::new(diags.collect()).into());
        }
    };
    let mut unread = (Vec::new(), Vec::new());
    let assessed = if args.evidence.is_empty() {
        None
    } else {
        let read = crate::read::files::read_paths(&args.evidence)?;
        // Each version reads what it has: last year's evidence may lack new fields (they are
        // missing evidence) or carry fields a version dropped (left out, and listed).
        let score = |set: &IndicatorSet,
                     other: &IndicatorSet,
                     read|
         -> anyhow::Result<(crate::result::Assessment, Vec<String>)> {
            let (read, dropped) = crate::diff::fit_evidence(set, other, read);
            let ev = crate::bind::bind(set, read)?;
            Ok((crate::engine::assess(set, &ev)?, dropped))
        };
        // Both versions count the evidence's cases in the same windows.
        let (old_w, new_w) = match args.windows {
            Windows::Old => (old.clone(), crate::diff::align_windows(&new, &old)),
            Windows::New => (crate::diff::align_windows(&old, &new), new.clone()),
        };
        let (a, da) = score(&old_w, &new_w, read.clone())
            .with_context(|| format!("scoring the evidence under {}", args.old.display()))?;
        let (b, db) = score(&new_w, &old_w, read)
            .with_context(|| format!("scoring the evidence under {}", args.new.display()))?;
        unread = (da, db);
        Some((a, b))
    };
    let mut d = crate::diff::diff(&old, &new, assessed.as_ref().map(|(a, b)| (a, b)));
    (d.unread_old, d.unread_new) = unread;
    d.set_lang(&old, &new, args.lang);
    let html = crate::diff::render_html(&d).context("rendering diff.html")?;
    let mut files = vec![
        (PathBuf::from("diff.html"), html.into_bytes()),
        (
            PathBuf::from("diff-changes.csv"),
            crate::diff::changes_csv(&d)?,
        ),
    ];
    if d.units.is_some() {
        files.push((PathBuf::from("diff-units.csv"), crate::diff::units_csv(&d)?));
    }
    let written = output::publish::add_files(&args.out, files, Vec::new(), || {
        crate::exit::waiting_for(&args.out)
    })?;
    print_diff(&d, &old, &new, args.lang);
    let en = args.lang.en();
    let written = written
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>();
    if en {
        crate::outln!("wrote {}", written.join(", "));
    } else {
        crate::outln!("已写入 {}", written.join("、"));
    }
    Ok(ExitCode::SUCCESS)
}

/// What `kaohe diff` prints: the rule changes, the evidence a version does not read, and the
/// units whose grade or veto outcome moved.
fn print_diff(
    d: &crate::diff::Diff,
    old: &IndicatorSet,
    new: &IndicatorSet,
    lang: crate::lang::Lang,
) {
    let en = lang.en();
    if en {
        crate::outln!(
            "{} {} → {}: {}",
            new.name,
            old.version,
            new.version,
            format!("{} to the rules", super::counted(d.changes.len(), "change"))
        );
    } else {
        crate::outln!(
            "{} {} → {}:{} 处规则变化",
            new.name,
            old.version,
            new.version,
            d.changes.len()
        );
    }
    for c in &d.changes {
        crate::outln!(
            "  {} {} {} {}{}",
            c.kind,
            c.what,
            c.id,
            c.name,
            if c.aspect.is_empty() {
                String::new()
            } else {
                format!(
                    " {}{}{} → {}",
                    c.aspect,
                    lang.pick(":", ": "),
                    c.before,
                    c.after
                )
            }
        );
    }
    for (which, list) in [("原版本", &d.unread_old), ("新版本", &d.unread_new)] {
        if list.is_empty() {
            continue;
        }
        if en {
            crate::outln!(
                "  evidence the {} version does not read (or reads one layer of): {}",
                if which == "原版本" { "old" } else { "new" },
                list.join(", ")
            );
        } else {
            crate::outln!(
                "  佐证中{which}不使用(或只取一层)的数据:{}",
                list.join("、")
            );
        }
    }
    if let Some(units) = &d.units {
        let moved = d.moved();
        if en {
            crate::outln!(
                "{} of {}: grade or veto outcome changed",
                moved.len(),
                super::counted(units.len(), "unit")
            );
        } else {
            crate::outln!(
                "{} 个单位中 {} 个的等次或一票否决结果改变",
                units.len(),
                moved.len()
            );
        }
        for u in moved {
            let g = |s: &Option<crate::diff::Side>| {
                s.as_ref()
                    .map(|s| format!("{} {}", crate::num::show_known(s.total), s.grade))
                    .unwrap_or_default()
            };
            if en {
                crate::outln!(
                    "  {} {}: {} → {} ({})",
                    u.id,
                    u.name,
                    g(&u.old),
                    g(&u.new),
                    crate::diff::why_in(u, lang)
                );
            } else {
                crate::outln!(
                    "  {} {}:{} → {}({})",
                    u.id,
                    u.name,
                    g(&u.old),
                    g(&u.new),
                    crate::diff::why(u)
                );
            }
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Indicator set (YAML). Default: the shipped demonstration-district set.
    #[arg(long, short = 's', value_name = "FILE")]
    pub set: Option<PathBuf>,
    /// Evidence to check the set against (vetoes that fire for every unit, items no unit can
    /// be scored on): files or folders.
    #[arg(value_name = "EVIDENCE")]
    pub evidence: Vec<PathBuf>,
    /// Indicator sets of other levels of the same run, as for `assess --level` (with evidence).
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Scorecards of earlier years, as for `assess --history` (with evidence).
    #[arg(long, value_name = "SCORECARD", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Exit with 1 when there is any finding (for CI).
    #[arg(long)]
    pub strict: bool,
    /// Language of the findings' requirements and ranges and of the last line (the findings
    /// are worded in English either way).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

/// `kaohe lint`: design problems of a set, each at its line.
pub fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    // With evidence, the set is scored as `assess` scores it (levels and history included); the
    // run says what it reads.
    let (named, assessed) = if args.evidence.is_empty() {
        (default_set(args.set.as_deref(), args.lang), None)
    } else {
        let input = super::InputArgs {
            set: args.set.clone(),
            evidence: args.evidence.clone(),
            encoding: Default::default(),
        };
        let run = super::load_explained(&input, &args.levels, &args.history, None, args.lang)?;
        let named = args
            .set
            .clone()
            .or_else(|| (Source::find() == Source::Project).then(|| PathBuf::from(DEFAULT_SET.0)));
        (named, Some(run.assessment))
    };
    let (set, loc) = match &named {
        Some(p) => (load_set_file(p)?, crate::load::locate_set_file(p)?),
        None => {
            let name = built_in_name(DEFAULT_SET.0);
            (
                load_set_str(&name, DEFAULT_SET.1)?,
                crate::load::locate_set_str(&name, DEFAULT_SET.1)?,
            )
        }
    };
    let findings = crate::lint::lint_in(&set, &loc, assessed.as_ref(), args.lang);
    for f in &findings {
        crate::outln!("{f}");
    }
    if args.lang.en() {
        crate::outln!(
            "{}: {}{}",
            loc.file,
            super::counted(findings.len(), "problem"),
            if assessed.is_some() {
                " (evidence checked)"
            } else {
                ""
            }
        );
    } else {
        crate::outln!(
            "{}:{} 个问题{}",
            loc.file,
            findings.len(),
            if assessed.is_some() {
                "(含佐证检查)"
            } else {
                ""
            }
        );
    }
    Ok(if args.strict && !findings.is_empty() {
        ExitCode::from(crate::exit::EXIT_LINT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
