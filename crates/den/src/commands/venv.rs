//! `den venv`: discover the base interpreter, create the environment (den-venv), and seed pip
//! from the interpreter's own bundled wheels with den's installer, as `python -m venv` does with
//! ensurepip, but without running Python.

use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use den_cache::Cache;
use den_python::{DiscoveryEnv, Interpreter, PythonRequest};
use den_venv::{Prompt, VenvOptions, VirtualEnv};

use crate::cli::VenvArgs;
use crate::printer::Printer;

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
