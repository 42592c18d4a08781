//! `den doctor [ENV...]`: lists the environments den can see whose base interpreter is gone,
//! changed version or no longer runs (see [`den_venv::base_health`]): the working directory's
//! `.venv`, the named environments in WORKON_HOME, pyenv-virtualenv's
//! `$PYENV_ROOT/versions/*/envs/*`, pipenv's (`~/.local/share/virtualenvs`), and any given.
//! Read-only, exit status 1 when one needs repair; with `--fix` each is rebuilt
//! ([`crate::ops::repair`]), exit status 1 when a rebuild failed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use den_cache::Cache;
use den_venv::{BaseHealth, base_health};

use crate::cli::DoctorArgs;
use crate::printer::Printer;

/// The environment directories directly inside `dir` (each with a pyvenv.cfg).
fn environments_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("pyvenv.cfg").is_file())
        // An interrupted repair's saved copy is not an environment of its own.
        .filter(|path| !path.to_string_lossy().ends_with(".den-repair"))
        .collect();
    found.sort();
    found
}

/// Every environment den knows where to look for, plus `given`, each once (by canonical
/// path), in the order found.
fn candidates(given: &[PathBuf], cwd: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = given.iter().map(|path| cwd.join(path)).collect();
    if given.is_empty() {
        all.push(cwd.join(".venv"));
        let homes = den_workon::Homes::from_vars(|key| std::env::var_os(key), cwd);
        all.extend(environments_in(&homes.workon_home));
        let pyenv = den_python::Pyenv::from_env();
        for version in pyenv.version_names() {
            all.extend(environments_in(
                &pyenv.versions_dir().join(version).join("envs"),
            ));
        }
        if let Some(home) = std::env::var_os("HOME").filter(|home| !home.is_empty()) {
            all.extend(environments_in(
                &PathBuf::from(home).join(".local/share/virtualenvs"),
            ));
        }
    }
    let mut seen = BTreeSet::new();
    all.into_iter()
        .filter(|path| {
            given.iter().any(|g| cwd.join(g) == *path) || path.join("pyvenv.cfg").is_file()
        })
        .filter(|path| seen.insert(path.canonicalize().unwrap_or_else(|_| path.clone())))
        .collect()
}

/// Runs `den doctor`: one line per environment on stdout, `ok` or what is wrong.
pub fn run(args: &DoctorArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let mut broken = 0;
    let environments = candidates(&args.environments, &cwd);
    let mut failed = 0;
    for root in &environments {
        let health = base_health(root, cache);
        if !matches!(health, BaseHealth::Unknown) || !args.environments.is_empty() {
            printer.out(format!("{}: {health}", root.display()));
        }
        if !health.is_broken() {
            continue;
        }
        broken += 1;
        if args.fix
            && let Err(err) = super::venv::repair(root, None, &cwd, cache, printer)
        {
            printer.error(&err);
            failed += 1;
        }
    }
    let checked = environments.len();
    printer.status(format!(
        "Checked {checked} environment{}: {broken} need{} repair",
        if checked == 1 { "" } else { "s" },
        if broken == 1 { "s" } else { "" }
    ));
    if args.fix {
        return Ok(if failed > 0 {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if broken > 0 {
        printer.status(
            "to repair them: `den doctor --fix`, or one with `den venv --repair ENV` (on \
             another Python: `--python VERSION`)",
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
