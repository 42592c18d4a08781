//! `den venv`: discover the base interpreter, create the environment (den-venv), and seed pip
//! from the interpreter's own bundled wheels with den's installer, as `python -m venv` does with
//! ensurepip, but without running Python.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{Version, WheelFilename};
use den_install::{InstallOptions, InstallTarget};
use den_python::{DiscoveryEnv, Interpreter, PythonRequest};
use den_venv::{Prompt, VenvOptions, VirtualEnv};

use crate::cli::VenvArgs;
use crate::printer::Printer;
use crate::target::install_scheme;

/// Runs `den venv`.
pub fn run(args: &VenvArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let options = VenvOptions {
        prompt: Prompt::from_arg(args.prompt.as_deref()),
        system_site_packages: args.system_site_packages,
        clear: args.clear,
        copies: args.copies && !args.symlinks,
        den_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let interpreter = find_base(
        args.python.as_deref(),
        &cwd,
        &DiscoveryEnv::from_process(),
        cache,
    )?;
    let created = create_from(
        interpreter,
        &cwd.join(&args.path),
        &options,
        !args.without_pip,
        cache,
    )?;
    printer.status(format!(
        "Created virtual environment at {} with Python {} ({})",
        args.path.display(),
        created.interpreter.version,
        created.interpreter.executable.display()
    ));
    created.report_seeded(printer);
    printer.status(format!(
        "Activate with: source {}",
        args.path.join("bin").join("activate").display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// What a new environment was made from, and what was seeded into it.
pub struct Created {
    /// The base interpreter.
    pub interpreter: Interpreter,
    /// Where the environment's parts are.
    pub env: VirtualEnv,
    /// `name-version` of each seeded package.
    pub seeded: Vec<String>,
}

impl Created {
    /// Prints the seeded packages as a status line (nothing when none were).
    pub fn report_seeded(&self, printer: &Printer) {
        if !self.seeded.is_empty() {
            printer.status(format!("Seeded {}", self.seeded.join(", ")));
        }
    }
}

/// The supported base interpreter `python` asks for (a `--python` value; `None`:
/// PYENV_VERSION, .python-version, else python3 on PATH), looked up from `cwd` with the
/// `PATH` and pyenv settings in `env`. Shared by `den venv` and `den env create`.
///
/// # Errors
///
/// An invalid `--python` value, no matching interpreter, or an unsupported one.
pub fn find_base(
    python: Option<&str>,
    cwd: &Path,
    env: &DiscoveryEnv,
    cache: &Cache,
) -> anyhow::Result<Interpreter> {
    let request = python
        .map(PythonRequest::from_str)
        .transpose()
        .context("invalid --python value")?;
    let interpreter = den_python::find_interpreter_in(request.as_ref(), cwd, cache, env)?;
    den_python::check_supported(&interpreter)?;
    Ok(interpreter)
}

/// Creates the environment at `location` (absolute) for `interpreter`, then seeds pip unless
/// `with_pip` is false. Shared by `den venv` and `den env create`.
///
/// # Errors
///
/// The location in the way (den-venv's errors), or seeding failures.
pub fn create_from(
    interpreter: Interpreter,
    location: &Path,
    options: &VenvOptions,
    with_pip: bool,
    cache: &Cache,
) -> anyhow::Result<Created> {
    let env = den_venv::create_venv(&interpreter, location, options)?;
    let seeded = if with_pip {
        seed(&env, &interpreter, cache)?
    } else {
        Vec::new()
    };
    Ok(Created {
        interpreter,
        env,
        seeded,
    })
}

/// Installs the seed packages `python -m venv` would: pip, plus setuptools before Python 3.12,
/// from the wheels the interpreter's `ensurepip` bundles (the versions it pins), or, for a
/// Debian system Python whose ensurepip wheels were moved, from /usr/share/python-wheels.
/// Returns `name-version` of each seeded package.
fn seed(env: &VirtualEnv, interpreter: &Interpreter, cache: &Cache) -> anyhow::Result<Vec<String>> {
    let wanted = den_venv::ensurepip_packages(interpreter.major_minor);
    let ensurepip = interpreter.paths.stdlib.join("ensurepip");
    let pins = std::fs::read_to_string(ensurepip.join("__init__.py")).unwrap_or_default();
    let mut dirs = vec![ensurepip.join("_bundled")];
    if interpreter.paths.stdlib.starts_with("/usr/lib") {
        dirs.push(PathBuf::from("/usr/share/python-wheels"));
    }
    let paths = env.scheme();
    let target = InstallTarget {
        scheme: install_scheme(&paths, paths.include.clone()),
        python: env.python.clone(),
        python_version: interpreter.major_minor,
    };
    let options = InstallOptions {
        requested: true,
        ..InstallOptions::default()
    };
    let mut seeded = Vec::new();
    for &name in wanted {
        let pinned = pinned_version(&pins, name);
        let Some(wheel) = dirs
            .iter()
            .find_map(|dir| bundled_wheel(dir, name, pinned.as_ref()))
        else {
            if name == "pip" {
                bail!(
                    "cannot seed pip: {} bundles no pip wheel (looked in {}). Install your \
                     distribution's python3-venv / python3-pip-whl package, or pass --without-pip",
                    interpreter.executable.display(),
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
            }
            continue;
        };
        let unpacked = den_install::unpack_wheel(cache, &wheel)?;
        den_install::install_wheel(&unpacked, &target, &options)?;
        seeded.push(format!(
            "{}-{}",
            unpacked.filename.name, unpacked.filename.version
        ));
    }
    Ok(seeded)
}

/// The version ensurepip pins for `name` (`_PIP_VERSION = "23.2.1"` in its `__init__.py`).
fn pinned_version(source: &str, name: &str) -> Option<Version> {
    let variable = format!("_{}_VERSION", name.to_ascii_uppercase());
    source.lines().find_map(|line| {
        let value = line
            .trim()
            .strip_prefix(&variable)?
            .trim()
            .strip_prefix('=')?;
        Version::from_str(value.trim().trim_matches(['"', '\''])).ok()
    })
}

/// The `<name>-*.whl` in `dir` with the `pinned` version, else the newest one.
fn bundled_wheel(dir: &Path, name: &str, pinned: Option<&Version>) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let wheels: Vec<(Version, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            let wheel = WheelFilename::from_str(&file_name).ok()?;
            (wheel.name.as_ref() == name).then(|| (wheel.version, entry.path()))
        })
        .collect();
    let chosen = match pinned {
        Some(pin) if wheels.iter().any(|(v, _)| v == pin) => {
            wheels.into_iter().find(|(v, _)| v == pin)
        }
        _ => wheels.into_iter().max_by(|a, b| a.0.cmp(&b.0)),
    };
    chosen.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ensurepip_pins() {
        let source = "import os\n_SETUPTOOLS_VERSION = \"56.0.0\"\n_PIP_VERSION = '23.0.1'\n";
        assert_eq!(pinned_version(source, "pip").unwrap().to_string(), "23.0.1");
        assert_eq!(
            pinned_version(source, "setuptools").unwrap().to_string(),
            "56.0.0"
        );
        assert!(pinned_version(source, "wheel").is_none());
    }

    #[test]
    fn prefers_the_pinned_wheel() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "pip-22.0.4-py3-none-any.whl",
            "pip-23.0.1-py3-none-any.whl",
            "other-9-py3-none-any.whl",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let pin = Version::from_str("22.0.4").unwrap();
        let chosen = bundled_wheel(dir.path(), "pip", Some(&pin)).unwrap();
        assert!(chosen.ends_with("pip-22.0.4-py3-none-any.whl"));
        let newest = bundled_wheel(dir.path(), "pip", None).unwrap();
        assert!(newest.ends_with("pip-23.0.1-py3-none-any.whl"));
    }
}
