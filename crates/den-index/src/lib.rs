//! den-index: the client for Python package indexes.
//!
//! - [`IndexConfig`]: which indexes to use (command line, `DEN_INDEX_URL`, `PIP_INDEX_URL`,
//!   pip config files), find-links locations, `--no-index`, trusted hosts, CA bundle,
//!   timeout, retries and the [`CachePolicy`] (`--refresh`, `--offline`).
//! - [`IndexClient`]: project pages in PEP 691 JSON or PEP 503 HTML ([`ProjectFiles`] /
//!   [`IndexFile`]; for a resolver, [`ProjectListing`]: by version, each version's files built
//!   when asked) merged with find-links files, cached on disk with HTTP freshness
//!   (RFC 9111) and revalidated; wheel metadata through PEP 658/714 metadata files, HTTP
//!   range requests or a full download; downloads (index files and direct URLs) verified
//!   against hashes and written atomically into the cache under cross-process locks, also
//!   handed to a caller chunk by chunk as they arrive ([`IndexClient::start_download`],
//!   [`Download`]).
//! - pip 26's `--uploaded-prior-to` ([`IndexConfig::uploaded_prior_to`],
//!   [`UploadedPriorTo`]): files uploaded at or after the cutoff (PEP 700 `upload-time`) are
//!   left out of every listing; a file without an upload time, other than a `file:` URL, is
//!   [`IndexError::NoUploadTime`].
//! - Plain `http://` is refused ([`IndexError::InsecureHost`]) except to loopback hosts and
//!   `--trusted-host` entries, whose TLS certificates are also not verified.
//! - Credentials come from index URLs (`https://user:password@host/simple/`, also applied to
//!   file URLs on the same host) or `~/.netrc` ([`Netrc`]); every URL is printed through
//!   [`redact`], so passwords never appear in errors or logs.

mod client;
mod config;
mod connect;
mod download;
mod error;
mod find_links;
mod freshness;
mod listing;
mod netrc;
mod page;
mod pip_conf;
mod pip_settings;
mod upload;
mod url;
mod zip;

pub use client::{DownloadProgress, DownloadReporter, IndexClient};
pub use config::{
    CachePolicy, ConfigSources, DEFAULT_RETRIES, DEFAULT_TIMEOUT, INDEX_KEYS, IndexConfig,
    strtobool,
};
pub use download::{Download, Fetch, format_size};
pub use error::IndexError;
pub use freshness::DEFAULT_FRESHNESS;
pub use listing::ProjectListing;
pub use netrc::Netrc;
pub use page::{
    ACCEPT, FileFilter, FileOrigin, IndexFile, JSON_MEDIA_TYPE, ProjectFiles, VersionFilter,
    decode_files, parse_project_page,
};
pub use pip_conf::{PipConf, PipConfEntry, PipConfSection, PipConfigLocations, normalize_key};
pub use pip_settings::{PIP_SECTIONS, PipConfiguration, PipSetting, pip_variables};
pub use upload::{InvalidCutoff, UploadedPriorTo};
pub use url::{IndexUrl, PYPI_URL, redact};
