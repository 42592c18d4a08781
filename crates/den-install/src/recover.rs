//! Finishing or undoing installs that a killed den process left half-done.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::InstallError;
use crate::transaction::{
    JOURNAL_PREFIX, Journal, LEGACY_JOURNAL, STASH_PREFIX, TMP_PREFIX, remove_any,
};
use den_dist::IoError;

/// What [`recover`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// `.dist-info` paths of interrupted installs that were undone (the previous version,
    /// if any, is back in place).
    pub rolled_back: Vec<PathBuf>,
    /// `.dist-info` paths of interrupted installs that had committed and were finished.
    pub completed: Vec<PathBuf>,
    /// Distributions (`.dist-info` paths) whose interrupted uninstall was finished.
    pub uninstalled: Vec<PathBuf>,
    /// Leftover `.den-tmp-*` / `.den-stash-*` entries deleted.
    pub removed: Vec<PathBuf>,
    /// Changes that could not be undone or finished (each names the path and the error);
    /// the environment may need a reinstall of the named distribution.
    pub problems: Vec<String>,
}

impl RecoveryReport {
    /// Whether there was nothing to recover.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// One human-readable line per action or problem, for the user.
    pub fn lines(&self) -> Vec<String> {
        let show = |verb: &str, paths: &[PathBuf]| {
            paths
                .iter()
                .map(|p| format!("{verb} {}", p.display()))
                .collect::<Vec<_>>()
        };
        let mut lines = show("undid an interrupted install of", &self.rolled_back);
        lines.extend(show("finished an interrupted install of", &self.completed));
        lines.extend(show(
            "finished an interrupted uninstall of",
            &self.uninstalled,
        ));
        lines.extend(show("removed leftover", &self.removed));
        lines.extend(
            self.problems
                .iter()
                .map(|p| format!("recovery problem: {p}")),
        );
        lines
    }
}

/// Repairs what killed den processes left in `site_packages` (each directory once; missing
/// ones are skipped). Must run while holding the environment's lock, so that no live den
/// process owns the leftovers.
///
/// For each journal (`.den-journal-<pid>-*`, or `journal` inside a `.den-stash-<pid>-*`
/// directory as earlier den versions wrote it) with its saved files (`.den-stash-<pid>-*`):
/// - if the journal's staging directory `.den-tmp-<pid>-*` still exists, the install had not
///   committed: it is **rolled back**, newest change first: files it created where nothing
///   was are deleted, files it replaced or moved aside are put back from the stash,
///   directories it created are removed if empty. The previous version (if any) is then
///   exactly as before, and the new `.dist-info` never appeared;
/// - otherwise the new `.dist-info` was renamed into place (the commit point): the install
///   is **finished**: the old version's files not in the new one, its `.dist-info` and the
///   bytecode of its removed `.py` files are deleted, then emptied directories;
/// - then the stash directory and the journal go.
///
/// Afterwards stash directories without a journal are deleted, and every remaining
/// `.den-tmp-*` entry of the directory (a staging directory whose journal was never written
/// or was already cleaned, so nothing was placed from it) is deleted. Temporary files that installs write beside files they replace are journaled
/// and handled by the two cases above.
///
/// Errors: a directory cannot be listed or a journal cannot be read ([`InstallError::Io`]);
/// individual undo/finish failures do not stop recovery and are listed in
/// [`RecoveryReport::problems`].
pub fn recover(site_packages: &[PathBuf]) -> Result<RecoveryReport, InstallError> {
    let mut report = RecoveryReport::default();
    let mut seen = Vec::new();
    for dir in site_packages {
        if seen.contains(dir) {
            continue;
        }
        seen.push(dir.clone());
        recover_dir(dir, &mut report)?;
    }
    Ok(report)
}

/// Whether a den process left a change half-done in one of `site_packages` (or is making one
/// right now): a journal, stash or staging entry is there. One directory listing each; an
/// unreadable directory counts as clean.
pub fn needs_recovery(site_packages: &[PathBuf]) -> bool {
    site_packages.iter().any(|dir| {
        fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name.starts_with(JOURNAL_PREFIX)
                    || name.starts_with(STASH_PREFIX)
                    || name.starts_with(TMP_PREFIX)
            })
    })
}

fn recover_dir(dir: &Path, report: &mut RecoveryReport) -> Result<(), InstallError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(IoError::new("list", dir, e).into()),
    };
    // One listing for every kind of leftover: this runs before every change to an
    // environment.
    let mut journals = Vec::new();
    let mut stashes = Vec::new();
    let mut temps = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(JOURNAL_PREFIX) {
            let path = entry.path();
            journals.push((Journal::stash_of(&path), path));
        } else if name.starts_with(STASH_PREFIX) {
            stashes.push(entry.path());
        } else if name.starts_with(TMP_PREFIX) {
            temps.push(entry.path());
        }
    }
    // Earlier den versions kept the journal inside the stash directory.
    for stash in &stashes {
        let legacy = stash.join(LEGACY_JOURNAL);
        if legacy.is_file() {
            journals.push((stash.clone(), legacy));
        }
    }
    journals.sort();
    for (stash, path) in journals {
        let journal = Journal::read(&path, &stash)?;
        let name = journal.final_path().unwrap_or(&path).to_path_buf();
        if let Some(dist) = journal.uninstalled() {
            tracing::debug!("finishing the interrupted uninstall of {}", dist.display());
            let dist = dist.to_path_buf();
            report
                .problems
                .extend(journal.roll_forward(dir, &mut || true));
            report.uninstalled.push(dist);
        } else if journal.committed() {
            tracing::debug!("finishing the interrupted install of {}", name.display());
            report
                .problems
                .extend(journal.roll_forward(dir, &mut || true));
            report.completed.push(name);
        } else {
            tracing::debug!("undoing the interrupted install of {}", name.display());
            report.problems.extend(journal.roll_back());
            if journal.final_path().is_some() {
                report.rolled_back.push(name);
            }
        }
        report.removed.push(path);
    }
    // Stash directories whose journal was already deleted: nothing refers to them.
    for stash in stashes
        .into_iter()
        .filter(|s| fs::symlink_metadata(s).is_ok())
    {
        match remove_any(&stash) {
            Ok(()) => report.removed.push(stash),
            Err(e) => report
                .problems
                .push(format!("could not remove {}: {e}", stash.display())),
        }
    }
    // Those the journals above already cleaned up are gone.
    for temp in temps
        .into_iter()
        .filter(|t| fs::symlink_metadata(t).is_ok())
    {
        match remove_any(&temp) {
            Ok(()) => report.removed.push(temp),
            Err(e) => report
                .problems
                .push(format!("could not remove {}: {e}", temp.display())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_uninstall_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let sp = dir.path();
        let dist = sp.join("pkg-1.0.dist-info");
        fs::create_dir_all(&dist).unwrap();
        fs::write(dist.join("METADATA"), "Name: pkg\nVersion: 1.0\n").unwrap();
        fs::create_dir_all(sp.join("pkg/sub")).unwrap();
        let files: Vec<PathBuf> = ["pkg/__init__.py", "pkg/a.py", "pkg/sub/b.py"]
            .iter()
            .map(|f| sp.join(f))
            .collect();
        for file in &files {
            fs::write(file, "X = 1\n").unwrap();
        }
        fs::create_dir_all(sp.join("pkg/__pycache__")).unwrap();
        fs::write(sp.join("pkg/__pycache__/a.cpython-312.pyc"), "").unwrap();
        let journal = crate::transaction::journal_uninstall(sp, &dist, &files).unwrap();
        // Killed after removing the first file.
        fs::remove_file(&files[0]).unwrap();

        let report = recover(&[sp.to_path_buf()]).unwrap();
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(report.uninstalled, std::slice::from_ref(&dist));
        assert!(report.lines().contains(&format!(
            "finished an interrupted uninstall of {}",
            dist.display()
        )));
        assert!(!journal.exists());
        assert!(!dist.exists());
        assert!(!sp.join("pkg").exists(), "emptied package directories stay");
        assert_eq!(fs::read_dir(sp).unwrap().count(), 0);
    }

    #[test]
    fn journals_of_earlier_versions_and_orphan_stashes_are_handled() {
        let dir = tempfile::tempdir().unwrap();
        let sp = dir.path();
        let staging = sp.join(".den-tmp-1-abc");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("METADATA"), "x").unwrap();
        fs::create_dir(sp.join("pkg")).unwrap();
        let placed = sp.join("pkg/new.py");
        fs::write(&placed, "NEW = 1\n").unwrap();
        let old_stash = sp.join(".den-stash-1-abc");
        fs::create_dir(&old_stash).unwrap();
        let line = |fields: &[&str]| format!("{}\n", serde_json::Value::from(fields.to_vec()));
        let final_path = sp.join("pkg-1.0.dist-info");
        let journal = [
            line(&["staging", staging.to_str().unwrap()]),
            line(&["final", final_path.to_str().unwrap()]),
            line(&["dir", sp.join("pkg").to_str().unwrap()]),
            line(&["new", placed.to_str().unwrap()]),
        ]
        .concat();
        fs::write(old_stash.join(LEGACY_JOURNAL), journal).unwrap();
        let orphan = sp.join(".den-stash-2-def");
        fs::create_dir(&orphan).unwrap();
        fs::write(orphan.join("0"), "saved").unwrap();

        let report = recover(&[sp.to_path_buf()]).unwrap();
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(report.rolled_back, [final_path]);
        assert!(report.removed.contains(&orphan), "{report:?}");
        let left: Vec<_> = fs::read_dir(sp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(recover(&[sp.to_path_buf()]).unwrap().is_empty());
    }
}
