//! Writing results: scorecard JSON and CSV, the terminal table, atomic file writes.

use crate::lang::Lang;

pub mod docx;
pub mod notice;
pub mod xlsx;

use crate::num::{show, show_known};
use crate::result::Assessment;
use rust_decimal::Decimal;
use std::io::Write;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

/// Errors while writing outputs.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {what}: {message}")]
    Encode { what: &'static str, message: String },
    #[error("refusing to write `{}` outside the output folder {}", rel.display(), root.display())]
    Outside { root: PathBuf, rel: PathBuf },
}

pub mod manifest;
pub mod publish;

/// Write `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| {
        w.write_all(bytes).map_err(|source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

/// A file written to its temporary name and not yet renamed into place, with the SHA-256 and
/// length of what was written.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::TempPath,
    pub file: Written,
}

/// A file written: where, its SHA-256 (hex) and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// A writer that hashes what passes through it.
struct Hashing<'w> {
    inner: &'w mut dyn Write,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The files of one run: each is written in full to its temporary file first ([`stage`]), and
/// all are renamed into place together at the end ([`Staging::commit`]), so the window in
/// which an interrupted run leaves old and new files side by side is the renames alone.
#[derive(Debug, Default)]
pub struct Staging {
    files: std::sync::Mutex<Vec<Staged>>,
    /// Files written straight to their names in a fresh folder of their own (a new
    /// generation, [`publish::Publish`]): no temporary names, no sync per file.
    direct: Option<std::sync::Mutex<Vec<Written>>>,
}

impl Staging {
    /// Staging into a fresh folder that is published as a whole.
    pub fn direct() -> Self {
        Staging {
            files: Default::default(),
            direct: Some(Default::default()),
        }
    }

    /// Write `path` to a temporary file of this run.
    pub fn write_with(
        &self,
        path: &Path,
        f: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        if let Some(direct) = &self.direct {
            let file = write_new(path, f)?;
            direct
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(file);
            return Ok(());
        }
        let staged = stage(path, f)?;
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(staged);
        Ok(())
    }

    /// [`Staging::write_with`] for bytes in memory.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        self.write_with(path, |w| {
            w.write_all(bytes).map_err(|source| WriteError::Io {
                path: path.to_path_buf(),
                source,
            })
        })
    }

    /// Rename every staged file into place, in the order they were staged; the files, with
    /// their hashes. Files not renamed (on an error) are removed.
    pub fn commit(self) -> Result<Vec<Written>, WriteError> {
        if let Some(direct) = self.direct {
            return Ok(direct
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner));
        }
        let files = self
            .files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut done = Vec::with_capacity(files.len());
        for Staged { tmp, file } in files {
            tmp.persist(&file.path).map_err(|e| WriteError::Io {
                path: file.path.clone(),
                source: e.error,
            })?;
            done.push(file);
        }
        Ok(done)
    }
}

/// Write a file atomically from a writer callback.
///
/// The temporary file is created in the target's folder (so the rename cannot cross file
/// systems) under a fresh random name (`.NAME.XXXXXXXXXXXX.kaohe-tmp`) with `O_CREAT | O_EXCL`
/// (`tempfile`): two runs never share a temporary file, and a symbolic link planted at a
/// predictable name is never followed (an exclusive create fails on any existing name,
/// links included). It is synced, then renamed over the target; the rename replaces a link
/// at the target itself and does not write through it. On any failure the temporary file is
/// removed. Permissions are the usual `0o666` less the umask, as a plain create gives.
pub fn write_atomic_with(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let staged = stage(path, f)?;
    staged.tmp.persist(path).map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })
}

/// Create `path` (it must not exist: `O_EXCL`, never through a link) in a folder of a new
/// generation and write it, hashed; not synced (the generation is synced once).
pub fn write_new(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<Written, WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(io)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    use sha2::Digest as _;
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, &mut file);
    let mut hashing = Hashing {
        inner: &mut buf,
        hasher: sha2::Sha256::new(),
        bytes: 0,
    };
    f(&mut hashing)?;
    let (hasher, bytes) = (hashing.hasher, hashing.bytes);
    buf.flush().map_err(io)?;
    Ok(Written {
        path: path.to_path_buf(),
        sha256: hex(&hasher.finalize()),
        bytes,
    })
}

/// Write `path`'s content to a fresh temporary file beside it (see [`write_atomic_with`]),
/// synced, hashed, and not yet renamed.
pub fn stage(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<Staged, WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut builder = tempfile::Builder::new();
    let prefix = tmp_prefix(path);
    builder.prefix(&prefix).suffix(TMP_SUFFIX).rand_bytes(12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // Dropping `tmp` before `persist` (any error below) removes the temporary file.
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    let (sha256, bytes) = {
        use sha2::Digest as _;
        let mut buf = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        let mut hashing = Hashing {
            inner: &mut buf,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        };
        f(&mut hashing)?;
        let (hasher, n) = (hashing.hasher, hashing.bytes);
        buf.flush().map_err(io)?;
        (hex(&hasher.finalize()), n)
    };
    tmp.as_file().sync_all().map_err(io)?;
    Ok(Staged {
        tmp: tmp.into_temp_path(),
        file: Written {
            path: path.to_path_buf(),
            sha256,
            bytes,
        },
    })
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `rel` below the output folder `root`, proven to stay inside it: `rel` is relative and made
/// of plain names only (no `..`, `.`, root or drive), and no folder on the way below `root`
/// is a symbolic link. Every file kaohe writes into an output folder goes through here.
pub fn inside(root: &Path, rel: &Path) -> Result<PathBuf, WriteError> {
    use std::path::Component;
    let outside = || WriteError::Outside {
        root: root.to_path_buf(),
        rel: rel.to_path_buf(),
    };
    let parts: Vec<_> = rel.components().collect();
    if parts.is_empty() || !parts.iter().all(|c| matches!(c, Component::Normal(_))) {
        return Err(outside());
    }
    let mut at = root.to_path_buf();
    for (k, c) in parts.iter().enumerate() {
        at.push(c);
        if k + 1 < parts.len()
            && std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(outside());
        }
    }
    Ok(at)
}

/// Why `name` cannot be one folder's or file's name below an output folder, if it cannot: it
/// must be non-empty, at most 255 bytes, not `.` or `..`, without a path separator, a control
/// character or a character Windows forbids (`<>:"|?*`), and not begin or end with a space or
/// end with a dot.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.len() > 255 {
        return Some("it is longer than 255 bytes");
    }
    if name == "." || name == ".." {
        return Some("`.` and `..` name no folder of their own");
    }
    if name.chars().any(|c| {
        c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
    }) {
        return Some("it holds a path separator, a control character or one of <>:\"|?*");
    }
    if name.starts_with(' ') || name.ends_with(' ') || name.ends_with('.') {
        return Some("it begins or ends with a space or ends with a dot");
    }
    None
}

/// How the names of temporary files end (`.NAME.XXXXXXXXXXXX.kaohe-tmp`).
pub const TMP_SUFFIX: &str = ".kaohe-tmp";

/// How the temporary files of `path` begin: `.` and the file's name (its first 64 bytes) and
/// `.`, so a run can find what a killed run left beside a file it writes outside an output
/// folder (an in-place registry) and remove only that.
pub fn tmp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}.", &name[..end])
}

/// The name of the lock file kaohe holds in an output folder while it writes into it.
pub const LOCK_FILE: &str = ".kaohe.lock";

/// An output folder locked for one run (released when dropped, or by the system when the
/// process dies, so a killed run leaves no stale lock).
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

/// Lock the output folder `dir` (creating it) so that two runs writing into it are
/// serialised: the second waits for the first, calling `waiting` once before it waits.
/// The lock is an advisory `flock` on `dir/.kaohe.lock`, which is never followed if it is a
/// symbolic link.
pub fn lock_dir(dir: &Path, waiting: impl FnOnce()) -> Result<DirLock, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    lock_file(&dir.join(LOCK_FILE), waiting)
}

/// Lock the folder `dir` itself (an advisory `flock` on the folder, which must exist): for
/// the folder that holds an output folder, so that nothing is created beside it.
pub fn lock_folder(dir: &Path, waiting: impl FnOnce()) -> Result<DirLock, WriteError> {
    let io = |source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(dir).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(io)?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    Ok(DirLock { _file: file })
}

/// Lock the file `path` (created when missing, never followed if it is a link), waiting for
/// the run that holds it.
pub fn lock_file(path: &Path, waiting: impl FnOnce()) -> Result<DirLock, WriteError> {
    let path = path.to_path_buf();
    let io = |source| WriteError::Io {
        path: path.clone(),
        source,
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_file()) {
        return Err(WriteError::Io {
            path: path.clone(),
            source: std::io::Error::other("the lock file is not a regular file"),
        });
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(io)?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    Ok(DirLock { _file: file })
}

/// Most text Excel holds in one cell, in UTF-16 code units (what `rust_xlsxwriter` counts).
pub const MAX_CELL: usize = 32_767;
/// Most text of a cell note (Excel's cell limit less what the note's markup takes).
pub const MAX_NOTE: usize = MAX_CELL - 54;
/// What ends a text cut to fit a cell.
pub const CUT_NOTE: &str = "…(超出 Excel 单元格 32767 字的上限,以下已截断)";

/// `text` as it fits in `max` UTF-16 units: unchanged when it fits, otherwise cut at a
/// character boundary and ended with [`CUT_NOTE`].
pub fn fit(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max || text.encode_utf16().count() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = max.saturating_sub(CUT_NOTE.encode_utf16().count());
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > room {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}{CUT_NOTE}", &text[..end]))
}

/// Text cells that always fit: [`fit`] to [`MAX_CELL`] before writing, so a long name never
/// fails a workbook after the work is done. Every text cell of kaohe's workbooks is written
/// through these.
pub trait FitText {
    fn text(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
    ) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError>;
    fn text_fmt(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
        format: &rust_xlsxwriter::Format,
    ) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError>;
}

impl FitText for rust_xlsxwriter::Worksheet {
    fn text(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
    ) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
        self.write_string(row, col, fit(text.as_ref(), MAX_CELL))
    }
    fn text_fmt(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
        format: &rust_xlsxwriter::Format,
    ) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
        self.write_string_with_format(row, col, fit(text.as_ref(), MAX_CELL), format)
    }
}

/// Units up to which a run writes everything by default (the CLI's sizing); above it
/// outputs are sized to the run, and the workbook is compressed for speed.
pub const LARGE_RUN: usize = 10_000;

/// The scorecard JSON: the header pretty-printed, then one unit per line (compact), so
/// files stay readable and diffable and large runs stay small. Units are serialised in
/// parallel and joined in rank order, so the bytes do not depend on the thread count.
pub fn scorecard_json(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    write_scorecard_json(&mut out, a).map_err(|e| match e {
        WriteError::Io { source, .. } => WriteError::Encode {
            what: "scorecard.json",
            message: source.to_string(),
        },
        other => other,
    })?;
    Ok(out)
}

/// Units serialised at a time: bounds memory on large runs while keeping both cores busy.
const JSON_CHUNK: usize = 2048;

/// Stream the scorecard JSON into `w`, serialising a chunk of units in parallel at a time.
pub fn write_scorecard_json(w: &mut dyn Write, a: &Assessment) -> Result<(), WriteError> {
    use rayon::prelude::*;
    let enc = |e: serde_json::Error| WriteError::Encode {
        what: "scorecard.json",
        message: e.to_string(),
    };
    let io = |source| WriteError::Io {
        path: PathBuf::from("scorecard.json"),
        source,
    };
    let header = Assessment {
        units: Vec::new(),
        ..a.clone_header()
    };
    let head = serde_json::to_string_pretty(&header).map_err(enc)?;
    let Some(prefix) = head.strip_suffix("\"units\": []\n}") else {
        return Err(WriteError::Encode {
            what: "scorecard.json",
            message: "`units` must be the last field of the scorecard".into(),
        });
    };
    w.write_all(prefix.as_bytes()).map_err(io)?;
    w.write_all(b"\"units\": [").map_err(io)?;
    let mut first = true;
    for chunk in a.units.chunks(JSON_CHUNK) {
        let parts: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(serde_json::to_vec)
            .collect::<Result<_, _>>()
            .map_err(enc)?;
        for u in parts {
            w.write_all(if first { b"\n    " } else { b",\n    " })
                .map_err(io)?;
            w.write_all(&u).map_err(io)?;
            first = false;
        }
    }
    w.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
        .map_err(io)?;
    Ok(())
}

/// `summary.json`: what a run of any size says in a few lines — the set, how many units, how
/// many complete or not (by status), how many in each grade, how many vetoed and each veto's
/// count, and which files hold the rest. Written by every `assess` run, beside the ranked CSV.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary<'a> {
    pub schema: &'static str,
    pub indicator_set: &'a crate::result::SetStamp,
    pub period: &'a crate::result::PeriodStamp,
    pub units: usize,
    /// Units by status (`complete`, `incomplete`, `pending`, `no_evidence`).
    pub status: std::collections::BTreeMap<String, usize>,
    /// Units by grade, in the set's grade order, then the units without one (`—`).
    pub grades: Vec<(String, usize)>,
    /// Units without a grade (withheld), shown last in `grades` as `—`.
    #[serde(skip)]
    pub ungraded: usize,
    pub vetoed: usize,
    /// Per veto rule (id): how many units it fired in, and how many it could not decide.
    pub vetoes: std::collections::BTreeMap<String, VetoCount>,
    /// Whether `scorecard.json` (every unit fully explained) was written.
    pub scorecard_json: bool,
    /// Whether `notice.docx` (the 通报, a table row per unit) was written.
    pub notice_docx: bool,
    /// Whether `scorecard.xlsx` was written (not above Excel's row limit).
    pub scorecard_xlsx: bool,
    /// Unit reports written (`units/*.html`).
    pub unit_reports: usize,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VetoCount {
    pub fired: usize,
    pub undecided: usize,
}

impl<'a> Summary<'a> {
    /// The summary of every unit of `a`.
    pub fn new(a: &'a Assessment) -> Self {
        let mut s = Self::empty(a);
        for u in &a.units {
            s.add(u);
        }
        s
    }

    /// A summary of `a`'s set and period that counts no unit yet ([`Summary::add`] counts them:
    /// a run scored in pieces counts each piece as it goes).
    pub fn empty(a: &'a Assessment) -> Self {
        Summary {
            schema: "kaohe.summary/1",
            indicator_set: &a.indicator_set,
            period: &a.period,
            units: 0,
            status: std::collections::BTreeMap::new(),
            grades: a.grades.iter().map(|g| (g.label.clone(), 0)).collect(),
            ungraded: 0,
            vetoed: 0,
            vetoes: std::collections::BTreeMap::new(),
            scorecard_json: true,
            notice_docx: true,
            scorecard_xlsx: true,
            unit_reports: 0,
        }
    }

    /// Count one unit.
    pub fn add(&mut self, u: &crate::result::UnitResult) {
        self.add_figures(
            u.status,
            u.grade.as_deref(),
            u.vetoed,
            u.vetoes.iter().map(|v| (v.id.as_str(), v.outcome)),
        );
    }

    /// Count one unit by its figures: status, grade label, whether vetoed, and the vetoes that
    /// fired or could not be decided (id, outcome).
    pub fn add_figures<'v>(
        &mut self,
        status: crate::result::UnitStatus,
        grade: Option<&str>,
        vetoed: bool,
        vetoes: impl Iterator<Item = (&'v str, crate::result::VetoOutcome)>,
    ) {
        use crate::result::VetoOutcome;
        self.units += 1;
        // Looked up before inserting: no key allocated per unit.
        match self.status.get_mut(status.key()) {
            Some(n) => *n += 1,
            None => {
                self.status.insert(status.key().to_string(), 1);
            }
        }
        match grade.and_then(|g| self.grades.iter_mut().find(|x| x.0 == g)) {
            Some(slot) => slot.1 += 1,
            None => self.ungraded += 1,
        }
        self.vetoed += usize::from(vetoed);
        for (id, outcome) in vetoes {
            // Looked up before inserting: a veto id is cloned once per run, not per unit.
            let c = match self.vetoes.get_mut(id) {
                Some(c) => c,
                None => self.vetoes.entry(id.to_string()).or_default(),
            };
            match outcome {
                VetoOutcome::Fired => c.fired += 1,
                VetoOutcome::Undecided => c.undecided += 1,
                VetoOutcome::Clear => {}
            }
        }
    }

    /// Add the counts of `other`, a summary of the same assessment's other units (a run scored
    /// in pieces counts each piece on its own thread).
    pub fn merge(&mut self, other: Summary<'_>) {
        self.units += other.units;
        for (k, n) in other.status {
            *self.status.entry(k).or_default() += n;
        }
        for ((_, mine), (_, theirs)) in self.grades.iter_mut().zip(other.grades) {
            *mine += theirs;
        }
        self.ungraded += other.ungraded;
        self.vetoed += other.vetoed;
        for (k, c) in other.vetoes {
            let mine = self.vetoes.entry(k).or_default();
            mine.fired += c.fired;
            mine.undecided += c.undecided;
        }
    }

    /// The summary in a few lines for the terminal: units by status, by grade, vetoed.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {} 版本 {}:{} 个单位",
            self.indicator_set.name,
            self.period.label,
            self.indicator_set.version,
            thousands(self.units)
        );
        let status: Vec<String> = [
            crate::result::UnitStatus::Complete,
            crate::result::UnitStatus::Pending,
            crate::result::UnitStatus::Incomplete,
            crate::result::UnitStatus::NoEvidence,
        ]
        .iter()
        .filter_map(|st| {
            let n = *self.status.get(st.key())?;
            Some(format!("{} {}", st.zh(), thousands(n)))
        })
        .collect();
        s.push_str(&format!("({})\n", status.join("、")));
        let mut grades: Vec<String> = self
            .grades
            .iter()
            .map(|(g, n)| format!("{g} {}", thousands(*n)))
            .collect();
        if self.ungraded > 0 {
            grades.push(format!("未定等次 {}", thousands(self.ungraded)));
        }
        s.push_str(&format!("等次:{}\n", grades.join("、")));
        s.push_str(&format!("一票否决:{} 个单位\n", thousands(self.vetoed)));
        s
    }

    pub fn to_json(&self) -> Result<Vec<u8>, WriteError> {
        // The units without a grade last, as `—`.
        let mut shown = self.clone();
        if shown.ungraded > 0 {
            shown.grades.push(("—".to_string(), shown.ungraded));
        }
        let mut v = serde_json::to_vec_pretty(&shown).map_err(|e| WriteError::Encode {
            what: "summary.json",
            message: e.to_string(),
        })?;
        v.push(b'\n');
        Ok(v)
    }
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): text that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. A number
/// (`-3.5`, `+2`) is left as it is, so negative points stay numbers.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = || {
        let t = cell.trim();
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
            && <rust_decimal::Decimal as std::str::FromStr>::from_str(t).is_ok()
    };
    if risky && !number() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Write one CSV record with every cell through [`csv_cell`].
pub fn write_csv_record<W: Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    record: &[S],
) -> csv::Result<()> {
    let cells: Vec<std::borrow::Cow<'_, str>> =
        record.iter().map(|c| csv_cell(c.as_ref())).collect();
    w.write_record(cells.iter().map(|c| c.as_bytes()))
}

/// The scorecard CSV: UTF-8 with a BOM so that Excel opens it correctly.
pub fn scorecard_csv(a: &Assessment) -> Result<Vec<u8>, WriteError> {
    scorecard_csv_in(a, Lang::Zh)
}

/// [`scorecard_csv`] with its headings and its own words (status, vetoes, missing evidence)
/// in `lang`.
pub fn scorecard_csv_in(a: &Assessment, lang: Lang) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    out.extend(csv_line(&scorecard_csv_header_in(a, lang)));
    for u in &a.units {
        let (head, tail) = scorecard_csv_cells_in(a, u, lang);
        let rank = u.rank.map(|r| r.to_string()).unwrap_or_default();
        let peer_rank = u.peer_rank.map(|r| r.to_string()).unwrap_or_default();
        let [id, name, peer] = head;
        let mut row = vec![rank, id, name, peer, peer_rank];
        row.extend(tail);
        out.extend(csv_line(&row));
    }
    Ok(out)
}

/// The header row of the ranked scorecard CSV.
pub fn scorecard_csv_header(a: &Assessment) -> Vec<String> {
    scorecard_csv_header_in(a, Lang::Zh)
}

/// [`scorecard_csv_header`] in `lang`.
pub fn scorecard_csv_header_in(a: &Assessment, lang: Lang) -> Vec<String> {
    let first = match lang {
        Lang::Zh => ["排名", "单位代码", "单位名称", "方阵", "方阵排名"],
        Lang::En => ["Rank", "Unit id", "Unit", "Peer group", "Peer rank"],
    };
    let mut header: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    for l in &a.lines {
        header.push(match lang {
            Lang::Zh => format!("{}({})", l.name, show(l.max)),
            Lang::En => format!("{} ({})", l.name, show(l.max)),
        });
    }
    header.extend(score_columns(lang).iter().map(|s| s.to_string()));
    header
}

/// A unit's cells of the ranked scorecard CSV but its two ranks: before the peer rank (id,
/// name, peer group) and after it (lines, bonus, total … missing evidence). A run scored in
/// pieces keeps them until the ranks are known.
pub fn scorecard_csv_cells(
    a: &Assessment,
    u: &crate::result::UnitResult,
) -> ([String; 3], Vec<String>) {
    scorecard_csv_cells_in(a, u, Lang::Zh)
}

/// [`scorecard_csv_cells`] in `lang`.
pub fn scorecard_csv_cells_in(
    a: &Assessment,
    u: &crate::result::UnitResult,
    lang: Lang,
) -> ([String; 3], Vec<String>) {
    let peer = u
        .peer_group
        .as_ref()
        .and_then(|p| a.peer_groups.iter().find(|g| &g.id == p))
        .map(|g| g.name.clone())
        .unwrap_or_default();
    // A withheld figure is an empty cell, never 0; the status column says why.
    let known = |d: Option<Decimal>| d.map(show).unwrap_or_default();
    let mut tail = Vec::with_capacity(u.lines.len() + SCORE_COLUMNS.len());
    for l in &u.lines {
        tail.push(known(l.points));
    }
    tail.push(known(u.bonus));
    tail.push(known(u.total));
    tail.push(show(u.max_possible));
    tail.push(known(u.score));
    tail.push(u.grade.clone().unwrap_or_default());
    tail.push(veto_summary_in(u, lang));
    tail.push(lang.pick(u.status.zh(), u.status.en()).to_string());
    tail.push(missing_summary_in(u, lang));
    ([u.id.clone(), u.name.clone(), peer], tail)
}

/// One CSV record as the scorecard writes it (cells through [`csv_cell`], quoted where needed,
/// ending with `\n`). Records written one by one are the bytes of the whole table: a cell's
/// quoting depends on the cell alone.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    push_csv_line(&mut out, cells.iter().map(AsRef::as_ref));
    out
}

/// [`csv_line`] appended to `out`: the bytes the `csv` crate's writer (its defaults: `,`,
/// `"` doubled, quoted only where necessary, `\n`) gives for the same cells, written without
/// a writer per record (a large run writes a record per unit; `tests::csv_lines_as_the_csv_crate_writes_them`).
pub fn push_csv_line<'c>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'c str>) {
    let mut n = 0;
    let mut last_empty = false;
    for cell in cells {
        if n > 0 {
            out.push(b',');
        }
        let cell = csv_cell(cell);
        let bytes = cell.as_bytes();
        if bytes
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        {
            out.push(b'"');
            for &b in bytes {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(bytes);
        }
        n += 1;
        last_empty = bytes.is_empty();
    }
    // A record of one empty field is written `""` (an empty line would be no record).
    if n == 1 && last_empty {
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

/// The columns of the ranked scorecard after the line columns, in the CSV and the workbook.
pub const SCORE_COLUMNS: [&str; 8] = [
    "加分",
    "总分",
    "满分",
    "折算得分",
    "等次",
    "一票否决",
    "状态",
    "缺少佐证",
];

/// [`SCORE_COLUMNS`] in `lang`.
pub fn score_columns(lang: Lang) -> [&'static str; 8] {
    match lang {
        Lang::Zh => SCORE_COLUMNS,
        Lang::En => [
            "Bonus",
            "Total",
            "Maximum",
            "Score",
            "Grade",
            "Vetoes",
            "Status",
            "Missing evidence",
        ],
    }
}

/// "V1 统计数据弄虚作假; (提示) V9 …; (待核实) V3 …" — enforced, advisory marked, undecided
/// marked.
pub fn veto_summary(u: &crate::result::UnitResult) -> String {
    veto_summary_in(u, Lang::Zh)
}

/// [`veto_summary`] in `lang`: `(advisory) V9 …`, `(undecided) V3 …` in English.
pub fn veto_summary_in(u: &crate::result::UnitResult, lang: Lang) -> String {
    u.vetoes
        .iter()
        .map(|v| veto_entry(v.outcome, v.applied, (&v.id, &v.name), lang))
        .collect::<Vec<_>>()
        .join(VETO_SEPARATOR)
}

/// Between the entries of [`veto_summary_in`].
pub const VETO_SEPARATOR: &str = "; ";

/// One veto in [`veto_summary_in`]: `id name`, marked when undecided or only advice.
pub fn veto_entry(
    outcome: crate::result::VetoOutcome,
    applied: bool,
    (id, name): (&str, &str),
    lang: Lang,
) -> String {
    let (undecided, advisory) = match lang {
        Lang::Zh => ("(待核实)", "(提示)"),
        Lang::En => ("(undecided)", "(advisory)"),
    };
    if outcome == crate::result::VetoOutcome::Undecided {
        format!("{undecided} {id} {name}")
    } else if applied {
        format!("{id} {name}")
    } else {
        format!("{advisory} {id} {name}")
    }
}

/// The fields a unit lacks, by display name: "出生人口数(births)、…".
pub fn missing_summary(u: &crate::result::UnitResult) -> String {
    missing_summary_in(u, Lang::Zh)
}

/// [`missing_summary`] in `lang`: "Births (births), …" in English.
pub fn missing_summary_in(u: &crate::result::UnitResult, lang: Lang) -> String {
    let fields = u.missing_fields();
    missing_list_in(fields.iter().map(|(i, n)| (i.as_str(), n.as_str())), lang)
}

/// [`missing_summary_in`] of the fields `(id, name)`.
pub fn missing_list_in<'f>(fields: impl Iterator<Item = (&'f str, &'f str)>, lang: Lang) -> String {
    fields
        .map(|(id, name)| match lang {
            Lang::Zh => format!("{name}({id})"),
            Lang::En => format!("{name} ({id})"),
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// How many units are complete, and how many are not, by status: "1,237 of 1,244 个单位完整;
/// 7 个待补充" — one line for the table, the index and the workbook.
pub fn completeness_line(a: &Assessment) -> String {
    completeness_line_in(a, Lang::Zh)
}

/// [`completeness_line`] in `lang`: "8 / 8 units complete; 1 incomplete" in English.
pub fn completeness_line_in(a: &Assessment, lang: Lang) -> String {
    use crate::result::UnitStatus;
    let count = |s: UnitStatus| a.units.iter().filter(|u| u.status == s).count();
    let complete = count(UnitStatus::Complete);
    let mut line = match lang {
        Lang::Zh => format!(
            "{} / {} 个单位评分完整",
            thousands(complete),
            thousands(a.units.len())
        ),
        Lang::En => format!(
            "{} / {} {} complete",
            thousands(complete),
            thousands(a.units.len()),
            if a.units.len() == 1 { "unit" } else { "units" }
        ),
    };
    for s in [
        UnitStatus::Incomplete,
        UnitStatus::Pending,
        UnitStatus::NoEvidence,
    ] {
        let n = count(s);
        if n > 0 {
            match lang {
                Lang::Zh => line.push_str(&format!(";{} 个{}", thousands(n), s.zh())),
                Lang::En => line.push_str(&format!("; {} {}", thousands(n), s.en())),
            }
        }
    }
    line
}

/// What `kaohe check` says of a set's evidence, as a reporting-rate report: the completeness
/// line, each field blank in some units (how many), and the `top` units with the most blanks
/// or an undecided veto. Warnings, one per line, prefixed `warning:` (or `ok:` when complete).
pub fn completeness_report(a: &Assessment, top: usize) -> String {
    completeness_report_in(a, top, Lang::Zh)
}

/// [`completeness_report`] in `lang` (the set's and the units' names as written).
pub fn completeness_report_in(a: &Assessment, top: usize, lang: Lang) -> String {
    use crate::result::UnitStatus;
    let en = lang == Lang::En;
    let mut out = String::new();
    let complete = a
        .units
        .iter()
        .all(|u| u.status == UnitStatus::Complete && u.missing.is_empty());
    let tag = if complete { "ok" } else { "warning" };
    out.push_str(&format!(
        "{tag}: {}: {}\n",
        a.indicator_set.id,
        completeness_line_in(a, lang)
    ));
    // Fields by the number of units that lack them, most first.
    let mut fields: Vec<(String, String, usize)> = Vec::new();
    for u in &a.units {
        for f in &u.missing {
            match fields.iter_mut().find(|x| x.0 == f.id) {
                Some(x) => x.2 += 1,
                None => fields.push((f.id.clone(), f.name.clone(), 1)),
            }
        }
    }
    fields.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| x.0.cmp(&y.0)));
    for (id, name, n) in &fields {
        out.push_str(&if en {
            format!(
                "warning: {}: {name} ({id}) missing for {} {}\n",
                a.indicator_set.id,
                thousands(*n),
                if *n == 1 { "unit" } else { "units" }
            )
        } else {
            format!(
                "warning: {}: {name}({id}) 缺失于 {} 个单位\n",
                a.indicator_set.id,
                thousands(*n)
            )
        });
    }
    let mut units: Vec<&crate::result::UnitResult> = a
        .units
        .iter()
        .filter(|u| u.status != UnitStatus::Complete || !u.missing.is_empty())
        .collect();
    units.sort_by(|x, y| {
        y.missing
            .len()
            .cmp(&x.missing.len())
            .then_with(|| x.id.cmp(&y.id))
    });
    for u in units.iter().take(top) {
        let undecided: Vec<&str> = u.undecided_vetoes().map(|v| v.id.as_str()).collect();
        if en {
            let n = u.missing.len();
            out.push_str(&format!(
                "warning: {}: {} {} {}: {} {} missing{}{}\n",
                a.indicator_set.id,
                u.id,
                u.name,
                u.status.en(),
                n,
                if n == 1 { "value" } else { "values" },
                if u.missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        u.missing_fields()
                            .iter()
                            .map(|(id, name)| format!("{name} ({id})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                if undecided.is_empty() {
                    String::new()
                } else {
                    format!("; vetoes undecided: {}", undecided.join(", "))
                }
            ));
            continue;
        }
        out.push_str(&format!(
            "warning: {}: {} {} {}:缺 {} 项{}{}\n",
            a.indicator_set.id,
            u.id,
            u.name,
            u.status.zh(),
            u.missing.len(),
            if u.missing.is_empty() {
                String::new()
            } else {
                format!("({})", missing_summary(u))
            },
            if undecided.is_empty() {
                String::new()
            } else {
                format!(";无法判定的一票否决 {}", undecided.join("、"))
            }
        ));
    }
    if units.len() > top {
        let more = units.len() - top;
        out.push_str(&if en {
            format!(
                "warning: {}: {} more {} not listed\n",
                a.indicator_set.id,
                thousands(more),
                if more == 1 { "unit" } else { "units" }
            )
        } else {
            format!(
                "warning: {}: 另有 {} 个单位未列出\n",
                a.indicator_set.id,
                thousands(more)
            )
        });
    }
    out
}

/// A count with thousands separators (`1,244`).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let w = UnicodeWidthStr::width(s);
    let fill = " ".repeat(width.saturating_sub(w));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The ranked table printed in the terminal.
pub fn terminal_table(a: &Assessment) -> String {
    terminal_table_in(a, Lang::Zh)
}

/// The ranked table in `lang` (the fixed words: headers, statuses, veto marks, the title and
/// completeness lines; names come from the set and the evidence as written).
pub fn terminal_table_in(a: &Assessment, lang: Lang) -> String {
    let en = lang == Lang::En;
    let status = |s: crate::result::UnitStatus| if en { s.en() } else { s.zh() };
    let mut header: Vec<String> = if en {
        vec!["Rank".into(), "Unit".into(), "Peer group".into()]
    } else {
        vec!["排名".into(), "单位".into(), "方阵".into()]
    };
    for l in &a.lines {
        header.push(l.name.clone());
    }
    // A set of vetoes alone has no points: its outcome is the only figure.
    let veto_only = a.indicator_set.veto_only;
    let tail: &[&str] = match (veto_only, en) {
        (true, true) => &["Outcome", "Veto"],
        (true, false) => &["结论", "一票否决"],
        (false, true) => &["Bonus", "Total", "Grade", "Veto"],
        (false, false) => &["加分", "总分", "等次", "一票否决"],
    };
    header.extend(tail.iter().map(|s| s.to_string()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for u in &a.units {
        let peer = u
            .peer_group
            .as_ref()
            .and_then(|p| a.peer_groups.iter().find(|g| &g.id == p))
            .map(|g| match u.peer_rank {
                Some(r) => format!("{} {r}", g.name),
                None => g.name.clone(),
            })
            .unwrap_or_default();
        // Units without a rank are listed after the ranked ones with their status as marker.
        let rank = u
            .rank
            .map_or_else(|| status(u.status).to_string(), |r| r.to_string());
        let mut row = vec![rank, u.name.clone(), peer];
        for l in &u.lines {
            row.push(show_known(l.points));
        }
        if !veto_only {
            row.push(show_known(u.bonus));
            row.push(if u.max_possible != a.indicator_set.scale {
                format!("{}/{}", show_known(u.total), show(u.max_possible))
            } else {
                show_known(u.total)
            });
        }
        row.push(match &u.grade {
            Some(g) => g.clone(),
            None if en => status(u.status).to_string(),
            None => u.grade_or_status().to_string(),
        });
        let mut vetoes = veto_summary_in(u, lang);
        let missing = missing_summary_in(u, lang);
        if !missing.is_empty() {
            if !vetoes.is_empty() {
                vetoes.push_str("; ");
            }
            vetoes.push_str(&if en {
                format!("missing: {missing}")
            } else {
                format!("缺:{missing}")
            });
        }
        row.push(vetoes);
        rows.push(row);
    }
    let n = header.len();
    let mut widths = vec![0usize; n];
    for r in std::iter::once(&header).chain(rows.iter()) {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(UnicodeWidthStr::width(c.as_str()));
        }
    }
    let numeric = |i: usize| i == 0 || (i >= 3 && i < n - 2);
    let mut out = String::new();
    out.push_str(&if en {
        format!(
            "{} {} (version {}) · {} · {} {}\n",
            a.indicator_set.name,
            a.indicator_set.id,
            a.indicator_set.version,
            a.period.label,
            a.units.len(),
            if a.units.len() == 1 { "unit" } else { "units" }
        )
    } else {
        format!(
            "{} {} (版本 {}) · {} · {}个单位\n",
            a.indicator_set.name,
            a.indicator_set.id,
            a.indicator_set.version,
            a.period.label,
            a.units.len()
        )
    });
    let line = |r: &Vec<String>| -> String {
        r.iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], numeric(i)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let head = line(&header);
    let body: Vec<String> = rows.iter().map(line).collect();
    // The rule is as wide as the widest line printed (each line ends at its last character).
    let wide = std::iter::once(&head)
        .chain(&body)
        .map(|l| UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0);
    out.push_str(&head);
    out.push('\n');
    out.push_str(&"-".repeat(wide));
    out.push('\n');
    for l in &body {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&completeness_line_in(a, lang));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_fit_a_cell_with_a_note() {
        assert_eq!(fit("短", 10), "短");
        let long = "名".repeat(80);
        let cut = fit(&long, 60);
        assert!(cut.encode_utf16().count() <= 60, "{cut}");
        assert!(cut.starts_with("名名"));
        assert!(cut.ends_with(CUT_NOTE));
        // A character outside the BMP takes two units and is never split.
        let wide = "😀".repeat(40);
        let cut = fit(&wide, 61);
        assert!(cut.encode_utf16().count() <= 61);
        assert!(cut.starts_with("😀"));
    }

    #[test]
    fn only_plain_relative_names_are_inside() {
        let root = Path::new("out");
        assert_eq!(
            inside(root, Path::new("units/a.html")).ok(),
            Some(PathBuf::from("out/units/a.html"))
        );
        for bad in ["..", "../x", "/etc/passwd", "a/../../b", "./x", ""] {
            assert!(inside(root, Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn csv_cells_are_never_formulas_but_numbers_stay_numbers() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-3.5", "-3.5"),
            ("+2", "+2"),
            ("福田区", "福田区"),
            ("", ""),
            ("-", "'-"),
        ] {
            assert_eq!(csv_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn csv_lines_as_the_csv_crate_writes_them() {
        let cells = [
            "",
            "a",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\r",
            "=1+1",
            "-3.5",
            "福田区",
            " sp ",
            "\"",
            ",",
            "'",
            "\t",
            "a;b",
            "x\r\ny",
        ];
        let mut records: Vec<Vec<&str>> = vec![vec![""], vec!["", ""], vec!["a"]];
        for (i, a) in cells.iter().enumerate() {
            records.push(vec![a]);
            for b in &cells[i..] {
                records.push(vec![a, b, "", a]);
            }
        }
        for r in &records {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            write_csv_record(&mut w, r).expect("written");
            let want = w.into_inner().expect("flushed");
            let got = csv_line(r);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{r:?}"
            );
        }
    }

    #[test]
    fn folder_names() {
        assert_eq!(name_problem("sz-street"), None);
        assert_eq!(name_problem("街道"), None);
        for bad in ["", ".", "..", "a/b", "a\\b", "x.", " x", "a\u{1b}b", "a:b"] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(name_problem(&"a".repeat(256)).is_some());
    }
}
