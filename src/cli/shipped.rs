//! The shipped example: every file the default runs read (`kaohe assess`, `check`, `explain`,
//! `self-assess`, `template`, `handbook`, `lint` and `decide` with no inputs named), built into
//! the binary, and where a default run reads them.
//!
//! In a project folder — the current folder has `indicators/sz-district.yaml`, the shipped
//! layout that `kaohe init` writes — a default run reads the files on disk, so an edit to the
//! rubric is what gets scored. Elsewhere it runs the built-in copy, named `(内置) …` wherever a
//! file name is shown or stamped. Either way the command's first line on stderr says which.

use std::path::{Path, PathBuf};

/// One shipped file: its path in a project folder and its built-in text.
pub type Shipped = (&'static str, &'static str);

/// The shipped default indicator set. Its presence in the current folder makes it a project
/// folder.
pub const DEFAULT_SET: Shipped = (
    "indicators/sz-district.yaml",
    include_str!("../../indicators/sz-district.yaml"),
);
/// The shipped default evidence.
pub const DEFAULT_EVIDENCE: Shipped = (
    "fixtures/shenzhen/evidence.yaml",
    include_str!("../../fixtures/shenzhen/evidence.yaml"),
);
/// The other level of the shipped default run: the streets under the districts.
pub const DEFAULT_LEVELS: [Shipped; 1] = [(
    "indicators/sz-street.yaml",
    include_str!("../../indicators/sz-street.yaml"),
)];
/// Evidence of the other levels of the shipped default run.
pub const DEFAULT_LEVEL_EVIDENCE: [Shipped; 1] = [(
    "fixtures/shenzhen/streets.yaml",
    include_str!("../../fixtures/shenzhen/streets.yaml"),
)];
/// The districts' scorecards of the three years before (for history and year-over-year).
pub const DEFAULT_HISTORY: [Shipped; 3] = [
    (
        "fixtures/shenzhen/history/2008.json",
        include_str!("../../fixtures/shenzhen/history/2008.json"),
    ),
    (
        "fixtures/shenzhen/history/2009.json",
        include_str!("../../fixtures/shenzhen/history/2009.json"),
    ),
    (
        "fixtures/shenzhen/history/2010.json",
        include_str!("../../fixtures/shenzhen/history/2010.json"),
    ),
];
/// The shipped decision policy.
pub const DEFAULT_POLICY: Shipped = (
    "indicators/sz-policy.yaml",
    include_str!("../../indicators/sz-policy.yaml"),
);
/// The shipped storyline's registry, as it stands before the 2015 decision.
pub const DEFAULT_REGISTRY: Shipped = (
    "fixtures/titles/registry.yaml",
    include_str!("../../fixtures/titles/registry.yaml"),
);
/// The shipped storyline's scorecards, oldest first; the last is decided, the others are history.
pub const DEFAULT_SCORECARDS: [Shipped; 6] = [
    (
        "fixtures/titles/scorecards/2010.json",
        include_str!("../../fixtures/titles/scorecards/2010.json"),
    ),
    (
        "fixtures/titles/scorecards/2011.json",
        include_str!("../../fixtures/titles/scorecards/2011.json"),
    ),
    (
        "fixtures/titles/scorecards/2012.json",
        include_str!("../../fixtures/titles/scorecards/2012.json"),
    ),
    (
        "fixtures/titles/scorecards/2013.json",
        include_str!("../../fixtures/titles/scorecards/2013.json"),
    ),
    (
        "fixtures/titles/scorecards/2014.json",
        include_str!("../../fixtures/titles/scorecards/2014.json"),
    ),
    (
        "fixtures/titles/scorecards/2015.json",
        include_str!("../../fixtures/titles/scorecards/2015.json"),
    ),
];

/// Every shipped file, in the order `kaohe init` writes them.
pub fn all() -> Vec<Shipped> {
    let mut v = vec![DEFAULT_SET];
    v.extend(DEFAULT_LEVELS);
    v.push(DEFAULT_EVIDENCE);
    v.extend(DEFAULT_LEVEL_EVIDENCE);
    v.extend(DEFAULT_HISTORY);
    v.push(DEFAULT_POLICY);
    v.push(DEFAULT_REGISTRY);
    v.extend(DEFAULT_SCORECARDS);
    v
}

/// The name of a shipped file's built-in copy: in diagnostics, in the scorecard's set file and
/// in the manifest, so a built-in copy is never taken for the file on disk.
pub fn built_in_name(path: &str) -> String {
    format!("(内置) {path}")
}

/// What a default run reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The files of the project folder (the current folder), at their shipped paths.
    Project,
    /// The copy built into the binary.
    BuiltIn,
}

impl Source {
    /// The project folder's files when the current folder has `indicators/sz-district.yaml`
    /// (even a broken one: it is read and its errors reported, never replaced by the built-in
    /// copy); the built-in copy otherwise.
    pub fn find() -> Self {
        if std::fs::symlink_metadata(DEFAULT_SET.0).is_ok() {
            Self::Project
        } else {
            Self::BuiltIn
        }
    }

    /// The first line of a default run (stderr): the built-in copy, or the files read.
    pub fn notice(self, files: &[&str]) -> String {
        self.notice_in(files, crate::lang::Lang::Zh)
    }

    /// [`Self::notice`] in `lang`.
    pub fn notice_in(self, files: &[&str], lang: crate::lang::Lang) -> String {
        match (self, lang.en()) {
            (Self::BuiltIn, false) => format!(
                "使用内置默认指标体系(当前文件夹没有 {};`kaohe init` 写出一份可编辑的项目)",
                DEFAULT_SET.0
            ),
            (Self::BuiltIn, true) => format!(
                "using the built-in default indicator set (this folder has no {}; `kaohe init` writes a project you can edit)",
                DEFAULT_SET.0
            ),
            (Self::Project, false) => format!("读取 {}", files.join("、")),
            (Self::Project, true) => format!("reading {}", files.join(", ")),
        }
    }
}

/// The files of the default assessment run, as `assess` reads them in a project folder: the
/// set, the other levels, the earlier scorecards and the evidence.
pub struct AssessFiles {
    pub set: PathBuf,
    pub levels: Vec<PathBuf>,
    pub history: Vec<PathBuf>,
    pub evidence: Vec<PathBuf>,
}

/// The default assessment run's files at their project paths.
pub fn assess_files() -> AssessFiles {
    let p = |s: &Shipped| Path::new(s.0).to_path_buf();
    AssessFiles {
        set: p(&DEFAULT_SET),
        levels: DEFAULT_LEVELS.iter().map(p).collect(),
        history: DEFAULT_HISTORY.iter().map(p).collect(),
        evidence: std::iter::once(&DEFAULT_EVIDENCE)
            .chain(DEFAULT_LEVEL_EVIDENCE.iter())
            .map(p)
            .collect(),
    }
}

/// The paths the default assessment run reads, in the order of [`assess_command`].
pub fn assess_paths() -> Vec<&'static str> {
    let mut v = vec![DEFAULT_SET.0];
    v.extend(DEFAULT_LEVELS.iter().map(|s| s.0));
    v.extend(DEFAULT_HISTORY.iter().map(|s| s.0));
    v.push(DEFAULT_EVIDENCE.0);
    v.extend(DEFAULT_LEVEL_EVIDENCE.iter().map(|s| s.0));
    v
}

/// The explicit command that does what `kaohe assess` with no arguments does in a project folder.
pub fn assess_command() -> String {
    let mut words = vec!["kaohe assess -s".to_string(), DEFAULT_SET.0.to_string()];
    for l in DEFAULT_LEVELS {
        words.push(format!("--level {}", l.0));
    }
    for h in DEFAULT_HISTORY {
        words.push(format!("--history {}", h.0));
    }
    words.push(DEFAULT_EVIDENCE.0.to_string());
    words.extend(DEFAULT_LEVEL_EVIDENCE.iter().map(|e| e.0.to_string()));
    words.join(" ")
}

/// The paths the default decision reads: policy, registry, the scorecards.
pub fn decide_paths() -> Vec<&'static str> {
    let mut v = vec![DEFAULT_POLICY.0, DEFAULT_REGISTRY.0];
    v.extend(DEFAULT_SCORECARDS.iter().map(|s| s.0));
    v
}

/// The explicit command that does what `kaohe decide` with no arguments does in a project folder.
pub fn decide_command() -> String {
    let (current, history) = match DEFAULT_SCORECARDS.split_last() {
        Some((c, h)) => (c.0, h),
        None => ("", &[][..]),
    };
    let mut words = vec![
        format!("kaohe decide --policy {}", DEFAULT_POLICY.0),
        format!("--registry {}", DEFAULT_REGISTRY.0),
        format!("--scorecard {current}"),
    ];
    if !history.is_empty() {
        words.push("--history".into());
        words.extend(history.iter().map(|h| h.0.to_string()));
    }
    words.join(" ")
}
