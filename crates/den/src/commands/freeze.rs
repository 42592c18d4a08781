//! `den pip freeze`: installed distributions in requirements format, in pip's order and with
//! pip's default exclusions, so its output equals `python -m pip freeze` in the same environment.
//! With `-r FILE`, the file's requirements come first in its order, as pip writes them.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use den_cache::Cache;
use den_dist::PackageName;

use crate::cli::FreezeArgs;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip freeze`.
pub fn run(args: &FreezeArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let mut dists = super::list::selected(&target, &args.selection)?;
    // pip hides itself, and before Python 3.12 also the build tools ensurepip/virtualenv seed.
    let hidden: &[&str] = if target.interpreter.major_minor < (3, 12) {
        &[den_venv::SEED_PACKAGES.as_slice(), &["distribute"]].concat()
    } else {
        &["pip"]
    };
    if args.exclude_editable {
        let mut kept = Vec::with_capacity(dists.len());
        for dist in dists {
            if !dist
                .direct_url()?
                .is_some_and(|direct| direct.is_editable())
            {
                kept.push(dist);
            }
        }
        dists = kept;
    }
    // pip orders by the project name as its metadata spells it, lowercased (so `jupyter` comes
    // before `jupyter-console` and `jupyter_client`).
    let mut lines: Vec<(String, PackageName, String)> = dists
        .iter()
        .map(|d| {
            let name = d.display_name();
            (name.to_lowercase(), d.name.clone(), d.freeze_line_as(&name))
        })
        .collect();
    lines.sort();
    if !args.requirement_files.is_empty() {
        // The files' lines take their distributions out of the rest (hidden ones included,
        // as pip prints a listed pip).
        for line in in_file_order(&args.requirement_files, &mut lines, printer)? {
            printer.out(line);
        }
        printer.out("## The following requirements were added by pip freeze:");
    }
    for (_, name, line) in lines {
        if args.all || !hidden.contains(&name.as_ref()) {
            printer.out(line);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// pip's options whose lines `freeze -r` copies as they are.
const OPTION_LINES: &[&str] = &[
    "-r",
    "--requirement",
    "-f",
    "--find-links",
    "-i",
    "--index-url",
    "--pre",
    "--trusted-host",
    "--process-dependency-links",
    "--extra-index-url",
    "--use-feature",
];

/// What pip's `freeze -r FILE...` prints before the other distributions: each file's blank,
/// comment and index-option lines as they are (each once), and for each requirement line
/// the freeze line of the distribution it names, taken out of `installed`; a requirement not
/// installed is warned about (once a name), as is a name listed more than once.
///
/// Errors: a file cannot be read.
fn in_file_order(
    files: &[PathBuf],
    installed: &mut Vec<(String, PackageName, String)>,
    printer: &Printer,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut emitted = HashSet::new();
    // Per name written in the files, the files that listed it once it was printed.
    let mut listed: Vec<(String, Vec<String>)> = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let shown = path.display().to_string();
        for raw in text.lines() {
            let trimmed = raw.trim();
            if trimmed.is_empty()
                || trimmed.starts_with('#')
                || OPTION_LINES.iter().any(|option| raw.starts_with(option))
            {
                let line = raw.trim_end().to_string();
                if emitted.insert(line.clone()) {
                    out.push(line);
                }
                continue;
            }
            let requirement = den_requirements::strip_comment(trimmed).trim_end();
            let (value, editable) = match editable_value(requirement) {
                Some(value) => (value, true),
                None => (requirement, false),
            };
            let name = match den_requirements::parse_requirement_arg(value, editable) {
                Ok(den_requirements::ParsedRequirement::Named(entry)) => entry.requirement.name,
                _ => {
                    printer.detail(format!(
                        "Skipping line in requirement file [{shown}] because it's not clear what it would install: {trimmed}"
                    ));
                    continue;
                }
            };
            // pip tells names apart as written (`Beta` and `beta` are two).
            let spelled: String = value
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            let written = match PackageName::new(spelled.clone()) {
                Ok(parsed) if parsed == name => spelled,
                _ => name.to_string(),
            };
            let at = listed.iter().position(|(listed, _)| *listed == written);
            match installed.iter().position(|(_, installed, _)| *installed == name) {
                Some(index) => {
                    out.push(installed.remove(index).2);
                    match at {
                        Some(at) => listed[at].1.push(shown.clone()),
                        None => listed.push((written, vec![shown.clone()])),
                    }
                }
                None => match at {
                    Some(at) => listed[at].1.push(shown.clone()),
                    None => printer.pip_warning(format!(
                        "Requirement file [{shown}] contains {requirement}, but package '{written}' is not installed"
                    )),
                },
            }
        }
    }
    for (name, mut files) in listed.into_iter().filter(|(_, files)| files.len() > 1) {
        files.sort();
        files.dedup();
        printer.pip_warning(format!(
            "Requirement {name} included multiple times [{}]",
            files.join(", ")
        ));
    }
    Ok(out)
}

/// The project of an `-e`/`--editable` line, `None` for another line.
fn editable_value(line: &str) -> Option<&str> {
    if let Some(rest) = line.strip_prefix("--editable") {
        return Some(rest.trim().trim_start_matches('=').trim());
    }
    line.strip_prefix("-e").map(str::trim)
}
