//! [`prepare`]: an installable, unpacked wheel for every resolved distribution, and
//! [`hashes_of`]: the `--hash` values a lock file records for them.

use std::collections::{BTreeSet, HashMap};

use den_cache::Cache;
use den_dist::{DistFilename, PackageName};
use den_install::UnpackedWheel;
use futures::{StreamExt, TryStreamExt};

use crate::PrepareError;
use crate::source::{DenSource, Dist};

/// A resolved distribution, with the file or direct reference chosen for it.
pub type ResolvedDist = den_resolve::ResolvedPackage<Dist>;

impl PrepareError {
    /// `source` as the failure of preparing `package` ([`PrepareError::Prepare`]).
    pub(crate) fn of(package: &ResolvedDist, source: PrepareError) -> Self {
        PrepareError::Prepare {
            name: package.name.clone(),
            version: package.version.clone(),
            file: package.file.describe(),
            source: Box::new(source),
        }
    }
}

/// What [`prepare`] tells its caller as it goes (a progress display).
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// A wheel is being built for this distribution from its source (an sdist, a directory,
    /// a git checkout) by its backend: not told when den built it before (the cached wheel is
    /// used).
    Building(&'a ResolvedDist),
    /// This distribution's wheel is unpacked and ready to install.
    Prepared(&'a ResolvedDist),
}

/// How many downloads and builds run at once.
const CONCURRENT_DOWNLOADS: usize = 16;

/// Downloads (or builds) a wheel for every package and unpacks it into the cache, several at
/// once: each wheel is unpacked (and its RECORD verified) on a blocking thread as soon as it
/// arrives, so unzipping overlaps the downloads still running. `--hash`es are checked by the
/// source on each downloaded archive before anything is built from it. `step` is told when a
/// package's wheel starts being built from source and when each package's wheel is unpacked
/// ([`Step`]; a progress display names the builds and counts the packages).
/// Returns the unpacked wheels in the order of `packages`.
///
/// Errors: the first download, hash, build or unpack failure, naming the distribution.
pub async fn prepare(
    source: &DenSource,
    cache: &Cache,
    packages: &[ResolvedDist],
    step: impl Fn(Step<'_>) + Sync,
) -> Result<Vec<UnpackedWheel>, PrepareError> {
    // Unzipping is CPU and disk work: one at a time per core, while downloads go on.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let unzips = tokio::sync::Semaphore::new(cores);
    futures::stream::iter(packages)
        .map(|package| {
            let (step, unzips) = (&step, &unzips);
            async move {
                let context = |source| PrepareError::of(package, source);
                let wheel = source
                    .wheel(&package.file, || step(Step::Building(package)))
                    .await
                    .map_err(context)?;
                let cache = cache.clone();
                // An index wheel was checked against the SHA-256 the index publishes when it
                // was downloaded: that digest is its unpacked tree's key (no second hashing).
                let checked = match &package.file {
                    Dist::Index(file) if matches!(file.filename, DistFilename::Wheel(_)) => {
                        crate::source::published_sha256(file).map(|d| d.hex.clone())
                    }
                    _ => None,
                };
                // The semaphore is never closed, so a permit always comes.
                let _slot = unzips.acquire().await.ok();
                let unpacked = tokio::task::spawn_blocking(move || {
                    match &checked {
                        Some(sha256) => den_install::unpack_wheel_of(&cache, &wheel, sha256),
                        None => den_install::unpack_wheel(&cache, &wheel),
                    }
                    .map_err(|source| PrepareError::UnpackWheel { wheel, source })
                })
                .await
                .map_err(|source| PrepareError::Stopped {
                    task: "unpacking",
                    source,
                })
                .and_then(|unpacked| unpacked)
                .map_err(context)?;
                step(Step::Prepared(package));
                Ok(unpacked)
            }
        })
        .buffered(CONCURRENT_DOWNLOADS)
        .try_collect()
        .await
}

/// `--hash` values per project: every file of the pinned version the index lists (with the
/// hashes it publishes), or the SHA-256 of a direct archive. Directories and git checkouts have
/// none (pip cannot check them either).
///
/// Errors: a file the index publishes no SHA-256 for cannot be downloaded or read.
pub async fn hashes_of(
    source: &DenSource,
    packages: &[ResolvedDist],
) -> Result<HashMap<PackageName, BTreeSet<String>>, PrepareError> {
    let mut out = HashMap::new();
    for package in packages {
        let mut set = BTreeSet::new();
        for file in &package.hashable_files {
            if let Some(digest) = sha256_of(source, file).await? {
                set.insert(format!("sha256:{digest}"));
            }
        }
        out.insert(package.name.clone(), set);
    }
    Ok(out)
}

/// The SHA-256 (hex) of one file: the one the index publishes, else the downloaded file's; a
/// direct archive's; `None` for directories and git checkouts.
///
/// Errors: a file the index publishes no SHA-256 for cannot be downloaded or read.
pub async fn sha256_of(source: &DenSource, file: &Dist) -> Result<Option<String>, PrepareError> {
    Ok(match file {
        Dist::Index(file) => Some(match crate::source::published_sha256(file) {
            Some(digest) => digest.hex.clone(),
            // The index gave none: the file must be downloaded to know it.
            None => {
                let path = source.client().download(file).await?;
                crate::source::sha256_of(&path)?
            }
        }),
        Dist::Direct(direct) => direct.archive_sha256().map(str::to_string),
    })
}
