//! Uninstalling a `.dist-info` distribution from its RECORD (PEP 376 §RECORD; Recording
//! installed projects specification).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::InstallError;
use crate::error::io_err;
use crate::installed::{DistKind, InstalledDist};
use crate::paths::{ParentResolver, env_prefix, is_inside, normalize};

/// What [`uninstall`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uninstalled {
    /// The removed files (absolute) and, last, the `.dist-info` directory.
    pub removed: Vec<PathBuf>,
    /// RECORD paths outside the environment's prefix (absolute, or climbing out with
    /// `..`), left alone; callers should tell the user.
    pub skipped: Vec<PathBuf>,
}

/// Removes `dist`: every file its RECORD lists (paths relative to its site-packages, `..`
/// allowed), the `__pycache__/<stem>.*.pyc` (and Python 2 `.pyc`/`.pyo`) files of removed
/// `.py` files, the `.dist-info` directory, and then the directories these removals left
/// empty (but not the environment's own layout: site-packages, `bin`, `share`...). Works on
/// distributions installed by pip, den or any RECORD-writing installer. Files already gone
/// are skipped, so a failed uninstall can be retried; the `.dist-info` goes last, so until
/// then the distribution is still listed.
///
/// Only paths strictly inside the environment's prefix are deleted (for
/// `<prefix>/lib/pythonX.Y/site-packages`, `<prefix>`; in general the parent of the nearest
/// ancestor named `lib`/`lib64`/`Lib`, else site-packages itself): others are returned in
/// [`Uninstalled::skipped`] (logged at debug level only: callers tell the user), like pip's
/// "non-local" paths.
///
/// Errors: a legacy egg-info distribution ([`InstallError::LegacyDistribution`]), an
/// unreadable RECORD, or a file that cannot be removed ([`InstallError::Io`]).
pub fn uninstall(dist: &InstalledDist) -> Result<Uninstalled, InstallError> {
    if dist.kind != DistKind::DistInfo {
        return Err(InstallError::LegacyDistribution {
            path: dist.path.clone(),
            action: "uninstall",
        });
    }
    let site_packages = dist.site_packages().to_path_buf();
    let (files, skipped) = recorded_files(dist)?;
    let mut removed = Vec::new();
    let mut touched_dirs = BTreeSet::new();
    for path in files {
        if remove_file_if_present(&path)? {
            removed.push(path.clone());
        }
        if let Some(parent) = path.parent() {
            touched_dirs.insert(parent.to_path_buf());
        }
        if path.extension().is_some_and(|e| e == "py") {
            removed.extend(remove_bytecode(&path, &mut touched_dirs)?);
        }
    }
    fs::remove_dir_all(&dist.path).map_err(io_err("remove", &dist.path))?;
    removed.push(dist.path.clone());
    remove_empty_dirs(touched_dirs, &site_packages);
    Ok(Uninstalled { removed, skipped })
}

/// Removes a file or symlink; `Ok(false)` when nothing is there or it is a directory (RECORD
/// lists files only; a directory means another distribution's tree, left alone).
fn remove_file_if_present(path: &Path) -> Result<bool, InstallError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(false),
        Ok(_) => match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err("remove", path)(e)),
        },
        Err(_) => Ok(false),
    }
}

/// Removes the compiled forms of `source` (`x.py`): `__pycache__/x.<tag>.pyc` (PEP 3147,
/// any tag and optimization level) and legacy `x.pyc` / `x.pyo` beside it.
pub(crate) fn remove_bytecode(
    source: &Path,
    touched_dirs: &mut BTreeSet<PathBuf>,
) -> Result<Vec<PathBuf>, InstallError> {
    let mut removed = Vec::new();
    let (Some(dir), Some(stem)) = (source.parent(), source.file_stem()) else {
        return Ok(removed);
    };
    let stem = stem.to_string_lossy();
    for legacy in ["pyc", "pyo"] {
        let path = source.with_extension(legacy);
        if remove_file_if_present(&path)? {
            removed.push(path);
        }
    }
    let cache = dir.join("__pycache__");
    let Ok(entries) = fs::read_dir(&cache) else {
        return Ok(removed);
    };
    let prefix = format!("{stem}.");
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `x.cpython-312.pyc` or `x.cpython-312.opt-1.pyc`; `xy.*` and `x.y.*.pyc` (the
        // bytecode of a different module, `x.y.py`) do not match.
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let dots = rest.matches('.').count();
        if rest.ends_with(".pyc") && (dots == 1 || (dots == 2 && rest.contains(".opt-"))) {
            let path = entry.path();
            if remove_file_if_present(&path)? {
                removed.push(path);
            }
        }
    }
    touched_dirs.insert(cache);
    Ok(removed)
}

/// Removes each directory in `dirs` that is now empty, and then its parents while they are
/// empty, deepest first. Never removes `site_packages`, its ancestors, the top-level
/// directories of the environment (`bin`, `include`, `share`...: children of an ancestor of
/// site-packages) or any other `site-packages` / `dist-packages` directory.
pub(crate) fn remove_empty_dirs(dirs: BTreeSet<PathBuf>, site_packages: &Path) {
    // Reverse lexical order visits children before their parents.
    for dir in dirs.into_iter().rev() {
        let mut current = Some(dir.as_path());
        while let Some(path) = current {
            if is_protected(path, site_packages) || fs::remove_dir(path).is_err() {
                break;
            }
            current = path.parent();
        }
    }
}

/// Whether `dir` is part of the environment's layout rather than of a distribution.
fn is_protected(dir: &Path, site_packages: &Path) -> bool {
    if dir.starts_with(site_packages) {
        return dir == site_packages;
    }
    site_packages.starts_with(dir)
        || dir.parent().is_some_and(|p| site_packages.starts_with(p))
        || dir
            .file_name()
            .is_some_and(|n| n == "site-packages" || n == "dist-packages")
}

/// The files of `dist` outside its `.dist-info`, as absolute normalized paths: those inside
/// the environment's prefix ([`env_prefix`]; also after following symlinked parent
/// directories), and those outside it, which are logged and must be left alone.
pub(crate) fn recorded_files(
    dist: &InstalledDist,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), InstallError> {
    let site_packages = dist.site_packages();
    let prefix = env_prefix(site_packages);
    let real_prefix = prefix.canonicalize().unwrap_or_else(|_| prefix.clone());
    let dist_info = normalize(&dist.path);
    let mut resolver = ParentResolver::default();
    let (inside, outside): (Vec<PathBuf>, Vec<PathBuf>) = dist
        .record()?
        .into_iter()
        .map(|entry| normalize(&site_packages.join(entry.path)))
        .filter(|path| !path.starts_with(&dist_info))
        .partition(|path| {
            // Lexically inside, and not leaving through a symlinked directory either (a
            // parent that does not exist leads nowhere).
            is_inside(path, &prefix)
                && resolver
                    .resolve_existing(path)
                    .is_none_or(|real| is_inside(&real, &real_prefix))
        });
    for path in &outside {
        tracing::debug!(
            "{}: RECORD lists {}, outside the environment {}; leaving it alone",
            dist.path.display(),
            path.display(),
            prefix.display()
        );
    }
    Ok((inside, outside))
}
