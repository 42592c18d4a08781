//! Uninstalling a `.dist-info` distribution from its RECORD (PEP 376 §RECORD; Recording
//! installed projects specification), or a legacy setuptools `.egg-info` directory from its
//! `installed-files.txt` / `top_level.txt`, as pip does.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::InstallError;
use crate::installed::{DistKind, InstalledDist};
use crate::paths::{ParentResolver, env_prefix, is_inside, normalize};
use crate::scripts::parse_script_entry_points;
use den_dist::{IoError, IoResultExt};

/// What [`uninstall`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uninstalled {
    /// The removed files (absolute) and, last, the `.dist-info` / `.egg-info` directory.
    pub removed: Vec<PathBuf>,
    /// RECORD (or `installed-files.txt`) paths outside the environment's prefix (absolute,
    /// or climbing out with `..`), left alone; callers should tell the user.
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
/// A legacy `.egg-info` directory (`setup.py install`, pip before wheels) is removed the
/// way pip removes it: the files of its `installed-files.txt` (paths relative to the
/// `.egg-info` directory, `../foo/__init__.py`), else, without that file, each name in
/// `top_level.txt` that `namespace_packages.txt` does not list, as the package directory
/// `<name>/` (whole) and the modules `<name>.py`, `<name>.pyc`, `<name>.pyo`; plus the
/// `console_scripts` / `gui_scripts` of its `entry_points.txt` and the distutils scripts
/// of its `scripts/` directory in `<prefix>/bin`; then the `.egg-info` directory. Listed
/// directories are removed with their whole content, except the environment's layout
/// (site-packages, its ancestors, `bin`...). With neither file only the metadata and
/// scripts go (as with pip; a warning is logged).
///
/// Only paths strictly inside the environment's prefix are deleted (for
/// `<prefix>/lib/pythonX.Y/site-packages`, `<prefix>`; in general the parent of the nearest
/// ancestor named `lib`/`lib64`/`Lib`, else site-packages itself): others are returned in
/// [`Uninstalled::skipped`] (logged at debug level only: callers tell the user), like pip's
/// "non-local" paths.
///
/// Errors: a distutils `.egg-info` file, which lists no files
/// ([`InstallError::LegacyDistribution`], as pip refuses it), an unreadable RECORD /
/// `installed-files.txt` / `top_level.txt`, or a file that cannot be removed
/// ([`InstallError::Io`]).
pub fn uninstall(dist: &InstalledDist) -> Result<Uninstalled, InstallError> {
    let site_packages = dist.site_packages().to_path_buf();
    let (files, skipped) = recorded_files(dist)?;
    // Journaled first: a kill midway leaves a journal the next den run finishes, never a
    // `.dist-info` whose files are half gone.
    let listed: Vec<PathBuf> = files
        .iter()
        .filter(|path| !fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()))
        .cloned()
        .collect();
    let journal = crate::transaction::journal_uninstall(&site_packages, &dist.path, &listed)?;
    let mut removed = Vec::new();
    let mut touched_dirs = BTreeSet::new();
    for path in files {
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            // A directory of an egg-info listing, its files listed before it: removed once
            // they are, when empty.
            touched_dirs.insert(path);
            continue;
        }
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
    crate::transaction::remove_any(&dist.path).at("remove", &dist.path)?;
    removed.push(dist.path.clone());
    remove_empty_dirs(touched_dirs, &site_packages);
    fs::remove_file(&journal).at("remove", &journal)?;
    Ok(Uninstalled { removed, skipped })
}

/// What [`uninstall`] would remove, nothing changed: in [`Uninstalled::removed`] the files of
/// `dist`'s listing that exist (directories of an egg-info listing too), then its metadata
/// directory (`.dist-info` or `.egg-info`); in [`Uninstalled::skipped`] the paths outside the
/// environment it would leave. What pip shows before asking "Proceed (Y/n)?".
///
/// Errors: as [`uninstall`]'s reading of the listing.
pub fn planned_uninstall(dist: &InstalledDist) -> Result<Uninstalled, InstallError> {
    let (files, skipped) = recorded_files(dist)?;
    let mut removed: Vec<PathBuf> = files
        .into_iter()
        .filter(|path| fs::symlink_metadata(path).is_ok())
        .collect();
    removed.push(dist.path.clone());
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
            Err(e) => Err(IoError::new("remove", path, e).into()),
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

/// The files of `dist` outside its `.dist-info` / `.egg-info`, as absolute normalized
/// paths: those inside the environment's prefix ([`env_prefix`]; also after following
/// symlinked parent directories), and those outside it, which are logged and must be left
/// alone. For a `.dist-info`, the RECORD paths; for an `.egg-info` directory, the existing
/// paths pip would remove ([`egg_info_paths`]), each directory inside the prefix expanded
/// to its content (files and subdirectories, children before their directory).
///
/// Errors: a distutils `.egg-info` file ([`InstallError::LegacyDistribution`]), an
/// unreadable or malformed RECORD, an unreadable `installed-files.txt` / `top_level.txt`.
pub(crate) fn recorded_files(
    dist: &InstalledDist,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), InstallError> {
    let site_packages = dist.site_packages();
    let listed = match dist.kind {
        DistKind::DistInfo => dist
            .record()?
            .into_iter()
            .map(|entry| normalize(&site_packages.join(entry.path)))
            .collect(),
        DistKind::EggInfoDir => egg_info_paths(dist)?,
        DistKind::EggInfoFile => {
            return Err(InstallError::LegacyDistribution {
                path: dist.path.clone(),
                action: "uninstall",
            });
        }
    };
    let prefix = env_prefix(site_packages);
    let real_prefix = prefix.canonicalize().unwrap_or_else(|_| prefix.clone());
    let dist_info = normalize(&dist.path);
    let mut resolver = ParentResolver::default();
    let (inside, outside): (Vec<PathBuf>, Vec<PathBuf>) = listed
        .into_iter()
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
            "{}: lists {}, outside the environment {}; leaving it alone",
            dist.path.display(),
            path.display(),
            prefix.display()
        );
    }
    if dist.kind == DistKind::DistInfo {
        return Ok((inside, outside));
    }
    let mut expanded = Vec::new();
    for path in inside {
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            expanded.push(path);
        } else if is_protected(&path, site_packages) {
            tracing::debug!(
                "{}: lists {}, a directory of the environment itself; leaving it alone",
                dist.path.display(),
                path.display()
            );
        } else {
            // Symlinks are not followed: a link is removed, not what it points to.
            for entry in WalkDir::new(&path).contents_first(true) {
                let entry = entry.map_err(|e| {
                    let at = e.path().unwrap_or(&path).to_path_buf();
                    IoError::new("list", &at, e.into())
                })?;
                expanded.push(entry.into_path());
            }
        }
    }
    Ok((expanded, outside))
}

/// What pip removes for the setuptools `.egg-info` directory `dist` (besides the directory
/// itself), as absolute normalized paths that exist: the `installed-files.txt` entries,
/// else the `top_level.txt` packages and modules (minus `namespace_packages.txt`); plus its
/// entry-point and distutils scripts in `<prefix>/bin`. See [`uninstall`].
///
/// Errors: one of these files exists but cannot be read ([`InstallError::Io`]).
fn egg_info_paths(dist: &InstalledDist) -> Result<Vec<PathBuf>, InstallError> {
    let site_packages = dist.site_packages();
    let mut paths = Vec::new();
    if let Some(text) = read_optional(&dist.path.join("installed-files.txt"))? {
        paths.extend(
            text.lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| normalize(&dist.path.join(line))),
        );
    } else if let Some(text) = read_optional(&dist.path.join("top_level.txt"))? {
        let namespaces =
            read_optional(&dist.path.join("namespace_packages.txt"))?.unwrap_or_default();
        let namespaces: Vec<&str> = namespaces.lines().map(str::trim).collect();
        for name in text.lines().map(str::trim) {
            if name.is_empty() || namespaces.contains(&name) {
                continue;
            }
            paths.push(normalize(&site_packages.join(name)));
            paths.extend(
                ["py", "pyc", "pyo"]
                    .iter()
                    .map(|ext| normalize(&site_packages.join(format!("{name}.{ext}")))),
            );
        }
    } else {
        tracing::warn!(
            "{} has neither installed-files.txt nor top_level.txt: only its metadata and \
             scripts can be removed",
            dist.path.display()
        );
    }
    let scripts = env_prefix(site_packages).join("bin");
    let entry_points = dist.path.join("entry_points.txt");
    if let Some(text) = read_optional(&entry_points)? {
        match parse_script_entry_points(&text, &entry_points) {
            Ok(entry_points) => {
                paths.extend(entry_points.iter().map(|ep| scripts.join(&ep.name)));
            }
            Err(e) => tracing::warn!("{e}; its scripts are left alone"),
        }
    }
    if let Ok(entries) = fs::read_dir(dist.path.join("scripts")) {
        paths.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| scripts.join(entry.file_name())),
        );
    }
    paths.retain(|path| fs::symlink_metadata(path).is_ok());
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// The content of the text file at `path`; `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, InstallError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IoError::new("read", path, e).into()),
    }
}
