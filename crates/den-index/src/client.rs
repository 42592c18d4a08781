//! [`IndexClient`]: fetches project pages (cached on disk with revalidation, deduplicated in
//! memory), downloads files with hash verification, and obtains wheel metadata cheaply.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use den_cache::{Cache, CacheBucket, safe_key, write_atomic};
use den_dist::{CoreMetadata, DistFilename, HashDigest, Hasher, PackageName};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::OnceCell;
use url::Url;

use crate::page::{ACCEPT, JSON_MEDIA_TYPE, parse_project_page};
use crate::url::{credentials_of, strip_credentials};
use crate::{IndexConfig, IndexError, IndexFile, IndexUrl, Netrc, ProjectFiles, redact};

/// First retry delay; doubles on each further retry.
const BACKOFF: Duration = Duration::from_millis(250);

/// A project page as stored in the Simple bucket, with the validators to revalidate it.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedPage {
    /// The URL the page was served from (after redirects, without credentials).
    url: String,
    /// Whether `body` is PEP 691 JSON (else PEP 503 HTML).
    json: bool,
    etag: Option<String>,
    last_modified: Option<String>,
    body: String,
}

/// `None` in a finished cell means "not found on any index".
type PageCell = Arc<OnceCell<Option<Arc<ProjectFiles>>>>;

struct Inner {
    config: IndexConfig,
    cache: Cache,
    http: reqwest::Client,
    netrc: Option<Netrc>,
    pages: Mutex<HashMap<PackageName, PageCell>>,
}

/// The index client. Cheap to clone (an `Arc` inside); share one per process so pages are
/// fetched once.
#[derive(Clone)]
pub struct IndexClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for IndexClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The reason behind a reqwest error, without its URL (which could hold credentials).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        source = cause.source();
    }
    reason
}

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

/// Checks `bytes` against every digest in `expected`.
///
/// Errors: [`IndexError::HashMismatch`] naming `filename`.
fn verify(filename: &str, expected: &[HashDigest], bytes: &[u8]) -> Result<(), IndexError> {
    check_hashes(
        filename,
        expected.iter().map(|digest| {
            let mut hasher = Hasher::new(digest.algorithm);
            hasher.update(bytes);
            (digest, hasher)
        }),
    )
}

fn is_not_found(status: StatusCode) -> bool {
    matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE)
}

impl IndexClient {
    /// A client for `config`, storing pages, files and metadata in `cache`; credentials for
    /// hosts without any in their URL come from the netrc file (`NETRC`, else `~/.netrc`).
    ///
    /// Errors: [`IndexError::Certificate`] if `config.cert` cannot be read or holds no PEM
    /// certificate; [`IndexError::Io`] if the netrc file exists but cannot be read.
    pub fn new(config: IndexConfig, cache: Cache) -> Result<Self, IndexError> {
        Self::with_netrc(config, cache, Netrc::from_env()?)
    }

    /// Like [`IndexClient::new`] with explicit netrc credentials (`None`: no netrc).
    ///
    /// Errors: as [`IndexClient::new`], for the certificate bundle.
    pub fn with_netrc(
        config: IndexConfig,
        cache: Cache,
        netrc: Option<Netrc>,
    ) -> Result<Self, IndexError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("den/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout)
            .read_timeout(config.timeout);
        if let Some(path) = &config.cert {
            let cert_error = |reason: String| IndexError::Certificate {
                path: path.clone(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| cert_error(e.to_string()))?;
            let certificates =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| cert_error(describe(e)))?;
            if certificates.is_empty() {
                return Err(cert_error("it holds no PEM certificate".to_string()));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(|e| IndexError::Certificate {
            path: config.cert.clone().unwrap_or_default(),
            reason: format!("cannot set up TLS: {}", describe(e)),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                cache,
                http,
                netrc,
                pages: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration this client uses.
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }

    /// Credentials for `url`: its own, else those of a configured index on the same host and
    /// port, else the netrc entry for its host.
    fn credentials_for(&self, url: &Url) -> Option<(String, Option<String>)> {
        if let Some(credentials) = credentials_of(url) {
            return Some(credentials);
        }
        let same_origin = |index: &&IndexUrl| {
            index.url().host_str() == url.host_str()
                && index.url().port_or_known_default() == url.port_or_known_default()
        };
        if let Some(credentials) = self
            .inner
            .config
            .indexes()
            .filter(same_origin)
            .find_map(IndexUrl::credentials)
        {
            return Some(credentials);
        }
        let host = url.host_str()?;
        let (login, password) = self.inner.netrc.as_ref()?.lookup(host)?;
        Some((login.to_string(), password.map(str::to_string)))
    }

    /// GETs `url` with `headers`, retrying connection errors, timeouts and 5xx answers with
    /// exponential backoff. Returns the last response, whatever its status.
    ///
    /// Errors: [`IndexError::Network`] once the retries are exhausted.
    async fn get(&self, url: &Url, headers: HeaderMap) -> Result<reqwest::Response, IndexError> {
        let clean = strip_credentials(url);
        let credentials = self.credentials_for(url);
        let retries = self.inner.config.retries;
        let mut attempt = 0;
        loop {
            let mut request = self.inner.http.get(clean.clone()).headers(headers.clone());
            if let Some((user, password)) = &credentials {
                request = request.basic_auth(user, password.as_ref());
            }
            let retry_reason = match request.send().await {
                Ok(response) if response.status().is_server_error() && attempt < retries => {
                    format!("HTTP {}", response.status())
                }
                Ok(response) => return Ok(response),
                Err(error)
                    if (error.is_connect() || error.is_timeout() || error.is_request())
                        && attempt < retries =>
                {
                    describe(error)
                }
                Err(error) => {
                    return Err(IndexError::Network {
                        url: redact(url),
                        reason: describe(error),
                    });
                }
            };
            let delay = BACKOFF * 2u32.pow(attempt.min(10));
            tracing::debug!(
                "retrying {} in {delay:?} after: {retry_reason}",
                redact(url)
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// [`IndexClient::get`], turning non-success statuses into [`IndexError::Http`].
    async fn get_ok(&self, url: &Url, headers: HeaderMap) -> Result<reqwest::Response, IndexError> {
        let response = self.get(url, headers).await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(IndexError::Http {
                url: redact(url),
                status: response.status().as_u16(),
            })
        }
    }

    /// Reads a whole response body (pages, metadata files, range responses).
    pub(crate) async fn body(
        url: &Url,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, IndexError> {
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| IndexError::Network {
                url: redact(url),
                reason: describe(e),
            })
    }

    /// All files of `name` across the index and the extra indexes, primary index first
    /// (PEP 691 JSON preferred via `Accept`, PEP 503 HTML otherwise). Within one process each
    /// project is fetched once, even by concurrent callers; across processes pages are cached
    /// in the Simple bucket and revalidated with `ETag` / `Last-Modified`. When an index cannot
    /// be reached but a cached page exists, the cached page is used (with a warning).
    ///
    /// Errors: [`IndexError::NotFound`] when every index answers 404/410;
    /// [`IndexError::Network`] / [`IndexError::Http`] when an index fails (after retries);
    /// [`IndexError::Parse`] for malformed JSON.
    pub async fn project_files(&self, name: &PackageName) -> Result<Arc<ProjectFiles>, IndexError> {
        let cell = {
            let mut pages = self.inner.pages.lock().unwrap_or_else(|e| e.into_inner());
            pages.entry(name.clone()).or_default().clone()
        };
        let found = cell.get_or_try_init(|| self.fetch_project(name)).await?;
        found.clone().ok_or_else(|| IndexError::NotFound {
            name: name.clone(),
            indexes: self.inner.config.indexes().map(|i| i.to_string()).collect(),
        })
    }

    async fn fetch_project(
        &self,
        name: &PackageName,
    ) -> Result<Option<Arc<ProjectFiles>>, IndexError> {
        let pages = futures::future::try_join_all(
            self.inner
                .config
                .indexes()
                .map(|index| self.fetch_page(index, name)),
        )
        .await?;
        if pages.iter().all(Option::is_none) {
            return Ok(None);
        }
        Ok(Some(Arc::new(ProjectFiles {
            name: name.clone(),
            files: pages.into_iter().flatten().flatten().collect(),
        })))
    }

    /// The directory of `index`'s entries in `bucket`.
    fn index_dir(&self, bucket: CacheBucket, index: &IndexUrl) -> Result<PathBuf, IndexError> {
        let key = safe_key(index.without_credentials().as_str());
        Ok(self.inner.cache.bucket(bucket)?.join(key))
    }

    /// One index's files for `name`; `None` when the index has no such project.
    async fn fetch_page(
        &self,
        index: &IndexUrl,
        name: &PackageName,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let url = index.project_url(name);
        let cache_path = self
            .index_dir(CacheBucket::Simple, index)?
            .join(format!("{name}.json"));
        let cached: Option<CachedPage> = std::fs::read(&cache_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let parse = |page: &CachedPage| -> Result<Option<Vec<IndexFile>>, IndexError> {
            let page_url = Url::parse(&page.url).unwrap_or_else(|_| strip_credentials(&url));
            parse_project_page(&page.body, page.json, &page_url, name, index).map(Some)
        };

        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        if let Some(page) = &cached {
            let validators = [
                (header::IF_NONE_MATCH, &page.etag),
                (header::IF_MODIFIED_SINCE, &page.last_modified),
            ];
            for (name, value) in validators {
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(name, value);
                }
            }
        }
        let response = match (self.get(&url, headers).await, &cached) {
            (Ok(response), _) => response,
            (Err(error @ IndexError::Network { .. }), Some(page)) => {
                tracing::warn!("{error}; using the cached page for {name}");
                return parse(page);
            }
            (Err(error), _) => return Err(error),
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED
            && let Some(page) = &cached
        {
            tracing::debug!("{} not modified", redact(&url));
            return parse(page);
        }
        if is_not_found(status) {
            return Ok(None);
        }
        if !status.is_success() {
            if let (true, Some(page)) = (status.is_server_error(), &cached) {
                tracing::warn!("HTTP {status} from {}; using the cached page", redact(&url));
                return parse(page);
            }
            return Err(IndexError::Http {
                url: redact(&url),
                status: status.as_u16(),
            });
        }
        let header_text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let json = header_text(header::CONTENT_TYPE)
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with(JSON_MEDIA_TYPE));
        let page = CachedPage {
            url: strip_credentials(response.url()).to_string(),
            json,
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
            body: String::new(),
        };
        let body = Self::body(&url, response).await?;
        let page = CachedPage {
            body: String::from_utf8_lossy(&body).into_owned(),
            ..page
        };
        let files = parse(&page)?;
        if page.etag.is_some() || page.last_modified.is_some() {
            let bytes = serde_json::to_vec(&page).map_err(|e| IndexError::Parse {
                url: redact(&url),
                reason: format!("cannot serialize the page for the cache: {e}"),
            })?;
            write_atomic(&cache_path, &bytes)?;
        }
        Ok(files)
    }

    /// Where `file` lives in the Wheels bucket (whether or not it was downloaded yet).
    pub fn cached_path(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        Ok(self
            .index_dir(CacheBucket::Wheels, &file.index)?
            .join(safe_key(&file.raw_filename)))
    }

    /// Downloads `file` into the Wheels cache bucket (or finds it there) and returns the local
    /// path. The bytes are streamed to a temporary file while every hash the index gave
    /// (sha256/384/512) is checked, then renamed into place; a mismatch leaves nothing behind.
    ///
    /// Errors: [`IndexError::HashMismatch`], [`IndexError::Http`], [`IndexError::Network`],
    /// [`IndexError::Io`] / [`IndexError::Cache`] for local write failures.
    pub async fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        let path = self.cached_path(file)?;
        if path.is_file() {
            tracing::debug!("{} found in the cache", file.raw_filename);
            return Ok(path);
        }
        let response = self.get_ok(&file.url, HeaderMap::new()).await?;
        self.store(file, response, &path).await?;
        Ok(path)
    }

    /// Streams `response` (the whole of `file`) to `path`, verifying the index's hashes.
    async fn store(
        &self,
        file: &IndexFile,
        mut response: reqwest::Response,
        path: &Path,
    ) -> Result<(), IndexError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(IndexError::io(dir))?;
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(IndexError::io(dir))?;
        let mut hashers: Vec<(&HashDigest, Hasher)> = file
            .hashes
            .iter()
            .map(|digest| (digest, Hasher::new(digest.algorithm)))
            .collect();
        loop {
            let chunk = response.chunk().await.map_err(|e| IndexError::Network {
                url: redact(&file.url),
                reason: describe(e),
            })?;
            let Some(chunk) = chunk else { break };
            for (_, hasher) in &mut hashers {
                hasher.update(&chunk);
            }
            temp.write_all(&chunk)
                .map_err(IndexError::io(temp.path()))?;
        }
        check_hashes(&file.raw_filename, hashers)?;
        temp.persist(path).map_err(|e| IndexError::Io {
            path: path.to_path_buf(),
            source: e.error,
        })?;
        Ok(())
    }

    /// The core metadata of a wheel, from the cheapest source available:
    /// 1. the metadata cache (next to the wheel in the Wheels bucket) or an already downloaded
    ///    wheel;
    /// 2. the PEP 658/714 `<url>.metadata` file when the index offers it;
    /// 3. HTTP range requests into the remote zip: the tail (end of central directory and
    ///    central directory), then the `*.dist-info/METADATA` member;
    /// 4. the whole wheel, downloaded into the cache as [`IndexClient::download`] does, so a
    ///    later install reuses it (also when the server ignores `Range`).
    ///
    /// The result is cached on disk. The metadata's name and version must match the filename.
    ///
    /// Errors: [`IndexError::Metadata`] for source distributions, wheels without a readable
    /// `METADATA`, or metadata that does not parse or match; network, HTTP and hash errors as
    /// for [`IndexClient::download`].
    pub async fn wheel_metadata(&self, file: &IndexFile) -> Result<CoreMetadata, IndexError> {
        let DistFilename::Wheel(wheel) = &file.filename else {
            return Err(IndexError::Metadata {
                filename: file.raw_filename.clone(),
                reason: "it is a source distribution, not a wheel; it must be built to learn \
                         its metadata"
                    .to_string(),
            });
        };
        let wheel_path = self.cached_path(file)?;
        let metadata_path = wheel_path.with_file_name(format!(
            "{}.metadata",
            wheel_path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("wheel")
        ));
        let metadata_error = |reason: String| IndexError::Metadata {
            filename: file.raw_filename.clone(),
            reason,
        };
        if let Ok(bytes) = std::fs::read(&metadata_path)
            && let Ok(metadata) = CoreMetadata::parse(&bytes)
        {
            return Ok(metadata);
        }
        let bytes = if wheel_path.is_file() {
            crate::zip::metadata_from_file(&wheel_path, wheel, &file.raw_filename)?
        } else {
            self.fetch_metadata(file, wheel, &wheel_path).await?
        };
        let metadata = CoreMetadata::parse(&bytes).map_err(|e| metadata_error(e.to_string()))?;
        if metadata.name != wheel.name || metadata.version != wheel.version {
            return Err(metadata_error(format!(
                "its METADATA describes {} {}, not {} {}",
                metadata.name, metadata.version, wheel.name, wheel.version
            )));
        }
        write_atomic(&metadata_path, &bytes)?;
        Ok(metadata)
    }

    /// Steps 2 to 4 of [`IndexClient::wheel_metadata`].
    async fn fetch_metadata(
        &self,
        file: &IndexFile,
        wheel: &den_dist::WheelFilename,
        wheel_path: &Path,
    ) -> Result<Vec<u8>, IndexError> {
        if file.core_metadata {
            let mut url = file.url.clone();
            url.set_path(&format!("{}.metadata", file.url.path()));
            let response = self.get(&url, HeaderMap::new()).await?;
            if response.status().is_success() {
                let bytes = Self::body(&url, response).await?;
                verify(
                    &format!("{}.metadata", file.raw_filename),
                    &file.core_metadata_hashes,
                    &bytes,
                )?;
                return Ok(bytes);
            }
            tracing::debug!(
                "HTTP {} for {}; trying range requests",
                response.status(),
                redact(&url)
            );
        }
        let ranged = match crate::zip::RemoteZip::open(self, file).await {
            Ok(crate::zip::Opened::Remote(remote)) => remote.metadata(self, wheel).await,
            Ok(crate::zip::Opened::Whole(response)) => {
                tracing::debug!(
                    "{} ignores Range; downloading the whole wheel",
                    redact(&file.url)
                );
                self.store(file, response, wheel_path).await?;
                return crate::zip::metadata_from_file(wheel_path, wheel, &file.raw_filename);
            }
            Err(error) => Err(error),
        };
        match ranged {
            Ok(bytes) => return Ok(bytes),
            Err(error @ (IndexError::Network { .. } | IndexError::HashMismatch { .. })) => {
                return Err(error);
            }
            Err(error) => {
                tracing::debug!("range requests failed ({error}); downloading the wheel");
            }
        }
        let path = self.download(file).await?;
        crate::zip::metadata_from_file(&path, wheel, &file.raw_filename)
    }

    /// A GET of `url` with a `Range: bytes=<spec>` header (and no content encoding, so offsets
    /// are file offsets).
    pub(crate) async fn get_range(
        &self,
        url: &Url,
        spec: &str,
    ) -> Result<reqwest::Response, IndexError> {
        let mut headers = HeaderMap::new();
        let range =
            HeaderValue::from_str(&format!("bytes={spec}")).map_err(|e| IndexError::Parse {
                url: redact(url),
                reason: format!("bad range `{spec}`: {e}"),
            })?;
        headers.insert(header::RANGE, range);
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        self.get(url, headers).await
    }
}
