//! `den pip compile`: finds the interpreter that builds source distributions, runs
//! [`ops::compile()`] and writes the pins to `-o FILE` or standard output.

use std::process::ExitCode;

use anyhow::Context;
use den_cache::Cache;
use den_dist::redact_credentials;
use den_python::Interpreter;
use den_requirements::RequirementsSource;

use crate::cli::{CompileArgs, TargetArgs};
use crate::ops::{self, CompileSettings};
use crate::printer::Printer;
use crate::target::{self, Access};

/// Runs `den pip compile`.
pub fn run(args: &CompileArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let interpreter = interpreter(args, cache)?;
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
        resolver: args.resolver.settings(false),
        upgrade: args.upgrade.settings()?,
        output_file: args.output_file.clone(),
        generate_hashes: args.generate_hashes,
        python_version: args.python_version.clone(),
        python_platform: args.python_platform.clone(),
        header,
        annotate: !args.no_annotate,
    };
    let text = ops::compile(&interpreter, &settings, cache, printer)?;
    match &args.output_file {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => crate::printer::write_stdout(format_args!("{text}")),
    }
    Ok(ExitCode::SUCCESS)
}

/// The interpreter that builds sdists and whose environment is resolved for by default:
/// `--python`, else the active or nearest environment, else discovery's default.
fn interpreter(args: &CompileArgs, cache: &Cache) -> anyhow::Result<Interpreter> {
    let target_args = TargetArgs {
        python: args.python.clone(),
        system: true,
        break_system_packages: false,
    };
    match target::find(&target_args, cache, Access::Read) {
        Ok(target) => Ok(target.interpreter),
        Err(_) if args.python.is_none() => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            super::venv::find_base(None, &cwd, &den_python::DiscoveryEnv::from_process(), cache)
        }
        Err(error) => Err(error),
    }
}
