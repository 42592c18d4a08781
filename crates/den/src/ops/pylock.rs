//! A resolution as a PEP 751 lock (den-requirements' [`Pylock`]): what `den pip lock` and `den
//! pip compile --format pylock.toml` write.
//!
//! As `pip lock` (pip's `utils/pylock.py`): packages sorted by name; a package from an index
//! has its `version` and its file (`[[packages.wheels]]` or `[packages.sdist]`: `name`, `url`,
//! `hashes`; with every file listed, also `size` when the index gives it); a direct reference has no version and is an
//! `archive` (URL and hash), a `directory` (its path relative to the lock's directory, or
//! absolute when outside it; `editable`) or a `vcs` entry (repository, requested revision,
//! commit). den lists either the chosen file only (pip's way) or every file of the pinned
//! version, so installers on other platforms find their wheel. URLs never carry credentials.

use std::path::Path;

use den_prepare::{DenSource, DirectKind, Dist};
use den_requirements::pylock::{
    LOCK_VERSION, LockedDirectory, LockedFile, LockedPackage, LockedSource, LockedVcs, Pylock,
};
use url::Url;

use super::pipeline::ResolvedPackage;

/// The lock of `packages` (resolved from `source`): with `all_files`, every file of each
/// pinned version, else the chosen one; directory paths relative to `base` (absolute, the lock
/// file's directory).
///
/// Errors: a file whose SHA-256 the index does not publish cannot be downloaded to hash it.
pub async fn lock_of(
    source: &DenSource,
    packages: &[ResolvedPackage],
    all_files: bool,
    base: &Path,
) -> anyhow::Result<Pylock> {
    let mut locked = Vec::with_capacity(packages.len());
    for package in packages {
        let lock_source = match &package.file {
            Dist::Direct(direct) => direct_source(direct, base),
            Dist::Index(_) => {
                let files = if all_files {
                    &package.hashable_files[..]
                } else {
                    std::slice::from_ref(&package.file)
                };
                let mut sdist = None;
                let mut wheels = Vec::new();
                for file in files {
                    let Dist::Index(index_file) = file else {
                        continue;
                    };
                    let Some(sha256) = den_prepare::sha256_of(source, file).await? else {
                        continue;
                    };
                    let entry = LockedFile {
                        name: Some(index_file.raw_filename.clone()),
                        url: Some(without_credentials(&index_file.url()?)),
                        // pip lock writes no size; the full listing does, as the
                        // specification recommends.
                        size: index_file.size.filter(|_| all_files),
                        hashes: [("sha256".to_string(), sha256)].into(),
                        ..LockedFile::default()
                    };
                    match &index_file.filename {
                        den_dist::DistFilename::Wheel(_) => wheels.push(entry),
                        den_dist::DistFilename::SourceDist(_) => {
                            sdist.get_or_insert(entry);
                        }
                    }
                }
                LockedSource::Files { sdist, wheels }
            }
        };
        locked.push(LockedPackage {
            name: package.name.clone(),
            version: matches!(package.file, Dist::Index(_)).then(|| package.version.clone()),
            marker: None,
            requires_python: None,
            index: None,
            source: lock_source,
        });
    }
    locked.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Pylock {
        lock_version: LOCK_VERSION.to_string(),
        environments: Vec::new(),
        requires_python: None,
        extras: Vec::new(),
        dependency_groups: Vec::new(),
        default_groups: Vec::new(),
        created_by: "den".to_string(),
        packages: locked,
    })
}

/// The `archive`, `directory` or `vcs` entry of a direct reference.
fn direct_source(direct: &den_prepare::DirectDist, base: &Path) -> LockedSource {
    match &direct.kind {
        DirectKind::Wheel { sha256, .. } | DirectKind::Sdist { sha256, .. } => {
            let mut url = direct.url.clone();
            url.set_fragment(None);
            LockedSource::Archive(LockedFile {
                url: Some(without_credentials(&url)),
                hashes: [("sha256".to_string(), sha256.clone())].into(),
                ..LockedFile::default()
            })
        }
        DirectKind::Directory { path, editable } => {
            let shown = path.strip_prefix(base).unwrap_or(path);
            let shown = shown.to_string_lossy().replace('\\', "/");
            LockedSource::Directory(LockedDirectory {
                path: if shown.is_empty() { ".".into() } else { shown },
                editable: *editable,
                subdirectory: None,
            })
        }
        DirectKind::Git {
            repository,
            reference,
            commit,
            subdirectory,
            ..
        } => LockedSource::Vcs(LockedVcs {
            kind: "git".to_string(),
            url: Some(
                Url::parse(repository)
                    .map(|url| without_credentials(&url))
                    .unwrap_or_else(|_| repository.clone()),
            ),
            path: None,
            requested_revision: reference.clone(),
            commit_id: commit.clone(),
            subdirectory: subdirectory.clone(),
        }),
    }
}

/// `url` as text without a user name or password (a lock file is shared; pip's index
/// credentials come from its configuration, not the lock).
pub(crate) fn without_credentials(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}
