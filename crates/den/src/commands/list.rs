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

/// One listed distribution.
struct Row {
    name: String,
    version: String,
    /// The editable project's location (PEP 610 `dir_info.editable`).
    location: Option<String>,
    /// With `--outdated`: the newest version and its file type (`wheel`, `sdist`).
    latest: Option<(String, &'static str)>,
    /// With `-v`: the directory it is installed in and its `INSTALLER` (empty when none).
    site: Option<(String, String)>,
}

/// pip's table: each column as wide as its widest cell or header, cells left-aligned and
/// separated by one space, a rule of dashes under the header, lines without trailing spaces.
fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, title)| {
            rows.iter()
                .map(|row| row[i].len())
                .chain([title.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        padded.join(" ").trim_end().to_string()
    };
    let mut lines = vec![
        line(&mut header.iter().map(|h| (*h).to_string())),
        line(&mut widths.iter().map(|w| "-".repeat(*w))),
    ];
    lines.extend(rows.iter().map(|row| line(&mut row.iter().cloned())));
    lines
}

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
    if args.outdated && args.uptodate {
        printer.pip_error("Options --outdated and --uptodate cannot be combined.");
        return Ok(ExitCode::FAILURE);
    }
    if args.outdated && args.format == ListFormat::Freeze {
        printer.pip_error("List format 'freeze' cannot be used with the --outdated option.");
        return Ok(ExitCode::FAILURE);
    }
    let latest = if args.outdated || args.uptodate {
        let names: Vec<den_dist::PackageName> = dists.iter().map(|d| d.name.clone()).collect();
        crate::ops::latest::latest_versions(
            &names,
            &target.interpreter,
            &args.index,
            &args.releases.control()?,
            &crate::ops::settings::binary_policy(&args.binary.options())?,
            cache,
        )?
    } else {
        std::collections::HashMap::new()
    };
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
        let newest = latest.get(&dist.name);
        if args.outdated && newest.is_none_or(|l| l.version <= dist.version) {
            continue;
        }
        if args.uptodate && newest.is_none_or(|l| l.version != dist.version) {
            continue;
        }
        rows.push(Row {
            name: dist.display_name(),
            version: dist.version.to_string(),
            location,
            latest: newest
                .filter(|_| args.outdated)
                .map(|l| (l.version.to_string(), l.filetype())),
            site: (printer.verbosity() > 0).then(|| {
                (
                    dist.site_packages().display().to_string(),
                    dist.installer().unwrap_or_default(),
                )
            }),
        });
    }
    let editable = rows.iter().any(|r| r.location.is_some());
    match args.format {
        ListFormat::Columns => {
            let mut header = vec!["Package", "Version"];
            if args.outdated {
                header.extend(["Latest", "Type"]);
            }
            if editable {
                header.push("Editable project location");
            }
            if printer.verbosity() > 0 {
                header.extend(["Location", "Installer"]);
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    let mut cells = vec![row.name.clone(), row.version.clone()];
                    if let Some((version, filetype)) = &row.latest {
                        cells.extend([version.clone(), (*filetype).to_string()]);
                    }
                    if editable {
                        cells.push(row.location.clone().unwrap_or_default());
                    }
                    if let Some((location, installer)) = &row.site {
                        cells.extend([location.clone(), installer.clone()]);
                    }
                    cells
                })
                .collect();
            for line in table(&header, &cells) {
                printer.report(line);
            }
        }
        ListFormat::Freeze => {
            for row in &rows {
                printer.report(format!("{}=={}", row.name, row.version));
            }
        }
        ListFormat::Json => {
            let items: Vec<String> = rows
                .iter()
                .map(|row| {
                    let mut fields = vec![
                        ("name", row.name.clone().into()),
                        ("version", row.version.clone().into()),
                    ];
                    if let Some((location, installer)) = &row.site {
                        fields.push(("location", location.clone().into()));
                        fields.push(("installer", installer.clone().into()));
                    }
                    if let Some((version, filetype)) = &row.latest {
                        fields.push(("latest_version", version.clone().into()));
                        fields.push(("latest_filetype", (*filetype).into()));
                    }
                    if let Some(location) = &row.location {
                        fields.push(("editable_project_location", location.clone().into()));
                    }
                    den_dist::python_json_object(&fields)
                })
                .collect();
            printer.report(format!("[{}]", items.join(", ")));
        }
    }
    Ok(ExitCode::SUCCESS)
}
