//! den-index: the client for Python package indexes.
//!
//! - [`IndexConfig`]: which indexes to use (command line, `DEN_INDEX_URL`, `PIP_INDEX_URL`,
//!   pip config files), CA bundle, timeout and retries.
//! - [`IndexClient`]: project pages in PEP 691 JSON or PEP 503 HTML ([`ProjectFiles`] /
//!   [`IndexFile`]), cached on disk and revalidated; wheel metadata through PEP 658/714
//!   metadata files, HTTP range requests or a full download; downloads verified against the
//!   index's hashes and written atomically into the cache.
//! - Credentials come from index URLs (`https://user:password@host/simple/`, also applied to
//!   file URLs on the same host) or `~/.netrc` ([`Netrc`]); every URL is printed through
//!   [`redact`], so passwords never appear in errors or logs.

mod client;
mod config;
mod error;
mod netrc;
mod page;
mod url;
mod zip;

pub use client::IndexClient;
pub use config::{ConfigSources, DEFAULT_RETRIES, DEFAULT_TIMEOUT, IndexConfig, pip_config_files};
pub use error::IndexError;
pub use netrc::Netrc;
pub use page::{ACCEPT, IndexFile, JSON_MEDIA_TYPE, ProjectFiles, parse_project_page};
pub use url::{IndexUrl, PYPI_URL, redact};
