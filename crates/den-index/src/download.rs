//! Downloads into the cache (index files, find-links files, direct URLs) with hash
//! verification and cross-process locks, local `file://` files checked in place, and wheel
//! metadata from the cheapest source.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use den_cache::{CacheBucket, safe_key, write_atomic};
use den_dist::{CoreMetadata, DistFilename, HashDigest, Hasher, IoError, IoResultExt};
use reqwest::header::HeaderMap;
use url::Url;

use crate::url::strip_credentials;
use crate::{FileOrigin, IndexClient, IndexError, IndexFile, redact};

/// Compares finished hashers with the digests they were started for.
///
/// Errors: [`IndexError::HashMismatch`] for the first that differs.
fn check_hashes<'a>(
    filename: &str,
    hashers: impl IntoIterator<Item = (&'a HashDigest, Hasher)>,
) -> Result<(), IndexError> {
    for (expected, hasher) in hashers {
        let actual = hasher.finalize();
        if &actual != expected {
            return Err(IndexError::HashMismatch {
                filename: filename.to_string(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
    }
    Ok(())
}

fn hashers(expected: &[HashDigest]) -> Vec<(&HashDigest, Hasher)> {
    expected
        .iter()
        .map(|digest| (digest, Hasher::new(digest.algorithm)))
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
        let url = file.url()?;
        if let Some(path) = local_file(&url)? {
            verify_file(&path, &file.hashes)?;
            return Ok(path);
        }
        let path = self.cached_path(file)?;
        self.fetch_file(&url, &file.hashes, &file.raw_filename, &path)
            .await?;
        Ok(path)
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
        self.fetch_file(url, &expected, &filename, &path).await?;
        Ok(path)
    }

    /// Makes sure `url` is downloaded to `path` (checked against `expected`), under the
    /// entry's cross-process lock; a file already at `path` is kept.
    async fn fetch_file(
        &self,
        url: &Url,
        expected: &[HashDigest],
        filename: &str,
        path: &Path,
    ) -> Result<(), IndexError> {
        if path.is_file() {
            tracing::info!("using cached {filename}");
            return Ok(());
        }
        if self.is_offline() {
            return Err(IndexError::Offline {
                what: format!("{filename} ({})", redact(url)),
            });
        }
        let _lock = self.lock_entry(bucket_for(filename), path).await?;
        if path.is_file() {
            tracing::debug!("{filename} was downloaded by another den process");
            return Ok(());
        }
        let response = self.get_ok(url, HeaderMap::new()).await?;
        self.store(url, expected, filename, response, path).await
    }

    /// Streams `response` (the whole file `filename` from `url`) to `path`, verifying
    /// `expected`. The caller holds the entry's lock.
    async fn store(
        &self,
        url: &Url,
        expected: &[HashDigest],
        filename: &str,
        mut response: reqwest::Response,
        path: &Path,
    ) -> Result<(), IndexError> {
        let size = response.content_length();
        match size {
            Some(size) => tracing::info!("downloading {filename} ({})", format_size(size)),
            None => tracing::info!("downloading {filename}"),
        }
        let progress = self.download_started(filename, size);
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).at("create directory", dir)?;
        let mut temp =
            tempfile::NamedTempFile::new_in(dir).at("create a temporary file in", dir)?;
        let mut hashers = hashers(expected);
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| self.transfer_error(url, e))?;
            let Some(chunk) = chunk else { break };
            if let Some(progress) = &progress {
                progress.advance(chunk.len() as u64);
            }
            for (_, hasher) in &mut hashers {
                hasher.update(&chunk);
            }
            temp.write_all(&chunk).at("write", temp.path())?;
        }
        check_hashes(filename, hashers)?;
        temp.persist(path)
            .map_err(|e| e.error)
            .at("rename into place", path)?;
        Ok(())
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
                let _lock = self.lock_entry(CacheBucket::Wheels, wheel_path).await?;
                if !wheel_path.is_file() {
                    self.store(
                        file_url,
                        &file.hashes,
                        &file.raw_filename,
                        response,
                        wheel_path,
                    )
                    .await?;
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
