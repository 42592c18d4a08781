//! `den pip download` and `den pip wheel`: requirements -> one resolution per target Python
//! (den-python's `TargetPython`: the interpreter's, or each `--platform` with
//! `--python-version`, `--implementation`, `--abi`) -> the union of the files chosen, saved
//! into a directory under their own names by den-prepare's [`den_prepare::save`] (archives as
//! served for download, wheels, built through den-build where needed, for wheel), with pip's
//! messages. pip resolves for one set of tags per run and reads markers with the running
//! interpreter's values; den resolves for each platform with that platform's markers, so one
//! run makes a wheelhouse for all of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use den_cache::Cache;
use den_prepare::{Keep, SavedFile};
use den_python::{Interpreter, PipTarget, TargetPython};
use den_requirements::RequirementsSource;
use den_resolve::NameSelection;

use super::pipeline::{self, ResolvedPackage};
use super::settings::{ResolverSettings, binary_policy};
use crate::printer::Printer;

/// What `den pip download` or `den pip wheel` is asked to do.
#[derive(Debug, Clone)]
pub struct DownloadSettings {
    /// Where the requirements come from.
    pub sources: Vec<RequirementsSource>,
    /// Index, build, pre-release and hash-checking options.
    pub resolver: ResolverSettings,
    /// Only what is named, not its dependencies (`--no-deps`).
    pub no_deps: bool,
    /// pip's `--only-deps`: resolve as usual, then save none of the projects the
    /// requirements name (even one another depends on), as pip drops them from its
    /// resolution.
    pub only_deps: bool,
    /// The Pythons to resolve for, one per `--platform`; empty: the interpreter.
    pub targets: Vec<PipTarget>,
    /// The directory the files go to (`-d` / `-w`).
    pub dest: PathBuf,
    /// Archives as served (download) or wheels (wheel).
    pub keep: Keep,
}

/// pip's message when target options come without `--only-binary=:all:` or `--no-deps`
/// (`check_dist_restriction` in pip's `cli/cmdoptions.py`), word for word.
pub const DIST_RESTRICTION: &str = "When restricting platform and interpreter constraints using \
     --python-version, --platform, --abi, or --implementation, either --no-deps must be set, or \
     --only-binary=:all: must be set and --no-binary must not be set (or must be set to :none:).";

/// pip's rule for target options (`pip download`, `pip install`): a Python described by
/// `--platform`, `--python-version`, `--abi` or `--implementation` (`targets_given`) is not
/// the one that would build an sdist, so its dependencies must come as wheels only
/// (`--only-binary=:all:`, no `--no-binary`) or not at all (`no_deps`).
///
/// Errors: [`DIST_RESTRICTION`] when the rule is broken; a bad binary option value.
pub fn check_dist_restriction(
    targets_given: bool,
    no_deps: bool,
    resolver: &ResolverSettings,
) -> anyhow::Result<()> {
    if !targets_given || no_deps {
        return Ok(());
    }
    let policy = binary_policy(&resolver.build.binary)?;
    if policy.only_binary != NameSelection::All || policy.no_binary != NameSelection::None {
        bail!(DIST_RESTRICTION);
    }
    Ok(())
}

/// Resolves what `settings` asks for once per target (with `interpreter` building source
/// distributions, and as the target when none is given), saves the union of the files into
/// `settings.dest` and prints pip's lines: `Saved <path>` (relative to the working directory
/// when under it) or `File was already downloaded <absolute path>` per file, then `Successfully downloaded <names>` (download) or `Successfully built
/// <names>` (wheel, for what was built). Returns the files.
///
/// Errors: pip's target-option rule, no requirements, a bad target, unreadable sources,
/// resolution, hash checks, downloads, builds and copies.
pub fn download(
    interpreter: &Interpreter,
    settings: &DownloadSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<Vec<SavedFile>> {
    check_dist_restriction(
        !settings.targets.is_empty(),
        settings.no_deps,
        &settings.resolver,
    )?;
    let targets = if settings.targets.is_empty() {
        vec![TargetPython::of(interpreter)]
    } else {
        settings
            .targets
            .iter()
            .map(|target| TargetPython::from_pip(interpreter, target))
            .collect::<Result<_, _>>()?
    };
    for target in &targets {
        printer.detail(format!(
            "resolving for Python {} on sys_platform {} (best wheel tag {})",
            target.version,
            target.markers.sys_platform(),
            target.tags.iter().next().unwrap_or_default()
        ));
    }
    let mut spec = pipeline::spec(&settings.sources, &settings.resolver)?;
    pipeline::refuse_locks(&spec)?;
    for target in &targets {
        pipeline::check_script_python(&spec, &target.version, &settings.resolver)?;
    }
    if spec.is_empty() {
        let command = match settings.keep {
            Keep::Archives => "download",
            Keep::Wheels => "wheel",
        };
        bail!(
            "you must give at least one requirement to {command} (see `den pip {command} --help`)"
        );
    }
    let source = pipeline::source(&spec, &settings.resolver, cache, interpreter, printer)?;
    // `pip wheel` builds the wheel of every sdist it resolves.
    let source = Arc::new(match settings.keep {
        Keep::Archives => source,
        Keep::Wheels => source.building_wheels(),
    });
    let runtime = pipeline::runtime()?;
    let saved = runtime.block_on(async {
        pipeline::name_unnamed(&mut spec, &source).await?;
        // Every resolution runs to its end before the first error is returned: a resolution
        // dropped midway would leave its solver thread running into the runtime's shutdown.
        let resolutions = futures::future::join_all(targets.iter().map(|target| {
            let request = pipeline::request(
                &spec,
                &settings.resolver,
                target,
                Vec::new(),
                settings.no_deps,
                false,
            );
            let source = &source;
            async move { pipeline::resolve(source, request?, printer).await }
        }))
        .await;
        let mut packages = union(resolutions.into_iter().collect::<anyhow::Result<_>>()?);
        if settings.only_deps {
            pipeline::drop_requested(&spec, &mut packages);
        }
        if spec.hash_mode() {
            pipeline::hash_checks(&spec).check_present(&packages)?;
        }
        let bar = printer.progress(packages.len() as u64, "Saving");
        let saved = den_prepare::save(&source, &packages, &settings.dest, settings.keep, |file| {
            bar.inc(1);
            if file.already_there {
                // pip names the file by its real, absolute path here (`normalize_path` of
                // the destination), and relative to the working directory in `Saved`.
                let real = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
                printer.report(format!("File was already downloaded {}", real.display()));
            } else {
                printer.report(format!("Saved {}", display_path(&file.path)));
            }
        })
        .await;
        bar.finish_and_clear();
        anyhow::Ok(saved?)
    })?;
    let names = |files: &mut dyn Iterator<Item = &SavedFile>| {
        let mut names: Vec<String> = Vec::new();
        for file in files {
            let name = file.name.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join(" ")
    };
    let summary = match settings.keep {
        Keep::Archives => Some(("downloaded", names(&mut saved.iter()))),
        Keep::Wheels => Some(("built", names(&mut saved.iter().filter(|f| f.built)))),
    };
    if let Some((done, names)) = summary.filter(|(_, names)| !names.is_empty()) {
        printer.report(format!("Successfully {done} {names}"));
    }
    Ok(saved)
}

/// The packages of every resolution, each file once, in the order first resolved.
fn union(resolutions: Vec<Vec<ResolvedPackage>>) -> Vec<ResolvedPackage> {
    let mut seen = std::collections::HashSet::new();
    resolutions
        .into_iter()
        .flatten()
        .filter(|package| seen.insert(package.file.describe()))
        .collect()
}

/// `path` as pip shows it (`display_path`): `./rest` under the current directory, else
/// absolute.
fn display_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| absolute.strip_prefix(cwd).ok().map(Path::to_path_buf))
    {
        Some(relative) if !relative.as_os_str().is_empty() => {
            format!("./{}", relative.display())
        }
        _ => absolute.display().to_string(),
    }
}
