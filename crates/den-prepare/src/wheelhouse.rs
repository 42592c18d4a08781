//! [`save`]: a wheelhouse, the files of a resolution saved into a directory under their own
//! names (`pip download`'s and `pip wheel`'s output), from which `pip install --no-index
//! --find-links DIR` installs without a network.

use std::path::{Path, PathBuf};

use den_dist::{DistFilename, HashAlgorithm, HashDigest, IoResultExt, PackageName};
use futures::{StreamExt, TryStreamExt};

use crate::PrepareError;
use crate::prepare::ResolvedDist;
use crate::source::{DenSource, DirectKind, Dist};

/// What a wheelhouse keeps of each distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The archive as the index or URL serves it, wheel or sdist (`pip download`).
    /// Directories and git checkouts have none and are left out.
    Archives,
    /// A wheel: the one served, or one built from the sdist, directory or checkout through
    /// den-build (`pip wheel`).
    Wheels,
}

/// One file of a wheelhouse.
#[derive(Debug, Clone)]
pub struct SavedFile {
    /// The project it belongs to.
    pub name: PackageName,
    /// Where it is.
    pub path: PathBuf,
    /// Whether an identical file (same digest) was there already, so nothing was written.
    pub already_there: bool,
    /// Whether den built it (from an sdist, directory or checkout).
    pub built: bool,
}

/// How many files are fetched, built and copied at once.
const CONCURRENT_SAVES: usize = 16;

/// Saves what `keep` says of every package into `dest` (created if needed), each file under
/// its own name, several at once. Each file comes from the cache (downloaded there first,
/// with the index's hashes and, in hash-checking mode, the `--hash`es checked) and is copied
/// through a temporary file in `dest`, whose digest is checked again, against the index's
/// hashes for an index file and the archive's SHA-256 otherwise, then renamed into place; a
/// file already in `dest` with that digest is kept as it is (`already_there`), one that
/// differs is replaced. `saved` is called for each file as soon as it is in place. Returns
/// the files in the order of `packages`; a package without a file to keep (a directory or
/// checkout under [`Keep::Archives`]) has none.
///
/// Errors: the first fetch, hash, build or copy failure, naming the distribution.
pub async fn save(
    source: &DenSource,
    packages: &[ResolvedDist],
    dest: &Path,
    keep: Keep,
    saved: impl Fn(&SavedFile) + Sync,
) -> Result<Vec<SavedFile>, PrepareError> {
    std::fs::create_dir_all(dest).at("create directory", dest)?;
    let files: Vec<Option<SavedFile>> = futures::stream::iter(packages)
        .map(|package| {
            let saved = &saved;
            async move {
                let context = |source| PrepareError::of(package, source);
                let Some(file) = source
                    .kept_file(&package.file, keep)
                    .await
                    .map_err(context)?
                else {
                    return Ok::<_, PrepareError>(None);
                };
                let target = dest.join(&file.filename);
                let placed = target.clone();
                let already_there =
                    tokio::task::spawn_blocking(move || place(&file.path, &placed, &file.expected))
                        .await
                        .map_err(|source| PrepareError::Stopped {
                            task: "copying",
                            source,
                        })?
                        .map_err(context)?;
                let file = SavedFile {
                    name: package.name.clone(),
                    path: target,
                    already_there,
                    built: file.built,
                };
                saved(&file);
                Ok(Some(file))
            }
        })
        .buffered(CONCURRENT_SAVES)
        .try_collect()
        .await?;
    Ok(files.into_iter().flatten().collect())
}

/// A file to put in a wheelhouse: where it is, the name it gets, and the digests it must have.
pub(crate) struct KeptFile {
    pub(crate) path: PathBuf,
    pub(crate) filename: String,
    pub(crate) expected: Vec<HashDigest>,
    pub(crate) built: bool,
}

impl DenSource {
    /// The file `keep` asks for of `dist`, fetched (or built) into the cache; `None` for a
    /// directory or checkout under [`Keep::Archives`].
    async fn kept_file(&self, dist: &Dist, keep: Keep) -> Result<Option<KeptFile>, PrepareError> {
        let is_wheel = matches!(
            den_resolve::SourceFile::filename(dist),
            DistFilename::Wheel(_)
        );
        let (path, expected) = match (dist, keep) {
            (Dist::Index(file), Keep::Archives) => {
                (self.index_archive(file).await?, file.hashes.clone())
            }
            (Dist::Index(file), Keep::Wheels) if is_wheel => {
                (self.index_archive(file).await?, file.hashes.clone())
            }
            (Dist::Direct(direct), Keep::Archives) => match &direct.kind {
                // Checked against the SHA-256 den computed of it when it was fetched.
                DirectKind::Wheel { path, .. } | DirectKind::Sdist { path, .. } => {
                    (path.clone(), Vec::new())
                }
                DirectKind::Directory { .. } | DirectKind::Git { .. } => return Ok(None),
            },
            (Dist::Direct(direct), Keep::Wheels) if is_wheel => match &direct.kind {
                DirectKind::Wheel { path, .. } => (path.clone(), Vec::new()),
                _ => (self.wheel(dist, || ()).await?, Vec::new()),
            },
            (_, Keep::Wheels) => (self.wheel(dist, || ()).await?, Vec::new()),
        };
        let filename = path
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| PrepareError::NoFileName { path: path.clone() })?
            .to_string();
        let built = keep == Keep::Wheels && !is_wheel;
        // An index file keeps the name the index gives it (the cache may store it escaped).
        let filename = match dist {
            Dist::Index(file) if !built => file.raw_filename.clone(),
            _ => filename,
        };
        Ok(Some(KeptFile {
            path,
            filename,
            expected,
            built,
        }))
    }
}

/// Copies `from` to `to` through a temporary file beside `to`, checking `expected` (the
/// SHA-256 of `from` when empty) on the copy; keeps an existing `to` that has those digests.
/// Returns whether `to` was there already.
fn place(from: &Path, to: &Path, expected: &[HashDigest]) -> Result<bool, PrepareError> {
    let expected = if expected.is_empty() {
        vec![crate::hashes::file_digest(from, HashAlgorithm::Sha256)?]
    } else {
        expected.to_vec()
    };
    if to.is_file() && mismatch(to, &expected)?.is_none() {
        return Ok(true);
    }
    let dir = to.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".den-save-")
        .tempfile_in(dir)
        .at("create a temporary file in", dir)?;
    std::fs::copy(from, temp.path()).at("copy", from)?;
    if let Some((expected, actual)) = mismatch(temp.path(), &expected)? {
        return Err(PrepareError::SavedMismatch {
            path: from.to_path_buf(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    temp.persist(to)
        .map_err(|e| e.error)
        .at("rename into place", to)?;
    Ok(false)
}

/// The first digest of `expected` the file at `path` does not have, with its own.
fn mismatch(
    path: &Path,
    expected: &[HashDigest],
) -> Result<Option<(HashDigest, HashDigest)>, PrepareError> {
    for digest in expected {
        let actual = crate::hashes::file_digest(path, digest.algorithm)?;
        if &actual != digest {
            return Ok(Some((digest.clone(), actual)));
        }
    }
    Ok(None)
}
