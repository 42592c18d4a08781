//! Repairing an environment whose base interpreter is gone or changed (`den venv --repair`,
//! `den doctor --fix`): it is rebuilt in place on a matching interpreter with every
//! distribution it held, at its version.
//!
//! The rebuild never leaves the environment half-made: the old one is first renamed to a
//! sibling `.NAME.den-repair` (one `rename`), the new one is made at the old path and filled,
//! then the old one is removed. A failure puts the old one back; a den killed midway leaves
//! the sibling, and the next repair of that environment (or `den doctor`) restores it
//! before anything else.

use std::path::{Path, PathBuf};

use anyhow::Context;
use den_cache::Cache;
use den_install::InstalledDist;
use den_venv::{Prompt, PyVenvConfig, VenvOptions};

use super::InstallSettings;
use crate::printer::Printer;
use crate::target::Target;

/// Files an environment's creator or its user keeps beside the installed distributions that
/// a rebuild carries over from the old environment: virtualenvwrapper's `.project` and
/// hook scripts, and anything at the top level den does not create itself.
const HOOKS: [&str; 6] = [
    "preactivate",
    "postactivate",
    "predeactivate",
    "postdeactivate",
    "get_env_details",
    "premkproject",
];

/// The sibling an interrupted repair of `root` leaves: `.NAME.den-repair`.
pub fn repair_sibling(root: &Path) -> PathBuf {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    root.with_file_name(format!(".{name}.den-repair"))
}

/// Puts back the environment an interrupted repair of `root` moved aside (removing what the
/// killed rebuild had made at `root`). Returns whether there was one.
///
/// Errors: the half-made environment cannot be removed or the old one renamed back.
pub fn restore_interrupted(root: &Path) -> anyhow::Result<bool> {
    let sibling = repair_sibling(root);
    if !sibling.join("pyvenv.cfg").is_file() {
        return Ok(false);
    }
    if root.exists() {
        std::fs::remove_dir_all(root)
            .with_context(|| format!("cannot remove the half-rebuilt {}", root.display()))?;
    }
    std::fs::rename(&sibling, root).with_context(|| {
        format!(
            "cannot move {} back to {}",
            sibling.display(),
            root.display()
        )
    })?;
    Ok(true)
}

/// The installed distributions of the environment at `root`, read from its files (its
/// interpreter may not run): every `lib/python*/site-packages`.
fn distributions(root: &Path) -> anyhow::Result<Vec<InstalledDist>> {
    let mut site_packages = Vec::new();
    for lib in ["lib", "lib64"] {
        for entry in std::fs::read_dir(root.join(lib))
            .into_iter()
            .flatten()
            .flatten()
        {
            let dir = entry.path().join("site-packages");
            let is_python = entry.file_name().to_string_lossy().starts_with("python");
            if is_python && dir.is_dir() && !site_packages.contains(&dir) {
                site_packages.push(dir);
            }
        }
    }
    Ok(den_install::installed_distributions(&site_packages)?)
}

/// The requirements.txt line that installs `dist` again as it is: `name==version`, the
/// direct URL it came from (PEP 610), or `-e DIR` for an editable local project.
fn requirement_line(dist: &InstalledDist) -> anyhow::Result<String> {
    Ok(match dist.direct_url()? {
        Some(direct) if direct.is_editable() => match direct.local_path() {
            Some(path) => format!("-e {}", path.display()),
            None => direct.freeze_line(dist.name.as_ref()),
        },
        Some(direct) => direct.freeze_line(dist.name.as_ref()),
        None => format!("{}=={}", dist.name, dist.version),
    })
}

/// Rebuilds the environment at `root` on `interpreter` (which should match the recorded
/// `major.minor`; the caller picks it), reinstalling every distribution at its version
/// without resolving (the set is complete), from the cache where it can, and carrying over
/// the prompt, `include-system-site-packages`, virtualenvwrapper's `.project` and hooks.
/// Returns the number of distributions reinstalled.
///
/// Errors: `root` is not an environment; the rebuild failed (the old environment is back in
/// place, and the error says what failed).
pub fn repair(
    root: &Path,
    interpreter: den_python::Interpreter,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<usize> {
    restore_interrupted(root)?;
    let cfg = PyVenvConfig::read(root)
        .with_context(|| format!("{} is not a virtual environment", root.display()))?;
    let dists = distributions(root)?;
    let mut lines = Vec::with_capacity(dists.len());
    for dist in &dists {
        lines.push((
            format!("{}-{}", dist.name, dist.version),
            requirement_line(dist)?,
        ));
    }
    // An environment that had pip is seeded as `den venv` seeds one (from the interpreter's
    // bundled wheels, no index needed); what it seeds at the recorded version is not
    // installed again.
    let with_pip = dists.iter().any(|dist| dist.name.as_ref() == "pip");
    let options = VenvOptions {
        prompt: Prompt::from_arg(cfg.prompt()),
        system_site_packages: cfg.include_system_site_packages(),
        relocatable: cfg.relocatable(),
        ..VenvOptions::default()
    };
    let sibling = repair_sibling(root);
    std::fs::rename(root, &sibling)
        .with_context(|| format!("cannot move {} aside to rebuild it", root.display()))?;
    let rebuilt = rebuild(
        root,
        &sibling,
        (interpreter, with_pip),
        &options,
        &lines,
        cache,
        printer,
    );
    match rebuilt {
        Ok(()) => {
            std::fs::remove_dir_all(&sibling).with_context(|| {
                format!(
                    "{} is rebuilt; the old environment at {} could not be removed",
                    root.display(),
                    sibling.display()
                )
            })?;
            Ok(dists.len())
        }
        Err(err) => {
            restore_interrupted(root).with_context(|| {
                format!(
                    "the rebuild failed ({err:#}) and the old environment could not be put back"
                )
            })?;
            Err(err.context(format!(
                "cannot rebuild {}; it is left as it was",
                root.display()
            )))
        }
    }
}

/// Makes the new environment at `root` (seeded with pip when `seed` says so), copies what
/// else the old environment (now at `old`) held, and installs the `(name-version, line)`
/// pairs of `lines` the seeding did not already place.
fn rebuild(
    root: &Path,
    old: &Path,
    (interpreter, seed): (den_python::Interpreter, bool),
    options: &VenvOptions,
    lines: &[(String, String)],
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<()> {
    let (created, seeded) = if seed {
        den_venv::create_seeded(&interpreter, root, options, cache)?
    } else {
        (
            den_venv::create_venv(&interpreter, root, options)?,
            Vec::new(),
        )
    };
    let lines: Vec<&str> = lines
        .iter()
        .filter(|(installed, _)| !seeded.iter().any(|s| canonical(s) == canonical(installed)))
        .map(|(_, line)| line.as_str())
        .collect();
    // What else the old environment held first: an editable project may live in its `src/`.
    for entry in std::fs::read_dir(old).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let destination = root.join(&name);
        if !destination.exists() && !matches!(name.to_str(), Some("lib" | "lib64" | "include")) {
            copy_tree(&entry.path(), &destination)?;
        }
    }
    for hook in HOOKS {
        let from = old.join("bin").join(hook);
        if from.is_file() {
            let to = root.join("bin").join(hook);
            std::fs::copy(&from, &to)
                .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        }
    }
    let target = Target::from_created(&interpreter, &created);
    if !lines.is_empty() {
        super::install::install_pinned_lines(
            &target,
            &lines,
            InstallSettings::default(),
            cache,
            printer,
        )?;
    }
    Ok(())
}

/// `name-version` with the name PEP 503-normalized, for comparing seeded and installed.
fn canonical(name_version: &str) -> String {
    match name_version.rsplit_once('-') {
        Some((name, version)) => format!("{}-{version}", den_dist::canonical_name(name)),
        None => name_version.to_string(),
    }
}

/// Copies the file, link or directory tree at `from` to `to`.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let destination = match entry.path().strip_prefix(from) {
            Ok(relative) if !relative.as_os_str().is_empty() => to.join(relative),
            _ => to.to_path_buf(),
        };
        let kind = entry.file_type();
        let copied = if kind.is_symlink() {
            std::fs::read_link(entry.path())
                .and_then(|link| std::os::unix::fs::symlink(link, &destination))
        } else if kind.is_dir() {
            std::fs::create_dir_all(&destination)
        } else {
            std::fs::copy(entry.path(), &destination).map(|_| ())
        };
        copied.with_context(|| format!("cannot copy {}", entry.path().display()))?;
    }
    Ok(())
}
