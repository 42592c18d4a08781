//! Downloads into the cache (index files, find-links files, direct URLs) with hash
//! verification and cross-process locks, local `file://` files checked in place, and wheel
//! metadata from the cheapest source. A caller that wants the bytes as they arrive (to unpack
//! them on the way) starts the download with [`IndexClient::start_download`] and reads it
//! through [`Download`].

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use den_cache::{CacheBucket, LockGuard, safe_key, write_atomic};
use den_dist::{CoreMetadata, DistFilename, HashDigest, Hasher, IoError, IoResultExt};
use reqwest::header::HeaderMap;
use url::Url;

use crate::url::strip_credentials;
use crate::{FileOrigin, IndexClient, IndexError, IndexFile, redact};

/// Compares finished hashers with the digests they were started for.
///
/// Errors: [`IndexError::HashMismatch`] for the first that differs.
fn check_hashes(
    filename: &str,
    hashers: impl IntoIterator<Item = (HashDigest, Hasher)>,
) -> Result<(), IndexError> {
    for (expected, hasher) in hashers {
        let actual = hasher.finalize();
        if actual != expected {
            return Err(IndexError::HashMismatch {
                filename: filename.to_string(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
    }
    Ok(())
}

/// A fresh hasher for each of `expected`, beside the digest it must give.
fn hashers(expected: &[HashDigest]) -> Vec<(HashDigest, Hasher)> {
    expected
        .iter()
        .map(|digest| (digest.clone(), Hasher::new(digest.algorithm)))
        .collect()
}

/// Checks `bytes` against every digest in `expected`.
///
/// Errors: [`IndexError::HashMismatch`] naming `filename`.
fn verify(filename: &str, expected: &[HashDigest], bytes: &[u8]) -> Result<(), IndexError> {
    let mut hashers = hashers(expected);
    for (_, hasher) in &mut hashers {
        hasher.update(bytes);
    }
    check_hashes(filename, hashers)
}

/// Checks the local file at `path` against every digest in `expected` (none: only that it is
/// a readable file).
///
/// Errors: [`IndexError::HashMismatch`] naming the path; [`IndexError::Io`] when it cannot be
/// read (missing, a directory...).
fn verify_file(path: &Path, expected: &[HashDigest]) -> Result<(), IndexError> {
    let mut file = std::fs::File::open(path).at("open", path)?;
    if expected.is_empty() {
        let metadata = file.metadata().at("inspect", path)?;
        if !metadata.is_file() {
            let source = std::io::Error::other("it is not a regular file");
            return Err(IoError::new("read", path, source).into());
        }
        return Ok(());
    }
    let mut hashers = hashers(expected);
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file.read(&mut buffer).at("read", path)?;
        if read == 0 {
            break;
        }
        for (_, hasher) in &mut hashers {
            hasher.update(&buffer[..read]);
        }
    }
    check_hashes(&path.display().to_string(), hashers)
}

/// The local path of a `file://` URL, `None` for other schemes.
///
/// Errors: [`IndexError::InvalidUrl`] for a `file://` URL that names no local path.
fn local_file(url: &Url) -> Result<Option<PathBuf>, IndexError> {
    if url.scheme() != "file" {
        return Ok(None);
    }
    url.to_file_path()
        .map(Some)
        .map_err(|()| IndexError::InvalidUrl {
            url: redact(url),
            reason: "the file:// URL does not name a local path".to_string(),
        })
}

/// The bucket for an archive: wheels in Wheels, everything else (sdists) in Sdists.
fn bucket_for(filename: &str) -> CacheBucket {
    if filename.ends_with(".whl") {
        CacheBucket::Wheels
    } else {
        CacheBucket::Sdists
    }
}

impl IndexClient {
    /// Where `file` is kept, whether or not it was downloaded yet: a wheel under the Wheels
    /// bucket, an sdist under the Sdists bucket, in a directory per index (or find-links
    /// location), named by its filename; a local (`file://`) file is its own path.
    ///
    /// Errors: [`IndexError::Cache`] when the bucket cannot be created;
    /// [`IndexError::InvalidUrl`] for a `file://` URL that names no local path.
    pub fn cached_path(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        if let Some(path) = local_file(&file.url()?)? {
            return Ok(path);
        }
        let bucket = match file.filename {
            DistFilename::Wheel(_) => CacheBucket::Wheels,
            DistFilename::SourceDist(_) => CacheBucket::Sdists,
        };
        let key = match &file.origin {
            FileOrigin::Index(index) => index.without_credentials().to_string(),
            FileOrigin::FindLinks(location) => location.clone(),
        };
        Ok(self
            .cache_dir(bucket, &key)?
            .join(safe_key(&file.raw_filename)))
    }

    /// The local path of `file`: a `file://` file is checked in place (no copy); anything
    /// else is downloaded into the cache (see [`IndexClient::cached_path`]) unless already
    /// there. Downloads are streamed to a temporary file while every hash the index gave
    /// (sha256/384/512) is checked, then renamed into place; a mismatch leaves nothing
    /// behind. Concurrent den processes downloading the same file serialize on a cache lock:
    /// the second waits and then finds the file.
    ///
    /// Errors: [`IndexError::HashMismatch`] naming the file (a local file's path) and both
    /// digests; [`IndexError::Http`], [`IndexError::Network`], [`IndexError::Timeout`];
    /// [`IndexError::Offline`] when offline and not cached; [`IndexError::Io`] /
    /// [`IndexError::Cache`] for local read or write failures.
    pub async fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        match self.start_download(file).await? {
            Fetch::OnDisk(path) => Ok(path),
            Fetch::Downloading(download) => save(*download).await,
        }
    }

    /// [`IndexClient::download`] for a caller that wants the bytes as they arrive: a file
    /// already on disk (a local `file://` file, checked in place, or a copy in the cache) is
    /// [`Fetch::OnDisk`]; otherwise the download has started, under the cache entry's lock,
    /// and the caller receives it through [`Download`], which saves it into the cache and checks
    /// it as [`IndexClient::download`] does. Nothing is logged about the download: the caller
    /// says what it does with it.
    ///
    /// Errors: as [`IndexClient::download`], those of the transfer itself coming from
    /// [`Download`].
    pub async fn start_download(&self, file: &IndexFile) -> Result<Fetch, IndexError> {
        let url = file.url()?;
        if let Some(path) = local_file(&url)? {
            verify_file(&path, &file.hashes)?;
            return Ok(Fetch::OnDisk(path));
        }
        let path = self.cached_path(file)?;
        Ok(
            match self
                .begin(&url, &file.hashes, &file.raw_filename, &path)
                .await?
            {
                Some(download) => Fetch::Downloading(Box::new(download)),
                None => Fetch::OnDisk(path),
            },
        )
    }

    /// Downloads a direct-URL archive (`name @ https://host/x-1.0.tar.gz`, PEP 440 §Direct
    /// references) and returns its local path. `url` may carry credentials (else they come
    /// from a configured index on the same host or netrc; they are never printed) and a
    /// `#sha256=<hex>` fragment, checked along with `hashes` (`--hash` values).
    ///
    /// A `file://` URL is checked in place and its path returned. Otherwise the file is cached
    /// by URL and keeps its filename: `<bucket>/<safe_key(url without credentials)>/<filename>`,
    /// wheels (`.whl`) in the Wheels bucket, anything else in the Sdists bucket; a cached file
    /// is reused without a request when hashes pin it (re-downloaded if it fails them), else
    /// while younger than [`crate::DEFAULT_FRESHNESS`] and not under [`crate::CachePolicy::Refresh`].
    ///
    /// Errors: [`IndexError::InvalidUrl`] for a URL without a filename or with another scheme
    /// than `http(s)`/`file`; otherwise as [`IndexClient::download`].
    pub async fn download_url(
        &self,
        url: &Url,
        hashes: &[HashDigest],
    ) -> Result<PathBuf, IndexError> {
        let invalid = |reason: &str| IndexError::InvalidUrl {
            url: redact(url),
            reason: reason.to_string(),
        };
        let filename = url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .map(|last| {
                percent_encoding::percent_decode_str(last)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .filter(|name| {
                !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
            })
            .ok_or_else(|| invalid("it does not end in a file name (such as x-1.0.tar.gz)"))?;
        let mut expected = hashes.to_vec();
        if let Some((algorithm, hex)) = url.fragment().and_then(|f| f.split_once('='))
            && let Ok(digest) = HashDigest::new(algorithm, hex)
            && !expected.contains(&digest)
        {
            expected.push(digest);
        }
        if let Some(path) = local_file(url)? {
            verify_file(&path, &expected)?;
            return Ok(path);
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("only http(s) and file URLs can be downloaded"));
        }
        let mut key = strip_credentials(url);
        key.set_fragment(None);
        let path = self
            .cache_dir(bucket_for(&filename), key.as_str())?
            .join(&filename);
        if path.is_file()
            && !expected.is_empty()
            && let Err(error) = verify_file(&path, &expected)
        {
            tracing::debug!("cached {filename} no longer matches ({error}); downloading again");
            std::fs::remove_file(&path).at("remove", &path)?;
        }
        // Without a hash nothing pins the content (`.../archive/main.zip` moves), so a copy
        // older than DEFAULT_FRESHNESS, or any copy under --refresh, is fetched again.
        let stale = || {
            self.config().cache_policy == crate::CachePolicy::Refresh
                || std::fs::metadata(&path)
                    .and_then(|meta| meta.modified())
                    .ok()
                    .and_then(|modified| modified.elapsed().ok())
                    .is_none_or(|age| age > crate::DEFAULT_FRESHNESS)
        };
        if expected.is_empty() && !self.is_offline() && path.is_file() && stale() {
            tracing::debug!("cached {filename} is stale; downloading again");
            match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(IoError::new("remove", &path, error).into());
                }
                _ => {}
            }
        }
        if let Some(download) = self.begin(url, &expected, &filename, &path).await? {
            save(download).await?;
        }
        Ok(path)
    }

    /// The download of `url` (the file `filename`) to `path`, to be checked against
    /// `expected`, started under the entry's cross-process lock; `None` when a file is at
    /// `path` already (kept as it is).
    ///
    /// Errors: [`IndexError::Offline`] when offline; the lock, the request and the temporary
    /// file's failures.
    async fn begin(
        &self,
        url: &Url,
        expected: &[HashDigest],
        filename: &str,
        path: &Path,
    ) -> Result<Option<Download>, IndexError> {
        if path.is_file() {
            tracing::info!("using cached {filename}");
            return Ok(None);
        }
        if self.is_offline() {
            return Err(IndexError::Offline {
                what: format!("{filename} ({})", redact(url)),
            });
        }
        let lock = self.lock_entry(bucket_for(filename), path).await?;
        if path.is_file() {
            tracing::debug!("{filename} was downloaded by another den process");
            return Ok(None);
        }
        let response = self.get_ok(url, HeaderMap::new()).await?;
        Download::new(self, url, expected, filename, response, path, lock).map(Some)
    }

    /// The core metadata of a wheel, from the cheapest source available:
    /// 0. a local (`file://`) wheel is read in place;
    /// 1. the metadata cache (next to the wheel in the Wheels bucket) or an already downloaded
    ///    wheel;
    /// 2. the PEP 658/714 `<url>.metadata` file when the index offers it;
    /// 3. HTTP range requests into the remote zip: the tail (end of central directory and
    ///    central directory), then the `*.dist-info/METADATA` member;
    /// 4. the whole wheel, downloaded into the cache as [`IndexClient::download`] does, so a
    ///    later install reuses it (also when the server ignores `Range`).
    ///
    /// The result of steps 2-4 is cached on disk. The metadata's name and version must match
    /// the filename.
    ///
    /// Errors: [`IndexError::Metadata`] for source distributions, wheels without a readable
    /// `METADATA`, or metadata that does not parse or match; [`IndexError::Offline`] when
    /// offline and neither the metadata nor the wheel is cached; network, HTTP and hash
    /// errors as for [`IndexClient::download`].
    pub async fn wheel_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError> {
        let DistFilename::Wheel(wheel) = &file.filename else {
            return Err(IndexError::Metadata {
                filename: file.raw_filename.clone(),
                reason: "it is a source distribution, not a wheel; it must be built to learn \
                         its metadata"
                    .to_string(),
            });
        };
        let metadata_error = |reason: String| IndexError::Metadata {
            filename: file.raw_filename.clone(),
            reason,
        };
        let parse = |bytes: &[u8]| {
            let metadata = CoreMetadata::parse(bytes).map_err(|e| metadata_error(e.to_string()))?;
            if metadata.name != wheel.name || metadata.version != wheel.version {
                return Err(metadata_error(format!(
                    "its METADATA describes {} {}, not {} {}",
                    metadata.name, metadata.version, wheel.name, wheel.version
                )));
            }
            Ok(metadata)
        };
        let url = file.url()?;
        if let Some(path) = local_file(&url)? {
            return parse(&crate::zip::metadata_from_file(
                &path,
                wheel,
                &file.raw_filename,
            )?);
        }
        let wheel_path = self.cached_path(file)?;
        let metadata_path = metadata_path_of(&wheel_path);
        if let Ok(bytes) = std::fs::read(&metadata_path)
            && let Ok(metadata) = CoreMetadata::parse(&bytes)
        {
            return Ok(metadata);
        }
        let bytes = if wheel_path.is_file() {
            crate::zip::metadata_from_file(&wheel_path, wheel, &file.raw_filename)?
        } else if self.is_offline() {
            return Err(IndexError::Offline {
                what: format!("the metadata of {} ({})", file.raw_filename, redact(&url)),
            });
        } else {
            self.fetch_metadata(file, &url, wheel, &wheel_path).await?
        };
        let metadata = parse(&bytes)?;
        write_atomic(&metadata_path, &bytes)?;
        Ok(metadata)
    }

    /// The whole `METADATA` file (headers and body) of the wheel `file` as den has it without
    /// asking the network: the copy [`IndexClient::wheel_metadata`] cached, else the member
    /// of the cached (or local) wheel. `None` for a source distribution or when neither is
    /// there or readable.
    pub fn cached_metadata(&self, file: &IndexFile) -> Option<Vec<u8>> {
        let DistFilename::Wheel(wheel) = &file.filename else {
            return None;
        };
        let wheel_path = self.cached_path(file).ok()?;
        if let Ok(bytes) = std::fs::read(metadata_path_of(&wheel_path)) {
            return Some(bytes);
        }
        crate::zip::metadata_from_file(&wheel_path, wheel, &file.raw_filename).ok()
    }

    /// Steps 2 to 4 of [`IndexClient::wheel_metadata`].
    async fn fetch_metadata(
        &self,
        file: &IndexFile,
        file_url: &Url,
        wheel: &den_dist::WheelFilename,
        wheel_path: &Path,
    ) -> Result<Vec<u8>, IndexError> {
        if file.core_metadata {
            let mut url = file_url.clone();
            url.set_path(&format!("{}.metadata", file_url.path()));
            let response = self.get(&url, HeaderMap::new()).await?;
            if response.status().is_success() {
                let bytes = self.body(&url, response).await?;
                verify(
                    &format!("{}.metadata", file.raw_filename),
                    &file.core_metadata_hashes,
                    &bytes,
                )?;
                tracing::info!(
                    "{}: metadata from the index's {}.metadata ({}, PEP 658)",
                    file.raw_filename,
                    file.raw_filename,
                    format_size(bytes.len() as u64)
                );
                return Ok(bytes);
            }
            tracing::debug!(
                "HTTP {} for {}; trying range requests",
                response.status(),
                redact(&url)
            );
        }
        let ranged = match crate::zip::RemoteZip::open(self, file, file_url).await {
            Ok(crate::zip::Opened::Remote(remote)) => remote.metadata(self, wheel).await,
            Ok(crate::zip::Opened::Whole(response)) => {
                tracing::debug!(
                    "{} ignores Range; downloading the whole wheel",
                    redact(file_url)
                );
                let lock = self.lock_entry(CacheBucket::Wheels, wheel_path).await?;
                if !wheel_path.is_file() {
                    let download = Download::new(
                        self,
                        file_url,
                        &file.hashes,
                        &file.raw_filename,
                        response,
                        wheel_path,
                        lock,
                    )?;
                    save(download).await?;
                }
                return crate::zip::metadata_from_file(wheel_path, wheel, &file.raw_filename);
            }
            Err(error) => Err(error),
        };
        match ranged {
            Ok(bytes) => {
                tracing::info!(
                    "{}: metadata read from the remote wheel with range requests",
                    file.raw_filename
                );
                return Ok(bytes);
            }
            Err(
                error @ (IndexError::Network { .. }
                | IndexError::Timeout { .. }
                | IndexError::HashMismatch { .. }),
            ) => {
                return Err(error);
            }
            Err(error) => {
                tracing::debug!("range requests failed ({error}); downloading the wheel");
            }
        }
        let path = self.download(file).await?;
        crate::zip::metadata_from_file(&path, wheel, &file.raw_filename)
    }
}

/// The size of the buffer a [`Download`] writes its file through.
const WRITE_BUFFER: usize = 256 * 1024;

/// What [`IndexClient::start_download`] found or started.
#[derive(Debug)]
pub enum Fetch {
    /// The file is on disk already, at this path: a local (`file://`) file, checked in place,
    /// or the copy in the cache.
    OnDisk(PathBuf),
    /// The file is downloading into the cache (boxed: it is much larger than a path).
    Downloading(Box<Download>),
}

/// A file downloading into den's cache ([`IndexClient::start_download`]), its bytes handed to
/// the caller as they arrive ([`Download::next_chunk`]) while each is also written to a
/// temporary file beside the cache entry, hashed with every hash the index gave and counted on
/// the download's progress bar. [`Download::finish`] receives the rest, checks the hashes and
/// renames the file into place. Dropped before that (the caller gave up, or a chunk failed to
/// arrive), it leaves nothing in the cache. It holds the cache entry's cross-process lock until
/// it ends.
pub struct Download {
    client: IndexClient,
    url: Url,
    filename: String,
    path: PathBuf,
    response: reqwest::Response,
    /// Whether the response's body has ended.
    done: bool,
    size: Option<u64>,
    /// Written through a buffer: chunks arrive a few kilobytes at a time.
    temp: std::io::BufWriter<tempfile::NamedTempFile>,
    hashers: Vec<(HashDigest, Hasher)>,
    progress: Option<Box<dyn crate::DownloadProgress>>,
    _lock: LockGuard,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("filename", &self.filename)
            .field("path", &self.path)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// The download of `response`, the whole file `filename` from `url`, into the cache entry
    /// at `path` (its directory created if missing), to be checked against `expected`, `lock`
    /// held until it ends; its progress is reported from now on.
    ///
    /// Errors: [`IndexError::Io`] when the temporary file cannot be created.
    fn new(
        client: &IndexClient,
        url: &Url,
        expected: &[HashDigest],
        filename: &str,
        response: reqwest::Response,
        path: &Path,
        lock: LockGuard,
    ) -> Result<Self, IndexError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).at("create directory", dir)?;
        let temp = tempfile::NamedTempFile::new_in(dir).at("create a temporary file in", dir)?;
        let temp = std::io::BufWriter::with_capacity(WRITE_BUFFER, temp);
        let size = response.content_length();
        Ok(Self {
            client: client.clone(),
            url: url.clone(),
            filename: filename.to_string(),
            path: path.to_path_buf(),
            response,
            done: false,
            size,
            temp,
            hashers: hashers(expected),
            progress: client.download_started(filename, size),
            _lock: lock,
        })
    }

    /// Where the file will be once [`Download::finish`] has checked it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's name and, when the server said, its size as pip shows sizes:
    /// `x-1.0.tar.gz (45.6 MB)`.
    pub fn describe(&self) -> String {
        match self.size {
            Some(size) => format!("{} ({})", self.filename, format_size(size)),
            None => self.filename.clone(),
        }
    }

    /// The next bytes of the file, already written and hashed; `None` once all have arrived.
    ///
    /// Errors: [`IndexError::Network`] / [`IndexError::Timeout`] when the transfer fails (the
    /// download is then over: drop it); [`IndexError::Io`] when the temporary file cannot be
    /// written.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, IndexError> {
        if self.done {
            return Ok(None);
        }
        let chunk = self
            .response
            .chunk()
            .await
            .map_err(|e| self.client.transfer_error(&self.url, e))?;
        let Some(chunk) = chunk else {
            self.done = true;
            return Ok(None);
        };
        if let Some(progress) = &self.progress {
            progress.advance(chunk.len() as u64);
        }
        for (_, hasher) in &mut self.hashers {
            hasher.update(&chunk);
        }
        self.temp
            .write_all(&chunk)
            .at("write", self.temp.get_ref().path())?;
        Ok(Some(chunk))
    }

    /// Receives what has not arrived yet (written and hashed, handed to no one), checks every
    /// hash the index gave and renames the file into place; returns its path.
    ///
    /// Errors: [`IndexError::HashMismatch`] naming the file and both digests (nothing is left
    /// in the cache); as [`Download::next_chunk`]; [`IndexError::Io`] when the file cannot be
    /// renamed into place.
    pub async fn finish(mut self) -> Result<PathBuf, IndexError> {
        while self.next_chunk().await?.is_some() {}
        check_hashes(&self.filename, self.hashers)?;
        let temp = self.temp.into_inner().map_err(|e| {
            let (error, temp) = e.into_parts();
            IoError::new("write", temp.get_ref().path(), error)
        })?;
        temp.persist(&self.path)
            .map_err(|e| e.error)
            .at("rename into place", &self.path)?;
        Ok(self.path)
    }
}

/// Receives `download` whole into the cache, saying so on `-v`; returns its path.
///
/// Errors: as [`Download::finish`].
async fn save(download: Download) -> Result<PathBuf, IndexError> {
    tracing::info!("downloading {}", download.describe());
    download.finish().await
}

/// Where the metadata of the wheel cached at `wheel_path` is kept: beside it, its name with
/// `.metadata` appended (as PEP 658 names the index's copy).
fn metadata_path_of(wheel_path: &Path) -> PathBuf {
    let name = wheel_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("wheel");
    wheel_path.with_file_name(format!("{name}.metadata"))
}

/// A size as pip shows it (its `format_size`): decimal units, `123 bytes`, `4.5 kB`, `45 kB`,
/// `6.7 MB`.
pub fn format_size(bytes: u64) -> String {
    let value = bytes as f64;
    if value > 1000.0 * 1000.0 {
        format!("{:.1} MB", value / 1000.0 / 1000.0)
    } else if value > 10.0 * 1000.0 {
        format!("{} kB", bytes / 1000)
    } else if value > 1000.0 {
        format!("{:.1} kB", value / 1000.0)
    } else {
        format!("{bytes} bytes")
    }
}
