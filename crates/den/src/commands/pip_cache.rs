//! `den pip cache dir|info|list|remove|purge`: den's cache (den-cache) in pip's words, for
//! scripts that call `pip cache`. pip's messages, streams and statuses: results on stdout,
//! `WARNING:`/`ERROR:` on stderr, status 1 for a missing or unknown action or a wrong number
//! of arguments. The buckets map onto pip's: index pages are pip's HTTP cache, built wheels
//! its "locally built wheels"; `list` and `remove` match every wheel file den keeps under its
//! own name (downloaded and built), by pip's patterns. `purge` empties the whole cache (pip's
//! removes wheels and HTTP files, which together are all of pip's cache that matters).
//! den's own `den cache` covers unpacked wheels, pruning and verification.

use std::process::ExitCode;

use den_cache::{Cache, CacheBucket};

use crate::cli::PipCacheArgs;
use crate::printer::Printer;

/// pip's actions, sorted as its messages list them.
const ACTIONS: &str = "dir, info, list, purge, remove";

/// Runs `den pip cache`; `disabled` is pip's `--no-cache-dir`, under which pip refuses.
pub fn run(
    args: &PipCacheArgs,
    disabled: bool,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    if disabled {
        printer.pip_error("pip cache commands can not function since cache is disabled.");
        return Ok(ExitCode::FAILURE);
    }
    let rest = &args.args;
    let result = match args.action.as_deref() {
        Some("dir") => no_arguments(rest).map(|()| printer.report(cache.root().display())),
        Some("info") => no_arguments(rest).and_then(|()| info(cache, printer)),
        Some("list") => list(cache, rest, &args.format, printer),
        Some("remove") => remove(cache, rest, printer),
        Some("purge") => no_arguments(rest).and_then(|()| remove(cache, &["*".into()], printer)),
        _ => Err(Usage(format!("Need an action ({ACTIONS}) to perform.")).into()),
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) => match err.downcast::<Usage>() {
            Ok(Usage(message)) => {
                printer.pip_error(message);
                Ok(ExitCode::FAILURE)
            }
            Err(other) => Err(other),
        },
    }
}

/// A mistake in the command line, reported as pip's `ERROR: ...` with status 1.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// pip's "Too many arguments" unless `args` is empty.
fn no_arguments(args: &[String]) -> anyhow::Result<()> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(Usage("Too many arguments".into()).into())
    }
}

/// pip's six `info` lines over den's index-page and built-wheel buckets.
fn info(cache: &Cache, printer: &Printer) -> anyhow::Result<()> {
    let pages = cache.bucket_usage(CacheBucket::Simple)?;
    let built = cache.bucket_usage(CacheBucket::BuiltWheels)?;
    let built_count = cache
        .wheel_files("*")?
        .iter()
        .filter(|f| f.starts_with(cache.root().join(CacheBucket::BuiltWheels.dir_name())))
        .count();
    let root = cache.root();
    printer.report(format_args!(
        "Package index page cache location: {}\n\
         Package index page cache size: {}\n\
         Number of HTTP files: {}\n\
         Locally built wheels location: {}\n\
         Locally built wheels size: {}\n\
         Number of locally built wheels: {built_count}",
        root.join(CacheBucket::Simple.dir_name()).display(),
        den_index::format_size(pages.bytes),
        pages.files,
        root.join(CacheBucket::BuiltWheels.dir_name()).display(),
        den_index::format_size(built.bytes),
    ));
    Ok(())
}

/// `list [PATTERN]`: ` - NAME (SIZE)` lines under `Cache contents:`, or absolute paths.
fn list(cache: &Cache, args: &[String], format: &str, printer: &Printer) -> anyhow::Result<()> {
    if args.len() > 1 {
        return Err(Usage("Too many arguments".into()).into());
    }
    let files = cache.wheel_files(args.first().map_or("*", String::as_str))?;
    if format == "abspath" {
        for file in &files {
            printer.report(file.display());
        }
        return Ok(());
    }
    if files.is_empty() {
        printer.report("No locally built wheels cached.");
        return Ok(());
    }
    let mut lines: Vec<String> = files
        .iter()
        .map(|file| {
            let size = std::fs::metadata(file).map_or(0, |m| m.len());
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            format!(" - {name} ({})", den_index::format_size(size))
        })
        .collect();
    lines.sort();
    printer.report("Cache contents:\n");
    printer.report(lines.join("\n"));
    Ok(())
}

/// `remove PATTERN` (and `purge`, as pattern `*`): pip's warning when nothing matches, then
/// `Files removed: N`. `*` empties the whole cache.
fn remove(cache: &Cache, args: &[String], printer: &Printer) -> anyhow::Result<()> {
    let pattern = match args {
        [] => return Err(Usage("Please provide a pattern".into()).into()),
        [pattern] => pattern,
        _ => return Err(Usage("Too many arguments".into()).into()),
    };
    let removed = if pattern == "*" {
        cache.clean()?.files
    } else {
        let files = cache.wheel_files(pattern)?;
        for file in &files {
            printer.detail(format_args!("Removed {}", file.display()));
        }
        cache.remove_files(&files)?.files
    };
    if removed == 0 {
        if pattern == "*" {
            printer.pip_warning("No matching packages");
        } else {
            printer.pip_warning(format_args!(
                "No matching packages for pattern \"{pattern}\""
            ));
        }
    }
    printer.report(format_args!("Files removed: {removed}"));
    Ok(())
}
