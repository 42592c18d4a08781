//! `den pip uninstall`: the names on the command line and in `-r` files, removed by
//! [`ops::uninstall()`], each after pip's question (`Proceed (Y/n)?`, with the files it
//! would remove) unless `-y` is given.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::PackageName;

use crate::cli::UninstallArgs;
use crate::ops;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip uninstall`; `no_input` (`--no-input`, `PIP_NO_INPUT`) makes pip's question an
/// error.
pub fn run(
    args: &UninstallArgs,
    no_input: bool,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    if args.root_user_action.is_some() {
        printer.no_effect(
            "--root-user-action",
            "den does not warn about running as root",
        );
    }
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
    if args.yes {
        ops::uninstall(&target, &names, printer)?;
    } else {
        let ask = |dist: &den_install::InstalledDist| proceed(dist, no_input, printer);
        ops::uninstall::uninstall_asking(&target, &names, &ask, printer)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// pip's question before removing `dist`: what would be removed and what left (pip's
/// `_allowed_to_proceed`), then `Proceed (Y/n)? ` on stdout, read from stdin until the answer
/// is `y`, `n` or empty (yes).
///
/// Errors: `no_input`, or stdin closed before an answer (pip fails there too): both say to
/// pass `-y`.
fn proceed(
    dist: &den_install::InstalledDist,
    no_input: bool,
    printer: &Printer,
) -> anyhow::Result<bool> {
    use std::io::{BufRead as _, Write as _};
    let planned = den_install::planned_uninstall(dist)?;
    let (remove, keep) = listing(&planned.removed, &dist.path);
    let refused: Vec<String> = planned
        .skipped
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    for (title, paths) in [
        ("Would remove:", compact(remove)),
        ("Would not remove (might be manually added):", compact(keep)),
        ("Would not remove (outside of prefix):", compact(refused)),
    ] {
        if !paths.is_empty() {
            printer.report(format!("  {title}"));
            for path in paths {
                printer.report(format!("    {path}"));
            }
        }
    }
    const QUESTION: &str = "Proceed (Y/n)? ";
    if no_input {
        bail!(
            "No input was expected ($PIP_NO_INPUT set); question: {QUESTION}(pass -y to \
             uninstall without asking)"
        );
    }
    let stdin = std::io::stdin();
    loop {
        crate::printer::write_stdout(format_args!("{QUESTION}"));
        std::io::stdout()
            .flush()
            .context("cannot write to standard output")?;
        let mut answer = String::new();
        let read = stdin
            .lock()
            .read_line(&mut answer)
            .context("cannot read the answer from standard input")?;
        if read == 0 {
            printer.out("");
            bail!(
                "standard input closed before an answer to `{}`: pass -y to uninstall \
                 without asking",
                QUESTION.trim_end()
            );
        }
        match answer.trim().to_lowercase().as_str() {
            "" | "y" => return Ok(true),
            "n" => return Ok(false),
            other => printer.out(format!(
                "Your response ('{other}') was not one of the expected responses: y, n, "
            )),
        }
    }
}

/// The paths pip shows as "Would remove" and "Would not remove (might be manually added)"
/// for `removed` ([`den_install::planned_uninstall`]'s, the metadata directory `metadata`
/// last), as pip's `compress_for_output_listing` makes them: compiled files left out; a
/// package directory (one holding a listed `__init__.py`) and the `.dist-info` directory
/// shown as `DIR/*`, and the files in a package directory that the listing does not name
/// shown as left.
fn listing(removed: &[PathBuf], metadata: &Path) -> (Vec<String>, Vec<String>) {
    let files: BTreeSet<&PathBuf> = removed
        .iter()
        .filter(|p| p.as_path() != metadata && !p.to_string_lossy().ends_with(".pyc"))
        .collect();
    let mut folders: Vec<String> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "__init__.py"))
        .filter_map(|p| p.parent())
        .map(|p| p.display().to_string())
        .collect();
    let mut remove: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    if metadata.extension().is_some_and(|e| e == "dist-info") {
        folders.push(metadata.display().to_string());
    } else {
        remove.push(metadata.display().to_string());
    }
    let folders = compact(folders);
    let mut keep = Vec::new();
    for folder in &folders {
        if Path::new(folder) == metadata {
            // Removed whole, whatever it holds.
            continue;
        }
        for entry in walkdir::WalkDir::new(folder).into_iter().flatten() {
            let path = entry.path();
            if entry.file_type().is_file()
                && !path.to_string_lossy().ends_with(".pyc")
                && !files.contains(&path.to_path_buf())
            {
                keep.push(path.display().to_string());
            }
        }
    }
    remove.extend(folders.iter().map(|folder| format!("{folder}/*")));
    (remove, keep)
}

/// pip's `compact`: the paths not under another of them (`DIR/*` covers what is under
/// `DIR`), sorted.
fn compact(mut paths: Vec<String>) -> BTreeSet<String> {
    paths.sort_by_key(String::len);
    let mut kept: Vec<String> = Vec::new();
    for path in paths {
        let covered = kept.iter().any(|short| {
            let base = short.trim_end_matches('*');
            path.starts_with(base)
                && path.as_bytes().get(base.trim_end_matches('/').len()) == Some(&b'/')
        });
        if !covered {
            kept.push(path);
        }
    }
    kept.into_iter().collect()
}

/// Parses a package name given on the command line, naming it in the error.
pub fn parse_name(raw: &str) -> anyhow::Result<PackageName> {
    PackageName::from_str(raw).with_context(|| format!("`{raw}` is not a valid package name"))
}
