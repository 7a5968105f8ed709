//! The commands for the people who write the rubric: `kaohe handbook` (the 考核细则 as HTML
//! and `.docx`), `kaohe diff` (two versions of a set and the impact on the units) and
//! `kaohe lint` (design problems of a set).

use super::{DEFAULT_SET, load_set_file, load_set_str};
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
}

/// The set the option names, or the embedded default.
fn set_or_default(set: Option<&Path>) -> anyhow::Result<IndicatorSet> {
    Ok(match set {
        Some(p) => load_set_file(p)?,
        None => load_set_str(DEFAULT_SET.0, DEFAULT_SET.1)?,
    })
}

/// `kaohe handbook`: write `handbook.html` and `handbook.docx`.
pub fn handbook(args: &HandbookArgs) -> anyhow::Result<ExitCode> {
    let set = set_or_default(args.set.as_deref())?;
    let h = crate::handbook::build(&set);
    let html = crate::handbook::render_html(&h)
        .with_context(|| format!("rendering the handbook of `{}`", set.id))?;
    let docx = crate::handbook::docx::to_docx(&h)
        .with_context(|| format!("building the handbook of `{}`", set.id))?;
    let (html_path, docx_path) = (
        args.out.join("handbook.html"),
        args.out.join("handbook.docx"),
    );
    output::write_atomic(&html_path, html.as_bytes())?;
    output::write_atomic(&docx_path, &docx)?;
    let items = set.indicators.len() + set.bonus.as_ref().map_or(0, |b| b.items.len());
    crate::outln!(
        "已写入考核细则 {} 和 {}({} 项指标,{} 项一票否决)",
        html_path.display(),
        docx_path.display(),
        items,
        set.vetoes.len()
    );
    Ok(ExitCode::SUCCESS)
}
