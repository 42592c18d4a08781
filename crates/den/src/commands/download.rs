//! `den pip download` and `den pip wheel`: find the interpreter that builds source
//! distributions, turn the arguments into [`ops::DownloadSettings`] and run
//! [`ops::download()`].

use std::path::Path;
use std::process::ExitCode;

use den_cache::Cache;
use den_prepare::Keep;
use den_python::PipTarget;

use crate::cli::{DownloadArgs, WheelArgs, WheelhouseArgs};
use crate::ops::{self, DownloadSettings};
use crate::printer::Printer;
use crate::target;

/// Runs `den pip download`.
pub fn run_download(
    args: &DownloadArgs,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let settings = settings(
        &args.wheelhouse,
        args.platform.targets(),
        &args.dest,
        Keep::Archives,
    );
    run(&args.wheelhouse, &settings, cache, printer)
}

/// Runs `den pip wheel`.
pub fn run_wheel(args: &WheelArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let settings = settings(&args.wheelhouse, Vec::new(), &args.wheel_dir, Keep::Wheels);
    run(&args.wheelhouse, &settings, cache, printer)
}

fn settings(
    args: &WheelhouseArgs,
    targets: Vec<PipTarget>,
    dest: &Path,
    keep: Keep,
) -> DownloadSettings {
    DownloadSettings {
        sources: args.sources(),
        resolver: args.inputs.settings(),
        no_deps: args.no_deps,
        only_deps: args.only_deps,
        targets,
        dest: dest.to_path_buf(),
        keep,
    }
}

fn run(
    args: &WheelhouseArgs,
    settings: &DownloadSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    for (option, why) in args.compat.given() {
        printer.no_effect(option, why);
    }
    // pip's order: the target options' rule, then --only-deps' conflicts.
    ops::download::check_dist_restriction(
        !settings.targets.is_empty(),
        settings.no_deps,
        &settings.resolver,
    )?;
    super::install::only_deps_conflicts(args.only_deps, args.no_deps, &args.inputs)?;
    let interpreter = target::resolving_interpreter(args.python.as_deref(), cache)?;
    ops::download(&interpreter, settings, cache, printer)?;
    Ok(ExitCode::SUCCESS)
}
