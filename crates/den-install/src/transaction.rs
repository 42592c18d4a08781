//! Crash-safe file placement for one install, driven by an on-disk journal.
//!
//! Layout in the site-packages directory of the install:
//! - `.den-tmp-<pid>-<random>/`: the new `.dist-info`, assembled before anything else is
//!   touched; renaming it to its final name is the commit point.
//! - `.den-journal-<pid>-<token>`: the journal, one JSON array per line, written *before*
//!   the changes it describes. Lines are buffered and written together right before the
//!   changes they cover: files are placed in batches (up to [`BATCH`] per journal `write`,
//!   a new directory starting a new batch), each batch's lines being on disk before its
//!   first change is made, so the journal always names everything a rollback must undo.
//! - `.den-stash-<pid>-<token>/`: the saved copies of replaced files, named `0`, `1`, ...;
//!   created only when something is replaced (a fresh install creates no directory besides
//!   the staging one: on common file systems creating an inode costs far more than linking).
//!   Journals of earlier den versions live inside it as `journal`; [`crate::recover`] reads
//!   both layouts.
//!
//! The staging directory is created before the journal, and only the commit renames it away,
//! so "the journal's staging directory is gone" means "committed". A failure rolls back in
//! process ([`Drop`]); a killed process is finished or rolled back by [`crate::recover`].

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use den_cache::{LinkMode, Linker};

use crate::InstallError;
use crate::uninstall::{remove_bytecode, remove_empty_dirs};
use den_dist::{IoError, IoResultExt};

/// Name prefix of staging directories and temporary files.
pub(crate) const TMP_PREFIX: &str = ".den-tmp-";
/// Name prefix of stash directories.
pub(crate) const STASH_PREFIX: &str = ".den-stash-";
/// Name prefix of journal files; the rest (`<pid>-<token>`) names the stash directory too.
pub(crate) const JOURNAL_PREFIX: &str = ".den-journal-";
/// The journal's file name inside a stash directory, in the layout of earlier den versions.
pub(crate) const LEGACY_JOURNAL: &str = "journal";

/// Most files journaled by one `write` before they are placed (bounds how long a placement
/// decided on waits, and the buffer).
const BATCH: usize = 256;

/// One journaled change. Written before the change is made; undoing or finishing a change
/// that was journaled but not (fully) made is harmless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// The staging `.dist-info` directory (first line).
    Staging(PathBuf),
    /// Where the staging directory is renamed at commit (second line).
    Final(PathBuf),
    /// A directory created by this install. Rollback removes it only if empty, never
    /// recursively: installs into one environment run in parallel, and another one may have
    /// placed files in it (shared namespace directories such as `google/`); the files this
    /// install placed there are journaled one by one and removed before it.
    Dir(PathBuf),
    /// A file created where nothing was (rollback deletes it).
    New(PathBuf),
    /// The file at the path is about to be replaced; its old content is hardlinked (or
    /// copied) to stash entry `.1` first (rollback moves it back).
    Replace(PathBuf, String),
    /// The file or directory at the path is moved to stash entry `.1` (rollback moves it
    /// back, after deleting what was placed there).
    Stash(PathBuf, String),
    /// A file (or the old `.dist-info` directory) the commit makes obsolete: deleted after
    /// the commit.
    Remove(PathBuf),
    /// The `.py` file at the path is about to be byte-compiled (rollback removes its
    /// bytecode: `__pycache__/<stem>.*.pyc`, legacy `<stem>.pyc`).
    Bytecode(PathBuf),
    /// The first line of an uninstall's journal: the distribution at the path (its
    /// `.dist-info` / `.egg-info`) is being removed, file by file (each a `Remove` line),
    /// itself last. There is nothing to roll back to (removed files are gone), so an
    /// interrupted uninstall is finished: it counts as committed from the start.
    Uninstall(PathBuf),
}

impl Op {
    fn encode(&self) -> Result<String, InstallError> {
        let text = |path: &Path| {
            path.to_str().map(str::to_string).ok_or_else(|| {
                let source = io::Error::new(io::ErrorKind::InvalidData, "path is not valid UTF-8");
                IoError::new("journal", path, source)
            })
        };
        let fields = match self {
            Op::Staging(p) => vec!["staging".to_string(), text(p)?],
            Op::Final(p) => vec!["final".to_string(), text(p)?],
            Op::Dir(p) => vec!["dir".to_string(), text(p)?],
            Op::New(p) => vec!["new".to_string(), text(p)?],
            Op::Replace(p, n) => vec!["replace".to_string(), text(p)?, n.clone()],
            Op::Stash(p, n) => vec!["stash".to_string(), text(p)?, n.clone()],
            Op::Remove(p) => vec!["remove".to_string(), text(p)?],
            Op::Bytecode(p) => vec!["bytecode".to_string(), text(p)?],
            Op::Uninstall(p) => vec!["uninstall".to_string(), text(p)?],
        };
        let mut line = serde_json::Value::from(fields).to_string();
        line.push('\n');
        Ok(line)
    }

    /// Parses one journal line; `None` for a line cut short by a kill (its change was
    /// never made) or otherwise unreadable.
    fn decode(line: &str) -> Option<Self> {
        let fields: Vec<String> = serde_json::from_str(line).ok()?;
        let path = || PathBuf::from(&fields[1]);
        Some(match (fields.first()?.as_str(), fields.len()) {
            ("staging", 2) => Op::Staging(path()),
            ("final", 2) => Op::Final(path()),
            ("dir", 2) => Op::Dir(path()),
            ("new", 2) => Op::New(path()),
            ("replace", 3) => Op::Replace(path(), fields[2].clone()),
            ("stash", 3) => Op::Stash(path(), fields[2].clone()),
            ("remove", 2) => Op::Remove(path()),
            ("bytecode", 2) => Op::Bytecode(path()),
            ("uninstall", 2) => Op::Uninstall(path()),
            _ => return None,
        })
    }
}

/// A journal read back (by [`crate::recover`]) or kept by a live [`Transaction`].
#[derive(Debug)]
pub(crate) struct Journal {
    /// The journal file.
    pub(crate) path: PathBuf,
    /// The `.den-stash-*` directory of saved files (it may not exist).
    pub(crate) stash: PathBuf,
    /// The changes, oldest first.
    pub(crate) ops: Vec<Op>,
}

impl Journal {
    /// Reads the journal file `path` whose saved files are in `stash`; a missing journal
    /// reads as empty.
    pub(crate) fn read(path: &Path, stash: &Path) -> Result<Self, InstallError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(IoError::new("read", path, e).into()),
        };
        Ok(Self {
            path: path.to_path_buf(),
            stash: stash.to_path_buf(),
            ops: text.lines().filter_map(Op::decode).collect(),
        })
    }

    /// The stash directory that goes with journal file `journal`
    /// (`.den-journal-<pid>-<token>` → `.den-stash-<pid>-<token>`).
    pub(crate) fn stash_of(journal: &Path) -> PathBuf {
        let name = journal
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rest = name.strip_prefix(JOURNAL_PREFIX).unwrap_or(&name);
        journal.with_file_name(format!("{STASH_PREFIX}{rest}"))
    }

    /// The staging directory, if the journal got that far.
    pub(crate) fn staging(&self) -> Option<&Path> {
        self.ops.iter().find_map(|op| match op {
            Op::Staging(p) => Some(p.as_path()),
            _ => None,
        })
    }

    /// The final `.dist-info` path, if the journal got that far.
    pub(crate) fn final_path(&self) -> Option<&Path> {
        self.ops.iter().find_map(|op| match op {
            Op::Final(p) => Some(p.as_path()),
            _ => None,
        })
    }

    /// The distribution an uninstall's journal removes (see [`Op::Uninstall`]).
    pub(crate) fn uninstalled(&self) -> Option<&Path> {
        self.ops.iter().find_map(|op| match op {
            Op::Uninstall(p) => Some(p.as_path()),
            _ => None,
        })
    }

    /// Whether the commit rename happened: the staging directory was created before the
    /// journal and only the commit moves it away. An uninstall is committed from its start.
    pub(crate) fn committed(&self) -> bool {
        self.uninstalled().is_some()
            || self
                .staging()
                .is_some_and(|staging| fs::symlink_metadata(staging).is_err())
    }

    /// Undoes every change, newest first, then deletes the journal and the staging
    /// directory (in that order, so an interrupted rollback is never mistaken for a commit).
    /// Best effort: failures are logged and returned as messages.
    pub(crate) fn roll_back(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for op in self.ops.iter().rev() {
            let result = match op {
                Op::New(path) => remove_any(path),
                Op::Replace(path, name) | Op::Stash(path, name) => {
                    let saved = self.stash.join(name);
                    if fs::symlink_metadata(&saved).is_err() {
                        // Journaled but never moved: the original is still in place.
                        Ok(())
                    } else {
                        remove_any(path).and_then(|()| move_path(&saved, path))
                    }
                }
                Op::Dir(path) => {
                    // Only if empty: a concurrent install may have put files there.
                    let _ = fs::remove_dir(path);
                    Ok(())
                }
                Op::Bytecode(source) => {
                    let result = remove_bytecode(source, &mut BTreeSet::new())
                        .map(drop)
                        .map_err(|e| io::Error::other(e.to_string()));
                    if let Some(dir) = source.parent() {
                        // Only if empty: other modules' bytecode may live there.
                        let _ = fs::remove_dir(dir.join("__pycache__"));
                    }
                    result
                }
                Op::Staging(_) | Op::Final(_) | Op::Remove(_) | Op::Uninstall(_) => Ok(()),
            };
            if let Err(e) = result {
                problems.push(format!("could not undo {op:?}: {e}"));
            }
        }
        problems.extend(self.delete_stash());
        if let Some(staging) = self.staging()
            && let Err(e) = remove_any(staging)
        {
            problems.push(format!("could not remove {}: {e}", staging.display()));
        }
        for problem in &problems {
            tracing::warn!("rollback: {problem}");
        }
        problems
    }

    /// Finishes a committed install: deletes the files it made obsolete (and the bytecode
    /// of removed `.py` files), leftover temporary files, the directories this emptied
    /// (never `site_packages` or the environment's layout), then the stash. Best effort:
    /// failures are logged and returned as messages. `keep_going` is asked before each
    /// deletion (test hook: returning false stops here, like a kill).
    pub(crate) fn roll_forward(
        &self,
        site_packages: &Path,
        keep_going: &mut dyn FnMut() -> bool,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let mut touched = BTreeSet::new();
        for op in &self.ops {
            if !keep_going() {
                return problems;
            }
            let path = match op {
                Op::Remove(path) => path,
                // Also after a completed install: renaming a hardlink over another link to
                // the same file (a reinstall from the same cache entry) succeeds without
                // removing the temporary name (POSIX rename).
                Op::New(path)
                    if path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(TMP_PREFIX)) =>
                {
                    path
                }
                _ => continue,
            };
            if let Err(e) = remove_any(path) {
                problems.push(format!("could not remove {}: {e}", path.display()));
            }
            if path.extension().is_some_and(|e| e == "py")
                && let Err(e) = remove_bytecode(path, &mut touched)
            {
                problems.push(e.to_string());
            }
            if let Some(parent) = path.parent() {
                touched.insert(parent.to_path_buf());
            }
        }
        remove_empty_dirs(touched, site_packages);
        problems.extend(self.delete_stash());
        for problem in &problems {
            tracing::warn!("{problem}");
        }
        problems
    }

    /// Deletes the stash directory, then the journal (a journal without its stash reads as
    /// "nothing was saved", which is then true).
    fn delete_stash(&self) -> Vec<String> {
        [&self.stash, &self.path]
            .into_iter()
            .filter_map(|path| {
                remove_any(path)
                    .err()
                    .map(|e| format!("could not remove {}: {e}", path.display()))
            })
            .collect()
    }
}

/// What a file placed by [`Transaction::place`] contains.
pub(crate) enum Content<'a> {
    /// A file of the unpacked wheel, placed with the link mode.
    Link(&'a Path, LinkMode),
    /// Generated bytes, with Unix permission bits.
    Bytes(&'a [u8], u32),
}

/// A placement journaled but not yet made: [`Transaction::flush`] makes it right after
/// writing its journal lines.
enum Pending<'a> {
    /// Create the file (journaled as [`Op::New`]).
    New(PathBuf, Content<'a>),
    /// Save the existing file `dst` as `saved` (journaled as [`Op::Replace`]), write the new
    /// content to `temp` (journaled as [`Op::New`]), rename it over `dst`.
    Replace {
        dst: PathBuf,
        saved: PathBuf,
        temp: PathBuf,
        content: Content<'a>,
    },
}

/// Paths compared as the bytes they were built from (every path a transaction meets is made
/// by joining the same scheme directories and member names), hashed with a fast non-keyed
/// hash: hashing a `Path` walks its components, a cost paid several times per file placed.
type PathSet = rustc_hash::FxHashSet<std::ffi::OsString>;

/// One install in progress. Dropping it without [`Transaction::commit`] rolls back (also
/// on panic). `'a`: the contents of files journaled but not yet created.
pub(crate) struct Transaction<'a> {
    journal: Journal,
    file: fs::File,
    /// Journal lines not yet written: every method that changes the file system writes
    /// them first ([`Transaction::flush`]).
    unwritten: Vec<u8>,
    /// Files journaled (in `unwritten` or already on disk) but not yet placed; placed by
    /// [`Transaction::flush`] right after their lines are written.
    pending: Vec<Pending<'a>>,
    site_packages: PathBuf,
    staging: PathBuf,
    final_path: PathBuf,
    /// The stash directory's random part, making temporary file names unique between
    /// concurrent transactions of one process.
    token: String,
    /// Whether the stash directory exists yet (it is made on first use).
    stash_created: bool,
    /// Directories known to exist (created or checked by [`Transaction::create_dir_all`]).
    known_dirs: PathSet,
    /// Directories this transaction created itself (`mkdir` succeeded): nothing was in them
    /// before, so a file placed there needs no look first.
    created_dirs: PathSet,
    /// Files placed (or pending): placing one of them again must look at (and replace) it.
    placed: PathSet,
    /// Places linked files relative to their directories, kept open between files.
    linker: Linker,
    finished: bool,
    /// Test hook: how many more steps may run before a simulated kill.
    kill_after: Option<usize>,
    killed: bool,
}

impl<'a> Transaction<'a> {
    /// Starts an install whose `.dist-info` will be `final_path` (inside `site_packages`,
    /// which must exist): creates the staging directory, then the journal (the stash
    /// directory waits until something is saved).
    /// `kill_after`: test hook, see [`crate::install_wheel_with_kill_switch`].
    pub(crate) fn begin(
        site_packages: &Path,
        final_path: &Path,
        kill_after: Option<usize>,
    ) -> Result<Self, InstallError> {
        let pid = std::process::id();
        let make_dir = |prefix: String| {
            tempfile::Builder::new()
                .prefix(&prefix)
                .tempdir_in(site_packages)
                .map(tempfile::TempDir::keep)
                .at("create a temporary directory in", site_packages)
        };
        let staging = make_dir(format!("{TMP_PREFIX}{pid}-"))?;
        let created = tempfile::Builder::new()
            .prefix(&format!("{JOURNAL_PREFIX}{pid}-"))
            .tempfile_in(site_packages)
            .at("create a journal in", site_packages)
            .and_then(|file| file.keep().map_err(|e| e.error).at("keep", site_packages));
        let (file, journal_path) = match created {
            Ok(created) => created,
            Err(e) => {
                let _ = fs::remove_dir_all(&staging);
                return Err(e.into());
            }
        };
        let token = journal_path
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .rsplit('-')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        let journal = Journal {
            stash: Journal::stash_of(&journal_path),
            path: journal_path,
            ops: Vec::new(),
        };
        let mut tx = Self {
            journal,
            file,
            unwritten: Vec::new(),
            pending: Vec::new(),
            site_packages: site_packages.to_path_buf(),
            staging: staging.clone(),
            final_path: final_path.to_path_buf(),
            token,
            stash_created: false,
            known_dirs: PathSet::default(),
            created_dirs: PathSet::default(),
            placed: PathSet::default(),
            linker: Linker::default(),
            finished: false,
            kill_after,
            killed: false,
        };
        tx.log(Op::Staging(staging))?;
        tx.log(Op::Final(final_path.to_path_buf()))?;
        tx.flush()?;
        Ok(tx)
    }

    /// The staging directory: the new `.dist-info`'s content goes here (not journaled: it
    /// is deleted as a whole on rollback).
    pub(crate) fn staging(&self) -> &Path {
        &self.staging
    }

    /// Counts one step for the test hook; a simulated kill stops here, leaving everything
    /// as a killed process would.
    fn step(&mut self) -> Result<(), InstallError> {
        if let Some(left) = &mut self.kill_after {
            if *left == 0 {
                self.killed = true;
                return Err(simulated_kill(&self.final_path));
            }
            *left -= 1;
        }
        Ok(())
    }

    /// Adds `op` to the journal; it reaches the disk with the next [`Transaction::flush`],
    /// which must come before the change it describes.
    fn log(&mut self, op: Op) -> Result<(), InstallError> {
        self.unwritten.extend_from_slice(op.encode()?.as_bytes());
        self.journal.ops.push(op);
        Ok(())
    }

    /// Writes the unwritten journal lines (one `write`), then makes the pending placements
    /// they describe, in order. Called before every other change to the file system, so the
    /// journal on disk always covers everything made.
    fn flush(&mut self) -> Result<(), InstallError> {
        if !self.unwritten.is_empty() {
            self.step()?;
            self.file
                .write_all(&self.unwritten)
                .at("write", &self.journal.path)?;
            self.unwritten.clear();
            self.step()?;
        }
        for pending in std::mem::take(&mut self.pending) {
            match pending {
                Pending::New(dst, content) => write_content(&mut self.linker, &dst, &content)?,
                Pending::Replace {
                    dst,
                    saved,
                    temp,
                    content,
                } => {
                    fs::hard_link(&dst, &saved)
                        .or_else(|_| fs::copy(&dst, &saved).map(drop))
                        .at("save a copy of", &dst)?;
                    self.step()?;
                    write_content(&mut self.linker, &temp, &content)?;
                    self.step()?;
                    fs::rename(&temp, &dst).at("rename into place", &dst)?;
                }
            }
            self.step()?;
        }
        Ok(())
    }

    /// A fresh stash entry name, the stash directory being created first if needed.
    fn stash_name(&mut self) -> Result<String, InstallError> {
        if !self.stash_created {
            let stash = &self.journal.stash;
            match fs::create_dir(stash) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(IoError::new("create directory", stash, e).into()),
            }
            self.stash_created = true;
        }
        Ok(self.journal.ops.len().to_string())
    }

    /// Creates `dir` and its missing ancestors, journaling each one (one journal `write`
    /// for all of them). Directories already seen by this transaction are not looked at
    /// again (one `stat` per directory, not per file placed in it), and a directory inside
    /// one this transaction created is known to be missing without a look.
    pub(crate) fn create_dir_all(&mut self, dir: &Path) -> Result<(), InstallError> {
        if self.known_dirs.contains(dir.as_os_str()) {
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut current = Some(dir);
        while let Some(path) = current {
            if self.known_dirs.contains(path.as_os_str()) {
                break;
            }
            let parent_created = path
                .parent()
                .is_some_and(|p| self.created_dirs.contains(p.as_os_str()));
            if !parent_created && path.is_dir() {
                break;
            }
            missing.push(path.to_path_buf());
            current = path.parent();
        }
        if !missing.is_empty() {
            for path in missing.iter().rev() {
                self.log(Op::Dir(path.clone()))?;
            }
            self.flush()?;
        }
        for path in missing.into_iter().rev() {
            match fs::create_dir(&path) {
                Ok(()) => {
                    self.created_dirs.insert(path.clone().into_os_string());
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
                Err(e) => return Err(IoError::new("create directory", &path, e).into()),
            }
            self.known_dirs.insert(path.into_os_string());
            self.step()?;
        }
        self.known_dirs.insert(dir.as_os_str().to_owned());
        Ok(())
    }

    /// Places `content` at `dst`, with the next batch ([`Transaction::flush`]; at the latest
    /// by [`Transaction::commit`]). Where nothing is, the file is journaled as new and
    /// created; inside a directory this transaction created, nothing is looked up first. An
    /// existing file is saved to the stash (hardlink, else copy), then the new file is
    /// written under a temporary name beside it and renamed over it, so `dst` never
    /// disappears. An existing directory is moved to the stash at once.
    pub(crate) fn place(&mut self, dst: &Path, content: Content<'a>) -> Result<(), InstallError> {
        let parent = dst.parent();
        if let Some(parent) = parent {
            self.create_dir_all(parent)?;
        }
        let again = self.placed.contains(dst.as_os_str());
        if again {
            // Placed earlier by this install: it must exist before it is replaced.
            self.flush()?;
        } else if parent.is_some_and(|p| self.created_dirs.contains(p.as_os_str())) {
            return self.place_new(dst, content);
        }
        match fs::symlink_metadata(dst) {
            Err(_) => self.place_new(dst, content),
            Ok(meta) if meta.is_dir() => {
                self.stash(dst)?;
                self.place_new(dst, content)
            }
            Ok(_) => {
                let name = self.stash_name()?;
                let saved = self.journal.stash.join(&name);
                // Both lines go before either change: undoing a replacement whose copy was
                // never saved, or deleting a temporary file never written, is harmless.
                self.log(Op::Replace(dst.to_path_buf(), name.clone()))?;
                let temp = dst.with_file_name(format!(
                    "{TMP_PREFIX}{}-{}-{name}",
                    std::process::id(),
                    self.token
                ));
                self.log(Op::New(temp.clone()))?;
                self.queue(Pending::Replace {
                    dst: dst.to_path_buf(),
                    saved,
                    temp,
                    content,
                })
            }
        }
    }

    /// Journals `dst` (where nothing is) as new and queues its creation.
    fn place_new(&mut self, dst: &Path, content: Content<'a>) -> Result<(), InstallError> {
        self.log(Op::New(dst.to_path_buf()))?;
        self.queue(Pending::New(dst.to_path_buf(), content))
    }

    /// Queues a journaled placement; a full batch is written and made at once.
    fn queue(&mut self, pending: Pending<'a>) -> Result<(), InstallError> {
        let dst = match &pending {
            Pending::New(dst, _) | Pending::Replace { dst, .. } => dst.clone(),
        };
        self.placed.insert(dst.into_os_string());
        self.pending.push(pending);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Moves the file or directory at `path` into the stash (rollback puts it back, the
    /// commit deletes it).
    pub(crate) fn stash(&mut self, path: &Path) -> Result<(), InstallError> {
        let name = self.stash_name()?;
        self.log(Op::Stash(path.to_path_buf(), name.clone()))?;
        self.flush()?;
        move_path(path, &self.journal.stash.join(&name)).at("move aside", path)?;
        Ok(())
    }

    /// Journals that the `.py` files `sources` are about to be byte-compiled (one journal
    /// `write`), after creating every file placed so far.
    pub(crate) fn will_compile(&mut self, sources: &[PathBuf]) -> Result<(), InstallError> {
        for source in sources {
            self.log(Op::Bytecode(source.clone()))?;
        }
        self.flush()
    }

    /// Schedules `path` for deletion right after the commit.
    pub(crate) fn remove_after_commit(&mut self, path: &Path) -> Result<(), InstallError> {
        self.log(Op::Remove(path.to_path_buf()))
    }

    /// The commit point: writes what is left of the journal and creates the pending files,
    /// then renames the staging directory to the final `.dist-info` (which must not exist:
    /// [`Transaction::stash`] it first), then deletes what the install made obsolete and the
    /// stash.
    pub(crate) fn commit(mut self) -> Result<(), InstallError> {
        self.flush()?;
        self.step()?;
        fs::rename(&self.staging, &self.final_path).at("rename into place", &self.final_path)?;
        self.finished = true;
        let mut kill_after = self.kill_after;
        let mut stopped = false;
        self.journal
            .roll_forward(&self.site_packages, &mut || match &mut kill_after {
                Some(0) => {
                    stopped = true;
                    false
                }
                Some(left) => {
                    *left -= 1;
                    true
                }
                None => true,
            });
        if stopped {
            self.killed = true;
            return Err(simulated_kill(&self.final_path));
        }
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.finished && !self.killed {
            self.journal.roll_back();
        }
    }
}

/// The error of the test hook's simulated kill.
/// Writes the journal of an uninstall of the distribution at `dist` (in `site_packages`)
/// that removes `files` and then `dist` itself ([`Op::Uninstall`], one `Remove` line each),
/// in one `write`, before anything is deleted. Returns the journal's path: delete it once
/// the uninstall is done. A killed uninstall is finished by [`crate::recover`].
///
/// Errors: the journal cannot be created or written.
pub(crate) fn journal_uninstall(
    site_packages: &Path,
    dist: &Path,
    files: &[PathBuf],
) -> Result<PathBuf, InstallError> {
    let pid = std::process::id();
    let (mut file, path) = tempfile::Builder::new()
        .prefix(&format!("{JOURNAL_PREFIX}{pid}-"))
        .tempfile_in(site_packages)
        .at("create a journal in", site_packages)
        .and_then(|file| file.keep().map_err(|e| e.error).at("keep", site_packages))?;
    let mut text = Op::Uninstall(dist.to_path_buf()).encode()?;
    for removed in files {
        text.push_str(&Op::Remove(removed.clone()).encode()?);
    }
    text.push_str(&Op::Remove(dist.to_path_buf()).encode()?);
    if let Err(e) = file.write_all(text.as_bytes()) {
        let _ = fs::remove_file(&path);
        return Err(IoError::new("write", &path, e).into());
    }
    Ok(path)
}

fn simulated_kill(final_path: &Path) -> InstallError {
    let source = io::Error::from(io::ErrorKind::Interrupted);
    IoError::new(
        "continue (simulated kill) the install of",
        final_path,
        source,
    )
    .into()
}

/// Writes `content` to `path`, which must not exist; a file from the cache is placed by
/// `linker`.
fn write_content(
    linker: &mut Linker,
    path: &Path,
    content: &Content<'_>,
) -> Result<(), InstallError> {
    match content {
        Content::Link(src, mode) => linker
            .link(src, path, *mode)
            .map(drop)
            .at("install", path)
            .map_err(InstallError::from),
        Content::Bytes(bytes, permissions) => {
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, *permissions);
            let mut file = options.open(path).at("create", path)?;
            file.write_all(bytes).at("write", path)?;
            #[cfg(unix)]
            if crate::window::mode_needs_setting(*permissions) {
                // The umask may have cleared bits of `mode`; scripts must end up executable.
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(path, fs::Permissions::from_mode(*permissions))
                    .at("set permissions of", path)?;
            }
            #[cfg(not(unix))]
            let _ = permissions;
            Ok(())
        }
    }
}

/// Deletes a file, symlink or directory tree; nothing there is fine.
pub(crate) fn remove_any(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(_) => return Ok(()),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Renames `from` to `to`; for files on different file systems (a scripts directory mounted
/// elsewhere than site-packages), copies then deletes instead.
fn move_path(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(_) if !fs::symlink_metadata(from).is_ok_and(|m| m.is_dir()) => {
            fs::copy(from, to)?;
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_round_trip_and_cut_lines_are_ignored() {
        let ops = [
            Op::Staging(PathBuf::from("/sp/.den-tmp-1-a")),
            Op::Replace(PathBuf::from("/sp/odd\nname,\"q\".py"), "3".into()),
            Op::Remove(PathBuf::from("/sp/old.py")),
            Op::Bytecode(PathBuf::from("/sp/pkg/mod.py")),
        ];
        for op in &ops {
            let line = op.encode().unwrap();
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            assert_eq!(Op::decode(line.trim_end()).as_ref(), Some(op));
            assert_eq!(Op::decode(&line[..line.len() / 2]), None);
        }
        assert_eq!(Op::decode(r#"["replace", "/x"]"#), None);
    }

    /// The journal file's ops as on disk now.
    fn on_disk(tx: &Transaction<'_>) -> Vec<Op> {
        Journal::read(&tx.journal.path, &tx.journal.stash)
            .unwrap()
            .ops
    }

    #[test]
    fn placements_wait_for_their_journal_lines_and_rollback_spares_others_files() {
        let dir = tempfile::tempdir().unwrap();
        let sp = dir.path();
        let mut tx = Transaction::begin(sp, &sp.join("p-1.0.dist-info"), None).unwrap();
        let ns = sp.join("ns");
        let mine = ns.join("mine.py");
        tx.place(&mine, Content::Bytes(b"MINE = 1\n", 0o644))
            .unwrap();
        // The directory is made (its line written first); the file and its line wait.
        assert!(ns.is_dir());
        assert!(on_disk(&tx).contains(&Op::Dir(ns.clone())));
        assert!(!on_disk(&tx).contains(&Op::New(mine.clone())));
        assert!(!mine.exists());
        tx.flush().unwrap();
        assert!(on_disk(&tx).contains(&Op::New(mine.clone())));
        assert!(mine.is_file());
        // A parallel install places a file in the directory this one created.
        let theirs = ns.join("theirs.py");
        fs::write(&theirs, "THEIRS = 1\n").unwrap();
        drop(tx);
        assert!(!mine.exists());
        assert_eq!(fs::read_to_string(&theirs).unwrap(), "THEIRS = 1\n");
        let left: Vec<_> = fs::read_dir(sp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, [ns]);
    }
}
