//! Index URLs and the redaction helper every printed URL goes through.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::IndexError;

/// The URL of PyPI's simple repository, the default index.
pub const PYPI_URL: &str = "https://pypi.org/simple/";

/// Renders `url` for humans with any password replaced by `****`
/// (`https://user:****@host/simple/`); a username without a password is usually a token, so
/// it is hidden instead (`https://****@host/`). Every URL den-index puts in an error, a log
/// line or a `Display` goes through here (or, for text that is not a parsed URL, through
/// [`den_dist::redact_credentials`], which this wraps), so secrets never leak.
pub fn redact(url: &Url) -> String {
    den_dist::redact_credentials(url.as_str()).into_owned()
}

/// The base URL of a simple repository (PEP 503), e.g. `https://pypi.org/simple/`, possibly
/// with `user:password@` credentials. The path always ends in `/`, so project pages resolve as
/// `<index>/<normalized-name>/`.
///
/// `Display` redacts the password; [`IndexUrl::url`] gives the full URL.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IndexUrl(Url);

impl IndexUrl {
    /// Parses an index URL (`http` or `https`), adding a trailing `/` to the path if
    /// missing.
    ///
    /// Errors: [`IndexError::InvalidUrl`] when it does not parse or has another scheme.
    pub fn parse(raw: &str) -> Result<Self, IndexError> {
        let raw = raw.trim();
        let mut url = Url::parse(raw).map_err(|e| IndexError::InvalidUrl {
            url: den_dist::redact_credentials(raw).into_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(IndexError::InvalidUrl {
                url: redact(&url),
                reason: format!(
                    "unsupported scheme `{}` (expected http or https)",
                    url.scheme()
                ),
            });
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url.set_fragment(None);
        Ok(Self(url))
    }

    /// PyPI's simple repository.
    pub fn pypi() -> Self {
        Self(Url::parse(PYPI_URL).expect("the PyPI URL constant is valid"))
    }

    /// The full URL, credentials included. Do not print it; use `Display` or [`redact`].
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The URL with username and password removed, as sent on the wire and used as a cache key.
    pub fn without_credentials(&self) -> Url {
        strip_credentials(&self.0)
    }

    /// The username and password embedded in the URL, if any (percent-decoded).
    pub fn credentials(&self) -> Option<(String, Option<String>)> {
        credentials_of(&self.0)
    }

    /// The URL of `project`'s page: `<index>/<name>/` (PEP 503 §Specification; the name is
    /// already normalized).
    pub fn project_url(&self, project: &den_dist::PackageName) -> Url {
        let mut url = self.0.clone();
        let path = format!("{}{}/", url.path(), project);
        url.set_path(&path);
        url
    }
}

impl FromStr for IndexUrl {
    type Err = IndexError;
    fn from_str(s: &str) -> Result<Self, IndexError> {
        Self::parse(s)
    }
}

impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexUrl({})", redact(&self.0))
    }
}

/// `url` without `user:password@`.
pub(crate) fn strip_credentials(url: &Url) -> Url {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean
}

/// The percent-decoded `(username, password)` of `url`, if it has a username.
pub(crate) fn credentials_of(url: &Url) -> Option<(String, Option<String>)> {
    if url.username().is_empty() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((decode(url.username()), url.password().map(decode)))
}

/// A `--trusted-host` entry (pip's option): `host` trusts every port of the host,
/// `host:port` (`[v6addr]:port` for IPv6) only that port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrustedHost {
    /// Lowercase host as `Url::host_str` spells it (IPv6 in brackets).
    host: String,
    port: Option<u16>,
}

impl TrustedHost {
    /// Parses an entry.
    ///
    /// Errors: [`IndexError::InvalidUrl`] when it is empty, holds a scheme, path or
    /// credentials, or its port is not a number.
    pub(crate) fn parse(raw: &str) -> Result<Self, IndexError> {
        let raw = raw.trim().to_ascii_lowercase();
        let error = |reason: &str| IndexError::InvalidUrl {
            url: den_dist::redact_credentials(&raw).into_owned(),
            reason: format!(
                "{reason}; a trusted host is `host` or `host:port` (e.g. `pypi.internal:8443`)"
            ),
        };
        if raw.is_empty() || raw.contains(['/', '@']) || raw.contains(char::is_whitespace) {
            return Err(error("not a host name"));
        }
        let (host, port) = if let Some(end) = raw.strip_prefix('[').and_then(|r| r.find(']')) {
            let (host, rest) = raw.split_at(end + 2);
            match rest.strip_prefix(':') {
                Some(port) => (host.to_string(), Some(port)),
                None if rest.is_empty() => (host.to_string(), None),
                None => return Err(error("unexpected text after the IPv6 address")),
            }
        } else if raw.matches(':').count() > 1 {
            (format!("[{raw}]"), None)
        } else {
            match raw.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (raw.clone(), None),
            }
        };
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| error("the port is not a number"))
            })
            .transpose()?;
        Ok(Self { host, port })
    }

    /// Whether requests to `url` are covered by this entry.
    pub(crate) fn matches(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|host| host.eq_ignore_ascii_case(&self.host))
            && self
                .port
                .is_none_or(|port| url.port_or_known_default() == Some(port))
    }
}

/// Whether `url` points at this machine's loopback interface (`localhost`, `127.0.0.0/8`,
/// `::1`): plain http there is as safe as a local file, as pip's secure origins say.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `host` or `host:port` (when the port is not the scheme's default) of `url`, as a
/// `--trusted-host` entry would name it.
pub(crate) fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_everywhere() {
        let index = IndexUrl::parse("https://alice:s3cret@example.com/simple").unwrap();
        assert_eq!(index.to_string(), "https://alice:****@example.com/simple/");
        assert_eq!(
            format!("{index:?}"),
            "IndexUrl(https://alice:****@example.com/simple/)"
        );
        assert_eq!(
            index.without_credentials().as_str(),
            "https://example.com/simple/"
        );
        assert_eq!(
            index.credentials(),
            Some(("alice".into(), Some("s3cret".into())))
        );
        let token = Url::parse("https://token@example.com/").unwrap();
        assert_eq!(redact(&token), "https://****@example.com/");
        let err = IndexUrl::parse("https://a:b@c d/simple")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`https://a:****@c d/simple`"), "{err}");
    }

    #[test]
    fn rejects_bad_urls_without_leaking() {
        let err = IndexUrl::parse("ftp://u:pw@host/").unwrap_err().to_string();
        assert!(err.contains("unsupported scheme"), "{err}");
        assert!(!err.contains("pw"), "{err}");
        let err = IndexUrl::parse("not a url").unwrap_err().to_string();
        assert!(err.contains("not a url"), "{err}");
    }

    #[test]
    fn builds_project_urls() {
        let index = IndexUrl::parse("http://127.0.0.1:8000/simple").unwrap();
        let name = den_dist::PackageName::from_str("Foo_Bar").unwrap();
        assert_eq!(
            index.project_url(&name).as_str(),
            "http://127.0.0.1:8000/simple/foo-bar/"
        );
    }

    #[test]
    fn matches_trusted_hosts() {
        let url = |u: &str| Url::parse(u).unwrap();
        let any_port = TrustedHost::parse("Mirror.Example").unwrap();
        assert!(any_port.matches(&url("http://mirror.example:8080/simple/")));
        assert!(any_port.matches(&url("https://MIRROR.example/")));
        assert!(!any_port.matches(&url("https://other.example/")));
        let one_port = TrustedHost::parse("mirror.example:8080").unwrap();
        assert!(one_port.matches(&url("http://mirror.example:8080/")));
        assert!(!one_port.matches(&url("http://mirror.example/")));
        let v6 = TrustedHost::parse("[::2]:81").unwrap();
        assert!(v6.matches(&url("http://[::2]:81/")));
        assert!(
            TrustedHost::parse("::2")
                .unwrap()
                .matches(&url("http://[::2]/"))
        );
        for bad in ["", "https://x", "u:p@x", "x:port"] {
            assert!(TrustedHost::parse(bad).is_err(), "{bad}");
        }
        assert!(is_loopback(&url("http://127.0.0.2:1/")));
        assert!(is_loopback(&url("http://LOCALHOST/")));
        assert!(is_loopback(&url("http://[::1]/")));
        assert!(!is_loopback(&url("http://0.0.0.0/")));
        assert_eq!(host_and_port(&url("http://h.example:81/x")), "h.example:81");
        assert_eq!(host_and_port(&url("http://h.example:80/x")), "h.example");
    }
}
