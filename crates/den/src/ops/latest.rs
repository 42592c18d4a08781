//! The newest version of each project an interpreter could install from the indexes: what
//! `pip list --outdated` / `--uptodate` compare installed versions with.

use std::collections::HashMap;
use std::sync::Arc;

use den_cache::Cache;
use den_dist::{DistFilename, PackageName, Version};
use den_index::{IndexClient, IndexError, ProjectFiles};
use den_python::{Interpreter, TargetPython};
use den_resolve::{BinaryPolicy, ReleaseControl};
use futures::StreamExt;

use crate::cli::IndexArgs;

/// How many index pages are asked for at once.
const CONCURRENT_PAGES: usize = 16;

/// The newest installable version of a project and whether a wheel of it fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    /// The version.
    pub version: Version,
    /// Whether a wheel of it is compatible with the interpreter (else only an sdist is).
    pub wheel: bool,
}

impl Latest {
    /// pip's `latest_filetype`: `wheel` or `sdist`.
    pub fn filetype(&self) -> &'static str {
        if self.wheel { "wheel" } else { "sdist" }
    }
}

/// The newest installable version of each of `names` on the indexes `index` names (and
/// pip's configuration), as pip's finder picks it: files that are not yanked, whose
/// Requires-Python admits `interpreter`, wheels whose tags it accepts and sdists, as `binary`
/// allows each (with `prefer_binary`, the newest version with a wheel when there is one);
/// pre-releases as `releases` allows each project (by default only when the project has
/// nothing else). A project no index has, or with no installable file, is left out (as pip
/// leaves it out).
///
/// # Errors
///
/// Bad index configuration, or an index that cannot be reached.
pub fn latest_versions(
    names: &[PackageName],
    interpreter: &Interpreter,
    index: &IndexArgs,
    releases: &ReleaseControl,
    binary: &BinaryPolicy,
    cache: &Cache,
) -> anyhow::Result<HashMap<PackageName, Latest>> {
    newest_versions(&client(index, cache)?, names, interpreter, releases, binary)
}

/// [`latest_versions`] on the indexes `client` reads.
///
/// # Errors
///
/// An index that cannot be reached.
pub fn newest_versions(
    client: &IndexClient,
    names: &[PackageName],
    interpreter: &Interpreter,
    releases: &ReleaseControl,
    binary: &BinaryPolicy,
) -> anyhow::Result<HashMap<PackageName, Latest>> {
    let runtime = super::pipeline::runtime()?;
    let pages: Vec<(PackageName, Result<Arc<ProjectFiles>, IndexError>)> = runtime.block_on(
        futures::stream::iter(names.iter().cloned())
            .map(|name| async move {
                let files = client.project_files(&name).await;
                (name, files)
            })
            .buffer_unordered(CONCURRENT_PAGES)
            .collect(),
    );
    let mut latest = HashMap::new();
    for (name, files) in pages {
        let files = match files {
            Ok(files) => files,
            Err(IndexError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        if let Some(newest) = newest(&files, interpreter, releases, binary) {
            latest.insert(name, newest);
        }
    }
    Ok(latest)
}

/// The newest installable version among `files` (see [`latest_versions`]).
fn newest(
    files: &ProjectFiles,
    interpreter: &Interpreter,
    releases: &ReleaseControl,
    binary: &BinaryPolicy,
) -> Option<Latest> {
    let versions = installable(files, &TargetPython::of(interpreter), false, binary);
    let finals_only = releases
        .prereleases(&files.name, false)
        .finals_only(|| versions.keys().any(|v| !v.any_prerelease()));
    // pip's sort key: with --prefer-binary, having a wheel outranks the version.
    let preferred = |wheel: bool| binary.prefer_binary && wheel;
    versions
        .into_iter()
        .filter(|(v, _)| !finals_only || !v.any_prerelease())
        .max_by(|a, b| (preferred(a.1), &a.0).cmp(&(preferred(b.1), &b.0)))
        .map(|(version, wheel)| Latest { version, wheel })
}

/// The versions among `files` that `python` could install, each with whether a wheel of it
/// fits: files not yanked, whose Requires-Python admits its version (any, with
/// `ignore_requires_python`), wheels whose tags it accepts, and sdists, each kind as `binary`
/// allows it (pip's format control).
pub fn installable(
    files: &ProjectFiles,
    python: &TargetPython,
    ignore_requires_python: bool,
    binary: &BinaryPolicy,
) -> HashMap<Version, bool> {
    let (wheels, sdists) = (
        binary.allows_wheel(&files.name),
        binary.allows_sdist(&files.name),
    );
    let mut versions: HashMap<Version, bool> = HashMap::new();
    for file in &files.files {
        let excluded = |specifiers: &den_dist::VersionSpecifiers| {
            !ignore_requires_python && !specifiers.contains(&python.version)
        };
        if file.yanked.is_some() || file.requires_python.as_ref().is_some_and(excluded) {
            continue;
        }
        let (version, wheel) = match &file.filename {
            DistFilename::Wheel(wheel) => {
                if !wheels || python.tags.compatibility(wheel).is_none() {
                    continue;
                }
                (wheel.version.clone(), true)
            }
            DistFilename::SourceDist(_) if !sdists => continue,
            DistFilename::SourceDist(sdist) => (sdist.version.clone(), false),
        };
        *versions.entry(version).or_default() |= wheel;
    }
    versions
}

/// A client for the indexes `index` names (and pip's configuration).
///
/// Errors: bad index configuration.
pub fn client(index: &IndexArgs, cache: &Cache) -> anyhow::Result<IndexClient> {
    let settings = index.settings();
    Ok(IndexClient::new(
        settings.config(&settings.options)?,
        cache.clone(),
    )?)
}
