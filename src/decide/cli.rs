//! `kaohe decide`: read the inputs, decide, write the brief, the CSVs and the new registry.

use super::policy::{Policy, load_policy_file, load_policy_str};
use super::scorecard::{Scorecard, read_scorecard_bytes, read_scorecard_file};
use super::{decide, decide_in, render};
use crate::diag::{Diagnostic, Diagnostics};
use crate::title::{Registry, load_registry_file, load_registry_str};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::shipped::{
    DEFAULT_POLICY, DEFAULT_REGISTRY, DEFAULT_SCORECARDS, Source, built_in_name,
};

#[derive(clap::Args, Debug, Clone)]
pub struct DecideArgs {
    /// Decision policy (YAML). Default, with no inputs named: the shipped storyline's 2015 decision.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Title registry (YAML). Read only, unless --in-place.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// This year's scorecard.json (from `kaohe assess`).
    #[arg(long, value_name = "FILE")]
    pub scorecard: Option<PathBuf>,
    /// Earlier years' scorecard.json files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// The street level's scorecard.json of the same year (e.g. out/sz-street/scorecard.json):
    /// the brief then says which of the registry's streets were assessed and which were not.
    #[arg(long, value_name = "FILE")]
    pub streets: Option<PathBuf>,
    /// Output folder: decisions.csv, decisions.html, decisions.docx (the 通报 in Word), plan.csv, registry.yaml.
    #[arg(long, short = 'o', default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Write the updated registry over the input registry (atomically) instead of DIR/registry.yaml.
    #[arg(long)]
    pub in_place: bool,
    /// Decision date (default: the policy's decision_date in the scorecard's year).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// Do not print the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Language of the brief (decisions.html, decisions.docx), the decisions' reasons and the
    /// summary; decisions.csv, plan.csv and the registry stay Chinese.
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

struct Inputs {
    policy: Policy,
    registry: Registry,
    current: Scorecard,
    history: Vec<Scorecard>,
}

fn load(args: &DecideArgs) -> Result<Inputs, Diagnostics> {
    let named = [
        args.policy.is_some(),
        args.registry.is_some(),
        args.scorecard.is_some(),
    ];
    if named.iter().all(|x| !x) {
        if args.in_place {
            return Err(Diagnostics::new(vec![Diagnostic::file(
                "registry",
                "--in-place needs --registry FILE (here the shipped registry is the built-in copy; in a folder `kaohe init` wrote it is fixtures/titles/registry.yaml)",
            )]));
        }
        if !args.history.is_empty() {
            return Err(Diagnostics::new(vec![Diagnostic::file(
                "history",
                "--history needs --policy, --registry and --scorecard",
            )]));
        }
        let mut list = Vec::new();
        // The built-in copy, named as such in every message and in the brief.
        let policy = load_policy_str(&built_in_name(DEFAULT_POLICY.0), DEFAULT_POLICY.1);
        let registry = load_registry_str(&built_in_name(DEFAULT_REGISTRY.0), DEFAULT_REGISTRY.1);
        let mut cards: Vec<Scorecard> = Vec::new();
        for (f, t) in DEFAULT_SCORECARDS {
            match read_scorecard_bytes(&built_in_name(f), t.as_bytes()) {
                Ok(s) => cards.push(s),
                Err(d) => list.extend(d.0),
            }
        }
        return finish(policy, registry, cards.pop(), cards, list);
    }
    if named.iter().any(|x| !x) {
        let missing: Vec<&str> = [
            ("--policy", args.policy.is_none()),
            ("--registry", args.registry.is_none()),
            ("--scorecard", args.scorecard.is_none()),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
        return Err(Diagnostics::new(vec![Diagnostic::file(
            "arguments",
            format!(
                "missing {} (give --policy, --registry and --scorecard, or none for the shipped example)",
                missing.join(", ")
            ),
        )]));
    }
    let mut list = Vec::new();
    let policy = load_policy_file(args.policy.as_deref().unwrap_or(Path::new("")));
    let registry = load_registry_file(args.registry.as_deref().unwrap_or(Path::new("")));
    let current = match read_scorecard_file(args.scorecard.as_deref().unwrap_or(Path::new(""))) {
        Ok(s) => Some(s),
        Err(d) => {
            list.extend(d.0);
            None
        }
    };
    let mut history = Vec::new();
    for h in &args.history {
        match read_scorecard_file(h) {
            Ok(s) => history.push(s),
            Err(d) => list.extend(d.0),
        }
    }
    finish(policy, registry, current, history, list)
}

fn finish(
    policy: Result<Policy, Diagnostics>,
    registry: Result<Registry, Diagnostics>,
    current: Option<Scorecard>,
    history: Vec<Scorecard>,
    mut list: Vec<Diagnostic>,
) -> Result<Inputs, Diagnostics> {
    let policy = policy.map_err(|d| list.extend(d.0)).ok();
    let registry = registry.map_err(|d| list.extend(d.0)).ok();
    match (policy, registry, current) {
        (Some(policy), Some(registry), Some(current)) if list.is_empty() => Ok(Inputs {
            policy,
            registry,
            current,
            history,
        }),
        _ => Err(Diagnostics::new(list)),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The decision `args` ask for, and for the default decision the line saying what it reads: in
/// a project folder the shipped files on disk (as [`crate::cli::shipped::decide_command`] names
/// them), elsewhere the built-in copy (`args` unchanged).
fn resolve_default(args: &DecideArgs) -> (DecideArgs, Option<String>) {
    let mut args = args.clone();
    let default = args.policy.is_none()
        && args.registry.is_none()
        && args.scorecard.is_none()
        && args.history.is_empty();
    if !default {
        return (args, None);
    }
    let source = Source::find();
    if source == Source::Project {
        args.policy = Some(PathBuf::from(DEFAULT_POLICY.0));
        args.registry = Some(PathBuf::from(DEFAULT_REGISTRY.0));
        if let Some((current, history)) = DEFAULT_SCORECARDS.split_last() {
            args.scorecard = Some(PathBuf::from(current.0));
            args.history = history.iter().map(|h| PathBuf::from(h.0)).collect();
        }
    }
    let notice = source.notice_in(&crate::cli::shipped::decide_paths(), args.lang);
    (args, Some(notice))
}

/// Run `kaohe decide`.
pub fn run(args: &DecideArgs) -> anyhow::Result<ExitCode> {
    let (args, notice) = resolve_default(args);
    let args = &args;
    if let Some(n) = notice
        && !args.quiet
    {
        eprintln!("{n}");
    }
    // A decision interrupted after its registry was renamed is finished before the registry
    // is read (the brief and CSVs written with it are put in place from its journal).
    crate::output::publish::recover_files(&args.out, || crate::exit::waiting_for(&args.out))?;
    let inputs = load(args)?;
    let mut outcome = decide(
        &inputs.policy,
        &inputs.registry,
        &inputs.current,
        &inputs.history,
        args.date,
    )?;
    // The registry is written from the Chinese decisions (the lasting record); the brief, the
    // CSVs and the summary from the same decisions in the language asked for.
    let mut shown = if args.lang.en() {
        decide_in(
            &inputs.policy,
            &inputs.registry,
            &inputs.current,
            &inputs.history,
            args.date,
            args.lang,
        )?
    } else {
        outcome.clone()
    };
    if let Some(f) = &args.streets {
        let streets = read_scorecard_file(f)?;
        let check = super::streets::check_streets(&inputs.registry, &inputs.current, &streets)?;
        outcome.streets_note = check.zh();
        shown.streets_note = check.note(args.lang);
        let agree =
            check.not_registered.is_empty() && check.not_assessed.iter().all(|(_, v)| v.is_empty());
        if !args.quiet && !agree {
            match args.lang {
                crate::lang::Lang::Zh => eprintln!("注意:{}", shown.streets_note),
                crate::lang::Lang::En => eprintln!("note: {}", shown.streets_note),
            }
        }
    }
    let registry_out = match (&args.registry, args.in_place) {
        (Some(r), true) => r.clone(),
        _ => args.out.join("registry.yaml"),
    };
    if !args.in_place
        && let Some(r) = &args.registry
        && same_file(r, &registry_out)
    {
        return Err(Diagnostics::new(vec![Diagnostic::file(
            &r.display().to_string(),
            format!(
                "the updated registry would overwrite the input ({}): give another -o or --in-place",
                registry_out.display()
            ),
        )])
        .into());
    }
    let new_registry = inputs
        .registry
        .append(&outcome.registry_comment(), &outcome.events)?;
    let files: Vec<(PathBuf, Result<Vec<u8>, crate::output::WriteError>)> = vec![
        (
            PathBuf::from("decisions.csv"),
            render::decisions_csv(&shown),
        ),
        (
            PathBuf::from("decisions.html"),
            super::brief::brief_html(&shown)
                .map(String::into_bytes)
                .map_err(|e| crate::output::WriteError::Encode {
                    what: "decisions.html",
                    message: e.to_string(),
                }),
        ),
        (
            PathBuf::from("decisions.docx"),
            super::brief::brief_docx(&shown).map_err(|e| crate::output::WriteError::Encode {
                what: "decisions.docx",
                message: e.to_string(),
            }),
        ),
        (PathBuf::from("plan.csv"), render::plan_csv(&shown)),
    ];
    // Everything is rendered before the first file is written.
    let mut ready = Vec::new();
    for (path, bytes) in files {
        let bytes = bytes.with_context(|| format!("writing {}", path.display()))?;
        ready.push((path, bytes));
    }
    let mut external = Vec::new();
    let registry = new_registry.into_bytes();
    if args.in_place {
        external.push((registry_out.clone(), registry));
    } else {
        ready.insert(0, (PathBuf::from("registry.yaml"), registry));
    }
    // One publication: every file (and the folder's manifest, listing them all and an
    // in-place registry with its hash) is written in full to its temporary name first, then a
    // journal of the renames, then the registry is renamed — that commits the decision — and
    // the rest follow. A run killed after the registry's rename leaves the journal: the next
    // run on this folder (this command, before it reads the registry) puts the brief and the
    // CSVs in place; killed before, nothing changed.
    crate::output::publish::add_files(&args.out, ready, external, || {
        crate::exit::waiting_for(&args.out)
    })?;
    if !args.quiet {
        crate::out!("{}", render::summary(&shown));
        match args.lang {
            crate::lang::Lang::Zh => crate::outln!(
                "已写入 {}/decisions.html、decisions.docx、decisions.csv、plan.csv;称号登记册({} 条新记录)→ {}",
                args.out.display(),
                outcome.events.len(),
                registry_out.display()
            ),
            crate::lang::Lang::En => crate::outln!(
                "wrote {}/decisions.html, decisions.docx, decisions.csv, plan.csv; title registry ({}) → {}",
                args.out.display(),
                crate::rules::count_en(outcome.events.len(), "new entry", "new entries"),
                registry_out.display()
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
