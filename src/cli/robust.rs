//! `kaohe robustness` (how sure each result and decision is) and `kaohe weights` (weights
//! for rubric authors): issue 15.

use super::{AssessArgs, BadRequest, InputArgs, assess_run, load_run, resolve_default};
use crate::output;
use crate::weights::{self, EntropyVariant};
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct RobustnessArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Indicator sets of other levels of the same run (see `assess --level`).
    #[arg(long = "level", short = 'l', value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Earlier scorecards (see `assess --history`).
    #[arg(long, value_name = "SCORECARD")]
    pub history: Vec<PathBuf>,
    /// Output folder: robustness.json, robustness-units.csv, robustness-decisions.csv,
    /// inspection-plan.csv, robustness.html.
    #[arg(long, short = 'o', default_value = "robustness", value_name = "DIR")]
    pub out: PathBuf,
    /// Monte Carlo replications.
    #[arg(long, short = 'n', default_value_t = 1000, value_name = "N")]
    pub replications: u32,
    /// Seed of the random streams (the same seed gives the same output on any thread count).
    #[arg(long, default_value_t = 2011, value_name = "SEED")]
    pub seed: u64,
    /// Replications per (unit, figure) pair for the inspection plan (0: no plan).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub plan_replications: u32,
    /// Decision policy (`kaohe decide --policy`): with `--registry`, the probability that each
    /// decision flips.
    #[arg(long, value_name = "FILE", requires = "registry")]
    pub policy: Option<PathBuf>,
    /// Title registry as it stands before this year's decision.
    #[arg(long, value_name = "FILE", requires = "policy")]
    pub registry: Option<PathBuf>,
    /// Earlier years' scorecards for the decisions (`kaohe decide --history`).
    #[arg(long, value_name = "SCORECARD")]
    pub decide_history: Vec<PathBuf>,
    /// Decision date (`kaohe decide --date`).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Print nothing on success.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Language of robustness.html, the decisions, the inspection plan's reasons, the
    /// declarations in words and the summary (the CSV headings are ids either way).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

/// `kaohe robustness`.
pub fn robustness(args: &RobustnessArgs) -> anyhow::Result<ExitCode> {
    let assess = AssessArgs {
        input: args.input.clone(),
        out: args.out.clone(),
        quiet: true,
        levels: args.levels.clone(),
        history: args.history.clone(),
        lang: args.lang,
        no_html: true,
        force: false,
        sizing: Default::default(),
    };
    let (assess, notice) = resolve_default(&assess);
    if let Some(n) = notice
        && !args.quiet
    {
        eprintln!("{n}");
    }
    let run = load_run(&assess)?;
    let results = assess_run(&run)?;
    let (set, ev) = &run.levels[run.primary];
    let base = &results[run.primary];
    let lower = &results[..run.primary];
    let policy = args
        .policy
        .as_deref()
        .map(crate::decide::policy::load_policy_file)
        .transpose()?;
    let registry = args
        .registry
        .as_deref()
        .map(crate::title::load_registry_file)
        .transpose()?;
    let mut cards = Vec::new();
    for h in &args.decide_history {
        cards.push(crate::decide::scorecard::read_scorecard_file(h)?);
    }
    let decide = match (&policy, &registry) {
        (Some(policy), Some(registry)) => Some(crate::robustness::decisions::DecideInputs {
            policy,
            registry,
            history: &cards,
            date: args.date,
        }),
        _ => None,
    };
    let opts = crate::robustness::Options {
        replications: args.replications,
        seed: args.seed,
        lang: args.lang,
    };
    let r = crate::robustness::run(
        set,
        ev,
        &run.history,
        lower,
        base,
        opts,
        decide.as_ref(),
        args.plan_replications,
    )
    .map_err(|e| match e {
        crate::robustness::RobustError::Decide(d) => anyhow::Error::from(d),
        e => anyhow::Error::from(BadRequest(e.to_string())),
    })?;
    let json = serde_json::to_vec_pretty(&r).context("encoding robustness.json")?;
    let units = crate::robustness::units_csv(set, &r).context("encoding the units CSV")?;
    let decisions = crate::robustness::decisions_csv(&r).context("encoding the decisions CSV")?;
    let plan = crate::robustness::plan_csv(&r).context("encoding the inspection plan")?;
    let html = crate::robustness::html::page_in(set, &r, args.lang)
        .context("rendering robustness.html")?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("robustness.json", json),
        ("robustness-units.csv", units),
        ("robustness-decisions.csv", decisions),
        ("inspection-plan.csv", plan),
        ("robustness.html", html.into_bytes()),
    ];
    let mut ready = Vec::new();
    for (name, bytes) in files {
        ready.push((output::inside(&args.out, Path::new(name))?, bytes));
    }
    let _lock = output::lock_dir(&args.out, || crate::exit::waiting_for(&args.out))
        .with_context(|| format!("locking the output folder {}", args.out.display()))?;
    output::manifest::remove_leftovers(&args.out);
    let stage = output::Staging::default();
    for (path, bytes) in &ready {
        stage.write(path, bytes)?;
    }
    let replacing = || format!("replacing the outputs in {}", args.out.display());
    output::manifest::remove(&args.out).with_context(replacing)?;
    let written = stage.commit().with_context(replacing)?;
    let sets = vec![output::manifest::SetEntry {
        id: set.id.clone(),
        version: set.version.clone(),
        sha256: set.hash.clone(),
    }];
    let manifest = output::manifest::Manifest::new(&args.out, sets, Vec::new(), &written);
    output::manifest::write(&args.out, &manifest).with_context(replacing)?;
    if !args.quiet {
        crate::out!("{}", crate::robustness::summary_in(&r, args.lang));
        match args.lang {
            crate::lang::Lang::Zh => crate::outln!(
                "已写入 {}/robustness.html、robustness.json、robustness-units.csv、robustness-decisions.csv、inspection-plan.csv",
                args.out.display()
            ),
            crate::lang::Lang::En => crate::outln!(
                "wrote {}/robustness.html, robustness.json, robustness-units.csv, robustness-decisions.csv, inspection-plan.csv",
                args.out.display()
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct WeightsArgs {
    #[command(subcommand)]
    pub method: WeightsMethod,
}

#[derive(clap::Subcommand, Debug)]
pub enum WeightsMethod {
    /// AHP, eigenvector method: weights, λmax, CI and CR (Saaty's RI) from a pairwise
    /// comparison matrix (CSV, square, reciprocal; an optional header row names the criteria).
    /// CR above 0.1 is refused, naming the most inconsistent judgements.
    Ahp {
        #[arg(value_name = "MATRIX.csv")]
        file: PathBuf,
    },
    /// Entropy weights of a decision matrix (CSV: rows are units, columns criteria; an
    /// optional header row and a first column of names).
    Entropy {
        #[arg(value_name = "DATA.csv")]
        file: PathBuf,
        /// `sum`: p = x/Σx on the raw values (as published); `minmax`: the textbook 熵权法,
        /// min-max first.
        #[arg(long, value_enum, default_value = "sum")]
        variant: VariantArg,
        /// Cost criteria (lower is better), by column name or number (min-max variant).
        #[arg(long, value_name = "COLUMN")]
        cost: Vec<String>,
    },
    /// CRITIC weights (min-max, sample standard deviation, Pearson correlation).
    Critic {
        #[arg(value_name = "DATA.csv")]
        file: PathBuf,
        /// Cost criteria (lower is better), by column name or number.
        #[arg(long, value_name = "COLUMN")]
        cost: Vec<String>,
    },
    /// Standard-deviation weights (sample standard deviation of each column).
    Stddev {
        #[arg(value_name = "DATA.csv")]
        file: PathBuf,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum VariantArg {
    Sum,
    Minmax,
}

/// A numeric matrix from a CSV: an optional header row (any cell not a number) and an optional
/// first column of names (a non-number in the first column of a data row).
struct Table {
    names: Vec<String>,
    rows: Vec<Vec<f64>>,
}

fn read_table(path: &Path) -> anyhow::Result<Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut cells: Vec<Vec<String>> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("reading {}", path.display()))?;
        if rec.iter().all(str::is_empty) {
            continue;
        }
        cells.push(rec.iter().map(str::to_string).collect());
    }
    let num = |s: &str| parse_cell(s);
    let labelled = cells
        .iter()
        .skip(1)
        .any(|r| r.first().is_some_and(|c| num(c).is_none()));
    let skip = usize::from(labelled);
    let header = cells
        .first()
        .is_some_and(|r| r.iter().skip(skip).any(|c| num(c).is_none()));
    let width = cells.first().map_or(0, |r| r.len().saturating_sub(skip));
    let names = if header {
        cells[0].iter().skip(skip).cloned().collect()
    } else {
        (1..=width).map(|i| format!("C{i}")).collect()
    };
    let mut rows = Vec::new();
    for (i, r) in cells.iter().enumerate().skip(usize::from(header)) {
        let mut row = Vec::new();
        for (j, c) in r.iter().enumerate().skip(skip) {
            row.push(num(c).ok_or_else(|| {
                BadRequest(format!(
                    "{}: row {}, column {}: `{c}` is not a number",
                    path.display(),
                    i + 1,
                    j + 1
                ))
            })?);
        }
        rows.push(row);
    }
    Ok(Table { names, rows })
}

/// A number or a fraction (`1/3`, as AHP matrices are written).
fn parse_cell(s: &str) -> Option<f64> {
    if let Some((a, b)) = s.split_once('/') {
        let (a, b): (f64, f64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        return (b != 0.0).then(|| a / b);
    }
    s.parse().ok().filter(|x: &f64| x.is_finite())
}

fn cost_columns(t: &Table, cost: &[String]) -> anyhow::Result<Vec<bool>> {
    let mut out = vec![false; t.names.len()];
    for c in cost {
        let j = t
            .names
            .iter()
            .position(|n| n == c)
            .or_else(|| c.parse::<usize>().ok().and_then(|k| k.checked_sub(1)))
            .filter(|&j| j < out.len())
            .ok_or_else(|| BadRequest(format!("--cost {c}: no such column")))?;
        out[j] = true;
    }
    Ok(out)
}

fn print_weights(method: &str, names: &[String], w: &[f64]) {
    crate::outln!("{method}");
    for (n, x) in names.iter().zip(w) {
        crate::outln!("{n}\t{x:.6}");
    }
}

/// `kaohe weights`.
pub fn weights(args: &WeightsArgs) -> anyhow::Result<ExitCode> {
    let bad = |e: weights::WeightsError| anyhow::Error::from(BadRequest(e.to_string()));
    match &args.method {
        WeightsMethod::Ahp { file } => {
            let t = read_table(file)?;
            let a = weights::ahp(&t.rows).map_err(bad)?;
            let name = |i: usize| t.names.get(i - 1).cloned().unwrap_or_default();
            if !a.consistent() {
                let worst: Vec<String> = a
                    .judgements
                    .iter()
                    .take(3)
                    .map(|j| {
                        format!(
                            "{} : {} = {} (the weights imply {:.2})",
                            name(j.row),
                            name(j.col),
                            fmt_judgement(j.given),
                            j.implied
                        )
                    })
                    .collect();
                return Err(BadRequest(format!(
                    "{}: inconsistent judgements, CR = {:.4} > 0.1 (λmax {:.5}, CI {:.6}, RI {}); most inconsistent: {}",
                    file.display(),
                    a.cr,
                    a.lambda_max,
                    a.ci,
                    a.ri,
                    worst.join("; ")
                ))
                .into());
            }
            print_weights(
                "AHP (principal eigenvector; Saaty RI)",
                &t.names,
                &a.weights,
            );
            crate::outln!(
                "λmax\t{:.5}\nCI\t{:.6}\nRI\t{}\nCR\t{:.6}",
                a.lambda_max,
                a.ci,
                a.ri,
                a.cr
            );
        }
        WeightsMethod::Entropy {
            file,
            variant,
            cost,
        } => {
            let t = read_table(file)?;
            let v = match variant {
                VariantArg::Sum => EntropyVariant::Sum,
                VariantArg::Minmax => EntropyVariant::MinMax,
            };
            let w = weights::entropy(&t.rows, v, &cost_columns(&t, cost)?).map_err(bad)?;
            print_weights(v.name(), &t.names, &w);
        }
        WeightsMethod::Critic { file, cost } => {
            let t = read_table(file)?;
            let w = weights::critic(&t.rows, &cost_columns(&t, cost)?).map_err(bad)?;
            print_weights(
                "CRITIC (min-max, sample SD, Pearson r; C_j = s_j Σ(1 − r_jk))",
                &t.names,
                &w,
            );
        }
        WeightsMethod::Stddev { file } => {
            let t = read_table(file)?;
            let w = weights::stddev(&t.rows).map_err(bad)?;
            print_weights("standard deviation (sample, n − 1)", &t.names, &w);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A judgement as people write it: `3`, `1/5`.
fn fmt_judgement(x: f64) -> String {
    if x >= 1.0 {
        format!("{}", (x * 100.0).round() / 100.0)
    } else {
        format!("1/{}", (100.0 / x).round() / 100.0)
    }
}
