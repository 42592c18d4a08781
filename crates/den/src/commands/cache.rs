//! `den cache dir|size|clean|prune|verify`: the cache's location, its size, removing entries
//! and checking unpacked wheels
//! (pip's `pip cache`, uv's `uv cache`). Cleaning takes the cache's exclusive lock, so it waits
//! for running installs instead of pulling files from under them.

use std::process::ExitCode;

use den_cache::{Cache, CleanReport};

use crate::cli::CacheCommand;
use crate::printer::Printer;

/// Runs a `den cache` command.
pub fn run(command: &CacheCommand, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    match command {
        CacheCommand::Dir => printer.out(cache.root().display()),
        CacheCommand::Size(args) => {
            let bytes = cache.size()?;
            printer.out(if args.human {
                human(bytes)
            } else {
                bytes.to_string()
            });
        }
        CacheCommand::Clean(args) if args.packages.is_empty() => {
            let report = cache.clean()?;
            printer.status(format!(
                "Cleared {} ({})",
                cache.root().display(),
                summary(&report)
            ));
        }
        CacheCommand::Clean(args) => {
            for package in &args.packages {
                let report = cache.clean_package(package)?;
                printer.status(format!("Removed {package}: {}", summary(&report)));
            }
        }
        CacheCommand::Prune => {
            let report = cache.prune()?;
            printer.status(format!("Pruned {}", summary(&report)));
        }
        CacheCommand::Verify(args) => {
            let (checked, damaged) = den_install::verify_cache(cache, args.fix)?;
            for entry in &damaged {
                let action = if args.fix { "removed" } else { "damaged" };
                printer.out(format!(
                    "{action}: {} ({}: {})",
                    entry.dist_info.trim_end_matches(".dist-info"),
                    entry.file.display(),
                    entry.problem
                ));
            }
            printer.status(format!(
                "Checked {checked} unpacked wheels: {} damaged{}",
                damaged.len(),
                if args.fix && !damaged.is_empty() {
                    ", removed"
                } else {
                    ""
                }
            ));
            if !damaged.is_empty() && !args.fix {
                printer.status(
                    "`den cache verify --fix` removes them; installs unpack them again from the \
                     wheel, and an environment already holding a damaged file needs \
                     `den pip install --force-reinstall NAME`",
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `12 files, 3.4 MiB`.
fn summary(report: &CleanReport) -> String {
    format!("{} files, {}", report.files, human(report.bytes))
}

/// Bytes in binary units with one decimal (`3.4 MiB`).
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
