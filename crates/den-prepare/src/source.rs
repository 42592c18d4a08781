//! den's [`PackageSource`]: the package index (wheels and source distributions, through
//! den-index) plus direct references (PEP 508 `name @ url`, local paths, git), with source
//! distributions and project directories turned into metadata and wheels by den-build's
//! PEP 517 frontend.
//!
//! Resolution asks for metadata ([`PackageSource::metadata`], [`PackageSource::direct`]);
//! installation then asks [`DenSource::wheel`] for an installable wheel of each resolved
//! distribution: downloaded, or built (and cached by the sdist's SHA-256 in den-build). An
//! index sdist's wheel and backend metadata built before are found by the SHA-256 the index
//! publishes, without downloading or unpacking the sdist again; an index sdist tarball that is
//! not in the cache yet is unpacked as it downloads (see [`crate::streaming`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use den_build::{BuildOptions, Builder, SourceTree};
use den_cache::Cache;
use den_dist::{
    CoreMetadata, DirectUrl, DistFilename, HashAlgorithm, IoResultExt, PackageName, Requirement,
    SourceDistFilename, Version, VersionSpecifiers, WheelFilename, redact_credentials,
};
use den_index::{Fetch, FileFilter, IndexClient, IndexFile, ProjectListing};
use den_python::Interpreter;
use den_resolve::{Grouped, PackageSource, ProjectVersions, Ranges, SourceError, SourceFile};
use pep508_rs::VerbatimUrl;
use tokio::sync::OnceCell;
use url::Url;

use crate::hashes::HashChecks;
use crate::{IndexBuildContext, PrepareError};

/// A distribution the resolver can choose: a file an index (or `--find-links`) lists, or a
/// direct reference.
#[derive(Debug, Clone)]
pub enum Dist {
    /// A wheel or source distribution from an index (shared with the index client's page).
    Index(Arc<IndexFile>),
    /// A URL, path or git requirement, fetched already.
    Direct(Arc<DirectDist>),
}

/// A fetched direct reference.
#[derive(Debug)]
pub struct DirectDist {
    /// The URL as the requirement gave it (credentials included; never printed as is).
    pub url: Url,
    /// The archive's filename; for a directory or git checkout, a stand-in source-distribution
    /// name with the project's name and version (the resolver only reads name and version).
    pub filename: DistFilename,
    /// What was fetched.
    pub kind: DirectKind,
    /// Its core metadata (read from the wheel, or from den-build).
    pub metadata: CoreMetadata,
}

/// The forms of a direct reference.
#[derive(Debug)]
pub enum DirectKind {
    /// A wheel file on disk (local, or downloaded into the cache); `sha256` in hex.
    Wheel { path: PathBuf, sha256: String },
    /// A source distribution archive on disk; `sha256` in hex.
    Sdist { path: PathBuf, sha256: String },
    /// A local project directory.
    Directory { path: PathBuf, editable: bool },
    /// A git checkout at `commit` of `repository` (the URL without `git+`).
    Git {
        /// The checked-out tree (with the subdirectory applied).
        path: PathBuf,
        /// The repository URL.
        repository: String,
        /// The branch, tag or commit the requirement named.
        reference: Option<String>,
        /// The full commit id checked out.
        commit: String,
        /// `#subdirectory=` of the URL.
        subdirectory: Option<String>,
    },
}

impl DirectDist {
    /// The SHA-256 (hex) of a wheel or sdist archive; `None` for directories and checkouts.
    pub fn archive_sha256(&self) -> Option<&str> {
        match &self.kind {
            DirectKind::Wheel { sha256, .. } | DirectKind::Sdist { sha256, .. } => Some(sha256),
            DirectKind::Directory { .. } | DirectKind::Git { .. } => None,
        }
    }

    /// Whether it is a project directory installed in editable mode (PEP 660).
    pub fn is_editable(&self) -> bool {
        matches!(self.kind, DirectKind::Directory { editable: true, .. })
    }
}

impl SourceFile for Dist {
    fn filename(&self) -> &DistFilename {
        match self {
            Dist::Index(file) => &file.filename,
            Dist::Direct(direct) => &direct.filename,
        }
    }

    fn requires_python(&self) -> Option<&VersionSpecifiers> {
        match self {
            Dist::Index(file) => file.requires_python.as_ref(),
            Dist::Direct(_) => None,
        }
    }

    fn is_yanked(&self) -> bool {
        matches!(self, Dist::Index(file) if file.yanked.is_some())
    }
}

impl Dist {
    /// How the user would recognise it in a message: the filename, or the redacted URL.
    pub fn describe(&self) -> String {
        match self {
            Dist::Index(file) => file.raw_filename.clone(),
            Dist::Direct(direct) => redact_credentials(direct.url.as_str()).into_owned(),
        }
    }

    /// The PEP 610 record of where a direct reference came from; `None` for index files.
    pub fn direct_url(&self) -> Option<DirectUrl> {
        let Dist::Direct(direct) = self else {
            return None;
        };
        let mut url = direct.url.clone();
        url.set_fragment(None);
        Some(match &direct.kind {
            DirectKind::Wheel { sha256, .. } | DirectKind::Sdist { sha256, .. } => {
                DirectUrl::archive(url.to_string(), Some(format!("sha256={sha256}")))
            }
            DirectKind::Directory { path, editable } => {
                let url = Url::from_directory_path(path).map_or(url.to_string(), |u| {
                    u.as_str().trim_end_matches('/').to_string()
                });
                DirectUrl::directory(url, *editable)
            }
            DirectKind::Git {
                repository,
                reference,
                commit,
                subdirectory,
                ..
            } => DirectUrl::vcs(
                repository.clone(),
                "git",
                commit.clone(),
                reference.clone(),
                subdirectory.clone(),
            ),
        })
    }
}

/// Fetched direct references, by URL string, each fetched once.
type DirectCell = Arc<OnceCell<Arc<DirectDist>>>;

/// The index client and the build frontend behind one [`PackageSource`].
pub struct DenSource {
    client: IndexClient,
    builder: Builder,
    cache: Cache,
    /// Where source distributions are unpacked for the length of the command.
    scratch: tempfile::TempDir,
    /// Unpacked source distributions by SHA-256.
    unpacked: Mutex<HashMap<String, Arc<OnceCell<PathBuf>>>>,
    direct: Mutex<HashMap<String, DirectCell>>,
    /// URLs (as strings, fragments included) of editable requirements.
    editables: Vec<String>,
    /// Hash-checking mode: what every downloaded archive is checked against.
    hashes: HashChecks,
    /// Whether the command builds every source distribution it resolves
    /// ([`DenSource::building_wheels`]).
    builds_wheels: bool,
}

/// The largest wheel (bytes, as the index lists its size) downloaded whole for its metadata
/// when it is sure to be installed and the index has no PEP 658 metadata for it: at this size
/// the download takes about as long as the range requests it replaces.
const WHOLE_WHEEL_FOR_METADATA: u64 = 2 * 1024 * 1024;

/// Hands a [`PrepareError`] to the resolver as it is (typed: the resolver shows its chain).
fn other(error: PrepareError) -> SourceError {
    SourceError::Other(Arc::new(error))
}

/// The SHA-256 the index publishes for `file`, if it does.
pub(crate) fn published_sha256(file: &IndexFile) -> Option<&den_dist::HashDigest> {
    file.hashes
        .iter()
        .find(|h| h.algorithm == HashAlgorithm::Sha256)
}

/// The SHA-256 of a file, in hex.
///
/// Errors: the file cannot be read.
pub(crate) fn sha256_of(path: &Path) -> Result<String, PrepareError> {
    Ok(crate::hashes::file_digest(path, HashAlgorithm::Sha256)?.hex)
}

/// `#subdirectory=` (and nothing else) of a URL fragment (pip's URL fragment syntax).
pub(crate) fn subdirectory(url: &Url) -> Option<String> {
    url.fragment()?
        .split('&')
        .find_map(|part| part.strip_prefix("subdirectory="))
        .map(str::to_string)
}

/// Splits `git+https://host/repo.git@ref#...` into the repository URL and the reference;
/// `None` when the URL is not a `git+` one.
pub(crate) fn parse_git(url: &Url) -> Option<(String, Option<String>)> {
    let scheme = url.scheme().strip_prefix("git+")?;
    let mut repository = url.clone();
    repository.set_fragment(None);
    repository.set_query(None);
    // As pip: the last `@` of the path starts the reference, which may hold `/`
    // (`@feature/x`); an `@` of user info is not in the path.
    let path = url.path();
    let reference = match path.rsplit_once('@') {
        Some((head, reference)) if !reference.is_empty() => {
            repository.set_path(head);
            Some(reference.to_string())
        }
        _ => None,
    };
    let text = repository.as_str();
    Some((
        format!("{scheme}{}", &text[url.scheme().len()..]),
        reference,
    ))
}

impl DenSource {
    /// The index files den can unpack, narrowed as pip narrows them to those whose published
    /// hash is allowed (unless none is, so the mismatch is reported rather than "no version").
    fn usable(&self, name: &PackageName, files: Vec<Arc<IndexFile>>) -> Vec<Dist> {
        let mut files: Vec<Arc<IndexFile>> = files
            .into_iter()
            .filter(|file| can_unpack(&file.filename))
            .collect();
        if files.iter().any(|file| self.hashes.admits(name, file)) {
            files.retain(|file| self.hashes.admits(name, file));
        }
        files.into_iter().map(Dist::Index).collect()
    }

    /// A source over `client` that builds wheels for `interpreter` with den-build as `build`
    /// says, its build environments' requirements narrowed by `build_constraints` (pip's
    /// `--build-constraint`); `editables` are the URLs of `-e` requirements (their
    /// directories are built with PEP 660's hooks); `hashes` are checked on every archive as
    /// soon as it is downloaded (see [`HashChecks`]).
    ///
    /// Errors: the scratch directory cannot be created.
    pub fn new(
        client: IndexClient,
        cache: Cache,
        interpreter: Interpreter,
        build: BuildOptions,
        build_constraints: Vec<Requirement>,
        editables: Vec<String>,
        hashes: HashChecks,
    ) -> Result<Self, PrepareError> {
        let context = IndexBuildContext::new(client.clone(), cache.clone())
            .with_constraints(build_constraints);
        let builder = Builder::new(cache.clone(), Arc::new(context), interpreter, build);
        let scratch = tempfile::Builder::new()
            .prefix("den-src-")
            .tempdir()
            .map_err(PrepareError::Scratch)?;
        Ok(Self {
            client,
            builder,
            cache,
            scratch,
            unpacked: Mutex::default(),
            direct: Mutex::default(),
            editables,
            hashes,
            builds_wheels: false,
        })
    }

    /// This source for a command that builds the wheel of every source distribution it
    /// resolves (an install): the sdist of a version the user pinned with `==` is built at once
    /// for its metadata ([`PackageSource::pinned_metadata`]), one backend process fewer than
    /// asking `prepare_metadata_for_build_wheel` first and building later; the wheels and
    /// sdists (static metadata) of such versions are downloaded and built in the background
    /// while the resolution goes on ([`PackageSource::prepare_pinned`]).
    pub fn building_wheels(mut self) -> Self {
        self.builds_wheels = true;
        self
    }

    /// The index client.
    pub(crate) fn client(&self) -> &IndexClient {
        &self.client
    }

    /// The source tree of a source-distribution archive, unpacked once per command.
    async fn unpack(&self, archive: &Path, sha256: &str) -> Result<SourceTree, PrepareError> {
        let dir = self
            .unpacked_cell(sha256)
            .get_or_try_init(|| self.unpack_file(archive, sha256))
            .await?
            .clone();
        Ok(SourceTree {
            dir,
            name: None,
            key: Some(sha256.to_string()),
        })
    }

    /// The cell holding the project root of the archive whose SHA-256 is `sha256` once this
    /// command has unpacked it.
    fn unpacked_cell(&self, sha256: &str) -> Arc<OnceCell<PathBuf>> {
        let mut map = self.unpacked.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(sha256.to_string()).or_default().clone()
    }

    /// Unpacks the source-distribution archive at `archive`, whose SHA-256 is `sha256`, into
    /// the scratch directory on a blocking thread; returns the project root.
    ///
    /// Errors: [`PrepareError::Unpack`] with den-build's refusal or failure;
    /// [`PrepareError::Stopped`].
    async fn unpack_file(&self, archive: &Path, sha256: &str) -> Result<PathBuf, PrepareError> {
        let shown = archive.file_name().unwrap_or(archive.as_os_str());
        tracing::info!("unpacking {}", shown.to_string_lossy());
        let (path, dest) = (archive.to_path_buf(), self.scratch.path().join(sha256));
        tokio::task::spawn_blocking(move || den_build::extract_sdist(&path, &dest))
            .await
            .map_err(|source| PrepareError::Stopped {
                task: "unpacking",
                source,
            })?
            .map_err(|reason| PrepareError::Unpack {
                archive: archive.to_path_buf(),
                reason,
            })
    }

    /// The local path of an index file (downloaded into the cache unless there), checked
    /// against the index's hashes and, in hash-checking mode, the `--hash`es.
    pub(crate) async fn index_archive(&self, file: &IndexFile) -> Result<PathBuf, PrepareError> {
        let path = self.client.download(file).await?;
        self.verify_requirement_hashes(file, &path)?;
        Ok(path)
    }

    /// Checks the index file `file`, saved at `path`, against the `--hash`es of its
    /// requirement ([`HashChecks::verify`]).
    ///
    /// Errors: as [`HashChecks::verify`].
    fn verify_requirement_hashes(&self, file: &IndexFile, path: &Path) -> Result<(), PrepareError> {
        self.hashes
            .verify(Some(file_name(file)), None, path, &file.raw_filename)
    }

    /// The archive of the index sdist `file`, fetched and checked as
    /// [`DenSource::index_archive`] fetches and checks it. A tarball den-build can stream
    /// ([`den_build::can_stream`]) that is not in the cache yet and whose SHA-256 the index
    /// publishes (the key [`DenSource::sdist_tree`] finds its tree by) is also unpacked as it
    /// downloads ([`crate::streaming::download_unpacking`]), unless this command has unpacked
    /// it already; anything else is unpacked, when asked, from the file.
    ///
    /// A tarball streamed but refused or failed by the unpacking (after it was saved and
    /// passed its hashes) is returned all the same: asking for its tree unpacks the saved file
    /// and reports the failure then.
    ///
    /// Errors: as [`DenSource::index_archive`].
    async fn index_sdist_archive(&self, file: &IndexFile) -> Result<PathBuf, PrepareError> {
        let streams = matches!(&file.filename,
            DistFilename::SourceDist(sdist) if den_build::can_stream(sdist.extension));
        let cached = self
            .client
            .cached_path(file)
            .map_or(true, |path| path.is_file());
        let Some(digest) = published_sha256(file).filter(|_| streams && !cached) else {
            return self.index_archive(file).await;
        };
        let sha256 = digest.hex.as_str();
        let mut fetched = None;
        let slot = &mut fetched;
        let cell = self.unpacked_cell(sha256);
        let streamed = cell
            .get_or_try_init(|| async move {
                let (archive, dir) = match self.client.start_download(file).await? {
                    // Saved since it was looked for (by another den process, or another task
                    // of this one that wanted only the file).
                    Fetch::OnDisk(archive) => {
                        self.verify_requirement_hashes(file, &archive)?;
                        let dir = self.unpack_file(&archive, sha256).await?;
                        (archive, dir)
                    }
                    Fetch::Downloading(download) => {
                        let dest = self.scratch.path().join(sha256);
                        let verify = |archive: &Path| self.verify_requirement_hashes(file, archive);
                        crate::streaming::download_unpacking(*download, dest, verify).await?
                    }
                };
                *slot = Some(archive);
                Ok::<_, PrepareError>(dir)
            })
            .await
            .map(drop);
        match (streamed, fetched) {
            (Ok(_), Some(archive)) => Ok(archive),
            // Another task of this command unpacked it, and saved it into the cache.
            (Ok(_), None) => self.index_archive(file).await,
            // Saved and checked, but no tree could be made of it: that is reported when a
            // tree is asked for (unpacking the saved file meets it again), not when the
            // archive alone is enough (a static PKG-INFO, read without unpacking).
            (Err(PrepareError::Unpack { archive, .. }), _) => Ok(archive),
            (Err(error), _) => Err(error),
        }
    }

    /// The source tree of a downloaded index sdist.
    async fn index_sdist(&self, file: &IndexFile) -> Result<SourceTree, PrepareError> {
        let path = self.index_sdist_archive(file).await?;
        self.sdist_tree(file, &path).await
    }

    /// The cache key of the index sdist `file` known before it is fetched: the SHA-256 the
    /// index publishes for it (what [`DenSource::sdist_tree`] keys it by), when hash-checking
    /// mode lets what den built from that archive stand in for it ([`HashChecks::vouches_for`]).
    /// `None` when the index publishes no SHA-256 or the archive must be fetched and checked.
    fn published_key<'f>(&self, file: &'f IndexFile) -> Option<&'f str> {
        let digest = published_sha256(file)?;
        self.hashes
            .vouches_for(file_name(file), digest)
            .then_some(digest.hex.as_str())
    }

    /// The wheel den built before from the index sdist `file`, found by its published SHA-256
    /// ([`DenSource::published_key`], [`Builder::cached_wheel_of`]) without fetching or
    /// unpacking it; see [`DenSource::built_before`].
    fn wheel_built_before(&self, file: &IndexFile) -> Option<PathBuf> {
        self.built_before(file, "built wheel", |key| self.builder.cached_wheel_of(key))
    }

    /// The metadata a backend wrote before for the index sdist `file` (kept, or in a wheel den
    /// built from it: [`Builder::cached_metadata`]), found by its published SHA-256 without
    /// fetching or unpacking it; see [`DenSource::built_before`].
    fn metadata_built_before(&self, file: &IndexFile) -> Option<(CoreMetadata, Vec<u8>)> {
        let found = self.built_before(file, "metadata", |key| self.builder.cached_metadata(key));
        if found.is_some() {
            let name = &file.raw_filename;
            tracing::info!("{name}: using the metadata its backend wrote before");
        }
        found
    }

    /// What `lookup` finds in the built-wheel cache under the published key of the index sdist
    /// `file` ([`DenSource::published_key`]). A cache entry that cannot be read counts as a
    /// miss (logged on `-vv` with `what` it was): the ordinary path (fetch, unpack, build)
    /// meets the failure again and reports it.
    fn built_before<T>(
        &self,
        file: &IndexFile,
        what: &str,
        lookup: impl FnOnce(&str) -> Result<Option<T>, den_build::BuildError>,
    ) -> Option<T> {
        let key = self.published_key(file)?;
        lookup(key)
            .inspect_err(|error| {
                tracing::debug!("{}: cached {what} unread: {error}", file.raw_filename);
            })
            .ok()
            .flatten()
    }

    /// The source tree of the index sdist `file`, already fetched and checked at `path`.
    async fn sdist_tree(&self, file: &IndexFile, path: &Path) -> Result<SourceTree, PrepareError> {
        let sha256 = match published_sha256(file) {
            Some(digest) => digest.hex.clone(),
            None => sha256_of(path)?,
        };
        let mut tree = self.unpack(path, &sha256).await?;
        if let DistFilename::SourceDist(sdist) = &file.filename {
            tree.name = Some(sdist.name.clone());
        }
        Ok(tree)
    }

    /// What a direct reference is installed from: its wheel file, or the source tree it
    /// builds from (an unpacked sdist, a directory, a checkout).
    async fn direct_source<'a>(
        &self,
        kind: &'a DirectKind,
        name: Option<PackageName>,
    ) -> Result<DirectSource<'a>, PrepareError> {
        Ok(match kind {
            DirectKind::Wheel { path, .. } => DirectSource::Wheel(path),
            DirectKind::Sdist { path, sha256 } => {
                let mut tree = self.unpack(path, sha256).await?;
                tree.name = name;
                DirectSource::Tree(tree)
            }
            DirectKind::Directory { path, .. } => DirectSource::Tree(SourceTree {
                dir: path.clone(),
                name,
                key: None,
            }),
            DirectKind::Git {
                path,
                commit,
                subdirectory,
                ..
            } => DirectSource::Tree(SourceTree {
                dir: path.clone(),
                name,
                key: Some(format!(
                    "git-{commit}{}",
                    subdirectory
                        .as_deref()
                        .map(|s| format!("-{}", den_cache::safe_key(s)))
                        .unwrap_or_default()
                )),
            }),
        })
    }

    /// Fetches a direct reference (download, git checkout or local path) once per URL and
    /// reads its metadata; `name` is checked against the metadata when given.
    pub async fn fetch_direct(
        &self,
        url: &Url,
        name: Option<&PackageName>,
    ) -> Result<(Arc<DirectDist>, CoreMetadata), PrepareError> {
        let cell = {
            let mut map = self.direct.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(url.to_string()).or_default().clone()
        };
        let shown = redact_credentials(url.as_str());
        let direct = cell
            .get_or_try_init(|| self.fetch_direct_uncached(url))
            .await
            .map_err(|source| PrepareError::Direct {
                url: shown.to_string(),
                source: Box::new(source),
            })?
            .clone();
        let metadata = direct.metadata.clone();
        if let Some(name) = name
            && &metadata.name != name
        {
            return Err(PrepareError::WrongProject {
                url: shown.into_owned(),
                found: metadata.name,
                expected: name.clone(),
            });
        }
        Ok((direct, metadata))
    }

    async fn fetch_direct_uncached(&self, url: &Url) -> Result<Arc<DirectDist>, PrepareError> {
        let subdirectory = subdirectory(url);
        let editable = self.editables.iter().any(|e| e == url.as_str());
        let shown = redact_credentials(url.as_str()).into_owned();
        let (kind, filename_text) = if let Some((repository, reference)) = parse_git(url) {
            self.hashes.refuse_unhashable(&shown)?;
            let (cache, repo, reference_owned) =
                (self.cache.clone(), repository.clone(), reference.clone());
            let (checkout, commit) = tokio::task::spawn_blocking(move || {
                den_build::git_checkout(&cache, &repo, reference_owned.as_deref())
            })
            .await
            .map_err(|source| PrepareError::Stopped {
                task: "git",
                source,
            })??;
            let path = match &subdirectory {
                Some(sub) => checkout.join(sub),
                None => checkout,
            };
            (
                DirectKind::Git {
                    path,
                    repository,
                    reference,
                    commit,
                    subdirectory,
                },
                None,
            )
        } else if url.scheme() == "file" {
            let path = url
                .to_file_path()
                .map_err(|()| PrepareError::NotLocalPath)?;
            if path.is_dir() {
                self.hashes.refuse_unhashable(&shown)?;
                let path = match &subdirectory {
                    Some(sub) => path.join(sub),
                    None => path,
                };
                (DirectKind::Directory { path, editable }, None)
            } else {
                if editable {
                    return Err(PrepareError::EditableFile { path });
                }
                let filename = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| PrepareError::NoFileName { path: path.clone() })?
                    .to_string();
                self.hashes
                    .verify(None, Some(url.as_str()), &path, &shown)?;
                (archive_kind(&filename, path.clone())?, Some(filename))
            }
        } else if matches!(url.scheme(), "http" | "https") {
            let path = self.client.download_url(url, &[]).await?;
            self.hashes
                .verify(None, Some(url.as_str()), &path, &shown)?;
            let filename = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            (archive_kind(&filename, path)?, Some(filename))
        } else {
            return Err(PrepareError::UnsupportedScheme {
                scheme: url.scheme().to_string(),
            });
        };
        let metadata = self
            .kind_metadata(&kind)
            .await
            .map_err(|source| PrepareError::DirectMetadata(Box::new(source)))?;
        // A wheel's filename is real; what must be built gets a stand-in with the name and
        // version of its metadata.
        let filename = match filename_text {
            Some(text) if text.ends_with(".whl") => {
                DistFilename::Wheel(text.parse::<WheelFilename>().map_err(|source| {
                    PrepareError::WheelFilename {
                        filename: text.clone(),
                        source,
                    }
                })?)
            }
            _ => DistFilename::SourceDist(SourceDistFilename {
                name: metadata.name.clone(),
                version: metadata.version.clone(),
                extension: ".tar.gz",
            }),
        };
        let direct = DirectDist {
            url: url.clone(),
            filename,
            kind,
            metadata,
        };
        Ok(Arc::new(direct))
    }

    /// The metadata of a fetched direct reference (a wheel's METADATA, else den-build's).
    async fn kind_metadata(&self, kind: &DirectKind) -> Result<CoreMetadata, PrepareError> {
        match self.direct_source(kind, None).await? {
            DirectSource::Tree(tree) => Ok(self.builder.metadata(&tree).await?),
            DirectSource::Wheel(path) => Ok(self.unpacked_metadata(path).await?.0),
        }
    }

    /// The `METADATA` of the wheel at `path`, parsed and as bytes, read from the wheel
    /// unpacked into the cache (unpacked now unless there).
    async fn unpacked_metadata(
        &self,
        path: &Path,
    ) -> Result<(CoreMetadata, Vec<u8>), PrepareError> {
        let (cache, path) = (self.cache.clone(), path.to_path_buf());
        tokio::task::spawn_blocking(move || {
            let unpacked = den_install::unpack_wheel(&cache, &path).map_err(|source| {
                PrepareError::UnpackWheel {
                    wheel: path,
                    source,
                }
            })?;
            let metadata = unpacked.dist_info_path().join("METADATA");
            let bytes = std::fs::read(&metadata).at("read", &metadata)?;
            let parsed = CoreMetadata::parse(&bytes).map_err(|source| PrepareError::Metadata {
                path: metadata,
                source,
            })?;
            Ok((parsed, bytes))
        })
        .await
        .map_err(|source| PrepareError::Stopped {
            task: "reading the wheel",
            source,
        })?
    }

    /// A resolved distribution's core metadata as a wheel of it has it, and that metadata's
    /// body (the long description; `None` when there is none), as pip's installation report
    /// shows them: an index wheel's as the index gives it (the body read again from what den
    /// keeps of it), a direct wheel's `METADATA`, and for a source (an sdist, a directory, a
    /// checkout) the metadata its backend writes ([`Builder::backend_metadata`]: kept from
    /// before, or asked now), not what den may have read from the project's own files to
    /// resolve. For an index sdist whose SHA-256 the index publishes, metadata kept from
    /// before is found by that digest without fetching or unpacking the archive (unless
    /// hash-checking mode wants it checked: [`HashChecks::vouches_for`]).
    ///
    /// Errors: the metadata cannot be fetched or read again, or the backend fails.
    pub async fn wheel_metadata(
        &self,
        file: &Dist,
    ) -> Result<(CoreMetadata, Option<String>), PrepareError> {
        let (metadata, bytes) = match file {
            Dist::Index(file) if matches!(file.filename, DistFilename::Wheel(_)) => {
                let metadata = self.client.wheel_metadata(file).await?;
                let bytes = self.client.cached_metadata(file).unwrap_or_default();
                (metadata, bytes)
            }
            Dist::Index(file) => match self.metadata_built_before(file) {
                Some(found) => found,
                None => {
                    let tree = self.index_sdist(file).await?;
                    self.builder.backend_metadata(&tree).await?
                }
            },
            Dist::Direct(direct) => {
                let name = Some(direct.metadata.name.clone());
                match self.direct_source(&direct.kind, name).await? {
                    DirectSource::Wheel(path) => self.unpacked_metadata(path).await?,
                    DirectSource::Tree(tree) => self.builder.backend_metadata(&tree).await?,
                }
            }
        };
        Ok((metadata, den_dist::metadata_body(&bytes)))
    }

    /// An installable wheel for a resolved distribution: the downloaded wheel, or one built
    /// from the source distribution, directory or checkout (PEP 660 editable wheel for `-e`),
    /// `building` called just before a backend is run for it (not for a wheel den built
    /// before: [`Builder::cached_wheel`]). Every downloaded archive is checked against its
    /// `--hash`es first (direct references were checked when they were fetched).
    ///
    /// An index sdist whose SHA-256 the index publishes is looked up in the built-wheel cache
    /// by that digest first ([`Builder::cached_wheel_of`]): a wheel den built from those bytes
    /// before is returned without the archive being downloaded, read from the cache or
    /// unpacked. In hash-checking mode only when that SHA-256 is one of the project's
    /// `--hash`es ([`HashChecks::vouches_for`]); otherwise the archive is fetched and checked
    /// as ever, so a mismatch is still reported before anything is built.
    ///
    /// Errors: download, hash, build and I/O failures, naming the distribution.
    pub async fn wheel(
        &self,
        dist: &Dist,
        building: impl FnOnce(),
    ) -> Result<PathBuf, PrepareError> {
        let (tree, editable) = match dist {
            Dist::Index(file) => {
                if matches!(file.filename, DistFilename::Wheel(_)) {
                    return self.index_archive(file).await;
                }
                if let Some(wheel) = self.wheel_built_before(file) {
                    let name = &file.raw_filename;
                    tracing::info!("{name}: using the wheel den built from it before");
                    return Ok(wheel);
                }
                (self.index_sdist(file).await?, false)
            }
            Dist::Direct(direct) => {
                let name = Some(direct.metadata.name.clone());
                match self.direct_source(&direct.kind, name).await? {
                    DirectSource::Wheel(path) => return Ok(path.clone()),
                    DirectSource::Tree(tree) => (tree, direct.is_editable()),
                }
            }
        };
        if editable {
            building();
            return Ok(self.builder.build_editable(&tree).await?);
        }
        if let Some(wheel) = self.builder.cached_wheel(&tree)? {
            return Ok(wheel);
        }
        building();
        Ok(self.builder.build_wheel(&tree).await?)
    }
}

/// What a direct reference installs from ([`DenSource::direct_source`]).
enum DirectSource<'a> {
    /// A wheel file: installed as it is.
    Wheel(&'a PathBuf),
    /// A source tree: built first.
    Tree(SourceTree),
}

/// The project an index file belongs to.
fn file_name(file: &IndexFile) -> &PackageName {
    match &file.filename {
        DistFilename::Wheel(wheel) => &wheel.name,
        DistFilename::SourceDist(sdist) => &sdist.name,
    }
}

/// Whether den-build can unpack the file: wheels, and sdists in `.tar.gz` / `.tgz` / `.zip`
/// (older `.tar.bz2` / `.tar.xz` sdists are left out of the candidates rather than chosen and
/// then refused).
fn can_unpack(filename: &DistFilename) -> bool {
    match filename {
        DistFilename::Wheel(_) => true,
        DistFilename::SourceDist(sdist) => den_build::can_extract(sdist.extension),
    }
}

/// An index listing's files as [`Dist::Index`].
struct IndexDists(ProjectListing);

impl ProjectVersions<Dist> for IndexDists {
    fn versions(&self) -> Vec<Version> {
        self.0.versions().cloned().collect()
    }

    fn files(&self, version: &Version) -> Vec<Dist> {
        self.0.files(version).into_iter().map(Dist::Index).collect()
    }
}

/// A wheel or sdist archive by its filename.
fn archive_kind(filename: &str, path: PathBuf) -> Result<DirectKind, PrepareError> {
    let sha256 = sha256_of(&path)?;
    if filename.ends_with(".whl") {
        Ok(DirectKind::Wheel { path, sha256 })
    } else {
        Ok(DirectKind::Sdist { path, sha256 })
    }
}

impl PackageSource for DenSource {
    type File = Dist;

    async fn files(&self, name: &PackageName) -> Result<Vec<Dist>, SourceError> {
        let files = PackageSource::files(&self.client, name).await?;
        Ok(self.usable(name, files))
    }

    /// The versions with files den can unpack, holding those `keep` admits, each version's
    /// built when asked; in hash-checking mode for `name`, every file built at once, since
    /// which files are admitted depends on all of them (see `DenSource::usable`).
    async fn listing(
        &self,
        name: &PackageName,
        keep: FileFilter<'_>,
    ) -> Result<Box<dyn ProjectVersions<Dist>>, SourceError> {
        if self.hashes.narrows(name) {
            let files = PackageSource::files(self, name).await?;
            return Ok(Box::new(Grouped::kept(files, keep)));
        }
        let listing = den_resolve::index_listing(&self.client, name, &can_unpack, keep).await?;
        Ok(Box::new(IndexDists(listing)))
    }

    async fn files_within(
        &self,
        name: &PackageName,
        within: &Ranges<Version>,
    ) -> Result<Vec<Dist>, SourceError> {
        let files = PackageSource::files_within(&self.client, name, within).await?;
        Ok(self.usable(name, files))
    }

    async fn metadata(&self, name: &PackageName, file: &Dist) -> Result<CoreMetadata, SourceError> {
        self.dist_metadata(name, file, false).await
    }

    /// Builds the wheel of a source distribution for its metadata when this source was made
    /// [`DenSource::building_wheels`]; see [`PackageSource::pinned_metadata`].
    async fn pinned_metadata(
        &self,
        name: &PackageName,
        file: &Dist,
    ) -> Result<CoreMetadata, SourceError> {
        self.dist_metadata(name, file, self.builds_wheels).await
    }

    /// Downloads an index wheel that is not in the cache yet, or builds the wheel of an index
    /// sdist den has not built before, into the cache when this source was made [`DenSource::building_wheels`]:
    /// [`DenSource::wheel`] later finds it there, or waits for this download or build on its
    /// cache lock. A failure is left for that call to meet and report.
    async fn prepare_pinned(&self, _name: &PackageName, file: &Dist) {
        let Dist::Index(index_file) = file else {
            return;
        };
        if !self.builds_wheels {
            return;
        }
        let ready = match index_file.filename {
            DistFilename::Wheel(_) => self
                .client
                .cached_path(index_file)
                .is_ok_and(|path| path.is_file()),
            DistFilename::SourceDist(_) => self.wheel_built_before(index_file).is_some(),
        };
        if !ready {
            let _ = self.wheel(file, || {}).await;
        }
    }

    async fn direct(
        &self,
        name: &PackageName,
        url: &VerbatimUrl,
    ) -> Result<(Dist, CoreMetadata), SourceError> {
        let (direct, metadata) = self
            .fetch_direct(&url.to_url(), Some(name))
            .await
            .map_err(other)?;
        Ok((Dist::Direct(direct), metadata))
    }
}

impl DenSource {
    /// The metadata of `file` for [`PackageSource::metadata`]; when `installing` (the file is
    /// sure to be installed), an sdist without static metadata is built into its wheel
    /// rather than asked for metadata, and a small wheel is downloaded rather than read with
    /// range requests.
    async fn dist_metadata(
        &self,
        name: &PackageName,
        file: &Dist,
        installing: bool,
    ) -> Result<CoreMetadata, SourceError> {
        match file {
            Dist::Index(file) if matches!(file.filename, DistFilename::Wheel(_)) => {
                // A small wheel about to be installed whose index offers no PEP 658 metadata
                // is downloaded whole, its METADATA read from the file: one request where the
                // range requests into it take two or three, and one the install needs anyway.
                if installing
                    && !file.core_metadata
                    && file
                        .size
                        .is_some_and(|size| size <= WHOLE_WHEEL_FOR_METADATA)
                {
                    self.index_archive(file).await.map_err(other)?;
                }
                PackageSource::metadata(&self.client, name, file).await
            }
            Dist::Index(file) => {
                // What a backend wrote before for these very bytes (the index's SHA-256 is the
                // built-wheel cache's key) is their metadata, as correct as static metadata,
                // and found without the archive.
                let metadata = match self.metadata_built_before(file) {
                    Some((metadata, _)) => metadata,
                    None => self.fetched_sdist_metadata(file, installing).await?,
                };
                if &metadata.name != name || &metadata.version != file.filename.version() {
                    return Err(invalid_metadata(
                        file,
                        format!(
                            "it describes itself as {} {}",
                            metadata.name, metadata.version
                        ),
                    ));
                }
                Ok(metadata)
            }
            Dist::Direct(direct) => Ok(direct.metadata.clone()),
        }
    }

    /// The metadata of the index sdist `file` read from its archive, fetched (and checked) now
    /// unless in the cache: its static metadata, else its backend's (built into its wheel
    /// when `installing`).
    async fn fetched_sdist_metadata(
        &self,
        file: &IndexFile,
        installing: bool,
    ) -> Result<CoreMetadata, SourceError> {
        // PEP 643: a static PKG-INFO is the sdist's metadata, read from the start of the
        // archive without unpacking it; when it is absent, dynamic or unreadable there, the
        // project is unpacked (a tarball downloaded just now was, on the way) and its backend
        // asked.
        let archive = self.index_sdist_archive(file).await.map_err(other)?;
        // An archive that cannot be read in place fails again, and is reported, when it is
        // unpacked.
        if let Some(metadata) = den_build::static_sdist_metadata(&archive).ok().flatten() {
            return Ok(metadata);
        }
        let tree = self.sdist_tree(file, &archive).await.map_err(other)?;
        let built = if installing {
            self.builder.metadata_by_building(&tree).await
        } else {
            self.builder.metadata(&tree).await
        };
        // Unreadable metadata makes this version unusable (the resolver tries others, as pip
        // does); a failing build stops the resolution.
        built.map_err(|error| match error {
            error @ den_build::BuildError::Metadata { .. } => {
                invalid_metadata(file, error.to_string())
            }
            source => other(PrepareError::BuildMetadata {
                filename: file.raw_filename.clone(),
                source,
            }),
        })
    }
}

/// The resolver's error for an index file whose metadata cannot be used, and why.
fn invalid_metadata(file: &IndexFile, reason: String) -> SourceError {
    SourceError::InvalidMetadata {
        filename: file.raw_filename.clone(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_urls_split_into_repository_and_reference() {
        let parse = |text: &str| parse_git(&Url::parse(text).unwrap()).unwrap();
        assert_eq!(
            parse("git+https://u:p@host/org/repo.git@feature/x#egg=x&subdirectory=s"),
            (
                "https://u:p@host/org/repo.git".to_string(),
                Some("feature/x".to_string())
            )
        );
        assert_eq!(
            parse("git+ssh://git@host/repo"),
            ("ssh://git@host/repo".to_string(), None)
        );
        assert_eq!(
            parse("git+file:///tmp/repo@v1"),
            ("file:///tmp/repo".to_string(), Some("v1".to_string()))
        );
    }
}
