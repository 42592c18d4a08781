//! `den pip list`: installed distributions as pip prints them (columns, freeze or JSON), with
//! pip's "Editable project location" column when any listed distribution is editable
//! (PEP 610 `dir_info.editable`), and its `--editable` / `--exclude-editable` filters.

use std::process::ExitCode;

use den_cache::Cache;

use den_install::InstalledDist;

use crate::cli::{ListArgs, ListFormat, SelectionArgs};
use crate::printer::Printer;
use crate::target::{self, Target};

/// The installed distributions `selection` asks for, as pip's `list` and `freeze` read them:
/// those in `--path` directories, the user site-packages' (`--user`; none in a virtual
/// environment, whose interpreter does not see it), the environment's own (`--local`), or all
/// the interpreter sees; without the `--exclude`d projects.
///
/// # Errors
///
/// A directory cannot be read, a project name is invalid, or `--user` without a home.
pub fn selected(target: &Target, selection: &SelectionArgs) -> anyhow::Result<Vec<InstalledDist>> {
    let mut dists = if !selection.path.is_empty() {
        den_install::installed_distributions(&selection.path)?
    } else if selection.user {
        if target.interpreter.is_virtualenv() {
            Vec::new()
        } else {
            let site = super::install::user_site_packages(target)?;
            den_install::installed_distributions(std::slice::from_ref(&site))?
        }
    } else if selection.local {
        den_install::installed_distributions(&target.site_packages())?
    } else {
        target.visible_distributions()?
    };
    let excluded = selection
        .exclude
        .iter()
        .map(|raw| super::uninstall::parse_name(raw))
        .collect::<anyhow::Result<Vec<_>>>()?;
    dists.retain(|dist| !excluded.contains(&dist.name));
    Ok(dists)
}

/// One listed distribution: name, version, editable project location.
type Row = (String, String, Option<String>);

/// Runs `den pip list`.
pub fn run(args: &ListArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let mut dists = selected(&target, &args.selection)?;
    if args.not_required {
        // pip's rule: leave out every listed distribution another listed one requires.
        let required: std::collections::HashSet<den_dist::PackageName> = dists
            .iter()
            .flat_map(|dist| super::tree::requirements(dist, &target.interpreter.markers, printer))
            .map(|requirement| requirement.name)
            .collect();
        dists.retain(|dist| !required.contains(&dist.name));
    }
    dists.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rows: Vec<Row> = Vec::with_capacity(dists.len());
    for dist in &dists {
        let location = dist
            .direct_url()?
            .filter(|direct| direct.is_editable())
            .and_then(|direct| direct.local_path())
            .map(|path| path.display().to_string());
        if (args.editable && location.is_none()) || (args.exclude_editable && location.is_some()) {
            continue;
        }
        rows.push((dist.display_name(), dist.version.to_string(), location));
    }
    match args.format {
        ListFormat::Columns => {
            let width = |column: &dyn Fn(&Row) -> usize, title| {
                rows.iter()
                    .map(column)
                    .chain([title])
                    .max()
                    .unwrap_or(title)
            };
            let name_width = width(&|r| r.0.len(), 7);
            let version_width = width(&|r| r.1.len(), 7);
            let location_width = width(&|r| r.2.as_ref().map_or(0, String::len), 25);
            let editable = rows.iter().any(|r| r.2.is_some());
            let (title, rule) = if editable {
                (
                    format!(
                        "{:name_width$} {:version_width$} Editable project location",
                        "Package", "Version"
                    ),
                    format!(
                        "{} {} {}",
                        "-".repeat(name_width),
                        "-".repeat(version_width),
                        "-".repeat(location_width)
                    ),
                )
            } else {
                (
                    format!("{:name_width$} {:version_width$}", "Package", "Version"),
                    format!("{} {}", "-".repeat(name_width), "-".repeat(version_width)),
                )
            };
            printer.out(title.trim_end());
            printer.out(rule);
            for (name, version, location) in &rows {
                let location = location.as_deref().unwrap_or_default();
                printer.out(
                    format!("{name:name_width$} {version:version_width$} {location}").trim_end(),
                );
            }
        }
        ListFormat::Freeze => {
            for (name, version, _) in &rows {
                printer.out(format!("{name}=={version}"));
            }
        }
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(name, version, location)| {
                    let mut item = serde_json::json!({"name": name, "version": version});
                    if let Some(location) = location {
                        item["editable_project_location"] = location.clone().into();
                    }
                    item
                })
                .collect();
            printer.out(den_dist::python_json(&serde_json::Value::Array(items)));
        }
    }
    Ok(ExitCode::SUCCESS)
}
