//! The command line: `kaohe assess`, `kaohe check`, `kaohe test`, `kaohe template`,
//! `kaohe decide`.
//!
//! Exit codes: see [`crate::exit`].
//!
//! Commands return `anyhow::Result`: the library's errors (`thiserror` types) get the context of
//! the command edge — which command ran, which file was being read or written — and [`run`] turns
//! them into one message and an exit code ([`failed`]).

use crate::bind;
use crate::diag::Diagnostics;
use crate::evidence;
use crate::exit::{EXIT_INTERNAL, EXIT_INVALID_INPUT, EXIT_TESTS_FAILED};
use crate::load::{load_set_file, load_set_str};
use crate::model::IndicatorSet;
use crate::output;
use crate::read::{self, ReadEvidence};
use crate::testcase;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod rubric;
pub use rubric::{DiffArgs, HandbookArgs, LintArgs};

pub mod shipped;
use shipped::{
    DEFAULT_EVIDENCE, DEFAULT_HISTORY, DEFAULT_LEVEL_EVIDENCE, DEFAULT_LEVELS, DEFAULT_SET, Source,
    built_in_name,
};

mod init;
pub use init::InitArgs;

mod robust;
pub use robust::{RobustnessArgs, WeightsArgs};

#[derive(Parser, Debug)]
#[command(
    name = "kaohe",
    version,
    about = "考核 — target-responsibility assessment: score units against a YAML indicator set",
    long_about = "考核 — target-responsibility assessment.\n\nReads an indicator set (YAML) and evidence (YAML, CSV, Excel), scores every unit in parallel, and writes ranked scorecards (JSON, CSV, Excel) and HTML reports with every point explained.\nWith no arguments, `kaohe assess` runs the shipped default: the demonstration-district assessment of eight Shenzhen districts and their 23 streets, with three years of history. In a project folder (one with indicators/sz-district.yaml, as `kaohe init` writes it) the default run reads the files there; elsewhere it runs the copy built into the binary. The first line on stderr says which."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Score every unit; write scorecards (JSON, CSV, Excel) and HTML reports (default: the shipped example).
    Assess(AssessArgs),
    /// Validate an indicator set and evidence without scoring; report every problem.
    Check(CheckArgs),
    /// Run rule test cases (YAML) and report which pass.
    Test(TestArgs),
    /// Decide pass/fail, titles, exemptions and next year's plan for the leading group
    /// (default: the shipped storyline's 2015 decision).
    Decide(crate::decide::cli::DecideArgs),
    /// Write an Excel evidence-entry workbook for an indicator set (instructions, one row per
    /// unit, validation, case ledger).
    Template(TemplateArgs),
    /// The full trace of one unit's score: every indicator's computation, every veto with its margin.
    Explain(ExplainArgs),
    /// Self-assessment (自查自评): points lost, values needed, path to the next grade, veto margins.
    SelfAssess(SelfAssessArgs),
    /// The 考核细则 of a set as a printable HTML page and a Word document (handbook.html,
    /// handbook.docx).
    Handbook(HandbookArgs),
    /// What changed between two versions of a set and, with evidence, which units it moves
    /// (diff.html, diff-changes.csv, diff-units.csv).
    Diff(DiffArgs),
    /// Design problems of a set, each at its line: unreachable maxima and grades, items that
    /// never lose points, overlapping or gapped step rows, vetoes that never (or always) fire,
    /// bonus caps, line maxima, items no evidence can score. `--strict` exits 1 on any.
    Lint(LintArgs),
    /// Write a ready-to-edit project folder (the shipped sets, evidence, history, policy, registry
    /// and a README), like `cargo new`; `cd DIR && kaohe assess` then scores the files there.
    Init(InitArgs),
    /// Whether an output folder is exactly what `kaohe assess` wrote (its manifest.json): every
    /// file there, unchanged, and nothing else. Exit 0 when it is, 1 when it is not.
    Verify(VerifyArgs),
    /// How sure each result and decision is: Monte Carlo over the set's declared uncertainty
    /// (`uncertainty:`), rank intervals, grade, veto and pass probabilities, decisions that may
    /// flip, and the inspection plan (抽查建议).
    Robustness(RobustnessArgs),
    /// Weights for rubric authors: AHP (with its consistency ratio), entropy (two named
    /// variants), CRITIC, standard deviation.
    Weights(WeightsArgs),
    /// Generate synthetic evidence for benchmarks: `kaohe generate villages 100000 --seed 1 -o
    /// villages.csv` writes villages for indicators/village.yaml (30 columns, ~1% blank cells),
    /// the same file for the same seed.
    Generate(GenerateArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generated {
    /// Villages for indicators/village.yaml.
    Villages,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// What to generate.
    #[arg(value_enum)]
    pub what: Generated,
    /// How many units.
    #[arg(value_name = "N")]
    pub n: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output CSV file.
    #[arg(long, short = 'o', default_value = "villages.csv", value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The output folder (with its manifest.json).
    #[arg(value_name = "OUT", default_value = "out")]
    pub dir: PathBuf,
    /// Language of the verdict and of each difference.
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

#[derive(clap::Args, Debug, Clone)]
pub struct TemplateArgs {
    /// Indicator set (YAML). Default: the shipped demonstration-district set.
    #[arg(long, short = 's', value_name = "FILE")]
    pub set: Option<PathBuf>,
    /// Units to pre-fill: a CSV, workbook or YAML file with id, name, class, peer_group,
    /// parent. Default with the shipped set: its districts.
    #[arg(long, short = 'u', value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Also fill in the values and cases the units file has (turns YAML or CSV evidence into a
    /// workbook).
    #[arg(long, requires = "units")]
    pub with_values: bool,
    /// Encoding of a CSV units file (see `assess --encoding`).
    #[arg(long, value_enum, default_value = "auto", value_name = "ENCODING")]
    pub encoding: read::csv::TextEncoding,
    /// Output workbook.
    #[arg(
        long,
        short = 'o',
        default_value = "template.xlsx",
        value_name = "FILE"
    )]
    pub out: PathBuf,
    /// Language of the workbook's sheet names, headings, notes, instructions and validation
    /// messages (the set's names stay as written; either reads back alike).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Indicator set (YAML). Default: the shipped demonstration-district set.
    #[arg(long, short = 's', value_name = "FILE")]
    pub set: Option<PathBuf>,
    /// Evidence files or folders (.yaml, .yml, .csv, .tsv, .xlsx, .xls, .ods). Default: the
    /// shipped fixtures.
    #[arg(value_name = "EVIDENCE")]
    pub evidence: Vec<PathBuf>,
    /// Encoding of CSV evidence; by default UTF-8, UTF-16 with a BOM, or plain GB2312/GBK
    /// text are recognised and anything else is an error asking for this option.
    #[arg(long, value_enum, default_value = "auto", value_name = "ENCODING")]
    pub encoding: read::csv::TextEncoding,
}

#[derive(clap::Args, Debug, Clone)]
pub struct AssessArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Do not print the ranked table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Indicator sets of other levels assessed in the same run (e.g. the streets under the
    /// districts); each scores its own kind of unit and is written to `OUT/<set id>/`.
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Scorecards of earlier years (`scorecard.json`), for `last.x`, `mean3.x`, `change.x` and
    /// year-over-year comparison.
    #[arg(long, value_name = "SCORECARD", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Language of the HTML reports' fixed labels.
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::report::Lang,
    /// Do not write the HTML reports (index.html, units/*.html).
    #[arg(long)]
    pub no_html: bool,
    /// Write into an output folder that holds files kaohe did not write (they are kept).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub sizing: OutputSizing,
}

/// Units up to which a run writes everything by default: every unit fully explained in
/// `scorecard.json`, the 通报 (`notice.docx`, a table row per unit) and a report per unit.
/// Above it, the ranked CSV, the workbook and `summary.json`, and the rest on request
/// (`--detail full`, `--reports …`).
pub const LARGE_RUN: usize = crate::output::LARGE_RUN;

/// What `assess` writes for each unit, sized to the run.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputSizing {
    /// `full`: scorecard.json with every unit fully explained (reasons, inputs, cases) and
    /// notice.docx (the 通报, a row per unit); `summary`: neither (summary.json, scorecard.csv
    /// and scorecard.xlsx only; an earlier year's `--history` needs a full one). Default: full
    /// up to 10,000 units, summary above.
    #[arg(long, value_enum, value_name = "full|summary")]
    pub detail: Option<Detail>,
    /// Which unit reports to write (units/<id>.html): `all`, `vetoed`, `none` (index.html only)
    /// or unit ids, comma-separated. Default: all up to 10,000 units; above that no HTML unless
    /// asked.
    #[arg(long, value_name = "all|vetoed|none|ID,…", value_delimiter = ',')]
    pub reports: Option<Vec<String>>,
    /// Write scorecard.xlsx above 10,000 units too (up to Excel's 1,048,576 rows); by default a
    /// larger run writes the ranked CSV and summary.json only.
    #[arg(long)]
    pub xlsx: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    Full,
    Summary,
}

/// Which unit reports a level writes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reports {
    /// No HTML at all (`--no-html`, or a large run that did not ask).
    NoHtml,
    All,
    Vetoed,
    /// These unit ids (`none`: the index only).
    Ids(Vec<String>),
}

impl OutputSizing {
    /// Whether a level of `units` units gets a workbook by default or on request (`--xlsx`);
    /// never above a sheet's rows.
    fn xlsx(&self, units: usize) -> bool {
        units <= output::xlsx::MAX_UNITS && (self.xlsx || units <= LARGE_RUN)
    }

    /// Whether a run of about `units` units writes only what a run in pieces writes: the
    /// ranked CSV and summary.json (no explained JSON, workbook or HTML).
    fn pieces(&self, no_html: bool, units: usize) -> bool {
        !self.full(units) && !self.xlsx(units) && self.reports(no_html, units) == Reports::NoHtml
    }

    /// Whether a level of `units` units gets the outputs of every unit in full: the
    /// explained `scorecard.json` and `notice.docx`.
    fn full(&self, units: usize) -> bool {
        match self.detail {
            Some(d) => d == Detail::Full,
            None => units <= LARGE_RUN,
        }
    }

    fn reports(&self, no_html: bool, units: usize) -> Reports {
        if no_html {
            return Reports::NoHtml;
        }
        let Some(list) = &self.reports else {
            return if units <= LARGE_RUN {
                Reports::All
            } else {
                Reports::NoHtml
            };
        };
        match list
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["all"] => Reports::All,
            ["vetoed"] => Reports::Vetoed,
            ["none"] => Reports::Ids(Vec::new()),
            ids => Reports::Ids(ids.iter().map(|s| s.to_string()).collect()),
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Indicator sets of other levels of the same run (see `assess --level`).
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Earlier scorecards (see `assess --history`).
    #[arg(long, value_name = "SCORECARD", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Treat incomplete evidence (a unit not complete: 待补充, 待核实, 无佐证) as an error
    /// (exit 1) instead of a warning.
    #[arg(long)]
    pub strict: bool,
    /// Language of the messages' own words (the set's and units' names stay as written).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Test-case files or folders. Default: `tests/cases`.
    #[arg(value_name = "CASES")]
    pub paths: Vec<PathBuf>,
}

/// Run the CLI with the process arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}

/// `--history` takes several files after one flag (`--history history/*.json`), so evidence
/// named after them lands in the history list: an evidence file (by its extension) there goes
/// back to the evidence, in order. Scorecards are `.json` files or folders of them.
pub fn history_then_evidence(history: &mut Vec<PathBuf>, evidence: &mut Vec<PathBuf>) {
    let is_evidence = |p: &PathBuf| {
        p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            [
                "yaml", "yml", "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods",
            ]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
        })
    };
    let (moved, kept): (Vec<PathBuf>, Vec<PathBuf>) = history.drain(..).partition(is_evidence);
    *history = kept;
    evidence.extend(moved);
}

/// `1 line`, `2 lines`, `1 veto`, `3 vetoes`: an English count with its noun's plural.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        return format!("1 {noun}");
    }
    let plural = if noun.ends_with('o') || noun.ends_with('s') || noun.ends_with('x') {
        format!("{noun}es")
    } else if let Some(stem) = noun
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{noun}s")
    };
    format!("{n} {plural}")
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let (name, result) = match cli.command {
        Command::Assess(mut a) => {
            history_then_evidence(&mut a.history, &mut a.input.evidence);
            ("assess", assess(&a))
        }
        Command::Check(mut a) => {
            history_then_evidence(&mut a.history, &mut a.input.evidence);
            ("check", check(&a))
        }
        Command::Test(a) => ("test", test(&a)),
        Command::Template(a) => ("template", template(&a)),
        Command::Decide(a) => ("decide", crate::decide::cli::run(&a)),
        Command::Explain(mut a) => {
            history_then_evidence(&mut a.history, &mut a.input.evidence);
            ("explain", explain(&a))
        }
        Command::SelfAssess(mut a) => {
            history_then_evidence(&mut a.history, &mut a.input.evidence);
            ("self-assess", self_assess(&a))
        }
        Command::Handbook(a) => ("handbook", rubric::handbook(&a)),
        Command::Diff(a) => ("diff", rubric::diff(&a)),
        Command::Lint(mut a) => {
            history_then_evidence(&mut a.history, &mut a.evidence);
            ("lint", rubric::lint(&a))
        }
        Command::Verify(a) => ("verify", verify(&a)),
        Command::Init(a) => ("init", init::init(&a)),
        Command::Robustness(a) => ("robustness", robust::robustness(&a)),
        Command::Weights(a) => ("weights", robust::weights(&a)),
        Command::Generate(a) => ("generate", generate(&a)),
    };
    result.unwrap_or_else(|e| failed(&e.context(format!("kaohe {name}"))))
}

/// The command line names something the input does not have (exit 65, like invalid input).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadRequest(String);

/// How a failed command ends. Invalid input — [`Diagnostics`], an unknown unit — exits 65; the
/// diagnostics are printed exactly as they are (they name their files and places), other input
/// errors as one `error:` line with the command. Anything else exits 70 with what was being done:
/// `error: kaohe assess: writing the HTML reports into out: …`.
fn failed(e: &anyhow::Error) -> ExitCode {
    if let Some(d) = e.downcast_ref::<Diagnostics>() {
        eprintln!("{}", crate::exit::printable(&d.to_string()));
        return ExitCode::from(EXIT_INVALID_INPUT);
    }
    eprintln!("error: {}", crate::exit::printable(&causes(e)));
    use crate::output::publish::PublishError;
    let invalid = e.downcast_ref::<crate::explain::ExplainError>().is_some()
        || e.downcast_ref::<BadRequest>().is_some()
        || matches!(
            e.downcast_ref::<PublishError>(),
            Some(
                PublishError::Foreign { .. }
                    | PublishError::NotAFolder(_)
                    | PublishError::HoldsCurrent { .. }
                    | PublishError::HoldsInput { .. }
            )
        );
    ExitCode::from(if invalid {
        EXIT_INVALID_INPUT
    } else {
        EXIT_INTERNAL
    })
}

/// An error and its causes, outermost first, joined by `: `; a cause whose text its parent
/// already ends with (`cannot write out/x.csv: Permission denied`) is not repeated.
fn causes(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Load the set and evidence the arguments name (or the embedded default).
pub fn load_inputs(args: &InputArgs) -> Result<(IndicatorSet, evidence::Evidence), Diagnostics> {
    let set = match &args.set {
        Some(p) => load_set_file(p),
        None => load_set_str(&built_in_name(DEFAULT_SET.0), DEFAULT_SET.1),
    };
    // A plain wide CSV goes straight into the set's slots; anything else (or any problem in
    // it) is read the general way, which reports every problem.
    let set = match set {
        Ok(s) if !args.evidence.is_empty() => {
            match read::fast::wide_csv(&s, &args.evidence, args.encoding) {
                Some(ev) => return Ok((s, ev)),
                None => Ok(s),
            }
        }
        other => other,
    };
    let (read, read_problems) = if args.evidence.is_empty() {
        if args.set.is_some() {
            return Err(Diagnostics::new(vec![crate::diag::Diagnostic::file(
                "evidence",
                "no evidence given: name the evidence files or folders after the options",
            )]));
        }
        let mut r = ReadEvidence::default();
        let mut d = Vec::new();
        read::yaml::read_yaml(
            &built_in_name(DEFAULT_EVIDENCE.0),
            DEFAULT_EVIDENCE.1,
            &mut r,
            &mut d,
        );
        (r, d)
    } else {
        read::files::read_paths_with(&args.evidence, read_options(args))
    };
    match set {
        Ok(set) => {
            let ev = bind::bind_partial(&set, read, read_problems)?;
            Ok((set, ev))
        }
        Err(a) => Err(Diagnostics::new(
            a.0.into_iter().chain(read_problems).collect(),
        )),
    }
}

fn read_options(args: &InputArgs) -> read::files::ReadOptions {
    read::files::ReadOptions {
        encoding: args.encoding,
    }
}

/// The spinner every command's progress shows: a message and the time taken.
fn spinner_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

/// A spinner on stderr naming the current phase; hidden when stderr is not a terminal.
fn progress() -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(spinner_style());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// The indicator sets of one run, bound to the evidence, in scoring order (lower levels first).
pub struct Run {
    pub levels: Vec<(IndicatorSet, evidence::Evidence)>,
    /// Index in `levels` of the primary set (written to the output folder itself).
    pub primary: usize,
    pub history: Vec<crate::result::Assessment>,
}

/// Read earlier scorecards.
pub fn load_history(paths: &[PathBuf]) -> Result<Vec<crate::result::Assessment>, Diagnostics> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            v.retain(|f| f.extension().is_some_and(|x| x == "json"));
            v.sort();
            files.extend(v);
        } else {
            files.push(p.clone());
        }
    }
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for p in &files {
        let file = p.display().to_string();
        match std::fs::read(p) {
            Err(e) => diags.push(crate::diag::Diagnostic::file(
                &file,
                format!("cannot read: {e}"),
            )),
            Ok(bytes) => match serde_json::from_slice::<crate::result::Assessment>(&bytes) {
                Ok(a) if a.schema.starts_with("kaohe.scorecard/") => out.push(a),
                Ok(a) => diags.push(crate::diag::Diagnostic::file(
                    &file,
                    format!("not a kaohe scorecard (schema `{}`)", a.schema),
                )),
                Err(e) => diags.push(crate::diag::Diagnostic::at(
                    &file,
                    e.line() as u64,
                    e.column() as u64,
                    format!("not a kaohe scorecard: {e}"),
                )),
            },
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics::new(diags))
    }
}

/// Load every set of a run and bind the evidence to each.
pub fn load_run(args: &AssessArgs) -> Result<Run, Diagnostics> {
    if is_default_run(args) {
        return default_full_run();
    }
    if args.levels.is_empty() {
        let (set, ev) = load_inputs(&args.input)?;
        let history = load_history(&args.history)?;
        return Ok(Run {
            levels: vec![(set, ev)],
            primary: 0,
            history,
        });
    }
    let mut diags = Vec::new();
    let mut sets = Vec::new();
    let primary = match &args.input.set {
        Some(p) => load_set_file(p),
        None => load_set_str(&built_in_name(DEFAULT_SET.0), DEFAULT_SET.1),
    };
    let primary_loaded = primary.is_ok();
    match primary {
        Ok(s) => sets.push(s),
        Err(d) => diags.extend(d.0),
    }
    for p in &args.levels {
        match load_set_file(p) {
            Ok(s) => sets.push(s),
            Err(d) => diags.extend(d.0),
        }
    }
    let (read, read_problems) = if args.input.evidence.is_empty() && args.input.set.is_none() {
        let mut r = ReadEvidence::default();
        let mut d = Vec::new();
        read::yaml::read_yaml(
            &built_in_name(DEFAULT_EVIDENCE.0),
            DEFAULT_EVIDENCE.1,
            &mut r,
            &mut d,
        );
        (r, d)
    } else {
        read::files::read_paths_with(&args.input.evidence, read_options(&args.input))
    };
    let history = match load_history(&args.history) {
        Ok(h) => h,
        Err(d) => {
            diags.extend(d.0);
            Vec::new()
        }
    };
    if !diags.is_empty() {
        diags.extend(read_problems);
        return Err(Diagnostics::new(diags));
    }
    diags.extend(level_folder_problems(
        &sets[usize::from(primary_loaded).min(sets.len())..],
    ));
    // Each kind is scored by one set.
    for (i, a) in sets.iter().enumerate() {
        for b in &sets[..i] {
            if a.unit_kind().id == b.unit_kind().id {
                diags.push(crate::diag::Diagnostic::file(
                    &a.file,
                    format!(
                        "sets `{}` and `{}` both score units of kind `{}`; a run has one set per kind",
                        b.id,
                        a.id,
                        a.unit_kind().id
                    ),
                ));
            }
        }
    }
    // Lower levels first: a set that aggregates a kind scored by another set runs after it.
    let n = sets.len();
    let depends = |a: usize, b: usize| {
        sets[a].kinds[1..]
            .iter()
            .any(|k| k.id == sets[b].unit_kind().id)
    };
    let mut order: Vec<usize> = Vec::new();
    let mut placed = vec![false; n];
    while order.len() < n {
        let Some(next) =
            (0..n).find(|&a| !placed[a] && (0..n).all(|b| b == a || placed[b] || !depends(a, b)))
        else {
            diags.push(crate::diag::Diagnostic::file(
                &sets[0].file,
                "the sets of this run aggregate over each other's units in a cycle",
            ));
            break;
        };
        placed[next] = true;
        order.push(next);
    }
    let run_kinds = bind::RunKinds::new(sets.iter());
    let mut bound = Vec::new();
    let mut problems = read_problems;
    for &i in &order {
        match bind::bind_in_run(&sets[i], read.clone(), Some(&run_kinds)) {
            Ok(ev) => bound.push((i, ev)),
            Err(d) => problems.extend(d.0),
        }
    }
    problems.extend(diags);
    if !problems.is_empty() {
        return Err(Diagnostics::new(problems));
    }
    let mut slots: Vec<Option<IndicatorSet>> = sets.into_iter().map(Some).collect();
    let primary = order.iter().position(|&i| i == 0).unwrap_or(0);
    let levels = bound
        .into_iter()
        .filter_map(|(i, ev)| slots[i].take().map(|s| (s, ev)))
        .collect();
    Ok(Run {
        levels,
        primary,
        history,
    })
}

/// The shipped default run: the districts and their streets, with three years of history.
fn default_full_run() -> Result<Run, Diagnostics> {
    let mut sets = vec![load_set_str(&built_in_name(DEFAULT_SET.0), DEFAULT_SET.1)?];
    for (name, text) in DEFAULT_LEVELS {
        sets.push(load_set_str(&built_in_name(name), text)?);
    }
    let mut read = ReadEvidence::default();
    let mut problems = Vec::new();
    read::yaml::read_yaml(
        &built_in_name(DEFAULT_EVIDENCE.0),
        DEFAULT_EVIDENCE.1,
        &mut read,
        &mut problems,
    );
    for (name, text) in DEFAULT_LEVEL_EVIDENCE {
        read::yaml::read_yaml(&built_in_name(name), text, &mut read, &mut problems);
    }
    let mut history = Vec::new();
    for (name, text) in DEFAULT_HISTORY {
        match serde_json::from_str::<crate::result::Assessment>(text) {
            Ok(a) => history.push(a),
            Err(e) => problems.push(crate::diag::Diagnostic::at(
                &built_in_name(name),
                e.line() as u64,
                e.column() as u64,
                format!("not a kaohe scorecard: {e}"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics::new(problems));
    }
    let run_kinds = bind::RunKinds::new(sets.iter());
    // Streets first: the districts read their results.
    let street = bind::bind_in_run(&sets[1], read.clone(), Some(&run_kinds))?;
    let district = bind::bind_in_run(&sets[0], read, Some(&run_kinds))?;
    let mut it = sets.into_iter();
    let (Some(d), Some(s)) = (it.next(), it.next()) else {
        return Err(Diagnostics::new(Vec::new()));
    };
    Ok(Run {
        levels: vec![(s, street), (d, district)],
        primary: 1,
        history,
    })
}

/// Score every level of a run, lower levels first.
pub fn assess_run(run: &Run) -> Result<Vec<crate::result::Assessment>, Diagnostics> {
    let mut done: Vec<crate::result::Assessment> = Vec::new();
    for (set, ev) in &run.levels {
        let a = crate::engine::assess_run(set, ev, &run.history, &done)?;
        done.push(a);
    }
    Ok(done)
}

/// Stage one level's scorecards in `dir` (renamed into place when the run commits): the
/// ranked CSV, the workbook unless the level has more units than a sheet has rows
/// (`xlsx: false`), the fully explained JSON and the 通报 when `full`; `summary` says what was written
/// and is written last. Returns the file names.
fn write_level(
    dir: &Path,
    a: &crate::result::Assessment,
    stage: &output::Staging,
    full: bool,
    xlsx: bool,
    mut summary: output::Summary<'_>,
    lang: crate::lang::Lang,
) -> Result<Vec<String>, output::WriteError> {
    let mut written = Vec::new();
    let csv = output::inside(dir, Path::new("scorecard.csv"))?;
    stage.write(&csv, &output::scorecard_csv_in(a, lang)?)?;
    written.push(csv.display().to_string());
    if xlsx {
        let path = output::inside(dir, Path::new("scorecard.xlsx"))?;
        stage.write(&path, &output::xlsx::scorecard_xlsx_in(a, lang)?)?;
        written.push(path.display().to_string());
    }
    if full {
        // A table row per unit: beyond a large run's size it is no document to print and sign.
        let path = output::inside(dir, Path::new("notice.docx"))?;
        let bytes =
            output::notice::notice_docx_in(a, lang).map_err(|e| output::WriteError::Encode {
                what: "notice.docx",
                message: e.to_string(),
            })?;
        stage.write(&path, &bytes)?;
        written.push(path.display().to_string());
        // Streamed: at country scale it is gigabytes.
        let json = output::inside(dir, Path::new("scorecard.json"))?;
        stage.write_with(&json, |w| output::write_scorecard_json(w, a))?;
        written.push(json.display().to_string());
    }
    summary.scorecard_json = full;
    summary.notice_docx = full;
    summary.scorecard_xlsx = xlsx;
    let path = output::inside(dir, Path::new("summary.json"))?;
    stage.write(&path, &summary.to_json()?)?;
    written.push(path.display().to_string());
    Ok(written)
}

/// The manifest entries of the run's sets and evidence files (the embedded default's texts
/// under their names).
fn run_inputs(
    args: &AssessArgs,
    results: &[crate::result::Assessment],
    primary: usize,
) -> anyhow::Result<(
    Vec<output::manifest::SetEntry>,
    Vec<output::manifest::FileEntry>,
)> {
    run_inputs_hashed(args, results, primary, None)
}

/// [`run_inputs`], with the SHA-256 and length of the one evidence file when the caller has
/// them already (`read`, from reading it).
fn run_inputs_hashed(
    args: &AssessArgs,
    results: &[crate::result::Assessment],
    primary: usize,
    read: Option<(String, u64)>,
) -> anyhow::Result<(
    Vec<output::manifest::SetEntry>,
    Vec<output::manifest::FileEntry>,
)> {
    use output::manifest::{FileEntry, SetEntry, hash_bytes, hash_file};
    let order = std::iter::once(primary).chain((0..results.len()).filter(|&i| i != primary));
    let sets = order
        .filter_map(|i| results.get(i))
        .map(|a| SetEntry {
            id: a.indicator_set.id.clone(),
            version: a.indicator_set.version.clone(),
            sha256: a.indicator_set.hash.clone(),
        })
        .collect();
    let mut evidence = Vec::new();
    if args.input.evidence.is_empty() {
        let embedded = std::iter::once(DEFAULT_EVIDENCE).chain(DEFAULT_LEVEL_EVIDENCE);
        for (name, text) in embedded {
            let (sha256, bytes) = hash_bytes(text.as_bytes());
            evidence.push(FileEntry {
                path: built_in_name(name),
                sha256,
                bytes,
            });
        }
    }
    let files = read::files::evidence_files(&args.input.evidence);
    let known = read.filter(|_| files.len() == 1);
    for f in files {
        let (sha256, bytes) = match &known {
            Some(k) => k.clone(),
            None => {
                hash_file(&f).with_context(|| format!("hashing the evidence {}", f.display()))?
            }
        };
        evidence.push(FileEntry {
            path: f.display().to_string(),
            sha256,
            bytes,
        });
    }
    Ok((sets, evidence))
}

/// Whether `args` name no input at all: the shipped default run.
fn is_default_run(args: &AssessArgs) -> bool {
    args.input.set.is_none()
        && args.input.evidence.is_empty()
        && args.levels.is_empty()
        && args.history.is_empty()
}

/// The run `args` ask for, and for a default run the line saying what it reads: in a project
/// folder the shipped files on disk, named as [`shipped::assess_command`] names them (so the
/// stamped names and hashes are theirs); elsewhere the built-in copy (`args` unchanged).
pub fn resolve_default(args: &AssessArgs) -> (AssessArgs, Option<String>) {
    let mut args = args.clone();
    if args.input.set.is_some() {
        return (args, None);
    }
    let source = Source::find();
    if is_default_run(&args) {
        if source == Source::Project {
            let files = shipped::assess_files();
            args.input.set = Some(files.set);
            args.input.evidence = files.evidence;
            args.levels = files.levels;
            args.history = files.history;
        }
        let notice = source.notice_in(&shipped::assess_paths(), args.lang);
        return (args, Some(notice));
    }
    // Only the set is the shipped one (and the shipped districts when no evidence is named).
    let mut files = vec![DEFAULT_SET.0];
    let default_evidence = args.input.evidence.is_empty();
    if default_evidence {
        files.push(DEFAULT_EVIDENCE.0);
    }
    if source == Source::Project {
        args.input.set = Some(PathBuf::from(DEFAULT_SET.0));
        if default_evidence {
            args.input.evidence = vec![PathBuf::from(DEFAULT_EVIDENCE.0)];
        }
    }
    let notice = source.notice_in(&files, args.lang);
    (args, Some(notice))
}

/// Print the line saying what a default run reads (stderr: stdout stays the command's own).
fn announce(notice: Option<&str>) {
    if let Some(n) = notice {
        eprintln!("{n}");
    }
}

fn assess(args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let (args, notice) = resolve_default(args);
    let args = &args;
    if !args.quiet {
        announce(notice.as_deref());
    }
    let pb = progress();
    if args.quiet {
        pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    if let Some(done) = in_pieces(args, &pb) {
        pb.finish_and_clear();
        let (summary, written) = done?;
        if !args.quiet {
            crate::out!("{summary}");
            match args.lang {
                crate::report::Lang::Zh => crate::outln!("已写入 {}", written.join("、")),
                crate::report::Lang::En => crate::outln!("wrote {}", written.join(", ")),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let done = score_and_write(args, &pb);
    pb.finish_and_clear();
    let (results, primary, written) = done?;
    if !args.quiet {
        // The primary level first, then the others.
        let order = std::iter::once(primary).chain((0..results.len()).filter(|&i| i != primary));
        for (k, i) in order.enumerate() {
            if k > 0 {
                crate::outln!();
            }
            crate::out!("{}", output::terminal_table_in(&results[i], args.lang));
        }
        match args.lang {
            crate::report::Lang::Zh => crate::outln!("已写入 {}", written.join("、")),
            crate::report::Lang::En => crate::outln!("wrote {}", written.join(", ")),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A large run scored in pieces ([`crate::stream`]) when it can be one: one set, one plain CSV
/// of more than [`LARGE_RUN`] rows, no history or other levels, and only the outputs such a run
/// writes (the ranked CSV and summary.json). `None`: the whole-run path is taken (also when the
/// file turns out to be one the fast reader does not read); otherwise what to print (the summary
/// lines) and the files written.
fn in_pieces(
    args: &AssessArgs,
    pb: &indicatif::ProgressBar,
) -> Option<anyhow::Result<(String, Vec<String>)>> {
    let ([path], Some(set_path)) = (args.input.evidence.as_slice(), &args.input.set) else {
        return None;
    };
    if !args.levels.is_empty() || !args.history.is_empty() {
        return None;
    }
    // Counted only as far as the sizing looks (a million rows are not read twice).
    let cap = if args.sizing.xlsx {
        output::xlsx::MAX_UNITS + 1
    } else {
        LARGE_RUN + 1
    };
    let rows = data_rows(path, cap)?;
    // The run in pieces writes the Chinese CSV; an English run is scored whole.
    if !args.sizing.pieces(args.no_html, rows) || args.lang.en() {
        return None;
    }
    // A set with errors is reported by the whole-run path, with the evidence's problems.
    let set = crate::load::load_set_file(set_path).ok()?;
    let shell = crate::engine::shell(&set, None);
    let mut summary = output::Summary::empty(&shell);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {wide_bar} {bytes}/{total_bytes} [{elapsed}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb.set_message(if rows < cap {
        format!("读取并评分 {} 个单位", output::thousands(rows))
    } else {
        "读取并评分".to_string()
    });
    let outcome = crate::stream::score_in_pieces(
        &set,
        &args.input.evidence,
        args.input.encoding,
        &shell,
        &mut summary,
        crate::stream::PIECE_ROWS,
        &|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        },
    );
    let table = match outcome {
        Ok(crate::stream::Outcome::Ranked(t)) if t.len().min(cap) == rows => t,
        Ok(_) => {
            pb.set_style(spinner_style());
            return None;
        }
        Err(crate::stream::StreamError::Scoring(d)) => return Some(Err(d.into())),
        Err(crate::stream::StreamError::Write(e)) => return Some(Err(e.into())),
    };
    if !args.quiet {
        eprintln!(
            "注意:`{}` 有 {} 个单位(多于 {}),分批读取评分,只写 scorecard.csv 与 summary.json;需要时用 --detail full、--xlsx、--reports",
            set.id,
            output::thousands(table.len()),
            output::thousands(LARGE_RUN)
        );
    }
    pb.set_style(spinner_style());
    pb.set_message("写出评分表");
    Some(write_pieces(args, &shell, &table, summary))
}

/// The rows of data in a plain CSV: its lines but the header (a last line without a line end
/// counted), at most `cap` (counting stops there); `None` when it is not a regular
/// `.csv`/`.tsv`/`.txt` file within the size limit or cannot be read. A pipe or a device is never opened here (it could block or never end): the
/// whole-run path refuses it with its error.
fn data_rows(path: &Path, cap: usize) -> Option<usize> {
    use std::io::Read as _;
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let meta = std::fs::metadata(path).ok()?;
    if !matches!(ext.as_str(), "csv" | "tsv" | "txt")
        || !meta.is_file()
        || meta.len() > crate::read::files::MAX_FILE_BYTES
    {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut lines, mut last) = (0usize, b'\n');
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
        last = buf[n - 1];
        // The header and `cap` rows, and a line begun after them.
        if lines > cap + 1 {
            return Some(cap);
        }
    }
    Some(
        (lines + usize::from(last != b'\n'))
            .saturating_sub(1)
            .min(cap),
    )
}

/// The outputs of a run in pieces: the ranked CSV and summary.json, published as a whole like
/// every run's; the summary lines to print and the files written.
fn write_pieces(
    args: &AssessArgs,
    shell: &crate::result::Assessment,
    table: &crate::stream::Table,
    mut summary: output::Summary<'_>,
) -> anyhow::Result<(String, Vec<String>)> {
    // Hashed as it was read: the file is not read again.
    let read = table
        .evidence
        .map(|(sha, bytes)| (output::hex(&sha), bytes));
    let (sets, evidence) = run_inputs_hashed(args, std::slice::from_ref(shell), 0, read)?;
    let publish = output::publish::Publish::begin(&args.out, args.force, || {
        crate::exit::waiting_for(&args.out)
    })
    .with_context(|| format!("writing into the output folder {}", args.out.display()))?;
    let root = publish.dir().to_path_buf();
    let csv = output::inside(&root, Path::new("scorecard.csv"))?;
    publish.stage.write_with(&csv, |w| {
        table.write_csv(w).map_err(|source| output::WriteError::Io {
            path: csv.clone(),
            source,
        })
    })?;
    summary.scorecard_json = false;
    summary.notice_docx = false;
    summary.scorecard_xlsx = false;
    summary.unit_reports = 0;
    let sum = output::inside(&root, Path::new("summary.json"))?;
    publish.stage.write(&sum, &summary.to_json()?)?;
    let line = summary.line();
    let written = [&csv, &sum]
        .iter()
        .map(|p| publish.published(p).display().to_string())
        .collect();
    publish
        .commit(sets, evidence, Vec::new())
        .with_context(|| format!("replacing the outputs in {}", args.out.display()))?;
    Ok((line, written))
}

/// What each level of `run` writes, decided before any scoring so that nothing is scored for an
/// output that cannot be written: per level whether the workbook is written (left out for a
/// level with more units than a sheet has rows; the CSV has them all) and which unit reports;
/// report ids no level scores are refused.
fn outputs_per_level(args: &AssessArgs, run: &Run) -> anyhow::Result<(Vec<bool>, Vec<Reports>)> {
    let mut xlsx = Vec::new();
    let mut reports = Vec::new();
    for (set, ev) in &run.levels {
        let units = ev.scored.len();
        let fits = args.sizing.xlsx(units);
        if units > output::xlsx::MAX_UNITS {
            eprintln!(
                "注意:`{}` 有 {units} 个单位,超过 Excel 工作表 1,048,576 行的上限,不写 scorecard.xlsx;完整排名见 scorecard.csv",
                set.id
            );
        } else if !fits && !args.quiet {
            eprintln!(
                "注意:`{}` 有 {units} 个单位(多于 {LARGE_RUN}),不写 scorecard.xlsx;需要时用 --xlsx",
                set.id
            );
        }
        xlsx.push(fits);
        let r = args.sizing.reports(args.no_html, units);
        if let Reports::Ids(ids) = &r {
            // An id is refused when no level scores it (with several levels, each level
            // writes the reports of the ids among its own units).
            let known: std::collections::HashSet<&str> = run
                .levels
                .iter()
                .flat_map(|(_, ev)| ev.scored.iter().map(|&i| ev.units[i].id.as_str()))
                .collect();
            let unknown: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| !known.contains(id))
                .collect();
            if !unknown.is_empty() {
                let sets: Vec<String> = run
                    .levels
                    .iter()
                    .map(|(s, _)| format!("`{}`", s.id))
                    .collect();
                return Err(BadRequest(format!(
                    "--reports: no unit {} in the evidence of {}",
                    unknown.join(", "),
                    sets.join(", ")
                ))
                .into());
            }
        }
        if r == Reports::NoHtml && !args.no_html && !args.quiet {
            eprintln!(
                "注意:`{}` 有 {units} 个单位(多于 {LARGE_RUN}),不写 HTML 报告;需要时用 --reports all、vetoed 或单位代码",
                set.id
            );
        }
        reports.push(r);
    }
    Ok((xlsx, reports))
}

/// `assess` up to what it prints: load, score and write every level; the assessments, the index
/// of the primary one and the files written.
fn score_and_write(
    args: &AssessArgs,
    pb: &indicatif::ProgressBar,
) -> anyhow::Result<(Vec<crate::result::Assessment>, usize, Vec<String>)> {
    pb.set_message("读取指标体系与佐证材料");
    let run = load_run(args)?;
    let n: usize = run.levels.iter().map(|(_, ev)| ev.scored.len()).sum();
    let (xlsx, reports) = outputs_per_level(args, &run)?;
    pb.set_message(format!("评分 {n} 个单位"));
    let results = assess_run(&run)?;
    pb.set_message("写出评分表");
    let (sets, evidence) = run_inputs(args, &results, run.primary)?;
    // The run's files go into a new folder beside the output folder, which then replaces the
    // previous run's folder as a whole (`output::publish`).
    // Never the current folder, nor a folder holding what this run read.
    let read: Vec<PathBuf> = (args
        .input
        .set
        .iter()
        .chain(&args.levels)
        .chain(&args.history))
    .cloned()
    .chain(evidence.iter().map(|e| PathBuf::from(&e.path)))
    .collect();
    output::publish::check_own_folder(&args.out, &read)
        .with_context(|| format!("writing into the output folder {}", args.out.display()))?;
    let publish = output::publish::Publish::begin(&args.out, args.force, || {
        crate::exit::waiting_for(&args.out)
    })
    .with_context(|| format!("writing into the output folder {}", args.out.display()))?;
    let root = publish.dir().to_path_buf();
    // Every folder is proven to lie inside the output folder before the first file is written.
    let dirs = results
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == run.primary {
                Ok(root.clone())
            } else {
                output::inside(&root, Path::new(&a.indicator_set.id))
            }
        })
        .collect::<Result<Vec<PathBuf>, _>>()?;
    let mut written = Vec::new();
    // Every unit read, for the names of parents outside a level (the city, a street's district).
    let names: Vec<(String, String)> = run
        .levels
        .iter()
        .flat_map(|(_, ev)| ev.units.iter().map(|u| (u.id.clone(), u.name.clone())))
        .collect();
    for ((i, a), dir) in results.iter().enumerate().zip(dirs) {
        let shown = publish.published(&dir);
        let mut summary = output::Summary::new(a);
        // The unit reports this level writes (by index into `a.units`), known before the
        // scorecards so that summary.json can count them.
        let keep: Option<Vec<bool>> = match &reports[i] {
            Reports::NoHtml => None,
            which => Some(
                a.units
                    .iter()
                    .map(|u| match which {
                        Reports::All => true,
                        Reports::Vetoed => u.vetoed,
                        Reports::Ids(ids) => ids.contains(&u.id),
                        Reports::NoHtml => false,
                    })
                    .collect(),
            ),
        };
        summary.unit_reports = keep
            .as_ref()
            .map_or(0, |k| k.iter().filter(|&&k| k).count());
        let full = args.sizing.full(a.units.len());
        let files = write_level(&dir, a, &publish.stage, full, xlsx[i], summary, args.lang)
            .with_context(|| {
                format!(
                    "writing the scorecards of `{}` into {}",
                    a.indicator_set.id,
                    shown.display()
                )
            })?;
        written.extend(
            files
                .iter()
                .map(|f| publish.published(Path::new(f)).display().to_string()),
        );
        if let Some(keep) = keep {
            pb.set_message(format!(
                "写出考核报告 {} 份",
                keep.iter().filter(|&&k| k).count()
            ));
            let opts = crate::report::Options {
                lang: args.lang,
                previous: crate::report::previous_for(a, &run.history),
                names: &names,
            };
            crate::report::stage_reports_of(&dir, a, &opts, &publish.stage, &keep)
                .with_context(|| format!("writing the HTML reports into {}", shown.display()))?;
            written.push(shown.join("index.html").display().to_string());
        }
    }
    let replacing = || format!("replacing the outputs in {}", args.out.display());
    publish
        .commit(sets, evidence, Vec::new())
        .with_context(replacing)?;
    Ok((results, run.primary, written))
}

/// An error for every set of `levels` (the run's sets but the primary one) whose id cannot name its
/// output folder (`OUT/<set id>/`).
fn level_folder_problems(levels: &[IndicatorSet]) -> Vec<crate::diag::Diagnostic> {
    levels
        .iter()
        .filter_map(|s| {
            output::name_problem(&s.id).map(|why| {
                crate::diag::Diagnostic::file(
                    &s.file,
                    format!(
                        "set id `{}` cannot name the folder its outputs are written to (OUT/<set id>/): {why}",
                        s.id.escape_debug()
                    ),
                )
            })
        })
        .collect()
}

fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        Generated::Villages => output::write_atomic_with(&args.out, |w| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
            crate::bench::write_villages(&mut w, args.n, args.seed)
                .and_then(|()| std::io::Write::flush(&mut w))
                .map_err(|source| output::WriteError::Io {
                    path: args.out.clone(),
                    source,
                })
        })
        .with_context(|| format!("writing {}", args.out.display()))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let (m, diffs) = output::manifest::verify(&args.dir).map_err(|e| BadRequest(e.to_string()))?;
    let en = args.lang.en();
    if diffs.is_empty() {
        let sets = m
            .sets
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    s.id,
                    args.lang.pick("版本", "version"),
                    s.version
                )
            })
            .collect::<Vec<_>>()
            .join(args.lang.pick("、", ", "));
        if en {
            crate::outln!(
                "ok: {} is exactly what kaohe wrote ({}, {}; {sets})",
                args.dir.display(),
                counted(m.files.len(), "file"),
                m.engine
            );
        } else {
            crate::outln!(
                "ok: {} 与 kaohe 写出的完全一致({} 个文件,{};{sets})",
                args.dir.display(),
                m.files.len(),
                m.engine
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    for d in &diffs {
        crate::outln!("{}", d.in_lang(args.lang));
    }
    if en {
        crate::outln!(
            "{} differs from its manifest.json: {} (not what kaohe wrote)",
            args.dir.display(),
            counted(diffs.len(), "difference")
        );
        return Ok(ExitCode::from(crate::exit::EXIT_TESTS_FAILED));
    }
    crate::outln!(
        "{} 与 manifest.json 不一致:{} 处不同(not what kaohe wrote)",
        args.dir.display(),
        diffs.len()
    );
    Ok(ExitCode::from(crate::exit::EXIT_TESTS_FAILED))
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let run_args = AssessArgs {
        input: InputArgs {
            set: args.input.set.clone(),
            evidence: args.input.evidence.clone(),
            encoding: args.input.encoding,
        },
        out: PathBuf::from("out"),
        quiet: true,
        levels: args.levels.clone(),
        history: args.history.clone(),
        lang: args.lang,
        no_html: true,
        force: false,
        sizing: OutputSizing::default(),
    };
    let (run_args, notice) = resolve_default(&run_args);
    announce(notice.as_deref());
    let run = load_run(&run_args)?;
    for (set, ev) in &run.levels {
        crate::outln!(
            "ok: {} {} ({} {}): {}, {}, {}; {} ({} scored)",
            set.id,
            set.name,
            args.lang.pick("版本", "version"),
            set.version,
            counted(set.lines.len(), "line"),
            counted(set.indicators.len(), "indicator"),
            counted(set.vetoes.len(), "veto"),
            counted(ev.units.len(), "unit"),
            ev.scored.len()
        );
    }
    if !run.history.is_empty() {
        crate::outln!("ok: {}", counted(run.history.len(), "earlier scorecard"));
    }
    // Completeness, as a reporting-rate report: scored, so that a blank the unit's other values
    // make irrelevant is not counted.
    let mut incomplete = 0usize;
    for a in assess_run(&run)? {
        let report = crate::output::completeness_report_in(&a, 10, args.lang);
        incomplete += a
            .units
            .iter()
            .filter(|u| u.status != crate::result::UnitStatus::Complete)
            .count();
        crate::out!("{report}");
    }
    if incomplete > 0 && args.strict {
        eprintln!("error: {incomplete} units are not complete (--strict)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn test(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from("tests/cases")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for r in &roots {
        if r.is_dir() {
            files.extend(testcase::case_files(r));
        } else {
            files.push(r.clone());
        }
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for f in &files {
        for o in testcase::run_file(Path::new(f))? {
            if o.failures.is_empty() {
                passed += 1;
                crate::outln!("ok    {} :: {}", o.file, o.name);
            } else {
                failed += 1;
                crate::outln!("FAIL  {} :: {}", o.file, o.name);
                for x in &o.failures {
                    crate::outln!("        {x}");
                }
            }
        }
    }
    crate::outln!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(EXIT_TESTS_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn template(args: &TemplateArgs) -> anyhow::Result<ExitCode> {
    let mut args = args.clone();
    if args.set.is_none() {
        // The shipped set, and its districts unless units are named: the project folder's
        // files, or the built-in copy.
        let source = Source::find();
        let mut files = vec![DEFAULT_SET.0];
        if args.units.is_none() {
            files.push(DEFAULT_EVIDENCE.0);
        }
        announce(Some(&source.notice_in(&files, args.lang)));
        if source == Source::Project {
            args.set = Some(PathBuf::from(DEFAULT_SET.0));
            if args.units.is_none() {
                args.units = Some(PathBuf::from(DEFAULT_EVIDENCE.0));
            }
        }
    }
    let args = &args;
    let set = match &args.set {
        Some(p) => load_set_file(p)?,
        None => load_set_str(&built_in_name(DEFAULT_SET.0), DEFAULT_SET.1)?,
    };
    let units = match &args.units {
        Some(p) => {
            let opts = read::files::ReadOptions {
                encoding: args.encoding,
            };
            let read_units = || {
                let (r, d) = read::files::read_paths_with(std::slice::from_ref(p), opts);
                if d.is_empty() {
                    Ok(r)
                } else {
                    Err(Diagnostics::new(d))
                }
            };
            let r = read_units()?;
            if args.with_values {
                // Values are converted only when they are valid evidence for the set.
                read_units().and_then(|again| bind::bind(&set, again))?;
                r
            } else {
                // The units' kinds, classes, peer groups and parents are checked against the set
                // (an unknown class is an error, not a blank cell in the template).
                let list = crate::template::unit_list(r);
                bind::bind(&set, list.clone())?;
                list
            }
        }
        None if args.set.is_none() => {
            let mut r = ReadEvidence::default();
            let mut d = Vec::new();
            read::yaml::read_yaml(
                &built_in_name(DEFAULT_EVIDENCE.0),
                DEFAULT_EVIDENCE.1,
                &mut r,
                &mut d,
            );
            crate::template::unit_list(r)
        }
        None => ReadEvidence::default(),
    };
    let bytes = crate::template::template_xlsx_in(&set, &units, args.lang)
        .with_context(|| format!("building the evidence-entry workbook of `{}`", set.id))?;
    // The workbook is one file: its folder is locked as an output folder's is, and the name
    // must be a plain file name inside it.
    let (dir, name) = match (args.out.parent(), args.out.file_name()) {
        (Some(d), Some(n)) => (d, Path::new(n)),
        _ => (Path::new(""), args.out.as_path()),
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let unwritable = |source| output::WriteError::Io {
        path: args.out.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let _lock = output::lock_folder(dir, || crate::exit::waiting_for(dir))?;
    output::write_atomic(&output::inside(dir, name)?, &bytes)?;
    let (n_units, n_fields) = (
        units.units.len(),
        set.kinds.iter().map(|k| k.fields.len()).sum::<usize>(),
    );
    match args.lang {
        crate::lang::Lang::Zh => crate::outln!(
            "已写入填报模板 {}({n_units} 个单位,{n_fields} 项佐证数据)",
            args.out.display(),
        ),
        crate::lang::Lang::En => crate::outln!(
            "wrote the evidence-entry workbook {} ({}, {})",
            args.out.display(),
            crate::rules::count_en(n_units, "unit", "units"),
            crate::rules::count_en(n_fields, "evidence field", "evidence fields"),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

// ---- explain and self-assess ---------------------------------------------------------

/// Output form of `explain` and `self-assess`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// Unit id (e.g. `yantian`).
    #[arg(value_name = "UNIT")]
    pub unit: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Indicator sets of other levels assessed in the same run, as for `assess --level`.
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Scorecards of earlier years (`scorecard.json`), as for `assess --history`.
    #[arg(long, value_name = "SCORECARD", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Terminal text or JSON (schema kaohe.explain/1, see docs/explain.md).
    #[arg(long, value_enum, default_value = "text")]
    pub format: TraceFormat,
    /// Language of the text's fixed words (headings, labels, veto tags).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::report::Lang,
}

#[derive(clap::Args, Debug)]
pub struct SelfAssessArgs {
    /// Unit id; with `--under`, the parent whose scored units are all self-assessed.
    #[arg(value_name = "UNIT")]
    pub unit: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Self-assess every scored unit under UNIT (its descendants) instead of UNIT itself.
    #[arg(long)]
    pub under: bool,
    /// Output folder for self-assessment.html (one file per unit: <unit>-self-assessment.html with --under).
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Do not write the HTML report.
    #[arg(long)]
    pub no_html: bool,
    /// Indicator sets of other levels assessed in the same run, as for `assess --level`.
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Scorecards of earlier years (`scorecard.json`), as for `assess --history`; last year's
    /// evidence layers give the inspection risk.
    #[arg(long, value_name = "SCORECARD", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Last year's corrections of self-reported values (YAML: `unit: {field: {reported,
    /// corrected}}`), instead of those in the history scorecards.
    #[arg(long, value_name = "FILE")]
    pub corrections: Option<PathBuf>,
    /// Terminal summary or JSON (schema kaohe.self-assessment/1, see docs/explain.md).
    #[arg(long, value_enum, default_value = "text")]
    pub format: TraceFormat,
    /// Language of the summary's fixed words (headings, labels, veto tags, kinds of loss).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::report::Lang,
}

/// A run loaded and scored for `explain` and `self-assess`: the primary set's level, its
/// assessment, and what it read (history, the lower levels' assessments).
pub struct Explained {
    pub set: IndicatorSet,
    pub ev: evidence::Evidence,
    pub assessment: crate::result::Assessment,
    pub history: Vec<crate::result::Assessment>,
    pub lower: Vec<crate::result::Assessment>,
}

impl Explained {
    pub fn context(&self) -> crate::explain::Context<'_> {
        crate::explain::Context {
            history: &self.history,
            lower: &self.lower,
        }
    }
}

/// Which level of a run `explain` and `self-assess` look at: the one that scores `unit` (or,
/// with `under`, the one that scores units below it); the primary set when none does.
#[derive(Debug, Clone, Copy)]
pub struct Focus<'a> {
    pub unit: &'a str,
    pub under: bool,
}

/// The scored units of `ev` that are `root` itself (not `under`) or below it (`under`).
pub fn scored_at(ev: &evidence::Evidence, root: &str, under: bool) -> Vec<usize> {
    let Some(r) = ev.units.iter().position(|u| u.id == root) else {
        return Vec::new();
    };
    ev.scored
        .iter()
        .copied()
        .filter(|&i| {
            if !under {
                return i == r;
            }
            let mut p = ev.units[i].parent;
            while let Some(x) = p {
                if x == r {
                    return true;
                }
                p = ev.units[x].parent;
            }
            false
        })
        .collect()
}

/// Load and score a run as `assess` does (levels, history), keeping the level that scores the
/// unit in `focus` (in the default run a street is scored by the street set), else the primary.
pub fn load_explained(
    input: &InputArgs,
    levels: &[PathBuf],
    history: &[PathBuf],
    focus: Option<Focus<'_>>,
    lang: crate::lang::Lang,
) -> Result<Explained, Diagnostics> {
    let args = AssessArgs {
        input: InputArgs {
            set: input.set.clone(),
            evidence: input.evidence.clone(),
            encoding: input.encoding,
        },
        out: PathBuf::new(),
        quiet: true,
        levels: levels.to_vec(),
        history: history.to_vec(),
        lang,
        no_html: true,
        force: false,
        sizing: OutputSizing::default(),
    };
    let (args, notice) = resolve_default(&args);
    announce(notice.as_deref());
    let run = load_run(&args)?;
    let mut results = assess_run(&run)?;
    let primary = focus
        .and_then(|f| {
            std::iter::once(run.primary)
                .chain(0..run.levels.len())
                .find(|&k| !scored_at(&run.levels[k].1, f.unit, f.under).is_empty())
        })
        .unwrap_or(run.primary);
    let Run {
        levels, history, ..
    } = run;
    let Some((set, ev)) = levels.into_iter().nth(primary) else {
        return Err(Diagnostics::new(vec![crate::diag::Diagnostic::file(
            "run",
            "no primary indicator set",
        )]));
    };
    let lower = results.drain(..primary.min(results.len())).collect();
    let Some(assessment) = results.into_iter().next() else {
        return Err(Diagnostics::new(vec![crate::diag::Diagnostic::file(
            "run",
            "the primary set was not assessed",
        )]));
    };
    Ok(Explained {
        set,
        ev,
        assessment,
        history,
        lower,
    })
}

/// The units with scored units under them (for `--under`), by id, at most 12.
fn parents_list(ev: &evidence::Evidence) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for &i in &ev.scored {
        if let Some(p) = ev.units[i].parent {
            let id = ev.units[p].id.as_str();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let more = ids.len().saturating_sub(12);
    let mut s = ids.into_iter().take(12).collect::<Vec<_>>().join(", ");
    if more > 0 {
        s.push_str(&format!(" … ({more} more)"));
    }
    if s.is_empty() { "none".to_string() } else { s }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let focus = Focus {
        unit: &args.unit,
        under: false,
    };
    let run = load_explained(
        &args.input,
        &args.levels,
        &args.history,
        Some(focus),
        args.lang,
    )?;
    let (set, ev, a) = (&run.set, &run.ev, &run.assessment);
    let trace = crate::explain::explain_in(set, ev, a, run.context(), &args.unit, args.lang)?;
    match args.format {
        TraceFormat::Text => crate::out!("{}", crate::explain::render_text_in(&trace, args.lang)),
        TraceFormat::Json => {
            let json = serde_json::to_string_pretty(&trace)
                .with_context(|| format!("writing the trace of `{}` as JSON", args.unit))?;
            crate::outln!("{json}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn self_assess(args: &SelfAssessArgs) -> anyhow::Result<ExitCode> {
    let focus = Focus {
        unit: &args.unit,
        under: args.under,
    };
    let run = load_explained(
        &args.input,
        &args.levels,
        &args.history,
        Some(focus),
        args.lang,
    )?;
    let (set, ev, a) = (&run.set, &run.ev, &run.assessment);
    let history = match &args.corrections {
        Some(p) => {
            let file = p.display().to_string();
            let bad = |message: String| {
                Diagnostics::new(vec![crate::diag::Diagnostic::file(&file, message)])
            };
            let text = std::fs::read_to_string(p).map_err(|e| bad(format!("cannot read: {e}")))?;
            Some(crate::selfassess::read_history(&text).map_err(bad)?)
        }
        None => None,
    };
    let ids: Vec<String> = if args.under {
        let Some(root) = ev.units.iter().find(|u| u.id == args.unit) else {
            return Err(BadRequest(format!(
                "unit `{}` is not in the evidence; units that have units under them: {}",
                args.unit,
                parents_list(ev)
            ))
            .into());
        };
        let below: Vec<String> = scored_at(ev, &args.unit, true)
            .into_iter()
            .map(|i| ev.units[i].id.clone())
            .collect();
        if below.is_empty() {
            return Err(BadRequest(format!(
                "no scored unit under `{}` ({}): `kaohe self-assess {}` self-assesses the unit itself; units that have scored units under them: {}",
                args.unit,
                root.name,
                args.unit,
                parents_list(ev)
            ))
            .into());
        }
        below
    } else {
        vec![args.unit.clone()]
    };
    let mut reports = Vec::new();
    for id in &ids {
        let h = history
            .as_ref()
            .map(|h| h.get(id).map(Vec::as_slice).unwrap_or(&[]));
        reports.push(crate::selfassess::self_assess_in(
            set,
            ev,
            a,
            run.context(),
            id,
            h,
            args.lang,
        )?);
    }
    // What is printed is ready before anything is written, and the reports are written before
    // it is printed: a reader that stops early (`| head`) does not stop the files.
    let shown = match args.format {
        TraceFormat::Text => reports
            .iter()
            .map(|r| crate::selfassess::render_summary_in(r, args.lang))
            .collect::<Vec<_>>()
            .join(&format!("\n{}\n", "─".repeat(60))),
        TraceFormat::Json => {
            let json = if args.under {
                serde_json::to_string_pretty(&reports)
            } else {
                serde_json::to_string_pretty(&reports[0])
            };
            json.context("writing the self-assessment as JSON")? + "\n"
        }
    };
    let mut files = Vec::new();
    let mut pending = Vec::new();
    if !args.no_html {
        for s in &reports {
            // A unit id becomes a file name only through its encoded stem (no `..`, no `/`).
            let name = if args.under {
                format!(
                    "{}-self-assessment.html",
                    crate::report::unit_file_stem(&s.unit.id)
                )
            } else {
                "self-assessment.html".to_string()
            };
            let html =
                crate::selfassess::render_html(s).context("rendering the self-assessment page")?;
            pending.push((PathBuf::from(name), html.into_bytes()));
        }
    }
    // Every page is rendered before the first is written; they are added to the folder
    // together and recorded in its manifest.
    if !pending.is_empty() {
        let written = output::publish::add_files(&args.out, pending, Vec::new(), || {
            crate::exit::waiting_for(&args.out)
        })?;
        files.extend(written.iter().map(|p| p.display().to_string()));
    }
    crate::out!("{shown}");
    if args.format == TraceFormat::Text && !files.is_empty() {
        match args.lang {
            crate::lang::Lang::Zh => crate::outln!("\n已写入 {}", files.join("、")),
            crate::lang::Lang::En => crate::outln!("\nwrote {}", files.join(", ")),
        }
    }
    Ok(ExitCode::SUCCESS)
}
