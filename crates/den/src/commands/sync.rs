//! `den pip sync`: makes an environment exactly match requirements files (pip-tools'
//! `pip-sync`) with an exact [`ops::install()`]: the listed distributions are installed or moved
//! to the listed versions, and every other one is uninstalled, except pip, setuptools and
//! wheel, which stay unless listed.

use std::process::ExitCode;

use den_cache::Cache;
use den_requirements::RequirementsSource;

use crate::cli::SyncArgs;
use crate::ops::{self, Exactness, InstallSettings};
use crate::printer::Printer;
use crate::target::{self, Access};

/// Runs `den pip sync`.
pub fn run(args: &SyncArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, Access::Change)?;
    let mut sources: Vec<RequirementsSource> = args
        .inputs
        .requirement_files
        .iter()
        .chain(&args.files)
        .cloned()
        .map(RequirementsSource::requirements_file)
        .collect();
    sources.extend(args.inputs.resolver.constraint_sources());
    let settings = InstallSettings {
        sources,
        resolver: args.inputs.settings(),
        exactness: Exactness::Exact,
        dry_run: args.dry_run,
        installer: args.installer.settings(),
        ..InstallSettings::default()
    };
    let outcome = ops::install(&target, &settings, cache, printer)?;
    // As pip-sync: a dry run fails when something would change, so checks can use it.
    Ok(if args.dry_run && outcome.changed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
