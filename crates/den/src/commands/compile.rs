//! `den pip compile`: finds the interpreter that builds source distributions, runs
//! [`ops::compile()`] and writes the pins to `-o FILE` or standard output.

use std::process::ExitCode;

use anyhow::Context;
use den_cache::Cache;
use den_dist::redact_credentials;
use den_requirements::RequirementsSource;

use crate::cli::{CompileArgs, CompileFormat, LockArgs};
use crate::ops::{self, CompileSettings, OutputFormat};
use crate::printer::Printer;
use crate::target;

/// Runs `den pip compile`.
pub fn run(args: &CompileArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let interpreter = target::resolving_interpreter(args.python.as_deref(), cache)?;
    let sources = args
        .src_files
        .iter()
        .map(|path| RequirementsSource::from_input_file(path, &args.extras))
        .chain(args.resolver.constraint_sources())
        .collect();
    let header = (!args.no_header).then(|| {
        std::iter::once("den".to_string())
            .chain(std::env::args().skip(1))
            .map(|arg| redact_credentials(&arg).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let settings = CompileSettings {
        sources,
        resolver: args.resolver.settings(),
        upgrade: args.upgrade.settings()?,
        output_file: args.output_file.clone(),
        generate_hashes: args.generate_hashes,
        python_version: args.python_version.clone(),
        python_platform: args.python_platform.clone(),
        header,
        annotate: !args.no_annotate,
        format: match args.format {
            Some(CompileFormat::PylockToml) => OutputFormat::PylockAllFiles,
            Some(CompileFormat::RequirementsTxt) => OutputFormat::RequirementsTxt,
            None if args
                .output_file
                .as_deref()
                .is_some_and(den_requirements::pylock::is_pylock_file_name) =>
            {
                OutputFormat::PylockAllFiles
            }
            None => OutputFormat::RequirementsTxt,
        },
        ..CompileSettings::default()
    };
    let text = ops::compile(&interpreter, &settings, cache, printer)?;
    match &args.output_file {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => crate::printer::write_stdout(format_args!("{text}")),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `den pip lock`: resolves for the interpreter (as `pip lock`: the active or nearest
/// environment's) and writes the pylock.toml `pip lock` would, with each package's chosen file.
pub fn run_lock(args: &LockArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    super::install::only_deps_conflicts(args.only_deps, args.no_deps, &args.requested.inputs)?;
    for (option, why) in args.compat.given() {
        printer.no_effect(option, why);
    }
    let interpreter = target::resolving_interpreter(args.python.as_deref(), cache)?;
    let to_stdout = args.output.as_os_str() == "-";
    if !to_stdout && !den_requirements::pylock::is_pylock_file_name(&args.output) {
        printer.warn(format!(
            "{} is not a valid lock file name (pylock.toml or pylock.NAME.toml)",
            args.output.display()
        ));
    }
    let sources = args.requested.sources();
    let settings = CompileSettings {
        sources,
        resolver: args.requested.inputs.settings(),
        upgrade: ops::settings::UpgradeSettings {
            all: true,
            ..Default::default()
        },
        output_file: (!to_stdout).then(|| args.output.clone()),
        format: OutputFormat::PylockChosenFile,
        no_deps: args.no_deps,
        only_deps: args.only_deps,
        ..CompileSettings::default()
    };
    let text = ops::compile(&interpreter, &settings, cache, printer)?;
    if to_stdout {
        crate::printer::write_stdout(format_args!("{text}"));
    } else {
        std::fs::write(&args.output, &text)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
