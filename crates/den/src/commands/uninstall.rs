//! `den pip uninstall`: the names on the command line and in `-r` files, removed by
//! [`ops::uninstall()`].

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::PackageName;

use crate::cli::UninstallArgs;
use crate::ops;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip uninstall`.
pub fn run(args: &UninstallArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Change)?;
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
    ops::uninstall(&target, &names, printer)?;
    Ok(ExitCode::SUCCESS)
}

/// Parses a package name given on the command line, naming it in the error.
pub fn parse_name(raw: &str) -> anyhow::Result<PackageName> {
    PackageName::from_str(raw).with_context(|| format!("`{raw}` is not a valid package name"))
}
