//! `den pip index versions PACKAGE`: the versions of a project the target interpreter could
//! install from the indexes, newest first, in pip's words (`pip index versions`); and `den pip
//! inspect`, pip's JSON report of what an environment holds.

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::{IndexVersionsArgs, InspectArgs, PipIndexCommand};
use crate::printer::Printer;
use crate::target;

/// Runs `den pip index ...`.
pub fn run(
    command: &PipIndexCommand,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    match command {
        PipIndexCommand::Versions(args) => versions(args, cache, printer),
    }
}

/// pip's output: `NAME (LATEST)`, `Available versions: ...`, and for an installed project
/// its `INSTALLED:` and `LATEST:` lines, or with `--json` pip's one-line object; a project
/// with no installable version is pip's `No matching distribution found` error, status 1.
/// What is installable is decided for the interpreter, or for the Pythons the target options
/// (`--platform`, `--python-version`, `--implementation`, `--abi`) describe: a version any of
/// them could install.
fn versions(
    args: &IndexVersionsArgs,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let name = super::uninstall::parse_name(&args.package)?;
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let client = crate::ops::latest::client(&args.index, cache)?;
    let runtime = crate::ops::pipeline::runtime()?;
    let files = match runtime.block_on(client.project_files(&name)) {
        Ok(files) => Some(files),
        Err(den_index::IndexError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let targets = args.platform.targets();
    let pythons = if targets.is_empty() {
        vec![den_python::TargetPython::of(&target.interpreter)]
    } else {
        targets
            .iter()
            .map(|pip| den_python::TargetPython::from_pip(&target.interpreter, pip))
            .collect::<Result<_, _>>()?
    };
    let binary = crate::ops::settings::binary_policy(&args.binary.options())?;
    // pip lists pre-releases only when they count as any release for the project.
    let pre_releases_listed =
        args.releases.control()?.prereleases(&name, false) == den_resolve::Prereleases::Allowed;
    let mut versions: Vec<den_dist::Version> = files
        .iter()
        .flat_map(|files| {
            pythons.iter().flat_map(|python| {
                crate::ops::latest::installable(files, python, args.ignore_requires_python, &binary)
                    .into_keys()
            })
        })
        .filter(|v| !v.any_prerelease() || pre_releases_listed)
        .collect();
    versions.sort();
    versions.dedup();
    versions.reverse();
    let Some(latest) = versions.first() else {
        printer.pip_error(format!(
            "No matching distribution found for {}",
            args.package
        ));
        return Ok(ExitCode::FAILURE);
    };
    let shown: Vec<String> = versions.iter().map(ToString::to_string).collect();
    let installed = target.visible_distributions()?;
    let dist = installed.iter().find(|d| d.name == name);
    if args.json {
        // Python's `json.dumps` of pip's dict: `", "` and `": "` between items.
        let text = |value: &str| serde_json::to_string(value);
        let listed: Vec<String> = shown.iter().map(|v| text(v)).collect::<Result<_, _>>()?;
        let mut object = format!(
            "{{\"name\": {}, \"versions\": [{}], \"latest\": {}",
            text(&args.package)?,
            listed.join(", "),
            text(&latest.to_string())?
        );
        if let Some(dist) = dist {
            object.push_str(&format!(
                ", \"installed_version\": {}",
                text(&dist.version.to_string())?
            ));
        }
        object.push('}');
        printer.report(object);
        return Ok(ExitCode::SUCCESS);
    }
    printer.report(format!("{} ({latest})", args.package));
    printer.report(format!("Available versions: {}", shown.join(", ")));
    if let Some(dist) = dist {
        printer.report(format!("  INSTALLED: {}", dist.version));
        if latest.any_prerelease() {
            printer.report(format!(
                "  LATEST:    {latest} (pre-release; install with `pip install --pre`)"
            ));
        } else {
            printer.report(format!("  LATEST:    {latest}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `den pip inspect`: pip's inspect report (format version 1): each installed
/// distribution's core metadata as JSON (PEP 566 §JSON-compatible Metadata), its `.dist-info`
/// location, installer, whether it was requested and its `direct_url.json` (PEP 610), sorted
/// by name, and the interpreter's marker environment. A distribution whose metadata cannot be
/// read is left out with a warning naming it.
pub fn inspect(args: &InspectArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let mut dists = super::list::selected(&target, &args.selection)?;
    dists.sort_by(|a, b| a.name.cmp(&b.name));
    let mut installed = Vec::with_capacity(dists.len());
    for dist in &dists {
        let metadata = match dist.metadata() {
            Ok(metadata) => metadata,
            Err(e) => {
                printer.warn(format!("{e}\n(leaving {} out)", dist.name));
                continue;
            }
        };
        // The body is the description, as pip's JSON metadata has it (PEP 566).
        let bytes = std::fs::read(dist.metadata_path()).unwrap_or_default();
        let body = den_dist::metadata_body(&bytes);
        let metadata = crate::ops::report::metadata_json(&metadata, body.as_deref());
        let mut item = serde_json::json!({
            "metadata": metadata,
            "metadata_location": dist.path.display().to_string(),
            "installer": dist.installer().unwrap_or_default(),
            "requested": dist.requested(),
        });
        if let Some(direct) = dist.direct_url()? {
            item["direct_url"] = serde_json::to_value(direct)?;
        }
        installed.push(item);
    }
    let report = serde_json::json!({
        "version": "1",
        "pip_version": concat!("den ", env!("CARGO_PKG_VERSION")),
        "installed": installed,
        "environment": crate::ops::report::environment(&target.interpreter.markers),
    });
    printer.out(serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
