//! [`IndexClient`]: fetches project pages (HTTP-cached on disk, deduplicated in memory) from
//! the indexes and find-links locations; downloads and metadata live in `download.rs`.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use den_cache::{Cache, CacheBucket, LockGuard, safe_key, write_atomic_parts};
use den_dist::{IoResultExt, PackageName};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::OnceCell;
use url::Url;

use crate::connect::{HostGates, SharedResolver};
use crate::find_links::{FindLinks, Listing, Place, list_local};
use crate::freshness::{Storage, is_fresh, now, storage};
use crate::page::{
    ACCEPT, CompactPage, FILES_FORMAT, FileFilter, JSON_MEDIA_TYPE, VersionFilter,
    decode_files_where, encode_files, parse_html, parse_project_page,
};
use crate::url::{TrustedHost, credentials_of, host_and_port, is_loopback, strip_credentials};
use crate::{
    CachePolicy, IndexConfig, IndexError, IndexFile, IndexUrl, Netrc, ProjectFiles, ProjectListing,
    UploadedPriorTo, redact,
};

/// First retry delay; doubles on each further retry.
const BACKOFF: Duration = Duration::from_millis(250);

/// The `Accept` header for find-links pages, which are plain HTML.
const HTML_ACCEPT: &str = "text/html";

/// A page as stored in the Simple bucket: this header as one line of JSON, a newline, the
/// compact list of the page's files (`files_len` bytes of [`encode_files`]' form, version
/// `files_format`; none for find-links pages and pages that did not parse), then the body
/// exactly as received. Loading an index page reads the list, not the body (which costs a
/// JSON or HTML parse and a URL parse per file, and reading megabytes): the body is read and
/// parsed only when the list is damaged or of another format version, or the entry is
/// written back.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedPage {
    /// The URL the page was served from (after redirects, without credentials).
    url: String,
    /// Whether `body` is PEP 691 JSON (else PEP 503 HTML).
    json: bool,
    etag: Option<String>,
    last_modified: Option<String>,
    /// When the response was generated, Unix seconds (receipt time minus `Age`).
    generated: u64,
    /// Freshness lifetime in seconds (RFC 9111 §4.2.1); 0 means "revalidate before use".
    lifetime: u64,
    /// The [`FILES_FORMAT`] `files` was written in; 0 when there is no list.
    #[serde(default)]
    files_format: u32,
    /// The length of `files` in bytes.
    #[serde(default)]
    files_len: u64,
    /// The compact file list.
    #[serde(skip)]
    files: Vec<u8>,
    /// The page itself, once read ([`CachedPage::load_body`]).
    #[serde(skip)]
    body: String,
    /// The entry's file after its list, when the body has not been read yet: an index page
    /// whose list is intact needs no body, so it is read only when used. The open file is
    /// the entry that was read, even if another process has replaced it since.
    #[serde(skip)]
    unread: Option<std::io::BufReader<std::fs::File>>,
}

impl CachedPage {
    /// Loads a cache entry; `None` when missing or unreadable (then it is fetched anew).
    fn read(path: &Path) -> Option<Self> {
        let file = std::fs::File::open(path).ok()?;
        let size = file.metadata().ok()?.len();
        let mut reader = std::io::BufReader::new(file);
        let mut header = Vec::new();
        reader.read_until(b'\n', &mut header).ok()?;
        let mut page: Self = serde_json::from_slice(&header).ok()?;
        // The list is kept for the whole resolution: read into a buffer of its size (growing
        // one as it fills would leave up to twice that allocated), bounded by the file's size
        // so that a damaged length allocates nothing more, and `take` reading no further.
        let capacity = page.files_len.min(size);
        page.files = Vec::with_capacity(usize::try_from(capacity).ok()?);
        (&mut reader)
            .take(page.files_len)
            .read_to_end(&mut page.files)
            .ok()?;
        if page.files.len() as u64 != page.files_len {
            return None;
        }
        page.unread = Some(reader);
        Some(page)
    }

    /// Reads the body of an entry loaded by [`CachedPage::read`] if it has not been read.
    ///
    /// Errors: [`IndexError::Parse`] when the rest of the entry cannot be read (a damaged or
    /// vanished cache file).
    fn load_body(&mut self) -> Result<&str, IndexError> {
        if let Some(mut reader) = self.unread.take() {
            reader
                .read_to_string(&mut self.body)
                .map_err(|e| IndexError::Parse {
                    url: self.url.clone(),
                    reason: format!("the cached page cannot be read: {e}"),
                })?;
        }
        Ok(&self.body)
    }

    /// Stores the entry atomically (its body read first if it was not).
    fn write(&mut self, path: &Path) -> Result<(), IndexError> {
        self.load_body()?;
        let mut header = serde_json::to_vec(self).map_err(|e| IndexError::Parse {
            url: self.url.clone(),
            reason: format!("cannot serialize the page for the cache: {e}"),
        })?;
        header.push(b'\n');
        let parts = [header.as_slice(), &self.files, self.body.as_bytes()];
        Ok(write_atomic_parts(path, &parts)?)
    }

    /// The URL relative links resolve against: the page's own, else `fallback`.
    fn base(&self, fallback: impl FnOnce() -> Url) -> Url {
        Url::parse(&self.url).unwrap_or_else(|_| fallback())
    }

    /// The files of the index page of `name` on `index` whose version `wanted` and then
    /// `cutoff` admit: from the compact list when it is there, of this format and intact,
    /// else parsed from the body.
    ///
    /// Errors: [`IndexError::Parse`] for a JSON body that does not follow PEP 691;
    /// [`IndexError::NoUploadTime`] (naming this page) when a `cutoff` is given and a file
    /// `wanted` admits has no upload time.
    fn index_files(
        &mut self,
        index: &IndexUrl,
        name: &PackageName,
        wanted: VersionFilter<'_>,
        cutoff: Option<UploadedPriorTo>,
    ) -> Result<Vec<IndexFile>, IndexError> {
        let mut files = self.files_where(index, name, wanted)?;
        if let Some(cutoff) = cutoff {
            cutoff.retain(&mut files, |_| self.url.clone())?;
        }
        Ok(files)
    }

    /// [`CachedPage::index_files`] without a cutoff.
    fn files_where(
        &mut self,
        index: &IndexUrl,
        name: &PackageName,
        wanted: VersionFilter<'_>,
    ) -> Result<Vec<IndexFile>, IndexError> {
        if self.files_format == FILES_FORMAT {
            match decode_files_where(&self.files, name, index, wanted) {
                Some(files) => return Ok(files),
                None => tracing::debug!("damaged file list of `{name}` in the cache; parsing"),
            }
        }
        let page_url = self.base(|| index.without_credentials());
        let json = self.json;
        let mut files = parse_project_page(self.load_body()?, json, &page_url, name, index)?;
        files.retain(|file| wanted(file.filename.version()));
        Ok(files)
    }

    /// Makes the compact file list of the index page of `name` on `index` unless it has one
    /// of this format; a body that does not parse keeps none (reading it reports the error).
    fn list_files(&mut self, index: &IndexUrl, name: &PackageName) {
        if self.files_format == FILES_FORMAT {
            return;
        }
        let (files_format, files) = match self.files_where(index, name, &|_| true) {
            Ok(files) => (FILES_FORMAT, encode_files(&files)),
            Err(_) => (0, Vec::new()),
        };
        self.files_format = files_format;
        self.files_len = files.len() as u64;
        self.files = files;
    }

    fn is_fresh(&self) -> bool {
        is_fresh(self.generated, self.lifetime, now())
    }
}

/// The find-links files `wanted` admits that `cutoff` (pip's `--uploaded-prior-to`) leaves.
///
/// Errors: [`IndexError::NoUploadTime`] naming the location of a file without an upload time
/// (see [`UploadedPriorTo::retain`]).
fn admitted_links(
    links: Vec<IndexFile>,
    cutoff: Option<UploadedPriorTo>,
    wanted: impl Fn(&IndexFile) -> bool,
) -> Result<Vec<IndexFile>, IndexError> {
    let mut links: Vec<IndexFile> = links.into_iter().filter(|file| wanted(file)).collect();
    if let Some(cutoff) = cutoff {
        cutoff.retain(&mut links, |file| file.origin.to_string())?;
    }
    Ok(links)
}

/// What fetching one page gave.
enum Fetched {
    /// The page, from the network or the cache.
    Page(CachedPage),
    /// 404 or 410.
    NotFound,
    /// Offline and not in the cache.
    NotCached,
}

/// What [`IndexClient::gather`] found of a project.
struct Gathered<'a> {
    /// Each index's page, in index order, with the index.
    pages: Vec<(&'a IndexUrl, CachedPage)>,
    /// The files of every find-links location, in their order.
    links: Vec<IndexFile>,
}

/// `None` in a finished cell means "not found on any index or find-links location".
type PageCell = Arc<OnceCell<Option<Arc<ProjectFiles>>>>;

struct Inner {
    config: IndexConfig,
    cache: Cache,
    /// What both HTTP clients are built from.
    http_settings: HttpSettings,
    /// The client for hosts whose certificates are verified, built on first use.
    http: OnceCell<reqwest::Client>,
    /// The client for trusted hosts (no certificate verification), built on first use.
    trusted_http: OnceCell<reqwest::Client>,
    trusted_hosts: Vec<TrustedHost>,
    find_links: Vec<FindLinks>,
    netrc: Option<Netrc>,
    pages: Mutex<HashMap<PackageName, PageCell>>,
    /// The DNS resolver both HTTP clients share: one lookup per host.
    resolver: Arc<SharedResolver>,
    /// First-request-alone gates per host.
    gates: HostGates,
    /// Told about each download as it goes ([`IndexClient::set_download_reporter`]).
    reporter: std::sync::OnceLock<Arc<dyn DownloadReporter>>,
}

/// Told about downloads as they happen, so a terminal can show their progress (den draws
/// progress bars with bytes and rates). Implementations must be cheap: `advance` is called for
/// every chunk received.
pub trait DownloadReporter: Send + Sync {
    /// `filename` started downloading; `size` is its length in bytes when the server said.
    fn started(&self, filename: &str, size: Option<u64>) -> Box<dyn DownloadProgress>;
}

/// One download's progress. Dropped when the download ends, whether it finished or failed.
pub trait DownloadProgress: Send {
    /// `bytes` more bytes arrived.
    fn advance(&self, bytes: u64);
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

fn is_not_found(status: StatusCode) -> bool {
    matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE)
}

/// Says on `-v` (tracing's info level) where packages will be looked for, as pip's "Looking in
/// indexes" does: the indexes (credentials hidden) or `--no-index`, the find-links locations,
/// and whether the cache alone is used (`--offline`).
fn describe_sources(config: &IndexConfig) {
    // Built only when shown: every index client made (several per command) passes here.
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let mut line = if config.no_index {
        "no index (--no-index)".to_string()
    } else {
        let indexes: Vec<String> = std::iter::once(&config.index_url)
            .chain(&config.extra_index_urls)
            .map(ToString::to_string)
            .collect();
        format!("looking in indexes: {}", indexes.join(", "))
    };
    if !config.find_links.is_empty() {
        let links: Vec<String> = config
            .find_links
            .iter()
            .map(|l| den_dist::redact_credentials(l).into_owned())
            .collect();
        line.push_str(&format!("; in links: {}", links.join(", ")));
    }
    if config.cache_policy == CachePolicy::Offline {
        line.push_str(" (offline: from den's cache only)");
    }
    tracing::info!("{line}");
}

/// What the HTTP clients are built from, read from the configuration when the index client is
/// made (so a bad `--cert`, `--client-cert` or `--proxy` is reported at once), while the
/// clients themselves, which load the system's CA bundle (a few milliseconds), are built on
/// first use: a run served from the cache builds none.
struct HttpSettings {
    /// `--cert`'s certificates, added to the system's roots.
    certificates: Vec<reqwest::Certificate>,
    /// `--proxy`, for every scheme.
    proxy: Option<reqwest::Proxy>,
    /// `--client-cert`'s certificate and key.
    identity: Option<reqwest::Identity>,
}

impl HttpSettings {
    /// Reads `config`'s certificate files and proxy URL.
    ///
    /// Errors: [`IndexError::Certificate`] for an unreadable or empty `config.cert` or a
    /// `config.client_cert` without a certificate and key; [`IndexError::Config`] for a proxy
    /// that is not a URL.
    fn read(config: &IndexConfig) -> Result<Self, IndexError> {
        let cert_error = |path: &PathBuf, reason: String| IndexError::Certificate {
            path: path.clone(),
            reason,
        };
        let mut certificates = Vec::new();
        if let Some(path) = &config.cert {
            let pem = std::fs::read(path).map_err(|e| cert_error(path, e.to_string()))?;
            certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| cert_error(path, describe(e)))?;
            if certificates.is_empty() {
                return Err(cert_error(path, "it holds no PEM certificate".to_string()));
            }
        }
        let proxy = config
            .proxy
            .as_ref()
            .map(|proxy| {
                reqwest::Proxy::all(proxy).map_err(|e| IndexError::Config {
                    file: PathBuf::from("--proxy"),
                    line: None,
                    reason: format!(
                        "`{}` is not a proxy URL: {}",
                        den_dist::redact_credentials(proxy),
                        describe(e)
                    ),
                })
            })
            .transpose()?;
        let identity = config
            .client_cert
            .as_ref()
            .map(|path| {
                let pem = std::fs::read(path).map_err(|e| cert_error(path, e.to_string()))?;
                reqwest::Identity::from_pem(&pem).map_err(|e| {
                    cert_error(
                        path,
                        format!(
                            "it must hold a client certificate and its private key in PEM: {}",
                            describe(e)
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            certificates,
            proxy,
            identity,
        })
    }
}

/// A reqwest client with den's user agent, `config`'s timeouts, `settings` and the shared DNS
/// `resolver`; `verify` off skips certificate verification (trusted hosts), and then the CA
/// bundle is not loaded.
///
/// Errors: [`IndexError::Certificate`] when TLS cannot be set up.
fn build_http(
    config: &IndexConfig,
    settings: &HttpSettings,
    verify: bool,
    resolver: Arc<SharedResolver>,
) -> Result<reqwest::Client, IndexError> {
    let mut builder = reqwest::Client::builder()
        .dns_resolver(resolver)
        .user_agent(concat!("den/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.timeout)
        .read_timeout(config.timeout);
    if !verify {
        builder = builder.danger_accept_invalid_certs(true);
    } else {
        for certificate in &settings.certificates {
            builder = builder.add_root_certificate(certificate.clone());
        }
    }
    if config.no_proxy_env {
        builder = builder.no_proxy();
    }
    if let Some(proxy) = &settings.proxy {
        builder = builder.proxy(proxy.clone());
    }
    if let Some(identity) = &settings.identity {
        builder = builder.identity(identity.clone());
    }
    builder.build().map_err(|e| IndexError::Certificate {
        path: config.cert.clone().unwrap_or_default(),
        reason: format!("cannot set up TLS: {}", describe(e)),
    })
}

impl IndexClient {
    /// A client for `config`, storing pages, files and metadata in `cache`; credentials for
    /// hosts without any in their URL come from the netrc file (`NETRC`, else `~/.netrc`).
    ///
    /// Errors: [`IndexError::Certificate`] if `config.cert` cannot be read or holds no PEM
    /// certificate; [`IndexError::Io`] if the netrc file exists but cannot be read;
    /// [`IndexError::InvalidUrl`] for a malformed trusted host; [`IndexError::FindLinks`] for
    /// a find-links value that is neither a path nor an `http(s)`/`file` URL.
    pub fn new(config: IndexConfig, cache: Cache) -> Result<Self, IndexError> {
        Self::with_netrc(config, cache, Netrc::from_env()?)
    }

    /// Like [`IndexClient::new`] with explicit netrc credentials (`None`: no netrc).
    ///
    /// Errors: as [`IndexClient::new`], except for reading the netrc file.
    pub fn with_netrc(
        config: IndexConfig,
        cache: Cache,
        netrc: Option<Netrc>,
    ) -> Result<Self, IndexError> {
        let resolver = Arc::new(SharedResolver::default());
        let http_settings = HttpSettings::read(&config)?;
        describe_sources(&config);
        let trusted_hosts = config
            .trusted_hosts
            .iter()
            .map(|raw| TrustedHost::parse(raw))
            .collect::<Result<_, _>>()?;
        let find_links = config
            .find_links
            .iter()
            .map(|raw| FindLinks::parse(raw))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                cache,
                http_settings,
                http: OnceCell::new(),
                trusted_http: OnceCell::new(),
                trusted_hosts,
                find_links,
                netrc,
                pages: Mutex::new(HashMap::new()),
                resolver,
                gates: HostGates::default(),
                reporter: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Reports every download this client (and its clones) makes from now on to `reporter`;
    /// a second call is ignored (the first reporter stays).
    pub fn set_download_reporter(&self, reporter: Arc<dyn DownloadReporter>) {
        let _ = self.inner.reporter.set(reporter);
    }

    /// A progress handle for a download of `filename` (`size` bytes when known), when a
    /// reporter is set.
    pub(crate) fn download_started(
        &self,
        filename: &str,
        size: Option<u64>,
    ) -> Option<Box<dyn DownloadProgress>> {
        self.inner
            .reporter
            .get()
            .map(|reporter| reporter.started(filename, size))
    }

    /// The configuration this client uses.
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }

    pub(crate) fn is_offline(&self) -> bool {
        self.inner.config.cache_policy == CachePolicy::Offline
    }

    /// Credentials for `url`: its own, else those of a configured index or find-links URL on
    /// the same host and port, else the netrc entry for its host.
    fn credentials_for(&self, url: &Url) -> Option<(String, Option<String>)> {
        if let Some(credentials) = credentials_of(url) {
            return Some(credentials);
        }
        let same_origin = |other: &&Url| {
            other.host_str() == url.host_str()
                && other.port_or_known_default() == url.port_or_known_default()
        };
        let find_links = self.inner.find_links.iter().filter_map(|f| match &f.place {
            Place::Remote(url) => Some(url),
            Place::Local(_) => None,
        });
        let configured = self.inner.config.indexes().map(IndexUrl::url);
        if let Some(credentials) = configured
            .chain(find_links)
            .filter(same_origin)
            .find_map(credentials_of)
        {
            return Some(credentials);
        }
        let host = url.host_str()?;
        let (login, password) = self.inner.netrc.as_ref()?.lookup(host)?;
        Some((login.to_string(), password.map(str::to_string)))
    }

    /// The HTTP client for `url`: the unverified one for trusted hosts, else the verifying
    /// one.
    ///
    /// Errors: [`IndexError::InsecureHost`] for plain `http` to a host neither trusted nor
    /// loopback; [`IndexError::InvalidUrl`] for schemes other than `http(s)`.
    async fn http_for(&self, url: &Url) -> Result<&reqwest::Client, IndexError> {
        let trusted = self.inner.trusted_hosts.iter().any(|t| t.matches(url));
        let verified = match url.scheme() {
            "https" => !trusted,
            "http" if trusted || is_loopback(url) => true,
            "http" => {
                return Err(IndexError::InsecureHost {
                    url: redact(url),
                    host: host_and_port(url),
                });
            }
            other => {
                return Err(IndexError::InvalidUrl {
                    url: redact(url),
                    reason: format!("den cannot fetch `{other}` URLs; use http(s) or a local path"),
                });
            }
        };
        let inner = &*self.inner;
        let client = if verified {
            &inner.http
        } else {
            &inner.trusted_http
        };
        client
            .get_or_try_init(|| async {
                build_http(
                    &inner.config,
                    &inner.http_settings,
                    verified,
                    inner.resolver.clone(),
                )
            })
            .await
    }

    /// GETs `url` with `headers`, retrying connection errors, timeouts and 5xx answers with
    /// exponential backoff. Returns the last response, whatever its status.
    ///
    /// Errors: [`IndexError::Timeout`] when every try timed out; [`IndexError::Network`]
    /// once the retries are exhausted on other failures; [`IndexError::Offline`] in offline
    /// mode (a guard: callers check the cache first); the errors of `http_for`.
    pub(crate) async fn get(
        &self,
        url: &Url,
        headers: HeaderMap,
    ) -> Result<reqwest::Response, IndexError> {
        if self.is_offline() {
            return Err(IndexError::Offline { what: redact(url) });
        }
        let http = self.http_for(url).await?;
        let mut clean = strip_credentials(url);
        clean.set_fragment(None);
        let credentials = self.credentials_for(url);
        let retries = self.inner.config.retries;
        let mut tries = 0;
        loop {
            tries += 1;
            let mut request = http.get(clean.clone()).headers(headers.clone());
            if let Some((user, password)) = &credentials {
                request = request.basic_auth(user, password.as_ref());
            }
            let retry_reason = match self.inner.gates.send(&clean, request).await {
                Ok(response) if response.status().is_server_error() && tries <= retries => {
                    format!("HTTP {}", response.status())
                }
                Ok(response) => return Ok(response),
                Err(error) if error.is_connect() || error.is_timeout() || error.is_request() => {
                    if tries <= retries {
                        describe(error)
                    } else if error.is_timeout() {
                        return Err(IndexError::Timeout {
                            url: redact(url),
                            tries,
                            timeout: self.inner.config.timeout,
                        });
                    } else {
                        let plural = if tries == 1 { "try" } else { "tries" };
                        return Err(IndexError::Network {
                            url: redact(url),
                            reason: format!("{} ({tries} {plural})", describe(error)),
                        });
                    }
                }
                Err(error) => {
                    return Err(IndexError::Network {
                        url: redact(url),
                        reason: describe(error),
                    });
                }
            };
            let delay = BACKOFF * 2u32.pow((tries - 1).min(10));
            tracing::debug!(
                "retrying {} in {delay:?} after: {retry_reason}",
                redact(url)
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// [`IndexClient::get`], turning non-success statuses into [`IndexError::Http`].
    pub(crate) async fn get_ok(
        &self,
        url: &Url,
        headers: HeaderMap,
    ) -> Result<reqwest::Response, IndexError> {
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

    /// The error for a failure while receiving the body of `url`'s response: a
    /// [`IndexError::Timeout`] (of that one try) when the server stalled, else
    /// [`IndexError::Network`].
    pub(crate) fn transfer_error(&self, url: &Url, error: reqwest::Error) -> IndexError {
        if error.is_timeout() {
            IndexError::Timeout {
                url: redact(url),
                tries: 1,
                timeout: self.inner.config.timeout,
            }
        } else {
            IndexError::Network {
                url: redact(url),
                reason: describe(error),
            }
        }
    }

    /// Reads a whole response body (pages, metadata files, range responses).
    ///
    /// Errors: see [`IndexClient::transfer_error`].
    pub(crate) async fn body(
        &self,
        url: &Url,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, IndexError> {
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| self.transfer_error(url, e))
    }

    /// Takes the cross-process lock for the cache entry at `path` in `bucket` (waiting on a
    /// blocking thread while another den process holds it).
    ///
    /// Errors: [`IndexError::Cache`] when the lock file cannot be created or locked.
    pub(crate) async fn lock_entry(
        &self,
        bucket: CacheBucket,
        path: &Path,
    ) -> Result<LockGuard, IndexError> {
        let cache = self.inner.cache.clone();
        let key = safe_key(&path.to_string_lossy());
        tokio::task::spawn_blocking(move || cache.lock(bucket, &key))
            .await
            .map_err(|e| std::io::Error::other(format!("the lock task failed: {e}")))
            .at("lock", path)?
            .map_err(IndexError::from)
    }

    /// All files of `name`: those on the index and the extra indexes (primary first; none
    /// with `no_index`), then those in the find-links locations, in configuration order.
    /// Index pages are asked for as PEP 691 JSON (via `Accept`), else PEP 503 HTML.
    ///
    /// Caching: within one process each project is fetched once, even by concurrent callers.
    /// Across processes, pages are stored in the Simple bucket with their freshness (RFC 9111:
    /// `Cache-Control: max-age` minus `Age`, `no-cache`, `no-store`, `Expires`, else
    /// [`DEFAULT_FRESHNESS`](crate::DEFAULT_FRESHNESS)). A fresh page is used without any
    /// request; a stale one is revalidated with `ETag` / `Last-Modified` (always, with
    /// [`CachePolicy::Refresh`]). When an index cannot be reached or answers 5xx but a cached
    /// page exists, the cached page is used (with a warning). With
    /// [`CachePolicy::Offline`] only cached pages are read; indexes without one are skipped.
    ///
    /// Errors: [`IndexError::NotFound`] when no index has the project and no find-links
    /// location has a file of it; [`IndexError::Offline`] when offline and no page of it is
    /// cached; [`IndexError::Network`] / [`IndexError::Timeout`] / [`IndexError::Http`] when
    /// an index fails (after retries); [`IndexError::Parse`] for malformed JSON;
    /// [`IndexError::FindLinks`] for an unreadable find-links location.
    pub async fn project_files(&self, name: &PackageName) -> Result<Arc<ProjectFiles>, IndexError> {
        let cell = {
            let mut pages = self.inner.pages.lock().unwrap_or_else(|e| e.into_inner());
            pages.entry(name.clone()).or_default().clone()
        };
        let found = cell
            .get_or_try_init(|| self.fetch_project(name, &|_| true))
            .await?;
        found.clone().ok_or_else(|| self.not_found(name))
    }

    /// The files of `name` whose version `wanted` admits, as [`IndexClient::project_files`]
    /// finds them (same indexes, cache and errors), for a caller that knows no other version
    /// can be used (a pinned requirement): the other files of each page are skipped before
    /// they are built. The list may hold more than asked (when this process has already read
    /// the whole list, that is returned); when no file is admitted, every file is returned,
    /// so the caller can say what exists. Not kept in the process's page table: the full list
    /// is read again if asked for.
    ///
    /// Errors: as [`IndexClient::project_files`].
    pub async fn project_files_where(
        &self,
        name: &PackageName,
        wanted: VersionFilter<'_>,
    ) -> Result<Arc<ProjectFiles>, IndexError> {
        let whole = {
            let pages = self.inner.pages.lock().unwrap_or_else(|e| e.into_inner());
            pages.get(name).and_then(|cell| cell.get().cloned())
        };
        match whole {
            Some(Some(files)) => Ok(files),
            Some(None) => Err(self.not_found(name)),
            None => match self.fetch_project(name, wanted).await? {
                Some(files) if !files.files.is_empty() => Ok(files),
                Some(_) => self.project_files(name).await,
                None => Err(self.not_found(name)),
            },
        }
    }

    /// [`IndexError::NotFound`] for `name`, naming every index and find-links location asked.
    fn not_found(&self, name: &PackageName) -> IndexError {
        let mut indexes: Vec<String> = self
            .inner
            .config
            .indexes_for(name)
            .into_iter()
            .map(|i| i.to_string())
            .chain(self.inner.find_links.iter().map(|f| f.origin.to_string()))
            .collect();
        if indexes.is_empty() {
            indexes.push("no index at all (--no-index without --find-links)".to_string());
        }
        IndexError::NotFound {
            name: name.clone(),
            indexes,
        }
    }

    /// The files of `name` on every index and find-links location whose version `wanted`
    /// admits; `None` when none has the project.
    async fn fetch_project(
        &self,
        name: &PackageName,
        wanted: VersionFilter<'_>,
    ) -> Result<Option<Arc<ProjectFiles>>, IndexError> {
        let Some(Gathered { pages, links }) = self.gather(name).await? else {
            return Ok(None);
        };
        let found = !pages.is_empty();
        let cutoff = self.inner.config.uploaded_prior_to;
        let mut files = Vec::new();
        for (index, mut page) in pages {
            files.extend(page.index_files(index, name, wanted, cutoff)?);
        }
        files.extend(admitted_links(links, cutoff, |file| {
            wanted(file.filename.version())
        })?);
        if !found && files.is_empty() {
            return Ok(None);
        }
        // Collected into a fresh vector: an in-place collect would keep the entries' much
        // larger allocation alive for as long as the page is.
        let mut shared = Vec::with_capacity(files.len());
        shared.extend(files.into_iter().map(Arc::new));
        Ok(Some(Arc::new(ProjectFiles {
            name: name.clone(),
            files: shared,
        })))
    }

    /// The versions of `name` with their files, found as [`IndexClient::project_files`]
    /// finds them (same indexes, cache and errors) but built only when asked, a version at a
    /// time ([`ProjectListing`]): for a resolver, which looks at a few versions of each
    /// project. Only the files `list` admits count (the others are as if not listed); of
    /// those the listing keeps the ones `keep` admits, the others only making their version
    /// known. Not kept in the process's page table.
    ///
    /// Errors: as [`IndexClient::project_files`].
    pub async fn project_listing(
        &self,
        name: &PackageName,
        list: FileFilter<'_>,
        keep: FileFilter<'_>,
    ) -> Result<ProjectListing, IndexError> {
        let Some(Gathered { pages, links }) = self.gather(name).await? else {
            return Err(self.not_found(name));
        };
        let cutoff = self.inner.config.uploaded_prior_to;
        let mut listing = ProjectListing::new(name.clone());
        for (index, mut page) in pages {
            if page.files_format == FILES_FORMAT {
                let bytes = std::mem::take(&mut page.files);
                match CompactPage::scan(bytes, name, index, list, keep, cutoff) {
                    Some(scanned) if scanned.no_upload_time => {
                        return Err(IndexError::NoUploadTime { location: page.url });
                    }
                    Some(scanned) => {
                        if listing.add_page(scanned.page, scanned.entries).is_some() {
                            continue;
                        }
                    }
                    None => tracing::debug!("damaged file list of `{name}` in the cache; parsing"),
                }
                page.files_format = 0;
            }
            let mut files = page.files_where(index, name, &|_| true)?;
            files.retain(|file| list(&file.filename));
            if let Some(cutoff) = cutoff {
                cutoff.retain(&mut files, |_| page.url.clone())?;
            }
            listing.add_files(files, keep);
        }
        let links = admitted_links(links, cutoff, |file| list(&file.filename))?;
        listing.add_files(links, keep);
        Ok(listing)
    }

    /// The pages of `name` on every index (in index order) and its files in every find-links
    /// location; `None` when none has the project.
    async fn gather(&self, name: &PackageName) -> Result<Option<Gathered<'_>>, IndexError> {
        let indexes = self.inner.config.indexes_for(name);
        let pages =
            futures::future::try_join_all(indexes.iter().map(|index| self.fetch_page(index, name)));
        let links = futures::future::try_join_all(
            self.inner
                .find_links
                .iter()
                .map(|links| self.find_links_files(links, name)),
        );
        let (pages, links) = futures::future::try_join(pages, links).await?;
        let mut found = Vec::new();
        let mut uncached = Vec::new();
        for (index, page) in indexes.into_iter().zip(pages) {
            match page {
                Fetched::Page(page) => found.push((index, page)),
                Fetched::NotFound => {}
                Fetched::NotCached => uncached.push(redact(&index.project_url(name))),
            }
        }
        let mut files = Vec::new();
        for (links, listed) in self.inner.find_links.iter().zip(links) {
            match listed {
                Some(listed) => files.extend(listed),
                None => uncached.push(links.origin.to_string()),
            }
        }
        if found.is_empty() && files.is_empty() {
            if !uncached.is_empty() {
                return Err(IndexError::Offline {
                    what: format!("the page of project `{name}` ({})", uncached.join(", ")),
                });
            }
            return Ok(None);
        }
        if !uncached.is_empty() {
            tracing::debug!(
                "offline: not in the cache, skipped: {}",
                uncached.join(", ")
            );
        }
        Ok(Some(Gathered {
            pages: found,
            links: files,
        }))
    }

    /// The directory in `bucket` of the entries of `key` (an index or find-links URL without
    /// credentials, or a find-links location).
    pub(crate) fn cache_dir(&self, bucket: CacheBucket, key: &str) -> Result<PathBuf, IndexError> {
        Ok(self.inner.cache.bucket(bucket)?.join(safe_key(key)))
    }

    /// One index's page for `name`.
    async fn fetch_page(
        &self,
        index: &IndexUrl,
        name: &PackageName,
    ) -> Result<Fetched, IndexError> {
        let url = index.project_url(name);
        let path = self
            .cache_dir(CacheBucket::Simple, index.without_credentials().as_str())?
            .join(format!("{name}.json"));
        self.fetch_cached(&url, &path, ACCEPT, Some((index, name)))
            .await
    }

    /// `links`' files of `name`; `None` for a remote page not cached in offline mode.
    async fn find_links_files(
        &self,
        links: &FindLinks,
        name: &PackageName,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let listing = links
            .listing
            .get_or_try_init(|| async {
                match &links.place {
                    Place::Local(path) => Ok(Some(Arc::new(list_local(path, &links.origin)?))),
                    Place::Remote(url) => self.list_remote(url, &links.origin).await,
                }
            })
            .await?;
        Ok(listing
            .as_ref()
            .map(|listing| listing.files_of(name, &links.origin)))
    }

    /// Fetches (through the page cache) and parses a find-links HTML page.
    async fn list_remote(
        &self,
        url: &Url,
        origin: &crate::FileOrigin,
    ) -> Result<Option<Arc<Listing>>, IndexError> {
        let path = self
            .cache_dir(CacheBucket::Simple, "find-links")?
            .join(safe_key(strip_credentials(url).as_str()));
        match self.fetch_cached(url, &path, HTML_ACCEPT, None).await? {
            Fetched::Page(mut page) => {
                let page_url = page.base(|| strip_credentials(url));
                Ok(Some(Arc::new(Listing::new(parse_html(
                    page.load_body()?,
                    &page_url,
                )))))
            }
            Fetched::NotCached => Ok(None),
            Fetched::NotFound => Err(IndexError::FindLinks {
                location: origin.to_string(),
                reason: "the page was not found (HTTP 404); check the URL".to_string(),
            }),
        }
    }

    /// A page through the Simple-bucket cache at `path`: used without a request while fresh
    /// (or whenever offline), else fetched with the cached validators under the entry's
    /// cross-process lock, and stored back as the response's caching headers allow. `lister`
    /// names the index and project of an index page, whose stored entry then carries the
    /// compact list of its files; find-links pages pass `None`.
    async fn fetch_cached(
        &self,
        url: &Url,
        path: &Path,
        accept: &'static str,
        lister: Option<(&IndexUrl, &PackageName)>,
    ) -> Result<Fetched, IndexError> {
        let config = &self.inner.config;
        let policy = match (config.cache_policy, lister) {
            (CachePolicy::Normal, Some((_, name))) if config.refresh_projects.contains(name) => {
                CachePolicy::Refresh
            }
            (policy, _) => policy,
        };
        let cached = CachedPage::read(path);
        match (policy, cached) {
            (CachePolicy::Offline, Some(page)) => return Ok(Fetched::Page(page)),
            (CachePolicy::Offline, None) => return Ok(Fetched::NotCached),
            (CachePolicy::Normal, Some(page)) if page.is_fresh() => {
                return Ok(Fetched::Page(page));
            }
            _ => {}
        }
        let _lock = self.lock_entry(CacheBucket::Simple, path).await?;
        // Another den process may have refreshed the page while this one waited.
        let cached = match CachedPage::read(path) {
            Some(page) if policy == CachePolicy::Normal && page.is_fresh() => {
                return Ok(Fetched::Page(page));
            }
            cached => cached,
        };

        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
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
        let response = match self.get(url, headers).await {
            Ok(response) => response,
            Err(error @ (IndexError::Network { .. } | IndexError::Timeout { .. })) => {
                let Some(page) = cached else {
                    return Err(error);
                };
                tracing::warn!("{error}; using the cached page");
                return Ok(Fetched::Page(page));
            }
            Err(error) => return Err(error),
        };
        let status = response.status();
        let received = now();
        if status == StatusCode::NOT_MODIFIED
            && let Some(mut page) = cached
        {
            tracing::info!("{}: not modified, the cached page stands", redact(url));
            // RFC 9111 §4.3.4: the 304's caching headers replace the stored ones.
            match storage(response.headers(), received) {
                Storage::Store {
                    generated,
                    lifetime,
                } => {
                    page.generated = generated;
                    page.lifetime = lifetime;
                    if let Some((index, name)) = lister {
                        page.list_files(index, name);
                    }
                    page.write(path)?;
                }
                Storage::NoStore => remove_entry(path),
            }
            return Ok(Fetched::Page(page));
        }
        if is_not_found(status) {
            return Ok(Fetched::NotFound);
        }
        if !status.is_success() {
            if let (true, Some(page)) = (status.is_server_error(), cached) {
                tracing::warn!("HTTP {status} from {}; using the cached page", redact(url));
                return Ok(Fetched::Page(page));
            }
            return Err(IndexError::Http {
                url: redact(url),
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
        let rule = storage(response.headers(), received);
        let (generated, lifetime) = match rule {
            Storage::Store {
                generated,
                lifetime,
            } => (generated, lifetime),
            Storage::NoStore => (received, 0),
        };
        let mut page = CachedPage {
            url: strip_credentials(response.url()).to_string(),
            json,
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
            generated,
            lifetime,
            files_format: 0,
            files_len: 0,
            files: Vec::new(),
            body: String::new(),
            unread: None,
        };
        let body = self.body(url, response).await?;
        tracing::info!(
            "{}: fetched the page ({})",
            redact(url),
            crate::format_size(body.len() as u64)
        );
        page.body = String::from_utf8(body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        match rule {
            Storage::Store { .. } => {
                if let Some((index, name)) = lister {
                    page.list_files(index, name);
                }
                page.write(path)?;
            }
            Storage::NoStore => remove_entry(path),
        }
        Ok(Fetched::Page(page))
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

/// Drops a cache entry the server said not to store (`no-store`); a missing one is fine.
fn remove_entry(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove {} from the cache: {e}", path.display());
    }
}
