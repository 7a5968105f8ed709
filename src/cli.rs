//! The command line: `kaohe assess`, `kaohe check`, `kaohe test`.
//!
//! Exit codes: 0 success; 1 rule test cases failed; 2 command-line usage error (clap);
//! 65 invalid input (every error printed on stderr, nothing written); 70 internal failure.

use crate::diag::Diagnostics;
use crate::evidence::{self, ReadEvidence};
use crate::load::{load_set_file, load_set_str};
use crate::model::IndicatorSet;
use crate::output;
use crate::testcase;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The shipped default indicator set, embedded so `kaohe assess` works from any folder.
pub const DEFAULT_SET: (&str, &str) = (
    "indicators/sz-district.yaml",
    include_str!("../indicators/sz-district.yaml"),
);
/// The shipped default evidence.
pub const DEFAULT_EVIDENCE: (&str, &str) = (
    "fixtures/shenzhen/evidence.yaml",
    include_str!("../fixtures/shenzhen/evidence.yaml"),
);

pub const EXIT_TESTS_FAILED: u8 = 1;
pub const EXIT_INVALID_INPUT: u8 = 65;
pub const EXIT_INTERNAL: u8 = 70;

#[derive(Parser, Debug)]
#[command(
    name = "kaohe",
    version,
    about = "考核 — target-responsibility assessment: score units against a YAML indicator set",
    long_about = "考核 — target-responsibility assessment.\n\nReads an indicator set (YAML) and evidence (YAML, CSV), scores every unit in parallel, and writes ranked scorecards.\nWith no arguments, `kaohe assess` runs the shipped default: the demonstration-district assessment of eight Shenzhen districts."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Score every unit and write scorecard.json and scorecard.csv (default: the shipped example).
    Assess(AssessArgs),
    /// Validate an indicator set and evidence without scoring; report every problem.
    Check(InputArgs),
    /// Run rule test cases (YAML) and report which pass.
    Test(TestArgs),
}

#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Indicator set (YAML). Default: the shipped demonstration-district set.
    #[arg(long, short = 's', value_name = "FILE")]
    pub set: Option<PathBuf>,
    /// Evidence files or folders (.yaml, .yml, .csv, .tsv). Default: the shipped fixtures.
    #[arg(value_name = "EVIDENCE")]
    pub evidence: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct AssessArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Do not print the ranked table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Assess(a) => assess(&a),
        Command::Check(a) => check(&a),
        Command::Test(a) => test(&a),
    }
}

fn invalid(d: &Diagnostics) -> ExitCode {
    eprintln!("{d}");
    ExitCode::from(EXIT_INVALID_INPUT)
}

/// Load the set and evidence the arguments name (or the embedded default).
pub fn load_inputs(args: &InputArgs) -> Result<(IndicatorSet, evidence::Evidence), Diagnostics> {
    let set = match &args.set {
        Some(p) => load_set_file(p),
        None => load_set_str(DEFAULT_SET.0, DEFAULT_SET.1),
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
        evidence::read_yaml(DEFAULT_EVIDENCE.0, DEFAULT_EVIDENCE.1, &mut r, &mut d);
        (r, d)
    } else {
        evidence::read_paths_partial(&args.evidence)
    };
    match set {
        Ok(set) => {
            let ev = evidence::bind_partial(&set, read, read_problems)?;
            Ok((set, ev))
        }
        Err(a) => Err(Diagnostics::new(
            a.0.into_iter().chain(read_problems).collect(),
        )),
    }
}

/// A spinner on stderr naming the current phase; hidden when stderr is not a terminal.
fn progress() -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

fn assess(args: &AssessArgs) -> ExitCode {
    let pb = progress();
    pb.set_message("读取指标体系与佐证材料");
    let (set, ev) = match load_inputs(&args.input) {
        Ok(x) => x,
        Err(d) => {
            pb.finish_and_clear();
            return invalid(&d);
        }
    };
    pb.set_message(format!("评分 {} 个单位", ev.scored.len()));
    let a = match crate::engine::assess(&set, &ev) {
        Ok(a) => a,
        Err(d) => {
            pb.finish_and_clear();
            return invalid(&d);
        }
    };
    pb.set_message("写出评分表");
    let files: Vec<(&str, Result<Vec<u8>, output::WriteError>)> = vec![
        ("scorecard.json", output::scorecard_json(&a)),
        ("scorecard.csv", output::scorecard_csv(&a)),
    ];
    let mut ready = Vec::new();
    for (name, bytes) in files {
        match bytes {
            Ok(b) => ready.push((name, b)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_INTERNAL);
            }
        }
    }
    for (name, bytes) in ready {
        if let Err(e) = output::write_atomic(&args.out.join(name), &bytes) {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INTERNAL);
        }
    }
    pb.finish_and_clear();
    if !args.quiet {
        print!("{}", output::terminal_table(&a));
        println!(
            "已写入 {}/scorecard.json 和 {}/scorecard.csv",
            args.out.display(),
            args.out.display()
        );
    }
    ExitCode::SUCCESS
}

fn check(args: &InputArgs) -> ExitCode {
    match load_inputs(args) {
        Ok((set, ev)) => {
            println!(
                "ok: {} {} (版本 {}): {} lines, {} indicators, {} vetoes; {} units ({} scored)",
                set.id,
                set.name,
                set.version,
                set.lines.len(),
                set.indicators.len(),
                set.vetoes.len(),
                ev.units.len(),
                ev.scored.len()
            );
            ExitCode::SUCCESS
        }
        Err(d) => invalid(&d),
    }
}

fn test(args: &TestArgs) -> ExitCode {
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
        match testcase::run_file(Path::new(f)) {
            Ok(outcomes) => {
                for o in outcomes {
                    if o.failures.is_empty() {
                        passed += 1;
                        println!("ok    {} :: {}", o.file, o.name);
                    } else {
                        failed += 1;
                        println!("FAIL  {} :: {}", o.file, o.name);
                        for x in &o.failures {
                            println!("        {x}");
                        }
                    }
                }
            }
            Err(d) => return invalid(&d),
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(EXIT_TESTS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
