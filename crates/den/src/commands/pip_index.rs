//! `den pip index versions PACKAGE`: the versions of a project the target interpreter could
//! install from the indexes, newest first, in pip's words (`pip index versions`).

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::{IndexVersionsArgs, PipIndexCommand};
use crate::printer::Printer;
use crate::target;

/// Runs `den pip index ...`.
pub fn run(
    command: &PipIndexCommand,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    match command {
        PipIndexCommand::Versions(args) => versions(args, cache, printer),
    }
}

/// pip's output: `NAME (LATEST)`, `Available versions: ...`, and for an installed project
/// its `INSTALLED:` and `LATEST:` lines; a project with no installable version is pip's
/// `No matching distribution found` error, status 1.
fn versions(
    args: &IndexVersionsArgs,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let name = super::uninstall::parse_name(&args.package)?;
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let client = crate::ops::latest::client(&args.index, cache)?;
    let runtime = crate::ops::pipeline::runtime()?;
    let files = match runtime.block_on(client.project_files(&name)) {
        Ok(files) => Some(files),
        Err(den_index::IndexError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let mut versions: Vec<den_dist::Version> = files
        .map(|files| crate::ops::latest::installable(&files, &target.interpreter))
        .unwrap_or_default()
        .into_keys()
        .filter(|v| args.pre || !v.any_prerelease())
        .collect();
    versions.sort();
    versions.reverse();
    let Some(latest) = versions.first() else {
        printer.pip_error(format!(
            "No matching distribution found for {}",
            args.package
        ));
        return Ok(ExitCode::FAILURE);
    };
    let shown: Vec<String> = versions.iter().map(ToString::to_string).collect();
    printer.out(format!("{} ({latest})", args.package));
    printer.out(format!("Available versions: {}", shown.join(", ")));
    let installed = target.visible_distributions()?;
    if let Some(dist) = installed.iter().find(|d| d.name == name) {
        printer.out(format!("  INSTALLED: {}", dist.version));
        if latest.any_prerelease() {
            printer.out(format!(
                "  LATEST:    {latest} (pre-release; install with `pip install --pre`)"
            ));
        } else {
            printer.out(format!("  LATEST:    {latest}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
