//! `den pip uninstall`: removes distributions using their RECORD (den-install), with pip's
//! messages. A name that is not installed is a warning, as in pip.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::PackageName;

use crate::cli::UninstallArgs;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip uninstall`.
pub fn run(args: &UninstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Change)?;
    let _lock = target.lock(cache)?;
    let mut names = Vec::new();
    for raw in &args.packages {
        match den_requirements::parse_requirement_arg(raw, false)? {
            den_requirements::ParsedRequirement::Named(entry) => {
                names.push(entry.requirement.name);
            }
            den_requirements::ParsedRequirement::Unnamed(_) => {
                bail!("`{raw}` does not name a project: give the name of the package to uninstall")
            }
        }
    }
    for path in &args.requirement_files {
        let file = den_requirements::parse_requirements_file(path)?;
        names.extend(file.requirements.into_iter().map(|e| e.requirement.name));
    }
    if names.is_empty() {
        bail!("you must give at least one package to uninstall (see `den pip uninstall --help`)");
    }
    let installed = den_install::installed_distributions(&target.site_packages())?;
    for name in names {
        let Some(dist) = installed.iter().find(|d| d.name == name) else {
            printer.warn(format!("Skipping {name} as it is not installed."));
            continue;
        };
        remove(dist, printer)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Uninstalls one distribution with pip's messages.
///
/// Errors: den-install's, naming the distribution.
pub fn remove(dist: &den_install::InstalledDist, printer: &Printer) -> anyhow::Result<()> {
    // Read before the metadata is removed with the rest.
    let shown = dist.display_name();
    printer.status(format!(
        "Found existing installation: {shown} {}",
        dist.version
    ));
    let removed = den_install::uninstall(dist)
        .with_context(|| format!("cannot uninstall {} {}", dist.name, dist.version))?;
    printer.detail(format!("  removed {} files", removed.removed.len()));
    warn_skipped(printer, &removed.skipped);
    printer.status(format!(
        "  Successfully uninstalled {shown}-{}",
        dist.version
    ));
    Ok(())
}

/// Tells the user about files a RECORD listed outside the environment, which den left alone
/// (see `den_install::uninstall`).
pub fn warn_skipped(printer: &Printer, skipped: &[std::path::PathBuf]) {
    for path in skipped {
        printer.warn(format!(
            "left {} alone: it is outside the environment",
            path.display()
        ));
    }
}

/// Parses a package name given on the command line, naming it in the error.
pub fn parse_name(raw: &str) -> anyhow::Result<PackageName> {
    PackageName::from_str(raw).with_context(|| format!("`{raw}` is not a valid package name"))
}
