//! `den venv`: discover the base interpreter, create the environment (den-venv), and seed pip
//! from the interpreter's own bundled wheels with den's installer, as `python -m venv` does with
//! ensurepip, but without running Python.

use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_python::{DiscoveryEnv, Interpreter, PythonRequest};
use den_venv::{Prompt, VenvOptions, VirtualEnv};

use crate::cli::VenvArgs;
use crate::printer::Printer;

/// Runs `den venv`.
pub fn run(args: &VenvArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if args.repair {
        let root = cwd.join(&args.path);
        repair(&root, args.python.as_deref(), &cwd, cache, printer)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.make_relocatable {
        let root = cwd.join(&args.path);
        require_environment(&root)?;
        let env = den_venv::PythonEnvironment::at_root(&root, cache)?;
        let _lock = env.lock()?;
        den_venv::make_relocatable(&root)?;
        printer.status(format!(
            "Made {} relocatable: it works wherever it is moved or copied",
            args.path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(source) = &args.clone {
        let source = cwd.join(source);
        let target = cwd.join(&args.path);
        require_environment(&source)?;
        if target.exists() || target.is_symlink() {
            bail!(
                "{} already exists; clone into a new directory",
                target.display()
            );
        }
        let env = den_venv::PythonEnvironment::at_root(&source, cache)?;
        let _lock = env.lock()?;
        let _discard_on_signal = crate::interrupt::DiscardOnSignal::new(target.clone());
        den_venv::clone_env(&source, &target, &[den_workon::TMP_MARKER])?;
        printer.status(format!(
            "Cloned {} to {}",
            source.display(),
            args.path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let options = VenvOptions {
        prompt: Prompt::from_arg(args.prompt.as_deref()),
        system_site_packages: args.system_site_packages,
        clear: args.clear,
        copies: args.copies && !args.symlinks,
        relocatable: args.relocatable,
        scm_ignore_files: !args.without_scm_ignore_files,
        seed_setuptools: !args.no_setuptools,
        activators: args.activators.clone(),
        ..VenvOptions::default()
    };
    for (given, option) in [
        (args.no_wheel, "--no-wheel: den never seeds wheel"),
        (args.seed, "--seed: den seeds pip unless --without-pip"),
        (
            args.no_periodic_update,
            "--no-periodic-update: den has no seed wheels to update",
        ),
        (
            args.no_download,
            "--no-download: den never downloads seed packages",
        ),
    ] {
        if given {
            printer.detail(format!("{option}; it changes nothing"));
        }
    }
    if args.upgrade {
        require_environment(&cwd.join(&args.path))?;
    }
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
    let pip_version = args
        .pip
        .as_deref()
        .filter(|v| !matches!(*v, "bundle" | "embed"));
    if args.upgrade_deps || pip_version.is_some() {
        upgrade_seeded(
            &cwd.join(&args.path),
            &created,
            args.upgrade_deps,
            pip_version,
            cache,
            printer,
        )?;
    }
    printer.status(format!(
        "Activate with: source {}",
        args.path.join("bin").join("activate").display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// After seeding the environment at `root`: `--upgrade-deps` (the seeded packages upgraded to
/// the newest on the index, as `python -m venv --upgrade-deps` runs `pip install -U`) and
/// `--pip VERSION` (that pip from the index), through den's installer.
fn upgrade_seeded(
    root: &Path,
    created: &Created,
    upgrade_deps: bool,
    pip_version: Option<&str>,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut requirements = Vec::new();
    match pip_version {
        Some(version) => requirements.push(format!("pip=={version}")),
        None => requirements.push("pip".to_string()),
    }
    if upgrade_deps {
        requirements.extend(
            created
                .seeded
                .iter()
                .filter_map(|seeded| seeded.split_once('-').map(|(name, _)| name))
                .filter(|name| *name != "pip")
                .map(str::to_string),
        );
    }
    let target = crate::target::Target::at_root(root, cache)?;
    let settings = crate::ops::install::InstallSettings {
        sources: requirements
            .into_iter()
            .map(den_requirements::RequirementsSource::Argument)
            .collect(),
        upgrade: crate::ops::settings::UpgradeSettings {
            all: upgrade_deps,
            packages: Vec::new(),
        },
        ..crate::ops::install::InstallSettings::default()
    };
    crate::ops::install::install(&target, &settings, cache, printer)?;
    Ok(())
}

/// Fails unless `root` is a virtual environment (has a `pyvenv.cfg`).
fn require_environment(root: &Path) -> anyhow::Result<()> {
    if !den_venv::PyVenvConfig::path_in(root).is_file() {
        bail!(
            "{} is not a virtual environment (it has no pyvenv.cfg); pass the directory of one",
            root.display()
        );
    }
    Ok(())
}

/// Rebuilds the environment at `root` on `python` (a `--python` value), else on an
/// interpreter of the version its pyvenv.cfg records (`3.12.1`, else any `3.12`), with
/// [`crate::ops::repair::repair`], and says what it did. Shared by `den venv --repair` and
/// `den doctor --fix`.
///
/// # Errors
///
/// Not an environment, no matching interpreter, or the rebuild failed (the environment is
/// left as it was).
pub fn repair(
    root: &Path,
    python: Option<&str>,
    cwd: &Path,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<()> {
    if crate::ops::repair::restore_interrupted(root)? {
        printer.warn(format!(
            "put back {} from an interrupted repair",
            root.display()
        ));
    }
    let cfg = den_venv::PyVenvConfig::read(root)
        .with_context(|| format!("{} is not a virtual environment", root.display()))?;
    let env = DiscoveryEnv::from_process();
    let interpreter = match (python, cfg.version()) {
        (Some(python), _) => find_base(Some(python), cwd, &env, cache)?,
        (None, Some(recorded)) => find_recorded(root, recorded, cwd, &env, cache)?,
        (None, None) => bail!(
            "{}'s pyvenv.cfg records no Python version: pass --python",
            root.display()
        ),
    };
    let version = interpreter.version.clone();
    let executable = interpreter.executable.clone();
    let count = crate::ops::repair::repair(root, interpreter, cache, printer)?;
    printer.status(format!(
        "Rebuilt {} on Python {version} ({}) with its {count} distributions",
        root.display(),
        executable.display()
    ));
    Ok(())
}

/// The base interpreter for the environment at `root`, whose pyvenv.cfg records Python
/// `recorded` (`3.12.1`): that release, else any of its minor version, found as
/// [`find_base`] finds a `--python` version. Shared by repairs and `den env create --reuse`.
///
/// # Errors
///
/// No interpreter of that minor version is found (the message names `root` and how to get one).
pub fn find_recorded(
    root: &Path,
    recorded: &str,
    cwd: &Path,
    env: &DiscoveryEnv,
    cache: &Cache,
) -> anyhow::Result<Interpreter> {
    let release: Vec<&str> = recorded.split('.').take(3).collect();
    let minor = release
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(".");
    find_base(Some(&release.join(".")), cwd, env, cache)
        .or_else(|_| find_base(Some(&minor), cwd, env, cache))
        .with_context(|| {
            format!(
                "{} was made with Python {recorded}, and no Python {minor} is found: install one (`den pyenv install {minor}`) or pass --python",
                root.display()
            )
        })
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
/// `PATH` and pyenv settings in `env`; a version (`3.13`) that is not installed, asked for
/// with `--python` or pinned by `PYENV_VERSION` or a `.python-version` file, is installed
/// first ([`super::pyenv_install::install_on_demand`]). Shared by `den venv`, `den env
/// create`, `den pipenv` and repairs.
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
    let interpreter = match den_python::find_interpreter_in(request.as_ref(), cwd, cache, env) {
        Ok(interpreter) => interpreter,
        // A version that is not installed: installed now (pyenv's versions directory),
        // unless DEN_PYTHON_DOWNLOADS=never.
        Err(err) => {
            let wanted = match python {
                Some(python) => Some(python.to_string()),
                None if matches!(err, den_python::DiscoveryError::NotFound(_)) => {
                    missing_pinned_version(cwd, env)
                }
                None => None,
            };
            match wanted
                .as_deref()
                .map(super::pyenv_install::install_on_demand)
            {
                Some(Ok(Some(_))) => {
                    den_python::find_interpreter_in(request.as_ref(), cwd, cache, env)?
                }
                Some(Err(message)) => return Err(anyhow::Error::new(err).context(message)),
                Some(Ok(None)) if !super::pyenv_install::downloads_allowed() => {
                    return Err(anyhow::Error::new(err).context(format!(
                        "{}=never: install it with `den pyenv install {}`",
                        super::pyenv_install::DOWNLOADS_VARIABLE,
                        wanted.unwrap_or_default()
                    )));
                }
                _ => return Err(err.into()),
            }
        }
    };
    den_python::check_supported(&interpreter)?;
    Ok(interpreter)
}

/// The first version `PYENV_VERSION` or the nearest `.python-version` (as pyenv selects
/// them from `cwd`) names that is not installed in pyenv's versions directory (`system`
/// aside); `None` when nothing is pinned there, or the global version file pins it (that
/// pin applies only behind pyenv's shims, so it is not installed on its behalf).
fn missing_pinned_version(cwd: &Path, env: &DiscoveryEnv) -> Option<String> {
    let pyenv = den_python::Pyenv::new(env.pyenv_root.clone()?);
    let pin = pyenv
        .selection(env.pyenv_version.as_deref(), env.pyenv_dir.as_deref(), cwd)
        .ok()?;
    if matches!(pin.origin, den_python::PinOrigin::GlobalFile(_)) {
        return None;
    }
    pin.versions
        .into_iter()
        .find(|version| version != "system" && pyenv.resolve_version(version).is_none())
}

/// Creates the environment at `location` (absolute) for `interpreter`, seeding pip unless
/// `with_pip` is false (atomically: [`den_venv::create_seeded`]). Shared by `den venv` and
/// `den env create`.
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
    let (env, seeded) = if with_pip {
        den_venv::create_seeded(&interpreter, location, options, cache)?
    } else {
        (
            den_venv::create_venv(&interpreter, location, options)?,
            Vec::new(),
        )
    };
    Ok(Created {
        interpreter,
        env,
        seeded,
    })
}
