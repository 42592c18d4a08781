//! `den pip show`: pip's `Name:`/`Version:`/... report for installed distributions, with
//! `Requires` from the metadata and `Required-by` computed over the environment.

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::ShowArgs;
use crate::commands::uninstall::parse_name;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip show`. Exits 1 when none of the packages is installed, as pip does.
pub fn run(args: &ShowArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let dists = target.visible_distributions()?;
    // A distribution whose metadata does not parse is shown with what its directory name
    // says (name, version, location), as `list` and `freeze` show it, and named in a warning.
    let metadata: Vec<_> = dists
        .iter()
        .map(|d| {
            d.metadata()
                .map_err(|e| {
                    printer.warn(format!(
                        "{e}\n(using only the name and version of {})",
                        d.path.display()
                    ))
                })
                .ok()
        })
        .collect();
    let mut missing = Vec::new();
    let mut first = true;
    for raw in &args.packages {
        let name = parse_name(raw)?;
        let Some(index) = dists.iter().position(|d| d.name == name) else {
            missing.push(raw.clone());
            continue;
        };
        let dist = &dists[index];
        let meta = metadata[index].as_ref();
        if !first {
            printer.report("---");
        }
        first = false;
        let field = |key: &str| {
            meta.and_then(|meta| meta.header(key))
                .unwrap_or("")
                .to_string()
        };
        let mut requires: Vec<String> = meta
            .map(|meta| {
                // Names as the metadata writes them (`Werkzeug`), as pip shows them.
                let written = meta
                    .headers
                    .iter()
                    .filter(|(key, _)| key.eq_ignore_ascii_case("Requires-Dist"))
                    .map(|(_, value)| leading_name(value));
                meta.requires_dist
                    .iter()
                    .zip(written)
                    .filter(|(r, _)| r.marker.evaluate(&target.interpreter.markers, &[]))
                    .map(|(_, name)| name.to_string())
                    .collect()
            })
            .unwrap_or_default();
        requires.sort_by_key(|n| n.to_lowercase());
        requires.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let mut required_by: Vec<String> = metadata
            .iter()
            .flatten()
            .filter(|m| {
                m.requires_dist.iter().any(|r| {
                    r.name == dist.name && r.marker.evaluate(&target.interpreter.markers, &[])
                })
            })
            .map(|m| m.display_name.clone())
            .collect();
        required_by.sort_by_key(|n| n.to_lowercase());
        let name = meta.map_or_else(|| dist.name.to_string(), |m| m.display_name.clone());
        let version = meta.map_or(&dist.version, |m| &m.version);
        printer.report(format!("Name: {name}"));
        printer.report(format!("Version: {version}"));
        printer.report(format!("Summary: {}", field("Summary")));
        printer.report(format!("Home-page: {}", field("Home-page")));
        printer.report(format!("Author: {}", field("Author")));
        printer.report(format!("Author-email: {}", field("Author-email")));
        printer.report(format!("License: {}", field("License")));
        printer.report(format!("Location: {}", dist.site_packages().display()));
        printer.report(format!("Requires: {}", requires.join(", ")));
        printer.report(format!("Required-by: {}", required_by.join(", ")));
        if printer.verbosity() > 0 {
            // pip's `show --verbose` fields.
            let all = |key: &str| -> Vec<String> {
                meta.map(|meta| {
                    meta.headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v.clone())
                        .collect()
                })
                .unwrap_or_default()
            };
            printer.report(format!("Metadata-Version: {}", field("Metadata-Version")));
            printer.report(format!(
                "Installer: {}",
                dist.installer().unwrap_or_default()
            ));
            printer.report("Classifiers:");
            for classifier in all("Classifier") {
                printer.report(format!("  {classifier}"));
            }
            printer.report("Entry-points:");
            let entry_points =
                std::fs::read_to_string(dist.path.join("entry_points.txt")).unwrap_or_default();
            for line in entry_points.lines() {
                printer.report(format!("  {}", line.trim()));
            }
            printer.report("Project-URLs:");
            for url in all("Project-URL") {
                printer.report(format!("  {url}"));
            }
        }
        if args.files {
            printer.report("Files:");
            for entry in dist.record()? {
                printer.report(format!("  {}", entry.path));
            }
        }
    }
    if !missing.is_empty() {
        printer.pip_warning(format!("Package(s) not found: {}", missing.join(", ")));
        if first {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The project name at the start of a `Requires-Dist` value (`Werkzeug>=3; ...` -> `Werkzeug`).
fn leading_name(requirement: &str) -> &str {
    let text = requirement.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    &text[..end]
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_written_name() {
        assert_eq!(super::leading_name("Werkzeug>=3.0"), "Werkzeug");
        assert_eq!(
            super::leading_name(" zope.interface ; python_version<'4'"),
            "zope.interface"
        );
        assert_eq!(super::leading_name("rich[jupyter]"), "rich");
    }
}
