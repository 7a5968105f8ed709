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

/// Add files to an output folder that another run may own (`decide`, `self-assess`,
/// `handbook`, `diff` write beside `assess`'s outputs): the folder is locked as for a whole
/// run, every path is proven inside it, each file is written in full to its temporary name
/// first and all are renamed together (`external` files, such as a registry updated in
/// place, first), and the folder's manifest then lists them with their hashes (the files
/// of the run that wrote the folder stay listed), so `kaohe verify` and the next run know
/// them as kaohe's. The paths written, as named.
pub fn add_files(
    out: &Path,
    files: Vec<(PathBuf, Vec<u8>)>,
    external: Vec<(PathBuf, Vec<u8>)>,
    waiting: impl FnOnce(),
) -> Result<Vec<PathBuf>, WriteError> {
    let target = resolve(out)?;
    let (parent, _) = split(&target)?;
    let _lock = super::lock_folder(&parent, waiting)?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut paths = Vec::with_capacity(files.len());
    for (rel, _) in &files {
        paths.push(super::inside(out, rel)?);
    }
    let stage = Staging::default();
    for (path, bytes) in &external {
        stage.write(path, bytes)?;
    }
    for (path, (_, bytes)) in paths.iter().zip(&files) {
        stage.write(path, bytes)?;
    }
    let written = stage.commit()?;
    let mut m = match std::fs::read(out.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
    {
        Some(m) => m,
        None => Manifest::new(out, Vec::new(), Vec::new(), &[]),
    };
    let (ext, inner) = written.split_at(external.len().min(written.len()));
    for w in inner {
        let rel = Manifest::new(out, Vec::new(), Vec::new(), std::slice::from_ref(w)).files;
        for f in rel {
            m.files.retain(|x| x.path != f.path);
            m.files.push(f);
        }
    }
    for w in ext {
        let path = w.path.display().to_string();
        m.external.retain(|x| x.path != path);
        m.external.push(FileEntry {
            path,
            sha256: w.sha256.clone(),
            bytes: w.bytes,
        });
    }
    m.files.sort_by(|a, b| a.path.cmp(&b.path));
    manifest::write(out, &m)?;
    Ok(paths)
}
