//! The `den` binary: parses the command line, sets up output and logging, and hands each
//! command to its module under `commands/`, which only wires library crates together.

mod cli;
mod commands;
mod interrupt;
mod printer;
mod target;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, PipCommand};
use crate::printer::Printer;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, cli.global.quiet);
    let printer = Printer::new(cli.global.quiet, cli.global.verbose);
    interrupt::install_handler();
    match run(cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cache = match &cli.global.cache_dir {
        Some(dir) => den_cache::Cache::open(dir)?,
        None => den_cache::Cache::from_env()?,
    };
    match cli.command {
        Command::Venv(args) => commands::venv::run(&args, &cache, printer),
        Command::Pip(PipCommand::Install(args)) => commands::install::run(&args, &cache, printer),
        Command::Pip(PipCommand::Uninstall(args)) => {
            commands::uninstall::run(&args, &cache, printer)
        }
        Command::Pip(PipCommand::Freeze(args)) => commands::freeze::run(&args, &cache, printer),
        Command::Pip(PipCommand::List(args)) => commands::list::run(&args, &cache, printer),
        Command::Pip(PipCommand::Show(args)) => commands::show::run(&args, &cache, printer),
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `-vvv` trace; `-q` errors
/// only. `RUST_LOG` overrides.
fn init_tracing(verbose: u8, quiet: u8) {
    let level = match (quiet, verbose) {
        (q, _) if q > 0 => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .without_time()
        .init();
}
