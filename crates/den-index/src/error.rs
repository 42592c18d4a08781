//! [`IndexError`]: everything that can go wrong talking to an index. Every URL in a message is
//! already redacted (see [`crate::redact`]).

use std::path::PathBuf;

use den_dist::PackageName;

/// A failure of the index client. URLs are stored redacted, so printing an error never shows
/// a password.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// No index has a page for the project (all answered 404/410) and no find-links location
    /// has a file of it.
    #[error(
        "project `{name}` was not found on {}; check the spelling or pass --index-url / \
         --extra-index-url / --find-links",
        indexes.join(", ")
    )]
    NotFound {
        /// The normalized project name.
        name: PackageName,
        /// Every index and find-links location asked (redacted), in order.
        indexes: Vec<String>,
    },
    /// `--offline` (see [`crate::CachePolicy::Offline`]) and the thing is not in the cache.
    #[error(
        "{what} is not in den's cache, and --offline forbids fetching it; run once without \
         --offline to fill the cache, or drop --offline"
    )]
    Offline {
        /// What was needed: `the page of project `x` (https://...)`, a filename and URL...
        /// (redacted).
        what: String,
    },
    /// The server did not answer in time on any try.
    #[error(
        "{url} did not answer within {} s, {tries} {} in all; the index is slow or \
         unreachable: raise the timeout with --timeout <seconds> (or PIP_DEFAULT_TIMEOUT), or \
         check your network and proxy",
        timeout.as_secs_f64(),
        if *tries == 1 { "try" } else { "tries" }
    )]
    Timeout {
        /// The requested URL (redacted).
        url: String,
        /// How many requests were made (1 + retries).
        tries: u32,
        /// The per-request timeout.
        timeout: std::time::Duration,
    },
    /// Plain `http://` to a host that is neither loopback nor trusted.
    #[error(
        "refusing plain http to {url}: {host} is not a trusted host, and without TLS anyone on \
         the network path can change what is installed; use https, or pass --trusted-host \
         {host} (or PIP_TRUSTED_HOST) if you trust that network"
    )]
    InsecureHost {
        /// The requested URL (redacted).
        url: String,
        /// The host (with `:port` when not the default), as `--trusted-host` takes it.
        host: String,
    },
    /// A `--find-links` location cannot be used.
    #[error("cannot use the find-links location {location}: {reason}")]
    FindLinks {
        /// The location as configured (redacted).
        location: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// `--uploaded-prior-to` was given and a file listed here has no PEP 700 upload time
    /// (an HTML page, or an index that does not publish them): pip's error, since the
    /// cutoff cannot be honoured.
    #[error("Index {location} does not provide upload-time metadata.")]
    NoUploadTime {
        /// The page that listed the file (its URL after redirects, without credentials, or
        /// the find-links location).
        location: String,
    },
    /// The server answered with an error status (after retries, for 5xx).
    #[error("HTTP {status} from {url}{}", status_hint(*status))]
    Http {
        /// The requested URL (redacted).
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The server could not be reached (after retries): connection refused, DNS, TLS, timeout.
    #[error("could not reach {url}: {reason}. Check your network or --index-url")]
    Network {
        /// The requested URL (redacted).
        url: String,
        /// The underlying cause, without the URL.
        reason: String,
    },
    /// A downloaded file does not match a hash the index (or a requirement) gave.
    #[error(
        "hash mismatch for {filename}: expected {expected}, got {actual}; the file was not \
         used (a corrupt mirror or local file, a proxy rewriting files, or a wrong --hash)"
    )]
    HashMismatch {
        /// The file's name (a local file's path).
        filename: String,
        /// The expected digest, `sha256=<hex>`.
        expected: String,
        /// The digest of what was received, same algorithm.
        actual: String,
    },
    /// An index page or response could not be understood.
    #[error("could not parse the response from {url}: {reason}")]
    Parse {
        /// The URL of the page (redacted).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A URL (from the command line, environment or config) is not a valid index URL.
    #[error("invalid index URL `{url}`: {reason}")]
    InvalidUrl {
        /// The offending URL (redacted).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A pip configuration file or environment setting is malformed.
    #[error("{}{}: {reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        /// The config file (or the environment variable's name, as a path).
        file: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A CA bundle (`--cert`, `PIP_CERT`, `SSL_CERT_FILE`) cannot be read or parsed.
    #[error("cannot use the certificate bundle {}: {reason}", path.display())]
    Certificate {
        /// The bundle's path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A local file operation failed: `cannot {action} {path}: {cause}`.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
    /// The cache failed.
    #[error(transparent)]
    Cache(#[from] den_cache::CacheError),
    /// A wheel's core metadata could not be obtained or parsed.
    #[error("cannot read the metadata of {filename}: {reason}")]
    Metadata {
        /// The wheel's filename.
        filename: String,
        /// What is wrong.
        reason: String,
    },
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => {
            ": the index refused the credentials; put them in the index URL \
             (https://user:password@host/simple/) or in ~/.netrc"
        }
        404 | 410 => ": not found on the index",
        500..=599 => ": the index had a server error; try again later",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_error_shows_its_cause_once() {
        let cause = std::io::Error::other("disk on fire");
        let err = IndexError::from(den_dist::IoError::new("write", "/cache/x.whl", cause));
        assert_eq!(err.to_string(), "cannot write /cache/x.whl: disk on fire");
        assert!(std::error::Error::source(&err).is_none());
    }
}
