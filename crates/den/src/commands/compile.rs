//! `den pip compile`: finds the interpreter that builds source distributions, runs
//! [`ops::compile()`] and writes the pins to `-o FILE` or standard output.

use std::process::ExitCode;

use anyhow::Context;
use den_cache::Cache;
use den_dist::redact_credentials;
use den_requirements::RequirementsSource;

use crate::cli::CompileArgs;
use crate::ops::{self, CompileSettings};
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
