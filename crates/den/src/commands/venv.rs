//! `den venv`: discover the base interpreter, create the environment (den-venv), and seed pip
//! from the interpreter's own bundled wheels with den's installer, as `python -m venv` does with
//! ensurepip, but without running Python.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::WheelFilename;
use den_install::{InstallOptions, InstallTarget};
use den_python::{Interpreter, PythonRequest};
use den_venv::{Prompt, VenvOptions, VirtualEnv};

use crate::cli::VenvArgs;
use crate::printer::Printer;

/// Runs `den venv`.
pub fn run(args: &VenvArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let request = args
        .python
        .as_deref()
        .map(PythonRequest::from_str)
        .transpose()
        .context("invalid --python value")?;
    let interpreter = den_python::find_interpreter(request.as_ref(), &cwd, cache)?;
    den_python::check_supported(&interpreter)?;
    let prompt = match args.prompt.as_deref() {
        None => Prompt::None,
        Some(".") => Prompt::CurrentDirName,
        Some(name) => Prompt::Named(name.to_string()),
    };
    let options = VenvOptions {
        prompt,
        system_site_packages: args.system_site_packages,
        clear: args.clear,
        copies: args.copies,
        den_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let location = cwd.join(&args.path);
    let env = den_venv::create_venv(&interpreter, &location, &options)?;
    let mut seeded = Vec::new();
    if !args.without_pip {
        seeded = seed(&env, &interpreter, cache)?;
    }
    printer.status(format!(
        "Created virtual environment at {} with Python {} ({})",
        args.path.display(),
        interpreter.version,
        interpreter.executable.display()
    ));
    if !seeded.is_empty() {
        printer.status(format!("Seeded {}", seeded.join(", ")));
    }
    printer.status(format!(
        "Activate with: source {}",
        args.path.join("bin").join("activate").display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Installs the seed packages `python -m venv` would: pip, plus setuptools before Python 3.12,
/// from the wheels the interpreter's `ensurepip` bundles (or, on Debian, where ensurepip's
/// wheels live in /usr/share/python-wheels). Returns `name-version` of each seeded package.
fn seed(env: &VirtualEnv, interpreter: &Interpreter, cache: &Cache) -> anyhow::Result<Vec<String>> {
    let mut wanted = vec!["pip"];
    if interpreter.major_minor < (3, 12) {
        wanted.push("setuptools");
    }
    let dirs = [
        interpreter.paths.stdlib.join("ensurepip").join("_bundled"),
        PathBuf::from("/usr/share/python-wheels"),
    ];
    let target = InstallTarget {
        scheme: den_install::InstallScheme {
            purelib: env.site_packages.clone(),
            platlib: env.site_packages.clone(),
            scripts: env.scripts.clone(),
            data: env.root.clone(),
            headers: crate::target::venv_headers(&env.root, interpreter.major_minor),
        },
        python: env.python.clone(),
        python_version: interpreter.major_minor,
    };
    let options = InstallOptions {
        requested: true,
        ..InstallOptions::default()
    };
    let mut seeded = Vec::new();
    for name in wanted {
        let Some(wheel) = dirs.iter().find_map(|dir| newest_wheel(dir, name)) else {
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

/// The newest `<name>-*.whl` in `dir`, if any.
fn newest_wheel(dir: &Path, name: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            let wheel = WheelFilename::from_str(&file_name).ok()?;
            (wheel.name.as_ref() == name).then(|| (wheel.version, entry.path()))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, path)| path)
}
