//! [`IndexConfig`]: which indexes to use and how, from the command line, the environment and
//! pip's configuration files (pip's "Configuration" documentation: file locations, `[global]`
//! and per-command sections, `PIP_<OPTION>` environment variables).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use den_dist::PackageName;

use crate::pip_conf::{PipConf, PipConfigLocations};
use crate::{IndexError, IndexUrl};

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt (so 3 tries in all).
pub const DEFAULT_RETRIES: u32 = 2;

/// How cached index pages are used (`--refresh`, `--offline`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// HTTP caching (RFC 9111): a fresh cached page is used without a request, a stale one
    /// is revalidated with `If-None-Match` / `If-Modified-Since`.
    #[default]
    Normal,
    /// `--refresh`: every cached page is revalidated once per process, fresh or not.
    /// Downloaded files and wheel metadata (immutable per URL) are still reused.
    Refresh,
    /// `--offline`: never touch the network. Cached pages are used however old; a page,
    /// file or metadata that is not in the cache is an [`IndexError::Offline`] naming it.
    Offline,
}

/// How den talks to package indexes.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The primary index (`--index-url`), default PyPI.
    pub index_url: IndexUrl,
    /// Further indexes searched too (`--extra-index-url`); files of all indexes are merged.
    pub extra_index_urls: Vec<IndexUrl>,
    /// A PEM bundle whose certificates are trusted in addition to the system roots.
    pub cert: Option<PathBuf>,
    /// Timeout of each HTTP request (connect + response), default 30 s.
    pub timeout: Duration,
    /// Retries after a connection error, timeout or 5xx answer, with exponential backoff
    /// (250 ms, 500 ms, 1 s...). Default 2, i.e. 3 tries.
    pub retries: u32,
    /// Whether cached pages are used as HTTP caching allows, always revalidated, or used
    /// without any network access. Default [`CachePolicy::Normal`]; set from `--refresh` /
    /// `--offline` by the caller.
    pub cache_policy: CachePolicy,
    /// pip's `--find-links` locations, in order: a local directory (every wheel and sdist in
    /// it), a local `.html` file or an `http(s)://` / `file://` URL of an HTML page (its
    /// `<a href>` links, parsed as PEP 503 anchors). Their files are merged into
    /// [`IndexClient::project_files`](crate::IndexClient::project_files) after the indexes',
    /// matched to projects by filename. Relative paths are relative to the current directory.
    pub find_links: Vec<String>,
    /// pip's `--no-index`: ask no index at all, only [`IndexConfig::find_links`].
    pub no_index: bool,
    /// pip's `--trusted-host`: `host` (any port) or `host:port` entries for which plain
    /// `http://` is allowed and TLS certificates are not verified. Without an entry, plain
    /// `http://` is only allowed to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), as
    /// pip's secure origins.
    pub trusted_hosts: Vec<String>,
    /// pip's `--proxy` (`PIP_PROXY`, config `proxy`): every request goes through this proxy
    /// (`scheme://[user:pass@]host:port`). Without it, the usual proxy environment variables
    /// (`HTTPS_PROXY`, `NO_PROXY`...) apply.
    pub proxy: Option<String>,
    /// pip's `--client-cert` (`PIP_CLIENT_CERT`, config `client-cert`): a PEM file holding a
    /// client certificate and its private key, presented to servers that ask for one.
    pub client_cert: Option<PathBuf>,
    /// Projects that come from one index only (a Pipfile entry's `index = "name"`): their
    /// pages are asked of that index alone.
    pub project_indexes: HashMap<PackageName, IndexUrl>,
    /// Whether every other project comes from the primary index alone (pipenv's rule since
    /// 2022.3.23, against dependency confusion) rather than from all indexes merged (pip's).
    pub primary_only: bool,
}

impl Default for IndexConfig {
    /// PyPI only, system roots, 30 s timeout, 2 retries, normal caching, no find-links, no
    /// trusted hosts.
    fn default() -> Self {
        Self {
            index_url: IndexUrl::pypi(),
            extra_index_urls: Vec::new(),
            cert: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            cache_policy: CachePolicy::Normal,
            find_links: Vec::new(),
            no_index: false,
            trusted_hosts: Vec::new(),
            proxy: None,
            client_cert: None,
            project_indexes: HashMap::new(),
            primary_only: false,
        }
    }
}

/// The inputs [`IndexConfig::from_sources`] reads: environment variables and pip config files.
/// [`ConfigSources::from_process`] gives the real ones; tests build their own.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// Environment variables by name.
    pub env: HashMap<String, String>,
    /// pip configuration files, highest precedence first; missing files are skipped.
    pub config_files: Vec<PathBuf>,
}

impl ConfigSources {
    /// The process environment and the pip config files it implies (see
    /// [`pip_config_files`]).
    pub fn from_process() -> Self {
        let env: HashMap<String, String> = std::env::vars().collect();
        let config_files = pip_config_files(&env);
        Self { env, config_files }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// pip's configuration files in precedence order, highest first: `PIP_CONFIG_FILE`, then
/// the site file of the active environment (`$VIRTUAL_ENV/pip.conf`), then
/// `$XDG_CONFIG_HOME/pip/pip.conf` (default `~/.config/pip/pip.conf`) and `~/.pip/pip.conf`
/// (unless `PIP_CONFIG_FILE` names an existing file, pip's rule), `/etc/pip.conf`,
/// `$XDG_CONFIG_DIRS/pip/pip.conf` (default `/etc/xdg/pip/pip.conf`; see
/// [`PipConfigLocations`]). `PIP_CONFIG_FILE=/dev/null` disables them all, as in pip.
pub fn pip_config_files(env: &HashMap<String, String>) -> Vec<PathBuf> {
    let site = env
        .get("VIRTUAL_ENV")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from);
    let locations = PipConfigLocations::new(env, site.as_deref());
    if locations.disabled() {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = locations.env.iter().cloned().collect();
    files.extend(locations.site.iter().cloned());
    if locations.user_files_read(false) {
        files.extend(locations.user.iter().rev().cloned());
    }
    files.extend(locations.global.into_iter().rev());
    files
}

/// The first config file (in precedence order) that sets `key`, with the value and line.
fn config_value<'a>(files: &'a [PipConf], key: &str) -> Option<(&'a Path, &'a str, usize)> {
    files.iter().find_map(|f| {
        f.get_in(&["install", "global"], key)
            .map(|(v, line)| (f.path.as_path(), v, line))
    })
}

fn parse_index(raw: &str, source: &Path, line: Option<usize>) -> Result<IndexUrl, IndexError> {
    IndexUrl::parse(raw).map_err(|e| match e {
        IndexError::InvalidUrl { url, reason } => IndexError::Config {
            file: source.to_path_buf(),
            line,
            reason: format!("invalid index URL `{url}`: {reason}"),
        },
        other => other,
    })
}

/// The union, in order and without duplicates, of the whitespace-separated values of the
/// environment variable `env_name` and of the config key `key` (whitespace- or
/// newline-separated), as pip reads list options such as `find-links` and `trusted-host`.
fn list_setting(
    sources: &ConfigSources,
    files: &[PipConf],
    env_name: &str,
    key: &str,
) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let from_env = sources.var(env_name).unwrap_or("");
    let from_config = config_value(files, key).map_or("", |(_, raw, _)| raw);
    for value in from_env
        .split_whitespace()
        .chain(from_config.split_whitespace())
    {
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }
    values
}

/// pip's `strtobool`: `Some(true)` for `1/true/yes/on/y/t`, `Some(false)` for
/// `0/false/no/off/n/f` (any case, surrounding blanks ignored), `None` for anything else.
pub fn strtobool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "off" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// Reads a boolean as pip does (`strtobool`): `1/true/yes/on/y/t` or `0/false/no/off/n/f`,
/// any case.
///
/// Errors: [`IndexError::Config`] naming `source` (file or variable) and `line`.
fn parse_bool(
    raw: &str,
    source: &Path,
    line: Option<usize>,
    key: &str,
) -> Result<bool, IndexError> {
    strtobool(raw).ok_or_else(|| IndexError::Config {
        file: source.to_path_buf(),
        line,
        reason: format!("`{key}` must be true or false (or yes/no, on/off, 1/0), not `{raw}`"),
    })
}

impl IndexConfig {
    /// The configuration from the real environment and pip config files; see
    /// [`IndexConfig::from_sources`].
    ///
    /// Errors: a malformed URL, number or config file ([`IndexError::Config`] names the file
    /// or variable, and the line).
    pub fn from_env(
        cli_index_url: Option<&str>,
        cli_extra_index_urls: &[String],
    ) -> Result<Self, IndexError> {
        Self::from_sources(
            cli_index_url,
            cli_extra_index_urls,
            &ConfigSources::from_process(),
        )
    }

    /// The configuration from explicit sources.
    ///
    /// Precedence, highest first:
    /// - index URL: `cli_index_url` > `DEN_INDEX_URL` > `PIP_INDEX_URL` > pip config
    ///   `index-url` > PyPI;
    /// - extra index URLs: the union, in order, of `cli_extra_index_urls`,
    ///   `PIP_EXTRA_INDEX_URL` (whitespace-separated) and the config `extra-index-url`
    ///   (whitespace- or newline-separated), duplicates and the primary index removed;
    /// - CA bundle: `PIP_CERT` > config `cert` > `SSL_CERT_FILE`;
    /// - timeout (seconds): `PIP_TIMEOUT` / `PIP_DEFAULT_TIMEOUT` > config `timeout` > 30;
    /// - retries: `PIP_RETRIES` > config `retries` > 2;
    /// - find-links: the union of `PIP_FIND_LINKS` (whitespace-separated) and the config
    ///   `find-links` (whitespace- or newline-separated);
    /// - trusted hosts: likewise from `PIP_TRUSTED_HOST` and the config `trusted-host`;
    /// - no-index: `PIP_NO_INDEX` > config `no-index` (`true`/`false`, `yes`/`no`, `1`/`0`...)
    ///   > false;
    /// - proxy: `PIP_PROXY` > config `proxy`; client certificate: `PIP_CLIENT_CERT` > config
    ///   `client-cert`;
    /// - cache policy: always [`CachePolicy::Normal`] (pip has no such settings).
    ///
    /// Command-line `--find-links` / `--trusted-host` values are appended to the fields by the
    /// caller, and `--no-index` sets [`IndexConfig::no_index`], as pip adds command-line
    /// values to those of its configuration.
    ///
    /// In each config file, `[install]` overrides `[global]`; among files, the first of
    /// `sources.config_files` that sets a key wins.
    ///
    /// Errors: [`IndexError::Config`] for a malformed config file, URL or number, naming the
    /// file (or environment variable) and line.
    pub fn from_sources(
        cli_index_url: Option<&str>,
        cli_extra_index_urls: &[String],
        sources: &ConfigSources,
    ) -> Result<Self, IndexError> {
        let mut files = Vec::new();
        for path in &sources.config_files {
            if let Some(file) = PipConf::read(path)? {
                files.push(file);
            }
        }
        let cli = Path::new("--index-url");
        let index_url = if let Some(raw) = cli_index_url {
            parse_index(raw, cli, None)?
        } else if let Some(raw) = sources.var("DEN_INDEX_URL") {
            parse_index(raw, Path::new("DEN_INDEX_URL"), None)?
        } else if let Some(raw) = sources.var("PIP_INDEX_URL") {
            parse_index(raw, Path::new("PIP_INDEX_URL"), None)?
        } else if let Some((path, raw, line)) = config_value(&files, "index-url") {
            parse_index(raw, path, Some(line))?
        } else {
            IndexUrl::pypi()
        };

        let mut extra_index_urls: Vec<IndexUrl> = Vec::new();
        let mut add_extra = |url: IndexUrl| {
            if url != index_url && !extra_index_urls.contains(&url) {
                extra_index_urls.push(url);
            }
        };
        for raw in cli_extra_index_urls {
            add_extra(parse_index(raw, Path::new("--extra-index-url"), None)?);
        }
        if let Some(raw) = sources.var("PIP_EXTRA_INDEX_URL") {
            for raw in raw.split_whitespace() {
                add_extra(parse_index(raw, Path::new("PIP_EXTRA_INDEX_URL"), None)?);
            }
        }
        if let Some((path, raw, line)) = config_value(&files, "extra-index-url") {
            for raw in raw.split_whitespace() {
                add_extra(parse_index(raw, path, Some(line))?);
            }
        }

        let cert = sources
            .var("PIP_CERT")
            .map(PathBuf::from)
            .or_else(|| config_value(&files, "cert").map(|(_, v, _)| PathBuf::from(v)))
            .or_else(|| sources.var("SSL_CERT_FILE").map(PathBuf::from));

        let number = |env_names: &[&str], key: &str| -> Result<Option<f64>, IndexError> {
            let (raw, file, line) = if let Some((name, raw)) = env_names
                .iter()
                .find_map(|name| sources.var(name).map(|v| (*name, v)))
            {
                (raw, PathBuf::from(name), None)
            } else if let Some((path, raw, line)) = config_value(&files, key) {
                (raw, path.to_path_buf(), Some(line))
            } else {
                return Ok(None);
            };
            raw.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| IndexError::Config {
                    file,
                    line,
                    reason: format!("`{key}` must be a non-negative number, not `{raw}`"),
                })
        };
        let timeout = number(&["PIP_TIMEOUT", "PIP_DEFAULT_TIMEOUT"], "timeout")?
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
        let retries = number(&["PIP_RETRIES"], "retries")?.map_or(DEFAULT_RETRIES, |n| n as u32);

        let find_links = list_setting(sources, &files, "PIP_FIND_LINKS", "find-links");
        let trusted_hosts = list_setting(sources, &files, "PIP_TRUSTED_HOST", "trusted-host");
        let no_index = if let Some(raw) = sources.var("PIP_NO_INDEX") {
            parse_bool(raw, Path::new("PIP_NO_INDEX"), None, "no-index")?
        } else if let Some((path, raw, line)) = config_value(&files, "no-index") {
            parse_bool(raw, path, Some(line), "no-index")?
        } else {
            false
        };

        Ok(Self {
            index_url,
            extra_index_urls,
            cert,
            timeout,
            retries,
            cache_policy: CachePolicy::Normal,
            find_links,
            no_index,
            trusted_hosts,
            proxy: sources
                .var("PIP_PROXY")
                .map(str::to_string)
                .or_else(|| config_value(&files, "proxy").map(|(_, v, _)| v.to_string()))
                .filter(|v| !v.is_empty()),
            client_cert: sources
                .var("PIP_CLIENT_CERT")
                .map(PathBuf::from)
                .or_else(|| config_value(&files, "client-cert").map(|(_, v, _)| PathBuf::from(v))),
            project_indexes: HashMap::new(),
            primary_only: false,
        })
    }

    /// The indexes to ask for the project `name`: its own index
    /// ([`IndexConfig::project_indexes`]), else the primary one alone with
    /// [`IndexConfig::primary_only`], else [`IndexConfig::indexes`].
    pub fn indexes_for(&self, name: &PackageName) -> Vec<&IndexUrl> {
        if self.no_index {
            return Vec::new();
        }
        match self.project_indexes.get(name) {
            Some(index) => vec![index],
            None if self.primary_only => vec![&self.index_url],
            None => self.indexes().collect(),
        }
    }

    /// The indexes to ask: the primary index followed by the extra indexes, or none with
    /// [`IndexConfig::no_index`].
    pub fn indexes(&self) -> impl Iterator<Item = &IndexUrl> {
        let all = std::iter::once(&self.index_url).chain(&self.extra_index_urls);
        all.take(if self.no_index { 0 } else { usize::MAX })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(env: &[(&str, &str)], files: &[&Path]) -> ConfigSources {
        ConfigSources {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            config_files: files.iter().map(|p| p.to_path_buf()).collect(),
        }
    }

    #[test]
    fn defaults_to_pypi() {
        let config = IndexConfig::from_sources(None, &[], &sources(&[], &[])).unwrap();
        assert_eq!(config.index_url, IndexUrl::pypi());
        assert!(config.extra_index_urls.is_empty());
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.retries, DEFAULT_RETRIES);
        assert!(config.cert.is_none());
    }

    #[test]
    fn follows_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let high = dir.path().join("high.conf");
        let low = dir.path().join("low.conf");
        std::fs::write(
            &high,
            "[global]\nindex-url = https://global.example/simple\n\
             [install]\nindex_url = https://install.example/simple\n\
             extra-index-url =\n    https://x1.example/simple\n    https://x2.example/simple\n\
             timeout: 7.5\n",
        )
        .unwrap();
        std::fs::write(
            &low,
            "# comment\n[global]\nindex-url = https://low.example/simple\ncert = /low.pem\nretries = 9\n",
        )
        .unwrap();
        let files = [high.as_path(), low.as_path()];

        let config = IndexConfig::from_sources(None, &[], &sources(&[], &files)).unwrap();
        assert_eq!(
            config.index_url.to_string(),
            "https://install.example/simple/"
        );
        assert_eq!(config.extra_index_urls.len(), 2);
        assert_eq!(config.timeout, Duration::from_millis(7500));
        assert_eq!(config.retries, 9);
        assert_eq!(config.cert, Some(PathBuf::from("/low.pem")));

        let env = [
            ("PIP_INDEX_URL", "https://pip.example/simple"),
            (
                "PIP_EXTRA_INDEX_URL",
                "https://x2.example/simple https://x3.example/",
            ),
            ("PIP_CERT", "/env.pem"),
            ("SSL_CERT_FILE", "/ssl.pem"),
        ];
        let config = IndexConfig::from_sources(None, &[], &sources(&env, &files)).unwrap();
        assert_eq!(config.index_url.to_string(), "https://pip.example/simple/");
        let extras: Vec<String> = config
            .extra_index_urls
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            extras,
            [
                "https://x2.example/simple/",
                "https://x3.example/",
                "https://x1.example/simple/"
            ]
        );
        assert_eq!(config.cert, Some(PathBuf::from("/env.pem")));

        let env = [
            ("DEN_INDEX_URL", "https://den.example/simple"),
            ("PIP_INDEX_URL", "https://pip.example/simple"),
        ];
        let config = IndexConfig::from_sources(None, &[], &sources(&env, &files)).unwrap();
        assert_eq!(config.index_url.to_string(), "https://den.example/simple/");
        let config = IndexConfig::from_sources(
            Some("https://cli.example/simple"),
            &["https://den.example/simple".to_string()],
            &sources(&env, &files),
        )
        .unwrap();
        assert_eq!(config.index_url.to_string(), "https://cli.example/simple/");
        assert_eq!(
            config.extra_index_urls[0].to_string(),
            "https://den.example/simple/"
        );

        let config =
            IndexConfig::from_sources(None, &[], &sources(&[("SSL_CERT_FILE", "/ssl.pem")], &[]))
                .unwrap();
        assert_eq!(config.cert, Some(PathBuf::from("/ssl.pem")));
    }

    #[test]
    fn reports_config_errors_with_location() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("pip.conf");
        std::fs::write(&bad, "[global]\nindex-url = ftp://u:secret@host/\n").unwrap();
        let err = IndexConfig::from_sources(None, &[], &sources(&[], &[&bad]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("pip.conf:2"), "{err}");
        assert!(!err.contains("secret"), "{err}");

        std::fs::write(&bad, "index-url = https://x/\n").unwrap();
        let err = IndexConfig::from_sources(None, &[], &sources(&[], &[&bad]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pip.conf:1") && err.contains("[global]"),
            "{err}"
        );

        let err = IndexConfig::from_sources(None, &[], &sources(&[("PIP_TIMEOUT", "soon")], &[]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("PIP_TIMEOUT: `timeout` must be"), "{err}");
    }

    #[test]
    fn reads_a_real_pip_conf() {
        // A pip.conf as pip's documentation and company setups write them: tab- and
        // space-indented continuation lines, `key: value`, `_` in keys, comments, blank
        // lines, an `[install]` section overriding `[global]`.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "# written by the mirror setup\n[global]\ntimeout = 60\n\
             index-url = https://pypi.mirror.example/simple\nextra-index-url =\n\
             \thttps://one.example/simple\n\thttps://two.example/simple\n\n\
             trusted_host = one.example\n               two.example\n\n\
             [install]\n; local wheels first\nfind-links:\n    /opt/wheels\ntimeout: 90\n",
        )
        .unwrap();
        let config = IndexConfig::from_sources(None, &[], &sources(&[], &[&file])).unwrap();
        assert_eq!(
            config.index_url.to_string(),
            "https://pypi.mirror.example/simple/"
        );
        let extras: Vec<String> = config
            .extra_index_urls
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            extras,
            ["https://one.example/simple/", "https://two.example/simple/"]
        );
        assert_eq!(config.trusted_hosts, ["one.example", "two.example"]);
        assert_eq!(config.find_links, ["/opt/wheels"]);
        assert_eq!(config.timeout, Duration::from_secs(90));
    }

    #[test]
    fn reads_find_links_no_index_and_trusted_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "[global]\nfind-links =\n    /wheels\n    https://h.example/links.html\n\
             trusted-host = h.example mirror:8080\nno-index = yes\n",
        )
        .unwrap();
        let config = IndexConfig::from_sources(None, &[], &sources(&[], &[&file])).unwrap();
        assert_eq!(
            config.find_links,
            ["/wheels", "https://h.example/links.html"]
        );
        assert_eq!(config.trusted_hosts, ["h.example", "mirror:8080"]);
        assert!(config.no_index);
        assert_eq!(config.indexes().count(), 0);
        assert_eq!(config.cache_policy, CachePolicy::Normal);

        let env = [
            ("PIP_FIND_LINKS", "/env-wheels /wheels"),
            ("PIP_TRUSTED_HOST", "env.example"),
            ("PIP_NO_INDEX", "0"),
        ];
        let config = IndexConfig::from_sources(None, &[], &sources(&env, &[&file])).unwrap();
        assert_eq!(
            config.find_links,
            ["/env-wheels", "/wheels", "https://h.example/links.html"]
        );
        assert_eq!(
            config.trusted_hosts,
            ["env.example", "h.example", "mirror:8080"]
        );
        assert!(!config.no_index);
        assert_eq!(config.indexes().count(), 1);

        let err = IndexConfig::from_sources(None, &[], &sources(&[("PIP_NO_INDEX", "maybe")], &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("PIP_NO_INDEX: `no-index` must be true or false"),
            "{err}"
        );
    }

    #[test]
    fn finds_pip_config_files() {
        let env: HashMap<String, String> = [("HOME", "/home/u"), ("PIP_CONFIG_FILE", "/c.conf")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let files = pip_config_files(&env);
        assert_eq!(files[0], PathBuf::from("/c.conf"));
        assert_eq!(files[1], PathBuf::from("/home/u/.config/pip/pip.conf"));
        assert_eq!(files[2], PathBuf::from("/home/u/.pip/pip.conf"));
        // An existing PIP_CONFIG_FILE turns the user files off; an environment adds its own.
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("pip.conf");
        std::fs::write(&conf, "").unwrap();
        let mut env = env;
        env.insert("PIP_CONFIG_FILE".into(), conf.display().to_string());
        env.insert("VIRTUAL_ENV".into(), "/venv".into());
        let files = pip_config_files(&env);
        assert_eq!(files[..2], [conf, PathBuf::from("/venv/pip.conf")]);
        assert!(
            !files.iter().any(|file| file.starts_with("/home/u")),
            "{files:?}"
        );
        env.insert("PIP_CONFIG_FILE".into(), "/dev/null".into());
        assert!(pip_config_files(&env).is_empty());
    }
}
