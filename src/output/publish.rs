//! Publishing one run's output folder as a whole.
//!
//! A run writes every file into a fresh folder beside the output folder
//! (`.<name>.kaohe-new-XXXXXX`, created exclusively), writes its `manifest.json` there, syncs
//! the file system once, and then exchanges that folder with the output folder in one atomic
//! rename (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere, or where the file system cannot,
//! two renames, the old folder kept beside until the new one is in place). The previous
//! generation is then removed. A run killed at any moment leaves the old folder or the new
//! one, never a mix; what it left beside is removed by the next run.
//!
//! The output folder is owned by the runs that write it: files an earlier kaohe run wrote
//! (listed in its manifest) are simply not carried over, so nothing stale stays; a folder
//! holding files kaohe did not write is refused unless forced, and then those files are
//! carried into the new generation (hard links: they stay in place).

use super::manifest::{self, FileEntry, MANIFEST, Manifest, SetEntry};
use super::{DirLock, Staging, WriteError, Written};
use std::path::{Path, PathBuf};

/// Why an output folder cannot be published into.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "{dir} holds {count} file(s) kaohe did not write ({first}{more}): refusing to replace \
         the folder; choose an empty or new folder with -o, or give --force to keep those files \
         beside the outputs"
    )]
    Foreign {
        dir: PathBuf,
        count: usize,
        first: String,
        more: String,
    },
    #[error(
        "{dir} is the current folder or holds it: kaohe replaces its output folder as a whole, \
         and every file in it that an earlier run did not need would be gone (even with \
         --force, the folder itself is replaced); choose a folder of its own, such as -o out"
    )]
    HoldsCurrent { dir: PathBuf },
    #[error(
        "{dir} holds {input}, read by this run: kaohe replaces its output folder as a whole \
         (even with --force); choose a folder of its own for the outputs, such as -o out"
    )]
    HoldsInput { dir: PathBuf, input: PathBuf },
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An output folder being published: locked, checked, with its new generation being written
/// into [`Publish::dir`].
#[derive(Debug)]
pub struct Publish {
    /// The output folder as named (for messages).
    pub out: PathBuf,
    /// The output folder, absolute, links resolved.
    target: PathBuf,
    /// The new generation, beside `target` (removed when dropped: after an error, or holding
    /// the previous generation after the exchange).
    staging: Beside,
    /// Files of the current folder that kaohe did not write, carried over (`--force`).
    carry: Vec<String>,
    /// The files written, hashed.
    pub stage: Staging,
    _lock: DirLock,
}

/// A folder beside the output folder, removed with everything in it when dropped.
#[derive(Debug)]
struct Beside(PathBuf);

impl Drop for Beside {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Refuse an output folder that a whole-folder publication would take from under the user:
/// the current folder or a folder holding it (`-o .`, `-o ..`), or a folder holding one of
/// `inputs` (the set, the evidence, earlier scorecards). Forcing does not help: the folder
/// is replaced, not written into.
pub fn check_own_folder(out: &Path, inputs: &[PathBuf]) -> Result<(), PublishError> {
    let target = resolve_existing(out)?;
    let Some(target) = target else {
        return Ok(());
    };
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize())
        && cwd.starts_with(&target)
    {
        return Err(PublishError::HoldsCurrent {
            dir: out.to_path_buf(),
        });
    }
    for input in inputs {
        if let Ok(real) = input.canonicalize()
            && real.starts_with(&target)
        {
            return Err(PublishError::HoldsInput {
                dir: out.to_path_buf(),
                input: input.clone(),
            });
        }
    }
    Ok(())
}

/// The output folder `out`, absolute with links resolved, when it exists.
fn resolve_existing(out: &Path) -> Result<Option<PathBuf>, WriteError> {
    let abs = std::path::absolute(out).map_err(io(out))?;
    Ok(abs.canonicalize().ok())
}

/// The parent folder and the last name of an absolute folder path.
fn split(target: &Path) -> Result<(PathBuf, String), WriteError> {
    match (target.parent(), target.file_name()) {
        (Some(p), Some(n)) => Ok((p.to_path_buf(), n.to_string_lossy().into_owned())),
        _ => Err(WriteError::Io {
            path: target.to_path_buf(),
            source: std::io::Error::other("the root folder cannot be an output folder"),
        }),
    }
}

/// The output folder `out` as an absolute path with links resolved (it may not exist yet:
/// then its parent is resolved).
fn resolve(out: &Path) -> Result<PathBuf, WriteError> {
    let abs = std::path::absolute(out).map_err(io(out))?;
    if let Ok(real) = abs.canonicalize() {
        return Ok(real);
    }
    // Errors name the folder as given.
    let (parent, name) = split(&abs)?;
    std::fs::create_dir_all(&parent).map_err(io(out))?;
    Ok(parent.canonicalize().map_err(io(out))?.join(name))
}

/// The hidden names beside the output folder `name`: its new and old generations.
fn beside(name: &str, what: &str) -> String {
    format!(".{name}.kaohe-{what}")
}

impl Publish {
    /// Lock the output folder `out` (waiting for another run, `waiting` said once), remove what
    /// an interrupted run left beside it, and check that the folder holds only files kaohe
    /// wrote (or `force`); the new generation is then written below [`Publish::dir`].
    pub fn begin(out: &Path, force: bool, waiting: impl FnOnce()) -> Result<Self, PublishError> {
        let target = resolve(out)?;
        if std::fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir()) {
            return Err(PublishError::NotAFolder(out.to_path_buf()));
        }
        let (parent, name) = split(&target)?;
        // What an interrupted `decide` (or another command adding files) left half renamed
        // is finished first: its journal names the files it was publishing.
        if target.is_dir() {
            recover_files(&target, || {})?;
        }
        // The folder holding the output folder is locked (the output folder itself is
        // replaced): runs into folders side by side wait for each other, briefly.
        let lock = super::lock_folder(&parent, waiting)?;
        recover(&parent, &name, &target)?;
        let carry = foreign(&target)?;
        if !carry.is_empty() && !force {
            return Err(PublishError::Foreign {
                dir: out.to_path_buf(),
                count: carry.len(),
                first: carry[0].clone(),
                more: if carry.len() > 1 {
                    "…".into()
                } else {
                    String::new()
                },
            });
        }
        let staging = Beside(
            tempfile::Builder::new()
                .prefix(&beside(&name, "new-"))
                .rand_bytes(8)
                .tempdir_in(&parent)
                .map_err(io(&parent))?
                .keep(),
        );
        Ok(Publish {
            out: out.to_path_buf(),
            target,
            staging,
            carry,
            stage: Staging::direct(),
            _lock: lock,
        })
    }

    /// The folder the new generation is written into.
    pub fn dir(&self) -> &Path {
        &self.staging.0
    }

    /// `path` (below [`Publish::dir`]) as it will be once published (below the output folder
    /// as named).
    pub fn published(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.staging.0) {
            Ok(rel) => self.out.join(rel),
            Err(_) => path.to_path_buf(),
        }
    }

    /// Write the manifest (every file staged, the sets and evidence read), carry the files
    /// kaohe did not write (`--force`), sync once, and put the new generation in place of the
    /// old. The files written, relative to the output folder.
    pub fn commit(
        self,
        sets: Vec<SetEntry>,
        evidence: Vec<FileEntry>,
        external: Vec<Written>,
    ) -> Result<Manifest, WriteError> {
        let Publish {
            target,
            staging,
            carry,
            stage,
            _lock,
            ..
        } = self;
        let dir = &staging.0;
        let files = stage.commit()?;
        let mut m = Manifest::new(dir, sets, evidence, &files);
        m.external = external
            .iter()
            .map(|w| FileEntry {
                path: w.path.display().to_string(),
                sha256: w.sha256.clone(),
                bytes: w.bytes,
            })
            .collect();
        manifest::write_plain(dir, &m)?;
        for rel in &carry {
            link_into(&target, dir, rel)?;
        }
        carry_folders(&target, dir)?;
        sync(dir)?;
        swap(&target, dir)?;
        // `staging` now holds the previous generation (or nothing): removed when dropped.
        drop(staging);
        Ok(m)
    }
}

/// What an interrupted run left beside the output folder `name` in `parent`: a new generation
/// never put in place is removed; an old generation moved aside is put back when the output
/// folder is missing (a run killed between the two renames), else removed.
fn recover(parent: &Path, name: &str, target: &Path) -> Result<(), WriteError> {
    let new = beside(name, "new-");
    let old = beside(name, "old-");
    let Ok(rd) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let mut olds = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&new) {
            let _ = std::fs::remove_dir_all(e.path());
        } else if n.starts_with(&old) {
            olds.push(e.path());
        }
    }
    for o in olds {
        if std::fs::symlink_metadata(target).is_err() {
            std::fs::rename(&o, target).map_err(io(target))?;
        } else {
            let _ = std::fs::remove_dir_all(&o);
        }
    }
    Ok(())
}

/// The files below `dir` that kaohe did not write: everything but its manifest and the files
/// it lists, and temporary files of a run. A folder without a manifest holds only foreign
/// files (or none).
fn foreign(dir: &Path) -> Result<Vec<String>, WriteError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let listed: std::collections::BTreeSet<String> = match std::fs::read(dir.join(MANIFEST)) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => m.files.into_iter().map(|f| f.path).collect(),
            Err(_) => Default::default(),
        },
        Err(_) => Default::default(),
    };
    let has_manifest = !listed.is_empty() || dir.join(MANIFEST).is_file();
    let mut all = Vec::new();
    manifest::walk_all(dir, dir, &mut all);
    all.sort();
    Ok(all
        .into_iter()
        .filter(|p| {
            !(has_manifest && (p == MANIFEST || listed.contains(p)))
                && !manifest::is_temporary(p)
                && p != super::LOCK_FILE
        })
        .collect())
}

/// Hard-link `from/rel` into `to/rel` (a link is copied as a link), creating folders.
fn link_into(from: &Path, to: &Path, rel: &str) -> Result<(), WriteError> {
    let src = rel.split('/').fold(from.to_path_buf(), |p, c| p.join(c));
    let dst = rel.split('/').fold(to.to_path_buf(), |p, c| p.join(c));
    if dst.exists() {
        // The run wrote a file of that name: the run's file wins.
        return Ok(());
    }
    if let Some(d) = dst.parent() {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let meta = std::fs::symlink_metadata(&src).map_err(io(&src))?;
    if meta.file_type().is_symlink() {
        #[cfg(unix)]
        {
            let t = std::fs::read_link(&src).map_err(io(&src))?;
            std::os::unix::fs::symlink(t, &dst).map_err(io(&dst))?;
        }
        return Ok(());
    }
    std::fs::hard_link(&src, &dst)
        .or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))
        .map_err(io(&dst))
}

/// The old generation's folders in the new one: the output folder's permissions, and below it
/// every empty folder (a user's, carried like their files) and the permissions of every
/// folder the new generation has too. Nothing of the folders a user made or restricted is lost
/// when a run replaces the folder.
fn carry_folders(from: &Path, to: &Path) -> Result<(), WriteError> {
    if !from.is_dir() {
        return Ok(());
    }
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&src) else {
            continue;
        };
        let mut empty = true;
        for e in entries.filter_map(Result::ok) {
            empty = false;
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((e.path(), dst.join(e.file_name())));
            }
        }
        if empty && !dst.exists() {
            std::fs::create_dir_all(&dst).map_err(io(&dst))?;
        }
        if dst.is_dir() {
            let perms = std::fs::metadata(&src).map_err(io(&src))?.permissions();
            std::fs::set_permissions(&dst, perms).map_err(io(&dst))?;
        }
    }
    Ok(())
}

/// Make the new generation durable before it is put in place: one `syncfs` of its file
/// system on Linux, else every file synced.
fn sync(dir: &Path) -> Result<(), WriteError> {
    #[cfg(target_os = "linux")]
    {
        let f = std::fs::File::open(dir).map_err(io(dir))?;
        rustix::fs::syncfs(&f).map_err(|e| io(dir)(e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut all = Vec::new();
        manifest::walk_all(dir, dir, &mut all);
        for rel in all {
            let p = rel.split('/').fold(dir.to_path_buf(), |p, c| p.join(c));
            if let Ok(f) = std::fs::File::open(&p) {
                f.sync_all().map_err(io(&p))?;
            }
        }
        Ok(())
    }
}

/// Put `new` in place of `target`; afterwards `new` names the previous generation (or
/// nothing, when there was none).
fn swap(target: &Path, new: &Path) -> Result<(), WriteError> {
    if std::fs::symlink_metadata(target).is_err() {
        return std::fs::rename(new, target).map_err(io(target));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(target)(e.into())),
        }
    }
    // Two renames: the old generation aside (put back by the next run if killed here), the
    // new one in place, the old one where `new` was.
    let (parent, name) = split(target)?;
    let old = parent.join(format!(
        "{}{}",
        beside(&name, "old-"),
        new.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .rsplit('-')
            .next()
            .unwrap_or_default()
    ));
    std::fs::rename(target, &old).map_err(io(target))?;
    std::fs::rename(new, target).map_err(io(target))?;
    std::fs::rename(&old, new).map_err(io(new))
}

/// The journal of a publication of files into a folder that kaohe does not replace as a whole
/// ([`add_files`]): where it is, below the output folder.
pub const JOURNAL: &str = ".kaohe-publish.json";

/// What [`add_files`] is about to rename, written (synced) before the first rename: the file
/// whose rename commits the publication with the hash it will then have, and every other
/// temporary file with the name it takes. A run that finds a journal finishes the
/// publication when the commit file has that hash (it was renamed: the rest follow), and
/// otherwise removes the temporary files (nothing was published).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Journal {
    commit: Rename,
    sha256: String,
    rest: Vec<Rename>,
}

/// A temporary file and the name it takes (absolute paths).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    from: PathBuf,
    to: PathBuf,
}

impl Rename {
    /// Whether this is a rename kaohe would have written: a temporary file of `to`'s (same
    /// folder, `.NAME.XXXXXXXXXXXX.kaohe-tmp`), so a planted journal renames nothing else.
    fn plausible(&self) -> bool {
        let name = self
            .from
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.from.is_absolute()
            && self.from.parent().is_some()
            && self.from.parent() == self.to.parent()
            && name.starts_with(&super::tmp_prefix(&self.to))
            && name.ends_with(super::TMP_SUFFIX)
    }
}

/// Where an interrupted run crashed, for tests of [`add_files`]' recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Crash {
    Never,
    /// After the journal was written, before the commit file was renamed.
    BeforeCommit,
    /// After the commit file was renamed, before the others.
    AfterCommit,
}

/// Sync a folder (the renames in it made durable).
fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io(dir))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The folder holding `path` (absolute, links resolved), for locking.
fn folder_of(path: &Path) -> Result<PathBuf, WriteError> {
    let abs = std::path::absolute(path).map_err(io(path))?;
    let parent = abs.parent().unwrap_or(&abs).to_path_buf();
    parent.canonicalize().map_err(io(&parent))
}

/// Lock the folders of a publication, each once, in name order (two runs never wait for each
/// other the other way round).
fn lock_all(mut folders: Vec<PathBuf>, waiting: impl FnOnce()) -> Result<Vec<DirLock>, WriteError> {
    folders.sort();
    folders.dedup();
    let mut waiting = Some(waiting);
    let mut locks = Vec::with_capacity(folders.len());
    for f in folders {
        let w = waiting.take();
        locks.push(super::lock_folder(&f, || {
            if let Some(w) = w {
                w();
            }
        })?);
    }
    Ok(locks)
}

/// Finish or undo what an interrupted [`add_files`] left in `out` (its folder's lock held):
/// with the commit file renamed, the other files are renamed too; without, the temporary files
/// are removed. Then the journal is removed. Whether there was a journal.
fn finish_journal(out: &Path) -> Result<bool, WriteError> {
    let path = out.join(JOURNAL);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(false);
    };
    if let Ok(j) = serde_json::from_slice::<Journal>(&bytes)
        && j.commit.plausible()
        && j.rest.iter().all(Rename::plausible)
    {
        let committed = !j.commit.from.exists()
            && manifest::hash_file(&j.commit.to).is_ok_and(|(h, _)| h == j.sha256);
        for r in &j.rest {
            if !r.from.exists() {
                continue;
            }
            if committed {
                std::fs::rename(&r.from, &r.to).map_err(io(&r.to))?;
            } else {
                let _ = std::fs::remove_file(&r.from);
            }
        }
        if !committed {
            let _ = std::fs::remove_file(&j.commit.from);
        }
        for r in std::iter::once(&j.commit).chain(&j.rest) {
            if let Some(d) = r.to.parent() {
                sync_dir(d)?;
            }
        }
    }
    std::fs::remove_file(&path).map_err(io(&path))?;
    sync_dir(out)?;
    Ok(true)
}

/// Finish or undo what an interrupted [`add_files`] into `out` left (see [`add_files`]),
/// waiting for a run that is writing there; before a command reads files it may have
/// published (`decide` reads the registry it updates).
pub fn recover_files(out: &Path, waiting: impl FnOnce()) -> Result<(), WriteError> {
    if std::fs::symlink_metadata(out.join(JOURNAL)).is_err() {
        return Ok(());
    }
    let mut folders = vec![folder_of(out)?];
    if let Ok(bytes) = std::fs::read(out.join(JOURNAL))
        && let Ok(j) = serde_json::from_slice::<Journal>(&bytes)
    {
        for r in std::iter::once(&j.commit).chain(&j.rest) {
            if let Some(d) = r.to.parent().and_then(|d| d.canonicalize().ok()) {
                folders.push(d);
            }
        }
    }
    let _locks = lock_all(folders, waiting)?;
    finish_journal(out).map(|_| ())
}

/// Remove the temporary files a killed run left beside `path` (its folder's lock held).
fn remove_beside(path: &Path) {
    let prefix = super::tmp_prefix(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix)
            && n.ends_with(super::TMP_SUFFIX)
            && n.len() == prefix.len() + 12 + super::TMP_SUFFIX.len()
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Add files to an output folder that another run may own (`decide`, `self-assess`,
/// `handbook`, `diff` write beside `assess`'s outputs), as one publication: the folders
/// are locked (the output folder's, as for a whole run, and those of `external` files such
/// as a registry updated in place), every path is proven inside the output folder, each file
/// — and the folder's manifest listing them with their hashes (the files of the run that
/// wrote the folder stay listed; `external` files with their hashes) — is written in full to
/// its temporary name and synced, then a journal of the renames (`JOURNAL`), and only then
/// are the files renamed, the first `external` file (else the first file) first: that rename
/// commits the publication. A run killed before it leaves the old files; after it, the next
/// run on the folder (or `decide` before it reads the registry: [`recover_files`]) renames
/// the rest from the journal, so the registry and the brief written with it are published
/// together or not at all. What a killed run left beside an `external` file before its
/// journal was written is removed. The paths written, as named.
pub fn add_files(
    out: &Path,
    files: Vec<(PathBuf, Vec<u8>)>,
    external: Vec<(PathBuf, Vec<u8>)>,
    waiting: impl FnOnce(),
) -> Result<Vec<PathBuf>, WriteError> {
    add_files_crashing(out, files, external, waiting, Crash::Never)
}

#[doc(hidden)]
pub fn add_files_crashing(
    out: &Path,
    files: Vec<(PathBuf, Vec<u8>)>,
    external: Vec<(PathBuf, Vec<u8>)>,
    waiting: impl FnOnce(),
    crash: Crash,
) -> Result<Vec<PathBuf>, WriteError> {
    let target = resolve(out)?;
    let (parent, _) = split(&target)?;
    let mut folders = vec![parent];
    for (path, _) in &external {
        folders.push(folder_of(path)?);
    }
    let _locks = lock_all(folders, waiting)?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    finish_journal(out)?;
    for (path, _) in &external {
        remove_beside(path);
    }
    let mut paths = Vec::with_capacity(files.len());
    for (rel, _) in &files {
        paths.push(super::inside(out, rel)?);
    }
    // What a run killed before its journal left beside the files it was adding, the folder's
    // manifest among them, and a journal it was still writing.
    for path in &paths {
        remove_beside(path);
    }
    remove_beside(&out.join(MANIFEST));
    remove_beside(&out.join(JOURNAL));
    let write = |path: &Path, bytes: &[u8]| {
        super::stage(path, |w| {
            w.write_all(bytes).map_err(|source| WriteError::Io {
                path: path.to_path_buf(),
                source,
            })
        })
    };
    // Every file to its temporary name (synced), externals first; `Some(named)` for those.
    let mut staged: Vec<(super::Staged, Option<PathBuf>)> =
        Vec::with_capacity(external.len() + files.len() + 1);
    for (path, bytes) in &external {
        staged.push((write(path, bytes)?, Some(path.clone())));
    }
    for (path, (_, bytes)) in paths.iter().zip(&files) {
        staged.push((write(path, bytes)?, None));
    }
    // The manifest: the folder's (or a new one), with these files and external files.
    let mut m = match std::fs::read(out.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
    {
        Some(m) => m,
        None => Manifest::new(out, Vec::new(), Vec::new(), &[]),
    };
    for (s, named) in &staged {
        match named {
            Some(path) => {
                let path = path.display().to_string();
                m.external.retain(|x| x.path != path);
                m.external.push(FileEntry {
                    path,
                    sha256: s.file.sha256.clone(),
                    bytes: s.file.bytes,
                });
            }
            None => {
                let rel = Manifest::new(out, Vec::new(), Vec::new(), std::slice::from_ref(&s.file));
                for f in rel.files {
                    m.files.retain(|x| x.path != f.path);
                    m.files.push(f);
                }
            }
        }
    }
    m.files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut json = serde_json::to_vec_pretty(&m).map_err(|e| WriteError::Encode {
        what: "manifest.json",
        message: e.to_string(),
    })?;
    json.push(b'\n');
    staged.push((write(&out.join(MANIFEST), &json)?, None));
    // The journal (absolute paths), then the renames: the commit file first.
    let mut renames = Vec::with_capacity(staged.len());
    let mut temps = Vec::with_capacity(staged.len());
    let mut dirs = Vec::new();
    for (s, _) in staged {
        let to = std::path::absolute(&s.file.path).map_err(io(&s.file.path))?;
        let from = std::path::absolute(&s.tmp).map_err(io(&s.file.path))?;
        if let Some(d) = to.parent() {
            dirs.push(d.to_path_buf());
        }
        renames.push((Rename { from, to }, s.file.sha256));
        temps.push(s.tmp);
    }
    dirs.sort();
    dirs.dedup();
    let Some(((commit, sha256), rest)) = renames.split_first() else {
        return Ok(paths);
    };
    let journal = Journal {
        commit: commit.clone(),
        sha256: sha256.clone(),
        rest: rest.iter().map(|(r, _)| r.clone()).collect(),
    };
    let text = serde_json::to_vec_pretty(&journal).map_err(|e| WriteError::Encode {
        what: JOURNAL,
        message: e.to_string(),
    })?;
    super::write_atomic(&out.join(JOURNAL), &text)?;
    sync_dir(out)?;
    // From here on the temporary files belong to the journal: never removed when dropped.
    for tmp in temps {
        let _ = tmp.keep();
    }
    if crash == Crash::BeforeCommit {
        return Ok(paths);
    }
    std::fs::rename(&commit.from, &commit.to).map_err(io(&commit.to))?;
    if let Some(d) = commit.to.parent() {
        sync_dir(d)?;
    }
    if crash == Crash::AfterCommit {
        return Ok(paths);
    }
    for (r, _) in rest {
        std::fs::rename(&r.from, &r.to).map_err(io(&r.to))?;
    }
    for d in &dirs {
        sync_dir(d)?;
    }
    let j = out.join(JOURNAL);
    std::fs::remove_file(&j).map_err(io(&j))?;
    sync_dir(out)?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name below `dir`, relative, sorted.
    fn tree(dir: &Path) -> Vec<String> {
        let mut all = Vec::new();
        manifest::walk_all(dir, dir, &mut all);
        all.sort();
        all
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).expect("read")
    }

    /// An output folder with a brief, and a registry in a folder of its own.
    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("out");
        let reg = dir.path().join("titles").join("registry.yaml");
        std::fs::create_dir_all(reg.parent().expect("parent")).expect("mkdir");
        std::fs::write(&reg, "old registry\n").expect("registry");
        add_files(
            &out,
            vec![(PathBuf::from("brief.csv"), b"old brief\n".to_vec())],
            Vec::new(),
            || {},
        )
        .expect("first");
        (dir, out, reg)
    }

    fn decide(out: &Path, reg: &Path, crash: Crash) {
        add_files_crashing(
            out,
            vec![(PathBuf::from("brief.csv"), b"new brief\n".to_vec())],
            vec![(reg.to_path_buf(), b"new registry\n".to_vec())],
            || {},
            crash,
        )
        .expect("publish");
    }

    #[test]
    fn a_publication_killed_after_its_commit_is_finished_by_the_next_run() {
        let (dir, out, reg) = setup();
        decide(&out, &reg, Crash::AfterCommit);
        // Killed here: the registry is new, the brief not yet.
        assert_eq!(read(&reg), "new registry\n");
        assert_eq!(read(&out.join("brief.csv")), "old brief\n");
        assert!(out.join(JOURNAL).exists());
        recover_files(&out, || {}).expect("recover");
        assert_eq!(read(&out.join("brief.csv")), "new brief\n");
        assert_eq!(
            tree(dir.path()),
            ["out/brief.csv", "out/manifest.json", "titles/registry.yaml"]
        );
        let m: Manifest = serde_json::from_str(&read(&out.join(MANIFEST))).expect("manifest");
        let (sha, _) = manifest::hash_file(&reg).expect("hash");
        assert_eq!(m.external.len(), 1);
        assert_eq!(m.external[0].sha256, sha);
        assert_eq!(m.files.len(), 1);
        assert_eq!(m.files[0].path, "brief.csv");
    }

    /// One run publishing `scorecard.csv` into `out` (`force` as `--force`).
    fn run(out: &Path, force: bool) -> Result<Manifest, String> {
        let p = Publish::begin(out, force, || {}).map_err(|e| e.to_string())?;
        let csv = p.dir().join("scorecard.csv");
        p.stage.write(&csv, b"a,b\n").map_err(|e| e.to_string())?;
        p.commit(Vec::new(), Vec::new(), Vec::new())
            .map_err(|e| e.to_string())
    }

    #[cfg(unix)]
    #[test]
    fn a_forced_run_keeps_the_users_files_empty_folders_and_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("out");
        run(&out, false).expect("first run");
        std::fs::create_dir_all(out.join("notes/empty")).expect("mkdir");
        std::fs::write(out.join("notes/read-me.txt"), "mine\n").expect("write");
        std::fs::create_dir(out.join("drafts")).expect("mkdir");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        std::fs::set_permissions(out.join("notes"), std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        // The user's file makes the folder not kaohe's: refused without --force.
        assert!(run(&out, false).is_err());
        run(&out, true).expect("forced run");
        assert_eq!(read(&out.join("notes/read-me.txt")), "mine\n");
        assert!(out.join("notes/empty").is_dir());
        assert!(out.join("drafts").is_dir());
        assert_eq!(mode(&out), 0o750);
        assert_eq!(mode(&out.join("notes")), 0o700);
        assert_eq!(read(&out.join("scorecard.csv")), "a,b\n");
    }

    #[test]
    fn a_manifest_a_killed_run_left_half_written_is_removed_by_the_next() {
        let (dir, out, reg) = setup();
        let before = tree(dir.path());
        // A run killed while staging its files or writing its journal: the manifest's and the
        // journal's temporary files, no journal.
        let planted: Vec<PathBuf> = [MANIFEST, JOURNAL]
            .iter()
            .map(|name| {
                out.join(format!(
                    "{}AbCdEf012345{}",
                    crate::output::tmp_prefix(&out.join(name)),
                    crate::output::TMP_SUFFIX
                ))
            })
            .collect();
        for p in &planted {
            std::fs::write(p, "{").expect("plant");
        }
        decide(&out, &reg, Crash::Never);
        assert!(planted.iter().all(|p| !p.exists()));
        assert_eq!(tree(dir.path()), before);
    }

    #[test]
    fn a_publication_killed_before_its_commit_leaves_the_old_files() {
        let (dir, out, reg) = setup();
        let before = tree(dir.path());
        decide(&out, &reg, Crash::BeforeCommit);
        assert_eq!(read(&reg), "old registry\n");
        // The next run on the folder (here `assess`'s publication) removes the temporary
        // files, and nothing changed.
        let p = Publish::begin(&out, false, || {}).expect("begin");
        drop(p);
        assert_eq!(read(&reg), "old registry\n");
        assert_eq!(read(&out.join("brief.csv")), "old brief\n");
        assert_eq!(tree(dir.path()), before);
    }

    #[test]
    fn temporary_files_a_killed_run_left_beside_an_external_file_are_removed() {
        let (dir, out, reg) = setup();
        let titles = reg.parent().expect("parent");
        // What a run killed before its journal leaves, and files that are not its own.
        let stray = titles.join(".registry.yaml.abcdefghijkl.kaohe-tmp");
        std::fs::write(&stray, "half").expect("stray");
        std::fs::write(titles.join(".other.yaml.abcdefghijkl.kaohe-tmp"), "x").expect("other");
        std::fs::write(titles.join("notes.txt"), "mine").expect("notes");
        decide(&out, &reg, Crash::Never);
        assert_eq!(read(&reg), "new registry\n");
        assert_eq!(read(&out.join("brief.csv")), "new brief\n");
        assert_eq!(
            tree(dir.path()),
            [
                "out/brief.csv",
                "out/manifest.json",
                "titles/.other.yaml.abcdefghijkl.kaohe-tmp",
                "titles/notes.txt",
                "titles/registry.yaml"
            ]
        );
    }

    #[test]
    fn a_planted_journal_renames_nothing() {
        let (dir, out, _) = setup();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep").expect("victim");
        let j = Journal {
            commit: Rename {
                from: dir.path().join("victim.txt"),
                to: out.join("brief.csv"),
            },
            sha256: String::new(),
            rest: Vec::new(),
        };
        std::fs::write(out.join(JOURNAL), serde_json::to_vec(&j).expect("json")).expect("plant");
        recover_files(&out, || {}).expect("recover");
        assert_eq!(read(&victim), "keep");
        assert_eq!(read(&out.join("brief.csv")), "old brief\n");
        assert!(!out.join(JOURNAL).exists());
    }
}
